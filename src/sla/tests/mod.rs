//! Virtual-clock tests: a scenario is a script of timestamped events, the harness replays it
//! the way the desk and its timer task would (applying changes through `Ticket::apply`,
//! keeping a deadline index, firing due deadlines in order, acting on every decision and
//! recording its mark), and the transcript is compared with an expect-test snapshot.
//!
//! Script lines (desk-local time in the calendar's zone):
//!
//! ```text
//! calendar: Europe/Berlin; mon-fri 09:00-18:00; holidays 2026-12-25   (or `calendar: always`)
//! sla normal: first_response 1h, next_response 2h, resolution 8h[, calendar]
//! pause: next_response resolution          (metrics that stop while awaiting the customer)
//! policy: warning 80%, grace 10%, auto_close 72h, reminder 1d, age 3d   (any subset; `off` disables)
//! 2026-03-02 09:00 open normal             (opens T1; the next `open` opens T2, ...)
//! 2026-03-02 09:30 [T2] agent | customer | await | resolve | close | reopen | priority high
//! 2026-03-02 09:40 [T2] hold | unhold | keep-open
//! 2026-03-02 12:00 show                    (clocks and deadlines of every ticket)
//! 2026-03-02 12:00 down | up               (no timer fires while down; `up` catches up)
//! 2026-03-06 18:00 end                     (run the timers until then)
//! ```
//!
//! Transcript lines: `Mon 03-02 09:48 CET T1 first response warning: 12m left of 1h`, with
//! `(due ...)` appended when a decision fires later than it fell due.

mod automations;
mod business;
mod changes;
mod downtime;
mod escalation;
mod incremental;
mod metrics;
mod switches;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use expect_test::Expect;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::{ClockState, ClockStatus, Decision, Inputs, Plan, Policy};
use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::history::{Actor, Entry};
use crate::sla::{PauseWhenAwaiting, SlaClock, SlaTargets};
use crate::ticket::{Change, Customer, Origin, Priority, Ticket, TicketId};

/// Replays `script` and compares the transcript with `expect`.
#[track_caller]
pub(crate) fn check(script: &str, expect: &Expect) {
    let mut run = Run::default();
    for line in script.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
        run.line(line);
    }
    expect.assert_eq(&run.out);
}

/// How far the timer task runs before a line: strictly before its instant, or through it.
#[derive(Clone, Copy)]
struct Until {
    at: Timestamp,
    inclusive: bool,
}

impl Until {
    fn covers(self, due: Timestamp) -> bool {
        due < self.at || (self.inclusive && due == self.at)
    }
}

struct Run {
    zone: TimeZone,
    calendar: BusinessCalendar,
    targets: BTreeMap<Priority, SlaTargets>,
    pause: PauseWhenAwaiting,
    policy: Policy,
    tickets: Vec<(Ticket, Vec<Entry>)>,
    /// The store's deadline index: (due, ticket index, kind byte).
    deadlines: BTreeSet<(Timestamp, usize, u8)>,
    down: bool,
    /// The virtual time of the last line replayed.
    time: Timestamp,
    out: String,
}

impl Default for Run {
    fn default() -> Run {
        Run {
            zone: TimeZone::UTC,
            calendar: BusinessCalendar::always(),
            targets: BTreeMap::new(),
            pause: PauseWhenAwaiting::default(),
            policy: Policy::default(),
            tickets: Vec::new(),
            deadlines: BTreeSet::new(),
            down: false,
            time: Timestamp::MIN,
            out: String::new(),
        }
    }
}

impl Run {
    fn line(&mut self, line: &str) {
        if let Some((head, rest)) = line.split_once(':')
            && !head.starts_with(|c: char| c.is_ascii_digit())
        {
            self.header(head.trim(), rest.trim());
            return;
        }
        let mut words = line.split_whitespace();
        let (date, time) = (words.next().expect("a date"), words.next().expect("a time"));
        let local: DateTime = format!("{date}T{time}").parse().expect("test times are well formed");
        let now = self.zone.to_timestamp(local).expect("test times are in range");
        let mut words: Vec<&str> = words.collect();
        let mut index = self.tickets.len().saturating_sub(1);
        if let Some(number) = words.first().and_then(|word| word.strip_prefix('T')) {
            index = number.parse::<usize>().expect("ticket numbers like T2") - 1;
            words.remove(0);
        }
        // Events at an instant come before timers due then (a reply at the very instant of a
        // target meets it); a look or the end of the script sees those timers fired.
        let inclusive = matches!(words.as_slice(), ["show" | "end" | "down"]);
        self.run_timers(Until { at: now, inclusive });
        self.time = now;
        match words.as_slice() {
            ["open", priority @ ..] => {
                let priority = priority.first().map_or(Priority::Normal, |p| p.parse().expect("a priority"));
                let id = TicketId(self.tickets.len() as u64 + 1);
                let customer = Customer { id: 42, name: "Alice".into(), username: None, language: None };
                let (mut ticket, created) = Ticket::open(id, customer, "support", BTreeMap::new(), now);
                ticket.priority = priority;
                self.tickets.push((ticket, vec![created]));
                self.sync(self.tickets.len() - 1, now);
            }
            ["show"] => self.show(now),
            ["down"] => {
                let _ = writeln!(self.out, "{} down", self.show_at(now));
                self.down = true;
            }
            ["up"] => {
                let _ = writeln!(self.out, "{} up", self.show_at(now));
                self.down = false;
                self.run_timers(Until { at: now, inclusive: true });
            }
            ["end"] => {}
            change => {
                let (change, actor) = match change {
                    ["customer"] => (Change::CustomerMessage { text: "?".into() }, Actor::Customer(42)),
                    ["agent"] => (Change::AgentReply { text: "!".into() }, Actor::Agent(7)),
                    ["await"] => (Change::AwaitCustomer, Actor::Agent(7)),
                    ["resolve"] => (Change::Resolve, Actor::Agent(7)),
                    ["close"] => (Change::Close, Actor::Agent(7)),
                    ["reopen"] => (Change::Reopen, Actor::Agent(7)),
                    ["priority", p] => (Change::SetPriority(p.parse().expect("a priority")), Actor::Agent(7)),
                    ["hold"] => (Change::HoldEscalation { held: true }, Actor::Agent(7)),
                    ["unhold"] => (Change::HoldEscalation { held: false }, Actor::Agent(7)),
                    ["keep-open"] => (Change::KeepOpen, Actor::Customer(42)),
                    other => panic!("unknown event {other:?}"),
                };
                self.apply(index, change, actor, now);
                self.sync(index, now);
            }
        }
    }

    fn header(&mut self, head: &str, rest: &str) {
        match head.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["calendar"] if rest == "always" => self.calendar = BusinessCalendar::always(),
            ["calendar"] => {
                let mut parts = rest.split(';').map(str::trim);
                let zone = parts.next().expect("a zone");
                let (mut hours, mut holidays) = (Vec::new(), Vec::new());
                for part in parts {
                    let (key, value) = part.split_once(' ').expect("`key value` parts");
                    if key == "holidays" {
                        holidays.extend(value.split_whitespace());
                    } else {
                        hours.push((key, value));
                    }
                }
                self.calendar =
                    BusinessCalendar::new(zone, &hours, &holidays).expect("test calendars are valid");
                self.zone = TimeZone::get(zone).expect("test zones exist");
            }
            ["sla", priority] => {
                let mut targets = SlaTargets { pause_when_awaiting: self.pause, ..SlaTargets::default() };
                for item in rest.split(',').map(str::trim) {
                    let span = |text: &str| text.parse::<Span>().expect("a span");
                    match item.split_whitespace().collect::<Vec<_>>().as_slice() {
                        ["first_response", s] => targets.first_response = Some(span(s)),
                        ["next_response", s] => targets.next_response = Some(span(s)),
                        ["resolution", s] => targets.resolution = Some(span(s)),
                        ["calendar"] => targets.calendar = SlaClock::Calendar,
                        other => panic!("unknown target {other:?}"),
                    }
                }
                self.targets.insert(priority.parse().expect("a priority"), targets);
            }
            ["pause"] => {
                let named = |metric: &str| rest.split_whitespace().any(|word| word == metric);
                self.pause = PauseWhenAwaiting {
                    first_response: named("first_response"),
                    next_response: named("next_response"),
                    resolution: named("resolution"),
                };
            }
            ["policy"] => {
                for item in rest.split(',').map(str::trim) {
                    let (key, value) = item.split_once(' ').expect("`key value` settings");
                    let percent = || value.trim_end_matches('%').parse().expect("a percentage");
                    let span = || (value != "off").then(|| value.parse::<Span>().expect("a span"));
                    match key {
                        "warning" => self.policy.warning_percent = percent(),
                        "grace" => self.policy.ladder.grace_percent = percent().into(),
                        "auto_close" => self.policy.auto_close_after = span(),
                        "reminder" => self.policy.reminder_after = span(),
                        "age" => self.policy.escalate_after_age = span(),
                        other => panic!("unknown policy {other}"),
                    }
                }
            }
            other => panic!("unknown header {other:?}"),
        }
    }

    fn apply(&mut self, index: usize, change: Change, actor: Actor, now: Timestamp) {
        let (ticket, history) = &mut self.tickets[index];
        let entries = ticket.apply(change, &Origin { actor, rules: None }, now).expect("legal changes");
        history.extend(entries);
    }

    fn plan(&self, index: usize, now: Timestamp) -> Plan {
        let (ticket, history) = &self.tickets[index];
        let targets = self.targets.get(&ticket.priority);
        let calendars = targets.map_or_else(Vec::new, |targets| {
            super::calendar_switches(history, now, targets.calendar, |priority| {
                self.targets.get(&priority).map(|targets| targets.calendar).unwrap_or_default()
            })
        });
        let inputs = Inputs {
            ticket,
            history,
            targets,
            calendars: &calendars,
            calendar: &self.calendar,
            policy: &self.policy,
        };
        super::plan(&inputs, now)
    }

    /// What the desk does after every change: bring the ticket's deadlines up to date.
    fn sync(&mut self, index: usize, now: Timestamp) {
        let plan = self.plan(index, now);
        self.deadlines.retain(|&(_, ticket, _)| ticket != index);
        for (kind, due) in plan.deadlines() {
            if let Some(due) = due {
                self.deadlines.insert((due, index, kind.as_u8()));
            }
        }
    }

    /// What the timer task does: wake at the earliest deadline (or at once when it fell due
    /// before the last event: a change made a step due, or the process was down), take every
    /// deadline due by then, and act on all their tickets' decisions in order.
    fn run_timers(&mut self, until: Until) {
        if self.down {
            return;
        }
        while let Some(&(due, ..)) = self.deadlines.first().filter(|(due, ..)| until.covers(*due)) {
            let now = due.max(self.time);
            let tickets: BTreeSet<usize> = self
                .deadlines
                .iter()
                .take_while(|(due, ..)| *due <= now)
                .map(|&(_, index, _)| index)
                .collect();
            let mut decisions: Vec<(Decision, usize)> = tickets
                .iter()
                .flat_map(|&index| self.plan(index, now).decisions.into_iter().map(move |d| (d, index)))
                .filter(|(decision, _)| until.covers(decision.due))
                .collect();
            decisions.sort();
            assert!(!decisions.is_empty(), "deadlines due {due} decided nothing");
            for (decision, index) in decisions {
                let mut line =
                    format!("{} T{} {}", self.show_at(now), index + 1, self.show_kind(&decision.kind));
                if decision.due != now {
                    let _ = write!(line, " (due {})", self.show_at(decision.due));
                }
                let _ = writeln!(self.out, "{line}");
                for change in decision.changes() {
                    self.apply(index, change, Actor::System, now);
                }
            }
            for index in tickets {
                self.sync(index, now);
            }
        }
    }

    fn show(&mut self, now: Timestamp) {
        for index in 0..self.tickets.len() {
            let plan = self.plan(index, now);
            let mut text = String::new();
            for clock in &plan.clocks {
                let _ = writeln!(text, "{} T{} {}", self.show_at(now), index + 1, self.show_clock(clock));
            }
            let deadlines: Vec<String> = plan
                .deadlines()
                .filter_map(|(kind, due)| due.map(|due| format!("{} {}", kind.as_str(), self.show_at(due))))
                .collect();
            let deadlines = if deadlines.is_empty() { "none".to_owned() } else { deadlines.join(", ") };
            let _ = writeln!(text, "{} T{} deadlines: {deadlines}", self.show_at(now), index + 1);
            self.out.push_str(&text);
        }
    }

    fn show_clock(&self, clock: &ClockState) -> String {
        let status = match clock.status {
            ClockStatus::Running => "running".to_owned(),
            ClockStatus::Paused => "paused".to_owned(),
            ClockStatus::Stopped => "stopped".to_owned(),
            ClockStatus::Done { at } => format!("done {}", self.show_at(at)),
        };
        let verdict =
            if clock.breached() { format!(", breached by {}", clock.overdue()) } else { String::new() };
        let at = |at: Option<Timestamp>| at.map_or("-".to_owned(), |at| self.show_at(at));
        format!(
            "{} since {}: {status}, {} of {}{verdict}; warn {}, due {}",
            clock.metric.as_str(),
            self.show_at(clock.started),
            clock.elapsed,
            clock.target,
            at(clock.warn_at),
            at(clock.due),
        )
    }

    fn show_kind(&self, kind: &super::DecisionKind) -> String {
        match kind {
            super::DecisionKind::AutoCloseWarning { closes_at } => {
                format!("auto-close warning: closes {}", self.show_at(*closes_at))
            }
            other => other.to_string(),
        }
    }

    fn show_at(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.zone.clone()).strftime("%a %m-%d %H:%M %Z").to_string()
    }
}

//! Replaying one drawn ticket through a rule set on a virtual clock, the way the desk and
//! its timer task would: routed by `route`, its events applied through `Ticket::apply`,
//! its targets from `sla` (again after every priority change), every timer step decided by
//! the SLA core, breaches handed to `on_breach`, and every decision marked in history.
//!
//! Only the desk-independent parts run here; no Telegram, no store. Agent behaviour comes
//! from the draw: a hook that raises a priority changes the targets, not how fast agents work.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::history::{Actor, Entry};
use crate::rules::AgentState;
use crate::rules::RuleSet;
use crate::script::{RoundRobin, RouteDecision, TicketView};
use crate::sla::{
    self, Action, BreachPlan, BreachView, DecisionKind, Inputs, Level, Measures, Metric, Policy, SlaClock,
    SlaTargets,
};
use crate::ticket::{Answer, Change, Customer, Origin, Priority, Status, Ticket, TicketId};

use super::traffic::{Draw, Round, scaled};

/// What one ticket came to.
#[derive(Clone, Debug)]
pub(crate) struct Replayed {
    pub priority: Priority,
    pub assignee: Option<i64>,
    pub measures: Measures,
    /// Missed targets per metric (next response can miss several times).
    pub breaches: [u32; 3],
    pub warnings: u32,
    pub escalations: u32,
    pub auto_closed: bool,
    pub hook_failures: u32,
    /// When the ticket stopped needing its agent: its (last) resolution, or the horizon.
    pub released: Timestamp,
}

/// Routing state across tickets: the round-robin cursor and each agent's open tickets.
#[derive(Default)]
pub(crate) struct Router {
    cursor: RoundRobin,
    /// Per agent, when each of their open tickets is released.
    busy: BTreeMap<i64, BinaryHeap<Reverse<Timestamp>>>,
    /// Per agent, the most tickets open at once.
    pub peak_load: BTreeMap<i64, u32>,
}

impl Router {
    /// The agent `route` picks at `at`, with loads as they stand then.
    fn route(
        &mut self,
        rules: &RuleSet,
        view: &TicketView,
        at: Timestamp,
        failures: &mut u32,
    ) -> Option<i64> {
        for heap in self.busy.values_mut() {
            while heap.peek().is_some_and(|Reverse(release)| *release <= at) {
                heap.pop();
            }
        }
        let team = rules.team().view(|agent| AgentState {
            load: self.busy.get(&agent.id).map_or(0, |heap| heap.len() as u32),
            online: rules.on_duty(agent.id, at),
        });
        let outcome = rules.scripts().route(view, &team, self.cursor);
        *failures += u32::from(outcome.failure.is_some());
        self.cursor = outcome.value.cursor;
        match outcome.value.decision {
            RouteDecision::Agent(id) => Some(id),
            RouteDecision::Queue => None,
        }
    }

    /// Records that `agent` has a ticket open from `from` until `until`.
    pub(crate) fn hold(&mut self, agent: i64, from: Timestamp, until: Timestamp) {
        let heap = self.busy.entry(agent).or_default();
        while heap.peek().is_some_and(|Reverse(release)| *release <= from) {
            heap.pop();
        }
        heap.push(Reverse(until));
        let peak = self.peak_load.entry(agent).or_default();
        *peak = (*peak).max(heap.len() as u32);
    }
}

/// How far timers run: up to an event (which comes first at its own instant, so a reply at
/// the very instant of a target meets it) or through the end of the replay.
#[derive(Clone, Copy)]
enum Until {
    Before(Timestamp),
    Through(Timestamp),
}

impl Until {
    fn at(self) -> Timestamp {
        match self {
            Until::Before(at) | Until::Through(at) => at,
        }
    }

    fn covers(self, due: Timestamp) -> bool {
        match self {
            Until::Before(at) => due < at,
            Until::Through(at) => due <= at,
        }
    }
}

/// One ticket's replay: the ticket, its history and what the rules made of it so far.
pub(crate) struct Replay<'r> {
    rules: &'r RuleSet,
    policy: &'r Policy,
    ticket: Ticket,
    history: Vec<Entry>,
    targets: Option<SlaTargets>,
    /// The calendars `targets` counted on before the last priority change (see
    /// [`crate::desk::sla_calendars`]), asked again with the targets.
    calendars: Vec<(Timestamp, SlaClock)>,
    /// The targets the ticket opened with: its times are measured on their clock, so a
    /// rule that later raises the priority (and with it, say, switches to calendar time)
    /// changes the targets and breaches, never how long the agents took.
    opening_targets: Option<SlaTargets>,
    /// Whether `sla` was asked yet, so `opening_targets` is set once.
    evaluated: bool,
    out: Replayed,
}

/// Replays ticket `index` of the draw through `rules` until `horizon`.
pub(crate) fn replay(
    rules: &RuleSet,
    policy: &Policy,
    router: &mut Router,
    speeds: &BTreeMap<i64, f64>,
    (index, draw): (u32, &Draw),
    horizon: Timestamp,
) -> Replayed {
    let id = TicketId(u64::from(index) + 1);
    let customer = Customer { id: id.0, name: format!("customer {}", id.0), username: None, language: None };
    let mut answers =
        BTreeMap::from([("priority".to_owned(), Answer::Text(draw.priority.as_str().to_owned()))]);
    if let Some(category) = &draw.category {
        answers.insert("category".to_owned(), Answer::Text(category.clone()));
    }
    let (ticket, created) = Ticket::open(id, customer, "support", answers, draw.arrival);
    let mut replay = Replay::open(rules, policy, ticket, created, horizon);
    let view = crate::desk::ticket_view(&replay.ticket, draw.arrival);
    let assignee = router.route(rules, &view, draw.arrival, &mut replay.out.hook_failures);
    // Routing's assignment opens the ticket (New to Open) in `Ticket::apply`, as live, so
    // the `sla` hook sees the status the live desk shows it.
    if let Some(agent) = assignee {
        replay.apply(Change::Assign { to: Some(agent as u64) }, Actor::System, draw.arrival);
    }
    replay.evaluate_targets(draw.arrival);
    let speed = assignee.and_then(|agent| speeds.get(&agent)).copied().unwrap_or(1.0);
    replay.play(events(rules, draw, assignee, speed), horizon, router)
}

/// The draw as timed events, agent effort counted in the desk's business hours.
fn events(
    rules: &RuleSet,
    draw: &Draw,
    assignee: Option<i64>,
    speed: f64,
) -> Vec<(Timestamp, Change, Actor)> {
    let calendar = rules.calendar();
    let agent = Actor::Agent(assignee.unwrap_or_default() as u64);
    let customer = Actor::Customer(0);
    let work = |from: Timestamp, effort| calendar.add(from, scaled(effort, speed));
    let mut events = Vec::new();
    let mut at = work(draw.arrival, draw.first_reply);
    events.push((at, Change::AgentReply { text: String::new() }, agent));
    let exchange = |at: &mut Timestamp, round: &Round, events: &mut Vec<_>| {
        if round.awaits {
            events.push((*at, Change::AwaitCustomer, agent));
        }
        // Customers write round the clock.
        *at = BusinessCalendar::always().add(*at, round.customer_after);
        events.push((*at, Change::CustomerMessage { text: String::new() }, customer));
        *at = work(*at, round.reply);
        events.push((*at, Change::AgentReply { text: String::new() }, agent));
    };
    for round in &draw.rounds {
        exchange(&mut at, round, &mut events);
    }
    at = work(at, draw.resolve_after);
    events.push((at, Change::Resolve, agent));
    if let Some(round) = &draw.reopen {
        exchange(&mut at, &Round { awaits: false, ..*round }, &mut events);
        at = work(at, draw.resolve_after);
        events.push((at, Change::Resolve, agent));
    }
    events.retain(|(at, ..)| *at != Timestamp::MAX);
    events
}

impl<'r> Replay<'r> {
    /// Starts the replay of a ticket just opened.
    pub(crate) fn open(
        rules: &'r RuleSet,
        policy: &'r Policy,
        ticket: Ticket,
        created: Entry,
        horizon: Timestamp,
    ) -> Replay<'r> {
        let out = Replayed {
            priority: ticket.priority,
            assignee: None,
            measures: Measures::default(),
            breaches: [0; 3],
            warnings: 0,
            escalations: 0,
            auto_closed: false,
            hook_failures: 0,
            released: horizon,
        };
        Replay {
            rules,
            policy,
            ticket,
            history: vec![created],
            targets: None,
            calendars: Vec::new(),
            opening_targets: None,
            evaluated: false,
            out,
        }
    }

    /// Applies `events` in order, firing every timer due before each, then those due by
    /// `horizon`, and measures the outcome.
    pub(crate) fn play(
        mut self,
        events: Vec<(Timestamp, Change, Actor)>,
        horizon: Timestamp,
        router: &mut Router,
    ) -> Replayed {
        for (at, change, actor) in events {
            self.run_timers(Until::Before(at));
            self.apply(change, actor, at);
        }
        self.run_timers(Until::Through(horizon));
        self.finish(horizon, router)
    }

    /// Applies a change; one the lifecycle refuses (a reply to an auto-closed ticket) is
    /// dropped, as the desk would refuse it.
    pub(crate) fn apply(&mut self, change: Change, actor: Actor, at: Timestamp) {
        let reevaluate = matches!(change, Change::SetPriority(_));
        let origin = Origin { actor, rules: None };
        if let Ok(entries) = self.ticket.apply(change, &origin, at) {
            self.history.extend(entries);
            if reevaluate {
                self.evaluate_targets(at);
            }
        }
    }

    /// Asks `sla` for the ticket as it is at `at`.
    pub(crate) fn evaluate_targets(&mut self, at: Timestamp) {
        let view = crate::desk::ticket_view(&self.ticket, at);
        let outcome = self.rules.scripts().sla(&view);
        self.out.hook_failures += u32::from(outcome.failure.is_some());
        self.targets = outcome.value;
        self.calendars =
            crate::desk::sla_calendars(self.rules, &view, &self.history, self.targets.as_ref(), at);
        if !self.evaluated {
            self.evaluated = true;
            self.opening_targets.clone_from(&self.targets);
        }
    }

    fn plan(&self, now: Timestamp) -> sla::Plan {
        let inputs = Inputs {
            ticket: &self.ticket,
            history: &self.history,
            targets: self.targets.as_ref(),
            calendars: &self.calendars,
            calendar: self.rules.calendar(),
            policy: self.policy,
        };
        sla::plan(&inputs, now)
    }

    /// Fires every timer step due by `until`, each at its own time.
    fn run_timers(&mut self, until: Until) {
        // Bounded: each pass marks at least one step, and a ticket has few.
        for _ in 0..64 {
            let Some((due, _)) = self.plan(until.at()).next_deadline().filter(|(due, _)| until.covers(*due))
            else {
                return;
            };
            let now = due.max(self.ticket.updated_at);
            for decision in self.plan(now).decisions.into_iter().filter(|decision| until.covers(decision.due))
            {
                self.decide(&decision.kind, now);
                for change in decision.changes() {
                    self.apply(change, Actor::System, now);
                }
            }
        }
    }

    fn decide(&mut self, kind: &DecisionKind, now: Timestamp) {
        match kind {
            DecisionKind::SlaWarning { .. } => self.out.warnings += 1,
            DecisionKind::Breach { metric, target, overdue, level } => {
                // A breach counts once, when the desk saw it: the first rung of its stretch,
                // against the targets in force then (a later priority change does not judge
                // stretches already over).
                if *level == Level::ASSIGNEE {
                    let slot = Metric::ALL.iter().position(|m| m == metric).unwrap_or(0);
                    self.out.breaches[slot] += 1;
                }
                let breach = BreachView {
                    metric: metric.as_str().to_owned(),
                    level: level.script_level(),
                    overdue: *overdue,
                };
                let outcome =
                    self.rules.scripts().on_breach(&crate::desk::ticket_view(&self.ticket, now), &breach);
                self.out.hook_failures += u32::from(outcome.failure.is_some());
                let actions = match outcome.value {
                    BreachPlan::DefaultLadder => {
                        level.default_actions(self.ticket.id, *metric, *target, *overdue)
                    }
                    BreachPlan::Actions(actions) => actions,
                };
                for action in actions {
                    match action {
                        Action::Escalate { .. } => self.out.escalations += 1,
                        Action::SetPriority(name) => {
                            if let Ok(priority) = name.parse() {
                                self.apply(Change::SetPriority(priority), Actor::System, now);
                            }
                        }
                        Action::AddTag(tag) => self.apply(Change::AddTag(tag), Actor::System, now),
                        Action::NotifyAgent(_) => {}
                    }
                }
            }
            DecisionKind::AgeEscalation { .. } => self.out.escalations += 1,
            DecisionKind::AutoClose => self.out.auto_closed = true,
            DecisionKind::AutoCloseWarning { .. } | DecisionKind::Reminder { .. } => {}
        }
    }

    /// Measures the ticket on the clock of the targets it opened with (the desk's business
    /// hours without targets).
    fn finish(mut self, horizon: Timestamp, router: &mut Router) -> Replayed {
        let targets = self.opening_targets.clone().unwrap_or_default();
        let always = BusinessCalendar::always();
        let calendar = match targets.calendar {
            SlaClock::Business => self.rules.calendar(),
            SlaClock::Calendar => &always,
        };
        self.out.measures =
            sla::measure(&self.ticket, &self.history, calendar, &targets.pause_when_awaiting, horizon);
        self.out.assignee = self.ticket.assignee.map(|agent| agent as i64);
        if matches!(self.ticket.status, Status::Resolved | Status::Closed) {
            // Load counts tickets in work: a resolved ticket no longer weighs on its agent.
            self.out.released = self.ticket.resolved_at.unwrap_or(horizon);
        }
        if let Some(agent) = self.out.assignee {
            router.hold(agent, self.ticket.created_at, self.out.released);
        }
        self.out
    }
}

//! The plan for one ticket at one instant: its clocks, the decisions due, and the next
//! deadline per kind for the store's index.
//!
//! Every timer is a clock with thresholds (steps). A step is pending until a history mark
//! covers it; a pending step whose instant has come is a decision. The deadline of a kind
//! is the instant of its earliest pending step, past or future, so a deadline the timer
//! task has not yet served stays in the index until the desk records the decision. A
//! warning whose own step is due as well is dropped as overtaken (after an outage the
//! customer hears "closing now", not "closing soon" and then "closing now").

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::ticket::{Status, TicketId};

use super::SlaClock;
use super::clock::{Clock, ClockState, ClockStatus};
use super::decision::{Decision, DecisionKind};
use super::metric::{Metric, Step};
use super::timeline::{Segment, Stretch, Timeline};
use super::{CsatAsk, Inputs, Policy};
use crate::deadline::{DeadlineKind, Mark};

/// Everything timed about one ticket at `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Every SLA clock of the ticket (one per metric stretch, finished ones included), by
    /// metric, oldest stretch first.
    pub clocks: Vec<ClockState>,
    /// Steps due at `now` and not yet marked, in due order.
    pub decisions: Vec<Decision>,
    /// The earliest pending step per kind, indexed by [`DeadlineKind::as_u8`].
    deadlines: [Option<Timestamp>; DeadlineKind::ALL.len()],
}

/// A clock whose steps still may fire.
struct Timer<'c> {
    kind: DeadlineKind,
    since: u32,
    clock: Clock<'c>,
    /// The clock escalating steps count on, `clock` with the holds cut out; `None` when
    /// escalation was never held (the common case, so nothing is copied).
    ladder: Option<Clock<'c>>,
    /// The SLA target, or the automation's span.
    target: Span,
    steps: Vec<(Step, Span)>,
}

impl Plan {
    /// Computes the plan of `inputs.ticket` at `now`.
    pub fn at(inputs: &Inputs<'_>, now: Timestamp) -> Plan {
        let timeline = Timeline::read(inputs.ticket, inputs.history, now);
        let always = BusinessCalendar::always();
        let mut clocks = Vec::new();
        let mut timers = Vec::new();
        if let Some(targets) = inputs.targets {
            let calendar_of = |mode| match mode {
                SlaClock::Business => inputs.calendar,
                SlaClock::Calendar => &always,
            };
            let earlier: Vec<_> =
                inputs.calendars.iter().map(|&(until, mode)| (until, calendar_of(mode))).collect();
            let calendar = calendar_of(targets.calendar);
            let clock = |segments| Clock::switching(segments, &earlier, calendar);
            for metric in Metric::ALL {
                let Some(target) = metric.target(targets) else { continue };
                let pauses = metric.pauses(&targets.pause_when_awaiting);
                let runs = |status| match status {
                    Status::New | Status::Open => true,
                    Status::AwaitingCustomer => !pauses,
                    Status::Resolved | Status::Closed => false,
                };
                for episode in timeline.episodes(metric) {
                    let segments = timeline.segments(&episode, runs);
                    let ladder = timeline.was_held().then(|| clock(timeline.without_holds(&segments)));
                    let clock = clock(segments);
                    let status = match episode.end {
                        Some(at) => ClockStatus::Done { at },
                        None if clock.is_running() => ClockStatus::Running,
                        None if timeline.status() == Status::AwaitingCustomer => ClockStatus::Paused,
                        None => ClockStatus::Stopped,
                    };
                    clocks.push(ClockState {
                        metric,
                        started: episode.start.at,
                        target,
                        elapsed: clock.elapsed(now),
                        status,
                        warn_at: clock.reaches(target.percent(u64::from(inputs.policy.warning_percent))),
                        due: clock.reaches(target),
                    });
                    if clock.is_running() {
                        let steps = inputs.policy.ladder.steps(target, inputs.policy.warning_percent);
                        let kind = metric.into();
                        timers.push(Timer { kind, since: episode.start.seq, clock, ladder, target, steps });
                    }
                }
            }
        }
        timers.extend(automations(&timeline, inputs.policy, &always));
        let mut plan = Plan { clocks, decisions: Vec::new(), deadlines: [None; DeadlineKind::ALL.len()] };
        for timer in &timers {
            plan.add_timer(timer, &timeline, inputs.ticket.id, now);
        }
        plan.decisions.sort();
        plan
    }

    /// The earliest pending step of `kind`: set the store's deadline to it, or clear it on `None`.
    pub fn deadline(&self, kind: DeadlineKind) -> Option<Timestamp> {
        self.deadlines[usize::from(kind.as_u8())]
    }

    /// Every kind with its deadline (`None`: clear it), for syncing the store's index.
    pub fn deadlines(&self) -> impl Iterator<Item = (DeadlineKind, Option<Timestamp>)> + '_ {
        DeadlineKind::ALL.into_iter().map(|kind| (kind, self.deadline(kind)))
    }

    /// The earliest deadline of all kinds.
    pub fn next_deadline(&self) -> Option<(Timestamp, DeadlineKind)> {
        self.deadlines().filter_map(|(kind, due)| due.map(|due| (due, kind))).min()
    }

    fn add_timer(&mut self, timer: &Timer<'_>, timeline: &Timeline, ticket: TicketId, now: Timestamp) {
        let handled = timeline.handled(timer.kind, timer.since);
        let pending: Vec<(Step, Timestamp)> = timer
            .steps
            .iter()
            .filter(|(step, _)| handled.is_none_or(|handled| step.index() > handled))
            .filter_map(|&(step, threshold)| {
                let clock = match &timer.ladder {
                    Some(ladder) if step.escalates() => ladder,
                    _ => &timer.clock,
                };
                clock.reaches(threshold).map(|due| (step, due))
            })
            .collect();
        self.deadlines[usize::from(timer.kind.as_u8())] = pending.first().map(|&(_, due)| due);
        let due_now: Vec<(Step, Timestamp)> = pending.into_iter().filter(|&(_, due)| due <= now).collect();
        let elapsed = timer.clock.elapsed(now);
        for (index, &(step, due)) in due_now.iter().enumerate() {
            if step.is_warning() && index + 1 < due_now.len() {
                continue;
            }
            let kind = match (step, timer.kind.metric()) {
                (Step::Warning, Some(metric)) => DecisionKind::SlaWarning {
                    metric,
                    target: timer.target,
                    left: timer.target.saturating_sub(elapsed),
                },
                (Step::Breach(level), Some(metric)) => DecisionKind::Breach {
                    metric,
                    target: timer.target,
                    overdue: elapsed.saturating_sub(timer.target),
                    level,
                },
                (Step::AutoCloseWarning, _) => DecisionKind::AutoCloseWarning {
                    closes_at: timer.clock.reaches(timer.target).unwrap_or(Timestamp::MAX),
                },
                (Step::AutoClose, _) => DecisionKind::AutoClose,
                (Step::Reminder, _) => DecisionKind::Reminder { waiting: elapsed },
                (Step::AgeEscalation, _) => DecisionKind::AgeEscalation { age: elapsed },
                (Step::CsatSurvey, _) => DecisionKind::CsatSurvey,
                // Warnings and breaches belong to the three SLA kinds only (see `Step::of`).
                (Step::Warning | Step::Breach(_), None) => continue,
            };
            let mark = Mark { kind: timer.kind, since: timer.since, step: step.index() };
            self.decisions.push(Decision { due, ticket, mark, kind });
        }
    }
}

/// The automation timers running at the end of the timeline: auto-close while Resolved,
/// the reminder while Awaiting Customer, the age trigger while active and not held, the
/// satisfaction survey after the resolution or closing of a ticket never asked. All count
/// calendar time: they speak to customers, or measure age.
fn automations<'c>(timeline: &Timeline, policy: &Policy, always: &'c BusinessCalendar) -> Vec<Timer<'c>> {
    let running_since = |stretch: Stretch| Clock::new(always, vec![Segment { from: stretch.at, to: None }]);
    let mut timers = Vec::new();
    if let (Some(silence), Some(after)) = (timeline.resolved_silence(), policy.auto_close_after) {
        timers.push(Timer {
            kind: DeadlineKind::AutoClose,
            since: silence.seq,
            clock: running_since(silence),
            ladder: None,
            target: after,
            steps: vec![
                (Step::AutoCloseWarning, after.percent(u64::from(policy.warning_percent))),
                (Step::AutoClose, after),
            ],
        });
    }
    if let (Some(silence), Some(after)) = (timeline.awaiting_silence(), policy.reminder_after) {
        timers.push(Timer {
            kind: DeadlineKind::Reminder,
            since: silence.seq,
            clock: running_since(silence),
            ladder: None,
            target: after,
            steps: vec![(Step::Reminder, after)],
        });
    }
    // The age trigger waits while escalation is held and fires once the hold is lifted,
    // if the ticket is still active and old enough then.
    if let Some(after) = policy.escalate_after_age
        && timeline.status().is_active()
        && !timeline.held()
    {
        let created = timeline.created();
        timers.push(Timer {
            kind: DeadlineKind::Age,
            since: created.seq,
            clock: running_since(created),
            ladder: None,
            target: after,
            steps: vec![(Step::AgeEscalation, after)],
        });
    }
    // Asked once in a ticket's life: a survey mark of any stretch ends the timer for good.
    // A reopen before the delay ends the stretch, so that resolution is never asked about.
    if let Some(csat) = policy.csat
        && !timeline.csat_asked()
    {
        let stretch = match csat.ask {
            CsatAsk::OnResolve => timeline.finished(),
            CsatAsk::OnClose => timeline.closed(),
        };
        if let Some(stretch) = stretch {
            timers.push(Timer {
                kind: DeadlineKind::Csat,
                since: stretch.seq,
                clock: running_since(stretch),
                ladder: None,
                target: csat.delay,
                steps: vec![(Step::CsatSurvey, csat.delay)],
            });
        }
    }
    timers
}

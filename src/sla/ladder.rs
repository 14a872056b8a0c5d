//! The escalation ladder: what happens after an SLA target is missed, and when.
//!
//! Every rung is a threshold on the metric's own clock: level 0 (notify the assignee) at the
//! target, level 1 (the supervisors) one grace later, level 2 (the escalation team) after a
//! second grace. The grace is a share of the target (10% by default), so a 15-minute target
//! escalates a minute and a half after the breach and a two-day target some hours after.
//! Counting on the clock, not the wall, means a ladder waits for business hours and stands
//! still while the clock is paused: nobody is escalated to while the customer owes an answer.

use std::fmt;

use crate::duration::Span;
use crate::ticket::TicketId;

use super::metric::{Metric, Step};
use super::{Action, EscalationTarget};

/// When the rungs after a breach come due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ladder {
    /// The time between two rungs, as a percentage of the target.
    pub grace_percent: u64,
}

/// A rung of the ladder, counted from 0 (the breach itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(pub u8);

/// Where a breach stands on the ladder: the rungs due now and the wait for the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LadderProgress {
    /// Rungs whose time has come and that were not handled yet, lowest first.
    pub due: Vec<Level>,
    /// Clock time until the next rung, `None` when every rung is due or handled.
    pub next_in: Option<Span>,
}

impl Default for Ladder {
    fn default() -> Ladder {
        Ladder { grace_percent: Ladder::DEFAULT_GRACE_PERCENT }
    }
}

impl Ladder {
    /// The default grace between rungs: 10% of the target.
    pub const DEFAULT_GRACE_PERCENT: u64 = 10;

    /// The clock time at which `level` comes due for a metric with `target`.
    pub fn threshold(&self, target: Span, level: Level) -> Span {
        let grace = target.percent(self.grace_percent);
        let mut threshold = target;
        for _ in 0..level.0 {
            threshold = threshold.saturating_add(grace);
        }
        threshold
    }

    /// The steps of an SLA timer with their clock thresholds, in firing order: the warning at
    /// `warning_percent` of the target, then every rung of the ladder.
    pub fn steps(&self, target: Span, warning_percent: u8) -> Vec<(Step, Span)> {
        let mut steps = vec![(Step::Warning, target.percent(u64::from(warning_percent)))];
        steps.extend(Level::all().map(|level| (Step::Breach(level), self.threshold(target, level))));
        steps
    }

    /// Which rungs are due for a breach `overdue` past `target` when the first `handled`
    /// rungs are already dealt with, and how much more clock time the next rung needs.
    /// A long outage makes several rungs due at once; they come back in order.
    pub fn progress(&self, target: Span, overdue: Span, handled: u8) -> LadderProgress {
        let elapsed = target.saturating_add(overdue);
        let mut due = Vec::new();
        let mut next_in = None;
        for level in Level::all().filter(|level| level.0 >= handled) {
            let threshold = self.threshold(target, level);
            if threshold <= elapsed {
                due.push(level);
            } else {
                next_in = Some(threshold.saturating_sub(elapsed));
                break;
            }
        }
        LadderProgress { due, next_in }
    }
}

impl Level {
    /// Notify the assignee (the whole team when unassigned), at the breach.
    pub const ASSIGNEE: Level = Level(0);
    /// Escalate to the supervisors, one grace after the breach.
    pub const SUPERVISORS: Level = Level(1);
    /// Escalate to desk.yaml's escalation team, a second grace later.
    pub const ESCALATION_TEAM: Level = Level(2);
    /// How many rungs the ladder has.
    pub const COUNT: u8 = 3;

    /// Every rung, lowest first.
    pub fn all() -> impl Iterator<Item = Level> {
        (0..Level::COUNT).map(Level)
    }

    /// The number `on_breach` sees as `breach.level`: 1 for the breach itself, then 2, 3.
    pub fn script_level(self) -> u32 {
        u32::from(self.0) + 1
    }

    /// What the built-in ladder does at this rung (`on_breach` returning the default).
    pub fn default_actions(
        self,
        ticket: TicketId,
        metric: Metric,
        target: Span,
        overdue: Span,
    ) -> Vec<Action> {
        let what = format!("{ticket}: {metric} target of {target} missed by {overdue}");
        match self.0 {
            0 => vec![Action::NotifyAgent(what)],
            1 => vec![Action::Escalate { to: EscalationTarget::Supervisors, reason: what }],
            _ => vec![Action::Escalate { to: EscalationTarget::EscalationTeam, reason: what }],
        }
    }
}

impl fmt::Display for Level {
    /// Who the built-in ladder tells at this rung: `assignee`, `supervisors`, `escalation team`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("assignee"),
            1 => f.write_str("supervisors"),
            2 => f.write_str("escalation team"),
            n => write!(f, "level {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(target: &str, overdue: &str, handled: u8, expect: &str) {
        let span = |text: &str| text.parse::<Span>().expect("test spans are well formed");
        let progress = Ladder::default().progress(span(target), span(overdue), handled);
        let due: Vec<String> = progress.due.iter().map(ToString::to_string).collect();
        let next = progress.next_in.map_or("none".to_owned(), |next| next.to_string());
        assert_eq!(format!("due [{}], next in {next}", due.join(", ")), expect);
    }

    #[test]
    fn rungs_come_a_grace_apart_and_once_each() {
        check("1h", "0s", 0, "due [assignee], next in 6m");
        check("1h", "5m", 1, "due [], next in 1m");
        check("1h", "6m", 1, "due [supervisors], next in 6m");
        check("1h", "12m", 2, "due [escalation team], next in none");
        check("1h", "3h", 3, "due [], next in none");
        // After an outage, every missed rung at once and in order.
        check("4h", "2h", 0, "due [assignee, supervisors, escalation team], next in none");
        check("15m", "1m", 0, "due [assignee], next in 30s");
    }

    #[test]
    fn default_ladder_notifies_then_escalates() {
        let actions: Vec<String> = Level::all()
            .flat_map(|level| {
                level.default_actions(
                    TicketId(7),
                    Metric::FirstResponse,
                    Span::from_hours(1),
                    Span::from_mins(6),
                )
            })
            .map(|action| action.to_string())
            .collect();
        assert_eq!(
            actions,
            [
                r#"notify_agent("T-000007: first response target of 1h missed by 6m")"#,
                r#"escalate(supervisors, "T-000007: first response target of 1h missed by 6m")"#,
                r#"escalate(escalation, "T-000007: first response target of 1h missed by 6m")"#,
            ]
        );
    }
}

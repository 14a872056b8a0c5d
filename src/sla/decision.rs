//! What the desk must do when a timer fires, decided purely.
//!
//! A [`Decision`] names the ticket, the step, when it fell due and the mark to record; the
//! desk acts on it (asks `on_breach`, posts the warning, tells the customer, closes) and
//! applies [`Decision::changes`] to the ticket so the mark lands in history and the step
//! never fires again.

use std::fmt;

use jiff::Timestamp;

use crate::duration::Span;
use crate::ticket::{Change, TicketId};

use super::BreachView;
use super::ladder::Level;
use super::metric::{Metric, Step};
use crate::deadline::Mark;

/// One step due on one ticket.
///
/// Decisions order by due time, then ticket, then step: the order to act on them when
/// several tickets' timers are due at once (after an outage).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decision {
    /// When the step fell due; after an outage this lies before `now`.
    pub due: Timestamp,
    pub ticket: TicketId,
    /// What to record once acted on (see [`Decision::changes`]).
    pub mark: Mark,
    pub kind: DecisionKind,
}

/// What is due. Spans are measured at the `now` the decision was made.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DecisionKind {
    /// Warn the assignee: the warning share of a target has elapsed.
    SlaWarning { metric: Metric, target: Span, left: Span },
    /// A target is missed: ask `on_breach` (see [`Decision::breach_view`]) and act at `level`.
    Breach { metric: Metric, target: Span, overdue: Span, level: Level },
    /// Tell the customer the resolved ticket closes at `closes_at` unless they answer.
    AutoCloseWarning { closes_at: Timestamp },
    /// Close the resolved ticket: the customer stayed silent.
    AutoClose,
    /// Remind the customer the desk has been waiting on them for `waiting`.
    Reminder { waiting: Span },
    /// Escalate to the supervisors: the ticket is `age` old (desk.yaml `escalate_after_age`).
    AgeEscalation { age: Span },
    /// Send the customer the satisfaction survey (desk.yaml `csat`).
    CsatSurvey,
}

impl Decision {
    /// The step this decision carries out.
    pub fn step(&self) -> Step {
        match self.kind {
            DecisionKind::SlaWarning { .. } => Step::Warning,
            DecisionKind::Breach { level, .. } => Step::Breach(level),
            DecisionKind::AutoCloseWarning { .. } => Step::AutoCloseWarning,
            DecisionKind::AutoClose => Step::AutoClose,
            DecisionKind::Reminder { .. } => Step::Reminder,
            DecisionKind::AgeEscalation { .. } => Step::AgeEscalation,
            DecisionKind::CsatSurvey => Step::CsatSurvey,
        }
    }

    /// The step in a few words, without the figures: `first response breach, supervisors`,
    /// `auto-close warning`, `age escalation`. Rule scenarios expect these.
    pub fn summary(&self) -> String {
        match &self.kind {
            DecisionKind::SlaWarning { metric, .. } => format!("{metric} warning"),
            DecisionKind::Breach { metric, level, .. } => format!("{metric} breach, {level}"),
            DecisionKind::AutoCloseWarning { .. } => "auto-close warning".to_owned(),
            DecisionKind::AutoClose => "auto-close".to_owned(),
            DecisionKind::Reminder { .. } => "reminder".to_owned(),
            DecisionKind::AgeEscalation { .. } => "age escalation".to_owned(),
            DecisionKind::CsatSurvey => "csat survey".to_owned(),
        }
    }

    /// What `on_breach(ticket, breach)` gets for a breach; `None` for other decisions.
    pub fn breach_view(&self) -> Option<BreachView> {
        match self.kind {
            DecisionKind::Breach { metric, overdue, level, .. } => {
                Some(BreachView { metric: metric.as_str().to_owned(), level: level.script_level(), overdue })
            }
            _ => None,
        }
    }

    /// The ticket changes that record this decision, to apply through `Ticket::apply` in
    /// order: always the mark, and the close itself for an auto-close.
    pub fn changes(&self) -> Vec<Change> {
        let mut changes = vec![Change::Timer(self.mark)];
        if self.kind == DecisionKind::AutoClose {
            changes.push(Change::AutoClose);
        }
        changes
    }
}

impl fmt::Display for DecisionKind {
    /// One line for logs, history and tests: `first response breach, supervisors: 1h target
    /// missed by 6m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionKind::SlaWarning { metric, target, left } => {
                write!(f, "{metric} warning: {left} left of {target}")
            }
            DecisionKind::Breach { metric, target, overdue, level } => {
                write!(f, "{metric} breach, {level}: {target} target missed by {overdue}")
            }
            DecisionKind::AutoCloseWarning { closes_at } => {
                write!(f, "auto-close warning: closes at {closes_at}")
            }
            DecisionKind::AutoClose => f.write_str("auto-close"),
            DecisionKind::Reminder { waiting } => write!(f, "reminder: awaiting the customer for {waiting}"),
            DecisionKind::AgeEscalation { age } => write!(f, "age escalation: open for {age}"),
            DecisionKind::CsatSurvey => f.write_str("csat survey"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::DeadlineKind;

    fn decision(kind: DecisionKind, step: u8) -> Decision {
        let due = Timestamp::UNIX_EPOCH;
        Decision {
            due,
            ticket: TicketId(3),
            mark: Mark { kind: DeadlineKind::FirstResponse, since: 0, step },
            kind,
        }
    }

    #[test]
    fn a_breach_is_what_on_breach_sees_with_levels_from_one() {
        let overdue = Span::from_mins(7);
        let kind = DecisionKind::Breach {
            metric: Metric::FirstResponse,
            target: Span::from_hours(1),
            overdue,
            level: Level(1),
        };
        let breach = decision(kind, 2);
        assert_eq!(
            breach.breach_view(),
            Some(BreachView { metric: "first_response".into(), level: 2, overdue })
        );
        assert_eq!(breach.step(), Step::Breach(Level::SUPERVISORS));
        assert_eq!(breach.changes(), [Change::Timer(breach.mark)]);
        let warning = DecisionKind::SlaWarning {
            metric: Metric::Resolution,
            target: Span::from_hours(1),
            left: overdue,
        };
        assert_eq!(decision(warning, 0).breach_view(), None);
    }

    #[test]
    fn an_auto_close_records_its_mark_then_closes() {
        let close = decision(DecisionKind::AutoClose, 1);
        assert_eq!(close.changes(), [Change::Timer(close.mark), Change::AutoClose]);
    }
}

//! The names of everything the SLA core keeps time for: the three [`Metric`]s and the
//! [`Step`]s each timer goes through. The timers themselves ([`DeadlineKind`]) and the
//! [`Mark`] the desk records in a ticket's history once a step has been acted on live in
//! `deadline`, below `ticket` and `history`, which record marks.
//!
//! Marks are what make timers restart-safe: a step fires when its time has come and the
//! history holds no mark for it (or for a later step of the same stretch), so a decision is
//! taken once whatever the number of restarts, reloads or recomputations in between.

use std::fmt;

use crate::deadline::{DeadlineKind, Mark};
use crate::duration::Span;

use super::ladder::Level;
use super::{PauseWhenAwaiting, SlaTargets};

/// What an SLA target measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// From creation to the first agent reply.
    FirstResponse,
    /// From the oldest customer message not yet answered (after the first reply) to the
    /// agent reply, or resolution, that ends the wait.
    NextResponse,
    /// From creation to Resolved; a reopen resumes the same clock with its time kept.
    Resolution,
}

/// One moment in a timer's life. Steps of one timer fire in the order of [`Step::index`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The warning share of an SLA target has elapsed.
    Warning,
    /// An SLA target is missed; the level says which rung of the ladder is due.
    Breach(Level),
    /// The customer is told a resolved ticket will close soon.
    AutoCloseWarning,
    AutoClose,
    Reminder,
    /// The ticket reached the age that escalates it regardless of SLA.
    AgeEscalation,
    /// The delay after the resolution (or closing) passed: ask the satisfaction survey.
    CsatSurvey,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::FirstResponse, Metric::NextResponse, Metric::Resolution];

    /// The name hooks and reports use: `first_response`, `next_response`, `resolution`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextResponse => "next_response",
            Metric::Resolution => "resolution",
        }
    }

    /// This metric's target, when the hook set one.
    pub fn target(self, targets: &SlaTargets) -> Option<Span> {
        match self {
            Metric::FirstResponse => targets.first_response,
            Metric::NextResponse => targets.next_response,
            Metric::Resolution => targets.resolution,
        }
    }

    /// Whether this metric's clock stops while the ticket awaits the customer.
    pub fn pauses(self, pause: &PauseWhenAwaiting) -> bool {
        match self {
            Metric::FirstResponse => pause.first_response,
            Metric::NextResponse => pause.next_response,
            Metric::Resolution => pause.resolution,
        }
    }
}

impl fmt::Display for Metric {
    /// `first response`, for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

// The rest of `DeadlineKind` is in `deadline`; this part names the SLA's own metrics.
impl DeadlineKind {
    /// The metric this kind times, for the three SLA kinds.
    pub fn metric(self) -> Option<Metric> {
        match self {
            DeadlineKind::FirstResponse => Some(Metric::FirstResponse),
            DeadlineKind::NextResponse => Some(Metric::NextResponse),
            DeadlineKind::Resolution => Some(Metric::Resolution),
            DeadlineKind::AutoClose | DeadlineKind::Reminder | DeadlineKind::Age | DeadlineKind::Csat => None,
        }
    }
}

impl From<Metric> for DeadlineKind {
    fn from(metric: Metric) -> DeadlineKind {
        match metric {
            Metric::FirstResponse => DeadlineKind::FirstResponse,
            Metric::NextResponse => DeadlineKind::NextResponse,
            Metric::Resolution => DeadlineKind::Resolution,
        }
    }
}

impl Step {
    /// The position of this step within its timer; a mark at index `n` covers `0..=n`.
    pub fn index(self) -> u8 {
        match self {
            Step::Warning
            | Step::AutoCloseWarning
            | Step::Reminder
            | Step::AgeEscalation
            | Step::CsatSurvey => 0,
            Step::Breach(level) => 1 + level.0,
            Step::AutoClose => 1,
        }
    }

    /// The step at `index` of a timer of `kind`, if there is one.
    pub fn of(kind: DeadlineKind, index: u8) -> Option<Step> {
        match (kind.metric(), kind, index) {
            (Some(_), _, 0) => Some(Step::Warning),
            (Some(_), _, n) if n <= Level::COUNT => Some(Step::Breach(Level(n - 1))),
            (None, DeadlineKind::AutoClose, 0) => Some(Step::AutoCloseWarning),
            (None, DeadlineKind::AutoClose, 1) => Some(Step::AutoClose),
            (None, DeadlineKind::Reminder, 0) => Some(Step::Reminder),
            (None, DeadlineKind::Age, 0) => Some(Step::AgeEscalation),
            (None, DeadlineKind::Csat, 0) => Some(Step::CsatSurvey),
            _ => None,
        }
    }

    /// A warning announces the step after it and is pointless once that step is due too.
    pub fn is_warning(self) -> bool {
        matches!(self, Step::Warning | Step::AutoCloseWarning)
    }

    /// Whether this step escalates, so that a hold (`/hold`) keeps it from coming due:
    /// every breach rung above the assignee's notice, and the age trigger.
    pub fn escalates(self) -> bool {
        match self {
            Step::Breach(level) => level >= Level::SUPERVISORS,
            Step::AgeEscalation => true,
            Step::Warning | Step::AutoCloseWarning | Step::AutoClose | Step::Reminder | Step::CsatSurvey => {
                false
            }
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Warning | Step::AutoCloseWarning => f.write_str("warning"),
            Step::Breach(level) => write!(f, "breach, {level}"),
            Step::AutoClose => f.write_str("close"),
            Step::Reminder => f.write_str("reminder"),
            Step::AgeEscalation => f.write_str("escalation"),
            Step::CsatSurvey => f.write_str("survey"),
        }
    }
}

impl fmt::Display for Mark {
    /// `first_response breach, supervisors (since #0)`, for timelines and exports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Step::of(self.kind, self.step) {
            Some(step) => write!(f, "{} {step} (since #{})", self.kind.as_str(), self.since),
            None => write!(f, "{} step {} (since #{})", self.kind.as_str(), self.step, self.since),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_bytes_and_names_round_trip() {
        for kind in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::from_u8(kind.as_u8()), Some(kind));
            assert_eq!(DeadlineKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(DeadlineKind::from_u8(7), None);
        let bytes: Vec<u8> = DeadlineKind::ALL.iter().map(|kind| kind.as_u8()).collect();
        assert_eq!(bytes, [0, 1, 2, 3, 4, 5, 6], "the store's kind bytes never move");
    }

    #[test]
    fn steps_and_indexes_agree() {
        for kind in DeadlineKind::ALL {
            for index in 0..=Level::COUNT + 1 {
                if let Some(step) = Step::of(kind, index) {
                    assert_eq!(step.index(), index, "{kind:?} step {index}");
                }
            }
        }
        assert_eq!(Step::of(DeadlineKind::Resolution, 4), None);
        assert_eq!(Step::of(DeadlineKind::Reminder, 1), None);
        assert_eq!(Step::of(DeadlineKind::Age, 1), None);
        assert_eq!(Step::of(DeadlineKind::Csat, 1), None);
    }
}

//! A clock: the stretches during which it runs, counted on a calendar.
//!
//! Elapsed time is the calendar's business time summed over the running segments, so
//! nights, weekends, holidays, daylight-saving changes and pauses all come out of one sum.
//! [`Clock::reaches`] inverts it: the instant the clock shows a given time, in the past
//! when it already did, in the future when it still runs. Every timer (SLA warnings, the
//! ladder's rungs, auto-close and reminders) is a threshold on a clock, answered this way.

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;

use super::metric::Metric;
use super::timeline::Segment;

/// Running segments on a calendar.
#[derive(Clone, Debug)]
pub(crate) struct Clock<'c> {
    calendar: &'c BusinessCalendar,
    segments: Vec<Segment>,
}

/// One SLA clock as it stands at `now`: for the desk's card, for reports and for tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockState {
    pub metric: Metric,
    /// When the timed stretch began: the creation, or the customer message awaiting a reply.
    pub started: Timestamp,
    pub target: Span,
    /// Clock time so far (business time unless the targets count calendar time).
    pub elapsed: Span,
    pub status: ClockStatus,
    /// When the warning share of the target is (or was) reached; `None` when the clock
    /// stopped short of it.
    pub warn_at: Option<Timestamp>,
    /// When the target is (or was) reached; `None` when the clock stopped short of it.
    pub due: Option<Timestamp>,
}

/// Whether a clock counts at `now`, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockStatus {
    /// Counting (outside business hours it counts nothing, but it is not stopped).
    Running,
    /// Stopped while the ticket awaits the customer; resumes on the customer's reply.
    Paused,
    /// Stopped because the ticket is resolved or closed; a reopen resumes it.
    Stopped,
    /// The stretch is over: the reply came (or, for next response, the ticket was resolved).
    Done { at: Timestamp },
}

impl<'c> Clock<'c> {
    pub fn new(calendar: &'c BusinessCalendar, segments: Vec<Segment>) -> Clock<'c> {
        Clock { calendar, segments }
    }

    /// Whether the clock runs on past `now`.
    pub fn is_running(&self) -> bool {
        self.segments.last().is_some_and(|segment| segment.to.is_none())
    }

    /// Clock time up to `now`.
    pub fn elapsed(&self, now: Timestamp) -> Span {
        self.segments
            .iter()
            .map(|segment| {
                let to = segment.to.map_or(now, |to| to.min(now));
                self.calendar.elapsed(segment.from, to)
            })
            .fold(Span::ZERO, Span::saturating_add)
    }

    /// The instant the clock shows `threshold`: past or future, `None` when it stopped short
    /// of it or would take longer than the calendar looks ahead.
    pub fn reaches(&self, threshold: Span) -> Option<Timestamp> {
        let mut counted = Span::ZERO;
        for segment in &self.segments {
            let Some(to) = segment.to else {
                let at = self.calendar.add(segment.from, threshold.saturating_sub(counted));
                return (at != Timestamp::MAX).then_some(at);
            };
            let here = self.calendar.elapsed(segment.from, to);
            // A segment with no business time in it cannot be where the threshold is met,
            // even a zero one: `add` would answer the next opening, past the segment.
            if here > Span::ZERO && counted.saturating_add(here) >= threshold {
                return Some(self.calendar.add(segment.from, threshold.saturating_sub(counted)));
            }
            counted = counted.saturating_add(here);
        }
        None
    }
}

impl ClockState {
    /// How far past the target the clock is (zero while within it).
    pub fn overdue(&self) -> Span {
        self.elapsed.saturating_sub(self.target)
    }

    /// Whether the target is missed: a finished stretch that ran over it, or a clock that
    /// reached it without stopping. A reply at the very instant of the target meets it.
    pub fn breached(&self) -> bool {
        match self.status {
            ClockStatus::Done { .. } => self.elapsed > self.target,
            ClockStatus::Running | ClockStatus::Paused | ClockStatus::Stopped => self.elapsed >= self.target,
        }
    }
}

//! A clock: the stretches during which it runs, each counted on the calendar in force then.
//!
//! Elapsed time is the calendars' business time summed over the running segments, so
//! nights, weekends, holidays, daylight-saving changes, pauses and a switch between business
//! and calendar time all come out of one sum.
//! [`Clock::reaches`] inverts it: the instant the clock shows a given time, in the past
//! when it already did, in the future when it still runs. Every timer (SLA warnings, the
//! ladder's rungs, auto-close and reminders) is a threshold on a clock, answered this way.

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;

use super::metric::Metric;
use super::timeline::Segment;

/// Running segments, each on its calendar.
#[derive(Clone, Debug)]
pub(crate) struct Clock<'c> {
    segments: Vec<(Segment, &'c BusinessCalendar)>,
}

/// One SLA clock as it stands at `now`: for the desk's card, for reports and for tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockState {
    pub metric: Metric,
    /// When the timed stretch began: the creation, or the customer message awaiting a reply.
    pub started: Timestamp,
    pub target: Span,
    /// Clock time so far: each stretch on the calendar its targets counted then (business
    /// time unless the `sla` hook said calendar time).
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
    /// A clock counting every segment on `calendar`.
    pub fn new(calendar: &'c BusinessCalendar, segments: Vec<Segment>) -> Clock<'c> {
        Clock { segments: segments.into_iter().map(|segment| (segment, calendar)).collect() }
    }

    /// A clock whose calendar switched: `earlier` holds `(until, calendar)` in time order,
    /// each calendar in force until its instant (from the previous one); `last` counts
    /// after the last switch. Segments are cut at the switches.
    pub fn switching(
        segments: Vec<Segment>,
        earlier: &[(Timestamp, &'c BusinessCalendar)],
        last: &'c BusinessCalendar,
    ) -> Clock<'c> {
        let mut parts = Vec::with_capacity(segments.len());
        for Segment { mut from, to } in segments {
            for &(until, calendar) in earlier {
                if until <= from {
                    continue;
                }
                let end = to.map_or(until, |to| to.min(until));
                parts.push((Segment { from, to: Some(end) }, calendar));
                from = end;
                if to.is_some_and(|to| to <= until) {
                    break;
                }
            }
            if to.is_none_or(|to| from < to) {
                parts.push((Segment { from, to }, last));
            }
        }
        Clock { segments: parts }
    }

    /// Whether the clock runs on past `now`.
    pub fn is_running(&self) -> bool {
        self.segments.last().is_some_and(|(segment, _)| segment.to.is_none())
    }

    /// Clock time up to `now`.
    pub fn elapsed(&self, now: Timestamp) -> Span {
        self.segments
            .iter()
            .map(|(segment, calendar)| {
                let to = segment.to.map_or(now, |to| to.min(now));
                calendar.elapsed(segment.from, to)
            })
            .fold(Span::ZERO, Span::saturating_add)
    }

    /// The instant the clock shows `threshold`: past or future, `None` when it stopped short
    /// of it or would take longer than the calendar looks ahead.
    pub fn reaches(&self, threshold: Span) -> Option<Timestamp> {
        let mut counted = Span::ZERO;
        for (segment, calendar) in &self.segments {
            let Some(to) = segment.to else {
                let at = calendar.add(segment.from, threshold.saturating_sub(counted));
                return (at != Timestamp::MAX).then_some(at);
            };
            let here = calendar.elapsed(segment.from, to);
            // A segment with no business time in it cannot be where the threshold is met,
            // even a zero one: `add` would answer the next opening, past the segment.
            if here > Span::ZERO && counted.saturating_add(here) >= threshold {
                return Some(calendar.add(segment.from, threshold.saturating_sub(counted)));
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

//! Measuring a ticket's stretches on a calendar, whatever its targets: how long the first
//! response, each next response and the resolution took, on the same clocks the targets use.
//! Reports and `simulate` read these; a ticket without an SLA is measured all the same.

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::history::Entry;
use crate::ticket::{Status, Ticket};

use super::PauseWhenAwaiting;
use super::clock::Clock;
use super::metric::Metric;
use super::timeline::Timeline;

/// Finished stretches of one ticket, in clock time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measures {
    /// `None` while no agent has replied.
    pub first_response: Option<Span>,
    /// Every answered wait, oldest first.
    pub next_responses: Vec<Span>,
    /// `None` unless the ticket is resolved or closed at `now`.
    pub resolution: Option<Span>,
}

/// Measures `ticket` as of `now` on `calendar`, pausing as `pause` says.
pub fn measure(
    ticket: &Ticket,
    history: &[Entry],
    calendar: &BusinessCalendar,
    pause: &PauseWhenAwaiting,
    now: Timestamp,
) -> Measures {
    let timeline = Timeline::read(ticket, history, now);
    let mut measures = Measures::default();
    for metric in Metric::ALL {
        let pauses = metric.pauses(pause);
        let runs = |status| match status {
            Status::New | Status::Open => true,
            Status::AwaitingCustomer => !pauses,
            Status::Resolved | Status::Closed => false,
        };
        let spans: Vec<Span> = timeline
            .episodes(metric)
            .into_iter()
            .filter(|episode| episode.end.is_some())
            .map(|episode| Clock::new(calendar, timeline.segments(&episode, runs)).elapsed(now))
            .collect();
        // First response and resolution have one stretch each.
        match metric {
            Metric::FirstResponse => measures.first_response = spans.first().copied(),
            Metric::NextResponse => measures.next_responses = spans,
            Metric::Resolution => measures.resolution = spans.first().copied(),
        }
    }
    measures
}

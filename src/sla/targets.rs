//! What the `sla` hook returns for a ticket: a target per clock, whether business or
//! calendar time counts, and which clocks stop while the ticket waits for the customer.
//!
//! Plain data, the input of every SLA computation here; the script host builds it from a
//! hook's answer and `topicdesk test` prints it with `Display`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::duration::Span;

/// How SLA time is counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaClock {
    /// Only desk.yaml's business hours count.
    #[default]
    Business,
    /// Every hour counts.
    Calendar,
}

/// Which SLA clocks stop while the ticket waits for the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseWhenAwaiting {
    pub first_response: bool,
    pub next_response: bool,
    pub resolution: bool,
}

impl Default for PauseWhenAwaiting {
    /// Waiting on the customer stops the reply and resolution clocks, never the first response.
    fn default() -> PauseWhenAwaiting {
        PauseWhenAwaiting { first_response: false, next_response: true, resolution: true }
    }
}

/// The targets `sla(ticket)` returned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    pub first_response: Option<Span>,
    pub next_response: Option<Span>,
    pub resolution: Option<Span>,
    pub calendar: SlaClock,
    pub pause_when_awaiting: PauseWhenAwaiting,
}

impl fmt::Display for SlaTargets {
    /// `first_response 15m, next_response 1h, resolution 4h (business)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let metrics = [
            ("first_response", self.first_response),
            ("next_response", self.next_response),
            ("resolution", self.resolution),
        ];
        let mut first = true;
        for (name, target) in metrics {
            if let Some(span) = target {
                if !first {
                    f.write_str(", ")?;
                }
                write!(f, "{name} {span}")?;
                first = false;
            }
        }
        let clock = match self.calendar {
            SlaClock::Business => "business",
            SlaClock::Calendar => "calendar",
        };
        write!(f, " ({clock})")
    }
}

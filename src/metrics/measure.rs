//! One ticket's metrics, computed from its [`Facts`] at `now` on the desk's calendar: every
//! duration in calendar time and in business hours. Definitions in docs/metrics.md.

use jiff::Timestamp;

use super::facts::{Escalations, Facts};
use crate::calendar::BusinessTime;
use crate::duration::Span;
use crate::sla::Metric;
use crate::ticket::Status;

/// A duration on both clocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Elapsed {
    /// Wall-clock time, rounded down to the second.
    pub calendar: Span,
    /// Time within the desk's business hours (desk.yaml `business_hours`, `holidays`).
    pub business: Span,
}

/// Where an SLA metric stands for one ticket, by the breaches its history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    /// The stretch ended with no breach on record.
    Met,
    /// A breach is on record.
    Breached,
    /// The stretch still runs with no breach on record yet.
    Running,
    /// The stretch never ran: no next-response wait, or resolved without any reply.
    NotApplicable,
}

/// One ticket's figures at `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketMetrics {
    /// Creation to the first agent reply; `None` while nobody has replied.
    pub first_response: Option<Elapsed>,
    /// Each answered wait after the first reply: customer message to the reply after it.
    pub next_replies: Vec<Elapsed>,
    /// Creation to the first resolution.
    pub first_resolution: Option<Elapsed>,
    /// Creation to the last resolution, while the ticket stays resolved or closed.
    pub full_resolution: Option<Elapsed>,
    /// Time in New and Open, up to `now` for a ticket in one of them.
    pub requester_wait: Elapsed,
    /// Time in Awaiting customer.
    pub customer_wait: Elapsed,
    pub reopens: u32,
    pub agent_replies: u32,
    /// Of the agent replies, those sent from a response template.
    pub template_replies: u32,
    /// Resolved with exactly one agent reply and never reopened.
    pub first_contact_resolution: bool,
    /// Indexed as [`Metric::ALL`].
    pub sla: [SlaOutcome; 3],
    pub escalations: Escalations,
    /// The mean sentiment of the customer's messages, and the last message's.
    pub sentiment: Option<(f64, f64)>,
    /// The satisfaction survey, once asked: its latest rating and whether a comment came.
    pub csat: Option<super::CsatFacts>,
    pub status: Status,
}

impl Elapsed {
    /// From `from` to `to` on both clocks; zero when `to` is not after `from`.
    pub fn between(calendar: &impl BusinessTime, from: Timestamp, to: Timestamp) -> Elapsed {
        if to <= from {
            return Elapsed::default();
        }
        let seconds = u64::try_from(from.duration_until(to).as_secs()).unwrap_or(0);
        Elapsed { calendar: Span::from_secs(seconds), business: calendar.elapsed(from, to) }
    }

    fn add(self, other: Elapsed) -> Elapsed {
        Elapsed {
            calendar: self.calendar.saturating_add(other.calendar),
            business: self.business.saturating_add(other.business),
        }
    }
}

impl TicketMetrics {
    /// The ticket's figures as they stand at `now` (at or after its last entry).
    pub fn of(facts: &Facts, calendar: &impl BusinessTime, now: Timestamp) -> TicketMetrics {
        let created = facts.created_at;
        let since_creation = |at: Option<Timestamp>| at.map(|at| Elapsed::between(calendar, created, at));
        let (requester_wait, customer_wait) = waits(facts, calendar, now);
        let resolved = facts.is_resolved();
        let full_resolution = if resolved { since_creation(facts.last_resolved_at) } else { None };
        let first_contact_resolution =
            resolved && facts.last_resolved_at.is_some() && facts.agent_replies == 1 && facts.reopens == 0;
        let sla = Metric::ALL.map(|metric| sla_outcome(facts, metric));
        TicketMetrics {
            first_response: since_creation(facts.first_reply_at),
            next_replies: facts
                .next_replies
                .iter()
                .map(|(asked, answered)| Elapsed::between(calendar, *asked, *answered))
                .collect(),
            first_resolution: since_creation(facts.first_resolved_at),
            full_resolution,
            requester_wait,
            customer_wait,
            reopens: facts.reopens,
            agent_replies: facts.agent_replies,
            template_replies: facts.template_replies,
            first_contact_resolution,
            sla,
            escalations: facts.escalations,
            sentiment: facts.sentiment.mean().map(|mean| (mean, facts.sentiment.last)),
            csat: facts.csat,
            status: facts.status,
        }
    }

    /// The mean of the ticket's next reply times, if it has any.
    pub fn next_reply_mean(&self) -> Option<Elapsed> {
        let n = u64::try_from(self.next_replies.len()).ok().filter(|n| *n > 0)?;
        let total = self.next_replies.iter().fold(Elapsed::default(), |sum, each| sum.add(*each));
        Some(Elapsed {
            calendar: Span::from_secs(total.calendar.as_secs() / n),
            business: Span::from_secs(total.business.as_secs() / n),
        })
    }
}

/// Time in New and Open, and time in Awaiting customer, up to `now`.
fn waits(facts: &Facts, calendar: &impl BusinessTime, now: Timestamp) -> (Elapsed, Elapsed) {
    let mut requester = Elapsed::default();
    let mut customer = Elapsed::default();
    let mut stretch = (facts.created_at, Status::New);
    let ends = facts.statuses.iter().copied().map(Some).chain([None]);
    for next in ends {
        let until = next.map_or(now, |(at, _)| at);
        let span = Elapsed::between(calendar, stretch.0, until);
        match stretch.1 {
            Status::New | Status::Open => requester = requester.add(span),
            Status::AwaitingCustomer => customer = customer.add(span),
            Status::Resolved | Status::Closed => {}
        }
        if let Some(next) = next {
            stretch = next;
        }
    }
    (requester, customer)
}

fn sla_outcome(facts: &Facts, metric: Metric) -> SlaOutcome {
    if facts.breaches[super::facts::metric_index(metric)] > 0 {
        return SlaOutcome::Breached;
    }
    let active = facts.status.is_active();
    let ended = match metric {
        Metric::FirstResponse => facts.first_reply_at.is_some(),
        Metric::NextResponse => facts.waiting_since.is_none() && !facts.next_replies.is_empty(),
        Metric::Resolution => !active,
    };
    let running = match metric {
        Metric::FirstResponse | Metric::Resolution => active,
        Metric::NextResponse => facts.waiting_since.is_some(),
    };
    if ended {
        SlaOutcome::Met
    } else if running {
        SlaOutcome::Running
    } else {
        SlaOutcome::NotApplicable
    }
}

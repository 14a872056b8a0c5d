//! Aggregation: many tickets' [`TicketMetrics`] into a [`Group`]'s count, median, p90 and
//! mean per metric; the backlog by age at an instant; the busiest hours.
//!
//! Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at
//! rank `ceil(p * n / 100)` (1-based), so the median of an even count is the lower middle
//! value and every figure is one a ticket actually had.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::facts::Escalations;
use super::measure::{Elapsed, SlaOutcome, TicketMetrics};
use crate::sla::Metric;

/// Count, median, p90 and mean of one metric over a group; spans in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub count: u64,
    pub median: Option<u64>,
    pub p90: Option<u64>,
    pub mean: Option<f64>,
}

/// A span metric on both clocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SpanStats {
    pub calendar: Stats,
    pub business: Stats,
}

/// How many tickets stand where for one SLA metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SlaCounts {
    pub met: u64,
    pub breached: u64,
    pub running: u64,
}

/// Everything a report says about one group of tickets.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Group {
    pub tickets: u64,
    /// Still New, Open or Awaiting customer.
    pub open: u64,
    pub resolved: u64,
    pub reopened_tickets: u64,
    pub reopens: u64,
    pub first_contact_resolutions: u64,
    pub first_response: SpanStats,
    /// Per reply: every answered wait of every ticket.
    pub next_reply: SpanStats,
    /// Per ticket: each ticket's mean next reply time.
    pub next_reply_per_ticket: SpanStats,
    pub first_resolution: SpanStats,
    pub full_resolution: SpanStats,
    pub requester_wait: SpanStats,
    pub customer_wait: SpanStats,
    pub agent_replies: Stats,
    /// The agent replies of the group's tickets, and how many came from templates.
    pub templates: TemplateFigures,
    /// By SLA metric name: `first_response`, `next_response`, `resolution`.
    pub sla: BTreeMap<&'static str, SlaCounts>,
    pub escalations: Escalations,
    /// Mean of the tickets' mean customer sentiment, in [-1, 1].
    pub sentiment: Option<f64>,
    pub csat: CsatFigures,
}

/// The satisfaction surveys of a group: how many were asked and answered, and the score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CsatFigures {
    /// Tickets whose customer was sent the survey.
    pub asked: u64,
    /// Of those, tickets with a rating (the latest counts).
    pub answered: u64,
    /// Answered tickets rated 4 or 5, or good.
    pub satisfied: u64,
    /// Answered tickets with a comment.
    pub commented: u64,
    /// answered / asked.
    pub response_rate: Option<f64>,
    /// The CSAT score: satisfied / answered.
    pub score: Option<f64>,
    /// The mean rating of the tickets rated on the five scale, 1 to 5.
    pub mean_rating: Option<f64>,
}

/// How much of a group's answering the response templates did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TemplateFigures {
    /// Every agent reply to the group's tickets.
    pub agent_replies: u64,
    /// Of those, the replies sent from a template (`/t`, inline mode).
    pub uses: u64,
    /// `uses / agent_replies`.
    pub share: Option<f64>,
}

/// Collects tickets' metrics and then summarises them.
#[derive(Default)]
pub struct Accumulator {
    tickets: u64,
    open: u64,
    reopened_tickets: u64,
    reopens: u64,
    first_contact_resolutions: u64,
    first_response: SpanValues,
    next_reply: SpanValues,
    next_reply_per_ticket: SpanValues,
    first_resolution: SpanValues,
    full_resolution: SpanValues,
    requester_wait: SpanValues,
    customer_wait: SpanValues,
    agent_replies: Values,
    templates: TemplateFigures,
    sla: [SlaCounts; 3],
    escalations: Escalations,
    /// Each ticket's mean sentiment, summed in ticket order when finished so that a merge of
    /// periods read in parts gives the very sum of one read whole.
    sentiment: Vec<f64>,
    csat: CsatFigures,
    /// Sum and count of ratings on the five scale.
    five_ratings: (u64, u64),
}

#[derive(Default)]
struct SpanValues {
    calendar: Values,
    business: Values,
}

/// One metric's values over a group: four bytes a value while every one fits a `u32` (spans
/// of seconds up to 136 years: a report over a million tickets keeps tens of millions of
/// them), widened to eight once one does not.
enum Values {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for Values {
    fn default() -> Values {
        Values::Narrow(Vec::new())
    }
}

impl Values {
    fn push(&mut self, value: u64) {
        match self {
            Values::Narrow(values) => {
                if let Ok(narrow) = u32::try_from(value) {
                    values.push(narrow);
                } else {
                    let wide = values.iter().map(|value| u64::from(*value)).chain([value]).collect();
                    *self = Values::Wide(wide);
                }
            }
            Values::Wide(values) => values.push(value),
        }
    }

    /// Takes in `other`'s values after this one's.
    fn extend(&mut self, other: Values) {
        match (&mut *self, other) {
            (Values::Narrow(values), Values::Narrow(more)) => values.extend(more),
            (Values::Wide(values), Values::Narrow(more)) => values.extend(more.into_iter().map(u64::from)),
            (_, Values::Wide(more)) => {
                for value in more {
                    self.push(value);
                }
            }
        }
    }

    fn stats(self) -> Stats {
        match self {
            Values::Narrow(values) => stats(values),
            Values::Wide(values) => stats(values),
        }
    }
}

impl Accumulator {
    pub fn add(&mut self, metrics: &TicketMetrics) {
        self.tickets += 1;
        if metrics.status.is_active() {
            self.open += 1;
        }
        if metrics.reopens > 0 {
            self.reopened_tickets += 1;
        }
        self.reopens += u64::from(metrics.reopens);
        if metrics.first_contact_resolution {
            self.first_contact_resolutions += 1;
        }
        self.first_response.push(metrics.first_response);
        for reply in &metrics.next_replies {
            self.next_reply.push(Some(*reply));
        }
        self.next_reply_per_ticket.push(metrics.next_reply_mean());
        self.first_resolution.push(metrics.first_resolution);
        self.full_resolution.push(metrics.full_resolution);
        self.requester_wait.push(Some(metrics.requester_wait));
        self.customer_wait.push(Some(metrics.customer_wait));
        self.agent_replies.push(u64::from(metrics.agent_replies));
        self.templates.agent_replies += u64::from(metrics.agent_replies);
        self.templates.uses += u64::from(metrics.template_replies);
        for (counts, outcome) in self.sla.iter_mut().zip(metrics.sla) {
            match outcome {
                SlaOutcome::Met => counts.met += 1,
                SlaOutcome::Breached => counts.breached += 1,
                SlaOutcome::Running => counts.running += 1,
                SlaOutcome::NotApplicable => {}
            }
        }
        self.escalations += metrics.escalations;
        if let Some((mean, _)) = metrics.sentiment {
            self.sentiment.push(mean);
        }
        if let Some(csat) = metrics.csat {
            self.csat.asked += 1;
            if let Some(rating) = csat.rating {
                self.csat.answered += 1;
                self.csat.satisfied += u64::from(rating.is_satisfied());
                self.csat.commented += u64::from(csat.commented);
                if rating.scale == crate::csat::Scale::Five {
                    self.five_ratings.0 += u64::from(rating.value);
                    self.five_ratings.1 += 1;
                }
            }
        }
    }

    /// Takes in what `other` collected, as if its tickets had been added here.
    pub fn merge(&mut self, other: Accumulator) {
        self.tickets += other.tickets;
        self.open += other.open;
        self.reopened_tickets += other.reopened_tickets;
        self.reopens += other.reopens;
        self.first_contact_resolutions += other.first_contact_resolutions;
        for (mine, theirs) in [
            (&mut self.first_response, other.first_response),
            (&mut self.next_reply, other.next_reply),
            (&mut self.next_reply_per_ticket, other.next_reply_per_ticket),
            (&mut self.first_resolution, other.first_resolution),
            (&mut self.full_resolution, other.full_resolution),
            (&mut self.requester_wait, other.requester_wait),
            (&mut self.customer_wait, other.customer_wait),
        ] {
            mine.calendar.extend(theirs.calendar);
            mine.business.extend(theirs.business);
        }
        self.agent_replies.extend(other.agent_replies);
        self.templates.agent_replies += other.templates.agent_replies;
        self.templates.uses += other.templates.uses;
        for (mine, theirs) in self.sla.iter_mut().zip(other.sla) {
            mine.met += theirs.met;
            mine.breached += theirs.breached;
            mine.running += theirs.running;
        }
        self.escalations += other.escalations;
        self.sentiment.extend(other.sentiment);
        self.csat.asked += other.csat.asked;
        self.csat.answered += other.csat.answered;
        self.csat.satisfied += other.csat.satisfied;
        self.csat.commented += other.csat.commented;
        self.five_ratings.0 += other.five_ratings.0;
        self.five_ratings.1 += other.five_ratings.1;
    }

    pub fn finish(self) -> Group {
        let sla =
            Metric::ALL.iter().zip(self.sla).map(|(metric, counts)| (metric.as_str(), counts)).collect();
        Group {
            tickets: self.tickets,
            open: self.open,
            resolved: self.tickets - self.open,
            reopened_tickets: self.reopened_tickets,
            reopens: self.reopens,
            first_contact_resolutions: self.first_contact_resolutions,
            first_response: self.first_response.finish(),
            next_reply: self.next_reply.finish(),
            next_reply_per_ticket: self.next_reply_per_ticket.finish(),
            first_resolution: self.first_resolution.finish(),
            full_resolution: self.full_resolution.finish(),
            requester_wait: self.requester_wait.finish(),
            customer_wait: self.customer_wait.finish(),
            agent_replies: self.agent_replies.stats(),
            templates: TemplateFigures {
                share: share(self.templates.uses, self.templates.agent_replies),
                ..self.templates
            },
            sla,
            escalations: self.escalations,
            #[expect(clippy::cast_precision_loss, reason = "a mean of a count far below 2^52")]
            sentiment: (!self.sentiment.is_empty())
                .then(|| self.sentiment.iter().sum::<f64>() / self.sentiment.len() as f64),
            csat: CsatFigures {
                response_rate: share(self.csat.answered, self.csat.asked),
                score: share(self.csat.satisfied, self.csat.answered),
                mean_rating: share(self.five_ratings.0, self.five_ratings.1),
                ..self.csat
            },
        }
    }
}

impl SpanValues {
    fn push(&mut self, value: Option<Elapsed>) {
        if let Some(value) = value {
            self.calendar.push(value.calendar.as_secs());
            self.business.push(value.business.as_secs());
        }
    }

    fn finish(self) -> SpanStats {
        SpanStats { calendar: self.calendar.stats(), business: self.business.stats() }
    }
}

/// `part / whole`, `None` for an empty whole.
#[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Count, nearest-rank median and p90, and mean of `values`.
pub fn stats<T: Copy + Ord + Into<u64>>(mut values: Vec<T>) -> Stats {
    if values.is_empty() {
        return Stats::default();
    }
    let count = values.len() as u64;
    let total: u128 = values.iter().map(|v| u128::from((*v).into())).sum();
    #[expect(clippy::cast_precision_loss, reason = "means are shown to a second; 2^52 s is far off")]
    let mean = total as f64 / count as f64;
    // The two ranks are selected, not sorted for: a million values sort in tens of
    // milliseconds, and a report has dozens of metrics. The p90's selection leaves every
    // value of a lower rank on its left, where the median's rank then lies.
    let (p50_rank, p90_rank) = (rank(count, 50), rank(count, 90));
    let (below, p90, _) = values.select_nth_unstable(p90_rank);
    let p90 = *p90;
    let median = if p50_rank == p90_rank { p90 } else { *below.select_nth_unstable(p50_rank).1 };
    Stats { count, median: Some(median.into()), p90: Some(p90.into()), mean: Some(mean) }
}

/// The 0-based index of the nearest-rank `p`-th percentile among `n` sorted values.
fn rank(n: u64, p: u64) -> usize {
    usize::try_from((p * n).div_ceil(100).max(1) - 1).expect("a rank within the values")
}

/// The nearest-rank `p`-th percentile of sorted, non-empty `values`.
pub fn percentile(values: &[u64], p: u64) -> u64 {
    let n = values.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    values[usize::try_from(rank - 1).expect("a rank within the slice")]
}

/// Active tickets at an instant, by how long ago they were created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Backlog {
    pub at: String,
    /// `(bucket label, tickets)`, youngest bucket first.
    pub buckets: Vec<(&'static str, u64)>,
}

/// The age buckets of the backlog: upper bounds in seconds, and their labels.
pub const AGE_BUCKETS: [(u64, &str); 6] = [
    (3_600, "under 1h"),
    (4 * 3_600, "1h-4h"),
    (24 * 3_600, "4h-24h"),
    (3 * 86_400, "1d-3d"),
    (7 * 86_400, "3d-7d"),
    (u64::MAX, "7d and over"),
];

impl Backlog {
    pub fn new(at: Timestamp) -> Backlog {
        Backlog { at: at.to_string(), buckets: AGE_BUCKETS.iter().map(|(_, label)| (*label, 0)).collect() }
    }

    /// Takes in the counts of `other`, a backlog at the same instant.
    pub fn merge(&mut self, other: &Backlog) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            mine.1 += theirs.1;
        }
    }

    /// Counts a ticket created at `created` that was active at the backlog's instant.
    pub fn add(&mut self, created: Timestamp, at: Timestamp) {
        let age = u64::try_from(created.duration_until(at).as_secs()).unwrap_or(0);
        let bucket = AGE_BUCKETS.iter().position(|(upper, _)| age < *upper).unwrap_or(AGE_BUCKETS.len() - 1);
        self.buckets[bucket].1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[u64]) -> Values {
        let mut kept = Values::default();
        for value in values {
            kept.push(*value);
        }
        kept
    }

    #[test]
    fn values_beyond_a_u32_widen_and_count_the_same() {
        let big = u64::from(u32::MAX) + 7;
        let all = [5, big, 3, 9, 1, big + 1];
        let narrow = of(&all[..1]);
        assert!(matches!(narrow, Values::Narrow(_)));
        let widened = of(&all);
        assert!(matches!(widened, Values::Wide(_)));
        assert_eq!(widened.stats(), stats(all.to_vec()));
        // Parts merged in either width give the figures of the whole.
        for split in 0..=all.len() {
            let mut first = of(&all[..split]);
            first.extend(of(&all[split..]));
            assert_eq!(first.stats(), stats(all.to_vec()), "split at {split}");
        }
    }
}

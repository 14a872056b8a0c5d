//! The team's figures: what each metric means for one ticket, and how many tickets' figures
//! add up, as pure functions. Definitions, with Zendesk's and Chatwoot's beside them, in
//! docs/metrics.md.
//!
//! Three steps, each pure, time always a parameter:
//! - [`Facts`]: a ticket's milestones and counts, a fold over its history entries. The store
//!   keeps one record per ticket and folds each batch of entries as it appends them, so a
//!   report reads facts and never replays histories.
//! - [`TicketMetrics::of`]: one ticket's figures at `now` from its facts, every duration in
//!   calendar time and in the desk's business hours ([`Elapsed`]).
//! - [`Accumulator`]: many tickets into a [`Group`] (count, median, p90, mean per metric);
//!   [`Backlog`]: active tickets by age at an instant.
//! - [`Period`]: a period's report (tickets created in it, grouped by [`Labels`], backlog,
//!   busiest hours) and its renderings; `topicdesk report`, `/stats` and `simulate` all
//!   build theirs with it; [`compact`]: a report as a few plain lines for a phone (`/stats`,
//!   the weekly digest).
//!
//! Nothing here reads the clock, the store or the rules; callers pass them in.

mod aggregate;
pub mod compact;
mod facts;
mod measure;
mod period;

#[cfg(test)]
mod tests;

pub use aggregate::{
    AGE_BUCKETS, Accumulator, Backlog, CsatFigures, Group, SlaCounts, SpanStats, Stats, TemplateFigures,
    percentile, stats,
};
pub use facts::{CsatFacts, Escalations, Facts, SentimentSum};
pub use measure::{Elapsed, SlaOutcome, TicketMetrics};
pub use period::{
    ArticleDeflections, Deflections, GroupBy, GroupRow, Labels, Options, Period, Report, ReportFormat,
    TOP_ARTICLES, counts, span_metrics,
};

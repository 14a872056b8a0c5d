//! The process's Prometheus metrics, through `prometheus-client` (the only module that
//! names it). The host's edges count into a [`Metrics`] as things happen (the poller, the
//! desk loop, the dispatcher); hook counts come from the script host's own atomics, and the
//! desk's state (tickets, breaches, escalations, ratings) is read from the store when
//! scraped, at most once per [`FIGURES_FRESH_FOR`]. Every metric and its labels are listed
//! in docs/operations.md. No label carries a customer's id, name or words: chats are
//! `staff` or `private`, methods are the Bot API's, the rest are fixed sets of our own.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::figures::{DeskFigures, ESCALATION_TRIGGERS};
use crate::outbox::Lane;
use crate::store::{Store, StoreError};
use crate::telegram::{CallAnswer, Seen};

/// The desk's state is read from the store at most this often; scrapes in between see the
/// last reading (a full read of a million tickets' facts takes about a second).
pub const FIGURES_FRESH_FOR: Duration = Duration::from_secs(15);

/// The `Content-Type` of what [`Metrics::encode`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The metrics of one host.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    updates: Counter,
    update_lag: Histogram,
    page_commit: Histogram,
    outbox_entries: Gauge,
    outbox_window: Family<OutboxLabels, Gauge>,
    outbox_queues: Gauge,
    outbox_deepest: Gauge,
    calls: Family<CallLabels, Counter>,
    call_seconds: Family<MethodLabels, Histogram, fn() -> Histogram>,
    retry_after: Histogram,
    reloads: Family<ResultLabels, Counter>,
    rules: Family<VersionLabels, Gauge>,
    tickets: Family<TicketLabels, Gauge>,
    breaches: Family<MetricLabels, Gauge>,
    warnings: Family<MetricLabels, Gauge>,
    escalations: Family<TriggerLabels, Gauge>,
    surveys: Gauge,
    ratings: Family<RatingLabels, Gauge>,
    group_topics: Family<StaffChatLabels, Gauge>,
    group_messages: Family<StaffChatLabels, Gauge>,
    group_capacity: Family<StaffChatLabels, Gauge>,
    /// When the desk's state was last read from the store.
    figures_read: Mutex<Option<Instant>>,
}

/// What the dispatcher's window of the outbox holds, by chat kind and lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Every entry in the outbox.
    pub entries: u64,
    /// Of the entries the dispatcher looks at (the oldest 2,000): [staff, private] chats by
    /// [message, cosmetic] lane.
    pub window: [[u64; 2]; 2],
    /// Queues (a private chat, a ticket's topic, General) with something waiting.
    pub queues: u64,
    /// Entries waiting in the fullest queue.
    pub deepest: u64,
}

/// A Bot API method as teloxide names it (`SendMessage`), written as the Bot API's
/// documents spell it (`sendMessage`).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Method(&'static str);

impl EncodeLabelValue for Method {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            encoder.write_char(first.to_ascii_lowercase())?;
        }
        encoder.write_str(chars.as_str())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: Method,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: Method,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    chat: &'static str,
    lane: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TicketLabels {
    status: &'static str,
    priority: &'static str,
    /// The staff chat's id, or `none` before the ticket has a topic.
    staff_chat: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StaffChatLabels {
    staff_chat: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MetricLabels {
    metric: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TriggerLabels {
    trigger: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RatingLabels {
    scale: &'static str,
    rating: u8,
}

/// The outcome label of a call.
fn outcome(answer: CallAnswer) -> &'static str {
    match answer {
        CallAnswer::Ok => "ok",
        CallAnswer::RetryAfter { .. } => "retry_after",
        CallAnswer::Refused => "refused",
        CallAnswer::NoAnswer => "no_answer",
    }
}

fn call_seconds_histogram() -> Histogram {
    // 5 ms to about 80 s: a send is tens of milliseconds, a long poll up to its timeout.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    #[allow(clippy::too_many_lines)] // One registration per metric, each with its help text.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("topicdesk");
        let updates = Counter::default();
        registry.register("updates_received", "Telegram updates committed by the desk", updates.clone());
        let update_lag = Histogram::new([0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0]);
        registry.register(
            "update_lag_seconds",
            "From a message's date at Telegram (an edit's edit_date) to the commit of its update",
            update_lag.clone(),
        );
        // 0.5 ms to about 16 s.
        let page_commit = Histogram::new(exponential_buckets(0.000_5, 2.0, 16));
        registry.register(
            "page_commit_seconds",
            "Time to apply a page of updates through the desk and commit it, retries included",
            page_commit.clone(),
        );
        let outbox_entries = Gauge::default();
        registry.register("outbox_entries", "Calls waiting in the outbox", outbox_entries.clone());
        let outbox_window = Family::<OutboxLabels, Gauge>::default();
        registry.register(
            "outbox_window_entries",
            "Of the oldest 2,000 outbox entries (what the dispatcher plans from): entries by chat kind and lane",
            outbox_window.clone(),
        );
        let outbox_queues = Gauge::default();
        registry.register(
            "outbox_queues",
            "Queues (a private chat, a ticket's topic, General) with calls waiting in the dispatcher's window",
            outbox_queues.clone(),
        );
        let outbox_deepest = Gauge::default();
        registry.register(
            "outbox_deepest_queue_entries",
            "Calls waiting in the fullest queue of the dispatcher's window",
            outbox_deepest.clone(),
        );
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "telegram_calls",
            "Bot API requests of the running desk (getUpdates and every send) by method and outcome",
            calls.clone(),
        );
        let call_seconds: Family<MethodLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(call_seconds_histogram);
        registry.register(
            "telegram_call_seconds",
            "Bot API request latency by method, from sending to the answer (getUpdates includes its long poll)",
            call_seconds.clone(),
        );
        let retry_after = Histogram::new([1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0]);
        registry.register(
            "telegram_retry_after_seconds",
            "429 Too Many Requests answers (count) and the retry_after seconds they asked for (sum)",
            retry_after.clone(),
        );
        let reloads = Family::<ResultLabels, Counter>::default();
        // Both shown from the start, so that a rate over them is defined before the first edit.
        for result in ["ok", "failed"] {
            drop(reloads.get_or_create(&ResultLabels { result }));
        }
        registry.register(
            "rule_reloads",
            "Rule reloads after an edit: ok (the new set decides) or failed (the edit was refused)",
            reloads.clone(),
        );
        let rules = Family::<VersionLabels, Gauge>::default();
        registry.register(
            "rules_info",
            "The rule set deciding now, by version (content hash); always 1",
            rules.clone(),
        );
        let tickets = Family::<TicketLabels, Gauge>::default();
        registry.register(
            "tickets",
            "Tickets in the store by status, priority and the staff chat holding their topic",
            tickets.clone(),
        );
        let breaches = Family::<MetricLabels, Gauge>::default();
        registry.register(
            "sla_breaches",
            "SLA breaches recorded over the tickets in the store, by metric",
            breaches.clone(),
        );
        let warnings = Family::<MetricLabels, Gauge>::default();
        registry.register(
            "sla_warnings",
            "SLA warnings sent over the tickets in the store, by metric",
            warnings.clone(),
        );
        let escalations = Family::<TriggerLabels, Gauge>::default();
        registry.register(
            "escalations",
            "Escalations recorded over the tickets in the store, by what triggered them",
            escalations.clone(),
        );
        let surveys = Gauge::default();
        registry.register(
            "csat_surveys",
            "Satisfaction surveys asked over the tickets in the store",
            surveys.clone(),
        );
        let ratings = Family::<RatingLabels, Gauge>::default();
        registry.register(
            "csat_ratings",
            "Latest satisfaction ratings over the tickets in the store, by scale and value",
            ratings.clone(),
        );
        let group_topics = Family::<StaffChatLabels, Gauge>::default();
        registry.register(
            "staff_group_topics",
            "Topics the desk has opened in each staff group's chat",
            group_topics.clone(),
        );
        let group_messages = Family::<StaffChatLabels, Gauge>::default();
        registry.register(
            "staff_group_messages",
            "Messages the desk has posted in each staff group's chat, service messages included",
            group_messages.clone(),
        );
        let group_capacity = Family::<StaffChatLabels, Gauge>::default();
        registry.register(
            "staff_group_capacity_level",
            "Where each limited staff group stands against desk.yaml's limits: 0 below 80%, 1 at 80% or more, \
             2 at a limit (new tickets roll over to the next group of its filter)",
            group_capacity.clone(),
        );
        registry.register_collector(Box::new(HookCounts));
        Metrics {
            registry,
            updates,
            update_lag,
            page_commit,
            outbox_entries,
            outbox_window,
            outbox_queues,
            outbox_deepest,
            calls,
            call_seconds,
            retry_after,
            reloads,
            rules,
            tickets,
            breaches,
            warnings,
            escalations,
            surveys,
            ratings,
            group_topics,
            group_messages,
            group_capacity,
            figures_read: Mutex::new(None),
        }
    }

    /// A page of `count` updates was committed; `lags` are the seconds from each dated
    /// update's date to the commit.
    pub fn updates_committed(&self, count: usize, lags: impl IntoIterator<Item = f64>) {
        self.updates.inc_by(count as u64);
        for lag in lags {
            self.update_lag.observe(lag.max(0.0));
        }
    }

    /// A page took `took` from its arrival at the desk loop to its commit.
    pub fn page_committed(&self, took: Duration) {
        self.page_commit.observe(took.as_secs_f64());
    }

    /// One Bot API request and its answer, `took` after it was sent.
    pub fn telegram_call(&self, seen: Seen, took: Duration) {
        let method = Method(seen.method);
        self.calls.get_or_create(&CallLabels { method, outcome: outcome(seen.answer) }).inc();
        self.call_seconds.get_or_create(&MethodLabels { method }).observe(took.as_secs_f64());
        if let CallAnswer::RetryAfter { seconds } = seen.answer {
            self.retry_after.observe(f64::from(seconds));
        }
    }

    /// The outbox as the dispatcher last read it.
    pub fn outbox(&self, depth: &OutboxDepth) {
        self.outbox_entries.set(depth.entries as i64);
        for (chat, by_lane) in ["staff", "private"].into_iter().zip(depth.window) {
            for (lane, entries) in [Lane::Message, Lane::Cosmetic].into_iter().zip(by_lane) {
                let lane = match lane {
                    Lane::Message => "message",
                    Lane::Cosmetic => "cosmetic",
                };
                self.outbox_window.get_or_create(&OutboxLabels { chat, lane }).set(entries as i64);
            }
        }
        self.outbox_queues.set(depth.queues as i64);
        self.outbox_deepest.set(depth.deepest as i64);
    }

    /// A rules reload was applied (`Some(version)`) or refused (`None`).
    pub fn rules_reloaded(&self, version: Option<&str>) {
        let result = if version.is_some() { "ok" } else { "failed" };
        self.reloads.get_or_create(&ResultLabels { result }).inc();
        if let Some(version) = version {
            self.rules_in_force(version);
        }
    }

    /// The rule set deciding now.
    pub fn rules_in_force(&self, version: &str) {
        self.rules.clear();
        self.rules.get_or_create(&VersionLabels { version: version.to_owned() }).set(1);
    }

    /// Reads the desk's state from `store` unless it was read less than
    /// [`FIGURES_FRESH_FOR`] ago. Blocks: call it off the async threads.
    pub fn refresh_figures(&self, store: &Store, now: Instant) -> Result<(), StoreError> {
        let mut read_at = self.figures_read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if read_at.is_some_and(|at| now.duration_since(at) < FIGURES_FRESH_FOR) {
            return Ok(());
        }
        let figures = DeskFigures::read(&store.read()?)?;
        self.set_figures(&figures);
        *read_at = Some(now);
        Ok(())
    }

    fn set_figures(&self, figures: &DeskFigures) {
        self.tickets.clear();
        for ((status, priority, staff_chat), count) in &figures.tickets {
            let labels = TicketLabels {
                status: status.as_str(),
                priority: priority.as_str(),
                staff_chat: staff_chat.map_or_else(|| "none".to_owned(), |id| id.to_string()),
            };
            self.tickets.get_or_create(&labels).set(*count as i64);
        }
        for (metric, count) in figures.breaches_by_metric() {
            self.breaches.get_or_create(&MetricLabels { metric }).set(count as i64);
        }
        for (metric, count) in figures.warnings_by_metric() {
            self.warnings.get_or_create(&MetricLabels { metric }).set(count as i64);
        }
        for (trigger, count) in ESCALATION_TRIGGERS.into_iter().zip(figures.escalations) {
            self.escalations.get_or_create(&TriggerLabels { trigger }).set(count as i64);
        }
        self.surveys.set(figures.surveys_asked as i64);
        self.ratings.clear();
        for ((scale, rating), count) in &figures.ratings {
            self.ratings.get_or_create(&RatingLabels { scale, rating: *rating }).set(*count as i64);
        }
        for (family, values) in [
            (&self.group_topics, &figures.groups.topics),
            (&self.group_messages, &figures.groups.messages),
            (&self.group_capacity, &figures.groups.levels),
        ] {
            family.clear();
            for (chat, value) in values {
                family.get_or_create(&StaffChatLabels { staff_chat: chat.to_string() }).set(*value as i64);
            }
        }
    }

    /// Every metric in the Prometheus text format (version 0.0.4).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// The script host's hook counts, read at every scrape.
#[derive(Debug)]
struct HookCounts;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HookLabels {
    hook: &'static str,
}

impl Collector for HookCounts {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counts = crate::script::hook_counts();
        let families: [(&str, &str, HookValue); 3] = [
            ("hook_calls", "Calls of the rules' hooks (a missing hook is not called), by hook", |c| {
                CounterValue::Count(c.calls)
            }),
            (
                "hook_failures",
                "Hook calls that failed or ran over budget (the default decided), by hook",
                |c| CounterValue::Count(c.failures),
            ),
            ("hook_seconds", "Time spent in hook calls, by hook", |c| CounterValue::Seconds(c.seconds)),
        ];
        for (name, help, value) in families {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for count in &counts {
                let labels = HookLabels { hook: count.hook };
                let family = metric.encode_family(&labels)?;
                match value(count) {
                    CounterValue::Count(n) => ConstCounter::new(n).encode(family)?,
                    CounterValue::Seconds(s) => ConstCounter::new(s).encode(family)?,
                }
            }
        }
        Ok(())
    }
}

/// One figure of a hook's counts.
type HookValue = fn(&crate::script::HookCount) -> CounterValue;

enum CounterValue {
    Count(u64),
    Seconds(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_labelled_with_the_bot_api_spelling_and_their_outcome() {
        let metrics = Metrics::new();
        let send = |answer| Seen { method: "SendMessage", answer };
        metrics.telegram_call(send(CallAnswer::Ok), Duration::from_millis(20));
        metrics.telegram_call(send(CallAnswer::RetryAfter { seconds: 3 }), Duration::from_millis(5));
        metrics.telegram_call(send(CallAnswer::RetryAfter { seconds: 4 }), Duration::from_millis(5));
        metrics.telegram_call(
            Seen { method: "GetUpdates", answer: CallAnswer::NoAnswer },
            Duration::from_secs(1),
        );
        let text = metrics.encode();
        for line in [
            r#"topicdesk_telegram_calls_total{method="sendMessage",outcome="ok"} 1"#,
            r#"topicdesk_telegram_calls_total{method="sendMessage",outcome="retry_after"} 2"#,
            r#"topicdesk_telegram_calls_total{method="getUpdates",outcome="no_answer"} 1"#,
            r#"topicdesk_telegram_call_seconds_count{method="sendMessage"} 3"#,
            "topicdesk_telegram_retry_after_seconds_sum 7.0",
            "topicdesk_telegram_retry_after_seconds_count 2",
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
        }
    }

    #[test]
    fn the_rule_set_in_force_is_the_only_version_shown() {
        let metrics = Metrics::new();
        metrics.rules_in_force("aaaa1111");
        metrics.rules_reloaded(Some("bbbb2222"));
        metrics.rules_reloaded(None);
        let text = metrics.encode();
        assert!(text.contains(r#"topicdesk_rules_info{version="bbbb2222"} 1"#), "{text}");
        assert!(!text.contains("aaaa1111"), "{text}");
        assert!(text.contains(r#"topicdesk_rule_reloads_total{result="ok"} 1"#), "{text}");
        assert!(text.contains(r#"topicdesk_rule_reloads_total{result="failed"} 1"#), "{text}");
    }

    #[test]
    fn sla_warnings_and_breaches_are_gauges_by_metric_from_the_tickets_facts() {
        use crate::deadline::{DeadlineKind, Mark};
        use crate::history::{Actor, Entry, EntryKind};
        let at = jiff::Timestamp::from_second(1_790_000_000).expect("valid");
        let entry = |seq, kind, step| Entry {
            seq,
            at,
            actor: Actor::System,
            kind: EntryKind::Timer(Mark { kind, since: 0, step }),
            rules: None,
        };
        let facts = crate::metrics::Facts::of_history(&[
            entry(0, DeadlineKind::FirstResponse, 0),
            entry(1, DeadlineKind::Resolution, 0),
            entry(2, DeadlineKind::FirstResponse, 1),
        ]);
        let labels = crate::metrics::Labels::empty();
        let mut figures = DeskFigures::default();
        figures.add(&labels, &facts);
        figures.add(&labels, &facts);
        let metrics = Metrics::new();
        metrics.set_figures(&figures);
        let text = metrics.encode();
        for line in [
            r#"topicdesk_sla_warnings{metric="first_response"} 2"#,
            r#"topicdesk_sla_warnings{metric="next_response"} 0"#,
            r#"topicdesk_sla_warnings{metric="resolution"} 2"#,
            r#"topicdesk_sla_breaches{metric="first_response"} 2"#,
            r#"topicdesk_sla_breaches{metric="resolution"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
        }
    }

    #[test]
    fn staff_groups_use_is_read_from_the_desks_counters() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("desk.redb")).expect("store");
        store
            .write(|tx| {
                tx.set_counter("group_topics:-200", 12)?;
                tx.set_counter("group_messages:-200", 850)?;
                tx.set_counter("group_level:-200", 1)?;
                tx.set_counter("group_messages:-300", 40)?;
                tx.set_counter("round_robin", 3)
            })
            .expect("write");
        let metrics = Metrics::new();
        metrics.refresh_figures(&store, Instant::now()).expect("read");
        let text = metrics.encode();
        for line in [
            r#"topicdesk_staff_group_topics{staff_chat="-200"} 12"#,
            r#"topicdesk_staff_group_messages{staff_chat="-200"} 850"#,
            r#"topicdesk_staff_group_messages{staff_chat="-300"} 40"#,
            r#"topicdesk_staff_group_capacity_level{staff_chat="-200"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
        }
        assert!(!text.contains("round_robin"), "{text}");
    }

    #[test]
    fn hook_counts_are_exposed_for_every_hook() {
        let text = Metrics::new().encode();
        for hook in ["route", "sla", "on_breach", "on_message", "on_csat", "group", "validate"] {
            for name in ["hook_calls", "hook_failures", "hook_seconds"] {
                let prefix = format!("topicdesk_{name}_total{{hook=\"{hook}\"}} ");
                assert!(text.lines().any(|l| l.starts_with(&prefix)), "no {prefix:?} in:\n{text}");
            }
        }
    }
}

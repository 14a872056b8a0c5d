//! `topicdesk bench`: the benchmark suite. Each figure is the median of several runs on
//! data generated outside the timed part; `--json` prints one JSON object of named
//! figures as the last line of stdout; `--only NAME,...` runs just those figures.
//!
//! Figures:
//! - `export_100k_s`: `topicdesk tickets export` of a 100,000-ticket store to `/dev/null`,
//!   as a separate process, start to exit (target: under 5 s).
//! - `store_generate_tickets_per_s`: tickets written through the store in pages of 1,000,
//!   history and indexes included.
//! - `ingest_msgs_per_s`, `ingest_fsync_msgs_per_s`: customer messages through the whole
//!   inbound path (update JSON decoded, translated, applied by the desk with the shipped
//!   rules, committed durably with the outbox) in pages of 100, and one per commit.
//! - `rule_call_p99_us`: p99 of one hook call (`route`, `sla`, `on_message`) with the shipped rules.
//! - `intake_answers_per_s`: intake answers validated with their sessions persisted.
//! - `reload_ms_p99`: a rule file saved to the new rules deciding (`reload`).
//! - `startup_ms_1m`, `timer_idle_cpu_pct_1m`, `rss_mb_1m`, `breach_lag_ms_p99_1m`,
//!   `relay_end_to_end_msgs_per_s` and company: the real `topicdesk run` process against
//!   the fake Bot API over 1,000,000 open tickets (`scale`).
//!
//! `--quick` runs every figure small (2,000 tickets, one run each) so CI keeps them working;
//! its scale figures are named `_quick` instead of `_1m`.

mod hot;
mod reload;
mod scale;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::history::Actor;
use crate::store::{FILE_NAME, Store, StoreError};
use crate::ticket::{Answer, Change, Customer, Origin, Ticket, TicketId};

/// How big a run is: the full suite, or the small one CI uses to keep it working.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub tickets: u64,
    pub runs: usize,
}

impl Scale {
    pub const FULL: Scale = Scale { tickets: 100_000, runs: 3 };
    pub const QUICK: Scale = Scale { tickets: 2_000, runs: 1 };
}

/// One named figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub target: Option<&'static str>,
}

/// Every figure the suite knows, by its JSON name (the export one depends on the scale).
pub const FIGURES: &[&str] = &[
    "store_generate_tickets_per_s",
    "export_100k_s",
    "export_quick_s",
    "ingest_msgs_per_s",
    "ingest_fsync_msgs_per_s",
    "rule_call_p99_us",
    "intake_answers_per_s",
    "reload_ms_p99",
    "store_mb_1m",
    "startup_ms_1m",
    "timer_idle_cpu_pct_1m",
    "rss_mb_1m",
    "breach_lag_ms_p99_1m",
    "breach_notice_lag_ms_p99_1m",
    "relay_end_to_end_msgs_per_s",
];

/// Runs the suite, printing a line per figure as it completes; with `only` not empty,
/// just the figures it names. With `keep_data`, the generated store is written there and
/// left behind.
pub fn run(
    scale: Scale,
    keep_data: Option<&Path>,
    only: &[String],
    out: &mut dyn std::io::Write,
) -> Result<Vec<Figure>, Box<dyn std::error::Error>> {
    if let Some(unknown) = only.iter().find(|name| !FIGURES.contains(&name.as_str())) {
        return Err(format!("no figure is called {unknown}; the figures: {}", FIGURES.join(", ")).into());
    }
    let wanted = |names: &[&str]| only.is_empty() || names.iter().any(|name| only.iter().any(|o| o == name));
    let temp = tempfile::Builder::new().prefix("topicdesk-bench").tempdir()?;
    let data = keep_data.unwrap_or(temp.path());
    if data.join(FILE_NAME).exists() {
        return Err(format!("{} already holds a store; pick an empty directory", data.display()).into());
    }
    let mut figures = Vec::new();
    let mut figure = |name: &'static str, value: f64, unit: &'static str, target: Option<&'static str>| {
        match target {
            Some(target) => writeln!(out, "{name} {value:.1} {unit} (target {target})"),
            None => writeln!(out, "{name} {value:.1} {unit}"),
        }?;
        figures.push(Figure { name, value: (value * 1000.0).round() / 1000.0, unit, target });
        Ok::<_, std::io::Error>(())
    };

    let export_name = if scale.tickets == Scale::FULL.tickets { "export_100k_s" } else { "export_quick_s" };
    if wanted(&["store_generate_tickets_per_s", export_name]) || keep_data.is_some() {
        let store = Store::open(&data.join(FILE_NAME))?;
        let started = Instant::now();
        generate(&store, scale.tickets)?;
        let rate = scale.tickets as f64 / started.elapsed().as_secs_f64();
        drop(store);
        figure("store_generate_tickets_per_s", rate.round(), "tickets/s", None)?;
        let mut times = Vec::new();
        for _ in 0..scale.runs {
            times.push(time_export(data)?);
        }
        figure(export_name, median(&mut times).as_secs_f64(), "s", Some("< 5"))?;
    }

    let rules_dir = temp.path().join("rules");
    crate::demo::write_default_rules(&rules_dir)?;
    let (rules, diagnostics) = crate::rules::load(&rules_dir);
    let rules = rules.ok_or_else(|| format!("the shipped rules do not load: {diagnostics:?}"))?;
    let quick = scale.tickets < Scale::FULL.tickets;
    let runs = scale.runs;
    let fresh = || tempfile::Builder::new().prefix("topicdesk-bench").tempdir();
    if wanted(&["ingest_msgs_per_s"]) {
        let messages = if quick { 2_000 } else { 20_000 };
        let ingest = median_of(runs, || hot::ingest(&rules, fresh()?.path(), messages, 100))?;
        figure("ingest_msgs_per_s", ingest, "msgs/s", Some(">= 20000"))?;
    }
    if wanted(&["ingest_fsync_msgs_per_s"]) {
        let messages = if quick { 200 } else { 2_000 };
        let fsync = median_of(runs, || hot::ingest(&rules, fresh()?.path(), messages, 1))?;
        figure("ingest_fsync_msgs_per_s", fsync, "msgs/s", Some(">= 2000"))?;
    }
    if wanted(&["rule_call_p99_us"]) {
        let calls = if quick { 3_000 } else { 30_000 };
        let p99 = median_of(runs, || Ok(hot::rule_call_p99_us(&rules, calls)))?;
        figure("rule_call_p99_us", p99, "µs", Some("<= 20"))?;
    }
    if wanted(&["intake_answers_per_s"]) {
        let customers = if quick { 200 } else { 2_000 };
        let intake = median_of(runs, || hot::intake_answers(&rules, fresh()?.path(), customers))?;
        figure("intake_answers_per_s", intake, "answers/s", Some(">= 10000"))?;
    }
    if wanted(&["reload_ms_p99"]) {
        let saves = if quick { 3 } else { 40 };
        let dir = fresh()?;
        crate::demo::write_default_rules(dir.path())?;
        let times = reload::reload_times(dir.path(), saves)?;
        figure("reload_ms_p99", percentile(times, 99), "ms", Some("< 300"))?;
    }
    if wanted(SCALE_FIGURES) {
        let size = if quick { scale::Size::QUICK } else { scale::Size::FULL };
        let dir = fresh()?;
        for scaled in scale::run(size, &rules_dir, &rules, dir.path(), out)? {
            match scaled.target {
                Some(target) => {
                    writeln!(out, "{} {:.1} {} (target {target})", scaled.name, scaled.value, scaled.unit)
                }
                None => writeln!(out, "{} {:.1} {}", scaled.name, scaled.value, scaled.unit),
            }?;
            figures.push(scaled);
        }
    }
    Ok(figures)
}

/// The figures of one run of the process over the big store.
const SCALE_FIGURES: &[&str] = &[
    "store_mb_1m",
    "startup_ms_1m",
    "timer_idle_cpu_pct_1m",
    "rss_mb_1m",
    "breach_lag_ms_p99_1m",
    "breach_notice_lag_ms_p99_1m",
    "relay_end_to_end_msgs_per_s",
];

/// The `p`th percentile of `values` (nearest rank).
fn percentile(mut values: Vec<f64>, p: usize) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = (values.len() * p / 100).min(values.len().saturating_sub(1));
    values.get(index).copied().unwrap_or(0.0)
}

/// Writes `n` realistic tickets, a third of them answered and resolved, in pages of 1,000.
pub fn generate(store: &Store, n: u64) -> Result<(), StoreError> {
    let epoch = Timestamp::from_second(1_790_000_000).expect("a fixed, valid instant");
    let mut made = 0;
    while made < n {
        let page = (n - made).min(1_000);
        store.write(|tx| {
            for _ in 0..page {
                let id = tx.next_ticket_id()?;
                let created = epoch + jiff::SignedDuration::from_secs(id.0 as i64 * 60);
                let (customer, answers) = (sample_customer(id), sample_answers(id, "normal"));
                let (mut ticket, first) = Ticket::open(id, customer, "support", answers, created);
                let mut entries = vec![first];
                if id.0 % 3 == 0 {
                    let agent = Origin { actor: Actor::Agent(7), rules: Some("bench".into()) };
                    let later = created + jiff::SignedDuration::from_secs(600);
                    for change in [
                        Change::Assign { to: Some(7) },
                        Change::AgentReply { text: "Fixed".into() },
                        Change::Resolve,
                    ] {
                        entries.extend(ticket.apply(change, &agent, later).expect("a legal sequence"));
                    }
                }
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &entries)?;
            }
            Ok::<_, StoreError>(())
        })?;
        made += page;
    }
    Ok(())
}

/// The customer of a generated ticket: 5,000 of them take turns.
fn sample_customer(id: TicketId) -> Customer {
    Customer {
        id: 10_000 + id.0 % 5_000,
        name: format!("Customer {}", id.0 % 5_000),
        username: None,
        language: Some("en".into()),
    }
}

/// The support form's answers of a generated ticket.
fn sample_answers(id: TicketId, priority: &str) -> BTreeMap<String, Answer> {
    let category = if id.0.is_multiple_of(2) { "billing" } else { "technical" };
    BTreeMap::from([
        ("category".to_owned(), Answer::Text(category.into())),
        ("priority".to_owned(), Answer::Text(priority.into())),
        ("description".to_owned(), Answer::Text(format!("The export button fails on report {}", id.0))),
    ])
}

fn time_export(data: &Path) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .args(["tickets", "export", "--format", "jsonl", "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("tickets export exited with {status}").into());
    }
    Ok(started.elapsed())
}

/// The median of `runs` measurements.
fn median_of(
    runs: usize,
    mut measure: impl FnMut() -> Result<f64, Box<dyn std::error::Error>>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let mut values = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        values.push(measure()?);
    }
    values.sort_by(f64::total_cmp);
    Ok(values[values.len() / 2])
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

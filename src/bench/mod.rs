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
//! - `metrics_ingest_cost_pct`: what the metrics cost that ingest, in percent: the same
//!   ingest run alternately with counting off (no hook counts, nothing recorded per page)
//!   and on (hook counts, and per page what the host's poller and desk loop record), the
//!   median rate of each; (off / on - 1) x 100 (target: at most 5).
//! - `rule_call_p99_us`: p99 of one hook call (`route`, `sla`, `on_message`) with the shipped rules.
//! - `template_render_p99_us`: p99 of rendering one shipped response template for a ticket;
//!   `template_offer_p99_us`: p99 of ranking the shipped templates for a ticket (`/t`).
//! - `kb_search_p99_us`: p99 of one knowledge-base search (top three) over 1,000 articles
//!   made from the shipped ones, with customers' questions (typos, Russian among them).
//! - `intake_answers_per_s`: intake answers validated with their sessions persisted.
//! - `dashboard_page_p99_ms`: p99 of one dashboard page (read transaction, data, HTML) over
//!   100,000 worked tickets, every page in turn (`dashboard`; target: at most 50).
//! - `retention_pass_s`, `retention_largest_txn_ms`, `retention_answer_max_ms`: a
//!   retention pass (`content_after`) over 100,000 closed tickets in batches of 200, its
//!   longest write transaction, and the longest a customer's message written meanwhile
//!   took to commit (`retention`).
//! - `reload_ms_p99`: a rule file saved to the new rules deciding (`reload`).
//! - `groups_tickets_per_min_ratio`, `groups_429s`: new tickets a minute of a desk of four
//!   staff groups over a desk of one, budgets kept on both sides with every window scaled,
//!   and the 429s the fake Bot API answered in both runs (`groups`; targets: at least 3.6,
//!   none).
//! - `startup_ms_1m`, `timer_idle_cpu_pct_1m`, `rss_mb_1m`, `breach_lag_ms_p99_1m`,
//!   `relay_end_to_end_msgs_per_s` and company: the real `topicdesk run` process against
//!   the fake Bot API over 1,000,000 open tickets (`scale`).
//! - `relay_cpu_ms_per_msg`, `reply_cpu_ms_per_msg`: user + system CPU of that process per
//!   relayed message, customer to topic and agent to customer, over a burst (`scale`).
//! - Baselines of the same run: `baseline_redb_commit_us` (one durable commit of a counter),
//!   `baseline_rhai_call_us` and `empty_call_p99_us` (an empty hook through the script host:
//!   the median call and the p99),
//!   `clock_read_p99_us` (timing nothing); and ratios of figures to them (`RATIOS`), which
//!   stay put when a loaded or slower machine moves every figure.
//!
//! `--quick` runs every figure small (2,000 tickets, one run each) so CI keeps them working;
//! its scale figures are named `_quick` instead of `_1m`.
//!
//! The suite never stops on a measurement that fails or comes out unusable: the figure is
//! reported as not measured with the reason (`not_measured` in the JSON), and the rest go on.

mod dashboard;
mod groups;
mod hot;
mod reload;
mod retention;
mod scale;
pub(crate) mod worked;

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

/// What one run of the suite measured, and what it could not measure with the reason.
#[derive(Debug, Default)]
pub struct Report {
    pub figures: Vec<Figure>,
    pub not_measured: Vec<(&'static str, String)>,
}

impl Report {
    /// The value of a figure measured in this run.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.figures.iter().find(|figure| figure.name == name).map(|figure| figure.value)
    }

    /// One JSON object: every figure by name, and `not_measured` naming each figure that
    /// could not be measured with the reason.
    pub fn to_json(&self) -> serde_json::Value {
        let mut object: serde_json::Map<String, serde_json::Value> =
            self.figures.iter().map(|f| (f.name.to_owned(), serde_json::Value::from(f.value))).collect();
        let missing: serde_json::Map<String, serde_json::Value> = self
            .not_measured
            .iter()
            .map(|(name, reason)| ((*name).to_owned(), serde_json::Value::from(reason.as_str())))
            .collect();
        object.insert("not_measured".to_owned(), serde_json::Value::Object(missing));
        serde_json::Value::Object(object)
    }
}

/// Where figures go as they are measured: a line each on `out`, and the report.
pub struct Sink<'a> {
    out: &'a mut dyn std::io::Write,
    report: Report,
}

impl Sink<'_> {
    /// Records a figure and prints its line.
    pub fn figure(
        &mut self,
        name: &'static str,
        value: f64,
        unit: &'static str,
        target: Option<&'static str>,
    ) {
        let shown = shown(value);
        let _ = match target {
            Some(target) => writeln!(self.out, "{name} {shown} {unit} (target {target})"),
            None => writeln!(self.out, "{name} {shown} {unit}"),
        };
        self.report.figures.push(Figure { name, value: (value * 1000.0).round() / 1000.0, unit, target });
    }

    /// Records that `names` could not be measured, and why; the suite goes on.
    pub fn not_measured(&mut self, names: &[&'static str], reason: &str) {
        for &name in names {
            let _ = writeln!(self.out, "{name} not measured: {reason}");
            self.report.not_measured.push((name, reason.to_owned()));
        }
    }

    /// A line of progress.
    pub fn note(&mut self, line: std::fmt::Arguments<'_>) {
        let _ = self.out.write_fmt(line);
        let _ = writeln!(self.out);
    }

    /// Runs `measure`; when it fails, `names` are recorded as not measured with its error.
    pub fn attempt(
        &mut self,
        names: &[&'static str],
        measure: impl FnOnce(&mut Self) -> Result<(), Box<dyn std::error::Error>>,
    ) {
        if let Err(error) = measure(self) {
            self.not_measured(names, &error.to_string());
        }
    }
}

/// A value as the human output shows it: small values keep their digits.
fn shown(value: f64) -> String {
    if value.abs() < 1.0 && value != 0.0 {
        format!("{value:.3}")
    } else if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
    }
}

/// Every figure the suite knows, by its JSON name (the export one depends on the scale).
pub const FIGURES: &[&str] = &[
    "store_generate_tickets_per_s",
    "export_100k_s",
    "export_quick_s",
    "ingest_msgs_per_s",
    "ingest_fsync_msgs_per_s",
    "metrics_ingest_cost_pct",
    "rule_call_p99_us",
    "template_render_p99_us",
    "template_offer_p99_us",
    "kb_search_p99_us",
    "intake_answers_per_s",
    "reload_ms_p99",
    "baseline_redb_commit_us",
    "baseline_rhai_call_us",
    "empty_call_p99_us",
    "clock_read_p99_us",
    "store_mb_1m",
    "startup_ms_1m",
    "timer_idle_cpu_pct_1m",
    "rss_mb_1m",
    "breach_lag_ms_p99_1m",
    "breach_notice_lag_ms_p99_1m",
    "relay_end_to_end_msgs_per_s",
    "relay_cpu_ms_per_msg",
    "reply_cpu_ms_per_msg",
    "report_1m_s",
    "report_quick_s",
    "facts_fold_us_per_change",
    "facts_fold_pct_of_ingest",
    "dashboard_page_p99_ms",
    "retention_pass_s",
    "retention_largest_txn_ms",
    "retention_answer_max_ms",
    "groups_tickets_per_min_ratio",
    "groups_429s",
    RATIOS[0].0,
    RATIOS[1].0,
    RATIOS[2].0,
    RATIOS[3].0,
];

/// Ratios of figures to the same run's baselines, so that a loaded or slower machine shows
/// in the baselines rather than as a regression: (name, numerator, its scale to the
/// baseline's unit, baseline).
const RATIOS: [(&str, &str, f64, &str); 4] = [
    ("relay_cpu_per_redb_commit", "relay_cpu_ms_per_msg", 1000.0, "baseline_redb_commit_us"),
    ("reply_cpu_per_redb_commit", "reply_cpu_ms_per_msg", 1000.0, "baseline_redb_commit_us"),
    ("relay_cpu_per_empty_call", "relay_cpu_ms_per_msg", 1000.0, "baseline_rhai_call_us"),
    ("rule_call_p99_per_empty_call", "rule_call_p99_us", 1.0, "empty_call_p99_us"),
];

/// Runs the suite, printing a line per figure as it completes; with `only` not empty,
/// just the figures it names. With `keep_data`, the generated store is written there and
/// left behind. A measurement that fails or comes out unusable is reported as not
/// measured, with the reason, and the suite goes on; only a bad request is an error.
pub fn run(
    scale: Scale,
    keep_data: Option<&Path>,
    only: &[String],
    out: &mut dyn std::io::Write,
) -> Result<Report, Box<dyn std::error::Error>> {
    if let Some(unknown) = only.iter().find(|name| !FIGURES.contains(&name.as_str())) {
        return Err(format!("no figure is called {unknown}; the figures: {}", FIGURES.join(", ")).into());
    }
    let wanted = |names: &[&str]| only.is_empty() || names.iter().any(|name| only.iter().any(|o| o == name));
    let temp = tempfile::Builder::new().prefix("topicdesk-bench").tempdir()?;
    let data = keep_data.unwrap_or(temp.path());
    if data.join(FILE_NAME).exists() {
        return Err(format!("{} already holds a store; pick an empty directory", data.display()).into());
    }
    let mut sink = Sink { out, report: Report::default() };

    let export_name = if scale.tickets == Scale::FULL.tickets { "export_100k_s" } else { "export_quick_s" };
    if wanted(&["store_generate_tickets_per_s", export_name]) || keep_data.is_some() {
        sink.attempt(&["store_generate_tickets_per_s", export_name], |sink| {
            let store = Store::open(&data.join(FILE_NAME))?;
            let started = Instant::now();
            generate(&store, scale.tickets)?;
            let rate = scale.tickets as f64 / started.elapsed().as_secs_f64();
            drop(store);
            sink.figure("store_generate_tickets_per_s", rate.round(), "tickets/s", None);
            let mut times = Vec::new();
            for _ in 0..scale.runs {
                times.push(time_export(data)?);
            }
            sink.figure(export_name, median(&mut times).as_secs_f64(), "s", Some("< 5"));
            Ok(())
        });
    }

    let rules_dir = temp.path().join("rules");
    crate::demo::write_default_rules(&rules_dir)?;
    let (rules, diagnostics) = crate::rules::load(&rules_dir);
    let rules = rules.ok_or_else(|| format!("the shipped rules do not load: {diagnostics:?}"))?;
    let quick = scale.tickets < Scale::FULL.tickets;
    let fresh = || tempfile::Builder::new().prefix("topicdesk-bench").tempdir();
    // The disk's moment matters more than anything to a durable commit: the baseline is
    // taken before, between and after the other figures, and the median reported.
    let commit_baseline =
        wanted(&["baseline_redb_commit_us"]) || wanted_ratio(only, "baseline_redb_commit_us");
    let commits = if quick { 200 } else { 2_000 };
    let mut commit_times = Vec::new();
    let commit_baseline_at = |times: &mut Vec<Result<f64, String>>| {
        if commit_baseline {
            let measured = fresh()
                .map_err(|e| e.to_string())
                .and_then(|dir| hot::bare_commit_us(dir.path(), commits).map_err(|error| error.to_string()));
            times.push(measured);
        }
    };
    commit_baseline_at(&mut commit_times);
    hot_figures(&mut sink, &rules, scale, only);
    commit_baseline_at(&mut commit_times);
    if wanted(SCALE_FIGURES) || SCALE_FIGURES.iter().any(|name| wanted_ratio(only, name)) {
        let size = if quick { scale::Size::QUICK } else { scale::Size::FULL };
        match fresh() {
            Ok(dir) => scale::run(size, &rules_dir, &rules, dir.path(), &mut sink),
            Err(error) => sink.not_measured(&scale::names(size), &error.to_string()),
        }
    }
    let report_name = if quick { "report_quick_s" } else { "report_1m_s" };
    let report_figures = [report_name, "facts_fold_us_per_change", "facts_fold_pct_of_ingest"];
    if wanted(&report_figures) {
        let tickets = if quick { scale::Size::QUICK.tickets } else { scale::Size::FULL.tickets };
        // With `keep_data`, the worked store stays behind too, in its `worked` directory.
        let kept = keep_data.map(|data| data.join("worked"));
        let dir = match &kept {
            Some(kept) => std::fs::create_dir_all(kept).map(|()| None).map_err(|e| e.to_string()),
            None => fresh().map(Some).map_err(|e| e.to_string()),
        };
        match dir {
            Ok(dir) => {
                let data = dir.as_ref().map_or_else(|| kept.as_deref().expect("kept or fresh"), |d| d.path());
                report_figures_of(&mut sink, tickets, scale.runs, &rules_dir, data, report_name);
            }
            Err(error) => sink.not_measured(&report_figures, &error),
        }
    }
    if wanted(&["dashboard_page_p99_ms"]) {
        sink.attempt(&["dashboard_page_p99_ms"], |sink| {
            let dir = fresh()?;
            let p99 = dashboard::page_p99_ms(dir.path(), &rules, scale.tickets)?;
            sink.figure("dashboard_page_p99_ms", p99, "ms", Some("<= 50"));
            Ok(())
        });
    }
    retention_figures(&mut sink, &rules_dir, scale, only);
    group_figures(&mut sink, quick, only);
    commit_baseline_at(&mut commit_times);
    if commit_baseline {
        match commit_times.into_iter().collect::<Result<Vec<f64>, String>>() {
            Ok(times) => {
                sink.note(format_args!("durable commits: {times:.0?} µs"));
                sink.figure("baseline_redb_commit_us", middle(times), "µs", None);
            }
            Err(error) => sink.not_measured(&["baseline_redb_commit_us"], &error),
        }
    }
    ratios(&mut sink, only);
    Ok(sink.report)
}

/// The staff groups' figures (`groups`), when wanted.
fn group_figures(sink: &mut Sink<'_>, quick: bool, only: &[String]) {
    let names = ["groups_tickets_per_min_ratio", "groups_429s"];
    if only.is_empty() || names.iter().any(|name| only.iter().any(|o| o == name)) {
        sink.attempt(&names, |sink| {
            let per_group = if quick { 12 } else { 40 };
            let measured = groups::measure(per_group)?;
            sink.note(format_args!(
                "new tickets a minute (windows scaled by {}): one group {:.1}, four groups {:.1}",
                groups::SCALE,
                measured.one,
                measured.four
            ));
            sink.figure("groups_tickets_per_min_ratio", measured.four / measured.one, "x", Some(">= 3.6"));
            sink.figure("groups_429s", measured.too_many as f64, "429s", Some("0"));
            Ok(())
        });
    }
}

/// The retention figures (`retention`), when wanted.
fn retention_figures(sink: &mut Sink<'_>, rules_dir: &Path, scale: Scale, only: &[String]) {
    let names = ["retention_pass_s", "retention_largest_txn_ms", "retention_answer_max_ms"];
    if only.is_empty() || names.iter().any(|name| only.iter().any(|o| o == name)) {
        sink.attempt(&names, |sink| {
            let dir = tempfile::Builder::new().prefix("topicdesk-bench").tempdir()?;
            let pass = retention::measure(dir.path(), rules_dir, scale.tickets)?;
            sink.note(format_args!(
                "retention pass: {} closed tickets' content erased in {} batches; {} customer messages written meanwhile",
                pass.erased, pass.batches, pass.messages
            ));
            sink.figure("retention_pass_s", pass.pass_s, "s", Some("< 300"));
            sink.figure("retention_largest_txn_ms", pass.largest_txn_ms, "ms", Some("< 1000"));
            sink.figure("retention_answer_max_ms", pass.answer_max_ms, "ms", Some("< 2000"));
            Ok(())
        });
    }
}

/// `report_1m_s` (or `report_quick_s`) over a store of worked tickets written in `data`,
/// the median of `runs`; then what keeping the facts costs a change, alone and as a share
/// of this run's ingest (its time per message).
fn report_figures_of(
    sink: &mut Sink<'_>,
    tickets: u64,
    runs: usize,
    rules_dir: &Path,
    data: &Path,
    report_name: &'static str,
) {
    let fold_figures = ["facts_fold_us_per_change", "facts_fold_pct_of_ingest"];
    let store = match Store::open(&data.join(FILE_NAME)) {
        Ok(store) => store,
        Err(error) => {
            sink.not_measured(&[report_name], &error.to_string());
            return sink.not_measured(&fold_figures, &error.to_string());
        }
    };
    let started = Instant::now();
    if let Err(error) = worked::generate_worked(&store, tickets, Timestamp::now()) {
        let reason = format!("the worked store was not written: {error}");
        sink.not_measured(&[report_name], &reason);
        return sink.not_measured(&fold_figures, &reason);
    }
    let size_mb = std::fs::metadata(data.join(FILE_NAME)).map_or(0.0, |m| m.len() as f64 / 1_048_576.0);
    sink.note(format_args!(
        "generated {tickets} worked tickets in {:.1} s ({size_mb:.0} MB)",
        started.elapsed().as_secs_f64()
    ));
    sink.attempt(&[report_name], |sink| {
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            times.push(worked::time_report(data, rules_dir)?);
        }
        sink.figure(report_name, median(&mut times).as_secs_f64(), "s", Some("<= 1"));
        Ok(())
    });
    match worked::fold_us_per_change(&store, 20_000.min(tickets)) {
        Ok(fold_us) => {
            sink.figure("facts_fold_us_per_change", fold_us, "µs", None);
            match sink.report.value("ingest_msgs_per_s") {
                Some(rate) => sink.figure("facts_fold_pct_of_ingest", fold_us * rate / 1e4, "%", None),
                None => sink.not_measured(&fold_figures[1..], "needs ingest_msgs_per_s of this run"),
            }
        }
        Err(error) => sink.not_measured(&fold_figures, &error.to_string()),
    }
}

/// The figures measured inside this process: baselines, ingest, hooks, intake, reload.
fn hot_figures(sink: &mut Sink<'_>, rules: &crate::rules::RuleSet, scale: Scale, only: &[String]) {
    let wanted = |names: &[&str]| only.is_empty() || names.iter().any(|name| only.iter().any(|o| o == name));
    let quick = scale.tickets < Scale::FULL.tickets;
    let runs = scale.runs;
    let fresh = || tempfile::Builder::new().prefix("topicdesk-bench").tempdir();
    if wanted(&["baseline_rhai_call_us", "empty_call_p99_us", "clock_read_p99_us"])
        || wanted_ratio(only, "baseline_rhai_call_us")
        || wanted_ratio(only, "empty_call_p99_us")
    {
        sink.attempt(&["baseline_rhai_call_us", "empty_call_p99_us"], |sink| {
            let calls = if quick { 3_000 } else { 30_000 };
            let mut medians = Vec::new();
            let mut p99s = Vec::new();
            for _ in 0..runs.max(1) {
                let (median, p99, spread) = hot::empty_call_us(calls)?;
                sink.note(format_args!("empty calls: {spread}"));
                medians.push(median);
                p99s.push(p99);
            }
            sink.figure("baseline_rhai_call_us", middle(medians), "µs", None);
            sink.figure("empty_call_p99_us", middle(p99s), "µs", None);
            Ok(())
        });
        let reads = if quick { 3_000 } else { 30_000 };
        let p99 = middle((0..runs.max(1)).map(|_| hot::clock_read_p99_us(reads)).collect());
        sink.figure("clock_read_p99_us", p99, "µs", None);
    }
    if wanted(&["ingest_msgs_per_s"]) {
        sink.attempt(&["ingest_msgs_per_s"], |sink| {
            let messages = if quick { 2_000 } else { 20_000 };
            let ingest = median_of(runs, || hot::ingest(rules, fresh()?.path(), messages, 100))?;
            sink.figure("ingest_msgs_per_s", ingest, "msgs/s", Some(">= 20000"));
            Ok(())
        });
    }
    if wanted(&["ingest_fsync_msgs_per_s"]) {
        sink.attempt(&["ingest_fsync_msgs_per_s"], |sink| {
            let messages = if quick { 200 } else { 2_000 };
            let fsync = median_of(runs, || hot::ingest(rules, fresh()?.path(), messages, 1))?;
            sink.figure("ingest_fsync_msgs_per_s", fsync, "msgs/s", Some(">= 2000"));
            Ok(())
        });
    }
    if wanted(&["metrics_ingest_cost_pct"]) {
        sink.attempt(&["metrics_ingest_cost_pct"], |sink| {
            let messages = if quick { 2_000 } else { 20_000 };
            let (off, on) = metrics_ingest_rates(rules, runs, messages)?;
            sink.note(format_args!("ingest with metrics off {off:.0} msgs/s, on {on:.0} msgs/s"));
            sink.figure("metrics_ingest_cost_pct", (off / on - 1.0) * 100.0, "%", Some("<= 5"));
            Ok(())
        });
    }
    if wanted(&["rule_call_p99_us"]) || wanted_ratio(only, "rule_call_p99_us") {
        let calls = if quick { 3_000 } else { 30_000 };
        let mut p99s = Vec::new();
        for _ in 0..runs.max(1) {
            let (p99, spread) = hot::rule_call_p99_us(rules, calls);
            sink.note(format_args!("rule calls: {spread}"));
            p99s.push(p99);
        }
        sink.figure("rule_call_p99_us", middle(p99s), "µs", Some("<= 20"));
    }
    if wanted(&["template_render_p99_us", "template_offer_p99_us"]) {
        let calls = if quick { 3_000 } else { 30_000 };
        let (render, offer): (Vec<f64>, Vec<f64>) =
            (0..runs.max(1)).map(|_| hot::template_p99_us(rules, calls)).unzip();
        sink.figure("template_render_p99_us", middle(render), "µs", Some("<= 20"));
        sink.figure("template_offer_p99_us", middle(offer), "µs", Some("<= 500"));
    }
    if wanted(&["kb_search_p99_us"]) {
        let searches = if quick { 2_000 } else { 20_000 };
        let mut p99s = Vec::new();
        for _ in 0..runs.max(1) {
            let (p99, shape) = hot::kb_search_p99_us(rules, 1_000, searches);
            sink.note(format_args!("kb searches: {shape}"));
            p99s.push(p99);
        }
        sink.figure("kb_search_p99_us", middle(p99s), "µs", Some("<= 1000"));
    }
    if wanted(&["intake_answers_per_s"]) {
        sink.attempt(&["intake_answers_per_s"], |sink| {
            let customers = if quick { 200 } else { 2_000 };
            let intake = median_of(runs, || hot::intake_answers(rules, fresh()?.path(), customers))?;
            sink.figure("intake_answers_per_s", intake, "answers/s", Some(">= 10000"));
            Ok(())
        });
    }
    if wanted(&["reload_ms_p99"]) {
        sink.attempt(&["reload_ms_p99"], |sink| {
            let saves = if quick { 3 } else { 40 };
            let dir = fresh()?;
            crate::demo::write_default_rules(dir.path())?;
            let times = reload::reload_times(dir.path(), saves)?;
            sink.figure("reload_ms_p99", percentile(times, 99), "ms", Some("< 300"));
            Ok(())
        });
    }
}

/// The median ingest rate with metrics off and on, `runs` of each taken in turn (off, on,
/// off, ...) so a machine's drift touches both alike. Hook counting is left on after.
fn metrics_ingest_rates(
    rules: &crate::rules::RuleSet,
    runs: usize,
    messages: usize,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let fresh = || tempfile::Builder::new().prefix("topicdesk-bench").tempdir();
    let (mut off, mut on) = (Vec::new(), Vec::new());
    // At least three of each: one pair says little about a few percent.
    for _ in 0..runs.max(3) {
        crate::script::set_hook_counting(false);
        let measured = hot::ingest_counted(rules, fresh()?.path(), messages, 100, None);
        crate::script::set_hook_counting(true);
        off.push(measured?);
        let counting = hot::Counting::new();
        on.push(hot::ingest_counted(rules, fresh()?.path(), messages, 100, Some(&counting))?);
    }
    Ok((middle(off), middle(on)))
}

/// Each ratio asked for whose figure and baseline this run measured.
fn ratios(sink: &mut Sink<'_>, only: &[String]) {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    for (name, figure, scale_to, baseline) in RATIOS {
        if !wanted(name) {
            continue;
        }
        match (sink.report.value(figure), sink.report.value(baseline)) {
            (Some(value), Some(base)) if base > 0.0 => {
                sink.figure(name, value * scale_to / base, "×", None);
            }
            _ => sink.not_measured(&[name], &format!("needs {figure} and {baseline} of this run")),
        }
    }
}

/// Whether a ratio that needs `figure` is among the figures asked for.
fn wanted_ratio(only: &[String], figure: &str) -> bool {
    RATIOS.iter().any(|(name, numerator, _, baseline)| {
        (*numerator == figure || *baseline == figure) && only.iter().any(|o| o == name)
    })
}

/// The median of a few values (the upper one of an even count).
fn middle(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
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
    "relay_cpu_ms_per_msg",
    "reply_cpu_ms_per_msg",
];

/// The `p`th percentile of `values` (nearest rank).
fn percentile(mut values: Vec<f64>, p: usize) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = (values.len() * p / 100).min(values.len().saturating_sub(1));
    values.get(index).copied().unwrap_or(0.0)
}

/// Runs `each` `n` times, 1,000 to a write transaction: how the generators fill a store.
pub(crate) fn in_pages(
    store: &Store,
    n: u64,
    mut each: impl FnMut(&mut crate::store::Tx<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut made = 0;
    while made < n {
        let page = (n - made).min(1_000);
        store.write(|tx| (0..page).try_for_each(|_| each(tx)))?;
        made += page;
    }
    Ok(())
}

/// Writes `n` realistic tickets, a third of them answered and resolved, in pages of 1,000.
pub fn generate(store: &Store, n: u64) -> Result<(), StoreError> {
    let epoch = Timestamp::from_second(1_790_000_000).expect("a fixed, valid instant");
    in_pages(store, n, |tx| {
        let id = tx.next_ticket_id()?;
        let created = epoch + jiff::SignedDuration::from_secs(id.0 as i64 * 60);
        let (customer, answers) = (sample_customer(id), sample_answers(id, "normal"));
        let (mut ticket, first) = Ticket::open(id, customer, "support", answers, created);
        let mut entries = vec![first];
        if id.0 % 3 == 0 {
            let agent = Origin { actor: Actor::Agent(7), rules: Some("bench".into()) };
            let later = created + jiff::SignedDuration::from_secs(600);
            for change in
                [Change::Assign { to: Some(7) }, Change::AgentReply { text: "Fixed".into() }, Change::Resolve]
            {
                entries.extend(ticket.apply(change, &agent, later).expect("a legal sequence"));
            }
        }
        tx.save_ticket(&ticket)?;
        tx.append_history(id, &entries)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_not_measured_are_named_with_their_reason_and_the_rest_go_on() {
        let mut out = Vec::new();
        let mut sink = Sink { out: &mut out, report: Report::default() };
        sink.attempt(&["ingest_msgs_per_s"], |_| Err("the disk is full".into()));
        sink.attempt(&["rule_call_p99_us"], |sink| {
            sink.figure("rule_call_p99_us", 5.25, "µs", Some("<= 20"));
            Ok(())
        });
        let json = sink.report.to_json();
        assert_eq!(json["rule_call_p99_us"], 5.25);
        assert_eq!(json["not_measured"]["ingest_msgs_per_s"], "the disk is full");
        assert!(json.get("ingest_msgs_per_s").is_none());
        let text = String::from_utf8(out).expect("text");
        assert!(text.contains("ingest_msgs_per_s not measured: the disk is full"), "{text}");
        assert!(text.contains("rule_call_p99_us 5.25 µs (target <= 20)"), "{text}");
    }

    #[test]
    fn every_ratio_names_figures_the_suite_knows() {
        for (name, figure, _, baseline) in RATIOS {
            assert!(FIGURES.contains(&name), "{name}");
            assert!(FIGURES.contains(&figure), "{figure}");
            assert!(FIGURES.contains(&baseline), "{baseline}");
        }
    }

    #[test]
    fn small_values_keep_their_digits() {
        assert_eq!(shown(0.1234), "0.123");
        assert_eq!(shown(5.25), "5.25");
        assert_eq!(shown(31296.0), "31296.0");
    }
}

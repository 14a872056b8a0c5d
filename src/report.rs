//! `topicdesk report`: the team's figures over a period, from the store's per-ticket facts,
//! as a table, JSON or CSV. Definitions in docs/metrics.md.
//!
//! The tickets of a period are those created in it (`since` inclusive, `until` exclusive);
//! their figures are what they have reached when the report runs (`now`), a wait or a
//! resolution still running counting up to then. The backlog is taken at the end of the
//! period (or now, if that is earlier) over every ticket. A ticket whose facts the store
//! does not hold (a file from before facts were kept) is folded from its history here, and
//! the report says how many were.
//!
//! Reads one snapshot, so it runs beside the live desk.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::metrics::{Accumulator, Backlog, Facts, Group, SpanStats, Stats, TicketMetrics};
use crate::store::{ReadTx, StoreError};
use crate::ticket::{Priority, Ticket};

/// What the rows of the report are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The ticket's assignee (team.yaml's name with --rules).
    Agent,
    Category,
    Priority,
    /// The intake form the ticket was opened with.
    Form,
    /// Each of the ticket's tags (a ticket with two tags counts in both).
    Tag,
    /// The day the ticket was created, in the desk's time zone.
    Day,
    /// The ISO week the ticket was created in.
    Week,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

/// What a report is asked.
pub struct Options {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// When the report runs: running figures count up to here.
    pub now: Timestamp,
    pub by: Option<GroupBy>,
    /// The desk's business calendar; `None`: business hours round the clock.
    pub calendar: Option<BusinessCalendar>,
    /// Days, weeks and hours are the desk's (desk.yaml `timezone`); UTC without rules.
    pub time_zone: TimeZone,
    /// team.yaml's names by Telegram id, for `--by agent`.
    pub agent_names: BTreeMap<u64, String>,
}

/// The report, ready to print in any format.
#[derive(Debug, Serialize)]
pub struct Report {
    pub since: Option<String>,
    pub until: Option<String>,
    pub measured_at: String,
    pub by: Option<GroupBy>,
    /// Whether business hours follow desk.yaml (else they count round the clock).
    pub business_hours: bool,
    /// Tickets created in the period.
    pub tickets: u64,
    /// Tickets whose facts were folded from their history for this report.
    pub facts_from_history: u64,
    pub notes: Vec<String>,
    pub total: Group,
    pub groups: Vec<GroupRow>,
    pub backlog: Backlog,
    /// Tickets created in the period by local hour of the day, 0 to 23.
    pub busiest_hours: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct GroupRow {
    pub key: String,
    #[serde(flatten)]
    pub group: Group,
}

/// Builds the report over every ticket in `read`, calling `progress` with tickets read.
pub fn build(read: &ReadTx, options: &Options, mut progress: impl FnMut(u64)) -> Result<Report, StoreError> {
    let always = BusinessCalendar::always();
    let calendar = options.calendar.as_ref().unwrap_or(&always);
    let backlog_at = options.until.map_or(options.now, |until| until.min(options.now));
    let mut backlog = Backlog::new(backlog_at);
    let mut total = Accumulator::default();
    let mut groups: BTreeMap<(u8, String), Accumulator> = BTreeMap::new();
    let mut busiest_hours = vec![0u64; 24];
    let (mut tickets, mut from_history, mut seen, mut tagged) = (0u64, 0u64, 0u64, false);
    read.for_each_ticket_facts(|ticket, facts| {
        seen += 1;
        progress(seen);
        let facts = if let Some(facts) = facts {
            facts
        } else {
            from_history += 1;
            Facts::of_history(&read.history(ticket.id)?)
        };
        if facts.created_at <= backlog_at && facts.status_at(backlog_at).is_active() {
            backlog.add(facts.created_at, backlog_at);
        }
        let created = facts.created_at;
        let in_period = options.since.is_none_or(|since| created >= since)
            && options.until.is_none_or(|until| created < until);
        if !in_period {
            return Ok::<_, StoreError>(());
        }
        tickets += 1;
        tagged |= !ticket.tags.is_empty();
        let local = created.to_zoned_datetime(options.time_zone.clone());
        busiest_hours[usize::from(local.hour().unsigned_abs())] += 1;
        let metrics = TicketMetrics::of(&facts, calendar, options.now);
        total.add(&metrics);
        if let Some(by) = options.by {
            for key in keys(by, &ticket, &local, &options.agent_names) {
                groups.entry(key).or_default().add(&metrics);
            }
        }
        Ok(())
    })?;
    let mut notes = Vec::new();
    if from_history > 0 {
        notes.push(format!(
            "{from_history} ticket(s) had no stored facts (a data file from before they were kept): \
             computed from their history; the bot keeps them from each ticket's next change on"
        ));
    }
    if options.calendar.is_none() {
        notes.push("business hours count round the clock: pass --rules DIR for desk.yaml's hours".to_owned());
    }
    if options.by == Some(GroupBy::Tag) && !tagged {
        notes.push("no ticket of the period has tags: one group of untagged tickets".to_owned());
    }
    Ok(Report {
        since: options.since.map(|at| at.to_string()),
        until: options.until.map(|at| at.to_string()),
        measured_at: options.now.to_string(),
        by: options.by,
        business_hours: options.calendar.is_some(),
        tickets,
        facts_from_history: from_history,
        notes,
        total: total.finish(),
        groups: groups.into_iter().map(|((_, key), group)| GroupRow { key, group: group.finish() }).collect(),
        backlog,
        busiest_hours,
    })
}

/// The groups a ticket counts in, each with its sort order.
fn keys(
    by: GroupBy,
    ticket: &Ticket,
    local: &jiff::ZonedDateTime,
    names: &BTreeMap<u64, String>,
) -> Vec<(u8, String)> {
    let one = |key: String| vec![(0, key)];
    match by {
        GroupBy::Agent => match ticket.assignee {
            Some(agent) => one(names.get(&agent).cloned().unwrap_or_else(|| agent.to_string())),
            None => vec![(1, "(unassigned)".to_owned())],
        },
        GroupBy::Category => match &ticket.category {
            Some(category) => one(category.clone()),
            None => vec![(1, "(none)".to_owned())],
        },
        GroupBy::Priority => {
            let rank = Priority::ALL.iter().position(|p| *p == ticket.priority).unwrap_or(0);
            vec![(u8::try_from(rank).unwrap_or(0), ticket.priority.as_str().to_owned())]
        }
        GroupBy::Form => one(ticket.form.clone()),
        GroupBy::Tag if ticket.tags.is_empty() => vec![(1, "(untagged)".to_owned())],
        GroupBy::Tag => ticket.tags.iter().map(|tag| (0, tag.clone())).collect(),
        GroupBy::Day => one(local.strftime("%Y-%m-%d").to_string()),
        GroupBy::Week => one(local.strftime("%G-W%V").to_string()),
    }
}

impl Report {
    pub fn write(&self, format: ReportFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => {
                serde_json::to_writer(&mut *out, self).map_err(std::io::Error::from)?;
                writeln!(out)
            }
            ReportFormat::Csv => out.write_all(self.csv().as_bytes()),
            ReportFormat::Table => out.write_all(self.table().as_bytes()),
        }
    }

    /// One row per (group, metric, clock): `group,metric,clock,count,median,p90,mean`,
    /// spans in seconds; the whole period is the group `all`.
    pub fn csv(&self) -> String {
        let mut out = String::from("group,metric,clock,count,median,p90,mean\n");
        let rows = std::iter::once(("all", &self.total))
            .chain(self.groups.iter().map(|row| (row.key.as_str(), &row.group)));
        for (key, group) in rows {
            let key = csv_field(key);
            for (metric, spans) in span_metrics(group) {
                for (clock, stats) in [("calendar", &spans.calendar), ("business", &spans.business)] {
                    let _ = writeln!(out, "{key},{metric},{clock},{}", csv_stats(stats));
                }
            }
            let _ = writeln!(out, "{key},agent_replies,,{}", csv_stats(&group.agent_replies));
            for (metric, count) in counts(group) {
                let _ = writeln!(out, "{key},{metric},,{count},,,");
            }
        }
        out
    }

    /// The table a support lead reads.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let period = match (&self.since, &self.until) {
            (None, None) => "all time".to_owned(),
            (since, until) => format!(
                "{} to {}",
                since.as_deref().unwrap_or("the first ticket"),
                until.as_deref().unwrap_or("now")
            ),
        };
        let _ = writeln!(out, "tickets created {period}: {}, as of {}", self.tickets, self.measured_at);
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        let _ = writeln!(out);
        write_group_detail(&mut out, &self.total);
        if let Some(by) = self.by {
            let name = serde_json::to_value(by).ok().and_then(|v| v.as_str().map(str::to_owned));
            let _ = writeln!(out, "\nby {}", name.unwrap_or_default());
            write_group_table(&mut out, &self.groups);
        }
        let _ = writeln!(out, "\nbacklog at {} (active tickets by age)", self.backlog.at);
        for (label, n) in &self.backlog.buckets {
            let _ = writeln!(out, "  {label:<12} {n:>7}");
        }
        let _ = writeln!(out, "\nbusiest hours (tickets created, local time)");
        let most = self.busiest_hours.iter().copied().max().unwrap_or(0).max(1);
        for (hour, n) in self.busiest_hours.iter().enumerate() {
            let bar = "#".repeat(usize::try_from(n * 40 / most).unwrap_or(0));
            let _ = writeln!(out, "  {hour:02}:00 {n:>7} {bar}");
        }
        out
    }
}

/// The span metrics of a group, by the names reports use.
fn span_metrics(group: &Group) -> [(&'static str, &SpanStats); 7] {
    [
        ("first_response", &group.first_response),
        ("next_reply", &group.next_reply),
        ("next_reply_per_ticket", &group.next_reply_per_ticket),
        ("first_resolution", &group.first_resolution),
        ("full_resolution", &group.full_resolution),
        ("requester_wait", &group.requester_wait),
        ("customer_wait", &group.customer_wait),
    ]
}

/// The counted figures of a group, by the names reports use.
fn counts(group: &Group) -> Vec<(String, u64)> {
    let mut counts = vec![
        ("tickets".to_owned(), group.tickets),
        ("open".to_owned(), group.open),
        ("resolved".to_owned(), group.resolved),
        ("reopened_tickets".to_owned(), group.reopened_tickets),
        ("reopens".to_owned(), group.reopens),
        ("first_contact_resolutions".to_owned(), group.first_contact_resolutions),
    ];
    for (metric, sla) in &group.sla {
        counts.push((format!("sla_{metric}_met"), sla.met));
        counts.push((format!("sla_{metric}_breached"), sla.breached));
        counts.push((format!("sla_{metric}_running"), sla.running));
    }
    let e = group.escalations;
    for (trigger, n) in [("manual", e.manual), ("breach", e.breach), ("age", e.age), ("rule", e.rule)] {
        counts.push((format!("escalations_{trigger}"), u64::from(n)));
    }
    let c = group.csat;
    for (figure, n) in
        [("asked", c.asked), ("answered", c.answered), ("satisfied", c.satisfied), ("commented", c.commented)]
    {
        counts.push((format!("csat_{figure}"), n));
    }
    counts
}

fn csv_stats(stats: &Stats) -> String {
    let number = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mean = stats.mean.map(|m| format!("{m:.1}")).unwrap_or_default();
    format!("{},{},{},{mean}", stats.count, number(stats.median), number(stats.p90))
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn span(secs: Option<u64>) -> String {
    secs.map_or_else(|| "-".to_owned(), |secs| Span::from_secs(round_span(secs)).to_string())
}

/// Spans of an hour and more print to the minute, of a day and more to the hour: the
/// smaller units there are noise.
fn round_span(secs: u64) -> u64 {
    match secs {
        86_400.. => secs / 3_600 * 3_600,
        3_600.. => secs / 60 * 60,
        _ => secs,
    }
}

fn mean_span(mean: Option<f64>) -> Option<u64> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a non-negative mean of seconds"
    )]
    mean.map(|m| m.round() as u64)
}

fn write_group_detail(out: &mut String, group: &Group) {
    let _ = writeln!(
        out,
        "{:<24} {:>7} {:>11} {:>11} {:>11}   {:>11} {:>11}",
        "metric", "count", "median", "p90", "mean", "bus. median", "bus. p90"
    );
    for (metric, spans) in span_metrics(group) {
        let (c, b) = (&spans.calendar, &spans.business);
        let _ = writeln!(
            out,
            "{:<24} {:>7} {:>11} {:>11} {:>11}   {:>11} {:>11}",
            metric.replace('_', " "),
            c.count,
            span(c.median),
            span(c.p90),
            span(mean_span(c.mean)),
            span(b.median),
            span(b.p90),
        );
    }
    let replies = &group.agent_replies;
    let _ = writeln!(
        out,
        "{:<24} {:>7} {:>11} {:>11} {:>11}",
        "agent replies",
        replies.count,
        replies.median.map_or_else(|| "-".to_owned(), |v| v.to_string()),
        replies.p90.map_or_else(|| "-".to_owned(), |v| v.to_string()),
        replies.mean.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}")),
    );
    let _ = writeln!(out, "(spans in calendar time; bus.: counted within the desk's business hours)");
    let _ = writeln!(
        out,
        "\ntickets {}, open {}, resolved {}, reopened {} ({} reopens), first-contact resolutions {} ({})",
        group.tickets,
        group.open,
        group.resolved,
        group.reopened_tickets,
        group.reopens,
        group.first_contact_resolutions,
        share(group.first_contact_resolutions, group.resolved),
    );
    let _ =
        writeln!(out, "\n{:<24} {:>7} {:>9} {:>8} {:>9}", "SLA", "met", "breached", "running", "achieved");
    for (metric, sla) in &group.sla {
        let _ = writeln!(
            out,
            "{:<24} {:>7} {:>9} {:>8} {:>9}",
            metric.replace('_', " "),
            sla.met,
            sla.breached,
            sla.running,
            share(sla.met, sla.met + sla.breached),
        );
    }
    let e = group.escalations;
    let _ = writeln!(
        out,
        "\nescalations {}: manual {}, SLA breach {}, age {}, other rules {}",
        e.total(),
        e.manual,
        e.breach,
        e.age,
        e.rule
    );
    let sentiment = group.sentiment.map_or_else(|| "-".to_owned(), |s| format!("{s:+.2}"));
    let _ = writeln!(out, "customer sentiment (mean, -1 to +1): {sentiment}");
    let c = group.csat;
    let mean = c.mean_rating.map_or_else(|| "-".to_owned(), |m| format!("{m:.1}/5"));
    let _ = writeln!(
        out,
        "satisfaction: asked {}, answered {} ({}), CSAT {} (4-5 or good), mean {mean}, comments {}",
        c.asked,
        c.answered,
        share(c.answered, c.asked),
        share(c.satisfied, c.answered),
        c.commented,
    );
}

fn write_group_table(out: &mut String, rows: &[GroupRow]) {
    let _ = writeln!(
        out,
        "{:<20} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>5} {:>5}",
        "group",
        "tickets",
        "open",
        "1st resp",
        "p90",
        "next reply",
        "full res.",
        "p90",
        "reopened",
        "FCR",
        "SLA miss",
        "CSAT",
        "resp."
    );
    for row in rows {
        let g = &row.group;
        let missed: u64 = g.sla.values().map(|sla| sla.breached).sum();
        let _ = writeln!(
            out,
            "{:<20} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>5} {:>5}",
            crate::outbox::clip(&row.key, 20),
            g.tickets,
            g.open,
            span(g.first_response.calendar.median),
            span(g.first_response.calendar.p90),
            span(g.next_reply.calendar.median),
            span(g.full_resolution.calendar.median),
            span(g.full_resolution.calendar.p90),
            g.reopened_tickets,
            share(g.first_contact_resolutions, g.resolved),
            missed,
            share(g.csat.satisfied, g.csat.answered),
            share(g.csat.answered, g.csat.asked),
        );
    }
    let _ = writeln!(out, "(medians and p90 in calendar time; JSON and CSV carry business hours too)");
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    format!("{}%", part * 100 / whole)
}

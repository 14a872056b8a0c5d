//! A period's figures: the tickets created in it, grouped, with the backlog and the busiest
//! hours, and their renderings (table, JSON, CSV). Pure: whoever reads the tickets (the
//! store for `topicdesk report`, the desk's state for `/stats`, a simulation's own state)
//! hands each ticket's [`Labels`] and [`Facts`] to a [`Period`].
//!
//! The tickets of a period are those created in it (`since` inclusive, `until` exclusive);
//! their figures are what they have reached at `now`, a wait or a resolution still running
//! counting up to then. The backlog is taken at the end of the period (or `now`, if that is
//! earlier) over every ticket added, in the period or not.
//!
//! Knowledge-base deflections (a question an article answered before any ticket was
//! opened) belong to no ticket: whoever reads the store hands each to
//! [`Period::add_deflection`], and those made in the period count for the period as a
//! whole, never in a group.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::{Accumulator, Backlog, Facts, Group, SpanStats, Stats, TicketMetrics};
use crate::calendar::{BusinessCalendar, ElapsedTable};
use crate::duration::Span;
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
    /// The staff group (its chat id) whose forum holds the ticket's topic.
    StaffGroup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

/// What a report is asked.
#[derive(Clone, Debug)]
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
    /// desk.yaml's staff group names by their chats' ids, for `--by staff-group`.
    pub group_names: BTreeMap<i64, String>,
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
    /// Questions the knowledge base answered in the period, before a ticket was opened.
    pub deflections: Deflections,
}

/// The knowledge base's deflections in a period.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Deflections {
    pub count: u64,
    /// Of the questions that reached the desk in the period (deflected, or a ticket
    /// created), the share an article answered: count / (count + tickets).
    pub rate: Option<f64>,
    /// The articles that answered most, most first (ties by id), at most [`TOP_ARTICLES`].
    pub top_articles: Vec<ArticleDeflections>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticleDeflections {
    pub article: String,
    pub count: u64,
}

/// How many articles a report names among its deflections.
pub const TOP_ARTICLES: usize = 5;

#[derive(Debug, Serialize)]
pub struct GroupRow {
    pub key: String,
    #[serde(flatten)]
    pub group: Group,
}

/// What a ticket is grouped by, apart from its facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels {
    pub assignee: Option<u64>,
    pub category: Option<String>,
    pub priority: Priority,
    pub form: String,
    pub tags: Vec<String>,
    /// The staff group holding the ticket's topic; `None` before it has one.
    pub staff_chat: Option<i64>,
}

impl Labels {
    /// Labels holding nothing yet, to decode a record into.
    pub fn empty() -> Labels {
        Labels {
            assignee: None,
            category: None,
            priority: Priority::Normal,
            form: String::new(),
            tags: Vec::new(),
            staff_chat: None,
        }
    }

    pub fn of(ticket: &Ticket) -> Labels {
        Labels {
            assignee: ticket.assignee,
            category: ticket.category.clone(),
            priority: ticket.priority,
            form: ticket.form.clone(),
            tags: ticket.tags.iter().cloned().collect(),
            staff_chat: ticket.topic.map(|topic| topic.chat_id),
        }
    }
}

/// A report being built: tickets added one by one, in any order.
pub struct Period {
    options: Options,
    /// The desk's calendar (or round the clock), laid out for many questions.
    business: ElapsedTable,
    backlog_at: Timestamp,
    backlog: Backlog,
    total: Accumulator,
    groups: BTreeMap<(u8, String), Accumulator>,
    busiest_hours: Vec<u64>,
    tickets: u64,
    tagged: bool,
    /// Deflections in the period, by article id.
    deflections: BTreeMap<String, u64>,
}

impl Period {
    pub fn new(options: Options) -> Period {
        let backlog_at = options.until.map_or(options.now, |until| until.min(options.now));
        let business = options
            .calendar
            .as_ref()
            .map_or_else(|| BusinessCalendar::always().table(), BusinessCalendar::table);
        Period {
            options,
            business,
            backlog_at,
            backlog: Backlog::new(backlog_at),
            total: Accumulator::default(),
            groups: BTreeMap::new(),
            busiest_hours: vec![0; 24],
            tickets: 0,
            tagged: false,
            deflections: BTreeMap::new(),
        }
    }

    /// Counts a question the knowledge base answered at `at` with `article`, if in the period.
    pub fn add_deflection(&mut self, at: Timestamp, article: &str) {
        if !self.covers(at) {
            return;
        }
        match self.deflections.get_mut(article) {
            Some(count) => *count += 1,
            None => {
                self.deflections.insert(article.to_owned(), 1);
            }
        }
    }

    /// Whether a ticket created at `created` is one of the period's.
    pub fn covers(&self, created: Timestamp) -> bool {
        self.options.since.is_none_or(|since| created >= since)
            && self.options.until.is_none_or(|until| created < until)
    }

    /// Counts one ticket: in the backlog if active at its instant, in the figures if created
    /// in the period.
    pub fn add(&mut self, labels: &Labels, facts: &Facts) {
        let at = self.backlog_at;
        if facts.created_at <= at && facts.status_at(at).is_active() {
            self.backlog.add(facts.created_at, at);
        }
        if !self.covers(facts.created_at) {
            return;
        }
        self.tickets += 1;
        self.tagged |= !labels.tags.is_empty();
        let local = self.options.time_zone.to_datetime(facts.created_at);
        self.busiest_hours[usize::from(local.hour().unsigned_abs())] += 1;
        let metrics = TicketMetrics::of(facts, &self.business, self.options.now);
        self.total.add(&metrics);
        if let Some(by) = self.options.by {
            for key in keys(by, labels, &local, &self.options) {
                self.groups.entry(key).or_default().add(&metrics);
            }
        }
    }

    /// Takes in the tickets `other` counted, a period of the same options built over other
    /// tickets (a report read by several threads): the result is the same as if they had
    /// all been added here, the sentiment mean up to floating-point summation order.
    pub fn merge(&mut self, other: Period) {
        self.backlog.merge(&other.backlog);
        self.total.merge(other.total);
        for (key, group) in other.groups {
            self.groups.entry(key).or_default().merge(group);
        }
        for (mine, theirs) in self.busiest_hours.iter_mut().zip(other.busiest_hours) {
            *mine += theirs;
        }
        self.tickets += other.tickets;
        self.tagged |= other.tagged;
        for (article, count) in other.deflections {
            *self.deflections.entry(article).or_default() += count;
        }
    }

    /// The report, with `notes` from whoever read the tickets first.
    pub fn finish(self, mut notes: Vec<String>, facts_from_history: u64) -> Report {
        let options = self.options;
        if options.calendar.is_none() {
            notes.push(
                "business hours count round the clock: pass --rules DIR for desk.yaml's hours".to_owned(),
            );
        }
        if options.by == Some(GroupBy::Tag) && !self.tagged {
            notes.push("no ticket of the period has tags: one group of untagged tickets".to_owned());
        }
        Report {
            since: options.since.map(|at| at.to_string()),
            until: options.until.map(|at| at.to_string()),
            measured_at: options.now.to_string(),
            by: options.by,
            business_hours: options.calendar.is_some(),
            tickets: self.tickets,
            facts_from_history,
            notes,
            total: self.total.finish(),
            groups: self
                .groups
                .into_iter()
                .map(|((_, key), group)| GroupRow { key, group: group.finish() })
                .collect(),
            backlog: self.backlog,
            busiest_hours: self.busiest_hours,
            deflections: deflections(self.deflections, self.tickets),
        }
    }
}

/// The period's deflections, from the counts by article and the tickets created.
fn deflections(by_article: BTreeMap<String, u64>, tickets: u64) -> Deflections {
    let count: u64 = by_article.values().sum();
    let mut top: Vec<ArticleDeflections> =
        by_article.into_iter().map(|(article, count)| ArticleDeflections { article, count }).collect();
    // Stable: equal counts stay in id order.
    top.sort_by_key(|article| std::cmp::Reverse(article.count));
    top.truncate(TOP_ARTICLES);
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let rate = (count > 0).then(|| count as f64 / (count + tickets) as f64);
    Deflections { count, rate, top_articles: top }
}

/// The groups a ticket counts in, each with its sort order.
fn keys(by: GroupBy, ticket: &Labels, local: &jiff::civil::DateTime, options: &Options) -> Vec<(u8, String)> {
    let one = |key: String| vec![(0, key)];
    match by {
        GroupBy::Agent => match ticket.assignee {
            Some(agent) => one(options.agent_names.get(&agent).cloned().unwrap_or_else(|| agent.to_string())),
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
        GroupBy::StaffGroup => match ticket.staff_chat {
            Some(chat) => one(options.group_names.get(&chat).cloned().unwrap_or_else(|| chat.to_string())),
            None => vec![(1, "(no topic yet)".to_owned())],
        },
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
        let _ = writeln!(out, "all,kb_deflections,,{},,,", self.deflections.count);
        for top in &self.deflections.top_articles {
            let metric = csv_field(&format!("kb_deflections:{}", top.article));
            let _ = writeln!(out, "all,{metric},,{},,,", top.count);
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
        write_deflections(&mut out, &self.deflections);
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
pub fn span_metrics(group: &Group) -> [(&'static str, &SpanStats); 7] {
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
pub fn counts(group: &Group) -> Vec<(String, u64)> {
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
    counts.push(("template_uses".to_owned(), group.templates.uses));
    counts.push(("template_agent_replies".to_owned(), group.templates.agent_replies));
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

/// A span for people: `-` when there is none.
pub(super) fn span(secs: Option<u64>) -> String {
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
    let t = group.templates;
    let _ = writeln!(
        out,
        "templates: {} of {} agent replies ({})",
        t.uses,
        t.agent_replies,
        share(t.uses, t.agent_replies),
    );
}

fn write_deflections(out: &mut String, d: &Deflections) {
    let rate = d.rate.map_or_else(|| "-".to_owned(), |rate| format!("{:.0}%", rate * 100.0));
    let _ =
        write!(out, "KB deflections (answered by an article, no ticket): {} ({rate} of questions)", d.count);
    for (idx, top) in d.top_articles.iter().enumerate() {
        let _ = write!(out, "{} {} {}", if idx == 0 { "; top:" } else { "," }, top.article, top.count);
    }
    let _ = writeln!(out);
}

fn write_group_table(out: &mut String, rows: &[GroupRow]) {
    let _ = writeln!(
        out,
        "{:<20} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>5} {:>5} {:>5}",
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
        "resp.",
        "tmpl"
    );
    for row in rows {
        let g = &row.group;
        let missed: u64 = g.sla.values().map(|sla| sla.breached).sum();
        let _ = writeln!(
            out,
            "{:<20} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6} {:>9} {:>5} {:>5} {:>5}",
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
            share(g.templates.uses, g.templates.agent_replies),
        );
    }
    let _ = writeln!(out, "(medians and p90 in calendar time; JSON and CSV carry business hours too)");
}

/// `part` of `whole` as a whole percentage; `-` of nothing.
pub(super) fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    format!("{}%", part * 100 / whole)
}

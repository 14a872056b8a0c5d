//! Ticket export for reports and migrations: JSON lines (one ticket per line, every
//! field) or CSV (one row per ticket, the columns a spreadsheet wants).
//!
//! Export streams from a read snapshot, so it runs beside the live desk and its memory
//! stays flat whatever the number of tickets.
//!
//! Each ticket carries its metric figures (docs/metrics.md, column by column), from the
//! store's per-ticket facts, in calendar time, as of the ticket's last change
//! (`updated_at`): the same store always exports the same figures.

use std::io::Write;

use serde::Serialize;

use crate::calendar::BusinessCalendar;
use crate::metrics::{Elapsed, Facts, SlaOutcome, TicketMetrics};
use crate::store::{ReadTx, StoreError};
use crate::ticket::{Answer, Ticket, TicketId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export failed: {0}")]
    Write(#[from] std::io::Error),
}

/// The columns of the CSV export, in order.
pub const CSV_COLUMNS: [&str; 32] = [
    "id",
    "status",
    "priority",
    "category",
    "form",
    "customer_id",
    "customer_name",
    "customer_username",
    "assignee",
    "tags",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "reopened",
    "first_response_secs",
    "next_replies",
    "next_reply_mean_secs",
    "first_resolution_secs",
    "full_resolution_secs",
    "requester_wait_secs",
    "customer_wait_secs",
    "agent_replies",
    "first_contact_resolution",
    "sla_first_response",
    "sla_next_response",
    "sla_resolution",
    "escalations",
    "sentiment",
    "csat",
    "csat_commented",
];

/// Writes every ticket in `read` numbered up to `through` to `out`, calling `progress`
/// with the running count.
pub fn export(
    read: &ReadTx,
    format: Format,
    through: TicketId,
    out: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let mut written = 0u64;
    if format == Format::Csv {
        writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    }
    let calendar = BusinessCalendar::always();
    read.for_each_ticket_facts(|ticket, facts| {
        if ticket.id > through {
            return Ok(());
        }
        let facts = match facts {
            Some(facts) => facts,
            None => Facts::of_history(&read.history(ticket.id)?),
        };
        let metrics = MetricFields::of(&TicketMetrics::of(&facts, &calendar, ticket.updated_at));
        match format {
            Format::Jsonl => {
                let line = JsonTicket::new(&ticket, metrics);
                serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Format::Csv => write_csv_row(out, &ticket, &metrics)?,
        }
        written += 1;
        progress(written);
        Ok::<_, ExportError>(())
    })?;
    out.flush()?;
    Ok(written)
}

/// Everything held about one customer (their data-access request): each of their tickets
/// as the JSON export shows it with its whole history (what happened, by whom, when, with
/// every message's text), their intake dialogue if one is open, and the questions they
/// asked that an article answered. Also the ids of the tickets, for the audit log.
pub fn customer(
    read: &ReadTx,
    customer: crate::ticket::UserId,
) -> Result<(serde_json::Value, Vec<crate::ticket::TicketId>), ExportError> {
    let calendar = BusinessCalendar::always();
    let ids = read.tickets_of_customer(customer)?;
    let mut tickets = Vec::new();
    for &id in &ids {
        let Some(ticket) = read.ticket(id)? else { continue };
        let history = read.history(id)?;
        let facts = Facts::of_history(&history);
        let metrics = MetricFields::of(&TicketMetrics::of(&facts, &calendar, ticket.updated_at));
        let mut json =
            serde_json::to_value(JsonTicket::new(&ticket, metrics)).map_err(std::io::Error::from)?;
        json["customer_language"] = serde_json::json!(ticket.customer.language);
        json["history"] = history
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "seq": entry.seq,
                    "at": entry.at.to_string(),
                    "by": entry.actor.to_string(),
                    "what": entry.kind.to_string(),
                })
            })
            .collect();
        tickets.push(json);
    }
    let session: Option<serde_json::Value> = read.session(customer)?;
    let questions: Vec<serde_json::Value> = read
        .deflections()?
        .into_iter()
        .filter(|d| d.customer == Some(customer))
        .map(|d| serde_json::json!({"at": d.at.to_string(), "form": d.form, "article": d.article, "question": d.question}))
        .collect();
    let whole = serde_json::json!({
        "customer": customer,
        "tickets": tickets,
        "intake_session": session,
        "questions_answered_by_articles": questions,
    });
    Ok((whole, ids))
}

/// The export's JSON shape: stable, flat where it can be, times in RFC 3339.
#[derive(Serialize)]
struct JsonTicket<'a> {
    id: String,
    status: &'static str,
    priority: &'static str,
    category: Option<&'a str>,
    form: &'a str,
    customer: JsonCustomer<'a>,
    assignee: Option<u64>,
    tags: Vec<&'a str>,
    answers: serde_json::Map<String, serde_json::Value>,
    topic: Option<(i64, i32)>,
    created_at: String,
    updated_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    reopened: u32,
    awaiting_customer_secs: u64,
    unreachable: bool,
    #[serde(flatten)]
    metrics: MetricFields,
}

/// A ticket's metric figures as exported: spans in calendar seconds.
#[derive(Serialize)]
struct MetricFields {
    first_response_secs: Option<u64>,
    next_replies: usize,
    next_reply_mean_secs: Option<u64>,
    first_resolution_secs: Option<u64>,
    full_resolution_secs: Option<u64>,
    requester_wait_secs: u64,
    customer_wait_secs: u64,
    agent_replies: u32,
    first_contact_resolution: bool,
    sla_first_response: SlaOutcome,
    sla_next_response: SlaOutcome,
    sla_resolution: SlaOutcome,
    escalations: u32,
    sentiment: Option<f64>,
    /// The latest satisfaction rating (`4/5`, `good`, `bad`), `asked` while unanswered,
    /// `None` when the customer was never asked.
    csat: Option<String>,
    /// Whether the customer commented on their rating; `None` when never asked.
    csat_commented: Option<bool>,
}

impl MetricFields {
    fn of(m: &TicketMetrics) -> MetricFields {
        let secs = |e: Option<Elapsed>| e.map(|e| e.calendar.as_secs());
        MetricFields {
            first_response_secs: secs(m.first_response),
            next_replies: m.next_replies.len(),
            next_reply_mean_secs: secs(m.next_reply_mean()),
            first_resolution_secs: secs(m.first_resolution),
            full_resolution_secs: secs(m.full_resolution),
            requester_wait_secs: m.requester_wait.calendar.as_secs(),
            customer_wait_secs: m.customer_wait.calendar.as_secs(),
            agent_replies: m.agent_replies,
            first_contact_resolution: m.first_contact_resolution,
            sla_first_response: m.sla[0],
            sla_next_response: m.sla[1],
            sla_resolution: m.sla[2],
            escalations: m.escalations.total(),
            sentiment: m.sentiment.map(|(mean, _)| (mean * 1000.0).round() / 1000.0),
            csat: m
                .csat
                .map(|csat| csat.rating.map_or_else(|| "asked".to_owned(), |rating| rating.to_string())),
            csat_commented: m.csat.map(|csat| csat.commented),
        }
    }

    fn csv(&self) -> [String; 16] {
        let number = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let outcome =
            |o: SlaOutcome| serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_owned));
        [
            number(self.first_response_secs),
            self.next_replies.to_string(),
            number(self.next_reply_mean_secs),
            number(self.first_resolution_secs),
            number(self.full_resolution_secs),
            self.requester_wait_secs.to_string(),
            self.customer_wait_secs.to_string(),
            self.agent_replies.to_string(),
            self.first_contact_resolution.to_string(),
            outcome(self.sla_first_response).unwrap_or_default(),
            outcome(self.sla_next_response).unwrap_or_default(),
            outcome(self.sla_resolution).unwrap_or_default(),
            self.escalations.to_string(),
            self.sentiment.map(|s| s.to_string()).unwrap_or_default(),
            self.csat.clone().unwrap_or_default(),
            self.csat_commented.map(|c| c.to_string()).unwrap_or_default(),
        ]
    }
}

#[derive(Serialize)]
struct JsonCustomer<'a> {
    id: u64,
    name: &'a str,
    username: Option<&'a str>,
    language: Option<&'a str>,
}

impl<'a> JsonTicket<'a> {
    fn new(t: &'a Ticket, metrics: MetricFields) -> JsonTicket<'a> {
        JsonTicket {
            id: t.id.to_string(),
            status: t.status.as_str(),
            priority: t.priority.as_str(),
            category: t.category.as_deref(),
            form: &t.form,
            customer: JsonCustomer {
                id: t.customer.id,
                name: &t.customer.name,
                username: t.customer.username.as_deref(),
                language: t.customer.language.as_deref(),
            },
            assignee: t.assignee,
            tags: t.tags.iter().map(String::as_str).collect(),
            answers: t.answers.iter().map(|(k, v)| (k.clone(), answer_json(v))).collect(),
            topic: t.topic.map(|topic| (topic.chat_id, topic.thread_id)),
            created_at: t.created_at.to_string(),
            updated_at: t.updated_at.to_string(),
            first_response_at: t.first_response_at.map(|at| at.to_string()),
            resolved_at: t.resolved_at.map(|at| at.to_string()),
            closed_at: t.closed_at.map(|at| at.to_string()),
            reopened: t.reopened,
            awaiting_customer_secs: t.awaiting_total.as_secs(),
            unreachable: t.unreachable,
            metrics,
        }
    }
}

fn answer_json(answer: &Answer) -> serde_json::Value {
    match answer {
        Answer::Text(text) => serde_json::Value::from(text.as_str()),
        Answer::Number(number) => serde_json::Value::from(*number),
        Answer::Bool(flag) => serde_json::Value::from(*flag),
        Answer::Choices(values) | Answer::Files(values) => serde_json::Value::from(values.clone()),
    }
}

fn write_csv_row(out: &mut dyn Write, t: &Ticket, metrics: &MetricFields) -> std::io::Result<()> {
    let optional_time = |at: Option<jiff::Timestamp>| at.map(|at| at.to_string()).unwrap_or_default();
    let tags: Vec<&str> = t.tags.iter().map(String::as_str).collect();
    let ticket_fields: [String; 16] = [
        t.id.to_string(),
        t.status.as_str().to_owned(),
        t.priority.as_str().to_owned(),
        t.category.clone().unwrap_or_default(),
        t.form.clone(),
        t.customer.id.to_string(),
        t.customer.name.clone(),
        t.customer.username.clone().unwrap_or_default(),
        t.assignee.map(|a| a.to_string()).unwrap_or_default(),
        tags.join(" "),
        t.created_at.to_string(),
        t.updated_at.to_string(),
        optional_time(t.first_response_at),
        optional_time(t.resolved_at),
        optional_time(t.closed_at),
        t.reopened.to_string(),
    ];
    let metric_fields = metrics.csv();
    for (index, field) in ticket_fields.iter().chain(&metric_fields).enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        write_csv_field(out, field)?;
    }
    out.write_all(b"\n")
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` (other than a negative number) is
/// prefixed with `'` so that customer names cannot become spreadsheet formulas.
fn write_csv_field(out: &mut dyn Write, field: &str) -> std::io::Result<()> {
    let negative_number = field.strip_prefix('-').is_some_and(|rest| rest.parse::<f64>().is_ok());
    let defused = field.starts_with(['=', '+', '-', '@']) && !negative_number;
    let needs_quotes = defused || field.contains([',', '"', '\n', '\r']);
    if !needs_quotes {
        return out.write_all(field.as_bytes());
    }
    out.write_all(b"\"")?;
    if defused {
        out.write_all(b"'")?;
    }
    out.write_all(field.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(field: &str, expect: &str) {
        let mut out = Vec::new();
        write_csv_field(&mut out, field).expect("write to vec");
        assert_eq!(String::from_utf8(out).expect("utf8"), expect);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        check("plain", "plain");
        check("a,b", "\"a,b\"");
        check("say \"hi\"", "\"say \"\"hi\"\"\"");
        check("line\nbreak", "\"line\nbreak\"");
        check("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
        check("-1001234", "-1001234");
    }
}

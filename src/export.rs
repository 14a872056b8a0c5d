//! Ticket export for reports and migrations: JSON lines (one ticket per line, every
//! field) or CSV (one row per ticket, the columns a spreadsheet wants).
//!
//! Export streams from a read snapshot, so it runs beside the live desk and its memory
//! stays flat whatever the number of tickets.

use std::io::Write;

use serde::Serialize;

use crate::store::{ReadTx, StoreError};
use crate::ticket::{Answer, Ticket};

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
pub const CSV_COLUMNS: [&str; 16] = [
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
];

/// Writes every ticket in `read` to `out`, calling `progress` with the running count.
pub fn export(
    read: &ReadTx,
    format: Format,
    out: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let mut written = 0u64;
    if format == Format::Csv {
        writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    }
    read.for_each_ticket(|ticket| {
        match format {
            Format::Jsonl => {
                serde_json::to_writer(&mut *out, &JsonTicket::from(&ticket)).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Format::Csv => write_csv_row(out, &ticket)?,
        }
        written += 1;
        progress(written);
        Ok::<_, ExportError>(())
    })?;
    out.flush()?;
    Ok(written)
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
}

#[derive(Serialize)]
struct JsonCustomer<'a> {
    id: u64,
    name: &'a str,
    username: Option<&'a str>,
    language: Option<&'a str>,
}

impl<'a> From<&'a Ticket> for JsonTicket<'a> {
    fn from(t: &'a Ticket) -> JsonTicket<'a> {
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

fn write_csv_row(out: &mut dyn Write, t: &Ticket) -> std::io::Result<()> {
    let optional_time = |at: Option<jiff::Timestamp>| at.map(|at| at.to_string()).unwrap_or_default();
    let tags: Vec<&str> = t.tags.iter().map(String::as_str).collect();
    let fields: [String; 16] = [
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
    for (index, field) in fields.iter().enumerate() {
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

//! The audit log's vocabulary: who looked at or acted on what, and when.
//!
//! Changes to a ticket are already in its history; the audit log adds what history does not
//! hold: views (`/info`, `/history`, `tickets show`, `tickets export`, dashboard pages) and
//! desk-wide acts on personal data. An entry names people by Telegram id or operating-system
//! account and tickets by number; it never holds a customer's name or words, so the log can
//! outlive the content it speaks about. Pure: the store keeps entries in order
//! (`Tx::record_audit`), `topicdesk audit` lists them through [`Filter`].

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ticket::{TicketId, UserId};

/// Who did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A member of the team, by Telegram id.
    Telegram { user: UserId },
    /// Someone at the command line, by operating-system account.
    Os { user: String },
    /// The desk itself (a retention pass, say).
    Desk,
}

/// Where a ticket was looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// `/info` or the card's Info button: the card posted again in the topic.
    Info,
    /// `/history` or the card's History button: the timeline posted in the topic.
    History,
    /// `topicdesk tickets show`.
    TicketsShow,
    /// `topicdesk tickets export`.
    TicketsExport,
    /// `topicdesk tickets export --customer`: a customer's data-access request.
    CustomerExport,
    /// A dashboard page.
    Dashboard,
}

impl Surface {
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Info => "info",
            Surface::History => "history",
            Surface::TicketsShow => "tickets show",
            Surface::TicketsExport => "tickets export",
            Surface::CustomerExport => "customer export",
            Surface::Dashboard => "dashboard",
        }
    }
}

/// What was done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A ticket was shown to someone.
    Viewed { ticket: TicketId, surface: Surface },
    /// A customer's data was erased on request (`/forget`, `topicdesk forget`): how many
    /// tickets and topics went, never whose.
    Forgot { tickets: u64, topics: u64 },
    /// The data file was compacted: erased bytes overwritten, free pages given back.
    Compacted { bytes_before: u64, bytes_after: u64 },
    /// Every ticket numbered up to `through` was exported at once (`topicdesk tickets
    /// export`): one entry for them all, which `--ticket` finds for each of them.
    ExportedAll { tickets: u64, through: TicketId },
    /// A retention pass (desk.yaml `retention`) finished: which setting (`content_after`,
    /// `delete_closed_topics_after`, `delete_after`, `audit_after`), its span, and how many
    /// tickets (audit entries, for `audit_after`; kept questions or dead letters, as `of`
    /// says) it took. No ticket or customer is named.
    Retention {
        setting: String,
        after: String,
        count: u64,
        /// What was counted, when not tickets (or audit entries, for `audit_after`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<Retained>,
    },
}

/// What a retention pass took besides tickets and audit entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retained {
    /// Questions a knowledge-base article answered: their text and asker erased.
    Questions,
    /// Raw updates the desk failed on, removed.
    DeadLetters,
    /// Topics transferred tickets left in their former groups, deleted in Telegram.
    LeftTopics,
}

impl Action {
    /// Whether the entry is about `ticket`: its view, or an export that held it.
    pub fn concerns(&self, ticket: TicketId) -> bool {
        match self {
            Action::Viewed { ticket: viewed, .. } => *viewed == ticket,
            Action::ExportedAll { through, .. } => ticket <= *through,
            Action::Forgot { .. } | Action::Compacted { .. } | Action::Retention { .. } => false,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: Actor,
    pub action: Action,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Telegram { user } => write!(f, "{user}"),
            Actor::Os { user } => write!(f, "os:{user}"),
            Actor::Desk => f.write_str("desk"),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Viewed { ticket, surface } => write!(f, "viewed {ticket} ({})", surface.as_str()),
            Action::Forgot { tickets, topics } => {
                write!(f, "erased a customer on request ({tickets} tickets, {topics} topics)")
            }
            Action::Compacted { bytes_before, bytes_after } => {
                write!(f, "compacted the data file ({bytes_before} -> {bytes_after} bytes)")
            }
            Action::ExportedAll { tickets, through } => {
                write!(f, "exported every ticket up to {through} ({tickets} tickets, tickets export)")
            }
            Action::Retention { setting, after, count, of } => {
                let what = match of {
                    Some(Retained::Questions) => "kept questions erased",
                    Some(Retained::DeadLetters) => "dead letters removed",
                    Some(Retained::LeftTopics) => "topics left by transfers deleted",
                    None if setting == "audit_after" => "audit entries",
                    None => "tickets",
                };
                write!(f, "retention pass: {setting} {after} ({count} {what})")
            }
        }
    }
}

/// Which entries `topicdesk audit` lists: all of its conditions hold.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// As [`Actor`] prints: a Telegram id, `os:NAME` or `desk`.
    pub actor: Option<String>,
    pub ticket: Option<TicketId>,
}

impl Filter {
    pub fn admits(&self, entry: &AuditEntry) -> bool {
        self.since.is_none_or(|since| entry.at >= since)
            && self.until.is_none_or(|until| entry.at < until)
            && self.actor.as_ref().is_none_or(|actor| *actor == entry.actor.to_string())
            && self.ticket.is_none_or(|ticket| entry.action.concerns(ticket))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewed(at: &str, actor: Actor, ticket: u64) -> AuditEntry {
        AuditEntry {
            at: at.parse().unwrap(),
            actor,
            action: Action::Viewed { ticket: TicketId(ticket), surface: Surface::History },
        }
    }

    #[test]
    fn a_filter_admits_only_what_every_condition_allows() {
        let entries = [
            viewed("2026-12-01T10:00:00Z", Actor::Telegram { user: 7 }, 1),
            viewed("2026-12-02T10:00:00Z", Actor::Os { user: "ops".into() }, 1),
            viewed("2026-12-03T10:00:00Z", Actor::Telegram { user: 7 }, 2),
        ];
        let admitted = |filter: Filter| -> Vec<usize> {
            (0..entries.len()).filter(|&i| filter.admits(&entries[i])).collect()
        };
        assert_eq!(admitted(Filter::default()), [0, 1, 2]);
        assert_eq!(admitted(Filter { actor: Some("7".into()), ..Filter::default() }), [0, 2]);
        assert_eq!(admitted(Filter { actor: Some("os:ops".into()), ..Filter::default() }), [1]);
        assert_eq!(admitted(Filter { ticket: Some(TicketId(1)), ..Filter::default() }), [0, 1]);
        let export = |through| AuditEntry {
            at: "2026-12-04T10:00:00Z".parse().unwrap(),
            actor: Actor::Os { user: "ops".into() },
            action: Action::ExportedAll { tickets: through, through: TicketId(through) },
        };
        let (early, late) = (export(1), export(2));
        let by_ticket = |ticket| Filter { ticket: Some(TicketId(ticket)), ..Filter::default() };
        assert!(by_ticket(1).admits(&early) && by_ticket(2).admits(&late) && by_ticket(1).admits(&late));
        assert!(!by_ticket(2).admits(&early), "a ticket made after the export was not in it");
        let window = Filter {
            since: Some("2026-12-02T00:00:00Z".parse().unwrap()),
            until: Some("2026-12-03T10:00:00Z".parse().unwrap()),
            ..Filter::default()
        };
        assert_eq!(admitted(window), [1]);
    }

    #[test]
    fn an_entry_is_stored_as_tagged_json_without_names() {
        let entry = viewed("2026-12-01T10:00:00Z", Actor::Telegram { user: 7 }, 12);
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            json,
            r#"{"at":"2026-12-01T10:00:00Z","actor":{"kind":"telegram","user":7},"action":{"kind":"viewed","ticket":12,"surface":"history"}}"#
        );
        assert_eq!(serde_json::from_str::<AuditEntry>(&json).unwrap(), entry);
    }
}

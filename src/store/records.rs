//! What the store writes: versioned serde records, converted to and from domain types.
//!
//! Domain types are never persisted directly, so the ticket module can change shape
//! without breaking files on disk. Each record carries `v`; a reader that meets a version
//! it does not know refuses the record rather than guessing.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::csat::{Rating, Scale, Survey};
use crate::deadline::{DeadlineKind, Mark};
use crate::duration::Span;
use crate::history::{Actor, Entry, EntryKind};
use crate::store::StoreError;
use crate::ticket::{Answer, Customer, Escalation, Priority, Status, Ticket, TicketId, Topic};

pub const TICKET_RECORD_VERSION: u32 = 1;
pub const ENTRY_RECORD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
pub struct TicketRecord {
    pub v: u32,
    pub id: u64,
    pub customer: CustomerRecord,
    pub form: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub priority: Priority,
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<u64>,
    #[serde(default)]
    pub tags: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<(i64, i32)>,
    /// The ticket's staff group by name; absent in records written before groups were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_since: Option<Timestamp>,
    #[serde(default)]
    pub awaiting_total_secs: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub reopened: u32,
    #[serde(default)]
    pub unreachable: bool,
    /// Escalations in force as (history seq, who it went to).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<(u32, Vec<u64>)>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalation_held: bool,
    /// The satisfaction survey, once asked; absent in records written before surveys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<SurveyRecord>,
    pub next_seq: u32,
}

/// What [`super::Tx::save_ticket`] needs of the stored ticket it replaces: the keys of its
/// index rows and its metric labels. The rest of the record (the customer, the answers, most
/// instants) is skipped, not decoded into a whole `Ticket` to be dropped.
#[derive(Deserialize)]
pub struct TicketKeysRecord {
    pub v: u32,
    pub form: String,
    #[serde(default)]
    pub category: Option<String>,
    pub priority: Priority,
    pub status: Status,
    #[serde(default)]
    pub assignee: Option<u64>,
    #[serde(default)]
    pub tags: BTreeSet<String>,
    #[serde(default)]
    pub topic: Option<(i64, i32)>,
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub group: Option<String>,
}

impl TicketKeysRecord {
    /// Refuses a version this build does not know, as [`TicketRecord::into_ticket`] does.
    pub fn checked(self) -> Result<TicketKeysRecord, StoreError> {
        if self.v != TICKET_RECORD_VERSION {
            return Err(StoreError::RecordVersion { what: "ticket", version: self.v });
        }
        Ok(self)
    }
}

/// A ticket's satisfaction survey (see `csat::Survey`); the scale by name, so a rating's
/// value reads the same whatever the desk's settings are now.
#[derive(Serialize, Deserialize)]
pub struct SurveyRecord {
    pub asked_at: Timestamp,
    pub expires_at: Timestamp,
    pub scale: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(default)]
    pub answers: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_comment: bool,
}

#[derive(Serialize, Deserialize)]
pub struct CustomerRecord {
    pub id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct EntryRecord {
    pub v: u32,
    pub at: Timestamp,
    /// `customer:ID`, `agent:ID` or `desk`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    pub kind: EntryKindRecord,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKindRecord {
    Created {
        form: String,
    },
    CustomerMessage {
        text: String,
        /// The message's sentiment score, kept since it was scored once on the way in;
        /// absent in entries written before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sentiment: Option<f64>,
    },
    AgentReply {
        text: String,
    },
    /// Since the templates: an older build cannot read it, older records read as before.
    TemplateUsed {
        template: String,
        version: String,
    },
    Note {
        text: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Assigned {
        from: Option<u64>,
        to: Option<u64>,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    Tagged {
        tag: String,
    },
    Untagged {
        tag: String,
    },
    Escalated {
        to: Vec<u64>,
        reason: String,
    },
    Deescalated {
        escalation: u32,
    },
    EscalationHold {
        held: bool,
    },
    KeptOpen,
    Notified {
        text: String,
    },
    Reachability {
        unreachable: bool,
    },
    TopicChanged {
        chat_id: i64,
        thread_id: i32,
    },
    System {
        text: String,
    },
    /// `timer` is the deadline kind's name (`first_response`, `auto_close`, ...).
    Timer {
        timer: String,
        since: u32,
        step: u8,
    },
    /// `scale` by name (`five`, `good_bad`).
    CsatAsked {
        scale: String,
        expires_at: Timestamp,
    },
    CsatRated {
        scale: String,
        value: u8,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ask_comment: bool,
    },
    CsatCommented {
        text: String,
    },
}

impl From<&Ticket> for TicketRecord {
    fn from(t: &Ticket) -> TicketRecord {
        TicketRecord {
            v: TICKET_RECORD_VERSION,
            id: t.id.0,
            customer: CustomerRecord {
                id: t.customer.id,
                name: t.customer.name.clone(),
                username: t.customer.username.clone(),
                language: t.customer.language.clone(),
            },
            form: t.form.clone(),
            category: t.category.clone(),
            priority: t.priority,
            answers: t.answers.clone(),
            status: t.status,
            assignee: t.assignee,
            tags: t.tags.clone(),
            topic: t.topic.map(|topic| (topic.chat_id, topic.thread_id)),
            group: t.group.clone(),
            card: t.card,
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: t.first_response_at,
            awaiting_since: t.awaiting_since,
            awaiting_total_secs: t.awaiting_total.as_secs(),
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            reopened: t.reopened,
            unreachable: t.unreachable,
            escalations: t.escalations.iter().map(|e| (e.seq, e.to.clone())).collect(),
            escalation_held: t.escalation_held,
            csat: t.csat.as_ref().map(|survey| SurveyRecord {
                asked_at: survey.asked_at,
                expires_at: survey.expires_at,
                scale: survey.scale.as_str().to_owned(),
                rating: survey.rating.map(|rating| rating.value),
                answers: survey.answers,
                comment: survey.comment.clone(),
                awaiting_comment: survey.awaiting_comment,
            }),
            next_seq: t.next_seq,
        }
    }
}

impl TicketRecord {
    pub fn into_ticket(self) -> Result<Ticket, StoreError> {
        if self.v != TICKET_RECORD_VERSION {
            return Err(StoreError::RecordVersion { what: "ticket", version: self.v });
        }
        let csat = match self.csat {
            Some(survey) => {
                let scale = parse_scale(&survey.scale)?;
                let rating = match survey.rating {
                    Some(value) => Some(rating_of(scale, value)?),
                    None => None,
                };
                Some(Survey {
                    asked_at: survey.asked_at,
                    expires_at: survey.expires_at,
                    scale,
                    rating,
                    answers: survey.answers,
                    comment: survey.comment,
                    awaiting_comment: survey.awaiting_comment,
                })
            }
            None => None,
        };
        Ok(Ticket {
            id: TicketId(self.id),
            customer: Customer {
                id: self.customer.id,
                name: self.customer.name,
                username: self.customer.username,
                language: self.customer.language,
            },
            form: self.form,
            category: self.category,
            priority: self.priority,
            answers: self.answers,
            status: self.status,
            assignee: self.assignee,
            tags: self.tags,
            topic: self.topic.map(|(chat_id, thread_id)| Topic { chat_id, thread_id }),
            group: self.group,
            card: self.card,
            created_at: self.created_at,
            updated_at: self.updated_at,
            first_response_at: self.first_response_at,
            awaiting_since: self.awaiting_since,
            awaiting_total: Span::from_secs(self.awaiting_total_secs),
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            reopened: self.reopened,
            unreachable: self.unreachable,
            escalations: self.escalations.into_iter().map(|(seq, to)| Escalation { seq, to }).collect(),
            escalation_held: self.escalation_held,
            csat,
            next_seq: self.next_seq,
        })
    }
}

impl From<&Entry> for EntryRecord {
    fn from(e: &Entry) -> EntryRecord {
        let actor = match e.actor {
            Actor::Customer(id) => format!("customer:{id}"),
            Actor::Agent(id) => format!("agent:{id}"),
            Actor::System => "desk".to_owned(),
        };
        let kind = match &e.kind {
            EntryKind::Created { form } => EntryKindRecord::Created { form: form.clone() },
            EntryKind::CustomerMessage { text, sentiment } => {
                EntryKindRecord::CustomerMessage { text: text.clone(), sentiment: *sentiment }
            }
            EntryKind::AgentReply { text } => EntryKindRecord::AgentReply { text: text.clone() },
            EntryKind::TemplateUsed { template, version } => {
                EntryKindRecord::TemplateUsed { template: template.clone(), version: version.clone() }
            }
            EntryKind::Note { text } => EntryKindRecord::Note { text: text.clone() },
            EntryKind::StatusChanged { from, to } => EntryKindRecord::StatusChanged { from: *from, to: *to },
            EntryKind::Assigned { from, to } => EntryKindRecord::Assigned { from: *from, to: *to },
            EntryKind::PriorityChanged { from, to } => {
                EntryKindRecord::PriorityChanged { from: *from, to: *to }
            }
            EntryKind::Tagged { tag } => EntryKindRecord::Tagged { tag: tag.clone() },
            EntryKind::Untagged { tag } => EntryKindRecord::Untagged { tag: tag.clone() },
            EntryKind::Escalated { to, reason } => {
                EntryKindRecord::Escalated { to: to.clone(), reason: reason.clone() }
            }
            EntryKind::Deescalated { escalation } => EntryKindRecord::Deescalated { escalation: *escalation },
            EntryKind::EscalationHold { held } => EntryKindRecord::EscalationHold { held: *held },
            EntryKind::KeptOpen => EntryKindRecord::KeptOpen,
            EntryKind::Notified { text } => EntryKindRecord::Notified { text: text.clone() },
            EntryKind::Reachability { unreachable } => {
                EntryKindRecord::Reachability { unreachable: *unreachable }
            }
            EntryKind::TopicChanged { topic } => {
                EntryKindRecord::TopicChanged { chat_id: topic.chat_id, thread_id: topic.thread_id }
            }
            EntryKind::System { text } => EntryKindRecord::System { text: text.clone() },
            EntryKind::Timer(mark) => EntryKindRecord::Timer {
                timer: mark.kind.as_str().to_owned(),
                since: mark.since,
                step: mark.step,
            },
            EntryKind::CsatAsked { scale, expires_at } => {
                EntryKindRecord::CsatAsked { scale: scale.as_str().to_owned(), expires_at: *expires_at }
            }
            EntryKind::CsatRated { rating, ask_comment } => EntryKindRecord::CsatRated {
                scale: rating.scale.as_str().to_owned(),
                value: rating.value,
                ask_comment: *ask_comment,
            },
            EntryKind::CsatCommented { text } => EntryKindRecord::CsatCommented { text: text.clone() },
        };
        EntryRecord { v: ENTRY_RECORD_VERSION, at: e.at, actor, rules: e.rules.clone(), kind }
    }
}

impl EntryRecord {
    pub fn into_entry(self, seq: u32) -> Result<Entry, StoreError> {
        if self.v != ENTRY_RECORD_VERSION {
            return Err(StoreError::RecordVersion { what: "history entry", version: self.v });
        }
        let actor = parse_actor(&self.actor)
            .ok_or_else(|| StoreError::Corrupt(format!("history entry {seq} has actor `{}`", self.actor)))?;
        let kind = match self.kind {
            EntryKindRecord::Created { form } => EntryKind::Created { form },
            EntryKindRecord::CustomerMessage { text, sentiment } => {
                EntryKind::CustomerMessage { text, sentiment }
            }
            EntryKindRecord::AgentReply { text } => EntryKind::AgentReply { text },
            EntryKindRecord::TemplateUsed { template, version } => {
                EntryKind::TemplateUsed { template, version }
            }
            EntryKindRecord::Note { text } => EntryKind::Note { text },
            EntryKindRecord::StatusChanged { from, to } => EntryKind::StatusChanged { from, to },
            EntryKindRecord::Assigned { from, to } => EntryKind::Assigned { from, to },
            EntryKindRecord::PriorityChanged { from, to } => EntryKind::PriorityChanged { from, to },
            EntryKindRecord::Tagged { tag } => EntryKind::Tagged { tag },
            EntryKindRecord::Untagged { tag } => EntryKind::Untagged { tag },
            EntryKindRecord::Escalated { to, reason } => EntryKind::Escalated { to, reason },
            EntryKindRecord::Deescalated { escalation } => EntryKind::Deescalated { escalation },
            EntryKindRecord::EscalationHold { held } => EntryKind::EscalationHold { held },
            EntryKindRecord::KeptOpen => EntryKind::KeptOpen,
            EntryKindRecord::Notified { text } => EntryKind::Notified { text },
            EntryKindRecord::Reachability { unreachable } => EntryKind::Reachability { unreachable },
            EntryKindRecord::TopicChanged { chat_id, thread_id } => {
                EntryKind::TopicChanged { topic: Topic { chat_id, thread_id } }
            }
            EntryKindRecord::System { text } => EntryKind::System { text },
            EntryKindRecord::Timer { timer, since, step } => {
                let kind = DeadlineKind::from_name(&timer).ok_or_else(|| {
                    StoreError::Corrupt(format!("history entry {seq} names unknown timer `{timer}`"))
                })?;
                EntryKind::Timer(Mark { kind, since, step })
            }
            EntryKindRecord::CsatAsked { scale, expires_at } => {
                EntryKind::CsatAsked { scale: parse_scale(&scale)?, expires_at }
            }
            EntryKindRecord::CsatRated { scale, value, ask_comment } => {
                EntryKind::CsatRated { rating: rating_of(parse_scale(&scale)?, value)?, ask_comment }
            }
            EntryKindRecord::CsatCommented { text } => EntryKind::CsatCommented { text },
        };
        Ok(Entry { seq, at: self.at, actor, rules: self.rules, kind })
    }
}

pub(super) fn parse_scale(name: &str) -> Result<Scale, StoreError> {
    name.parse().map_err(StoreError::Corrupt)
}

pub(super) fn rating_of(scale: Scale, value: u8) -> Result<Rating, StoreError> {
    scale.rating(value).ok_or_else(|| {
        StoreError::Corrupt(format!("a satisfaction rating of {value} on the {} scale", scale.as_str()))
    })
}

fn parse_actor(text: &str) -> Option<Actor> {
    if text == "desk" {
        return Some(Actor::System);
    }
    let (role, id) = text.split_once(':')?;
    let id = id.parse().ok()?;
    match role {
        "customer" => Some(Actor::Customer(id)),
        "agent" => Some(Actor::Agent(id)),
        _ => None,
    }
}

/// Encodes a record; records are plain data, so encoding cannot fail.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(record).expect("records hold only strings, numbers and maps with string keys")
}

/// Decodes a record. The bytes are checked as UTF-8 once, whole, and then read as text:
/// reading them as bytes checked every string and every key apart, a call each (a ticket
/// record holds some forty), which cost more than the one check of the record.
pub fn decode<'a, T: Deserialize<'a>>(what: &'static str, bytes: &'a [u8]) -> Result<T, StoreError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|error| StoreError::Corrupt(format!("unreadable {what} record: {error}")))?;
    serde_json::from_str(text)
        .map_err(|error| StoreError::Corrupt(format!("unreadable {what} record: {error}")))
}

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
use crate::metrics::{CsatFacts, Escalations, Facts, Labels, SentimentSum};
use crate::store::StoreError;
use crate::ticket::{Answer, Customer, Escalation, Priority, Status, Ticket, TicketId, Topic};

pub const TICKET_RECORD_VERSION: u32 = 1;
pub const ENTRY_RECORD_VERSION: u32 = 1;
pub const FACTS_RECORD_VERSION: u32 = 4;

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

fn parse_scale(name: &str) -> Result<Scale, StoreError> {
    name.parse().map_err(StoreError::Corrupt)
}

fn rating_of(scale: Scale, value: u8) -> Result<Rating, StoreError> {
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

/// A ticket's metric facts (see `metrics::Facts`), one record per ticket, rewritten at
/// every append: short field names, instants as integer nanoseconds, zero counters left out.
///
/// Version 2 writes `created_at` as nanoseconds since the Unix epoch and every other
/// instant as nanoseconds after `created_at` ([`At`]). Version 1 (long names, RFC 3339
/// text) still reads: each version 2 name has its version 1 name as an alias, and [`At`]
/// reads text as the instant it names.
///
/// Version 3 adds the ticket's grouping labels (`metrics::Labels`: form, priority,
/// category, assignee, tags), kept equal to the ticket's by `Tx::save_ticket` and
/// `Tx::append_history`, so a report reads this table alone. A record of version 1 or 2
/// has no labels (`form` absent): its reader takes them from the ticket. Version 4 adds the
/// staff group holding the ticket's topic; a version 3 record counts as one without labels.
#[derive(Serialize, Deserialize)]
pub struct FactsRecord {
    pub v: u32,
    #[serde(rename = "f", alias = "folded")]
    pub folded: u32,
    #[serde(rename = "c", alias = "created_at")]
    pub created_at: At,
    #[serde(rename = "s", alias = "status")]
    pub status: Status,
    #[serde(rename = "ss", alias = "statuses", default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<(At, Status)>,
    #[serde(rename = "fr", alias = "first_reply_at", default, skip_serializing_if = "Option::is_none")]
    pub first_reply_at: Option<At>,
    #[serde(rename = "ar", alias = "agent_replies", default, skip_serializing_if = "is_zero")]
    pub agent_replies: u32,
    #[serde(rename = "cm", alias = "customer_messages", default, skip_serializing_if = "is_zero")]
    pub customer_messages: u32,
    #[serde(rename = "w", alias = "waiting_since", default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<At>,
    #[serde(rename = "nr", alias = "next_replies", default, skip_serializing_if = "Vec::is_empty")]
    pub next_replies: Vec<(At, At)>,
    #[serde(rename = "r1", alias = "first_resolved_at", default, skip_serializing_if = "Option::is_none")]
    pub first_resolved_at: Option<At>,
    #[serde(rename = "rl", alias = "last_resolved_at", default, skip_serializing_if = "Option::is_none")]
    pub last_resolved_at: Option<At>,
    #[serde(rename = "cl", alias = "closed_at", default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<At>,
    #[serde(rename = "ro", alias = "reopens", default, skip_serializing_if = "is_zero")]
    pub reopens: u32,
    #[serde(rename = "pc", alias = "priority_changes", default, skip_serializing_if = "is_zero")]
    pub priority_changes: u32,
    /// Breached stretches per SLA metric: first response, next response, resolution.
    #[serde(rename = "b", alias = "breaches", default, skip_serializing_if = "all_zero")]
    pub breaches: [u32; 3],
    #[serde(rename = "bs", alias = "breached_since", default, skip_serializing_if = "all_none")]
    pub breached_since: [Option<u32>; 3],
    /// Escalations by trigger: manual, breach, age, rule.
    #[serde(rename = "e", alias = "escalations", default, skip_serializing_if = "all_zero")]
    pub escalations: [u32; 4],
    /// Customer messages' sentiment: messages, total, first, last.
    #[serde(rename = "se", alias = "sentiment", default, skip_serializing_if = "no_sentiment")]
    pub sentiment: (u32, f64, f64, f64),
    /// The last breach or age mark: when, the timer's name, its stretch.
    #[serde(rename = "m", alias = "last_mark", default, skip_serializing_if = "Option::is_none")]
    pub last_mark: Option<(At, String, u32)>,
    /// The ticket's intake form; present exactly when the record holds the labels below
    /// (version 3 on).
    #[serde(rename = "fo", default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(rename = "ca", default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<u64>,
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The staff group holding the ticket's topic (version 4 on).
    #[serde(rename = "sg", default, skip_serializing_if = "Option::is_none")]
    pub staff_chat: Option<i64>,
    /// The satisfaction survey: when asked, the scale's name, the latest rating (0: none
    /// yet), whether a comment came. Absent before surveys existed and for tickets never asked.
    #[serde(rename = "cs", default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<(At, String, u8, bool)>,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's `skip_serializing_if` passes a reference")]
fn is_zero(count: &u32) -> bool {
    *count == 0
}

fn all_zero<const N: usize>(counts: &[u32; N]) -> bool {
    counts.iter().all(|count| *count == 0)
}

fn all_none(stretches: &[Option<u32>; 3]) -> bool {
    stretches.iter().all(Option::is_none)
}

fn no_sentiment(sentiment: &(u32, f64, f64, f64)) -> bool {
    *sentiment == (0, 0.0, 0.0, 0.0)
}

/// An instant in a facts record: integer nanoseconds after a base (the Unix epoch for
/// `created_at`, `created_at` for the rest), or RFC 3339 text, which version 1 wrote
/// everywhere and version 2 writes only for an offset beyond an `i64` (about 292 years).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum At {
    Nanos(i64),
    Text(Timestamp),
}

impl At {
    fn after(base: Timestamp, at: Timestamp) -> At {
        i64::try_from(at.as_nanosecond() - base.as_nanosecond()).map_or(At::Text(at), At::Nanos)
    }

    fn from(self, base: Timestamp) -> Result<Timestamp, StoreError> {
        match self {
            At::Text(at) => Ok(at),
            At::Nanos(nanos) => Timestamp::from_nanosecond(base.as_nanosecond() + i128::from(nanos))
                .map_err(|_| StoreError::Corrupt(format!("facts hold an instant out of range: {nanos} ns"))),
        }
    }
}

impl Serialize for At {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            At::Nanos(nanos) => serializer.serialize_i64(*nanos),
            At::Text(at) => at.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<At, D::Error> {
        struct AtVisitor;
        impl serde::de::Visitor<'_> for AtVisitor {
            type Value = At;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("integer nanoseconds or an RFC 3339 instant")
            }
            fn visit_i64<E: serde::de::Error>(self, nanos: i64) -> Result<At, E> {
                Ok(At::Nanos(nanos))
            }
            fn visit_u64<E: serde::de::Error>(self, nanos: u64) -> Result<At, E> {
                i64::try_from(nanos).map(At::Nanos).map_err(|_| E::custom("nanoseconds beyond an i64"))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<At, E> {
                text.parse().map(At::Text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AtVisitor)
    }
}

impl From<&Facts> for FactsRecord {
    fn from(f: &Facts) -> FactsRecord {
        let e = f.escalations;
        let s = f.sentiment;
        let base = f.created_at;
        let at = |t: Timestamp| At::after(base, t);
        FactsRecord {
            v: FACTS_RECORD_VERSION,
            folded: f.folded,
            created_at: At::after(Timestamp::UNIX_EPOCH, base),
            status: f.status,
            statuses: f.statuses.iter().map(|(t, status)| (at(*t), *status)).collect(),
            first_reply_at: f.first_reply_at.map(at),
            agent_replies: f.agent_replies,
            customer_messages: f.customer_messages,
            waiting_since: f.waiting_since.map(at),
            next_replies: f.next_replies.iter().map(|(since, reply)| (at(*since), at(*reply))).collect(),
            first_resolved_at: f.first_resolved_at.map(at),
            last_resolved_at: f.last_resolved_at.map(at),
            closed_at: f.closed_at.map(at),
            reopens: f.reopens,
            priority_changes: f.priority_changes,
            breaches: f.breaches,
            breached_since: f.breached_since,
            escalations: [e.manual, e.breach, e.age, e.rule],
            sentiment: (s.messages, s.total, s.first, s.last),
            last_mark: f.last_mark.map(|(t, kind, since)| (at(t), kind.as_str().to_owned(), since)),
            form: None,
            priority: None,
            category: None,
            assignee: None,
            tags: Vec::new(),
            staff_chat: None,
            csat: f.csat.map(|csat| {
                let scale = csat.rating.map_or(crate::csat::Scale::Five, |rating| rating.scale);
                let value = csat.rating.map_or(0, |rating| rating.value);
                (at(csat.asked_at), scale.as_str().to_owned(), value, csat.commented)
            }),
        }
    }
}

impl FactsRecord {
    /// The record of `facts`, holding `labels` when they are known.
    pub fn of(facts: &Facts, labels: Option<&Labels>) -> FactsRecord {
        FactsRecord {
            form: labels.map(|l| l.form.clone()),
            priority: labels.map(|l| l.priority),
            category: labels.and_then(|l| l.category.clone()),
            assignee: labels.and_then(|l| l.assignee),
            tags: labels.map(|l| l.tags.clone()).unwrap_or_default(),
            staff_chat: labels.and_then(|l| l.staff_chat),
            ..FactsRecord::from(facts)
        }
    }

    /// The ticket's labels, if the record holds them all (version 4 on; a version 3 record
    /// lacks the staff group, so its reader takes them from the ticket).
    pub fn take_labels(&mut self) -> Option<Labels> {
        if self.v < 4 {
            return None;
        }
        let (form, priority) = (self.form.take()?, self.priority?);
        Some(Labels {
            assignee: self.assignee,
            category: self.category.take(),
            priority,
            form,
            tags: std::mem::take(&mut self.tags),
            staff_chat: self.staff_chat,
        })
    }

    /// The facts and the labels of a record of this version or an earlier one.
    pub fn into_parts(mut self) -> Result<(Facts, Option<Labels>), StoreError> {
        let labels = self.take_labels();
        Ok((self.into_facts()?, labels))
    }

    /// The facts of a record of this version or of versions 1 and 2.
    pub fn into_facts(self) -> Result<Facts, StoreError> {
        if !(1..=FACTS_RECORD_VERSION).contains(&self.v) {
            return Err(StoreError::RecordVersion { what: "facts", version: self.v });
        }
        let base = self.created_at.from(Timestamp::UNIX_EPOCH)?;
        let at = |t: At| t.from(base);
        let opt = |t: Option<At>| t.map(at).transpose();
        let last_mark = match self.last_mark {
            Some((t, name, since)) => {
                let kind = DeadlineKind::from_name(&name)
                    .ok_or_else(|| StoreError::Corrupt(format!("facts name unknown timer `{name}`")))?;
                Some((at(t)?, kind, since))
            }
            None => None,
        };
        let csat = match self.csat {
            Some((asked_at, scale, value, commented)) => {
                let rating = match value {
                    0 => None,
                    value => Some(rating_of(parse_scale(&scale)?, value)?),
                };
                Some(CsatFacts { asked_at: at(asked_at)?, rating, commented })
            }
            None => None,
        };
        let [manual, breach, age, rule] = self.escalations;
        let (messages, total, first, last) = self.sentiment;
        Ok(Facts {
            folded: self.folded,
            created_at: base,
            status: self.status,
            statuses: self
                .statuses
                .into_iter()
                .map(|(t, status)| Ok((at(t)?, status)))
                .collect::<Result<_, StoreError>>()?,
            first_reply_at: opt(self.first_reply_at)?,
            agent_replies: self.agent_replies,
            customer_messages: self.customer_messages,
            waiting_since: opt(self.waiting_since)?,
            next_replies: self
                .next_replies
                .into_iter()
                .map(|(since, reply)| Ok((at(since)?, at(reply)?)))
                .collect::<Result<_, StoreError>>()?,
            first_resolved_at: opt(self.first_resolved_at)?,
            last_resolved_at: opt(self.last_resolved_at)?,
            closed_at: opt(self.closed_at)?,
            reopens: self.reopens,
            priority_changes: self.priority_changes,
            breaches: self.breaches,
            breached_since: self.breached_since,
            escalations: Escalations { manual, breach, age, rule },
            sentiment: SentimentSum { messages, total, first, last },
            last_mark,
            csat,
        })
    }
}

/// Encodes a record; records are plain data, so encoding cannot fail.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    serde_json::to_vec(record).expect("records hold only strings, numbers and maps with string keys")
}

pub fn decode<'a, T: Deserialize<'a>>(what: &'static str, bytes: &'a [u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|error| StoreError::Corrupt(format!("unreadable {what} record: {error}")))
}

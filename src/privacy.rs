//! Privacy, pure: what erasing a customer ("forget") takes from each kind of stored
//! record, and the requests the command line sends the running desk over its control
//! channel. Nothing here reads a file, a socket or the clock; the store applies the
//! decisions (`store::erase`), the desk queues what Telegram must do (`desk::forget`),
//! the host carries the requests (`host::control`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::outbox::{Call, Outgoing, Target};
use crate::ticket::{TicketId, Topic, UserId};

/// What a forget erased, in counts and the topics Telegram must delete: no name, no text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    /// The customer's tickets, removed with their history, facts and index entries.
    pub tickets: Vec<TicketId>,
    /// Their topics in the staff chat, to delete in Telegram.
    pub topics: Vec<Topic>,
    /// An intake session (and its live prompt) was removed.
    pub session: bool,
    /// Relayed message pairs removed (both directions count once).
    pub relayed: u64,
    /// Queued calls removed before they went out.
    pub outbox: u64,
    /// Dead letters (raw updates) that named the customer.
    pub dead_letters: u64,
    /// Questions the customer asked that an article answered.
    pub deflections: u64,
    /// Template uses on the customer's tickets.
    pub template_uses: u64,
}

impl Erased {
    /// Whether anything at all was held about the customer.
    pub fn is_empty(&self) -> bool {
        self == &Erased::default()
    }
}

/// Whether a queued call concerns the customer: it goes to their private chat, or it
/// belongs to one of their tickets (their words relayed into its topic, its card).
pub fn outbox_concerns(outgoing: &Outgoing, customer: UserId, tickets: &BTreeSet<TicketId>) -> bool {
    let customer_chat = customer as i64;
    if outgoing.chat_id == customer_chat || outgoing.ticket.is_some_and(|t| tickets.contains(&t)) {
        return true;
    }
    if let Call::Copy { from_chat, .. } = &outgoing.call
        && *from_chat == customer_chat
    {
        return true;
    }
    match &outgoing.call {
        Call::SendText { to, .. }
        | Call::Copy { to, .. }
        | Call::SendFile { to, .. }
        | Call::Resend { to, .. } => match to {
            Target::Chat { chat_id } => *chat_id == customer_chat,
            Target::Topic { ticket } => tickets.contains(ticket),
            // A line in a topic a ticket left names the ticket, never the customer's words.
            Target::Thread { .. } => false,
        },
        Call::EditRelayed { source, ticket, .. } => source.0 == customer_chat || tickets.contains(ticket),
        Call::EditText { chat_id, .. }
        | Call::EditReply { chat_id, .. }
        | Call::ReadBusiness { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. } => *chat_id == customer_chat,
        Call::CreateTopic { ticket, .. }
        | Call::EditTopic { ticket, .. }
        | Call::CloseTopic { ticket }
        | Call::ReopenTopic { ticket } => tickets.contains(ticket),
        _ => false,
    }
}

/// Whether a raw Telegram update (a dead letter keeps one) names the user: any `from`,
/// `chat`, `user` or `sender_chat` object with their id, at any depth.
pub fn update_names(update: &serde_json::Value, user: UserId) -> bool {
    match update {
        serde_json::Value::Object(fields) => fields.iter().any(|(key, value)| {
            let person = matches!(key.as_str(), "from" | "chat" | "user" | "sender_chat")
                && value.get("id").and_then(serde_json::Value::as_i64) == Some(user as i64);
            person || update_names(value, user)
        }),
        serde_json::Value::Array(items) => items.iter().any(|item| update_names(item, user)),
        _ => false,
    }
}

/// What a retention pass's content erasure leaves where a text, a name or a file id was.
pub const PLACEHOLDER: &str = "[erased]";

/// Replaces the customer's name and username, the form answers' texts and file ids and the
/// survey's comment by placeholders; everything a report or a timer reads (times, status,
/// priority, category, tags, assignee, escalations, the rating) stays. Returns whether
/// anything changed (erasing twice changes nothing).
pub fn erase_ticket_content(ticket: &mut crate::ticket::Ticket) -> bool {
    use crate::ticket::Answer;
    let before = ticket.clone();
    PLACEHOLDER.clone_into(&mut ticket.customer.name);
    ticket.customer.username = None;
    for answer in ticket.answers.values_mut() {
        match answer {
            Answer::Text(text) => PLACEHOLDER.clone_into(text),
            Answer::Choices(choices) => choices.iter_mut().for_each(|choice| PLACEHOLDER.clone_into(choice)),
            Answer::Files(files) => files.iter_mut().for_each(|file| PLACEHOLDER.clone_into(file)),
            Answer::Number(_) | Answer::Bool(_) => {}
        }
    }
    if let Some(survey) = &mut ticket.csat
        && survey.comment.is_some()
    {
        survey.comment = Some(PLACEHOLDER.to_owned());
    }
    *ticket != before
}

/// Replaces the words of a history entry (a customer's message or caption, a reply, a note,
/// a rule's notice, an escalation's reason, a system line, a survey comment) by a
/// placeholder; the entry's kind, time, actor and sentiment score stay. Returns whether it
/// changed.
pub fn erase_entry_content(kind: &mut crate::history::EntryKind) -> bool {
    use crate::history::EntryKind;
    let text = match kind {
        EntryKind::CustomerMessage { text, .. }
        | EntryKind::AgentReply { text }
        | EntryKind::Note { text }
        | EntryKind::Notified { text }
        | EntryKind::System { text }
        | EntryKind::CsatCommented { text } => text,
        EntryKind::Escalated { reason, .. } => reason,
        _ => return false,
    };
    if text == PLACEHOLDER {
        return false;
    }
    PLACEHOLDER.clone_into(text);
    true
}

/// What a forget does with each table of the store, by name: the one place that says so,
/// checked against the store's list of tables (a new table without a line here fails the
/// store's test, so erasure never silently misses one).
pub const TABLE_FATES: &[(&str, Fate)] = &[
    ("meta", Fate::NoPersonalData),
    ("counters", Fate::NoPersonalData),
    ("tickets", Fate::ErasedByTicket),
    ("history", Fate::ErasedByTicket),
    ("history_log", Fate::ErasedByTicket),
    ("history_head", Fate::ErasedByTicket),
    ("facts", Fate::ErasedByTicket),
    ("by_status", Fate::ErasedByTicket),
    ("by_assignee", Fate::ErasedByTicket),
    ("by_customer", Fate::ErasedByCustomer),
    ("by_topic", Fate::ErasedByTicket),
    ("deadlines", Fate::ErasedByTicket),
    ("deadline_of", Fate::ErasedByTicket),
    ("outbox", Fate::Scanned),
    ("sessions", Fate::ErasedByCustomer),
    ("prompts", Fate::ErasedByCustomer),
    ("relayed", Fate::ErasedByCustomer),
    ("dead_letters", Fate::Scanned),
    ("templates", Fate::NoPersonalData),
    ("template_uses", Fate::ErasedByTicket),
    ("deflections", Fate::Scanned),
    ("audit", Fate::NoPersonalData),
    // The company's own accounts, never a customer's.
    ("business_connections", Fate::NoPersonalData),
    ("by_closed", Fate::ErasedByTicket),
    // Which business account a customer writes through, by their id.
    ("business_doors", Fate::ErasedByCustomer),
    // Replies waiting for a business account's customer, by their id.
    ("business_held", Fate::ErasedByCustomer),
];

/// How a table is erased for one customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Keyed by the customer (their id, their private chat): the rows are removed.
    ErasedByCustomer,
    /// Keyed by or naming a ticket: the rows of the customer's tickets are removed.
    ErasedByTicket,
    /// Every row is read and those naming the customer are removed.
    Scanned,
    /// Holds nothing about any customer (schema, counters, team's templates, the audit
    /// log's counts and ids).
    NoPersonalData,
}

/// The socket file of the control channel, beside the data file.
pub const SOCKET_NAME: &str = "topicdesk.sock";

/// A request over the control channel: one JSON object on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Erase everything held about the customer and delete their topics.
    Forget { customer: UserId, actor: String },
    /// Compact the data file (erased pages given back, erased bytes overwritten).
    Compact { actor: String },
    /// Append these entries to the audit log (views made at the command line).
    Record { entries: Vec<crate::audit::AuditEntry> },
    /// Apply the dead letters of these updates again (all of them when empty).
    RetryDeadLetters { update_ids: Vec<i64> },
}

/// The answer to a request: one JSON object on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    Forgotten {
        erased: Erased,
    },
    Compacted {
        bytes_before: u64,
        bytes_after: u64,
        millis: u64,
    },
    Recorded {
        entries: u64,
    },
    /// Dead letters tried again: how many were applied, how many failed again (and stay).
    Retried {
        applied: u64,
        failed: u64,
    },
    Failed {
        error: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Lane;

    fn text_to(to: Target) -> Call {
        Call::SendText { to, text: "x".into(), reply_to: None, buttons: Vec::new(), report: None }
    }

    #[test]
    fn an_entry_concerns_the_customer_by_chat_or_ticket_only() {
        let tickets: BTreeSet<TicketId> = [TicketId(7)].into();
        let to_customer = Outgoing {
            chat_id: 42,
            lane: Lane::Message,
            ticket: None,
            call: text_to(Target::Chat { chat_id: 42 }),
        };
        let to_topic = Outgoing {
            chat_id: -100,
            lane: Lane::Message,
            ticket: Some(TicketId(7)),
            call: text_to(Target::Topic { ticket: TicketId(7) }),
        };
        let other = Outgoing {
            chat_id: -100,
            lane: Lane::Message,
            ticket: Some(TicketId(8)),
            call: text_to(Target::Topic { ticket: TicketId(8) }),
        };
        let general = Outgoing {
            chat_id: -100,
            lane: Lane::Message,
            ticket: None,
            call: text_to(Target::Chat { chat_id: -100 }),
        };
        assert!(outbox_concerns(&to_customer, 42, &tickets));
        assert!(outbox_concerns(&to_topic, 42, &tickets));
        assert!(!outbox_concerns(&other, 42, &tickets));
        assert!(!outbox_concerns(&general, 42, &tickets));
    }

    #[test]
    fn an_update_names_a_user_in_from_chat_or_user_at_any_depth() {
        let update = serde_json::json!({
            "update_id": 5,
            "callback_query": {"id": "1", "from": {"id": 42, "first_name": "A"},
                "message": {"chat": {"id": -100, "type": "supergroup"}}}
        });
        assert!(update_names(&update, 42));
        assert!(!update_names(&update, 43));
        // A message id equal to the user's id is no mention.
        let update = serde_json::json!({"message": {"message_id": 42, "chat": {"id": 1}}});
        assert!(!update_names(&update, 42));
    }

    #[test]
    fn requests_and_answers_are_one_json_line() {
        let request = Request::Forget { customer: 42, actor: "root".into() };
        let line = serde_json::to_string(&request).unwrap();
        assert_eq!(line, r#"{"request":"forget","customer":42,"actor":"root"}"#);
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), request);
    }
}

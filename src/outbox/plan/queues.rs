//! The queues calls keep order in (a ticket's topic, a topic's creation with its card, a
//! chat, a button's answer) and where each call goes once its ticket's topic is known.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::Place;
use crate::outbox::call::{Call, Report, Target};
use crate::ticket::TicketId;

/// The ticket whose topic `call` goes to or acts on.
pub(super) fn topic_of(call: &Call) -> Option<TicketId> {
    call.topic_ticket()
}

/// Where `call` goes: `None` while its ticket has no topic.
pub(super) fn place_of(call: &Call, topics: &HashMap<TicketId, Place>) -> Option<Place> {
    if let Some(ticket) = topic_of(call) {
        return topics.get(&ticket).copied();
    }
    if let Call::DeleteTopic { chat_id, thread_id }
    | Call::CloseThread { chat_id, thread_id }
    | Call::SendText { to: Target::Thread { chat_id, thread_id }, .. }
    | Call::Copy { to: Target::Thread { chat_id, thread_id }, .. }
    | Call::SendFile { to: Target::Thread { chat_id, thread_id }, .. }
    | Call::Resend { to: Target::Thread { chat_id, thread_id }, .. } = call
    {
        return Some(Place { chat_id: *chat_id, thread: Some(*thread_id) });
    }
    Some(match call {
        Call::SendText { to: Target::Chat { chat_id }, .. }
        | Call::Copy { to: Target::Chat { chat_id }, .. }
        | Call::SendFile { to: Target::Chat { chat_id }, .. }
        | Call::Resend { to: Target::Chat { chat_id }, .. }
        | Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. }
        | Call::Pin { chat_id, .. }
        | Call::EditReply { chat_id, .. }
        | Call::CreateTopic { chat_id, .. } => Place { chat_id: *chat_id, thread: None },
        _ => Place { chat_id: 0, thread: None },
    })
}

/// Kinds of queue: what goes into a ticket's topic, the topic's creation with its card,
/// a chat, a button's answer.
pub(super) const TOPIC_QUEUE: u8 = 1;
pub(super) const CREATION_QUEUE: u8 = 2;
pub(super) const CHAT_QUEUE: u8 = 3;
pub(super) const ANSWER_QUEUE: u8 = 4;

/// The ticket whose topic's creation `call` belongs to: creating it, or posting its card.
pub(super) fn creation_of(call: &Call) -> Option<TicketId> {
    match call {
        Call::CreateTopic { ticket, .. }
        | Call::SendText { to: Target::Topic { ticket }, report: Some(Report::Card { .. }), .. } => {
            Some(*ticket)
        }
        _ => None,
    }
}

/// The queue a call keeps order in, as a hash of its key.
pub(super) fn queue_of(key: (u8, i64)) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The queue a call keeps order in: a ticket's topic, a topic's creation, or a chat.
pub(super) fn queue_key(seq: u64, call: &Call) -> (u8, i64) {
    if let Some(ticket) = creation_of(call) {
        return (CREATION_QUEUE, ticket.0 as i64);
    }
    if let Some(ticket) = topic_of(call) {
        return (TOPIC_QUEUE, ticket.0 as i64);
    }
    match call {
        Call::SendText { to: Target::Chat { chat_id } | Target::Thread { chat_id, .. }, .. }
        | Call::Copy { to: Target::Chat { chat_id } | Target::Thread { chat_id, .. }, .. }
        | Call::SendFile { to: Target::Chat { chat_id } | Target::Thread { chat_id, .. }, .. }
        | Call::Resend { to: Target::Chat { chat_id } | Target::Thread { chat_id, .. }, .. }
        | Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. }
        | Call::DeleteTopic { chat_id, .. }
        | Call::CloseThread { chat_id, .. }
        | Call::EditReply { chat_id, .. }
        | Call::Pin { chat_id, .. }
        // After the reply it follows, in the customer's chat's order.
        | Call::ReadBusiness { chat_id, .. } => (CHAT_QUEUE, *chat_id),
        // Answering a button press or an inline query: a queue of its own each.
        _ => (ANSWER_QUEUE, seq as i64),
    }
}

/// The chat whose budget a call spends (0: none), given where it goes: a topic's call
/// spends its staff group's.
pub(super) fn budget_chat(call: &Call, place: Place) -> i64 {
    match call {
        Call::AnswerButton { .. } | Call::AnswerInline { .. } => 0,
        other => other.chat(place.chat_id),
    }
}

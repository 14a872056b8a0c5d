//! What the desk reads and writes, as a trait: the store's write transaction implements
//! it for the live desk, and an in-memory state can for replays. The desk never opens a
//! file or a transaction itself.

use crate::history::Entry;
use crate::outbox::Outgoing;
use crate::store::{Deadline, StoreError, Tx};
use crate::ticket::{Ticket, TicketId, Topic, UserId};

/// The desk's view of stored state inside one transaction.
pub trait State {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    fn next_ticket_id(&mut self) -> Result<TicketId, StoreError>;
    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StoreError>;
    fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StoreError>;
    fn history(&self, ticket: TicketId) -> Result<Vec<Entry>, StoreError>;
    /// Up to `limit` entries before `seq`, newest first.
    fn history_tail(&self, ticket: TicketId, seq: u32, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut history = self.history(ticket)?;
        history.retain(|entry| entry.seq < seq);
        Ok(history.into_iter().rev().take(limit).collect())
    }
    fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StoreError>;
    /// The customer's tickets, oldest first.
    fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StoreError>;
    fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StoreError>;
    fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StoreError>;
    fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StoreError>;
    /// The id of `message`'s relayed counterpart in `chat`, if it was relayed there.
    fn counterpart_in(&self, message: (i64, i32), chat: i64) -> Result<Option<i32>, StoreError> {
        Ok(self.counterparts(message)?.into_iter().find(|(other, _)| *other == chat).map(|(_, id)| id))
    }
    fn session_json(&self, customer: UserId) -> Result<Option<serde_json::Value>, StoreError>;
    /// Every intake session, by customer.
    fn sessions_json(&self) -> Result<Vec<(UserId, serde_json::Value)>, StoreError>;
    /// When the deadline of `kind` for `ticket` falls due, if one is set.
    fn deadline_of(&self, ticket: TicketId, kind: u8) -> Result<Option<jiff::Timestamp>, StoreError>;
    fn put_session_json(&mut self, customer: UserId, session: &serde_json::Value) -> Result<(), StoreError>;
    fn delete_session(&mut self, customer: UserId) -> Result<(), StoreError>;
    fn prompt(&self, customer: UserId) -> Result<Option<i32>, StoreError>;
    fn tickets_in_status(&self, status: crate::ticket::Status) -> Result<Vec<TicketId>, StoreError>;
    /// The agent's active tickets.
    fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StoreError>;
    fn counter(&self, name: &str) -> Result<Option<u64>, StoreError>;
    fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StoreError>;
    fn clear_deadline(&mut self, ticket: TicketId, kind: u8) -> Result<(), StoreError>;
    /// Deadlines due at or before `until`, earliest first.
    fn due(&self, until: jiff::Timestamp, limit: usize) -> Result<Vec<Deadline>, StoreError>;
    fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StoreError>;
    fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StoreError>;
}

impl State for Tx<'_> {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Tx::ticket(self, id)
    }
    fn next_ticket_id(&mut self) -> Result<TicketId, StoreError> {
        Tx::next_ticket_id(self)
    }
    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StoreError> {
        Tx::save_ticket(self, ticket)
    }
    fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StoreError> {
        Tx::append_history(self, ticket, entries)
    }
    fn history(&self, ticket: TicketId) -> Result<Vec<Entry>, StoreError> {
        Tx::history(self, ticket)
    }
    fn history_tail(&self, ticket: TicketId, seq: u32, limit: usize) -> Result<Vec<Entry>, StoreError> {
        Tx::history_tail(self, ticket, seq, limit)
    }
    fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StoreError> {
        Tx::ticket_by_topic(self, topic)
    }
    fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StoreError> {
        Tx::tickets_of_customer(self, customer)
    }
    fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StoreError> {
        Tx::enqueue(self, outgoing)
    }
    fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StoreError> {
        Tx::link_messages(self, a, b)
    }
    fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StoreError> {
        Tx::counterparts(self, message)
    }
    fn session_json(&self, customer: UserId) -> Result<Option<serde_json::Value>, StoreError> {
        Tx::session(self, customer)
    }
    fn sessions_json(&self) -> Result<Vec<(UserId, serde_json::Value)>, StoreError> {
        Tx::sessions(self)
    }
    fn deadline_of(&self, ticket: TicketId, kind: u8) -> Result<Option<jiff::Timestamp>, StoreError> {
        Tx::deadline_of(self, ticket, kind)
    }
    fn put_session_json(&mut self, customer: UserId, session: &serde_json::Value) -> Result<(), StoreError> {
        Tx::put_session(self, customer, session)
    }
    fn delete_session(&mut self, customer: UserId) -> Result<(), StoreError> {
        Tx::delete_session(self, customer)
    }
    fn prompt(&self, customer: UserId) -> Result<Option<i32>, StoreError> {
        Tx::prompt(self, customer)
    }
    fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StoreError> {
        Tx::tickets_of_assignee(self, agent)
    }
    fn tickets_in_status(&self, status: crate::ticket::Status) -> Result<Vec<TicketId>, StoreError> {
        Tx::tickets_in_status(self, status)
    }
    fn counter(&self, name: &str) -> Result<Option<u64>, StoreError> {
        Tx::counter(self, name)
    }
    fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StoreError> {
        Tx::set_deadline(self, deadline)
    }
    fn clear_deadline(&mut self, ticket: TicketId, kind: u8) -> Result<(), StoreError> {
        Tx::clear_deadline(self, ticket, kind)
    }
    fn due(&self, until: jiff::Timestamp, limit: usize) -> Result<Vec<Deadline>, StoreError> {
        Tx::due(self, until, limit)
    }
    fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StoreError> {
        Tx::set_counter(self, name, value)
    }
    fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StoreError> {
        Tx::set_prompt(self, customer, message_id)
    }
}

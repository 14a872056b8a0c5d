//! What the desk reads and writes, as a trait with its own error: the store's write
//! transaction implements it for the live desk, and [`MemoryState`](super::MemoryState)
//! for tests and replays (`simulate`, `topicdesk test`). The desk never opens a file or a
//! transaction itself.

use crate::audit::AuditEntry;
use crate::business::BusinessConnection;
use crate::history::Entry;
use crate::kb::Deflection;
use crate::metrics::{Facts, Labels};
use crate::outbox::{HeldWhy, Outgoing};
use crate::retention::{Cursor, Sweep};
use crate::sla::{Deadline, Timer};
use crate::store::{StoreError, Tx};
use crate::template::{SavedTemplate, TemplateUse};
use crate::ticket::{Ticket, TicketId, Topic, UserId};

/// Why the state could not answer or take a change. The desk passes it on as
/// [`DeskError::State`](super::DeskError::State); nothing was applied.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store's transaction failed: the file (full, unreadable, damaged) or a record
    /// this build cannot read. The host tells them apart to retry or set the input aside.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The desk's view of stored state inside one transaction.
pub trait State {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StateError>;
    fn next_ticket_id(&mut self) -> Result<TicketId, StateError>;
    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StateError>;
    fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StateError>;
    fn history(&self, ticket: TicketId) -> Result<Vec<Entry>, StateError>;
    /// Up to `limit` entries before `seq`, newest first.
    fn history_tail(&self, ticket: TicketId, seq: u32, limit: usize) -> Result<Vec<Entry>, StateError> {
        let mut history = self.history(ticket)?;
        history.retain(|entry| entry.seq < seq);
        Ok(history.into_iter().rev().take(limit).collect())
    }
    fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StateError>;
    /// The customer's tickets, oldest first.
    fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StateError>;
    fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StateError>;
    fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StateError>;
    fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StateError>;
    /// The id of `message`'s relayed counterpart in `chat`, if it was relayed there.
    fn counterpart_in(&self, message: (i64, i32), chat: i64) -> Result<Option<i32>, StateError> {
        Ok(self.counterparts(message)?.into_iter().find(|(other, _)| *other == chat).map(|(_, id)| id))
    }
    fn session_json(&self, customer: UserId) -> Result<Option<serde_json::Value>, StateError>;
    /// Every intake session, by customer.
    fn sessions_json(&self) -> Result<Vec<(UserId, serde_json::Value)>, StateError>;
    /// When the timer's deadline falls due, if one is set.
    fn deadline_of(&self, timer: Timer) -> Result<Option<jiff::Timestamp>, StateError>;
    fn put_session_json(&mut self, customer: UserId, session: &serde_json::Value) -> Result<(), StateError>;
    fn delete_session(&mut self, customer: UserId) -> Result<(), StateError>;
    fn prompt(&self, customer: UserId) -> Result<Option<i32>, StateError>;
    fn tickets_in_status(&self, status: crate::ticket::Status) -> Result<Vec<TicketId>, StateError>;
    /// The agent's active tickets.
    fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StateError>;
    /// How many active tickets (new, open, awaiting the customer) name staff group `group`,
    /// kept as tickets change: no scan.
    fn active_in_group(&self, group: &str) -> Result<u64, StateError>;
    fn counter(&self, name: &str) -> Result<Option<u64>, StateError>;
    /// Sets (or moves) the deadline of its timer.
    fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StateError>;
    fn clear_deadline(&mut self, timer: Timer) -> Result<(), StateError>;
    /// Deadlines due at or before `until`, earliest first (see [`Deadline`]'s order), at
    /// most `limit`. Due times are kept to the millisecond.
    fn due(&self, until: jiff::Timestamp, limit: usize) -> Result<Vec<Deadline>, StateError>;
    fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StateError>;
    /// Removes a named counter; whether it was there.
    fn remove_counter(&mut self, name: &str) -> Result<bool, StateError>;
    /// Every counter whose name starts with `prefix`, in name order.
    fn counters_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, u64)>, StateError>;
    /// Keeps a question an article answered before a ticket was opened.
    fn record_deflection(&mut self, deflection: &Deflection) -> Result<(), StateError>;
    /// Keeps a business connection as it now stands (by its id).
    fn save_business_connection(&mut self, connection: &BusinessConnection) -> Result<(), StateError>;
    /// Every business connection the desk has heard of, by id.
    fn business_connections(&self) -> Result<Vec<BusinessConnection>, StateError>;
    /// The business connection the customer writes through (their door), if any.
    fn door(&self, customer: UserId) -> Result<Option<String>, StateError>;
    /// Records (or, with `None`, forgets) the customer's door.
    fn set_door(&mut self, customer: UserId, connection: Option<&str>) -> Result<(), StateError>;
    /// The customer's latest message through their door not yet marked read, if any.
    fn unread(&self, customer: UserId) -> Result<Option<i32>, StateError>;
    /// Records the customer's latest unread message through their door (`None`: all read);
    /// without a door, nothing. Changing the door forgets it.
    fn set_unread(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError>;
    /// The calls held for a customer of a business account (`Delivery::Held`), in order.
    fn held(&self, customer: UserId) -> Result<Vec<Outgoing>, StateError>;
    /// What the calls held for the customer wait for (the reason the topic was told), when known.
    fn held_why(&self, customer: UserId) -> Result<Option<HeldWhy>, StateError>;
    /// Keeps the calls held for the customer and what they wait for; none forgets them.
    fn set_held(
        &mut self,
        customer: UserId,
        held: &[Outgoing],
        why: Option<HeldWhy>,
    ) -> Result<(), StateError>;
    /// The customers with calls held for them.
    fn held_customers(&self) -> Result<Vec<UserId>, StateError>;
    /// Every question an article answered, oldest first.
    fn deflections(&self) -> Result<Vec<Deflection>, StateError>;
    fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError>;
    /// Every ticket created at or after `since`, with its labels and its facts (folded from
    /// its history where none are kept), for a period's figures (`metrics::Period`).
    fn facts_since(
        &self,
        since: jiff::Timestamp,
        visit: &mut dyn FnMut(&Labels, &Facts),
    ) -> Result<(), StateError>;
    /// Every saved template version, by id then number.
    fn saved_templates(&self) -> Result<Vec<SavedTemplate>, StateError>;
    fn save_template(&mut self, saved: &SavedTemplate) -> Result<(), StateError>;
    /// Every template sent, oldest first.
    fn template_uses(&self) -> Result<Vec<TemplateUse>, StateError>;
    fn record_template_use(&mut self, used: &TemplateUse) -> Result<(), StateError>;
    /// Erases everything held about the customer (see `store::Tx::erase_customer`):
    /// their tickets, session, relayed pairs, queued calls about them, dead letters
    /// naming them, kept questions and template uses. Returns what went.
    fn erase_customer(&mut self, customer: UserId) -> Result<crate::privacy::Erased, StateError>;
    /// Appends an entry to the audit log (a view of a ticket, say).
    fn record_audit(&mut self, entry: &AuditEntry) -> Result<(), StateError>;
    /// Closed tickets after `after`, closed at or before `until` (unix milliseconds), in
    /// closing order (then number), at most `limit`: what a retention step takes next.
    fn closed_after(&self, after: Cursor, until: i64, limit: usize) -> Result<Vec<Cursor>, StateError>;
    /// Replaces the ticket's content by placeholders (see `privacy::erase_ticket_content`);
    /// whether the ticket exists.
    fn erase_ticket_content(&mut self, id: TicketId) -> Result<bool, StateError>;
    /// Removes the tickets entirely (see `store::Tx::delete_tickets`); their topics.
    fn delete_tickets(&mut self, ids: &[TicketId]) -> Result<Vec<Topic>, StateError>;
    /// Removes audit entries written before `before`, at most `limit`; how many went.
    fn prune_audit(&mut self, before: jiff::Timestamp, limit: usize) -> Result<u64, StateError>;
    /// When the oldest audit entry kept was written.
    fn oldest_audit(&self) -> Result<Option<jiff::Timestamp>, StateError>;
    /// Erases the text and asker of the kept questions from sequence number `from` on, in
    /// the order they were kept, asked at or before `until`, looking at `limit` at most
    /// (see `store::Tx::erase_questions`).
    fn erase_questions(
        &mut self,
        from: u64,
        until: jiff::Timestamp,
        limit: usize,
    ) -> Result<Sweep, StateError>;
    /// Removes dead letters first failed at or before `until`, at most `limit`.
    fn remove_old_dead_letters(&mut self, until: jiff::Timestamp, limit: usize) -> Result<Sweep, StateError>;
}

impl State for Tx<'_> {
    fn facts_since(
        &self,
        since: jiff::Timestamp,
        visit: &mut dyn FnMut(&Labels, &Facts),
    ) -> Result<(), StateError> {
        // Ticket ids do not follow creation time on every path (the desk's `now` is the
        // host's clock, which can step back), so every record is read rather than sought
        // from `since`. From the facts table alone when it answers for every ticket; the
        // visits wait until that is known.
        let mut found = Vec::new();
        let complete = self.for_each_facts(|labels, facts| {
            if facts.created_at >= since {
                found.push((labels.clone(), facts.clone()));
            }
            Ok::<_, StateError>(())
        })?;
        if complete {
            for (labels, facts) in &found {
                visit(labels, facts);
            }
            return Ok(());
        }
        drop(found);
        self.for_each_ticket_facts(|ticket, facts| {
            if ticket.created_at < since {
                return Ok::<_, StateError>(());
            }
            let facts = match facts {
                Some(facts) => facts,
                None => Facts::of_history(&Tx::history(self, ticket.id)?),
            };
            visit(&Labels::of(&ticket), &facts);
            Ok(())
        })
    }

    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StateError> {
        Ok(Tx::ticket(self, id)?)
    }
    fn next_ticket_id(&mut self) -> Result<TicketId, StateError> {
        Ok(Tx::next_ticket_id(self)?)
    }
    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StateError> {
        Ok(Tx::save_ticket(self, ticket)?)
    }
    fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StateError> {
        Ok(Tx::append_history(self, ticket, entries)?)
    }
    fn history(&self, ticket: TicketId) -> Result<Vec<Entry>, StateError> {
        Ok(Tx::history(self, ticket)?)
    }
    fn history_tail(&self, ticket: TicketId, seq: u32, limit: usize) -> Result<Vec<Entry>, StateError> {
        Ok(Tx::history_tail(self, ticket, seq, limit)?)
    }
    fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StateError> {
        Ok(Tx::ticket_by_topic(self, topic)?)
    }
    fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StateError> {
        Ok(Tx::tickets_of_customer(self, customer)?)
    }
    fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StateError> {
        Ok(Tx::enqueue(self, outgoing)?)
    }
    fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StateError> {
        Ok(Tx::link_messages(self, a, b)?)
    }
    fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StateError> {
        Ok(Tx::counterparts(self, message)?)
    }
    fn session_json(&self, customer: UserId) -> Result<Option<serde_json::Value>, StateError> {
        Ok(Tx::session(self, customer)?)
    }
    fn sessions_json(&self) -> Result<Vec<(UserId, serde_json::Value)>, StateError> {
        Ok(Tx::sessions(self)?)
    }
    fn deadline_of(&self, timer: Timer) -> Result<Option<jiff::Timestamp>, StateError> {
        Ok(Tx::deadline_of(self, timer)?)
    }
    fn put_session_json(&mut self, customer: UserId, session: &serde_json::Value) -> Result<(), StateError> {
        Ok(Tx::put_session(self, customer, session)?)
    }
    fn delete_session(&mut self, customer: UserId) -> Result<(), StateError> {
        Ok(Tx::delete_session(self, customer)?)
    }
    fn prompt(&self, customer: UserId) -> Result<Option<i32>, StateError> {
        Ok(Tx::prompt(self, customer)?)
    }
    fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StateError> {
        Ok(Tx::tickets_of_assignee(self, agent)?)
    }
    fn tickets_in_status(&self, status: crate::ticket::Status) -> Result<Vec<TicketId>, StateError> {
        Ok(Tx::tickets_in_status(self, status)?)
    }
    fn active_in_group(&self, group: &str) -> Result<u64, StateError> {
        Ok(Tx::active_in_group(self, group)?)
    }
    fn counter(&self, name: &str) -> Result<Option<u64>, StateError> {
        Ok(Tx::counter(self, name)?)
    }
    fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StateError> {
        Ok(Tx::set_deadline(self, deadline)?)
    }
    fn clear_deadline(&mut self, timer: Timer) -> Result<(), StateError> {
        Ok(Tx::clear_deadline(self, timer)?)
    }
    fn due(&self, until: jiff::Timestamp, limit: usize) -> Result<Vec<Deadline>, StateError> {
        Ok(Tx::due(self, until, limit)?)
    }
    fn record_deflection(&mut self, deflection: &Deflection) -> Result<(), StateError> {
        Ok(Tx::record_deflection(self, deflection)?)
    }

    fn save_business_connection(&mut self, connection: &BusinessConnection) -> Result<(), StateError> {
        Ok(Tx::save_business_connection(self, connection)?)
    }

    fn business_connections(&self) -> Result<Vec<BusinessConnection>, StateError> {
        Ok(Tx::business_connections(self)?)
    }
    fn door(&self, customer: UserId) -> Result<Option<String>, StateError> {
        Ok(Tx::door(self, customer)?)
    }
    fn set_door(&mut self, customer: UserId, connection: Option<&str>) -> Result<(), StateError> {
        Ok(Tx::set_door(self, customer, connection)?)
    }
    fn unread(&self, customer: UserId) -> Result<Option<i32>, StateError> {
        Ok(Tx::unread(self, customer)?)
    }
    fn set_unread(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError> {
        Ok(Tx::set_unread(self, customer, message_id)?)
    }
    fn held(&self, customer: UserId) -> Result<Vec<Outgoing>, StateError> {
        Ok(Tx::held(self, customer)?)
    }
    fn held_why(&self, customer: UserId) -> Result<Option<HeldWhy>, StateError> {
        Ok(Tx::held_why(self, customer)?)
    }
    fn set_held(
        &mut self,
        customer: UserId,
        held: &[Outgoing],
        why: Option<HeldWhy>,
    ) -> Result<(), StateError> {
        Ok(Tx::set_held(self, customer, held, why)?)
    }
    fn held_customers(&self) -> Result<Vec<UserId>, StateError> {
        Ok(Tx::held_customers(self)?)
    }
    fn record_audit(&mut self, entry: &AuditEntry) -> Result<(), StateError> {
        Tx::record_audit(self, entry)?;
        Ok(())
    }
    fn deflections(&self) -> Result<Vec<Deflection>, StateError> {
        Ok(Tx::deflections(self)?)
    }
    fn erase_customer(&mut self, customer: UserId) -> Result<crate::privacy::Erased, StateError> {
        Ok(Tx::erase_customer(self, customer)?)
    }
    fn closed_after(&self, after: Cursor, until: i64, limit: usize) -> Result<Vec<Cursor>, StateError> {
        Ok(Tx::closed_after(self, after, until, limit)?)
    }
    fn erase_ticket_content(&mut self, id: TicketId) -> Result<bool, StateError> {
        Ok(Tx::erase_ticket_content(self, id)?)
    }
    fn delete_tickets(&mut self, ids: &[TicketId]) -> Result<Vec<Topic>, StateError> {
        Ok(Tx::delete_tickets(self, ids)?)
    }
    fn prune_audit(&mut self, before: jiff::Timestamp, limit: usize) -> Result<u64, StateError> {
        Ok(Tx::prune_audit(self, before, limit)?)
    }
    fn oldest_audit(&self) -> Result<Option<jiff::Timestamp>, StateError> {
        Ok(Tx::oldest_audit(self)?)
    }
    fn erase_questions(
        &mut self,
        from: u64,
        until: jiff::Timestamp,
        limit: usize,
    ) -> Result<Sweep, StateError> {
        Ok(Tx::erase_questions(self, from, until, limit)?)
    }
    fn remove_old_dead_letters(&mut self, until: jiff::Timestamp, limit: usize) -> Result<Sweep, StateError> {
        Ok(Tx::remove_old_dead_letters(self, until, limit)?)
    }
    fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StateError> {
        Ok(Tx::set_counter(self, name, value)?)
    }
    fn remove_counter(&mut self, name: &str) -> Result<bool, StateError> {
        Ok(Tx::remove_counter(self, name)?)
    }
    fn counters_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, u64)>, StateError> {
        Ok(Tx::counters_with_prefix(self, prefix)?)
    }
    fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError> {
        Ok(Tx::set_prompt(self, customer, message_id)?)
    }
    fn saved_templates(&self) -> Result<Vec<SavedTemplate>, StateError> {
        Ok(Tx::saved_templates(self)?)
    }
    fn save_template(&mut self, saved: &SavedTemplate) -> Result<(), StateError> {
        Ok(Tx::save_template(self, saved)?)
    }
    fn template_uses(&self) -> Result<Vec<TemplateUse>, StateError> {
        Ok(Tx::template_uses(self)?)
    }
    fn record_template_use(&mut self, used: &TemplateUse) -> Result<(), StateError> {
        Ok(Tx::record_template_use(self, used)?)
    }
}

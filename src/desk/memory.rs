//! [`MemoryState`]: the desk's [`State`] in maps, for tests and replays (`simulate`,
//! `topicdesk test`), so they run the same `Desk` code as the live desk on a virtual clock.
//!
//! It answers every question as the store's transaction does, indexes and orders included
//! (the contract test runs one sequence on both and compares): tickets by status, assignee
//! (active tickets only), customer and topic are kept by `save_ticket` alone; deadlines are
//! kept to the millisecond and come back in [`Deadline`]'s order; the next ticket number and
//! outbox sequence are the store's named counters. What the desk queues stays in
//! [`MemoryState::outbox`] for its user to read and take.

use crate::kb::Deflection;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::state::{State, StateError};
use crate::audit::AuditEntry;
use crate::business::BusinessConnection;
use crate::history::Entry;
use crate::metrics::{Facts, Labels};
use crate::outbox::{HeldWhy, Outgoing};
use crate::privacy::{Erased, outbox_concerns};
use crate::retention::{Cursor, Sweep};
use crate::sla::{Deadline, Timer};
use crate::template::{SavedTemplate, TemplateUse};
use crate::ticket::{Status, Ticket, TicketId, Topic, UserId};

/// The counter the store keeps the next ticket number in.
const NEXT_TICKET: &str = "next_ticket";
/// The counter the store keeps the next outbox sequence in.
const NEXT_OUTBOX: &str = "next_outbox";

/// Everything the desk keeps, in memory. `Clone` to fork a replay.
#[derive(Clone, Debug, Default)]
pub struct MemoryState {
    tickets: BTreeMap<TicketId, Ticket>,
    history: BTreeMap<TicketId, BTreeMap<u32, Entry>>,
    /// Each ticket's facts, folded as its history is appended, as the store keeps them.
    facts: BTreeMap<TicketId, Facts>,
    by_status: BTreeSet<(Status, TicketId)>,
    by_assignee: BTreeSet<(UserId, TicketId)>,
    by_customer: BTreeSet<(UserId, TicketId)>,
    by_topic: BTreeMap<Topic, TicketId>,
    sessions: BTreeMap<UserId, serde_json::Value>,
    prompts: BTreeMap<UserId, i32>,
    deadlines: BTreeSet<Deadline>,
    deadline_of: BTreeMap<Timer, Timestamp>,
    counters: BTreeMap<String, u64>,
    /// Active tickets by their recorded staff group, as the store counts them.
    active_in_group: BTreeMap<String, u64>,
    links: BTreeMap<(i64, i32), BTreeSet<(i64, i32)>>,
    outbox: Vec<(u64, Outgoing)>,
    saved_templates: BTreeMap<(String, u32), SavedTemplate>,
    template_uses: Vec<TemplateUse>,
    /// Kept questions by sequence number, as the store numbers them.
    deflections: BTreeMap<u64, Deflection>,
    business: BTreeMap<String, BusinessConnection>,
    doors: BTreeMap<UserId, String>,
    unread: BTreeMap<UserId, i32>,
    held: BTreeMap<UserId, Vec<Outgoing>>,
    held_why: BTreeMap<UserId, HeldWhy>,
    /// The audit log, oldest first.
    pub audit: Vec<AuditEntry>,
}

impl MemoryState {
    pub fn new() -> MemoryState {
        MemoryState::default()
    }

    /// What the desk queued and nobody took yet, with its sequence numbers, in send order.
    pub fn outbox(&self) -> &[(u64, Outgoing)] {
        &self.outbox
    }

    /// Takes everything queued, in send order.
    pub fn take_outbox(&mut self) -> Vec<(u64, Outgoing)> {
        std::mem::take(&mut self.outbox)
    }

    /// Drops one queued call, as the dispatcher does once Telegram took it.
    pub fn remove_outgoing(&mut self, seq: u64) -> bool {
        let before = self.outbox.len();
        self.outbox.retain(|(queued, _)| *queued != seq);
        self.outbox.len() != before
    }

    /// Every ticket, in id order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    /// The earliest deadline of all, as the host's timer sleeps until.
    pub fn next_deadline(&self) -> Option<Deadline> {
        self.deadlines.first().copied()
    }

    /// Removes one ticket and everything keyed by it, as the store's `erase_ticket` does;
    /// returns its topic.
    fn remove_ticket(&mut self, id: TicketId) -> Result<Option<Topic>, StateError> {
        let Some(ticket) = self.tickets.remove(&id) else { return Ok(None) };
        self.history.remove(&id);
        self.facts.remove(&id);
        self.by_status.remove(&(ticket.status, id));
        if let Some(group) = active_group(&ticket) {
            self.leave_group(&group);
        }
        if let Some(agent) = ticket.assignee {
            self.by_assignee.remove(&(agent, id));
        }
        self.by_customer.remove(&(ticket.customer.id, id));
        if let Some(topic) = ticket.topic {
            self.by_topic.remove(&topic);
        }
        let timers: Vec<Timer> = self
            .deadline_of
            .keys()
            .filter(|timer| matches!(timer, Timer::Ticket(of, _) if *of == id))
            .copied()
            .collect();
        for timer in timers {
            self.clear_deadline(timer)?;
        }
        Ok(ticket.topic)
    }

    /// One fewer active ticket in `group`.
    fn leave_group(&mut self, group: &str) {
        if let Some(count) = self.active_in_group.get_mut(group) {
            *count -= 1;
            if *count == 0 {
                self.active_in_group.remove(group);
            }
        }
    }

    /// Removes every relayed pair of the chat's messages, both directions; how many.
    fn remove_links_of(&mut self, chat: i64) -> u64 {
        let mut removed = 0;
        let mine: Vec<(i64, i32)> = self.links.keys().filter(|(of, _)| *of == chat).copied().collect();
        for message in mine {
            for other in self.links.remove(&message).unwrap_or_default() {
                removed += 1;
                if let Some(back) = self.links.get_mut(&other) {
                    back.remove(&message);
                    if back.is_empty() {
                        self.links.remove(&other);
                    }
                }
            }
        }
        removed
    }

    fn bump(&mut self, name: &str) -> u64 {
        let counter = self.counters.entry(name.to_owned()).or_insert(1);
        let next = *counter;
        *counter += 1;
        next
    }
}

/// The store keeps due times as whole milliseconds.
/// The staff group a ticket counts in while active (see `State::active_in_group`).
fn active_group(ticket: &Ticket) -> Option<String> {
    ticket.group.clone().filter(|_| ticket.status.is_active())
}

fn to_millisecond(at: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(at.as_millisecond()).unwrap_or(Timestamp::MAX)
}

impl State for MemoryState {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StateError> {
        Ok(self.tickets.get(&id).cloned())
    }

    fn next_ticket_id(&mut self) -> Result<TicketId, StateError> {
        Ok(TicketId(self.bump(NEXT_TICKET)))
    }

    fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StateError> {
        let id = ticket.id;
        let old = self.tickets.insert(id, ticket.clone());
        if old.is_none() {
            self.by_customer.insert((ticket.customer.id, id));
        }
        let assignee = |t: &Ticket| t.assignee.filter(|_| t.status.is_active()).map(|agent| (agent, id));
        if let Some(old) = &old {
            self.by_status.remove(&(old.status, id));
            if let Some(key) = assignee(old) {
                self.by_assignee.remove(&key);
            }
            if let Some(topic) = old.topic {
                self.by_topic.remove(&topic);
            }
        }
        self.by_status.insert((ticket.status, id));
        if let Some(group) = old.as_ref().and_then(active_group) {
            self.leave_group(&group);
        }
        if let Some(group) = active_group(ticket) {
            *self.active_in_group.entry(group).or_insert(0) += 1;
        }
        if let Some(key) = assignee(ticket) {
            self.by_assignee.insert(key);
        }
        if let Some(topic) = ticket.topic {
            self.by_topic.insert(topic, id);
        }
        Ok(())
    }

    fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StateError> {
        let history = self.history.entry(ticket).or_default();
        for entry in entries {
            history.insert(entry.seq, entry.clone());
        }
        match self.facts.get_mut(&ticket) {
            Some(facts) if facts.follows(entries) => facts.fold(entries),
            _ => {
                let whole: Vec<Entry> = history.values().cloned().collect();
                self.facts.insert(ticket, Facts::of_history(&whole));
            }
        }
        Ok(())
    }

    fn facts_since(
        &self,
        since: Timestamp,
        visit: &mut dyn FnMut(&Labels, &Facts),
    ) -> Result<(), StateError> {
        for ticket in self.tickets.values().filter(|ticket| ticket.created_at >= since) {
            let facts = match self.facts.get(&ticket.id) {
                Some(facts) => facts.clone(),
                None => Facts::of_history(&self.history(ticket.id)?),
            };
            visit(&Labels::of(ticket), &facts);
        }
        Ok(())
    }

    fn history(&self, ticket: TicketId) -> Result<Vec<Entry>, StateError> {
        Ok(self.history.get(&ticket).map(|entries| entries.values().cloned().collect()).unwrap_or_default())
    }

    fn history_tail(&self, ticket: TicketId, seq: u32, limit: usize) -> Result<Vec<Entry>, StateError> {
        let Some(entries) = self.history.get(&ticket) else { return Ok(Vec::new()) };
        Ok(entries.range(..seq).rev().take(limit).map(|(_, entry)| entry.clone()).collect())
    }

    fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StateError> {
        Ok(self.by_topic.get(&topic).copied())
    }

    fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StateError> {
        let rows = self.by_customer.range((customer, TicketId(0))..=(customer, TicketId(u64::MAX)));
        Ok(rows.map(|(_, id)| *id).collect())
    }

    fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StateError> {
        let seq = self.bump(NEXT_OUTBOX);
        self.outbox.push((seq, outgoing.clone()));
        Ok(seq)
    }

    fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StateError> {
        self.links.entry(a).or_default().insert(b);
        self.links.entry(b).or_default().insert(a);
        Ok(())
    }

    fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StateError> {
        Ok(self.links.get(&message).map(|others| others.iter().copied().collect()).unwrap_or_default())
    }

    fn session_json(&self, customer: UserId) -> Result<Option<serde_json::Value>, StateError> {
        Ok(self.sessions.get(&customer).cloned())
    }

    fn sessions_json(&self) -> Result<Vec<(UserId, serde_json::Value)>, StateError> {
        Ok(self.sessions.iter().map(|(customer, session)| (*customer, session.clone())).collect())
    }

    fn deadline_of(&self, timer: Timer) -> Result<Option<Timestamp>, StateError> {
        Ok(self.deadline_of.get(&timer).copied())
    }

    fn put_session_json(&mut self, customer: UserId, session: &serde_json::Value) -> Result<(), StateError> {
        self.sessions.insert(customer, session.clone());
        Ok(())
    }

    fn delete_session(&mut self, customer: UserId) -> Result<(), StateError> {
        self.sessions.remove(&customer);
        Ok(())
    }

    fn prompt(&self, customer: UserId) -> Result<Option<i32>, StateError> {
        Ok(self.prompts.get(&customer).copied())
    }

    fn tickets_in_status(&self, status: Status) -> Result<Vec<TicketId>, StateError> {
        let rows = self.by_status.range((status, TicketId(0))..=(status, TicketId(u64::MAX)));
        Ok(rows.map(|(_, id)| *id).collect())
    }

    fn active_in_group(&self, group: &str) -> Result<u64, StateError> {
        Ok(self.active_in_group.get(group).copied().unwrap_or(0))
    }

    fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StateError> {
        let rows = self.by_assignee.range((agent, TicketId(0))..=(agent, TicketId(u64::MAX)));
        Ok(rows.map(|(_, id)| *id).collect())
    }

    fn counter(&self, name: &str) -> Result<Option<u64>, StateError> {
        Ok(self.counters.get(name).copied())
    }

    fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StateError> {
        self.clear_deadline(deadline.timer)?;
        let due = to_millisecond(deadline.due);
        self.deadlines.insert(Deadline { due, timer: deadline.timer });
        self.deadline_of.insert(deadline.timer, due);
        Ok(())
    }

    fn clear_deadline(&mut self, timer: Timer) -> Result<(), StateError> {
        if let Some(due) = self.deadline_of.remove(&timer) {
            self.deadlines.remove(&Deadline { due, timer });
        }
        Ok(())
    }

    fn due(&self, until: Timestamp, limit: usize) -> Result<Vec<Deadline>, StateError> {
        let end = until.as_millisecond();
        let due = self.deadlines.iter().take_while(|deadline| deadline.due.as_millisecond() <= end);
        Ok(due.take(limit).copied().collect())
    }

    fn record_deflection(&mut self, deflection: &Deflection) -> Result<(), StateError> {
        let seq = self.bump("next_deflection");
        self.deflections.insert(seq, deflection.clone());
        Ok(())
    }

    fn deflections(&self) -> Result<Vec<Deflection>, StateError> {
        Ok(self.deflections.values().cloned().collect())
    }

    fn save_business_connection(&mut self, connection: &BusinessConnection) -> Result<(), StateError> {
        self.business.insert(connection.id.clone(), connection.clone());
        Ok(())
    }

    fn business_connections(&self) -> Result<Vec<BusinessConnection>, StateError> {
        Ok(self.business.values().cloned().collect())
    }

    fn door(&self, customer: UserId) -> Result<Option<String>, StateError> {
        Ok(self.doors.get(&customer).cloned())
    }

    fn held(&self, customer: UserId) -> Result<Vec<Outgoing>, StateError> {
        Ok(self.held.get(&customer).cloned().unwrap_or_default())
    }

    fn held_why(&self, customer: UserId) -> Result<Option<HeldWhy>, StateError> {
        Ok(self.held_why.get(&customer).copied())
    }

    fn set_held(
        &mut self,
        customer: UserId,
        held: &[Outgoing],
        why: Option<HeldWhy>,
    ) -> Result<(), StateError> {
        self.held_why.remove(&customer);
        if held.is_empty() {
            self.held.remove(&customer);
        } else {
            self.held.insert(customer, held.to_vec());
            if let Some(why) = why {
                self.held_why.insert(customer, why);
            }
        }
        Ok(())
    }

    fn held_customers(&self) -> Result<Vec<UserId>, StateError> {
        Ok(self.held.keys().copied().collect())
    }

    fn set_door(&mut self, customer: UserId, connection: Option<&str>) -> Result<(), StateError> {
        let before = match connection {
            Some(connection) => self.doors.insert(customer, connection.to_owned()),
            None => self.doors.remove(&customer),
        };
        if before.as_deref() != connection {
            self.unread.remove(&customer);
        }
        Ok(())
    }

    fn unread(&self, customer: UserId) -> Result<Option<i32>, StateError> {
        Ok(self.unread.get(&customer).copied())
    }

    fn set_unread(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError> {
        match message_id {
            Some(id) if self.doors.contains_key(&customer) => self.unread.insert(customer, id),
            _ => self.unread.remove(&customer),
        };
        Ok(())
    }

    fn record_audit(&mut self, entry: &AuditEntry) -> Result<(), StateError> {
        self.audit.push(entry.clone());
        Ok(())
    }

    fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StateError> {
        self.counters.insert(name.to_owned(), value);
        Ok(())
    }

    fn remove_counter(&mut self, name: &str) -> Result<bool, StateError> {
        Ok(self.counters.remove(name).is_some())
    }

    fn counters_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, u64)>, StateError> {
        let found = self.counters.range(prefix.to_owned()..).take_while(|(name, _)| name.starts_with(prefix));
        Ok(found.map(|(name, value)| (name.clone(), *value)).collect())
    }

    fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StateError> {
        match message_id {
            Some(id) => self.prompts.insert(customer, id),
            None => self.prompts.remove(&customer),
        };
        Ok(())
    }

    fn saved_templates(&self) -> Result<Vec<SavedTemplate>, StateError> {
        Ok(self.saved_templates.values().cloned().collect())
    }

    fn save_template(&mut self, saved: &SavedTemplate) -> Result<(), StateError> {
        self.saved_templates.insert((saved.id.clone(), saved.number), saved.clone());
        Ok(())
    }

    fn template_uses(&self) -> Result<Vec<TemplateUse>, StateError> {
        Ok(self.template_uses.clone())
    }

    fn erase_customer(&mut self, customer: UserId) -> Result<Erased, StateError> {
        let tickets = self.tickets_of_customer(customer)?;
        let mut erased = Erased { tickets: tickets.clone(), ..Erased::default() };
        for id in &tickets {
            erased.topics.extend(self.remove_ticket(*id)?);
        }
        let set: BTreeSet<TicketId> = tickets.into_iter().collect();
        erased.session = self.sessions.remove(&customer).is_some();
        self.doors.remove(&customer);
        self.unread.remove(&customer);
        self.held.remove(&customer);
        self.held_why.remove(&customer);
        erased.session |= self.prompts.remove(&customer).is_some();
        erased.relayed = self.remove_links_of(customer as i64);
        let before = self.outbox.len();
        self.outbox.retain(|(_, outgoing)| !outbox_concerns(outgoing, customer, &set));
        erased.outbox = (before - self.outbox.len()) as u64;
        let before = self.deflections.len();
        self.deflections.retain(|_, deflection| deflection.customer != Some(customer));
        erased.deflections = (before - self.deflections.len()) as u64;
        let before = self.template_uses.len();
        self.template_uses.retain(|used| !set.contains(&TicketId(used.ticket)));
        erased.template_uses = (before - self.template_uses.len()) as u64;
        Ok(erased)
    }

    fn closed_after(&self, after: Cursor, until: i64, limit: usize) -> Result<Vec<Cursor>, StateError> {
        let mut closed: Vec<Cursor> = self
            .tickets
            .values()
            .filter(|ticket| ticket.status == Status::Closed)
            .filter_map(|ticket| ticket.closed_at.map(|at| Cursor::at(at, ticket.id)))
            .filter(|cursor| *cursor > after && cursor.closed_at <= until)
            .collect();
        closed.sort();
        closed.truncate(limit);
        Ok(closed)
    }

    fn erase_ticket_content(&mut self, id: TicketId) -> Result<bool, StateError> {
        let Some(ticket) = self.tickets.get_mut(&id) else { return Ok(false) };
        crate::privacy::erase_ticket_content(ticket);
        for entry in self.history.entry(id).or_default().values_mut() {
            crate::privacy::erase_entry_content(&mut entry.kind);
        }
        Ok(true)
    }

    fn delete_tickets(&mut self, ids: &[TicketId]) -> Result<Vec<Topic>, StateError> {
        let mut topics = Vec::new();
        let mut customers = BTreeSet::new();
        for &id in ids {
            if let Some(ticket) = self.tickets.get(&id) {
                customers.insert(ticket.customer.id);
            }
            topics.extend(self.remove_ticket(id)?);
        }
        self.template_uses.retain(|used| !ids.contains(&TicketId(used.ticket)));
        for customer in customers {
            if self.tickets_of_customer(customer)?.is_empty() {
                self.remove_links_of(customer as i64);
            }
        }
        Ok(topics)
    }

    fn prune_audit(&mut self, before: Timestamp, limit: usize) -> Result<u64, StateError> {
        let gone = self.audit.iter().take(limit).take_while(|entry| entry.at < before).count();
        self.audit.drain(..gone);
        Ok(gone as u64)
    }

    fn oldest_audit(&self) -> Result<Option<Timestamp>, StateError> {
        Ok(self.audit.first().map(|entry| entry.at))
    }

    fn erase_questions(&mut self, from: u64, until: Timestamp, limit: usize) -> Result<Sweep, StateError> {
        let mut sweep = Sweep::default();
        for (looked, (seq, deflection)) in self.deflections.range_mut(from..).enumerate() {
            if deflection.at > until {
                sweep.pending = Some(deflection.at);
                break;
            }
            if looked == limit {
                sweep.more = true;
                break;
            }
            sweep.next = Some(seq + 1);
            if deflection.customer.is_some() || deflection.question != crate::privacy::PLACEHOLDER {
                deflection.customer = None;
                crate::privacy::PLACEHOLDER.clone_into(&mut deflection.question);
                sweep.erased += 1;
            }
        }
        Ok(sweep)
    }

    /// Dead letters are the host's: it sets an update aside in the store's own transaction,
    /// never through the desk, so a replay holds none and there is nothing to remove.
    fn remove_old_dead_letters(&mut self, _until: Timestamp, _limit: usize) -> Result<Sweep, StateError> {
        Ok(Sweep::default())
    }

    fn record_template_use(&mut self, used: &TemplateUse) -> Result<(), StateError> {
        // As the store keeps it: whole milliseconds, numbered by a counter of its own.
        self.bump("next_template_use");
        let at = Timestamp::from_millisecond(used.at.as_millisecond()).unwrap_or(Timestamp::MAX);
        let index = self.template_uses.partition_point(|earlier| earlier.at <= at);
        self.template_uses.insert(index, TemplateUse { at, ..used.clone() });
        Ok(())
    }
}

//! Erasure: a customer's or a ticket's rows taken out of every table that holds them, in
//! the caller's write transaction. What each table gives up is `privacy::TABLE_FATES`; the
//! test below holds that list to [`tables::visit_all`], so a table added later cannot be
//! missed in silence. Erased rows leave their bytes in free pages until the file is
//! compacted ([`super::Store::compact`]).

use std::collections::BTreeSet;

use redb::{ReadableMultimapTable, ReadableTable};
use serde::Deserialize;

use super::StoreError;
use super::history_log;
use super::open::{
    BY_ASSIGNEE, BY_CLOSED, BY_CUSTOMER, BY_STATUS, BY_TOPIC, DEAD_LETTERS, DEADLINE_OF, DEADLINES,
    DEFLECTIONS, DOORS, FACTS, HELD, HISTORY, HISTORY_HEAD, HISTORY_LOG, OUTBOX, PROMPTS, SESSIONS,
    TEMPLATE_USES, TICKETS,
};
use super::records::decode;
use super::tables::RELAYED;
use super::tx::{OutboxRecord, Tx, status_code};
use crate::privacy::{Erased, outbox_concerns, update_names};
use crate::ticket::{TicketId, UserId};

/// Only what erasure needs of a template use record.
#[derive(Deserialize)]
struct UseOf {
    ticket: u64,
}

/// Only what erasure needs of a deflection record.
#[derive(Deserialize)]
struct DeflectionOf {
    #[serde(default)]
    customer: Option<u64>,
}

/// Only what erasure needs of a dead letter record.
#[derive(Deserialize)]
struct LetterOf {
    letter: LetterUpdate,
}

#[derive(Deserialize)]
struct LetterUpdate {
    update: serde_json::Value,
}

impl Tx<'_> {
    /// Erases everything held about `customer`: every ticket of theirs (with history, facts,
    /// index entries and timers), their intake session and prompt, the relayed message
    /// pairs of their private chat, queued calls about them, dead letters naming them,
    /// their questions kept by the knowledge base and the template uses on their tickets.
    /// Returns what went, with the topics Telegram must still delete.
    pub fn erase_customer(&mut self, customer: UserId) -> Result<Erased, StoreError> {
        let tickets = self.tickets_of_customer(customer)?;
        let mut erased = Erased::default();
        for &id in &tickets {
            if let Some(topic) = self.erase_ticket(id)? {
                erased.topics.push(topic);
            }
        }
        erased.tickets.clone_from(&tickets);
        let tickets: BTreeSet<TicketId> = tickets.into_iter().collect();
        erased.session = self.open(SESSIONS)?.remove(customer)?.is_some();
        erased.session |= self.open(PROMPTS)?.remove(customer)?.is_some();
        self.open(DOORS)?.remove(customer)?;
        self.open(HELD)?.remove(customer)?;
        erased.relayed = self.erase_relayed_of(customer as i64)?;
        erased.outbox = self.erase_outbox(customer, &tickets)?;
        erased.dead_letters = self.erase_dead_letters(customer)?;
        erased.deflections = self.erase_deflections(customer)?;
        erased.template_uses = self.erase_template_uses_of(&tickets)?;
        Ok(erased)
    }

    /// Removes one ticket and everything keyed by it: the record, its history and facts,
    /// its rows in every index and its timers. Returns its topic, if it had one. Relayed
    /// pairs and queued calls are the caller's (a forget removes them by chat).
    pub fn erase_ticket(&mut self, id: TicketId) -> Result<Option<crate::ticket::Topic>, StoreError> {
        let Some(ticket) = self.ticket(id)? else { return Ok(None) };
        self.open(TICKETS)?.remove(id.0)?;
        {
            let mut legacy = self.open(HISTORY)?;
            let mut log = self.open(HISTORY_LOG)?;
            let mut head = self.open(HISTORY_HEAD)?;
            history_log::remove(&mut legacy, &mut log, &mut head, id.0)?;
        }
        self.open(FACTS)?.remove(id.0)?;
        self.open(BY_STATUS)?.remove((status_code(ticket.status), id.0))?;
        if let Some(group) = ticket.group.as_deref().filter(|_| ticket.status.is_active()) {
            self.forget_active_in_group(group)?;
        }
        if let Some(closed_at) = ticket.closed_at {
            self.open(BY_CLOSED)?.remove((closed_at.as_millisecond(), id.0))?;
        }
        if let Some(agent) = ticket.assignee {
            self.open(BY_ASSIGNEE)?.remove((agent, id.0))?;
        }
        self.open(BY_CUSTOMER)?.remove((ticket.customer.id, id.0))?;
        if let Some(topic) = ticket.topic {
            self.open(BY_TOPIC)?.remove((topic.chat_id, topic.thread_id))?;
        }
        let timers: Vec<(u8, i64)> = self
            .open(DEADLINE_OF)?
            .range((id.0, 0)..=(id.0, u8::MAX))?
            .map(|row| row.map(|(key, due)| (key.value().1, due.value())))
            .collect::<Result<_, _>>()?;
        for (kind, due) in timers {
            self.open(DEADLINE_OF)?.remove((id.0, kind))?;
            self.open(DEADLINES)?.remove((due, id.0, kind))?;
        }
        Ok(ticket.topic)
    }

    /// Removes every relayed pair of the chat's messages, both directions; returns how many.
    pub(super) fn erase_relayed_of(&mut self, chat: i64) -> Result<u64, StoreError> {
        let mut table = self.txn.open_multimap_table(RELAYED)?;
        let mut pairs = Vec::new();
        for row in table.range((chat, i32::MIN)..=(chat, i32::MAX))? {
            let (key, values) = row?;
            for value in values {
                pairs.push((key.value(), value?.value()));
            }
        }
        for (mine, theirs) in &pairs {
            table.remove(*mine, *theirs)?;
            table.remove(*theirs, *mine)?;
        }
        Ok(pairs.len() as u64)
    }

    /// Removes queued calls about the customer; returns how many. The dispatcher reads the
    /// outbox again when the erasure counter moves (see [`Self::outbox_erasures`]).
    fn erase_outbox(&mut self, customer: UserId, tickets: &BTreeSet<TicketId>) -> Result<u64, StoreError> {
        let mut table = self.open(OUTBOX)?;
        let mut gone = Vec::new();
        for row in table.iter()? {
            let (seq, bytes) = row?;
            let record = decode::<OutboxRecord>("outbox", bytes.value())?;
            let concerns = record.concerns(customer, tickets);
            let concerns = match record.into_outgoing() {
                Ok(outgoing) => concerns || outbox_concerns(&outgoing, customer, tickets),
                // A call that no longer decodes is judged by its chat and ticket alone.
                Err(_) => concerns,
            };
            if concerns {
                gone.push(seq.value());
            }
        }
        for seq in &gone {
            table.remove(*seq)?;
        }
        drop(table);
        if !gone.is_empty() {
            self.bump(super::tables::OUTBOX_ERASURES)?;
        }
        Ok(gone.len() as u64)
    }

    fn erase_dead_letters(&mut self, customer: UserId) -> Result<u64, StoreError> {
        let mut table = self.open(DEAD_LETTERS)?;
        let mut gone = Vec::new();
        for row in table.iter()? {
            let (id, bytes) = row?;
            // A letter whose record does not read is judged on its raw bytes' JSON.
            let names = match decode::<LetterOf>("dead letter", bytes.value()) {
                Ok(record) => update_names(&record.letter.update, customer),
                Err(_) => serde_json::from_slice::<serde_json::Value>(bytes.value())
                    .is_ok_and(|value| update_names(&value, customer)),
            };
            if names {
                gone.push(id.value());
            }
        }
        for id in &gone {
            table.remove(*id)?;
        }
        Ok(gone.len() as u64)
    }

    fn erase_deflections(&mut self, customer: UserId) -> Result<u64, StoreError> {
        let mut table = self.open(DEFLECTIONS)?;
        let mut gone = Vec::new();
        for row in table.iter()? {
            let (seq, bytes) = row?;
            if decode::<DeflectionOf>("deflection", bytes.value())?.customer == Some(customer) {
                gone.push(seq.value());
            }
        }
        for seq in &gone {
            table.remove(*seq)?;
        }
        Ok(gone.len() as u64)
    }

    pub(super) fn erase_template_uses_of(&mut self, tickets: &BTreeSet<TicketId>) -> Result<u64, StoreError> {
        if tickets.is_empty() {
            return Ok(0);
        }
        let mut table = self.open(TEMPLATE_USES)?;
        let mut gone = Vec::new();
        for row in table.iter()? {
            let (key, bytes) = row?;
            if tickets.contains(&TicketId(decode::<UseOf>("template use", bytes.value())?.ticket)) {
                gone.push(key.value());
            }
        }
        for key in &gone {
            table.remove(*key)?;
        }
        Ok(gone.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use redb::{Key, MultimapTableDefinition, MultimapTableHandle, TableDefinition, TableHandle, Value};

    use crate::privacy::TABLE_FATES;
    use crate::store::tables::{TableVisitor, visit_all};

    /// Every table of the store says what a forget does with it.
    #[test]
    fn every_table_has_a_fate_on_erasure() {
        struct Names(Vec<String>);
        impl TableVisitor for Names {
            type Error = ();
            fn table<K: Key + 'static, V: Value + 'static>(
                &mut self,
                definition: TableDefinition<'static, K, V>,
            ) -> Result<(), ()> {
                self.0.push(definition.name().to_owned());
                Ok(())
            }
            fn multimap_table<K: Key + 'static, V: Key + 'static>(
                &mut self,
                definition: MultimapTableDefinition<'static, K, V>,
            ) -> Result<(), ()> {
                self.0.push(definition.name().to_owned());
                Ok(())
            }
        }
        let mut names = Names(Vec::new());
        visit_all(&mut names).unwrap();
        let missing: Vec<&String> =
            names.0.iter().filter(|name| !TABLE_FATES.iter().any(|(fate, _)| fate == name)).collect();
        assert!(missing.is_empty(), "tables without a fate on erasure: {missing:?}");
    }
}

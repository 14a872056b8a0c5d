//! Retention's reads and writes (`crate::retention`): closed tickets by closing time (the
//! `by_closed` index `Tx::save_ticket` keeps), a ticket's content replaced by placeholders
//! in place, tickets removed with what is keyed by them (through `erase`'s
//! [`Tx::erase_ticket`], the one removal forget uses too) and old audit entries removed.
//! Each runs in the caller's write transaction; the desk keeps them small.

use redb::ReadableTable;

use super::StoreError;
use super::open::{AUDIT, BY_CLOSED, HISTORY};
use super::records::{EntryRecord, decode, encode};
use super::tables::{CLOSED_INDEX_KEY, META};
use super::tx::{Tx, status_code};
use crate::retention::Cursor;
use crate::ticket::{Status, TicketId, Topic};

impl Tx<'_> {
    /// Closed tickets after `after`, closed at or before `until` (unix milliseconds), in
    /// closing order, at most `limit`.
    pub fn closed_after(&self, after: Cursor, until: i64, limit: usize) -> Result<Vec<Cursor>, StoreError> {
        if until < after.closed_at {
            return Ok(Vec::new());
        }
        let table = self.open(BY_CLOSED)?;
        let mut found = Vec::new();
        for row in table.range((after.closed_at, after.ticket)..=(until, u64::MAX))? {
            let (closed_at, ticket) = row?.0.value();
            let cursor = Cursor { closed_at, ticket };
            if cursor == after {
                continue;
            }
            found.push(cursor);
            if found.len() == limit {
                break;
            }
        }
        Ok(found)
    }

    /// Replaces the ticket's content by placeholders (`privacy::erase_ticket_content`,
    /// `privacy::erase_entry_content`), in the record and in each history entry; the facts
    /// record, which holds no text, stays as it is. Returns whether the ticket exists.
    pub fn erase_ticket_content(&mut self, id: TicketId) -> Result<bool, StoreError> {
        let Some(mut ticket) = self.ticket(id)? else { return Ok(false) };
        if crate::privacy::erase_ticket_content(&mut ticket) {
            // The labels (what the facts record carries) and index keys do not move.
            self.save_ticket(&ticket)?;
        }
        let mut history = self.open(HISTORY)?;
        let mut changed = Vec::new();
        for row in history.range((id.0, 0)..=(id.0, u32::MAX))? {
            let (key, value) = row?;
            let seq = key.value().1;
            let mut entry = decode::<EntryRecord>("history entry", value.value())?.into_entry(seq)?;
            if crate::privacy::erase_entry_content(&mut entry.kind) {
                changed.push((seq, encode(&EntryRecord::from(&entry))));
            }
        }
        // Written in place, not appended: the facts fold must not count them again.
        for (seq, bytes) in changed {
            history.insert((id.0, seq), bytes.as_slice())?;
        }
        Ok(true)
    }

    /// Removes the tickets entirely ([`Tx::erase_ticket`] each) with their template uses,
    /// and the relayed message pairs of a customer left with no ticket. Returns the topics
    /// of the tickets removed.
    pub fn delete_tickets(&mut self, ids: &[TicketId]) -> Result<Vec<Topic>, StoreError> {
        let mut topics = Vec::new();
        let mut customers = std::collections::BTreeSet::new();
        for &id in ids {
            if let Some(ticket) = self.ticket(id)? {
                customers.insert(ticket.customer.id);
            }
            topics.extend(self.erase_ticket(id)?);
        }
        let gone: std::collections::BTreeSet<TicketId> = ids.iter().copied().collect();
        self.erase_template_uses_of(&gone)?;
        // A pair names no ticket, only messages: those of a customer's private chat go
        // with their last ticket.
        for customer in customers {
            if self.tickets_of_customer(customer)?.is_empty() {
                self.erase_relayed_of(customer as i64)?;
            }
        }
        Ok(topics)
    }

    /// Removes audit entries written before `before`, oldest first, at most `limit`;
    /// returns how many went.
    pub fn prune_audit(&mut self, before: jiff::Timestamp, limit: usize) -> Result<u64, StoreError> {
        let mut gone = Vec::new();
        for (seq, entry) in self.audit_log_from(0, limit)? {
            if entry.at >= before {
                break;
            }
            gone.push(seq);
        }
        let mut table = self.open(AUDIT)?;
        for seq in &gone {
            table.remove(*seq)?;
        }
        Ok(gone.len() as u64)
    }

    /// When the oldest audit entry kept was written.
    pub fn oldest_audit(&self) -> Result<Option<jiff::Timestamp>, StoreError> {
        Ok(self.audit_log_from(0, 1)?.into_iter().next().map(|(_, entry)| entry.at))
    }
}

/// Fills `by_closed` from the closed tickets of a file written before it existed, once.
pub(super) fn build_closed_index(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META)?;
    if meta.get(CLOSED_INDEX_KEY)?.is_some() {
        return Ok(());
    }
    let code = status_code(Status::Closed);
    let ids: Vec<u64> = txn
        .open_table(super::tables::BY_STATUS)?
        .range((code, 0)..=(code, u64::MAX))?
        .map(|row| row.map(|(key, _)| key.value().1))
        .collect::<Result<_, _>>()?;
    let tickets = txn.open_table(super::tables::TICKETS)?;
    let mut index = txn.open_table(super::tables::BY_CLOSED)?;
    for id in ids {
        let Some(bytes) = tickets.get(id)? else { continue };
        let ticket = decode::<super::records::TicketRecord>("ticket", bytes.value())?.into_ticket()?;
        if let Some(closed_at) = ticket.closed_at {
            index.insert((closed_at.as_millisecond(), id), ())?;
        }
    }
    meta.insert(CLOSED_INDEX_KEY, 1)?;
    Ok(())
}

//! Retention's reads and writes (`crate::retention`): closed tickets by closing time (the
//! `by_closed` index `Tx::save_ticket` keeps), a ticket's content replaced by placeholders
//! in place, tickets removed with what is keyed by them (through `erase`'s
//! [`Tx::erase_ticket`], the one removal forget uses too) and old audit entries removed.
//! The customer's words kept outside tickets go too: the questions a knowledge-base article
//! answered lose their text and asker (walked in the order they were kept, from a cursor),
//! and dead letters are removed.
//! Each runs in the caller's write transaction; the desk keeps them small.

use redb::ReadableTable;
use serde::Deserialize;

use super::StoreError;
use super::history_log;
use super::open::{AUDIT, BY_CLOSED, DEAD_LETTERS, DEFLECTIONS, HISTORY, HISTORY_HEAD, HISTORY_LOG};
use super::records::{decode, encode};
use super::tables::{CLOSED_INDEX_KEY, META};
use super::tx::{DeflectionRecord, Tx, status_code};
use crate::privacy::PLACEHOLDER;
use crate::retention::{Cursor, Sweep};
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
        // Written in place (legacy rows and log records alike), not appended: the facts
        // fold must not count them again.
        let mut legacy = self.open(HISTORY)?;
        let mut log = self.open(HISTORY_LOG)?;
        let head = self.open(HISTORY_HEAD)?;
        history_log::rewrite(&mut legacy, &mut log, &head, id.0, |entry| {
            crate::privacy::erase_entry_content(&mut entry.kind)
        })?;
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

    /// Erases the text and the asker of the kept questions from sequence number `from` on,
    /// in the order they were kept, asked at or before `until`; looks at `limit` at most.
    /// The form, the article and the time stay, for the reports. `next` is where the next
    /// call starts; `pending` the time of the first question not due yet.
    pub fn erase_questions(
        &mut self,
        from: u64,
        until: jiff::Timestamp,
        limit: usize,
    ) -> Result<Sweep, StoreError> {
        let mut table = self.open(DEFLECTIONS)?;
        let mut sweep = Sweep::default();
        let mut changed = Vec::new();
        for (looked, row) in table.range(from..)?.enumerate() {
            let (seq, bytes) = row?;
            let seq = seq.value();
            let mut record = decode::<DeflectionRecord>("deflection", bytes.value())?;
            if record.at > until {
                sweep.pending = Some(record.at);
                break;
            }
            if looked == limit {
                sweep.more = true;
                break;
            }
            sweep.next = Some(seq + 1);
            if record.customer.is_some() || record.question != PLACEHOLDER {
                record.customer = None;
                PLACEHOLDER.clone_into(&mut record.question);
                changed.push((seq, encode(&record)));
            }
        }
        sweep.erased = changed.len() as u64;
        for (seq, bytes) in changed {
            table.insert(seq, bytes.as_slice())?;
        }
        Ok(sweep)
    }

    /// Removes dead letters first failed at or before `until`, at most `limit`. The table is
    /// read whole (letters are few: each is an update the desk failed on, and General was
    /// told); `pending` is the first failure of the oldest letter left. A letter whose
    /// record does not read is left where it is.
    pub fn remove_old_dead_letters(
        &mut self,
        until: jiff::Timestamp,
        limit: usize,
    ) -> Result<Sweep, StoreError> {
        #[derive(Deserialize)]
        struct FailedAt {
            first_failed: jiff::Timestamp,
        }
        let mut table = self.open(DEAD_LETTERS)?;
        let mut sweep = Sweep::default();
        let mut gone = Vec::new();
        for row in table.iter()? {
            let (id, bytes) = row?;
            // A letter whose record does not read has no age to go by: it waits for
            // `dead-letters` or a forget, as before; the rest of the pass goes on.
            let Ok(FailedAt { first_failed }) = decode::<FailedAt>("dead letter", bytes.value()) else {
                continue;
            };
            if first_failed > until {
                sweep.pending =
                    Some(sweep.pending.map_or(first_failed, |earliest| earliest.min(first_failed)));
            } else if gone.len() == limit {
                sweep.more = true;
            } else {
                gone.push(id.value());
            }
        }
        for id in &gone {
            table.remove(*id)?;
        }
        sweep.erased = gone.len() as u64;
        Ok(sweep)
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

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use crate::kb::Deflection;
    use crate::privacy::PLACEHOLDER;
    use crate::store::{DeadLetter, FILE_NAME, Store};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + seconds).expect("valid")
    }

    fn letter(update_id: i64, first_failed: Timestamp) -> DeadLetter {
        DeadLetter {
            update_id,
            what: format!("message from {update_id}"),
            update: serde_json::json!({ "message": { "from": { "id": update_id }, "text": "marker-letter" } }),
            error: "the desk failed".into(),
            tries: 3,
            first_failed,
            last_failed: at(1_000),
        }
    }

    /// Kept questions are erased in place from a cursor, in batches, and stay erased in
    /// the file; dead letters go by their first failure, the oldest left named as pending.
    #[test]
    fn old_questions_are_erased_in_place_and_old_dead_letters_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        let store = Store::open(&path).expect("store");
        store
            .write(|tx| {
                for n in 0..5 {
                    tx.record_deflection(&Deflection {
                        at: at(n * 10),
                        form: "support".into(),
                        article: "reset-password".into(),
                        question: format!("question marker-{n}"),
                        customer: Some(40 + n as u64),
                    })?;
                }
                // Failed first at 0 and 30; retried later (`last_failed`), which does not count.
                for (id, failed) in [(7, at(30)), (8, at(0)), (9, at(0))] {
                    tx.put_dead_letter(&letter(id, failed))?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .expect("written");
        let (questions, letters) = store
            .write(|tx| {
                let first = tx.erase_questions(0, at(25), 2)?;
                let second = tx.erase_questions(first.next.expect("moved"), at(25), 2)?;
                Ok::<_, crate::store::StoreError>((
                    vec![first, second],
                    tx.remove_old_dead_letters(at(25), 1)?,
                ))
            })
            .expect("erased");
        assert_eq!((questions[0].erased, questions[0].next, questions[0].more), (2, Some(3), true));
        assert_eq!(
            (questions[1].erased, questions[1].next, questions[1].pending),
            (1, Some(4), Some(at(30)))
        );
        assert_eq!((letters.erased, letters.more, letters.pending), (1, true, Some(at(30))));
        drop(store);
        let store = Store::open(&path).expect("opened again");
        let read = store.read().expect("read");
        let kept = read.deflections().expect("deflections");
        let erased: Vec<(&str, Option<u64>, Timestamp)> =
            kept.iter().map(|q| (q.question.as_str(), q.customer, q.at)).collect();
        assert_eq!(
            erased,
            [
                (PLACEHOLDER, None, at(0)),
                (PLACEHOLDER, None, at(10)),
                (PLACEHOLDER, None, at(20)),
                ("question marker-3", Some(43), at(30)),
                ("question marker-4", Some(44), at(40)),
            ]
        );
        let ids: Vec<i64> = read.dead_letters().expect("letters").iter().map(|l| l.update_id).collect();
        assert_eq!(ids, [7, 9], "one of the two old letters per batch of one; the newer stays");
    }
}

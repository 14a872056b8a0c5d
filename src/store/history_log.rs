//! History as an append-only log. Every entry the desk appends is one record of the
//! `history_log` table, keyed by a global position that only grows: a page of messages to
//! a hundred tickets then writes at the log's tail (a few pages) instead of at the tail of a
//! hundred tickets' key ranges (a hundred leaves). Each record names its ticket and seq and
//! the position of the ticket's previous record, and `history_head` keeps the position of
//! each ticket's newest: a ticket's history is that chain walked back from its head.
//!
//! Files written before the log keep their entries in the `(ticket, seq)` `history` table,
//! read as they are and never moved (a large store opens without a migration): a ticket's
//! history is its rows there, then its chain, whose seqs go on from them. Nothing is
//! written there any more; the oldest record of a chain has no previous position.
//!
//! The functions here take the tables as the transaction opened them (a write
//! transaction's or a read transaction's), so both kinds read through the same code; a
//! read-only handle on a file no build with the log has opened yet has no log tables, which
//! reads as an empty log.

use redb::ReadableTable;

use super::StoreError;
use super::records::{EntryRecord, decode, encode};
use super::tables::LogRecord;
use crate::history::Entry;

/// A ticket's records in the log, newest first: its position, its seq and its entry.
pub(super) struct Step<'a> {
    pub position: u64,
    pub seq: u32,
    pub previous: Option<u64>,
    pub bytes: &'a [u8],
}

/// Appends `entries` to `ticket`'s chain at the log's next positions and moves its head.
pub(super) fn append(
    log: &mut redb::Table<'_, u64, LogRecord>,
    head: &mut redb::Table<'_, u64, u64>,
    ticket: u64,
    entries: &[Entry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut previous = head.get(ticket)?.map(|position| position.value());
    let next = log.last()?.map_or(0, |(key, _)| key.value() + 1);
    for (position, entry) in (next..).zip(entries) {
        let bytes = encode(&EntryRecord::from(entry));
        log.insert(position, (ticket, entry.seq, previous, bytes.as_slice()))?;
        previous = Some(position);
    }
    if let Some(newest) = previous {
        head.insert(ticket, newest)?;
    }
    Ok(())
}

/// Walks `ticket`'s chain from its head, newest first, calling `visit` with each record
/// until it answers `false`. Returns the seq of the last record visited (the oldest one
/// the walk reached), `None` when the ticket has no chain.
pub(super) fn walk<L, H>(
    log: &L,
    head: &H,
    ticket: u64,
    mut visit: impl FnMut(Step<'_>) -> Result<bool, StoreError>,
) -> Result<Option<u32>, StoreError>
where
    L: ReadableTable<u64, LogRecord>,
    H: ReadableTable<u64, u64>,
{
    let mut next = head.get(ticket)?.map(|position| position.value());
    let mut oldest = None;
    while let Some(position) = next {
        let guard = log.get(position)?.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "ticket {ticket}'s history names log position {position}, which is missing"
            ))
        })?;
        let (owner, seq, previous, bytes) = guard.value();
        if owner != ticket {
            return Err(StoreError::Corrupt(format!(
                "ticket {ticket}'s history names log position {position}, which is ticket {owner}'s"
            )));
        }
        oldest = Some(seq);
        next = previous;
        if !visit(Step { position, seq, previous, bytes })? {
            break;
        }
    }
    Ok(oldest)
}

/// The ticket's whole history, in order: its rows in the legacy table (`legacy`), then its
/// chain in the log.
pub(super) fn read_all<G, L, H>(
    legacy: &G,
    log: Option<(&L, &H)>,
    ticket: u64,
) -> Result<Vec<Entry>, StoreError>
where
    G: ReadableTable<(u64, u32), &'static [u8]>,
    L: ReadableTable<u64, LogRecord>,
    H: ReadableTable<u64, u64>,
{
    let mut chain = Vec::new();
    let oldest = match log {
        Some((log, head)) => walk(log, head, ticket, |step| {
            chain.push(decode_entry(step.bytes, step.seq)?);
            Ok(true)
        })?,
        None => None,
    };
    // A chain from seq 0 on is the whole history: the legacy table is not even looked at.
    let mut entries = match oldest {
        Some(0) => Vec::with_capacity(chain.len()),
        Some(first) => legacy_range(legacy, ticket, Some(first))?,
        None => legacy_range(legacy, ticket, None)?,
    };
    entries.extend(chain.into_iter().rev());
    Ok(entries)
}

/// Up to `limit` entries before `seq`, newest first: `limit` steps of the chain, then
/// (for a ticket whose history began before the log) the legacy rows below it.
pub(super) fn read_tail<G, L, H>(
    legacy: &G,
    log: Option<(&L, &H)>,
    ticket: u64,
    seq: u32,
    limit: usize,
) -> Result<Vec<Entry>, StoreError>
where
    G: ReadableTable<(u64, u32), &'static [u8]>,
    L: ReadableTable<u64, LogRecord>,
    H: ReadableTable<u64, u64>,
{
    let mut entries = Vec::new();
    if limit == 0 {
        return Ok(entries);
    }
    let mut below = seq;
    if let Some((log, head)) = log {
        walk(log, head, ticket, |step| {
            below = below.min(step.seq);
            if step.seq < seq {
                entries.push(decode_entry(step.bytes, step.seq)?);
            }
            Ok(entries.len() < limit)
        })?;
    }
    if entries.len() < limit && below > 0 {
        legacy_tail(legacy, ticket, below, limit - entries.len(), &mut entries)?;
    }
    Ok(entries)
}

/// How many entries the store holds, in both parts.
pub(super) fn count<G, L>(legacy: &G, log: Option<&L>) -> Result<u64, StoreError>
where
    G: ReadableTable<(u64, u32), &'static [u8]>,
    L: ReadableTable<u64, LogRecord>,
{
    Ok(legacy.len()? + log.map_or(Ok(0), redb::ReadableTableMetadata::len)?)
}

/// Rewrites each of the ticket's entries that `change` changes, in place in either part:
/// same key, same seq, same position in the chain.
pub(super) fn rewrite(
    legacy: &mut redb::Table<'_, (u64, u32), &'static [u8]>,
    log: &mut redb::Table<'_, u64, LogRecord>,
    head: &redb::Table<'_, u64, u64>,
    ticket: u64,
    mut change: impl FnMut(&mut Entry) -> bool,
) -> Result<(), StoreError> {
    let mut changed_log = Vec::new();
    walk(&*log, head, ticket, |step| {
        let mut entry = decode_entry(step.bytes, step.seq)?;
        if change(&mut entry) {
            changed_log.push((step.position, step.seq, step.previous, encode(&EntryRecord::from(&entry))));
        }
        Ok(true)
    })?;
    let mut changed_legacy = Vec::new();
    for row in legacy.range((ticket, 0)..=(ticket, u32::MAX))? {
        let (key, value) = row?;
        let seq = key.value().1;
        let mut entry = decode_entry(value.value(), seq)?;
        if change(&mut entry) {
            changed_legacy.push((seq, encode(&EntryRecord::from(&entry))));
        }
    }
    for (position, seq, previous, bytes) in changed_log {
        log.insert(position, (ticket, seq, previous, bytes.as_slice()))?;
    }
    for (seq, bytes) in changed_legacy {
        legacy.insert((ticket, seq), bytes.as_slice())?;
    }
    Ok(())
}

/// Removes the ticket's entries from both parts, and its head.
pub(super) fn remove(
    legacy: &mut redb::Table<'_, (u64, u32), &'static [u8]>,
    log: &mut redb::Table<'_, u64, LogRecord>,
    head: &mut redb::Table<'_, u64, u64>,
    ticket: u64,
) -> Result<(), StoreError> {
    let mut positions = Vec::new();
    walk(&*log, &*head, ticket, |step| {
        positions.push(step.position);
        Ok(true)
    })?;
    for position in positions {
        log.remove(position)?;
    }
    head.remove(ticket)?;
    let seqs: Vec<u32> = legacy
        .range((ticket, 0)..=(ticket, u32::MAX))?
        .map(|row| row.map(|(key, _)| key.value().1))
        .collect::<Result<_, _>>()?;
    for seq in seqs {
        legacy.remove((ticket, seq))?;
    }
    Ok(())
}

fn decode_entry(bytes: &[u8], seq: u32) -> Result<Entry, StoreError> {
    decode::<EntryRecord>("history entry", bytes)?.into_entry(seq)
}

/// The ticket's legacy rows (below `before`, when given), in order.
fn legacy_range<G>(legacy: &G, ticket: u64, before: Option<u32>) -> Result<Vec<Entry>, StoreError>
where
    G: ReadableTable<(u64, u32), &'static [u8]>,
{
    let mut entries = Vec::new();
    let rows = match before {
        Some(before) => legacy.range((ticket, 0)..(ticket, before))?,
        None => legacy.range((ticket, 0)..=(ticket, u32::MAX))?,
    };
    for row in rows {
        let (key, value) = row?;
        entries.push(decode_entry(value.value(), key.value().1)?);
    }
    Ok(entries)
}

/// Up to `limit` legacy rows below `below`, newest first, pushed onto `entries`.
fn legacy_tail<G>(
    legacy: &G,
    ticket: u64,
    mut below: u32,
    limit: usize,
    entries: &mut Vec<Entry>,
) -> Result<(), StoreError>
where
    G: ReadableTable<(u64, u32), &'static [u8]>,
{
    let wanted = entries.len() + limit;
    // A ticket's entries are numbered from 0 on, one after the other: the tail is read key
    // by key, newest first (a lookup costs a third of what a reversed range costs to open).
    // Should an entry be missing, the range reads what is left as it is.
    while entries.len() < wanted && below > 0 {
        let Some(value) = legacy.get((ticket, below - 1))? else { break };
        entries.push(decode_entry(value.value(), below - 1)?);
        below -= 1;
    }
    if entries.len() < wanted && below > 0 {
        for row in legacy.range((ticket, 0)..(ticket, below))?.rev().take(wanted - entries.len()) {
            let (key, value) = row?;
            entries.push(decode_entry(value.value(), key.value().1)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::Timestamp;
    use redb::{ReadableTable, ReadableTableMetadata};

    use crate::history::{Actor, Entry};
    use crate::store::{FILE_NAME, SCHEMA_VERSION, Store, StoreError, tables};
    use crate::ticket::{Change, Customer, Origin, Ticket, TicketId};

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + minutes * 60).expect("in range")
    }

    fn customer(id: u64) -> Customer {
        Customer { id, name: format!("Customer {id}"), username: None, language: None }
    }

    /// Opens a ticket and has the customer write `messages` times, each change appended.
    fn ticket_with_messages(store: &Store, customer_id: u64, messages: i64) -> TicketId {
        let id = store
            .write(|tx| {
                let id = tx.next_ticket_id()?;
                let (ticket, created) =
                    Ticket::open(id, customer(customer_id), "support", BTreeMap::new(), at(0));
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &[created])?;
                Ok::<_, StoreError>(id)
            })
            .expect("opened");
        for n in 0..messages {
            message(store, id, &format!("marker-{} message {n}", id.0), n + 1);
        }
        id
    }

    fn message(store: &Store, id: TicketId, text: &str, minute: i64) {
        store
            .write(|tx| {
                let mut ticket = tx.ticket(id)?.expect("exists");
                let origin = Origin { actor: Actor::Customer(ticket.customer.id), rules: None };
                let change = Change::CustomerMessage { text: text.to_owned() };
                let entries = ticket.apply(change, &origin, at(minute)).expect("legal");
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &entries)
            })
            .expect("message");
    }

    /// Turns the file into one a build from before the log wrote: every log record moved
    /// into the `(ticket, seq)` table, the log's tables gone, schema 1.
    fn make_legacy(path: &std::path::Path) {
        let db = redb::Database::create(path).expect("open");
        let txn = db.begin_write().expect("txn");
        {
            let log = txn.open_table(tables::HISTORY_LOG).expect("log");
            let mut legacy = txn.open_table(tables::HISTORY).expect("history");
            for row in log.iter().expect("iter") {
                let (_, record) = row.expect("row");
                let (ticket, seq, _, bytes) = record.value();
                legacy.insert((ticket, seq), bytes).expect("insert");
            }
        }
        assert!(txn.delete_table(tables::HISTORY_LOG).expect("delete"));
        assert!(txn.delete_table(tables::HISTORY_HEAD).expect("delete"));
        txn.open_table(tables::META).expect("meta").insert(tables::SCHEMA_VERSION_KEY, 1).expect("v1");
        txn.commit().expect("commit");
    }

    /// (legacy rows, log records, heads) in the file.
    fn rows(store: &Store) -> (u64, u64, u64) {
        let read = store.read().expect("read");
        (
            read.txn.open_table(tables::HISTORY).expect("history").len().expect("len"),
            read.txn.open_table(tables::HISTORY_LOG).expect("log").len().expect("len"),
            read.txn.open_table(tables::HISTORY_HEAD).expect("head").len().expect("len"),
        )
    }

    fn seqs(entries: &[Entry]) -> Vec<u32> {
        entries.iter().map(|entry| entry.seq).collect()
    }

    /// A store from before the log keeps its entries where they are; this build appends to
    /// the log only, and a ticket reads back whole and in order across the two parts, its
    /// tail included, through a write transaction, a read one and a read-only handle.
    #[test]
    fn a_history_written_before_the_log_reads_whole_with_what_this_build_appends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        let (old, other) = {
            let store = Store::open(&path).expect("store");
            (ticket_with_messages(&store, 5, 3), ticket_with_messages(&store, 6, 1))
        };
        let before = Store::open(&path).expect("store").read().expect("read").history(old).expect("history");
        assert_eq!(seqs(&before), [0, 1, 2, 3]);
        make_legacy(&path);

        // Read-only, before any build with the log opened it: no log tables, all legacy.
        {
            let read_only = Store::open_read_only(&path).expect("read-only");
            let read = read_only.read().expect("read");
            assert_eq!(read.schema_version().expect("version"), Some(1));
            assert_eq!(read.history(old).expect("history"), before);
            assert_eq!(seqs(&read.history_tail(old, 4, 2).expect("tail")), [3, 2]);
        }

        let store = Store::open(&path).expect("migrated");
        assert_eq!(store.read().expect("read").schema_version().expect("version"), Some(SCHEMA_VERSION));
        assert_eq!(rows(&store), (6, 0, 0), "nothing moved at open");
        // Appends interleaved between the old ticket, the other old one and a new one.
        message(&store, old, "after the upgrade", 10);
        message(&store, other, "the other one", 11);
        let new = ticket_with_messages(&store, 7, 1);
        message(&store, old, "and again", 12);
        assert_eq!(rows(&store), (6, 5, 3), "new entries go to the log only");

        let read = store.read().expect("read");
        let history = read.history(old).expect("history");
        assert_eq!(seqs(&history), [0, 1, 2, 3, 4, 5]);
        assert_eq!(history[..4], before[..], "the legacy entries as they were");
        let texts: Vec<String> = history[4..].iter().map(|entry| entry.kind.to_string()).collect();
        assert!(texts[0].contains("after the upgrade") && texts[1].contains("and again"), "{texts:?}");
        assert_eq!(seqs(&read.history(other).expect("other")), [0, 1, 2]);
        assert_eq!(seqs(&read.history(new).expect("new")), [0, 1]);
        // Tails: within the log, across into the legacy rows, below the newest, past the start.
        assert_eq!(seqs(&read.history_tail(old, 6, 1).expect("tail")), [5]);
        assert_eq!(seqs(&read.history_tail(old, 6, 4).expect("tail")), [5, 4, 3, 2]);
        assert_eq!(seqs(&read.history_tail(old, 5, 2).expect("tail")), [4, 3]);
        assert_eq!(seqs(&read.history_tail(old, 6, 10).expect("tail")), [5, 4, 3, 2, 1, 0]);
        assert_eq!(seqs(&read.history_tail(new, 2, 10).expect("tail")), [1, 0]);
        // The write transaction reads the same.
        let in_write = store.write(|tx| tx.history(old)).expect("history");
        assert_eq!(in_write, history);
        // The facts answer for every ticket: entries counted in both parts.
        let complete = read.for_each_facts(|_, _| Ok::<_, StoreError>(())).expect("scan");
        assert!(complete, "facts cover legacy and log entries");
    }

    /// Retention's content erasure rewrites the entries of both parts in place, and a
    /// forget removes both parts and the head, leaving other tickets' chains whole.
    #[test]
    fn retention_and_forget_erase_both_parts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        let (old, other) = {
            let store = Store::open(&path).expect("store");
            (ticket_with_messages(&store, 5, 2), ticket_with_messages(&store, 6, 2))
        };
        make_legacy(&path);
        let store = Store::open(&path).expect("migrated");
        message(&store, old, "marker-1 after", 10);
        message(&store, other, "marker-2 after", 11);
        message(&store, old, "marker-1 again", 12);
        let before = store.read().expect("read").history(old).expect("history");
        let other_before = store.read().expect("read").history(other).expect("history");

        assert!(store.write(|tx| tx.erase_ticket_content(old)).expect("erased"));
        let read = store.read().expect("read");
        let after = read.history(old).expect("history");
        assert_eq!(seqs(&after), seqs(&before), "every entry kept, in order");
        let texts: Vec<String> = after.iter().skip(1).map(|entry| entry.kind.to_string()).collect();
        assert!(texts.iter().all(|text| !text.contains("marker")), "{texts:?}");
        assert_eq!(texts.len(), 4, "two legacy messages and two in the log");
        assert_eq!(read.history(other).expect("other"), other_before);
        assert!(read.for_each_facts(|_, _| Ok::<_, StoreError>(())).expect("scan"), "nothing appended");
        drop(read);

        store.write(|tx| tx.erase_ticket(old)).expect("forgotten");
        assert!(store.read().expect("read").history(old).expect("history").is_empty());
        assert_eq!(rows(&store), (3, 1, 1), "only the other ticket's rows are left");
        assert_eq!(store.read().expect("read").history(other).expect("other"), other_before);
    }
}

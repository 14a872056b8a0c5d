//! Transactions: [`Tx`] writes inside one redb write transaction, [`ReadTx`] reads a
//! committed snapshot. Index upkeep lives here, next to the writes that need it, so no
//! caller can update a ticket and forget its indexes.

use jiff::Timestamp;
use redb::{ReadableMultimapTable, ReadableTable, ReadableTableMetadata};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::facts_record;
use super::history_log;
use super::open::{
    BUSINESS, BY_ASSIGNEE, BY_CLOSED, BY_CUSTOMER, BY_STATUS, BY_TOPIC, COUNTERS, DEADLINE_OF, DEADLINES,
    DEFLECTIONS, DOORS, FACTS, HELD, HISTORY, HISTORY_HEAD, HISTORY_LOG, META, OUTBOX, Open, PROMPTS,
    SESSIONS, TICKETS, Table,
};
use super::records::{TicketKeysRecord, TicketRecord, decode, encode};
use super::tables::{
    NEXT_DEFLECTION, NEXT_OUTBOX, NEXT_TICKET, RELAYED, SCHEMA_VERSION_KEY, UPDATE_OFFSET_KEY,
    UPDATE_OFFSET_SET_KEY,
};
use crate::business::BusinessConnection;
use crate::deadline::DeadlineKind;
use crate::history::Entry;
use crate::kb::Deflection;
use crate::metrics::{Facts, Labels};
use crate::outbox::{Call, HeldWhy, Lane, Outgoing};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Status, Ticket, TicketId, Topic, UserId};

/// The outbox record version [`Tx::enqueue`] writes. Version 1 kept the call as a JSON
/// value built first (its keys sorted); version 2 serialises the typed call directly (its
/// keys in declaration order, the tag first). Both read, forever: the call decodes the same
/// from either.
pub(super) const OUTBOX_RECORD_VERSION: u32 = 2;

/// An outbox entry as stored, read back. `call` stays undecoded JSON here so that an entry
/// whose call no longer decodes is reported on its own (it stays for inspection) while the
/// rest still go.
#[derive(Deserialize)]
pub(super) struct OutboxRecord<'a> {
    v: u32,
    chat_id: i64,
    lane: Lane,
    #[serde(default)]
    ticket: Option<TicketId>,
    #[serde(borrow)]
    call: &'a serde_json::value::RawValue,
}

/// An outbox entry as [`Tx::enqueue`] writes it: the borrowed call serialised in place.
#[derive(Serialize)]
struct OutboxRecordOut<'a> {
    v: u32,
    chat_id: i64,
    lane: Lane,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<TicketId>,
    call: &'a Call,
}

impl OutboxRecordOut<'_> {
    fn of(outgoing: &Outgoing) -> OutboxRecordOut<'_> {
        OutboxRecordOut {
            v: OUTBOX_RECORD_VERSION,
            chat_id: outgoing.chat_id,
            lane: outgoing.lane,
            ticket: outgoing.ticket,
            call: &outgoing.call,
        }
    }
}

impl OutboxRecord<'_> {
    /// Whether the entry goes to the customer's chat or belongs to one of their tickets.
    pub(super) fn concerns(&self, customer: UserId, tickets: &std::collections::BTreeSet<TicketId>) -> bool {
        self.chat_id == customer as i64 || self.ticket.is_some_and(|ticket| tickets.contains(&ticket))
    }

    /// The entry, or why its call does not decode (or its record version is unknown).
    pub(super) fn into_outgoing(self) -> Result<Outgoing, StoreError> {
        if !(1..=OUTBOX_RECORD_VERSION).contains(&self.v) {
            return Err(StoreError::RecordVersion { what: "outbox", version: self.v });
        }
        let call = serde_json::from_str::<Call>(self.call.get())
            .map_err(|error| StoreError::Corrupt(format!("unreadable outbox call: {error}")))?;
        Ok(Outgoing { chat_id: self.chat_id, lane: self.lane, ticket: self.ticket, call })
    }
}

/// A Telegram Business connection, as stored (`desk::BusinessConnection`, version 1).
#[derive(Serialize, Deserialize)]
struct BusinessConnectionRecord {
    v: u32,
    id: String,
    owner: UserId,
    owner_username: Option<String>,
    owner_name: String,
    can_reply: bool,
    can_read_messages: bool,
    enabled: bool,
}

/// The business connection a customer writes through, as stored. Version 2 adds `unread`,
/// the customer's latest message not yet marked read; version 1 records read as none.
#[derive(Serialize, Deserialize)]
struct DoorRecord {
    v: u32,
    connection: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unread: Option<i32>,
}

/// The calls held for a customer of a business account, as stored: each entry an outbox
/// record as the outbox keeps it. Version 2 adds `why`, what they wait for (the reason the
/// topic was told); version 1 records read it as not known.
#[derive(Deserialize)]
struct HeldRecord<'a> {
    v: u32,
    #[serde(borrow)]
    entries: Vec<OutboxRecord<'a>>,
    #[serde(default)]
    why: Option<HeldWhy>,
}

/// [`HeldRecord`] as [`Tx::set_held`] writes it.
#[derive(Serialize)]
struct HeldRecordOut<'a> {
    v: u32,
    entries: Vec<OutboxRecordOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<HeldWhy>,
}

/// A question an article answered, as stored (`kb::Deflection`, version 1).
#[derive(Serialize, Deserialize)]
pub(super) struct DeflectionRecord {
    pub(super) v: u32,
    pub(super) at: Timestamp,
    pub(super) form: String,
    pub(super) article: String,
    pub(super) question: String,
    /// Whose question it was (kept since erasure on request); older records name nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) customer: Option<UserId>,
}

#[derive(Serialize, Deserialize)]
struct SessionRecord<T> {
    v: u32,
    session: T,
}

/// Writes in one transaction; see [`super::Store::write`].
pub struct Tx<'t> {
    pub(super) txn: &'t redb::WriteTransaction,
    /// The tables opened so far, kept open until the transaction ends.
    tables: Open<'t>,
}

/// A committed snapshot.
pub struct ReadTx {
    pub(super) txn: redb::ReadTransaction,
}

/// What facts scans saw: the records, and the history entries those records folded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactsSeen {
    pub records: u64,
    pub folded: u64,
}

impl std::ops::Add for FactsSeen {
    type Output = FactsSeen;
    fn add(self, other: FactsSeen) -> FactsSeen {
        FactsSeen { records: self.records + other.records, folded: self.folded + other.folded }
    }
}

impl<'t> Tx<'t> {
    pub(super) fn new(txn: &'t redb::WriteTransaction) -> Tx<'t> {
        Tx { txn, tables: Open::default() }
    }

    /// Reserves the next ticket number.
    pub fn next_ticket_id(&mut self) -> Result<TicketId, StoreError> {
        Ok(TicketId(self.bump(NEXT_TICKET)?))
    }

    /// Stores the ticket and brings every index along.
    pub fn save_ticket(&mut self, ticket: &Ticket) -> Result<(), StoreError> {
        let mut tickets = self.open(TICKETS)?;
        // Only the keys of the stored version: its index rows and labels.
        let old_record = match tickets.get(ticket.id.0)? {
            Some(bytes) => Some(decode::<TicketKeysRecord>("ticket", bytes.value())?.checked()?),
            None => None,
        };
        let old = old_record.as_ref().map(Keys::of_record);
        let new = Keys::of(ticket);
        let ticket_keys = &new;
        tickets.insert(ticket.id.0, encode(&TicketRecord::from(ticket)).as_slice())?;
        drop(tickets);
        let id = ticket.id.0;
        // The facts record carries the ticket's labels: a change of them (an assignment, a
        // priority, a tag) is written there too, whether or not history comes with it. A
        // ticket without a record yet gets its labels when its first entries are folded.
        if old.as_ref().is_none_or(|old| !same_labels(old, ticket_keys)) {
            let mut facts = self.open(FACTS)?;
            let known = match facts.get(id)? {
                // A record of an earlier version lacks facts this build keeps: folded
                // again from the history, not carried over short of them.
                Some(bytes) if !facts_record::is_current(bytes.value()) => {
                    drop(bytes);
                    Some(Facts::of_history(&self.history(ticket.id)?))
                }
                Some(bytes) => Some(facts_record::decode(bytes.value())?.0),
                None => None,
            };
            // Written whole in this build's version, whichever version it was read in.
            if let Some(known) = known {
                facts.insert(id, facts_record::encode(&known, Some(&Labels::of(ticket))).as_slice())?;
            }
        }
        if old.is_none() {
            self.open(BY_CUSTOMER)?.insert((ticket.customer.id, id), ())?;
        }
        // Only an index whose key moved is written: most saves (a message, a note) move none.
        let status = |t: &Keys<'_>| Some((status_code(t.status), id));
        // The assignee index holds active tickets only: it is an agent's load.
        let assignee = |t: &Keys<'_>| t.assignee.filter(|_| t.status.is_active()).map(|agent| (agent, id));
        let topic = |t: &Keys<'_>| t.topic;
        let (old_status, new_status) = (old.as_ref().and_then(status), status(ticket_keys));
        if old_status != new_status {
            let mut table = self.open(BY_STATUS)?;
            if let Some(key) = old_status {
                table.remove(key)?;
            }
            if let Some(key) = new_status {
                table.insert(key, ())?;
            }
        }
        let (old_assignee, new_assignee) = (old.as_ref().and_then(assignee), assignee(ticket_keys));
        if old_assignee != new_assignee {
            let mut table = self.open(BY_ASSIGNEE)?;
            if let Some(key) = old_assignee {
                table.remove(key)?;
            }
            if let Some(key) = new_assignee {
                table.insert(key, ())?;
            }
        }
        // Closed tickets by closing time: what retention walks.
        let closed = |t: &Keys<'_>| {
            t.closed_at.filter(|_| t.status == Status::Closed).map(|at| (at.as_millisecond(), id))
        };
        let (old_closed, new_closed) = (old.as_ref().and_then(closed), closed(ticket_keys));
        if old_closed != new_closed {
            let mut table = self.open(BY_CLOSED)?;
            if let Some(key) = old_closed {
                table.remove(key)?;
            }
            if let Some(key) = new_closed {
                table.insert(key, ())?;
            }
        }
        let (old_topic, new_topic) = (old.as_ref().and_then(topic), topic(ticket_keys));
        if old_topic != new_topic {
            let mut table = self.open(BY_TOPIC)?;
            if let Some(key) = old_topic {
                table.remove(key)?;
            }
            if let Some(key) = new_topic {
                table.insert(key, id)?;
            }
        }
        let (old_group, new_group) = (old.as_ref().and_then(Keys::active_group), ticket_keys.active_group());
        if old_group != new_group {
            if self.counter(ACTIVE_IN_GROUP_KEPT)?.is_some() {
                if let Some(group) = old_group {
                    self.add_active_in_group(group, -1)?;
                }
                if let Some(group) = new_group {
                    self.add_active_in_group(group, 1)?;
                }
            } else {
                // A store from before the counts: counted once from the records as now
                // written, this one included.
                self.count_active_in_groups()?;
            }
        }
        Ok(())
    }

    /// The active tickets (new, open, awaiting the customer) recorded in staff group
    /// `group`: a counter kept by [`save_ticket`](Self::save_ticket) and
    /// [`erase_ticket`](Self::erase_ticket), so a new ticket's group is chosen without a scan.
    /// Tickets stored before groups were recorded name none and count nowhere.
    pub fn active_in_group(&self, group: &str) -> Result<u64, StoreError> {
        if self.counter(ACTIVE_IN_GROUP_KEPT)?.is_some() {
            return Ok(self.counter(&format!("{ACTIVE_IN_GROUP}{group}"))?.unwrap_or(0));
        }
        // Not counted yet (no ticket changed since the upgrade): read from the records.
        Ok(self.tally_active_in_groups()?.remove(group).unwrap_or(0))
    }

    /// Every active ticket's group, counted from the status index and the records.
    fn tally_active_in_groups(&self) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        let mut ids = Vec::new();
        {
            let table = self.open(BY_STATUS)?;
            for status in Status::ALL.into_iter().filter(|status| status.is_active()) {
                let code = status_code(status);
                for row in table.range((code, 0)..=(code, u64::MAX))? {
                    ids.push(row?.0.value().1);
                }
            }
        }
        let tickets = self.open(TICKETS)?;
        let mut tally = std::collections::BTreeMap::new();
        for id in ids {
            let Some(bytes) = tickets.get(id)? else { continue };
            let record = decode::<TicketKeysRecord>("ticket", bytes.value())?.checked()?;
            if let Some(group) = Keys::of_record(&record).active_group() {
                *tally.entry(group.to_owned()).or_insert(0) += 1;
            }
        }
        Ok(tally)
    }

    /// Writes the per-group counts from the records and marks them kept from now on.
    fn count_active_in_groups(&mut self) -> Result<(), StoreError> {
        for (group, count) in self.tally_active_in_groups()? {
            self.set_counter(&format!("{ACTIVE_IN_GROUP}{group}"), count)?;
        }
        self.set_counter(ACTIVE_IN_GROUP_KEPT, 1)
    }

    /// An active ticket of `group` is erased: one fewer (counted later, if not yet kept).
    pub(super) fn forget_active_in_group(&mut self, group: &str) -> Result<(), StoreError> {
        if self.counter(ACTIVE_IN_GROUP_KEPT)?.is_some() {
            self.add_active_in_group(group, -1)?;
        }
        Ok(())
    }

    fn add_active_in_group(&mut self, group: &str, delta: i64) -> Result<(), StoreError> {
        let name = format!("{ACTIVE_IN_GROUP}{group}");
        let now = self.counter(&name)?.unwrap_or(0);
        let next = now.saturating_add_signed(delta);
        if next == 0 {
            self.remove_counter(&name)?;
            return Ok(());
        }
        self.set_counter(&name, next)
    }

    /// Appends history entries; their `seq` numbers come from the ticket. The ticket's
    /// metric facts follow in the same transaction: the new entries are folded into its
    /// record, so no caller can append and leave the facts behind.
    pub fn append_history(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StoreError> {
        self.append_to_log(ticket, entries)?;
        self.fold_facts(ticket, entries)
    }

    /// Appends the entries to the history log (see [`history_log`]).
    fn append_to_log(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StoreError> {
        let mut log = self.open(HISTORY_LOG)?;
        let mut head = self.open(HISTORY_HEAD)?;
        history_log::append(&mut log, &mut head, ticket.0, entries)
    }

    /// Appends history entries and leaves the facts as they are, as a build from before
    /// facts were kept did: only for tests and benches of the files such builds left
    /// behind. Everything else appends with [`Self::append_history`].
    #[doc(hidden)]
    pub fn append_history_as_a_build_without_facts(
        &mut self,
        ticket: TicketId,
        entries: &[Entry],
    ) -> Result<(), StoreError> {
        self.append_to_log(ticket, entries)
    }

    /// Folds `entries`, just appended to the ticket's history, into its facts record (the
    /// second half of [`Self::append_history`], apart so that `topicdesk bench` can time
    /// what keeping the facts costs a change).
    pub fn fold_facts(&mut self, ticket: TicketId, entries: &[Entry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut table = self.open(FACTS)?;
        let (known, labels) = match table.get(ticket.0)? {
            Some(bytes) => {
                let (facts, labels) = facts_record::decode(bytes.value())?;
                // An earlier version's facts lack some this build keeps: folded again below.
                let current = facts_record::is_current(bytes.value());
                (Some(facts).filter(|_| current), labels)
            }
            None => (None, None),
        };
        let (facts, labels) = match known {
            Some(mut facts) if facts.follows(entries) => {
                facts.fold(entries);
                (facts, labels)
            }
            None if entries[0].seq == 0 => (Facts::of_history(entries), labels),
            // A ticket from before facts were kept, or whose history another build wrote
            // without them: folded once from its whole history, which ends with `entries`;
            // its labels are read again from the ticket, which that build may have changed.
            Some(_) | None => (Facts::of_history(&self.history(ticket)?), None),
        };
        // A new record, or one a build before labels wrote: the ticket's labels, once.
        let labels = match labels {
            Some(labels) => Some(labels),
            None => self.ticket(ticket)?.map(|ticket| Labels::of(&ticket)),
        };
        table.insert(ticket.0, facts_record::encode(&facts, labels.as_ref()).as_slice())?;
        Ok(())
    }

    /// Queues a call for the dispatcher; returns its sequence number, which is above every
    /// entry in the outbox (even one the counter did not hand out), so a reader that has
    /// read up to some number finds everything queued since after it.
    pub fn enqueue(&mut self, outgoing: &Outgoing) -> Result<u64, StoreError> {
        let mut seq = self.bump(NEXT_OUTBOX)?;
        let mut table = self.open(OUTBOX)?;
        let last = table.last()?.map(|(last, _)| last.value());
        if let Some(last) = last
            && last >= seq
        {
            seq = last + 1;
            self.open(COUNTERS)?.insert(NEXT_OUTBOX, seq + 1)?;
        }
        let record = OutboxRecordOut::of(outgoing);
        table.insert(seq, encode(&record).as_slice())?;
        Ok(seq)
    }

    /// Drops a call Telegram has accepted (or that has a defined final outcome).
    pub fn remove_outgoing(&mut self, seq: u64) -> Result<bool, StoreError> {
        Ok(self.open(OUTBOX)?.remove(seq)?.is_some())
    }

    pub fn set_update_offset(&mut self, update_id: i64) -> Result<(), StoreError> {
        let mut meta = self.open(META)?;
        meta.insert(UPDATE_OFFSET_KEY, update_id.cast_unsigned())?;
        meta.insert(UPDATE_OFFSET_SET_KEY, 1)?;
        Ok(())
    }

    pub fn put_session<T: Serialize>(&mut self, customer: UserId, session: &T) -> Result<(), StoreError> {
        let record = SessionRecord { v: 1, session };
        self.open(SESSIONS)?.insert(customer, encode(&record).as_slice())?;
        Ok(())
    }

    /// Keeps a question an article answered before a ticket was opened.
    pub fn record_deflection(&mut self, deflection: &Deflection) -> Result<(), StoreError> {
        let seq = self.bump(NEXT_DEFLECTION)?;
        let record = DeflectionRecord {
            v: 1,
            at: deflection.at,
            form: deflection.form.clone(),
            article: deflection.article.clone(),
            question: deflection.question.clone(),
            customer: deflection.customer,
        };
        self.open(DEFLECTIONS)?.insert(seq, encode(&record).as_slice())?;
        Ok(())
    }

    /// Keeps a business connection as it now stands.
    pub fn save_business_connection(&mut self, connection: &BusinessConnection) -> Result<(), StoreError> {
        let record = BusinessConnectionRecord {
            v: 1,
            id: connection.id.clone(),
            owner: connection.owner,
            owner_username: connection.owner_username.clone(),
            owner_name: connection.owner_name.clone(),
            can_reply: connection.can_reply,
            can_read_messages: connection.can_read_messages,
            enabled: connection.enabled,
        };
        self.open(BUSINESS)?.insert(connection.id.as_str(), encode(&record).as_slice())?;
        Ok(())
    }

    /// Records (or, with `None`, forgets) the business connection the customer writes through.
    pub fn set_door(&mut self, customer: UserId, connection: Option<&str>) -> Result<(), StoreError> {
        // The unread message stays while the door does.
        let before = self.door_record(customer)?;
        let mut doors = self.open(DOORS)?;
        match connection {
            Some(connection) => {
                let unread = before.filter(|before| before.connection == connection).and_then(|b| b.unread);
                let record = DoorRecord { v: 2, connection: connection.to_owned(), unread };
                doors.insert(customer, encode(&record).as_slice())?;
            }
            None => {
                doors.remove(customer)?;
            }
        }
        Ok(())
    }

    /// Records the customer's latest message not yet marked read (`None`: all read); a
    /// customer without a door keeps none.
    pub fn set_unread(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StoreError> {
        let Some(mut record) = self.door_record(customer)? else { return Ok(()) };
        if record.unread == message_id && record.v == 2 {
            return Ok(());
        }
        record.v = 2;
        record.unread = message_id;
        self.open(DOORS)?.insert(customer, encode(&record).as_slice())?;
        Ok(())
    }

    /// Keeps the calls held for the customer, in order, and what they wait for; none removes
    /// the row.
    pub fn set_held(
        &mut self,
        customer: UserId,
        held: &[Outgoing],
        why: Option<HeldWhy>,
    ) -> Result<(), StoreError> {
        let mut table = self.open(HELD)?;
        if held.is_empty() {
            table.remove(customer)?;
        } else {
            let entries = held.iter().map(OutboxRecordOut::of).collect();
            let record = HeldRecordOut { v: 2, entries, why };
            table.insert(customer, encode(&record).as_slice())?;
        }
        Ok(())
    }

    pub fn delete_session(&mut self, customer: UserId) -> Result<(), StoreError> {
        self.open(SESSIONS)?.remove(customer)?;
        Ok(())
    }

    /// Remembers (or, with `None`, forgets) the customer's live intake prompt.
    pub fn set_prompt(&mut self, customer: UserId, message_id: Option<i32>) -> Result<(), StoreError> {
        let mut prompts = self.open(PROMPTS)?;
        match message_id {
            Some(id) => prompts.insert(customer, id)?,
            None => prompts.remove(customer)?,
        };
        Ok(())
    }

    /// Sets (or moves) the deadline of its timer. The index keeps whole milliseconds.
    /// A deadline already due then is left as it is: no row is written.
    pub fn set_deadline(&mut self, deadline: Deadline) -> Result<(), StoreError> {
        let (ticket, kind) = timer_key(deadline.timer);
        let due = deadline.due.as_millisecond();
        let mut of = self.open(DEADLINE_OF)?;
        let old = of.get((ticket, kind))?.map(|v| v.value());
        if old == Some(due) {
            return Ok(());
        }
        of.insert((ticket, kind), due)?;
        drop(of);
        let mut index = self.open(DEADLINES)?;
        if let Some(old) = old {
            index.remove((old, ticket, kind))?;
        }
        index.insert((due, ticket, kind), ())?;
        Ok(())
    }

    pub fn clear_deadline(&mut self, timer: Timer) -> Result<(), StoreError> {
        let (ticket, kind) = timer_key(timer);
        let old = self.open(DEADLINE_OF)?.remove((ticket, kind))?.map(|v| v.value());
        if let Some(due) = old {
            self.open(DEADLINES)?.remove((due, ticket, kind))?;
        }
        Ok(())
    }

    /// Records that `a` and `b` are the same message on both sides of a relay.
    pub fn link_messages(&mut self, a: (i64, i32), b: (i64, i32)) -> Result<(), StoreError> {
        let mut relayed = self.txn.open_multimap_table(RELAYED)?;
        relayed.insert(a, b)?;
        relayed.insert(b, a)?;
        Ok(())
    }

    pub fn set_counter(&mut self, name: &str, value: u64) -> Result<(), StoreError> {
        self.open(COUNTERS)?.insert(name, value)?;
        Ok(())
    }

    /// Removes a named counter; whether it was there.
    pub fn remove_counter(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self.open(COUNTERS)?.remove(name)?.is_some())
    }

    pub(super) fn bump(&mut self, name: &str) -> Result<u64, StoreError> {
        let mut counters = self.open(COUNTERS)?;
        let next = counters.get(name)?.map_or(1, |v| v.value());
        counters.insert(name, next + 1)?;
        Ok(next)
    }
}

/// The counters of active tickets per staff group (`active_in_group:<name>`), and the one
/// that says they are kept: absent in a store written before them, which counts them at its
/// first change of a ticket's group or activity.
const ACTIVE_IN_GROUP: &str = "active_in_group:";
const ACTIVE_IN_GROUP_KEPT: &str = "active_in_group_kept";

/// What of a ticket its index rows and its metric labels are made of: [`Tx::save_ticket`]
/// compares the stored version's with the new one's.
struct Keys<'a> {
    status: Status,
    assignee: Option<u64>,
    topic: Option<(i64, i32)>,
    closed_at: Option<Timestamp>,
    priority: crate::ticket::Priority,
    category: Option<&'a str>,
    form: &'a str,
    tags: &'a std::collections::BTreeSet<String>,
    group: Option<&'a str>,
}

impl Keys<'_> {
    fn of(t: &Ticket) -> Keys<'_> {
        Keys {
            status: t.status,
            assignee: t.assignee,
            topic: t.topic.map(|topic| (topic.chat_id, topic.thread_id)),
            closed_at: t.closed_at,
            priority: t.priority,
            category: t.category.as_deref(),
            form: &t.form,
            tags: &t.tags,
            group: t.group.as_deref(),
        }
    }

    fn of_record(r: &TicketKeysRecord) -> Keys<'_> {
        Keys {
            status: r.status,
            assignee: r.assignee,
            topic: r.topic,
            closed_at: r.closed_at,
            priority: r.priority,
            category: r.category.as_deref(),
            form: &r.form,
            tags: &r.tags,
            group: r.group.as_deref(),
        }
    }

    /// The staff group whose active tickets this version counts among (see
    /// [`Tx::active_in_group`]): its recorded group while it is active.
    fn active_group(&self) -> Option<&str> {
        self.group.filter(|_| self.status.is_active())
    }
}

/// Whether two versions of a ticket have the same `metrics::Labels`.
fn same_labels(a: &Keys<'_>, b: &Keys<'_>) -> bool {
    a.assignee == b.assignee
        && a.priority == b.priority
        && a.category == b.category
        && a.form == b.form
        && a.tags == b.tags
        && a.topic.map(|t| t.0) == b.topic.map(|t| t.0)
}

/// A table as a read uses it, whichever transaction opened it: a write transaction lends
/// its open table, a read transaction's is its own.
trait View {
    type Table;
    fn view(&self) -> &Self::Table;
}

impl<T> View for std::cell::RefMut<'_, T> {
    type Table = T;
    fn view(&self) -> &T {
        self
    }
}

impl<K: redb::Key + 'static, V: redb::Value + 'static> View for redb::ReadOnlyTable<K, V> {
    type Table = Self;
    fn view(&self) -> &Self {
        self
    }
}

/// A table of the history log, or `None` in a file no build with the log has written yet
/// (read through a read-only handle, which cannot create it).
fn optional<T>(table: Result<T, redb::TableError>) -> Result<Option<T>, StoreError> {
    match table {
        Ok(table) => Ok(Some(table)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The reads both transaction kinds offer, written once over `open`.
macro_rules! reads {
    ($ty:ty, $open:ident, $open_multi:ident) => {
        impl $ty {
            pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
                match self.$open(TICKETS)?.get(id.0)? {
                    Some(bytes) => Ok(Some(decode::<TicketRecord>("ticket", bytes.value())?.into_ticket()?)),
                    None => Ok(None),
                }
            }

            /// The ticket's whole history, in order (see [`history_log`]).
            pub fn history(&self, id: TicketId) -> Result<Vec<Entry>, StoreError> {
                let legacy = self.$open(HISTORY)?;
                let log = optional(self.$open(HISTORY_LOG))?;
                let head = optional(self.$open(HISTORY_HEAD))?;
                let chain = log.as_ref().map(View::view).zip(head.as_ref().map(View::view));
                history_log::read_all(legacy.view(), chain, id.0)
            }

            /// Up to `limit` entries before `seq`, newest first: the tail of the history,
            /// `limit` steps back from the ticket's newest entry, the rest not decoded.
            pub fn history_tail(
                &self,
                id: TicketId,
                seq: u32,
                limit: usize,
            ) -> Result<Vec<Entry>, StoreError> {
                let legacy = self.$open(HISTORY)?;
                let log = optional(self.$open(HISTORY_LOG))?;
                let head = optional(self.$open(HISTORY_HEAD))?;
                let chain = log.as_ref().map(View::view).zip(head.as_ref().map(View::view));
                history_log::read_tail(legacy.view(), chain, id.0, seq, limit)
            }

            pub fn ticket_by_topic(&self, topic: Topic) -> Result<Option<TicketId>, StoreError> {
                Ok(self.$open(BY_TOPIC)?.get((topic.chat_id, topic.thread_id))?.map(|v| TicketId(v.value())))
            }

            /// The customer's tickets, oldest first.
            pub fn tickets_of_customer(&self, customer: UserId) -> Result<Vec<TicketId>, StoreError> {
                let table = self.$open(BY_CUSTOMER)?;
                let rows = table.range((customer, 0)..=(customer, u64::MAX))?;
                rows.map(|row| Ok(TicketId(row?.0.value().1))).collect()
            }

            pub fn tickets_in_status(&self, status: Status) -> Result<Vec<TicketId>, StoreError> {
                let code = status_code(status);
                let table = self.$open(BY_STATUS)?;
                let rows = table.range((code, 0)..=(code, u64::MAX))?;
                rows.map(|row| Ok(TicketId(row?.0.value().1))).collect()
            }

            /// The agent's active tickets (new, open, awaiting the customer).
            pub fn tickets_of_assignee(&self, agent: UserId) -> Result<Vec<TicketId>, StoreError> {
                let table = self.$open(BY_ASSIGNEE)?;
                let rows = table.range((agent, 0)..=(agent, u64::MAX))?;
                rows.map(|row| Ok(TicketId(row?.0.value().1))).collect()
            }

            /// Calls `visit` with every ticket in id order, decoding one at a time.
            pub fn for_each_ticket<E: From<StoreError>>(
                &self,
                mut visit: impl FnMut(Ticket) -> Result<(), E>,
            ) -> Result<(), E> {
                let table = self.$open(TICKETS).map_err(StoreError::from)?;
                for row in table.range(0..).map_err(StoreError::from)? {
                    let (_, value) = row.map_err(StoreError::from)?;
                    visit(decode::<TicketRecord>("ticket", value.value())?.into_ticket()?)?;
                }
                Ok(())
            }

            /// The ticket's metric facts as the store keeps them, up to date with its
            /// history; `None` for a ticket of a file written before facts were kept (or
            /// whose history went on without them: `folded` short of the ticket's
            /// `next_seq`), which the caller folds from the history instead.
            pub fn facts(&self, ticket: &Ticket) -> Result<Option<Facts>, StoreError> {
                let table = match self.$open(FACTS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(error) => return Err(error.into()),
                };
                match table.get(ticket.id.0)? {
                    Some(bytes) => {
                        let facts = facts_record::decode(bytes.value())?.0;
                        let current = facts_record::is_current(bytes.value());
                        Ok(Some(facts).filter(|facts| current && facts.folded == ticket.next_seq))
                    }
                    None => Ok(None),
                }
            }

            /// Calls `visit` with every ticket in id order and its facts (as
            /// [`Self::facts`] gives them), decoding one at a time.
            pub fn for_each_ticket_facts<E: From<StoreError>>(
                &self,
                mut visit: impl FnMut(Ticket, Option<Facts>) -> Result<(), E>,
            ) -> Result<(), E> {
                let tickets = self.$open(TICKETS).map_err(StoreError::from)?;
                let facts = match self.$open(FACTS) {
                    Ok(table) => Some(table),
                    Err(redb::TableError::TableDoesNotExist(_)) => None,
                    Err(error) => return Err(StoreError::from(error).into()),
                };
                for row in tickets.range(0..).map_err(StoreError::from)? {
                    let (id, value) = row.map_err(StoreError::from)?;
                    let ticket = decode::<TicketRecord>("ticket", value.value())?.into_ticket()?;
                    let known = match &facts {
                        Some(table) => match table.get(id.value()).map_err(StoreError::from)? {
                            Some(bytes) if facts_record::is_current(bytes.value()) => {
                                Some(facts_record::decode(bytes.value())?.0)
                            }
                            Some(_) | None => None,
                        },
                        None => None,
                    };
                    let known = known.filter(|facts| facts.folded == ticket.next_seq);
                    visit(ticket, known)?;
                }
                Ok(())
            }

            /// Calls `visit` with every ticket's labels and facts in id order, reading the
            /// facts table alone (no ticket record, no history). `Ok(false)` when that table
            /// cannot answer for every ticket ([`Self::facts_cover`]); `visit` may have been
            /// called before that is known; the caller then reads the tickets instead
            /// ([`Self::for_each_ticket_facts`]).
            pub fn for_each_facts<E: From<StoreError>>(
                &self,
                visit: impl FnMut(&Labels, &Facts) -> Result<(), E>,
            ) -> Result<bool, E> {
                match self.scan_facts(.., visit)? {
                    Some(seen) => Ok(self.facts_cover(seen)?),
                    None => Ok(false),
                }
            }

            /// Calls `visit` with the labels and facts of every record whose ticket id lies
            /// in `ids`, in id order, each decoded into the same two values (a scan allocates
            /// nothing per record once they have grown). `Ok(None)` as soon as a record
            /// without labels (written before they were kept) is met, or when there is no
            /// facts table; otherwise what the scan saw, for [`Self::facts_cover`].
            pub fn scan_facts<E: From<StoreError>>(
                &self,
                ids: impl std::ops::RangeBounds<u64>,
                mut visit: impl FnMut(&Labels, &Facts) -> Result<(), E>,
            ) -> Result<Option<FactsSeen>, E> {
                let table = match self.$open(FACTS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(error) => return Err(StoreError::from(error).into()),
                };
                let mut seen = FactsSeen::default();
                let (mut facts, mut labels) = (Facts::new(jiff::Timestamp::UNIX_EPOCH), Labels::empty());
                for row in table.range(ids).map_err(StoreError::from)? {
                    let (_, value) = row.map_err(StoreError::from)?;
                    if !facts_record::is_current(value.value())
                        || !facts_record::decode_into(value.value(), &mut facts, &mut labels)?
                    {
                        return Ok(None);
                    }
                    seen.records += 1;
                    seen.folded += u64::from(facts.folded);
                    visit(&labels, &facts)?;
                }
                Ok(Some(seen))
            }

            /// Whether scans that saw `seen` between them answer for every ticket: no
            /// ticket is missing a record and no record is behind its history (a build
            /// that kept no facts appended to it), seen as the entries folded falling short
            /// of the entries stored.
            pub fn facts_cover(&self, seen: FactsSeen) -> Result<bool, StoreError> {
                // Each record has folded its ticket's entries `0..folded`, and entries are
                // never removed: the counts match exactly when every record is whole.
                let tickets = self.$open(TICKETS)?.len()?;
                let log = optional(self.$open(HISTORY_LOG))?;
                let entries = history_log::count(self.$open(HISTORY)?.view(), log.as_ref().map(View::view))?;
                Ok(seen.records == tickets && seen.folded == entries)
            }

            /// The first and the last ticket id with a facts record, to split a scan.
            pub fn facts_ids(&self) -> Result<Option<(u64, u64)>, StoreError> {
                let table = match self.$open(FACTS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(error) => return Err(error.into()),
                };
                let first = table.first()?.map(|(id, _)| id.value());
                let last = table.last()?.map(|(id, _)| id.value());
                Ok(first.zip(last))
            }

            pub fn ticket_count(&self) -> Result<u64, StoreError> {
                Ok(self.$open(TICKETS)?.len()?)
            }

            /// The highest ticket number in the store, if it holds any ticket.
            pub fn last_ticket_id(&self) -> Result<Option<TicketId>, StoreError> {
                let table = self.$open(TICKETS)?;
                let last = table.last()?.map(|(id, _)| TicketId(id.value()));
                Ok(last)
            }

            /// The oldest `limit` outbox entries, in send order. An entry whose call does not
            /// decode comes as its error, so the others still go; a record that is not an
            /// outbox entry at all is an error for the whole read.
            pub fn outbox(
                &self,
                limit: usize,
            ) -> Result<Vec<(u64, Result<Outgoing, StoreError>)>, StoreError> {
                self.outbox_from(0, limit)
            }

            /// Like [`outbox`](Self::outbox), from the entry numbered `first` on: what was
            /// queued since a reader last looked.
            pub fn outbox_from(
                &self,
                first: u64,
                limit: usize,
            ) -> Result<Vec<(u64, Result<Outgoing, StoreError>)>, StoreError> {
                let table = self.$open(OUTBOX)?;
                let mut page = Vec::new();
                for row in table.range(first..)?.take(limit) {
                    let (key, value) = row?;
                    let record: OutboxRecord = decode("outbox", value.value())?;
                    page.push((key.value(), record.into_outgoing()));
                }
                Ok(page)
            }

            pub fn outbox_len(&self) -> Result<u64, StoreError> {
                Ok(self.$open(OUTBOX)?.len()?)
            }

            /// The last applied Telegram update id, if any update was ever applied.
            pub fn update_offset(&self) -> Result<Option<i64>, StoreError> {
                let meta = self.$open(META)?;
                if meta.get(UPDATE_OFFSET_SET_KEY)?.is_none() {
                    return Ok(None);
                }
                Ok(meta.get(UPDATE_OFFSET_KEY)?.map(|v| v.value().cast_signed()))
            }

            pub fn schema_version(&self) -> Result<Option<u64>, StoreError> {
                match self.$open(META) {
                    Ok(meta) => Ok(meta.get(SCHEMA_VERSION_KEY)?.map(|v| v.value())),
                    Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
                    Err(error) => Err(error.into()),
                }
            }

            pub fn session<T: DeserializeOwned>(&self, customer: UserId) -> Result<Option<T>, StoreError> {
                match self.$open(SESSIONS)?.get(customer)? {
                    Some(bytes) => Ok(Some(decode::<SessionRecord<T>>("session", bytes.value())?.session)),
                    None => Ok(None),
                }
            }

            /// Every intake session in the store, by customer.
            pub fn sessions<T: DeserializeOwned>(&self) -> Result<Vec<(UserId, T)>, StoreError> {
                let table = self.$open(SESSIONS)?;
                table
                    .iter()?
                    .map(|row| {
                        let (customer, bytes) = row?;
                        Ok((customer.value(), decode::<SessionRecord<T>>("session", bytes.value())?.session))
                    })
                    .collect()
            }

            /// When the timer's deadline falls due, if one is set.
            pub fn deadline_of(&self, timer: Timer) -> Result<Option<Timestamp>, StoreError> {
                let due = self.$open(DEADLINE_OF)?.get(timer_key(timer))?.map(|v| v.value());
                Ok(due.map(timestamp))
            }

            /// Deadlines due at or before `until`, earliest first, at most `limit`. A row of
            /// a timer this build does not know (a newer build's) is not this build's to act
            /// on, and is passed over.
            pub fn due(&self, until: Timestamp, limit: usize) -> Result<Vec<Deadline>, StoreError> {
                let end = until.as_millisecond();
                let table = self.$open(DEADLINES)?;
                let mut due = Vec::new();
                for row in table.range((i64::MIN, 0, 0)..=(end, u64::MAX, u8::MAX))? {
                    if due.len() == limit {
                        break;
                    }
                    due.extend(deadline(row?.0.value()));
                }
                Ok(due)
            }

            /// The earliest deadline of all, for the timer to sleep until.
            pub fn next_deadline(&self) -> Result<Option<Deadline>, StoreError> {
                for row in self.$open(DEADLINES)?.iter()? {
                    if let Some(deadline) = deadline(row?.0.value()) {
                        return Ok(Some(deadline));
                    }
                }
                Ok(None)
            }

            /// The other side(s) of a relayed message.
            pub fn counterparts(&self, message: (i64, i32)) -> Result<Vec<(i64, i32)>, StoreError> {
                let table = self.$open_multi(RELAYED)?;
                table.get(message)?.map(|v| Ok(v?.value())).collect()
            }

            /// The message id of the customer's live intake prompt.
            pub fn prompt(&self, customer: UserId) -> Result<Option<i32>, StoreError> {
                Ok(self.$open(PROMPTS)?.get(customer)?.map(|v| v.value()))
            }

            /// Every question an article answered before a ticket was opened, oldest first.
            pub fn deflections(&self) -> Result<Vec<Deflection>, StoreError> {
                let table = match self.$open(DEFLECTIONS) {
                    Ok(table) => table,
                    // A file from before the knowledge base, never written since.
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(error) => return Err(error.into()),
                };
                table
                    .iter()?
                    .map(|row| {
                        let (_, bytes) = row?;
                        let record = decode::<DeflectionRecord>("deflection", bytes.value())?;
                        Ok(Deflection {
                            at: record.at,
                            form: record.form,
                            article: record.article,
                            question: record.question,
                            customer: record.customer,
                        })
                    })
                    .collect()
            }

            /// The customer's door as stored, if any.
            fn door_record(&self, customer: UserId) -> Result<Option<DoorRecord>, StoreError> {
                let table = match self.$open(DOORS) {
                    Ok(table) => table,
                    // A file from before business customers, never written since.
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(error) => return Err(error.into()),
                };
                let Some(bytes) = table.get(customer)? else { return Ok(None) };
                let record = decode::<DoorRecord>("business door", bytes.value())?;
                if !matches!(record.v, 1 | 2) {
                    return Err(StoreError::RecordVersion { what: "business door", version: record.v });
                }
                Ok(Some(record))
            }

            /// The business connection the customer writes through, if any.
            pub fn door(&self, customer: UserId) -> Result<Option<String>, StoreError> {
                Ok(self.door_record(customer)?.map(|record| record.connection))
            }

            /// The customer's latest message through their door not yet marked read.
            pub fn unread(&self, customer: UserId) -> Result<Option<i32>, StoreError> {
                Ok(self.door_record(customer)?.and_then(|record| record.unread))
            }

            /// The calls held for the customer of a business account, in order.
            pub fn held(&self, customer: UserId) -> Result<Vec<Outgoing>, StoreError> {
                Ok(self.held_with_why(customer)?.0)
            }

            /// What the calls held for the customer wait for, when known (records from
            /// before version 2 do not say).
            pub fn held_why(&self, customer: UserId) -> Result<Option<HeldWhy>, StoreError> {
                Ok(self.held_with_why(customer)?.1)
            }

            fn held_with_why(
                &self,
                customer: UserId,
            ) -> Result<(Vec<Outgoing>, Option<HeldWhy>), StoreError> {
                let table = match self.$open(HELD) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok((Vec::new(), None)),
                    Err(error) => return Err(error.into()),
                };
                let Some(bytes) = table.get(customer)? else { return Ok((Vec::new(), None)) };
                let record = decode::<HeldRecord>("held calls", bytes.value())?;
                if !(1..=2).contains(&record.v) {
                    return Err(StoreError::RecordVersion { what: "held calls", version: record.v });
                }
                let held =
                    record.entries.into_iter().map(OutboxRecord::into_outgoing).collect::<Result<_, _>>()?;
                Ok((held, record.why))
            }

            /// The customers with calls held for them.
            pub fn held_customers(&self) -> Result<Vec<UserId>, StoreError> {
                let table = match self.$open(HELD) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(error) => return Err(error.into()),
                };
                table.iter()?.map(|row| Ok(row?.0.value())).collect()
            }

            /// Every business connection recorded, by id.
            pub fn business_connections(&self) -> Result<Vec<BusinessConnection>, StoreError> {
                let table = match self.$open(BUSINESS) {
                    Ok(table) => table,
                    // A file from before business connections, never written since.
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(error) => return Err(error.into()),
                };
                table
                    .iter()?
                    .map(|row| {
                        let (_, bytes) = row?;
                        let record =
                            decode::<BusinessConnectionRecord>("business connection", bytes.value())?;
                        Ok(BusinessConnection {
                            id: record.id,
                            owner: record.owner,
                            owner_username: record.owner_username,
                            owner_name: record.owner_name,
                            can_reply: record.can_reply,
                            can_read_messages: record.can_read_messages,
                            enabled: record.enabled,
                        })
                    })
                    .collect()
            }

            pub fn counter(&self, name: &str) -> Result<Option<u64>, StoreError> {
                Ok(self.$open(COUNTERS)?.get(name)?.map(|v| v.value()))
            }

            /// Every counter whose name starts with `prefix`, in name order.
            pub fn counters_with_prefix(&self, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
                let table = self.$open(COUNTERS)?;
                let mut found = Vec::new();
                for row in table.range(prefix..)? {
                    let (name, value) = row?;
                    if !name.value().starts_with(prefix) {
                        break;
                    }
                    found.push((name.value().to_owned(), value.value()));
                }
                Ok(found)
            }
        }
    };
}

reads!(Tx<'_>, open, open_multi);
reads!(ReadTx, open, open_multi);

impl<'t> Tx<'t> {
    /// The table, opened once per transaction (see [`super::open`]).
    #[track_caller]
    pub(super) fn open<T: Table>(
        &self,
        _table: T,
    ) -> Result<super::open::Borrowed<'_, 't, T>, redb::TableError> {
        self.tables.get::<T>(self.txn)
    }

    fn open_multi<K: redb::Key + 'static, V: redb::Key + 'static>(
        &self,
        table: redb::MultimapTableDefinition<K, V>,
    ) -> Result<redb::MultimapTable<'_, K, V>, redb::TableError> {
        self.txn.open_multimap_table(table)
    }
}

impl ReadTx {
    pub(super) fn new(txn: redb::ReadTransaction) -> ReadTx {
        ReadTx { txn }
    }

    pub(super) fn open<T: Table>(
        &self,
        _table: T,
    ) -> Result<redb::ReadOnlyTable<T::K, T::V>, redb::TableError> {
        self.txn.open_table(T::DEFINITION)
    }

    fn open_multi<K: redb::Key + 'static, V: redb::Key + 'static>(
        &self,
        table: redb::MultimapTableDefinition<K, V>,
    ) -> Result<redb::ReadOnlyMultimapTable<K, V>, redb::TableError> {
        self.txn.open_multimap_table(table)
    }
}

/// A deadline index row read back; `None` for a timer this build does not know.
fn deadline((due, ticket, kind): (i64, u64, u8)) -> Option<Deadline> {
    Some(Deadline { due: timestamp(due), timer: timer(ticket, kind)? })
}

fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap_or(Timestamp::MAX)
}

/// The desk's own timers are filed under this ticket number, which no ticket has (ticket
/// numbers start at 1).
const DESK_TICKET: u64 = 0;

/// How a timer is filed in the deadline index: (ticket number, kind byte). On disk since
/// the first schema: never renumber.
pub(super) fn timer_key(timer: Timer) -> (u64, u8) {
    match timer {
        Timer::Ticket(ticket, kind) => (ticket.0, kind_byte(kind)),
        Timer::Desk(DeskTimer::Summary) => (DESK_TICKET, 100),
        Timer::Desk(DeskTimer::ShiftEnd) => (DESK_TICKET, 101),
        Timer::Desk(DeskTimer::IntakeExpiry) => (DESK_TICKET, 102),
        Timer::Desk(DeskTimer::Digest) => (DESK_TICKET, 103),
        Timer::Desk(DeskTimer::Retention) => (DESK_TICKET, 104),
        Timer::Desk(DeskTimer::Compaction) => (DESK_TICKET, 105),
        Timer::Desk(DeskTimer::Notices) => (DESK_TICKET, 106),
    }
}

/// The timer filed as (`ticket`, `kind`); `None` for a key this build does not know.
fn timer(ticket: u64, kind: u8) -> Option<Timer> {
    if ticket == DESK_TICKET {
        return DeskTimer::ALL.into_iter().map(Timer::Desk).find(|timer| timer_key(*timer) == (ticket, kind));
    }
    let kind = DeadlineKind::ALL.into_iter().find(|known| kind_byte(*known) == kind)?;
    Some(Timer::Ticket(TicketId(ticket), kind))
}

pub(super) fn kind_byte(kind: DeadlineKind) -> u8 {
    match kind {
        DeadlineKind::FirstResponse => 0,
        DeadlineKind::NextResponse => 1,
        DeadlineKind::Resolution => 2,
        DeadlineKind::AutoClose => 3,
        DeadlineKind::Reminder => 4,
        DeadlineKind::Age => 5,
        DeadlineKind::Csat => 6,
    }
}

pub(super) fn status_code(status: Status) -> u8 {
    match status {
        Status::New => 0,
        Status::Open => 1,
        Status::AwaitingCustomer => 2,
        Status::Resolved => 3,
        Status::Closed => 4,
    }
}

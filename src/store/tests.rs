//! Store tests on fresh temporary files: indexes follow tickets, a page of updates
//! applies once, and files that are not ours are refused and left byte-for-byte intact.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::*;
use crate::deadline::DeadlineKind;
use crate::history::Actor;
use crate::outbox::{Call, HeldWhy, Lane, Outgoing, Target};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Change, Customer, Origin, Status, Ticket, TicketId, Topic};

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + minutes * 60).expect("in range")
}

fn customer(id: u64) -> Customer {
    Customer { id, name: format!("Customer {id}"), username: None, language: None }
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("fresh store opens");
    (dir, store)
}

/// A plain text call to `chat_id`, as an outbox entry carries it.
fn say(chat_id: i64, text: &str) -> Call {
    Call::SendText {
        to: Target::Chat { chat_id },
        text: text.to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: None,
    }
}

/// The number an entry made by [`say`] carries.
fn number(outgoing: &Result<Outgoing, StoreError>) -> i64 {
    match outgoing {
        Ok(Outgoing { call: Call::SendText { text, .. }, .. }) => text.parse().expect("a number"),
        other => panic!("not a numbered text: {other:?}"),
    }
}

fn create_ticket(tx: &mut Tx<'_>, customer_id: u64) -> Result<TicketId, StoreError> {
    let id = tx.next_ticket_id()?;
    let (ticket, created) = Ticket::open(id, customer(customer_id), "support", BTreeMap::new(), at(0));
    tx.save_ticket(&ticket)?;
    tx.append_history(id, &[created])?;
    Ok(id)
}

#[test]
fn indexes_follow_the_ticket() {
    let (_dir, store) = fresh();
    let agent = Origin { actor: Actor::Agent(7), rules: Some("abc123".into()) };
    let id = store
        .write(|tx| {
            let id = create_ticket(tx, 42)?;
            let mut ticket = tx.ticket(id)?.expect("just saved");
            let mut entries = ticket.apply(Change::Assign { to: Some(7) }, &agent, at(1)).expect("legal");
            entries.extend(
                ticket.apply(Change::AgentReply { text: "hi".into() }, &agent, at(2)).expect("legal"),
            );
            ticket.topic = Some(Topic { chat_id: -100, thread_id: 5 });
            ticket.group = Some("billing".into());
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)?;
            Ok::<_, StoreError>(id)
        })
        .expect("write");
    let read = store.read().expect("read");
    assert_eq!(read.ticket(id).expect("read").expect("stored").group.as_deref(), Some("billing"));
    assert_eq!(read.tickets_in_status(Status::Open).expect("index"), [id]);
    assert!(read.tickets_in_status(Status::New).expect("index").is_empty());
    assert_eq!(read.tickets_of_assignee(7).expect("index"), [id]);
    assert_eq!(read.tickets_of_customer(42).expect("index"), [id]);
    assert_eq!(read.ticket_by_topic(Topic { chat_id: -100, thread_id: 5 }).expect("index"), Some(id));
    let history = read.history(id).expect("history");
    let lines: Vec<String> =
        history.iter().map(|e| format!("{} {} {} {:?}", e.seq, e.actor, e.kind, e.rules)).collect();
    assert_eq!(
        lines,
        [
            "0 customer 42 opened with form support None",
            "1 agent 7 assigned to 7 Some(\"abc123\")",
            "2 agent 7 new -> open Some(\"abc123\")",
            "3 agent 7 reply: hi Some(\"abc123\")",
        ]
    );
}

#[test]
fn timer_marks_round_trip_through_history() {
    use crate::deadline::{DeadlineKind, Mark};
    let (_dir, store) = fresh();
    let system = Origin { actor: Actor::System, rules: None };
    let mark = Mark { kind: DeadlineKind::AutoClose, since: 4, step: 1 };
    let id = store
        .write(|tx| {
            let id = create_ticket(tx, 42)?;
            let mut ticket = tx.ticket(id)?.expect("just saved");
            let entries = ticket.apply(Change::Timer(mark), &system, at(1)).expect("marks always apply");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)?;
            Ok::<_, StoreError>(id)
        })
        .expect("write");
    let history = store.read().expect("read").history(id).expect("history");
    assert_eq!(history[1].kind, crate::history::EntryKind::Timer(mark));
    assert_eq!(history[1].kind.to_string(), "timer: auto_close close (since #4)");
}

#[test]
fn escalations_holds_and_keep_open_round_trip() {
    let (_dir, store) = fresh();
    let agent = Origin { actor: Actor::Agent(7), rules: None };
    let changes = [
        Change::Escalate { to: vec![7, 8], reason: "late".into() },
        Change::Escalate { to: vec![9], reason: "later".into() },
        Change::Deescalate { escalation: 1 },
        Change::HoldEscalation { held: true },
        Change::Notify { text: "look".into() },
        Change::Resolve,
        Change::KeepOpen,
    ];
    let (id, written) = store
        .write(|tx| {
            let id = create_ticket(tx, 42)?;
            let mut ticket = tx.ticket(id)?.expect("just saved");
            let mut entries = Vec::new();
            for change in changes.clone() {
                entries.extend(ticket.apply(change, &agent, at(1)).expect("legal"));
            }
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)?;
            Ok::<_, StoreError>((id, ticket))
        })
        .expect("write");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("saved");
    assert_eq!(ticket, written);
    assert_eq!(ticket.escalations, [crate::ticket::Escalation { seq: 2, to: vec![9] }]);
    assert!(ticket.escalation_held);
    let lines: Vec<String> =
        read.history(id).expect("history").iter().skip(1).map(|e| e.kind.to_string()).collect();
    assert_eq!(
        lines,
        [
            "escalated to 7, 8: late",
            "escalated to 9: later",
            "escalation #1 undone",
            "escalation held",
            "notified: look",
            "new -> resolved",
            "the customer kept the ticket open",
        ]
    );
}

#[test]
fn a_failed_write_keeps_nothing() {
    let (_dir, store) = fresh();
    let outcome = store.write(|tx| {
        create_ticket(tx, 1)?;
        tx.enqueue(&Outgoing { chat_id: 1, lane: Lane::Message, ticket: None, call: say(1, "0") })?;
        Err::<(), _>(StoreError::Corrupt("stop".into()))
    });
    assert!(outcome.is_err());
    let read = store.read().expect("read");
    assert_eq!(read.ticket_count().expect("count"), 0);
    assert_eq!(read.outbox_len().expect("count"), 0);
}

#[test]
fn the_same_page_of_updates_applies_once() {
    let (_dir, store) = fresh();
    let page: Vec<(i64, u64)> = (100..110).map(|update_id| (update_id, update_id as u64)).collect();
    let apply = |tx: &mut Tx<'_>, customer: &u64| -> Result<(), StoreError> {
        let id = create_ticket(tx, *customer)?;
        tx.enqueue(&Outgoing {
            chat_id: *customer as i64,
            lane: Lane::Message,
            ticket: Some(id),
            call: say(*customer as i64, "confirmation"),
        })?;
        Ok(())
    };
    assert_eq!(store.apply_updates(&page, apply).expect("first"), 10);
    let snapshot = |store: &Store| {
        let read = store.read().expect("read");
        (
            read.ticket_count().expect("n"),
            read.outbox_len().expect("n"),
            read.update_offset().expect("offset"),
        )
    };
    let after_first = snapshot(&store);
    assert_eq!(after_first, (10, 10, Some(109)));
    assert_eq!(store.apply_updates(&page, apply).expect("second"), 0);
    assert_eq!(snapshot(&store), after_first);
    // An overlapping page applies only what is new.
    let overlapping: Vec<(i64, u64)> = (105..115).map(|id| (id, id as u64)).collect();
    assert_eq!(store.apply_updates(&overlapping, apply).expect("third"), 5);
    assert_eq!(snapshot(&store), (15, 15, Some(114)));
}

#[test]
fn outbox_keeps_order_and_forgets_what_was_sent() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            for n in 0..5 {
                tx.enqueue(&Outgoing {
                    chat_id: 9,
                    lane: Lane::Message,
                    ticket: None,
                    call: say(9, &n.to_string()),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let page = store.read().expect("read").outbox(3).expect("page");
    let numbers: Vec<i64> = page.iter().map(|(_, o)| number(o)).collect();
    assert_eq!(numbers, [0, 1, 2]);
    store.write(|tx| tx.remove_outgoing(page[0].0)).expect("remove");
    let next = store.read().expect("read").outbox(10).expect("page");
    assert_eq!(next.len(), 4);
    assert_eq!(number(&next[0].1), 1);
}

/// A reader that has read the outbox up to some number finds what was queued since after
/// it, even behind a row the sequence counter did not hand out.
#[test]
fn outbox_numbers_grow_past_every_entry_and_a_reader_catches_up_from_its_last() {
    let (_dir, store) = fresh();
    let entry = |n: &str| Outgoing { chat_id: 9, lane: Lane::Message, ticket: None, call: say(9, n) };
    let first = store.write(|tx| tx.enqueue(&entry("0"))).expect("enqueue");
    assert_eq!(first, 1);
    store
        .write(|tx| {
            tx.open(super::open::OUTBOX)?.insert(1_000, OUTBOX_RECORD_V1.as_bytes())?;
            Ok::<_, StoreError>(())
        })
        .expect("a row at 1000");
    let read_up_to = 1_000;
    let after = store.write(|tx| Ok::<_, StoreError>((tx.enqueue(&entry("1"))?, tx.enqueue(&entry("2"))?)));
    assert_eq!(after.expect("enqueue"), (1_001, 1_002));
    let new = store.read().expect("read").outbox_from(read_up_to + 1, 10).expect("page");
    let numbers: Vec<i64> = new.iter().map(|(_, o)| number(o)).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(store.read().expect("read").outbox(10).expect("page").len(), 4);
}

/// An outbox record as the store wrote it before entries were typed: the call kept as JSON
/// (its keys sorted).
const OUTBOX_RECORD_V1: &str = r#"{"v":1,"chat_id":-100,"lane":"message","ticket":3,"call":{"call":"copy","from_chat":42,"message_ids":[7],"report":{"chat_id":42,"message_id":7,"report":"relay"},"to":{"kind":"topic","ticket":3}}}"#;

fn relay_of_7() -> Outgoing {
    Outgoing {
        chat_id: -100,
        lane: Lane::Message,
        ticket: Some(TicketId(3)),
        call: Call::Copy {
            from_chat: 42,
            message_ids: vec![7],
            to: Target::Topic { ticket: TicketId(3) },
            reply_to: None,
            album: None,
            report: Some(crate::outbox::Report::Relay { chat_id: 42, message_id: 7 }),
            text: None,
            media: Vec::new(),
            caption: None,
        },
    }
}

fn raw_outbox(store: &Store) -> Vec<(u64, String)> {
    store
        .write(|tx| {
            let table = tx.open(super::open::OUTBOX)?;
            let mut rows = Vec::new();
            for row in table.range(0..)? {
                let (key, value) = row?;
                rows.push((key.value(), String::from_utf8(value.value().to_vec()).expect("json")));
            }
            Ok::<_, StoreError>(rows)
        })
        .expect("read raw")
}

/// Version 1 records (the call built as a JSON value first, its keys sorted) still read,
/// forever: a store written by an older build keeps its queue.
#[test]
fn outbox_records_written_before_calls_were_typed_still_read_back() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            tx.open(super::open::OUTBOX)?.insert(1, OUTBOX_RECORD_V1.as_bytes())?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let page = store.read().expect("read").outbox(10).expect("page");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].1.as_ref().expect("decodes"), &relay_of_7());
}

/// An outbox record as the store writes it now (version 2): the typed call serialised
/// directly, its keys in declaration order with the tag first. Pinned byte for byte, so a
/// change to what is written is a new version, never a silent one.
const OUTBOX_RECORD_V2: &str = r#"{"v":2,"chat_id":-100,"lane":"message","ticket":3,"call":{"call":"copy","from_chat":42,"message_ids":[7],"to":{"kind":"topic","ticket":3},"report":{"report":"relay","chat_id":42,"message_id":7}}}"#;

#[test]
fn outbox_records_are_written_as_version_2_byte_for_byte_and_read_back() {
    let (_dir, store) = fresh();
    let seq = store.write(|tx| tx.enqueue(&relay_of_7())).expect("enqueue");
    assert_eq!(raw_outbox(&store), [(seq, OUTBOX_RECORD_V2.to_owned())]);
    let page = store.read().expect("read").outbox(10).expect("page");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].0, seq);
    assert_eq!(page[0].1.as_ref().expect("decodes"), &relay_of_7());
    // A record from a later build (a version this one does not know) is refused on its
    // own, not guessed at.
    let later = OUTBOX_RECORD_V2.replace(r#""v":2"#, r#""v":3"#);
    store
        .write(|tx| {
            tx.open(super::open::OUTBOX)?.insert(seq, later.as_bytes())?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let page = store.read().expect("read").outbox(10).expect("the page reads");
    let error = page[0].1.as_ref().expect_err("an unknown version is an error");
    assert!(matches!(error, StoreError::RecordVersion { what: "outbox", version: 3 }), "{error}");
}

/// An entry whose call does not decode (written by a newer version, or damaged) is
/// reported on its own and stays; the entries around it still read.
#[test]
fn an_outbox_entry_whose_call_does_not_decode_stays_and_the_rest_read() {
    let (_dir, store) = fresh();
    let unknown = r#"{"v":1,"chat_id":9,"lane":"message","call":{"call":"teleport","to":"moon"}}"#;
    store
        .write(|tx| {
            tx.enqueue(&Outgoing { chat_id: 9, lane: Lane::Message, ticket: None, call: say(9, "1") })?;
            let seq =
                tx.enqueue(&Outgoing { chat_id: 9, lane: Lane::Message, ticket: None, call: say(9, "0") })?;
            tx.open(super::open::OUTBOX)?.insert(seq, unknown.as_bytes())?;
            tx.enqueue(&Outgoing { chat_id: 9, lane: Lane::Message, ticket: None, call: say(9, "3") })?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let page = store.read().expect("read").outbox(10).expect("the page reads");
    let seqs: Vec<u64> = page.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs.len(), 3);
    assert_eq!(number(&page[0].1), 1);
    let error = page[1].1.as_ref().expect_err("the unknown call is an error");
    assert!(error.to_string().contains("unreadable outbox call"), "{error}");
    assert_eq!(number(&page[2].1), 3);
    assert_eq!(store.read().expect("read").outbox_len().expect("len"), 3, "it stays for inspection");
}

#[test]
fn deadlines_come_back_in_time_order_and_can_move() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            tx.set_deadline(Deadline { due: at(30), timer: first_response(1) })?;
            tx.set_deadline(Deadline { due: at(10), timer: first_response(2) })?;
            tx.set_deadline(Deadline {
                due: at(20),
                timer: Timer::Ticket(TicketId(1), DeadlineKind::NextResponse),
            })?;
            // Moving ticket 1's first deadline earlier replaces it.
            tx.set_deadline(Deadline { due: at(5), timer: first_response(1) })?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let read = store.read().expect("read");
    let due: Vec<(u64, u8)> =
        read.due(at(25), 10).expect("due").iter().map(|d| tx::timer_key(d.timer)).collect();
    assert_eq!(due, [(1, 0), (2, 0), (1, 1)]);
    assert_eq!(read.next_deadline().expect("next").map(|d| d.due), Some(at(5)));
    // The moved deadline's old row is gone, and setting a deadline to when it already
    // falls due, or moving it back, leaves one row per timer.
    assert_eq!(read.due(at(60), 10).expect("due").len(), 3);
    drop(read);
    store
        .write(|tx| {
            tx.set_deadline(Deadline { due: at(5), timer: first_response(1) })?;
            tx.set_deadline(Deadline { due: at(30), timer: first_response(2) })?;
            tx.set_deadline(Deadline { due: at(10), timer: first_response(2) })
        })
        .expect("write again");
    let rows: Vec<(i64, u64, u8)> = store
        .read()
        .expect("read")
        .due(at(60), 10)
        .expect("due")
        .iter()
        .map(|d| {
            let (ticket, kind) = tx::timer_key(d.timer);
            (d.due.as_millisecond(), ticket, kind)
        })
        .collect();
    assert_eq!(
        rows,
        [(at(5).as_millisecond(), 1, 0), (at(10).as_millisecond(), 2, 0), (at(20).as_millisecond(), 1, 1)]
    );
    store.write(|tx| tx.clear_deadline(first_response(1))).expect("clear");
    assert_eq!(store.read().expect("read").next_deadline().expect("next").map(|d| d.due), Some(at(10)));
}

fn first_response(ticket: u64) -> Timer {
    Timer::Ticket(TicketId(ticket), DeadlineKind::FirstResponse)
}

/// The deadline index as it was written before timers had names: (due, ticket, kind byte),
/// the desk's own under ticket 0 as kinds 100 to 103. It reads back as the same timers,
/// and the named timers are written as the same rows.
#[test]
fn deadline_rows_keep_their_encoding() {
    let rows: [(i64, u64, u8); 11] = [
        (1, 0, 100),
        (2, 0, 101),
        (3, 0, 102),
        (4, 0, 103),
        (5, 7, 0),
        (6, 7, 1),
        (7, 7, 2),
        (8, 7, 3),
        (9, 7, 4),
        (10, 7, 5),
        (11, 7, 6),
    ];
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            let (mut index, mut of) = (tx.open(super::open::DEADLINES)?, tx.open(super::open::DEADLINE_OF)?);
            for (minute, ticket, kind) in rows {
                index.insert((at(minute).as_millisecond(), ticket, kind), ())?;
                of.insert((ticket, kind), at(minute).as_millisecond())?;
            }
            // Rows of a newer build's timers: passed over, never acted on.
            index.insert((at(0).as_millisecond(), 0, 99), ())?;
            index.insert((at(0).as_millisecond(), 7, 42), ())?;
            Ok::<_, StoreError>(())
        })
        .expect("write old rows");
    let read = store.read().expect("read");
    let ticket = |kind| Timer::Ticket(TicketId(7), kind);
    let named = [
        Timer::Desk(DeskTimer::Summary),
        Timer::Desk(DeskTimer::ShiftEnd),
        Timer::Desk(DeskTimer::IntakeExpiry),
        Timer::Desk(DeskTimer::Digest),
        ticket(DeadlineKind::FirstResponse),
        ticket(DeadlineKind::NextResponse),
        ticket(DeadlineKind::Resolution),
        ticket(DeadlineKind::AutoClose),
        ticket(DeadlineKind::Reminder),
        ticket(DeadlineKind::Age),
        ticket(DeadlineKind::Csat),
    ];
    let expected: Vec<Deadline> =
        named.iter().zip(1..).map(|(timer, minute)| Deadline { due: at(minute), timer: *timer }).collect();
    assert_eq!(read.due(at(60), 100).expect("due"), expected);
    assert_eq!(read.due(at(60), 2).expect("due"), expected[..2]);
    assert_eq!(read.next_deadline().expect("next"), Some(expected[0]));
    for deadline in &expected {
        assert_eq!(read.deadline_of(deadline.timer).expect("deadline of"), Some(deadline.due));
    }
    drop(read);

    let (_dir, written) = fresh();
    written
        .write(|tx| {
            for deadline in expected.iter().rev() {
                tx.set_deadline(*deadline)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("write named");
    let raw = written
        .write(|tx| {
            let index = tx.open(super::open::DEADLINES)?;
            let mut keys = Vec::new();
            for row in index.iter()? {
                let (due, ticket, kind) = row?.0.value();
                keys.push((due, ticket, kind));
            }
            Ok::<_, StoreError>(keys)
        })
        .expect("read raw");
    let old: Vec<(i64, u64, u8)> =
        rows.iter().map(|(minute, ticket, kind)| (at(*minute).as_millisecond(), *ticket, *kind)).collect();
    assert_eq!(raw, old);
}

#[test]
fn sessions_and_relay_links_round_trip() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            tx.put_session(42, &serde_json::json!({ "form": "support", "field": 2 }))?;
            tx.link_messages((42, 10), (-100, 77))
        })
        .expect("write");
    let read = store.read().expect("read");
    let session: serde_json::Value = read.session(42).expect("read").expect("present");
    assert_eq!(session["field"], 2);
    assert_eq!(read.counterparts((-100, 77)).expect("links"), [(42, 10)]);
    assert_eq!(read.counterparts((42, 10)).expect("links"), [(-100, 77)]);
}

#[test]
fn a_reader_in_another_handle_sees_commits_while_the_writer_runs() {
    let (dir, store) = fresh();
    store.write(|tx| create_ticket(tx, 1)).expect("write");
    let reader = Store::open_read_only(&dir.path().join(FILE_NAME)).expect("read-only beside the writer");
    assert_eq!(reader.read().expect("read").ticket_count().expect("count"), 1);
    store.write(|tx| create_ticket(tx, 2)).expect("write");
    assert_eq!(reader.read().expect("read").ticket_count().expect("count"), 2);
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested").join(FILE_NAME);
    {
        let store = Store::open(&path).expect("create");
        store.write(|tx| create_ticket(tx, 5)).expect("write");
    }
    let store = Store::open(&path).expect("reopen");
    let read = store.read().expect("read");
    assert_eq!(read.schema_version().expect("version"), Some(SCHEMA_VERSION));
    assert_eq!(read.ticket(TicketId(1)).expect("read").map(|t| t.customer.id), Some(5));
}

#[track_caller]
fn check_refused(contents: &[u8], expect: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, contents).expect("write file");
    let error = Store::open(&path).err().expect("refused");
    let message = error.to_string().replace(&dir.path().display().to_string(), "DIR");
    assert_eq!(message, expect);
    let after = std::fs::read(&path).expect("still there");
    assert!(after == contents, "the file is left untouched");
}

#[test]
fn files_that_are_not_ours_are_refused_and_untouched() {
    check_refused(
        b"name,email\nalice,a@example.com\n",
        "DIR/topicdesk.redb is not a topicdesk data file (it is not a redb database); refusing to touch it",
    );
    check_refused(
        b"redb",
        "DIR/topicdesk.redb is not a topicdesk data file (it is not a redb database); refusing to touch it",
    );
    let mut damaged = REDB_MAGIC.to_vec();
    damaged.extend(std::iter::repeat_n(0xAB, 8192));
    check_refused(&damaged, &damaged_message(&damaged));
}

/// Whatever redb says about a header of garbage, it is reported as damage, never a panic.
fn damaged_message(contents: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, contents).expect("write file");
    let message = Store::open(&path).err().expect("refused").to_string();
    assert!(message.starts_with(&format!("{} is damaged: ", path.display())), "{message}");
    message.replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn a_redb_file_of_another_program_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    {
        let db = redb::Database::create(&path).expect("create");
        let txn = db.begin_write().expect("txn");
        txn.open_table(redb::TableDefinition::<u64, u64>::new("accounts"))
            .expect("table")
            .insert(1, 2)
            .expect("insert");
        txn.commit().expect("commit");
    }
    let before = blake3::hash(&std::fs::read(&path).expect("read"));
    let error = Store::open(&path).err().expect("refused");
    assert!(error.to_string().contains("is a redb database of another program"), "{error}");
    assert_eq!(blake3::hash(&std::fs::read(&path).expect("read")), before, "the file is left untouched");
}

#[test]
fn a_file_from_a_newer_topicdesk_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    {
        let db = redb::Database::create(&path).expect("create");
        let txn = db.begin_write().expect("txn");
        txn.open_table(tables::META).expect("table").insert(tables::SCHEMA_VERSION_KEY, 99).expect("insert");
        txn.commit().expect("commit");
    }
    let error = Store::open(&path).err().expect("refused");
    assert!(
        error
            .to_string()
            .ends_with("was written by a newer topicdesk (schema 99, this build knows 2); upgrade topicdesk"),
        "{error}"
    );
}

#[test]
fn facts_follow_the_history_batch_by_batch_and_catch_up_on_a_ticket_without_them() {
    let (_dir, store) = fresh();
    let agent = Origin { actor: Actor::Agent(7), rules: None };
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    let steps = [
        (Change::AgentReply { text: "Hello".into() }, 10),
        (Change::Resolve, 20),
        (Change::CustomerMessage { text: "still broken".into() }, 30),
        (Change::AgentReply { text: "Fixed now".into() }, 45),
    ];
    for (change, minute) in steps {
        store
            .write(|tx| {
                let mut ticket = tx.ticket(id)?.expect("exists");
                let entries = ticket.apply(change, &agent, at(minute)).expect("legal");
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &entries)
            })
            .expect("written");
    }
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let history = read.history(id).expect("history");
    let kept = read.facts(&ticket).expect("read").expect("facts are kept");
    assert_eq!(kept, crate::metrics::Facts::of_history(&history));
    assert_eq!((kept.agent_replies, kept.reopens, kept.folded), (2, 1, ticket.next_seq));
    drop(read);

    // A file from before facts were kept: the next append folds the whole history once.
    store
        .write(|tx| {
            tx.open(super::open::FACTS)?.remove(id.0)?;
            Ok::<_, StoreError>(())
        })
        .expect("facts dropped");
    assert_eq!(store.read().expect("read").facts(&ticket).expect("read"), None);
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let entries = ticket.apply(Change::Resolve, &agent, at(50)).expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("facts are kept again");
    assert_eq!(kept, crate::metrics::Facts::of_history(&read.history(id).expect("history")));
    assert_eq!(kept.agent_replies, 2, "the replies before the gap are in");
    let mut visited = Vec::new();
    read.for_each_ticket_facts(|ticket, facts| {
        visited.push((ticket.id, facts.map(|f| f.folded)));
        Ok::<_, StoreError>(())
    })
    .expect("visit");
    assert_eq!(visited, [(id, Some(ticket.next_seq))]);
}

/// A ticket's history with 10 status changes and 20 answered waits, at nanosecond
/// instants as the desk's clock gives them.
fn busy_history() -> Vec<crate::history::Entry> {
    use crate::history::{Entry, EntryKind};
    let start = Timestamp::from_nanosecond(1_790_000_000_123_456_789).expect("in range");
    let mut entries = Vec::new();
    let mut push = |minutes: i64, actor: Actor, kind: EntryKind| {
        let at = start + jiff::SignedDuration::from_nanos(minutes * 60_000_000_000 + 987_654_321);
        let seq = u32::try_from(entries.len()).expect("few entries");
        entries.push(Entry { seq, at, actor, rules: None, kind });
    };
    push(0, Actor::Customer(5), EntryKind::Created { form: "support".into() });
    push(
        1,
        Actor::Customer(5),
        EntryKind::CustomerMessage { text: "My order never came".into(), sentiment: None },
    );
    push(3, Actor::Agent(7), EntryKind::AgentReply { text: "Looking".into() });
    let mut status = Status::New;
    for wait in 0..20_i64 {
        let minute = 10 + wait * 40;
        push(
            minute,
            Actor::Customer(5),
            EntryKind::CustomerMessage { text: "Any news? This is slow".into(), sentiment: None },
        );
        push(minute + 7, Actor::Agent(7), EntryKind::AgentReply { text: "Soon".into() });
        if wait % 2 == 0 {
            let to = if status == Status::Open { Status::AwaitingCustomer } else { Status::Open };
            push(minute + 8, Actor::Agent(7), EntryKind::StatusChanged { from: status, to });
            status = to;
        }
    }
    entries
}

/// The labels the busy ticket's records carry.
fn busy_labels() -> crate::metrics::Labels {
    crate::metrics::Labels {
        assignee: Some(222_222_222),
        category: Some("technical".into()),
        priority: crate::ticket::Priority::High,
        form: "support".into(),
        tags: vec!["refund".into()],
        staff_chat: Some(-1_001_234_567_890),
    }
}

#[test]
fn a_busy_tickets_facts_record_stays_small() {
    let facts = crate::metrics::Facts::of_history(&busy_history());
    assert_eq!((facts.statuses.len(), facts.next_replies.len()), (10, 20));
    let bytes = facts_record::encode(&facts, None);
    println!("facts record of a ticket with 10 status changes and 20 answered waits: {} bytes", bytes.len());
    // Version 1 wrote 2,182 bytes for the same ticket, version 4 (JSON) 1,020; 7 bytes
    // per instant here, each of its 50 instants being minutes after the creation.
    assert_eq!(bytes[0], 7, "version 7");
    assert!(bytes.len() <= 450, "{} bytes", bytes.len());
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts.clone(), None));

    // The labels a report groups by add a few dozen bytes.
    let labelled = facts_record::encode(&facts, Some(&busy_labels()));
    println!("with labels: {} bytes", labelled.len());
    assert!(labelled.len() <= bytes.len() + 40, "{} bytes with labels", labelled.len());
    assert_eq!(facts_record::decode(&labelled).expect("reads"), (facts, Some(busy_labels())));
}

/// The busy ticket's facts and labels as version 4 wrote them, in JSON.
const BUSY_FACTS_V4: &str = r#"{"v":4,"f":53,"c":1790000001111111110,"s":"awaiting_customer","ss":[[1080000000000,"open"],[5880000000000,"awaiting_customer"],[10680000000000,"open"],[15480000000000,"awaiting_customer"],[20280000000000,"open"],[25080000000000,"awaiting_customer"],[29880000000000,"open"],[34680000000000,"awaiting_customer"],[39480000000000,"open"],[44280000000000,"awaiting_customer"]],"fr":180000000000,"ar":21,"cm":21,"nr":[[600000000000,1020000000000],[3000000000000,3420000000000],[5400000000000,5820000000000],[7800000000000,8220000000000],[10200000000000,10620000000000],[12600000000000,13020000000000],[15000000000000,15420000000000],[17400000000000,17820000000000],[19800000000000,20220000000000],[22200000000000,22620000000000],[24600000000000,25020000000000],[27000000000000,27420000000000],[29400000000000,29820000000000],[31800000000000,32220000000000],[34200000000000,34620000000000],[36600000000000,37020000000000],[39000000000000,39420000000000],[41400000000000,41820000000000],[43800000000000,44220000000000],[46200000000000,46620000000000]],"se":[21,-5.3611575592573075,-0.3611575592573076,-0.25],"fo":"support","p":"high","ca":"technical","as":222222222,"t":["refund"],"sg":-1001234567890}"#;

#[test]
fn facts_records_of_versions_3_and_4_still_read() {
    let facts = crate::metrics::Facts::of_history(&busy_history());
    assert_eq!(
        facts_record::decode(BUSY_FACTS_V4.as_bytes()).expect("reads"),
        (facts.clone(), Some(busy_labels()))
    );

    // Version 3 kept every label but the staff group: it reads as a record without labels,
    // so its reader takes them from the ticket.
    let version_3 = BUSY_FACTS_V4.replace(r#"{"v":4,"#, r#"{"v":3,"#).replace(r#","sg":-1001234567890"#, "");
    assert!(version_3.starts_with(r#"{"v":3,"#) && !version_3.contains("sg"), "{version_3}");
    assert_eq!(facts_record::decode(version_3.as_bytes()).expect("reads"), (facts, None));
}

/// The busy ticket's facts as version 2 wrote them: no labels.
const BUSY_FACTS_V2: &str = r#"{"v":2,"f":53,"c":1790000001111111110,"s":"awaiting_customer","ss":[[1080000000000,"open"],[5880000000000,"awaiting_customer"],[10680000000000,"open"],[15480000000000,"awaiting_customer"],[20280000000000,"open"],[25080000000000,"awaiting_customer"],[29880000000000,"open"],[34680000000000,"awaiting_customer"],[39480000000000,"open"],[44280000000000,"awaiting_customer"]],"fr":180000000000,"ar":21,"cm":21,"nr":[[600000000000,1020000000000],[3000000000000,3420000000000],[5400000000000,5820000000000],[7800000000000,8220000000000],[10200000000000,10620000000000],[12600000000000,13020000000000],[15000000000000,15420000000000],[17400000000000,17820000000000],[19800000000000,20220000000000],[22200000000000,22620000000000],[24600000000000,25020000000000],[27000000000000,27420000000000],[29400000000000,29820000000000],[31800000000000,32220000000000],[34200000000000,34620000000000],[36600000000000,37020000000000],[39000000000000,39420000000000],[41400000000000,41820000000000],[43800000000000,44220000000000],[46200000000000,46620000000000]],"se":[21,-5.3611575592573075,-0.3611575592573076,-0.25]}"#;

#[test]
fn facts_records_of_version_2_still_read_without_labels() {
    let (facts, labels) = facts_record::decode(BUSY_FACTS_V2.as_bytes()).expect("reads");
    assert_eq!(facts, crate::metrics::Facts::of_history(&busy_history()));
    assert_eq!(labels, None, "a version 2 record holds no labels: the ticket gives them");
}

/// The busy ticket's facts as version 1 wrote them.
const BUSY_FACTS_V1: &str = r#"{"v":1,"folded":53,"created_at":"2026-09-21T14:13:21.11111111Z","status":"awaiting_customer","statuses":[["2026-09-21T14:31:21.11111111Z","open"],["2026-09-21T15:51:21.11111111Z","awaiting_customer"],["2026-09-21T17:11:21.11111111Z","open"],["2026-09-21T18:31:21.11111111Z","awaiting_customer"],["2026-09-21T19:51:21.11111111Z","open"],["2026-09-21T21:11:21.11111111Z","awaiting_customer"],["2026-09-21T22:31:21.11111111Z","open"],["2026-09-21T23:51:21.11111111Z","awaiting_customer"],["2026-09-22T01:11:21.11111111Z","open"],["2026-09-22T02:31:21.11111111Z","awaiting_customer"]],"first_reply_at":"2026-09-21T14:16:21.11111111Z","agent_replies":21,"customer_messages":21,"next_replies":[["2026-09-21T14:23:21.11111111Z","2026-09-21T14:30:21.11111111Z"],["2026-09-21T15:03:21.11111111Z","2026-09-21T15:10:21.11111111Z"],["2026-09-21T15:43:21.11111111Z","2026-09-21T15:50:21.11111111Z"],["2026-09-21T16:23:21.11111111Z","2026-09-21T16:30:21.11111111Z"],["2026-09-21T17:03:21.11111111Z","2026-09-21T17:10:21.11111111Z"],["2026-09-21T17:43:21.11111111Z","2026-09-21T17:50:21.11111111Z"],["2026-09-21T18:23:21.11111111Z","2026-09-21T18:30:21.11111111Z"],["2026-09-21T19:03:21.11111111Z","2026-09-21T19:10:21.11111111Z"],["2026-09-21T19:43:21.11111111Z","2026-09-21T19:50:21.11111111Z"],["2026-09-21T20:23:21.11111111Z","2026-09-21T20:30:21.11111111Z"],["2026-09-21T21:03:21.11111111Z","2026-09-21T21:10:21.11111111Z"],["2026-09-21T21:43:21.11111111Z","2026-09-21T21:50:21.11111111Z"],["2026-09-21T22:23:21.11111111Z","2026-09-21T22:30:21.11111111Z"],["2026-09-21T23:03:21.11111111Z","2026-09-21T23:10:21.11111111Z"],["2026-09-21T23:43:21.11111111Z","2026-09-21T23:50:21.11111111Z"],["2026-09-22T00:23:21.11111111Z","2026-09-22T00:30:21.11111111Z"],["2026-09-22T01:03:21.11111111Z","2026-09-22T01:10:21.11111111Z"],["2026-09-22T01:43:21.11111111Z","2026-09-22T01:50:21.11111111Z"],["2026-09-22T02:23:21.11111111Z","2026-09-22T02:30:21.11111111Z"],["2026-09-22T03:03:21.11111111Z","2026-09-22T03:10:21.11111111Z"]],"reopens":0,"priority_changes":0,"breaches":[0,0,0],"breached_since":[null,null,null],"escalations":[0,0,0,0],"sentiment":[21,-5.3611575592573075,-0.3611575592573076,-0.25]}"#;

#[test]
fn facts_records_of_version_1_still_read() {
    let read = |text: &str| facts_record::decode(text.as_bytes()).map(|(facts, _)| facts);
    assert_eq!(read(BUSY_FACTS_V1).expect("reads"), crate::metrics::Facts::of_history(&busy_history()));

    // Every field a version 1 record could carry.
    let closed = r#"{"v":1,"folded":9,"created_at":"2026-09-21T14:13:21Z","status":"closed","statuses":[["2026-09-21T15:00:00.5Z","resolved"],["2026-09-21T16:00:00Z","closed"]],"first_reply_at":"2026-09-21T14:20:00Z","agent_replies":1,"customer_messages":2,"waiting_since":"2026-09-21T14:50:00Z","first_resolved_at":"2026-09-21T15:00:00.5Z","last_resolved_at":"2026-09-21T15:00:00.5Z","closed_at":"2026-09-21T16:00:00Z","reopens":1,"priority_changes":2,"breaches":[1,0,3],"breached_since":[0,null,4],"escalations":[1,2,3,4],"sentiment":[2,0.5,1.0,-0.5],"last_mark":["2026-09-21T14:40:00Z","first_response",0]}"#;
    let t = |text: &str| text.parse::<Timestamp>().expect("instant");
    let facts = read(closed).expect("reads");
    let mut expected = crate::metrics::Facts::new(t("2026-09-21T14:13:21Z"));
    expected.folded = 9;
    expected.status = Status::Closed;
    expected.statuses =
        vec![(t("2026-09-21T15:00:00.5Z"), Status::Resolved), (t("2026-09-21T16:00:00Z"), Status::Closed)];
    expected.first_reply_at = Some(t("2026-09-21T14:20:00Z"));
    expected.agent_replies = 1;
    expected.customer_messages = 2;
    expected.waiting_since = Some(t("2026-09-21T14:50:00Z"));
    expected.first_resolved_at = Some(t("2026-09-21T15:00:00.5Z"));
    expected.last_resolved_at = Some(t("2026-09-21T15:00:00.5Z"));
    expected.closed_at = Some(t("2026-09-21T16:00:00Z"));
    expected.reopens = 1;
    expected.priority_changes = 2;
    expected.breaches = [1, 0, 3];
    expected.breached_since = [Some(0), None, Some(4)];
    expected.escalations = crate::metrics::Escalations { manual: 1, breach: 2, age: 3, rule: 4 };
    expected.sentiment = crate::metrics::SentimentSum { messages: 2, total: 0.5, first: 1.0, last: -0.5 };
    expected.last_mark = Some((t("2026-09-21T14:40:00Z"), DeadlineKind::FirstResponse, 0));
    assert_eq!(facts, expected);

    // Written again, it is the current version and reads back the same.
    let bytes = facts_record::encode(&facts, None);
    assert_eq!(bytes[0], 7, "version 7");
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts, None));

    // A version this build does not know is refused, in JSON or in binary.
    let unknown = BUSY_FACTS_V1.replacen(r#"{"v":1,"#, r#"{"v":5,"#, 1);
    assert!(matches!(read(&unknown), Err(StoreError::RecordVersion { what: "facts", version: 5 })));
    let mut unknown = bytes.clone();
    unknown[0] = 8;
    assert!(matches!(
        facts_record::decode(&unknown),
        Err(StoreError::RecordVersion { what: "facts", version: 8 })
    ));
}

#[test]
fn facts_instants_far_apart_keep_every_nanosecond() {
    let mut facts = crate::metrics::Facts::new(Timestamp::MIN);
    facts.first_reply_at = Some(Timestamp::MAX);
    facts.closed_at = Some(Timestamp::from_nanosecond(1_790_000_000_123_456_789).expect("in range"));
    facts.next_replies = vec![(Timestamp::MIN, Timestamp::MAX)];
    let bytes = facts_record::encode(&facts, None);
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts, None), "{bytes:?}");

    let mut facts = crate::metrics::Facts::new(Timestamp::from_nanosecond(-123_456_789).expect("in range"));
    facts.statuses = vec![(Timestamp::from_nanosecond(-1).expect("in range"), Status::Open)];
    let bytes = facts_record::encode(&facts, None);
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts, None), "{bytes:?}");
}

#[test]
fn a_facts_record_cut_short_or_run_on_is_refused_as_corrupt() {
    let t = |text: &str| text.parse::<Timestamp>().expect("instant");
    let mut facts = crate::metrics::Facts::of_history(&busy_history());
    facts.first_resolved_at = Some(t("2026-09-22T04:00:00Z"));
    facts.last_resolved_at = Some(t("2026-09-23T04:00:00Z"));
    facts.closed_at = Some(t("2026-09-24T04:00:00Z"));
    facts.reopens = 1;
    facts.breaches = [1, 0, 2];
    facts.breached_since = [Some(0), None, Some(40)];
    facts.warnings = [2, 0, 1];
    facts.template_replies = 3;
    facts.escalations = crate::metrics::Escalations { manual: 1, breach: 2, age: 0, rule: 300 };
    facts.last_mark = Some((t("2026-09-22T03:00:00Z"), DeadlineKind::Resolution, 40));
    facts.csat = Some(crate::metrics::CsatFacts {
        asked_at: t("2026-09-23T05:00:00Z"),
        rating: crate::csat::Scale::GoodBad.rating(1),
        commented: true,
    });
    let bytes = facts_record::encode(&facts, Some(&busy_labels()));
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts, Some(busy_labels())));
    for end in 0..bytes.len() {
        let error = facts_record::decode(&bytes[..end]).expect_err("cut short");
        assert!(matches!(error, StoreError::Corrupt(_)), "{end} bytes: {error}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let error = facts_record::decode(&longer).expect_err("runs on");
    assert!(error.to_string().contains("bytes after the end"), "{error}");
}

/// Every ticket's labels and facts as the facts table alone gives them, and whether it
/// answered for every ticket.
fn labelled_facts(store: &Store) -> (Vec<(crate::metrics::Labels, crate::metrics::Facts)>, bool) {
    let mut seen = Vec::new();
    let complete = store
        .read()
        .expect("read")
        .for_each_facts(|labels, facts| {
            seen.push((labels.clone(), facts.clone()));
            Ok::<_, StoreError>(())
        })
        .expect("scan");
    (seen, complete)
}

#[test]
fn labels_in_the_facts_follow_the_ticket_on_every_save() {
    let (_dir, store) = fresh();
    let agent = Origin { actor: Actor::Agent(7), rules: None };
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    let check = |why: &str| {
        let ticket = store.read().expect("read").ticket(id).expect("read").expect("exists");
        let (seen, complete) = labelled_facts(&store);
        assert!(complete, "{why}: the facts table answers for every ticket");
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, crate::metrics::Labels::of(&ticket), "{why}");
        ticket
    };
    check("opened");

    // Changes with history: an assignment, a priority, a tag.
    for (change, minute) in [
        (Change::Assign { to: Some(7) }, 1),
        (Change::SetPriority(crate::ticket::Priority::High), 2),
        (Change::AddTag("refund".into()), 3),
    ] {
        store
            .write(|tx| {
                let mut ticket = tx.ticket(id)?.expect("exists");
                let entries = ticket.apply(change.clone(), &agent, at(minute)).expect("legal");
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &entries)
            })
            .expect("written");
        let ticket = check(&format!("{change:?}"));
        assert!(ticket.assignee == Some(7));
    }

    // A save without history (as a delivery or a direct edit makes) moves them too: the
    // topic's staff group among them.
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            ticket.topic = Some(crate::ticket::Topic { chat_id: -100_777, thread_id: 9 });
            ticket.assignee = Some(8);
            ticket.category = Some("billing".into());
            ticket.tags.insert("vip".into());
            tx.save_ticket(&ticket)
        })
        .expect("saved");
    let ticket = check("saved alone");
    assert_eq!((ticket.assignee, ticket.category.as_deref()), (Some(8), Some("billing")));
    assert_eq!(labelled_facts(&store).0[0].0.staff_chat, Some(-100_777));
}

#[test]
fn the_facts_table_alone_does_not_answer_for_records_without_labels_or_behind_their_history() {
    let (_dir, store) = fresh();
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    store.write(|tx| create_ticket(tx, 6)).expect("created");
    assert!(labelled_facts(&store).1);

    // A record without labels, as versions 1 to 3 wrote it.
    let ticket = store.read().expect("read").ticket(id).expect("read").expect("exists");
    let facts = store.read().expect("read").facts(&ticket).expect("read").expect("kept");
    store
        .write(|tx| {
            let record = facts_record::encode(&facts, None);
            tx.open(super::open::FACTS)?.insert(id.0, record.as_slice())?;
            Ok::<_, StoreError>(())
        })
        .expect("written");
    assert!(!labelled_facts(&store).1, "a record without labels");

    // The next append gives it its labels again.
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let agent = Origin { actor: Actor::Agent(7), rules: None };
            let entries = ticket.apply(Change::Assign { to: Some(7) }, &agent, at(5)).expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    assert!(labelled_facts(&store).1);

    // History appended by a build that kept no facts: the record is behind.
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let agent = Origin { actor: Actor::Agent(7), rules: None };
            let entries =
                ticket.apply(Change::AgentReply { text: "hi".into() }, &agent, at(6)).expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history_as_a_build_without_facts(id, &entries)
        })
        .expect("written");
    assert!(!labelled_facts(&store).1, "facts behind the history");

    // A ticket without any record.
    let (_dir, store) = fresh();
    store.write(|tx| create_ticket(tx, 5)).expect("created");
    store
        .write(|tx| {
            tx.open(super::open::FACTS)?.remove(1)?;
            Ok::<_, StoreError>(())
        })
        .expect("dropped");
    assert!(!labelled_facts(&store).1, "a ticket without facts");
}

#[test]
fn a_customer_messages_score_is_kept_in_its_entry_and_old_entries_read_without_one() {
    let (_dir, store) = fresh();
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    let text = "This is terrible, still broken";
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let customer = Origin { actor: Actor::Customer(5), rules: None };
            let change = Change::CustomerMessage { text: text.into() };
            let entries = ticket.apply(change, &customer, at(1)).expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    let history = store.read().expect("read").history(id).expect("history");
    let expected = crate::sentiment::score(text);
    assert!(expected < 0.0);
    assert!(matches!(
        &history[1].kind,
        crate::history::EntryKind::CustomerMessage { sentiment: Some(kept), .. } if kept.to_bits() == expected.to_bits()
    ));

    // An entry written before scores were kept reads without one.
    let old = r#"{"v":1,"at":"2026-09-21T14:13:21Z","actor":"customer:5","kind":{"type":"customer_message","text":"thanks"}}"#;
    let entry = records::decode::<records::EntryRecord>("history entry", old.as_bytes())
        .expect("decodes")
        .into_entry(1)
        .expect("reads");
    assert_eq!(
        entry.kind,
        crate::history::EntryKind::CustomerMessage { text: "thanks".into(), sentiment: None }
    );
}

#[test]
fn an_opening_entry_keeps_the_rule_set_it_names_and_one_written_without_reads() {
    use crate::history::{Entry, EntryKind};
    // The desk names the rule set the opening's clocks were planned under.
    let created = Entry {
        seq: 0,
        at: at(0),
        actor: Actor::Customer(5),
        rules: Some("3f2a9c1d".into()),
        kind: EntryKind::Created { form: "support".into() },
    };
    let bytes = records::encode(&records::EntryRecord::from(&created));
    let pinned = r#"{"v":1,"at":"2026-09-21T14:13:20Z","actor":"customer:5","rules":"3f2a9c1d","kind":{"type":"created","form":"support"}}"#;
    assert_eq!(String::from_utf8(bytes).expect("JSON"), pinned);
    let read = records::decode::<records::EntryRecord>("history entry", pinned.as_bytes())
        .expect("decodes")
        .into_entry(0)
        .expect("reads");
    assert_eq!(read, created);
    // An opening written before names none, and reads so (the desk plans such a ticket's
    // clocks again at its next change).
    let old = r#"{"v":1,"at":"2026-09-21T14:13:20Z","actor":"customer:5","kind":{"type":"created","form":"support"}}"#;
    let read = records::decode::<records::EntryRecord>("history entry", old.as_bytes())
        .expect("decodes")
        .into_entry(0)
        .expect("reads");
    assert_eq!(read, Entry { rules: None, ..created });
}

#[test]
fn a_survey_its_answers_and_its_facts_round_trip() {
    use crate::csat::{Rating, Scale};
    let (_dir, store) = fresh();
    let customer = Origin { actor: Actor::Customer(42), rules: None };
    let changes = [
        Change::Resolve,
        Change::CsatAsk { scale: Scale::Five, expires_at: at(60) },
        Change::CsatRate { rating: Rating { scale: Scale::Five, value: 4 }, ask_comment: false },
        Change::CsatRate { rating: Rating { scale: Scale::Five, value: 2 }, ask_comment: true },
        Change::CsatComment { text: "slow".into() },
    ];
    let (id, written) = store
        .write(|tx| {
            let id = create_ticket(tx, 42)?;
            let mut ticket = tx.ticket(id)?.expect("just saved");
            let mut entries = Vec::new();
            for change in changes.clone() {
                entries.extend(ticket.apply(change, &customer, at(1)).expect("legal"));
            }
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)?;
            Ok::<_, StoreError>((id, ticket))
        })
        .expect("write");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("saved");
    assert_eq!(ticket, written);
    let survey = ticket.csat.expect("asked");
    assert_eq!((survey.rating.map(|r| r.value), survey.answers), (Some(2), 2));
    assert_eq!(survey.comment.as_deref(), Some("slow"));
    let history = read.history(id).expect("history");
    let lines: Vec<String> = history.iter().skip(2).map(|e| e.kind.to_string()).collect();
    assert_eq!(
        lines,
        [
            "satisfaction survey sent (five)",
            "satisfaction rating 4/5",
            "satisfaction rating 2/5",
            "satisfaction comment: slow"
        ]
    );
    let facts = crate::metrics::Facts::of_history(&history);
    let csat = facts.csat.expect("asked");
    assert_eq!((csat.rating.map(|r| r.value), csat.commented), (Some(2), true));
    let bytes = facts_record::encode(&facts, None);
    assert_eq!(facts_record::decode(&bytes).expect("reads"), (facts, None));
    // A ticket record written before surveys existed reads as never asked.
    let old = records::encode(&records::TicketRecord::from(&crate::ticket::Ticket { csat: None, ..written }));
    assert!(!String::from_utf8_lossy(&old).contains("csat"));
    let old = records::decode::<records::TicketRecord>("ticket", &old).expect("decodes");
    assert_eq!(old.into_ticket().expect("reads").csat, None);
}

#[test]
fn the_audit_log_keeps_entries_in_order_and_a_rolled_back_entry_is_not_kept() {
    use crate::audit::{Action, Actor as Who, AuditEntry, Surface};
    let (_dir, store) = fresh();
    assert!(store.read().expect("read").audit_log().expect("empty log").is_empty());
    let viewed = |minutes, who, ticket| AuditEntry {
        at: at(minutes),
        actor: who,
        action: Action::Viewed { ticket: TicketId(ticket), surface: Surface::Info },
    };
    let first = viewed(1, Who::Telegram { user: 7 }, 3);
    let second = viewed(2, Who::Os { user: "ops".into() }, 4);
    store.write(|tx| tx.record_audit(&first)).expect("first entry");
    let failed = store.write(|tx| {
        tx.record_audit(&viewed(3, Who::Desk, 5))?;
        Err::<(), _>(StoreError::Corrupt("stop".into()))
    });
    assert!(failed.is_err());
    store.write(|tx| tx.record_audit(&second)).expect("second entry");
    let log = store.read().expect("read").audit_log().expect("log");
    assert_eq!(log, [(1, first), (2, second)]);
}

#[test]
fn a_version_5_facts_record_reads_but_its_ticket_is_folded_again_for_its_template_replies() {
    let (_dir, store) = fresh();
    let agent = Origin { actor: Actor::Agent(7), rules: None };
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    let used = || Change::TemplateUsed { template: "refund".into(), version: "v1".into() };
    let steps = [(Change::AgentReply { text: "Hello".into() }, 10), (used(), 10)];
    for (change, minute) in steps {
        store
            .write(|tx| {
                let mut ticket = tx.ticket(id)?.expect("exists");
                let entries = ticket.apply(change, &agent, at(minute)).expect("legal");
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &entries)
            })
            .expect("written");
    }
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("facts are kept");
    assert_eq!((kept.agent_replies, kept.template_replies), (1, 1));
    assert!(read.for_each_facts(|_, _| Ok::<_, StoreError>(())).expect("scan"), "current records answer");
    drop(read);

    // The record as a build before template replies were counted wrote it: version 5 is
    // version 7 without them and the SLA warnings (none here), so the same bytes but the
    // first and the flag.
    let mut before = kept.clone();
    before.template_replies = 0;
    let mut version_5 = facts_record::encode(&before, Some(&crate::metrics::Labels::of(&ticket)));
    assert_eq!(version_5[0], facts_record::FACTS_RECORD_VERSION);
    version_5[0] = 5;
    let (read_back, labels) = facts_record::decode(&version_5).expect("version 5 reads");
    assert_eq!((read_back, labels), (before.clone(), Some(crate::metrics::Labels::of(&ticket))));
    assert!(!facts_record::is_current(&version_5));
    // A version 5 record never carried the template flag.
    let mut flagged = facts_record::encode(&kept, None);
    flagged[0] = 5;
    assert!(matches!(facts_record::decode(&flagged), Err(StoreError::Corrupt(_))));

    store
        .write(|tx| {
            tx.open(super::open::FACTS)?.insert(id.0, version_5.as_slice())?;
            Ok::<_, StoreError>(())
        })
        .expect("an older record");
    let read = store.read().expect("read");
    assert_eq!(read.facts(&ticket).expect("read"), None, "not current: the caller folds the history");
    assert!(!read.for_each_facts(|_, _| Ok::<_, StoreError>(())).expect("scan"), "the report reads tickets");
    drop(read);
    // The ticket's next change folds its whole history again, template replies and all.
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let entries = ticket.apply(Change::Resolve, &agent, at(20)).expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("current again");
    assert_eq!(kept, crate::metrics::Facts::of_history(&read.history(id).expect("history")));
    assert_eq!((kept.agent_replies, kept.template_replies), (1, 1));
    drop(read);

    // A change of labels alone (no history) also folds an older record again.
    store
        .write(|tx| {
            tx.open(super::open::FACTS)?.insert(id.0, version_5.as_slice())?;
            let mut ticket = tx.ticket(id)?.expect("exists");
            ticket.tags.insert("vip".into());
            tx.save_ticket(&ticket)
        })
        .expect("retagged");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("current again");
    assert_eq!(kept.template_replies, 1);
}

#[test]
fn a_version_6_facts_record_reads_but_its_ticket_is_folded_again_for_its_sla_warnings() {
    let (_dir, store) = fresh();
    let system = Origin { actor: Actor::System, rules: None };
    let id = store.write(|tx| create_ticket(tx, 5)).expect("created");
    let warning = crate::deadline::Mark { kind: DeadlineKind::FirstResponse, since: 0, step: 0 };
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            let entries = ticket.apply(Change::Timer(warning), &system, at(8)).expect("marks always apply");
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("facts are kept");
    assert_eq!(kept.warnings, [1, 0, 0]);
    drop(read);

    // Version 6 is version 7 without the warnings: the same bytes but the first and the flag.
    let labels = crate::metrics::Labels::of(&ticket);
    let mut before = kept.clone();
    before.warnings = [0; 3];
    let mut version_6 = facts_record::encode(&before, Some(&labels));
    version_6[0] = 6;
    let (read_back, read_labels) = facts_record::decode(&version_6).expect("version 6 reads");
    assert_eq!((read_back, read_labels), (before, Some(labels)));
    assert!(!facts_record::is_current(&version_6));
    // A version 6 record never carried the warnings' flag.
    let mut flagged = facts_record::encode(&kept, None);
    flagged[0] = 6;
    assert!(matches!(facts_record::decode(&flagged), Err(StoreError::Corrupt(_))));

    store
        .write(|tx| {
            tx.txn.open_table(tables::FACTS)?.insert(id.0, version_6.as_slice())?;
            Ok::<_, StoreError>(())
        })
        .expect("an older record");
    let read = store.read().expect("read");
    assert_eq!(read.facts(&ticket).expect("read"), None, "not current: the caller folds the history");
    drop(read);
    store
        .write(|tx| {
            let mut ticket = tx.ticket(id)?.expect("exists");
            ticket.tags.insert("vip".into());
            tx.save_ticket(&ticket)
        })
        .expect("retagged");
    let read = store.read().expect("read");
    let ticket = read.ticket(id).expect("read").expect("exists");
    let kept = read.facts(&ticket).expect("read").expect("current again");
    assert_eq!(kept.warnings, [1, 0, 0]);
}

#[test]
fn a_table_stays_open_for_the_transaction_and_a_second_borrow_is_refused_as_redb_refuses_it() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            tx.set_counter("a", 7)?;
            {
                let counters = tx.open(super::open::COUNTERS)?;
                // Still open, and holding what was written through it.
                assert_eq!(counters.get("a")?.map(|v| v.value()), Some(7));
                match tx.open(super::open::COUNTERS) {
                    Err(redb::TableError::TableAlreadyOpen(name, _)) => assert_eq!(name, "counters"),
                    Err(other) => panic!("another error: {other}"),
                    Ok(_) => panic!("a table borrowed twice"),
                }
            }
            tx.set_counter("a", 8)?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    assert_eq!(store.read().expect("read").counter("a").expect("counter"), Some(8));
}

/// A business customer's door as written before read marks (version 1) still reads, with
/// nothing unread; the latest unread message is kept with the door while it stays the same,
/// and forgotten when the customer's door changes or goes.
#[test]
fn a_door_keeps_its_unread_message_and_a_version_1_door_still_reads() {
    let (_dir, store) = fresh();
    store
        .write(|tx| {
            tx.open(super::open::DOORS)?.insert(42, br#"{"v":1,"connection":"bc1"}"#.as_slice())?;
            Ok::<_, StoreError>(())
        })
        .expect("a version 1 door");
    let read = |customer| {
        let tx = store.read().expect("read");
        (tx.door(customer).expect("door"), tx.unread(customer).expect("unread"))
    };
    assert_eq!(read(42), (Some("bc1".to_owned()), None));
    store.write(|tx| tx.set_unread(42, Some(7))).expect("unread");
    assert_eq!(read(42), (Some("bc1".to_owned()), Some(7)));
    store.write(|tx| tx.set_door(42, Some("bc1"))).expect("same door");
    assert_eq!(read(42), (Some("bc1".to_owned()), Some(7)), "the same door keeps it");
    store.write(|tx| tx.set_door(42, Some("bc2"))).expect("another door");
    assert_eq!(read(42), (Some("bc2".to_owned()), None), "another door starts unread afresh");
    store.write(|tx| tx.set_unread(42, Some(9))).expect("unread");
    store.write(|tx| tx.set_door(42, None)).expect("no door");
    store.write(|tx| tx.set_unread(42, Some(10))).expect("no door: nothing kept");
    assert_eq!(read(42), (None, None));
}

/// Held calls as written before they said what they wait for (version 1) still read, as not
/// known; version 2 keeps the reason, and a resent voice message keeps its file, pinned byte
/// for byte (a part without one of the single kinds is written as before).
#[test]
fn held_calls_keep_what_they_wait_for_and_a_version_1_record_still_reads() {
    let (_dir, store) = fresh();
    let v1 = format!(r#"{{"v":1,"entries":[{OUTBOX_RECORD_V1}]}}"#);
    store
        .write(|tx| {
            tx.open(super::open::HELD)?.insert(42, v1.as_bytes())?;
            Ok::<_, StoreError>(())
        })
        .expect("a version 1 record");
    let read = |customer| {
        let tx = store.read().expect("read");
        (tx.held(customer).expect("held").len(), tx.held_why(customer).expect("why"))
    };
    assert_eq!(read(42), (1, None));
    let voice = crate::outbox::Content {
        text: Some("listen".to_owned()),
        entities: Vec::new(),
        file: None,
        single: Some(crate::outbox::Single::Voice { file_id: "V1".to_owned() }),
    };
    let resend = Call::Resend {
        to: Target::Chat { chat_id: 42 },
        parts: vec![voice],
        reply_to: None,
        album: None,
        report: None,
    };
    let held = Outgoing { chat_id: 42, lane: Lane::Message, ticket: Some(TicketId(3)), call: resend };
    store.write(|tx| tx.set_held(42, std::slice::from_ref(&held), Some(HeldWhy::Window))).expect("held");
    assert_eq!(read(42), (1, Some(HeldWhy::Window)));
    assert_eq!(store.read().expect("read").held(42).expect("held"), [held]);
    let bytes = store
        .write(|tx| Ok::<_, StoreError>(tx.open(super::open::HELD)?.get(42)?.map(|b| b.value().to_vec())))
        .expect("raw");
    assert_eq!(
        String::from_utf8(bytes.expect("a row")).expect("text"),
        r#"{"v":2,"entries":[{"v":2,"chat_id":42,"lane":"message","ticket":3,"call":{"call":"resend","to":{"kind":"chat","chat_id":42},"parts":[{"text":"listen","single":{"kind":"voice","file_id":"V1"}}]}}],"why":"window"}"#
    );
    store.write(|tx| tx.set_held(42, &[], None)).expect("released");
    assert_eq!(read(42), (0, None));
}

#[test]
fn a_record_is_read_as_text_checked_whole_and_refused_when_not_utf8() {
    let mut ticket = Ticket::open(
        TicketId(7),
        Customer {
            id: 9, name: "Ёжик «Клиент» 🦔".into(), username: None, language: Some("ru".into())
        },
        "support",
        BTreeMap::from([("what".to_owned(), crate::ticket::Answer::Text("Не работает — вход".into()))]),
        at(0),
    )
    .0;
    ticket.tags.insert("срочно".into());
    let bytes = records::encode(&records::TicketRecord::from(&ticket));
    let read: records::TicketRecord = records::decode("ticket", &bytes).expect("the record reads");
    assert_eq!(read.into_ticket().expect("a ticket"), ticket);
    // A byte that is no UTF-8 inside the customer's name: refused, never read as something else.
    let name = bytes.windows(2).position(|pair| pair == "Ё".as_bytes()).expect("the name is in the record");
    let mut broken = bytes.clone();
    broken[name + 1] = 0xFF;
    let error = records::decode::<records::TicketRecord>("ticket", &broken).map(|_| ()).unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt(text) if text.starts_with("unreadable ticket record")),
        "{error}"
    );
}

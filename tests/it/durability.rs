//! Durability: a child process writes batches into a store and is killed with SIGKILL
//! in the middle of one; the reopened file holds every committed batch whole and no part
//! of the one in flight.
//!
//! The child is this same test binary, re-executed with `TOPICDESK_CHILD_STORE` set, so
//! it runs the real store code in a separate process that can really be killed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use topicdesk::outbox::{Call, Lane, Outgoing, Target};
use topicdesk::store::Store;
use topicdesk::ticket::{Customer, Ticket};

use crate::support::at;

const CHILD_ENV: &str = "TOPICDESK_CHILD_STORE";
const TICKETS_PER_BATCH: u64 = 200;

/// In the child process: write batches forever, announcing each before and after commit.
/// In the parent test run it has nothing to do and returns at once.
#[test]
fn child_process_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let store = Store::open(std::path::Path::new(&path)).expect("child opens the store");
    let mut stdout = std::io::stdout();
    for batch in 1u64.. {
        writeln!(stdout, "begin {batch}").expect("pipe");
        stdout.flush().expect("pipe");
        store
            .write(|tx| {
                for n in 0..TICKETS_PER_BATCH {
                    let id = tx.next_ticket_id()?;
                    let customer = Customer {
                        id: batch,
                        name: format!("batch {batch} #{n}"),
                        username: None,
                        language: None,
                    };
                    let (ticket, created) =
                        Ticket::open(id, customer, "support", std::collections::BTreeMap::default(), at(0));
                    tx.save_ticket(&ticket)?;
                    tx.append_history(id, &[created])?;
                    tx.enqueue(&Outgoing {
                        chat_id: batch as i64,
                        lane: Lane::Message,
                        ticket: Some(id),
                        call: Call::SendText {
                            to: Target::Chat { chat_id: batch as i64 },
                            text: n.to_string(),
                            reply_to: None,
                            buttons: Vec::new(),
                            report: None,
                        },
                    })?;
                }
                tx.set_counter("durability_batch", batch)
            })
            .expect("child writes");
        writeln!(stdout, "committed {batch}").expect("pipe");
        stdout.flush().expect("pipe");
    }
}

#[test]
fn kill_9_mid_transaction_loses_no_committed_batch_and_keeps_no_partial_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("durability.redb");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["durability::child_process_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut last_committed = 0u64;
    loop {
        let line = lines.next().expect("child still writing").expect("readable");
        if let Some(n) = line.strip_prefix("committed ") {
            last_committed = n.parse().expect("number");
        }
        // Kill right after a batch has begun, so the kill lands inside a transaction.
        if last_committed >= 5 && line.starts_with("begin ") {
            child.kill().expect("SIGKILL the child");
            break;
        }
    }
    child.wait().expect("reap child");

    let store = Store::open(&path).expect("the killed store reopens");
    let read = store.read().expect("read");
    let batches = read.counter("durability_batch").expect("counter").expect("some batch committed");
    assert!(batches >= last_committed, "every batch the child saw committed is there");
    assert_eq!(read.ticket_count().expect("count"), batches * TICKETS_PER_BATCH, "no partial batch");
    assert_eq!(read.outbox_len().expect("count"), batches * TICKETS_PER_BATCH);
    for batch in 1..=batches {
        let tickets = read.tickets_of_customer(batch).expect("index");
        assert_eq!(tickets.len() as u64, TICKETS_PER_BATCH, "batch {batch} whole");
        for id in tickets {
            assert_eq!(read.history(id).expect("history").len(), 1, "{id} has its history");
        }
    }
    assert!(
        read.tickets_of_customer(batches + 1).expect("index").is_empty(),
        "the batch in flight left nothing"
    );
    drop(read);
    // The reopened store takes new writes.
    store.write(|tx| tx.set_counter("after", 1)).expect("write after recovery");
}

//! A task of the host that ends while the host runs ends the process non-zero, so the
//! service manager starts it again, instead of leaving a bot that polls but never sends.
//! What ends it here is natural: an outbox record the dispatcher cannot read (written
//! over through redb directly before the start, as a bad disk or a stray write would).
//! A record that reads but whose call does not decode is no such end: it stays for
//! inspection and the rest goes out.

use std::time::Duration;

use topicdesk::store::{Store, data_file};

use super::harness::{Desk, Setup, open_ticket};

const OUTBOX: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("outbox");

/// Regression: the dispatcher ended on an unreadable outbox and the process lived on,
/// polling and applying updates while nothing was ever sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_task_that_ends_ends_the_process_non_zero() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let file = data_file(&desk.options.data);
    drop(Store::open(&file).expect("create the store"));
    {
        let db = redb::Builder::new()
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .open(&file)
            .expect("open the store");
        let txn = db.begin_write().expect("write");
        txn.open_table(OUTBOX)
            .expect("outbox")
            .insert(1, b"{ not an outbox record".as_slice())
            .expect("insert");
        txn.commit().expect("commit");
    }
    let host = desk.run_command(&[]).env("RUST_LOG", "warn").output();
    let output = tokio::time::timeout(Duration::from_mins(1), host)
        .await
        .expect("the host ends by itself instead of living on without a dispatcher")
        .expect("run topicdesk");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "stderr:\n{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "error: the host's dispatcher ended unexpectedly; exiting so that the service manager starts \
         topicdesk again"
    );
}

/// An outbox entry whose call does not decode (a newer version's call, a stray write) is
/// set aside, not fatal: it stays in the outbox for inspection, the host keeps running and
/// everything else still goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_call_that_does_not_decode_stays_and_the_rest_goes_out() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let file = data_file(&desk.options.data);
    drop(Store::open(&file).expect("create the store"));
    let unknown = br#"{"v":1,"chat_id":-100,"lane":"message","call":{"call":"teleport","to":"moon"}}"#;
    {
        let db = redb::Builder::new()
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .open(&file)
            .expect("open the store");
        let txn = db.begin_write().expect("write");
        txn.open_table(OUTBOX).expect("outbox").insert(1_000_000, unknown.as_slice()).expect("insert");
        txn.commit().expect("commit");
    }
    desk.start_host();
    let customer = desk.customers[0].clone();
    open_ticket(&desk.fake, &customer).await;
    desk.stop_host().await;
    let store = Store::open_read_only(&file).expect("the store opens");
    let read = store.read().expect("read");
    let left = read.outbox(20).expect("outbox");
    let seqs: Vec<u64> = left.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, [1_000_000], "only the undecodable entry is left: {left:#?}");
    assert!(left[0].1.is_err(), "{left:#?}");
}

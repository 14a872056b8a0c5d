//! A task of the host that ends while the host runs ends the process non-zero, so the
//! service manager starts it again, instead of leaving a bot that polls but never sends.
//! What ends it here is natural: an outbox record the dispatcher cannot read (written
//! over through redb directly before the start, as a bad disk or a stray write would).

use std::time::Duration;

use topicdesk::store::{Store, data_file};

use super::harness::{Desk, Setup};

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

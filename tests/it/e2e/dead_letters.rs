//! Dead letters, end to end: an update the desk fails on every time is set aside after its
//! tries, with an alert in General, while the updates behind it flow on; `topicdesk
//! dead-letters list` shows it while the bot runs; `dead-letters retry` has the running bot
//! apply it again through its control socket (here it fails again, and the command and
//! General say so), and once the cause is mended, a retry asked for while the bot is stopped
//! is applied at the next start.
//!
//! What fails is a damaged record: Ann's ticket record is overwritten with bytes that are
//! not a record (through redb directly, while the host is stopped, as a bad disk or a
//! stray write would), so every message of hers fails in the desk and nobody else's does.

use std::path::Path;

use redb::ReadableTable;
use topicdesk::fakegram::{Thread, World};
use topicdesk::store::data_file;

use super::harness::{Desk, STAFF, Setup, has_text, open_ticket, relayed, wait};
use crate::support::{path_arg, stderr, stdout, topicdesk};

const TICKETS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("tickets");

/// Replaces the record of ticket `id`; returns what was there.
fn replace_ticket_record(data: &Path, id: u64, bytes: &[u8]) -> Vec<u8> {
    let db = redb::Builder::new()
        .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
        .open(data_file(data))
        .expect("open the stopped host's store");
    let txn = db.begin_write().expect("write");
    let old = {
        let mut table = txn.open_table(TICKETS).expect("tickets");
        let old = table.get(id).expect("get").expect("the ticket exists").value().to_vec();
        table.insert(id, bytes).expect("insert");
        old
    };
    txn.commit().expect("commit");
    old
}

/// `dead-letters list`: its rows, header left out.
fn listed(data: &Path) -> Vec<String> {
    let output = topicdesk(&["dead-letters", "list", "--data", path_arg(data)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output).lines().skip(1).map(str::to_owned).collect()
}

fn tries(row: &str) -> u32 {
    row.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a tries column")
}

fn general_alerts(world: &World, needle: &str) -> usize {
    let general = world.thread_messages(STAFF, Thread::General);
    general.iter().filter(|m| m.from == world.bot_id() && has_text(m, needle)).count()
}

async fn wait_listed(desk: &Desk, what: &str, mut holds: impl FnMut(&[String]) -> bool) -> Vec<String> {
    let data = desk.options.data.clone();
    let deadline = std::time::Instant::now() + super::harness::PATIENCE;
    loop {
        let rows = listed(&data);
        if holds(&rows) {
            return rows;
        }
        assert!(std::time::Instant::now() < deadline, "waited for {what}; listed: {rows:#?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_keeps_failing_is_set_aside_listed_alerted_and_retried() {
    let mut desk = Desk::start(Setup { customers: 2, budget_scale: None }).await;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    open_ticket(&desk.fake, &ann).await;
    open_ticket(&desk.fake, &ben).await;
    desk.stop_host().await;
    let record = replace_ticket_record(&desk.options.data, 1, b"{ not a ticket record");
    desk.start_host();

    ann.send_numbered(&desk.fake, 0..1);
    ben.send_numbered(&desk.fake, 0..1);
    // The rest flow on: Ben's message, behind Ann's, arrives.
    wait(&desk.fake, "Ben's message in his topic", |world| relayed(world, &ben) == [0]).await;
    wait(&desk.fake, "the alert in General", |world| general_alerts(world, "could not apply an update") == 1)
        .await;
    let rows = listed(&desk.options.data);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert!(rows[0].contains(&format!("message from {} in chat {}", ann.id, ann.id)), "{rows:#?}");
    assert!(rows[0].contains("unreadable ticket record"), "{rows:#?}");
    assert_eq!(tries(&rows[0]), topicdesk::host::TRIES, "{rows:#?}");
    assert!(desk.fake.inspect(|world| relayed(world, &ann)).is_empty());

    // Retried while the bot runs, through its control socket: applied again, failing
    // again, and said so by the command (exit 1) and in General.
    let retry = topicdesk(&["dead-letters", "retry", "--data", path_arg(&desk.options.data)]);
    assert_eq!(retry.status.code(), Some(1), "{}", stderr(&retry));
    assert!(stderr(&retry).contains("0 applied, 1 failed again"), "{}", stderr(&retry));
    let rows = listed(&desk.options.data);
    assert!(
        rows.len() == 1 && tries(&rows[0]) == topicdesk::host::TRIES + 1,
        "tried when it answered: {rows:#?}"
    );
    wait(&desk.fake, "the second alert", |world| general_alerts(world, "failed again when retried") == 1)
        .await;
    wait_listed(&desk, "the request served", |rows| rows.iter().all(|row| !row.contains("asked"))).await;

    // Mended while the bot is stopped, then retried: applied at the next start.
    desk.stop_host().await;
    replace_ticket_record(&desk.options.data, 1, &record);
    let retry = topicdesk(&["dead-letters", "retry", "--data", path_arg(&desk.options.data)]);
    assert_eq!(retry.status.code(), Some(0), "{}", stderr(&retry));
    assert!(listed(&desk.options.data)[0].contains("asked"));
    desk.start_host();
    wait(&desk.fake, "Ann's message in her topic", |world| relayed(world, &ann) == [0]).await;
    wait_listed(&desk, "no dead letter left", <[String]>::is_empty).await;
    // Nothing was sent twice.
    desk.fake.inspect(|world| {
        assert_eq!(relayed(world, &ben), [0]);
        assert_eq!(
            general_alerts(world, "could not apply an update"),
            2,
            "one when set aside, one when it failed again"
        );
    });
    desk.finish().await;
}

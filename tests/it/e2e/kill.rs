//! `kill -9` in the middle of a burst: the real `topicdesk run` binary, pointed at the fake
//! in this process through `TELOXIDE_TOKEN` and `TELOXIDE_API_URL`, is killed with SIGKILL
//! while fifty customers' 500 messages are on their way, then started again on the same
//! store. Every message must be in its topic at least once, in order (a copy sent again
//! right after a crash may follow its original, nothing else may move); the number of
//! copies sent twice is printed. Last, SIGTERM stops the host with exit code 0.
//!
//! Budgets are off on both sides (`--no-rate-budget`, the fake admitting everything): the
//! test is about the store, the outbox and the update offset, and Telegram's real budget
//! would stretch the burst to 25 minutes.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Child;
use topicdesk::fakegram::World;

use super::harness::{Desk, STAFF, Setup, assert_outbox_empty, relayed, topic_of, wait};

const CUSTOMERS: usize = 50;
const MESSAGES: usize = 10;
/// Kill once this many copies are in the topics: well into the burst, well before its end.
const KILL_AFTER: usize = 120;

fn topicdesk_run(desk: &Desk, log: &Path) -> Child {
    let log = std::fs::File::options().create(true).append(true).open(log).expect("log file");
    desk.run_command(&[]).env("RUST_LOG", "warn").stderr(log).spawn().expect("start topicdesk run")
}

fn copies_in_topics(world: &World, desk: &Desk) -> usize {
    desk.customers.iter().map(|c| relayed(world, c).len()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_a_burst_of_500_loses_no_message() {
    let desk = Desk::prepare(Setup { customers: CUSTOMERS, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    let mut host = topicdesk_run(&desk, &log);
    desk.open_all_tickets().await;

    let burst = Instant::now();
    for n in 0..MESSAGES {
        for customer in &desk.customers {
            customer.send_numbered(&desk.fake, n..n + 1);
        }
    }
    let total = CUSTOMERS * MESSAGES;
    wait(&desk.fake, "copies arriving", |world| copies_in_topics(world, &desk) >= KILL_AFTER).await;
    host.kill().await.expect("SIGKILL the host");
    let at_kill = desk.fake.inspect(|world| copies_in_topics(world, &desk));
    assert!(at_kill < total, "the kill landed after the burst ({at_kill} copies); it must land inside it");

    let mut host = topicdesk_run(&desk, &log);
    desk.wait_counted(MESSAGES, 0).await;
    let took = burst.elapsed();

    let duplicates = desk.fake.inspect(|world| {
        let live = world.topics(STAFF).iter().filter(|t| !t.deleted).count();
        assert_eq!(live, CUSTOMERS, "no topic was opened twice");
        let mut duplicates = 0;
        for customer in &desk.customers {
            let got = relayed(world, customer);
            assert!(got.is_sorted(), "{}'s topic lost its order: {got:?}", customer.name);
            let mut once = got.clone();
            once.dedup();
            assert_eq!(once, (0..MESSAGES).collect::<Vec<_>>(), "{}'s topic", customer.name);
            assert!(topic_of(world, customer).is_some());
            duplicates += got.len() - once.len();
        }
        duplicates
    });
    println!(
        "e2e kill -9: killed with {at_kill} of {total} copies in the topics; after the restart all \
         {total} arrived, {duplicates} of them twice; {took:.2?} from the burst to the last copy"
    );

    // SIGTERM: the host finishes what it holds and exits 0.
    let pid = host.id().expect("the host runs").to_string();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success(), "kill -TERM {pid}");
    let status = tokio::time::timeout(Duration::from_secs(30), host.wait())
        .await
        .expect("the host stops within its drain time")
        .expect("wait for the host");
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM; log:\n{stderr}");
    assert_outbox_empty(&desk.options.data);
}

//! Webhook mode end to end: the fake Bot API pushes each update to `topicdesk run --webhook
//! URL --listen ADDR` as Telegram does (one POST per update, in order, with the secret
//! header, again after any answer but a 2xx). A customer's message makes a ticket and an
//! agent's reply reaches them; a POST without the secret, or with another, is refused and
//! changes nothing, and one already committed, delivered again, is acknowledged and not
//! applied twice; a `kill -9` while an update is received but not yet committed loses
//! nothing (the store cannot write: the real binary under a lowered file-size limit, as in
//! `full_disk.rs`, holds the update between receipt and commit); a restart without
//! `--webhook` deletes the webhook and polls, and nothing Telegram held is lost; a URL
//! Telegram refuses ends the start with one clear line.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::process::Child;
use topicdesk::fakegram::{FakeHandle, World, post_to_webhook};
use topicdesk::host::WebhookOptions;
use topicdesk::store::{Store, data_file};

use super::harness::{Customer, Desk, PATIENCE, Setup, open_ticket, relayed, wait};

/// A free port on the loopback for the webhook to listen on.
fn free_address() -> std::net::SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    probe.local_addr().expect("its address")
}

fn webhook_options() -> WebhookOptions {
    let listen = free_address();
    WebhookOptions { url: format!("http://{listen}/telegram/webhook"), listen }
}

/// An update the fake never made: `customer` writing `text` in their private chat.
fn forged_message(update_id: i64, customer: &Customer, text: &str) -> String {
    let person = json!({ "id": customer.id, "is_bot": false, "first_name": customer.name });
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 90_000,
            "date": jiff::Timestamp::now().as_second(),
            "chat": { "id": customer.id, "type": "private", "first_name": customer.name },
            "from": person,
            "text": text,
        }
    })
    .to_string()
}

fn stored_offset(data: &Path) -> Option<i64> {
    let store = Store::open_read_only(&data_file(data)).expect("the store opens");
    store.read().expect("read").update_offset().expect("the offset")
}

fn calls_of(world: &World, method: &str) -> Vec<serde_json::Value> {
    world.calls().iter().filter(|c| c.method == method && c.status == 200).map(|c| c.params.clone()).collect()
}

async fn webhook_set(fake: &FakeHandle, url: &str) {
    wait(fake, "the webhook set", |world| world.webhook_url() == Some(url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_updates_make_tickets_a_wrong_secret_changes_nothing_and_polling_resumes() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let ann = desk.customers[0].clone();
    let webhook = webhook_options();
    desk.options.webhook = Some(webhook.clone());
    desk.start_host();
    webhook_set(&desk.fake, &webhook.url).await;

    // Set as polling reads: the same updates, one connection, a secret, nothing dropped.
    let set = desk.fake.inspect(|world| calls_of(world, "setWebhook"));
    assert_eq!(set.len(), 1, "{set:#?}");
    assert_eq!(set[0]["max_connections"], 1);
    assert_eq!(set[0]["drop_pending_updates"], false);
    assert_eq!(
        set[0]["allowed_updates"],
        json!([
            "message",
            "edited_message",
            "callback_query",
            "inline_query",
            "my_chat_member",
            "business_connection",
            "business_message",
            "edited_business_message",
            "deleted_business_messages"
        ])
    );
    let secret = desk.fake.inspect(|world| world.webhook_secret().map(str::to_owned)).expect("a secret");
    assert_eq!(secret.len(), 64);

    // While the webhook is set, Telegram refuses to be polled.
    let get_updates = format!("{}/bot{}/getUpdates", desk.fake.api_url(), desk.fake.token());
    assert_eq!(post_to_webhook(&get_updates, None, "{}").await, Ok(409));

    // The whole path by webhook: the support form, the ticket, replies both ways.
    open_ticket(&desk.fake, &ann).await;
    ann.send_numbered(&desk.fake, 0..3);
    ann.dana_replies(&desk.fake, 0..2);
    desk.wait_counted(3, 2).await;
    desk.fake.inspect(|world| {
        assert!(world.calls().iter().all(|c| c.method != "getUpdates" || c.status == 409), "no polling");
        let deliveries = world.webhook_deliveries();
        assert!(deliveries.len() >= 10, "every update came by webhook: {deliveries:#?}");
        assert!(deliveries.iter().all(topicdesk::fakegram::Delivery::taken), "{deliveries:#?}");
    });

    // Someone else posts to the webhook: without the secret, with another. Nothing applies.
    let offset = stored_offset(&desk.options.data).expect("updates were applied");
    let forged = forged_message(offset + 1_000, &ann, &ann.numbered(50));
    assert_eq!(post_to_webhook(&webhook.url, None, &forged).await, Ok(401));
    assert_eq!(post_to_webhook(&webhook.url, Some("not-the-secret"), &forged).await, Ok(403));
    let wrong_path = webhook.url.replace("/telegram/webhook", "/other");
    assert_eq!(post_to_webhook(&wrong_path, Some(&secret), &forged).await, Ok(404));
    // Telegram delivering again an update already committed (a crash after the commit,
    // before the answer): acknowledged, not applied twice.
    let again = forged_message(offset, &ann, &ann.numbered(60));
    assert_eq!(post_to_webhook(&webhook.url, Some(&secret), &again).await, Ok(200));
    // A real update after them still goes through, and the forged one never did.
    ann.send_numbered(&desk.fake, 3..4);
    desk.wait_counted(4, 2).await;
    assert!(
        stored_offset(&desk.options.data) < Some(offset + 1_000),
        "the forged update id was never stored"
    );
    desk.fake.inspect(|world| {
        assert_eq!(relayed(world, &ann), vec![0, 1, 2, 3], "nothing forged or redelivered relayed");
    });

    // Started without --webhook, with an update waiting at Telegram: the webhook is deleted
    // with what it holds kept, and polling brings the update.
    desk.stop_host().await;
    ann.send_numbered(&desk.fake, 4..5);
    wait(&desk.fake, "a delivery to the stopped host failing", |world| {
        world.webhook_deliveries().last().is_some_and(|d| !d.taken())
    })
    .await;
    desk.options.webhook = None;
    desk.start_host();
    desk.wait_counted(5, 2).await;
    desk.fake.inspect(|world| {
        assert_eq!(world.webhook_url(), None, "the webhook was deleted");
        let deleted = calls_of(world, "deleteWebhook");
        assert_eq!(deleted, vec![json!({ "drop_pending_updates": false })], "deleted, keeping the updates");
        assert!(world.count_calls("getUpdates", 200) > 0, "polling resumed");
        assert_eq!(relayed(world, &ann), vec![0, 1, 2, 3, 4], "each once, in order");
    });
    desk.finish().await;
}

/// Starts the real binary in webhook mode with SIGXFSZ ignored, logging into `log`.
fn run_webhook_binary(desk: &Desk, webhook: &WebhookOptions, log: &Path) -> Child {
    let log = std::fs::File::options().create(true).append(true).open(log).expect("log file");
    desk.run_command(&["sh", "-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
        .args(["--webhook", &webhook.url, "--listen", &webhook.listen.to_string()])
        .env("RUST_LOG", "warn,topicdesk=info")
        .stderr(log)
        .spawn()
        .expect("start topicdesk run --webhook")
}

fn set_file_size_limit(pid: u32, soft: &str) {
    let status = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={soft}:")])
        .status()
        .expect("prlimit (util-linux) is needed to hold an update between receipt and commit");
    assert!(status.success(), "prlimit --pid {pid} --fsize={soft}:");
}

async fn wait_log(log: &Path, what: &str, holds: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if holds(&text) {
            return;
        }
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}; log:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_between_receipt_and_commit_loses_nothing_and_applies_once() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let ann = desk.customers[0].clone();
    let webhook = webhook_options();
    let log = desk.options.data.with_file_name("topicdesk.log");
    let mut host = run_webhook_binary(&desk, &webhook, &log);
    let pid = host.id().expect("the host runs");
    webhook_set(&desk.fake, &webhook.url).await;
    let first_secret = desk.fake.inspect(|world| world.webhook_secret().map(str::to_owned));
    open_ticket(&desk.fake, &ann).await;

    // The store can no longer write: the next update is received and cannot be committed.
    set_file_size_limit(pid, "4096");
    let taken_before =
        desk.fake.inspect(|world| world.webhook_deliveries().iter().filter(|d| d.taken()).count());
    ann.send_numbered(&desk.fake, 0..1);
    wait_log(&log, "the received update failing to commit", |log| log.contains("the store cannot write"))
        .await;
    let unanswered = desk.fake.inspect(|world| {
        let taken = world.webhook_deliveries().iter().filter(|d| d.taken()).count();
        (taken, world.pending_updates())
    });
    assert_eq!(unanswered, (taken_before, 1), "received, not answered: Telegram still holds it");

    host.kill().await.expect("SIGKILL the host");
    wait(&desk.fake, "a failed delivery after the kill", |world| {
        world.webhook_deliveries().last().is_some_and(|d| d.status.is_none())
    })
    .await;
    assert_eq!(desk.fake.inspect(World::pending_updates), 1, "the update waits at Telegram");

    let mut host = run_webhook_binary(&desk, &webhook, &log);
    desk.wait_counted(1, 0).await;
    wait(&desk.fake, "the redelivery answered", |world| world.pending_updates() == 0).await;
    desk.fake.inspect(|world| {
        assert_eq!(relayed(world, &ann), vec![0], "applied exactly once");
        assert_ne!(world.webhook_secret().map(str::to_owned), first_secret, "a new secret at each start");
        let deliveries = world.webhook_deliveries();
        let last = deliveries.last().expect("deliveries");
        let tries = deliveries.iter().filter(|d| d.update_id == last.update_id).count();
        assert!(tries >= 2, "the update was delivered again after the kill: {deliveries:#?}");
    });
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    println!("e2e webhook kill -9: the held update was delivered again and applied once");

    let signal =
        std::process::Command::new("kill").args(["-TERM", &host.id().expect("runs").to_string()]).status();
    assert!(signal.expect("kill").success());
    let status =
        tokio::time::timeout(Duration::from_secs(30), host.wait()).await.expect("stops").expect("wait");
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM; log:\n{text}");
    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let read = store.read().expect("read");
    assert_eq!(read.ticket_count().expect("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_url_telegram_refuses_ends_the_start_with_one_clear_line() {
    let desk = Desk::prepare(Setup { customers: 0, budget_scale: None }).await;
    let listen = free_address().to_string();
    let output = desk
        .run_command(&[])
        .args(["--webhook", "http://desk.example.com/telegram", "--listen", &listen])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(30), output).await.expect("ends in time").expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "error: Telegram refused the webhook `http://desk.example.com/telegram`: Bad Request: bad webhook: \
          An HTTPS URL must be provided for webhook; Telegram delivers only to https URLs on ports 443, 80, \
          88 or 8443 (see docs/operations.md, \"Webhook mode\")"
        ],
        "one clear line"
    );
    assert_eq!(desk.fake.inspect(|world| world.webhook_url().map(str::to_owned)), None);
}

/// A desk asked to stop while it still waits for `getWebhookInfo` at start (Telegram slow to
/// answer) stops at once and cleanly: it does not start polling, nor wait for the stop again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_leaving_webhook_mode_ends_the_start_cleanly() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let slow = topicdesk::fakegram::CallFilter::Method("getWebhookInfo".to_owned());
    desk.fake.answer_next_calls_late(1, Duration::from_secs(20), slow);
    desk.start_host();
    desk.wait("the start-up's command menus", |world| {
        world.calls().iter().any(|call| call.method == "setMyCommands")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    desk.stop_host().await;
    assert!(asked.elapsed() < Duration::from_secs(10), "stopped after {:?}", asked.elapsed());
    let polled = desk.fake.inspect(|world| world.calls().iter().any(|call| call.method == "getUpdates"));
    assert!(!polled, "the desk polled after it was asked to stop");
}

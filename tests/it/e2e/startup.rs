//! Start and stop of `topicdesk run`: a staff chat the desk cannot work in stops the real
//! binary at once with exit code 1 and one line saying what to fix; a host that watches
//! its rules directory still shuts down when asked; a staff chat Telegram moved to a new
//! id is followed, across a restart, whatever the configuration says.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use topicdesk::fakegram::{
    AdminRights, FakeConfig, FakeTelegram, GroupKind, GroupSpec, MemberRole, RateBudgets,
};
use topicdesk::fakegram::{Draft, Thread};
use topicdesk::rules::WatchMode;
use topicdesk::ticket::TicketId;

use super::harness::{Desk, STAFF, Setup, init_logs, open_ticket, shipped_rules};

/// Runs `topicdesk run` against a fake whose only group is `staff`; returns the exit code
/// and what it printed to stderr.
async fn run_against(staff: GroupSpec) -> (Option<i32>, String) {
    init_logs();
    let fake = FakeTelegram::start(FakeConfig {
        groups: vec![staff],
        rate_budgets: RateBudgets::off(),
        ..FakeConfig::default()
    })
    .await
    .expect("start the fake");
    let temp = tempfile::tempdir().expect("temp dir");
    let rules = shipped_rules(temp.path());
    let data = temp.path().join("data");
    let output = Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .arg("run")
        .arg("--rules")
        .arg(&rules)
        .arg("--data")
        .arg(&data)
        .args(["--staff-chat", &STAFF.to_string()])
        .env("TELOXIDE_TOKEN", fake.token())
        .env("TELOXIDE_API_URL", fake.api_url())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("topicdesk run gives up in time")
        .expect("run topicdesk");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[track_caller]
fn check((code, stderr): (Option<i32>, String), expected: &str) {
    assert_eq!(code, Some(1), "exit code; stderr:\n{stderr}");
    assert_eq!(stderr.lines().collect::<Vec<_>>(), [expected], "one clear line on stderr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_chat_the_desk_cannot_work_in_stops_the_host_with_one_clear_line() {
    let forum = GroupSpec::staff_forum(STAFF);
    let not_a_forum = GroupSpec { kind: GroupKind::Supergroup, ..forum.clone() };
    check(
        run_against(not_a_forum).await,
        "error: the staff chat -1001234567890 is not a forum: turn on Topics in the group's settings",
    );
    let bot_is_a_member = GroupSpec { bot_role: MemberRole::Member, ..forum.clone() };
    check(
        run_against(bot_is_a_member).await,
        "error: the bot is not an administrator of the staff chat -1001234567890: \
         promote it with the right to manage topics",
    );
    let no_topic_rights =
        AdminRights { can_manage_topics: false, can_delete_messages: true, can_pin_messages: true };
    let admin_without_topics = GroupSpec { bot_role: MemberRole::Administrator(no_topic_rights), ..forum };
    check(
        run_against(admin_without_topics).await,
        "error: the bot may not manage topics in the staff chat -1001234567890: \
         give it the \"Manage topics\" right",
    );
}

/// Regression: the rules watcher kept a sender to the desk loop alive, so a host watching
/// its rules (as `topicdesk run` does) never finished shutting down after SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_watching_its_rules_shuts_down_when_asked() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    desk.options.watch_rules = Some(WatchMode::Native);
    desk.start_host();
    open_ticket(&desk.fake, &desk.customers[0]).await;
    desk.stop_host().await;
}

/// Telegram says the staff chat moved (`migrate_to_chat_id`): the store records the new id
/// and the ticket's topic follows it. After a restart with the old id still configured, the
/// desk runs in the new chat: the customer's next message finds no topic there, so the
/// topic is opened again in the new chat with its card and the message lands in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_chat_telegram_moved_is_followed_after_a_restart() {
    const MOVED: i64 = -1_009_876_543_210;
    let mut desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let ann = desk.customers[0].clone();
    open_ticket(&desk.fake, &ann).await;
    desk.fake.migrate_group(STAFF, MOVED).expect("the staff forum moves");
    desk.wait_store("the move recorded and the topic following it", |read| {
        let moved = read.counter(&format!("staff_chat_moved:{STAFF}")).expect("counter");
        let topic = read.ticket(TicketId(1)).expect("ticket").and_then(|t| t.topic);
        moved == Some(MOVED.cast_unsigned()) && topic.is_some_and(|t| t.chat_id == MOVED)
    })
    .await;
    desk.restart_host().await;
    desk.fake.user_sends(ann.id, Draft::text("Cust00: still there?")).expect("Ann can write");
    desk.wait("the message in a topic of the new chat", |world| {
        world.topics(MOVED).iter().any(|topic| {
            let posts = world.thread_messages(MOVED, Thread::Topic(topic.thread_id));
            posts.iter().any(|m| m.text.as_deref() == Some("Cust00: still there?"))
                && posts.iter().any(|m| m.text.as_deref().is_some_and(|t| t.contains("T-000001")))
        })
    })
    .await;
    desk.finish().await;
}

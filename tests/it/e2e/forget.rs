//! Erasure on request end to end, on the real host against the fake: a team member who is
//! not a supervisor is refused `/forget`; a supervisor's `/forget`, confirmed with its
//! button, erases every ticket of the customer and deletes their topic in the fake;
//! `topicdesk forget` (the real binary) does the same for another customer through the
//! running desk's control socket, and says so clearly, doing nothing, when the desk holding
//! the file does not answer. Both leave an audit record without the customer's name. A
//! marker the customer wrote is in the data file's bytes before, and gone after
//! `topicdesk compact` (again through the running desk).

use std::sync::Arc;

use topicdesk::audit::{Action, Actor};
use topicdesk::fakegram::{Draft, MemberRole, Thread, UserSpec};
use topicdesk::store::data_file;

use super::harness::{DANA, Desk, STAFF, Setup, bot_posts, button, has_text, topic_of};

/// Eli, an agent (not a supervisor) in the shipped team.yaml.
const ELI: u64 = 222_222_222;
/// What the first customer writes: found in the data file's bytes only while they are known.
const MARKER: &str = "QZXV-forget-me-7731-marker";

fn file_holds(data: &std::path::Path, needle: &str) -> bool {
    let bytes = std::fs::read(data_file(data)).expect("read the data file");
    bytes.windows(needle.len()).any(|window| window == needle.as_bytes())
}

async fn topicdesk(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(args)
        .env("USER", "dpo")
        .output()
        .await
        .expect("run topicdesk")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_by_button_and_by_command_erases_the_customer_while_the_bot_runs() {
    let desk = Desk::start(Setup { customers: 2, budget_scale: None }).await;
    let fake = Arc::clone(&desk.fake);
    let data = desk.options.data.clone();
    let data_arg = data.to_str().expect("a UTF-8 path").to_owned();
    let threads = desk.open_all_tickets().await;
    let (first, second) = (desk.customers[0].clone(), desk.customers[1].clone());
    fake.user_sends(first.id, Draft::text(format!("my code is {MARKER}"))).expect("the customer writes");
    desk.wait("the marker relayed", |world| bot_posts(world, threads[0]).iter().any(|m| has_text(m, MARKER)))
        .await;
    assert!(file_holds(&data, MARKER), "the marker is in the data file before the forget");

    // The staff chat's menu offers it.
    let menu: Vec<String> = fake.inspect(|world| {
        let menu = world.commands(&format!("chat:{STAFF}"));
        menu.iter().filter_map(|c| c["command"].as_str().map(str::to_owned)).collect()
    });
    assert!(menu.iter().any(|command| command == "forget"), "{menu:?}");

    // Eli is on the team but no supervisor: refused, nothing erased.
    fake.add_user(UserSpec::new(ELI, "Eli").language_code("en")).expect("add Eli");
    fake.set_member(STAFF, ELI, MemberRole::Member).expect("Eli joins the staff group");
    fake.send_as(ELI, STAFF, Draft::text("/forget").in_topic(threads[0])).expect("Eli writes");
    desk.wait("Eli refused", |world| {
        bot_posts(world, threads[0]).iter().any(|m| has_text(m, "Only supervisors can erase"))
    })
    .await;

    // Dana is asked to confirm, and confirms.
    fake.send_as(DANA, STAFF, Draft::text("/forget").in_topic(threads[0])).expect("Dana writes");
    let what = "the confirmation button";
    let (message, data_of_button) = fake
        .wait_for(super::harness::PATIENCE, |world| {
            bot_posts(world, threads[0]).into_iter().find_map(|m| button(m, "Erase this customer's data"))
        })
        .await
        .unwrap_or_else(|_| panic!("waited for {what}"));
    assert!(data_of_button.starts_with("fg:"), "{data_of_button}");
    fake.press_button(DANA, STAFF, message, &data_of_button).expect("Dana confirms");
    desk.wait("the first customer's topic deleted and General told", |world| {
        topic_of(world, &first).is_none()
            && world.topic(STAFF, threads[0]).is_some_and(|t| t.deleted)
            && world
                .thread_messages(STAFF, Thread::General)
                .iter()
                .any(|m| has_text(m, "A customer's data was erased on request by Dana: 1 ticket"))
    })
    .await;
    desk.wait_store("the first customer's tickets erased", |read| {
        read.tickets_of_customer(first.id).expect("read").is_empty()
    })
    .await;

    // The command line, through the running desk.
    let id = second.id.to_string();
    let out = topicdesk(&["forget", "--data", &data_arg, "--customer", &id]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "forget: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("tickets: 1") && stdout.contains("being deleted in Telegram"), "{stdout}");
    desk.wait("the second customer's topic deleted", |world| {
        topic_of(world, &second).is_none() && world.topic(STAFF, threads[1]).is_some_and(|t| t.deleted)
    })
    .await;
    desk.wait_store("both erasures in the audit log, by whom, without names", |read| {
        let log = read.audit_log().expect("audit");
        let forgot: Vec<_> = log.iter().filter(|(_, e)| matches!(e.action, Action::Forgot { .. })).collect();
        read.tickets_of_customer(second.id).expect("read").is_empty()
            && read.ticket_count().expect("count") == 0
            && forgot.len() == 2
            && forgot[0].1.actor == Actor::Telegram { user: DANA }
            && forgot[0].1.action == Action::Forgot { tickets: 1, topics: 1 }
            && forgot[1].1.actor == Actor::Os { user: "dpo".into() }
    })
    .await;

    // Compaction through the running desk: the marker's bytes are gone.
    let out = topicdesk(&["compact", "--data", &data_arg]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "compact: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("by the running desk"), "{stdout}");
    assert!(!file_holds(&data, MARKER), "the marker is gone from the data file after compaction");

    // A desk that holds the file but does not answer (its socket gone): said, nothing done.
    std::fs::remove_file(data.join("topicdesk.sock")).expect("remove the socket");
    let out = topicdesk(&["forget", "--data", &data_arg, "--customer", "12345"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a forget nobody carried out must fail");
    assert!(stderr.contains("holds") && stderr.contains("did not answer"), "{stderr}");
    desk.finish().await;
}

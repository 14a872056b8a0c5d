//! Retention end to end, on the real host against the fake, with spans of seconds: a
//! closed ticket's topic is deleted in the fake at `delete_closed_topics_after` while an
//! open ticket's stays, its content is erased at `content_after` (a marker its customer
//! wrote is gone from the data file's bytes after `topicdesk compact`), the passes are in
//! the audit log, and the customer writing again gets a new ticket in a new topic. A
//! question an article answered loses its text and asker at `content_after` after it was
//! asked, and its words leave the file's bytes after `topicdesk compact`.

use std::sync::Arc;

use topicdesk::audit::Action;
use topicdesk::fakegram::Draft;
use topicdesk::store::data_file;

use super::harness::{DANA, Desk, STAFF, Setup, bot_posts, describe_problem, has_text, open_ticket, press};

const MARKER: &str = "RTNX-retain-me-4417-marker";

fn file_holds(data: &std::path::Path, needle: &str) -> bool {
    let bytes = std::fs::read(data_file(data)).expect("read the data file");
    bytes.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_ticket_s_topic_goes_then_its_content_while_the_bot_runs() {
    let mut desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    let rules = desk.options.rules.clone();
    let yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("read desk.yaml");
    let policy = "retention:\n  delete_closed_topics_after: 3s\n  content_after: 6s\n";
    std::fs::write(rules.join("desk.yaml"), format!("{yaml}\n{policy}")).expect("write desk.yaml");
    desk.start_host();
    let fake = Arc::clone(&desk.fake);
    let data = desk.options.data.clone();
    let threads = desk.open_all_tickets().await;
    let (first, second) = (desk.customers[0].clone(), desk.customers[1].clone());
    fake.user_sends(first.id, Draft::text(format!("my code is {MARKER}"))).expect("the customer writes");
    desk.wait("the marker relayed", |world| bot_posts(world, threads[0]).iter().any(|m| has_text(m, MARKER)))
        .await;
    assert!(file_holds(&data, MARKER), "the marker is in the data file before");
    fake.send_as(DANA, STAFF, Draft::text("/close").in_topic(threads[0])).expect("Dana closes");
    desk.wait_store("the first ticket closed", |read| {
        let ids = read.tickets_of_customer(first.id).expect("read");
        ids.len() == 1
            && read
                .ticket(ids[0])
                .expect("read")
                .is_some_and(|t| t.status == topicdesk::ticket::Status::Closed)
    })
    .await;

    desk.wait("the closed ticket's topic deleted in Telegram", |world| {
        world.topic(STAFF, threads[0]).is_some_and(|t| t.deleted)
    })
    .await;
    assert!(
        fake.inspect(|world| world.topic(STAFF, threads[1]).is_some_and(|t| !t.deleted)),
        "the open ticket's topic stays"
    );
    desk.wait_store("the closed ticket's content erased", |read| {
        let id = read.tickets_of_customer(first.id).expect("read")[0];
        let ticket = read.ticket(id).expect("read").expect("the ticket stays");
        let history = read.history(id).expect("read");
        ticket.customer.name == topicdesk::privacy::PLACEHOLDER
            && history.iter().all(|entry| !entry.kind.to_string().contains(MARKER))
    })
    .await;
    desk.wait_store("both passes in the audit log", |read| {
        let log = read.audit_log().expect("audit");
        let pass = |name: &str| {
            log.iter().any(
                |(_, e)| matches!(&e.action, Action::Retention { setting, count: 1, .. } if setting == name),
            )
        };
        pass("delete_closed_topics_after") && pass("content_after")
    })
    .await;
    assert!(
        fake.inspect(|world| world.topic(STAFF, threads[1]).is_some_and(|t| !t.deleted)),
        "the open ticket's topic still stays"
    );

    // The erased words leave the file's bytes with a compaction (through the running desk).
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["compact", "--data", data.to_str().expect("a UTF-8 path")])
        .env("USER", "dpo")
        .output()
        .await
        .expect("run topicdesk compact");
    assert!(out.status.success(), "compact: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!file_holds(&data, MARKER), "the marker is gone from the data file");

    // The customer writes again: a new ticket in a new topic.
    let again = open_ticket(&fake, &first).await;
    assert_ne!(again, threads[0], "a new topic");
    desk.wait_store("a second ticket for the customer", |read| {
        read.tickets_of_customer(first.id).expect("read").len() == 2
            && read.tickets_of_customer(second.id).expect("read").len() == 1
    })
    .await;
    desk.finish().await;
}

const QUESTION_MARKER: &str = "RTNX-question-5521-marker";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_an_article_answered_is_erased_at_content_after_while_the_bot_runs() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let rules = desk.options.rules.clone();
    let yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("read desk.yaml");
    let policy = "retention:\n  content_after: 4s\n";
    std::fs::write(rules.join("desk.yaml"), format!("{yaml}\n{policy}")).expect("write desk.yaml");
    desk.start_host();
    let fake = Arc::clone(&desk.fake);
    let data = desk.options.data.clone();
    let ann = desk.customers[0].clone();
    let question = format!("I forgot my password {QUESTION_MARKER} and the reset link expired");
    describe_problem(&fake, &ann, &question).await;
    press(&fake, &ann, "📖 Reset your password").await;
    press(&fake, &ann, "✅ That solved it").await;
    desk.wait_store("the question kept, naming Ann", |read| {
        read.deflections()
            .expect("deflections")
            .iter()
            .any(|q| q.question.contains(QUESTION_MARKER) && q.customer == Some(ann.id))
    })
    .await;
    assert!(file_holds(&data, QUESTION_MARKER), "the question is in the data file before");

    desk.wait_store("the question's text and asker erased, the rest kept", |read| {
        let kept = read.deflections().expect("deflections");
        kept.len() == 1
            && kept[0].question == topicdesk::privacy::PLACEHOLDER
            && kept[0].customer.is_none()
            && kept[0].article == "reset-password"
    })
    .await;
    desk.wait_store("the pass in the audit log", |read| {
        read.audit_log().expect("audit").iter().any(|(_, e)| {
            matches!(
                &e.action,
                Action::Retention { setting, count: 1, of: Some(topicdesk::audit::Retained::Questions), .. }
                    if setting == "content_after"
            )
        })
    })
    .await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["compact", "--data", data.to_str().expect("a UTF-8 path")])
        .env("USER", "dpo")
        .output()
        .await
        .expect("run topicdesk compact");
    assert!(out.status.success(), "compact: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!file_holds(&data, QUESTION_MARKER), "the question is gone from the data file");
    desk.finish().await;
}

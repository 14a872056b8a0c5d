//! Response templates end to end, with the shipped templates: `/t` offers the ticket's best
//! fits as buttons, a press sends one, `/t <id>` sends one at once, `/t <words>` offers the
//! matches; the customer receives plain text, history names the template, its version and
//! the rule set, and the SLA clock takes it as the first response. `/template save`, a
//! second version, `/template history`, and sending the saved version.

use topicdesk::deadline::DeadlineKind;
use topicdesk::fakegram::{Draft, FakeHandle, FakeMessage, Thread};
use topicdesk::history::EntryKind;
use topicdesk::sla::Timer;
use topicdesk::ticket::{Status, TicketId};

use super::harness::{
    DANA, Desk, PATIENCE, STAFF, Setup, bot_posts, button, buttons, from_bot, has_text, open_ticket,
    received, wait,
};

const FIRST: TicketId = TicketId(1);

/// Dana writes `text` in the topic; returns its message id.
fn dana_says(fake: &FakeHandle, thread: i32, text: &str) -> i32 {
    fake.send_as(DANA, STAFF, Draft::text(text).in_topic(thread)).expect("Dana writes in the topic")
}

/// The bot's newest post in the topic that says `heading`, once there is one.
async fn post_saying(fake: &FakeHandle, thread: i32, heading: &str) -> FakeMessage {
    let found = fake
        .wait_for(PATIENCE, |world| {
            bot_posts(world, thread).into_iter().rev().find(|m| has_text(m, heading)).cloned()
        })
        .await;
    found.unwrap_or_else(|_| panic!("waited for {heading:?} in topic {thread}"))
}

/// The labels of a message's buttons, in order.
fn labels(message: &FakeMessage) -> Vec<String> {
    buttons(message).iter().filter_map(|b| Some(b.get("text")?.as_str()?.to_owned())).collect()
}

/// Presses `label` on `message` as Dana; returns the bot's notice.
async fn press(fake: &FakeHandle, message: &FakeMessage, label: &str) -> String {
    let (message_id, data) = button(message, label).unwrap_or_else(|| panic!("no button {label:?}"));
    let query = fake.press_button(DANA, STAFF, message_id, &data).expect("Dana can press");
    let answer = fake
        .wait_for(PATIENCE, |world| {
            world.callback_answers().iter().find(|a| a.query_id == query).map(|a| a.text.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("waited for the answer to {label:?}"));
    answer.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t_offers_the_tickets_templates_sends_one_and_finds_others_by_id_and_words() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let fake = desk.fake.clone();
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&fake, &ann).await;
    let first_response = Timer::Ticket(FIRST, DeadlineKind::FirstResponse);
    desk.wait_store("the first-response clock running", |read| {
        read.deadline_of(first_response).expect("deadline").is_some()
    })
    .await;

    // The ticket is a technical problem: the technical templates come first.
    dana_says(&fake, thread, "/t");
    let offer = post_saying(&fake, thread, "Templates for T-000001, best first:").await;
    let offered = labels(&offer);
    assert_eq!(offered.len(), 5, "{offered:?}");
    assert_eq!(
        offered[..3],
        ["1. Asking for crash details", "2. Known outage", "3. Update the app"],
        "{offered:?}"
    );
    assert!(has_text(&offer, "Thanks, Cust00. To find the cause"), "previews are rendered: {:?}", offer.text);

    let notice = press(&fake, &offer, "1. Asking for crash details").await;
    assert_eq!(notice, "Sent \"Asking for crash details\" to the customer.");
    let sent = received(&fake, &ann, "Thanks, Cust00. To find the cause").await;
    assert!(sent.entities.is_empty(), "plain text, no markup: {:?}", sent.entities);
    post_saying(&fake, thread, "Dana (template crash-details):\nThanks, Cust00.").await;

    // The reply is the first response: its clock stops, the ticket is open, and history
    // names the template, its version and the rule set.
    desk.wait_store("the template reply in history", |read| {
        let history = read.history(FIRST).expect("history");
        let used = history.iter().position(|e| matches!(&e.kind, EntryKind::TemplateUsed { template, .. } if template == "crash-details"));
        let Some(used) = used else { return false };
        let named = &history[used];
        let EntryKind::TemplateUsed { version, .. } = &named.kind else { unreachable!() };
        assert_eq!(version.len(), 12, "a file template's version is its content hash");
        assert!(named.rules.is_some(), "the rule set is named");
        assert!(matches!(&history[used - 1].kind, EntryKind::AgentReply { text } if text.starts_with("Thanks, Cust00.")));
        let ticket = read.ticket(FIRST).expect("ticket").expect("exists");
        assert_eq!(ticket.status, Status::Open);
        ticket.first_response_at.is_some() && read.deadline_of(first_response).expect("deadline").is_none()
    })
    .await;

    // By id: sent at once, no offer.
    dana_says(&fake, thread, "/t update-app");
    received(&fake, &ann, "This is fixed in the latest version of the app.").await;

    // By words: no such id, so the closest are offered; a press sends it.
    dana_says(&fake, thread, "/t password");
    let offer = post_saying(&fake, thread, "No template has the id \"password\". The closest:").await;
    assert_eq!(labels(&offer), ["1. Resetting the password"]);
    press(&fake, &offer, "1. Resetting the password").await;
    received(&fake, &ann, "Hi Cust00, press \"Forgot password\"").await;

    dana_says(&fake, thread, "/t zzzz");
    post_saying(&fake, thread, "No template matches \"zzzz\". /t alone lists the ones for this ticket.")
        .await;
    desk.wait_store("three template uses counted", |read| read.template_uses().expect("uses").len() == 3)
        .await;

    // Resolved, then the customer writes again: the ticket reopens after all three uses.
    dana_says(&fake, thread, "/resolve");
    received(&fake, &ann, "Your ticket T-000001 is resolved.").await;
    fake.user_sends(ann.id, Draft::text("Still broken")).expect("Ann writes");
    desk.wait_store("the ticket reopened", |read| {
        read.ticket(FIRST)
            .expect("ticket")
            .is_some_and(|ticket| ticket.status == Status::Open && ticket.reopened == 1)
    })
    .await;
    fake.send_as(DANA, STAFF, Draft::text("/templates stats")).expect("Dana asks in General");
    let stats = fake
        .wait_for(PATIENCE, |world| {
            world
                .thread_messages(STAFF, Thread::General)
                .into_iter()
                .rev()
                .find(|m| m.from == world.bot_id() && has_text(m, "Templates: 3 uses"))
                .and_then(|m| m.text.clone())
        })
        .await
        .expect("the template figures in General");
    let lines: Vec<&str> = stats.lines().collect();
    assert_eq!(lines[0], "Templates: 3 uses of 3 templates by 1 agents.", "{stats}");
    assert_eq!(lines[1], "Most used: crash-details 1, password-reset 1, update-app 1", "{stats}");
    assert!(lines[2].starts_with("Never used: account-delete, double-charge, email-change"), "{stats}");
    assert_eq!(
        lines[3],
        "Followed by a reopen: crash-details 1 of 1, password-reset 1 of 1, update-app 1 of 1"
    );
    assert_eq!(lines[4], "By agent: Dana 3");
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_save_keeps_every_version_and_t_sends_the_newest() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let fake = desk.fake.clone();
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&fake, &ann).await;

    let first = dana_says(&fake, thread, "We are closed on Monday, {{customer.first_name}}.");
    let save = Draft::text("/template save office-hours").in_topic(thread).replying_to(first);
    fake.send_as(DANA, STAFF, save).expect("Dana saves");
    post_saying(&fake, thread, "✓ Template office-hours saved: version v1 (en). /t office-hours sends it.")
        .await;

    let second =
        dana_says(&fake, thread, "Hi {{customer.first_name | \"there\"}}, we open again on Tuesday at 9.");
    let save = Draft::text("/template save office-hours").in_topic(thread).replying_to(second);
    fake.send_as(DANA, STAFF, save).expect("Dana saves again");
    post_saying(&fake, thread, "✓ Template office-hours updated: version v2 (en).").await;

    let bad = dana_says(&fake, thread, "Hi {{customer.nickname}}");
    let save = Draft::text("/template save office-hours").in_topic(thread).replying_to(bad);
    fake.send_as(DANA, STAFF, save).expect("Dana tries a bad one");
    post_saying(&fake, thread, "Not saved: {{customer.nickname}}: unknown placeholder `customer.nickname`")
        .await;

    dana_says(&fake, thread, "/template history office-hours");
    let history = post_saying(&fake, thread, "Template office-hours: 2 saved version(s), in force: v2").await;
    let text = history.text.clone().unwrap_or_default();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("v2 ") && lines[0].contains(" by Dana (en): Hi {{customer.first_name"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("v1 ")
            && lines[1].ends_with("by Dana (en): We are closed on Monday, {{customer.first_name}}."),
        "{text}"
    );

    dana_says(&fake, thread, "/t office-hours");
    let sent = received(&fake, &ann, "Hi Cust00, we open again on Tuesday at 9.").await;
    assert!(sent.entities.is_empty());
    desk.wait_store("both versions stored, and the use", |read| {
        let saved = read.saved_templates().expect("saved");
        let uses = read.template_uses().expect("uses");
        saved.len() == 2
            && saved.iter().all(|v| v.author == DANA && v.id == "office-hours")
            && uses.iter().any(|u| u.template == "office-hours" && u.version == "v2")
    })
    .await;
    wait(&fake, "nothing raw reached the customer", |world| {
        !from_bot(world, ann.chat()).iter().any(|m| has_text(m, "/template"))
    })
    .await;

    // Exported while the bot runs, the newest version loads as a rules file.
    let rules = desk.options.rules.clone();
    let output = rules.join("templates");
    let exported = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["templates", "export", "--data"])
        .arg(&desk.options.data)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("run templates export");
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let path = output.join("office-hours.yaml");
    assert_eq!(String::from_utf8_lossy(&exported.stdout).trim(), path.display().to_string());
    let text = std::fs::read_to_string(&path).expect("exported file");
    assert!(text.contains("# saved as v2 by Dana at "), "{text}");
    assert!(text.contains("we open again on Tuesday at 9."), "{text}");
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["check", "--rules"])
        .arg(&rules)
        .output()
        .expect("run check");
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    desk.finish().await;
}

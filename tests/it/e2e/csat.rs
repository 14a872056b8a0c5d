//! The satisfaction survey end to end: the real `topicdesk run` against the fake Bot API,
//! with the shipped rules' survey shortened to seconds (asked 2 s after the resolution,
//! valid for 15 s). Ann's ticket is asked after the delay; she taps 4, changes her mind to
//! 1, and answers the follow-up with a comment: each shows in the topic and on the card,
//! the comment neither reopens nor is relayed, and the shipped `on_csat` escalates the 1 to
//! the supervisors. Ben never answers: his tap after the survey closed is refused and
//! changes nothing, and resolved again his ticket is not asked twice. `topicdesk report`
//! and `tickets export` read the figures while the bot runs, and `/stats` in General shows
//! them to the team.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Child;
use topicdesk::deadline::DeadlineKind;
use topicdesk::fakegram::{Draft, FakeHandle, Thread, World};
use topicdesk::sla::Timer;
use topicdesk::store::{Store, data_file};
use topicdesk::ticket::{Status, TicketId};

use super::agents::{line_in_topic, newest_card, says};
use super::harness::{
    Customer, DANA, Desk, PATIENCE, STAFF, Setup, bot_posts, button, from_bot, has_text, open_ticket, wait,
};
use crate::support::{path_arg, stderr, stdout, topicdesk};

const DELAY: Duration = Duration::from_secs(2);
const VALID_FOR: Duration = Duration::from_secs(15);
const QUESTION: &str = "How satisfied are you";

/// The shipped desk.yaml with the survey asked after seconds and valid for seconds.
fn shorten_survey(rules: &Path) {
    let desk = std::fs::read_to_string(rules.join("desk.yaml")).expect("read desk.yaml");
    let desk = desk.replace("  delay: 1h ", "  delay: 2s ").replace("  valid_for: 3d ", "  valid_for: 15s ");
    assert!(desk.contains("  delay: 2s ") && desk.contains("  valid_for: 15s "), "{desk}");
    std::fs::write(rules.join("desk.yaml"), desk).expect("write desk.yaml");
}

fn topicdesk_run(desk: &Desk, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    desk.run_command(&[]).env("RUST_LOG", "warn").stderr(log).spawn().expect("start topicdesk run")
}

/// The survey message in the customer's chat, if the bot sent one.
fn survey(world: &World, customer: &Customer) -> Option<i32> {
    from_bot(world, customer.chat()).into_iter().find(|m| has_text(m, QUESTION)).map(|m| m.message_id)
}

async fn card_says(fake: &FakeHandle, thread: i32, needle: &str) {
    wait(fake, &format!("{needle:?} on the card in topic {thread}"), |world| {
        newest_card(world, thread).is_some_and(|card| has_text(card, needle))
    })
    .await;
}

/// Presses the survey's button `label` in the customer's chat; returns the bot's notice.
async fn tap(fake: &FakeHandle, customer: &Customer, label: &str) -> String {
    let (message_id, data) = fake
        .inspect(|world| {
            let id = survey(world, customer)?;
            from_bot(world, customer.chat())
                .into_iter()
                .find(|m| m.message_id == id)
                .and_then(|m| button(m, label))
        })
        .unwrap_or_else(|| panic!("no button {label:?} on {}'s survey", customer.name));
    let query = fake.press_button(customer.id, customer.chat(), message_id, &data).expect("a press");
    let answer = fake
        .wait_for(PATIENCE, |world| {
            world.callback_answers().iter().find(|a| a.query_id == query).map(|a| a.text.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("waited {PATIENCE:?} for the answer to {label:?}"));
    answer.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_is_asked_after_the_delay_rated_changed_commented_escalated_and_expires() {
    let desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    shorten_survey(&desk.options.rules);
    let log = desk.options.data.with_file_name("topicdesk.log");
    let mut host = topicdesk_run(&desk, &log);
    let fake = &*desk.fake;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    let ann_topic = open_ticket(fake, &ann).await;
    let ben_topic = open_ticket(fake, &ben).await;

    ann_rates_changes_her_mind_and_comments(fake, &ann, ann_topic).await;
    ben_never_answers_and_is_asked_once(&desk, &ben, ben_topic).await;
    the_report_reads_the_figures_while_the_bot_runs(&desk);
    stats_in_general_shows_the_satisfaction(fake).await;

    let pid = host.id().expect("the host runs").to_string();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success());
    let status = tokio::time::timeout(PATIENCE, host.wait()).await.expect("stops").expect("wait");
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "log:\n{log_text}");
}

/// Ann's ticket is resolved; the survey comes after the delay, she taps 4, changes her mind
/// to 1 and comments.
async fn ann_rates_changes_her_mind_and_comments(fake: &FakeHandle, ann: &Customer, ann_topic: i32) {
    says(fake, DANA, ann_topic, "Fixed: the export works again");
    let resolved = Instant::now();
    says(fake, DANA, ann_topic, "/resolve");
    wait(fake, "Ann's survey", |world| survey(world, ann).is_some()).await;
    assert!(resolved.elapsed() >= DELAY, "asked {:?} after the resolution", resolved.elapsed());
    fake.inspect(|world| {
        let id = survey(world, ann).expect("asked");
        let message = from_bot(world, ann.chat()).into_iter().find(|m| m.message_id == id).expect("sent");
        for label in ["1", "2", "3", "4", "5"] {
            assert!(button(message, label).is_some(), "a button {label}: {:?}", message.reply_markup);
        }
    });
    card_says(fake, ann_topic, "★ Satisfaction: asked, no answer").await;

    // One tap, then a change of mind to a 1: the follow-up question, the escalation.
    assert_eq!(tap(fake, ann, "4").await, "Thank you! You rated 4/5.");
    line_in_topic(fake, ann_topic, "★ The customer rated T-000001: 4/5.").await;
    card_says(fake, ann_topic, "★ Satisfaction: 4/5").await;
    assert_eq!(tap(fake, ann, "1").await, "Changed: you rated 1/5.");
    line_in_topic(fake, ann_topic, "★ The customer changed their rating of T-000001: 4/5 → 1/5.").await;
    wait(fake, "the follow-up question to Ann", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, "What could we have done better?"))
    })
    .await;
    wait(fake, "on_csat's escalation in Ann's topic", |world| {
        bot_posts(world, ann_topic).iter().any(|m| {
            has_text(m, "⇧ Escalated to the supervisors") && has_text(m, "T-000001 was rated 1 of 5")
        })
    })
    .await;
    card_says(fake, ann_topic, "⇧ Escalated to: Dana").await;
    // The survey's buttons mark her choice.
    wait(fake, "the tick on Ann's 1", |world| {
        from_bot(world, ann.chat())
            .iter()
            .any(|m| m.reply_markup.as_ref().is_some_and(|markup| markup.to_string().contains("\"✓ 1\"")))
    })
    .await;

    // Her next message is the comment: in the topic and on the card, not relayed.
    let comment = "Three days for a CSV export is too long";
    fake.user_sends(ann.id, Draft::text(comment)).expect("Ann writes");
    line_in_topic(fake, ann_topic, &format!("💬 The customer's comment on their rating (1/5): {comment}"))
        .await;
    card_says(fake, ann_topic, &format!("★ Satisfaction: 1/5 · “{comment}”")).await;
    wait(fake, "thanks for the comment", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, "Thank you for your comment."))
    })
    .await;
    fake.inspect(|world| {
        let lines: Vec<&str> = bot_posts(world, ann_topic).iter().filter_map(|m| m.text.as_deref()).collect();
        assert_eq!(
            lines.iter().filter(|text| text.contains(comment)).count(),
            2,
            "the line and the card: {lines:#?}"
        );
        assert!(!lines.iter().any(|text| text.contains("open again")), "the comment reopened nothing");
    });
}

/// Ben never answers; once the survey has closed his tap is refused, and resolved again his
/// ticket is not asked twice.
async fn ben_never_answers_and_is_asked_once(desk: &Desk, ben: &Customer, ben_topic: i32) {
    let fake = &*desk.fake;
    says(fake, DANA, ben_topic, "/resolve");
    wait(fake, "Ben's survey", |world| survey(world, ben).is_some()).await;
    let asked = Instant::now();
    // The survey closes VALID_FOR after it was asked, which is before it reached Ben.
    tokio::time::sleep_until((asked + VALID_FOR).into()).await;
    assert_eq!(tap(fake, ben, "5").await, "This survey has closed. Thank you all the same.");
    wait(fake, "the buttons taken off Ben's closed survey", |world| {
        from_bot(world, ben.chat()).iter().any(|m| has_text(m, QUESTION) && m.reply_markup.is_none())
    })
    .await;
    // Written to again and resolved again: never asked twice.
    fake.user_sends(ben.id, Draft::text("One more question")).expect("Ben writes");
    line_in_topic(fake, ben_topic, "↺ The customer wrote again, so T-000002 is open again.").await;
    says(fake, DANA, ben_topic, "/resolve");
    wait(fake, "Ben told his ticket is resolved again", |world| {
        from_bot(world, ben.chat()).iter().filter(|m| has_text(m, "resolved")).count() >= 2
    })
    .await;
    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let read = store.read().expect("read");
        let ben_ticket = read.ticket(TicketId(2)).expect("read").expect("Ben's ticket");
        if ben_ticket.status == Status::Resolved && ben_ticket.reopened == 1 {
            let survey = ben_ticket.csat.expect("Ben was asked");
            assert_eq!((survey.rating, survey.answers), (None, 0), "the late tap changed nothing");
            let timer = Timer::Ticket(TicketId(2), DeadlineKind::Csat);
            assert_eq!(read.deadline_of(timer).expect("read"), None, "no second survey is due");
            let ann_ticket = read.ticket(TicketId(1)).expect("read").expect("Ann's ticket");
            assert_eq!((ann_ticket.status, ann_ticket.reopened), (Status::Resolved, 0));
            break;
        }
        assert!(Instant::now() < deadline, "Ben's ticket resolved again: {ben_ticket:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fake.inspect(|world| {
        let surveys = from_bot(world, ben.chat()).iter().filter(|m| has_text(m, QUESTION)).count();
        assert_eq!(surveys, 1, "asked once");
    });
}

/// The figures, while the bot runs: two asked, one answered (a 1, with a comment).
fn the_report_reads_the_figures_while_the_bot_runs(desk: &Desk) {
    let data = path_arg(&desk.options.data);
    let output = topicdesk(&["report", "--data", data, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let csat = &report["total"]["csat"];
    assert_eq!(
        (&csat["asked"], &csat["answered"], &csat["satisfied"], &csat["commented"]),
        (&2.into(), &1.into(), &0.into(), &1.into()),
        "{csat}"
    );
    assert_eq!(csat["response_rate"], 0.5, "{csat}");
    assert_eq!(csat["score"], 0.0, "{csat}");
    let table = stdout(&topicdesk(&["report", "--data", data, "--by", "agent"]));
    assert!(
        table.contains(
            "satisfaction: asked 2, answered 1 (50%), CSAT 0% (4-5 or good), mean 1.0/5, comments 1"
        ),
        "{table}"
    );
    let export = topicdesk(&["tickets", "export", "--data", data]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let tickets: Vec<serde_json::Value> =
        stdout(&export).lines().map(|line| serde_json::from_str(line).expect("JSON lines")).collect();
    let surveys: Vec<(&serde_json::Value, &serde_json::Value)> =
        tickets.iter().map(|t| (&t["csat"], &t["csat_commented"])).collect();
    assert_eq!(surveys, [(&"1/5".into(), &true.into()), (&"asked".into(), &false.into())]);
}

/// `/stats today` in General: the team's satisfaction line, and Dana's row with her CSAT.
async fn stats_in_general_shows_the_satisfaction(fake: &FakeHandle) {
    fake.send_as(DANA, STAFF, Draft::text("/stats today")).expect("Dana writes in General");
    let stats = fake
        .wait_for(PATIENCE, |world| {
            world
                .thread_messages(STAFF, Thread::General)
                .into_iter()
                .filter(|m| m.from == world.bot_id())
                .filter_map(|m| m.text.clone())
                .find(|text| text.starts_with("📊 Team, today"))
        })
        .await
        .expect("the bot answers /stats in General");
    assert!(
        stats.contains("\nCSAT 0% of 1 ratings · 50% of 2 surveys answered · mean 1.0/5 · comments 1"),
        "{stats}"
    );
    assert!(
        stats.contains("Per agent: tickets · resolved · first reply · SLA · CSAT · templates\n"),
        "{stats}"
    );
}

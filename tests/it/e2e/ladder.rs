//! The escalation ladder end to end on real time, with an SLA of seconds: a first-response
//! target of 2 s (calendar time), the warning at 50% and a grace of 50% between rungs, so
//! an unanswered ticket gets the warning at 1 s, the breach notice at 2 s, the supervisors
//! at 3 s and the escalation team at 4 s. A second ticket opened alongside is put on hold
//! by a supervisor: it gets the warning and the breach notice but no escalation; released,
//! its ladder resumes where it stood (the hold does not count), and the supervisor undoes
//! that escalation with the button on its line.

use std::sync::Arc;
use std::time::Instant;

use topicdesk::fakegram::{Draft, FakeMessage, Thread, World};

use super::harness::{DANA, Desk, STAFF, Setup, bot_posts, button, card_in, has_text};

/// The shipped rules with targets of seconds and the built-in ladder.
fn shorten_sla(rules: &std::path::Path) {
    let sla = "fn sla(ticket) { #{ first_response: \"2s\", calendar: \"calendar\" } }\n";
    std::fs::write(rules.join("sla.rhai"), sla).expect("write sla.rhai");
    std::fs::remove_file(rules.join("escalation.rhai")).expect("the built-in ladder, not on_breach");
    let desk = std::fs::read_to_string(rules.join("desk.yaml")).expect("read desk.yaml");
    let desk = desk
        .replace("warning_at: 80%", "warning_at: 50%")
        .replace("escalation_grace: 10%", "escalation_grace: 50%");
    assert!(desk.contains("warning_at: 50%") && desk.contains("escalation_grace: 50%"), "{desk}");
    std::fs::write(rules.join("desk.yaml"), desk).expect("write desk.yaml");
}

/// The bot's lines in a topic containing `needle`.
fn lines<'w>(world: &'w World, thread: i32, needle: &str) -> Vec<&'w FakeMessage> {
    bot_posts(world, thread).into_iter().filter(|m| has_text(m, needle)).collect()
}

fn count(world: &World, thread: i32, needle: &str) -> usize {
    lines(world, thread, needle).len()
}

/// The escalations announced in General.
fn announced(world: &World) -> usize {
    let general = world.thread_messages(STAFF, Thread::General);
    general.iter().filter(|m| has_text(m, " escalated to ")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ladder_warns_breaches_escalates_and_a_hold_stops_it() {
    let started = Instant::now();
    let mut desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    shorten_sla(&desk.options.rules);
    desk.start_host();
    let fake = Arc::clone(&desk.fake);
    let threads = desk.open_all_tickets().await;
    let (climbs, held) = (threads[0], threads[1]);
    fake.send_as(DANA, STAFF, Draft::text("/hold").in_topic(held)).expect("Dana holds escalation");

    // The first ticket climbs every rung, each once, while the held one gets its warning and
    // breach notice (they escalate nothing) and no escalation.
    // Topics, General and card edits are separate queues: wait for the last of each.
    desk.wait("the whole ladder on the first ticket and the notice on the held one", |world| {
        count(world, climbs, "Escalated to the escalation team") == 1
            && announced(world) == 2
            && count(world, held, "first response target of 2s missed") == 1
            && count(world, held, "⏸ Dana put escalation") == 1
            && card_in(world, held).is_some_and(|card| has_text(card, "⏸ Escalation on hold"))
    })
    .await;
    fake.inspect(|world| {
        assert_eq!(count(world, climbs, "⏰"), 1, "one warning");
        assert_eq!(count(world, climbs, "first response target of 2s missed"), 3, "notice, two escalations");
        let escalation = lines(world, climbs, "Escalated to the supervisors");
        assert_eq!(escalation.len(), 1);
        assert!(has_text(escalation[0], "@dana_support"), "mentioned: {:?}", escalation[0].text);
        assert!(button(escalation[0], "Undo escalation").is_some());
        assert_eq!(announced(world), 2, "General hears of the first ticket's two escalations only");

        assert_eq!(count(world, held, "⏰"), 1, "a hold still warns");
        assert_eq!(count(world, held, "Escalated"), 0, "a held ticket is not escalated");
    });

    // Released, the held ticket's ladder resumes: the supervisors come next.
    fake.send_as(DANA, STAFF, Draft::text("/unhold").in_topic(held)).expect("Dana resumes");
    desk.wait("the held ticket escalated after its release", |world| {
        count(world, held, "Escalated to the supervisors") == 1
    })
    .await;
    let (line, data) = fake.inspect(|world| {
        let posts = bot_posts(world, held);
        let resumed = posts.iter().position(|m| has_text(m, "▶ Dana resumed")).expect("resumed");
        let escalated =
            posts.iter().position(|m| has_text(m, "Escalated to the supervisors")).expect("escalated");
        assert!(resumed < escalated, "the escalation came after the release");
        button(posts[escalated], "Undo escalation").expect("an undo button")
    });

    // The supervisor undoes it with the button: recorded, and the card no longer shows it.
    fake.press_button(DANA, STAFF, line, &data).expect("Dana presses Undo escalation");
    desk.wait("the undo, a card without the escalation and a line without its button", |world| {
        count(world, held, "↓ Dana undid the escalation") == 1
            && card_in(world, held)
                .is_some_and(|card| !has_text(card, "Escalated to:") && !has_text(card, "on hold"))
            && lines(world, held, "Escalated to the supervisors")
                .iter()
                .all(|m| button(m, "Undo escalation").is_none())
    })
    .await;
    desk.finish().await;
    println!("e2e ladder: {:.1} s", started.elapsed().as_secs_f64());
}

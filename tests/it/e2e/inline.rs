//! Response templates through inline mode, end to end with the shipped templates: the card's
//! Templates button pre-fills `@bot T-000001 `; Dana's inline query is answered with the
//! templates rendered for that ticket (the customer's name filled in), personal and cached
//! briefly; the result she picks arrives in the topic as her message `via_bot`, reaches the
//! customer as plain text, is named in history and counted, and stops the first-response
//! clock. Someone in the staff group but not in team.yaml gets no results. With inline mode
//! off the card has no such button, and `/t` still works.

use serde_json::Value;
use topicdesk::deadline::DeadlineKind;
use topicdesk::fakegram::{Draft, FakeHandle, InlineAnswer, InlineMode, MemberRole, UserSpec};
use topicdesk::history::EntryKind;
use topicdesk::sla::Timer;
use topicdesk::ticket::{Status, TicketId};

use super::harness::{DANA, Desk, PATIENCE, STAFF, Setup, buttons, card_in, open_ticket, received, wait};

const FIRST: TicketId = TicketId(1);
/// In the staff group, not in team.yaml.
const MALLORY: u64 = 777_000_777;

/// The bot's answer to inline query `query_id`, once given.
async fn answer_to(fake: &FakeHandle, query_id: &str) -> InlineAnswer {
    let found = fake
        .wait_for(PATIENCE, |world| world.inline_answers().iter().find(|a| a.query_id == query_id).cloned())
        .await;
    found.unwrap_or_else(|_| panic!("waited for the answer to inline query {query_id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_picks_a_template_inline_and_it_is_the_tickets_reply() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    desk.fake.set_inline_mode(InlineMode::On);
    desk.start_host();
    let fake = desk.fake.clone();
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&fake, &ann).await;
    let first_response = Timer::Ticket(FIRST, DeadlineKind::FirstResponse);
    desk.wait_store("the first-response clock running", |read| {
        read.deadline_of(first_response).expect("deadline").is_some()
    })
    .await;

    // The card's Templates button puts `@bot T-000001 ` in the topic's input field.
    let card = fake.inspect(|world| card_in(world, thread).cloned()).expect("the card");
    let templates = buttons(&card).into_iter().find(|b| b["text"] == "Templates");
    let templates = templates.unwrap_or_else(|| panic!("a Templates button: {:?}", card.reply_markup));
    assert_eq!(templates["switch_inline_query_current_chat"], "T-000001 ");

    // The pre-filled query alone: the ticket's best fits (technical first), rendered for it.
    let query = fake.type_inline_query(DANA, STAFF, Some(thread), "T-000001 ").expect("Dana types");
    let answer = answer_to(&fake, &query).await;
    assert!(answer.is_personal, "results are Dana's alone");
    assert_eq!(answer.cache_time, Some(5));
    assert_eq!(answer.titles()[..3], ["Asking for crash details", "Known outage", "Update the app"]);
    assert!(answer.texts()[0].starts_with("Thanks, Cust00. To find the cause"), "{:?}", answer.texts());
    assert!(answer.texts().iter().all(|text| !text.contains("{{")), "every placeholder filled");

    // With words: the matches; Dana picks the first.
    let query = fake.type_inline_query(DANA, STAFF, Some(thread), "T-000001 password").expect("Dana types");
    let answer = answer_to(&fake, &query).await;
    assert_eq!(answer.titles(), ["Resetting the password"]);
    let picked = fake.pick_inline_result(&query, 0).expect("Dana picks it");
    let posted = fake.inspect(|world| world.message(STAFF, picked).cloned()).expect("posted");
    assert_eq!((posted.from, posted.via_bot, posted.thread_id), (DANA, Some(123_456_789), Some(thread)));

    let sent = received(&fake, &ann, "Hi Cust00, press \"Forgot password\"").await;
    assert!(sent.entities.is_empty(), "plain text, no markup: {:?}", sent.entities);
    assert_eq!(sent.via_bot, None, "the customer sees the desk's message");
    desk.wait_store("the inline reply in history, counted, the clock stopped", |read| {
        let history = read.history(FIRST).expect("history");
        let used = history.iter().position(
            |e| matches!(&e.kind, EntryKind::TemplateUsed { template, .. } if template == "password-reset"),
        );
        let Some(used) = used else { return false };
        let named = &history[used];
        let EntryKind::TemplateUsed { version, .. } = &named.kind else { unreachable!() };
        assert_eq!(version.len(), 12, "a file template's version is its content hash");
        assert!(named.rules.is_some(), "the rule set is named");
        assert!(
            matches!(&history[used - 1].kind, EntryKind::AgentReply { text } if text.starts_with("Hi Cust00"))
        );
        let counted = read.template_uses().expect("uses");
        assert_eq!(
            counted.iter().map(|u| (u.template.as_str(), u.agent)).collect::<Vec<_>>(),
            [("password-reset", DANA)]
        );
        let ticket = read.ticket(FIRST).expect("ticket").expect("exists");
        assert_eq!((ticket.status, ticket.assignee), (Status::Open, Some(DANA)));
        ticket.first_response_at.is_some() && read.deadline_of(first_response).expect("deadline").is_none()
    })
    .await;

    // Someone in the staff group but not in team.yaml: an empty answer.
    fake.add_user(UserSpec::new(MALLORY, "Mallory")).expect("Mallory exists");
    fake.set_member(STAFF, MALLORY, MemberRole::Member).expect("Mallory joins the group");
    let query = fake.type_inline_query(MALLORY, STAFF, Some(thread), "T-000001 ").expect("Mallory types");
    assert_eq!(answer_to(&fake, &query).await.results, Vec::<Value>::new());
    let violations = fake.inspect(|world| world.spec_violations().to_vec());
    assert!(violations.is_empty(), "the fake broke the spec: {violations:#?}");
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_inline_mode_off_the_card_has_no_templates_button_and_t_still_works() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let fake = desk.fake.clone();
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&fake, &ann).await;
    let card = fake.inspect(|world| card_in(world, thread).cloned()).expect("the card");
    let labels: Vec<Value> = buttons(&card).iter().map(|b| b["text"].clone()).collect();
    assert!(!labels.is_empty() && !labels.iter().any(|l| l == "Templates"), "{labels:?}");
    assert!(fake.type_inline_query(DANA, STAFF, Some(thread), "T-000001 ").is_err(), "clients send no query");
    fake.send_as(DANA, STAFF, Draft::text("/t update-app").in_topic(thread)).expect("Dana writes");
    received(&fake, &ann, "This is fixed in the latest version of the app.").await;
    wait(&fake, "no inline answer", |world| world.inline_answers().is_empty()).await;
    desk.finish().await;
}

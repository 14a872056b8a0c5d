//! The desk's guards over HTTP, each a regression of a defect seen end to end: `/move` of a
//! customer's message (which sent one customer's words to another and deleted them from
//! the first one's chat) and of another agent's message; a card's payload pressed on a
//! message that is not its ticket's; a customer's text starting with "/" while a ticket is
//! open; an admin of the staff group posting anonymously; and a ticket assigned by routing,
//! which is Open on its card and in `topicdesk tickets show`.

use topicdesk::fakegram::{Draft, FakeHandle, MemberRole, World};
use topicdesk::store::{Store, data_file};
use topicdesk::ticket::{Status, TicketId};

use super::agents::{card_reads, customer_told, line_in_topic, newest_card, queue_only_desk, says, sync};
use super::harness::{
    Customer, DANA, Desk, PATIENCE, STAFF, Setup, bot_posts, button, from_bot, has_text, open_ticket, wait,
};
use crate::support::{path_arg, stderr, stdout, topicdesk};

/// Eli, an agent (not a supervisor) in the shipped team.yaml.
const ELI: u64 = 222_222_222;

/// Waits for the bot's answer to the press `query`; returns its notice.
async fn notice_for(fake: &FakeHandle, query: &str) -> String {
    let answer = fake
        .wait_for(PATIENCE, |world| {
            world.callback_answers().iter().find(|a| a.query_id == query).map(|a| a.text.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("waited {PATIENCE:?} for the answer to press {query}"));
    answer.unwrap_or_default()
}

/// The id of the bot's copy in the topic of a text containing `needle`.
async fn copy_in_topic(fake: &FakeHandle, thread: i32, needle: &str) -> i32 {
    let found = fake
        .wait_for(PATIENCE, |world| {
            bot_posts(world, thread).into_iter().find(|m| has_text(m, needle)).map(|m| m.message_id)
        })
        .await;
    found.unwrap_or_else(|_| panic!("waited {PATIENCE:?} for {needle:?} in topic {thread}"))
}

fn chat_has(world: &World, customer: &Customer, needle: &str) -> bool {
    world.messages(customer.chat()).iter().any(|m| has_text(m, needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_refuses_a_customers_message_and_another_agents_unless_a_supervisor_moves_it() {
    let desk = queue_only_desk(2).await;
    let fake = &*desk.fake;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    let wrong = open_ticket(fake, &ann).await;
    let right = open_ticket(fake, &ben).await;

    // Ann tells her ticket something private; Dana replies to its copy with /move.
    let secret = "my card number is 4242 4242 4242 4242";
    fake.user_sends(ann.id, Draft::text(secret)).expect("Ann writes");
    let copy = copy_in_topic(fake, wrong, secret).await;
    sync(fake, wrong).await;
    fake.send_as(DANA, STAFF, Draft::text("/move T-000002").in_topic(wrong).replying_to(copy))
        .expect("Dana replies with /move");
    line_in_topic(
        fake,
        wrong,
        "Only a message an agent wrote can be moved; that one is the customer's or the desk's, so nothing was \
         moved.",
    )
    .await;

    // Eli, an agent, may not move Dana's message.
    let danas = says(fake, DANA, wrong, "Ben, your refund is on its way.");
    customer_told(fake, &ann, "Ben, your refund is on its way.").await;
    sync(fake, wrong).await;
    fake.send_as(ELI, STAFF, Draft::text("/move T-000002").in_topic(wrong).replying_to(danas))
        .expect("Eli replies with /move");
    line_in_topic(
        fake,
        wrong,
        "Only supervisors move another agent's message; this one is Dana's, so nothing was moved.",
    )
    .await;

    // Dana, a supervisor, may move Eli's.
    let elis = says(fake, ELI, wrong, "Ben, the invoice is attached.");
    customer_told(fake, &ann, "Ben, the invoice is attached.").await;
    sync(fake, wrong).await;
    fake.send_as(DANA, STAFF, Draft::text("/move T-000002").in_topic(wrong).replying_to(elis))
        .expect("Dana replies with /move");
    line_in_topic(fake, wrong, "↪ Moved to T-000002; the copy this customer got is being deleted.").await;
    customer_told(fake, &ben, "Ben, the invoice is attached.").await;
    wait(fake, "Eli's wrong copy deleted", |world| !chat_has(world, &ann, "invoice is attached")).await;

    fake.inspect(|world| {
        // Ann's words never left her chat and never reached Ben or his topic.
        assert!(chat_has(world, &ann, secret), "Ann's own message is still in her chat");
        assert!(!chat_has(world, &ben, secret), "Ben got Ann's message");
        assert!(!bot_posts(world, right).iter().any(|m| has_text(m, secret)));
        // Dana's message stayed with Ann; only Eli's copy was deleted.
        assert!(chat_has(world, &ann, "your refund is on its way"));
        assert!(!chat_has(world, &ben, "your refund is on its way"));
        assert_eq!(world.count_calls("deleteMessage", 200), 1);
    });
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payload_pressed_on_a_message_that_is_not_its_tickets_does_not_act() {
    let mut desk = queue_only_desk(2).await;
    let fake = &*desk.fake;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    let first = open_ticket(fake, &ann).await;
    let second = open_ticket(fake, &ben).await;
    card_reads(fake, first, "T-000001 · new", &[&["Claim", "Resolve"], &["Assign", "More"]]).await;
    card_reads(fake, second, "T-000002 · new", &[&["Claim", "Resolve"], &["Assign", "More"]]).await;
    let resolve_first = fake
        .inspect(|world| newest_card(world, first).and_then(|card| button(card, "Resolve")))
        .map(|(_, data)| data)
        .expect("T-000001's card offers Resolve");

    // /queue in General lists both tickets with a Claim button each.
    fake.send_as(DANA, STAFF, Draft::text("/queue")).expect("Dana writes in General");
    let queue = fake
        .wait_for(PATIENCE, |world| {
            from_bot(world, STAFF)
                .into_iter()
                .find(|m| m.thread_id.is_none() && has_text(m, "Queue: 2 unassigned"))
                .map(|m| m.message_id)
        })
        .await
        .expect("the queue in General");

    // T-000001's Resolve, pressed on the queue in General and on T-000002's card.
    let refused = "This button belongs to another ticket.";
    let query = fake.press_forged_button(DANA, STAFF, queue, &resolve_first).expect("a press");
    assert_eq!(notice_for(fake, &query).await, refused);
    let second_card = fake.inspect(|world| newest_card(world, second).map(|c| c.message_id)).expect("a card");
    let query = fake.press_forged_button(DANA, STAFF, second_card, &resolve_first).expect("a press");
    assert_eq!(notice_for(fake, &query).await, refused);

    // The queue's own Claim button acts in General.
    let (_, claim) = fake
        .inspect(|world| world.message(STAFF, queue).and_then(|m| button(m, "Claim T-000001")))
        .expect("the queue offers Claim T-000001");
    let query = fake.press_button(DANA, STAFF, queue, &claim).expect("a press");
    assert_eq!(notice_for(fake, &query).await, "✓ Dana took T-000001.");
    card_reads(
        fake,
        first,
        "T-000001 · open",
        &[&["Awaiting customer", "Resolve"], &["Assign", "Unassign", "More"]],
    )
    .await;
    fake.inspect(|world| {
        assert!(!chat_has(world, &ann, "is resolved"), "Ann was told her ticket is resolved");
    });
    desk.stop_host().await;

    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let read = store.read().expect("read");
    let ticket = |id| read.ticket(TicketId(id)).expect("read").expect("the ticket exists");
    assert_eq!(ticket(1).status, Status::Open);
    assert_eq!(ticket(2).status, Status::New);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_text_starting_with_a_slash_reaches_the_open_ticket() {
    let desk = queue_only_desk(1).await;
    let fake = &*desk.fake;
    let ann = desk.customers[0].clone();
    let topic = open_ticket(fake, &ann).await;
    fake.user_sends(ann.id, Draft::text("/etc/hosts is broken")).expect("Ann writes");
    // Either it reaches the topic, or (the defect) intake asks whether to add to the ticket.
    let asked = "You already have an open request";
    wait(fake, "Ann's text in her topic, or a question about it", |world| {
        bot_posts(world, topic).iter().any(|m| has_text(m, "/etc/hosts is broken"))
            || from_bot(world, ann.chat()).iter().any(|m| has_text(m, asked))
    })
    .await;
    fake.inspect(|world| {
        assert!(bot_posts(world, topic).iter().any(|m| has_text(m, "/etc/hosts is broken")));
        assert!(!from_bot(world, ann.chat()).iter().any(|m| has_text(m, asked)));
    });
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_admin_reaches_the_customer_and_their_commands_are_explained() {
    let desk = queue_only_desk(1).await;
    let fake = &*desk.fake;
    let ann = desk.customers[0].clone();
    fake.set_member(STAFF, ELI, MemberRole::administrator()).expect("Eli becomes an admin");
    let topic = open_ticket(fake, &ann).await;

    fake.send_as_anonymous_admin(ELI, STAFF, Draft::text("We are looking into it.").in_topic(topic))
        .expect("Eli writes anonymously");
    customer_told(fake, &ann, "We are looking into it.").await;
    fake.send_as_anonymous_admin(ELI, STAFF, Draft::text("/resolve").in_topic(topic))
        .expect("Eli writes a command anonymously");
    let explained = "/resolve was not run: it was sent by an anonymous admin, and commands need to know who \
                     sends them to check team.yaml. Turn off \"Remain anonymous\" in your admin rights to use \
                     commands; your messages reach the customer either way.";
    line_in_topic(fake, topic, explained).await;
    fake.send_as_anonymous_admin(ELI, STAFF, Draft::text("/queue")).expect("Eli writes in General");
    wait(fake, "the explanation in General", |world| {
        from_bot(world, STAFF).iter().any(|m| m.thread_id.is_none() && has_text(m, "/queue was not run"))
    })
    .await;
    // The reply opened the ticket; nothing resolved it.
    card_reads(fake, topic, "T-000001 · open", &[&["Awaiting customer", "Resolve"], &["Assign", "More"]])
        .await;
    fake.inspect(|world| assert!(!chat_has(world, &ann, "is resolved")));
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_assigned_by_routing_is_open() {
    // The shipped routing gives technical tickets to Dana first.
    let mut desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let fake = &*desk.fake;
    let topic = open_ticket(fake, &desk.customers[0]).await;
    line_in_topic(fake, topic, "Assigned to @dana_support by the routing rules.").await;
    card_reads(
        fake,
        topic,
        "T-000001 · open",
        &[&["Awaiting customer", "Resolve"], &["Assign", "Unassign", "More"]],
    )
    .await;
    assert!(
        fake.inspect(|world| newest_card(world, topic).is_some_and(|card| has_text(card, "Assignee: Dana")))
    );
    desk.stop_host().await;

    let output = topicdesk(&["tickets", "show", "T-000001", "--data", path_arg(&desk.options.data)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(shown.starts_with("T-000001  open  "), "{shown}");
    assert!(shown.contains("assignee: 111111111"), "{shown}");
    assert!(shown.contains("desk             new -> open"), "{shown}");
}

//! Telegram refusing the bot itself, end to end: a bot without the right to manage topics
//! (demoted), a bot kicked from the staff group, a revoked token, and an answer that comes
//! after a client would have given up. Nothing the desk promised a customer is dropped:
//! what cannot go waits, people are told why (General, or the supervisors in private when
//! the bot cannot post in the group), and it all arrives, once and in order, when Telegram
//! takes it again.

use std::time::{Duration, Instant};

use topicdesk::fakegram::{CallFilter, Draft, Thread, World};

use super::harness::{
    Customer, DANA, Desk, PATIENCE, STAFF, Setup, bot_posts, card_in, from_bot, has_text, numbered_in_thread,
    press, relayed, topic_of, wait,
};

/// Telegram's budgets with every window a hundredth as long, on both sides.
const SCALE: f64 = 0.01;

/// The sending methods a relay into a topic may use.
const RELAYS: [&str; 2] = ["copyMessage", "sendMessage"];

/// The bot's messages in General.
fn in_general(world: &World) -> Vec<String> {
    world
        .thread_messages(STAFF, Thread::General)
        .into_iter()
        .filter(|m| m.from == world.bot_id())
        .filter_map(|m| m.text.clone())
        .collect()
}

fn refused(world: &World, methods: &[&str], status: u16) -> usize {
    methods.iter().map(|method| world.count_calls(method, status)).sum()
}

/// Walks the customer through the shipped support form up to the confirmation, without
/// waiting for the ticket's topic (it may not open yet).
async fn submit_ticket(desk: &Desk, customer: &Customer) {
    let fake = &desk.fake;
    super::harness::fill_support_form(fake, customer).await;
    press(fake, customer, "Submit").await;
    wait(fake, "the confirmation", |world| {
        from_bot(world, customer.chat()).iter().any(|m| has_text(m, "is registered as"))
    })
    .await;
}

/// Regression (issue item 1): a ticket opened while the bot could not manage topics was
/// lost for good: the refused `createForumTopic` was dropped, staff never saw the ticket and
/// the customer's later messages never reached them. Now the ticket waits, General is told
/// once why, and when the right comes back the topic opens with its card and every message
/// of the customer's, those sent before and after, once each and in order.
async fn a_ticket_opened_while_the_bot_is_demoted(restart_while_demoted: bool) {
    const NOTICE: &str = "not enough rights to create a topic";
    let mut desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    // Demoted after start-up, which checks the right and refuses to run without it.
    desk.wait("the host polling", |world| world.calls().iter().any(|c| c.method == "getUpdates")).await;
    desk.fake.demote_bot(STAFF).expect("demote the bot");
    submit_ticket(&desk, &ann).await;
    ann.send_numbered(&desk.fake, 0..2);
    desk.wait("General told why the ticket waits", |world| {
        in_general(world).iter().any(|t| t.contains(NOTICE))
    })
    .await;
    desk.wait("a second refused topic", |world| world.count_calls("createForumTopic", 400) >= 2).await;
    assert!(desk.fake.inspect(|world| topic_of(world, &ann).is_none()), "no topic without the right");

    if restart_while_demoted {
        // The waiting topic lives in the store, not in the process; and a desk that has run
        // before starts again while still demoted (a service manager's restart on a bad
        // day) instead of ending on the start-up check.
        desk.stop_host().await;
        ann.send_numbered(&desk.fake, 2..3);
        let before = desk.fake.inspect(|world| {
            let polls = world.calls().iter().filter(|c| c.method == "getUpdates").count();
            (polls, world.count_calls("createForumTopic", 400))
        });
        desk.start_host();
        desk.wait("the restarted host polling and trying the topic again", |world| {
            world.calls().iter().filter(|c| c.method == "getUpdates").count() > before.0
                && world.count_calls("createForumTopic", 400) > before.1
        })
        .await;
        desk.fake.promote_bot(STAFF).expect("give the right back");
    } else {
        ann.send_numbered(&desk.fake, 2..3);
        desk.fake.promote_bot(STAFF).expect("give the right back");
    }
    ann.send_numbered(&desk.fake, 3..5);

    desk.wait("the topic with its card and every message", |world| {
        topic_of(world, &ann).is_some_and(|thread| card_in(world, thread).is_some())
            && relayed(world, &ann).len() >= 5
    })
    .await;
    desk.wait("General told it works again", |world| {
        in_general(world).iter().any(|t| t.contains("works in the staff group again"))
    })
    .await;
    desk.fake.inspect(|world| {
        let thread = topic_of(world, &ann).expect("the topic");
        let posts = bot_posts(world, thread);
        let card = card_in(world, thread).expect("the card");
        assert_eq!(posts[0].message_id, card.message_id, "the topic opens with its card");
        assert_eq!(numbered_in_thread(world, thread, &ann), [0, 1, 2, 3, 4], "once each, in order");
        let live = world.topics(STAFF).iter().filter(|t| !t.deleted).count();
        assert_eq!(live, 1, "one topic");
        let told = in_general(world).iter().filter(|t| t.contains(NOTICE)).count();
        assert_eq!(told, 1, "General is told once, not once per try or per start");
    });
    let tries = desk.fake.inspect(|world| world.count_calls("createForumTopic", 400));
    println!(
        "e2e demoted bot (restart: {restart_while_demoted}): {tries} refused tries, then the topic opened"
    );
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_opened_while_the_bot_is_demoted_waits_and_opens_when_the_right_returns() {
    a_ticket_opened_while_the_bot_is_demoted(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_waiting_for_its_topic_survives_a_restart_of_the_host() {
    a_ticket_opened_while_the_bot_is_demoted(true).await;
}

/// Regression (issue item 3): while the bot was kicked from the staff group, 4 of 4
/// customer messages were dropped. They wait now (with backoff), the supervisors hear why
/// in private, and every message arrives once, in order, after the bot is added back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_the_bot_is_kicked_arrive_after_it_is_added_back() {
    const NOTICE: &str = "cannot reach the staff group";
    let desk = Desk::start(Setup { customers: 2, budget_scale: Some(SCALE) }).await;
    desk.fake.user_starts_bot(DANA).expect("Dana can hear from the bot in private");
    desk.open_all_tickets().await;
    for customer in &desk.customers {
        customer.send_numbered(&desk.fake, 0..1);
    }
    desk.wait_counted(1, 0).await;

    desk.fake.kick_bot(STAFF).expect("kick the bot");
    let kicked = Instant::now();
    for customer in &desk.customers {
        customer.send_numbered(&desk.fake, 1..3);
    }
    desk.wait("Dana told in private why nothing reaches the group", |world| {
        from_bot(world, DANA as i64).iter().any(|m| has_text(m, NOTICE) && has_text(m, "kicked"))
    })
    .await;
    desk.wait("relays refused with 403", |world| refused(world, &RELAYS, 403) >= 2).await;
    // A few seconds kicked: the refused queues climb their ladder, they do not spin.
    let calls_then = desk.fake.inspect(|world| refused(world, &RELAYS, 403));
    // Time passing is what is measured here, not a condition awaited.
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(kicked.elapsed())).await;
    let calls_kicked = desk.fake.inspect(|world| refused(world, &RELAYS, 403));
    assert!(calls_kicked - calls_then <= 12, "{calls_kicked} refused relays: a hot loop");

    desk.fake.add_bot_back(STAFF).expect("add the bot back");
    desk.wait_counted(3, 0).await;
    desk.assert_counted_once_in_order(3, 0);
    desk.wait("General told it works again", |world| {
        in_general(world).iter().any(|t| t.contains("works in the staff group again"))
    })
    .await;
    let told = desk
        .fake
        .inspect(|world| from_bot(world, DANA as i64).iter().filter(|m| has_text(m, NOTICE)).count());
    assert_eq!(told, 1, "Dana is told once");
    println!("e2e kicked bot: {calls_kicked} relays refused with 403, all delivered after it was added back");
    desk.finish().await;
}

/// Regression (issue item 3): a 10-second token revocation dropped 18 of 24 queued
/// relays without a word. The 24 customer messages reach the host in one page while a long
/// poll is open, their relays meet 401, and all 24 arrive once the token works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_second_token_revocation_loses_no_relay() {
    const REVOKED: Duration = Duration::from_secs(10);
    let desk = Desk::start(Setup { customers: 4, budget_scale: Some(SCALE) }).await;
    desk.open_all_tickets().await;
    for customer in &desk.customers {
        customer.send_numbered(&desk.fake, 0..1);
    }
    desk.wait_counted(1, 0).await;

    let revoked = Instant::now();
    desk.fake.revoke_token_for(REVOKED);
    let burst: Vec<(u64, Draft)> =
        (1..7).flat_map(|n| desk.customers.iter().map(move |c| (c.id, Draft::text(c.numbered(n))))).collect();
    assert_eq!(burst.len(), 24);
    desk.fake.users_send(burst).expect("the customers write");
    desk.wait_counted(7, 0).await;
    let took = revoked.elapsed();
    desk.assert_counted_once_in_order(7, 0);
    let unauthorized = desk.fake.inspect(|world| refused(world, &RELAYS, 401));
    assert!(unauthorized > 0, "the relays met the revoked token");
    assert!(took >= REVOKED, "nothing got through while the token was revoked");
    println!(
        "e2e token revoked for {REVOKED:?}: {unauthorized} relays refused with 401, all 24 delivered \
         {took:.2?} after the revocation began"
    );
    desk.finish().await;
}

/// Regression (issue item 8): a copy Telegram carried out but answered only after the
/// client's one-minute timeout was sent again, and the topic showed it twice. The host now
/// waits for a sending call's answer far longer than Telegram takes on a bad day, so the
/// slow answer is read and the copy appears once; the message behind it waits its turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_answered_after_the_old_client_timeout_appears_once() {
    /// Longer than the one-minute client timeout the host used to give every call.
    const LATE: Duration = Duration::from_secs(65);
    let desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    desk.open_all_tickets().await;
    let ann = desk.customers[0].clone();
    ann.send_numbered(&desk.fake, 0..1);
    desk.wait_counted(1, 0).await;

    desk.fake.answer_next_calls_late(1, LATE, CallFilter::Method("copyMessage".to_owned()));
    let asked = Instant::now();
    ann.send_numbered(&desk.fake, 1..3);
    desk.wait("the late copy in the topic", |world| relayed(world, &ann).contains(&1)).await;
    assert!(
        desk.fake.wait_until(PATIENCE + LATE, |world| relayed(world, &ann).contains(&2)).await.is_ok(),
        "the message behind the late copy arrives"
    );
    let took = asked.elapsed();
    assert!(took >= LATE, "the next message waited for the late answer ({took:?})");
    desk.assert_counted_once_in_order(3, 0);
    let copies = desk.fake.inspect(|world| world.count_calls("copyMessage", 200));
    assert_eq!(copies, 3, "no copy was sent twice");
    println!("e2e late answer after {LATE:?}: the copy appears once, the next message {took:.2?} after");
    desk.finish().await;
}

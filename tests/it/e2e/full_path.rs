//! The full path over HTTP: a customer starts the bot and fills the form, the ticket gets
//! a topic that opens with its card, the customer follows up with every kind of message
//! (an album kept together, an edit of a relayed text), an agent answers, an internal note
//! stays internal, and after the host process is stopped and started again on the same
//! store the conversation carries on in the same topic, replies mapped across the relay.

use std::sync::Arc;
use std::time::Instant;

use topicdesk::fakegram::{Content, Draft, FakeMessage, World};
use topicdesk::history::EntryKind;
use topicdesk::store::{Store, data_file};

use super::harness::{
    Customer, DANA, Desk, STAFF, Setup, assert_outbox_empty, bot_posts, button, card_in, from_bot, has_text,
    open_ticket,
};

/// Telegram's budgets with every window a hundredth as long, on both sides.
const SCALE: f64 = 0.01;

/// The customer's own messages copied into the topic: everything that is not plain text,
/// and texts that start with the customer's name. Cards and desk lines are left out.
fn relays<'w>(world: &'w World, thread: i32, customer: &Customer) -> Vec<&'w FakeMessage> {
    bot_posts(world, thread)
        .into_iter()
        .filter(|m| {
            m.content != Content::Text || m.text.as_deref().is_some_and(|t| t.starts_with(&customer.name))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One story, told in order.
async fn the_full_path_carries_on_in_the_same_topic_after_a_restart() {
    let started = Instant::now();
    let mut desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let fake = Arc::clone(&desk.fake);
    let ann = desk.customers[0].clone();
    let chat = ann.chat();

    // `/start`, the form, a topic named after the ticket that opens with its card.
    let thread = open_ticket(&fake, &ann).await;
    fake.inspect(|world| {
        let topic = world.topic(STAFF, thread).expect("the topic");
        assert_eq!(topic.name, "T-000001 · Technical problem · Cust00");
        let card = card_in(world, thread).expect("the card");
        assert_eq!(bot_posts(world, thread)[0].message_id, card.message_id, "the topic opens with the card");
        // Routing gave the ticket to Dana, which opened it.
        assert!(has_text(card, "T-000001 · open"), "{:?}", card.text);
        assert!(has_text(card, "Cust00 cannot export to CSV."), "the answers are on the card");
        assert!(button(card, "Awaiting customer").is_some() && button(card, "Resolve").is_some());
    });

    // Follow-ups of every kind, an album among them.
    let send = |draft: Draft| fake.user_sends(ann.id, draft).expect("Ann can write");
    let mut originals = vec![
        send(Draft::text("Cust00: the export stops at 50%")),
        send(Draft::photo().caption("Cust00: the error dialog")),
        send(Draft::document("export.log").caption("Cust00: the log")),
        send(Draft::voice(4)),
        send(Draft::video(9)),
        send(Draft::sticker("🙏")),
        send(Draft::location(52.52, 13.405)),
        send(Draft::contact("+49 30 1234567", "Ann's colleague")),
    ];
    let album = vec![Draft::photo().caption("Cust00: album, first"), Draft::photo(), Draft::photo()];
    originals.extend(fake.send_album_as(ann.id, chat, album).expect("Ann sends an album"));
    desk.wait("eleven copies in the topic", |world| relays(world, thread, &ann).len() >= originals.len())
        .await;

    // An edit of the relayed text reaches its copy.
    fake.edit_as(ann.id, chat, originals[0], "Cust00: the export stops at 50%, sometimes 60%")
        .expect("Ann edits");
    desk.wait("the edit on the copy", |world| {
        relays(world, thread, &ann).first().is_some_and(|copy| has_text(copy, "sometimes 60%"))
    })
    .await;
    let before_restart = fake.inspect(|world| {
        let copies = relays(world, thread, &ann);
        let shape: Vec<(&str, Option<&str>)> =
            copies.iter().map(|m| (m.content.kind(), m.text.as_deref())).collect();
        assert_eq!(
            shape,
            [
                ("text", Some("Cust00: the export stops at 50%, sometimes 60%\n✎ edited")),
                ("photo", Some("Cust00: the error dialog")),
                ("document", Some("Cust00: the log")),
                ("voice", None),
                ("video", None),
                ("sticker", None),
                ("location", None),
                ("contact", None),
                ("photo", Some("Cust00: album, first")),
                ("photo", None),
                ("photo", None),
            ]
        );
        for (copy, original) in copies.iter().zip(&originals) {
            let original = world.message(chat, *original).expect("Ann's message");
            assert_eq!(copy.content, original.content, "the copy carries the same file or place");
        }
        let groups: Vec<Option<&str>> = copies.iter().map(|m| m.media_group_id.as_deref()).collect();
        assert!(groups[..8].iter().all(Option::is_none), "single messages are not albums: {groups:?}");
        assert!(groups[8].is_some() && groups[8..].iter().all(|g| *g == groups[8]), "one album: {groups:?}");
        copies.iter().map(|m| m.message_id).collect::<Vec<_>>()
    });

    // An agent answers; a note stays in the staff chat.
    let dana_says =
        |text: &str| fake.send_as(DANA, STAFF, Draft::text(text).in_topic(thread)).expect("Dana writes");
    let dana_first = dana_says("Hello, which browser do you use?");
    let reply_reaches_ann = |text: &'static str| {
        move |world: &World| from_bot(world, chat).iter().any(|m| m.text.as_deref() == Some(text))
    };
    desk.wait("Dana's answer in Ann's chat", reply_reaches_ann("Hello, which browser do you use?")).await;
    dana_says("/note Cust00 is on the enterprise plan");
    dana_says("Could you try Firefox?");
    desk.wait("Dana's second answer in Ann's chat", reply_reaches_ann("Could you try Firefox?")).await;
    let ann_copy_of_first = fake.inspect(|world| {
        assert!(
            !world.messages(chat).iter().any(|m| has_text(m, "enterprise plan")),
            "the internal note reached the customer"
        );
        from_bot(world, chat).iter().find(|m| has_text(m, "which browser")).expect("the copy").message_id
    });

    // The host process stops and starts again on the same store.
    desk.restart_host().await;

    // Ann replies to Dana's message; the copy in the topic replies to Dana's original.
    send(Draft::text("Cust00: Firefox works").replying_to(ann_copy_of_first));
    desk.wait("Ann's reply in the same topic", |world| {
        relays(world, thread, &ann).iter().any(|m| has_text(m, "Firefox works"))
    })
    .await;
    dana_says("Great, closing the loop then.");
    desk.wait("Dana's answer after the restart", reply_reaches_ann("Great, closing the loop then.")).await;
    fake.inspect(|world| {
        let live: Vec<i32> = world.topics(STAFF).iter().filter(|t| !t.deleted).map(|t| t.thread_id).collect();
        assert_eq!(live, [thread], "no new topic after the restart");
        let copies = relays(world, thread, &ann);
        let ids: Vec<i32> = copies.iter().map(|m| m.message_id).collect();
        assert_eq!(ids[..before_restart.len()], before_restart, "nothing was sent twice across the restart");
        assert_eq!(copies.len(), before_restart.len() + 1);
        let reply = copies.last().expect("the reply");
        assert_eq!(reply.reply_to, Some(dana_first), "the reply maps to Dana's message");
        let cards = bot_posts(world, thread)
            .iter()
            .filter(|m| m.reply_markup.is_some() && has_text(m, "Priority:"))
            .count();
        assert_eq!(cards, 1, "one card");
    });
    desk.stop_host().await;
    assert_outbox_empty(&desk.options.data);

    // The note is in the ticket's history, not in Ann's chat.
    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let read = store.read().expect("read");
    let tickets = read.tickets_of_customer(ann.id).expect("index");
    let history = read.history(tickets[0]).expect("history");
    assert!(
        history
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::Note { text } if text.contains("enterprise plan"))),
        "{history:#?}"
    );
    println!("e2e full path: {:.1} s", started.elapsed().as_secs_f64());
}

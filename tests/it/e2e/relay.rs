//! The relay under pressure and out of order: a burst of texts coalesced while the group's
//! budget is short (replies and edits still find their counterparts), an edit that
//! reaches the desk before its message was relayed, and an album whose parts come in two
//! pages of updates.

use std::collections::HashMap;

use topicdesk::fakegram::{Draft, FakeMessage};

use super::harness::{
    Customer, DANA, Desk, STAFF, Setup, bot_posts, from_bot, has_text, numbered_in_thread, open_ticket,
};

/// Telegram's budgets with every window a hundredth as long, on both sides.
const SCALE: f64 = 0.01;

/// Thirty texts at once into one topic: the group admits twenty a window, so the burst goes
/// out coalesced. Every text arrives once and in order, in fewer posts than texts; an agent's
/// reply to a combined post reaches the customer as a reply to one of its messages, and the
/// customer's edit of a message inside it is posted as a note replying to that post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coalesced_burst_keeps_replies_and_edits_mapped() {
    const BURST: usize = 30;
    let desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    let ids: HashMap<usize, i32> = (0..BURST)
        .map(|n| (n, desk.fake.user_sends(ann.id, Draft::text(ann.numbered(n))).expect("Ann can write")))
        .collect();
    desk.wait("the whole burst in the topic", |world| {
        numbered_in_thread(world, thread, &ann) == (0..BURST).collect::<Vec<_>>()
    })
    .await;
    desk.assert_no_429();

    let prefix = format!("{} #", ann.name);
    let (posts, combined): (usize, Option<(i32, Vec<usize>)>) = desk.fake.inspect(|world| {
        let posts: Vec<&FakeMessage> =
            bot_posts(world, thread).into_iter().filter(|m| has_text(m, &prefix)).collect();
        let combined = posts.iter().find(|m| has_text(m, "messages from the customer")).map(|m| {
            let numbers = m.text.as_deref().unwrap_or_default().lines();
            (m.message_id, numbers.filter_map(|l| l.strip_prefix(&prefix)?.parse().ok()).collect())
        });
        (posts.len(), combined)
    });
    assert!(posts < BURST, "{posts} posts for {BURST} texts: nothing was coalesced");
    let (post, numbers) = combined.expect("a combined post");
    let run: Vec<i32> = numbers.iter().map(|n| ids[n]).collect();
    desk.wait_store("the combined post linked to its messages", |read| {
        read.counterparts((STAFF, post)).expect("links").len() == run.len()
    })
    .await;

    // Dana answers the combined post: the customer sees a reply to one of its messages.
    let answer = Draft::text(ann.reply_numbered(0)).in_topic(thread).replying_to(post);
    desk.fake.send_as(DANA, STAFF, answer).expect("Dana can write");
    desk.wait("Dana's answer in Ann's chat", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, &ann.reply_numbered(0)))
    })
    .await;
    let replied_to = desk.fake.inspect(|world| {
        let answer = from_bot(world, ann.chat()).into_iter().find(|m| has_text(m, &ann.reply_numbered(0)));
        answer.and_then(|m| m.reply_to)
    });
    assert!(replied_to.is_some_and(|id| run.contains(&id)), "answer replies to {replied_to:?}, run {run:?}");

    // Ann edits the last message of the combined post: a note replying to the post says so.
    let (&edited_number, &edited) = numbers.last().zip(run.last()).expect("a run of texts");
    desk.fake.edit_as(ann.id, ann.chat(), edited, "a corrected line").expect("Ann can edit");
    let part = format!("✎ The customer edited message {} of {}", numbers.len(), numbers.len());
    desk.wait("the edit note under the combined post", |world| {
        bot_posts(world, thread).iter().any(|m| m.reply_to == Some(post) && has_text(m, &part))
    })
    .await;
    let untouched = desk.fake.inspect(|world| {
        let post = world.message(STAFF, post).expect("the combined post");
        post.edits.is_empty() && has_text(post, &ann.numbered(edited_number))
    });
    assert!(untouched, "the combined post itself is not rewritten");
    desk.finish().await;
}

/// Regression: an edit that reached the desk before its message was relayed was ignored.
/// With the host down, the customer writes and then corrects the message; once the host
/// runs, the copy lands first and is then marked as edited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_before_the_relay_lands_after_the_copy() {
    let mut desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    desk.stop_host().await;
    let message =
        desk.fake.user_sends(ann.id, Draft::text("Cust00: the export stop")).expect("Ann can write");
    desk.fake.edit_as(ann.id, ann.chat(), message, "Cust00: the export stops at 50%").expect("Ann can edit");
    desk.start_host();
    desk.wait("the copy marked as edited", |world| {
        bot_posts(world, thread)
            .iter()
            .any(|m| m.text.as_deref() == Some("Cust00: the export stops at 50%\n✎ edited"))
    })
    .await;
    desk.finish().await;
}

/// Regression: an album whose parts came in two pages of updates was copied as two albums.
/// The second page's parts arrive after the host has taken the first page; the copy in the
/// topic is still one album of four.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_split_across_two_pages_is_copied_as_one() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    let first = vec![Draft::photo().caption("Cust00: the album"), Draft::photo()];
    let first = desk.fake.send_album_as(ann.id, ann.chat(), first).expect("Ann can send an album");
    desk.wait("the host to take the first page", |world| world.pending_updates() == 0).await;
    let album =
        desk.fake.inspect(|world| world.message(ann.chat(), first[0]).and_then(|m| m.media_group_id.clone()));
    let album = album.expect("an album id");
    desk.fake
        .add_to_album_as(ann.id, ann.chat(), &album, vec![Draft::photo(), Draft::photo()])
        .expect("more parts");
    desk.wait("four photos in the topic", |world| {
        bot_posts(world, thread).iter().filter(|m| m.content.kind() == "photo").count() == 4
    })
    .await;
    let albums: Vec<Option<String>> = desk.fake.inspect(|world| {
        let photos = bot_posts(world, thread).into_iter().filter(|m| m.content.kind() == "photo");
        photos.map(|m| m.media_group_id.clone()).collect()
    });
    assert!(albums[0].is_some() && albums.iter().all(|a| *a == albums[0]), "one album: {albums:?}");
    desk.finish().await;
}

/// Regression: an album copied as one dropped the reply its first part carried. The
/// customer answers the agent with an album; its copy in the topic is one album again and
/// replies to the agent's message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_replying_to_the_agent_keeps_its_reply() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    let (asked, copy) = dana_asks(&desk, &ann, thread).await;
    let album =
        vec![Draft::photo().caption("Cust00: like this").replying_to(copy), Draft::photo().replying_to(copy)];
    desk.fake.send_album_as(ann.id, ann.chat(), album).expect("Ann can send an album");
    desk.wait("the album in the topic", |world| {
        bot_posts(world, thread).iter().filter(|m| m.content.kind() == "photo").count() == 2
    })
    .await;
    let photos: Vec<(Option<String>, Option<i32>, Option<String>)> = desk.fake.inspect(|world| {
        let photos = bot_posts(world, thread).into_iter().filter(|m| m.content.kind() == "photo");
        photos.map(|m| (m.media_group_id.clone(), m.reply_to, m.text.clone())).collect()
    });
    assert!(photos[0].0.is_some() && photos[0].0 == photos[1].0, "one album: {photos:?}");
    assert_eq!(photos[0].1, Some(asked), "the album replies to Dana's question: {photos:?}");
    assert_eq!(photos[0].2.as_deref(), Some("Cust00: like this"), "the caption travels");
    desk.finish().await;
}

/// A caption longer than a bot may send (a Premium customer's) cannot go with a copy that
/// replies: the photo goes as a reply without it, and the caption follows as a text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caption_too_long_for_a_bot_follows_the_photo_as_a_text() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    let (asked, copy) = dana_asks(&desk, &ann, thread).await;
    let long = format!("Cust00: {}", "the screen shows this. ".repeat(60));
    assert!(long.len() > 1024);
    let photo = Draft::photo().caption(&long).replying_to(copy);
    desk.fake.send_as(ann.id, ann.chat(), photo).expect("Ann can send a photo");
    desk.wait("the caption after the photo", |world| {
        bot_posts(world, thread).iter().any(|m| has_text(m, &long))
    })
    .await;
    let posts: Vec<(String, Option<i32>, Option<String>)> = desk.fake.inspect(|world| {
        let posts = bot_posts(world, thread).into_iter().rev().take(2).rev();
        posts.map(|m| (m.content.kind().to_owned(), m.reply_to, m.text.clone())).collect()
    });
    assert_eq!(posts[0], ("photo".to_owned(), Some(asked), None), "the photo replies, without a caption");
    assert_eq!(posts[1].0, "text");
    assert_eq!(posts[1].2.as_deref(), Some(long.as_str()), "the caption follows whole");
    desk.finish().await;
}

/// Dana asks Ann a question in the topic; returns the question's id and the id of its copy
/// in Ann's chat, once the two are linked in the store (so a reply to the copy maps back).
async fn dana_asks(desk: &Desk, ann: &Customer, thread: i32) -> (i32, i32) {
    let question = Draft::text(ann.reply_numbered(0)).in_topic(thread);
    let asked = desk.fake.send_as(DANA, STAFF, question).expect("Dana can write");
    desk.wait("Dana's question in Ann's chat", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, &ann.reply_numbered(0)))
    })
    .await;
    let copy = desk.fake.inspect(|world| {
        let copies = from_bot(world, ann.chat()).into_iter().filter(|m| has_text(m, &ann.reply_numbered(0)));
        copies.map(|m| m.message_id).next_back().expect("the copy")
    });
    desk.wait_store("the question linked to its copy", |read| {
        read.counterparts((ann.chat(), copy)).expect("links").contains(&(STAFF, asked))
    })
    .await;
    (asked, copy)
}

//! Telegram Business against the fake: the company's own account connects the bot, and the desk
//! records each connection and tells General what it means: a listed account without the right
//! to reply gets the fix, a listed one with it is confirmed, an account desk.yaml does not list
//! is told it is not served, a pause is reported; each change once. What the desk recorded is
//! in the store, and a restart refreshes it with `getBusinessConnection`.

use topicdesk::fakegram::{BusinessRights, Content, Draft, FakeMessage, MemberRole, Thread, UserSpec, World};
use topicdesk::history::{Actor, EntryKind};

use super::harness::{
    Customer, DANA, Desk, PATIENCE, STAFF, Setup, bot_posts, button, card_in, from_bot, has_text, topic_of,
};

/// The company's own account, listed in desk.yaml.
const ACME: u64 = 3_001;
/// Another account that connects the bot without being listed.
const OTHER: u64 = 3_002;

fn general_says(world: &World, needle: &str) -> usize {
    let general = world.thread_messages(STAFF, Thread::General);
    let bot = world.bot_id();
    general.iter().filter(|message| message.from == bot && has_text(message, needle)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_recorded_and_general_is_told_what_each_means() {
    let mut desk = Desk::prepare(Setup { customers: 0, budget_scale: None }).await;
    let desk_yaml = desk.options.rules.join("desk.yaml");
    let mut text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    text.push_str("business:\n  - account: \"@Acme_Support\"\n");
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    let fake = desk.fake.clone();
    fake.add_user(UserSpec::new(ACME, "Acme Support").username("acme_support")).expect("Acme");
    fake.add_user(UserSpec::new(OTHER, "Olga")).expect("Olga");
    desk.start_host();

    let id = fake.connect_business(ACME, BusinessRights::read_only()).expect("connects");
    desk.wait("the missing right reported", |world| {
        general_says(world, "@acme_support connected this bot without the right to reply") == 1
    })
    .await;
    desk.wait("the fix named", |world| general_says(world, "Settings → Telegram Business → Chatbots") == 1)
        .await;
    fake.set_business_rights(&id, BusinessRights::full()).expect("rights given");
    desk.wait("the connection confirmed", |world| {
        general_says(world, "@acme_support is connected, with the right to reply") == 1
    })
    .await;
    let other = fake.connect_business(OTHER, BusinessRights::full()).expect("connects");
    desk.wait("an unlisted account told it is not served", |world| {
        general_says(world, "Olga (3002) connected this bot, but desk.yaml `business` does not list it") == 1
    })
    .await;
    fake.set_business_enabled(&id, false).expect("paused");
    desk.wait("the pause reported", |world| {
        general_says(world, "@acme_support paused or disconnected this bot") == 1
    })
    .await;
    desk.wait_store("both connections recorded", |read| {
        let known = read.business_connections().expect("read");
        known.iter().any(|c| c.id == id && !c.enabled && c.can_reply)
            && known.iter().any(|c| c.id == other && c.enabled && c.owner == OTHER)
    })
    .await;

    // While the desk is down the owner turns the bot back on without the right to reply:
    // at start-up the desk asks Telegram about what it knows and reports it.
    desk.stop_host().await;
    fake.set_business_enabled(&id, true).expect("resumed");
    fake.set_business_rights(&id, BusinessRights::read_only()).expect("right taken");
    fake.inspect(|world| assert!(world.pending_updates() > 0));
    // The updates of the change are lost, as when they are older than Telegram keeps them.
    fake.drop_pending_updates();
    desk.start_host();
    desk.wait("the start-up refresh reported the missing right", |world| {
        general_says(world, "@acme_support connected this bot without the right to reply") == 2
    })
    .await;
    let asked = fake.inspect(|world| world.count_calls("getBusinessConnection", 200));
    assert!(asked >= 2, "each known connection asked at start-up: {asked}");
    let said = fake.inspect(|world| from_bot(world, STAFF).len());
    desk.finish().await;
    assert!(said >= 5);
}

/// Connects `ACME` (listed in desk.yaml) with full rights and waits for General to confirm it.
async fn acme_connected(customers: usize) -> (Desk, String) {
    acme_connected_with(customers, "", BusinessRights::full()).await
}

/// `acme_connected` with more settings for the account's desk.yaml entry (`extra`, lines of
/// it) and the rights the connection gives.
async fn acme_connected_with(customers: usize, extra: &str, rights: BusinessRights) -> (Desk, String) {
    let mut desk = Desk::prepare(Setup { customers, budget_scale: None }).await;
    let desk_yaml = desk.options.rules.join("desk.yaml");
    let mut text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    text.push_str("business:\n  - account: \"@acme_support\"\n");
    text.push_str(extra);
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    desk.fake.add_user(UserSpec::new(ACME, "Acme Support").username("acme_support")).expect("Acme");
    desk.start_host();
    let id = desk.fake.connect_business(ACME, rights).expect("connects");
    desk.wait("the connection confirmed", |world| {
        general_says(world, "@acme_support is connected, with the right to reply") == 1
    })
    .await;
    (desk, id)
}

/// What the customer sees in their chat with the account from the bot (shown from the owner).
fn from_desk_in_business<'w>(world: &'w World, id: &str, customer: &Customer) -> Vec<&'w FakeMessage> {
    let bot = world.bot_id();
    let messages = world.business_messages(id, customer.id).into_iter();
    messages.filter(|m| m.sender_business_bot == Some(bot) && m.from == ACME).collect()
}

/// Presses the button labelled `label` on the newest message through the account offering it.
async fn press_in_business(desk: &Desk, id: &str, customer: &Customer, label: &str) {
    let found = desk
        .fake
        .wait_for(PATIENCE, |world| {
            from_desk_in_business(world, id, customer).into_iter().rev().find_map(|m| button(m, label))
        })
        .await;
    let (message_id, data) = found.unwrap_or_else(|_| panic!("a button {label:?} in the business chat"));
    desk.fake.press_business_button(id, customer.id, message_id, &data).expect("pressed");
}

/// Waits for the desk to ask `prompt` through the account, then the customer writes `text`.
async fn answer_in_business(desk: &Desk, id: &str, customer: &Customer, prompt: &str, text: &str) {
    desk.wait(&format!("the prompt {prompt:?} through the account"), |world| {
        from_desk_in_business(world, id, customer).iter().any(|m| has_text(m, prompt))
    })
    .await;
    desk.fake.customer_writes_to_business(id, customer.id, Draft::text(text)).expect("writes");
}

/// A customer who writes to the account fills the shipped support form there, through the
/// account; the ticket's topic opens with its card; returns the topic's thread id.
async fn open_ticket_in_business(desk: &Desk, id: &str, customer: &Customer) -> i32 {
    desk.fake.customer_writes_to_business(id, customer.id, Draft::text("Hello!")).expect("writes");
    press_in_business(desk, id, customer, "Contact support").await;
    press_in_business(desk, id, customer, "Technical problem").await;
    press_in_business(desk, id, customer, "Normal").await;
    let description = format!("{} cannot export to CSV.", customer.name);
    answer_in_business(desk, id, customer, "Describe the problem", &description).await;
    press_in_business(desk, id, customer, "I still need help").await;
    answer_in_business(desk, id, customer, "A screenshot helps", "/skip").await;
    press_in_business(desk, id, customer, "Submit").await;
    let found = desk
        .fake
        .wait_for(PATIENCE, |world| {
            let thread = topic_of(world, customer)?;
            let confirmed =
                from_desk_in_business(world, id, customer).iter().any(|m| has_text(m, "is registered as"));
            (card_in(world, thread).is_some() && confirmed).then_some(thread)
        })
        .await;
    found.unwrap_or_else(|_| panic!("{}'s topic, card and confirmation", customer.name))
}

/// A customer writes to the company's account and goes through the intake form there (its
/// buttons work in the business chat); the topic opens. Messages go both ways: the customer's
/// text and photo are sent again into the topic (a business message cannot be copied), the
/// agent's text and photo reach the customer through the account, shown from it; nothing
/// reaches the customer's chat with the bot and no copy is tried into the business chat. The
/// owner answering from their own app is mirrored into the topic as answered from the account
/// and counts as the first response. The customer's edit is mirrored and a deletion noted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_of_the_business_account_gets_a_ticket_and_answers_through_it() {
    let (desk, id) = acme_connected(1).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;

    let still = desk
        .fake
        .customer_writes_to_business(&id, ann.id, Draft::text("Still broken today"))
        .expect("writes");
    desk.fake.customer_writes_to_business(&id, ann.id, Draft::photo().caption("the error")).expect("writes");
    desk.wait("the customer's text and photo in the topic", |world| {
        let posts = bot_posts(world, thread);
        posts.iter().any(|m| has_text(m, "Still broken today"))
            && posts.iter().any(|m| m.content.kind() == "photo" && has_text(m, "the error"))
    })
    .await;

    desk.fake.send_as(DANA, STAFF, Draft::text("Try the new export, please").in_topic(thread)).expect("Dana");
    desk.fake.send_as(DANA, STAFF, Draft::photo().caption("like this").in_topic(thread)).expect("Dana");
    desk.wait("Dana's text and photo through the account", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        seen.iter().any(|m| has_text(m, "Try the new export, please"))
            && seen.iter().any(|m| m.content.kind() == "photo" && has_text(m, "like this"))
    })
    .await;

    // The customer's edit and deletion are mirrored: the copy edited, a note on the copy.
    desk.fake.customer_edits_in_business(&id, ann.id, still, "Still broken, since Monday").expect("edits");
    desk.wait("the edit mirrored", |world| topic_says(world, thread, "Still broken, since Monday") == 1)
        .await;
    desk.fake.customer_deletes_in_business(&id, ann.id, &[still]).expect("deletes");
    desk.wait("the deletion noted on the copy", |world| {
        let posts = bot_posts(world, thread);
        let copy = posts.iter().find(|m| has_text(m, "Still broken, since Monday")).map(|m| m.message_id);
        posts.iter().any(|m| has_text(m, "The customer deleted this message") && m.reply_to == copy)
    })
    .await;

    // Albums both ways go as albums: sent again by sendMediaGroup.
    let album = vec![Draft::photo().caption("front"), Draft::photo()];
    desk.fake.customer_album_to_business(&id, ann.id, album).expect("album");
    desk.wait("the customer's album in the topic, as one album", |world| {
        let posts = bot_posts(world, thread);
        let front = posts.iter().find(|m| has_text(m, "front") && m.content.kind() == "photo");
        front.and_then(|m| m.media_group_id.clone()).is_some_and(|group| {
            posts.iter().filter(|m| m.media_group_id.as_deref() == Some(group.as_str())).count() == 2
        })
    })
    .await;
    let album = vec![Draft::photo().caption("step one").in_topic(thread), Draft::photo().in_topic(thread)];
    desk.fake.send_album_as(DANA, STAFF, album).expect("Dana's album");
    desk.wait("Dana's album through the account, as one album", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let first = seen.iter().find(|m| has_text(m, "step one") && m.content.kind() == "photo");
        first.and_then(|m| m.media_group_id.clone()).is_some_and(|group| {
            seen.iter().filter(|m| m.media_group_id.as_deref() == Some(group.as_str())).count() == 2
        })
    })
    .await;

    desk.fake.owner_writes_in_business(&id, ann.id, Draft::text("Anything else I can do?")).expect("owner");
    desk.wait("the owner's answer mirrored", |world| {
        bot_posts(world, thread)
            .iter()
            .any(|m| has_text(m, "↩ Answered from the account @acme_support:\nAnything else I can do?"))
    })
    .await;
    desk.wait_store("the owner's answer in history, by the account", |read| {
        let Some(&ticket) = read.tickets_of_customer(ann.id).expect("tickets").last() else { return false };
        read.history(ticket).expect("history").iter().any(|entry| {
            entry.actor == Actor::Agent(ACME)
                && matches!(&entry.kind, EntryKind::AgentReply { text } if text == "Anything else I can do?")
        })
    })
    .await;
    desk.fake.inspect(|world| {
        assert!(from_bot(world, ann.chat()).is_empty(), "nothing in the customer's chat with the bot");
        assert_eq!(world.count_calls("copyMessage", 400), 0, "no copy tried into a business chat");
    });
    desk.finish().await;
}

/// A voice message, a round video, a location and a contact from the customer arrive in the
/// topic as themselves (the same file, the same place, the same person), not as a label; a
/// sticker and a voice message from the agent reach the customer through the account as
/// themselves too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_places_stickers_and_contacts_go_as_themselves_both_ways() {
    let (desk, id) = acme_connected(1).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    let fake = &desk.fake;
    let voice =
        fake.customer_writes_to_business(&id, ann.id, Draft::voice(7).caption("listen")).expect("voice");
    let note = fake.customer_writes_to_business(&id, ann.id, Draft::video_note(4)).expect("round video");
    fake.customer_writes_to_business(&id, ann.id, Draft::location(52.52, 13.405)).expect("location");
    fake.customer_writes_to_business(&id, ann.id, Draft::full_contact("+4930123", "Carl", "Berg"))
        .expect("contact");
    let file_of = |message_id: i32| {
        fake.inspect(|world| {
            let sent = world.business_messages(&id, ann.id).into_iter().find(|m| m.message_id == message_id);
            sent.and_then(|m| m.content.file_id()).expect("a file").to_owned()
        })
    };
    let (voice_file, note_file) = (file_of(voice), file_of(note));
    desk.wait("the customer's voice, round video, location and contact in the topic", |world| {
        let posts = bot_posts(world, thread);
        let has = |wanted: &dyn Fn(&FakeMessage) -> bool| posts.iter().any(|m| wanted(m));
        has(&|m| {
            matches!(&m.content, Content::Voice { file_id, .. } if *file_id == voice_file)
                && has_text(m, "listen")
        }) && has(&|m| matches!(&m.content, Content::VideoNote { file_id, .. } if *file_id == note_file))
            && has(&|m| m.content == Content::Location { latitude: 52.52, longitude: 13.405 })
            && has(&|m| {
                m.content
                    == Content::Contact {
                        phone_number: "+4930123".to_owned(),
                        first_name: "Carl".to_owned(),
                        last_name: Some("Berg".to_owned()),
                    }
            })
    })
    .await;

    let sticker = fake.send_as(DANA, STAFF, Draft::sticker("👍").in_topic(thread)).expect("Dana's sticker");
    let answer =
        fake.send_as(DANA, STAFF, Draft::voice(3).caption("as promised").in_topic(thread)).expect("Dana");
    let file_in_staff = |message_id: i32| {
        fake.inspect(|world| {
            let sent = world.messages(STAFF).into_iter().find(|m| m.message_id == message_id);
            sent.and_then(|m| m.content.file_id()).expect("a file").to_owned()
        })
    };
    let (sticker_file, answer_file) = (file_in_staff(sticker), file_in_staff(answer));
    desk.wait("Dana's sticker and voice message through the account", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        seen.iter()
            .any(|m| matches!(&m.content, Content::Sticker { file_id, .. } if *file_id == sticker_file))
            && seen.iter().any(|m| {
                matches!(&m.content, Content::Voice { file_id, .. } if *file_id == answer_file)
                    && has_text(m, "as promised")
            })
    })
    .await;
    fake.inspect(|world| {
        let labels = ["[voice message]", "[video message]", "[location]", "[contact]", "[sticker]"];
        let posts = bot_posts(world, thread);
        let seen = from_desk_in_business(world, &id, &ann);
        for label in labels {
            assert!(!posts.iter().chain(&seen).any(|m| has_text(m, label)), "no {label} label sent");
        }
    });

    // The owner answers from their app with a location and a photo whose caption leaves no
    // room for the heading within Telegram's 1,024: the heading goes before each, alone.
    let heading = "↩ Answered from the account @acme_support:";
    fake.owner_writes_in_business(&id, ann.id, Draft::location(48.1, 11.6)).expect("owner's location");
    let caption = format!("{} end", "word ".repeat(199));
    fake.owner_writes_in_business(&id, ann.id, Draft::photo().caption(caption.clone()))
        .expect("owner's photo");
    desk.wait("the owner's location and photo mirrored, each after its heading", |world| {
        let posts = bot_posts(world, thread);
        let at = |wanted: &dyn Fn(&FakeMessage) -> bool| posts.iter().position(|m| wanted(m));
        let headings: Vec<usize> =
            (0..posts.len()).filter(|&at| posts[at].text.as_deref() == Some(heading)).collect();
        let place = at(&|m| m.content == Content::Location { latitude: 48.1, longitude: 11.6 });
        let photo = at(&|m| m.content.kind() == "photo" && m.text.as_deref() == Some(caption.as_str()));
        match (headings.as_slice(), place, photo) {
            ([first, second], Some(place), Some(photo)) => place == first + 1 && photo == second + 1,
            _ => false,
        }
    })
    .await;
    desk.finish().await;
}

/// The bot's messages in the topic with `needle`.
fn topic_says(world: &World, thread: i32, needle: &str) -> usize {
    bot_posts(world, thread).iter().filter(|m| has_text(m, needle)).count()
}

/// Telegram's 24-hour rule: after a day of the customer's silence the agent's replies cannot
/// go through the account. They are not dropped: they wait, the topic is told why once, and
/// they go out in order when the customer writes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_after_a_day_of_silence_waits_and_goes_when_the_customer_writes() {
    let (desk, id) = acme_connected(1).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    desk.fake.advance_clock(std::time::Duration::from_hours(25));
    desk.fake.send_as(DANA, STAFF, Draft::text("Sorry for the wait").in_topic(thread)).expect("Dana");
    let why =
        "Not delivered yet, and kept: Telegram lets a business account's bot answer only within 24 hours";
    desk.wait("the topic told why the reply waits", |world| topic_says(world, thread, why) == 1).await;
    desk.fake.send_as(DANA, STAFF, Draft::text("Here is the fix").in_topic(thread)).expect("Dana");
    desk.wait_store("both replies held", |read| read.held(ann.id).expect("held").len() == 2).await;
    desk.fake.inspect(|world| {
        let seen = from_desk_in_business(world, &id, &ann);
        assert!(!seen.iter().any(|m| has_text(m, "Sorry for the wait") || has_text(m, "Here is the fix")));
        assert_eq!(topic_says(world, thread, why), 1, "told once");
    });

    desk.fake.customer_writes_to_business(&id, ann.id, Draft::text("Hello? Anyone?")).expect("writes");
    desk.wait("both replies through the account, in order", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let at = |needle| seen.iter().position(|m| has_text(m, needle));
        matches!((at("Sorry for the wait"), at("Here is the fix")), (Some(a), Some(b)) if a < b)
    })
    .await;
    desk.wait("the topic told they went", |world| {
        topic_says(world, thread, "The customer wrote again: 2 waiting replies are on the way.") == 1
            && topic_says(world, thread, "Hello? Anyone?") == 1
    })
    .await;
    desk.wait_store("nothing held any more", |read| read.held(ann.id).expect("held").is_empty()).await;
    desk.finish().await;
}

/// A reply held for the customer's silence stays held when the account pauses the bot and
/// turns it on again: it is not tried again into Telegram's refusal, and the topic is told
/// why once; it goes when the customer writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_held_for_silence_is_told_once_across_a_pause() {
    let (desk, id) = acme_connected(1).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    desk.fake.advance_clock(std::time::Duration::from_hours(25));
    desk.fake.send_as(DANA, STAFF, Draft::text("Sorry for the wait").in_topic(thread)).expect("Dana");
    let why = "Not delivered yet, and kept:";
    desk.wait("the topic told why the reply waits", |world| topic_says(world, thread, why) == 1).await;
    desk.wait_store("the reply held", |read| read.held(ann.id).expect("held").len() == 1).await;
    let refused = |world: &World| world.count_calls("sendMessage", 400);
    let refusals = desk.fake.inspect(refused);
    desk.fake.set_business_enabled(&id, false).expect("paused");
    desk.fake.set_business_enabled(&id, true).expect("resumed");
    desk.wait("the connection confirmed again", |world| {
        general_says(world, "@acme_support is connected, with the right to reply") == 2
    })
    .await;
    desk.fake.send_as(DANA, STAFF, Draft::text("One more thing").in_topic(thread)).expect("Dana");
    desk.wait_store("both replies held", |read| read.held(ann.id).expect("held").len() == 2).await;
    desk.fake.inspect(|world| {
        assert_eq!(topic_says(world, thread, why), 1, "told once");
        assert_eq!(topic_says(world, thread, "waiting reply"), 0, "nothing said to go");
        // Only the new reply was refused: the held one was not tried again.
        assert_eq!(refused(world), refusals + 1);
    });
    desk.fake.customer_writes_to_business(&id, ann.id, Draft::text("Hello?")).expect("writes");
    desk.wait("both replies through the account, in order", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let at = |needle| seen.iter().position(|m| has_text(m, needle));
        matches!((at("Sorry for the wait"), at("One more thing")), (Some(a), Some(b)) if a < b)
    })
    .await;
    desk.finish().await;
}

/// The account pauses the bot: a customer's message no longer reaches the desk (no intake, no
/// topic), and a reply to a customer with a ticket waits (the topic told why) instead of being
/// lost; when the account turns the bot on again, it goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_connection_stops_intake_and_keeps_what_was_queued() {
    let (desk, id) = acme_connected(2).await;
    let (ann, bob) = (desk.customers[0].clone(), desk.customers[1].clone());
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    desk.fake.set_business_enabled(&id, false).expect("paused");
    desk.wait("the pause reported", |world| {
        general_says(world, "@acme_support paused or disconnected this bot") == 1
    })
    .await;
    desk.fake.send_as(DANA, STAFF, Draft::text("We found it").in_topic(thread)).expect("Dana");
    let why =
        "Not delivered yet, and kept: the business account @acme_support paused or disconnected this bot";
    desk.wait("the topic told why the reply waits", |world| topic_says(world, thread, why) == 1).await;
    desk.fake.customer_writes_to_business(&id, bob.id, Draft::text("Hi, I need help")).expect("writes");

    desk.fake.set_business_enabled(&id, true).expect("resumed");
    desk.wait("the held reply through the account", |world| {
        from_desk_in_business(world, &id, &ann).iter().any(|m| has_text(m, "We found it"))
    })
    .await;
    desk.wait("the topic told it went", |world| {
        topic_says(world, thread, "lets this bot reply again: 1 waiting reply is on the way.") == 1
    })
    .await;
    desk.fake.inspect(|world| {
        assert!(topic_of(world, &bob).is_none(), "no ticket from a message while paused");
        assert!(from_desk_in_business(world, &id, &bob).is_empty(), "no intake while paused");
    });
    desk.finish().await;
}

/// One desk, one staff group: a customer of the bot and a customer of the business account,
/// each answered through their own door and never the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_chat_and_a_business_account_are_served_at_once() {
    let (desk, id) = acme_connected(2).await;
    let (ann, bob) = (desk.customers[0].clone(), desk.customers[1].clone());
    let ann_thread = super::harness::open_ticket(&desk.fake, &ann).await;
    let bob_thread = open_ticket_in_business(&desk, &id, &bob).await;
    assert_ne!(ann_thread, bob_thread);
    desk.fake.send_as(DANA, STAFF, Draft::text("For Ann, in the bot").in_topic(ann_thread)).expect("Dana");
    desk.fake.send_as(DANA, STAFF, Draft::text("For Bob, from Acme").in_topic(bob_thread)).expect("Dana");
    desk.wait("each answer in its own chat", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, "For Ann, in the bot"))
            && from_desk_in_business(world, &id, &bob).iter().any(|m| has_text(m, "For Bob, from Acme"))
    })
    .await;
    desk.fake.user_sends(ann.id, Draft::text("Ann via the bot")).expect("Ann");
    desk.fake.customer_writes_to_business(&id, bob.id, Draft::text("Bob via Acme")).expect("Bob");
    desk.wait("each customer's message in their own topic", |world| {
        topic_says(world, ann_thread, "Ann via the bot") == 1
            && topic_says(world, bob_thread, "Bob via Acme") == 1
    })
    .await;
    desk.fake.inspect(|world| {
        assert!(from_bot(world, bob.chat()).is_empty(), "Bob never hears from the bot itself");
        assert!(world.business_messages(&id, ann.id).is_empty(), "Ann never hears from the account");
        assert_eq!(topic_says(world, ann_thread, "Bob via Acme"), 0);
    });
    desk.finish().await;
}

/// The intake's prompts in the business chat lose their buttons once pressed, and an agent's
/// edit of a reply reaches the customer: the desk edits its own messages there through the
/// account (`business_connection_id` on the edit methods), never in the customer's chat with
/// the bot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressed_prompts_lose_their_buttons_and_an_agents_edit_reaches_the_business_customer() {
    let (desk, id) = acme_connected(1).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    desk.wait("the pressed prompts' buttons gone", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let offered = |m: &&&FakeMessage| {
            m.edits.iter().any(|edit| {
                edit.reply_markup
                    .as_ref()
                    .is_some_and(|markup| markup.to_string().contains("Contact support"))
            })
        };
        let first = seen.iter().find(offered);
        first.is_some_and(|prompt| button(prompt, "Contact support").is_none() && prompt.edit_date.is_some())
            && seen.iter().all(|m| button(m, "Submit").is_none())
    })
    .await;

    let reply =
        desk.fake.send_as(DANA, STAFF, Draft::text("Try the export tab").in_topic(thread)).expect("Dana");
    desk.wait("Dana's reply through the account", |world| {
        from_desk_in_business(world, &id, &ann).iter().any(|m| has_text(m, "Try the export tab"))
    })
    .await;
    desk.wait_store("the reply's copy recorded", |read| {
        read.counterparts((STAFF, reply)).expect("read").iter().any(|(chat, _)| *chat == ann.id as i64)
    })
    .await;
    desk.fake.edit_as(DANA, STAFF, reply, "Try the export tab, then Save as CSV").expect("Dana edits");
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    desk.wait("the edit through the account", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let edited = seen.iter().find(|m| m.edit_date.is_some() && has_text(m, "Try the export tab"));
        edited.is_some_and(|m| m.text.as_deref() == Some("Try the export tab, then Save as CSV"))
    })
    .await;
    desk.fake.inspect(|world| {
        assert!(from_bot(world, ann.chat()).is_empty(), "nothing in the customer's chat with the bot");
        // An intake prompt may be told to drop its buttons twice (the press, then the step
        // after it), as in the bot's chats: Telegram's "not modified" is that, not a refusal.
        let refused: Vec<_> = world
            .calls()
            .iter()
            .filter(|call| {
                call.method.starts_with("editMessage")
                    && call.description.as_ref().is_some_and(|text| !text.contains("message is not modified"))
            })
            .map(|call| (&call.method, &call.params, &call.description))
            .collect();
        assert!(refused.is_empty(), "no edit refused: {refused:?}");
    });

    // An edit made while Telegram holds the reply back (a storm of 429s), before its copy
    // is known: the reply goes through the account with the words it was written with, and
    // the edit, which waited behind it, is made to it.
    desk.fake.rate_limit_storm(std::time::Duration::from_secs(3));
    let held = desk.fake.send_as(DANA, STAFF, Draft::text("Restart the app").in_topic(thread)).expect("Dana");
    desk.fake.edit_as(DANA, STAFF, held, "Restart the app, then sign in again").expect("Dana edits at once");
    desk.wait("the reply written in the storm, edited through the account", |world| {
        let seen = from_desk_in_business(world, &id, &ann);
        let replies: Vec<_> = seen.iter().filter(|m| has_text(m, "Restart the app")).collect();
        replies.len() == 1 && replies[0].text.as_deref() == Some("Restart the app, then sign in again")
    })
    .await;
    desk.finish().await;
}

/// desk.yaml `mark_read: true`: the customer's latest message is marked read in their chat
/// with the account when an agent answers in the topic, not before; with the switch off it
/// stays unread though the reply goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_reply_marks_the_customers_messages_read_only_with_mark_read_on() {
    for mark_read in [true, false] {
        let extra = format!("    mark_read: {mark_read}\n");
        let (desk, id) = acme_connected_with(1, &extra, BusinessRights::full()).await;
        let ann = desk.customers[0].clone();
        let thread = open_ticket_in_business(&desk, &id, &ann).await;
        let latest =
            desk.fake.customer_writes_to_business(&id, ann.id, Draft::text("Any news?")).expect("writes");
        desk.wait("the customer's message in the topic", |world| topic_says(world, thread, "Any news?") == 1)
            .await;
        desk.fake.inspect(|world| {
            assert!(!world.business_read(&id, ann.id, latest), "unread before an agent answers");
        });
        desk.fake.send_as(DANA, STAFF, Draft::text("Looking at it now").in_topic(thread)).expect("Dana");
        desk.wait("Dana's reply through the account", |world| {
            from_desk_in_business(world, &id, &ann).iter().any(|m| has_text(m, "Looking at it now"))
        })
        .await;
        if mark_read {
            desk.wait("the customer's message read", |world| world.business_read(&id, ann.id, latest)).await;
            // Read up to it: the first message of the chat is read too, by the one call.
            desk.fake.inspect(|world| {
                let first = world.business_messages(&id, ann.id)[0].message_id;
                assert!(world.business_read(&id, ann.id, first), "an earlier message read too");
                assert_eq!(world.count_calls("readBusinessMessage", 200), 1);
            });
        } else {
            // Whatever the desk would queue after the reply goes in the customer chat's order:
            // a later message through the account shows the read would have gone by now.
            desk.fake.send_as(DANA, STAFF, Draft::text("One more thing").in_topic(thread)).expect("Dana");
            desk.wait("Dana's second reply through the account", |world| {
                from_desk_in_business(world, &id, &ann).iter().any(|m| has_text(m, "One more thing"))
            })
            .await;
            desk.fake.inspect(|world| {
                assert!(!world.business_read(&id, ann.id, latest), "stays unread with the switch off");
                assert_eq!(world.count_calls("readBusinessMessage", 200), 0);
            });
        }
        desk.finish().await;
    }
}

/// A connection without the right to read messages: with `mark_read: true` General is told
/// once how to give it, however many replies go out, and Telegram is never asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_may_not_read_is_told_once_and_never_asked() {
    let rights = BusinessRights { can_reply: true, can_read_messages: false };
    let (desk, id) = acme_connected_with(1, "    mark_read: true\n", rights).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket_in_business(&desk, &id, &ann).await;
    for (said, reply) in [("Any news?", "Looking at it"), ("And now?", "Almost there")] {
        desk.fake.customer_writes_to_business(&id, ann.id, Draft::text(said)).expect("writes");
        desk.wait("the customer's message in the topic", |world| topic_says(world, thread, said) == 1).await;
        desk.fake.send_as(DANA, STAFF, Draft::text(reply).in_topic(thread)).expect("Dana");
        desk.wait("Dana's reply through the account", |world| {
            from_desk_in_business(world, &id, &ann).iter().any(|m| has_text(m, reply))
        })
        .await;
    }
    desk.wait("General told how to let the bot read", |world| {
        general_says(world, "@acme_support does not let this bot read messages") == 1
    })
    .await;
    desk.fake.inspect(|world| {
        assert_eq!(general_says(world, "does not let this bot read messages"), 1);
        assert_eq!(world.count_calls("readBusinessMessage", 200), 0);
        assert_eq!(world.count_calls("readBusinessMessage", 403), 0);
    });
    desk.finish().await;
}

/// The account's own forum: desk.yaml's second staff group.
const ACME_GROUP: i64 = -1_009_000_000_077;

/// A business account's customers get its staff group: the account offers its own form
/// (desk.yaml `business[].forms`, a form the bot's own customers are not offered) and the
/// group takes that form (`staff_groups[].forms`).
/// Bob, writing to the account, gets a topic in the account's forum; Ann, writing to the bot,
/// in the desk's; replies go both ways through each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_accounts_customers_get_its_own_staff_group() {
    let mut desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    let rules = desk.options.rules.clone();
    let desk_yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("desk.yaml");
    let groups = "staff_groups:
  - { name: acme, chat: -1009000000077, forms: [acme] }
  - { name: support, chat: -1001234567890 }";
    let mut text: String = desk_yaml
        .lines()
        .map(|line| if line.starts_with("staff_chat:") { groups } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    text.push_str("\nbusiness:\n  - account: \"@acme_support\"\n    forms: [acme]\n");
    std::fs::write(rules.join("desk.yaml"), text).expect("desk.yaml written");
    let form = "id: acme\ntitle: Acme orders\nfields:\n  - id: description\n    prompt: What about your order?\n    type: text\n";
    std::fs::write(rules.join("forms/acme.yaml"), form).expect("the account's form");
    desk.options.staff_chat = None;
    desk.fake
        .add_group(topicdesk::fakegram::GroupSpec::staff_forum(ACME_GROUP).member(DANA, MemberRole::Member))
        .expect("the account's forum");
    desk.fake.add_user(UserSpec::new(ACME, "Acme Support").username("acme_support")).expect("Acme");
    desk.start_host();
    let id = desk.fake.connect_business(ACME, BusinessRights::full()).expect("connects");
    // Desk-wide notices go to the first group's General: here the account's forum.
    desk.wait("the connection confirmed", |world| {
        world.thread_messages(ACME_GROUP, Thread::General).into_iter().any(|m| {
            m.from == world.bot_id() && has_text(m, "@acme_support is connected, with the right to reply")
        })
    })
    .await;
    let (ann, bob) = (desk.customers[0].clone(), desk.customers[1].clone());

    let ann_thread = super::harness::open_ticket(&desk.fake, &ann).await;
    desk.fake.customer_writes_to_business(&id, bob.id, Draft::text("Hello!")).expect("writes");
    answer_in_business(&desk, &id, &bob, "What about your order?", "Order 17 came without its cable.").await;
    press_in_business(&desk, &id, &bob, "Submit").await;
    let in_acme = |world: &World, customer: &Customer| {
        let suffix = format!("· {}", customer.name);
        world.topics(ACME_GROUP).into_iter().find(|t| t.name.ends_with(&suffix)).map(|t| t.thread_id)
    };
    let bob_thread = desk
        .fake
        .wait_for(PATIENCE, |world| {
            let thread = in_acme(world, &bob)?;
            let card = world
                .thread_messages(ACME_GROUP, Thread::Topic(thread))
                .into_iter()
                .any(|m| m.reply_markup.is_some() && has_text(m, "Priority:"));
            card.then_some(thread)
        })
        .await
        .expect("Bob's topic and card in the account's forum");
    desk.fake.inspect(|world| {
        assert!(topic_of(world, &bob).is_none(), "Bob's ticket is not in the desk's forum");
        assert!(in_acme(world, &ann).is_none(), "Ann's ticket is not in the account's forum");
        assert!(card_in(world, ann_thread).is_some());
    });
    desk.fake
        .send_as(DANA, ACME_GROUP, Draft::text("A cable is on its way.").in_topic(bob_thread))
        .expect("Dana answers in the account's forum");
    desk.wait("the answer through the account", |world| {
        from_desk_in_business(world, &id, &bob).iter().any(|m| has_text(m, "A cable is on its way."))
    })
    .await;
    desk.fake.customer_writes_to_business(&id, bob.id, Draft::text("Thanks!")).expect("Bob");
    desk.wait("Bob's thanks in his topic", |world| {
        world
            .thread_messages(ACME_GROUP, Thread::Topic(bob_thread))
            .into_iter()
            .any(|m| has_text(m, "Thanks!"))
    })
    .await;
    desk.finish().await;
}

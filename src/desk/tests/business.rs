//! Telegram Business customers on the desk: only a served connection with the right to reply
//! lets them in; their door is recorded and everything to them and from them that cannot be
//! copied is sent again; a message to the bot itself takes the door away; replies Telegram
//! holds back wait, told once, and go when the customer writes again.

use super::*;
use crate::business::BusinessConnection;
use crate::history::{Actor, EntryKind};
use crate::outbox::{Content, HeldWhy, Outgoing};

const ACME: u64 = 3_001;

fn world_serving_acme(keep: Keep) -> (World, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::demo::write_default_rules(dir.path()).expect("write rules");
    let desk_yaml = dir.path().join("desk.yaml");
    let mut text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    text.push_str("business:\n  - account: \"@acme_support\"\n");
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    (World::with_rules(dir.path(), keep), dir)
}

/// `world_serving_acme` with `extra` lines under the account's desk.yaml entry, and routing
/// that assigns no one.
fn world_serving_acme_with(keep: Keep, extra: &str) -> (World, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::demo::write_default_rules(dir.path()).expect("write rules");
    let desk_yaml = dir.path().join("desk.yaml");
    let mut text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    text.push_str("business:\n  - account: \"@acme_support\"\n");
    text.push_str(extra);
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    // Nobody is routed a ticket: who takes it is what the tests look at.
    std::fs::write(dir.path().join("routing.rhai"), "fn route(ticket, team) { () }\n").expect("routing");
    (World::with_rules(dir.path(), keep), dir)
}

fn acme(can_reply: bool, enabled: bool) -> Event {
    Event::BusinessConnection(BusinessConnection {
        id: "bc1".to_owned(),
        owner: ACME,
        owner_username: Some("acme_support".to_owned()),
        owner_name: "Acme Support".to_owned(),
        can_reply,
        can_read_messages: true,
        enabled,
    })
}

fn bold() -> serde_json::Value {
    serde_json::json!({ "type": "bold", "offset": 0, "length": 4 })
}

fn through_acme(customer: u64, message_id: i32, text: &str) -> BusinessMessage {
    let Event::Customer(message) = customer_says(customer, message_id, text) else { unreachable!() };
    BusinessMessage { connection: "bc1".to_owned(), message, entities: vec![bold()] }
}

fn outbox(world: &World) -> Vec<Outgoing> {
    match &*world.kept.borrow() {
        Kept::Memory(state) => state.outbox().iter().map(|(_, outgoing)| outgoing.clone()).collect(),
        Kept::Store { store, .. } => {
            let page = store.read().expect("read").outbox(1_000).expect("outbox");
            page.into_iter().map(|(_, outgoing)| outgoing.expect("decodes")).collect()
        }
    }
}

fn door(world: &World, customer: u64) -> Option<String> {
    world.read(|state| state.door(customer))
}

#[test]
fn only_a_served_connection_that_can_reply_lets_a_customer_in() {
    let (mut world, _dir) = world_serving_acme(Keep::Memory);
    world.event(&acme(false, true));
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 5, "Hello")));
    assert!(outbox(&world).is_empty(), "no answer without the right to reply");
    assert_eq!(door(&world, 42), None);
    world.event(&acme(true, false));
    world.event(&Event::BusinessCustomer(through_acme(42, 6, "Hello")));
    world.send_all();
    assert_eq!(door(&world, 42), None, "paused: not let in");
    world.event(&acme(true, true));
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 7, "Hello")));
    assert_eq!(door(&world, 42).as_deref(), Some("bc1"));
    let prompt = outbox(&world);
    assert!(
        prompt.iter().any(|o| matches!(&o.call, Call::SendText { to: Target::Chat { chat_id: 42 }, .. })),
        "the intake dialogue answers the customer: {prompt:?}"
    );
}

#[test]
fn a_business_customer_gets_no_copies_and_a_message_to_the_bot_takes_the_door_away() {
    for keep in [Keep::Memory, Keep::Store] {
        let (mut world, _dir) = world_serving_acme(keep);
        world.event(&acme(true, true));
        world.send_all();
        let ticket = world.open(42, &[("category", "technical")]);
        world.send_all();
        world.event(&Event::BusinessCustomer(through_acme(42, 7, "Help me")));
        let into_topic = outbox(&world);
        let expected =
            Content { text: Some("Help me".to_owned()), entities: vec![bold()], file: None, single: None };
        assert!(
            into_topic.iter().any(|o| matches!(&o.call,
                Call::Resend { to: Target::Topic { ticket: t }, parts, .. } if *t == ticket && parts == std::slice::from_ref(&expected))),
            "sent again into the topic, formatting kept: {into_topic:?}"
        );
        world.send_all();
        world.event(&staff_says(DANA, 11, 60, "On it"));
        let to_customer = outbox(&world);
        assert!(
            to_customer
                .iter()
                .any(|o| matches!(&o.call, Call::Resend { to: Target::Chat { chat_id: 42 }, .. })),
            "{to_customer:?}"
        );
        assert!(!to_customer.iter().any(|o| matches!(&o.call, Call::Copy { .. })), "{to_customer:?}");
        world.send_all();
        world.event(&customer_says(42, 8, "Now from the bot"));
        assert_eq!(door(&world, 42), None);
        world.send_all();
        world.event(&staff_says(DANA, 11, 61, "Copied"));
        let copied = outbox(&world);
        assert!(copied.iter().any(|o| matches!(&o.call, Call::Copy { .. })), "{copied:?}");
    }
}

#[test]
fn held_replies_are_told_once_and_go_in_order_when_the_customer_writes() {
    let (mut world, _dir) = world_serving_acme(Keep::Memory);
    world.event(&acme(true, true));
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 5, "Hello")));
    world.send_all();
    let ticket = world.open(42, &[("category", "technical")]);
    world.send_all();
    let reply = |text: &str| Call::SendText {
        to: Target::Chat { chat_id: 42 },
        text: text.to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: None,
    };
    for text in ["first", "second"] {
        let held =
            Delivery::Held { customer: 42, ticket: Some(ticket), why: HeldWhy::Window, call: reply(text) };
        world.event(&Event::Delivered(held));
    }
    let told = world.send_all();
    assert_eq!(told.matches("Not delivered yet, and kept: Telegram lets").count(), 1, "{told}");
    assert!(told.contains("Drop the waiting replies (bh:42)"), "{told}");
    assert_eq!(world.read(|state| state.held(42)).len(), 2);
    world.event(&Event::BusinessCustomer(through_acme(42, 9, "Still there?")));
    assert!(world.read(|state| state.held(42)).is_empty());
    let texts: Vec<String> = outbox(&world)
        .into_iter()
        .filter_map(|o| match o.call {
            Call::SendText { to: Target::Chat { chat_id: 42 }, text, .. } => Some(text),
            _ => None,
        })
        .collect();
    // Released in order, ahead of whatever the customer's new message brings.
    assert_eq!(texts[..2], ["first", "second"], "{texts:?}");
    let said = world.send_all();
    assert!(said.contains("The customer wrote again: 2 waiting replies are on the way."), "{said}");
    // Held again and dropped by a team member's press: nothing goes.
    let held = Delivery::Held { customer: 42, ticket: Some(ticket), why: HeldWhy::Off, call: reply("third") };
    world.event(&Event::Delivered(held));
    world.send_all();
    world.event(&press(STRANGER, 11, "bh:42"));
    assert_eq!(world.read(|state| state.held(42)).len(), 1, "not a team member's press");
    world.event(&press(DANA, 11, "bh:42"));
    assert!(world.read(|state| state.held(42)).is_empty());
    assert!(world.send_all().contains("dropped 1 waiting reply."));
}

/// The account pauses the bot and turns it on again: a reply held for Telegram's 24 hours
/// stays held (it would be refused again, and the topic was told it goes when the customer
/// writes), told once; a reply held for the pause goes.
#[test]
fn replies_held_for_the_customers_silence_stay_held_when_the_bot_is_on_again() {
    for keep in [Keep::Memory, Keep::Store] {
        let (mut world, _dir) = world_serving_acme(keep);
        world.event(&acme(true, true));
        world.send_all();
        world.event(&Event::BusinessCustomer(through_acme(42, 5, "Hello")));
        world.send_all();
        let ticket = world.open(42, &[("category", "technical")]);
        world.send_all();
        let reply = |text: &str| Call::SendText {
            to: Target::Chat { chat_id: 42 },
            text: text.to_owned(),
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        let held = |why, text| {
            Event::Delivered(Delivery::Held { customer: 42, ticket: Some(ticket), why, call: reply(text) })
        };
        world.event(&held(HeldWhy::Window, "after a day"));
        // Later replies refused for the pause wait behind it, for the same thing.
        world.event(&acme(true, false));
        world.event(&held(HeldWhy::Off, "while paused"));
        let told = world.send_all();
        assert_eq!(told.matches("Not delivered yet, and kept:").count(), 1, "{told}");
        assert_eq!(world.read(|state| state.held_why(42)), Some(HeldWhy::Window));
        world.event(&acme(true, true));
        let again = world.send_all();
        assert!(!again.contains("after a day") && !again.contains("Not delivered yet"), "{again}");
        assert!(!again.contains("waiting repl"), "{again}");
        assert_eq!(world.read(|state| state.held(42)).len(), 2, "still held");
        // The customer writes: both go, in order.
        world.event(&Event::BusinessCustomer(through_acme(42, 9, "Still there?")));
        assert!(world.read(|state| state.held(42)).is_empty());
        assert!(world.send_all().contains("The customer wrote again: 2 waiting replies are on the way."));

        // Held for the pause alone: turned on again, it goes.
        world.event(&acme(true, false));
        world.event(&held(HeldWhy::Off, "paused again"));
        world.send_all();
        world.event(&acme(true, true));
        assert!(world.read(|state| state.held(42)).is_empty());
        let said = world.send_all();
        assert!(said.contains("lets this bot reply again: 1 waiting reply is on the way."), "{said}");
    }
}

/// The owner's answer from their app is the account's, unless desk.yaml names the team member
/// behind it (`answered_by`): then it is theirs in history, takes the unassigned ticket (the
/// card shows them), and the topic says who answered.
#[test]
fn an_owners_answer_is_the_member_desk_yaml_names_behind_the_account() {
    for (extra, by, assignee, heading) in [
        ("", ACME, None, "↩ Answered from the account @acme_support:"),
        (
            "    answered_by: \"@dana_support\"\n",
            DANA,
            Some(DANA),
            "↩ Dana answered from the account @acme_support:",
        ),
    ] {
        let (mut world, _dir) = world_serving_acme_with(Keep::Memory, extra);
        world.event(&acme(true, true));
        world.event(&Event::BusinessCustomer(through_acme(42, 5, "Hello")));
        let ticket = world.open(42, &[("category", "technical")]);
        world.send_all();
        world.event(&Event::BusinessOwner(through_acme(42, 8, "On it")));
        let history = world.read(|state| state.history(ticket));
        let reply = history.iter().find(|entry| matches!(&entry.kind, EntryKind::AgentReply { .. }));
        assert_eq!(reply.map(|entry| entry.actor), Some(Actor::Agent(by)), "{extra}");
        let now = world.read(|state| state.ticket(ticket)).expect("the ticket");
        assert_eq!(now.assignee, assignee, "{extra}");
        let said = world.send_all();
        assert!(said.contains(&format!("{heading}\\nOn it")), "{said}");
    }
}

#[test]
fn an_agents_edit_of_a_reply_is_queued_for_its_copy_even_before_the_reply_went() {
    let (mut world, _dir) = world_serving_acme(Keep::Memory);
    world.event(&acme(true, true));
    world.send_all();
    world.open(42, &[("category", "technical")]);
    world.event(&Event::BusinessCustomer(through_acme(42, 7, "Help me")));
    world.send_all();
    // The agent edits at once: the reply's copy is not recorded yet (Telegram has not
    // answered), and the edit must not be lost for it.
    world.event(&staff_says(DANA, 11, 60, "On it"));
    let Event::Staff(mut edited) = staff_says(DANA, 11, 60, "On it, now") else { unreachable!() };
    edited.text = Some("On it, now".to_owned());
    world.event(&Event::StaffEdit(edited));
    let edits = outbox(&world);
    assert!(
        edits.iter().any(|o| matches!(&o.call,
            Call::EditReply { source: (STAFF, 60), chat_id: 42, text, text_message: true } if text == "On it, now")),
        "{edits:?}"
    );
}

fn world_serving_acme_marking_read(keep: Keep, mark_read: bool) -> (World, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::demo::write_default_rules(dir.path()).expect("write rules");
    let desk_yaml = dir.path().join("desk.yaml");
    let text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    let text = format!("{text}business:\n  - account: \"@acme_support\"\n    mark_read: {mark_read}\n");
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    (World::with_rules(dir.path(), keep), dir)
}

fn acme_reading(can_read_messages: bool) -> Event {
    let Event::BusinessConnection(mut connection) = acme(true, true) else { unreachable!() };
    connection.can_read_messages = can_read_messages;
    Event::BusinessConnection(connection)
}

/// The `ReadBusiness` calls queued now, as (chat, message id).
fn reads(world: &World) -> Vec<(i64, i32)> {
    outbox(world)
        .into_iter()
        .filter_map(|o| match o.call {
            Call::ReadBusiness { connection, chat_id, message_id } => {
                assert_eq!(connection, "bc1");
                Some((chat_id, message_id))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_agents_reply_marks_the_business_customers_messages_read_once_when_the_switch_is_on() {
    for keep in [Keep::Memory, Keep::Store] {
        let (mut world, _dir) = world_serving_acme_marking_read(keep, true);
        world.event(&acme(true, true));
        world.send_all();
        world.open(42, &[("category", "technical")]);
        world.send_all();
        world.event(&Event::BusinessCustomer(through_acme(42, 7, "Help me")));
        world.event(&Event::BusinessCustomer(through_acme(42, 8, "Please")));
        world.send_all();
        assert_eq!(reads(&world), [], "nothing read before an agent answers");
        world.event(&staff_says(DANA, 11, 60, "On it"));
        assert_eq!(reads(&world), [(42, 8)], "one read, up to the latest message");
        let sent = world.send_all();
        assert!(sent.contains("ReadBusiness"), "{sent}");
        // A second reply with nothing new from the customer reads nothing again.
        world.event(&staff_says(DANA, 11, 61, "Still on it"));
        assert_eq!(reads(&world), []);
        world.send_all();
        world.event(&Event::BusinessCustomer(through_acme(42, 9, "Thanks")));
        world.send_all();
        world.event(&staff_says(DANA, 11, 62, "Welcome"));
        assert_eq!(reads(&world), [(42, 9)]);
    }
}

#[test]
fn with_the_switch_off_a_business_customers_messages_stay_unread() {
    let (mut world, _dir) = world_serving_acme_marking_read(Keep::Memory, false);
    world.event(&acme(true, true));
    world.send_all();
    world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 7, "Help me")));
    world.send_all();
    world.event(&staff_says(DANA, 11, 60, "On it"));
    assert_eq!(reads(&world), []);
    let sent = world.send_all();
    assert!(!sent.contains("ReadBusiness"), "{sent}");
}

#[test]
fn a_connection_that_may_not_read_is_told_once_in_general_and_never_asked() {
    const TOLD: &str = "does not let this bot read messages";
    let (mut world, _dir) = world_serving_acme_marking_read(Keep::Memory, true);
    world.event(&acme_reading(false));
    world.send_all();
    world.open(42, &[("category", "technical")]);
    world.send_all();
    let mut told = String::new();
    for (customer_message, reply) in [(7, 60), (8, 61)] {
        world.event(&Event::BusinessCustomer(through_acme(42, customer_message, "Help me")));
        told.push_str(&world.send_all());
        world.event(&staff_says(DANA, 11, reply, "On it"));
        assert_eq!(reads(&world), [], "a connection known not to read is not asked");
        told.push_str(&world.send_all());
    }
    assert_eq!(told.matches(TOLD).count(), 1, "{told}");
    assert!(told.contains("turn on reading messages"), "{told}");

    // The right given, reading works; Telegram refusing later is told once again, and not
    // tried again.
    world.event(&acme_reading(true));
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 9, "Again")));
    world.send_all();
    world.event(&staff_says(DANA, 11, 62, "Sure"));
    assert_eq!(reads(&world), [(42, 9)]);
    world.send_all();
    let mut told = String::new();
    for _ in 0..2 {
        world.event(&Event::Delivered(Delivery::ReadRefused { connection: "bc1".to_owned() }));
        told.push_str(&world.send_all());
    }
    assert_eq!(told.matches(TOLD).count(), 1, "{told}");
    assert_eq!(reads(&world), []);
}

/// desk.yaml names the forms an account's customers are offered: they get only those (here
/// one, so its first question at once), while the bot's own customers still choose among the
/// desk's forms.
#[test]
fn an_accounts_customers_are_offered_only_its_forms() {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::demo::write_default_rules(dir.path()).expect("write rules");
    let desk_yaml = dir.path().join("desk.yaml");
    let mut text = std::fs::read_to_string(&desk_yaml).expect("desk.yaml");
    text.push_str("business:\n  - account: \"@acme_support\"\n    forms: [bug]\n");
    std::fs::write(&desk_yaml, text).expect("desk.yaml written");
    let mut world = World::with_rules(dir.path(), Keep::Memory);
    world.event(&acme(true, true));
    world.send_all();
    world.event(&Event::BusinessCustomer(through_acme(42, 7, "Hello")));
    let through_account = world.send_all();
    assert!(through_account.contains("Where did it go wrong?"), "the bug form at once:\n{through_account}");
    assert!(!through_account.contains("Contact support"), "no other form offered:\n{through_account}");
    world.event(&customer_says(43, 7, "Hello"));
    let to_the_bot = world.send_all();
    assert!(
        to_the_bot.contains("Contact support") && to_the_bot.contains("Report a bug"),
        "the bot's own customers choose among the desk's forms:\n{to_the_bot}"
    );
}

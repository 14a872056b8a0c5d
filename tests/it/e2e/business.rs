//! Telegram Business against the fake: the company's own account connects the bot, and the desk
//! records each connection and tells General what it means: a listed account without the right
//! to reply gets the fix, a listed one with it is confirmed, an account desk.yaml does not list
//! is told it is not served, a pause is reported; each change once. What the desk recorded is
//! in the store, and a restart refreshes it with `getBusinessConnection`.

use topicdesk::fakegram::{BusinessRights, Thread, UserSpec, World};

use super::harness::{Desk, STAFF, Setup, from_bot, has_text};

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

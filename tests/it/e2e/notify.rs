//! Agents' notification preferences over HTTP against the fake Bot API: `/notify` in the
//! bot's private chat and its buttons change a choice, which holds across a restart; a
//! ticket assigned to an agent and its customer's messages reach them as private messages
//! with a link to the topic; an agent who opened the bot has `/notify` in a menu of their
//! own there; and a supervisor who never started the bot, whose escalations
//! were to come in private, is mentioned in the topic instead while General hears once how
//! to turn private messages on.

use topicdesk::fakegram::{Draft, FakeHandle, FakeMessage, MemberRole, UserSpec, World};

use super::harness::{
    Customer, DANA, Desk, STAFF, Setup, bot_posts, button, from_bot, has_text, open_ticket, wait,
};

/// Eli, the agent every ticket goes to.
const ELI: u64 = 222_222_222;

/// Eli wants new tickets in private; Dana, the supervisor, escalations. Both work around
/// the clock, and the desk keeps no holidays, so no private message waits for a shift
/// whenever the test runs.
const TEAM: &str = "agents:
  - id: 111111111
    name: Dana
    username: dana_support
    role: supervisor
    working_hours: { mon-sun: \"00:00-24:00\" }
    notify: { escalation: private }
  - id: 222222222
    name: Eli
    username: eli_support
    working_hours: { mon-sun: \"00:00-24:00\" }
    notify: { assigned: private }
";

async fn notify_desk() -> Desk {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let rules = &desk.options.rules;
    std::fs::write(rules.join("team.yaml"), TEAM).expect("write team.yaml");
    // The shipped scenarios name the shipped team.
    std::fs::remove_dir_all(rules.join("tests")).expect("remove the scenarios");
    std::fs::write(rules.join("routing.rhai"), "fn route(ticket, team) { 222222222 }\n").expect("routing");
    let desk_yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("desk.yaml");
    let no_holidays: String = desk_yaml
        .lines()
        .map(|line| if line.starts_with("holidays:") { "holidays: []" } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(rules.join("desk.yaml"), no_holidays + "\n").expect("write desk.yaml");
    desk.fake.add_user(UserSpec::new(ELI, "Eli").username("eli_support").language_code("en")).expect("Eli");
    desk.fake.set_member(STAFF, ELI, MemberRole::Member).expect("Eli joins the staff group");
    desk.start_host();
    desk
}

/// The bot's private messages to `agent` containing `needle`.
fn to_agent<'w>(world: &'w World, agent: u64, needle: &str) -> Vec<&'w FakeMessage> {
    from_bot(world, agent as i64).into_iter().filter(|m| has_text(m, needle)).collect()
}

/// Eli presses the `/notify` button `label` and waits for the menu to show `shows`.
async fn eli_chooses(fake: &FakeHandle, label: &str, shows: &str) {
    let found = fake
        .wait_for(super::harness::PATIENCE, |world| {
            to_agent(world, ELI, "How you are told of things")
                .into_iter()
                .rev()
                .find_map(|m| button(m, label))
        })
        .await;
    let (message_id, data) = found.unwrap_or_else(|_| panic!("no button {label:?} on Eli's menu"));
    fake.press_button(ELI, ELI as i64, message_id, &data).expect("Eli presses");
    wait(fake, shows, |world| !to_agent(world, ELI, shows).is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_buttons_private_messages_and_the_never_started_fallback() {
    let mut desk = notify_desk().await;
    let fake = std::sync::Arc::clone(&desk.fake);
    let customer: Customer = desk.customers[0].clone();

    // Eli opens the bot and asks for his choices: team.yaml's, customers' messages off.
    fake.user_starts_bot(ELI).expect("Eli starts the bot");
    fake.user_sends(ELI, Draft::text("/notify")).expect("Eli writes");
    wait(&fake, "Eli's /notify menu", |world| {
        to_agent(world, ELI, "• A ticket assigned to me: private\n• A customer wrote on my ticket: off").len()
            == 1
    })
    .await;
    eli_chooses(&fake, "Customer wrote: private", "• A customer wrote on my ticket: private").await;

    // A ticket goes to Eli: he is told in private, with a link to the topic once it exists.
    let thread = open_ticket(&fake, &customer).await;
    let link = format!("https://t.me/c/1234567890/{thread}");
    wait(&fake, "Eli told of his new ticket, with the topic's link", |world| {
        to_agent(world, ELI, "T-000001 was assigned to you.").iter().any(|m| has_text(m, &link))
    })
    .await;
    wait(&fake, "the topic naming Eli without a mention", |world| {
        bot_posts(world, thread).into_iter().any(|m| has_text(m, "Assigned to Eli by the routing"))
    })
    .await;

    // The choice made with the button holds across a restart of the host.
    desk.restart_host().await;
    fake.user_sends(customer.id, Draft::text("Any news on my export?")).expect("the customer writes");
    wait(&fake, "Eli told in private that the customer wrote, with the topic's link", |world| {
        to_agent(world, ELI, "The customer wrote on T-000001.").iter().any(|m| has_text(m, &link))
    })
    .await;
    // Started again, the host gave Eli, who has a private chat with the bot now, a menu of
    // his own there; Dana, who never started it, has none (Telegram: chat not found).
    let menu = |agent: u64| -> Vec<String> {
        fake.inspect(|world| {
            let menu = world.commands(&format!("chat:{agent}"));
            menu.iter().filter_map(|c| c["command"].as_str().map(str::to_owned)).collect()
        })
    };
    assert_eq!(menu(ELI), ["notify", "stats", "away", "back"]);
    assert!(menu(DANA).is_empty(), "{:?}", menu(DANA));

    // Eli escalates: Dana, who never started the bot, would get it in private. Telegram
    // refuses; she is mentioned in the topic and General hears once how to fix it.
    let draft = Draft::text("/escalate the customer is a key account").in_topic(thread);
    fake.send_as(ELI, STAFF, draft).expect("Eli escalates");
    wait(&fake, "Dana mentioned in the topic instead", |world| {
        bot_posts(world, thread)
            .iter()
            .any(|m| has_text(m, "@dana_support") && has_text(m, "T-000001 was escalated to you."))
    })
    .await;
    let general = |world: &World| {
        from_bot(world, STAFF)
            .into_iter()
            .filter(|m| {
                m.thread_id.is_none() && has_text(m, "Telegram refuses the bot's private messages to Dana")
            })
            .count()
    };
    wait(&fake, "General told about Dana", |world| general(world) == 1).await;
    // A second escalation goes to Dana as a mention at once, and General hears nothing more.
    let draft = Draft::text("/escalate still waiting on the supervisors").in_topic(thread);
    fake.send_as(ELI, STAFF, draft).expect("Eli escalates again");
    wait(&fake, "the second escalation's mention", |world| {
        bot_posts(world, thread)
            .iter()
            .filter(|m| has_text(m, "still waiting on the supervisors") && has_text(m, "@dana_support"))
            .count()
            == 1
    })
    .await;
    fake.inspect(|world| {
        assert_eq!(general(world), 1, "General is told once");
        assert!(from_bot(world, DANA as i64).is_empty(), "nothing reached Dana in private");
    });
    desk.finish().await;
}

/// Budgets on, with every window shrunk by the same factor on both sides (as in
/// `budgets.rs`): the customer sends thirty messages at once, and each becomes a private
/// notice to Eli, who chose to hear of them so. His private chat's budget (one message a
/// second, scaled) holds them: the fake never answers 429, and every notice arrives. (With
/// the host's budgets off, the same burst meets 429s.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_notices_keep_the_private_chat_budget() {
    // Every window 1/20 as long: one message a second per private chat becomes one per 50 ms.
    const SCALE: f64 = 0.05;
    const MESSAGES: usize = 30;
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: Some(SCALE) }).await;
    let rules = desk.options.rules.clone();
    let team = TEAM.replace("notify: { assigned: private }", "notify: { customer_wrote: private }");
    std::fs::write(rules.join("team.yaml"), team).expect("write team.yaml");
    std::fs::remove_dir_all(rules.join("tests")).expect("remove the scenarios");
    std::fs::write(rules.join("routing.rhai"), "fn route(ticket, team) { 222222222 }\n").expect("routing");
    let desk_yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("desk.yaml");
    let no_holidays: Vec<&str> = desk_yaml
        .lines()
        .map(|line| if line.starts_with("holidays:") { "holidays: []" } else { line })
        .collect();
    std::fs::write(rules.join("desk.yaml"), no_holidays.join("\n") + "\n").expect("write desk.yaml");
    desk.fake.add_user(UserSpec::new(ELI, "Eli").username("eli_support").language_code("en")).expect("Eli");
    desk.fake.set_member(STAFF, ELI, MemberRole::Member).expect("Eli joins the staff group");
    desk.start_host();
    let fake = std::sync::Arc::clone(&desk.fake);
    fake.user_starts_bot(ELI).expect("Eli starts the bot");
    let customer = desk.customers[0].clone();
    open_ticket(&fake, &customer).await;
    customer.send_numbered(&fake, 0..MESSAGES);
    let notices = |world: &World| -> usize {
        to_agent(world, ELI, "The customer wrote on T-000001.")
            .iter()
            .map(|m| m.text.as_deref().unwrap_or_default().matches("The customer wrote on T-000001.").count())
            .sum()
    };
    wait(&fake, "a private notice to Eli for every message", |world| notices(world) == MESSAGES).await;
    desk.assert_no_429();
    desk.finish().await;
}

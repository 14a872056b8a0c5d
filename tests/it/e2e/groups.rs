//! Three staff groups over HTTP against the fake Bot API: each new ticket's topic opens in
//! the group its category's filter chooses (a group without a filter takes the rest) or the
//! rules' `group` hook names, only an agent of that group is routed it, and messages go
//! both ways between each customer and their topic in their own group.

use topicdesk::fakegram::{Draft, FakeHandle, GroupSpec, MemberRole, Thread, UserSpec, World};
use topicdesk::ticket::TicketId;

use topicdesk::host::HostError;

use super::harness::{Customer, Desk, STAFF, Setup, answer, from_bot, has_text, press, wait};

const BILLING: i64 = STAFF;
const TECH: i64 = -1_009_000_000_002;
const GENERAL: i64 = -1_009_000_000_003;

const TOM: u64 = 501;
const BEA: u64 = 502;
const GIL: u64 = 503;

const DESK: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1001234567890, categories: [billing] }
  - { name: tech, chat: -1009000000002, categories: [technical] }
  - { name: general, chat: -1009000000003 }
";

/// Nobody has a skill, so the shipped routing's round robin would go over everyone it is
/// shown, in this order (Tom first): only the groups keep each agent to their own tickets.
const TEAM: &str = "\
agents:
  - { id: 501, name: Tom, groups: [tech] }
  - { id: 502, name: Bea, groups: [billing] }
  - { id: 503, name: Gil, role: supervisor, groups: [general] }
";

const FORM: &str = "\
id: support
title: Contact support
fields:
  - id: category
    prompt: What is your question about?
    type: choice
    choices:
      - { value: billing, label: Billing }
      - { value: technical, label: Technical problem }
      - { value: account, label: My account }
  - id: description
    prompt: Describe the problem
    type: text
";

/// The customers, the label they choose, their group's chat and its agent.
fn cases(desk: &Desk) -> Vec<(Customer, &'static str, i64, u64)> {
    let c = &desk.customers;
    vec![
        (c[0].clone(), "Billing", BILLING, BEA),
        (c[1].clone(), "Technical problem", TECH, TOM),
        (c[2].clone(), "My account", GENERAL, GIL),
    ]
}

/// The shipped rules in `rules` made the three groups' (desk.yaml, team, one form).
fn write_rules(rules: &std::path::Path) {
    write_rules_of(rules, DESK, TEAM);
}

/// The shipped rules in `rules` made these groups' (`desk`, `team`, one form).
fn write_rules_of(rules: &std::path::Path, desk: &str, team: &str) {
    std::fs::write(rules.join("desk.yaml"), desk).expect("desk.yaml");
    std::fs::write(rules.join("team.yaml"), team).expect("team.yaml");
    std::fs::write(rules.join("forms/support.yaml"), FORM).expect("the form");
    std::fs::remove_file(rules.join("forms/bug.yaml")).expect("one form");
    // The shipped scenarios and templates name the shipped team and forms.
    std::fs::remove_dir_all(rules.join("tests")).expect("remove the scenarios");
    std::fs::remove_dir_all(rules.join("templates")).expect("remove the templates");
}

async fn three_groups() -> Desk {
    groups_of(DESK, TEAM).await
}

/// A desk of three staff groups in the chats BILLING, TECH and GENERAL, as `desk` and
/// `team` say, with Tom, Bea and Gil.
async fn groups_of(desk_yaml: &str, team: &str) -> Desk {
    let mut desk = Desk::prepare(Setup { customers: 3, budget_scale: None }).await;
    write_rules_of(&desk.options.rules, desk_yaml, team);
    // Several groups: desk.yaml says which chats, `--staff-chat` would be refused.
    desk.options.staff_chat = None;
    let fake = &desk.fake;
    for (id, name) in [(TOM, "Tom"), (BEA, "Bea"), (GIL, "Gil")] {
        fake.add_user(UserSpec::new(id, name).language_code("en")).expect("an agent");
    }
    fake.add_group(GroupSpec::staff_forum(TECH).member(TOM, MemberRole::Member)).expect("tech");
    fake.add_group(GroupSpec::staff_forum(GENERAL).member(GIL, MemberRole::Member)).expect("general");
    fake.set_member(BILLING, BEA, MemberRole::Member).expect("Bea joins billing");
    desk.start_host();
    desk
}

/// The customer's topic in `chat`, by its name (`T-000001 · Billing · Cust00`).
fn topic_in(world: &World, chat: i64, customer: &Customer) -> Option<i32> {
    let suffix = format!("· {}", customer.name);
    world.topics(chat).into_iter().find(|t| !t.deleted && t.name.ends_with(&suffix)).map(|t| t.thread_id)
}

/// The bot's texts in a topic of `chat`.
fn texts_in(world: &World, chat: i64, thread: i32) -> Vec<String> {
    world
        .thread_messages(chat, Thread::Topic(thread))
        .into_iter()
        .filter(|m| m.from == world.bot_id())
        .filter_map(|m| m.text.clone())
        .collect()
}

/// `customer` writes `text`, and it arrives in their topic `thread` of `chat`.
async fn customer_writes(fake: &FakeHandle, customer: &Customer, chat: i64, thread: i32, text: &str) {
    fake.user_sends(customer.id, Draft::text(text)).expect("the customer writes");
    wait(fake, &format!("{text:?} in topic {thread} of {chat}"), |world| {
        texts_in(world, chat, thread).iter().any(|t| t == text)
    })
    .await;
}

/// `agent` answers `text` in topic `thread` of `chat`, and it reaches `customer`'s chat.
async fn agent_answers(
    fake: &FakeHandle,
    agent: u64,
    chat: i64,
    thread: i32,
    customer: &Customer,
    text: &str,
) {
    fake.send_as(agent, chat, Draft::text(text).in_topic(thread)).expect("the agent answers");
    wait(fake, &format!("{text:?} in the customer's chat"), |world| {
        from_bot(world, customer.chat()).iter().any(|m| has_text(m, text))
    })
    .await;
}

async fn open_in(fake: &FakeHandle, customer: &Customer, label: &str) {
    fake.user_starts_bot(customer.id).expect("the customer starts the bot");
    press(fake, customer, label).await;
    answer(fake, customer, "Describe the problem", &format!("{} needs help with {label}", customer.name))
        .await;
    press(fake, customer, "Submit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_groups_take_their_tickets_route_to_their_agents_and_relay_both_ways() {
    let desk = three_groups().await;
    let fake = std::sync::Arc::clone(&desk.fake);
    let groups = [BILLING, TECH, GENERAL];
    for (n, (customer, label, chat, agent)) in cases(&desk).into_iter().enumerate() {
        open_in(&fake, &customer, label).await;
        let what = format!("{}'s topic with its card in group {chat}", customer.name);
        wait(&fake, &what, |world| {
            topic_in(world, chat, &customer)
                .is_some_and(|thread| texts_in(world, chat, thread).iter().any(|t| t.contains("Priority:")))
        })
        .await;
        fake.inspect(|world| {
            for other in groups.iter().filter(|other| **other != chat) {
                assert_eq!(topic_in(world, *other, &customer), None, "{} also in {other}", customer.name);
            }
        });
        let ticket = TicketId(n as u64 + 1);
        desk.wait_store(&format!("{ticket} routed"), |read| {
            read.ticket(ticket).expect("read").is_some_and(|t| t.assignee.is_some())
        })
        .await;
        let store = topicdesk::store::Store::open_read_only(&topicdesk::store::data_file(&desk.options.data))
            .expect("the store opens");
        let stored = store.read().expect("read").ticket(ticket).expect("read").expect("the ticket");
        assert_eq!(stored.assignee, Some(agent), "{ticket} ({label}) must go to its group's agent");
        assert_eq!(stored.topic.map(|topic| topic.chat_id), Some(chat));
    }

    // Each customer writes, and their group's agent answers from the topic.
    for (customer, _, chat, agent) in cases(&desk) {
        let thread = fake.inspect(|world| topic_in(world, chat, &customer)).expect("a topic");
        customer_writes(&fake, &customer, chat, thread, &format!("{} writes again", customer.name)).await;
        agent_answers(&fake, agent, chat, thread, &customer, &format!("Answer to {}", customer.name)).await;
    }
    fake.inspect(|world| {
        for chat in groups {
            let pinned = world.messages(chat).into_iter().any(|m| has_text(m, "Queue:"));
            assert!(pinned, "a queue summary in General of {chat}");
        }
    });
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_chat_on_the_command_line_is_refused_with_several_groups() {
    let mut desk = Desk::prepare(Setup { customers: 0, budget_scale: None }).await;
    write_rules(&desk.options.rules);
    desk.options.staff_chat = Some(STAFF);
    // Refused before anything else: a host that went on would run until the timeout.
    let run = topicdesk::host::run(desk.options.clone(), std::future::pending());
    let outcome =
        tokio::time::timeout(std::time::Duration::from_secs(30), run).await.expect("refused at once");
    assert!(matches!(outcome, Err(HostError::StaffChatWithGroups { groups: 3 })), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_transfers_a_ticket_to_another_group_with_its_history() {
    let desk = three_groups().await;
    let fake = std::sync::Arc::clone(&desk.fake);
    // Gil supervises from every group's chat; he works (is routed tickets) in general only.
    fake.set_member(TECH, GIL, MemberRole::Member).expect("Gil joins tech");
    let customer = desk.customers[1].clone();
    open_in(&fake, &customer, "Technical problem").await;
    let ticket = TicketId(1);
    desk.wait_store("T-000001 routed to Tom", |read| {
        read.ticket(ticket).expect("read").is_some_and(|t| t.assignee == Some(TOM))
    })
    .await;
    wait(&fake, "a topic in tech with its card", |world| {
        topic_in(world, TECH, &customer)
            .is_some_and(|thread| texts_in(world, TECH, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    let old = fake.inspect(|world| topic_in(world, TECH, &customer)).expect("a topic in tech");
    // Every group's menu offers it.
    for chat in [BILLING, TECH, GENERAL] {
        let menu: Vec<String> = fake.inspect(|world| {
            let menu = world.commands(&format!("chat:{chat}"));
            menu.iter().filter_map(|c| c["command"].as_str().map(str::to_owned)).collect()
        });
        assert!(menu.iter().any(|command| command == "transfer"), "{chat}: {menu:?}");
    }
    customer_writes(&fake, &customer, TECH, old, "The app crashes on start").await;
    agent_answers(&fake, TOM, TECH, old, &customer, "Which version?").await;

    fake.send_as(GIL, TECH, Draft::text("/transfer billing").in_topic(old)).expect("Gil transfers");
    wait(&fake, "a topic in billing with the card and the conversation", |world| {
        topic_in(world, BILLING, &customer).is_some_and(|thread| {
            let texts = texts_in(world, BILLING, thread);
            texts.iter().any(|t| t.contains("Priority:"))
                && texts.iter().any(|t| {
                    t.contains("Gil transferred T-000001 here from the tech group.")
                        && t.contains("customer: The app crashes on start")
                        && t.contains("Tom: Which version?")
                })
        })
    })
    .await;
    wait(&fake, "the old topic told and closed", |world| {
        world.topic(TECH, old).is_some_and(|topic| topic.closed)
            && texts_in(world, TECH, old)
                .iter()
                .any(|t| t.contains("Gil transferred T-000001 to the billing group"))
    })
    .await;
    // Tom does not work in billing: Bea, billing's agent, has it now.
    desk.wait_store("T-000001 routed to Bea", |read| {
        read.ticket(ticket)
            .expect("read")
            .is_some_and(|t| t.assignee == Some(BEA) && t.topic.is_some_and(|topic| topic.chat_id == BILLING))
    })
    .await;
    // The customer's chat is unchanged: their next message reaches the new topic.
    let new = fake.inspect(|world| topic_in(world, BILLING, &customer)).expect("a topic in billing");
    customer_writes(&fake, &customer, BILLING, new, "Version 2.1").await;
    agent_answers(&fake, BEA, BILLING, new, &customer, "Thanks, looking").await;
    fake.inspect(|world| {
        assert!(!texts_in(world, TECH, old).iter().any(|t| t == "Version 2.1"), "nothing more in tech");
    });
    desk.finish().await;
}

/// Billing may hold 3 of the desk's messages, its filter's second group (in GENERAL's chat)
/// none less.
const ROLLOVER_DESK: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1001234567890, categories: [billing], limits: { messages: 3 } }
  - { name: tech, chat: -1009000000002, categories: [technical] }
  - { name: billing-2, chat: -1009000000003, categories: [billing] }
";

const ROLLOVER_TEAM: &str = "\
agents:
  - { id: 501, name: Tom, groups: [tech] }
  - { id: 502, name: Bea, groups: [billing, billing-2] }
  - { id: 503, name: Gil, role: supervisor, groups: [tech] }
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_at_its_message_limit_rolls_new_tickets_over_to_the_next_of_its_filter() {
    let desk = groups_of(ROLLOVER_DESK, ROLLOVER_TEAM).await;
    let fake = std::sync::Arc::clone(&desk.fake);
    let first = desk.customers[0].clone();
    open_in(&fake, &first, "Billing").await;
    wait(&fake, "the first billing ticket's topic with its card in billing", |world| {
        topic_in(world, BILLING, &first)
            .is_some_and(|thread| texts_in(world, BILLING, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    wait(&fake, "billing's General told it reached its limit", |world| {
        world.thread_messages(BILLING, Thread::General).into_iter().any(|m| {
            has_text(m, "The billing group reached its limit")
                && has_text(m, "new tickets open in the billing-2 group")
        })
    })
    .await;
    // What the desk counted is what Telegram holds from it in that chat, service messages
    // (the topic's creation, the pin) included.
    let counted = format!("group_messages:{BILLING}");
    let in_chat =
        |world: &World| world.messages(BILLING).into_iter().filter(|m| m.from == world.bot_id()).count();
    desk.wait_store("the desk's count of billing's messages equal to the chat's", |read| {
        let held = fake.inspect(in_chat) as u64;
        read.counter(&counted).expect("read") == Some(held)
    })
    .await;

    let second = desk.customers[1].clone();
    open_in(&fake, &second, "Billing").await;
    wait(&fake, "the second billing ticket's topic with its card in billing-2", |world| {
        topic_in(world, GENERAL, &second)
            .is_some_and(|thread| texts_in(world, GENERAL, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    let ticket = TicketId(2);
    desk.wait_store("T-000002 routed", |read| {
        read.ticket(ticket).expect("read").is_some_and(|t| t.assignee.is_some())
    })
    .await;
    let store = topicdesk::store::Store::open_read_only(&topicdesk::store::data_file(&desk.options.data))
        .expect("the store opens");
    let stored = store.read().expect("read").ticket(ticket).expect("read").expect("the ticket");
    assert_eq!(stored.group.as_deref(), Some("billing-2"));
    assert_eq!(stored.assignee, Some(BEA), "routed among billing-2's agents");
    fake.inspect(|world| assert_eq!(topic_in(world, BILLING, &second), None, "nothing more in billing"));
    // A technical ticket is not billing's: tech takes it as ever.
    let third = desk.customers[2].clone();
    open_in(&fake, &third, "Technical problem").await;
    wait(&fake, "the technical ticket's topic in tech", |world| topic_in(world, TECH, &third).is_some())
        .await;
    desk.finish().await;
}

/// A ticket transferred out of the group it opened in, resolved there, its topic deleted in
/// Telegram: the customer writes again, which reopens it, and a new topic opens in the
/// group the ticket is in now (not where it opened, nor the desk's first group) with the
/// card, the conversation's last messages from both former topics' time, and the new message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_tickets_deleted_topic_opens_again_in_its_current_group() {
    let desk = three_groups().await;
    let fake = std::sync::Arc::clone(&desk.fake);
    fake.set_member(TECH, GIL, MemberRole::Member).expect("Gil joins tech");
    let customer = desk.customers[1].clone();
    open_in(&fake, &customer, "Technical problem").await;
    let ticket = TicketId(1);
    wait(&fake, "a topic in tech with its card", |world| {
        topic_in(world, TECH, &customer)
            .is_some_and(|thread| texts_in(world, TECH, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    let first = fake.inspect(|world| topic_in(world, TECH, &customer)).expect("a topic in tech");
    customer_writes(&fake, &customer, TECH, first, "The app crashes on start").await;
    fake.send_as(GIL, TECH, Draft::text("/transfer general").in_topic(first)).expect("Gil transfers");
    wait(&fake, "a topic in general with the card", |world| {
        topic_in(world, GENERAL, &customer)
            .is_some_and(|thread| texts_in(world, GENERAL, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    let second = fake.inspect(|world| topic_in(world, GENERAL, &customer)).expect("a topic in general");
    agent_answers(&fake, GIL, GENERAL, second, &customer, "Try version 2.2").await;
    fake.send_as(GIL, GENERAL, Draft::text("/resolve").in_topic(second)).expect("Gil resolves");
    desk.wait_store("T-000001 resolved", |read| {
        read.ticket(ticket).expect("read").is_some_and(|t| t.status == topicdesk::ticket::Status::Resolved)
    })
    .await;

    fake.delete_topic(GENERAL, second).expect("someone deletes the topic");
    fake.user_sends(customer.id, Draft::text("It crashes again")).expect("the customer writes again");
    wait(&fake, "a new topic in general with the card, the last messages and the new one", |world| {
        topic_in(world, GENERAL, &customer).is_some_and(|thread| {
            let texts = texts_in(world, GENERAL, thread);
            thread != second
                && texts
                    .first()
                    .is_some_and(|card| card.starts_with("T-000001") && card.contains("Priority:"))
                && texts.iter().any(|t| {
                    t.contains("The former topic of T-000001 was deleted in Telegram")
                        && t.contains("customer: The app crashes on start")
                        && t.contains("Gil: Try version 2.2")
                })
                && texts.iter().any(|t| t == "It crashes again")
        })
    })
    .await;
    desk.wait_store("T-000001 reopened in its new topic in general", |read| {
        read.ticket(ticket).expect("read").is_some_and(|t| {
            t.status == topicdesk::ticket::Status::Open
                && t.topic.is_some_and(|topic| topic.chat_id == GENERAL && topic.thread_id != second)
        })
    })
    .await;
    fake.inspect(|world| {
        assert_eq!(topic_in(world, BILLING, &customer), None, "nothing in the desk's first group");
        assert_eq!(topic_in(world, TECH, &customer), Some(first), "tech keeps only the topic it left");
        assert!(!texts_in(world, TECH, first).iter().any(|t| t == "It crashes again"));
    });
    desk.finish().await;
}

/// The bot's texts in General of `chat`.
fn in_general_of(world: &World, chat: i64) -> Vec<String> {
    world
        .thread_messages(chat, Thread::General)
        .into_iter()
        .filter(|m| m.from == world.bot_id())
        .filter_map(|m| m.text.clone())
        .collect()
}

/// The bot demoted in one group (no right to manage topics): the notice names that group
/// and is read in the first group's General; another group's ticket opens meanwhile as
/// usual; when the right comes back the waiting topic opens and both Generals say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_demoted_in_one_group_is_told_in_another_and_the_others_go_on() {
    let desk = three_groups().await;
    let fake = std::sync::Arc::clone(&desk.fake);
    wait(&fake, "the host polling", |world| world.calls().iter().any(|c| c.method == "getUpdates")).await;
    fake.demote_bot(TECH).expect("demote the bot in tech");
    let (tech_customer, billing_customer) = (desk.customers[1].clone(), desk.customers[0].clone());
    open_in(&fake, &tech_customer, "Technical problem").await;
    let notice = "Telegram refuses the bot in the tech group";
    wait(&fake, "billing's General told of tech's trouble", |world| {
        in_general_of(world, BILLING).iter().any(|t| t.contains(notice))
    })
    .await;
    open_in(&fake, &billing_customer, "Billing").await;
    wait(&fake, "billing's ticket in its topic with its card", |world| {
        topic_in(world, BILLING, &billing_customer)
            .is_some_and(|thread| texts_in(world, BILLING, thread).iter().any(|t| t.contains("Priority:")))
    })
    .await;
    fake.inspect(|world| {
        assert_eq!(topic_in(world, TECH, &tech_customer), None, "no topic without the right");
        assert!(world.count_calls("createForumTopic", 400) >= 1);
    });
    fake.promote_bot(TECH).expect("give the right back");
    let back = "The bot works in the tech group again";
    wait(&fake, "tech's topic opened and both Generals told", |world| {
        topic_in(world, TECH, &tech_customer)
            .is_some_and(|thread| texts_in(world, TECH, thread).iter().any(|t| t.contains("Priority:")))
            && in_general_of(world, TECH).iter().any(|t| t.contains(back))
            && in_general_of(world, BILLING).iter().any(|t| t.contains(back))
    })
    .await;
    fake.inspect(|world| {
        let told = |chat| in_general_of(world, chat).iter().filter(|t| t.contains(notice)).count();
        assert_eq!((told(BILLING), told(TECH), told(GENERAL)), (1, 0, 0), "told once, where it can be read");
        let anywhere = [BILLING, TECH, GENERAL].into_iter().flat_map(|chat| in_general_of(world, chat));
        assert!(
            !anywhere
                .into_iter()
                .any(|t| t.contains("billing group again") || t.contains("general group again"))
        );
    });
    desk.finish().await;
}

/// The rules' `group` hook: the VIP customer's tickets go to general, where the supervisor
/// works, whatever their category; everyone else's as the filters say.
fn vip_hook(vip: u64) -> String {
    format!(
        "fn group(ticket, groups) {{\n    if ticket.customer.id == {vip} {{ return \"general\"; }}\n    ()\n}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_groups_take_tickets_by_their_filters_and_by_the_group_hook() {
    let mut desk = Desk::prepare(Setup { customers: 4, budget_scale: None }).await;
    write_rules(&desk.options.rules);
    let vip = desk.customers[3].clone();
    std::fs::write(desk.options.rules.join("grouping.rhai"), vip_hook(vip.id)).expect("the hook");
    desk.options.staff_chat = None;
    let fake = std::sync::Arc::clone(&desk.fake);
    for (id, name) in [(TOM, "Tom"), (BEA, "Bea"), (GIL, "Gil")] {
        fake.add_user(UserSpec::new(id, name).language_code("en")).expect("an agent");
    }
    fake.add_group(GroupSpec::staff_forum(TECH).member(TOM, MemberRole::Member)).expect("tech");
    fake.add_group(GroupSpec::staff_forum(GENERAL).member(GIL, MemberRole::Member)).expect("general");
    fake.set_member(BILLING, BEA, MemberRole::Member).expect("Bea joins billing");
    desk.start_host();
    let c = &desk.customers;
    // By the filters, by the overflow group, then the VIP's billing ticket by the hook.
    let cases = [
        (c[0].clone(), "Billing", BILLING, "billing", BEA),
        (c[1].clone(), "Technical problem", TECH, "tech", TOM),
        (c[2].clone(), "My account", GENERAL, "general", GIL),
        (vip.clone(), "Billing", GENERAL, "general", GIL),
    ];
    for (n, (customer, label, chat, group, agent)) in cases.into_iter().enumerate() {
        open_in(&fake, &customer, label).await;
        let what = format!("{}'s topic with its card in group {group}", customer.name);
        wait(&fake, &what, |world| {
            topic_in(world, chat, &customer)
                .is_some_and(|thread| texts_in(world, chat, thread).iter().any(|t| t.contains("Priority:")))
        })
        .await;
        fake.inspect(|world| {
            for other in [BILLING, TECH, GENERAL].iter().filter(|other| **other != chat) {
                assert_eq!(topic_in(world, *other, &customer), None, "{} also in {other}", customer.name);
            }
        });
        let ticket = TicketId(n as u64 + 1);
        desk.wait_store(&format!("{ticket} in {group}, routed to its agent"), |read| {
            read.ticket(ticket).expect("read").is_some_and(|t| {
                t.group.as_deref() == Some(group)
                    && t.assignee == Some(agent)
                    && t.topic.is_some_and(|topic| topic.chat_id == chat)
            })
        })
        .await;
    }
    // The hook decided without failing: no alert in the desk's General.
    fake.inspect(|world| {
        assert!(
            !world.messages(BILLING).into_iter().any(|m| has_text(m, "A rule failed")),
            "no hook failure"
        );
    });
    // The VIP writes and the supervisor answers from the topic in general.
    let thread = fake.inspect(|world| topic_in(world, GENERAL, &vip)).expect("the VIP's topic");
    customer_writes(&fake, &vip, GENERAL, thread, "Charged twice again").await;
    agent_answers(&fake, GIL, GENERAL, thread, &vip, "Refunded").await;
    desk.finish().await;
}

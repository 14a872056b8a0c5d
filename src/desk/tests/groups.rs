//! Several staff groups through the real desk: a new ticket's topic opens in the group its
//! filter chooses, routing picks only that group's agents, a topic's messages find their
//! ticket in their own group only, and each group's General and pinned summary show that
//! group's tickets.

use super::*;
use crate::audit::{Action, Retained};
use crate::ticket::Topic;

pub(super) const BILLING: i64 = -200;
pub(super) const TECH: i64 = -300;

pub(super) const DESK: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -200, categories: [billing] }
  - { name: tech, chat: -300 }
";

/// Nobody has a skill, so the shipped routing falls back to round robin over everyone it
/// is shown: only the groups keep agents to their own tickets.
const TEAM: &str = "\
agents:
  - { id: 1, name: Ana, role: supervisor, groups: [billing] }
  - { id: 2, name: Ben, groups: [billing] }
  - { id: 3, name: Cy, groups: [tech] }
  - { id: 4, name: Di, groups: [tech] }
";

fn in_chat(event: Event, chat: i64) -> Event {
    match event {
        Event::Staff(mut message) => {
            message.chat_id = chat;
            Event::Staff(message)
        }
        other => other,
    }
}

/// The chat each created topic was queued for, with the ticket, in order.
fn created(transcript: &str) -> Vec<String> {
    transcript.lines().filter(|line| line.starts_with("create topic")).map(str::to_owned).collect()
}

#[test]
fn a_ticket_opens_in_its_groups_chat_and_goes_to_an_agent_of_that_group() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let mut opened = Vec::new();
    for n in 0..8_u64 {
        let category = if n % 2 == 0 { "billing" } else { "technical" };
        let id = world.open(100 + n, &[("category", category), ("description", "Something is wrong")]);
        opened.push((id, category));
        let transcript = world.send_all();
        assert_eq!(created(&transcript).len(), 1, "{transcript}");
    }
    for (id, category) in opened {
        let ticket = world.ticket(id);
        let (chat, members) = if category == "billing" { (BILLING, [1, 2]) } else { (TECH, [3, 4]) };
        assert_eq!(ticket.topic.map(|topic| topic.chat_id), Some(chat), "{id} ({category})");
        let group = if category == "billing" { "billing" } else { "tech" };
        assert_eq!(ticket.group.as_deref(), Some(group), "{id} ({category})");
        let assignee = ticket.assignee.expect("routed");
        assert!(members.contains(&assignee), "{id} ({category}) went to {assignee}, outside its group");
    }
}

#[test]
fn a_topics_messages_reach_its_own_ticket_only_in_its_own_group() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let tech = world.open(42, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    let thread = world.ticket(tech).topic.expect("topic").thread_id;
    // The same thread number in the other group is another topic: nothing reaches customer 42.
    world.event(&in_chat(staff_says(3, thread, 900, "Wrong group"), BILLING));
    let other = world.send_all();
    assert!(!other.contains("chat 42"), "{other}");
    world.event(&in_chat(staff_says(3, thread, 901, "We are on it"), TECH));
    let relayed = world.send_all();
    assert!(relayed.contains("chat 42 ") && relayed.contains("copy of -300/[901]"), "{relayed}");
    // The customer's answer goes to the topic, in the group's chat.
    world.event(&customer_says(42, 7, "Thanks"));
    let answer = world.send_all();
    assert!(answer.contains("topic T-000001") && answer.contains("copy of 42/[7]"), "{answer}");
    assert_eq!(world.counterparts((42, 7)).first().map(|(chat, _)| *chat), Some(TECH), "{answer}");
}

#[test]
fn each_groups_general_and_summary_show_its_own_tickets() {
    // Nobody works in tech: its tickets wait in its queue.
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, groups: [billing] }\n";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", team)]);
    world.open(42, &[("category", "billing"), ("description", "Charged twice")]);
    world.open(43, &[("category", "technical"), ("description", "The app crashes")]);
    world.open(44, &[("category", "technical"), ("description", "Login fails")]);
    let opened = world.send_all();
    let pinned: Vec<&str> = opened.lines().filter(|line| line.starts_with("Pin")).collect();
    assert_eq!(pinned.len(), 2, "one summary pinned in each group: {opened}");
    assert!(
        pinned.iter().any(|line| line.contains("-200")) && pinned.iter().any(|line| line.contains("-300"))
    );
    // The summaries are refreshed on their timer, each with its own group's tickets.
    world.minute += 2;
    world.event(&Event::Tick);
    let refreshed = world.send_all();
    let summary_of = |chat: i64| {
        refreshed
            .lines()
            .find(|line| line.starts_with(&format!("edit {chat}/")) && line.contains("Queue:"))
            .unwrap_or_else(|| panic!("a summary in {chat}: {refreshed}"))
            .to_owned()
    };
    assert!(summary_of(TECH).contains("2 unassigned · 2 active"), "{refreshed}");
    // Billing's first post already said all there is: it is left alone.
    assert!(!refreshed.contains("edit -200/"), "{refreshed}");
    assert!(opened.contains("chat -200 #1001: 📋 Queue: 0 unassigned · 1 active"), "{opened}");

    world.event(&in_chat(general_says(1, "/queue"), TECH));
    let tech = world.send_all();
    assert!(tech.starts_with("chat -300 "), "{tech}");
    assert!(
        tech.contains("Queue: 2 unassigned") && tech.contains("T-000002") && tech.contains("T-000003"),
        "{tech}"
    );
    world.event(&in_chat(general_says(1, "/queue"), BILLING));
    let billing = world.send_all();
    assert!(billing.starts_with("chat -200 ") && billing.contains("The queue is empty"), "{billing}");
    world.event(&in_chat(general_says(1, "/agents"), TECH));
    let agents = world.send_all();
    assert!(!agents.contains("Ana"), "Ana works in billing only: {agents}");
}

#[test]
fn a_move_of_any_group_is_followed_by_its_own_tickets() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let billing = world.open(42, &[("category", "billing"), ("description", "Charged twice")]);
    let tech = world.open(43, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    world.event(&Event::StaffChatMigrated { from: TECH, to: -301 });
    assert_eq!(world.ticket(tech).topic.map(|topic| topic.chat_id), Some(-301));
    assert_eq!(world.ticket(billing).topic.map(|topic| topic.chat_id), Some(BILLING));
    let moved = world.counter(&crate::desk::delivery::staff_chat_moved_key(TECH));
    assert_eq!(moved, Some((-301_i64).cast_unsigned()), "the next start follows it");
}

/// A press of a queue's Claim button in General of `chat`.
fn claim_in_general(from: u64, chat: i64, ticket: TicketId) -> Event {
    press_in(from, chat, None, 1, &format!("t:{}:claim", ticket.0))
}

#[test]
fn a_claim_in_one_groups_general_takes_only_that_groups_tickets() {
    // Nobody works in tech: its ticket waits in its queue.
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, groups: [billing] }\n";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", team)]);
    let tech = world.open(43, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    world.event(&claim_in_general(1, BILLING, tech));
    let refused = world.send_all();
    assert!(refused.contains("This button belongs to another ticket."), "{refused}");
    assert_eq!(world.ticket(tech).assignee, None);
    world.event(&claim_in_general(1, TECH, tech));
    world.send_all();
    assert_eq!(world.ticket(tech).assignee, Some(1), "claimed from the queue of its own group");
}

/// `text` typed by `from` in thread `thread` of `chat`.
fn typed_in(from: u64, chat: i64, thread: i32, message_id: i32, text: &str) -> Event {
    in_chat(staff_says(from, thread, message_id, text), chat)
}

#[test]
fn a_supervisor_transfers_a_ticket_to_another_group_with_its_conversation() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let id = world.open(42, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    let old = world.ticket(id).topic.expect("topic");
    assert_eq!(old.chat_id, TECH);
    let tech_agent = world.ticket(id).assignee.expect("routed in tech");
    world.event(&customer_says(42, 7, "It crashes on start"));
    world.event(&typed_in(tech_agent, TECH, old.thread_id, 900, "Which version do you use?"));
    world.send_all();

    world.event(&typed_in(1, TECH, old.thread_id, 901, "/transfer billing"));
    assert_eq!(world.ticket(id).group.as_deref(), Some("billing"), "the ticket names its new group at once");
    // The customer writes while the new topic is being opened: it waits for it.
    world.event(&customer_says(42, 8, "Any news?"));
    let moved = world.send_all();
    let left = format!("thread {TECH}/{} ", old.thread_id);
    let line = moved.lines().find(|line| line.starts_with(&left)).unwrap_or_else(|| panic!("{moved}"));
    assert!(line.contains("Ana transferred T-000001 to the billing group"), "{moved}");
    assert!(
        moved.contains(&format!("CloseThread {{ chat_id: {TECH}, thread_id: {} }}", old.thread_id)),
        "{moved}"
    );
    assert_eq!(created(&moved).len(), 1, "{moved}");
    let ticket = world.ticket(id);
    let new = ticket.topic.expect("a new topic");
    assert_eq!(new.chat_id, BILLING, "{moved}");
    assert_ne!(new.thread_id, old.thread_id);
    // The card, then the summary with the conversation's last messages, in the new topic.
    let card = moved.find("topic T-000001 #").expect("card");
    let summary = moved.find("↩ Ana transferred T-000001 here from the tech group.").expect("summary");
    assert!(card < summary && moved[card..].contains("The app crashes"), "{moved}");
    assert!(
        moved[summary..].contains("customer: It crashes on start")
            && moved[summary..].contains(": Which version do you use?")
            && moved[summary..].contains("does not work in this group, so it was unassigned"),
        "{moved}"
    );
    // The tech agent does not work in billing: routing chose among billing's agents.
    let assignee = ticket.assignee.expect("routed in billing");
    assert!([1, 2].contains(&assignee), "{id} went to {assignee}, outside billing: {moved}");
    assert!(moved.contains("Assigned to"), "{moved}");
    // The customer's message written meanwhile, and the next one, reach the new topic.
    assert_eq!(world.counterparts((42, 8)).first().map(|(chat, _)| *chat), Some(BILLING), "{moved}");
    world.event(&customer_says(42, 9, "Hello?"));
    let after = world.send_all();
    assert!(after.contains("copy of 42/[9]"), "{after}");
    assert_eq!(world.counterparts((42, 9)).first().map(|(chat, _)| *chat), Some(BILLING), "{after}");
    assert!(!after.contains(&left), "nothing more in the old topic: {after}");
    let recorded = world.history(id).iter().any(|entry| {
        entry.actor == crate::history::Actor::Agent(1)
            && entry.kind.to_string().contains("transferred from the tech group to the billing group")
    });
    assert!(recorded, "{:?}", world.history(id));
    // Messages in the old topic reach no ticket now.
    world.event(&typed_in(3, TECH, old.thread_id, 902, "Still here?"));
    assert!(!world.send_all().contains("chat 42"), "the old topic is no ticket's");
}

#[test]
fn a_transfer_is_refused_with_a_clear_line() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let id = world.open(42, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    let topic = world.ticket(id).topic.expect("topic");
    let said = |world: &mut World, from: u64, text: &str| {
        let topic = world.ticket(id).topic.expect("topic");
        world.event(&typed_in(from, topic.chat_id, topic.thread_id, 950, text));
        world.send_all()
    };
    let refused = said(&mut world, 3, "/transfer billing");
    assert!(refused.contains("Only supervisors transfer tickets"), "{refused}");
    let unknown = said(&mut world, 1, "/transfer sales");
    assert!(
        unknown.contains("There is no staff group \"sales\"")
            && unknown.contains("Staff groups: billing, tech."),
        "{unknown}"
    );
    let bare = said(&mut world, 1, "/transfer");
    assert!(bare.contains("/transfer <group>") && bare.contains("Staff groups: billing, tech."), "{bare}");
    let same = said(&mut world, 1, "/transfer tech");
    assert!(same.contains("T-000001 is already in the tech group."), "{same}");
    for refusal in [&refused, &unknown, &bare, &same] {
        assert!(created(refusal).is_empty() && !refusal.contains("CloseThread"), "{refusal}");
    }
    assert_eq!(world.ticket(id).topic, Some(topic), "nothing moved");
    said(&mut world, 1, "/close");
    let closed = said(&mut world, 1, "/transfer billing");
    assert!(closed.contains("T-000001 is closed; /reopen it first to transfer it."), "{closed}");
    assert!(created(&closed).is_empty(), "{closed}");
    assert_eq!(world.ticket(id).topic, Some(topic), "nothing moved");
}

const FULL_DESK: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -200, categories: [billing], limits: { topics: 5 } }
  - { name: tech, chat: -300, limits: { messages: 1000 } }
  - { name: billing-2, chat: -400, categories: [billing] }
";

#[test]
fn a_group_at_its_topic_limit_gives_new_tickets_to_the_next_of_its_filter_and_general_is_told() {
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", FULL_DESK), ("team.yaml", team)]);
    let mut told = Vec::new();
    for n in 0..6_u64 {
        let id = world.open(100 + n, &[("category", "billing"), ("description", "Charged twice")]);
        let transcript = world.send_all();
        let general: Vec<String> = transcript
            .lines()
            .filter(|line| line.starts_with("chat -200 ") && line.contains('⚠'))
            .map(str::to_owned)
            .collect();
        told.push(general);
        let expect = if n < 5 { ("billing", BILLING) } else { ("billing-2", -400) };
        let ticket = world.ticket(id);
        assert_eq!(ticket.group.as_deref(), Some(expect.0), "ticket {n}: {transcript}");
        assert_eq!(ticket.topic.map(|topic| topic.chat_id), Some(expect.1), "ticket {n}: {transcript}");
    }
    // Told once at 80% (the fourth topic), once at the limit (the fifth), then no more.
    let counts: Vec<usize> = told.iter().map(Vec::len).collect();
    assert_eq!(counts, [0, 0, 0, 1, 1, 0], "{told:?}");
    assert!(told[3][0].contains("The billing group has used 80% of its limit (4 of 5 topics). At the limit new tickets open in the billing-2 group."), "{told:?}");
    assert!(told[4][0].contains("The billing group reached its limit (5 of 5 topics): new tickets open in the billing-2 group from now on"), "{told:?}");
    // A technical ticket is not billing's to roll over: it goes to tech as ever.
    let tech = world.open(200, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    assert_eq!(world.ticket(tech).group.as_deref(), Some("tech"));
}

#[test]
fn the_messages_telegram_took_count_toward_their_groups_limit_alone() {
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", FULL_DESK), ("team.yaml", team)]);
    // Messages in a private chat and in a group without limits are counted or ignored, never
    // charged to tech.
    world.event(&Event::Posted { chat_id: 42, messages: 5_000 });
    world.event(&Event::Posted { chat_id: BILLING, messages: 5_000 });
    world.event(&Event::Posted { chat_id: TECH, messages: 799 });
    assert!(!world.send_all().contains('⚠'));
    world.event(&Event::Posted { chat_id: TECH, messages: 1 });
    let warned = world.send_all();
    assert!(
        warned.contains("chat -300 ")
            && warned.contains("The tech group has used 80% of its limit (800 of 1000 messages), and no other group has its filter"),
        "{warned}"
    );
    world.event(&Event::Posted { chat_id: TECH, messages: 150 });
    assert!(!world.send_all().contains('⚠'), "told once");
    world.event(&Event::Posted { chat_id: TECH, messages: 50 });
    let full = world.send_all();
    assert!(full.contains("The tech group reached its limit (1000 of 1000 messages) and no other group has its filter: new tickets still open here."), "{full}");
    // Its filter has no other group: tickets still open there.
    let id = world.open(43, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    assert_eq!(world.ticket(id).topic.map(|topic| topic.chat_id), Some(TECH));
}

#[test]
fn a_ticket_whose_topic_is_lost_gets_a_new_one_where_its_filter_has_room() {
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n";
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -200, categories: [billing], limits: { topics: 2 } }
  - { name: tech, chat: -300 }
  - { name: billing-2, chat: -400, categories: [billing] }
";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", desk), ("team.yaml", team)]);
    let first = world.open(42, &[("category", "billing"), ("description", "Charged twice")]);
    world.send_all();
    // Lost while billing has room: the new topic opens in billing again.
    world.event(&Event::Delivered(Delivery::TopicMissing { ticket: first }));
    let again = world.send_all();
    assert_eq!(created(&again).len(), 1, "{again}");
    assert_eq!(world.ticket(first).topic.map(|topic| topic.chat_id), Some(BILLING), "{again}");
    // That was billing's second topic: it is full. Lost again, the topic opens in billing-2.
    world.event(&Event::Delivered(Delivery::TopicMissing { ticket: first }));
    let moved = world.send_all();
    let ticket = world.ticket(first);
    assert_eq!(ticket.topic.map(|topic| topic.chat_id), Some(-400), "{moved}");
    assert_eq!(ticket.group.as_deref(), Some("billing-2"));
    assert!(moved.contains("Charged twice"), "its card in the new topic: {moved}");
}

/// A ticket opened in tech and transferred to billing by Ana; the old topic and the new.
fn transferred(world: &mut World) -> (TicketId, Topic, Topic) {
    let id = world.open(42, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    let old = world.ticket(id).topic.expect("topic");
    world.event(&typed_in(1, TECH, old.thread_id, 901, "/transfer billing"));
    world.send_all();
    let new = world.ticket(id).topic.expect("a new topic");
    assert_eq!((old.chat_id, new.chat_id), (TECH, BILLING));
    (id, old, new)
}

const DAY: i64 = 24 * 60;

#[test]
fn the_topic_a_transfer_left_is_deleted_by_retention_counted_from_the_transfer() {
    left_topic_deleted(Keep::Memory);
}

#[test]
fn the_topic_a_transfer_left_is_deleted_by_retention_on_the_store() {
    left_topic_deleted(Keep::Store);
}

fn left_topic_deleted(keep: Keep) {
    let desk = format!("{DESK}retention:\n  delete_closed_topics_after: 5d\n");
    let (mut world, _dir) =
        World::with_changed_rules_kept(&[("desk.yaml", &desk), ("team.yaml", TEAM)], keep);
    let (_, old, new) = transferred(&mut world);
    let deleted = |topic: Topic| {
        format!("DeleteTopic {{ chat_id: {}, thread_id: {} }}", topic.chat_id, topic.thread_id)
    };
    world.minute += 5 * DAY - 10;
    world.event(&Event::Tick);
    let early = world.send_all();
    assert!(!early.contains("DeleteTopic"), "not yet: {early}");
    world.minute += 20;
    world.event(&Event::Tick);
    let due = world.send_all();
    assert!(due.contains(&deleted(old)), "the old topic goes five days after the transfer: {due}");
    assert!(!due.contains(&deleted(new)), "the open ticket keeps its topic: {due}");
    let audit: Vec<crate::audit::AuditEntry> = match &*world.kept.borrow() {
        Kept::Memory(state) => state.audit.clone(),
        Kept::Store { store, .. } => {
            store.read().expect("read").audit_log().expect("audit").into_iter().map(|(_, e)| e).collect()
        }
    };
    let recorded = audit.into_iter().any(|entry| match entry.action {
        Action::Retention { setting, count, of, .. } => {
            (setting.as_str(), count, of) == ("delete_closed_topics_after", 1, Some(Retained::LeftTopics))
        }
        _ => false,
    });
    assert!(recorded, "the pass is in the audit log");
    // Once only.
    world.minute += 30 * DAY;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains(&deleted(old)));
}

#[test]
fn without_retention_the_topic_a_transfer_left_stays() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    transferred(&mut world);
    world.minute += 400 * DAY;
    world.event(&Event::Tick);
    let later = world.send_all();
    assert!(!later.contains("DeleteTopic"), "{later}");
}

#[test]
fn forgetting_the_customer_deletes_the_topic_a_transfer_left() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let (id, old, new) = transferred(&mut world);
    world.event(&typed_in(1, BILLING, new.thread_id, 910, "/forget"));
    world.send_all();
    world.event(&press_in(1, BILLING, Some(new.thread_id), 1, &format!("fg:{}", id.0)));
    let done = world.send_all();
    for topic in [old, new] {
        let deleted = format!("DeleteTopic {{ chat_id: {}, thread_id: {} }}", topic.chat_id, topic.thread_id);
        assert!(done.contains(&deleted), "{deleted}: {done}");
    }
    assert!(done.contains("2 topics being deleted"), "{done}");
}

/// A transferred ticket's topic deleted in Telegram: the new topic opens in the group the
/// ticket is in now (not where it was chosen at opening), with the card and the
/// conversation's last messages, from before the transfer too.
#[test]
fn a_transferred_tickets_deleted_topic_opens_again_in_its_current_group() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let id = world.open(42, &[("category", "technical"), ("description", "The app crashes")]);
    world.send_all();
    let old = world.ticket(id).topic.expect("topic");
    world.event(&customer_says(42, 7, "It crashes on start"));
    world.send_all();
    world.event(&typed_in(1, TECH, old.thread_id, 901, "/transfer billing"));
    world.send_all();
    let moved = world.ticket(id).topic.expect("a topic in billing");
    assert_eq!(moved.chat_id, BILLING);
    world.event(&typed_in(1, BILLING, moved.thread_id, 902, "/resolve"));
    world.send_all();
    // Someone deletes billing's topic; the customer writes again, which reopens the ticket,
    // and the copy meets "message thread not found".
    world.event(&customer_says(42, 8, "It crashes again"));
    world.event(&Event::Delivered(Delivery::TopicMissing { ticket: id }));
    let again = world.send_all();
    let created = created(&again);
    assert_eq!(created.len(), 1, "{again}");
    let ticket = world.ticket(id);
    assert_eq!(ticket.status, Status::Open, "{again}");
    let topic = ticket.topic.expect("a new topic");
    assert_eq!(topic.chat_id, BILLING, "in its current group, not tech where it opened: {again}");
    assert_ne!(topic.thread_id, moved.thread_id);
    let card = again.find("topic T-000001 #").expect("the card");
    let summary = again
        .find("↻ The former topic of T-000001 was deleted in Telegram; this one replaces it.")
        .unwrap_or_else(|| panic!("{again}"));
    assert!(card < summary && again[card..summary].contains("The app crashes"), "{again}");
    assert!(
        again[summary..].contains("customer: It crashes on start")
            && again[summary..].contains("customer: It crashes again"),
        "{again}"
    );
}

const PRIORITY: i64 = -400;

/// Three groups: billing by category, tech takes the rest, priority takes what the `group`
/// hook sends it.
const THREE: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -200, categories: [billing] }
  - { name: tech, chat: -300 }
  - { name: priority, chat: -400, tags: [vip] }
";

const THREE_TEAM: &str = "\
agents:
  - { id: 1, name: Ana, role: supervisor, groups: [billing] }
  - { id: 2, name: Ben, groups: [billing] }
  - { id: 3, name: Cy, groups: [tech] }
  - { id: 5, name: Eve, groups: [priority] }
";

#[test]
fn the_group_hook_sends_a_ticket_to_the_group_it_names_and_its_agents() {
    // Urgent words go to priority, whatever the filter says; the rest as the filters say.
    let hook = "fn group(ticket, groups) {\n\
                \x20   if ticket.fields.description.contains(\"urgent\") { return \"priority\"; }\n\
                \x20   ()\n\
                }\n";
    let (mut world, _dir) = World::with_changed_rules(&[
        ("desk.yaml", THREE),
        ("team.yaml", THREE_TEAM),
        ("grouping.rhai", hook),
    ]);
    let cases = [
        ("billing", "Charged twice, urgent", "priority", PRIORITY, 5),
        ("billing", "Charged twice", "billing", BILLING, 1),
        ("technical", "The app crashes, urgent please", "priority", PRIORITY, 5),
        ("technical", "The app crashes", "tech", TECH, 3),
    ];
    for (n, (category, description, group, chat, _)) in cases.iter().enumerate() {
        let id = world.open(100 + n as u64, &[("category", category), ("description", description)]);
        let transcript = world.send_all();
        assert!(!transcript.contains("A rule failed"), "{transcript}");
        let ticket = world.ticket(id);
        assert_eq!(ticket.group.as_deref(), Some(*group), "{description}");
        assert_eq!(ticket.topic.map(|topic| topic.chat_id), Some(*chat), "{description}: {transcript}");
        let assignee = ticket.assignee.expect("routed");
        if *group == "billing" {
            assert!([1, 2].contains(&assignee), "{description} went to {assignee}");
        } else {
            assert_eq!(assignee, cases[n].4, "{description}: routed among its group's agents");
        }
    }
}

#[test]
fn a_failing_group_hook_falls_back_to_the_filters_and_is_reported_once() {
    for (hook, said) in [
        ("fn group(ticket, groups) { \"sales\" }\n", "group() returned \"sales\", which is no staff group"),
        ("fn group(ticket, groups) { groups.len() }\n", "group() must return a staff group's name or ()"),
        ("fn group(ticket, groups) { throw \"no groups today\"; }\n", "no groups today"),
        ("fn group(ticket, groups) { loop { } }\n", "group ran over its budget"),
    ] {
        let (mut world, _dir) = World::with_changed_rules(&[
            ("desk.yaml", THREE),
            ("team.yaml", THREE_TEAM),
            ("grouping.rhai", hook),
        ]);
        let billing = world.open(42, &[("category", "billing"), ("description", "Charged twice")]);
        let tech = world.open(43, &[("category", "technical"), ("description", "The app crashes")]);
        let transcript = world.send_all();
        let alerts: Vec<&str> = transcript.lines().filter(|line| line.contains("A rule failed")).collect();
        assert_eq!(alerts.len(), 1, "one alert for the rule set and hook:\n{transcript}");
        assert!(alerts[0].starts_with("chat -200 "), "in the desk's own General: {}", alerts[0]);
        assert!(alerts[0].contains("grouping.rhai:1:") && alerts[0].contains(said), "{}", alerts[0]);
        // The default decided: each ticket in its filter's group, with its topic there.
        for (id, group, chat) in [(billing, "billing", BILLING), (tech, "tech", TECH)] {
            let ticket = world.ticket(id);
            assert_eq!(ticket.group.as_deref(), Some(group), "{hook}");
            assert_eq!(ticket.topic.map(|topic| topic.chat_id), Some(chat), "{hook}: {transcript}");
        }
    }
}

/// Two overflow groups beside billing (`two`'s chat is -400).
const OVERFLOW: &str = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -200, categories: [billing] }
  - { name: one, chat: -300 }
  - { name: two, chat: -400 }
";

#[test]
fn overflow_groups_take_tickets_by_active_tickets_then_the_last_minutes_calls() {
    // Nobody works in the overflow groups: tickets stay active in their queues.
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, groups: [billing] }\n";
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", OVERFLOW), ("team.yaml", team)]);
    let technical = |world: &mut World, customer: u64| {
        let id = world.open(customer, &[("category", "technical"), ("description", "The app crashes")]);
        world.ticket(id)
    };
    let group = |ticket: &crate::ticket::Ticket| ticket.group.clone().unwrap_or_default();
    // A tie: desk.yaml's order; then the one with fewer active tickets.
    let first = technical(&mut world, 50);
    assert_eq!(group(&first), "one");
    let second = technical(&mut world, 51);
    assert_eq!(group(&second), "two");
    // A billing ticket goes by its filter, whatever the loads.
    world.open(52, &[("category", "billing"), ("description", "Charged twice")]);
    world.send_all();
    assert_eq!(world.read(|state| state.active_in_group("one")), 1);
    assert_eq!(world.read(|state| state.active_in_group("two")), 1);
    // As many active tickets each: the group whose chat had fewer calls this last minute.
    world.event(&customer_says(50, 7, "Still broken"));
    world.event(&customer_says(50, 8, "Hello?"));
    let busier = technical(&mut world, 53);
    assert_eq!(group(&busier), "two", "one's chat just took the customer's messages");
    world.send_all();
    // Fewer active tickets wins over a quieter chat.
    let third = technical(&mut world, 54);
    assert_eq!(group(&third), "one");
    world.send_all();
    // A resolved ticket no longer counts.
    let topic = world.ticket(busier.id).topic.expect("topic");
    world.event(&typed_in(1, PRIORITY, topic.thread_id, 900, "/resolve"));
    world.send_all();
    assert_eq!(world.read(|state| state.active_in_group("two")), 1);
    let fourth = technical(&mut world, 55);
    assert_eq!(group(&fourth), "two");
}

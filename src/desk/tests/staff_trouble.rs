//! Telegram refusing the bot in the staff chat, through the real desk: the first refusal of
//! a kind tells General (a right is missing) or the supervisors in private (the bot was
//! removed), later ones say nothing, and what ends the trouble says so once in General.

use super::*;
use crate::outbox::StaffTrouble;

fn refused(trouble: StaffTrouble, reason: &str, ticket: TicketId) -> Event {
    refused_in(STAFF, trouble, reason, ticket)
}

fn refused_in(chat: i64, trouble: StaffTrouble, reason: &str, ticket: TicketId) -> Event {
    Event::Delivered(Delivery::StaffChatRefused {
        trouble,
        reason: reason.to_owned(),
        ticket: Some(ticket),
        chat: Some(chat),
    })
}

/// Regression (a ticket lost while the bot could not manage topics): General hears once
/// why the topic waits, however often the creation is refused, and once when it opened.
#[test]
fn a_refused_topic_is_told_in_general_once_and_its_opening_too() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    let reason = "Bad Request: not enough rights to create a topic";
    for _ in 0..3 {
        world.event(&refused(StaffTrouble::Rights, reason, id));
    }
    // A relay into another, existing topic proves nothing about the right to create topics.
    world.event(&Event::Delivered(Delivery::Relayed { source: (42, 1), copies: vec![(STAFF, 77)] }));
    let trouble = world.counter("staff_chat_trouble");
    assert_eq!(trouble, Some(1), "still told of, not ended by a relay");
    // The stand-in Telegram then accepts the creation: the topic opens, which ends it.
    let told = world.send_all();
    let lines: Vec<&str> = told.lines().collect();
    let position = |needle: &str| lines.iter().position(|line| line.contains(needle));
    let count = |needle: &str| lines.iter().filter(|line| line.contains(needle)).count();
    let refusal = "⚠ Telegram refuses the bot here: Bad Request: not enough rights to create a topic";
    assert_eq!(count("Telegram refuses the bot here"), 1, "{told}");
    assert_eq!(count("works in the staff group again"), 1, "{told}");
    assert!(position(refusal).is_some(), "{told}");
    assert!(position("create topic") < position("works in the staff group again"), "{told}");
    world.event(&refused(StaffTrouble::Rights, reason, id));
    assert!(world.send_all().contains("Telegram refuses the bot here"), "a new outage is told again");
}

/// Regression (messages dropped while the bot was kicked): the supervisors hear it in
/// private, since the bot cannot post in the group; the first post accepted there ends it.
#[test]
fn a_bot_removed_from_the_staff_chat_tells_the_supervisors_in_private() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    let reason = "Forbidden: bot was kicked from the supergroup chat";
    world.event(&refused(StaffTrouble::Removed, reason, id));
    world.event(&refused(StaffTrouble::Removed, reason, id));
    let told = world.send_all();
    let to_dana: Vec<&str> = told.lines().filter(|line| line.starts_with(&format!("chat {DANA}"))).collect();
    assert_eq!(to_dana.len(), 1, "{told}");
    assert!(
        to_dana[0].contains("cannot reach the staff group (Telegram: Forbidden: bot was kicked"),
        "{told}"
    );
    assert!(!told.contains("chat -100777"), "General cannot be told: {told}");

    world.event(&Event::Delivered(Delivery::Relayed { source: (42, 2), copies: vec![(STAFF, 78)] }));
    let back = world.send_all();
    assert!(back.contains("chat -100777") && back.contains("works in the staff group again"), "{back}");
}

use super::groups::{BILLING, DESK, TECH};

const TEAM: &str = "\
agents:
  - { id: 1, name: Ana, role: supervisor }
  - { id: 2, name: Ben, groups: [billing] }
  - { id: 3, name: Cy, groups: [tech] }
";

/// The lines of `told` queued for `chat`.
fn lines_for(told: &str, chat: i64) -> Vec<String> {
    told.lines().filter(|line| line.starts_with(&format!("chat {chat}"))).map(str::to_owned).collect()
}

/// With two groups, a refusal in one names it and is told in the other's General; the
/// other group is not in trouble (its own topics open without a word of recovery), and the
/// recovery is told per group too.
#[test]
fn a_refusal_in_one_staff_group_names_it_and_is_told_in_another_groups_general() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let tech = world.open(42, &[("category", "technical")]);
    let reason = "Bad Request: not enough rights to create a topic";
    world.event(&refused_in(TECH, StaffTrouble::Rights, reason, tech));
    world.event(&refused_in(TECH, StaffTrouble::Rights, reason, tech));
    assert_eq!(world.counter("staff_chat_trouble:tech"), Some(1));
    assert_eq!(world.counter("staff_chat_trouble").unwrap_or(0), 0, "billing is not in trouble");
    // A billing ticket opens meanwhile: its topic says nothing of a recovery.
    world.open(43, &[("category", "billing")]);
    let told = world.send_all();
    let in_billing = lines_for(&told, BILLING);
    let notice = "⚠ Telegram refuses the bot in the tech group: Bad Request: not enough rights";
    assert_eq!(in_billing.iter().filter(|line| line.contains(notice)).count(), 1, "{told}");
    assert!(!lines_for(&told, TECH).iter().any(|line| line.contains("Telegram refuses the bot")), "{told}");
    // The stand-in Telegram then opened tech's topic: that ends tech's trouble, told once
    // in tech's General and where the trouble was read.
    let back = "✓ The bot works in the tech group again";
    assert_eq!(in_billing.iter().filter(|line| line.contains(back)).count(), 1, "{told}");
    assert_eq!(lines_for(&told, TECH).iter().filter(|line| line.contains(back)).count(), 1, "{told}");
    assert!(!told.contains("works in the billing group again"), "billing never was in trouble: {told}");
    assert_eq!(world.counter("staff_chat_trouble:tech"), Some(0));
}

/// The desk's first group in trouble: the notice goes to the first group that works; a
/// removal tells the supervisors in private and that General too.
#[test]
fn the_first_group_in_trouble_is_told_in_the_first_group_that_works() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let billing = world.open(43, &[("category", "billing")]);
    world.send_all();
    let reason = "Forbidden: bot was kicked from the supergroup chat";
    world.event(&refused_in(BILLING, StaffTrouble::Removed, reason, billing));
    world.event(&refused_in(BILLING, StaffTrouble::Removed, reason, billing));
    let told = world.send_all();
    let notice = "⚠ The bot cannot reach the billing staff group (Telegram: Forbidden: bot was kicked";
    assert_eq!(lines_for(&told, 1).iter().filter(|line| line.contains(notice)).count(), 1, "{told}");
    assert_eq!(lines_for(&told, TECH).iter().filter(|line| line.contains(notice)).count(), 1, "{told}");
    assert!(lines_for(&told, BILLING).is_empty(), "billing cannot be told: {told}");
    assert_eq!(world.counter("staff_chat_trouble"), Some(2));
    assert_eq!(world.counter("staff_chat_trouble:tech").unwrap_or(0), 0);
    // A post accepted in tech proves nothing about billing.
    world.event(&Event::Delivered(Delivery::Relayed { source: (42, 2), copies: vec![(TECH, 78)] }));
    assert!(!world.send_all().contains("works in"), "tech's post ends nothing");
    assert_eq!(world.counter("staff_chat_trouble"), Some(2));
    world.event(&Event::Delivered(Delivery::Relayed { source: (43, 2), copies: vec![(BILLING, 79)] }));
    let back = world.send_all();
    let line = "✓ The bot works in the billing group again";
    assert_eq!(lines_for(&back, BILLING).iter().filter(|l| l.contains(line)).count(), 1, "{back}");
    assert_eq!(lines_for(&back, TECH).iter().filter(|l| l.contains(line)).count(), 1, "{back}");
}

/// Both groups in trouble: no General works elsewhere, so a missing right is told in the
/// group's own General, naming it.
#[test]
fn with_every_group_in_trouble_a_missing_right_is_told_in_its_own_general() {
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", DESK), ("team.yaml", TEAM)]);
    let tech = world.open(42, &[("category", "technical")]);
    let billing = world.open(43, &[("category", "billing")]);
    let reason = "Bad Request: not enough rights to create a topic";
    world.event(&refused_in(BILLING, StaffTrouble::Rights, reason, billing));
    world.event(&refused_in(TECH, StaffTrouble::Rights, reason, tech));
    let outbox = world.send_all();
    assert!(
        outbox.contains(&format!("chat {TECH}"))
            && outbox.contains("refuses the bot in the tech group (here)"),
        "{outbox}"
    );
    assert!(outbox.contains("refuses the bot in the billing group: "), "{outbox}");
}

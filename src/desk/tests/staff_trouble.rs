//! Telegram refusing the bot in the staff chat, through the real desk: the first refusal of
//! a kind tells General (a right is missing) or the supervisors in private (the bot was
//! removed), later ones say nothing, and what ends the trouble says so once in General.

use super::*;
use crate::outbox::StaffTrouble;

fn refused(trouble: StaffTrouble, reason: &str, ticket: TicketId) -> Event {
    Event::Delivered(Delivery::StaffChatRefused { trouble, reason: reason.to_owned(), ticket: Some(ticket) })
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

//! The knowledge base for agents: articles under a new ticket's card, `/kb words`, and the
//! button that sends an article to the customer as the agent's plain-text reply.

use expect_test::expect;

use super::{DANA, STRANGER, World, check, press, staff_says};
use crate::history::EntryKind;
use crate::ticket::Status;

#[test]
fn kb_searches_and_a_button_sends_the_article_as_the_agents_reply() {
    let mut world = World::new();
    let id =
        world.open(42, &[("category", "technical"), ("description", "The export to CSV never finishes")]);
    world.send_all();

    world.event(&staff_says(DANA, 11, 70, "/kb refnud money back"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: 📖 Articles for “refnud money back” (a button sends it to the customer):
                | 1. Refunds [refund-policy] https://help.example.com/billing/refunds
                buttons: Send 1. Refunds (kb:1:refund-policy)
        "#]],
    );
    world.event(&press(DANA, 11, "kb:1:refund-policy"));
    check(
        &world.send_all(),
        &expect![[r#"
            chat 42 #1008: Refunds
                | https://help.example.com/billing/refunds
            topic T-000001 #1009: ✓ Dana sent the article “Refunds” [refund-policy] to the customer.
            AnswerButton { callback_id: "cb1", text: Some("Sent to the customer.") }
        "#]],
    );
    assert_eq!(world.ticket(id).status, Status::Open);
    let replies: Vec<String> = world
        .history(id)
        .into_iter()
        .filter_map(|entry| match entry.kind {
            EntryKind::AgentReply { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(replies, ["Refunds\nhttps://help.example.com/billing/refunds"]);
}

#[test]
fn an_article_without_a_link_is_sent_whole_and_nothing_matching_is_said() {
    let mut world = World::new();
    world.open(42, &[("category", "other"), ("description", "Hello there")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 70, "/kb weather forecast"));
    world.event(&staff_says(DANA, 11, 71, "/kb"));
    world.event(&press(DANA, 11, "kb:1:browser-support"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1006: No article matches “weather forecast”.
            topic T-000001 #1007: No article matches this ticket. Search with /kb words
            chat 42 #1008: Supported browsers
                | 
                | The app supports the two latest versions of Chrome, Firefox, Safari and Edge. Internet Explorer is not supported.
                | If a page looks broken, update the browser and turn off extensions that block scripts.
            topic T-000001 #1009: ✓ Dana sent the article “Supported browsers” [browser-support] to the customer.
            AnswerButton { callback_id: "cb1", text: Some("Sent to the customer.") }
        "#]],
    );
}

#[test]
fn send_buttons_are_checked_like_every_staff_button() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "billing"), ("description", "I was charged twice")]);
    world.send_all();
    world.event(&press(STRANGER, 11, "kb:1:refund-policy"));
    world.event(&press(DANA, 12, "kb:1:refund-policy"));
    world.event(&press(DANA, 11, "kb:1:no-such-article"));
    check(
        &world.send_all(),
        &expect![[r#"
            AnswerButton { callback_id: "cb1", text: Some("Only members of the support team can do this.") }
            AnswerButton { callback_id: "cb1", text: Some("This button belongs to another ticket.") }
            AnswerButton { callback_id: "cb1", text: Some("This article is no longer in the knowledge base.") }
        "#]],
    );
    world.event(&staff_says(DANA, 11, 70, "/close"));
    world.send_all();
    world.event(&press(DANA, 11, "kb:1:refund-policy"));
    check(
        &world.send_all(),
        &expect![[r#"
            AnswerButton { callback_id: "cb1", text: Some("T-000001 is closed: /reopen it to write to the customer.") }
        "#]],
    );
    let sent = world.history(id).into_iter().any(|entry| matches!(entry.kind, EntryKind::AgentReply { .. }));
    assert!(!sent, "no refused press sends anything");
}

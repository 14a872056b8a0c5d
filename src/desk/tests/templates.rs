//! Templates on the memory state: who may save, what a save needs, a closed ticket, a
//! template's fields filled from the ticket's answers, and a forged or stale button.

use expect_test::expect;

use super::{DANA, STAFF, World, check, press, staff_says};
use crate::desk::{Event, Kind, StaffMessage};

const ELI: u64 = 222_222_222;

fn replying(from: u64, thread: i32, text: &str, replied: &str) -> Event {
    Event::Staff(StaffMessage {
        chat_id: STAFF,
        thread: Some(thread),
        from,
        from_name: format!("user{from}"),
        message_id: 500,
        kind: Kind::Text,
        text: Some(text.to_owned()),
        reply_to: Some(400),
        reply_author: Some(from),
        reply_text: Some(replied.to_owned()),
        via_bot: None,
        entities: Vec::new(),
        file_id: None,
        single: None,
        album: None,
    })
}

#[test]
fn saving_needs_a_supervisor_a_reply_a_valid_id_and_known_placeholders() {
    let mut world = World::new();
    world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    world.send_all();
    world.event(&replying(ELI, 11, "/template save hours", "We open at 9."));
    world.event(&staff_says(DANA, 11, 501, "/template save hours"));
    world.event(&replying(DANA, 11, "/template save Hours!", "We open at 9."));
    world.event(&replying(DANA, 11, "/template save hours", "Order {{fields.order}}"));
    world.event(&replying(DANA, 11, "/template save hours xx1", "We open at 9."));
    world.event(&replying(
        DANA,
        11,
        "/template save refund ru",
        "Возврат по счёту {{fields.invoice}} готов.",
    ));
    world.event(&staff_says(DANA, 11, 502, "/template history nope"));
    world.event(&staff_says(DANA, 11, 503, "/template"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: Only supervisors can save templates.
            topic T-000001 #1008: Reply to the message whose text should become the template: /template save hours
            topic T-000001 #1009: "Hours!" cannot be a template id: use up to 40 lowercase letters, digits, - and _, like refund-approved.
            topic T-000001 #1010: Not saved: no form in forms/ has a field `order` for {{fields.order}}.
            topic T-000001 #1011: "xx1" is not a language code: use two or three letters, like en or ru.
            topic T-000001 #1012: ✓ Template refund updated: version v1 (ru). /t refund sends it.
            topic T-000001 #1013: There is no template nope.
            topic T-000001 #1014: Use /template save <id> [language], replying to the message to save, or /template history <id>.
        "#]],
    );
}

#[test]
fn sending_fills_the_tickets_answers_and_refuses_a_closed_ticket_or_a_stale_button() {
    let mut world = World::new();
    world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 501, "/t refund"));
    world.event(&press(DANA, 11, "t:1:tpl:no-such-template"));
    world.event(&press(DANA, 12, "t:1:tpl:refund"));
    world.event(&staff_says(DANA, 11, 502, "/close"));
    world.event(&staff_says(DANA, 11, 503, "/t greeting"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: Dana (template refund):
                | Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your card within 5 to 10 business days, depending on your bank.
            chat 42 #1008: Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your card within 5 to 10 business days, depending on your bank.
            AnswerButton { callback_id: "cb1", text: Some("The template no-such-template no longer exists.") }
            AnswerButton { callback_id: "cb1", text: Some("This button belongs to another ticket.") }
            edit -100777/1003: T-000001 · closed
                | Priority: normal · Category: Billing
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: billing
                | invoice: INV-12345
                buttons: Reopen (t:1:reopen), More (t:1:more)
            CloseTopic { ticket: TicketId(1) }
            topic T-000001 #1013: ✓ Dana closed T-000001.
            chat 42 #1014: Your ticket T-000001 is closed. Write /start to open a new one.
            topic T-000001 #1015: T-000001 is closed, so the customer will not see this. /reopen it to write to them.
        "#]],
    );
}

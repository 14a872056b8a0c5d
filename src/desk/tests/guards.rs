//! The desk's guards through the real desk: `/move` moves only an agent's own words (any
//! staff member's for a supervisor), never a customer's message; a button acts only on the
//! ticket of the message it was pressed on; a customer's text starting with "/" that is not
//! one of intake's commands reaches the topic; an anonymous admin's words reach the
//! customer and their commands are explained, never dropped; routing's assignment opens a
//! new ticket.

use super::*;
use crate::history::ANONYMOUS_ADMIN;

const ELI: u64 = 222_222_222;
/// The bot's own id: Telegram names it as the author of everything the desk posted.
const BOT: u64 = 123_456_789;

/// The shipped rules with routing that leaves every ticket in the queue.
fn queue_only() -> (World, tempfile::TempDir) {
    World::with_changed_rules(&[("routing.rhai", "fn route(ticket, team) { () }\n")])
}

/// `/move` replying to `message`, written by `author`, in the topic `thread`.
fn move_reply(from: u64, thread: i32, message_id: i32, target: TicketId, reply: (i32, u64)) -> Event {
    let mut event = staff_says(from, thread, message_id, &format!("/move {target}"));
    if let Event::Staff(m) = &mut event {
        m.reply_to = Some(reply.0);
        m.reply_author = Some(reply.1);
    }
    event
}

fn press_at(from: u64, thread: Option<i32>, message_id: i32, data: &str) -> Event {
    press_in(from, STAFF, thread, message_id, data)
}

/// The calls that reached someone, card edits and answers to presses left out, without
/// the message ids the stand-in dispatcher made up.
fn sent(transcript: &str) -> Vec<String> {
    let reached = |l: &&str| l.starts_with("chat ") || l.starts_with("topic ") || l.starts_with("Delete");
    transcript.lines().filter(reached).map(without_id).collect()
}

/// `topic T-000001 #1012: text` as `topic T-000001: text`.
fn without_id(line: &str) -> String {
    match line.split_once(" #") {
        Some((place, rest)) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{place}{}", rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        }
        _ => line.to_owned(),
    }
}

#[test]
fn move_of_a_customers_message_is_refused_and_nothing_leaves_their_chat() {
    let (mut world, _rules) = queue_only();
    let wrong = world.open(42, &[("category", "technical")]);
    let right = world.open(43, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 5, "my card number is 4242 4242 4242 4242"));
    world.send_all();
    let copies = world.counterparts((42, 5));
    let &(_, copy) =
        copies.iter().find(|(chat, _)| *chat == STAFF).expect("the customer's words are in the topic");
    // The copy in the topic was posted by the bot: it is the customer's, not Dana's.
    world.event(&move_reply(DANA, 11, 70, right, (copy, BOT)));
    let transcript = world.send_all();
    assert_eq!(
        sent(&transcript),
        ["topic T-000001: Only a message an agent wrote can be moved; that one is the customer's or the \
          desk's, so nothing was moved."],
        "{transcript}"
    );
    let history = world.history(right);
    assert!(!history.iter().any(|e| e.kind.to_string().contains("moved")), "{history:?}");
    assert_eq!(world.ticket(wrong).status, Status::New);
}

#[test]
fn move_of_another_agents_message_is_a_supervisors_call() {
    let (mut world, _rules) = queue_only();
    let _wrong = world.open(42, &[("category", "technical")]);
    let right = world.open(43, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 70, "Your refund is on its way."));
    world.event(&staff_says(ELI, 11, 71, "The invoice is attached."));
    world.send_all();
    // Eli, an agent, may not move Dana's message.
    world.event(&move_reply(ELI, 11, 72, right, (70, DANA)));
    let transcript = world.send_all();
    assert_eq!(
        sent(&transcript),
        ["topic T-000001: Only supervisors move another agent's message; this one is Dana's, so nothing \
          was moved."],
        "{transcript}"
    );
    // Dana, a supervisor, may move Eli's.
    world.event(&move_reply(DANA, 11, 73, right, (71, ELI)));
    let transcript = world.send_all();
    let lines = sent(&transcript);
    assert!(lines.iter().any(|l| l.starts_with("Delete")), "{transcript}");
    assert!(lines.contains(&"chat 43: copy of -100777/[71]".to_owned()), "{transcript}");
}

#[test]
fn a_button_acts_only_on_the_ticket_of_the_message_it_is_on() {
    let (mut world, _rules) = queue_only();
    let first = world.open(42, &[("category", "technical")]);
    let second = world.open(43, &[("category", "technical")]);
    world.send_all();
    let refused =
        "AnswerButton { callback_id: \"cb1\", text: Some(\"This button belongs to another ticket.\") }";
    // Ticket 1's payload on a message in General, on ticket 2's topic, and on ticket 2's card.
    for (thread, message_id) in
        [(None, 500), (Some(12), 1010), (None, world.ticket(second).card.expect("card"))]
    {
        world.event(&press_at(DANA, thread, message_id, &format!("t:{}:resolve", first.0)));
        let transcript = world.send_all();
        assert_eq!(transcript.trim(), refused, "pressed at {thread:?}/{message_id}");
    }
    assert_eq!(world.ticket(first).status, Status::New);
    // The queue's Claim buttons in General act; so does the card, even when Telegram no
    // longer says which topic its message is in.
    world.event(&press_at(DANA, None, 600, &format!("t:{}:claim", first.0)));
    assert_eq!(world.ticket(first).assignee, Some(DANA));
    let card = world.ticket(first).card.expect("card");
    world.event(&press_at(DANA, None, card, &format!("t:{}:resolve", first.0)));
    assert_eq!(world.ticket(first).status, Status::Resolved);
}

#[test]
fn an_undo_button_acts_only_in_its_tickets_topic() {
    let mut world = World::new();
    let first = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(ELI, 11, 50, "/escalate angry customer"));
    world.send_all();
    let seq = world.ticket(first).escalations.first().expect("escalated").seq;
    world.event(&press_at(DANA, None, 500, &format!("x:{}:{seq}", first.0)));
    assert_eq!(world.ticket(first).escalations.len(), 1, "a press in General undoes nothing");
    world.event(&press_at(DANA, Some(11), 501, &format!("x:{}:{seq}", first.0)));
    assert!(world.ticket(first).escalations.is_empty());
}

#[test]
fn a_customer_text_starting_with_a_slash_reaches_the_open_ticket() {
    let (mut world, _rules) = queue_only();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 5, "/etc/hosts is broken"));
    world.event(&customer_says(42, 6, "/frobnicate does nothing"));
    let transcript = world.send_all();
    assert_eq!(
        sent(&transcript),
        ["topic T-000001: copy of 42/[5]", "topic T-000001: copy of 42/[6]"],
        "{transcript}"
    );
    let history = world.history(id);
    assert!(history.iter().any(|e| e.kind.to_string() == "customer: /etc/hosts is broken"));
    // Intake's own commands are still commands.
    world.event(&customer_says(42, 7, "/help"));
    let transcript = world.send_all();
    assert!(!transcript.contains("copy of 42/[7]"), "{transcript}");
    assert!(transcript.starts_with("chat 42 "), "{transcript}");
}

#[test]
fn an_anonymous_admin_reaches_the_customer_and_their_commands_are_explained() {
    let (mut world, _rules) = queue_only();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(ANONYMOUS_ADMIN, 11, 80, "We are looking into it."));
    world.event(&staff_says(ANONYMOUS_ADMIN, 11, 81, "/resolve"));
    world.event(&general_says(ANONYMOUS_ADMIN, "/queue"));
    let transcript = world.send_all();
    let lines = sent(&transcript);
    assert_eq!(lines[0], "chat 42: copy of -100777/[80]", "{transcript}");
    assert!(lines[1].starts_with("topic T-000001: /resolve was not run: it was sent by an anonymous admin"));
    assert!(lines[2].starts_with("chat -100777: /queue was not run: it was sent by an anonymous admin"));
    let ticket = world.ticket(id);
    assert_eq!(
        (ticket.status, ticket.assignee),
        (Status::Open, None),
        "a reply opens it; nobody is assigned"
    );
    assert!(ticket.first_response_at.is_some());
    let history = world.history(id);
    let said: Vec<String> = history.iter().map(|e| format!("{}: {}", e.actor, e.kind)).collect();
    assert!(said.contains(&"an anonymous admin: reply: We are looking into it.".to_owned()), "{said:?}");
}

#[test]
fn routing_opens_the_ticket_it_assigns() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    let ticket = world.ticket(id);
    assert_eq!((ticket.status, ticket.assignee), (Status::Open, Some(DANA)));
    assert_eq!(ticket.first_response_at, None, "an assignment is not a response");
    let transcript = world.send_all();
    assert!(transcript.contains("T-000001 · open\n"), "{transcript}");
    let (mut queued, _rules) = queue_only();
    let id = queued.open(42, &[("category", "technical")]);
    assert_eq!(queued.ticket(id).status, Status::New, "nobody has it yet");
}

#[test]
fn a_message_answering_the_open_ticket_question_goes_to_that_ticket() {
    let (mut world, _rules) = queue_only();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 5, "/start"));
    let transcript = world.send_all();
    assert!(transcript.contains("You already have an open request, T-000001."), "{transcript}");
    world.event(&customer_says(42, 6, "It happens on every export, too."));
    let transcript = world.send_all();
    let lines = sent(&transcript);
    assert!(lines.contains(&"topic T-000001: copy of 42/[6]".to_owned()), "{transcript}");
    assert!(lines.iter().any(|l| l.contains("your messages go to T-000001")), "{transcript}");
    let history = world.history(id);
    assert!(history.iter().any(|e| e.kind.to_string() == "customer: It happens on every export, too."));
    assert!(world.session(42).is_none(), "the question is over");
}

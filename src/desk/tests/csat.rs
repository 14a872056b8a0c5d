//! The satisfaction survey through the real desk, with the shipped rules (desk.yaml `csat`:
//! asked an hour after the resolution, 1 to 5, a comment asked at 3 or below, valid for
//! 3d; `on_csat` escalates a 1): asked once after the delay, a tap, a change of mind, a
//! low rating with its comment, the hook, expiry, and a reopen before the delay.

use super::*;
use crate::deadline::DeadlineKind;

/// The customer's press of `data` under the survey in their chat.
fn customer_press(customer: u64, data: &str) -> Event {
    Event::Button(ButtonPress {
        chat_id: customer as i64,
        from: customer,
        thread: None,
        ..button_press(customer, data)
    })
}

/// Lines said anywhere, card edits left out.
fn said(transcript: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut in_edit = false;
    for line in transcript.lines() {
        if !line.starts_with(' ') {
            in_edit = line.starts_with("edit ");
        }
        if !in_edit {
            lines.push(line);
        }
    }
    lines.join("\n")
}

/// The last card the transcript shows.
fn last_card(transcript: &str) -> String {
    transcript.rsplit("edit -100777/").next().unwrap_or_default().to_owned()
}

fn csat_history(world: &World, id: TicketId) -> Vec<String> {
    world
        .history(id)
        .iter()
        .filter(|entry| {
            entry.kind.to_string().contains("satisfaction") || entry.kind.to_string().contains("csat")
        })
        .map(|entry| format!("{} {}", entry.actor, entry.kind))
        .collect()
}

/// Opens a ticket for customer 42, answers and resolves it; returns its id.
fn resolved_ticket(world: &mut World) -> TicketId {
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 50, "Fixed, please try again"));
    world.event(&staff_says(DANA, 11, 51, "/resolve"));
    world.send_all();
    id
}

#[test]
fn the_survey_comes_after_the_delay_once_and_taps_rate_change_and_comment() {
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 57;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"), "not before the hour");
    world.minute += 2;
    world.event(&Event::Tick);
    let transcript = world.send_all();
    check(
        &said(&transcript),
        &expect![[r#"
            chat 42 #1011: How satisfied are you with how we handled your request?
                | (T-000001)
                buttons: 1 (c:1:1), 2 (c:1:2), 3 (c:1:3), 4 (c:1:4), 5 (c:1:5)"#]],
    );
    assert!(last_card(&transcript).contains("★ Satisfaction: asked, no answer"), "{transcript}");
    // One tap; the same tap again changes nothing.
    world.event(&customer_press(42, "c:1:4"));
    world.event(&customer_press(42, "c:1:4"));
    let transcript = world.send_all();
    check(
        &said(&transcript),
        &expect![[r#"
            topic T-000001 #1013: ★ The customer rated T-000001: 4/5.
            SetButtons { chat_id: 42, message_id: 1, buttons: [[Button { label: "1", data: "c:1:1" }, Button { label: "2", data: "c:1:2" }, Button { label: "3", data: "c:1:3" }, Button { label: "✓ 4", data: "c:1:4" }, Button { label: "5", data: "c:1:5" }]] }
            AnswerButton { callback_id: "cb1", text: Some("Thank you! You rated 4/5.") }
            AnswerButton { callback_id: "cb1", text: Some("You rated 4/5. Thank you!") }"#]],
    );
    assert!(last_card(&transcript).contains("★ Satisfaction: 4/5"), "{transcript}");
    // A change of mind to a low rating asks for a comment; the next text is the comment.
    world.event(&customer_press(42, "c:1:2"));
    world.event(&customer_says(42, 7, "It took three days to fix"));
    let transcript = world.send_all();
    check(
        &said(&transcript),
        &expect![[r#"
            topic T-000001 #1018: ★ The customer changed their rating of T-000001: 4/5 → 2/5.
            chat 42 #1019: Sorry to hear that. What could we have done better?
            SetButtons { chat_id: 42, message_id: 1, buttons: [[Button { label: "1", data: "c:1:1" }, Button { label: "✓ 2", data: "c:1:2" }, Button { label: "3", data: "c:1:3" }, Button { label: "4", data: "c:1:4" }, Button { label: "5", data: "c:1:5" }]] }
            AnswerButton { callback_id: "cb1", text: Some("Changed: you rated 2/5.") }
            topic T-000001 #1023: 💬 The customer's comment on their rating (2/5): It took three days to fix
            chat 42 #1024: Thank you for your comment."#]],
    );
    assert!(
        last_card(&transcript).contains("★ Satisfaction: 2/5 · “It took three days to fix”"),
        "{transcript}"
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.status, Status::Resolved, "the comment neither reopens nor is relayed");
    assert_eq!(ticket.reopened, 0);
    // The comment was the one message taken: the next one is the customer writing again.
    world.event(&customer_says(42, 8, "Still here"));
    let transcript = world.send_all();
    assert!(transcript.contains("copy of 42/[8]"), "{transcript}");
    assert_eq!(world.ticket(id).status, Status::Open);
    // Resolved again and days pass: never asked twice.
    world.event(&staff_says(DANA, 11, 52, "/resolve"));
    world.minute += 2 * 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"), "asked once in a ticket's life");
    assert!(!world.deadlines().iter().any(|d| d.timer == Timer::Ticket(id, DeadlineKind::Csat)));
    check(
        &csat_history(&world, id).join("\n"),
        &expect![[r#"
            desk timer: csat survey (since #5)
            desk satisfaction survey sent (five)
            customer 42 satisfaction rating 4/5
            customer 42 satisfaction rating 2/5
            customer 42 satisfaction comment: It took three days to fix"#]],
    );
}

#[test]
fn a_one_goes_to_the_supervisors_through_on_csat_once() {
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 61;
    world.event(&Event::Tick);
    world.send_all();
    world.event(&customer_press(42, "c:1:1"));
    let transcript = world.send_all();
    assert!(transcript.contains("⇧ Escalated to the supervisors"), "{transcript}");
    assert!(transcript.contains("T-000001 was rated 1 of 5"), "{transcript}");
    assert!(transcript.contains("Sorry to hear that"), "a 1 asks for a comment too:\n{transcript}");
    let ticket = world.ticket(id);
    assert!(ticket.tags.contains("csat-1"));
    assert_eq!(ticket.escalations.len(), 1);
    // A change of mind and back: the hook's guard keeps it to one escalation.
    world.event(&customer_press(42, "c:1:3"));
    world.event(&customer_press(42, "c:1:1"));
    world.send_all();
    assert_eq!(world.ticket(id).escalations.len(), 1);
}

#[test]
fn a_tap_after_the_survey_closed_changes_nothing_and_nobody_is_asked_again() {
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 61;
    world.event(&Event::Tick);
    world.send_all();
    // Three days later (valid_for: 3d) the survey has closed.
    world.minute += 3 * 24 * 60;
    world.event(&customer_press(42, "c:1:5"));
    let transcript = world.send_all();
    check(
        &said(&transcript),
        &expect![[r#"
            SetButtons { chat_id: 42, message_id: 1, buttons: [] }
            AnswerButton { callback_id: "cb1", text: Some("This survey has closed. Thank you all the same.") }"#]],
    );
    let survey = world.ticket(id).csat.expect("asked");
    assert_eq!((survey.rating, survey.answers), (None, 0));
    // Someone else's press, or one from another chat, is refused.
    world.event(&Event::Button(ButtonPress { chat_id: 43, from: 43, ..button_press(43, "c:1:5") }));
    world.event(&Event::Button(ButtonPress { thread: None, ..button_press(42, "c:1:5") }));
    assert_eq!(world.send_all().matches("This button is no longer valid.").count(), 2);
    world.minute += 30 * 24 * 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"), "a customer who never answered is not asked again");
    assert!(world.ticket(id).csat.is_some_and(|survey| survey.rating.is_none()));
}

#[test]
fn a_reopen_before_the_delay_skips_that_resolution() {
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 30;
    world.event(&customer_says(42, 7, "Wait, it broke again"));
    world.minute += 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"));
    assert!(world.ticket(id).csat.is_none());
    world.event(&staff_says(DANA, 11, 52, "/resolve"));
    world.minute += 61;
    world.event(&Event::Tick);
    assert!(world.send_all().contains("How satisfied"), "the next resolution is asked about");
}

#[test]
fn on_close_with_good_and_bad_asks_after_closing_and_a_bad_asks_for_a_comment() {
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml");
    let (cut, _) = desk.split_once("csat:").expect("the shipped desk asks");
    let desk = format!(
        "{cut}csat:\n  ask: on_close\n  delay: 10m\n  scale: good_bad\n  question: {{ en: Was this helpful?, ru: Мы помогли? }}\n  comment_question: {{ en: What went wrong? }}\n  valid_for: 1d\n"
    );
    let (mut world, _dir) = World::with_changed_rules(&[("desk.yaml", &desk)]);
    let id = resolved_ticket(&mut world);
    world.minute += 30;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("Was this helpful?"), "resolved is not closed");
    world.event(&staff_says(DANA, 11, 52, "/close"));
    world.minute += 11;
    world.event(&Event::Tick);
    let transcript = world.send_all();
    assert!(
        transcript.contains("Was this helpful?\n    | (T-000001)\n    buttons: 👎 (c:1:1), 👍 (c:1:2)"),
        "{transcript}"
    );
    world.event(&customer_press(42, "c:1:1"));
    world.event(&customer_says(42, 7, "Nobody read my logs"));
    let transcript = world.send_all();
    assert!(transcript.contains("★ The customer rated T-000001: bad."), "{transcript}");
    assert!(transcript.contains("chat 42 #"), "{transcript}");
    assert!(transcript.contains("What went wrong?"), "{transcript}");
    assert!(transcript.contains("comment on their rating (bad): Nobody read my logs"), "{transcript}");
    let ticket = world.ticket(id);
    assert_eq!(ticket.status, Status::Closed);
    assert_eq!(ticket.csat.and_then(|survey| survey.comment).as_deref(), Some("Nobody read my logs"));
}

#[test]
fn a_survey_that_would_have_closed_already_is_skipped_and_a_late_one_still_goes() {
    // Down for three days and more after the survey fell due: skipped, never to come back.
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 60 + 3 * 24 * 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"), "a survey that would have closed is not sent");
    assert!(world.ticket(id).csat.is_none());
    assert!(csat_history(&world, id).iter().any(|line| line.starts_with("desk timer: csat survey")));
    world.minute += 24 * 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("How satisfied"));
    // Down for a day: late, but still asked, valid for its full time from now.
    let mut world = World::new();
    let id = resolved_ticket(&mut world);
    world.minute += 60 + 24 * 60;
    world.event(&Event::Tick);
    assert!(world.send_all().contains("How satisfied"));
    let survey = world.ticket(id).csat.expect("asked");
    assert_eq!(survey.expires_at.duration_since(survey.asked_at), jiff::SignedDuration::from_hours(72));
}

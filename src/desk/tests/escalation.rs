//! Escalation controls and automations through the real desk: `/hold`, `/unhold`, undoing
//! an escalation (button and `/deescalate`) as supervisors' calls, rule escalations held
//! back while held, the loop guards, and the "Keep it open" button of the auto-close
//! warning.

use super::*;

const ELI: u64 = 222_222_222;

/// The transcript's lines in topics, in General and to customers; card edits left out.
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

fn history(world: &World, id: TicketId) -> Vec<String> {
    let history = world.history(id);
    history.iter().skip(1).map(|entry| format!("{} {}", entry.actor, entry.kind)).collect()
}

#[test]
fn holding_and_undoing_escalation_are_supervisors_calls() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(ELI, 11, 50, "/hold"));
    world.event(&staff_says(DANA, 11, 51, "/hold"));
    world.event(&staff_says(DANA, 11, 52, "/hold"));
    assert!(world.ticket(id).escalation_held);
    world.event(&staff_says(ELI, 11, 53, "/escalate the customer threatens to cancel"));
    let transcript = world.send_all();
    assert!(transcript.contains("| ⏸ Escalation on hold"), "the card shows the hold:\n{transcript}");
    assert!(transcript.contains("| ⇧ Escalated to: Dana"), "the card shows the escalation:\n{transcript}");
    check(
        &said(&transcript),
        &expect![[r#"
            topic T-000001 #1006: Only supervisors hold or resume escalation.
            topic T-000001 #1008: ⏸ Dana put escalation of T-000001 on hold: the ladder stands still until /unhold.
            topic T-000001 #1009: Escalation of T-000001 is already on hold; /unhold resumes it.
            topic T-000001 #1010: ⇧ Escalated to the supervisors by Eli: the customer threatens to cancel
                | @dana_support
                buttons: Undo escalation (x:1:5)
            chat -100777 #1011: ⇧ T-000001 escalated to the supervisors: the customer threatens to cancel"#]],
    );
    let seq = world.ticket(id).escalations[0].seq;
    world.event(&staff_says(ELI, 11, 54, "/deescalate"));
    world.event(&press(ELI, 11, &format!("x:{}:{seq}", id.0)));
    world.event(&press(DANA, 11, &format!("x:{}:{seq}", id.0)));
    world.event(&press(DANA, 11, &format!("x:{}:{seq}", id.0)));
    world.event(&staff_says(DANA, 11, 55, "/deescalate"));
    world.event(&staff_says(DANA, 11, 56, "/hold off"));
    let transcript = world.send_all();
    let last_card = transcript.rsplit("edit ").next().unwrap_or_default();
    assert!(!last_card.contains("| ⏸") && !last_card.contains("| ⇧"), "the card is clear:\n{transcript}");
    check(
        &said(&transcript),
        &expect![[r#"
            topic T-000001 #1013: Only supervisors undo an escalation.
            AnswerButton { callback_id: "cb1", text: Some("Only supervisors undo an escalation.") }
            topic T-000001 #1016: ↓ Dana undid the escalation of T-000001 to Dana.
            SetButtons { chat_id: -100777, message_id: 1, buttons: [] }
            AnswerButton { callback_id: "cb1", text: Some("↓ Dana undid the escalation of T-000001 to Dana.") }
            AnswerButton { callback_id: "cb1", text: Some("That escalation of T-000001 is already undone.") }
            topic T-000001 #1020: T-000001 has no escalation in force.
            topic T-000001 #1022: ▶ Dana resumed escalation of T-000001."#]],
    );
    let ticket = world.ticket(id);
    assert!(!ticket.escalation_held && ticket.escalations.is_empty());
    check(
        &history(&world, id).join("\n"),
        &expect![[r#"
            desk assigned to 111111111
            desk new -> open
            desk topic -100777/11
            agent 111111111 escalation held
            agent 222222222 escalated to 111111111: the customer threatens to cancel
            agent 111111111 escalation #5 undone
            agent 111111111 escalation resumed"#]],
    );
}

#[test]
fn a_held_ticket_holds_back_what_rules_escalate() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 50, "/hold"));
    world.send_all();
    world.event(&customer_says(42, 5, "This is TERRIBLE, still broken after three days!!!"));
    let transcript = world.send_all();
    assert!(!transcript.contains("Escalated"), "held back:\n{transcript}");
    let history = history(&world, id);
    assert!(
        history.iter().any(|line| line == "desk escalation held back: the customer sounds upset"),
        "{history:#?}"
    );
}

#[test]
fn loop_guards_cap_actions_per_event_and_rule_messages_per_ticket() {
    let noisy = "fn on_message(ticket, message) {\n    let actions = [];\n    for n in 0..30 { actions.push(notify_agent(`notice ${n}`)); }\n    actions\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("automations.rhai", noisy)]);
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 5, "hello"));
    let transcript = world.send_all();
    let notices = transcript.lines().filter(|l| l.contains(" notice ")).count();
    assert_eq!(notices, 10, "at most 10 rule messages per ticket and hour:\n{transcript}");
    let history = history(&world, id);
    let dropped: Vec<&String> = history.iter().filter(|line| line.contains("loop guard")).collect();
    assert_eq!(dropped.len(), 11, "{history:#?}");
    assert_eq!(dropped[0], "desk loop guard: 10 rule actions dropped (at most 20 per event)");
    assert_eq!(
        dropped[1],
        r#"desk loop guard: dropped notify_agent("notice 10") (at most 10 rule messages per 1h)"#
    );
    // An hour later the window has room again.
    world.minute += 61;
    world.event(&customer_says(42, 6, "hello again"));
    let transcript = world.send_all();
    assert_eq!(transcript.lines().filter(|l| l.contains(" notice ")).count(), 10);
}

#[test]
fn keep_it_open_restarts_the_silence_of_a_resolved_ticket() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 50, "Fixed, please try again"));
    world.event(&staff_says(DANA, 11, 51, "/resolve"));
    world.send_all();
    // 80% of 72h of silence: the warning, with the button.
    world.minute += 58 * 60;
    world.event(&Event::Tick);
    let transcript = world.send_all();
    assert!(transcript.contains("buttons: Keep it open (k:1)"), "{transcript}");
    let stranger = ButtonPress { chat_id: 43, from: 43, ..button_press(43, "k:1") };
    world.event(&Event::Button(stranger));
    let customer = ButtonPress { chat_id: 42, from: 42, thread: None, ..button_press(42, "k:1") };
    world.event(&Event::Button(customer.clone()));
    let transcript = world.send_all();
    check(
        &said(&transcript),
        &expect![[r#"
            AnswerButton { callback_id: "cb1", text: Some("This button is no longer valid.") }
            topic T-000001 #1015: ↻ The customer keeps T-000001 open: the auto-close waits again.
            SetButtons { chat_id: 42, message_id: 1, buttons: [] }
            AnswerButton { callback_id: "cb1", text: Some("Ticket T-000001 stays open.") }"#]],
    );
    // The original close time passes: still resolved; the warning comes again later.
    world.minute += 15 * 60;
    world.event(&Event::Tick);
    assert_eq!(world.ticket(id).status, Status::Resolved);
    assert!(!world.send_all().contains("closes on"), "no warning yet");
    world.minute += 43 * 60;
    world.event(&Event::Tick);
    assert!(world.send_all().contains("closes on"), "the second warning");
    assert!(history(&world, id).iter().any(|line| line == "customer 42 the customer kept the ticket open"));
    // Closed, the button explains itself and changes nothing.
    world.event(&staff_says(DANA, 11, 52, "/close"));
    world.event(&Event::Button(customer));
    assert!(world.send_all().contains("is already closed"));
}

#[test]
fn an_old_ticket_goes_to_the_supervisors_once() {
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("the shipped desk.yaml");
    let desk = desk.replace("escalate_after_age: 5d", "escalate_after_age: 1d");
    let (mut world, _rules) =
        World::with_changed_rules(&[("desk.yaml", &desk), ("sla.rhai", "fn sla(ticket) { () }\n")]);
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.minute += 24 * 60;
    world.event(&Event::Tick);
    check(
        &said(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1006: ⇧ Escalated to the supervisors: T-000001 has been open for 1d 4m
                | @dana_support
                buttons: Undo escalation (x:1:5)
            chat -100777 #1007: ⇧ T-000001 escalated to the supervisors: T-000001 has been open for 1d 4m"#]],
    );
    world.minute += 24 * 60;
    world.event(&Event::Tick);
    assert_eq!(said(&world.send_all()), "", "once");
    assert_eq!(world.ticket(id).escalations.len(), 1);
}

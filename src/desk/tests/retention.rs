//! Retention on a virtual clock: the topics of closed tickets deleted at
//! `delete_closed_topics_after`, their content erased at `content_after` (the figures kept,
//! the report over the store the same before and after), the tickets removed at
//! `delete_after`, old audit entries removed at `audit_after`; a reopened ticket untouched;
//! a policy that arrives later reaches tickets closed before it; a pass in batches.

use super::*;
use crate::audit::{Action, AuditEntry};
use crate::privacy::PLACEHOLDER;

const DAY: i64 = 24 * 60;

fn desk_with(retention: &str) -> String {
    let shipped =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml");
    // The survey's timer would add audit-free noise; without it the transcript is the pass's.
    let cut = shipped.find("csat:").expect("the shipped desk asks a survey");
    format!("{}{retention}", &shipped[..cut])
}

const POLICY: &str = "retention:\n  delete_closed_topics_after: 5d\n  content_after: 10d\n  delete_after: 30d\n  audit_after: 15d\n";

fn audit_of(world: &World) -> Vec<AuditEntry> {
    match &*world.kept.borrow() {
        Kept::Memory(state) => state.audit.clone(),
        Kept::Store { store, .. } => {
            store.read().expect("read").audit_log().expect("audit").into_iter().map(|(_, e)| e).collect()
        }
    }
}

fn passes(world: &World) -> Vec<(String, u64)> {
    audit_of(world)
        .into_iter()
        .filter_map(|entry| match entry.action {
            Action::Retention { setting, count, .. } => Some((setting, count)),
            _ => None,
        })
        .collect()
}

fn thread_of(world: &World, id: TicketId) -> i32 {
    world.ticket(id).topic.expect("a topic").thread_id
}

/// The report's JSON over the store, as `topicdesk report --json` builds it.
fn report_json(world: &World) -> Option<serde_json::Value> {
    let Kept::Store { store, .. } = &*world.kept.borrow() else { return None };
    let mut options = crate::metrics::Options {
        since: None,
        until: None,
        now: Timestamp::from_second(1_800_000_000).expect("valid"),
        by: Some(crate::metrics::GroupBy::Category),
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::new(),
        group_names: std::collections::BTreeMap::new(),
    };
    crate::report::with_rules(&mut options, &world.rules);
    let report = crate::report::build(&store.read().expect("read"), &options, |_| {}).expect("report");
    let mut json = serde_json::to_value(&report).expect("json");
    json.as_object_mut().expect("an object").remove("measured_at");
    Some(json)
}

fn tick(world: &mut World) -> String {
    world.event(&Event::Tick);
    world.send_all()
}

fn retention_on(keep: Keep) {
    let (mut world, _rules) = World::with_changed_rules_kept(&[("desk.yaml", &desk_with(POLICY))], keep);
    let a = world.open(42, &[("category", "technical")]);
    let b = world.open(43, &[("category", "billing")]);
    let c = world.open(44, &[("category", "billing")]);
    world.send_all();
    world.event(&customer_says(42, 7, "my order marker-4242 is late"));
    world.event(&customer_says(44, 8, "marker-4444 here"));
    world.send_all();
    let (ta, tb, tc) = (thread_of(&world, a), thread_of(&world, b), thread_of(&world, c));
    world.event(&staff_says(DANA, ta, 60, "thanks marker-reply"));
    for (thread, id) in [(ta, 61), (tb, 62), (tc, 63)] {
        world.event(&staff_says(DANA, thread, id, "/close"));
    }
    world.send_all();
    assert!(world.counterparts((42, 7)).iter().any(|(chat, _)| *chat == STAFF), "relayed and linked");
    // C comes back a day later and stays open.
    world.minute += DAY;
    world.event(&staff_says(DANA, tc, 64, "/reopen"));
    world.send_all();
    assert_eq!(world.ticket(c).status, Status::Open);

    // Four days on nothing is due yet.
    world.minute += 3 * DAY;
    let early = tick(&mut world);
    assert!(!early.contains("DeleteTopic"), "{early}");
    // Five days after the closing: the closed tickets' topics go, C's stays.
    world.minute += DAY + 10;
    let topics = tick(&mut world);
    assert!(topics.contains(&format!("DeleteTopic {{ chat_id: {STAFF}, thread_id: {ta} }}")), "{topics}");
    assert!(topics.contains(&format!("DeleteTopic {{ chat_id: {STAFF}, thread_id: {tb} }}")), "{topics}");
    assert!(!topics.contains(&format!("thread_id: {tc} ")), "{topics}");
    assert!(world.history(a).iter().any(|e| e.kind.to_string().contains("marker-4242")), "content kept");

    // Ten days after the closing: the content goes, the figures stay.
    let report_before = report_json(&world);
    let closed_at = world.ticket(a).closed_at;
    world.minute += 5 * DAY;
    tick(&mut world);
    let erased = world.ticket(a);
    assert_eq!(erased.customer.name, PLACEHOLDER);
    assert_eq!(erased.customer.username, None);
    assert!(erased.answers.values().all(|answer| *answer == Answer::Text(PLACEHOLDER.to_owned())));
    assert_eq!((erased.status, erased.closed_at), (Status::Closed, closed_at), "times and status stay");
    assert_eq!(erased.category.as_deref(), Some("technical"));
    let history = world.history(a);
    assert!(history.iter().all(|e| !format!("{:?}", e.kind).contains("marker-")), "{history:?}");
    assert!(history.iter().any(|e| matches!(e.kind, crate::history::EntryKind::StatusChanged { .. })));
    assert_eq!(report_json(&world), report_before, "the report's figures survive the content pass");
    // C was reopened before its time: nothing of it is touched.
    assert!(world.history(c).iter().any(|e| e.kind.to_string().contains("marker-4444")));
    assert_ne!(world.ticket(c).customer.name, PLACEHOLDER);

    // Fifteen days after the first pass its audit entries go; the later ones stay.
    assert_eq!(
        passes(&world),
        [("delete_closed_topics_after".to_owned(), 2), ("content_after".to_owned(), 2)]
    );
    world.minute += 11 * DAY;
    tick(&mut world);
    // The pass that removed it says so itself (an entry without a ticket or a name).
    assert_eq!(passes(&world), [("content_after".to_owned(), 2), ("audit_after".to_owned(), 1)]);

    // Thirty days after the closing the tickets go entirely; their topics went before.
    world.minute += 10 * DAY;
    let deleted = tick(&mut world);
    assert!(!deleted.contains("DeleteTopic"), "deleted once, at 5d: {deleted}");
    for id in [a, b] {
        assert!(world.read(|state| state.ticket(id)).is_none(), "{id} deleted");
        assert!(world.history(id).is_empty());
        assert!(world.deadlines().iter().all(|d| d.timer.ticket() != Some(id)));
    }
    assert!(world.read(|state| state.tickets_of_customer(42)).is_empty());
    assert!(world.counterparts((42, 7)).is_empty(), "the last ticket's message pairs went with it");
    assert_eq!(world.ticket(c).status, Status::Open, "the reopened ticket stays");
    assert!(passes(&world).contains(&("delete_after".to_owned(), 2)), "{:?}", passes(&world));
}

#[test]
fn retention_deletes_topics_erases_content_and_deletes_tickets_on_memory() {
    retention_on(Keep::Memory);
}

#[test]
fn retention_deletes_topics_erases_content_and_deletes_tickets_in_the_store() {
    retention_on(Keep::Store);
}

/// A policy that arrives (or tightens) after tickets closed reaches them at once.
#[test]
fn a_stricter_policy_reaches_tickets_closed_before_it() {
    let (mut world, _rules) = World::with_changed_rules_kept(&[("desk.yaml", &desk_with(""))], Keep::Store);
    let a = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 7, "marker-4242"));
    world.event(&staff_says(DANA, thread_of(&world, a), 60, "/close"));
    world.send_all();
    world.minute += 20 * DAY;
    tick(&mut world);
    assert_ne!(world.ticket(a).customer.name, PLACEHOLDER, "no policy, nothing erased");
    let (stricter, _stricter_rules) =
        World::with_changed_rules(&[("desk.yaml", &desk_with("retention:\n  content_after: 10d\n"))]);
    world.rules = stricter.rules;
    // Any event notices the new policy and sets the pass at once; the tick runs it.
    tick(&mut world);
    tick(&mut world);
    assert_eq!(world.ticket(a).customer.name, PLACEHOLDER);
    assert_eq!(passes(&world), [("content_after".to_owned(), 1)]);
}

/// A pass over more tickets than a batch takes goes on in batches of at most 200, each its
/// own transaction, the timer set again at once in between; after it (1,000 tickets or
/// more) a compaction is set for 03:00 desk time, when the desk asks the host for it.
#[test]
fn a_large_pass_goes_in_batches() {
    let (mut world, _rules) = World::with_changed_rules_kept(
        &[("desk.yaml", &desk_with("retention:\n  content_after: 1d\n"))],
        Keep::Memory,
    );
    let ids: Vec<TicketId> = (0..1050).map(|n| world.open(1000 + n, &[("category", "billing")])).collect();
    world.send_all();
    for &id in &ids {
        let thread = thread_of(&world, id);
        world.event(&staff_says(DANA, thread, 60, "/close"));
    }
    world.send_all();
    world.minute += 2 * DAY;
    let mut sizes = Vec::new();
    loop {
        let desk = world.desk();
        let batch = on_state!(world, |state| desk.retention_batch(state)).expect("a batch");
        sizes.push(batch.tickets);
        let next =
            world.deadlines().into_iter().find(|d| d.timer == Timer::Desk(crate::sla::DeskTimer::Retention));
        if !batch.more {
            assert!(next.is_none_or(|next| next.due > desk.now), "a finished pass is not set again at once");
            break;
        }
        assert_eq!(next.map(|next| next.due), Some(desk.now + jiff::SignedDuration::from_millis(1)));
    }
    assert_eq!(sizes, [200, 200, 200, 200, 200, 50]);
    assert!(ids.iter().all(|id| world.ticket(*id).customer.name == PLACEHOLDER));
    assert_eq!(passes(&world), [("content_after".to_owned(), 1050)], "one audit entry for the whole pass");
    let compaction = Timer::Desk(crate::sla::DeskTimer::Compaction);
    let due = world.deadlines().into_iter().find(|d| d.timer == compaction).expect("a compaction is set").due;
    let local = due.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Berlin").expect("a zone"));
    assert_eq!((local.hour(), local.minute()), (3, 0), "at the quiet hour: {local}");
    assert!(due > world.desk().now && due - world.desk().now <= jiff::SignedDuration::from_hours(24));
    assert_eq!(world.counter(COMPACT_ASKED), None, "not before its time");
    while world.desk().now < due {
        world.minute += 60;
    }
    tick(&mut world);
    assert_eq!(world.counter(COMPACT_ASKED), Some(1), "the host is asked to compact");
    assert!(world.deadlines().iter().all(|d| d.timer != compaction));
}

/// A customer's press on a button in their private chat.
fn customer_press(customer: u64, data: &str) -> Event {
    Event::Button(ButtonPress {
        callback_id: "cb-customer".into(),
        from: customer,
        from_name: format!("Customer{customer}"),
        from_username: None,
        language: Some("en".into()),
        chat_id: customer as i64,
        message_id: None,
        thread: None,
        data: data.to_owned(),
    })
}

/// The callback data of the button labelled `label` in a transcript.
fn button_data(transcript: &str, label: &str) -> String {
    let start =
        transcript.rfind(&format!("{label} (")).unwrap_or_else(|| panic!("no {label:?} in {transcript}"));
    let rest = &transcript[start + label.len() + 2..];
    rest[..rest.find(')').expect("closed")].to_owned()
}

/// The customer goes through the support form, opens the article the desk suggests for
/// `question` and says it solved it: a question kept, no ticket.
fn deflect(world: &mut World, customer: u64, question: &str) {
    world.event(&customer_says(customer, 1, "/start support"));
    let mut transcript = world.send_all();
    for label in ["Technical problem", "Normal"] {
        world.event(&customer_press(customer, &button_data(&transcript, label)));
        transcript = world.send_all();
    }
    world.event(&customer_says(customer, 2, question));
    transcript = world.send_all();
    world.event(&customer_press(customer, &button_data(&transcript, "📖 Reset your password")));
    transcript = world.send_all();
    world.event(&customer_press(customer, &button_data(&transcript, "✅ That solved it")));
    transcript = world.send_all();
    assert!(transcript.contains("No request was opened"), "{transcript}");
}

fn questions(world: &World) -> Vec<crate::kb::Deflection> {
    world.read(|state| state.deflections())
}

fn loose_passes(world: &World) -> Vec<(String, String, u64, Option<crate::audit::Retained>)> {
    audit_of(world)
        .into_iter()
        .filter_map(|entry| match entry.action {
            Action::Retention { setting, after, count, of: of @ Some(_) } => {
                Some((setting, after, count, of))
            }
            _ => None,
        })
        .collect()
}

/// Questions an article answered lose their text and asker `content_after` after they were
/// asked, from the same pass as the tickets, each counted from its own time; when, which
/// form and which article stay, so the report's deflection figures are the same after.
fn kept_questions_on(keep: Keep) {
    use crate::audit::Retained;
    let (mut world, _rules) = World::with_changed_rules_kept(
        &[("desk.yaml", &desk_with("retention:\n  content_after: 10d\n"))],
        keep,
    );
    deflect(&mut world, 42, "I forgot my password marker-q42 and the reset link expired");
    let first_asked = questions(&world)[0].at;
    let retention = Timer::Desk(crate::sla::DeskTimer::Retention);
    let due = world.deadlines().into_iter().find(|d| d.timer == retention).map(|d| d.due);
    assert_eq!(
        due,
        Some(first_asked + jiff::SignedDuration::from_hours(240)),
        "keeping a question sets the pass"
    );
    world.minute += 5 * DAY;
    deflect(&mut world, 43, "I forgot my password marker-q43, the reset link expired");
    let kept = questions(&world);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].customer, Some(42));
    assert!(kept[0].question.contains("marker-q42"));
    if matches!(keep, Keep::Store) {
        // An update the desk failed on, set aside as the host does, names the customer.
        let Kept::Store { store, .. } = &*world.kept.borrow() else { unreachable!() };
        store
            .write(|tx| {
                tx.put_dead_letter(&crate::store::DeadLetter {
                    update_id: 77,
                    what: "message from 42".into(),
                    update: serde_json::json!({"message": {"from": {"id": 42}, "text": "marker-dead"}}),
                    error: "the desk failed".into(),
                    tries: 3,
                    first_failed: first_asked,
                    last_failed: first_asked,
                })
            })
            .expect("a dead letter");
    }
    let report_before = report_json(&world);

    // Nine days on: nothing of it is due.
    world.minute += 4 * DAY;
    tick(&mut world);
    assert!(questions(&world)[0].question.contains("marker-q42"));
    // Ten days after the first question: its text and asker go, the second's stay.
    world.minute += DAY;
    tick(&mut world);
    let kept = questions(&world);
    assert_eq!((kept[0].question.as_str(), kept[0].customer), (PLACEHOLDER, None));
    assert_eq!(
        (kept[0].at, kept[0].form.as_str(), kept[0].article.as_str()),
        (first_asked, "support", "reset-password")
    );
    assert!(kept[1].question.contains("marker-q43") && kept[1].customer == Some(43), "{kept:?}");
    let mut expected = vec![("content_after".to_owned(), "10d".to_owned(), 1, Some(Retained::Questions))];
    if let Kept::Store { store, .. } = &*world.kept.borrow() {
        assert!(
            store.read().expect("read").dead_letters().expect("letters").is_empty(),
            "the dead letter went"
        );
        expected.push(("content_after".to_owned(), "10d".to_owned(), 1, Some(Retained::DeadLetters)));
    }
    assert_eq!(loose_passes(&world), expected);
    assert_eq!(report_json(&world), report_before, "the report's figures survive");
    // The pass set itself again for the second question, which goes in its turn.
    let due = world.deadlines().into_iter().find(|d| d.timer == retention).map(|d| d.due);
    assert_eq!(due, Some(kept[1].at + jiff::SignedDuration::from_hours(240)));
    world.minute += 5 * DAY;
    tick(&mut world);
    let kept = questions(&world);
    assert!(kept.iter().all(|q| q.question == PLACEHOLDER && q.customer.is_none()), "{kept:?}");
    assert_eq!(loose_passes(&world).len(), expected.len() + 1, "one entry for the second pass");
    // Nothing is erased twice: a later pass takes nothing and records nothing.
    world.minute += 20 * DAY;
    tick(&mut world);
    assert_eq!(loose_passes(&world).len(), expected.len() + 1);
}

#[test]
fn kept_questions_lose_their_text_and_asker_at_content_after_on_memory() {
    kept_questions_on(Keep::Memory);
}

#[test]
fn kept_questions_and_dead_letters_go_at_content_after_in_the_store() {
    kept_questions_on(Keep::Store);
}

/// The closed-tickets index keeps milliseconds, the tickets their instants. A pass whose
/// cutoff falls in the millisecond a ticket closed, but before the instant, does not take
/// it, and must not pass it by either: the next pass does.
#[test]
fn a_ticket_closed_within_the_cutoffs_millisecond_waits_for_the_next_pass() {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::demo::write_default_rules(dir.path()).expect("write rules");
    std::fs::write(dir.path().join("desk.yaml"), desk_with("retention:\n  delete_closed_topics_after: 3s\n"))
        .expect("desk.yaml");
    let (rules, diagnostics) = crate::rules::load(dir.path());
    let rules = rules.unwrap_or_else(|| panic!("rules load: {diagnostics:?}"));
    let groups = crate::groups::StaffGroups::single(STAFF);
    let start = Timestamp::from_second(1_790_000_000).expect("valid");
    let desk_at = |now| Desk { rules: &rules, earlier: &[], groups: &groups, now, inline: InlineMode::Off };
    let mut state = MemoryState::default();
    let customer = Customer { id: 42, name: "Cy".into(), username: None, language: None };
    let answers = BTreeMap::from([("category".to_owned(), crate::ticket::Answer::Text("technical".into()))]);
    let mut ticket = desk_at(start).open_ticket(&mut state, &customer, "support", answers).expect("opened");
    ticket.topic = Some(crate::ticket::Topic { chat_id: STAFF, thread_id: 7 });
    // Closed 0.7 ms into a millisecond.
    let closed = start + jiff::SignedDuration::from_micros(60_000_700);
    ticket.status = crate::ticket::Status::Closed;
    ticket.closed_at = Some(closed);
    state.save_ticket(&ticket).expect("saved");
    let deleted = |state: &MemoryState| {
        state.outbox().iter().filter(|(_, out)| matches!(out.call, Call::DeleteTopic { .. })).count()
    };
    // 3 s later to the millisecond, 0.5 ms short of the instant: not due yet.
    let early = closed + jiff::SignedDuration::from_secs(3) - jiff::SignedDuration::from_micros(500);
    let batch = desk_at(early).retention_batch(&mut state).expect("a pass");
    assert_eq!((batch.tickets, deleted(&state)), (0, 0));
    let next = state.deadline_of(crate::sla::Timer::Desk(crate::sla::DeskTimer::Retention)).expect("read");
    let next = next.expect("a next pass is set for the ticket not taken");
    let batch = desk_at(next.max(closed + jiff::SignedDuration::from_secs(3)))
        .retention_batch(&mut state)
        .expect("a pass");
    assert_eq!((batch.tickets, deleted(&state)), (1, 1), "the next pass takes it");
}

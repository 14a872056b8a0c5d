//! The contract of [`State`]: one sequence of writes and questions runs on the store's
//! transaction and on [`MemoryState`], and every answer must be the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;

use super::super::{MemoryState, State, StateError};
use crate::deadline::DeadlineKind;
use crate::history::Actor;
use crate::kb::Deflection;
use crate::outbox::{Call, Lane, Outgoing};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::store::{FILE_NAME, Store};
use crate::ticket::{Change, Customer, Origin, Status, Ticket, Topic};

const STAFF: i64 = -100_777;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).expect("valid")
}

fn customer(id: u64) -> Customer {
    Customer { id, name: format!("Customer{id}"), username: None, language: None }
}

/// Applies `change` to the ticket, saving it and its history, as the desk does.
fn apply<S: State>(state: &mut S, ticket: &mut Ticket, change: Change, when: i64) -> Result<(), StateError> {
    let origin = Origin { actor: Actor::Agent(7), rules: None };
    let entries = ticket.apply(change, &origin, at(when)).expect("a valid change");
    state.save_ticket(ticket)?;
    state.append_history(ticket.id, &entries)
}

/// Each ticket created since `since`, as `facts_since` tells it.
fn facts_since<S: State>(state: &S, since: Timestamp) -> Result<Vec<String>, StateError> {
    let mut seen = Vec::new();
    state.facts_since(since, &mut |labels, facts| {
        seen.push(format!(
            "{:?} assignee {:?}, {} agent replies, first reply {:?}, reopens {}",
            facts.created_at, labels.assignee, facts.agent_replies, facts.first_reply_at, facts.reopens
        ));
    })?;
    Ok(seen)
}

/// Writes and asks; every answer goes into the transcript.
fn exercise<S: State>(state: &mut S) -> Result<String, StateError> {
    let mut out = String::new();
    let mut say = |line: String| writeln!(out, "{line}").expect("string write");
    let mut tickets = Vec::new();
    for (customer_id, when) in [(42, 0), (43, 1), (42, 2)] {
        let id = state.next_ticket_id()?;
        let (ticket, created) = Ticket::open(id, customer(customer_id), "support", BTreeMap::new(), at(when));
        state.save_ticket(&ticket)?;
        state.append_history(id, &[created])?;
        tickets.push(ticket);
    }
    say(format!("next ticket counter {:?}", state.counter("next_ticket")?));
    say(format!("customer 42 {:?}, 43 {:?}", state.tickets_of_customer(42)?, state.tickets_of_customer(43)?));

    // A topic, then the topic moves (the old one was deleted and recreated).
    let (old, new) = (Topic { chat_id: STAFF, thread_id: 11 }, Topic { chat_id: STAFF, thread_id: 12 });
    tickets[0].topic = Some(old);
    state.save_ticket(&tickets[0])?;
    say(format!("by old topic {:?}", state.ticket_by_topic(old)?));
    tickets[0].topic = Some(new);
    state.save_ticket(&tickets[0])?;
    say(format!(
        "after the move: old {:?}, new {:?}",
        state.ticket_by_topic(old)?,
        state.ticket_by_topic(new)?
    ));

    // Assignment, status changes, an assignee kept on a resolved ticket.
    apply(state, &mut tickets[0], Change::Assign { to: Some(7) }, 10)?;
    apply(state, &mut tickets[1], Change::Assign { to: Some(7) }, 11)?;
    apply(state, &mut tickets[1], Change::AgentReply { text: "hello".into() }, 12)?;
    apply(state, &mut tickets[1], Change::AwaitCustomer, 13)?;
    apply(state, &mut tickets[0], Change::Resolve, 14)?;
    apply(state, &mut tickets[2], Change::Assign { to: Some(8) }, 15)?;
    apply(state, &mut tickets[2], Change::Assign { to: Some(7) }, 16)?;
    for status in [Status::New, Status::Open, Status::AwaitingCustomer, Status::Resolved, Status::Closed] {
        say(format!("{status:?}: {:?}", state.tickets_in_status(status)?));
    }
    say(format!("agent 7 {:?}, agent 8 {:?}", state.tickets_of_assignee(7)?, state.tickets_of_assignee(8)?));
    apply(state, &mut tickets[0], Change::Reopen, 17)?;
    say(format!("reopened: agent 7 {:?}", state.tickets_of_assignee(7)?));
    for ticket in &tickets {
        say(format!("ticket {:?}", state.ticket(ticket.id)?.as_ref() == Some(ticket)));
        let history = state.history(ticket.id)?;
        say(format!("history {:?}", history.iter().map(|e| (e.seq, e.kind.to_string())).collect::<Vec<_>>()));
        for (seq, limit) in [(0, 5), (1, 5), (3, 2), (u32::MAX, 10)] {
            let tail = state.history_tail(ticket.id, seq, limit)?;
            say(format!("tail {seq} {limit}: {:?}", tail.iter().map(|e| e.seq).collect::<Vec<_>>()));
        }
    }
    say(format!("missing ticket {:?}", state.ticket(crate::ticket::TicketId(99))?));

    // Deadlines: moved, cleared, ties in time, the desk's own, sub-millisecond times.
    let ticket = |n: usize, kind| Timer::Ticket(tickets[n].id, kind);
    let plus_micros = at(300) + jiff::SignedDuration::from_micros(1_500);
    let deadlines = [
        Deadline { due: at(300), timer: ticket(1, DeadlineKind::Resolution) },
        Deadline { due: at(300), timer: ticket(0, DeadlineKind::Age) },
        Deadline { due: at(300), timer: Timer::Desk(DeskTimer::ShiftEnd) },
        Deadline { due: at(300), timer: Timer::Desk(DeskTimer::Summary) },
        Deadline { due: at(100), timer: ticket(0, DeadlineKind::FirstResponse) },
        Deadline { due: plus_micros, timer: ticket(2, DeadlineKind::AutoClose) },
        Deadline { due: at(900), timer: Timer::Desk(DeskTimer::IntakeExpiry) },
        // Moved later.
        Deadline { due: at(500), timer: ticket(0, DeadlineKind::FirstResponse) },
    ];
    for deadline in deadlines {
        state.set_deadline(deadline)?;
    }
    state.clear_deadline(ticket(1, DeadlineKind::Reminder))?;
    state.clear_deadline(ticket(1, DeadlineKind::Resolution))?;
    for until in [at(299), at(300), plus_micros, at(1_000)] {
        say(format!("due until {until}: {:?}", state.due(until, 100)?));
    }
    say(format!("due, two: {:?}", state.due(at(1_000), 2)?));
    say(format!("of summary {:?}", state.deadline_of(Timer::Desk(DeskTimer::Summary))?));
    say(format!("of auto-close {:?}", state.deadline_of(ticket(2, DeadlineKind::AutoClose))?));
    say(format!("of cleared {:?}", state.deadline_of(ticket(1, DeadlineKind::Resolution))?));

    // Sessions, prompts, counters, relay links, the outbox.
    state.put_session_json(44, &serde_json::json!({ "form": "support", "field": 1 }))?;
    state.put_session_json(42, &serde_json::json!({ "form": "bug" }))?;
    state.put_session_json(44, &serde_json::json!({ "form": "support", "field": 2 }))?;
    state.delete_session(42)?;
    say(format!("sessions {:?}, 44 {:?}", state.sessions_json()?, state.session_json(44)?));
    state.set_prompt(44, Some(500))?;
    state.set_prompt(45, Some(501))?;
    state.set_prompt(45, None)?;
    say(format!("prompts {:?} {:?}", state.prompt(44)?, state.prompt(45)?));
    state.set_counter("round_robin:billing", 3)?;
    say(format!("counters {:?} {:?}", state.counter("round_robin:billing")?, state.counter("absent")?));
    state.link_messages((42, 5), (STAFF, 70))?;
    state.link_messages((42, 5), (STAFF, 71))?;
    state.link_messages((42, 5), (STAFF, 70))?;
    say(format!("links {:?} {:?}", state.counterparts((42, 5))?, state.counterparts((STAFF, 71))?));
    say(format!("in chat {:?}", state.counterpart_in((STAFF, 70), 42)?));
    for n in 0..3 {
        let outgoing = Outgoing {
            chat_id: STAFF,
            lane: Lane::Message,
            ticket: Some(tickets[0].id),
            call: Call::DeleteMessage { chat_id: STAFF, message_id: n },
        };
        say(format!("enqueued {}", state.enqueue(&outgoing)?));
    }
    say(format!("next outbox counter {:?}", state.counter("next_outbox")?));
    say(format!("facts since 1 s: {:?}", facts_since(state, at(1))?));

    templates(state, &mut tickets[1])?.into_iter().for_each(&mut say);
    say(format!("{}\n{}\n{}", deflections(state)?, business_connections(state)?, group_loads(state)?));
    Ok(out)
}

/// Active tickets per staff group, as tickets open, change status, move group and go.
fn group_loads<S: State>(state: &mut S) -> Result<String, StateError> {
    let mut out = String::new();
    let mut say = |state: &S, what: &str| -> Result<(), StateError> {
        let counts: Vec<u64> =
            ["a", "b", "c"].iter().map(|group| state.active_in_group(group)).collect::<Result<_, _>>()?;
        writeln!(out, "groups after {what}: {counts:?}").expect("string write");
        Ok(())
    };
    let mut tickets = Vec::new();
    for (customer_id, group) in [(60, Some("a")), (60, Some("a")), (61, Some("b")), (62, None)] {
        let id = state.next_ticket_id()?;
        let (mut ticket, created) =
            Ticket::open(id, customer(customer_id), "support", BTreeMap::new(), at(50));
        ticket.group = group.map(str::to_owned);
        state.save_ticket(&ticket)?;
        state.append_history(id, &[created])?;
        tickets.push(ticket);
    }
    say(state, "opening")?;
    apply(state, &mut tickets[0], Change::Assign { to: Some(7) }, 51)?;
    apply(state, &mut tickets[0], Change::AwaitCustomer, 52)?;
    say(state, "an assignment and a wait")?;
    apply(state, &mut tickets[1], Change::Resolve, 53)?;
    say(state, "a resolve")?;
    apply(state, &mut tickets[1], Change::Reopen, 54)?;
    say(state, "a reopen")?;
    tickets[2].group = Some("c".to_owned());
    state.save_ticket(&tickets[2])?;
    say(state, "a transfer")?;
    apply(state, &mut tickets[2], Change::Close, 55)?;
    say(state, "a close")?;
    state.erase_customer(60)?;
    say(state, "a forget")?;
    Ok(out)
}

/// Business connections by id: saved again, a connection is replaced, not added.
fn business_connections<S: State>(state: &mut S) -> Result<String, StateError> {
    let acme = crate::business::BusinessConnection {
        id: "bc-b".to_owned(),
        owner: 3001,
        owner_username: Some("acme_support".to_owned()),
        owner_name: "Acme".to_owned(),
        can_reply: false,
        can_read_messages: true,
        enabled: true,
    };
    let other = crate::business::BusinessConnection {
        id: "bc-a".to_owned(),
        owner: 3002,
        owner_username: None,
        ..acme.clone()
    };
    state.save_business_connection(&acme)?;
    state.save_business_connection(&other)?;
    state.save_business_connection(&crate::business::BusinessConnection { can_reply: true, ..acme })?;
    Ok(format!("business {:?}", state.business_connections()?))
}

/// Saved templates come back by id, then number; uses in time order, two in one
/// millisecond both kept; the history entry naming a template reads back.
fn templates<S: State>(state: &mut S, ticket: &mut Ticket) -> Result<Vec<String>, StateError> {
    let mut lines = Vec::new();
    let version = |id: &str, number: u32| crate::template::SavedTemplate {
        id: id.to_owned(),
        number,
        author: 7,
        author_name: "Dana".to_owned(),
        at: at(400 + i64::from(number)),
        title: format!("{id} title"),
        tags: vec!["tag".to_owned()],
        categories: Vec::new(),
        texts: vec![("en".to_owned(), format!("{id} v{number} {{{{ticket.id}}}}"))],
        over: (number > 1).then(|| "abc".to_owned()),
    };
    for (id, number) in [("refund", 2), ("greeting", 1), ("refund", 1)] {
        state.save_template(&version(id, number))?;
    }
    let saved = state.saved_templates()?;
    lines.push(format!(
        "saved {:?}",
        saved.iter().map(|v| (&v.id, v.number, &v.over, &v.texts)).collect::<Vec<_>>()
    ));
    let same_moment = at(500) + jiff::SignedDuration::from_micros(1_500);
    for (template, when) in [("refund", same_moment), ("greeting", at(450)), ("refund", same_moment)] {
        let used = crate::template::TemplateUse {
            template: template.to_owned(),
            version: "v2".to_owned(),
            agent: 7,
            ticket: ticket.id.0,
            at: when,
        };
        state.record_template_use(&used)?;
    }
    lines.push(format!("uses {:?}", state.template_uses()?));
    lines.push(format!("use counter {:?}", state.counter("next_template_use")?));
    let used = Change::TemplateUsed { template: "refund".to_owned(), version: "v2".to_owned() };
    apply(state, ticket, used, 20)?;
    lines.push(format!("last entry {:?}", state.history(ticket.id)?.last().map(|e| e.kind.clone())));
    Ok(lines)
}

/// Questions articles answered, kept and read back, then erased by retention from a cursor.
fn deflections<S: State>(state: &mut S) -> Result<String, StateError> {
    for (n, article) in ["reset-password", "refund-policy", "invoices", "login"].into_iter().enumerate() {
        let question = format!("question {n}");
        let deflection = Deflection {
            at: at(10 * n as i64),
            form: "support".into(),
            article: article.into(),
            question,
            customer: Some(n as u64),
        };
        state.record_deflection(&deflection)?;
    }
    let mut out = format!("deflections {:?}", state.deflections()?);
    // One at a time, then up to a time that stops before the third, then the rest.
    let first = state.erase_questions(0, at(15), 1)?;
    let second = state.erase_questions(first.next.unwrap_or(0), at(15), 10)?;
    let again = state.erase_questions(0, at(15), 10)?;
    let rest = state.erase_questions(second.next.unwrap_or(0), at(100), 10)?;
    let letters = state.remove_old_dead_letters(at(100), 10)?;
    write!(out, "\nsweeps {first:?} {second:?} {again:?} {rest:?} {letters:?}").expect("string write");
    write!(out, "\nerased {:?}", state.deflections()?).expect("string write");
    Ok(out)
}

#[test]
fn the_memory_state_answers_as_the_store_transaction_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("store");
    let stored = store.write(|tx| exercise(tx)).expect("the store takes the sequence");
    let in_memory = exercise(&mut MemoryState::new()).expect("the memory state takes the sequence");
    let (stored_lines, memory_lines): (Vec<&str>, Vec<&str>) =
        (stored.lines().collect(), in_memory.lines().collect());
    for (line, (store_line, memory_line)) in stored_lines.iter().zip(&memory_lines).enumerate() {
        assert_eq!(store_line, memory_line, "answer {line} differs");
    }
    assert_eq!(stored_lines.len(), memory_lines.len());
    // The sequence asks real questions: the answers are not all empty.
    assert!(stored.contains("after the move: old None, new Some(TicketId(1))"), "{stored}");
    assert!(stored.contains("AwaitingCustomer: [TicketId(2)]"), "{stored}");
    assert!(stored.contains("enqueued 3"), "{stored}");
    for counts in [
        "groups after opening: [2, 1, 0]",
        "groups after a resolve: [1, 1, 0]",
        "groups after a reopen: [2, 1, 0]",
        "groups after a transfer: [2, 0, 1]",
        "groups after a close: [2, 0, 0]",
        "groups after a forget: [0, 0, 0]",
    ] {
        assert!(stored.contains(counts), "{stored}");
    }
    assert!(stored.contains("use counter Some(4)"), "{stored}");
    let uses = stored.lines().find(|line| line.starts_with("uses ")).expect("a uses line");
    assert_eq!(uses.matches("template: \"refund\"").count(), 2, "{uses}");
    assert!(uses.find("greeting") < uses.find("refund"), "time order: {uses}");
    assert!(stored.contains("last entry Some(TemplateUsed"), "{stored}");
    assert!(stored.contains("article: \"refund-policy\", question: \"question 1\""), "{stored}");
    let (third, fifth) = (at(20), at(30));
    let sweeps = format!(
        "sweeps Sweep {{ erased: 1, next: Some(2), more: true, pending: None }} \
         Sweep {{ erased: 1, next: Some(3), more: false, pending: Some({third:?}) }} \
         Sweep {{ erased: 0, next: Some(3), more: false, pending: Some({third:?}) }} \
         Sweep {{ erased: 2, next: Some(5), more: false, pending: None }} \
         Sweep {{ erased: 0, next: None, more: false, pending: None }}"
    );
    assert!(stored.contains(&sweeps), "{stored}");
    assert!(
        stored.contains(&format!(
            "at: {fifth:?}, form: \"support\", article: \"login\", question: \"[erased]\", customer: None"
        )),
        "{stored}"
    );
}

#[test]
fn the_memory_state_keeps_what_the_desk_queued_for_its_user() {
    let mut state = MemoryState::new();
    let outgoing = |n: u32| Outgoing {
        chat_id: 42,
        lane: Lane::Message,
        ticket: None,
        call: Call::DeleteMessage { chat_id: 42, message_id: n.cast_signed() },
    };
    let seqs: Vec<u64> = (0..3).map(|n| state.enqueue(&outgoing(n)).expect("enqueue")).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert!(state.remove_outgoing(2));
    assert!(!state.remove_outgoing(2));
    let left: Vec<u64> = state.outbox().iter().map(|(seq, _)| *seq).collect();
    assert_eq!(left, [1, 3]);
    assert_eq!(state.take_outbox().len(), 2);
    assert!(state.outbox().is_empty());
    assert_eq!(state.enqueue(&outgoing(4)).expect("enqueue"), 4, "sequence numbers go on");
}

#[test]
fn active_tickets_per_group_survive_a_restart_and_an_older_store_counts_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    let counts = |store: &Store| {
        store
            .write(|tx| {
                ["a", "b"]
                    .iter()
                    .map(|group| State::active_in_group(tx, group))
                    .collect::<Result<Vec<_>, _>>()
            })
            .expect("counts")
    };
    let mut tickets = Vec::new();
    {
        let store = Store::open(&path).expect("store");
        store
            .write(|tx| {
                for group in ["a", "a", "b", "a"] {
                    let id = State::next_ticket_id(tx)?;
                    let (mut ticket, _) = Ticket::open(id, customer(70), "support", BTreeMap::new(), at(0));
                    ticket.group = Some(group.to_owned());
                    State::save_ticket(tx, &ticket)?;
                    tickets.push(ticket);
                }
                apply(tx, &mut tickets[3], Change::Close, 1)
            })
            .expect("tickets");
        assert_eq!(counts(&store), [2, 1]);
    }
    // A restart reads what was kept.
    let store = Store::open(&path).expect("store again");
    assert_eq!(counts(&store), [2, 1]);
    // A store from before the counts: none kept, and no marker.
    store
        .write(|tx| {
            for name in ["active_in_group_kept", "active_in_group:a", "active_in_group:b"] {
                assert!(State::remove_counter(tx, name)?, "{name} was kept");
            }
            Ok::<_, StateError>(())
        })
        .expect("older store");
    drop(store);
    let store = Store::open(&path).expect("older store reopened");
    assert_eq!(counts(&store), [2, 1], "read from the records until counted");
    // The first change counts them all, then keeps them.
    store.write(|tx| apply(tx, &mut tickets[0], Change::Resolve, 2)).expect("a resolve");
    assert_eq!(counts(&store), [1, 1]);
    store.write(|tx| apply(tx, &mut tickets[2], Change::Resolve, 3)).expect("another");
    assert_eq!(counts(&store), [1, 0]);
    let kept = store.write(|tx| State::counter(tx, "active_in_group:a")).expect("counter");
    assert_eq!(kept, Some(1));
}

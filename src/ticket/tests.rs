//! Lifecycle tests: the whole transition table as one snapshot, and a property test that
//! random command sequences never break the ticket's invariants.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use expect_test::expect;
use jiff::Timestamp;
use proptest::prelude::*;

use super::*;

fn customer() -> Customer {
    Customer { id: 42, name: "Alice".into(), username: Some("alice".into()), language: Some("en".into()) }
}

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + minutes * 60).expect("in range")
}

fn agent() -> Origin {
    Origin { actor: Actor::Agent(7), rules: None }
}

fn new_ticket() -> Ticket {
    Ticket::open(TicketId(1), customer(), "support", BTreeMap::new(), at(0)).0
}

/// A ticket brought to `status` through legal moves.
fn ticket_in(status: Status) -> Ticket {
    let mut ticket = new_ticket();
    let path: &[Change] = match status {
        Status::New => &[],
        Status::Open => &[Change::AgentReply { text: "hi".into() }],
        Status::AwaitingCustomer => &[Change::AwaitCustomer],
        Status::Resolved => &[Change::Resolve],
        Status::Closed => &[Change::Close],
    };
    for change in path {
        ticket.apply(change.clone(), &agent(), at(1)).expect("legal path");
    }
    assert_eq!(ticket.status, status);
    ticket
}

#[test]
fn transition_table() {
    let events: [(&str, Change); 8] = [
        ("customer", Change::CustomerMessage { text: "?".into() }),
        ("agent", Change::AgentReply { text: "!".into() }),
        ("assigned", Change::Assign { to: Some(7) }),
        ("await", Change::AwaitCustomer),
        ("resolve", Change::Resolve),
        ("close", Change::Close),
        ("reopen", Change::Reopen),
        ("auto-close", Change::AutoClose),
    ];
    let mut table = String::new();
    for status in Status::ALL {
        for (name, change) in &events {
            let mut ticket = ticket_in(status);
            let before = ticket.clone();
            let outcome = match ticket.apply(change.clone(), &agent(), at(5)) {
                Ok(_) => ticket.status.as_str().to_owned(),
                Err(error) => {
                    assert_eq!(ticket, before, "a refused change leaves the ticket untouched");
                    format!("error: {error}")
                }
            };
            writeln!(table, "{:<17} + {name:<10} => {outcome}", status.as_str()).expect("string write");
        }
    }
    expect![[r#"
        new               + customer   => new
        new               + agent      => open
        new               + assigned   => open
        new               + await      => awaiting_customer
        new               + resolve    => resolved
        new               + close      => closed
        new               + reopen     => error: T-000001 cannot go from new to open
        new               + auto-close => error: T-000001 cannot go from new to closed
        open              + customer   => open
        open              + agent      => open
        open              + assigned   => open
        open              + await      => awaiting_customer
        open              + resolve    => resolved
        open              + close      => closed
        open              + reopen     => error: T-000001 is already open
        open              + auto-close => error: T-000001 cannot go from open to closed
        awaiting_customer + customer   => open
        awaiting_customer + agent      => awaiting_customer
        awaiting_customer + assigned   => awaiting_customer
        awaiting_customer + await      => error: T-000001 is already awaiting customer
        awaiting_customer + resolve    => resolved
        awaiting_customer + close      => closed
        awaiting_customer + reopen     => error: T-000001 cannot go from awaiting customer to open
        awaiting_customer + auto-close => error: T-000001 cannot go from awaiting customer to closed
        resolved          + customer   => open
        resolved          + agent      => resolved
        resolved          + assigned   => resolved
        resolved          + await      => error: T-000001 cannot go from resolved to awaiting customer
        resolved          + resolve    => error: T-000001 is already resolved
        resolved          + close      => closed
        resolved          + reopen     => open
        resolved          + auto-close => closed
        closed            + customer   => error: T-000001 is closed; a new message starts a new ticket
        closed            + agent      => error: T-000001 is closed; a new message starts a new ticket
        closed            + assigned   => closed
        closed            + await      => error: T-000001 cannot go from closed to awaiting customer
        closed            + resolve    => error: T-000001 cannot go from closed to resolved
        closed            + close      => error: T-000001 is already closed
        closed            + reopen     => open
        closed            + auto-close => error: T-000001 is already closed
    "#]]
    .assert_eq(&table);
}

#[test]
fn customer_reply_on_resolved_reopens_and_counts() {
    let mut ticket = ticket_in(Status::Resolved);
    let customer = Origin { actor: Actor::Customer(42), rules: None };
    let entries = ticket.apply(Change::CustomerMessage { text: "still broken".into() }, &customer, at(10));
    let kinds: Vec<String> = entries.expect("legal").iter().map(|e| e.kind.to_string()).collect();
    assert_eq!(kinds, ["customer: still broken", "resolved -> open"]);
    assert_eq!(ticket.reopened, 1);
    assert_eq!(ticket.resolved_at, None);
}

#[test]
fn awaiting_time_accumulates_across_waits() {
    let mut ticket = new_ticket();
    let customer = Origin { actor: Actor::Customer(42), rules: None };
    ticket.apply(Change::AwaitCustomer, &agent(), at(10)).expect("legal");
    ticket.apply(Change::CustomerMessage { text: "here".into() }, &customer, at(40)).expect("legal");
    ticket.apply(Change::AwaitCustomer, &agent(), at(50)).expect("legal");
    assert_eq!(ticket.awaiting_until(at(55)), Span::from_mins(35));
    ticket.apply(Change::Resolve, &agent(), at(60)).expect("legal");
    assert_eq!(ticket.awaiting_total, Span::from_mins(40));
    assert_eq!(ticket.awaiting_until(at(600)), Span::from_mins(40));
}

#[test]
fn an_assignment_opens_a_new_ticket_and_is_not_a_response() {
    let mut ticket = new_ticket();
    let routing = Origin { actor: Actor::System, rules: Some("abc".into()) };
    let entries = ticket.apply(Change::Assign { to: Some(7) }, &routing, at(2)).expect("legal");
    let kinds: Vec<String> = entries.iter().map(|e| e.kind.to_string()).collect();
    assert_eq!(kinds, ["assigned to 7", "new -> open"]);
    assert_eq!((ticket.status, ticket.assignee), (Status::Open, Some(7)));
    assert_eq!(ticket.first_response_at, None, "the first response is the first agent reply");
    // Unassigning keeps it Open; assigning again changes nothing but the assignee.
    ticket.apply(Change::Assign { to: None }, &agent(), at(3)).expect("legal");
    assert_eq!((ticket.status, ticket.assignee), (Status::Open, None));
    let entries = ticket.apply(Change::Assign { to: Some(8) }, &agent(), at(4)).expect("legal");
    assert_eq!(entries.len(), 1);
    assert_eq!(ticket.status, Status::Open);
}

#[test]
fn first_agent_reply_is_the_first_response() {
    let mut ticket = new_ticket();
    ticket.apply(Change::Note { text: "looking".into() }, &agent(), at(3)).expect("legal");
    assert_eq!(ticket.first_response_at, None);
    ticket.apply(Change::AgentReply { text: "hello".into() }, &agent(), at(4)).expect("legal");
    ticket.apply(Change::AgentReply { text: "again".into() }, &agent(), at(9)).expect("legal");
    assert_eq!(ticket.first_response_at, Some(at(4)));
}

#[test]
fn ticket_ids_read_and_print_in_the_human_form() {
    assert_eq!(TicketId(123).to_string(), "T-000123");
    assert_eq!("T-000123".parse::<TicketId>(), Ok(TicketId(123)));
    assert_eq!("#7".parse::<TicketId>(), Ok(TicketId(7)));
    assert!("T-0".parse::<TicketId>().is_err());
    assert!("ticket".parse::<TicketId>().is_err());
}

#[test]
fn form_answers_set_category_and_priority() {
    let answers = BTreeMap::from([
        ("category".to_owned(), Answer::Text("billing".into())),
        ("priority".to_owned(), Answer::Text("high".into())),
    ]);
    let (ticket, created) = Ticket::open(TicketId(9), customer(), "support", answers, at(0));
    assert_eq!(ticket.category.as_deref(), Some("billing"));
    assert_eq!(ticket.priority, Priority::High);
    assert_eq!(created.seq, 0);
    assert_eq!(ticket.next_seq, 1);
}

fn any_change() -> impl Strategy<Value = (Change, bool)> {
    let change = prop_oneof![
        Just(Change::CustomerMessage { text: "c".into() }),
        Just(Change::AgentReply { text: "a".into() }),
        Just(Change::Note { text: "n".into() }),
        Just(Change::AwaitCustomer),
        Just(Change::Resolve),
        Just(Change::Close),
        Just(Change::Reopen),
        Just(Change::AutoClose),
        (0u64..3).prop_map(|a| Change::Assign { to: (a > 0).then_some(a) }),
        prop::sample::select(Priority::ALL.to_vec()).prop_map(Change::SetPriority),
        prop::sample::select(vec!["vip", "bug"]).prop_map(|t| Change::AddTag(t.into())),
        prop::sample::select(vec!["vip", "bug"]).prop_map(|t| Change::RemoveTag(t.into())),
        (1u64..3).prop_map(|a| Change::Escalate { to: vec![a], reason: "r".into() }),
        (0u32..30).prop_map(|escalation| Change::Deescalate { escalation }),
        any::<bool>().prop_map(|held| Change::HoldEscalation { held }),
        Just(Change::KeepOpen),
    ];
    (change, any::<bool>())
}

proptest! {
    #[test]
    fn random_commands_keep_the_invariants(steps in prop::collection::vec((any_change(), 0i64..120), 0..60)) {
        let (mut ticket, created) = Ticket::open(TicketId(1), customer(), "support", BTreeMap::new(), at(0));
        let mut history = vec![created];
        let mut now = 0;
        for ((change, by_customer), gap) in steps {
            now += gap;
            let origin = if by_customer { Origin { actor: Actor::Customer(42), rules: None } } else { agent() };
            let before = ticket.clone();
            if let Ok(entries) = ticket.apply(change, &origin, at(now)) {
                history.extend(entries);
            } else {
                prop_assert_eq!(&ticket, &before);
            }
            // A closed ticket has a resolution time; a resolved one too.
            if ticket.status == Status::Closed {
                prop_assert!(ticket.closed_at.is_some() && ticket.resolved_at.is_some());
            }
            if ticket.status == Status::Resolved {
                prop_assert!(ticket.resolved_at.is_some());
            }
            prop_assert_eq!(ticket.awaiting_since.is_some(), ticket.status == Status::AwaitingCustomer);
            // New means nobody has the ticket: an assignment always opens it.
            if ticket.status == Status::New {
                prop_assert_eq!(ticket.assignee, None);
            }
        }
        // History is ordered: consecutive sequence numbers, time never goes back.
        for (index, pair) in history.windows(2).enumerate() {
            prop_assert_eq!(pair[1].seq, pair[0].seq + 1, "entry {}", index);
            prop_assert!(pair[1].at >= pair[0].at);
        }
        prop_assert_eq!(ticket.next_seq as usize, history.len());
        // Reopen counts match the history, and the last status change is the status.
        let reopens = history.iter().filter(|e| matches!(e.kind,
            EntryKind::StatusChanged { from: Status::Resolved | Status::Closed, to: Status::Open })).count();
        prop_assert_eq!(ticket.reopened as usize, reopens);
        let last = history.iter().rev().find_map(|e| match e.kind {
            EntryKind::StatusChanged { to, .. } => Some(to),
            _ => None,
        });
        prop_assert_eq!(last.unwrap_or(Status::New), ticket.status);
        // Escalations in force are those made and not undone; the hold is the last one set.
        let undone: Vec<u32> = history.iter().filter_map(|e| match e.kind {
            EntryKind::Deescalated { escalation } => Some(escalation),
            _ => None,
        }).collect();
        let in_force: Vec<u32> = history.iter()
            .filter(|e| matches!(e.kind, EntryKind::Escalated { .. }) && !undone.contains(&e.seq))
            .map(|e| e.seq)
            .collect();
        prop_assert_eq!(ticket.escalations.iter().map(|e| e.seq).collect::<Vec<_>>(), in_force);
        let held = history.iter().rev().find_map(|e| match e.kind {
            EntryKind::EscalationHold { held } => Some(held),
            _ => None,
        });
        prop_assert_eq!(held.unwrap_or(false), ticket.escalation_held);
    }
}

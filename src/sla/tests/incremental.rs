//! [`changes_timeline`] against the whole computation: whenever it says an appended entry
//! leaves the timeline alone, the plan from the longer history equals the plan from the
//! shorter one, at the moment of the change and long after it. This is what lets the desk
//! skip recomputing a ticket's clocks after most customer messages.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::history::{Actor, Entry};
use crate::sla::{Inputs, PauseWhenAwaiting, Plan, Policy, SlaClock, SlaTargets, changes_timeline};
use crate::ticket::{Change, Customer, Origin, Priority, Ticket, TicketId};

pub(super) fn any_change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => Just(Change::CustomerMessage { text: "c".into() }),
        2 => Just(Change::AgentReply { text: "a".into() }),
        1 => Just(Change::Note { text: "n".into() }),
        1 => Just(Change::Start),
        1 => Just(Change::AwaitCustomer),
        1 => Just(Change::Resolve),
        1 => Just(Change::Close),
        1 => Just(Change::Reopen),
        1 => Just(Change::AutoClose),
        1 => (0u64..3).prop_map(|a| Change::Assign { to: (a > 0).then_some(a) }),
        1 => prop::sample::select(Priority::ALL.to_vec()).prop_map(Change::SetPriority),
        1 => Just(Change::AddTag("vip".into())),
        1 => Just(Change::RemoveTag("vip".into())),
        1 => Just(Change::Escalate { to: vec![1], reason: "r".into() }),
        1 => any::<bool>().prop_map(|unreachable| Change::MarkUnreachable { unreachable }),
        1 => Just(Change::System { text: "s".into() }),
    ]
}

pub(super) fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000).expect("valid") + SignedDuration::from_mins(minutes)
}

fn plan(ticket: &Ticket, history: &[Entry], targets: &SlaTargets, now: Timestamp) -> Plan {
    let calendar = BusinessCalendar::always();
    let policy = Policy { reminder_after: Some(Span::from_hours(5)), ..Policy::default() };
    let inputs = Inputs {
        ticket,
        history,
        targets: Some(targets),
        calendars: &[],
        calendar: &calendar,
        policy: &policy,
    };
    crate::sla::plan(&inputs, now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
    #[test]
    fn an_entry_said_to_leave_the_timeline_alone_leaves_every_plan_alone(
        steps in prop::collection::vec((any_change(), 0i64..180), 1..40),
        pauses in any::<[bool; 3]>(),
    ) {
        let targets = SlaTargets {
            first_response: Some(Span::from_hours(1)),
            next_response: Some(Span::from_hours(2)),
            resolution: Some(Span::from_hours(8)),
            calendar: SlaClock::Calendar,
            pause_when_awaiting: PauseWhenAwaiting {
                first_response: pauses[0],
                next_response: pauses[1],
                resolution: pauses[2],
            },
        };
        let customer = Customer { id: 7, name: "Ann".into(), username: None, language: None };
        let (mut ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), at(0));
        let mut history = vec![created];
        let origin = Origin { actor: Actor::Agent(1), rules: None };
        let mut now = 0;
        for (change, gap) in steps {
            now += gap;
            let prior = ticket.clone();
            let Ok(new) = ticket.apply(change, &origin, at(now)) else { continue };
            // The desk passes a short tail of the history; so does this test.
            let tail: Vec<Entry> = history.iter().rev().take(3).cloned().collect();
            let before = history.clone();
            history.extend(new.iter().cloned());
            if changes_timeline(&new, &tail, &prior) {
                continue;
            }
            for later in [0, 30, 90, 600, 6_000] {
                let when = at(now + later);
                prop_assert_eq!(
                    plan(&ticket, &before, &targets, when),
                    plan(&ticket, &history, &targets, when),
                    "after {:?} at +{}m", new, later
                );
            }
        }
    }
}

#[test]
fn customer_messages_move_clocks_only_when_they_start_a_wait() {
    let customer = Customer { id: 7, name: "Ann".into(), username: None, language: None };
    let (mut ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), at(0));
    let mut history = vec![created];
    let origin = Origin { actor: Actor::Customer(7), rules: None };
    let step = |ticket: &mut Ticket, history: &mut Vec<Entry>, change: Change| {
        let prior = ticket.clone();
        let new = ticket.apply(change, &origin, at(history.len() as i64)).expect("legal");
        let tail: Vec<Entry> = history.iter().rev().take(3).cloned().collect();
        history.extend(new.iter().cloned());
        changes_timeline(&new, &tail, &prior)
    };
    let message = || Change::CustomerMessage { text: "c".into() };
    assert!(!step(&mut ticket, &mut history, message()), "before the first reply");
    assert!(!step(&mut ticket, &mut history, Change::Note { text: "n".into() }));
    assert!(step(&mut ticket, &mut history, Change::AgentReply { text: "a".into() }));
    assert!(step(&mut ticket, &mut history, message()), "starts a next-response wait");
    assert!(!step(&mut ticket, &mut history, message()), "already waiting");
    assert!(!step(&mut ticket, &mut history, Change::AddTag("vip".into())));
    assert!(!step(&mut ticket, &mut history, message()), "still waiting behind a tag");
    for _ in 0..3 {
        step(&mut ticket, &mut history, Change::Note { text: "n".into() });
    }
    assert!(step(&mut ticket, &mut history, message()), "the tail does not tell: recompute");
}

#[test]
fn agent_replies_move_clocks_only_when_they_answer_or_restart_a_silence() {
    let customer = Customer { id: 7, name: "Ann".into(), username: None, language: None };
    let (mut ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), at(0));
    let mut history = vec![created];
    let agent = Origin { actor: Actor::Agent(1), rules: None };
    let step = |ticket: &mut Ticket, history: &mut Vec<Entry>, change: Change| {
        let prior = ticket.clone();
        let new = ticket.apply(change, &agent, at(history.len() as i64)).expect("legal");
        let tail: Vec<Entry> = history.iter().rev().take(3).cloned().collect();
        history.extend(new.iter().cloned());
        changes_timeline(&new, &tail, &prior)
    };
    let reply = || Change::AgentReply { text: "a".into() };
    assert!(step(&mut ticket, &mut history, reply()), "the first reply");
    assert!(!step(&mut ticket, &mut history, reply()), "a second reply, nobody waiting");
    assert!(!step(&mut ticket, &mut history, reply()), "and a third");
    assert!(step(&mut ticket, &mut history, Change::CustomerMessage { text: "c".into() }));
    assert!(step(&mut ticket, &mut history, reply()), "answers the customer");
    assert!(step(&mut ticket, &mut history, Change::AwaitCustomer));
    assert!(step(&mut ticket, &mut history, reply()), "restarts the silence the reminder times");
    step(&mut ticket, &mut history, Change::CustomerMessage { text: "c".into() });
    assert!(step(&mut ticket, &mut history, reply()), "answers the customer");
    assert_eq!(ticket.status, crate::ticket::Status::Open);
    for _ in 0..3 {
        step(&mut ticket, &mut history, Change::Note { text: "n".into() });
    }
    assert!(step(&mut ticket, &mut history, reply()), "the tail does not tell: recompute");
}

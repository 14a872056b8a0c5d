//! Calendar switches: cutting a clock where its calendar switches changes nothing when the
//! calendar stays the same, so a ticket whose priorities all count alike keeps exactly the
//! plan it had before switches existed; and [`calendar_switches`] reads them from history.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::incremental::{any_change, at};
use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::history::{Actor, Entry};
use crate::sla::{Inputs, PauseWhenAwaiting, Plan, Policy, SlaClock, SlaTargets, calendar_switches};
use crate::ticket::{Change, Customer, Origin, Priority, Ticket, TicketId};

fn berlin() -> BusinessCalendar {
    let hours = [("mon-fri", "09:00-18:00"), ("sat", "10:00-14:00")];
    BusinessCalendar::new("Europe/Berlin", &hours, &["2026-10-03"]).expect("a valid calendar")
}

fn plan(
    ticket: &Ticket,
    history: &[Entry],
    targets: &SlaTargets,
    calendars: &[(jiff::Timestamp, SlaClock)],
    now: jiff::Timestamp,
) -> Plan {
    let calendar = berlin();
    let policy = Policy { reminder_after: Some(Span::from_hours(5)), ..Policy::default() };
    let inputs =
        Inputs { ticket, history, targets: Some(targets), calendars, calendar: &calendar, policy: &policy };
    crate::sla::plan(&inputs, now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn switches_to_the_same_calendar_leave_every_plan_alone(
        steps in prop::collection::vec((any_change(), 0i64..300), 1..30),
        cuts in prop::collection::vec(0i64..6_000, 0..6),
        business in any::<bool>(),
        pauses in any::<[bool; 3]>(),
    ) {
        let mode = if business { SlaClock::Business } else { SlaClock::Calendar };
        let targets = SlaTargets {
            first_response: Some(Span::from_hours(1)),
            next_response: Some(Span::from_hours(2)),
            resolution: Some(Span::from_hours(8)),
            calendar: mode,
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
            if let Ok(new) = ticket.apply(change, &origin, at(now)) {
                history.extend(new);
            }
        }
        let mut cuts = cuts;
        cuts.sort_unstable();
        let calendars: Vec<_> = cuts.into_iter().map(|cut| (at(cut), mode)).collect();
        for later in [0, 30, 600, 3_000, 9_000] {
            let when = at(now + later);
            prop_assert_eq!(
                plan(&ticket, &history, &targets, &[], when),
                plan(&ticket, &history, &targets, &calendars, when),
                "cut at {:?}, +{}m", calendars, later
            );
        }
    }
}

#[test]
fn switches_come_from_priority_changes_merged_and_asked_once_per_priority() {
    let customer = Customer { id: 7, name: "Ann".into(), username: None, language: None };
    let (mut ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), at(0));
    let mut history = vec![created];
    let origin = Origin { actor: Actor::Agent(1), rules: None };
    for (minute, priority) in [(10, Priority::High), (20, Priority::Low), (30, Priority::Critical)] {
        history.extend(ticket.apply(Change::SetPriority(priority), &origin, at(minute)).expect("legal"));
    }
    history.extend(ticket.apply(Change::SetPriority(Priority::Normal), &origin, at(40)).expect("legal"));
    let mode = |priority| match priority {
        Priority::Critical => SlaClock::Calendar,
        Priority::Low | Priority::Normal | Priority::High => SlaClock::Business,
    };
    let mut asked = Vec::new();
    let mut switches = |now, current| {
        calendar_switches(&history, now, current, |priority| {
            asked.push(priority);
            mode(priority)
        })
    };
    // Normal, high and low count business time until 30m, critical calendar time until 40m,
    // and normal again after.
    assert_eq!(
        switches(at(40), SlaClock::Business),
        [(at(30), SlaClock::Business), (at(40), SlaClock::Calendar)]
    );
    // Read at 35m, the ticket is still critical: only the business stretch is earlier.
    assert_eq!(switches(at(35), SlaClock::Calendar), [(at(30), SlaClock::Business)]);
    // Before any change: no switch, and nobody asked.
    assert_eq!(switches(at(5), SlaClock::Business), []);
    assert_eq!(
        asked,
        [
            Priority::Normal,
            Priority::High,
            Priority::Low,
            Priority::Critical,
            Priority::Normal,
            Priority::High,
            Priority::Low
        ],
        "once per priority and read"
    );
}

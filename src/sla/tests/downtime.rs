//! Restarts and outages: steps that fell due while the desk was down are decided at start-up,
//! each once, in due order across tickets; recomputing a plan never repeats a decision.

use std::collections::BTreeMap;

use expect_test::expect;
use jiff::Timestamp;

use super::check;
use crate::calendar::BusinessCalendar;
use crate::history::Actor;
use crate::sla::{Inputs, Policy, SlaTargets, plan};
use crate::ticket::{Change, Customer, Origin, Ticket, TicketId};

#[test]
fn an_outage_fires_every_missed_step_once_in_due_order() {
    check(
        r#"
        calendar: always
        sla high: first_response 30m, resolution 4h
        sla normal: first_response 1h, resolution 8h
        2026-03-02 09:00 open high
        2026-03-02 09:05 open normal
        2026-03-02 09:10 T1 agent
        2026-03-02 09:10 down
        # Warnings overtaken by their breach are dropped; every rung comes out once.
        2026-03-02 14:00 up
        2026-03-02 14:00 show
        2026-03-02 18:00 end
        "#,
        &expect![[r#"
            Mon 03-02 09:10 UTC down
            Mon 03-02 14:00 UTC up
            Mon 03-02 14:00 UTC T2 first response breach, assignee: 1h target missed by 3h 55m (due Mon 03-02 10:05 UTC)
            Mon 03-02 14:00 UTC T2 first response breach, supervisors: 1h target missed by 3h 55m (due Mon 03-02 10:11 UTC)
            Mon 03-02 14:00 UTC T2 first response breach, escalation team: 1h target missed by 3h 55m (due Mon 03-02 10:17 UTC)
            Mon 03-02 14:00 UTC T1 resolution breach, assignee: 4h target missed by 1h (due Mon 03-02 13:00 UTC)
            Mon 03-02 14:00 UTC T1 resolution breach, supervisors: 4h target missed by 1h (due Mon 03-02 13:24 UTC)
            Mon 03-02 14:00 UTC T1 resolution breach, escalation team: 4h target missed by 1h (due Mon 03-02 13:48 UTC)
            Mon 03-02 14:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:10 UTC, 10m of 30m; warn -, due -
            Mon 03-02 14:00 UTC T1 resolution since Mon 03-02 09:00 UTC: running, 5h of 4h, breached by 1h; warn Mon 03-02 12:12 UTC, due Mon 03-02 13:00 UTC
            Mon 03-02 14:00 UTC T1 deadlines: none
            Mon 03-02 14:00 UTC T2 first_response since Mon 03-02 09:05 UTC: running, 4h 55m of 1h, breached by 3h 55m; warn Mon 03-02 09:53 UTC, due Mon 03-02 10:05 UTC
            Mon 03-02 14:00 UTC T2 resolution since Mon 03-02 09:05 UTC: running, 4h 55m of 8h; warn Mon 03-02 15:29 UTC, due Mon 03-02 17:05 UTC
            Mon 03-02 14:00 UTC T2 deadlines: resolution Mon 03-02 15:29 UTC
            Mon 03-02 15:29 UTC T2 resolution warning: 1h 36m left of 8h
            Mon 03-02 17:05 UTC T2 resolution breach, assignee: 8h target missed by 0s
            Mon 03-02 17:53 UTC T2 resolution breach, supervisors: 8h target missed by 48m
        "#]],
    );
}

#[test]
fn an_outage_during_business_closure_fires_nothing_early() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        sla normal: first_response 2h
        2026-03-06 17:00 open
        2026-03-06 17:30 down
        # Down all weekend: the clock did not run either, so nothing is due.
        2026-03-09 08:00 up
        2026-03-09 12:00 end
        "#,
        &expect![[r#"
            Fri 03-06 17:30 CET down
            Mon 03-09 08:00 CET up
            Mon 03-09 09:36 CET T1 first response warning: 24m left of 2h
            Mon 03-09 10:00 CET T1 first response breach, assignee: 2h target missed by 0s
            Mon 03-09 10:12 CET T1 first response breach, supervisors: 2h target missed by 12m
            Mon 03-09 10:24 CET T1 first response breach, escalation team: 2h target missed by 24m
        "#]],
    );
}

/// A restart recomputes the plan from the same history any number of times: once the
/// decisions are recorded, the same instant and every later one decide nothing new.
#[test]
fn recorded_decisions_are_never_decided_again() {
    let at = |minutes: i64| Timestamp::from_second(1_772_442_000 + minutes * 60).expect("in range");
    let customer = Customer { id: 1, name: "A".into(), username: None, language: None };
    let (mut ticket, created) = Ticket::open(TicketId(9), customer, "support", BTreeMap::new(), at(0));
    let mut history = vec![created];
    let targets = SlaTargets {
        first_response: Some("1h".parse().expect("span")),
        resolution: Some("2h".parse().expect("span")),
        ..SlaTargets::default()
    };
    let (calendar, policy) = (BusinessCalendar::always(), Policy::default());
    let decide = |ticket: &Ticket, history: &[_], now| {
        let inputs = Inputs {
            ticket,
            history,
            targets: Some(&targets),
            calendars: &[],
            calendar: &calendar,
            policy: &policy,
        };
        plan(&inputs, now).decisions
    };
    let first = decide(&ticket, &history, at(600));
    let steps: Vec<String> = first.iter().map(|d| format!("{} {}", d.due, d.kind)).collect();
    assert_eq!(
        steps,
        [
            "2026-03-02T10:00:00Z first response breach, assignee: 1h target missed by 9h",
            "2026-03-02T10:06:00Z first response breach, supervisors: 1h target missed by 9h",
            "2026-03-02T10:12:00Z first response breach, escalation team: 1h target missed by 9h",
            "2026-03-02T11:00:00Z resolution breach, assignee: 2h target missed by 8h",
            "2026-03-02T11:12:00Z resolution breach, supervisors: 2h target missed by 8h",
            "2026-03-02T11:24:00Z resolution breach, escalation team: 2h target missed by 8h",
        ]
    );
    assert_eq!(decide(&ticket, &history, at(600)), first, "recomputing changes nothing by itself");
    let system = Origin { actor: Actor::System, rules: None };
    for decision in &first {
        for change in decision.changes() {
            history.extend(ticket.apply(change, &system, at(600)).expect("marks apply in any status"));
        }
    }
    for later in [600, 601, 6000] {
        assert_eq!(decide(&ticket, &history, at(later)), [], "nothing decided twice at {later}");
    }
    // The history entries the store keeps are what makes this hold across restarts.
    history.extend(ticket.apply(Change::AgentReply { text: "hi".into() }, &system, at(601)).expect("reply"));
    assert_eq!(decide(&ticket, &history, at(6000)), []);
}

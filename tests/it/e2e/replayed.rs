//! A store written by a live run replays to the same decisions: the real host runs the
//! shipped rules (targets of seconds) against the fake Bot API until the ladder has climbed
//! on one ticket and stopped on a held one; then the store's tickets replay on the real desk
//! as `topicdesk simulate --from-store` does, and every timer step the replay acts on is
//! the one the live desk marked in history, ticket by ticket, in order. The CLI's report
//! on that store counts the escalations the live desk made.

use std::sync::Arc;

use topicdesk::deadline::Mark;
use topicdesk::fakegram::Draft;
use topicdesk::history::{Actor, Entry, EntryKind};
use topicdesk::store::{Store, data_file};
use topicdesk::ticket::{Change, Ticket, TicketId};

use super::harness::{DANA, Desk, STAFF, Setup};

/// The shipped rules with a first-response target of 2 s (calendar time) and the built-in
/// ladder a second apart.
fn shorten_sla(rules: &std::path::Path) {
    let sla = "fn sla(ticket) { #{ first_response: \"2s\", calendar: \"calendar\" } }\n";
    std::fs::write(rules.join("sla.rhai"), sla).expect("write sla.rhai");
    std::fs::remove_file(rules.join("escalation.rhai")).expect("the built-in ladder, not on_breach");
    let desk = std::fs::read_to_string(rules.join("desk.yaml")).expect("read desk.yaml");
    let desk = desk
        .replace("warning_at: 80%", "warning_at: 50%")
        .replace("escalation_grace: 10%", "escalation_grace: 50%");
    assert!(desk.contains("warning_at: 50%") && desk.contains("escalation_grace: 50%"), "{desk}");
    std::fs::write(rules.join("desk.yaml"), desk).expect("write desk.yaml");
}

fn marks(history: &[Entry]) -> Vec<Mark> {
    history
        .iter()
        .filter_map(|entry| match entry.kind {
            EntryKind::Timer(mark) => Some(mark),
            _ => None,
        })
        .collect()
}

fn escalations(history: &[Entry]) -> usize {
    history
        .iter()
        .filter(|entry| entry.actor == Actor::System && matches!(entry.kind, EntryKind::Escalated { .. }))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_a_live_run_replays_to_the_decisions_made_live() {
    let mut desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    shorten_sla(&desk.options.rules);
    desk.start_host();
    let fake = Arc::clone(&desk.fake);
    let threads = desk.open_all_tickets().await;
    fake.send_as(DANA, STAFF, Draft::text("/hold").in_topic(threads[1])).expect("Dana holds escalation");
    // Both tickets warned and breached; one climbed the whole ladder, the other is held.
    desk.wait_store("the ladder on one ticket, the hold on the other", |read| {
        let histories: Vec<Vec<Entry>> =
            [1, 2].iter().map(|id| read.history(TicketId(*id)).unwrap_or_default()).collect();
        let climbed = histories.iter().filter(|history| marks(history).len() == 4).count();
        let held = histories.iter().filter(|history| {
            marks(history).len() == 2
                && history.iter().any(|entry| entry.kind == EntryKind::EscalationHold { held: true })
        });
        climbed == 1 && held.count() == 1
    })
    .await;
    desk.stop_host().await;

    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let read = store.read().expect("read");
    let mut recorded: Vec<(Ticket, Vec<Entry>)> = Vec::new();
    read.for_each_ticket(|ticket| {
        let history = read.history(ticket.id)?;
        recorded.push((ticket, history));
        Ok::<_, topicdesk::store::StoreError>(())
    })
    .expect("read the tickets");
    drop(read);
    drop(store);
    assert_eq!(recorded.len(), 2);
    let (rules, diagnostics) = topicdesk::rules::load(&desk.options.rules);
    let rules = rules.unwrap_or_else(|| panic!("the rules load: {diagnostics:?}"));
    let replayed = topicdesk::simulate::recorded_decisions(&rules, &recorded, jiff::Timestamp::now())
        .expect("the replay runs");
    for (ticket, history) in &recorded {
        let replayed_marks: Vec<Mark> = replayed
            .iter()
            .filter(|(_, decision)| decision.ticket == ticket.id)
            .flat_map(|(_, decision)| decision.changes())
            .filter_map(|change| match change {
                Change::Timer(mark) => Some(mark),
                _ => None,
            })
            .collect();
        assert_eq!(
            replayed_marks,
            marks(history),
            "{}: the replay's timer steps are the live ones",
            ticket.id
        );
    }

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["simulate", "--rules"])
        .arg(&desk.options.rules)
        .arg("--from-store")
        .arg(&desk.options.data)
        .arg("--json")
        .output()
        .expect("simulate runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).expect("one JSON object");
    assert_eq!(report["tickets"], 2);
    let live_escalations: usize = recorded.iter().map(|(_, history)| escalations(history)).sum();
    assert_eq!(live_escalations, 2, "the supervisors and the escalation team, on the ticket not held");
    let escalated = &report["total"]["escalations"];
    assert_eq!(escalated["breach"], live_escalations, "{escalated}");
    assert_eq!(escalated["manual"].as_u64().unwrap_or(0) + escalated["age"].as_u64().unwrap_or(0), 0);
    assert_eq!(report["total"]["sla"]["first_response"]["breached"], 2, "both tickets breached");
    assert_eq!(report["simulation"]["breaches"]["first_response"], 2, "one stretch each");
    super::harness::assert_outbox_empty(&desk.options.data);
}

//! `topicdesk simulate --from-store` and `topicdesk report` on a store a live run wrote
//! give the same figures, line by line: the real host runs the shipped rules against the
//! fake Bot API while three customers and Dana go through replies, a wait on the customer,
//! a follow-up, resolutions and a reopen; then both commands read that store with the same
//! rules (so business time follows one calendar) and every figure of `report`'s JSON and
//! CSV is the simulation's.
//!
//! What people did is replayed as they did it, so the figures made of their actions hold
//! exactly whatever the rules: tickets, first response, next reply, resolutions, waits,
//! reopens, first-contact resolution, agent replies, sentiment. SLA outcomes and
//! escalations are the rules' decisions; with the same rules the replay decides as the live
//! desk did, and every ticket is resolved, so nothing still runs on the clock of either
//! command.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use topicdesk::fakegram::{Draft, FakeHandle};
use topicdesk::history::{Entry, EntryKind};
use topicdesk::ticket::{Status, TicketId};

use super::harness::{DANA, Desk, STAFF, Setup, open_ticket};

/// A gap between two steps of the story, so that every span is seconds long and a figure
/// measured from the wrong instant shows. Time passing is the point, not a wait for
/// something.
const GAP: Duration = Duration::from_millis(1_100);

/// Every leaf of a JSON value by its path (`total.first_response.calendar.median`).
fn leaves(value: &serde_json::Value, path: String, out: &mut BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                leaves(value, if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, value) in items.iter().enumerate() {
                leaves(value, format!("{path}[{index}]"), out);
            }
        }
        leaf => {
            out.insert(path, leaf.clone());
        }
    }
}

struct Story<'d> {
    desk: &'d Desk,
    fake: Arc<FakeHandle>,
    threads: Vec<i32>,
}

impl Story<'_> {
    async fn dana(&self, ticket: usize, text: &str, done: impl Fn(&[Entry]) -> bool) {
        tokio::time::sleep(GAP).await;
        let draft = Draft::text(text).in_topic(self.threads[ticket]);
        self.fake.send_as(DANA, STAFF, draft).expect("Dana writes in the topic");
        self.wait(ticket, text, done).await;
    }

    async fn customer(&self, ticket: usize, text: &str, done: impl Fn(&[Entry]) -> bool) {
        tokio::time::sleep(GAP).await;
        let customer = &self.desk.customers[ticket];
        self.fake.user_sends(customer.id, Draft::text(text)).expect("the customer writes");
        self.wait(ticket, text, done).await;
    }

    async fn wait(&self, ticket: usize, what: &str, done: impl Fn(&[Entry]) -> bool) {
        let id = TicketId(ticket as u64 + 1);
        let what = format!("{id}: {what}");
        self.desk.wait_store(&what, |read| done(&read.history(id).unwrap_or_default())).await;
    }
}

fn replies(n: usize) -> impl Fn(&[Entry]) -> bool {
    move |history| history.iter().filter(|e| matches!(e.kind, EntryKind::AgentReply { .. })).count() == n
}

fn messages(n: usize) -> impl Fn(&[Entry]) -> bool {
    move |history| history.iter().filter(|e| matches!(e.kind, EntryKind::CustomerMessage { .. })).count() == n
}

fn status(to: Status, n: usize) -> impl Fn(&[Entry]) -> bool {
    move |history| {
        history
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::StatusChanged { to: now, .. } if now == to))
            .count()
            == n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_from_a_live_store_reports_the_figures_report_reads_there() {
    let mut desk = Desk::start(Setup { customers: 3, budget_scale: None }).await;
    let fake = Arc::clone(&desk.fake);
    let mut threads = Vec::new();
    // One at a time, so T-000001 is the first customer's, and so on.
    for customer in &desk.customers {
        threads.push(open_ticket(&fake, customer).await);
    }
    let story = Story { desk: &desk, fake: Arc::clone(&fake), threads };
    // T-000001: answered, the customer follows up (a wait), answered again, resolved.
    story.dana(0, "Which version do you run?", replies(1)).await;
    story.customer(0, "Version 2.3, thank you!", messages(1)).await;
    story.dana(0, "Fixed in 2.4.", replies(2)).await;
    story.dana(0, "/resolve", status(Status::Resolved, 1)).await;
    // T-000002: answered once and resolved; the customer writes again (a reopen), the
    // answer, resolved again.
    story.dana(1, "Restart the export, please.", replies(1)).await;
    story.dana(1, "/resolve", status(Status::Resolved, 1)).await;
    story.customer(1, "It still fails, this is terrible.", status(Status::Open, 2)).await;
    story.dana(1, "Sorry! A fix is out now.", replies(2)).await;
    story.dana(1, "/resolve", status(Status::Resolved, 2)).await;
    // T-000003: waits on the customer, who answers; resolved without another reply.
    story.dana(2, "Could you send the log?", replies(1)).await;
    story.dana(2, "/await", status(Status::AwaitingCustomer, 1)).await;
    story.customer(2, "Here it is, great support.", messages(1)).await;
    story.dana(2, "/resolve", status(Status::Resolved, 1)).await;
    desk.stop_host().await;
    // Both commands measure at a whole second: past the last change's, each sees every
    // ticket resolved, and the backlog is the same whenever within the minute they run.
    tokio::time::sleep(GAP).await;
    let (rules, data) = (&desk.options.rules, &desk.options.data);
    for by in ["agent", "priority"] {
        assert_same_json(rules, data, by);
    }
    // The CSV, line by line: the simulation's adds only its own rows.
    let (report, simulated) = both(rules, data, "agent", "csv");
    let (own, shared): (Vec<&str>, Vec<&str>) =
        simulated.lines().partition(|line| line.starts_with("simulation,"));
    assert!(!own.is_empty(), "{simulated}");
    assert_eq!(shared, report.lines().collect::<Vec<_>>());
    assert!(report.lines().any(|line| line.starts_with("Dana,first_response,calendar,")), "{report}");
}

/// `report --data` and `simulate --from-store` on `data` with `rules`, `--by` and
/// `--format`: what each printed.
fn both(rules: &Path, data: &Path, by: &str, format: &str) -> (String, String) {
    let run = |args: &[&OsStr]| -> String {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
            .args(args)
            .args(["--by", by, "--format", format])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let arg = OsStr::new;
    (
        run(&[arg("report"), arg("--data"), data.as_os_str(), arg("--rules"), rules.as_os_str()]),
        run(&[arg("simulate"), arg("--rules"), rules.as_os_str(), arg("--from-store"), data.as_os_str()]),
    )
}

/// Every figure of `report`'s JSON is the simulation's, and the story made them worth
/// comparing.
fn assert_same_json(rules: &Path, data: &Path, by: &str) {
    let (report, simulated) = both(rules, data, by, "json");
    let json =
        |text: &str| -> serde_json::Value { serde_json::from_str(text.trim()).expect("one JSON object") };
    let (report, simulated) = (json(&report), json(&simulated));
    let (mut read, mut replayed) = (BTreeMap::new(), BTreeMap::new());
    leaves(&report, String::new(), &mut read);
    leaves(&simulated, String::new(), &mut replayed);
    // When each command ran is all that may differ; every figure must not.
    read.retain(|path, _| path != "measured_at" && path != "backlog.at");
    assert!(read.len() > 150, "report gives every figure: {}", read.len());
    let differing: Vec<String> = read
        .iter()
        .filter(|(path, value)| replayed.get(*path) != Some(*value))
        .map(|(path, value)| format!("{path}: report {value}, simulate {:?}", replayed.get(path)))
        .collect();
    assert!(differing.is_empty(), "--by {by}: figures that differ:\n{}", differing.join("\n"));

    let total = &report["total"];
    assert_eq!(report["tickets"], 3);
    assert_eq!(total["resolved"], 3);
    assert_eq!(total["reopens"], 1);
    assert_eq!(total["first_contact_resolutions"], 1, "T-000003: one reply, resolved, never reopened");
    assert_eq!(total["agent_replies"]["count"], 3);
    assert_eq!(total["next_reply"]["calendar"]["count"], 2, "T-000001's follow-up and T-000002's reopen");
    for metric in ["first_response", "next_reply", "full_resolution", "requester_wait"] {
        let median = total[metric]["calendar"]["median"].as_u64().unwrap_or(0);
        assert!(median >= 1, "{metric} spans seconds: {total}");
    }
    assert!(total["customer_wait"]["calendar"]["p90"].as_u64().unwrap_or(0) >= 1, "{total}");
    assert!(total["sentiment"].is_number(), "{total}");
}

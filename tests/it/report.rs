//! `topicdesk report` checked against a second, naive computation from `tickets export` on
//! a generated store of 10,000 tickets with varied timelines.
//!
//! The naive side reads only the ticket's own fields in the export (`priority`,
//! `created_at`, `first_response_at`, `reopened`), which `Ticket::apply` keeps as the
//! ticket changes, while the report computes from the store's facts folded from history:
//! two code paths that must agree.

use std::collections::BTreeMap;

use jiff::Timestamp;
use topicdesk::history::Actor;
use topicdesk::store::{FILE_NAME, Store, StoreError};
use topicdesk::ticket::{Answer, Change, Customer, Origin, Priority, Ticket};

use crate::support::{at, path_arg, stderr, stdout, topicdesk};

const TICKETS: u64 = 10_000;

/// A small deterministic mix (splitmix64), so the store is the same on every run.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Writes `TICKETS` tickets whose timelines vary by a seeded draw: unanswered, answered
/// and resolved, notes and rule messages before the reply, waits on the customer, reopened
/// and closed, priority changes, still open.
fn generate(store: &Store) {
    let agent = Origin { actor: Actor::Agent(7), rules: None };
    let desk = Origin { actor: Actor::System, rules: None };
    let mut made = 0;
    while made < TICKETS {
        store
            .write(|tx| {
                for _ in 0..1_000 {
                    let id = tx.next_ticket_id()?;
                    let draw = mix(id.0);
                    let priority = Priority::ALL[usize::try_from(draw % 4).expect("small")];
                    let answers = BTreeMap::from([
                        ("priority".to_owned(), Answer::Text(priority.as_str().into())),
                        (
                            "category".to_owned(),
                            Answer::Text(["billing", "technical"][(draw >> 8) as usize % 2].into()),
                        ),
                    ]);
                    let customer_id = 1_000 + id.0;
                    let customer = Customer {
                        id: customer_id,
                        name: format!("C{}", id.0),
                        username: None,
                        language: None,
                    };
                    let start = i64::try_from(id.0 * 3).expect("small");
                    let (mut ticket, created) = Ticket::open(id, customer, "support", answers, at(start));
                    let mut entries = vec![created];
                    let delay = 1 + i64::try_from((draw >> 16) % 600).expect("small");
                    let later = 1 + i64::try_from((draw >> 32) % 300).expect("small");
                    let customer = Origin { actor: Actor::Customer(customer_id), rules: None };
                    let reply = || Change::AgentReply { text: "answer".into() };
                    let steps: Vec<(i64, &Origin, Change)> = match (draw >> 40) % 6 {
                        0 => vec![],
                        1 => vec![
                            (delay, &agent, Change::Assign { to: Some(7) }),
                            (delay, &agent, reply()),
                            (delay + later, &agent, Change::Resolve),
                        ],
                        2 => vec![
                            (1, &agent, Change::Note { text: "looking".into() }),
                            (2, &desk, Change::Notify { text: "vip".into() }),
                            (delay, &agent, reply()),
                            (delay, &agent, Change::AwaitCustomer),
                            (delay + later, &customer, Change::CustomerMessage { text: "here it is".into() }),
                            (delay + 2 * later, &agent, reply()),
                            (delay + 2 * later, &agent, Change::Resolve),
                        ],
                        3 => vec![
                            (delay, &agent, reply()),
                            (delay, &agent, Change::Resolve),
                            (
                                delay + later,
                                &customer,
                                Change::CustomerMessage { text: "broken again".into() },
                            ),
                            (delay + 2 * later, &agent, reply()),
                            (delay + 2 * later, &agent, Change::Resolve),
                            (delay + 3 * later, &desk, Change::AutoClose),
                        ],
                        4 => vec![(delay, &agent, reply())],
                        _ => vec![
                            (1, &desk, Change::SetPriority(Priority::High)),
                            (delay, &agent, reply()),
                            (delay + later, &agent, Change::Close),
                        ],
                    };
                    for (minutes, origin, change) in steps {
                        entries.extend(ticket.apply(change, origin, at(start + minutes)).expect("legal"));
                    }
                    tx.save_ticket(&ticket)?;
                    tx.append_history(id, &entries)?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("generate");
        made += 1_000;
    }
}

/// The smallest value at or below which at least `percent`% of `values` lie.
fn naive_percentile(values: &[i64], percent: usize) -> i64 {
    let mut candidates = values.to_vec();
    candidates.sort_unstable();
    candidates.dedup();
    *candidates
        .iter()
        .find(|v| values.iter().filter(|x| x <= v).count() * 100 >= percent * values.len())
        .expect("values are not empty")
}

#[test]
fn report_agrees_with_a_naive_count_over_the_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(&Store::open(&dir.path().join(FILE_NAME)).expect("create store"));
    let data = path_arg(dir.path());

    let export = topicdesk(&["tickets", "export", "--data", data]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let mut per_priority: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_responses: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut reopens = 0u64;
    for line in stdout(&export).lines() {
        let ticket: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
        let priority = ticket["priority"].as_str().expect("a priority").to_owned();
        *per_priority.entry(priority.clone()).or_default() += 1;
        reopens += ticket["reopened"].as_u64().expect("a count");
        if let Some(first) = ticket["first_response_at"].as_str() {
            let created: Timestamp =
                ticket["created_at"].as_str().expect("created").parse().expect("RFC 3339");
            let first: Timestamp = first.parse().expect("RFC 3339");
            let seconds = first.as_second() - created.as_second();
            first_responses.entry(priority.clone()).or_default().push(seconds);
            first_responses.entry("all".to_owned()).or_default().push(seconds);
        }
    }
    assert_eq!(per_priority.values().sum::<u64>(), TICKETS);
    assert!(reopens > 1_000, "the generator reopens about a sixth: {reopens}");

    let output = topicdesk(&["report", "--data", data, "--by", "priority", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert_eq!(report["tickets"], TICKETS);
    assert_eq!(report["total"]["reopens"], reopens);
    let check = |group: &serde_json::Value, key: &str| {
        let values = &first_responses[key];
        let figures = &group["first_response"]["calendar"];
        let got = (figures["count"].as_u64(), figures["median"].as_i64(), figures["p90"].as_i64());
        let want = (
            Some(values.len() as u64),
            Some(naive_percentile(values, 50)),
            Some(naive_percentile(values, 90)),
        );
        assert_eq!(got, want, "first response of {key}: (count, median, p90)");
    };
    check(&report["total"], "all");
    let groups = report["groups"].as_array().expect("groups");
    let counted: BTreeMap<String, u64> = groups
        .iter()
        .map(|g| (g["key"].as_str().expect("key").to_owned(), g["tickets"].as_u64().expect("count")))
        .collect();
    assert_eq!(counted, per_priority);
    for group in groups {
        check(group, group["key"].as_str().expect("key"));
    }
}

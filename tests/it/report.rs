//! `topicdesk report` checked against a second, naive computation from `tickets export` on
//! a generated store of 10,000 tickets with varied timelines.
//!
//! The naive side reads only the ticket's own fields in the export (`priority`,
//! `created_at`, `first_response_at`, `reopened`), which `Ticket::apply` keeps as the
//! ticket changes, while the report computes from the store's facts folded from history:
//! two code paths that must agree. Template replies: the report's come from the facts
//! folded from history, the naive ones from the uses the generator recorded over the
//! export's `agent_replies`; deflections: the report's against what the generator wrote.

use std::collections::BTreeMap;

use jiff::Timestamp;
use topicdesk::history::Actor;
use topicdesk::kb::Deflection;
use topicdesk::store::{FILE_NAME, Store, StoreError};
use topicdesk::template::TemplateUse;
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

/// Knowledge-base deflections the generator writes: one every 7 minutes from minute 0, the
/// article drawn from this list by a seeded draw.
const DEFLECTIONS: i64 = 3_000;
const ARTICLES: [&str; 7] = ["reset-password", "invoices", "refunds", "delivery", "plans", "login", "api"];

/// What the generator wrote beside the tickets, for the naive side.
struct Written {
    /// Template uses by the ticket's priority.
    template_uses: BTreeMap<String, u64>,
    deflections: Vec<Deflection>,
}

/// Writes `TICKETS` tickets whose timelines vary by a seeded draw: unanswered, answered
/// and resolved, notes and rule messages before the reply, waits on the customer, reopened
/// and closed, priority changes, still open; a third of the first replies from a template.
/// And `DEFLECTIONS` questions the knowledge base answered.
fn generate(store: &Store) -> Written {
    let mut written = Written { template_uses: BTreeMap::new(), deflections: Vec::new() };
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
                    let templated = (draw >> 48).is_multiple_of(3);
                    let mut replies = 0;
                    for (minutes, origin, change) in steps {
                        let reply = matches!(change, Change::AgentReply { .. });
                        entries.extend(ticket.apply(change, origin, at(start + minutes)).expect("legal"));
                        replies += u32::from(reply);
                        if reply && replies == 1 && templated {
                            let used =
                                Change::TemplateUsed { template: "hello".into(), version: "v1".into() };
                            entries.extend(ticket.apply(used, origin, at(start + minutes)).expect("legal"));
                            tx.record_template_use(&TemplateUse {
                                template: "hello".into(),
                                version: "v1".into(),
                                agent: 7,
                                ticket: id.0,
                                at: at(start + minutes),
                            })?;
                            *written.template_uses.entry(ticket.priority.as_str().to_owned()).or_default() +=
                                1;
                        }
                    }
                    tx.save_ticket(&ticket)?;
                    tx.append_history(id, &entries)?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("generate");
        made += 1_000;
    }
    written.deflections = write_deflections(store);
    written
}

/// Writes `DEFLECTIONS` questions the knowledge base answered, and returns them.
fn write_deflections(store: &Store) -> Vec<Deflection> {
    let mut written = Vec::new();
    store
        .write(|tx| {
            for n in 0..DEFLECTIONS {
                let article = ARTICLES[usize::try_from(mix(n.unsigned_abs()) % 7).expect("small")];
                let deflection = Deflection {
                    at: at(n * 7),
                    form: "support".into(),
                    article: article.into(),
                    question: format!("question {n}"),
                    customer: Some(n.unsigned_abs()),
                };
                tx.record_deflection(&deflection)?;
                written.push(deflection);
            }
            Ok::<_, StoreError>(())
        })
        .expect("deflections");
    written
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
    let written = generate(&Store::open(&dir.path().join(FILE_NAME)).expect("create store"));
    let data = path_arg(dir.path());

    let export = topicdesk(&["tickets", "export", "--data", data]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    let mut per_priority: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_responses: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut reopens = 0u64;
    let mut agent_replies: BTreeMap<String, u64> = BTreeMap::new();
    for line in stdout(&export).lines() {
        let ticket: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
        let priority = ticket["priority"].as_str().expect("a priority").to_owned();
        *per_priority.entry(priority.clone()).or_default() += 1;
        *agent_replies.entry(priority.clone()).or_default() +=
            ticket["agent_replies"].as_u64().expect("a count");
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
    check_templates(&report, &written, &agent_replies);
    assert_eq!(report["deflections"]["count"], DEFLECTIONS);
    check_deflections(data, &written);
}

/// Template replies per priority, and over all: uses over agent replies.
fn check_templates(report: &serde_json::Value, written: &Written, agent_replies: &BTreeMap<String, u64>) {
    let groups = report["groups"].as_array().expect("groups");
    // Template replies per priority, and over all: uses over agent replies.
    let all_uses: u64 = written.template_uses.values().sum();
    assert!(all_uses > 1_000, "about a third of the answered tickets: {all_uses}");
    let templates = |group: &serde_json::Value| {
        let t = &group["templates"];
        (t["uses"].as_u64(), t["agent_replies"].as_u64(), t["share"].as_f64())
    };
    let all_replies: u64 = agent_replies.values().sum();
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    let share = |uses: u64, replies: u64| uses as f64 / replies as f64;
    assert_eq!(
        templates(&report["total"]),
        (Some(all_uses), Some(all_replies), Some(share(all_uses, all_replies)))
    );
    for group in groups {
        let key = group["key"].as_str().expect("key");
        let (uses, replies) = (written.template_uses[key], agent_replies[key]);
        assert_eq!(templates(group), (Some(uses), Some(replies), Some(share(uses, replies))), "{key}");
    }
}

/// Deflections in a period: those in it, the articles that answered most, and the share
/// of the questions (deflected or a ticket) they are.
fn check_deflections(data: &str, written: &Written) {
    let (since, until) = (at(6_000), at(15_000));
    let in_period: Vec<&Deflection> =
        written.deflections.iter().filter(|d| d.at >= since && d.at < until).collect();
    let mut by_article: BTreeMap<&str, u64> = BTreeMap::new();
    for deflection in &in_period {
        *by_article.entry(deflection.article.as_str()).or_default() += 1;
    }
    let mut naive_top: Vec<(&str, u64)> = by_article.into_iter().collect();
    naive_top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    naive_top.truncate(5);
    // Ticket `id` was created at minute `3 * id`.
    let tickets_in_period = (1..=TICKETS).filter(|id| (6_000..15_000).contains(&(id * 3))).count() as u64;
    let output = topicdesk(&[
        "report",
        "--data",
        data,
        "--since",
        &since.to_string(),
        "--until",
        &until.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let period: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert_eq!(period["tickets"], tickets_in_period);
    let deflections = &period["deflections"];
    assert_eq!(deflections["count"], in_period.len());
    let top: Vec<(&str, u64)> = deflections["top_articles"]
        .as_array()
        .expect("top articles")
        .iter()
        .map(|a| (a["article"].as_str().expect("id"), a["count"].as_u64().expect("count")))
        .collect();
    assert_eq!(top, naive_top);
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    let rate = in_period.len() as f64 / (in_period.len() as u64 + tickets_in_period) as f64;
    assert_eq!(deflections["rate"].as_f64(), Some(rate));
    let csv = topicdesk(&[
        "report",
        "--data",
        data,
        "--since",
        &since.to_string(),
        "--until",
        &until.to_string(),
        "--format",
        "csv",
    ]);
    assert!(
        stdout(&csv).contains(&format!("\nall,kb_deflections,,{},,,\n", in_period.len())),
        "{}",
        stdout(&csv)
    );
    let table =
        topicdesk(&["report", "--data", data, "--since", &since.to_string(), "--until", &until.to_string()]);
    let (first, count) = naive_top[0];
    assert!(
        stdout(&table)
            .contains(&format!("KB deflections (answered by an article, no ticket): {} (", in_period.len())),
        "{}",
        stdout(&table)
    );
    assert!(stdout(&table).contains(&format!("; top: {first} {count},")), "{}", stdout(&table));
}

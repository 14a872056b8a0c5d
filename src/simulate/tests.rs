//! Simulation tests: a small replay of the shipped rules as a snapshot, the same rules
//! compared with themselves (no difference), a tighter SLA compared with the shipped one
//! (differences exactly where the rules differ), and a run at scale that prints its time.
//!
//! The scale run replays 2,000 tickets by default; set `TOPICDESK_SIMULATE_TICKETS` to
//! measure more, in release mode:
//! `TOPICDESK_SIMULATE_TICKETS=100000 cargo test --release --lib simulate::tests::scale -- --nocapture`.

use std::path::Path;
use std::time::Instant;

use expect_test::expect;

use super::{Traffic, compare, simulate, simulate_recorded};
use crate::rules::{RuleSet, load};

fn shipped() -> RuleSet {
    let (set, diagnostics) = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"));
    assert!(diagnostics.iter().all(|d| d.severity != crate::diagnostic::Severity::Error), "{diagnostics:?}");
    set.expect("the shipped rules are valid")
}

/// The shipped rules with `sla.rhai` replaced.
fn with_sla(sla: &str) -> (tempfile::TempDir, RuleSet) {
    with_file("sla.rhai", sla)
}

/// The shipped rules with one file replaced.
fn with_file(name: &str, text: &str) -> (tempfile::TempDir, RuleSet) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    copy_dir(&source, dir.path());
    std::fs::write(dir.path().join(name), text).expect("write the rule file");
    // The shipped scenarios pin the shipped targets; they do not apply to a variant.
    std::fs::remove_file(dir.path().join("tests/sla.yaml")).expect("remove scenario");
    let (set, diagnostics) = load(dir.path());
    (dir, set.unwrap_or_else(|| panic!("variant rules are valid: {diagnostics:?}")))
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable rules") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("named"));
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

const TRAFFIC: &str = r#"{
    "seed": 7,
    "start": "2026-03-02T00:00:00Z",
    "days": 7,
    "tickets": 400,
    "priorities": { "low": 20, "normal": 60, "high": 20 },
    "categories": { "billing": 40, "technical": 60 },
    "agent_speed": { "222222222": 2 }
}"#;

fn traffic() -> Traffic {
    Traffic::from_json(TRAFFIC).expect("valid traffic")
}

#[test]
fn a_week_of_traffic_through_the_shipped_rules() {
    let report = simulate(&shipped(), &traffic(), &mut |_, _| {});
    let text = report.to_string().replace(&report.rules, "<version>");
    expect![[r#"
        rules <version>: 400 tickets, 0 hook failures
        group                  tickets  first response p50/90      resolution p50/90  breaches fr/nr/rs  warnings  escalations  auto-closed  peak load
        all                        400           30m / 2h 59m     5h 34m / 1d 5h 29m          86/172/97       380          696          400
        priority low                85           29m / 2h 56m     7h 11m / 1d 13h 4m              0/0/0         1           14           85
        priority normal            223           29m / 2h 59m        4h 34m / 1d 39m           35/70/39       156          283          223
        priority high               92           32m / 3h 34m     7h 35m / 1d 12h 7m          51/102/58       223          399           92
        agent 111111111 Dana       104           32m / 3h 16m    6h 52m / 1d 11h 57m           24/54/27       114          210          104         30
        agent 222222222 Eli         76           27m / 2h 23m     8h 9m / 1d 11h 22m           13/30/20        64          131           76         28
        agent 333333333 Farah       97            29m / 3h 5m      5h 30m / 1d 1h 4m           23/38/21        85          158           97         28
        agent 444444444 Gus        123           34m / 3h 14m        4h 4m / 23h 43m           26/50/29       117          197          123         30
        queued                     356           29m / 2h 53m     5h 29m / 1d 7h 30m          74/155/84       338          615          356
    "#]].assert_eq(&text);
}

#[test]
fn rules_that_decide_alike_compare_without_differences() {
    let rules = shipped();
    let same =
        compare(simulate(&rules, &traffic(), &mut |_, _| {}), simulate(&rules, &traffic(), &mut |_, _| {}));
    assert_eq!(same.differences, []);
    assert!(same.to_string().ends_with("no differences\n"));
    // Another version (a comment added) that decides the same: nothing differs but the name.
    let shipped_sla = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/sla.rhai"))
        .expect("shipped sla.rhai");
    let (_dir, commented) = with_sla(&format!("// reviewed\n{shipped_sla}"));
    assert_ne!(commented.version(), rules.version());
    let alike = compare(
        simulate(&rules, &traffic(), &mut |_, _| {}),
        simulate(&commented, &traffic(), &mut |_, _| {}),
    );
    assert_eq!(alike.differences, []);
}

/// Regression: the shipped ladder raises a breached ticket to critical, whose targets count
/// calendar time; high-priority first responses then read as hours (median 6h 14m) because
/// the replay measured every ticket on its final targets' clock. Times are measured on the
/// clock the ticket opened with and breaches when they happen, so a rule that only raises
/// priorities changes targets, breaches and escalations, never how long agents took.
#[test]
fn raising_the_priority_changes_breaches_not_response_times() {
    let escalation =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/escalation.rhai"))
            .expect("the shipped escalation.rhai");
    let without_raise = escalation.replace("[set_priority(\"critical\"), ", "[");
    assert_ne!(escalation, without_raise, "the shipped ladder raises priority");
    let (_dir, variant) = with_file("escalation.rhai", &without_raise);
    let comparison = compare(
        simulate(&shipped(), &traffic(), &mut |_, _| {}),
        simulate(&variant, &traffic(), &mut |_, _| {}),
    );
    // Per ticket, not per agent: the desk asks `route` again when a rule escalates, and
    // the shipped hook gives critical tickets to the least loaded agent, so who holds a
    // ticket (and with it an agent row's median) may differ between the two.
    let times: Vec<String> = comparison
        .differences
        .iter()
        .filter(|d| !d.group.starts_with("agent "))
        .filter(|d| d.figure.contains("median") || d.figure.contains("p90"))
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    assert_eq!(times, Vec::<String>::new(), "agents work as fast whatever the priority says");
    let high_first_breaches = comparison
        .differences
        .iter()
        .find(|d| d.group == "priority high" && d.figure == "first response breaches");
    assert!(
        high_first_breaches.is_none(),
        "first responses breach before any raise: {high_first_breaches:?}"
    );
    assert!(
        comparison
            .differences
            .iter()
            .any(|d| d.group == "priority high" && d.figure == "resolution breaches"),
        "critical's 4h calendar-time resolution target bites after the raise"
    );
}

#[test]
fn a_tighter_sla_shows_where_it_bites() {
    let tighter = r#"
        fn sla(ticket) {
            switch ticket.priority {
                "critical" => #{ first_response: "15m", next_response: "30m", resolution: "4h", calendar: "calendar" },
                "high" => #{ first_response: "10m", next_response: "1h", resolution: "8h" },
                "normal" => #{ first_response: "2h", next_response: "4h", resolution: "2d" },
                "low" => #{ first_response: "8h", resolution: "5d" },
                _ => (),
            }
        }
    "#;
    let (_dir, variant) = with_sla(tighter);
    let comparison = compare(
        simulate(&shipped(), &traffic(), &mut |_, _| {}),
        simulate(&variant, &traffic(), &mut |_, _| {}),
    );
    let changed: Vec<String> = comparison
        .differences
        .iter()
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    expect![[r#"
        all: first response breaches 86 -> 112
        all: next response breaches 172 -> 177
        all: resolution breaches 97 -> 100
        all: warnings 380 -> 410
        all: escalations 696 -> 776
        priority high: first response breaches 51 -> 77
        priority high: next response breaches 102 -> 107
        priority high: resolution breaches 58 -> 61
        priority high: warnings 223 -> 253
        priority high: escalations 399 -> 479
        agent 111111111 Dana: first response breaches 24 -> 29
        agent 111111111 Dana: next response breaches 54 -> 55
        agent 111111111 Dana: warnings 114 -> 120
        agent 111111111 Dana: escalations 210 -> 228
        agent 222222222 Eli: first response breaches 13 -> 20
        agent 222222222 Eli: warnings 64 -> 69
        agent 222222222 Eli: escalations 131 -> 145
        agent 333333333 Farah: first response breaches 23 -> 26
        agent 333333333 Farah: next response breaches 38 -> 41
        agent 333333333 Farah: resolution breaches 21 -> 22
        agent 333333333 Farah: warnings 85 -> 94
        agent 333333333 Farah: escalations 158 -> 175
        agent 444444444 Gus: first response breaches 26 -> 37
        agent 444444444 Gus: next response breaches 50 -> 51
        agent 444444444 Gus: resolution breaches 29 -> 31
        agent 444444444 Gus: warnings 117 -> 127
        agent 444444444 Gus: escalations 197 -> 228
        queued: first response breaches 74 -> 98
        queued: next response breaches 155 -> 160
        queued: resolution breaches 84 -> 87
        queued: warnings 338 -> 366
        queued: escalations 615 -> 691"#]]
    .assert_eq(&changed.join("\n"));
    assert!(
        changed.iter().all(|line| !line.starts_with("priority normal") && !line.starts_with("priority low"))
    );
    let text = comparison.to_string();
    let high: Vec<&str> = text.lines().filter(|line| line.starts_with("priority high")).take(8).collect();
    expect![[r#"
        priority high          tickets                            92            92
        priority high          first response median             32m           32m
        priority high          first response p90             3h 34m        3h 34m
        priority high          resolution median              7h 35m        7h 35m
        priority high          resolution p90              1d 12h 7m     1d 12h 7m
        priority high          first response breaches            51            77  +26
        priority high          next response breaches            102           107  +5
        priority high          resolution breaches                58            61  +3"#]]
    .assert_eq(&high.join("\n"));
    assert!(text.ends_with(&format!("{} figures differ\n", comparison.differences.len())));
}

/// The queue model: a ticket routing leaves in the queue is taken at its drawn first reply
/// by whoever is free. With every agent at one speed, who works a ticket changes the agent
/// rows, never what the tickets came to: with room for everything (nothing queued) the
/// all and priority rows are the very same.
#[test]
fn who_takes_a_queued_ticket_changes_agent_rows_not_what_tickets_came_to() {
    let team = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/team.yaml"))
        .expect("the shipped team.yaml");
    let roomy = ["capacity: 10", "capacity: 8", "capacity: 5"]
        .into_iter()
        .fold(team.clone(), |team, capacity| team.replace(capacity, "capacity: 1000"));
    assert_ne!(team, roomy, "the shipped team has capacities");
    let (_dir, roomy) = with_file("team.yaml", &roomy);
    let mut traffic = traffic();
    traffic.agent_speed.clear();
    let (queueing, roomy) =
        (simulate(&shipped(), &traffic, &mut |_, _| {}), simulate(&roomy, &traffic, &mut |_, _| {}));
    let queued = queueing.groups.iter().find(|group| group.group == "queued").map_or(0, |g| g.tickets);
    assert!(queued > 100, "the shipped capacities queue tickets: {queued}");
    assert!(roomy.groups.iter().all(|group| group.group != "queued"), "nothing queued with room");
    let outcomes = |report: &super::Report| -> Vec<super::GroupStats> {
        report.groups.iter().filter(|group| !group.group.starts_with("agent ")).cloned().collect()
    };
    let queueing = outcomes(&queueing);
    assert_eq!(
        queueing.iter().filter(|group| group.group != "queued").cloned().collect::<Vec<_>>(),
        outcomes(&roomy)
    );
}

#[test]
fn progress_is_reported_and_the_json_has_every_figure() {
    let mut calls = Vec::new();
    let report = simulate(&shipped(), &traffic(), &mut |done, total| calls.push((done, total)));
    assert_eq!(calls, [(400, 400)]);
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["tickets"], 400);
    assert!(json["groups"][0]["first_response"]["median_secs"].is_u64());
}

/// Not a timed assertion: prints how long the replay took, for the record.
#[test]
fn scale() {
    let tickets: u32 =
        std::env::var("TOPICDESK_SIMULATE_TICKETS").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let days = (tickets / 3_000).max(7);
    let traffic = Traffic::generated("2026-03-02T00:00:00Z".parse().expect("instant"), days, tickets);
    let rules = shipped();
    let started = Instant::now();
    let report = simulate(&rules, &traffic, &mut |_, _| {});
    let elapsed = started.elapsed();
    assert_eq!(report.tickets, u64::from(tickets));
    println!("simulate: {tickets} tickets over {days} days in {:.2} s", elapsed.as_secs_f64());
}

/// Two tickets as a store would hold them, with the recorded desk's own decisions (a timer
/// mark, an auto-close) among the people's changes.
fn recorded() -> Vec<(crate::ticket::Ticket, Vec<crate::history::Entry>)> {
    use crate::deadline::{DeadlineKind, Mark};
    use crate::history::Actor;
    use crate::ticket::{Answer, Change, Customer, Origin, Priority, Ticket, TicketId};
    let at = |text: &str| format!("2026-03-02T{text}:00+01:00").parse::<jiff::Timestamp>().expect("instant");
    let (agent, desk) = (
        Origin { actor: Actor::Agent(222_222_222), rules: None },
        Origin { actor: Actor::System, rules: None },
    );
    let mut tickets = Vec::new();
    for (id, priority, first_reply) in [(1, "high", "09:45"), (2, "normal", "09:20")] {
        // One customer per ticket: the desk relays a customer's message to their newest
        // ticket, so a store never records one customer writing to two open tickets.
        let customer = Origin { actor: Actor::Customer(4 + id), rules: None };
        let person = Customer { id: 4 + id, name: "C".into(), username: None, language: None };
        let answers =
            std::collections::BTreeMap::from([("priority".to_owned(), Answer::Text(priority.into()))]);
        let (mut ticket, created) = Ticket::open(TicketId(id), person, "support", answers, at("09:00"));
        let mut history = vec![created];
        let mut apply = |ticket: &mut Ticket, change, origin: &Origin, when: &str| {
            history.extend(ticket.apply(change, origin, at(when)).expect("legal"));
        };
        apply(&mut ticket, Change::Assign { to: Some(222_222_222) }, &desk, "09:00");
        apply(
            &mut ticket,
            Change::Timer(Mark { kind: DeadlineKind::FirstResponse, since: 0, step: 0 }),
            &desk,
            "09:24",
        );
        apply(&mut ticket, Change::AgentReply { text: "on it".into() }, &agent, first_reply);
        if id == 2 {
            apply(&mut ticket, Change::SetPriority(Priority::High), &agent, "10:00");
        }
        apply(&mut ticket, Change::CustomerMessage { text: "thanks".into() }, &customer, "11:00");
        apply(&mut ticket, Change::Resolve, &agent, "12:00");
        apply(&mut ticket, Change::AutoClose, &desk, "13:00");
        tickets.push((ticket, history));
    }
    tickets
}

#[test]
fn recorded_tickets_replay_under_other_rules() {
    let until: jiff::Timestamp = "2026-03-20T00:00:00Z".parse().expect("instant");
    let report = simulate_recorded(&shipped(), &recorded(), until, &mut |_, _| {}).expect("the desk runs");
    let text = report.to_string().replace(&report.rules, "<version>");
    expect![[r#"
        rules <version>: 2 tickets, 0 hook failures
        group                 tickets  first response p50/90      resolution p50/90  breaches fr/nr/rs  warnings  escalations  auto-closed  peak load
        all                         2              20m / 45m                3h / 3h              1/1/0         3            4            2
        priority normal             1              20m / 20m                3h / 3h              0/0/0         1            0            1
        priority high               1              45m / 45m                3h / 3h              1/1/0         2            4            1
        agent 111111111 Dana        1              45m / 45m                3h / 3h              1/1/0         2            4            1          1
        agent 222222222 Eli         1              20m / 20m                3h / 3h              0/0/0         1            0            1          1
    "#]].assert_eq(&text);
    let lax = r#"fn sla(ticket) { #{ first_response: "1h", resolution: "1d" } }"#;
    let (_dir, variant) = with_sla(lax);
    let comparison = compare(
        report,
        simulate_recorded(&variant, &recorded(), until, &mut |_, _| {}).expect("the desk runs"),
    );
    let changed: Vec<String> = comparison
        .differences
        .iter()
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    expect![[r#"
        all: first response breaches 1 -> 0
        all: next response breaches 1 -> 0
        all: warnings 3 -> 0
        all: escalations 4 -> 0
        priority normal: warnings 1 -> 0
        priority high: first response breaches 1 -> 0
        priority high: next response breaches 1 -> 0
        priority high: warnings 2 -> 0
        priority high: escalations 4 -> 0
        agent 111111111 Dana: first response breaches 1 -> 0
        agent 111111111 Dana: next response breaches 1 -> 0
        agent 111111111 Dana: warnings 2 -> 0
        agent 111111111 Dana: escalations 4 -> 0
        agent 222222222 Eli: warnings 1 -> 0"#]]
    .assert_eq(&changed.join("\n"));
}

/// Working hours take an agent out of routing outside them, in the replay as in the desk.
#[test]
fn an_agent_outside_their_working_hours_gets_no_tickets_in_the_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"), dir.path());
    let team = std::fs::read_to_string(dir.path().join("team.yaml")).expect("team.yaml");
    // Gus works one hour on Mondays only.
    let team = team.replace(
        "skills: [technical, bugs] }",
        "skills: [technical, bugs], working_hours: { mon: \"09:00-10:00\" } }",
    );
    std::fs::write(dir.path().join("team.yaml"), team).expect("write team.yaml");
    let (rules, diagnostics) = load(dir.path());
    let rules = rules.unwrap_or_else(|| panic!("valid: {diagnostics:?}"));
    let gus = |rules: &RuleSet| {
        let report = simulate(rules, &traffic(), &mut |_, _| {});
        report.groups.iter().find(|g| g.group.contains("Gus")).map_or(0, |g| g.tickets)
    };
    let (always, mondays) = (gus(&shipped()), gus(&rules));
    assert!(
        always >= 10 && mondays < always / 4,
        "Gus: {always} tickets always on duty, {mondays} on Monday mornings"
    );
}

/// The proof that a replay decides as the live desk did: tickets run live on the real desk
/// over a real store (people act, the timer ticks at every deadline), then the store's
/// tickets replay through `simulate --from-store`'s path under the same rules, and every
/// timer decision (each warning, breach rung, reminder, auto-close warning and auto-close,
/// with the time it was acted on) equals the live one, entry by entry.
#[test]
fn a_recorded_store_replays_to_the_decisions_made_live() {
    use crate::store::{FILE_NAME, Store, StoreError};
    use crate::ticket::Ticket;

    let rules = shipped();
    let start: jiff::Timestamp = "2026-03-02T08:00:00Z".parse().expect("instant");
    let until = start + jiff::SignedDuration::from_hours(20 * 24);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("store");
    let live = run_live(&rules, &store, start, until);
    let read = store.read().expect("read");
    let mut recorded = Vec::new();
    read.for_each_ticket(|ticket: Ticket| {
        let history = read.history(ticket.id)?;
        recorded.push((ticket, history));
        Ok::<_, StoreError>(())
    })
    .expect("read the store");
    assert_eq!(recorded.len(), 5);
    let replayed = super::recorded_decisions(&rules, &recorded, until).expect("the replay");
    let show = |decisions: &[(jiff::Timestamp, crate::sla::Decision)]| -> Vec<String> {
        decisions
            .iter()
            .map(|(when, decision)| format!("{when} {} {}", decision.ticket, decision.summary()))
            .collect()
    };
    let (live, replayed) = (show(&live), show(&replayed));
    for (index, (live, replayed)) in live.iter().zip(&replayed).enumerate() {
        assert_eq!(live, replayed, "decision {index}");
    }
    assert_eq!(live.len(), replayed.len(), "live: {live:#?}\nreplayed: {replayed:#?}");
    // The run is worth its salt: every kind of timer decision happened live.
    for kind in [
        "warning",
        "breach, assignee",
        "breach, supervisors",
        "auto-close warning",
        "auto-close",
        "reminder",
        "age escalation",
    ] {
        assert!(live.iter().any(|line| line.contains(kind)), "no {kind} live: {live:#?}");
    }
    // And the store holds what the desk did about them.
    let marks = recorded
        .iter()
        .flat_map(|(_, history)| history)
        .filter(|entry| matches!(entry.kind, crate::history::EntryKind::Timer(_)))
        .count();
    assert_eq!(marks, live.len(), "one timer mark in history for every decision acted on");
    let state_tickets = read.ticket_count().expect("count");
    assert_eq!(state_tickets, 5);
}

/// Five tickets run live on the real desk over `store`, each action in its own place in
/// time, the timer ticking at every deadline through `until`: the decisions it acted on.
fn run_live(
    rules: &RuleSet,
    store: &crate::store::Store,
    start: jiff::Timestamp,
    until: jiff::Timestamp,
) -> Vec<(jiff::Timestamp, crate::sla::Decision)> {
    use super::desk_run::{DeskRun, Until};
    use crate::ticket::{Answer, Customer};

    const DANA: u64 = 111_111_111;
    const ELI: u64 = 222_222_222;
    let at = |minutes: i64| start + jiff::SignedDuration::from_mins(minutes);
    store
        .write(|tx| {
            let mut run = DeskRun::new(rules, tx, start);
            let mut ids = Vec::new();
            for (n, (priority, category)) in [
                ("high", "billing"),
                ("normal", "technical"),
                ("low", ""),
                ("high", ""),
                ("normal", "billing"),
            ]
            .into_iter()
            .enumerate()
            {
                let customer =
                    Customer { id: 500 + n as u64, name: format!("C{n}"), username: None, language: None };
                let mut answers = std::collections::BTreeMap::from([(
                    "priority".to_owned(),
                    Answer::Text(priority.to_owned()),
                )]);
                if !category.is_empty() {
                    answers.insert("category".to_owned(), Answer::Text(category.to_owned()));
                }
                ids.push(run.open(at(n as i64 * 7), &customer, answers)?.id);
            }
            // 1: answered late, the customer follows up, resolved, auto-closed. 2: waits on
            // the customer (reminded), who answers; resolved, kept open once, auto-closed.
            // 3: nobody answers for days (the age escalation). 4: held while the ladder
            // would climb, released, answered, raised. 5: answered in time, tagged, closed.
            let script: [(i64, usize, Option<u64>, &str); 17] = [
                (20, 1, Some(ELI), "Which version do you run?"),
                (21, 1, Some(ELI), "/await"),
                (40, 3, Some(DANA), "/hold"),
                (40, 4, Some(DANA), "Hello!"),
                (41, 4, Some(DANA), "/tag refund"),
                (50, 0, Some(DANA), "Looking into it."),
                (90, 4, Some(DANA), "/close"),
                (130, 0, None, "Any news?"),
                (200, 3, Some(DANA), "/unhold"),
                (260, 3, Some(DANA), "On it."),
                (261, 3, Some(DANA), "/priority critical"),
                (400, 0, Some(DANA), "Refunded."),
                (401, 0, Some(DANA), "/resolve"),
                (4_000, 1, None, "Version 2."),
                (4_100, 1, Some(ELI), "Fixed in 2.1."),
                (4_101, 1, Some(ELI), "/resolve"),
                (7_000, 1, None, "keep it open"),
            ];
            for (minute, index, staff, text) in script {
                match (staff, text) {
                    (Some(staff), _) => run.staff_writes(at(minute), ids[index], staff, text)?,
                    (None, "keep it open") => run.keep_open(at(minute), ids[index])?,
                    (None, _) => run.customer_writes(at(minute), ids[index], text)?,
                }
            }
            run.run_timers(Until::Through(until))?;
            Ok::<_, crate::desk::DeskError>(run.decisions().to_vec())
        })
        .expect("the live run")
}

/// Regression guard for a suspected bug: a held ladder (`/hold`) leaving a deadline due,
/// on which the host's timer would tick every 200 ms for as long as the hold lasts. Minute
/// by minute through holds placed before, between and after the ladder's rungs (released
/// again or not, the clock paused or running), no ticket deadline is still due once the
/// desk has ticked.
#[test]
fn a_held_ladder_leaves_no_deadline_due_after_a_tick() {
    use super::desk_run::{DeskRun, Until};
    use crate::desk::{MemoryState, State};
    use crate::ticket::{Answer, Customer};
    let rules = shipped();
    let start: jiff::Timestamp = "2026-03-06T15:00:00+01:00".parse().expect("instant");
    let at = |minutes: i64| start.saturating_add(jiff::SignedDuration::from_mins(minutes)).expect("in range");
    // (minute, who, text): the supervisor's commands and replies, or the customer's message.
    let scripts: [&[(i64, &str)]; 4] = [
        &[(0, "/hold")],
        &[(10, "a reply"), (10, "/await"), (20, "/hold"), (200, "customer"), (300, "/unhold")],
        &[(10, "a reply"), (20, "/hold"), (30, "customer"), (2000, "/unhold")],
        &[(95, "/hold"), (96, "/unhold"), (97, "/hold")],
    ];
    for script in scripts {
        let mut state = MemoryState::new();
        let mut run = DeskRun::new(&rules, &mut state, start);
        let customer = Customer { id: 1, name: "C".into(), username: None, language: None };
        let answers =
            std::collections::BTreeMap::from([("priority".to_owned(), Answer::Text("high".into()))]);
        let ticket = run.open(start, &customer, answers).expect("opens").id;
        let mut minute = 0;
        let end = script.last().map_or(0, |(last, _)| *last) + 2 * 24 * 60;
        let last = script.iter().rev().find(|(_, text)| text.contains("hold")).map_or("", |(_, text)| *text);
        let mut script = script.iter().peekable();
        while minute <= end {
            while let Some((_, text)) = script.next_if(|(when, _)| *when == minute) {
                if *text == "customer" {
                    run.customer_writes(at(minute), ticket, "still there?").expect("handled");
                } else {
                    run.staff_writes(at(minute), ticket, 111_111_111, text).expect("handled");
                }
            }
            run.run_timers(Until::Through(at(minute))).expect("ticks");
            let due: Vec<_> = run.state().due(at(minute), 10).expect("due");
            let stuck: Vec<_> = due.iter().filter(|deadline| deadline.timer.ticket().is_some()).collect();
            assert!(stuck.is_empty(), "at +{minute}m: {stuck:?}");
            minute += 1;
        }
        let held = run.ticket(ticket).expect("read").expect("exists").escalation_held;
        assert_eq!(held, last == "/hold", "the last command stands");
        assert!(run.decisions().len() >= 3, "the desk acted on the ticket: {:?}", run.decisions());
    }
}

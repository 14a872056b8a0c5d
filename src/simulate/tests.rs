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

use super::{ReportOptions, Traffic, compare, simulate, simulate_recorded};
use crate::metrics::GroupBy;
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

/// The report grouped by priority, the rows these tests read.
const BY_PRIORITY: ReportOptions = ReportOptions { since: None, until: None, by: Some(GroupBy::Priority) };

fn traffic() -> Traffic {
    Traffic::from_json(TRAFFIC).expect("valid traffic")
}

#[test]
fn a_week_of_traffic_through_the_shipped_rules() {
    let report = simulate(&shipped(), &traffic(), &BY_PRIORITY, &mut |_, _| {});
    let text = report.to_string().replace(&report.rules, "<version>");
    expect![[r#"
        tickets created all time: 400, as of 2026-04-08T00:00:00Z

        metric                     count      median         p90        mean   bus. median    bus. p90
        first response               400       8h 1m       1d 5h     11h 23m       30m 23s      2h 59m
        next reply                   451      2h 43m          1d      9h 42m         1h 8m      4h 31m
        next reply per ticket        222      6h 17m     20h 35m       9h 4m        1h 26m      4h 29m
        first resolution             400       1d 1h       5d 5h       2d 2h         6h 9m       1d 8h
        full resolution              400       1d 5h       5d 6h       2d 4h        6h 51m       1d 8h
        requester wait               400       1d 1h       4d 7h      1d 22h        5h 34m       1d 5h
        customer wait                400          0s      4h 29m      5h 38m            0s      3h 29m
        agent replies                400           2           4         2.1
        (spans in calendar time; bus.: counted within the desk's business hours)

        tickets 400, open 0, resolved 400, reopened 23 (23 reopens), first-contact resolutions 178 (44%)

        SLA                          met  breached  running  achieved
        first response               314        86        0       78%
        next response                138        84        0       62%
        resolution                   303        97        0       75%

        escalations 696: manual 0, SLA breach 651, age 45, other rules 0
        customer sentiment (mean, -1 to +1): +0.00
        satisfaction: asked 400, answered 0 (0%), CSAT - (4-5 or good), mean -, comments 0
        templates: 0 of 851 agent replies (0%)
        KB deflections (answered by an article, no ticket): 0 (- of questions)

        by priority
        group                tickets   open   1st resp        p90 next reply  full res.        p90 reopened    FCR  SLA miss  CSAT resp.  tmpl
        low                       85      0    11h 34m      1d 7h      3h 5m     1d 19h      6d 7h        4    34%         0     -    0%    0%
        normal                   180      0     5h 19m    22h 36m     1h 48m    18h 21m     3d 14h        8    57%        11     -    0%    0%
        high                      20      0     4h 35m      1d 2h    40m 28s     5h 56m     1d 12h        0    60%         4     -    0%    0%
        critical                 115      0     9h 59m     1d 14h      3h 8m         2d     8d 14h       11    28%       252     -    0%    0%
        (medians and p90 in calendar time; JSON and CSV carry business hours too)

        backlog at 2026-04-08T00:00:00Z (active tickets by age)
          under 1h           0
          1h-4h              0
          4h-24h             0
          1d-3d              0
          3d-7d              0
          7d and over        0

        busiest hours (tickets created, local time)
          00:00      26 ########################################
          01:00      16 ########################
          02:00      11 ################
          03:00      19 #############################
          04:00      14 #####################
          05:00      15 #######################
          06:00      19 #############################
          07:00      15 #######################
          08:00      18 ###########################
          09:00      20 ##############################
          10:00      16 ########################
          11:00      17 ##########################
          12:00      12 ##################
          13:00      23 ###################################
          14:00      15 #######################
          15:00      14 #####################
          16:00      19 #############################
          17:00      16 ########################
          18:00      23 ###################################
          19:00      15 #######################
          20:00      16 ########################
          21:00      17 ##########################
          22:00      14 #####################
          23:00      10 ###############

        simulated with rules <version>: 0 hook failures
        queued by routing 356, SLA warnings 380, auto-closed 400
        breaches (stretches): first response 86, next response 172, resolution 97

        agent                peak load
        Dana                        30
        Eli                         28
        Farah                       28
        Gus                         30
    "#]]
    .assert_eq(&text);
}

#[test]
fn rules_that_decide_alike_compare_without_differences() {
    let rules = shipped();
    let same = compare(
        simulate(&rules, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
        simulate(&rules, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
    );
    assert_eq!(same.differences, []);
    assert!(same.to_string().ends_with("no differences\n"));
    // Another version (a comment added) that decides the same: nothing differs but the name.
    let shipped_sla = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/sla.rhai"))
        .expect("shipped sla.rhai");
    let (_dir, commented) = with_sla(&format!("// reviewed\n{shipped_sla}"));
    assert_ne!(commented.version(), rules.version());
    let alike = compare(
        simulate(&rules, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
        simulate(&commented, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
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
        simulate(&shipped(), &traffic(), &BY_PRIORITY, &mut |_, _| {}),
        simulate(&variant, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
    );
    // The whole period, not per priority or agent: priorities group by the priority now
    // (the raise moves a ticket to `critical`), and the desk asks `route` again when a rule
    // escalates, so who holds a ticket may differ between the two.
    let times: Vec<String> = comparison
        .differences
        .iter()
        .filter(|d| d.group == "all")
        .filter(|d| d.figure.contains("median") || d.figure.contains("p90"))
        .filter(|d| !d.figure.starts_with("agent_replies"))
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    assert_eq!(times, Vec::<String>::new(), "agents work as fast whatever the priority says");
    let figure = |group: &str, figure: &str| {
        comparison.differences.iter().find(|d| d.group == group && d.figure == figure).cloned()
    };
    let first_breaches = figure("simulation", "first response breaches");
    assert!(first_breaches.is_none(), "first responses breach before any raise: {first_breaches:?}");
    assert!(
        figure("simulation", "resolution breaches").is_some(),
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
        simulate(&shipped(), &traffic(), &BY_PRIORITY, &mut |_, _| {}),
        simulate(&variant, &traffic(), &BY_PRIORITY, &mut |_, _| {}),
    );
    let changed: Vec<String> = comparison
        .differences
        .iter()
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    // The whole period and what the rules decided; the priority rows move as the ladder
    // raises more tickets to critical.
    let summary: Vec<&String> =
        changed.iter().filter(|line| line.starts_with("all: ") || line.starts_with("simulation: ")).collect();
    expect![[r#"
        all: sla_first_response_met 314 -> 288
        all: sla_first_response_breached 86 -> 112
        all: sla_next_response_met 138 -> 136
        all: sla_next_response_breached 84 -> 86
        all: sla_resolution_met 303 -> 300
        all: sla_resolution_breached 97 -> 100
        all: escalations_breach 651 -> 731
        simulation: SLA warnings 380 -> 410
        simulation: first response breaches 86 -> 112
        simulation: next response breaches 172 -> 177
        simulation: resolution breaches 97 -> 100"#]]
    .assert_eq(&summary.iter().map(|line| line.as_str()).collect::<Vec<_>>().join("\n"));
    // Normal and low tickets keep their targets and are never raised by the ladder's
    // third rung unless they breach: nothing about them changes.
    assert!(changed.iter().all(|line| !line.starts_with("normal:") && !line.starts_with("low:")));
    let text = comparison.to_string();
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
    let (queueing, roomy) = (
        simulate(&shipped(), &traffic, &BY_PRIORITY, &mut |_, _| {}),
        simulate(&roomy, &traffic, &BY_PRIORITY, &mut |_, _| {}),
    );
    let queued = queueing.simulation.queued;
    assert!(queued > 100, "the shipped capacities queue tickets: {queued}");
    assert_eq!(roomy.simulation.queued, 0, "nothing queued with room");
    // The whole period and each priority: every figure `topicdesk report` gives.
    let outcomes = |report: &super::Report| -> serde_json::Value {
        serde_json::json!({ "total": report.figures.total, "groups": report.figures.groups })
    };
    assert_eq!(outcomes(&queueing), outcomes(&roomy));
}

#[test]
fn progress_is_reported_and_the_json_has_every_figure() {
    let mut calls = Vec::new();
    let report = simulate(&shipped(), &traffic(), &BY_PRIORITY, &mut |done, total| calls.push((done, total)));
    assert_eq!(calls, [(400, 400)]);
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["tickets"], 400);
    assert!(json["total"]["first_response"]["calendar"]["median"].is_u64());
    assert!(json["groups"][0]["first_response"]["business"]["p90"].is_u64());
    assert!(json["simulation"]["breaches"]["first_response"].is_u64());
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
    let report = simulate(&rules, &traffic, &ReportOptions::default(), &mut |_, _| {});
    let elapsed = started.elapsed();
    assert_eq!(report.figures.tickets, u64::from(tickets));
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
    let report = simulate_recorded(&shipped(), &recorded(), until, &BY_PRIORITY, &mut |_, _| {})
        .expect("the desk runs");
    // Without the busiest hours: both tickets came at 09:00.
    let shown = report.to_string().replace(&report.rules, "<version>");
    let (before, after) = shown.split_once("busiest hours").expect("the table has busiest hours");
    let text = format!("{before}{}", &after[after.find("\nsimulated with").expect("then the simulation")..]);
    expect![[r#"
        tickets created all time: 2, as of 2026-03-20T00:00:00Z

        metric                     count      median         p90        mean   bus. median    bus. p90
        first response                 2         20m         45m     32m 30s           20m         45m
        next reply                     0           -           -           -             -           -
        next reply per ticket          0           -           -           -             -           -
        first resolution               2          3h          3h          3h            3h          3h
        full resolution                2          3h          3h          3h            3h          3h
        requester wait                 2          3h          3h          3h            3h          3h
        customer wait                  2          0s          0s          0s            0s          0s
        agent replies                  2           1           1         1.0
        (spans in calendar time; bus.: counted within the desk's business hours)

        tickets 2, open 0, resolved 2, reopened 0 (0 reopens), first-contact resolutions 2 (100%)

        SLA                          met  breached  running  achieved
        first response                 1         1        0       50%
        next response                  0         1        0        0%
        resolution                     2         0        0      100%

        escalations 4: manual 0, SLA breach 4, age 0, other rules 0
        customer sentiment (mean, -1 to +1): +0.46
        satisfaction: asked 2, answered 0 (0%), CSAT - (4-5 or good), mean -, comments 0
        templates: 0 of 2 agent replies (0%)
        KB deflections (answered by an article, no ticket): 0 (- of questions)

        by priority
        group                tickets   open   1st resp        p90 next reply  full res.        p90 reopened    FCR  SLA miss  CSAT resp.  tmpl
        high                       1      0        20m        20m          -         3h         3h        0   100%         0     -    0%    0%
        critical                   1      0        45m        45m          -         3h         3h        0   100%         2     -    0%    0%
        (medians and p90 in calendar time; JSON and CSV carry business hours too)

        backlog at 2026-03-20T00:00:00Z (active tickets by age)
          under 1h           0
          1h-4h              0
          4h-24h             0
          1d-3d              0
          3d-7d              0
          7d and over        0


        simulated with rules <version>: 0 hook failures
        queued by routing 0, SLA warnings 3, auto-closed 2
        breaches (stretches): first response 1, next response 1, resolution 0

        agent                peak load
        Dana                         1
        Eli                          1
        Farah                        0
        Gus                          0
    "#]]
    .assert_eq(&text);
    let lax = r#"fn sla(ticket) { #{ first_response: "1h", resolution: "1d" } }"#;
    let (_dir, variant) = with_sla(lax);
    let comparison = compare(
        report,
        simulate_recorded(&variant, &recorded(), until, &BY_PRIORITY, &mut |_, _| {}).expect("the desk runs"),
    );
    let changed: Vec<String> = comparison
        .differences
        .iter()
        .map(|d| format!("{}: {} {} -> {}", d.group, d.figure, d.a, d.b))
        .collect();
    expect![[r#"
        all: sla_first_response_met 1 -> 2
        all: sla_first_response_breached 1 -> 0
        all: sla_next_response_breached 1 -> 0
        all: escalations_breach 4 -> 0
        high: tickets 1 -> 2
        high: resolved 1 -> 2
        high: first_contact_resolutions 1 -> 2
        high: sla_first_response_met 1 -> 2
        high: sla_resolution_met 1 -> 2
        high: csat_asked 1 -> 2
        high: template_agent_replies 1 -> 2
        high: first_response calendar count 1 -> 2
        high: first_response calendar p90 20m -> 45m
        high: first_response business count 1 -> 2
        high: first_response business p90 20m -> 45m
        high: first_resolution calendar count 1 -> 2
        high: first_resolution business count 1 -> 2
        high: full_resolution calendar count 1 -> 2
        high: full_resolution business count 1 -> 2
        high: requester_wait calendar count 1 -> 2
        high: requester_wait business count 1 -> 2
        high: customer_wait calendar count 1 -> 2
        high: customer_wait business count 1 -> 2
        high: agent_replies count 1 -> 2
        critical: tickets 1 -> -
        simulation: SLA warnings 3 -> 0
        simulation: first response breaches 1 -> 0
        simulation: next response breaches 1 -> 0"#]]
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
        let by_agent = ReportOptions { by: Some(GroupBy::Agent), ..ReportOptions::default() };
        let report = simulate(rules, &traffic(), &by_agent, &mut |_, _| {});
        report.figures.groups.iter().find(|g| g.key == "Gus").map_or(0, |g| g.group.tickets)
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

/// With two staff groups in desk.yaml, every simulated ticket opens in the group the live
/// desk chooses (billing's filter takes the billing category, general the rest): the report
/// by staff group names both groups with exactly the tickets of their categories, and the
/// simulation's own section gives each group's share.
#[test]
fn two_staff_groups_each_get_the_tickets_their_filter_takes() {
    let desk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
        .expect("the shipped desk.yaml");
    let groups = "staff_groups:\n  - { name: billing, chat: -1001111111111, categories: [billing] }\n  \
                  - { name: general, chat: -1002222222222 }\n";
    let mut two: String =
        desk.lines().filter(|line| !line.starts_with("staff_chat:")).flat_map(|line| [line, "\n"]).collect();
    two.push_str(groups);
    let (_dir, rules) = with_file("desk.yaml", &two);
    let by = |by| ReportOptions { by: Some(by), ..ReportOptions::default() };
    let rows = |report: &super::Report| -> Vec<(String, u64)> {
        report.figures.groups.iter().map(|row| (row.key.clone(), row.group.tickets)).collect()
    };
    let by_group = simulate(&rules, &traffic(), &by(GroupBy::StaffGroup), &mut |_, _| {});
    let by_category = simulate(&rules, &traffic(), &by(GroupBy::Category), &mut |_, _| {});
    let categories = rows(&by_category);
    let tickets_of = |key: &str| categories.iter().find(|(name, _)| name == key).map(|(_, n)| *n);
    let (billing, technical) =
        (tickets_of("billing").expect("billing"), tickets_of("technical").expect("technical"));
    assert!(billing > 100 && technical > 100, "{categories:?}");
    let mut groups = rows(&by_group);
    groups.sort();
    assert_eq!(groups, [("billing".to_owned(), billing), ("general".to_owned(), technical)]);
    let shares = &by_group.simulation.groups;
    let names: Vec<&str> = shares.iter().map(|share| share.name.as_str()).collect();
    assert_eq!(names, ["billing", "general"]);
    assert_eq!((shares[0].tickets, shares[1].tickets), (billing, technical));
    let sum = |figure: fn(&super::GroupShare) -> u64| shares.iter().map(figure).sum::<u64>();
    let d = &by_group.simulation;
    assert_eq!(sum(|share| share.queued), d.queued);
    assert_eq!(sum(|share| share.warnings), d.warnings);
    assert_eq!(sum(|share| share.auto_closed), d.auto_closed);
    let breaches = d.breaches.first_response + d.breaches.next_response + d.breaches.resolution;
    assert_eq!(sum(|share| share.breaches), breaches);
    assert!(shares.iter().all(|share| share.warnings > 0 && share.breaches > 0), "{shares:?}");
    let table = by_group.simulation_table();
    assert!(table.contains("staff group"), "{table}");
    assert!(
        table.lines().any(|line| line.starts_with("billing") && line.contains(&billing.to_string())),
        "{table}"
    );
    // The shipped rules' one group gets no shares: its figures are the whole run's.
    let one = simulate(&shipped(), &traffic(), &by(GroupBy::StaffGroup), &mut |_, _| {});
    assert!(one.simulation.groups.is_empty());
    assert_eq!(rows(&one), [("staff".to_owned(), 400)]);
}

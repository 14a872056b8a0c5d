//! The `tickets` verbs against real stores, the exit codes of the contract, and the
//! refusal of data files that are not ours (or not files at all).

use expect_test::expect;
use topicdesk::store::{FILE_NAME, Store};

use crate::support::{fill_store, path_arg, stderr, stdout, topicdesk};

fn store_with(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("create store");
    fill_store(&store, n);
    dir
}

#[test]
fn list_shows_the_newest_tickets_first() {
    let dir = store_with(7);
    let output = topicdesk(&["tickets", "list", "--data", path_arg(dir.path()), "--limit", "4"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    expect![[r"
        id        status            priority category       assignee     customer             created
        T-000007  new               normal   technical      -            Customer 7           2026-09-21 14:20
        T-000006  resolved          normal   billing        7            Customer 6           2026-09-21 14:19
        T-000005  new               normal   technical      -            Customer 5           2026-09-21 14:18
        T-000004  new               normal   billing        -            Customer 4           2026-09-21 14:17
    "]]
    .assert_eq(&stdout(&output));
    let resolved = topicdesk(&["tickets", "list", "--data", path_arg(dir.path()), "--status", "resolved"]);
    let ids: Vec<String> = stdout(&resolved)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ids, ["T-000006", "T-000003"]);
}

#[test]
fn show_prints_the_card_and_the_history() {
    let dir = store_with(3);
    let output = topicdesk(&["tickets", "show", "T-000003", "--data", path_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    expect![[r#"
        T-000003  resolved  priority normal
        customer: Customer 3 @user3 (1003)
        category: technical
        assignee: 7
        created: 2026-09-21T14:16:20Z  updated: 2026-09-21T14:21:20Z
          category: Text("technical")
          description: Text("Problem number 3, with \"quotes\", commas")
          priority: Text("normal")

        history:
          2026-09-21 14:16:20  customer 1003    opened with form support
          2026-09-21 14:21:20  agent 7          assigned to 7 [rules 3f2a9c1d]
          2026-09-21 14:21:20  agent 7          new -> open [rules 3f2a9c1d]
          2026-09-21 14:21:20  agent 7          reply: On it [rules 3f2a9c1d]
          2026-09-21 14:21:20  agent 7          open -> resolved [rules 3f2a9c1d]
    "#]]
    .assert_eq(&stdout(&output));
    let missing = topicdesk(&["tickets", "show", "T-000099", "--data", path_arg(dir.path())]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(stderr(&missing), "error: there is no ticket T-000099\n");
}

#[test]
fn export_writes_json_lines_and_csv() {
    let dir = store_with(3);
    let jsonl = topicdesk(&["tickets", "export", "--data", path_arg(dir.path())]);
    assert_eq!(jsonl.status.code(), Some(0), "{}", stderr(&jsonl));
    let lines: Vec<serde_json::Value> =
        stdout(&jsonl).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["id"], "T-000003");
    assert_eq!(lines[2]["status"], "resolved");
    assert_eq!(lines[2]["answers"]["category"], "technical");
    assert_eq!(stderr(&jsonl), "exported 3 tickets\n");

    let out = dir.path().join("tickets.csv");
    let csv = topicdesk(&[
        "tickets",
        "export",
        "--data",
        path_arg(dir.path()),
        "--format",
        "csv",
        "--output",
        path_arg(&out),
    ]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    expect![[r#"
        id,status,priority,category,form,customer_id,customer_name,customer_username,assignee,tags,created_at,updated_at,first_response_at,resolved_at,closed_at,reopened,first_response_secs,next_replies,next_reply_mean_secs,first_resolution_secs,full_resolution_secs,requester_wait_secs,customer_wait_secs,agent_replies,first_contact_resolution,sla_first_response,sla_next_response,sla_resolution,escalations,sentiment,csat,csat_commented
        T-000001,new,normal,technical,support,1001,Customer 1,user1,,,2026-09-21T14:14:20Z,2026-09-21T14:14:20Z,,,,0,,0,,,,0,0,0,false,running,not_applicable,running,0,,,
        T-000002,new,normal,billing,support,1002,Customer 2,user2,,,2026-09-21T14:15:20Z,2026-09-21T14:15:20Z,,,,0,,0,,,,0,0,0,false,running,not_applicable,running,0,,,
        T-000003,resolved,normal,technical,support,1003,Customer 3,user3,7,,2026-09-21T14:16:20Z,2026-09-21T14:21:20Z,2026-09-21T14:21:20Z,2026-09-21T14:21:20Z,,0,300,0,,300,300,300,0,1,true,met,not_applicable,met,0,,,
    "#]]
    .assert_eq(&std::fs::read_to_string(&out).expect("csv written"));
}

#[test]
fn export_streams_a_large_store() {
    let dir = store_with(20_000);
    let output = topicdesk(&["tickets", "export", "--data", path_arg(dir.path()), "--format", "csv"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 20_001);
    // Not a terminal here: no progress bar, one plain line.
    assert_eq!(stderr(&output), "exported 20000 tickets\n");
}

#[track_caller]
fn check_refused(contents: &[u8], expect: &expect_test::Expect) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(FILE_NAME);
    std::fs::write(&file, contents).expect("write");
    for args in [vec!["tickets", "list", "--data"], vec!["tickets", "export", "--data"]] {
        let mut args = args.clone();
        args.push(path_arg(dir.path()));
        let output = topicdesk(&args);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(stdout(&output), "");
        expect.assert_eq(&stderr(&output).replace(path_arg(dir.path()), "DIR"));
    }
    assert!(std::fs::read(&file).expect("kept") == contents, "the file is left untouched");
}

#[test]
fn a_foreign_or_corrupt_data_file_is_one_clear_error() {
    check_refused(
        b"PK\x03\x04 this is a zip file",
        &expect![[r"
            error: DIR/topicdesk.redb is not a topicdesk data file (it is not a redb database); refusing to touch it
        "]],
    );
    let mut damaged = b"redb\x1a\x0a\xa9\x0d\x0a".to_vec();
    damaged.extend(std::iter::repeat_n(0x5A, 10_000));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(FILE_NAME), &damaged).expect("write");
    let output = topicdesk(&["tickets", "list", "--data", path_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.starts_with("error: ") && message.contains("is damaged"), "{message}");
    assert!(std::fs::read(dir.path().join(FILE_NAME)).expect("kept") == damaged);
}

#[test]
fn a_data_path_naming_the_file_itself_works_too() {
    let dir = store_with(2);
    let file = dir.path().join(FILE_NAME);
    let output = topicdesk(&["tickets", "list", "--data", path_arg(&file)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 3);
}

#[test]
fn a_missing_store_is_a_user_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = topicdesk(&["tickets", "list", "--data", path_arg(&dir.path().join("nowhere"))]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).ends_with("topicdesk.redb does not exist\n"), "{}", stderr(&output));
}

#[test]
fn templates_export_refuses_a_missing_store_and_writes_nothing_when_none_was_saved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let output = dir.path().join("out");
    let (data_arg, output_arg) = (data.to_str().expect("utf-8"), output.to_str().expect("utf-8"));
    let missing = topicdesk(&["templates", "export", "--data", data_arg, "--output", output_arg]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).starts_with("error: "), "{}", stderr(&missing));
    topicdesk::store::Store::open(&topicdesk::store::data_file(&data)).expect("a fresh store");
    let none = topicdesk(&["templates", "export", "--data", data_arg, "--output", output_arg]);
    assert_eq!(none.status.code(), Some(0), "{}", stderr(&none));
    assert_eq!(stdout(&none), "");
    assert_eq!(std::fs::read_dir(&output).expect("created").count(), 0);
}

#[test]
fn usage_errors_exit_2_and_every_verb_has_help() {
    assert_eq!(topicdesk(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(topicdesk(&["tickets", "show", "not-an-id", "--data", "x"]).status.code(), Some(2));
    for verb in [
        "run",
        "check",
        "test",
        "demo",
        "simulate",
        "bench",
        "tickets",
        "tickets list",
        "tickets show",
        "tickets export",
        "dead-letters",
        "dead-letters list",
        "dead-letters retry",
        "templates",
        "templates export",
    ] {
        let mut args: Vec<&str> = verb.split(' ').collect();
        args.push("--help");
        let output = topicdesk(&args);
        assert_eq!(output.status.code(), Some(0), "{verb} --help");
        assert!(stdout(&output).contains("Usage: topicdesk"), "{verb} --help prints usage");
    }
}

#[test]
fn the_quick_bench_reports_its_figures_as_json_on_the_last_line() {
    let output = topicdesk(&["bench", "--quick", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let last = text.lines().last().expect("some output");
    let figures: serde_json::Value = serde_json::from_str(last).expect("last line is JSON");
    for name in [
        "export_quick_s",
        "store_generate_tickets_per_s",
        "ingest_msgs_per_s",
        "ingest_fsync_msgs_per_s",
        "rule_call_p99_us",
        "intake_answers_per_s",
        "reload_ms_p99",
        "groups_tickets_per_min_ratio",
        "store_mb_quick",
        "startup_ms_quick",
        "rss_mb_quick",
        "breach_lag_ms_p99_quick",
        "breach_notice_lag_ms_p99_quick",
        "relay_end_to_end_msgs_per_s",
        "relay_cpu_ms_per_msg",
        "reply_cpu_ms_per_msg",
        "baseline_redb_commit_us",
        "baseline_rhai_call_us",
        "empty_call_p99_us",
        "relay_cpu_per_redb_commit",
        "rule_call_p99_per_empty_call",
    ] {
        assert!(figures[name].as_f64().is_some_and(|v| v > 0.0), "{name} in {last}");
    }
    assert_eq!(figures["not_measured"], serde_json::json!({}), "everything measured in {last}");
    // An idle process may well use no measurable CPU at all.
    assert!(figures["timer_idle_cpu_pct_quick"].as_f64().is_some_and(|v| v >= 0.0), "idle CPU in {last}");
}

#[test]
fn simulate_replays_traffic_and_compares_rule_sets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let traffic = dir.path().join("traffic.json");
    std::fs::write(
        &traffic,
        r#"{ "start": "2026-11-02T08:00:00Z", "days": 3, "tickets": 120, "priorities": { "normal": 3, "high": 1 } }"#,
    )
    .expect("write traffic");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let output = topicdesk(&["simulate", "--rules", rules, "--traffic", path_arg(&traffic), "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON object");
    assert_eq!(report["tickets"], 120);
    assert!(report["simulation"]["breaches"]["first_response"].is_u64(), "{report}");
    // `report`'s CSV, grouped as asked, then the simulation's own rows.
    let csv = topicdesk(&[
        "simulate",
        "--rules",
        rules,
        "--traffic",
        path_arg(&traffic),
        "--by",
        "priority",
        "--format",
        "csv",
    ]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let csv = stdout(&csv);
    assert!(
        csv.starts_with("group,metric,clock,count,median,p90,mean\nall,first_response,calendar,"),
        "{csv}"
    );
    assert!(csv.lines().any(|line| line.starts_with("normal,first_response,business,")), "{csv}");
    assert!(csv.lines().any(|line| line.starts_with("simulation,queued_by_routing,,")), "{csv}");
    let table =
        topicdesk(&["simulate", "--rules", rules, "--traffic", path_arg(&traffic), "--since", "2026-11-03"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let table = stdout(&table);
    // Days in desk.yaml's time zone (Europe/Berlin), as `report --rules` reads them.
    assert!(table.starts_with("tickets created 2026-11-02T23:00:00Z to now: "), "{table}");
    assert!(table.contains("\nsimulated with rules "), "{table}");
    // The same rules on the same traffic: no differences.
    let same = topicdesk(&[
        "simulate",
        "--rules",
        rules,
        "--traffic",
        path_arg(&traffic),
        "--compare",
        rules,
        "--json",
    ]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let comparison: serde_json::Value = serde_json::from_str(stdout(&same).trim()).expect("one JSON object");
    assert_eq!(comparison["differences"], serde_json::json!([]));
    // Recorded tickets replay too.
    let store = store_with(40);
    let recorded =
        topicdesk(&["simulate", "--rules", rules, "--from-store", path_arg(store.path()), "--json"]);
    assert_eq!(recorded.status.code(), Some(0), "{}", stderr(&recorded));
    let report: serde_json::Value = serde_json::from_str(stdout(&recorded).trim()).expect("one JSON object");
    assert_eq!(report["tickets"], 40);
    // A traffic file that is not one is a user error.
    std::fs::write(&traffic, "{ \"days\": -1 }").expect("write");
    let bad = topicdesk(&["simulate", "--rules", rules, "--traffic", path_arg(&traffic)]);
    assert_eq!(bad.status.code(), Some(1));
}

/// `check` names a hook's call to `sleep` or `timestamp` at its line: hooks may do neither.
#[test]
fn check_refuses_hooks_that_sleep_or_read_the_clock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules");
    topicdesk::demo::write_default_rules(&rules).expect("write the shipped rules");
    std::fs::write(rules.join("routing.rhai"), "fn route(t, team) { sleep(8); () }\n").expect("write");
    std::fs::write(rules.join("sla.rhai"), "fn sla(ticket) {\n    let now = timestamp();\n    ()\n}\n")
        .expect("write");
    let output = topicdesk(&["check", "--rules", path_arg(&rules)]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let printed = stdout(&output).replace(path_arg(&rules), "rules");
    expect![[r#"
        rules/routing.rhai:1:21: hooks cannot sleep: a hook answers at once and the desk waits for nothing
        rules/sla.rhai:2:15: hooks cannot read the clock: use `ticket.age`, the desk passes time in
    "#]]
    .assert_eq(&printed);
}

/// `topicdesk run` on `dir` as far as the store: no token is set, so a store that opens
/// ends the run with the token's error instead.
fn run_on(dir: &std::path::Path) -> std::process::Output {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["run", "--rules", rules, "--data", path_arg(dir), "--staff-chat", "-100123"])
        .env("RUST_LOG", "warn")
        .env_remove("TELOXIDE_TOKEN")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run topicdesk")
}

/// Regression: a data file with a valid header and a damaged body made redb panic inside
/// `tickets list` and `run` (exit 101 and a backtrace) instead of the refusal other damage
/// gets.
#[test]
fn a_damaged_body_is_refused_naming_the_file() {
    for damaged_at in [4_096, 16_384] {
        let dir = store_with(300);
        let file = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&file).expect("read");
        bytes[damaged_at..damaged_at + 4_096].fill(0x5A);
        std::fs::write(&file, &bytes).expect("write");
        for output in [
            topicdesk(&["tickets", "list", "--data", path_arg(dir.path())]),
            topicdesk(&["tickets", "export", "--data", path_arg(dir.path())]),
            run_on(dir.path()),
        ] {
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(1), "damage at {damaged_at}: {message}");
            assert_eq!(message.lines().count(), 1, "one line: {message}");
            assert!(
                message.starts_with(&format!("error: {} is damaged", file.display())),
                "damage at {damaged_at}: {message}"
            );
        }
    }
}

/// Regression: a FIFO given as the data file hung `run` and `tickets list` (opening it
/// waits for a writer). A directory or a device in its place is refused the same way.
#[test]
fn a_fifo_or_a_directory_as_the_data_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join(FILE_NAME);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo");
    let expected = format!("error: {} is a FIFO, not a data file; refusing to open it\n", fifo.display());
    for data in [dir.path(), fifo.as_path()] {
        for output in [
            topicdesk_in_time(&["tickets", "list", "--data", path_arg(data)]),
            topicdesk_in_time(&["dead-letters", "list", "--data", path_arg(data)]),
            run_on(data),
        ] {
            assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
            assert_eq!(stderr(&output), expected);
        }
    }
    let inner = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(inner.path().join(FILE_NAME)).expect("a directory in the file's place");
    let output = topicdesk_in_time(&["tickets", "list", "--data", path_arg(inner.path())]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).ends_with("topicdesk.redb is a directory, not a data file; refusing to open it\n")
    );
    let device = topicdesk_in_time(&["tickets", "list", "--data", "/dev/null"]);
    assert_eq!(stderr(&device), "error: /dev/null is a device, not a data file; refusing to open it\n");
}

/// Runs the binary with a deadline: a hang fails the test instead of stalling the suite.
fn topicdesk_in_time(args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run topicdesk");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("topicdesk {args:?} hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn dead_letters_of_a_store_without_any_list_nothing() {
    let dir = store_with(2);
    let output = topicdesk(&["dead-letters", "list", "--data", path_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 1, "the header only");
    let retry = topicdesk(&["dead-letters", "retry", "--data", path_arg(dir.path()), "42"]);
    assert_eq!(retry.status.code(), Some(1));
    assert_eq!(stderr(&retry), "error: no dead letter for update 42\n");
}

#[test]
fn report_sums_up_a_store_as_json_table_and_csv() {
    let dir = store_with(30);
    let data = path_arg(dir.path());
    let json = topicdesk(&["report", "--data", data, "--by", "category", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("one JSON object");
    // Every third ticket is answered and resolved five minutes after it came in.
    assert_eq!(report["tickets"], 30);
    assert_eq!(report["facts_from_history"], 0, "the store kept the facts");
    assert_eq!(report["total"]["resolved"], 10);
    assert_eq!(report["total"]["first_response"]["calendar"]["count"], 10);
    assert_eq!(report["total"]["first_response"]["calendar"]["median"], 300);
    assert_eq!(report["total"]["first_contact_resolutions"], 10);
    let groups: Vec<(String, u64)> = report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].as_str().unwrap_or("").to_owned(), g["tickets"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(groups, [("billing".to_owned(), 15), ("technical".to_owned(), 15)]);
    assert_eq!(stderr(&json), "", "no progress bar when stderr is not a terminal");

    // Tickets 11 to 20: created at minutes 11..=20 after the store's epoch.
    let since = topicdesk_support_minute(11);
    let until = topicdesk_support_minute(21);
    let table =
        topicdesk(&["report", "--data", data, "--since", &since, "--until", &until, "--by", "priority"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with(&format!("tickets created {since} to {until}: 10, as of ")), "{text}");
    let first_response =
        text.lines().find(|l| l.starts_with("first response")).expect("a first response row");
    assert_eq!(first_response.split_whitespace().collect::<Vec<_>>()[2..5], ["3", "5m", "5m"], "{text}");
    assert!(text.contains("\nby priority\n"), "{text}");
    assert!(text.contains("note: business hours count round the clock"), "{text}");

    let csv = topicdesk(&["report", "--data", data, "--format", "csv", "--by", "tag"]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let csv = stdout(&csv);
    assert!(csv.starts_with("group,metric,clock,count,median,p90,mean\n"), "{csv}");
    assert!(csv.contains("\nall,first_response,calendar,10,300,300,300.0\n"), "{csv}");
    assert!(csv.contains("\n(untagged),tickets,,30,,,\n"), "{csv}");

    let wrong = topicdesk(&["report", "--data", data, "--since", "last tuesday"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(stderr(&wrong), "error: `last tuesday` is not a day (YYYY-MM-DD) or an instant (RFC 3339)\n");
}

/// The instant `crate::support::at(minutes)` names, as a `--since` argument.
fn topicdesk_support_minute(minutes: i64) -> String {
    crate::support::at(minutes).to_string()
}

#[test]
fn report_folds_the_history_of_a_ticket_whose_facts_fell_behind() {
    use topicdesk::history::Actor;
    use topicdesk::ticket::{Change, Origin, TicketId};
    let dir = store_with(3);
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("open");
    // A history that went on without its facts (as a build without them would write it):
    // the ticket moved on, and its stored facts no longer match.
    store
        .write(|tx| {
            let mut ticket = tx.ticket(TicketId(1))?.expect("exists");
            let agent = Origin { actor: Actor::Agent(7), rules: None };
            let entries = ticket
                .apply(Change::Note { text: "looked".into() }, &agent, crate::support::at(30))
                .expect("legal");
            tx.save_ticket(&ticket)?;
            tx.append_history_as_a_build_without_facts(ticket.id, &entries)
        })
        .expect("written");
    drop(store);
    let output = topicdesk(&["report", "--data", path_arg(dir.path()), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["facts_from_history"], 1);
    assert_eq!(report["tickets"], 3);
    let note = report["notes"][0].as_str().expect("a note");
    assert!(note.starts_with("1 ticket(s) had no stored facts"), "{note}");
}

#[test]
fn report_with_rules_counts_business_hours_and_names_agents() {
    use topicdesk::history::Actor;
    use topicdesk::ticket::{Change, Customer, Origin, Ticket};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("create store");
    // Friday 17:30 in Berlin, answered on Monday at 09:30 by Eli (team.yaml's 222222222).
    let created: jiff::Timestamp = "2026-09-25T15:30:00Z".parse().expect("instant");
    let replied: jiff::Timestamp = "2026-09-28T07:30:00Z".parse().expect("instant");
    store
        .write(|tx| {
            let id = tx.next_ticket_id()?;
            let customer = Customer { id: 5, name: "Ann".into(), username: None, language: None };
            let (mut ticket, opened) =
                Ticket::open(id, customer, "support", std::collections::BTreeMap::new(), created);
            let eli = Origin { actor: Actor::Agent(222_222_222), rules: None };
            let mut entries = vec![opened];
            entries.extend(
                ticket.apply(Change::Assign { to: Some(222_222_222) }, &eli, replied).expect("legal"),
            );
            entries.extend(
                ticket.apply(Change::AgentReply { text: "Hi".into() }, &eli, replied).expect("legal"),
            );
            tx.save_ticket(&ticket)?;
            tx.append_history(id, &entries)
        })
        .expect("written");
    drop(store);
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let data = path_arg(dir.path());
    let output =
        topicdesk(&["report", "--data", data, "--rules", rules, "--by", "agent", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["business_hours"], true);
    let first = &report["total"]["first_response"];
    assert_eq!(first["calendar"]["median"], 64 * 3600);
    // Friday 17:30-18:00, Saturday 10:00-14:00, Monday 09:00-09:30.
    assert_eq!(first["business"]["median"], 5 * 3600);
    assert_eq!(report["groups"][0]["key"], "Eli");
    // The day is Berlin's: 17:30 local is hour 17.
    assert_eq!(report["busiest_hours"][17], 1);
    let days = topicdesk(&["report", "--data", data, "--rules", rules, "--by", "week", "--format", "csv"]);
    assert!(stdout(&days).contains("\n2026-W39,tickets,,1,,,\n"), "{}", stdout(&days));

    // Days are whole days of the desk's time zone, `--until` included.
    let tickets_between = |since: &str, until: &str| {
        let output = topicdesk(&[
            "report", "--data", data, "--rules", rules, "--since", since, "--until", until, "--format",
            "json",
        ]);
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        report["tickets"].as_u64()
    };
    assert_eq!(tickets_between("2026-09-25", "2026-09-25"), Some(1));
    assert_eq!(tickets_between("2026-09-24", "2026-09-24"), Some(0));
    assert_eq!(tickets_between("2026-09-25T15:30:01Z", "2026-09-26"), Some(0), "an instant is exact");

    assert_eq!(topicdesk(&["report", "--data", data, "--by", "colour"]).status.code(), Some(2));
    let help = topicdesk(&["report", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Usage: topicdesk report"));
}

#[test]
fn kb_deflections_lists_the_questions_articles_answered() {
    let dir = store_with(1);
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("open store");
    let asked = [
        ("reset-password", "I forgot my password"),
        ("refund-policy", "Can I get my money back?"),
        ("reset-password", "забыл пароль"),
    ];
    store
        .write(|tx| {
            for (n, (article, question)) in asked.into_iter().enumerate() {
                let at = jiff::Timestamp::from_second(1_790_000_000 + 60 * n as i64).expect("a time");
                let deflection = topicdesk::kb::Deflection {
                    at,
                    form: "support".to_owned(),
                    article: article.to_owned(),
                    question: question.to_owned(),
                    customer: None,
                };
                tx.record_deflection(&deflection)?;
            }
            Ok::<_, topicdesk::store::StoreError>(())
        })
        .expect("write");
    drop(store);
    let output = topicdesk(&["kb", "deflections", "--data", path_arg(dir.path())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    expect![[r#"
        3 questions answered by an article, no ticket opened
             2  reset-password
             1  refund-policy
        2026-09-21 14:13 reset-password (support): I forgot my password
        2026-09-21 14:14 refund-policy (support): Can I get my money back?
        2026-09-21 14:15 reset-password (support): забыл пароль
    "#]]
    .assert_eq(&stdout(&output));
}

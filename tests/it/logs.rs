//! `--log-format json`: the real `topicdesk run` against the fake Bot API writes one JSON
//! object per line on stderr, each with its timestamp, level, target and fields (the
//! message among them), for a log shipper to read without guessing; the default stays text.

use std::time::Duration;

use crate::e2e::harness::{Desk, STAFF, Setup};

/// Runs `topicdesk run` with `format` until one ticket is open, stops it with SIGTERM and
/// returns its stderr.
async fn logs_of_a_run(format: &str) -> String {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    let file = std::fs::File::create(&log).expect("log file");
    let mut host = desk
        .run_command(&[])
        .args(["--log-format", format])
        .env("RUST_LOG", "info")
        .stderr(file)
        .spawn()
        .expect("start topicdesk run");
    desk.open_all_tickets().await;
    let pid = host.id().expect("the host runs").to_string();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success(), "kill -TERM {pid}");
    let status =
        tokio::time::timeout(Duration::from_mins(1), host.wait()).await.expect("stops").expect("wait");
    let logs = std::fs::read_to_string(&log).expect("read the log");
    assert_eq!(status.code(), Some(0), "{logs}");
    logs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_json_logs_writes_one_object_per_line() {
    let logs = logs_of_a_run("json").await;
    let events: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(events.len() >= 2, "{logs}");
    for event in &events {
        for key in ["timestamp", "level", "target"] {
            assert!(event[key].is_string(), "no {key}: {event}");
        }
        assert!(event["fields"]["message"].is_string(), "no message: {event}");
        assert!(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&event["level"].as_str().unwrap_or("")));
    }
    let running = events
        .iter()
        .find(|e| e["fields"]["message"] == "desk is running")
        .unwrap_or_else(|| panic!("no `desk is running` event: {logs}"));
    assert_eq!(running["level"], "INFO");
    assert!(running["target"].as_str().is_some_and(|t| t.starts_with("topicdesk::host")), "{running}");
    assert_eq!(running["fields"]["staff_chat"], STAFF);
    assert!(running["fields"]["rules"].as_str().is_some_and(|v| !v.is_empty()), "{running}");
    assert!(
        events
            .iter()
            .any(|e| e["fields"]["message"].as_str().is_some_and(|m| m.starts_with("shutting down")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_text_by_default() {
    let logs = logs_of_a_run("text").await;
    let running =
        logs.lines().find(|line| line.contains("desk is running")).unwrap_or_else(|| panic!("{logs}"));
    assert!(running.contains(" INFO ") && running.contains(&format!("staff_chat={STAFF}")), "{running}");
    assert!(logs.lines().all(|line| serde_json::from_str::<serde_json::Value>(line).is_err()), "{logs}");
}

#[test]
fn the_error_that_ends_run_is_a_json_line_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["--log-format", "json", "run", "--rules", concat!(env!("CARGO_MANIFEST_DIR"), "/rules")])
        .arg("--data")
        .arg(dir.path())
        .env_remove("TELOXIDE_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run topicdesk");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let [event] = lines.as_slice() else { panic!("one line: {stderr}") };
    assert_eq!(event["level"], "ERROR");
    assert_eq!(event["fields"]["message"], "topicdesk run failed");
    assert!(
        event["fields"]["error"].as_str().is_some_and(|e| e.starts_with("TELOXIDE_TOKEN is not set")),
        "{event}"
    );
}

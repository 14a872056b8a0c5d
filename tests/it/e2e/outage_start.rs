//! Starting while Telegram is out of reach: a service manager restarting `topicdesk run`
//! during a network outage must not make it give up. The real binary waits with backoff,
//! logs each try, and starts once the API answers; a 5xx at start-up is waited out the
//! same way; only a refused token (401) ends the start, with exit code 1 and one line; and
//! SIGTERM during the wait ends it at once with exit code 0.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Child;
use topicdesk::fakegram::CallFilter;

use super::harness::{Desk, PATIENCE, Setup, open_ticket};

fn topicdesk_run(desk: &Desk, token: &str, log: &Path) -> Child {
    let log = std::fs::File::options().create(true).append(true).open(log).expect("log file");
    desk.run_command(&[])
        .env("TELOXIDE_TOKEN", token)
        .env_remove("RUST_LOG")
        .stderr(log)
        .spawn()
        .expect("start topicdesk run")
}

/// Polls `log` until it holds `n` lines containing `needle`; returns the log.
async fn wait_lines(log: &Path, needle: &str, n: usize) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.lines().filter(|line| line.contains(needle)).count() >= n {
            return text;
        }
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {n} lines with {needle:?}; log:\n{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sigterm(host: &mut Child) -> (Option<i32>, Duration) {
    let pid = host.id().expect("the host runs").to_string();
    let asked = Instant::now();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success(), "kill -TERM {pid}");
    let status =
        tokio::time::timeout(Duration::from_secs(30), host.wait()).await.expect("stops").expect("wait");
    (status.code(), asked.elapsed())
}

const WAITING: &str = "Telegram cannot be reached yet; waiting";

/// Regression: started during an outage, `topicdesk run` exited 1 at once with "the Bot
/// API refused the token or could not be reached".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_during_an_outage_waits_for_telegram_and_then_runs() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    desk.fake.refuse_connections(Duration::from_secs(4));
    let mut host = topicdesk_run(&desk, desk.fake.token(), &log);
    let text = wait_lines(&log, WAITING, 3).await;
    assert!(host.try_wait().expect("poll").is_none(), "the host waits instead of exiting; log:\n{text}");
    // Backoff: the waits double, so three tries take at least 0.5 s + 1 s.
    let text = wait_lines(&log, "desk is running", 1).await;
    let tries = text.lines().filter(|line| line.contains(WAITING)).count();
    assert!((3..12).contains(&tries), "{tries} tries over a 4 s outage; log:\n{text}");
    assert!(text.contains("Telegram answers again; starting"), "log:\n{text}");
    open_ticket(&desk.fake, &desk.customers[0]).await;
    assert_eq!(sigterm(&mut host).await.0, Some(0));
}

/// A 5xx from `getMe` at start-up is Telegram's trouble, not a refused token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_at_start_up_are_waited_out() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    desk.fake.fail_next_calls(3, 502, CallFilter::Method("getMe".into()));
    let mut host = topicdesk_run(&desk, desk.fake.token(), &log);
    let text = wait_lines(&log, "desk is running", 1).await;
    let tries: Vec<&str> = text.lines().filter(|line| line.contains(WAITING)).collect();
    assert_eq!(tries.len(), 3, "one line per try; log:\n{text}");
    assert!(tries.iter().all(|line| line.contains("getMe: HTTP 502 Bad Gateway")), "log:\n{text}");
    open_ticket(&desk.fake, &desk.customers[0]).await;
    assert_eq!(sigterm(&mut host).await.0, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_still_ends_the_start_with_one_clear_line() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    let mut host = topicdesk_run(&desk, "123:not-the-token", &log);
    let status =
        tokio::time::timeout(Duration::from_secs(30), host.wait()).await.expect("ends").expect("wait");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.code(), Some(1), "log:\n{text}");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["error: the Bot API refused the token (HTTP 401 Unauthorized): check TELOXIDE_TOKEN \
             (and TELOXIDE_API_URL, if set)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_waiting_for_telegram_exits_0_at_once() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    desk.fake.refuse_connections(Duration::from_mins(10));
    let mut host = topicdesk_run(&desk, desk.fake.token(), &log);
    wait_lines(&log, WAITING, 2).await;
    let (code, took) = sigterm(&mut host).await;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, Some(0), "log:\n{text}");
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?} to end the wait");
}

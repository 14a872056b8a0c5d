//! A full disk, end to end, without root: the real `topicdesk run` runs with SIGXFSZ
//! ignored (`trap "" XFSZ` before `exec`, inherited through it), and its file-size limit is
//! lowered below the data file's size with `prlimit --pid`, so every write past the limit
//! fails with EFBIG as writes fail on a full disk. Twenty customer messages arrive
//! meanwhile; the host must stay up, log its retries with backoff (not in a hot loop), and
//! once the limit is raised deliver all twenty without a restart.
//!
//! `prlimit` is util-linux's; without it the test fails saying so, it never passes blind.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Child;

use super::harness::{Desk, PATIENCE, Setup, open_ticket, relayed};

/// Starts `topicdesk run` for `desk` with SIGXFSZ ignored, logging into `log`.
fn run_ignoring_sigxfsz(desk: &Desk, log: &Path) -> Child {
    let log = std::fs::File::options().create(true).append(true).open(log).expect("log file");
    desk.run_command(&["sh", "-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
        .env("RUST_LOG", "warn,topicdesk=info")
        .stderr(log)
        .spawn()
        .expect("start topicdesk run")
}

/// Sets the soft file-size limit of `pid`; the hard one stays as it is, so the soft one can
/// be raised again without privileges (to `unlimited` where the hard limit is, as usual).
fn set_file_size_limit(pid: u32, soft: &str) {
    let status = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={soft}:")])
        .status()
        .expect("prlimit (util-linux) is needed to fill the disk without root");
    assert!(status.success(), "prlimit --pid {pid} --fsize={soft}: (is the hard limit below it?)");
}

/// Polls `log` until `holds` is true of it, or fails naming `what`.
async fn wait_log(log: &Path, what: &str, mut holds: impl FnMut(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if holds(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}; log:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn store_write_failures(log: &str) -> usize {
    log.lines().filter(|line| line.contains("the store cannot write")).count()
}

/// Regression: a failed commit ended the poller for good (its page's acknowledgement was
/// dropped and nothing retried), left redb's handle unusable and set the timer logging
/// errors in a loop; after space was freed none of 20 messages arrived until a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_delays_messages_and_loses_none_without_a_restart() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let ann = desk.customers[0].clone();
    let log = desk.options.data.with_file_name("topicdesk.log");
    let mut host = run_ignoring_sigxfsz(&desk, &log);
    let pid = host.id().expect("the host runs");
    open_ticket(&desk.fake, &ann).await;

    // The disk fills up: nothing can be written past the first page of the file.
    set_file_size_limit(pid, "4096");
    let full = Instant::now();
    ann.send_numbered(&desk.fake, 0..20);
    let text = wait_log(&log, "four failed writes, each retried", |log| store_write_failures(log) >= 4).await;
    let failing_for = full.elapsed();
    assert!(host.try_wait().expect("poll the host").is_none(), "the host stays up; log:\n{text}");
    assert!(
        desk.fake.inspect(|world| relayed(world, &ann)).is_empty(),
        "nothing could be stored, so nothing was relayed"
    );
    // Backoff, not a hot loop: tries grow apart (250 ms, 500 ms, 1 s, ...).
    let tries = store_write_failures(&text);
    assert!(failing_for >= Duration::from_millis(1_500), "four tries took only {failing_for:?}");
    assert!(tries < 12, "{tries} failed writes in {failing_for:?}: a hot loop; log:\n{text}");

    // Space returns: everything arrives, in order, from the same process.
    set_file_size_limit(pid, "unlimited");
    desk.wait_counted(20, 0).await;
    assert!(host.try_wait().expect("poll the host").is_none(), "no restart was needed");
    desk.fake.inspect(|world| {
        assert_eq!(relayed(world, &ann), (0..20).collect::<Vec<_>>(), "each once, in order");
    });

    let signal = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
    assert!(signal.success());
    let status =
        tokio::time::timeout(Duration::from_secs(30), host.wait()).await.expect("stops").expect("wait");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM; log:\n{text}");
    println!("e2e full disk: {tries} failed writes over {failing_for:.2?}, then all 20 messages arrived");
}

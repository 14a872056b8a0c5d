//! `/metrics`, `/healthz` and `/readyz` end to end. The real `topicdesk run` binary serves
//! them on `--http 127.0.0.1:0` (the port it picked is read from its log) while customers
//! open tickets and a short 429 storm hits; the scrape, parsed by a Prometheus text parser,
//! must count exactly the Bot API calls the fake answered, the start-up checks and menus
//! included, by method and outcome, the 429s and the seconds they asked to wait, and the updates it delivered. A
//! host whose timer (or rules watcher) stops making progress answers `/healthz` with 503 and
//! the reason while `/readyz` stays 200; a port in use ends the start with a clear error.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use prometheus_parse::{Sample, Scrape, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use topicdesk::host::{HealthOptions, Task};

use super::harness::{Desk, PATIENCE, Setup};

/// Scrapes `path` on `addr`: the status code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect to the HTTP server");
    get_on(stream, path).await
}

async fn get_on(mut stream: tokio::net::TcpStream, path: &str) -> (u16, String) {
    let addr = stream.peer_addr().expect("connected");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read the answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status code");
    (status, body.to_owned())
}

/// Polls `path` until it answers `status` (a host starting in this process may not listen
/// yet), or fails the test with the last answer.
async fn wait_for_status(addr: SocketAddr, path: &str, status: u16) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut interval = tokio::time::interval(Duration::from_millis(50));
    loop {
        let answer = match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => get_on(stream, path).await,
            Err(error) => (0, error.to_string()),
        };
        if answer.0 == status {
            return answer.1;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} still answers {answer:?} instead of {status}"
        );
        interval.tick().await;
    }
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text format")
}

/// The value of a counter, gauge or untyped sample.
fn number(sample: &Sample) -> f64 {
    match &sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        other => panic!("{} is not a number: {other:?}", sample.metric),
    }
}

/// The samples named `metric`.
fn samples<'a>(scrape: &'a Scrape, metric: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
    scrape.samples.iter().filter(move |sample| sample.metric == metric)
}

/// The single sample named `metric`'s value.
fn single(scrape: &Scrape, metric: &str) -> f64 {
    let found: Vec<&Sample> = samples(scrape, metric).collect();
    assert_eq!(found.len(), 1, "one sample of {metric}: {found:?}");
    number(found[0])
}

/// What the scrape and the fake each say: calls by (method, outcome), the 429s and the
/// seconds they asked for, the updates delivered.
#[derive(Debug, PartialEq)]
struct Counts {
    calls: BTreeMap<(String, String), u64>,
    retry_after: (u64, u64),
    updates: u64,
}

fn counted(scrape: &Scrape) -> Counts {
    let calls = samples(scrape, "topicdesk_telegram_calls_total")
        .map(|sample| {
            let label = |name| sample.labels.get(name).expect("labelled").to_owned();
            ((label("method"), label("outcome")), number(sample) as u64)
        })
        .collect();
    let retry_after = (
        single(scrape, "topicdesk_telegram_retry_after_seconds_count") as u64,
        single(scrape, "topicdesk_telegram_retry_after_seconds_sum") as u64,
    );
    Counts { calls, retry_after, updates: single(scrape, "topicdesk_updates_received_total") as u64 }
}

/// What the fake answered, from the start-up checks and menus on.
fn seen_by_the_fake(desk: &Desk) -> Counts {
    desk.fake.inspect(|world| {
        let mut counts = Counts { calls: BTreeMap::new(), retry_after: (0, 0), updates: 0 };
        for call in world.calls() {
            let outcome = match call.status {
                200 => "ok",
                429 => "retry_after",
                _ => "refused",
            };
            *counts.calls.entry((call.method.clone(), outcome.to_owned())).or_default() += 1;
            if call.status == 429 {
                let description = call.description.as_deref().unwrap_or_default();
                let seconds: u64 =
                    description.rsplit(' ').next().and_then(|s| s.parse().ok()).expect("retry after N");
                counts.retry_after.0 += 1;
                counts.retry_after.1 += seconds;
            }
            if call.method == "getUpdates" && call.status == 200 {
                counts.updates +=
                    call.result.as_ref().and_then(|r| r.as_array()).map_or(0, |a| a.len() as u64);
            }
        }
        counts
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrape_counts_the_calls_and_429s_the_fake_saw() {
    let desk = Desk::prepare(Setup { customers: 2, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    let (mut host, addr) = desk.run_with_http(&log).await;
    assert_eq!(wait_for_status(addr, "/readyz", 200).await, "ready\n");
    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".to_owned()));

    desk.open_all_tickets().await;
    desk.fake.rate_limit_storm(Duration::from_secs(2));
    for customer in &desk.customers {
        customer.send_numbered(&desk.fake, 0..3);
        customer.dana_replies(&desk.fake, 0..2);
    }
    desk.wait_counted(3, 2).await;
    let refused = desk.fake.inspect(|world| world.calls().iter().filter(|c| c.status == 429).count());
    assert!(refused > 0, "the storm refused something");

    // Answers read by the host but not yet counted settle within moments: poll until the
    // scrape and the fake agree, then look at the rest of that scrape.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut interval = tokio::time::interval(Duration::from_millis(50));
    let (text, scrape) = loop {
        let (status, text) = get(addr, "/metrics").await;
        assert_eq!(status, 200, "{text}");
        let scrape = parse(&text);
        let (got, want) = (counted(&scrape), seen_by_the_fake(&desk));
        if got == want {
            break (text, scrape);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the scrape\n{got:#?}\nis not what the fake saw\n{want:#?}"
        );
        interval.tick().await;
    };
    let counts = counted(&scrape);
    assert!(counts.calls.contains_key(&("sendMessage".to_owned(), "ok".to_owned())), "{counts:#?}");
    assert!(counts.calls.keys().any(|(_, outcome)| outcome == "retry_after"), "{counts:#?}");
    for start_up in ["getMe", "getChat", "getChatMember", "setMyCommands", "getWebhookInfo"] {
        let key = (start_up.to_owned(), "ok".to_owned());
        assert!(counts.calls.contains_key(&key), "the start-up's {start_up} is counted: {counts:#?}");
    }

    let tickets: u64 = samples(&scrape, "topicdesk_tickets").map(|sample| number(sample) as u64).sum();
    assert_eq!(tickets, 2, "one ticket per customer:\n{text}");
    for gauge in ["topicdesk_sla_warnings", "topicdesk_sla_breaches"] {
        for metric in ["first_response", "next_response", "resolution"] {
            let found = samples(&scrape, gauge).any(|s| s.labels.get("metric") == Some(metric));
            assert!(found, "no {gauge} for {metric}:\n{text}");
        }
    }
    assert!(single(&scrape, "topicdesk_page_commit_seconds_count") >= 1.0, "{text}");
    assert!(single(&scrape, "topicdesk_update_lag_seconds_count") >= 1.0, "{text}");
    let rules: Vec<&Sample> = samples(&scrape, "topicdesk_rules_info").collect();
    assert!(rules.len() == 1 && rules[0].labels.get("version").is_some_and(|v| !v.is_empty()), "{rules:?}");
    for hook in ["route", "sla", "on_breach", "on_message", "on_csat", "group", "validate"] {
        let calls =
            samples(&scrape, "topicdesk_hook_calls_total").find(|s| s.labels.get("hook") == Some(hook));
        assert!(calls.is_some(), "no hook_calls for {hook}:\n{text}");
    }
    // No label names a customer, nor carries their id (a value may hold the digits anywhere).
    let values: Vec<&String> = scrape.samples.iter().flat_map(|sample| sample.labels.values()).collect();
    for customer in &desk.customers {
        assert!(!text.contains(&customer.name), "a customer's name in the scrape:\n{text}");
        let id = customer.id.to_string();
        assert!(values.iter().all(|value| !value.contains(&id)), "a customer's id in a label: {values:?}");
    }

    let pid = host.id().expect("the host runs").to_string();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success(), "kill -TERM {pid}");
    let status =
        tokio::time::timeout(Duration::from_secs(30), host.wait()).await.expect("stops").expect("wait");
    assert_eq!(status.code(), Some(0), "log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
}

/// A free port on 127.0.0.1 for a host in this process.
fn free_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_turns_503_naming_a_task_that_stopped_making_progress() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let addr = free_address();
    desk.options.http = Some(addr);
    desk.start_host();
    assert_eq!(wait_for_status(addr, "/readyz", 200).await, "ready\n");
    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".to_owned()));
    desk.stop_host().await;

    // The same desk again, its timer stuck from the start and a piece of work allowed a
    // second: /healthz says so, /readyz does not care.
    let addr = free_address();
    desk.options.http = Some(addr);
    desk.options.health = HealthOptions { stall_after: Duration::from_secs(1), stalled: Some(Task::Timer) };
    desk.start_host();
    assert_eq!(wait_for_status(addr, "/readyz", 200).await, "ready\n");
    let reasons = wait_for_status(addr, "/healthz", 503).await;
    assert!(
        reasons.lines().any(|line| line.starts_with("the timer has been on one piece of work for ")
            && line.ends_with(" s (limit 1 s)")),
        "{reasons}"
    );
    assert_eq!(get(addr, "/readyz").await, (200, "ready\n".to_owned()));
    desk.stop_host().await;
}

/// The rules watcher runs on the file-watching library's thread, not as a task of the
/// host's runtime; `/healthz` judges it all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_judges_the_rules_watcher_too() {
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    desk.options.watch_rules = Some(topicdesk::rules::WatchMode::Native);
    let addr = free_address();
    desk.options.http = Some(addr);
    desk.start_host();
    assert_eq!(wait_for_status(addr, "/readyz", 200).await, "ready\n");
    assert_eq!(get(addr, "/healthz").await, (200, "ok\n".to_owned()));
    desk.stop_host().await;

    let addr = free_address();
    desk.options.http = Some(addr);
    desk.options.health =
        HealthOptions { stall_after: Duration::from_secs(1), stalled: Some(Task::RulesWatcher) };
    desk.start_host();
    let reasons = wait_for_status(addr, "/healthz", 503).await;
    assert!(
        reasons.lines().any(|line| line.starts_with("the rules watcher has been on one piece of work for ")
            && line.ends_with(" s (limit 1 s)")),
        "{reasons}"
    );
    desk.stop_host().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_ends_the_start_with_its_reason() {
    let desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let addr = taken.local_addr().expect("its address");
    let run = desk.run_command(&[]).args(["--http", &addr.to_string()]).env("RUST_LOG", "off").output();
    let output = tokio::time::timeout(PATIENCE, run).await.expect("ends at once").expect("run topicdesk");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!("error: cannot listen for HTTP on {addr}: ");
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(
        stderr.trim_end().ends_with("; pick another address with --http or desk.yaml `http.listen`"),
        "{stderr}"
    );
    drop(taken);
}

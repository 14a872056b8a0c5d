//! `topicdesk probe URL`, the container's health check: the `HEALTHCHECK` of
//! `packaging/Containerfile` is run as written (its URL's port pointed at a stand-in) and
//! must pass on a `200` from `/healthz` and fail on a `503`; it probes the port CMD serves
//! `--http` on.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

/// The Containerfile's `HEALTHCHECK ... CMD [...]` and its CMD, as argument lists.
fn recipe() -> (Vec<String>, Vec<String>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/Containerfile");
    let text = std::fs::read_to_string(path).expect("read the Containerfile");
    let health = text.lines().find(|line| line.starts_with("HEALTHCHECK ")).expect("a HEALTHCHECK");
    let (_, check) = health.split_once(" CMD ").expect("HEALTHCHECK ... CMD [...]");
    let cmd = text.lines().find_map(|line| line.strip_prefix("CMD ")).expect("CMD");
    (serde_json::from_str(check).expect("exec form"), serde_json::from_str(cmd).expect("exec form"))
}

/// A stand-in for `/healthz` answering one request with `answer`; its port.
fn healthz_answering(answer: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = [0u8; 2048];
        let read = stream.read(&mut request).expect("read");
        let line = String::from_utf8_lossy(&request[..read]).lines().next().unwrap_or_default().to_owned();
        assert_eq!(line, "GET /healthz HTTP/1.1");
        stream.write_all(answer.as_bytes()).expect("answer");
    });
    port
}

/// Runs the health check's command with the binary of this build, at `port`.
fn run_check(check: &[String], port: u16) -> std::process::Output {
    assert_eq!(check[0], "/usr/local/bin/topicdesk");
    let args: Vec<String> =
        check[1..].iter().map(|arg| arg.replace(":9464/", &format!(":{port}/"))).collect();
    Command::new(env!("CARGO_BIN_EXE_topicdesk")).args(&args).output().expect("run topicdesk probe")
}

#[test]
fn the_containers_health_check_passes_on_200_and_fails_on_503() {
    let (check, cmd) = recipe();
    assert_eq!(check[1..], ["probe", "http://127.0.0.1:9464/healthz"]);
    let http = cmd.iter().position(|arg| arg == "--http").expect("CMD serves --http");
    assert!(cmd[http + 1].ends_with(":9464"), "the check probes the port CMD serves: {cmd:?}");

    let ok = run_check(&check, healthz_answering("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n"));
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(ok.stdout.is_empty() && ok.stderr.is_empty());

    let stuck = healthz_answering("HTTP/1.1 503 Service Unavailable\r\n\r\nthe poller is stuck\n");
    let failed = run_check(&check, stuck);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&failed.stderr),
        format!("error: http://127.0.0.1:{stuck}/healthz: answered HTTP/1.1 503 Service Unavailable\n")
    );

    let nobody = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let refused = run_check(&check, nobody);
    assert_eq!(refused.status.code(), Some(1), "nothing listening fails the check");
}

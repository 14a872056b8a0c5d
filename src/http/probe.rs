//! `topicdesk probe URL`: one plain-HTTP GET, for a container's `HEALTHCHECK` where no curl
//! is installed. Success is a `200` answer within the timeout; anything else (another
//! status, no answer, a refused connection, a URL that is not `http://HOST:PORT/PATH`) is a
//! failure with its reason, which the CLI prints and exits 1 on.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a probe failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProbeError {
    #[error("`{0}` is not a plain http URL like http://127.0.0.1:9464/healthz")]
    Url(String),
    #[error("{url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{url}: answered {status_line}")]
    Status { url: String, status_line: String },
}

/// GETs `url` and succeeds on `200`, waiting at most `timeout` for each step.
pub fn probe(url: &str, timeout: Duration) -> Result<(), ProbeError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| ProbeError::Url(url.to_owned()))?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |start| (&rest[..start], &rest[start..]));
    if authority.is_empty() {
        return Err(ProbeError::Url(url.to_owned()));
    }
    let unreachable = |detail: String| ProbeError::Unreachable { url: url.to_owned(), detail };
    let with_port = if authority.rsplit_once(':').is_some_and(|(_, port)| !port.contains(']')) {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|error| unreachable(error.to_string()))?
        .next()
        .ok_or_else(|| unreachable("no address".to_owned()))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|error| unreachable(error.to_string()))?;
    stream.set_read_timeout(Some(timeout)).map_err(|error| unreachable(error.to_string()))?;
    stream.set_write_timeout(Some(timeout)).map_err(|error| unreachable(error.to_string()))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|error| unreachable(error.to_string()))?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !answer.windows(2).any(|pair| pair == b"\r\n") && answer.len() < 8192 {
        let read = stream.read(&mut chunk).map_err(|error| unreachable(error.to_string()))?;
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or_default().trim().to_owned();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else if status_line.is_empty() {
        Err(unreachable("closed the connection without an answer".to_owned()))
    } else {
        Err(ProbeError::Status { url: url.to_owned(), status_line })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server answering one request with `answer`; its URL.
    fn answering(answer: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/healthz", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(answer.as_bytes());
        });
        url
    }

    #[test]
    fn only_a_200_passes() {
        let second = Duration::from_secs(5);
        assert_eq!(probe(&answering("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n"), second), Ok(()));
        let url = answering("HTTP/1.1 503 Service Unavailable\r\n\r\nthe poller is stuck\n");
        assert_eq!(
            probe(&url, second),
            Err(ProbeError::Status {
                url: url.clone(),
                status_line: "HTTP/1.1 503 Service Unavailable".into()
            })
        );
        let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        assert!(matches!(
            probe(&format!("http://{free}/healthz"), second),
            Err(ProbeError::Unreachable { .. })
        ));
        assert_eq!(probe("https://x/healthz", second), Err(ProbeError::Url("https://x/healthz".into())));
    }
}

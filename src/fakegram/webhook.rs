//! Webhooks, as Telegram runs them: `setWebhook` (the URL, a `secret_token` of 1 to 256 of
//! `A-Za-z0-9_-`, `max_connections`, `allowed_updates`), `deleteWebhook`, `getWebhookInfo`
//! (pending updates, the last delivery error), `getUpdates` refused with 409 while a webhook
//! is set, and the pusher: one task per fake that POSTs each pending update, in order, one at
//! a time, with the `X-Telegram-Bot-Api-Secret-Token` header. An update leaves the queue only
//! when the bot answered it with a 2xx; any other answer, a refused or dropped connection or
//! no answer within [`PATIENCE`] is recorded as the webhook's last error and the same update
//! is delivered again after a short backoff. Nothing unanswered is ever dropped.
//!
//! Telegram delivers only to `https` URLs on ports 443, 80, 88 or 8443; the fake also takes
//! `http://` URLs on the loopback (`127.0.0.1`, `localhost`, `[::1]`), the only ones it can reach,
//! and refuses any other `http://` URL with Telegram's words. An `https` URL is taken as
//! Telegram would take it, but the fake speaks no TLS: each delivery to it fails, with the
//! reason as the last error.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::error::ApiFailure;
use super::methods::Call;
use super::server::Shared;
use super::world::World;

/// How long a delivery waits for the bot's answer before it counts as failed.
pub const PATIENCE: Duration = Duration::from_mins(1);
/// The header carrying the secret token.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// Backoff between failed deliveries: the first wait and the longest.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));
/// The most of an answer the pusher reads (it needs the status line only).
const ANSWER_LIMIT: usize = 64 * 1024;

/// The webhook while one is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
    pub max_connections: u32,
}

/// What the fake remembers of webhooks besides the one set: the last error (kept across a
/// new `setWebhook`, as Telegram does) and every delivery, for tests.
#[derive(Default)]
pub(crate) struct Webhooks {
    pub current: Option<Webhook>,
    pub last_error: Option<(i64, String)>,
    pub deliveries: Vec<Delivery>,
}

/// One POST of an update to the bot's webhook and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    pub update_id: u32,
    pub url: String,
    /// The HTTP status the bot answered with; `None` when no answer came.
    pub status: Option<u16>,
    /// Why it failed: Telegram's words for the webhook's last error.
    pub error: Option<String>,
}

impl Delivery {
    /// Whether the bot took the update (answered 2xx).
    pub fn taken(&self) -> bool {
        self.status.is_some_and(|status| (200..300).contains(&status))
    }
}

/// The answer to `getUpdates` while a webhook is set.
pub(crate) fn conflict() -> ApiFailure {
    ApiFailure::conflict_with(
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
}

/// `setWebhook`.
pub(crate) fn set_webhook(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let url = call.required("url", Value::as_str)?.to_owned();
    if call.value("certificate").is_some() || call.value("ip_address").is_some() {
        return Err(ApiFailure::bad_request("certificate and ip_address are not simulated by the fake"));
    }
    if url.is_empty() {
        world.webhooks.current = None;
        return Ok(true.into());
    }
    check_url(&url)?;
    let secret = call.str("secret_token").map(str::to_owned);
    if let Some(secret) = &secret {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if secret.is_empty() || secret.len() > 256 || !secret.chars().all(allowed) {
            return Err(ApiFailure::bad_request("secret token contains unallowed characters"));
        }
    }
    let max_connections = call.int("max_connections").unwrap_or(40);
    if !(1..=100).contains(&max_connections) {
        return Err(ApiFailure::bad_request("bad max_connections: must be between 1 and 100"));
    }
    if let Some(kinds) = call.value("allowed_updates").and_then(Value::as_array) {
        world.updates.allow(kinds.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    }
    if call.flag("drop_pending_updates") {
        world.updates.clear();
    }
    world.webhooks.current = Some(Webhook { url, secret, max_connections: max_connections as u32 });
    // A long poll still waiting is answered with the conflict at once.
    world.updates.poll_generation += 1;
    Ok(true.into())
}

/// `deleteWebhook`: back to `getUpdates`; pending updates stay unless asked to drop them.
#[expect(clippy::unnecessary_wraps, reason = "every handler has the table's signature")]
pub(crate) fn delete_webhook(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    world.webhooks.current = None;
    if call.flag("drop_pending_updates") {
        world.updates.clear();
    }
    Ok(true.into())
}

/// `getWebhookInfo`: an empty `url` while the bot polls.
#[expect(clippy::unnecessary_wraps, reason = "every handler has the table's signature")]
pub(crate) fn get_webhook_info(world: &mut World, _: &Call) -> Result<Value, ApiFailure> {
    let mut info = json!({
        "url": world.webhooks.current.as_ref().map_or("", |hook| hook.url.as_str()),
        "has_custom_certificate": false,
        "pending_update_count": world.updates.pending_allowed(),
    });
    if let Some(hook) = &world.webhooks.current {
        info["max_connections"] = hook.max_connections.into();
        if let Some(allowed) = world.updates.allowed_kinds() {
            info["allowed_updates"] = json!(allowed);
        }
    }
    if let Some((date, message)) = &world.webhooks.last_error {
        info["last_error_date"] = (*date).into();
        info["last_error_message"] = message.clone().into();
    }
    Ok(info)
}

/// Refuses what Telegram refuses, and `http://` anywhere but on the loopback.
fn check_url(url: &str) -> Result<(), ApiFailure> {
    let bad = |what: &str| ApiFailure::bad_request(format!("bad webhook: {what}"));
    if let Some(rest) = url.strip_prefix("https://") {
        let (host, port) = host_and_port(rest, 443).ok_or_else(|| bad("invalid URL"))?;
        if host.is_empty() {
            return Err(bad("invalid URL"));
        }
        if ![443, 80, 88, 8443].contains(&port) {
            return Err(bad("Webhook can be set up only on ports 80, 88, 443 or 8443"));
        }
        return Ok(());
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(bad("An HTTPS URL must be provided for webhook"));
    };
    match host_and_port(rest, 80) {
        Some((host, _)) if is_loopback(&host) => Ok(()),
        _ => Err(bad("An HTTPS URL must be provided for webhook")),
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "[::1]") || host.starts_with("127.")
}

/// The host and port of a URL after its scheme; `None` when the port is not a number.
fn host_and_port(rest: &str, default_port: u16) -> Option<(String, u16)> {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
        _ => (authority, default_port),
    };
    Some((host.to_owned(), port))
}

/// Delivers pending updates to the webhook, forever; the fake's server task aborts it.
pub(crate) async fn push(shared: Arc<Shared>) {
    let mut changes = shared.subscribe();
    let mut backoff = BACKOFF.0;
    loop {
        changes.borrow_and_update();
        let next = shared.read(|world| {
            let hook = world.webhooks.current.clone()?;
            if world.faults.in_outage(Instant::now()) {
                return None;
            }
            world.updates.first_allowed().map(|(id, body)| (hook, id, body))
        });
        let Some((hook, update_id, body)) = next else {
            if changes.changed().await.is_err() {
                return;
            }
            continue;
        };
        let answer = tokio::time::timeout(PATIENCE, post(&hook.url, hook.secret.as_deref(), &body)).await;
        let answer = answer.unwrap_or_else(|_| Err("Read timeout expired".to_owned()));
        let delivery = Delivery {
            update_id,
            url: hook.url.clone(),
            status: answer.as_ref().ok().copied(),
            error: match &answer {
                Ok(status) if (200..300).contains(status) => None,
                Ok(status) => Some(format!("Wrong response from the webhook: {status} {}", reason(*status))),
                Err(error) => Some(error.clone()),
            },
        };
        let taken = delivery.taken();
        shared.write(|world| {
            if taken {
                world.updates.remove(update_id);
            } else if let Some(error) = &delivery.error {
                world.webhooks.last_error = Some((world.now_unix(), error.clone()));
            }
            world.webhooks.deliveries.push(delivery);
        });
        if taken {
            backoff = BACKOFF.0;
        } else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF.1);
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// POSTs `body` (JSON) to an `http://` URL with the secret header when given; returns the
/// answer's status, or Telegram's words for why there was none. Also what a test uses to
/// post to a webhook as someone else would (a wrong secret, no secret).
pub async fn post(url: &str, secret: Option<&str>, body: &str) -> Result<u16, String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Err("SSL error: the fake Telegram delivers only over http to the loopback".to_owned());
    };
    let (host, port) = host_and_port(rest, 80).ok_or_else(|| "Failed to resolve host".to_owned())?;
    let path_start = rest.find('/').unwrap_or(rest.len());
    let path = if path_start == rest.len() { "/" } else { &rest[path_start..] };
    let connect_to = host.trim_start_matches('[').trim_end_matches(']');
    let mut stream =
        TcpStream::connect((connect_to, port)).await.map_err(|_| "Connection refused".to_owned())?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(secret) = secret {
        let _ = write!(request, "{SECRET_HEADER}: {secret}\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    let lost = |_| "Connection closed by the webhook".to_owned();
    stream.write_all(request.as_bytes()).await.map_err(lost)?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !answer.windows(2).any(|pair| pair == b"\r\n") && answer.len() < ANSWER_LIMIT {
        let read = stream.read(&mut chunk).await.map_err(lost)?;
        if read == 0 {
            return Err("Connection closed by the webhook".to_owned());
        }
        answer.extend_from_slice(&chunk[..read]);
    }
    let line = String::from_utf8_lossy(&answer);
    let status = line.split_whitespace().nth(1).and_then(|code| code.parse().ok());
    status.ok_or_else(|| "Wrong response from the webhook: not HTTP".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_refused_as_telegram_refuses_them() {
        assert!(check_url("https://desk.example.com/telegram").is_ok());
        assert!(check_url("https://desk.example.com:8443/telegram").is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://localhost:8080/hook").is_ok());
        assert!(check_url("http://[::1]:8080/hook").is_ok());
        let https_only = check_url("http://desk.example.com/telegram").unwrap_err();
        assert_eq!(
            https_only.description,
            "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        );
        let port = check_url("https://desk.example.com:9000/telegram").unwrap_err();
        assert_eq!(
            port.description,
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
        );
        assert!(check_url("ftp://desk.example.com").is_err());
        assert!(check_url("https://:443/").is_err());
    }
}

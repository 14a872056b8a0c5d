//! The webhook receiver of `topicdesk run --webhook URL --listen ADDR`: Telegram POSTs one
//! update per request to the URL's path on ADDR (through the operator's TLS proxy). A
//! request without the `X-Telegram-Bot-Api-Secret-Token` header gets 401, one with another
//! secret 403, a body that is not an update 400; none of them reaches the desk. An update is
//! handed to the host, and the request is answered 200 only once the host says its
//! transaction committed; should the host stop first, 503, and Telegram delivers the update
//! again. What Telegram delivers again after a commit (a crash after the commit, before the
//! answer) the store's update offset recognises.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

/// The header Telegram sends the secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Updates received and not yet taken by the host: Telegram sends one at a time.
pub const QUEUE: usize = 128;
/// Telegram's updates are small; a request past this is not one.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// One update a request brought, for the host; `done` is sent once it is committed.
#[derive(Debug)]
pub struct Received {
    pub update_id: i64,
    /// The update as Telegram sent it.
    pub json: Box<RawValue>,
    pub done: oneshot::Sender<()>,
}

/// What the receiver checks requests against and where it hands updates.
#[derive(Clone)]
pub struct Receiver {
    /// The webhook URL's path, which requests must be sent to.
    pub path: String,
    pub secret: String,
    pub updates: mpsc::Sender<Received>,
}

/// The path of `url` (`https://desk.example.com/telegram?x` gives `/telegram`); `/` when it
/// has none.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("/", |start| &rest[start..]);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.is_empty() { "/".to_owned() } else { path.to_owned() }
}

/// Serves the webhook on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, receiver: Receiver, mut stop: watch::Receiver<bool>) {
    let addr = listener.local_addr().map_or_else(|_| "?".to_owned(), |addr| addr.to_string());
    tracing::info!(%addr, path = %receiver.path, "receiving Telegram's updates by webhook");
    let router = Router::new().fallback(receive).with_state(receiver);
    let stopped = async move {
        while !*stop.borrow_and_update() {
            if stop.changed().await.is_err() {
                return;
            }
        }
    };
    if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(stopped).await {
        tracing::error!(%error, "the webhook receiver failed");
    }
}

async fn receive(State(receiver): State<Receiver>, request: Request) -> Response {
    if request.uri().path() != receiver.path {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    if request.method() != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST only\n").into_response();
    }
    if let Err(refusal) = check_secret(request.headers(), &receiver.secret) {
        tracing::warn!(
            status = refusal.as_u16(),
            "a webhook request without the right secret token was refused"
        );
        return (refusal, "the secret token is missing or wrong\n").into_response();
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "too large for an update\n").into_response();
    };
    let (update_id, json) = match read_update(&body) {
        Ok(update) => update,
        Err(reason) => {
            tracing::warn!(%reason, "a webhook request with the right secret was not an update; refused");
            return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response();
        }
    };
    let (done, committed) = oneshot::channel();
    if receiver.updates.send(Received { update_id, json, done }).await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n").into_response();
    }
    match committed.await {
        Ok(()) => StatusCode::OK.into_response(),
        // The host stopped before the commit: Telegram delivers the update again.
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not stored; send it again\n").into_response(),
    }
}

/// 401 without the header, 403 with another secret. Compared in constant time.
fn check_secret(headers: &HeaderMap, secret: &str) -> Result<(), StatusCode> {
    let Some(given) = headers.get(SECRET_HEADER) else {
        return Err(StatusCode::UNAUTHORIZED);
    };
    let given = given.as_bytes();
    let expected = secret.as_bytes();
    let differ = given.len() != expected.len()
        || given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0;
    if differ { Err(StatusCode::FORBIDDEN) } else { Ok(()) }
}

/// The update's id and its JSON, kept as sent.
fn read_update(body: &Bytes) -> Result<(i64, Box<RawValue>), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let json: Box<RawValue> =
        serde_json::from_str(text).map_err(|error| format!("the body is not JSON: {error}"))?;
    // An object with a whole `update_id`; serde would also take `[7]` for a struct.
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json.get())
        .map_err(|_| "the body is not an update: not an object".to_owned())?;
    let update_id = object
        .get("update_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| "the body is not an update: no update_id".to_owned())?;
    Ok((update_id, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_the_urls() {
        assert_eq!(path_of("https://desk.example.com/telegram/hook?x=1"), "/telegram/hook");
        assert_eq!(path_of("https://desk.example.com"), "/");
        assert_eq!(path_of("http://127.0.0.1:8080/"), "/");
        assert_eq!(path_of("https://desk.example.com:8443/t#frag"), "/t");
    }

    #[test]
    fn a_missing_secret_is_401_and_a_wrong_one_403() {
        let mut headers = HeaderMap::new();
        assert_eq!(check_secret(&headers, "s3cret"), Err(StatusCode::UNAUTHORIZED));
        headers.insert(SECRET_HEADER, "s3creT".parse().unwrap());
        assert_eq!(check_secret(&headers, "s3cret"), Err(StatusCode::FORBIDDEN));
        headers.insert(SECRET_HEADER, "s3cret-longer".parse().unwrap());
        assert_eq!(check_secret(&headers, "s3cret"), Err(StatusCode::FORBIDDEN));
        headers.insert(SECRET_HEADER, "s3cret".parse().unwrap());
        assert_eq!(check_secret(&headers, "s3cret"), Ok(()));
    }

    #[test]
    fn only_an_update_is_read() {
        let (id, json) = read_update(&Bytes::from_static(br#"{"update_id":7,"message":{}}"#)).unwrap();
        assert_eq!((id, json.get()), (7, r#"{"update_id":7,"message":{}}"#));
        assert!(read_update(&Bytes::from_static(b"[1]")).is_err());
        assert!(read_update(&Bytes::from_static(b"{\"message\":{}}")).is_err());
        assert!(read_update(&Bytes::from_static(b"not json")).is_err());
    }
}

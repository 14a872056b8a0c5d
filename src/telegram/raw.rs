//! Bot API requests sent by hand rather than awaited through teloxide: teloxide sleeps ten
//! seconds inside any request answered with a 5xx before it even reads the answer, which
//! would hold that call's queue (and, before the dispatcher ran sends side by side, every
//! chat) for ten seconds. Here a 5xx is an answer like any other, and backing off is the
//! budget's decision, per queue. Requests are still built with teloxide's typed payloads.
//!
//! Two ways out: [`execute`] decodes into teloxide's results and errors (the long poll), and
//! [`call`] keeps what teloxide's errors lose, the HTTP status, as a [`Failure`] that
//! `send::judge` classifies. A call waits [`SEND_TIMEOUT`] for its answer, far longer than
//! Telegram takes to answer even on a bad day: giving up on a call that Telegram may still
//! be carrying out and sending it again is how a message ends up in a topic twice.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use teloxide::requests::{HasPayload, Payload};
use teloxide::types::ResponseParameters;
use teloxide::{ApiError, Bot, RequestError};

/// How long a sending call waits for its answer. Telegram answers in well under a second,
/// and its own front end gives up with a 5xx long before this; a connection that stays
/// silent this long is dead. Only then is the call sent again, though it may have reached
/// Telegram (see [`Failure::Network`]).
pub const SEND_TIMEOUT: Duration = Duration::from_mins(3);

/// The POST of `$request`'s JSON to its method (a macro, as reqwest's types are not ours
/// to name).
macro_rules! post {
    ($bot:expr, $request:expr, $payload:ty) => {{
        let body = serde_json::to_vec($request.payload_ref()).expect("payloads serialise to JSON");
        let mut url = $bot.api_url();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(&format!("bot{}", $bot.token())).push(<$payload as Payload>::NAME);
        }
        $bot.client().post(url).header("content-type", "application/json").body(body)
    }};
}

/// What came back from one Bot API call, as the host counts it (its metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallAnswer {
    /// A result.
    Ok,
    /// 429 Too Many Requests, with `retry_after` in seconds.
    RetryAfter { seconds: u32 },
    /// Any other refusal of the Bot API, a 4xx or a 5xx.
    Refused,
    /// No answer (refused connection, broken connection, timeout), or one that is not the
    /// Bot API's JSON.
    NoAnswer,
}

/// One request the adapter made: the method as teloxide names it (`SendMessage`) and
/// what came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub method: &'static str,
    pub answer: CallAnswer,
}

tokio::task_local! {
    /// The method of the request [`call`] sent inside [`seen`]: set by the one place that
    /// knows it, so the many request builders of `send` stay as they are.
    static METHOD: Cell<Option<&'static str>>;
}

/// Runs `sending`, which makes at most one [`call`], and says which method it called.
pub async fn seen<T>(sending: impl Future<Output = T>) -> (T, Option<&'static str>) {
    METHOD.scope(Cell::new(None), async { (sending.await, METHOD.with(Cell::get)) }).await
}

/// What a failed call's [`Failure`] counts as.
pub fn answer_of_failure(failure: &Failure) -> CallAnswer {
    match failure {
        Failure::RetryAfter { seconds } => CallAnswer::RetryAfter { seconds: *seconds },
        Failure::Network { .. } | Failure::Unreadable { .. } => CallAnswer::NoAnswer,
        Failure::Migrated { .. } | Failure::Api { .. } => CallAnswer::Refused,
    }
}

/// What a failed long poll counts as.
pub fn answer_of_error(error: &RequestError) -> CallAnswer {
    match error {
        RequestError::RetryAfter(seconds) => CallAnswer::RetryAfter { seconds: seconds.seconds() },
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => CallAnswer::Refused,
        _ => CallAnswer::NoAnswer,
    }
}

/// A call that brought no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer: the connection was refused or broke, or nothing came within
    /// [`SEND_TIMEOUT`]. When `maybe_delivered`, the request had been sent whole and Telegram
    /// may have carried it out; sending it again may make a duplicate.
    Network { detail: String, maybe_delivered: bool },
    /// An answer that is not the Bot API's JSON (a proxy's error page), with its HTTP status.
    Unreadable { status: u16 },
    /// 429 with `retry_after`.
    RetryAfter { seconds: u32 },
    /// The group became a supergroup with this id.
    Migrated { to: i64 },
    /// Any other refusal: `error_code` (the HTTP status when the body has none) and
    /// `description`, Telegram's words.
    Api { status: u16, description: String },
}

/// Sends `request` as JSON and decodes the answer, whatever its HTTP status.
pub async fn execute<R>(bot: &Bot, request: R) -> Result<<R::Payload as Payload>::Output, RequestError>
where
    R: HasPayload,
    R::Payload: serde::Serialize,
    <R::Payload as Payload>::Output: DeserializeOwned,
{
    let response = post!(bot, request, R::Payload).send().await?;
    let text = response.text().await?;
    decode(&text)
}

/// Whether Telegram refused the bot's token (401 `Unauthorized`): revoked, or replaced.
pub fn token_refused(error: &RequestError) -> bool {
    matches!(error, RequestError::Api(ApiError::InvalidToken))
}

/// Sends one queued call and keeps every detail of a failure for `send::judge`.
pub async fn call<R>(bot: &Bot, request: R) -> Result<<R::Payload as Payload>::Output, Failure>
where
    R: HasPayload,
    R::Payload: serde::Serialize,
    <R::Payload as Payload>::Output: DeserializeOwned,
{
    // A request that failed before it was sent whole (no connection) cannot have reached
    // Telegram; after that, it may have.
    let _ = METHOD.try_with(|method| method.set(Some(<R::Payload as Payload>::NAME)));
    let network = |error: &dyn std::fmt::Display, maybe_delivered: bool| Failure::Network {
        detail: error.to_string(),
        maybe_delivered,
    };
    let response = post!(bot, request, R::Payload).timeout(SEND_TIMEOUT).send().await.map_err(|error| {
        let maybe_delivered = !error.is_connect();
        network(&error, maybe_delivered)
    })?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|error| network(&error, true))?;
    decode_call(status, &text)
}

/// The Bot API's answer envelope: `result` when `ok`, else a description and parameters.
#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    description: Option<ApiError>,
    parameters: Option<ResponseParameters>,
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, RequestError> {
    let invalid =
        |source: serde_json::Error| RequestError::InvalidJson { source: Arc::new(source), raw: text.into() };
    let answer: Answer<T> = serde_json::from_str(text).map_err(invalid)?;
    match answer {
        Answer { ok: true, result: Some(result), .. } => Ok(result),
        Answer { ok: true, result: None, .. } => {
            Err(invalid(serde::de::Error::custom("an ok answer without a result")))
        }
        Answer { parameters: Some(ResponseParameters::RetryAfter(seconds)), .. } => {
            Err(RequestError::RetryAfter(seconds))
        }
        Answer { parameters: Some(ResponseParameters::MigrateToChatId(to)), .. } => {
            Err(RequestError::MigrateToChatId(to))
        }
        Answer { description, .. } => {
            Err(RequestError::Api(description.unwrap_or_else(|| ApiError::Unknown(String::new()))))
        }
    }
}

/// The envelope as [`call`] reads it: the description kept as Telegram's words.
#[derive(Deserialize)]
struct Envelope<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Parameters,
}

#[derive(Default, Deserialize)]
struct Parameters {
    retry_after: Option<u32>,
    migrate_to_chat_id: Option<i64>,
}

fn decode_call<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, Failure> {
    let Ok(answer) = serde_json::from_str::<Envelope<T>>(text) else {
        return Err(Failure::Unreadable { status });
    };
    match answer {
        Envelope { ok: true, result: Some(result), .. } => Ok(result),
        Envelope { ok: true, result: None, .. } => Err(Failure::Unreadable { status }),
        Envelope { parameters: Parameters { retry_after: Some(seconds), .. }, .. } => {
            Err(Failure::RetryAfter { seconds })
        }
        Envelope { parameters: Parameters { migrate_to_chat_id: Some(to), .. }, .. } => {
            Err(Failure::Migrated { to })
        }
        Envelope { error_code, description, .. } => {
            Err(Failure::Api { status: error_code.unwrap_or(status), description })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::{ChatId, True};

    #[test]
    fn answers_decode_into_teloxide_results_and_errors() {
        assert!(matches!(decode::<True>(r#"{"ok":true,"result":true}"#), Ok(True)));
        let server = decode::<True>(r#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#);
        assert!(
            matches!(&server, Err(RequestError::Api(ApiError::Unknown(text))) if text == "Internal Server Error"),
            "{server:?}"
        );
        let blocked =
            decode::<True>(r#"{"ok":false,"description":"Forbidden: bot was blocked by the user"}"#);
        assert!(matches!(blocked, Err(RequestError::Api(ApiError::BotBlocked))));
        let retry = decode::<True>(
            r#"{"ok":false,"description":"Too Many Requests","parameters":{"retry_after":3}}"#,
        );
        assert!(matches!(retry, Err(RequestError::RetryAfter(s)) if s.seconds() == 3));
        let moved =
            decode::<True>(r#"{"ok":false,"description":"moved","parameters":{"migrate_to_chat_id":-1009}}"#);
        assert!(matches!(moved, Err(RequestError::MigrateToChatId(ChatId(-1009)))));
        assert!(matches!(decode::<True>("<html>502</html>"), Err(RequestError::InvalidJson { .. })));
        let revoked = decode::<True>(r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#);
        assert!(revoked.as_ref().is_err_and(token_refused), "{revoked:?}");
    }

    #[test]
    fn failed_calls_keep_their_status_and_words() {
        assert!(matches!(decode_call::<True>(200, r#"{"ok":true,"result":true}"#), Ok(True)));
        let refused =
            decode_call::<True>(401, r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#);
        assert_eq!(refused, Err(Failure::Api { status: 401, description: "Unauthorized".to_owned() }));
        let no_code = decode_call::<True>(403, r#"{"ok":false,"description":"Forbidden: x"}"#);
        assert_eq!(no_code, Err(Failure::Api { status: 403, description: "Forbidden: x".to_owned() }));
        let retry = decode_call::<True>(
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#,
        );
        assert_eq!(retry, Err(Failure::RetryAfter { seconds: 3 }));
        let moved = decode_call::<True>(
            400,
            r#"{"ok":false,"error_code":400,"description":"moved","parameters":{"migrate_to_chat_id":-1009}}"#,
        );
        assert_eq!(moved, Err(Failure::Migrated { to: -1009 }));
        assert_eq!(decode_call::<True>(502, "<html>502</html>"), Err(Failure::Unreadable { status: 502 }));
    }
}

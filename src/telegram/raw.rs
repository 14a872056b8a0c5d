//! Bot API requests sent by hand rather than awaited through teloxide: teloxide sleeps ten
//! seconds inside any request answered with a 5xx before it even reads the answer, which
//! would hold that call's queue (and, before the dispatcher ran sends side by side, every
//! chat) for ten seconds. Here a 5xx is an answer like any other, and backing off is the
//! budget's decision, per queue. Requests are still built with teloxide's typed payloads
//! and their answers decoded into its types and errors, so nothing else changes.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use teloxide::requests::{HasPayload, Payload};
use teloxide::types::ResponseParameters;
use teloxide::{ApiError, Bot, RequestError};

/// Sends `request` as JSON and decodes the answer, whatever its HTTP status.
pub async fn execute<R>(bot: &Bot, request: R) -> Result<<R::Payload as Payload>::Output, RequestError>
where
    R: HasPayload,
    R::Payload: serde::Serialize,
    <R::Payload as Payload>::Output: DeserializeOwned,
{
    let body = serde_json::to_vec(request.payload_ref()).expect("payloads serialise to JSON");
    let mut url = bot.api_url();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(&format!("bot{}", bot.token())).push(<R::Payload as Payload>::NAME);
    }
    let response =
        bot.client().post(url).header("content-type", "application/json").body(body).send().await?;
    let text = response.text().await?;
    decode(&text)
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
    }
}

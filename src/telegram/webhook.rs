//! Webhook mode's calls: `setWebhook` when `topicdesk run --webhook` starts, `deleteWebhook`
//! when a desk starts polling while a webhook is still set (pending updates kept), and
//! `getWebhookInfo`, which the running host asks now and then to see that Telegram answers
//! and how its deliveries go.
//!
//! At start-up, as every start-up call: a network error, a 5xx or a 429 is waited out with
//! backoff; a refused token (401) and a refused URL (400: not https, a port Telegram does not
//! deliver to) end the start with what to fix.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use teloxide::Bot;
use teloxide::requests::Payload;
use teloxide::types::{AllowedUpdate, True};

use super::raw::{self, CallAnswer, Seen};
use super::startup::{Refusal, StartupError, allowed_updates, call};

/// Telegram sends one update at a time and waits for its answer: the desk's update offset
/// (updates at or below it are taken as delivered before) needs them in order.
pub const MAX_CONNECTIONS: u8 = 1;

/// Backoff while Telegram cannot be reached: the first wait and the longest.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(500), Duration::from_secs(30));

/// What `getWebhookInfo` says, as far as the host cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookStatus {
    /// Empty while the bot polls.
    pub url: String,
    pub pending: u64,
    /// When (Unix seconds) and why the latest delivery failed.
    pub last_error: Option<(i64, String)>,
}

/// Sets the webhook to `url` with `secret`, one connection at a time, the updates polling
/// asks for, pending updates kept. Waits while Telegram cannot be reached; `None` when
/// `shutdown` resolved first.
pub async fn set_webhook(
    bot: &Bot,
    url: &str,
    secret: &str,
    shutdown: impl Future<Output = ()>,
) -> Result<Option<()>, StartupError> {
    let request = SetWebhookRaw {
        url: url.to_owned(),
        secret_token: secret.to_owned(),
        max_connections: MAX_CONNECTIONS,
        allowed_updates: allowed_updates(),
        drop_pending_updates: false,
    };
    let set = with_backoff("setWebhook", shutdown, || call(bot, request.clone())).await;
    match set {
        Ok(Some(True)) => Ok(Some(())),
        Ok(None) => Ok(None),
        Err(Refusal::Token(detail)) => Err(StartupError::TokenRefused(detail)),
        Err(Refusal::Api(detail)) => Err(StartupError::WebhookRefused { url: url.to_owned(), detail }),
        Err(Refusal::Transient(detail)) => Err(StartupError::Webhook { what: "set", detail }),
    }
}

/// What [`leave_webhook`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Left {
    /// No webhook was set.
    NoWebhook,
    /// This webhook was set, and is deleted now.
    Deleted(WebhookStatus),
}

/// Before polling: deletes a webhook left set (by an earlier `run --webhook`), keeping its
/// pending updates for `getUpdates`. `Ok(None)` when `shutdown` resolved first: the caller
/// must not wait for `shutdown` again.
pub async fn leave_webhook(
    bot: &Bot,
    shutdown: impl Future<Output = ()>,
) -> Result<Option<Left>, StartupError> {
    let mut shutdown = std::pin::pin!(shutdown);
    let refused = |refusal: Refusal, what: &'static str| match refusal {
        Refusal::Token(detail) => StartupError::TokenRefused(detail),
        Refusal::Api(detail) | Refusal::Transient(detail) => StartupError::Webhook { what, detail },
    };
    let info = with_backoff("getWebhookInfo", &mut shutdown, || call(bot, GetWebhookInfoRaw {})).await;
    let info = match info {
        Ok(Some(info)) => WebhookStatus::from(info),
        Ok(None) => return Ok(None),
        Err(refusal) => return Err(refused(refusal, "read")),
    };
    if info.url.is_empty() {
        return Ok(Some(Left::NoWebhook));
    }
    let request = DeleteWebhookRaw { drop_pending_updates: false };
    match with_backoff("deleteWebhook", &mut shutdown, || call(bot, request.clone())).await {
        Ok(Some(_)) => Ok(Some(Left::Deleted(info))),
        Ok(None) => Ok(None),
        Err(refusal) => Err(refused(refusal, "deleted")),
    }
}

/// One `getWebhookInfo`, and what the host counts of it.
pub async fn webhook_info(bot: &Bot) -> (Result<WebhookStatus, String>, Seen) {
    let answer = raw::call(bot, GetWebhookInfoRaw {}).await;
    let seen = Seen {
        method: GetWebhookInfoRaw::NAME,
        answer: answer.as_ref().map_or_else(raw::answer_of_failure, |_| CallAnswer::Ok),
    };
    (answer.map(WebhookStatus::from).map_err(|failure| format!("{failure:?}")), seen)
}

/// Runs `call` until it gives an answer that is not transient, waiting with backoff; `None`
/// when `shutdown` resolved first.
async fn with_backoff<T, F: Future<Output = Result<T, Refusal>>>(
    method: &str,
    shutdown: impl Future<Output = ()>,
    mut call: impl FnMut() -> F,
) -> Result<Option<T>, Refusal> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = BACKOFF.0;
    for attempt in 1u32.. {
        let answer = tokio::select! {
            answer = call() => answer,
            () = &mut shutdown => return Ok(None),
        };
        match answer {
            Ok(result) => return Ok(Some(result)),
            Err(Refusal::Transient(error)) => {
                tracing::warn!(%error, attempt, retry_in = ?backoff, "{method}: Telegram cannot be reached yet; waiting");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = &mut shutdown => return Ok(None),
                }
                backoff = (backoff * 2).min(BACKOFF.1);
            }
            Err(other) => return Err(other),
        }
    }
    unreachable!("the attempts never run out")
}

#[derive(Clone, Serialize)]
struct SetWebhookRaw {
    url: String,
    secret_token: String,
    max_connections: u8,
    allowed_updates: Vec<AllowedUpdate>,
    drop_pending_updates: bool,
}

impl Payload for SetWebhookRaw {
    type Output = True;
    const NAME: &'static str = "SetWebhook";
}

#[derive(Clone, Serialize)]
struct DeleteWebhookRaw {
    drop_pending_updates: bool,
}

impl Payload for DeleteWebhookRaw {
    type Output = True;
    const NAME: &'static str = "DeleteWebhook";
}

#[derive(Clone, Serialize)]
struct GetWebhookInfoRaw {}

impl Payload for GetWebhookInfoRaw {
    type Output = WebhookInfoRaw;
    const NAME: &'static str = "GetWebhookInfo";
}

#[derive(Deserialize)]
struct WebhookInfoRaw {
    url: String,
    pending_update_count: u64,
    last_error_date: Option<i64>,
    last_error_message: Option<String>,
}

impl From<WebhookInfoRaw> for WebhookStatus {
    fn from(raw: WebhookInfoRaw) -> WebhookStatus {
        let last_error = raw.last_error_date.map(|date| (date, raw.last_error_message.unwrap_or_default()));
        WebhookStatus { url: raw.url, pending: raw.pending_update_count, last_error }
    }
}

/// An update as a webhook request brought it (JSON text): its id, the desk event it means
/// (translated for the staff groups `groups`), and when it was sent, for its lag.
pub fn decode_update(
    json: &str,
    groups: &crate::groups::StaffGroups,
) -> Result<(i64, Option<crate::desk::Event>, Option<i64>), serde_json::Error> {
    let decoded = super::quick::Decoded::decode(json)?;
    let (id, sent_at) = (decoded.id(), decoded.sent_at());
    Ok((id, decoded.into_event(json, groups), sent_at))
}

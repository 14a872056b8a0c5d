//! The two ways things fail in the fake: an API call answered with a Telegram error (`ApiFailure`, sent
//! over HTTP exactly as Telegram shapes it), and a test or the demo misusing the control API
//! (`ControlError`, a Rust error, never seen by the bot under test).

use serde_json::{Value, json};

/// A Telegram error answer: HTTP status, `description` and optional `parameters`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiFailure {
    pub status: u16,
    pub description: String,
    pub retry_after: Option<u32>,
    pub migrate_to_chat_id: Option<i64>,
}

impl ApiFailure {
    fn new(status: u16, description: String) -> ApiFailure {
        ApiFailure { status, description, retry_after: None, migrate_to_chat_id: None }
    }

    /// 400 `Bad Request: {what}`.
    pub fn bad_request(what: impl std::fmt::Display) -> ApiFailure {
        ApiFailure::new(400, format!("Bad Request: {what}"))
    }

    /// 403 `Forbidden: {what}`.
    pub fn forbidden(what: impl std::fmt::Display) -> ApiFailure {
        ApiFailure::new(403, format!("Forbidden: {what}"))
    }

    /// 401 `Unauthorized`, the answer to a wrong token.
    pub fn unauthorized() -> ApiFailure {
        ApiFailure::new(401, "Unauthorized".to_owned())
    }

    /// 404 `Not Found`, the answer to an unknown method or path.
    pub fn not_found() -> ApiFailure {
        ApiFailure::new(404, "Not Found".to_owned())
    }

    /// 413, the answer to a body over the upload limit.
    pub fn too_large() -> ApiFailure {
        ApiFailure::new(413, "Request Entity Too Large".to_owned())
    }

    /// 409, the answer to a long poll superseded by a newer one.
    pub fn conflict() -> ApiFailure {
        ApiFailure::new(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                .to_owned(),
        )
    }

    /// 409 with Telegram's words for another conflict (a webhook is set).
    pub fn conflict_with(description: &str) -> ApiFailure {
        ApiFailure::new(409, description.to_owned())
    }

    /// 429 `Too Many Requests: retry after N` with `parameters.retry_after`.
    pub fn too_many_requests(retry_after: u32) -> ApiFailure {
        ApiFailure {
            retry_after: Some(retry_after),
            ..ApiFailure::new(429, format!("Too Many Requests: retry after {retry_after}"))
        }
    }

    /// A scripted server error (500, 502, ...).
    pub fn server_error(status: u16) -> ApiFailure {
        let description = match status {
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Server Error",
        };
        ApiFailure::new(status, description.to_owned())
    }

    /// 400 for a message sent to a basic group that became a supergroup.
    pub fn migrated(to_chat_id: i64) -> ApiFailure {
        ApiFailure {
            migrate_to_chat_id: Some(to_chat_id),
            ..ApiFailure::bad_request("group chat was upgraded to a supergroup chat")
        }
    }

    /// The JSON body Telegram sends with this error.
    pub fn to_json(&self) -> Value {
        let mut body = json!({ "ok": false, "error_code": self.status, "description": self.description });
        let mut parameters = serde_json::Map::new();
        if let Some(retry_after) = self.retry_after {
            parameters.insert("retry_after".to_owned(), retry_after.into());
        }
        if let Some(chat_id) = self.migrate_to_chat_id {
            parameters.insert("migrate_to_chat_id".to_owned(), chat_id.into());
        }
        if !parameters.is_empty() {
            body["parameters"] = Value::Object(parameters);
        }
        body
    }
}

/// A control-API call that does not fit the simulated world.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ControlError {
    #[error("no user with id {0} in the fake world")]
    /// The user id is not in the world.
    UnknownUser(u64),
    #[error("no chat with id {0} in the fake world")]
    /// The chat id is not in the world.
    UnknownChat(i64),
    #[error("a user or chat with id {0} already exists")]
    /// A user or chat with this id is already there.
    AlreadyExists(i64),
    #[error("no message {message_id} in chat {chat_id}")]
    /// The message is missing, deleted, or not the person's own.
    UnknownMessage { chat_id: i64, message_id: i32 },
    #[error("no open topic {thread_id} in chat {chat_id}")]
    /// The topic is missing, deleted or closed.
    UnknownTopic { chat_id: i64, thread_id: i32 },
    #[error("user {0} has not started the bot")]
    /// People write to the bot only after `/start`.
    NotStarted(u64),
    #[error("user {0} has blocked the bot")]
    /// A person who blocked the bot does not write to it.
    Blocked(u64),
    #[error("user {user_id} is not a member of chat {chat_id}")]
    /// The person is not in that chat.
    NotAMember { chat_id: i64, user_id: u64 },
    #[error("message {message_id} has no inline button with callback data `{data}`")]
    /// The message has no button with that callback data.
    NoSuchButton { message_id: i32, data: String },
    #[error("{0}")]
    /// Anything else that does not fit the world.
    Invalid(String),
}

/// `wait_until` / `wait_for` gave up: the condition did not hold before the deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the fake Telegram world did not reach the awaited state within {0:?}")]
pub struct WaitTimeout(pub std::time::Duration);

//! Inline mode: a person types `@bot <query>` in a chat and the bot gets an `inline_query`
//! update, which names no chat; the bot answers with `answerInlineQuery`; the person picks
//! one result, and their client sends its message into the chat (and topic) they typed in,
//! as their own message marked `via_bot`. With `@BotFather`'s inline feedback on, the bot also
//! gets `chosen_inline_result`. With inline mode off (a new bot's setting) clients send no
//! query at all, so the control API refuses to type one.
//!
//! Strict as the rest of the fake: an answer to an unknown, expired or already answered
//! query, more than 50 results, a result id that is empty, over 64 bytes or repeated, an
//! empty title, or a message text that is empty or over 4096 characters is refused with
//! Telegram's words. Only article results with a text message are simulated; anything else is
//! refused by name rather than accepted unchecked.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::FakeHandle;
use super::config::InlineMode;
use super::error::{ApiFailure, ControlError};
use super::markup;
use super::message::Content;
use super::methods::Call;
use super::world::{ChatKind, Post, World};

/// Telegram's limits on an answer and on what a person types after `@bot`.
const MAX_RESULTS: usize = 50;
const MAX_RESULT_ID_BYTES: usize = 64;
const MAX_QUERY_CHARS: usize = 512;
const TEXT_LIMIT: usize = 4096;

/// An `answerInlineQuery` the bot made.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InlineAnswer {
    /// The inline query answered.
    pub query_id: String,
    /// The person who typed it.
    pub user_id: u64,
    /// What they typed after `@bot`.
    pub query: String,
    /// The results as the bot sent them (`InlineQueryResult` objects).
    pub results: Vec<Value>,
    /// `cache_time`, when the bot set one (Telegram's default is 300 seconds).
    pub cache_time: Option<i64>,
    /// Whether the answer is cached only for the person who asked.
    pub is_personal: bool,
}

impl InlineAnswer {
    /// The message text each result sends when picked, in order.
    pub fn texts(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter_map(|result| result["input_message_content"]["message_text"].as_str())
            .collect()
    }

    /// Each result's title, in order.
    pub fn titles(&self) -> Vec<&str> {
        self.results.iter().filter_map(|result| result["title"].as_str()).collect()
    }
}

/// An inline query delivered to the bot: who typed it, where, and whether it was answered.
pub(crate) struct PendingInline {
    from: u64,
    chat_id: i64,
    thread_id: Option<i32>,
    query: String,
    answered: bool,
}

impl World {
    /// Answers the bot gave to inline queries, in order.
    pub fn inline_answers(&self) -> &[InlineAnswer] {
        &self.inline_answers
    }
}

impl FakeHandle {
    /// Turns the bot's inline mode on or off, as `@BotFather`'s `/setinline` and
    /// `/setinlinefeedback` do (`getMe` says so from then on).
    pub fn set_inline_mode(&self, mode: InlineMode) {
        self.shared.write(|world| world.inline_mode = mode);
    }

    /// The person types `@bot <query>` in `chat_id` (in topic `thread_id`, if any): the bot
    /// gets an `inline_query` update. Returns the query's id.
    pub fn type_inline_query(
        &self,
        user_id: u64,
        chat_id: i64,
        thread_id: Option<i32>,
        query: &str,
    ) -> Result<String, ControlError> {
        self.shared.write(|world| {
            if world.inline_mode == InlineMode::Off {
                return Err(ControlError::Invalid(
                    "the bot's inline mode is off (BotFather's /setinline): clients send no inline query"
                        .to_owned(),
                ));
            }
            if query.chars().count() > MAX_QUERY_CHARS {
                return Err(ControlError::Invalid(format!(
                    "an inline query has at most {MAX_QUERY_CHARS} characters"
                )));
            }
            world.check_can_post(user_id, chat_id)?;
            if let Some(thread_id) = thread_id {
                let topic = world.chat(chat_id)?.live_topic(thread_id).filter(|topic| !topic.closed);
                topic.ok_or(ControlError::UnknownTopic { chat_id, thread_id })?;
            }
            let chat = world.chat(chat_id)?;
            let chat_type = match chat.kind {
                ChatKind::Private if chat_id == user_id as i64 => "sender",
                ChatKind::Private => "private",
                ChatKind::Group(_) if chat.is_supergroup() => "supergroup",
                ChatKind::Group(_) => "group",
            };
            let query_id = format!("{}{:07}", user_id % 1_000_000, world.serial());
            let payload = json!({
                "id": query_id,
                "from": world.user_json(user_id),
                "query": query,
                "offset": "",
                "chat_type": chat_type,
            });
            let pending =
                PendingInline { from: user_id, chat_id, thread_id, query: query.to_owned(), answered: false };
            world.inline_queries.insert(query_id.clone(), pending);
            world.updates.push("inline_query", payload);
            Ok(query_id)
        })
    }

    /// The person who typed `query_id` picks its result number `index` (from 0) of the bot's
    /// answer: their client sends its message where they typed the query, as their own with
    /// `via_bot`. Returns the new message's id.
    pub fn pick_inline_result(&self, query_id: &str, index: usize) -> Result<i32, ControlError> {
        self.shared.write(|world| {
            let pending = world
                .inline_queries
                .get(query_id)
                .ok_or_else(|| ControlError::Invalid(format!("no inline query {query_id}")))?;
            let (from, chat_id, thread_id, query) =
                (pending.from, pending.chat_id, pending.thread_id, pending.query.clone());
            let answer = world.inline_answers.iter().rev().find(|answer| answer.query_id == query_id);
            let answer = answer.ok_or_else(|| {
                ControlError::Invalid(format!("the bot has not answered inline query {query_id}"))
            })?;
            let result = answer.results.get(index).ok_or_else(|| {
                ControlError::Invalid(format!(
                    "inline query {query_id} has {} result(s), no number {index}",
                    answer.results.len()
                ))
            })?;
            let result_id = result["id"].as_str().unwrap_or_default().to_owned();
            let content = &result["input_message_content"];
            let text = content["message_text"].as_str().unwrap_or_default();
            // Checked when the bot answered; parsed again as the client sends it.
            let formatted = markup::format(text, content["parse_mode"].as_str(), content.get("entities"))
                .map_err(|failure| ControlError::Invalid(failure.description))?;
            world.check_can_post(from, chat_id)?;
            if let Some(thread_id) = thread_id {
                let topic = world.chat(chat_id)?.live_topic(thread_id).filter(|topic| !topic.closed);
                topic.ok_or(ControlError::UnknownTopic { chat_id, thread_id })?;
            }
            let mut post = Post::new(chat_id, from, Content::Text);
            post.text = Some(formatted.text);
            post.entities = formatted.entities;
            post.thread_id = thread_id;
            post.via_bot = Some(world.bot.id);
            let message_id = world.append(post);
            if world.inline_mode == InlineMode::WithFeedback {
                let payload =
                    json!({ "result_id": result_id, "from": world.user_json(from), "query": query });
                world.updates.push("chosen_inline_result", payload);
            }
            Ok(message_id)
        })
    }
}

/// `answerInlineQuery`.
pub(crate) fn answer_inline_query(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let query_id = call.required("inline_query_id", Value::as_str)?;
    let expired =
        || ApiFailure::bad_request("query is too old and response timeout expired or query ID is invalid");
    let pending =
        world.inline_queries.get(query_id).filter(|pending| !pending.answered).ok_or_else(expired)?;
    let results = call.required("results", Value::as_array)?;
    if results.len() > MAX_RESULTS {
        return Err(ApiFailure::bad_request("RESULTS_TOO_MUCH"));
    }
    let mut ids = HashSet::new();
    for result in results {
        check_result(result)?;
        if !ids.insert(result["id"].as_str().unwrap_or_default()) {
            return Err(ApiFailure::bad_request("RESULT_ID_DUPLICATE"));
        }
    }
    let cache_time = call.int("cache_time");
    if cache_time.is_some_and(|seconds| seconds < 0) {
        return Err(ApiFailure::bad_request("CACHE_TIME_INVALID"));
    }
    let answer = InlineAnswer {
        query_id: query_id.to_owned(),
        user_id: pending.from,
        query: pending.query.clone(),
        results: results.clone(),
        cache_time,
        is_personal: call.flag("is_personal"),
    };
    if let Some(pending) = world.inline_queries.get_mut(query_id) {
        pending.answered = true;
    }
    world.inline_answers.push(answer);
    Ok(json!(true))
}

/// One result, past the spec's shape check: what Telegram checks besides.
fn check_result(result: &Value) -> Result<(), ApiFailure> {
    if result["type"].as_str() != Some("article") {
        return Err(ApiFailure::bad_request("the fake simulates article results only"));
    }
    let id = result["id"].as_str().unwrap_or_default();
    if id.is_empty() || id.len() > MAX_RESULT_ID_BYTES {
        return Err(ApiFailure::bad_request("RESULT_ID_INVALID"));
    }
    if result["title"].as_str().is_none_or(|title| title.trim().is_empty()) {
        return Err(ApiFailure::bad_request("RESULT_TITLE_EMPTY"));
    }
    let content = &result["input_message_content"];
    let Some(text) = content["message_text"].as_str() else {
        return Err(ApiFailure::bad_request("the fake simulates text message contents only"));
    };
    let formatted = markup::format(text, content["parse_mode"].as_str(), content.get("entities"))?;
    if formatted.text.trim().is_empty() {
        return Err(ApiFailure::bad_request("MESSAGE_EMPTY"));
    }
    if formatted.len_utf16() > TEXT_LIMIT {
        return Err(ApiFailure::bad_request("MESSAGE_TOO_LONG"));
    }
    Ok(())
}

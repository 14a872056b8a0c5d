//! Looking at the fake world from a test or the demo: messages per chat and topic, topics, the log of
//! every API call, callback answers, and waiting (with a deadline, woken by every change, never by a
//! bare sleep) until a predicate over the world holds.

use std::time::Duration;

use serde_json::Value;

use super::FakeHandle;
use super::config::MemberRole;
use super::error::WaitTimeout;
use super::message::FakeMessage;
use super::world::{FakeTopic, World};

/// One API request as the fake answered it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The method as the spec spells it (`sendMessage`), or as requested when unknown.
    pub method: String,
    /// Parameters after decoding and type conversion.
    pub params: Value,
    /// HTTP status of the answer (200 for success).
    pub status: u16,
    /// The error description; `None` for successful calls.
    pub description: Option<String>,
    /// The `result` of a successful call.
    pub result: Option<Value>,
}

/// An `answerCallbackQuery` the bot made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackAnswer {
    /// The callback query answered.
    pub query_id: String,
    /// The person who pressed the button.
    pub user_id: u64,
    /// The notification text, if any.
    pub text: Option<String>,
    /// Whether it was an alert rather than a toast.
    pub show_alert: bool,
}

/// Which part of a forum a message is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thread {
    /// General, or the whole of a chat without topics.
    General,
    /// The forum topic with this thread id.
    Topic(i32),
}

impl World {
    /// The bot's own user id.
    pub fn bot_id(&self) -> u64 {
        self.bot.id
    }

    /// The bot's @username (without the @), or its first name when it has none.
    pub fn bot_username(&self) -> String {
        self.bot.username.clone().unwrap_or_else(|| self.bot.first_name.clone())
    }

    /// The webhook's URL, while one is set.
    pub fn webhook_url(&self) -> Option<&str> {
        self.webhooks.current.as_ref().map(|hook| hook.url.as_str())
    }

    /// The secret token of the webhook set, if it has one.
    pub fn webhook_secret(&self) -> Option<&str> {
        self.webhooks.current.as_ref().and_then(|hook| hook.secret.as_deref())
    }

    /// Every POST of an update to a webhook, in order, and how it went.
    pub fn webhook_deliveries(&self) -> &[super::Delivery] {
        &self.webhooks.deliveries
    }

    /// Messages of a chat in order, deleted ones left out.
    pub fn messages(&self, chat_id: i64) -> Vec<&FakeMessage> {
        let chat = self.chats.get(&chat_id);
        chat.into_iter().flat_map(|chat| chat.messages.values()).filter(|message| !message.deleted).collect()
    }

    /// Messages of one thread (General or a topic) in order, deleted ones left out.
    pub fn thread_messages(&self, chat_id: i64, thread: Thread) -> Vec<&FakeMessage> {
        let wanted = match thread {
            Thread::General => None,
            Thread::Topic(thread_id) => Some(thread_id),
        };
        self.messages(chat_id).into_iter().filter(|message| message.thread_id == wanted).collect()
    }

    /// One message, deleted or not.
    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<&FakeMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    /// The last message the bot sent into a chat, if any.
    pub fn last_from_bot(&self, chat_id: i64) -> Option<&FakeMessage> {
        self.messages(chat_id).into_iter().rev().find(|message| message.from == self.bot.id)
    }

    /// Every message of every chat in the order they were posted (for transcripts).
    pub fn all_messages(&self) -> Vec<&FakeMessage> {
        let mut messages: Vec<_> = self.chats.values().flat_map(|chat| chat.messages.values()).collect();
        messages.sort_by_key(|message| message.seq);
        messages
    }

    /// Topics of a forum (deleted ones included, flagged), by thread id.
    pub fn topics(&self, chat_id: i64) -> Vec<&FakeTopic> {
        self.chats.get(&chat_id).into_iter().flat_map(|chat| chat.topics.values()).collect()
    }

    /// A topic by thread id.
    pub fn topic(&self, chat_id: i64, thread_id: i32) -> Option<&FakeTopic> {
        self.chats.get(&chat_id)?.topics.get(&thread_id)
    }

    /// Messages pinned in a chat, oldest pin first.
    pub fn pinned(&self, chat_id: i64) -> &[i32] {
        self.chats.get(&chat_id).map_or(&[], |chat| &chat.pinned)
    }

    /// A member's role in a chat (`Left` for strangers).
    pub fn member_role(&self, chat_id: i64, user_id: u64) -> MemberRole {
        let role = self.chats.get(&chat_id).and_then(|chat| chat.members.get(&user_id));
        role.copied().unwrap_or(MemberRole::Left)
    }

    /// A display name: first name of a person, the bot's first name, or the id.
    pub fn display_name(&self, user_id: u64) -> String {
        match self.people.get(&user_id) {
            Some(person) => person.spec.first_name.clone(),
            None if user_id == self.bot.id => self.bot.first_name.clone(),
            None => user_id.to_string(),
        }
    }

    /// Every API call so far, in order.
    pub fn calls(&self) -> &[CallRecord] {
        &self.calls
    }

    /// How many calls of `method` got HTTP `status`.
    pub fn count_calls(&self, method: &str, status: u16) -> usize {
        self.calls
            .iter()
            .filter(|call| call.method.eq_ignore_ascii_case(method) && call.status == status)
            .count()
    }

    /// Answers the bot gave to button presses.
    pub fn callback_answers(&self) -> &[CallbackAnswer] {
        &self.callback_answers
    }

    /// The commands set with `setMyCommands` for `scope`, as sent: `default`,
    /// `all_private_chats`, `all_group_chats`, `all_chat_administrators`, `chat:<id>`,
    /// `chat_administrators:<id>` or `chat_member:<id>:<user>`; empty when none were set.
    pub fn commands(&self, scope: &str) -> &[Value] {
        self.commands.get(scope).map_or(&[], Vec::as_slice)
    }

    /// Updates queued for the bot and not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.updates.len()
    }

    /// Answers the fake gave that do not match the spec; empty unless the fake itself has a bug.
    pub fn spec_violations(&self) -> &[String] {
        &self.violations
    }
}

impl FakeHandle {
    /// Runs `look` on the current world.
    pub fn inspect<R>(&self, look: impl FnOnce(&World) -> R) -> R {
        self.shared.read(look)
    }

    /// Waits until `look` returns something, re-checking after every change to the world.
    pub async fn wait_for<R>(
        &self,
        timeout: Duration,
        mut look: impl FnMut(&World) -> Option<R>,
    ) -> Result<R, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(found) = self.shared.read(&mut look) {
                return Ok(found);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return self.shared.read(&mut look).ok_or(WaitTimeout(timeout)),
            }
        }
    }

    /// Waits until `holds` is true of the world.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut holds: impl FnMut(&World) -> bool,
    ) -> Result<(), WaitTimeout> {
        self.wait_for(timeout, |world| holds(world).then_some(())).await
    }
}

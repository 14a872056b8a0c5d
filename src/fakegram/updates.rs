//! Updates for the bot and `getUpdates` long polling, with Telegram's rules: an update stays queued
//! until a later call confirms it with a higher `offset`; a negative offset keeps only the last few;
//! `allowed_updates` is remembered between calls; a newer poll terminates an older one with 409, and
//! so does a webhook being set (`webhook.rs` delivers the same queue).
//! Updates are rendered when they happen, so later edits do not rewrite what was delivered.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::error::ApiFailure;
use super::server::Shared;

/// Telegram answers a long poll after at most this long, whatever `timeout` asked for.
const MAX_POLL: Duration = Duration::from_secs(50);

/// What a call may ask for when it names no `allowed_updates`.
const DEFAULT_KINDS: [&str; 10] = [
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
];

pub(crate) struct UpdateQueue {
    pending: VecDeque<(u32, &'static str, Value)>,
    next_id: u32,
    allowed: Vec<String>,
    /// Bumped by every `getUpdates`; a poll that sees another number was superseded.
    pub poll_generation: u64,
}

impl Default for UpdateQueue {
    fn default() -> UpdateQueue {
        UpdateQueue { pending: VecDeque::new(), next_id: 10_000, allowed: Vec::new(), poll_generation: 0 }
    }
}

impl UpdateQueue {
    pub fn push(&mut self, kind: &'static str, payload: Value) {
        self.next_id += 1;
        self.pending.push_back((self.next_id, kind, payload));
    }

    /// Updates delivered but not yet confirmed, plus those never delivered.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    fn confirm(&mut self, offset: i64) {
        if offset < 0 {
            let keep = offset.unsigned_abs() as usize;
            while self.pending.len() > keep {
                self.pending.pop_front();
            }
        } else {
            self.pending.retain(|(id, ..)| i64::from(*id) >= offset);
        }
    }

    fn is_allowed(&self, kind: &str) -> bool {
        if self.allowed.is_empty() {
            DEFAULT_KINDS.contains(&kind)
        } else {
            self.allowed.iter().any(|allowed| allowed == kind)
        }
    }

    /// `allowed_updates` from now on, for `getUpdates` and the webhook alike.
    pub fn allow(&mut self, kinds: Vec<String>) {
        self.allowed = kinds;
    }

    /// The kinds asked for, when a call named them.
    pub fn allowed_kinds(&self) -> Option<&[String]> {
        (!self.allowed.is_empty()).then_some(self.allowed.as_slice())
    }

    /// Updates waiting for delivery, of the kinds the bot asked for.
    pub fn pending_allowed(&self) -> usize {
        self.pending.iter().filter(|(_, kind, _)| self.is_allowed(kind)).count()
    }

    /// The next update a webhook gets: its id and its JSON.
    pub fn first_allowed(&self) -> Option<(u32, String)> {
        let (id, kind, payload) = self.pending.iter().find(|(_, kind, _)| self.is_allowed(kind))?;
        Some((*id, json!({ "update_id": id, *kind: payload }).to_string()))
    }

    /// Drops the update `id`: the webhook answered it with a 2xx.
    pub fn remove(&mut self, id: u32) {
        self.pending.retain(|(pending, ..)| *pending != id);
    }

    fn peek(&self, limit: usize) -> Vec<Value> {
        let allowed = self.pending.iter().filter(|(_, kind, _)| self.is_allowed(kind));
        allowed.take(limit).map(|(id, kind, payload)| json!({ "update_id": id, *kind: payload })).collect()
    }
}

/// `getUpdates`: confirms, then waits (up to `timeout` seconds) until there is something to deliver.
pub(crate) async fn get_updates(shared: &Shared, params: &Map<String, Value>) -> Result<Value, ApiFailure> {
    let limit = params.get("limit").and_then(Value::as_i64).unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(ApiFailure::bad_request("limit must be between 1 and 100 (the fake is strict)"));
    }
    let timeout = params.get("timeout").and_then(Value::as_i64).unwrap_or(0);
    let timeout = Duration::from_secs(
        u64::try_from(timeout).map_err(|_| ApiFailure::bad_request("timeout must be positive"))?,
    );
    let allowed = params
        .get("allowed_updates")
        .and_then(Value::as_array)
        .map(|kinds| kinds.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>());
    let offset = params.get("offset").and_then(Value::as_i64);
    if shared.read(|world| world.webhooks.current.is_some()) {
        return Err(super::webhook::conflict());
    }
    let generation = shared.write(|world| {
        let updates = &mut world.updates;
        updates.poll_generation += 1;
        if let Some(offset) = offset {
            updates.confirm(offset);
        }
        if let Some(allowed) = allowed {
            updates.allowed = allowed;
        }
        updates.poll_generation
    });
    let deadline = tokio::time::Instant::now() + timeout.min(MAX_POLL);
    let mut changes = shared.subscribe();
    loop {
        changes.borrow_and_update();
        let ready = shared.read(|world| {
            if world.webhooks.current.is_some() {
                return Err(super::webhook::conflict());
            }
            if world.updates.poll_generation != generation {
                return Err(ApiFailure::conflict());
            }
            // An outage cuts long polls short; the next call then finds no listener.
            let in_outage = world.faults.in_outage(std::time::Instant::now());
            let updates = if in_outage { Vec::new() } else { world.updates.peek(limit as usize) };
            Ok((!updates.is_empty() || in_outage).then_some(updates))
        })?;
        if let Some(updates) = ready {
            return Ok(Value::Array(updates));
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return Ok(json!([])),
        }
    }
}

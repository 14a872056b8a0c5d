//! fakegram: a strict fake of the Telegram Bot API, for the end-to-end tests and the offline
//! `topicdesk demo`. It serves `/bot<token>/<method>` on 127.0.0.1 like the real service, holds a
//! small simulated world (the bot, people, private chats, forum supergroups with topics), and refuses
//! what Telegram refuses, with Telegram's words. It is stricter than Telegram where that catches our
//! own mistakes: every call is checked against the vendored Bot API spec (unknown parameters are
//! errors, not silently ignored), and every answer is checked against it too.
//!
//! Codemap, in reading order:
//! - `config`: how a world starts (bot, people, groups, rate budgets);
//! - `world`, `message`, `render`: the simulated state, the one path every message takes, its JSON;
//! - `spec`, `http`, `multipart`: the wire: decoding, the spec check, the call pipeline and log;
//! - `methods`, `sending`, `topics`, `markup`, `updates`: the simulated methods;
//! - `webhook`: `setWebhook`, `deleteWebhook`, `getWebhookInfo` and the pusher that POSTs each update;
//! - `inline`: inline mode: people typing `@bot ...`, the bot's answers, people picking a result;
//! - `business`: Telegram Business: connections, the accounts' chats, sending on their behalf;
//! - `webapp`: Mini Apps: the menu button, `web_app` buttons, signed init data for a person;
//! - `faults`: scripted errors, 429 storms, outages, rate budgets;
//! - `server`, `control`, `inspect`: starting, acting as people, looking and waiting.
//!
//! Invariants: the world is only touched under its one lock, never across an await; every write
//! wakes waiters, so nothing here (or in tests using it) waits with a bare sleep; the fake binds
//! 127.0.0.1 only.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use topicdesk::fakegram::{Draft, FakeConfig, FakeTelegram, UserSpec};
//! let fake = FakeTelegram::start(FakeConfig::default()).await?;
//! fake.add_user(UserSpec::new(42, "Ann").username("ann"))?;
//! fake.user_starts_bot(42)?;
//! fake.user_sends(42, Draft::text("my invoice is wrong"))?;
//! // point the bot at fake.api_url() with fake.token(), then:
//! let reply = fake.wait_for(std::time::Duration::from_secs(5), |world| world.last_from_bot(42).cloned()).await?;
//! # let _ = reply; Ok(()) }
//! ```

mod business;
mod config;
mod control;
mod error;
mod faults;
mod http;
mod inline;
mod inspect;
mod markup;
mod message;
mod methods;
mod multipart;
mod render;
mod sending;
mod server;
mod spec;
mod topics;
mod updates;
mod webapp;
mod webhook;
mod world;

#[cfg(test)]
mod tests;

pub use business::BusinessRights;
pub use config::{
    AdminRights, FakeConfig, GroupKind, GroupSpec, InlineMode, MemberRole, RateBudgets, UserSpec,
};
pub use control::GROUP_ANONYMOUS_BOT;
pub use error::{ControlError, WaitTimeout};
pub use faults::{CallFilter, DeletePolicy};
pub use inline::InlineAnswer;
pub use inspect::{CallRecord, CallbackAnswer, Thread};
pub use message::{Content, Draft, EditRecord, FakeMessage, ServiceEvent};
pub use server::{FakeHandle, FakeTelegram, StartError};
pub use topics::TOPIC_ICON_COLORS;
pub use webhook::{Delivery, SECRET_HEADER, post as post_to_webhook};
pub use world::{FakeTopic, World};

/// The Bot API version of the embedded spec (e.g. `Bot API 10.1`).
pub fn spec_version() -> &'static str {
    &spec::spec().version
}

//! Tests of the fake, driven through teloxide's `Bot` (so every answer is proven to decode into
//! teloxide's types) and, where teloxide cannot say it (malformed requests, 5xx, which teloxide
//! answers with a 10 s pause), through a raw HTTP/1.1 client. Every test ends with `assert_clean`:
//! no answer the fake gave broke the Bot API spec.

mod business;
mod faults;
mod inline;
mod relay;
mod strictness;
mod talk;
mod topics;
mod updates;

use std::time::Duration;

use serde_json::Value;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{Update, UpdateKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{FakeConfig, FakeHandle, FakeTelegram, GroupSpec, MemberRole, RateBudgets, UserSpec};

pub(super) const STAFF: i64 = -1_001_234_567_890;
/// A customer who has started the bot.
pub(super) const ANN: u64 = 1001;
/// A customer who never started the bot.
pub(super) const BEN: u64 = 1002;
/// An agent, member of the staff group.
pub(super) const ELI: u64 = 2001;
pub(super) const PATIENCE: Duration = Duration::from_secs(5);

/// A fake with Ann (started), Ben (not started), Eli (agent in the staff forum); budgets off.
pub(super) async fn start() -> (FakeHandle, Bot) {
    start_with(FakeConfig { rate_budgets: RateBudgets::off(), ..FakeConfig::default() }).await
}

pub(super) async fn start_with(mut config: FakeConfig) -> (FakeHandle, Bot) {
    config.users.extend([
        UserSpec::new(ANN, "Ann").username("ann").language_code("en"),
        UserSpec::new(BEN, "Ben"),
        UserSpec::new(ELI, "Eli").username("eli_agent"),
    ]);
    for group in &mut config.groups {
        if group.id == STAFF {
            group.members.push((ELI, MemberRole::Member));
        }
    }
    let fake = FakeTelegram::start(config).await.expect("the fake starts");
    fake.user_starts_bot(ANN).expect("Ann exists");
    let bot = bot_for(&fake);
    (fake, bot)
}

pub(super) fn bot_for(fake: &FakeHandle) -> Bot {
    Bot::new(fake.token()).set_api_url(fake.api_url().parse().expect("the fake's URL parses"))
}

/// Whether `getChat` says the chat is a forum (teloxide has no accessor for it).
pub(super) fn is_forum(chat: &teloxide::types::ChatFullInfo) -> bool {
    use teloxide::types::{ChatFullInfoKind, ChatFullInfoPublicKind};
    match &chat.kind {
        ChatFullInfoKind::Public(public) => {
            matches!(&public.kind, ChatFullInfoPublicKind::Supergroup(supergroup) if supergroup.is_forum)
        }
        ChatFullInfoKind::Private(_) => false,
    }
}

/// A forum group spec for the staff chat with the bot in another role.
pub(super) fn staff_with_bot(bot_role: MemberRole) -> GroupSpec {
    GroupSpec { bot_role, ..GroupSpec::staff_forum(STAFF) }
}

/// Fetches and confirms every pending update; none may fail to decode.
pub(super) async fn poll(bot: &Bot) -> Vec<Update> {
    let updates = bot.get_updates().await.expect("getUpdates answers");
    for update in &updates {
        assert!(!matches!(update.kind, UpdateKind::Error(_)), "update failed to decode: {update:?}");
    }
    if let Some(last) = updates.last() {
        bot.get_updates().offset(last.id.0 as i32 + 1).limit(1).await.expect("confirming answers");
    }
    updates
}

/// The one message a single pending update carries.
pub(super) async fn poll_message(bot: &Bot) -> teloxide::types::Message {
    let mut updates = poll(bot).await;
    assert_eq!(updates.len(), 1, "expected one update: {updates:#?}");
    match updates.remove(0).kind {
        UpdateKind::Message(message) => message,
        other => panic!("expected a message update, got {other:?}"),
    }
}

/// The description of the last call the fake answered.
pub(super) fn last_description(fake: &FakeHandle) -> Option<String> {
    fake.inspect(|world| world.calls().last().and_then(|call| call.description.clone()))
}

/// No answer of the fake broke the spec.
pub(super) fn assert_clean(fake: &FakeHandle) {
    let violations = fake.inspect(|world| world.spec_violations().to_vec());
    assert!(violations.is_empty(), "the fake broke the spec: {violations:#?}");
}

/// A raw POST to `/bot<token>/<method>`; returns the status and the JSON body.
pub(super) async fn raw(fake: &FakeHandle, method: &str, content_type: &str, body: &str) -> (u16, Value) {
    raw_path(fake, &format!("/bot{}/{method}", fake.token()), content_type, body).await
}

pub(super) async fn raw_path(fake: &FakeHandle, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    let mut stream =
        TcpStream::connect(("127.0.0.1", fake.port())).await.expect("the fake accepts connections");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("request written");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("response read");
    let status = response[9..12].parse().expect("status code");
    let (_, body) = response.split_once("\r\n\r\n").expect("headers end");
    (status, serde_json::from_str(body).expect("JSON body"))
}

/// A raw JSON call.
pub(super) async fn raw_json(fake: &FakeHandle, method: &str, body: &Value) -> (u16, Value) {
    raw(fake, method, "application/json", &body.to_string()).await
}

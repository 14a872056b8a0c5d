//! Faults on demand: scripted 500/502 answers (seen raw: teloxide pauses 10 s on any 5xx), 429
//! storms, rate budgets per private chat and per group, and outages that refuse connections until
//! the same port is bound again.

use std::time::Duration;

use serde_json::json;
use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;

use super::{ANN, PATIENCE, STAFF, assert_clean, last_description, raw_json, start, start_with};
use crate::fakegram::{CallFilter, FakeConfig, RateBudgets};

#[tokio::test]
async fn scripted_server_errors_hit_the_calls_they_name() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let send = json!({ "chat_id": ANN, "text": "hi" });
    fake.fail_next_calls(2, 500, CallFilter::Sending);
    bot.get_me().await?;
    bot.get_updates().await?;
    for _ in 0..2 {
        let (status, body) = raw_json(&fake, "sendMessage", &send).await;
        assert_eq!(
            (status, body),
            (500, json!({ "ok": false, "error_code": 500, "description": "Internal Server Error" }))
        );
    }
    assert_eq!(raw_json(&fake, "sendMessage", &send).await.0, 200);
    fake.fail_next_calls(1, 502, CallFilter::Method("getMe".to_owned()));
    assert_eq!(raw_json(&fake, "sendMessage", &send).await.0, 200);
    assert_eq!(raw_json(&fake, "getMe", &json!({})).await.0, 502);
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Gateway"));
    fake.fail_next_calls(1, 503, CallFilter::Any);
    assert_eq!(raw_json(&fake, "getUpdates", &json!({})).await.0, 503);
    assert_eq!(fake.inspect(|world| world.count_calls("sendMessage", 500)), 2);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_storm_answers_every_sending_call_with_retry_after() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    fake.rate_limit_storm(Duration::from_secs(30));
    let refused = bot.send_message(ChatId(ANN as i64), "hi").await;
    let Err(RequestError::RetryAfter(wait)) = refused else { panic!("429: {refused:?}") };
    assert!((29..=30).contains(&wait.seconds()), "{wait:?}");
    assert!(
        last_description(&fake)
            .is_some_and(|description| description.starts_with("Too Many Requests: retry after "))
    );
    assert!(bot.create_forum_topic(ChatId(STAFF), "t").await.is_err());
    assert!(bot.edit_message_text(ChatId(ANN as i64), teloxide::types::MessageId(1), "x").await.is_err());
    bot.get_me().await?;
    bot.send_chat_action(ChatId(ANN as i64), teloxide::types::ChatAction::Typing).await?;
    assert_eq!(fake.inspect(|world| world.calls().iter().filter(|call| call.status == 429).count()), 3);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn budgets_allow_one_message_a_second_per_customer_and_twenty_a_minute_per_group() -> anyhow::Result<()>
{
    let (fake, bot) = start_with(FakeConfig::default()).await;
    let first = bot.send_message(ChatId(ANN as i64), "one").await?;
    // Edits are not counted against the budgets.
    bot.edit_message_text(ChatId(ANN as i64), first.id, "one, edited").await?;
    let second = bot.send_message(ChatId(ANN as i64), "two").await;
    assert!(matches!(second, Err(RequestError::RetryAfter(wait)) if wait.seconds() == 1), "{second:?}");
    assert_eq!(last_description(&fake).as_deref(), Some("Too Many Requests: retry after 1"));
    for index in 0..20 {
        if index % 2 == 0 {
            bot.create_forum_topic(ChatId(STAFF), format!("topic {index}")).await?;
        } else {
            bot.send_message(ChatId(STAFF), format!("message {index}")).await?;
        }
    }
    let over = bot.send_message(ChatId(STAFF), "one too many").await;
    assert!(
        matches!(over, Err(RequestError::RetryAfter(wait)) if (55..=60).contains(&wait.seconds())),
        "{over:?}"
    );
    fake.set_rate_budgets(RateBudgets::off());
    bot.send_message(ChatId(STAFF), "budgets off").await?;
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn scaled_budgets_shrink_the_windows() -> anyhow::Result<()> {
    let (fake, bot) =
        start_with(FakeConfig { rate_budgets: RateBudgets::scaled(0.001), ..FakeConfig::default() }).await;
    // Private chat window: 1 ms; overall window: 1 ms for 30 calls.
    let mut admitted = 0;
    for _ in 0..3 {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while bot.send_message(ChatId(ANN as i64), "quick").await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "a 1 ms window never reopened");
        }
        admitted += 1;
    }
    assert_eq!(admitted, 3);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn an_outage_refuses_connections_then_the_same_port_answers_again() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let port = fake.port();
    super::poll(&bot).await;
    let generation = fake.inspect(|world| world.updates.poll_generation);
    let polling = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(30).await }
    });
    fake.wait_until(PATIENCE, |world| world.updates.poll_generation > generation).await?;
    fake.refuse_connections(Duration::from_millis(1500));
    // The poll in flight is cut short.
    assert!(polling.await?.is_ok_and(|updates| updates.is_empty()));
    // Connections are refused (once the listener and idle connections are gone), then accepted again.
    for wanted_up in [false, true] {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match bot.get_me().await {
                Ok(_) if wanted_up => break,
                Err(RequestError::Network(_)) if !wanted_up => break,
                Ok(_) | Err(RequestError::Network(_)) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => panic!("expected the fake {}: {other:?}", if wanted_up { "back" } else { "down" }),
            }
        }
    }
    assert_eq!(fake.port(), port);
    bot.send_message(ChatId(ANN as i64), "back").await?;
    assert_clean(&fake);
    Ok(())
}

/// The bot demoted (no right to manage topics), kicked and added back, in Telegram's words.
#[tokio::test]
async fn a_demoted_or_kicked_bot_is_refused_as_telegram_refuses_it() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let create = json!({ "chat_id": STAFF, "name": "T-000001" });
    let post = json!({ "chat_id": STAFF, "text": "hello" });
    fake.demote_bot(STAFF)?;
    let (status, body) = raw_json(&fake, "createForumTopic", &create).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({ "ok": false, "error_code": 400, "description": "Bad Request: not enough rights to create a topic" })
        )
    );
    assert_eq!(raw_json(&fake, "sendMessage", &post).await.0, 200, "a demoted bot still posts in General");
    fake.promote_bot(STAFF)?;
    assert_eq!(raw_json(&fake, "createForumTopic", &create).await.0, 200);

    fake.kick_bot(STAFF)?;
    let (status, body) = raw_json(&fake, "sendMessage", &post).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({ "ok": false, "error_code": 403, "description": "Forbidden: bot was kicked from the supergroup chat" })
        )
    );
    fake.add_bot_back(STAFF)?;
    assert_eq!(raw_json(&fake, "sendMessage", &post).await.0, 200);
    let updates = bot.get_updates().await?;
    let changes = updates
        .iter()
        .filter(|update| matches!(update.kind, teloxide::types::UpdateKind::MyChatMember(_)))
        .count();
    assert_eq!(changes, 4, "the bot hears of each change of its status");
    assert_clean(&fake);
    Ok(())
}

/// A revoked token: every method answers 401 until it is restored, or until its time is up.
#[tokio::test]
async fn a_revoked_token_is_refused_with_401_until_restored() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    fake.revoke_token();
    for method in ["getMe", "getUpdates", "sendMessage"] {
        let (status, body) = raw_json(&fake, method, &json!({ "chat_id": ANN, "text": "hi" })).await;
        assert_eq!(
            (status, body),
            (401, json!({ "ok": false, "error_code": 401, "description": "Unauthorized" })),
            "{method}"
        );
    }
    fake.restore_token();
    bot.get_me().await?;
    fake.revoke_token_for(Duration::from_millis(300));
    assert_eq!(raw_json(&fake, "getMe", &json!({})).await.0, 401);
    tokio::time::sleep(Duration::from_millis(400)).await;
    bot.get_me().await?;
    assert_clean(&fake);
    Ok(())
}

/// A late answer: the call takes effect at once, and its answer comes only after the delay.
#[tokio::test]
async fn a_late_answer_comes_after_the_call_took_effect() -> anyhow::Result<()> {
    let (fake, _bot) = start().await;
    let fake = std::sync::Arc::new(fake);
    fake.answer_next_calls_late(1, Duration::from_secs(30), CallFilter::Method("sendMessage".to_owned()));
    let sender = std::sync::Arc::clone(&fake);
    let answer = tokio::spawn(async move {
        raw_json(&sender, "sendMessage", &json!({ "chat_id": ANN, "text": "late" })).await
    });
    let sent = fake.wait_until(PATIENCE, |world| world.last_from_bot(ANN as i64).is_some()).await;
    assert!(sent.is_ok(), "the message is there before its answer");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!answer.is_finished(), "the answer is held back");
    answer.abort();
    fake.answer_on_time();
    assert_eq!(raw_json(&fake, "sendMessage", &json!({ "chat_id": ANN, "text": "on time" })).await.0, 200);
    assert_clean(&fake);
    Ok(())
}

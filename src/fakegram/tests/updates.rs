//! `getUpdates` as Telegram runs it: long polls answered as soon as something happens, offsets that
//! confirm, limits, `allowed_updates`, 409 for a second poller; `my_chat_member` on block and unblock;
//! basic groups migrating to supergroups.

use std::time::{Duration, Instant};

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, UpdateKind};
use teloxide::{ApiError, RequestError};

use super::{ANN, ELI, PATIENCE, assert_clean, last_description, poll, raw_json, start, start_with};
use crate::fakegram::{Draft, FakeConfig, GroupKind, GroupSpec, MemberRole, RateBudgets, World};

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_a_customer_writes() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let generation = fake.inspect(|world| world.updates.poll_generation);
    let started = Instant::now();
    let waiting = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(30).await }
    });
    // Only once the poll is in flight does Ann write.
    fake.wait_until(PATIENCE, |world| world.updates.poll_generation > generation).await?;
    fake.user_sends(ANN, Draft::text("hello?"))?;
    let updates = waiting.await??;
    assert!(started.elapsed() < Duration::from_secs(10), "the poll waited for its timeout");
    assert!(
        matches!(&updates[..], [update] if matches!(&update.kind, UpdateKind::Message(m) if m.text() == Some("hello?")))
    );
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn offsets_confirm_and_limits_cut() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    for text in ["one", "two", "three"] {
        fake.user_sends(ANN, Draft::text(text))?;
    }
    let two = bot.get_updates().limit(2).await?;
    assert_eq!(two.len(), 2);
    let again = bot.get_updates().await?;
    assert_eq!(again.len(), 4, "nothing is confirmed without an offset (/start and three texts)");
    let rest = bot.get_updates().offset(two[1].id.0 as i32 + 1).await?;
    assert_eq!(rest.len(), 2);
    assert_eq!(fake.inspect(World::pending_updates), 2);
    let last = bot.get_updates().offset(-1).await?;
    assert_eq!(last.iter().map(|update| update.id).collect::<Vec<_>>(), [rest[1].id]);
    assert_eq!(fake.inspect(World::pending_updates), 1);
    assert!(bot.get_updates().limit(0).await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: limit must be between 1 and 100 (the fake is strict)")
    );
    assert!(bot.get_updates().limit(101).await.is_err());
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn allowed_updates_filter_and_are_remembered() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    fake.user_blocks_bot(ANN)?;
    fake.user_unblocks_bot(ANN)?;
    let only_messages = bot.get_updates().allowed_updates([AllowedUpdate::Message]).await?;
    assert!(only_messages.is_empty());
    fake.user_blocks_bot(ANN)?;
    assert!(bot.get_updates().await?.is_empty(), "the filter is remembered");
    let everything =
        bot.get_updates().allowed_updates([AllowedUpdate::Message, AllowedUpdate::MyChatMember]).await?;
    let UpdateKind::MyChatMember(blocked) = &everything[0].kind else {
        panic!("my_chat_member: {everything:?}")
    };
    assert!(blocked.new_chat_member.kind.is_banned() && blocked.old_chat_member.kind.is_member());
    assert_eq!(blocked.from.id.0, ANN);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn block_and_unblock_reach_the_bot() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    fake.user_blocks_bot(ANN)?;
    assert!(fake.user_sends(ANN, Draft::text("hi")).is_err());
    fake.user_starts_bot(ANN)?;
    let kinds: Vec<_> = poll(&bot)
        .await
        .into_iter()
        .map(|update| match update.kind {
            UpdateKind::MyChatMember(change) => format!("{:?}", change.new_chat_member.kind.status()),
            UpdateKind::Message(message) => message.text().unwrap_or_default().to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["Banned", "Member", "/start"]);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_second_poller_terminates_the_first_with_409() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let first = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(20).await }
    });
    let generation = fake.inspect(|world| world.updates.poll_generation);
    fake.wait_until(PATIENCE, |world| world.updates.poll_generation > generation).await?;
    let second = bot.get_updates().timeout(0).await;
    assert!(second.is_ok());
    let first = first.await?;
    assert!(matches!(first, Err(RequestError::Api(ApiError::TerminatedByOtherGetUpdates))), "{first:?}");
    assert_eq!(fake.inspect(|world| world.count_calls("getUpdates", 409)), 1);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_basic_group_migrates_and_old_sends_are_redirected() -> anyhow::Result<()> {
    let basic = GroupSpec { id: -4242, kind: GroupKind::Basic, ..GroupSpec::staff_forum(-4242) }
        .member(ELI, MemberRole::Owner);
    let mut config = FakeConfig { rate_budgets: RateBudgets::off(), ..FakeConfig::default() };
    config.groups.push(basic);
    let (fake, bot) = start_with(config).await;
    poll(&bot).await;
    bot.send_message(ChatId(-4242), "hello group").await?;
    fake.migrate_group(-4242, -1_009_999)?;
    let moved = bot.send_message(ChatId(-4242), "still there?").await;
    assert!(matches!(moved, Err(RequestError::MigrateToChatId(ChatId(-1_009_999)))), "{moved:?}");
    let updates = poll(&bot).await;
    let migrations: Vec<_> = updates
        .iter()
        .filter_map(|update| match &update.kind {
            UpdateKind::Message(message) => {
                Some((message.migrate_to_chat_id().copied(), message.migrate_from_chat_id().copied()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(migrations, [(Some(ChatId(-1_009_999)), None), (None, Some(ChatId(-4242)))]);
    bot.send_message(ChatId(-1_009_999), "hello supergroup").await?;
    let (status, body) =
        raw_json(&fake, "sendMessage", &serde_json::json!({ "chat_id": -4242, "text": "x" })).await;
    assert_eq!((status, &body["parameters"]["migrate_to_chat_id"]), (400, &serde_json::json!(-1_009_999)));
    assert_clean(&fake);
    Ok(())
}

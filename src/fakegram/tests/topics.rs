//! Forum topics: creation posts `forum_topic_created`, limits on names and colours, edit/close/reopen/
//! delete, General versus topic messages (thread ids, `is_topic_message`, the topic-root reply), and
//! the start-up checks failing when the group is no forum or the bot no topic manager.

use teloxide::payloads::{CreateForumTopicSetters, EditForumTopicSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{MessageId, ReplyParameters, Rgb, ThreadId};
use teloxide::{ApiError, RequestError};

use super::{
    ELI, STAFF, assert_clean, last_description, poll, poll_message, staff_with_bot, start, start_with,
};
use crate::fakegram::{
    AdminRights, Draft, FakeConfig, GroupKind, MemberRole, RateBudgets, TOPIC_ICON_COLORS, Thread,
};

#[tokio::test]
async fn creating_a_topic_posts_its_service_message() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let topic = bot
        .create_forum_topic(ChatId(STAFF), "Ann: refund")
        .icon_color(Rgb::from_u32(TOPIC_ICON_COLORS[3]))
        .await?;
    assert_eq!((topic.name.as_str(), topic.icon_color.to_u32()), ("Ann: refund", TOPIC_ICON_COLORS[3]));
    let thread_id = topic.thread_id.0.0;
    let created =
        fake.inspect(|world| world.message(STAFF, thread_id).map(|message| world.message_json(message)));
    let decoded: teloxide::types::Message =
        serde_json::from_value(created.expect("the service message exists"))?;
    assert_eq!(decoded.forum_topic_created().map(|created| created.name.as_str()), Some("Ann: refund"));
    assert_eq!((decoded.thread_id, decoded.is_topic_message), (Some(topic.thread_id), true));
    let listed = fake.inspect(|world| {
        world.topics(STAFF).iter().map(|topic| (topic.name.clone(), topic.closed)).collect::<Vec<_>>()
    });
    assert_eq!(listed, [("Ann: refund".to_owned(), false)]);
    assert!(bot.create_forum_topic(ChatId(STAFF), "").await.is_err());
    assert!(bot.create_forum_topic(ChatId(STAFF), "x".repeat(129)).await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: topic name must be at most 128 characters")
    );
    bot.create_forum_topic(ChatId(STAFF), "x".repeat(128)).await?;
    assert!(
        bot.create_forum_topic(ChatId(STAFF), "odd colour")
            .icon_color(Rgb::from_u32(0x12_3456))
            .await
            .is_err()
    );
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: TOPIC_ICON_COLOR_INVALID"));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn general_and_topic_messages_look_like_telegram_s() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let thread = bot.create_forum_topic(ChatId(STAFF), "Ann: refund").await?.thread_id;
    let in_topic = bot.send_message(ChatId(STAFF), "card").message_thread_id(thread).await?;
    assert_eq!((in_topic.thread_id, in_topic.is_topic_message), (Some(thread), true));
    fake.send_as(ELI, STAFF, Draft::text("on it").in_topic(thread.0.0))?;
    let agent = poll_message(&bot).await;
    assert_eq!((agent.thread_id, agent.is_topic_message), (Some(thread), true));
    // A topic message that replies to nothing replies to the topic's creation, as on Telegram.
    assert_eq!(agent.reply_to_message().map(|root| root.id), Some(thread.0));
    let general = fake.send_as(ELI, STAFF, Draft::text("lunch?"))?;
    let message = poll_message(&bot).await;
    assert_eq!(
        (message.thread_id, message.is_topic_message, message.reply_to_message().is_none()),
        (None, false, true)
    );
    fake.send_as(ELI, STAFF, Draft::text("yes").replying_to(general))?;
    let reply = poll_message(&bot).await;
    // A reply in General has a thread id but is no topic message: trust `is_topic_message` only.
    assert_eq!((reply.thread_id, reply.is_topic_message), (Some(ThreadId(MessageId(general))), false));
    fake.send_as(ELI, STAFF, Draft::text("quoting the card").replying_to(in_topic.id.0))?;
    let topic_reply = poll_message(&bot).await;
    assert_eq!(
        (topic_reply.thread_id, topic_reply.reply_to_message().map(|m| m.id)),
        (Some(thread), Some(in_topic.id))
    );
    let in_thread = fake.inspect(|world| world.thread_messages(STAFF, Thread::Topic(thread.0.0)).len());
    assert_eq!(in_thread, 4);
    let replied = bot
        .send_message(ChatId(STAFF), "x")
        .message_thread_id(thread)
        .reply_parameters(ReplyParameters::new(MessageId(general)))
        .await;
    assert!(matches!(replied, Err(RequestError::Api(ApiError::MessageToReplyNotFound))), "{replied:?}");
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn topics_are_edited_closed_reopened_and_deleted() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let thread = bot.create_forum_topic(ChatId(STAFF), "Ann: refund").await?.thread_id;
    bot.edit_forum_topic(ChatId(STAFF), thread).name("[taken] Ann: refund").await?;
    assert!(bot.edit_forum_topic(ChatId(STAFF), thread).name("[taken] Ann: refund").await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: TOPIC_NOT_MODIFIED"));
    bot.close_forum_topic(ChatId(STAFF), thread).await?;
    assert!(bot.close_forum_topic(ChatId(STAFF), thread).await.is_err());
    assert!(fake.send_as(ELI, STAFF, Draft::text("closed?").in_topic(thread.0.0)).is_err());
    // The bot, a topic manager, may still post into a closed topic.
    bot.send_message(ChatId(STAFF), "closed by the desk").message_thread_id(thread).await?;
    bot.reopen_forum_topic(ChatId(STAFF), thread).await?;
    let topic = fake.inspect(|world| world.topic(STAFF, thread.0.0).cloned()).expect("topic");
    assert_eq!((topic.name.as_str(), topic.closed), ("[taken] Ann: refund", false));
    let kinds = fake.inspect(|world| world.thread_messages(STAFF, Thread::Topic(thread.0.0)).len());
    assert_eq!(kinds, 5, "created, edited, closed, a message, reopened");
    bot.delete_forum_topic(ChatId(STAFF), thread).await?;
    assert!(fake.inspect(|world| world.thread_messages(STAFF, Thread::Topic(thread.0.0)).is_empty()));
    let lost = bot.send_message(ChatId(STAFF), "hello?").message_thread_id(thread).await;
    let Err(RequestError::Api(ApiError::Unknown(description))) = lost else {
        panic!("thread not found: {lost:?}")
    };
    assert_eq!(description, "Bad Request: message thread not found");
    assert!(bot.close_forum_topic(ChatId(STAFF), thread).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: TOPIC_ID_INVALID"));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_topic_deleted_by_hand_or_never_created_is_not_found() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let thread = bot.create_forum_topic(ChatId(STAFF), "Ann: refund").await?.thread_id;
    fake.delete_topic(STAFF, thread.0.0)?;
    assert!(fake.inspect(|world| world.topic(STAFF, thread.0.0).is_some_and(|topic| topic.deleted)));
    for thread in [thread, ThreadId(MessageId(777)), ThreadId(MessageId(1))] {
        assert!(bot.send_message(ChatId(STAFF), "hello?").message_thread_id(thread).await.is_err());
        assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message thread not found"));
    }
    assert!(fake.delete_topic(STAFF, thread.0.0).is_err());
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn start_up_checks_can_fail_no_forum_or_no_rights() -> anyhow::Result<()> {
    let plain_group = crate::fakegram::GroupSpec {
        kind: GroupKind::Supergroup,
        ..staff_with_bot(MemberRole::administrator())
    };
    let config =
        FakeConfig { groups: vec![plain_group], rate_budgets: RateBudgets::off(), ..FakeConfig::default() };
    let (fake, bot) = start_with(config).await;
    assert!(!super::is_forum(&bot.get_chat(ChatId(STAFF)).await?));
    assert!(bot.create_forum_topic(ChatId(STAFF), "t").await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: the chat is not a forum"));
    assert_clean(&fake);

    let no_topics =
        AdminRights { can_manage_topics: false, can_delete_messages: true, can_pin_messages: true };
    let config = FakeConfig {
        groups: vec![staff_with_bot(MemberRole::Administrator(no_topics))],
        rate_budgets: RateBudgets::off(),
        ..FakeConfig::default()
    };
    let (fake, bot) = start_with(config).await;
    let me = bot.get_me().await?;
    let member = bot.get_chat_member(ChatId(STAFF), me.id).await?;
    let teloxide::types::ChatMemberKind::Administrator(rights) = member.kind else {
        panic!("admin: {member:?}")
    };
    assert!(!rights.can_manage_topics);
    assert!(bot.create_forum_topic(ChatId(STAFF), "t").await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: not enough rights to create a topic"));

    let config = FakeConfig {
        groups: vec![staff_with_bot(MemberRole::Member)],
        rate_budgets: RateBudgets::off(),
        ..FakeConfig::default()
    };
    let (fake, bot) = start_with(config).await;
    assert!(!bot.get_chat_member(ChatId(STAFF), me.id).await?.is_privileged());
    fake.set_member(STAFF, me.id.0, MemberRole::Left)?;
    assert!(bot.send_message(ChatId(STAFF), "hi").await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Forbidden: bot is not a member of the supergroup chat")
    );
    assert_clean(&fake);
    Ok(())
}

//! The bot and the people: identity and chat lookups, sending to customers (started, not started,
//! blocked), replies, inline keyboards and button presses, edits, deletion, pins, chat actions.

use std::time::Duration;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters, SetMyCommandsSetters};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ChatAction, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ReplyParameters,
    UpdateKind,
};

use super::{ANN, BEN, ELI, STAFF, assert_clean, last_description, poll, poll_message, start};
use crate::fakegram::{DeletePolicy, Draft};

fn keyboard(data: &[&str]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([data
        .iter()
        .map(|data| InlineKeyboardButton::callback(data.to_uppercase(), *data))])
}

#[tokio::test]
async fn the_bot_knows_itself_its_chats_and_their_members() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let me = bot.get_me().await?;
    assert_eq!((me.username(), me.id.0), ("topicdesk_bot", 123_456_789));
    let staff = bot.get_chat(ChatId(STAFF)).await?;
    assert!(staff.is_supergroup() && super::is_forum(&staff));
    let ann = bot.get_chat(ChatId(ANN as i64)).await?;
    assert_eq!((ann.is_private(), ann.username()), (true, Some("ann")));
    let member = bot.get_chat_member(ChatId(STAFF), me.id).await?;
    let teloxide::types::ChatMemberKind::Administrator(rights) = member.kind else { panic!("bot is admin") };
    assert!(rights.can_manage_topics);
    assert!(bot.get_chat_member(ChatId(STAFF), UserId(ELI)).await?.is_member());
    assert!(bot.get_chat_member(ChatId(STAFF), UserId(BEN)).await?.is_left());
    let admins = bot.get_chat_administrators(ChatId(STAFF)).await?;
    assert_eq!(admins.iter().map(|admin| admin.user.id).collect::<Vec<_>>(), [me.id]);
    let commands = [BotCommand::new("start", "Open a ticket"), BotCommand::new("close", "Close this ticket")];
    bot.set_my_commands(commands).language_code("en").await?;
    assert_eq!(fake.inspect(|world| world.commands("default").len()), 2);
    let wrong = bot.set_my_commands([BotCommand::new("Close-It", "no")]).await;
    assert!(matches!(wrong, Err(RequestError::Api(ApiError::Unknown(_)))));
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BOT_COMMAND_INVALID"));
    bot.delete_webhook().drop_pending_updates(true).await?;
    bot.send_chat_action(ChatId(ANN as i64), ChatAction::Typing).await?;
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn only_customers_who_started_and_did_not_block_can_be_written_to() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let sent = bot.send_message(ChatId(ANN as i64), "Hello Ann").await?;
    assert_eq!(
        (sent.text(), sent.chat.id.0, sent.from.as_ref().map(|from| from.is_bot)),
        (Some("Hello Ann"), ANN as i64, Some(true))
    );
    let seen = fake.inspect(|world| world.last_from_bot(ANN as i64).and_then(|message| message.text.clone()));
    assert_eq!(seen.as_deref(), Some("Hello Ann"));
    assert!(bot.send_message(ChatId(BEN as i64), "Hi").await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Forbidden: bot can't initiate conversation with a user")
    );
    fake.user_blocks_bot(ANN)?;
    let blocked = bot.send_message(ChatId(ANN as i64), "Still there?").await;
    assert!(matches!(blocked, Err(RequestError::Api(ApiError::BotBlocked))), "{blocked:?}");
    let unknown = bot.send_message(ChatId(424_242), "Anyone?").await;
    assert!(matches!(unknown, Err(RequestError::Api(ApiError::ChatNotFound))), "{unknown:?}");
    assert_eq!(fake.inspect(|world| world.count_calls("sendMessage", 403)), 2);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn replies_need_the_replied_message() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let question = fake.user_sends(ANN, Draft::text("Where is my refund?"))?;
    let answer = bot
        .send_message(ChatId(ANN as i64), "On its way")
        .reply_parameters(ReplyParameters::new(MessageId(question)))
        .await?;
    assert_eq!(answer.reply_to_message().map(|replied| replied.id.0), Some(question));
    let missing = bot
        .send_message(ChatId(ANN as i64), "?")
        .reply_parameters(ReplyParameters::new(MessageId(999)))
        .await;
    assert!(matches!(missing, Err(RequestError::Api(ApiError::MessageToReplyNotFound))), "{missing:?}");
    let tolerant = ReplyParameters::new(MessageId(999)).allow_sending_without_reply();
    let sent = bot.send_message(ChatId(ANN as i64), "anyway").reply_parameters(tolerant).await?;
    assert!(sent.reply_to_message().is_none());
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn buttons_pressed_reach_the_bot_once_and_answers_are_recorded() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let prompt = bot
        .send_message(ChatId(ANN as i64), "Category?")
        .reply_markup(keyboard(&["billing", "tech"]))
        .await?;
    assert_eq!(
        fake.inspect(|world| world
            .message(ANN as i64, prompt.id.0)
            .map(|message| message.callback_data().len())),
        Some(2)
    );
    poll(&bot).await;
    let query_id = fake.press_button(ANN, ANN as i64, prompt.id.0, "tech")?;
    assert!(fake.press_button(ANN, ANN as i64, prompt.id.0, "sales").is_err());
    let updates = poll(&bot).await;
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else { panic!("a callback query: {updates:?}") };
    assert_eq!(
        (query.id.0.as_str(), query.data.as_deref(), query.from.id.0),
        (query_id.as_str(), Some("tech"), ANN)
    );
    assert_eq!(query.regular_message().map(|message| message.id), Some(prompt.id));
    bot.answer_callback_query(query.id.clone()).text("Noted").await?;
    let again = bot.answer_callback_query(query.id.clone()).await;
    assert!(matches!(again, Err(RequestError::Api(ApiError::InvalidQueryId))), "{again:?}");
    let answers = fake.inspect(|world| world.callback_answers().to_vec());
    assert_eq!((answers.len(), answers[0].text.as_deref(), answers[0].user_id), (1, Some("Noted"), ANN));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn edits_keep_history_and_identical_edits_are_refused() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let card = bot.send_message(ChatId(STAFF), "Ticket #1: open").reply_markup(keyboard(&["take"])).await?;
    let edited = bot
        .edit_message_text(ChatId(STAFF), card.id, "Ticket #1: taken")
        .reply_markup(keyboard(&["take"]))
        .await?;
    assert_eq!((edited.text(), edited.edit_date().is_some()), (Some("Ticket #1: taken"), true));
    let same = bot
        .edit_message_text(ChatId(STAFF), card.id, "Ticket #1: taken")
        .reply_markup(keyboard(&["take"]))
        .await;
    assert!(matches!(same, Err(RequestError::Api(ApiError::MessageNotModified))), "{same:?}");
    // Without reply_markup, Telegram drops the keyboard.
    let plain = bot.edit_message_text(ChatId(STAFF), card.id, "Ticket #1: taken").await?;
    assert!(plain.reply_markup().is_none());
    let buttons =
        bot.edit_message_reply_markup(ChatId(STAFF), card.id).reply_markup(keyboard(&["close"])).await?;
    assert_eq!(buttons.reply_markup().map(|markup| markup.inline_keyboard.len()), Some(1));
    let history = fake.inspect(|world| world.message(STAFF, card.id.0).map(|message| message.edits.len()));
    assert_eq!(history, Some(3));
    let theirs = fake.send_as(ELI, STAFF, Draft::text("mine"))?;
    let refused = bot.edit_message_text(ChatId(STAFF), MessageId(theirs), "hijack").await;
    assert!(matches!(refused, Err(RequestError::Api(ApiError::MessageCantBeEdited))), "{refused:?}");
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn people_edit_their_messages_and_the_bot_hears_of_it() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let message_id = fake.user_sends(ANN, Draft::text("my invoce"))?;
    poll(&bot).await;
    fake.edit_as(ANN, ANN as i64, message_id, "my invoice")?;
    let updates = poll(&bot).await;
    let UpdateKind::EditedMessage(edited) = &updates[0].kind else { panic!("an edit: {updates:?}") };
    assert_eq!(
        (edited.id.0, edited.text(), edited.edit_date().is_some()),
        (message_id, Some("my invoice"), true)
    );
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn deletion_is_refused_after_48_hours_or_when_told_to() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let fresh = bot.send_message(ChatId(ANN as i64), "one").await?;
    bot.delete_message(ChatId(ANN as i64), fresh.id).await?;
    assert!(
        fake.inspect(|world| world.message(ANN as i64, fresh.id.0).is_some_and(|message| message.deleted))
    );
    let gone = bot.delete_message(ChatId(ANN as i64), fresh.id).await;
    assert!(matches!(gone, Err(RequestError::Api(ApiError::MessageToDeleteNotFound))), "{gone:?}");
    let old = bot.send_message(ChatId(ANN as i64), "two").await?;
    fake.advance_clock(Duration::from_hours(49));
    assert!(bot.delete_message(ChatId(ANN as i64), old.id).await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: message can't be deleted for everyone")
    );
    let recent = bot.send_message(ChatId(ANN as i64), "three").await?;
    fake.set_delete_policy(DeletePolicy::Refuse);
    assert!(bot.delete_message(ChatId(ANN as i64), recent.id).await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: message can't be deleted for everyone")
    );
    fake.set_delete_policy(DeletePolicy::Normal);
    bot.delete_message(ChatId(ANN as i64), recent.id).await?;
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn pins_post_a_service_message_and_unpin_undoes_them() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let card = bot.send_message(ChatId(STAFF), "Rules of the desk").await?;
    bot.pin_chat_message(ChatId(STAFF), card.id).await?;
    assert_eq!(fake.inspect(|world| world.pinned(STAFF).to_vec()), [card.id.0]);
    let service = fake.inspect(|world| world.messages(STAFF).last().map(|message| message.content.kind()));
    assert_eq!(service, Some("service"));
    bot.unpin_chat_message(ChatId(STAFF)).await?;
    assert!(fake.inspect(|world| world.pinned(STAFF).is_empty()));
    // The pin service message, as a person's message would be, decodes as teloxide's `Pinned`.
    let pinned_json = fake.inspect(|world| {
        let service = world.messages(STAFF).last().map(|message| world.message_json(message));
        service.expect("a service message")
    });
    let decoded: teloxide::types::Message = serde_json::from_value(pinned_json)?;
    assert_eq!(decoded.pinned_message().map(teloxide::types::MaybeInaccessibleMessage::id), Some(card.id));
    assert!(poll_message_is_none(&bot).await);
    assert_clean(&fake);
    Ok(())
}

/// The bot's own actions produce no updates.
async fn poll_message_is_none(bot: &Bot) -> bool {
    poll(bot).await.iter().all(|update| !matches!(update.kind, UpdateKind::Message(_)))
}

#[tokio::test]
async fn the_start_command_arrives_as_a_bot_command() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let start = poll_message(&bot).await;
    assert_eq!((start.text(), start.from.as_ref().map(|from| from.id.0)), (Some("/start"), Some(ANN)));
    let entity = start.entities().and_then(|entities| entities.first()).map(|entity| entity.kind.clone());
    assert_eq!(entity, Some(teloxide::types::MessageEntityKind::BotCommand));
    assert_eq!(start.from.and_then(|from| from.language_code).as_deref(), Some("en"));
    assert_clean(&fake);
    Ok(())
}

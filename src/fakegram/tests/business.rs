//! Telegram Business: a connection arrives and is read back, a customer writes to the account and
//! the bot answers on its behalf (text, a photo by file id, an album), the owner's own answers come
//! as updates too, rights and the 24-hour window are enforced with Telegram's words, a disabled
//! connection delivers nothing, business messages cannot be copied or forwarded, read marks.

use std::time::Duration;

use serde_json::json;
use teloxide::payloads::{
    EditMessageCaptionSetters, EditMessageReplyMarkupSetters, EditMessageTextSetters, SendMediaGroupSetters,
    SendMessageSetters, SendPhotoSetters,
};
use teloxide::prelude::*;
use teloxide::types::{
    BusinessConnectionId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto,
    MessageId, MessageKind, UpdateKind,
};

use super::{ANN, BEN, assert_clean, last_description, poll, raw_json, start};
use crate::fakegram::{BusinessRights, Content, Draft, FakeHandle, UserSpec};

/// The company's own account, which connects the bot.
const ACME: u64 = 3001;

async fn connected(rights: BusinessRights) -> anyhow::Result<(FakeHandle, Bot, BusinessConnectionId)> {
    let (fake, bot) = start().await;
    fake.add_user(UserSpec::new(ACME, "Acme Support").username("acme_support"))?;
    poll(&bot).await;
    let id = fake.connect_business(ACME, rights)?;
    Ok((fake, bot, BusinessConnectionId(id)))
}

/// The connection a message belongs to (teloxide keeps it on common messages only).
fn connection_of(message: &Message) -> Option<&BusinessConnectionId> {
    match &message.kind {
        MessageKind::Common(common) => common.business_connection_id.as_ref(),
        _ => None,
    }
}

/// The business messages among the pending updates (confirmed).
async fn business_messages(bot: &Bot) -> Vec<Message> {
    let updates = poll(bot).await;
    updates
        .into_iter()
        .filter_map(|update| match update.kind {
            UpdateKind::BusinessMessage(message) => Some(message),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_connection_arrives_changes_and_is_read_back() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    let updates = poll(&bot).await;
    let [update] = updates.as_slice() else { panic!("one update: {updates:#?}") };
    let UpdateKind::BusinessConnection(connection) = &update.kind else { panic!("{update:?}") };
    assert_eq!((&connection.id, connection.user.id.0, connection.is_enabled), (&id, ACME, true));
    assert!(connection.rights.as_ref().is_some_and(|rights| rights.can_reply && rights.can_read_messages));
    assert_eq!(bot.get_business_connection(id.clone()).await?, *connection);

    fake.set_business_rights(&id.0, BusinessRights::read_only())?;
    fake.set_business_enabled(&id.0, false)?;
    let kinds: Vec<(bool, bool)> = poll(&bot)
        .await
        .into_iter()
        .filter_map(|update| match update.kind {
            UpdateKind::BusinessConnection(connection) => {
                Some((connection.rights.is_some_and(|rights| rights.can_reply), connection.is_enabled))
            }
            _ => None,
        })
        .collect();
    assert_eq!(kinds, [(false, true), (false, false)]);
    let disabled = bot.get_business_connection(id.clone()).await?;
    assert!(!disabled.is_enabled, "getBusinessConnection answers for a disabled connection too");

    let unknown = bot.get_business_connection(BusinessConnectionId("nope".to_owned())).await;
    assert!(unknown.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUSINESS_CONNECTION_INVALID"));
    // Connecting again keeps the id and enables it.
    assert_eq!(fake.connect_business(ACME, BusinessRights::full())?, id.0);
    assert!(bot.get_business_connection(id).await?.is_enabled);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn the_bot_answers_a_customer_on_the_accounts_behalf() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    poll(&bot).await;
    // Ben never started the bot: he writes to the company's account.
    let asked = fake.customer_writes_to_business(&id.0, BEN, Draft::text("where is my order?"))?;
    let [message] = business_messages(&bot).await.try_into().expect("one business message");
    assert_eq!(
        (message.id.0, message.chat.id.0, message.from.as_ref().map(|from| from.id.0)),
        (asked, BEN as i64, Some(BEN))
    );
    assert_eq!(connection_of(&message), Some(&id));
    assert_eq!(message.text(), Some("where is my order?"));

    // Without the connection the bot cannot write to him at all.
    assert!(bot.send_message(ChatId(BEN as i64), "hi").await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Forbidden: bot can't initiate conversation with a user")
    );
    let answer = bot
        .send_message(ChatId(BEN as i64), "It ships today.")
        .business_connection_id(id.clone())
        .reply_markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Thanks", "t")]]))
        .await?;
    assert_eq!(answer.from.as_ref().map(|from| from.id.0), Some(ACME), "shown from the account");
    assert_eq!(
        answer.sender_business_bot.as_ref().map(|bot| bot.id.0),
        Some(fake.inspect(crate::fakegram::World::bot_id))
    );
    assert_eq!(connection_of(&answer), Some(&id));

    // A photo from the customer, sent back by its file id; an album by sendMediaGroup.
    fake.customer_writes_to_business(&id.0, BEN, Draft::photo().caption("the label"))?;
    let [photo] = business_messages(&bot).await.try_into().expect("one photo");
    let file_id =
        photo.photo().and_then(|sizes| sizes.last()).map(|size| size.file.id.clone()).expect("sizes");
    bot.send_photo(ChatId(BEN as i64), InputFile::file_id(file_id.clone()))
        .caption("this one?")
        .business_connection_id(id.clone())
        .await?;
    let media = [file_id.clone(), file_id.clone()]
        .map(|file| InputMedia::Photo(InputMediaPhoto::new(InputFile::file_id(file))));
    let album = bot.send_media_group(ChatId(BEN as i64), media).business_connection_id(id.clone()).await?;
    assert_eq!(album.len(), 2);
    assert!(album.iter().all(|part| part.media_group_id().is_some() && connection_of(part) == Some(&id)));

    // The owner answers from their own app: the bot sees that as a business message from the owner.
    fake.owner_writes_in_business(&id.0, BEN, Draft::text("I checked, it left the warehouse"))?;
    let [own] = business_messages(&bot).await.try_into().expect("the owner's answer");
    assert_eq!((own.from.as_ref().map(|from| from.id.0), own.chat.id.0), (Some(ACME), BEN as i64));
    assert!(own.sender_business_bot.is_none());

    let chat = fake.inspect(|world| {
        world.business_messages(&id.0, BEN).iter().map(|m| (m.from, m.content.kind())).collect::<Vec<_>>()
    });
    let expected = [
        (BEN, "text"),
        (ACME, "text"),
        (BEN, "photo"),
        (ACME, "photo"),
        (ACME, "photo"),
        (ACME, "photo"),
        (ACME, "text"),
    ];
    assert_eq!(chat, expected);
    assert!(
        fake.inspect(|world| world.messages(BEN as i64).is_empty()),
        "the bot's own chat with Ben is apart"
    );

    // A press on the account's message reaches the bot with the connection named.
    fake.press_business_button(&id.0, BEN, answer.id.0, "t")?;
    let updates = poll(&bot).await;
    let [update] = updates.as_slice() else { panic!("{updates:#?}") };
    let UpdateKind::CallbackQuery(query) = &update.kind else { panic!("{update:?}") };
    let pressed = query.regular_message().expect("the message");
    assert_eq!((pressed.id, connection_of(pressed)), (answer.id, Some(&id)));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn rights_the_24_hour_window_and_disabling_are_enforced() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::read_only()).await?;
    fake.customer_writes_to_business(&id.0, ANN, Draft::text("hello?"))?;
    poll(&bot).await;
    let reply = || bot.send_message(ChatId(ANN as i64), "hi").business_connection_id(id.clone());
    assert!(reply().await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Forbidden: BOT_ACCESS_FORBIDDEN"));

    fake.set_business_rights(&id.0, BusinessRights::full())?;
    reply().await?;
    fake.advance_clock(Duration::from_hours(23));
    reply().await?;
    fake.advance_clock(Duration::from_hours(2));
    assert!(reply().await.is_err(), "25 hours after the customer's last message");
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUSINESS_PEER_USAGE_MISSING"));
    // The owner writing does not open the window; the customer writing does.
    fake.owner_writes_in_business(&id.0, ANN, Draft::text("are you there?"))?;
    assert!(reply().await.is_err());
    fake.customer_writes_to_business(&id.0, ANN, Draft::text("yes"))?;
    reply().await?;
    // A chat the customer never opened with the account.
    let never = bot.send_message(ChatId(BEN as i64), "hi").business_connection_id(id.clone()).await;
    assert!(never.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: chat not found"));

    poll(&bot).await;
    fake.set_business_enabled(&id.0, false)?;
    let written = fake.customer_writes_to_business(&id.0, ANN, Draft::text("anyone?"))?;
    assert!(business_messages(&bot).await.is_empty(), "a disabled connection delivers nothing");
    assert!(
        fake.inspect(|world| world.business_messages(&id.0, ANN).iter().any(|m| m.message_id == written))
    );
    assert!(reply().await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUSINESS_CONNECTION_INVALID"));
    fake.set_business_enabled(&id.0, true)?;
    reply().await?;
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn business_messages_cannot_be_copied_or_forwarded() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    let sent = fake.customer_writes_to_business(&id.0, BEN, Draft::text("copy me"))?;
    poll(&bot).await;
    for method in ["copyMessage", "forwardMessage"] {
        let params = json!({
            "chat_id": ANN, "from_chat_id": BEN, "message_id": sent, "business_connection_id": id.0,
        });
        let (status, body) = raw_json(&fake, method, &params).await;
        assert_eq!(status, 400);
        assert_eq!(
            body["description"],
            format!(
                "Bad Request: parameter \"business_connection_id\" is unknown to {method} (the fake is strict)"
            )
        );
    }
    // `from_chat_id` is the bot's own chat with Ben, which holds no such message.
    assert!(bot.copy_message(ChatId(ANN as i64), ChatId(BEN as i64), MessageId(sent)).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message to copy not found"));
    assert!(bot.forward_message(ChatId(ANN as i64), ChatId(BEN as i64), MessageId(sent)).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message to forward not found"));

    let answer = bot.send_message(ChatId(BEN as i64), "ok").business_connection_id(id.clone()).await?;
    let pin = json!({ "chat_id": BEN, "message_id": answer.id.0, "business_connection_id": id.0 });
    let (status, body) = raw_json(&fake, "pinChatMessage", &pin).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: business_connection_id on pinChatMessage is not simulated by the fake"
    );
    assert_clean(&fake);
    Ok(())
}

/// The bot edits what it sent through the connection (text, caption, keyboard), with the rights
/// and the 24-hour window sending needs; the customer's and the owner's messages are not its to
/// edit, nor is a business message reachable without the connection.
#[tokio::test]
async fn the_bots_business_messages_are_edited_through_the_connection() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    let theirs = fake.customer_writes_to_business(&id.0, BEN, Draft::text("help"))?;
    let owners = fake.owner_writes_in_business(&id.0, BEN, Draft::text("one moment"))?;
    let file = InputFile::file_id(teloxide::types::FileId(photo_id(&fake, &id.0)));
    poll(&bot).await;
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Yes", "yes")]]);
    let chat = ChatId(BEN as i64);
    let answer =
        bot.send_message(chat, "ok").business_connection_id(id.clone()).reply_markup(keyboard).await?;
    let photo = bot.send_photo(chat, file).caption("before").business_connection_id(id.clone()).await?;

    bot.edit_message_reply_markup(chat, answer.id).business_connection_id(id.clone()).await?;
    let edited =
        bot.edit_message_text(chat, answer.id, "ok, edited").business_connection_id(id.clone()).await?;
    assert_eq!((edited.text(), connection_of(&edited)), (Some("ok, edited"), Some(&id)));
    bot.edit_message_caption(chat, photo.id).caption("after").business_connection_id(id.clone()).await?;
    fake.inspect(|world| {
        let messages = world.business_messages(&id.0, BEN);
        let find = |wanted| messages.iter().find(|m| m.message_id == wanted).expect("the message");
        let (text, caption) = (find(answer.id.0), find(photo.id.0));
        assert_eq!((text.text.as_deref(), text.reply_markup.is_none()), (Some("ok, edited"), true));
        assert!(text.edit_date.is_some());
        assert_eq!(caption.text.as_deref(), Some("after"));
    });
    assert!(poll(&bot).await.is_empty(), "the bot's own edits come back as no update");

    // Not the bot's: the customer's message, the owner's own answer.
    for other in [theirs, owners] {
        let edit =
            bot.edit_message_text(chat, MessageId(other), "x").business_connection_id(id.clone()).await;
        assert!(edit.is_err());
        assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message can't be edited"));
    }
    // Without the connection the edit goes to the bot's own chat with Ben, who never started it.
    assert!(bot.edit_message_text(chat, answer.id, "x").await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Forbidden: bot can't initiate conversation with a user")
    );

    let edit = || bot.edit_message_text(chat, answer.id, "again").business_connection_id(id.clone());
    fake.set_business_rights(&id.0, BusinessRights::read_only())?;
    assert!(edit().await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Forbidden: BOT_ACCESS_FORBIDDEN"));
    fake.set_business_rights(&id.0, BusinessRights::full())?;
    fake.advance_clock(Duration::from_hours(25));
    assert!(edit().await.is_err(), "25 hours after the customer's last message");
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUSINESS_PEER_USAGE_MISSING"));
    fake.customer_writes_to_business(&id.0, BEN, Draft::text("still there?"))?;
    fake.set_business_enabled(&id.0, false)?;
    assert!(edit().await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUSINESS_CONNECTION_INVALID"));
    fake.set_business_enabled(&id.0, true)?;
    edit().await?;
    assert_clean(&fake);
    Ok(())
}

/// A photo's file id the fake knows: one the customer sent to the account.
fn photo_id(fake: &FakeHandle, id: &str) -> String {
    let sent = fake.customer_writes_to_business(id, BEN, Draft::photo()).expect("a photo");
    fake.inspect(|world| {
        let messages = world.business_messages(id, BEN);
        let message = messages.iter().find(|m| m.message_id == sent).expect("the photo");
        match &message.content {
            Content::Photo { file_id } => file_id.clone(),
            other => panic!("{other:?}"),
        }
    })
}

#[tokio::test]
async fn a_customers_edits_and_deletions_reach_the_bot_while_enabled() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    let first = fake.customer_writes_to_business(&id.0, BEN, Draft::text("my order 12"))?;
    let second = fake.customer_writes_to_business(&id.0, BEN, Draft::text("never mind"))?;
    poll(&bot).await;
    fake.customer_edits_in_business(&id.0, BEN, first, "my order 13")?;
    let updates = poll(&bot).await;
    let [edited] = updates.as_slice() else { panic!("{updates:#?}") };
    let UpdateKind::EditedBusinessMessage(edited) = &edited.kind else { panic!("{edited:?}") };
    assert_eq!((edited.id.0, edited.text(), connection_of(edited)), (first, Some("my order 13"), Some(&id)));
    assert!(edited.edit_date().is_some());
    // Read on the wire: teloxide 0.13 reads `message_ids` as objects, not the spec's integers.
    fake.customer_deletes_in_business(&id.0, BEN, &[second])?;
    let (status, body) = raw_json(&fake, "getUpdates", &json!({})).await;
    assert_eq!(status, 200);
    let deleted = &body["result"][0]["deleted_business_messages"];
    assert_eq!(
        (&deleted["business_connection_id"], &deleted["chat"]["id"], &deleted["message_ids"]),
        (&json!(id.0), &json!(BEN), &json!([second]))
    );
    let confirm = body["result"][0]["update_id"].as_i64().expect("an update id") + 1;
    raw_json(&fake, "getUpdates", &json!({ "offset": confirm })).await;
    assert_eq!(fake.inspect(|world| world.business_messages(&id.0, BEN).len()), 1);
    // The owner's messages are not the customer's to edit; a disabled connection tells nothing.
    let own = fake.owner_writes_in_business(&id.0, BEN, Draft::text("ok"))?;
    assert!(fake.customer_edits_in_business(&id.0, BEN, own, "changed").is_err());
    fake.set_business_enabled(&id.0, false)?;
    poll(&bot).await;
    fake.customer_edits_in_business(&id.0, BEN, first, "my order 14")?;
    assert!(poll(&bot).await.is_empty());
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn incoming_business_messages_are_marked_read_with_the_right() -> anyhow::Result<()> {
    let (fake, bot, id) = connected(BusinessRights::full()).await?;
    let earlier = fake.customer_writes_to_business(&id.0, BEN, Draft::text("hello?"))?;
    let incoming = fake.customer_writes_to_business(&id.0, BEN, Draft::text("hi"))?;
    let outgoing = fake.owner_writes_in_business(&id.0, BEN, Draft::text("hello"))?;
    let later = fake.customer_writes_to_business(&id.0, BEN, Draft::text("thanks"))?;
    bot.read_business_message(id.clone(), ChatId(BEN as i64), MessageId(incoming)).await?;
    // The message and every earlier one of the chat are read; a later one is not.
    let read = |message_id| fake.inspect(|world| world.business_read(&id.0, BEN, message_id));
    assert_eq!((read(earlier), read(incoming), read(later)), (true, true, false));
    assert!(bot.read_business_message(id.clone(), ChatId(BEN as i64), MessageId(outgoing)).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: MESSAGE_ID_INVALID"));

    fake.set_business_rights(&id.0, BusinessRights { can_reply: true, can_read_messages: false })?;
    assert!(bot.read_business_message(id.clone(), ChatId(BEN as i64), MessageId(incoming)).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Forbidden: BOT_ACCESS_FORBIDDEN"));
    assert!(matches!(
        fake.inspect(|world| world.business_messages(&id.0, BEN).first().map(|m| m.content.clone())),
        Some(Content::Text)
    ));
    assert_clean(&fake);
    Ok(())
}

//! Relaying between a customer and a topic: every kind of message a customer can send decodes in
//! teloxide, `copyMessage` reproduces it, albums keep one (new) media group through `copyMessages`,
//! forwards carry their origin, and the bot can send photos and documents by id, URL or upload.

use teloxide::payloads::{
    CopyMessageSetters, CopyMessagesSetters, EditMessageCaptionSetters, SendDocumentSetters,
    SendPhotoSetters, SendVideoSetters,
};
use teloxide::prelude::*;
use teloxide::types::{InputFile, MessageId, MessageOrigin, ThreadId};

use super::{ANN, STAFF, assert_clean, last_description, poll, poll_message, start};
use crate::fakegram::{Content, Draft};

async fn topic(bot: &Bot) -> anyhow::Result<ThreadId> {
    Ok(bot.create_forum_topic(ChatId(STAFF), "Ann: refund").await?.thread_id)
}

#[tokio::test]
async fn every_kind_a_customer_sends_decodes_and_copies_into_a_topic() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let thread = topic(&bot).await?;
    let drafts = [
        Draft::text("plain words"),
        Draft::photo().caption("the broken screen"),
        Draft::document("invoice.pdf").caption("INV-12345"),
        Draft::voice(7),
        Draft::video(12),
        Draft::sticker("😡"),
        Draft::location(52.52, 13.405),
        Draft::contact("+49 30 1234567", "Ann"),
    ];
    for draft in drafts {
        let kind = draft.content.kind();
        let sent = fake.user_sends(ANN, draft)?;
        let message = poll_message(&bot).await;
        let decoded_kind = match () {
            () if message.text().is_some() => "text",
            () if message.photo().is_some() => "photo",
            () if message.document().is_some() => "document",
            () if message.voice().is_some() => "voice",
            () if message.video().is_some() => "video",
            () if message.sticker().is_some() => "sticker",
            () if message.location().is_some() => "location",
            () if message.contact().is_some() => "contact",
            () => "unknown",
        };
        assert_eq!(decoded_kind, kind);
        let copy = bot
            .copy_message(ChatId(STAFF), ChatId(ANN as i64), MessageId(sent))
            .message_thread_id(thread)
            .await?;
        let (original, copied) = fake.inspect(|world| {
            let original = world.message(ANN as i64, sent).cloned().expect("sent");
            (original, world.message(STAFF, copy.0).cloned().expect("copied"))
        });
        assert_eq!(
            (copied.content, copied.text, copied.thread_id),
            (original.content, original.text, Some(thread.0.0))
        );
    }
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn captions_can_be_replaced_on_copy_and_service_messages_cannot_be_copied() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let thread = topic(&bot).await?;
    let photo = fake.user_sends(ANN, Draft::photo().caption("original"))?;
    let copy = bot
        .copy_message(ChatId(STAFF), ChatId(ANN as i64), MessageId(photo))
        .message_thread_id(thread)
        .caption("Ann wrote: original")
        .await?;
    let caption = fake.inspect(|world| world.message(STAFF, copy.0).and_then(|message| message.text.clone()));
    assert_eq!(caption.as_deref(), Some("Ann wrote: original"));
    let service = bot.copy_message(ChatId(ANN as i64), ChatId(STAFF), thread.0).await;
    assert!(service.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message can't be copied"));
    let missing = bot.copy_message(ChatId(STAFF), ChatId(ANN as i64), MessageId(999)).await;
    assert!(matches!(missing, Err(teloxide::RequestError::Api(teloxide::ApiError::MessageToCopyNotFound))));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn albums_stay_albums_through_copy_messages() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    poll(&bot).await;
    let thread = topic(&bot).await?;
    let drafts = vec![Draft::photo().caption("three angles"), Draft::photo(), Draft::photo()];
    let ids = fake.send_album_as(ANN, ANN as i64, drafts)?;
    let updates = poll(&bot).await;
    let groups: Vec<_> = updates
        .iter()
        .filter_map(|update| match &update.kind {
            teloxide::types::UpdateKind::Message(message) => message.media_group_id().cloned(),
            _ => None,
        })
        .collect();
    assert_eq!(groups.len(), 3);
    assert!(groups.iter().all(|group| *group == groups[0]));
    let copies = bot
        .copy_messages(
            ChatId(STAFF),
            ChatId(ANN as i64),
            ids.iter().map(|id| MessageId(*id)).collect::<Vec<_>>(),
        )
        .message_thread_id(thread)
        .await?;
    let copied_groups = fake.inspect(|world| {
        copies
            .iter()
            .map(|copy| world.message(STAFF, copy.0).and_then(|message| message.media_group_id.clone()))
            .collect::<Vec<_>>()
    });
    assert_eq!(copied_groups.len(), 3);
    assert!(copied_groups.iter().all(|group| group.is_some() && *group == copied_groups[0]));
    assert_ne!(copied_groups[0].as_deref(), Some(groups[0].0.as_str()));
    let first_caption =
        fake.inspect(|world| world.message(STAFF, copies[0].0).and_then(|message| message.text.clone()));
    assert_eq!(first_caption.as_deref(), Some("three angles"));
    let unordered =
        bot.copy_messages(ChatId(STAFF), ChatId(ANN as i64), [MessageId(ids[1]), MessageId(ids[0])]).await;
    assert!(unordered.is_err());
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn forwards_carry_the_original_sender() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let note = fake.user_sends(ANN, Draft::text("forward me"))?;
    let forwarded = bot.forward_message(ChatId(STAFF), ChatId(ANN as i64), MessageId(note)).await?;
    let Some(MessageOrigin::User { sender_user, .. }) = forwarded.forward_origin() else {
        panic!("a user origin: {forwarded:?}")
    };
    assert_eq!((sender_user.id.0, forwarded.text()), (ANN, Some("forward me")));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn the_bot_sends_photos_and_documents_by_id_url_or_upload() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let photo = fake.user_sends(ANN, Draft::photo())?;
    let file_id = fake.inspect(|world| {
        world.message(ANN as i64, photo).and_then(|m| m.content.file_id().map(str::to_owned))
    });
    let file_id = file_id.expect("a photo has a file");
    let by_id =
        bot.send_photo(ChatId(STAFF), InputFile::file_id(file_id.clone().into())).caption("by id").await?;
    assert_eq!(
        by_id.photo().and_then(|sizes| sizes.last()).map(|size| size.file.id.0.clone()),
        Some(file_id)
    );
    let by_url =
        bot.send_photo(ChatId(STAFF), InputFile::url("https://example.com/cat.jpg".parse()?)).await?;
    assert!(by_url.photo().is_some());
    let upload = InputFile::memory(&b"%PDF-1.4 fake"[..]).file_name("report.pdf");
    let document = bot.send_document(ChatId(ANN as i64), upload).caption("your report").await?;
    let document_name = document.document().and_then(|document| document.file_name.clone());
    assert_eq!((document_name.as_deref(), document.caption()), (Some("report.pdf"), Some("your report")));
    let wrong = bot.send_photo(ChatId(STAFF), InputFile::file_id("no-such-file".into())).await;
    assert!(
        matches!(wrong, Err(teloxide::RequestError::Api(teloxide::ApiError::WrongFileIdOrUrl))),
        "{wrong:?}"
    );
    let kinds = fake.inspect(|world| {
        world.messages(STAFF).iter().map(|message| message.content.kind()).collect::<Vec<_>>()
    });
    assert_eq!(kinds, ["photo", "photo"]);
    assert!(matches!(
        fake.inspect(|world| world.last_from_bot(ANN as i64).map(|m| m.content.clone())),
        Some(Content::Document { .. })
    ));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn the_bot_sends_every_other_kind_and_edits_captions() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let chat = ChatId(ANN as i64);
    let mut files = Vec::new();
    for draft in [Draft::voice(3), Draft::video(4), Draft::sticker("👍")] {
        let id = fake.user_sends(ANN, draft)?;
        files.push(fake.inspect(|world| {
            world.message(ANN as i64, id).and_then(|m| m.content.file_id().map(str::to_owned))
        }));
    }
    let [Some(voice), Some(video), Some(sticker)] = files.as_slice() else {
        panic!("three files: {files:?}")
    };
    let sent = bot.send_voice(ChatId(STAFF), InputFile::file_id(voice.clone().into())).await?;
    assert!(sent.voice().is_some());
    let sent =
        bot.send_video(ChatId(STAFF), InputFile::file_id(video.clone().into())).caption("clip").await?;
    assert_eq!((sent.video().is_some(), sent.caption()), (true, Some("clip")));
    let sent = bot.send_sticker(ChatId(STAFF), InputFile::file_id(sticker.clone().into())).await?;
    assert!(sent.sticker().is_some());
    let wrong_kind = bot.send_photo(ChatId(STAFF), InputFile::file_id(sticker.clone().into())).await;
    assert!(wrong_kind.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: can't use file of type sticker as photo")
    );
    let sent = bot.send_location(chat, 48.137, 11.575).await?;
    assert_eq!(sent.location().map(|location| location.latitude), Some(48.137));
    let sent = bot.send_contact(chat, "+49 89 000", "Desk").await?;
    assert_eq!(sent.contact().map(|contact| contact.first_name.as_str()), Some("Desk"));
    let photo = bot.send_photo(chat, InputFile::memory(&b"png"[..])).caption("before").await?;
    let edited = bot.edit_message_caption(chat, photo.id).caption("after").await?;
    assert_eq!((edited.caption(), edited.edit_date().is_some()), (Some("after"), true));
    let cleared = bot.edit_message_caption(chat, photo.id).await?;
    assert_eq!(cleared.caption(), None);
    let text = bot.send_message(chat, "words").await?;
    assert!(bot.edit_message_caption(chat, text.id).caption("x").await.is_err());
    assert_eq!(
        last_description(&fake).as_deref(),
        Some("Bad Request: there is no caption in the message to edit")
    );
    let unique: std::collections::HashSet<_> = [voice, video, sticker].into_iter().collect();
    assert_eq!(unique.len(), 3);
    assert_clean(&fake);
    Ok(())
}

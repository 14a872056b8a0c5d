//! Planned calls out: one Bot API request per call the planner (`outbox::plan`) made,
//! exactly as the call says (what goes as one request, and how, is decided there), and a
//! verdict on the answer that says what the dispatcher does with the outbox entry (drop
//! it, keep it for later) and what the desk should hear (invariant 4: blocked customer,
//! deleted topic, "not modified").
//!
//! Telegram's errors are classified here and nowhere else, by [`judge`], a pure function of
//! the call, where it went and what came back:
//!
//! | answer | verdict |
//! | --- | --- |
//! | no answer, an unreadable one, 5xx, an unknown status | wait (backoff per queue) and retry |
//! | 429 `retry_after` | the chat waits that long, then retry |
//! | 401 `Unauthorized` | everything waits (a ladder of its own), then retry |
//! | 403 in the staff chat (kicked, not a member) | wait and retry; the desk tells the supervisors |
//! | 400 for a missing right in the staff chat (`not enough rights`, not a forum, closed topic), any 400 to creating a topic | wait and retry; the desk tells General |
//! | 403 in a private chat (blocked, deactivated) | done: the customer is unreachable |
//! | `message thread not found` | retry once the desk has opened a new topic |
//! | `message is not modified` | done, as if accepted |
//! | `query is too old` to a press's or an inline query's answer | done: the person moved on |
//! | a refused deletion, an edit of a deleted summary | done, the desk is told |
//! | a topic to delete that is gone already (`TOPIC_ID_INVALID`, thread not found) | done |
//! | any other 400 | final for this call: a relay tells its topic, anything else is logged |
//!
//! Nothing here drops a call for a reason outside the call itself: whatever may pass later
//! waits for later.

use std::sync::atomic::{AtomicU64, Ordering};

use teloxide::payloads::setters::*;
use teloxide::prelude::*;
use teloxide::types::{
    BusinessConnectionId, CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryId,
    InlineQueryResult, InlineQueryResultArticle, InputFile, InputMedia, InputMediaDocument, InputMediaPhoto,
    InputMediaVideo, InputMessageContent, InputMessageContentText, MessageEntity, MessageId, ReplyParameters,
    Rgb, ThreadId,
};

pub use super::raw::Failure;
use super::raw::call as execute;
use super::raw::{CallAnswer, Seen, answer_of_failure, seen};
use crate::outbox::{
    Button, ButtonKind, Call, Content, Delivery, FileKind, HeldWhy, InlineResult, Media, Outcome, Report,
    Single, StaffTrouble,
};
pub use crate::outbox::{Place, Verdict};

/// Sends one call. `place` is where its target resolved to; `ticket` the ticket the call
/// concerns, if any (a deleted topic or a refused deletion is reported for it); `sent_at`
/// the host's clock as the request leaves (the adapter never reads the clock itself).
pub async fn send(
    bot: &Bot,
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    sent_at: jiff::Timestamp,
) -> Verdict {
    send_seen(bot, call, place, None, ticket, sent_at).await.0
}

/// [`send`], also saying which request went and what came back, for the host to count;
/// `None` for a call that needs no request. `door` is the Telegram Business connection the
/// private chat `place` names is reached through, if it is (the customer wrote to a business
/// account): every send goes through it.
pub async fn send_seen(
    bot: &Bot,
    call: &Call,
    place: Place,
    door: Option<&str>,
    ticket: Option<crate::ticket::TicketId>,
    sent_at: jiff::Timestamp,
) -> (Verdict, Option<Seen>) {
    let door = door.filter(|_| place.chat_id > 0).map(|id| BusinessConnectionId(id.to_owned()));
    let through_business = door.is_some();
    let (result, method) = match door {
        Some(door) => seen(through_door(bot, call, place, door)).await,
        None => seen(request(bot, call, place)).await,
    };
    // A refusal through a business account that passes when something happens (the customer
    // writes again, the account turns the bot back on): the call is handed to the desk to
    // hold, rather than tried again and again.
    if through_business
        && !matches!(call, Call::ReadBusiness { .. })
        && let Err(failure @ Failure::Api { status, description }) = &result
        && let Some(why) = HeldWhy::of_refusal(*status, description)
    {
        let customer = place.chat_id.cast_unsigned();
        let delivery = Delivery::Held { customer, ticket, why, call: call.clone() };
        let answer = answer_of_failure(failure);
        return (Verdict::Done { delivery: Some(delivery) }, method.map(|method| Seen { method, answer }));
    }
    let answer = match &result {
        Ok(_) => CallAnswer::Ok,
        Err(failure) => answer_of_failure(failure),
    };
    (judge(call, place, ticket, result, sent_at), method.map(|method| Seen { method, answer }))
}

/// What a successful request returned, as far as the desk cares.
enum Returned {
    Nothing,
    Message(i32),
    Messages(Vec<i32>),
    Topic(i32),
}

#[allow(clippy::too_many_lines)] // One arm per call kind, each a short builder chain.
async fn request(bot: &Bot, call: &Call, place: Place) -> Result<Returned, Failure> {
    let chat = ChatId(place.chat_id);
    let thread = place.thread.map(|t| ThreadId(MessageId(t)));
    match call {
        Call::SendText { text, reply_to, buttons, .. } => {
            let mut request = bot.send_message(chat, text.clone());
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(reply_to) = reply_to {
                request = request.reply_parameters(
                    ReplyParameters::new(MessageId(*reply_to)).allow_sending_without_reply(),
                );
            }
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            Ok(Returned::Message(execute(bot, request).await?.id.0))
        }
        // A copy that carries files goes from them: the planner sends an album that replies
        // so, since copyMessages cannot reply.
        Call::Copy { reply_to, media, .. } if !media.is_empty() => {
            let mut request = bot.send_media_group(chat, media.iter().map(input_media));
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(reply_to) = reply_to {
                request = request.reply_parameters(
                    ReplyParameters::new(MessageId(*reply_to)).allow_sending_without_reply(),
                );
            }
            Ok(Returned::Messages(execute(bot, request).await?.into_iter().map(|m| m.id.0).collect()))
        }
        Call::Copy { from_chat, message_ids, reply_to, caption, .. } if message_ids.len() == 1 => {
            let mut request = bot.copy_message(chat, ChatId(*from_chat), MessageId(message_ids[0]));
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(caption) = caption {
                request = request.caption(caption.clone());
            }
            if let Some(reply_to) = reply_to {
                request = request.reply_parameters(
                    ReplyParameters::new(MessageId(*reply_to)).allow_sending_without_reply(),
                );
            }
            Ok(Returned::Message(execute(bot, request).await?.0))
        }
        Call::Copy { from_chat, message_ids, .. } => {
            let ids: Vec<MessageId> = message_ids.iter().map(|id| MessageId(*id)).collect();
            let mut request = bot.copy_messages(chat, ChatId(*from_chat), ids);
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            Ok(Returned::Messages(execute(bot, request).await?.into_iter().map(|id| id.0).collect()))
        }
        Call::EditText { message_id, text, buttons, .. } => {
            let mut request = bot.edit_message_text(chat, MessageId(*message_id), text.clone());
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::SetButtons { message_id, buttons, .. } => {
            let mut request = bot.edit_message_reply_markup(chat, MessageId(*message_id));
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::SendFile { file_id, kind, .. } => {
            let file = teloxide::types::InputFile::file_id(teloxide::types::FileId(file_id.clone()));
            let message = match kind {
                FileKind::Photo => {
                    let mut request = bot.send_photo(chat, file);
                    if let Some(thread) = thread {
                        request = request.message_thread_id(thread);
                    }
                    execute(bot, request).await?
                }
                FileKind::Document => {
                    let mut request = bot.send_document(chat, file);
                    if let Some(thread) = thread {
                        request = request.message_thread_id(thread);
                    }
                    execute(bot, request).await?
                }
                FileKind::Video => {
                    let mut request = bot.send_video(chat, file);
                    if let Some(thread) = thread {
                        request = request.message_thread_id(thread);
                    }
                    execute(bot, request).await?
                }
            };
            Ok(Returned::Message(message.id.0))
        }
        Call::DeleteMessage { message_id, .. } => {
            execute(bot, bot.delete_message(chat, MessageId(*message_id))).await?;
            Ok(Returned::Nothing)
        }
        Call::CreateTopic { name, icon_color, .. } => {
            let request = bot.create_forum_topic(chat, name.clone()).icon_color(Rgb::from_u32(*icon_color));
            let topic = execute(bot, request).await?;
            Ok(Returned::Topic(topic.thread_id.0.0))
        }
        Call::EditTopic { name, .. } => {
            execute(
                bot,
                bot.edit_forum_topic(chat, thread.unwrap_or(ThreadId(MessageId(0)))).name(name.clone()),
            )
            .await?;
            Ok(Returned::Nothing)
        }
        Call::CloseTopic { .. } | Call::CloseThread { .. } => {
            execute(bot, bot.close_forum_topic(chat, thread.unwrap_or(ThreadId(MessageId(0))))).await?;
            Ok(Returned::Nothing)
        }
        Call::DeleteTopic { .. } => {
            execute(bot, bot.delete_forum_topic(chat, thread.unwrap_or(ThreadId(MessageId(0))))).await?;
            Ok(Returned::Nothing)
        }
        Call::ReopenTopic { .. } => {
            execute(bot, bot.reopen_forum_topic(chat, thread.unwrap_or(ThreadId(MessageId(0))))).await?;
            Ok(Returned::Nothing)
        }
        Call::Pin { message_id, .. } => {
            execute(bot, bot.pin_chat_message(chat, MessageId(*message_id)).disable_notification(true))
                .await?;
            Ok(Returned::Nothing)
        }
        Call::Resend { parts, reply_to, .. } => resend(bot, chat, thread, parts, *reply_to, None).await,
        // The planner turns an edit of a relayed message into the edit or note it becomes
        // once the copy is known; as such it is never sent.
        Call::EditRelayed { .. } | Call::EditReply { .. } => Ok(Returned::Nothing),
        Call::ReadBusiness { connection, chat_id, message_id } => {
            let request = bot.read_business_message(
                BusinessConnectionId(connection.clone()),
                ChatId(*chat_id),
                MessageId(*message_id),
            );
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::AnswerButton { callback_id, text } => {
            let mut request = bot.answer_callback_query(CallbackQueryId(callback_id.clone()));
            if let Some(text) = text {
                request = request.text(text.clone());
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::AnswerInline { query_id, results, cache_seconds } => {
            let results = results.iter().map(article);
            let request = bot
                .answer_inline_query(InlineQueryId(query_id.clone()), results)
                .cache_time(*cache_seconds)
                .is_personal(true);
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
    }
}

/// A call to a customer who writes to a business account: the send methods with the
/// connection (`business_connection_id`). Telegram copies nothing into a business chat, so a
/// copy is refused here as Telegram would; the desk sends content there with `Resend`. The
/// bot's own messages there are edited through the connection too; deleting and pinning them
/// is left undone: the messages stay as sent.
async fn through_door(
    bot: &Bot,
    call: &Call,
    place: Place,
    door: BusinessConnectionId,
) -> Result<Returned, Failure> {
    let chat = ChatId(place.chat_id);
    match call {
        Call::SendText { text, reply_to, buttons, .. } => {
            let mut request = bot.send_message(chat, text.clone()).business_connection_id(door);
            if let Some(reply_to) = reply_to {
                request = request.reply_parameters(
                    ReplyParameters::new(MessageId(*reply_to)).allow_sending_without_reply(),
                );
            }
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            Ok(Returned::Message(execute(bot, request).await?.id.0))
        }
        Call::SendFile { file_id, kind, .. } => {
            let part = Content {
                text: None,
                entities: Vec::new(),
                file: Some((*kind, file_id.clone())),
                single: None,
            };
            resend(bot, chat, None, &[part], None, Some(door)).await
        }
        Call::Resend { parts, reply_to, .. } => resend(bot, chat, None, parts, *reply_to, Some(door)).await,
        Call::Copy { .. } => Err(Failure::Api {
            status: 400,
            description:
                "a Telegram Business chat takes no copies (copyMessage has no business_connection_id)"
                    .to_owned(),
        }),
        // An agent's edit of a reply, an intake prompt losing its buttons: the bot's own
        // message in the business chat, edited through the connection.
        Call::EditText { message_id, text, buttons, .. } => {
            let mut request = bot
                .edit_message_text(chat, MessageId(*message_id), text.clone())
                .business_connection_id(door);
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::SetButtons { message_id, buttons, .. } => {
            let mut request =
                bot.edit_message_reply_markup(chat, MessageId(*message_id)).business_connection_id(door);
            if !buttons.is_empty() {
                request = request.reply_markup(keyboard(buttons));
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
        Call::DeleteMessage { .. } | Call::Pin { .. } => Ok(Returned::Nothing),
        other => request(bot, other, place).await,
    }
}

/// Sends a message's content again: one part by its own method, several as one album, the
/// formatting as its author sent it.
async fn resend(
    bot: &Bot,
    chat: ChatId,
    thread: Option<ThreadId>,
    parts: &[Content],
    reply_to: Option<i32>,
    door: Option<BusinessConnectionId>,
) -> Result<Returned, Failure> {
    let reply = reply_to.map(|id| ReplyParameters::new(MessageId(id)).allow_sending_without_reply());
    let entities = |part: &Content| -> Vec<MessageEntity> {
        part.entities.iter().filter_map(|entity| serde_json::from_value(entity.clone()).ok()).collect()
    };
    macro_rules! common {
        ($request:expr) => {{
            let mut request = $request;
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(reply) = reply.clone() {
                request = request.reply_parameters(reply);
            }
            if let Some(door) = door.clone() {
                request = request.business_connection_id(door);
            }
            request
        }};
    }
    macro_rules! captioned {
        ($request:expr, $part:expr) => {{
            let mut request = common!($request);
            if let Some(caption) = &$part.text {
                request = request.caption(caption.clone());
                if !$part.entities.is_empty() {
                    request = request.caption_entities(entities($part));
                }
            }
            request
        }};
    }
    match parts {
        [] => Ok(Returned::Nothing),
        [part] => {
            let message = match (&part.file, &part.single) {
                (None, Some(single)) => match single {
                    Single::Voice { file_id } => {
                        let file = InputFile::file_id(FileId(file_id.clone()));
                        execute(bot, captioned!(bot.send_voice(chat, file), part)).await?
                    }
                    Single::VideoNote { file_id } => {
                        let file = InputFile::file_id(FileId(file_id.clone()));
                        execute(bot, common!(bot.send_video_note(chat, file))).await?
                    }
                    Single::Sticker { file_id } => {
                        let file = InputFile::file_id(FileId(file_id.clone()));
                        execute(bot, common!(bot.send_sticker(chat, file))).await?
                    }
                    Single::Location { latitude, longitude } => {
                        execute(bot, common!(bot.send_location(chat, *latitude, *longitude))).await?
                    }
                    Single::Contact { phone_number, first_name, last_name } => {
                        let mut request =
                            common!(bot.send_contact(chat, phone_number.clone(), first_name.clone()));
                        if let Some(last_name) = last_name {
                            request = request.last_name(last_name.clone());
                        }
                        execute(bot, request).await?
                    }
                },
                (None, None) => {
                    let mut request = common!(bot.send_message(chat, part.text.clone().unwrap_or_default()));
                    if !part.entities.is_empty() {
                        request = request.entities(entities(part));
                    }
                    execute(bot, request).await?
                }
                (Some((kind, file_id)), _) => {
                    let file = InputFile::file_id(FileId(file_id.clone()));
                    match kind {
                        FileKind::Photo => execute(bot, captioned!(bot.send_photo(chat, file), part)).await?,
                        FileKind::Document => {
                            execute(bot, captioned!(bot.send_document(chat, file), part)).await?
                        }
                        FileKind::Video => execute(bot, captioned!(bot.send_video(chat, file), part)).await?,
                    }
                }
            };
            Ok(Returned::Message(message.id.0))
        }
        parts => {
            let media = parts.iter().filter_map(|part| {
                let (kind, file_id) = part.file.clone()?;
                let media = Media { kind, file_id, caption: part.text.clone() };
                Some(with_entities(input_media(&media), entities(part)))
            });
            let request = common!(bot.send_media_group(chat, media));
            Ok(Returned::Messages(execute(bot, request).await?.into_iter().map(|m| m.id.0).collect()))
        }
    }
}

/// An album part with its caption's formatting.
fn with_entities(media: InputMedia, entities: Vec<MessageEntity>) -> InputMedia {
    if entities.is_empty() {
        return media;
    }
    match media {
        InputMedia::Photo(part) => InputMedia::Photo(part.caption_entities(entities)),
        InputMedia::Video(part) => InputMedia::Video(part.caption_entities(entities)),
        InputMedia::Document(part) => InputMedia::Document(part.caption_entities(entities)),
        other => other,
    }
}

/// An inline result as an article whose message is the plain text (no parse mode).
fn article(result: &InlineResult) -> InlineQueryResult {
    let content = InputMessageContent::Text(InputMessageContentText::new(result.text.clone()));
    InlineQueryResult::Article(
        InlineQueryResultArticle::new(result.id.clone(), result.title.clone(), content)
            .description(result.description.clone()),
    )
}

/// The verdict on what Telegram answered to `call`, sent to `place` at `sent_at` for
/// `ticket` (the table in this file's head).
fn judge(
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    result: Result<Returned, Failure>,
    sent_at: jiff::Timestamp,
) -> Verdict {
    let returned = match result {
        Ok(returned) => returned,
        Err(error) => return judge_error(call, place, ticket, &error, sent_at),
    };
    let delivery = match (call, returned) {
        // Where the topic was made, which is the staff chat's current id even for a call
        // queued before Telegram moved the chat.
        (Call::CreateTopic { ticket, .. }, Returned::Topic(thread_id)) => {
            Some(Delivery::TopicCreated { ticket: *ticket, chat_id: place.chat_id, thread_id })
        }
        (Call::SendText { report: Some(Report::Card { ticket, version }), .. }, Returned::Message(id)) => {
            Some(Delivery::CardPosted {
                ticket: *ticket,
                chat_id: place.chat_id,
                message_id: id,
                version: *version,
            })
        }
        (Call::SendText { report: Some(Report::Prompt { customer }), .. }, Returned::Message(id)) => {
            Some(Delivery::PromptPosted { customer: *customer, message_id: id })
        }
        (Call::SendText { report: Some(Report::Summary), .. }, Returned::Message(id)) => {
            Some(Delivery::SummaryPosted { chat_id: place.chat_id, message_id: id })
        }
        (
            Call::SendText { report: Some(Report::Relay { chat_id, message_id }), .. }
            | Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. }
            | Call::Resend { report: Some(Report::Relay { chat_id, message_id }), .. },
            Returned::Message(id),
        ) => Some(Delivery::Relayed { source: (*chat_id, *message_id), copies: vec![(place.chat_id, id)] }),
        (
            Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. }
            | Call::Resend { report: Some(Report::Relay { chat_id, message_id }), .. },
            Returned::Messages(ids),
        ) => Some(Delivery::Relayed {
            source: (*chat_id, *message_id),
            copies: ids.into_iter().map(|id| (place.chat_id, id)).collect(),
        }),
        _ => None,
    };
    Verdict::Done { delivery }
}

fn judge_error(
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    failure: &Failure,
    sent_at: jiff::Timestamp,
) -> Verdict {
    let retry = |outcome| Verdict::Retry { outcome, delivery: None };
    match failure {
        Failure::RetryAfter { seconds } => retry(Outcome::RetryAfter { millis: u64::from(*seconds) * 1000 }),
        Failure::Network { detail, maybe_delivered } => {
            if *maybe_delivered && sends_something(call) {
                // Telegram may have carried it out; no Bot API method tells, so it goes again.
                let count = SENT_AGAIN_UNANSWERED.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(
                    ?call,
                    detail,
                    count,
                    "no answer to a call that may have reached Telegram; sending it again may duplicate it"
                );
            }
            retry(Outcome::Transient)
        }
        // An answer that is not the Bot API's, or a chat migration the desk will follow: none
        // of these says the call itself is wrong, so it waits and goes again.
        Failure::Unreadable { .. } | Failure::Migrated { .. } => retry(Outcome::Transient),
        Failure::Api { status, description } => {
            judge_refusal(call, place, ticket, *status, description, sent_at)
        }
    }
}

/// The verdict on a refusal with Telegram's `status` and `description`.
fn judge_refusal(
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    status: u16,
    description: &str,
    sent_at: jiff::Timestamp,
) -> Verdict {
    let text = description.to_ascii_lowercase();
    let in_group = place.chat_id < 0;
    // Told once per outage by the desk; here only what each try met.
    let waits = |trouble| {
        tracing::debug!(?trouble, description, "Telegram refuses the bot in the staff chat; the call waits");
        Verdict::Retry {
            outcome: Outcome::Refused,
            delivery: Some(Delivery::StaffChatRefused {
                trouble,
                reason: description.to_owned(),
                ticket,
                chat: Some(place.chat_id),
            }),
        }
    };
    match status {
        401 => Verdict::Retry { outcome: Outcome::Unauthorized, delivery: None },
        _ if not_modified(&text) => Verdict::Done { delivery: None },
        // A press or an inline query answered too late: the person has moved on already.
        400 if text.contains("query is too old")
            && matches!(call, Call::AnswerButton { .. } | Call::AnswerInline { .. }) =>
        {
            tracing::info!(description, "a button press or inline query expired before its answer");
            Verdict::Done { delivery: None }
        }
        400 if deletion_refused(&text) && matches!(call, Call::DeleteMessage { .. }) => {
            Verdict::Done { delivery: ticket.map(|ticket| Delivery::NotDeleted { ticket }) }
        }
        // The pinned summary is no ticket's; when someone deletes it, the desk posts it anew.
        400 if text.contains("message to edit not found") && ticket.is_none() => match call {
            Call::EditText { chat_id, message_id, .. } => Verdict::Done {
                delivery: Some(Delivery::EditGone { chat_id: *chat_id, message_id: *message_id }),
            },
            _ => dropped(call, status, description),
        },
        // A topic to delete that is gone already (deleted by hand): what was asked is done.
        400 if matches!(call, Call::DeleteTopic { .. } | Call::CloseThread { .. })
            && (thread_missing(&text) || text.contains("topic_id_invalid")) =>
        {
            tracing::info!(description, "a topic to delete or close was gone already");
            Verdict::Done { delivery: None }
        }
        // Marking read is the connection's right (`can_read_messages`): without it the desk
        // tells General once; the call is not tried again.
        403 if let Call::ReadBusiness { connection, .. } = call => {
            tracing::info!(description, "a business connection refused to mark messages read");
            Verdict::Done { delivery: Some(Delivery::ReadRefused { connection: connection.clone() }) }
        }
        // Anything else Telegram refuses in marking read (the message gone, the chat silent
        // for a day, the connection off) stays refused: reading is never worth waiting for.
        400 if matches!(call, Call::ReadBusiness { .. }) => {
            tracing::info!(description, "Telegram refused to mark a business customer's messages read");
            Verdict::Done { delivery: None }
        }
        // The bot is out of the staff group: everything for it waits until it is back.
        403 if in_group => waits(StaffTrouble::Removed),
        400 if in_group && text.contains("chat not found") => waits(StaffTrouble::Removed),
        // In a private chat a 403 is the customer's doing: blocked, deactivated, never started.
        403 if place.chat_id > 0 => {
            let customer = place.chat_id.cast_unsigned();
            Verdict::Done { delivery: Some(Delivery::Unreachable { customer, sent_at }) }
        }
        // Answering a button press concerns no chat: a refusal is the press's own.
        403 => dropped(call, status, description),
        400 if in_group && rights_missing(&text) => waits(StaffTrouble::Rights),
        // A ticket's topic is what the customer was promised: whatever the refusal, it waits
        // (and General hears why) rather than leave the ticket without a topic for good.
        400 if matches!(call, Call::CreateTopic { .. }) => waits(StaffTrouble::Rights),
        400 if thread_missing(&text) => match ticket {
            // The message stays queued; the desk opens a new topic and it goes there.
            Some(ticket) => {
                Verdict::Retry { outcome: Outcome::Sent, delivery: Some(Delivery::TopicMissing { ticket }) }
            }
            None => dropped(call, status, description),
        },
        // A 400 Telegram will answer again however long the call waits: final for this call.
        400 => match (ticket, relayed_source(call)) {
            // A relayed message is never dropped without a word: the topic is told.
            (Some(ticket), Some(source)) => {
                tracing::warn!(?call, description, "Telegram refused to relay a message");
                let reason = description.to_owned();
                Verdict::Done { delivery: Some(Delivery::NotRelayed { ticket, source, reason }) }
            }
            _ => dropped(call, status, description),
        },
        500..=599 => retry_transient(),
        // Any other status the Bot API does not document for a call's own fault: the
        // trouble is on the way, not in the call.
        _ => {
            tracing::warn!(
                status,
                description,
                "unexpected answer from the Bot API; the call waits and goes again"
            );
            retry_transient()
        }
    }
}

fn retry_transient() -> Verdict {
    Verdict::Retry { outcome: Outcome::Transient, delivery: None }
}

/// How many calls went again after no answer came though they may have reached Telegram:
/// each may have made a duplicate (see `raw::SEND_TIMEOUT`).
static SENT_AGAIN_UNANSWERED: AtomicU64 = AtomicU64::new(0);

/// Calls sent again after no answer although Telegram may have carried them out, since
/// the process started. Each may have made a duplicate; the Bot API gives no way to tell.
pub fn sent_again_unanswered() -> u64 {
    SENT_AGAIN_UNANSWERED.load(Ordering::Relaxed)
}

/// Whether a repeat of `call` would show twice (a new message), rather than change nothing.
fn sends_something(call: &Call) -> bool {
    matches!(
        call,
        Call::SendText { .. }
            | Call::Copy { .. }
            | Call::SendFile { .. }
            | Call::Resend { .. }
            | Call::CreateTopic { .. }
    )
}

/// The source message of a relay: a customer's message into a topic or an agent's to the
/// customer.
fn relayed_source(call: &Call) -> Option<(i64, i32)> {
    match call {
        Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. }
        | Call::Resend { report: Some(Report::Relay { chat_id, message_id }), .. }
        | Call::SendText { report: Some(Report::Relay { chat_id, message_id }), .. } => {
            Some((*chat_id, *message_id))
        }
        _ => None,
    }
}

/// A call Telegram refused for good: logged with what it was, then dropped so it does not
/// hold up its chat forever.
fn dropped(call: &Call, status: u16, description: &str) -> Verdict {
    tracing::error!(?call, status, description, "Telegram refused a call for good; dropping it");
    Verdict::Done { delivery: None }
}

fn not_modified(text: &str) -> bool {
    text.contains("message is not modified") || text.contains("topic_not_modified")
}

fn deletion_refused(text: &str) -> bool {
    text.contains("message can't be deleted") || text.contains("message to delete not found")
}

/// The bot is in the staff group but lacks what the call needs: a right taken away, topics
/// turned off, a closed topic it may no longer post in. Fixed by people, not by waiting.
fn rights_missing(text: &str) -> bool {
    ["not enough rights", "have no rights", "chat_admin_required", "not a forum", "topic_closed"]
        .iter()
        .any(|known| text.contains(known))
}

fn thread_missing(text: &str) -> bool {
    text.contains("message thread not found")
        || text.contains("topic_deleted")
        || text.contains("thread_id_invalid")
}

/// One album part, its caption plain text like every caption the desk sends.
fn input_media(media: &Media) -> InputMedia {
    let file = InputFile::file_id(FileId(media.file_id.clone()));
    let caption = media.caption.clone();
    match media.kind {
        FileKind::Photo => {
            let part = InputMediaPhoto::new(file);
            InputMedia::Photo(match caption {
                Some(caption) => part.caption(caption),
                None => part,
            })
        }
        FileKind::Video => {
            let part = InputMediaVideo::new(file);
            InputMedia::Video(match caption {
                Some(caption) => part.caption(caption),
                None => part,
            })
        }
        FileKind::Document => {
            let part = InputMediaDocument::new(file);
            InputMedia::Document(match caption {
                Some(caption) => part.caption(caption),
                None => part,
            })
        }
    }
}

fn keyboard(rows: &[Vec<Button>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|b| match b.kind {
                ButtonKind::Callback => InlineKeyboardButton::callback(b.label.clone(), b.data.clone()),
                ButtonKind::InlineQuery => {
                    InlineKeyboardButton::switch_inline_query_current_chat(b.label.clone(), b.data.clone())
                }
                // `check` refused a public_url that is not an address; should one come
                // through all the same, Telegram's answer to the button says so.
                ButtonKind::WebApp => match b.data.parse() {
                    Ok(url) => {
                        InlineKeyboardButton::web_app(b.label.clone(), teloxide::types::WebAppInfo { url })
                    }
                    Err(_) => InlineKeyboardButton::callback(b.label.clone(), b.data.clone()),
                },
            })
            .collect::<Vec<_>>()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Target;
    use crate::ticket::TicketId;

    const STAFF: Place = Place { chat_id: -100, thread: Some(9) };
    const NEVER: jiff::Timestamp = jiff::Timestamp::UNIX_EPOCH;

    fn relay() -> Call {
        Call::Copy {
            from_chat: 42,
            message_ids: vec![7],
            to: Target::Topic { ticket: TicketId(1) },
            reply_to: None,
            album: None,
            report: Some(Report::Relay { chat_id: 42, message_id: 7 }),
            text: None,
            media: Vec::new(),
            caption: None,
        }
    }

    fn create_topic() -> Call {
        Call::CreateTopic { chat_id: -100, ticket: TicketId(2), name: "T-000002".to_owned(), icon_color: 0 }
    }

    fn api(status: u16, description: &str) -> Failure {
        Failure::Api { status, description: description.to_owned() }
    }

    fn verdict_on(description: &str) -> Verdict {
        let status = if description.starts_with("Bad Request") { 400 } else { 500 };
        judge(&relay(), STAFF, Some(TicketId(1)), Err(api(status, description)), NEVER)
    }

    fn waits_for_people(trouble: StaffTrouble, reason: &str, ticket: u64) -> Verdict {
        Verdict::Retry {
            outcome: Outcome::Refused,
            delivery: Some(Delivery::StaffChatRefused {
                trouble,
                reason: reason.to_owned(),
                ticket: Some(TicketId(ticket)),
                chat: Some(STAFF.chat_id),
            }),
        }
    }

    /// Marking a business customer's messages read: the missing right is reported to the desk
    /// (not the customer's blocking, not a held reply) and never tried again; any other
    /// refusal is final too; a server error goes again.
    #[test]
    fn a_refused_read_of_business_messages_is_reported_once_and_not_retried() {
        let read = Call::ReadBusiness { connection: "bc1".to_owned(), chat_id: 42, message_id: 7 };
        let customer = Place { chat_id: 42, thread: None };
        let forbidden = judge(&read, customer, None, Err(api(403, "Forbidden: BOT_ACCESS_FORBIDDEN")), NEVER);
        let refused = Delivery::ReadRefused { connection: "bc1".to_owned() };
        assert_eq!(forbidden, Verdict::Done { delivery: Some(refused) });
        let gone = judge(&read, customer, None, Err(api(400, "Bad Request: MESSAGE_ID_INVALID")), NEVER);
        assert_eq!(gone, Verdict::Done { delivery: None });
        let silent =
            judge(&read, customer, None, Err(api(400, "Bad Request: BUSINESS_PEER_USAGE_MISSING")), NEVER);
        assert_eq!(silent, Verdict::Done { delivery: None });
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        assert_eq!(judge(&read, customer, None, Err(api(502, "Bad Gateway")), NEVER), retry);
    }

    /// Regression: a 500 with Telegram's JSON body was taken for a final refusal and the
    /// customer's message dropped from the outbox (seen end to end with ten 500s in a row).
    #[test]
    fn an_inline_query_answered_too_late_is_done_and_a_late_answer_is_no_staff_trouble() {
        let answer = Call::AnswerInline { query_id: "77".to_owned(), results: Vec::new(), cache_seconds: 5 };
        let nowhere = Place { chat_id: 0, thread: None };
        let late = "Bad Request: query is too old and response timeout expired or query ID is invalid";
        let verdict = judge(&answer, nowhere, None, Err(api(400, late)), NEVER);
        assert_eq!(verdict, Verdict::Done { delivery: None });
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        assert_eq!(judge(&answer, nowhere, None, Err(api(502, "Bad Gateway")), NEVER), retry);
    }

    #[test]
    fn server_errors_are_retried_not_dropped() {
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        for (status, description) in [
            (500, "Internal Server Error"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
        ] {
            let verdict = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(status, description)), NEVER);
            assert_eq!(verdict, retry, "{description}");
        }
        let unreadable = Failure::Unreadable { status: 502 };
        assert_eq!(judge(&relay(), STAFF, Some(TicketId(1)), Err(unreadable), NEVER), retry);
        let refused = Delivery::NotRelayed {
            ticket: TicketId(1),
            source: (42, 7),
            reason: "Bad Request: message caption is too long".to_owned(),
        };
        assert_eq!(
            verdict_on("Bad Request: message caption is too long"),
            Verdict::Done { delivery: Some(refused) },
            "a refused relay is reported, not dropped"
        );
        let missing = verdict_on("Bad Request: message thread not found");
        assert_eq!(
            missing,
            Verdict::Retry {
                outcome: Outcome::Sent,
                delivery: Some(Delivery::TopicMissing { ticket: TicketId(1) })
            }
        );
    }

    /// Regression: a ticket opened while the bot could not manage topics was lost for good:
    /// the refused `createForumTopic` was dropped, and with it the topic, its card and every
    /// message of the customer's behind it. It waits now, and General is told why.
    #[test]
    fn a_topic_refused_for_lack_of_rights_waits_and_general_is_told() {
        for reason in [
            "Bad Request: not enough rights to create a topic",
            "Bad Request: not enough rights to manage topics",
            "Bad Request: the chat is not a forum",
            "Bad Request: CHAT_ADMIN_REQUIRED",
            "Bad Request: something Telegram has not said before",
        ] {
            let place = Place { chat_id: -100, thread: None };
            let verdict = judge(&create_topic(), place, Some(TicketId(2)), Err(api(400, reason)), NEVER);
            assert_eq!(verdict, waits_for_people(StaffTrouble::Rights, reason, 2), "{reason}");
        }
        // A demoted bot may not post in a closed topic either: the relay waits, not vanishes.
        let reason = "Bad Request: TOPIC_CLOSED";
        let verdict = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(400, reason)), NEVER);
        assert_eq!(verdict, waits_for_people(StaffTrouble::Rights, reason, 1));
    }

    /// Regression: while the bot was kicked from the staff group, 4 of 4 customer messages
    /// were dropped. A 403 in the staff chat is the bot's removal, not the call's fault: the
    /// relay waits and the supervisors are told.
    #[test]
    fn a_relay_while_kicked_from_the_staff_chat_waits_and_supervisors_are_told() {
        for reason in [
            "Forbidden: bot was kicked from the supergroup chat",
            "Forbidden: bot is not a member of the supergroup chat",
            "Forbidden: something Telegram has not said before",
        ] {
            let verdict = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(403, reason)), NEVER);
            assert_eq!(verdict, waits_for_people(StaffTrouble::Removed, reason, 1), "{reason}");
        }
        let gone = "Bad Request: chat not found";
        let verdict = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(400, gone)), NEVER);
        assert_eq!(verdict, waits_for_people(StaffTrouble::Removed, gone, 1));
    }

    /// Regression: a 10-second token revocation dropped 18 of 24 queued relays without a
    /// word: "Unauthorized" was an unknown, hence final, error. A 401 waits for everything.
    #[test]
    fn a_revoked_token_holds_every_call_instead_of_dropping_it() {
        let unauthorized = Verdict::Retry { outcome: Outcome::Unauthorized, delivery: None };
        let private = Place { chat_id: 42, thread: None };
        let reply = Call::SendText {
            to: Target::Chat { chat_id: 42 },
            text: "hello".to_owned(),
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        for (call, place) in [(relay(), STAFF), (create_topic(), STAFF), (reply, private)] {
            let verdict = judge(&call, place, Some(TicketId(1)), Err(api(401, "Unauthorized")), NEVER);
            assert_eq!(verdict, unauthorized, "{call:?}");
        }
    }

    /// Regression: any API error the code did not recognise was final. Only a 400 (the call
    /// itself is wrong) is; everything else waits and goes again.
    #[test]
    fn only_a_bad_request_is_final_and_a_relay_never_vanishes_silently() {
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        for (status, description) in [(404, "Not Found"), (409, "Conflict"), (420, "FLOOD_WAIT"), (418, "")] {
            let verdict = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(status, description)), NEVER);
            assert_eq!(verdict, retry, "{status} {description}");
        }
        let odd = "Bad Request: something Telegram has not said before";
        let relayed = judge(&relay(), STAFF, Some(TicketId(1)), Err(api(400, odd)), NEVER);
        let told = Delivery::NotRelayed { ticket: TicketId(1), source: (42, 7), reason: odd.to_owned() };
        assert_eq!(relayed, Verdict::Done { delivery: Some(told) });
        let pin = Call::Pin { chat_id: -100, message_id: 5 };
        let place = Place { chat_id: -100, thread: None };
        assert_eq!(judge(&pin, place, None, Err(api(400, odd)), NEVER), Verdict::Done { delivery: None });
    }

    /// The weekly digest to a supervisor who never started the bot: done, never retried.
    #[test]
    fn a_private_message_to_a_team_member_who_never_started_the_bot_is_done() {
        let digest = Call::SendText {
            to: Target::Chat { chat_id: 111 },
            text: "📊 Weekly digest".to_owned(),
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        let private = Place { chat_id: 111, thread: None };
        let reason = "Forbidden: bot can't initiate conversation with a user";
        let unreachable = Delivery::Unreachable { customer: 111, sent_at: NEVER };
        assert_eq!(
            judge(&digest, private, None, Err(api(403, reason)), NEVER),
            Verdict::Done { delivery: Some(unreachable) }
        );
    }

    #[test]
    fn defined_outcomes_blocked_customer_and_not_modified() {
        let private = Place { chat_id: 42, thread: None };
        for reason in ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"] {
            let verdict = judge(&relay(), private, Some(TicketId(1)), Err(api(403, reason)), NEVER);
            let unreachable = Delivery::Unreachable { customer: 42, sent_at: NEVER };
            assert_eq!(verdict, Verdict::Done { delivery: Some(unreachable) }, "{reason}");
        }
        let edit = Call::EditText { chat_id: -100, message_id: 5, text: "x".to_owned(), buttons: Vec::new() };
        let same = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same";
        let place = Place { chat_id: -100, thread: None };
        assert_eq!(
            judge(&edit, place, Some(TicketId(1)), Err(api(400, same)), NEVER),
            Verdict::Done { delivery: None }
        );
    }

    /// Regression: a copy answered after the client's timeout was sent again and showed
    /// twice. A call that may have reached Telegram still goes again when no answer comes
    /// at all (nothing else can tell), but it is counted, and the wait is long (`SEND_TIMEOUT`).
    #[test]
    fn a_call_without_an_answer_goes_again_and_a_possible_duplicate_is_counted() {
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        let before = sent_again_unanswered();
        let refused = Failure::Network { detail: "connection refused".to_owned(), maybe_delivered: false };
        assert_eq!(judge(&relay(), STAFF, Some(TicketId(1)), Err(refused), NEVER), retry);
        let silent = Failure::Network { detail: "operation timed out".to_owned(), maybe_delivered: true };
        assert_eq!(judge(&relay(), STAFF, Some(TicketId(1)), Err(silent), NEVER), retry);
        assert!(sent_again_unanswered() > before, "counted as a possible duplicate");
        assert!(super::super::raw::SEND_TIMEOUT >= std::time::Duration::from_mins(2));
    }

    #[test]
    fn an_edit_of_a_deleted_message_of_no_ticket_is_reported() {
        let edit = Call::EditText { chat_id: -100, message_id: 5, text: "x".to_owned(), buttons: Vec::new() };
        let place = Place { chat_id: -100, thread: None };
        let gone = || api(400, "Bad Request: message to edit not found");
        let verdict = judge(&edit, place, None, Err(gone()), NEVER);
        assert_eq!(
            verdict,
            Verdict::Done { delivery: Some(Delivery::EditGone { chat_id: -100, message_id: 5 }) }
        );
        // A ticket's card is the ticket's business (its topic may be gone as a whole).
        let verdict = judge(&edit, place, Some(TicketId(1)), Err(gone()), NEVER);
        assert_eq!(verdict, Verdict::Done { delivery: None });
    }

    /// Regression: a deletion refused after Telegram's 48-hour window was dropped in
    /// silence, so the topic never heard that the wrong customer keeps the copy.
    #[test]
    fn a_refused_deletion_is_reported_to_the_ticket() {
        let delete = Call::DeleteMessage { chat_id: 7, message_id: 12 };
        let place = Place { chat_id: 7, thread: None };
        for description in [
            "Bad Request: message can't be deleted for everyone",
            "Bad Request: message can't be deleted",
            "Bad Request: message to delete not found",
        ] {
            let verdict = judge(&delete, place, Some(TicketId(1)), Err(api(400, description)), NEVER);
            let reported = Verdict::Done { delivery: Some(Delivery::NotDeleted { ticket: TicketId(1) }) };
            assert_eq!(verdict, reported, "{description}");
        }
    }
}

//! Queued calls out: one Bot API request per call, and a verdict on the answer that says
//! what the dispatcher does with the outbox entry (drop it, keep it for later) and what
//! the desk should hear (invariant 4: blocked customer, deleted topic, "not modified").

use teloxide::payloads::setters::*;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia,
    InputMediaDocument, InputMediaPhoto, InputMediaVideo, MessageId, ReplyParameters, Rgb, ThreadId,
};
use teloxide::{ApiError, RequestError};

use super::raw::execute;
use crate::outbox::{Button, Call, Delivery, FileKind, Media, Outcome, Report, Target};

/// Where a call's [`Target`] points once the ticket's topic is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub chat_id: i64,
    pub thread: Option<i32>,
}

/// What to do with an outbox entry after trying to send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Telegram accepted it (or its outcome is final): drop it from the outbox.
    Done { delivery: Option<Delivery> },
    /// Keep it and try again later; `outcome` tells the budget how long to wait.
    Retry { outcome: Outcome, delivery: Option<Delivery> },
}

/// Sends one call. `place` is where its target resolved to; `ticket` the ticket the call
/// concerns, if any (a deleted topic or a refused deletion is reported for it).
pub async fn send(bot: &Bot, call: &Call, place: Place, ticket: Option<crate::ticket::TicketId>) -> Verdict {
    let sent_at = jiff::Timestamp::now();
    let result = request(bot, call, place).await;
    judge(call, place, ticket, result, sent_at)
}

/// What a successful request returned, as far as the desk cares.
enum Returned {
    Nothing,
    Message(i32),
    Messages(Vec<i32>),
    Topic(i32),
}

#[allow(clippy::too_many_lines)] // One arm per call kind, each a short builder chain.
async fn request(bot: &Bot, call: &Call, place: Place) -> Result<Returned, RequestError> {
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
        // copyMessages cannot reply: an album that replies is sent again from its files.
        Call::Copy { message_ids, reply_to: Some(reply_to), media, .. }
            if media.len() == message_ids.len() =>
        {
            let mut request = bot.send_media_group(chat, media.iter().map(input_media));
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            request = request
                .reply_parameters(ReplyParameters::new(MessageId(*reply_to)).allow_sending_without_reply());
            Ok(Returned::Messages(execute(bot, request).await?.into_iter().map(|m| m.id.0).collect()))
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
        Call::CloseTopic { .. } => {
            execute(bot, bot.close_forum_topic(chat, thread.unwrap_or(ThreadId(MessageId(0))))).await?;
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
        // The dispatcher turns an edit of a relayed message into the edit or note it becomes
        // once the copy is known; as such it is never sent.
        Call::EditRelayed { .. } => Ok(Returned::Nothing),
        Call::AnswerButton { callback_id, text } => {
            let mut request = bot.answer_callback_query(CallbackQueryId(callback_id.clone()));
            if let Some(text) = text {
                request = request.text(text.clone());
            }
            execute(bot, request).await?;
            Ok(Returned::Nothing)
        }
    }
}

fn judge(
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    result: Result<Returned, RequestError>,
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
            Some(Delivery::SummaryPosted { message_id: id })
        }
        (
            Call::SendText { report: Some(Report::Relay { chat_id, message_id }), .. }
            | Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. },
            Returned::Message(id),
        ) => Some(Delivery::Relayed { source: (*chat_id, *message_id), copies: vec![(place.chat_id, id)] }),
        (Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. }, Returned::Messages(ids)) => {
            Some(Delivery::Relayed {
                source: (*chat_id, *message_id),
                copies: ids.into_iter().map(|id| (place.chat_id, id)).collect(),
            })
        }
        _ => None,
    };
    Verdict::Done { delivery }
}

fn judge_error(
    call: &Call,
    place: Place,
    ticket: Option<crate::ticket::TicketId>,
    error: &RequestError,
    sent_at: jiff::Timestamp,
) -> Verdict {
    let retry = |outcome| Verdict::Retry { outcome, delivery: None };
    match error {
        RequestError::RetryAfter(seconds) => {
            retry(Outcome::RetryAfter { millis: u64::from(seconds.seconds()) * 1000 })
        }
        // Network trouble, a chat migration the desk will follow, or an answer that did not
        // parse: none of these says the call itself is wrong, so it waits and goes again.
        RequestError::Network(_)
        | RequestError::Io(_)
        | RequestError::MigrateToChatId(_)
        | RequestError::InvalidJson { .. } => retry(Outcome::Transient),
        RequestError::Api(api) => match api {
            ApiError::MessageNotModified => Verdict::Done { delivery: None },
            ApiError::MessageCantBeDeleted | ApiError::MessageToDeleteNotFound
                if matches!(call, Call::DeleteMessage { .. }) =>
            {
                Verdict::Done { delivery: ticket.map(|ticket| Delivery::NotDeleted { ticket }) }
            }
            // The pinned summary is no ticket's; when someone deletes it, the desk posts it anew.
            ApiError::MessageToEditNotFound if ticket.is_none() => match call {
                Call::EditText { chat_id, message_id, .. } => Verdict::Done {
                    delivery: Some(Delivery::EditGone { chat_id: *chat_id, message_id: *message_id }),
                },
                _ => dropped(call, error),
            },
            // Past Telegram's deletion window the words are "can't be deleted for everyone",
            // which teloxide does not know.
            ApiError::Unknown(text) if cannot_delete(text) && matches!(call, Call::DeleteMessage { .. }) => {
                Verdict::Done { delivery: ticket.map(|ticket| Delivery::NotDeleted { ticket }) }
            }
            ApiError::BotBlocked | ApiError::CantInitiateConversation | ApiError::UserDeactivated
                if place.chat_id > 0 =>
            {
                let customer = place.chat_id as u64;
                Verdict::Done { delivery: Some(Delivery::Unreachable { customer, sent_at }) }
            }
            // teloxide keeps no error code, only the description: a 5xx with a JSON body
            // arrives here and must wait and go again like any other server trouble.
            ApiError::Unknown(text) if server_error(text) => retry(Outcome::Transient),
            ApiError::Unknown(text) if thread_missing(text) => match (ticket, call) {
                // The message stays queued; the desk opens a new topic and it goes there.
                (Some(ticket), _) => Verdict::Retry {
                    outcome: Outcome::Sent,
                    delivery: Some(Delivery::TopicMissing { ticket }),
                },
                (None, _) => dropped(call, error),
            },
            _ => match (ticket, call) {
                // A relayed message is never dropped without a word: the topic is told.
                (Some(ticket), Call::Copy { report: Some(Report::Relay { chat_id, message_id }), .. }) => {
                    tracing::warn!(?call, %error, "Telegram refused to copy a message");
                    let source = (*chat_id, *message_id);
                    let reason = match api {
                        ApiError::Unknown(text) => text.clone(),
                        known => known.to_string(),
                    };
                    Verdict::Done { delivery: Some(Delivery::NotRelayed { ticket, source, reason }) }
                }
                _ => dropped(call, error),
            },
        },
    }
}

/// A call Telegram refused for good: logged with what it was, then dropped so it does not
/// hold up its chat forever.
fn dropped(call: &Call, error: &RequestError) -> Verdict {
    tracing::error!(?call, %error, "Telegram refused a call; dropping it");
    Verdict::Done { delivery: None }
}

/// The descriptions Telegram's front ends give 5xx answers.
fn server_error(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["internal server error", "bad gateway", "service unavailable", "gateway timeout", "server error"]
        .iter()
        .any(|known| text.starts_with(known))
}

fn cannot_delete(text: &str) -> bool {
    text.to_ascii_lowercase().contains("message can't be deleted")
}

fn thread_missing(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
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
            .map(|b| InlineKeyboardButton::callback(b.label.clone(), b.data.clone()))
            .collect::<Vec<_>>()
    }))
}

/// The place a target resolves to, or `None` while a topic does not exist yet.
pub fn resolve(
    target: Target,
    staff_chat: i64,
    topic_of: impl Fn(crate::ticket::TicketId) -> Option<i32>,
) -> Option<Place> {
    match target {
        Target::Chat { chat_id } => Some(Place { chat_id, thread: None }),
        Target::Topic { ticket } => {
            topic_of(ticket).map(|thread| Place { chat_id: staff_chat, thread: Some(thread) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::TicketId;

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

    fn verdict_on(description: &str) -> Verdict {
        let error = RequestError::Api(ApiError::Unknown(description.to_owned()));
        let place = Place { chat_id: -100, thread: Some(9) };
        judge(&relay(), place, Some(TicketId(1)), Err(error), jiff::Timestamp::UNIX_EPOCH)
    }

    /// Regression: a 500 with Telegram's JSON body was taken for a final refusal and the
    /// customer's message dropped from the outbox (seen end to end with ten 500s in a row).
    #[test]
    fn server_errors_are_retried_not_dropped() {
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        for description in ["Internal Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout"]
        {
            assert_eq!(verdict_on(description), retry, "{description}");
        }
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

    #[test]
    fn an_edit_of_a_deleted_message_of_no_ticket_is_reported() {
        let edit = Call::EditText { chat_id: -100, message_id: 5, text: "x".to_owned(), buttons: Vec::new() };
        let place = Place { chat_id: -100, thread: None };
        let gone = || RequestError::Api(ApiError::MessageToEditNotFound);
        let verdict = judge(&edit, place, None, Err(gone()), jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            verdict,
            Verdict::Done { delivery: Some(Delivery::EditGone { chat_id: -100, message_id: 5 }) }
        );
        // A ticket's card is the ticket's business (its topic may be gone as a whole).
        let verdict = judge(&edit, place, Some(TicketId(1)), Err(gone()), jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(verdict, Verdict::Done { delivery: None });
    }

    /// Regression: a deletion refused after Telegram's 48-hour window was dropped in
    /// silence, so the topic never heard that the wrong customer keeps the copy.
    #[test]
    fn a_refused_deletion_is_reported_to_the_ticket() {
        let delete = Call::DeleteMessage { chat_id: 7, message_id: 12 };
        let place = Place { chat_id: 7, thread: None };
        for description in
            ["Bad Request: message can't be deleted for everyone", "Bad Request: message can't be deleted"]
        {
            let error = RequestError::Api(ApiError::Unknown(description.to_owned()));
            let verdict = judge(&delete, place, Some(TicketId(1)), Err(error), jiff::Timestamp::UNIX_EPOCH);
            let reported = Verdict::Done { delivery: Some(Delivery::NotDeleted { ticket: TicketId(1) }) };
            assert_eq!(verdict, reported, "{description}");
        }
    }
}

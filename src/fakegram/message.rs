//! Messages as the fake stores them: what a test inspects (`FakeMessage`, `Content`, `ServiceEvent`)
//! and what a simulated person writes (`Draft`). Every message, whoever sends it, goes through one
//! path in `world.rs`; this file only describes them.

use serde_json::Value;

/// A message in a chat, as stored; inspection reads these.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FakeMessage {
    /// The chat the message is in.
    pub chat_id: i64,
    /// Its id inside the chat.
    pub message_id: i32,
    /// Order over all chats: a later message has a larger `seq`.
    pub seq: u64,
    /// The forum topic the message is in; `None` for General, private chats and plain groups.
    pub thread_id: Option<i32>,
    /// Sender's user id (the bot's own id for what the bot sent).
    pub from: u64,
    /// Unix seconds on the fake's clock.
    pub date: i64,
    /// What kind of message it is, with its file if any.
    pub content: Content,
    /// The text, or the caption of a media message.
    pub text: Option<String>,
    /// Entities of `text` as Telegram reports them (UTF-16 offsets).
    pub entities: Vec<Value>,
    /// The message this one explicitly replies to.
    pub reply_to: Option<i32>,
    /// The inline keyboard, as the bot sent it (`{"inline_keyboard": [...]}`).
    pub reply_markup: Option<Value>,
    /// Albums share one media group id.
    pub media_group_id: Option<String>,
    /// For forwards: the original sender's user id and date.
    pub forward_origin: Option<(u64, i64)>,
    /// For a result picked in inline mode: the bot it came from.
    pub via_bot: Option<u64>,
    /// The business connection whose account's chat holds it; `None` for the bot's own chats.
    pub business_connection_id: Option<String>,
    /// For what the bot sent on behalf of a business account (shown from the owner): the bot.
    pub sender_business_bot: Option<u64>,
    /// Earlier versions, oldest first; a message never edited has none.
    pub edits: Vec<EditRecord>,
    /// Unix seconds of the last edit.
    pub edit_date: Option<i64>,
    /// Deleted messages stay in the store, flagged, for inspection.
    pub deleted: bool,
}

/// The state of a message before one edit.
#[derive(Clone, Debug, PartialEq)]
pub struct EditRecord {
    /// Text or caption before the edit.
    pub text: Option<String>,
    /// The keyboard before the edit.
    pub reply_markup: Option<Value>,
}

/// What a message carries besides its text or caption.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// Plain text (the text is in `FakeMessage::text`).
    Text,
    /// A photo; `file_id` is the largest size's.
    Photo { file_id: String },
    /// A file with its name.
    Document { file_id: String, file_name: String },
    /// A voice note of `duration` seconds.
    Voice { file_id: String, duration: u32 },
    /// A video of `duration` seconds.
    Video { file_id: String, duration: u32 },
    /// A round video message of `duration` seconds, `length` pixels wide and high.
    VideoNote { file_id: String, duration: u32, length: u32 },
    /// A sticker showing `emoji`.
    Sticker { file_id: String, emoji: String },
    /// A location pin.
    Location { latitude: f64, longitude: f64 },
    /// A shared contact.
    Contact { phone_number: String, first_name: String, last_name: Option<String> },
    /// Something Telegram posted by itself.
    Service(ServiceEvent),
}

/// Service messages Telegram posts by itself.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceEvent {
    /// `forum_topic_created`; its message id is the topic's thread id.
    TopicCreated { name: String, icon_color: u32 },
    /// `forum_topic_edited`.
    TopicEdited { name: String },
    /// `forum_topic_closed`.
    TopicClosed,
    /// `forum_topic_reopened`.
    TopicReopened,
    /// `pinned_message`.
    Pinned { message_id: i32 },
    /// `migrate_to_chat_id`, in the old basic group.
    MigrateTo { chat_id: i64 },
    /// `migrate_from_chat_id`, in the new supergroup.
    MigrateFrom { chat_id: i64 },
}

impl Content {
    /// A short name of the kind: `text`, `photo`, `document`, ..., `service`.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text => "text",
            Content::Photo { .. } => "photo",
            Content::Document { .. } => "document",
            Content::Voice { .. } => "voice",
            Content::Video { .. } => "video",
            Content::VideoNote { .. } => "video_note",
            Content::Sticker { .. } => "sticker",
            Content::Location { .. } => "location",
            Content::Contact { .. } => "contact",
            Content::Service(_) => "service",
        }
    }

    /// The file the message carries, if any.
    pub fn file_id(&self) -> Option<&str> {
        match self {
            Content::Photo { file_id }
            | Content::Document { file_id, .. }
            | Content::Voice { file_id, .. }
            | Content::Video { file_id, .. }
            | Content::VideoNote { file_id, .. }
            | Content::Sticker { file_id, .. } => Some(file_id),
            _ => None,
        }
    }

    /// Whether the message may carry a caption (media other than stickers).
    pub fn takes_caption(&self) -> bool {
        matches!(
            self,
            Content::Photo { .. } | Content::Document { .. } | Content::Voice { .. } | Content::Video { .. }
        )
    }
}

impl FakeMessage {
    /// The inline buttons' callback data, row by row flattened.
    pub fn callback_data(&self) -> Vec<&str> {
        let rows = self.reply_markup.as_ref().and_then(|markup| markup.get("inline_keyboard"));
        let buttons =
            rows.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_array).flatten();
        buttons.filter_map(|button| button.get("callback_data").and_then(Value::as_str)).collect()
    }
}

/// What a simulated person sends. File ids are minted by the fake; `text` is the caption for media.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// What kind of message it is, with its file if any.
    pub content: Content,
    /// Text, or the caption of a media draft.
    pub text: Option<String>,
    /// Post into this forum topic (people in groups); `None` is General or a non-forum chat.
    pub thread_id: Option<i32>,
    /// Reply to this message of the same chat.
    pub reply_to: Option<i32>,
}

impl Draft {
    fn of(content: Content, text: Option<String>) -> Draft {
        Draft { content, text, thread_id: None, reply_to: None }
    }

    /// A text message.
    pub fn text(text: impl Into<String>) -> Draft {
        Draft::of(Content::Text, Some(text.into()))
    }

    /// A photo without caption (add one with [`Draft::caption`]).
    pub fn photo() -> Draft {
        Draft::of(Content::Photo { file_id: String::new() }, None)
    }

    /// A document with the given file name.
    pub fn document(file_name: impl Into<String>) -> Draft {
        Draft::of(Content::Document { file_id: String::new(), file_name: file_name.into() }, None)
    }

    /// A voice note of `duration` seconds.
    pub fn voice(duration: u32) -> Draft {
        Draft::of(Content::Voice { file_id: String::new(), duration }, None)
    }

    /// A video of `duration` seconds.
    pub fn video(duration: u32) -> Draft {
        Draft::of(Content::Video { file_id: String::new(), duration }, None)
    }

    /// A round video message of `duration` seconds.
    pub fn video_note(duration: u32) -> Draft {
        Draft::of(Content::VideoNote { file_id: String::new(), duration, length: 384 }, None)
    }

    /// A sticker showing `emoji`.
    pub fn sticker(emoji: impl Into<String>) -> Draft {
        Draft::of(Content::Sticker { file_id: String::new(), emoji: emoji.into() }, None)
    }

    /// A location pin.
    pub fn location(latitude: f64, longitude: f64) -> Draft {
        Draft::of(Content::Location { latitude, longitude }, None)
    }

    /// A shared contact.
    pub fn contact(phone_number: impl Into<String>, first_name: impl Into<String>) -> Draft {
        let (phone_number, first_name) = (phone_number.into(), first_name.into());
        Draft::of(Content::Contact { phone_number, first_name, last_name: None }, None)
    }

    /// A shared contact with a last name.
    pub fn full_contact(
        phone_number: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Draft {
        let (phone_number, first_name, last_name) =
            (phone_number.into(), first_name.into(), last_name.into());
        Draft::of(Content::Contact { phone_number, first_name, last_name: Some(last_name) }, None)
    }

    /// Sets the caption of a media draft.
    #[must_use]
    pub fn caption(mut self, caption: impl Into<String>) -> Draft {
        self.text = Some(caption.into());
        self
    }

    /// Posts the draft into a forum topic.
    #[must_use]
    pub fn in_topic(mut self, thread_id: i32) -> Draft {
        self.thread_id = Some(thread_id);
        self
    }

    /// Makes the draft a reply to a message of the same chat.
    #[must_use]
    pub fn replying_to(mut self, message_id: i32) -> Draft {
        self.reply_to = Some(message_id);
        self
    }
}

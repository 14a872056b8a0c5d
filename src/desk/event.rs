//! What can happen to the desk, as one closed enum. The Telegram adapter translates
//! updates into these; the dispatcher reports deliveries; timers report ticks. Nothing
//! in here knows Telegram's wire types.

use crate::business::BusinessConnection;
use crate::outbox::{Delivery, Single};
use crate::ticket::{Customer, UserId};

/// One inbound event for the desk.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A customer wrote to the bot in private.
    Customer(CustomerMessage),
    /// A customer edited a message they had sent.
    CustomerEdit(CustomerMessage),
    /// Someone wrote in the staff chat, in a topic or in General.
    Staff(StaffMessage),
    /// Someone edited a message in the staff chat.
    StaffEdit(StaffMessage),
    /// An inline button was pressed.
    Button(ButtonPress),
    /// Someone typed `@bot ...` in a chat (inline mode): they wait for results.
    InlineQuery(InlineQuery),
    /// The customer blocked (or unblocked) the bot.
    Reachability { customer: UserId, blocked: bool },
    /// The staff group became a supergroup with a new id.
    StaffChatMigrated { from: i64, to: i64 },
    /// A Telegram Business account connected the bot, changed its rights, paused or
    /// disconnected it.
    BusinessConnection(BusinessConnection),
    /// A customer wrote to a Telegram Business account connected to the bot.
    BusinessCustomer(BusinessMessage),
    /// A customer edited a message they had sent to a business account.
    BusinessCustomerEdit(BusinessMessage),
    /// The business account's owner answered a customer from their own Telegram app.
    BusinessOwner(BusinessMessage),
    /// A customer deleted messages in their chat with a business account.
    BusinessDeleted { connection: String, customer: UserId, message_ids: Vec<i32> },
    /// A queued call reached Telegram with a result the desk needs.
    Delivered(Delivery),
    /// Telegram took `messages` new messages of the desk's in `chat_id` (for staff groups'
    /// capacity).
    Posted { chat_id: i64, messages: u64 },
    /// Time passed: act on whatever timers fell due by `now`.
    Tick,
}

/// What kind of message it is, for history and for edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Photo,
    Document,
    Voice,
    Video,
    /// A round video message (`video_note`).
    VideoNote,
    Sticker,
    Location,
    Contact,
    Other,
}

/// A message in the customer's private chat with the bot.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerMessage {
    pub customer: Customer,
    pub message_id: i32,
    pub kind: Kind,
    /// The text, or the caption of a media message.
    pub text: Option<String>,
    /// The Telegram file id of a photo or document, for intake attachments.
    pub file_id: Option<String>,
    /// A voice message, round video, sticker, location or contact, as sending it again needs.
    pub single: Option<Single>,
    pub reply_to: Option<i32>,
    /// Messages of one album share this id.
    pub album: Option<String>,
}

/// A message in a Telegram Business account's chat with a customer: `message.customer` is
/// the customer whose chat it is, whoever wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct BusinessMessage {
    /// The connection it came through (`business_connection_id`).
    pub connection: String,
    pub message: CustomerMessage,
    /// The formatting of its text or caption, as Telegram wrote it: a business message is
    /// sent again rather than copied, and keeps it.
    pub entities: Vec<serde_json::Value>,
}

/// A message in the staff chat.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffMessage {
    pub chat_id: i64,
    /// The topic's thread id; `None` in General.
    pub thread: Option<i32>,
    /// Who wrote it; [`ANONYMOUS_ADMIN`](crate::history::ANONYMOUS_ADMIN) for an admin who
    /// posts anonymously.
    pub from: UserId,
    pub from_name: String,
    pub message_id: i32,
    pub kind: Kind,
    pub text: Option<String>,
    pub reply_to: Option<i32>,
    /// Who wrote the message `reply_to` names, as Telegram says: the bot for everything
    /// the desk posted, customers' copies included; `None` when Telegram did not say.
    pub reply_author: Option<UserId>,
    /// The text or caption of the message `reply_to` names, as Telegram sent it along
    /// (`/template save` reads it).
    pub reply_text: Option<String>,
    pub album: Option<String>,
    /// The bot through whose inline mode the writer sent this message (`via_bot`): a result
    /// they picked from `@bot ...`, sent by their own client as their own message.
    pub via_bot: Option<UserId>,
    /// The formatting of its text or caption, as Telegram wrote it: sent along when the
    /// message goes to a customer of a business account, who cannot get a copy.
    pub entities: Vec<serde_json::Value>,
    /// The Telegram file id of a photo, document or video.
    pub file_id: Option<String>,
    /// A voice message, round video, sticker, location or contact, as sending it again needs.
    pub single: Option<Single>,
}

/// An inline query: what someone typed after `@bot`. Telegram says nothing of the chat or
/// topic it was typed in, so whatever it concerns must be in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineQuery {
    pub id: String,
    pub from: UserId,
    pub query: String,
    /// The kind of chat it was typed in, the one thing Telegram says of the place.
    pub typed_in: TypedIn,
}

/// Where an inline query was typed, as Telegram's `chat_type` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedIn {
    /// A supergroup, such as the staff forum.
    Supergroup,
    /// A private chat, a basic group, a channel, or a place Telegram did not name.
    Elsewhere,
}

/// An inline button press, before any check of who pressed what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ButtonPress {
    pub callback_id: String,
    pub from: UserId,
    pub from_name: String,
    pub from_username: Option<String>,
    pub language: Option<String>,
    pub chat_id: i64,
    pub message_id: Option<i32>,
    pub thread: Option<i32>,
    pub data: String,
}

impl Kind {
    /// How the kind reads in history when there is no text.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Photo => "[photo]",
            Kind::Document => "[document]",
            Kind::Voice => "[voice message]",
            Kind::Video => "[video]",
            Kind::VideoNote => "[video message]",
            Kind::Sticker => "[sticker]",
            Kind::Location => "[location]",
            Kind::Contact => "[contact]",
            Kind::Other => "[message]",
        }
    }
}

/// The text history keeps for a message: its text or caption, or a label of its kind.
pub fn history_text(kind: Kind, text: Option<&str>) -> String {
    match (text, kind) {
        (Some(text), Kind::Text) => text.to_owned(),
        (Some(caption), kind) => format!("{} {caption}", kind.label()),
        (None, kind) => kind.label().to_owned(),
    }
}

//! The Telegram calls the desk can ask for, as data. The desk queues them in the outbox;
//! the Telegram adapter turns each into one Bot API request when the budget allows.
//!
//! A call names where it goes with a [`Target`]. A ticket's topic is named by the ticket,
//! not by a thread id, and resolved when the call is sent: a message queued before its
//! topic exists, or after the topic was recreated, still lands in the right place.
//! Calls whose result the desk needs (the new topic's thread id, a relayed copy's message
//! id, the card's message id) carry a [`Report`] saying what to tell the desk.

use serde::{Deserialize, Serialize};

use crate::ticket::{TicketId, UserId};

/// One Bot API request the desk wants made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// Plain text (never parsed as markup), optionally with inline buttons.
    SendText {
        to: Target,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<i32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<Report>,
    },
    /// Copies messages (one, or an album) without a forward header.
    Copy {
        from_chat: i64,
        message_ids: Vec<i32>,
        to: Target,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<i32>,
        /// Parts of one album share it; the planner sends consecutive parts as one album.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        album: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<Report>,
        /// The source's text when it is one plain text message: while the group's budget is
        /// short, the planner may send consecutive ones as one message (see `coalesce`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The files of the copied messages, one per id when all are known (album parts):
        /// an album that replies to a message goes as `sendMediaGroup`, since
        /// `copyMessages` cannot reply. In a planned call (`plan::Planned`) files are left
        /// only on a copy that goes so; any other is copied.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        media: Vec<Media>,
        /// Replaces the copy's caption; empty removes it. A caption over `CAPTION_LIMIT`
        /// cannot go with a copy that replies, so it is removed and follows as a text
        /// (`plan::relayed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// Sends a message's content again, where Telegram allows no copy: to a customer who
    /// wrote through a Telegram Business account (the send methods take the connection,
    /// `copyMessage` does not), and a business message into the topic (a business chat
    /// cannot be copied from). One part goes by its own send method, several (an album) as
    /// one `sendMediaGroup`.
    Resend {
        to: Target,
        parts: Vec<Content>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<i32>,
        /// Parts of one album share it; the planner sends consecutive parts as one album.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        album: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<Report>,
    },
    /// Replaces a message's text and buttons (the ticket card, a prompt).
    EditText {
        chat_id: i64,
        message_id: i32,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// Replaces a message's buttons, leaving its text; no rows removes them.
    SetButtons {
        chat_id: i64,
        message_id: i32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// Sends a photo or document Telegram already has, by its file id.
    SendFile {
        to: Target,
        file_id: String,
        kind: FileKind,
    },
    DeleteMessage {
        chat_id: i64,
        message_id: i32,
    },
    /// Opens the ticket's topic in the staff chat; reports the thread id back.
    CreateTopic {
        chat_id: i64,
        ticket: TicketId,
        name: String,
        icon_color: u32,
    },
    /// Renames the ticket's topic.
    EditTopic {
        ticket: TicketId,
        name: String,
    },
    CloseTopic {
        ticket: TicketId,
    },
    /// Deletes a topic with every message in it, named by its thread: the ticket it carried
    /// is erased already (a customer forgotten, a retention policy).
    DeleteTopic {
        chat_id: i64,
        thread_id: i32,
    },
    ReopenTopic {
        ticket: TicketId,
    },
    /// Closes a topic named by its thread: the one a ticket left when it was transferred to
    /// another staff group (its ticket's topic is the new one by then).
    CloseThread {
        chat_id: i64,
        thread_id: i32,
    },
    /// Pins a message without notifying anyone (the queue summary in General).
    Pin {
        chat_id: i64,
        message_id: i32,
    },
    /// The customer edited a message relayed into the ticket's topic. The copy is looked up
    /// when the call is sent, so an edit that arrives before its message was relayed lands
    /// after the copy; the planner then edits the copy or replies to it with a note
    /// (`coalesce::edit_of_copy`), or settles the call when the message was never relayed.
    EditRelayed {
        source: (i64, i32),
        ticket: TicketId,
        /// The message's new text, or a label of its kind and its new caption.
        text: String,
        /// A plain text message (its copy's text can be replaced), not media with a caption.
        text_message: bool,
    },
    /// An agent edited a reply relayed from the topic to the customer's chat `chat_id`.
    /// Like [`Call::EditRelayed`] the other way, the copy is looked up when the call is
    /// sent, behind the reply in the customer's queue, so an edit made before the reply went
    /// (or before its copy was recorded) edits it once it has: the planner edits the copy's
    /// text or replies to it with a note, or settles the call when the reply never went.
    EditReply {
        /// The agent's message in the staff chat.
        source: (i64, i32),
        chat_id: i64,
        /// The message's new text, or a label of its kind and its new caption.
        text: String,
        /// A plain text message (its copy's text can be replaced), not media with a caption.
        text_message: bool,
    },
    /// Marks the messages a customer wrote to a Telegram Business account up to `message_id`
    /// read in that chat, on the account's behalf (`readBusinessMessage` through the
    /// connection `connection`). Never held: a refusal is final for it.
    ReadBusiness {
        connection: String,
        chat_id: i64,
        message_id: i32,
    },
    /// Acknowledges a button press, optionally with a short notice.
    AnswerButton {
        callback_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Answers an inline query (`@bot T-000123 refund`) with these results, for the one person
    /// who asked (`is_personal`) and cached `cache_seconds` by Telegram; no results is an
    /// answer too (the list stays empty).
    AnswerInline {
        query_id: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        results: Vec<InlineResult>,
        cache_seconds: u32,
    },
}

/// One result of an inline query: a text the person's client sends as their own message
/// (with `via_bot`) when they pick it. Plain text, never markup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineResult {
    /// Unique among the answer's results, 1 to 64 bytes.
    pub id: String,
    pub title: String,
    /// The line under the title in the list (a preview).
    pub description: String,
    /// The message sent when the result is picked, 1 to 4096 characters.
    pub text: String,
}

/// Where a call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A private chat, or a group's General topic.
    Chat { chat_id: i64 },
    /// The ticket's topic in the staff chat, wherever it is when the call is sent.
    Topic { ticket: TicketId },
    /// One topic named by its thread, whatever ticket it carries now: a topic a ticket
    /// left when it was transferred to another staff group.
    Thread { chat_id: i64, thread_id: i32 },
}

/// One inline button. `data` is at most 64 bytes (Telegram's limit).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    /// The callback data; for a [`ButtonKind::InlineQuery`] button, the query it pre-fills;
    /// for a [`ButtonKind::WebApp`] button, the https address of the Mini App it opens.
    pub data: String,
    #[serde(default, skip_serializing_if = "ButtonKind::is_callback")]
    pub kind: ButtonKind,
}

/// What pressing a button does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonKind {
    /// Sends `data` to the bot as a callback query.
    #[default]
    Callback,
    /// Puts `@bot <data>` in the presser's input field in this chat (and topic), which
    /// starts an inline query (`switch_inline_query_current_chat`); the bot hears nothing
    /// of the press itself.
    InlineQuery,
    /// Opens the Mini App at `data` (`web_app`; Telegram shows it in private chats only).
    WebApp,
}

impl ButtonKind {
    #[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
    fn is_callback(&self) -> bool {
        *self == ButtonKind::Callback
    }
}

/// Written as before inline-query buttons existed, so transcripts of callback buttons stay
/// as they were: `Button { label: "Claim", data: "t:1:claim" }`.
impl std::fmt::Debug for Button {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Button");
        out.field("label", &self.label);
        match self.kind {
            ButtonKind::Callback => out.field("data", &self.data),
            ButtonKind::InlineQuery => out.field("inline_query", &self.data),
            ButtonKind::WebApp => out.field("web_app", &self.data),
        };
        out.finish()
    }
}

/// How a file is sent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Photo,
    Document,
    Video,
}

/// A file Telegram already has, with its caption (plain text), as one part of an album.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: FileKind,
    pub file_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A message's content as its author sent it: text (or a caption) with its formatting
/// (Telegram's `entities`, kept as Telegram wrote them), and a file Telegram already has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<(FileKind, String)>,
    /// What the message carries instead of a photo, document or video, when it is one of the
    /// kinds that go only by their own send method (a voice message, a sticker, a location...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single: Option<Single>,
}

/// Content that goes only by its own send method, never in an album: a voice message (the
/// content's `text` its caption), a round video message and a sticker, by the file id
/// Telegram already has; a location; a contact. None of them but the voice message takes a
/// caption.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Single {
    Voice {
        file_id: String,
    },
    VideoNote {
        file_id: String,
    },
    Sticker {
        file_id: String,
    },
    Location {
        latitude: f64,
        longitude: f64,
    },
    Contact {
        phone_number: String,
        first_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_name: Option<String>,
    },
}

impl Single {
    /// Whether the message may carry a caption (the content's `text`).
    pub fn takes_caption(&self) -> bool {
        matches!(self, Single::Voice { .. })
    }
}

impl Content {
    /// Whether the content is a file or a single kind that can have no text along (a sticker,
    /// a round video, a location, a contact).
    pub fn takes_no_text(&self) -> bool {
        self.single.as_ref().is_some_and(|single| !single.takes_caption())
    }

    /// The most its text may hold, in UTF-16 code units: a caption's limit for media, a
    /// message's for a text.
    pub fn text_limit(&self) -> usize {
        if self.file.is_some() || self.single.is_some() { CAPTION_LIMIT } else { TEXT_LIMIT }
    }
}

/// What the desk wants to hear when a call succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum Report {
    /// Link the sent copy to this source message (for edits and replies across the relay).
    Relay { chat_id: i64, message_id: i32 },
    /// This message is the ticket's card; remember its id to edit it later. `version`
    /// fingerprints the text and buttons posted, so a stale card can be told apart.
    Card { ticket: TicketId, version: u64 },
    /// This message is the customer's current intake prompt.
    Prompt { customer: UserId },
    /// This message is the queue summary in General.
    Summary,
}

/// What came of a call, as the desk needs to know it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "delivery", rename_all = "snake_case")]
pub enum Delivery {
    /// The ticket's topic exists now.
    TopicCreated {
        ticket: TicketId,
        chat_id: i64,
        thread_id: i32,
    },
    /// The call reported as `Relay` produced these message ids, in order.
    Relayed {
        source: (i64, i32),
        copies: Vec<(i64, i32)>,
    },
    CardPosted {
        ticket: TicketId,
        chat_id: i64,
        message_id: i32,
        version: u64,
    },
    /// The customer's intake prompt went out as this message.
    PromptPosted {
        customer: UserId,
        message_id: i32,
    },
    /// The queue summary went out as this message in General of the staff group `chat_id`
    /// (0 in a record from before staff groups: the desk's own group).
    SummaryPosted {
        #[serde(default)]
        chat_id: i64,
        message_id: i32,
    },
    /// A message of no ticket's that the desk edits is gone (someone deleted it).
    EditGone {
        chat_id: i64,
        message_id: i32,
    },
    /// A message of the ticket's could not be deleted (too old, or not allowed).
    NotDeleted {
        ticket: TicketId,
    },
    /// The customer blocked the bot (403) as of `sent_at`, when the refused call went out.
    Unreachable {
        customer: UserId,
        sent_at: jiff::Timestamp,
    },
    /// The ticket's topic was deleted in Telegram ("message thread not found").
    TopicMissing {
        ticket: TicketId,
    },
    /// Telegram refused for good to copy the message `source` of the ticket's (a customer's
    /// into the topic, or an agent's to the customer), saying `reason`.
    NotRelayed {
        ticket: TicketId,
        source: (i64, i32),
        reason: String,
    },
    /// Telegram refused `call` to a customer of a business account for a reason that passes
    /// only when something happens (`why`): the call left the outbox and is the desk's to
    /// keep until then.
    Held {
        customer: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketId>,
        why: HeldWhy,
        call: Call,
    },
    /// Telegram refused to mark a business customer's messages read: the connection
    /// `connection` lacks the right to read messages (`BOT_ACCESS_FORBIDDEN`).
    ReadRefused {
        connection: String,
    },
    /// Telegram refuses the bot in a staff group's chat (`chat`) for a reason only people
    /// can fix, saying `reason`; the call (for `ticket`, if any) stays queued and goes when
    /// it can.
    StaffChatRefused {
        trouble: StaffTrouble,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketId>,
        /// The staff group's chat that refused (the desk's own group when not said).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chat: Option<i64>,
    },
}

/// Why a call to a customer of a business account cannot go now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldWhy {
    /// Telegram's 24-hour rule: the customer has not written to the account for a day
    /// (`BUSINESS_PEER_USAGE_MISSING`); it passes when they write again.
    Window,
    /// The account paused or disconnected the bot (`BUSINESS_CONNECTION_INVALID`); it passes
    /// when the connection is on again.
    Off,
    /// The account withheld the right to reply (`BOT_ACCESS_FORBIDDEN`); it passes when the
    /// right is given.
    NoRights,
}

impl HeldWhy {
    /// The refusal Telegram answers a send through a business connection with, when it is
    /// one that passes (its status and description).
    pub fn of_refusal(status: u16, description: &str) -> Option<HeldWhy> {
        match status {
            400 if description.contains("BUSINESS_PEER_USAGE_MISSING") => Some(HeldWhy::Window),
            400 if description.contains("BUSINESS_CONNECTION_INVALID") => Some(HeldWhy::Off),
            403 if description.contains("BOT_ACCESS_FORBIDDEN") => Some(HeldWhy::NoRights),
            _ => None,
        }
    }
}

/// Why the bot cannot work in the staff chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffTrouble {
    /// It is still a member but lacks a right (to manage topics, to post), or topics are
    /// off: General can still be told.
    Rights,
    /// It was removed from the group (kicked, or left): only private chats can be told.
    Removed,
}

impl Call {
    /// How many messages the call adds to its chat once Telegram takes it, `joined` the
    /// album parts or texts sent with it: service messages count (a topic created, closed,
    /// reopened or renamed, a pin), edits, deletions and answers do not. For the staff
    /// groups' capacity.
    pub fn posts(&self, joined: usize) -> u64 {
        match self {
            Call::Copy { album: Some(_), .. } | Call::Resend { album: Some(_), .. } => 1 + joined as u64,
            Call::SendText { .. }
            | Call::Copy { .. }
            | Call::Resend { .. }
            | Call::SendFile { .. }
            | Call::CreateTopic { .. }
            | Call::EditTopic { .. }
            | Call::CloseTopic { .. }
            | Call::ReopenTopic { .. }
            | Call::CloseThread { .. }
            | Call::Pin { .. } => 1,
            Call::EditText { .. }
            | Call::SetButtons { .. }
            | Call::DeleteMessage { .. }
            | Call::DeleteTopic { .. }
            | Call::EditRelayed { .. }
            | Call::EditReply { .. }
            | Call::ReadBusiness { .. }
            | Call::AnswerButton { .. }
            | Call::AnswerInline { .. } => 0,
        }
    }

    /// The ticket whose topic this call goes to or acts on.
    pub fn topic_ticket(&self) -> Option<TicketId> {
        match self {
            Call::SendText { to: Target::Topic { ticket }, .. }
            | Call::Copy { to: Target::Topic { ticket }, .. }
            | Call::SendFile { to: Target::Topic { ticket }, .. }
            | Call::Resend { to: Target::Topic { ticket }, .. }
            | Call::EditTopic { ticket, .. }
            | Call::CloseTopic { ticket }
            | Call::ReopenTopic { ticket }
            | Call::EditRelayed { ticket, .. } => Some(*ticket),
            _ => None,
        }
    }

    /// The chat whose order and budget this call belongs to, given the chat of the ticket
    /// a topic call names (its staff group's).
    pub fn chat(&self, staff_chat: i64) -> i64 {
        match self {
            Call::SendText { to, .. }
            | Call::Copy { to, .. }
            | Call::SendFile { to, .. }
            | Call::Resend { to, .. } => to.chat(staff_chat),
            Call::EditText { chat_id, .. }
            | Call::SetButtons { chat_id, .. }
            | Call::DeleteMessage { chat_id, .. }
            | Call::DeleteTopic { chat_id, .. }
            | Call::CloseThread { chat_id, .. }
            | Call::Pin { chat_id, .. }
            | Call::EditReply { chat_id, .. }
            | Call::CreateTopic { chat_id, .. }
            | Call::ReadBusiness { chat_id, .. } => *chat_id,
            Call::EditTopic { .. }
            | Call::CloseTopic { .. }
            | Call::ReopenTopic { .. }
            | Call::EditRelayed { .. } => staff_chat,
            // Answering a press or a query spends no chat's message budget; give it its own queue.
            Call::AnswerButton { .. } | Call::AnswerInline { .. } => 0,
        }
    }
}

impl Target {
    pub fn chat(self, staff_chat: i64) -> i64 {
        match self {
            Target::Chat { chat_id } | Target::Thread { chat_id, .. } => chat_id,
            Target::Topic { .. } => staff_chat,
        }
    }
}

/// Telegram's limit on a message's text, in characters.
pub const TEXT_LIMIT: usize = 4096;

/// The text cut to `max_chars` characters, an ellipsis marking the cut.
pub fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// The most a caption the bot sends may hold, in UTF-16 code units as Telegram counts.
pub const CAPTION_LIMIT: usize = 1024;

/// Whether a caption is longer than the bot may send (a Premium sender's can be).
pub fn caption_too_long(caption: &str) -> bool {
    caption.encode_utf16().count() > CAPTION_LIMIT
}

/// Splits `text` into parts of at most `limit` characters, at line breaks where it can,
/// else at spaces, else anywhere.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.chars().count() > limit {
        let cut_byte = rest.char_indices().nth(limit).map_or(rest.len(), |(at, _)| at);
        let window = &rest[..cut_byte];
        let cut = match window.rfind('\n').filter(|&at| at > 0) {
            Some(line_break) => line_break,
            None if rest[cut_byte..].starts_with(' ') => cut_byte,
            None => window.rfind(' ').filter(|&at| at > 0).unwrap_or(cut_byte),
        };
        parts.push(rest[..cut].to_owned());
        rest = rest[cut..].trim_start_matches(['\n', ' ']);
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

impl Button {
    /// A button that sends `data` back to the bot.
    pub fn new(label: impl Into<String>, data: impl Into<String>) -> Button {
        Button { label: label.into(), data: data.into(), kind: ButtonKind::Callback }
    }

    /// A button that pre-fills `@bot <query>` in the presser's input field, in this chat.
    pub fn inline_query(label: impl Into<String>, query: impl Into<String>) -> Button {
        Button { label: label.into(), data: query.into(), kind: ButtonKind::InlineQuery }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_split_at_lines_then_spaces_then_anywhere() {
        assert_eq!(split_text("short", 10), ["short"]);
        assert_eq!(split_text("one line\ntwo line", 12), ["one line", "two line"]);
        assert_eq!(split_text("aaaa bbbb cccc", 9), ["aaaa bbbb", "cccc"]);
        assert_eq!(split_text("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        let long = "ж".repeat(5000);
        let parts = split_text(&long, TEXT_LIMIT);
        assert_eq!(parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(), [4096, 904]);
    }
}

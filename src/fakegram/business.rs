//! Telegram Business in the fake: a person's account connected to the bot (`business_connection`
//! updates as it is connected, its rights changed, disabled or enabled), the account's private chats
//! with its customers, and the bot acting on the account's behalf with Telegram's rules.
//!
//! What Telegram does and the fake does too:
//! - a business chat is the account's chat with a customer, independent of the bot's own private
//!   chat with the same person (same `chat.id`, other messages): a customer's message in it reaches
//!   the bot as `business_message` with `business_connection_id`, and the account owner's own
//!   answers from their app reach it too (from the owner), while the connection is enabled;
//! - the bot sends into it with `business_connection_id` on the send methods (the message is shown
//!   from the owner, with `sender_business_bot`), only while the connection is enabled
//!   (`BUSINESS_CONNECTION_INVALID` otherwise, as for an unknown id), with `can_reply`
//!   (`403 Forbidden: BOT_ACCESS_FORBIDDEN` without), and only within 24 hours of the customer's
//!   last message there (`400 Bad Request: BUSINESS_PEER_USAGE_MISSING` after);
//! - the bot edits the text, caption or keyboard of a message it sent through the connection
//!   (`editMessageText`, `editMessageCaption`, `editMessageReplyMarkup` with
//!   `business_connection_id`) under the same rules as sending (enabled, `can_reply`, 24 hours);
//!   any other message of the chat, the customer's or the owner's own, `message can't be edited`
//!   (Telegram lets a bot edit the owner's messages within 48 hours: not simulated); the edit
//!   comes back as no update, as the bot's sends do;
//! - `copyMessage` and `forwardMessage` take no `business_connection_id` (the spec check refuses
//!   it), and their `from_chat_id` names the bot's own chat with the person, never the business
//!   chat: a business message is brought elsewhere by sending its text and files again;
//! - a customer's edit comes as `edited_business_message`, a deletion as
//!   `deleted_business_messages` (while the connection is enabled);
//! - `getBusinessConnection`; `readBusinessMessage` with `can_read_messages`, on an incoming
//!   message of a chat active in the last 24 hours: it and every earlier incoming message of
//!   the chat are read.
//!
//! Not simulated, and refused as such: `business_connection_id` on any other method (media
//! edits, pins, chat actions included); the bot's own sends through a connection do not come back as updates.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::FakeHandle;
use super::error::{ApiFailure, ControlError};
use super::message::{Content, Draft, EditRecord};
use super::methods::Call;
use super::world::{ChatKind, ChatState, Post, World};

/// A bot may answer in a business chat only this long after the customer's last message there.
pub(crate) const REPLY_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// The methods whose simulation honours `business_connection_id`; the parameter on any other
/// method the spec allows it for is refused as not simulated.
pub(crate) const HONOURED: [&str; 15] = [
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendVideo",
    "sendVoice",
    "sendVideoNote",
    "sendSticker",
    "sendLocation",
    "sendContact",
    "sendMediaGroup",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "getBusinessConnection",
    "readBusinessMessage",
];

/// The rights a business account grants the connected bot (the ones the fake looks at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusinessRights {
    /// The bot may send and edit messages in the account's chats (active in the last 24 hours).
    pub can_reply: bool,
    /// The bot may mark incoming messages read.
    pub can_read_messages: bool,
}

impl BusinessRights {
    /// Replying and reading.
    pub fn full() -> BusinessRights {
        BusinessRights { can_reply: true, can_read_messages: true }
    }

    /// The bot only sees the chats: no reply, no read marks.
    pub fn read_only() -> BusinessRights {
        BusinessRights { can_reply: false, can_read_messages: false }
    }
}

/// A business connection as the fake keeps it, with the account's chats by customer id.
pub(crate) struct Connection {
    pub owner: u64,
    pub rights: BusinessRights,
    pub enabled: bool,
    pub date: i64,
    pub chats: BTreeMap<i64, ChatState>,
    /// Incoming messages the bot marked read, each one read up to included: (chat id, message id).
    pub read: BTreeSet<(i64, i32)>,
}

impl World {
    /// The `BusinessConnection` object of a connection the caller knows exists.
    pub(crate) fn connection_json(&self, id: &str) -> Value {
        let connection = &self.business[id];
        json!({
            "id": id,
            "user": self.user_json(connection.owner),
            "user_chat_id": connection.owner,
            "date": connection.date,
            "rights": {
                "can_reply": connection.rights.can_reply,
                "can_read_messages": connection.rights.can_read_messages,
            },
            "is_enabled": connection.enabled,
        })
    }

    fn connection(&self, id: &str) -> Result<&Connection, ApiFailure> {
        let connection = self.business.get(id).filter(|connection| connection.enabled);
        connection.ok_or_else(|| ApiFailure::bad_request("BUSINESS_CONNECTION_INVALID"))
    }

    /// The business chat with `chat_id` and when its customer last wrote there.
    fn active_chat<'world>(
        &self,
        connection: &'world Connection,
        chat_id: i64,
    ) -> Result<&'world ChatState, ApiFailure> {
        let chat = connection.chats.get(&chat_id).ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
        let last_incoming =
            chat.messages.values().rev().find(|message| message.from == chat_id as u64).map(|m| m.date);
        match last_incoming {
            Some(date) if self.now_unix() - date <= REPLY_WINDOW_SECONDS => Ok(chat),
            _ => Err(ApiFailure::bad_request("BUSINESS_PEER_USAGE_MISSING")),
        }
    }

    /// Whether the bot may send into `chat_id` through the connection `id`: the business
    /// counterpart of `bot_target`. Returns the chat and the owner the message is shown from.
    pub(crate) fn business_target(&self, id: &str, chat_id: i64) -> Result<(&ChatState, u64), ApiFailure> {
        let connection = self.connection(id)?;
        if !connection.rights.can_reply {
            return Err(ApiFailure::forbidden("BOT_ACCESS_FORBIDDEN"));
        }
        Ok((self.active_chat(connection, chat_id)?, connection.owner))
    }

    fn push_connection_update(&mut self, id: &str) {
        let payload = self.connection_json(id);
        self.updates.push("business_connection", payload);
    }

    /// A message in the business chat of `customer`, written by the customer or the owner.
    fn business_post(
        &mut self,
        id: &str,
        from: u64,
        customer: u64,
        draft: Draft,
        album: Option<String>,
    ) -> Result<i32, ControlError> {
        self.person(customer)?;
        let connection = self.business.get(id).ok_or_else(|| unknown_connection(id))?;
        if customer == connection.owner {
            return Err(ControlError::Invalid("the owner has no business chat with themselves".to_owned()));
        }
        if let Some(message_id) = draft.reply_to {
            let chat = connection.chats.get(&(customer as i64));
            chat.and_then(|chat| chat.live_message(message_id))
                .ok_or(ControlError::UnknownMessage { chat_id: customer as i64, message_id })?;
        }
        if draft.thread_id.is_some() {
            return Err(ControlError::Invalid("business chats have no topics".to_owned()));
        }
        let content = self.minted(draft.content)?;
        let connection = self.business.get_mut(id).expect("looked up above");
        connection
            .chats
            .entry(customer as i64)
            .or_insert_with(|| ChatState::new(customer as i64, ChatKind::Private, String::new()));
        let mut post = Post::new(customer as i64, from, content);
        (post.text, post.reply_to, post.media_group_id) = (draft.text, draft.reply_to, album);
        post.business_connection_id = Some(id.to_owned());
        Ok(self.append(post))
    }
}

fn unknown_connection(id: &str) -> ControlError {
    ControlError::Invalid(format!("no business connection {id}"))
}

impl FakeHandle {
    /// The person connects their account to the bot (Telegram Business, chatbots settings) with
    /// `rights`; the bot gets `business_connection`. Connecting again keeps the id and enables
    /// the connection with the new rights. Returns the connection's id.
    pub fn connect_business(&self, owner: u64, rights: BusinessRights) -> Result<String, ControlError> {
        self.shared.write(|world| {
            world.person(owner)?;
            let existing = world
                .business
                .iter()
                .find(|(_, connection)| connection.owner == owner)
                .map(|(id, _)| id.clone());
            let id = if let Some(id) = existing {
                let connection = world.business.get_mut(&id).expect("found above");
                (connection.rights, connection.enabled) = (rights, true);
                id
            } else {
                let id = format!("BCfake{:06}", world.serial());
                let date = world.now_unix();
                let chats = BTreeMap::new();
                let connection =
                    Connection { owner, rights, enabled: true, date, chats, read: BTreeSet::new() };
                world.business.insert(id.clone(), connection);
                id
            };
            world.push_connection_update(&id);
            Ok(id)
        })
    }

    /// The owner changes the bot's rights; the bot gets `business_connection`.
    pub fn set_business_rights(&self, id: &str, rights: BusinessRights) -> Result<(), ControlError> {
        self.shared.write(|world| {
            world.business.get_mut(id).ok_or_else(|| unknown_connection(id))?.rights = rights;
            world.push_connection_update(id);
            Ok(())
        })
    }

    /// The owner pauses (`false`) or resumes the bot; the bot gets `business_connection`. While
    /// disabled, customers' messages still reach the account but not the bot, and the bot can
    /// neither send nor read there.
    pub fn set_business_enabled(&self, id: &str, enabled: bool) -> Result<(), ControlError> {
        self.shared.write(|world| {
            world.business.get_mut(id).ok_or_else(|| unknown_connection(id))?.enabled = enabled;
            world.push_connection_update(id);
            Ok(())
        })
    }

    /// A customer writes to the business account (`business_message` for the bot while the
    /// connection is enabled). The customer need not have started the bot.
    pub fn customer_writes_to_business(
        &self,
        id: &str,
        customer: u64,
        draft: Draft,
    ) -> Result<i32, ControlError> {
        self.shared.write(|world| world.business_post(id, customer, customer, draft, None))
    }

    /// A customer sends an album to the business account: one `media_group_id`.
    pub fn customer_album_to_business(
        &self,
        id: &str,
        customer: u64,
        drafts: Vec<Draft>,
    ) -> Result<Vec<i32>, ControlError> {
        self.shared.write(|world| {
            let album = format!("{}", 14_000_000_000_000_000_u64 + world.serial());
            let posts = drafts.into_iter();
            posts
                .map(|draft| world.business_post(id, customer, customer, draft, Some(album.clone())))
                .collect()
        })
    }

    /// The account's owner answers a customer from their own Telegram app: an outgoing message
    /// from the owner, which the bot gets as `business_message` too.
    pub fn owner_writes_in_business(
        &self,
        id: &str,
        customer: u64,
        draft: Draft,
    ) -> Result<i32, ControlError> {
        self.shared.write(|world| {
            let owner = world.business.get(id).ok_or_else(|| unknown_connection(id))?.owner;
            world.business_post(id, owner, customer, draft, None)
        })
    }

    /// The customer edits the text (or caption) of their message to the account: the bot gets
    /// `edited_business_message` while the connection is enabled.
    pub fn customer_edits_in_business(
        &self,
        id: &str,
        customer: u64,
        message_id: i32,
        text: &str,
    ) -> Result<(), ControlError> {
        self.shared.write(|world| {
            let chat_id = customer as i64;
            let now = world.now_unix();
            let connection = world.business.get_mut(id).ok_or_else(|| unknown_connection(id))?;
            let message =
                connection.chats.get_mut(&chat_id).and_then(|chat| chat.messages.get_mut(&message_id));
            let message = message
                .filter(|message| !message.deleted && message.from == customer)
                .ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
            message
                .edits
                .push(EditRecord { text: message.text.clone(), reply_markup: message.reply_markup.clone() });
            (message.text, message.entities, message.edit_date) =
                (Some(text.to_owned()), Vec::new(), Some(now));
            if connection.enabled {
                let payload = world.message_json(&world.business[id].chats[&chat_id].messages[&message_id]);
                world.updates.push("edited_business_message", payload);
            }
            Ok(())
        })
    }

    /// The customer deletes their messages in the chat with the account: the bot gets
    /// `deleted_business_messages` while the connection is enabled.
    pub fn customer_deletes_in_business(
        &self,
        id: &str,
        customer: u64,
        message_ids: &[i32],
    ) -> Result<(), ControlError> {
        self.shared.write(|world| {
            let chat_id = customer as i64;
            let connection = world.business.get_mut(id).ok_or_else(|| unknown_connection(id))?;
            let chat = connection.chats.get_mut(&chat_id).ok_or(ControlError::UnknownChat(chat_id))?;
            for message_id in message_ids {
                let message = chat.messages.get_mut(message_id).filter(|message| !message.deleted);
                message.ok_or(ControlError::UnknownMessage { chat_id, message_id: *message_id })?.deleted =
                    true;
            }
            if connection.enabled {
                let chat = world.chat_json(&world.business[id].chats[&chat_id]);
                let payload =
                    json!({ "business_connection_id": id, "chat": chat, "message_ids": message_ids });
                world.updates.push("deleted_business_messages", payload);
            }
            Ok(())
        })
    }

    /// The customer presses an inline button under a message the bot sent through the
    /// connection; returns the callback query's id.
    pub fn press_business_button(
        &self,
        id: &str,
        customer: u64,
        message_id: i32,
        data: &str,
    ) -> Result<String, ControlError> {
        self.shared.write(|world| {
            let chat_id = customer as i64;
            let connection = world.business.get(id).ok_or_else(|| unknown_connection(id))?;
            let message = connection.chats.get(&chat_id).and_then(|chat| chat.live_message(message_id));
            let message = message.ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
            if !message.callback_data().contains(&data) {
                return Err(ControlError::NoSuchButton { message_id, data: data.to_owned() });
            }
            let payload = world.message_json(message);
            Ok(world.queue_callback(customer, chat_id, &payload, data))
        })
    }
}

/// `getBusinessConnection`: the connection as it stands, disabled ones too.
pub(crate) fn get_business_connection(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let id = call.required("business_connection_id", Value::as_str)?;
    if !world.business.contains_key(id) {
        return Err(ApiFailure::bad_request("BUSINESS_CONNECTION_INVALID"));
    }
    Ok(world.connection_json(id))
}

/// `readBusinessMessage`: marks a customer's message read on the account's behalf.
pub(crate) fn read_business_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let id = call.required("business_connection_id", Value::as_str)?.to_owned();
    let chat_id = call.required("chat_id", Value::as_i64)?;
    let message_id = call.message_id("message_id")?;
    let connection = world.connection(&id)?;
    if !connection.rights.can_read_messages {
        return Err(ApiFailure::forbidden("BOT_ACCESS_FORBIDDEN"));
    }
    let chat = world.active_chat(connection, chat_id)?;
    let incoming = |message: &&super::FakeMessage| message.from == chat_id as u64;
    if !chat.live_message(message_id).is_some_and(|message| incoming(&message)) {
        return Err(ApiFailure::bad_request("MESSAGE_ID_INVALID"));
    }
    // Telegram reads the chat up to the message: it and every earlier incoming one.
    let read: Vec<(i64, i32)> = chat
        .messages
        .range(..=message_id)
        .map(|(_, message)| message)
        .filter(incoming)
        .map(|message| (chat_id, message.message_id))
        .collect();
    world.business.get_mut(&id).expect("checked above").read.extend(read);
    Ok(json!(true))
}

/// Refuses `business_connection_id` on a method whose simulation would not honour it.
pub(crate) fn check_honoured(
    method: &str,
    params: &serde_json::Map<String, Value>,
) -> Result<(), ApiFailure> {
    if params.contains_key("business_connection_id") && !HONOURED.contains(&method) {
        return Err(ApiFailure::bad_request(format!(
            "business_connection_id on {method} is not simulated by the fake"
        )));
    }
    Ok(())
}

impl World {
    /// A person's draft with its file minted, as Telegram stores an upload.
    pub(crate) fn minted(&mut self, content: Content) -> Result<Content, ControlError> {
        Ok(match content {
            Content::Photo { .. } => Content::Photo { file_id: self.mint_file("photo", "photo.jpg") },
            Content::Voice { duration, .. } => {
                Content::Voice { file_id: self.mint_file("voice", "voice.ogg"), duration }
            }
            Content::Video { duration, .. } => {
                Content::Video { file_id: self.mint_file("video", "video.mp4"), duration }
            }
            Content::VideoNote { duration, length, .. } => Content::VideoNote {
                file_id: self.mint_file("video_note", "video_note.mp4"),
                duration,
                length,
            },
            Content::Sticker { emoji, .. } => {
                Content::Sticker { file_id: self.mint_file("sticker", "sticker.webp"), emoji }
            }
            Content::Document { file_name, .. } => {
                Content::Document { file_id: self.mint_file("document", &file_name), file_name }
            }
            Content::Service(_) => {
                return Err(ControlError::Invalid("people can't send service messages".to_owned()));
            }
            other => other,
        })
    }

    /// The business connections' ids, oldest first by creation.
    pub fn business_connections(&self) -> Vec<&str> {
        self.business.keys().map(String::as_str).collect()
    }

    /// The messages of the business chat with `customer` through the connection `id`.
    pub fn business_messages(&self, id: &str, customer: u64) -> Vec<&super::FakeMessage> {
        let chat = self.business.get(id).and_then(|connection| connection.chats.get(&(customer as i64)));
        chat.map(|chat| chat.messages.values().filter(|message| !message.deleted).collect())
            .unwrap_or_default()
    }

    /// Whether the bot marked the customer's message read (itself or a later one).
    pub fn business_read(&self, id: &str, customer: u64, message_id: i32) -> bool {
        self.business
            .get(id)
            .is_some_and(|connection| connection.read.contains(&(customer as i64, message_id)))
    }
}

//! The simulated world: people, chats, members, topics, files, and the one path every message takes
//! (`World::append`), whoever sends it. The bot's permission checks (`World::bot_target`) live here too,
//! so every sending method refuses the same things with the same words.
//!
//! The world is plain synchronous data behind one lock (see `mod.rs`); nothing here waits or does I/O.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::business::Connection;
use super::config::{GroupKind, GroupSpec, InlineMode, MemberRole, UserSpec};
use super::error::{ApiFailure, ControlError};
use super::faults::Faults;
use super::inline::{InlineAnswer, PendingInline};
use super::inspect::{CallRecord, CallbackAnswer};
use super::message::{Content, EditRecord, FakeMessage, ServiceEvent};
use super::render::photo_file_ids;
use super::updates::UpdateQueue;
use super::webhook::Webhooks;

/// The whole simulated Telegram. Tests read it through `FakeHandle::inspect` and `wait_until`.
pub struct World {
    pub(crate) bot: UserSpec,
    pub(crate) people: BTreeMap<u64, Person>,
    pub(crate) chats: BTreeMap<i64, ChatState>,
    /// File ids the fake has minted, with their kind (`photo`, `document`, ...) and file name.
    pub(crate) files: HashMap<String, (&'static str, String)>,
    pub(crate) updates: UpdateQueue,
    pub(crate) webhooks: Webhooks,
    pub(crate) calls: Vec<CallRecord>,
    pub(crate) callback_queries: HashMap<String, PendingCallback>,
    pub(crate) callback_answers: Vec<CallbackAnswer>,
    /// The command menus set with `setMyCommands`, by scope (see [`super::methods::scope_key`]).
    pub(crate) commands: BTreeMap<String, Vec<Value>>,
    pub(crate) faults: Faults,
    pub(crate) inline_mode: InlineMode,
    /// Inline queries people typed, by query id, with the bot's answer once given.
    pub(crate) inline_queries: HashMap<String, PendingInline>,
    pub(crate) inline_answers: Vec<InlineAnswer>,
    /// Answers that broke the spec's shape; a correct fake keeps this empty.
    pub(crate) violations: Vec<String>,
    /// Menu buttons the bot set, by private chat; and its default one.
    pub(crate) menu_buttons: BTreeMap<i64, Value>,
    pub(crate) default_menu_button: Option<Value>,
    /// Business connections by id, with the accounts' chats (`business.rs`).
    pub(crate) business: BTreeMap<String, Connection>,
    clock_offset: Duration,
    next_seq: u64,
    next_serial: u64,
}

/// A simulated person and their relation to the bot.
pub(crate) struct Person {
    pub spec: UserSpec,
    pub started: bool,
    pub blocked: bool,
}

/// A forum topic as the fake keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeTopic {
    /// The `message_thread_id` (the id of its creation message).
    pub thread_id: i32,
    /// Current name.
    pub name: String,
    /// One of [`super::TOPIC_ICON_COLORS`].
    pub icon_color: u32,
    /// Closed topics take posts only from topic managers.
    pub closed: bool,
    /// Deleted topics and their messages stay, flagged, for inspection.
    pub deleted: bool,
}

pub(crate) enum ChatKind {
    Private,
    Group(GroupKind),
}

pub(crate) struct ChatState {
    pub id: i64,
    pub kind: ChatKind,
    pub title: String,
    pub username: Option<String>,
    pub members: BTreeMap<u64, MemberRole>,
    pub messages: BTreeMap<i32, FakeMessage>,
    pub topics: BTreeMap<i32, FakeTopic>,
    pub pinned: Vec<i32>,
    pub migrated_to: Option<i64>,
    next_message_id: i32,
}

/// A callback query delivered to the bot and not yet answered.
pub(crate) struct PendingCallback {
    pub from: u64,
}

/// A message about to be appended; callers have already checked who may post what.
pub(crate) struct Post {
    pub chat_id: i64,
    pub from: u64,
    pub thread_id: Option<i32>,
    pub content: Content,
    pub text: Option<String>,
    pub entities: Vec<Value>,
    pub reply_to: Option<i32>,
    pub reply_markup: Option<Value>,
    pub media_group_id: Option<String>,
    pub forward_origin: Option<(u64, i64)>,
    /// The bot whose inline result this is.
    pub via_bot: Option<u64>,
    /// The business connection whose chat `chat_id` names; `None`: the bot's own chats.
    pub business_connection_id: Option<String>,
    /// The bot that sent it on behalf of a business account.
    pub sender_business_bot: Option<u64>,
}

impl Post {
    pub fn new(chat_id: i64, from: u64, content: Content) -> Post {
        Post {
            chat_id,
            from,
            thread_id: None,
            content,
            text: None,
            entities: Vec::new(),
            reply_to: None,
            reply_markup: None,
            media_group_id: None,
            forward_origin: None,
            via_bot: None,
            business_connection_id: None,
            sender_business_bot: None,
        }
    }
}

impl ChatState {
    pub(crate) fn new(id: i64, kind: ChatKind, title: String) -> ChatState {
        // Message 1 of a group is its creation; forum topics therefore never get id 1 (General's id).
        let next_message_id = if matches!(kind, ChatKind::Private) { 1 } else { 2 };
        ChatState {
            id,
            kind,
            title,
            username: None,
            members: BTreeMap::new(),
            messages: BTreeMap::new(),
            topics: BTreeMap::new(),
            pinned: Vec::new(),
            migrated_to: None,
            next_message_id,
        }
    }

    pub fn is_forum(&self) -> bool {
        matches!(self.kind, ChatKind::Group(GroupKind::Forum))
    }

    pub fn is_supergroup(&self) -> bool {
        matches!(self.kind, ChatKind::Group(GroupKind::Forum | GroupKind::Supergroup))
    }

    /// A message that exists and is not deleted.
    pub fn live_message(&self, message_id: i32) -> Option<&FakeMessage> {
        self.messages.get(&message_id).filter(|message| !message.deleted)
    }

    /// An open or closed topic that was not deleted.
    pub fn live_topic(&self, thread_id: i32) -> Option<&FakeTopic> {
        self.topics.get(&thread_id).filter(|topic| !topic.deleted)
    }
}

impl World {
    pub(crate) fn new(bot: UserSpec, faults: Faults) -> World {
        World {
            bot,
            people: BTreeMap::new(),
            chats: BTreeMap::new(),
            files: HashMap::new(),
            updates: UpdateQueue::default(),
            webhooks: Webhooks::default(),
            calls: Vec::new(),
            callback_queries: HashMap::new(),
            callback_answers: Vec::new(),
            commands: BTreeMap::new(),
            faults,
            inline_mode: InlineMode::Off,
            inline_queries: HashMap::new(),
            inline_answers: Vec::new(),
            violations: Vec::new(),
            menu_buttons: BTreeMap::new(),
            default_menu_button: None,
            business: BTreeMap::new(),
            clock_offset: Duration::ZERO,
            next_seq: 0,
            next_serial: 0,
        }
    }

    /// Unix seconds on the fake's clock (real time plus what `advance_clock` added).
    pub fn now_unix(&self) -> i64 {
        let now = SystemTime::now() + self.clock_offset;
        now.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs() as i64)
    }

    pub(crate) fn advance_clock(&mut self, by: Duration) {
        self.clock_offset += by;
    }

    /// A fresh number for ids the fake mints (files, callback queries, media groups).
    pub(crate) fn serial(&mut self) -> u64 {
        self.next_serial += 1;
        self.next_serial
    }

    /// Mints a file id for a new file of `kind` (a photo is known by the ids of all its sizes).
    pub(crate) fn mint_file(&mut self, kind: &'static str, file_name: &str) -> String {
        let prefix = match kind {
            "photo" => "AgAC",
            "voice" => "AwAC",
            "video" => "BAAC",
            "sticker" => "CAAC",
            _ => "BQAC",
        };
        let file_id = format!("{prefix}fake{:06}", self.serial());
        let ids: Vec<String> =
            if kind == "photo" { photo_file_ids(&file_id).collect() } else { vec![file_id.clone()] };
        for id in ids {
            self.files.insert(id, (kind, file_name.to_owned()));
        }
        file_id
    }

    pub(crate) fn add_person(&mut self, spec: UserSpec) -> Result<(), ControlError> {
        let id = spec.id;
        if self.people.contains_key(&id) || self.chats.contains_key(&(id as i64)) || id == self.bot.id {
            return Err(ControlError::AlreadyExists(id as i64));
        }
        let mut chat = ChatState::new(id as i64, ChatKind::Private, String::new());
        chat.members.insert(id, MemberRole::Member);
        chat.members.insert(self.bot.id, MemberRole::Member);
        self.chats.insert(id as i64, chat);
        self.people.insert(id, Person { spec, started: false, blocked: false });
        Ok(())
    }

    pub(crate) fn add_group(&mut self, group: GroupSpec) -> Result<(), ControlError> {
        if self.chats.contains_key(&group.id) || group.id >= 0 {
            return Err(ControlError::AlreadyExists(group.id));
        }
        if let Some((missing, _)) =
            group.members.iter().find(|(user_id, _)| !self.people.contains_key(user_id))
        {
            return Err(ControlError::UnknownUser(*missing));
        }
        let mut chat = ChatState::new(group.id, ChatKind::Group(group.kind), group.title);
        chat.username = group.username;
        chat.members.extend(group.members);
        chat.members.insert(self.bot.id, group.bot_role);
        self.chats.insert(group.id, chat);
        Ok(())
    }

    pub(crate) fn chat(&self, chat_id: i64) -> Result<&ChatState, ControlError> {
        self.chats.get(&chat_id).ok_or(ControlError::UnknownChat(chat_id))
    }

    pub(crate) fn chat_mut(&mut self, chat_id: i64) -> Result<&mut ChatState, ControlError> {
        self.chats.get_mut(&chat_id).ok_or(ControlError::UnknownChat(chat_id))
    }

    pub(crate) fn person(&self, user_id: u64) -> Result<&Person, ControlError> {
        self.people.get(&user_id).ok_or(ControlError::UnknownUser(user_id))
    }

    pub(crate) fn bot_role(&self, chat: &ChatState) -> MemberRole {
        chat.members.get(&self.bot.id).copied().unwrap_or(MemberRole::Left)
    }

    /// Resolves a `chat_id` parameter: an integer, a numeric string or `@username`.
    pub(crate) fn resolve_chat(&self, value: &Value) -> Result<i64, ApiFailure> {
        let chat_id = match value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => match text.strip_prefix('@') {
                Some(username) => self
                    .chats
                    .values()
                    .find(|chat| {
                        chat.username.as_deref().is_some_and(|name| name.eq_ignore_ascii_case(username))
                    })
                    .map(|chat| chat.id),
                None => text.parse().ok(),
            },
            _ => None,
        };
        chat_id
            .filter(|id| self.chats.contains_key(id))
            .ok_or_else(|| ApiFailure::bad_request("chat not found"))
    }

    /// Whether the bot may post into `chat_id` (and `thread_id`): the checks every sending method shares.
    pub(crate) fn bot_target(&self, chat_id: i64, thread_id: Option<i32>) -> Result<&ChatState, ApiFailure> {
        let chat = self.chats.get(&chat_id).ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
        if let Some(new_id) = chat.migrated_to {
            return Err(ApiFailure::migrated(new_id));
        }
        match chat.kind {
            ChatKind::Private => {
                let person = self
                    .people
                    .get(&(chat_id as u64))
                    .ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
                if person.blocked {
                    return Err(ApiFailure::forbidden("bot was blocked by the user"));
                }
                if !person.started {
                    return Err(ApiFailure::forbidden("bot can't initiate conversation with a user"));
                }
            }
            ChatKind::Group(kind) => match self.bot_role(chat) {
                MemberRole::Kicked => {
                    let which = if kind == GroupKind::Basic { "group" } else { "supergroup" };
                    return Err(ApiFailure::forbidden(format!("bot was kicked from the {which} chat")));
                }
                MemberRole::Left => {
                    return Err(ApiFailure::forbidden("bot is not a member of the supergroup chat"));
                }
                _ => {}
            },
        }
        if let Some(thread_id) = thread_id {
            let topic = chat.live_topic(thread_id).filter(|_| chat.is_forum());
            let topic = topic.ok_or_else(|| ApiFailure::bad_request("message thread not found"))?;
            let can_manage = self.bot_role(chat).rights().is_some_and(|rights| rights.can_manage_topics);
            if topic.closed && !can_manage {
                return Err(ApiFailure::bad_request("TOPIC_CLOSED"));
            }
        }
        Ok(chat)
    }

    /// The one path every message takes: assigns id, date and order, opens the topic a
    /// `TopicCreated` message starts, and queues a `message` update when a person (not the bot) posted.
    /// Returns the new message's id.
    pub(crate) fn append(&mut self, post: Post) -> i32 {
        let date = self.now_unix();
        self.next_seq += 1;
        let seq = self.next_seq;
        let chat = match &post.business_connection_id {
            Some(id) => {
                self.business.get_mut(id).and_then(|connection| connection.chats.get_mut(&post.chat_id))
            }
            None => self.chats.get_mut(&post.chat_id),
        };
        let chat = chat.expect("callers resolve the chat before appending");
        let message_id = chat.next_message_id;
        chat.next_message_id += 1;
        let replied_thread =
            post.reply_to.and_then(|id| chat.messages.get(&id)).and_then(|replied| replied.thread_id);
        let mut thread_id = post.thread_id.or(replied_thread);
        if let Content::Service(ServiceEvent::TopicCreated { name, icon_color }) = &post.content {
            thread_id = Some(message_id);
            let topic = FakeTopic {
                thread_id: message_id,
                name: name.clone(),
                icon_color: *icon_color,
                closed: false,
                deleted: false,
            };
            chat.topics.insert(message_id, topic);
        }
        let message = FakeMessage {
            chat_id: post.chat_id,
            message_id,
            seq,
            thread_id,
            from: post.from,
            date,
            content: post.content,
            text: post.text,
            entities: post.entities,
            reply_to: post.reply_to,
            reply_markup: post.reply_markup,
            media_group_id: post.media_group_id,
            forward_origin: post.forward_origin,
            via_bot: post.via_bot,
            business_connection_id: post.business_connection_id.clone(),
            sender_business_bot: post.sender_business_bot,
            edits: Vec::new(),
            edit_date: None,
            deleted: false,
        };
        chat.messages.insert(message_id, message);
        match post.business_connection_id {
            Some(id) => self.notify_bot_of_business(&id, post.chat_id, message_id),
            None => self.notify_bot(post.chat_id, message_id, "message"),
        }
        message_id
    }

    /// The chat a message is in: one of the bot's, or a business account's.
    pub(crate) fn chat_of(&self, business: Option<&str>, chat_id: i64) -> &ChatState {
        match business {
            Some(id) => &self.business[id].chats[&chat_id],
            None => &self.chats[&chat_id],
        }
    }

    /// `business_message` for a message in a business chat, unless the bot sent it or the
    /// connection is disabled.
    fn notify_bot_of_business(&mut self, id: &str, chat_id: i64, message_id: i32) {
        let connection = &self.business[id];
        let message = &connection.chats[&chat_id].messages[&message_id];
        if !connection.enabled || message.sender_business_bot.is_some() {
            return;
        }
        let payload = self.message_json(message);
        self.updates.push("business_message", payload);
    }

    /// Replaces a message's text (when given) and its keyboard, keeping the old state in `edits`.
    /// `business`: the connection whose chat it is in (the bot's edit there comes back as no
    /// update, as its sends do).
    pub(crate) fn edit(
        &mut self,
        business: Option<&str>,
        chat_id: i64,
        message_id: i32,
        text: Option<(String, Vec<Value>)>,
        reply_markup: Option<Value>,
    ) {
        let date = self.now_unix();
        let chat = match business {
            Some(id) => self.business.get_mut(id).and_then(|connection| connection.chats.get_mut(&chat_id)),
            None => self.chats.get_mut(&chat_id),
        };
        let chat = chat.expect("callers resolve the chat before editing");
        let message = chat.messages.get_mut(&message_id).expect("callers resolve the message before editing");
        message
            .edits
            .push(EditRecord { text: message.text.clone(), reply_markup: message.reply_markup.clone() });
        if let Some((text, entities)) = text {
            message.text = Some(text).filter(|text| !text.is_empty());
            message.entities = entities;
        }
        message.reply_markup = reply_markup;
        message.edit_date = Some(date);
        if business.is_none() {
            self.notify_bot(chat_id, message_id, "edited_message");
        }
    }

    /// Queues `kind` (`message` or `edited_message`) for a person's message the bot can see.
    fn notify_bot(&mut self, chat_id: i64, message_id: i32, kind: &'static str) {
        let chat = &self.chats[&chat_id];
        let message = &chat.messages[&message_id];
        if message.from == self.bot.id || !self.bot_role(chat).is_present() {
            return;
        }
        let payload = self.message_json(message);
        self.updates.push(kind, payload);
    }
}

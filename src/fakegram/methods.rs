//! The simulated methods as one table (name, the traffic it makes, handler), the decoded
//! parameters every handler reads (`Call`), and the handlers about the bot, chats, members, commands,
//! callback answers and pins. Sending handlers live in `sending.rs`, forum topics in `topics.rs`.
//!
//! Sending calls (posts: messages, copies, forwards, new topics; edits: of messages and topics) get
//! 429 during a storm; posts also count against the rate budgets. Methods of the spec missing from
//! the table are refused.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::config::{InlineMode, MemberRole};
use super::error::ApiFailure;
use super::faults::Traffic;
use super::inspect::CallbackAnswer;
use super::message::{Content, ServiceEvent};
use super::render::user_spec_json;
use super::world::{ChatKind, Post, World};
use super::{business, sending, topics};

/// Parameters of one call after decoding and the spec check, plus uploaded files by part name.
pub(crate) struct Call {
    pub params: Map<String, Value>,
    /// Uploaded file parts: part name to the file name the client gave.
    pub uploads: HashMap<String, String>,
}

pub(crate) type Handler = fn(&mut World, &Call) -> Result<Value, ApiFailure>;

/// How a simulated method runs.
pub(crate) enum Run {
    Now(Handler),
    /// `getUpdates`: may wait, so it runs outside the world lock (`updates.rs`).
    LongPoll,
}

pub(crate) struct MethodImpl {
    pub name: &'static str,
    pub traffic: Traffic,
    pub run: Run,
}

const fn now(name: &'static str, traffic: Traffic, handler: Handler) -> MethodImpl {
    MethodImpl { name, traffic, run: Run::Now(handler) }
}

/// Every method the fake simulates; names as the spec spells them.
const METHODS: &[MethodImpl] = &[
    MethodImpl { name: "getUpdates", traffic: Traffic::Quiet, run: Run::LongPoll },
    now("getMe", Traffic::Quiet, get_me),
    now("getChat", Traffic::Quiet, get_chat),
    now("getChatMember", Traffic::Quiet, get_chat_member),
    now("getChatAdministrators", Traffic::Quiet, get_chat_administrators),
    now("setMyCommands", Traffic::Quiet, set_my_commands),
    now("setWebhook", Traffic::Quiet, super::webhook::set_webhook),
    now("deleteWebhook", Traffic::Quiet, super::webhook::delete_webhook),
    now("getWebhookInfo", Traffic::Quiet, super::webhook::get_webhook_info),
    now("setChatMenuButton", Traffic::Quiet, super::webapp::set_chat_menu_button),
    now("getChatMenuButton", Traffic::Quiet, super::webapp::get_chat_menu_button),
    now("answerCallbackQuery", Traffic::Quiet, answer_callback_query),
    now("answerInlineQuery", Traffic::Quiet, super::inline::answer_inline_query),
    now("sendChatAction", Traffic::Quiet, send_chat_action),
    now("sendMessage", Traffic::Post, sending::send_message),
    now("sendPhoto", Traffic::Post, sending::send_photo),
    now("sendDocument", Traffic::Post, sending::send_document),
    now("sendVideo", Traffic::Post, sending::send_video),
    now("sendVoice", Traffic::Post, sending::send_voice),
    now("sendVideoNote", Traffic::Post, sending::send_video_note),
    now("sendSticker", Traffic::Post, sending::send_sticker),
    now("sendLocation", Traffic::Post, sending::send_location),
    now("sendContact", Traffic::Post, sending::send_contact),
    now("copyMessage", Traffic::Post, sending::copy_message),
    now("copyMessages", Traffic::Post, sending::copy_messages),
    now("sendMediaGroup", Traffic::Post, sending::send_media_group),
    now("forwardMessage", Traffic::Post, sending::forward_message),
    now("editMessageText", Traffic::Edit, sending::edit_message_text),
    now("editMessageCaption", Traffic::Edit, sending::edit_message_caption),
    now("editMessageReplyMarkup", Traffic::Edit, sending::edit_message_reply_markup),
    now("deleteMessage", Traffic::Quiet, sending::delete_message),
    now("pinChatMessage", Traffic::Quiet, pin_chat_message),
    now("unpinChatMessage", Traffic::Quiet, unpin_chat_message),
    now("createForumTopic", Traffic::Post, topics::create_forum_topic),
    now("editForumTopic", Traffic::Edit, topics::edit_forum_topic),
    now("closeForumTopic", Traffic::Quiet, topics::close_forum_topic),
    now("reopenForumTopic", Traffic::Quiet, topics::reopen_forum_topic),
    now("deleteForumTopic", Traffic::Quiet, topics::delete_forum_topic),
    now("getBusinessConnection", Traffic::Quiet, business::get_business_connection),
    now("readBusinessMessage", Traffic::Quiet, business::read_business_message),
];

/// Names of every simulated method.
#[cfg(test)]
pub(crate) fn simulated() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|method| method.name)
}

/// The simulation of a spec method, if the fake has one.
pub(crate) fn implementation(name: &str) -> Option<&'static MethodImpl> {
    METHODS.iter().find(|method| method.name == name)
}

impl Call {
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.value(key).and_then(Value::as_str)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.value(key).and_then(Value::as_i64)
    }

    pub fn flag(&self, key: &str) -> bool {
        self.value(key).and_then(Value::as_bool).unwrap_or(false)
    }

    /// A parameter the spec marks required (present after the spec check) or that this use needs.
    pub fn required<'call, T>(
        &'call self,
        key: &str,
        read: impl FnOnce(&'call Value) -> Option<T>,
    ) -> Result<T, ApiFailure> {
        self.value(key)
            .and_then(read)
            .ok_or_else(|| ApiFailure::bad_request(format!("parameter \"{key}\" is required")))
    }

    pub fn chat_id(&self, world: &World, key: &str) -> Result<i64, ApiFailure> {
        world.resolve_chat(self.required(key, Some)?)
    }

    pub fn message_id(&self, key: &str) -> Result<i32, ApiFailure> {
        let id = self.required(key, Value::as_i64)?;
        i32::try_from(id).map_err(|_| ApiFailure::bad_request("MESSAGE_ID_INVALID"))
    }

    pub fn thread_id(&self) -> Option<i32> {
        self.int("message_thread_id").and_then(|id| i32::try_from(id).ok())
    }
}

#[expect(clippy::unnecessary_wraps, reason = "every handler has the table's signature")]
fn get_me(world: &mut World, _: &Call) -> Result<Value, ApiFailure> {
    let mut me = user_spec_json(&world.bot, true);
    for flag in ["can_join_groups", "can_read_all_group_messages"] {
        me[flag] = true.into();
    }
    me["supports_inline_queries"] = (world.inline_mode != InlineMode::Off).into();
    for flag in ["can_connect_to_business", "has_main_web_app"] {
        me[flag] = false.into();
    }
    Ok(me)
}

fn get_chat(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    Ok(world.chat_full_info_json(&world.chats[&chat_id]))
}

fn get_chat_member(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let user_id = call.required("user_id", Value::as_u64)?;
    if user_id != world.bot.id && !world.people.contains_key(&user_id) {
        return Err(ApiFailure::bad_request("user not found"));
    }
    Ok(world.member_json(user_id, world.member_role(chat_id, user_id)))
}

fn get_chat_administrators(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat = &world.chats[&call.chat_id(world, "chat_id")?];
    if matches!(chat.kind, ChatKind::Private) {
        return Err(ApiFailure::bad_request("there are no administrators in the private chat"));
    }
    let admins = chat
        .members
        .iter()
        .filter(|(_, role)| matches!(role, MemberRole::Owner | MemberRole::Administrator(_)));
    Ok(admins.map(|(user_id, role)| world.member_json(*user_id, *role)).collect())
}

fn set_my_commands(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let commands = call.required("commands", Value::as_array)?;
    if commands.len() > 100 {
        return Err(ApiFailure::bad_request("too many commands"));
    }
    for command in commands {
        let name = command["command"].as_str().unwrap_or_default();
        let valid = |character: char| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
        };
        if name.is_empty() || name.len() > 32 || !name.chars().all(valid) {
            return Err(ApiFailure::bad_request("BOT_COMMAND_INVALID"));
        }
        let description = command["description"].as_str().unwrap_or_default().chars().count();
        if !(1..=256).contains(&description) {
            return Err(ApiFailure::bad_request("command description must be 1-256 characters"));
        }
    }
    let scope = scope_key(world, call.value("scope"))?;
    world.commands.insert(scope, commands.clone());
    Ok(true.into())
}

/// The key under which a command scope's menu is kept, checked as Telegram checks it: a
/// scope naming a chat needs a chat the bot can see (for a private chat, a person who started
/// the bot), else "chat not found".
pub(crate) fn scope_key(world: &World, scope: Option<&Value>) -> Result<String, ApiFailure> {
    let Some(scope) = scope else { return Ok("default".to_owned()) };
    let kind = scope["type"].as_str().unwrap_or_default();
    match kind {
        "default" | "all_private_chats" | "all_group_chats" | "all_chat_administrators" => {
            return Ok(kind.to_owned());
        }
        "chat" | "chat_administrators" | "chat_member" => {}
        _ => return Err(ApiFailure::bad_request("can't parse BotCommandScope: unknown type")),
    }
    let chat_id = scope["chat_id"].as_i64().ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
    let chat = world.chats.get(&chat_id).ok_or_else(|| ApiFailure::bad_request("chat not found"))?;
    if matches!(chat.kind, ChatKind::Private) {
        let started = world.people.get(&(chat_id as u64)).is_some_and(|person| person.started);
        if !started || kind != "chat" {
            return Err(ApiFailure::bad_request("chat not found"));
        }
    }
    Ok(match kind {
        "chat_member" => format!("chat_member:{chat_id}:{}", scope["user_id"].as_i64().unwrap_or_default()),
        _ => format!("{kind}:{chat_id}"),
    })
}

fn answer_callback_query(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let query_id = call.required("callback_query_id", Value::as_str)?;
    let pending = world.callback_queries.remove(query_id).ok_or_else(|| {
        ApiFailure::bad_request("query is too old and response timeout expired or query id is invalid")
    })?;
    let text = call.str("text").map(str::to_owned);
    if text.as_ref().is_some_and(|text| text.chars().count() > 200) {
        return Err(ApiFailure::bad_request("MESSAGE_TOO_LONG"));
    }
    let answer = CallbackAnswer {
        query_id: query_id.to_owned(),
        user_id: pending.from,
        text,
        show_alert: call.flag("show_alert"),
    };
    world.callback_answers.push(answer);
    Ok(true.into())
}

const CHAT_ACTIONS: [&str; 11] = [
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

fn send_chat_action(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    world.bot_target(chat_id, call.thread_id())?;
    if !CHAT_ACTIONS.contains(&call.required("action", Value::as_str)?) {
        return Err(ApiFailure::bad_request("wrong parameter action in request"));
    }
    Ok(json!(true))
}

fn pin_chat_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let message_id = call.message_id("message_id")?;
    let chat = world.bot_target(chat_id, None)?;
    let message =
        chat.live_message(message_id).ok_or_else(|| ApiFailure::bad_request("message to pin not found"))?;
    let thread_id = message.thread_id;
    if chat.id < 0 && !world.bot_role(chat).rights().is_some_and(|rights| rights.can_pin_messages) {
        return Err(ApiFailure::bad_request("not enough rights to manage pinned messages in the chat"));
    }
    if let Some(chat) = world.chats.get_mut(&chat_id) {
        chat.pinned.retain(|pinned| *pinned != message_id);
        chat.pinned.push(message_id);
    }
    let mut post = Post::new(chat_id, world.bot.id, Content::Service(ServiceEvent::Pinned { message_id }));
    post.thread_id = thread_id;
    world.append(post);
    Ok(json!(true))
}

fn unpin_chat_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let chat = world.bot_target(chat_id, None)?;
    if chat.id < 0 && !world.bot_role(chat).rights().is_some_and(|rights| rights.can_pin_messages) {
        return Err(ApiFailure::bad_request("not enough rights to manage pinned messages in the chat"));
    }
    let message_id = call.int("message_id").and_then(|id| i32::try_from(id).ok());
    let pinned = &mut world.chats.get_mut(&chat_id).expect("bot_target found the chat").pinned;
    match message_id {
        Some(id) if pinned.contains(&id) => pinned.retain(|pinned| *pinned != id),
        Some(_) => return Err(ApiFailure::bad_request("message to unpin not found")),
        None => {
            pinned.pop();
        }
    }
    Ok(json!(true))
}

//! Forum topics: create, edit, close, reopen, delete. A topic is opened by the `forum_topic_created`
//! service message its creation posts (the topic's thread id is that message's id); edits, closing
//! and reopening post their own service messages into the topic, as Telegram does. A deleted topic
//! takes its messages with it, and sending into it answers `message thread not found`.

use serde_json::{Value, json};

use super::error::ApiFailure;
use super::message::{Content, ServiceEvent};
use super::methods::Call;
use super::world::{Post, World};

/// The six colours Telegram allows for topic icons.
pub const TOPIC_ICON_COLORS: [u32; 6] = [0x6F_B9F0, 0xFF_D67E, 0xCB_86DB, 0x8E_EE98, 0xFF_93B2, 0xFB_6F5F];

fn check_name(name: &str) -> Result<(), ApiFailure> {
    match name.chars().count() {
        0 => Err(ApiFailure::bad_request("topic name must not be empty")),
        1..=128 => Ok(()),
        _ => Err(ApiFailure::bad_request("topic name must be at most 128 characters")),
    }
}

/// The forum the call names, after checking the bot may manage its topics.
fn forum(world: &World, call: &Call, right: &str) -> Result<i64, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let chat = world.bot_target(chat_id, None)?;
    if !chat.is_forum() {
        return Err(ApiFailure::bad_request("the chat is not a forum"));
    }
    let rights = world.bot_role(chat).rights();
    let allowed = match right {
        "delete" => rights.is_some_and(|rights| rights.can_delete_messages),
        _ => rights.is_some_and(|rights| rights.can_manage_topics),
    };
    if !allowed {
        return Err(ApiFailure::bad_request(format!("not enough rights to {right} a topic")));
    }
    Ok(chat_id)
}

/// The live topic the call names, in a forum where the bot may manage topics.
fn topic(world: &World, call: &Call, right: &str) -> Result<(i64, i32), ApiFailure> {
    let chat_id = forum(world, call, right)?;
    let thread_id = call
        .thread_id()
        .ok_or_else(|| ApiFailure::bad_request("parameter \"message_thread_id\" is required"))?;
    world.chats[&chat_id].live_topic(thread_id).ok_or_else(|| ApiFailure::bad_request("TOPIC_ID_INVALID"))?;
    Ok((chat_id, thread_id))
}

fn post_service(world: &mut World, chat_id: i64, thread_id: Option<i32>, event: ServiceEvent) -> i32 {
    let mut post = Post::new(chat_id, world.bot.id, Content::Service(event));
    post.thread_id = thread_id;
    world.append(post)
}

pub(crate) fn create_forum_topic(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = forum(world, call, "create")?;
    let name = call.required("name", Value::as_str)?.to_owned();
    check_name(&name)?;
    let icon_color = match call.int("icon_color") {
        None => TOPIC_ICON_COLORS[0],
        Some(color) => TOPIC_ICON_COLORS
            .into_iter()
            .find(|allowed| i64::from(*allowed) == color)
            .ok_or_else(|| ApiFailure::bad_request("TOPIC_ICON_COLOR_INVALID"))?,
    };
    let thread_id =
        post_service(world, chat_id, None, ServiceEvent::TopicCreated { name: name.clone(), icon_color });
    Ok(json!({ "message_thread_id": thread_id, "name": name, "icon_color": icon_color }))
}

pub(crate) fn edit_forum_topic(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let (chat_id, thread_id) = topic(world, call, "edit")?;
    let current = &world.chats[&chat_id].topics[&thread_id];
    let name = call.str("name").map(str::to_owned);
    if let Some(name) = &name {
        check_name(name)?;
    }
    if name.as_ref().is_none_or(|name| *name == current.name) && call.value("icon_custom_emoji_id").is_none()
    {
        return Err(ApiFailure::bad_request("TOPIC_NOT_MODIFIED"));
    }
    let name = name.unwrap_or_else(|| current.name.clone());
    if let Some(topic) = world.chats.get_mut(&chat_id).and_then(|chat| chat.topics.get_mut(&thread_id)) {
        topic.name.clone_from(&name);
    }
    post_service(world, chat_id, Some(thread_id), ServiceEvent::TopicEdited { name });
    Ok(json!(true))
}

pub(crate) fn close_forum_topic(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    set_closed(world, call, ServiceEvent::TopicClosed)
}

pub(crate) fn reopen_forum_topic(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    set_closed(world, call, ServiceEvent::TopicReopened)
}

fn set_closed(world: &mut World, call: &Call, event: ServiceEvent) -> Result<Value, ApiFailure> {
    let (chat_id, thread_id) = topic(world, call, "manage")?;
    let closed = event == ServiceEvent::TopicClosed;
    let topic = world
        .chats
        .get_mut(&chat_id)
        .and_then(|chat| chat.topics.get_mut(&thread_id))
        .expect("topic() found it");
    if topic.closed == closed {
        return Err(ApiFailure::bad_request("TOPIC_NOT_MODIFIED"));
    }
    topic.closed = closed;
    post_service(world, chat_id, Some(thread_id), event);
    Ok(json!(true))
}

pub(crate) fn delete_forum_topic(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let (chat_id, thread_id) = topic(world, call, "delete")?;
    world.delete_topic(chat_id, thread_id);
    Ok(json!(true))
}

impl World {
    /// Deletes a topic and every message in it (what `deleteForumTopic` and a person's hand do).
    pub(crate) fn delete_topic(&mut self, chat_id: i64, thread_id: i32) {
        let Some(chat) = self.chats.get_mut(&chat_id) else { return };
        if let Some(topic) = chat.topics.get_mut(&thread_id) {
            topic.deleted = true;
        }
        for message in chat.messages.values_mut().filter(|message| message.thread_id == Some(thread_id)) {
            message.deleted = true;
        }
    }
}

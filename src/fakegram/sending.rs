//! The bot's sending, copying, editing and deleting. Every handler builds a `Post` through
//! `bot_post` (target checks, thread, reply, keyboard: the same for all) and appends it through the
//! world's one path; limits on text (4096) and captions (1024) are counted after entity parsing.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::error::ApiFailure;
use super::faults::DeletePolicy;
use super::markup::{self, Formatted};
use super::message::Content;
use super::methods::Call;
use super::world::{Post, World};

const TEXT_LIMIT: usize = 4096;
const CAPTION_LIMIT: usize = 1024;
/// Older messages can't be deleted for everyone.
const DELETE_WINDOW_SECONDS: i64 = 48 * 60 * 60;
/// Button fields of which exactly one must be set.
const BUTTON_ACTIONS: [&str; 10] = [
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

/// A bot post into `chat_id` with the thread, reply and keyboard the call asks for, after the checks
/// every sending method shares.
fn bot_post(world: &World, call: &Call, chat_id: i64, content: Content) -> Result<Post, ApiFailure> {
    let thread_id = call.thread_id();
    let business = call.str("business_connection_id");
    let (chat, mut post) = match business {
        // On behalf of a business account: shown from its owner, in the account's chat.
        Some(id) => {
            let (chat, owner) = world.business_target(id, chat_id)?;
            if thread_id.is_some() {
                return Err(ApiFailure::bad_request("message thread not found"));
            }
            let mut post = Post::new(chat_id, owner, content);
            post.business_connection_id = Some(id.to_owned());
            post.sender_business_bot = Some(world.bot.id);
            (chat, post)
        }
        None => (world.bot_target(chat_id, thread_id)?, Post::new(chat_id, world.bot.id, content)),
    };
    if let Some(reply) = call.value("reply_parameters") {
        let message_id =
            reply["message_id"].as_i64().and_then(|id| i32::try_from(id).ok()).unwrap_or_default();
        if reply.get("chat_id").is_some_and(|other| world.resolve_chat(other).ok() != Some(chat_id)) {
            return Err(ApiFailure::bad_request("replies into other chats are not simulated by the fake"));
        }
        let replied = chat
            .live_message(message_id)
            .filter(|replied| thread_id.is_none() || replied.thread_id == thread_id);
        let without_reply = reply["allow_sending_without_reply"].as_bool().unwrap_or(false);
        match replied {
            Some(_) => post.reply_to = Some(message_id),
            None if without_reply => {}
            None => return Err(ApiFailure::bad_request("message to be replied not found")),
        }
    }
    post.thread_id = thread_id;
    post.reply_markup = keyboard(call)?;
    super::webapp::check_keyboard(&chat.kind, post.reply_markup.as_ref())?;
    Ok(post)
}

/// The call's `reply_markup`, with inline buttons checked the way Telegram checks them.
fn keyboard(call: &Call) -> Result<Option<Value>, ApiFailure> {
    let Some(markup) = call.value("reply_markup") else { return Ok(None) };
    let rows = markup.get("inline_keyboard").and_then(Value::as_array).into_iter().flatten();
    for button in rows.filter_map(Value::as_array).flatten() {
        if BUTTON_ACTIONS.iter().filter(|action| button.get(**action).is_some()).count() != 1 {
            return Err(ApiFailure::bad_request(
                "can't parse inline keyboard button: exactly one of the optional fields must be used",
            ));
        }
        if let Some(data) = button.get("callback_data").and_then(Value::as_str)
            && (data.is_empty() || data.len() > 64)
        {
            return Err(ApiFailure::bad_request("BUTTON_DATA_INVALID"));
        }
    }
    Ok(Some(markup.clone()))
}

/// Parses `text_key` under `parse_mode` and checks its length; `None` when the call has no such text.
fn formatted(
    call: &Call,
    text_key: &str,
    entities_key: &str,
    limit: usize,
) -> Result<Option<Formatted>, ApiFailure> {
    let Some(text) = call.str(text_key) else { return Ok(None) };
    let formatted = markup::format(text, call.str("parse_mode"), call.value(entities_key))?;
    let length = formatted.len_utf16();
    if limit == TEXT_LIMIT && formatted.text.trim().is_empty() {
        return Err(ApiFailure::bad_request("message text is empty"));
    }
    if length > limit {
        let what = if limit == TEXT_LIMIT { "message is too long" } else { "message caption is too long" };
        return Err(ApiFailure::bad_request(what));
    }
    Ok(Some(formatted))
}

fn with_text(mut post: Post, text: Option<Formatted>) -> Post {
    if let Some(text) = text {
        post.text = Some(text.text);
        post.entities = text.entities;
    }
    post
}

fn send(world: &mut World, post: Post) -> Value {
    let (chat_id, business) = (post.chat_id, post.business_connection_id.clone());
    let message_id = world.append(post);
    world.message_json(&world.chat_of(business.as_deref(), chat_id).messages[&message_id])
}

pub(crate) fn send_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let text = formatted(call, "text", "entities", TEXT_LIMIT)?;
    let post = bot_post(world, call, chat_id, Content::Text)?;
    Ok(send(world, with_text(post, text)))
}

pub(crate) fn send_photo(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "photo")
}

pub(crate) fn send_document(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "document")
}

pub(crate) fn send_video(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "video")
}

pub(crate) fn send_voice(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "voice")
}

pub(crate) fn send_video_note(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "video_note")
}

pub(crate) fn send_sticker(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    send_media(world, call, "sticker")
}

/// `send<Kind>` with the file in the parameter named like the kind: a known file id, an
/// `attach://` upload, or an HTTP URL.
fn send_media(world: &mut World, call: &Call, kind: &'static str) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let reference = call.required(kind, Value::as_str)?;
    let caption = formatted(call, "caption", "caption_entities", CAPTION_LIMIT)?;
    let (file_id, file_name) = if let Some(part) = reference.strip_prefix("attach://") {
        let file_name = call.uploads.get(part).ok_or_else(|| {
            ApiFailure::bad_request("wrong remote file identifier specified: can't find attached file")
        })?;
        let file_name = if file_name.is_empty() { "file" } else { file_name };
        (world.mint_file(kind, file_name), file_name.to_owned())
    } else if reference.starts_with("http://") || reference.starts_with("https://") {
        let file_name = reference.rsplit('/').next().unwrap_or("file").to_owned();
        (world.mint_file(kind, &file_name), file_name)
    } else {
        let (known_kind, file_name) = world
            .files
            .get(reference)
            .ok_or_else(|| ApiFailure::bad_request("wrong file identifier/HTTP URL specified"))?;
        if *known_kind != kind {
            return Err(ApiFailure::bad_request(format!("can't use file of type {known_kind} as {kind}")));
        }
        (reference.strip_suffix("-thumb").unwrap_or(reference).to_owned(), file_name.clone())
    };
    let seconds = call.int("duration").and_then(|seconds| u32::try_from(seconds).ok()).unwrap_or(5);
    let content = match kind {
        "photo" => Content::Photo { file_id },
        "video" => Content::Video { file_id, duration: seconds },
        "voice" => Content::Voice { file_id, duration: seconds },
        "video_note" => {
            let length = call.int("length").and_then(|length| u32::try_from(length).ok()).unwrap_or(384);
            Content::VideoNote { file_id, duration: seconds, length }
        }
        "sticker" => Content::Sticker { file_id, emoji: call.str("emoji").unwrap_or("🙂").to_owned() },
        _ => Content::Document { file_id, file_name },
    };
    let post = bot_post(world, call, chat_id, content)?;
    Ok(send(world, with_text(post, caption)))
}

/// `sendMediaGroup` with files the fake already knows by id (uploads and URLs are not
/// simulated here): two to ten photos, videos or documents posted as one album, every part
/// replying where the call says.
pub(crate) fn send_media_group(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let parts = call.required("media", Value::as_array)?.clone();
    if !(2..=10).contains(&parts.len()) {
        return Err(ApiFailure::bad_request("an album holds 2 to 10 media"));
    }
    let album = format!("{}", 13_000_000_000_000_000_u64 + world.serial());
    let mut sent = Vec::new();
    for part in &parts {
        let kind = part["type"].as_str().unwrap_or_default();
        let reference = part["media"].as_str().unwrap_or_default();
        let Some((known_kind, file_name)) = world.files.get(reference).cloned() else {
            return Err(ApiFailure::bad_request("wrong file identifier/HTTP URL specified"));
        };
        if known_kind != kind {
            return Err(ApiFailure::bad_request(format!("can't use file of type {known_kind} as {kind}")));
        }
        let file_id = reference.strip_suffix("-thumb").unwrap_or(reference).to_owned();
        let content = match kind {
            "photo" => Content::Photo { file_id },
            "video" => Content::Video { file_id, duration: 5 },
            "document" => Content::Document { file_id, file_name },
            other => return Err(ApiFailure::bad_request(format!("media of type {other} is not simulated"))),
        };
        let caption = part["caption"].as_str().map(str::to_owned);
        if caption.as_deref().is_some_and(|caption| caption.encode_utf16().count() > CAPTION_LIMIT) {
            return Err(ApiFailure::bad_request("message caption is too long"));
        }
        let mut post = bot_post(world, call, chat_id, content)?;
        post.text = caption;
        post.media_group_id = Some(album.clone());
        sent.push(send(world, post));
    }
    Ok(Value::Array(sent))
}

pub(crate) fn send_location(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let latitude = call.required("latitude", Value::as_f64)?;
    let longitude = call.required("longitude", Value::as_f64)?;
    let post = bot_post(world, call, chat_id, Content::Location { latitude, longitude })?;
    Ok(send(world, post))
}

pub(crate) fn send_contact(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let phone_number = call.required("phone_number", Value::as_str)?.to_owned();
    let first_name = call.required("first_name", Value::as_str)?.to_owned();
    let last_name = call.str("last_name").map(str::to_owned);
    let post = bot_post(world, call, chat_id, Content::Contact { phone_number, first_name, last_name })?;
    Ok(send(world, post))
}

/// A message the bot may copy or forward: it exists and is not a service message.
fn source(
    world: &World,
    chat_id: i64,
    message_id: i32,
    missing: &str,
) -> Result<(Content, Option<String>, Vec<Value>), ApiFailure> {
    let chat = &world.chats[&chat_id];
    if !world.bot_role(chat).is_present() {
        return Err(ApiFailure::bad_request("chat not found"));
    }
    let message = chat.live_message(message_id).ok_or_else(|| ApiFailure::bad_request(missing))?;
    if matches!(message.content, Content::Service(_)) {
        return Err(ApiFailure::bad_request("message can't be copied"));
    }
    Ok((message.content.clone(), message.text.clone(), message.entities.clone()))
}

pub(crate) fn copy_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let from_chat_id = call.chat_id(world, "from_chat_id")?;
    let (content, text, entities) =
        source(world, from_chat_id, call.message_id("message_id")?, "message to copy not found")?;
    let caption = formatted(call, "caption", "caption_entities", CAPTION_LIMIT)?;
    let takes_caption = content.takes_caption();
    // A Premium sender's caption may be longer than a bot may send: copied as it is, it
    // goes; with a reply or buttons added, the copy counts as the bot's own and is refused.
    let long =
        takes_caption && text.as_deref().is_some_and(|text| text.encode_utf16().count() > CAPTION_LIMIT);
    if long
        && caption.is_none()
        && (call.value("reply_parameters").is_some() || call.value("reply_markup").is_some())
    {
        return Err(ApiFailure::bad_request("message caption is too long"));
    }
    let mut post = bot_post(world, call, chat_id, content)?;
    post.text = text;
    post.entities = entities;
    if takes_caption {
        post = with_text(post, caption);
        // An empty caption removes it.
        if post.text.as_deref() == Some("") {
            post.text = None;
        }
    }
    let message_id = world.append(post);
    Ok(json!({ "message_id": message_id }))
}

pub(crate) fn copy_messages(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let from_chat_id = call.chat_id(world, "from_chat_id")?;
    let ids: Vec<i64> =
        call.required("message_ids", Value::as_array)?.iter().filter_map(Value::as_i64).collect();
    if ids.is_empty() || ids.len() > 100 || ids.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(ApiFailure::bad_request(
            "message_ids must be 1-100 identifiers in strictly increasing order",
        ));
    }
    let mut albums: HashMap<String, String> = HashMap::new();
    let mut copies = Vec::new();
    for id in ids {
        let Some(original) = world.chats[&from_chat_id].live_message(i32::try_from(id).unwrap_or_default())
        else {
            continue;
        };
        let album = original.media_group_id.clone();
        let Ok((content, text, entities)) =
            source(world, from_chat_id, original.message_id, "message to copy not found")
        else {
            continue;
        };
        let mut post = bot_post(world, call, chat_id, content)?;
        if !(call.flag("remove_caption") && post.content.takes_caption()) {
            (post.text, post.entities) = (text, entities);
        }
        post.media_group_id = album.map(|album| {
            let serial = world.serial();
            albums.entry(album).or_insert_with(|| format!("{}", 13_000_000_000_000_000_u64 + serial)).clone()
        });
        copies.push(json!({ "message_id": world.append(post) }));
    }
    if copies.is_empty() {
        return Err(ApiFailure::bad_request("message to copy not found"));
    }
    Ok(Value::Array(copies))
}

pub(crate) fn forward_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let from_chat_id = call.chat_id(world, "from_chat_id")?;
    let message_id = call.message_id("message_id")?;
    let (content, text, entities) = source(world, from_chat_id, message_id, "message to forward not found")?;
    let original = &world.chats[&from_chat_id].messages[&message_id];
    let origin = original.forward_origin.unwrap_or((original.from, original.date));
    let mut post = bot_post(world, call, chat_id, content)?;
    (post.text, post.entities, post.forward_origin) = (text, entities, Some(origin));
    Ok(send(world, post))
}

/// The bot's own live message in a chat the bot can reach: what edits may touch. With
/// `business_connection_id`, a message the bot sent through that connection, in the account's
/// chat, with the rights and the 24-hour window sending needs (`can_reply` covers editing).
/// Returns the connection (if any), the chat and the message.
fn editable(world: &World, call: &Call) -> Result<(Option<String>, i64, i32), ApiFailure> {
    if call.value("inline_message_id").is_some() {
        return Err(ApiFailure::bad_request("inline messages are not simulated by the fake"));
    }
    let (Some(_), Some(_)) = (call.value("chat_id"), call.value("message_id")) else {
        return Err(ApiFailure::bad_request("message identifier is not specified"));
    };
    let chat_id = call.chat_id(world, "chat_id")?;
    let message_id = call.message_id("message_id")?;
    let business = call.str("business_connection_id");
    let chat = match business {
        Some(id) => world.business_target(id, chat_id)?.0,
        None => world.bot_target(chat_id, None)?,
    };
    let message =
        chat.live_message(message_id).ok_or_else(|| ApiFailure::bad_request("message to edit not found"))?;
    let own = match business {
        Some(_) => message.sender_business_bot == Some(world.bot.id),
        None => message.from == world.bot.id,
    };
    if !own {
        return Err(ApiFailure::bad_request("message can't be edited"));
    }
    Ok((business.map(str::to_owned), chat_id, message_id))
}

fn not_modified() -> ApiFailure {
    ApiFailure::bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a current \
         content and reply markup of the message",
    )
}

/// Shared by the three edit methods: `text_key` is `text`, `caption` or `None` (keyboard only).
fn edit(world: &mut World, call: &Call, text_key: Option<&str>) -> Result<Value, ApiFailure> {
    let (business, chat_id, message_id) = editable(world, call)?;
    let message = &world.chat_of(business.as_deref(), chat_id).messages[&message_id];
    let text = match text_key {
        Some("text") if message.content != Content::Text => {
            return Err(ApiFailure::bad_request("there is no text in the message to edit"));
        }
        Some("text") => formatted(call, "text", "entities", TEXT_LIMIT)?,
        Some(_) if !message.content.takes_caption() => {
            return Err(ApiFailure::bad_request("there is no caption in the message to edit"));
        }
        // No caption in the call removes the caption.
        Some(_) => Some(
            formatted(call, "caption", "caption_entities", CAPTION_LIMIT)?
                .unwrap_or(Formatted { text: String::new(), entities: Vec::new() }),
        ),
        None => None,
    };
    let reply_markup = keyboard(call)?;
    let same_text = text.as_ref().is_none_or(|new| {
        message.text.as_deref().unwrap_or_default() == new.text && message.entities == new.entities
    });
    if same_text && message.reply_markup == reply_markup {
        return Err(not_modified());
    }
    let text = text.map(|new| (new.text, new.entities));
    world.edit(business.as_deref(), chat_id, message_id, text, reply_markup);
    Ok(world.message_json(&world.chat_of(business.as_deref(), chat_id).messages[&message_id]))
}

pub(crate) fn edit_message_text(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    edit(world, call, Some("text"))
}

pub(crate) fn edit_message_caption(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    edit(world, call, Some("caption"))
}

pub(crate) fn edit_message_reply_markup(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    edit(world, call, None)
}

pub(crate) fn delete_message(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let chat_id = call.chat_id(world, "chat_id")?;
    let message_id = call.message_id("message_id")?;
    let now = world.now_unix();
    let chat = world.bot_target(chat_id, None)?;
    let message = chat
        .live_message(message_id)
        .ok_or_else(|| ApiFailure::bad_request("message to delete not found"))?;
    let can_delete_others = world.bot_role(chat).rights().is_some_and(|rights| rights.can_delete_messages);
    if message.from != world.bot.id && chat.id < 0 && !can_delete_others {
        return Err(ApiFailure::bad_request("message can't be deleted"));
    }
    if world.faults.delete_policy == DeletePolicy::Refuse || now - message.date > DELETE_WINDOW_SECONDS {
        return Err(ApiFailure::bad_request("message can't be deleted for everyone"));
    }
    if let Some(message) = world.chats.get_mut(&chat_id).and_then(|chat| chat.messages.get_mut(&message_id)) {
        message.deleted = true;
    }
    Ok(json!(true))
}

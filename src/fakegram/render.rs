//! The world rendered as Bot API JSON: users, chats, chat members and messages, in the shapes the
//! spec documents (every answer is re-checked against it in `http.rs`).
//!
//! Forum quirks reproduced on purpose: a message in a topic carries `message_thread_id` and
//! `is_topic_message`, and, when it replies to nothing, `reply_to_message` is the topic's creation
//! message; a reply in General carries a `message_thread_id` (the replied message) but no
//! `is_topic_message`, which is why the desk must trust `is_topic_message` only.

use serde_json::{Map, Value, json};

use super::config::{GroupKind, MemberRole, UserSpec};
use super::control::GROUP_ANONYMOUS_BOT;
use super::message::{Content, FakeMessage, ServiceEvent};
use super::world::{ChatKind, ChatState, World};

/// Photo sizes every fake photo comes in: a thumbnail and the full picture.
const PHOTO_SIZES: [(&str, u32, u32, u32); 2] = [("-thumb", 90, 68, 1_520), ("", 1280, 960, 102_400)];

impl World {
    /// A `User` object; the bot renders with `is_bot: true`.
    pub(crate) fn user_json(&self, user_id: u64) -> Value {
        let (spec, is_bot) = match self.people.get(&user_id) {
            Some(person) => (&person.spec, false),
            None if user_id == self.bot.id => (&self.bot, true),
            None if user_id == GROUP_ANONYMOUS_BOT => {
                return json!({
                    "id": user_id, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot",
                });
            }
            None => return json!({ "id": user_id, "is_bot": false, "first_name": "Deleted Account" }),
        };
        user_spec_json(spec, is_bot)
    }

    /// A `Chat` object.
    pub(crate) fn chat_json(&self, chat: &ChatState) -> Value {
        let mut object = json!({ "id": chat.id });
        match chat.kind {
            ChatKind::Private => {
                let person = &self.people[&(chat.id as u64)].spec;
                object["type"] = "private".into();
                object["first_name"] = person.first_name.clone().into();
                insert_some(&mut object, "username", person.username.clone());
            }
            ChatKind::Group(kind) => {
                object["type"] = if kind == GroupKind::Basic { "group" } else { "supergroup" }.into();
                object["title"] = chat.title.clone().into();
                insert_some(&mut object, "username", chat.username.clone());
                if kind == GroupKind::Forum {
                    object["is_forum"] = true.into();
                }
            }
        }
        object
    }

    /// A `ChatFullInfo` object, the answer to `getChat`.
    pub(crate) fn chat_full_info_json(&self, chat: &ChatState) -> Value {
        let mut object = self.chat_json(chat);
        object["accent_color_id"] = 0.into();
        object["max_reaction_count"] = 11.into();
        object["accepted_gift_types"] = json!({
            "unlimited_gifts": false, "limited_gifts": false, "unique_gifts": false,
            "premium_subscription": false, "gifts_from_channels": false,
        });
        object
    }

    /// A `ChatMember` object.
    pub(crate) fn member_json(&self, user_id: u64, role: MemberRole) -> Value {
        let user = self.user_json(user_id);
        match role {
            MemberRole::Owner => json!({ "status": "creator", "user": user, "is_anonymous": false }),
            MemberRole::Administrator(rights) => json!({
                "status": "administrator", "user": user, "can_be_edited": false, "is_anonymous": false,
                "can_manage_chat": true, "can_delete_messages": rights.can_delete_messages,
                "can_manage_video_chats": true, "can_restrict_members": true, "can_promote_members": false,
                "can_change_info": true, "can_invite_users": true, "can_post_stories": false,
                "can_edit_stories": false, "can_delete_stories": false,
                "can_pin_messages": rights.can_pin_messages, "can_manage_topics": rights.can_manage_topics,
            }),
            MemberRole::Member => json!({ "status": "member", "user": user }),
            MemberRole::Left => json!({ "status": "left", "user": user }),
            MemberRole::Kicked => json!({ "status": "kicked", "user": user, "until_date": 0 }),
        }
    }

    /// A `Message` object, with `reply_to_message` one level deep.
    pub(crate) fn message_json(&self, message: &FakeMessage) -> Value {
        self.message_json_at(message, 0)
    }

    fn message_json_at(&self, message: &FakeMessage, depth: u8) -> Value {
        let chat = self.chat_of(message.business_connection_id.as_deref(), message.chat_id);
        let mut object = json!({
            "message_id": message.message_id,
            "from": self.user_json(message.from),
            "date": message.date,
            "chat": self.chat_json(chat),
        });
        if message.from == GROUP_ANONYMOUS_BOT {
            // An anonymous admin speaks for the group itself.
            object["sender_chat"] = self.chat_json(chat);
        }
        let replied = message.reply_to.or(message.thread_id.filter(|root| *root != message.message_id));
        if let Some(thread_id) = message.thread_id {
            object["message_thread_id"] = thread_id.into();
            object["is_topic_message"] = true.into();
        } else if let (Some(reply_to), true) = (message.reply_to, chat.is_supergroup()) {
            object["message_thread_id"] = reply_to.into();
        }
        if let (Some(replied), 0) = (replied.and_then(|id| chat.messages.get(&id)), depth) {
            object["reply_to_message"] = self.message_json_at(replied, depth + 1);
        }
        if let Some((sender, date)) = message.forward_origin {
            object["forward_origin"] =
                json!({ "type": "user", "sender_user": self.user_json(sender), "date": date });
        }
        if let Some(bot) = message.via_bot {
            object["via_bot"] = self.user_json(bot);
        }
        insert_some(&mut object, "business_connection_id", message.business_connection_id.clone());
        if let Some(bot) = message.sender_business_bot {
            object["sender_business_bot"] = self.user_json(bot);
        }
        insert_some(&mut object, "media_group_id", message.media_group_id.clone());
        insert_some(&mut object, "edit_date", message.edit_date);
        self.content_json(message, depth, &mut object);
        if message.reply_markup.as_ref().is_some_and(|markup| markup.get("inline_keyboard").is_some()) {
            object["reply_markup"] = message.reply_markup.clone().into();
        }
        object
    }

    fn content_json(&self, message: &FakeMessage, depth: u8, object: &mut Value) {
        let (text_key, entities_key) = if message.content == Content::Text {
            ("text", "entities")
        } else {
            ("caption", "caption_entities")
        };
        insert_some(object, text_key, message.text.clone());
        if !message.entities.is_empty() {
            object[entities_key] = message.entities.clone().into();
        }
        let (key, value) = match &message.content {
            Content::Text => return,
            Content::Photo { file_id } => ("photo", photo_json(file_id)),
            Content::Document { file_id, file_name } => {
                let mut document = file_json(file_id, 24_576);
                document["file_name"] = file_name.clone().into();
                document["mime_type"] = mime_type(file_name).into();
                ("document", document)
            }
            Content::Voice { file_id, duration } => {
                let mut voice = file_json(file_id, u64::from(*duration) * 4_000);
                voice["duration"] = (*duration).into();
                voice["mime_type"] = "audio/ogg".into();
                ("voice", voice)
            }
            Content::Video { file_id, duration } => {
                let mut video = file_json(file_id, u64::from(*duration) * 250_000);
                video["width"] = 640.into();
                video["height"] = 360.into();
                video["duration"] = (*duration).into();
                video["mime_type"] = "video/mp4".into();
                ("video", video)
            }
            Content::VideoNote { file_id, duration, length } => {
                let mut note = file_json(file_id, u64::from(*duration) * 100_000);
                note["length"] = (*length).into();
                note["duration"] = (*duration).into();
                ("video_note", note)
            }
            Content::Sticker { file_id, emoji } => {
                let mut sticker = file_json(file_id, 20_480);
                for (field, value) in
                    [("type", json!("regular")), ("width", json!(512)), ("height", json!(512))]
                {
                    sticker[field] = value;
                }
                sticker["is_animated"] = false.into();
                sticker["is_video"] = false.into();
                sticker["emoji"] = emoji.clone().into();
                ("sticker", sticker)
            }
            Content::Location { latitude, longitude } => {
                ("location", json!({ "latitude": latitude, "longitude": longitude }))
            }
            Content::Contact { phone_number, first_name, last_name } => {
                let mut contact = json!({ "phone_number": phone_number, "first_name": first_name });
                if let Some(last_name) = last_name {
                    contact["last_name"] = last_name.clone().into();
                }
                ("contact", contact)
            }
            Content::Service(event) => self.service_json(message, event, depth),
        };
        object[key] = value;
    }

    fn service_json(&self, message: &FakeMessage, event: &ServiceEvent, depth: u8) -> (&'static str, Value) {
        match event {
            ServiceEvent::TopicCreated { name, icon_color } => {
                ("forum_topic_created", json!({ "name": name, "icon_color": icon_color }))
            }
            ServiceEvent::TopicEdited { name } => ("forum_topic_edited", json!({ "name": name })),
            ServiceEvent::TopicClosed => ("forum_topic_closed", json!({})),
            ServiceEvent::TopicReopened => ("forum_topic_reopened", json!({})),
            ServiceEvent::Pinned { message_id } => {
                let chat = self.chat_of(message.business_connection_id.as_deref(), message.chat_id);
                let pinned = match chat.live_message(*message_id) {
                    Some(pinned) if depth == 0 => self.message_json_at(pinned, depth + 1),
                    _ => json!({ "chat": self.chat_json(chat), "message_id": message_id, "date": 0 }),
                };
                ("pinned_message", pinned)
            }
            ServiceEvent::MigrateTo { chat_id } => ("migrate_to_chat_id", (*chat_id).into()),
            ServiceEvent::MigrateFrom { chat_id } => ("migrate_from_chat_id", (*chat_id).into()),
        }
    }
}

pub(crate) fn user_spec_json(spec: &UserSpec, is_bot: bool) -> Value {
    let mut object = json!({ "id": spec.id, "is_bot": is_bot, "first_name": spec.first_name });
    insert_some(&mut object, "username", spec.username.clone());
    insert_some(&mut object, "language_code", spec.language_code.clone());
    object
}

fn photo_json(file_id: &str) -> Value {
    let sizes = PHOTO_SIZES.iter().map(|(suffix, width, height, size)| {
        let mut photo = file_json(&format!("{file_id}{suffix}"), u64::from(*size));
        photo["width"] = (*width).into();
        photo["height"] = (*height).into();
        photo
    });
    Value::Array(sizes.collect())
}

/// The file ids a photo is known by (every size can be sent again).
pub(crate) fn photo_file_ids(file_id: &str) -> impl Iterator<Item = String> + '_ {
    PHOTO_SIZES.iter().map(move |(suffix, ..)| format!("{file_id}{suffix}"))
}

fn file_json(file_id: &str, size: u64) -> Value {
    // FNV-1a: the same file always has the same unique id, different files (almost surely) not.
    let hash = file_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3));
    json!({ "file_id": file_id, "file_unique_id": format!("AQAD{hash:016x}"), "file_size": size })
}

fn mime_type(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("pdf") => "application/pdf",
        Some("txt" | "log") => "text/plain",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

fn insert_some(object: &mut Value, key: &str, value: Option<impl Into<Value>>) {
    if let (Some(value), Value::Object(map)) = (value, object) {
        Map::insert(map, key.to_owned(), value.into());
    }
}

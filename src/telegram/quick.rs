//! The shape most updates have, read without teloxide: a customer's plain text in their
//! private chat with the bot.
//!
//! teloxide decodes an update through serde's buffered content (the update's kind and the
//! message's kinds are flattened and untagged: see `parse`), which for a one-line text costs
//! several times what reading its few fields does. [`Decoded::decode`] first reads the text
//! as that one shape, with every field it may have named and any other field refused: an
//! update with anything more (a reply, entities, a photo, a forum, a business connection, an
//! edit) is not that shape, and teloxide decodes it as before. What the shape decodes to is
//! what `translate` makes of teloxide's `Update` for the same text: a test holds the two to
//! each other on every sample.

use serde::Deserialize;
use teloxide::types::Update;

use super::translate::{translate, translate_raw};
use crate::desk::{CustomerMessage, Event, Kind};
use crate::groups::StaffGroups;
use crate::ticket::Customer;

/// An update as the desk reads it: the common shape read directly, or teloxide's `Update`.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a page holds at most 100 updates, for a moment; boxing the common one would cost an allocation each"
)]
pub enum Decoded {
    /// A customer's plain text to the bot.
    Text(PrivateText),
    /// Anything else, as teloxide decodes it.
    Update(Box<Update>),
}

/// A customer's plain text in their private chat with the bot.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivateText {
    pub update_id: i64,
    /// When Telegram says it was sent (unix seconds).
    pub date: i64,
    pub message: CustomerMessage,
}

impl Decoded {
    /// Decodes one update from its JSON text; an error is `serde_json`'s own, as for
    /// `serde_json::from_str::<Update>`.
    pub fn decode(json: &str) -> Result<Decoded, serde_json::Error> {
        match private_text(json) {
            Some(text) => Ok(Decoded::Text(text)),
            None => super::parse::parse_update(json).map(|update| Decoded::Update(Box::new(update))),
        }
    }

    /// The update's id.
    pub fn id(&self) -> i64 {
        match self {
            Decoded::Text(text) => text.update_id,
            Decoded::Update(update) => i64::from(update.id.0),
        }
    }

    /// When the update's message was sent or edited (`sent_at`).
    pub fn sent_at(&self) -> Option<i64> {
        match self {
            Decoded::Text(text) => Some(text.date),
            Decoded::Update(update) => super::sent_at(update),
        }
    }

    /// The desk event the update means for the staff groups `groups`, if any; `json` is the
    /// text it was decoded from, for the kinds teloxide does not know (`translate_raw`).
    pub fn into_event(self, json: &str, groups: &StaffGroups) -> Option<Event> {
        match self {
            Decoded::Text(text) => Some(Event::Customer(text.message)),
            Decoded::Update(update) => translate(&update, groups).or_else(|| translate_raw(json)),
        }
    }
}

/// The update when it is a customer's plain text to the bot and nothing more.
fn private_text(json: &str) -> Option<PrivateText> {
    // Most other updates are told apart here, before any decoding: only a private chat's
    // update names that chat type.
    if !json.contains("\"private\"") {
        return None;
    }
    let update: WireUpdate = serde_json::from_str(json).ok()?;
    let WireMessage { message_id, date, chat, from, text } = update.message;
    // teloxide reads the date as a moment and refuses one out of its range; jiff's is narrower.
    jiff::Timestamp::from_second(date).ok()?;
    if chat.kind != "private" || from.is_bot {
        return None;
    }
    let name = match &from.last_name {
        Some(last_name) => format!("{} {last_name}", from.first_name),
        None => from.first_name,
    };
    let customer = Customer { id: from.id, name, username: from.username, language: from.language_code };
    Some(PrivateText {
        update_id: i64::from(update.update_id),
        date,
        message: CustomerMessage {
            customer,
            message_id,
            kind: Kind::Text,
            text: Some(text),
            file_id: None,
            single: None,
            reply_to: None,
            album: None,
        },
    })
}

// The wire shape, field for field; the number types are teloxide's, so a value teloxide
// refuses is refused here too.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireUpdate {
    update_id: u32,
    message: WireMessage,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMessage {
    message_id: i32,
    date: i64,
    chat: WireChat,
    from: WireUser,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireChat {
    #[expect(
        dead_code,
        reason = "read so that a chat id teloxide refuses is refused; the customer is `from`"
    )]
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    #[expect(dead_code, reason = "allowed in the shape; the customer's name is `from`'s")]
    first_name: Option<String>,
    #[expect(dead_code, reason = "allowed in the shape; the customer's name is `from`'s")]
    last_name: Option<String>,
    #[expect(dead_code, reason = "allowed in the shape; the customer's username is `from`'s")]
    username: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireUser {
    id: u64,
    is_bot: bool,
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const STAFF: i64 = -1_001_234_567_890;

    /// What the desk made of an update before this shape was read directly: teloxide's
    /// decoding, `translate` (or `translate_raw`) and `sent_at`.
    fn through_teloxide(json: &str, groups: &StaffGroups) -> (i64, Option<Event>, Option<i64>) {
        let update = super::super::parse::parse_update(json).expect("decodes");
        let event = translate(&update, groups).or_else(|| translate_raw(json));
        (i64::from(update.id.0), event, super::super::sent_at(&update))
    }

    fn text_update(message: &Value) -> String {
        json!({ "update_id": 41, "message": message }).to_string()
    }

    fn plain(extra: &Value) -> Value {
        let mut message = json!({
            "message_id": 7, "date": 1_790_000_000,
            "chat": { "id": 42, "type": "private", "first_name": "Ann" },
            "from": { "id": 42, "is_bot": false, "first_name": "Ann" },
            "text": "Hello, the export button is broken",
        });
        for (key, value) in extra.as_object().expect("an object") {
            if value.is_null() {
                message.as_object_mut().expect("an object").remove(key);
            } else {
                message[key] = value.clone();
            }
        }
        message
    }

    /// Plain texts: read directly, and to the very event teloxide's path gives.
    fn direct() -> Vec<String> {
        let full_user = json!({ "id": 42, "is_bot": false, "first_name": "Ann", "last_name": "Lee",
            "username": "ann", "language_code": "de" });
        let full_chat = json!({ "id": 42, "type": "private", "first_name": "Ann", "last_name": "Lee", "username": "ann" });
        vec![
            text_update(&plain(&json!({}))),
            text_update(&plain(&json!({ "from": full_user, "chat": full_chat }))),
            text_update(&plain(&json!({ "from": { "id": 42, "is_bot": false, "first_name": "Ann", "last_name": null } }))),
            text_update(&plain(&json!({ "text": "Кнопка \"экспорт\" не работает\n😡 \\o/" }))),
            text_update(&plain(&json!({ "text": "" }))),
            text_update(&plain(&json!({ "text": "/start support" }))),
            text_update(&plain(&json!({ "message_id": i32::MAX, "date": 0 }))),
            // Keys in Telegram's own order, and a chat that is not the sender's.
            r#"{"update_id":9,"message":{"message_id":3,"from":{"id":7,"is_bot":false,"first_name":"Bo"},"chat":{"id":8,"first_name":"Bo","type":"private"},"date":1790000000,"text":"hi"}}"#.to_owned(),
            json!({ "update_id": u32::MAX, "message": plain(&json!({})) }).to_string(),
        ]
    }

    /// Everything else: left to teloxide, and the same as ever.
    fn left_to_teloxide() -> Vec<String> {
        let group = json!({ "id": STAFF, "type": "supergroup", "title": "Staff", "is_forum": true });
        let photo = json!([{ "file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90 }]);
        let mut updates: Vec<String> = [
            json!({ "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }], "text": "/start x" }),
            json!({ "reply_to_message": plain(&json!({ "message_id": 3 })) }),
            json!({ "media_group_id": "a1" }),
            json!({ "text": null, "photo": photo, "caption": "screenshot" }),
            json!({ "from": { "id": 42, "is_bot": true, "first_name": "Bot" } }),
            json!({ "from": { "id": 42, "is_bot": false, "first_name": "Ann", "is_premium": true } }),
            json!({ "chat": group, "message_thread_id": 3, "is_topic_message": true }),
            json!({ "chat": { "id": -5, "type": "group", "title": "private" } }),
            json!({ "business_connection_id": "bc1" }),
            json!({ "edit_date": 1_790_000_100 }),
            json!({ "from": null }),
        ]
        .into_iter()
        .map(|extra| text_update(&plain(&extra)))
        .collect();
        updates.push(
            json!({ "update_id": 2, "edited_message": plain(&json!({ "edit_date": 1_790_000_100 })) })
                .to_string(),
        );
        updates.push(
            json!({ "update_id": 4, "callback_query": { "id": "q1", "from": plain(&json!({}))["from"],
                "chat_instance": "c1", "data": "csat:5", "message": plain(&json!({})) } })
            .to_string(),
        );
        updates
    }

    /// Each update decodes the way `direct` says (read directly, or left to teloxide) and to
    /// the id, event and time teloxide's path gives.
    fn reads_as_teloxide(updates: Vec<String>, direct: bool) {
        let groups = StaffGroups::single(STAFF);
        for json in updates {
            let decoded = Decoded::decode(&json).expect("decodes");
            assert_eq!(matches!(decoded, Decoded::Text(_)), direct, "read directly or not: {json}");
            let (id, sent_at) = (decoded.id(), decoded.sent_at());
            assert_eq!(
                (id, decoded.into_event(&json, &groups), sent_at),
                through_teloxide(&json, &groups),
                "{json}"
            );
        }
    }

    #[test]
    fn a_plain_private_text_is_read_directly_to_what_teloxide_s_path_gives() {
        reads_as_teloxide(direct(), true);
    }

    #[test]
    fn any_other_update_is_left_to_teloxide_and_reads_as_before() {
        reads_as_teloxide(left_to_teloxide(), false);
    }

    #[test]
    fn what_teloxide_refuses_is_refused_with_its_error() {
        for json in [
            json!({ "update_id": u64::from(u32::MAX) + 1, "message": plain(&json!({})) }).to_string(),
            text_update(&plain(&json!({ "message_id": i64::from(i32::MAX) + 1 }))),
            text_update(&plain(&json!({ "from": { "id": -42, "is_bot": false, "first_name": "Ann" } }))),
            text_update(&plain(&json!({ "from": { "id": 42, "is_bot": false } }))),
            "{\"update_id\": 1, \"message\": {\"chat\": {\"type\": \"private\"".to_owned(),
        ] {
            let direct = Decoded::decode(&json);
            match super::super::parse::parse_update(&json) {
                Ok(update) => {
                    // teloxide reads what it cannot place as its error kind: so does the desk.
                    assert_eq!(direct.expect("decodes"), Decoded::Update(Box::new(update)), "{json}");
                }
                Err(error) => {
                    assert_eq!(direct.expect_err("refused").to_string(), error.to_string(), "{json}");
                }
            }
        }
    }
}

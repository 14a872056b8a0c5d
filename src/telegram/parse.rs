//! An update's JSON text decoded into teloxide's `Update`, the one way every path reads one
//! (`poll`, the webhook, `translate_json`, through `quick::Decoded`) that is not a
//! customer's plain text to the bot (which `quick` reads directly).
//!
//! teloxide decodes an update through serde's buffered content: `Update` flattens its kind,
//! and a message's kinds and media are untagged enums, so each text message is tried
//! against a dozen shapes that do not fit before the one that does. Every shape that does
//! not fit makes an error of the outer deserializer's type, and a `serde_json::Error` is
//! built by formatting its message and searching it for a position: more than a third of
//! the decoding, spent on errors nobody reads (the untagged enums drop them).
//!
//! [`parse_update`] runs the very same `Deserialize` impls over the very same text, but
//! hands them a map whose error type is [`Mismatch`], which keeps nothing: an error that is
//! dropped costs nothing to make. Only the error type differs, and no decoding step looks
//! at an error's text, so what decodes is the same `Update`. When the text does not decode,
//! it is decoded again the ordinary way, for `serde_json`'s own error and its position.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use teloxide::types::Update;

/// Decodes one update from its JSON text, as `serde_json::from_str::<Update>` does.
pub fn parse_update(json: &str) -> Result<Update, serde_json::Error> {
    let mut text = serde_json::Deserializer::from_str(json);
    let quiet = Update::deserialize(Quiet(&mut text)).ok().filter(|_| text.end().is_ok());
    match quiet {
        Some(update) => Ok(update),
        // The ordinary decoding, for the error it gives (or, should the two ever differ, for
        // the update: it is the reference).
        None => serde_json::from_str(json),
    }
}

/// An error that keeps nothing: decoding failed somewhere, which a fallback or the ordinary
/// decoding then says.
#[derive(Debug)]
struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the update does not decode")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(_message: T) -> Mismatch {
        Mismatch
    }
}

/// `serde_json`'s deserializer, its errors turned into [`Mismatch`]. The update is a JSON
/// object: the map it gives its visitor has [`Mismatch`] for errors, so everything decoded
/// from the content buffered out of that map (the flattened kind, the message, its untagged
/// kinds) makes its errors as [`Mismatch`] too.
struct Quiet<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Quiet<D> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.0.deserialize_any(Loud(visitor)).map_err(|_| Mismatch)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.0.deserialize_map(Loud(visitor)).map_err(|_| Mismatch)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct struct enum identifier
        ignored_any
    }
}

/// A visitor over [`Mismatch`] errors, given to `serde_json`: a map it is handed is passed on
/// with its errors quiet. Anything else than an object is no update; the default answers
/// refuse it, and the ordinary decoding says why.
struct Loud<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Loud<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(QuietMap(map)).map_err(|_| de::Error::custom(Mismatch))
    }
}

/// `serde_json`'s map of the update's keys and values, its errors turned into [`Mismatch`].
/// Keys and values are decoded by `serde_json` itself, with the seeds given.
struct QuietMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for QuietMap<A> {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Mismatch> {
        self.0.next_key_seed(seed).map_err(|_| Mismatch)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Mismatch> {
        self.0.next_value_seed(seed).map_err(|_| Mismatch)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Updates of every kind the desk reads (and some it does not), each decoded both ways.
    fn samples() -> Vec<String> {
        let user = json!({ "id": 42, "is_bot": false, "first_name": "Ann", "username": "ann", "language_code": "de" });
        let private = json!({ "id": 42, "type": "private", "first_name": "Ann" });
        let group = json!({ "id": -1_001_234_567_890_i64, "type": "supergroup", "title": "Support", "is_forum": true });
        let message = |extra: serde_json::Value| {
            let mut base = json!({ "message_id": 7, "date": 1_790_000_000, "chat": private, "from": user });
            for (key, value) in extra.as_object().expect("an object") {
                base[key] = value.clone();
            }
            base
        };
        let photo = json!([{ "file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90 }]);
        let topic = json!({
            "message_id": 70, "date": 1_790_000_000, "chat": group, "from": user,
            "message_thread_id": 11, "is_topic_message": true, "text": "On it",
            "reply_to_message": { "message_id": 11, "date": 1_790_000_000, "chat": group,
                "forum_topic_created": { "name": "T-000001", "icon_color": 7_322_096 } }
        });
        let kinds = [
            json!({ "message": message(json!({ "text": "Hello, the export button is broken" })) }),
            json!({ "message": message(json!({ "text": "/start support", "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }] })) }),
            json!({ "message": message(json!({ "photo": photo, "caption": "screenshot", "media_group_id": "album1" })) }),
            json!({ "message": message(json!({ "document": { "file_id": "d1", "file_unique_id": "u2", "file_name": "log.txt" } })) }),
            json!({ "message": message(json!({ "voice": { "file_id": "v1", "file_unique_id": "u3", "duration": 3 } })) }),
            json!({ "message": message(json!({ "sticker": { "file_id": "s1", "file_unique_id": "u4", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false } })) }),
            json!({ "message": message(json!({ "location": { "latitude": 1.5, "longitude": 2.5 } })) }),
            json!({ "message": message(json!({ "contact": { "phone_number": "+100", "first_name": "Ann" } })) }),
            json!({ "message": topic }),
            json!({ "edited_message": message(json!({ "text": "edited", "edit_date": 1_790_000_100 })) }),
            json!({ "message": { "message_id": 1, "date": 1_790_000_000, "chat": group, "migrate_to_chat_id": -1_009 } }),
            json!({ "callback_query": { "id": "q1", "from": user, "chat_instance": "c1", "data": "csat:5", "message": topic } }),
            json!({ "inline_query": { "id": "i1", "from": user, "query": "T-000001 refund", "offset": "" } }),
            json!({ "my_chat_member": { "chat": private, "from": user, "date": 1_790_000_000,
                "old_chat_member": { "user": user, "status": "member" },
                "new_chat_member": { "user": user, "status": "kicked", "until_date": 0 } } }),
            json!({ "business_connection": { "id": "bc1", "user": user, "user_chat_id": 42, "date": 1_790_000_000, "can_reply": true, "is_enabled": true } }),
            json!({ "business_message": message(json!({ "text": "hi via business", "business_connection_id": "bc1" })) }),
            json!({ "poll": { "id": "p", "question": "?", "options": [], "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false } }),
            // Kinds teloxide does not know, or content it refuses: decoded as its error kind
            // (a deletion in a business chat is one: `translate_raw` reads its text).
            json!({ "deleted_business_messages": { "business_connection_id": "bc1", "chat": private, "message_ids": [3, 4] } }),
            json!({ "something_new": { "x": 1 } }),
            json!({ "message": { "message_id": "not a number" } }),
        ];
        kinds
            .into_iter()
            .enumerate()
            .map(|(n, mut kind)| {
                kind["update_id"] = json!(n + 1);
                kind.to_string()
            })
            .collect()
    }

    #[test]
    fn every_update_decodes_to_what_the_ordinary_decoding_gives() {
        let samples = samples();
        let known = samples.len() - 3;
        for (n, text) in samples.into_iter().enumerate() {
            let ordinary: Update = serde_json::from_str(&text).expect("decodes");
            let unknown = matches!(ordinary.kind, teloxide::types::UpdateKind::Error(_));
            assert_eq!(unknown, n >= known, "the samples are what they say: {text}");
            let quiet = parse_update(&text).expect("decodes");
            assert_eq!(quiet, ordinary, "{text}");
            // Nothing fell back to the ordinary decoding on the way.
            let mut de = serde_json::Deserializer::from_str(&text);
            let direct = Update::deserialize(Quiet(&mut de)).expect("decodes quietly");
            assert_eq!(direct, ordinary, "{text}");
        }
    }

    #[test]
    fn text_that_is_no_update_gets_serde_json_s_own_error() {
        for text in [
            "",
            "[1, 2]",
            "{\"update_id\": 1, \"message\": ",
            "{\"message\": {}}",
            "{\"update_id\": -5}",
            "{\"update_id\": 1} trailing",
        ] {
            let ordinary = serde_json::from_str::<Update>(text).expect_err("not an update");
            let quiet = parse_update(text).expect_err("not an update");
            assert_eq!(quiet.to_string(), ordinary.to_string(), "{text}");
            assert_eq!((quiet.line(), quiet.column()), (ordinary.line(), ordinary.column()));
        }
    }
}

//! Telegram updates in, desk events out. Only what the desk needs crosses: ids, text,
//! the kind of message, who sent it and where. Service messages, other bots and chats
//! that are neither private nor one of the staff groups' are dropped here.

use teloxide::types::{ChatMemberKind, Message, Update, UpdateKind, User};

use crate::desk::{
    BusinessConnection, BusinessMessage, ButtonPress, CustomerMessage, Event, InlineQuery, Kind,
    StaffMessage, TypedIn,
};
use crate::groups::StaffGroups;
use crate::history::ANONYMOUS_ADMIN;
use crate::outbox::Single;
use crate::ticket::{Customer, UserId};

/// The desk event for an update, if it concerns the desk.
pub fn translate(update: &Update, groups: &StaffGroups) -> Option<Event> {
    match &update.kind {
        UpdateKind::Message(message) => message_event(message, groups, Edit::No),
        UpdateKind::EditedMessage(message) => message_event(message, groups, Edit::Yes),
        UpdateKind::CallbackQuery(query) => {
            let message = query.message.as_ref();
            let regular = message.and_then(|m| m.regular_message());
            Some(Event::Button(ButtonPress {
                callback_id: query.id.0.clone(),
                from: query.from.id.0,
                from_name: query.from.full_name(),
                from_username: query.from.username.clone(),
                language: query.from.language_code.clone(),
                chat_id: message.map_or(0, |m| m.chat().id.0),
                message_id: message.map(|m| m.id().0),
                thread: regular.filter(|m| m.is_topic_message).and_then(|m| m.thread_id).map(|t| t.0.0),
                data: query.data.clone().unwrap_or_default(),
            }))
        }
        UpdateKind::InlineQuery(query) => Some(Event::InlineQuery(InlineQuery {
            id: query.id.0.clone(),
            from: query.from.id.0,
            query: query.query.clone(),
            typed_in: match query.chat_type {
                Some(teloxide::types::ChatType::Supergroup) => TypedIn::Supergroup,
                _ => TypedIn::Elsewhere,
            },
        })),
        UpdateKind::BusinessConnection(connection) => {
            Some(Event::BusinessConnection(business_connection(connection)))
        }
        UpdateKind::BusinessMessage(message) => business_message(message, Edit::No),
        UpdateKind::EditedBusinessMessage(message) => business_message(message, Edit::Yes),
        UpdateKind::MyChatMember(change) if change.chat.is_private() => {
            let blocked =
                matches!(change.new_chat_member.kind, ChatMemberKind::Banned(_) | ChatMemberKind::Left);
            Some(Event::Reachability { customer: change.from.id.0, blocked })
        }
        _ => None,
    }
}

/// A business connection as the desk keeps it.
pub(super) fn business_connection(connection: &teloxide::types::BusinessConnection) -> BusinessConnection {
    let rights = connection.rights.as_ref();
    BusinessConnection {
        id: connection.id.0.clone(),
        owner: connection.user.id.0,
        owner_username: connection.user.username.clone(),
        owner_name: connection.user.full_name(),
        can_reply: rights.is_some_and(|rights| rights.can_reply),
        can_read_messages: rights.is_some_and(|rights| rights.can_read_messages),
        enabled: connection.is_enabled,
    }
}

/// The desk event of an update teloxide cannot read, from its JSON text: a customer's
/// deletion in a business chat (`deleted_business_messages`, whose `message_ids` teloxide
/// reads as objects).
pub fn translate_raw(json: &str) -> Option<Event> {
    let update: serde_json::Value = serde_json::from_str(json).ok()?;
    let deleted = update.get("deleted_business_messages")?;
    let connection = deleted.get("business_connection_id")?.as_str()?.to_owned();
    let customer = deleted.get("chat")?.get("id")?.as_u64()?;
    let ids = deleted.get("message_ids")?.as_array()?;
    let message_ids = ids.iter().filter_map(|id| i32::try_from(id.as_i64()?).ok()).collect();
    Some(Event::BusinessDeleted { connection, customer, message_ids })
}

/// An update as Telegram sends it (JSON text): its id and the desk event it means, if any.
/// For callers that hold the wire form (the bench's fixtures) and must not name teloxide.
pub fn translate_json(json: &str, groups: &StaffGroups) -> Result<(i64, Option<Event>), serde_json::Error> {
    let decoded = super::quick::Decoded::decode(json)?;
    Ok((decoded.id(), decoded.into_event(json, groups)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edit {
    Yes,
    No,
}

fn message_event(message: &Message, groups: &StaffGroups, edit: Edit) -> Option<Event> {
    let chat = message.chat.id.0;
    if let Some(to) = message.migrate_to_chat_id()
        && groups.all().iter().any(|group| group.chat == chat)
    {
        return Some(Event::StaffChatMigrated { from: chat, to: to.0 });
    }
    let from = message.from.as_ref()?;
    // Bots are dropped, but for the stand-in of an admin of a staff group posting anonymously.
    if from.is_bot && author(message, groups) != Some(ANONYMOUS_ADMIN) {
        return None;
    }
    let kind = kind_of(message)?;
    let text = message.text().or_else(|| message.caption()).map(str::to_owned);
    let replied = message
        .reply_to_message()
        // In a forum every message "replies" to its topic's first message; that is not a reply.
        .filter(|original| {
            !(message.is_topic_message && Some(original.id.0) == message.thread_id.map(|t| t.0.0))
        });
    let reply_to = replied.map(|original| original.id.0);
    let reply_author = replied.and_then(|original| author(original, groups));
    let reply_text =
        replied.and_then(|original| original.text().or_else(|| original.caption())).map(str::to_owned);
    let album = message.media_group_id().map(|id| id.0.clone());
    if message.chat.is_private() {
        let customer_message = CustomerMessage {
            customer: customer(from),
            message_id: message.id.0,
            kind,
            text,
            file_id: file_id(message),
            single: single(message),
            reply_to,
            album,
        };
        return Some(match edit {
            Edit::No => Event::Customer(customer_message),
            Edit::Yes => Event::CustomerEdit(customer_message),
        });
    }
    if !groups.is_staff(chat) {
        return None;
    }
    let writer = author(message, groups)?;
    let from_name =
        if writer == ANONYMOUS_ADMIN { "An anonymous admin".to_owned() } else { from.full_name() };
    let staff_message = StaffMessage {
        chat_id: groups.current(chat),
        // A message in General carries no thread worth trusting: only topic messages count.
        thread: message.thread_id.filter(|_| message.is_topic_message).map(|t| t.0.0),
        from: writer,
        from_name,
        message_id: message.id.0,
        kind,
        text,
        reply_to,
        reply_author,
        reply_text,
        album,
        via_bot: message.via_bot.as_ref().map(|bot| bot.id.0),
        entities: entities(message),
        file_id: file_id(message),
        single: single(message),
    };
    Some(match edit {
        Edit::No => Event::Staff(staff_message),
        Edit::Yes => Event::StaffEdit(staff_message),
    })
}

/// A message in a business account's chat with a customer: the customer's own (a new one or
/// an edit), or the account owner's answer from their app (the sender is not the person whose
/// chat it is). Service messages and the bot's own sends are dropped.
fn business_message(message: &Message, edit: Edit) -> Option<Event> {
    let teloxide::types::MessageKind::Common(common) = &message.kind else { return None };
    let connection = common.business_connection_id.as_ref()?.0.clone();
    let from = message.from.as_ref()?;
    if from.is_bot || message.sender_business_bot.is_some() || !message.chat.is_private() {
        return None;
    }
    let kind = kind_of(message)?;
    let by_owner = i64::try_from(from.id.0).ok() != Some(message.chat.id.0);
    let chat = &message.chat;
    let customer = if by_owner {
        Customer {
            id: u64::try_from(chat.id.0).ok()?,
            name: [chat.first_name(), chat.last_name()].into_iter().flatten().collect::<Vec<_>>().join(" "),
            username: chat.username().map(str::to_owned),
            language: None,
        }
    } else {
        customer(from)
    };
    let replied = message.reply_to_message();
    let business = BusinessMessage {
        connection,
        message: CustomerMessage {
            customer,
            message_id: message.id.0,
            kind,
            text: message.text().or_else(|| message.caption()).map(str::to_owned),
            file_id: file_id(message),
            single: single(message),
            reply_to: replied.map(|original| original.id.0),
            album: message.media_group_id().map(|id| id.0.clone()),
        },
        entities: entities(message),
    };
    Some(match (by_owner, edit) {
        (true, Edit::No) => Event::BusinessOwner(business),
        // An owner's edit of their own answer is theirs to tell; the desk keeps the answer.
        (true, Edit::Yes) => return None,
        (false, Edit::No) => Event::BusinessCustomer(business),
        (false, Edit::Yes) => Event::BusinessCustomerEdit(business),
    })
}

/// The formatting of a message's text or caption, as Telegram wrote it.
fn entities(message: &Message) -> Vec<serde_json::Value> {
    let entities = message.entities().or_else(|| message.caption_entities()).unwrap_or_default();
    entities.iter().filter_map(|entity| serde_json::to_value(entity).ok()).collect()
}

/// Who wrote a message in the staff chat: the sender's id, or [`ANONYMOUS_ADMIN`] when an
/// admin posted on behalf of the staff group itself (Telegram then names its stand-in user
/// `GroupAnonymousBot` as `from` and the group as `sender_chat`). `None` for a message sent
/// on behalf of any other chat (a linked channel), which nobody in particular wrote.
fn author(message: &Message, groups: &StaffGroups) -> Option<UserId> {
    let from = message.from.as_ref()?;
    match &message.sender_chat {
        Some(chat) if groups.is_staff(chat.id.0) && from.id.0 == ANONYMOUS_ADMIN => Some(ANONYMOUS_ADMIN),
        Some(_) => None,
        None => Some(from.id.0),
    }
}

fn customer(user: &User) -> Customer {
    Customer {
        id: user.id.0,
        name: user.full_name(),
        username: user.username.clone(),
        language: user.language_code.clone(),
    }
}

/// The kind of a message people wrote; `None` for service messages (topic created, member
/// joined and the like).
fn kind_of(message: &Message) -> Option<Kind> {
    let kind = if message.text().is_some() {
        Kind::Text
    } else if message.photo().is_some() {
        Kind::Photo
    } else if message.document().is_some() {
        Kind::Document
    } else if message.voice().is_some() {
        Kind::Voice
    } else if message.video().is_some() {
        Kind::Video
    } else if message.video_note().is_some() {
        Kind::VideoNote
    } else if message.sticker().is_some() {
        Kind::Sticker
    } else if message.location().is_some() {
        Kind::Location
    } else if message.contact().is_some() {
        Kind::Contact
    } else if matches!(message.kind, teloxide::types::MessageKind::Common(_)) {
        Kind::Other
    } else {
        return None;
    };
    Some(kind)
}

fn file_id(message: &Message) -> Option<String> {
    if let Some(sizes) = message.photo() {
        return sizes.last().map(|size| size.file.id.0.clone());
    }
    if let Some(video) = message.video() {
        return Some(video.file.id.0.clone());
    }
    message.document().map(|document| document.file.id.0.clone())
}

/// What a message of a kind that goes only by its own send method carries, as sending it
/// again needs it.
fn single(message: &Message) -> Option<Single> {
    if let Some(voice) = message.voice() {
        return Some(Single::Voice { file_id: voice.file.id.0.clone() });
    }
    if let Some(note) = message.video_note() {
        return Some(Single::VideoNote { file_id: note.file.id.0.clone() });
    }
    if let Some(sticker) = message.sticker() {
        return Some(Single::Sticker { file_id: sticker.file.id.0.clone() });
    }
    if let Some(location) = message.location() {
        return Some(Single::Location { latitude: location.latitude, longitude: location.longitude });
    }
    message.contact().map(|contact| Single::Contact {
        phone_number: contact.phone_number.clone(),
        first_name: contact.first_name.clone(),
        last_name: contact.last_name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const STAFF: i64 = -1_001_234_567_890;
    const BOT: u64 = 123_456_789;

    fn staff_chat() -> Value {
        json!({ "id": STAFF, "type": "supergroup", "title": "Staff", "is_forum": true })
    }

    fn user(id: u64, name: &str, is_bot: bool) -> Value {
        json!({ "id": id, "is_bot": is_bot, "first_name": name })
    }

    /// A text in topic 3 of the staff forum from `from`, with `extra` fields merged in.
    fn in_topic(from: &Value, text: &str, extra: &Value) -> Option<Event> {
        let mut message = json!({
            "message_id": 40, "date": 1_790_000_000, "chat": staff_chat(), "from": from,
            "message_thread_id": 3, "is_topic_message": true, "text": text,
        });
        for (key, value) in extra.as_object().into_iter().flatten() {
            message[key] = value.clone();
        }
        // As the poller gets it: text, which teloxide reads more leniently than a `Value`.
        let text = json!({ "update_id": 1, "message": message }).to_string();
        let update: Update = serde_json::from_str(&text).expect("a well-formed update");
        assert!(!matches!(update.kind, UpdateKind::Error(_)), "teloxide read {text}");
        translate(&update, &StaffGroups::single(STAFF))
    }

    /// A message of `from` in the forum `chat`, translated for the staff groups STAFF and
    /// -1009 (and no other).
    fn in_groups(chat: i64, extra: &Value) -> Option<Event> {
        let forum = json!({ "id": chat, "type": "supergroup", "title": "Staff", "is_forum": true });
        let mut message = json!({
            "message_id": 40, "date": 1_790_000_000, "chat": forum, "from": user(5, "Agent", false),
            "message_thread_id": 3, "is_topic_message": true, "text": "hello",
        });
        for (key, value) in extra.as_object().into_iter().flatten() {
            message[key] = value.clone();
        }
        if extra.get("migrate_to_chat_id").is_some() {
            // A service message: no text, no topic.
            for key in ["text", "message_thread_id", "is_topic_message"] {
                message.as_object_mut().expect("an object").remove(key);
            }
        }
        let update: Update = serde_json::from_str(&json!({ "update_id": 1, "message": message }).to_string())
            .expect("a well-formed update");
        let mut groups = StaffGroups::single(STAFF).all().to_vec();
        groups.push(crate::groups::StaffGroup {
            name: "tech".to_owned(),
            chat: -1009,
            former: vec![-9],
            filter: crate::groups::Filter::default(),
            capacity: crate::groups::Capacity::default(),
        });
        translate(&update, &StaffGroups::new(groups).expect("groups"))
    }

    #[test]
    fn every_staff_groups_chat_is_staff_and_any_of_them_may_move() {
        assert_eq!(staff(in_groups(STAFF, &json!({}))).chat_id, STAFF);
        assert_eq!(staff(in_groups(-1009, &json!({}))).chat_id, -1009);
        assert_eq!(staff(in_groups(-9, &json!({}))).chat_id, -1009, "a former id is its group's chat now");
        assert_eq!(in_groups(-1010, &json!({})), None, "no group's chat");
        let moved = in_groups(-1009, &json!({ "migrate_to_chat_id": -1_009_999 }));
        assert_eq!(moved, Some(Event::StaffChatMigrated { from: -1009, to: -1_009_999 }));
    }

    fn staff(event: Option<Event>) -> StaffMessage {
        match event {
            Some(Event::Staff(message)) => message,
            other => panic!("expected a staff message, got {other:?}"),
        }
    }

    /// A message in Acme's business chat with the customer 42, written by `from`.
    fn in_business(from: u64, edited: bool, extra: &Value) -> Option<Event> {
        let chat = json!({ "id": 42, "type": "private", "first_name": "Ann" });
        let mut message = json!({
            "message_id": 7, "date": 1_790_000_000, "chat": chat, "from": user(from, "Someone", false),
            "business_connection_id": "bc1", "text": "Hello there",
            "entities": [{ "type": "bold", "offset": 0, "length": 5 }],
        });
        for (key, value) in extra.as_object().into_iter().flatten() {
            message[key] = value.clone();
        }
        let kind = if edited { "edited_business_message" } else { "business_message" };
        let update: Update = serde_json::from_str(&json!({ "update_id": 3, kind: message }).to_string())
            .expect("a well-formed update");
        translate(&update, &StaffGroups::single(STAFF))
    }

    #[test]
    fn business_messages_are_the_customers_or_the_owners_and_the_bots_own_are_dropped() {
        let Some(Event::BusinessCustomer(customer)) = in_business(42, false, &json!({})) else {
            panic!("the customer's message")
        };
        assert_eq!((customer.connection.as_str(), customer.message.customer.id), ("bc1", 42));
        assert_eq!(customer.entities, [json!({ "type": "bold", "offset": 0, "length": 5 })]);
        assert!(matches!(in_business(42, true, &json!({})), Some(Event::BusinessCustomerEdit(_))));
        let Some(Event::BusinessOwner(owner)) = in_business(3001, false, &json!({})) else {
            panic!("the owner's answer")
        };
        assert_eq!((owner.message.customer.id, owner.message.customer.name.as_str()), (42, "Ann"));
        assert_eq!(in_business(3001, true, &json!({})), None, "the owner's edits are theirs");
        let sent_by_bot = json!({ "sender_business_bot": user(BOT, "Desk", true) });
        assert_eq!(in_business(3001, false, &sent_by_bot), None, "the bot's own sends");
    }

    #[test]
    fn voice_round_video_sticker_location_and_contact_carry_what_sending_them_needs() {
        let file = |id: &str| json!({ "file_id": id, "file_unique_id": format!("u{id}") });
        let sticker = json!({
            "file_id": "S1", "file_unique_id": "uS1", "type": "regular", "width": 512, "height": 512,
            "is_animated": false, "is_video": false,
        });
        let mut voice = file("V1");
        (voice["duration"], voice["mime_type"]) = (json!(3), json!("audio/ogg"));
        let mut note = file("N1");
        (note["duration"], note["length"]) = (json!(4), json!(384));
        let cases = [
            ("voice", voice, Kind::Voice, Single::Voice { file_id: "V1".to_owned() }),
            ("video_note", note, Kind::VideoNote, Single::VideoNote { file_id: "N1".to_owned() }),
            ("sticker", sticker, Kind::Sticker, Single::Sticker { file_id: "S1".to_owned() }),
            (
                "location",
                json!({ "latitude": 52.52, "longitude": 13.405 }),
                Kind::Location,
                Single::Location { latitude: 52.52, longitude: 13.405 },
            ),
            (
                "contact",
                json!({ "phone_number": "+4930123", "first_name": "Ann", "last_name": "Lee" }),
                Kind::Contact,
                Single::Contact {
                    phone_number: "+4930123".to_owned(),
                    first_name: "Ann".to_owned(),
                    last_name: Some("Lee".to_owned()),
                },
            ),
        ];
        for (key, value, kind, single) in cases {
            let chat = json!({ "id": 42, "type": "private", "first_name": "Ann" });
            let message = json!({
                "message_id": 7, "date": 1_790_000_000, "chat": chat, "from": user(42, "Ann", false),
                "business_connection_id": "bc1", key: value,
            });
            let update: Update =
                serde_json::from_str(&json!({ "update_id": 3, "business_message": message }).to_string())
                    .expect("a well-formed update");
            let Some(Event::BusinessCustomer(business)) = translate(&update, &StaffGroups::single(STAFF))
            else {
                panic!("the customer's {key}: {:?}", update.kind)
            };
            assert_eq!((business.message.kind, business.message.single), (kind, Some(single)), "{key}");
            assert_eq!(business.message.file_id, None, "{key}");
        }
    }

    #[test]
    fn an_anonymous_admin_of_the_staff_group_is_kept_and_other_bots_are_dropped() {
        let stand_in = user(ANONYMOUS_ADMIN, "Group", true);
        let message = staff(in_topic(&stand_in, "We are on it", &json!({ "sender_chat": staff_chat() })));
        assert_eq!((message.from, message.from_name.as_str()), (ANONYMOUS_ADMIN, "An anonymous admin"));
        assert_eq!(message.thread, Some(3));
        // Another bot, or a channel speaking in the group, is nobody on the team.
        assert_eq!(in_topic(&user(42, "Helper", true), "beep", &json!({})), None);
        let channel = json!({ "id": -1_009_999, "type": "channel", "title": "News" });
        let channel_bot = user(136_817_688, "Channel", true);
        assert_eq!(in_topic(&channel_bot, "news", &json!({ "sender_chat": channel })), None);
    }

    #[test]
    fn a_reply_carries_who_wrote_the_message_replied_to() {
        let dana = user(111_111_111, "Dana", false);
        let copy = json!({
            "message_id": 30, "date": 1_790_000_000, "chat": staff_chat(), "from": user(BOT, "Desk", true),
            "message_thread_id": 3, "is_topic_message": true, "text": "my card number is 4242",
        });
        let message = staff(in_topic(&dana, "/move T-000002", &json!({ "reply_to_message": copy })));
        assert_eq!((message.reply_to, message.reply_author), (Some(30), Some(BOT)));
        // The topic's first message is what every message in the topic "replies" to.
        let root = json!({
            "message_id": 3, "date": 1_790_000_000, "chat": staff_chat(), "from": user(BOT, "Desk", true),
            "message_thread_id": 3, "is_topic_message": true,
            "forum_topic_created": { "name": "T-000001", "icon_color": 7_322_096 },
        });
        let message = staff(in_topic(&dana, "/move T-000002", &json!({ "reply_to_message": root })));
        assert_eq!((message.reply_to, message.reply_author), (None, None));
    }

    #[test]
    fn an_inline_query_and_a_result_sent_via_the_bot_reach_the_desk() {
        let dana = user(111_111_111, "Dana", false);
        let text = json!({ "update_id": 2, "inline_query": {
            "id": "77", "from": dana, "query": "T-000001 refund", "offset": "", "chat_type": "supergroup",
        } })
        .to_string();
        let update: Update = serde_json::from_str(&text).expect("a well-formed update");
        let expected = InlineQuery {
            id: "77".to_owned(),
            from: 111_111_111,
            query: "T-000001 refund".to_owned(),
            typed_in: TypedIn::Supergroup,
        };
        assert_eq!(translate(&update, &StaffGroups::single(STAFF)), Some(Event::InlineQuery(expected)));
        let picked = staff(in_topic(
            &dana,
            "Your refund is on its way.",
            &json!({ "via_bot": user(BOT, "Desk", true) }),
        ));
        assert_eq!((picked.from, picked.via_bot), (111_111_111, Some(BOT)));
        assert_eq!(staff(in_topic(&dana, "typed by hand", &json!({}))).via_bot, None);
    }
}

//! Telegram Business connections: each one recorded as it arrives, and General told what it
//! means for the desk: an account desk.yaml does not list is not served; a listed account that
//! withheld the right to reply is told how to give it; a pause or a disconnection is reported.
//! Only changes are told: the same state arriving again says nothing.
//!
//! Customers of a served account come in through it: a `business_message` from a customer
//! records the connection as the customer's door (`State::door`) and then goes the way of a
//! message to the bot (intake, ticket, relay); everything the desk sends that customer goes
//! through the door (the sender adds the connection), and what cannot be copied (their
//! messages into the topic, agents' replies to them) is sent again (`Call::Resend`). The
//! owner answering from their own app is mirrored into the topic and counts as the agent's
//! reply, attributed to the account.

use super::event::ButtonPress;
use super::event::{BusinessMessage, Kind, history_text};
use super::{Desk, DeskError, State};
use crate::business::BusinessConnection;
use crate::outbox::{
    Button, Call, Content, FileKind, HeldWhy, Lane, Outgoing, Single, TEXT_LIMIT, Target, split_text,
};
use crate::ticket::{Change, TicketId, UserId};

/// The callback data of the button that drops the replies held for a customer.
const DROP_HELD: &str = "bh:";

/// The customer whose held replies the button drops, if the data is that button's.
pub(super) fn parse_drop_held(data: &str) -> Option<UserId> {
    data.strip_prefix(DROP_HELD)?.parse().ok()
}

impl Desk<'_> {
    pub(super) fn business_connection<S: State>(
        &self,
        state: &mut S,
        connection: &BusinessConnection,
    ) -> Result<(), DeskError> {
        let before = state.business_connections()?.into_iter().find(|known| known.id == connection.id);
        state.save_business_connection(connection)?;
        let served = self
            .rules
            .desk()
            .business_account(connection.owner, connection.owner_username.as_deref())
            .is_some();
        if let Some(text) = business_notice(before.as_ref(), connection, served) {
            self.say_in_general(state, text, Vec::new())?;
        }
        // The right to read given (again): a later refusal is news worth telling.
        if connection.can_read_messages {
            let key = read_refused_key(&connection.id);
            if state.counter(&key)? == Some(1) {
                state.set_counter(&key, 0)?;
            }
        }
        let replies = |c: &BusinessConnection| served && c.enabled && c.can_reply;
        if replies(connection) && !before.as_ref().is_some_and(replies) {
            self.release_held_of(state, &connection.id)?;
        }
        Ok(())
    }
}

impl Desk<'_> {
    /// The connection `id` when the desk serves customers through it: known, on, with the
    /// right to reply, and its account listed in desk.yaml `business`.
    fn serving<S: State>(&self, state: &S, id: &str) -> Result<Option<BusinessConnection>, DeskError> {
        let known = state.business_connections()?.into_iter().find(|known| known.id == id);
        Ok(known.filter(|connection| {
            connection.enabled
                && connection.can_reply
                && self
                    .rules
                    .desk()
                    .business_account(connection.owner, connection.owner_username.as_deref())
                    .is_some()
        }))
    }

    /// A customer wrote to a business account: through a connection the desk serves, the
    /// message goes the way of one to the bot, the account now the customer's door.
    pub(super) fn business_customer<S: State>(
        &self,
        state: &mut S,
        b: &BusinessMessage,
    ) -> Result<(), DeskError> {
        let Some(connection) = self.serving(state, &b.connection)? else { return Ok(()) };
        let customer = b.message.customer.id;
        if state.door(customer)?.as_deref() != Some(connection.id.as_str()) {
            state.set_door(customer, Some(&connection.id))?;
        }
        // The latest message an agent's reply marks read (desk.yaml `mark_read`).
        state.set_unread(customer, Some(b.message.message_id))?;
        // The customer wrote: Telegram's 24 hours start again, and what waited goes first.
        self.release_held(state, customer, "The customer wrote again")?;
        self.customer_message_in(state, &b.message, &b.entities)
    }

    /// Telegram refused a call to a customer of a business account for a reason that passes:
    /// it is kept, in order, and the ticket's topic is told why once, with a button to drop
    /// what waits.
    pub(super) fn business_held<S: State>(
        &self,
        state: &mut S,
        customer: UserId,
        ticket: Option<TicketId>,
        why: HeldWhy,
        call: &Call,
    ) -> Result<(), DeskError> {
        let mut held = state.held(customer)?;
        let first = held.is_empty();
        held.push(Outgoing { chat_id: customer as i64, lane: Lane::Message, ticket, call: call.clone() });
        // What they wait for is what the topic is told: the first refusal's reason.
        let waits_for = if first { Some(why) } else { state.held_why(customer)? };
        state.set_held(customer, &held, waits_for)?;
        if !first {
            return Ok(());
        }
        let ticket = match ticket {
            Some(ticket) => Some(ticket),
            None => Self::current_ticket(state, customer)?.map(|ticket| ticket.id),
        };
        let Some(ticket) = ticket else { return Ok(()) };
        let door = state.door(customer)?;
        let connections = state.business_connections()?;
        let account = connections
            .iter()
            .find(|connection| Some(&connection.id) == door.as_ref())
            .map_or_else(|| "the business account".to_owned(), BusinessConnection::account);
        let call = Call::SendText {
            to: Target::Topic { ticket },
            text: held_notice(why, &account),
            reply_to: None,
            buttons: vec![vec![Button::new("Drop the waiting replies", format!("{DROP_HELD}{customer}"))]],
            report: None,
        };
        self.queue(state, Some(ticket), Lane::Message, call)
    }

    /// What waited for the customer goes out now, in order; the topic hears it (`cause`).
    fn release_held<S: State>(&self, state: &mut S, customer: UserId, cause: &str) -> Result<(), DeskError> {
        let held = state.held(customer)?;
        if held.is_empty() {
            return Ok(());
        }
        state.set_held(customer, &[], None)?;
        for outgoing in &held {
            state.enqueue(outgoing)?;
        }
        if let Some(ticket) = Self::current_ticket(state, customer)? {
            let text = format!(
                "✓ {cause}: {} {} on the way.",
                waiting(held.len()),
                if held.len() == 1 { "is" } else { "are" }
            );
            self.say_in_topic(state, ticket.id, text)?;
        }
        Ok(())
    }

    /// A connection the desk serves again (turned back on, the right to reply given): what
    /// waited for its customers goes out. What waits for a customer's silence to end (Telegram's
    /// 24 hours) stays: it would only be refused again, and the topic was told it goes when
    /// the customer writes.
    fn release_held_of<S: State>(&self, state: &mut S, connection: &str) -> Result<(), DeskError> {
        for customer in state.held_customers()? {
            if state.door(customer)?.as_deref() == Some(connection)
                && state.held_why(customer)? != Some(HeldWhy::Window)
            {
                self.release_held(state, customer, "The business account lets this bot reply again")?;
            }
        }
        Ok(())
    }

    /// An agent answered the customer in the topic: with desk.yaml `mark_read` on for the
    /// account they write to, their messages up to then are marked read in its chat, once for
    /// the reply (the latest unread message names them all). A connection without the right
    /// to read messages is not asked: General is told once how to give it.
    pub(super) fn mark_read_on_reply<S: State>(
        &self,
        state: &mut S,
        customer: UserId,
    ) -> Result<(), DeskError> {
        let Some(door) = state.door(customer)? else { return Ok(()) };
        let Some(message_id) = state.unread(customer)? else { return Ok(()) };
        let Some(connection) = state.business_connections()?.into_iter().find(|c| c.id == door) else {
            return Ok(());
        };
        let marks = self
            .rules
            .desk()
            .business_account(connection.owner, connection.owner_username.as_deref())
            .is_some_and(|account| account.mark_read);
        if !marks {
            return Ok(());
        }
        state.set_unread(customer, None)?;
        if !connection.can_read_messages {
            return self.read_refused(state, &connection.id);
        }
        let call = Call::ReadBusiness { connection: connection.id, chat_id: customer as i64, message_id };
        self.queue(state, None, Lane::Message, call)
    }

    /// The connection `connection` may not mark messages read (known from the connection,
    /// or Telegram refused): General hears it once, with the fix, until the right is given.
    pub(super) fn read_refused<S: State>(&self, state: &mut S, connection: &str) -> Result<(), DeskError> {
        let key = read_refused_key(connection);
        if state.counter(&key)? == Some(1) {
            return Ok(());
        }
        state.set_counter(&key, 1)?;
        let account = state
            .business_connections()?
            .into_iter()
            .find(|known| known.id == connection)
            .map_or_else(|| "the business account".to_owned(), |known| known.account());
        let text = format!(
            "⚠ desk.yaml asks to mark customers' messages read (`mark_read: true`), but the business account \
             {account} does not let this bot read messages, so they stay unread in its chats. To fix it, in \
             that account's Telegram: Settings → Telegram Business → Chatbots → this bot, turn on reading \
             messages; or set `mark_read: false`."
        );
        self.say_in_general(state, text, Vec::new())
    }

    /// "Drop the waiting replies" pressed by a team member: what was held for the customer is
    /// dropped, and the topic says who did it.
    pub(super) fn drop_held_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        customer: UserId,
    ) -> Result<(), DeskError> {
        if !self.rules.team().is_member(press.from as i64) {
            return self.answer(state, press, Some("Only the support team can do this."));
        }
        let held = state.held(customer)?;
        state.set_held(customer, &[], None)?;
        let said = format!("Dropped {}.", waiting(held.len()));
        self.answer(state, press, Some(&said))?;
        if !held.is_empty()
            && let Some(ticket) = Self::current_ticket(state, customer)?
        {
            let text = format!("✗ {} dropped {}.", press.from_name, waiting(held.len()));
            self.say_in_topic(state, ticket.id, text)?;
        }
        Ok(())
    }

    /// A customer deleted messages in their chat with the account: each one relayed into the
    /// topic gets a note replying to its copy there (the copy stays, for the record).
    pub(super) fn business_deleted<S: State>(
        &self,
        state: &mut S,
        connection: &str,
        customer: UserId,
        message_ids: &[i32],
    ) -> Result<(), DeskError> {
        if state.door(customer)?.as_deref() != Some(connection) {
            return Ok(());
        }
        let Some(ticket) = Self::current_ticket(state, customer)? else { return Ok(()) };
        for message_id in message_ids {
            let Some(copy) = state.counterpart_in((customer as i64, *message_id), self.chat_of(&ticket))?
            else {
                continue;
            };
            let call = Call::SendText {
                to: Target::Topic { ticket: ticket.id },
                text: "🗑 The customer deleted this message in their chat.".to_owned(),
                reply_to: Some(copy),
                buttons: Vec::new(),
                report: None,
            };
            self.queue(state, Some(ticket.id), Lane::Message, call)?;
        }
        Ok(())
    }

    /// A customer edited a message to a business account: mirrored as for the bot's chats.
    pub(super) fn business_customer_edit<S: State>(
        &self,
        state: &mut S,
        b: &BusinessMessage,
    ) -> Result<(), DeskError> {
        if state.door(b.message.customer.id)?.as_deref() != Some(b.connection.as_str()) {
            return Ok(());
        }
        self.customer_edit(state, &b.message)
    }

    /// The account's owner answered a customer from their own app: in a chat whose customer
    /// has a ticket in progress through this account, the answer is mirrored into the topic
    /// and counts as the agent's reply (first response, New to Open), attributed to the
    /// account. Their other chats are not the desk's.
    pub(super) fn business_owner<S: State>(
        &self,
        state: &mut S,
        b: &BusinessMessage,
    ) -> Result<(), DeskError> {
        let Some(connection) = state.business_connections()?.into_iter().find(|c| c.id == b.connection)
        else {
            return Ok(());
        };
        let customer = b.message.customer.id;
        if state.door(customer)?.as_deref() != Some(connection.id.as_str()) {
            return Ok(());
        }
        let Some(mut ticket) = Self::current_ticket(state, customer)? else { return Ok(()) };
        let before = ticket.clone();
        let m = &b.message;
        let said = history_text(m.kind, m.text.as_deref());
        // The team member desk.yaml names behind the account (`answered_by`), else the account.
        let member = self
            .rules
            .desk()
            .business_account(connection.owner, connection.owner_username.as_deref())
            .and_then(|account| account.answered_by.as_ref())
            .and_then(|agent| self.rules.team().by_account(&agent.value));
        let by = member.map_or(connection.owner, |agent| agent.id.cast_unsigned());
        let origin = self.agent(by);
        let mut entries = Vec::new();
        // Theirs as an agent's reply in the topic would be: the first answer takes the ticket.
        if member.is_some() && ticket.assignee.is_none() && self.rules.desk().auto_assign_on_first_reply {
            entries.extend(
                ticket
                    .apply(Change::Assign { to: Some(by) }, &origin, self.now)
                    .expect("assigning is always legal"),
            );
        }
        entries.extend(
            ticket
                .apply(Change::AgentReply { text: said }, &origin, self.now)
                .expect("not closed: the current ticket"),
        );
        let heading = match member {
            Some(agent) => format!("↩ {} answered from the account {}:", agent.name, connection.account()),
            None => format!("↩ Answered from the account {}:", connection.account()),
        };
        let said = content(m.kind, m.text.as_deref(), m.file_id.as_deref(), m.single.as_ref(), &b.entities);
        for part in mirrored(&heading, said) {
            let call = Call::Resend {
                to: Target::Topic { ticket: ticket.id },
                parts: vec![part],
                reply_to: None,
                album: None,
                report: None,
            };
            self.queue(state, Some(ticket.id), Lane::Message, call)?;
        }
        self.commit(state, &before, &ticket, &entries)
    }
}

/// A message's content to send again: a photo, document or video by its file id with its
/// caption, a text with its formatting, a voice message (with its caption), round video,
/// sticker, location or contact as what its own send method needs; of any other kind, what
/// history says of it, as a text.
pub(crate) fn content(
    kind: Kind,
    text: Option<&str>,
    file_id: Option<&str>,
    single: Option<&Single>,
    entities: &[serde_json::Value],
) -> Content {
    let file_kind = match kind {
        Kind::Photo => Some(FileKind::Photo),
        Kind::Document => Some(FileKind::Document),
        Kind::Video => Some(FileKind::Video),
        _ => None,
    };
    let said = |text: Option<&str>| Content {
        text: text.map(str::to_owned),
        entities: entities.to_vec(),
        file: None,
        single: None,
    };
    match (file_kind, file_id, single) {
        (Some(file_kind), Some(file_id), _) => {
            Content { file: Some((file_kind, file_id.to_owned())), ..said(text) }
        }
        (None, _, Some(single)) if single.takes_caption() => {
            Content { single: Some(single.clone()), ..said(text) }
        }
        (None, _, Some(single)) => {
            Content { text: None, entities: Vec::new(), file: None, single: Some(single.clone()) }
        }
        _ if kind == Kind::Text => said(text),
        _ => Content { text: Some(history_text(kind, text)), entities: Vec::new(), file: None, single: None },
    }
}

/// The messages the topic gets for the owner's answer `said` under `heading`, in order: one,
/// the heading over the text or caption, when it fits Telegram's limit (4,096 for a text,
/// 1,024 for a caption, in UTF-16 units); else the heading as a message of its own before the
/// answer. A sticker, round video, location or contact takes no text: the heading goes before
/// it. A caption longer than a caption may be (a Premium sender's) follows its file as a text
/// of its own, in parts when it is longer than a text may be: nothing is lost.
pub(crate) fn mirrored(heading: &str, said: Content) -> Vec<Content> {
    let units = |text: &str| text.encode_utf16().count();
    let text_units = said.text.as_deref().map_or(0, units);
    if !said.takes_no_text() && units(heading) + 1 + text_units <= said.text_limit() {
        return vec![headed(heading, said)];
    }
    let alone = |text: String| Content { text: Some(text), entities: Vec::new(), file: None, single: None };
    let mut parts = vec![alone(heading.to_owned())];
    if text_units <= said.text_limit() {
        parts.push(said);
        return parts;
    }
    // Media whose caption is too long for one: the file bare, then the caption as text.
    let Content { text, entities, file, single } = said;
    let text = text.unwrap_or_default();
    parts.push(Content { text: None, entities: Vec::new(), file, single });
    if units(&text) <= TEXT_LIMIT {
        parts.push(Content { text: Some(text), entities, file: None, single: None });
    } else {
        parts.extend(split_text(&text, TEXT_LIMIT / 2).into_iter().map(alone));
    }
    parts
}

/// `content` with a line before its text or caption; its formatting moved along.
pub(crate) fn headed(heading: &str, mut content: Content) -> Content {
    let prefix = format!("{heading}\n");
    let shift = prefix.encode_utf16().count() as u64;
    content.text = Some(format!("{prefix}{}", content.text.unwrap_or_default()));
    for entity in &mut content.entities {
        if let Some(offset) = entity.get("offset").and_then(serde_json::Value::as_u64) {
            entity["offset"] = serde_json::Value::from(offset + shift);
        }
    }
    content
}

/// The counter saying General was told the connection may not mark messages read.
fn read_refused_key(connection: &str) -> String {
    format!("business_read_refused:{connection}")
}

/// "1 waiting reply", "2 waiting replies".
fn waiting(count: usize) -> String {
    if count == 1 { "1 waiting reply".to_owned() } else { format!("{count} waiting replies") }
}

/// What the topic is told when a reply to a business account's customer has to wait.
pub(crate) fn held_notice(why: HeldWhy, account: &str) -> String {
    let until = match why {
        HeldWhy::Window => "Telegram lets a business account's bot answer only within 24 hours of the \
                            customer's last message there, and the customer has been silent longer. It \
                            goes out when they write again."
            .to_owned(),
        HeldWhy::Off => format!(
            "the business account {account} paused or disconnected this bot. Replies go out when it is \
             turned on again."
        ),
        HeldWhy::NoRights => format!(
            "the business account {account} does not let this bot reply (in its Telegram: Settings → \
             Telegram Business → Chatbots → this bot, turn on replying to messages). Replies go out when \
             it does."
        ),
    };
    format!("⏳ Not delivered yet, and kept: {until} Later replies wait behind it.")
}

/// What General is told about a connection that changed from `before` (none: new), if anything.
pub(crate) fn business_notice(
    before: Option<&BusinessConnection>,
    now: &BusinessConnection,
    served: bool,
) -> Option<String> {
    let account = now.account();
    let was_enabled = before.is_some_and(|before| before.enabled);
    let could_reply = before.is_some_and(|before| before.enabled && before.can_reply);
    if !now.enabled {
        return was_enabled
            .then(|| format!("The business account {account} paused or disconnected this bot."));
    }
    if !served {
        return (!was_enabled).then(|| {
            format!(
                "The business account {account} connected this bot, but desk.yaml `business` does not list it, \
                 so the desk does not serve its customers. To serve them, add `- account: \"{}\"` under \
                 `business:` in desk.yaml.",
                now.owner_username.as_ref().map_or_else(|| now.owner.to_string(), |name| format!("@{name}"))
            )
        });
    }
    if !now.can_reply {
        return (!was_enabled || could_reply).then(|| {
            format!(
                "⚠️ The business account {account} connected this bot without the right to reply: answers \
                 cannot reach its customers. Fix: in that account's Telegram, Settings → Telegram Business → \
                 Chatbots → this bot, turn on replying to messages."
            )
        });
    }
    (!could_reply).then(|| format!("The business account {account} is connected, with the right to reply."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme(can_reply: bool, enabled: bool) -> BusinessConnection {
        BusinessConnection {
            id: "bc1".to_owned(),
            owner: 3001,
            owner_username: Some("acme_support".to_owned()),
            owner_name: "Acme Support".to_owned(),
            can_reply,
            can_read_messages: true,
            enabled,
        }
    }

    #[test]
    fn a_heading_moves_the_formatting_along_in_utf16_units() {
        let bold = serde_json::json!({ "type": "bold", "offset": 0, "length": 4 });
        let said = content(Kind::Text, Some("Done, thanks"), None, None, std::slice::from_ref(&bold));
        let headed = headed("↩ Answered from the account @acme_support:", said);
        assert_eq!(headed.text.as_deref(), Some("↩ Answered from the account @acme_support:\nDone, thanks"));
        // "↩" is one UTF-16 unit; the heading and its line break are 43 in all.
        assert_eq!(headed.entities, [serde_json::json!({ "type": "bold", "offset": 43, "length": 4 })]);
        let photo = content(Kind::Photo, Some("caption"), Some("F1"), None, &[]);
        assert_eq!(photo.file, Some((FileKind::Photo, "F1".to_owned())));
    }

    #[test]
    fn voice_stickers_places_and_contacts_are_carried_as_themselves() {
        let voice = Single::Voice { file_id: "V1".to_owned() };
        let said = content(Kind::Voice, Some("listen"), None, Some(&voice), &[]);
        assert_eq!((said.text.as_deref(), said.file, said.single), (Some("listen"), None, Some(voice)));
        let sticker = Single::Sticker { file_id: "S1".to_owned() };
        let said = content(Kind::Sticker, None, None, Some(&sticker), &[]);
        assert_eq!((said.text, said.single), (None, Some(sticker)));
        let place = Single::Location { latitude: 52.52, longitude: 13.405 };
        assert_eq!(content(Kind::Location, None, None, Some(&place), &[]).single, Some(place));
        let contact = Single::Contact {
            phone_number: "+4930123".to_owned(),
            first_name: "Ann".to_owned(),
            last_name: Some("Lee".to_owned()),
        };
        assert_eq!(content(Kind::Contact, None, None, Some(&contact), &[]).single, Some(contact));
        let note = Single::VideoNote { file_id: "N1".to_owned() };
        assert_eq!(content(Kind::VideoNote, None, None, Some(&note), &[]).single, Some(note));
        // A kind the desk cannot send again still says what it was.
        let other = content(Kind::Other, None, None, None, &[]);
        assert_eq!((other.text.as_deref(), other.single), (Some("[message]"), None));
    }

    #[test]
    fn an_owners_answer_keeps_every_word_within_telegrams_limits() {
        let heading = "↩ Answered from the account @acme_support:";
        let texts = |parts: &[Content]| -> Vec<Option<usize>> {
            parts.iter().map(|part| part.text.as_deref().map(|text| text.encode_utf16().count())).collect()
        };
        // Heading and text together when they fit: 43 + 4,053 = 4,096.
        let fits = content(Kind::Text, Some(&"a".repeat(4053)), None, None, &[]);
        assert_eq!(texts(&mirrored(heading, fits)), [Some(4096)]);
        let bold = serde_json::json!({ "type": "bold", "offset": 0, "length": 4 });
        let long = content(Kind::Text, Some(&"a".repeat(4054)), None, None, std::slice::from_ref(&bold));
        let parts = mirrored(heading, long);
        assert_eq!(texts(&parts), [Some(42), Some(4054)]);
        assert_eq!((parts[0].text.as_deref(), &parts[1].entities), (Some(heading), &vec![bold.clone()]));
        // A caption: 1,024 in all.
        let photo = |caption: &str| content(Kind::Photo, Some(caption), Some("F1"), None, &[]);
        assert_eq!(texts(&mirrored(heading, photo(&"c".repeat(981)))), [Some(1024)]);
        let parts = mirrored(heading, photo(&"c".repeat(982)));
        assert_eq!(texts(&parts), [Some(42), Some(982)]);
        assert_eq!(parts[1].file, Some((FileKind::Photo, "F1".to_owned())));
        // A Premium sender's caption over 1,024 follows its photo as a text.
        let parts = mirrored(heading, photo(&"c".repeat(2000)));
        assert_eq!(texts(&parts), [Some(42), None, Some(2000)]);
        assert_eq!((parts[1].file.is_some(), parts[2].file.is_none()), (true, true));
        // What takes no text gets the heading before it.
        let sticker = Single::Sticker { file_id: "S1".to_owned() };
        let parts = mirrored(heading, content(Kind::Sticker, None, None, Some(&sticker), &[]));
        assert_eq!(texts(&parts), [Some(42), None]);
        assert_eq!(parts[1].single, Some(sticker));
        let voice = Single::Voice { file_id: "V1".to_owned() };
        let parts = mirrored(heading, content(Kind::Voice, Some("hi"), None, Some(&voice), &[]));
        assert_eq!((texts(&parts), parts[0].single.as_ref()), (vec![Some(45)], Some(&voice)));
    }

    #[test]
    fn only_refusals_that_pass_are_held() {
        let of = HeldWhy::of_refusal;
        assert_eq!(of(400, "Bad Request: BUSINESS_PEER_USAGE_MISSING"), Some(HeldWhy::Window));
        assert_eq!(of(400, "Bad Request: BUSINESS_CONNECTION_INVALID"), Some(HeldWhy::Off));
        assert_eq!(of(403, "Forbidden: BOT_ACCESS_FORBIDDEN"), Some(HeldWhy::NoRights));
        assert_eq!(of(403, "Forbidden: bot was blocked by the user"), None);
        assert_eq!(of(400, "Bad Request: message text is empty"), None);
    }

    #[test]
    fn general_hears_of_each_change_once() {
        let said =
            |before: Option<BusinessConnection>, now, served| business_notice(before.as_ref(), &now, served);
        let opens = |text: Option<String>, start: &str| text.is_some_and(|text| text.starts_with(start));
        let no_reply = "⚠️ The business account @acme_support connected this bot without the right to reply";
        let connected = "The business account @acme_support is connected, with the right to reply.";
        assert!(opens(said(None, acme(false, true), true), no_reply));
        assert_eq!(said(Some(acme(false, true)), acme(false, true), true), None, "told once");
        assert!(opens(said(Some(acme(false, true)), acme(true, true), true), connected));
        assert!(opens(said(Some(acme(true, true)), acme(false, true), true), no_reply));
        assert_eq!(said(Some(acme(true, true)), acme(true, true), true), None);
        let paused = "The business account @acme_support paused or disconnected this bot.";
        assert!(opens(said(Some(acme(true, true)), acme(true, false), true), paused));
        assert_eq!(said(Some(acme(true, false)), acme(true, false), true), None);
        assert!(opens(said(Some(acme(true, false)), acme(true, true), true), connected));
        let foreign = "The business account @acme_support connected this bot, but desk.yaml `business` does not list it";
        assert!(opens(said(None, acme(true, true), false), foreign));
        assert_eq!(said(Some(acme(true, true)), acme(false, true), false), None);
    }
}

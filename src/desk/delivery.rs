//! What the desk does when Telegram has answered a queued call: remember the new topic,
//! the card and the relayed copies; react to a blocked customer and a deleted topic; tell
//! people once when Telegram refuses the bot in the staff chat (and once when it works
//! again); and follow the staff chat when Telegram says it moved to a new id.

use super::{Desk, DeskError, State, card_buttons, card_text, icon_color, topic_name};
use crate::groups::{StaffGroup, StaffGroups};
use crate::history::EntryKind;
use crate::outbox::Lane;
use crate::outbox::{Call, Delivery, StaffTrouble, Target};
use crate::ticket::{Change, Ticket, TicketId, Topic, UserId};

impl Desk<'_> {
    pub(super) fn delivered<S: State>(&self, state: &mut S, delivery: &Delivery) -> Result<(), DeskError> {
        match delivery {
            Delivery::TopicCreated { ticket, chat_id, thread_id } => {
                self.staff_chat_works(state, *chat_id, Recovered::TopicCreated)?;
                let Some(mut ticket) = state.ticket(*ticket)? else { return Ok(()) };
                let before = ticket.clone();
                let topic = Topic { chat_id: *chat_id, thread_id: *thread_id };
                let entries =
                    ticket.apply(Change::MoveTopic(topic), &self.system(), self.now).expect("always legal");
                self.commit(state, &before, &ticket, &entries)?;
                self.count_topic(state, *chat_id)?;
                self.notices_for_new_topic(state, &ticket)
            }
            Delivery::CardPosted { ticket, chat_id, message_id, version } => {
                self.staff_chat_works(state, *chat_id, Recovered::Posted)?;
                let Some(mut ticket) = state.ticket(*ticket)? else { return Ok(()) };
                ticket.card = Some(*message_id);
                state.save_ticket(&ticket)?;
                // The card was written when it was queued; bring it up to date if the ticket
                // moved on meanwhile.
                if *version != super::card::card_version(&ticket, self.rules, self.inline) {
                    let call = Call::EditText {
                        chat_id: self.chat_of(&ticket),
                        message_id: *message_id,
                        text: card_text(&ticket, self.rules),
                        buttons: card_buttons(&ticket, self.inline),
                    };
                    self.queue(state, Some(ticket.id), Lane::Cosmetic, call)?;
                }
                Ok(())
            }
            Delivery::Relayed { source, copies } => {
                for (chat, _) in copies {
                    self.staff_chat_works(state, *chat, Recovered::Posted)?;
                }
                for copy in copies {
                    state.link_messages(*source, *copy)?;
                }
                Ok(())
            }
            Delivery::PromptPosted { customer, message_id } => {
                // Only while the dialogue goes on: a prompt answered meanwhile has no live buttons.
                if state.session_json(*customer)?.is_some() {
                    state.set_prompt(*customer, Some(*message_id))?;
                }
                Ok(())
            }
            Delivery::SummaryPosted { chat_id, message_id } => {
                self.summary_posted(state, self.groups.current(*chat_id), *message_id)
            }
            Delivery::EditGone { chat_id, message_id } => {
                let Some(group) = self.groups.of_chat(*chat_id) else { return Ok(()) };
                self.summary_gone(state, group, *message_id)
            }
            Delivery::NotDeleted { ticket } => self.say_in_topic(
                state,
                *ticket,
                "Telegram no longer lets the bot delete the copy the customer received; it stays in their chat."
                    .to_owned(),
            ),
            Delivery::Unreachable { customer, sent_at } => {
                // A 403 to a call sent before the customer unblocked the bot is old news.
                if reachable_since(state, *customer, *sent_at)? {
                    return Ok(());
                }
                if self.rules.team().is_member(*customer as i64) {
                    self.team_member_unreachable(state, *customer)?;
                }
                self.reachability(state, *customer, true)
            }
            Delivery::TopicMissing { ticket } => self.recreate_topic(state, *ticket),
            Delivery::NotRelayed { ticket, source, reason } => {
                let text = if self.groups.is_staff(source.0) {
                    format!("⚠ Telegram refused to deliver this message to the customer: {reason}")
                } else {
                    format!(
                        "⚠ Telegram refused to copy a message of the customer here: {reason}. \
                         Its text is in /history; ask them to send it again if it matters."
                    )
                };
                let reply_to = self.groups.is_staff(source.0).then_some(source.1);
                let call = Call::SendText {
                    to: Target::Topic { ticket: *ticket },
                    text,
                    reply_to,
                    buttons: Vec::new(),
                    report: None,
                };
                self.queue(state, Some(*ticket), Lane::Message, call)
            }
            Delivery::Held { customer, ticket, why, call } => {
                self.business_held(state, *customer, *ticket, *why, call)
            }
            Delivery::ReadRefused { connection } => self.read_refused(state, connection),
            Delivery::StaffChatRefused { trouble, reason, ticket: _, chat } => {
                self.staff_chat_refused(state, chat.unwrap_or_else(|| self.desk_chat()), *trouble, reason)
            }
        }
    }

    /// Telegram refuses the bot in the staff group whose chat is `chat`; the call waits in
    /// the outbox. The first refusal of a kind tells people why: while the bot can still post
    /// in a group's General (a right was taken away), there; once it was removed, the
    /// supervisors in private. With several groups the notice names the group and goes to a
    /// General that works ([`Desk::trouble_told_in`]); the others' trouble is their own.
    /// Later refusals of the same trouble, after a restart too, say nothing more.
    fn staff_chat_refused<S: State>(
        &self,
        state: &mut S,
        chat: i64,
        trouble: StaffTrouble,
        reason: &str,
    ) -> Result<(), DeskError> {
        let Some(group) = self.groups.of_chat(chat) else { return Ok(()) };
        let key = trouble_key(self.groups, group);
        let code = trouble_code(trouble);
        if state.counter(&key)? == Some(code) {
            return Ok(());
        }
        state.set_counter(&key, code)?;
        let several = self.groups.all().len() > 1;
        let elsewhere = self.trouble_told_in(state, group)?;
        match trouble {
            StaffTrouble::Rights => {
                let (here, chat) = match elsewhere {
                    Some(other) => (format!("in the {} group", group.name), other.chat),
                    None if several => (format!("in the {} group (here)", group.name), group.chat),
                    None => ("here".to_owned(), group.chat),
                };
                let text = format!(
                    "⚠ Telegram refuses the bot {here}: {reason}. Nothing is lost: new tickets wait for their \
                     topics and messages wait in order, and all of it goes out once Telegram takes it \
                     (the bot needs to be an administrator allowed to manage topics, with Topics on)."
                );
                self.say_in_general_of(state, chat, text, Vec::new())
            }
            StaffTrouble::Removed => {
                let which = if several {
                    format!("the {} staff group", group.name)
                } else {
                    "the staff group".to_owned()
                };
                let text = format!(
                    "⚠ The bot cannot reach {which} (Telegram: {reason}). Customers' messages and \
                     new tickets are kept and reach the group once the bot is added back as an \
                     administrator allowed to manage topics."
                );
                for supervisor in self.rules.team().supervisors() {
                    let call = Call::SendText {
                        to: Target::Chat { chat_id: supervisor.id },
                        text: text.clone(),
                        reply_to: None,
                        buttons: Vec::new(),
                        report: None,
                    };
                    self.queue(state, None, Lane::Message, call)?;
                }
                match elsewhere {
                    Some(other) => self.say_in_general_of(state, other.chat, text, Vec::new()),
                    None => Ok(()),
                }
            }
        }
    }

    /// Where a notice about `troubled` is read besides its own General: the desk's own
    /// group's General, or, when that is the one in trouble or in trouble itself, the first
    /// group's that works. `None` with one group, or when no other group works.
    fn trouble_told_in<S: State>(
        &self,
        state: &S,
        troubled: &StaffGroup,
    ) -> Result<Option<&StaffGroup>, DeskError> {
        for group in self.groups.all() {
            if group.name == troubled.name {
                continue;
            }
            if state.counter(&trouble_key(self.groups, group))?.unwrap_or(0) == 0 {
                return Ok(Some(group));
            }
        }
        Ok(None)
    }

    /// Telegram accepted something in the staff group whose chat is `chat` that a trouble
    /// told of had stopped: a topic opened ends any trouble, a post ends the bot's removal
    /// (a missing right to manage topics is not proven back by a post). The group's General
    /// hears it once, and where the trouble was told, when that was another group's.
    fn staff_chat_works<S: State>(
        &self,
        state: &mut S,
        chat: i64,
        recovered: Recovered,
    ) -> Result<(), DeskError> {
        let Some(group) = self.groups.of_chat(chat) else { return Ok(()) };
        let key = trouble_key(self.groups, group);
        let trouble = state.counter(&key)?.unwrap_or(0);
        let ended = match recovered {
            Recovered::TopicCreated => trouble != 0,
            Recovered::Posted => trouble == trouble_code(StaffTrouble::Removed),
        };
        if !ended {
            return Ok(());
        }
        state.set_counter(&key, 0)?;
        if self.groups.all().len() == 1 {
            let text = "✓ The bot works in the staff group again; what waited is on its way.".to_owned();
            return self.say_in_general_of(state, group.chat, text, Vec::new());
        }
        let text = format!("✓ The bot works in the {} group again; what waited is on its way.", group.name);
        if let Some(other) = self.trouble_told_in(state, group)? {
            self.say_in_general_of(state, other.chat, text.clone(), Vec::new())?;
        }
        self.say_in_general_of(state, group.chat, text, Vec::new())
    }

    /// The customer blocked or unblocked the bot: every active ticket of theirs says so.
    pub(super) fn reachability<S: State>(
        &self,
        state: &mut S,
        customer: UserId,
        blocked: bool,
    ) -> Result<(), DeskError> {
        for id in state.tickets_of_customer(customer)? {
            let Some(mut ticket) = state.ticket(id)? else { continue };
            let concerned =
                ticket.status.is_active() || (blocked && ticket.status == crate::ticket::Status::Resolved);
            if !concerned {
                continue;
            }
            let before = ticket.clone();
            let entries = ticket
                .apply(Change::MarkUnreachable { unreachable: blocked }, &self.system(), self.now)
                .expect("always legal");
            if entries.is_empty() {
                continue;
            }
            self.commit(state, &before, &ticket, &entries)?;
            let text = if blocked {
                "⚠ The customer blocked the bot: replies cannot reach them until they unblock it."
            } else {
                "The customer unblocked the bot: replies reach them again."
            };
            self.say_in_topic(state, id, text.to_owned())?;
        }
        Ok(())
    }

    /// The ticket's topic is gone from Telegram: open a new one in the ticket's group (the
    /// one it is in now, after a transfer too) and post the card there, then the
    /// conversation's last messages, which went with the old topic. Calls for the ticket's
    /// topic wait until the new topic exists, then go there.
    fn recreate_topic<S: State>(&self, state: &mut S, id: TicketId) -> Result<(), DeskError> {
        let Some(mut ticket) = state.ticket(id)? else { return Ok(()) };
        if ticket.topic.is_none() {
            // Already being recreated: a second "thread not found" changes nothing.
            return Ok(());
        }
        let before = ticket.clone();
        // The new topic opens in the ticket's group, or where its group's new tickets go now
        // when it is at its limit (a forum that full is what loses old topics).
        let group = self.group_with_room(state, &ticket)?;
        let chat = group.chat;
        ticket.group = Some(group.name.clone());
        ticket.topic = None;
        ticket.card = None;
        let entries = ticket
            .apply(
                Change::System { text: "the topic was deleted in Telegram; a new one was opened".to_owned() },
                &self.system(),
                self.now,
            )
            .expect("always legal");
        self.commit(state, &before, &ticket, &entries)?;
        self.queue_topic(state, &ticket, chat)?;
        let mut text =
            format!("↻ The former topic of {} was deleted in Telegram; this one replaces it.", ticket.id);
        text.push_str(&self.conversation_so_far(state, &ticket)?);
        self.say_in_topic(state, id, text)
    }

    /// Queues the topic's creation in `chat` (the ticket's group's) and its card.
    pub(super) fn queue_topic<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        chat: i64,
    ) -> Result<(), DeskError> {
        let create = Call::CreateTopic {
            chat_id: chat,
            ticket: ticket.id,
            name: topic_name(ticket, self.rules),
            icon_color: icon_color(ticket.priority),
        };
        self.queue(state, Some(ticket.id), Lane::Message, create)?;
        self.repost_card(state, ticket)
    }
}

/// The counter holding the desk's own group's trouble people were told of: 0 (or none)
/// while the bot works there, else [`trouble_code`]. Every other group has its own,
/// suffixed with its name ([`trouble_key`]).
const STAFF_TROUBLE: &str = "staff_chat_trouble";

/// The counter of `group`'s trouble: the desk's own group keeps the name it had when the
/// desk had one group, so a trouble told before an upgrade is not told again.
fn trouble_key(groups: &StaffGroups, group: &StaffGroup) -> String {
    if groups.desk_group().name == group.name {
        STAFF_TROUBLE.to_owned()
    } else {
        format!("{STAFF_TROUBLE}:{}", group.name)
    }
}

fn trouble_code(trouble: StaffTrouble) -> u64 {
    match trouble {
        StaffTrouble::Rights => 1,
        StaffTrouble::Removed => 2,
    }
}

/// What Telegram accepted in the staff chat.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Recovered {
    TopicCreated,
    Posted,
}

/// The counter that records where the staff chat `from` moved (its new id, as stored bits).
pub fn staff_chat_moved_key(from: i64) -> String {
    format!("staff_chat_moved:{from}")
}

/// The staff chat's id now, given the configured one: moves recorded in the store are
/// followed (a few at most), so a restart keeps the id Telegram gave last. Returns the
/// current id and the ids it had before, oldest first.
pub fn current_staff_chat(
    configured: i64,
    moved_to: impl Fn(&str) -> Result<Option<u64>, crate::store::StoreError>,
) -> Result<(i64, Vec<i64>), crate::store::StoreError> {
    let mut current = configured;
    let mut former = Vec::new();
    while let Some(to) = moved_to(&staff_chat_moved_key(current))? {
        former.push(current);
        current = to.cast_signed();
        if former.len() > 16 || former.contains(&current) {
            break;
        }
    }
    Ok((current, former))
}

impl Desk<'_> {
    /// Telegram moved the staff chat to a new id (`migrate_to_chat_id`): the store records
    /// the move, so the next start uses the new id whatever desk.yaml says, and every
    /// ticket's topic follows, so messages in the topics still find their tickets.
    pub(super) fn staff_chat_migrated<S: State>(
        &self,
        state: &mut S,
        from: i64,
        to: i64,
    ) -> Result<(), DeskError> {
        if !self.groups.is_staff(from) || from == to {
            return Ok(());
        }
        state.set_counter(&staff_chat_moved_key(from), to.cast_unsigned())?;
        for status in crate::ticket::Status::ALL {
            for id in state.tickets_in_status(status)? {
                let Some(mut ticket) = state.ticket(id)? else { continue };
                if let Some(topic) = ticket.topic.as_mut()
                    && topic.chat_id == from
                {
                    topic.chat_id = to;
                    state.save_ticket(&ticket)?;
                }
            }
        }
        Ok(())
    }
}

/// Whether the desk learnt after `since` that the customer can be reached again.
fn reachable_since<S: State>(state: &S, customer: UserId, since: jiff::Timestamp) -> Result<bool, DeskError> {
    for id in state.tickets_of_customer(customer)? {
        let history = state.history(id)?;
        let last = history.iter().rev().find(|entry| matches!(entry.kind, EntryKind::Reachability { .. }));
        if let Some(entry) = last
            && entry.kind == (EntryKind::Reachability { unreachable: false })
            && entry.at > since
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_chat_follows_every_recorded_move() {
        let moves = std::collections::HashMap::from([
            (staff_chat_moved_key(-1), (-2_i64).cast_unsigned()),
            (staff_chat_moved_key(-2), (-3_i64).cast_unsigned()),
        ]);
        let lookup = |key: &str| Ok(moves.get(key).copied());
        assert_eq!(current_staff_chat(-1, lookup).expect("reads"), (-3, vec![-1, -2]));
        assert_eq!(current_staff_chat(-2, lookup).expect("reads"), (-3, vec![-2]));
        assert_eq!(current_staff_chat(-9, lookup).expect("reads"), (-9, vec![]), "another chat");
        let circle = |key: &str| Ok((key == staff_chat_moved_key(-1)).then_some(1_u64.wrapping_neg()));
        assert_eq!(current_staff_chat(-1, circle).expect("reads"), (-1, vec![-1]), "a loop ends");
    }
}

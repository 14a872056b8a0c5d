//! Erasure on request: a supervisor's `/forget` in a ticket's topic (confirmed with a
//! button) and `topicdesk forget --customer ID` (through the host's control channel) both
//! end in [`forget`]: everything the state holds about the customer is erased and each of
//! their topics is deleted in Telegram through the outbox. What is told afterwards (General,
//! the audit log) holds counts and who asked, never the customer's name or words.

use super::event::{ButtonPress, StaffMessage};
use super::staff::pressed_in_ticket;
use super::{Desk, DeskError, State};
use jiff::Timestamp;

use crate::audit::{Action, Actor, AuditEntry};
use crate::outbox::{Button, Call, Lane, Outgoing, Target};
use crate::privacy::Erased;
use crate::ticket::{Ticket, TicketId, UserId};

/// The confirmation button under a `/forget`: erases the customer of `ticket`.
pub fn forget_button(ticket: TicketId) -> Button {
    Button::new("Erase this customer's data", format!("fg:{}", ticket.0))
}

/// Reads callback data written by [`forget_button`].
pub fn parse_forget(data: &str) -> Option<TicketId> {
    Some(TicketId(data.strip_prefix("fg:")?.parse().ok()?))
}

/// Erases everything the state holds about `customer`, queues the deletion of each of
/// their topics and records the erasure in the audit log (`actor`, `now`, the counts).
/// Needs no rule set: the command line runs it on a stopped desk's store.
pub fn forget<S: State>(
    state: &mut S,
    customer: UserId,
    actor: Actor,
    now: Timestamp,
) -> Result<Erased, DeskError> {
    let mut erased = state.erase_customer(customer)?;
    // The topics their tickets left in other groups when transferred go as well.
    for ticket in erased.tickets.clone() {
        for (key, topic, _) in super::retention::left_topics(state, Some(ticket))? {
            state.remove_counter(&key)?;
            erased.topics.push(topic);
        }
    }
    for topic in &erased.topics {
        let call = Call::DeleteTopic { chat_id: topic.chat_id, thread_id: topic.thread_id };
        state.enqueue(&Outgoing { chat_id: topic.chat_id, lane: Lane::Message, ticket: None, call })?;
    }
    let action = Action::Forgot { tickets: erased.tickets.len() as u64, topics: erased.topics.len() as u64 };
    state.record_audit(&AuditEntry { at: now, actor, action })?;
    Ok(erased)
}

/// The line General gets after a forget: counts and who asked, nothing about the customer.
pub fn forgotten_line(erased: &Erased, by: &str) -> String {
    let tickets = erased.tickets.len();
    let plural = if tickets == 1 { "" } else { "s" };
    format!(
        "🗑 A customer's data was erased on request by {by}: {tickets} ticket{plural}, {} topic{} being deleted.",
        erased.topics.len(),
        if erased.topics.len() == 1 { "" } else { "s" }
    )
}

impl Desk<'_> {
    /// [`forget`], then a line in General naming who asked.
    pub fn forget_customer<S: State>(
        &self,
        state: &mut S,
        customer: UserId,
        actor: Actor,
        by: &str,
    ) -> Result<Erased, DeskError> {
        let erased = forget(state, customer, actor, self.now)?;
        self.say_in_general(state, forgotten_line(&erased, by), Vec::new())?;
        Ok(erased)
    }

    /// `/forget` in a ticket's topic: a supervisor is asked to confirm with a button;
    /// anyone else is told who may.
    pub(super) fn forget_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
    ) -> Result<(), DeskError> {
        if !self.is_supervisor(m.from) {
            let text = "Only supervisors can erase a customer's data (/forget); ask one of them.".to_owned();
            return self.say_in_topic(state, ticket.id, text);
        }
        let tickets = state.tickets_of_customer(ticket.customer.id)?.len();
        let text = format!(
            "Erase everything the desk holds about this ticket's customer? That is {tickets} ticket{} with \
             their messages and history, their topics (this one too) and any intake dialogue. It cannot \
             be undone.",
            if tickets == 1 { "" } else { "s" }
        );
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text,
            reply_to: None,
            buttons: vec![vec![forget_button(ticket.id)]],
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// The confirmation pressed: only a supervisor, only in the ticket's own topic.
    pub(super) fn forget_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        id: TicketId,
    ) -> Result<(), DeskError> {
        if !self.groups.is_staff(press.chat_id) || !self.is_supervisor(press.from) {
            return self.answer(state, press, Some("Only supervisors can erase a customer's data."));
        }
        let ticket = match state.ticket(id)? {
            Some(ticket) if pressed_in_ticket(&ticket, press) => ticket,
            Some(_) => return self.answer(state, press, Some("This button belongs to another ticket.")),
            None => return self.answer(state, press, Some("This customer's data is erased already.")),
        };
        let by = super::card::agent_name(self.rules, press.from);
        let actor = Actor::Telegram { user: press.from };
        let erased = self.forget_customer(state, ticket.customer.id, actor, &by)?;
        let notice = format!("Erased: {} tickets.", erased.tickets.len());
        self.answer(state, press, Some(&notice))
    }
}

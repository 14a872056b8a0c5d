//! Transferring a ticket to another staff group: a supervisor types `/transfer <group>` in
//! the ticket's topic. A topic opens in the named group with the card and the last messages
//! of the conversation; the old topic is told where the ticket went and is closed. The
//! customer's chat is unchanged: their messages reach the new topic from then on. An
//! assignee who does not work in the new group gives the ticket back, and routing runs
//! among the new group's agents.
//!
//! Until Telegram has opened the new topic the ticket has none: its recorded group, the
//! new one, says where it is (`Desk::group_of`).

use std::fmt::Write as _;

use super::card::agent_name;
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::groups::StaffGroup;
use crate::history::{Actor, EntryKind};
use crate::outbox::{Call, Lane, Target, clip};
use crate::ticket::{Change, Status, Ticket};

/// How many of the conversation's last messages the new topic is shown.
const SUMMARY_MESSAGES: usize = 10;

/// The most characters of one message the summary shows.
const SUMMARY_MESSAGE_CHARS: usize = 300;

impl Desk<'_> {
    /// `/transfer <group>`, typed by `m.from` in `ticket`'s topic.
    pub(super) fn transfer_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let names: Vec<&str> = self.groups.all().iter().map(|group| group.name.as_str()).collect();
        let names = names.join(", ");
        let supervisor = self.is_supervisor(m.from);
        if !supervisor {
            let text = format!(
                "Only supervisors transfer tickets to another staff group; {} stays here.",
                ticket.id
            );
            return self.say_in_topic(state, ticket.id, text);
        }
        if argument.is_empty() {
            let text =
                format!("Write the staff group after the command: /transfer <group>. Staff groups: {names}.");
            return self.say_in_topic(state, ticket.id, text);
        }
        let Some(to) = self.groups.named(argument) else {
            let text =
                format!("There is no staff group \"{argument}\"; nothing was moved. Staff groups: {names}.");
            return self.say_in_topic(state, ticket.id, text);
        };
        let from = self.group_of(ticket);
        if from.name == to.name {
            let text = format!("{} is already in the {} group.", ticket.id, to.name);
            return self.say_in_topic(state, ticket.id, text);
        }
        if ticket.status == Status::Closed {
            let text = format!("{} is closed; /reopen it first to transfer it.", ticket.id);
            return self.say_in_topic(state, ticket.id, text);
        }
        let Some(old) = ticket.topic else { return Ok(()) };
        let who = agent_name(self.rules, m.from);
        let id = ticket.id;
        // The old topic: a line saying where the ticket went, then closed. Named by their
        // thread, as the ticket's topic is the new one from now on; they are no ticket's calls,
        // so a topic deleted meanwhile opens no new one.
        let line = Call::SendText {
            to: Target::Thread { chat_id: old.chat_id, thread_id: old.thread_id },
            text: format!(
                "↪ {who} transferred {id} to the {} group; the conversation goes on in its topic there.",
                to.name
            ),
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, None, Lane::Message, line)?;
        let close = Call::CloseThread { chat_id: old.chat_id, thread_id: old.thread_id };
        self.queue(state, None, Lane::Cosmetic, close)?;
        // Deleted in Telegram by retention, counted from now, as a closed ticket's topic is.
        self.retention_on_left_topic(state, id, old)?;

        let mut moved = ticket.clone();
        moved.topic = None;
        moved.group = Some(to.name.clone());
        moved.card = None;
        let origin = self.agent(m.from);
        let text = format!("transferred from the {} group to the {} group", from.name, to.name);
        let mut entries = moved.apply(Change::System { text }, &origin, self.now).expect("always legal");
        let leaves = moved.assignee.filter(|agent| {
            !self.rules.team().agent(*agent as i64).is_some_and(|member| member.works_in(&to.name))
        });
        if let Some(agent) = leaves {
            entries
                .extend(moved.apply(Change::Assign { to: None }, &origin, self.now).expect("always legal"));
            tracing::info!(ticket = %id, agent, group = to.name, "a transferred ticket's assignee does not work in its new group");
        }
        self.commit(state, ticket, &moved, &entries)?;
        self.queue_topic(state, &moved, to.chat)?;
        let summary = self.transfer_summary(state, &moved, from, &who, leaves)?;
        self.say_in_topic(state, id, summary)?;
        if moved.assignee.is_none() {
            self.reroute(state, &mut moved, None)?;
        }
        Ok(())
    }

    /// The first line of the new topic after its card: where the ticket came from, and the
    /// conversation's last messages.
    fn transfer_summary<S: State>(
        &self,
        state: &S,
        ticket: &Ticket,
        from: &StaffGroup,
        who: &str,
        left: Option<u64>,
    ) -> Result<String, DeskError> {
        let mut text = format!("↩ {who} transferred {} here from the {} group.", ticket.id, from.name);
        if let Some(agent) = left {
            let _ = write!(
                text,
                " {} does not work in this group, so it was unassigned.",
                agent_name(self.rules, agent)
            );
        }
        text.push_str(&self.conversation_so_far(state, ticket)?);
        Ok(text)
    }

    /// The conversation's last messages (customer's, agents' replies and notes, each cut),
    /// on lines of their own after a first line saying how many: what a new topic for a
    /// ticket shows of what happened in its former one (a transfer, a deleted topic).
    pub(super) fn conversation_so_far<S: State>(
        &self,
        state: &S,
        ticket: &Ticket,
    ) -> Result<String, DeskError> {
        let mut text = String::new();
        let history = state.history(ticket.id)?;
        let messages: Vec<_> = history
            .iter()
            .filter(|entry| {
                matches!(
                    entry.kind,
                    EntryKind::CustomerMessage { .. } | EntryKind::AgentReply { .. } | EntryKind::Note { .. }
                )
            })
            .collect();
        if messages.is_empty() {
            text.push_str("\nNo messages yet beyond the form on the card.");
            return Ok(text);
        }
        let shown = &messages[messages.len().saturating_sub(SUMMARY_MESSAGES)..];
        let _ =
            write!(text, "\nThe conversation so far (last {} of {} messages):", shown.len(), messages.len());
        for entry in shown {
            let who = match entry.actor {
                Actor::Agent(id) => agent_name(self.rules, id),
                Actor::Customer(_) => "customer".to_owned(),
                Actor::System => "desk".to_owned(),
            };
            let (said, words) = match &entry.kind {
                EntryKind::CustomerMessage { text, .. } | EntryKind::AgentReply { text } => ("", text),
                EntryKind::Note { text } => ("note ", text),
                _ => continue,
            };
            let _ = write!(
                text,
                "\n{} {said}{who}: {}",
                entry.at.strftime("%m-%d %H:%M"),
                clip(words, SUMMARY_MESSAGE_CHARS)
            );
        }
        Ok(text)
    }
}

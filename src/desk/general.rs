//! Commands in the staff chat's General topic, where agents look at the desk as a whole:
//! `/queue` (unassigned tickets, oldest first, each with a claim button), `/mine` (my
//! active tickets), `/agents` (everyone's load against capacity), `/summary` (the
//! pinned queue summary, in `summary`) and `/stats` (the team's figures, in `stats`).

use std::fmt::Write as _;

use super::card::{Action, action_button};
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::groups::StaffGroup;
use crate::outbox::Lane;
use crate::outbox::{Call, Target};
use crate::ticket::{Ticket, span_between};

/// At most this many tickets in one /queue answer (one button row each).
const QUEUE_SHOWN: usize = 20;

impl Desk<'_> {
    pub(super) fn general_message<S: State>(&self, state: &mut S, m: &StaffMessage) -> Result<(), DeskError> {
        let Some(text) = m.text.as_deref().filter(|t| t.starts_with('/')) else { return Ok(()) };
        // Commands in a group's General are about that group: its queue, its agents.
        let Some(group) = self.groups.of_chat(m.chat_id) else { return Ok(()) };
        let chat = group.chat;
        if m.from == crate::history::ANONYMOUS_ADMIN {
            return self.say_in_general_of(
                state,
                chat,
                super::staff::anonymous_command_refusal(text),
                Vec::new(),
            );
        }
        if !self.rules.team().is_member(m.from as i64) {
            return Ok(());
        }
        let word = text[1..].split_whitespace().next().unwrap_or("");
        let word = word.split_once('@').map_or(word, |(name, _)| name).to_ascii_lowercase();
        if let Some(outcome) = self.general_availability(state, m, &word) {
            return outcome;
        }
        match word.as_str() {
            "queue" => self.queue_view(state, group),
            "mine" => self.mine(state, m.from, chat),
            "agents" => self.agents_view(state, group),
            "summary" => self.summary_command(state, group),
            "stats" => {
                let args = text.split_once(char::is_whitespace).map_or("", |(_, args)| args);
                self.stats_command(state, m.from, args, chat)
            }
            "templates" => {
                let args = text.split_once(char::is_whitespace).map_or("", |(_, args)| args.trim());
                if args == "stats" {
                    let text = self.template_stats(state)?;
                    self.say_in_general_of(state, chat, text, Vec::new())
                } else {
                    self.say_in_general_of(state, chat, "Use /templates stats.".to_owned(), Vec::new())
                }
            }
            _ => Ok(()),
        }
    }

    /// `/queue`: the group's unassigned active tickets.
    fn queue_view<S: State>(&self, state: &mut S, group: &StaffGroup) -> Result<(), DeskError> {
        let mut waiting: Vec<Ticket> = self.active_tickets_of(state, group)?;
        waiting.retain(|t| t.assignee.is_none());
        waiting.sort_by_key(|t| t.created_at);
        if waiting.is_empty() {
            return self.say_in_general_of(
                state,
                group.chat,
                "The queue is empty: every active ticket has someone.".to_owned(),
                Vec::new(),
            );
        }
        let mut text = format!("Queue: {} unassigned, oldest first", waiting.len());
        let mut buttons = Vec::new();
        for ticket in waiting.iter().take(QUEUE_SHOWN) {
            let waited = span_between(ticket.created_at, self.now);
            let _ = write!(
                text,
                "\n{} · {} · {} · waiting {waited}",
                ticket.id, ticket.priority, ticket.customer.name
            );
            buttons.push(vec![action_button(&format!("Claim {}", ticket.id), ticket.id, Action::Claim)]);
        }
        if waiting.len() > QUEUE_SHOWN {
            let _ = write!(text, "\n… and {} more", waiting.len() - QUEUE_SHOWN);
        }
        self.say_in_general_of(state, group.chat, text, buttons)
    }

    /// `/mine`: the agent's active tickets, in every group.
    fn mine<S: State>(&self, state: &mut S, agent: u64, chat: i64) -> Result<(), DeskError> {
        let mut mine: Vec<Ticket> = Vec::new();
        for id in state.tickets_of_assignee(agent)? {
            mine.extend(state.ticket(id)?);
        }
        mine.sort_by_key(|t| (std::cmp::Reverse(t.priority), t.created_at));
        let mut text = format!("Your active tickets: {}", mine.len());
        for ticket in &mine {
            let _ = write!(
                text,
                "\n{} · {} · {} · {}",
                ticket.id, ticket.status, ticket.priority, ticket.customer.name
            );
        }
        self.say_in_general_of(state, chat, text, Vec::new())
    }

    /// `/agents`: the load of the agents who work in the group.
    fn agents_view<S: State>(&self, state: &mut S, group: &StaffGroup) -> Result<(), DeskError> {
        let mut text = "Agents: active tickets / capacity".to_owned();
        for agent in self.rules.team().agents.iter().filter(|agent| agent.works_in(&group.name)) {
            let load = state.tickets_of_assignee(agent.id as u64)?.len();
            let away = if Self::is_away(state, agent.id)? {
                " (away)"
            } else if !self.rules.on_duty(agent.id, self.now) {
                " (off hours)"
            } else {
                ""
            };
            let _ = write!(text, "\n{}: {load}/{}{away}", agent.name, agent.capacity);
        }
        self.say_in_general_of(state, group.chat, text, Vec::new())
    }

    /// A line in General of the desk's own group (the first): for what concerns no one
    /// ticket's group.
    pub(super) fn say_in_general<S: State>(
        &self,
        state: &mut S,
        text: String,
        buttons: Vec<Vec<crate::outbox::Button>>,
    ) -> Result<(), DeskError> {
        self.say_in_general_of(state, self.desk_chat(), text, buttons)
    }

    /// A line in General of the staff group whose chat is `chat`.
    pub(super) fn say_in_general_of<S: State>(
        &self,
        state: &mut S,
        chat: i64,
        text: String,
        buttons: Vec<Vec<crate::outbox::Button>>,
    ) -> Result<(), DeskError> {
        let call = Call::SendText {
            to: Target::Chat { chat_id: chat },
            text,
            reply_to: None,
            buttons,
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }
}

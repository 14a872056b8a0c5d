//! Agents' notifications: how an agent hears that a ticket was assigned to them, that its
//! customer wrote, of an SLA warning or breach on it, of an escalation to them and of a
//! mention of their @username in a topic, as they chose (`crate::notify`): a mention in
//! the topic, a private message from the bot with a link to the topic, or nothing.
//! team.yaml's `notify:` gives each agent's defaults; `/notify` in the bot's private chat
//! shows the choices with a button for each, and a choice made there is kept in the store
//! (`notify:prefs:<agent>`, over whatever team.yaml says) across restarts.
//!
//! Outside the agent's working hours (team.yaml's, else the desk's business hours) a
//! private notice waits in the store (`notify:pending:<agent>:<n>`: the ticket and the
//! kind) and one digest of them goes when the shift starts: the earliest such start is the
//! desk timer `DeskTimer::Notices`.
//!
//! A ticket routed as it opens has no topic yet: its private notices wait for the topic
//! (`notify:topic:<ticket>:...`) and go when Telegram reports it created, with its link.
//!
//! Private messages go through the outbox like every call, in the agent's private chat's
//! queue and budget. An agent Telegram refuses the bot's private messages to (never
//! started it, or blocked it: a 403, see `digest`) gets mentions instead, and General is
//! told once how to turn private messages on; the notices sent to them before anyone knew
//! (`notify:unsure:...`, kept until they first write to the bot) are said in their topics.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::card::{agent_name, mention_id};
use super::{Desk, DeskError, State};
use crate::notify::{
    Channel, NotifyKind, Preferences, Way, callback, decide, digest_text, notice_line, pack,
};
use crate::outbox::{Button, ButtonKind, Call, Lane, Target};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Ticket, TicketId};

/// The desk timer of the next shift start with notices waiting.
const NOTICES: Timer = Timer::Desk(DeskTimer::Notices);
/// The number the next waiting or unsure notice is filed under.
const SEQ: &str = "notify:seq";
/// How many notices sent to an agent not yet known to have started the bot are kept.
const UNSURE_KEPT: usize = 20;

fn prefs_key(agent: u64) -> String {
    format!("notify:prefs:{agent}")
}

fn pending_prefix(agent: Option<u64>) -> String {
    agent.map_or_else(|| "notify:pending:".to_owned(), |agent| format!("notify:pending:{agent}:"))
}

/// Private notices about a ticket waiting for its topic, to carry its link.
fn topic_prefix(ticket: TicketId) -> String {
    format!("notify:topic:{}:", ticket.0)
}

fn unsure_prefix(agent: u64) -> String {
    format!("notify:unsure:{agent}:")
}

/// An agent known to have written to the bot in private: their private chat exists.
pub(super) fn started_key(agent: u64) -> String {
    format!("staff_started:{agent}")
}

impl Desk<'_> {
    /// The agent's choices: team.yaml's defaults with those made with `/notify` over them.
    pub(super) fn preferences<S: State>(&self, state: &S, agent: u64) -> Result<Preferences, DeskError> {
        let defaults = self.rules.team().agent(agent as i64).map_or_else(Preferences::default, |a| a.notify);
        let bits = state.counter(&prefs_key(agent))?.unwrap_or(0);
        Ok(Preferences::with_overrides(defaults, bits))
    }

    /// Tells `agent` of `kind` on `ticket` as they chose, and returns how a line in the
    /// topic names them: a mention when that is the way they hear of it, else their name
    /// (Telegram notifies nobody of a name). `detail` (an SLA warning's metric and time
    /// left, an escalation's reason) goes into a private message, which has no topic line
    /// beside it.
    pub(super) fn tell_agent<S: State>(
        &self,
        state: &mut S,
        agent: u64,
        kind: NotifyKind,
        ticket: &Ticket,
        detail: Option<&str>,
    ) -> Result<String, DeskError> {
        Ok(match self.notice_way(state, agent, kind, ticket, detail)? {
            Way::InTopic => mention_id(self.rules, agent),
            Way::Private | Way::Later(_) | Way::Nothing => agent_name(self.rules, agent),
        })
    }

    /// Tells `agent` of `kind` on `ticket` where no line in the topic would name them
    /// anyway: a mention is a line of its own.
    pub(super) fn tell_agent_alone<S: State>(
        &self,
        state: &mut S,
        agent: u64,
        kind: NotifyKind,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        if self.notice_way(state, agent, kind, ticket, None)? == Way::InTopic {
            let text =
                format!("🔔 {} {}", mention_id(self.rules, agent), notice_line(kind, &ticket.id.to_string()));
            self.say_in_topic(state, ticket.id, text)?;
        }
        Ok(())
    }

    /// The team members an agent's message in `ticket`'s topic mentions by @username. A
    /// mention already notifies them through Telegram; who chose private messages for
    /// mentions gets one too, and nobody gets a second line in the topic.
    pub(super) fn mentions_in_topic<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        from: u64,
        text: &str,
    ) -> Result<(), DeskError> {
        let team = self.rules.team();
        let usernames =
            team.agents.iter().filter(|a| a.id != from as i64).filter_map(|a| a.username.as_deref());
        for username in crate::notify::mentioned(text, usernames) {
            let Some(agent) = team.agents.iter().find(|a| a.username.as_deref() == Some(username)) else {
                continue;
            };
            self.notice_way(state, agent.id as u64, NotifyKind::Mention, ticket, None)?;
        }
        Ok(())
    }

    /// Decides how the notice goes and queues or files what goes privately. A notice that
    /// waits (for the topic, for a shift) keeps its kind, not its detail: the digest says what
    /// happened, the topic says the rest.
    fn notice_way<S: State>(
        &self,
        state: &mut S,
        agent: u64,
        kind: NotifyKind,
        ticket: &Ticket,
        detail: Option<&str>,
    ) -> Result<Way, DeskError> {
        if !self.rules.team().is_member(agent as i64) {
            return Ok(Way::InTopic);
        }
        let channel = self.preferences(state, agent)?.get(kind);
        let reachable = state.counter(&super::digest::unreachable_key(agent))? != Some(1);
        let way = decide(channel, reachable, self.rules.shift_start(agent as i64, self.now));
        match way {
            // A ticket routed as it opens has no topic yet: its notice waits for the topic,
            // to carry the link.
            Way::Private if ticket.topic.is_none() => {
                let seq = state.counter(SEQ)?.unwrap_or(0);
                state.set_counter(SEQ, seq + 1)?;
                state.set_counter(
                    &format!("{}{agent}:{seq:012}", topic_prefix(ticket.id)),
                    pack(ticket.id.0, kind),
                )?;
            }
            Way::Private => self.private_notice(state, agent, kind, ticket, detail)?,
            Way::Later(_) => {
                let seq = state.counter(SEQ)?.unwrap_or(0);
                state.set_counter(SEQ, seq + 1)?;
                state.set_counter(
                    &format!("{}{seq:012}", pending_prefix(Some(agent))),
                    pack(ticket.id.0, kind),
                )?;
                self.schedule_notices(state)?;
            }
            Way::InTopic | Way::Nothing => {}
        }
        Ok(way)
    }

    fn private_notice<S: State>(
        &self,
        state: &mut S,
        agent: u64,
        kind: NotifyKind,
        ticket: &Ticket,
        detail: Option<&str>,
    ) -> Result<(), DeskError> {
        let link = Self::link(ticket);
        let detail = detail.map_or_else(String::new, |detail| format!("\n{detail}"));
        let text = format!("🔔 {}{detail}{link}", notice_line(kind, &ticket.id.to_string()));
        self.send_private(state, agent, text)?;
        Self::note_unsure(state, agent, ticket.id, kind)
    }

    /// The ticket's topic exists now: the private notices that waited for it go, with its link.
    pub(super) fn notices_for_new_topic<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        let prefix = topic_prefix(ticket.id);
        for (name, value) in state.counters_with_prefix(&prefix)? {
            state.remove_counter(&name)?;
            let agent =
                name.strip_prefix(&prefix).and_then(|rest| rest.split(':').next()?.parse::<u64>().ok());
            if let (Some(agent), Some((_, kind))) = (agent, crate::notify::unpack(value)) {
                self.private_notice(state, agent, kind, ticket, None)?;
            }
        }
        Ok(())
    }

    fn link(ticket: &Ticket) -> String {
        ticket.topic.map_or_else(String::new, |topic| {
            format!("\n{}", crate::notify::topic_link(topic.chat_id, topic.thread_id))
        })
    }

    fn send_private<S: State>(&self, state: &mut S, agent: u64, text: String) -> Result<(), DeskError> {
        let call = Call::SendText {
            to: Target::Chat { chat_id: agent as i64 },
            text,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }

    /// Keeps a notice sent privately to an agent not yet known to have started the bot,
    /// to be said in the topic should Telegram refuse it.
    fn note_unsure<S: State>(
        state: &mut S,
        agent: u64,
        ticket: TicketId,
        kind: NotifyKind,
    ) -> Result<(), DeskError> {
        if state.counter(&started_key(agent))? == Some(1) {
            return Ok(());
        }
        let seq = state.counter(SEQ)?.unwrap_or(0);
        state.set_counter(SEQ, seq + 1)?;
        state.set_counter(&format!("{}{seq:012}", unsure_prefix(agent)), pack(ticket.0, kind))?;
        let kept = state.counters_with_prefix(&unsure_prefix(agent))?;
        for (name, _) in kept.iter().take(kept.len().saturating_sub(UNSURE_KEPT)) {
            state.remove_counter(name)?;
        }
        Ok(())
    }

    /// Telegram refused a private message to team member `agent`: the notices sent to them
    /// before anyone knew are said in their topics as mentions.
    pub(super) fn private_notices_refused<S: State>(
        &self,
        state: &mut S,
        agent: u64,
    ) -> Result<(), DeskError> {
        for (name, value) in state.counters_with_prefix(&unsure_prefix(agent))? {
            state.remove_counter(&name)?;
            let Some((ticket, kind)) = crate::notify::unpack(value) else { continue };
            if state.ticket(TicketId(ticket))?.is_none() {
                continue;
            }
            let text = format!(
                "🔔 {} {}",
                mention_id(self.rules, agent),
                notice_line(kind, &TicketId(ticket).to_string())
            );
            self.say_in_topic(state, TicketId(ticket), text)?;
        }
        Ok(())
    }

    /// A team member wrote to the bot in private: their private chat exists.
    pub(super) fn private_chat_started<S: State>(state: &mut S, agent: u64) -> Result<(), DeskError> {
        if state.counter(&started_key(agent))? != Some(1) {
            state.set_counter(&started_key(agent), 1)?;
        }
        for (name, _) in state.counters_with_prefix(&unsure_prefix(agent))? {
            state.remove_counter(&name)?;
        }
        Ok(())
    }

    /// Sets the notices timer to the earliest shift start of an agent with notices waiting
    /// (now, for one on shift already), or clears it.
    pub(super) fn schedule_notices<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let mut earliest: Option<jiff::Timestamp> = None;
        let mut last_agent = None;
        for (name, _) in state.counters_with_prefix(&pending_prefix(None))? {
            let Some(agent) = pending_agent(&name) else { continue };
            if last_agent == Some(agent) {
                continue;
            }
            last_agent = Some(agent);
            let start = self.rules.shift_start(agent as i64, self.now).unwrap_or(self.now);
            earliest = Some(earliest.map_or(start, |at| at.min(start)));
        }
        match earliest {
            Some(due) => state.set_deadline(Deadline { due, timer: NOTICES })?,
            None => state.clear_deadline(NOTICES)?,
        }
        Ok(())
    }

    /// The notices timer fell due: every agent on shift now with notices waiting gets them
    /// as one digest (mentions in the topics, for one Telegram refuses private messages to).
    pub(super) fn notices_due<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let mut by_agent: BTreeMap<u64, Vec<(String, u64)>> = BTreeMap::new();
        for (name, value) in state.counters_with_prefix(&pending_prefix(None))? {
            if let Some(agent) = pending_agent(&name) {
                by_agent.entry(agent).or_default().push((name, value));
            }
        }
        for (agent, waiting) in by_agent {
            let gone = !self.rules.team().is_member(agent as i64);
            if !gone && self.rules.shift_start(agent as i64, self.now).is_some() {
                continue;
            }
            let mut notices = Vec::new();
            for (name, value) in waiting {
                state.remove_counter(&name)?;
                let Some((ticket, kind)) = crate::notify::unpack(value) else { continue };
                if state.ticket(TicketId(ticket))?.is_some() {
                    notices.push((TicketId(ticket), kind));
                }
            }
            if gone || notices.is_empty() {
                continue;
            }
            if state.counter(&super::digest::unreachable_key(agent))? == Some(1) {
                for (ticket, kind) in notices {
                    let text = format!(
                        "🔔 {} {}",
                        mention_id(self.rules, agent),
                        notice_line(kind, &ticket.to_string())
                    );
                    self.say_in_topic(state, ticket, text)?;
                }
                continue;
            }
            let named: Vec<(String, NotifyKind)> = notices.iter().map(|(t, k)| (t.to_string(), *k)).collect();
            let mut text = digest_text(&named);
            let mut linked = Vec::new();
            for (id, _) in &notices {
                if linked.contains(id) {
                    continue;
                }
                linked.push(*id);
                if let Some(ticket) = state.ticket(*id)?
                    && let Some(topic) = ticket.topic
                {
                    let link = crate::notify::topic_link(topic.chat_id, topic.thread_id);
                    let _ = write!(text, "\n{id}: {link}");
                }
            }
            self.send_private(state, agent, text)?;
            for (ticket, kind) in notices {
                Self::note_unsure(state, agent, ticket, kind)?;
            }
        }
        self.schedule_notices(state)
    }

    /// `/notify` in the bot's private chat: the agent's choices, a row of buttons a kind.
    pub(super) fn notify_menu<S: State>(&self, state: &mut S, agent: u64) -> Result<(), DeskError> {
        let preferences = self.preferences(state, agent)?;
        let call = Call::SendText {
            to: Target::Chat { chat_id: agent as i64 },
            text: menu_text(preferences),
            reply_to: None,
            buttons: menu_buttons(preferences),
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }

    /// A `/notify` button: the choice is kept and the menu shows it.
    pub(super) fn notify_pressed<S: State>(
        &self,
        state: &mut S,
        press: &super::ButtonPress,
        kind: NotifyKind,
        channel: Channel,
    ) -> Result<(), DeskError> {
        let agent = press.from;
        if press.chat_id != agent as i64 || !self.rules.team().is_member(agent as i64) {
            return self.answer(state, press, Some("Only members of the support team choose notifications."));
        }
        let mut preferences = self.preferences(state, agent)?;
        preferences.set(kind, channel);
        let defaults = self.rules.team().agent(agent as i64).map_or_else(Preferences::default, |a| a.notify);
        state.set_counter(&prefs_key(agent), preferences.overrides(defaults))?;
        if let Some(message_id) = press.message_id {
            let call = Call::EditText {
                chat_id: press.chat_id,
                message_id,
                text: menu_text(preferences),
                buttons: menu_buttons(preferences),
            };
            self.queue(state, None, Lane::Cosmetic, call)?;
        }
        let notice = format!("{}: {}", kind.label(), channel.label());
        self.answer(state, press, Some(&notice))
    }
}

/// The agent whose waiting notice `name` is.
fn pending_agent(name: &str) -> Option<u64> {
    name.strip_prefix(&pending_prefix(None))?.split(':').next()?.parse().ok()
}

fn menu_text(preferences: Preferences) -> String {
    let mut text = "How you are told of things (tap to change):".to_owned();
    for kind in NotifyKind::ALL {
        let _ = write!(text, "\n• {}: {}", kind.label(), preferences.get(kind).label());
    }
    text.push_str(
        "\nPrivate messages outside your working hours wait and come as one digest when your shift starts.",
    );
    text
}

/// One row a kind: its three choices, the current one marked.
fn menu_buttons(preferences: Preferences) -> Vec<Vec<Button>> {
    NotifyKind::ALL
        .into_iter()
        .map(|kind| {
            Channel::ALL
                .into_iter()
                .map(|channel| {
                    let mark = if preferences.get(kind) == channel { "✓ " } else { "" };
                    Button {
                        label: format!("{mark}{}: {}", short(kind), channel.label()),
                        data: callback(kind, channel),
                        kind: ButtonKind::Callback,
                    }
                })
                .collect()
        })
        .collect()
}

/// A kind's name on a button.
fn short(kind: NotifyKind) -> &'static str {
    match kind {
        NotifyKind::Assigned => "Assigned",
        NotifyKind::CustomerWrote => "Customer wrote",
        NotifyKind::Sla => "SLA",
        NotifyKind::Escalation => "Escalation",
        NotifyKind::Mention => "Mention",
    }
}

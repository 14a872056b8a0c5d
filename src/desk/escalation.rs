//! Escalation on a ticket: handing it up (from the ladder, a rule, the age trigger or an
//! agent's `/escalate`), a supervisor's control over it, and the loop guards on what rules
//! make the desk say.
//!
//! Every escalation is recorded with who it went to, mentioned in the topic on a line with
//! an "Undo escalation" button, and announced in General; then `route` is asked again who
//! should have the ticket, whoever escalated it (the shipped rules keep the assignee). A
//! supervisor can undo any escalation in force (the button, or `/deescalate` for the latest)
//! and hold escalation for one ticket (`/hold`; `/unhold` or `/hold off` releases it): while
//! held, the ladder's escalating rungs and the age trigger stand still (`sla` cuts the hold
//! out of the ladder's clock) and escalations rules ask for are held back. Holds and undos
//! are history entries, so the timers read them back exactly after a restart.

use super::card::agent_name;
use super::event::{ButtonPress, StaffMessage};
use super::{Desk, DeskError, State};
use crate::history::{Actor, Entry, EntryKind};
use crate::notify::NotifyKind;
use crate::outbox::Lane;
use crate::outbox::{Button, Call, Target};
use crate::rules::Role;
use crate::sla::{Action, EscalationTarget};
use crate::ticket::{Change, Origin, Ticket, TicketId};

/// Callback data of the "Undo escalation" button: `x:<ticket>:<history seq>`.
pub fn undo_button(ticket: TicketId, escalation: u32) -> Button {
    Button::new("Undo escalation", format!("x:{}:{escalation}", ticket.0))
}

/// Reads callback data written by [`undo_button`].
pub fn parse_undo(data: &str) -> Option<(TicketId, u32)> {
    let (ticket, seq) = data.strip_prefix("x:")?.split_once(':')?;
    Some((TicketId(ticket.parse().ok()?), seq.parse().ok()?))
}

impl Desk<'_> {
    /// Escalates `ticket` to `to` for `reason`: records it, mentions the people in the topic
    /// with an undo button, and tells General. Returns the history entries made.
    pub(super) fn escalate_to<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        to: EscalationTarget,
        reason: String,
        origin: &Origin,
    ) -> Result<Vec<Entry>, DeskError> {
        let people = self.escalation_people(to);
        let mut mentions = Vec::new();
        for id in &people {
            let kind = crate::notify::NotifyKind::Escalation;
            mentions.push(self.tell_agent(state, *id, kind, ticket, Some(&format!("Reason: {reason}")))?);
        }
        let whom = match to {
            EscalationTarget::Supervisors => "the supervisors".to_owned(),
            EscalationTarget::EscalationTeam => "the escalation team".to_owned(),
            EscalationTarget::Agent(id) => agent_name(self.rules, id as u64),
        };
        let by = match origin.actor {
            Actor::Agent(agent) => format!(" by {}", agent_name(self.rules, agent)),
            Actor::Customer(_) | Actor::System => String::new(),
        };
        let in_topic = format!("⇧ Escalated to {whom}{by}: {reason}\n{}", mentions.join(" "));
        let in_general = format!("⇧ {} escalated to {whom}: {reason}", ticket.id);
        let entries = ticket
            .apply(Change::Escalate { to: people, reason }, origin, self.now)
            .expect("escalating is legal in every status");
        let seq = entries.first().map_or(0, |entry| entry.seq);
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text: in_topic,
            reply_to: None,
            buttons: vec![vec![undo_button(ticket.id, seq)]],
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)?;
        self.say_in_general_of(state, self.chat_of(ticket), in_general, Vec::new())?;
        Ok(entries)
    }

    /// Carries out the actions one hook call returned, within the loop guards: at most
    /// `actions_per_event` of them, and at most `messages_per_ticket` rule messages per
    /// ticket within `window`. What a guard drops is noted in history, never posted.
    /// Actions never call a hook again, so one event makes at most one round of them.
    pub(super) fn rule_actions<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        actions: Vec<Action>,
        kind: Option<NotifyKind>,
    ) -> Result<Vec<Entry>, DeskError> {
        let guard = self.rules.desk().loop_guard;
        let cap = usize::try_from(guard.actions_per_event).unwrap_or(usize::MAX);
        let mut entries = Vec::new();
        let dropped = actions.len().saturating_sub(cap);
        if dropped > 0 {
            tracing::warn!(ticket = %ticket.id, dropped, "a hook returned more actions than the loop guard allows");
            let text = format!("loop guard: {dropped} rule actions dropped (at most {cap} per event)");
            entries.extend(self.note_for_desk(ticket, text));
        }
        let since = self.now.checked_sub(jiff::SignedDuration::from_secs(guard.window.as_secs() as i64));
        let since = since.unwrap_or(jiff::Timestamp::MIN);
        // The history is read only when an action would post, not for every message.
        let mut recent: Option<Vec<Entry>> = None;
        for action in actions.into_iter().take(cap) {
            let speaks = matches!(action, Action::NotifyAgent(_) | Action::Escalate { .. });
            if speaks {
                let recent = match &mut recent {
                    Some(recent) => recent,
                    empty => empty.insert(state.history(ticket.id)?),
                };
                let said =
                    recent.iter().chain(&entries).filter(|e| e.at >= since && is_rule_message(e)).count();
                if said >= usize::try_from(guard.messages_per_ticket).unwrap_or(usize::MAX) {
                    tracing::warn!(ticket = %ticket.id, %action, "rule message dropped by the loop guard");
                    let text = format!(
                        "loop guard: dropped {action} (at most {} rule messages per {})",
                        guard.messages_per_ticket, guard.window
                    );
                    entries.extend(self.note_for_desk(ticket, text));
                    continue;
                }
            }
            entries.extend(self.rule_action(state, ticket, action, kind)?);
        }
        Ok(entries)
    }

    /// An escalation a rule asked for, unless a supervisor holds escalation on the ticket.
    pub(super) fn rule_escalation<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        to: EscalationTarget,
        reason: String,
    ) -> Result<Vec<Entry>, DeskError> {
        if ticket.escalation_held {
            return Ok(self.note_for_desk(ticket, format!("escalation held back: {reason}")));
        }
        self.escalate_to(state, ticket, to, reason, &self.system())
    }

    /// `/hold` (`/hold off`) and `/unhold`: a supervisor stops or resumes the ladder.
    pub(super) fn hold_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        held: bool,
    ) -> Result<(), DeskError> {
        if !self.is_supervisor(m.from) {
            let text = "Only supervisors hold or resume escalation.".to_owned();
            return self.say_in_topic(state, ticket.id, text);
        }
        let mut after = ticket.clone();
        let entries = after
            .apply(Change::HoldEscalation { held }, &self.agent(m.from), self.now)
            .expect("holding is legal in every status");
        let who = agent_name(self.rules, m.from);
        let line = match (held, entries.is_empty()) {
            (true, true) => format!("Escalation of {} is already on hold; /unhold resumes it.", ticket.id),
            (false, true) => format!("Escalation of {} is not on hold.", ticket.id),
            (true, false) => {
                format!(
                    "⏸ {who} put escalation of {} on hold: the ladder stands still until /unhold.",
                    ticket.id
                )
            }
            (false, false) => format!("▶ {who} resumed escalation of {}.", ticket.id),
        };
        self.commit(state, ticket, &after, &entries)?;
        self.say_in_topic(state, ticket.id, line)
    }

    /// `/deescalate`: a supervisor undoes the latest escalation in force.
    pub(super) fn deescalate_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
    ) -> Result<(), DeskError> {
        let Some(latest) = ticket.escalations.last() else {
            let text = format!("{} has no escalation in force.", ticket.id);
            return self.say_in_topic(state, ticket.id, text);
        };
        let notice = self.undo_escalation(state, ticket, m.from, latest.seq)?;
        self.say_in_topic(state, ticket.id, notice)
    }

    /// A press of "Undo escalation": checked like a card button, then undone.
    pub(super) fn undo_button_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        (id, seq): (TicketId, u32),
    ) -> Result<(), DeskError> {
        let ticket = match state.ticket(id)? {
            Some(ticket)
                if self.groups.is_staff(press.chat_id) && super::staff::pressed_in_ticket(&ticket, press) =>
            {
                ticket
            }
            _ => return self.answer(state, press, Some("This button belongs to another ticket.")),
        };
        let notice = self.undo_escalation(state, &ticket, press.from, seq)?;
        if notice.starts_with('↓') {
            self.say_in_topic(state, id, notice.clone())?;
            self.drop_buttons(state, id, press)?;
        }
        self.answer(state, press, Some(&notice))
    }

    /// Takes the buttons off the message a press came from, once they have done their job.
    pub(super) fn drop_buttons<S: State>(
        &self,
        state: &mut S,
        ticket: TicketId,
        press: &ButtonPress,
    ) -> Result<(), DeskError> {
        let Some(message_id) = press.message_id else { return Ok(()) };
        let call = Call::SetButtons { chat_id: press.chat_id, message_id, buttons: Vec::new() };
        self.queue(state, Some(ticket), Lane::Cosmetic, call)
    }

    /// Undoes escalation `seq` for supervisor `by`; returns the line saying what happened.
    fn undo_escalation<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        by: u64,
        seq: u32,
    ) -> Result<String, DeskError> {
        if !self.is_supervisor(by) {
            return Ok("Only supervisors undo an escalation.".to_owned());
        }
        let Some(escalation) = ticket.escalations.iter().find(|e| e.seq == seq).cloned() else {
            return Ok(format!("That escalation of {} is already undone.", ticket.id));
        };
        let mut after = ticket.clone();
        let entries = after
            .apply(Change::Deescalate { escalation: seq }, &self.agent(by), self.now)
            .expect("the escalation is in force, checked above");
        self.commit(state, ticket, &after, &entries)?;
        let names: Vec<String> = escalation.to.iter().map(|id| agent_name(self.rules, *id)).collect();
        Ok(format!(
            "↓ {} undid the escalation of {} to {}.",
            agent_name(self.rules, by),
            ticket.id,
            names.join(", ")
        ))
    }

    /// The Telegram ids an escalation to `to` reaches.
    fn escalation_people(&self, to: EscalationTarget) -> Vec<u64> {
        let supervisors = || self.rules.team().supervisors().map(|a| a.id as u64).collect();
        match to {
            EscalationTarget::Supervisors => supervisors(),
            EscalationTarget::EscalationTeam => {
                let team: Vec<u64> =
                    self.rules.desk().escalation_team.iter().map(|m| m.value as u64).collect();
                if team.is_empty() { supervisors() } else { team }
            }
            EscalationTarget::Agent(id) => vec![id as u64],
        }
    }

    pub(super) fn is_supervisor(&self, id: u64) -> bool {
        self.rules.team().agent(id as i64).is_some_and(|agent| agent.role == Role::Supervisor)
    }

    /// A line in the ticket's history only the desk writes (no message).
    fn note_for_desk(&self, ticket: &mut Ticket, text: String) -> Vec<Entry> {
        ticket.apply(Change::System { text }, &self.system(), self.now).expect("always legal")
    }
}

/// Whether `entries` escalate the ticket. After such a change is committed, `route` is
/// asked again who should have the ticket, whoever escalated it: an agent, a rule or a
/// timer.
pub(super) fn escalates(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| matches!(entry.kind, EntryKind::Escalated { .. }))
}

/// Whether `entry` is a message a rule made the desk post: a notice or an escalation.
fn is_rule_message(entry: &Entry) -> bool {
    entry.actor == Actor::System
        && matches!(entry.kind, EntryKind::Notified { .. } | EntryKind::Escalated { .. })
}

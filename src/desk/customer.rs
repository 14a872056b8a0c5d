//! The customer side: messages and edits in the private chat with the bot. A customer
//! with a ticket in progress just chats, and every message is copied into the ticket's
//! topic, a text starting with "/" too unless it is one of intake's commands (`/start`,
//! `/cancel`, `/help`...); a reply to a resolved ticket reopens it, except the comment a
//! low satisfaction rating asked for (`csat`); anyone else goes through intake. A team
//! member's `/away`, `/back`, `/stats` and `/notify` are answered here and never relayed nor taken for
//! intake.

use super::event::{CustomerMessage, history_text};
use super::{Desk, DeskError, State};
use crate::history::EntryKind;
use crate::intake;
use crate::outbox::Lane;
use crate::outbox::{Call, FileKind, Media, Report, Target, caption_too_long};
use crate::ticket::{Change, Status, Ticket};

impl Desk<'_> {
    /// A message to the bot itself: from now on the customer is answered here, not through a
    /// business account they wrote to before.
    pub(super) fn customer_message<S: State>(
        &self,
        state: &mut S,
        m: &CustomerMessage,
    ) -> Result<(), DeskError> {
        if state.door(m.customer.id)?.is_some() {
            state.set_door(m.customer.id, None)?;
        }
        self.customer_message_in(state, m, &[])
    }

    /// A customer's message, through whichever door they use (`State::door`); `entities`
    /// the formatting of its text, for a message that is sent again rather than copied.
    pub(super) fn customer_message_in<S: State>(
        &self,
        state: &mut S,
        m: &CustomerMessage,
        entities: &[serde_json::Value],
    ) -> Result<(), DeskError> {
        if self.rules.team().is_member(m.customer.id as i64) {
            Self::team_member_reachable(state, m.customer.id)?;
        }
        // Agents may say /away and /back to the bot in private too.
        if self.rules.team().is_member(m.customer.id as i64)
            && let Some(word) = m.text.as_deref().map(str::trim)
            && (word == "/away" || word == "/back")
        {
            return self.availability(state, m.customer.id, word == "/away", m.customer.id as i64);
        }
        // ... and /stats: a team member's figures are answered here, never taken for intake.
        if self.rules.team().is_member(m.customer.id as i64)
            && let Some(args) = m.text.as_deref().and_then(stats_args)
        {
            return self.stats_command(state, m.customer.id, args, m.customer.id as i64);
        }
        // ... and /notify: their notification choices, with buttons.
        if self.rules.team().is_member(m.customer.id as i64)
            && m.text.as_deref().is_some_and(is_notify_command)
        {
            return self.notify_menu(state, m.customer.id);
        }
        let in_intake = state.session_json(m.customer.id)?.is_some();
        // The customer's newest ticket, read once: the survey's comment and the ticket in
        // progress are both decided on it.
        let newest = Self::newest_ticket(state, m.customer.id)?;
        let in_progress = newest.as_ref().is_some_and(|ticket| ticket.status != Status::Closed);
        // ... and /dashboard: the team's Mini App. Anyone else gets a plain refusal (an intake
        // dialogue waits on, untouched), unless a ticket of theirs is in progress: then their
        // words are relayed as ever.
        if m.text.as_deref().is_some_and(is_dashboard_command) {
            if self.rules.team().is_member(m.customer.id as i64) {
                return self.dashboard_button(state, m.customer.id as i64);
            }
            if !in_progress {
                let call = Call::SendText {
                    to: Target::Chat { chat_id: m.customer.id as i64 },
                    text: "The dashboard is for the support team only.".to_owned(),
                    reply_to: None,
                    buttons: Vec::new(),
                    report: None,
                };
                return self.queue(state, None, Lane::Message, call);
            }
        }
        // Only the dialogue's own commands are commands: "/etc/hosts is broken" or a
        // "/word" the desk does not know is something to tell the agent like any text.
        let is_command = m.text.as_deref().is_some_and(|text| {
            matches!(intake::Input::from_text(text), intake::Input::Command(command)
                if !matches!(command, intake::Command::Unknown(_)))
        });
        // The comment a low rating asked for: the next text, while the survey waits for it.
        if let Some(text) =
            m.text.as_deref().filter(|_| m.kind == super::Kind::Text && !in_intake && !is_command)
            && let Some(ticket) = newest.as_ref().filter(|ticket| self.awaits_csat_comment(ticket))
        {
            return self.csat_comment(state, ticket, text);
        }
        match newest.filter(|ticket| ticket.status != Status::Closed) {
            Some(ticket) if !in_intake && !is_command => self.relay_from_customer(state, ticket, m, entities),
            current => self.intake_message(state, m, current.as_ref(), entities),
        }
    }

    /// An edit goes to the topic's queue behind everything queued before it, the message's
    /// own copy included, and finds that copy when it is sent.
    pub(super) fn customer_edit<S: State>(
        &self,
        state: &mut S,
        m: &CustomerMessage,
    ) -> Result<(), DeskError> {
        let Some(ticket) = Self::current_ticket(state, m.customer.id)? else { return Ok(()) };
        let call = Call::EditRelayed {
            source: (m.customer.id as i64, m.message_id),
            ticket: ticket.id,
            text: history_text(m.kind, m.text.as_deref()),
            text_message: m.kind == super::Kind::Text,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// The ticket a customer's plain messages belong to: their newest one, unless it is closed.
    pub(super) fn current_ticket<S: State>(state: &S, customer: u64) -> Result<Option<Ticket>, DeskError> {
        Ok(Self::newest_ticket(state, customer)?.filter(|ticket| ticket.status != Status::Closed))
    }

    /// The customer's newest ticket, whatever its status.
    pub(super) fn newest_ticket<S: State>(state: &S, customer: u64) -> Result<Option<Ticket>, DeskError> {
        let Some(&newest) = state.tickets_of_customer(customer)?.last() else { return Ok(None) };
        Ok(state.ticket(newest)?)
    }

    pub(super) fn relay_from_customer<S: State>(
        &self,
        state: &mut S,
        mut ticket: Ticket,
        m: &CustomerMessage,
        entities: &[serde_json::Value],
    ) -> Result<(), DeskError> {
        let before = ticket.clone();
        let origin = self.customer_origin(m.customer.id);
        let mut entries = ticket
            .apply(Change::MarkUnreachable { unreachable: false }, &origin, self.now)
            .expect("always legal");
        let text = history_text(m.kind, m.text.as_deref());
        entries
            .extend(ticket.apply(Change::CustomerMessage { text }, &origin, self.now).expect("not closed"));
        let customer_chat = m.customer.id as i64;
        let reply_to = match m.reply_to {
            Some(original) => state.counterpart_in((customer_chat, original), self.chat_of(&ticket))?,
            None => None,
        };
        let report = Some(Report::Relay { chat_id: customer_chat, message_id: m.message_id });
        // A message to a business account cannot be copied: it is sent again.
        let call = if state.door(m.customer.id)?.is_some() {
            Call::Resend {
                to: Target::Topic { ticket: ticket.id },
                parts: vec![super::business::content(
                    m.kind,
                    m.text.as_deref(),
                    m.file_id.as_deref(),
                    m.single.as_ref(),
                    entities,
                )],
                reply_to,
                album: m.album.clone(),
                report,
            }
        } else {
            Call::Copy {
                from_chat: customer_chat,
                message_ids: vec![m.message_id],
                to: Target::Topic { ticket: ticket.id },
                reply_to,
                album: m.album.clone(),
                report,
                text: m.text.clone().filter(|_| m.kind == super::Kind::Text && m.album.is_none()),
                media: album_media(m).into_iter().collect(),
                caption: None,
            }
        };
        self.queue_relay(state, ticket.id, call, m.kind, m.text.as_deref())?;
        if let Some(agent) = ticket.assignee {
            self.tell_agent_alone(state, agent, crate::notify::NotifyKind::CustomerWrote, &ticket)?;
        }
        // The score the history entry keeps: the hook reads it rather than scoring again.
        let sentiment = entries.iter().rev().find_map(|entry| match &entry.kind {
            EntryKind::CustomerMessage { sentiment, .. } => *sentiment,
            _ => None,
        });
        let said = history_text(m.kind, m.text.as_deref());
        let message = crate::script::MessageView { text: said, from_customer: true, sentiment };
        entries.extend(self.on_message(state, &mut ticket, &message)?);
        let reopened = before.status == Status::Resolved && ticket.status == Status::Open;
        if reopened {
            self.say_in_topic(
                state,
                ticket.id,
                format!("↺ The customer wrote again, so {} is open again.", ticket.id),
            )?;
        }
        self.commit(state, &before, &ticket, &entries)?;
        if reopened || super::escalation::escalates(&entries) {
            self.reroute(state, &mut ticket, None)?;
        }
        Ok(())
    }
}

/// Whether the text is `/notify` (or `/notify@bot`).
fn is_notify_command(text: &str) -> bool {
    let text = text.trim();
    let command = text.split_once('@').map_or(text, |(name, _)| name);
    command.eq_ignore_ascii_case("/notify")
}

/// Whether the text is `/dashboard` (or `/dashboard@bot`).
fn is_dashboard_command(text: &str) -> bool {
    let text = text.trim();
    let command = text.split_once('@').map_or(text, |(name, _)| name);
    command.eq_ignore_ascii_case("/dashboard")
}

/// The words after `/stats` (or `/stats@bot`), when the text is that command.
fn stats_args(text: &str) -> Option<&str> {
    let text = text.trim();
    let (command, args) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let command = command.split_once('@').map_or(command, |(name, _)| name);
    command.eq_ignore_ascii_case("/stats").then_some(args)
}

/// The file of an album part, when the desk knows it: lets an album that replies to a
/// message be sent again as an album with that reply.
fn album_media(m: &CustomerMessage) -> Option<Media> {
    let kind = match m.kind {
        super::Kind::Photo => FileKind::Photo,
        super::Kind::Document => FileKind::Document,
        super::Kind::Video => FileKind::Video,
        _ => return None,
    };
    let file_id = m.file_id.clone().filter(|_| m.album.is_some())?;
    // A caption too long to send again leaves the album to copyMessages, which keeps it.
    if m.text.as_deref().is_some_and(caption_too_long) {
        return None;
    }
    Some(Media { kind, file_id, caption: m.text.clone() })
}

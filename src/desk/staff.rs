//! The staff side: agents' messages in ticket topics, their commands, and the buttons on
//! ticket cards. Only members of team.yaml act; every press is checked against the ticket
//! of the topic it was pressed in.

use std::fmt::Write as _;

use super::card::card_version;
use super::card::{Action, Press, agent_name, capitalised, menu_buttons, parse_press};
use super::event::{ButtonPress, Kind, StaffMessage, history_text};
use super::{Desk, DeskError, State, card_buttons, card_text};
use crate::audit::{self, AuditEntry, Surface};
use crate::history::ANONYMOUS_ADMIN;
use crate::outbox::Lane;
use crate::outbox::{Call, Report, Target, clip};
use crate::template::TemplateUse;
use crate::ticket::{Change, Status, Ticket, Topic, UserId};

/// The topic's answer to a command from an anonymous admin: Telegram names no person, so
/// team.yaml cannot say whether they may run it.
pub(super) fn anonymous_command_refusal(text: &str) -> String {
    let word = text.split_whitespace().next().unwrap_or(text);
    format!(
        "{word} was not run: it was sent by an anonymous admin, and commands need to know who \
         sends them to check team.yaml. Turn off \"Remain anonymous\" in your admin rights to \
         use commands; your messages reach the customer either way."
    )
}

/// Whether a press came from a message of `ticket`: its card, or any message in its topic
/// (the card's menus and pickers, the escalation's undo). The callback names the message it
/// is on; a payload of one ticket on another ticket's message, or in General, is not this
/// ticket's.
pub(super) fn pressed_in_ticket(ticket: &Ticket, press: &ButtonPress) -> bool {
    let Some(topic) = ticket.topic else { return false };
    if press.chat_id != topic.chat_id {
        return false;
    }
    // A message too old for Telegram to show comes without its thread; the card is known by id.
    press.thread == Some(topic.thread_id) || (press.message_id.is_some() && press.message_id == ticket.card)
}

/// The most characters Telegram shows in a press's notice.
const NOTICE_LIMIT: usize = 200;

/// Commands agents type in a ticket's topic, for the unknown-command reply.
const COMMANDS: &str = "/note, /claim, /assign, /unassign, /await, /resolve, /close, /reopen, /priority, \
     /tag, /untag, /escalate, /deescalate, /hold, /unhold, /move, /transfer, /info, /history, /t, /template, /kb, /forget";

/// Commands of General (`general`), pointed there when typed in a ticket's topic.
const GENERAL_COMMANDS: [&str; 5] = ["queue", "mine", "agents", "summary", "stats"];

impl Desk<'_> {
    pub(super) fn staff_message<S: State>(&self, state: &mut S, m: &StaffMessage) -> Result<(), DeskError> {
        if m.thread.is_none() {
            // General is for the desk as a whole; nothing there is ever relayed.
            return self.general_message(state, m);
        }
        // Messages in topics that are not tickets, or in another chat, are never relayed.
        let Some(ticket) = self.ticket_of_topic(state, m.chat_id, m.thread)? else { return Ok(()) };
        let command = m.text.as_deref().filter(|t| t.starts_with('/'));
        if m.from == ANONYMOUS_ADMIN {
            // An admin chose to stay anonymous: what they say goes to the customer like any
            // agent's words, but a command cannot be checked against team.yaml.
            return match command {
                Some(text) => self.say_in_topic(state, ticket.id, anonymous_command_refusal(text)),
                None => self.relay_to_customer(state, ticket, m),
            };
        }
        if !self.rules.team().is_member(m.from as i64) {
            let text =
                format!("{} is not in team.yaml, so this message was not sent to the customer.", m.from_name);
            return self.say_in_topic(state, ticket.id, text);
        }
        // A mention in a message or an internal note tells the people it names.
        if let Some(text) = m.text.as_deref().filter(|text| command.is_none() || is_note(text)) {
            self.mentions_in_topic(state, &ticket, m.from, text)?;
        }
        if let Some(text) = command {
            return self.command(state, ticket, m, text);
        }
        self.relay_to_customer(state, ticket, m)
    }

    pub(super) fn staff_edit<S: State>(&self, state: &mut S, m: &StaffMessage) -> Result<(), DeskError> {
        let Some(ticket) = self.ticket_of_topic(state, m.chat_id, m.thread)? else { return Ok(()) };
        let staff = m.from == ANONYMOUS_ADMIN || self.rules.team().is_member(m.from as i64);
        if !staff || ticket.status == Status::Closed {
            return Ok(());
        }
        // The copy is looked up when the edit reaches the head of the customer's queue, behind
        // the reply itself: an edit made before the reply went is not lost.
        let call = Call::EditReply {
            source: (m.chat_id, m.message_id),
            chat_id: ticket.customer.id as i64,
            text: history_text(m.kind, m.text.as_deref()),
            text_message: m.kind == super::Kind::Text,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    pub(super) fn button<S: State>(&self, state: &mut S, press: &ButtonPress) -> Result<(), DeskError> {
        if let Some(undo) = super::escalation::parse_undo(&press.data) {
            return self.undo_button_pressed(state, press, undo);
        }
        if let Some((ticket, article)) = super::kb::parse_send(&press.data) {
            return self.send_article_pressed(state, press, ticket, article);
        }
        if let Some(customer) = super::business::parse_drop_held(&press.data) {
            return self.drop_held_pressed(state, press, customer);
        }
        if let Some(ticket) = super::forget::parse_forget(&press.data) {
            return self.forget_pressed(state, press, ticket);
        }
        if let Some(ticket) = super::automation::parse_keep_open(&press.data) {
            return self.keep_open_pressed(state, press, ticket);
        }
        if let Some((ticket, value)) = super::csat::parse_callback(&press.data) {
            return self.csat_pressed(state, press, ticket, value);
        }
        if let Some((kind, channel)) = crate::notify::parse_callback(&press.data) {
            return self.notify_pressed(state, press, kind, channel);
        }
        if press.chat_id > 0 {
            return self.intake_button(state, press);
        }
        let Some((id, wanted)) = parse_press(&press.data) else {
            return self.answer(state, press, Some("This button is no longer valid."));
        };
        let refusal = if !self.groups.is_staff(press.chat_id) {
            Some("This button works only in the staff chat.")
        } else if !self.rules.team().is_member(press.from as i64) {
            Some("Only members of the support team can do this.")
        } else {
            None
        };
        if refusal.is_some() {
            return self.answer(state, press, refusal);
        }
        // A press acts only on the ticket of the message it is on: the ticket's card or a
        // message in its topic. In General only the queue's Claim buttons are the desk's.
        let claim_in_general = press.thread.is_none() && wanted == Press::Action(Action::Claim);
        let ticket = match state.ticket(id)? {
            // A queue's Claim button claims only a ticket of the group whose General it is in.
            Some(ticket)
                if pressed_in_ticket(&ticket, press)
                    || (claim_in_general && self.chat_of(&ticket) == self.groups.current(press.chat_id)) =>
            {
                ticket
            }
            _ => return self.answer(state, press, Some("This button belongs to another ticket.")),
        };
        let agent = press.from;
        let notice = match wanted {
            Press::Action(action) => self.act(state, ticket, agent, action)?,
            Press::Pick => self.assign_picker(state, &ticket)?,
            Press::AssignTo(to) => self.assign_to(state, &ticket, agent, to)?,
            Press::Menu => self.menu(state, &ticket)?,
            Press::Priority(priority) => self.set_priority(state, &ticket, agent, priority.as_str())?,
            Press::Escalate => self.escalate(state, &ticket, agent, "no reason given (from the card)")?,
            Press::History => {
                self.viewed(state, &ticket, agent, Surface::History)?;
                self.timeline(state, &ticket)?;
                "The timeline is below.".to_owned()
            }
            Press::Info => {
                self.viewed(state, &ticket, agent, Surface::Info)?;
                self.repost_card(state, &ticket)?;
                "The card is below.".to_owned()
            }
            Press::Untag(tag) => self.tag(state, &ticket, agent, &tag, false)?,
            Press::Template(id) => self.template_pressed(state, ticket, agent, &id)?,
        };
        self.answer(state, press, Some(&notice))
    }

    /// Posts the card's "More" menu in the topic; returns the notice for the press.
    fn menu<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<String, DeskError> {
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text: format!("{}: more actions", ticket.id),
            reply_to: None,
            buttons: menu_buttons(ticket),
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)?;
        Ok("More actions below.".to_owned())
    }

    /// Answers a press; Telegram takes at most 200 characters of notice, so a longer line
    /// (an escalation naming many supervisors) is cut.
    pub(super) fn answer<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        text: Option<&str>,
    ) -> Result<(), DeskError> {
        let text = text.map(|text| clip(text, NOTICE_LIMIT));
        let call = Call::AnswerButton { callback_id: press.callback_id.clone(), text };
        self.queue(state, None, Lane::Message, call)
    }

    fn command<S: State>(
        &self,
        state: &mut S,
        ticket: Ticket,
        m: &StaffMessage,
        text: &str,
    ) -> Result<(), DeskError> {
        let (word, argument) = text[1..].split_once(char::is_whitespace).unwrap_or((&text[1..], ""));
        let word = word.split_once('@').map_or(word, |(name, _)| name).to_ascii_lowercase();
        let argument = argument.trim();
        let action = match word.as_str() {
            "note" => return self.note(state, ticket, m, argument),
            "info" => {
                self.viewed(state, &ticket, m.from, Surface::Info)?;
                return self.repost_card(state, &ticket);
            }
            "history" => {
                self.viewed(state, &ticket, m.from, Surface::History)?;
                return self.timeline(state, &ticket);
            }
            "move" => return self.move_message(state, &ticket, m, argument),
            "transfer" => return self.transfer_command(state, &ticket, m, argument),
            "kb" => return self.kb_command(state, &ticket, argument),
            "hold" => return self.hold_command(state, &ticket, m, argument != "off"),
            "forget" => return self.forget_command(state, &ticket, m),
            "unhold" => return self.hold_command(state, &ticket, m, false),
            "deescalate" => return self.deescalate_command(state, &ticket, m),
            "t" => return self.template_command(state, ticket, m, argument),
            "template" => return self.template_admin(state, &ticket, m, argument),
            "awaiting" | "wait" => Some(Action::Await),
            other => Action::from_word(other),
        };
        if action.is_none()
            && let Some(outcome) = self.field_command(state, &ticket, m, &word, argument)
        {
            return outcome;
        }
        if let Some(action) = action {
            self.act(state, ticket, m.from, action)?;
            return Ok(());
        }
        if GENERAL_COMMANDS.contains(&word.as_str()) {
            let text = format!("/{word} works in General, not in a ticket's topic.");
            return self.say_in_topic(state, ticket.id, text);
        }
        let text = format!("Unknown command /{word}. In a ticket topic: {COMMANDS}.");
        self.say_in_topic(state, ticket.id, text)
    }

    /// Applies an action for `agent`, confirms it in the topic in one line, tells the
    /// customer when it concerns them, and returns the short notice for a button press.
    pub(super) fn act<S: State>(
        &self,
        state: &mut S,
        mut ticket: Ticket,
        agent: u64,
        action: Action,
    ) -> Result<String, DeskError> {
        let before = ticket.clone();
        let origin = self.agent(agent);
        let changes: Vec<Change> = match action {
            Action::Claim => vec![Change::Assign { to: Some(agent) }, Change::Start],
            Action::Unassign => vec![Change::Assign { to: None }],
            Action::Await => vec![Change::AwaitCustomer],
            Action::Resolve => vec![Change::Resolve],
            Action::Close => vec![Change::Close],
            Action::Reopen => vec![Change::Reopen],
        };
        let mut entries = Vec::new();
        for change in changes {
            match ticket.apply(change, &origin, self.now) {
                Ok(more) => entries.extend(more),
                Err(error) => {
                    let text = capitalised(&error.to_string());
                    self.say_in_topic(state, ticket.id, text.clone())?;
                    return Ok(text);
                }
            }
        }
        let who = agent_name(self.rules, agent);
        let id = ticket.id;
        let line = match action {
            Action::Claim => format!("✓ {who} took {id}."),
            Action::Unassign => format!("✓ {who} unassigned {id}."),
            Action::Await => format!("✓ {id} is awaiting the customer."),
            Action::Resolve => format!("✓ {who} resolved {id}."),
            Action::Close => format!("✓ {who} closed {id}."),
            Action::Reopen => format!("✓ {who} reopened {id}."),
        };
        let to_customer = match action {
            Action::Resolve => Some(format!(
                "Your ticket {id} is resolved. If something is still not right, just reply here."
            )),
            Action::Close => Some(format!("Your ticket {id} is closed. Write /start to open a new one.")),
            Action::Reopen => Some(format!("Your ticket {id} is open again.")),
            Action::Claim | Action::Unassign | Action::Await => None,
        };
        self.commit(state, &before, &ticket, &entries)?;
        self.say_in_topic(state, id, line.clone())?;
        if let Some(text) = to_customer
            && !ticket.unreachable
        {
            self.tell_customer(state, &ticket, text)?;
        }
        if action == Action::Reopen {
            self.reroute(state, &mut ticket, Some(agent))?;
        }
        Ok(line)
    }

    fn note<S: State>(
        &self,
        state: &mut S,
        mut ticket: Ticket,
        m: &StaffMessage,
        text: &str,
    ) -> Result<(), DeskError> {
        if text.is_empty() {
            return self.say_in_topic(
                state,
                ticket.id,
                "Write the note after the command: /note text".to_owned(),
            );
        }
        let before = ticket.clone();
        let entries = ticket
            .apply(Change::Note { text: text.to_owned() }, &self.agent(m.from), self.now)
            .expect("a note is legal in every status");
        self.commit(state, &before, &ticket, &entries)
    }

    fn relay_to_customer<S: State>(
        &self,
        state: &mut S,
        mut ticket: Ticket,
        m: &StaffMessage,
    ) -> Result<(), DeskError> {
        if ticket.status == Status::Closed {
            let text = format!(
                "{} is closed, so the customer will not see this. /reopen it to write to them.",
                ticket.id
            );
            return self.say_in_topic(state, ticket.id, text);
        }
        let before = ticket.clone();
        // A template the agent picked in inline mode: named in history and counted like `/t`.
        let inline_template = match (m.via_bot, m.kind, m.text.as_deref()) {
            (Some(_), Kind::Text, Some(text)) => self.template_sent_inline(state, &ticket, m.from, text)?,
            _ => None,
        };
        let origin = self.agent(m.from);
        let mut entries = Vec::new();
        // An anonymous admin names nobody who could take the ticket.
        if ticket.assignee.is_none()
            && self.rules.desk().auto_assign_on_first_reply
            && m.from != ANONYMOUS_ADMIN
        {
            entries.extend(
                ticket
                    .apply(Change::Assign { to: Some(m.from) }, &origin, self.now)
                    .expect("assigning is always legal"),
            );
        }
        let text = history_text(m.kind, m.text.as_deref());
        entries.extend(
            ticket.apply(Change::AgentReply { text }, &origin, self.now).expect("not closed, checked above"),
        );
        if let Some(template) = &inline_template {
            let used =
                Change::TemplateUsed { template: template.id.clone(), version: template.version.clone() };
            entries
                .extend(ticket.apply(used, &origin, self.now).expect("naming a template is legal when open"));
            state.record_template_use(&TemplateUse {
                template: template.id.clone(),
                version: template.version.clone(),
                agent: m.from,
                ticket: ticket.id.0,
                at: self.now,
            })?;
        }
        let customer_chat = ticket.customer.id as i64;
        let reply_to = match m.reply_to {
            Some(original) => state.counterpart_in((m.chat_id, original), customer_chat)?,
            None => None,
        };
        let report = Some(Report::Relay { chat_id: m.chat_id, message_id: m.message_id });
        // A customer of a business account gets no copies: the reply is sent again, through
        // the account.
        let call = if state.door(ticket.customer.id)?.is_some() {
            Call::Resend {
                to: Target::Chat { chat_id: customer_chat },
                parts: vec![super::business::content(
                    m.kind,
                    m.text.as_deref(),
                    m.file_id.as_deref(),
                    m.single.as_ref(),
                    &m.entities,
                )],
                reply_to,
                album: m.album.clone(),
                report,
            }
        } else {
            Call::Copy {
                from_chat: m.chat_id,
                message_ids: vec![m.message_id],
                to: Target::Chat { chat_id: customer_chat },
                reply_to,
                album: m.album.clone(),
                report,
                text: None,
                media: Vec::new(),
                caption: None,
            }
        };
        self.queue_relay(state, ticket.id, call, m.kind, m.text.as_deref())?;
        self.mark_read_on_reply(state, ticket.customer.id)?;
        let said = history_text(m.kind, m.text.as_deref());
        let message = crate::script::MessageView { text: said, from_customer: false, sentiment: None };
        entries.extend(self.on_message(state, &mut ticket, &message)?);
        if ticket.unreachable {
            self.say_in_topic(
                state,
                ticket.id,
                "⚠ The customer blocked the bot: this may not reach them.".to_owned(),
            )?;
        }
        self.commit(state, &before, &ticket, &entries)?;
        if super::escalation::escalates(&entries) {
            self.reroute(state, &mut ticket, Some(m.from))?;
        }
        Ok(())
    }

    /// Posts the card again at the bottom of the topic; the new copy is the one kept current.
    pub(super) fn repost_card<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<(), DeskError> {
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text: card_text(ticket, self.rules),
            reply_to: None,
            buttons: card_buttons(ticket, self.inline),
            report: Some(Report::Card {
                ticket: ticket.id,
                version: card_version(ticket, self.rules, self.inline),
            }),
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// Records in the audit log that `who` was shown `ticket` on `surface`.
    fn viewed<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        who: UserId,
        surface: Surface,
    ) -> Result<(), DeskError> {
        let action = audit::Action::Viewed { ticket: ticket.id, surface };
        let entry = AuditEntry { at: self.now, actor: audit::Actor::Telegram { user: who }, action };
        Ok(state.record_audit(&entry)?)
    }

    /// The last entries of the ticket's history, one line each.
    fn timeline<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<(), DeskError> {
        const SHOWN: usize = 20;
        let history = state.history(ticket.id)?;
        let mut text = format!("{} history ({} entries):", ticket.id, history.len());
        for entry in history.iter().skip(history.len().saturating_sub(SHOWN)) {
            let who = match entry.actor {
                crate::history::Actor::Agent(id) => agent_name(self.rules, id),
                crate::history::Actor::Customer(_) => "customer".to_owned(),
                crate::history::Actor::System => "desk".to_owned(),
            };
            let _ = write!(text, "\n{} {who}: {}", entry.at.strftime("%m-%d %H:%M"), entry.kind);
        }
        self.say_in_topic(state, ticket.id, text)
    }

    /// The ticket whose topic a staff-chat message was written in.
    pub(super) fn ticket_of_topic<S: State>(
        &self,
        state: &S,
        chat_id: i64,
        thread: Option<i32>,
    ) -> Result<Option<Ticket>, DeskError> {
        let (true, Some(thread_id)) = (self.groups.is_staff(chat_id), thread) else { return Ok(None) };
        match state.ticket_by_topic(Topic { chat_id, thread_id })? {
            Some(id) => Ok(state.ticket(id)?),
            None => Ok(None),
        }
    }
}

/// Whether the text is `/note ...` (or `/note@bot ...`).
fn is_note(text: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or_default();
    word.split('@').next().is_some_and(|command| command.eq_ignore_ascii_case("/note"))
}

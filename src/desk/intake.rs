//! The desk's side of intake: it feeds the customer's messages and button presses to the
//! intake machine, keeps the session in the store, turns the machine's replies into
//! queued calls, and opens the ticket when the form is submitted.

use jiff::Timestamp;

use super::event::{ButtonPress, CustomerMessage, Kind, history_text};
use super::{Desk, DeskError, State};
use crate::intake::{self, Attachment, AttachmentKind, Input, Outcome, Reply, Session};
use crate::outbox::{Button, Call, FileKind, Lane, Report, Target};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Customer, Status, Ticket, TicketId};

/// Where a press came from, so replies can touch the pressed message.
struct Pressed<'p> {
    callback_id: &'p str,
    message_id: Option<i32>,
}

/// The desk timer at which the next idle intake session expires.
const INTAKE_EXPIRY: Timer = Timer::Desk(DeskTimer::IntakeExpiry);

impl Desk<'_> {
    /// Makes sure the intake sweep falls due no later than `at`.
    fn intake_expiry_at<S: State>(state: &mut S, at: Timestamp) -> Result<(), DeskError> {
        let current = state.deadline_of(INTAKE_EXPIRY)?;
        if current.is_none_or(|current| at < current) {
            state.set_deadline(Deadline { due: at, timer: INTAKE_EXPIRY })?;
        }
        Ok(())
    }

    /// The intake sweep fell due: a session idle past its expiry ends now, with its polite
    /// message, rather than when the customer next writes; the sweep is set for the next.
    pub(super) fn expire_sessions<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        state.clear_deadline(INTAKE_EXPIRY)?;
        let expiry = intake::Rules::of(self.rules).session_expiry;
        for (customer, json) in state.sessions_json()? {
            let Ok(session) = serde_json::from_value::<Session>(json) else { continue };
            let at = session.expires_at(expiry);
            if at > self.now {
                Self::intake_expiry_at(state, at)?;
                continue;
            }
            // The session keeps its language; the machine ends it as if the customer wrote.
            let who = Customer { id: customer, name: String::new(), username: None, language: None };
            let current = Self::current_ticket(state, customer)?;
            let _ = self.intake_step(state, &who, Input::Tick, current.as_ref(), None, 0)?;
        }
        Ok(())
    }

    pub(super) fn intake_message<S: State>(
        &self,
        state: &mut S,
        m: &CustomerMessage,
        current: Option<&Ticket>,
        entities: &[serde_json::Value],
    ) -> Result<(), DeskError> {
        let input = match (m.kind, m.text.as_deref(), m.file_id.as_deref()) {
            (Kind::Text, Some(text), _) => Input::from_text(text),
            (Kind::Photo, _, Some(file_id)) => {
                Input::Attachment(Attachment { file_id: file_id.to_owned(), kind: AttachmentKind::Photo })
            }
            (Kind::Document, _, Some(file_id)) => {
                Input::Attachment(Attachment { file_id: file_id.to_owned(), kind: AttachmentKind::Document })
            }
            (kind, text, _) => Input::Text(history_text(kind, text)),
        };
        let entropy = entropy(m.customer.id, m.message_id, self.now);
        let added_to = self.intake_step(state, &m.customer, input, current, None, entropy)?;
        // A message that answered "add to your open ticket?" goes to that ticket.
        if let Some(ticket) = current.filter(|ticket| Some(ticket.id) == added_to) {
            self.relay_from_customer(state, ticket.clone(), m, entities)?;
        }
        Ok(())
    }

    /// A press in a private chat: only the intake dialogue puts buttons there.
    pub(super) fn intake_button<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
    ) -> Result<(), DeskError> {
        let customer = Customer {
            id: press.from,
            name: press.from_name.clone(),
            username: press.from_username.clone(),
            language: press.language.clone(),
        };
        let current = Self::current_ticket(state, press.from)?;
        let pressed = Pressed { callback_id: &press.callback_id, message_id: press.message_id };
        let entropy = entropy(press.from, press.message_id.unwrap_or(0), self.now);
        let input = Input::Button(press.data.clone());
        // "Add to T-…" pressed: the customer's next messages go there, nothing to relay now.
        let _ = self.intake_step(state, &customer, input, current.as_ref(), Some(&pressed), entropy)?;
        Ok(())
    }

    /// The intake's rules for the customer's dialogue: the rule set it started under while
    /// that set is still known, with the forms of the business account they write through.
    fn intake_rules<S: State>(
        &self,
        state: &S,
        session: Option<&Session>,
        customer: u64,
    ) -> Result<intake::Rules<'_>, DeskError> {
        let started_under = session.map(|s| s.rules_version().to_owned());
        let rule_set = started_under
            .and_then(|version| self.earlier.iter().find(|set| set.version().short() == version))
            .map_or(self.rules, AsRef::as_ref);
        let mut rules = intake::Rules::of(rule_set);
        // The account's forms replace the desk's, in the account's order: a form only its
        // customers are offered need not be among `intake.forms`.
        if let Some(forms) = Self::account_forms(state, rule_set, customer)? {
            rules.forms = forms.iter().filter_map(|id| rule_set.form(&id.value)).collect();
        }
        Ok(rules)
    }

    /// The forms desk.yaml's `business` entry offers the customers of the account the
    /// customer writes through, when it names any (`None`: the desk's own).
    fn account_forms<'r, S: State>(
        state: &S,
        rule_set: &'r crate::rules::RuleSet,
        customer: u64,
    ) -> Result<Option<&'r [crate::rules::Located<String>]>, DeskError> {
        let Some(door) = state.door(customer)? else { return Ok(None) };
        let Some(connection) = state.business_connections()?.into_iter().find(|c| c.id == door) else {
            return Ok(None);
        };
        let account =
            rule_set.desk().business_account(connection.owner, connection.owner_username.as_deref());
        Ok(account.map(|account| account.forms.as_slice()).filter(|forms| !forms.is_empty()))
    }

    /// Feeds one input to the customer's dialogue and carries out its replies; returns the
    /// open ticket the customer chose to add to, if they did.
    fn intake_step<S: State>(
        &self,
        state: &mut S,
        customer: &Customer,
        input: Input,
        current: Option<&Ticket>,
        pressed: Option<&Pressed<'_>>,
        entropy: u64,
    ) -> Result<Option<TicketId>, DeskError> {
        // A session this build cannot read starts afresh; the machine says so politely.
        let session: Option<Session> =
            state.session_json(customer.id)?.and_then(|json| serde_json::from_value(json).ok());
        let open_ticket = current.filter(|t| t.status != Status::Closed).map(|t| t.id);
        let event = intake::Event {
            input,
            now: self.now,
            language: customer.language.as_deref(),
            open_ticket,
            entropy,
        };
        let rules = self.intake_rules(state, session.as_ref(), customer.id)?;
        let transition = intake::step(&rules, session, &event);
        match &transition.session {
            Some(session) => {
                let json = serde_json::to_value(session).expect("sessions are plain data");
                state.put_session_json(customer.id, &json)?;
                Self::intake_expiry_at(state, session.expires_at(rules.session_expiry))?;
            }
            None => {
                state.delete_session(customer.id)?;
            }
        }
        let chat_id = customer.id as i64;
        let live_prompt = match pressed.and_then(|p| p.message_id) {
            Some(id) => Some(id),
            None => state.prompt(customer.id)?,
        };
        let mut answered_press = false;
        for reply in &transition.replies {
            let call = match reply {
                Reply::Message { text, keyboard } => {
                    let buttons = buttons(keyboard);
                    let report = (!buttons.is_empty()).then_some(Report::Prompt { customer: customer.id });
                    Call::SendText {
                        to: Target::Chat { chat_id },
                        text: text.clone(),
                        reply_to: None,
                        buttons,
                        report,
                    }
                }
                Reply::EditButtons(keyboard) => {
                    let Some(message_id) = live_prompt else { continue };
                    Call::SetButtons { chat_id, message_id, buttons: buttons(keyboard) }
                }
                Reply::RemoveButtons => {
                    let Some(message_id) = live_prompt else { continue };
                    state.set_prompt(customer.id, None)?;
                    Call::SetButtons { chat_id, message_id, buttons: Vec::new() }
                }
                Reply::RemovePressedButtons => {
                    let Some(message_id) = pressed.and_then(|p| p.message_id) else { continue };
                    Call::SetButtons { chat_id, message_id, buttons: Vec::new() }
                }
                Reply::Notice(text) => {
                    let Some(pressed) = pressed else { continue };
                    answered_press = true;
                    Call::AnswerButton {
                        callback_id: pressed.callback_id.to_owned(),
                        text: Some(text.clone()),
                    }
                }
            };
            self.queue(state, None, Lane::Message, call)?;
        }
        if let Some(pressed) = pressed.filter(|_| !answered_press) {
            // Every press is answered, or the customer's button keeps spinning.
            let call = Call::AnswerButton { callback_id: pressed.callback_id.to_owned(), text: None };
            self.queue(state, None, Lane::Message, call)?;
        }
        if transition.session.is_none() {
            state.set_prompt(customer.id, None)?;
        }
        if let Some(Outcome::Deflected(deflection)) = &transition.outcome {
            self.keep_question(state, &deflection.asked_by(customer.id))?;
        }
        if let Some(Outcome::AddToTicket(ticket)) = transition.outcome {
            return Ok(Some(ticket));
        }
        if let Some(Outcome::Submitted(submission)) = transition.outcome {
            let ticket =
                self.open_ticket(state, customer, &submission.form_id, submission.answers.clone())?;
            for attachment in &submission.attachments {
                let kind = match attachment.kind {
                    AttachmentKind::Photo => FileKind::Photo,
                    AttachmentKind::Document => FileKind::Document,
                };
                let call = Call::SendFile {
                    to: Target::Topic { ticket: ticket.id },
                    file_id: attachment.file_id.clone(),
                    kind,
                };
                self.queue(state, Some(ticket.id), Lane::Message, call)?;
            }
            self.tell_customer(state, &ticket, submission.confirmation(ticket.id))?;
        }
        Ok(None)
    }
}

fn buttons(keyboard: &intake::Keyboard) -> Vec<Vec<Button>> {
    keyboard
        .rows
        .iter()
        .filter(|row| !row.is_empty())
        .map(|row| row.iter().map(|b| Button::new(b.label.clone(), b.callback_data.clone())).collect())
        .collect()
}

/// Per-event randomness for new session nonces, derived from the event so the desk stays
/// a deterministic function of its inputs.
fn entropy(customer: u64, message_id: i32, now: jiff::Timestamp) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&customer.to_le_bytes());
    hasher.update(&message_id.to_le_bytes());
    hasher.update(&now.as_nanosecond().to_le_bytes());
    u64::from_le_bytes(hasher.finalize().as_bytes()[..8].try_into().expect("a hash has 32 bytes"))
}

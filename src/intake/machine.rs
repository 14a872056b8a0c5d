//! The intake state machine: `(rules, session, event) -> (session, replies, outcome)`.
//!
//! [`step`] is the only entry point. It never reads the clock, the disk or Telegram: time,
//! the customer's language, their open ticket and fresh randomness for a new session's nonce
//! all arrive in the [`Event`]. One input is handled in three stages: end a session that
//! expired (or was written by another build), resolve the session's form against the rule set
//! the caller passed, then dispatch on the input and the step. Wrong answers, refused commands
//! and stale buttons are replies; the session is never left half-changed.

use std::sync::Arc;

use jiff::Timestamp;

use super::callback::{Action, Press};
use super::catalogue::Catalogue;
use super::flow;
use super::input::{Command, Input};
use super::render::View;
use super::reply::{Outcome, Reply, Transition};
use super::session::{SESSION_VERSION, Session, Step};
use crate::duration::Span;
use crate::kb::KnowledgeBase;
use crate::rules::{Form, RuleSet};
use crate::script::Scripts;
use crate::ticket::TicketId;

/// One rule set as intake sees it. A session continues under the rule set it started with
/// ([`Session::rules_version`]); the host passes the current one for new sessions, or when
/// the old one is gone (answers are then matched to the new form by field id).
#[derive(Clone, Debug)]
pub struct Rules<'a> {
    /// Short content hash, recorded on new sessions.
    pub version: String,
    /// The forms `/start` offers, in menu order; a session's form is looked up here by id.
    pub forms: Vec<Arc<Form>>,
    /// The same rule set's scripts, for the forms' `validate:` hooks.
    pub scripts: &'a Scripts,
    /// How long a session may stay idle (desk.yaml `intake.session_expiry`, default 24h).
    pub session_expiry: Span,
    /// The same rule set's articles, suggested after a form's `suggest_kb_after` field.
    pub knowledge_base: &'a KnowledgeBase,
}

/// One input with everything the machine needs to know about the world.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// What the customer did (or [`Input::Tick`]).
    pub input: Input,
    /// The time of the event: expiry is measured with it, never with the clock.
    pub now: Timestamp,
    /// The customer's Telegram `language_code`, which picks the message catalogue.
    pub language: Option<&'a str>,
    /// The customer's open ticket, if any: `/start` then asks whether to add to it.
    pub open_ticket: Option<TicketId>,
    /// Fresh randomness from the host: the nonce of a session that starts on this event.
    pub entropy: u64,
}

impl<'a> Rules<'a> {
    /// The intake view of a loaded rule set.
    pub fn of(rule_set: &'a RuleSet) -> Rules<'a> {
        Rules {
            version: rule_set.version().short(),
            forms: rule_set.intake_forms(),
            scripts: rule_set.scripts(),
            session_expiry: rule_set.desk().intake_session_expiry,
            knowledge_base: rule_set.knowledge_base(),
        }
    }

    pub(super) fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|form| form.id == id).map(AsRef::as_ref)
    }
}

/// Handles one input. `session` is what the store holds for this customer (if anything).
pub fn step(rules: &Rules<'_>, session: Option<Session>, event: &Event<'_>) -> Transition {
    let language = event.language.or(session.as_ref().map(|session| session.language.as_str()));
    let mut machine = Machine {
        rules,
        event,
        catalogue: Catalogue::for_language(language),
        replies: Vec::new(),
        outcome: None,
        prompt_has_buttons: false,
    };
    let session = match session {
        Some(session) => machine.with_session(session),
        None => machine.without_session(),
    };
    Transition { session, replies: machine.replies, outcome: machine.outcome }
}

pub(super) struct Machine<'m> {
    pub(super) rules: &'m Rules<'m>,
    pub(super) event: &'m Event<'m>,
    pub(super) catalogue: &'static Catalogue,
    pub(super) replies: Vec<Reply>,
    pub(super) outcome: Option<Outcome>,
    /// Whether the current prompt still shows buttons that a new prompt must remove.
    prompt_has_buttons: bool,
}

impl<'m> Machine<'m> {
    fn with_session(&mut self, mut session: Session) -> Option<Session> {
        let form = session.form_id.as_deref().and_then(|id| self.rules.form(id));
        self.prompt_has_buttons = !self.view(form).keyboard(&session).is_empty();
        let ended = if session.version != SESSION_VERSION {
            Some(self.catalogue.session_reset.to_owned())
        } else if session.is_expired(self.event.now, self.rules.session_expiry) {
            self.outcome = Some(Outcome::Expired);
            let span = self.catalogue.duration(self.rules.session_expiry);
            Some(self.catalogue.fill(self.catalogue.expired, &[("span", &span)]))
        } else if session.form_id.is_some() && form.is_none() {
            Some(self.catalogue.form_gone.to_owned())
        } else {
            None
        };
        if let Some(message) = ended {
            return self.end_and_maybe_restart(message);
        }
        if self.event.input == Input::Tick {
            return Some(session);
        }
        if self.event.language.is_some() {
            self.catalogue.code.clone_into(&mut session.language);
        }
        if let Some(form) = form {
            Machine::realign(&mut session, form);
        }
        let before = session.clone();
        session.last_activity = self.event.now;
        match &self.event.input {
            // Words (or a file) written at the open-ticket question are for that ticket.
            Input::Text(_) | Input::Attachment(_) if matches!(session.step, Step::OpenTicket { .. }) => {
                self.add_to_ticket(&session)
            }
            Input::Button(data) => self.press(session, before, form, data),
            Input::Command(command) => self.command(session, form, command),
            Input::Text(text) => self.text(session, form, text),
            Input::Attachment(file) => self.attachment(session, form, file.clone()),
            Input::Tick => Some(before),
        }
    }

    /// Ends the open-ticket question in favour of the open ticket, as its "Add" button does:
    /// the host relays the message that answered it to the ticket.
    fn add_to_ticket(&mut self, session: &Session) -> Option<Session> {
        let Step::OpenTicket { ticket, .. } = session.step else { return Some(session.clone()) };
        self.clear_prompt();
        self.say(self.catalogue.fill(self.catalogue.added_to_ticket, &[("ticket", &ticket.to_string())]));
        self.outcome = Some(Outcome::AddToTicket(ticket));
        None
    }

    /// The session ended without the customer's doing: say why; a `/start` begins anew.
    fn end_and_maybe_restart(&mut self, message: String) -> Option<Session> {
        if matches!(self.event.input, Input::Button(_)) {
            self.replies.push(Reply::Notice(self.catalogue.ended_button.to_owned()));
            self.replies.push(Reply::RemovePressedButtons);
        }
        self.clear_prompt();
        self.say(message);
        match &self.event.input {
            Input::Command(Command::Start(_)) => self.without_session(),
            _ => None,
        }
    }

    fn without_session(&mut self) -> Option<Session> {
        let c = self.catalogue;
        match &self.event.input {
            Input::Tick => None,
            Input::Button(_) => {
                self.replies.push(Reply::Notice(c.ended_button.to_owned()));
                self.replies.push(Reply::RemovePressedButtons);
                None
            }
            Input::Command(Command::Start(hint)) => self.begin(hint.as_deref()),
            Input::Text(_) | Input::Attachment(_) => self.begin(None),
            Input::Command(Command::Cancel) => self.say_then(c.nothing_to_cancel, None),
            Input::Command(Command::Back | Command::Skip | Command::Edit) => self.say_then(c.no_form, None),
            Input::Command(Command::Help) => self.say_then(c.help_idle, None),
            Input::Command(Command::Unknown(name)) => {
                let unknown = c.fill(c.unknown_command, &[("command", name)]);
                self.say(format!("{unknown}\n{}", c.help_idle));
                None
            }
        }
    }

    /// A new session: the open-ticket question, the form named by a deep link, or the menu.
    fn begin(&mut self, hint: Option<&str>) -> Option<Session> {
        let mut session =
            Session::new(self.event.entropy, &self.rules.version, self.catalogue.code, self.event.now);
        if let Some(ticket) = self.event.open_ticket {
            session.step = Step::OpenTicket { ticket, form: hint.map(str::to_owned) };
            return Some(self.ask(session, None, Vec::new()));
        }
        self.choose_form(session, hint, Vec::new())
    }

    pub(super) fn choose_form(
        &mut self,
        mut session: Session,
        hint: Option<&str>,
        mut prefix: Vec<String>,
    ) -> Option<Session> {
        let rules: &'m Rules<'m> = self.rules;
        if let Some(id) = hint {
            if let Some(form) = rules.form(id) {
                return Some(self.open(session, form, prefix));
            }
            prefix.push(self.catalogue.fill(self.catalogue.unknown_form, &[("form", id)]));
        }
        match rules.forms.as_slice() {
            [] => {
                prefix.push(self.catalogue.unavailable.to_owned());
                self.say(prefix.join("\n\n"));
                None
            }
            [only] => Some(self.open(session, only, prefix)),
            many => {
                session.step = Step::Menu { forms: many.iter().map(|form| form.id.clone()).collect() };
                Some(self.ask(session, None, prefix))
            }
        }
    }

    /// Starts `form` from its first applicable question, introduced by its title.
    pub(super) fn open(&mut self, mut session: Session, form: &Form, mut prefix: Vec<String>) -> Session {
        session.form_id = Some(form.id.clone());
        session.answers.clear();
        session.notes.clear();
        match &form.description {
            Some(description) => prefix.push(format!("{}\n{description}", form.title)),
            None => prefix.push(form.title.clone()),
        }
        self.advance(session, form, prefix)
    }

    /// Re-checks the session against its form (a reload may have changed it under a resumed
    /// session); when the question it was on is no longer the next one, moves on and
    /// invalidates the old buttons.
    fn realign(session: &mut Session, form: &Form) {
        let next = flow::settle(form, &mut session.answers);
        let aligned = match (&session.step, next) {
            (Step::Field { id, .. }, Some(index)) => *id == form.fields[index].id,
            (Step::Summary, None)
            | (Step::EditMenu | Step::OpenTicket { .. } | Step::Menu { .. } | Step::Articles { .. }, _) => {
                true
            }
            (Step::Field { .. }, None) | (Step::Summary, Some(_)) => false,
        };
        if !aligned {
            session.step = next_step(form, next);
            session.prompt_seq = session.prompt_seq.wrapping_add(1);
        }
    }

    /// A button press: accepted only when it is one of the current prompt's own buttons.
    fn press(
        &mut self,
        session: Session,
        before: Session,
        form: Option<&'m Form>,
        data: &str,
    ) -> Option<Session> {
        let c = self.catalogue;
        let Some(press) = Press::parse(data) else {
            tracing::warn!(data, "refused a button press this build never made");
            self.replies.push(Reply::Notice(c.invalid_button.to_owned()));
            return Some(before);
        };
        let refusal = if press.nonce != session.nonce {
            Some(c.old_form_button)
        } else if press.seq < session.prompt_seq {
            Some(c.stale_button)
        } else {
            None
        };
        if let Some(notice) = refusal {
            self.replies.push(Reply::Notice(notice.to_owned()));
            self.replies.push(Reply::RemovePressedButtons);
            return Some(before);
        }
        if press.seq != session.prompt_seq || !self.view(form).keyboard(&session).offers(data) {
            tracing::warn!(data, "refused a button press the current prompt does not offer");
            self.replies.push(Reply::Notice(c.invalid_button.to_owned()));
            return Some(before);
        }
        self.act(session, form, press.action)
    }

    fn act(&mut self, session: Session, form: Option<&'m Form>, action: Action) -> Option<Session> {
        let rules: &'m Rules<'m> = self.rules;
        match (&session.step, form, action) {
            (Step::OpenTicket { ticket, .. }, _, Action::AddToTicket) => {
                let ticket = *ticket;
                self.clear_prompt();
                self.say(
                    self.catalogue.fill(self.catalogue.added_to_ticket, &[("ticket", &ticket.to_string())]),
                );
                self.outcome = Some(Outcome::AddToTicket(ticket));
                None
            }
            (Step::OpenTicket { form: hint, .. }, _, Action::NewTicket) => {
                let hint = hint.clone();
                self.choose_form(session, hint.as_deref(), Vec::new())
            }
            (Step::Menu { forms }, _, Action::Form(index)) => {
                match forms.get(usize::from(index)).and_then(|id| rules.form(id)) {
                    Some(form) => Some(self.open(session, form, Vec::new())),
                    None => self.choose_form(session, None, Vec::new()),
                }
            }
            (Step::Field { .. }, Some(form), _) => self.field_action(session, form, action),
            (Step::Summary, Some(form), Action::Submit) => self.submit(session, form),
            (Step::Summary, Some(form), Action::Edit) => self.edit_menu(session, form),
            (Step::EditMenu, Some(form), Action::EditField(index)) => {
                Some(self.edit_field(session, form, usize::from(index)))
            }
            (Step::EditMenu, Some(form), Action::Back) => Some(self.advance(session, form, Vec::new())),
            (Step::Articles { .. }, Some(form), action) => self.article_action(session, form, action),
            // The keyboard check admits only the actions above; keep the session as it is.
            _ => Some(session),
        }
    }

    /// Sends the current step's prompt as a new message (removing the old prompt's buttons),
    /// with `prefix` paragraphs above it.
    pub(super) fn ask(&mut self, mut session: Session, form: Option<&Form>, prefix: Vec<String>) -> Session {
        self.clear_prompt();
        session.prompt_seq = session.prompt_seq.wrapping_add(1);
        let view = self.view(form);
        let mut paragraphs = prefix;
        paragraphs.push(view.text(&session));
        let keyboard = view.keyboard(&session);
        self.prompt_has_buttons = !keyboard.is_empty();
        let text = paragraphs.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n");
        self.replies.push(Reply::Message { text, keyboard });
        session
    }

    /// Moves to the next question (or the summary) and asks it.
    pub(super) fn advance(&mut self, mut session: Session, form: &Form, prefix: Vec<String>) -> Session {
        let next = flow::settle(form, &mut session.answers);
        session.step = next_step(form, next);
        self.ask(session, Some(form), prefix)
    }

    /// Removes the current prompt's buttons, once.
    pub(super) fn clear_prompt(&mut self) {
        if self.prompt_has_buttons {
            self.replies.push(Reply::RemoveButtons);
            self.prompt_has_buttons = false;
        }
    }

    /// A message without buttons; the current prompt stays current.
    pub(super) fn say(&mut self, text: String) {
        self.replies.push(Reply::Message { text, keyboard: super::Keyboard::default() });
    }

    pub(super) fn say_then(&mut self, text: &str, session: Option<Session>) -> Option<Session> {
        self.say(text.to_owned());
        session
    }

    pub(super) fn view<'v>(&self, form: Option<&'v Form>) -> View<'v>
    where
        'm: 'v,
    {
        View {
            form,
            offered: &self.rules.forms,
            catalogue: self.catalogue,
            knowledge_base: self.rules.knowledge_base,
        }
    }
}

/// The step for `settle`'s answer: that field, in order, or the summary.
pub(super) fn next_step(form: &Form, next: Option<usize>) -> Step {
    match next {
        Some(index) => Step::Field {
            id: form.fields[index].id.clone(),
            mode: super::session::Mode::Fill,
            draft: None,
            previous: None,
        },
        None => Step::Summary,
    }
}

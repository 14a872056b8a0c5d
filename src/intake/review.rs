//! Moving around a form: `/back`, the edit menu, and Submit with the form's `validate:` hook.
//!
//! All of them work by taking entries out of the answers and letting the next question be
//! recomputed. Coming back to a field keeps its old entry in the step (`previous`), shown as
//! the current answer and put back if the customer leaves without answering, so going back
//! twice and answering the first question again does not lose the second answer.

use super::flow;
use super::machine::{Machine, next_step};
use super::reply::{Outcome, Submission};
use super::session::{Given, Mode, Session, Step, Value};
use crate::rules::{FieldKind, Form};

impl Machine<'_> {
    /// `/back` or the Back button.
    pub(super) fn back(&mut self, mut session: Session, form: Option<&Form>) -> Option<Session> {
        let c = self.catalogue;
        let Some(form) = form else { return self.say_then(c.first_question, Some(session)) };
        let current = match &session.step {
            Step::Field { mode: Mode::Edit, .. } | Step::EditMenu => {
                restore_previous(&mut session);
                return Some(self.advance(session, form, Vec::new()));
            }
            Step::Field { id, .. } => form.fields.iter().position(|field| &field.id == id),
            Step::Summary => Some(form.fields.len()),
            // Back from the articles is the question they answer.
            Step::Articles { .. } => form
                .suggest_kb_after
                .as_ref()
                .and_then(|id| form.fields.iter().position(|field| &field.id == id))
                .map(|index| index + 1),
            Step::OpenTicket { .. } | Step::Menu { .. } => None,
        };
        let Some(target) = current.and_then(|current| flow::previous(form, &session.answers, current)) else {
            return self.say_then(c.first_question, Some(session));
        };
        restore_previous(&mut session);
        Some(self.reopen(session, form, target, Mode::Fill))
    }

    /// The edit menu: every answered question, from the summary or from `/edit` mid-form.
    pub(super) fn edit_menu(&mut self, mut session: Session, form: &Form) -> Option<Session> {
        let mut leaving = session.clone();
        restore_previous(&mut leaving);
        if flow::entries(form, &leaving.answers).is_empty() {
            return self.say_then(self.catalogue.nothing_to_edit, Some(session));
        }
        session = leaving;
        session.step = Step::EditMenu;
        Some(self.ask(session, Some(form), Vec::new()))
    }

    /// Asks the field at `index` again, from the edit menu.
    pub(super) fn edit_field(&mut self, session: Session, form: &Form, index: usize) -> Session {
        self.reopen(session, form, index, Mode::Edit)
    }

    /// Submit: the `validate:` hook may send the customer back to fields with messages;
    /// otherwise the form is done.
    pub(super) fn submit(&mut self, mut session: Session, form: &Form) -> Option<Session> {
        if let Some(function) = &form.validate {
            let verdict = self.rules.scripts.validate_form(function, &flow::script_answers(&session.answers));
            let mut sent_back = false;
            for (id, message) in verdict.value {
                if session.answers.remove(&id).is_some() {
                    session.notes.insert(id, message);
                    sent_back = true;
                } else {
                    tracing::warn!(form = %form.id, field = %id, "{function}() named a field without an answer");
                }
            }
            // A hook that only names unknown fields must not trap the customer: accept.
            if sent_back {
                return Some(self.advance(session, form, Vec::new()));
            }
        }
        self.clear_prompt();
        let answers = form
            .fields
            .iter()
            .filter_map(|field| match session.answers.get(&field.id) {
                Some(Given::Answer(value)) => Some((field.id.clone(), value.to_answer())),
                _ => None,
            })
            .collect();
        self.outcome = Some(Outcome::Submitted(Submission {
            form_id: form.id.clone(),
            answers,
            attachments: flow::attachments(form, &session.answers),
            rules_version: session.rules_version.clone(),
            catalogue: self.catalogue,
        }));
        None
    }

    /// Takes the entry of the field at `index` out of the answers (kept as `previous`) and
    /// asks the field.
    fn reopen(&mut self, mut session: Session, form: &Form, index: usize, mode: Mode) -> Session {
        let Some(field) = form.fields.get(index) else { return session };
        let previous = session.answers.remove(&field.id);
        // A multi-choice question comes back with its ticks in place.
        let draft = match (&field.kind, &previous) {
            (FieldKind::MultiChoice { .. }, Some(Given::Answer(Value::Choices(values)))) => {
                Some(Value::Choices(values.clone()))
            }
            _ => None,
        };
        session.step = Step::Field { id: field.id.clone(), mode, draft, previous };
        // Only entries before the next question are offered, so this field is now the next one.
        let next = flow::settle(form, &mut session.answers);
        debug_assert_eq!(next, Some(index), "a reopened field is the next question");
        if next != Some(index) {
            session.step = next_step(form, next);
        }
        self.ask(session, Some(form), Vec::new())
    }
}

/// Leaving a field without answering puts its old entry back.
fn restore_previous(session: &mut Session) {
    if let Step::Field { id, previous, .. } = &mut session.step
        && let Some(given) = previous.take()
    {
        session.answers.insert(id.clone(), given);
    }
}

//! Answering the current question: buttons, typed answers, files and `/skip`.
//!
//! An accepted answer becomes the field's entry and the machine advances to whatever
//! [`flow::settle`](super::flow::settle) says is next. A refused one re-asks the question with
//! the refusal's message on top. Multi-choice ticks and files collect in the step's draft until
//! Done (or, for files, until `max_count` arrived).

use jiff::tz::TimeZone;

use super::answer::{self, Refusal, in_form_order};
use super::callback::Action;
use super::input::Attachment;
use super::machine::Machine;
use super::reply::Reply;
use super::session::{Given, Session, Step, Value};
use crate::rules::{Field, FieldKind, Form};

impl Machine<'_> {
    /// A press on one of the current field's own buttons.
    pub(super) fn field_action(
        &mut self,
        mut session: Session,
        form: &Form,
        action: Action,
    ) -> Option<Session> {
        let Some(field) = current_field(&session, form) else { return Some(session) };
        match (&field.kind, action) {
            (FieldKind::Choice { choices, .. }, Action::Option(index)) => {
                match choices.get(usize::from(index)) {
                    Some(choice) => Some(self.accept(
                        session,
                        form,
                        field,
                        Given::Answer(Value::Choice(choice.value.clone())),
                    )),
                    None => Some(session),
                }
            }
            (FieldKind::MultiChoice { choices, .. }, Action::Option(index)) => {
                let Some(choice) = choices.get(usize::from(index)) else { return Some(session) };
                if let Step::Field { draft, .. } = &mut session.step {
                    let mut picked = match draft.take() {
                        Some(Value::Choices(values)) => values,
                        _ => Vec::new(),
                    };
                    if let Some(at) = picked.iter().position(|value| *value == choice.value) {
                        picked.remove(at);
                    } else {
                        picked.push(choice.value.clone());
                    }
                    *draft = Some(Value::Choices(in_form_order(choices, &picked)));
                }
                // Same prompt, new ticks: the buttons keep their data, so no new prompt number.
                let keyboard = self.view(Some(form)).keyboard(&session);
                self.replies.push(Reply::EditButtons(keyboard));
                Some(session)
            }
            (FieldKind::MultiChoice { .. } | FieldKind::Attachment { .. }, Action::Done) => {
                let draft = match &session.step {
                    Step::Field { draft, .. } => draft.clone(),
                    _ => None,
                };
                match draft {
                    Some(Value::Choices(values)) if !values.is_empty() => {
                        Some(self.accept(session, form, field, Given::Answer(Value::Choices(values))))
                    }
                    Some(Value::Files(files)) if !files.is_empty() => {
                        Some(self.accept(session, form, field, Given::Answer(Value::Files(files))))
                    }
                    _ if !field.required => Some(self.accept(session, form, field, Given::Skipped)),
                    _ => {
                        let c = self.catalogue;
                        let message = if matches!(field.kind, FieldKind::MultiChoice { .. }) {
                            c.multi_none
                        } else {
                            c.files_none
                        };
                        self.replies.push(Reply::Notice(message.to_owned()));
                        Some(session)
                    }
                }
            }
            (FieldKind::YesNo, Action::Yes | Action::No) => {
                Some(self.accept(session, form, field, Given::Answer(Value::Bool(action == Action::Yes))))
            }
            (_, Action::Skip) => self.skip(session, Some(form)),
            (_, Action::Back) => self.back(session, Some(form)),
            _ => Some(session),
        }
    }

    /// A typed answer to the current field.
    pub(super) fn typed_answer(&mut self, session: Session, form: &Form, text: &str) -> Session {
        let Some(field) = current_field(&session, form) else { return session };
        let today = self.event.now.to_zoned_datetime(TimeZone::UTC).date();
        match answer::parse(field, text, today) {
            Ok(value) => self.accept(session, form, field, Given::Answer(value)),
            Err(refusal) => self.refuse(session, form, field, &refusal),
        }
    }

    /// A photo or document.
    pub(super) fn attachment(
        &mut self,
        mut session: Session,
        form: Option<&Form>,
        file: Attachment,
    ) -> Option<Session> {
        let Some(form) = form else { return self.say_then(self.catalogue.use_buttons, Some(session)) };
        let Some(field) = current_field(&session, form) else {
            let message = match session.step {
                Step::Summary => self.catalogue.summary_footer,
                _ => self.catalogue.use_buttons,
            };
            return self.say_then(message, Some(session));
        };
        let FieldKind::Attachment { max_count } = field.kind else {
            return Some(self.refuse(session, form, field, &Refusal::NotAFileQuestion));
        };
        let mut files = match &mut session.step {
            Step::Field { draft, .. } => match draft.take() {
                Some(Value::Files(files)) => files,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        files.push(file);
        if files.len() >= max_count as usize {
            return Some(self.accept(session, form, field, Given::Answer(Value::Files(files))));
        }
        if let Step::Field { draft, .. } = &mut session.step {
            *draft = Some(Value::Files(files));
        }
        Some(self.ask(session, Some(form), Vec::new()))
    }

    /// `/skip`: only optional questions can be left out.
    pub(super) fn skip(&mut self, session: Session, form: Option<&Form>) -> Option<Session> {
        let c = self.catalogue;
        match form.and_then(|form| current_field(&session, form).map(|field| (form, field))) {
            Some((form, field)) if !field.required => Some(self.accept(session, form, field, Given::Skipped)),
            Some(_) => self.say_then(c.required, Some(session)),
            None => self.say_then(c.nothing_to_skip, Some(session)),
        }
    }

    fn accept(&mut self, mut session: Session, form: &Form, field: &Field, given: Given) -> Session {
        session.answers.insert(field.id.clone(), given);
        session.notes.remove(&field.id);
        if let Some(offered) = self.offer_articles(&mut session, form, field) {
            return offered;
        }
        self.advance(session, form, Vec::new())
    }

    fn refuse(&mut self, session: Session, form: &Form, field: &Field, refusal: &Refusal) -> Session {
        let message = refusal.message(field, self.catalogue);
        self.ask(session, Some(form), vec![message])
    }
}

/// The field the session is asking, when it is asking one.
pub(super) fn current_field<'f>(session: &Session, form: &'f Form) -> Option<&'f Field> {
    match &session.step {
        Step::Field { id, .. } => form.fields.iter().find(|field| &field.id == id),
        _ => None,
    }
}

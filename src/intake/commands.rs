//! Slash commands, and text typed where no question is asked (the menu, the summary).
//!
//! `/start` resumes the form in progress (or opens the one a deep link names), `/back`,
//! `/skip` and `/edit` move around the form, `/cancel` drops it, `/help` explains. Refusals
//! are short messages that leave the current prompt and its buttons in place.

use super::input::Command;
use super::machine::{Machine, Rules};
use super::reply::Outcome;
use super::session::{Session, Step};
use crate::rules::Form;

impl<'m> Machine<'m> {
    pub(super) fn command(
        &mut self,
        session: Session,
        form: Option<&'m Form>,
        command: &Command,
    ) -> Option<Session> {
        let c = self.catalogue;
        let rules: &'m Rules<'m> = self.rules;
        match command {
            Command::Start(Some(id)) if session.form_id.as_deref() != Some(id) => {
                if rules.form(id).is_some() {
                    self.clear_prompt();
                    let nonce =
                        if self.event.entropy == session.nonce { !session.nonce } else { self.event.entropy };
                    let fresh = Session::new(nonce, &rules.version, c.code, self.event.now);
                    return self.choose_form(fresh, Some(id), Vec::new());
                }
                let unknown = c.fill(c.unknown_form, &[("form", id)]);
                Some(self.ask(session, form, vec![unknown]))
            }
            Command::Start(_) => Some(self.ask(session, form, vec![c.resume.to_owned()])),
            Command::Cancel => {
                self.clear_prompt();
                self.say(c.cancelled.to_owned());
                self.outcome = Some(Outcome::Cancelled);
                None
            }
            Command::Back => self.back(session, form),
            Command::Skip => self.skip(session, form),
            Command::Edit => match (&session.step, form) {
                (Step::Field { .. } | Step::Summary, Some(form)) => self.edit_menu(session, form),
                (Step::EditMenu, _) => self.say_then(c.pick_field, Some(session)),
                _ => self.say_then(c.nothing_to_edit, Some(session)),
            },
            Command::Help => {
                let help = match (&session.step, form) {
                    (Step::Field { id, .. }, Some(form)) => {
                        form.fields.iter().find(|field| &field.id == id).and_then(|field| field.help.clone())
                    }
                    _ => None,
                };
                let text =
                    help.map_or_else(|| c.commands.to_owned(), |help| format!("{help}\n\n{}", c.commands));
                self.say(text);
                Some(session)
            }
            Command::Unknown(name) => {
                self.say(format!("{}\n{}", c.fill(c.unknown_command, &[("command", name)]), c.commands));
                Some(session)
            }
        }
    }

    pub(super) fn text(&mut self, session: Session, form: Option<&'m Form>, text: &str) -> Option<Session> {
        let c = self.catalogue;
        match (&session.step, form) {
            (Step::Field { .. }, Some(form)) => Some(self.typed_answer(session, form, text)),
            (Step::Menu { forms }, _) => {
                let rules: &'m Rules<'m> = self.rules;
                let wanted = text.trim().to_lowercase();
                let by_number = wanted.parse::<usize>().ok().and_then(|n| forms.get(n.checked_sub(1)?));
                let picked = forms
                    .iter()
                    .filter_map(|id| rules.form(id))
                    .find(|form| form.title.to_lowercase() == wanted || form.id == wanted)
                    .or_else(|| by_number.and_then(|id| rules.form(id)));
                match picked {
                    Some(form) => Some(self.open(session, form, Vec::new())),
                    None => self.say_then(c.use_buttons, Some(session)),
                }
            }
            (Step::Summary, _) => self.say_then(c.summary_footer, Some(session)),
            (Step::EditMenu, _) => self.say_then(c.pick_field, Some(session)),
            _ => self.say_then(c.use_buttons, Some(session)),
        }
    }
}

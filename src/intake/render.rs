//! Rendering a session's current step as a prompt: its text and its buttons.
//!
//! The keyboard is a function of the session alone (step, answers, nonce, prompt count), so
//! the machine verifies a button press by rendering the current keyboard again and checking
//! that it offers exactly the pressed data. Texts are plain; answers echoed in the summary are
//! shortened so a prompt stays far below Telegram's 4096 characters.

use std::sync::Arc;

use super::callback::{Action, Press};
use super::catalogue::Catalogue;
use super::flow;
use super::reply::{Button, Keyboard};
use super::session::{Given, Mode, Session, Step, Value};
use crate::kb::KnowledgeBase;
use crate::rules::{Choice, ChoiceLayout, Field, FieldKind, Form};

/// Longest answer echoed in the summary, in characters.
const SUMMARY_ANSWER_CHARS: usize = 300;
/// Longest prompt text, in characters (Telegram allows 4096).
const PROMPT_CHARS: usize = 4000;
/// Longest button label taken from a question, in characters.
const LABEL_CHARS: usize = 40;
/// Marks the picked options of a multi-choice field.
const PICKED: &str = "✓ ";

/// What the renderer reads besides the session.
pub(super) struct View<'v> {
    /// The session's form, once picked.
    pub(super) form: Option<&'v Form>,
    /// The forms on offer, for the menu's titles.
    pub(super) offered: &'v [Arc<Form>],
    pub(super) catalogue: &'static Catalogue,
    /// The articles a form's `suggest_kb_after` offers, for their titles.
    pub(super) knowledge_base: &'v KnowledgeBase,
}

impl View<'_> {
    /// The text of the current step's prompt.
    pub(super) fn text(&self, session: &Session) -> String {
        let c = self.catalogue;
        let text = match (&session.step, self.form) {
            (Step::OpenTicket { ticket, .. }, _) => c.fill(c.open_ticket, &[("ticket", &ticket.to_string())]),
            (Step::Menu { forms }, _) => {
                let mut lines = vec![c.menu.to_owned()];
                for form in forms.iter().filter_map(|id| self.offered.iter().find(|form| &form.id == id)) {
                    match &form.description {
                        Some(description) => lines.push(format!("• {}: {description}", form.title)),
                        None => lines.push(format!("• {}", form.title)),
                    }
                }
                lines.join("\n")
            }
            (Step::Field { id, draft, previous, .. }, Some(form)) => {
                match form.fields.iter().find(|f| &f.id == id) {
                    Some(field) => self.field_text(session, field, draft.as_ref(), previous.as_ref()),
                    None => String::new(),
                }
            }
            (Step::Summary, Some(form)) => {
                let mut blocks = vec![c.summary.to_owned()];
                for index in flow::entries(form, &session.answers) {
                    let field = &form.fields[index];
                    let Some(given) = session.answers.get(&field.id) else { continue };
                    let answer = self.given(field, given);
                    blocks.push(format!("{}\n» {}", field.prompt, shorten(&answer, SUMMARY_ANSWER_CHARS)));
                }
                blocks.push(c.summary_footer.to_owned());
                blocks.join("\n\n")
            }
            (Step::EditMenu, _) => c.edit_which.to_owned(),
            (Step::Articles { articles, read: None }, _) => {
                let mut lines = vec![c.articles_offered.to_owned()];
                lines.extend(articles.iter().map(|id| format!("• {}", self.article_title(id))));
                lines.join("\n")
            }
            (Step::Articles { articles, read: Some(index) }, _) => {
                let title = articles.get(usize::from(*index)).map_or("", |id| self.article_title(id));
                c.fill(c.article_helped, &[("title", title)])
            }
            (Step::Field { .. } | Step::Summary, None) => String::new(),
        };
        shorten(&text, PROMPT_CHARS)
    }

    fn field_text(
        &self,
        session: &Session,
        field: &Field,
        draft: Option<&Value>,
        previous: Option<&Given>,
    ) -> String {
        let c = self.catalogue;
        let mut lines = Vec::new();
        if let Some(note) = session.notes.get(&field.id) {
            // The `validate:` hook's message, a paragraph of its own like a refusal's.
            lines.push(format!("{note}\n"));
        }
        lines.push(field.prompt.clone());
        if let Some(help) = &field.help {
            lines.push(help.clone());
        }
        match (&field.kind, draft) {
            (FieldKind::MultiChoice { .. }, _) => lines.push(c.multi_hint.to_owned()),
            (FieldKind::Attachment { max_count }, Some(Value::Files(files))) if !files.is_empty() => {
                let values = [("count", files.len().to_string()), ("max", max_count.to_string())];
                let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                lines.push(c.fill(c.attachment_progress, &values));
            }
            (FieldKind::Attachment { max_count: 1 }, _) => lines.push(c.attachment_hint_one.to_owned()),
            (FieldKind::Attachment { max_count }, _) => {
                lines.push(c.fill(c.attachment_hint_many, &[("max", &max_count.to_string())]));
            }
            _ => {}
        }
        if let Some(previous) = previous {
            let answer = shorten(&self.given(field, previous), SUMMARY_ANSWER_CHARS);
            lines.push(c.fill(c.current_answer, &[("answer", &answer)]));
        }
        lines.join("\n")
    }

    /// The current step's buttons.
    pub(super) fn keyboard(&self, session: &Session) -> Keyboard {
        let c = self.catalogue;
        let button = |label: &str, action: Action| Button {
            label: label.to_owned(),
            callback_data: Press { nonce: session.nonce, seq: session.prompt_seq, action }.encode(),
        };
        let mut rows: Vec<Vec<Button>> = Vec::new();
        match (&session.step, self.form) {
            (Step::OpenTicket { ticket, .. }, _) => {
                let add = c.fill(c.add_to_ticket, &[("ticket", &ticket.to_string())]);
                rows.push(vec![button(&add, Action::AddToTicket)]);
                rows.push(vec![button(c.new_ticket, Action::NewTicket)]);
            }
            (Step::Menu { forms }, _) => {
                for (index, id) in forms.iter().enumerate() {
                    let title =
                        self.offered.iter().find(|form| &form.id == id).map_or(id.as_str(), |f| &f.title);
                    rows.push(vec![button(title, Action::Form(index as u16))]);
                }
            }
            (Step::Field { id, mode, draft, .. }, Some(form)) => {
                let Some(index) = form.fields.iter().position(|field| &field.id == id) else {
                    return Keyboard::default();
                };
                let field = &form.fields[index];
                let picked: &[String] = match draft {
                    Some(Value::Choices(values)) => values,
                    _ => &[],
                };
                match &field.kind {
                    FieldKind::Choice { choices, layout } => {
                        rows.extend(grid(choices, *layout, |i, choice| {
                            button(&choice.label, Action::Option(i))
                        }));
                    }
                    FieldKind::MultiChoice { choices, layout } => {
                        rows.extend(grid(choices, *layout, |i, choice| {
                            let mark = if picked.contains(&choice.value) { PICKED } else { "" };
                            button(&format!("{mark}{}", choice.label), Action::Option(i))
                        }));
                        rows.push(vec![button(c.done, Action::Done)]);
                    }
                    FieldKind::YesNo => rows.push(vec![button(c.yes, Action::Yes), button(c.no, Action::No)]),
                    FieldKind::Attachment { .. } if matches!(draft, Some(Value::Files(files)) if !files.is_empty()) =>
                    {
                        rows.push(vec![button(c.done, Action::Done)]);
                    }
                    _ => {}
                }
                let mut navigation = Vec::new();
                if *mode == Mode::Edit || flow::previous(form, &session.answers, index).is_some() {
                    navigation.push(button(c.back, Action::Back));
                }
                if !field.required {
                    navigation.push(button(c.skip, Action::Skip));
                }
                rows.push(navigation);
            }
            (Step::Summary, Some(_)) => {
                rows.push(vec![button(c.submit, Action::Submit), button(c.edit, Action::Edit)]);
            }
            (Step::EditMenu, Some(form)) => {
                for index in flow::entries(form, &session.answers) {
                    let label = shorten(&form.fields[index].prompt, LABEL_CHARS);
                    rows.push(vec![button(&label, Action::EditField(index as u16))]);
                }
                rows.push(vec![button(c.back, Action::Back)]);
            }
            (Step::Articles { articles, read }, _) => {
                if read.is_some() {
                    rows.push(vec![button(c.solved, Action::Solved)]);
                }
                for (index, id) in articles.iter().enumerate() {
                    if *read != Some(index as u16) {
                        let title = shorten(self.article_title(id), LABEL_CHARS);
                        rows.push(vec![button(&format!("📖 {title}"), Action::Article(index as u16))]);
                    }
                }
                rows.push(vec![button(c.need_help, Action::NeedHelp)]);
            }
            (Step::Field { .. } | Step::Summary | Step::EditMenu, None) => {}
        }
        rows.retain(|row| !row.is_empty());
        Keyboard { rows }
    }

    /// An offered article's title; its id when a reload took it away.
    fn article_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.knowledge_base.article(id).map_or(id, |article| article.title.as_str())
    }

    /// An entry as the customer reads it.
    pub(super) fn given(&self, field: &Field, given: &Given) -> String {
        let c = self.catalogue;
        let label = |value: &str| match &field.kind {
            FieldKind::Choice { choices, .. } | FieldKind::MultiChoice { choices, .. } => choices
                .iter()
                .find(|choice| choice.value == value)
                .map_or(value, |choice| &choice.label)
                .to_owned(),
            _ => value.to_owned(),
        };
        match given {
            Given::Skipped => c.skipped.to_owned(),
            Given::Answer(Value::Text(text)) => text.clone(),
            Given::Answer(Value::Number(number)) => number.to_string(),
            Given::Answer(Value::Choice(value)) => label(value),
            Given::Answer(Value::Choices(values)) => {
                values.iter().map(|value| label(value)).collect::<Vec<_>>().join(", ")
            }
            Given::Answer(Value::Date(date)) => date.to_string(),
            Given::Answer(Value::Bool(flag)) => (if *flag { c.yes } else { c.no }).to_owned(),
            Given::Answer(Value::Files(files)) => c.files(files.len() as u64),
        }
    }
}

/// Options laid out as the form says: one per row, or a grid `n` wide.
fn grid(
    choices: &[Choice],
    layout: ChoiceLayout,
    button: impl Fn(u16, &Choice) -> Button,
) -> Vec<Vec<Button>> {
    let width = match layout {
        ChoiceLayout::Rows => 1,
        ChoiceLayout::Columns(n) => usize::from(n.max(1)),
    };
    let buttons: Vec<Button> =
        choices.iter().enumerate().map(|(i, choice)| button(i as u16, choice)).collect();
    buttons.chunks(width).map(<[Button]>::to_vec).collect()
}

/// At most `max` characters, ending in `…` when cut.
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

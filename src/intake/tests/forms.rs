//! Every shipped and example form, filled to the end by an automatic customer.
//!
//! The customer reads the session's step and answers validly: the first option (the next one
//! each time the `validate:` hook sends it back), a text generated from the field's pattern
//! and length bounds, a number in range, a photo. Rules directories are `rules/` and every
//! directory under `examples/` with a `desk.yaml`, loaded through the loader `topicdesk check`
//! uses, so a new example form is covered without touching this file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::harness::{Harness, load_rules};
use crate::intake::answer;
use crate::intake::callback::{Action, Press};
use crate::intake::session::{Step, Value};
use crate::intake::{Attachment, AttachmentKind, Input, Outcome};
use crate::rules::{Field, FieldKind, RuleSet};

/// `rules/` and every rules directory under `examples/`.
pub(super) fn rules_dirs() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.join("desk.yaml").is_file() {
                    found.push(path.clone());
                }
                walk(&path, found);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("rules")];
    walk(&root.join("examples"), &mut dirs);
    dirs
}

/// Every form of every rules directory, with its rule set.
pub(super) fn every_form() -> Vec<(Arc<RuleSet>, String)> {
    rules_dirs()
        .into_iter()
        .flat_map(|dir| {
            let rule_set = Arc::new(load_rules(&dir));
            let ids: Vec<String> = rule_set.forms().iter().map(|form| form.id.clone()).collect();
            ids.into_iter().map(move |id| (Arc::clone(&rule_set), id))
        })
        .collect()
}

#[test]
fn every_shipped_and_example_form_can_be_filled_and_submitted() {
    let forms = every_form();
    assert!(forms.len() >= 2, "rules/forms has the support and bug forms");
    for (rule_set, form_id) in forms {
        let mut harness = Harness::with_rule_set(rule_set);
        harness.offer_all_forms = true;
        let answers = finish(&mut harness, &form_id);
        let form =
            harness.rule_set.forms().iter().find(|form| form.id == form_id).cloned().expect("the form");
        for field in form.fields.iter().filter(|field| field.required && field.when.is_none()) {
            assert!(
                answers.contains(&field.id),
                "{form_id}: required `{}` missing from {answers:?}",
                field.id
            );
        }
    }
}

/// Answers validly until the form is submitted (starting it when there is no session);
/// returns the ids of the submitted answers. Panics when that takes unreasonably long.
pub(super) fn finish(harness: &mut Harness, form_id: &str) -> Vec<String> {
    let outcomes_before = harness.outcomes.len();
    let mut submits = 0;
    for _ in 0..200 {
        if let Some(Outcome::Submitted(submission)) = harness.outcomes[outcomes_before..].last() {
            assert_eq!(submission.form_id, form_id);
            return submission.answers.keys().cloned().collect();
        }
        let input = valid_input(harness, form_id, submits);
        if matches!(harness.session.as_ref().map(|session| &session.step), Some(Step::Summary)) {
            submits += 1;
        }
        harness.send(input);
    }
    panic!("form `{form_id}` was not submitted after 200 inputs:\n{}", harness.out);
}

/// What a customer who wants to submit `form_id` does next; `attempt` counts the submits
/// so far, so a customer sent back by the `validate:` hook picks other options.
pub(super) fn valid_input(harness: &Harness, form_id: &str, attempt: usize) -> Input {
    let Some(session) = harness.session.clone() else {
        return Input::from_text(&format!("/start {form_id}"));
    };
    let press =
        |action| Input::Button(Press { nonce: session.nonce, seq: session.prompt_seq, action }.encode());
    let form = session.form_id.as_deref().and_then(|id| harness.rule_set.form(id));
    match (&session.step, form) {
        (Step::OpenTicket { .. }, _) => press(Action::NewTicket),
        (Step::Menu { forms }, _) => match forms.iter().position(|id| id == form_id) {
            Some(index) => press(Action::Form(index as u16)),
            None => Input::from_text("/cancel"),
        },
        (_, Some(form)) if form.id != form_id => Input::from_text(&format!("/start {form_id}")),
        (Step::Field { id, draft, .. }, Some(form)) => {
            let field = form.fields.iter().find(|field| &field.id == id).expect("the asked field");
            answer_for(field, draft.as_ref(), attempt, press)
        }
        (Step::Summary, Some(_)) => press(Action::Submit),
        (Step::EditMenu, Some(_)) => press(Action::Back),
        // A valid walk through the form goes on past the suggested articles.
        (Step::Articles { .. }, Some(_)) => press(Action::NeedHelp),
        (_, None) => Input::from_text("/cancel"),
    }
}

/// A valid answer; `attempt` picks another option after the `validate:` hook objected.
fn answer_for(
    field: &Field,
    draft: Option<&Value>,
    attempt: usize,
    press: impl Fn(Action) -> Input,
) -> Input {
    match &field.kind {
        FieldKind::Choice { choices, .. } => press(Action::Option((attempt % choices.len()) as u16)),
        FieldKind::MultiChoice { .. } => match draft {
            Some(Value::Choices(picked)) if !picked.is_empty() => press(Action::Done),
            _ => press(Action::Option(0)),
        },
        FieldKind::Attachment { .. } => match draft {
            Some(Value::Files(files)) if !files.is_empty() => press(Action::Done),
            _ => Input::Attachment(Attachment { file_id: "photo-1".into(), kind: AttachmentKind::Photo }),
        },
        FieldKind::YesNo => press(if attempt.is_multiple_of(2) { Action::Yes } else { Action::No }),
        FieldKind::Number { min, max } => {
            let number = min.unwrap_or(1.0_f64.min(max.unwrap_or(1.0))).max(min.unwrap_or(f64::MIN));
            let number = if attempt > 0 { max.unwrap_or(number + 100.0) } else { number };
            Input::Text(number.to_string())
        }
        FieldKind::Email => Input::Text("dana@example.com".into()),
        FieldKind::Phone => Input::Text("+49 30 1234567".into()),
        FieldKind::Date => Input::Text("2026-03-01".into()),
        FieldKind::Text { .. } => Input::Text(valid_text(field)),
    }
}

/// A text the field accepts: generated from its pattern, or sized to its bounds.
pub(super) fn valid_text(field: &Field) -> String {
    let today = Date::new(2026, 3, 2).expect("valid date");
    let accepted = |text: &str| answer::parse(field, text, today).is_ok();
    let FieldKind::Text { pattern, min_length, max_length } = &field.kind else {
        panic!("`{}` is not a text field", field.id)
    };
    if let Some(pattern) = pattern {
        // Answers must match whole anyway; the generator does not take anchors.
        let unanchored = pattern.as_str().trim_start_matches('^').trim_end_matches('$');
        let strategy = proptest::string::string_regex(unanchored).expect("a pattern proptest can generate");
        let mut runner = TestRunner::deterministic();
        for _ in 0..500 {
            let text = strategy.new_tree(&mut runner).expect("a sample").current();
            if accepted(&text) {
                return text;
            }
        }
        panic!("no text matching `{}` within the length bounds of `{}`", pattern.as_str(), field.id);
    }
    let sentence = "The customer describes the problem in enough detail. ";
    let wanted =
        (min_length.unwrap_or(0) as usize).max(12).min(max_length.map_or(usize::MAX, |max| max as usize));
    let text: String = sentence.chars().cycle().take(wanted).collect::<String>().trim().to_owned();
    let text = if text.chars().count() < wanted { format!("{text}x") } else { text };
    assert!(accepted(&text), "`{}` refuses the generated text {text:?}", field.id);
    text
}

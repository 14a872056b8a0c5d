//! Which field comes next: the one walk over a form that every transition relies on.
//!
//! [`settle`] walks the fields in order, evaluating each `when:` over the answers of the
//! applicable fields before it. It drops entries of fields that are not applicable (so a
//! changed answer removes the follow-up questions it no longer calls for) and stops at the
//! first applicable field without an entry: the next question. Fields after that stop keep
//! their entries untouched, because their conditions cannot be known yet.

use std::collections::BTreeMap;

use super::session::{Given, Value};
use crate::rules::Form;
use crate::script::FieldValue;

/// Settles `answers` against `form` and returns the index of the next question, or `None`
/// when every applicable field has an entry (time for the summary).
pub(super) fn settle(form: &Form, answers: &mut BTreeMap<String, Given>) -> Option<usize> {
    // Entries the form cannot hold any more (a reload renamed or retyped a field).
    answers.retain(|id, given| {
        form.fields.iter().any(|field| {
            &field.id == id
                && match given {
                    Given::Answer(value) => value.fits(&field.kind),
                    Given::Skipped => !field.required,
                }
        })
    });
    let mut so_far: BTreeMap<String, FieldValue> = BTreeMap::new();
    for (index, field) in form.fields.iter().enumerate() {
        let applicable = field.when.as_ref().is_none_or(|condition| condition.evaluate(&so_far).0);
        if !applicable {
            answers.remove(&field.id);
            continue;
        }
        match answers.get(&field.id) {
            None => return Some(index),
            Some(Given::Answer(value)) => {
                so_far.insert(field.id.clone(), value.to_script());
            }
            Some(Given::Skipped) => {}
        }
    }
    None
}

/// The answers as scripts see them, in the `validate:` hook and `when:` expressions.
pub(super) fn script_answers(answers: &BTreeMap<String, Given>) -> BTreeMap<String, FieldValue> {
    answers
        .iter()
        .filter_map(|(id, given)| match given {
            Given::Answer(value) => Some((id.clone(), value.to_script())),
            Given::Skipped => None,
        })
        .collect()
}

/// Indexes of the fields with an entry before the next question, in form order: what the
/// summary and the edit menu list (at the summary, every entry). Entries after the next
/// question wait until it is answered, since their conditions depend on it.
pub(super) fn entries(form: &Form, answers: &BTreeMap<String, Given>) -> Vec<usize> {
    let mut settled = answers.clone();
    let stop = settle(form, &mut settled).unwrap_or(form.fields.len());
    form.fields[..stop]
        .iter()
        .enumerate()
        .filter(|(_, field)| settled.contains_key(&field.id))
        .map(|(i, _)| i)
        .collect()
}

/// The field `/back` returns to from the field at `current`: the last one before it with an
/// entry. (Fields after `current` never have entries in fill mode.)
pub(super) fn previous(form: &Form, answers: &BTreeMap<String, Given>, current: usize) -> Option<usize> {
    form.fields[..current].iter().rposition(|field| answers.contains_key(&field.id))
}

/// The files among the answers, in form order.
pub(super) fn attachments(form: &Form, answers: &BTreeMap<String, Given>) -> Vec<super::Attachment> {
    form.fields
        .iter()
        .filter_map(|field| match answers.get(&field.id) {
            Some(Given::Answer(Value::Files(files))) => Some(files.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

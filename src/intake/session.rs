//! The intake session: one customer's progress through a form, as a versioned serde record.
//!
//! The host stores it with `Tx::put_session` after every transition and passes it back with
//! the next input, so a restart resumes exactly where the customer was. A stored session
//! that no longer deserialises (a future record shape) is treated as absent; one with another
//! [`SESSION_VERSION`] is ended with a polite message by the machine. The session names the
//! form and the rule-set version it started with; the host passes that rule set (or the current
//! one, when it is gone) and the machine reconciles answers by field id.
//!
//! Invariant of [`Step::Field`]: the field is the first applicable field (in form order)
//! without an entry in `answers`, and every applicable field before it has one. Going back,
//! editing and the form-level `validate:` hook all work by removing entries; the next question
//! is always recomputed from the answers, never stored as a position.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::input::Attachment;
use crate::duration::Span;
use crate::rules::FieldKind;
use crate::script::FieldValue;
use crate::ticket::{Answer, TicketId, span_between};

/// The record version this build writes; other versions are reset with a polite message.
pub const SESSION_VERSION: u32 = 1;

/// One customer's intake dialogue in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub(super) version: u32,
    /// Random per session; button callback data carries it, so presses from an earlier
    /// session are told apart.
    pub(super) nonce: u64,
    /// Short content hash of the rule set the session started with.
    pub(super) rules_version: String,
    /// `None` until the customer picked a form.
    pub(super) form_id: Option<String>,
    pub(super) step: Step,
    /// Field id -> what the customer gave.
    pub(super) answers: BTreeMap<String, Given>,
    /// Messages from the form's `validate:` hook, shown when their field is asked again.
    pub(super) notes: BTreeMap<String, String>,
    /// Counts prompts sent; a button carries the count of its prompt, so older ones are stale.
    pub(super) prompt_seq: u32,
    /// The catalogue's language code.
    pub(super) language: String,
    pub(super) started_at: Timestamp,
    pub(super) last_activity: Timestamp,
    /// Whether the form's `suggest_kb_after` articles were offered already (once a session).
    #[serde(default)]
    pub(super) articles_offered: bool,
}

/// Where the dialogue stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Step {
    /// Asked whether to add to the open `ticket` or open a new request (then `form`, if named).
    OpenTicket { ticket: TicketId, form: Option<String> },
    /// The form menu, with the ids in the order shown.
    Menu { forms: Vec<String> },
    /// Asking a field.
    Field {
        id: String,
        mode: Mode,
        /// A multi-choice selection or the files received so far.
        draft: Option<Value>,
        /// The entry removed when the customer came back here; shown, and restored when
        /// they leave without answering.
        previous: Option<Given>,
    },
    /// All applicable fields have entries: Submit or Edit.
    Summary,
    /// Picking the answer to change.
    EditMenu,
    /// Articles that may answer the question, offered after the form's `suggest_kb_after`
    /// field: their ids, and the one the customer read last.
    Articles { articles: Vec<String>, read: Option<u16> },
}

/// How the customer reached a field, which decides what `/back` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Mode {
    /// In order: back goes to the previous question.
    Fill,
    /// Picked from the edit menu: back returns without a change.
    Edit,
}

/// A field's entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Given {
    Answer(Value),
    /// An optional field the customer skipped.
    Skipped,
}

/// An accepted answer, typed by its field's kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Value {
    /// text, email and phone fields.
    Text(String),
    Number(f64),
    /// A choice field's option value.
    Choice(String),
    /// A multi-choice field's option values, in the form's order.
    Choices(Vec<String>),
    Date(Date),
    Bool(bool),
    Files(Vec<Attachment>),
}

impl Session {
    pub(super) fn new(nonce: u64, rules_version: &str, language: &str, now: Timestamp) -> Session {
        Session {
            version: SESSION_VERSION,
            nonce,
            rules_version: rules_version.to_owned(),
            form_id: None,
            step: Step::Summary,
            answers: BTreeMap::new(),
            notes: BTreeMap::new(),
            prompt_seq: 0,
            language: language.to_owned(),
            started_at: now,
            last_activity: now,
            articles_offered: false,
        }
    }

    /// The form being filled, once the customer picked one.
    pub fn form_id(&self) -> Option<&str> {
        self.form_id.as_deref()
    }

    /// Short content hash of the rule set the session started with: pass that rule set's
    /// [`Rules`](super::Rules) with the session's next input.
    pub fn rules_version(&self) -> &str {
        &self.rules_version
    }

    /// When the session expires if the customer stays silent: schedule an [`Input::Tick`]
    /// for then (`expiry` is desk.yaml's `intake.session_expiry`).
    ///
    /// [`Input::Tick`]: super::Input::Tick
    pub fn expires_at(&self, expiry: Span) -> Timestamp {
        let seconds = i64::try_from(expiry.as_secs()).unwrap_or(i64::MAX);
        self.last_activity.checked_add(jiff::SignedDuration::from_secs(seconds)).unwrap_or(Timestamp::MAX)
    }

    /// When the customer last did something.
    pub fn last_activity(&self) -> Timestamp {
        self.last_activity
    }

    pub(super) fn is_expired(&self, now: Timestamp, expiry: Span) -> bool {
        span_between(self.last_activity, now) >= expiry
    }
}

impl Value {
    /// As `when:` expressions and the `validate:` hook read it.
    pub(super) fn to_script(&self) -> FieldValue {
        match self {
            Value::Text(text) | Value::Choice(text) => FieldValue::Text(text.clone()),
            // Whole numbers are integers for scripts, so `answers.users < 10` compares ints.
            Value::Number(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
                FieldValue::Integer(*number as i64)
            }
            Value::Number(number) => FieldValue::Number(*number),
            Value::Choices(values) => FieldValue::List(values.clone()),
            Value::Date(date) => FieldValue::Text(date.to_string()),
            Value::Bool(flag) => FieldValue::Bool(*flag),
            Value::Files(files) => FieldValue::List(files.iter().map(|file| file.file_id.clone()).collect()),
        }
    }

    /// As the ticket keeps it.
    pub(super) fn to_answer(&self) -> Answer {
        match self {
            Value::Text(text) | Value::Choice(text) => Answer::Text(text.clone()),
            Value::Number(number) => Answer::Number(*number),
            Value::Choices(values) => Answer::Choices(values.clone()),
            Value::Date(date) => Answer::Text(date.to_string()),
            Value::Bool(flag) => Answer::Bool(*flag),
            Value::Files(files) => Answer::Files(files.iter().map(|file| file.file_id.clone()).collect()),
        }
    }

    /// Whether this value can be the answer of a field of `kind` (a reload may change a
    /// field's type under a session).
    pub(super) fn fits(&self, kind: &FieldKind) -> bool {
        match (self, kind) {
            (Value::Text(_), FieldKind::Text { .. } | FieldKind::Email | FieldKind::Phone)
            | (Value::Number(_), FieldKind::Number { .. })
            | (Value::Date(_), FieldKind::Date)
            | (Value::Bool(_), FieldKind::YesNo)
            | (Value::Files(_), FieldKind::Attachment { .. }) => true,
            (Value::Choice(value), FieldKind::Choice { choices, .. }) => {
                choices.iter().any(|choice| &choice.value == value)
            }
            (Value::Choices(values), FieldKind::MultiChoice { choices, .. }) => {
                values.iter().all(|value| choices.iter().any(|choice| &choice.value == value))
            }
            _ => false,
        }
    }
}

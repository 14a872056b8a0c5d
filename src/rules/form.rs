//! Intake forms (`forms/*.yaml`): raw as written, then validated into [`Form`].
//!
//! Checks beyond the schema: duplicate field ids, `when:` expressions that do not compile or
//! that read an answer asked later (or never), choice fields without options, regular
//! expressions that do not compile, and contradictory bounds. `when:` is compiled here, once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::yaml::{Node, Segment};
use crate::diagnostic::{FileSink, Position};
use crate::script::Condition;

/// One intake form. Sessions hold an `Arc<Form>`, so a reload never changes a form mid-way.
#[derive(Clone, Debug)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    /// Name of the Rhai function `fn(answers)` that validates the whole form.
    pub validate: Option<String>,
    pub path: PathBuf,
    /// Where the `validate:` value is written.
    pub validate_position: Position,
    /// The text field after whose answer the customer is offered matching articles of the
    /// knowledge base (`kb/`), before a ticket is opened.
    pub suggest_kb_after: Option<String>,
    /// The least search score an article needs to be offered there
    /// (`suggest_kb_min_score`, [`DEFAULT_KB_MIN_SCORE`] when not written): below it, the
    /// article shares too little with the answer to be worth the customer's time.
    pub suggest_kb_min_score: f32,
}

/// The least score an article needs to be offered to a customer at intake when the form does
/// not say (`suggest_kb_min_score`). On the shipped knowledge base the right article of every
/// labelled question scores 3.2 or more, while a question that only shares a common or
/// misspelt word with an article ("I love your product", "my dog is sick") scores under 2.
pub const DEFAULT_KB_MIN_SCORE: f32 = 3.0;

/// One question of a form.
#[derive(Clone, Debug)]
pub struct Field {
    pub id: String,
    pub prompt: String,
    pub help: Option<String>,
    pub kind: FieldKind,
    pub required: bool,
    /// Ask only when this is true over the answers so far.
    pub when: Option<Condition>,
    /// What to say when the answer is refused.
    pub error: Option<String>,
    pub position: Position,
}

/// The type of a field and its type-specific settings.
#[derive(Clone, Debug)]
pub enum FieldKind {
    Choice { choices: Vec<Choice>, layout: ChoiceLayout },
    MultiChoice { choices: Vec<Choice>, layout: ChoiceLayout },
    Text { pattern: Option<Regex>, min_length: Option<u32>, max_length: Option<u32> },
    Number { min: Option<f64>, max: Option<f64> },
    Email,
    Phone,
    Date,
    Attachment { max_count: u32 },
    YesNo,
}

/// One option of a choice field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Stored in the answers.
    pub value: String,
    /// Shown on the button.
    pub label: String,
}

/// How choice buttons are arranged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChoiceLayout {
    /// One button per row.
    #[default]
    Rows,
    /// A grid this many buttons wide.
    Columns(u8),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawForm {
    id: String,
    title: Option<String>,
    description: Option<String>,
    fields: Vec<RawField>,
    validate: Option<String>,
    suggest_kb_after: Option<String>,
    suggest_kb_min_score: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    prompt: String,
    help: Option<String>,
    #[serde(rename = "type")]
    kind: RawKind,
    required: Option<bool>,
    when: Option<String>,
    error: Option<String>,
    choices: Option<Vec<RawChoice>>,
    layout: Option<RawLayout>,
    pattern: Option<String>,
    min_length: Option<u32>,
    max_length: Option<u32>,
    min: Option<f64>,
    max: Option<f64>,
    max_count: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Choice,
    MultiChoice,
    Text,
    Number,
    Email,
    Phone,
    Date,
    Attachment,
    YesNo,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawChoice {
    Plain(String),
    Full { value: String, label: String },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawLayout {
    Named(String),
    Columns { columns: u8 },
}

impl RawForm {
    /// Runs the form's checks and compiles its `when:` expressions.
    pub(crate) fn validate(self, tree: &Node, sink: &mut FileSink<'_>) -> Form {
        let mut fields: Vec<Field> = Vec::new();
        let field_nodes = tree.get("fields").map(Node::items).unwrap_or_default();
        // Every field id with its index, so `when:` can tell "later" from "unknown".
        let mut first_index: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, raw) in self.fields.iter().enumerate() {
            first_index.entry(raw.id.as_str()).or_insert(index);
        }
        for (index, raw) in self.fields.iter().enumerate() {
            let node = field_nodes.get(index).unwrap_or(tree);
            let at = |key: &str| node.get(key).map_or(node.position, |value| value.position);
            if first_index[raw.id.as_str()] != index {
                let first = field_nodes.get(first_index[raw.id.as_str()]).map_or(0, |n| n.position.line);
                sink.error(
                    at("id"),
                    format!("duplicate field id `{}` (first defined at line {first})", raw.id),
                );
            }
            let when =
                raw.when.as_ref().and_then(|text| check_when(text, index, &first_index, at("when"), sink));
            let kind = raw.kind(&at, sink);
            fields.push(Field {
                id: raw.id.clone(),
                prompt: raw.prompt.clone(),
                help: raw.help.clone(),
                kind,
                required: raw.required.unwrap_or(true),
                when,
                error: raw.error.clone(),
                position: node.position,
            });
        }
        let validate_position = tree.locate(&[Segment::Key("validate".to_owned())]).position;
        if let Some(id) = &self.suggest_kb_after {
            let at = tree.get("suggest_kb_after").map_or(tree.position, |node| node.position);
            match fields.iter().find(|field| &field.id == id) {
                None => sink.error(at, format!("`suggest_kb_after` names `{id}`, which is no field of this form")),
                Some(field) if !matches!(field.kind, FieldKind::Text { .. }) => sink.error(
                    at,
                    format!("`suggest_kb_after` names `{id}`, which is not a text field: articles are searched with its words"),
                ),
                Some(_) => {}
            }
        }
        if let Some(score) = self.suggest_kb_min_score
            && !(score.is_finite() && score >= 0.0)
        {
            let at = tree.get("suggest_kb_min_score").map_or(tree.position, |node| node.position);
            sink.error(at, format!("`suggest_kb_min_score` must be a number of 0 or more, found {score}"));
        }
        Form {
            title: self.title.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            description: self.description,
            fields,
            validate: self.validate,
            path: sink.path.to_owned(),
            validate_position,
            suggest_kb_after: self.suggest_kb_after,
            suggest_kb_min_score: self
                .suggest_kb_min_score
                .map_or(DEFAULT_KB_MIN_SCORE, |score| score as f32),
        }
    }
}

impl RawField {
    fn kind(&self, at: &dyn Fn(&str) -> Position, sink: &mut FileSink<'_>) -> FieldKind {
        let present: [(&str, bool); 8] = [
            ("choices", self.choices.is_some()),
            ("layout", self.layout.is_some()),
            ("pattern", self.pattern.is_some()),
            ("min_length", self.min_length.is_some()),
            ("max_length", self.max_length.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("max_count", self.max_count.is_some()),
        ];
        let applies: &[&str] = match self.kind {
            RawKind::Choice | RawKind::MultiChoice => &["choices", "layout"],
            RawKind::Text => &["pattern", "min_length", "max_length"],
            RawKind::Number => &["min", "max"],
            RawKind::Attachment => &["max_count"],
            RawKind::Email | RawKind::Phone | RawKind::Date | RawKind::YesNo => &[],
        };
        for (key, is_present) in present {
            if is_present && !applies.contains(&key) {
                sink.warning(at(key), format!("`{key}` has no effect on a {} field", self.kind.name()));
            }
        }
        match self.kind {
            RawKind::Choice | RawKind::MultiChoice => {
                let choices = self.choices();
                if choices.is_empty() {
                    sink.error(at("type"), format!("choice field `{}` has no choices", self.id));
                }
                // The `priority` answer becomes the ticket's priority, so its values must be ones.
                if self.id == "priority" {
                    for choice in
                        choices.iter().filter(|c| c.value.parse::<crate::ticket::Priority>().is_err())
                    {
                        sink.error(
                            at("choices"),
                            format!(
                                "`priority` choice `{}` is not a priority: use low, normal, high or critical",
                                choice.value
                            ),
                        );
                    }
                }
                let layout = self.layout(at, sink);
                if self.kind == RawKind::Choice {
                    FieldKind::Choice { choices, layout }
                } else {
                    FieldKind::MultiChoice { choices, layout }
                }
            }
            RawKind::Text => {
                if let (Some(min), Some(max)) = (self.min_length, self.max_length)
                    && min > max
                {
                    sink.error(
                        at("min_length"),
                        format!("`min_length` {min} is more than `max_length` {max}"),
                    );
                }
                let pattern = self.pattern.as_ref().and_then(|pattern| match Regex::new(pattern) {
                    Ok(regex) => Some(regex),
                    Err(error) => {
                        let last_line =
                            error.to_string().lines().last().unwrap_or_default().trim().to_owned();
                        let reason = last_line.strip_prefix("error: ").unwrap_or(&last_line).to_owned();
                        sink.error(
                            at("pattern"),
                            format!("`pattern` is not a valid regular expression: {reason}"),
                        );
                        None
                    }
                });
                FieldKind::Text { pattern, min_length: self.min_length, max_length: self.max_length }
            }
            RawKind::Number => {
                if let (Some(min), Some(max)) = (self.min, self.max)
                    && min > max
                {
                    sink.error(at("min"), format!("`min` {min} is more than `max` {max}"));
                }
                FieldKind::Number { min: self.min, max: self.max }
            }
            RawKind::Email => FieldKind::Email,
            RawKind::Phone => FieldKind::Phone,
            RawKind::Date => FieldKind::Date,
            RawKind::Attachment => FieldKind::Attachment { max_count: self.max_count.unwrap_or(1) },
            RawKind::YesNo => FieldKind::YesNo,
        }
    }

    fn choices(&self) -> Vec<Choice> {
        self.choices
            .iter()
            .flatten()
            .map(|choice| match choice {
                RawChoice::Plain(text) => Choice { value: text.clone(), label: text.clone() },
                RawChoice::Full { value, label } => Choice { value: value.clone(), label: label.clone() },
            })
            .collect()
    }

    fn layout(&self, at: &dyn Fn(&str) -> Position, sink: &mut FileSink<'_>) -> ChoiceLayout {
        match &self.layout {
            None => ChoiceLayout::Rows,
            Some(RawLayout::Named(name)) if name == "rows" => ChoiceLayout::Rows,
            Some(RawLayout::Columns { columns }) if (1..=8).contains(columns) => {
                ChoiceLayout::Columns(*columns)
            }
            Some(_) => {
                sink.error(at("layout"), "`layout` must be `rows` or `{ columns: N }` with N from 1 to 8");
                ChoiceLayout::Rows
            }
        }
    }
}

impl RawKind {
    fn name(self) -> &'static str {
        match self {
            RawKind::Choice => "choice",
            RawKind::MultiChoice => "multi_choice",
            RawKind::Text => "text",
            RawKind::Number => "number",
            RawKind::Email => "email",
            RawKind::Phone => "phone",
            RawKind::Date => "date",
            RawKind::Attachment => "attachment",
            RawKind::YesNo => "yes_no",
        }
    }
}

/// Compiles a `when:` and checks that it reads only answers asked before this field.
fn check_when(
    text: &str,
    index: usize,
    first_index: &BTreeMap<&str, usize>,
    position: Position,
    sink: &mut FileSink<'_>,
) -> Option<Condition> {
    static ANSWER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\banswers\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"]*)"\s*\])"#)
            .expect("valid regex")
    });
    let mut fine = true;
    for captures in ANSWER.captures_iter(text) {
        let Some(name) = captures.get(1).or_else(|| captures.get(2)).map(|m| m.as_str()) else { continue };
        match first_index.get(name) {
            None => {
                fine = false;
                sink.error(
                    position,
                    format!("`when` reads `answers.{name}`, but this form has no field `{name}`"),
                );
            }
            Some(&defined) if defined >= index => {
                fine = false;
                let relation = if defined == index { "this field itself" } else { "a field asked later" };
                sink.error(position, format!("`when` reads `answers.{name}`, which is {relation}"));
            }
            Some(_) => {}
        }
    }
    match Condition::compile(text, sink.path.to_owned(), position) {
        Ok(condition) => fine.then_some(condition),
        Err((offset, message)) => {
            sink.error(
                Position::new(position.line, position.col + offset),
                format!("`when` is not a valid expression: {message}"),
            );
            None
        }
    }
}

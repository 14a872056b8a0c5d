//! JSON Schema validation of every YAML file, with errors placed on the offending key or value.
//!
//! The schemas in `schemas/` are the same files editors use for autocomplete (through the
//! `# yaml-language-server: $schema=` first line), compiled into the binary so `check` and the
//! running bot need nothing beside the rules directory. Errors are rewritten into the desk's
//! message style (``unknown field `colour` ``) and placed with the located YAML tree.

use std::sync::OnceLock;

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

use super::yaml::{Node, Segment, segments_of_pointer};
use crate::diagnostic::FileSink;

/// Which schema a file is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    Desk,
    Team,
    Form,
    RuleTest,
    Template,
}

impl SchemaKind {
    /// Every schema, for tests and tooling.
    pub const ALL: [SchemaKind; 5] =
        [SchemaKind::Desk, SchemaKind::Team, SchemaKind::Form, SchemaKind::RuleTest, SchemaKind::Template];

    /// The schema's file name under `schemas/`.
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::Desk => "desk.schema.json",
            SchemaKind::Team => "team.schema.json",
            SchemaKind::Form => "form.schema.json",
            SchemaKind::RuleTest => "rule-test.schema.json",
            SchemaKind::Template => "template.schema.json",
        }
    }

    /// The schema text as shipped in `schemas/`.
    pub fn text(self) -> &'static str {
        match self {
            SchemaKind::Desk => include_str!("../../schemas/desk.schema.json"),
            SchemaKind::Team => include_str!("../../schemas/team.schema.json"),
            SchemaKind::Form => include_str!("../../schemas/form.schema.json"),
            SchemaKind::RuleTest => include_str!("../../schemas/rule-test.schema.json"),
            SchemaKind::Template => include_str!("../../schemas/template.schema.json"),
        }
    }

    fn validator(self) -> &'static Validator {
        static VALIDATORS: [OnceLock<Validator>; SchemaKind::ALL.len()] =
            [const { OnceLock::new() }; SchemaKind::ALL.len()];
        VALIDATORS[self as usize].get_or_init(|| {
            let schema: Json = serde_json::from_str(self.text()).expect("shipped schemas are valid JSON");
            jsonschema::validator_for(&schema).expect("shipped schemas are valid JSON Schema")
        })
    }
}

/// Validates `document` and reports every schema error; returns whether there was none.
pub(crate) fn validate(kind: SchemaKind, tree: &Node, document: &Json, sink: &mut FileSink<'_>) -> bool {
    let mut clean = true;
    for error in kind.validator().iter_errors(document) {
        clean = false;
        let path = segments_of_pointer(error.instance_path().as_str());
        let at = tree.locate(&path).position;
        let name = field_name(&path);
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    sink.error(tree.key_position(&path, key), format!("unknown field `{key}`"));
                }
            }
            ValidationErrorKind::Required { property } => {
                let property = property.as_str().unwrap_or_default();
                sink.error(at, format!("missing field `{property}`"));
            }
            kind => sink.error(at, describe(kind, &name, error.instance())),
        }
    }
    clean
}

fn describe(kind: &ValidationErrorKind, name: &str, instance: &Json) -> String {
    let found = show(instance);
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => article(&single.to_string()),
                TypeKind::Multiple(many) => {
                    many.iter().map(|t| article(&t.to_string())).collect::<Vec<_>>().join(" or ")
                }
            };
            format!("`{name}` must be {expected}, found {}", json_type(instance))
        }
        ValidationErrorKind::Enum { options } => {
            let options = options.as_array().map(|o| o.iter().map(show).collect::<Vec<_>>().join(", "));
            format!("`{name}` must be one of {}, found {found}", options.unwrap_or_default())
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("`{name}` must be {}, found {found}", pattern_meaning(pattern))
        }
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("`{name}` is too small: {found} (minimum {limit})")
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("`{name}` is too large: {found} (maximum {limit})")
        }
        ValidationErrorKind::MinLength { .. } => format!("`{name}` must not be empty"),
        ValidationErrorKind::MinProperties { .. } | ValidationErrorKind::MaxProperties { .. } => {
            format!("`{name}` must have exactly one entry")
        }
        other => format!("`{name}`: {}", lowercase_first(&other_message(other, instance))),
    }
}

fn other_message(kind: &ValidationErrorKind, instance: &Json) -> String {
    match kind {
        ValidationErrorKind::MinItems { limit } => format!("needs at least {limit} entries"),
        ValidationErrorKind::MaxItems { limit } => format!("takes at most {limit} entries"),
        ValidationErrorKind::MaxLength { limit } => format!("is longer than {limit} characters"),
        _ => format!("{} is not accepted here", show(instance)),
    }
}

/// Support leads read these messages, so the schemas' regular expressions get names.
fn pattern_meaning(pattern: &str) -> String {
    match pattern {
        p if p.contains("dhms]") => "a duration like `15m`, `4h 30m`, `3d` or `2y`".to_owned(),
        p if p.contains("{4}-") => "a date like `2026-12-25`".to_owned(),
        p if p.contains('%') => "a percentage like `80%`".to_owned(),
        "^queue$" => "an agent id or `queue`".to_owned(),
        "^none$" => "targets or `none`".to_owned(),
        "^default$" => "a list of actions or `default`".to_owned(),
        "^[a-z0-9_-]+$" => "lowercase letters, digits, `-` or `_`".to_owned(),
        "^[A-Za-z_][A-Za-z0-9_]*$" => {
            "a name of letters, digits and `_`, not starting with a digit".to_owned()
        }
        other => format!("text matching `{other}`"),
    }
}

fn field_name(path: &[Segment]) -> String {
    let mut name = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                name.clear();
                name.push_str(key);
            }
            Segment::Index(index) => {
                use std::fmt::Write as _;
                let _ = write!(name, "[{index}]");
            }
        }
    }
    if name.is_empty() { "document".to_owned() } else { name }
}

fn show(value: &Json) -> String {
    match value {
        Json::String(text) => format!("`{text}`"),
        other => format!("`{other}`"),
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "nothing",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" => "a list".to_owned(),
        "object" => "a mapping".to_owned(),
        "integer" => "an integer".to_owned(),
        other => format!("a {other}"),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

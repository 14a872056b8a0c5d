//! Response templates: canned replies an agent sends with a ticket's facts filled in.
//!
//! A [`Template`] has an id, a title, tags, the categories it fits and its text in one or
//! more languages; the first language written is the fallback unless `default_language`
//! names another. Its text is parsed once, when the rule set loads or a supervisor saves it,
//! into literal pieces and placeholders (`{{customer.first_name}}`, `{{fields.invoice}}`,
//! `{{customer.first_name | "there"}}`), so a template that loaded can always render.
//!
//! Rendering is pure and plain text: values are put in as they are, never read as markup,
//! and nothing in a value is parsed again (a customer named `{{ticket.id}}` stays so). A
//! placeholder with no value takes its fallback, or nothing when it has none. `search`
//! ranks templates for a ticket and for an agent's words.

mod saved;
mod search;
mod usage;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use jiff::Timestamp;

pub use saved::{SavedTemplate, TemplateUse, in_force};
pub use search::{Ranked, for_ticket, matching};
pub use usage::{Usage, usage};

/// One template, from `rules/templates/` or saved by a supervisor in a topic.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub id: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Ticket categories it fits; empty fits every ticket equally.
    pub categories: Vec<String>,
    /// Text per language, the default language first.
    pub texts: Vec<(String, Text)>,
    /// Names this text: a short content hash for a file template, `v<n>` for a saved one.
    pub version: String,
    pub source: Source,
    /// The word stems `/t` compares, computed on first use (`Stems::default()` to build).
    pub stems: Stems,
}

/// A template's word stems for ranking, computed once per template: all of them, and those
/// of its title and tags, which count twice.
#[derive(Clone, Debug, Default)]
pub struct Stems(
    std::sync::OnceLock<(std::collections::BTreeSet<String>, std::collections::BTreeSet<String>)>,
);

/// Stems are derived from the template, so they never make two templates differ.
impl PartialEq for Stems {
    fn eq(&self, _: &Stems) -> bool {
        true
    }
}

/// Where a template comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    File(PathBuf),
    /// Saved with `/template save`: the version number, who saved it and when.
    Saved {
        number: u32,
        author: u64,
        at: Timestamp,
    },
}

/// A template's text, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Slot { placeholder: Placeholder, fallback: Option<String> },
}

/// What a placeholder stands for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placeholder {
    /// The first word of the customer's Telegram name.
    CustomerFirstName,
    CustomerName,
    TicketId,
    /// The ticket's category, as the form labels it.
    TicketCategory,
    TicketPriority,
    /// The agent who sends the template.
    AgentName,
    /// A form field's answer.
    Field(String),
}

/// A placeholder that cannot be read, at a byte offset into the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    /// Where the placeholder's `{{` is.
    pub offset: usize,
    /// What was written there, `{{...}}` included (to find it in the file).
    pub written: String,
    pub message: String,
}

/// The values a template is rendered with; `None` or a missing field has no value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    pub customer_name: Option<String>,
    pub ticket_id: String,
    pub category: Option<String>,
    pub priority: String,
    pub agent_name: Option<String>,
    pub fields: BTreeMap<String, String>,
}

/// The placeholders a template may use besides `fields.<id>`, as written.
pub const NAMES: [&str; 6] =
    ["customer.first_name", "customer.name", "ticket.id", "ticket.category", "ticket.priority", "agent.name"];

impl Placeholder {
    /// Reads a placeholder's name; `None` for a name no template may use.
    pub fn parse(name: &str) -> Option<Placeholder> {
        Some(match name {
            "customer.first_name" => Placeholder::CustomerFirstName,
            "customer.name" => Placeholder::CustomerName,
            "ticket.id" => Placeholder::TicketId,
            "ticket.category" => Placeholder::TicketCategory,
            "ticket.priority" => Placeholder::TicketPriority,
            "agent.name" => Placeholder::AgentName,
            _ => {
                let field = name.strip_prefix("fields.")?;
                let valid = !field.is_empty()
                    && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                return valid.then(|| Placeholder::Field(field.to_owned()));
            }
        })
    }

    fn value(&self, values: &Values) -> Option<String> {
        let present = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        match self {
            Placeholder::CustomerFirstName => values
                .customer_name
                .as_deref()
                .and_then(|name| name.split_whitespace().next())
                .map(str::to_owned),
            Placeholder::CustomerName => present(&values.customer_name).map(|name| name.trim().to_owned()),
            Placeholder::TicketId => Some(values.ticket_id.clone()),
            Placeholder::TicketCategory => present(&values.category),
            Placeholder::TicketPriority => Some(values.priority.clone()),
            Placeholder::AgentName => present(&values.agent_name),
            Placeholder::Field(id) => values.fields.get(id).filter(|v| !v.trim().is_empty()).cloned(),
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placeholder::CustomerFirstName => f.write_str("customer.first_name"),
            Placeholder::CustomerName => f.write_str("customer.name"),
            Placeholder::TicketId => f.write_str("ticket.id"),
            Placeholder::TicketCategory => f.write_str("ticket.category"),
            Placeholder::TicketPriority => f.write_str("ticket.priority"),
            Placeholder::AgentName => f.write_str("agent.name"),
            Placeholder::Field(id) => write!(f, "fields.{id}"),
        }
    }
}

impl Text {
    /// Parses `source`, reporting every placeholder that cannot be read.
    pub fn parse(source: &str) -> Result<Text, Vec<TextError>> {
        let mut pieces = Vec::new();
        let mut errors = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        let mut offset = 0;
        while let Some(open) = rest.find("{{") {
            literal.push_str(&rest[..open]);
            let start = offset + open;
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                let written = rest[open..].lines().next().unwrap_or("{{").to_owned();
                errors.push(TextError {
                    offset: start,
                    written,
                    message: "`{{` is never closed with `}}`".to_owned(),
                });
                rest = "";
                break;
            };
            let inner = &after[..close];
            let written = format!("{{{{{inner}}}}}");
            match parse_slot(inner) {
                Ok((placeholder, fallback)) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Slot { placeholder, fallback });
                }
                Err(message) => errors.push(TextError { offset: start, written, message }),
            }
            let consumed = open + 2 + close + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if errors.is_empty() { Ok(Text { source: source.to_owned(), pieces }) } else { Err(errors) }
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every placeholder used, in order of appearance.
    pub fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Slot { placeholder, .. } => Some(placeholder),
            Piece::Literal(_) => None,
        })
    }

    /// The text with every placeholder replaced by its value, its fallback, or nothing.
    pub fn render(&self, values: &Values) -> String {
        let mut out = String::with_capacity(self.source.len() + 32);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Slot { placeholder, fallback } => {
                    if let Some(value) = placeholder.value(values).or_else(|| fallback.clone()) {
                        out.push_str(&value);
                    }
                }
            }
        }
        out
    }
}

impl Template {
    /// The text for a customer's Telegram language (`ru`, `ru-RU`), else the default one.
    pub fn text_for(&self, language: Option<&str>) -> &Text {
        let wanted = language.map(|code| code.split(['-', '_']).next().unwrap_or(code).to_ascii_lowercase());
        let chosen = wanted.and_then(|wanted| self.texts.iter().find(|(lang, _)| *lang == wanted));
        let (_, text) = chosen.or_else(|| self.texts.first()).expect("a template has at least one text");
        text
    }

    /// Renders the template for a customer speaking `language`.
    pub fn render(&self, language: Option<&str>, values: &Values) -> String {
        self.text_for(language).render(values)
    }

    /// The default language.
    pub fn default_language(&self) -> &str {
        self.texts.first().map_or("en", |(lang, _)| lang.as_str())
    }
}

/// `name` or `name | "fallback"`, the inside of `{{ }}`.
fn parse_slot(inner: &str) -> Result<(Placeholder, Option<String>), String> {
    let (name, fallback) = match inner.split_once('|') {
        Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
        None => (inner.trim(), None),
    };
    if name.is_empty() {
        return Err("empty placeholder `{{}}`".to_owned());
    }
    let Some(placeholder) = Placeholder::parse(name) else {
        return Err(format!(
            "unknown placeholder `{name}`: use {}, or fields.<form field>",
            NAMES.join(", ")
        ));
    };
    let fallback = match fallback {
        None => None,
        Some(quoted) => {
            let unquoted =
                quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).filter(|q| !q.contains('"'));
            match unquoted {
                Some(text) => Some(text.to_owned()),
                None => {
                    return Err(format!(
                        "the fallback of `{name}` must be text in double quotes, like {{{{{name} | \"there\"}}}}, found `{quoted}`"
                    ));
                }
            }
        }
    };
    Ok((placeholder, fallback))
}

#[cfg(test)]
mod tests;

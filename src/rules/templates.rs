//! Response templates (`templates/*.yaml`): raw as written, then checked into
//! [`Template`](crate::template::Template)s.
//!
//! Checks beyond the schema: every placeholder must be one the desk fills in
//! (`template::NAMES` or `fields.<id>` of a field some form asks), a fallback is text in
//! double quotes, `default_language` names one of the texts, and ids are unique across
//! files. A placeholder's problem is placed on the placeholder itself, wherever the text's
//! YAML style puts it (plain, quoted or a `|` block). A category no form offers is a warning.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;

use super::form::{FieldKind, Form};
use super::yaml::Node;
use crate::diagnostic::{FileSink, Position};
use crate::template::{Placeholder, SavedTemplate, Source, Template, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTemplate {
    id: String,
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    default_language: Option<String>,
    text: Texts,
}

/// `text:` as written, in document order (a serde map would sort it, and the first
/// language written is the default).
#[derive(Debug)]
struct Texts(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Texts, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Texts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map from language to text")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
                let mut texts = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    texts.push(entry);
                }
                Ok(Texts(texts))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl RawTemplate {
    /// Runs the template's checks; `None` when it has an error (reported to `sink`).
    /// `source` is the file's text, to place each placeholder's problem on it.
    pub(crate) fn validate(
        self,
        tree: &Node,
        source: &str,
        forms: &[Arc<Form>],
        sink: &mut FileSink<'_>,
    ) -> Option<Template> {
        let errors_before = sink.out.iter().filter(|d| d.is_error()).count();
        let at = |key: &str| tree.get(key).map_or(Position::FILE, |value| value.position);
        let text_node = tree.get("text");
        let mut texts: Vec<(String, Text)> = Vec::new();
        let fields: BTreeSet<&str> =
            forms.iter().flat_map(|form| form.fields.iter().map(|field| field.id.as_str())).collect();
        for (language, written) in &self.text.0 {
            let node = text_node.and_then(|node| node.get(language));
            let value_position = node.map_or(at("text"), |node| node.position);
            if !is_language_code(language) {
                let position = text_node
                    .and_then(|node| node.entry(language))
                    .map_or(value_position, |(key, _)| key.position);
                sink.error(
                    position,
                    format!("`{language}` is not a language code: write two or three lowercase letters, like en or ru"),
                );
                continue;
            }
            match Text::parse(written) {
                Ok(text) => {
                    for placeholder in text.placeholders() {
                        let Placeholder::Field(field) = placeholder else { continue };
                        if !fields.contains(field.as_str()) {
                            let position = find_after(source, value_position, &format!("fields.{field}"))
                                .unwrap_or(value_position);
                            sink.error(
                                position,
                                format!(
                                    "placeholder `fields.{field}`: no form in forms/ has a field `{field}`"
                                ),
                            );
                        }
                    }
                    texts.push((language.clone(), text));
                }
                Err(errors) => {
                    for error in errors {
                        let position =
                            find_after(source, value_position, &error.written).unwrap_or(value_position);
                        sink.error(position, error.message);
                    }
                }
            }
        }
        if let Some(default) = &self.default_language {
            match texts.iter().position(|(language, _)| language == default) {
                Some(index) => {
                    let chosen = texts.remove(index);
                    texts.insert(0, chosen);
                }
                None if self.text.0.iter().any(|(language, _)| language == default) => {}
                None => {
                    let written: Vec<&str> =
                        self.text.0.iter().map(|(language, _)| language.as_str()).collect();
                    sink.error(
                        at("default_language"),
                        format!(
                            "`default_language` is `{default}`, but `text` has only {}",
                            written.join(", ")
                        ),
                    );
                }
            }
        }
        if self.text.0.is_empty() {
            sink.error(at("text"), "`text` is empty: write the reply under a language, like `en:`");
        }
        let offered = categories_offered(forms);
        let category_nodes = tree.get("categories").map(Node::items).unwrap_or_default();
        for (index, category) in self.categories.iter().enumerate() {
            if !offered.is_empty() && !offered.contains(category.as_str()) {
                let position = category_nodes.get(index).map_or(at("categories"), |node| node.position);
                sink.warning(
                    position,
                    format!("no form offers category `{category}`, so this never puts the template first"),
                );
            }
        }
        let errors_after = sink.out.iter().filter(|d| d.is_error()).count();
        if errors_after > errors_before || texts.is_empty() {
            return None;
        }
        Some(Template {
            version: blake3::hash(source.as_bytes()).to_hex()[..12].to_owned(),
            id: self.id,
            title: self.title,
            tags: self.tags,
            categories: self.categories,
            texts,
            source: Source::File(sink.path.to_owned()),
            stems: crate::template::Stems::default(),
        })
    }
}

/// A saved template version written as a `templates/<id>.yaml` file, the schema line
/// first and a comment naming the version, its author and time: what `topicdesk templates
/// export` writes, and what the loader reads back as the same template.
pub fn saved_template_yaml(saved: &SavedTemplate) -> String {
    #[derive(serde::Serialize)]
    struct Written<'a> {
        id: &'a str,
        title: &'a str,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        tags: &'a [String],
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        categories: &'a [String],
        text: serde_yaml::Mapping,
    }
    let text = saved
        .texts
        .iter()
        .map(|(language, text)| {
            (serde_yaml::Value::from(language.as_str()), serde_yaml::Value::from(text.as_str()))
        })
        .collect();
    let written = Written {
        id: &saved.id,
        title: &saved.title,
        tags: &saved.tags,
        categories: &saved.categories,
        text,
    };
    let body = serde_yaml::to_string(&written).expect("plain strings always serialise");
    format!(
        "# yaml-language-server: $schema=../../schemas/template.schema.json\n# saved as v{} by {} at {}\n{body}",
        saved.number,
        saved.author_name.replace('\n', " "),
        saved.at.strftime("%Y-%m-%d %H:%M UTC"),
    )
}

/// Telegram's `language_code` starts with an ISO 639 code: `en`, `ru`, `pt` (of `pt-br`).
fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// The values of every form's `category` choice field: what a ticket's category can be.
fn categories_offered(forms: &[Arc<Form>]) -> BTreeSet<&str> {
    forms
        .iter()
        .flat_map(|form| form.fields.iter().filter(|field| field.id == "category"))
        .flat_map(|field| match &field.kind {
            FieldKind::Choice { choices, .. } | FieldKind::MultiChoice { choices, .. } => {
                choices.iter().map(|choice| choice.value.as_str()).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

/// Where `needle` is first written in `source` at or after `from`: the placeholder's own
/// line and column, whatever the YAML style around it. `None` when it is not written as
/// is (an escape sequence in a double-quoted string).
fn find_after(source: &str, from: Position, needle: &str) -> Option<Position> {
    let line_start: usize =
        source.split_inclusive('\n').take(from.line.saturating_sub(1) as usize).map(str::len).sum();
    let start = source[line_start..]
        .char_indices()
        .nth(from.col.saturating_sub(1) as usize)
        .map_or(source.len(), |(offset, _)| line_start + offset);
    let found = start + source.get(start..)?.find(needle)?;
    let before = &source[..found];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or(before).chars().count() + 1;
    Some(Position::new(line as u32, col as u32))
}

#[cfg(test)]
mod tests {
    use super::find_after;
    use crate::diagnostic::Position;

    #[test]
    fn a_saved_template_written_as_yaml_loads_back_as_the_same_template() {
        let saved = crate::template::SavedTemplate {
            id: "office-hours".to_owned(),
            number: 3,
            author: 7,
            author_name: "Dana".to_owned(),
            at: "2026-03-01T10:00:00Z".parse().expect("time"),
            title: "Office: \"hours\"".to_owned(),
            tags: vec!["hours".to_owned()],
            categories: Vec::new(),
            texts: vec![
                ("ru".to_owned(), "Привет, {{customer.first_name | \"клиент\"}}!\nДо вторника.".to_owned()),
                ("en".to_owned(), "key: not yaml # {{ticket.id}}".to_owned()),
            ],
            over: None,
        };
        let text = super::saved_template_yaml(&saved);
        assert!(text.starts_with("# yaml-language-server: $schema=../../schemas/template.schema.json\n# saved as v3 by Dana at 2026-03-01 10:00 UTC\n"), "{text}");
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, body) in [
            ("desk.yaml", "timezone: UTC\n"),
            ("team.yaml", "agents:\n  - { id: 1, name: Ana, role: supervisor }\n"),
            ("forms/f.yaml", "id: f\nfields:\n  - { id: details, prompt: D, type: text }\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, body).expect("write");
        }
        std::fs::create_dir_all(dir.path().join("templates")).expect("dir");
        std::fs::write(dir.path().join("templates/office-hours.yaml"), &text).expect("write");
        let (rules, diagnostics) = crate::rules::load(dir.path());
        assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
        let rules = rules.expect("valid");
        let [loaded] = rules.templates() else { panic!("one template") };
        let written = saved.template().expect("parses");
        assert_eq!(
            (&loaded.id, &loaded.title, &loaded.tags, &loaded.texts),
            (&written.id, &written.title, &written.tags, &written.texts)
        );
    }

    #[test]
    fn find_after_places_a_needle_by_line_and_character() {
        let source = "id: a\ntext:\n  en: |\n    Hi {{x}}\n  ru: Привет {{x}}\n";
        assert_eq!(find_after(source, Position::new(3, 7), "{{x}}"), Some(Position::new(4, 8)));
        assert_eq!(find_after(source, Position::new(5, 7), "{{x}}"), Some(Position::new(5, 14)));
        assert_eq!(find_after(source, Position::new(5, 7), "{{y}}"), None);
    }
}

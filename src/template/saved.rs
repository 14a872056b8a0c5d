//! Templates the team saves from a topic (`/template save <id>`), every version kept, and
//! the record of each use; which template is in force when a file and a save share an id.
//!
//! A saved version is a whole template (title, tags, categories, a text per language): the
//! save replaces one language's text of the template in force and keeps the rest. It
//! remembers the file template version it was made over (`over`). A file and a saved
//! template with one id: the saved one is in force while the file still holds the version
//! it was made over; once the file changes (a lead edited it, or moved the exported set
//! into `rules/`), the file is the newer word and wins. So a save takes effect at once, and
//! a lead's edit of the file is never silently shadowed by an older save.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Source, Template, Text};

/// One saved version of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedTemplate {
    pub id: String,
    /// 1 for the first save of this id, then 2, 3...
    pub number: u32,
    pub author: u64,
    pub author_name: String,
    pub at: Timestamp,
    pub title: String,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    /// Text per language, the default first.
    pub texts: Vec<(String, String)>,
    /// The file template's version this was saved over, if a file template was in force.
    pub over: Option<String>,
}

/// One template sent to a customer: for `/templates stats`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateUse {
    pub template: String,
    pub version: String,
    pub agent: u64,
    pub ticket: u64,
    pub at: Timestamp,
}

impl SavedTemplate {
    /// The template this version is; `None` when a text no longer parses (a saved version
    /// is parsed when saved, so only a damaged record gets here).
    pub fn template(&self) -> Option<Template> {
        let texts = self
            .texts
            .iter()
            .map(|(language, text)| Text::parse(text).ok().map(|parsed| (language.clone(), parsed)))
            .collect::<Option<Vec<_>>>()?;
        (!texts.is_empty()).then(|| Template {
            id: self.id.clone(),
            title: self.title.clone(),
            tags: self.tags.clone(),
            categories: self.categories.clone(),
            texts,
            version: format!("v{}", self.number),
            source: Source::Saved { number: self.number, author: self.author, at: self.at },
            stems: super::Stems::default(),
        })
    }
}

/// The templates in force, sorted by id: the files' and the newest saved version of each
/// id, a shared id settled as this module's `//!` says.
pub fn in_force(files: &[Template], saved: &[SavedTemplate]) -> Vec<Template> {
    let mut newest: BTreeMap<&str, &SavedTemplate> = BTreeMap::new();
    for version in saved {
        let slot = newest.entry(version.id.as_str()).or_insert(version);
        if version.number > slot.number {
            *slot = version;
        }
    }
    let mut all: Vec<Template> = Vec::new();
    for file in files {
        let chosen = match newest.remove(file.id.as_str()) {
            Some(version) if version.over.as_deref() == Some(file.version.as_str()) => {
                version.template().unwrap_or_else(|| file.clone())
            }
            _ => file.clone(),
        };
        all.push(chosen);
    }
    all.extend(newest.values().filter_map(|version| version.template()));
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

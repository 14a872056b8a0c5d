//! Saved templates and template uses: every version a supervisor saved with `/template
//! save`, and one row per template sent, for `/templates stats`.
//!
//! Both tables appeared after the first schema; a file no new build opened for writing
//! yet has neither, which reads as none saved and none used.

use jiff::Timestamp;
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::open::{TEMPLATE_USES, TEMPLATES};
use super::records::{decode, encode};
use super::tables::NEXT_TEMPLATE_USE;
use super::tx::{ReadTx, Tx};
use crate::template::{SavedTemplate, TemplateUse};

const SAVED_RECORD_VERSION: u32 = 1;
const USE_RECORD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SavedRecord {
    v: u32,
    author: u64,
    author_name: String,
    at: Timestamp,
    title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    categories: Vec<String>,
    /// (language, text), the default language first.
    texts: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    over: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct UseRecord {
    v: u32,
    template: String,
    version: String,
    agent: u64,
    ticket: u64,
}

impl Tx<'_> {
    /// Stores a saved version under (id, number); a number saved before is replaced.
    pub fn save_template(&mut self, saved: &SavedTemplate) -> Result<(), StoreError> {
        let record = SavedRecord {
            v: SAVED_RECORD_VERSION,
            author: saved.author,
            author_name: saved.author_name.clone(),
            at: saved.at,
            title: saved.title.clone(),
            tags: saved.tags.clone(),
            categories: saved.categories.clone(),
            texts: saved.texts.clone(),
            over: saved.over.clone(),
        };
        self.open(TEMPLATES)?.insert((saved.id.as_str(), saved.number), encode(&record).as_slice())?;
        Ok(())
    }

    /// Records one template sent, under its time and a use number of its own (two uses
    /// in one millisecond, as in one page of updates, are both kept).
    pub fn record_template_use(&mut self, used: &TemplateUse) -> Result<(), StoreError> {
        let record = UseRecord {
            v: USE_RECORD_VERSION,
            template: used.template.clone(),
            version: used.version.clone(),
            agent: used.agent,
            ticket: used.ticket,
        };
        let number = self.bump(NEXT_TEMPLATE_USE)?;
        self.open(TEMPLATE_USES)?.insert((used.at.as_millisecond(), number), encode(&record).as_slice())?;
        Ok(())
    }

    pub fn saved_templates(&self) -> Result<Vec<SavedTemplate>, StoreError> {
        saved_from(&*self.open(TEMPLATES)?)
    }

    pub fn template_uses(&self) -> Result<Vec<TemplateUse>, StoreError> {
        uses_from(&*self.open(TEMPLATE_USES)?)
    }
}

impl ReadTx {
    /// Every saved version, by id then number.
    pub fn saved_templates(&self) -> Result<Vec<SavedTemplate>, StoreError> {
        match self.open(TEMPLATES) {
            Ok(table) => saved_from(&table),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        }
    }

    /// Every template use, oldest first.
    pub fn template_uses(&self) -> Result<Vec<TemplateUse>, StoreError> {
        match self.open(TEMPLATE_USES) {
            Ok(table) => uses_from(&table),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        }
    }
}

fn saved_from(
    table: &impl ReadableTable<(&'static str, u32), &'static [u8]>,
) -> Result<Vec<SavedTemplate>, StoreError> {
    let mut all = Vec::new();
    for row in table.iter()? {
        let (key, value) = row?;
        let (id, number) = key.value();
        let record: SavedRecord = decode("saved template", value.value())?;
        if record.v != SAVED_RECORD_VERSION {
            return Err(StoreError::RecordVersion { what: "saved template", version: record.v });
        }
        all.push(SavedTemplate {
            id: id.to_owned(),
            number,
            author: record.author,
            author_name: record.author_name,
            at: record.at,
            title: record.title,
            tags: record.tags,
            categories: record.categories,
            texts: record.texts,
            over: record.over,
        });
    }
    Ok(all)
}

fn uses_from(table: &impl ReadableTable<(i64, u64), &'static [u8]>) -> Result<Vec<TemplateUse>, StoreError> {
    let mut all = Vec::new();
    for row in table.iter()? {
        let (key, value) = row?;
        let (millis, _number) = key.value();
        let record: UseRecord = decode("template use", value.value())?;
        if record.v != USE_RECORD_VERSION {
            return Err(StoreError::RecordVersion { what: "template use", version: record.v });
        }
        let at = Timestamp::from_millisecond(millis).unwrap_or(Timestamp::MAX);
        all.push(TemplateUse {
            template: record.template,
            version: record.version,
            agent: record.agent,
            ticket: record.ticket,
            at,
        });
    }
    Ok(all)
}

//! The immutable, content-hashed rule set the desk decides with.
//!
//! A [`RuleSet`] is built only by the loader and never changes; reload builds a new one and
//! swaps it in whole (invariant 6). Its version is a blake3 hash over every file's relative
//! path and bytes, so two directories with the same content have the same version, and every
//! decision can name the version that made it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::desk::DeskConfig;
use super::form::Form;
use super::scenario::ScenarioFile;
use super::team::Team;
use crate::calendar::BusinessCalendar;
use crate::diagnostic::Diagnostic;
use crate::kb::KnowledgeBase;
use crate::script::Scripts;
use crate::template::Template;

/// A rule set's content hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleSetVersion(blake3::Hash);

impl RuleSetVersion {
    /// Hashes (relative path, bytes) pairs; the caller passes them sorted by path.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> RuleSetVersion {
        let mut hasher = blake3::Hasher::new();
        for (path, bytes) in files {
            // Lengths first, so ("ab", "c") and ("a", "bc") cannot collide.
            hasher.update(&(path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        RuleSetVersion(hasher.finalize())
    }

    /// The first 12 hex digits, as shown in ticket history and messages.
    pub fn short(&self) -> String {
        self.0.to_hex()[..12].to_owned()
    }

    /// All 64 hex digits.
    pub fn full(&self) -> String {
        self.0.to_hex().to_string()
    }
}

impl fmt::Display for RuleSetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

/// Everything in a valid rules directory, compiled.
#[derive(Debug)]
pub struct RuleSet {
    version: RuleSetVersion,
    dir: PathBuf,
    desk: DeskConfig,
    team: Team,
    calendar: BusinessCalendar,
    working_hours: BTreeMap<i64, BusinessCalendar>,
    forms: Vec<Arc<Form>>,
    scripts: Scripts,
    scenarios: Vec<ScenarioFile>,
    knowledge_base: Arc<KnowledgeBase>,
    warnings: Vec<Diagnostic>,
    templates: Vec<Template>,
}

/// The loaded parts a rule set is made of.
pub(crate) struct Parts {
    pub desk: DeskConfig,
    pub team: Team,
    pub calendar: BusinessCalendar,
    /// Agents' own working hours, by Telegram id; agents without any are always on duty.
    pub working_hours: BTreeMap<i64, BusinessCalendar>,
    pub forms: Vec<Arc<Form>>,
    pub scripts: Scripts,
    pub scenarios: Vec<ScenarioFile>,
    /// The articles of `kb/*.md`, indexed (the scripts' `kb_search` reads the same).
    pub knowledge_base: Arc<KnowledgeBase>,
    pub warnings: Vec<Diagnostic>,
    /// The response templates of `templates/*.yaml`, by id.
    pub templates: Vec<Template>,
}

impl RuleSet {
    /// Only the loader builds rule sets, from all of their parts.
    pub(crate) fn new(version: RuleSetVersion, dir: PathBuf, parts: Parts) -> RuleSet {
        let Parts {
            desk,
            team,
            calendar,
            working_hours,
            forms,
            scripts,
            scenarios,
            knowledge_base,
            templates,
            warnings,
        } = parts;
        RuleSet {
            version,
            dir,
            desk,
            team,
            calendar,
            working_hours,
            forms,
            scripts,
            scenarios,
            knowledge_base,
            warnings,
            templates,
        }
    }

    /// Whether the agent is within their own working hours at `at`; always, for an agent
    /// team.yaml gives none.
    pub fn on_duty(&self, agent: i64, at: jiff::Timestamp) -> bool {
        self.working_hours.get(&agent).is_none_or(|hours| hours.is_open(at))
    }

    /// The first end of the agent's working hours after `at`; `None` for an agent
    /// team.yaml gives none (always on duty).
    pub fn shift_end(&self, agent: i64, at: jiff::Timestamp) -> Option<jiff::Timestamp> {
        self.working_hours.get(&agent)?.next_close(at)
    }

    /// When the agent's hours start again, for private notices to wait for: `None` while
    /// they are within them. Their own working hours, else the desk's business hours.
    pub fn shift_start(&self, agent: i64, at: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let hours = self.working_hours.get(&agent).unwrap_or(&self.calendar);
        (!hours.is_open(at)).then(|| hours.next_open(at))
    }

    /// The desk's business calendar (open around the clock when desk.yaml sets no hours).
    pub fn calendar(&self) -> &BusinessCalendar {
        &self.calendar
    }

    pub fn version(&self) -> RuleSetVersion {
        self.version
    }

    /// The directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn desk(&self) -> &DeskConfig {
        &self.desk
    }

    pub fn team(&self) -> &Team {
        &self.team
    }

    /// Every form, by id.
    pub fn forms(&self) -> &[Arc<Form>] {
        &self.forms
    }

    /// The form with `id`; an intake session keeps the `Arc` it started with across reloads.
    pub fn form(&self, id: &str) -> Option<Arc<Form>> {
        self.forms.iter().find(|form| form.id == id).cloned()
    }

    /// The forms offered to customers, in desk.yaml's `intake.forms` order (default: all, by id).
    pub fn intake_forms(&self) -> Vec<Arc<Form>> {
        if self.desk.intake_forms.is_empty() {
            return self.forms.clone();
        }
        self.desk.intake_forms.iter().filter_map(|id| self.form(&id.value)).collect()
    }

    /// The compiled hooks: `route`, `sla`, `on_breach`, `on_message`, `validate_form`.
    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }

    /// The scenarios of `tests/*.yaml`.
    pub fn scenarios(&self) -> &[ScenarioFile] {
        &self.scenarios
    }

    /// The response templates of `templates/*.yaml`, sorted by id.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The knowledge base of `kb/*.md` (empty when there is none).
    pub fn knowledge_base(&self) -> &KnowledgeBase {
        &self.knowledge_base
    }

    /// Warnings found while loading (a valid set has no errors).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::RuleSetVersion;

    #[test]
    fn version_depends_on_every_path_and_byte() {
        let base = RuleSetVersion::of([("desk.yaml", b"a".as_slice()), ("team.yaml", b"b".as_slice())]);
        let same = RuleSetVersion::of([("desk.yaml", b"a".as_slice()), ("team.yaml", b"b".as_slice())]);
        let edited = RuleSetVersion::of([("desk.yaml", b"a".as_slice()), ("team.yaml", b"c".as_slice())]);
        let renamed = RuleSetVersion::of([("desk.yaml", b"a".as_slice()), ("teams.yaml", b"b".as_slice())]);
        let shifted = RuleSetVersion::of([("desk.yaml", b"ab".as_slice()), ("team.yaml", b"".as_slice())]);
        assert_eq!(base, same);
        for other in [edited, renamed, shifted] {
            assert_ne!(base, other);
        }
        assert_eq!(base.short().len(), 12);
        assert!(base.full().starts_with(&base.short()));
    }
}

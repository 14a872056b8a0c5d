//! Reading a rules directory into a [`RuleSet`], reporting every problem on the way.
//!
//! One path for start-up, `topicdesk check` and hot reload: read every file, hash them, then
//! per YAML file parse (located tree), validate against its JSON Schema, deserialize into the
//! raw structs, and run the semantic checks; compile the scripts; finally the cross-file checks.
//! A stage that fails for a file skips that file's later stages (so one mistake is reported
//! once), but every file is looked at.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::desk::{DeskConfig, RawDesk};
use super::form::{Form, RawForm};
use super::ruleset::{Parts, RuleSet, RuleSetVersion};
use super::scenario::RawScenarioFile;
use super::schema::{self, SchemaKind};
use super::team::{RawTeam, Team};
use super::templates::RawTemplate;
use super::yaml::{self, Node};
use crate::calendar::BusinessCalendar;
use crate::diagnostic::{Diagnostic, FileSink, Position};
use crate::kb::KnowledgeBase;
use crate::script::{ScriptFile, Scripts};

/// A file of the rules directory: its path (the directory joined with the relative path) and text.
struct SourceFile {
    relative: String,
    path: PathBuf,
    text: String,
}

/// Loads `dir`. Returns the rule set when there is no error, and every diagnostic (warnings
/// included) either way, sorted by file and position.
pub fn load(dir: &Path) -> (Option<RuleSet>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let files = read_dir(dir, &mut diagnostics);
    let version = RuleSetVersion::of(files.iter().map(|file| (file.relative.as_str(), file.text.as_bytes())));

    let scripts_sources: Vec<ScriptFile> = files
        .iter()
        .filter(|file| has_extension(&file.relative, "rhai"))
        .map(|file| ScriptFile { path: file.path.clone(), text: file.text.clone() })
        .collect();
    let knowledge_base = Arc::new(knowledge_base(&files, &mut diagnostics));
    let scripts = Scripts::compile(&scripts_sources, &version.short(), &mut diagnostics)
        .with_knowledge_base(Arc::clone(&knowledge_base));

    let find = |relative: &str| files.iter().find(|file| file.relative == relative);
    let desk = if let Some(file) = find("desk.yaml") {
        parse::<RawDesk>(file, SchemaKind::Desk, &mut diagnostics)
            .map(|(raw, tree)| raw.validate(&tree, &mut sink(&file.path, &mut diagnostics)))
    } else {
        diagnostics.push(Diagnostic::error(&dir.join("desk.yaml"), Position::FILE, "missing desk.yaml"));
        None
    };
    let team = if let Some(file) = find("team.yaml") {
        parse::<RawTeam>(file, SchemaKind::Team, &mut diagnostics)
            .map(|(raw, tree)| raw.validate(&tree, &mut sink(&file.path, &mut diagnostics)))
    } else {
        diagnostics.push(Diagnostic::error(&dir.join("team.yaml"), Position::FILE, "missing team.yaml"));
        None
    };
    let mut forms: Vec<Arc<Form>> = Vec::new();
    for file in files.iter().filter(|file| file.relative.starts_with("forms/")) {
        if let Some((raw, tree)) = parse::<RawForm>(file, SchemaKind::Form, &mut diagnostics) {
            let form = raw.validate(&tree, &mut sink(&file.path, &mut diagnostics));
            let mut file_sink = sink(&file.path, &mut diagnostics);
            if let Some(first) = forms.iter().find(|existing| existing.id == form.id) {
                let position = tree.get("id").map_or(Position::FILE, |node| node.position);
                file_sink.error(
                    position,
                    format!("form id `{}` is also used by {}", form.id, first.path.display()),
                );
                continue;
            }
            check_validate_function(&form, &scripts, &mut file_sink);
            forms.push(Arc::new(form));
        }
    }
    if forms.is_empty() && !diagnostics.iter().any(|d| d.path.starts_with(dir.join("forms"))) {
        diagnostics.push(Diagnostic::error(
            &dir.join("forms"),
            Position::FILE,
            "no intake form: add forms/<name>.yaml",
        ));
    }
    let templates = load_templates(&files, &forms, &mut diagnostics);
    let mut scenarios = Vec::new();
    for file in files.iter().filter(|file| file.relative.starts_with("tests/")) {
        if let Some((raw, tree)) = parse::<RawScenarioFile>(file, SchemaKind::RuleTest, &mut diagnostics) {
            scenarios.push(raw.validate(&tree, team.as_ref(), &mut sink(&file.path, &mut diagnostics)));
        }
    }
    if let Some(team) = &team {
        check_skills(team, &scripts, &mut diagnostics);
    }
    if let (Some(desk), Some(team)) = (&desk, &team) {
        check_desk_references(desk, team, &forms, &mut diagnostics);
        super::groups::check_group_references(desk, team, &dir.join("team.yaml"), &forms, &mut diagnostics);
    }
    let calendar = desk.as_ref().and_then(|desk| business_calendar(desk, &mut diagnostics));
    let working_hours = match (&desk, &team) {
        (Some(desk), Some(team)) => {
            super::team::working_calendars(team, desk, &dir.join("team.yaml"), &mut diagnostics)
        }
        _ => std::collections::BTreeMap::new(),
    };

    diagnostics.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let rule_set = match (desk, team, calendar) {
        (Some(desk), Some(team), Some(calendar)) if !has_errors => {
            forms.sort_by(|a, b| a.id.cmp(&b.id));
            let warnings = diagnostics.clone();
            let parts = Parts {
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
            };
            Some(RuleSet::new(version, dir.to_owned(), parts))
        }
        _ => None,
    };
    (rule_set, diagnostics)
}

fn has_extension(name: &str, extension: &str) -> bool {
    Path::new(name).extension().is_some_and(|own| own.eq_ignore_ascii_case(extension))
}

fn sink<'a>(path: &'a Path, out: &'a mut Vec<Diagnostic>) -> FileSink<'a> {
    FileSink { path, out }
}

/// Every file the rule set is made of, sorted by relative path (the hash depends on it).
fn read_dir(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<SourceFile> {
    if !dir.is_dir() {
        diagnostics.push(Diagnostic::error(dir, Position::FILE, "rules directory not found"));
        return Vec::new();
    }
    let mut relatives: Vec<String> = Vec::new();
    let mut list = |sub: &str, wanted: &dyn Fn(&str) -> bool| {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Editors' temporary and backup files (".x.swp", "x~", ".#x") are not rules.
            if name.starts_with('.') || name.ends_with('~') || !entry.path().is_file() || !wanted(&name) {
                continue;
            }
            relatives.push(if sub.is_empty() { name } else { format!("{sub}/{name}") });
        }
    };
    let is_yaml = |name: &str| has_extension(name, "yaml") || has_extension(name, "yml");
    list("", &|name| name == "desk.yaml" || name == "team.yaml" || has_extension(name, "rhai"));
    list("forms", &is_yaml);
    list("tests", &is_yaml);
    list("templates", &is_yaml);
    list("kb", &|name| has_extension(name, "md"));
    relatives.sort();
    relatives
        .into_iter()
        .filter_map(|relative| {
            let path = dir.join(&relative);
            match fs::read_to_string(&path) {
                Ok(text) => Some(SourceFile { relative, path, text }),
                Err(error) => {
                    diagnostics.push(Diagnostic::error(
                        &path,
                        Position::FILE,
                        format!("cannot read: {error}"),
                    ));
                    None
                }
            }
        })
        .collect()
}

/// The articles of `kb/*.md`, indexed; an article with a problem is reported and left out.
fn knowledge_base(files: &[SourceFile], diagnostics: &mut Vec<Diagnostic>) -> KnowledgeBase {
    let articles = files
        .iter()
        .filter(|file| file.relative.starts_with("kb/"))
        .filter_map(|file| super::kb::article(&file.path, &file.text, &mut sink(&file.path, diagnostics)))
        .collect();
    KnowledgeBase::new(articles)
}

/// Located tree, schema, typed parse: `None` (with diagnostics) when any stage fails.
fn parse<R: DeserializeOwned>(
    file: &SourceFile,
    kind: SchemaKind,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(R, Node)> {
    let mut file_sink = sink(&file.path, diagnostics);
    let tree = match yaml::parse(&file.text) {
        Ok(tree) => tree,
        Err(error) => {
            file_sink.error(error.position, error.message);
            return None;
        }
    };
    if !schema::validate(kind, &tree, &tree.to_json(), &mut file_sink) {
        return None;
    }
    // An empty file is an empty mapping to the tree; give serde the same.
    let text = if file.text.trim().is_empty() { "{}" } else { file.text.as_str() };
    match serde_yaml::from_str::<R>(text) {
        Ok(raw) => Some((raw, tree)),
        Err(error) => {
            let position = error
                .location()
                .map_or(Position::FILE, |at| Position::new(at.line() as u32, at.column() as u32));
            let message = error.to_string();
            // serde_yaml appends " at line X column Y"; the position is printed in front instead.
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            file_sink.error(position, message);
            None
        }
    }
}

/// `templates/*.yaml`, checked against the forms (for `fields.<id>` placeholders), sorted
/// by id; a second template with an id already used is an error on its `id`.
fn load_templates(
    files: &[SourceFile],
    forms: &[Arc<Form>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<crate::template::Template> {
    let mut templates: Vec<crate::template::Template> = Vec::new();
    for file in files.iter().filter(|file| file.relative.starts_with("templates/")) {
        let Some((raw, tree)) = parse::<RawTemplate>(file, SchemaKind::Template, diagnostics) else {
            continue;
        };
        let mut file_sink = sink(&file.path, diagnostics);
        let Some(template) = raw.validate(&tree, &file.text, forms, &mut file_sink) else { continue };
        if let Some(first) = templates.iter().find(|existing| existing.id == template.id) {
            let position = tree.get("id").map_or(Position::FILE, |node| node.position);
            let first = match &first.source {
                crate::template::Source::File(path) => path.display().to_string(),
                crate::template::Source::Saved { .. } => "a saved template".to_owned(),
            };
            file_sink.error(position, format!("template id `{}` is also used by {first}", template.id));
            continue;
        }
        templates.push(template);
    }
    templates.sort_by(|a, b| a.id.cmp(&b.id));
    templates
}

fn check_validate_function(form: &Form, scripts: &Scripts, sink: &mut FileSink<'_>) {
    let Some(function) = &form.validate else { return };
    if !scripts.is_complete() || scripts.has_function(function, 1) {
        return;
    }
    let arities = scripts.arities(function);
    let message = if arities.is_empty() {
        format!("`validate` names `{function}`, but no .rhai file defines fn {function}(answers)")
    } else {
        format!("`validate` names `{function}`, which must take 1 parameter (answers), not {}", arities[0])
    };
    sink.error(form.validate_position, message);
}

fn check_skills(team: &Team, scripts: &Scripts, diagnostics: &mut Vec<Diagnostic>) {
    for (skill, site) in scripts.skills_used() {
        if !team.has_skill(skill) {
            diagnostics.push(Diagnostic::warning(
                &site.path,
                site.position,
                format!("no agent in team.yaml has skill `{skill}`, so this never finds anyone"),
            ));
        }
    }
}

/// Builds the desk's business calendar, placing each of its errors on the setting at fault.
fn business_calendar(desk: &DeskConfig, diagnostics: &mut Vec<Diagnostic>) -> Option<BusinessCalendar> {
    use crate::calendar::Setting;
    let holidays: Vec<&str> = desk.holidays.iter().map(|h| h.value.as_str()).collect();
    let hours: Vec<(&str, &str)> =
        desk.business_hours.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
    let built = if hours.is_empty() {
        // Open around the clock; the time zone still names the desk's local time.
        match jiff::tz::TimeZone::get(desk.timezone.value.trim()) {
            Ok(_) => Ok(BusinessCalendar::always()),
            Err(_) => Err(vec![crate::calendar::CalendarError::UnknownTimeZone {
                name: desk.timezone.value.clone(),
            }]),
        }
    } else {
        BusinessCalendar::new(&desk.timezone.value, &hours, &holidays)
    };
    match built {
        Ok(calendar) => Some(calendar),
        Err(errors) => {
            for error in errors {
                let message = error.to_string();
                diagnostics.push(match error.setting() {
                    Setting::TimeZone => desk.diagnostic_at_timezone(message),
                    Setting::BusinessHours => desk.diagnostic_at_business_hours(message),
                    Setting::HoursKey(key) => desk.diagnostic_at_hours_key(key, message),
                    Setting::Holiday(index) => desk.diagnostic_at_holiday(index, message),
                });
            }
            None
        }
    }
}

fn check_desk_references(
    desk: &DeskConfig,
    team: &Team,
    forms: &[Arc<Form>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let accounts = desk.business.iter().flat_map(|account| account.forms.iter());
    for form_id in desk.intake_forms.iter().chain(accounts) {
        if !forms.iter().any(|form| form.id == form_id.value) {
            diagnostics.push(Diagnostic::error(
                &desk.path,
                form_id.position,
                format!("intake form `{}` is not defined in forms/", form_id.value),
            ));
        }
    }
    for account in &desk.business {
        let Some(agent) = &account.answered_by else { continue };
        if team.by_account(&agent.value).is_none() {
            diagnostics.push(Diagnostic::error(
                &desk.path,
                agent.position,
                format!(
                    "`answered_by` names {}, who is not an agent in team.yaml: the owner's answers from the \
                     account {} cannot be theirs. Add them to team.yaml or name someone who is",
                    agent.value, account.account
                ),
            ));
        }
    }
    for member in &desk.escalation_team {
        if !team.is_member(member.value) {
            diagnostics.push(Diagnostic::warning(
                &desk.path,
                member.position,
                format!(
                    "escalation_team member {} is not in team.yaml, so they cannot act on tickets",
                    member.value
                ),
            ));
        }
    }
}

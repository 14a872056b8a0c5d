//! Every file under `rules/`, `schemas/` and `examples/` is loaded here, through the same code
//! as `topicdesk check` and `topicdesk test`.

use std::fs;
use std::path::{Path, PathBuf};

use super::{SchemaKind, check_command};
use crate::scenarios::test_command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The shipped rule directories: `rules/` and each folder of `examples/` that has a desk.yaml.
fn rule_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![repo().join("rules")];
    for entry in fs::read_dir(repo().join("examples")).expect("examples/ exists").flatten() {
        if entry.path().join("desk.yaml").is_file() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn shipped_rule_directories_pass_check_and_their_scenarios() {
    let dirs = rule_dirs();
    assert!(dirs.len() >= 3, "rules/ and at least two examples: {dirs:?}");
    for dir in dirs {
        let mut out = Vec::new();
        let code = check_command(&dir, &mut out);
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!((code, text.as_str()), (0, ""), "check {}", dir.display());

        let mut out = Vec::new();
        let code = test_command(&dir, &mut out);
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(code, 0, "test {}:\n{text}", dir.display());
        let last = text.lines().last().unwrap_or_default();
        assert!(last.ends_with(" passed, 0 failed") && !last.starts_with("0 "), "{}: {last}", dir.display());
    }
}

#[test]
fn shipped_schemas_are_the_ones_compiled_in_and_valid() {
    for kind in SchemaKind::ALL {
        let path = repo().join("schemas").join(kind.file_name());
        let text = fs::read_to_string(&path).expect("schema file exists");
        assert_eq!(text, kind.text(), "{} differs from the compiled-in copy", path.display());
        let schema: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(jsonschema::meta::is_valid(&schema), "{} is not a valid JSON Schema", path.display());
    }
    let mut files = Vec::new();
    files_under(&repo().join("schemas"), &mut files);
    assert_eq!(files.len(), SchemaKind::ALL.len(), "every file in schemas/ is known: {files:?}");
}

#[test]
fn every_shipped_yaml_file_names_its_schema_on_the_first_line() {
    let mut files = Vec::new();
    files_under(&repo().join("rules"), &mut files);
    files_under(&repo().join("examples"), &mut files);
    let yaml: Vec<_> =
        files.into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "yaml")).collect();
    assert!(yaml.len() >= 10, "{yaml:?}");
    for path in yaml {
        let text = fs::read_to_string(&path).expect("readable");
        let first = text.lines().next().unwrap_or_default();
        let schema = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{} does not start with the schema line", path.display()));
        let expected = match path.file_name().and_then(|name| name.to_str()) {
            Some("desk.yaml") => SchemaKind::Desk,
            Some("team.yaml") => SchemaKind::Team,
            _ if path.parent().is_some_and(|dir| dir.ends_with("forms")) => SchemaKind::Form,
            _ if path.parent().is_some_and(|dir| dir.ends_with("templates")) => SchemaKind::Template,
            _ => SchemaKind::RuleTest,
        };
        assert!(schema.ends_with(expected.file_name()), "{}: {schema}", path.display());
        let resolved = path.parent().expect("has a parent").join(schema);
        assert!(resolved.is_file(), "{}: {} does not exist", path.display(), resolved.display());
    }
}

#[test]
fn the_shipped_rules_carry_a_realistic_template_set_in_english_and_russian() {
    let (set, diagnostics) = super::load(&repo().join("rules"));
    let set = set.unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert!(set.templates().len() >= 12, "{} templates", set.templates().len());
    for template in set.templates() {
        let languages: Vec<&str> = template.texts.iter().map(|(language, _)| language.as_str()).collect();
        assert_eq!(languages, ["en", "ru"], "{}", template.id);
    }
    let (shop, diagnostics) = super::load(&repo().join("examples/two-person-shop"));
    let shop = shop.unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert!(shop.templates().len() >= 12, "{} templates in the shop example", shop.templates().len());
}

#[test]
fn decisions_name_the_rule_set_version() {
    let (set, diagnostics) = super::load(&repo().join("rules"));
    let set = set.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let team = set.team().view(|_| super::AgentState { load: 0, online: true });
    let ticket = crate::script::TicketView { category: "billing".to_owned(), ..Default::default() };
    let outcome = set.scripts().route(&ticket, &team, crate::script::RoundRobin::default());
    assert_eq!(*outcome.rule_set_version, set.version().short());
    assert_eq!(outcome.decided_by, crate::script::DecidedBy::Script);
}

//! Knowledge-base articles (`kb/*.md`): front matter read and checked, then indexed.
//!
//! An article is a Markdown file whose name is its id, opening with YAML front matter
//! between two `---` lines:
//!
//! ```text
//! ---
//! title: Reset your password
//! tags: [password, login]
//! url: https://help.example.com/reset-password   # optional: sent instead of the text
//! language: en                                     # optional, default en
//! ---
//! The text, sent to customers when there is no url.
//! ```
//!
//! Every problem is a diagnostic at the file's line and column (front-matter positions are
//! shifted past the opening `---`); an article with a problem is left out and the rule set
//! refused, like any other file's.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::yaml;
use crate::diagnostic::{FileSink, Position};
use crate::kb::{Article, LANGUAGES, Language, MAX_ID_BYTES};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    url: Option<String>,
    language: Option<String>,
}

/// The line that opens and closes front matter.
const FENCE: &str = "---";

/// Reads one article from the text of `kb/<id>.md` at `path`; `None` (with diagnostics)
/// when anything is wrong with it.
pub(crate) fn article(path: &Path, text: &str, sink: &mut FileSink<'_>) -> Option<Article> {
    static ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new("^[a-z0-9][a-z0-9_-]*$").expect("a valid regex"));
    let id = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    if !ID.is_match(&id) || id.len() > MAX_ID_BYTES {
        sink.error(
            Position::FILE,
            format!(
                "article file name `{id}.md` is its id: lower-case letters, digits, `-` and `_`, \
                 at most {MAX_ID_BYTES} characters"
            ),
        );
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|line| line.trim_end()) != Some(FENCE) {
        sink.error(
            Position::FILE,
            "an article starts with front matter: a `---` line, `title:` and the other settings, then `---`",
        );
        return None;
    }
    let Some(close) = lines.iter().skip(1).position(|line| line.trim_end() == FENCE).map(|at| at + 1) else {
        sink.error(Position::FILE, "front matter is never closed: add a `---` line after its settings");
        return None;
    };
    // Positions inside the front matter are one line down in the file.
    let shift = |position: Position| Position::new(position.line + 1, position.col);
    let front = lines[1..close].join("\n");
    let tree = match yaml::parse(&front) {
        Ok(tree) => tree,
        Err(error) => {
            sink.error(shift(error.position), error.message);
            return None;
        }
    };
    let front_text = if front.trim().is_empty() { "{}" } else { front.as_str() };
    let raw: RawFrontMatter = match serde_yaml::from_str(front_text) {
        Ok(raw) => raw,
        Err(error) => {
            let position = error
                .location()
                .map_or(Position::new(1, 1), |at| Position::new(at.line() as u32, at.column() as u32));
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            sink.error(shift(position), format!("front matter: {message}"));
            return None;
        }
    };
    let at = |key: &str| shift(tree.get(key).map_or(Position::new(1, 1), |node| node.position));
    let mut fine = true;
    if raw.title.trim().is_empty() {
        sink.error(at("title"), "`title` is empty: it is what agents and customers see in the list");
        fine = false;
    }
    if raw.tags.iter().any(|tag| tag.trim().is_empty()) {
        sink.error(at("tags"), "a tag is empty");
        fine = false;
    }
    let language = match &raw.language {
        None => Language::ENGLISH,
        Some(code) => Language::from_code(code).unwrap_or_else(|| {
            let known: Vec<&str> = LANGUAGES.iter().map(|(code, _)| *code).collect();
            sink.error(at("language"), format!("unknown language `{code}`; known: {}", known.join(", ")));
            fine = false;
            Language::ENGLISH
        }),
    };
    if let Some(url) = &raw.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        sink.error(at("url"), format!("`url` must start with https:// or http://, not `{url}`"));
        fine = false;
    }
    let body = lines[close + 1..].join("\n").trim().to_owned();
    if body.is_empty() && raw.url.is_none() {
        sink.error(
            Position::new(close as u32 + 2, 1),
            "the article has no text and no `url`: a customer would receive only its title",
        );
        fine = false;
    }
    fine.then(|| Article {
        id,
        title: raw.title.trim().to_owned(),
        tags: raw.tags.iter().map(|tag| tag.trim().to_owned()).collect(),
        url: raw.url,
        language,
        text: body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    #[track_caller]
    fn check(name: &str, text: &str, expect: &expect_test::Expect) {
        let path = Path::new("kb").join(name);
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let article = article(&path, text, &mut FileSink { path: &path, out: &mut diagnostics });
        let mut shown = match article {
            Some(article) => format!("{article:?}\n"),
            None => String::new(),
        };
        for diagnostic in diagnostics {
            shown.push_str(&diagnostic.to_string());
            shown.push('\n');
        }
        expect.assert_eq(&shown);
    }

    #[test]
    fn reads_front_matter_and_text() {
        check(
            "reset-password.md",
            "---\ntitle: Reset your password\ntags: [password, login]\nlanguage: en\n---\n\nPress *Forgot password*.\n",
            &expect_test::expect![[r#"
                Article { id: "reset-password", title: "Reset your password", tags: ["password", "login"], url: None, language: Language(4), text: "Press *Forgot password*." }
            "#]],
        );
        check(
            "status.md",
            "---\ntitle: Service status\nurl: https://status.example.com\n---\n",
            &expect_test::expect![[r#"
                Article { id: "status", title: "Service status", tags: [], url: Some("https://status.example.com"), language: Language(4), text: "" }
            "#]],
        );
    }

    #[test]
    fn problems_are_placed_in_the_file() {
        check(
            "a.md",
            "title: no fence\n",
            &expect_test::expect![[r#"
                kb/a.md:1:1: an article starts with front matter: a `---` line, `title:` and the other settings, then `---`
            "#]],
        );
        check(
            "a.md",
            "---\ntitle: never closed\n",
            &expect_test::expect![[r#"
                kb/a.md:1:1: front matter is never closed: add a `---` line after its settings
            "#]],
        );
        check(
            "a.md",
            "---\ntitle: x\ncolour: red\n---\ntext\n",
            &expect_test::expect![[r#"
                kb/a.md:3:1: front matter: unknown field `colour`, expected one of `title`, `tags`, `url`, `language`
            "#]],
        );
        check(
            "a.md",
            "---\ntags: [x]\n---\ntext\n",
            &expect_test::expect![[r#"
                kb/a.md:2:1: front matter: missing field `title`
            "#]],
        );
        check(
            "a.md",
            "---\ntitle: x\nlanguage: klingon\nurl: help.example.com\n---\ntext\n",
            &expect_test::expect![[r#"
                kb/a.md:3:11: unknown language `klingon`; known: ar, da, de, el, en, es, fi, fr, hu, it, nl, no, pt, ro, ru, sv, ta, tr
                kb/a.md:4:6: `url` must start with https:// or http://, not `help.example.com`
            "#]],
        );
        check(
            "a.md",
            "---\ntitle: \"  \"\n---\n\n",
            &expect_test::expect![[r#"
                kb/a.md:2:8: `title` is empty: it is what agents and customers see in the list
                kb/a.md:4:1: the article has no text and no `url`: a customer would receive only its title
            "#]],
        );
        check(
            "a.md",
            "---\ntitle: [unclosed\n---\ntext\n",
            &expect_test::expect![[r#"
                kb/a.md:3:1: yaml syntax error: while parsing a flow sequence, expected ',' or ']'
            "#]],
        );
        check(
            "Bad Name.md",
            "---\ntitle: x\n---\ntext\n",
            &expect_test::expect![[r#"
                kb/Bad Name.md:1:1: article file name `Bad Name.md` is its id: lower-case letters, digits, `-` and `_`, at most 40 characters
            "#]],
        );
    }

    #[test]
    fn check_reports_articles_and_suggest_kb_after_at_their_place_and_refuses_the_set() {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::demo::write_default_rules(dir.path()).expect("write rules");
        std::fs::write(dir.path().join("kb/broken.md"), "---\ntitle: Broken\nlanguage: xx\n---\ntext\n")
            .expect("write an article");
        let form = dir.path().join("forms/support.yaml");
        let text = std::fs::read_to_string(&form).expect("read the form");
        let text = text.replace("suggest_kb_after: description", "suggest_kb_after: priority");
        std::fs::write(&form, text).expect("write the form");
        let (rules, diagnostics) = crate::rules::load(dir.path());
        assert!(rules.is_none(), "a rule set with a broken article is refused");
        let shown: Vec<String> = diagnostics
            .iter()
            .map(|d| d.to_string().replace(&dir.path().display().to_string(), "rules"))
            .collect();
        let suggest_line = std::fs::read_to_string(&form)
            .expect("read the form")
            .lines()
            .position(|line| line.starts_with("suggest_kb_after"))
            .expect("the setting")
            + 1;
        assert_eq!(
            shown,
            [
                format!(
                    "rules/forms/support.yaml:{suggest_line}:19: `suggest_kb_after` names `priority`, which is not a \
                     text field: articles are searched with its words"
                ),
                "rules/kb/broken.md:3:11: unknown language `xx`; known: ar, da, de, el, en, es, fi, fr, hu, it, nl, \
                 no, pt, ro, ru, sv, ta, tr"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn check_refuses_a_negative_minimum_score_for_articles_at_its_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::demo::write_default_rules(dir.path()).expect("write rules");
        let form = dir.path().join("forms/support.yaml");
        let text = std::fs::read_to_string(&form).expect("read the form");
        assert!(text.contains("suggest_kb_min_score: 3.0"), "the shipped form shows the default");
        std::fs::write(&form, text.replace("suggest_kb_min_score: 3.0", "suggest_kb_min_score: -1"))
            .expect("write the form");
        let (rules, diagnostics) = crate::rules::load(dir.path());
        assert!(rules.is_none(), "the edit is refused");
        let shown: Vec<String> = diagnostics
            .iter()
            .map(|d| d.to_string().replace(&dir.path().display().to_string(), "rules"))
            .collect();
        let line =
            text.lines().position(|line| line.starts_with("suggest_kb_min_score")).expect("the setting") + 1;
        let wanted = format!(
            "rules/forms/support.yaml:{line}:23: `suggest_kb_min_score` is too small: `-1` (minimum 0)"
        );
        assert!(shown.contains(&wanted), "{shown:#?}");
    }
}

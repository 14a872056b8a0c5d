//! Tidy: house rules checked on every source file, so they hold without a reviewer.

use std::path::{Path, PathBuf};

use crate::source::{code_only, test_lines};
use crate::support::rust_files;

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("utf-8 source");
            (p.strip_prefix(root).expect("under root").to_path_buf(), text)
        })
        .collect()
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! paragraph: {missing:?}");
}

#[test]
fn no_debugging_leftovers() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let name = path.display().to_string();
        let in_cli = name == "src/cli.rs" || name == "src/main.rs" || name.starts_with("src/cli/");
        // Unit-test files may print what they measured.
        let is_test = name.ends_with("tests.rs");
        for (index, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // Spelled in halves so that this file does not match itself.
            let banned = [
                (concat!("dbg", "!("), true),
                (concat!("todo", "!("), true),
                (concat!("unimplemented", "!("), true),
                (concat!("println", "!("), !in_cli && !is_test && name.starts_with("src/")),
            ];
            for (pattern, applies) in banned {
                if applies && code.contains(pattern) {
                    found.push(format!("{name}:{}: {pattern}", index + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "leftovers: {found:#?}");
}

/// Where a dependency may be named (DESIGN.md, invariant 9): the path prefixes of its module.
struct Boundary {
    krate: &'static str,
    allowed: &'static [&'static str],
}

const BOUNDARIES: &[Boundary] = &[
    Boundary { krate: "teloxide", allowed: &["src/telegram/"] },
    Boundary { krate: "redb", allowed: &["src/store/"] },
    Boundary { krate: "rhai", allowed: &["src/script/"] },
    Boundary { krate: "notify", allowed: &["src/rules/reload.rs"] },
    Boundary { krate: "notify_debouncer_full", allowed: &["src/rules/reload.rs"] },
    Boundary { krate: "serde_yaml", allowed: &["src/rules/"] },
    Boundary { krate: "saphyr", allowed: &["src/rules/"] },
    Boundary { krate: "axum", allowed: &["src/fakegram/", "src/http/"] },
    Boundary { krate: "prometheus_client", allowed: &["src/http/metrics.rs"] },
    Boundary { krate: "rust_stemmers", allowed: &["src/kb/text.rs"] },
    Boundary { krate: "ring", allowed: &["src/http/dashboard/auth.rs", "src/fakegram/webapp.rs"] },
    Boundary { krate: "rustix", allowed: &["src/script/engine.rs"] },
];

/// Test code outside a boundary that must name the dependency, each with its reason.
const TEST_ALLOWANCES: &[(&str, &str, &str)] = &[
    // (crate, path prefix, reason)
    (
        "teloxide",
        "src/fakegram/tests/",
        "the fake Bot API is checked against the real client it stands in for",
    ),
    ("notify", "src/rules/reload_tests.rs", "the reloader's unit tests feed it the watcher's own events"),
    ("notify_debouncer_full", "src/rules/reload_tests.rs", "the same, debounced"),
];

/// The edges, where the clock may be read; everything else gets `now` as a parameter.
const CLOCK_EDGES: &[&str] =
    &["src/host/", "src/http/", "src/cli.rs", "src/main.rs", "src/bench/", "src/fakegram/"];

/// Files outside the edges that read the clock, each with its reason.
const CLOCK_ALLOWANCES: &[(&str, &str)] = &[(
    "src/script/engine.rs",
    "a hook's time budget is measured on the clocks it limits (the wall clock, then the thread's CPU time)",
)];

/// Spelled in halves so that this file does not match itself.
const CLOCK_READS: &[&str] = &[
    concat!("SystemTime", "::now("),
    concat!("Instant", "::now("),
    concat!("Timestamp", "::now("),
    concat!("Zoned", "::now("),
    concat!("Utc", "::now("),
    concat!("Local", "::now("),
    concat!(".elapsed", "()"),
];

/// Every use of a dependency outside its module, in all code under `src/` (tests included,
/// but for [`TEST_ALLOWANCES`]). `tests/it` is not checked: it drives the program from
/// outside and may open a data file with redb to damage it on purpose.
#[test]
fn each_dependency_stays_in_its_module() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let name = path.display().to_string();
        if !name.starts_with("src/") {
            continue;
        }
        let code = code_only(&text);
        let in_test = test_lines(&name, &code);
        for (index, line) in code.lines().enumerate() {
            for boundary in BOUNDARIES {
                if boundary.allowed.iter().any(|prefix| name.starts_with(prefix))
                    || !names_crate(line, boundary.krate)
                {
                    continue;
                }
                let excused = in_test[index]
                    && TEST_ALLOWANCES
                        .iter()
                        .any(|(krate, prefix, _)| *krate == boundary.krate && name.starts_with(prefix));
                if !excused {
                    let allowed = boundary.allowed.join(", ");
                    found.push(format!("{name}:{}: {} is used outside {allowed}", index + 1, boundary.krate));
                }
            }
        }
    }
    assert!(found.is_empty(), "dependencies outside their modules (DESIGN.md, invariant 9): {found:#?}");
}

/// The clock is read only at the edges: the desk, tickets, SLA, intake, outbox and calendar
/// take `now` as a parameter. Test code may time itself.
#[test]
fn the_clock_is_read_only_at_the_edges() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let name = path.display().to_string();
        let allowed = CLOCK_EDGES.iter().any(|prefix| name.starts_with(prefix))
            || CLOCK_ALLOWANCES.iter().any(|(file, _)| name == *file);
        if !name.starts_with("src/") || allowed {
            continue;
        }
        let code = code_only(&text);
        let in_test = test_lines(&name, &code);
        for (index, line) in code.lines().enumerate() {
            if !in_test[index] && CLOCK_READS.iter().any(|read| line.contains(read)) {
                let edges = CLOCK_EDGES.join(", ");
                found.push(format!("{name}:{}: the clock is read outside {edges}", index + 1));
            }
        }
    }
    assert!(found.is_empty(), "clock reads outside the edges: {found:#?}");
}

/// Whether `line` (code only) names the crate `krate`: `krate::...`, `use krate` or
/// `extern crate krate`, not a field, method or module of ours that happens to share the name.
fn names_crate(line: &str, krate: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(krate).any(|(at, _)| {
        let before = line[..at].trim_end();
        let starts_word = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let after = &line[at + krate.len()..];
        let ends_word = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let path_start = after.starts_with("::") && !before.ends_with("::") && !before.ends_with('.');
        let used = before.ends_with("use") || before.ends_with("extern crate");
        starts_word && ends_word && (path_start || used)
    })
}

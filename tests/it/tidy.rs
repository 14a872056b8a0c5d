//! Tidy: house rules checked on every source file, so they hold without a reviewer.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

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

//! The module import graph: which top-level module of `src/` names which other one, and
//! the cycles among them.
//!
//! A module is the first path segment under `src/` (`src/sla/plan.rs` belongs to `sla`,
//! `src/ticket.rs` to `ticket`). An edge `a -> b` means some file of `a` names
//! `crate::b` (in a `use` or a path) or reaches `b` through `super::`. Test code is left
//! out: files named `tests.rs` or `*_tests.rs`, files under a `tests/` folder, and every
//! item under `#[cfg(test)]`. Comments and strings are left out too (`source`).
//!
//! `cargo test --test it modules -- --nocapture` prints the whole graph and its strongly
//! connected components; the snapshot below holds every cycle and the edges inside it,
//! so a module moved out of a cycle, or an edge cut, shows up as a change of it.
//!
//! The one cycle kept: `history` and `ticket`. They are one lifecycle in two files:
//! `Ticket::apply` returns the history entries of a change, and an entry records the
//! ticket's status, priority and topic as they became. Any other cycle is a shared type
//! living too high: move it down to the lowest module that means it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::source::{code_only, test_lines};
use crate::support::rust_files;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module path of a file, `src/` stripped: `sla/plan.rs` is `[sla, plan]`,
/// `sla/mod.rs` is `[sla]`, `lib.rs` is `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut segments: Vec<String> = relative.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let file = segments.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        segments.push(stem.to_owned());
    }
    segments
}

/// The code of a file (`src/`-relative `name`) without comments, strings and test code.
fn production_code(name: &str, text: &str) -> String {
    let code = code_only(text);
    let in_test = test_lines(name, &code);
    let mut kept = String::with_capacity(code.len());
    for (line, test) in code.lines().zip(in_test) {
        if !test {
            kept.push_str(line);
        }
        kept.push('\n');
    }
    kept
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The path segments that follow each `crate::` or `super::` run in `code`, resolved
/// against the file's module path to the top-level module they name.
fn named_modules(code: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let at_word_start = index == 0 || !is_ident_char(chars[index - 1]);
        let rest: String = chars[index..chars.len().min(index + 7)].iter().collect();
        if !at_word_start || !(rest.starts_with("crate::") || rest.starts_with("super::")) {
            index += 1;
            continue;
        }
        // Walk `crate::` or a run of `super::`.
        let mut base: Vec<String> = path.to_vec();
        let mut cursor = index;
        loop {
            let word: String = chars[cursor..chars.len().min(cursor + 7)].iter().collect();
            if word == "crate::" {
                base.clear();
                cursor += 7;
            } else if word == "super::" {
                base.pop();
                cursor += 7;
            } else {
                break;
            }
        }
        let segment: String = chars[cursor..].iter().take_while(|c| is_ident_char(**c)).collect();
        let top = match base.first() {
            Some(top) => Some(top.clone()),
            None if !segment.is_empty() => Some(segment),
            None => None,
        };
        found.extend(top);
        index = cursor.max(index + 1);
    }
    found
}

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut graph = Graph::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("under src");
        let path = module_path(relative);
        let Some(module) = path.first().cloned() else {
            continue; // lib.rs and main.rs only declare and call modules
        };
        let imports = graph.entry(module.clone()).or_default();
        let text = std::fs::read_to_string(&file).expect("utf-8 source");
        let name = format!("src/{}", relative.display());
        for named in named_modules(&production_code(&name, &text), &path) {
            if named != module {
                imports.insert(named);
            }
        }
    }
    // Names that are not modules (`crate::SomeReexport`) are not edges.
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for imports in graph.values_mut() {
        imports.retain(|named| modules.contains(named));
    }
    graph
}

/// Strongly connected components (Tarjan), each sorted, in order of their first member.
fn components(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        next_index: usize,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            self.index.insert(node, self.next_index);
            self.low.insert(node, self.next_index);
            self.next_index += 1;
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in &self.graph[node] {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                loop {
                    let member = self.stack.pop().expect("node on the stack");
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                component.sort();
                self.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        next_index: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found.sort();
    walk.found
}

fn render_graph(graph: &Graph) -> String {
    let mut out = String::new();
    for (module, imports) in graph {
        let imports: Vec<&str> = imports.iter().map(String::as_str).collect();
        writeln!(out, "{module} -> {}", imports.join(", ")).expect("write to a string");
    }
    out
}

/// Every cycle: its members, then each member's edges that stay inside it.
fn render_cycles(graph: &Graph) -> String {
    let mut out = String::new();
    for component in components(graph).into_iter().filter(|c| c.len() > 1) {
        writeln!(out, "cycle of {}: {}", component.len(), component.join(" ")).expect("write");
        for member in &component {
            let inside: Vec<&str> =
                graph[member].iter().filter(|named| component.contains(named)).map(String::as_str).collect();
            writeln!(out, "  {member} -> {}", inside.join(", ")).expect("write");
        }
    }
    if out.is_empty() {
        out.push_str("no cycle\n");
    }
    out
}

#[test]
fn module_import_cycles() {
    let graph = graph();
    let components: Vec<String> = components(&graph).iter().map(|c| format!("{{{}}}", c.join(" "))).collect();
    eprintln!("module import graph:\n{}", render_graph(&graph));
    eprintln!("strongly connected components: {}\n", components.join(" "));
    expect_test::expect![[r#"
        cycle of 2: history ticket
          history -> ticket
          ticket -> history
    "#]]
    .assert_eq(&render_cycles(&graph));
}

//! Compiling a rules directory's `.rhai` files into one set of functions.
//!
//! Each file is compiled on its own (so syntax errors carry the right file), then the ASTs are
//! merged so hooks can call helpers from any file. The host remembers which file and line
//! defines every function: runtime errors are reported there, and the loader's checks (hook
//! arity, `validate:` targets, skills named in routing) read it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use regex::Regex;
use rhai::AST;

use super::engine::{engine, forbidden_calls, lowercase_first};
use crate::diagnostic::{Diagnostic, Position};
use crate::kb::KnowledgeBase;

/// One `.rhai` file's path and text.
#[derive(Clone, Debug)]
pub struct ScriptFile {
    pub path: PathBuf,
    pub text: String,
}

/// Where a script function is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSite {
    pub path: PathBuf,
    pub position: Position,
}

/// A well-known hook: its function name and parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    Route,
    Sla,
    OnBreach,
    OnMessage,
    OnCsat,
    Group,
}

impl Hook {
    pub const ALL: [Hook; 6] =
        [Hook::Route, Hook::Sla, Hook::OnBreach, Hook::OnMessage, Hook::OnCsat, Hook::Group];

    /// The function name scripts define.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Route => "route",
            Hook::Sla => "sla",
            Hook::OnBreach => "on_breach",
            Hook::OnMessage => "on_message",
            Hook::OnCsat => "on_csat",
            Hook::Group => "group",
        }
    }

    /// The parameters the desk passes, in order.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Hook::Route => &["ticket", "team"],
            Hook::Sla => &["ticket"],
            Hook::OnBreach => &["ticket", "breach"],
            Hook::OnMessage => &["ticket", "message"],
            Hook::OnCsat => &["ticket", "csat"],
            Hook::Group => &["ticket", "groups"],
        }
    }
}

/// The compiled scripts of one rule set.
#[derive(Clone, Debug)]
pub struct Scripts {
    pub(crate) ast: Arc<AST>,
    /// Every script function by (name, number of parameters).
    functions: BTreeMap<(String, usize), FunctionSite>,
    /// False when a file failed to compile, so checks that need every function stay quiet.
    complete: bool,
    /// String literals passed to `team.round_robin`, `least_loaded` and `available`, with their sites.
    skills_used: Vec<(String, FunctionSite)>,
    pub(crate) version: Arc<str>,
    /// What `kb_search` searches during this rule set's hook calls.
    pub(crate) knowledge_base: Arc<KnowledgeBase>,
}

impl Scripts {
    /// Compiles `files` (in the given order) and reports every problem into `diagnostics`.
    pub fn compile(files: &[ScriptFile], version: &str, diagnostics: &mut Vec<Diagnostic>) -> Scripts {
        let mut merged = AST::empty();
        let mut functions: BTreeMap<(String, usize), FunctionSite> = BTreeMap::new();
        let mut complete = true;
        let mut skills_used = Vec::new();
        let mut compiled: Vec<(&Path, AST)> = Vec::new();
        for file in files {
            let mut ast = match engine().compile(&file.text) {
                Ok(ast) => ast,
                Err(error) => {
                    complete = false;
                    let position = Position::new(
                        error.position().line().unwrap_or(1) as u32,
                        error.position().position().unwrap_or(1) as u32,
                    );
                    let message = format!("syntax error: {}", lowercase_first(&error.err_type().to_string()));
                    diagnostics.push(Diagnostic::error(&file.path, position, message));
                    continue;
                }
            };
            ast.set_source(file.path.display().to_string());
            for function in ast.iter_functions() {
                let site = FunctionSite {
                    path: file.path.clone(),
                    position: definition_position(&file.text, function.name),
                };
                let key = (function.name.to_owned(), function.params.len());
                if let Some(first) = functions.get(&key) {
                    diagnostics.push(Diagnostic::error(
                        &site.path,
                        site.position,
                        format!(
                            "function `{}` with {} parameter(s) is already defined at {}:{}",
                            function.name,
                            key.1,
                            first.path.display(),
                            first.position
                        ),
                    ));
                    continue;
                }
                functions.insert(key, site);
            }
            skills_used.extend(skill_literals(&file.path, &file.text));
            merged = merged.merge(&ast);
            compiled.push((&file.path, ast));
        }
        // Only now are all functions known: a file may define its own `sleep` for another.
        let defined = |name: &str| functions.keys().any(|(own, _)| own == name);
        for (path, ast) in &compiled {
            for (position, why) in forbidden_calls(ast, &defined) {
                let position = Position::new(
                    position.line().unwrap_or(1) as u32,
                    position.position().unwrap_or(1) as u32,
                );
                diagnostics.push(Diagnostic::error(path, position, why));
            }
        }
        let scripts = Scripts {
            ast: Arc::new(merged),
            functions,
            complete,
            skills_used,
            version: version.into(),
            knowledge_base: Arc::default(),
        };
        scripts.check_hook_arity(diagnostics);
        scripts
    }

    fn check_hook_arity(&self, diagnostics: &mut Vec<Diagnostic>) {
        for hook in Hook::ALL {
            let expected = hook.params().len();
            if self.has_function(hook.name(), expected) {
                continue;
            }
            for ((name, arity), site) in &self.functions {
                if name == hook.name() && *arity != expected {
                    diagnostics.push(Diagnostic::error(
                        &site.path,
                        site.position,
                        format!(
                            "hook `{name}` takes {expected} parameter{} ({}), not {arity}",
                            if expected == 1 { "" } else { "s" },
                            hook.params().join(", ")
                        ),
                    ));
                }
            }
        }
    }

    /// Whether a function `name` with `arity` parameters exists in any file.
    /// The same scripts, with `kb_search` searching `knowledge_base`.
    pub fn with_knowledge_base(self, knowledge_base: Arc<KnowledgeBase>) -> Scripts {
        Scripts { knowledge_base, ..self }
    }

    /// Whether the rules define `hook` (with its parameters).
    pub fn has_hook(&self, hook: Hook) -> bool {
        self.has_function(hook.name(), hook.params().len())
    }

    pub fn has_function(&self, name: &str, arity: usize) -> bool {
        self.functions.contains_key(&(name.to_owned(), arity))
    }

    /// The arities of every function called `name`.
    pub fn arities(&self, name: &str) -> Vec<usize> {
        self.functions.keys().filter(|(own, _)| own == name).map(|(_, arity)| *arity).collect()
    }

    /// Whether every file compiled (checks that need all functions run only then).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Where `name`/`arity` is defined.
    pub fn site(&self, name: &str, arity: usize) -> Option<&FunctionSite> {
        self.functions.get(&(name.to_owned(), arity))
    }

    /// Skills named as string literals in `team.round_robin(...)`, `least_loaded(...)`, `available(...)`.
    pub fn skills_used(&self) -> &[(String, FunctionSite)] {
        &self.skills_used
    }
}

fn definition_position(text: &str, name: &str) -> Position {
    static DEFINITION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(").expect("valid regex"));
    DEFINITION
        .captures_iter(text)
        .find(|captures| &captures[1] == name)
        .and_then(|captures| captures.get(0))
        .map_or(Position::FILE, |found| position_at(text, found.start()))
}

fn skill_literals(path: &Path, text: &str) -> Vec<(String, FunctionSite)> {
    static SKILL_CALL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\.\s*(?:round_robin|least_loaded|available)\s*\(\s*"([^"\\]*)""#).expect("valid regex")
    });
    SKILL_CALL
        .captures_iter(text)
        .filter_map(|captures| captures.get(1))
        .filter(|skill| !skill.as_str().is_empty())
        .map(|skill| {
            let site = FunctionSite { path: path.to_owned(), position: position_at(text, skill.start() - 1) };
            (skill.as_str().to_owned(), site)
        })
        .collect()
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn position_at(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Position::new(line as u32, before[line_start..].chars().count() as u32 + 1)
}

//! Problems found in a rules directory, each pinned to a file, line and column.
//!
//! Every stage of the loader (YAML syntax, JSON Schema, typed parse, semantic checks, Rhai
//! compilation) reports through this one type, so `topicdesk check`, start-up and hot reload
//! print the same `path:line:col: message` lines. It sits below both `rules` (the loader)
//! and `script` (Rhai compilation) so that neither imports the other for it.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is: errors make the rule set unusable, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file. Lines and columns are 1-based; 0 means "the whole file".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

/// A 1-based line and column inside a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub col: u32,
}

impl Position {
    /// The start of a file, used when a problem concerns the file as a whole.
    pub const FILE: Position = Position { line: 1, col: 1 };

    pub const fn new(line: u32, col: u32) -> Position {
        Position { line, col }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

impl Diagnostic {
    /// An error at `position` in `path`.
    pub fn error(path: &Path, position: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(path, position, Severity::Error, message.into())
    }

    /// A warning at `position` in `path`.
    pub fn warning(path: &Path, position: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(path, position, Severity::Warning, message.into())
    }

    fn new(path: &Path, position: Position, severity: Severity, message: String) -> Diagnostic {
        Diagnostic { path: path.to_owned(), line: position.line, col: position.col, severity, message }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn position(&self) -> Position {
        Position::new(self.line, self.col)
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: message`, or `path:line:col: warning: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path.display(), self.line, self.col)?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Prints each diagnostic on its own line, as `topicdesk check` and `topicdesk test` do.
pub fn print_diagnostics(diagnostics: &[Diagnostic], out: &mut dyn Write) {
    for diagnostic in diagnostics {
        if let Err(error) = writeln!(out, "{diagnostic}") {
            tracing::warn!("cannot write diagnostics: {error}");
            return;
        }
    }
}

/// Collects diagnostics for one file so checks need not repeat the path.
#[derive(Debug)]
pub(crate) struct FileSink<'a> {
    pub(crate) path: &'a Path,
    pub(crate) out: &'a mut Vec<Diagnostic>,
}

impl FileSink<'_> {
    pub(crate) fn error(&mut self, position: Position, message: impl Into<String>) {
        self.out.push(Diagnostic::error(self.path, position, message));
    }

    pub(crate) fn warning(&mut self, position: Position, message: impl Into<String>) {
        self.out.push(Diagnostic::warning(self.path, position, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_compilers_do() {
        let path = Path::new("rules/forms/bug.yaml");
        let error = Diagnostic::error(path, Position::new(12, 3), "unknown field `colour`");
        assert_eq!(error.to_string(), "rules/forms/bug.yaml:12:3: unknown field `colour`");
        let warning = Diagnostic::warning(path, Position::new(1, 1), "no agent has skill `vip`");
        assert_eq!(warning.to_string(), "rules/forms/bug.yaml:1:1: warning: no agent has skill `vip`");
    }
}

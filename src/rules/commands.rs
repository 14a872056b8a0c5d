//! The bodies of `topicdesk check` and `topicdesk test`, for the CLI to call.
//!
//! Both load through the same [`load`](super::load) as start-up and reload. Output goes to the
//! writer given (stdout in the CLI); the return value is the process exit code.

use std::io::Write;
use std::path::Path;

use super::loader::load;
use super::scenario_run::run_scenarios;
use crate::diagnostic::Diagnostic;

/// Exit code: the rules are fine (warnings allowed) or every scenario passed.
pub const EXIT_OK: i32 = 0;
/// Exit code: the rules have errors or a scenario failed.
pub const EXIT_INVALID: i32 = 1;

/// `topicdesk check`: prints every diagnostic as `path:line:col: message`; exit 0 when there
/// is no error (warnings alone are fine), 1 otherwise.
pub fn check_command(dir: &Path, out: &mut dyn Write) -> i32 {
    let (rule_set, diagnostics) = load(dir);
    print_diagnostics(&diagnostics, out);
    match rule_set {
        Some(set) => {
            tracing::info!(version = %set.version(), "rules are valid");
            EXIT_OK
        }
        None => EXIT_INVALID,
    }
}

/// `topicdesk test`: loads the rules (printing diagnostics), runs `tests/*.yaml`, and ends with
/// `N passed, N failed`; exit 0 when all passed, 1 when the rules are invalid or a case failed.
pub fn test_command(dir: &Path, out: &mut dyn Write) -> i32 {
    let (rule_set, diagnostics) = load(dir);
    print_diagnostics(&diagnostics, out);
    let Some(set) = rule_set else {
        return EXIT_INVALID;
    };
    let report = run_scenarios(&set, out);
    if report.failed == 0 { EXIT_OK } else { EXIT_INVALID }
}

fn print_diagnostics(diagnostics: &[Diagnostic], out: &mut dyn Write) {
    for diagnostic in diagnostics {
        if let Err(error) = writeln!(out, "{diagnostic}") {
            tracing::warn!("cannot write diagnostics: {error}");
            return;
        }
    }
}

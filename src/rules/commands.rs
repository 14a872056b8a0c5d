//! The body of `topicdesk check`, for the CLI to call, and the exit codes it shares with
//! `topicdesk test` (`scenarios`).
//!
//! It loads through the same [`load`](super::load) as start-up and reload. Output goes to the
//! writer given (stdout in the CLI); the return value is the process exit code.

use std::io::Write;
use std::path::Path;

use super::loader::load;
use crate::diagnostic::print_diagnostics;
use crate::script::Hook;

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
            // What desk.yaml `retention` will do, in plain words.
            let lines = set.desk().retention.policy().explain();
            if !lines.is_empty() {
                let _ = writeln!(out, "retention:");
                for line in lines {
                    let _ = writeln!(out, "  {line}");
                }
            }
            // Which tickets go to which staff group, and who works where.
            if let Some(groups) =
                set.desk().staff_groups(None).filter(|_| !set.desk().staff_groups.is_empty())
            {
                let _ = writeln!(out, "staff groups:");
                if let Some(site) = set.scripts().site(Hook::Group.name(), Hook::Group.params().len()) {
                    let _ = writeln!(
                        out,
                        "  group(ticket, groups) at {}:{} chooses first; when it returns () or fails:",
                        site.path.display(),
                        site.position
                    );
                }
                for line in groups.explain() {
                    let _ = writeln!(out, "  {line}");
                }
                for line in super::explain_membership(&groups, set.team()) {
                    let _ = writeln!(out, "  {line}");
                }
            }
            // What desk.yaml `business` will do with each account's customers' messages.
            let business = &set.desk().business;
            if !business.is_empty() {
                let _ = writeln!(out, "business:");
                for entry in business {
                    let _ = writeln!(out, "  {}", explain_business(entry));
                }
            }
            tracing::info!(version = %set.version(), "rules are valid");
            EXIT_OK
        }
        None => EXIT_INVALID,
    }
}

/// What the desk does with the messages of a business account's customers, in plain words.
fn explain_business(entry: &super::desk::BusinessAccount) -> String {
    let account = &entry.account;
    let read = if entry.mark_read {
        format!(
            "{account}: when an agent answers a customer in the topic, the customer's messages up to then \
             are marked read in the account's chat (the connection needs the right to read messages)"
        )
    } else {
        format!("{account}: customers' messages stay unread in the account's chat (`mark_read: false`)")
    };
    let forms: Vec<&str> = entry.forms.iter().map(|form| form.value.as_str()).collect();
    if forms.is_empty() {
        format!("{read}; its customers are offered the desk's intake forms")
    } else {
        format!("{read}; its customers are offered only the forms {}", forms.join(", "))
    }
}

//! Alerting supervisors once per rule-set version and hook, not once per ticket.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use super::hooks::HookOutcome;

/// Remembers which (rule-set version, function) failures supervisors were told about.
#[derive(Debug, Default)]
pub struct AlertGate {
    alerted: Mutex<HashSet<(String, String)>>,
}

impl AlertGate {
    pub fn new() -> AlertGate {
        AlertGate::default()
    }

    /// Whether this outcome's failure should alert supervisors: true the first time a given
    /// function fails under a given rule-set version, false after, and false without failure.
    pub fn should_alert<T>(&self, outcome: &HookOutcome<T>) -> bool {
        let Some(failure) = &outcome.failure else {
            return false;
        };
        let key = (outcome.rule_set_version.to_string(), failure.function.clone());
        self.alerted.lock().unwrap_or_else(PoisonError::into_inner).insert(key)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::AlertGate;
    use crate::script::{ScriptFile, Scripts, TicketView};

    fn compile(text: &str, version: &str) -> Scripts {
        let file = ScriptFile { path: PathBuf::from("hooks.rhai"), text: text.to_owned() };
        Scripts::compile(&[file], version, &mut Vec::new())
    }

    fn ticket() -> TicketView {
        TicketView::default()
    }

    #[test]
    fn alert_gate_alerts_once_per_version_and_hook() {
        let gate = AlertGate::new();
        let broken = compile("fn sla(ticket) { throw \"broken\" }", "abc123");
        let first = broken.sla(&ticket());
        assert!(gate.should_alert(&first));
        assert!(!gate.should_alert(&broken.sla(&ticket())), "the same version and hook alerts once");
        let mut diagnostics = Vec::new();
        let file = ScriptFile {
            path: PathBuf::from("hooks.rhai"),
            text: "fn sla(ticket) { throw \"again\" }".to_owned(),
        };
        let next_version = Scripts::compile(&[file], "def456", &mut diagnostics);
        assert!(gate.should_alert(&next_version.sla(&ticket())), "a new rule-set version alerts again");
        assert!(!gate.should_alert(&compile("", "abc123").sla(&ticket())), "no failure, no alert");
    }
}

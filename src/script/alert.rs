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

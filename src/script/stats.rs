//! How often each hook ran, how often it failed and how long it took, since the process
//! started: counted where every hook call goes through (`hooks`), read by the metrics
//! endpoint (`http`). Hooks run on whatever thread applies an event, in `run`, `simulate`
//! and `test` alike, so the counts are process-wide relaxed atomics: a few uncontended
//! additions and one clock read per call, no lock. A form's `validate:` function, whatever
//! its name, counts as `validate`: labels stay a fixed, small set.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::scripts::Hook;

/// One hook's figures since the process started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HookCount {
    /// The hook's name (`route`, `sla`, `on_breach`, `on_message`, `on_csat`, `group`) or
    /// `validate`.
    pub hook: &'static str,
    /// Calls of a function the rules define (a missing hook is the default, not a call).
    pub calls: u64,
    /// Calls that errored, ran over budget or returned something unusable.
    pub failures: u64,
    /// Time spent in the calls, failures included.
    pub seconds: f64,
}

/// The names counted, in slot order: the hooks, then every form's `validate:` function.
const NAMES: [&str; 7] = ["route", "sla", "on_breach", "on_message", "on_csat", "group", "validate"];

struct Slot {
    calls: AtomicU64,
    failures: AtomicU64,
    nanos: AtomicU64,
}

static SLOTS: [Slot; NAMES.len()] =
    [const { Slot { calls: AtomicU64::new(0), failures: AtomicU64::new(0), nanos: AtomicU64::new(0) } };
        NAMES.len()];

/// Whether calls are counted (and timed). On unless switched off: the bench measures what
/// counting costs by switching it off.
static COUNTING: AtomicBool = AtomicBool::new(true);

/// Every hook's figures, in a fixed order.
pub fn hook_counts() -> Vec<HookCount> {
    NAMES
        .iter()
        .zip(&SLOTS)
        .map(|(hook, slot)| HookCount {
            hook,
            calls: slot.calls.load(Ordering::Relaxed),
            failures: slot.failures.load(Ordering::Relaxed),
            seconds: Duration::from_nanos(slot.nanos.load(Ordering::Relaxed)).as_secs_f64(),
        })
        .collect()
}

/// Switches counting on or off for the whole process.
pub fn set_hook_counting(on: bool) {
    COUNTING.store(on, Ordering::Relaxed);
}

/// Whether hook calls are being counted.
pub(crate) fn counting() -> bool {
    COUNTING.load(Ordering::Relaxed)
}

/// Counts one call of `function`; `took` is `None` when counting is off.
pub(crate) fn record(function: &str, failed: bool, took: Option<Duration>) {
    let Some(took) = took else { return };
    let slot = &SLOTS[slot_of(function)];
    slot.calls.fetch_add(1, Ordering::Relaxed);
    if failed {
        slot.failures.fetch_add(1, Ordering::Relaxed);
    }
    slot.nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// The slot of a hook by its function name; anything else is a form's `validate:` function.
fn slot_of(function: &str) -> usize {
    Hook::ALL.iter().position(|hook| hook.name() == function).unwrap_or(NAMES.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_have_their_own_slot_and_form_functions_share_one() {
        for hook in Hook::ALL {
            assert_eq!(NAMES[slot_of(hook.name())], hook.name());
        }
        assert_eq!(NAMES[slot_of("validate_support")], "validate");
        assert_eq!(NAMES[slot_of("check_invoice")], "validate");
    }
}

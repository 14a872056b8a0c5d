//! The one sandboxed Rhai engine and the per-call budget.
//!
//! Every rule set compiles and runs on the same engine, built once. It has strict variables,
//! hard limits on operations, call depth, expression depth and string, array and map sizes, no
//! module resolver (so `import` cannot read files) and no `eval`. A wall-clock deadline is
//! checked from `on_progress`, so a `loop {}` stops within [`CALL_BUDGET`] even when the
//! operation limit would take longer to hit. `print` and `debug` go to tracing, never stdout.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rhai::module_resolvers::DummyModuleResolver;
use rhai::{Dynamic, Engine};

use super::api;

/// Wall-clock time one hook call may take before it is cut off.
pub const CALL_BUDGET: Duration = Duration::from_millis(50);

/// The sandbox's size and depth limits, documented in docs/rules.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_expr_depth: usize,
    pub max_function_expr_depth: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
}

/// The limits every hook runs under.
pub const LIMITS: Limits = Limits {
    max_operations: 1_000_000,
    max_call_levels: 32,
    max_expr_depth: 64,
    max_function_expr_depth: 32,
    max_string_size: 64 * 1024,
    max_array_size: 10_000,
    max_map_size: 10_000,
};

/// The token `on_progress` terminates a call with when its deadline has passed.
pub(crate) const DEADLINE_TOKEN: &str = "wall-clock budget exceeded";

thread_local! {
    // Hook calls are synchronous on the caller's thread, so the deadline of the call in
    // progress lives beside it; the shared engine stays free of per-call state.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The shared engine.
pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build)
}

fn build() -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.set_strict_variables(true);
    engine.set_max_operations(LIMITS.max_operations);
    engine.set_max_call_levels(LIMITS.max_call_levels);
    engine.set_max_expr_depths(LIMITS.max_expr_depth, LIMITS.max_function_expr_depth);
    engine.set_max_string_size(LIMITS.max_string_size);
    engine.set_max_array_size(LIMITS.max_array_size);
    engine.set_max_map_size(LIMITS.max_map_size);
    engine.on_progress(|operations| {
        // Reading the clock on every operation would double the cost of tight loops; every 16th
        // keeps the cut-off within a millisecond or so even when single operations are heavy.
        if operations % 16 != 0 {
            return None;
        }
        let expired = DEADLINE.with(|deadline| deadline.get().is_some_and(|at| Instant::now() >= at));
        expired.then(|| Dynamic::from(DEADLINE_TOKEN))
    });
    engine.on_print(|text| tracing::info!(target: "topicdesk::rules", "{text}"));
    engine.on_debug(|text, source, position| {
        tracing::debug!(target: "topicdesk::rules", source = source.unwrap_or(""), %position, "{text}");
    });
    api::register(&mut engine);
    engine
}

/// Runs `call` with the wall-clock budget armed on this thread.
pub(crate) fn with_budget<T>(call: impl FnOnce(&Engine) -> T) -> T {
    struct Disarm;
    impl Drop for Disarm {
        fn drop(&mut self) {
            DEADLINE.with(|deadline| deadline.set(None));
        }
    }
    DEADLINE.with(|deadline| deadline.set(Some(Instant::now() + CALL_BUDGET)));
    let _disarm = Disarm;
    call(engine())
}

/// A runtime error's message without rhai's ` (line 3, position 5)` suffix, lowercased first
/// letter: positions are reported separately as `path:line:col`.
pub(crate) fn bare_message(error: &rhai::EvalAltResult) -> String {
    let text = error.to_string();
    let position = error.position();
    let suffix = format!(" ({position})");
    let text = if position.is_none() { text.as_str() } else { text.strip_suffix(&suffix).unwrap_or(&text) };
    lowercase_first(text)
}

/// `Syntax error` -> `syntax error`: the desk's messages start lowercase.
pub(crate) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

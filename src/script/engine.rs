//! The sandboxed Rhai engine, its tracing twin, and the per-call budget.
//!
//! Every rule set compiles and runs on the same engine, built once. It starts from Rhai's raw
//! engine and adds only the packages hooks need (arithmetic, logic, strings, arrays, maps,
//! blobs, iterators, function pointers, math): Rhai's time package (`timestamp`, `elapsed`)
//! and its core-language package (`sleep`, `exit`, `parse_json`) are left out, so a hook can
//! neither wait nor read the clock; [`forbidden_calls`] lets `topicdesk check` name such a
//! call at its line. The engine has strict variables, hard limits on operations, call depth,
//! expression depth and string, array and map sizes, no module resolver (so `import` cannot
//! read files) and no `eval`. A time budget is checked from `on_progress`, so a `loop {}`
//! stops within [`CALL_BUDGET`] even when the operation limit would take longer to hit;
//! with nothing able to block, it interrupts whatever a script does. The budget counts the
//! time the call's thread ran (its CPU time), not the time that passed: on a loaded machine
//! a hook that was waiting for a core is not cut off for it. Asking the kernel for a
//! thread's CPU time costs microseconds, so the wall clock is read first (cheap): a call
//! still running [`MARK_AFTER`] after it started notes the thread's CPU time then, and once
//! [`CALL_BUDGET`] of wall clock has passed the CPU time is asked again and the deadline
//! moved by what the thread did not run. The few operations before the mark count as at
//! most [`MARK_AFTER`]. A call that ends within [`MARK_AFTER`], as nearly all do, never
//! asks.
//!
//! Rhai reports a limit hit at the call's site, not where the script was. Hooks cannot see
//! the clock or any randomness, so a call is a pure function of its arguments: when one runs
//! over, [`replay`] runs it again on a twin engine with Rhai's debugger stepping through it,
//! up to the operation it was stopped at, and the last statement or expression started is
//! where it was. The twin costs about twice as much per call, which only a failing call pays.
//! `print` and `debug` go to tracing, never stdout.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rhai::debugger::{DebuggerCommand, DebuggerEvent};
use rhai::module_resolvers::DummyModuleResolver;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicBlobPackage, BasicFnPackage, BasicIteratorPackage,
    BasicMapPackage, BasicMathPackage, BasicStringPackage, BitFieldPackage, LogicPackage, MoreStringPackage,
    Package,
};
use rhai::{AST, ASTNode, Dynamic, Engine, Expr, Stmt};

use super::api;

/// The time one hook call may run (on its thread's CPU) before it is cut off.
pub const CALL_BUDGET: Duration = Duration::from_millis(50);

/// How long a call runs by the wall clock before the thread's CPU time is noted.
const MARK_AFTER: Duration = Duration::from_millis(5);

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

/// Functions scripts elsewhere know from Rhai that this engine leaves out, and why.
const FORBIDDEN_FUNCTIONS: [(&str, &str); 4] = [
    ("sleep", "hooks cannot sleep: a hook answers at once and the desk waits for nothing"),
    ("timestamp", "hooks cannot read the clock: use `ticket.age`, the desk passes time in"),
    ("elapsed", "hooks cannot read the clock: use `ticket.age`, the desk passes time in"),
    ("exit", "hooks cannot exit: return a value, or `()` for the default"),
];

/// The token `on_progress` terminates a call with when its budget is spent.
pub(crate) const DEADLINE_TOKEN: &str = "time budget exceeded";

/// Where a call was when it ended: the last statement or expression it started, and the
/// script function (name and number of parameters) that was running it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LastSeen {
    pub(crate) function: Option<(rhai::ImmutableString, usize)>,
    pub(crate) position: rhai::Position,
}

/// The call in progress on this thread: its deadline, the operation it was stopped at, and
/// (on a replay) where it is and the operation to stop at.
#[derive(Default)]
struct Running {
    /// When the call started, by the wall clock.
    started: Option<Instant>,
    /// When [`CALL_BUDGET`] will have passed, less the time the thread did not run so far.
    deadline: Option<Instant>,
    /// The wall clock and the thread's CPU time at the first check [`MARK_AFTER`] the start.
    mark: Option<(Instant, Duration)>,
    stopped_at: Option<u64>,
    stop_at: Option<u64>,
    last_seen: LastSeen,
}

thread_local! {
    // Hook calls are synchronous on the caller's thread, so the state of the call in progress
    // lives beside it; the shared engine stays free of per-call state.
    static RUNNING: RefCell<Running> = RefCell::new(Running::default());
}

/// The shared engine.
pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| build(Tracing::Off))
}

/// The shared engine's twin that follows where a replayed call is.
fn tracing_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| build(Tracing::On))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tracing {
    Off,
    On,
}

fn build(tracing: Tracing) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(packages().into());
    // What `Engine::new` would set; the raw engine leaves the interner off.
    engine.set_max_strings_interned(256);
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
        let stop = RUNNING.with(|running| {
            let mut running = running.borrow_mut();
            // A replay stops where the call it replays was stopped, or at its own deadline.
            let replayed_far_enough = running.stop_at.is_some_and(|at| operations >= at);
            let now = Instant::now();
            let started = running.started.unwrap_or(now);
            if running.mark.is_none() && now.duration_since(started) >= MARK_AFTER {
                running.mark = Some((now, thread_cpu_time()));
            }
            let expired = match (running.deadline, running.mark) {
                (Some(at), Some(mark)) if now >= at => match spent(started, mark, thread_cpu_time()) {
                    Budget::Spent => true,
                    Budget::Left(left) => {
                        running.deadline = Some(now + left);
                        false
                    }
                },
                _ => false,
            };
            if expired && running.stop_at.is_none() {
                running.stopped_at = Some(operations);
            }
            replayed_far_enough || expired
        });
        stop.then(|| Dynamic::from(DEADLINE_TOKEN))
    });
    if tracing == Tracing::On {
        follow_steps(&mut engine);
    }
    engine.on_print(|text| tracing::info!(target: "topicdesk::rules", "{text}"));
    engine.on_debug(|text, source, position| {
        tracing::debug!(target: "topicdesk::rules", source = source.unwrap_or(""), %position, "{text}");
    });
    api::register(&mut engine);
    engine
}

/// The packages hooks get, as one module. Each call starts with an empty function
/// resolution cache, so every function it calls is looked up in each global module in
/// turn, newest first, until one has it: with the packages registered one by one that was
/// up to twelve lookups a call site (operators and methods, which the packages hold, were
/// the far end). Merged into one module, a lookup asks two (this one and the engine's own,
/// where the host's API is). They are merged in the order they used to be registered, so a
/// later package's function of the same signature wins, as the newest module did.
fn packages() -> rhai::Module {
    let mut merged = rhai::Module::new();
    for package in [
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BitFieldPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicBlobPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
    ] {
        merged.combine((*package).clone());
    }
    merged.build_index();
    merged
}

/// What is left of the [`CALL_BUDGET`] of a call that started at `started` and was marked
/// at `mark` (the wall clock and the thread's CPU time then), the thread's CPU time being
/// `now`: before the mark, the call ran at most the wall clock's time and at most
/// [`MARK_AFTER`] (it reached only its first checks); after it, the thread's CPU time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Budget {
    Spent,
    Left(Duration),
}

fn spent(started: Instant, (marked, cpu_at_mark): (Instant, Duration), now: Duration) -> Budget {
    let before = marked.duration_since(started).min(MARK_AFTER);
    match CALL_BUDGET.checked_sub(before + now.saturating_sub(cpu_at_mark)) {
        Some(left) if !left.is_zero() => Budget::Left(left),
        _ => Budget::Spent,
    }
}

/// The CPU time this thread has run.
pub(crate) fn thread_cpu_time() -> Duration {
    let time = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(u64::try_from(time.tv_sec).unwrap_or(0), u32::try_from(time.tv_nsec).unwrap_or(0))
}

/// Steps into every statement and expression and remembers the last one started (with the
/// script function running it) in [`Running::last_seen`].
fn follow_steps(engine: &mut Engine) {
    #[allow(
        deprecated,
        reason = "Rhai marks the debugger API volatile, not deprecated; the lock file pins it"
    )]
    engine.register_debugger(
        |_, debugger| debugger,
        |context, event, _, _, position| {
            if matches!(event, DebuggerEvent::Start | DebuggerEvent::Step) && !position.is_none() {
                // The AST's source names the last file merged, not the running function's:
                // the function is taken from the call stack and placed by the host.
                let frame = context.global_runtime_state().debugger().call_stack().last();
                RUNNING.with(|running| {
                    let last_seen = &mut running.borrow_mut().last_seen;
                    last_seen.position = position;
                    let same = match (&last_seen.function, frame) {
                        (Some((name, arity)), Some(frame)) => {
                            *arity == frame.args.len() && name.as_str() == frame.fn_name.as_str()
                        }
                        (None, None) => true,
                        _ => false,
                    };
                    if !same {
                        last_seen.function = frame.map(|frame| (frame.fn_name.clone(), frame.args.len()));
                    }
                });
            }
            Ok(DebuggerCommand::StepInto)
        },
    );
}

/// How a call ended, for [`replay`]: the operation the time budget stopped it at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stopped {
    at_operation: Option<u64>,
    /// How long the call took, when hook calls are counted (`stats`).
    pub(crate) took: Option<Duration>,
}

/// Runs `call` with the time budget armed on this thread.
pub(crate) fn with_budget<T>(call: impl FnOnce(&Engine) -> T) -> (T, Stopped) {
    let started = Instant::now();
    let result = armed(None, started, || call(engine()));
    // The budget's own clock read times the call too: one more read, and only when counted.
    let took = super::stats::counting().then(|| started.elapsed());
    let stopped =
        RUNNING.with(|running| Stopped { at_operation: running.borrow_mut().stopped_at.take(), took });
    (result, stopped)
}

/// Runs a call that ran over its budget again on the tracing twin, as far as it went the first
/// time (or for one more budget, whichever comes first), and says where it was then. The call
/// must be given the same arguments afresh: hooks see no clock and no randomness, so it takes
/// the same path.
pub(crate) fn replay<T>(stopped: Stopped, call: impl FnOnce(&Engine) -> T) -> LastSeen {
    let stop_at = stopped.at_operation.unwrap_or(u64::MAX);
    armed(Some(stop_at), Instant::now(), || drop(call(tracing_engine())));
    RUNNING.with(|running| std::mem::take(&mut running.borrow_mut().last_seen))
}

fn armed<T>(stop_at: Option<u64>, started: Instant, call: impl FnOnce() -> T) -> T {
    struct Disarm;
    impl Drop for Disarm {
        fn drop(&mut self) {
            RUNNING.with(|running| {
                let mut running = running.borrow_mut();
                running.deadline = None;
                running.started = None;
                running.mark = None;
                running.stop_at = None;
            });
        }
    }
    RUNNING.with(|running| {
        *running.borrow_mut() = Running {
            deadline: Some(started + CALL_BUDGET),
            started: Some(started),
            mark: None,
            stopped_at: None,
            stop_at,
            last_seen: LastSeen::default(),
        };
    });
    let _disarm = Disarm;
    call()
}

/// Calls in `ast` to functions the sandbox leaves out (`sleep`, `timestamp`, ...), with the
/// position of each call and why it is not there. A script may define its own function of
/// such a name; `defined` says which names it defines, and calls to those are fine.
pub(crate) fn forbidden_calls(
    ast: &AST,
    defined: &dyn Fn(&str) -> bool,
) -> Vec<(rhai::Position, &'static str)> {
    let mut found = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(
                ASTNode::Expr(Expr::FnCall(call, position) | Expr::MethodCall(call, position))
                | ASTNode::Stmt(Stmt::FnCall(call, position)),
            ) => Some((call, *position)),
            _ => None,
        };
        if let Some((call, position)) = call
            && !call.is_qualified()
            && !defined(&call.name)
            && let Some((_, why)) = FORBIDDEN_FUNCTIONS.iter().find(|(name, _)| *name == call.name.as_str())
        {
            found.push((position, *why));
        }
        true
    });
    found.sort_by_key(|(position, _)| (position.line(), position.position()));
    found.dedup();
    found
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_the_thread_s_cpu_time_and_at_most_the_mark_s_wait_before_it() {
        let started = Instant::now();
        let ms = Duration::from_millis;
        // Off the CPU for 100 ms before its first checks: that counts as 5 ms.
        let mark = (started + ms(100), ms(7));
        assert_eq!(spent(started, mark, ms(7) + ms(40)), Budget::Left(ms(5)));
        assert_eq!(spent(started, mark, ms(7) + ms(45)), Budget::Spent);
        // Marked 5 ms in: those 5 ms and the CPU time since.
        let early = (started + ms(5), ms(3));
        assert_eq!(spent(started, early, ms(3) + ms(20)), Budget::Left(ms(25)));
        assert_eq!(spent(started, early, ms(3) + ms(60)), Budget::Spent);
    }
}

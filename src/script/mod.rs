//! The script host: the only module that uses Rhai.
//!
//! It compiles a rules directory's `.rhai` files and form `when:` expressions on one sandboxed
//! engine, defines the script-visible API (views in, decisions out), and calls hooks under the
//! failure policy: a hook that errors or runs over budget yields the documented default, with
//! the error's `file:line` in the outcome. Nothing here reads files or the network; the clock
//! only for a call's time budget, which also times the call for the hook counts (`stats`).

mod alert;
mod api;
mod condition;
mod convert;
mod decision;
mod engine;
mod hooks;
mod kb;
mod scripts;
mod stats;
mod views;

#[cfg(test)]
mod tests;

pub use alert::AlertGate;
pub use condition::Condition;
pub use decision::RouteDecision;
pub use engine::{CALL_BUDGET, LIMITS, Limits};
pub use hooks::{DecidedBy, FailureKind, HookFailure, HookOutcome, Routing};
pub use scripts::{FunctionSite, Hook, ScriptFile, Scripts};
pub use stats::{HookCount, hook_counts, set_hook_counting};
pub use views::{
    AgentView, CsatView, CustomerView, FieldValue, GroupView, MessageView, RoundRobin, TeamView, TicketView,
};

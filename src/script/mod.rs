//! The script host: the only module that uses Rhai.
//!
//! It compiles a rules directory's `.rhai` files and form `when:` expressions on one sandboxed
//! engine, defines the script-visible API (views in, decisions out), and calls hooks under the
//! failure policy: a hook that errors or runs over budget yields the documented default, with
//! the error's `file:line` in the outcome. Nothing here reads files, the clock or the network.

mod alert;
mod api;
mod condition;
mod convert;
mod decision;
mod engine;
mod hooks;
mod kb;
mod scripts;
mod views;

#[cfg(test)]
mod tests;

pub use alert::AlertGate;
pub use condition::Condition;
pub use decision::RouteDecision;
pub use engine::{CALL_BUDGET, LIMITS, Limits};
pub use hooks::{DecidedBy, FailureKind, HookFailure, HookOutcome, Routing};
pub use scripts::{FunctionSite, Hook, ScriptFile, Scripts};
pub use views::{
    AgentView, CsatView, CustomerView, FieldValue, MessageView, RoundRobin, TeamView, TicketView,
};

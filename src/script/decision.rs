//! What `route` returns, as plain Rust data.
//!
//! Scripts build it through the functions in `api.rs`; the desk acts on it. Its short
//! `Display` is used by `topicdesk test` and in ticket history. The SLA hooks' answers
//! (targets, breach plans, actions) are the `sla` module's vocabulary.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where `route(ticket, team)` sends a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteDecision {
    Agent(i64),
    /// Leave it in the shared queue.
    Queue,
}

impl fmt::Display for RouteDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDecision::Agent(id) => write!(f, "{id}"),
            RouteDecision::Queue => f.write_str("queue"),
        }
    }
}

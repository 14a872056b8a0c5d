//! What hooks return: routing decisions, SLA targets and actions, as plain Rust data.
//!
//! Scripts build these through the functions in `api.rs`; the desk acts on them. Each type
//! has a short `Display` used by `topicdesk test` and in ticket history.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::duration::Span;

/// Where `route(ticket, team)` sends a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteDecision {
    Agent(i64),
    /// Leave it in the shared queue.
    Queue,
}

/// Something an `on_breach` or `on_message` hook asks the desk to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Post `text` in the ticket's topic, mentioning the assignee (or the team when unassigned).
    NotifyAgent(String),
    /// Hand the ticket up and tell the target why.
    Escalate {
        to: EscalationTarget,
        reason: String,
    },
    SetPriority(String),
    AddTag(String),
}

/// Who an escalation goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EscalationTarget {
    /// Every supervisor in team.yaml.
    Supervisors,
    /// desk.yaml's `escalation_team` (the supervisors when it is not set).
    EscalationTeam,
    /// One person by Telegram id.
    Agent(i64),
}

/// What `on_breach` decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreachPlan {
    /// The built-in ladder: notify the assignee at level 1, escalate to supervisors after.
    DefaultLadder,
    Actions(Vec<Action>),
}

/// How SLA time is counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaClock {
    /// Only desk.yaml's business hours count.
    #[default]
    Business,
    /// Every hour counts.
    Calendar,
}

/// Which SLA clocks stop while the ticket waits for the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseWhenAwaiting {
    pub first_response: bool,
    pub next_response: bool,
    pub resolution: bool,
}

impl Default for PauseWhenAwaiting {
    /// Waiting on the customer stops the reply and resolution clocks, never the first response.
    fn default() -> PauseWhenAwaiting {
        PauseWhenAwaiting { first_response: false, next_response: true, resolution: true }
    }
}

/// The targets `sla(ticket)` returned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTargets {
    pub first_response: Option<Span>,
    pub next_response: Option<Span>,
    pub resolution: Option<Span>,
    pub calendar: SlaClock,
    pub pause_when_awaiting: PauseWhenAwaiting,
}

impl fmt::Display for RouteDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDecision::Agent(id) => write!(f, "{id}"),
            RouteDecision::Queue => f.write_str("queue"),
        }
    }
}

impl fmt::Display for EscalationTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscalationTarget::Supervisors => f.write_str("supervisors"),
            EscalationTarget::EscalationTeam => f.write_str("escalation"),
            EscalationTarget::Agent(id) => write!(f, "{id}"),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::NotifyAgent(text) => write!(f, "notify_agent({text:?})"),
            Action::Escalate { to, reason } => write!(f, "escalate({to}, {reason:?})"),
            Action::SetPriority(priority) => write!(f, "set_priority({priority:?})"),
            Action::AddTag(tag) => write!(f, "add_tag({tag:?})"),
        }
    }
}

impl fmt::Display for BreachPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreachPlan::DefaultLadder => f.write_str("default"),
            BreachPlan::Actions(actions) => write_actions(f, actions),
        }
    }
}

/// Prints actions as `[add_tag("vip"), notify_agent("...")]`.
pub fn write_actions(f: &mut dyn fmt::Write, actions: &[Action]) -> fmt::Result {
    f.write_str("[")?;
    for (index, action) in actions.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{action}")?;
    }
    f.write_str("]")
}

impl fmt::Display for SlaTargets {
    /// `first_response 15m, next_response 1h, resolution 4h (business)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let metrics = [
            ("first_response", self.first_response),
            ("next_response", self.next_response),
            ("resolution", self.resolution),
        ];
        let mut first = true;
        for (name, target) in metrics {
            if let Some(span) = target {
                if !first {
                    f.write_str(", ")?;
                }
                write!(f, "{name} {span}")?;
                first = false;
            }
        }
        let clock = match self.calendar {
            SlaClock::Business => "business",
            SlaClock::Calendar => "calendar",
        };
        write!(f, " ({clock})")
    }
}

//! What a breach or a message makes the desk do: the actions of `on_breach` and
//! `on_message` (`notify_agent`, `escalate`, `set_priority`, `add_tag`) as plain data,
//! what `on_breach` sees of a breach and what it decided.
//!
//! The escalation ladder's default rungs are these actions; the script host builds them
//! from a hook's answer. Each type has a short `Display` used by `topicdesk test` and in
//! ticket history.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::duration::Span;

/// An SLA target that was missed (or is about to be), as `on_breach` sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachView {
    /// `first_response`, `next_response` or `resolution`.
    pub metric: String,
    /// 1 for the first breach of this metric on this ticket, 2 for the next step, and so on.
    pub level: u32,
    /// How long past the target.
    pub overdue: Span,
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

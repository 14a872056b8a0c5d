//! What hooks see: read-only views built by the desk from its own types.
//!
//! The views are plain Rust data so the script host never depends on the ticket store or the
//! Telegram adapter; the desk fills them in before each hook call. Nothing a script does to its
//! copy flows back: hooks return decisions, they never change state (invariant 5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Span;

/// A ticket as hooks see it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    /// Display id, like `T-000123`.
    pub id: String,
    /// Lifecycle status, like `open`, `pending`, `resolved`.
    pub status: String,
    pub priority: String,
    pub category: String,
    /// The intake answers by field id.
    pub fields: BTreeMap<String, FieldValue>,
    pub customer: CustomerView,
    /// Telegram id of the assigned agent, if any.
    pub assignee: Option<i64>,
    pub tags: Vec<String>,
    /// Time since the ticket was opened.
    pub age: Span,
    /// How many times the customer reopened it.
    pub reopened: u32,
}

/// The customer behind a ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    /// Telegram user id.
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
    /// IETF language tag from Telegram, like `de`.
    pub language: Option<String>,
}

/// One intake answer; `answers.<id>` in `when:` expressions and hooks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
    /// Answers of `multi_choice` fields and attachment file ids.
    List(Vec<String>),
}

/// The team as hooks see it, plus the round-robin position the desk persists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamView {
    pub agents: Vec<AgentView>,
}

/// One member of team.yaml with live state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    /// Telegram user id.
    pub id: i64,
    pub name: String,
    /// `agent` or `supervisor`.
    pub role: String,
    /// Open tickets assigned now.
    pub load: u32,
    pub capacity: u32,
    /// Not away and, when working hours are set, inside them.
    pub online: bool,
    pub skills: Vec<String>,
}

/// Where round robin stands: the agent who got the last ticket. The desk stores it and passes
/// it to the next routing call; every routing outcome returns the advanced value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRobin {
    pub last_agent: Option<i64>,
}

/// A message on a ticket, as `on_message` sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub text: String,
    /// Whether the customer wrote it (otherwise an agent did).
    pub from_customer: bool,
    /// `sentiment::score(text)` when the desk already scored it (a customer's message, as
    /// its history entry keeps it); `message.sentiment` scores the text itself otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<f64>,
}

impl MessageView {
    /// The message's sentiment score: the one the desk kept, or the text's.
    pub fn sentiment(&self) -> f64 {
        self.sentiment.unwrap_or_else(|| crate::sentiment::score(&self.text))
    }
}

/// A staff group as the `group` hook sees it: desk.yaml's entry and what the desk knows of
/// its load as the ticket opens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub name: String,
    /// The forum supergroup's chat id, as of now.
    pub chat: i64,
    pub categories: Vec<String>,
    pub forms: Vec<String>,
    pub tags: Vec<String>,
    /// Active tickets in the group (not resolved, not closed).
    pub active: u64,
    /// Calls queued for the group's chat in the last minute (rounded up).
    pub calls_last_minute: u64,
    /// The group's budget of messages a minute (desk.yaml `dispatcher.group_messages_per_minute`).
    pub budget_per_minute: u64,
    /// The group is at one of its desk.yaml `limits`: the default choice gives its new
    /// tickets to the next group of its filter.
    pub full: bool,
}

impl GroupView {
    /// A group without a filter takes what no filter took: an overflow group.
    pub fn overflow(&self) -> bool {
        self.categories.is_empty() && self.forms.is_empty() && self.tags.is_empty()
    }
}

/// A satisfaction answer, as `on_csat` sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatView {
    /// `rating` (a tap, the first or a change of mind) or `comment` (the comment after it).
    pub event: String,
    /// `five` or `good_bad`.
    pub scale: String,
    /// 1 to 5 on five; 1 (bad) or 2 (good) on good/bad.
    pub score: i64,
    /// A 4 or 5, or good.
    pub satisfied: bool,
    /// How many times the customer rated (2 and more: they changed their mind).
    pub answers: u32,
    pub comment: Option<String>,
}

impl TeamView {
    /// Agents with `skill` (any agent for `""`) who are online and below capacity, by id.
    pub fn available(&self, skill: &str) -> Vec<&AgentView> {
        let mut agents: Vec<&AgentView> = self
            .agents
            .iter()
            .filter(|agent| agent.online && agent.load < agent.capacity && agent.has_skill(skill))
            .collect();
        agents.sort_by_key(|agent| agent.id);
        agents
    }

    /// The next available agent with `skill` after `cursor`, wrapping around; the cursor advances.
    pub fn round_robin(&self, skill: &str, cursor: &mut RoundRobin) -> Option<i64> {
        let available = self.available(skill);
        let after_last = cursor.last_agent.and_then(|last| available.iter().find(|agent| agent.id > last));
        let chosen = after_last.or_else(|| available.first())?.id;
        cursor.last_agent = Some(chosen);
        Some(chosen)
    }

    /// The available agent with `skill` who has the most room (lowest load share), ties by id.
    pub fn least_loaded(&self, skill: &str) -> Option<i64> {
        self.available(skill)
            .into_iter()
            .min_by_key(|agent| {
                (u64::from(agent.load) * 1_000_000 / u64::from(agent.capacity.max(1)), agent.id)
            })
            .map(|agent| agent.id)
    }
}

impl AgentView {
    /// Whether this agent has `skill`; the empty skill matches everyone.
    pub fn has_skill(&self, skill: &str) -> bool {
        skill.is_empty() || self.skills.iter().any(|own| own == skill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, skills: &[&str], load: u32) -> AgentView {
        AgentView {
            id,
            name: format!("agent {id}"),
            role: "agent".to_owned(),
            load,
            capacity: 2,
            online: true,
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn round_robin_wraps_and_skips_the_full_and_unskilled() {
        let team =
            TeamView { agents: vec![agent(3, &["billing"], 0), agent(1, &["billing"], 0), agent(2, &[], 2)] };
        let mut cursor = RoundRobin::default();
        let picks: Vec<_> = (0..3).map(|_| team.round_robin("billing", &mut cursor)).collect();
        assert_eq!(picks, [Some(1), Some(3), Some(1)]);
        assert_eq!(team.round_robin("vip", &mut cursor), None);
        assert_eq!(cursor.last_agent, Some(1), "a miss leaves the cursor alone");
        assert_eq!(team.round_robin("", &mut cursor), Some(3));
    }

    #[test]
    fn least_loaded_prefers_room() {
        let team = TeamView { agents: vec![agent(1, &[], 1), agent(2, &[], 0)] };
        assert_eq!(team.least_loaded(""), Some(2));
    }
}

//! `team.yaml`: the people who work in the staff group, raw and validated.
//!
//! Only members listed here may use agent commands and buttons (invariant 7). The desk turns
//! the validated [`Team`] plus live load and presence into the [`TeamView`] hooks see.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::desk::{DeskConfig, HoursEntry, hours_entries};
use super::yaml::{Node, Segment};
use crate::calendar::{BusinessCalendar, Setting};
use crate::diagnostic::{Diagnostic, FileSink, Position};
use crate::notify::{Channel, NotifyKind, Preferences};
use crate::script::{AgentView, TeamView};

/// How many open tickets an agent takes when team.yaml does not say.
pub const DEFAULT_CAPACITY: u32 = 5;

/// An agent's role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Agent,
    /// Also receives escalations and rule alerts.
    Supervisor,
}

/// One person in team.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// Telegram user id.
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
    pub role: Role,
    pub skills: Vec<String>,
    pub capacity: u32,
    /// Own hours in `business_hours` spelling; empty means the desk's hours.
    pub working_hours: Vec<HoursEntry>,
    /// How the agent is told of each kind of news unless they chose otherwise with
    /// `/notify` (team.yaml `notify:`, over [`Preferences::default`]).
    pub notify: Preferences,
    /// team.yaml `groups:`: the staff groups the agent works in; empty means every group.
    pub groups: Vec<super::desk::Located<String>>,
    /// Where the agent's entry starts in team.yaml.
    pub position: Position,
}

/// team.yaml, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Team {
    pub agents: Vec<Agent>,
}

/// Live state of one agent, supplied by the desk when it builds a [`TeamView`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentState {
    pub load: u32,
    pub online: bool,
}

impl Agent {
    /// Whether the agent works in the staff group `group` (team.yaml `groups:`; an agent
    /// who names none works in every group).
    pub fn works_in(&self, group: &str) -> bool {
        self.groups.is_empty() || self.groups.iter().any(|own| own.value == group)
    }
}

impl Team {
    /// The member with Telegram id `id`.
    pub fn agent(&self, id: i64) -> Option<&Agent> {
        self.agents.iter().find(|agent| agent.id == id)
    }

    /// The agent a desk.yaml account reference (a user id or an @username) names.
    pub fn by_account(&self, account: &super::desk::AccountRef) -> Option<&Agent> {
        self.agents
            .iter()
            .find(|agent| u64::try_from(agent.id).is_ok_and(|id| account.is(id, agent.username.as_deref())))
    }

    /// Whether `id` is in team.yaml (agent commands are refused to everyone else).
    pub fn is_member(&self, id: i64) -> bool {
        self.agent(id).is_some()
    }

    /// Every supervisor.
    pub fn supervisors(&self) -> impl Iterator<Item = &Agent> {
        self.agents.iter().filter(|agent| agent.role == Role::Supervisor)
    }

    /// Whether any agent has `skill`.
    pub fn has_skill(&self, skill: &str) -> bool {
        self.agents.iter().any(|agent| agent.skills.iter().any(|own| own == skill))
    }

    /// The view hooks see, with each agent's live state from `state`.
    pub fn view(&self, state: impl Fn(&Agent) -> AgentState) -> TeamView {
        self.view_where(|_| true, state)
    }

    /// The view hooks see of the agents `included` keeps (those of a staff group, say).
    pub fn view_where(
        &self,
        included: impl Fn(&Agent) -> bool,
        state: impl Fn(&Agent) -> AgentState,
    ) -> TeamView {
        TeamView {
            agents: self
                .agents
                .iter()
                .filter(|agent| included(agent))
                .map(|agent| {
                    let AgentState { load, online } = state(agent);
                    AgentView {
                        id: agent.id,
                        name: agent.name.clone(),
                        role: match agent.role {
                            Role::Agent => "agent".to_owned(),
                            Role::Supervisor => "supervisor".to_owned(),
                        },
                        load,
                        capacity: agent.capacity,
                        online,
                        skills: agent.skills.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// Each agent's own `working_hours` as a calendar in the desk's time zone, desk holidays
/// off, for the agents who have them; every mistake in them as an error on team.yaml
/// (the time zone and the holidays are desk.yaml's, reported there).
pub(crate) fn working_calendars(
    team: &Team,
    desk: &DeskConfig,
    team_path: &std::path::Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<i64, BusinessCalendar> {
    let holidays: Vec<&str> = desk.holidays.iter().map(|h| h.value.as_str()).collect();
    let mut calendars = BTreeMap::new();
    for agent in team.agents.iter().filter(|agent| !agent.working_hours.is_empty()) {
        let hours: Vec<(&str, &str)> =
            agent.working_hours.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
        match BusinessCalendar::new(&desk.timezone.value, &hours, &holidays) {
            Ok(calendar) => {
                calendars.insert(agent.id, calendar);
            }
            Err(errors) => {
                for error in errors {
                    let position = match error.setting() {
                        Setting::TimeZone | Setting::Holiday(_) => continue,
                        Setting::BusinessHours => agent.position,
                        Setting::HoursKey(key) => agent
                            .working_hours
                            .iter()
                            .find(|entry| entry.key == key)
                            .map_or(agent.position, |entry| entry.position),
                    };
                    let message = format!("working_hours of {}: {error}", agent.name);
                    diagnostics.push(Diagnostic::error(team_path, position, message));
                }
            }
        }
    }
    calendars
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTeam {
    agents: Vec<RawAgent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    id: i64,
    name: String,
    username: Option<String>,
    role: Option<Role>,
    #[serde(default)]
    skills: Vec<String>,
    capacity: Option<u32>,
    // Typed so a wrong value is refused; entries come from the located tree (order, positions).
    #[serde(default, rename = "working_hours")]
    _working_hours: BTreeMap<String, String>,
    notify: Option<RawNotify>,
    #[serde(default)]
    groups: Vec<String>,
}

/// An agent's `notify:`: for each kind, `mention`, `private` or `off`; a kind left out
/// keeps the default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    assigned: Option<Channel>,
    customer_wrote: Option<Channel>,
    sla: Option<Channel>,
    escalation: Option<Channel>,
    mention: Option<Channel>,
}

impl RawNotify {
    fn preferences(&self) -> Preferences {
        let mut preferences = Preferences::default();
        let chosen = [
            (NotifyKind::Assigned, self.assigned),
            (NotifyKind::CustomerWrote, self.customer_wrote),
            (NotifyKind::Sla, self.sla),
            (NotifyKind::Escalation, self.escalation),
            (NotifyKind::Mention, self.mention),
        ];
        for (kind, channel) in chosen {
            if let Some(channel) = channel {
                preferences.set(kind, channel);
            }
        }
        preferences
    }
}

impl RawTeam {
    /// Checks duplicate ids and builds the team.
    pub(crate) fn validate(self, tree: &Node, sink: &mut FileSink<'_>) -> Team {
        let mut first_seen: BTreeMap<i64, Position> = BTreeMap::new();
        let mut agents = Vec::new();
        for (index, raw) in self.agents.into_iter().enumerate() {
            let entry_path = [Segment::Key("agents".to_owned()), Segment::Index(index)];
            let entry = tree.locate(&entry_path);
            let id_position = entry.get("id").map_or(entry.position, |node| node.position);
            if let Some(first) = first_seen.get(&raw.id) {
                sink.error(
                    id_position,
                    format!("agent id {} is listed twice (first at line {})", raw.id, first.line),
                );
                continue;
            }
            first_seen.insert(raw.id, id_position);
            agents.push(Agent {
                id: raw.id,
                name: raw.name,
                username: raw.username.map(|name| name.trim_start_matches('@').to_owned()),
                role: raw.role.unwrap_or_default(),
                skills: raw.skills,
                capacity: raw.capacity.unwrap_or(DEFAULT_CAPACITY),
                working_hours: hours_entries(entry.get("working_hours")),
                notify: raw.notify.as_ref().map_or_else(Preferences::default, RawNotify::preferences),
                groups: raw
                    .groups
                    .into_iter()
                    .enumerate()
                    .map(|(index, value)| super::desk::Located {
                        value,
                        position: entry
                            .locate(&[Segment::Key("groups".to_owned()), Segment::Index(index)])
                            .position,
                    })
                    .collect(),
                position: entry.position,
            });
        }
        let team = Team { agents };
        if !team.agents.is_empty() && team.supervisors().next().is_none() {
            sink.warning(
                tree.key_position(&[], "agents"),
                "no agent has `role: supervisor`: escalations and rule alerts will reach nobody",
            );
        }
        team
    }
}

//! Rule scenarios (`tests/*.yaml`): given a ticket and an event, expect a hook's decision.
//!
//! Support leads write these to pin down what their routing, SLA and escalation rules do;
//! `topicdesk test` runs them (see `scenario_run.rs`). Parsing and checks live here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::team::Team;
use super::yaml::{Node, Segment};
use crate::diagnostic::{FileSink, Position};
use crate::duration::Span;
use crate::script::{CsatView, CustomerView, FieldValue, MessageView, RoundRobin, RouteDecision, TicketView};
use crate::sla::{Action, BreachView, EscalationTarget, SlaClock};
use crate::ticket::Priority;

/// One scenario file.
#[derive(Clone, Debug)]
pub struct ScenarioFile {
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

/// One case: the situation and the expected decision.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub position: Position,
    pub ticket: TicketView,
    /// Agent state overrides (file-level first, then the case's own).
    pub team: Vec<AgentOverride>,
    pub round_robin: RoundRobin,
    pub breach: Option<BreachView>,
    pub message: Option<MessageView>,
    pub csat: Option<CsatView>,
    /// What the `group` hook sees of staff groups' loads (unlisted groups: none).
    pub groups: Vec<GroupLoad>,
    /// The ticket's life on a virtual clock, for `timers` expectations.
    pub timeline: Option<Timeline>,
    pub expect: Expectation,
}

/// A ticket's life for a `timers` case: it opens at `opened` (desk-local time), things
/// happen at offsets from then, and the timers run until `until` after the opening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub opened: jiff::civil::DateTime,
    pub events: Vec<(Span, TimelineEvent)>,
    pub until: Span,
}

/// What can happen in a timeline: people's moves, as the desk's commands make them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineEvent {
    /// An agent replies to the customer.
    Agent,
    /// The customer writes.
    Customer,
    Await,
    Resolve,
    Close,
    Reopen,
    /// A supervisor's `/hold`.
    Hold,
    /// `/unhold`.
    Unhold,
    /// The customer presses "Keep it open".
    KeepOpen,
    Priority(Priority),
}

/// Live state of one agent in a scenario; agents not listed are online with no load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentOverride {
    pub id: i64,
    pub online: Option<bool>,
    pub load: Option<u32>,
}

/// A staff group's load as a `group` case gives it: active tickets, calls of the last minute.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupLoad {
    pub name: String,
    pub active: Option<u64>,
    pub calls_last_minute: Option<u64>,
}

/// The decision a case expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Route(RouteDecision),
    /// `None` expects no SLA.
    Sla(Option<ExpectedSla>),
    /// `None` expects the default ladder.
    OnBreach(Option<Vec<Action>>),
    OnMessage(Vec<Action>),
    OnCsat(Vec<Action>),
    /// The staff group the `group` hook names; `None` expects `()`, the default choice.
    Group(Option<String>),
    /// Every timer decision of the case's timeline, in order: `offset summary`, like
    /// `33m first response breach, supervisors` (see `sla::Decision::summary`).
    Timers(Vec<String>),
}

/// Expected SLA targets; the clock is compared only when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedSla {
    pub first_response: Option<Span>,
    pub next_response: Option<Span>,
    pub resolution: Option<Span>,
    pub calendar: Option<SlaClock>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenarioFile {
    #[serde(default)]
    team: Vec<AgentOverride>,
    round_robin: Option<i64>,
    cases: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default)]
    ticket: RawTicket,
    #[serde(default)]
    team: Vec<AgentOverride>,
    round_robin: Option<i64>,
    breach: Option<RawBreach>,
    message: Option<RawMessage>,
    csat: Option<RawCsat>,
    #[serde(default)]
    groups: Vec<GroupLoad>,
    /// Desk-local `YYYY-MM-DD HH:MM`; a Monday morning by default.
    opened: Option<String>,
    /// `offset event` lines, like `45m hold`.
    #[serde(default)]
    timeline: Vec<String>,
    until: Option<Span>,
    expect: RawExpect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTicket {
    id: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, FieldValue>,
    customer: Option<RawCustomer>,
    assignee: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    age: Option<Span>,
    reopened: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomer {
    id: Option<i64>,
    name: Option<String>,
    username: Option<String>,
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreach {
    metric: String,
    level: Option<u32>,
    overdue: Option<Span>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessage {
    text: String,
    from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCsat {
    event: Option<String>,
    scale: Option<String>,
    score: u8,
    answers: Option<u32>,
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    route: Option<serde_yaml::Value>,
    sla: Option<serde_yaml::Value>,
    on_breach: Option<serde_yaml::Value>,
    on_message: Option<Vec<RawAction>>,
    on_csat: Option<Vec<RawAction>>,
    group: Option<String>,
    timers: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSla {
    first_response: Option<Span>,
    next_response: Option<Span>,
    resolution: Option<Span>,
    calendar: Option<String>,
}

/// One action written as a one-key mapping (`- add_tag: vip`); the schema ensures one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    notify_agent: Option<String>,
    escalate: Option<RawEscalate>,
    set_priority: Option<String>,
    add_tag: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalate {
    to: serde_yaml::Value,
    reason: Option<String>,
}

impl RawScenarioFile {
    /// Builds the cases and checks what the schema cannot: events the expectation needs and
    /// agent ids that exist.
    pub(crate) fn validate(self, tree: &Node, team: Option<&Team>, sink: &mut FileSink<'_>) -> ScenarioFile {
        let mut cases = Vec::new();
        for (index, raw) in self.cases.into_iter().enumerate() {
            let node = tree.locate(&[Segment::Key("cases".to_owned()), Segment::Index(index)]);
            let expect_node = node.get("expect").unwrap_or(node);
            let Some(expect) = raw.expect.into_expectation(expect_node, sink) else { continue };
            let needs = match &expect {
                Expectation::OnBreach(_) if raw.breach.is_none() => Some(("on_breach", "breach")),
                Expectation::OnMessage(_) if raw.message.is_none() => Some(("on_message", "message")),
                Expectation::OnCsat(_) if raw.csat.is_none() => Some(("on_csat", "csat")),
                Expectation::Timers(_) if raw.until.is_none() => Some(("timers", "until")),
                _ => None,
            };
            if let Some((hook, event)) = needs {
                sink.error(
                    node.position,
                    format!("case `{}` expects {hook} but gives no `{event}`", raw.name),
                );
                continue;
            }
            if let (Expectation::Route(RouteDecision::Agent(id)), Some(team)) = (&expect, team)
                && !team.is_member(*id)
            {
                sink.error(
                    expect_node.get("route").map_or(expect_node.position, |n| n.position),
                    format!("case `{}` expects agent {id}, who is not in team.yaml", raw.name),
                );
            }
            let timeline = match raw.until {
                Some(until) => {
                    let Some(timeline) = timeline(raw.opened.as_deref(), &raw.timeline, until) else {
                        let message = format!(
                            "case `{}`: `opened` is `YYYY-MM-DD HH:MM` and each timeline line an \
                             offset and an event, like `45m hold` (events: {TIMELINE_EVENTS})",
                            raw.name
                        );
                        sink.error(node.position, message);
                        continue;
                    };
                    Some(timeline)
                }
                None => None,
            };
            let csat = match raw.csat.map(RawCsat::into_view) {
                Some(Ok(view)) => Some(view),
                Some(Err(message)) => {
                    sink.error(node.get("csat").map_or(node.position, |n| n.position), message);
                    continue;
                }
                None => None,
            };
            let mut overrides = self.team.clone();
            overrides.extend(raw.team);
            cases.push(Case {
                name: raw.name,
                position: node.position,
                ticket: raw.ticket.into_view(),
                team: overrides,
                round_robin: RoundRobin { last_agent: raw.round_robin.or(self.round_robin) },
                breach: raw.breach.map(|breach| BreachView {
                    metric: breach.metric,
                    level: breach.level.unwrap_or(1),
                    overdue: breach.overdue.unwrap_or(Span::ZERO),
                }),
                message: raw.message.map(|message| MessageView {
                    text: message.text,
                    from_customer: message.from.as_deref() != Some("agent"),
                    sentiment: None,
                }),
                csat,
                groups: raw.groups,
                timeline,
                expect,
            });
        }
        ScenarioFile { path: sink.path.to_owned(), cases }
    }
}

impl RawTicket {
    fn into_view(self) -> TicketView {
        let customer = self.customer.map_or_else(
            || CustomerView { id: 1, name: "Customer".to_owned(), username: None, language: None },
            |raw| CustomerView {
                id: raw.id.unwrap_or(1),
                name: raw.name.unwrap_or_else(|| "Customer".to_owned()),
                username: raw.username,
                language: raw.language,
            },
        );
        let text = |value: &Option<FieldValue>| match value {
            Some(FieldValue::Text(text)) => Some(text.clone()),
            _ => None,
        };
        // Like the desk, the answers `category` and `priority` double as the ticket's own fields.
        let category =
            self.category.or_else(|| text(&self.fields.get("category").cloned())).unwrap_or_default();
        let priority = self
            .priority
            .or_else(|| text(&self.fields.get("priority").cloned()))
            .unwrap_or_else(|| "normal".to_owned());
        TicketView {
            id: self.id.unwrap_or_else(|| "T-000001".to_owned()),
            status: self.status.unwrap_or_else(|| "open".to_owned()),
            priority,
            category,
            fields: self.fields,
            customer,
            assignee: self.assignee,
            tags: self.tags,
            age: self.age.unwrap_or(Span::ZERO),
            reopened: self.reopened.unwrap_or(0),
        }
    }
}

impl RawCsat {
    /// What `on_csat` sees; `Err` for a score the scale does not have.
    fn into_view(self) -> Result<CsatView, String> {
        let scale: crate::csat::Scale = self.scale.as_deref().unwrap_or("five").parse()?;
        let rating = scale.rating(self.score).ok_or_else(|| {
            format!("a {} rating is 1 to {}, not {}", scale.as_str(), scale.ratings().len(), self.score)
        })?;
        Ok(CsatView {
            event: self.event.unwrap_or_else(|| "rating".to_owned()),
            scale: scale.as_str().to_owned(),
            score: i64::from(rating.value),
            satisfied: rating.is_satisfied(),
            answers: self.answers.unwrap_or(1),
            comment: self.comment,
        })
    }
}

impl RawExpect {
    fn into_expectation(self, node: &Node, sink: &mut FileSink<'_>) -> Option<Expectation> {
        let at = |key: &str| node.get(key).map_or(node.position, |value| value.position);
        if let Some(route) = self.route {
            return match route {
                serde_yaml::Value::Number(number) => {
                    number.as_i64().map(|id| Expectation::Route(RouteDecision::Agent(id)))
                }
                _ => Some(Expectation::Route(RouteDecision::Queue)),
            };
        }
        if let Some(sla) = self.sla {
            if sla.is_string() {
                return Some(Expectation::Sla(None));
            }
            let raw: RawSla = match serde_yaml::from_value(sla) {
                Ok(raw) => raw,
                Err(error) => {
                    sink.error(at("sla"), error.to_string());
                    return None;
                }
            };
            let calendar = raw
                .calendar
                .map(|clock| if clock == "calendar" { SlaClock::Calendar } else { SlaClock::Business });
            return Some(Expectation::Sla(Some(ExpectedSla {
                first_response: raw.first_response,
                next_response: raw.next_response,
                resolution: raw.resolution,
                calendar,
            })));
        }
        if let Some(on_breach) = self.on_breach {
            if on_breach.is_string() {
                return Some(Expectation::OnBreach(None));
            }
            return match serde_yaml::from_value::<Vec<RawAction>>(on_breach) {
                Ok(actions) => {
                    actions_of(actions, at("on_breach"), sink).map(|a| Expectation::OnBreach(Some(a)))
                }
                Err(error) => {
                    sink.error(at("on_breach"), error.to_string());
                    None
                }
            };
        }
        if let Some(timers) = self.timers {
            return Some(Expectation::Timers(timers));
        }
        if let Some(group) = self.group {
            return Some(Expectation::Group(Some(group).filter(|name| name != "default")));
        }
        if let Some(actions) = self.on_csat {
            return actions_of(actions, at("on_csat"), sink).map(Expectation::OnCsat);
        }
        let actions = self.on_message.unwrap_or_default();
        actions_of(actions, at("on_message"), sink).map(Expectation::OnMessage)
    }
}

/// The events a timeline line may name, for error messages.
const TIMELINE_EVENTS: &str =
    "agent, customer, await, resolve, close, reopen, hold, unhold, keep-open, priority P";

/// Reads a case's timeline; `None` when a line or the opening time is malformed.
fn timeline(opened: Option<&str>, lines: &[String], until: Span) -> Option<Timeline> {
    let opened = opened.unwrap_or("2026-03-02 09:00").trim().replace(' ', "T").parse().ok()?;
    let mut events = Vec::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (offset, event) = match words.as_slice() {
            [offset @ .., "priority", priority] => (offset, TimelineEvent::Priority(priority.parse().ok()?)),
            [offset @ .., word] => (offset, timeline_event(word)?),
            [] => return None,
        };
        events.push((offset.join(" ").parse().ok()?, event));
    }
    Some(Timeline { opened, events, until })
}

fn timeline_event(word: &str) -> Option<TimelineEvent> {
    Some(match word {
        "agent" => TimelineEvent::Agent,
        "customer" => TimelineEvent::Customer,
        "await" => TimelineEvent::Await,
        "resolve" => TimelineEvent::Resolve,
        "close" => TimelineEvent::Close,
        "reopen" => TimelineEvent::Reopen,
        "hold" => TimelineEvent::Hold,
        "unhold" => TimelineEvent::Unhold,
        "keep-open" => TimelineEvent::KeepOpen,
        _ => return None,
    })
}

fn actions_of(raw: Vec<RawAction>, position: Position, sink: &mut FileSink<'_>) -> Option<Vec<Action>> {
    let mut actions = Vec::new();
    for action in raw {
        actions.push(match action {
            RawAction { notify_agent: Some(text), .. } => Action::NotifyAgent(text),
            RawAction { set_priority: Some(priority), .. } => Action::SetPriority(priority),
            RawAction { add_tag: Some(tag), .. } => Action::AddTag(tag),
            RawAction { escalate: None, .. } => {
                sink.error(
                    position,
                    "an action needs one of notify_agent, escalate, set_priority or add_tag",
                );
                return None;
            }
            RawAction { escalate: Some(RawEscalate { to, reason }), .. } => {
                let to = match &to {
                    serde_yaml::Value::Number(number) if number.as_i64().is_some() => {
                        EscalationTarget::Agent(number.as_i64().unwrap_or_default())
                    }
                    serde_yaml::Value::String(name) if name == "supervisors" => EscalationTarget::Supervisors,
                    serde_yaml::Value::String(name) if name == "escalation" => {
                        EscalationTarget::EscalationTeam
                    }
                    _ => {
                        sink.error(
                            position,
                            "escalate `to` must be `supervisors`, `escalation` or an agent id",
                        );
                        return None;
                    }
                };
                Action::Escalate { to, reason: reason.unwrap_or_default() }
            }
        });
    }
    Some(actions)
}

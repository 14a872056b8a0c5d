//! The script-visible API, defined in this one place and documented in docs/rules.md.
//!
//! Views are registered as read-only types with getters (a typo like `ticket.priorty` fails
//! loudly instead of reading `()`), actions are constructor functions returning an opaque
//! `Action`, and helpers are pure functions. Nothing here performs I/O or reads the clock.

use std::sync::{Arc, Mutex};

use rhai::{Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString, Map};

use super::views::{
    AgentView, CsatView, CustomerView, FieldValue, GroupView, MessageView, RoundRobin, TeamView, TicketView,
};
use crate::duration::Span;
use crate::sla::{Action, BreachView, EscalationTarget};

/// The team as a script value: the view plus the round-robin cursor shared by every copy the
/// script makes, so the host reads back how far round robin advanced.
#[derive(Clone, Debug)]
pub(crate) struct ScriptTeam {
    pub(crate) view: Arc<TeamView>,
    pub(crate) cursor: Arc<Mutex<RoundRobin>>,
}

pub(crate) fn register(engine: &mut Engine) {
    register_ticket(engine);
    register_team(engine);
    register_events(engine);
    register_actions(engine);
    register_helpers(engine);
}

fn register_ticket(engine: &mut Engine) {
    engine
        .register_type_with_name::<TicketView>("Ticket")
        .register_get("id", |t: &mut TicketView| ImmutableString::from(t.id.as_str()))
        .register_get("status", |t: &mut TicketView| ImmutableString::from(t.status.as_str()))
        .register_get("priority", |t: &mut TicketView| ImmutableString::from(t.priority.as_str()))
        .register_get("category", |t: &mut TicketView| ImmutableString::from(t.category.as_str()))
        .register_get("fields", |t: &mut TicketView| answers_map(&t.fields))
        .register_get("customer", |t: &mut TicketView| customer_map(&t.customer))
        .register_get("assignee", |t: &mut TicketView| t.assignee.map_or(Dynamic::UNIT, Dynamic::from_int))
        .register_get("tags", |t: &mut TicketView| strings(&t.tags))
        .register_get("age", |t: &mut TicketView| t.age.as_secs() as INT)
        .register_get("age_text", |t: &mut TicketView| t.age.to_string())
        .register_get("reopened", |t: &mut TicketView| INT::from(t.reopened))
        .register_fn("has_tag", |t: &mut TicketView, tag: &str| t.tags.iter().any(|own| own == tag))
        .register_fn("to_string", |t: &mut TicketView| t.id.clone())
        .register_fn("to_debug", |t: &mut TicketView| format!("Ticket({})", t.id));
}

fn register_team(engine: &mut Engine) {
    engine
        .register_type_with_name::<ScriptTeam>("Team")
        .register_fn("round_robin", |team: &mut ScriptTeam, skill: &str| {
            let mut cursor = team.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            team.view.round_robin(skill, &mut cursor).map_or(Dynamic::UNIT, Dynamic::from_int)
        })
        .register_fn("least_loaded", |team: &mut ScriptTeam, skill: &str| {
            team.view.least_loaded(skill).map_or(Dynamic::UNIT, Dynamic::from_int)
        })
        .register_fn("available", |team: &mut ScriptTeam, skill: &str| -> Array {
            team.view.available(skill).into_iter().map(agent_map).collect()
        })
        .register_get("agents", |team: &mut ScriptTeam| -> Array {
            team.view.agents.iter().map(agent_map).collect()
        })
        .register_fn("agent", |team: &mut ScriptTeam, id: INT| {
            team.view.agents.iter().find(|agent| agent.id == id).map_or(Dynamic::UNIT, agent_map)
        })
        .register_fn("to_debug", |team: &mut ScriptTeam| format!("Team({} agents)", team.view.agents.len()));
}

fn register_events(engine: &mut Engine) {
    engine
        .register_type_with_name::<BreachView>("Breach")
        .register_get("metric", |b: &mut BreachView| ImmutableString::from(b.metric.as_str()))
        .register_get("level", |b: &mut BreachView| INT::from(b.level))
        .register_get("overdue", |b: &mut BreachView| b.overdue.as_secs() as INT)
        .register_fn("to_debug", |b: &mut BreachView| format!("Breach({} level {})", b.metric, b.level));
    engine
        .register_type_with_name::<MessageView>("Message")
        .register_get("text", |m: &mut MessageView| ImmutableString::from(m.text.as_str()))
        .register_get("from_customer", |m: &mut MessageView| m.from_customer)
        .register_get("sentiment", |m: &mut MessageView| m.sentiment())
        .register_get("from", |m: &mut MessageView| if m.from_customer { "customer" } else { "agent" })
        .register_fn("to_debug", |m: &mut MessageView| format!("Message({:?})", m.text));
    engine
        .register_type_with_name::<CsatView>("Csat")
        .register_get("event", |c: &mut CsatView| ImmutableString::from(c.event.as_str()))
        .register_get("scale", |c: &mut CsatView| ImmutableString::from(c.scale.as_str()))
        .register_get("score", |c: &mut CsatView| c.score as INT)
        .register_get("satisfied", |c: &mut CsatView| c.satisfied)
        .register_get("answers", |c: &mut CsatView| INT::from(c.answers))
        .register_get("comment", |c: &mut CsatView| {
            c.comment.as_deref().map_or(Dynamic::UNIT, |text| Dynamic::from(ImmutableString::from(text)))
        })
        .register_fn("to_debug", |c: &mut CsatView| format!("Csat({} {} {})", c.event, c.scale, c.score));
}

fn register_actions(engine: &mut Engine) {
    engine
        .register_type_with_name::<Action>("Action")
        .register_fn("notify_agent", |text: &str| Action::NotifyAgent(text.to_owned()))
        .register_fn("escalate", |to: Dynamic, reason: &str| escalate(&to, reason))
        .register_fn("escalate", |to: Dynamic| escalate(&to, ""))
        .register_fn("set_priority", |priority: &str| -> Result<Action, Box<rhai::EvalAltResult>> {
            match priority.parse::<crate::ticket::Priority>() {
                Ok(known) => Ok(Action::SetPriority(known.as_str().to_owned())),
                Err(message) => Err(message.into()),
            }
        })
        .register_fn("add_tag", |tag: &str| Action::AddTag(tag.to_owned()))
        .register_fn("to_string", |action: &mut Action| action.to_string())
        .register_fn("to_debug", |action: &mut Action| action.to_string())
        .register_fn("==", |a: Action, b: Action| a == b);
}

fn escalate(to: &Dynamic, reason: &str) -> Result<Action, Box<EvalAltResult>> {
    let target = if let Ok(id) = to.as_int() {
        EscalationTarget::Agent(id)
    } else {
        match to.clone().into_string().ok().as_deref() {
            Some("supervisors") => EscalationTarget::Supervisors,
            Some("escalation") => EscalationTarget::EscalationTeam,
            _ => {
                return Err(format!(
                    "escalate() takes \"supervisors\", \"escalation\" or an agent id, not `{to}`"
                )
                .into());
            }
        }
    };
    Ok(Action::Escalate { to: target, reason: reason.to_owned() })
}

fn register_helpers(engine: &mut Engine) {
    engine
        .register_fn("seconds", |n: INT| n)
        .register_fn("minutes", |n: INT| n.saturating_mul(60))
        .register_fn("hours", |n: INT| n.saturating_mul(3_600))
        .register_fn("days", |n: INT| n.saturating_mul(86_400))
        .register_fn("duration", |text: &str| -> Result<INT, Box<EvalAltResult>> {
            text.parse::<Span>().map(|span| span.as_secs() as INT).map_err(|error| error.to_string().into())
        })
        .register_fn("duration_text", |seconds: INT| Span::from_secs(seconds.max(0) as u64).to_string());
    engine.register_fn("sentiment", crate::sentiment::score);
    super::kb::register(engine);
}

/// Form answers as the `answers` map scripts read.
pub(crate) fn answers_map(answers: &std::collections::BTreeMap<String, FieldValue>) -> Map {
    answers.iter().map(|(id, value)| (id.as_str().into(), field_value(value))).collect()
}

fn field_value(value: &FieldValue) -> Dynamic {
    match value {
        FieldValue::Bool(flag) => Dynamic::from_bool(*flag),
        FieldValue::Integer(number) => Dynamic::from_int(*number),
        FieldValue::Number(number) => Dynamic::from_float(*number),
        FieldValue::Text(text) => Dynamic::from(text.clone()),
        FieldValue::List(items) => Dynamic::from_array(strings(items)),
    }
}

fn customer_map(customer: &CustomerView) -> Map {
    let optional = |value: &Option<String>| value.clone().map_or(Dynamic::UNIT, Dynamic::from);
    Map::from_iter([
        ("id".into(), Dynamic::from_int(customer.id)),
        ("name".into(), Dynamic::from(customer.name.clone())),
        ("username".into(), optional(&customer.username)),
        ("language".into(), optional(&customer.language)),
    ])
}

fn agent_map(agent: &AgentView) -> Dynamic {
    Dynamic::from_map(Map::from_iter([
        ("id".into(), Dynamic::from_int(agent.id)),
        ("name".into(), Dynamic::from(agent.name.clone())),
        ("role".into(), Dynamic::from(agent.role.clone())),
        ("load".into(), Dynamic::from_int(INT::from(agent.load))),
        ("capacity".into(), Dynamic::from_int(INT::from(agent.capacity))),
        ("online".into(), Dynamic::from_bool(agent.online)),
        ("skills".into(), Dynamic::from_array(strings(&agent.skills))),
    ]))
}

/// The staff groups as the `group` hook's `groups`: one map each, in desk.yaml's order.
pub(crate) fn groups_array(groups: &[GroupView]) -> Array {
    let count = |n: u64| Dynamic::from_int(INT::try_from(n).unwrap_or(INT::MAX));
    groups
        .iter()
        .map(|group| {
            Dynamic::from_map(Map::from_iter([
                ("name".into(), Dynamic::from(group.name.clone())),
                ("chat".into(), Dynamic::from_int(group.chat)),
                ("categories".into(), Dynamic::from_array(strings(&group.categories))),
                ("forms".into(), Dynamic::from_array(strings(&group.forms))),
                ("tags".into(), Dynamic::from_array(strings(&group.tags))),
                ("overflow".into(), Dynamic::from_bool(group.overflow())),
                ("active".into(), count(group.active)),
                ("calls_last_minute".into(), count(group.calls_last_minute)),
                ("budget_per_minute".into(), count(group.budget_per_minute)),
                ("full".into(), Dynamic::from_bool(group.full)),
            ]))
        })
        .collect()
}

fn strings(items: &[String]) -> Array {
    items.iter().map(|item| Dynamic::from(item.clone())).collect()
}

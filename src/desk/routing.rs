//! Who gets a ticket: the support lead's `route(ticket, team)` hook decides, with the
//! built-in round robin as the default, when a ticket is opened and again whenever it
//! needs someone now: reopened, escalated (by an agent, a rule or a timer), or its
//! assignee gone away (`/away` or the end of their shift) under `away_policy: reroute`.
//! The round-robin position is stored, so fairness survives restarts. A hook that fails falls back to the default, and the supervisors
//! hear about it once per rule-set version and hook, in the staff chat's General topic.

use std::collections::BTreeMap;

use super::card::{agent_name, mention};
use super::{Desk, DeskError, State};
use crate::outbox::Lane;
use crate::outbox::{Call, Target};
use crate::rules::AgentState;
use crate::script::{CustomerView, FieldValue, HookOutcome, RoundRobin, RouteDecision, TicketView};
use crate::ticket::{Answer, Change, Ticket, span_between};

/// Where the round-robin position lives among the store's counters. Agent ids are
/// stored shifted by one so that 0 means "nobody yet".
const ROUND_ROBIN: &str = "round_robin_last";

impl Desk<'_> {
    /// Routes a ticket with the rules in force and applies the decision; returns the agent
    /// it went to when that changed who has it (the caller announces it once the topic is
    /// queued). Leaving it in the queue takes it from nobody.
    pub(super) fn route<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
    ) -> Result<Option<u64>, DeskError> {
        let cursor =
            RoundRobin { last_agent: state.counter(ROUND_ROBIN)?.filter(|v| *v > 0).map(|v| (v - 1) as i64) };
        let mut live = self.team_state(state)?;
        // The hook weighs whether the assignee has room for one more; this ticket is not one more.
        if let Some(holder) = ticket.assignee.filter(|_| ticket.status.is_active())
            && let Some(now) = live.get_mut(&(holder as i64))
        {
            now.load = now.load.saturating_sub(1);
        }
        // Only the agents of the ticket's staff group: the others cannot see its topic.
        let group = self.group_of(ticket).name.clone();
        let team = self.rules.team().view_where(
            |agent| agent.works_in(&group),
            |agent| live.get(&agent.id).copied().unwrap_or(AgentState { load: 0, online: true }),
        );
        let outcome = self.rules.scripts().route(&self.ticket_view(ticket), &team, cursor);
        self.alert_on_failure(state, &outcome)?;
        if let Some(last) = outcome.value.cursor.last_agent {
            state.set_counter(ROUND_ROBIN, last as u64 + 1)?;
        }
        let RouteDecision::Agent(agent) = outcome.value.decision else { return Ok(None) };
        // A hook may name anyone by id: someone outside the group leaves the ticket queued.
        if !self.rules.team().agent(agent).is_some_and(|member| member.works_in(&group)) {
            tracing::warn!(ticket = %ticket.id, agent, group, "routing named someone outside the ticket's staff group; the ticket stays in the queue");
            return Ok(None);
        }
        if ticket.assignee == Some(agent as u64) {
            return Ok(None);
        }
        let before = ticket.clone();
        let entries = ticket
            .apply(Change::Assign { to: Some(agent as u64) }, &self.system(), self.now)
            .expect("assigning is always legal");
        self.commit(state, &before, ticket, &entries)?;
        Ok(Some(agent as u64))
    }

    /// Each agent's load (active tickets) and whether they take new tickets now: not away,
    /// and within their own working hours if team.yaml gives them some.
    pub(super) fn team_state<S: State>(&self, state: &S) -> Result<BTreeMap<i64, AgentState>, DeskError> {
        let mut live = BTreeMap::new();
        for agent in &self.rules.team().agents {
            let load = state.tickets_of_assignee(agent.id as u64)?.len() as u32;
            let online = !Self::is_away(state, agent.id)? && self.rules.on_duty(agent.id, self.now);
            live.insert(agent.id, AgentState { load, online });
        }
        Ok(live)
    }

    /// Asks `route` again about a ticket that needs someone now (reopened, escalated, its
    /// assignee away) and applies a changed decision. The new assignee is mentioned, unless
    /// it is `actor`, the agent whose action this follows.
    pub(super) fn reroute<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        actor: Option<u64>,
    ) -> Result<Option<u64>, DeskError> {
        let routed = self.route(state, ticket)?;
        if let Some(agent) = routed {
            self.announce_assignee(state, ticket, agent, actor)?;
        }
        Ok(routed)
    }

    /// Tells the topic who the ticket went to, mentioning them so Telegram notifies them;
    /// quietly by name when it is `actor` themselves.
    pub(super) fn announce_assignee<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        actor: Option<u64>,
    ) -> Result<(), DeskError> {
        let named = if actor == Some(agent) {
            agent_name(self.rules, agent)
        } else {
            self.tell_agent(state, agent, crate::notify::NotifyKind::Assigned, ticket, None)?
        };
        self.say_in_topic(state, ticket.id, format!("Assigned to {named} by the routing rules."))
    }

    /// The read-only view hooks see of a ticket, now.
    pub fn ticket_view(&self, ticket: &Ticket) -> TicketView {
        ticket_view(ticket, self.now)
    }

    /// Logs a failed hook with its place; tells the supervisors once per rule set and hook.
    pub(super) fn alert_on_failure<S: State, T>(
        &self,
        state: &mut S,
        outcome: &HookOutcome<T>,
    ) -> Result<(), DeskError> {
        let Some(failure) = &outcome.failure else { return Ok(()) };
        tracing::error!(%failure, rules = %outcome.rule_set_version, "a rule hook failed; the built-in default decided");
        let key = format!("alerted:{}:{}", outcome.rule_set_version, failure.function);
        if state.counter(&key)?.is_some() {
            return Ok(());
        }
        state.set_counter(&key, 1)?;
        let supervisors: Vec<String> = self.rules.team().supervisors().map(mention).collect();
        let text = format!(
            "⚠ A rule failed: {failure}\nThe built-in default decided instead, and will until the rules are fixed \
             (rules {}). {}",
            outcome.rule_set_version,
            supervisors.join(" ")
        );
        let call = Call::SendText {
            to: Target::Chat { chat_id: self.desk_chat() },
            text,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }
}

/// The read-only view hooks see of a ticket at `now`.
pub fn ticket_view(ticket: &Ticket, now: jiff::Timestamp) -> TicketView {
    TicketView {
        id: ticket.id.to_string(),
        status: ticket.status.as_str().to_owned(),
        priority: ticket.priority.as_str().to_owned(),
        category: ticket.category.clone().unwrap_or_default(),
        fields: ticket.answers.iter().map(|(k, v)| (k.clone(), field_value(v))).collect(),
        customer: CustomerView {
            id: ticket.customer.id as i64,
            name: ticket.customer.name.clone(),
            username: ticket.customer.username.clone(),
            language: ticket.customer.language.clone(),
        },
        assignee: ticket.assignee.map(|a| a as i64),
        tags: ticket.tags.iter().cloned().collect(),
        age: span_between(ticket.created_at, now),
        reopened: ticket.reopened,
    }
}

fn field_value(answer: &Answer) -> FieldValue {
    match answer {
        Answer::Text(text) => FieldValue::Text(text.clone()),
        Answer::Number(number) => FieldValue::Number(*number),
        Answer::Bool(flag) => FieldValue::Bool(*flag),
        Answer::Choices(values) | Answer::Files(values) => FieldValue::List(values.clone()),
    }
}

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

/// Whether `a` and `b` give hooks the same view at `now` (`ticket_view(a, now) ==
/// ticket_view(b, now)`), compared field by field without building either view: a
/// customer's message asks this of every ticket it changes.
pub fn same_view(a: &Ticket, b: &Ticket, now: jiff::Timestamp) -> bool {
    a.id == b.id
        && a.status.as_str() == b.status.as_str()
        && a.priority.as_str() == b.priority.as_str()
        && a.category.as_deref().unwrap_or_default() == b.category.as_deref().unwrap_or_default()
        && a.answers.len() == b.answers.len()
        && a.answers.iter().zip(&b.answers).all(|((ka, va), (kb, vb))| ka == kb && same_field(va, vb))
        && a.customer.id == b.customer.id
        && a.customer.name == b.customer.name
        && a.customer.username == b.customer.username
        && a.customer.language == b.customer.language
        && a.assignee == b.assignee
        && a.tags == b.tags
        && span_between(a.created_at, now) == span_between(b.created_at, now)
        && a.reopened == b.reopened
}

/// Whether two answers give the same [`FieldValue`] (choices and files are both a list).
fn same_field(a: &Answer, b: &Answer) -> bool {
    match (a, b) {
        (Answer::Text(a), Answer::Text(b)) => a == b,
        // Exactly as the views' derived equality compares them: NaN unlike itself included.
        #[expect(clippy::float_cmp, reason = "the same comparison as FieldValue's PartialEq")]
        (Answer::Number(a), Answer::Number(b)) => a == b,
        (Answer::Bool(a), Answer::Bool(b)) => a == b,
        (Answer::Choices(a) | Answer::Files(a), Answer::Choices(b) | Answer::Files(b)) => a == b,
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Customer, Priority, Status, TicketId};

    fn at(second: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_790_000_000 + second).expect("in range")
    }

    /// A ticket and its variants, each differing in one thing a view shows or in one it
    /// does not (which `same_view` must then ignore).
    fn variants() -> Vec<Ticket> {
        let answers = BTreeMap::from([
            ("category".to_owned(), Answer::Text("billing".into())),
            ("files".to_owned(), Answer::Files(vec!["f1".into()])),
        ]);
        let customer = Customer { id: 5, name: "Ann".into(), username: None, language: Some("en".into()) };
        let base = Ticket::open(TicketId(3), customer, "support", answers, at(0)).0;
        let changed = |change: &dyn Fn(&mut Ticket)| {
            let mut ticket = base.clone();
            change(&mut ticket);
            ticket
        };
        vec![
            base.clone(),
            changed(&|t| t.id = TicketId(4)),
            changed(&|t| t.status = Status::Open),
            changed(&|t| t.priority = Priority::High),
            changed(&|t| t.category = None),
            changed(&|t| t.category = Some(String::new())),
            changed(&|t| {
                t.answers.insert("files".into(), Answer::Choices(vec!["f1".into()]));
            }),
            changed(&|t| {
                t.answers.insert("files".into(), Answer::Files(vec!["f2".into()]));
            }),
            changed(&|t| {
                t.answers.insert("extra".into(), Answer::Bool(true));
            }),
            changed(&|t| {
                t.answers.insert("nan".into(), Answer::Number(f64::NAN));
            }),
            changed(&|t| {
                t.answers.insert("count".into(), Answer::Number(2.0));
            }),
            changed(&|t| t.customer.id = 6),
            changed(&|t| t.customer.name = "Bob".into()),
            changed(&|t| t.customer.username = Some("ann".into())),
            changed(&|t| t.customer.language = None),
            changed(&|t| t.assignee = Some(77)),
            changed(&|t| {
                t.tags.insert("vip".into());
            }),
            changed(&|t| t.created_at = at(-60)),
            // Opened after `now`: both ages are zero.
            changed(&|t| t.created_at = at(120)),
            changed(&|t| t.created_at = at(150)),
            changed(&|t| t.reopened = 1),
            // Not in the view.
            changed(&|t| t.updated_at = at(30)),
            changed(&|t| t.next_seq = 9),
            changed(&|t| t.card = Some(12)),
            changed(&|t| t.unreachable = true),
            changed(&|t| t.form = "sales".into()),
        ]
    }

    #[test]
    fn same_view_answers_as_comparing_the_views_does() {
        let now = at(100);
        let tickets = variants();
        let (mut same, mut different) = (0, 0);
        for a in &tickets {
            for b in &tickets {
                let views_equal = ticket_view(a, now) == ticket_view(b, now);
                assert_eq!(same_view(a, b, now), views_equal, "{a:?}\n{b:?}");
                if views_equal { same += 1 } else { different += 1 }
            }
        }
        assert!(same > tickets.len() && different > tickets.len(), "{same} same, {different} different");
    }

    /// Every field of the view, named: a field added to `TicketView` stops this compiling
    /// until `same_view` compares it too.
    #[test]
    fn same_view_knows_every_field_of_the_view() {
        let TicketView { id, status, priority, category, fields, customer, assignee, tags, age, reopened } =
            ticket_view(&variants()[0], at(100));
        let CustomerView { id: _, name: _, username: _, language: _ } = customer;
        assert_eq!((id.as_str(), status.as_str(), priority.as_str()), ("T-000003", "new", "normal"));
        assert_eq!(
            (category, fields.len(), assignee, tags.len(), reopened),
            ("billing".to_owned(), 2, None, 0, 0)
        );
        assert_eq!(age, span_between(at(0), at(100)));
    }
}

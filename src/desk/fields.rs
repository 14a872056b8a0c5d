//! Staff commands that change a ticket's fields rather than its status: `/priority`,
//! `/tag`, `/untag`, `/assign` (and its picker of available agents, also behind the
//! card's Assign button) and `/escalate`. Each confirms in one line in the topic; a wrong
//! argument gets a short explanation and changes nothing.

use super::card::{Action, agent_name, assign_button, mention};
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::outbox::Lane;
use crate::outbox::{Call, Target};
use crate::rules::Role;
use crate::ticket::{Change, Priority, Ticket};

impl Desk<'_> {
    /// Runs a field command; `None` when `word` is not one of them.
    pub(super) fn field_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        word: &str,
        argument: &str,
    ) -> Option<Result<(), DeskError>> {
        let agent = m.from;
        let outcome = match word {
            "priority" => self.set_priority(state, ticket, agent, argument),
            "tag" => self.tag(state, ticket, agent, argument, true),
            "untag" => self.tag(state, ticket, agent, argument, false),
            "assign" => self.assign(state, ticket, agent, argument),
            "escalate" => self.escalate(state, ticket, agent, argument),
            _ => return None,
        };
        Some(outcome.map(drop))
    }

    /// Says `text` in the topic and returns it, for the notice of a press.
    fn explain<S: State>(&self, state: &mut S, ticket: &Ticket, text: String) -> Result<String, DeskError> {
        self.say_in_topic(state, ticket.id, text.clone())?;
        Ok(text)
    }

    /// `/priority p`, or a priority button of the card's menu; returns the line said.
    pub(super) fn set_priority<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        argument: &str,
    ) -> Result<String, DeskError> {
        let Ok(priority) = argument.parse::<Priority>() else {
            return self.explain(state, ticket, "Usage: /priority low|normal|high|critical".to_owned());
        };
        let line =
            format!("✓ {} set the priority of {} to {priority}.", agent_name(self.rules, agent), ticket.id);
        self.change(state, ticket, agent, Change::SetPriority(priority), line)
    }

    /// `/tag word` and `/untag word` (or a tag's button on the menu); returns the line said.
    pub(super) fn tag<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        argument: &str,
        add: bool,
    ) -> Result<String, DeskError> {
        let tag = argument.trim_start_matches('#').to_lowercase();
        if tag.is_empty() || tag.contains(char::is_whitespace) {
            let usage = if add { "Usage: /tag word" } else { "Usage: /untag word" };
            return self.explain(state, ticket, usage.to_owned());
        }
        let (change, line) = if add {
            (Change::AddTag(tag.clone()), format!("✓ Tagged {} #{tag}.", ticket.id))
        } else {
            (Change::RemoveTag(tag.clone()), format!("✓ Removed #{tag} from {}.", ticket.id))
        };
        self.change(state, ticket, agent, change, line)
    }

    /// `/assign @username` (or a name, or an id); without an argument, the picker of who
    /// is available. Giving a ticket to someone else is a supervisor's action; anyone may
    /// take it for themselves with /claim.
    fn assign<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        by: u64,
        argument: &str,
    ) -> Result<String, DeskError> {
        let wanted = argument.trim().trim_start_matches('@');
        if wanted.is_empty() {
            return self.assign_picker(state, ticket);
        }
        let team = self.rules.team();
        let found = team.agents.iter().find(|a| {
            a.username.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(wanted))
                || a.name.eq_ignore_ascii_case(wanted)
                || a.id.to_string() == wanted
        });
        let Some(agent) = found else {
            let names: Vec<String> = team.agents.iter().map(mention).collect();
            let text = format!("Usage: /assign @username. The team: {}.", names.join(", "));
            return self.explain(state, ticket, text);
        };
        self.assign_to(state, ticket, by, agent.id as u64)
    }

    /// Gives the ticket to `agent` for `by`, confirming in the topic with a mention of the
    /// new assignee; taking it for oneself is a claim, confirmed without one. Returns the
    /// line said, a refusal included.
    pub(super) fn assign_to<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        by: u64,
        agent: u64,
    ) -> Result<String, DeskError> {
        let team = self.rules.team();
        let Some(agent) = team.agent(agent as i64) else {
            let text = "That person is no longer in team.yaml.".to_owned();
            return Ok(text);
        };
        if agent.id == by as i64 {
            return self.act(state, ticket.clone(), by, Action::Claim);
        }
        let is_supervisor = team.agent(by as i64).is_some_and(|a| a.role == Role::Supervisor);
        if !is_supervisor {
            let text =
                "Only supervisors give tickets to someone else; use /claim to take it yourself.".to_owned();
            return self.explain(state, ticket, text);
        }
        let named =
            self.tell_agent(state, agent.id as u64, crate::notify::NotifyKind::Assigned, ticket, None)?;
        let line = format!("✓ {} assigned {} to {named}.", agent_name(self.rules, by), ticket.id);
        self.change(state, ticket, by, Change::Assign { to: Some(agent.id as u64) }, line)
    }

    /// Posts, in the topic, a button for every agent who can take the ticket now (not away,
    /// under capacity), its assignee left out; returns the notice for the press.
    pub(super) fn assign_picker<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
    ) -> Result<String, DeskError> {
        let live = self.team_state(state)?;
        let mut buttons = Vec::new();
        for agent in &self.rules.team().agents {
            let Some(now) = live.get(&agent.id) else { continue };
            if !now.online || now.load >= agent.capacity || ticket.assignee == Some(agent.id as u64) {
                continue;
            }
            let label = format!("{} · {}/{}", agent.name, now.load, agent.capacity);
            buttons.push(vec![assign_button(&label, ticket.id, agent.id as u64)]);
        }
        if buttons.is_empty() {
            let text = format!(
                "Nobody else can take {} now: everyone is away or at capacity. /assign @username gives it to anyone.",
                ticket.id
            );
            return self.explain(state, ticket, text);
        }
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text: format!("Assign {} to (active tickets / capacity):", ticket.id),
            reply_to: None,
            buttons,
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)?;
        Ok("Choose who takes it below.".to_owned())
    }

    /// `/escalate reason` (or the menu's Escalate button): the supervisors are mentioned in
    /// the topic, the escalation is recorded with who it went to, and `route` is asked
    /// again who should have the ticket.
    pub(super) fn escalate<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        reason: &str,
    ) -> Result<String, DeskError> {
        if reason.is_empty() {
            return self.explain(state, ticket, "Usage: /escalate reason".to_owned());
        }
        let mut after = ticket.clone();
        let to = crate::sla::EscalationTarget::Supervisors;
        let entries = self.escalate_to(state, &mut after, to, reason.to_owned(), &self.agent(agent))?;
        self.commit(state, ticket, &after, &entries)?;
        if let Some(mut escalated) = state.ticket(ticket.id)? {
            self.reroute(state, &mut escalated, Some(agent))?;
        }
        Ok(format!("Escalated {} to the supervisors.", ticket.id))
    }

    /// Applies one change for an agent and confirms it; a refused change is explained.
    /// Returns the line said.
    fn change<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        change: Change,
        line: String,
    ) -> Result<String, DeskError> {
        let mut after = ticket.clone();
        match after.apply(change, &self.agent(agent), self.now) {
            Ok(entries) => {
                self.commit(state, ticket, &after, &entries)?;
                self.explain(state, ticket, line)
            }
            Err(error) => self.explain(state, ticket, error.to_string()),
        }
    }
}

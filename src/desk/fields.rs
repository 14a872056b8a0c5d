//! Staff commands that change a ticket's fields rather than its status: `/priority`,
//! `/tag`, `/untag`, `/assign` (and its picker of available agents, also behind the
//! card's Assign button) and `/escalate`. Each confirms in one line in the topic; a wrong
//! argument gets a short explanation and changes nothing.

use super::card::{Action, agent_name, assign_button, mention};
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::outbox::{Call, Target};
use crate::rules::Role;
use crate::store::Lane;
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
        let outcome = match word {
            "priority" => self.set_priority(state, ticket, m, argument),
            "tag" => self.tag(state, ticket, m, argument, true),
            "untag" => self.tag(state, ticket, m, argument, false),
            "assign" => self.assign(state, ticket, m, argument),
            "escalate" => self.escalate(state, ticket, m, argument),
            _ => return None,
        };
        Some(outcome)
    }

    fn set_priority<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let Ok(priority) = argument.parse::<Priority>() else {
            return self.say_in_topic(
                state,
                ticket.id,
                "Usage: /priority low|normal|high|critical".to_owned(),
            );
        };
        let line =
            format!("✓ {} set the priority of {} to {priority}.", agent_name(self.rules, m.from), ticket.id);
        self.change(state, ticket, m.from, Change::SetPriority(priority), line)
    }

    fn tag<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
        add: bool,
    ) -> Result<(), DeskError> {
        let tag = argument.trim_start_matches('#').to_lowercase();
        if tag.is_empty() || tag.contains(char::is_whitespace) {
            let usage = if add { "Usage: /tag word" } else { "Usage: /untag word" };
            return self.say_in_topic(state, ticket.id, usage.to_owned());
        }
        let (change, line) = if add {
            (Change::AddTag(tag.clone()), format!("✓ Tagged {} #{tag}.", ticket.id))
        } else {
            (Change::RemoveTag(tag.clone()), format!("✓ Removed #{tag} from {}.", ticket.id))
        };
        self.change(state, ticket, m.from, change, line)
    }

    /// `/assign @username` (or a name, or an id); without an argument, the picker of who
    /// is available. Giving a ticket to someone else is a supervisor's action; anyone may
    /// take it for themselves with /claim.
    fn assign<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let wanted = argument.trim().trim_start_matches('@');
        if wanted.is_empty() {
            return self.assign_picker(state, ticket).map(drop);
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
            return self.say_in_topic(state, ticket.id, text);
        };
        self.assign_to(state, ticket, m.from, agent.id as u64).map(drop)
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
            self.say_in_topic(state, ticket.id, text.clone())?;
            return Ok(text);
        }
        let line = format!("✓ {} assigned {} to {}.", agent_name(self.rules, by), ticket.id, mention(agent));
        let change = Change::Assign { to: Some(agent.id as u64) };
        self.change(state, ticket, by, change, line.clone())?;
        Ok(line)
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
            self.say_in_topic(state, ticket.id, text.clone())?;
            return Ok(text);
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

    /// `/escalate reason`: the supervisors are mentioned in the topic, the escalation is
    /// recorded with who it went to, and `route` is asked again who should have the ticket.
    fn escalate<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        if argument.is_empty() {
            return self.say_in_topic(state, ticket.id, "Usage: /escalate reason".to_owned());
        }
        let mut after = ticket.clone();
        let to = crate::script::EscalationTarget::Supervisors;
        let entries = self.escalate_to(state, &mut after, to, argument.to_owned(), &self.agent(m.from))?;
        self.commit(state, ticket, &after, &entries)?;
        match state.ticket(ticket.id)? {
            Some(mut escalated) => self.reroute(state, &mut escalated, Some(m.from)).map(drop),
            None => Ok(()),
        }
    }

    /// Applies one change for an agent and confirms it; a refused change is explained.
    fn change<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        change: Change,
        line: String,
    ) -> Result<(), DeskError> {
        let mut after = ticket.clone();
        match after.apply(change, &self.agent(agent), self.now) {
            Ok(entries) => {
                self.commit(state, ticket, &after, &entries)?;
                self.say_in_topic(state, ticket.id, line)
            }
            Err(error) => self.say_in_topic(state, ticket.id, error.to_string()),
        }
    }
}

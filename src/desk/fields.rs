//! Staff commands that change a ticket's fields rather than its status: `/priority`,
//! `/tag`, `/untag`, `/assign` and `/escalate`. Each confirms in one line in the topic;
//! a wrong argument gets a short explanation and changes nothing.

use super::card::{agent_name, mention};
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
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

    /// `/assign @username` (or a name, or an id). Giving a ticket to someone else is a
    /// supervisor's action; anyone may take it for themselves with /claim.
    fn assign<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let wanted = argument.trim().trim_start_matches('@');
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
        let is_supervisor = team.agent(m.from as i64).is_some_and(|a| a.role == Role::Supervisor);
        if agent.id != m.from as i64 && !is_supervisor {
            let text =
                "Only supervisors give tickets to someone else; use /claim to take it yourself.".to_owned();
            return self.say_in_topic(state, ticket.id, text);
        }
        let line =
            format!("✓ {} assigned {} to {}.", agent_name(self.rules, m.from), ticket.id, mention(agent));
        self.change(state, ticket, m.from, Change::Assign { to: Some(agent.id as u64) }, line)
    }

    /// `/escalate reason`: the supervisors are mentioned in the topic and the escalation
    /// is recorded with who it went to.
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
        self.commit(state, ticket, &after, &entries)
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

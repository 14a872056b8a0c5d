//! Timers: SLA warnings, breaches and the escalation ladder, auto-close and reminders.
//! The desk keeps each ticket's next due times in the store's deadline index
//! ([`Desk::sync_deadlines`], after every change), and on a tick acts on every decision
//! that fell due, in due order, recording each in history so it never fires twice.
//! The SLA arithmetic itself lives in `sla`; this is where its decisions become actions.

use super::card::mention_id;
use super::{Desk, DeskError, State};
use crate::script::{Action, BreachPlan, EscalationTarget};
use crate::sla::{DeadlineKind, Decision, DecisionKind, Inputs, Policy};
use crate::store::Deadline;
use crate::ticket::{Change, Priority, Ticket, TicketId};

/// How many due deadlines one tick takes on; the next tick takes the rest.
const PER_TICK: usize = 500;

impl Desk<'_> {
    /// Recomputes the ticket's clocks and puts its next due times in the deadline index.
    pub(super) fn sync_deadlines<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<(), DeskError> {
        let plan = self.plan(state, ticket)?;
        for (kind, due) in plan.deadlines() {
            match due {
                Some(due) => state.set_deadline(Deadline { due, ticket: ticket.id, kind: kind.as_u8() })?,
                None => state.clear_deadline(ticket.id, kind.as_u8())?,
            }
        }
        Ok(())
    }

    /// Brings the deadline index along after `entries` changed `before` into `ticket`,
    /// recomputing the clocks only when the change can move one: when what the `sla` hook
    /// sees changed, the rule set differs from the one behind the ticket's last entry, or
    /// the new entries change the timeline (see [`crate::sla::changes_timeline`]). Most
    /// customer messages do none of these, and then cost no history read at all.
    pub(super) fn resync_deadlines<S: State>(
        &self,
        state: &mut S,
        before: &Ticket,
        ticket: &Ticket,
        entries: &[crate::history::Entry],
    ) -> Result<(), DeskError> {
        /// The newest entry names the rules behind it and, when it is a customer message,
        /// shows the customer already waiting; anything else is recomputed.
        const TAIL: usize = 1;
        if self.ticket_view(before) == self.ticket_view(ticket) {
            let tail = state.history_tail(ticket.id, before.next_seq, TAIL)?;
            let version = self.rules.version().short();
            let same_rules = tail.first().is_some_and(|last| last.rules.as_ref() == Some(&version));
            let replied = before.first_response_at.is_some();
            if same_rules && !crate::sla::changes_timeline(entries, &tail, replied) {
                return Ok(());
            }
        }
        self.sync_deadlines(state, ticket)
    }

    /// Acts on everything due at `now`, in due order across tickets.
    pub(super) fn tick<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let mut tickets: Vec<TicketId> =
            state.due(self.now, PER_TICK)?.into_iter().map(|d| d.ticket).collect();
        tickets.sort();
        tickets.dedup();
        let mut decisions: Vec<Decision> = Vec::new();
        for &id in &tickets {
            let Some(ticket) = state.ticket(id)? else {
                for kind in 0..=u8::MAX {
                    if DeadlineKind::from_u8(kind).is_some() {
                        state.clear_deadline(id, kind)?;
                    }
                }
                continue;
            };
            decisions.extend(self.plan(state, &ticket)?.decisions);
        }
        decisions.sort();
        for decision in &decisions {
            self.act_on(state, decision)?;
        }
        // Every ticket that was due gets its next due times, decided on or not, so a
        // deadline never stays in the index in the past.
        for id in tickets {
            if let Some(ticket) = state.ticket(id)? {
                self.sync_deadlines(state, &ticket)?;
            }
        }
        Ok(())
    }

    fn plan<S: State>(&self, state: &S, ticket: &Ticket) -> Result<crate::sla::Plan, DeskError> {
        let history = state.history(ticket.id)?;
        let outcome = self.rules.scripts().sla(&self.ticket_view(ticket));
        let policy = Policy::from_desk(self.rules.desk());
        let inputs = Inputs {
            ticket,
            history: &history,
            targets: outcome.value.as_ref(),
            calendar: self.rules.calendar(),
            policy: &policy,
        };
        Ok(crate::sla::plan(&inputs, self.now))
    }

    fn act_on<S: State>(&self, state: &mut S, decision: &Decision) -> Result<(), DeskError> {
        let Some(mut ticket) = state.ticket(decision.ticket)? else { return Ok(()) };
        let before = ticket.clone();
        let mut entries = Vec::new();
        for change in decision.changes() {
            // A change that no longer fits (the ticket moved on meanwhile) is skipped.
            if let Ok(more) = ticket.apply(change, &self.system(), self.now) {
                entries.extend(more);
            }
        }
        let id = ticket.id;
        match &decision.kind {
            DecisionKind::SlaWarning { metric, target, left } => {
                let text = format!(
                    "⏰ {} {metric}: {left} left of the {target} target.",
                    self.mention_assignee(&ticket)
                );
                self.say_in_topic(state, id, text)?;
            }
            DecisionKind::Breach { metric, target, overdue, level } => {
                let view = decision.breach_view().expect("a breach has a view");
                let outcome = self.rules.scripts().on_breach(&self.ticket_view(&ticket), &view);
                self.alert_on_failure(state, &outcome)?;
                let actions = match outcome.value {
                    BreachPlan::DefaultLadder => level.default_actions(id, *metric, *target, *overdue),
                    BreachPlan::Actions(actions) => actions,
                };
                for action in actions {
                    entries.extend(self.rule_action(state, &mut ticket, action)?);
                }
            }
            DecisionKind::AutoCloseWarning { closes_at } => {
                let text = format!(
                    "Is everything solved? Ticket {id} closes on {} unless you write again.",
                    closes_at.strftime("%Y-%m-%d %H:%M UTC")
                );
                self.tell_customer(state, &ticket, text)?;
            }
            DecisionKind::AutoClose => {
                self.tell_customer(
                    state,
                    &ticket,
                    format!("Ticket {id} is closed. Write /start to open a new one."),
                )?;
                self.say_in_topic(state, id, format!("{id} closed itself: the customer stayed silent."))?;
            }
            DecisionKind::Reminder { waiting } => {
                let text = format!("We are still waiting for your answer on ticket {id} ({waiting} so far).");
                self.tell_customer(state, &ticket, text)?;
            }
        }
        self.commit(state, &before, &ticket, &entries)
    }

    /// Carries out one action a rule asked for (`on_breach`, `on_message`); returns the
    /// history entries it made. Actions never call hooks again, so they cannot loop.
    pub(super) fn rule_action<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        action: Action,
    ) -> Result<Vec<crate::history::Entry>, DeskError> {
        let origin = self.system();
        let entries = match action {
            Action::NotifyAgent(text) => {
                self.say_in_topic(state, ticket.id, format!("⚠ {} {text}", self.mention_assignee(ticket)))?;
                Vec::new()
            }
            Action::Escalate { to, reason } => {
                let people: Vec<i64> = match to {
                    EscalationTarget::Supervisors => self.rules.team().supervisors().map(|a| a.id).collect(),
                    EscalationTarget::EscalationTeam => {
                        let team: Vec<i64> =
                            self.rules.desk().escalation_team.iter().map(|m| m.value).collect();
                        if team.is_empty() {
                            self.rules.team().supervisors().map(|a| a.id).collect()
                        } else {
                            team
                        }
                    }
                    EscalationTarget::Agent(id) => vec![id],
                };
                let mentions: Vec<String> =
                    people.iter().map(|id| mention_id(self.rules, *id as u64)).collect();
                self.say_in_topic(
                    state,
                    ticket.id,
                    format!("⇧ Escalated: {reason}\n{}", mentions.join(" ")),
                )?;
                let to = people.into_iter().map(|id| id as u64).collect();
                ticket.apply(Change::Escalate { to, reason }, &origin, self.now).expect("always legal")
            }
            Action::SetPriority(priority) => match priority.parse::<Priority>() {
                Ok(priority) => {
                    ticket.apply(Change::SetPriority(priority), &origin, self.now).expect("always legal")
                }
                Err(_) => Vec::new(),
            },
            Action::AddTag(tag) => {
                ticket.apply(Change::AddTag(tag), &origin, self.now).expect("always legal")
            }
        };
        Ok(entries)
    }

    /// Asks `on_message` about a relayed message and carries out what it returns.
    pub(super) fn on_message<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        text: &str,
        from_customer: bool,
    ) -> Result<Vec<crate::history::Entry>, DeskError> {
        let message = crate::script::MessageView { text: text.to_owned(), from_customer };
        let outcome = self.rules.scripts().on_message(&self.ticket_view(ticket), &message);
        self.alert_on_failure(state, &outcome)?;
        let mut entries = Vec::new();
        for action in outcome.value {
            entries.extend(self.rule_action(state, ticket, action)?);
        }
        Ok(entries)
    }

    fn mention_assignee(&self, ticket: &Ticket) -> String {
        match ticket.assignee {
            Some(agent) => mention_id(self.rules, agent),
            None => "Nobody has this ticket yet:".to_owned(),
        }
    }
}

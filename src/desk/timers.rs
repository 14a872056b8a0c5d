//! Timers: SLA warnings, breaches and the escalation ladder, the age trigger, auto-close,
//! reminders and the satisfaction survey.
//! The desk keeps each ticket's next due times in the store's deadline index
//! ([`Desk::sync_deadlines`], after every change), and on a tick acts on every decision
//! that fell due, in due order, recording each in history so it never fires twice.
//! The SLA arithmetic itself lives in `sla`; this is where its decisions become actions.

use jiff::Timestamp;

use super::card::mention_id;
use super::{Desk, DeskError, State};
use crate::deadline::DeadlineKind;
use crate::history::Entry;
use crate::notify::NotifyKind;
use crate::rules::RuleSet;
use crate::script::TicketView;
use crate::sla::{
    Action, BreachPlan, Deadline, Decision, DecisionKind, EscalationTarget, Inputs, Policy, SlaClock,
    SlaTargets, Timer,
};
use crate::ticket::{Change, Priority, Status, Ticket, TicketId};

/// How many due deadlines one tick takes on; the next tick takes the rest.
const PER_TICK: usize = 500;

/// What one tick acted on: every timer decision that fell due, in the order the desk took
/// them, and how many `on_breach` calls failed (the built-in ladder decided instead).
#[derive(Clone, Debug, Default)]
pub struct Ticked {
    pub decisions: Vec<Decision>,
    pub hook_failures: u32,
}

impl Desk<'_> {
    /// Recomputes the ticket's clocks and puts its next due times in the deadline index.
    pub(super) fn sync_deadlines<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<(), DeskError> {
        let history = state.history(ticket.id)?;
        self.sync_deadlines_of(state, ticket, &history)
    }

    /// [`Self::sync_deadlines`] with the ticket's whole history given, when the caller has
    /// just written all of it and need not read it back.
    pub(super) fn sync_deadlines_of<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        history: &[Entry],
    ) -> Result<(), DeskError> {
        let plan = self.plan_of(ticket, history);
        for (kind, due) in plan.deadlines() {
            let timer = Timer::Ticket(ticket.id, kind);
            match due {
                Some(due) => state.set_deadline(Deadline { due, timer })?,
                None => state.clear_deadline(timer)?,
            }
        }
        Ok(())
    }

    /// Brings the deadlines of the tickets from id `from` on in line with the rule set in
    /// force, at most `limit` of them: after a reload, tickets nobody touches get the new
    /// targets too. Returns the id to go on from, or `None` past the newest ticket.
    pub fn resync_from<S: State>(
        &self,
        state: &mut S,
        from: u64,
        limit: u64,
    ) -> Result<Option<u64>, DeskError> {
        for id in from..from + limit {
            let Some(ticket) = state.ticket(TicketId(id))? else { return Ok(None) };
            if ticket.status != Status::Closed {
                self.sync_deadlines(state, &ticket)?;
            }
        }
        Ok(Some(from + limit))
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
        entries: &[Entry],
    ) -> Result<(), DeskError> {
        /// The newest entry names the rules behind it and, when it is a customer message,
        /// shows the customer already waiting; anything else is recomputed.
        const TAIL: usize = 1;
        if super::routing::same_view(before, ticket, self.now) {
            let tail = state.history_tail(ticket.id, before.next_seq, TAIL)?;
            let version = self.rules.version().short();
            let same_rules = tail.first().is_some_and(|last| last.rules.as_ref() == Some(&version));
            if same_rules && !crate::sla::changes_timeline(entries, &tail, before) {
                return Ok(());
            }
        }
        self.sync_deadlines(state, ticket)
    }

    /// Acts on everything due at `now`, in due order across tickets.
    pub(super) fn tick<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        self.tick_decisions(state).map(drop)
    }

    /// A tick (`Event::Tick`), saying what it acted on: replays read their decisions here.
    pub fn tick_decisions<S: State>(&self, state: &mut S) -> Result<Ticked, DeskError> {
        let due = state.due(self.now, PER_TICK)?;
        self.desk_level_tick(state, &due)?;
        let mut tickets: Vec<TicketId> = due.into_iter().filter_map(|d| d.timer.ticket()).collect();
        tickets.sort();
        tickets.dedup();
        let mut decisions: Vec<Decision> = Vec::new();
        for &id in &tickets {
            let Some(ticket) = state.ticket(id)? else {
                for kind in DeadlineKind::ALL {
                    state.clear_deadline(Timer::Ticket(id, kind))?;
                }
                continue;
            };
            decisions.extend(self.plan(state, &ticket)?.decisions);
        }
        decisions.sort();
        let mut hook_failures = 0;
        for decision in &decisions {
            hook_failures += self.act_on(state, decision)?;
        }
        // Every ticket that was due gets its next due times, decided on or not, so a
        // deadline never stays in the index in the past.
        for id in tickets {
            if let Some(ticket) = state.ticket(id)? {
                self.sync_deadlines(state, &ticket)?;
            }
        }
        Ok(Ticked { decisions, hook_failures })
    }

    fn plan<S: State>(&self, state: &S, ticket: &Ticket) -> Result<crate::sla::Plan, DeskError> {
        Ok(self.plan_of(ticket, &state.history(ticket.id)?))
    }

    /// The ticket's clocks and decisions at `now`, given its whole history.
    fn plan_of(&self, ticket: &Ticket, history: &[Entry]) -> crate::sla::Plan {
        let view = self.ticket_view(ticket);
        let outcome = self.rules.scripts().sla(&view);
        let calendars = sla_calendars(self.rules, &view, history, outcome.value.as_ref(), self.now);
        let policy = Policy::from_desk(self.rules.desk());
        let inputs = Inputs {
            ticket,
            history,
            targets: outcome.value.as_ref(),
            calendars: &calendars,
            calendar: self.rules.calendar(),
            policy: &policy,
        };
        crate::sla::plan(&inputs, self.now)
    }

    /// Acts on one decision; returns how many hook calls failed on the way.
    fn act_on<S: State>(&self, state: &mut S, decision: &Decision) -> Result<u32, DeskError> {
        let Some(mut ticket) = state.ticket(decision.ticket)? else { return Ok(0) };
        let mut hook_failures = 0;
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
                let what = format!("{metric}: {left} left of the {target} target.");
                let named = self.name_assignee(state, &ticket, Some(NotifyKind::Sla), &what)?;
                self.say_in_topic(state, id, format!("⏰ {named} {what}"))?;
            }
            DecisionKind::Breach { metric, target, overdue, level } => {
                let view = decision.breach_view().expect("a breach has a view");
                let outcome = self.rules.scripts().on_breach(&self.ticket_view(&ticket), &view);
                self.alert_on_failure(state, &outcome)?;
                hook_failures += u32::from(outcome.failure.is_some());
                let actions = match outcome.value {
                    BreachPlan::DefaultLadder => level.default_actions(id, *metric, *target, *overdue),
                    BreachPlan::Actions(actions) => actions,
                };
                entries.extend(self.rule_actions(state, &mut ticket, actions, Some(NotifyKind::Sla))?);
            }
            DecisionKind::AutoCloseWarning { closes_at } => {
                self.warn_auto_close(state, &ticket, *closes_at)?;
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
            DecisionKind::AgeEscalation { age } => {
                let reason = format!("{id} has been open for {age}");
                let to = EscalationTarget::Supervisors;
                entries.extend(self.escalate_to(state, &mut ticket, to, reason, &self.system())?);
            }
            DecisionKind::CsatSurvey => entries.extend(self.ask_csat(state, &mut ticket, decision.due)?),
        }
        self.commit(state, &before, &ticket, &entries)?;
        if super::escalation::escalates(&entries) {
            self.reroute(state, &mut ticket, None)?;
        }
        Ok(hook_failures)
    }

    /// Carries out one action a rule asked for (`on_breach`, `on_message`); returns the
    /// history entries it made. Called through `rule_actions`, which keeps the loop guards.
    /// Actions never call hooks again, so they cannot loop.
    pub(super) fn rule_action<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        action: Action,
        kind: Option<NotifyKind>,
    ) -> Result<Vec<Entry>, DeskError> {
        let origin = self.system();
        let entries = match action {
            Action::NotifyAgent(text) => {
                let named = self.name_assignee(state, ticket, kind, &text)?;
                self.say_in_topic(state, ticket.id, format!("⚠ {named} {text}"))?;
                ticket.apply(Change::Notify { text }, &origin, self.now).expect("always legal")
            }
            Action::Escalate { to, reason } => self.rule_escalation(state, ticket, to, reason)?,
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
        message: &crate::script::MessageView,
    ) -> Result<Vec<Entry>, DeskError> {
        let outcome = self.rules.scripts().on_message_of(|| self.ticket_view(ticket), message);
        self.alert_on_failure(state, &outcome)?;
        self.rule_actions(state, ticket, outcome.value, None)
    }

    /// How a line about the ticket names its assignee: told of `kind` as they chose (a
    /// mention when no kind applies, a rule's own notice); `what` the line says, for a
    /// private message.
    fn name_assignee<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        kind: Option<NotifyKind>,
        what: &str,
    ) -> Result<String, DeskError> {
        Ok(match (ticket.assignee, kind) {
            (Some(agent), Some(kind)) => self.tell_agent(state, agent, kind, ticket, Some(what))?,
            (Some(agent), None) => mention_id(self.rules, agent),
            (None, _) => "Nobody has this ticket yet:".to_owned(),
        })
    }
}

/// What [`crate::sla::Inputs::calendars`] needs: the calendars `targets` (the `sla` hook's
/// answer for `view`, the ticket now) counted on before the ticket's priority changes. Each
/// earlier priority counts on the mode the current rule set gives the ticket at that
/// priority, everything else as it is now (the category is set at opening and never
/// changes; a rule-set change does not bring back the old rules' modes); a priority without
/// targets counts business time, the default. The hook is asked only when the priority
/// ever changed.
pub fn sla_calendars(
    rules: &RuleSet,
    view: &TicketView,
    history: &[Entry],
    targets: Option<&SlaTargets>,
    now: Timestamp,
) -> Vec<(Timestamp, SlaClock)> {
    let Some(targets) = targets else { return Vec::new() };
    crate::sla::calendar_switches(history, now, targets.calendar, |priority| {
        let view = TicketView { priority: priority.as_str().to_owned(), ..view.clone() };
        rules.scripts().sla(&view).value.map(|targets| targets.calendar).unwrap_or_default()
    })
}

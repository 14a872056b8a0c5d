//! SLA clocks, the escalation ladder and time-based automations, as pure arithmetic over a
//! ticket's history.
//!
//! One question is answered here, with time as a parameter: given a ticket, its history, its
//! targets (from the `sla` hook), the desk's calendar and [`Policy`], what does
//! [`plan`] say at `now`? The answer is a [`Plan`]: every clock ([`ClockState`]), the
//! [`Decision`]s due now (warnings, breach rungs, auto-close and its warning, reminders)
//! and the next deadline per [`DeadlineKind`](crate::deadline::DeadlineKind) for the
//! store's deadline index.
//!
//! How the desk uses it:
//! - after any change to a ticket (a message, a status or priority change, a rule reload),
//!   compute the plan and sync the deadline index: `set_deadline` for every `Some`,
//!   `clear_deadline` for every `None` of [`Plan::deadlines`], each as the ticket's
//!   [`Timer::Ticket`];
//! - the timer task sleeps until the store's `next_deadline`; then it takes every deadline
//!   due (`ReadTx::due(now, limit)`), computes their tickets' plans at the current time,
//!   and acts on all their decisions sorted (a [`Decision`] orders by due time, then
//!   ticket): for a breach it asks `on_breach` with [`Decision::breach_view`] and falls back
//!   to [`Level::default_actions`]; it applies [`Decision::changes`] to the ticket (the
//!   [`Mark`](crate::deadline::Mark) in history keeps the decision from being taken
//!   twice), then syncs again.
//!
//! ```
//! use std::collections::BTreeMap;
//! use topicdesk::calendar::BusinessCalendar;
//! use topicdesk::history::Actor;
//! use topicdesk::deadline::DeadlineKind;
//! use topicdesk::sla::{self, Inputs, Policy, SlaTargets};
//! use topicdesk::ticket::{Customer, Origin, Ticket, TicketId};
//!
//! let opened: jiff::Timestamp = "2026-03-02T09:00:00Z".parse()?;
//! let customer = Customer { id: 42, name: "Alice".into(), username: None, language: None };
//! let (mut ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), opened);
//! let mut history = vec![created];
//! let targets = SlaTargets { first_response: Some("1h".parse()?), ..SlaTargets::default() };
//! let (calendar, policy) = (BusinessCalendar::always(), Policy::default());
//!
//! // The timer task wakes at 10:30 (the desk was down): the warning is overtaken; the
//! // breach (10:00), the supervisors (10:06) and the escalation team (10:12) are due.
//! let now: jiff::Timestamp = "2026-03-02T10:30:00Z".parse()?;
//! let inputs = Inputs { ticket: &ticket, history: &history, targets: Some(&targets), calendars: &[], calendar: &calendar, policy: &policy };
//! let plan = sla::plan(&inputs, now);
//! let due: Vec<String> = plan.decisions.iter().map(|decision| decision.kind.to_string()).collect();
//! assert_eq!(due[0], "first response breach, assignee: 1h target missed by 30m");
//! assert_eq!(due.len(), 3);
//! for decision in &plan.decisions {
//!     for change in decision.changes() {
//!         history.extend(ticket.apply(change, &Origin { actor: Actor::System, rules: None }, now)?);
//!     }
//! }
//! let inputs = Inputs { ticket: &ticket, history: &history, targets: Some(&targets), calendars: &[], calendar: &calendar, policy: &policy };
//! let plan = sla::plan(&inputs, now);
//! assert!(plan.decisions.is_empty());
//! assert_eq!(plan.deadline(DeadlineKind::FirstResponse), None, "every rung is taken");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Invariants:
//! - Nothing here reads the clock, the store or the rules: callers pass them in.
//! - Elapsed time is never stored: it is recomputed from history, so a change of targets
//!   (priority, category, rule set) moves the target and never resets a clock. When the
//!   change switches between business and calendar time, the switch applies from the
//!   change on: each stretch counts on the calendar in force then ([`Inputs::calendars`]).
//! - A step fires only while its clock runs, once per stretch, in due order; after an outage
//!   every missed step comes out at once, oldest first, and only once.
//!
//! Definitions: see [`Metric`] for what each clock times, [`ladder`] for the rungs.

mod action;
mod clock;
mod deadline;
mod decision;
pub mod ladder;
mod measure;
mod metric;
mod plan;
mod targets;
mod timeline;

#[cfg(test)]
mod tests;

use jiff::Timestamp;

pub use action::{Action, BreachPlan, BreachView, EscalationTarget, write_actions};
pub use clock::{ClockState, ClockStatus};
pub use deadline::{Deadline, DeskTimer, Timer};
pub use decision::{Decision, DecisionKind};
pub use ladder::{Ladder, LadderProgress, Level};
pub use measure::{Measures, measure};
pub use metric::{Metric, Step};
pub use plan::Plan;
pub use targets::{PauseWhenAwaiting, SlaClock, SlaTargets};
pub use timeline::{calendar_switches, changes_timeline};

use crate::calendar::BusinessCalendar;
use crate::duration::Span;
use crate::history::Entry;
use crate::ticket::Ticket;

/// Desk-wide timer settings (from desk.yaml).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Warn when this share (percent) of a target has elapsed; also when the customer is
    /// warned of an auto-close. desk.yaml `sla.warning_at`, default 80.
    pub warning_percent: u8,
    pub ladder: Ladder,
    /// A resolved ticket closes after this much customer silence; `None` never closes.
    pub auto_close_after: Option<Span>,
    /// Remind the customer after this long Awaiting Customer; `None` never reminds.
    /// desk.yaml `remind_awaiting_after`.
    pub reminder_after: Option<Span>,
    /// Escalate an active ticket this old to the supervisors, once, SLA or not; `None`
    /// never. desk.yaml `escalate_after_age`.
    pub escalate_after_age: Option<Span>,
    /// When to ask the satisfaction survey; `None` never asks. desk.yaml `csat`.
    pub csat: Option<CsatTiming>,
}

/// When the satisfaction survey is asked: `delay` after the ticket is resolved or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsatTiming {
    pub ask: CsatAsk,
    pub delay: Span,
}

/// Which moment starts the survey's delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsatAsk {
    /// The ticket left the active statuses: resolved, or closed straight from work.
    #[default]
    OnResolve,
    /// The ticket closed (by hand or by auto-close).
    OnClose,
}

/// What [`plan`] reads, all borrowed from the caller.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    pub ticket: &'a Ticket,
    /// The ticket's whole history in `seq` order (entries after `now` are ignored).
    pub history: &'a [Entry],
    /// What the `sla` hook returned for the ticket as it is now; `None`: no SLA clocks.
    pub targets: Option<&'a SlaTargets>,
    /// When the targets counted on another calendar before: `(until, mode)` in time order,
    /// each mode in force from the previous instant (the opening, for the first) until its
    /// own, and `targets.calendar` after the last. Empty (no switch, the common case): the
    /// whole life counts on `targets.calendar`. From [`calendar_switches`].
    pub calendars: &'a [(Timestamp, SlaClock)],
    /// The desk's business calendar (`RuleSet::calendar`).
    pub calendar: &'a BusinessCalendar,
    pub policy: &'a Policy,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            warning_percent: 80,
            ladder: Ladder::default(),
            auto_close_after: Some(Span::from_hours(72)),
            reminder_after: None,
            escalate_after_age: None,
            csat: None,
        }
    }
}

/// The plan of `inputs.ticket` at `now`: clocks, decisions due, deadlines.
pub fn plan(inputs: &Inputs<'_>, now: Timestamp) -> Plan {
    Plan::at(inputs, now)
}

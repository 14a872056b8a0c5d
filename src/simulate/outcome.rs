//! What one ticket came to on the real desk ([`Replayed`], the figures a report adds up),
//! read from the ticket, the history the desk wrote and the timer decisions it acted on.

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::history::{Actor, Entry, EntryKind};
use crate::rules::RuleSet;
use crate::sla::{self, Decision, DecisionKind, Level, Metric, SlaClock};
use crate::ticket::{Status, Ticket};

use super::replay::{Replayed, Router};

/// The figures of a ticket the desk ran: `opened` as it was right after opening (routed),
/// `ticket` and `history` as the run left them, `decisions` the desk's timer decisions
/// about it. Times are measured on the clock of the targets it opened with (the desk's
/// business hours without targets), so a rule that raises a priority changes targets and
/// breaches, never how long agents took.
pub(crate) fn replayed<'d>(
    rules: &RuleSet,
    opened: &Ticket,
    (ticket, history): (&Ticket, &[Entry]),
    decisions: impl Iterator<Item = &'d Decision>,
    horizon: Timestamp,
    router: &mut Router,
) -> Replayed {
    let view = crate::desk::ticket_view(opened, opened.created_at);
    let targets = rules.scripts().sla(&view).value.unwrap_or_default();
    let always = BusinessCalendar::always();
    let calendar = match targets.calendar {
        SlaClock::Business => rules.calendar(),
        SlaClock::Calendar => &always,
    };
    let mut out = Replayed {
        priority: opened.priority,
        assignee: ticket.assignee.map(|agent| agent as i64),
        measures: sla::measure(ticket, history, calendar, &targets.pause_when_awaiting, horizon),
        breaches: [0; 3],
        warnings: 0,
        // What the desk escalated, to whom it went: the ladder's rungs, `on_breach` and age.
        escalations: history
            .iter()
            .filter(|entry| entry.actor == Actor::System && matches!(entry.kind, EntryKind::Escalated { .. }))
            .count() as u32,
        auto_closed: false,
        hook_failures: 0,
        released: horizon,
    };
    for decision in decisions {
        match &decision.kind {
            DecisionKind::SlaWarning { .. } => out.warnings += 1,
            // A breach counts once, when the desk saw it: the first rung of its stretch.
            DecisionKind::Breach { metric, level, .. } if *level == Level::ASSIGNEE => {
                let slot = Metric::ALL.iter().position(|m| m == metric).unwrap_or(0);
                out.breaches[slot] += 1;
            }
            DecisionKind::AutoClose => out.auto_closed = true,
            _ => {}
        }
    }
    if matches!(ticket.status, Status::Resolved | Status::Closed) {
        // Load counts tickets in work: a resolved ticket no longer weighs on its agent.
        out.released = ticket.resolved_at.unwrap_or(horizon);
    }
    if let Some(agent) = out.assignee {
        router.hold(agent, ticket.created_at, out.released);
    }
    out
}

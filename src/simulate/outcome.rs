//! What one ticket came to on the real desk ([`Replayed`], the figures a report adds up),
//! read from the ticket, the history the desk wrote and the timer decisions it acted on,
//! and each agent's peak load across tickets ([`Loads`]).

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::history::{Actor, Entry, EntryKind};
use crate::rules::RuleSet;
use crate::sla::{self, Decision, DecisionKind, Level, Measures, Metric, SlaClock};
use crate::ticket::{Priority, Status, Ticket};

/// What one ticket came to.
#[derive(Clone, Debug)]
pub(crate) struct Replayed {
    pub priority: Priority,
    /// Who had it at the end.
    pub assignee: Option<i64>,
    /// Whether routing left it in the queue when it opened.
    pub queued: bool,
    pub measures: Measures,
    /// Missed targets per metric (next response can miss several times).
    pub breaches: [u32; 3],
    pub warnings: u32,
    pub escalations: u32,
    pub auto_closed: bool,
    pub hook_failures: u32,
    /// When the ticket stopped needing its agent: its (last) resolution, or the horizon.
    pub released: Timestamp,
}

/// Per agent, the stretches they held a ticket, for the most they held at once.
#[derive(Default)]
pub(crate) struct Loads {
    held: BTreeMap<i64, Vec<(Timestamp, Timestamp)>>,
}

impl Loads {
    /// Records that `agent` held a ticket from `from` until `until`.
    pub(crate) fn hold(&mut self, agent: i64, from: Timestamp, until: Timestamp) {
        self.held.entry(agent).or_default().push((from, until));
    }

    /// The most tickets `agent` held at once; a ticket released at the instant another
    /// is taken no longer counts.
    pub(crate) fn peak(&self, agent: i64) -> u32 {
        let Some(held) = self.held.get(&agent) else { return 0 };
        // Releases sort before takes at one instant.
        let mut changes: Vec<(Timestamp, i32)> =
            held.iter().flat_map(|(from, until)| [(*from, 1), (*until, -1)]).collect();
        changes.sort_unstable();
        let (mut now, mut peak) = (0, 0);
        for (_, change) in changes {
            now += change;
            peak = peak.max(now);
        }
        u32::try_from(peak).unwrap_or(0)
    }
}

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
    loads: &mut Loads,
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
        queued: opened.assignee.is_none(),
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
        // Held since it last went to them: at routing, or when they took it.
        let since = history
            .iter()
            .rev()
            .find(
                |entry| matches!(entry.kind, EntryKind::Assigned { to: Some(to), .. } if to == agent as u64),
            )
            .map_or(ticket.created_at, |entry| entry.at);
        loads.hold(agent, since, out.released.max(since));
    }
    out
}

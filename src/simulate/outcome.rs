//! What a run came to beside the tickets' own figures (those are their facts, measured by
//! `metrics`): the timer decisions the desk acted on, the tickets routing left in the
//! queue, and each agent's peak load across tickets ([`Loads`]).

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::history::{Entry, EntryKind};
use crate::sla::{Decision, DecisionKind};
use crate::ticket::{Status, Ticket};

/// Per agent, the stretches they held a ticket, for the most they held at once.
#[derive(Default)]
pub(crate) struct Loads {
    held: BTreeMap<u64, Vec<(Timestamp, Timestamp)>>,
}

impl Loads {
    /// Records the stretch `ticket`'s assignee at the end held it: from when it last went
    /// to them (at routing, or when they took it) until it was resolved, or `horizon`.
    pub(crate) fn add(&mut self, ticket: &Ticket, history: &[Entry], horizon: Timestamp) {
        let Some(agent) = ticket.assignee else { return };
        // Load counts tickets in work: a resolved ticket no longer weighs on its agent.
        let released = match ticket.status {
            Status::Resolved | Status::Closed => ticket.resolved_at.unwrap_or(horizon),
            Status::New | Status::Open | Status::AwaitingCustomer => horizon,
        };
        let since = history
            .iter()
            .rev()
            .find(|entry| matches!(entry.kind, EntryKind::Assigned { to: Some(to), .. } if to == agent))
            .map_or(ticket.created_at, |entry| entry.at);
        self.held.entry(agent).or_default().push((since, released.max(since)));
    }

    /// Everyone who held a ticket.
    pub(crate) fn agents(&self) -> impl Iterator<Item = u64> + '_ {
        self.held.keys().copied()
    }

    /// The most tickets `agent` held at once; a ticket released at the instant another
    /// is taken no longer counts.
    pub(crate) fn peak(&self, agent: u64) -> u32 {
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

/// The timer decisions of a run that a report counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timers {
    pub warnings: u64,
    pub auto_closed: u64,
}

impl Timers {
    pub(crate) fn add(&mut self, decision: &Decision) {
        match decision.kind {
            DecisionKind::SlaWarning { .. } => self.warnings += 1,
            DecisionKind::AutoClose => self.auto_closed += 1,
            _ => {}
        }
    }
}

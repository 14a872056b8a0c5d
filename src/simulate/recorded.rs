//! Replaying recorded tickets through a rule set: customers and agents do what they did
//! (every message, status change, assignment and priority change, at its time), while the
//! rules under test decide targets, warnings, the ladder and the automations anew.
//!
//! The recorded desk's own decisions (entries by the desk itself: timer marks, escalations,
//! an auto-close, a priority a hook raised) are left out, since the rules replayed make
//! their own; its assignments stay, since agent behaviour follows who had the ticket.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::history::{Actor, Entry, EntryKind};
use crate::rules::RuleSet;
use crate::sla::Policy;
use crate::ticket::{Answer, Change, Status, Ticket};

use super::replay::{Replay, Replayed, Router};

/// Replays one recorded ticket with its history until `horizon`.
pub(crate) fn replay_recorded(
    rules: &RuleSet,
    policy: &Policy,
    router: &mut Router,
    (ticket, history): (&Ticket, &[Entry]),
    horizon: Timestamp,
) -> Replayed {
    // The priority the ticket opened with: before its first change, if any.
    let opened_with = history
        .iter()
        .find_map(|entry| match entry.kind {
            EntryKind::PriorityChanged { from, .. } => Some(from),
            _ => None,
        })
        .unwrap_or(ticket.priority);
    let mut answers: BTreeMap<String, Answer> = ticket.answers.clone();
    answers.insert("priority".to_owned(), Answer::Text(opened_with.as_str().to_owned()));
    let (opened, created) =
        Ticket::open(ticket.id, ticket.customer.clone(), &ticket.form, answers, ticket.created_at);
    let mut replay = Replay::open(rules, policy, opened, created, horizon);
    replay.evaluate_targets(ticket.created_at);
    let events = history
        .iter()
        .filter(|entry| entry.at <= horizon)
        .filter_map(|entry| change_of(entry).map(|change| (entry.at, change, entry.actor)))
        .collect();
    replay.play(events, horizon, router)
}

/// The change a person made that produced `entry`; `None` for the desk's own decisions
/// and for bookkeeping. A status change that followed from a message (a customer writing
/// to a resolved ticket) replays as a change the lifecycle then refuses as already made.
fn change_of(entry: &Entry) -> Option<Change> {
    if entry.actor == Actor::System && !matches!(entry.kind, EntryKind::Assigned { .. }) {
        return None;
    }
    match &entry.kind {
        EntryKind::CustomerMessage { text } => Some(Change::CustomerMessage { text: text.clone() }),
        EntryKind::AgentReply { text } => Some(Change::AgentReply { text: text.clone() }),
        EntryKind::StatusChanged { from, to } => Some(match to {
            Status::AwaitingCustomer => Change::AwaitCustomer,
            Status::Resolved => Change::Resolve,
            Status::Closed => Change::Close,
            Status::Open if matches!(from, Status::Resolved | Status::Closed) => Change::Reopen,
            Status::New | Status::Open => Change::Start,
        }),
        EntryKind::Assigned { to, .. } => Some(Change::Assign { to: *to }),
        EntryKind::PriorityChanged { to, .. } => Some(Change::SetPriority(*to)),
        EntryKind::Tagged { tag } => Some(Change::AddTag(tag.clone())),
        EntryKind::Untagged { tag } => Some(Change::RemoveTag(tag.clone())),
        EntryKind::EscalationHold { held } => Some(Change::HoldEscalation { held: *held }),
        EntryKind::KeptOpen => Some(Change::KeepOpen),
        // Undoing names an escalation of the recorded run, which the replay need not make.
        EntryKind::Deescalated { .. }
        | EntryKind::Notified { .. }
        | EntryKind::Created { .. }
        | EntryKind::Note { .. }
        | EntryKind::Escalated { .. }
        | EntryKind::Reachability { .. }
        | EntryKind::TopicChanged { .. }
        | EntryKind::System { .. }
        | EntryKind::Timer(_) => None,
    }
}

//! Replaying recorded tickets through a rule set on the real desk: customers and agents do
//! what they did (every message, status change, assignment, priority change, tag, hold and
//! "Keep it open", at its time, as the desk event it came from), while the desk, under the
//! rules replayed, routes, sets targets and acts on every timer anew.
//!
//! The recorded desk's own decisions (entries by the desk itself: routing, timer marks,
//! escalations, an auto-close, a priority or tag a rule set) are left out, since the rules
//! replayed make their own; so are the status changes a message or an assignment made,
//! which the desk makes again from that message or assignment.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::desk::{DeskError, MemoryState};
use crate::history::{Actor, Entry, EntryKind};
use crate::rules::RuleSet;
use crate::sla::Decision;
use crate::ticket::{Answer, Status, Ticket, UserId};

use super::desk_run::{DeskRun, Until};

/// What a person did, as the desk heard it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Act {
    Customer(String),
    Staff(UserId, String),
    KeepOpen,
}

/// The replay of every recorded ticket: the state the desk left, each recorded ticket's
/// ticket in it, and the decisions it acted on.
pub(crate) struct RecordedRun {
    pub state: MemoryState,
    /// Per recorded ticket (in the order given), its ticket in the replay as it opened
    /// (routed); `None` for one opened after the horizon.
    pub opened: Vec<Option<Ticket>>,
    pub decisions: Vec<(Timestamp, Decision)>,
    pub hook_failures: u32,
}

/// Replays `tickets` (each with its whole history) on the real desk under `rules` until
/// `horizon`. Tickets open in creation order, and everything people did happens in time
/// order across tickets, with the desk's ticks between.
pub(crate) fn run_recorded(
    rules: &RuleSet,
    tickets: &[(Ticket, Vec<Entry>)],
    horizon: Timestamp,
) -> Result<RecordedRun, DeskError> {
    let mut order: Vec<usize> = (0..tickets.len()).collect();
    order.sort_by_key(|&index| (tickets[index].0.created_at, tickets[index].0.id));
    // (when, recorded ticket, its seq): opening first (seq None), then its entries in order.
    let mut steps: Vec<(Timestamp, usize, Option<u32>, Option<Act>)> = Vec::new();
    for &index in &order {
        let (ticket, history) = &tickets[index];
        if ticket.created_at > horizon {
            continue;
        }
        steps.push((ticket.created_at, index, None, None));
        for entry in history.iter().filter(|entry| entry.at <= horizon) {
            if let Some(act) = act_of(entry) {
                steps.push((entry.at, index, Some(entry.seq), Some(act)));
            }
        }
    }
    // At one instant, tickets in creation order and each ticket's entries in order.
    let mut rank = vec![0; tickets.len()];
    for (position, &index) in order.iter().enumerate() {
        rank[index] = position;
    }
    steps.sort_by_key(|(at, index, seq, _)| (*at, rank[*index], *seq));
    let start = steps.first().map_or(horizon, |step| step.0);
    let mut state = MemoryState::new();
    let mut run = DeskRun::new(rules, &mut state, start);
    let mut opened: Vec<Option<Ticket>> = vec![None; tickets.len()];
    for (at, index, _, act) in steps {
        let (recorded, history) = &tickets[index];
        let Some(act) = act else {
            let answers = opening_answers(recorded, history);
            opened[index] = Some(run.open_form(at, &recorded.customer, &recorded.form, answers)?);
            continue;
        };
        let Some(id) = opened[index].as_ref().map(|ticket| ticket.id) else { continue };
        match act {
            Act::Customer(text) => run.customer_writes(at, id, &text)?,
            Act::Staff(from, text) => run.staff_writes(at, id, from, &text)?,
            Act::KeepOpen => run.keep_open(at, id)?,
        }
    }
    run.run_timers(Until::Through(horizon))?;
    let (decisions, hook_failures) = (run.decisions().to_vec(), run.hook_failures());
    Ok(RecordedRun { state, opened, decisions, hook_failures })
}

/// The answers the ticket opened with, its priority as before its first change.
fn opening_answers(ticket: &Ticket, history: &[Entry]) -> BTreeMap<String, Answer> {
    let opened_with = history
        .iter()
        .find_map(|entry| match entry.kind {
            EntryKind::PriorityChanged { from, .. } => Some(from),
            _ => None,
        })
        .unwrap_or(ticket.priority);
    let mut answers = ticket.answers.clone();
    answers.insert("priority".to_owned(), Answer::Text(opened_with.as_str().to_owned()));
    answers
}

/// The desk event a person's entry came from; `None` for the desk's own decisions and for
/// what follows from another entry or is bookkeeping.
fn act_of(entry: &Entry) -> Option<Act> {
    match entry.actor {
        Actor::Customer(_) => match &entry.kind {
            EntryKind::CustomerMessage { text, .. } => Some(Act::Customer(text.clone())),
            EntryKind::KeptOpen => Some(Act::KeepOpen),
            _ => None,
        },
        Actor::Agent(agent) => staff_text(&entry.kind, agent).map(|text| Act::Staff(agent, text)),
        Actor::System => None,
    }
}

/// What an agent wrote in the topic to make the entry: the reply itself or a command.
fn staff_text(kind: &EntryKind, agent: UserId) -> Option<String> {
    Some(match kind {
        EntryKind::AgentReply { text } => text.clone(),
        EntryKind::Note { text } => format!("/note {text}"),
        EntryKind::StatusChanged { from, to } => match to {
            Status::AwaitingCustomer => "/await".to_owned(),
            Status::Resolved => "/resolve".to_owned(),
            Status::Closed => "/close".to_owned(),
            Status::Open if matches!(from, Status::Resolved | Status::Closed) => "/reopen".to_owned(),
            // New to Open follows from a claim or a reply, which replay themselves.
            Status::New | Status::Open => return None,
        },
        EntryKind::Assigned { to: Some(to), .. } if *to == agent => "/claim".to_owned(),
        EntryKind::Assigned { to: Some(to), .. } => format!("/assign {to}"),
        EntryKind::Assigned { to: None, .. } => "/unassign".to_owned(),
        EntryKind::PriorityChanged { to, .. } => format!("/priority {}", to.as_str()),
        EntryKind::Tagged { tag } => format!("/tag {tag}"),
        EntryKind::Untagged { tag } => format!("/untag {tag}"),
        EntryKind::EscalationHold { held: true } => "/hold".to_owned(),
        EntryKind::EscalationHold { held: false } => "/unhold".to_owned(),
        // Undoing names an escalation of the recorded run, which the replay need not make.
        EntryKind::Deescalated { .. }
        | EntryKind::Notified { .. }
        | EntryKind::Created { .. }
        | EntryKind::CustomerMessage { .. }
        | EntryKind::Escalated { .. }
        | EntryKind::KeptOpen
        | EntryKind::Reachability { .. }
        | EntryKind::TopicChanged { .. }
        | EntryKind::System { .. }
        | EntryKind::Timer(_)
        // The reply it names is replayed as the reply it was.
        | EntryKind::TemplateUsed { .. }
        // Satisfaction answers are the customer's, and a replay does not ask surveys.
        | EntryKind::CsatAsked { .. }
        | EntryKind::CsatRated { .. }
        | EntryKind::CsatCommented { .. } => return None,
    })
}

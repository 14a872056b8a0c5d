//! `topicdesk simulate`: replaying traffic through a rule set on a virtual clock, so a
//! support lead sees what a rule change would have done before shipping it.
//!
//! Every entry point runs the real desk on [`MemoryState`](crate::desk::MemoryState) with
//! a virtual clock (`desk_run`): people's actions become desk events (a customer's message,
//! an agent's reply or command in the topic, a button press) and between them the desk
//! ticks at every deadline, as the host's timer task does, so every decision (routing,
//! targets, warnings, breach rungs, escalations, auto-close, reminders) is the live desk's.
//! Nothing here re-implements what a rule action does.
//!
//! [`simulate`] draws every ticket of a [`Traffic`] description (`traffic`) and runs them
//! all on one state in arrival order (`drawn`): each opens through the desk and is routed
//! by `route` with the loads the earlier tickets left; the drawn agent effort, customer
//! replies, waits on the customer, resolutions and reopens happen at their drawn times. A
//! ticket routing leaves in the queue is taken at its drawn first reply by whoever is
//! free: the team member on duty then with the fewest active tickets (the first listed in
//! team.yaml on a tie), who claims it (or whose reply takes it, under
//! `auto_assign_on_first_reply`) and works on at their own speed. [`simulate_recorded`]
//! (`--from-store`) replays what people did in a recorded store (`recorded`), and
//! [`ticket_timeline`] one scenario ticket (the timeline cases of `topicdesk test`).
//!
//! What each ticket came to is read from the history the desk wrote and the decisions it
//! acted on (`outcome`). The result is a [`Report`] per priority, per agent who had the
//! ticket and for the tickets routing queued; [`compare`] puts two side by side. Nothing
//! here touches Telegram, the store or the clock, and the same input gives the same report.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use topicdesk::simulate::{Traffic, compare, simulate};
//! let (a, _) = topicdesk::rules::load("rules".as_ref());
//! let (b, _) = topicdesk::rules::load("rules-next".as_ref());
//! let traffic = Traffic::from_json(&std::fs::read_to_string("traffic.json")?)?;
//! let mut progress = |done: u32, total: u32| eprint!("\r{done}/{total}");
//! let comparison = compare(
//!     simulate(&a.expect("valid rules"), &traffic, &mut progress),
//!     simulate(&b.expect("valid rules"), &traffic, &mut progress),
//! );
//! print!("{comparison}");
//! # Ok(()) }
//! ```

mod desk_run;
mod drawn;
mod outcome;
mod recorded;
mod report;
mod traffic;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use jiff::SignedDuration;

pub use report::{Breaches, Comparison, Difference, GroupStats, Percentiles, Report, compare};
pub use traffic::{Delay, Traffic, TrafficError};

use jiff::Timestamp;

use crate::desk::{DeskError, MemoryState, State};
use crate::history::Entry;
use crate::rules::RuleSet;
use crate::rules::TimelineEvent;
use crate::sla::Decision;
use crate::ticket::{Answer, Customer, Ticket, TicketId};

use desk_run::{DeskRun, Until};
use drawn::run_drawn;
use outcome::Loads;
use recorded::run_recorded;
use report::Collector;

/// How long past the last arrival the replay runs, so late tickets finish and their
/// timers (auto-close included) fire.
pub const TAIL: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How often `progress` hears from a long run, in tickets.
const PROGRESS_EVERY: u32 = 1000;

/// Runs `traffic` through `rules` on the real desk and reports. `progress(done, total)`
/// is called every thousand tickets opened and at the end.
pub fn simulate(rules: &RuleSet, traffic: &Traffic, progress: &mut dyn FnMut(u32, u32)) -> Report {
    // `MemoryState` answers every read and takes every change: only a store fails.
    try_simulate(rules, traffic, progress).expect("the in-memory state never fails")
}

fn try_simulate(
    rules: &RuleSet,
    traffic: &Traffic,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Report, DeskError> {
    let end = traffic
        .start
        .saturating_add(SignedDuration::from_hours(i64::from(traffic.days) * 24))
        .unwrap_or(traffic.start);
    let horizon = end.saturating_add(TAIL).unwrap_or(end);
    let total = traffic.tickets;
    let run = run_drawn(rules, traffic, horizon, &mut |done| {
        if done % PROGRESS_EVERY == 0 {
            progress(done, total);
        }
    })?;
    let report =
        measured(rules, &run.state, (&run.decisions, run.hook_failures), &run.opened, horizon, &mut |_| {})?;
    progress(total, total);
    Ok(report)
}

/// What the desk did to each ticket of a run, in the order given (which is the order
/// agents' loads add up in), as one report; `each(n)` hears of the `n`th ticket measured.
fn measured<'t>(
    rules: &RuleSet,
    state: &MemoryState,
    (decisions, hook_failures): (&[(Timestamp, Decision)], u32),
    opened: impl IntoIterator<Item = &'t Ticket>,
    horizon: Timestamp,
    each: &mut dyn FnMut(u32),
) -> Result<Report, DeskError> {
    let mut loads = Loads::default();
    let mut collector = Collector::default();
    collector.add_hook_failures(hook_failures);
    let mut decisions = by_ticket(decisions);
    for (done, opened) in (1..).zip(opened) {
        let ticket = state.ticket(opened.id)?.unwrap_or_else(|| opened.clone());
        let history = state.history(opened.id)?;
        let own = decisions.remove(&opened.id).unwrap_or_default();
        collector.add(&outcome::replayed(
            rules,
            opened,
            (&ticket, &history),
            own.into_iter(),
            horizon,
            &mut loads,
        ));
        each(done);
    }
    Ok(collector.report(rules, &loads))
}

/// The decisions about each ticket, in the order the desk acted on them.
fn by_ticket(decisions: &[(Timestamp, Decision)]) -> BTreeMap<TicketId, Vec<&Decision>> {
    let mut by_ticket: BTreeMap<TicketId, Vec<&Decision>> = BTreeMap::new();
    for (_, decision) in decisions {
        by_ticket.entry(decision.ticket).or_default().push(decision);
    }
    by_ticket
}

/// Replays recorded tickets (each with its whole history, as the store keeps them) on the
/// real desk under `rules` up to `until`, the time the recording was taken: people do what
/// they did, the desk decides anew. `progress(done, total)` hears of the tickets measured.
pub fn simulate_recorded(
    rules: &RuleSet,
    tickets: &[(Ticket, Vec<Entry>)],
    until: Timestamp,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Report, DeskError> {
    let run = run_recorded(rules, tickets, until)?;
    // In creation order, so agents' loads add up as they did.
    let mut opened: Vec<&Ticket> = run.opened.iter().flatten().collect();
    opened.sort_by_key(|ticket| (ticket.created_at, ticket.id));
    let total = u32::try_from(opened.len()).unwrap_or(u32::MAX);
    let report =
        measured(rules, &run.state, (&run.decisions, run.hook_failures), opened, until, &mut |done| {
            if done % PROGRESS_EVERY == 0 {
                progress(done, total);
            }
        })?;
    progress(total, total);
    Ok(report)
}

/// Every timer decision the desk acts on when `tickets` are replayed as
/// [`simulate_recorded`] does, with the time it acted, in the order it acted.
pub fn recorded_decisions(
    rules: &RuleSet,
    tickets: &[(Ticket, Vec<Entry>)],
    until: Timestamp,
) -> Result<Vec<(Timestamp, Decision)>, DeskError> {
    Ok(run_recorded(rules, tickets, until)?.decisions)
}

/// What [`ticket_timeline`] found: every timer decision with the time the desk acted on
/// it, and how many `on_breach` calls failed (and fell back to the default) on the way.
#[derive(Clone, Debug)]
pub struct TicketTimeline {
    pub decisions: Vec<(Timestamp, Decision)>,
    pub hook_failures: u32,
}

/// One ticket opened at `opened` with `answers` on the real desk (in memory, on a virtual
/// clock), through `events` and on to `until`: every timer decision the desk acts on. The
/// timeline rule scenarios (`topicdesk test`) run on this.
///
/// The customer writes to the bot; an agent's reply and their commands (`/await`,
/// `/resolve`, `/close`, `/reopen`, `/priority`) are the ticket's assignee's (the first
/// agent of the team while nobody has it), `/hold` and `/unhold` a supervisor's; "Keep it
/// open" is the customer's press.
pub fn ticket_timeline(
    rules: &RuleSet,
    answers: std::collections::BTreeMap<String, Answer>,
    opened: Timestamp,
    events: &[(Timestamp, TimelineEvent)],
    until: Timestamp,
) -> Result<TicketTimeline, DeskError> {
    let mut state = MemoryState::new();
    let mut run = DeskRun::new(rules, &mut state, opened);
    let customer = Customer { id: 1, name: "Customer".to_owned(), username: None, language: None };
    let ticket = run.open(opened, &customer, answers)?;
    let team = rules.team();
    let first_agent = team.agents.first().map(|agent| agent.id as u64);
    let supervisor = team.supervisors().next().map(|agent| agent.id as u64).or(first_agent);
    for (at, event) in events {
        let assignee = run.ticket(ticket.id)?.and_then(|ticket| ticket.assignee).or(first_agent);
        let (staff, text) = match event {
            TimelineEvent::Customer => {
                run.customer_writes(*at, ticket.id, "a message")?;
                continue;
            }
            TimelineEvent::KeepOpen => {
                run.keep_open(*at, ticket.id)?;
                continue;
            }
            TimelineEvent::Agent => (assignee, "a reply".to_owned()),
            TimelineEvent::Await => (assignee, "/await".to_owned()),
            TimelineEvent::Resolve => (assignee, "/resolve".to_owned()),
            TimelineEvent::Close => (assignee, "/close".to_owned()),
            TimelineEvent::Reopen => (assignee, "/reopen".to_owned()),
            TimelineEvent::Priority(priority) => (assignee, format!("/priority {}", priority.as_str())),
            TimelineEvent::Hold => (supervisor, "/hold".to_owned()),
            TimelineEvent::Unhold => (supervisor, "/unhold".to_owned()),
        };
        if let Some(staff) = staff {
            run.staff_writes(*at, ticket.id, staff, &text)?;
        }
    }
    run.run_timers(Until::Through(until))?;
    Ok(TicketTimeline { decisions: run.decisions().to_vec(), hook_failures: run.hook_failures() })
}

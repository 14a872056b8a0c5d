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
//! The report is `topicdesk report`'s ([`Report`]): the in-memory state folds every
//! ticket's facts as the store does, and `metrics::Period` measures them with the same
//! definitions, groups (`--by`) and table, so a simulated month and a recorded one compare
//! line by line. After it comes what only a simulation knows (`outcome`): the SLA warnings
//! and auto-closes the desk acted on, breached stretches, the tickets routing queued, each
//! agent's peak load, failed hook calls. [`compare`] puts two rule sets' reports side by
//! side. Nothing here touches Telegram, the store or the clock, and the same input gives
//! the same report.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use topicdesk::simulate::{ReportOptions, Traffic, compare, simulate};
//! let (a, _) = topicdesk::rules::load("rules".as_ref());
//! let (b, _) = topicdesk::rules::load("rules-next".as_ref());
//! let traffic = Traffic::from_json(&std::fs::read_to_string("traffic.json")?)?;
//! let mut progress = |done: u32, total: u32| eprint!("\r{done}/{total}");
//! let comparison = compare(
//!     simulate(&a.expect("valid rules"), &traffic, &ReportOptions::default(), &mut progress),
//!     simulate(&b.expect("valid rules"), &traffic, &ReportOptions::default(), &mut progress),
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

use jiff::{SignedDuration, Timestamp};

pub use report::{AgentLoad, Breaches, Comparison, Decided, Difference, GroupShare, Report, compare};
pub use traffic::{Delay, Traffic, TrafficError};

use crate::metrics::{GroupBy, Options, Period};

use crate::desk::{DeskError, MemoryState, State};
use crate::history::Entry;
use crate::rules::RuleSet;
use crate::rules::TimelineEvent;
use crate::sla::Decision;
use crate::ticket::{Answer, Customer, Ticket};

use desk_run::{DeskRun, Until};
use drawn::run_drawn;
use outcome::{Loads, Timers};
use recorded::run_recorded;

/// How long past the last arrival the replay runs, so late tickets finish and their
/// timers (auto-close included) fire.
pub const TAIL: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How often `progress` hears from a long run, in tickets.
const PROGRESS_EVERY: u32 = 1000;

/// What a simulation's report is asked, as `topicdesk report` is: the tickets created
/// from `since` (inclusive) until `until` (exclusive), with a row per `by`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportOptions {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub by: Option<GroupBy>,
}

/// Runs `traffic` through `rules` on the real desk and reports. `progress(done, total)`
/// is called every thousand tickets opened and at the end.
pub fn simulate(
    rules: &RuleSet,
    traffic: &Traffic,
    asked: &ReportOptions,
    progress: &mut dyn FnMut(u32, u32),
) -> Report {
    // `MemoryState` answers every read and takes every change: only a store fails.
    try_simulate(rules, traffic, asked, progress).expect("the in-memory state never fails")
}

fn try_simulate(
    rules: &RuleSet,
    traffic: &Traffic,
    asked: &ReportOptions,
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
    let report = measured(
        rules,
        &run.state,
        (&run.decisions, run.hook_failures),
        &run.opened,
        (asked, horizon),
        &mut |_| {},
    )?;
    progress(total, total);
    Ok(report)
}

/// What the desk did in a run as one report: the period's figures from every ticket's facts
/// in `state`, measured at `now`, and what the rules decided; `opened` are the run's tickets
/// as they opened (routed), and `each(n)` hears of the `n`th one measured.
fn measured<'t>(
    rules: &RuleSet,
    state: &MemoryState,
    (decisions, hook_failures): (&[(Timestamp, Decision)], u32),
    opened: impl IntoIterator<Item = &'t Ticket>,
    (asked, now): (&ReportOptions, Timestamp),
    each: &mut dyn FnMut(u32),
) -> Result<Report, DeskError> {
    // Whole seconds, as `topicdesk report` measures: a change within the last second of the
    // run is in the facts but after the instant measured, there as here.
    let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let mut options = Options {
        since: asked.since,
        until: asked.until,
        now,
        by: asked.by,
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::new(),
        group_names: BTreeMap::new(),
    };
    crate::report::with_rules(&mut options, rules);
    let mut period = Period::new(options);
    let mut decided = Decided { hook_failures: u64::from(hook_failures), ..Decided::default() };
    let mut loads = Loads::default();
    // With several staff groups, each covered ticket's group (by its place in desk.yaml)
    // and each group's share; with one, no shares.
    let groups = desk_run::staff_groups(rules);
    let several = groups.all().len() > 1;
    let mut shares: Vec<GroupShare> = if several {
        groups
            .all()
            .iter()
            .map(|group| GroupShare { name: group.name.clone(), ..GroupShare::default() })
            .collect()
    } else {
        Vec::new()
    };
    let place = |name: Option<&str>| name.and_then(|name| groups.all().iter().position(|g| g.name == name));
    let mut covered = BTreeMap::new();
    for (done, opened) in (1..).zip(opened) {
        let ticket = state.ticket(opened.id)?.unwrap_or_else(|| opened.clone());
        loads.add(&ticket, &state.history(opened.id)?, now);
        if period.covers(ticket.created_at) {
            let at = place(ticket.group.as_deref()).filter(|_| several);
            covered.insert(ticket.id, at);
            decided.queued += u64::from(opened.assignee.is_none());
            if let Some(share) = at.and_then(|at| shares.get_mut(at)) {
                share.tickets += 1;
                share.queued += u64::from(opened.assignee.is_none());
            }
        }
        each(done);
    }
    let mut timers = Timers::default();
    for (_, decision) in decisions {
        let Some(at) = covered.get(&decision.ticket) else { continue };
        timers.add(decision);
        if let Some(share) = at.and_then(|at| shares.get_mut(at)) {
            let mut own = Timers::default();
            own.add(decision);
            share.warnings += own.warnings;
            share.auto_closed += own.auto_closed;
        }
    }
    (decided.warnings, decided.auto_closed) = (timers.warnings, timers.auto_closed);
    let mut breaches = [0u64; 3];
    state.facts_since(Timestamp::MIN, &mut |labels, facts| {
        if period.covers(facts.created_at) {
            for (sum, stretches) in breaches.iter_mut().zip(facts.breaches) {
                *sum += u64::from(stretches);
            }
            let group = labels.staff_chat.and_then(|chat| groups.of_chat(chat));
            let at = group.and_then(|group| place(Some(&group.name)));
            if let Some(share) = at.and_then(|at| shares.get_mut(at)) {
                share.breaches += facts.breaches.iter().map(|n| u64::from(*n)).sum::<u64>();
            }
        }
        period.add(labels, facts);
    })?;
    decided.groups = shares;
    let [first_response, next_response, resolution] = breaches;
    decided.breaches = Breaches { first_response, next_response, resolution };
    let team = rules.team();
    let named = team.agents.iter().filter_map(|agent| u64::try_from(agent.id).ok());
    let others: Vec<u64> = loads.agents().filter(|id| team.agent(*id as i64).is_none()).collect();
    decided.agents = named
        .chain(others)
        .map(|agent| AgentLoad {
            agent,
            name: team.agent(agent as i64).map_or(String::new(), |member| member.name.clone()),
            peak_load: loads.peak(agent),
        })
        .collect();
    Ok(Report { rules: rules.version().short(), figures: period.finish(Vec::new(), 0), simulation: decided })
}

/// Replays recorded tickets (each with its whole history, as the store keeps them) on the
/// real desk under `rules` up to `until`, the time the recording was taken: people do what
/// they did, the desk decides anew. The report measures at `until`. `progress(done,
/// total)` hears of the tickets measured.
pub fn simulate_recorded(
    rules: &RuleSet,
    tickets: &[(Ticket, Vec<Entry>)],
    until: Timestamp,
    asked: &ReportOptions,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Report, DeskError> {
    let run = run_recorded(rules, tickets, until)?;
    let opened: Vec<&Ticket> = run.opened.iter().flatten().collect();
    let total = u32::try_from(opened.len()).unwrap_or(u32::MAX);
    let report = measured(
        rules,
        &run.state,
        (&run.decisions, run.hook_failures),
        opened,
        (asked, until),
        &mut |done| {
            if done % PROGRESS_EVERY == 0 {
                progress(done, total);
            }
        },
    )?;
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

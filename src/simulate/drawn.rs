//! Drawn traffic on the real desk: every ticket of a [`Traffic`](super::Traffic) draw
//! opens through [`DeskRun`] on one shared [`MemoryState`], in arrival order, so routing
//! sees the loads and round-robin position the earlier tickets left; what people drew (the
//! agent's replies, waits on the customer and resolutions, the customer's messages and
//! reopens) becomes desk events at their drawn times, all tickets interleaved in time order
//! with the desk's ticks between.
//!
//! Agent effort counts in the desk's business hours from the previous step, scaled by the
//! agent's `agent_speed`; customers write round the clock. An agent's step is taken by the
//! ticket's assignee at that moment (a rule may have moved it), else by whoever took it.
//!
//! A ticket routing leaves in the queue is taken at its drawn first reply by whoever is
//! free: the team member on duty then (all of the team when nobody is) with the fewest
//! active tickets, the one listed first in team.yaml on a tie. They `/claim` it and reply
//! (only reply when desk.yaml's `auto_assign_on_first_reply` makes the reply take it), and
//! work on at their own speed. The queue's first reply is drawn at speed 1, since nobody
//! knew who would take it.
//!
//! Nothing a person drew happens to a closed ticket: its customer would start a new
//! conversation (which traffic does not draw), and its agent has nothing left to do.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use jiff::Timestamp;

use crate::calendar::BusinessCalendar;
use crate::desk::{DeskError, MemoryState, State};
use crate::rules::RuleSet;
use crate::sla::Decision;
use crate::ticket::{Answer, Customer, Status, Ticket, TicketId, UserId};

use super::desk_run::{DeskRun, Until};
use super::traffic::{Draw, Round, Traffic, scaled};

/// What a person does at a step of a drawn ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    /// The customer arrives and the ticket opens.
    Open,
    /// The first reply to a ticket routing left in the queue, by whoever is free.
    Take,
    /// The agent replies.
    Reply,
    /// The agent waits on the customer (`/await`).
    Await,
    /// The customer writes.
    Customer,
    /// The agent resolves (`/resolve`).
    Resolve,
}

/// The run of every drawn ticket: the state the desk left, each ticket as it opened
/// (routed), and the timer decisions the desk acted on.
pub(crate) struct DrawnRun {
    pub state: MemoryState,
    /// Per drawn ticket, in arrival order, its ticket right after opening.
    pub opened: Vec<Ticket>,
    pub decisions: Vec<(Timestamp, Decision)>,
    pub hook_failures: u32,
}

/// One drawn ticket while it runs: its draw, its id once open, who works it and at what
/// speed, and its steps still to come.
struct Drawn {
    draw: Draw,
    id: Option<TicketId>,
    worker: Option<UserId>,
    speed: f64,
    steps: VecDeque<(Timestamp, Act)>,
}

/// Runs `traffic` through `rules` on the real desk until `horizon`. `progress(done,
/// total)` hears of the tickets opened.
pub(crate) fn run_drawn(
    rules: &RuleSet,
    traffic: &Traffic,
    horizon: Timestamp,
    progress: &mut dyn FnMut(u32),
) -> Result<DrawnRun, DeskError> {
    let mut tickets: Vec<Drawn> = (0..)
        .zip(traffic.arrivals())
        .map(|(index, arrival)| {
            let draw = traffic.draw(index, arrival);
            Drawn { draw, id: None, worker: None, speed: 1.0, steps: VecDeque::from([(arrival, Act::Open)]) }
        })
        .collect();
    // Each ticket's next step; at one instant, tickets in arrival order.
    let mut next: BinaryHeap<Reverse<(Timestamp, usize)>> =
        tickets.iter().enumerate().map(|(index, ticket)| Reverse((ticket.draw.arrival, index))).collect();
    let start = tickets.first().map_or(traffic.start, |ticket| ticket.draw.arrival);
    let mut state = MemoryState::new();
    let mut run = DeskRun::new(rules, &mut state, start);
    let mut opened = Vec::with_capacity(tickets.len());
    let mut done = 0;
    while let Some(Reverse((at, index))) = next.pop() {
        if at > horizon {
            break;
        }
        let ticket = &mut tickets[index];
        let Some((_, act)) = ticket.steps.pop_front() else { continue };
        match act {
            Act::Open => {
                let draw = &ticket.draw;
                let customer = Customer {
                    id: index as u64 + 1,
                    name: format!("customer {}", index + 1),
                    username: None,
                    language: None,
                };
                let mut answers = BTreeMap::from([(
                    "priority".to_owned(),
                    Answer::Text(draw.priority.as_str().to_owned()),
                )]);
                if let Some(category) = &draw.category {
                    answers.insert("category".to_owned(), Answer::Text(category.clone()));
                }
                let routed = run.open(at, &customer, answers)?;
                ticket.id = Some(routed.id);
                ticket.worker = routed.assignee;
                match routed.assignee {
                    Some(agent) => {
                        ticket.speed = speed_of(traffic, agent);
                        let first = work(rules, at, draw.first_reply, ticket.speed);
                        ticket.steps.push_back((first, Act::Reply));
                        ticket.steps.extend(after_first_reply(rules, draw, first, ticket.speed));
                    }
                    None => ticket.steps.push_back((work(rules, at, draw.first_reply, 1.0), Act::Take)),
                }
                opened.push(routed);
                done += 1;
                progress(done);
            }
            Act::Take => {
                let id = ticket.id.expect("opened before its first reply");
                if let Some(taker) = take(&mut run, rules, at, id)? {
                    ticket.worker = Some(taker);
                    ticket.speed = speed_of(traffic, taker);
                    ticket.steps.extend(after_first_reply(rules, &ticket.draw, at, ticket.speed));
                }
            }
            Act::Customer => {
                let id = ticket.id.expect("opened before its customer writes");
                if is_open(&run, id)? {
                    run.customer_writes(at, id, "a message")?;
                }
            }
            Act::Reply | Act::Await | Act::Resolve => {
                let id = ticket.id.expect("opened before its agent works");
                let worker = run.ticket(id)?.and_then(|ticket| ticket.assignee).or(ticket.worker);
                if let Some(worker) = worker
                    && is_open(&run, id)?
                {
                    let text = match act {
                        Act::Await => "/await",
                        Act::Resolve => "/resolve",
                        _ => "a reply",
                    };
                    run.staff_writes(at, id, worker, text)?;
                }
            }
        }
        if let Some((at, _)) = tickets[index].steps.front() {
            next.push(Reverse((*at, index)));
        }
    }
    run.run_timers(Until::Through(horizon))?;
    let (decisions, hook_failures) = (run.decisions().to_vec(), run.hook_failures());
    Ok(DrawnRun { state, opened, decisions, hook_failures })
}

/// A queued ticket's first reply at `at`, by whoever is free then; who took it, `None`
/// with nobody in the team.
fn take(
    run: &mut DeskRun<'_, '_, MemoryState>,
    rules: &RuleSet,
    at: Timestamp,
    id: TicketId,
) -> Result<Option<UserId>, DeskError> {
    let Some(ticket) = run.ticket(id)? else { return Ok(None) };
    if ticket.status == Status::Closed {
        return Ok(None);
    }
    // Taken meanwhile (a rule routed it again): its assignee answers.
    if let Some(assignee) = ticket.assignee {
        run.staff_writes(at, id, assignee, "a reply")?;
        return Ok(Some(assignee));
    }
    let agents = &rules.team().agents;
    let on_duty: Vec<i64> =
        agents.iter().map(|agent| agent.id).filter(|agent| rules.on_duty(*agent, at)).collect();
    let candidates = if on_duty.is_empty() { agents.iter().map(|agent| agent.id).collect() } else { on_duty };
    let mut taker = None;
    for agent in candidates {
        let load = run.state().tickets_of_assignee(agent as u64)?.len();
        if taker.is_none_or(|(_, fewest)| load < fewest) {
            taker = Some((agent as u64, load));
        }
    }
    let Some((taker, _)) = taker else { return Ok(None) };
    if !rules.desk().auto_assign_on_first_reply {
        run.staff_writes(at, id, taker, "/claim")?;
    }
    run.staff_writes(at, id, taker, "a reply")?;
    Ok(Some(taker))
}

/// Whether the ticket is still there and not closed.
fn is_open(run: &DeskRun<'_, '_, MemoryState>, id: TicketId) -> Result<bool, DeskError> {
    Ok(run.ticket(id)?.is_some_and(|ticket| ticket.status != Status::Closed))
}

fn speed_of(traffic: &Traffic, agent: UserId) -> f64 {
    i64::try_from(agent).ok().and_then(|agent| traffic.agent_speed.get(&agent)).copied().unwrap_or(1.0)
}

/// `effort` of agent work at `speed` from `from`, in the desk's business hours.
fn work(rules: &RuleSet, from: Timestamp, effort: crate::duration::Span, speed: f64) -> Timestamp {
    rules.calendar().add(from, scaled(effort, speed))
}

/// The drawn steps after the first reply at `first`: each round (a wait on the customer,
/// their message, the reply), the resolution, and a reopen with its second resolution.
fn after_first_reply(rules: &RuleSet, draw: &Draw, first: Timestamp, speed: f64) -> Vec<(Timestamp, Act)> {
    let mut steps = Vec::new();
    let mut at = first;
    let exchange = |at: &mut Timestamp, round: &Round, steps: &mut Vec<_>| {
        if round.awaits {
            steps.push((*at, Act::Await));
        }
        // Customers write round the clock.
        *at = BusinessCalendar::always().add(*at, round.customer_after);
        steps.push((*at, Act::Customer));
        *at = work(rules, *at, round.reply, speed);
        steps.push((*at, Act::Reply));
    };
    for round in &draw.rounds {
        exchange(&mut at, round, &mut steps);
    }
    at = work(rules, at, draw.resolve_after, speed);
    steps.push((at, Act::Resolve));
    if let Some(round) = &draw.reopen {
        // The customer's message to the resolved ticket reopens it.
        exchange(&mut at, &Round { awaits: false, ..*round }, &mut steps);
        at = work(rules, at, draw.resolve_after, speed);
        steps.push((at, Act::Resolve));
    }
    // A step never reached (no business hours left) does not happen.
    steps.retain(|(at, _)| *at != Timestamp::MAX);
    steps
}

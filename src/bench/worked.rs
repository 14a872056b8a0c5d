//! `report_1m_s`: `topicdesk report` over 1,000,000 worked tickets (2,000 with `--quick`),
//! run as a separate process like `tickets export`, start to exit.
//!
//! The scale run's store holds open tickets an hour old with nothing but their opening, so
//! their facts are the cheapest there are; a report over it would flatter. This store is
//! written for the report instead: tickets opened over the last 90 days (ids in creation
//! order), each with a story drawn from its id through `Ticket::apply`, as the desk would
//! record it: assigned or left queued, answered after minutes or hours, a few rounds of
//! customer messages and replies (some waiting on the customer), resolved and auto-closed
//! or still running, some reopened, reprioritised, tagged, breached and escalated. Every
//! ticket's history goes through `Tx::append_history`, so its facts are the store's own.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use crate::deadline::{DeadlineKind, Mark};
use crate::history::Actor;
use crate::store::{Store, StoreError};
use crate::ticket::{Change, Origin, Priority, Status, Ticket, TicketId, Topic};

/// The agents of the shipped team.yaml.
const AGENTS: [u64; 4] = [111_111_111, 222_222_222, 333_333_333, 444_444_444];
/// How far back the tickets were opened.
const SPREAD: SignedDuration = SignedDuration::from_hours(90 * 24);
const CUSTOMER_TEXTS: [&str; 5] = [
    "Any news on this?",
    "It still does not work, this is terrible",
    "Here is the screenshot you asked for",
    "Thanks, that helped!",
    "I want a refund now",
];
const AGENT_TEXTS: [&str; 3] = ["Looking into it", "Could you send a screenshot?", "Fixed on our side"];

/// Writes `n` worked tickets opened over the 90 days before `now`, in pages of 1,000.
pub fn generate_worked(store: &Store, n: u64, now: Timestamp) -> Result<(), StoreError> {
    let first = now - SPREAD;
    let step = SPREAD.as_nanos() / i128::from(n.max(1));
    super::in_pages(store, n, |tx| {
        let id = tx.next_ticket_id()?;
        let offset = i64::try_from(step * i128::from(id.0 - 1)).expect("within 90 days");
        let created = first + SignedDuration::from_nanos(offset);
        let (ticket, entries) = story(id, created, now);
        tx.save_ticket(&ticket)?;
        tx.append_history(id, &entries)
    })
}

/// Runs `topicdesk report` over the store in `data` with the shipped rules, grouped by
/// agent, as JSON to nowhere: process start to exit.
pub fn time_report(data: &Path, rules_dir: &Path) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .args(["report", "--by", "agent", "--format", "json", "--data"])
        .arg(data)
        .arg("--rules")
        .arg(rules_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("report exited with {status}").into());
    }
    Ok(started.elapsed())
}

/// A deterministic stream of draws from a ticket's id (splitmix64).
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True `percent` times in 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A duration between `low` and `high` minutes.
    fn minutes(&mut self, low: i64, high: i64) -> SignedDuration {
        let span = u64::try_from(high - low + 1).expect("high above low");
        SignedDuration::from_mins(low + i64::try_from(self.next() % span).expect("small"))
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.next() % items.len() as u64).expect("small")]
    }
}

/// One ticket's story up to `now`: the ticket as it stands and its history.
fn story(id: TicketId, created: Timestamp, now: Timestamp) -> (Ticket, Vec<crate::history::Entry>) {
    let mut draws = Draws(id.0);
    let priority = match draws.next() % 100 {
        0..30 => "low",
        30..75 => "normal",
        75..95 => "high",
        _ => "critical",
    };
    let customer = super::sample_customer(id);
    let customer_origin = Origin { actor: Actor::Customer(customer.id), rules: None };
    let (mut ticket, opened) =
        Ticket::open(id, customer, "support", super::sample_answers(id, priority), created);
    let system = Origin { actor: Actor::System, rules: Some("bench".into()) };
    let mut history = vec![opened];
    let mut at = created;
    let mut apply = |ticket: &mut Ticket, change: Change, origin: &Origin, at: Timestamp| {
        if let Ok(entries) = ticket.apply(change, origin, at) {
            history.extend(entries);
        }
    };
    let topic =
        Topic { chat_id: -1_001_234_567_890, thread_id: i32::try_from(id.0 % 2_000_000_000).unwrap_or(1) };
    apply(&mut ticket, Change::MoveTopic(topic), &system, at);
    if draws.chance(20) {
        apply(&mut ticket, Change::AddTag("refund".into()), &system, at);
    }
    if draws.chance(10) {
        apply(&mut ticket, Change::AddTag("vip".into()), &system, at);
    }
    // Most tickets are taken; the rest are answered from the queue, or wait there.
    let agent = AGENTS[usize::try_from(draws.next() % 4).expect("small")];
    let agent_origin = Origin { actor: Actor::Agent(agent), rules: None };
    let mut steps: Vec<(SignedDuration, Step)> = Vec::new();
    if draws.chance(90) {
        steps.push((draws.minutes(1, 30), Step::Assign));
    }
    if draws.chance(10) {
        steps.push((draws.minutes(15, 60), Step::Breach));
    }
    steps.push((draws.minutes(2, 240), Step::Reply));
    for _ in 0..draws.next() % 4 {
        steps.push((draws.minutes(10, 600), Step::Customer));
        if draws.chance(25) {
            steps.push((draws.minutes(5, 120), Step::AwaitCustomer));
        }
        steps.push((draws.minutes(3, 300), Step::Reply));
    }
    if draws.chance(5) {
        steps.push((draws.minutes(5, 60), Step::Priority));
    }
    if draws.chance(90) {
        steps.push((draws.minutes(10, 600), Step::Resolve));
        if draws.chance(8) {
            steps.push((draws.minutes(60, 2_000), Step::Customer));
            steps.push((draws.minutes(5, 200), Step::Reply));
            steps.push((draws.minutes(10, 300), Step::Resolve));
        }
        steps.push((SignedDuration::from_hours(72), Step::AutoClose));
    }
    for (after, step) in steps {
        at += after;
        if at > now {
            break;
        }
        match step {
            Step::Assign => apply(&mut ticket, Change::Assign { to: Some(agent) }, &agent_origin, at),
            Step::Breach => {
                if ticket.first_response_at.is_none() {
                    let mark = Mark { kind: DeadlineKind::FirstResponse, since: 0, step: 1 };
                    apply(&mut ticket, Change::Timer(mark), &system, at);
                    if draws.chance(50) {
                        let escalate = Change::Escalate { to: vec![AGENTS[0]], reason: "breach".into() };
                        apply(&mut ticket, escalate, &system, at);
                    }
                }
            }
            Step::Reply => {
                let text = draws.pick(&AGENT_TEXTS).to_owned();
                apply(&mut ticket, Change::AgentReply { text }, &agent_origin, at);
            }
            Step::Customer => {
                let text = draws.pick(&CUSTOMER_TEXTS).to_owned();
                apply(&mut ticket, Change::CustomerMessage { text }, &customer_origin, at);
            }
            Step::AwaitCustomer => apply(&mut ticket, Change::AwaitCustomer, &agent_origin, at),
            Step::Priority => {
                let to =
                    if ticket.priority == Priority::Critical { Priority::High } else { Priority::Critical };
                apply(&mut ticket, Change::SetPriority(to), &agent_origin, at);
            }
            Step::Resolve => apply(&mut ticket, Change::Resolve, &agent_origin, at),
            Step::AutoClose => {
                if ticket.status == Status::Resolved {
                    apply(&mut ticket, Change::AutoClose, &system, at);
                }
            }
        }
    }
    (ticket, history)
}

/// What happens next in a drawn story.
#[derive(Clone, Copy)]
enum Step {
    Assign,
    Breach,
    Reply,
    Customer,
    AwaitCustomer,
    Priority,
    Resolve,
    AutoClose,
}

/// The mean time, in µs, of keeping a ticket's facts through one change: `Tx::fold_facts`
/// (its record read and decoded, the change folded, the record encoded and written) with a
/// customer's message, on `samples` tickets spread over the worked store (those not closed), in one
/// transaction. Each message is applied to its ticket, which is saved, and its entries
/// appended as `Tx::append_history` does, of which only the fold is timed: what the facts
/// add to a change. The store stays whole (history, tickets and facts agree).
pub fn fold_us_per_change(store: &Store, samples: u64) -> Result<f64, Box<dyn std::error::Error>> {
    let tickets = store.read()?.ticket_count()?;
    // Most worked tickets are closed and take no message: look at ten times as many.
    let stride = (tickets / samples.max(1) / 10).max(1);
    let mut taken = Duration::ZERO;
    let mut folded = 0u64;
    store.write(|tx| {
        let mut id = 1;
        while folded < samples && id <= tickets {
            let Some(mut ticket) = tx.ticket(TicketId(id))? else { break };
            id += stride;
            let text = CUSTOMER_TEXTS[usize::try_from(folded % 5).expect("small")].to_owned();
            let origin = Origin { actor: Actor::Customer(ticket.customer.id), rules: None };
            let Ok(entries) = ticket.apply(Change::CustomerMessage { text }, &origin, ticket.updated_at)
            else {
                continue;
            };
            let id = ticket.id;
            tx.save_ticket(&ticket)?;
            tx.append_history_as_a_build_without_facts(id, &entries)?;
            let started = Instant::now();
            tx.fold_facts(id, &entries)?;
            taken += started.elapsed();
            folded += 1;
        }
        Ok::<_, StoreError>(())
    })?;
    if folded == 0 {
        return Err("no ticket to fold into".into());
    }
    Ok(taken.as_secs_f64() * 1e6 / folded as f64)
}

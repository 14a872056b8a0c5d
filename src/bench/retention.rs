//! `retention_pass_s`, `retention_largest_txn_ms`, `retention_answer_max_ms`: a retention
//! pass (`content_after`) over a store of closed tickets, batch after batch as the desk's
//! timer runs it (each batch one write transaction), while another thread keeps writing
//! customers' messages into their open tickets through the desk (each relayed and
//! committed with its outbox call, as the desk loop does). The figures: the whole pass,
//! its longest write transaction, and the longest a customer's message took to commit
//! meanwhile (waiting for a batch included).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use super::{sample_answers, sample_customer};
use crate::desk::{CustomerMessage, Desk, Event, InlineMode, Kind};
use crate::history::Actor;
use crate::store::{FILE_NAME, Store, StoreError};
use crate::ticket::{Change, Customer, Origin, Ticket};

/// Customers writing during the pass, each with an open ticket.
const LIVE: u64 = 50;
/// Between two messages of the writing thread.
const PACE: Duration = Duration::from_millis(5);

pub struct Measured {
    pub pass_s: f64,
    pub largest_txn_ms: f64,
    pub batches: u64,
    pub erased: u64,
    pub messages: u64,
    pub answer_max_ms: f64,
}

/// Writes `tickets` closed tickets (a message, a reply, closed) and `LIVE` open ones.
fn generate_closed(store: &Store, tickets: u64, epoch: Timestamp) -> Result<(), StoreError> {
    let agent = Origin { actor: Actor::Agent(7), rules: Some("bench".into()) };
    super::in_pages(store, tickets + LIVE, |tx| {
        let id = tx.next_ticket_id()?;
        let created = epoch + SignedDuration::from_secs(id.0 as i64 * 60);
        let live = id.0 > tickets;
        let customer = if live { live_customer(id.0 - tickets) } else { sample_customer(id) };
        let (mut ticket, first) =
            Ticket::open(id, customer.clone(), "support", sample_answers(id, "normal"), created);
        let mut entries = vec![first];
        let customer_origin = Origin { actor: Actor::Customer(customer.id), rules: None };
        let text = format!("order {} arrived broken, my phone is +1 555 {:04}", id.0, id.0 % 10_000);
        entries.extend(
            ticket.apply(Change::CustomerMessage { text }, &customer_origin, created).expect("legal"),
        );
        if !live {
            let later = created + SignedDuration::from_secs(600);
            for change in [
                Change::Assign { to: Some(7) },
                Change::AgentReply { text: "Replaced".into() },
                Change::Close,
            ] {
                entries.extend(ticket.apply(change, &agent, later).expect("a legal sequence"));
            }
        }
        tx.save_ticket(&ticket)?;
        tx.append_history(id, &entries)
    })
}

fn live_customer(n: u64) -> Customer {
    Customer { id: 900_000 + n, name: format!("Live {n}"), username: None, language: Some("en".into()) }
}

/// The pass over `tickets` closed tickets in a store under `dir`, with the shipped rules of
/// `rules_dir` and `content_after: 1d`.
pub fn measure(dir: &Path, rules_dir: &Path, tickets: u64) -> Result<Measured, Box<dyn std::error::Error>> {
    let rules_copy = dir.join("rules");
    crate::demo::write_default_rules(&rules_copy)?;
    let desk_yaml = std::fs::read_to_string(rules_dir.join("desk.yaml"))?;
    std::fs::write(rules_copy.join("desk.yaml"), format!("{desk_yaml}\nretention:\n  content_after: 1d\n"))?;
    let (rules, diagnostics) = crate::rules::load(&rules_copy);
    let rules = rules.ok_or_else(|| format!("the rules with retention do not load: {diagnostics:?}"))?;
    let epoch = Timestamp::from_second(1_790_000_000)?;
    let store = Store::open(&dir.join(FILE_NAME))?;
    generate_closed(&store, tickets, epoch)?;
    let now = epoch + SignedDuration::from_hours(24 * 400);
    let groups = crate::groups::StaffGroups::single(rules.desk().staff_chat.unwrap_or(-100));
    let desk = Desk { rules: &rules, earlier: &[], groups: &groups, now, inline: InlineMode::Off };
    let done = AtomicBool::new(false);
    let (mut largest, mut batches, mut erased) = (Duration::ZERO, 0u64, 0u64);
    let started = Instant::now();
    let (pass, answers) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let desk = Desk { rules: &rules, earlier: &[], groups: &groups, now, inline: InlineMode::Off };
            let mut worst = Duration::ZERO;
            let mut sent = 0u64;
            while !done.load(Ordering::Relaxed) {
                let n = sent % LIVE + 1;
                let event = Event::Customer(CustomerMessage {
                    customer: live_customer(n),
                    message_id: 1 + sent as i32,
                    kind: Kind::Text,
                    text: Some(format!("any news? ({sent})")),
                    file_id: None,
                    single: None,
                    reply_to: None,
                    album: None,
                });
                let at = Instant::now();
                store.write(|tx| desk.handle(tx, &event))?;
                worst = worst.max(at.elapsed());
                sent += 1;
                std::thread::sleep(PACE);
            }
            Ok::<_, crate::desk::DeskError>((sent, worst))
        });
        let pass = (|| {
            loop {
                let at = Instant::now();
                let batch = store.write(|tx| desk.retention_batch(tx))?;
                largest = largest.max(at.elapsed());
                batches += 1;
                erased += batch.tickets;
                if !batch.more {
                    return Ok::<_, crate::desk::DeskError>(started.elapsed());
                }
            }
        })();
        done.store(true, Ordering::Relaxed);
        (pass, writer.join().expect("the writing thread ends"))
    });
    let pass = pass?;
    let (messages, worst) = answers?;
    if erased != tickets {
        return Err(format!("the pass erased {erased} of {tickets} tickets").into());
    }
    Ok(Measured {
        pass_s: pass.as_secs_f64(),
        largest_txn_ms: largest.as_secs_f64() * 1000.0,
        batches,
        erased,
        messages,
        answer_max_ms: worst.as_secs_f64() * 1000.0,
    })
}

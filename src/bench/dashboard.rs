//! `dashboard_page_p99_ms`: the p99 of serving one dashboard page from a store of 100,000
//! worked tickets (2,000 with `--quick`): the read transaction opened, the page's data read
//! (`http::dashboard::view::read`) and its HTML rendered, as the web edge does for each
//! request, HTTP aside. Every page takes its turn: the queue as a supervisor and as an agent,
//! agents, SLA risk, figures and ticket pages of tickets spread over the store.
//!
//! The store is `worked`'s (tickets over 90 days, each with its story); each active ticket
//! also gets its SLA deadlines in the index, as the desk would keep them, so the queue and SLA
//! risk pages read what they read on a live desk.

use std::path::Path;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

use crate::deadline::DeadlineKind;
use crate::http::dashboard::{Page, Viewer, render, view};
use crate::rules::{Role, RuleSet};
use crate::sla::{Deadline, Timer};
use crate::store::{FILE_NAME, Store, StoreError};
use crate::ticket::{Status, TicketId};

/// Samples of each page per run.
const SAMPLES: usize = 40;

/// Writes the store in `data` and measures; the p99 in milliseconds.
pub fn page_p99_ms(data: &Path, rules: &RuleSet, tickets: u64) -> Result<f64, Box<dyn std::error::Error>> {
    let store = Store::open(&data.join(FILE_NAME))?;
    let now = Timestamp::now();
    super::worked::generate_worked(&store, tickets, now)?;
    keep_deadlines(&store, now)?;
    let supervisor = Viewer { id: 111_111_111, name: "Dana".into(), role: Role::Supervisor };
    let agent = Viewer { id: 222_222_222, name: "Eli".into(), role: Role::Agent };
    let mut times = Vec::new();
    let mut rendered_bytes = 0;
    for sample in 0..SAMPLES {
        let ticket = TicketId(1 + (sample as u64 * 7_919) % tickets);
        let pages = [
            (&supervisor, Page::Queue),
            (&agent, Page::Queue),
            (&supervisor, Page::Agents),
            (&supervisor, Page::Sla),
            (&supervisor, Page::Figures),
            (&supervisor, Page::Ticket(ticket)),
        ];
        for (viewer, page) in pages {
            let started = Instant::now();
            let read = store.read()?;
            let shown = view::read(&read, rules, viewer.clone(), page, Timestamp::now())?
                .ok_or("a supervisor was refused a page")?;
            drop(read);
            let html = render(&shown, rules);
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rendered_bytes += html.len();
        }
    }
    if rendered_bytes == 0 {
        return Err("the pages came out empty".into());
    }
    Ok(super::percentile(times, 99))
}

/// Puts each active ticket's SLA deadlines in the index: first response a few hours from its
/// creation while unanswered, resolution a day or two after it.
fn keep_deadlines(store: &Store, now: Timestamp) -> Result<(), StoreError> {
    let read = store.read()?;
    let mut active = Vec::new();
    for status in [Status::New, Status::Open, Status::AwaitingCustomer] {
        for id in read.tickets_in_status(status)? {
            if let Some(ticket) = read.ticket(id)? {
                active.push((id, ticket.created_at, ticket.first_response_at.is_none()));
            }
        }
    }
    drop(read);
    for page in active.chunks(1_000) {
        store.write(|tx| {
            for (id, created, unanswered) in page {
                let hours = 1 + (id.0 % 6) as i64;
                if *unanswered {
                    let due = *created + SignedDuration::from_hours(hours);
                    tx.set_deadline(Deadline {
                        due,
                        timer: Timer::Ticket(*id, DeadlineKind::FirstResponse),
                    })?;
                }
                let due = (*created + SignedDuration::from_hours(24 * hours))
                    .max(now - SignedDuration::from_hours(48));
                tx.set_deadline(Deadline { due, timer: Timer::Ticket(*id, DeadlineKind::Resolution) })?;
            }
            Ok::<_, StoreError>(())
        })?;
    }
    Ok(())
}

//! What a dashboard page shows, as plain data, and who may see it: [`read`] fills a
//! [`View`] from one read transaction of the store (the only I/O of a page), [`allowed`]
//! decides by role, and `page` renders it without touching anything else.
//!
//! Roles: a supervisor sees every page. An agent sees the queue (the unassigned tickets and
//! their own) and the page of a ticket that is theirs or still unassigned; the agents, SLA
//! risk and figures pages and another agent's ticket are refused.
//!
//! "SLA" times are the ticket's next SLA step in the store's deadline index (first
//! response, next response or resolution): a warning before the breach, the breach, then
//! each escalation rung; the desk keeps that index current after every change, so the
//! dashboard computes no clock of its own.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};

use crate::deadline::DeadlineKind;
use crate::history::Entry;
use crate::metrics::{GroupBy, Labels, Options, Period, Report};
use crate::rules::{Role, RuleSet};
use crate::sla::Timer;
use crate::store::{ReadTx, StoreError};
use crate::ticket::{Priority, Status, Ticket, TicketId};

/// The figures page covers the tickets created in this many days, today included.
pub const FIGURES_DAYS: i64 = 14;
/// Rows a list shows; the rest are counted.
pub const LISTED: usize = 100;
/// Ticket ids mostly follow creation time, but the host's clock may step back: the
/// figures page starts its scan this much before the first id created in its window.
const CREATION_SLACK: SignedDuration = SignedDuration::from_hours(24);

/// The pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Queue,
    Agents,
    Sla,
    Figures,
    Ticket(TicketId),
}

/// The team member looking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// One ticket in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: TicketId,
    pub status: Status,
    pub priority: Priority,
    pub category: Option<String>,
    pub assignee: Option<u64>,
    pub created_at: Timestamp,
    /// The next SLA step due, and which clock.
    pub next_sla: Option<(Timestamp, DeadlineKind)>,
}

/// One team member on the agents page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub load: usize,
    pub capacity: u32,
    pub away: bool,
    pub on_duty: bool,
    /// The end of the current shift, when on duty with hours of their own or the desk's.
    pub shift_ends: Option<Timestamp>,
}

/// What one page shows.
#[derive(Debug)]
pub enum Body {
    Queue {
        /// Unassigned active tickets, oldest first, at most [`LISTED`].
        unassigned: Vec<Row>,
        unassigned_total: usize,
        /// The viewer's own active tickets, oldest first, at most [`LISTED`].
        mine: Vec<Row>,
        mine_total: usize,
    },
    Agents(Vec<AgentRow>),
    Sla {
        /// Active tickets with an SLA step ahead or past, soonest first, at most [`LISTED`].
        rows: Vec<Row>,
        total: usize,
        /// Active tickets without any SLA clock.
        without: usize,
        /// All of them by time left, as [`SLA_BUCKETS`] divides it.
        buckets: [u64; SLA_BUCKETS.len()],
    },
    Figures {
        report: Box<Report>,
        /// The days of the period, oldest first, as the report keys them (`2026-12-05`), so
        /// that a day without tickets shows as one.
        days: Vec<String>,
    },
    Ticket {
        ticket: Box<Ticket>,
        history: Vec<Entry>,
    },
    /// The ticket does not exist.
    NoTicket(TicketId),
}

/// A page's data, read in one transaction.
#[derive(Debug)]
pub struct View {
    pub now: Timestamp,
    pub viewer: Viewer,
    pub page: Page,
    pub body: Body,
}

/// Whether `viewer` may see `page`; for a ticket page, `assignee` is the ticket's.
pub fn allowed(viewer: &Viewer, page: Page, assignee: Option<u64>) -> bool {
    match (viewer.role, page) {
        (Role::Supervisor, _) | (Role::Agent, Page::Queue) => true,
        (Role::Agent, Page::Ticket(_)) => assignee.is_none_or(|agent| agent as i64 == viewer.id),
        (Role::Agent, Page::Agents | Page::Sla | Page::Figures) => false,
    }
}

/// Reads what `page` shows for `viewer` at `now`, all from `read`. `None`: the viewer may
/// not see it.
pub fn read(
    read: &ReadTx,
    rules: &RuleSet,
    viewer: Viewer,
    page: Page,
    now: Timestamp,
) -> Result<Option<View>, StoreError> {
    let body = match page {
        Page::Queue => {
            // The active tickets no team member holds (the assignee index has the others),
            // decoded to check and to sort: only these, however many tickets are held.
            let mut held = std::collections::BTreeSet::new();
            for agent in &rules.team().agents {
                held.extend(read.tickets_of_assignee(agent.id as u64)?);
            }
            // Sorted by what their facts records say (no ticket decoded); a ticket without a
            // current record is read whole. Only the listed ones are decoded.
            let mut unassigned = Vec::new();
            for id in active_ids(read)?.into_iter().filter(|id| !held.contains(id)) {
                if let Some((assignee, created_at)) = created_and_assignee(read, id)?
                    && assignee.is_none()
                {
                    unassigned.push((created_at, id));
                }
            }
            let (unassigned, unassigned_total) = oldest_rows(read, unassigned)?;
            let mut mine = Vec::new();
            for id in read.tickets_of_assignee(viewer.id as u64)? {
                if let Some((_, created_at)) = created_and_assignee(read, id)? {
                    mine.push((created_at, id));
                }
            }
            let (mine, mine_total) = oldest_rows(read, mine)?;
            Body::Queue { unassigned, unassigned_total, mine, mine_total }
        }
        Page::Agents if allowed(&viewer, page, None) => Body::Agents(agents(read, rules, now)?),
        Page::Sla if allowed(&viewer, page, None) => {
            // Every active ticket's next SLA step, from one scan of the deadline index; only
            // the listed ones are decoded.
            let next = next_sla_steps(read)?;
            let mut due = Vec::new();
            let mut without = 0;
            for id in active_ids(read)? {
                match next.get(&id) {
                    Some(step) => due.push((*step, id)),
                    None => without += 1,
                }
            }
            due.sort_by_key(|((at, _), id)| (*at, *id));
            let buckets = sla_buckets(due.iter().map(|((at, _), _)| *at), now);
            let mut rows = Vec::new();
            for (step, id) in due.iter().take(LISTED) {
                if let Some(ticket) = read.ticket(*id)? {
                    rows.push(Row { next_sla: Some(*step), ..row(read, &ticket)? });
                }
            }
            Body::Sla { rows, total: due.len(), without, buckets }
        }
        Page::Figures if allowed(&viewer, page, None) => {
            let (report, days) = figures(read, rules, now)?;
            Body::Figures { report: Box::new(report), days }
        }
        Page::Agents | Page::Sla | Page::Figures => return Ok(None),
        Page::Ticket(id) => match read.ticket(id)? {
            None => Body::NoTicket(id),
            Some(ticket) if allowed(&viewer, page, ticket.assignee) => {
                Body::Ticket { history: read.history(id)?, ticket: Box::new(ticket) }
            }
            Some(_) => return Ok(None),
        },
    };
    Ok(Some(View { now, viewer, page, body }))
}

/// The ticket's labels and facts from its facts record alone, without decoding the ticket;
/// `None` when it has no current record (written before labels were kept, say).
fn facts_of(read: &ReadTx, id: TicketId) -> Result<Option<(Labels, crate::metrics::Facts)>, StoreError> {
    let mut found = None;
    let seen = read.scan_facts(id.0..=id.0, |labels, facts| {
        found = Some((labels.clone(), facts.clone()));
        Ok::<_, StoreError>(())
    })?;
    Ok(seen.and(found))
}

/// The ticket's assignee and creation time, from its facts record when it has a current
/// one, else from the ticket; `None` for a ticket that is not there.
fn created_and_assignee(read: &ReadTx, id: TicketId) -> Result<Option<(Option<u64>, Timestamp)>, StoreError> {
    if let Some((labels, facts)) = facts_of(read, id)? {
        return Ok(Some((labels.assignee, facts.created_at)));
    }
    Ok(read.ticket(id)?.map(|ticket| (ticket.assignee, ticket.created_at)))
}

/// The rows of the oldest [`LISTED`] of `tickets` (creation time, id), oldest first, and how
/// many there are in all; only the listed tickets are decoded.
fn oldest_rows(
    read: &ReadTx,
    mut tickets: Vec<(Timestamp, TicketId)>,
) -> Result<(Vec<Row>, usize), StoreError> {
    tickets.sort_unstable();
    let mut rows = Vec::new();
    for (_, id) in tickets.iter().take(LISTED) {
        if let Some(ticket) = read.ticket(*id)? {
            rows.push(row(read, &ticket)?);
        }
    }
    Ok((rows, tickets.len()))
}

/// Active tickets (new, open, awaiting the customer), by id.
fn active_ids(read: &ReadTx) -> Result<Vec<TicketId>, StoreError> {
    let mut ids = Vec::new();
    for status in [Status::New, Status::Open, Status::AwaitingCustomer] {
        ids.extend(read.tickets_in_status(status)?);
    }
    ids.sort_unstable();
    Ok(ids)
}

/// The SLA risk chart's bars: a label and the most seconds left that falls in it.
pub const SLA_BUCKETS: [(&str, i64); 5] =
    [("over", 0), ("<1h", 3_600), ("1-4h", 14_400), ("4-24h", 86_400), ("later", i64::MAX)];

/// How many of the due times fall in each of [`SLA_BUCKETS`] at `now`.
pub fn sla_buckets(due: impl Iterator<Item = Timestamp>, now: Timestamp) -> [u64; SLA_BUCKETS.len()] {
    let mut counts = [0; SLA_BUCKETS.len()];
    for at in due {
        let left = at.as_second() - now.as_second();
        let bucket = SLA_BUCKETS.iter().position(|(_, upto)| left <= *upto).unwrap_or(SLA_BUCKETS.len() - 1);
        counts[bucket] += 1;
    }
    counts
}

/// Every ticket's earliest SLA deadline and its clock, from one scan of the deadline index
/// (which holds the deadlines of active tickets only).
fn next_sla_steps(read: &ReadTx) -> Result<HashMap<TicketId, (Timestamp, DeadlineKind)>, StoreError> {
    let mut next = HashMap::new();
    // Earliest first: the first row of a ticket is its next step.
    for deadline in read.due(Timestamp::MAX, usize::MAX)? {
        if let Timer::Ticket(
            id,
            kind @ (DeadlineKind::FirstResponse | DeadlineKind::NextResponse | DeadlineKind::Resolution),
        ) = deadline.timer
        {
            next.entry(id).or_insert((deadline.due, kind));
        }
    }
    Ok(next)
}

/// The ticket's earliest SLA deadline in the index, and its clock.
fn next_sla(read: &ReadTx, id: TicketId) -> Result<Option<(Timestamp, DeadlineKind)>, StoreError> {
    let mut next: Option<(Timestamp, DeadlineKind)> = None;
    for kind in [DeadlineKind::FirstResponse, DeadlineKind::NextResponse, DeadlineKind::Resolution] {
        if let Some(due) = read.deadline_of(Timer::Ticket(id, kind))?
            && next.is_none_or(|(soonest, _)| due < soonest)
        {
            next = Some((due, kind));
        }
    }
    Ok(next)
}

fn row(read: &ReadTx, ticket: &Ticket) -> Result<Row, StoreError> {
    let next_sla = next_sla(read, ticket.id)?;
    Ok(Row {
        id: ticket.id,
        status: ticket.status,
        priority: ticket.priority,
        category: ticket.category.clone(),
        assignee: ticket.assignee,
        created_at: ticket.created_at,
        next_sla,
    })
}

fn agents(read: &ReadTx, rules: &RuleSet, now: Timestamp) -> Result<Vec<AgentRow>, StoreError> {
    let mut rows = Vec::new();
    for agent in &rules.team().agents {
        let load = read.tickets_of_assignee(agent.id as u64)?.len();
        let away = read.counter(&format!("away:{}", agent.id))?.is_some_and(|flag| flag == 1);
        let on_duty = rules.on_duty(agent.id, now);
        rows.push(AgentRow {
            id: agent.id,
            name: agent.name.clone(),
            role: agent.role,
            load,
            capacity: agent.capacity,
            away,
            on_duty,
            shift_ends: if on_duty { rules.shift_end(agent.id, now) } else { None },
        });
    }
    Ok(rows)
}

/// The last [`FIGURES_DAYS`] days by day, through `metrics::Period` as `topicdesk report
/// --by day` computes them; the backlog over every active ticket.
fn figures(read: &ReadTx, rules: &RuleSet, now: Timestamp) -> Result<(Report, Vec<String>), StoreError> {
    let time_zone = jiff::tz::TimeZone::get(&rules.desk().timezone.value).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = now.to_zoned_datetime(time_zone.clone()).date();
    let days: Vec<jiff::civil::Date> = (0..FIGURES_DAYS)
        .rev()
        .filter_map(|back| today.checked_sub(jiff::Span::new().days(back)).ok())
        .collect();
    let since = days
        .first()
        .and_then(|first| first.to_zoned_datetime(time_zone.clone()).ok())
        .map_or(now - SignedDuration::from_hours(24 * FIGURES_DAYS), |start| start.timestamp());
    let days: Vec<String> = days.iter().map(|day| day.strftime("%Y-%m-%d").to_string()).collect();
    let mut period = Period::new(period_options(rules, since, now));
    let mut first = u64::MAX;
    let mut covered = false;
    if let Some((_, last)) = read.facts_ids()? {
        first = first_created_since(read, last, since - CREATION_SLACK)?;
        covered = read
            .scan_facts(first.., |labels, facts| {
                period.add(labels, facts);
                Ok::<_, StoreError>(())
            })?
            .is_some();
    }
    if !covered {
        // No facts table, or records from before labels: every ticket, as `report` reads them.
        period = Period::new(period_options(rules, since, now));
        read.for_each_ticket_facts(|ticket, facts| {
            let facts = match facts {
                Some(facts) => facts,
                None => crate::metrics::Facts::of_history(&read.history(ticket.id)?),
            };
            period.add(&Labels::of(&ticket), &facts);
            Ok::<_, StoreError>(())
        })?;
        return Ok((period.finish(Vec::new(), 0), days));
    }
    // Older tickets still active count in the backlog.
    for id in active_ids(read)? {
        if id.0 >= first {
            continue;
        }
        if let Some((labels, facts)) = facts_of(read, id)? {
            period.add(&labels, &facts);
        } else if let Some(ticket) = read.ticket(id)? {
            let facts = match read.facts(&ticket)? {
                Some(facts) => facts,
                None => crate::metrics::Facts::of_history(&read.history(id)?),
            };
            period.add(&Labels::of(&ticket), &facts);
        }
    }
    Ok((period.finish(Vec::new(), 0), days))
}

fn period_options(rules: &RuleSet, since: Timestamp, now: Timestamp) -> Options {
    let mut options = Options {
        since: Some(since),
        until: None,
        now,
        by: Some(GroupBy::Day),
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::new(),
        group_names: BTreeMap::new(),
    };
    crate::report::with_rules(&mut options, rules);
    options
}

/// The lowest ticket id created at or after `since`, found by bisection over the ids (which
/// follow creation time but for a clock stepping back, covered by the caller's slack); one past
/// `last` when every ticket is older.
fn first_created_since(read: &ReadTx, last: u64, since: Timestamp) -> Result<u64, StoreError> {
    let created = |id: u64| -> Result<Option<Timestamp>, StoreError> {
        Ok(read.ticket(TicketId(id))?.map(|ticket| ticket.created_at))
    };
    let (mut low, mut high) = (1, last + 1);
    while low < high {
        let middle = low + (high - low) / 2;
        // A missing id (none are removed today) counts as recent, which only widens the scan.
        if created(middle)?.is_some_and(|at| at < since) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_see_the_queue_and_their_own_or_unassigned_tickets_only() {
        let agent = Viewer { id: 7, name: "Eli".into(), role: Role::Agent };
        let supervisor = Viewer { id: 8, name: "Dana".into(), role: Role::Supervisor };
        let ticket = Page::Ticket(TicketId(1));
        assert!(allowed(&agent, Page::Queue, None));
        assert!(allowed(&agent, ticket, Some(7)));
        assert!(allowed(&agent, ticket, None));
        assert!(!allowed(&agent, ticket, Some(8)));
        for page in [Page::Agents, Page::Sla, Page::Figures] {
            assert!(!allowed(&agent, page, None), "{page:?}");
            assert!(allowed(&supervisor, page, None), "{page:?}");
        }
        assert!(allowed(&supervisor, ticket, Some(7)));
    }

    #[test]
    fn sla_buckets_split_by_time_left() {
        let now = Timestamp::from_second(100_000).unwrap();
        let at = |seconds: i64| now + SignedDuration::from_secs(seconds);
        let due = [at(-60), at(0), at(60), at(3_600), at(3_601), at(20_000), at(90_000)];
        assert_eq!(sla_buckets(due.into_iter(), now), [2, 2, 1, 1, 1]);
    }
}

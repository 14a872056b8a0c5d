//! The dispatcher carries out the outbound plan: it reads the outbox (with the topics and
//! copies the planner needs to know), asks the planner (`outbox::plan`) what to send now,
//! sends each planned call through `telegram::send`, records the answers in the budget
//! and hands the verdicts to the desk loop, which applies a batch of them in one store
//! transaction. What a call becomes on its way out (albums, coalesced texts, edits of
//! copies, where it goes) is the planner's decision, never made here. One call per queue is
//! in flight at a time, so per-chat (and per-topic) order holds.
//!
//! It counts every request with its answer and latency, and the outbox's depth as it
//! reads it; it beats busy through a round (read, plan, commit), idle while it waits for
//! answers, new entries or the budget.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{DeskInput, StaffChats};
use crate::http::{Health, Heartbeat, Metrics, OutboxDepth};
use crate::outbox::plan::{self, Place, per_entry};
use crate::outbox::{
    Budget, CopyOf, Known, Lane, Limits, Outbound, Outcome, Outgoing, Pending, Planned, Planner,
};
use crate::store::{ReadTx, Store, StoreError};
use crate::telegram::{Bot, CallAnswer, Verdict, send_seen};
use crate::ticket::TicketId;

/// How many outbox entries one round looks at.
const WINDOW: usize = 2_000;

pub struct Dispatcher {
    pub bot: Bot,
    pub store: Arc<Store>,
    pub staff: watch::Receiver<StaffChats>,
    pub limits: Limits,
    pub desk: mpsc::Sender<DeskInput>,
    pub outbox_changed: Arc<Notify>,
    pub stop: watch::Receiver<bool>,
    pub drain_for: Duration,
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    pub beat: Arc<Heartbeat>,
}

/// The messages the calls done added, per chat.
type Posted = Vec<(i64, u64)>;

/// What Telegram answered to one call, with the album parts it carried.
struct Answered {
    pending: Pending,
    /// When the budget let it go (milliseconds since the dispatcher started).
    planned: u64,
    verdict: Verdict,
    joined: Vec<(u64, i32)>,
    /// The chat the call went to and the messages it adds there when done.
    posts: (i64, u64),
}

/// Backoff while the store cannot be read (it is opening again after a failed write): the
/// first wait and the longest.
const READ_BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(30));

/// How long a shutdown waits, after the drain, for the answers to calls already sent.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(3);

/// Sends side by side, one call per queue: a queue with a call in flight offers nothing
/// else until that call's verdict is committed, while every other queue goes on. A slow or
/// failing call thus holds only its own queue.
pub async fn run(mut d: Dispatcher) {
    let started = Instant::now();
    let elapsed_ms = || started.elapsed().as_millis() as u64;
    let mut budget = Budget::new(d.limits);
    let mut planner = Planner::default();
    let mut deadline: Option<Instant> = None;
    let mut sends: JoinSet<Answered> = JoinSet::new();
    // What each send task carries, so even a task that panicked frees its queue and budget.
    let mut in_flight: HashMap<tokio::task::Id, (Pending, u64)> = HashMap::new();
    let mut token_refused = false;
    let mut read_backoff = READ_BACKOFF.0;
    let mut mirror = Mirror::default();
    loop {
        d.beat.busy();
        if deadline.is_none() && *d.stop.borrow() {
            deadline = Some(Instant::now() + d.drain_for);
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            // Calls in flight may have reached Telegram already: their verdicts are committed
            // before stopping, so none goes twice after a restart. A call Telegram does not
            // answer within the grace stays in the outbox and goes again at the next start.
            let grace = Instant::now() + IN_FLIGHT_GRACE;
            while let Ok(Some(first)) = tokio::time::timeout_at(grace, sends.join_next_with_id()).await {
                let (results, posted) = collect(first, &mut sends, &mut in_flight, &mut budget, started);
                if !commit(&d, results, posted, &mut mirror).await {
                    return;
                }
            }
            return;
        }
        let staff = d.staff.borrow().clone();
        let snapshot = match read_outbox(&d.store, &staff, &mut mirror) {
            Ok(snapshot) => {
                read_backoff = READ_BACKOFF.0;
                d.metrics.outbox(&depth(&mirror.entries, &staff, snapshot.entries));
                snapshot
            }
            // The store is being opened again after a failed write (a full disk): wait for it.
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, retry_in = ?read_backoff, "cannot read the outbox; trying again");
                d.beat.idle();
                tokio::select! {
                    () = tokio::time::sleep(read_backoff) => {}
                    _ = d.stop.changed(), if deadline.is_none() => {}
                }
                read_backoff = (read_backoff * 2).min(READ_BACKOFF.1);
                continue;
            }
            // Anything else is damage the dispatcher cannot get past: it ends, and with it
            // the host, non-zero, rather than leave a desk that never sends.
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox");
                return;
            }
        };
        let busy: HashSet<u64> = in_flight.values().map(|(pending, _)| pending.queue).collect();
        let now_ms = elapsed_ms();
        let Outbound { send: to_send, settled, wake_at, waiting } = {
            let known = Known {
                current: &|chat_id| staff.current(chat_id),
                topics: &snapshot.topics,
                copies: &snapshot.copies,
                busy: &busy,
            };
            planner.plan(&mirror.entries, &known, &mut budget, now_ms)
        };
        if !settled.is_empty() {
            let results = settled.into_iter().map(|seq| (seq, Verdict::Done { delivery: None })).collect();
            if !commit(&d, results, Vec::new(), &mut mirror).await {
                return;
            }
            continue;
        }
        if deadline.is_some() && !waiting && sends.is_empty() {
            return;
        }
        let sent_any = !to_send.is_empty();
        for p in to_send {
            let pending = p.pending;
            let task = sends.spawn(send_counted(&d, p, &snapshot.doors, now_ms));
            in_flight.insert(task.id(), (pending, now_ms));
        }
        if sent_any {
            // Look again at once: the queues just sent from now wait, the others may go.
            continue;
        }
        let wake = wake_at.map(|at| started + Duration::from_millis(at));
        let until = match (wake, deadline) {
            (Some(w), Some(dl)) => Some(w.min(dl)),
            (w, dl) => w.or(dl),
        };
        d.beat.idle();
        tokio::select! {
            Some(first) = sends.join_next_with_id(), if !sends.is_empty() => {
                d.beat.busy();
                let (results, posted) = collect(first, &mut sends, &mut in_flight, &mut budget, started);
                watch_token(&mut token_refused, &budget);
                if !commit(&d, results, posted, &mut mirror).await {
                    return;
                }
            }
            () = d.outbox_changed.notified() => {}
            () = sleep_until(until) => {}
            _ = d.stop.changed(), if deadline.is_none() => {}
        }
    }
}

/// Sends one planned call (`planned` when the budget let it go) and counts it.
fn send_counted(
    d: &Dispatcher,
    p: Planned,
    doors: &HashMap<i64, String>,
    planned: u64,
) -> impl Future<Output = Answered> + use<> {
    let door = doors.get(&p.place.chat_id).cloned();
    let posts = (p.place.chat_id, p.call.posts(p.joined.len()));
    let (bot, metrics, health) = (d.bot.clone(), d.metrics.clone(), d.health.clone());
    async move {
        let sent = Instant::now();
        let (verdict, seen) =
            send_seen(&bot, &p.call, p.place, door.as_deref(), p.ticket, jiff::Timestamp::now()).await;
        if let Some(seen) = seen {
            metrics.telegram_call(seen, sent.elapsed());
            if seen.answer == CallAnswer::Ok {
                health.telegram_answered();
            }
        }
        Answered { pending: p.pending, planned, verdict, joined: p.joined, posts }
    }
}

/// Says loudly when Telegram starts refusing the bot's token (401), and when it accepts it
/// again: once per outage, not once per call.
fn watch_token(refused: &mut bool, budget: &Budget) {
    let now = budget.unauthorized();
    if now && !*refused {
        tracing::error!(
            "Telegram refuses the bot's token (401 Unauthorized): was it revoked in BotFather? Nothing \
             can be sent; calls wait in the outbox and go out once the token is accepted again"
        );
    } else if !now && *refused {
        tracing::warn!("Telegram accepts the bot's token again; sending what waited");
    }
    *refused = now;
}

/// A finished send task.
type Joined = Result<(tokio::task::Id, Answered), tokio::task::JoinError>;

/// Takes `first` and every other send already answered, records them in the budget and
/// returns their verdicts per outbox entry, with the messages the calls done added to each
/// chat.
fn collect(
    first: Joined,
    sends: &mut JoinSet<Answered>,
    in_flight: &mut HashMap<tokio::task::Id, (Pending, u64)>,
    budget: &mut Budget,
    started: Instant,
) -> (Vec<(u64, Verdict)>, Posted) {
    let mut answered = Vec::new();
    let mut next = Some(first);
    // Rounded up: a send counts in its windows from no earlier than its answer.
    let done_ms = started.elapsed().as_micros().div_ceil(1_000) as u64;
    while let Some(joined) = next {
        match joined {
            Ok((id, result)) => {
                in_flight.remove(&id);
                answered.push(result);
            }
            Err(error) => {
                tracing::error!(%error, "a send task failed; its call stays queued");
                if let Some((pending, planned)) = in_flight.remove(&error.id()) {
                    budget.record(&pending, Outcome::Transient, planned, done_ms, fastrand::f64());
                }
            }
        }
        next = sends.try_join_next_with_id();
    }
    for a in &answered {
        let outcome = match a.verdict {
            Verdict::Done { .. } => Outcome::Sent,
            Verdict::Retry { outcome, .. } => outcome,
        };
        budget.record(&a.pending, outcome, a.planned, done_ms, fastrand::f64());
    }
    let mut posted: Posted = Vec::new();
    for a in &answered {
        let (chat, messages) = a.posts;
        if messages == 0 || !matches!(a.verdict, Verdict::Done { .. }) {
            continue;
        }
        match posted.iter_mut().find(|(own, _)| *own == chat) {
            Some((_, count)) => *count += messages,
            None => posted.push((chat, messages)),
        }
    }
    let verdicts =
        answered.into_iter().flat_map(|a| per_entry(a.pending.seq, a.verdict, &a.joined)).collect();
    (verdicts, posted)
}

/// Hands verdicts to the desk loop and waits for their commit; false once it has stopped.
/// Once committed, the calls done have left the outbox, and `mirror` forgets them too.
async fn commit(d: &Dispatcher, results: Vec<(u64, Verdict)>, posted: Posted, mirror: &mut Mirror) -> bool {
    let done: HashSet<u64> = results
        .iter()
        .filter(|(_, verdict)| matches!(verdict, Verdict::Done { .. }))
        .map(|(seq, _)| *seq)
        .collect();
    let (ack, committed) = oneshot::channel();
    let ok =
        d.desk.send(DeskInput::Results { results, posted, ack }).await.is_ok() && committed.await.is_ok();
    if ok {
        mirror.forget(&done);
    }
    ok
}

/// The oldest outbox entries as the dispatcher last read them, each decoded once: a round
/// reads only what was queued since the last one. An entry leaves the outbox only in the
/// commit of its verdict, which the dispatcher itself hands over and waits for, so the
/// mirror stays what the store holds.
#[derive(Default)]
struct Mirror {
    /// In outbox order, at most [`WINDOW`].
    entries: Vec<(u64, Outgoing)>,
    /// The first sequence number not read yet.
    next: u64,
    /// The store's count of erasures from the outbox when last read: when it moves, entries
    /// kept here may have been erased (a customer forgotten) and must not go out.
    erasures: Option<u64>,
}

impl Mirror {
    /// Reads what was queued since the last read, as far as the window has room; an entry
    /// that does not decode is logged once and left in the store for inspection.
    fn catch_up(&mut self, read: &ReadTx) -> Result<(), StoreError> {
        let erasures = read.counter(crate::store::OUTBOX_ERASURES)?;
        if erasures != self.erasures {
            self.erasures = erasures;
            if let Some(&(first, _)) = self.entries.first() {
                let still: HashSet<u64> = read
                    .outbox_from(first, WINDOW)?
                    .into_iter()
                    .map(|(seq, _)| seq)
                    .take_while(|seq| *seq < self.next)
                    .collect();
                self.entries.retain(|(seq, _)| still.contains(seq));
            }
        }
        let room = WINDOW.saturating_sub(self.entries.len());
        if room == 0 {
            return Ok(());
        }
        for (seq, outgoing) in read.outbox_from(self.next, room)? {
            self.next = seq + 1;
            match outgoing {
                Ok(outgoing) => self.entries.push((seq, outgoing)),
                Err(error) => {
                    tracing::error!(seq, %error, "an outbox entry does not decode; it stays for inspection");
                }
            }
        }
        Ok(())
    }

    fn forget(&mut self, done: &HashSet<u64>) {
        if !done.is_empty() {
            self.entries.retain(|(seq, _)| !done.contains(seq));
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What the planner needs to know of the store about the outbox's first entries.
struct Snapshot {
    topics: HashMap<TicketId, Place>,
    copies: HashMap<(i64, i32), CopyOf>,
    /// The private chats among the calls' that are reached through a Telegram Business
    /// connection (the customer wrote to a business account), with that connection.
    doors: HashMap<i64, String>,
    /// Every entry of the outbox, beyond the window too.
    entries: u64,
}

/// The outbox's depth for the metrics: `entries` in all, and the window's by chat kind
/// and lane, its queues (a private chat; in the staff chat, a ticket's topic or General)
/// and the fullest of them.
fn depth(window: &[(u64, Outgoing)], staff: &StaffChats, entries: u64) -> OutboxDepth {
    let mut depth = OutboxDepth { entries, ..OutboxDepth::default() };
    let mut queues: HashMap<(i64, Option<TicketId>), u64> = HashMap::new();
    for (_, outgoing) in window {
        let chat_id = staff.current(outgoing.chat_id);
        let kind = usize::from(!staff.is_staff(chat_id));
        let lane = match outgoing.lane {
            Lane::Message => 0,
            Lane::Cosmetic => 1,
        };
        depth.window[kind][lane] += 1;
        let ticket = if staff.is_staff(chat_id) { outgoing.ticket } else { None };
        *queues.entry((chat_id, ticket)).or_default() += 1;
    }
    depth.queues = queues.len() as u64;
    depth.deepest = queues.values().copied().max().unwrap_or(0);
    depth
}

/// Brings `mirror` up to date with the outbox and reads the topics its calls go to and the
/// copies its edits apply to.
fn read_outbox(store: &Store, groups: &StaffChats, mirror: &mut Mirror) -> Result<Snapshot, StoreError> {
    let read = store.read()?;
    mirror.catch_up(&read)?;
    let entries = &mirror.entries;
    let mut topics = HashMap::new();
    for ticket in plan::topics_named(entries) {
        if let Some(topic) = read.ticket(ticket)?.and_then(|t| t.topic) {
            // A topic's chat as of now: the group's, should Telegram have moved it.
            topics.insert(
                ticket,
                Place { chat_id: groups.current(topic.chat_id), thread: Some(topic.thread_id) },
            );
        }
    }
    let mut copies = HashMap::new();
    for (source, chat) in plan::edited_sources(entries, &topics) {
        if let Some(copy) = copy_of(&read, chat, source)? {
            copies.insert(source, copy);
        }
    }
    let mut doors = HashMap::new();
    for (_, outgoing) in entries {
        if outgoing.chat_id > 0
            && !doors.contains_key(&outgoing.chat_id)
            && let Some(door) = read.door(outgoing.chat_id.cast_unsigned())?
        {
            doors.insert(outgoing.chat_id, door);
        }
    }
    Ok(Snapshot { topics, copies, doors, entries: read.outbox_len()? })
}

/// The newest copy of `source` in `chat` (should the message have been sent again, to a
/// recreated topic) and the messages of the source's chat that copy carries, in order.
fn copy_of(read: &ReadTx, chat: i64, source: (i64, i32)) -> Result<Option<CopyOf>, StoreError> {
    let copies = read.counterparts(source)?.into_iter().filter(|(to, _)| *to == chat);
    let Some(copy) = copies.map(|(_, id)| id).max() else { return Ok(None) };
    let mut sources: Vec<i32> = read
        .counterparts((chat, copy))?
        .into_iter()
        .filter(|(chat, _)| *chat == source.0)
        .map(|(_, id)| id)
        .collect();
    sources.sort_unstable();
    Ok(Some(CopyOf { copy, sources }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Call;

    fn entry(chat_id: i64, lane: Lane, ticket: Option<u64>) -> (u64, Outgoing) {
        let call = Call::DeleteMessage { chat_id, message_id: 1 };
        (0, Outgoing { chat_id, lane, ticket: ticket.map(TicketId), call })
    }

    #[test]
    fn depth_counts_by_chat_kind_and_lane_and_finds_the_fullest_queue() {
        let mut staff = StaffChats::single(-50);
        staff.moved(-50, -100);
        let window = [
            entry(-100, Lane::Message, Some(1)),
            entry(-100, Lane::Cosmetic, Some(1)),
            // The staff chat's former id is the staff chat: the same topic's queue.
            entry(-50, Lane::Message, Some(1)),
            entry(-100, Lane::Message, Some(2)),
            entry(-100, Lane::Message, None),
            entry(7, Lane::Message, Some(1)),
            entry(7, Lane::Message, Some(1)),
            entry(8, Lane::Cosmetic, None),
        ];
        let depth = depth(&window, &staff, 5_000);
        assert_eq!(depth, OutboxDepth { entries: 5_000, window: [[4, 1], [2, 1]], queues: 5, deepest: 3 });
        assert_eq!(super::depth(&[], &staff, 0), OutboxDepth::default());
    }
}

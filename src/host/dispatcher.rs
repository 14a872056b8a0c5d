//! The dispatcher: reads the outbox, asks the budget what may go now, sends it, and hands
//! the verdicts to the desk loop. One call per queue is in flight at a time, so per-chat
//! (and per-topic) order holds; the budget keeps Telegram's limits. On the way out it
//! joins what belongs together: an album's parts (held a moment, as they may come in two
//! pages), and customer texts while the staff group's budget is short; a customer's edit
//! is turned into what it does to its copy once that copy is known.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{DeskInput, StaffChat};
use crate::outbox::{Budget, Call, Delivery, Lane, Limits, Outcome, Pending, Report, Target, coalesce};
use crate::store::{ReadTx, Store, StoreError};
use crate::telegram::{Bot, Place, Verdict, send};
use crate::ticket::TicketId;

/// How many outbox entries one round looks at.
const WINDOW: usize = 2_000;

pub struct Dispatcher {
    pub bot: Bot,
    pub store: Arc<Store>,
    pub staff: watch::Receiver<StaffChat>,
    pub limits: Limits,
    pub desk: mpsc::Sender<DeskInput>,
    pub outbox_changed: Arc<Notify>,
    pub stop: watch::Receiver<bool>,
    pub drain_for: Duration,
}

/// An outbox entry ready to go, with where it goes.
struct Ready {
    pending: Pending,
    call: Call,
    place: Place,
    ticket: Option<TicketId>,
    /// Later entries that go with this call, parts of the same album or customer texts
    /// coalesced with it: (outbox sequence, source message id), in order.
    joined: Vec<(u64, i32)>,
    /// The texts of a run of customer text messages coalesced into one, the head's first.
    texts: Vec<String>,
}

/// What Telegram answered to one call, with the album parts it carried.
struct Answered {
    pending: Pending,
    /// When the budget let it go (milliseconds since the dispatcher started).
    planned: u64,
    verdict: Verdict,
    joined: Vec<(u64, i32)>,
}

/// Telegram's largest album.
const ALBUM_MAX: usize = 10;

/// Backoff while the store cannot be read (it is opening again after a failed write): the
/// first wait and the longest.
const READ_BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(30));

/// How long a shutdown waits, after the drain, for the answers to calls already sent.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(3);

/// How long an album stays unchanged in the outbox before it goes: its parts can arrive in
/// two pages of updates, and copying the first page's parts at once would split it.
const ALBUM_QUIET_MS: u64 = 1_000;

/// Albums seen in the outbox: (source chat, album id) -> (parts queued, since when).
#[derive(Debug, Default)]
struct Albums {
    seen: HashMap<(i64, String), (usize, u64)>,
}

/// Sends side by side, one call per queue: a queue with a call in flight offers nothing
/// else until that call's verdict is committed, while every other queue goes on. A slow or
/// failing call thus holds only its own queue.
pub async fn run(mut d: Dispatcher) {
    let started = Instant::now();
    let elapsed_ms = || started.elapsed().as_millis() as u64;
    let mut budget = Budget::new(d.limits);
    let mut deadline: Option<Instant> = None;
    let mut sends: JoinSet<Answered> = JoinSet::new();
    // What each send task carries, so even a task that panicked frees its queue and budget.
    let mut in_flight: HashMap<tokio::task::Id, (Pending, u64)> = HashMap::new();
    let mut albums = Albums::default();
    let mut token_refused = false;
    let mut read_backoff = READ_BACKOFF.0;
    loop {
        if deadline.is_none() && *d.stop.borrow() {
            deadline = Some(Instant::now() + d.drain_for);
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            // Calls in flight may have reached Telegram already: their verdicts are committed
            // before stopping, so none goes twice after a restart. A call Telegram does not
            // answer within the grace stays in the outbox and goes again at the next start.
            let grace = Instant::now() + IN_FLIGHT_GRACE;
            while let Ok(Some(first)) = tokio::time::timeout_at(grace, sends.join_next_with_id()).await {
                let results = collect(first, &mut sends, &mut in_flight, &mut budget, started);
                if !commit(&d, results).await {
                    return;
                }
            }
            return;
        }
        let busy: HashSet<u64> = in_flight.values().map(|(pending, _)| pending.queue).collect();
        let now_ms = elapsed_ms();
        let staff = d.staff.borrow().clone();
        let staff_room = budget.room(staff.id, now_ms);
        let found = look(&d, &staff, &busy, staff_room).map(|found| hold_albums(found, &mut albums, now_ms));
        let Look { pending, mut ready, settled, hold_until } = match found {
            Ok(found) => {
                read_backoff = READ_BACKOFF.0;
                found
            }
            // The store is being opened again after a failed write (a full disk): wait for it.
            Err(error) if error.is_unavailable() => {
                tracing::warn!(%error, retry_in = ?read_backoff, "cannot read the outbox; trying again");
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
        if !settled.is_empty() {
            let results = settled.into_iter().map(|seq| (seq, Verdict::Done { delivery: None })).collect();
            if !commit(&d, results).await {
                return;
            }
            continue;
        }
        if deadline.is_some() && pending.is_empty() && sends.is_empty() {
            return;
        }
        let plan = budget.plan(&pending, now_ms);
        for r in plan.send.iter().filter_map(|seq| ready.remove(seq)) {
            let bot = d.bot.clone();
            let pending = r.pending;
            let task = sends.spawn(async move {
                let verdict = send(&bot, &r.call, r.place, r.ticket, jiff::Timestamp::now()).await;
                Answered { pending: r.pending, planned: now_ms, verdict, joined: r.joined }
            });
            in_flight.insert(task.id(), (pending, now_ms));
        }
        if !plan.send.is_empty() {
            // Look again at once: the queues just sent from now wait, the others may go.
            continue;
        }
        let wake = match (plan.wake_at, hold_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wake = wake.map(|at| started + Duration::from_millis(at));
        let until = match (wake, deadline) {
            (Some(w), Some(dl)) => Some(w.min(dl)),
            (w, dl) => w.or(dl),
        };
        tokio::select! {
            Some(first) = sends.join_next_with_id(), if !sends.is_empty() => {
                let results = collect(first, &mut sends, &mut in_flight, &mut budget, started);
                watch_token(&mut token_refused, &budget);
                if !commit(&d, results).await {
                    return;
                }
            }
            () = d.outbox_changed.notified() => {}
            () = sleep_until(until) => {}
            _ = d.stop.changed(), if deadline.is_none() => {}
        }
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
/// returns their verdicts per outbox entry.
fn collect(
    first: Joined,
    sends: &mut JoinSet<Answered>,
    in_flight: &mut HashMap<tokio::task::Id, (Pending, u64)>,
    budget: &mut Budget,
    started: Instant,
) -> Vec<(u64, Verdict)> {
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
    answered.into_iter().flat_map(|a| per_entry(a.pending.seq, a.verdict, &a.joined)).collect()
}

/// Hands verdicts to the desk loop and waits for their commit; false once it has stopped.
async fn commit(d: &Dispatcher, results: Vec<(u64, Verdict)>) -> bool {
    let (ack, committed) = oneshot::channel();
    d.desk.send(DeskInput::Results { results, ack }).await.is_ok() && committed.await.is_ok()
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The outbox as the budget sees it, and the entries that could go now with their places.
/// A queue whose head cannot be placed yet (its topic is being created) waits whole; a
/// queue with a call in flight (`busy`) offers nothing. When more messages wait for the
/// staff chat than its budget admits now (`staff_room`), consecutive customer texts of a
/// topic go as one message.
fn look(
    d: &Dispatcher,
    staff: &StaffChat,
    busy: &HashSet<u64>,
    staff_room: usize,
) -> Result<Look, StoreError> {
    let staff_chat = staff.id;
    let read = d.store.read()?;
    let entries = decoded(&read)?;
    // While a ticket's topic is being created (again, after it was deleted), what is queued
    // for the topic waits: the new topic opens with its card, then the rest follows in order.
    let creating: HashSet<TicketId> = entries.iter().filter_map(|(_, _, call)| creation_of(call)).collect();
    let waiting_for_staff = entries
        .iter()
        .filter(|(_, outgoing, call)| {
            outgoing.lane == Lane::Message && staff.current(budget_chat(call, staff_chat)) == staff_chat
        })
        .count();
    let short = waiting_for_staff > staff_room;
    let mut pending = Vec::new();
    let mut ready: HashMap<u64, Ready> = HashMap::new();
    let mut blocked: HashSet<u64> = HashSet::new();
    let mut topics: HashMap<TicketId, Option<i32>> = HashMap::new();
    let mut last_of_queue: HashMap<u64, u64> = HashMap::new();
    let mut settled = Vec::new();
    let mut first_messages: HashSet<u64> = HashSet::new();
    for (seq, outgoing, call) in entries {
        let key = queue_key(seq, &call);
        if key.0 == TOPIC_QUEUE && creating.contains(&TicketId(key.1 as u64)) {
            continue;
        }
        let queue = queue_of(key);
        if blocked.contains(&queue) || busy.contains(&queue) {
            continue;
        }
        // The next part of an album right behind its earlier parts goes in the same call,
        // so the copy stays one album.
        if let Some(head) = last_of_queue.get(&queue).and_then(|head| ready.get_mut(head))
            && let Some(message_id) = album_part(&head.call, &call)
        {
            head.joined.push((seq, message_id));
            let next_media = match &call {
                Call::Copy { media, .. } => media.first().cloned(),
                _ => None,
            };
            if let Call::Copy { message_ids, media, .. } = &mut head.call {
                // The files travel along only while every part's file is known.
                match next_media {
                    Some(next) if media.len() == message_ids.len() => media.push(next),
                    _ => media.clear(),
                }
                message_ids.push(message_id);
            }
            continue;
        }
        if short
            && let Some(head) = last_of_queue.get(&queue).and_then(|head| ready.get_mut(head))
            && let Some((message_id, text)) = text_part(head, &call)
        {
            head.joined.push((seq, message_id));
            head.texts.push(text);
            continue;
        }
        last_of_queue.insert(queue, seq);
        let head_of_queue = outgoing.lane == Lane::Message && first_messages.insert(queue);
        let call = match call {
            // An edit is looked up only once everything before it in its queue has gone.
            Call::EditRelayed { source, ticket, text, text_message } if head_of_queue => {
                let Some(edit) = edit_of_copy(&read, staff_chat, ticket, source, &text, text_message)? else {
                    settled.push(seq);
                    continue;
                };
                edit
            }
            call => call,
        };
        let mut topic_of = |ticket: TicketId| -> Result<Option<i32>, StoreError> {
            if let Some(known) = topics.get(&ticket) {
                return Ok(*known);
            }
            let thread = read.ticket(ticket)?.and_then(|t| t.topic).map(|t| t.thread_id);
            topics.insert(ticket, thread);
            Ok(thread)
        };
        let Some(mut place) = place_of(&call, staff_chat, &mut topic_of)? else {
            blocked.insert(queue);
            continue;
        };
        place.chat_id = staff.current(place.chat_id);
        let chat_id = staff.current(budget_chat(&call, staff_chat));
        let entry = Pending { seq, chat_id, queue, lane: outgoing.lane };
        pending.push(entry);
        let texts = match &call {
            Call::Copy { text: Some(text), album: None, .. } => vec![text.clone()],
            _ => Vec::new(),
        };
        ready.insert(
            seq,
            Ready { pending: entry, call, place, ticket: outgoing.ticket, joined: Vec::new(), texts },
        );
    }
    for r in ready.values_mut().filter(|r| r.texts.len() > 1) {
        r.call = coalesced(&r.call, &r.texts);
    }
    Ok(Look { pending, ready, settled, hold_until: None })
}

/// The outbox's first entries that decode; one that does not is logged and left queued.
fn decoded(read: &ReadTx) -> Result<Vec<(u64, crate::outbox::Outgoing, Call)>, StoreError> {
    let mut entries = Vec::new();
    for (seq, outgoing) in read.outbox(WINDOW)? {
        match outgoing {
            Ok(outgoing) => entries.push((seq, outgoing.clone(), outgoing.call)),
            Err(error) => {
                tracing::error!(seq, %error, "an outbox entry does not decode; it stays for inspection");
            }
        }
    }
    Ok(entries)
}

/// Holds back each queue whose head is an album still filling up (see [`Albums::hold`]).
fn hold_albums(mut found: Look, albums: &mut Albums, now: u64) -> Look {
    let mut present = HashSet::new();
    let mut held = HashSet::new();
    for r in found.ready.values() {
        if let Call::Copy { from_chat, message_ids, album: Some(album), .. } = &r.call {
            let key = (*from_chat, album.clone());
            if let Some(until) = albums.hold(&key, message_ids.len(), now) {
                held.insert(r.pending.queue);
                found.hold_until = Some(found.hold_until.map_or(until, |at| at.min(until)));
            }
            present.insert(key);
        }
    }
    albums.seen.retain(|key, _| present.contains(key));
    found.pending.retain(|p| !held.contains(&p.queue));
    found.ready.retain(|_, r| !held.contains(&r.pending.queue));
    found
}

impl Albums {
    /// When an album with `parts` parts queued may go: `None` now (it is full, or no part
    /// joined it for a quiet while), else the time to look again.
    fn hold(&mut self, key: &(i64, String), parts: usize, now: u64) -> Option<u64> {
        if parts >= ALBUM_MAX {
            return None;
        }
        let seen = self.seen.entry(key.clone()).or_insert((parts, now));
        if seen.0 != parts {
            *seen = (parts, now);
        }
        let quiet_from = seen.1 + ALBUM_QUIET_MS;
        (now < quiet_from).then_some(quiet_from)
    }
}

/// What one look at the outbox found.
struct Look {
    /// The entries as the budget sees them.
    pending: Vec<Pending>,
    /// The entries that could go now, with their places.
    ready: HashMap<u64, Ready>,
    /// Entries with nothing left to send (an edit of a message never relayed).
    settled: Vec<u64>,
    /// When an album held back because it may still be filling up can go.
    hold_until: Option<u64>,
}

/// What a customer's edit of `source` becomes now that everything queued before it went:
/// an edit of its copy in the staff chat or a note replying to it; `None` when the message
/// was never relayed there.
fn edit_of_copy(
    read: &ReadTx,
    staff_chat: i64,
    ticket: TicketId,
    source: (i64, i32),
    text: &str,
    text_message: bool,
) -> Result<Option<Call>, StoreError> {
    let copies = read.counterparts(source)?.into_iter().filter(|(chat, _)| *chat == staff_chat);
    // The newest copy, should the message have been sent again (a recreated topic).
    let Some(copy) = copies.map(|(_, id)| id).max() else { return Ok(None) };
    let mut sources: Vec<i32> = read
        .counterparts((staff_chat, copy))?
        .into_iter()
        .filter(|(chat, _)| *chat == source.0)
        .map(|(_, id)| id)
        .collect();
    sources.sort_unstable();
    let part = sources.iter().position(|id| *id == source.1).map_or(1, |index| index + 1);
    let edit = coalesce::CopyEdit { text, text_message, part, parts: sources.len().max(1) };
    Ok(Some(coalesce::edit_of_copy(ticket, staff_chat, copy, &edit)))
}

/// The source message id and text of `next` when it continues the run of customer texts
/// `head` starts: plain text copies from the same chat to the same place, `next` replying
/// to nothing (a reply keeps its own message), all of it fitting in one message.
fn text_part(head: &Ready, next: &Call) -> Option<(i32, String)> {
    let (
        Call::Copy { from_chat, to, album: None, text: Some(_), .. },
        Call::Copy {
            from_chat: next_from,
            message_ids: next_ids,
            to: next_to,
            album: None,
            reply_to: None,
            text: Some(next_text),
            report: Some(Report::Relay { .. }),
            media: _,
            caption: None,
        },
    ) = (&head.call, next)
    else {
        return None;
    };
    let &[next_id] = next_ids.as_slice() else { return None };
    let mut texts: Vec<&str> = head.texts.iter().map(String::as_str).collect();
    texts.push(next_text);
    (from_chat == next_from && to == next_to && coalesce::fits(&texts)).then(|| (next_id, next_text.clone()))
}

/// The one message a run of customer texts goes out as: the head's place, reply and report.
fn coalesced(head: &Call, texts: &[String]) -> Call {
    let Call::Copy { to, reply_to, report, .. } = head else { return head.clone() };
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Call::SendText {
        to: *to,
        text: coalesce::combine(&texts),
        reply_to: *reply_to,
        buttons: Vec::new(),
        report: *report,
    }
}

/// The source message id of `next` when it continues the album `head` copies: both copy
/// parts of one album from the same chat to the same place, in order, within Telegram's
/// album size.
fn album_part(head: &Call, next: &Call) -> Option<i32> {
    let (
        Call::Copy { from_chat, message_ids, to, album: Some(album), .. },
        Call::Copy {
            from_chat: next_from, message_ids: next_ids, to: next_to, album: Some(next_album), ..
        },
    ) = (head, next)
    else {
        return None;
    };
    let (&[next_id], Some(&last)) = (next_ids.as_slice(), message_ids.last()) else { return None };
    let continues = from_chat == next_from && to == next_to && album == next_album && next_id > last;
    (continues && message_ids.len() < ALBUM_MAX).then_some(next_id)
}

/// The verdict on a call, for each outbox entry it carried: an album sent as one call
/// links each part to its own copy, so edits and replies map part by part.
fn per_entry(seq: u64, verdict: Verdict, joined: &[(u64, i32)]) -> Vec<(u64, Verdict)> {
    if joined.is_empty() {
        return vec![(seq, verdict)];
    }
    if let Verdict::Done { delivery: Some(Delivery::Relayed { source, copies }) } = &verdict
        && (copies.len() == joined.len() + 1 || copies.len() == 1)
    {
        // An album's parts each have their own copy; coalesced texts share the one.
        let sources = std::iter::once((seq, source.1)).chain(joined.iter().copied());
        return sources
            .zip(copies.iter().cycle())
            .map(|((seq, message_id), copy)| {
                let delivery = Delivery::Relayed { source: (source.0, message_id), copies: vec![*copy] };
                (seq, Verdict::Done { delivery: Some(delivery) })
            })
            .collect();
    }
    let rest = match &verdict {
        Verdict::Done { .. } => Verdict::Done { delivery: None },
        Verdict::Retry { outcome, .. } => Verdict::Retry { outcome: *outcome, delivery: None },
    };
    let mut all = vec![(seq, verdict)];
    all.extend(joined.iter().map(|(seq, _)| (*seq, rest.clone())));
    all
}

fn place_of(
    call: &Call,
    staff_chat: i64,
    topic_of: &mut impl FnMut(TicketId) -> Result<Option<i32>, StoreError>,
) -> Result<Option<Place>, StoreError> {
    let in_topic = |thread: Option<i32>| thread.map(|t| Place { chat_id: staff_chat, thread: Some(t) });
    Ok(match call {
        Call::SendText { to, .. } | Call::Copy { to, .. } | Call::SendFile { to, .. } => match to {
            Target::Chat { chat_id } => Some(Place { chat_id: *chat_id, thread: None }),
            Target::Topic { ticket } => in_topic(topic_of(*ticket)?),
        },
        Call::EditTopic { ticket, .. }
        | Call::CloseTopic { ticket }
        | Call::ReopenTopic { ticket }
        | Call::EditRelayed { ticket, .. } => in_topic(topic_of(*ticket)?),
        Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. }
        | Call::Pin { chat_id, .. }
        | Call::CreateTopic { chat_id, .. } => Some(Place { chat_id: *chat_id, thread: None }),
        Call::AnswerButton { .. } => Some(Place { chat_id: 0, thread: None }),
    })
}

/// Kinds of queue: what goes into a ticket's topic, the topic's creation with its card,
/// a chat, a button's answer.
const TOPIC_QUEUE: u8 = 1;
const CREATION_QUEUE: u8 = 2;

/// The ticket whose topic's creation `call` belongs to: creating it, or posting its card.
fn creation_of(call: &Call) -> Option<TicketId> {
    match call {
        Call::CreateTopic { ticket, .. }
        | Call::SendText { to: Target::Topic { ticket }, report: Some(Report::Card { .. }), .. } => {
            Some(*ticket)
        }
        _ => None,
    }
}

/// The queue a call keeps order in, as a hash of its key.
fn queue_of(key: (u8, i64)) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The queue a call keeps order in: a ticket's topic, a topic's creation, or a chat.
fn queue_key(seq: u64, call: &Call) -> (u8, i64) {
    if let Some(ticket) = creation_of(call) {
        return (CREATION_QUEUE, ticket.0 as i64);
    }
    match call {
        Call::SendText { to: Target::Topic { ticket }, .. }
        | Call::Copy { to: Target::Topic { ticket }, .. }
        | Call::SendFile { to: Target::Topic { ticket }, .. }
        | Call::EditTopic { ticket, .. }
        | Call::CloseTopic { ticket }
        | Call::ReopenTopic { ticket }
        | Call::EditRelayed { ticket, .. } => (TOPIC_QUEUE, ticket.0 as i64),
        Call::CreateTopic { ticket, .. } => (CREATION_QUEUE, ticket.0 as i64),
        Call::SendText { to: Target::Chat { chat_id }, .. }
        | Call::Copy { to: Target::Chat { chat_id }, .. }
        | Call::SendFile { to: Target::Chat { chat_id }, .. }
        | Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. }
        | Call::Pin { chat_id, .. } => (3, *chat_id),
        Call::AnswerButton { .. } => (4, seq as i64),
    }
}

/// The chat whose budget a call spends (0: none).
fn budget_chat(call: &Call, staff_chat: i64) -> i64 {
    match call {
        Call::AnswerButton { .. } => 0,
        other => other.chat(staff_chat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(message_id: i32, album: Option<&str>) -> Call {
        Call::Copy {
            from_chat: 42,
            message_ids: vec![message_id],
            to: Target::Topic { ticket: TicketId(1) },
            reply_to: None,
            album: album.map(str::to_owned),
            report: Some(Report::Relay { chat_id: 42, message_id }),
            text: None,
            media: Vec::new(),
            caption: None,
        }
    }

    fn text(message_id: i32, text: &str, reply_to: Option<i32>) -> Call {
        Call::Copy {
            from_chat: 42,
            message_ids: vec![message_id],
            to: Target::Topic { ticket: TicketId(1) },
            reply_to,
            album: None,
            report: Some(Report::Relay { chat_id: 42, message_id }),
            text: Some(text.to_owned()),
            media: Vec::new(),
            caption: None,
        }
    }

    fn ready(call: Call) -> Ready {
        let texts = match &call {
            Call::Copy { text: Some(text), .. } => vec![text.clone()],
            _ => Vec::new(),
        };
        Ready {
            pending: Pending { seq: 1, chat_id: -100, queue: 1, lane: Lane::Message },
            call,
            place: Place { chat_id: -100, thread: Some(9) },
            ticket: Some(TicketId(1)),
            joined: Vec::new(),
            texts,
        }
    }

    #[test]
    fn customer_texts_coalesce_into_one_message_with_the_first_ones_reply() {
        let mut head = ready(text(5, "first", Some(3)));
        for (id, said) in [(6, "second"), (7, "third")] {
            let (message_id, said) = text_part(&head, &text(id, said, None)).expect("joins");
            head.joined.push((u64::from(message_id.unsigned_abs()), message_id));
            head.texts.push(said);
        }
        assert_eq!(text_part(&head, &text(8, "a reply", Some(2))), None, "a reply keeps its own message");
        assert_eq!(text_part(&head, &part(8, None)), None, "media is copied");
        assert_eq!(text_part(&ready(part(5, None)), &text(6, "x", None)), None, "only behind a text");
        let long = "x".repeat(crate::outbox::TEXT_LIMIT);
        assert_eq!(text_part(&head, &text(8, &long, None)), None, "never over 4096 characters");
        let Call::SendText { text, reply_to, report, to, .. } = coalesced(&head.call, &head.texts) else {
            panic!("one text message")
        };
        assert_eq!(
            (to, reply_to, report),
            (
                Target::Topic { ticket: TicketId(1) },
                Some(3),
                Some(Report::Relay { chat_id: 42, message_id: 5 })
            )
        );
        assert!(text.contains("first\n── 2/3 ──\nsecond\n── 3/3 ──\nthird"), "{text}");
    }

    #[test]
    fn every_coalesced_message_links_to_the_one_copy() {
        let verdict =
            Verdict::Done { delivery: Some(Delivery::Relayed { source: (42, 5), copies: vec![(-100, 70)] }) };
        let linked: Vec<(u64, Option<Delivery>)> = per_entry(1, verdict, &[(2, 6), (3, 7)])
            .into_iter()
            .map(|(seq, verdict)| match verdict {
                Verdict::Done { delivery } => (seq, delivery),
                Verdict::Retry { .. } => panic!("done"),
            })
            .collect();
        let relayed = |source| Some(Delivery::Relayed { source: (42, source), copies: vec![(-100, 70)] });
        assert_eq!(linked, [(1, relayed(5)), (2, relayed(6)), (3, relayed(7))]);
    }

    #[test]
    fn album_parts_join_only_their_own_album_in_order() {
        assert_eq!(album_part(&part(5, Some("a")), &part(6, Some("a"))), Some(6));
        assert_eq!(album_part(&part(5, Some("a")), &part(6, Some("b"))), None, "another album");
        assert_eq!(album_part(&part(5, None), &part(6, None)), None, "single messages");
        assert_eq!(album_part(&part(6, Some("a")), &part(5, Some("a"))), None, "out of order");
        let Call::Copy { from_chat, to, album, report, reply_to, .. } = part(1, Some("a")) else {
            unreachable!()
        };
        let full = Call::Copy {
            from_chat,
            message_ids: (1..=10).collect(),
            to,
            album,
            report,
            reply_to,
            text: None,
            media: Vec::new(),
            caption: None,
        };
        assert_eq!(album_part(&full, &part(11, Some("a"))), None, "an album holds at most ten");
    }

    #[test]
    fn an_album_goes_once_no_part_joined_it_for_a_quiet_while_or_it_is_full() {
        let mut albums = Albums::default();
        let key = (42, "a".to_owned());
        assert_eq!(albums.hold(&key, 2, 0), Some(ALBUM_QUIET_MS), "first seen: wait");
        assert_eq!(albums.hold(&key, 2, 600), Some(ALBUM_QUIET_MS));
        assert_eq!(albums.hold(&key, 4, 700), Some(700 + ALBUM_QUIET_MS), "parts of a next page restart it");
        assert_eq!(albums.hold(&key, 4, 700 + ALBUM_QUIET_MS), None);
        assert_eq!(albums.hold(&(42, "b".to_owned()), ALBUM_MAX, 0), None, "a full album goes at once");
    }

    #[test]
    fn an_album_sent_as_one_call_links_each_part_to_its_copy() {
        let copies = vec![(-100, 70), (-100, 71), (-100, 72)];
        let verdict = Verdict::Done { delivery: Some(Delivery::Relayed { source: (42, 5), copies }) };
        let linked: Vec<(u64, Option<Delivery>)> = per_entry(1, verdict, &[(2, 6), (3, 7)])
            .into_iter()
            .map(|(seq, verdict)| match verdict {
                Verdict::Done { delivery } => (seq, delivery),
                Verdict::Retry { .. } => panic!("done"),
            })
            .collect();
        let relayed =
            |source, copy| Some(Delivery::Relayed { source: (42, source), copies: vec![(-100, copy)] });
        assert_eq!(linked, [(1, relayed(5, 70)), (2, relayed(6, 71)), (3, relayed(7, 72))]);
        let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
        let kept: Vec<u64> = per_entry(1, retry, &[(2, 6)]).into_iter().map(|(seq, _)| seq).collect();
        assert_eq!(kept, [1, 2], "a failed album stays queued whole");
    }

    /// Regression: a recreated topic got the messages queued for the old one before its
    /// card, because the card waited in the topic's queue behind them.
    #[test]
    fn the_card_travels_with_the_topic_creation_not_behind_the_topic_messages() {
        let ticket = TicketId(7);
        let card = Call::SendText {
            to: Target::Topic { ticket },
            text: "T-000007 · new".to_owned(),
            reply_to: None,
            buttons: Vec::new(),
            report: Some(Report::Card { ticket, version: 1 }),
        };
        let create = Call::CreateTopic { chat_id: -100, ticket, name: "T-000007".to_owned(), icon_color: 0 };
        assert_eq!(queue_key(1, &card), (CREATION_QUEUE, 7));
        assert_eq!(queue_key(2, &create), (CREATION_QUEUE, 7));
        assert_eq!(queue_key(3, &part(5, None)), (TOPIC_QUEUE, 1));
        assert_eq!((creation_of(&card), creation_of(&part(5, None))), (Some(ticket), None));
    }
}

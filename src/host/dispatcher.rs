//! The dispatcher: reads the outbox, asks the budget what may go now, sends it, and hands
//! the verdicts to the desk loop. One call per queue is in flight at a time, so per-chat
//! (and per-topic) order holds; the budget keeps Telegram's limits.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;

use super::DeskInput;
use crate::outbox::{Budget, Call, Delivery, Limits, Outcome, Pending, Target};
use crate::store::{Outgoing, Store, StoreError};
use crate::telegram::{Bot, Place, Verdict, send};
use crate::ticket::TicketId;

/// How many outbox entries one round looks at.
const WINDOW: usize = 2_000;

pub struct Dispatcher {
    pub bot: Bot,
    pub store: Arc<Store>,
    pub staff_chat: i64,
    pub limits: Limits,
    pub desk: mpsc::Sender<DeskInput>,
    pub outbox_changed: Arc<Notify>,
    pub stop: watch::Receiver<bool>,
    pub drain_for: Duration,
}

/// An outbox entry ready to go, with where it goes.
struct Ready {
    seq: u64,
    call: Call,
    place: Place,
    ticket: Option<TicketId>,
    /// Later entries of the same album merged into this call: (sequence, message id).
    album_parts: Vec<(u64, i32)>,
}

/// Telegram's limit on messages in one album.
const ALBUM_MAX: usize = 10;

pub async fn run(mut d: Dispatcher) {
    let started = Instant::now();
    let mut budget = Budget::new(d.limits);
    let mut deadline: Option<Instant> = None;
    loop {
        if deadline.is_none() && *d.stop.borrow() {
            deadline = Some(Instant::now() + d.drain_for);
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            return;
        }
        let (pending, mut ready) = match look(&d) {
            Ok(found) => found,
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox");
                return;
            }
        };
        if deadline.is_some() && pending.is_empty() {
            return;
        }
        let now_ms = started.elapsed().as_millis() as u64;
        let plan = budget.plan(&pending, now_ms);
        if plan.send.is_empty() {
            let wake = plan.wake_at.map(|at| started + Duration::from_millis(at));
            let until = match (wake, deadline) {
                (Some(w), Some(dl)) => Some(w.min(dl)),
                (w, dl) => w.or(dl),
            };
            tokio::select! {
                () = d.outbox_changed.notified() => {}
                () = sleep_until(until) => {}
                _ = d.stop.changed(), if deadline.is_none() => {}
            }
            continue;
        }
        // Each call goes to a different queue: send them side by side.
        let mut sends = tokio::task::JoinSet::new();
        for r in plan.send.iter().filter_map(|seq| ready.remove(seq)) {
            let bot = d.bot.clone();
            sends.spawn(async move {
                let verdict = send(&bot, &r.call, r.place, r.ticket).await;
                split_album(&r, verdict)
            });
        }
        let mut results: Vec<(u64, i64, Verdict)> = Vec::new();
        while let Some(joined) = sends.join_next().await {
            match joined {
                Ok(result) => results.extend(result),
                Err(error) => tracing::error!(%error, "a send task failed; its call stays queued"),
            }
        }
        let done_ms = started.elapsed().as_millis() as u64;
        for (_, chat_id, verdict) in &results {
            let outcome = match verdict {
                Verdict::Done { .. } => Outcome::Sent,
                Verdict::Retry { outcome, .. } => *outcome,
            };
            budget.record(*chat_id, outcome, done_ms, fastrand::f64());
        }
        let (ack, committed) = oneshot::channel();
        let results = results.into_iter().map(|(seq, _, verdict)| (seq, verdict)).collect();
        if d.desk.send(DeskInput::Results { results, ack }).await.is_err() || committed.await.is_err() {
            return;
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The outbox as the budget sees it, and the entries that could go now with their places.
/// A queue whose head cannot be placed yet (its topic is being created) waits whole.
fn look(d: &Dispatcher) -> Result<(Vec<Pending>, HashMap<u64, Ready>), StoreError> {
    let read = d.store.read()?;
    let entries = read.outbox(WINDOW)?;
    let mut pending = Vec::new();
    let mut ready = HashMap::new();
    let mut blocked: HashSet<u64> = HashSet::new();
    let mut topics: HashMap<TicketId, Option<i32>> = HashMap::new();
    let mut last_in_queue: HashMap<u64, u64> = HashMap::new();
    for (seq, outgoing) in entries {
        let Ok(call) = Call::from_json(&outgoing.call) else {
            tracing::error!(seq, "an outbox entry does not decode; it stays for inspection");
            continue;
        };
        let queue = queue_of(seq, &call);
        if blocked.contains(&queue) {
            continue;
        }
        let mut topic_of = |ticket: TicketId| -> Result<Option<i32>, StoreError> {
            if let Some(known) = topics.get(&ticket) {
                return Ok(*known);
            }
            let thread = read.ticket(ticket)?.and_then(|t| t.topic).map(|t| t.thread_id);
            topics.insert(ticket, thread);
            Ok(thread)
        };
        let Some(place) = place_of(&call, &outgoing, d.staff_chat, &mut topic_of)? else {
            blocked.insert(queue);
            continue;
        };
        // Parts of one album, queued one after the other, go out as one album.
        if let Some(&previous) = last_in_queue.get(&queue)
            && let Some(head) = ready.get_mut(&previous)
            && let Some(message_id) = album_part_of(head, &call)
        {
            head.album_parts.push((seq, message_id));
            continue;
        }
        last_in_queue.insert(queue, seq);
        pending.push(Pending { seq, chat_id: budget_chat(&call, d.staff_chat), queue, lane: outgoing.lane });
        ready.insert(seq, Ready { seq, call, place, ticket: outgoing.ticket, album_parts: Vec::new() });
    }
    Ok((pending, ready))
}

/// The message id `next` adds to `head`'s album, if `next` is the next part of the same
/// album (copied from the same chat to the same place) and the album has room.
fn album_part_of(head: &mut Ready, next: &Call) -> Option<i32> {
    let Call::Copy { from_chat, message_ids, to, album: Some(album), .. } = &mut head.call else {
        return None;
    };
    let Call::Copy {
        from_chat: next_from, message_ids: next_ids, to: next_to, album: Some(next_album), ..
    } = next
    else {
        return None;
    };
    let fits = message_ids.len() < ALBUM_MAX && next_ids.len() == 1;
    if !fits || next_from != from_chat || next_to != to || next_album != album {
        return None;
    }
    message_ids.push(next_ids[0]);
    Some(next_ids[0])
}

/// One verdict per outbox entry: a merged album's answer is shared out among its parts,
/// each part linked to its own copy.
fn split_album(ready: &Ready, verdict: Verdict) -> Vec<(u64, i64, Verdict)> {
    let chat_id = ready.place.chat_id;
    if ready.album_parts.is_empty() {
        return vec![(ready.seq, chat_id, verdict)];
    }
    match verdict {
        Verdict::Done { delivery: Some(Delivery::Relayed { source, copies }) } => {
            let sources =
                std::iter::once(source).chain(ready.album_parts.iter().map(|(_, id)| (source.0, *id)));
            let seqs = std::iter::once(ready.seq).chain(ready.album_parts.iter().map(|(seq, _)| *seq));
            seqs.zip(sources)
                .enumerate()
                .map(|(index, (seq, source))| {
                    let copies = copies.get(index).map(|copy| vec![*copy]).unwrap_or_default();
                    (seq, chat_id, Verdict::Done { delivery: Some(Delivery::Relayed { source, copies }) })
                })
                .collect()
        }
        verdict => {
            // The first part carries what the desk must hear; the others share the fate.
            let plain = match &verdict {
                Verdict::Done { .. } => Verdict::Done { delivery: None },
                Verdict::Retry { outcome, .. } => Verdict::Retry { outcome: *outcome, delivery: None },
            };
            std::iter::once((ready.seq, chat_id, verdict))
                .chain(ready.album_parts.iter().map(|(seq, _)| (*seq, chat_id, plain.clone())))
                .collect()
        }
    }
}

fn place_of(
    call: &Call,
    outgoing: &Outgoing,
    staff_chat: i64,
    topic_of: &mut impl FnMut(TicketId) -> Result<Option<i32>, StoreError>,
) -> Result<Option<Place>, StoreError> {
    let _ = outgoing;
    let in_topic = |thread: Option<i32>| thread.map(|t| Place { chat_id: staff_chat, thread: Some(t) });
    Ok(match call {
        Call::SendText { to, .. } | Call::Copy { to, .. } | Call::SendFile { to, .. } => match to {
            Target::Chat { chat_id } => Some(Place { chat_id: *chat_id, thread: None }),
            Target::Topic { ticket } => in_topic(topic_of(*ticket)?),
        },
        Call::EditTopic { ticket, .. } | Call::CloseTopic { ticket } | Call::ReopenTopic { ticket } => {
            in_topic(topic_of(*ticket)?)
        }
        Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. }
        | Call::CreateTopic { chat_id, .. } => Some(Place { chat_id: *chat_id, thread: None }),
        Call::AnswerButton { .. } => Some(Place { chat_id: 0, thread: None }),
    })
}

/// The queue a call keeps order in: a ticket's topic, a topic's creation, or a chat.
fn queue_of(seq: u64, call: &Call) -> u64 {
    let key: (u8, i64) = match call {
        Call::SendText { to: Target::Topic { ticket }, .. }
        | Call::Copy { to: Target::Topic { ticket }, .. }
        | Call::SendFile { to: Target::Topic { ticket }, .. }
        | Call::EditTopic { ticket, .. }
        | Call::CloseTopic { ticket }
        | Call::ReopenTopic { ticket } => (1, ticket.0 as i64),
        Call::CreateTopic { ticket, .. } => (2, ticket.0 as i64),
        Call::SendText { to: Target::Chat { chat_id }, .. }
        | Call::Copy { to: Target::Chat { chat_id }, .. }
        | Call::SendFile { to: Target::Chat { chat_id }, .. }
        | Call::EditText { chat_id, .. }
        | Call::SetButtons { chat_id, .. }
        | Call::DeleteMessage { chat_id, .. } => (3, *chat_id),
        Call::AnswerButton { .. } => (4, seq as i64),
    };
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
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
    use crate::outbox::Report;

    fn part(message_id: i32, album: &str) -> Call {
        Call::Copy {
            from_chat: 42,
            message_ids: vec![message_id],
            to: Target::Topic { ticket: TicketId(1) },
            reply_to: None,
            album: Some(album.to_owned()),
            report: Some(Report::Relay { chat_id: 42, message_id }),
        }
    }

    fn ready(seq: u64, call: Call) -> Ready {
        Ready {
            seq,
            call,
            place: Place { chat_id: -100, thread: Some(7) },
            ticket: Some(TicketId(1)),
            album_parts: Vec::new(),
        }
    }

    #[test]
    fn album_parts_merge_and_each_part_gets_its_own_copy() {
        let mut head = ready(10, part(5, "a"));
        assert_eq!(album_part_of(&mut head, &part(6, "a")), Some(6));
        head.album_parts.push((11, 6));
        assert_eq!(album_part_of(&mut head, &part(7, "b")), None, "another album stays apart");
        let Call::Copy { message_ids, .. } = &head.call else { panic!("a copy") };
        assert_eq!(message_ids, &[5, 6]);
        let verdict = Verdict::Done {
            delivery: Some(Delivery::Relayed { source: (42, 5), copies: vec![(-100, 900), (-100, 901)] }),
        };
        let split = split_album(&head, verdict);
        let relayed: Vec<(u64, Option<Delivery>)> = split
            .into_iter()
            .map(|(seq, _, v)| match v {
                Verdict::Done { delivery } => (seq, delivery),
                Verdict::Retry { .. } => panic!("done"),
            })
            .collect();
        assert_eq!(
            relayed,
            [
                (10, Some(Delivery::Relayed { source: (42, 5), copies: vec![(-100, 900)] })),
                (11, Some(Delivery::Relayed { source: (42, 6), copies: vec![(-100, 901)] })),
            ]
        );
    }

    #[test]
    fn a_failed_album_keeps_every_part() {
        let mut head = ready(10, part(5, "a"));
        album_part_of(&mut head, &part(6, "a"));
        head.album_parts.push((11, 6));
        let split = split_album(&head, Verdict::Retry { outcome: Outcome::Transient, delivery: None });
        assert_eq!(split.len(), 2);
        assert!(split.iter().all(|(_, _, v)| matches!(v, Verdict::Retry { .. })));
    }
}

//! The outbound planner: the one place that decides what queued calls become on their way
//! to Telegram. The desk, the dispatcher and the Telegram adapter carry out its plan.
//!
//! Two moments, both pure:
//! - As a call is queued ([`queued`], [`relayed`]): a text over Telegram's 4096 characters
//!   becomes several entries, and a copy whose caption is longer than a bot may send
//!   becomes a copy without it followed by the caption as a text. Each piece is its own
//!   outbox entry, so a piece Telegram accepted leaves the outbox and is never sent again
//!   when a later piece waits.
//! - As entries are sent ([`Planner::plan`]): given the oldest outbox entries, what the
//!   store knows (topics, copies of relayed messages), the queues with a call in flight, the
//!   budget and the time, it returns per queue at most one call to send now, with the
//!   entries it covers and where it goes; the entries settled without sending; and when to
//!   look again. On the way it joins an album's parts into one call (held a moment, as
//!   they may come in two pages of updates), joins customer texts while the staff group's
//!   budget is short (`coalesce`), turns a customer's edit into what it does to its copy,
//!   holds what goes into a topic being created, and says whether an album goes from its
//!   files (`sendMediaGroup`, which can reply) or as copies.
//!
//! Order: one call per queue (a chat, a ticket's topic, a topic's creation with its card)
//! is in flight at a time, and the budget never lets a cosmetic call overtake a message of
//! its queue.

use std::collections::{BTreeSet, HashMap, HashSet};

pub use queued::{queued, relayed};
use queues::{TOPIC_QUEUE, budget_chat, creation_of, place_of, queue_key, queue_of, topic_of};

use super::budget::{Budget, Pending};
use super::call::{Call, Delivery, Report, Target};
use super::coalesce;
use super::entry::{Lane, Outgoing, Verdict};
use crate::ticket::TicketId;

/// Where a call's [`Target`](super::Target) points once the ticket's topic is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub chat_id: i64,
    pub thread: Option<i32>,
}

/// Plans the outbox round after round; it remembers only the albums it holds back.
#[derive(Debug, Default)]
pub struct Planner {
    albums: Albums,
}

/// What the planner needs to know besides the outbox, as of this round.
#[derive(Clone, Copy)]
pub struct Known<'a> {
    /// Where a call queued for a chat goes: a staff group's current chat for an id it had
    /// before Telegram moved it, any other chat as it is.
    pub current: &'a dyn Fn(i64) -> i64,
    /// Each ticket's topic (its staff group's chat as of now, and its thread), for the
    /// tickets named in the outbox that have one.
    pub topics: &'a HashMap<TicketId, Place>,
    /// The newest copy in the ticket's staff group of each source message an edit names,
    /// for those that were relayed there.
    pub copies: &'a HashMap<(i64, i32), CopyOf>,
    /// Queues with a call in flight: they offer nothing until its verdict is committed.
    pub busy: &'a HashSet<u64>,
}

/// A relayed message's copy in the staff chat, and the source messages (of the same chat)
/// that copy carries, in order: several when texts were coalesced into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyOf {
    pub copy: i32,
    pub sources: Vec<i32>,
}

/// One round's plan.
#[derive(Debug, Default, PartialEq)]
pub struct Outbound {
    /// What to send now, at most one per queue, in the budget's order.
    pub send: Vec<Planned>,
    /// Entries with nothing left to send (an edit of a message never relayed): they leave
    /// the outbox as done. While there are any, nothing else is planned this round.
    pub settled: Vec<u64>,
    /// When to plan again though nothing changed (the budget's next room, an album's quiet
    /// while running out).
    pub wake_at: Option<u64>,
    /// Whether any entry could go now or later (not held, not in a busy or waiting queue).
    pub waiting: bool,
}

/// One request to make: the final call, where it goes, and the entries it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// The first entry it covers, as the budget knows it.
    pub pending: Pending,
    /// The call to make. A `Copy` that carries files goes from them (`sendMediaGroup`, an
    /// album that replies); one without goes as `copyMessage` or `copyMessages`.
    pub call: Call,
    pub place: Place,
    /// The ticket the first entry concerns.
    pub ticket: Option<TicketId>,
    /// Later entries the call carries (album parts, coalesced texts): (outbox sequence,
    /// source message id), in order.
    pub joined: Vec<(u64, i32)>,
}

/// Telegram's largest album.
pub const ALBUM_MAX: usize = 10;

/// How long an album stays unchanged in the outbox before it goes: its parts can arrive in
/// two pages of updates, and copying the first page's parts at once would split it.
pub const ALBUM_QUIET_MS: u64 = 1_000;

/// The tickets whose topics the outbox's calls go to: the dispatcher looks them up for
/// [`Known::topics`].
pub fn topics_named(entries: &[(u64, Outgoing)]) -> BTreeSet<TicketId> {
    entries.iter().filter_map(|(_, outgoing)| topic_of(&outgoing.call)).collect()
}

/// The source messages whose edits wait in the outbox, each with the chat its copy is in
/// (the ticket's staff group's for a customer's message, as `topics` has it; the customer's
/// chat for an agent's reply): the dispatcher looks their copies up for [`Known::copies`].
pub fn edited_sources<H: std::hash::BuildHasher>(
    entries: &[(u64, Outgoing)],
    topics: &HashMap<TicketId, Place, H>,
) -> BTreeSet<((i64, i32), i64)> {
    entries
        .iter()
        .filter_map(|(_, outgoing)| match &outgoing.call {
            Call::EditRelayed { source, ticket, .. } => {
                topics.get(ticket).map(|place| (*source, place.chat_id))
            }
            Call::EditReply { source, chat_id, .. } => Some((*source, *chat_id)),
            _ => None,
        })
        .collect()
}

impl Planner {
    /// Plans one round over `entries` (the oldest outbox entries, in order) at `now`
    /// (milliseconds on the dispatcher's clock). The budget counts what it lets go as in
    /// flight; the dispatcher records each answer with [`Budget::record`].
    pub fn plan(
        &mut self,
        entries: &[(u64, Outgoing)],
        known: &Known<'_>,
        budget: &mut Budget,
        now: u64,
    ) -> Outbound {
        // Each staff group's budget is its own: texts coalesce in the groups whose budget is short.
        let short: HashSet<i64> = waiting_messages(entries, known)
            .into_iter()
            .filter(|(chat, waiting)| *waiting > budget.room(*chat, now))
            .map(|(chat, _)| chat)
            .collect();
        let mut look = look(entries, known, &short);
        let hold_until = self.albums.hold_back(&mut look, now);
        let waiting = !look.pending.is_empty();
        if !look.settled.is_empty() {
            return Outbound { send: Vec::new(), settled: look.settled, wake_at: None, waiting };
        }
        let chosen = budget.plan(&look.pending, now);
        let send = chosen.send.iter().filter_map(|seq| look.ready.remove(seq)).collect();
        let wake_at = match (chosen.wake_at, hold_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Outbound { send, settled: Vec::new(), wake_at, waiting }
    }
}

/// The verdict on a planned call, for each outbox entry it carried (`seq` first, then
/// `joined`): an album sent as one call links each part to its own copy, coalesced texts
/// all link to the one copy, so edits and replies map part by part.
pub fn per_entry(seq: u64, verdict: Verdict, joined: &[(u64, i32)]) -> Vec<(u64, Verdict)> {
    if joined.is_empty() {
        return vec![(seq, verdict)];
    }
    if let Verdict::Done { delivery: Some(Delivery::Relayed { source, copies }) } = &verdict
        && (copies.len() == joined.len() + 1 || copies.len() == 1)
    {
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

/// An entry that could go now, with where it goes.
#[derive(Debug)]
struct Ready {
    planned: Planned,
    /// The texts of a run of customer text messages coalesced into one, the head's first.
    texts: Vec<String>,
}

/// What one look at the outbox found.
#[derive(Debug, Default)]
struct Look {
    /// The entries as the budget sees them.
    pending: Vec<Pending>,
    /// The entries that could go now, with their places.
    ready: HashMap<u64, Planned>,
    /// Entries with nothing left to send.
    settled: Vec<u64>,
}

/// How many messages wait for each chat (its current id), for the chats' budgets; a topic's
/// not yet placed are not counted.
fn waiting_messages(entries: &[(u64, Outgoing)], known: &Known<'_>) -> HashMap<i64, usize> {
    let mut waiting: HashMap<i64, usize> = HashMap::new();
    for (_, outgoing) in entries.iter().filter(|(_, o)| o.lane == Lane::Message) {
        let Some(place) = place_of(&outgoing.call, known.topics) else { continue };
        *waiting.entry((known.current)(budget_chat(&outgoing.call, place))).or_default() += 1;
    }
    waiting
}

/// The outbox as the budget sees it, and the entries that could go now with their places.
/// A queue whose head cannot be placed yet (its topic is being created) waits whole; a
/// queue with a call in flight offers nothing. When more messages wait for a staff group's
/// chat than its budget admits now (`short`), consecutive customer texts of a topic go as
/// one message.
fn look(entries: &[(u64, Outgoing)], known: &Known<'_>, short: &HashSet<i64>) -> Look {
    // While a ticket's topic is being created (again, after it was deleted), what is queued
    // for the topic waits: the new topic opens with its card, then the rest follows in order.
    let creating: HashSet<TicketId> = entries.iter().filter_map(|(_, o)| creation_of(&o.call)).collect();
    let mut pending = Vec::new();
    let mut ready: HashMap<u64, Ready> = HashMap::new();
    let mut blocked: HashSet<u64> = HashSet::new();
    let mut last_of_queue: HashMap<u64, u64> = HashMap::new();
    let mut settled = Vec::new();
    let mut first_messages: HashSet<u64> = HashSet::new();
    let mut heads: HashSet<(u64, Lane)> = HashSet::new();
    for &(seq, Outgoing { lane, ticket, ref call, .. }) in entries {
        let key = queue_key(seq, call);
        if key.0 == TOPIC_QUEUE && creating.contains(&TicketId(key.1 as u64)) {
            continue;
        }
        let queue = queue_of(key);
        if blocked.contains(&queue) || known.busy.contains(&queue) {
            continue;
        }
        // The next part of an album right behind its earlier parts goes in the same call,
        // so the copy stays one album.
        if let Some(head) = last_of_queue.get(&queue).and_then(|head| ready.get_mut(head))
            && let Some(message_id) = album_part(&head.planned.call, call)
        {
            join_album_part(&mut head.planned, seq, message_id, call);
            continue;
        }
        if let Some(head) = last_of_queue.get(&queue).and_then(|head| ready.get_mut(head))
            && short.contains(&head.planned.place.chat_id)
            && let Some((message_id, text)) = text_part(head, call)
        {
            head.planned.joined.push((seq, message_id));
            head.texts.push(text);
            continue;
        }
        last_of_queue.insert(queue, seq);
        let head_of_queue = lane == Lane::Message && first_messages.insert(queue);
        // The budget takes at most the first message and the first cosmetic call of a queue
        // in a round, so a call behind them waits for a later round without being looked at
        // further; an album part still is, so its album's quiet time runs while it waits.
        if heads.contains(&(queue, lane))
            && !matches!(call, Call::Copy { album: Some(_), .. } | Call::Resend { album: Some(_), .. })
        {
            continue;
        }
        let call = match call {
            // An edit is looked up only once everything before it in its queue has gone.
            Call::EditRelayed { source, ticket, text, text_message } if head_of_queue => {
                let Some(edit) = edit_of_copy(known, *ticket, *source, text, *text_message) else {
                    settled.push(seq);
                    continue;
                };
                edit
            }
            Call::EditReply { source, chat_id, text, text_message } if head_of_queue => {
                let Some(edit) = edit_of_reply(known, *source, *chat_id, text, *text_message) else {
                    settled.push(seq);
                    continue;
                };
                edit
            }
            call => call.clone(),
        };
        let Some(mut place) = place_of(&call, known.topics) else {
            blocked.insert(queue);
            continue;
        };
        let chat_id = (known.current)(budget_chat(&call, place));
        place.chat_id = (known.current)(place.chat_id);
        let entry = Pending { seq, chat_id, queue, lane };
        pending.push(entry);
        heads.insert((queue, lane));
        let texts = match &call {
            Call::Copy { text: Some(text), album: None, .. } => vec![text.clone()],
            _ => Vec::new(),
        };
        let planned = Planned { pending: entry, call, place, ticket, joined: Vec::new() };
        ready.insert(seq, Ready { planned, texts });
    }
    let ready = ready
        .into_iter()
        .map(|(seq, Ready { mut planned, texts })| {
            if texts.len() > 1 {
                planned.call = coalesced(&planned.call, &texts);
            }
            from_files_or_copied(&mut planned.call);
            (seq, planned)
        })
        .collect();
    Look { pending, ready, settled }
}

/// Adds the album part `message_id` (outbox entry `seq`, call `part`) to the album `head`
/// copies.
fn join_album_part(head: &mut Planned, seq: u64, message_id: i32, part: &Call) {
    head.joined.push((seq, message_id));
    if let (Call::Resend { parts, .. }, Call::Resend { parts: next, .. }) = (&mut head.call, part) {
        parts.extend(next.iter().cloned());
        return;
    }
    let next_media = match part {
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
}

/// Decides how a copy goes: an album that replies goes from its files when every part's
/// file is known (`copyMessages` cannot reply); anything else is copied, so its files are
/// dropped from the planned call.
fn from_files_or_copied(call: &mut Call) {
    if let Call::Copy { message_ids, reply_to, media, .. } = call {
        let from_files = message_ids.len() > 1 && reply_to.is_some() && media.len() == message_ids.len();
        if !from_files {
            media.clear();
        }
    }
}

/// Albums seen in the outbox: (source chat, album id) -> (parts queued, since when).
#[derive(Debug, Default)]
struct Albums {
    seen: HashMap<(i64, String), (usize, u64)>,
}

impl Albums {
    /// Holds back each queue whose head is an album still filling up (see [`Albums::hold`]);
    /// returns when the first of them may go.
    fn hold_back(&mut self, found: &mut Look, now: u64) -> Option<u64> {
        let mut present = HashSet::new();
        let mut held = HashSet::new();
        let mut hold_until: Option<u64> = None;
        for planned in found.ready.values() {
            let album = match &planned.call {
                Call::Copy { from_chat, message_ids, album: Some(album), .. } => {
                    Some(((*from_chat, album.clone()), message_ids.len()))
                }
                Call::Resend {
                    parts,
                    album: Some(album),
                    report: Some(Report::Relay { chat_id, .. }),
                    ..
                } => Some(((*chat_id, album.clone()), parts.len())),
                _ => None,
            };
            if let Some((key, parts)) = album {
                if let Some(until) = self.hold(&key, parts, now) {
                    held.insert(planned.pending.queue);
                    hold_until = Some(hold_until.map_or(until, |at| at.min(until)));
                }
                present.insert(key);
            }
        }
        self.seen.retain(|key, _| present.contains(key));
        found.pending.retain(|p| !held.contains(&p.queue));
        found.ready.retain(|_, planned| !held.contains(&planned.pending.queue));
        hold_until
    }

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

/// What a customer's edit of `source` becomes now that everything queued before it went:
/// an edit of its copy in the staff chat or a note replying to it; `None` when the message
/// was never relayed there.
fn edit_of_copy(
    known: &Known<'_>,
    ticket: TicketId,
    source: (i64, i32),
    text: &str,
    text_message: bool,
) -> Option<Call> {
    let CopyOf { copy, sources } = known.copies.get(&source)?;
    let chat = known.topics.get(&ticket)?.chat_id;
    let part = sources.iter().position(|id| *id == source.1).map_or(1, |index| index + 1);
    let edit = coalesce::CopyEdit { text, text_message, part, parts: sources.len().max(1) };
    Some(coalesce::edit_of_copy(ticket, chat, *copy, &edit))
}

/// What an agent's edit of `source` becomes once its copy in the customer's chat `chat_id`
/// is known: the copy's text replaced, or (a caption) a note replying to it; `None` when the
/// reply never reached the customer.
fn edit_of_reply(
    known: &Known<'_>,
    source: (i64, i32),
    chat_id: i64,
    text: &str,
    text_message: bool,
) -> Option<Call> {
    let CopyOf { copy, .. } = known.copies.get(&source)?;
    Some(if text_message {
        Call::EditText { chat_id, message_id: *copy, text: text.to_owned(), buttons: Vec::new() }
    } else {
        Call::SendText {
            to: Target::Chat { chat_id },
            text: format!("✎ Edited: {text}"),
            reply_to: Some(*copy),
            buttons: Vec::new(),
            report: None,
        }
    })
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
    ) = (&head.planned.call, next)
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
    if let Call::Resend { .. } = head {
        return resent_album_part(head, next);
    }
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

/// The source message id of `next` when it continues the album `head` sends again: parts
/// of one album from the same chat to the same place, each a file, within Telegram's album
/// size.
fn resent_album_part(head: &Call, next: &Call) -> Option<i32> {
    let (
        Call::Resend { to, parts, album: Some(album), report: Some(Report::Relay { chat_id, .. }), .. },
        Call::Resend {
            to: next_to,
            parts: next_parts,
            album: Some(next_album),
            report: Some(Report::Relay { chat_id: next_chat, message_id: next_id }),
            ..
        },
    ) = (head, next)
    else {
        return None;
    };
    let files = parts.iter().chain(next_parts).all(|part| part.file.is_some());
    let continues = to == next_to && album == next_album && chat_id == next_chat && next_parts.len() == 1;
    (continues && files && parts.len() < ALBUM_MAX).then_some(*next_id)
}

mod queued;
mod queues;
#[cfg(test)]
mod tests;

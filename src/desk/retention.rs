//! Retention on the desk (desk.yaml `retention`, the arithmetic in `crate::retention`):
//! passes over the closed tickets, run from one desk-level timer (`DeskTimer::Retention`).
//!
//! A pass takes at most [`BATCH`] tickets per tick, each in the tick's own transaction;
//! while more are due the timer is set again a millisecond on, so the updates waiting in
//! the desk loop go first and the bot keeps answering between batches. Each step keeps a
//! cursor (a counter pair) over the store's closed-by-time index; a ticket is acted on
//! only if, read again, it is closed and closed long enough ago. When a pass is over, one
//! audit entry per setting says how many it took; after a large pass a compaction is set
//! for the next quiet hour (`DeskTimer::Compaction`), which the host runs when the desk
//! asks for it ([`COMPACT_ASKED`]). The timer is set when a ticket closes (to its first
//! step's due time, unless one is set sooner) and at once whenever the policy changed,
//! so a stricter policy reaches tickets closed before it.
//!
//! The same pass reaches the customer's words kept outside tickets, counted from their own
//! time ([`Policy::loose_content_after`]): the questions a knowledge-base article answered
//! lose their text and asker (a cursor over the order they were kept, [`QUESTION_BATCH`]
//! per tick), dead letters are removed ([`DEAD_LETTER_BATCH`] per tick). Keeping a question
//! or setting an update aside sets the timer too ([`Desk::retention_on_loose_content`]).
//!
//! A topic a transferred ticket left in its former group is closed at once and belongs to no
//! ticket any more; the transfer remembers it with the time it was left (a counter per
//! topic, [`LEFT_TOPIC`]) and sets the timer, and the pass deletes it in Telegram once
//! [`Policy::left_topic_after`] has passed (`delete_closed_topics_after`, or `delete_after`
//! when that alone deletes topics). Forgetting the customer deletes it at once (`forget`).

use jiff::{SignedDuration, Timestamp};

use super::summary::fingerprint;
use super::{Desk, DeskError, State};
use crate::audit::{Action, Actor, AuditEntry, Retained};
use crate::outbox::{Call, Lane, Outgoing};
use crate::retention::{
    AUDIT_BATCH, BATCH, COMPACT_AFTER, Cursor, DEAD_LETTER_BATCH, Policy, QUESTION_BATCH, Step, compaction_at,
};
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Status, Ticket, TicketId, Topic};

const RETENTION: Timer = Timer::Desk(DeskTimer::Retention);
const COMPACTION: Timer = Timer::Desk(DeskTimer::Compaction);

/// A fingerprint of the policy the timer was last set for.
const PLANNED: &str = "retention:planned";

/// 1 while the desk asks the host to compact the data file (after a large pass, at the
/// quiet hour); the host sets it back to 0 once it compacted.
pub const COMPACT_ASKED: &str = "retention:compact";

/// How soon the next batch of a pass runs: at once, behind what waits in the desk loop.
const NEXT_BATCH: SignedDuration = SignedDuration::from_millis(1);

/// The soonest a finished pass looks again (a guard: the next due time is in the future).
const AT_LEAST: SignedDuration = SignedDuration::from_secs(1);

/// The sequence number of the first kept question the pass has not looked at.
const QUESTIONS_NEXT: &str = "retention:questions:next";

/// What the pass erased besides tickets, counted until it is recorded.
const QUESTIONS_PASS: &str = "retention:pass:questions";
const DEAD_LETTERS_PASS: &str = "retention:pass:dead_letters";
const LEFT_TOPICS_PASS: &str = "retention:pass:left_topics";

/// The tickets of `rows` (closed by the index's milliseconds up to `cutoff`) that `step`
/// takes at `now`, each read again: only a ticket closed now, and long enough ago, is
/// touched. With them, the last row the step's cursor may pass: the index keeps
/// milliseconds, so a ticket closed in the cutoff's millisecond but after the cutoff is not
/// due yet, and the cursor stops before it for a later pass.
fn due_of<S: State>(
    state: &S,
    policy: &Policy,
    step: Step,
    cutoff: Timestamp,
    now: Timestamp,
    rows: &[Cursor],
) -> Result<(Vec<Ticket>, Option<Cursor>), DeskError> {
    let mut taken = Vec::new();
    let mut passed = None;
    for row in rows {
        let ticket = state.ticket(TicketId(row.ticket))?;
        if let Some(ticket) = &ticket
            && ticket.status == Status::Closed
            && ticket.closed_at.is_some_and(|closed| closed > cutoff)
        {
            break;
        }
        passed = Some(*row);
        if let Some(ticket) = ticket
            && policy.is_due(step, ticket.status, ticket.closed_at, now)
        {
            taken.push(ticket);
        }
    }
    Ok((taken, passed))
}

/// A topic a transferred ticket left: `topic-left:<ticket>:<chat>:<thread>`, its value the
/// Unix milliseconds it was left at.
const LEFT_TOPIC: &str = "topic-left:";

fn left_topic_key(ticket: TicketId, topic: Topic) -> String {
    format!("{LEFT_TOPIC}{}:{}:{}", ticket.0, topic.chat_id, topic.thread_id)
}

/// The topics transferred tickets left, with when each was left; only ticket `of`'s when
/// given. Each with its counter's name.
pub(super) fn left_topics<S: State>(
    state: &mut S,
    of: Option<TicketId>,
) -> Result<Vec<(String, Topic, Timestamp)>, DeskError> {
    let prefix = of.map_or_else(|| LEFT_TOPIC.to_owned(), |ticket| format!("{LEFT_TOPIC}{}:", ticket.0));
    let mut left = Vec::new();
    for (key, millis) in state.counters_with_prefix(&prefix)? {
        let mut parts = key[LEFT_TOPIC.len()..].split(':').skip(1);
        let chat_id = parts.next().and_then(|chat| chat.parse().ok());
        let thread_id = parts.next().and_then(|thread| thread.parse().ok());
        let at = i64::try_from(millis).ok().and_then(|ms| Timestamp::from_millisecond(ms).ok());
        if let (Some(chat_id), Some(thread_id), Some(at)) = (chat_id, thread_id, at) {
            left.push((key, Topic { chat_id, thread_id }, at));
        }
    }
    Ok(left)
}

fn cursor_keys(step: Step) -> (String, String) {
    (format!("retention:{step}:closed"), format!("retention:{step}:ticket"))
}

fn pass_key(setting: &str) -> String {
    format!("retention:pass:{setting}")
}

/// What one batch did, for its callers (tests, the bench).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Tickets taken by the batch, every step together.
    pub tickets: u64,
    /// Audit entries removed.
    pub audit: u64,
    /// Kept questions whose text and asker were erased.
    pub questions: u64,
    /// Dead letters removed.
    pub dead_letters: u64,
    /// Topics transferred tickets left, deleted.
    pub left_topics: u64,
    /// More is due at once: the next batch is set a millisecond on.
    pub more: bool,
}

impl Desk<'_> {
    fn retention_policy(&self) -> Policy {
        self.rules.desk().retention.policy()
    }

    /// Sets the retention timer at once when the policy changed since it was last set (or
    /// clears it when there is no policy any more). Every tick asks; the host asks after a
    /// reload too.
    pub fn watch_retention<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let policy = self.retention_policy();
        let planned = fingerprint(&format!("{policy:?}"));
        if state.counter(PLANNED)? == Some(planned) {
            return Ok(());
        }
        state.set_counter(PLANNED, planned)?;
        if policy.is_empty() {
            return Ok(state.clear_deadline(RETENTION)?);
        }
        Ok(state.set_deadline(Deadline { due: self.now, timer: RETENTION })?)
    }

    /// `ticket` was just closed: a pass is due by its first step, unless one is set sooner.
    pub(super) fn retention_on_close<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        let Some(first) = ticket.closed_at.and_then(|closed| self.retention_policy().first_due(closed))
        else {
            return Ok(());
        };
        if state.deadline_of(RETENTION)?.is_some_and(|due| due <= first) {
            return Ok(());
        }
        Ok(state.set_deadline(Deadline { due: first, timer: RETENTION })?)
    }

    /// Keeps a question an article answered, and sets the pass that erases it in time.
    pub(super) fn keep_question<S: State>(
        &self,
        state: &mut S,
        deflection: &crate::kb::Deflection,
    ) -> Result<(), DeskError> {
        state.record_deflection(deflection)?;
        self.retention_on_loose_content(state, deflection.at)
    }

    /// A question was kept, or an update set aside, at `at`: a pass is due when its words
    /// are, unless one is set sooner.
    pub fn retention_on_loose_content<S: State>(
        &self,
        state: &mut S,
        at: Timestamp,
    ) -> Result<(), DeskError> {
        let Some(due) = self.retention_policy().loose_content_due(at) else { return Ok(()) };
        if state.deadline_of(RETENTION)?.is_some_and(|set| set <= due) {
            return Ok(());
        }
        Ok(state.set_deadline(Deadline { due, timer: RETENTION })?)
    }

    /// Ticket `ticket` was transferred out of `topic` (closed at once): it is remembered with
    /// the time it was left, and a pass is due when it is, unless one is set sooner.
    pub(super) fn retention_on_left_topic<S: State>(
        &self,
        state: &mut S,
        ticket: TicketId,
        topic: Topic,
    ) -> Result<(), DeskError> {
        let millis = u64::try_from(self.now.as_millisecond()).unwrap_or(0);
        state.set_counter(&left_topic_key(ticket, topic), millis)?;
        let Some(due) = self.retention_policy().left_topic_due(self.now) else { return Ok(()) };
        if state.deadline_of(RETENTION)?.is_some_and(|set| set <= due) {
            return Ok(());
        }
        Ok(state.set_deadline(Deadline { due, timer: RETENTION })?)
    }

    /// The retention timer fell due: one batch of the pass, then the next batch at once or
    /// the pass recorded and the next one set.
    pub fn retention_batch<S: State>(&self, state: &mut S) -> Result<Batch, DeskError> {
        state.clear_deadline(RETENTION)?;
        let policy = self.retention_policy();
        let mut batch = Batch::default();
        if policy.is_empty() {
            return Ok(batch);
        }
        let mut budget = BATCH;
        for step in Step::ALL {
            let Some(cutoff) = policy.cutoff(step, self.now) else { continue };
            if budget == 0 {
                batch.more = true;
                break;
            }
            let cursor = cursor_of(state, step)?;
            let rows = state.closed_after(cursor, cutoff.as_millisecond(), budget)?;
            budget -= rows.len();
            batch.more |= budget == 0;
            let (taken, passed) = due_of(state, &policy, step, cutoff, self.now, &rows)?;
            let Some(last) = passed else { continue };
            match step {
                Step::Delete => {
                    let ids: Vec<TicketId> = taken.iter().map(|ticket| ticket.id).collect();
                    let topics = state.delete_tickets(&ids)?;
                    if policy.delete_takes_topic() {
                        delete_topics(state, &topics)?;
                    }
                }
                Step::Topic => {
                    let topics: Vec<Topic> = taken.iter().filter_map(|ticket| ticket.topic).collect();
                    delete_topics(state, &topics)?;
                }
                Step::Content => {
                    for ticket in &taken {
                        state.erase_ticket_content(ticket.id)?;
                    }
                }
            }
            let (closed_key, ticket_key) = cursor_keys(step);
            state.set_counter(&closed_key, u64::try_from(last.closed_at).unwrap_or(0))?;
            state.set_counter(&ticket_key, last.ticket)?;
            add(state, &pass_key(step.setting()), taken.len() as u64)?;
            batch.tickets += taken.len() as u64;
        }
        if let Some(cutoff) = policy.audit_cutoff(self.now) {
            batch.audit = state.prune_audit(cutoff, AUDIT_BATCH)?;
            add(state, &pass_key("audit_after"), batch.audit)?;
            batch.more |= batch.audit == AUDIT_BATCH as u64;
        }
        let mut loose = Vec::new();
        if let Some(cutoff) = policy.loose_content_cutoff(self.now) {
            let from = state.counter(QUESTIONS_NEXT)?.unwrap_or(0);
            let questions = state.erase_questions(from, cutoff, QUESTION_BATCH)?;
            if let Some(next) = questions.next {
                state.set_counter(QUESTIONS_NEXT, next)?;
            }
            add(state, QUESTIONS_PASS, questions.erased)?;
            let letters = state.remove_old_dead_letters(cutoff, DEAD_LETTER_BATCH)?;
            add(state, DEAD_LETTERS_PASS, letters.erased)?;
            batch.questions = questions.erased;
            batch.dead_letters = letters.erased;
            batch.more |= questions.more || letters.more;
            loose.extend(questions.pending.into_iter().chain(letters.pending));
        }
        let left_pending = left_topics_batch(state, &policy, self.now, &mut batch)?;
        if batch.more {
            state.set_deadline(Deadline { due: self.now + NEXT_BATCH, timer: RETENTION })?;
            return Ok(batch);
        }
        self.finish_pass(state, &policy)?;
        let mut pending = Vec::new();
        for step in Step::ALL {
            if policy.after(step).is_none() {
                continue;
            }
            let cursor = cursor_of(state, step)?;
            if let Some(next) = state.closed_after(cursor, i64::MAX, 1)?.first()
                && let Ok(closed) = Timestamp::from_millisecond(next.closed_at)
            {
                pending.push((step, closed));
            }
        }
        let left_due = left_pending.iter().filter_map(|at| policy.left_topic_due(*at)).min();
        let next = policy.next_due(&pending, state.oldest_audit()?, &loose);
        if let Some(next) = next.into_iter().chain(left_due).min() {
            let due = next.max(self.now + AT_LEAST);
            state.set_deadline(Deadline { due, timer: RETENTION })?;
        }
        Ok(batch)
    }

    /// A pass is over: one audit entry per setting that took anything, and a compaction
    /// set for the quiet hour after a large one.
    fn finish_pass<S: State>(&self, state: &mut S, policy: &Policy) -> Result<(), DeskError> {
        let mut erased = 0;
        let settings = [
            (Step::Delete.setting(), policy.after(Step::Delete)),
            (Step::Topic.setting(), policy.after(Step::Topic)),
            (Step::Content.setting(), policy.after(Step::Content)),
            ("audit_after", policy.audit_after),
        ];
        for (setting, after) in settings {
            let key = pass_key(setting);
            let count = state.counter(&key)?.unwrap_or(0);
            if count == 0 {
                continue;
            }
            state.set_counter(&key, 0)?;
            if matches!(setting, "delete_after" | "content_after") {
                erased += count;
            }
            let after = after.map(|after| after.to_string()).unwrap_or_default();
            let action = Action::Retention { setting: setting.to_owned(), after, count, of: None };
            state.record_audit(&AuditEntry { at: self.now, actor: Actor::Desk, action })?;
        }
        let loose = [(QUESTIONS_PASS, Retained::Questions), (DEAD_LETTERS_PASS, Retained::DeadLetters)];
        for (key, of) in loose {
            let count = state.counter(key)?.unwrap_or(0);
            if count == 0 {
                continue;
            }
            state.set_counter(key, 0)?;
            erased += count;
            let setting = policy.loose_content_setting().to_owned();
            let after = policy.loose_content_after().map(|after| after.to_string()).unwrap_or_default();
            let action = Action::Retention { setting, after, count, of: Some(of) };
            state.record_audit(&AuditEntry { at: self.now, actor: Actor::Desk, action })?;
        }
        let count = state.counter(LEFT_TOPICS_PASS)?.unwrap_or(0);
        if count > 0 {
            state.set_counter(LEFT_TOPICS_PASS, 0)?;
            let setting = if policy.after(Step::Topic).is_some() { Step::Topic } else { Step::Delete };
            let after = policy.left_topic_after().map(|after| after.to_string()).unwrap_or_default();
            let of = Some(Retained::LeftTopics);
            let action = Action::Retention { setting: setting.setting().to_owned(), after, count, of };
            state.record_audit(&AuditEntry { at: self.now, actor: Actor::Desk, action })?;
        }
        if erased >= COMPACT_AFTER && state.deadline_of(COMPACTION)?.is_none() {
            let due = compaction_at(self.now, &self.time_zone());
            state.set_deadline(Deadline { due, timer: COMPACTION })?;
        }
        Ok(())
    }

    /// The quiet hour after a large pass: the host is asked to compact the data file.
    pub(super) fn compaction_due<S: State>(state: &mut S) -> Result<(), DeskError> {
        state.clear_deadline(COMPACTION)?;
        Ok(state.set_counter(COMPACT_ASKED, 1)?)
    }
}

fn cursor_of<S: State>(state: &S, step: Step) -> Result<Cursor, DeskError> {
    let (closed_key, ticket_key) = cursor_keys(step);
    let closed_at = state.counter(&closed_key)?.map_or(0, |ms| i64::try_from(ms).unwrap_or(i64::MAX));
    Ok(Cursor { closed_at, ticket: state.counter(&ticket_key)?.unwrap_or(0) })
}

fn add<S: State>(state: &mut S, key: &str, count: u64) -> Result<(), DeskError> {
    if count > 0 {
        let sum = state.counter(key)?.unwrap_or(0) + count;
        state.set_counter(key, sum)?;
    }
    Ok(())
}

/// The topics transferred tickets left that are due at `now`, deleted (at most [`BATCH`]);
/// when those not yet due were left.
fn left_topics_batch<S: State>(
    state: &mut S,
    policy: &Policy,
    now: Timestamp,
    batch: &mut Batch,
) -> Result<Vec<Timestamp>, DeskError> {
    let Some(cutoff) = policy.left_topic_cutoff(now) else { return Ok(Vec::new()) };
    let (due, later): (Vec<_>, Vec<_>) =
        left_topics(state, None)?.into_iter().partition(|(_, _, at)| *at <= cutoff);
    let taken = &due[..due.len().min(BATCH)];
    for (key, topic, _) in taken {
        delete_topics(state, std::slice::from_ref(topic))?;
        state.remove_counter(key)?;
    }
    add(state, LEFT_TOPICS_PASS, taken.len() as u64)?;
    batch.left_topics = taken.len() as u64;
    batch.more |= due.len() > taken.len();
    Ok(later.into_iter().map(|(_, _, at)| at).collect())
}

/// Queues the topics' deletion in Telegram, as a forget does.
fn delete_topics<S: State>(state: &mut S, topics: &[Topic]) -> Result<(), DeskError> {
    for topic in topics {
        let call = Call::DeleteTopic { chat_id: topic.chat_id, thread_id: topic.thread_id };
        state.enqueue(&Outgoing { chat_id: topic.chat_id, lane: Lane::Message, ticket: None, call })?;
    }
    Ok(())
}

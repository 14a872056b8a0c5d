//! Reading a ticket's history into what the clocks need: the status at every instant, the
//! stretches each metric times, the silences automations wait on, and the marks of steps
//! already acted on.
//!
//! Only entries at or before `now` count, so the same history read at two times gives the
//! two pictures, and nothing else (the ticket's cached fields included) is consulted: a
//! rule change, a restart or a replay recomputes exactly what the first run computed.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::history::{Entry, EntryKind};
use crate::ticket::{Priority, Status, Ticket};

use super::SlaClock;
use super::metric::Metric;
use crate::deadline::DeadlineKind;

/// The history of one ticket up to `now`, digested.
#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    /// The status from each instant on, in order; the first is New at creation.
    statuses: Vec<(Timestamp, Status)>,
    created: Stretch,
    first_reply: Option<Timestamp>,
    next_responses: Vec<Episode>,
    /// Set while the ticket is Resolved: since the resolution or an agent's later reply.
    resolved_silence: Option<Stretch>,
    /// Set while the ticket awaits the customer: since the request or an agent's later reply.
    awaiting_silence: Option<Stretch>,
    /// Set while the ticket is Resolved or Closed: since it left the active statuses.
    finished: Option<Stretch>,
    /// Set while the ticket is Closed: since it closed.
    closed: Option<Stretch>,
    /// Whether the satisfaction survey was ever asked (a `csat` mark of any stretch).
    csat_asked: bool,
    /// The highest step index marked per (kind, stretch).
    marks: BTreeMap<(DeadlineKind, u32), u8>,
    /// When escalation was held (`/hold`), in order; the last may still run.
    holds: Vec<Segment>,
}

/// When something began, and the history entry that began it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stretch {
    pub at: Timestamp,
    pub seq: u32,
}

/// One stretch a metric times: from its start to the event that ends it, if any yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Episode {
    pub start: Stretch,
    pub end: Option<Timestamp>,
}

/// A stretch of time during which a clock runs; `to: None` runs on past `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

impl Timeline {
    /// Reads `history` (in `seq` order) up to and including `now`.
    pub fn read(ticket: &Ticket, history: &[Entry], now: Timestamp) -> Timeline {
        let created = Stretch { at: ticket.created_at, seq: 0 };
        let mut timeline = Timeline {
            statuses: vec![(ticket.created_at, Status::New)],
            created,
            first_reply: None,
            next_responses: Vec::new(),
            resolved_silence: None,
            awaiting_silence: None,
            finished: None,
            closed: None,
            csat_asked: false,
            marks: BTreeMap::new(),
            holds: Vec::new(),
        };
        let mut status = Status::New;
        for entry in history.iter().filter(|entry| entry.at <= now) {
            let here = Stretch { at: entry.at, seq: entry.seq };
            match &entry.kind {
                EntryKind::Created { .. } => timeline.created = here,
                EntryKind::CustomerMessage { .. } => {
                    let waiting = timeline.next_responses.last().is_some_and(|last| last.end.is_none());
                    if timeline.first_reply.is_some() && !waiting {
                        timeline.next_responses.push(Episode { start: here, end: None });
                    }
                }
                EntryKind::AgentReply { .. } => {
                    timeline.first_reply.get_or_insert(entry.at);
                    timeline.end_next_response(entry.at);
                    match status {
                        Status::Resolved => timeline.resolved_silence = Some(here),
                        Status::AwaitingCustomer => timeline.awaiting_silence = Some(here),
                        Status::New | Status::Open | Status::Closed => {}
                    }
                }
                EntryKind::StatusChanged { from, to } => {
                    status = *to;
                    if to.is_active() {
                        timeline.finished = None;
                    } else if from.is_active() {
                        timeline.finished = Some(here);
                    }
                    timeline.closed = (*to == Status::Closed).then_some(here);
                    timeline.statuses.push((entry.at, *to));
                    // Resolving answers whatever the customer was waiting for.
                    if matches!(to, Status::Resolved | Status::Closed) {
                        timeline.end_next_response(entry.at);
                    }
                    timeline.resolved_silence = (*to == Status::Resolved).then_some(here);
                    timeline.awaiting_silence = (*to == Status::AwaitingCustomer).then_some(here);
                }
                // "Keep it open": the customer spoke up, so the silence starts again.
                EntryKind::KeptOpen if status == Status::Resolved => timeline.resolved_silence = Some(here),
                EntryKind::EscalationHold { held: true } if !timeline.held() => {
                    timeline.holds.push(Segment { from: entry.at, to: None });
                }
                EntryKind::EscalationHold { held: false } => {
                    if let Some(hold) = timeline.holds.last_mut().filter(|hold| hold.to.is_none()) {
                        hold.to = Some(entry.at);
                    }
                }
                EntryKind::Timer(mark) => {
                    timeline.csat_asked |= mark.kind == DeadlineKind::Csat;
                    let highest = timeline.marks.entry((mark.kind, mark.since)).or_insert(mark.step);
                    *highest = (*highest).max(mark.step);
                }
                _ => {}
            }
        }
        timeline
    }

    /// The stretches `metric` times, oldest first.
    pub fn episodes(&self, metric: Metric) -> Vec<Episode> {
        match metric {
            Metric::FirstResponse => vec![Episode { start: self.created, end: self.first_reply }],
            Metric::NextResponse => self.next_responses.clone(),
            Metric::Resolution => {
                // Resolved or closed, the stretch is over; a reopen resumes it with its time.
                let (at, status) = self.statuses.last().copied().unwrap_or((self.created.at, Status::New));
                let end = matches!(status, Status::Resolved | Status::Closed).then_some(at);
                vec![Episode { start: self.created, end }]
            }
        }
    }

    /// Since when a resolved ticket's customer has been silent, while it is Resolved.
    pub fn resolved_silence(&self) -> Option<Stretch> {
        self.resolved_silence
    }

    /// Since when the desk has been waiting on the customer, while it is Awaiting Customer.
    pub fn awaiting_silence(&self) -> Option<Stretch> {
        self.awaiting_silence
    }

    /// Since when the ticket has been Resolved or Closed (the move out of the active
    /// statuses), while it is.
    pub fn finished(&self) -> Option<Stretch> {
        self.finished
    }

    /// Since when the ticket has been Closed, while it is.
    pub fn closed(&self) -> Option<Stretch> {
        self.closed
    }

    /// Whether the satisfaction survey was ever asked.
    pub fn csat_asked(&self) -> bool {
        self.csat_asked
    }

    /// When the ticket was created, and its creation entry.
    pub fn created(&self) -> Stretch {
        self.created
    }

    /// Whether escalation was ever held, up to the end of the history read.
    pub fn was_held(&self) -> bool {
        !self.holds.is_empty()
    }

    /// Whether escalation is held at the end of the history read.
    pub fn held(&self) -> bool {
        self.holds.last().is_some_and(|hold| hold.to.is_none())
    }

    /// `segments` with every hold cut out: the time the escalation ladder counts. A ladder
    /// that stands still while held resumes where it stood, never with a jump.
    pub fn without_holds(&self, segments: &[Segment]) -> Vec<Segment> {
        let mut left: Vec<Segment> = segments.to_vec();
        for hold in &self.holds {
            left = left.into_iter().flat_map(|segment| cut(segment, *hold)).collect();
        }
        left
    }

    /// The status at the end of the history read.
    pub fn status(&self) -> Status {
        self.statuses.last().map_or(Status::New, |(_, status)| *status)
    }

    /// The highest step index already acted on for a stretch, if any.
    pub fn handled(&self, kind: DeadlineKind, since: u32) -> Option<u8> {
        self.marks.get(&(kind, since)).copied()
    }

    /// The parts of `episode` during which the status lets a clock run, merged and in order.
    pub fn segments(&self, episode: &Episode, runs: impl Fn(Status) -> bool) -> Vec<Segment> {
        let mut segments: Vec<Segment> = Vec::new();
        for (index, &(from, status)) in self.statuses.iter().enumerate() {
            let until = self.statuses.get(index + 1).map(|(at, _)| *at);
            let from = from.max(episode.start.at);
            let to = earliest(until, episode.end);
            if !runs(status) || to.is_some_and(|to| to <= from) {
                continue;
            }
            match segments.last_mut() {
                Some(last) if last.to == Some(from) => last.to = to,
                _ => segments.push(Segment { from, to }),
            }
        }
        segments
    }

    fn end_next_response(&mut self, at: Timestamp) {
        if let Some(last) = self.next_responses.last_mut()
            && last.end.is_none()
        {
            last.end = Some(at);
        }
    }
}

/// Whether appending `new` to a ticket's history can change what [`Timeline::read`] makes
/// of it, so that the clocks, steps and deadlines computed before still hold when the
/// targets are unchanged. `earlier` is the history just before `new`, newest first (a tail
/// is enough); `before` is the ticket as it was before `new`. Conservative: `true` whenever
/// the tail is too short to tell.
///
/// Keep this in step with [`Timeline::read`]: the match has no catch-all, so a new kind
/// of entry needs a decision here, and a property test checks the two agree.
pub fn changes_timeline(new: &[Entry], earlier: &[Entry], before: &Ticket) -> bool {
    let replied = before.first_response_at.is_some();
    new.iter().enumerate().any(|(index, entry)| match &entry.kind {
        EntryKind::Created { .. }
        | EntryKind::StatusChanged { .. }
        | EntryKind::EscalationHold { .. }
        | EntryKind::KeptOpen
        | EntryKind::Timer(_) => true,
        // Ends a wait, or restarts a silence while Resolved or Awaiting Customer; a further
        // reply of an open ticket whose customer is not waiting does neither.
        EntryKind::AgentReply { .. } => {
            let customer_spoke =
                new[..index].iter().any(|e| matches!(e.kind, EntryKind::CustomerMessage { .. }));
            !replied
                || !matches!(before.status, Status::New | Status::Open)
                || customer_spoke
                || !answered(earlier)
        }
        // Starts a next-response stretch unless the first reply is still to come or the
        // customer is already waiting for an answer.
        EntryKind::CustomerMessage { .. } => replied && !waiting(earlier),
        EntryKind::Note { .. }
        | EntryKind::Assigned { .. }
        | EntryKind::PriorityChanged { .. }
        | EntryKind::Tagged { .. }
        | EntryKind::Untagged { .. }
        | EntryKind::Escalated { .. }
        | EntryKind::Deescalated { .. }
        | EntryKind::Notified { .. }
        | EntryKind::Reachability { .. }
        | EntryKind::TopicChanged { .. }
        | EntryKind::System { .. }
        | EntryKind::TemplateUsed { .. }
        | EntryKind::CsatAsked { .. }
        | EntryKind::CsatRated { .. }
        | EntryKind::CsatCommented { .. } => false,
    })
}

/// The calendars a ticket's targets counted on before they came to count on `current`, for
/// [`Inputs::calendars`](super::Inputs::calendars): for each priority change in `history`
/// up to `now`, the priority before it counted on `mode_of(priority)` until the change.
/// Neighbours on the same calendar are merged, and a last stretch on `current` is left to
/// it, so a ticket whose priorities all count alike gets no switch at all. `mode_of` is
/// asked once per priority, and only when the priority changed.
pub fn calendar_switches(
    history: &[Entry],
    now: Timestamp,
    current: SlaClock,
    mut mode_of: impl FnMut(Priority) -> SlaClock,
) -> Vec<(Timestamp, SlaClock)> {
    let mut known: Vec<(Priority, SlaClock)> = Vec::new();
    let mut switches: Vec<(Timestamp, SlaClock)> = Vec::new();
    for entry in history.iter().filter(|entry| entry.at <= now) {
        let EntryKind::PriorityChanged { from, .. } = entry.kind else { continue };
        let mode = if let Some(&(_, mode)) = known.iter().find(|(priority, _)| *priority == from) {
            mode
        } else {
            let mode = mode_of(from);
            known.push((from, mode));
            mode
        };
        match switches.last_mut() {
            Some(last) if last.1 == mode => last.0 = entry.at,
            _ => switches.push((entry.at, mode)),
        }
    }
    if switches.last().is_some_and(|&(_, mode)| mode == current) {
        switches.pop();
    }
    switches
}

/// Whether the tail `earlier` (newest first) shows that no customer message waits for an
/// answer: an agent's reply, a resolution or the creation comes before any customer
/// message; `false` when the tail does not say.
fn answered(earlier: &[Entry]) -> bool {
    for entry in earlier {
        match &entry.kind {
            EntryKind::CustomerMessage { .. } => return false,
            EntryKind::AgentReply { .. }
            | EntryKind::Created { .. }
            | EntryKind::StatusChanged { to: Status::Resolved | Status::Closed, .. } => return true,
            _ => {}
        }
    }
    false
}

/// Whether a customer message is waiting for an answer after `earlier` (newest first);
/// `false` when the tail does not say.
fn waiting(earlier: &[Entry]) -> bool {
    for entry in earlier {
        match &entry.kind {
            EntryKind::CustomerMessage { .. } => return true,
            EntryKind::AgentReply { .. }
            | EntryKind::Created { .. }
            | EntryKind::StatusChanged { to: Status::Resolved | Status::Closed, .. } => return false,
            _ => {}
        }
    }
    false
}

/// The earlier of two optional ends, `None` standing for "not yet".
fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// What is left of `segment` outside `hold`: nothing, one part or two.
fn cut(segment: Segment, hold: Segment) -> Vec<Segment> {
    let ends_by = |end: Option<Timestamp>, at: Timestamp| end.is_some_and(|end| end <= at);
    // No overlap: the segment ends before the hold begins, or begins after it ends.
    if ends_by(segment.to, hold.from) || ends_by(hold.to, segment.from) {
        return vec![segment];
    }
    let mut parts = Vec::new();
    if segment.from < hold.from {
        parts.push(Segment { from: segment.from, to: Some(hold.from) });
    }
    if let Some(hold_end) = hold.to
        && !ends_by(segment.to, hold_end)
    {
        parts.push(Segment { from: hold_end.max(segment.from), to: segment.to });
    }
    parts
}

//! A ticket's facts: the milestones and counts every metric is computed from, as a fold over
//! its history entries.
//!
//! [`Facts::fold`] takes entries in `seq` order, one batch at a time, and never needs the
//! entries folded before: the store keeps one record per ticket and folds each batch it
//! appends (`Tx::append_history`), so a report reads one record per ticket and never replays
//! a history. What depends on a calendar or on the time of the question (business hours, a
//! wait still running) is left to [`super::measure`]: the facts hold instants, not spans.
//!
//! Invariants: `folded` is the `seq` the next entry must carry, so a batch that does not
//! follow on (a history written by a build that kept no facts) is noticed by the caller and
//! the facts are folded again from the whole history. Facts hold no customer text.

use jiff::Timestamp;

use crate::csat::Rating;
use crate::deadline::DeadlineKind;
use crate::history::{Actor, Entry, EntryKind};
use crate::sla::{Metric, Step};
use crate::ticket::Status;

/// Everything the metrics need to know about one ticket's past.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// The `seq` of the next entry to fold: entries `0..folded` are in.
    pub folded: u32,
    pub created_at: Timestamp,
    /// The status now (as of the last entry folded).
    pub status: Status,
    /// Every status change, in order: from each instant on the ticket had that status.
    /// Before the first, it was New from `created_at`.
    pub statuses: Vec<(Timestamp, Status)>,
    /// The first agent reply the customer saw; notes and rule messages are not replies.
    pub first_reply_at: Option<Timestamp>,
    pub agent_replies: u32,
    /// Agent replies sent from a response template (`/t`, inline mode): each is also one
    /// of `agent_replies`.
    pub template_replies: u32,
    pub customer_messages: u32,
    /// After the first reply: the oldest customer message no agent reply has answered yet.
    pub waiting_since: Option<Timestamp>,
    /// Every answered wait after the first reply: (the customer message, the reply).
    pub next_replies: Vec<(Timestamp, Timestamp)>,
    /// The first time the ticket was resolved (Resolved, or Closed straight from active).
    pub first_resolved_at: Option<Timestamp>,
    /// The latest such time; it is the full resolution while the ticket stays resolved.
    pub last_resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Times the ticket came back from Resolved or Closed to an active status.
    pub reopens: u32,
    pub priority_changes: u32,
    /// SLA breaches recorded per metric, indexed as [`Metric::ALL`]: one per breached
    /// stretch (the first response, each next response, the resolution).
    pub breaches: [u32; 3],
    /// The stretch (its starting `seq`) of the last breach counted per metric: later rungs
    /// of the same stretch are the same breach.
    pub breached_since: [Option<u32>; 3],
    /// SLA warnings sent per metric, indexed as [`Metric::ALL`]: one per stretch at most (a
    /// warning due with its breach is not sent).
    pub warnings: [u32; 3],
    pub escalations: Escalations,
    pub sentiment: SentimentSum,
    /// The last breach or age mark seen, with its stretch: an escalation by the desk at the
    /// same instant was its consequence.
    pub last_mark: Option<(Timestamp, DeadlineKind, u32)>,
    /// The satisfaction survey, once asked.
    pub csat: Option<CsatFacts>,
}

/// What the metrics keep of a satisfaction survey: when it was asked, the latest rating,
/// whether the customer commented (not the comment: facts hold no customer text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsatFacts {
    pub asked_at: Timestamp,
    pub rating: Option<Rating>,
    pub commented: bool,
}

/// Escalations by what triggered them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Escalations {
    /// A staff member escalated by hand.
    pub manual: u32,
    /// An SLA breach rung (the default ladder or an `on_breach` hook).
    pub breach: u32,
    /// The ticket reached desk.yaml `escalate_after_age`.
    pub age: u32,
    /// Any other rule decision (an `on_message` hook).
    pub rule: u32,
}

impl std::ops::AddAssign for Escalations {
    fn add_assign(&mut self, other: Escalations) {
        self.manual += other.manual;
        self.breach += other.breach;
        self.age += other.age;
        self.rule += other.rule;
    }
}

/// Customer messages' sentiment scores (see `sentiment::score`), summed as they come.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SentimentSum {
    pub messages: u32,
    pub total: f64,
    pub first: f64,
    pub last: f64,
}

impl Facts {
    /// The facts of a ticket whose history has no entries yet.
    pub fn new(created_at: Timestamp) -> Facts {
        Facts {
            folded: 0,
            created_at,
            status: Status::New,
            statuses: Vec::new(),
            first_reply_at: None,
            agent_replies: 0,
            template_replies: 0,
            customer_messages: 0,
            waiting_since: None,
            next_replies: Vec::new(),
            first_resolved_at: None,
            last_resolved_at: None,
            closed_at: None,
            reopens: 0,
            priority_changes: 0,
            breaches: [0; 3],
            breached_since: [None; 3],
            warnings: [0; 3],
            escalations: Escalations::default(),
            sentiment: SentimentSum::default(),
            last_mark: None,
            csat: None,
        }
    }

    /// The facts of a whole history, folded from the start.
    pub fn of_history(history: &[Entry]) -> Facts {
        let created_at = history.first().map_or(Timestamp::UNIX_EPOCH, |entry| entry.at);
        let mut facts = Facts::new(created_at);
        facts.fold(history);
        facts
    }

    /// Whether `entries` carry on exactly where the facts stopped.
    pub fn follows(&self, entries: &[Entry]) -> bool {
        entries.first().is_none_or(|first| first.seq == self.folded)
    }

    /// Folds `entries` (in `seq` order, following on from what is folded) into the facts.
    pub fn fold(&mut self, entries: &[Entry]) {
        for entry in entries {
            self.fold_one(entry);
            self.folded = entry.seq.saturating_add(1);
        }
    }

    /// Whether the ticket is resolved or closed now (as of the last entry folded).
    pub fn is_resolved(&self) -> bool {
        !self.status.is_active()
    }

    /// The status at `at`, by the recorded changes.
    pub fn status_at(&self, at: Timestamp) -> Status {
        let changed = self.statuses.partition_point(|(since, _)| *since <= at);
        if changed == 0 { Status::New } else { self.statuses[changed - 1].1 }
    }

    fn fold_one(&mut self, entry: &Entry) {
        let at = entry.at;
        match &entry.kind {
            EntryKind::Created { .. } => self.created_at = at,
            EntryKind::CustomerMessage { text, sentiment } => {
                self.customer_messages += 1;
                // An entry from before scores were kept is scored now, as it always was.
                self.sentiment.add(sentiment.unwrap_or_else(|| crate::sentiment::score(text)));
                if self.first_reply_at.is_some() && self.waiting_since.is_none() {
                    self.waiting_since = Some(at);
                }
            }
            EntryKind::AgentReply { .. } => {
                self.agent_replies += 1;
                self.first_reply_at.get_or_insert(at);
                if let Some(since) = self.waiting_since.take() {
                    self.next_replies.push((since, at));
                }
            }
            EntryKind::StatusChanged { from, to } => {
                self.statuses.push((at, *to));
                let resolves = *to == Status::Resolved || (*to == Status::Closed && from.is_active());
                if resolves {
                    self.first_resolved_at.get_or_insert(at);
                    self.last_resolved_at = Some(at);
                    // Resolving ends the wait without a reply: it is not a reply time.
                    self.waiting_since = None;
                }
                if *to == Status::Closed {
                    self.closed_at = Some(at);
                }
                if !from.is_active() && to.is_active() {
                    self.reopens += 1;
                }
                self.status = *to;
            }
            EntryKind::PriorityChanged { .. } => self.priority_changes += 1,
            // Recorded right after the reply it names, by the same agent.
            EntryKind::TemplateUsed { .. } => self.template_replies += 1,
            EntryKind::CsatAsked { .. } => {
                self.csat = Some(CsatFacts { asked_at: at, rating: None, commented: false });
            }
            // The latest rating counts: a change of mind replaces the earlier one.
            EntryKind::CsatRated { rating, .. } => {
                if let Some(csat) = &mut self.csat {
                    csat.rating = Some(*rating);
                }
            }
            EntryKind::CsatCommented { .. } => {
                if let Some(csat) = &mut self.csat {
                    csat.commented = true;
                }
            }
            EntryKind::Timer(mark) => {
                let step = Step::of(mark.kind, mark.step);
                if let (Some(metric), Some(Step::Breach(_))) = (mark.kind.metric(), step) {
                    let index = metric_index(metric);
                    if self.breached_since[index] != Some(mark.since) {
                        self.breaches[index] += 1;
                        self.breached_since[index] = Some(mark.since);
                    }
                    self.last_mark = Some((at, mark.kind, mark.since));
                } else if let (Some(metric), Some(Step::Warning)) = (mark.kind.metric(), step) {
                    self.warnings[metric_index(metric)] += 1;
                } else if step == Some(Step::AgeEscalation) {
                    self.last_mark = Some((at, mark.kind, mark.since));
                }
            }
            EntryKind::Escalated { .. } => {
                let counter = match entry.actor {
                    Actor::Agent(_) | Actor::Customer(_) => &mut self.escalations.manual,
                    Actor::System => match self.last_mark.filter(|(marked, _, _)| *marked == at) {
                        Some((_, DeadlineKind::Age, _)) => &mut self.escalations.age,
                        Some(_) => &mut self.escalations.breach,
                        None => &mut self.escalations.rule,
                    },
                };
                *counter += 1;
            }
            _ => {}
        }
    }
}

impl Escalations {
    pub fn total(&self) -> u32 {
        self.manual + self.breach + self.age + self.rule
    }
}

impl SentimentSum {
    fn add(&mut self, score: f64) {
        if self.messages == 0 {
            self.first = score;
        }
        self.messages += 1;
        self.total += score;
        self.last = score;
    }

    /// The mean score of the customer's messages, if they wrote any.
    pub fn mean(&self) -> Option<f64> {
        (self.messages > 0).then(|| self.total / f64::from(self.messages))
    }
}

/// The position of `metric` in [`Metric::ALL`].
pub fn metric_index(metric: Metric) -> usize {
    match metric {
        Metric::FirstResponse => 0,
        Metric::NextResponse => 1,
        Metric::Resolution => 2,
    }
}

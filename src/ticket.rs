//! The ticket: who asked, what about, how urgent, who has it, and where it stands.
//!
//! Everything here is pure. A ticket changes only through [`Ticket::apply`], which checks
//! the lifecycle table, keeps the SLA bookkeeping and returns the history entries that
//! describe the change; the caller stores both in one transaction. Time is a parameter.
//!
//! The lifecycle, as a table (rows: status now; columns: what happened):
//!
//! | now \ event       | customer writes | agent replies | assigned | await | resolve  | close  | reopen | auto-close |
//! |-------------------|-----------------|---------------|----------|-------|----------|--------|--------|------------|
//! | New               | New             | Open          | Open     | Await | Resolved | Closed | -      | -          |
//! | Open              | Open            | Open          | Open     | Await | Resolved | Closed | -      | -          |
//! | Awaiting customer | Open            | Await         | Await    | -     | Resolved | Closed | -      | -          |
//! | Resolved          | Open (reopen)   | Resolved      | Resolved | -     | -        | Closed | Open   | Closed     |
//! | Closed            | -               | -             | Closed   | -     | -        | -      | Open   | -          |
//!
//! A dash is a [`TransitionError`]. A closed ticket takes no more messages: the desk
//! offers the customer a new ticket instead.
//!
//! New means nobody has the ticket yet: an assignment to an agent, by hand (`/claim`,
//! `/assign`, the picker) or by the routing rules, opens it, as an agent's first reply
//! does. Unassigning leaves the status as it is: a ticket taken up once stays Open. The
//! SLA clocks do not care: New and Open count alike, and the first response is the first
//! agent reply, never the assignment.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::csat::{Rating, Scale, Survey};
use crate::deadline::Mark;
use crate::duration::Span;
use crate::history::{Actor, Entry, EntryKind};

/// A ticket's number; people see it as `T-000123`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct TicketId(pub u64);

/// A Telegram user id.
pub type UserId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    AwaitingCustomer,
    Resolved,
    Closed,
}

/// The person who opened the ticket, as Telegram described them at the time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    pub id: UserId,
    pub name: String,
    pub username: Option<String>,
    pub language: Option<String>,
}

/// The forum topic that carries a ticket in the staff group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Topic {
    pub chat_id: i64,
    pub thread_id: i32,
}

/// One answer from the intake form, kept on the ticket as the customer gave it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Number(f64),
    Bool(bool),
    Choices(Vec<String>),
    /// Telegram file ids of photos or documents.
    Files(Vec<String>),
}

/// What the desk knows about a ticket now; its past lives in the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub customer: Customer,
    pub form: String,
    pub category: Option<String>,
    pub priority: Priority,
    pub answers: BTreeMap<String, Answer>,
    pub status: Status,
    pub assignee: Option<UserId>,
    pub tags: BTreeSet<String>,
    pub topic: Option<Topic>,
    /// The staff group the ticket is in, by name: chosen when it opened, changed by a
    /// transfer. Absent on tickets stored before groups were recorded, whose topic's chat
    /// says it (`Desk::group_of`).
    pub group: Option<String>,
    /// The ticket card's message id in the topic, once Telegram has it.
    pub card: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When an agent first answered the customer; the first-response clock stops here.
    pub first_response_at: Option<Timestamp>,
    /// Set while the ticket waits for the customer; SLA clocks may pause meanwhile.
    pub awaiting_since: Option<Timestamp>,
    /// Total time spent awaiting the customer in finished waits.
    pub awaiting_total: Span,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// How many times the ticket came back from Resolved or Closed.
    pub reopened: u32,
    /// The customer blocked the bot; replies cannot reach them.
    pub unreachable: bool,
    /// Escalations in force: made and not undone by a supervisor, oldest first.
    pub escalations: Vec<Escalation>,
    /// A supervisor holds escalation (`/hold`): the ladder stops climbing until released.
    pub escalation_held: bool,
    /// The satisfaction survey, once the customer was asked (at most once per ticket).
    pub csat: Option<Survey>,
    /// The sequence number the next history entry gets.
    pub next_seq: u32,
}

/// An escalation in force: the history entry that made it and who it went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escalation {
    /// The `seq` of the `Escalated` history entry; undoing names it.
    pub seq: u32,
    pub to: Vec<UserId>,
}

/// What can happen to a ticket. Each is one row of the lifecycle table or a field change.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    CustomerMessage {
        text: String,
    },
    AgentReply {
        text: String,
    },
    /// Names the response template the agent's reply just before was (history only).
    TemplateUsed {
        template: String,
        version: String,
    },
    Note {
        text: String,
    },
    /// Someone took the ticket up: New becomes Open; any other status stays.
    Start,
    AwaitCustomer,
    Resolve,
    Close,
    Reopen,
    AutoClose,
    /// Gives the ticket to an agent (New becomes Open) or back to the queue (`None`).
    Assign {
        to: Option<UserId>,
    },
    SetPriority(Priority),
    AddTag(String),
    RemoveTag(String),
    Escalate {
        to: Vec<UserId>,
        reason: String,
    },
    /// Undo the escalation made by history entry `escalation` (a supervisor's call).
    Deescalate {
        escalation: u32,
    },
    /// Hold (`true`) or release (`false`) escalation; holding twice changes nothing.
    HoldEscalation {
        held: bool,
    },
    /// The customer asked a resolved ticket to stay open: its silence starts again.
    KeepOpen,
    /// A rule posted `text` in the topic (`notify_agent`).
    Notify {
        text: String,
    },
    MarkUnreachable {
        unreachable: bool,
    },
    MoveTopic(Topic),
    System {
        text: String,
    },
    /// Records that a timer step was acted on (see `sla::Decision::changes`).
    Timer(Mark),
    /// The customer was sent the satisfaction survey; answers count until `expires_at`.
    CsatAsk {
        scale: Scale,
        expires_at: Timestamp,
    },
    /// The customer rated (again: the latest counts); `ask_comment`: the desk asks for a
    /// comment and takes their next message as it.
    CsatRate {
        rating: Rating,
        ask_comment: bool,
    },
    /// The customer's comment on their rating.
    CsatComment {
        text: String,
    },
}

/// Who made a change and under which rule set, stamped on every history entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub actor: Actor,
    /// The content hash of the rule set whose decision this was, if a rule decided.
    pub rules: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{id} is closed; a new message starts a new ticket")]
    Closed { id: TicketId },
    #[error("{id} cannot go from {from} to {to}")]
    Illegal { id: TicketId, from: Status, to: Status },
    #[error("{id} is already {status}")]
    Already { id: TicketId, status: Status },
    #[error("{id} has no tag `{tag}`")]
    NoSuchTag { id: TicketId, tag: String },
    #[error("{id} has no escalation #{seq} in force")]
    NoSuchEscalation { id: TicketId, seq: u32 },
    #[error("{id} is {status}; only a resolved ticket waits to close")]
    NotResolved { id: TicketId, status: Status },
    #[error("{id} was already asked for its satisfaction survey")]
    CsatAsked { id: TicketId },
    #[error("{id} has no satisfaction survey open for this answer")]
    CsatNotOpen { id: TicketId },
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T-{:06}", self.0)
    }
}

impl FromStr for TicketId {
    type Err = String;

    /// Accepts `T-000123`, `t-123`, `#123` and `123`.
    fn from_str(text: &str) -> Result<TicketId, String> {
        let trimmed = text.trim();
        let digits = trimmed
            .strip_prefix("T-")
            .or_else(|| trimmed.strip_prefix("t-"))
            .or_else(|| trimmed.strip_prefix('#'))
            .unwrap_or(trimmed);
        match digits.parse::<u64>() {
            Ok(number) if number > 0 => Ok(TicketId(number)),
            _ => Err(format!("`{trimmed}` is not a ticket id, expected something like T-000123")),
        }
    }
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(text: &str) -> Result<Priority, String> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("`{text}` is not a priority, expected low, normal, high or critical"))
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::New, Status::Open, Status::AwaitingCustomer, Status::Resolved, Status::Closed];

    /// The snake-case name used in files, scripts and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::AwaitingCustomer => "awaiting_customer",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Words for people: `awaiting customer`.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::AwaitingCustomer => "awaiting customer",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// A ticket that still needs someone: not resolved, not closed.
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::AwaitingCustomer)
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(text: &str) -> Result<Status, String> {
        let wanted = text.trim().replace([' ', '-'], "_");
        Status::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(&wanted)).ok_or_else(|| {
            format!("`{text}` is not a status, expected new, open, awaiting_customer, resolved or closed")
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Ticket {
    /// A fresh ticket as the intake form submits it; its first history entry says so.
    pub fn open(
        id: TicketId,
        customer: Customer,
        form: &str,
        answers: BTreeMap<String, Answer>,
        now: Timestamp,
    ) -> (Ticket, Entry) {
        let category = match answers.get("category") {
            Some(Answer::Text(text)) => Some(text.clone()),
            Some(Answer::Choices(values)) => values.first().cloned(),
            _ => None,
        };
        let priority = match answers.get("priority") {
            Some(Answer::Text(text)) => text.parse().unwrap_or(Priority::Normal),
            Some(Answer::Choices(values)) => {
                values.first().and_then(|v| v.parse().ok()).unwrap_or(Priority::Normal)
            }
            _ => Priority::Normal,
        };
        let actor = Actor::Customer(customer.id);
        let ticket = Ticket {
            id,
            customer,
            form: form.to_owned(),
            category,
            priority,
            answers,
            status: Status::New,
            assignee: None,
            tags: BTreeSet::new(),
            topic: None,
            group: None,
            card: None,
            created_at: now,
            updated_at: now,
            first_response_at: None,
            awaiting_since: None,
            awaiting_total: Span::ZERO,
            resolved_at: None,
            closed_at: None,
            reopened: 0,
            unreachable: false,
            escalations: Vec::new(),
            escalation_held: false,
            csat: None,
            next_seq: 1,
        };
        let entry =
            Entry { seq: 0, at: now, actor, rules: None, kind: EntryKind::Created { form: form.to_owned() } };
        (ticket, entry)
    }

    /// Applies one change at `now`, returning the history entries it produced, in order.
    /// On error the ticket is left exactly as it was.
    #[expect(clippy::too_many_lines, reason = "one short arm per change: the lifecycle in one place")]
    pub fn apply(
        &mut self,
        change: Change,
        origin: &Origin,
        now: Timestamp,
    ) -> Result<Vec<Entry>, TransitionError> {
        let mut kinds = Vec::new();
        match change {
            Change::CustomerMessage { text } => {
                let to = match self.status {
                    Status::Closed => return Err(TransitionError::Closed { id: self.id }),
                    Status::New => Status::New,
                    Status::Open | Status::AwaitingCustomer | Status::Resolved => Status::Open,
                };
                // Scored here, once: the facts fold and the `on_message` hook read the score.
                let sentiment = Some(crate::sentiment::score(&text));
                kinds.push(EntryKind::CustomerMessage { text, sentiment });
                self.move_to(to, now, &mut kinds);
            }
            Change::AgentReply { text } => {
                if self.status == Status::Closed {
                    return Err(TransitionError::Closed { id: self.id });
                }
                if self.first_response_at.is_none() {
                    self.first_response_at = Some(now);
                }
                kinds.push(EntryKind::AgentReply { text });
                if self.status == Status::New {
                    self.move_to(Status::Open, now, &mut kinds);
                }
            }
            Change::Note { text } => kinds.push(EntryKind::Note { text }),
            Change::TemplateUsed { template, version } => {
                kinds.push(EntryKind::TemplateUsed { template, version });
            }
            Change::Start => {
                if self.status == Status::Closed {
                    return Err(TransitionError::Closed { id: self.id });
                }
                if self.status == Status::New {
                    self.move_to(Status::Open, now, &mut kinds);
                }
            }
            Change::AwaitCustomer => {
                self.check(&[Status::New, Status::Open], Status::AwaitingCustomer)?;
                self.move_to(Status::AwaitingCustomer, now, &mut kinds);
            }
            Change::Resolve => {
                self.check(&[Status::New, Status::Open, Status::AwaitingCustomer], Status::Resolved)?;
                self.move_to(Status::Resolved, now, &mut kinds);
            }
            Change::Close => {
                self.check(
                    &[Status::New, Status::Open, Status::AwaitingCustomer, Status::Resolved],
                    Status::Closed,
                )?;
                self.move_to(Status::Closed, now, &mut kinds);
            }
            Change::AutoClose => {
                self.check(&[Status::Resolved], Status::Closed)?;
                self.move_to(Status::Closed, now, &mut kinds);
            }
            Change::Reopen => {
                self.check(&[Status::Resolved, Status::Closed], Status::Open)?;
                self.move_to(Status::Open, now, &mut kinds);
            }
            Change::Assign { to } => {
                if self.assignee == to {
                    return Ok(Vec::new());
                }
                kinds.push(EntryKind::Assigned { from: self.assignee, to });
                self.assignee = to;
                // New means nobody has it: an agent taking it, by hand or by routing, opens it.
                if to.is_some() && self.status == Status::New {
                    self.move_to(Status::Open, now, &mut kinds);
                }
            }
            Change::SetPriority(priority) => {
                if self.priority == priority {
                    return Ok(Vec::new());
                }
                kinds.push(EntryKind::PriorityChanged { from: self.priority, to: priority });
                self.priority = priority;
            }
            change @ (Change::AddTag(_)
            | Change::RemoveTag(_)
            | Change::Escalate { .. }
            | Change::Deescalate { .. }
            | Change::HoldEscalation { .. }
            | Change::KeepOpen
            | Change::Notify { .. }) => self.beside_status(change, &mut kinds)?,
            Change::MarkUnreachable { unreachable } => {
                if self.unreachable != unreachable {
                    self.unreachable = unreachable;
                    kinds.push(EntryKind::Reachability { unreachable });
                }
            }
            Change::MoveTopic(topic) => {
                self.topic = Some(topic);
                kinds.push(EntryKind::TopicChanged { topic });
            }
            Change::System { text } => kinds.push(EntryKind::System { text }),
            Change::Timer(mark) => kinds.push(EntryKind::Timer(mark)),
            change @ (Change::CsatAsk { .. } | Change::CsatRate { .. } | Change::CsatComment { .. }) => {
                self.survey(change, now, &mut kinds)?;
            }
        }
        if !kinds.is_empty() {
            self.updated_at = now;
        }
        Ok(kinds.into_iter().map(|kind| self.entry(kind, origin, now)).collect())
    }

    /// Time the ticket has been waiting for the customer up to `now`, finished waits included.
    pub fn awaiting_until(&self, now: Timestamp) -> Span {
        let running = self.awaiting_since.map_or(Span::ZERO, |since| span_between(since, now));
        self.awaiting_total.saturating_add(running)
    }

    /// The part of [`Ticket::apply`] for changes beside the status: tags, escalations and
    /// their hold, keeping a resolved ticket open, a rule's notice.
    fn beside_status(&mut self, change: Change, kinds: &mut Vec<EntryKind>) -> Result<(), TransitionError> {
        match change {
            Change::AddTag(tag) if !self.tags.contains(&tag) => {
                self.tags.insert(tag.clone());
                kinds.push(EntryKind::Tagged { tag });
            }
            Change::RemoveTag(tag) => {
                if !self.tags.remove(&tag) {
                    return Err(TransitionError::NoSuchTag { id: self.id, tag });
                }
                kinds.push(EntryKind::Untagged { tag });
            }
            Change::Escalate { to, reason } => {
                self.escalations.push(Escalation { seq: self.next_seq, to: to.clone() });
                kinds.push(EntryKind::Escalated { to, reason });
            }
            Change::Deescalate { escalation } => {
                let Some(index) = self.escalations.iter().position(|e| e.seq == escalation) else {
                    return Err(TransitionError::NoSuchEscalation { id: self.id, seq: escalation });
                };
                self.escalations.remove(index);
                kinds.push(EntryKind::Deescalated { escalation });
            }
            Change::HoldEscalation { held } if self.escalation_held != held => {
                self.escalation_held = held;
                kinds.push(EntryKind::EscalationHold { held });
            }
            Change::KeepOpen => {
                if self.status != Status::Resolved {
                    return Err(TransitionError::NotResolved { id: self.id, status: self.status });
                }
                kinds.push(EntryKind::KeptOpen);
            }
            Change::Notify { text } => kinds.push(EntryKind::Notified { text }),
            // Tagging twice or holding what is held changes nothing; `apply` hands over only the changes above.
            _ => {}
        }
        Ok(())
    }

    /// The part of [`Ticket::apply`] for the satisfaction survey: asked once, rated while
    /// open (a rating of the survey's scale), one comment when the desk asked for it.
    fn survey(
        &mut self,
        change: Change,
        now: Timestamp,
        kinds: &mut Vec<EntryKind>,
    ) -> Result<(), TransitionError> {
        let id = self.id;
        match change {
            Change::CsatAsk { scale, expires_at } => {
                if self.csat.is_some() {
                    return Err(TransitionError::CsatAsked { id });
                }
                self.csat = Some(Survey {
                    asked_at: now,
                    expires_at,
                    scale,
                    rating: None,
                    answers: 0,
                    comment: None,
                    awaiting_comment: false,
                });
                kinds.push(EntryKind::CsatAsked { scale, expires_at });
            }
            Change::CsatRate { rating, ask_comment } => {
                let survey = self
                    .csat
                    .as_mut()
                    .filter(|survey| survey.is_open(now) && survey.scale == rating.scale)
                    .ok_or(TransitionError::CsatNotOpen { id })?;
                survey.rating = Some(rating);
                survey.answers += 1;
                survey.awaiting_comment = ask_comment;
                kinds.push(EntryKind::CsatRated { rating, ask_comment });
            }
            Change::CsatComment { text } => {
                let survey = self
                    .csat
                    .as_mut()
                    .filter(|survey| survey.is_open(now) && survey.awaiting_comment)
                    .ok_or(TransitionError::CsatNotOpen { id })?;
                survey.comment = Some(text.clone());
                survey.awaiting_comment = false;
                kinds.push(EntryKind::CsatCommented { text });
            }
            _ => {}
        }
        Ok(())
    }

    fn check(&self, allowed_from: &[Status], to: Status) -> Result<(), TransitionError> {
        if allowed_from.contains(&self.status) {
            return Ok(());
        }
        if self.status == to {
            return Err(TransitionError::Already { id: self.id, status: to });
        }
        Err(TransitionError::Illegal { id: self.id, from: self.status, to })
    }

    /// Moves to `to`, keeping the clocks' bookkeeping; a move to the same status records nothing.
    fn move_to(&mut self, to: Status, now: Timestamp, kinds: &mut Vec<EntryKind>) {
        let from = self.status;
        if from == to {
            return;
        }
        if let Some(since) = self.awaiting_since.take() {
            self.awaiting_total = self.awaiting_total.saturating_add(span_between(since, now));
        }
        match to {
            Status::AwaitingCustomer => self.awaiting_since = Some(now),
            Status::Resolved => self.resolved_at = Some(now),
            Status::Closed => {
                self.closed_at = Some(now);
                // Closing straight from work in progress still leaves a resolution time.
                self.resolved_at.get_or_insert(now);
            }
            Status::Open if matches!(from, Status::Resolved | Status::Closed) => {
                self.reopened += 1;
                self.resolved_at = None;
                self.closed_at = None;
            }
            Status::New | Status::Open => {}
        }
        self.status = to;
        kinds.push(EntryKind::StatusChanged { from, to });
    }

    fn entry(&mut self, kind: EntryKind, origin: &Origin, now: Timestamp) -> Entry {
        let seq = self.next_seq;
        self.next_seq += 1;
        Entry { seq, at: now, actor: origin.actor, rules: origin.rules.clone(), kind }
    }
}

/// Whole seconds from `from` to `to`, zero when `to` is not later.
pub fn span_between(from: Timestamp, to: Timestamp) -> Span {
    let seconds = to.as_second().saturating_sub(from.as_second());
    Span::from_secs(u64::try_from(seconds).unwrap_or(0))
}

#[cfg(test)]
mod tests;

//! A ticket's history: every message, note, status change, assignment and rule decision,
//! as an ordered list of entries with who did it, when, and under which rule set.
//!
//! Entries are append-only and numbered per ticket (`seq`), so replays and exports see
//! them in the order they happened even when two share a timestamp.

use std::fmt;

use jiff::Timestamp;

use crate::csat::{Rating, Scale};
use crate::deadline::Mark;
use crate::ticket::{Priority, Status, Topic, UserId};

/// One thing that happened to a ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub seq: u32,
    pub at: Timestamp,
    pub actor: Actor,
    /// The rule-set version that decided this, when a rule did.
    pub rules: Option<String>,
    pub kind: EntryKind,
}

/// The id staff messages carry when an admin of the staff group posts anonymously
/// ("Remain anonymous"): Telegram's stand-in user, `GroupAnonymousBot`. It names nobody, so
/// it is never a member of team.yaml; its replies show as by "an anonymous admin".
pub const ANONYMOUS_ADMIN: UserId = 1_087_968_824;

/// Who did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Customer(UserId),
    Agent(UserId),
    /// The desk itself: timers, automations, rule decisions.
    System,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EntryKind {
    Created {
        form: String,
    },
    CustomerMessage {
        text: String,
        /// `sentiment::score(text)`, scored once when the message came in; `None` in an
        /// entry written before scores were kept (the facts fold scores its text then).
        sentiment: Option<f64>,
    },
    AgentReply {
        text: String,
    },
    /// The agent's reply just before was the response template `template` at `version`
    /// (the entry's `rules` names the rule set in force).
    TemplateUsed {
        template: String,
        version: String,
    },
    Note {
        text: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Assigned {
        from: Option<UserId>,
        to: Option<UserId>,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    Tagged {
        tag: String,
    },
    Untagged {
        tag: String,
    },
    Escalated {
        to: Vec<UserId>,
        reason: String,
    },
    /// A supervisor undid the escalation recorded at `seq` `escalation`.
    Deescalated {
        escalation: u32,
    },
    /// Escalation held (`/hold`) or released: the ladder stands still while held.
    EscalationHold {
        held: bool,
    },
    /// The customer pressed "Keep it open" on a resolved ticket: its silence starts again.
    KeptOpen,
    /// A message a rule posted in the topic (`notify_agent`), kept for audits and limits.
    Notified {
        text: String,
    },
    Reachability {
        unreachable: bool,
    },
    TopicChanged {
        topic: Topic,
    },
    System {
        text: String,
    },
    /// A timer step the desk acted on (an SLA warning or breach rung, an auto-close or its
    /// warning, a reminder); the SLA core reads these so each step fires once.
    Timer(Mark),
    /// The satisfaction survey was sent to the customer, open until `expires_at`.
    CsatAsked {
        scale: Scale,
        expires_at: Timestamp,
    },
    /// The customer rated; a later rating replaces it. `ask_comment`: a comment was asked for.
    CsatRated {
        rating: Rating,
        ask_comment: bool,
    },
    /// The customer's comment on their rating.
    CsatCommented {
        text: String,
    },
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Customer(id) => write!(f, "customer {id}"),
            Actor::Agent(ANONYMOUS_ADMIN) => f.write_str("an anonymous admin"),
            Actor::Agent(id) => write!(f, "agent {id}"),
            Actor::System => f.write_str("desk"),
        }
    }
}

impl fmt::Display for EntryKind {
    /// One short line for timelines and exports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryKind::Created { form } => write!(f, "opened with form {form}"),
            EntryKind::CustomerMessage { text, .. } => write!(f, "customer: {}", shorten(text)),
            EntryKind::AgentReply { text } => write!(f, "reply: {}", shorten(text)),
            EntryKind::TemplateUsed { template, version } => write!(f, "template {template} ({version})"),
            EntryKind::Note { text } => write!(f, "note: {}", shorten(text)),
            EntryKind::StatusChanged { from, to } => write!(f, "{from} -> {to}"),
            EntryKind::Assigned { from: _, to: Some(agent) } => write!(f, "assigned to {agent}"),
            EntryKind::Assigned { from: _, to: None } => f.write_str("unassigned"),
            EntryKind::PriorityChanged { from, to } => write!(f, "priority {from} -> {to}"),
            EntryKind::Tagged { tag } => write!(f, "tagged {tag}"),
            EntryKind::Untagged { tag } => write!(f, "untagged {tag}"),
            EntryKind::Escalated { to, reason } => {
                let to: Vec<String> = to.iter().map(ToString::to_string).collect();
                write!(f, "escalated to {}: {}", to.join(", "), shorten(reason))
            }
            EntryKind::Deescalated { escalation } => write!(f, "escalation #{escalation} undone"),
            EntryKind::EscalationHold { held: true } => f.write_str("escalation held"),
            EntryKind::EscalationHold { held: false } => f.write_str("escalation resumed"),
            EntryKind::KeptOpen => f.write_str("the customer kept the ticket open"),
            EntryKind::Notified { text } => write!(f, "notified: {}", shorten(text)),
            EntryKind::Reachability { unreachable: true } => f.write_str("customer unreachable"),
            EntryKind::Reachability { unreachable: false } => f.write_str("customer reachable again"),
            EntryKind::TopicChanged { topic } => write!(f, "topic {}/{}", topic.chat_id, topic.thread_id),
            EntryKind::System { text } => f.write_str(shorten(text)),
            EntryKind::Timer(mark) => write!(f, "timer: {mark}"),
            EntryKind::CsatAsked { scale, .. } => write!(f, "satisfaction survey sent ({})", scale.as_str()),
            EntryKind::CsatRated { rating, .. } => write!(f, "satisfaction rating {rating}"),
            EntryKind::CsatCommented { text } => write!(f, "satisfaction comment: {}", shorten(text)),
        }
    }
}

/// The first line of `text`, cut at 80 characters, for one-line views.
fn shorten(text: &str) -> &str {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(80) {
        Some((cut, _)) => &line[..cut],
        None => line,
    }
}

//! An outbox entry: one call the desk queued, with the chat whose order it keeps, its lane
//! and the ticket it concerns. The desk queues entries and the dispatcher reads them back
//! typed; only the store turns them into bytes (its own versioned record). A [`Verdict`]
//! says what becomes of an entry once Telegram answered.

use super::budget::Outcome;
use super::call::{Call, Delivery};
use crate::ticket::TicketId;

/// A Telegram call waiting in the outbox until Telegram accepts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// The chat whose order this call keeps (and whose budget it spends).
    pub chat_id: i64,
    pub lane: Lane,
    pub ticket: Option<TicketId>,
    pub call: Call,
}

/// Which calls go first when the budget is short: what people read before cosmetics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Messages people read: relayed text, replies, prompts.
    Message,
    /// Card edits, topic renames and icons: skippable when superseded.
    Cosmetic,
}

/// What to do with an outbox entry after trying to send it.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Telegram accepted it (or its outcome is final): drop it from the outbox.
    Done { delivery: Option<Delivery> },
    /// Keep it and try again later; `outcome` tells the budget how long to wait.
    Retry { outcome: Outcome, delivery: Option<Delivery> },
}

//! An outbox entry: one call the desk queued, with the chat whose order it keeps, its lane
//! and the ticket it concerns. The desk queues entries and the dispatcher reads them back
//! typed; only the store turns them into bytes (its own versioned record).

use super::call::Call;
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

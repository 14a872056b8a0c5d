//! The outbox: Telegram calls the desk decided on, kept in the store until Telegram
//! accepts them. `call` is their vocabulary and `entry` an entry as queued; `plan` is the
//! one planner of what they become on the way out (splits, albums, coalesced texts, edits
//! of copies, where a topic call goes), `budget` decides what may go out when, and
//! `coalesce` words a burst of customer texts joined into one message. The dispatcher that
//! carries out the plan is part of the host.

pub mod budget;
pub mod call;
pub mod coalesce;
pub mod entry;
pub mod plan;

pub use budget::{Budget, Limits, Outcome, Pending, Plan};
pub use call::{
    Button, ButtonKind, CAPTION_LIMIT, Call, Content, Delivery, FileKind, HeldWhy, InlineResult, Media,
    Report, Single, StaffTrouble, TEXT_LIMIT, Target, caption_too_long, clip, split_text,
};
pub use entry::{Lane, Outgoing, Verdict};
pub use plan::{CopyOf, Known, Outbound, Place, Planned, Planner};

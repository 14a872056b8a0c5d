//! The outbox: Telegram calls the desk decided on, kept in the store until Telegram
//! accepts them. `call` is their vocabulary, `entry` an entry as queued, `budget` decides what may go out when, `coalesce`
//! joins bursts of customer texts while the group's budget is short; the
//! dispatcher that sends them is part of the Telegram host.

pub mod budget;
pub mod call;
pub mod coalesce;
pub mod entry;

pub use budget::{Budget, Limits, Outcome, Pending, Plan};
pub use call::{
    Button, CAPTION_LIMIT, Call, Delivery, FileKind, Media, Report, StaffTrouble, TEXT_LIMIT, Target,
    caption_too_long, clip, split_text,
};
pub use entry::{Lane, Outgoing};

//! The outbox: Telegram calls the desk decided on, kept in the store until Telegram
//! accepts them. `budget` decides what may go out when; the dispatcher that sends is
//! part of the Telegram host.

pub mod budget;

pub use budget::{Budget, Limits, Outcome, Pending, Plan};

//! topicdesk: a help desk inside a Telegram forum supergroup.
//!
//! Modules in reading order: the pure core first (durations, tickets and their history),
//! then the edges (the store).

pub mod bench;
pub mod cli;
pub mod duration;
pub mod export;
pub mod history;
pub mod store;
pub mod ticket;

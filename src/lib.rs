//! topicdesk: a help desk inside a Telegram forum supergroup.
//!
//! Modules in reading order: the pure core first (durations, tickets), then the edges.

pub mod duration;
pub mod fakegram;

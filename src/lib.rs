//! topicdesk: a help desk inside a Telegram forum supergroup.
//!
//! Modules in reading order: the pure core first (durations, tickets), then the rules a
//! support lead edits (`rules`: loading, checking and reloading `rules/`) and the sandboxed
//! script host that runs their hooks (`script`), then the edges.

pub mod duration;
pub mod rules;
pub mod script;

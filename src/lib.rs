//! topicdesk: a help desk inside a Telegram forum supergroup.
//!
//! Modules in reading order. The pure core first: durations, business calendars and
//! sentiment scoring, then tickets and their history. Then the rules a support lead edits
//! (`rules`: loading, checking and reloading `rules/`) and the sandboxed script host that
//! runs their hooks (`script`), and the intake dialogue customers fill before a ticket exists
//! (`intake`). Then the edges: the store, export, benchmarks and the command line.

pub mod duration;
pub mod calendar;
pub mod sentiment;
pub mod ticket;
pub mod history;
pub mod rules;
pub mod script;
pub mod intake;
pub mod store;
pub mod export;
pub mod bench;
pub mod cli;

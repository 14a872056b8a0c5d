//! topicdesk: a help desk inside a Telegram forum supergroup.
//!
//! Modules in reading order. The pure core first: durations, the `path:line:col`
//! diagnostics every check reports, business calendars and sentiment scoring, the names of
//! a ticket's timers (`deadline`), the satisfaction survey's vocabulary (`csat`), then
//! tickets, their history, response templates (`template`: rendering and search) and the
//! SLA clocks computed from history (`sla`). Then the rules a support lead edits (`rules`:
//! loading, checking and reloading `rules/`) and the sandboxed script host that runs their
//! hooks (`script`). Then the edges: the store, the outbox, the Telegram adapter, the web
//! edge (`http`: metrics and health checks), the host, export, `report` (the team's
//! figures from the store's per-ticket `metrics` facts), `simulate` (replaying traffic
//! through rules on a virtual clock), `scenarios` (`topicdesk test`), benchmarks and the
//! command line.

pub mod duration;
pub mod diagnostic;
pub mod calendar;
pub mod sentiment;
pub mod deadline;
pub mod csat;
pub mod notify;
pub mod groups;
pub mod ticket;
pub mod history;
pub mod audit;
pub mod business;
pub mod retention;
pub mod template;
pub mod sla;
pub mod metrics;
pub mod intake;
pub mod kb;
pub mod rules;
pub mod script;
pub mod store;
pub mod outbox;
pub mod privacy;
pub mod desk;
pub mod telegram;
pub mod http;
pub mod host;
pub mod demo;
pub mod export;
pub mod report;
pub mod simulate;
pub mod scenarios;
pub mod bench;
pub mod control;
pub mod cli;
pub mod fakegram;

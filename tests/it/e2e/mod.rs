//! End-to-end tests over HTTP on real time: the real host (in this process, or the real
//! `topicdesk run` binary where a test must kill it) against the fake Bot API bound to
//! 127.0.0.1. Each test starts its own fake, a fresh store and the shipped rules; rate
//! budgets, where on, have their windows shrunk by the same factor on both sides.

mod agents;
mod budgets;
mod business;
mod csat;
mod dead_letters;
mod faults;
mod forget;
mod full_disk;
mod full_path;
mod groups;
mod guards;
mod kb;
pub(crate) mod harness;
mod inline;
mod kill;
mod ladder;
mod metrics;
mod notify;
mod refusals;
mod relay;
mod replayed;
mod retention;
mod same_figures;
mod runaway;
mod outage_start;
mod startup;
mod templates;
mod task_ends;
mod webhook;

//! The one integration-test binary: it drives the real `topicdesk` executable and the
//! library's public API the way an operator and the desk do.

mod cli;
mod demo;
mod durability;
mod e2e;
mod modules;
mod report;
mod source;
mod support;
mod tidy;

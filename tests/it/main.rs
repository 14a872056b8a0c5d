//! The one integration-test binary: it drives the real `topicdesk` executable and the
//! library's public API the way an operator and the desk do.

mod backup;
mod cli;
mod dashboard;
mod demo;
mod durability;
mod e2e;
mod logs;
mod modules;
mod packaging;
mod privacy;
mod probe;
mod report;
mod source;
mod support;
mod tidy;

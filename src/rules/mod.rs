//! The rules directory: loading, checking and reloading what support leads edit.
//!
//! `desk.yaml`, `team.yaml`, `forms/*.yaml`, `*.rhai` and `tests/*.yaml` become one immutable,
//! content-hashed [`RuleSet`]. The loader reports every problem as a [`Diagnostic`] placed at
//! `path:line:col`; this is the only module that parses YAML.

mod diagnostic;
mod schema;
mod yaml;

pub use diagnostic::{Diagnostic, Position, Severity};
pub use schema::SchemaKind;

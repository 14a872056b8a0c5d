//! The rules directory: loading, checking and reloading what support leads edit.
//!
//! `desk.yaml`, `team.yaml`, `forms/*.yaml`, `templates/*.yaml`, `*.rhai`, `tests/*.yaml` and
//! `kb/*.md` become one immutable,
//! content-hashed [`RuleSet`]. The loader reports every problem as a
//! [`Diagnostic`](crate::diagnostic::Diagnostic) placed at
//! `path:line:col`; this is the only module that parses YAML. `check_command` is the body of
//! `topicdesk check` (`topicdesk test` runs the scenarios loaded here: `scenarios`).

mod commands;
mod desk;
mod form;
mod groups;
mod kb;
mod loader;
mod reload;
mod ruleset;
mod scenario;
mod schema;
mod team;
mod templates;
mod yaml;

#[cfg(test)]
mod kb_quality_tests;

#[cfg(test)]
mod shipped_tests;

#[cfg(test)]
mod reload_tests;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod templates_tests;

pub use commands::{EXIT_INVALID, EXIT_OK, check_command};
pub use desk::{
    AwayPolicy, DeskConfig, DispatcherBudgets, HoursEntry, Located, LoopGuard, WebhookConfig, WeeklyDigest,
};

pub use form::{Choice, ChoiceLayout, DEFAULT_KB_MIN_SCORE, Field, FieldKind, Form};
pub use groups::{StaffGroupConfig, explain_membership};
pub use loader::load;
pub use reload::{
    DEBOUNCE, ReloadError, ReloadEvent, Reloader, RulesHandle, WatchMode, watch, watch_with_progress,
};
pub use ruleset::{RuleSet, RuleSetVersion};
pub use scenario::{AgentOverride, Case, Expectation, ExpectedSla, ScenarioFile, Timeline, TimelineEvent};
pub use schema::SchemaKind;
pub use team::{Agent, AgentState, DEFAULT_CAPACITY, Role, Team};
pub use templates::saved_template_yaml;

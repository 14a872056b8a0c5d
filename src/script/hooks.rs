//! Calling hooks under the failure policy (DESIGN.md invariant 5).
//!
//! Every call runs with the time budget armed and without re-running top-level
//! statements. A hook that errors, runs over budget or returns something unusable yields the
//! documented default; the outcome carries the failure with the `file:line` where it happened,
//! the failure is logged, and the caller asks [`AlertGate`](super::AlertGate) whether to alert
//! supervisors. Every outcome names the rule-set version that decided it, for ticket history.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use rhai::{CallFnOptions, Dynamic, EvalAltResult, FuncArgs, Map, Scope};

use super::api::{ScriptTeam, answers_map, groups_array};
use super::convert::{actions_of, sla_of};
use super::decision::RouteDecision;
use super::engine::{DEADLINE_TOKEN, LastSeen, bare_message, replay, with_budget};
use super::kb::with_knowledge_base;
use super::scripts::{Hook, Scripts};
use super::views::{CsatView, FieldValue, GroupView, MessageView, RoundRobin, TeamView, TicketView};
use crate::diagnostic::Position;
use crate::sla::{Action, BreachPlan, BreachView, SlaTargets};

/// A hook's decision, who made it, and what went wrong on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct HookOutcome<T> {
    pub value: T,
    /// Whether a script decided or the built-in default did.
    pub decided_by: DecidedBy,
    /// Set when the script failed and the default stood in.
    pub failure: Option<HookFailure>,
    /// Short content hash of the rule set that decided, for ticket history.
    pub rule_set_version: Arc<str>,
}

/// Who made a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    Script,
    Default,
}

/// Why a hook's own answer was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookFailure {
    /// The function that was called (a hook name or a form's `validate:` function).
    pub function: String,
    pub path: PathBuf,
    pub position: Position,
    pub kind: FailureKind,
    pub message: String,
}

/// Errors and budget overruns are reported differently to supervisors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The script raised an error or returned something unusable.
    Error,
    /// The script hit the time, operation, size or depth limit.
    OverBudget,
}

/// What `route` returns: the decision and the advanced round-robin cursor to persist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routing {
    pub decision: RouteDecision,
    pub cursor: RoundRobin,
}

impl fmt::Display for HookFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FailureKind::Error => "failed",
            FailureKind::OverBudget => "ran over its budget",
        };
        write!(f, "{}:{}: {} {what}: {}", self.path.display(), self.position, self.function, self.message)
    }
}

impl Scripts {
    /// Routes a ticket: the `route` hook, or round robin over every available agent.
    pub fn route(&self, ticket: &TicketView, team: &TeamView, cursor: RoundRobin) -> HookOutcome<Routing> {
        let fallback = || {
            let mut advanced = cursor;
            let decision =
                team.round_robin("", &mut advanced).map_or(RouteDecision::Queue, RouteDecision::Agent);
            Routing { decision, cursor: advanced }
        };
        let view = Arc::new(team.clone());
        let shared_cursor = Arc::new(Mutex::new(cursor));
        // Every call (a replay too) starts from the cursor given; the script's copies share it.
        let args = || {
            *shared_cursor.lock().unwrap_or_else(PoisonError::into_inner) = cursor;
            (ticket.clone(), ScriptTeam { view: Arc::clone(&view), cursor: Arc::clone(&shared_cursor) })
        };
        self.run(Hook::Route.name(), (2, args), fallback, |result| {
            let decision = if result.is_unit() {
                RouteDecision::Queue
            } else {
                let id = result
                    .as_int()
                    .map_err(|_| format!("route() must return an agent id or (), not `{result}`"))?;
                if !team.agents.iter().any(|agent| agent.id == id) {
                    return Err(format!(
                        "route() returned {id}, who is not in team.yaml (or not in the ticket's staff group)"
                    ));
                }
                RouteDecision::Agent(id)
            };
            let cursor = *shared_cursor.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(Routing { decision, cursor })
        })
    }

    /// The SLA targets of a ticket: the `sla` hook, or none.
    pub fn sla(&self, ticket: &TicketView) -> HookOutcome<Option<SlaTargets>> {
        self.run(Hook::Sla.name(), (1, || (ticket.clone(),)), || None, sla_of)
    }

    /// What to do about a breach: the `on_breach` hook's actions, or the default ladder.
    pub fn on_breach(&self, ticket: &TicketView, breach: &BreachView) -> HookOutcome<BreachPlan> {
        self.run(
            Hook::OnBreach.name(),
            (2, || (ticket.clone(), breach.clone())),
            || BreachPlan::DefaultLadder,
            |result| {
                if result.is_unit() {
                    return Ok(BreachPlan::DefaultLadder);
                }
                actions_of("on_breach", result).map(BreachPlan::Actions)
            },
        )
    }

    /// What to do about a message: the `on_message` hook's actions, or none.
    pub fn on_message(&self, ticket: &TicketView, message: &MessageView) -> HookOutcome<Vec<Action>> {
        self.on_message_of(|| ticket.clone(), message)
    }

    /// [`Self::on_message`] with the ticket's view made by `view` for each call that needs
    /// one: once, and again only for a replay of a call that ran over. The desk builds the
    /// view straight into the call instead of building it and then handing the hook a copy.
    pub fn on_message_of(
        &self,
        view: impl Fn() -> TicketView,
        message: &MessageView,
    ) -> HookOutcome<Vec<Action>> {
        self.run(Hook::OnMessage.name(), (2, || (view(), message.clone())), Vec::new, |result| {
            if result.is_unit() {
                return Ok(Vec::new());
            }
            actions_of("on_message", result)
        })
    }

    /// What to do about a satisfaction answer: the `on_csat` hook's actions, or none.
    pub fn on_csat(&self, ticket: &TicketView, csat: &CsatView) -> HookOutcome<Vec<Action>> {
        self.run(Hook::OnCsat.name(), (2, || (ticket.clone(), csat.clone())), Vec::new, |result| {
            if result.is_unit() {
                return Ok(Vec::new());
            }
            actions_of("on_csat", result)
        })
    }

    /// The staff group of a new ticket: the `group` hook's choice by name, or `None` for the
    /// default (the hook returned `()`, or there is none). A name not among `groups`, a value
    /// of another type, an error or an overrun is a failure, and the default decides.
    pub fn group(&self, ticket: &TicketView, groups: &[GroupView]) -> HookOutcome<Option<String>> {
        let array = groups_array(groups);
        self.run(
            Hook::Group.name(),
            (2, || (ticket.clone(), array.clone())),
            || None,
            |result| {
                if result.is_unit() {
                    return Ok(None);
                }
                let name = result.into_immutable_string().map_err(|kind| {
                    format!("group() must return a staff group's name or (), not a {kind}")
                })?;
                if !groups.iter().any(|group| group.name == name.as_str()) {
                    let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
                    return Err(format!(
                        "group() returned \"{name}\", which is no staff group (desk.yaml has {})",
                        names.join(", ")
                    ));
                }
                Ok(Some(name.to_string()))
            },
        )
    }

    /// Runs a form's `validate:` function: field id -> message for each answer to ask again.
    /// A failing function accepts the answers (the customer is never stuck on a broken rule).
    pub fn validate_form(
        &self,
        function: &str,
        answers: &BTreeMap<String, FieldValue>,
    ) -> HookOutcome<BTreeMap<String, String>> {
        self.run(function, (1, || (answers_map(answers),)), BTreeMap::new, |result| {
            if result.is_unit() {
                return Ok(BTreeMap::new());
            }
            let map = result
                .try_cast::<Map>()
                .ok_or_else(|| format!("{function}() must return () or #{{ field: \"message\" }}"))?;
            Ok(map.into_iter().map(|(field, message)| (field.to_string(), message.to_string())).collect())
        })
    }

    /// Calls `function` when it exists; otherwise, or when it fails, uses `fallback`. `args`
    /// gives the arguments afresh for each call (a replay calls again).
    fn run<A: FuncArgs, T>(
        &self,
        function: &str,
        (arity, args): (usize, impl Fn() -> A),
        fallback: impl FnOnce() -> T,
        convert: impl FnOnce(Dynamic) -> Result<T, String>,
    ) -> HookOutcome<T> {
        let Some(site) = self.site(function, arity) else {
            return self.outcome(fallback(), DecidedBy::Default, None);
        };
        let call = |engine: &rhai::Engine| {
            let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
            with_knowledge_base(&self.knowledge_base, || {
                engine.call_fn_with_options::<Dynamic>(
                    options,
                    &mut Scope::new(),
                    &self.ast,
                    function,
                    args(),
                )
            })
        };
        let (result, stopped) = with_budget(call);
        let failure = match result {
            Ok(value) => match convert(value) {
                Ok(value) => {
                    super::stats::record(function, false, stopped.took);
                    return self.outcome(value, DecidedBy::Script, None);
                }
                Err(message) => HookFailure {
                    function: function.to_owned(),
                    path: site.path.clone(),
                    position: site.position,
                    kind: FailureKind::Error,
                    message,
                },
            },
            Err(error) => {
                // Rhai moves a limit hit to the call's site; a replay finds where it was.
                let last_seen = if innermost(&error).is_system_exception() {
                    replay(stopped, call)
                } else {
                    LastSeen::default()
                };
                self.failure_of(function, &error, &last_seen)
            }
        };
        super::stats::record(function, true, stopped.took);
        tracing::error!(rule_set = %self.version, "{failure}; using the default");
        self.outcome(fallback(), DecidedBy::Default, Some(failure))
    }

    fn outcome<T>(&self, value: T, decided_by: DecidedBy, failure: Option<HookFailure>) -> HookOutcome<T> {
        HookOutcome { value, decided_by, failure, rule_set_version: Arc::clone(&self.version) }
    }

    /// Places a runtime error in the innermost script function it happened in; a limit hit or
    /// a termination (which Rhai moves to the call's site) where the script last was.
    fn failure_of(&self, hook: &str, error: &EvalAltResult, last_seen: &LastSeen) -> HookFailure {
        let mut function = hook.to_owned();
        let mut innermost = error;
        while let EvalAltResult::ErrorInFunctionCall(name, _, inner, _) = innermost {
            function.clone_from(name);
            innermost = inner;
        }
        let site = self.sites_named(&function).or_else(|| self.sites_named(hook));
        let position = innermost.position();
        let (path, position) = match (site, position.line()) {
            (_, _) if innermost.is_system_exception() && !last_seen.position.is_none() => {
                let running = last_seen.function.as_ref().and_then(|(name, arity)| self.site(name, *arity));
                let path =
                    running.or(site).map_or_else(|| PathBuf::from("<rules>"), |site| site.path.clone());
                (path, rhai_position(last_seen.position))
            }
            (Some(site), Some(_)) => (site.path.clone(), rhai_position(position)),
            (Some(site), None) => (site.path.clone(), site.position),
            (None, _) => (PathBuf::from("<rules>"), Position::FILE),
        };
        let kind = match innermost {
            EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorDataTooLarge(..)
            | EvalAltResult::ErrorStackOverflow(_)
            | EvalAltResult::ErrorTerminated(..) => FailureKind::OverBudget,
            _ => FailureKind::Error,
        };
        let message = match innermost {
            EvalAltResult::ErrorTerminated(token, _) if token.to_string() == DEADLINE_TOKEN => {
                format!("stopped after {} ms of running time", super::engine::CALL_BUDGET.as_millis())
            }
            other => bare_message(other),
        };
        HookFailure { function: hook.to_owned(), path, position, kind, message }
    }

    fn sites_named(&self, name: &str) -> Option<&super::FunctionSite> {
        self.arities(name).first().and_then(|arity| self.site(name, *arity))
    }
}

/// A Rhai position (known to have a line) as the desk's `line:col`.
fn rhai_position(position: rhai::Position) -> Position {
    Position::new(position.line().unwrap_or(1) as u32, position.position().unwrap_or(1) as u32)
}

/// The error inside every `ErrorInFunctionCall` wrapper.
fn innermost(error: &EvalAltResult) -> &EvalAltResult {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}

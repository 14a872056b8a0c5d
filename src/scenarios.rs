//! Running rule scenarios: `topicdesk test`.
//!
//! Above `rules` (which loads the scenario files), `script` (whose hooks the cases call) and
//! `simulate` (which runs the timeline cases on the real desk, in memory, on a virtual
//! clock: [`crate::simulate::ticket_timeline`]), so none of those imports another for it.
//!
//! Each case builds the ticket and team views it describes, calls the hook its expectation
//! names through the same [`Scripts`](crate::script::Scripts) calls the desk uses, and compares;
//! a timeline case compares the timer decisions the desk acted on.
//! A hook failure counts as a failed case (with the script's `file:line`), even though the desk
//! itself would fall back to the default.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::print_diagnostics;
use crate::duration::Span;
use crate::groups::Load;
use crate::rules::{
    AgentState, Case, EXIT_INVALID, EXIT_OK, Expectation, ExpectedSla, RuleSet, Timeline, load,
};
use crate::script::{GroupView, HookFailure, TeamView};
use crate::sla::{BreachPlan, SlaTargets, write_actions};
use crate::ticket::{Answer, span_between};

/// `topicdesk test`: loads the rules (printing diagnostics), runs `tests/*.yaml`, and ends with
/// `N passed, N failed`; exit 0 when all passed, 1 when the rules are invalid or a case failed.
pub fn test_command(dir: &Path, out: &mut dyn Write) -> i32 {
    let (rule_set, diagnostics) = load(dir);
    print_diagnostics(&diagnostics, out);
    let Some(set) = rule_set else {
        return EXIT_INVALID;
    };
    let report = run_scenarios(&set, out);
    if report.failed == 0 { EXIT_OK } else { EXIT_INVALID }
}

/// How many cases passed and failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScenarioReport {
    pub passed: usize,
    pub failed: usize,
}

/// Runs every case of every scenario file, printing one line per failing case
/// (`path:line:col: case "name": ...`) and `N passed, N failed` as the last line.
pub fn run_scenarios(set: &RuleSet, out: &mut dyn Write) -> ScenarioReport {
    let mut report = ScenarioReport::default();
    for file in set.scenarios() {
        for case in &file.cases {
            match run_case(set, case) {
                Ok(()) => report.passed += 1,
                Err(reason) => {
                    report.failed += 1;
                    let line = format!(
                        "{}:{}: case \"{}\": {reason}",
                        file.path.display(),
                        case.position,
                        case.name
                    );
                    write_line(out, &line);
                }
            }
        }
    }
    write_line(out, &format!("{} passed, {} failed", report.passed, report.failed));
    report
}

/// Runs one case; `Err` says what differed.
fn run_case(set: &RuleSet, case: &Case) -> Result<(), String> {
    let scripts = set.scripts();
    match &case.expect {
        Expectation::Route(expected) => {
            let outcome = scripts.route(&case.ticket, &team_view(set, case), case.round_robin);
            settled(outcome.failure.as_ref())?;
            compare(&expected.to_string(), &outcome.value.decision.to_string(), "route")
        }
        Expectation::Sla(expected) => {
            let outcome = scripts.sla(&case.ticket);
            settled(outcome.failure.as_ref())?;
            compare(
                &show_expected_sla(expected.as_ref()),
                &show_sla(outcome.value.as_ref(), expected.as_ref()),
                "sla",
            )
        }
        Expectation::OnBreach(expected) => {
            let breach = case.breach.as_ref().expect("the loader refuses on_breach cases without a breach");
            let outcome = scripts.on_breach(&case.ticket, breach);
            settled(outcome.failure.as_ref())?;
            let expected = expected.clone().map_or(BreachPlan::DefaultLadder, BreachPlan::Actions);
            compare(&expected.to_string(), &outcome.value.to_string(), "on_breach")
        }
        Expectation::OnMessage(expected) => {
            let message =
                case.message.as_ref().expect("the loader refuses on_message cases without a message");
            let outcome = scripts.on_message(&case.ticket, message);
            settled(outcome.failure.as_ref())?;
            let (mut want, mut got) = (String::new(), String::new());
            write_actions(&mut want, expected).expect("writing to a String cannot fail");
            write_actions(&mut got, &outcome.value).expect("writing to a String cannot fail");
            compare(&want, &got, "on_message")
        }
        Expectation::OnCsat(expected) => {
            let csat = case.csat.as_ref().expect("the loader refuses on_csat cases without a csat");
            let outcome = scripts.on_csat(&case.ticket, csat);
            settled(outcome.failure.as_ref())?;
            let (mut want, mut got) = (String::new(), String::new());
            write_actions(&mut want, expected).expect("writing to a String cannot fail");
            write_actions(&mut got, &outcome.value).expect("writing to a String cannot fail");
            compare(&want, &got, "on_csat")
        }
        Expectation::Group(expected) => {
            let views = group_views(set, case)?;
            let outcome = scripts.group(&case.ticket, &views);
            settled(outcome.failure.as_ref())?;
            let show = |name: &Option<String>| name.clone().unwrap_or_else(|| "default".to_owned());
            compare(&show(expected), &show(&outcome.value), "group")
        }
        Expectation::Timers(expected) => {
            let timeline = case.timeline.as_ref().expect("the loader refuses timers cases without `until`");
            let got = timers(set, case, timeline)?;
            compare(&expected.join("; "), &got.join("; "), "timers")
        }
    }
}

/// The timer decisions of a timeline case, as `offset summary` lines; `Err` when a hook
/// failed on the way.
fn timers(set: &RuleSet, case: &Case, timeline: &Timeline) -> Result<Vec<String>, String> {
    let zone = jiff::tz::TimeZone::get(&set.desk().timezone.value).unwrap_or(jiff::tz::TimeZone::UTC);
    let opened = zone.to_timestamp(timeline.opened).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let at = |offset: Span| {
        let offset = jiff::SignedDuration::from_secs(i64::try_from(offset.as_secs()).unwrap_or(i64::MAX));
        opened.saturating_add(offset).unwrap_or(jiff::Timestamp::MAX)
    };
    let events: Vec<_> = timeline.events.iter().map(|&(offset, event)| (at(offset), event)).collect();
    let mut answers = BTreeMap::from([("priority".to_owned(), Answer::Text(case.ticket.priority.clone()))]);
    if !case.ticket.category.is_empty() {
        answers.insert("category".to_owned(), Answer::Text(case.ticket.category.clone()));
    }
    let replayed = crate::simulate::ticket_timeline(set, answers, opened, &events, at(timeline.until))
        .map_err(|error| format!("the desk failed on the timeline: {error}"))?;
    if replayed.hook_failures > 0 {
        return Err(format!("a hook failed {} times on the timeline (see the log)", replayed.hook_failures));
    }
    Ok(replayed
        .decisions
        .into_iter()
        .map(|(when, decision)| format!("{} {}", span_between(opened, when), decision.summary()))
        .collect())
}

/// desk.yaml's staff groups as the `group` hook sees them, with the case's loads; `Err`
/// for a load naming no group.
fn group_views(set: &RuleSet, case: &Case) -> Result<Vec<GroupView>, String> {
    let groups = set
        .desk()
        .staff_groups(None)
        .unwrap_or_else(|| crate::groups::StaffGroups::single(set.desk().staff_chat.unwrap_or_default()));
    if let Some(unknown) = case.groups.iter().find(|load| groups.named(&load.name).is_none()) {
        let names: Vec<&str> = groups.all().iter().map(|group| group.name.as_str()).collect();
        return Err(format!(
            "`groups` names \"{}\", which desk.yaml does not list (staff groups: {})",
            unknown.name,
            names.join(", ")
        ));
    }
    let loads: Vec<Load> = groups
        .all()
        .iter()
        .map(|group| {
            let given = case.groups.iter().rev().find(|load| load.name == group.name);
            Load {
                active: given.and_then(|load| load.active).unwrap_or(0),
                budget_used: given.and_then(|load| load.calls_last_minute).unwrap_or(0) * 60,
            }
        })
        .collect();
    Ok(crate::desk::group_views(&groups, &loads, &[], set.desk().dispatcher.group_messages_per_minute))
}

fn team_view(set: &RuleSet, case: &Case) -> TeamView {
    set.team().view(|agent| {
        // Later overrides (the case's own) win over earlier ones (the file's).
        let mut state = AgentState { load: 0, online: true };
        for override_ in case.team.iter().filter(|o| o.id == agent.id) {
            state.load = override_.load.unwrap_or(state.load);
            state.online = override_.online.unwrap_or(state.online);
        }
        state
    })
}

fn settled(failure: Option<&HookFailure>) -> Result<(), String> {
    failure.map_or(Ok(()), |failure| Err(format!("the hook failed: {failure}")))
}

fn compare(expected: &str, actual: &str, hook: &str) -> Result<(), String> {
    if expected == actual { Ok(()) } else { Err(format!("expected {hook} {expected}, got {actual}")) }
}

fn show_expected_sla(expected: Option<&ExpectedSla>) -> String {
    expected.map_or_else(
        || "none".to_owned(),
        |sla| {
            SlaTargets {
                first_response: sla.first_response,
                next_response: sla.next_response,
                resolution: sla.resolution,
                calendar: sla.calendar.unwrap_or_default(),
                ..SlaTargets::default()
            }
            .to_string()
        },
    )
}

/// The actual targets, printed with the expected clock when the case does not name one.
fn show_sla(actual: Option<&SlaTargets>, expected: Option<&ExpectedSla>) -> String {
    let Some(actual) = actual else { return "none".to_owned() };
    let mut shown = actual.clone();
    if let Some(expected) = expected
        && expected.calendar.is_none()
    {
        shown.calendar = crate::sla::SlaClock::default();
    }
    shown.to_string()
}

fn write_line(out: &mut dyn Write, line: &str) {
    if let Err(error) = writeln!(out, "{line}") {
        report_write_error(&error);
    }
}

fn report_write_error(error: &io::Error) {
    tracing::warn!("cannot write scenario results: {error}");
}

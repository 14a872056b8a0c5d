//! Loader checks, one snapshot per check: the exact `path:line:col: message` a lead sees.
//!
//! Each test starts from a small valid rules directory, replaces or adds files, runs
//! `topicdesk check`'s code path and compares its output (paths relative to the directory).

use std::fs;
use std::path::Path;

use expect_test::{Expect, expect};

use super::check_command;

const DESK: &str = "timezone: UTC\n";
const TEAM: &str = "\
agents:
  - { id: 1, name: Ana, role: supervisor, skills: [billing] }
  - { id: 2, name: Ben, skills: [technical] }
";
const FORM: &str = "\
id: support
fields:
  - id: category
    prompt: About?
    type: choice
    choices: [billing, technical]
  - id: details
    prompt: Details?
    type: text
";

/// Writes the base directory plus `files` (same names replace), runs check, compares output
/// followed by the exit code.
#[track_caller]
fn check(files: &[(&str, &str)], expect: &Expect) {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = [("desk.yaml", DESK), ("team.yaml", TEAM), ("forms/support.yaml", FORM)];
    for (name, text) in base.iter().chain(files) {
        write(dir.path(), name, text);
    }
    let mut out = Vec::new();
    let code = check_command(dir.path(), &mut out);
    let prefix = format!("{}/", dir.path().display());
    let text = String::from_utf8(out).expect("utf-8").replace(&prefix, "");
    expect.assert_eq(&format!("{text}exit {code}\n"));
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    fs::write(path, text).expect("write file");
}

#[test]
fn base_directory_is_valid() {
    check(
        &[],
        &expect![[r"
        exit 0
    "]],
    );
}

#[test]
fn duplicate_field_ids() {
    let form = "id: support\nfields:\n  - { id: details, prompt: A, type: text }\n  - { id: details, prompt: B, type: text }\n";
    check(
        &[("forms/support.yaml", form)],
        &expect![[r"
        forms/support.yaml:4:11: duplicate field id `details` (first defined at line 3)
        exit 1
    "]],
    );
}

#[test]
fn when_reads_a_later_or_unknown_field() {
    let form = "\
id: support
fields:
  - id: invoice
    when: answers.category == \"billing\"
    prompt: Invoice?
    type: text
  - id: category
    prompt: About?
    type: choice
    choices: [billing]
  - id: notes
    when: answers.colour == \"red\"
    prompt: Notes?
    type: text
";
    check(
        &[("forms/support.yaml", form)],
        &expect![[r"
        forms/support.yaml:4:11: `when` reads `answers.category`, which is a field asked later
        forms/support.yaml:12:11: `when` reads `answers.colour`, but this form has no field `colour`
        exit 1
    "]],
    );
}

#[test]
fn when_that_does_not_compile() {
    let form = "id: support\nfields:\n  - { id: a, prompt: A, type: yes_no }\n  - { id: b, prompt: B, type: text, when: 'answers.a ==' }\n";
    check(
        &[("forms/support.yaml", form)],
        &expect![[r"
        forms/support.yaml:4:55: `when` is not a valid expression: script is incomplete
        exit 1
    "]],
    );
}

#[test]
fn choice_with_no_options() {
    let form = "id: support\nfields:\n  - id: category\n    prompt: About?\n    type: choice\n    choices: []\n  - { id: size, prompt: Size?, type: multi_choice }\n";
    check(
        &[("forms/support.yaml", form)],
        &expect![[r"
        forms/support.yaml:5:11: choice field `category` has no choices
        forms/support.yaml:7:38: choice field `size` has no choices
        exit 1
    "]],
    );
}

#[test]
fn validate_names_a_missing_function() {
    let form = format!("{FORM}validate: check_support\n");
    let wrong_arity = "id: other\nfields: [ { id: a, prompt: A, type: text } ]\nvalidate: two\n";
    check(
        &[
            ("forms/support.yaml", &form),
            ("forms/other.yaml", wrong_arity),
            ("helpers.rhai", "fn two(a, b) { () }\n"),
        ],
        &expect![[r"
            forms/other.yaml:3:11: `validate` names `two`, which must take 1 parameter (answers), not 2
            forms/support.yaml:10:11: `validate` names `check_support`, but no .rhai file defines fn check_support(answers)
            exit 1
        "]],
    );
}

#[test]
fn hook_with_the_wrong_number_of_parameters() {
    let script = "// routing\nfn route(ticket) {\n    ()\n}\n\nfn sla(ticket, team) { () }\n";
    check(
        &[("routing.rhai", script)],
        &expect![[r"
        routing.rhai:2:1: hook `route` takes 2 parameters (ticket, team), not 1
        routing.rhai:6:1: hook `sla` takes 1 parameter (ticket), not 2
        exit 1
    "]],
    );
}

#[test]
fn agent_id_listed_twice() {
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n  - { id: 2, name: Ben }\n  - { id: 1, name: Ana again }\n";
    check(
        &[("team.yaml", team)],
        &expect![[r"
        team.yaml:4:11: agent id 1 is listed twice (first at line 2)
        exit 1
    "]],
    );
}

#[test]
fn skill_used_in_routing_that_no_agent_has_is_a_warning() {
    let script =
        "fn route(ticket, team) {\n    team.round_robin(\"billing\") ?? team.least_loaded( \"vip\" )\n}\n";
    check(
        &[("routing.rhai", script)],
        &expect![[r"
        routing.rhai:2:55: warning: no agent in team.yaml has skill `vip`, so this never finds anyone
        exit 0
    "]],
    );
}

#[test]
fn rhai_syntax_error_with_the_scripts_line_and_column() {
    let script = "fn route(ticket, team) {\n    let x = ;\n    x\n}\n";
    check(
        &[("routing.rhai", script)],
        &expect![[r"
        routing.rhai:2:13: syntax error: unexpected ';'
        exit 1
    "]],
    );
}

#[test]
fn rhai_strict_variables_catch_typos() {
    let script = "fn sla(ticket) {\n    tikcet.priority\n}\n";
    check(
        &[("sla.rhai", script)],
        &expect![[r"
        sla.rhai:2:5: syntax error: undefined variable: tikcet
        exit 1
    "]],
    );
}

#[test]
fn unknown_yaml_fields() {
    let desk = "timezone: UTC\ncolour: blue\nintake: { sesion_expiry: 1h }\n";
    let form = "id: support\nfields:\n  - { id: a, prompt: A, type: text, placeholder: x }\n";
    check(
        &[("desk.yaml", desk), ("forms/support.yaml", form)],
        &expect![[r"
        desk.yaml:2:1: unknown field `colour`
        desk.yaml:3:11: unknown field `sesion_expiry`
        forms/support.yaml:3:37: unknown field `placeholder`
        exit 1
    "]],
    );
}

#[test]
fn wrong_types_and_values() {
    let desk = "staff_chat: \"-100123\"\ntimezone: UTC\nauto_close_after: 3 days\naway_policy: vacation\nholidays: [2026-12-25, \"Christmas\"]\n";
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, capacity: lots }\n  - { name: Ben }\n";
    check(
        &[("desk.yaml", desk), ("team.yaml", team)],
        &expect![[r#"
            desk.yaml:1:13: `staff_chat` must be an integer, found a string
            desk.yaml:3:19: `auto_close_after` must be a duration like `15m`, `4h 30m`, `3d` or `2y`, found `3 days`
            desk.yaml:4:14: `away_policy` must be one of `keep`, `queue`, `reroute`, found `vacation`
            desk.yaml:5:24: `holidays[1]` must be a date like `2026-12-25`, found `Christmas`
            team.yaml:2:53: `capacity` must be an integer, found a string
            team.yaml:3:5: missing field `id`
            exit 1
        "#]],
    );
}

#[test]
fn yaml_syntax_errors_and_missing_files() {
    let dir_files = [("team.yaml", "agents: [ { id: 1, name: Ana }\n")];
    check(
        &dir_files,
        &expect![[r"
        team.yaml:2:1: yaml syntax error: while parsing a flow sequence, expected ',' or ']'
        exit 1
    "]],
    );
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let form = "id: support\nfields:\n  - { id: a, prompt: A, type: text, pattern: '[' }\n  - { id: a, prompt: B, type: number, min: 5, max: 1 }\n";
    check(
        &[
            ("forms/support.yaml", form),
            ("escalation.rhai", "fn on_breach(ticket) { [] }\n"),
            ("desk.yaml", "timezone: 5\n"),
        ],
        &expect![[r"
            desk.yaml:1:11: `timezone` must be a string, found an integer
            escalation.rhai:1:1: hook `on_breach` takes 2 parameters (ticket, breach), not 1
            forms/support.yaml:3:46: `pattern` is not a valid regular expression: unclosed character class
            forms/support.yaml:4:11: duplicate field id `a` (first defined at line 3)
            forms/support.yaml:4:44: `min` 5 is more than `max` 1
            exit 1
        "]],
    );
}

#[test]
fn scenario_files_are_checked() {
    let scenarios = "cases:\n  - name: goes to Zed\n    expect: { route: 99 }\n  - name: breach without breach\n    expect: { on_breach: default }\n  - name: typo\n    expect: { rout: 1 }\n";
    check(
        &[("tests/routing.yaml", scenarios)],
        &expect![[r"
        tests/routing.yaml:7:15: unknown field `rout`
        exit 1
    "]],
    );
    let scenarios = "cases:\n  - name: goes to Zed\n    expect: { route: 99 }\n  - name: breach without breach\n    expect: { on_breach: default }\n";
    check(
        &[("tests/routing.yaml", scenarios)],
        &expect![[r"
        tests/routing.yaml:3:22: case `goes to Zed` expects agent 99, who is not in team.yaml
        tests/routing.yaml:4:5: case `breach without breach` expects on_breach but gives no `breach`
        exit 1
    "]],
    );
}

#[test]
fn intake_forms_and_escalation_team_must_exist() {
    let desk = "timezone: UTC\nintake: { forms: [support, billing] }\nescalation_team: [1, 77]\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r"
        desk.yaml:2:28: intake form `billing` is not defined in forms/
        desk.yaml:3:22: warning: escalation_team member 77 is not in team.yaml, so they cannot act on tickets
        exit 1
    "]],
    );
}

#[test]
fn test_command_prints_failing_cases_and_the_summary_last() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [("desk.yaml", DESK), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    write(dir.path(), "routing.rhai", "fn route(ticket, team) { team.round_robin(ticket.category) }\n");
    write(
        dir.path(),
        "sla.rhai",
        "fn sla(ticket) { if ticket.priority == \"high\" { #{ first_response: \"1h\" } } }\n",
    );
    let scenarios = "\
cases:
  - name: billing goes to Ana
    ticket: { category: billing }
    expect: { route: 1 }
  - name: technical goes to Ana too (wrong)
    ticket: { category: technical }
    expect: { route: 1 }
  - name: high priority answers within 30m
    ticket: { priority: high }
    expect: { sla: { first_response: 30m } }
  - name: no SLA for normal
    expect: { sla: none }
";
    write(dir.path(), "tests/cases.yaml", scenarios);
    let mut out = Vec::new();
    let code = crate::scenarios::test_command(dir.path(), &mut out);
    let prefix = format!("{}/", dir.path().display());
    let text = String::from_utf8(out).expect("utf-8").replace(&prefix, "");
    expect![[r#"
        tests/cases.yaml:5:5: case "technical goes to Ana too (wrong)": expected route 1, got 2
        tests/cases.yaml:8:5: case "high priority answers within 30m": expected sla first_response 30m (business), got first_response 1h (business)
        2 passed, 2 failed
    "#]]
    .assert_eq(&text);
    assert_eq!(code, 1);
}

#[test]
fn calendar_settings_stay_raw_with_positions_for_the_calendar() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "timezone: Europe/Berlin\nbusiness_hours:\n  mon-fri: \"09:00-18:00\"\n  sat: \"10:00-12:00\"\nholidays: [\"2026-12-25\"]\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let desk = set.expect("a valid desk").desk().clone();
    let hours: Vec<_> =
        desk.business_hours.iter().map(|e| (e.key.as_str(), e.value.as_str(), e.position)).collect();
    assert_eq!(
        hours,
        [
            ("mon-fri", "09:00-18:00", crate::diagnostic::Position::new(3, 3)),
            ("sat", "10:00-12:00", crate::diagnostic::Position::new(4, 3))
        ]
    );
    let shown =
        |d: crate::diagnostic::Diagnostic| d.to_string().replace(&format!("{}/", dir.path().display()), "");
    assert_eq!(shown(desk.diagnostic_at_timezone("unknown time zone")), "desk.yaml:1:11: unknown time zone");
    assert_eq!(shown(desk.diagnostic_at_hours_key("sat", "overlap")), "desk.yaml:4:3: overlap");
    assert_eq!(shown(desk.diagnostic_at_business_hours("never open")), "desk.yaml:2:1: never open");
    assert_eq!(shown(desk.diagnostic_at_holiday(0, "bad date")), "desk.yaml:5:12: bad date");
}

#[test]
fn hooks_can_score_sentiment() {
    let script = "fn on_message(ticket, message) {\n    if sentiment(message.text) < -0.5 { [add_tag(\"upset\")] } else { [] }\n}\n";
    check(&[("automations.rhai", script)], &expect!["exit 0\n"]);
}

#[test]
fn unknown_time_zone() {
    check(
        &[("desk.yaml", "timezone: Europe/Atlantis\nbusiness_hours:\n  mon-fri: \"09:00-18:00\"\n")],
        &expect![[r"
            desk.yaml:1:11: unknown time zone `Europe/Atlantis`, expected an IANA name like `Europe/Berlin`
            exit 1
        "]],
    );
    check(
        &[("desk.yaml", "timezone: Nowhere/Else\n")],
        &expect![[r"
            desk.yaml:1:11: unknown time zone `Nowhere/Else`, expected an IANA name like `Europe/Berlin`
            exit 1
        "]],
    );
}

#[test]
fn overlapping_business_hours() {
    let desk = "timezone: Europe/Berlin\nbusiness_hours:\n  mon-fri: \"09:00-18:00\"\n  fri: \"17:00-19:00\"\n  sat: \"10:00-12:00, 11:00-14:00\"\nholidays: [\"2026-02-30\"]\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:4:3: business hours for `fri` overlap those for `mon-fri`: 17:00-19:00 and 09:00-18:00
            desk.yaml:5:3: business hours for `sat` overlap: 10:00-12:00 and 11:00-14:00
            desk.yaml:6:12: holiday `2026-02-30` is not a date like `2026-12-25`
            exit 1
        "#]],
    );
}

#[test]
fn priority_choices_must_be_priorities() {
    let form = "id: support\ntitle: Support\nfields:\n  - id: priority\n    prompt: How urgent?\n    type: choice\n    choices: [low, urgent]\n";
    check(
        &[("forms/support.yaml", form)],
        &expect![[r#"
        forms/support.yaml:7:14: `priority` choice `urgent` is not a priority: use low, normal, high or critical
        exit 1
    "#]],
    );
}

#[test]
fn sla_timer_settings_are_read_and_checked() {
    let desk = "sla: { warning_at: 75%, escalation_grace: 20% }\nremind_awaiting_after: 2d\n";
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let desk = set.expect("a valid desk").desk().clone();
    assert_eq!(desk.sla_warning_percent, 75);
    assert_eq!(desk.sla_escalation_grace_percent, 20);
    assert_eq!(desk.remind_awaiting_after, Some(crate::duration::Span::from_hours(48)));
    check(
        &[("desk.yaml", "sla:\n  escalation_grace: 150%\n")],
        &expect![[r#"
            desk.yaml:2:21: `escalation_grace` must be a percentage like `80%`, found `150%`
            exit 1
        "#]],
    );
}

#[test]
fn the_dashboard_address_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "http:\n  listen: 127.0.0.1:9464\n  public_url: https://desk.example.com/\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    assert_eq!(set.expect("a valid desk").desk().public_url.as_deref(), Some("https://desk.example.com"));
    check(
        &[("desk.yaml", "http:\n  public_url: http://desk.example.com\n")],
        &expect![[r#"
            desk.yaml:2:15: `public_url` must start with https:// (Telegram opens Mini Apps over https only), not `http://desk.example.com`
            exit 1
        "#]],
    );
    check(
        &[("desk.yaml", "http:\n  listen: 127.0.0.1:9464\n  public_url: \"https://desk.example.com/#x\"\n")],
        &expect![[r#"
            desk.yaml:3:15: `public_url` must be a plain address without spaces, `?` or `#`, not `https://desk.example.com/#x`
            exit 1
        "#]],
    );
}

#[test]
fn the_http_address_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "http:\n  listen: 127.0.0.1:9464\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let listen = set.expect("a valid desk").desk().http_listen;
    assert_eq!(listen, Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9464))));
    check(
        &[("desk.yaml", "http:\n  listen: localhost\n")],
        &expect![[r#"
            desk.yaml:2:11: `listen` must be an IP address and a port, like 127.0.0.1:9464 or [::1]:9464, not `localhost`
            exit 1
        "#]],
    );
    check(
        &[("desk.yaml", "http:\n  port: 9464\n")],
        &expect![[r#"
            desk.yaml:2:3: unknown field `port`
            exit 1
        "#]],
    );
}

#[test]
fn the_webhook_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "http:\n  webhook:\n    url: https://desk.example.com/telegram\n    listen: 127.0.0.1:8081\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let webhook = set.expect("a valid desk").desk().webhook.clone();
    assert_eq!(
        webhook,
        Some(super::WebhookConfig {
            url: "https://desk.example.com/telegram".to_owned(),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8081)),
        })
    );
    check(
        &[("desk.yaml", "http:\n  webhook:\n    url: desk.example.com\n    listen: localhost:8081\n")],
        &expect![[r#"
            desk.yaml:3:10: `url` must be the https URL Telegram delivers to, like https://desk.example.com/telegram, not `desk.example.com`
            desk.yaml:4:13: `listen` must be an IP address and a port, like 127.0.0.1:9464 or [::1]:9464, not `localhost:8081`
            exit 1
        "#]],
    );
    check(
        &[("desk.yaml", "http:\n  webhook:\n    url: https://desk.example.com/telegram\n")],
        &expect![[r#"
            desk.yaml:3:5: missing field `listen`
            exit 1
        "#]],
    );
}

#[test]
fn escalation_settings_are_read_with_defaults() {
    let desk = "escalate_after_age: 3d\nloop_guard: { messages_per_ticket: 5 }\n";
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let desk = set.expect("a valid desk").desk().clone();
    assert_eq!(desk.escalate_after_age, Some(crate::duration::Span::from_hours(72)));
    let guard = desk.loop_guard;
    assert_eq!(
        (guard.actions_per_event, guard.messages_per_ticket, guard.window.to_string()),
        (20, 5, "1h".into())
    );
    let policy = crate::sla::Policy::from_desk(&desk);
    assert_eq!(policy.escalate_after_age, Some(crate::duration::Span::from_hours(72)));
}

#[test]
fn timeline_scenarios_are_checked() {
    let scenarios = "cases:\n  - name: no end\n    timeline: [10m hold]\n    expect: { timers: [] }\n  - name: bad event\n    timeline: [10m snooze]\n    until: 1h\n    expect: { timers: [] }\n  - name: fine\n    timeline: [10m hold, 1h 30m priority high]\n    until: 2h\n    expect: { timers: [] }\n";
    check(
        &[("tests/timers.yaml", scenarios)],
        &expect![[r#"
            tests/timers.yaml:2:5: case `no end` expects timers but gives no `until`
            tests/timers.yaml:5:5: case `bad event`: `opened` is `YYYY-MM-DD HH:MM` and each timeline line an offset and an event, like `45m hold` (events: agent, customer, await, resolve, close, reopen, hold, unhold, keep-open, priority P)
            exit 1
        "#]],
    );
}

#[test]
fn a_hook_failing_on_a_timeline_fails_the_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [("desk.yaml", DESK), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    write(dir.path(), "sla.rhai", "fn sla(ticket) { #{ first_response: \"1h\", calendar: \"calendar\" } }\n");
    write(dir.path(), "escalation.rhai", "fn on_breach(ticket, breach) { throw \"no\"; }\n");
    let scenarios = "\
cases:
  - name: the ladder with the default as fallback
    until: 2h
    expect: { timers: [48m first response warning, \"1h first response breach, assignee\"] }
  - name: an answer in time
    timeline: [30m agent]
    until: 2h
    expect: { timers: [] }
";
    write(dir.path(), "tests/timers.yaml", scenarios);
    let mut out = Vec::new();
    let code = crate::scenarios::test_command(dir.path(), &mut out);
    let prefix = format!("{}/", dir.path().display());
    let text = String::from_utf8(out).expect("utf-8").replace(&prefix, "");
    expect![[r#"
        tests/timers.yaml:2:5: case "the ladder with the default as fallback": a hook failed 3 times on the timeline (see the log)
        1 passed, 1 failed
    "#]].assert_eq(&text);
    assert_eq!(code, 1);
}

#[test]
fn agents_working_hours_are_checked_like_business_hours() {
    let team = "agents:\n  - id: 1\n    name: Ana\n    role: supervisor\n    working_hours: { mon-fri: \"09:00-18:00\", sat: \"noon\" }\n  - id: 2\n    name: Ben\n    working_hours:\n      mon: \"09:00-12:00\"\n      mon,tue: \"11:00-13:00\"\n";
    check(
        &[("team.yaml", team)],
        &expect![[r#"
            team.yaml:5:46: working_hours of Ana: business hours for `sat` must look like `09:00-18:00`, `09:00-12:00, 13:00-18:00` or `closed`, not `noon`
            team.yaml:10:7: working_hours of Ben: business hours for `mon,tue` overlap those for `mon`: 11:00-13:00 and 09:00-12:00
            exit 1
        "#]],
    );
}

#[test]
fn agents_notify_choices_are_checked_where_written() {
    let team = "agents:\n  - id: 1\n    name: Ana\n    role: supervisor\n    notify: { assigned: private, sla: loud }\n  - id: 2\n    name: Ben\n    notify:\n      customer_wrote: private\n      pager: off\n";
    check(
        &[("team.yaml", team)],
        &expect![[r#"
            team.yaml:5:39: `sla` must be one of `mention`, `private`, `off`, found `loud`
            team.yaml:10:7: unknown field `pager`
            exit 1
        "#]],
    );
}

#[test]
fn agents_notify_defaults_are_read_over_the_built_in_ones() {
    use crate::notify::{Channel, NotifyKind};
    let dir = tempfile::tempdir().expect("temp dir");
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, notify: { customer_wrote: private, escalation: off } }\n  - { id: 2, name: Ben }\n";
    for (name, text) in
        [("desk.yaml", "staff_chat: -100123\n"), ("team.yaml", team), ("forms/support.yaml", FORM)]
    {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let set = set.expect("valid");
    let ana = set.team().agent(1).expect("Ana").notify;
    assert_eq!(ana.get(NotifyKind::CustomerWrote), Channel::Private);
    assert_eq!(ana.get(NotifyKind::Escalation), Channel::Off);
    assert_eq!(ana.get(NotifyKind::Assigned), Channel::Mention);
    assert_eq!(set.team().agent(2).expect("Ben").notify, crate::notify::Preferences::default());
}

#[test]
fn an_agent_is_on_duty_within_their_own_hours_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "timezone: Europe/Berlin\nholidays: [\"2026-12-25\"]\n";
    let team = "agents:\n  - { id: 1, name: Ana, role: supervisor, working_hours: { mon-fri: \"09:00-17:00\" } }\n  - { id: 2, name: Ben }\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", team), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let set = set.expect("valid");
    let at = |text: &str| -> jiff::Timestamp {
        text.parse::<jiff::civil::DateTime>().expect("date").in_tz("Europe/Berlin").expect("zone").timestamp()
    };
    // Monday 2026-09-21: in at 09:00 Berlin time, out at 17:00; Saturday and Christmas off.
    assert!(!set.on_duty(1, at("2026-09-21T08:59")));
    assert!(set.on_duty(1, at("2026-09-21T09:00")));
    assert!(!set.on_duty(1, at("2026-09-21T17:00")));
    assert!(!set.on_duty(1, at("2026-09-26T12:00")));
    assert!(!set.on_duty(1, at("2026-12-25T12:00")));
    // Without working_hours: always on duty.
    assert!(set.on_duty(2, at("2026-09-26T03:00")));
}

/// `retention` is read, explained in plain words by `check`, and a policy that contradicts
/// itself is refused where it is written.
#[test]
fn retention_is_explained_and_contradictions_refused() {
    check(
        &[(
            "desk.yaml",
            "staff_chat: -100123\nretention:\n  content_after: 90d\n  delete_closed_topics_after: 30d\n  delete_after: 2y\n  audit_after: 1y\n",
        )],
        &expect![[r#"
            retention:
              content_after 90d: 90 days after a ticket closes, its message texts, captions, form answers, agents' replies and notes, the customer's name and username and file ids are replaced by placeholders in the desk's data file; times, statuses, priority, category, tags, assignees, SLA marks and the satisfaction score stay, so reports keep their figures.
              delete_closed_topics_after 30d: 30 days after a ticket closes, its topic is deleted in the Telegram staff group (with every message in it); the desk keeps the ticket. A customer writing again gets a new ticket and topic. A topic a /transfer left in another staff group is deleted 30 days after the transfer.
              delete_after 2y: 2 years after a ticket closes, the ticket is removed from the data file entirely (history, figures, index entries, timers, template uses); reports no longer count it.
              audit_after 1y: audit log entries (who viewed or erased what) are removed 1 year after they were written.
              Outside tickets: 90 days after it was asked, a question a knowledge-base article answered before any ticket loses its text and who asked it (when, the form and the article stay for reports); 90 days after the desk first failed on it, an update set aside as a dead letter (it holds the customer's words) is removed.
              A reopened ticket is not touched; closed again, it counts from its new closing. Passes run in batches of at most 200 tickets, each recorded in the audit log; erased bytes leave the data file when it is compacted (after a pass that erased 1000 tickets, questions or dead letters or more, at 03:00 desk time).
            exit 0
        "#]],
    );
    check(
        &[(
            "desk.yaml",
            "staff_chat: -100123\nretention:\n  content_after: 90d\n  delete_after: 30d\n  audit_after: 0s\n",
        )],
        &expect![[r#"
            desk.yaml:3:18: warning: `content_after` (90d) erases the desk's copy only: the messages stay in the ticket's Telegram topic until it is deleted; set `delete_closed_topics_after` to 90d or less to remove them there too
            desk.yaml:4:17: `delete_after` (30d) is not longer than `content_after` (90d): tickets would be deleted before their content is erased, so `content_after` would never apply; leave `content_after` out or make `delete_after` longer
            desk.yaml:5:16: `audit_after` must be longer than 0 (leave it out to keep forever)
            exit 1
        "#]],
    );
}

#[test]
fn weekly_digest_and_summary_figures_are_read_and_checked() {
    let desk = "timezone: UTC\nqueue_summary_figures: true\nweekly_digest: { day: friday, at: \"16:30\" }\n";
    let write_rules = |desk: &str| {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
            write(dir.path(), name, text);
        }
        dir
    };
    let dir = write_rules(desk);
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let set = set.expect("valid");
    assert!(set.desk().queue_summary_figures);
    let digest = set.desk().weekly_digest;
    assert_eq!(
        (digest.enabled, digest.day, digest.at),
        (true, jiff::civil::Weekday::Friday, jiff::civil::time(16, 30, 0, 0))
    );
    let off = write_rules("timezone: UTC\nweekly_digest: { enabled: false }\n");
    let (set, _) = super::load(off.path());
    let digest = set.expect("valid").desk().weekly_digest;
    assert_eq!(
        (digest.enabled, digest.day),
        (false, jiff::civil::Weekday::Monday),
        "the rest keeps its defaults"
    );
    check(
        &[("desk.yaml", "weekly_digest:\n  day: funday\n  at: \"9am\"\n  to: [1]\n")],
        &expect![[r#"
            desk.yaml:2:8: `day` must be one of `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, `saturday`, `sunday`, `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`, found `funday`
            desk.yaml:3:7: `at` must be text matching `^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$`, found `9am`
            desk.yaml:4:3: unknown field `to`
            exit 1
        "#]],
    );
    check(
        &[("desk.yaml", "weekly_digest:\n  day: funday\n  at: \"25:00\"\n")],
        &expect![[r#"
            desk.yaml:2:8: `day` must be one of `monday`, `tuesday`, `wednesday`, `thursday`, `friday`, `saturday`, `sunday`, `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`, found `funday`
            desk.yaml:3:7: `at` must be text matching `^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$`, found `25:00`
            exit 1
        "#]],
    );
}

#[test]
fn csat_settings_that_would_do_nothing_or_cannot_work_are_refused_where_they_stand() {
    let desk = "csat:\n  question: { en: Good? }\n  colour: red\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:3:3: unknown field `colour`
            exit 1
        "#]],
    );
    let desk = "csat:\n  scale: good_bad\n  question: { ru: Мы помогли? }\n  comment_below: 2\n  comment_question: { en: Why? }\n  valid_for: 0m\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:3:13: `question` has no text in the default language `en`; add it or set `default_language`
            desk.yaml:4:18: `comment_below` is for the five scale; on good_bad a bad rating asks for a comment
            desk.yaml:6:14: `valid_for` must be longer than 0, or no answer could count
            exit 1
        "#]],
    );
    let desk = "csat:\n  delay: 10m\n  question: { en: Good? }\n  comment_below: 3\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:4:18: `comment_below` needs a `comment_question` to ask
            exit 1
        "#]],
    );
}

#[test]
fn csat_questions_follow_the_customers_language_with_the_default_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "csat:\n  ask: on_close\n  delay: 30m\n  question: { en: How did we do?, ru: Как мы справились? }\n  default_language: en\n  comment_question: { en: What went wrong? }\n";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    let (set, diagnostics) = super::load(dir.path());
    assert_eq!(diagnostics, []);
    let set = set.expect("a valid desk");
    let csat = set.desk().csat.clone().expect("csat is on");
    assert_eq!(csat.question_in(Some("ru-RU")), "Как мы справились?");
    assert_eq!(csat.question_in(Some("de")), "How did we do?");
    assert_eq!(csat.question_in(None), "How did we do?");
    assert_eq!(csat.comment_question_in(Some("ru")), Some("What went wrong?"));
    assert_eq!(
        (csat.scale, csat.comment_below, csat.valid_for),
        (crate::csat::Scale::Five, 3, "3d".parse().expect("a span"))
    );
    let timing = crate::sla::Policy::from_desk(set.desk()).csat.expect("timed");
    assert_eq!((timing.ask, timing.delay), (crate::sla::CsatAsk::OnClose, "30m".parse().expect("a span")));
    let off = super::DeskConfig::with_defaults(Path::new("desk.yaml"));
    assert_eq!(crate::sla::Policy::from_desk(&off).csat, None, "no csat: never asked");
}

#[test]
fn check_knows_on_csat_and_its_parameters() {
    check(
        &[("automations.rhai", "fn on_csat(ticket) { [] }\n")],
        &expect![[r#"
            automations.rhai:1:1: hook `on_csat` takes 2 parameters (ticket, csat), not 1
            exit 1
        "#]],
    );
    check(
        &[(
            "automations.rhai",
            "fn on_csat(ticket, csat) {\n    if csat.score == 1 { [escalate(\"supervisors\")] } else { [] }\n}\n",
        )],
        &expect![[r#"
            exit 0
        "#]],
    );
}

#[test]
fn business_accounts_are_named_once_by_id_or_username() {
    let desk = "\
timezone: UTC
staff_chat: -1001
business:
  - account: \"@acme_support\"
  - account: 4242
  - account: \"not a name!\"
  - account: \"@ACME_support\"
";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:6:14: `account` must be the business account's Telegram user id or its @username, like `@acme_support`
            desk.yaml:7:14: business account @acme_support is listed twice
            exit 1
        "#]],
    );
}

/// An account's `forms` must name forms that exist, each reported where it is written.
#[test]
fn business_account_forms_must_exist() {
    let desk = "\
timezone: UTC
staff_chat: -1001
business:
  - account: \"@acme_support\"
    forms: [nope]
";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
        desk.yaml:5:13: intake form `nope` is not defined in forms/
        exit 1
    "#]],
    );
}

/// An account's `answered_by` must name a team.yaml agent, by id or @username, each problem
/// reported where it is written.
#[test]
fn business_answered_by_must_be_a_team_member() {
    let desk = "\
timezone: UTC
staff_chat: -1001
business:
  - account: \"@acme_support\"
    answered_by: \"@nobody_here\"
  - account: 3002
    answered_by: 999
  - account: 3003
    answered_by: \"not a name\"
  - account: 3004
    answered_by: \"@Ana_K\"
  - account: 3005
    answered_by: 2
";
    let team =
        "agents:\n  - { id: 1, name: Ana, username: ana_k, role: supervisor }\n  - { id: 2, name: Ben }\n";
    check(
        &[("desk.yaml", desk), ("team.yaml", team)],
        &expect![[r#"
            desk.yaml:5:18: `answered_by` names @nobody_here, who is not an agent in team.yaml: the owner's answers from the account @acme_support cannot be theirs. Add them to team.yaml or name someone who is
            desk.yaml:7:18: `answered_by` names 999, who is not an agent in team.yaml: the owner's answers from the account 3002 cannot be theirs. Add them to team.yaml or name someone who is
            desk.yaml:9:18: `answered_by` must be a team.yaml agent's Telegram user id or @username, like `@dana`
            exit 1
        "#]],
    );
}

/// `mark_read` is read per account and explained by `check`; a value that is not a boolean
/// is an error at its place.
#[test]
fn business_mark_read_is_explained_and_checked() {
    let desk = "\
timezone: UTC
staff_chat: -1001
business:
  - account: \"@acme_support\"
    mark_read: true
  - account: 4242
";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            business:
              @acme_support: when an agent answers a customer in the topic, the customer's messages up to then are marked read in the account's chat (the connection needs the right to read messages); its customers are offered the desk's intake forms
              4242: customers' messages stay unread in the account's chat (`mark_read: false`); its customers are offered the desk's intake forms
            exit 0
        "#]],
    );
    let desk = "timezone: UTC\nstaff_chat: -1001\nbusiness:\n  - account: 4242\n    mark_read: sometimes\n";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:5:16: `mark_read` must be a boolean, found a string
            exit 1
        "#]],
    );
}

/// `staff_groups` is checked at each part's place: names and chats unique, the categories
/// and forms a filter names offered, not beside `staff_chat`; each agent's `groups:` defined.
#[test]
fn staff_groups_are_checked_where_written() {
    let desk = "\
timezone: UTC
staff_chat: -1001
staff_groups:
  - { name: billing, chat: -1002, categories: [billing, refunds], forms: [support, sales] }
  - { name: billing, chat: -1003 }
  - { name: tech, chat: -1002 }
  - { name: two words, chat: -1004 }
  - { name: general, chat: 5 }
";
    let team = "\
agents:
  - { id: 1, name: Ana, role: supervisor, groups: [billing, vip] }
  - { id: 2, name: Ben }
";
    check(
        &[("desk.yaml", desk), ("team.yaml", team)],
        &expect![[r#"
            desk.yaml:2:13: `staff_chat` and `staff_groups` are both set: `staff_chat` is the shorthand for one group; list that chat in `staff_groups` instead
            desk.yaml:4:57: staff group `billing`: category `refunds` is not a choice of any form's `category` field
            desk.yaml:4:84: staff group `billing`: form `sales` is not defined in forms/
            desk.yaml:5:13: staff group `billing` is listed twice (first at line 4)
            desk.yaml:6:25: staff groups `billing` and `tech` name the same chat -1002
            desk.yaml:7:13: staff group name `two words` must be one word, like `billing`
            desk.yaml:8:28: staff group `general`: chat 5 is not a group's id (a supergroup's id is negative, like -1001234567890)
            team.yaml:2:61: Ana works in group `vip`, which desk.yaml does not define (staff groups: billing)
            exit 1
        "#]],
    );
}

/// A limit of nothing, or an unknown limit, is refused where written.
#[test]
fn staff_group_limits_are_checked_where_written() {
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1002, limits: { topics: 0 } }
";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:3:53: `topics` is too small: `0` (minimum 1)
            exit 1
        "#]],
    );
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1002, limits: { tickets: 10 } }
";
    check(
        &[("desk.yaml", desk)],
        &expect![[r#"
            desk.yaml:3:45: unknown field `tickets`
            exit 1
        "#]],
    );
}

/// A valid set of groups is explained by `check`: which tickets go where, who works where.
#[test]
fn staff_groups_are_explained() {
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1002, categories: [billing], limits: { topics: 5000, messages: 900000 } }
  - { name: vip, chat: -1003, tags: [vip], forms: [support] }
  - { name: general, chat: -1004, limits: { messages: 900000 } }
  - { name: billing-2, chat: -1005, categories: [billing] }
";
    let team = "\
agents:
  - { id: 1, name: Ana, role: supervisor }
  - { id: 2, name: Ben, groups: [billing] }
  - { id: 3, name: Cy, groups: [general, vip] }
";
    check(
        &[("desk.yaml", desk), ("team.yaml", team)],
        &expect![[r#"
            staff groups:
              billing (chat -1002): new tickets with category billing; at most 5000 topics and 900000 messages, then billing-2 takes them
              vip (chat -1003): new tickets with form support and tag vip
              general (chat -1004): overflow, tickets no other group's filter takes; at most 900000 messages, then it keeps taking them (no other group has its filter)
              billing-2 (chat -1005): new tickets with category billing
              desk-wide notices (alerts, the digest's failures) go to billing's General
              billing: 2 agents (Ana, Ben)
              vip: 2 agents (Ana, Cy)
              general: 2 agents (Ana, Cy)
              billing-2: 1 agent (Ana)
            exit 0
        "#]],
    );
}

/// `group(ticket, groups)`: its parameters checked like every hook's, and `check` says it
/// chooses before the filters, and that two overflow groups share by load.
#[test]
fn check_knows_the_group_hook_and_overflow_groups() {
    check(
        &[("grouping.rhai", "fn group(ticket) { () }\n")],
        &expect![[r#"
            grouping.rhai:1:1: hook `group` takes 2 parameters (ticket, groups), not 1
            exit 1
        "#]],
    );
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1002, categories: [billing] }
  - { name: one, chat: -1003 }
  - { name: two, chat: -1004 }
";
    let hook = "// VIPs to their own group\nfn group(ticket, groups) {\n    if ticket.has_tag(\"vip\") { \"two\" } else { () }\n}\n";
    check(
        &[
            ("desk.yaml", desk),
            ("team.yaml", "agents:\n  - { id: 1, name: Ana, role: supervisor }\n"),
            ("grouping.rhai", hook),
        ],
        &expect![[r#"
            staff groups:
              group(ticket, groups) at grouping.rhai:2:1 chooses first; when it returns () or fails:
              billing (chat -1002): new tickets with category billing
              one (chat -1003): overflow, tickets no other group's filter takes, shared with the other overflow groups: the one with the fewest active tickets, then the least used budget
              two (chat -1004): overflow, tickets no other group's filter takes, shared with the other overflow groups: the one with the fewest active tickets, then the least used budget
              desk-wide notices (alerts, the digest's failures) go to billing's General
              billing: 1 agent (Ana)
              one: 1 agent (Ana)
              two: 1 agent (Ana)
            exit 0
        "#]],
    );
}

#[test]
fn group_cases_give_the_groups_loads_and_expect_the_hooks_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = "\
timezone: UTC
staff_groups:
  - { name: billing, chat: -1002, categories: [billing] }
  - { name: one, chat: -1003 }
  - { name: two, chat: -1004 }
";
    for (name, text) in [("desk.yaml", desk), ("team.yaml", TEAM), ("forms/support.yaml", FORM)] {
        write(dir.path(), name, text);
    }
    // VIPs to the overflow group with fewer active tickets; the rest by default.
    let hook = "fn group(ticket, groups) {\n    if !ticket.has_tag(\"vip\") { return (); }\n    \
                let free = groups.filter(|g| g.overflow && g.calls_last_minute < g.budget_per_minute);\n    \
                free.sort(|a, b| a.active - b.active);\n    free[0].name\n}\n";
    write(dir.path(), "grouping.rhai", hook);
    let scenarios = "\
cases:
  - name: a VIP goes to the quieter overflow group
    ticket: { tags: [vip] }
    groups: [{ name: one, active: 5 }, { name: two, active: 2 }]
    expect: { group: two }
  - name: a busy chat is skipped
    ticket: { tags: [vip] }
    groups: [{ name: one, active: 5 }, { name: two, active: 2, calls_last_minute: 20 }]
    expect: { group: one }
  - name: the rest by default
    ticket: { category: billing }
    expect: { group: default }
  - name: a VIP to billing (wrong)
    ticket: { tags: [vip] }
    expect: { group: billing }
  - name: a group desk.yaml does not list
    ticket: { tags: [vip] }
    groups: [{ name: sales, active: 1 }]
    expect: { group: one }
";
    write(dir.path(), "tests/groups.yaml", scenarios);
    let mut out = Vec::new();
    let code = crate::scenarios::test_command(dir.path(), &mut out);
    let prefix = format!("{}/", dir.path().display());
    let text = String::from_utf8(out).expect("utf-8").replace(&prefix, "");
    expect![[r#"
        tests/groups.yaml:13:5: case "a VIP to billing (wrong)": expected group billing, got one
        tests/groups.yaml:16:5: case "a group desk.yaml does not list": `groups` names "sales", which desk.yaml does not list (staff groups: billing, one, two)
        3 passed, 2 failed
    "#]]
    .assert_eq(&text);
    assert_eq!(code, 1);
}

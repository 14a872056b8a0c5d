//! Each metric on its own, round the clock: when it starts, what ends it, what it fires.

use expect_test::expect;

use super::check;

#[test]
fn first_response_warns_breaches_and_climbs_the_ladder_until_the_reply() {
    check(
        r#"
        calendar: always
        sla normal: first_response 1h
        2026-03-02 09:00 open
        2026-03-02 09:30 show
        2026-03-02 10:30 agent
        2026-03-02 11:00 show
        "#,
        &expect![[r#"
            Mon 03-02 09:30 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 30m of 1h; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 09:30 UTC T1 deadlines: first_response Mon 03-02 09:48 UTC
            Mon 03-02 09:48 UTC T1 first response warning: 12m left of 1h
            Mon 03-02 10:00 UTC T1 first response breach, assignee: 1h target missed by 0s
            Mon 03-02 10:06 UTC T1 first response breach, supervisors: 1h target missed by 6m
            Mon 03-02 10:12 UTC T1 first response breach, escalation team: 1h target missed by 12m
            Mon 03-02 11:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 10:30 UTC, 1h 30m of 1h, breached by 30m; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 11:00 UTC T1 deadlines: none
        "#]],
    );
}

#[test]
fn first_response_in_time_fires_nothing_past_the_warning() {
    check(
        r#"
        calendar: always
        sla normal: first_response 1h
        2026-03-02 09:00 open
        2026-03-02 09:50 agent
        2026-03-02 09:51 customer
        2026-03-02 12:00 show
        "#,
        &expect![[r#"
            Mon 03-02 09:48 UTC T1 first response warning: 12m left of 1h
            Mon 03-02 12:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:50 UTC, 50m of 1h; warn Mon 03-02 09:48 UTC, due -
            Mon 03-02 12:00 UTC T1 deadlines: none
        "#]],
    );
}

#[test]
fn next_response_times_the_oldest_unanswered_message() {
    check(
        r#"
        calendar: always
        sla normal: next_response 1h
        2026-03-02 09:00 open
        # Customer messages before the first reply belong to first response.
        2026-03-02 09:05 customer
        2026-03-02 09:10 agent
        2026-03-02 10:00 customer
        # A second message does not restart the wait.
        2026-03-02 10:40 customer
        2026-03-02 10:55 agent
        2026-03-02 11:00 customer
        2026-03-02 11:30 show
        # Resolving answers the customer too.
        2026-03-02 11:40 resolve
        2026-03-02 13:00 show
        "#,
        &expect![[r#"
            Mon 03-02 10:48 UTC T1 next response warning: 12m left of 1h
            Mon 03-02 11:30 UTC T1 next_response since Mon 03-02 10:00 UTC: done Mon 03-02 10:55 UTC, 55m of 1h; warn Mon 03-02 10:48 UTC, due -
            Mon 03-02 11:30 UTC T1 next_response since Mon 03-02 11:00 UTC: running, 30m of 1h; warn Mon 03-02 11:48 UTC, due Mon 03-02 12:00 UTC
            Mon 03-02 11:30 UTC T1 deadlines: next_response Mon 03-02 11:48 UTC
            Mon 03-02 13:00 UTC T1 next_response since Mon 03-02 10:00 UTC: done Mon 03-02 10:55 UTC, 55m of 1h; warn Mon 03-02 10:48 UTC, due -
            Mon 03-02 13:00 UTC T1 next_response since Mon 03-02 11:00 UTC: done Mon 03-02 11:40 UTC, 40m of 1h; warn -, due -
            Mon 03-02 13:00 UTC T1 deadlines: auto_close Wed 03-04 21:16 UTC
        "#]],
    );
}

#[test]
fn resolution_runs_from_creation_to_resolved() {
    check(
        r#"
        calendar: always
        sla normal: first_response 1h, resolution 4h
        2026-03-02 09:00 open
        2026-03-02 09:10 agent
        2026-03-02 12:00 show
        2026-03-02 14:00 resolve
        2026-03-02 15:00 show
        "#,
        &expect![[r#"
            Mon 03-02 12:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:10 UTC, 10m of 1h; warn -, due -
            Mon 03-02 12:00 UTC T1 resolution since Mon 03-02 09:00 UTC: running, 3h of 4h; warn Mon 03-02 12:12 UTC, due Mon 03-02 13:00 UTC
            Mon 03-02 12:00 UTC T1 deadlines: resolution Mon 03-02 12:12 UTC
            Mon 03-02 12:12 UTC T1 resolution warning: 48m left of 4h
            Mon 03-02 13:00 UTC T1 resolution breach, assignee: 4h target missed by 0s
            Mon 03-02 13:24 UTC T1 resolution breach, supervisors: 4h target missed by 24m
            Mon 03-02 13:48 UTC T1 resolution breach, escalation team: 4h target missed by 48m
            Mon 03-02 15:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:10 UTC, 10m of 1h; warn -, due -
            Mon 03-02 15:00 UTC T1 resolution since Mon 03-02 09:00 UTC: done Mon 03-02 14:00 UTC, 5h of 4h, breached by 1h; warn Mon 03-02 12:12 UTC, due Mon 03-02 13:00 UTC
            Mon 03-02 15:00 UTC T1 deadlines: auto_close Wed 03-04 23:36 UTC
        "#]],
    );
}

#[test]
fn a_ticket_without_targets_has_no_clocks() {
    check(
        r#"
        calendar: always
        sla high: first_response 1h
        policy: auto_close off
        2026-03-02 09:00 open low
        2026-03-03 09:00 resolve
        2026-03-09 09:00 show
        "#,
        &expect![[r#"
            Mon 03-09 09:00 UTC T1 deadlines: none
        "#]],
    );
}

//! Clocks across changes: pauses while awaiting the customer, a priority change mid-flight,
//! a reopen. Elapsed time is always recomputed from history, so only targets move.

use expect_test::expect;

use super::check;

#[test]
fn awaiting_the_customer_pauses_the_configured_clocks_until_they_reply() {
    check(
        r#"
        calendar: always
        pause: resolution
        sla normal: first_response 1h, resolution 2h
        2026-03-02 09:00 open
        # First response does not pause here: it keeps running while awaiting.
        2026-03-02 09:20 await
        2026-03-02 09:40 show
        2026-03-02 09:45 agent
        2026-03-02 10:00 customer
        2026-03-02 10:30 await
        2026-03-02 13:00 show
        2026-03-02 14:00 customer
        2026-03-02 14:30 show
        "#,
        &expect![[r#"
            Mon 03-02 09:40 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 40m of 1h; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 09:40 UTC T1 resolution since Mon 03-02 09:00 UTC: paused, 20m of 2h; warn -, due -
            Mon 03-02 09:40 UTC T1 deadlines: first_response Mon 03-02 09:48 UTC
            Mon 03-02 13:00 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:45 UTC, 45m of 1h; warn -, due -
            Mon 03-02 13:00 UTC T1 resolution since Mon 03-02 09:00 UTC: paused, 50m of 2h; warn -, due -
            Mon 03-02 13:00 UTC T1 deadlines: none
            Mon 03-02 14:30 UTC T1 first_response since Mon 03-02 09:00 UTC: done Mon 03-02 09:45 UTC, 45m of 1h; warn -, due -
            Mon 03-02 14:30 UTC T1 resolution since Mon 03-02 09:00 UTC: running, 1h 20m of 2h; warn Mon 03-02 14:46 UTC, due Mon 03-02 15:10 UTC
            Mon 03-02 14:30 UTC T1 deadlines: resolution Mon 03-02 14:46 UTC
        "#]],
    );
}

#[test]
fn raising_the_priority_moves_the_target_not_the_clock() {
    check(
        r#"
        calendar: always
        sla normal: first_response 2h
        sla high: first_response 30m
        2026-03-02 09:00 open normal
        2026-03-02 09:20 show
        # Twenty minutes are gone; the new target leaves ten, and the warning comes at 09:24.
        2026-03-02 09:20 priority high
        2026-03-02 09:20 show
        2026-03-02 10:00 agent
        "#,
        &expect![[r#"
            Mon 03-02 09:20 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 20m of 2h; warn Mon 03-02 10:36 UTC, due Mon 03-02 11:00 UTC
            Mon 03-02 09:20 UTC T1 deadlines: first_response Mon 03-02 10:36 UTC
            Mon 03-02 09:20 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 20m of 30m; warn Mon 03-02 09:24 UTC, due Mon 03-02 09:30 UTC
            Mon 03-02 09:20 UTC T1 deadlines: first_response Mon 03-02 09:24 UTC
            Mon 03-02 09:24 UTC T1 first response warning: 6m left of 30m
            Mon 03-02 09:30 UTC T1 first response breach, assignee: 30m target missed by 0s
            Mon 03-02 09:33 UTC T1 first response breach, supervisors: 30m target missed by 3m
            Mon 03-02 09:36 UTC T1 first response breach, escalation team: 30m target missed by 6m
        "#]],
    );
}

#[test]
fn lowering_the_priority_after_a_breach_lets_the_ladder_rest() {
    check(
        r#"
        calendar: always
        sla high: first_response 30m
        sla low: first_response 4h
        2026-03-02 09:00 open high
        2026-03-02 09:31 priority low
        2026-03-02 09:31 show
        # Marked steps stay marked: back on high, only the rungs not yet taken fire.
        2026-03-02 09:40 priority high
        2026-03-02 10:00 show
        "#,
        &expect![[r#"
            Mon 03-02 09:24 UTC T1 first response warning: 6m left of 30m
            Mon 03-02 09:30 UTC T1 first response breach, assignee: 30m target missed by 0s
            Mon 03-02 09:31 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 31m of 4h; warn Mon 03-02 12:12 UTC, due Mon 03-02 13:00 UTC
            Mon 03-02 09:31 UTC T1 deadlines: first_response Mon 03-02 13:24 UTC
            Mon 03-02 09:40 UTC T1 first response breach, supervisors: 30m target missed by 10m (due Mon 03-02 09:33 UTC)
            Mon 03-02 09:40 UTC T1 first response breach, escalation team: 30m target missed by 10m (due Mon 03-02 09:36 UTC)
            Mon 03-02 10:00 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 1h of 30m, breached by 30m; warn Mon 03-02 09:24 UTC, due Mon 03-02 09:30 UTC
            Mon 03-02 10:00 UTC T1 deadlines: none
        "#]],
    );
}

#[test]
fn a_reopen_resumes_resolution_with_its_time_kept() {
    check(
        r#"
        calendar: always
        sla normal: resolution 4h
        policy: auto_close off
        2026-03-02 09:00 open
        2026-03-02 12:00 resolve
        2026-03-03 09:00 show
        # The customer writes again: three hours are already spent, one remains.
        2026-03-03 09:00 customer
        2026-03-03 09:00 show
        2026-03-03 11:00 resolve
        2026-03-03 11:00 show
        "#,
        &expect![[r#"
            Tue 03-03 09:00 UTC T1 resolution since Mon 03-02 09:00 UTC: done Mon 03-02 12:00 UTC, 3h of 4h; warn -, due -
            Tue 03-03 09:00 UTC T1 deadlines: none
            Tue 03-03 09:00 UTC T1 resolution since Mon 03-02 09:00 UTC: running, 3h of 4h; warn Tue 03-03 09:12 UTC, due Tue 03-03 10:00 UTC
            Tue 03-03 09:00 UTC T1 deadlines: resolution Tue 03-03 09:12 UTC
            Tue 03-03 09:12 UTC T1 resolution warning: 48m left of 4h
            Tue 03-03 10:00 UTC T1 resolution breach, assignee: 4h target missed by 0s
            Tue 03-03 10:24 UTC T1 resolution breach, supervisors: 4h target missed by 24m
            Tue 03-03 10:48 UTC T1 resolution breach, escalation team: 4h target missed by 48m
            Tue 03-03 11:00 UTC T1 resolution since Mon 03-02 09:00 UTC: done Tue 03-03 11:00 UTC, 5h of 4h, breached by 1h; warn Tue 03-03 09:12 UTC, due Tue 03-03 10:00 UTC
            Tue 03-03 11:00 UTC T1 deadlines: none
        "#]],
    );
}

#[test]
fn a_switch_to_calendar_time_counts_from_the_switch_on() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        sla normal: resolution 16h
        sla critical: resolution 14h, calendar
        policy: auto_close off
        2026-03-05 16:00 open normal
        2026-03-05 16:30 agent
        # Thursday 2h and Friday 8h of business time are spent when the ticket turns critical:
        # 4h of calendar time are left, not a breach for the 25h since the opening.
        2026-03-06 17:00 priority critical
        2026-03-06 17:00 show
        2026-03-09 09:00 show
        "#,
        &expect![[r#"
            Fri 03-06 17:00 CET T1 resolution since Thu 03-05 16:00 CET: running, 10h of 14h; warn Fri 03-06 18:12 CET, due Fri 03-06 21:00 CET
            Fri 03-06 17:00 CET T1 deadlines: resolution Fri 03-06 18:12 CET
            Fri 03-06 18:12 CET T1 resolution warning: 2h 48m left of 14h
            Fri 03-06 21:00 CET T1 resolution breach, assignee: 14h target missed by 0s
            Fri 03-06 22:24 CET T1 resolution breach, supervisors: 14h target missed by 1h 24m
            Fri 03-06 23:48 CET T1 resolution breach, escalation team: 14h target missed by 2h 48m
            Mon 03-09 09:00 CET T1 resolution since Thu 03-05 16:00 CET: running, 3d 2h of 14h, breached by 2d 12h; warn Fri 03-06 18:12 CET, due Fri 03-06 21:00 CET
            Mon 03-09 09:00 CET T1 deadlines: none
        "#]],
    );
}

#[test]
fn a_switch_to_business_time_keeps_the_calendar_time_spent() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        sla critical: resolution 4h, calendar
        sla normal: resolution 16h
        policy: auto_close off
        2026-03-06 17:00 open critical
        # Half an hour of calendar time, then business time: 30m on Friday, Monday on.
        2026-03-06 17:30 priority normal
        2026-03-07 12:00 show
        2026-03-09 09:00 show
        2026-03-10 18:00 end
        "#,
        &expect![[r#"
            Sat 03-07 12:00 CET T1 resolution since Fri 03-06 17:00 CET: running, 1h of 16h; warn Tue 03-10 11:48 CET, due Tue 03-10 15:00 CET
            Sat 03-07 12:00 CET T1 deadlines: resolution Tue 03-10 11:48 CET
            Mon 03-09 09:00 CET T1 resolution since Fri 03-06 17:00 CET: running, 1h of 16h; warn Tue 03-10 11:48 CET, due Tue 03-10 15:00 CET
            Mon 03-09 09:00 CET T1 deadlines: resolution Tue 03-10 11:48 CET
            Tue 03-10 11:48 CET T1 resolution warning: 3h 12m left of 16h
            Tue 03-10 15:00 CET T1 resolution breach, assignee: 16h target missed by 0s
            Tue 03-10 16:36 CET T1 resolution breach, supervisors: 16h target missed by 1h 36m
        "#]],
    );
}

//! Escalation controls on the virtual clock: a hold stops the ladder's escalating rungs
//! (the assignee's notice still comes) and a release resumes it where it stood; the age
//! trigger escalates once, waits while held; "Keep it open" restarts a resolved ticket's
//! silence. All of it read back from history, so a restart during a hold changes nothing.

use expect_test::expect;

use super::check;

#[test]
fn a_hold_stops_the_ladder_and_a_release_resumes_it_where_it_stood() {
    check(
        r#"
        calendar: always
        sla normal: first_response 1h
        2026-03-02 09:00 open
        # The breach at 10:00 notifies the assignee; the supervisors would come at 10:06.
        2026-03-02 10:03 hold
        2026-03-02 10:30 show
        # Released at 11:00: 3 minutes of grace were left, so the supervisors come at 11:03
        # and the escalation team a grace later; the hold's 57 minutes do not count.
        2026-03-02 11:00 unhold
        2026-03-02 11:00 show
        2026-03-02 12:00 end
        "#,
        &expect![[r#"
            Mon 03-02 09:48 UTC T1 first response warning: 12m left of 1h
            Mon 03-02 10:00 UTC T1 first response breach, assignee: 1h target missed by 0s
            Mon 03-02 10:30 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 1h 30m of 1h, breached by 30m; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 10:30 UTC T1 deadlines: none
            Mon 03-02 11:00 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 2h of 1h, breached by 1h; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 11:00 UTC T1 deadlines: first_response Mon 03-02 11:03 UTC
            Mon 03-02 11:03 UTC T1 first response breach, supervisors: 1h target missed by 1h 3m
            Mon 03-02 11:09 UTC T1 first response breach, escalation team: 1h target missed by 1h 9m
        "#]],
    );
}

#[test]
fn a_hold_before_the_breach_keeps_the_notice_and_survives_a_restart() {
    check(
        r#"
        calendar: always
        sla normal: first_response 1h
        2026-03-02 09:00 open
        2026-03-02 09:10 hold
        2026-03-02 09:20 down
        2026-03-02 13:00 up
        2026-03-02 13:00 show
        2026-03-02 14:00 unhold
        2026-03-02 15:00 end
        "#,
        &expect![[r#"
            Mon 03-02 09:20 UTC down
            Mon 03-02 13:00 UTC up
            Mon 03-02 13:00 UTC T1 first response breach, assignee: 1h target missed by 3h (due Mon 03-02 10:00 UTC)
            Mon 03-02 13:00 UTC T1 first_response since Mon 03-02 09:00 UTC: running, 4h of 1h, breached by 3h; warn Mon 03-02 09:48 UTC, due Mon 03-02 10:00 UTC
            Mon 03-02 13:00 UTC T1 deadlines: none
            Mon 03-02 14:56 UTC T1 first response breach, supervisors: 1h target missed by 4h 56m
        "#]],
    );
}

#[test]
fn an_old_ticket_escalates_once_whatever_its_sla_and_not_while_held() {
    check(
        r#"
        calendar: always
        policy: age 3d
        2026-03-02 09:00 open
        2026-03-02 09:00 open
        2026-03-02 10:00 T2 hold
        2026-03-05 09:00 show
        2026-03-06 09:00 T2 unhold
        2026-03-06 09:00 T1 resolve
        2026-03-07 09:00 T1 reopen
        2026-03-09 09:00 end
        "#,
        &expect![[r#"
            Thu 03-05 09:00 UTC T1 age escalation: open for 3d
            Thu 03-05 09:00 UTC T1 deadlines: none
            Thu 03-05 09:00 UTC T2 deadlines: none
            Fri 03-06 09:00 UTC T2 age escalation: open for 4d (due Thu 03-05 09:00 UTC)
        "#]],
    );
}

#[test]
fn keep_it_open_restarts_the_silence_of_a_resolved_ticket() {
    check(
        r#"
        calendar: always
        policy: auto_close 72h, warning 80%
        2026-03-02 09:00 open
        2026-03-02 10:00 agent
        2026-03-02 10:00 resolve
        # Warned at 80% (57h 36m of silence); the customer keeps it open the next morning,
        # so the warning and the close come again, counted from then.
        2026-03-05 09:00 keep-open
        2026-03-05 09:00 show
        2026-03-09 09:00 end
        "#,
        &expect![[r#"
            Wed 03-04 19:36 UTC T1 auto-close warning: closes Thu 03-05 10:00 UTC
            Thu 03-05 09:00 UTC T1 deadlines: auto_close Sat 03-07 18:36 UTC
            Sat 03-07 18:36 UTC T1 auto-close warning: closes Sun 03-08 09:00 UTC
            Sun 03-08 09:00 UTC T1 auto-close
        "#]],
    );
}

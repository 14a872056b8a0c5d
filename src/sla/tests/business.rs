//! Business time: clocks count only desk.yaml's hours, across nights, weekends, holidays and
//! daylight-saving changes, unless the targets ask for calendar time.

use expect_test::expect;

use super::check;

#[test]
fn nights_and_weekends_do_not_count() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        sla normal: first_response 4h
        # Opened before hours: the clock starts at nine.
        2026-03-02 07:00 open
        2026-03-02 12:00 show
        2026-03-02 13:30 agent
        # Opened late on Tuesday: one hour today, three tomorrow.
        2026-03-03 17:00 open
        2026-03-04 10:00 show
        # Opened late on Friday: one hour on Friday, the rest on Monday.
        2026-03-06 17:00 open
        2026-03-09 12:00 show
        "#,
        &expect![[r#"
            Mon 03-02 12:00 CET T1 first_response since Mon 03-02 07:00 CET: running, 3h of 4h; warn Mon 03-02 12:12 CET, due Mon 03-02 13:00 CET
            Mon 03-02 12:00 CET T1 deadlines: first_response Mon 03-02 12:12 CET
            Mon 03-02 12:12 CET T1 first response warning: 48m left of 4h
            Mon 03-02 13:00 CET T1 first response breach, assignee: 4h target missed by 0s
            Mon 03-02 13:24 CET T1 first response breach, supervisors: 4h target missed by 24m
            Wed 03-04 10:00 CET T1 first_response since Mon 03-02 07:00 CET: done Mon 03-02 13:30 CET, 4h 30m of 4h, breached by 30m; warn Mon 03-02 12:12 CET, due Mon 03-02 13:00 CET
            Wed 03-04 10:00 CET T1 deadlines: none
            Wed 03-04 10:00 CET T2 first_response since Tue 03-03 17:00 CET: running, 2h of 4h; warn Wed 03-04 11:12 CET, due Wed 03-04 12:00 CET
            Wed 03-04 10:00 CET T2 deadlines: first_response Wed 03-04 11:12 CET
            Wed 03-04 11:12 CET T2 first response warning: 48m left of 4h
            Wed 03-04 12:00 CET T2 first response breach, assignee: 4h target missed by 0s
            Wed 03-04 12:24 CET T2 first response breach, supervisors: 4h target missed by 24m
            Wed 03-04 12:48 CET T2 first response breach, escalation team: 4h target missed by 48m
            Mon 03-09 11:12 CET T3 first response warning: 48m left of 4h
            Mon 03-09 12:00 CET T3 first response breach, assignee: 4h target missed by 0s
            Mon 03-09 12:00 CET T1 first_response since Mon 03-02 07:00 CET: done Mon 03-02 13:30 CET, 4h 30m of 4h, breached by 30m; warn Mon 03-02 12:12 CET, due Mon 03-02 13:00 CET
            Mon 03-09 12:00 CET T1 deadlines: none
            Mon 03-09 12:00 CET T2 first_response since Tue 03-03 17:00 CET: running, 1d 7h of 4h, breached by 1d 3h; warn Wed 03-04 11:12 CET, due Wed 03-04 12:00 CET
            Mon 03-09 12:00 CET T2 deadlines: none
            Mon 03-09 12:00 CET T3 first_response since Fri 03-06 17:00 CET: running, 4h of 4h, breached by 0s; warn Mon 03-09 11:12 CET, due Mon 03-09 12:00 CET
            Mon 03-09 12:00 CET T3 deadlines: first_response Mon 03-09 12:24 CET
        "#]],
    );
}

#[test]
fn holidays_do_not_count() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00; holidays 2026-12-24 2026-12-25 2026-12-31 2027-01-01
        sla normal: first_response 4h
        2026-12-23 16:00 open
        2026-12-28 10:00 show
        2026-12-30 17:30 open
        2027-01-04 11:00 show
        "#,
        &expect![[r#"
            Mon 12-28 10:00 CET T1 first_response since Wed 12-23 16:00 CET: running, 3h of 4h; warn Mon 12-28 10:12 CET, due Mon 12-28 11:00 CET
            Mon 12-28 10:00 CET T1 deadlines: first_response Mon 12-28 10:12 CET
            Mon 12-28 10:12 CET T1 first response warning: 48m left of 4h
            Mon 12-28 11:00 CET T1 first response breach, assignee: 4h target missed by 0s
            Mon 12-28 11:24 CET T1 first response breach, supervisors: 4h target missed by 24m
            Mon 12-28 11:48 CET T1 first response breach, escalation team: 4h target missed by 48m
            Mon 01-04 11:00 CET T1 first_response since Wed 12-23 16:00 CET: running, 1d 7h of 4h, breached by 1d 3h; warn Mon 12-28 10:12 CET, due Mon 12-28 11:00 CET
            Mon 01-04 11:00 CET T1 deadlines: none
            Mon 01-04 11:00 CET T2 first_response since Wed 12-30 17:30 CET: running, 2h 30m of 4h; warn Mon 01-04 11:42 CET, due Mon 01-04 12:30 CET
            Mon 01-04 11:00 CET T2 deadlines: first_response Mon 01-04 11:42 CET
        "#]],
    );
}

#[test]
fn the_spring_forward_weekend_counts_its_real_hours() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00
        sla normal: resolution 8h
        sla critical: first_response 12h, calendar
        # Business time: an hour on Friday, four on Saturday, three on Monday (now CEST).
        2026-03-27 17:00 open
        # Calendar time: twelve real hours, though the wall clock moves thirteen.
        2026-03-28 20:00 open critical
        2026-03-30 13:00 show
        "#,
        &expect![[r#"
            Sun 03-29 06:36 CEST T2 first response warning: 2h 24m left of 12h
            Sun 03-29 09:00 CEST T2 first response breach, assignee: 12h target missed by 0s
            Sun 03-29 10:12 CEST T2 first response breach, supervisors: 12h target missed by 1h 12m
            Sun 03-29 11:24 CEST T2 first response breach, escalation team: 12h target missed by 2h 24m
            Mon 03-30 10:24 CEST T1 resolution warning: 1h 36m left of 8h
            Mon 03-30 12:00 CEST T1 resolution breach, assignee: 8h target missed by 0s
            Mon 03-30 12:48 CEST T1 resolution breach, supervisors: 8h target missed by 48m
            Mon 03-30 13:00 CEST T1 resolution since Fri 03-27 17:00 CET: running, 9h of 8h, breached by 1h; warn Mon 03-30 10:24 CEST, due Mon 03-30 12:00 CEST
            Mon 03-30 13:00 CEST T1 deadlines: resolution Mon 03-30 13:36 CEST
            Mon 03-30 13:00 CEST T2 first_response since Sat 03-28 20:00 CET: running, 1d 16h of 12h, breached by 1d 4h; warn Sun 03-29 06:36 CEST, due Sun 03-29 09:00 CEST
            Mon 03-30 13:00 CEST T2 deadlines: none
        "#]],
    );
}

#[test]
fn the_fall_back_night_is_an_hour_longer_in_calendar_time() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        sla critical: first_response 4h, calendar
        2026-10-25 00:30 open critical
        2026-10-25 04:00 show
        "#,
        &expect![[r#"
            Sun 10-25 02:42 CET T1 first response warning: 48m left of 4h
            Sun 10-25 03:30 CET T1 first response breach, assignee: 4h target missed by 0s
            Sun 10-25 03:54 CET T1 first response breach, supervisors: 4h target missed by 24m
            Sun 10-25 04:00 CET T1 first_response since Sun 10-25 00:30 CEST: running, 4h 30m of 4h, breached by 30m; warn Sun 10-25 02:42 CET, due Sun 10-25 03:30 CET
            Sun 10-25 04:00 CET T1 deadlines: first_response Sun 10-25 04:18 CET
        "#]],
    );
}

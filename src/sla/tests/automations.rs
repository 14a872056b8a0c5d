//! Time-based automations on the same timers: reminding a customer the desk waits on, and
//! closing a resolved ticket after the customer's silence, with a warning first.

use expect_test::expect;

use super::check;

#[test]
fn a_customer_awaited_long_enough_is_reminded_once_per_wait() {
    check(
        r#"
        calendar: always
        policy: reminder 1d, auto_close off
        2026-03-02 09:00 open
        2026-03-02 09:10 agent
        2026-03-02 09:20 await
        # An agent's follow-up while waiting starts the wait again.
        2026-03-03 12:00 agent
        2026-03-05 09:00 customer
        2026-03-05 10:00 await
        2026-03-05 11:00 customer
        2026-03-08 00:00 show
        "#,
        &expect![[r#"
            Tue 03-03 09:20 UTC T1 reminder: awaiting the customer for 1d
            Wed 03-04 12:00 UTC T1 reminder: awaiting the customer for 1d
            Sun 03-08 00:00 UTC T1 deadlines: none
        "#]],
    );
}

#[test]
fn a_silent_resolved_ticket_is_warned_about_then_closed() {
    check(
        r#"
        calendar: Europe/Berlin; mon-fri 09:00-18:00
        policy: auto_close 72h, warning 80%
        2026-03-02 09:00 open
        2026-03-02 09:10 agent
        2026-03-02 10:00 resolve
        # An agent's follow-up after resolving starts the silence again.
        2026-03-02 12:00 agent
        2026-03-06 00:00 show
        "#,
        &expect![[r#"
            Wed 03-04 21:36 CET T1 auto-close warning: closes Thu 03-05 12:00 CET
            Thu 03-05 12:00 CET T1 auto-close
            Fri 03-06 00:00 CET T1 deadlines: none
        "#]],
    );
}

#[test]
fn a_customer_reply_keeps_a_resolved_ticket_open() {
    check(
        r#"
        calendar: always
        policy: auto_close 72h
        2026-03-02 09:00 open
        2026-03-02 09:10 agent
        2026-03-02 10:00 resolve
        2026-03-05 00:00 customer
        2026-03-05 01:00 resolve
        2026-03-05 01:00 show
        2026-03-06 00:00 down
        # Down past both steps: the close goes out, its stale warning does not.
        2026-03-09 00:00 up
        2026-03-09 00:00 show
        "#,
        &expect![[r#"
            Wed 03-04 19:36 UTC T1 auto-close warning: closes Thu 03-05 10:00 UTC
            Thu 03-05 01:00 UTC T1 deadlines: auto_close Sat 03-07 10:36 UTC
            Fri 03-06 00:00 UTC down
            Mon 03-09 00:00 UTC up
            Mon 03-09 00:00 UTC T1 auto-close (due Sun 03-08 01:00 UTC)
            Mon 03-09 00:00 UTC T1 deadlines: none
        "#]],
    );
}

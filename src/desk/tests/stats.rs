//! The team's figures in Telegram through the real desk: `/stats` in General and in the
//! bot's private chat, today's figures on the pinned summary, and the supervisors' weekly
//! digest on its timer.

use super::*;
use crate::sla::DeskTimer;

const ELI: u64 = 222_222_222;

/// The shipped desk.yaml with `extra` appended.
fn desk_with(extra: &str) -> String {
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml");
    format!("{desk}{extra}")
}

/// The lines of the transcript sent to `chat`, with their continuation lines.
fn to_chat(transcript: &str, chat: i64) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut keep = false;
    for line in transcript.lines() {
        if !line.starts_with(' ') {
            keep = line.starts_with(&format!("chat {chat} #"));
        }
        if keep {
            lines.push(line);
        }
    }
    lines.join("\n")
}

/// Two tickets of today: Customer42's (billing) answered after 11 minutes and resolved,
/// Customer43's (technical) answered after 25 minutes and still open.
fn two_tickets(world: &mut World) {
    world.minute = 0;
    world.open(42, &[("category", "billing")]);
    world.open(43, &[("category", "technical")]);
    world.send_all();
    world.minute = 11;
    let first = world.next_thread - 1;
    world.event(&staff_says(DANA, first, 60, "Your refund is on its way."));
    world.event(&staff_says(DANA, first, 61, "/resolve"));
    world.minute = 26;
    world.event(&staff_says(ELI, first + 1, 62, "Which browser do you use?"));
    world.send_all();
}

/// Two older tickets: Customer44's of August 27th (Dana's, never answered) and
/// Customer45's of September 18th (Eli's, its first reply two days late: a breach).
fn older_tickets(world: &mut World) {
    world.minute = -25 * 24 * 60;
    world.open(44, &[("category", "billing")]);
    world.minute = -3 * 24 * 60;
    world.open(45, &[("category", "technical")]);
    world.send_all();
    world.minute = -24 * 60;
    world.event(&Event::Tick);
    world.event(&staff_says(ELI, 12, 50, "Sorry for the wait: which version is it?"));
    world.send_all();
}

#[test]
fn stats_in_general_shows_the_team_and_each_agent_for_the_period_asked() {
    let mut world = World::new();
    older_tickets(&mut world);
    world.next_thread = 12;
    two_tickets(&mut world);
    let mut ask = |text: &str| {
        world.event(&general_says(DANA, text));
        to_chat(&world.send_all(), STAFF)
    };
    check(
        &ask("/stats today"),
        &expect![[r#"
            chat -100777 #1046: 📊 Team, today
                | Tickets 2 · resolved 1 · open 1 · agent replies 2
                | Median first reply 11m · full resolution 12m
                | SLA achieved 100% · reopened 0 · first-contact resolution 100%
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Farah: 1 · 1 · 11m · 100% · - · 0%
                | Gus: 1 · 0 · 25m · 100% · - · 0%"#]],
    );
    check(
        &ask("/stats"),
        &expect![[r#"
            chat -100777 #1047: 📊 Team, last 7 days
                | Tickets 3 · resolved 1 · open 2 · agent replies 3
                | Median first reply 25m · full resolution 12m
                | SLA achieved 75% · reopened 0 · first-contact resolution 100% · SLA breaches 1
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Eli: 1 · 0 · 2d · 0% · - · 0%
                | Farah: 1 · 1 · 11m · 100% · - · 0%
                | Gus: 1 · 0 · 25m · 100% · - · 0%"#]],
    );
    check(
        &ask("/stats 30d"),
        &expect![[r#"
            chat -100777 #1048: 📊 Team, last 30 days
                | Tickets 4 · resolved 1 · open 3 · agent replies 3
                | Median first reply 25m · full resolution 12m
                | SLA achieved 50% · reopened 0 · first-contact resolution 100% · SLA breaches 3
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Dana: 1 · 0 · - · 0% · - · -
                | Eli: 1 · 0 · 2d · 0% · - · 0%
                | Farah: 1 · 1 · 11m · 100% · - · 0%
                | Gus: 1 · 0 · 25m · 100% · - · 0%"#]],
    );
    check(
        &ask("/stats@topicdesk_bot 2026-09"),
        &expect![[r#"
            chat -100777 #1049: 📊 Team, September 2026
                | Tickets 3 · resolved 1 · open 2 · agent replies 3
                | Median first reply 25m · full resolution 12m
                | SLA achieved 75% · reopened 0 · first-contact resolution 100% · SLA breaches 1
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Eli: 1 · 0 · 2d · 0% · - · 0%
                | Farah: 1 · 1 · 11m · 100% · - · 0%
                | Gus: 1 · 0 · 25m · 100% · - · 0%"#]],
    );
    check(
        &ask("/stats 2026-08"),
        &expect![[r#"
            chat -100777 #1050: 📊 Team, August 2026
                | Tickets 1 · resolved 0 · open 1
                | Median first reply - · full resolution -
                | SLA achieved 0% · reopened 0 · first-contact resolution - · SLA breaches 2
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Dana: 1 · 0 · - · 0% · - · -"#]],
    );
    check(
        &ask("/stats 2026-07"),
        &expect![[r#"
        chat -100777 #1051: 📊 Team, July 2026
            | Tickets 0 · resolved 0 · open 0
            | Median first reply - · full resolution -
            | SLA achieved - · reopened 0 · first-contact resolution -"#]],
    );
    check(
        &ask("/stats yesterday"),
        &expect![
            "chat -100777 #1052: Usage: /stats [today|7d|30d|YYYY-MM] for the team, /stats me [today|7d|30d|YYYY-MM] for your own figures. Without a period: the last 7 days."
        ],
    );
    check(
        &ask("/stats me"),
        &expect![[r#"
        chat -100777 #1053: 📊 Dana, last 7 days
            | Tickets 0 · resolved 0 · open 0
            | Median first reply - · full resolution -
            | SLA achieved - · reopened 0 · first-contact resolution -"#]],
    );
    check(
        &ask("/stats me 30d"),
        &expect![[r#"
        chat -100777 #1054: 📊 Dana, last 30 days
            | Tickets 1 · resolved 0 · open 1
            | Median first reply - · full resolution -
            | SLA achieved 0% · reopened 0 · first-contact resolution - · SLA breaches 2"#]],
    );
}

#[test]
fn stats_in_a_ticket_topic_points_to_general_and_reaches_no_customer() {
    let mut world = World::new();
    two_tickets(&mut world);
    world.event(&staff_says(DANA, 11, 90, "/stats me"));
    check(
        &world.send_all(),
        &expect![[r#"
        topic T-000001 #1015: /stats works in General, not in a ticket's topic.
    "#]],
    );
}

#[test]
fn a_stranger_gets_no_figures_in_general() {
    let mut world = World::new();
    two_tickets(&mut world);
    world.event(&general_says(STRANGER, "/stats"));
    world.event(&general_says(STRANGER, "/stats me"));
    assert_eq!(world.send_all(), "");
}

#[test]
fn stats_in_the_private_chat_answers_a_team_member_and_never_starts_intake() {
    let mut world = World::new();
    two_tickets(&mut world);
    world.event(&customer_says(ELI, 70, "/stats me"));
    world.event(&customer_says(ELI, 71, "/stats"));
    world.event(&customer_says(ELI, 72, "/stats last week"));
    check(
        &to_chat(&world.send_all(), ELI as i64),
        &expect![[r#"
            chat 222222222 #1015: 📊 Eli, last 7 days
                | Tickets 1 · resolved 0 · open 1 · agent replies 1
                | Median first reply 25m · full resolution -
                | SLA achieved 100% · reopened 0 · first-contact resolution -
            chat 222222222 #1016: 📊 Team, last 7 days
                | Tickets 2 · resolved 1 · open 1 · agent replies 2
                | Median first reply 11m · full resolution 12m
                | SLA achieved 100% · reopened 0 · first-contact resolution 100%
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Dana: 1 · 1 · 11m · 100% · - · 0%
                | Eli: 1 · 0 · 25m · 100% · - · 0%
            chat 222222222 #1017: Usage: /stats [today|7d|30d|YYYY-MM] for the team, /stats me [today|7d|30d|YYYY-MM] for your own figures. Without a period: the last 7 days."#]],
    );
    assert_eq!(world.session(ELI), None, "no intake dialogue started");
    assert_eq!(world.read(|state| state.tickets_of_customer(ELI)), [], "no ticket either");
    // Someone outside team.yaml is a customer like any other: no figures.
    world.event(&customer_says(STRANGER, 73, "/stats"));
    let answer = to_chat(&world.send_all(), STRANGER as i64);
    assert!(!answer.is_empty() && !answer.contains("📊"), "{answer}");
}

#[test]
fn the_summary_shows_todays_figures_and_starts_them_again_at_midnight() {
    let (mut world, _rules) =
        World::with_changed_rules(&[("desk.yaml", &desk_with("queue_summary_figures: true\n"))]);
    let summary = |transcript: &str| {
        transcript
            .lines()
            .filter(|line| line.contains("Today:") || line.contains("📋"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\n")
    };
    world.open(42, &[("category", "billing")]);
    check(
        &summary(&world.send_all()),
        &expect![[r#"
        chat -100777 #1001: 📋 Queue: 0 unassigned · 1 active · 0 awaiting the customer
        | Today: 1 new · 0 resolved · median first reply - · SLA breaches 0"#]],
    );
    let summary_due = |world: &World| {
        let due = world.deadlines().into_iter().find(|d| d.timer == Timer::Desk(DeskTimer::Summary));
        due.map(|d| d.due.to_string())
    };
    // Routing's assignment asked for a refresh; once it is done, the next is at midnight.
    world.minute = 5;
    world.event(&Event::Tick);
    world.send_all();
    assert_eq!(summary_due(&world).as_deref(), Some("2026-09-21T22:00:00Z"));
    // A first reply moves the figures though not the queue: the summary follows.
    world.minute = 11;
    world.event(&staff_says(DANA, 11, 60, "Your refund is on its way."));
    world.minute = 13;
    world.event(&Event::Tick);
    check(
        &summary(&world.send_all()),
        &expect![[r#"
        edit -100777/1001: 📋 Queue: 0 unassigned · 1 active · 0 awaiting the customer
        | Today: 1 new · 0 resolved · median first reply 11m · SLA breaches 0"#]],
    );
    // At local midnight (22:00 UTC in September's Berlin) the day starts from nothing.
    assert_eq!(summary_due(&world).as_deref(), Some("2026-09-21T22:00:00Z"));
    world.minute = 465;
    world.event(&Event::Tick);
    assert_eq!(summary(&world.send_all()), "", "not before midnight");
    world.event(&Event::Tick);
    check(
        &summary(&world.send_all()),
        &expect![[r#"
        edit -100777/1001: 📋 Queue: 0 unassigned · 1 active · 0 awaiting the customer
        | Today: 0 new · 0 resolved · median first reply - · SLA breaches 0"#]],
    );
}

#[test]
fn the_summary_without_figures_is_unchanged() {
    let mut world = World::new();
    world.open(42, &[("category", "billing")]);
    let posted = world.send_all();
    assert!(posted.contains("📋 Queue") && !posted.contains("Today:"), "{posted}");
}

/// The digest deadline in the desk's local time.
fn next_digest(world: &World) -> Option<String> {
    let due = world.deadlines().into_iter().find(|d| d.timer == Timer::Desk(DeskTimer::Digest))?;
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    Some(due.due.to_zoned_datetime(zone).strftime("%a %b %-d %H:%M %:z").to_string())
}

/// The test clock's minute at or just after `at`.
fn minute_of(at: Timestamp) -> i64 {
    (at.as_second() - 1_790_000_000 + 59) / 60
}

fn digests(transcript: &str) -> Vec<String> {
    to_chat(transcript, DANA as i64)
        .split("\nchat ")
        .filter(|message| message.contains("Weekly digest"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_weekly_digest_reaches_the_supervisors_once_at_local_time_across_daylight_saving() {
    let (mut world, rules_dir) = World::with_changed_rules_on_store(&[("desk.yaml", &desk_with(""))]);
    older_tickets(&mut world);
    two_tickets(&mut world);
    // This morning's digest fell due while nothing ticked: it goes out at the next tick.
    world.event(&Event::Tick);
    assert_eq!(digests(&world.send_all()).len(), 1, "late, once");
    assert_eq!(next_digest(&world).as_deref(), Some("Mon Sep 28 09:00 +02:00"));
    let mut sent = Vec::new();
    let mut last_due = None;
    for local in [
        "Mon Sep 28 09:00 +02:00",
        "Mon Oct 5 09:00 +02:00",
        "Mon Oct 12 09:00 +02:00",
        "Mon Oct 19 09:00 +02:00",
        // Summer time ended on Sunday, October 25th: still nine in the morning.
        "Mon Oct 26 09:00 +01:00",
    ] {
        assert_eq!(next_digest(&world).as_deref(), Some(local));
        let due = world.deadlines().into_iter().find(|d| d.timer == Timer::Desk(DeskTimer::Digest));
        let due = due.expect("a digest deadline").due;
        last_due = Some(due);
        let minute = minute_of(due);
        world.minute = minute - 2;
        world.event(&Event::Tick);
        assert_eq!(digests(&world.send_all()), Vec::<String>::new(), "not before {local}");
        world.minute = minute - 1;
        world.event(&Event::Tick);
        let out = digests(&world.send_all());
        assert_eq!(out.len(), 1, "one digest at {local}: {out:?}");
        sent.extend(out);
    }
    check(
        &sent[0],
        &expect![[r#"
            chat 111111111 #1063: 📊 Weekly digest, Sep 21 to Sep 28
                | Tickets 2 · resolved 1 · open 1 · agent replies 2
                | Median first reply 11m · full resolution 12m
                | SLA achieved 100% · reopened 0 · first-contact resolution 100%
                | Week before: tickets 1 · resolved 0 · first reply 2d · SLA 0%
                | Per agent: tickets · resolved · first reply · SLA · CSAT · templates
                | Farah: 1 · 1 · 11m · 100% · - · 0%
                | Gus: 1 · 0 · 25m · 100% · - · 0%
                | Now: 3 active, 0 of them unassigned"#]],
    );
    // A restart: the rules loaded anew, only the store kept. Nothing is sent twice.
    let (reloaded, _) = crate::rules::load(rules_dir.path());
    world.rules = reloaded.expect("rules load");
    world.event(&Event::Tick);
    world.minute += 60;
    world.event(&Event::Tick);
    assert_eq!(digests(&world.send_all()), Vec::<String>::new());
    assert_eq!(next_digest(&world).as_deref(), Some("Mon Nov 2 09:00 +01:00"));
    // Even a deadline put back to the digest already sent (an index restored from an older
    // copy, say) sends nothing twice: the desk recorded which one it sent.
    let due = last_due.expect("digests were due");
    let desk = world.desk();
    on_state!(world, |state| state
        .set_deadline(Deadline { due, timer: Timer::Desk(DeskTimer::Digest) })
        .map_err(DeskError::from)
        .and_then(|()| desk.handle(state, &Event::Tick)))
    .expect("the desk ticks");
    assert_eq!(digests(&world.send_all()), Vec::<String>::new());
    assert_eq!(next_digest(&world).as_deref(), Some("Mon Nov 2 09:00 +01:00"));
}

#[test]
fn the_digest_goes_out_on_the_day_and_time_desk_yaml_says() {
    let desk = desk_with("weekly_digest: { day: fri, at: \"17:30\" }\n");
    let (mut world, _rules) = World::with_changed_rules(&[("desk.yaml", &desk)]);
    world.open(42, &[("category", "billing")]);
    world.send_all();
    assert_eq!(next_digest(&world).as_deref(), Some("Fri Sep 25 17:30 +02:00"));
}

#[test]
fn a_digest_turned_off_is_never_sent() {
    let (mut world, _rules) =
        World::with_changed_rules(&[("desk.yaml", &desk_with("weekly_digest: { enabled: false }\n"))]);
    two_tickets(&mut world);
    assert_eq!(next_digest(&world), None);
    for _ in 0..3 {
        world.minute += 7 * 24 * 60;
        world.event(&Event::Tick);
        assert_eq!(digests(&world.send_all()), Vec::<String>::new());
    }
    // Turned off once it was planned: the deadline goes with it.
    let (mut world, _rules) = World::with_changed_rules(&[("desk.yaml", &desk_with(""))]);
    two_tickets(&mut world);
    assert!(next_digest(&world).is_some());
    let (off, _off_rules) =
        World::with_changed_rules(&[("desk.yaml", &desk_with("weekly_digest: { enabled: false }\n"))]);
    world.rules = off.rules;
    world.event(&Event::Tick);
    assert_eq!(next_digest(&world), None);
    world.minute += 7 * 24 * 60;
    world.event(&Event::Tick);
    assert_eq!(digests(&world.send_all()), Vec::<String>::new());
}

#[test]
fn a_supervisor_the_bot_cannot_write_to_is_named_in_general_once() {
    let mut world = World::new();
    two_tickets(&mut world);
    let refused =
        |world: &World| Event::Delivered(Delivery::Unreachable { customer: DANA, sent_at: world.desk().now });
    world.event(&refused(&world));
    world.event(&refused(&world));
    check(
        &to_chat(&world.send_all(), STAFF),
        &expect![
            "chat -100777 #1015: ⚠ Telegram refuses the bot's private messages to Dana (never started, or blocked): the weekly digest and other private notices cannot reach them until they open the bot and press Start. Meanwhile the notifications they chose to get in private come as mentions in the topics."
        ],
    );
    // Once Dana writes to the bot, a new refusal is news again.
    world.event(&customer_says(DANA, 80, "/stats me today"));
    world.send_all();
    world.event(&refused(&world));
    assert!(to_chat(&world.send_all(), STAFF).contains("Telegram refuses"));
}

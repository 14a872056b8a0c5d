//! Metrics on hand-written ticket timelines, each written through `Ticket::apply` as the desk
//! would, with the answers worked out by hand.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::*;
use crate::calendar::BusinessCalendar;
use crate::deadline::{DeadlineKind, Mark};
use crate::duration::Span;
use crate::history::{Actor, Entry};
use crate::ticket::{Change, Customer, Origin, Priority, Status, Ticket, TicketId};

const AGENT: Actor = Actor::Agent(7);
const CUSTOMER: Actor = Actor::Customer(42);
const DESK: Actor = Actor::System;

/// A ticket and its history, told one change at a time.
struct Story {
    ticket: Ticket,
    history: Vec<Entry>,
}

fn utc(text: &str) -> Timestamp {
    text.parse().expect("test instants are RFC 3339")
}

/// Minutes after 2026-03-02 09:00 UTC, a Monday.
fn minute(n: i64) -> Timestamp {
    utc("2026-03-02T09:00:00Z") + jiff::SignedDuration::from_mins(n)
}

fn span(text: &str) -> Span {
    text.parse().expect("test spans are well formed")
}

fn story(at: Timestamp) -> Story {
    let customer = Customer { id: 42, name: "Alice".into(), username: None, language: None };
    let (ticket, created) = Ticket::open(TicketId(1), customer, "support", BTreeMap::new(), at);
    Story { ticket, history: vec![created] }
}

impl Story {
    fn then(mut self, at: Timestamp, actor: Actor, change: Change) -> Story {
        let origin = Origin { actor, rules: None };
        let entries = self.ticket.apply(change, &origin, at).expect("the story is a legal timeline");
        self.history.extend(entries);
        self
    }

    fn reply(self, at: Timestamp) -> Story {
        self.then(at, AGENT, Change::AgentReply { text: "Here you go".into() })
    }

    fn customer(self, at: Timestamp, text: &str) -> Story {
        self.then(at, CUSTOMER, Change::CustomerMessage { text: text.into() })
    }

    fn facts(&self) -> Facts {
        Facts::of_history(&self.history)
    }

    fn metrics(&self, now: Timestamp) -> TicketMetrics {
        TicketMetrics::of(&self.facts(), &BusinessCalendar::always(), now)
    }
}

fn calendar_spans(values: &[Elapsed]) -> Vec<Span> {
    values.iter().map(|each| each.calendar).collect()
}

#[test]
fn a_reopened_ticket_counts_both_resolutions_and_the_reopen() {
    let story = story(minute(0))
        .reply(minute(10))
        .then(minute(60), AGENT, Change::Resolve)
        .customer(minute(120), "it broke again, this is terrible")
        .reply(minute(150))
        .then(minute(180), AGENT, Change::Resolve)
        .then(minute(240), DESK, Change::AutoClose);
    let m = story.metrics(minute(600));
    assert_eq!(m.first_response.map(|e| e.calendar), Some(span("10m")));
    assert_eq!(m.first_resolution.map(|e| e.calendar), Some(span("1h")));
    assert_eq!(m.full_resolution.map(|e| e.calendar), Some(span("3h")), "the last resolution before close");
    assert_eq!(m.reopens, 1);
    assert_eq!(m.agent_replies, 2);
    assert!(!m.first_contact_resolution, "reopened");
    // The customer's message reopened it: a wait answered 30 minutes later.
    assert_eq!(calendar_spans(&m.next_replies), [span("30m")]);
    // New/Open from 0 to 60 and from 120 to 180.
    assert_eq!(m.requester_wait.calendar, span("2h"));
    assert_eq!(m.status, Status::Closed);
    let (mean, last) = m.sentiment.expect("the customer wrote");
    assert!(mean < 0.0 && last < 0.0, "an unhappy message: {mean} {last}");
    assert_eq!(m.sla, [SlaOutcome::Met, SlaOutcome::Met, SlaOutcome::Met], "no breach on record");
}

#[test]
fn a_reply_while_awaiting_the_customer_is_no_next_reply_time() {
    let story = story(minute(0))
        .reply(minute(5))
        .then(minute(10), AGENT, Change::AwaitCustomer)
        .reply(minute(20))
        .customer(minute(60), "here is the log")
        .reply(minute(75))
        .then(minute(80), AGENT, Change::Resolve);
    let m = story.metrics(minute(100));
    assert_eq!(m.agent_replies, 3);
    assert_eq!(calendar_spans(&m.next_replies), [span("15m")], "only the customer's message waited");
    assert_eq!(m.customer_wait.calendar, span("50m"), "awaiting from 10 to 60");
    assert_eq!(m.requester_wait.calendar, span("30m"), "0 to 10 and 60 to 80");
    assert_eq!(m.next_reply_mean().map(|e| e.calendar), Some(span("15m")));
    assert!(!m.first_contact_resolution, "three replies");
}

#[test]
fn business_hours_skip_the_weekend_and_follow_the_dst_change() {
    // Europe/Berlin goes from CET to CEST on Sunday 2026-03-29.
    let calendar = BusinessCalendar::new("Europe/Berlin", &[("mon-fri", "09:00-18:00")], &[] as &[&str])
        .expect("a valid calendar");
    // Friday 17:00 CET to Monday 10:00 CEST.
    let story = story(utc("2026-03-27T16:00:00Z")).reply(utc("2026-03-30T08:00:00Z")).then(
        utc("2026-03-30T09:30:00Z"),
        AGENT,
        Change::Resolve,
    );
    let m = TicketMetrics::of(&story.facts(), &calendar, utc("2026-03-31T00:00:00Z"));
    let first = m.first_response.expect("replied");
    assert_eq!(first.calendar, span("64h"), "65 wall-clock hours minus the hour the clocks skipped");
    assert_eq!(first.business, span("2h"), "Friday 17-18 and Monday 09-10");
    let full = m.full_resolution.expect("resolved");
    assert_eq!(full.business, span("3h 30m"));
    assert_eq!(m.requester_wait.business, span("3h 30m"), "New and Open all the way");
    assert!(m.first_contact_resolution, "one reply, resolved, never reopened");
}

#[test]
fn a_priority_change_moves_no_clock() {
    let story = story(minute(0))
        .then(minute(5), DESK, Change::SetPriority(Priority::High))
        .reply(minute(20))
        .then(minute(25), AGENT, Change::SetPriority(Priority::Low))
        .then(minute(30), AGENT, Change::Resolve);
    let facts = story.facts();
    assert_eq!(facts.priority_changes, 2);
    let m = story.metrics(minute(60));
    assert_eq!(m.first_response.map(|e| e.calendar), Some(span("20m")));
    assert_eq!(m.full_resolution.map(|e| e.calendar), Some(span("30m")));
}

#[test]
fn notes_and_rule_messages_are_not_replies() {
    let story = story(minute(0))
        .then(minute(2), DESK, Change::System { text: "Routed to billing".into() })
        .then(minute(3), DESK, Change::Notify { text: "VIP customer".into() })
        .then(minute(4), AGENT, Change::Note { text: "checking the invoice".into() })
        .then(minute(5), AGENT, Change::Assign { to: Some(7) })
        .reply(minute(30));
    let m = story.metrics(minute(40));
    assert_eq!(m.first_response.map(|e| e.calendar), Some(span("30m")));
    assert_eq!(m.agent_replies, 1);
    // Assignment opens the ticket; New and Open both count as the requester's wait.
    assert_eq!(m.requester_wait.calendar, span("40m"));
}

#[test]
fn a_ticket_still_open_at_the_end_of_the_period_keeps_running() {
    let story = story(minute(0)).reply(minute(10)).customer(minute(20), "and now?");
    let m = story.metrics(minute(80));
    assert_eq!(m.first_resolution, None);
    assert_eq!(m.full_resolution, None);
    assert_eq!(m.requester_wait.calendar, span("80m"), "counted up to the end of the period");
    assert!(m.next_replies.is_empty(), "the wait is not answered yet");
    assert_eq!(m.sla, [SlaOutcome::Met, SlaOutcome::Running, SlaOutcome::Running]);
    assert!(!m.first_contact_resolution);
}

#[test]
fn resolving_ends_a_wait_without_making_it_a_reply_time() {
    let story = story(minute(0)).reply(minute(10)).customer(minute(20), "thanks").then(
        minute(30),
        AGENT,
        Change::Resolve,
    );
    let m = story.metrics(minute(40));
    assert!(m.next_replies.is_empty());
    assert_eq!(m.sla[1], SlaOutcome::NotApplicable);
    assert!(m.first_contact_resolution);
}

#[test]
fn breaches_count_once_per_stretch_and_escalations_by_trigger() {
    let breach = |step| Change::Timer(Mark { kind: DeadlineKind::FirstResponse, since: 0, step });
    let escalate = || Change::Escalate { to: vec![9], reason: "late".into() };
    let story = story(minute(0))
        .then(minute(60), DESK, breach(1))
        .then(minute(66), DESK, breach(2))
        .then(minute(66), DESK, escalate())
        .then(minute(70), AGENT, escalate())
        .then(minute(80), DESK, escalate())
        .then(minute(90), DESK, Change::Timer(Mark { kind: DeadlineKind::Age, since: 0, step: 0 }))
        .then(minute(90), DESK, escalate())
        .reply(minute(100));
    let facts = story.facts();
    assert_eq!(facts.breaches, [1, 0, 0], "two rungs of one stretch are one breach");
    assert_eq!(facts.escalations, Escalations { manual: 1, breach: 1, age: 1, rule: 1 });
    let m = story.metrics(minute(120));
    assert_eq!(m.sla, [SlaOutcome::Breached, SlaOutcome::NotApplicable, SlaOutcome::Running]);
}

#[test]
fn sla_warnings_count_per_metric_and_breaches_do_not_count_as_warnings() {
    let mark = |kind, since, step| Change::Timer(Mark { kind, since, step });
    let story = story(minute(0))
        .then(minute(45), DESK, mark(DeadlineKind::FirstResponse, 0, 0))
        .then(minute(60), DESK, mark(DeadlineKind::FirstResponse, 0, 1))
        .then(minute(61), DESK, mark(DeadlineKind::Resolution, 0, 0))
        .reply(minute(70))
        .then(minute(200), DESK, mark(DeadlineKind::Age, 0, 0));
    let facts = story.facts();
    assert_eq!(facts.warnings, [1, 0, 1]);
    assert_eq!(facts.breaches, [1, 0, 0]);
}

#[test]
fn folding_batch_by_batch_equals_folding_the_whole_history() {
    let story = story(minute(0))
        .reply(minute(10))
        .then(minute(11), AGENT, Change::AwaitCustomer)
        .customer(minute(20), "ok")
        .reply(minute(30))
        .then(minute(40), AGENT, Change::Resolve)
        .customer(minute(50), "again")
        .then(minute(60), AGENT, Change::Close);
    let whole = story.facts();
    for cut in 0..story.history.len() {
        let (before, after) = story.history.split_at(cut);
        let mut facts = Facts::of_history(before);
        if before.is_empty() {
            facts = Facts::new(story.ticket.created_at);
        }
        assert!(facts.follows(after));
        facts.fold(after);
        assert_eq!(facts, whole, "cut at {cut}");
    }
    assert!(!whole.follows(&story.history[3..]), "a batch that skips entries does not follow");
    assert_eq!(whole.status_at(minute(15)), Status::AwaitingCustomer);
    assert_eq!(whole.status_at(minute(45)), Status::Resolved);
    assert_eq!(whole.status_at(minute(0)), Status::New);
}

#[test]
fn percentiles_are_nearest_rank() {
    assert_eq!(stats(Vec::<u64>::new()), Stats::default());
    let s = stats(vec![40_u64, 10, 30, 20]);
    assert_eq!((s.count, s.median, s.p90, s.mean), (4, Some(20), Some(40), Some(25.0)));
    let ten: Vec<u64> = (1..=10).collect();
    assert_eq!((percentile(&ten, 50), percentile(&ten, 90)), (5, 9));
    assert_eq!(percentile(&[7], 90), 7);
}

#[test]
fn a_group_adds_up_its_tickets() {
    let resolved = story(minute(0)).reply(minute(10)).then(minute(20), AGENT, Change::Resolve);
    let open = story(minute(0)).reply(minute(30));
    let waiting = story(minute(0));
    let mut group = Accumulator::default();
    for each in [&resolved, &open, &waiting] {
        group.add(&each.metrics(minute(60)));
    }
    let group = group.finish();
    assert_eq!((group.tickets, group.open, group.resolved), (3, 2, 1));
    assert_eq!(group.first_contact_resolutions, 1);
    assert_eq!(group.first_response.calendar.count, 2, "the unanswered ticket has no first response");
    assert_eq!(group.first_response.calendar.median, Some(600));
    assert_eq!(group.requester_wait.calendar.p90, Some(3600));
    assert_eq!(group.sla["first_response"], SlaCounts { met: 2, breached: 0, running: 1 });
    let mut backlog = Backlog::new(minute(300));
    backlog.add(minute(0), minute(300));
    backlog.add(minute(290), minute(300));
    assert_eq!(backlog.buckets[0], ("under 1h", 1));
    assert_eq!(backlog.buckets[2], ("4h-24h", 1));
}

#[test]
fn a_customer_messages_kept_score_is_folded_and_an_entry_without_one_is_scored_then() {
    let text = "This is terrible, it still does not work";
    let story = story(minute(0)).customer(minute(1), text);
    let score = crate::sentiment::score(text);
    assert!(score < -0.2, "{score}");
    // The entry carries the score the message was given when it came in.
    assert!(matches!(
        &story.history[1].kind,
        crate::history::EntryKind::CustomerMessage { sentiment: Some(kept), .. } if kept.to_bits() == score.to_bits()
    ));
    assert_eq!(story.facts().sentiment.total.to_bits(), score.to_bits());

    // The fold reads the kept score rather than the text: a kept score that differs from
    // the text's shows which one was folded.
    let mut kept = story.history.clone();
    if let crate::history::EntryKind::CustomerMessage { sentiment, .. } = &mut kept[1].kind {
        *sentiment = Some(0.75);
    }
    assert_eq!(Facts::of_history(&kept).sentiment.total.to_bits(), 0.75_f64.to_bits());

    // An entry written before scores were kept is scored from its text at fold time.
    let mut old = story.history.clone();
    if let crate::history::EntryKind::CustomerMessage { sentiment, .. } = &mut old[1].kind {
        *sentiment = None;
    }
    assert_eq!(Facts::of_history(&old), story.facts());
}

#[test]
fn csat_counts_asked_answered_the_latest_rating_and_comments() {
    use crate::csat::{Rating, Scale};
    let five = |value| Rating { scale: Scale::Five, value };
    let resolved = || story(minute(0)).reply(minute(10)).then(minute(20), AGENT, Change::Resolve);
    let ask = |story: Story, scale| {
        story.then(minute(80), DESK, Change::CsatAsk { scale, expires_at: minute(10_000) })
    };
    let rate = |story: Story, rating| {
        story.then(minute(90), CUSTOMER, Change::CsatRate { rating, ask_comment: true })
    };
    // A 5 changed to a 2 with a comment: the 2 counts.
    let changed = rate(rate(ask(resolved(), Scale::Five), five(5)), five(2)).then(
        minute(95),
        CUSTOMER,
        Change::CsatComment { text: "slow".into() },
    );
    let happy = rate(ask(resolved(), Scale::Five), five(4));
    let good = rate(ask(resolved(), Scale::GoodBad), Rating { scale: Scale::GoodBad, value: 2 });
    let silent = ask(resolved(), Scale::Five);
    let never_asked = resolved();
    let mut group = Accumulator::default();
    for each in [&changed, &happy, &good, &silent, &never_asked] {
        group.add(&each.metrics(minute(600)));
    }
    let csat = group.finish().csat;
    assert_eq!((csat.asked, csat.answered, csat.satisfied, csat.commented), (4, 3, 2, 1));
    assert_eq!(csat.response_rate, Some(0.75));
    assert_eq!(csat.score, Some(2.0 / 3.0), "the 4 and the good of three answers");
    assert_eq!(csat.mean_rating, Some(3.0), "2 and 4 on the five scale; good/bad has no mean");
    assert_eq!(Accumulator::default().finish().csat, CsatFigures::default());
}

#[test]
fn by_staff_group_rows_are_the_topics_groups_by_name_and_a_ticket_without_a_topic_comes_last() {
    let labels = |staff_chat| Labels {
        assignee: None,
        category: None,
        priority: Priority::Normal,
        form: "support".into(),
        tags: Vec::new(),
        staff_chat,
    };
    let mut period = Period::new(Options {
        since: None,
        until: None,
        now: minute(600),
        by: Some(GroupBy::StaffGroup),
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::new(),
        // desk.yaml names one of the groups; a chat it no longer lists shows its id.
        group_names: BTreeMap::from([(-100_200, "billing".to_owned())]),
    });
    let answered = story(minute(0)).reply(minute(10)).facts();
    for chat in [Some(-100_200), Some(-100_100), Some(-100_200), None] {
        period.add(&labels(chat), &answered);
    }
    let report = period.finish(Vec::new(), 0);
    let rows: Vec<(&str, u64)> =
        report.groups.iter().map(|row| (row.key.as_str(), row.group.tickets)).collect();
    assert_eq!(rows, [("-100100", 1), ("billing", 2), ("(no topic yet)", 1)]);
}

#[test]
fn template_replies_are_counted_per_ticket_and_shared_of_agent_replies_per_agent() {
    let used = |story: Story, at| {
        story.then(at, AGENT, Change::TemplateUsed { template: "refund".into(), version: "v1".into() })
    };
    // Three agent replies, two of them from a template; a note names no template.
    let templated = used(story(minute(0)).reply(minute(10)), minute(10))
        .customer(minute(20), "and the invoice?")
        .reply(minute(30))
        .then(minute(35), AGENT, Change::Note { text: "check refund".into() });
    let templated = used(templated.reply(minute(40)), minute(40));
    let facts = templated.facts();
    assert_eq!((facts.agent_replies, facts.template_replies), (3, 2));
    let typed = story(minute(0)).reply(minute(5));
    let mut period = Period::new(Options {
        since: None,
        until: None,
        now: minute(600),
        by: Some(GroupBy::Agent),
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::from([(7, "Dana".to_owned()), (8, "Lee".to_owned())]),
        group_names: BTreeMap::new(),
    });
    let labels = |assignee| Labels { assignee: Some(assignee), ..Labels::empty() };
    period.add(&labels(7), &facts);
    period.add(&labels(7), &typed.facts());
    period.add(&labels(8), &typed.facts());
    let report = period.finish(Vec::new(), 0);
    let t = report.total.templates;
    assert_eq!((t.uses, t.agent_replies, t.share), (2, 5, Some(0.4)));
    let rows: Vec<(&str, u64, u64)> = report
        .groups
        .iter()
        .map(|row| (row.key.as_str(), row.group.templates.uses, row.group.templates.agent_replies))
        .collect();
    assert_eq!(rows, [("Dana", 2, 4), ("Lee", 0, 1)]);
    assert!(report.csv().contains("\nDana,template_uses,,2,,,\nDana,template_agent_replies,,4,,,\n"));
    assert!(report.table().contains("templates: 2 of 5 agent replies (40%)"), "{}", report.table());
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["total"]["templates"], serde_json::json!({"agent_replies": 5, "uses": 2, "share": 0.4}));
}

#[test]
fn deflections_in_the_period_count_with_their_top_articles_and_a_share_of_questions() {
    let options = Options {
        since: Some(minute(0)),
        until: Some(minute(600)),
        now: minute(900),
        by: Some(GroupBy::Agent),
        ..report_options()
    };
    let mut period = Period::new(options.clone());
    let answered = story(minute(0)).reply(minute(10)).facts();
    period.add(&Labels::empty(), &answered);
    // Before, in and after the period: only those in it count.
    period.add_deflection(minute(-1), "reset-password");
    for (at, article) in [
        (0, "reset-password"),
        (1, "invoices"),
        (2, "reset-password"),
        (3, "a-delivery"),
        (4, "b-refunds"),
        (5, "c-login"),
        (6, "d-plans"),
        (7, "invoices"),
    ] {
        period.add_deflection(minute(at), article);
    }
    period.add_deflection(minute(600), "reset-password");
    // A period read in parts adds its parts' deflections.
    let mut other = Period::new(options);
    other.add_deflection(minute(100), "reset-password");
    period.merge(other);
    let report = period.finish(Vec::new(), 0);
    let d = &report.deflections;
    assert_eq!(d.count, 9);
    assert_eq!(d.rate, Some(0.9), "9 deflected of 10 questions");
    let top: Vec<(&str, u64)> = d.top_articles.iter().map(|a| (a.article.as_str(), a.count)).collect();
    assert_eq!(
        top,
        [("reset-password", 3), ("invoices", 2), ("a-delivery", 1), ("b-refunds", 1), ("c-login", 1)],
        "most first, ties by id, five at most"
    );
    assert!(report.groups.iter().all(|row| row.key != "reset-password"), "no group of its own");
    assert!(report.csv().ends_with("all,kb_deflections,,9,,,\nall,kb_deflections:reset-password,,3,,,\nall,kb_deflections:invoices,,2,,,\nall,kb_deflections:a-delivery,,1,,,\nall,kb_deflections:b-refunds,,1,,,\nall,kb_deflections:c-login,,1,,,\n"), "{}", report.csv());
    assert!(
        report.table().contains(
            "KB deflections (answered by an article, no ticket): 9 (90% of questions); top: reset-password 3, invoices 2, a-delivery 1, b-refunds 1, c-login 1\n"
        ),
        "{}",
        report.table()
    );
    let empty = Period::new(report_options()).finish(Vec::new(), 0);
    assert_eq!(empty.deflections, Deflections::default());
    assert!(
        empty.table().contains("KB deflections (answered by an article, no ticket): 0 (- of questions)\n")
    );
}

fn report_options() -> Options {
    Options {
        since: None,
        until: None,
        now: minute(0),
        by: None,
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: BTreeMap::new(),
        group_names: BTreeMap::new(),
    }
}

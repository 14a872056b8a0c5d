//! Business time arithmetic on real calendars, checked against hand-worked answers.
//!
//! Instants are written as local wall time in the desk's zone (`2026-03-27 17:00`) or with
//! an explicit offset where a fall-back fold makes local time ambiguous; answers print as
//! `Fri 2026-03-27 17:00 CET`, so a DST mistake shows in the abbreviation.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

struct Desk {
    calendar: BusinessCalendar,
    zone: TimeZone,
}

impl Desk {
    fn new(zone: &str, hours: &[(&str, &str)], holidays: &[&str]) -> Desk {
        let calendar = BusinessCalendar::new(zone, hours, holidays).expect("test calendars are valid");
        Desk { calendar, zone: TimeZone::get(zone).expect("test zones exist") }
    }

    fn always() -> Desk {
        Desk { calendar: BusinessCalendar::always(), zone: TimeZone::UTC }
    }

    fn at(&self, text: &str) -> Timestamp {
        if let Ok(timestamp) = text.parse::<Timestamp>() {
            return timestamp;
        }
        let local: DateTime = text.parse().expect("test instants are well formed");
        self.zone.to_timestamp(local).expect("test instants are in range")
    }

    fn show(&self, timestamp: Timestamp) -> String {
        timestamp.to_zoned_datetime(self.zone.clone()).strftime("%a %Y-%m-%d %H:%M %Z").to_string()
    }

    /// Checks `add`, and that `elapsed` gives the span back.
    #[track_caller]
    fn check_add(&self, start: &str, span: &str, expect: &str) {
        let (start, span) = (self.at(start), span.parse::<Span>().expect("test spans are well formed"));
        let end = self.calendar.add(start, span);
        assert_eq!(self.show(end), expect, "add({}, {span})", self.show(start));
        assert_eq!(self.calendar.elapsed(start, end), span, "elapsed back from {expect}");
    }

    #[track_caller]
    fn check_elapsed(&self, from: &str, to: &str, expect: &str) {
        let elapsed = self.calendar.elapsed(self.at(from), self.at(to));
        assert_eq!(elapsed.to_string(), expect, "elapsed({from}, {to})");
    }

    #[track_caller]
    fn check_open(&self, at: &str, expect_open: bool, expect_next: &str) {
        let at = self.at(at);
        assert_eq!(self.calendar.is_open(at), expect_open, "is_open({})", self.show(at));
        assert_eq!(self.show(self.calendar.next_open(at)), expect_next, "next_open({})", self.show(at));
    }
}

fn office() -> Desk {
    Desk::new(
        "Europe/Berlin",
        &[("mon-fri", "09:00-18:00"), ("sat", "10:00-14:00")],
        &["2026-12-25", "2026-12-26", "2027-01-01"],
    )
}

fn lunch_break() -> Desk {
    Desk::new("Europe/Berlin", &[("mon-fri", "09:00-12:00, 13:00-18:00")], &[])
}

#[test]
fn the_next_close_ends_the_open_stretch_or_the_next_one() {
    let close = |desk: &Desk, at: &str| desk.calendar.next_close(desk.at(at)).map(|t| desk.show(t));
    let desk = lunch_break();
    assert_eq!(close(&desk, "2026-03-23 10:00").as_deref(), Some("Mon 2026-03-23 12:00 CET"));
    // At a closing instant the next stretch's end comes next: closes are strictly later.
    assert_eq!(close(&desk, "2026-03-23 12:00").as_deref(), Some("Mon 2026-03-23 18:00 CET"));
    assert_eq!(close(&desk, "2026-03-27 19:00").as_deref(), Some("Mon 2026-03-30 12:00 CEST"));
    // A shift across midnight is one stretch.
    let night = Desk::new("UTC", &[("mon", "22:00-24:00"), ("tue", "00:00-02:00, 20:00-21:00")], &[]);
    assert_eq!(close(&night, "2026-03-23 23:00").as_deref(), Some("Tue 2026-03-24 02:00 UTC"));
    assert_eq!(close(&night, "2026-03-24 02:00").as_deref(), Some("Tue 2026-03-24 21:00 UTC"));
    // Never closing: no answer.
    assert_eq!(close(&Desk::always(), "2026-03-23 10:00"), None);
}

#[test]
fn counts_within_a_day_and_overnight() {
    let desk = office();
    desk.check_add("2026-03-23 10:00", "2h", "Mon 2026-03-23 12:00 CET");
    desk.check_add("2026-03-23 17:00", "1h", "Mon 2026-03-23 18:00 CET");
    desk.check_add("2026-03-23 17:00", "2h", "Tue 2026-03-24 10:00 CET");
    desk.check_add("2026-03-23 17:00", "1d", "Thu 2026-03-26 14:00 CET");
    desk.check_elapsed("2026-03-23 17:00", "2026-03-24 10:00", "2h");
    desk.check_elapsed("2026-03-23 20:00", "2026-03-24 08:00", "0s");
}

#[test]
fn starts_counting_at_the_next_opening() {
    let desk = office();
    desk.check_add("2026-03-23 07:00", "1h", "Mon 2026-03-23 10:00 CET");
    desk.check_add("2026-03-23 18:00", "15m", "Tue 2026-03-24 09:15 CET");
    desk.check_add("2026-03-22 12:00", "1h", "Mon 2026-03-23 10:00 CET");
}

#[test]
fn zero_span_is_now_when_open_else_the_next_opening() {
    let desk = office();
    desk.check_add("2026-03-23 10:00", "0s", "Mon 2026-03-23 10:00 CET");
    desk.check_add("2026-03-23 18:00", "0s", "Tue 2026-03-24 09:00 CET");
    desk.check_add("2026-03-22 12:00", "0s", "Mon 2026-03-23 09:00 CET");
}

#[test]
fn skips_the_weekend_from_friday_evening() {
    let desk = office();
    desk.check_add("2026-03-27 19:00", "1h", "Sat 2026-03-28 11:00 CET");
    // Saturday closes at 14:00; Berlin switches to summer time on Sunday.
    desk.check_add("2026-03-28 13:00", "2h", "Mon 2026-03-30 10:00 CEST");
    desk.check_elapsed("2026-03-27 17:00", "2026-03-30 10:00", "6h");
    let weekdays = Desk::new("Europe/Berlin", &[("mon-fri", "09:00-18:00")], &[]);
    weekdays.check_add("2026-03-27 17:30", "1h", "Mon 2026-03-30 09:30 CEST");
    weekdays.check_elapsed("2026-03-27 12:00", "2026-03-30 12:00", "9h");
}

#[test]
fn skips_holidays() {
    let desk = office();
    desk.check_add("2026-12-24 17:00", "2h", "Mon 2026-12-28 10:00 CET");
    desk.check_elapsed("2026-12-24 00:00", "2026-12-29 00:00", "18h");
    desk.check_open("2026-12-25 11:00", false, "Mon 2026-12-28 09:00 CET");
    desk.check_add("2026-12-31 17:00", "2h", "Sat 2027-01-02 11:00 CET");
}

#[test]
fn several_intervals_a_day() {
    let desk = lunch_break();
    desk.check_add("2026-03-23 11:30", "1h", "Mon 2026-03-23 13:30 CET");
    desk.check_add("2026-03-23 12:30", "30m", "Mon 2026-03-23 13:30 CET");
    desk.check_add("2026-03-23 12:00", "0s", "Mon 2026-03-23 13:00 CET");
    desk.check_add("2026-03-23 09:00", "8h", "Mon 2026-03-23 18:00 CET");
    desk.check_add("2026-03-27 17:00", "2h", "Mon 2026-03-30 10:00 CEST");
    desk.check_elapsed("2026-03-23 11:00", "2026-03-23 14:00", "2h");
    desk.check_open("2026-03-23 11:59", true, "Mon 2026-03-23 11:59 CET");
    desk.check_open("2026-03-23 12:00", false, "Mon 2026-03-23 13:00 CET");
    desk.check_open("2026-03-23 13:00", true, "Mon 2026-03-23 13:00 CET");
}

#[test]
fn intervals_from_several_keys_and_across_midnight() {
    let desk = Desk::new("UTC", &[("mon", "22:00-24:00"), ("tue", "00:00-02:00, 20:00-21:00")], &[]);
    desk.check_add("2026-03-23 23:00", "2h", "Tue 2026-03-24 01:00 UTC");
    desk.check_add("2026-03-23 23:00", "3h", "Tue 2026-03-24 02:00 UTC");
    desk.check_add("2026-03-23 23:00", "3h 30m", "Tue 2026-03-24 20:30 UTC");
    desk.check_add("2026-03-23 23:00", "1h", "Tue 2026-03-24 00:00 UTC");
    desk.check_open("2026-03-24 00:00", true, "Tue 2026-03-24 00:00 UTC");
    desk.check_elapsed("2026-03-23 00:00", "2026-03-30 00:00", "5h");
    desk.check_elapsed("2026-03-23 00:00", "2026-03-31 00:00", "7h");
}

#[test]
fn berlin_days_are_23_and_25_hours_long_at_the_clock_changes() {
    let desk = Desk::new("Europe/Berlin", &[("mon-sun", "00:00-24:00")], &[]);
    desk.check_elapsed("2026-03-29 00:00", "2026-03-30 00:00", "23h");
    desk.check_elapsed("2026-10-25 00:00", "2026-10-26 00:00", "1d 1h");
    desk.check_add("2026-03-28 12:00", "1d", "Sun 2026-03-29 13:00 CEST");
    desk.check_add("2026-10-24 12:00", "1d", "Sun 2026-10-25 11:00 CET");
}

#[test]
fn berlin_intervals_across_the_clock_change() {
    let desk = Desk::new("Europe/Berlin", &[("sun", "01:00-04:00"), ("mon", "09:00-10:00")], &[]);
    // Spring forward: 02:00-03:00 does not exist, so 01:00-04:00 lasts two hours.
    desk.check_elapsed("2026-03-29 00:00", "2026-03-29 12:00", "2h");
    desk.check_add("2026-03-29 01:30", "1h", "Sun 2026-03-29 03:30 CEST");
    // A wall time in the gap resolves past it, as jiff's "compatible" does.
    desk.check_open("2026-03-29 02:30", true, "Sun 2026-03-29 03:30 CEST");
    // Fall back: 02:00-03:00 happens twice, so 01:00-04:00 lasts four hours.
    desk.check_elapsed("2026-10-25 00:00", "2026-10-25 12:00", "4h");
    desk.check_add("2026-10-25 01:30", "1h", "Sun 2026-10-25 02:30 CEST");
    desk.check_add("2026-10-25 01:30", "2h", "Sun 2026-10-25 02:30 CET");
    desk.check_add("2026-10-25T02:30+01:00", "1h", "Sun 2026-10-25 03:30 CET");
    desk.check_add("2026-10-25 03:30", "1h", "Mon 2026-10-26 09:30 CET");

    // An interval starting inside the gap starts when the gap ends.
    let gap = Desk::new("Europe/Berlin", &[("sun", "02:30-05:00")], &[]);
    gap.check_elapsed("2026-03-29 00:00", "2026-03-29 12:00", "1h 30m");
    // Fall back: 02:30 is its first occurrence, in summer time.
    gap.check_elapsed("2026-10-25 00:00", "2026-10-25 12:00", "3h 30m");
}

#[test]
fn new_york_clock_changes() {
    let desk = Desk::new("America/New_York", &[("mon-fri", "09:00-17:00")], &[]);
    desk.check_add("2026-03-06 16:00", "2h", "Mon 2026-03-09 10:00 EDT");
    desk.check_elapsed("2026-03-06 16:00", "2026-03-09 10:00", "2h");
    desk.check_add("2026-10-30 16:00", "2h", "Mon 2026-11-02 10:00 EST");
    let night = Desk::new("America/New_York", &[("sun", "00:00-06:00")], &[]);
    night.check_elapsed("2026-03-08 00:00", "2026-03-09 00:00", "5h");
    night.check_elapsed("2026-11-01 00:00", "2026-11-02 00:00", "7h");
}

#[test]
fn always_counts_calendar_time() {
    let desk = Desk::always();
    desk.check_add("2026-03-27 23:00", "4h 30m", "Sat 2026-03-28 03:30 UTC");
    desk.check_elapsed("2026-03-27 23:00", "2026-03-30 23:00", "3d");
    desk.check_open("2026-03-29 02:30", true, "Sun 2026-03-29 02:30 UTC");
    assert!(desk.calendar.is_always());
    assert!(!office().calendar.is_always());
}

#[test]
fn long_spans_step_by_day() {
    let desk = office();
    // 49 business hours a week: 14 weeks are 686h, and 34h more end Thursday 16:00.
    desk.check_add("2026-01-05 09:00", "30d", "Thu 2026-04-16 16:00 CEST");
    // 43,800 business hours take seventeen years, stepping a day at a time.
    desk.check_add("2026-01-05 09:00", "1825d", "Tue 2043-02-24 16:00 CET");
    let start = desk.at("2026-01-05 09:00");
    assert_eq!(desk.calendar.add(start, Span::from_secs(u64::MAX)), Timestamp::MAX);
    assert_eq!(Desk::always().calendar.add(start, Span::from_secs(u64::MAX)), Timestamp::MAX);
    // A minute a week: a thousand days of it lie beyond the horizon, so the answer is "never".
    let minute = Desk::new("Europe/Berlin", &[("sun", "12:00-12:01")], &[]);
    minute.check_add("2026-01-05 09:00", "2m", "Sun 2026-01-18 12:01 CET");
    assert_eq!(minute.calendar.add(start, "1000d".parse().expect("a span")), Timestamp::MAX);
}

#[test]
fn keeps_subsecond_starts() {
    let desk = office();
    let start = desk.at("2026-03-23 17:59:59.5");
    let end = desk.calendar.add(start, Span::from_secs(1));
    assert_eq!(end, desk.at("2026-03-24 09:00:00.5"));
    assert_eq!(desk.calendar.elapsed(start, end), Span::from_secs(1));
    assert_eq!(desk.calendar.elapsed(end, start), Span::ZERO);
}

fn realistic() -> BusinessCalendar {
    BusinessCalendar::new(
        "Europe/Berlin",
        &[("mon-thu", "08:30-12:00, 12:45-17:30"), ("fri", "08:30-15:00"), ("sat", "10:00-14:00")],
        &["2026-12-25", "2026-12-26", "2027-01-01", "2027-04-02", "2027-04-05"],
    )
    .expect("a valid calendar")
}

proptest! {
    #[test]
    fn elapsed_inverts_add_and_add_is_monotonic(
        start_secs in 1_735_689_600i64..1_924_992_000, // 2025 to 2031
        start_nanos in 0i32..1_000_000_000,
        span_secs in 0u64..90 * 86_400,
        extra_secs in 0u64..3 * 86_400,
    ) {
        let calendar = realistic();
        let start = Timestamp::new(start_secs, start_nanos).expect("in range");
        let span = Span::from_secs(span_secs);
        let end = calendar.add(start, span);
        prop_assert_eq!(calendar.elapsed(start, end), span);
        prop_assert!(end >= start);
        if span_secs == 0 {
            prop_assert_eq!(end, calendar.next_open(start));
        }
        let longer = calendar.add(start, Span::from_secs(span_secs + extra_secs));
        prop_assert!(longer >= end);
        let always_end = BusinessCalendar::always().add(start, span);
        prop_assert_eq!(always_end, start.checked_add(SignedDuration::from_secs(span_secs as i64)).expect("in range"));
    }
}

/// A calendar with hours that run to midnight and from it, across Berlin's clock changes.
fn night_shift() -> BusinessCalendar {
    BusinessCalendar::new(
        "Europe/Berlin",
        &[("mon-fri", "00:00-03:30, 22:00-24:00"), ("sun", "01:30-02:30")],
        &["2026-12-25"],
    )
    .expect("a valid calendar")
}

proptest! {
    #[test]
    fn a_table_answers_as_the_calendar_does(
        pairs in proptest::collection::vec(
            (1_735_689_600i64..1_924_992_000, 0i32..1_000_000_000, 0i64..120 * 86_400),
            1..40,
        ),
        which in 0usize..3,
    ) {
        let calendar = match which {
            0 => realistic(),
            1 => night_shift(),
            _ => BusinessCalendar::always(),
        };
        // One table for every pair, asked in any order, as a report asks it.
        let table = calendar.table();
        for (from_secs, nanos, length) in pairs {
            let from = Timestamp::new(from_secs, nanos).expect("in range");
            let to = from.checked_add(SignedDuration::from_secs(length)).expect("in range");
            prop_assert_eq!(BusinessTime::elapsed(&table, from, to), calendar.elapsed(from, to));
            prop_assert_eq!(BusinessTime::elapsed(&table, to, from), Span::ZERO);
        }
    }
}

#[test]
fn a_table_answers_across_the_clock_changes() {
    for calendar in [realistic(), night_shift()] {
        let table = calendar.table();
        let desk = office();
        for (from, to) in [
            ("2026-03-27 17:00", "2026-03-30 10:00"),
            ("2026-03-29 01:00", "2026-03-29 04:00"),
            ("2026-10-25 01:00", "2026-10-25 04:00"),
            ("2026-10-23 23:00", "2026-10-26 02:00"),
            ("2026-12-24 12:00", "2027-01-04 09:00"),
        ] {
            let (from, to) = (desk.at(from), desk.at(to));
            assert_eq!(BusinessTime::elapsed(&table, from, to), calendar.elapsed(from, to), "{from} to {to}");
        }
    }
}

#[test]
fn a_table_answers_beyond_the_years_it_lays_out() {
    // The table counts in i64 nanoseconds, which end on 2262-04-11; the calendar does not.
    for calendar in [realistic(), night_shift(), BusinessCalendar::always()] {
        let table = calendar.table();
        for (from, to) in [
            ("2262-03-01T08:00:00Z", "2262-05-01T08:00:00Z"),
            ("2300-01-01T00:00:00Z", "2300-02-01T00:00:00Z"),
            ("1600-01-01T00:00:00Z", "1600-01-10T00:00:00Z"),
            ("2262-04-01T08:00:00Z", "2262-04-11T08:00:00Z"),
        ] {
            let (from, to) =
                (from.parse::<Timestamp>().expect("instant"), to.parse::<Timestamp>().expect("instant"));
            assert_eq!(BusinessTime::elapsed(&table, from, to), calendar.elapsed(from, to), "{from} to {to}");
        }
    }
}

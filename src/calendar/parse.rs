//! Building a [`BusinessCalendar`] from the strings a desk file holds.
//!
//! The rules loader parses YAML and hands over the time zone name, the business hours as
//! `(key, value)` pairs in file order (`("mon-fri", "09:00-18:00")`, `("sun", "closed")`)
//! and the holiday strings. Every mistake is reported, not the first, each naming the
//! [`Setting`] it belongs to so the loader can attach `path:line:col`.
//!
//! Keys: day names `mon`..`sun` (or spelled out), ranges `mon-fri` (wrapping: `fri-mon`),
//! comma lists `sat,sun` mixing both. Values: `closed`, or intervals `09:00-18:00` separated
//! by commas; `24:00` ends a day. An overnight shift is two intervals on two days. A day may
//! collect intervals from several keys as long as they do not overlap.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{BusinessCalendar, Interval, MINUTES_PER_DAY, Schedule, Weekly};

/// The desk setting an error is about, for the loader to turn into a file position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting<'a> {
    /// The `timezone` value.
    TimeZone,
    /// The business hours as a whole (they never open).
    BusinessHours,
    /// One business-hours entry, by its key as written, e.g. `mon-fri`.
    HoursKey(&'a str),
    /// One holiday, by its zero-based position in the list.
    Holiday(usize),
}

/// A mistake in the desk's calendar settings; the message names the value at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone `{name}`, expected an IANA name like `Europe/Berlin`")]
    UnknownTimeZone { name: String },
    #[error(
        "unknown day `{key}` in business hours, expected mon..sun, a range like `mon-fri` or a list like `sat,sun`"
    )]
    BadDayKey { key: String },
    #[error(
        "business hours for `{key}` must look like `09:00-18:00`, `09:00-12:00, 13:00-18:00` or `closed`, not `{value}`"
    )]
    BadInterval { key: String, value: String },
    #[error(
        "business hours for `{key}`: `{interval}` does not end after it starts; split an overnight shift at midnight, like `22:00-24:00` and `00:00-06:00`"
    )]
    EndNotAfterStart { key: String, interval: String },
    #[error("business hours for `{key}` overlap: {first} and {second}")]
    Overlap { key: String, first: String, second: String },
    #[error("business hours for `{key}` overlap those for `{other_key}`: {first} and {second}")]
    OverlapAcrossKeys { key: String, other_key: String, first: String, second: String },
    #[error("business hours for `{key}` say closed, but `{other_key}` opens {day}")]
    ClosedButOpen { key: String, other_key: String, day: String },
    #[error("holiday `{value}` is not a date like `2026-12-25`")]
    BadHoliday { index: usize, value: String },
    #[error("business hours never open; leave them out for a desk that counts round the clock")]
    NeverOpen,
}

impl CalendarError {
    /// Which setting the error belongs to.
    pub fn setting(&self) -> Setting<'_> {
        match self {
            CalendarError::UnknownTimeZone { .. } => Setting::TimeZone,
            CalendarError::BadDayKey { key }
            | CalendarError::BadInterval { key, .. }
            | CalendarError::EndNotAfterStart { key, .. }
            | CalendarError::Overlap { key, .. }
            | CalendarError::OverlapAcrossKeys { key, .. }
            | CalendarError::ClosedButOpen { key, .. } => Setting::HoursKey(key),
            CalendarError::BadHoliday { index, .. } => Setting::Holiday(*index),
            CalendarError::NeverOpen => Setting::BusinessHours,
        }
    }
}

impl BusinessCalendar {
    /// A weekly calendar from desk settings: an IANA time zone name, business hours as
    /// `(key, value)` pairs in file order, and holidays as `YYYY-MM-DD` local dates.
    /// Returns every error found. For a desk without business hours use
    /// [`BusinessCalendar::always`] instead: empty hours are refused as never open.
    pub fn new<K, V, H>(
        time_zone: &str,
        hours: &[(K, V)],
        holidays: &[H],
    ) -> Result<BusinessCalendar, Vec<CalendarError>>
    where
        K: AsRef<str>,
        V: AsRef<str>,
        H: AsRef<str>,
    {
        let mut errors = Vec::new();
        let time_zone = TimeZone::get(time_zone.trim())
            .map_err(|_| errors.push(CalendarError::UnknownTimeZone { name: time_zone.to_owned() }))
            .ok();
        let days = build_week(hours, &mut errors);
        let holidays = holidays
            .iter()
            .enumerate()
            .filter_map(|(index, text)| {
                let text = text.as_ref();
                let date = parse_date(text.trim());
                if date.is_none() {
                    errors.push(CalendarError::BadHoliday { index, value: text.to_owned() });
                }
                date
            })
            .collect::<BTreeSet<Date>>();
        match (time_zone, days) {
            (Some(time_zone), Some(days)) if errors.is_empty() => {
                Ok(BusinessCalendar { schedule: Schedule::Weekly(Weekly { time_zone, days, holidays }) })
            }
            _ => Err(errors),
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const LONG_DAY_NAMES: [&str; 7] =
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// One day's claim from one key: an interval, or "closed".
#[derive(Clone, Copy)]
struct Claim {
    key_idx: usize,
    interval: Option<Interval>,
}

/// The intervals per weekday, or `None` when any entry was wrong (errors pushed).
fn build_week<K: AsRef<str>, V: AsRef<str>>(
    hours: &[(K, V)],
    errors: &mut Vec<CalendarError>,
) -> Option<[Vec<Interval>; 7]> {
    let n_errors_before = errors.len();
    let mut claims: [Vec<Claim>; 7] = Default::default();
    for (key_idx, (key, value)) in hours.iter().enumerate() {
        let (key, value) = (key.as_ref(), value.as_ref());
        let day_mask = parse_day_key(key);
        if day_mask.is_none() {
            errors.push(CalendarError::BadDayKey { key: key.to_owned() });
        }
        let intervals = parse_hours(key, value, errors);
        let (Some(day_mask), Some(intervals)) = (day_mask, intervals) else { continue };
        for (day_idx, day_claims) in claims.iter_mut().enumerate() {
            if day_mask & (1 << day_idx) == 0 {
                continue;
            }
            if intervals.is_empty() {
                day_claims.push(Claim { key_idx, interval: None });
            }
            day_claims.extend(intervals.iter().map(|&interval| Claim { key_idx, interval: Some(interval) }));
        }
    }
    check_conflicts(hours, &claims, errors);
    if errors.len() > n_errors_before {
        return None;
    }
    let days = claims.map(|day_claims| {
        let mut intervals: Vec<Interval> = day_claims.iter().filter_map(|claim| claim.interval).collect();
        intervals.sort_unstable();
        intervals
    });
    if days.iter().all(Vec::is_empty) {
        errors.push(CalendarError::NeverOpen);
        return None;
    }
    Some(days)
}

/// Overlapping intervals and "closed" days that another key opens, each reported once
/// (a `mon-fri` clash is one error, not five) and blamed on the later key.
fn check_conflicts<K: AsRef<str>, V>(
    hours: &[(K, V)],
    claims: &[Vec<Claim>; 7],
    errors: &mut Vec<CalendarError>,
) {
    let key = |key_idx: usize| hours[key_idx].0.as_ref().to_owned();
    let mut reported = BTreeSet::new();
    for (day_idx, day_claims) in claims.iter().enumerate() {
        for (claim_idx, later) in day_claims.iter().enumerate() {
            for earlier in &day_claims[..claim_idx] {
                let (first, second) = match (earlier.interval, later.interval) {
                    (Some(first), Some(second)) if first.start < second.end && second.start < first.end => {
                        (first, second)
                    }
                    (None, Some(_)) | (Some(_), None) if earlier.key_idx != later.key_idx => {
                        let (closed, open) =
                            if earlier.interval.is_none() { (earlier, later) } else { (later, earlier) };
                        if reported.insert((closed.key_idx, open.key_idx, None)) {
                            errors.push(CalendarError::ClosedButOpen {
                                key: key(closed.key_idx),
                                other_key: key(open.key_idx),
                                day: DAY_NAMES[day_idx].to_owned(),
                            });
                        }
                        continue;
                    }
                    _ => continue,
                };
                if !reported.insert((earlier.key_idx, later.key_idx, Some((first, second)))) {
                    continue;
                }
                let (first, second) = (first.to_string(), second.to_string());
                errors.push(if earlier.key_idx == later.key_idx {
                    CalendarError::Overlap { key: key(later.key_idx), first, second }
                } else {
                    CalendarError::OverlapAcrossKeys {
                        key: key(later.key_idx),
                        other_key: key(earlier.key_idx),
                        first: second,
                        second: first,
                    }
                });
            }
        }
    }
}

/// The days a key names, as a bit mask with Monday in bit 0.
fn parse_day_key(key: &str) -> Option<u8> {
    let mut mask = 0u8;
    for part in key.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (parse_day_name(first)?, parse_day_name(last)?);
                let n_days = (last + 7 - first) % 7 + 1;
                for offset in 0..n_days {
                    mask |= 1 << ((first + offset) % 7);
                }
            }
            None => mask |= 1 << parse_day_name(part)?,
        }
    }
    Some(mask)
}

fn parse_day_name(name: &str) -> Option<usize> {
    let name = name.trim().to_ascii_lowercase();
    DAY_NAMES
        .iter()
        .position(|&short| short == name)
        .or_else(|| LONG_DAY_NAMES.iter().position(|&long| long == name))
}

/// A value's intervals (empty for `closed`), or `None` when it is malformed (errors pushed).
fn parse_hours(key: &str, value: &str, errors: &mut Vec<CalendarError>) -> Option<Vec<Interval>> {
    let trimmed = value.trim();
    if trimmed.eq_ignore_ascii_case("closed") {
        return Some(Vec::new());
    }
    let bad_interval = || CalendarError::BadInterval { key: key.to_owned(), value: value.to_owned() };
    let mut intervals = Vec::new();
    let mut all_ordered = true;
    for piece in trimmed.split(',') {
        let Some((start, end)) = piece.split_once('-') else {
            errors.push(bad_interval());
            return None;
        };
        let (Some(start), Some(end)) = (parse_clock(start), parse_clock(end)) else {
            errors.push(bad_interval());
            return None;
        };
        if end <= start {
            errors.push(CalendarError::EndNotAfterStart {
                key: key.to_owned(),
                interval: piece.trim().to_owned(),
            });
            all_ordered = false;
            continue;
        }
        intervals.push(Interval { start, end });
    }
    all_ordered.then_some(intervals)
}

/// `9:00` or `09:00` as minutes since midnight; `24:00` is the day's end.
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&hours.len()) || minutes.len() != 2 || !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

/// Strictly `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let shape_ok = parts.next().is_none()
        && [(year, 4), (month, 2), (day, 2)]
            .iter()
            .all(|(part, len)| part.len() == *len && part.bytes().all(|b| b.is_ascii_digit()));
    if !shape_ok {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(time_zone: &str, hours: &[(&str, &str)], holidays: &[&str], expect: &[&str]) {
        let actual = match BusinessCalendar::new(time_zone, hours, holidays) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        };
        assert_eq!(actual, expect);
    }

    #[test]
    fn accepts_the_spellings_leads_write() {
        check("Europe/Berlin", &[("mon-fri", "09:00-18:00"), ("sat", "10:00-14:00")], &["2026-12-25"], &[]);
        check(
            "Europe/Berlin",
            &[("Mon-Thu, fri", "9:00-12:00, 13:00-18:00"), ("sat,sun", "closed")],
            &[],
            &[],
        );
        check("America/New_York", &[("fri-mon", "00:00-24:00")], &[], &[]);
        check("UTC", &[("monday", "22:00-24:00"), ("tuesday", "00:00-06:00")], &[], &[]);
        // Touching is not overlapping, and one day may take intervals from several keys.
        check("UTC", &[("mon-fri", "09:00-12:00"), ("mon", "12:00-13:00"), ("fri", "13:00-14:00")], &[], &[]);
    }

    #[test]
    fn reports_every_mistake() {
        check(
            "Europe/Berln",
            &[("mon-fry", "09:00-18:00"), ("sat", "9-18"), ("sun", "18:00-09:00, 10:00-10:00")],
            &["2026-12-25", "2026-13-01", "25.12.2026"],
            &[
                "unknown time zone `Europe/Berln`, expected an IANA name like `Europe/Berlin`",
                "unknown day `mon-fry` in business hours, expected mon..sun, a range like `mon-fri` or a list like `sat,sun`",
                "business hours for `sat` must look like `09:00-18:00`, `09:00-12:00, 13:00-18:00` or `closed`, not `9-18`",
                "business hours for `sun`: `18:00-09:00` does not end after it starts; split an overnight shift at midnight, like `22:00-24:00` and `00:00-06:00`",
                "business hours for `sun`: `10:00-10:00` does not end after it starts; split an overnight shift at midnight, like `22:00-24:00` and `00:00-06:00`",
                "holiday `2026-13-01` is not a date like `2026-12-25`",
                "holiday `25.12.2026` is not a date like `2026-12-25`",
            ],
        );
        check(
            "UTC",
            &[("mon", "09:00-25:00")],
            &[],
            &[
                "business hours for `mon` must look like `09:00-18:00`, `09:00-12:00, 13:00-18:00` or `closed`, not `09:00-25:00`",
            ],
        );
        check(
            "UTC",
            &[("", "09:00-17:00")],
            &[],
            &[
                "unknown day `` in business hours, expected mon..sun, a range like `mon-fri` or a list like `sat,sun`",
            ],
        );
    }

    #[test]
    fn reports_overlaps_once_and_blames_the_later_key() {
        check(
            "UTC",
            &[("sat", "10:00-14:00, 12:00-16:00")],
            &[],
            &["business hours for `sat` overlap: 10:00-14:00 and 12:00-16:00"],
        );
        check(
            "UTC",
            &[("mon-fri", "09:00-18:00"), ("mon-wed", "17:00-19:00")],
            &[],
            &["business hours for `mon-wed` overlap those for `mon-fri`: 17:00-19:00 and 09:00-18:00"],
        );
        check(
            "UTC",
            &[("mon-fri", "09:00-18:00"), ("fri", "closed")],
            &[],
            &["business hours for `fri` say closed, but `mon-fri` opens fri"],
        );
    }

    #[test]
    fn refuses_a_calendar_that_never_opens() {
        check(
            "UTC",
            &[("mon-sun", "closed")],
            &[],
            &["business hours never open; leave them out for a desk that counts round the clock"],
        );
        check(
            "UTC",
            &[] as &[(&str, &str)],
            &[],
            &["business hours never open; leave them out for a desk that counts round the clock"],
        );
    }

    #[test]
    fn errors_name_their_setting() {
        let errors = BusinessCalendar::new("Mars/Olympus", &[("sat", "10-14"), ("sun", "closed")], &["x"])
            .expect_err("every setting is wrong");
        let settings: Vec<Setting<'_>> = errors.iter().map(CalendarError::setting).collect();
        assert_eq!(settings, [Setting::TimeZone, Setting::HoursKey("sat"), Setting::Holiday(0)]);
        let never =
            BusinessCalendar::new("UTC", &[("sun", "closed")], &[] as &[&str]).expect_err("never open");
        assert_eq!(never[0].setting(), Setting::BusinessHours);
    }
}

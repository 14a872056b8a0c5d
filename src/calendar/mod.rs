//! Business time: when a desk is open, and how much open time lies between two instants.
//!
//! SLA targets ("first response within 4h") count business hours in the desk's time zone,
//! skipping nights, weekends and holidays. [`BusinessCalendar`] answers the four questions
//! the SLA clock asks, all pure, with time passed in: [`BusinessCalendar::add`],
//! [`BusinessCalendar::elapsed`], [`BusinessCalendar::is_open`] and
//! [`BusinessCalendar::next_open`]. Construction from desk settings lives in `parse.rs`.
//!
//! Hours are local wall time. A day's interval becomes an instant range through jiff's
//! "compatible" disambiguation (a time in a spring-forward gap moves past the gap, a time in
//! a fall-back fold takes its first occurrence), so an interval spanning the change is an
//! hour shorter or longer in real time. The arithmetic walks open windows a day at a time
//! and never steps per minute. A calendar that never opens cannot be built (construction
//! refuses it), so `add` returns a plain `Timestamp`: [`Timestamp::MAX`] stands for "never"
//! when the answer lies past year 9999 or more than [`HORIZON`] ahead.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::duration::Span;

pub use parse::{CalendarError, Setting};

/// When business time runs: either round the clock, or weekly local hours minus holidays.
#[derive(Clone, Debug)]
pub struct BusinessCalendar {
    schedule: Schedule,
}

#[derive(Clone, Debug)]
enum Schedule {
    Always,
    Weekly(Weekly),
}

#[derive(Clone, Debug)]
struct Weekly {
    time_zone: TimeZone,
    /// Indexed by `Weekday::to_monday_zero_offset`. Each day's intervals are sorted and
    /// pairwise disjoint (they may touch), and at least one day has an interval.
    days: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
}

/// Local wall-clock interval within one day, in minutes since midnight: `start < end <= 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Interval {
    start: u16,
    end: u16,
}

/// How far past its start [`BusinessCalendar::add`] looks before answering "never":
/// about a century, so a huge span or a calendar open one minute a week cannot make it
/// walk to year 9999.
pub const HORIZON: SignedDuration = SignedDuration::from_hours(24 * 36_525);

const MINUTES_PER_DAY: u16 = 24 * 60;

impl BusinessCalendar {
    /// The 24/7 calendar: business time equals calendar time, no holidays.
    pub fn always() -> BusinessCalendar {
        BusinessCalendar { schedule: Schedule::Always }
    }

    /// Whether this calendar counts round the clock (built by [`BusinessCalendar::always`]).
    pub fn is_always(&self) -> bool {
        matches!(self.schedule, Schedule::Always)
    }

    /// The instant at which `span` of business time has elapsed, counting from `start`.
    ///
    /// When `start` is outside business hours counting begins at the next opening, so a zero
    /// span gives `start` itself when open and [`BusinessCalendar::next_open`] otherwise.
    /// Monotonic in `span`, and `elapsed(start, add(start, span)) == span` whenever the
    /// answer is not [`Timestamp::MAX`]: the "never" it saturates at when the answer lies
    /// beyond jiff's range (year 9999) or needs hours opening more than [`HORIZON`] after
    /// `start`. Cost grows with the calendar days covered, one step per open interval.
    pub fn add(&self, start: Timestamp, span: Span) -> Timestamp {
        let seconds = i64::try_from(span.as_secs()).unwrap_or(i64::MAX);
        let mut remaining = SignedDuration::from_secs(seconds);
        let horizon = start.checked_add(HORIZON).unwrap_or(Timestamp::MAX);
        for (open, close) in self.windows(start) {
            if open > horizon {
                break;
            }
            let available = open.duration_until(close);
            if available >= remaining {
                return open.checked_add(remaining).unwrap_or(close);
            }
            remaining -= available;
        }
        Timestamp::MAX
    }

    /// Business time between two instants, rounded down to the second; zero if `to <= from`.
    /// Cost grows with the calendar days between them.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> Span {
        if to <= from {
            return Span::ZERO;
        }
        let mut total = SignedDuration::ZERO;
        for (open, close) in self.windows(from) {
            if open >= to {
                break;
            }
            total += open.duration_until(close.min(to));
        }
        Span::from_secs(u64::try_from(total.as_secs()).unwrap_or(0))
    }

    /// The same answers as [`Self::elapsed`], for many pairs of instants: see
    /// [`ElapsedTable`].
    pub fn table(&self) -> ElapsedTable {
        ElapsedTable {
            calendar: self.clone(),
            laid_out: std::cell::RefCell::new(None),
            recent: std::cell::Cell::new([None; 2]),
        }
    }

    /// Whether business time is running at `at` (intervals include their start, not their end).
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.windows(at).next().is_some_and(|(open, _)| open == at)
    }

    /// The first instant at or after `at` when business time runs: `at` itself when open.
    pub fn next_open(&self, at: Timestamp) -> Timestamp {
        self.windows(at).next().map_or(Timestamp::MAX, |(open, _)| open)
    }

    /// The first instant after `at` at which business time stops running (the end of the
    /// open stretch `at` is in, or of the next one); `None` when it never stops within
    /// [`HORIZON`] (the 24/7 calendar, say). Windows that touch count as one stretch.
    pub fn next_close(&self, at: Timestamp) -> Option<Timestamp> {
        let horizon = at.checked_add(HORIZON).unwrap_or(Timestamp::MAX);
        let mut end: Option<Timestamp> = None;
        for (open, close) in self.windows(at) {
            match end {
                Some(end) if open > end => return Some(end),
                _ if close > horizon || close == Timestamp::MAX => return None,
                _ => end = Some(close),
            }
        }
        end
    }

    /// Open windows `[open, close)` from `from` on, in order, disjoint and non-empty; the
    /// first is clipped to start at `from`.
    fn windows(&self, from: Timestamp) -> Windows<'_> {
        let date = match &self.schedule {
            Schedule::Always => None,
            // Start a day early: with a fold at midnight, the previous local date's hours
            // can still lie after `from`.
            Schedule::Weekly(weekly) => {
                let date = weekly.time_zone.to_datetime(from).date();
                Some(date.yesterday().unwrap_or(date))
            }
        };
        Windows { schedule: &self.schedule, date, interval_idx: 0, cursor: from, always_done: false }
    }
}

/// Business time between two instants, as a measurement asks it: a calendar, or an
/// [`ElapsedTable`] of one.
pub trait BusinessTime {
    /// Business time from `from` to `to`, rounded down to the second; zero if `to <= from`.
    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Span;
}

impl BusinessTime for BusinessCalendar {
    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Span {
        BusinessCalendar::elapsed(self, from, to)
    }
}

/// A calendar's open windows over a stretch of time, laid out once with the open time
/// before each, so that the business time between two instants in the stretch is two
/// binary searches rather than a walk over the days between them: a report over a million
/// tickets asks it several times a ticket. Answers equal [`BusinessCalendar::elapsed`]'s
/// (the same windows, summed in nanoseconds, rounded down to the second). The stretch
/// grows to take in each instant asked, laid out again with a margin when one falls out.
/// The table counts in `i64` nanoseconds (the years 1678 to 2261); an instant beyond them
/// is asked of the calendar itself.
#[derive(Debug)]
pub struct ElapsedTable {
    calendar: BusinessCalendar,
    laid_out: std::cell::RefCell<Option<Layout>>,
    /// The two instants last asked about and their open time in the layout: a ticket's
    /// spans share their ends (its creation, one status change and the next).
    recent: std::cell::Cell<[Option<(i64, i64)>; 2]>,
}

#[derive(Debug)]
struct Layout {
    /// The stretch covered, in nanoseconds since the Unix epoch: `[start, end]`.
    start: i64,
    end: i64,
    /// The windows' opens and closes within it, in order, and the open time before each.
    opens: Vec<i64>,
    closes: Vec<i64>,
    before: Vec<i64>,
    /// Per day of the stretch (24-hour steps from `start`), how many windows open at or
    /// before the day's first instant: where a search for an instant that day starts.
    day_first: Vec<u32>,
}

/// A day in nanoseconds: the step of [`Layout::day_first`].
const DAY_NS: i64 = 86_400_000_000_000;

/// How far beyond the instants asked a table is laid out when it grows.
const TABLE_MARGIN: SignedDuration = SignedDuration::from_hours(24 * 30);

fn margin() -> i64 {
    TABLE_MARGIN.as_nanos() as i64
}

/// The instant's nanoseconds since the Unix epoch, if they fit an `i64`.
fn nanos_i64(at: Timestamp) -> Option<i64> {
    i64::try_from(at.as_nanosecond()).ok()
}

impl ElapsedTable {
    fn lay_out(&self, from: i64, to: i64) -> Layout {
        let (start, end) = (from.saturating_sub(margin()), to.saturating_add(margin()));
        let mut layout =
            Layout { start, end, opens: vec![], closes: vec![], before: vec![], day_first: vec![] };
        let mut total = 0i64;
        let from = Timestamp::from_nanosecond(start.into()).expect("an i64 of nanoseconds is an instant");
        for (open, close) in self.calendar.windows(from) {
            // A window closing beyond the stretch counts up to its end, where every question
            // asked of it ends too.
            let Some(open) = nanos_i64(open) else { break };
            let close = nanos_i64(close).map_or(end, |close| close.min(end));
            if open >= end {
                break;
            }
            layout.opens.push(open);
            layout.closes.push(close);
            layout.before.push(total);
            total += close - open;
        }
        let days = (end - start) / DAY_NS + 1;
        let mut first = 0;
        for day in 0..days {
            let day_start = start + day * DAY_NS;
            while first < layout.opens.len() && layout.opens[first] <= day_start {
                first += 1;
            }
            layout.day_first.push(u32::try_from(first).expect("fewer windows than 2^32"));
        }
        layout
    }
}

impl Layout {
    /// Open time from the stretch's start to `at`, which lies within it.
    fn open_until(&self, at: i64) -> i64 {
        // The windows opening at or before `at`: those before its day's first instant,
        // then the few opening later that day.
        let mut index = self.day_first[((at - self.start) / DAY_NS) as usize] as usize;
        while index < self.opens.len() && self.opens[index] <= at {
            index += 1;
        }
        if index == 0 {
            return 0;
        }
        let last = index - 1;
        self.before[last] + (self.closes[last].min(at) - self.opens[last])
    }
}

impl BusinessTime for ElapsedTable {
    fn elapsed(&self, from: Timestamp, to: Timestamp) -> Span {
        if to <= from {
            return Span::ZERO;
        }
        let (Some(from_ns), Some(to_ns)) = (nanos_i64(from), nanos_i64(to)) else {
            return self.calendar.elapsed(from, to);
        };
        let mut laid_out = self.laid_out.borrow_mut();
        let covers = |layout: &Layout| layout.start <= from_ns && to_ns <= layout.end;
        if !laid_out.as_ref().is_some_and(covers) {
            let (low, high) = match laid_out.as_ref() {
                Some(layout) => (layout.start.min(from_ns), layout.end.max(to_ns)),
                None => (from_ns, to_ns),
            };
            // Open time within a stretch must fit an i64 too: a stretch of over 292 years
            // (no report's) is asked of the calendar.
            if high.saturating_add(margin()).checked_sub(low.saturating_sub(margin())).is_none() {
                return self.calendar.elapsed(from, to);
            }
            *laid_out = Some(self.lay_out(low, high));
            self.recent.set([None; 2]);
        }
        let layout = laid_out.as_ref().expect("laid out just now");
        let recent = self.recent.get();
        let open_until = |at: i64| {
            recent
                .iter()
                .flatten()
                .find(|(asked, _)| *asked == at)
                .map_or_else(|| layout.open_until(at), |(_, open)| *open)
        };
        let (open_from, open_to) = (open_until(from_ns), open_until(to_ns));
        self.recent.set([Some((from_ns, open_from)), Some((to_ns, open_to))]);
        let total = open_to - open_from;
        Span::from_secs(u64::try_from(total / 1_000_000_000).unwrap_or(0))
    }
}

impl Weekly {
    fn intervals_on(&self, date: Date) -> &[Interval] {
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.days[weekday_idx(date.weekday())]
    }

    /// The instants an interval of `date` covers, or `None` past jiff's range.
    fn resolve(&self, date: Date, interval: Interval) -> Option<(Timestamp, Timestamp)> {
        let open = self.time_zone.to_timestamp(date.to_datetime(clock_time(interval.start))).ok()?;
        let close_at = if interval.end == MINUTES_PER_DAY {
            date.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            date.to_datetime(clock_time(interval.end))
        };
        let close = self.time_zone.to_timestamp(close_at).ok()?;
        Some((open, close))
    }
}

struct Windows<'c> {
    schedule: &'c Schedule,
    /// The local date whose intervals come next; `None` once past jiff's range.
    date: Option<Date>,
    interval_idx: usize,
    /// Everything before this instant is already yielded or before the start.
    cursor: Timestamp,
    always_done: bool,
}

impl Iterator for Windows<'_> {
    type Item = (Timestamp, Timestamp);

    fn next(&mut self) -> Option<(Timestamp, Timestamp)> {
        let weekly = match self.schedule {
            Schedule::Always if self.always_done || self.cursor == Timestamp::MAX => return None,
            Schedule::Always => {
                self.always_done = true;
                return Some((self.cursor, Timestamp::MAX));
            }
            Schedule::Weekly(weekly) => weekly,
        };
        // Terminates: some weekday has an interval (checked at construction) and holidays
        // are finite, so an open day comes within a week or so of holidays, or the date
        // runs past jiff's range.
        loop {
            let date = self.date?;
            let Some(&interval) = weekly.intervals_on(date).get(self.interval_idx) else {
                self.date = date.tomorrow().ok();
                self.interval_idx = 0;
                continue;
            };
            self.interval_idx += 1;
            let Some((open, close)) = weekly.resolve(date, interval) else {
                self.date = None;
                return None;
            };
            // Clipping to the cursor keeps windows disjoint even where compatible
            // disambiguation maps a later wall time to an earlier instant (gap vs. fold).
            let open = open.max(self.cursor);
            if close <= open {
                continue;
            }
            self.cursor = close;
            return Some((open, close));
        }
    }
}

impl fmt::Display for Interval {
    /// `09:00-18:00`, with `24:00` for an interval that runs to midnight.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", start / 60, start % 60, end / 60, end % 60)
    }
}

fn weekday_idx(weekday: Weekday) -> usize {
    weekday.to_monday_zero_offset() as usize
}

fn clock_time(minutes: u16) -> Time {
    Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
        .expect("minutes below 24:00 form a valid time")
}

//! Human durations as support leads write them: `15m`, `4h 30m`, `1h30m`, `3d`, `90s`, `2y`.
//!
//! Rules, desk settings and the script API all take durations in this one spelling, so
//! parsing and printing live here and nowhere else. Units are `y`, `d`, `h`, `m` and `s`
//! (days are 24 hours of calendar time, a year is 365 such days, leap days or not;
//! business time is the calendar's concern).

use std::fmt;
use std::str::FromStr;

/// Seconds in each unit, largest first, with its letter and its plain-words names.
const UNITS: [(char, u64, &str, &str); 5] = [
    ('y', 365 * 86_400, "year", "years"),
    ('d', 86_400, "day", "days"),
    ('h', 3_600, "hour", "hours"),
    ('m', 60, "minute", "minutes"),
    ('s', 1, "second", "seconds"),
];

/// A non-negative span of time with second resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: u64,
}

/// Why a duration string was refused; the message names the offending text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("empty duration, expected something like `15m` or `4h 30m`")]
    Empty,
    #[error("`{text}` is not a duration: expected a number followed by y, d, h, m or s, like `4h 30m`")]
    Malformed { text: String },
    #[error("`{text}` is too long a duration")]
    Overflow { text: String },
}

impl Span {
    pub const ZERO: Span = Span { seconds: 0 };

    pub const fn from_secs(seconds: u64) -> Span {
        Span { seconds }
    }

    pub const fn from_mins(minutes: u64) -> Span {
        Span { seconds: minutes * 60 }
    }

    pub const fn from_hours(hours: u64) -> Span {
        Span { seconds: hours * 3600 }
    }

    pub const fn as_secs(self) -> u64 {
        self.seconds
    }

    /// The span scaled by `percent` / 100, rounded down to the second.
    pub const fn percent(self, percent: u64) -> Span {
        Span { seconds: self.seconds.saturating_mul(percent) / 100 }
    }

    pub const fn saturating_add(self, other: Span) -> Span {
        Span { seconds: self.seconds.saturating_add(other.seconds) }
    }

    pub const fn saturating_sub(self, other: Span) -> Span {
        Span { seconds: self.seconds.saturating_sub(other.seconds) }
    }

    /// The span in plain words, for people reading what a setting does: `2 years`,
    /// `1 day 12 hours`, `0 seconds`.
    pub fn in_words(self) -> String {
        if self.seconds == 0 {
            return "0 seconds".to_owned();
        }
        let mut rest = self.seconds;
        let mut parts = Vec::new();
        for (_, size, one, many) in UNITS {
            let count = rest / size;
            rest %= size;
            if count > 0 {
                parts.push(format!("{count} {}", if count == 1 { one } else { many }));
            }
        }
        parts.join(" ")
    }
}

impl FromStr for Span {
    type Err = SpanError;

    fn from_str(text: &str) -> Result<Span, SpanError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(SpanError::Empty);
        }
        let malformed = || SpanError::Malformed { text: trimmed.to_owned() };
        let overflow = || SpanError::Overflow { text: trimmed.to_owned() };
        let mut total: u64 = 0;
        let mut number: Option<u64> = None;
        let mut seen_unit = false;
        for ch in trimmed.chars() {
            if let Some(digit) = ch.to_digit(10) {
                let so_far = number.unwrap_or(0);
                number = Some(
                    so_far
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(digit)))
                        .ok_or_else(overflow)?,
                );
                continue;
            }
            if ch.is_whitespace() {
                continue;
            }
            let Some(&(_, unit_seconds, _, _)) = UNITS.iter().find(|(letter, ..)| *letter == ch) else {
                return Err(malformed());
            };
            let value = number.take().ok_or_else(malformed)?;
            let part = value.checked_mul(unit_seconds).ok_or_else(overflow)?;
            total = total.checked_add(part).ok_or_else(overflow)?;
            seen_unit = true;
        }
        // A trailing bare number ("15") is ambiguous: minutes or seconds? Refuse it.
        if number.is_some() || !seen_unit {
            return Err(malformed());
        }
        Ok(Span { seconds: total })
    }
}

impl fmt::Display for Span {
    /// Prints the shortest spelling that parses back to the same span: `1d 2h 5m`, `2y`,
    /// `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.seconds;
        let mut first = true;
        for (unit, size, _, _) in UNITS {
            let count = rest / size;
            rest %= size;
            if count > 0 {
                if !first {
                    f.write_str(" ")?;
                }
                write!(f, "{count}{unit}")?;
                first = false;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expect: Result<u64, &str>) {
        let actual = text.parse::<Span>().map(Span::as_secs).map_err(|e| e.to_string());
        assert_eq!(actual, expect.map_err(str::to_owned), "parsing {text:?}");
    }

    #[test]
    fn parses_the_spellings_support_leads_write() {
        check("15m", Ok(900));
        check("4h 30m", Ok(16_200));
        check("4h30m", Ok(16_200));
        check("3d", Ok(259_200));
        check(" 90s ", Ok(90));
        check("1d 2h 3m 4s", Ok(93_784));
        check("0s", Ok(0));
        check("2y", Ok(2 * 365 * 86_400));
        check("1y 30d", Ok(395 * 86_400));
    }

    #[test]
    fn refuses_what_is_ambiguous_or_wrong() {
        check("", Err("empty duration, expected something like `15m` or `4h 30m`"));
        check(
            "15",
            Err("`15` is not a duration: expected a number followed by y, d, h, m or s, like `4h 30m`"),
        );
        check(
            "4h 30",
            Err("`4h 30` is not a duration: expected a number followed by y, d, h, m or s, like `4h 30m`"),
        );
        check(
            "h",
            Err("`h` is not a duration: expected a number followed by y, d, h, m or s, like `4h 30m`"),
        );
        check(
            "2w",
            Err("`2w` is not a duration: expected a number followed by y, d, h, m or s, like `4h 30m`"),
        );
        check("99999999999999999999d", Err("`99999999999999999999d` is too long a duration"));
    }

    #[test]
    fn display_round_trips() {
        for secs in [0, 1, 59, 60, 61, 3_600, 16_200, 86_400, 93_784, 1_000_000] {
            let span = Span::from_secs(secs);
            assert_eq!(span.to_string().parse::<Span>(), Ok(span));
        }
        assert_eq!(Span::from_secs(16_200).to_string(), "4h 30m");
        assert_eq!("730d".parse::<Span>().unwrap().to_string(), "2y");
        assert_eq!("400d".parse::<Span>().unwrap().to_string(), "1y 35d");
        assert_eq!("90d".parse::<Span>().unwrap().to_string(), "90d");
    }

    #[test]
    fn plain_words_name_each_unit() {
        let words = |text: &str| text.parse::<Span>().unwrap().in_words();
        assert_eq!(words("2y"), "2 years");
        assert_eq!(words("1y 1d"), "1 year 1 day");
        assert_eq!(words("90d"), "90 days");
        assert_eq!(words("1d 12h"), "1 day 12 hours");
        assert_eq!(words("4h 30m 1s"), "4 hours 30 minutes 1 second");
        assert_eq!(words("0s"), "0 seconds");
    }
}

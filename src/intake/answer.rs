//! Reading a typed answer for a field, with the reason when it is refused.
//!
//! Every field type accepts text, so a customer can always type instead of pressing buttons:
//! a choice by its label, value or number, yes/no in any catalogue's words, dates in the
//! common spellings. A refusal is a [`Refusal`], turned into the field's `error:` or the
//! catalogue's default for the reason; it is a reply, never an error.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use super::catalogue::{CATALOGUES, Catalogue};
use super::session::Value;
use crate::rules::{Choice, Field, FieldKind};

/// Why an answer was not accepted.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Refusal {
    Empty,
    Choice,
    MultiChoice,
    Pattern,
    TooShort(u32),
    TooLong(u32),
    Number,
    NumberRange {
        min: Option<f64>,
        max: Option<f64>,
    },
    Email,
    Phone,
    Date,
    YesNo,
    /// Text where a file is expected.
    Attachment,
    /// A file where text is expected.
    NotAFileQuestion,
}

impl Refusal {
    /// The field's own `error:` when it has one, else the catalogue's default for the reason.
    pub(super) fn message(&self, field: &Field, catalogue: &Catalogue) -> String {
        if let Some(error) = &field.error
            && *self != Refusal::NotAFileQuestion
        {
            return error.clone();
        }
        let number = |n: f64| n.to_string();
        match self {
            Refusal::Empty => catalogue.empty.to_owned(),
            Refusal::Choice => catalogue.choice.to_owned(),
            Refusal::MultiChoice => catalogue.multi_choice.to_owned(),
            Refusal::Pattern => catalogue.pattern.to_owned(),
            Refusal::TooShort(n) => catalogue.fill(catalogue.too_short, &[("n", &n.to_string())]),
            Refusal::TooLong(n) => catalogue.fill(catalogue.too_long, &[("n", &n.to_string())]),
            Refusal::Number | Refusal::NumberRange { min: None, max: None } => catalogue.number.to_owned(),
            Refusal::NumberRange { min: Some(min), max: Some(max) } => {
                catalogue.fill(catalogue.number_range, &[("min", &number(*min)), ("max", &number(*max))])
            }
            Refusal::NumberRange { min: Some(min), max: None } => {
                catalogue.fill(catalogue.number_min, &[("min", &number(*min))])
            }
            Refusal::NumberRange { min: None, max: Some(max) } => {
                catalogue.fill(catalogue.number_max, &[("max", &number(*max))])
            }
            Refusal::Email => catalogue.email.to_owned(),
            Refusal::Phone => catalogue.phone.to_owned(),
            Refusal::Date => catalogue.date.to_owned(),
            Refusal::YesNo => catalogue.yes_no.to_owned(),
            Refusal::Attachment => catalogue.attachment.to_owned(),
            Refusal::NotAFileQuestion => catalogue.not_a_file_question.to_owned(),
        }
    }
}

/// Reads `text` as an answer to `field`; `today` resolves "today" and "yesterday".
pub(super) fn parse(field: &Field, text: &str, today: Date) -> Result<Value, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::Empty);
    }
    match &field.kind {
        FieldKind::Choice { choices, .. } => find_choice(choices, text)
            .map(|choice| Value::Choice(choice.value.clone()))
            .ok_or(Refusal::Choice),
        FieldKind::MultiChoice { choices, .. } => {
            let mut picked = Vec::new();
            for part in text.split([',', ';', '\n']).map(str::trim).filter(|part| !part.is_empty()) {
                picked.push(find_choice(choices, part).ok_or(Refusal::MultiChoice)?.value.clone());
            }
            Ok(Value::Choices(in_form_order(choices, &picked)))
        }
        FieldKind::Text { pattern, min_length, max_length } => {
            let length = text.chars().count();
            if let Some(min) = min_length.filter(|min| length < *min as usize) {
                return Err(Refusal::TooShort(min));
            }
            if let Some(max) = max_length.filter(|max| length > *max as usize) {
                return Err(Refusal::TooLong(max));
            }
            if let Some(pattern) = pattern
                && !matches_whole(pattern, text)
            {
                return Err(Refusal::Pattern);
            }
            Ok(Value::Text(text.to_owned()))
        }
        FieldKind::Number { min, max } => {
            let number = parse_number(text).ok_or(Refusal::Number)?;
            let refused = Refusal::NumberRange { min: *min, max: *max };
            if min.is_some_and(|min| number < min) || max.is_some_and(|max| number > max) {
                return Err(refused);
            }
            Ok(Value::Number(number))
        }
        FieldKind::Email => is_email(text).then(|| Value::Text(text.to_owned())).ok_or(Refusal::Email),
        FieldKind::Phone => normalise_phone(text).map(Value::Text).ok_or(Refusal::Phone),
        FieldKind::Date => parse_date(text, today).map(Value::Date).ok_or(Refusal::Date),
        FieldKind::YesNo => parse_yes_no(text).map(Value::Bool).ok_or(Refusal::YesNo),
        FieldKind::Attachment { .. } => Err(Refusal::Attachment),
    }
}

/// The values picked, deduplicated and in the order the form lists them.
pub(super) fn in_form_order(choices: &[Choice], picked: &[String]) -> Vec<String> {
    choices
        .iter()
        .filter(|choice| picked.contains(&choice.value))
        .map(|choice| choice.value.clone())
        .collect()
}

/// By label or value (ignoring case), else by 1-based number.
fn find_choice<'c>(choices: &'c [Choice], text: &str) -> Option<&'c Choice> {
    let same = |a: &str| a.trim().to_lowercase() == text.to_lowercase();
    choices.iter().find(|choice| same(&choice.label) || same(&choice.value)).or_else(|| {
        let number = text.parse::<usize>().ok()?;
        choices.get(number.checked_sub(1)?)
    })
}

/// `pattern` must match all of `text`, not just a part: `^(?:pattern)$`.
fn matches_whole(pattern: &Regex, text: &str) -> bool {
    match Regex::new(&format!("^(?:{})$", pattern.as_str())) {
        Ok(anchored) => anchored.is_match(text),
        // Wrapping a valid expression keeps it valid; should it not, the pattern as written decides.
        Err(_) => pattern.is_match(text),
    }
}

/// `42`, `-3.5`, `1 000 000`, `1,5` (a decimal comma).
fn parse_number(text: &str) -> Option<f64> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '\'').collect();
    let normalised = if compact.contains('.') { compact.replace(',', "") } else { compact.replace(',', ".") };
    if !normalised.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')) {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|number| number.is_finite())
}

fn is_email(text: &str) -> bool {
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)*\.[^\s@.\d]{2,}$").expect("valid regex")
    });
    text.len() <= 254 && EMAIL.is_match(text)
}

/// Digits with an optional leading `+`, spaces, dashes, dots and brackets; 7 to 15 digits.
/// Returned with runs of spaces collapsed.
fn normalise_phone(text: &str) -> Option<String> {
    let text = text.trim();
    let body = text.strip_prefix('+').unwrap_or(text);
    let allowed = body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (allowed && (7..=15).contains(&digits)).then(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `2026-03-31`, `31.03.2026`, `31/03/2026`, `31.03.26`, or today/yesterday in any catalogue.
fn parse_date(text: &str, today: Date) -> Option<Date> {
    let lower = text.to_lowercase();
    if CATALOGUES.iter().any(|catalogue| catalogue.today_words.contains(&lower.as_str())) {
        return Some(today);
    }
    if CATALOGUES.iter().any(|catalogue| catalogue.yesterday_words.contains(&lower.as_str())) {
        return today.yesterday().ok();
    }
    let numbers: Vec<&str> = text.split(['-', '.', '/']).collect();
    let [a, b, c] = numbers.as_slice() else { return None };
    let number = |part: &str| part.parse::<i16>().ok().filter(|_| part.chars().all(|c| c.is_ascii_digit()));
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else {
        let year = match c.len() {
            4 => number(c)?,
            2 => 2000 + number(c)?,
            _ => return None,
        };
        (year, number(b)?, number(a)?)
    };
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

fn parse_yes_no(text: &str) -> Option<bool> {
    let lower = text.to_lowercase();
    let lower = lower.trim_end_matches(['.', '!']);
    let is = |words: fn(&Catalogue) -> &[&str], label: fn(&Catalogue) -> &str| {
        CATALOGUES.iter().any(|c| words(c).contains(&lower) || label(c).to_lowercase() == lower)
    };
    if is(|c| c.yes_words, |c| c.yes) {
        Some(true)
    } else if is(|c| c.no_words, |c| c.no) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 3, 2).expect("valid")
    }

    #[test]
    fn numbers_in_common_spellings() {
        assert_eq!(parse_number("1 000"), Some(1000.0));
        assert_eq!(parse_number("1,5"), Some(1.5));
        assert_eq!(parse_number("1,000.5"), Some(1000.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        for refused in ["inf", "NaN", "12abc", "", "1e999", "0x10"] {
            assert_eq!(parse_number(refused), None, "{refused}");
        }
    }

    #[test]
    fn dates_in_common_spellings() {
        let date = |y, m, d| Some(Date::new(y, m, d).expect("valid"));
        assert_eq!(parse_date("2026-02-28", today()), date(2026, 2, 28));
        assert_eq!(parse_date("28.02.2026", today()), date(2026, 2, 28));
        assert_eq!(parse_date("28/2/26", today()), date(2026, 2, 28));
        assert_eq!(parse_date("Yesterday", today()), date(2026, 3, 1));
        assert_eq!(parse_date("сегодня", today()), date(2026, 3, 2));
        for refused in ["2026-02-30", "30.02.2026", "tomorrow", "1.2", "+1.02.2026", "2026-1-x"] {
            assert_eq!(parse_date(refused, today()), None, "{refused}");
        }
    }

    #[test]
    fn emails_and_phones() {
        assert!(is_email("dana@example.com"));
        assert!(is_email("dana.k+desk@mail.example.co"));
        for refused in ["dana", "dana@", "@example.com", "dana@example", "da na@example.com", "a@b.c1"] {
            assert!(!is_email(refused), "{refused}");
        }
        assert_eq!(normalise_phone(" +49  30 1234567 ").as_deref(), Some("+49 30 1234567"));
        assert_eq!(normalise_phone("(030) 123-45-67").as_deref(), Some("(030) 123-45-67"));
        for refused in ["12345", "call me", "+49 30 1234567 ext. 5", "++4930123456"] {
            assert_eq!(normalise_phone(refused), None, "{refused}");
        }
    }

    #[test]
    fn yes_and_no_in_every_language() {
        assert_eq!(parse_yes_no("Yes!"), Some(true));
        assert_eq!(parse_yes_no("да"), Some(true));
        assert_eq!(parse_yes_no("НЕТ"), Some(false));
        assert_eq!(parse_yes_no("maybe"), None);
    }
}

//! Customer satisfaction surveys (CSAT): the scales, a rating and the survey a ticket
//! carries.
//!
//! Vocabulary of `ticket` (the survey is part of a ticket and changes only through
//! `Ticket::apply`), `history` (asked, rated, commented entries), `store`, `metrics`,
//! `script` (the `on_csat` hook's view) and `desk` (which asks and takes the answers), so it
//! sits below all of them. Nothing here reads the clock. The buttons' callback data is the
//! desk's (`desk::csat`).
//!
//! A ticket is asked at most once in its life. A rating can change while the survey is
//! valid; the latest counts. A low rating (desk.yaml `csat.comment_below`, or "bad") may be
//! followed by one comment.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

/// How the customer rates: 1 to 5, or good and bad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scale {
    /// 1 (very unsatisfied) to 5 (very satisfied).
    #[default]
    Five,
    /// Bad (1) or good (2).
    GoodBad,
}

/// One answer on a scale. On `Five` the value is 1 to 5; on `GoodBad` 1 is bad, 2 is good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating {
    pub scale: Scale,
    pub value: u8,
}

/// The survey of one ticket, as the ticket keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Survey {
    pub asked_at: Timestamp,
    /// Answers after this instant change nothing (desk.yaml `csat.valid_for` after the ask).
    pub expires_at: Timestamp,
    pub scale: Scale,
    /// The latest rating, if the customer answered.
    pub rating: Option<Rating>,
    /// How many times the customer rated (a change of mind counts again).
    pub answers: u32,
    /// The customer's comment after a low rating.
    pub comment: Option<String>,
    /// The desk asked for a comment and waits for the customer's next message.
    pub awaiting_comment: bool,
}

impl Scale {
    pub const ALL: [Scale; 2] = [Scale::Five, Scale::GoodBad];

    /// The name desk.yaml, history records and reports use: `five`, `good_bad`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Five => "five",
            Scale::GoodBad => "good_bad",
        }
    }

    /// Every rating of the scale, lowest first.
    pub fn ratings(self) -> Vec<Rating> {
        let top = match self {
            Scale::Five => 5,
            Scale::GoodBad => 2,
        };
        (1..=top).map(|value| Rating { scale: self, value }).collect()
    }

    /// The rating of this scale with `value`, if there is one.
    pub fn rating(self, value: u8) -> Option<Rating> {
        self.ratings().into_iter().find(|rating| rating.value == value)
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(text: &str) -> Result<Scale, String> {
        Scale::ALL
            .into_iter()
            .find(|scale| scale.as_str() == text)
            .ok_or_else(|| format!("`{text}` is not a CSAT scale, expected five or good_bad"))
    }
}

impl Rating {
    /// A satisfied answer: 4 or 5 of five, or good. The CSAT score is their share.
    pub fn is_satisfied(self) -> bool {
        match self.scale {
            Scale::Five => self.value >= 4,
            Scale::GoodBad => self.value == 2,
        }
    }

    /// Whether it is low enough to ask for a comment: at or below `comment_below` on five,
    /// bad on good/bad.
    pub fn asks_comment(self, comment_below: u8) -> bool {
        match self.scale {
            Scale::Five => self.value <= comment_below,
            Scale::GoodBad => self.value == 1,
        }
    }

    /// The button's label: `1` to `5`, `👍 Good`, `👎 Bad`.
    pub fn label(self) -> &'static str {
        match (self.scale, self.value) {
            (Scale::GoodBad, 2) => "👍",
            (Scale::GoodBad, _) => "👎",
            (Scale::Five, 1) => "1",
            (Scale::Five, 2) => "2",
            (Scale::Five, 3) => "3",
            (Scale::Five, 4) => "4",
            (Scale::Five, _) => "5",
        }
    }
}

impl fmt::Display for Rating {
    /// `4/5`, `good`, `bad`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scale {
            Scale::Five => write!(f, "{}/5", self.value),
            Scale::GoodBad if self.value == 2 => f.write_str("good"),
            Scale::GoodBad => f.write_str("bad"),
        }
    }
}

impl Survey {
    /// Whether an answer at `now` still counts.
    pub fn is_open(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfied_is_four_and_five_or_good() {
        let satisfied: Vec<String> = Scale::ALL
            .into_iter()
            .flat_map(Scale::ratings)
            .filter(|rating| rating.is_satisfied())
            .map(|rating| rating.to_string())
            .collect();
        assert_eq!(satisfied, ["4/5", "5/5", "good"]);
    }

    #[test]
    fn a_comment_is_asked_at_or_below_the_threshold_or_after_bad() {
        let asks: Vec<String> = Scale::ALL
            .into_iter()
            .flat_map(Scale::ratings)
            .filter(|rating| rating.asks_comment(2))
            .map(|rating| rating.to_string())
            .collect();
        assert_eq!(asks, ["1/5", "2/5", "bad"]);
    }
}

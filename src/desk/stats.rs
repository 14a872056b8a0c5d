//! `/stats`: the team's figures in Telegram, for anyone in team.yaml. In General,
//! `/stats [today|7d|30d|YYYY-MM]` answers with the team's line and one row per agent;
//! `/stats me [period]` with the caller's own figures (the tickets assigned to them now). In
//! the bot's private chat a team member gets the same answers there, and never an intake
//! form. Without a period: the last 7 days. Anything else gets the usage, nothing more.
//!
//! The figures are `metrics::Period`'s, over the tickets created in the period (read with
//! `State::facts_since`), on the desk's business calendar and in its time zone: the same
//! definitions as `topicdesk report --rules` and `simulate`; the text is
//! `metrics::compact`'s. The pinned summary's figures of the day and the weekly digest
//! (`digest`) are built here too.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{Desk, DeskError, State};
use crate::metrics::{GroupBy, Options, Period, Report, compact};
use crate::outbox::{Call, Lane, Target};

/// What `/stats` answers when it cannot tell what was asked.
pub(super) const USAGE: &str = "Usage: /stats [today|7d|30d|YYYY-MM] for the team, \
/stats me [today|7d|30d|YYYY-MM] for your own figures. Without a period: the last 7 days.";

/// A period `/stats` understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StatsPeriod {
    /// Since local midnight.
    Today,
    /// The last this many days, up to now.
    Days(i64),
    /// A calendar month in the desk's time zone (its first day).
    Month(jiff::civil::Date),
}

/// What a `/stats` command asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StatsAsked {
    /// `/stats me`: the caller's own figures.
    pub(super) me: bool,
    pub(super) period: StatsPeriod,
}

/// The words after `/stats`; `None` when they are not a period (the usage is the answer).
pub(super) fn parse_stats(args: &str) -> Option<StatsAsked> {
    let mut words = args.split_whitespace();
    let mut word = words.next();
    let me = word.is_some_and(|w| w.eq_ignore_ascii_case("me"));
    if me {
        word = words.next();
    }
    if words.next().is_some() {
        return None;
    }
    let period = match word.map(str::to_ascii_lowercase).as_deref() {
        None | Some("7d") => StatsPeriod::Days(7),
        Some("today") => StatsPeriod::Today,
        Some("30d") => StatsPeriod::Days(30),
        Some(month) => StatsPeriod::Month(parse_month(month)?),
    };
    Some(StatsAsked { me, period })
}

/// `2026-09`: the first day of that month.
fn parse_month(text: &str) -> Option<jiff::civil::Date> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    jiff::civil::Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()
}

/// A period's bounds and how the answer names it.
struct Bounds {
    since: Timestamp,
    until: Option<Timestamp>,
    name: String,
}

impl Desk<'_> {
    /// `/stats ...` from a team member (`from`), answered in `reply_chat`: General or their
    /// private chat with the bot.
    pub(super) fn stats_command<S: State>(
        &self,
        state: &mut S,
        from: u64,
        args: &str,
        reply_chat: i64,
    ) -> Result<(), DeskError> {
        let text = match parse_stats(args) {
            None => USAGE.to_owned(),
            Some(asked) => {
                let bounds = self.bounds(asked.period);
                if asked.me {
                    let report = self.figures(state, bounds.since, bounds.until, None, Some(from))?;
                    let name = super::card::agent_name(self.rules, from);
                    compact::group_text(&format!("{name}, {}", bounds.name), &report.total)
                } else {
                    let report =
                        self.figures(state, bounds.since, bounds.until, Some(GroupBy::Agent), None)?;
                    compact::team_text(&format!("Team, {}", bounds.name), &report, None)
                }
            }
        };
        let call = Call::SendText {
            to: Target::Chat { chat_id: reply_chat },
            text,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }

    /// The figures of the tickets created from `since` (to `until`, or now), grouped `by`,
    /// of every ticket or only those assigned to `only`.
    pub(super) fn figures<S: State>(
        &self,
        state: &S,
        since: Timestamp,
        until: Option<Timestamp>,
        by: Option<GroupBy>,
        only: Option<u64>,
    ) -> Result<Report, DeskError> {
        let agent_names: BTreeMap<u64, String> = self
            .rules
            .team()
            .agents
            .iter()
            .filter_map(|agent| Some((u64::try_from(agent.id).ok()?, agent.name.clone())))
            .collect();
        let mut period = Period::new(Options {
            since: Some(since),
            until,
            now: self.now,
            by,
            calendar: Some(self.rules.calendar().clone()),
            time_zone: self.time_zone(),
            agent_names,
            group_names: BTreeMap::new(),
        });
        state.facts_since(since, &mut |labels, facts| {
            if only.is_none_or(|agent| labels.assignee == Some(agent)) {
                period.add(labels, facts);
            }
        })?;
        // A deflection is no one's ticket: the team's figures only.
        if only.is_none() {
            for deflection in state.deflections()? {
                period.add_deflection(deflection.at, &deflection.article);
            }
        }
        Ok(period.finish(Vec::new(), 0))
    }

    /// The desk's time zone (desk.yaml `timezone`; the loader checked it).
    pub(super) fn time_zone(&self) -> TimeZone {
        TimeZone::get(self.rules.desk().timezone.value.trim()).unwrap_or(TimeZone::UTC)
    }

    /// Local midnight at the start of `at`'s day.
    pub(super) fn local_midnight(&self, at: Timestamp) -> Timestamp {
        let local = at.to_zoned_datetime(self.time_zone());
        local.start_of_day().map_or(at, |midnight| midnight.timestamp())
    }

    fn bounds(&self, period: StatsPeriod) -> Bounds {
        match period {
            StatsPeriod::Today => {
                Bounds { since: self.local_midnight(self.now), until: None, name: "today".to_owned() }
            }
            StatsPeriod::Days(days) => Bounds {
                since: self.now - SignedDuration::from_hours(24 * days),
                until: None,
                name: format!("last {days} days"),
            },
            StatsPeriod::Month(first) => {
                let start = |day: jiff::civil::Date| {
                    day.to_zoned_datetime(self.time_zone()).map_or(Timestamp::MIN, |zoned| zoned.timestamp())
                };
                let next = first.last_of_month().tomorrow().ok().map(start);
                Bounds { since: start(first), until: next, name: first.strftime("%B %Y").to_string() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_anything_else_is_refused() {
        let month = |y, m| StatsPeriod::Month(jiff::civil::date(y, m, 1));
        let team = |period| Some(StatsAsked { me: false, period });
        let me = |period| Some(StatsAsked { me: true, period });
        assert_eq!(parse_stats(""), team(StatsPeriod::Days(7)));
        assert_eq!(parse_stats("today"), team(StatsPeriod::Today));
        assert_eq!(parse_stats(" 30D "), team(StatsPeriod::Days(30)));
        assert_eq!(parse_stats("2026-09"), team(month(2026, 9)));
        assert_eq!(parse_stats("me"), me(StatsPeriod::Days(7)));
        assert_eq!(parse_stats("Me today"), me(StatsPeriod::Today));
        assert_eq!(parse_stats("me 2026-02"), me(month(2026, 2)));
        for wrong in ["yesterday", "2026-13", "2026-9", "26-09", "7d today", "me me", "me 7d x", "14d"] {
            assert_eq!(parse_stats(wrong), None, "{wrong}");
        }
    }
}

//! The synthetic traffic description `topicdesk simulate --traffic FILE` reads, and the
//! per-ticket draws made from it.
//!
//! A traffic file is JSON (YAML is the rules loader's alone, and this file is data, not
//! rules). Every field but `start`, `days` and `tickets` has a default:
//!
//! ```json
//! {
//!   "seed": 1,                          // same seed, same traffic
//!   "start": "2026-03-02T00:00:00Z",    // arrivals spread evenly at random over `days`
//!   "days": 28,
//!   "tickets": 100000,
//!   "priorities": { "low": 20, "normal": 60, "high": 15, "critical": 5 },   // weights
//!   "categories": { "billing": 40, "technical": 60 },                       // weights
//!   "first_reply":    { "median": "30m", "p90": "3h" },  // agent effort, business time
//!   "next_reply":     { "median": "1h",  "p90": "4h" },  // agent effort, business time
//!   "resolve_after":  { "median": "1h",  "p90": "8h" },  // agent effort, business time
//!   "customer_reply": { "median": "2h",  "p90": "1d" },  // customer delay, calendar time
//!   "follow_ups": 1.0,        // mean customer follow-ups after the first reply
//!   "await_share": 0.3,       // share of agent replies that wait on the customer
//!   "reopen_share": 0.05,     // share of resolved tickets the customer reopens
//!   "agent_speed": { "222222222": 1.5 }   // effort multipliers by agent id (default 1)
//! }
//! ```
//!
//! Delays are log-normal with the given median and 90th percentile. Agent effort counts in
//! the simulated desk's business hours, so a rule set with other hours sees agents work
//! other hours; customers write round the clock. Each ticket draws from its own generator
//! seeded by (seed, arrival order), so two rule sets see the very same demand and effort.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::duration::Span;
use crate::ticket::Priority;

/// A traffic description, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Traffic {
    pub seed: u64,
    pub start: Timestamp,
    pub days: u32,
    pub tickets: u32,
    pub priorities: Vec<(Priority, f64)>,
    pub categories: Vec<(String, f64)>,
    pub first_reply: Delay,
    pub next_reply: Delay,
    pub resolve_after: Delay,
    pub customer_reply: Delay,
    pub follow_ups: f64,
    pub await_share: f64,
    pub reopen_share: f64,
    pub agent_speed: BTreeMap<i64, f64>,
}

/// A log-normal delay given by its median and 90th percentile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delay {
    pub median: Span,
    pub p90: Span,
}

/// Why a traffic file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("traffic file {line}:{column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("traffic file: `{field}` {message}")]
    Invalid { field: String, message: String },
}

/// One ticket's demand and effort, drawn before it is routed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Draw {
    pub arrival: Timestamp,
    pub priority: Priority,
    pub category: Option<String>,
    pub first_reply: Span,
    pub rounds: Vec<Round>,
    pub resolve_after: Span,
    pub reopen: Option<Round>,
}

/// One exchange after the first reply: maybe a wait on the customer, their message, the reply.
/// A reopen is a round too (the resolution after it reuses `resolve_after`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Round {
    pub awaits: bool,
    pub customer_after: Span,
    pub reply: Span,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraffic {
    #[serde(default = "default_seed")]
    seed: u64,
    start: Timestamp,
    days: u32,
    tickets: u32,
    #[serde(default)]
    priorities: BTreeMap<String, f64>,
    #[serde(default)]
    categories: BTreeMap<String, f64>,
    first_reply: Option<Delay>,
    next_reply: Option<Delay>,
    resolve_after: Option<Delay>,
    customer_reply: Option<Delay>,
    follow_ups: Option<f64>,
    await_share: Option<f64>,
    reopen_share: Option<f64>,
    #[serde(default)]
    agent_speed: BTreeMap<i64, f64>,
}

fn default_seed() -> u64 {
    1
}

impl Traffic {
    /// Traffic with every default: `tickets` over `days` from `start`, normal priority mostly.
    pub fn generated(start: Timestamp, days: u32, tickets: u32) -> Traffic {
        let raw = RawTraffic {
            seed: default_seed(),
            start,
            days,
            tickets,
            priorities: BTreeMap::new(),
            categories: BTreeMap::new(),
            first_reply: None,
            next_reply: None,
            resolve_after: None,
            customer_reply: None,
            follow_ups: None,
            await_share: None,
            reopen_share: None,
            agent_speed: BTreeMap::new(),
        };
        raw.validate().expect("the defaults are valid")
    }

    /// Reads a JSON traffic description and checks its values.
    pub fn from_json(text: &str) -> Result<Traffic, TrafficError> {
        let raw: RawTraffic = serde_json::from_str(text).map_err(|error| TrafficError::Json {
            line: error.line(),
            column: error.column(),
            message: error.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        })?;
        raw.validate()
    }

    /// The arrival instants of every ticket, in order.
    pub(crate) fn arrivals(&self) -> Vec<Timestamp> {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let period = i64::from(self.days) * 86_400;
        let mut arrivals: Vec<Timestamp> = (0..self.tickets)
            .map(|_| {
                self.start.saturating_add(SignedDuration::from_secs(rng.i64(0..period))).unwrap_or(self.start)
            })
            .collect();
        arrivals.sort_unstable();
        arrivals
    }

    /// The draw of the ticket arriving `index`-th at `arrival`.
    pub(crate) fn draw(&self, index: u32, arrival: Timestamp) -> Draw {
        let mut rng =
            fastrand::Rng::with_seed(self.seed ^ (u64::from(index) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let priority = pick(&mut rng, &self.priorities).unwrap_or(Priority::Normal);
        let category = pick(&mut rng, &self.categories);
        let first_reply = sample(&mut rng, self.first_reply);
        // Follow-ups: a geometric count with the configured mean.
        let more = self.follow_ups / (1.0 + self.follow_ups);
        let mut rounds = Vec::new();
        while rounds.len() < 20 && rng.f64() < more {
            rounds.push(self.round(&mut rng));
        }
        let resolve_after = sample(&mut rng, self.resolve_after);
        let reopen = (rng.f64() < self.reopen_share).then(|| self.round(&mut rng));
        Draw { arrival, priority, category, first_reply, rounds, resolve_after, reopen }
    }

    fn round(&self, rng: &mut fastrand::Rng) -> Round {
        let awaits = rng.f64() < self.await_share;
        Round {
            awaits,
            customer_after: sample(rng, self.customer_reply),
            reply: sample(rng, self.next_reply),
        }
    }
}

impl RawTraffic {
    fn validate(self) -> Result<Traffic, TrafficError> {
        let invalid = |field: &str, message: &str| TrafficError::Invalid {
            field: field.to_owned(),
            message: message.to_owned(),
        };
        if self.days == 0 {
            return Err(invalid("days", "must be at least 1"));
        }
        let mut priorities = Vec::new();
        for (name, weight) in self.priorities {
            let priority = name.parse::<Priority>().map_err(|message| invalid("priorities", &message))?;
            priorities.push((priority, weight));
        }
        let categories: Vec<(String, f64)> = self.categories.into_iter().collect();
        for (field, weights) in [
            ("priorities", priorities.iter().map(|p| p.1).collect::<Vec<_>>()),
            ("categories", categories.iter().map(|c| c.1).collect()),
        ] {
            if weights.iter().any(|weight| !weight.is_finite() || *weight < 0.0) {
                return Err(invalid(field, "weights must be numbers of 0 or more"));
            }
            if !weights.is_empty() && weights.iter().sum::<f64>() <= 0.0 {
                return Err(invalid(field, "needs at least one weight above 0"));
            }
        }
        let share = |field: &str, value: Option<f64>, default: f64| match value {
            None => Ok(default),
            Some(share) if (0.0..=1.0).contains(&share) => Ok(share),
            Some(_) => Err(invalid(field, "must be a share from 0 to 1, like 0.3")),
        };
        let follow_ups = match self.follow_ups {
            None => 1.0,
            Some(mean) if (0.0..=10.0).contains(&mean) => mean,
            Some(_) => return Err(invalid("follow_ups", "must be a mean from 0 to 10")),
        };
        let delay = |field: &str, value: Option<Delay>, median: u64, p90: u64| {
            let delay = value.unwrap_or(Delay { median: Span::from_mins(median), p90: Span::from_mins(p90) });
            if delay.p90 < delay.median {
                return Err(invalid(field, "has a p90 below its median"));
            }
            Ok(delay)
        };
        if let Some((id, _)) = self.agent_speed.iter().find(|(_, speed)| !speed.is_finite() || **speed <= 0.0)
        {
            return Err(invalid(&format!("agent_speed.{id}"), "must be a number above 0"));
        }
        Ok(Traffic {
            seed: self.seed,
            start: self.start,
            days: self.days,
            tickets: self.tickets,
            priorities,
            categories,
            first_reply: delay("first_reply", self.first_reply, 30, 180)?,
            next_reply: delay("next_reply", self.next_reply, 60, 240)?,
            resolve_after: delay("resolve_after", self.resolve_after, 60, 480)?,
            customer_reply: delay("customer_reply", self.customer_reply, 120, 1440)?,
            follow_ups,
            await_share: share("await_share", self.await_share, 0.3)?,
            reopen_share: share("reopen_share", self.reopen_share, 0.05)?,
            agent_speed: self.agent_speed,
        })
    }
}

/// A weighted pick; `None` when there is nothing to pick from.
fn pick<T: Clone>(rng: &mut fastrand::Rng, weights: &[(T, f64)]) -> Option<T> {
    let total: f64 = weights.iter().map(|(_, weight)| weight).sum();
    let mut point = rng.f64() * total;
    for (value, weight) in weights {
        if point < *weight {
            return Some(value.clone());
        }
        point -= weight;
    }
    weights.iter().rev().find(|(_, weight)| *weight > 0.0).map(|(value, _)| value.clone())
}

/// A log-normal draw with the delay's median and 90th percentile, capped at a year.
fn sample(rng: &mut fastrand::Rng, delay: Delay) -> Span {
    const Z90: f64 = 1.281_551_565_5;
    let median = delay.median.as_secs() as f64;
    if median <= 0.0 {
        return Span::ZERO;
    }
    let sigma = ((delay.p90.as_secs() as f64) / median).ln() / Z90;
    // Box-Muller: one standard normal from two uniforms (the first kept off zero).
    let (u1, u2) = (1.0 - rng.f64(), rng.f64());
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let seconds = (median * (sigma * normal).exp()).min(365.0 * 86_400.0);
    Span::from_secs(seconds as u64)
}

/// `span` scaled by `factor` (an agent's speed), to the second.
pub(crate) fn scaled(span: Span, factor: f64) -> Span {
    Span::from_secs((span.as_secs() as f64 * factor).min(365.0 * 86_400.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_refused(text: &str, expect: &str) {
        let error = Traffic::from_json(text).expect_err("refused");
        assert_eq!(error.to_string(), expect);
    }

    #[test]
    fn refuses_what_cannot_be_simulated() {
        let base = r#""start": "2026-03-02T00:00:00Z", "days": 7, "tickets": 10"#;
        check_refused(
            &format!("{{{base}, \"colour\": 1}}"),
            "traffic file 1:68: unknown field `colour`, expected one of `seed`, `start`, `days`, `tickets`, `priorities`, `categories`, `first_reply`, `next_reply`, `resolve_after`, `customer_reply`, `follow_ups`, `await_share`, `reopen_share`, `agent_speed`",
        );
        check_refused(
            &format!("{{{base}, \"await_share\": 3}}"),
            "traffic file: `await_share` must be a share from 0 to 1, like 0.3",
        );
        check_refused(
            &format!("{{{base}, \"priorities\": {{\"urgent\": 1}}}}"),
            "traffic file: `priorities` `urgent` is not a priority, expected low, normal, high or critical",
        );
        check_refused(
            &format!("{{{base}, \"first_reply\": {{\"median\": \"2h\", \"p90\": \"1h\"}}}}"),
            "traffic file: `first_reply` has a p90 below its median",
        );
        check_refused(
            r#"{"start": "2026-03-02T00:00:00Z", "days": 0, "tickets": 10}"#,
            "traffic file: `days` must be at least 1",
        );
    }

    #[test]
    fn delays_have_the_median_and_p90_asked_for() {
        let mut rng = fastrand::Rng::with_seed(7);
        let delay = Delay { median: Span::from_hours(1), p90: Span::from_hours(4) };
        let mut draws: Vec<u64> = (0..20_000).map(|_| sample(&mut rng, delay).as_secs()).collect();
        draws.sort_unstable();
        let (median, p90) = (draws[10_000] as f64 / 3600.0, draws[18_000] as f64 / 3600.0);
        assert!((0.95..1.05).contains(&median), "median {median}h");
        assert!((3.7..4.3).contains(&p90), "p90 {p90}h");
    }

    #[test]
    fn the_same_seed_draws_the_same_tickets() {
        let traffic = Traffic::generated("2026-03-02T00:00:00Z".parse().expect("instant"), 7, 100);
        let arrivals = traffic.arrivals();
        assert_eq!(arrivals, traffic.arrivals());
        assert!(arrivals.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(traffic.draw(5, arrivals[5]), traffic.draw(5, arrivals[5]));
        assert_ne!(traffic.draw(5, arrivals[5]), traffic.draw(6, arrivals[5]));
    }
}

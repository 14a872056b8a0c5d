//! The figures a simulation reports, per priority and per agent, and the side-by-side
//! comparison of two rule sets over the same traffic.
//!
//! Times are clock times (business hours unless the targets count calendar time), medians
//! and 90th percentiles over the tickets that got that far. Breaches count missed targets
//! (a ticket may miss next response several times); escalations count the escalations the
//! ladder or `on_breach` made. Everything serialises to JSON for `--json`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::duration::Span;
use crate::ticket::Priority;

use super::outcome::{Loads, Replayed};
use crate::rules::RuleSet;

/// What one rule set made of the traffic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The rule set's short version.
    pub rules: String,
    pub tickets: u64,
    /// Hook calls that failed and fell back to the default.
    pub hook_failures: u64,
    /// All tickets first, then per priority, then per agent who had the ticket at the end,
    /// then the tickets nobody had, then those routing left in the queue (each also counted
    /// under whoever took it).
    pub groups: Vec<GroupStats>,
}

/// The figures of one group of tickets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupStats {
    /// `all`, `priority high`, `agent 222222222 Eli`, `unassigned` or `queued`.
    pub group: String,
    pub tickets: u64,
    pub first_response: Percentiles,
    pub resolution: Percentiles,
    pub breaches: Breaches,
    pub warnings: u64,
    pub escalations: u64,
    pub auto_closed: u64,
    /// The most tickets the agent had open at once (agent groups only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_load: Option<u32>,
}

/// Median and 90th percentile of a time, in seconds; `None` when no ticket got there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub median_secs: Option<u64>,
    pub p90_secs: Option<u64>,
}

/// Missed targets per metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Breaches {
    pub first_response: u64,
    pub next_response: u64,
    pub resolution: u64,
}

/// Two reports over the same traffic and the figures that differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub a: Report,
    pub b: Report,
    pub differences: Vec<Difference>,
}

/// One figure of one group that differs between the two rule sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub group: String,
    pub figure: String,
    pub a: String,
    pub b: String,
}

/// A figure as printed: a count or a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Figure {
    Count(u64),
    Time(Option<u64>),
}

/// The running sums of one group.
#[derive(Default)]
struct Tally {
    tickets: u64,
    first_response: Vec<u64>,
    resolution: Vec<u64>,
    breaches: [u64; 3],
    warnings: u64,
    escalations: u64,
    auto_closed: u64,
}

/// How groups sort: all, priorities, agents, nobody's, routed to the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    All,
    Priority(Priority),
    /// Who had the ticket at the end.
    Agent(i64),
    /// Nobody had the ticket at the end.
    Unassigned,
    /// Routing left the ticket in the queue; it also counts under whoever took it.
    Queued,
}

/// Collects replayed tickets into groups.
#[derive(Default)]
pub(crate) struct Collector {
    tallies: BTreeMap<Group, Tally>,
    hook_failures: u64,
}

impl Collector {
    /// Hook calls that failed beside any one ticket's figures.
    pub fn add_hook_failures(&mut self, failures: u32) {
        self.hook_failures += u64::from(failures);
    }

    pub fn add(&mut self, ticket: &Replayed) {
        self.hook_failures += u64::from(ticket.hook_failures);
        let agent = ticket.assignee.map_or(Group::Unassigned, Group::Agent);
        let queued = ticket.queued.then_some(Group::Queued);
        for group in [Group::All, Group::Priority(ticket.priority), agent].into_iter().chain(queued) {
            let tally = self.tallies.entry(group).or_default();
            tally.tickets += 1;
            tally.first_response.extend(ticket.measures.first_response.map(Span::as_secs));
            tally.resolution.extend(ticket.measures.resolution.map(Span::as_secs));
            for (sum, count) in tally.breaches.iter_mut().zip(ticket.breaches) {
                *sum += u64::from(count);
            }
            tally.warnings += u64::from(ticket.warnings);
            tally.escalations += u64::from(ticket.escalations);
            tally.auto_closed += u64::from(ticket.auto_closed);
        }
    }

    /// The report, naming agents from the rule set's team and giving their peak loads.
    pub fn report(self, rules: &RuleSet, loads: &Loads) -> Report {
        let name_of = |id: i64| rules.team().agent(id).map_or(String::new(), |agent| agent.name.clone());
        let peak_load = |id: i64| loads.peak(id);
        let tickets = self.tallies.get(&Group::All).map_or(0, |tally| tally.tickets);
        let groups = self
            .tallies
            .into_iter()
            .map(|(group, mut tally)| GroupStats {
                group: match group {
                    Group::All => "all".to_owned(),
                    Group::Priority(priority) => format!("priority {priority}"),
                    Group::Agent(id) => format!("agent {id} {}", name_of(id)).trim_end().to_owned(),
                    Group::Unassigned => "unassigned".to_owned(),
                    Group::Queued => "queued".to_owned(),
                },
                tickets: tally.tickets,
                first_response: percentiles(&mut tally.first_response),
                resolution: percentiles(&mut tally.resolution),
                breaches: Breaches {
                    first_response: tally.breaches[0],
                    next_response: tally.breaches[1],
                    resolution: tally.breaches[2],
                },
                warnings: tally.warnings,
                escalations: tally.escalations,
                auto_closed: tally.auto_closed,
                peak_load: match group {
                    Group::Agent(id) => Some(peak_load(id)),
                    Group::All | Group::Priority(_) | Group::Unassigned | Group::Queued => None,
                },
            })
            .collect();
        Report { rules: rules.version().short(), tickets, hook_failures: self.hook_failures, groups }
    }
}

/// Nearest-rank median and 90th percentile.
fn percentiles(values: &mut [u64]) -> Percentiles {
    values.sort_unstable();
    let rank = |share: usize| {
        let index = (values.len() * share).div_ceil(100).saturating_sub(1);
        values.get(index).copied()
    };
    Percentiles { count: values.len() as u64, median_secs: rank(50), p90_secs: rank(90) }
}

impl GroupStats {
    /// Every figure with its label, in print order.
    fn figures(&self) -> Vec<(&'static str, Figure)> {
        let mut figures = vec![
            ("tickets", Figure::Count(self.tickets)),
            ("first response median", Figure::Time(self.first_response.median_secs)),
            ("first response p90", Figure::Time(self.first_response.p90_secs)),
            ("resolution median", Figure::Time(self.resolution.median_secs)),
            ("resolution p90", Figure::Time(self.resolution.p90_secs)),
            ("first response breaches", Figure::Count(self.breaches.first_response)),
            ("next response breaches", Figure::Count(self.breaches.next_response)),
            ("resolution breaches", Figure::Count(self.breaches.resolution)),
            ("warnings", Figure::Count(self.warnings)),
            ("escalations", Figure::Count(self.escalations)),
            ("auto-closed", Figure::Count(self.auto_closed)),
        ];
        if let Some(peak) = self.peak_load {
            figures.push(("peak load", Figure::Count(u64::from(peak))));
        }
        figures
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figure::Count(count) => write!(f, "{count}"),
            // Minutes are precise enough to read; the JSON keeps the seconds.
            Figure::Time(Some(secs)) => write!(f, "{}", Span::from_secs(to_minute(*secs))),
            Figure::Time(None) => f.write_str("-"),
        }
    }
}

impl Figure {
    /// `+12`, `-5m`, or `changed` when one side has no value.
    fn change_to(self, other: Figure) -> String {
        let signed = |a: u64, b: u64, show: &dyn Fn(u64) -> String| {
            if b >= a { format!("+{}", show(b - a)) } else { format!("-{}", show(a - b)) }
        };
        match (self, other) {
            (Figure::Count(a), Figure::Count(b)) => signed(a, b, &|n| n.to_string()),
            (Figure::Time(Some(a)), Figure::Time(Some(b))) => {
                signed(a, b, &|s| Span::from_secs(s).to_string())
            }
            _ => "changed".to_owned(),
        }
    }
}

impl fmt::Display for Report {
    /// One table: a row per group, a column per figure.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rules {}: {} tickets, {} hook failures", self.rules, self.tickets, self.hook_failures)?;
        let width = self.groups.iter().map(|group| group.group.len()).max().unwrap_or(5).max(5);
        writeln!(
            f,
            "{:width$}  {:>7}  {:>21}  {:>21}  {:>17}  {:>8}  {:>11}  {:>11}  {:>9}",
            "group",
            "tickets",
            "first response p50/90",
            "resolution p50/90",
            "breaches fr/nr/rs",
            "warnings",
            "escalations",
            "auto-closed",
            "peak load",
        )?;
        for group in &self.groups {
            let time = |secs: Option<u64>| Figure::Time(secs).to_string();
            let first = format!(
                "{} / {}",
                time(group.first_response.median_secs),
                time(group.first_response.p90_secs)
            );
            let resolution =
                format!("{} / {}", time(group.resolution.median_secs), time(group.resolution.p90_secs));
            let breaches = format!(
                "{}/{}/{}",
                group.breaches.first_response, group.breaches.next_response, group.breaches.resolution
            );
            let peak = group.peak_load.map_or(String::new(), |peak| peak.to_string());
            let line = format!(
                "{:width$}  {:>7}  {first:>21}  {resolution:>21}  {breaches:>17}  {:>8}  {:>11}  {:>11}  {peak:>9}",
                group.group, group.tickets, group.warnings, group.escalations, group.auto_closed,
            );
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// `secs` rounded to the nearest minute (to the second below one minute).
fn to_minute(secs: u64) -> u64 {
    if secs < 60 { secs } else { (secs + 30) / 60 * 60 }
}

/// Puts two reports side by side and lists the figures that differ.
pub fn compare(a: Report, b: Report) -> Comparison {
    let mut differences = Vec::new();
    for group_a in &a.groups {
        let Some(group_b) = b.groups.iter().find(|group| group.group == group_a.group) else {
            differences.push(Difference {
                group: group_a.group.clone(),
                figure: "tickets".into(),
                a: group_a.tickets.to_string(),
                b: "-".into(),
            });
            continue;
        };
        for ((figure, value_a), (_, value_b)) in group_a.figures().into_iter().zip(group_b.figures()) {
            if value_a != value_b {
                differences.push(Difference {
                    group: group_a.group.clone(),
                    figure: figure.into(),
                    a: value_a.to_string(),
                    b: value_b.to_string(),
                });
            }
        }
    }
    for group_b in b.groups.iter().filter(|group| !a.groups.iter().any(|other| other.group == group.group)) {
        differences.push(Difference {
            group: group_b.group.clone(),
            figure: "tickets".into(),
            a: "-".into(),
            b: group_b.tickets.to_string(),
        });
    }
    Comparison { a, b, differences }
}

impl fmt::Display for Comparison {
    /// Every figure of every group as `A  B  change` (blank when equal), then how many differ.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "A: rules {}, B: rules {}, {} tickets",
            self.a.rules,
            self.b.rules,
            self.a.tickets.max(self.b.tickets)
        )?;
        let width =
            self.a.groups.iter().chain(&self.b.groups).map(|group| group.group.len()).max().unwrap_or(5);
        let row =
            |f: &mut fmt::Formatter<'_>, group: &str, label: &str, a: String, b: String, change: String| {
                let line = format!("{group:width$}  {label:23}  {a:>12}  {b:>12}  {change}");
                writeln!(f, "{}", line.trim_end())
            };
        row(f, "group", "figure", "A".into(), "B".into(), "change".into())?;
        for group_a in &self.a.groups {
            let figures_b =
                self.b.groups.iter().find(|group| group.group == group_a.group).map(GroupStats::figures);
            for (index, (label, value_a)) in group_a.figures().into_iter().enumerate() {
                let value_b =
                    figures_b.as_ref().and_then(|figures| figures.get(index)).map(|(_, value)| *value);
                let (shown_b, change) = match value_b {
                    Some(value_b) if value_b == value_a => (value_b.to_string(), String::new()),
                    Some(value_b) => (value_b.to_string(), value_a.change_to(value_b)),
                    None => ("-".to_owned(), "changed".to_owned()),
                };
                row(f, &group_a.group, label, value_a.to_string(), shown_b, change)?;
            }
        }
        for group_b in
            self.b.groups.iter().filter(|group| !self.a.groups.iter().any(|a| a.group == group.group))
        {
            for (label, value_b) in group_b.figures() {
                row(f, &group_b.group, label, "-".into(), value_b.to_string(), "changed".into())?;
            }
        }
        match self.differences.len() {
            0 => writeln!(f, "no differences"),
            1 => writeln!(f, "1 figure differs"),
            n => writeln!(f, "{n} figures differ"),
        }
    }
}

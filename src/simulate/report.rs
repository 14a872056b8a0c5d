//! What a simulation reports, and the side-by-side comparison of two rule sets over the
//! same traffic.
//!
//! The figures are `topicdesk report`'s: every ticket's facts, folded by the in-memory
//! state as the store folds them, go through [`metrics::Period`](crate::metrics::Period)
//! (same definitions, same aggregation, same table, JSON and CSV), so a simulated month
//! reads line by line against a real one. After them comes what only a simulation knows
//! ([`Decided`]): the timer decisions the rules made (SLA warnings, auto-closes), the
//! breached stretches per SLA metric, the tickets routing left in the queue, each agent's
//! peak load and the hook calls that failed.

use std::fmt;
use std::fmt::Write as _;

use serde::Serialize;

use crate::duration::Span;
use crate::metrics::{self, Group};

/// What one rule set made of the traffic.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The rule set's short version.
    pub rules: String,
    /// The period's figures, as `topicdesk report` gives them.
    #[serde(flatten)]
    pub figures: metrics::Report,
    /// What only a simulation knows.
    pub simulation: Decided,
}

/// What the rules decided on the way, over every ticket of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decided {
    /// Hook calls that failed and fell back to the default.
    pub hook_failures: u64,
    /// Tickets routing left in the queue when they opened.
    pub queued: u64,
    /// SLA warnings the desk acted on.
    pub warnings: u64,
    /// Breached stretches per SLA metric (a ticket may miss next response several times),
    /// as each ticket's facts count them.
    pub breaches: Breaches,
    /// Tickets the desk closed after the customer stayed silent.
    pub auto_closed: u64,
    /// Every team member and anyone else who held a ticket, in team.yaml's order.
    pub agents: Vec<AgentLoad>,
    /// With several staff groups, each group's share, in desk.yaml's order; empty with one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupShare>,
}

/// One staff group's part of the run: the tickets that opened in it (the group the desk
/// chose, or the one a transfer moved them to) and what the rules decided about them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupShare {
    /// desk.yaml's name of the group.
    pub name: String,
    pub tickets: u64,
    /// Tickets routing left in the queue when they opened.
    pub queued: u64,
    pub warnings: u64,
    /// Breached stretches, every SLA metric together.
    pub breaches: u64,
    pub auto_closed: u64,
}

/// Breached stretches per SLA metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Breaches {
    pub first_response: u64,
    pub next_response: u64,
    pub resolution: u64,
}

/// The most tickets one agent held at once, from assignment to resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentLoad {
    pub agent: u64,
    /// team.yaml's name; empty for someone not in it.
    pub name: String,
    pub peak_load: u32,
}

/// Two reports over the same traffic and the figures that differ.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub a: Report,
    pub b: Report,
    pub differences: Vec<Difference>,
}

/// One figure of one group that differs between the two rule sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `all`, a group of the report (`high`, `Dana`...), or `simulation`.
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

/// Puts two reports side by side and lists the figures that differ, group by group.
pub fn compare(a: Report, b: Report) -> Comparison {
    let (figures_a, figures_b) = (a.figures(), b.figures());
    let mut differences = Vec::new();
    for (group, figures) in &figures_a {
        let Some((_, other)) = figures_b.iter().find(|(name, _)| name == group) else {
            differences.push(missing(group, &figures_a, &figures_b));
            continue;
        };
        for ((figure, value_a), (_, value_b)) in figures.iter().zip(other) {
            if value_a != value_b {
                differences.push(Difference {
                    group: group.clone(),
                    figure: (*figure).clone(),
                    a: value_a.to_string(),
                    b: value_b.to_string(),
                });
            }
        }
    }
    for (group, _) in figures_b.iter().filter(|(group, _)| figures_a.iter().all(|(name, _)| name != group)) {
        differences.push(missing(group, &figures_a, &figures_b));
    }
    Comparison { a, b, differences }
}

type Figures = Vec<(String, Vec<(String, Figure)>)>;

/// A group one side has and the other lacks, told by its tickets.
fn missing(group: &str, a: &Figures, b: &Figures) -> Difference {
    let tickets = |side: &Figures| {
        side.iter()
            .find(|(name, _)| name == group)
            .and_then(|(_, figures)| figures.first())
            .map_or_else(|| "-".to_owned(), |(_, value)| value.to_string())
    };
    Difference { group: group.to_owned(), figure: "tickets".to_owned(), a: tickets(a), b: tickets(b) }
}

impl Report {
    /// Every figure by group (`all`, the report's groups, `simulation`), in print order;
    /// a report group's first figure is its tickets.
    fn figures(&self) -> Figures {
        let rows = std::iter::once(("all", &self.figures.total))
            .chain(self.figures.groups.iter().map(|row| (row.key.as_str(), &row.group)));
        let mut groups: Figures = rows.map(|(key, group)| (key.to_owned(), group_figures(group))).collect();
        let d = &self.simulation;
        let mut simulation: Vec<(String, Figure)> = [
            ("hook failures", d.hook_failures),
            ("queued by routing", d.queued),
            ("SLA warnings", d.warnings),
            ("first response breaches", d.breaches.first_response),
            ("next response breaches", d.breaches.next_response),
            ("resolution breaches", d.breaches.resolution),
            ("auto-closed", d.auto_closed),
        ]
        .into_iter()
        .map(|(name, n)| (name.to_owned(), Figure::Count(n)))
        .collect();
        for load in &d.agents {
            let who = if load.name.is_empty() { load.agent.to_string() } else { load.name.clone() };
            simulation.push((format!("peak load {who}"), Figure::Count(u64::from(load.peak_load))));
        }
        for share in &d.groups {
            for (figure, n) in [
                ("tickets", share.tickets),
                ("queued by routing", share.queued),
                ("SLA warnings", share.warnings),
                ("breaches", share.breaches),
                ("auto-closed", share.auto_closed),
            ] {
                simulation.push((format!("{figure} in {}", share.name), Figure::Count(n)));
            }
        }
        groups.push(("simulation".to_owned(), simulation));
        groups
    }
}

/// A report group's figures by the names its CSV uses: the counts, then each span metric's
/// count, median and p90 on both clocks, then agent replies.
fn group_figures(group: &Group) -> Vec<(String, Figure)> {
    let mut figures: Vec<(String, Figure)> =
        metrics::counts(group).into_iter().map(|(name, n)| (name, Figure::Count(n))).collect();
    for (metric, spans) in metrics::span_metrics(group) {
        for (clock, stats) in [("calendar", &spans.calendar), ("business", &spans.business)] {
            figures.push((format!("{metric} {clock} count"), Figure::Count(stats.count)));
            figures.push((format!("{metric} {clock} median"), Figure::Time(stats.median)));
            figures.push((format!("{metric} {clock} p90"), Figure::Time(stats.p90)));
        }
    }
    let replies = &group.agent_replies;
    figures.push(("agent_replies count".to_owned(), Figure::Count(replies.count)));
    figures.push(("agent_replies median".to_owned(), Figure::Count(replies.median.unwrap_or(0))));
    figures.push(("agent_replies p90".to_owned(), Figure::Count(replies.p90.unwrap_or(0))));
    figures
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figure::Count(count) => write!(f, "{count}"),
            Figure::Time(Some(secs)) => write!(f, "{}", Span::from_secs(*secs)),
            Figure::Time(None) => f.write_str("-"),
        }
    }
}

impl fmt::Display for Report {
    /// `topicdesk report`'s table, then what the rules decided.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.figures.table())?;
        f.write_str(&self.simulation_table())
    }
}

impl Report {
    /// The simulation's own section, as printed after the report's table.
    pub fn simulation_table(&self) -> String {
        let d = &self.simulation;
        let mut out = String::new();
        let _ = writeln!(out, "\nsimulated with rules {}: {} hook failures", self.rules, d.hook_failures);
        let _ = writeln!(
            out,
            "queued by routing {}, SLA warnings {}, auto-closed {}",
            d.queued, d.warnings, d.auto_closed
        );
        let _ = writeln!(
            out,
            "breaches (stretches): first response {}, next response {}, resolution {}",
            d.breaches.first_response, d.breaches.next_response, d.breaches.resolution
        );
        let _ = writeln!(out, "\n{:<20} {:>9}", "agent", "peak load");
        for load in &d.agents {
            let who = if load.name.is_empty() { load.agent.to_string() } else { load.name.clone() };
            let _ = writeln!(out, "{:<20} {:>9}", crate::outbox::clip(&who, 20), load.peak_load);
        }
        if !d.groups.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<20} {:>9} {:>9} {:>12} {:>9} {:>11}",
                "staff group", "tickets", "queued", "SLA warnings", "breaches", "auto-closed"
            );
            for share in &d.groups {
                let _ = writeln!(
                    out,
                    "{:<20} {:>9} {:>9} {:>12} {:>9} {:>11}",
                    crate::outbox::clip(&share.name, 20),
                    share.tickets,
                    share.queued,
                    share.warnings,
                    share.breaches,
                    share.auto_closed
                );
            }
        }
        out
    }

    /// The CSV `topicdesk report` writes, then the simulation's figures as rows of the
    /// group `simulation`.
    pub fn csv(&self) -> String {
        let mut out = self.figures.csv();
        if let Some((_, simulation)) = self.figures().pop() {
            for (name, figure) in simulation {
                let _ = writeln!(out, "simulation,{},,{figure},,,", name.replace(' ', "_"));
            }
        }
        out
    }
}

impl Comparison {
    /// The differences as CSV: `group,figure,a,b`.
    pub fn csv(&self) -> String {
        let mut out = String::from("group,figure,a,b\n");
        for d in &self.differences {
            let _ = writeln!(out, "{},{},{},{}", field(&d.group), field(&d.figure), d.a, d.b);
        }
        out
    }
}

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

impl fmt::Display for Comparison {
    /// Both reports in full, then every figure that differs as `A  B  change`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "A: rules {}\n", self.a.rules)?;
        write!(f, "{}", self.a)?;
        writeln!(f, "\nB: rules {}\n", self.b.rules)?;
        write!(f, "{}", self.b)?;
        writeln!(f, "\nA: rules {}, B: rules {}", self.a.rules, self.b.rules)?;
        let width = self.differences.iter().map(|d| d.group.chars().count()).max().unwrap_or(5).max(5);
        let row = |f: &mut fmt::Formatter<'_>, group: &str, figure: &str, a: &str, b: &str| {
            let line = format!("{group:width$}  {figure:34}  {a:>12}  {b:>12}");
            writeln!(f, "{}", line.trim_end())
        };
        row(f, "group", "figure", "A", "B")?;
        for d in &self.differences {
            row(f, &d.group, &d.figure, &d.a, &d.b)?;
        }
        match self.differences.len() {
            0 => writeln!(f, "no differences"),
            1 => writeln!(f, "1 figure differs"),
            n => writeln!(f, "{n} figures differ"),
        }
    }
}

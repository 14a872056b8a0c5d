//! `topicdesk report`: the team's figures over a period, from the store's per-ticket facts,
//! as a table, JSON or CSV (`metrics::period` builds and renders them). Definitions in
//! docs/metrics.md.
//!
//! The facts table alone answers when every record carries its ticket's labels and is up to
//! date with its history (`ReadTx::for_each_facts`). Otherwise (a file from before facts or
//! labels were kept) the tickets are read too, a ticket without facts is folded from its
//! history here, and the report says how many were. Reads one snapshot, so it runs beside
//! the live desk.

use crate::metrics::{Facts, Labels, Options, Period, Report};
use crate::rules::RuleSet;
use crate::store::{ReadTx, StoreError};

/// Reads a desk's rules into a report's options, as `report --rules` and `simulate` do:
/// desk.yaml's business calendar and time zone, team.yaml's names.
pub fn with_rules(options: &mut Options, rules: &RuleSet) {
    options.calendar = Some(rules.calendar().clone());
    options.time_zone =
        jiff::tz::TimeZone::get(&rules.desk().timezone.value).unwrap_or(jiff::tz::TimeZone::UTC);
    options.agent_names = rules
        .team()
        .agents
        .iter()
        .filter_map(|agent| Some((u64::try_from(agent.id).ok()?, agent.name.clone())))
        .collect();
}

/// Builds the report over every ticket in `read`, calling `progress` with tickets read.
pub fn build(read: &ReadTx, options: &Options, mut progress: impl FnMut(u64)) -> Result<Report, StoreError> {
    // The facts table alone answers for a file whose every record carries its ticket's
    // labels and is up to date; otherwise the tickets are read as well, below.
    let mut period = Period::new(options.clone());
    let mut seen = 0u64;
    let complete = read.for_each_facts(|labels, facts| {
        seen += 1;
        if seen.is_multiple_of(PROGRESS_EVERY) {
            progress(seen);
        }
        period.add(&labels, &facts);
        Ok::<_, StoreError>(())
    })?;
    if complete {
        progress(seen);
        return Ok(period.finish(Vec::new(), 0));
    }
    let mut period = Period::new(options.clone());
    let (mut seen, mut from_history) = (0u64, 0u64);
    read.for_each_ticket_facts(|ticket, facts| {
        seen += 1;
        progress(seen);
        let facts = if let Some(facts) = facts {
            facts
        } else {
            from_history += 1;
            Facts::of_history(&read.history(ticket.id)?)
        };
        period.add(&Labels::of(&ticket), &facts);
        Ok::<_, StoreError>(())
    })?;
    let mut notes = Vec::new();
    if from_history > 0 {
        notes.push(format!(
            "{from_history} ticket(s) had no stored facts (a data file from before they were kept): \
             computed from their history; the bot keeps them from each ticket's next change on"
        ));
    }
    Ok(period.finish(notes, from_history))
}

/// How often the fast path reports progress: a call per ticket costs more than the ticket.
const PROGRESS_EVERY: u64 = 4_096;

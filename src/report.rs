//! `topicdesk report`: the team's figures over a period, from the store's per-ticket facts,
//! as a table, JSON or CSV (`metrics::period` builds and renders them). Definitions in
//! docs/metrics.md.
//!
//! The facts table alone answers when every record carries its ticket's labels and is up to
//! date with its history (`ReadTx::for_each_facts`). Otherwise (a file from before facts or
//! labels were kept) the tickets are read too, a ticket without facts is folded from its
//! history here, and the report says how many were. The knowledge base's deflections come
//! from their own table. Reads one snapshot, so it runs beside the live desk.

use crate::metrics::{Facts, Labels, Options, Period, Report};
use crate::rules::RuleSet;
use crate::store::{FactsSeen, ReadTx, StoreError};

/// Reads a desk's rules into a report's options, as `report --rules` and `simulate` do:
/// desk.yaml's business calendar, time zone and staff groups' names, team.yaml's names.
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
    options.group_names = rules
        .desk()
        .staff_groups(None)
        .map(|groups| groups.all().iter().map(|group| (group.chat, group.name.clone())).collect())
        .unwrap_or_default();
}

/// Builds the report over every ticket in `read`, calling `progress` with tickets read.
pub fn build(read: &ReadTx, options: &Options, mut progress: impl FnMut(u64)) -> Result<Report, StoreError> {
    // The facts table alone answers for a file whose every record carries its ticket's
    // labels and is up to date; otherwise the tickets are read as well, below.
    let cores = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 4) as u64;
    let deflections = read.deflections()?;
    if let Some(mut period) = from_facts(read, options, cores, &mut progress)? {
        for deflection in &deflections {
            period.add_deflection(deflection.at, &deflection.article);
        }
        return Ok(period.finish(Vec::new(), 0));
    }
    let mut period = Period::new(options.clone());
    for deflection in &deflections {
        period.add_deflection(deflection.at, &deflection.article);
    }
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

/// The period from the facts table alone, or `None` when it cannot answer for every ticket.
///
/// Reading, decoding and measuring a record is all CPU once the file is in the page cache:
/// the table is split into `threads` contiguous id ranges (`build`: one per core, at most
/// four), each read into its own period by its own thread over the same snapshot, and the
/// periods merged in id order, which gives the very figures of one scan.
fn from_facts(
    read: &ReadTx,
    options: &Options,
    threads: u64,
    progress: &mut impl FnMut(u64),
) -> Result<Option<Period>, StoreError> {
    let Some((first, last)) = read.facts_ids()? else {
        return Ok(None);
    };
    let width = (last - first) / threads + 1;
    let seen = std::sync::atomic::AtomicU64::new(0);
    let ranges: Vec<_> = (0..threads)
        .map(|part| {
            let low = first.saturating_add(part * width);
            let high = if part + 1 == threads { last } else { low.saturating_add(width - 1).min(last) };
            (low, high)
        })
        .filter(|(low, high)| low <= high)
        .collect();
    let scans = std::thread::scope(|scope| {
        let parts: Vec<_> = ranges
            .into_iter()
            .map(|(low, high)| {
                let (seen, options) = (&seen, options.clone());
                scope.spawn(move || {
                    let mut period = Period::new(options);
                    let mut since_count = 0u64;
                    let scan = read.scan_facts(low..=high, |labels, facts| {
                        period.add(labels, facts);
                        since_count += 1;
                        if since_count == PROGRESS_EVERY {
                            seen.fetch_add(since_count, std::sync::atomic::Ordering::Relaxed);
                            since_count = 0;
                        }
                        Ok::<_, StoreError>(())
                    });
                    seen.fetch_add(since_count, std::sync::atomic::Ordering::Relaxed);
                    scan.map(|scan| scan.map(|scanned| (scanned, period)))
                })
            })
            .collect();
        while !parts.iter().all(std::thread::ScopedJoinHandle::is_finished) {
            progress(seen.load(std::sync::atomic::Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        parts
            .into_iter()
            .map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<Vec<_>>()
    });
    progress(seen.into_inner());
    let mut whole: Option<(FactsSeen, Period)> = None;
    for scan in scans {
        let Some((scanned, period)) = scan? else {
            return Ok(None);
        };
        whole = Some(match whole {
            None => (scanned, period),
            Some((so_far, mut merged)) => {
                merged.merge(period);
                (so_far + scanned, merged)
            }
        });
    }
    match whole {
        Some((scanned, period)) if read.facts_cover(scanned)? => Ok(Some(period)),
        _ => Ok(None),
    }
}

/// How often the fast path reports progress: a call per ticket costs more than the ticket.
const PROGRESS_EVERY: u64 = 4_096;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::calendar::BusinessCalendar;
    use crate::metrics::GroupBy;
    use crate::store::Store;

    #[test]
    fn a_report_read_in_parts_has_the_figures_of_one_scan() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("topicdesk.redb")).expect("store");
        let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().expect("instant");
        crate::bench::worked::generate_worked(&store, 3_000, now).expect("generated");
        let read = store.read().expect("read");
        let calendar = BusinessCalendar::new("Europe/Berlin", &[("mon-fri", "09:00-18:00")], &[] as &[&str])
            .expect("a calendar");
        for by in [None, Some(GroupBy::Agent), Some(GroupBy::Day), Some(GroupBy::Priority)] {
            let options = Options {
                since: Some("2026-10-01T00:00:00Z".parse().expect("instant")),
                until: None,
                now,
                by,
                calendar: Some(calendar.clone()),
                time_zone: jiff::tz::TimeZone::get("Europe/Berlin").expect("zone"),
                agent_names: BTreeMap::new(),
                group_names: BTreeMap::new(),
            };
            let mut one = Period::new(options.clone());
            let whole = read
                .for_each_facts(|labels, facts| {
                    one.add(labels, facts);
                    Ok::<_, StoreError>(())
                })
                .expect("scanned");
            assert!(whole, "the facts table answers for every ticket");
            let json = |period: Period| serde_json::to_string(&period.finish(Vec::new(), 0)).expect("json");
            let one = json(one);
            assert!(one.contains("\"sentiment\":"), "{one}");
            for parts in [1, 2, 3, 7] {
                let mut seen = 0;
                let read_in_parts = from_facts(&read, &options, parts, &mut |count| seen = count)
                    .expect("read")
                    .expect("whole");
                assert_eq!(json(read_in_parts), one, "{parts} parts, by {by:?}");
                assert_eq!(seen, 3_000, "progress counts every record");
            }
        }
    }
}

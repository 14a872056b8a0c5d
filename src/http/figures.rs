//! The desk's state as gauges: tickets by status, priority and staff group, SLA warnings and breaches,
//! escalations and satisfaction ratings over the tickets the store keeps. Folded from each
//! ticket's labels and facts (`metrics::Facts`, kept by the store with every history
//! append), never from history or text, so nothing here can carry a customer's words. The
//! fold is pure; [`DeskFigures::read`] runs it over one read snapshot of the store.

use std::collections::BTreeMap;

use crate::metrics::{Facts, Labels};
use crate::sla::Metric;
use crate::store::{ReadTx, StoreError};
use crate::ticket::{Priority, Status};

/// The desk's figures at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeskFigures {
    /// Tickets by (status, priority, staff group); the group is the staff chat holding the
    /// ticket's topic, `None` before it has one.
    pub tickets: BTreeMap<(Status, Priority, Option<i64>), u64>,
    /// Breaches per SLA metric, indexed as [`Metric::ALL`].
    pub breaches: [u64; 3],
    /// Warnings sent per SLA metric, indexed as [`Metric::ALL`].
    pub warnings: [u64; 3],
    /// Escalations by what triggered them: manual, breach, age, rule.
    pub escalations: [u64; 4],
    /// Latest ratings of answered surveys by (scale, value).
    pub ratings: BTreeMap<(&'static str, u8), u64>,
    /// Surveys asked, answered or not.
    pub surveys_asked: u64,
    /// What the desk has put in each staff group's chat.
    pub groups: GroupFigures,
}

/// Each staff group's topics, messages and capacity level by chat id, as the desk counts
/// them (`src/desk/capacity.rs`); a group the desk has put nothing in is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupFigures {
    pub topics: BTreeMap<i64, u64>,
    pub messages: BTreeMap<i64, u64>,
    pub levels: BTreeMap<i64, u64>,
}

impl GroupFigures {
    fn read(read: &ReadTx) -> Result<GroupFigures, StoreError> {
        let [topics, messages, levels] = crate::desk::GROUP_USAGE_PREFIXES.map(|prefix| {
            read.counters_with_prefix(prefix).map(|found| {
                found
                    .into_iter()
                    .filter_map(|(name, value)| Some((name[prefix.len()..].parse().ok()?, value)))
                    .collect()
            })
        });
        Ok(GroupFigures { topics: topics?, messages: messages?, levels: levels? })
    }
}

/// The triggers of [`DeskFigures::escalations`], in order.
pub const ESCALATION_TRIGGERS: [&str; 4] = ["manual", "breach", "age", "rule"];

impl DeskFigures {
    /// Adds one ticket.
    pub fn add(&mut self, labels: &Labels, facts: &Facts) {
        *self.tickets.entry((facts.status, labels.priority, labels.staff_chat)).or_default() += 1;
        for (total, breaches) in self.breaches.iter_mut().zip(facts.breaches) {
            *total += u64::from(breaches);
        }
        for (total, warnings) in self.warnings.iter_mut().zip(facts.warnings) {
            *total += u64::from(warnings);
        }
        let escalations = facts.escalations;
        let by_trigger = [escalations.manual, escalations.breach, escalations.age, escalations.rule];
        for (total, count) in self.escalations.iter_mut().zip(by_trigger) {
            *total += u64::from(count);
        }
        if let Some(csat) = &facts.csat {
            self.surveys_asked += 1;
            if let Some(rating) = csat.rating {
                *self.ratings.entry((rating.scale.as_str(), rating.value)).or_default() += 1;
            }
        }
    }

    /// The figures of every ticket in `read`: from the facts table alone when it answers
    /// for every ticket, else from the tickets with the facts the store kept for them (a
    /// ticket of a file from before facts were kept counts by status, priority and group).
    pub fn read(read: &ReadTx) -> Result<DeskFigures, StoreError> {
        let groups = GroupFigures::read(read)?;
        let mut figures = DeskFigures { groups: groups.clone(), ..DeskFigures::default() };
        let complete = read.for_each_facts(|labels, facts| {
            figures.add(labels, facts);
            Ok::<_, StoreError>(())
        })?;
        if complete {
            return Ok(figures);
        }
        let mut figures = DeskFigures { groups, ..DeskFigures::default() };
        read.for_each_ticket_facts(|ticket, facts| {
            let labels = Labels::of(&ticket);
            match facts {
                Some(facts) => figures.add(&labels, &facts),
                None => {
                    *figures
                        .tickets
                        .entry((ticket.status, labels.priority, labels.staff_chat))
                        .or_default() += 1;
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(figures)
    }

    /// The breaches with their metric's name.
    pub fn breaches_by_metric(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Metric::ALL.iter().map(|metric| metric.as_str()).zip(self.breaches)
    }

    /// The warnings with their metric's name.
    pub fn warnings_by_metric(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Metric::ALL.iter().map(|metric| metric.as_str()).zip(self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csat::{Rating, Scale};
    use crate::metrics::CsatFacts;

    fn labels(priority: Priority, staff_chat: Option<i64>) -> Labels {
        Labels {
            assignee: Some(7),
            category: Some("billing".to_owned()),
            priority,
            form: "support".to_owned(),
            tags: vec!["vip".to_owned()],
            staff_chat,
        }
    }

    fn facts(status: Status) -> Facts {
        let at = jiff::Timestamp::from_second(1_790_000_000).expect("valid");
        let mut facts = Facts::new(at);
        facts.status = status;
        facts
    }

    #[test]
    fn tickets_count_by_status_priority_and_group_and_totals_add_up() {
        let mut figures = DeskFigures::default();
        let mut breached = facts(Status::Open);
        breached.breaches = [1, 2, 0];
        breached.warnings = [1, 0, 3];
        breached.escalations.breach = 2;
        breached.escalations.manual = 1;
        figures.add(&labels(Priority::High, Some(-100)), &breached);
        let mut rated = facts(Status::Closed);
        let at = rated.created_at;
        rated.csat = Some(CsatFacts {
            asked_at: at,
            rating: Some(Rating { scale: Scale::Five, value: 4 }),
            commented: false,
        });
        figures.add(&labels(Priority::Normal, Some(-100)), &rated);
        let mut asked = facts(Status::Closed);
        asked.csat = Some(CsatFacts { asked_at: at, rating: None, commented: false });
        figures.add(&labels(Priority::Normal, Some(-100)), &asked);
        figures.add(&labels(Priority::High, None), &facts(Status::New));

        let tickets: Vec<_> = figures.tickets.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(
            tickets,
            [
                ((Status::New, Priority::High, None), 1),
                ((Status::Open, Priority::High, Some(-100)), 1),
                ((Status::Closed, Priority::Normal, Some(-100)), 2),
            ]
        );
        let by_metric: Vec<_> = figures.breaches_by_metric().collect();
        assert_eq!(by_metric, [("first_response", 1), ("next_response", 2), ("resolution", 0)]);
        let warned: Vec<_> = figures.warnings_by_metric().collect();
        assert_eq!(warned, [("first_response", 1), ("next_response", 0), ("resolution", 3)]);
        assert_eq!(figures.escalations, [1, 2, 0, 0]);
        assert_eq!(figures.surveys_asked, 2);
        assert_eq!(figures.ratings.into_iter().collect::<Vec<_>>(), [(("five", 4), 1)]);
    }
}

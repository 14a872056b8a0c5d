//! How templates are used, for `/templates stats`: uses per template, per agent and per
//! day, the templates in force never used, and those most often followed by a reopen of
//! the ticket they were sent on (a reply that did not settle the question).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Template, TemplateUse};

/// The figures, every list best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub uses: usize,
    /// (template id, uses).
    pub by_template: Vec<(String, usize)>,
    /// (agent id, uses).
    pub by_agent: Vec<(u64, usize)>,
    /// (local day, uses), oldest first.
    pub by_day: Vec<(Date, usize)>,
    /// Templates in force with no use.
    pub never_used: Vec<String>,
    /// (template id, uses followed by a reopen, uses).
    pub reopened: Vec<(String, usize, usize)>,
}

/// Folds `uses` over the templates in force; `reopened_after(use)` says whether the
/// ticket was reopened after that use; days are local to `zone`.
pub fn usage(
    in_force: &[Template],
    uses: &[TemplateUse],
    zone: &TimeZone,
    mut reopened_after: impl FnMut(&TemplateUse) -> bool,
) -> Usage {
    let mut by_template: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_agent: BTreeMap<u64, usize> = BTreeMap::new();
    let mut by_day: BTreeMap<Date, usize> = BTreeMap::new();
    let mut reopened: BTreeMap<&str, usize> = BTreeMap::new();
    for used in uses {
        *by_template.entry(&used.template).or_default() += 1;
        *by_agent.entry(used.agent).or_default() += 1;
        *by_day.entry(zone.to_datetime(used.at).date()).or_default() += 1;
        if reopened_after(used) {
            *reopened.entry(&used.template).or_default() += 1;
        }
    }
    let sent: BTreeSet<&str> = by_template.keys().copied().collect();
    let never_used =
        in_force.iter().filter(|t| !sent.contains(t.id.as_str())).map(|t| t.id.clone()).collect();
    let mut reopened: Vec<(String, usize, usize)> =
        reopened.into_iter().map(|(id, n)| (id.to_owned(), n, by_template[id])).collect();
    // The largest share first; more uses break a tie (2 of 4 says more than 1 of 2).
    reopened.sort_by(|a, b| (b.1 * a.2).cmp(&(a.1 * b.2)).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    Usage {
        uses: uses.len(),
        by_template: best_first(by_template.into_iter().map(|(id, n)| (id.to_owned(), n))),
        by_agent: best_first(by_agent.into_iter()),
        by_day: by_day.into_iter().collect(),
        never_used,
        reopened,
    }
}

fn best_first<K: Ord>(counts: impl Iterator<Item = (K, usize)>) -> Vec<(K, usize)> {
    let mut all: Vec<(K, usize)> = counts.collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    all
}

/// How many entries each line lists.
const SHOWN: usize = 5;

impl Usage {
    /// A few plain lines for General; `name` names an agent.
    pub fn text(&self, name: impl Fn(u64) -> String) -> String {
        if self.uses == 0 {
            let mut text = "No template has been sent yet.".to_owned();
            if !self.never_used.is_empty() {
                let _ = write!(text, " In force: {}.", self.never_used.join(", "));
            }
            return text;
        }
        let mut text = format!(
            "Templates: {} uses of {} templates by {} agents.",
            self.uses,
            self.by_template.len(),
            self.by_agent.len()
        );
        let most: Vec<String> =
            self.by_template.iter().take(SHOWN).map(|(id, n)| format!("{id} {n}")).collect();
        let _ = write!(text, "\nMost used: {}", most.join(", "));
        if self.never_used.is_empty() {
            text.push_str("\nNever used: none");
        } else {
            let more = self.never_used.len().saturating_sub(SHOWN * 2);
            let listed: Vec<&str> = self.never_used.iter().take(SHOWN * 2).map(String::as_str).collect();
            let _ = write!(text, "\nNever used: {}", listed.join(", "));
            if more > 0 {
                let _ = write!(text, " and {more} more");
            }
        }
        if self.reopened.is_empty() {
            text.push_str("\nFollowed by a reopen: none");
        } else {
            let worst: Vec<String> = self
                .reopened
                .iter()
                .take(SHOWN)
                .map(|(id, reopened, uses)| format!("{id} {reopened} of {uses}"))
                .collect();
            let _ = write!(text, "\nFollowed by a reopen: {}", worst.join(", "));
        }
        let agents: Vec<String> =
            self.by_agent.iter().take(SHOWN).map(|(agent, n)| format!("{} {n}", name(*agent))).collect();
        let _ = write!(text, "\nBy agent: {}", agents.join(", "));
        let days: Vec<String> = self
            .by_day
            .iter()
            .rev()
            .take(7)
            .rev()
            .map(|(day, n)| format!("{} {n}", day.strftime("%m-%d")))
            .collect();
        let _ = write!(text, "\nBy day: {}", days.join(", "));
        text
    }
}

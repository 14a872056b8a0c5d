//! A new ticket's staff group: the rules' `group(ticket, groups)` hook names it, or the
//! default choice (`Desk::choose_group`: the first matching filter, else the overflow group
//! with the fewest active tickets and then the least used budget) decides. A hook that fails
//! is reported as every hook's failure is, and the default decides: a ticket always gets a
//! group.
//!
//! What the choice weighs is kept as tickets and calls come and go, never counted by a scan:
//! each group's active tickets by the state (`State::active_in_group`), and the calls queued
//! for each group's chat in the last minute by a counter per group ([`CallWindow`]) that
//! `Desk::queue` moves. Both are kept only while something reads them: several overflow
//! groups, or a `group` hook.

use super::{Desk, DeskError, State};
use crate::groups::{CallWindow, Load, StaffGroup, StaffGroups};
use crate::script::{GroupView, Hook};
use crate::ticket::Ticket;

/// The counter of a group's calls of the last minute, by group name.
const CALLS_OF: &str = "group_calls:";

impl Desk<'_> {
    /// The staff group a new ticket opens in.
    pub(super) fn group_for_new<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
    ) -> Result<&StaffGroup, DeskError> {
        let hooked = self.rules.scripts().has_hook(Hook::Group);
        let loads = if hooked || self.groups.weighs_load() { self.group_loads(state)? } else { Vec::new() };
        let full = self.full_groups(state)?;
        let mut named = None;
        if hooked {
            let budget = self.rules.desk().dispatcher.group_messages_per_minute;
            let views = group_views(self.groups, &loads, &full, budget);
            let outcome = self.rules.scripts().group(&self.ticket_view(ticket), &views);
            self.alert_on_failure(state, &outcome)?;
            named = outcome.value;
        }
        let full = |group: &StaffGroup| full.contains(&group.name.as_str());
        Ok(self.groups.chosen(named.as_deref(), super::capacity::sorting(ticket), &loads, full))
    }

    /// Each group's load, in desk.yaml's order.
    fn group_loads<S: State>(&self, state: &S) -> Result<Vec<Load>, DeskError> {
        let now = self.unix_seconds();
        let mut loads = Vec::with_capacity(self.groups.all().len());
        for group in self.groups.all() {
            let active = state.active_in_group(&group.name)?;
            let window = CallWindow::unpack(state.counter(&calls_key(&group.name))?.unwrap_or(0));
            loads.push(Load { active, budget_used: window.used(now) });
        }
        Ok(loads)
    }

    /// Counts a call queued for `chat_id` against its group's last minute, when the choice
    /// of a new ticket's group reads those counts.
    pub(super) fn count_group_call<S: State>(&self, state: &mut S, chat_id: i64) -> Result<(), DeskError> {
        // One group has nothing to choose between; otherwise only a reader pays for the count.
        if self.groups.all().len() < 2
            || !self.groups.weighs_load() && !self.rules.scripts().has_hook(Hook::Group)
        {
            return Ok(());
        }
        let Some(group) = self.groups.of_chat(chat_id) else { return Ok(()) };
        let key = calls_key(&group.name);
        let window = CallWindow::unpack(state.counter(&key)?.unwrap_or(0)).record(self.unix_seconds());
        state.set_counter(&key, window.pack())?;
        Ok(())
    }

    fn unix_seconds(&self) -> u64 {
        u64::try_from(self.now.as_second()).unwrap_or(0)
    }
}

/// What the `group` hook sees of each group, with its load (`loads` in desk.yaml's order;
/// a group beyond them unloaded), whether it is at its limits (`full` names those) and the
/// budget of messages a minute.
pub fn group_views(
    groups: &StaffGroups,
    loads: &[Load],
    full: &[&str],
    budget_per_minute: f64,
) -> Vec<GroupView> {
    let budget = budget_per_minute.ceil().max(0.0) as u64;
    groups
        .all()
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let load = loads.get(index).copied().unwrap_or_default();
            GroupView {
                name: group.name.clone(),
                chat: group.chat,
                categories: group.filter.categories.clone(),
                forms: group.filter.forms.clone(),
                tags: group.filter.tags.clone(),
                active: load.active,
                calls_last_minute: load.budget_used.div_ceil(60),
                budget_per_minute: budget,
                full: full.contains(&group.name.as_str()),
            }
        })
        .collect()
}

fn calls_key(group: &str) -> String {
    format!("{CALLS_OF}{group}")
}

//! Staff groups' capacity, counted: the topics the desk opened and the messages it posted
//! in each group's chat, kept as counters (`group_topics:<chat>`, `group_messages:<chat>`)
//! so they survive restarts. A group whose desk.yaml `limits` are reached takes no new
//! tickets while another group of its filter has room (`StaffGroups::choose`); crossing
//! 80 % of a limit, and reaching it, is told once in the group's General, and the level
//! reached is kept (`group_level:<chat>`: 0 below, 1 warned, 2 full) for the metrics.

use super::{Desk, DeskError, State};
use crate::groups::{Level, Sorting, StaffGroup, Usage};
use crate::ticket::Ticket;

const TOPICS: &str = "group_topics:";
const MESSAGES: &str = "group_messages:";
const LEVEL: &str = "group_level:";

/// The counter prefixes, for readers outside the desk (the metrics).
pub const USAGE_PREFIXES: [&str; 3] = [TOPICS, MESSAGES, LEVEL];

fn level_number(level: Level) -> u64 {
    match level {
        Level::Below => 0,
        Level::Warning => 1,
        Level::Full => 2,
    }
}

impl Desk<'_> {
    /// What the desk has put in the group whose chat is `chat`.
    pub(super) fn usage<S: State>(state: &S, chat: i64) -> Result<Usage, DeskError> {
        Ok(Usage {
            topics: state.counter(&format!("{TOPICS}{chat}"))?.unwrap_or(0),
            messages: state.counter(&format!("{MESSAGES}{chat}"))?.unwrap_or(0),
        })
    }

    /// The names of the groups at a limit: they take no new ticket while another of their
    /// filter has room.
    pub(super) fn full_groups<S: State>(&self, state: &S) -> Result<Vec<&str>, DeskError> {
        let mut full = Vec::new();
        for group in self.groups.all() {
            if Self::is_full(state, group)? {
                full.push(group.name.as_str());
            }
        }
        Ok(full)
    }

    /// The ticket's group, or when it is at its limit the next of its filter with room (the
    /// last of them when none has): where a ticket that needs a new topic gets it.
    pub(super) fn group_with_room<S: State>(
        &self,
        state: &S,
        ticket: &Ticket,
    ) -> Result<&StaffGroup, DeskError> {
        let mut group = self.group_of(ticket);
        while Self::is_full(state, group)? {
            let Some(next) = self.groups.next_of_filter(group) else { break };
            group = next;
        }
        Ok(group)
    }

    fn is_full<S: State>(state: &S, group: &StaffGroup) -> Result<bool, DeskError> {
        Ok(!group.capacity.is_unlimited()
            && group.capacity.level(Self::usage(state, group.chat)?) == Level::Full)
    }

    /// The desk opened a topic in `chat`.
    pub(super) fn count_topic<S: State>(&self, state: &mut S, chat: i64) -> Result<(), DeskError> {
        self.count(state, chat, TOPICS, 1)
    }

    /// Telegram took `messages` new messages of the desk's in `chat` (any chat: only the
    /// staff groups' are counted).
    pub(super) fn count_posted<S: State>(
        &self,
        state: &mut S,
        chat: i64,
        messages: u64,
    ) -> Result<(), DeskError> {
        self.count(state, chat, MESSAGES, messages)
    }

    fn count<S: State>(&self, state: &mut S, chat: i64, prefix: &str, added: u64) -> Result<(), DeskError> {
        let Some(group) = self.groups.of_chat(chat) else { return Ok(()) };
        let chat = group.chat;
        let name = format!("{prefix}{chat}");
        let now = state.counter(&name)?.unwrap_or(0).saturating_add(added);
        state.set_counter(&name, now)?;
        if group.capacity.is_unlimited() {
            return Ok(());
        }
        let usage = Self::usage(state, chat)?;
        let level = group.capacity.level(usage);
        let name = format!("{LEVEL}{chat}");
        let told = state.counter(&name)?.unwrap_or(0);
        if level_number(level) == told {
            return Ok(());
        }
        state.set_counter(&name, level_number(level))?;
        // A raised limit lowers the level quietly; a higher one is told once.
        if level_number(level) < told {
            return Ok(());
        }
        let text = self.capacity_notice(group, level, &group.capacity.describe(usage));
        self.say_in_general_of(state, chat, text, Vec::new())
    }

    fn capacity_notice(&self, group: &StaffGroup, level: Level, used: &str) -> String {
        let next = self.groups.next_of_filter(group);
        match (level, next) {
            (Level::Full, Some(next)) => format!(
                "⚠ The {} group reached its limit ({used}): new tickets open in the {} group from now on; \
                 tickets already here stay here.",
                group.name, next.name
            ),
            (Level::Full, None) => format!(
                "⚠ The {} group reached its limit ({used}) and no other group has its filter: new tickets \
                 still open here. Add a group with the same filter to desk.yaml `staff_groups`.",
                group.name
            ),
            (_, Some(next)) => format!(
                "⚠ The {} group has used {}% of its limit ({used}). At the limit new tickets open in the {} group.",
                group.name,
                crate::groups::WARN_PERCENT,
                next.name
            ),
            (_, None) => format!(
                "⚠ The {} group has used {}% of its limit ({used}), and no other group has its filter: add \
                 one to desk.yaml `staff_groups` before it is reached.",
                group.name,
                crate::groups::WARN_PERCENT
            ),
        }
    }
}

/// What the choice of a group looks at in a ticket.
pub(super) fn sorting(ticket: &Ticket) -> Sorting<'_> {
    Sorting { form: &ticket.form, category: ticket.category.as_deref(), tags: &ticket.tags }
}

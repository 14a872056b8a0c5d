//! Staff groups, pure: the forum supergroups the desk works in (desk.yaml `staff_groups`,
//! or the single `staff_chat` as one group named `staff`), each with the filter that says
//! which tickets it takes, and the choice of a new ticket's group.
//!
//! A ticket's topic chat is its group: once its topic exists, the group is the one whose
//! chat (or a chat it had before Telegram moved it) holds the topic. Before that, the group
//! is chosen from the ticket's form, category and tags by [`StaffGroups::choose`]: the first
//! group, in desk.yaml's order, whose filter matches; else an overflow group (one without a
//! filter), the least loaded of them by [`overflow`]; when no group takes it, the first
//! group does. The rules' `group(ticket, groups)` hook may name the group instead
//! ([`StaffGroups::chosen`]). A supervisor's `/transfer <group>` gives the ticket a new
//! topic in another group (`src/desk/transfer.rs`).
//!
//! What the choice weighs of a group ([`Load`]) is given to it: its active tickets and the
//! calls queued for its chat in the last minute ([`CallWindow`]), kept by the desk.
//!
//! Capacity: desk.yaml may limit a group's topics and the messages the desk posts in it
//! ([`Capacity`]); a forum with about a million messages starts losing old topics. A group
//! at its limit takes no new tickets: the next group with the same filter does (rollover),
//! and an overflow group at its limit leaves them to the other overflow groups. When every
//! group of that filter is at its limit, the last of them still takes them (of overflow
//! groups, the least loaded): a ticket always has a group, and the desk has warned in
//! General. The desk counts what each group holds (`Usage`, kept in `src/desk/capacity.rs`).

use std::collections::BTreeSet;

/// The name of the one group desk.yaml `staff_chat:` (or `--staff-chat`) stands for.
pub const DEFAULT_GROUP: &str = "staff";

/// Which tickets a group takes. Each non-empty list must match: the ticket's category is
/// one of `categories`, its form one of `forms`, one of its tags one of `tags`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub categories: Vec<String>,
    pub forms: Vec<String>,
    pub tags: Vec<String>,
}

/// One staff group: its name, its chat as of now and the ids that chat had before
/// Telegram moved it (a supergroup migration), its filter and its limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGroup {
    pub name: String,
    pub chat: i64,
    pub former: Vec<i64>,
    pub filter: Filter,
    pub capacity: Capacity,
}

/// How much a group may hold (desk.yaml `staff_groups[].limits`); `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capacity {
    /// Topics the desk has opened in the group.
    pub topics: Option<u64>,
    /// Messages the desk has posted in the group (cards, relayed messages, notices).
    pub messages: Option<u64>,
}

/// What the desk has put in a group so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub topics: u64,
    pub messages: u64,
}

/// Where a group stands against its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Below,
    /// At [`WARN_PERCENT`] of a limit or more.
    Warning,
    /// At a limit: the group takes no new tickets while another of its filter has room.
    Full,
}

/// The share of a limit at which the desk warns.
pub const WARN_PERCENT: u64 = 80;

impl Capacity {
    pub fn is_unlimited(&self) -> bool {
        self.topics.is_none() && self.messages.is_none()
    }

    /// Where `usage` stands: the higher of the two measures.
    pub fn level(&self, usage: Usage) -> Level {
        let of = |used: u64, limit: Option<u64>| match limit {
            Some(limit) if used >= limit => Level::Full,
            Some(limit) if used.saturating_mul(100) >= limit.saturating_mul(WARN_PERCENT) => Level::Warning,
            _ => Level::Below,
        };
        of(usage.topics, self.topics).max(of(usage.messages, self.messages))
    }

    /// The measure nearest its limit, in words: "8,000 of 10,000 messages".
    pub fn describe(&self, usage: Usage) -> String {
        let share = |used: u64, limit: u64| used.saturating_mul(1_000) / limit.max(1);
        let mut measures = Vec::new();
        if let Some(limit) = self.topics {
            measures.push((share(usage.topics, limit), format!("{} of {} topics", usage.topics, limit)));
        }
        if let Some(limit) = self.messages {
            measures
                .push((share(usage.messages, limit), format!("{} of {} messages", usage.messages, limit)));
        }
        measures.into_iter().max_by_key(|(share, _)| *share).map(|(_, words)| words).unwrap_or_default()
    }
}

/// The desk's staff groups: never empty. The first is the desk's own, where notices that
/// concern no one ticket go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGroups {
    groups: Vec<StaffGroup>,
}

/// What the desk knows of a group's load when a ticket opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// The group's active tickets (not resolved, not closed).
    pub active: u64,
    /// Calls queued for the group's chat in the last minute, in sixtieths of a call
    /// ([`CallWindow::used`]): how much of its per-minute budget is spoken for.
    pub budget_used: u64,
}

/// The calls queued for a group's chat in the current minute and the one before, which
/// estimate the calls of the last sixty seconds (a sliding window: the previous minute
/// weighs as much as it still overlaps them). Kept as one number among the desk's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallWindow {
    /// Minutes since the Unix epoch of `current`.
    pub minute: u64,
    pub current: u64,
    pub previous: u64,
}

/// Each count saturates here: far past any group's budget of a minute.
const WINDOW_COUNT_MAX: u64 = 0xFFFF;

impl CallWindow {
    /// One more call at `unix_seconds`.
    pub fn record(self, unix_seconds: u64) -> CallWindow {
        let mut window = self.at(unix_seconds / 60);
        window.current = (window.current + 1).min(WINDOW_COUNT_MAX);
        window
    }

    /// The calls of the sixty seconds up to `unix_seconds`, in sixtieths of a call: this
    /// minute's calls and the share of the previous minute's still in the window.
    pub fn used(self, unix_seconds: u64) -> u64 {
        let window = self.at(unix_seconds / 60);
        let into_minute = unix_seconds % 60;
        window.current * 60 + window.previous * (60 - into_minute)
    }

    /// The window as of `minute`: counts of minutes gone by move back or drop out.
    fn at(self, minute: u64) -> CallWindow {
        match minute.checked_sub(self.minute) {
            Some(0) => self,
            Some(1) => CallWindow { minute, current: 0, previous: self.current },
            // Further on, or the clock stepped back: nothing recent is known.
            _ if minute < self.minute => self,
            _ => CallWindow { minute, current: 0, previous: 0 },
        }
    }

    /// As one counter: the minute in the high 32 bits, the two counts below.
    pub fn pack(self) -> u64 {
        (self.minute.min(u64::from(u32::MAX)) << 32)
            | (self.current.min(WINDOW_COUNT_MAX) << 16)
            | self.previous.min(WINDOW_COUNT_MAX)
    }

    pub fn unpack(packed: u64) -> CallWindow {
        CallWindow {
            minute: packed >> 32,
            current: (packed >> 16) & WINDOW_COUNT_MAX,
            previous: packed & WINDOW_COUNT_MAX,
        }
    }
}

/// The overflow group a ticket goes to among `candidates` (groups without a filter, in
/// desk.yaml's order, with their loads): the one with the fewest active tickets; on a tie,
/// the one whose budget is least used; then the first.
pub fn overflow<'g>(candidates: impl IntoIterator<Item = (&'g StaffGroup, Load)>) -> Option<&'g StaffGroup> {
    // `min_by_key` keeps the first of equal keys: desk.yaml's order settles the last tie.
    candidates.into_iter().min_by_key(|(_, load)| (load.active, load.budget_used)).map(|(group, _)| group)
}

/// What a ticket shows the choice of its group.
#[derive(Clone, Copy, Debug)]
pub struct Sorting<'a> {
    pub form: &'a str,
    pub category: Option<&'a str>,
    pub tags: &'a BTreeSet<String>,
}

impl Filter {
    /// A filter with no list takes what no other group's filter took.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.forms.is_empty() && self.tags.is_empty()
    }

    /// Whether every list of the filter matches the ticket (an empty filter matches nothing
    /// here: it is the fallback, chosen by [`StaffGroups::choose`]).
    pub fn matches(&self, ticket: Sorting<'_>) -> bool {
        if self.is_empty() {
            return false;
        }
        let category = self.categories.is_empty()
            || ticket.category.is_some_and(|category| self.categories.iter().any(|own| own == category));
        let form = self.forms.is_empty() || self.forms.iter().any(|own| own == ticket.form);
        let tags = self.tags.is_empty() || self.tags.iter().any(|own| ticket.tags.contains(own));
        category && form && tags
    }
}

impl StaffGroup {
    /// Whether `chat_id` is this group's chat, now or before Telegram moved it.
    pub fn holds(&self, chat_id: i64) -> bool {
        self.chat == chat_id || self.former.contains(&chat_id)
    }
}

impl StaffGroups {
    /// The groups in desk.yaml's order; `None` when there is none.
    pub fn new(groups: Vec<StaffGroup>) -> Option<StaffGroups> {
        (!groups.is_empty()).then_some(StaffGroups { groups })
    }

    /// One group, `staff`, taking every ticket: desk.yaml `staff_chat` or `--staff-chat`.
    pub fn single(chat: i64) -> StaffGroups {
        StaffGroups {
            groups: vec![StaffGroup {
                name: DEFAULT_GROUP.to_owned(),
                chat,
                former: Vec::new(),
                filter: Filter::default(),
                capacity: Capacity::default(),
            }],
        }
    }

    /// Every group, in desk.yaml's order.
    pub fn all(&self) -> &[StaffGroup] {
        &self.groups
    }

    /// Mutable access for the host, which follows each group's chat as Telegram moves it.
    pub fn all_mut(&mut self) -> &mut [StaffGroup] {
        &mut self.groups
    }

    /// The desk's own group (the first): desk-wide notices go to its General.
    pub fn desk_group(&self) -> &StaffGroup {
        &self.groups[0]
    }

    /// The group whose chat is `chat_id` (now or before a move).
    pub fn of_chat(&self, chat_id: i64) -> Option<&StaffGroup> {
        self.groups.iter().find(|group| group.holds(chat_id))
    }

    /// Whether `chat_id` is one of the staff groups' chats.
    pub fn is_staff(&self, chat_id: i64) -> bool {
        self.of_chat(chat_id).is_some()
    }

    /// The group named `name`.
    pub fn named(&self, name: &str) -> Option<&StaffGroup> {
        self.groups.iter().find(|group| group.name == name)
    }

    /// Where a call for `chat_id` goes: a group's current chat for any id it had before,
    /// any other chat as it is.
    pub fn current(&self, chat_id: i64) -> i64 {
        self.of_chat(chat_id).map_or(chat_id, |group| group.chat)
    }

    /// Telegram moved the group whose chat is `from` to `to`: the group follows. False when
    /// `from` is no group's current chat.
    pub fn moved(&mut self, from: i64, to: i64) -> bool {
        let Some(group) = self.groups.iter_mut().find(|group| group.chat == from) else { return false };
        group.former.push(from);
        group.chat = to;
        true
    }

    /// The group a new ticket goes to by default: the first whose filter matches, else the
    /// least loaded overflow group (see [`overflow`]), else the first group; a group that is
    /// `full` gives way to the next with the same filter (the last of them takes it when all
    /// are full). `loads` are the groups' in desk.yaml's order; a group beyond them counts as
    /// unloaded.
    pub fn choose(
        &self,
        ticket: Sorting<'_>,
        loads: &[Load],
        full: impl Fn(&StaffGroup) -> bool,
    ) -> &StaffGroup {
        let load = |index: usize| loads.get(index).copied().unwrap_or_default();
        let chain_of = |first: &'_ StaffGroup| {
            let chain = || self.groups.iter().filter(move |group| group.filter == first.filter);
            chain().find(|group| !full(group)).or_else(|| chain().next_back())
        };
        if let Some(first) = self.groups.iter().find(|group| group.filter.matches(ticket)) {
            return chain_of(first).unwrap_or(first);
        }
        let unfiltered = || self.groups.iter().enumerate().filter(|(_, group)| group.filter.is_empty());
        let with_room =
            overflow(unfiltered().filter(|(_, group)| !full(group)).map(|(i, group)| (group, load(i))));
        with_room
            .or_else(|| overflow(unfiltered().map(|(i, group)| (group, load(i)))))
            .or_else(|| chain_of(&self.groups[0]))
            .unwrap_or(&self.groups[0])
    }

    /// The group after `group` with the same filter: where its new tickets go once it is full.
    pub fn next_of_filter(&self, group: &StaffGroup) -> Option<&StaffGroup> {
        let at = self.groups.iter().position(|own| own.name == group.name)?;
        self.groups[at + 1..].iter().find(|own| own.filter == group.filter)
    }

    /// The group a new ticket goes to: the one the `group` hook named (`hooked`), else the
    /// default [`choose`](Self::choose). A name no group has is the default's too.
    pub fn chosen(
        &self,
        hooked: Option<&str>,
        ticket: Sorting<'_>,
        loads: &[Load],
        full: impl Fn(&StaffGroup) -> bool,
    ) -> &StaffGroup {
        hooked.and_then(|name| self.named(name)).unwrap_or_else(|| self.choose(ticket, loads, full))
    }

    /// Whether the default choice weighs loads: there are several overflow groups.
    pub fn weighs_load(&self) -> bool {
        self.groups.iter().filter(|group| group.filter.is_empty()).count() > 1
    }

    /// Which tickets go where, in plain words, for `topicdesk check`.
    pub fn explain(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                let filter = &group.filter;
                if filter.is_empty() {
                    let shared = if self.weighs_load() {
                        ", shared with the other overflow groups: the one with the fewest active \
                         tickets, then the least used budget"
                    } else {
                        ""
                    };
                    return format!(
                        "{} (chat {}): overflow, tickets no other group's filter takes{shared}",
                        group.name, group.chat
                    );
                }
                let mut parts = Vec::new();
                if !filter.categories.is_empty() {
                    parts.push(format!("category {}", filter.categories.join(" or ")));
                }
                if !filter.forms.is_empty() {
                    parts.push(format!("form {}", filter.forms.join(" or ")));
                }
                if !filter.tags.is_empty() {
                    parts.push(format!("tag {}", filter.tags.join(" or ")));
                }
                format!("{} (chat {}): new tickets with {}", group.name, group.chat, parts.join(" and "))
            })
            .zip(&self.groups)
            .map(|(line, group)| match (group.capacity.topics, group.capacity.messages) {
                (None, None) => line,
                (topics, messages) => {
                    let limits: Vec<String> = [(topics, "topics"), (messages, "messages")]
                        .into_iter()
                        .filter_map(|(limit, what)| limit.map(|limit| format!("{limit} {what}")))
                        .collect();
                    let then = self.next_of_filter(group).map_or_else(
                        || "then it keeps taking them (no other group has its filter)".to_owned(),
                        |next| format!("then {} takes them", next.name),
                    );
                    format!("{line}; at most {}, {then}", limits.join(" and "))
                }
            })
            .collect();
        if self.groups.iter().all(|group| !group.filter.is_empty()) {
            let first = &self.groups[0].name;
            lines.push(format!("tickets no filter takes go to {first}, the first group"));
        }
        if self.groups.len() > 1 {
            lines.push(format!(
                "desk-wide notices (alerts, the digest's failures) go to {}'s General",
                self.groups[0].name
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, chat: i64, categories: &[&str], forms: &[&str], tags: &[&str]) -> StaffGroup {
        let list = |items: &[&str]| items.iter().map(|item| (*item).to_owned()).collect();
        StaffGroup {
            name: name.to_owned(),
            chat,
            former: Vec::new(),
            filter: Filter { categories: list(categories), forms: list(forms), tags: list(tags) },
            capacity: Capacity::default(),
        }
    }

    #[track_caller]
    fn check(groups: &StaffGroups, form: &str, category: Option<&str>, tags: &[&str], expect: &str) {
        let tags: BTreeSet<String> = tags.iter().map(|tag| (*tag).to_owned()).collect();
        let chosen = groups.choose(Sorting { form, category, tags: &tags }, &[], |_| false);
        assert_eq!(chosen.name, expect, "form {form}, category {category:?}, tags {tags:?}");
    }

    #[test]
    fn the_first_matching_filter_chooses_and_an_unfiltered_group_takes_the_rest() {
        let groups = StaffGroups::new(vec![
            group("general", -1, &[], &[], &[]),
            group("billing", -2, &["billing", "refunds"], &[], &[]),
            group("vip", -3, &[], &[], &["vip"]),
            group("bugs", -4, &["technical"], &["bug"], &[]),
        ])
        .expect("groups");
        check(&groups, "support", Some("billing"), &[], "billing");
        check(&groups, "support", Some("refunds"), &["vip"], "billing");
        check(&groups, "support", Some("other"), &["vip"], "vip");
        check(&groups, "bug", Some("technical"), &[], "bugs");
        check(&groups, "support", Some("technical"), &[], "general");
        check(&groups, "bug", None, &[], "general");
        check(&groups, "support", None, &[], "general");
    }

    #[test]
    fn with_every_group_filtered_the_first_takes_what_no_filter_took() {
        let groups = StaffGroups::new(vec![
            group("billing", -2, &["billing"], &[], &[]),
            group("tech", -3, &["technical"], &[], &[]),
        ])
        .expect("groups");
        check(&groups, "support", Some("technical"), &[], "tech");
        check(&groups, "support", Some("other"), &[], "billing");
        assert!(groups.explain().iter().any(|line| line.contains("no filter takes go to billing")));
    }

    fn load(active: u64, budget_used: u64) -> Load {
        Load { active, budget_used }
    }

    fn overflowing() -> StaffGroups {
        StaffGroups::new(vec![
            group("billing", -1, &["billing"], &[], &[]),
            group("one", -2, &[], &[], &[]),
            group("two", -3, &[], &[], &[]),
            group("three", -4, &[], &[], &[]),
        ])
        .expect("groups")
    }

    #[track_caller]
    fn overflow_goes_to(loads: &[Load], expect: &str) {
        let groups = overflowing();
        let tags = BTreeSet::new();
        let ticket = Sorting { form: "support", category: Some("other"), tags: &tags };
        assert_eq!(groups.choose(ticket, loads, |_| false).name, expect, "loads {loads:?}");
    }

    #[test]
    fn overflow_groups_share_by_active_tickets_then_budget_then_order() {
        // Fewest active tickets first, whatever the budget.
        overflow_goes_to(&[load(0, 0), load(5, 0), load(2, 900), load(3, 0)], "two");
        // A tie on active tickets: the least used budget.
        overflow_goes_to(&[load(0, 0), load(2, 600), load(2, 60), load(2, 120)], "two");
        overflow_goes_to(&[load(0, 0), load(2, 600), load(2, 600), load(2, 120)], "three");
        // A tie on both: desk.yaml's order.
        overflow_goes_to(&[load(0, 0), load(1, 60), load(1, 60), load(1, 60)], "one");
        overflow_goes_to(&[load(0, 0), load(4, 0), load(1, 60), load(1, 60)], "two");
        // Unknown loads count as none: the first overflow group.
        overflow_goes_to(&[], "one");
        // A filter that matches still takes its ticket, whatever the loads.
        let groups = overflowing();
        let tags = BTreeSet::new();
        let billing = Sorting { form: "support", category: Some("billing"), tags: &tags };
        let loads = [load(90, 900), load(0, 0), load(0, 0), load(0, 0)];
        assert_eq!(groups.choose(billing, &loads, |_| false).name, "billing");
        assert!(groups.weighs_load());
        assert!(!StaffGroups::single(-1).weighs_load());
    }

    #[test]
    fn the_hooks_choice_stands_and_an_unknown_name_is_the_defaults() {
        let groups = overflowing();
        let tags = BTreeSet::new();
        let billing = Sorting { form: "support", category: Some("billing"), tags: &tags };
        let loads = [load(0, 0), load(3, 0), load(1, 0), load(2, 0)];
        assert_eq!(groups.chosen(Some("three"), billing, &loads, |_| false).name, "three");
        assert_eq!(groups.chosen(Some("one"), billing, &loads, |_| false).name, "one");
        assert_eq!(groups.chosen(None, billing, &loads, |_| false).name, "billing");
        assert_eq!(groups.chosen(Some("nowhere"), billing, &loads, |_| false).name, "billing");
        let other = Sorting { form: "support", category: None, tags: &tags };
        assert_eq!(groups.chosen(None, other, &loads, |_| false).name, "two");
    }

    #[test]
    fn the_call_window_slides_over_the_last_minute() {
        let minute = 29_000_000u64;
        let start = minute * 60;
        let mut window = CallWindow::default();
        for _ in 0..4 {
            window = window.record(start + 10);
        }
        assert_eq!(window, CallWindow { minute, current: 4, previous: 0 });
        assert_eq!(window.used(start + 59), 4 * 60);
        // Next minute: the previous one weighs as much as it still overlaps the last 60 s.
        assert_eq!(window.used(start + 60), 4 * 60);
        assert_eq!(window.used(start + 75), 4 * 45);
        window = window.record(start + 90);
        assert_eq!(window, CallWindow { minute: minute + 1, current: 1, previous: 4 });
        assert_eq!(window.used(start + 90), 60 + 4 * 30);
        // Two minutes on, nothing is recent.
        assert_eq!(window.used(start + 180), 0);
        assert_eq!(window.record(start + 200), CallWindow { minute: minute + 3, current: 1, previous: 0 });
        // A clock stepping back reads what is known and counts into it.
        assert_eq!(window.record(start), CallWindow { minute: minute + 1, current: 2, previous: 4 });
        assert_eq!(CallWindow::unpack(window.pack()), window);
        let full = CallWindow { minute, current: 70_000, previous: 3 };
        assert_eq!(CallWindow::unpack(full.pack()), CallWindow { minute, current: 0xFFFF, previous: 3 });
    }

    #[test]
    fn a_moved_chat_is_still_its_group() {
        let mut groups = StaffGroups::new(vec![group("a", -1, &[], &[], &[]), group("b", -2, &[], &[], &[])])
            .expect("groups");
        groups.all_mut()[1].former.push(-2);
        groups.all_mut()[1].chat = -20;
        assert_eq!(groups.current(-2), -20);
        assert_eq!(groups.of_chat(-2).map(|g| g.name.as_str()), Some("b"));
        assert_eq!(groups.current(-1), -1);
        assert_eq!(groups.current(5), 5);
        assert!(!groups.is_staff(5));
    }

    #[test]
    fn no_group_is_no_groups() {
        assert!(StaffGroups::new(Vec::new()).is_none());
        assert_eq!(StaffGroups::single(-7).desk_group().name, DEFAULT_GROUP);
    }

    #[test]
    fn a_full_group_rolls_over_to_the_next_of_its_filter_and_the_last_takes_the_rest() {
        let groups = StaffGroups::new(vec![
            group("billing", -2, &["billing"], &[], &[]),
            group("general", -1, &[], &[], &[]),
            group("billing-2", -3, &["billing"], &[], &[]),
            group("billing-3", -4, &["billing"], &[], &[]),
            group("general-2", -5, &[], &[], &[]),
        ])
        .expect("groups");
        let tags = BTreeSet::new();
        let billing = Sorting { form: "support", category: Some("billing"), tags: &tags };
        let other = Sorting { form: "support", category: Some("other"), tags: &tags };
        let full =
            |names: &'static [&'static str]| move |group: &StaffGroup| names.contains(&group.name.as_str());
        assert_eq!(groups.choose(billing, &[], full(&[])).name, "billing");
        assert_eq!(groups.choose(billing, &[], full(&["billing"])).name, "billing-2");
        assert_eq!(groups.choose(billing, &[], full(&["billing", "billing-2"])).name, "billing-3");
        // Never to a group of another filter: its agents may not see billing's tickets.
        assert_eq!(
            groups.choose(billing, &[], full(&["billing", "billing-2", "billing-3"])).name,
            "billing-3"
        );
        assert_eq!(groups.choose(other, &[], full(&["general"])).name, "general-2");
        // An overflow group at its limit leaves its tickets to the others, however loaded;
        // when all are full, the least loaded takes them.
        let loads = [
            Load::default(),
            Load::default(),
            Load::default(),
            Load::default(),
            Load { active: 5, budget_used: 0 },
        ];
        assert_eq!(groups.choose(other, &loads, full(&["general"])).name, "general-2");
        assert_eq!(groups.choose(other, &loads, full(&["general", "general-2"])).name, "general");
        assert_eq!(groups.next_of_filter(&groups.all()[0]).map(|g| g.name.as_str()), Some("billing-2"));
        assert_eq!(groups.next_of_filter(&groups.all()[3]), None);
    }

    #[test]
    fn a_level_is_the_measure_nearest_its_limit() {
        let capacity = Capacity { topics: Some(100), messages: Some(10_000) };
        let at = |topics, messages| capacity.level(Usage { topics, messages });
        assert_eq!(at(79, 7_999), Level::Below);
        assert_eq!(at(80, 0), Level::Warning);
        assert_eq!(at(0, 8_000), Level::Warning);
        assert_eq!(at(99, 10_000), Level::Full);
        assert_eq!(at(100, 0), Level::Full);
        assert_eq!(Capacity::default().level(Usage { topics: u64::MAX, messages: u64::MAX }), Level::Below);
        assert_eq!(capacity.describe(Usage { topics: 10, messages: 8_500 }), "8500 of 10000 messages");
        assert_eq!(capacity.describe(Usage { topics: 90, messages: 8_500 }), "90 of 100 topics");
    }
}

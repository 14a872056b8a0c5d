//! Staff groups, pure: the forum supergroups the desk works in (desk.yaml `staff_groups`,
//! or the single `staff_chat` as one group named `staff`), each with the filter that says
//! which tickets it takes, and the choice of a new ticket's group.
//!
//! A ticket's topic chat is its group: once its topic exists, the group is the one whose
//! chat (or a chat it had before Telegram moved it) holds the topic. Before that, the group
//! is chosen from the ticket's form, category and tags by [`StaffGroups::choose`]: the first
//! group, in desk.yaml's order, whose filter matches; a group without a filter takes what
//! no filter took; when no group takes it, the first group does. A supervisor's
//! `/transfer <group>` gives the ticket a new topic in another group (`src/desk/transfer.rs`).

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
/// Telegram moved it (a supergroup migration), and its filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGroup {
    pub name: String,
    pub chat: i64,
    pub former: Vec<i64>,
    pub filter: Filter,
}

/// The desk's staff groups: never empty. The first is the desk's own, where notices that
/// concern no one ticket go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGroups {
    groups: Vec<StaffGroup>,
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

    /// The group a new ticket goes to: the first whose filter matches, else the first
    /// without a filter, else the first group.
    pub fn choose(&self, ticket: Sorting<'_>) -> &StaffGroup {
        self.groups
            .iter()
            .find(|group| group.filter.matches(ticket))
            .or_else(|| self.groups.iter().find(|group| group.filter.is_empty()))
            .unwrap_or(&self.groups[0])
    }

    /// Which tickets go where, in plain words, for `topicdesk check`.
    pub fn explain(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                let filter = &group.filter;
                if filter.is_empty() {
                    return format!(
                        "{} (chat {}): tickets no other group's filter takes",
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
        }
    }

    #[track_caller]
    fn check(groups: &StaffGroups, form: &str, category: Option<&str>, tags: &[&str], expect: &str) {
        let tags: BTreeSet<String> = tags.iter().map(|tag| (*tag).to_owned()).collect();
        let chosen = groups.choose(Sorting { form, category, tags: &tags });
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
}

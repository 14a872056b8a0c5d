//! desk.yaml `staff_groups` (or the single `staff_chat`, its shorthand) and team.yaml's
//! `groups:` per agent, checked at `path:line:col`: names and chats unique, the categories
//! and forms a filter names offered by the forms, the groups an agent names defined.
//! The pure vocabulary and the choice of a ticket's group are `crate::groups`'.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;

use super::desk::{DeskConfig, Located};
use super::form::{FieldKind, Form};
use super::team::Team;
use super::yaml::Segment;
use crate::diagnostic::{Diagnostic, FileSink, Position};
use crate::groups::{Capacity, Filter, StaffGroup, StaffGroups};

/// One entry of desk.yaml `staff_groups`, as written, with where each part is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGroupConfig {
    pub name: Located<String>,
    pub chat: Located<i64>,
    pub categories: Vec<Located<String>>,
    pub forms: Vec<Located<String>>,
    pub tags: Vec<String>,
    pub capacity: Capacity,
}

/// desk.yaml `staff_groups[].limits`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    topics: Option<u64>,
    messages: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStaffGroup {
    name: String,
    chat: i64,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    limits: Option<RawLimits>,
}

impl DeskConfig {
    /// The staff groups desk.yaml names, their chats as configured; `None` when it names
    /// none (neither `staff_groups` nor `staff_chat`). `override_chat` (`--staff-chat`)
    /// stands for the one group of a desk with one.
    pub fn staff_groups(&self, override_chat: Option<i64>) -> Option<StaffGroups> {
        if self.staff_groups.is_empty() {
            return override_chat.or(self.staff_chat).map(StaffGroups::single);
        }
        let one = self.staff_groups.len() == 1;
        let groups = self
            .staff_groups
            .iter()
            .map(|group| StaffGroup {
                name: group.name.value.clone(),
                chat: override_chat.filter(|_| one).unwrap_or(group.chat.value),
                former: Vec::new(),
                filter: Filter {
                    categories: group.categories.iter().map(|c| c.value.clone()).collect(),
                    forms: group.forms.iter().map(|f| f.value.clone()).collect(),
                    tags: group.tags.clone(),
                },
                capacity: group.capacity,
            })
            .collect();
        StaffGroups::new(groups)
    }
}

/// The `staff_groups` entries, checked on their own: names unique and not empty, chats
/// unique and negative (a group's id), not beside `staff_chat`.
pub(crate) fn staff_groups(
    raw: Vec<RawStaffGroup>,
    staff_chat: Option<i64>,
    at: &dyn Fn(&[Segment]) -> Position,
    sink: &mut FileSink<'_>,
) -> Vec<StaffGroupConfig> {
    let key = |name: &str| Segment::Key(name.to_owned());
    if staff_chat.is_some() && !raw.is_empty() {
        sink.error(
            at(&[key("staff_chat")]),
            "`staff_chat` and `staff_groups` are both set: `staff_chat` is the shorthand for one group; \
             list that chat in `staff_groups` instead",
        );
    }
    let mut groups: Vec<StaffGroupConfig> = Vec::new();
    for (index, entry) in raw.into_iter().enumerate() {
        let part = |name: &str| at(&[key("staff_groups"), Segment::Index(index), key(name)]);
        let list = |name: &str, values: Vec<String>| -> Vec<Located<String>> {
            values
                .into_iter()
                .enumerate()
                .map(|(item, value)| Located {
                    value,
                    position: at(&[
                        key("staff_groups"),
                        Segment::Index(index),
                        key(name),
                        Segment::Index(item),
                    ]),
                })
                .collect()
        };
        let name = entry.name.trim().to_owned();
        if name.is_empty() || name.contains(char::is_whitespace) {
            sink.error(
                part("name"),
                format!("staff group name `{}` must be one word, like `billing`", entry.name),
            );
            continue;
        }
        if let Some(first) = groups.iter().find(|group| group.name.value == name) {
            let line = first.name.position.line;
            sink.error(part("name"), format!("staff group `{name}` is listed twice (first at line {line})"));
            continue;
        }
        if entry.chat >= 0 {
            sink.error(
                part("chat"),
                format!("staff group `{name}`: chat {} is not a group's id (a supergroup's id is negative, like -1001234567890)", entry.chat),
            );
            continue;
        }
        if let Some(first) = groups.iter().find(|group| group.chat.value == entry.chat) {
            sink.error(
                part("chat"),
                format!("staff groups `{}` and `{name}` name the same chat {}", first.name.value, entry.chat),
            );
            continue;
        }
        let limits = entry.limits.unwrap_or(RawLimits { topics: None, messages: None });
        // The schema holds each limit to 1 or more.
        let capacity = Capacity { topics: limits.topics, messages: limits.messages };
        groups.push(StaffGroupConfig {
            name: Located { value: name, position: part("name") },
            chat: Located { value: entry.chat, position: part("chat") },
            categories: list("categories", entry.categories),
            forms: list("forms", entry.forms),
            tags: entry.tags,
            capacity,
        });
    }
    groups
}

/// Checks what groups name in other files: the categories and forms of each filter
/// (desk.yaml) and the groups each agent works in (team.yaml).
pub(crate) fn check_group_references(
    desk: &DeskConfig,
    team: &Team,
    team_path: &std::path::Path,
    forms: &[Arc<Form>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let category_fields: Vec<&FieldKind> = forms
        .iter()
        .flat_map(|form| form.fields.iter().filter(|field| field.id == "category"))
        .map(|field| &field.kind)
        .collect();
    // A category typed in free text can be anything: only choices can be checked.
    let free_text = category_fields
        .iter()
        .any(|kind| !matches!(kind, FieldKind::Choice { .. } | FieldKind::MultiChoice { .. }));
    let offered: BTreeSet<&str> = category_fields
        .iter()
        .flat_map(|kind| match kind {
            FieldKind::Choice { choices, .. } | FieldKind::MultiChoice { choices, .. } => {
                choices.iter().map(|choice| choice.value.as_str()).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    for group in &desk.staff_groups {
        for category in &group.categories {
            if !free_text && !offered.contains(category.value.as_str()) {
                diagnostics.push(Diagnostic::error(
                    &desk.path,
                    category.position,
                    format!(
                        "staff group `{}`: category `{}` is not a choice of any form's `category` field",
                        group.name.value, category.value
                    ),
                ));
            }
        }
        for form in &group.forms {
            if !forms.iter().any(|known| known.id == form.value) {
                diagnostics.push(Diagnostic::error(
                    &desk.path,
                    form.position,
                    format!(
                        "staff group `{}`: form `{}` is not defined in forms/",
                        group.name.value, form.value
                    ),
                ));
            }
        }
    }
    let names: Vec<&str> = if desk.staff_groups.is_empty() {
        vec![crate::groups::DEFAULT_GROUP]
    } else {
        desk.staff_groups.iter().map(|group| group.name.value.as_str()).collect()
    };
    for agent in &team.agents {
        for group in &agent.groups {
            if !names.contains(&group.value.as_str()) {
                diagnostics.push(Diagnostic::error(
                    team_path,
                    group.position,
                    format!(
                        "{} works in group `{}`, which desk.yaml does not define (staff groups: {})",
                        agent.name,
                        group.value,
                        names.join(", ")
                    ),
                ));
            }
        }
    }
}

/// Who works in which group, in plain words, for `topicdesk check`.
pub fn explain_membership(groups: &StaffGroups, team: &Team) -> Vec<String> {
    groups
        .all()
        .iter()
        .map(|group| {
            let names: Vec<&str> = team
                .agents
                .iter()
                .filter(|agent| agent.works_in(&group.name))
                .map(|agent| agent.name.as_str())
                .collect();
            if names.is_empty() {
                format!("{}: no agent works here, so its tickets wait in the queue", group.name)
            } else {
                let agents = if names.len() == 1 { "agent" } else { "agents" };
                format!("{}: {} {agents} ({})", group.name, names.len(), names.join(", "))
            }
        })
        .collect()
}

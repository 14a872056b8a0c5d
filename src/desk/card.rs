//! How a ticket looks in the staff chat: the topic's name and icon colour, and the card
//! at the top of the topic with the buttons for the next sensible actions.

use std::fmt::Write as _;

use super::InlineMode;
use crate::outbox::{Button, clip};
use crate::rules::RuleSet;
use crate::ticket::{Answer, Priority, Status, Ticket, TicketId};

/// Telegram's topic icon colours, one per priority.
pub fn icon_color(priority: Priority) -> u32 {
    match priority {
        Priority::Low => 0x008E_EE98,      // green
        Priority::Normal => 0x006F_B9F0,   // blue
        Priority::High => 0x00FF_D67E,     // yellow
        Priority::Critical => 0x00FB_6F5F, // red
    }
}

/// `T-000123 · Billing · Alice`, at most 128 characters (Telegram's limit).
pub fn topic_name(ticket: &Ticket, rules: &RuleSet) -> String {
    let mut name = ticket.id.to_string();
    if let Some(category) = &ticket.category {
        let _ = write!(name, " · {}", category_label(rules, &ticket.form, category));
    }
    let _ = write!(name, " · {}", ticket.customer.name);
    clip(&name, 128)
}

/// The card's text: plain text, never markup, so customer words show as written.
pub fn card_text(ticket: &Ticket, rules: &RuleSet) -> String {
    let mut text = format!("{} · {}", ticket.id, ticket.status);
    let _ = write!(text, "\nPriority: {}", ticket.priority);
    if let Some(category) = &ticket.category {
        let _ = write!(text, " · Category: {}", category_label(rules, &ticket.form, category));
    }
    let customer = &ticket.customer;
    let _ = write!(text, "\nCustomer: {}", customer.name);
    if let Some(username) = &customer.username {
        let _ = write!(text, " @{username}");
    }
    if let Some(language) = &customer.language {
        let _ = write!(text, " ({language})");
    }
    let assignee = match ticket.assignee {
        Some(id) => agent_name(rules, id),
        None => "nobody yet".to_owned(),
    };
    let _ = write!(text, "\nAssignee: {assignee}");
    if !ticket.escalations.is_empty() {
        let mut people: Vec<u64> = Vec::new();
        for id in ticket.escalations.iter().flat_map(|e| e.to.iter().copied()) {
            if !people.contains(&id) {
                people.push(id);
            }
        }
        let names: Vec<String> = people.iter().map(|id| agent_name(rules, *id)).collect();
        let _ = write!(text, "\n⇧ Escalated to: {}", names.join(", "));
    }
    if ticket.escalation_held {
        text.push_str("\n⏸ Escalation on hold");
    }
    if !ticket.tags.is_empty() {
        let tags: Vec<&str> = ticket.tags.iter().map(String::as_str).collect();
        let _ = write!(text, "\nTags: {}", tags.join(", "));
    }
    if ticket.reopened > 0 {
        let _ = write!(text, "\nReopened: {}×", ticket.reopened);
    }
    if ticket.unreachable {
        text.push_str("\n⚠ The customer blocked the bot: replies cannot reach them.");
    }
    if let Some(survey) = &ticket.csat {
        match survey.rating {
            Some(rating) => {
                let _ = write!(text, "\n★ Satisfaction: {rating}");
                if let Some(comment) = &survey.comment {
                    let _ = write!(text, " · “{}”", clip(comment, 300));
                }
            }
            None => text.push_str("\n★ Satisfaction: asked, no answer"),
        }
    }
    if !ticket.answers.is_empty() {
        text.push('\n');
        for (field, answer) in &ticket.answers {
            let _ = write!(text, "\n{field}: {}", answer_text(answer));
        }
    }
    clip(&text, 4096)
}

/// The buttons for what makes sense next in this status. With inline mode on, a ticket not
/// closed gets "Templates", which pre-fills `@bot T-000123 ` in the topic's input field: the
/// inline query that lists the templates rendered for this ticket.
pub fn card_buttons(ticket: &Ticket, inline: InlineMode) -> Vec<Vec<Button>> {
    let id = ticket.id;
    let row: Vec<Button> = match ticket.status {
        Status::New => {
            vec![action_button("Claim", id, Action::Claim), action_button("Resolve", id, Action::Resolve)]
        }
        Status::Open => vec![
            action_button("Awaiting customer", id, Action::Await),
            action_button("Resolve", id, Action::Resolve),
        ],
        Status::AwaitingCustomer => {
            vec![action_button("Resolve", id, Action::Resolve), action_button("Close", id, Action::Close)]
        }
        Status::Resolved => {
            vec![action_button("Reopen", id, Action::Reopen), action_button("Close", id, Action::Close)]
        }
        Status::Closed => vec![action_button("Reopen", id, Action::Reopen)],
    };
    let mut more = Vec::new();
    if ticket.status.is_active() {
        more.push(pick_button(id));
        if ticket.assignee.is_some() {
            more.push(action_button("Unassign", id, Action::Unassign));
        }
    }
    if inline == InlineMode::On && ticket.status != Status::Closed {
        more.push(Button::inline_query("Templates", format!("{id} ")));
    }
    more.push(Button::new("More", format!("t:{}:more", id.0)));
    vec![row, more]
}

/// The card's "More" menu, posted in the topic: priorities (the current one ticked),
/// escalate, the timeline, the card again, and one button per tag to remove it.
pub fn menu_buttons(ticket: &Ticket) -> Vec<Vec<Button>> {
    let id = ticket.id.0;
    let priorities = Priority::ALL
        .into_iter()
        .map(|p| {
            let tick = if p == ticket.priority { "✓ " } else { "" };
            Button::new(format!("{tick}{}", capitalised(p.as_str())), format!("t:{id}:prio:{}", p.as_str()))
        })
        .collect();
    let mut rows = vec![
        priorities,
        vec![
            Button::new("Escalate", format!("t:{id}:escalate")),
            Button::new("History", format!("t:{id}:history")),
            Button::new("Card", format!("t:{id}:info")),
        ],
    ];
    let untag: Vec<Button> = ticket
        .tags
        .iter()
        .map(|tag| Button::new(format!("− #{tag}"), format!("t:{id}:untag:{tag}")))
        .filter(|button| button.data.len() <= 64)
        .take(6)
        .collect();
    if !untag.is_empty() {
        rows.push(untag);
    }
    rows
}

/// A fingerprint of the card's text and buttons, to tell whether a posted card is current.
pub fn card_version(ticket: &Ticket, rules: &RuleSet, inline: InlineMode) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(card_text(ticket, rules).as_bytes());
    for button in card_buttons(ticket, inline).iter().flatten() {
        hasher.update(button.label.as_bytes());
        hasher.update(button.data.as_bytes());
    }
    let bytes = hasher.finalize();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("a hash has 32 bytes"))
}

/// What an agent can do to a ticket from its card or with a command in its topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Claim,
    Unassign,
    Await,
    Resolve,
    Close,
    Reopen,
}

impl Action {
    pub const ALL: [Action; 6] =
        [Action::Claim, Action::Unassign, Action::Await, Action::Resolve, Action::Close, Action::Reopen];

    /// The word used in callback data and as the command name.
    pub fn word(self) -> &'static str {
        match self {
            Action::Claim => "claim",
            Action::Unassign => "unassign",
            Action::Await => "await",
            Action::Resolve => "resolve",
            Action::Close => "close",
            Action::Reopen => "reopen",
        }
    }

    pub fn from_word(word: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.word() == word)
    }
}

/// What a button in a ticket's topic asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Press {
    Action(Action),
    /// Show the agents who can take the ticket now, as buttons.
    Pick,
    /// Give the ticket to this agent.
    AssignTo(u64),
    /// Show the menu of the less frequent actions.
    Menu,
    Priority(Priority),
    /// Escalate to the supervisors (a button gives no reason; `/escalate` takes one).
    Escalate,
    History,
    /// Post the card again.
    Info,
    Untag(String),
    /// Send the response template with this id (`desk::templates`).
    Template(String),
}

/// Callback data for a ticket action: `t:<number>:<action>`, well under 64 bytes.
pub fn action_button(label: &str, ticket: TicketId, action: Action) -> Button {
    Button::new(label, format!("t:{}:{}", ticket.0, action.word()))
}

/// The card's "Assign" button, which opens the picker: `t:<number>:assign`.
pub fn pick_button(ticket: TicketId) -> Button {
    Button::new("Assign", format!("t:{}:assign", ticket.0))
}

/// A picker button giving the ticket to `agent`: `t:<number>:to:<agent id>`.
pub fn assign_button(label: &str, ticket: TicketId, agent: u64) -> Button {
    Button::new(label, format!("t:{}:to:{agent}", ticket.0))
}

/// Reads callback data written by the button makers here; anything else is `None`.
pub fn parse_press(data: &str) -> Option<(TicketId, Press)> {
    let rest = data.strip_prefix("t:")?;
    let (number, word) = rest.split_once(':')?;
    let number: u64 = number.parse().ok()?;
    let press = match word.split_once(':') {
        Some(("to", agent)) => Press::AssignTo(agent.parse().ok()?),
        Some(("prio", priority)) => Press::Priority(priority.parse().ok()?),
        Some(("untag", tag)) => Press::Untag(tag.to_owned()),
        Some(("tpl", id)) => Press::Template(id.to_owned()),
        Some(_) => return None,
        None => match word {
            "assign" => Press::Pick,
            "more" => Press::Menu,
            "escalate" => Press::Escalate,
            "history" => Press::History,
            "info" => Press::Info,
            _ => Press::Action(Action::from_word(word)?),
        },
    };
    Some((TicketId(number), press))
}

/// How an agent is named so Telegram notifies them: `@username`, else their name.
pub fn mention(agent: &crate::rules::Agent) -> String {
    agent.username.as_ref().map_or_else(|| agent.name.clone(), |username| format!("@{username}"))
}

/// [`mention`] by Telegram id; someone not in team.yaml is named by id.
pub fn mention_id(rules: &RuleSet, id: u64) -> String {
    rules.team().agent(id as i64).map_or_else(|| agent_name(rules, id), mention)
}

pub fn agent_name(rules: &RuleSet, id: u64) -> String {
    if id == crate::history::ANONYMOUS_ADMIN {
        return "an anonymous admin".to_owned();
    }
    rules.team().agent(id as i64).map_or_else(|| format!("agent {id}"), |agent| agent.name.clone())
}

pub(super) fn category_label(rules: &RuleSet, form: &str, category: &str) -> String {
    use crate::rules::FieldKind;
    let label = rules.form(form).and_then(|form| {
        form.fields.iter().find(|f| f.id == "category").and_then(|field| match &field.kind {
            FieldKind::Choice { choices, .. } | FieldKind::MultiChoice { choices, .. } => {
                choices.iter().find(|c| c.value == category).map(|c| c.label.clone())
            }
            _ => None,
        })
    });
    label.unwrap_or_else(|| category.to_owned())
}

pub(super) fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Text(text) => text.clone(),
        Answer::Number(number) => number.to_string(),
        Answer::Bool(true) => "yes".to_owned(),
        Answer::Bool(false) => "no".to_owned(),
        Answer::Choices(values) => values.join(", "),
        Answer::Files(files) => format!("{} file(s)", files.len()),
    }
}

/// The text with its first letter in upper case.
pub(super) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

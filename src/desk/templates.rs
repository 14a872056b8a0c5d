//! Response templates in a ticket's topic: `/t` offers the templates that fit the ticket,
//! `/t <id>` sends one, `/t <words>` offers the matches; a press on an offered button sends
//! it. `/template save <id>` (supervisors, replying to a message) saves a version from that
//! message's text, `/template history <id>` lists the versions.
//!
//! Sending is the agent's reply: the rendered text goes to the customer as plain text and
//! into the topic, and the ticket takes it through `Ticket::apply` like any reply (first
//! response, New to Open, the SLA clocks, auto-assignment), followed by a `TemplateUsed`
//! history entry naming the template and its version; the entries name the rule set.

use std::fmt::Write as _;

use super::card::{agent_name, answer_text, category_label};
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::history::{ANONYMOUS_ADMIN, EntryKind};
use crate::outbox::{Button, Call, Lane, Target, clip};
use crate::rules::Role;
use crate::template::{self, Ranked, SavedTemplate, Template, TemplateUse, Text, Values};
use crate::ticket::{Change, Status, Ticket};

/// How many templates one offer shows.
const OFFERED: usize = 5;
/// Characters of each template's preview in an offer.
pub(super) const PREVIEW: usize = 90;
/// Characters of a button's label.
const LABEL: usize = 40;
/// Versions `/template history` lists, newest first.
const HISTORY_SHOWN: usize = 10;

/// Callback data of a button that sends template `id` on `ticket`: `t:<n>:tpl:<id>`, at
/// most 58 bytes for the longest id the schema allows.
pub fn template_button(label: &str, ticket: crate::ticket::TicketId, id: &str) -> Button {
    Button::new(clip(label, LABEL), format!("t:{}:tpl:{id}", ticket.0))
}

impl Desk<'_> {
    /// The templates in force: the rule set's and the saved ones (`template::in_force`).
    pub(super) fn templates_in_force<S: State>(&self, state: &S) -> Result<Vec<Template>, DeskError> {
        Ok(template::in_force(self.rules.templates(), &state.saved_templates()?))
    }

    /// `/t`, `/t <id>`, `/t <words>` in a ticket's topic.
    pub(super) fn template_command<S: State>(
        &self,
        state: &mut S,
        ticket: Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let templates = self.templates_in_force(state)?;
        if templates.is_empty() {
            let text = "There are no response templates yet: add rules/templates/*.yaml, or reply to a \
                        message with /template save <id>."
                .to_owned();
            return self.say_in_topic(state, ticket.id, text);
        }
        if argument.is_empty() {
            let conversation = Self::conversation(state, &ticket)?;
            let ranked = template::for_ticket(&templates, ticket.category.as_deref(), &conversation, OFFERED);
            let heading = format!("Templates for {}, best first:", ticket.id);
            return self.offer(state, &ticket, m.from, &heading, &ranked);
        }
        let wanted = argument.to_lowercase();
        if let Some(found) = templates.iter().find(|t| t.id == wanted) {
            self.send_template(state, ticket, m.from, found)?;
            return Ok(());
        }
        let ranked = template::matching(&templates, argument, OFFERED);
        if ranked.is_empty() {
            let text =
                format!("No template matches \"{argument}\". /t alone lists the ones for this ticket.");
            return self.say_in_topic(state, ticket.id, text);
        }
        let heading = format!("No template has the id \"{argument}\". The closest:");
        self.offer(state, &ticket, m.from, &heading, &ranked)
    }

    /// A press on an offered template's button; returns the notice for the press.
    pub(super) fn template_pressed<S: State>(
        &self,
        state: &mut S,
        ticket: Ticket,
        agent: u64,
        id: &str,
    ) -> Result<String, DeskError> {
        let templates = self.templates_in_force(state)?;
        match templates.iter().find(|t| t.id == id) {
            Some(found) => self.send_template(state, ticket, agent, found),
            None => Ok(format!("The template {id} no longer exists.")),
        }
    }

    /// Posts an offer: each template's title, id and a preview rendered for this ticket,
    /// and a button per template that sends it.
    fn offer<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        agent: u64,
        heading: &str,
        ranked: &[Ranked<'_>],
    ) -> Result<(), DeskError> {
        let values = self.template_values(ticket, agent);
        let language = ticket.customer.language.as_deref();
        let mut text = heading.to_owned();
        let mut buttons = Vec::new();
        for (index, Ranked { template, .. }) in ranked.iter().enumerate() {
            let number = index + 1;
            let rendered = template.render(language, &values);
            let preview = clip(&rendered.split_whitespace().collect::<Vec<_>>().join(" "), PREVIEW);
            let _ = write!(text, "\n\n{number}. {} ({})\n{preview}", template.title, template.id);
            buttons.push(vec![template_button(
                &format!("{number}. {}", template.title),
                ticket.id,
                &template.id,
            )]);
        }
        let call = Call::SendText {
            to: Target::Topic { ticket: ticket.id },
            text,
            reply_to: None,
            buttons,
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// Sends `template` as `agent`'s reply; returns the line for a press's notice.
    fn send_template<S: State>(
        &self,
        state: &mut S,
        mut ticket: Ticket,
        agent: u64,
        template: &Template,
    ) -> Result<String, DeskError> {
        if ticket.status == Status::Closed {
            let text = format!(
                "{} is closed, so the customer will not see this. /reopen it to write to them.",
                ticket.id
            );
            self.say_in_topic(state, ticket.id, text.clone())?;
            return Ok(text);
        }
        let rendered =
            template.render(ticket.customer.language.as_deref(), &self.template_values(&ticket, agent));
        // A `|` block ends with a line break, which a chat message does without.
        let text = rendered.trim().to_owned();
        if text.is_empty() {
            let line = format!("The template {} is empty for this ticket, so nothing was sent.", template.id);
            self.say_in_topic(state, ticket.id, line.clone())?;
            return Ok(line);
        }
        let before = ticket.clone();
        let origin = self.agent(agent);
        let mut entries = Vec::new();
        if ticket.assignee.is_none()
            && self.rules.desk().auto_assign_on_first_reply
            && agent != ANONYMOUS_ADMIN
        {
            entries.extend(
                ticket
                    .apply(Change::Assign { to: Some(agent) }, &origin, self.now)
                    .expect("assigning is always legal"),
            );
        }
        let reply = Change::AgentReply { text: text.clone() };
        entries.extend(ticket.apply(reply, &origin, self.now).expect("not closed, checked above"));
        let used = Change::TemplateUsed { template: template.id.clone(), version: template.version.clone() };
        entries.extend(ticket.apply(used, &origin, self.now).expect("naming a template is legal when open"));
        let who = agent_name(self.rules, agent);
        let posted = format!("{who} (template {}):\n{text}", template.id);
        self.say_in_topic(state, ticket.id, posted)?;
        self.tell_customer(state, &ticket, text.clone())?;
        let message =
            crate::script::MessageView { text: text.clone(), from_customer: false, sentiment: None };
        entries.extend(self.on_message(state, &mut ticket, &message)?);
        if ticket.unreachable {
            let warning = "⚠ The customer blocked the bot: this may not reach them.".to_owned();
            self.say_in_topic(state, ticket.id, warning)?;
        }
        state.record_template_use(&TemplateUse {
            template: template.id.clone(),
            version: template.version.clone(),
            agent,
            ticket: ticket.id.0,
            at: self.now,
        })?;
        self.commit(state, &before, &ticket, &entries)?;
        if super::escalation::escalates(&entries) {
            self.reroute(state, &mut ticket, Some(agent))?;
        }
        Ok(format!("Sent \"{}\" to the customer.", template.title))
    }

    /// What a template is rendered with on `ticket`, sent by `agent`.
    pub(super) fn template_values(&self, ticket: &Ticket, agent: u64) -> Values {
        let agent_name = self.rules.team().agent(agent as i64).map(|member| member.name.clone());
        Values {
            customer_name: Some(ticket.customer.name.clone()),
            ticket_id: ticket.id.to_string(),
            category: ticket
                .category
                .as_deref()
                .map(|category| category_label(self.rules, &ticket.form, category)),
            priority: ticket.priority.as_str().to_owned(),
            agent_name,
            fields: ticket.answers.iter().map(|(id, answer)| (id.clone(), answer_text(answer))).collect(),
        }
    }

    /// The customer's side of the conversation, for relevance: their answers and messages.
    pub(super) fn conversation<S: State>(state: &S, ticket: &Ticket) -> Result<String, DeskError> {
        let mut text: Vec<String> = ticket.answers.values().map(answer_text).collect();
        for entry in state.history(ticket.id)? {
            if let EntryKind::CustomerMessage { text: said, .. } = entry.kind {
                text.push(said);
            }
        }
        Ok(text.join("\n"))
    }

    /// `/template save <id> [language]` and `/template history <id>`.
    pub(super) fn template_admin<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let mut words = argument.split_whitespace();
        let reply = match (words.next(), words.next(), words.next(), words.next()) {
            (Some("save"), Some(id), language, None) => self.save_template(state, m, id, language)?,
            (Some("history"), Some(id), None, None) => self.template_history(state, id)?,
            _ => "Use /template save <id> [language], replying to the message to save, or /template history <id>."
                .to_owned(),
        };
        self.say_in_topic(state, ticket.id, reply)
    }

    fn save_template<S: State>(
        &self,
        state: &mut S,
        m: &StaffMessage,
        id: &str,
        language: Option<&str>,
    ) -> Result<String, DeskError> {
        let is_supervisor =
            self.rules.team().agent(m.from as i64).is_some_and(|agent| agent.role == Role::Supervisor);
        if !is_supervisor {
            return Ok("Only supervisors can save templates.".to_owned());
        }
        let valid_id = (1..=40).contains(&id.len())
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_id {
            return Ok(format!(
                "\"{id}\" cannot be a template id: use up to 40 lowercase letters, digits, - and _, like refund-approved."
            ));
        }
        let Some(text) = m.reply_text.as_deref().map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(format!(
                "Reply to the message whose text should become the template: /template save {id}"
            ));
        };
        let parsed = match Text::parse(text) {
            Ok(parsed) => parsed,
            Err(errors) => {
                let problems: Vec<String> =
                    errors.into_iter().map(|e| format!("{}: {}", e.written, e.message)).collect();
                return Ok(format!("Not saved: {}", problems.join("; ")));
            }
        };
        let unknown = parsed.placeholders().find_map(|placeholder| match placeholder {
            template::Placeholder::Field(field) if !self.form_field_exists(field) => Some(field),
            _ => None,
        });
        if let Some(field) = unknown {
            return Ok(format!(
                "Not saved: no form in forms/ has a field `{field}` for {{{{fields.{field}}}}}."
            ));
        }
        let saved = state.saved_templates()?;
        let in_force = template::in_force(self.rules.templates(), &saved);
        let base = in_force.iter().find(|t| t.id == id);
        let language = match (language, base) {
            (Some(language), _) => language.to_ascii_lowercase(),
            (None, Some(base)) => base.default_language().to_owned(),
            (None, None) => "en".to_owned(),
        };
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return Ok(format!(
                "\"{language}\" is not a language code: use two or three letters, like en or ru."
            ));
        }
        let mut texts: Vec<(String, String)> = base
            .map(|base| {
                base.texts.iter().map(|(lang, text)| (lang.clone(), text.source().to_owned())).collect()
            })
            .unwrap_or_default();
        match texts.iter_mut().find(|(lang, _)| *lang == language) {
            Some(slot) => text.clone_into(&mut slot.1),
            None => texts.push((language.clone(), text.to_owned())),
        }
        let over = match base.map(|base| &base.source) {
            Some(template::Source::File(_)) => base.map(|base| base.version.clone()),
            Some(template::Source::Saved { .. }) => {
                saved.iter().filter(|v| v.id == id).max_by_key(|v| v.number).and_then(|v| v.over.clone())
            }
            None => None,
        };
        let number = saved.iter().filter(|v| v.id == id).map(|v| v.number).max().unwrap_or(0) + 1;
        let version = SavedTemplate {
            id: id.to_owned(),
            number,
            author: m.from,
            author_name: agent_name(self.rules, m.from),
            at: self.now,
            title: base.map_or_else(|| id.to_owned(), |base| base.title.clone()),
            tags: base.map(|base| base.tags.clone()).unwrap_or_default(),
            categories: base.map(|base| base.categories.clone()).unwrap_or_default(),
            texts,
            over,
        };
        state.save_template(&version)?;
        let what = if base.is_some() { "updated" } else { "saved" };
        Ok(format!("✓ Template {id} {what}: version v{number} ({language}). /t {id} sends it."))
    }

    fn template_history<S: State>(&self, state: &S, id: &str) -> Result<String, DeskError> {
        let saved = state.saved_templates()?;
        let versions: Vec<&SavedTemplate> = saved.iter().filter(|v| v.id == id).collect();
        let file = self.rules.templates().iter().find(|t| t.id == id);
        if versions.is_empty() && file.is_none() {
            return Ok(format!("There is no template {id}."));
        }
        let in_force = template::in_force(self.rules.templates(), &saved);
        let current = in_force.iter().find(|t| t.id == id).map(|t| t.version.clone()).unwrap_or_default();
        let mut text = format!("Template {id}: {} saved version(s), in force: {current}", versions.len());
        if let Some(file) = file {
            let _ = write!(text, "\nfile {}: rules/templates ({})", file.version, self.rules.version());
        }
        for version in versions.iter().rev().take(HISTORY_SHOWN) {
            let (language, first) =
                version.texts.first().map(|(l, t)| (l.as_str(), t.as_str())).unwrap_or_default();
            let _ = write!(
                text,
                "\nv{} {} by {} ({language}): {}",
                version.number,
                version.at.strftime("%Y-%m-%d %H:%M"),
                version.author_name,
                clip(&first.split_whitespace().collect::<Vec<_>>().join(" "), PREVIEW)
            );
        }
        Ok(text)
    }

    /// `/templates stats` in General: uses per template, agent and day, the never used,
    /// and those most often followed by a reopen of their ticket.
    pub(super) fn template_stats<S: State>(&self, state: &S) -> Result<String, DeskError> {
        let in_force = self.templates_in_force(state)?;
        let uses = state.template_uses()?;
        let mut histories: std::collections::BTreeMap<u64, Vec<crate::history::Entry>> =
            std::collections::BTreeMap::new();
        for used in &uses {
            if let std::collections::btree_map::Entry::Vacant(slot) = histories.entry(used.ticket) {
                slot.insert(state.history(crate::ticket::TicketId(used.ticket))?);
            }
        }
        let zone = jiff::tz::TimeZone::get(self.rules.desk().timezone.value.trim())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let usage = template::usage(&in_force, &uses, &zone, |used| {
            histories.get(&used.ticket).is_some_and(|history| {
                history.iter().any(|entry| {
                    entry.at > used.at
                        && matches!(
                            entry.kind,
                            EntryKind::StatusChanged {
                                from: Status::Resolved | Status::Closed,
                                to: Status::Open
                            }
                        )
                })
            })
        });
        Ok(usage.text(|agent| agent_name(self.rules, agent)))
    }

    fn form_field_exists(&self, field: &str) -> bool {
        self.rules.forms().iter().any(|form| form.fields.iter().any(|f| f.id == field))
    }
}

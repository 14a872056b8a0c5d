//! The knowledge base for agents: articles suggested under a new ticket's card, `/kb words`
//! in a ticket's topic, and the button under each result that sends the article to the
//! customer.
//!
//! Sending an article is an agent's reply: the customer gets it as plain text (the title and
//! the link, or the title and the text when the article has none), the ticket records it
//! as the pressing agent's reply (so the SLA clocks and the lifecycle see it, and an
//! unassigned ticket goes to them as with a typed reply), and the topic says who sent what.

use std::fmt::Write as _;

use super::card::agent_name;
use super::event::ButtonPress;
use super::staff::pressed_in_ticket;
use super::{Desk, DeskError, State};
use crate::history::ANONYMOUS_ADMIN;
use crate::kb::Hit;
use crate::outbox::{Button, Call, Lane, Target, clip};
use crate::ticket::{Answer, Change, Status, Ticket, TicketId};

/// How many articles a search shows.
const SHOWN: usize = 3;
/// Characters of a title on a button.
const BUTTON_TITLE_CHARS: usize = 48;

/// The callback data of the button that sends `article` to the customer of `ticket`.
pub fn send_button_data(ticket: TicketId, article: &str) -> String {
    format!("kb:{}:{article}", ticket.0)
}

/// The ticket and article a "send this article" button names.
pub(super) fn parse_send(data: &str) -> Option<(TicketId, &str)> {
    let rest = data.strip_prefix("kb:")?;
    let (ticket, article) = rest.split_once(':')?;
    if article.is_empty() {
        return None;
    }
    Some((TicketId(ticket.parse().ok()?), article))
}

impl Desk<'_> {
    /// `/kb words`: the best articles for the words (for the ticket's own answers without
    /// words), each with a button that sends it to the customer.
    pub(super) fn kb_command<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        words: &str,
    ) -> Result<(), DeskError> {
        let question = if words.is_empty() { ticket_question(ticket) } else { words.to_owned() };
        let hits = self.rules.knowledge_base().search(&question, SHOWN);
        if hits.is_empty() {
            let text = if self.rules.knowledge_base().is_empty() {
                "The knowledge base is empty: add articles as rules/kb/<id>.md.".to_owned()
            } else if words.is_empty() {
                "No article matches this ticket. Search with /kb words".to_owned()
            } else {
                format!("No article matches \u{201c}{words}\u{201d}.")
            };
            return self.say_in_topic(state, ticket.id, text);
        }
        let heading = if words.is_empty() {
            "Articles for this ticket".to_owned()
        } else {
            format!("Articles for \u{201c}{}\u{201d}", clip(words, 100))
        };
        self.post_articles(state, ticket.id, &heading, &hits)
    }

    /// Under a new ticket's card: the articles that best match its answers, if any.
    pub(super) fn suggest_articles<S: State>(&self, state: &mut S, ticket: &Ticket) -> Result<(), DeskError> {
        let hits = self.rules.knowledge_base().search(&ticket_question(ticket), SHOWN);
        if hits.is_empty() {
            return Ok(());
        }
        self.post_articles(state, ticket.id, "Articles that may answer this", &hits)
    }

    fn post_articles<S: State>(
        &self,
        state: &mut S,
        ticket: TicketId,
        heading: &str,
        hits: &[Hit<'_>],
    ) -> Result<(), DeskError> {
        let mut text = format!("📖 {heading} (a button sends it to the customer):");
        let mut buttons = Vec::new();
        for (number, hit) in hits.iter().enumerate() {
            let article = hit.article;
            let _ = write!(text, "\n{}. {} [{}]", number + 1, article.title, article.id);
            if let Some(url) = &article.url {
                let _ = write!(text, " {url}");
            }
            let label = format!("Send {}. {}", number + 1, clip(&article.title, BUTTON_TITLE_CHARS));
            buttons.push(vec![Button::new(label, send_button_data(ticket, &article.id))]);
        }
        let call =
            Call::SendText { to: Target::Topic { ticket }, text, reply_to: None, buttons, report: None };
        self.queue(state, Some(ticket), Lane::Message, call)
    }

    /// A "send this article" button: checked like every staff button, then sent as the
    /// pressing agent's reply.
    pub(super) fn send_article_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        ticket: TicketId,
        article: &str,
    ) -> Result<(), DeskError> {
        let refusal = if !self.groups.is_staff(press.chat_id) {
            Some("This button works only in the staff chat.")
        } else if press.from == ANONYMOUS_ADMIN || !self.rules.team().is_member(press.from as i64) {
            Some("Only members of the support team can do this.")
        } else {
            None
        };
        if refusal.is_some() {
            return self.answer(state, press, refusal);
        }
        let mut ticket = match state.ticket(ticket)? {
            Some(ticket) if pressed_in_ticket(&ticket, press) => ticket,
            _ => return self.answer(state, press, Some("This button belongs to another ticket.")),
        };
        let Some(article) = self.rules.knowledge_base().article(article) else {
            return self.answer(state, press, Some("This article is no longer in the knowledge base."));
        };
        if ticket.status == Status::Closed {
            let notice = format!("{} is closed: /reopen it to write to the customer.", ticket.id);
            return self.answer(state, press, Some(&notice));
        }
        let before = ticket.clone();
        let origin = self.agent(press.from);
        let mut entries = Vec::new();
        if ticket.assignee.is_none() && self.rules.desk().auto_assign_on_first_reply {
            entries.extend(
                ticket
                    .apply(Change::Assign { to: Some(press.from) }, &origin, self.now)
                    .expect("always legal"),
            );
        }
        let text = article.customer_text();
        entries.extend(
            ticket
                .apply(Change::AgentReply { text: text.clone() }, &origin, self.now)
                .expect("not closed, checked above"),
        );
        self.commit(state, &before, &ticket, &entries)?;
        if !ticket.unreachable {
            self.tell_customer(state, &ticket, text)?;
        }
        let who = agent_name(self.rules, press.from);
        let mut line = format!(
            "✓ {who} sent the article \u{201c}{}\u{201d} [{}] to the customer.",
            article.title, article.id
        );
        if ticket.unreachable {
            line.push_str(" ⚠ The customer blocked the bot: it cannot reach them.");
        }
        self.say_in_topic(state, ticket.id, line)?;
        self.answer(state, press, Some("Sent to the customer."))
    }
}

/// What a ticket asks, for the search: its text answers (the description among them).
fn ticket_question(ticket: &Ticket) -> String {
    let mut question = String::new();
    for answer in ticket.answers.values() {
        if let Answer::Text(text) = answer {
            question.push_str(text);
            question.push('\n');
        }
    }
    question
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_buttons_name_the_ticket_and_the_article() {
        let data = send_button_data(TicketId(123), "reset-password");
        assert_eq!(data, "kb:123:reset-password");
        assert_eq!(parse_send(&data), Some((TicketId(123), "reset-password")));
        assert_eq!(parse_send("kb:x:reset-password"), None);
        assert_eq!(parse_send("kb:12:"), None);
        assert_eq!(parse_send("t:12:more"), None);
        // The longest id beside the largest ticket number still fits Telegram's 64 bytes.
        let longest = send_button_data(TicketId(u64::MAX), &"a".repeat(crate::kb::MAX_ID_BYTES));
        assert!(longest.len() <= 64, "{}", longest.len());
    }
}

//! Response templates through Telegram's inline mode: an agent types `@bot T-000123 refund`
//! in a ticket's topic (the card's "Templates" button pre-fills `@bot T-000123 `), picks one
//! of the templates rendered for that ticket, and their own client sends it into the topic
//! as their message, marked `via_bot`.
//!
//! An inline query names no chat and no topic, so the ticket is the query's first word
//! (`T-000123` or `#123`); the other words search like `/t <words>`, and with none the best
//! fits for the ticket come first, as for `/t`. Nobody outside team.yaml gets a result, nor
//! does a query typed anywhere but a supergroup (the staff forum is one; a template rendered
//! for a ticket holds the customer's name and answers), nor a query without a ticket or with
//! one that does not exist: an empty answer,
//! since a result's text would be sent as it is wherever it was typed, and a template is
//! only worth sending rendered for its ticket.
//!
//! The picked message then reaches the desk like any message an agent writes in the topic
//! and is relayed the same way (`staff::relay_to_customer`). Which template it was is told
//! by the message itself: sent `via_bot`, its text is exactly one template rendered for this
//! ticket and this agent ([`Desk::template_sent_inline`]). Telegram's `chosen_inline_result`
//! is not needed (it only comes with `@BotFather`'s inline feedback on, and apart from the
//! message, in no set order).

use super::event::{InlineQuery, TypedIn};
use super::templates::PREVIEW;
use super::{Desk, DeskError, State};
use crate::outbox::{Call, InlineResult, Lane, TEXT_LIMIT, clip};
use crate::template::{self, Template};
use crate::ticket::{Ticket, TicketId};

/// Results one answer lists (Telegram allows 50).
const RESULTS: usize = 20;
/// Seconds Telegram may keep an answer for the same person and query: short, so a ticket's
/// new category or a saved template shows at the next keystroke.
const CACHE_SECONDS: u32 = 5;

impl Desk<'_> {
    /// Answers an inline query: the templates for the ticket it names, rendered for it.
    pub(super) fn inline_query<S: State>(&self, state: &mut S, query: &InlineQuery) -> Result<(), DeskError> {
        let results = self.inline_results(state, query)?;
        let call = Call::AnswerInline { query_id: query.id.clone(), results, cache_seconds: CACHE_SECONDS };
        self.queue(state, None, Lane::Message, call)
    }

    fn inline_results<S: State>(
        &self,
        state: &S,
        query: &InlineQuery,
    ) -> Result<Vec<InlineResult>, DeskError> {
        // Rendered templates carry the customer's name and answers: they go only to the team,
        // and only into a supergroup (the staff forum is one), never into another private chat.
        if !self.rules.team().is_member(query.from as i64) || query.typed_in != TypedIn::Supergroup {
            return Ok(Vec::new());
        }
        let Some((ticket, words)) = ticket_and_words(&query.query) else { return Ok(Vec::new()) };
        let Some(ticket) = state.ticket(ticket)? else { return Ok(Vec::new()) };
        let templates = self.templates_in_force(state)?;
        let ranked = if words.is_empty() {
            let conversation = Self::conversation(state, &ticket)?;
            template::for_ticket(&templates, ticket.category.as_deref(), &conversation, RESULTS)
        } else {
            template::matching(&templates, words, RESULTS)
        };
        Ok(ranked
            .iter()
            .filter_map(|ranked| {
                let text = self.rendered_for(&ticket, query.from, ranked.template)?;
                let preview = clip(&text.split_whitespace().collect::<Vec<_>>().join(" "), PREVIEW);
                Some(InlineResult {
                    id: format!("{}:{}", ticket.id.0, ranked.template.id),
                    title: ranked.template.title.clone(),
                    description: preview,
                    text,
                })
            })
            .collect())
    }

    /// The template whose rendering for `ticket`, sent by `agent`, is `text`: what an agent
    /// sent through inline mode. `None` when no template renders so (the ticket or the
    /// templates changed since the query was answered, or the text was another bot's).
    pub(super) fn template_sent_inline<S: State>(
        &self,
        state: &S,
        ticket: &Ticket,
        agent: u64,
        text: &str,
    ) -> Result<Option<Template>, DeskError> {
        let templates = self.templates_in_force(state)?;
        let sent = text.trim();
        Ok(templates
            .into_iter()
            .find(|template| self.rendered_for(ticket, agent, template).as_deref() == Some(sent)))
    }

    /// A template's text for `ticket` as `agent` sends it, trimmed; `None` when it is empty or
    /// too long for one message, which an inline result cannot split.
    fn rendered_for(&self, ticket: &Ticket, agent: u64, template: &Template) -> Option<String> {
        let rendered =
            template.render(ticket.customer.language.as_deref(), &self.template_values(ticket, agent));
        let text = rendered.trim();
        (!text.is_empty() && text.chars().count() <= TEXT_LIMIT).then(|| text.to_owned())
    }
}

/// The ticket an inline query names by its first word (`T-000123`, `t-123` or `#123`), and
/// the rest of the query.
fn ticket_and_words(query: &str) -> Option<(TicketId, &str)> {
    let query = query.trim_start();
    let (first, rest) = query.split_once(char::is_whitespace).unwrap_or((query, ""));
    let marked = first.starts_with("T-") || first.starts_with("t-") || first.starts_with('#');
    let ticket = first.parse().ok().filter(|_| marked)?;
    Some((ticket, rest.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_is_the_first_word_of_the_query() {
        assert_eq!(ticket_and_words("T-000123 "), Some((TicketId(123), "")));
        assert_eq!(ticket_and_words("T-000123 refund later"), Some((TicketId(123), "refund later")));
        assert_eq!(ticket_and_words("  #7 refund"), Some((TicketId(7), "refund")));
        assert_eq!(ticket_and_words("t-7"), Some((TicketId(7), "")));
        // A bare number is a word to search for (`404`), not a ticket.
        assert_eq!(ticket_and_words("404 error"), None);
        assert_eq!(ticket_and_words("refund T-000123"), None);
        assert_eq!(ticket_and_words(""), None);
        assert_eq!(ticket_and_words("T-abc"), None);
    }
}

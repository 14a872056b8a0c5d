//! The satisfaction survey (desk.yaml `csat`): asked in the customer's private chat once
//! the survey timer falls due, answered with one tap, changed by another tap while the
//! survey is valid, followed by a comment after a low rating. Every answer shows in the
//! topic and on the card, and goes to the `on_csat` hook, whose actions the desk carries
//! out like those of `on_message`.
//!
//! A ticket is asked once in its life (the timer's mark in history says so); a customer who
//! never answers is not asked again. The comment is the customer's next text message while
//! the survey waits for it and the ticket is still resolved or closed: it is recorded as the
//! comment and neither relayed as a message nor reopens the ticket. Once the survey has
//! closed, or when the ticket was reopened meanwhile, messages go their usual way.

use super::event::ButtonPress;
use super::{Desk, DeskError, State};
use crate::csat::{Rating, Scale};
use crate::history::Entry;
use crate::outbox::{Button, Call, Lane, Target};
use crate::script::CsatView;
use crate::ticket::{Change, Ticket, TicketId};

/// The callback data of a rating button: `c:<ticket>:<value>`, at most 26 bytes.
pub fn callback_data(ticket: TicketId, rating: Rating) -> String {
    format!("c:{}:{}", ticket.0, rating.value)
}

/// Reads callback data written by [`callback_data`]: the ticket and the value pressed.
pub fn parse_callback(data: &str) -> Option<(TicketId, u8)> {
    let (ticket, value) = data.strip_prefix("c:")?.split_once(':')?;
    Some((TicketId(ticket.parse().ok()?), value.parse().ok()?))
}

/// The rating buttons of a survey, one row; the chosen one marked with a tick.
pub fn survey_buttons(ticket: TicketId, scale: Scale, chosen: Option<Rating>) -> Vec<Vec<Button>> {
    let row = scale
        .ratings()
        .into_iter()
        .map(|rating| {
            let label = match chosen {
                Some(chosen) if chosen == rating => format!("✓ {}", rating.label()),
                _ => rating.label().to_owned(),
            };
            Button::new(label, callback_data(ticket, rating))
        })
        .collect();
    vec![row]
}

impl Desk<'_> {
    /// The survey timer fell due at `due`: sends the question with the rating buttons and
    /// records the ask on the ticket. Nothing when desk.yaml no longer asks, or when the
    /// survey would have closed already had it gone out at `due` (the desk was down that
    /// long, or `csat` was switched on over old resolutions): a survey about a stale
    /// resolution is skipped, and its timer's mark keeps it from coming back.
    pub(super) fn ask_csat<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        due: jiff::Timestamp,
    ) -> Result<Vec<Entry>, DeskError> {
        let Some(csat) = self.rules.desk().csat.as_ref() else { return Ok(Vec::new()) };
        let valid_for =
            jiff::SignedDuration::from_secs(i64::try_from(csat.valid_for.as_secs()).unwrap_or(i64::MAX));
        if due.checked_add(valid_for).is_ok_and(|closed| closed <= self.now) {
            tracing::info!(ticket = %ticket.id, %due, "satisfaction survey skipped: it would have closed already");
            return Ok(Vec::new());
        }
        let expires_at = self.now.checked_add(valid_for).unwrap_or(jiff::Timestamp::MAX);
        let change = Change::CsatAsk { scale: csat.scale, expires_at };
        // Asked before (a survey survives a rule change that moved the timer): nothing to send.
        let Ok(entries) = ticket.apply(change, &self.system(), self.now) else { return Ok(Vec::new()) };
        let text = format!("{}\n({})", csat.question_in(ticket.customer.language.as_deref()), ticket.id);
        let call = Call::SendText {
            to: Target::Chat { chat_id: ticket.customer.id as i64 },
            text,
            reply_to: None,
            buttons: survey_buttons(ticket.id, csat.scale, None),
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)?;
        Ok(entries)
    }

    /// A press of a rating button: the ticket's own customer rates, or changes their
    /// rating, while the survey is open.
    pub(super) fn csat_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        id: TicketId,
        value: u8,
    ) -> Result<(), DeskError> {
        let ticket = match state.ticket(id)? {
            Some(ticket) if ticket.customer.id == press.from && press.chat_id == press.from as i64 => ticket,
            _ => return self.answer(state, press, Some("This button is no longer valid.")),
        };
        let Some(survey) = ticket.csat.clone() else {
            return self.answer(state, press, Some("This button is no longer valid."));
        };
        if !survey.is_open(self.now) {
            self.drop_buttons(state, id, press)?;
            return self.answer(state, press, Some("This survey has closed. Thank you all the same."));
        }
        let Some(rating) = survey.scale.rating(value) else {
            return self.answer(state, press, Some("This button is no longer valid."));
        };
        if survey.rating == Some(rating) {
            return self.answer(state, press, Some(&format!("You rated {rating}. Thank you!")));
        }
        let config = self.rules.desk().csat.as_ref();
        let comment_question = config
            .filter(|csat| survey.comment.is_none() && rating.asks_comment(csat.comment_below))
            .and_then(|csat| csat.comment_question_in(ticket.customer.language.as_deref()));
        let mut after = ticket.clone();
        let change = Change::CsatRate { rating, ask_comment: comment_question.is_some() };
        let mut entries = after
            .apply(change, &self.customer_origin(press.from), self.now)
            .expect("the survey is open and of this scale, checked above");
        let line = match survey.rating {
            None => format!("★ The customer rated {id}: {rating}."),
            Some(earlier) => format!("★ The customer changed their rating of {id}: {earlier} → {rating}."),
        };
        self.say_in_topic(state, id, line)?;
        if let Some(question) = comment_question.filter(|_| !survey.awaiting_comment) {
            self.tell_customer(state, &after, question.to_owned())?;
        }
        entries.extend(self.on_csat(state, &mut after, "rating")?);
        if let Some(message_id) = press.message_id {
            let buttons = survey_buttons(id, survey.scale, Some(rating));
            let call = Call::SetButtons { chat_id: press.chat_id, message_id, buttons };
            self.queue(state, Some(id), Lane::Cosmetic, call)?;
        }
        self.commit(state, &ticket, &after, &entries)?;
        if super::escalation::escalates(&entries) {
            self.reroute(state, &mut after, None)?;
        }
        let notice = match survey.rating {
            None => format!("Thank you! You rated {rating}."),
            Some(_) => format!("Changed: you rated {rating}."),
        };
        self.answer(state, press, Some(&notice))
    }

    /// Whether the customer's newest ticket's survey waits for their comment now: the
    /// ticket resolved or closed, the survey open and a comment asked for.
    pub(super) fn awaits_csat_comment(&self, newest: &Ticket) -> bool {
        !newest.status.is_active()
            && newest.csat.as_ref().is_some_and(|survey| survey.awaiting_comment && survey.is_open(self.now))
    }

    /// Records the customer's comment on their rating, shows it in the topic and asks
    /// `on_csat` about it.
    pub(super) fn csat_comment<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        text: &str,
    ) -> Result<(), DeskError> {
        let mut after = ticket.clone();
        let change = Change::CsatComment { text: text.to_owned() };
        let mut entries = after
            .apply(change, &self.customer_origin(ticket.customer.id), self.now)
            .expect("the survey waits for a comment, checked by the caller");
        let rating =
            after.csat.as_ref().and_then(|survey| survey.rating).map(|r| r.to_string()).unwrap_or_default();
        self.say_in_topic(
            state,
            ticket.id,
            format!("💬 The customer's comment on their rating ({rating}): {text}"),
        )?;
        self.tell_customer(state, &after, "Thank you for your comment.".to_owned())?;
        entries.extend(self.on_csat(state, &mut after, "comment")?);
        self.commit(state, ticket, &after, &entries)?;
        if super::escalation::escalates(&entries) {
            self.reroute(state, &mut after, None)?;
        }
        Ok(())
    }

    /// Asks `on_csat` about the survey's latest answer and carries out what it returns.
    fn on_csat<S: State>(
        &self,
        state: &mut S,
        ticket: &mut Ticket,
        event: &str,
    ) -> Result<Vec<Entry>, DeskError> {
        let Some(view) = csat_view(ticket, event) else { return Ok(Vec::new()) };
        let outcome = self.rules.scripts().on_csat(&self.ticket_view(ticket), &view);
        self.alert_on_failure(state, &outcome)?;
        self.rule_actions(state, ticket, outcome.value, None)
    }
}

/// What `on_csat` sees of a ticket's rated survey; `None` before any rating.
pub fn csat_view(ticket: &Ticket, event: &str) -> Option<CsatView> {
    let survey = ticket.csat.as_ref()?;
    let rating = survey.rating?;
    Some(CsatView {
        event: event.to_owned(),
        scale: rating.scale.as_str().to_owned(),
        score: i64::from(rating.value),
        satisfied: rating.is_satisfied(),
        answers: survey.answers,
        comment: survey.comment.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_data_round_trips_and_fits_telegram() {
        for scale in Scale::ALL {
            for rating in scale.ratings() {
                let data = callback_data(TicketId(u64::MAX), rating);
                assert!(data.len() <= 64, "{data}");
                assert_eq!(parse_callback(&data), Some((TicketId(u64::MAX), rating.value)));
            }
        }
        assert_eq!(parse_callback("k:12"), None);
        assert_eq!(parse_callback("c:12"), None);
        assert_eq!(parse_callback("c:x:1"), None);
    }
}

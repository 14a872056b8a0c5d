//! The customer's side of the time-based automations: the auto-close warning carries a
//! "Keep it open" button, and pressing it keeps a resolved ticket from closing by starting
//! its silence again (a `KeptOpen` history entry, which the SLA core reads as the customer
//! speaking up). Only the ticket's own customer, in their private chat, can press it.

use super::event::ButtonPress;
use super::{Desk, DeskError, State};
use crate::outbox::Lane;
use crate::outbox::{Button, Call, Target};
use crate::ticket::{Change, Status, Ticket, TicketId};

/// The "Keep it open" button under an auto-close warning: callback data `k:<ticket>`.
pub fn keep_open_button(ticket: TicketId) -> Button {
    Button::new("Keep it open", format!("k:{}", ticket.0))
}

/// Reads callback data written by [`keep_open_button`].
pub fn parse_keep_open(data: &str) -> Option<TicketId> {
    Some(TicketId(data.strip_prefix("k:")?.parse().ok()?))
}

impl Desk<'_> {
    /// Tells the customer the resolved ticket closes at `closes` unless they answer, with
    /// the button that keeps it open.
    pub(super) fn warn_auto_close<S: State>(
        &self,
        state: &mut S,
        ticket: &Ticket,
        closes: jiff::Timestamp,
    ) -> Result<(), DeskError> {
        let text = format!(
            "Is everything solved? Ticket {} closes on {} unless you write again or keep it open.",
            ticket.id,
            closes.strftime("%Y-%m-%d %H:%M UTC")
        );
        let call = Call::SendText {
            to: Target::Chat { chat_id: ticket.customer.id as i64 },
            text,
            reply_to: None,
            buttons: vec![vec![keep_open_button(ticket.id)]],
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// A press of "Keep it open": the ticket's customer restarts its silence.
    pub(super) fn keep_open_pressed<S: State>(
        &self,
        state: &mut S,
        press: &ButtonPress,
        id: TicketId,
    ) -> Result<(), DeskError> {
        let ticket = match state.ticket(id)? {
            Some(ticket) if ticket.customer.id == press.from && press.chat_id == press.from as i64 => ticket,
            _ => return self.answer(state, press, Some("This button is no longer valid.")),
        };
        let notice = match ticket.status {
            Status::Resolved => {
                let mut after = ticket.clone();
                let entries = after
                    .apply(Change::KeepOpen, &self.customer_origin(press.from), self.now)
                    .expect("the ticket is resolved, checked above");
                self.commit(state, &ticket, &after, &entries)?;
                let line = format!("↻ The customer keeps {id} open: the auto-close waits again.");
                self.say_in_topic(state, id, line)?;
                self.drop_buttons(state, id, press)?;
                format!("Ticket {id} stays open.")
            }
            Status::Closed => format!("Ticket {id} is already closed. Write /start to open a new one."),
            Status::New | Status::Open | Status::AwaitingCustomer => format!("Ticket {id} is open."),
        };
        self.answer(state, press, Some(&notice))
    }
}

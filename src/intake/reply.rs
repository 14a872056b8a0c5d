//! What the intake machine answers: replies as data, the session to store, and the outcome.
//!
//! Replies are rendered later by the Telegram host. Every text is plain: the host sends it
//! without a parse mode, so nothing a customer typed (echoed in a summary, say) is ever read
//! as markup. A transition sends at most one new message; the other replies adjust the
//! buttons of messages already sent or answer the button press.

use crate::kb::Deflection;
use std::collections::BTreeMap;

use super::catalogue::Catalogue;
use super::input::Attachment;
use super::session::Session;
use crate::ticket::{Answer, TicketId};

/// Everything one input produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The session to store with `Tx::put_session`, or `None`: delete it (`Tx::delete_session`).
    pub session: Option<Session>,
    /// In order; see [`Reply`].
    pub replies: Vec<Reply>,
    /// Set when the dialogue produced something the desk acts on.
    pub outcome: Option<Outcome>,
}

/// One thing to show the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A new message, plain text, with inline buttons when the keyboard is not empty. When it
    /// has buttons it becomes the current prompt.
    Message {
        /// Plain text, never markup.
        text: String,
        /// Inline buttons; none when empty.
        keyboard: Keyboard,
    },
    /// Replace the buttons of the current prompt in place (multi-choice ticks).
    EditButtons(Keyboard),
    /// Remove the buttons of the current prompt: it was answered or is about to be asked anew.
    /// After a button press the current prompt is the pressed message.
    RemoveButtons,
    /// Remove the buttons of the pressed message: an old prompt, or one of a session that has
    /// ended. The host skips this when the pressed message is the current prompt (only a
    /// forged press can claim that), so a forger cannot take a customer's buttons away.
    RemovePressedButtons,
    /// The short notice that answers a button press (`answerCallbackQuery`). The host answers
    /// every press, with an empty notice when there is none.
    Notice(String),
}

/// Inline buttons, row by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keyboard {
    /// Top to bottom, each row left to right.
    pub rows: Vec<Vec<Button>>,
}

/// One inline button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    /// The text on the button.
    pub label: String,
    /// At most 64 bytes; carries the session nonce and the prompt it belongs to.
    pub callback_data: String,
}

/// What the desk does after a transition.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The customer submitted the form: create the ticket, then send
    /// [`Submission::confirmation`] with its id.
    Submitted(Submission),
    /// The customer pressed "Add to T-…" (their next messages go to that open ticket), or
    /// answered the question with a message, which the host relays to it.
    AddToTicket(TicketId),
    /// The customer cancelled; nothing is to be created.
    Cancelled,
    /// The session was idle past the expiry and ended.
    Expired,
    /// An article the form suggested answered the customer's question: no ticket is opened;
    /// the desk keeps the question for the support lead.
    Deflected(Deflection),
}

/// A submitted form.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// The form's id, kept as the ticket's `form`.
    pub form_id: String,
    /// Every answered field by id; skipped and not-applicable fields are absent. `category`
    /// and `priority` become the ticket's own fields in `Ticket::open`.
    pub answers: BTreeMap<String, Answer>,
    /// The files among the answers with their kinds, in answer order, to send on to the topic.
    pub attachments: Vec<Attachment>,
    /// Short content hash of the rule set the session started with.
    pub rules_version: String,
    pub(super) catalogue: &'static Catalogue,
}

impl Submission {
    /// The confirmation the customer gets once the ticket exists, in their language.
    pub fn confirmation(&self, ticket: TicketId) -> String {
        self.catalogue.fill(self.catalogue.confirmation, &[("ticket", &ticket.to_string())])
    }
}

impl Keyboard {
    /// Whether there are no buttons.
    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(Vec::is_empty)
    }

    /// Every button, row by row.
    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.rows.iter().flatten()
    }

    /// Whether one of the buttons carries exactly `data`.
    pub fn offers(&self, data: &str) -> bool {
        self.buttons().any(|button| button.callback_data == data)
    }
}

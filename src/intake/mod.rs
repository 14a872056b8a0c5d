//! Intake: the form dialogue a customer fills in a private chat before a ticket exists.
//!
//! A pure state machine, `(rules, session, event) -> (session, replies, outcome)`: [`step`].
//! It knows nothing of Telegram, the store or the clock. The host loads the customer's
//! [`Session`] from the store (`ReadTx::session`), builds an [`Event`] from the update (with
//! `now`, the language code, the open ticket and fresh randomness), calls [`step`], stores or
//! deletes the returned session in the same transaction as the replies it queues, renders the
//! [`Reply`]s as plain-text messages and button edits, and acts on the [`Outcome`]:
//! [`Outcome::Submitted`] creates the ticket and sends [`Submission::confirmation`].
//!
//! ```
//! use topicdesk::intake::{self, Event, Input, Reply, Rules};
//!
//! let (rule_set, _) = topicdesk::rules::load(std::path::Path::new("rules"));
//! let rule_set = rule_set.expect("the shipped rules load");
//! let rules = Rules::of(&rule_set); // the rule set the session started with
//! let now = "2026-03-02T10:00:00Z".parse().expect("a timestamp");
//! let event = |input| Event { input, now, language: Some("en"), open_ticket: None, entropy: 7 };
//!
//! let start = intake::step(&rules, None, &event(Input::from_text("/start support")));
//! let Some(Reply::Message { keyboard, .. }) = start.replies.last() else { panic!("a prompt") };
//! let billing = keyboard.buttons().next().expect("a button").callback_data.clone();
//! let next = intake::step(&rules, start.session, &event(Input::Button(billing)));
//! assert!(next.session.is_some() && next.outcome.is_none()); // store it: Tx::put_session
//! ```
//!
//! The host calls [`step`] for every private-chat update of a customer who has a session,
//! sends a command, or has no open ticket (a customer with an open ticket and no session just
//! writes to the ticket), and with [`Input::Tick`] at [`Session::expires_at`].
//!
//! Files by concept, in reading order: the public data (`input`, `reply`, `session`), the
//! message catalogue, the machine (`machine`: dispatch and starting; `commands`: slash
//! commands; `field`: answering; `review`: back, edit and submit), and its parts (`flow`:
//! which question is next; `answer`: reading typed answers; `render`: prompts and buttons;
//! `callback`: button data).
//!
//! Invariants: a button press is applied only when the current prompt offers exactly its
//! callback data; an invalid, stale or foreign press returns the session unchanged. The next
//! question is always recomputed from the answers by one walk over the form. Customer text
//! is never interpreted as markup: every reply is plain text.

mod input;
mod reply;
mod session;
mod catalogue;
mod machine;
mod commands;
mod field;
mod review;
mod flow;
mod answer;
mod render;
mod callback;
mod deflect;

pub use callback::MAX_CALLBACK_BYTES;
pub use catalogue::{CATALOGUES, Catalogue, ENGLISH, RUSSIAN};
pub use input::{Attachment, AttachmentKind, Command, Input};
pub use machine::{Event, Rules, step};
pub use reply::{Button, Keyboard, Outcome, Reply, Submission, Transition};
pub use session::{SESSION_VERSION, Session};

#[cfg(test)]
mod tests;

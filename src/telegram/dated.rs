//! When Telegram says an update happened, for the host's update lag: a new message's
//! `date`, an edit's `edit_date`. Other updates (button presses, membership changes) carry
//! no time of their own and are not timed.

use teloxide::types::{Update, UpdateKind};

/// Unix seconds at which the update's message was sent or edited, if it says.
#[allow(clippy::redundant_closure_for_method_calls)] // The method is chrono's, a crate not named here.
pub fn sent_at(update: &Update) -> Option<i64> {
    match &update.kind {
        UpdateKind::Message(message) => Some(message.date.timestamp()),
        UpdateKind::EditedMessage(message) => message.edit_date().map(|date| date.timestamp()),
        _ => None,
    }
}

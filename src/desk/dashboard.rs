//! `/dashboard` in a team member's private chat with the bot: a button that opens the
//! dashboard as a Telegram Mini App at desk.yaml `http.public_url`, or, without one, what
//! the operator must set. Who else asks is answered in `customer`.

use super::{Desk, DeskError, State};
use crate::outbox::{Button, ButtonKind, Call, Lane, Target};

impl Desk<'_> {
    /// Answers a team member's `/dashboard` in their private chat.
    pub(super) fn dashboard_button<S: State>(&self, state: &mut S, member: i64) -> Result<(), DeskError> {
        let (text, buttons) = match &self.rules.desk().public_url {
            Some(url) => (
                "The queue, the agents, SLA risk and the figures:".to_owned(),
                vec![vec![Button {
                    label: "Open the dashboard".to_owned(),
                    data: format!("{url}/dashboard"),
                    kind: ButtonKind::WebApp,
                }]],
            ),
            None => (
                "The dashboard is not set up: desk.yaml `http.public_url` names the https address it is \
                 served at (docs/dashboard.md)."
                    .to_owned(),
                Vec::new(),
            ),
        };
        let call = Call::SendText {
            to: Target::Chat { chat_id: member },
            text,
            reply_to: None,
            buttons,
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }
}

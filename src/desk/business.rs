//! Telegram Business connections: each one recorded as it arrives, and General told what it
//! means for the desk: an account desk.yaml does not list is not served; a listed account that
//! withheld the right to reply is told how to give it; a pause or a disconnection is reported.
//! Only changes are told: the same state arriving again says nothing.

use super::{Desk, DeskError, State};
use crate::business::BusinessConnection;

impl Desk<'_> {
    pub(super) fn business_connection<S: State>(
        &self,
        state: &mut S,
        connection: &BusinessConnection,
    ) -> Result<(), DeskError> {
        let before = state.business_connections()?.into_iter().find(|known| known.id == connection.id);
        state.save_business_connection(connection)?;
        let served = self
            .rules
            .desk()
            .business_account(connection.owner, connection.owner_username.as_deref())
            .is_some();
        if let Some(text) = business_notice(before.as_ref(), connection, served) {
            self.say_in_general(state, text, Vec::new())?;
        }
        Ok(())
    }
}

/// What General is told about a connection that changed from `before` (none: new), if anything.
pub(crate) fn business_notice(
    before: Option<&BusinessConnection>,
    now: &BusinessConnection,
    served: bool,
) -> Option<String> {
    let account = now.account();
    let was_enabled = before.is_some_and(|before| before.enabled);
    let could_reply = before.is_some_and(|before| before.enabled && before.can_reply);
    if !now.enabled {
        return was_enabled
            .then(|| format!("The business account {account} paused or disconnected this bot."));
    }
    if !served {
        return (!was_enabled).then(|| {
            format!(
                "The business account {account} connected this bot, but desk.yaml `business` does not list it, \
                 so the desk does not serve its customers. To serve them, add `- account: \"{}\"` under \
                 `business:` in desk.yaml.",
                now.owner_username.as_ref().map_or_else(|| now.owner.to_string(), |name| format!("@{name}"))
            )
        });
    }
    if !now.can_reply {
        return (!was_enabled || could_reply).then(|| {
            format!(
                "⚠️ The business account {account} connected this bot without the right to reply: answers \
                 cannot reach its customers. Fix: in that account's Telegram, Settings → Telegram Business → \
                 Chatbots → this bot, turn on replying to messages."
            )
        });
    }
    (!could_reply).then(|| format!("The business account {account} is connected, with the right to reply."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme(can_reply: bool, enabled: bool) -> BusinessConnection {
        BusinessConnection {
            id: "bc1".to_owned(),
            owner: 3001,
            owner_username: Some("acme_support".to_owned()),
            owner_name: "Acme Support".to_owned(),
            can_reply,
            can_read_messages: true,
            enabled,
        }
    }

    #[test]
    fn general_hears_of_each_change_once() {
        let said =
            |before: Option<BusinessConnection>, now, served| business_notice(before.as_ref(), &now, served);
        let opens = |text: Option<String>, start: &str| text.is_some_and(|text| text.starts_with(start));
        let no_reply = "⚠️ The business account @acme_support connected this bot without the right to reply";
        let connected = "The business account @acme_support is connected, with the right to reply.";
        assert!(opens(said(None, acme(false, true), true), no_reply));
        assert_eq!(said(Some(acme(false, true)), acme(false, true), true), None, "told once");
        assert!(opens(said(Some(acme(false, true)), acme(true, true), true), connected));
        assert!(opens(said(Some(acme(true, true)), acme(false, true), true), no_reply));
        assert_eq!(said(Some(acme(true, true)), acme(true, true), true), None);
        let paused = "The business account @acme_support paused or disconnected this bot.";
        assert!(opens(said(Some(acme(true, true)), acme(true, false), true), paused));
        assert_eq!(said(Some(acme(true, false)), acme(true, false), true), None);
        assert!(opens(said(Some(acme(true, false)), acme(true, true), true), connected));
        let foreign = "The business account @acme_support connected this bot, but desk.yaml `business` does not list it";
        assert!(opens(said(None, acme(true, true), false), foreign));
        assert_eq!(said(Some(acme(true, true)), acme(false, true), false), None);
    }
}

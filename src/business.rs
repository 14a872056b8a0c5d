//! Telegram Business vocabulary, pure: a company's own Telegram account connected to the bot
//! (`BusinessConnection`), as the desk records it and the store keeps it. Below `desk` and
//! `store`, which both speak it.

use crate::ticket::UserId;

/// A Telegram Business connection as the desk keeps it: whose account, what the bot may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessConnection {
    /// Telegram's id of the connection, named on every business message and send.
    pub id: String,
    /// The business account's user id.
    pub owner: UserId,
    pub owner_username: Option<String>,
    pub owner_name: String,
    /// The bot may answer in the account's chats (`BusinessBotRights.can_reply`).
    pub can_reply: bool,
    /// The bot may mark messages read (`can_read_messages`).
    pub can_read_messages: bool,
    /// Off: the owner paused or disconnected the bot.
    pub enabled: bool,
}

impl BusinessConnection {
    /// `@username`, else the name and the id.
    pub fn account(&self) -> String {
        self.owner_username
            .as_ref()
            .map_or_else(|| format!("{} ({})", self.owner_name, self.owner), |name| format!("@{name}"))
    }
}

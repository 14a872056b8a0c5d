//! How a fake world starts: the bot, its token, the people and the groups, and the rate budgets.
//! Plain data with defaults that match the desk's usual set-up: one forum supergroup where the bot is
//! an administrator allowed to manage topics.

use std::time::Duration;

/// Everything [`super::FakeTelegram::start`] needs.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Port to bind on 127.0.0.1; 0 lets the system pick one.
    pub port: u16,
    /// The only token the fake accepts.
    pub token: String,
    /// The bot's own account (`getMe`).
    pub bot: UserSpec,
    /// People known from the start (customers and agents).
    pub users: Vec<UserSpec>,
    /// Groups known from the start; their members must be in `users`.
    pub groups: Vec<GroupSpec>,
    /// Telegram's sending limits as 429 answers; `RateBudgets::off()` for tests that do not care.
    pub rate_budgets: RateBudgets,
    /// The bot's inline mode as `@BotFather` sets it; off, as for a new bot.
    pub inline: InlineMode,
}

/// The bot's inline mode: `@BotFather`'s `/setinline` turns it on (`getMe` then says
/// `supports_inline_queries`), `/setinlinefeedback` adds `chosen_inline_result` updates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InlineMode {
    /// `@bot ...` does nothing in people's clients.
    #[default]
    Off,
    /// People's queries reach the bot as `inline_query` updates.
    On,
    /// As `On`, and a picked result is also reported as `chosen_inline_result`.
    WithFeedback,
}

/// A Telegram account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    /// Telegram user id; also the id of the private chat with the bot.
    pub id: u64,
    /// Shown as the sender's name.
    pub first_name: String,
    /// @username without the @.
    pub username: Option<String>,
    /// IETF language tag the client reports (`en`, `de`).
    pub language_code: Option<String>,
}

/// A group chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    /// Supergroups look like `-100...`; basic groups are small negative numbers.
    pub id: i64,
    /// The group's title.
    pub title: String,
    /// Basic group, supergroup or forum.
    pub kind: GroupKind,
    /// The public @username (without the @), so `chat_id` may be `@name`.
    pub username: Option<String>,
    /// The bot's own membership (status and rights).
    pub bot_role: MemberRole,
    /// Other members: user ids with their roles.
    pub members: Vec<(u64, MemberRole)>,
}

/// The flavours of group chat that matter to the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A basic group; it can later migrate to a supergroup.
    Basic,
    /// A supergroup without topics.
    Supergroup,
    /// A supergroup with topics enabled.
    Forum,
}

/// A member's status in a group, with the administrator rights the fake looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberRole {
    /// Status `creator`: every right.
    Owner,
    /// Status `administrator` with these rights.
    Administrator(AdminRights),
    /// Status `member`.
    Member,
    /// Status `left`: not in the chat.
    Left,
    /// Status `kicked`: banned (for the bot in a private chat: blocked).
    Kicked,
}

/// Administrator rights the fake enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdminRights {
    /// Create, edit, close, reopen topics; post into closed ones.
    pub can_manage_topics: bool,
    /// Delete other members' messages and topics.
    pub can_delete_messages: bool,
    /// Pin and unpin messages.
    pub can_pin_messages: bool,
}

/// Telegram's sending limits, as budgets the fake enforces with 429 answers.
///
/// They count posts: messages, copies, forwards and new topics; edits are not counted (see `methods.rs`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateBudgets {
    /// Whether the budgets apply at all.
    pub enabled: bool,
    /// Multiplies every window: 0.01 turns "20 per minute" into "20 per 0.6 s".
    pub time_scale: f64,
    /// Sending calls per second over all chats (Telegram: about 30).
    pub overall_per_second: usize,
    /// Sending calls per minute into one group (Telegram: 20; creating a topic counts).
    pub per_group_per_minute: usize,
    /// Sending calls per second into one private chat (Telegram: about 1).
    pub per_private_chat_per_second: usize,
}

const ALL_RIGHTS: AdminRights =
    AdminRights { can_manage_topics: true, can_delete_messages: true, can_pin_messages: true };

impl Default for FakeConfig {
    fn default() -> FakeConfig {
        FakeConfig {
            port: 0,
            token: "123456789:AAFakeTopicdeskToken_abcdefghijklmno".to_owned(),
            bot: UserSpec::new(123_456_789, "Topicdesk").username("topicdesk_bot"),
            users: Vec::new(),
            groups: vec![GroupSpec::staff_forum(-1_001_234_567_890)],
            rate_budgets: RateBudgets::default(),
            inline: InlineMode::Off,
        }
    }
}

impl UserSpec {
    /// A user with a first name and nothing else.
    pub fn new(id: u64, first_name: impl Into<String>) -> UserSpec {
        UserSpec { id, first_name: first_name.into(), username: None, language_code: None }
    }

    /// Sets the @username (without the @).
    #[must_use]
    pub fn username(mut self, username: impl Into<String>) -> UserSpec {
        self.username = Some(username.into());
        self
    }

    /// Sets the IETF language tag the client reports.
    #[must_use]
    pub fn language_code(mut self, language_code: impl Into<String>) -> UserSpec {
        self.language_code = Some(language_code.into());
        self
    }
}

impl GroupSpec {
    /// A forum supergroup titled "Staff" where the bot is an administrator with every right.
    pub fn staff_forum(id: i64) -> GroupSpec {
        GroupSpec {
            id,
            title: "Staff".to_owned(),
            kind: GroupKind::Forum,
            username: None,
            bot_role: MemberRole::administrator(),
            members: Vec::new(),
        }
    }

    /// Adds a member.
    #[must_use]
    pub fn member(mut self, user_id: u64, role: MemberRole) -> GroupSpec {
        self.members.push((user_id, role));
        self
    }
}

impl MemberRole {
    /// An administrator with every right the fake knows.
    pub fn administrator() -> MemberRole {
        MemberRole::Administrator(ALL_RIGHTS)
    }

    /// Whether the member is in the chat at all.
    pub fn is_present(self) -> bool {
        !matches!(self, MemberRole::Left | MemberRole::Kicked)
    }

    /// The rights that apply (an owner has all).
    pub fn rights(self) -> Option<AdminRights> {
        match self {
            MemberRole::Owner => Some(ALL_RIGHTS),
            MemberRole::Administrator(rights) => Some(rights),
            _ => None,
        }
    }
}

impl Default for RateBudgets {
    fn default() -> RateBudgets {
        RateBudgets {
            enabled: true,
            time_scale: 1.0,
            overall_per_second: 30,
            per_group_per_minute: 20,
            per_private_chat_per_second: 1,
        }
    }
}

impl RateBudgets {
    /// No budgets: every call is admitted.
    pub fn off() -> RateBudgets {
        RateBudgets { enabled: false, ..RateBudgets::default() }
    }

    /// Telegram's limits with every window multiplied by `time_scale`.
    pub fn scaled(time_scale: f64) -> RateBudgets {
        RateBudgets { time_scale, ..RateBudgets::default() }
    }

    pub(crate) fn window(&self, seconds: u64) -> Duration {
        Duration::from_secs(seconds).mul_f64(self.time_scale.max(0.0))
    }
}

//! Start-up: connect to the Bot API, make sure the staff chat can carry the desk, and
//! register the command lists people see in their menus. Every failure is one sentence
//! naming what the operator must fix.

use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, BotCommandScope, ChatMemberKind, Recipient, Update};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("TELOXIDE_TOKEN is not set: put the bot's token from @BotFather in it")]
    NoToken,
    #[error("TELOXIDE_API_URL `{0}` is not a URL")]
    BadApiUrl(String),
    #[error("the Bot API refused the token or could not be reached: {0}")]
    GetMe(String),
    #[error("the staff chat {chat} cannot be read by the bot: {detail}; add the bot to the group")]
    NoStaffChat { chat: i64, detail: String },
    #[error("the staff chat {chat} is not a forum: turn on Topics in the group's settings")]
    NotForum { chat: i64 },
    #[error(
        "the bot is not an administrator of the staff chat {chat}: promote it with the right to manage topics"
    )]
    NotAdmin { chat: i64 },
    #[error("the bot may not manage topics in the staff chat {chat}: give it the \"Manage topics\" right")]
    CannotManageTopics { chat: i64 },
}

/// A bot for the token in `TELOXIDE_TOKEN`, talking to `TELOXIDE_API_URL` when set.
pub fn connect(token: Option<String>, api_url: Option<String>) -> Result<Bot, StartupError> {
    let token = token.filter(|t| !t.trim().is_empty()).ok_or(StartupError::NoToken)?;
    // Long polls hold the connection for their timeout; leave room above it.
    let client = teloxide::net::default_reqwest_settings()
        .timeout(Duration::from_mins(1))
        .build()
        .map_err(|error| StartupError::GetMe(error.to_string()))?;
    let bot = Bot::with_client(token, client);
    match api_url {
        Some(url) => {
            let parsed = url.parse().map_err(|_| StartupError::BadApiUrl(url.clone()))?;
            Ok(bot.set_api_url(parsed))
        }
        None => Ok(bot),
    }
}

/// Checks the bot and the staff chat; returns the bot's own user id.
pub async fn check_staff_chat(bot: &Bot, staff_chat: i64) -> Result<u64, StartupError> {
    let me = bot.get_me().await.map_err(|error| StartupError::GetMe(error.to_string()))?;
    let chat = bot
        .get_chat(ChatId(staff_chat))
        .await
        .map_err(|error| StartupError::NoStaffChat { chat: staff_chat, detail: error.to_string() })?;
    let is_forum =
        serde_json::to_value(&chat).ok().and_then(|v| v.get("is_forum").and_then(serde_json::Value::as_bool));
    if is_forum != Some(true) {
        return Err(StartupError::NotForum { chat: staff_chat });
    }
    let member = bot
        .get_chat_member(ChatId(staff_chat), me.id)
        .await
        .map_err(|error| StartupError::NoStaffChat { chat: staff_chat, detail: error.to_string() })?;
    match member.kind {
        ChatMemberKind::Owner(_) => Ok(me.id.0),
        ChatMemberKind::Administrator(admin) if admin.can_manage_topics => Ok(me.id.0),
        ChatMemberKind::Administrator(_) => Err(StartupError::CannotManageTopics { chat: staff_chat }),
        _ => Err(StartupError::NotAdmin { chat: staff_chat }),
    }
}

/// The menus: what customers can type in private, what agents can type in the staff chat.
pub async fn register_commands(bot: &Bot, staff_chat: i64) -> Result<(), teloxide::RequestError> {
    let customers = [
        BotCommand::new("start", "Open a new ticket"),
        BotCommand::new("back", "Go back one question"),
        BotCommand::new("skip", "Skip an optional question"),
        BotCommand::new("cancel", "Cancel the form"),
        BotCommand::new("help", "How this works"),
    ];
    bot.set_my_commands(customers).scope(BotCommandScope::AllPrivateChats).await?;
    let agents = [
        BotCommand::new("claim", "Take this ticket"),
        BotCommand::new("note", "Internal note, not sent to the customer"),
        BotCommand::new("await", "Waiting for the customer"),
        BotCommand::new("resolve", "Mark as resolved"),
        BotCommand::new("close", "Close the ticket"),
        BotCommand::new("reopen", "Reopen the ticket"),
        BotCommand::new("unassign", "Give the ticket back to the queue"),
        BotCommand::new("assign", "Pick who takes the ticket, or /assign @someone (supervisors)"),
        BotCommand::new("priority", "Set the priority: low, normal, high, critical"),
        BotCommand::new("tag", "Add a tag"),
        BotCommand::new("untag", "Remove a tag"),
        BotCommand::new("escalate", "Escalate to the supervisors, with a reason"),
        BotCommand::new("deescalate", "Undo the latest escalation (supervisors)"),
        BotCommand::new("hold", "Hold escalation of this ticket (supervisors)"),
        BotCommand::new("unhold", "Resume escalation of this ticket (supervisors)"),
        BotCommand::new("move", "Reply to your message: /move T-000123 sends it there instead"),
        BotCommand::new("info", "Post the ticket card again"),
        BotCommand::new("history", "The ticket's timeline"),
        BotCommand::new("queue", "In General: unassigned tickets, oldest first"),
        BotCommand::new("mine", "In General: your active tickets"),
        BotCommand::new("agents", "In General: everyone's load"),
        BotCommand::new("summary", "In General: pin a queue summary the bot keeps current"),
        BotCommand::new("away", "In General: take no new tickets"),
        BotCommand::new("back", "In General: take new tickets again"),
    ];
    bot.set_my_commands(agents)
        .scope(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(staff_chat)) })
        .await?;
    Ok(())
}

/// One long poll: updates after `offset` (the last applied id), at most 100.
pub async fn poll(
    bot: &Bot,
    last_applied: Option<i64>,
    timeout: Duration,
) -> Result<Vec<Update>, teloxide::RequestError> {
    let mut request = bot.get_updates().timeout(timeout.as_secs() as u32).limit(100).allowed_updates([
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MyChatMember,
    ]);
    if let Some(last) = last_applied {
        request = request.offset((last + 1) as i32);
    }
    // Sent by hand like every call: a 5xx answer is retried by the poller's own backoff,
    // not after teloxide's fixed 10 s sleep.
    super::raw::execute(bot, request).await
}

//! Start-up: connect to the Bot API, make sure the staff chat can carry the desk, and
//! register the command lists people see in their menus. Every failure is one sentence
//! naming what the operator must fix.
//!
//! Telegram being out of reach is not such a failure: a service manager restarting the bot
//! while the network is down must not make it give up. A network error, a 5xx or a 429 at
//! start-up is waited out with backoff and a log line per try ([`wait_for_telegram`]);
//! only a refused token (401) and what the operator must change end the start. A staff chat
//! the bot cannot work in ends only a desk's first start: a desk that has run before starts
//! anyway ([`StaffChatTrouble`]), so a restart while the bot is demoted or removed keeps
//! serving customers and their tickets wait for the rights to return.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::raw::{CallAnswer, Seen};

use crate::business::BusinessConnection;
use crate::desk::InlineMode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use teloxide::prelude::*;
use teloxide::requests::{HasPayload, Payload};
use teloxide::types::{
    AllowedUpdate, BotCommand, BotCommandScope, ChatFullInfo, ChatMember, ChatMemberKind, Me, Recipient,
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("TELOXIDE_TOKEN is not set: put the bot's token from @BotFather in it")]
    NoToken,
    #[error("TELOXIDE_API_URL `{0}` is not a URL")]
    BadApiUrl(String),
    #[error("the Bot API could not be set up: {0}")]
    GetMe(String),
    #[error("the Bot API refused the token ({0}): check TELOXIDE_TOKEN (and TELOXIDE_API_URL, if set)")]
    TokenRefused(String),
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
    #[error("the Bot API could not be reached: {0}")]
    Unreachable(String),
    #[error(
        "Telegram refused the webhook `{url}`: {detail}; Telegram delivers only to https URLs on ports 443, 80, 88 or 8443 (see docs/operations.md, \"Webhook mode\")"
    )]
    WebhookRefused { url: String, detail: String },
    #[error("the webhook could not be {what}: {detail}")]
    Webhook { what: &'static str, detail: String },
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

/// Backoff while Telegram cannot be reached at start-up: the first wait and the longest.
const STARTUP_BACKOFF: (Duration, Duration) = (Duration::from_millis(500), Duration::from_secs(30));

/// How a start treats a staff chat the bot cannot work in (it was removed, demoted, or Topics
/// were turned off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffChatTrouble {
    /// A desk's first start: the operator is setting it up, so the start ends with what to fix.
    EndsTheStart,
    /// A desk that has run before (a restart on a bad day): customers are still served, new
    /// tickets wait for their topics, and the dispatcher tells the staff why; the start goes
    /// on with an error in the log.
    IsWaitedOut,
}

/// What the bot's account says of itself (`getMe`), as far as the desk cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BotAccount {
    pub id: u64,
    /// Whether inline mode is on in `@BotFather` (`supports_inline_queries`).
    pub inline: InlineMode,
}

/// Checks the bot and every staff group's chat like [`check_staff_chat`], waiting with
/// backoff while Telegram cannot be reached or answers 5xx; `None` when `shutdown` resolved
/// first.
pub async fn wait_for_telegram(
    bot: &Bot,
    staff_chats: &[i64],
    trouble: StaffChatTrouble,
    shutdown: impl Future<Output = ()>,
) -> Result<Option<BotAccount>, StartupError> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = STARTUP_BACKOFF.0;
    for attempt in 1u32.. {
        let checked = tokio::select! {
            checked = check(bot, staff_chats) => checked,
            () = &mut shutdown => return Ok(None),
        };
        match checked {
            Ok(id) => {
                if attempt > 1 {
                    tracing::info!(attempt, "Telegram answers again; starting");
                }
                return Ok(Some(id));
            }
            Err(Trouble::Fatal(error)) => return Err(error),
            Err(Trouble::StaffChat { account, error }) => match trouble {
                StaffChatTrouble::EndsTheStart => return Err(error),
                StaffChatTrouble::IsWaitedOut => {
                    tracing::error!(
                        %error,
                        "the desk starts anyway: customers are served, new tickets wait for their topics"
                    );
                    return Ok(Some(account));
                }
            },
            Err(Trouble::Transient(error)) => {
                tracing::warn!(%error, attempt, retry_in = ?backoff, "Telegram cannot be reached yet; waiting");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = &mut shutdown => return Ok(None),
                }
                backoff = (backoff * 2).min(STARTUP_BACKOFF.1);
            }
        }
    }
    unreachable!("the attempts never run out")
}

/// Checks the bot and the staff chat once; returns the bot's own user id. Telegram out of
/// reach is an error here too ([`StartupError::Unreachable`]).
pub async fn check_staff_chat(bot: &Bot, staff_chat: i64) -> Result<BotAccount, StartupError> {
    check(bot, &[staff_chat]).await.map_err(|trouble| match trouble {
        Trouble::Fatal(error) | Trouble::StaffChat { error, .. } => error,
        Trouble::Transient(error) => StartupError::Unreachable(error),
    })
}

/// Why a start-up check did not pass.
enum Trouble {
    /// Telegram could not be reached, or answered 5xx or 429: worth waiting for.
    Transient(String),
    Fatal(StartupError),
    /// The token works but the bot cannot work in the staff chat.
    StaffChat {
        account: BotAccount,
        error: StartupError,
    },
}

/// What a start-up call got, short of a result.
pub(super) enum Refusal {
    Transient(String),
    /// 401: the token is not a bot's (404 too: Telegram's answer to a malformed one).
    Token(String),
    /// Any other answer of the API: its description.
    Api(String),
}

/// Checks the bot's token, then each staff chat in turn: the first a bot cannot work in
/// is the trouble reported.
async fn check(bot: &Bot, staff_chats: &[i64]) -> Result<BotAccount, Trouble> {
    let refused = |refusal: Refusal, other: &dyn Fn(String) -> StartupError| match refusal {
        Refusal::Transient(error) => Trouble::Transient(error),
        Refusal::Token(error) => Trouble::Fatal(StartupError::TokenRefused(error)),
        Refusal::Api(description) => Trouble::Fatal(other(description)),
    };
    let me: Me = call(bot, bot.get_me()).await.map_err(|r| refused(r, &StartupError::GetMe))?;
    let inline = if me.supports_inline_queries { InlineMode::On } else { InlineMode::Off };
    let account = BotAccount { id: me.id.0, inline };
    for staff_chat in staff_chats {
        check_chat(bot, account, me.id, *staff_chat).await?;
    }
    Ok(account)
}

/// Checks that the bot works in `staff_chat`: a forum where it may manage topics.
async fn check_chat(
    bot: &Bot,
    account: BotAccount,
    me: teloxide::types::UserId,
    staff_chat: i64,
) -> Result<(), Trouble> {
    let refused = |refusal: Refusal, other: &dyn Fn(String) -> StartupError| match refusal {
        Refusal::Transient(error) => Trouble::Transient(error),
        Refusal::Token(error) => Trouble::Fatal(StartupError::TokenRefused(error)),
        Refusal::Api(description) => Trouble::Fatal(other(description)),
    };
    let staff_trouble = |trouble| match trouble {
        Trouble::Fatal(error) => Trouble::StaffChat { account, error },
        other => other,
    };
    let no_chat = |detail| StartupError::NoStaffChat { chat: staff_chat, detail };
    let chat: ChatFullInfo =
        call(bot, bot.get_chat(ChatId(staff_chat))).await.map_err(|r| staff_trouble(refused(r, &no_chat)))?;
    let is_forum =
        serde_json::to_value(&chat).ok().and_then(|v| v.get("is_forum").and_then(serde_json::Value::as_bool));
    if is_forum != Some(true) {
        return Err(Trouble::StaffChat { account, error: StartupError::NotForum { chat: staff_chat } });
    }
    let member: ChatMember = call(bot, bot.get_chat_member(ChatId(staff_chat), me))
        .await
        .map_err(|r| staff_trouble(refused(r, &no_chat)))?;
    match member.kind {
        ChatMemberKind::Owner(_) => Ok(()),
        ChatMemberKind::Administrator(admin) if admin.can_manage_topics => Ok(()),
        ChatMemberKind::Administrator(_) => {
            Err(Trouble::StaffChat { account, error: StartupError::CannotManageTopics { chat: staff_chat } })
        }
        _ => Err(Trouble::StaffChat { account, error: StartupError::NotAdmin { chat: staff_chat } }),
    }
}

/// The Bot API's answer envelope.
#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u32>,
}

/// Sends a start-up request by hand, keeping the HTTP status: teloxide's own sending turns
/// a 5xx into an API error after a fixed sleep, and a 401 into the same error as any other.
pub(super) async fn call<R>(bot: &Bot, request: R) -> Result<<R::Payload as Payload>::Output, Refusal>
where
    R: HasPayload,
    R::Payload: serde::Serialize,
    <R::Payload as Payload>::Output: DeserializeOwned,
{
    // Counted like every other request, when the caller asked for it (`counting`).
    let finish = COUNT.try_with(|begin| begin()).ok();
    let (result, answer) = call_answered(bot, request).await;
    if let Some(finish) = finish {
        finish(Seen { method: <R::Payload as Payload>::NAME, answer });
    }
    result
}

/// Counts a start-up request: called as it is sent, it gives what is called with its
/// answer (the caller, at the edge, reads the clock for its latency).
pub type CountCalls = Arc<dyn Fn() -> Box<dyn FnOnce(Seen) + Send> + Send + Sync>;

tokio::task_local! {
    static COUNT: CountCalls;
}

/// Runs `start` with each start-up request it makes counted by `count`.
pub async fn counting<T>(count: CountCalls, start: impl Future<Output = T>) -> T {
    COUNT.scope(count, start).await
}

/// [`call`], and what came back as the metrics count it.
async fn call_answered<R>(
    bot: &Bot,
    request: R,
) -> (Result<<R::Payload as Payload>::Output, Refusal>, CallAnswer)
where
    R: HasPayload,
    R::Payload: serde::Serialize,
    <R::Payload as Payload>::Output: DeserializeOwned,
{
    let name = <R::Payload as Payload>::NAME;
    // teloxide names methods `GetMe`; the Bot API's documents say `getMe`.
    let method =
        name.get(..1).map_or_else(String::new, str::to_lowercase) + name.get(1..).unwrap_or_default();
    let body = serde_json::to_vec(request.payload_ref()).expect("payloads serialise to JSON");
    let mut url = bot.api_url();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(&format!("bot{}", bot.token())).push(name);
    }
    let no_answer =
        |detail: String| (Err(Refusal::Transient(format!("{method}: {detail}"))), CallAnswer::NoAnswer);
    let sent = bot.client().post(url).header("content-type", "application/json").body(body).send().await;
    let response = match sent.map_err(|error| error.without_url().to_string()) {
        Ok(response) => response,
        Err(detail) => return no_answer(detail),
    };
    let status = response.status().as_u16();
    let text = match response.text().await.map_err(|error| error.without_url().to_string()) {
        Ok(text) => text,
        Err(detail) => return no_answer(detail),
    };
    let answer = serde_json::from_str::<Answer<<R::Payload as Payload>::Output>>(&text);
    let description = answer.as_ref().ok().and_then(|a| a.description.clone()).unwrap_or_default();
    let counted = match (&answer, status) {
        (Err(_), _) => CallAnswer::NoAnswer,
        (Ok(_), 200) => CallAnswer::Ok,
        (Ok(answer), 429) => CallAnswer::RetryAfter {
            seconds: answer.parameters.as_ref().and_then(|p| p.retry_after).unwrap_or_default(),
        },
        (Ok(_), _) => CallAnswer::Refused,
    };
    let said = format!("{method}: HTTP {status} {description}").trim_end().to_owned();
    let result = match (status, answer) {
        (500.. | 429, _) => Err(Refusal::Transient(said)),
        (401 | 404, _) => Err(Refusal::Token(format!("HTTP {status} {description}").trim_end().to_owned())),
        (_, Ok(Answer { ok: true, result: Some(result), .. })) => Ok(result),
        (_, Ok(answer)) => Err(Refusal::Api(answer.description.unwrap_or(said))),
        // Not the Bot API's JSON: a proxy's error page, a half-open connection.
        (_, Err(_)) => Err(Refusal::Transient(format!("{said}: the answer is not the Bot API's"))),
    };
    (result, counted)
}

/// The menus: what customers can type in private, what agents can type in each staff group.
/// Team members' own commands in private have a menu of their own, one per member
/// ([`register_member_commands`]): the private menu is one for every private chat, and
/// customers see it.
pub async fn register_commands(bot: &Bot, staff_chats: &[i64]) -> Result<(), String> {
    let customers = [
        BotCommand::new("start", "Open a new ticket"),
        BotCommand::new("back", "Go back one question"),
        BotCommand::new("skip", "Skip an optional question"),
        BotCommand::new("cancel", "Cancel the form"),
        BotCommand::new("help", "How this works"),
    ];
    let refused = |refusal: Refusal| match refusal {
        Refusal::Transient(detail) | Refusal::Token(detail) | Refusal::Api(detail) => detail,
    };
    call(bot, bot.set_my_commands(customers).scope(BotCommandScope::AllPrivateChats))
        .await
        .map_err(refused)?;
    let mut agents = vec![
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
        BotCommand::new("forget", "Supervisors: erase everything held about this ticket's customer"),
        BotCommand::new(
            "t",
            "Response templates: /t lists the best fits, /t <id or words> sends or searches",
        ),
        BotCommand::new(
            "template",
            "Supervisors: /template save <id> replying to a message, /template history <id>",
        ),
        BotCommand::new("templates", "In General: /templates stats, how templates are used"),
        BotCommand::new(
            "kb",
            "Search the knowledge base: /kb words; a button sends an article to the customer",
        ),
        BotCommand::new("queue", "In General: unassigned tickets, oldest first"),
        BotCommand::new("mine", "In General: your active tickets"),
        BotCommand::new("agents", "In General: everyone's load"),
        BotCommand::new("summary", "In General: pin a queue summary the bot keeps current"),
        BotCommand::new("stats", "In General: the team's figures: /stats [today|7d|30d|YYYY-MM], /stats me"),
        BotCommand::new("away", "In General: take no new tickets"),
        BotCommand::new("back", "In General: take new tickets again"),
    ];
    // Another group to transfer a ticket to exists only with several.
    if staff_chats.len() > 1 {
        let transfer = BotCommand::new(
            "transfer",
            "Supervisors: /transfer <group> moves the ticket to that staff group",
        );
        let at =
            agents.iter().position(|command| command.command == "move").map_or(agents.len(), |at| at + 1);
        agents.insert(at, transfer);
    }
    // Every staff group has the agents' menu.
    for staff_chat in staff_chats {
        let in_staff_chat = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(*staff_chat)) };
        call(bot, bot.set_my_commands(agents.clone()).scope(in_staff_chat)).await.map_err(refused)?;
    }
    Ok(())
}

/// Each team member's own menu in their private chat with the bot: `/notify`, `/stats`,
/// `/away`, `/back`, where customers' menu would offer a ticket form. A member who never
/// opened the bot has no chat yet (Telegram answers "chat not found"): logged and skipped,
/// their menu comes with the next start. Returns how many were set.
pub async fn register_member_commands(bot: &Bot, members: &[i64]) -> usize {
    let mut set = 0;
    for member in members {
        let commands = [
            BotCommand::new("notify", "How you are told of your tickets: mention, private message, or off"),
            BotCommand::new("stats", "Your figures: /stats me, or the team's /stats [today|7d|30d|YYYY-MM]"),
            BotCommand::new("away", "Take no new tickets"),
            BotCommand::new("back", "Take new tickets again"),
        ];
        let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(*member)) };
        // Through `call`, like every start-up request, so the metrics count it.
        match call(bot, bot.set_my_commands(commands).scope(scope)).await {
            Ok(_) => set += 1,
            Err(Refusal::Transient(error) | Refusal::Token(error) | Refusal::Api(error)) => {
                tracing::info!(member, %error, "no menu of their own for this team member yet");
            }
        }
    }
    set
}

/// The dashboard as the menu button of each team member's private chat with the bot (never
/// the default button, which customers would see too). A member who never opened the bot
/// has no chat yet: that one is logged and skipped. Returns how many were set.
pub async fn set_dashboard_menu(bot: &Bot, url: &str, members: &[i64]) -> Result<usize, String> {
    let web_app =
        teloxide::types::WebAppInfo { url: url.parse().map_err(|error| format!("`{url}`: {error}"))? };
    let mut set = 0;
    for member in members {
        let button =
            teloxide::types::MenuButton::WebApp { text: "Dashboard".to_owned(), web_app: web_app.clone() };
        // Through `call`, like every start-up request, so the metrics count it.
        match call(bot, bot.set_chat_menu_button().chat_id(ChatId(*member)).menu_button(button)).await {
            Ok(_) => set += 1,
            Err(Refusal::Transient(error) | Refusal::Token(error) | Refusal::Api(error)) => {
                tracing::info!(member, %error, "no dashboard menu button for this team member");
            }
        }
    }
    Ok(set)
}

/// One long poll: updates after `offset` (the last applied id), at most 100, each with the
/// JSON Telegram sent for it (kept whole, for an update the desk must set aside: teloxide's
/// own serialisation of an update leaves out its content). Each update is decoded once,
/// from its text (`Decoded`: a customer's plain text directly, anything else by teloxide);
/// the text itself is kept as it came.
pub async fn poll(
    bot: &Bot,
    last_applied: Option<i64>,
    timeout: Duration,
) -> Result<Vec<(super::Decoded, Box<RawValue>)>, teloxide::RequestError> {
    let request = GetUpdatesRaw {
        offset: last_applied.map(|last| (last + 1) as i32),
        limit: 100,
        timeout: timeout.as_secs() as u32,
        allowed_updates: allowed_updates(),
    };
    // Sent by hand like every call: a 5xx answer is retried by the poller's own backoff,
    // not after teloxide's fixed 10 s sleep.
    let raw = super::raw::execute(bot, request).await?;
    raw.into_iter()
        .map(|json| {
            let update =
                super::Decoded::decode(json.get()).map_err(|source| teloxide::RequestError::InvalidJson {
                    source: std::sync::Arc::new(source),
                    raw: json.get().into(),
                })?;
            Ok((update, json))
        })
        .collect()
}

/// The business connections the desk knows, as Telegram now has them (`getBusinessConnection`
/// for each id). One Telegram no longer knows comes back disabled; one that could not be asked
/// (Telegram out of reach) is left out: its next update tells the desk.
pub async fn refresh_business_connections(
    bot: &Bot,
    known: Vec<BusinessConnection>,
) -> Vec<BusinessConnection> {
    let mut refreshed = Vec::new();
    for connection in known {
        let id = teloxide::types::BusinessConnectionId(connection.id.clone());
        match call(bot, bot.get_business_connection(id)).await {
            Ok(now) => refreshed.push(super::translate::business_connection(&now)),
            Err(Refusal::Api(description)) if description.contains("BUSINESS_CONNECTION_INVALID") => {
                tracing::info!(account = %connection.account(), "Telegram no longer knows this business connection");
                refreshed.push(BusinessConnection { enabled: false, ..connection });
            }
            Err(Refusal::Api(error) | Refusal::Transient(error) | Refusal::Token(error)) => {
                tracing::warn!(account = %connection.account(), %error, "could not ask Telegram about a business connection");
            }
        }
    }
    refreshed
}

/// The kinds of update the desk reads, asked for by polling and by the webhook alike.
pub(super) fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::InlineQuery,
        AllowedUpdate::MyChatMember,
        AllowedUpdate::BusinessConnection,
        AllowedUpdate::BusinessMessage,
        AllowedUpdate::EditedBusinessMessage,
        AllowedUpdate::DeletedBusinessMessages,
    ]
}

/// `getUpdates` answering with each update's JSON as sent.
#[derive(serde::Serialize)]
struct GetUpdatesRaw {
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<i32>,
    limit: u8,
    timeout: u32,
    allowed_updates: Vec<AllowedUpdate>,
}

impl Payload for GetUpdatesRaw {
    type Output = Vec<Box<RawValue>>;
    const NAME: &'static str = "GetUpdates";

    fn timeout_hint(&self) -> Option<Duration> {
        Some(Duration::from_secs(u64::from(self.timeout)))
    }
}

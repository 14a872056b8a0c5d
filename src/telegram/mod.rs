//! The Telegram adapter: the only module that uses teloxide. Updates come in through
//! `translate` (their text decoded by `parse`), queued calls go out through `send`, and `startup` checks that the bot can
//! run the desk in the staff chat before anything else happens; `webhook` sets, reads and
//! deletes the webhook of `run --webhook`.

mod dated;
mod parse;
mod quick;
mod raw;
mod send;
mod startup;
mod translate;
mod webhook;

pub use dated::sent_at;
pub use quick::{Decoded, PrivateText};
pub use raw::{CallAnswer, Seen, answer_of_error, token_refused};
pub use send::{Failure, Place, Verdict, send, send_seen, sent_again_unanswered};
pub use startup::{
    BotAccount, CountCalls, StaffChatTrouble, StartupError, check_staff_chat, connect, counting, poll,
    refresh_business_connections, register_commands, register_member_commands, set_dashboard_menu,
    wait_for_telegram,
};
pub use translate::{translate, translate_json, translate_raw};
pub use webhook::{
    Left, MAX_CONNECTIONS, WebhookStatus, decode_update, leave_webhook, set_webhook, webhook_info,
};

pub use teloxide::Bot;
pub use teloxide::types::Update;

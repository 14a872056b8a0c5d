//! The Telegram adapter: the only module that uses teloxide. Updates come in through
//! `translate`, queued calls go out through `send`, and `startup` checks that the bot can
//! run the desk in the staff chat before anything else happens.

mod raw;
mod send;
mod startup;
mod translate;

pub use raw::token_refused;
pub use send::{Failure, Place, Verdict, send, sent_again_unanswered};
pub use startup::{
    BotAccount, StaffChatTrouble, StartupError, check_staff_chat, connect, poll, register_commands,
    wait_for_telegram,
};
pub use translate::{translate, translate_json};

pub use teloxide::Bot;
pub use teloxide::types::Update;

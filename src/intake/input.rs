//! What a customer can do to the intake dialogue, as data the Telegram host builds.
//!
//! The host turns a private-chat update into one [`Input`]: text (commands recognised by
//! [`Input::from_text`]), a button press with its raw callback data, a photo or document, or
//! [`Input::Tick`] when it only wants to know whether an idle session has expired. Nothing here
//! interprets the text beyond recognising a leading `/command`.

use serde::{Deserialize, Serialize};

/// One event from the customer (or the host's expiry timer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A text message that is not a command.
    Text(String),
    /// A slash command.
    Command(Command),
    /// A press on an inline button: the raw `callback_data`, verified by the machine.
    Button(String),
    /// A photo or document.
    Attachment(Attachment),
    /// Nothing from the customer: expire the session if it has been idle too long.
    Tick,
}

/// The commands the dialogue understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start`, or the deep link `/start <form-id>`.
    Start(Option<String>),
    /// `/back`: the previous question (or, while editing, back to the summary).
    Back,
    /// `/skip`: leave an optional question unanswered.
    Skip,
    /// `/cancel`: drop the form without sending anything.
    Cancel,
    /// `/edit`: pick an earlier answer to change.
    Edit,
    /// `/help`: the question's help text and the commands.
    Help,
    /// Any other `/word`, kept for the reply.
    Unknown(String),
}

/// A file the customer sent, by Telegram file id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Telegram's `file_id`, enough to send the file on to the staff topic.
    pub file_id: String,
    /// Whether it came as a photo or as a document.
    pub kind: AttachmentKind,
}

/// Photos and documents are sent on with different Bot API methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A compressed photo (`message.photo`).
    Photo,
    /// Any file sent as a document (`message.document`).
    Document,
}

impl Input {
    /// Text as the customer sent it: `/word` (with an optional `@botname` and argument)
    /// becomes a [`Command`], anything else stays text.
    pub fn from_text(text: &str) -> Input {
        let trimmed = text.trim();
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Input::Text(text.to_owned());
        };
        let (word, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = word.split_once('@').map_or(word, |(name, _bot)| name);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Input::Text(text.to_owned());
        }
        let argument = argument.trim();
        let command = match name.to_ascii_lowercase().as_str() {
            "start" => Command::Start((!argument.is_empty()).then(|| argument.to_owned())),
            "back" => Command::Back,
            "skip" => Command::Skip,
            "cancel" | "stop" => Command::Cancel,
            "edit" => Command::Edit,
            "help" => Command::Help,
            _ => Command::Unknown(format!("/{name}")),
        };
        Input::Command(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised_with_bot_names_and_arguments() {
        assert_eq!(Input::from_text("/start"), Input::Command(Command::Start(None)));
        assert_eq!(
            Input::from_text("/start@topicdesk_bot bug"),
            Input::Command(Command::Start(Some("bug".into())))
        );
        assert_eq!(Input::from_text(" /BACK "), Input::Command(Command::Back));
        assert_eq!(Input::from_text("/frobnicate"), Input::Command(Command::Unknown("/frobnicate".into())));
        assert_eq!(Input::from_text("/ not a command"), Input::Text("/ not a command".into()));
        assert_eq!(Input::from_text("/path/to/file"), Input::Text("/path/to/file".into()));
        assert_eq!(Input::from_text("hello /back"), Input::Text("hello /back".into()));
    }
}

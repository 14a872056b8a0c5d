//! The first half of the outbound plan: what a call becomes as the desk queues it. Each
//! piece is its own outbox entry, so a piece Telegram accepted leaves the outbox and is
//! never sent again while a later piece waits.

use crate::outbox::call::{Call, TEXT_LIMIT, caption_too_long, split_text};

/// What `call` becomes as it is queued: a text over Telegram's 4096 characters goes as
/// several, the reply with the first and the buttons and the report with the last.
pub fn queued(call: Call) -> Vec<Call> {
    match call {
        Call::SendText { to, text, reply_to, buttons, report } if text.chars().count() > TEXT_LIMIT => {
            let parts = split_text(&text, TEXT_LIMIT);
            let last = parts.len() - 1;
            let mut buttons = Some(buttons);
            parts
                .into_iter()
                .enumerate()
                .map(|(index, part)| {
                    let (buttons, report) = if index == last {
                        (buttons.take().unwrap_or_default(), report)
                    } else {
                        (Vec::new(), None)
                    };
                    let reply_to = if index == 0 { reply_to } else { None };
                    Call::SendText { to, text: part, reply_to, buttons, report }
                })
                .collect()
        }
        call => vec![call],
    }
}

/// What the copy of a relayed message becomes as it is queued, given the source's caption
/// (`None` for a text message). A caption longer than a bot may send cannot go with a copy
/// that replies or is sent again from its file, so a single message's long caption is
/// removed from the copy and follows it as a text of its own. Each call is then
/// [`queued`].
pub fn relayed(call: Call, caption: Option<&str>) -> Vec<Call> {
    let long = caption.filter(|caption| caption_too_long(caption));
    match (call, long) {
        (
            Call::Copy { from_chat, message_ids, to, reply_to, album: None, report, text, media, .. },
            Some(long),
        ) => {
            let copy = Call::Copy {
                from_chat,
                message_ids,
                to,
                reply_to,
                album: None,
                report,
                text,
                media,
                caption: Some(String::new()),
            };
            let follow = Call::SendText {
                to,
                text: long.to_owned(),
                reply_to: None,
                buttons: Vec::new(),
                report: None,
            };
            vec![copy, follow]
        }
        (call, _) => vec![call],
    }
}

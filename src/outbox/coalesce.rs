//! Coalescing: while the staff group's budget is short (more messages wait for it than its
//! window admits now), consecutive customer texts queued for the same topic go out as one
//! message instead of one copy each. The combined message numbers each part under its own
//! header line, keeps every text whole, and never exceeds Telegram's 4096 characters; each
//! customer message is then linked to the combined copy, so a reply to any of them finds it
//! and an edit of any of them is posted as a note replying to it (see [`edit_of_copy`]).
//!
//! Pure: the planner (`plan`) decides what is consecutive and whether the budget is short,
//! and asks here how many texts fit and what the combined message says.

use std::fmt::Write as _;

use super::call::{Call, TEXT_LIMIT, Target};
use crate::ticket::TicketId;

/// Whether `texts` (in queue order) fit in one message once combined.
pub fn fits(texts: &[&str]) -> bool {
    combine(texts).chars().count() <= TEXT_LIMIT
}

/// The one message for several customer texts, in order, each under a numbered header so
/// the parts stay apart (a text of several lines stays readable as one part).
pub fn combine(texts: &[&str]) -> String {
    let n = texts.len();
    let mut combined =
        format!("💬 {n} messages from the customer, sent as one while the group's message limit is reached:");
    for (index, text) in texts.iter().enumerate() {
        let _ = write!(combined, "\n── {}/{n} ──\n{text}", index + 1);
    }
    combined
}

/// What the desk's edit of a relayed message becomes once its copy in the topic is known:
/// a copy of one text message is edited in place; the copy of a media message (its caption
/// cannot be edited with the calls the desk uses) and a combined copy of several messages
/// (`part` of `parts`) get a note replying to them instead.
pub fn edit_of_copy(ticket: TicketId, staff_chat: i64, copy: i32, edit: &CopyEdit<'_>) -> Call {
    match edit.parts {
        1 if edit.text_message => Call::EditText {
            chat_id: staff_chat,
            message_id: copy,
            text: format!("{}\n✎ edited", edit.text),
            buttons: Vec::new(),
        },
        1 => note(ticket, copy, format!("✎ The customer edited this message: {}", edit.text)),
        parts => note(
            ticket,
            copy,
            format!("✎ The customer edited message {} of {parts} here: {}", edit.part, edit.text),
        ),
    }
}

/// A customer's edit as it meets its copy.
#[derive(Clone, Copy, Debug)]
pub struct CopyEdit<'a> {
    /// The message's new text (or a label and caption for media).
    pub text: &'a str,
    /// Whether the source is a text message (else media with a caption).
    pub text_message: bool,
    /// Which of the copy's source messages was edited (1-based), and how many it carries.
    pub part: usize,
    pub parts: usize,
}

fn note(ticket: TicketId, copy: i32, text: String) -> Call {
    Call::SendText {
        to: Target::Topic { ticket },
        text,
        reply_to: Some(copy),
        buttons: Vec::new(),
        report: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_combine_numbered_and_in_order() {
        expect_test::expect![[r#"
            💬 2 messages from the customer, sent as one while the group's message limit is reached:
            ── 1/2 ──
            hello
            ── 2/2 ──
            two
            lines"#]]
        .assert_eq(&combine(&["hello", "two\nlines"]));
    }

    #[test]
    fn only_what_fits_in_one_message_joins() {
        let long = "x".repeat(1_900);
        assert!(fits(&["a", "b", "c"]));
        assert!(fits(&[&long, &long]));
        assert!(!fits(&[&long, &long, &long]));
        let whole = "y".repeat(TEXT_LIMIT - 100);
        assert!(!fits(&[&whole, "b"]), "a text near the limit goes alone");
    }

    #[test]
    fn an_edit_replaces_a_single_text_copy_and_notes_anything_else() {
        let ticket = TicketId(4);
        let edit = |text_message, part, parts| CopyEdit { text: "new words", text_message, part, parts };
        assert_eq!(
            edit_of_copy(ticket, -100, 70, &edit(true, 1, 1)),
            Call::EditText {
                chat_id: -100,
                message_id: 70,
                text: "new words\n✎ edited".into(),
                buttons: vec![]
            }
        );
        let noted = |text: &str| Call::SendText {
            to: Target::Topic { ticket },
            text: text.into(),
            reply_to: Some(70),
            buttons: vec![],
            report: None,
        };
        assert_eq!(
            edit_of_copy(ticket, -100, 70, &edit(false, 1, 1)),
            noted("✎ The customer edited this message: new words")
        );
        assert_eq!(
            edit_of_copy(ticket, -100, 70, &edit(true, 2, 3)),
            noted("✎ The customer edited message 2 of 3 here: new words")
        );
    }
}

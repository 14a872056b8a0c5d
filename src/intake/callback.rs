//! Button callback data: compact, tied to one session and one prompt, and verified.
//!
//! The format is `i:<nonce hex>:<prompt seq hex>:<action>`, at most 40 bytes (Telegram allows
//! 64). Parsing is strict: data that does not re-encode to exactly itself is rejected, so there
//! is one spelling per button. A parsed press is still only accepted when the current prompt
//! offers a button with exactly this data (see the machine); parsing alone proves nothing.

/// What a button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    /// Pick (choice) or toggle (multi-choice) the option at this index.
    Option(u16),
    /// Finish a multi-choice selection or a set of files.
    Done,
    Yes,
    No,
    Skip,
    Back,
    Submit,
    Edit,
    /// Change the answer of the field at this index of the form.
    EditField(u16),
    /// Open the form at this index of the menu.
    Form(u16),
    AddToTicket,
    NewTicket,
    /// Read the offered article at this index.
    Article(u16),
    /// "That solved it": the article answered the question; no ticket.
    Solved,
    /// "I still need help": the form goes on.
    NeedHelp,
}

/// A press, as read from callback data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Press {
    pub(super) nonce: u64,
    pub(super) seq: u32,
    pub(super) action: Action,
}

/// Telegram's limit on callback data.
pub const MAX_CALLBACK_BYTES: usize = 64;

const PREFIX: &str = "i";

impl Press {
    pub(super) fn encode(self) -> String {
        let action = match self.action {
            Action::Option(index) => format!("o{index}"),
            Action::Done => "d".to_owned(),
            Action::Yes => "y".to_owned(),
            Action::No => "n".to_owned(),
            Action::Skip => "k".to_owned(),
            Action::Back => "b".to_owned(),
            Action::Submit => "s".to_owned(),
            Action::Edit => "e".to_owned(),
            Action::EditField(index) => format!("f{index}"),
            Action::Form(index) => format!("m{index}"),
            Action::AddToTicket => "a".to_owned(),
            Action::NewTicket => "t".to_owned(),
            Action::Article(index) => format!("r{index}"),
            Action::Solved => "v".to_owned(),
            Action::NeedHelp => "h".to_owned(),
        };
        format!("{PREFIX}:{:x}:{:x}:{action}", self.nonce, self.seq)
    }

    /// The press `data` encodes, or `None` for anything this build never wrote.
    pub(super) fn parse(data: &str) -> Option<Press> {
        if data.len() > MAX_CALLBACK_BYTES {
            return None;
        }
        let mut parts = data.split(':');
        let (Some(PREFIX), Some(nonce), Some(seq), Some(action), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let nonce = u64::from_str_radix(nonce, 16).ok()?;
        let seq = u32::from_str_radix(seq, 16).ok()?;
        let index = || action.get(1..).and_then(|digits| digits.parse::<u16>().ok());
        let action = match action.get(..1)? {
            "o" => Action::Option(index()?),
            "d" if action.len() == 1 => Action::Done,
            "y" if action.len() == 1 => Action::Yes,
            "n" if action.len() == 1 => Action::No,
            "k" if action.len() == 1 => Action::Skip,
            "b" if action.len() == 1 => Action::Back,
            "s" if action.len() == 1 => Action::Submit,
            "e" if action.len() == 1 => Action::Edit,
            "f" => Action::EditField(index()?),
            "m" => Action::Form(index()?),
            "a" if action.len() == 1 => Action::AddToTicket,
            "t" if action.len() == 1 => Action::NewTicket,
            "r" => Action::Article(index()?),
            "v" if action.len() == 1 => Action::Solved,
            "h" if action.len() == 1 => Action::NeedHelp,
            _ => return None,
        };
        let press = Press { nonce, seq, action };
        // One spelling per press: "o01", "+1" or upper-case hex are not ours.
        (press.encode() == data).then_some(press)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_press_fits_and_round_trips() {
        let press = Press { nonce: u64::MAX, seq: u32::MAX, action: Action::EditField(u16::MAX) };
        let data = press.encode();
        assert!(data.len() <= 40, "{data} is {} bytes", data.len());
        assert_eq!(Press::parse(&data), Some(press));
    }

    #[test]
    fn other_spellings_are_rejected() {
        for data in [
            "",
            "i",
            "i:1:2",
            "i:1:2:o",
            "i:1:2:o01",
            "i:01:2:d",
            "i:A:2:d",
            "i:1:2:dd",
            "x:1:2:d",
            "i:1:2:d:",
        ] {
            assert_eq!(Press::parse(data), None, "{data}");
        }
        assert_eq!(Press::parse("i:a:2:o10"), Some(Press { nonce: 10, seq: 2, action: Action::Option(10) }));
    }
}

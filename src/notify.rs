//! Agents' notification preferences, pure: the kinds of news an agent hears of
//! ([`NotifyKind`]), the ways they hear it ([`Channel`]: a mention in the topic, a private
//! message from the bot, nothing), an agent's choices ([`Preferences`]: team.yaml's
//! defaults with the choices made with `/notify` over them, kept as one number), what
//! becomes of one notice now ([`decide`]), the `/notify` buttons' callback data and the
//! digest of notices that waited for a shift to start. The desk acts on it
//! (`desk::notify`); team.yaml's `notify:` is read by `rules`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// What an agent is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotifyKind {
    /// A ticket was assigned to them (by routing or by a supervisor).
    Assigned,
    /// The customer wrote on a ticket they have.
    CustomerWrote,
    /// An SLA warning or breach on a ticket they have.
    Sla,
    /// An escalation went to them.
    Escalation,
    /// Someone mentioned their @username in a ticket's topic.
    Mention,
}

impl NotifyKind {
    pub const ALL: [NotifyKind; 5] = [
        NotifyKind::Assigned,
        NotifyKind::CustomerWrote,
        NotifyKind::Sla,
        NotifyKind::Escalation,
        NotifyKind::Mention,
    ];

    /// The name in team.yaml and in callback data.
    pub fn key(self) -> &'static str {
        match self {
            NotifyKind::Assigned => "assigned",
            NotifyKind::CustomerWrote => "customer_wrote",
            NotifyKind::Sla => "sla",
            NotifyKind::Escalation => "escalation",
            NotifyKind::Mention => "mention",
        }
    }

    /// How `/notify` names it.
    pub fn label(self) -> &'static str {
        match self {
            NotifyKind::Assigned => "A ticket assigned to me",
            NotifyKind::CustomerWrote => "A customer wrote on my ticket",
            NotifyKind::Sla => "SLA warning or breach on my ticket",
            NotifyKind::Escalation => "An escalation to me",
            NotifyKind::Mention => "Someone mentioned me in a topic",
        }
    }

    fn index(self) -> u32 {
        match self {
            NotifyKind::Assigned => 0,
            NotifyKind::CustomerWrote => 1,
            NotifyKind::Sla => 2,
            NotifyKind::Escalation => 3,
            NotifyKind::Mention => 4,
        }
    }

    fn from_index(index: u64) -> Option<NotifyKind> {
        NotifyKind::ALL.into_iter().find(|kind| u64::from(kind.index()) == index)
    }

    fn from_key(key: &str) -> Option<NotifyKind> {
        NotifyKind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// How an agent hears of one kind of news.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A mention in the ticket's topic (Telegram notifies the mentioned person).
    Mention,
    /// A private message from the bot, with a link to the topic.
    Private,
    /// Nothing.
    Off,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Mention, Channel::Private, Channel::Off];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Mention => "mention",
            Channel::Private => "private",
            Channel::Off => "off",
        }
    }

    /// How `/notify` names it.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Mention => "in the topic",
            Channel::Private => "private",
            Channel::Off => "off",
        }
    }

    fn code(self) -> u64 {
        match self {
            Channel::Mention => 1,
            Channel::Private => 2,
            Channel::Off => 3,
        }
    }

    fn from_code(code: u64) -> Option<Channel> {
        Channel::ALL.into_iter().find(|channel| channel.code() == code)
    }

    fn from_key(key: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|channel| channel.key() == key)
    }
}

/// An agent's choice for every kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preferences {
    channels: [Channel; 5],
}

/// What an agent with forty tickets a day expects: told in the topic of what needs them
/// (a new ticket, a clock running out, an escalation, a mention), not of every message a
/// customer writes on one of their tickets (the topic shows those).
impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            channels: [Channel::Mention, Channel::Off, Channel::Mention, Channel::Mention, Channel::Mention],
        }
    }
}

impl Preferences {
    pub fn get(self, kind: NotifyKind) -> Channel {
        self.channels[kind.index() as usize]
    }

    pub fn set(&mut self, kind: NotifyKind, channel: Channel) {
        self.channels[kind.index() as usize] = channel;
    }

    /// These preferences as the choices stored over `defaults`: two bits a kind, zero
    /// where a kind follows the default.
    pub fn overrides(self, defaults: Preferences) -> u64 {
        NotifyKind::ALL
            .into_iter()
            .filter(|kind| self.get(*kind) != defaults.get(*kind))
            .map(|kind| self.get(kind).code() << (2 * kind.index()))
            .fold(0, |bits, code| bits | code)
    }

    /// `defaults` with the stored choices `bits` over them (see [`Preferences::overrides`]).
    pub fn with_overrides(defaults: Preferences, bits: u64) -> Preferences {
        let mut preferences = defaults;
        for kind in NotifyKind::ALL {
            if let Some(channel) = Channel::from_code((bits >> (2 * kind.index())) & 0b11) {
                preferences.set(kind, channel);
            }
        }
        preferences
    }
}

/// What becomes of one notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// The agent is mentioned in the topic.
    InTopic,
    /// A private message goes now.
    Private,
    /// The private message waits for the agent's shift to start, at this time.
    Later(jiff::Timestamp),
    /// Nothing is said to the agent.
    Nothing,
}

/// The way a notice goes, for an agent who chose `channel`: `reachable` is false once
/// Telegram refused the bot's private messages to them (never started, or blocked), which
/// turns a private message into a mention; `shift_start` is `None` while the agent is
/// within their working hours, else when those hours start again.
pub fn decide(channel: Channel, reachable: bool, shift_start: Option<jiff::Timestamp>) -> Way {
    match (channel, reachable, shift_start) {
        (Channel::Off, _, _) => Way::Nothing,
        (Channel::Mention, _, _) | (Channel::Private, false, _) => Way::InTopic,
        (Channel::Private, true, None) => Way::Private,
        (Channel::Private, true, Some(at)) => Way::Later(at),
    }
}

const CALLBACK: &str = "notify:";

/// The callback data of the `/notify` button that sets `kind` to `channel`.
pub fn callback(kind: NotifyKind, channel: Channel) -> String {
    format!("{CALLBACK}{}:{}", kind.key(), channel.key())
}

/// The kind and channel a `/notify` button sets; `None` for any other data.
pub fn parse_callback(data: &str) -> Option<(NotifyKind, Channel)> {
    let (kind, channel) = data.strip_prefix(CALLBACK)?.split_once(':')?;
    Some((NotifyKind::from_key(kind)?, Channel::from_key(channel)?))
}

/// A notice waiting for a shift, as the store keeps it: the ticket number and the kind.
pub fn pack(ticket: u64, kind: NotifyKind) -> u64 {
    (ticket << 3) | u64::from(kind.index())
}

/// The ticket number and kind of a packed notice; `None` for a value this build cannot read.
pub fn unpack(value: u64) -> Option<(u64, NotifyKind)> {
    Some((value >> 3, NotifyKind::from_index(value & 0b111)?))
}

/// What one private notice says (without the link), for `ticket` (its display number).
pub fn notice_line(kind: NotifyKind, ticket: &str) -> String {
    match kind {
        NotifyKind::Assigned => format!("{ticket} was assigned to you."),
        NotifyKind::CustomerWrote => format!("The customer wrote on {ticket}."),
        NotifyKind::Sla => format!("SLA warning or breach on {ticket}."),
        NotifyKind::Escalation => format!("{ticket} was escalated to you."),
        NotifyKind::Mention => format!("You were mentioned in {ticket}."),
    }
}

/// The digest of the notices that waited for a shift to start: one line per ticket and
/// kind, in the order they came, repeats counted.
pub fn digest_text(notices: &[(String, NotifyKind)]) -> String {
    let mut lines: Vec<((&str, NotifyKind), usize)> = Vec::new();
    for (ticket, kind) in notices {
        match lines.iter_mut().find(|((t, k), _)| t == ticket && k == kind) {
            Some((_, count)) => *count += 1,
            None => lines.push(((ticket.as_str(), *kind), 1)),
        }
    }
    let mut text = format!("While you were off shift ({} notices):", notices.len());
    for ((ticket, kind), count) in lines {
        text.push_str("\n• ");
        text.push_str(&notice_line(kind, ticket));
        if count > 1 {
            let _ = write!(text, " (×{count})");
        }
    }
    text
}

/// The team members whose `@username` the text names, by their usernames (compared without
/// case, as Telegram does).
pub fn mentioned<'a>(text: &str, usernames: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
        .filter_map(|word| word.strip_prefix('@'))
        .map(str::to_ascii_lowercase)
        .collect();
    usernames.into_iter().filter(|name| words.iter().any(|word| word.eq_ignore_ascii_case(name))).collect()
}

/// `https://t.me/c/<chat without -100>/<topic>`: the link Telegram gives a supergroup's topic.
pub fn topic_link(chat_id: i64, thread_id: i32) -> String {
    let chat = chat_id.to_string();
    let internal = chat.strip_prefix("-100").unwrap_or(chat.trim_start_matches('-'));
    format!("https://t.me/c/{internal}/{thread_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_round_trip_and_keep_only_what_differs() {
        let defaults = Preferences::default();
        assert_eq!(defaults.overrides(defaults), 0);
        let mut mine = defaults;
        mine.set(NotifyKind::CustomerWrote, Channel::Private);
        mine.set(NotifyKind::Sla, Channel::Off);
        let bits = mine.overrides(defaults);
        assert_ne!(bits, 0);
        assert_eq!(Preferences::with_overrides(defaults, bits), mine);
        // A choice equal to the default is not stored: a later team.yaml default applies.
        mine.set(NotifyKind::Sla, Channel::Mention);
        let mut later = defaults;
        later.set(NotifyKind::Sla, Channel::Private);
        let bits = mine.overrides(defaults);
        assert_eq!(Preferences::with_overrides(later, bits).get(NotifyKind::Sla), Channel::Private);
        assert_eq!(Preferences::with_overrides(later, bits).get(NotifyKind::CustomerWrote), Channel::Private);
    }

    #[test]
    fn defaults_tell_of_what_needs_the_agent_and_not_of_every_message() {
        let defaults = Preferences::default();
        assert_eq!(defaults.get(NotifyKind::Assigned), Channel::Mention);
        assert_eq!(defaults.get(NotifyKind::CustomerWrote), Channel::Off);
        assert_eq!(defaults.get(NotifyKind::Sla), Channel::Mention);
        assert_eq!(defaults.get(NotifyKind::Escalation), Channel::Mention);
    }

    #[test]
    fn decide_each_channel() {
        let later = jiff::Timestamp::from_second(1_000).expect("time");
        assert_eq!(decide(Channel::Off, true, None), Way::Nothing);
        assert_eq!(decide(Channel::Off, false, Some(later)), Way::Nothing);
        assert_eq!(decide(Channel::Mention, true, Some(later)), Way::InTopic);
        assert_eq!(decide(Channel::Private, true, None), Way::Private);
        assert_eq!(decide(Channel::Private, true, Some(later)), Way::Later(later));
        assert_eq!(decide(Channel::Private, false, None), Way::InTopic);
        assert_eq!(decide(Channel::Private, false, Some(later)), Way::InTopic);
    }

    #[test]
    fn callbacks_and_packed_notices_round_trip() {
        for kind in NotifyKind::ALL {
            for channel in Channel::ALL {
                assert_eq!(parse_callback(&callback(kind, channel)), Some((kind, channel)));
            }
            assert_eq!(unpack(pack(123_456, kind)), Some((123_456, kind)));
        }
        assert_eq!(parse_callback("notify:assigned:loud"), None);
        assert_eq!(parse_callback("csat:1:5"), None);
        assert_eq!(unpack(7), None);
    }

    #[test]
    fn digest_groups_repeats() {
        let notices = vec![
            ("T-000001".to_owned(), NotifyKind::CustomerWrote),
            ("T-000002".to_owned(), NotifyKind::Assigned),
            ("T-000001".to_owned(), NotifyKind::CustomerWrote),
        ];
        assert_eq!(
            digest_text(&notices),
            "While you were off shift (3 notices):\n• The customer wrote on T-000001. (×2)\n\
             • T-000002 was assigned to you."
        );
    }

    #[test]
    fn mentions_are_usernames_without_case() {
        let names = ["ann_support", "bob"];
        assert_eq!(mentioned("thanks @Ann_Support, and @bobby", names), vec!["ann_support"]);
        assert_eq!(mentioned("ask @bob.", names), vec!["bob"]);
        assert!(mentioned("mail bob@example.com", names).is_empty());
    }
}

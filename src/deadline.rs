//! The timers of a ticket ([`DeadlineKind`], one row each in the deadline index, as
//! [`sla::Timer::Ticket`](crate::sla::Timer)) and the [`Mark`] recorded in its history once a
//! timer's step has been acted on.
//!
//! Vocabulary of `ticket` (a `Timer` change), `history` (a `Timer` entry), `store` (its
//! records) and `sla` (which computes the steps and reads the marks back), so it sits below
//! all of them. Marks are what make timers restart-safe: see `sla`.

/// The timers of one ticket, one row each in the deadline index.
///
/// The discriminants number the kinds densely from 0 (`sla` keeps one slot per kind); how
/// the store files a kind on disk is the store's own, and never follows a renumbering here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    FirstResponse = 0,
    NextResponse = 1,
    Resolution = 2,
    /// A resolved ticket's silence: warn the customer, then close.
    AutoClose = 3,
    /// Awaiting the customer for the configured time: remind them.
    Reminder = 4,
    /// An active ticket older than desk.yaml `escalate_after_age`: escalate it, once.
    Age = 5,
    /// desk.yaml `csat.delay` after the resolution (or closing): ask the satisfaction
    /// survey, once in the ticket's life.
    Csat = 6,
}

/// A step the desk has acted on, recorded in history (`EntryKind::Timer`) so it never fires
/// again. A mark also covers every earlier step of the same stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark {
    pub kind: DeadlineKind,
    /// The history `seq` of the entry that started the stretch being timed: the creation,
    /// the customer message awaiting a reply, the resolution or the request to the customer.
    pub since: u32,
    /// [`Step::index`](crate::sla::Step::index) of the step acted on.
    pub step: u8,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 7] = [
        DeadlineKind::FirstResponse,
        DeadlineKind::NextResponse,
        DeadlineKind::Resolution,
        DeadlineKind::AutoClose,
        DeadlineKind::Reminder,
        DeadlineKind::Age,
        DeadlineKind::Csat,
    ];

    /// The kind's number, 0 to 6 (see the type's note).
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The kind numbered `byte`; `None` for a number this build does not know.
    pub fn from_u8(byte: u8) -> Option<DeadlineKind> {
        DeadlineKind::ALL.into_iter().find(|kind| kind.as_u8() == byte)
    }

    /// The snake-case name used in history records and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::FirstResponse => "first_response",
            DeadlineKind::NextResponse => "next_response",
            DeadlineKind::Resolution => "resolution",
            DeadlineKind::AutoClose => "auto_close",
            DeadlineKind::Reminder => "reminder",
            DeadlineKind::Age => "age",
            DeadlineKind::Csat => "csat",
        }
    }

    /// The kind named `name` (see [`DeadlineKind::as_str`]).
    pub fn from_name(name: &str) -> Option<DeadlineKind> {
        DeadlineKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

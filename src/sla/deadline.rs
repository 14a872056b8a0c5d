//! What the deadline index holds: a [`Deadline`] is a [`Timer`] and the time it falls due.
//! A timer is a ticket's ([`DeadlineKind`]: its SLA clocks and automations, computed by
//! [`plan`](super::plan)) or the desk's own ([`DeskTimer`]: the queue summary's refresh,
//! the next end of a shift, the next expiry of an intake dialogue, the weekly digest).
//!
//! The names are the whole vocabulary: how the store encodes a timer on disk (a ticket
//! number and a kind byte) is the store's alone.

use jiff::Timestamp;

use crate::deadline::DeadlineKind;
use crate::ticket::TicketId;

/// A timer and when it falls due.
///
/// Deadlines order by due time, then timer: the order [`State::due`] answers in.
///
/// [`State::due`]: crate::desk::State::due
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline {
    pub due: Timestamp,
    pub timer: Timer,
}

/// One row of the deadline index: at most one deadline per timer.
///
/// Desk timers order before ticket timers, tickets by number and each ticket's by kind, so
/// deadlines due at the same instant are taken in one order everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// The desk's own, about no ticket.
    Desk(DeskTimer),
    /// One of a ticket's SLA clocks or automations.
    Ticket(TicketId, DeadlineKind),
}

/// The desk's own timers, one each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeskTimer {
    /// The queue summary in General asks for a refresh.
    Summary,
    /// The next end of an agent's shift.
    ShiftEnd,
    /// The next idle intake dialogue expires.
    IntakeExpiry,
    /// The supervisors' weekly digest falls due (desk.yaml `weekly_digest`).
    Digest,
    /// The next retention pass (desk.yaml `retention`): a closed ticket or an audit entry
    /// falls due, a pass goes on with its next batch, or the policy changed.
    Retention,
    /// The data file is compacted after a large retention pass, at a quiet hour.
    Compaction,
    /// The next start of a shift of an agent with private notices waiting (`desk::notify`).
    Notices,
}

impl Timer {
    /// The ticket the timer belongs to; `None` for the desk's own.
    pub fn ticket(self) -> Option<TicketId> {
        match self {
            Timer::Ticket(ticket, _) => Some(ticket),
            Timer::Desk(_) => None,
        }
    }
}

impl DeskTimer {
    pub const ALL: [DeskTimer; 7] = [
        DeskTimer::Summary,
        DeskTimer::ShiftEnd,
        DeskTimer::IntakeExpiry,
        DeskTimer::Digest,
        DeskTimer::Retention,
        DeskTimer::Compaction,
        DeskTimer::Notices,
    ];
}

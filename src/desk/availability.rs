//! Agents' availability: `/away` and `/back`, in the staff chat's General topic or in the
//! bot's private chat. Away agents get no new tickets; what happens to the tickets they
//! hold is desk.yaml's `away_policy`: keep them, return them to the queue, or route them
//! again.

use std::fmt::Write as _;

use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::outbox::Lane;
use crate::outbox::{Call, Target};
use crate::rules::AwayPolicy;
use crate::ticket::Change;

/// The store counter that marks an agent away.
pub(super) fn away_key(agent: i64) -> String {
    format!("away:{agent}")
}

impl Desk<'_> {
    /// Whether an agent said `/away` and not `/back` since.
    pub(super) fn is_away<S: State>(state: &S, agent: i64) -> Result<bool, DeskError> {
        Ok(state.counter(&away_key(agent))?.is_some_and(|flag| flag == 1))
    }

    /// `/away` or `/back` from a team member, answered in `reply_chat`.
    pub(super) fn availability<S: State>(
        &self,
        state: &mut S,
        agent: u64,
        away: bool,
        reply_chat: i64,
    ) -> Result<(), DeskError> {
        state.set_counter(&away_key(agent as i64), u64::from(away))?;
        let name = super::card::agent_name(self.rules, agent);
        let mut reply = if away {
            format!("{name} is away: no new tickets until /back.")
        } else {
            format!("Welcome back, {name}: new tickets reach you again.")
        };
        if away {
            let handed = self.hand_on(state, agent, &format!("{name} is away"))?;
            if handed > 0 {
                let _ = write!(reply, " Tickets handed on: {handed}.");
            }
        }
        let call = Call::SendText {
            to: Target::Chat { chat_id: reply_chat },
            text: reply,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, None, Lane::Message, call)
    }

    /// Hands on the tickets `agent` holds as desk.yaml's `away_policy` says (nothing, back
    /// to the queue, or routed again), saying `why` in the topic of each one left in the
    /// queue. Returns how many were handed on.
    pub(super) fn hand_on<S: State>(&self, state: &mut S, agent: u64, why: &str) -> Result<usize, DeskError> {
        let policy = self.rules.desk().away_policy;
        if policy == AwayPolicy::Keep {
            return Ok(0);
        }
        let held = state.tickets_of_assignee(agent)?;
        for &id in &held {
            let Some(mut ticket) = state.ticket(id)? else { continue };
            let before = ticket.clone();
            let entries = ticket
                .apply(Change::Assign { to: None }, &self.system(), self.now)
                .expect("assigning is always legal");
            self.commit(state, &before, &ticket, &entries)?;
            let routed =
                if policy == AwayPolicy::Reroute { self.reroute(state, &mut ticket, None)? } else { None };
            if routed.is_none() {
                self.say_in_topic(state, id, format!("{why}: back in the queue."))?;
            }
        }
        Ok(held.len())
    }

    /// `/away` and `/back` typed in General.
    pub(super) fn general_availability<S: State>(
        &self,
        state: &mut S,
        m: &StaffMessage,
        word: &str,
    ) -> Option<Result<(), DeskError>> {
        match word {
            "away" => Some(self.availability(state, m.from, true, self.groups.current(m.chat_id))),
            "back" => Some(self.availability(state, m.from, false, self.groups.current(m.chat_id))),
            _ => None,
        }
    }
}

//! End of shift: when an agent's working hours (team.yaml `working_hours`) end, the desk
//! hands on the tickets they hold as desk.yaml's `away_policy` says, as if they had said
//! `/away`. When their hours start again they take new tickets again: routing reads who is
//! on duty from the time, so nothing needs undoing.
//!
//! The next end of anyone's shift is one desk-level deadline in the index, set the first
//! time the desk acts and again whenever the rule set changes. When it falls due, every
//! agent whose shift ended since the last look (and who is off duty now) hands on.

use jiff::Timestamp;

use super::summary::fingerprint;
use super::{Desk, DeskError, State};
use crate::sla::{Deadline, DeskTimer, Timer};

/// The desk timer of the next end of a shift.
const SHIFT_END: Timer = Timer::Desk(DeskTimer::ShiftEnd);

/// When the desk last looked for ended shifts, unix milliseconds.
const CHECKED: &str = "shifts:checked";
/// A fingerprint of the rule set the deadline was computed with.
const RULES: &str = "shifts:rules";

impl Desk<'_> {
    /// Puts the next end of a shift in the deadline index, unless it is already there for
    /// the rules in force.
    pub(super) fn watch_shifts<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let rules = fingerprint(&self.rules.version().full());
        if state.counter(RULES)? == Some(rules) {
            return Ok(());
        }
        state.set_counter(RULES, rules)?;
        if state.counter(CHECKED)?.is_none() {
            state.set_counter(CHECKED, millis(self.now))?;
        }
        self.schedule_shift_end(state)
    }

    /// The end of a shift fell due: everyone whose shift ended since the last look, and
    /// who is off duty now, hands on their tickets.
    pub(super) fn shifts_ended<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let last = state
            .counter(CHECKED)?
            .and_then(|ms| Timestamp::from_millisecond(ms as i64).ok())
            .unwrap_or(self.now);
        state.set_counter(CHECKED, millis(self.now))?;
        for agent in &self.rules.team().agents {
            let ended = self.rules.shift_end(agent.id, last).is_some_and(|end| end <= self.now);
            if !ended || self.rules.on_duty(agent.id, self.now) || Self::is_away(state, agent.id)? {
                continue;
            }
            let name = super::card::agent_name(self.rules, agent.id as u64);
            let handed = self.hand_on(state, agent.id as u64, &format!("{name}'s shift ended"))?;
            if handed > 0 {
                let text = format!("{name}'s shift ended. Tickets handed on: {handed}.");
                self.say_in_general(state, text, Vec::new())?;
            }
        }
        self.schedule_shift_end(state)
    }

    fn schedule_shift_end<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let agents = &self.rules.team().agents;
        match agents.iter().filter_map(|agent| self.rules.shift_end(agent.id, self.now)).min() {
            Some(due) => state.set_deadline(Deadline { due, timer: SHIFT_END })?,
            None => state.clear_deadline(SHIFT_END)?,
        }
        Ok(())
    }
}

fn millis(at: Timestamp) -> u64 {
    u64::try_from(at.as_millisecond()).unwrap_or(0)
}

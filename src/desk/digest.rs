//! The weekly digest: once a week (desk.yaml `weekly_digest`, Mondays at 09:00 in the
//! desk's time zone unless it says otherwise) every supervisor in team.yaml gets the last
//! seven days' figures, with the week before beside them and the active tickets now, in
//! their private chat with the bot. `weekly_digest: { enabled: false }` turns it off.
//!
//! Its due time is one desk-level deadline in the index (`DeskTimer::Digest`), set the first
//! time the desk acts and again whenever the setting or the time zone changes. When it falls
//! due the desk queues the messages, records the due time it sent for (a counter) and sets
//! the next one, all in the tick's transaction: a restart finds the next deadline, and a
//! digest already recorded is never queued again.
//!
//! A supervisor who never opened a chat with the bot cannot be written to: Telegram's 403
//! in a private chat is a defined outcome of the dispatcher's (`telegram::send::judge`: done,
//! the person is unreachable), never a retry. For a team member the desk says so in General,
//! once, until they next write to the bot.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::summary::fingerprint;
use super::{Desk, DeskError, State};
use crate::metrics::{GroupBy, compact};
use crate::outbox::{Call, Lane, Target};
use crate::rules::WeeklyDigest;
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::Status;

/// The desk timer of the next digest.
const DIGEST: Timer = Timer::Desk(DeskTimer::Digest);

/// The due time (unix milliseconds) of the last digest queued.
const SENT: &str = "digest:sent";
/// A fingerprint of the setting and time zone the deadline was set for.
const PLANNED: &str = "digest:planned";

/// A team member whose private chat Telegram refused, told in General: 1.
pub(super) fn unreachable_key(member: u64) -> String {
    format!("staff_unreachable:{member}")
}

const WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

impl Desk<'_> {
    /// Puts the next digest in the deadline index (or takes it out, when turned off),
    /// unless that was done for the setting in force.
    pub(super) fn watch_digest<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let settings = self.rules.desk().weekly_digest;
        let planned = fingerprint(&format!("{settings:?} {}", self.rules.desk().timezone.value));
        if state.counter(PLANNED)? == Some(planned) {
            return Ok(());
        }
        state.set_counter(PLANNED, planned)?;
        self.schedule_digest(state)
    }

    /// The digest fell due at `due`: each supervisor gets it, once, and the next is set.
    pub(super) fn digest_due<S: State>(&self, state: &mut S, due: Timestamp) -> Result<(), DeskError> {
        let due_ms = u64::try_from(due.as_millisecond()).unwrap_or(0);
        if self.rules.desk().weekly_digest.enabled && state.counter(SENT)? != Some(due_ms) {
            let text = self.digest_text(state)?;
            for supervisor in self.rules.team().supervisors() {
                let call = Call::SendText {
                    to: Target::Chat { chat_id: supervisor.id },
                    text: text.clone(),
                    reply_to: None,
                    buttons: Vec::new(),
                    report: None,
                };
                self.queue(state, None, Lane::Message, call)?;
            }
            state.set_counter(SENT, due_ms)?;
        }
        self.schedule_digest(state)
    }

    /// Telegram refused a private message to team member `member`: General hears it once.
    pub(super) fn team_member_unreachable<S: State>(
        &self,
        state: &mut S,
        member: u64,
    ) -> Result<(), DeskError> {
        self.private_notices_refused(state, member)?;
        let key = unreachable_key(member);
        if state.counter(&key)? == Some(1) {
            return Ok(());
        }
        state.set_counter(&key, 1)?;
        let name = super::card::agent_name(self.rules, member);
        let text = format!(
            "⚠ Telegram refuses the bot's private messages to {name} (never started, or blocked): the \
             weekly digest and other private notices cannot reach them until they open the bot and press Start. \
             Meanwhile the notifications they chose to get in private come as mentions in the topics."
        );
        self.say_in_general(state, text, Vec::new())
    }

    /// A team member wrote to the bot in private: it can write to them again.
    pub(super) fn team_member_reachable<S: State>(state: &mut S, member: u64) -> Result<(), DeskError> {
        Self::private_chat_started(state, member)?;
        let key = unreachable_key(member);
        if state.counter(&key)? == Some(1) {
            state.set_counter(&key, 0)?;
        }
        Ok(())
    }

    fn schedule_digest<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        let settings = self.rules.desk().weekly_digest;
        if !settings.enabled {
            return Ok(state.clear_deadline(DIGEST)?);
        }
        let due = next_digest(settings, &self.time_zone(), self.now);
        Ok(state.set_deadline(Deadline { due, timer: DIGEST })?)
    }

    /// The last seven days, per agent, with the seven days before them.
    fn digest_text<S: State>(&self, state: &S) -> Result<String, DeskError> {
        let since = self.now - WEEK;
        let week = self.figures(state, since, None, Some(GroupBy::Agent), None)?;
        let before = self.figures(state, since - WEEK, Some(since), None, None)?;
        let zone = self.time_zone();
        let day = |at: Timestamp| at.to_zoned_datetime(zone.clone()).strftime("%b %-d").to_string();
        let title = format!("Weekly digest, {} to {}", day(since), day(self.now));
        let mut text = compact::team_text(&title, &week, Some(("Week before", &before)));
        // Where the desk stands as the week starts, whenever its tickets were opened.
        let (mut active, mut unassigned) = (0, 0);
        for status in [Status::New, Status::Open, Status::AwaitingCustomer] {
            for id in state.tickets_in_status(status)? {
                active += 1;
                unassigned += usize::from(state.ticket(id)?.is_some_and(|t| t.assignee.is_none()));
            }
        }
        let _ = write!(text, "\nNow: {active} active, {unassigned} of them unassigned");
        Ok(text)
    }
}

/// The first time after `now` that falls on `settings.day` at `settings.at` in `zone`. A
/// local time that a daylight-saving change skips goes out just after the change.
pub(super) fn next_digest(settings: WeeklyDigest, zone: &TimeZone, now: Timestamp) -> Timestamp {
    let mut date = now.to_zoned_datetime(zone.clone()).date();
    for _ in 0..=7 {
        if date.weekday() == settings.day
            && let Ok(local) = date.to_datetime(settings.at).to_zoned_datetime(zone.clone())
            && local.timestamp() > now
        {
            return local.timestamp();
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    now + WEEK
}

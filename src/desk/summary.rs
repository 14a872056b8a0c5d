//! The queue summary pinned in General, unless desk.yaml says `queue_summary: false`: the
//! bot posts one message and pins it the first time the desk acts (a change of the queue
//! or a tick), and from then on edits it to show the queue's state. Every change that can
//! alter the queue asks for a refresh through the deadline index (a desk-level deadline,
//! not a ticket's), due no sooner than a minute after the last post or edit; when it
//! falls due the summary is edited only if what it says changed. So the staff group sees
//! one message, and at most one edit a minute, whatever the traffic.
//!
//! Each staff group has its own, showing the tickets of that group (today's figures are
//! the desk's); one refresh timer serves them all, and each is edited only when what it
//! says changed.
//!
//! Deleted by someone, it is posted and pinned anew at its next edit; `/summary` in
//! General posts it anew at once.
//!
//! Times on it are clock times in the desk's time zone ("since 14:05"), not ages, so an
//! unchanged queue reads the same from one minute to the next and costs nothing.
//!
//! With desk.yaml `queue_summary_figures: true` it also shows today's figures (the tickets
//! created since local midnight: how many, resolved, the median first reply, SLA
//! breaches), refreshed like the queue when a change can move them (a ticket opened or
//! resolved, a reply, a breach) and at local midnight, when they start again.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};

use super::{Desk, DeskError, State};
use crate::groups::StaffGroup;
use crate::outbox::{Call, Lane, Report, Target};
use crate::rules::RuleSet;
use crate::sla::{Deadline, DeskTimer, Timer};
use crate::ticket::{Status, Ticket};

/// The deadline index holds the summary's refresh as this desk timer.
const SUMMARY_DUE: Timer = Timer::Desk(DeskTimer::Summary);

/// At most one post or edit of the summary per this much time.
const MIN_GAP: SignedDuration = SignedDuration::from_mins(1);
/// Unassigned tickets listed by name; the rest are counted.
const LISTED: usize = 10;

/// The summary's message id in General; 0 while its first post is on the way.
const MESSAGE: &str = "queue_summary:message";
/// A fingerprint of what the summary last said.
const SAID: &str = "queue_summary:said";
/// When it was last posted or edited, unix milliseconds.
const AT: &str = "queue_summary:at";
/// The message id stored once desk.yaml turned the summary off and it said so: none.
const RETIRED: u64 = u64::MAX;

impl Desk<'_> {
    /// `/summary` in General: posts the summary anew and pins it (say the pinned message
    /// is lost among others); with the summary turned off in desk.yaml, says so.
    pub(super) fn summary_command<S: State>(
        &self,
        state: &mut S,
        group: &StaffGroup,
    ) -> Result<(), DeskError> {
        if self.rules.desk().queue_summary {
            return self.start_summary(state, group);
        }
        let text = "The queue summary is off (desk.yaml `queue_summary: false`); /queue lists the queue.";
        self.say_in_general_of(state, group.chat, text.to_owned(), Vec::new())
    }

    /// The counter `base` of `group`'s summary: the desk's own group keeps the names it
    /// had before there were several.
    fn summary_key(&self, base: &str, group: &StaffGroup) -> String {
        if group.name == self.groups.desk_group().name {
            base.to_owned()
        } else {
            format!("{base}:{}", group.name)
        }
    }

    /// Posts the summary now and pins it; from then on the desk keeps it current.
    fn start_summary<S: State>(&self, state: &mut S, group: &StaffGroup) -> Result<(), DeskError> {
        state.set_counter(&self.summary_key(MESSAGE, group), 0)?;
        let text = self.summary_now(state, group)?;
        let call = Call::SendText {
            to: Target::Chat { chat_id: group.chat },
            text: self.stamped(&text),
            reply_to: None,
            buttons: Vec::new(),
            report: Some(Report::Summary),
        };
        self.queue(state, None, Lane::Message, call)?;
        self.said(state, group, &text)?;
        self.refresh_at_midnight(state)
    }

    /// Posts each group's summary if desk.yaml wants one and there is none yet: the first
    /// time the desk acts. Returns whether any group has one.
    pub(super) fn summary_started<S: State>(&self, state: &mut S) -> Result<bool, DeskError> {
        let mut any = false;
        for group in self.groups.all() {
            any |= self.summary_started_in(state, group)?;
        }
        Ok(any)
    }

    /// Posts the group's summary if desk.yaml wants one and there is none yet. Returns
    /// whether there is one.
    /// Turned off in desk.yaml, a summary already pinned says so once instead of going stale.
    fn summary_started_in<S: State>(&self, state: &mut S, group: &StaffGroup) -> Result<bool, DeskError> {
        let message = state.counter(&self.summary_key(MESSAGE, group))?;
        if !self.rules.desk().queue_summary {
            if let Some(id) = message.filter(|id| *id != 0 && *id != RETIRED) {
                let text =
                    "📋 The queue summary is off (desk.yaml `queue_summary: false`); /queue lists the queue.";
                let call = Call::EditText {
                    chat_id: group.chat,
                    message_id: id as i32,
                    text: text.to_owned(),
                    buttons: Vec::new(),
                };
                self.queue(state, None, Lane::Cosmetic, call)?;
                state.set_counter(&self.summary_key(MESSAGE, group), RETIRED)?;
            }
            return Ok(false);
        }
        if message.is_none_or(|id| id == RETIRED) {
            self.start_summary(state, group)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Asks for a refresh of the summary: due now, or a minute after the last post or
    /// edit. Posts it instead when there is none yet.
    fn summary_soon<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        if !self.summary_started(state)? {
            return Ok(());
        }
        let mut last: Option<Timestamp> = None;
        for group in self.groups.all() {
            let at = state.counter(&self.summary_key(AT, group))?;
            let at = at.and_then(|ms| Timestamp::from_millisecond(ms as i64).ok());
            last = last.max(at);
        }
        let due = last.map_or(self.now, |last| (last + MIN_GAP).max(self.now));
        state.set_deadline(Deadline { due, timer: SUMMARY_DUE })?;
        Ok(())
    }

    /// The desk-level part of a tick: the weekly digest, ended shifts and the summary's
    /// refresh when they fell due; the summary posted and the next end of a shift and the
    /// next digest set if not yet done.
    pub(super) fn desk_level_tick<S: State>(&self, state: &mut S, due: &[Deadline]) -> Result<(), DeskError> {
        let digest = due.iter().find(|d| d.timer == Timer::Desk(DeskTimer::Digest)).map(|d| d.due);
        let due = |timer: DeskTimer| due.iter().any(|d| d.timer == Timer::Desk(timer));
        if let Some(at) = digest {
            self.digest_due(state, at)?;
        }
        if due(DeskTimer::ShiftEnd) {
            self.shifts_ended(state)?;
        }
        if due(DeskTimer::IntakeExpiry) {
            self.expire_sessions(state)?;
        }
        if due(DeskTimer::Retention) {
            self.retention_batch(state)?;
        }
        if due(DeskTimer::Compaction) {
            Self::compaction_due(state)?;
        }
        if due(DeskTimer::Notices) {
            self.notices_due(state)?;
        }
        self.watch_shifts(state)?;
        self.watch_digest(state)?;
        self.watch_retention(state)?;
        self.summary_started(state)?;
        if due(DeskTimer::Summary) {
            self.refresh_summary(state)?;
        }
        Ok(())
    }

    /// The desk-level part of a change of the queue: the summary's refresh asked for, and
    /// the next end of a shift and the next digest set if not yet done.
    pub(super) fn desk_level_soon<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        self.watch_shifts(state)?;
        self.watch_digest(state)?;
        self.watch_retention(state)?;
        self.summary_soon(state)
    }

    /// The refresh fell due: edit each group's summary if what it says changed.
    pub(super) fn refresh_summary<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        state.clear_deadline(SUMMARY_DUE)?;
        if !self.rules.desk().queue_summary {
            return Ok(());
        }
        for group in self.groups.all() {
            self.refresh_summary_of(state, group)?;
        }
        Ok(())
    }

    fn refresh_summary_of<S: State>(&self, state: &mut S, group: &StaffGroup) -> Result<(), DeskError> {
        let message_id = match state.counter(&self.summary_key(MESSAGE, group))? {
            None | Some(RETIRED) => return self.start_summary(state, group),
            Some(0) => {
                // The post has not come back from Telegram yet; look again in a minute.
                let due = self.now + MIN_GAP;
                state.set_deadline(Deadline { due, timer: SUMMARY_DUE })?;
                return Ok(());
            }
            Some(id) => id as i32,
        };
        let text = self.summary_now(state, group)?;
        self.refresh_at_midnight(state)?;
        if state.counter(&self.summary_key(SAID, group))? == Some(fingerprint(&text)) {
            return Ok(());
        }
        let call = Call::EditText {
            chat_id: group.chat,
            message_id,
            text: self.stamped(&text),
            buttons: Vec::new(),
        };
        self.queue(state, None, Lane::Cosmetic, call)?;
        self.said(state, group, &text)
    }

    /// What `group`'s summary says now: its own active tickets.
    fn summary_now<S: State>(&self, state: &S, group: &StaffGroup) -> Result<String, DeskError> {
        let active = self.active_tickets_of(state, group)?;
        let mut text = summary_text(&active, self.rules);
        if self.rules.desk().queue_summary_figures {
            // Today's tickets only: a range of the store, not all of it.
            let today = self.figures(state, self.local_midnight(self.now), None, None, None)?;
            text.push('\n');
            text.push_str(&crate::metrics::compact::day_line(&today.total));
        }
        Ok(text)
    }

    /// Whether `entries` can change today's figures on the summary beyond what the queue
    /// shows (a first reply, an SLA breach), when the summary has them.
    pub(super) fn moves_todays_figures(&self, entries: &[crate::history::Entry]) -> bool {
        use crate::history::EntryKind;
        let desk = self.rules.desk();
        desk.queue_summary
            && desk.queue_summary_figures
            && entries.iter().any(|e| matches!(e.kind, EntryKind::AgentReply { .. } | EntryKind::Timer(_)))
    }

    /// With today's figures on the summary, a refresh at the next local midnight, when they
    /// start again from nothing (unless a refresh is due sooner).
    fn refresh_at_midnight<S: State>(&self, state: &mut S) -> Result<(), DeskError> {
        if !self.rules.desk().queue_summary_figures {
            return Ok(());
        }
        let local = self.now.to_zoned_datetime(self.time_zone());
        let Ok(midnight) = local.tomorrow().and_then(|day| day.start_of_day()) else { return Ok(()) };
        let midnight = midnight.timestamp();
        if state.deadline_of(SUMMARY_DUE)?.is_none_or(|due| due > midnight) {
            state.set_deadline(Deadline { due: midnight, timer: SUMMARY_DUE })?;
        }
        Ok(())
    }

    fn stamped(&self, text: &str) -> String {
        format!("{text}\nUpdated {}", local_time(self.now, self.rules))
    }

    /// The active tickets of `group`, in no order.
    pub(super) fn active_tickets_of<S: State>(
        &self,
        state: &S,
        group: &StaffGroup,
    ) -> Result<Vec<Ticket>, DeskError> {
        let mut active: Vec<Ticket> = Vec::new();
        for status in [Status::New, Status::Open, Status::AwaitingCustomer] {
            for id in state.tickets_in_status(status)? {
                active.extend(state.ticket(id)?.filter(|ticket| self.group_of(ticket).name == group.name));
            }
        }
        Ok(active)
    }

    /// Remembers what the group's summary says now and when it was said.
    fn said<S: State>(&self, state: &mut S, group: &StaffGroup, text: &str) -> Result<(), DeskError> {
        state.set_counter(&self.summary_key(SAID, group), fingerprint(text))?;
        state.set_counter(&self.summary_key(AT, group), self.now.as_millisecond() as u64)?;
        Ok(())
    }

    /// A message of no ticket's in `group` was gone when edited: if it was the group's
    /// summary, post it anew.
    pub(super) fn summary_gone<S: State>(
        &self,
        state: &mut S,
        group: &StaffGroup,
        message_id: i32,
    ) -> Result<(), DeskError> {
        let key = self.summary_key(MESSAGE, group);
        if !self.rules.desk().queue_summary || state.counter(&key)? != Some(message_id as u64) {
            return Ok(());
        }
        self.start_summary(state, group)
    }

    /// The first post is out in `chat` (0: the desk's own group): remember it and pin it.
    pub(super) fn summary_posted<S: State>(
        &self,
        state: &mut S,
        chat: i64,
        message_id: i32,
    ) -> Result<(), DeskError> {
        let group = self.groups.of_chat(chat).unwrap_or_else(|| self.groups.desk_group());
        state.set_counter(&self.summary_key(MESSAGE, group), message_id as u64)?;
        let call = Call::Pin { chat_id: group.chat, message_id };
        self.queue(state, None, Lane::Cosmetic, call)
    }
}

/// What the summary says about the active tickets, without its "Updated" line.
pub(super) fn summary_text(active: &[Ticket], rules: &RuleSet) -> String {
    let mut waiting: Vec<&Ticket> = active.iter().filter(|t| t.assignee.is_none()).collect();
    waiting.sort_by_key(|t| (std::cmp::Reverse(t.priority), t.created_at));
    let awaiting = active.iter().filter(|t| t.status == Status::AwaitingCustomer).count();
    let mut text = format!(
        "📋 Queue: {} unassigned · {} active · {awaiting} awaiting the customer",
        waiting.len(),
        active.len()
    );
    for ticket in waiting.iter().take(LISTED) {
        let since = local_time(ticket.created_at, rules);
        let _ =
            write!(text, "\n{} · {} · {} · since {since}", ticket.id, ticket.priority, ticket.customer.name);
    }
    if waiting.len() > LISTED {
        let _ = write!(text, "\n… and {} more: /queue", waiting.len() - LISTED);
    }
    text
}

/// `Sep 21 14:05`, in the desk's time zone.
fn local_time(at: Timestamp, rules: &RuleSet) -> String {
    let zone = jiff::tz::TimeZone::get(rules.desk().timezone.value.trim()).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(zone).strftime("%b %-d %H:%M").to_string()
}

pub(super) fn fingerprint(text: &str) -> u64 {
    let bytes = blake3::hash(text.as_bytes());
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("a hash has 32 bytes"))
}

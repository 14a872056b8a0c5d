//! [`DeskRun`]: the real [`Desk`] on a virtual clock, as `topicdesk run` drives it. People's
//! actions become desk events (a customer's message, an agent's message or command in the
//! ticket's topic, the "Keep it open" press); between them the clock moves to the earliest
//! deadline in the state's index and the desk handles `Event::Tick` there, as the host's
//! timer task does (`host::timer`), until the next action. A stand-in for Telegram accepts
//! every queued call and reports back what the desk waits for (a topic created, a card or
//! the queue summary posted, a message relayed).
//!
//! Every timer decision is the desk's own: [`DeskRun::decisions`] lists what each tick
//! acted on, at the tick's time, and the history holds the marks, escalations and
//! auto-closes it wrote.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::desk::{
    ButtonPress, CustomerMessage, Desk, DeskError, Event, InlineMode, Kind, MemoryState, StaffMessage, State,
};
use crate::groups::StaffGroups;
use crate::outbox::Outgoing;
use crate::outbox::{Call, Delivery, Report};
use crate::rules::RuleSet;
use crate::sla::Decision;
use crate::store::Tx;
use crate::ticket::{Answer, Customer, Ticket, TicketId, UserId};

/// The staff chat of a replayed desk whose desk.yaml names none.
pub(crate) const STAFF_CHAT: i64 = -100_000_000_001;

/// The staff groups a simulation's desk works in: desk.yaml's (`staff_groups`, or
/// `staff_chat` as the one group `staff`), so each ticket opens in the group the live desk
/// would choose; one group on [`STAFF_CHAT`] when desk.yaml names no chat.
pub(crate) fn staff_groups(rules: &RuleSet) -> StaffGroups {
    rules.desk().staff_groups(None).unwrap_or_else(|| StaffGroups::single(STAFF_CHAT))
}

/// As the host's timer: a deadline still due after its tick is looked at again this much
/// later.
const MIN_GAP: SignedDuration = SignedDuration::from_millis(200);

/// How many deadlines due at once the run looks past for the next one after now.
const LOOK_PAST: usize = 10_000;

/// How far the timers run: up to an action (which comes first at its own instant, so a
/// reply at the very instant of a target meets it) or through the end of the run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Until {
    Before(Timestamp),
    Through(Timestamp),
}

impl Until {
    fn covers(self, due: Timestamp) -> bool {
        match self {
            Until::Before(at) => due < at,
            Until::Through(at) => due <= at,
        }
    }
}

/// Where the stand-in for Telegram finds what the desk queued.
pub(crate) trait Queued {
    /// Takes every queued call, in send order, as Telegram accepting them.
    fn take_queued(&mut self) -> Result<Vec<Outgoing>, DeskError>;
}

impl Queued for MemoryState {
    fn take_queued(&mut self) -> Result<Vec<Outgoing>, DeskError> {
        Ok(self.take_outbox().into_iter().map(|(_, outgoing)| outgoing).collect())
    }
}

impl Queued for Tx<'_> {
    fn take_queued(&mut self) -> Result<Vec<Outgoing>, DeskError> {
        let mut taken = Vec::new();
        loop {
            let page = self.outbox(100)?;
            if page.is_empty() {
                return Ok(taken);
            }
            for (seq, outgoing) in page {
                self.remove_outgoing(seq)?;
                taken.push(outgoing?);
            }
        }
    }
}

/// The real desk on a virtual clock over `state`.
pub(crate) struct DeskRun<'r, 's, S: State + Queued> {
    rules: &'r RuleSet,
    groups: StaffGroups,
    state: &'s mut S,
    now: Timestamp,
    /// When the last tick ran, to tell a deadline still due after it, and whether it
    /// acted on anything.
    ticked_at: Option<Timestamp>,
    acted: bool,
    /// Whether the last tick was the millisecond's retry after one that acted on nothing.
    retried: bool,
    next_message: i32,
    next_thread: i32,
    decisions: Vec<(Timestamp, Decision)>,
    hook_failures: u32,
}

impl<'r, 's, S: State + Queued> DeskRun<'r, 's, S> {
    pub(crate) fn new(rules: &'r RuleSet, state: &'s mut S, start: Timestamp) -> DeskRun<'r, 's, S> {
        DeskRun {
            rules,
            groups: staff_groups(rules),
            state,
            now: start,
            ticked_at: None,
            acted: false,
            retried: false,
            next_message: 0,
            next_thread: 0,
            decisions: Vec::new(),
            hook_failures: 0,
        }
    }

    /// Every timer decision the desk acted on, with the time of the tick that took it.
    pub(crate) fn decisions(&self) -> &[(Timestamp, Decision)] {
        &self.decisions
    }

    /// `on_breach` calls that failed on the ticks (the built-in ladder decided instead).
    pub(crate) fn hook_failures(&self) -> u32 {
        self.hook_failures
    }

    /// The state the desk runs on, as it stands.
    pub(crate) fn state(&self) -> &S {
        self.state
    }

    pub(crate) fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, DeskError> {
        Ok(self.state.ticket(id)?)
    }

    /// The desk at `now`. A function of the fields rather than a method, so the state
    /// can be lent to it beside the groups.
    fn desk<'d>(rules: &'d RuleSet, groups: &'d StaffGroups, now: Timestamp) -> Desk<'d> {
        Desk { rules, earlier: &[], groups, now, inline: InlineMode::Off }
    }

    /// Ticks at every deadline `until` covers, each at its own time.
    pub(crate) fn run_timers(&mut self, until: Until) -> Result<(), DeskError> {
        while let Some(when) = self.next_tick()? {
            if !until.covers(when) {
                return Ok(());
            }
            // A tick right after one that acted on nothing, a millisecond on, is the retry.
            let gap = self.ticked_at.map(|last| when.duration_since(last));
            self.retried = !self.acted && gap == Some(SignedDuration::from_millis(1));
            self.now = when;
            let ticked = Self::desk(self.rules, &self.groups, self.now).tick_decisions(self.state)?;
            self.ticked_at = Some(self.now);
            self.acted = !ticked.decisions.is_empty();
            self.hook_failures += ticked.hook_failures;
            self.decisions.extend(ticked.decisions.into_iter().map(|decision| (self.now, decision)));
            self.deliver()?;
        }
        Ok(())
    }

    /// When the host's timer would tick next: at the earliest deadline, at once for one
    /// already due, and [`MIN_GAP`] later when a tick that acted left one due (it may act
    /// again). The index keeps whole milliseconds, so a deadline a tick at its (truncated)
    /// time found not yet due is due a millisecond on: the run ticks again then. A deadline
    /// still due after that retry acts on nothing until something changes, so the run goes
    /// straight to the next deadline after now; `None` when there is none.
    fn next_tick(&self) -> Result<Option<Timestamp>, DeskError> {
        let Some(next) = self.state.due(Timestamp::MAX, 1)?.into_iter().next() else { return Ok(None) };
        if next.due > self.now {
            return Ok(Some(next.due));
        }
        if self.ticked_at != Some(self.now) {
            return Ok(Some(self.now));
        }
        if self.acted {
            return Ok(Some(self.now.saturating_add(MIN_GAP).unwrap_or(Timestamp::MAX)));
        }
        if !self.retried {
            return Ok(Some(
                self.now.saturating_add(SignedDuration::from_millis(1)).unwrap_or(Timestamp::MAX),
            ));
        }
        let page = self.state.due(Timestamp::MAX, LOOK_PAST)?;
        Ok(page.iter().map(|deadline| deadline.due).find(|due| *due > self.now))
    }

    /// Runs the timers up to `at` and moves the clock there; the clock never goes back, so
    /// an action earlier than the clock happens now.
    fn reach(&mut self, at: Timestamp) -> Result<(), DeskError> {
        self.run_timers(Until::Before(at))?;
        self.now = self.now.max(at);
        Ok(())
    }

    /// A ticket opened at `at` from the support form's submitted answers, routed and given
    /// its topic.
    pub(crate) fn open(
        &mut self,
        at: Timestamp,
        customer: &Customer,
        answers: BTreeMap<String, Answer>,
    ) -> Result<Ticket, DeskError> {
        self.open_form(at, customer, "support", answers)
    }

    /// A ticket opened at `at` from `form`'s submitted answers, routed and given its topic.
    pub(crate) fn open_form(
        &mut self,
        at: Timestamp,
        customer: &Customer,
        form: &str,
        answers: BTreeMap<String, Answer>,
    ) -> Result<Ticket, DeskError> {
        self.reach(at)?;
        let ticket = Self::desk(self.rules, &self.groups, self.now)
            .open_ticket(self.state, customer, form, answers)?;
        self.deliver()?;
        Ok(self.state.ticket(ticket.id)?.unwrap_or(ticket))
    }

    /// The ticket's customer writes to the bot at `at`.
    pub(crate) fn customer_writes(
        &mut self,
        at: Timestamp,
        ticket: TicketId,
        text: &str,
    ) -> Result<(), DeskError> {
        self.reach(at)?;
        let Some(ticket) = self.state.ticket(ticket)? else { return Ok(()) };
        let message = CustomerMessage {
            customer: ticket.customer.clone(),
            message_id: self.message_id(),
            kind: Kind::Text,
            text: Some(text.to_owned()),
            file_id: None,
            single: None,
            reply_to: None,
            album: None,
        };
        self.handle(&Event::Customer(message))
    }

    /// A staff member writes `text` (a reply, or a command such as `/resolve`) in the
    /// ticket's topic at `at`.
    pub(crate) fn staff_writes(
        &mut self,
        at: Timestamp,
        ticket: TicketId,
        from: UserId,
        text: &str,
    ) -> Result<(), DeskError> {
        self.reach(at)?;
        let Some(topic) = self.state.ticket(ticket)?.and_then(|ticket| ticket.topic) else { return Ok(()) };
        let message = StaffMessage {
            chat_id: topic.chat_id,
            thread: Some(topic.thread_id),
            from,
            from_name: format!("user{from}"),
            message_id: self.message_id(),
            kind: Kind::Text,
            text: Some(text.to_owned()),
            reply_to: None,
            reply_author: None,
            reply_text: None,
            via_bot: None,
            entities: Vec::new(),
            file_id: None,
            single: None,
            album: None,
        };
        self.handle(&Event::Staff(message))
    }

    /// The customer presses "Keep it open" under the auto-close warning at `at`.
    pub(crate) fn keep_open(&mut self, at: Timestamp, ticket: TicketId) -> Result<(), DeskError> {
        self.reach(at)?;
        let Some(ticket) = self.state.ticket(ticket)? else { return Ok(()) };
        let customer = ticket.customer;
        let press = ButtonPress {
            callback_id: format!("keep-{}", ticket.id.0),
            from: customer.id,
            from_name: customer.name.clone(),
            from_username: None,
            language: customer.language.clone(),
            chat_id: customer.id as i64,
            message_id: Some(self.message_id()),
            thread: None,
            data: crate::desk::keep_open_button(ticket.id).data,
        };
        self.handle(&Event::Button(press))
    }

    fn handle(&mut self, event: &Event) -> Result<(), DeskError> {
        Self::desk(self.rules, &self.groups, self.now).handle(self.state, event)?;
        self.deliver()
    }

    fn message_id(&mut self) -> i32 {
        self.next_message += 1;
        self.next_message
    }

    /// Telegram accepts everything queued and reports back what the desk waits for, at the
    /// same instant; what that queues goes the same way.
    fn deliver(&mut self) -> Result<(), DeskError> {
        loop {
            let queued = self.state.take_queued()?;
            if queued.is_empty() {
                return Ok(());
            }
            for outgoing in queued {
                if let Some(delivery) = self.accepted(&outgoing.call)? {
                    Self::desk(self.rules, &self.groups, self.now)
                        .handle(self.state, &Event::Delivered(delivery))?;
                }
            }
        }
    }

    /// The chat a call naming ticket `id`'s topic goes to: its topic's, else its group's.
    fn topic_chat(&self, id: TicketId) -> Result<i64, DeskError> {
        let ticket = self.state.ticket(id)?;
        let group = |ticket: &Ticket| ticket.group.as_deref().and_then(|name| self.groups.named(name));
        Ok(ticket
            .as_ref()
            .and_then(|ticket| {
                ticket.topic.map(|topic| topic.chat_id).or_else(|| group(ticket).map(|g| g.chat))
            })
            .unwrap_or_else(|| self.groups.desk_group().chat))
    }

    fn accepted(&mut self, call: &Call) -> Result<Option<Delivery>, DeskError> {
        let message_id = self.message_id();
        Ok(match call {
            Call::CreateTopic { ticket, chat_id, .. } => {
                self.next_thread += 1;
                Some(Delivery::TopicCreated {
                    ticket: *ticket,
                    chat_id: *chat_id,
                    thread_id: self.next_thread,
                })
            }
            Call::SendText { to, report: Some(Report::Card { ticket, version }), .. } => {
                let chat_id = to.chat(self.topic_chat(*ticket)?);
                Some(Delivery::CardPosted { ticket: *ticket, chat_id, message_id, version: *version })
            }
            Call::SendText { to, report: Some(Report::Summary), .. } => {
                Some(Delivery::SummaryPosted { chat_id: to.chat(self.groups.desk_group().chat), message_id })
            }
            Call::Copy { to, report: Some(Report::Relay { chat_id, message_id: source }), .. } => {
                let chat = match to {
                    crate::outbox::Target::Topic { ticket } => self.topic_chat(*ticket)?,
                    _ => to.chat(self.groups.desk_group().chat),
                };
                Some(Delivery::Relayed { source: (*chat_id, *source), copies: vec![(chat, message_id)] })
            }
            _ => None,
        })
    }
}

//! The desk: the functional core. Given the stored state, one event, the time and the
//! rule set, it changes tickets and queues Telegram calls, nothing else: no Telegram, no
//! clock, no file is touched here. The host runs it inside the store transaction that
//! also records the update offset, so an event's effects commit whole or not at all.

mod automation;
mod business;
mod availability;
mod capacity;
mod card;
mod csat;
mod customer;
mod dashboard;
mod delivery;
mod digest;
mod escalation;
mod event;
mod fields;
mod forget;
mod general;
mod grouping;
mod inline;
mod intake;
mod kb;
mod memory;
mod moving;
mod notify;
mod retention;
mod routing;
mod shifts;
mod staff;
mod state;
mod stats;
mod summary;
mod templates;
mod timers;
mod transfer;

#[cfg(test)]
mod tests;

use jiff::Timestamp;

pub use crate::business::BusinessConnection;
pub use automation::keep_open_button;
pub use capacity::USAGE_PREFIXES as GROUP_USAGE_PREFIXES;
pub use card::{
    Action, Press, action_button, agent_name, card_buttons, card_text, icon_color, parse_press, topic_name,
};
pub use csat::{csat_view, survey_buttons};
pub use delivery::current_staff_chat;
pub use event::{
    BusinessMessage, ButtonPress, CustomerMessage, Event, InlineQuery, Kind, StaffMessage, TypedIn,
    history_text,
};
pub use forget::{forget, forget_button, forgotten_line, parse_forget};
pub use grouping::group_views;
pub use memory::MemoryState;
pub use retention::{Batch as RetentionBatch, COMPACT_ASKED};
pub use routing::ticket_view;
pub use state::{State, StateError};
pub use templates::template_button;
pub use timers::{Ticked, sla_calendars};

use crate::csat::Survey;
use crate::groups::{StaffGroup, StaffGroups};
use crate::history::{Actor, Entry};
use crate::outbox::{Call, Lane, Outgoing, Target};
use crate::rules::RuleSet;
use crate::store::StoreError;
use crate::ticket::{Answer, Customer, Origin, Priority, Status, Ticket, TicketId, UserId};

/// The desk for one event: the rules in force, the staff groups and the time.
pub struct Desk<'a> {
    pub rules: &'a RuleSet,
    /// Rule sets replaced since start, so intake dialogues finish with the form they began.
    pub earlier: &'a [std::sync::Arc<RuleSet>],
    /// The staff groups, their chats as of now (followed through Telegram's moves).
    pub groups: &'a StaffGroups,
    pub now: Timestamp,
    /// Whether the bot answers inline queries (`@BotFather`'s `/setinline`, as `getMe` says):
    /// the card's Templates button needs it.
    pub inline: InlineMode,
}

/// Whether the bot's inline mode is on (`@bot T-000123 refund` answers with templates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InlineMode {
    On,
    Off,
}

/// Why the desk could not apply an event; nothing it did is kept.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The state could not answer or take a change.
    #[error(transparent)]
    State(#[from] StateError),
}

/// For work that reads or writes the store's transaction directly beside the desk.
impl From<StoreError> for DeskError {
    fn from(error: StoreError) -> DeskError {
        DeskError::State(StateError::Store(error))
    }
}

impl Desk<'_> {
    /// Applies one event.
    pub fn handle<S: State>(&self, state: &mut S, event: &Event) -> Result<(), DeskError> {
        match event {
            Event::Customer(message) => self.customer_message(state, message),
            Event::CustomerEdit(message) => self.customer_edit(state, message),
            Event::Staff(message) => self.staff_message(state, message),
            Event::StaffEdit(message) => self.staff_edit(state, message),
            Event::Button(press) => self.button(state, press),
            Event::InlineQuery(query) => self.inline_query(state, query),
            Event::Reachability { customer, blocked } => self.reachability(state, *customer, *blocked),
            Event::StaffChatMigrated { from, to } => self.staff_chat_migrated(state, *from, *to),
            Event::BusinessConnection(connection) => self.business_connection(state, connection),
            Event::BusinessCustomer(message) => self.business_customer(state, message),
            Event::BusinessCustomerEdit(message) => self.business_customer_edit(state, message),
            Event::BusinessOwner(message) => self.business_owner(state, message),
            Event::BusinessDeleted { connection, customer, message_ids } => {
                self.business_deleted(state, connection, *customer, message_ids)
            }
            Event::Delivered(delivery) => self.delivered(state, delivery),
            Event::Posted { chat_id, messages } => self.count_posted(state, *chat_id, *messages),
            Event::Tick => self.tick(state),
        }
    }

    /// Opens a ticket from submitted answers: saves it and queues its topic and its card.
    /// Confirming to the customer is the caller's, in the customer's language.
    pub fn open_ticket<S: State>(
        &self,
        state: &mut S,
        customer: &Customer,
        form: &str,
        answers: std::collections::BTreeMap<String, Answer>,
    ) -> Result<Ticket, DeskError> {
        let id = state.next_ticket_id()?;
        let (mut ticket, mut created) = Ticket::open(id, customer.clone(), form, answers, self.now);
        ticket.group = Some(self.group_for_new(state, &ticket)?.name.clone());
        // Its clocks are planned below under the rule set in force: the entry names it, so
        // the first message after it knows the plan is current and does not plan again.
        created.rules = Some(self.rules.version().short());
        state.save_ticket(&ticket)?;
        let history = [created];
        state.append_history(id, &history)?;
        let routed = self.route(state, &mut ticket)?;
        // An assignment by routing was committed, which brought the deadlines along (the
        // assignee is part of what the `sla` hook sees); otherwise the ticket's whole history
        // is the entry just written, and is not read back.
        if routed.is_none() {
            self.sync_deadlines_of(state, &ticket, &history)?;
        }
        self.desk_level_soon(state)?;
        let chat = self.group_of(&ticket).chat;
        self.queue_topic(state, &ticket, chat)?;
        self.suggest_articles(state, &ticket)?;
        if let Some(agent) = routed {
            self.announce_assignee(state, &ticket, agent, None)?;
        }
        Ok(ticket)
    }

    /// The chat of the desk's own group (the first): where notices that concern no one
    /// ticket go.
    fn desk_chat(&self) -> i64 {
        self.groups.desk_group().chat
    }

    /// The ticket's group: the one whose chat holds its topic; without a topic (not yet
    /// opened, or being transferred) the one the ticket names; for a ticket stored before
    /// groups were recorded, the one its filter chooses.
    fn group_of(&self, ticket: &Ticket) -> &StaffGroup {
        ticket
            .topic
            .and_then(|topic| self.groups.of_chat(topic.chat_id))
            .or_else(|| ticket.group.as_deref().and_then(|name| self.groups.named(name)))
            .unwrap_or_else(|| self.groups.choose(capacity::sorting(ticket), &[], |_| false))
    }

    /// The chat of the ticket's group, as of now.
    fn chat_of(&self, ticket: &Ticket) -> i64 {
        self.group_of(ticket).chat
    }

    /// The chat of ticket `id`'s group; the desk's own for a ticket no longer stored.
    fn chat_of_id<S: State>(&self, state: &mut S, id: TicketId) -> Result<i64, DeskError> {
        if self.groups.all().len() == 1 {
            return Ok(self.desk_chat());
        }
        let Some(ticket) = state.ticket(id)? else { return Ok(self.desk_chat()) };
        Ok(self.chat_of(&ticket))
    }

    /// The origin stamped on changes an agent makes, with the rule set in force.
    fn agent(&self, agent: u64) -> Origin {
        Origin { actor: Actor::Agent(agent), rules: Some(self.rules.version().short()) }
    }

    fn customer_origin(&self, customer: u64) -> Origin {
        Origin { actor: Actor::Customer(customer), rules: Some(self.rules.version().short()) }
    }

    fn system(&self) -> Origin {
        Origin { actor: Actor::System, rules: Some(self.rules.version().short()) }
    }

    /// Queues the copy of a relayed message of `kind` whose text or caption is `text`, as
    /// the outbound planner says it goes (`outbox::plan::relayed`: a caption too long for a
    /// bot follows the copy as a text).
    fn queue_relay<S: State>(
        &self,
        state: &mut S,
        ticket: TicketId,
        call: Call,
        kind: Kind,
        text: Option<&str>,
    ) -> Result<(), DeskError> {
        let caption = text.filter(|_| kind != Kind::Text);
        for call in crate::outbox::plan::relayed(call, caption) {
            self.queue(state, Some(ticket), Lane::Message, call)?;
        }
        Ok(())
    }

    /// Queues `call`, as the outbound planner says it goes (`outbox::plan::queued`: a text
    /// over Telegram's 4096 characters as several).
    fn queue<S: State>(
        &self,
        state: &mut S,
        ticket: Option<TicketId>,
        lane: Lane,
        call: Call,
    ) -> Result<(), DeskError> {
        let chat_id = match call.topic_ticket() {
            Some(id) => self.chat_of_id(state, id)?,
            None => call.chat(self.desk_chat()),
        };
        for call in crate::outbox::plan::queued(call) {
            state.enqueue(&Outgoing { chat_id, lane, ticket, call })?;
            self.count_group_call(state, chat_id)?;
        }
        Ok(())
    }

    /// A plain line in the ticket's topic.
    fn say_in_topic<S: State>(&self, state: &mut S, ticket: TicketId, text: String) -> Result<(), DeskError> {
        let call = Call::SendText {
            to: Target::Topic { ticket },
            text,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, Some(ticket), Lane::Message, call)
    }

    fn tell_customer<S: State>(&self, state: &mut S, ticket: &Ticket, text: String) -> Result<(), DeskError> {
        let call = Call::SendText {
            to: Target::Chat { chat_id: ticket.customer.id as i64 },
            text,
            reply_to: None,
            buttons: Vec::new(),
            report: None,
        };
        self.queue(state, Some(ticket.id), Lane::Message, call)
    }

    /// Saves the ticket and its new history, then brings the card and topic up to date
    /// with what changed.
    fn commit<S: State>(
        &self,
        state: &mut S,
        before: &Ticket,
        ticket: &Ticket,
        entries: &[Entry],
    ) -> Result<(), DeskError> {
        if entries.is_empty() && before == ticket {
            return Ok(());
        }
        state.save_ticket(ticket)?;
        state.append_history(ticket.id, entries)?;
        self.resync_deadlines(state, before, ticket, entries)?;
        if ticket.status == Status::Closed && before.status != Status::Closed {
            self.retention_on_close(state, ticket)?;
        }
        let queued = |t: &Ticket| (t.status, t.assignee, t.priority);
        if queued(before) != queued(ticket) || self.moves_todays_figures(entries) {
            self.desk_level_soon(state)?;
        }
        // Most changes (a message, a note) leave the card as it is: compare what it shows
        // before rendering anything, in place.
        let card_changed = (shown_on_card(before) != shown_on_card(ticket)
            || before.tags != ticket.tags
            || before.escalations != ticket.escalations)
            && (card_text(before, self.rules) != card_text(ticket, self.rules)
                || card_buttons(before, self.inline) != card_buttons(ticket, self.inline));
        if card_changed && let Some(message_id) = ticket.card {
            let call = Call::EditText {
                chat_id: self.chat_of(ticket),
                message_id,
                text: card_text(ticket, self.rules),
                buttons: card_buttons(ticket, self.inline),
            };
            self.queue(state, Some(ticket.id), Lane::Cosmetic, call)?;
        }
        if named_in_topic(before) != named_in_topic(ticket)
            && topic_name(before, self.rules) != topic_name(ticket, self.rules)
        {
            let call = Call::EditTopic { ticket: ticket.id, name: topic_name(ticket, self.rules) };
            self.queue(state, Some(ticket.id), Lane::Cosmetic, call)?;
        }
        match (before.status, ticket.status) {
            (from, Status::Closed) if from != Status::Closed => {
                self.queue(state, Some(ticket.id), Lane::Cosmetic, Call::CloseTopic { ticket: ticket.id })?;
            }
            (Status::Closed, to) if to != Status::Closed => {
                self.queue(state, Some(ticket.id), Lane::Message, Call::ReopenTopic { ticket: ticket.id })?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// What a ticket's card shows besides its tags and escalations, borrowed from the ticket.
type ShownOnCard<'t> =
    (Status, Priority, Option<UserId>, u32, bool, Option<&'t str>, bool, Option<&'t Survey>);

fn shown_on_card(t: &Ticket) -> ShownOnCard<'_> {
    (
        t.status,
        t.priority,
        t.assignee,
        t.reopened,
        t.unreachable,
        t.category.as_deref(),
        t.escalation_held,
        t.csat.as_ref(),
    )
}

/// What a ticket's topic name is made of, borrowed from the ticket.
fn named_in_topic(t: &Ticket) -> (Option<&str>, &str) {
    (t.category.as_deref(), t.customer.name.as_str())
}

//! Wrong-topic recovery: an agent replies `/move T-000456` to a message they posted in
//! the wrong ticket's topic. The copy the wrong customer received is deleted (or, when
//! Telegram no longer allows it, the topic is told so), the message goes to the right
//! customer and into the right topic, and both tickets record the move.
//!
//! Only an agent's own words move: the message replied to must be written by the mover,
//! or, for a supervisor, by any member of the team (or an anonymous admin). A customer's
//! message in the topic is a copy the bot posted, so it never moves: moving it would send
//! one customer's words to another and delete them from the first one's chat.

use super::card::agent_name;
use super::event::StaffMessage;
use super::{Desk, DeskError, State};
use crate::history::ANONYMOUS_ADMIN;
use crate::outbox::Lane;
use crate::outbox::{Call, Report, Target};
use crate::rules::Role;
use crate::ticket::{Change, Status, Ticket, TicketId};

impl Desk<'_> {
    pub(super) fn move_message<S: State>(
        &self,
        state: &mut S,
        wrong: &Ticket,
        m: &StaffMessage,
        argument: &str,
    ) -> Result<(), DeskError> {
        let usage = "Reply to your message with /move T-000123 to send it to the right ticket instead.";
        let (Some(original), Ok(target)) = (m.reply_to, argument.parse::<TicketId>()) else {
            return self.say_in_topic(state, wrong.id, usage.to_owned());
        };
        if let Some(refusal) = self.move_refusal(m) {
            return self.say_in_topic(state, wrong.id, refusal);
        }
        let Some(mut right) = state.ticket(target)?.filter(|t| t.id != wrong.id) else {
            return self.say_in_topic(state, wrong.id, format!("There is no other ticket {target}."));
        };
        if right.status == Status::Closed {
            return self.say_in_topic(
                state,
                wrong.id,
                format!("{target} is closed; /reopen it there first."),
            );
        }
        let wrong_chat = wrong.customer.id as i64;
        let Some(copy) = state.counterpart_in((m.chat_id, original), wrong_chat)? else {
            return self.say_in_topic(
                state,
                wrong.id,
                "That message was not sent to the customer, so there is nothing to move.".to_owned(),
            );
        };
        self.queue(
            state,
            Some(wrong.id),
            Lane::Message,
            Call::DeleteMessage { chat_id: wrong_chat, message_id: copy },
        )?;
        let to_customer = Call::Copy {
            from_chat: m.chat_id,
            message_ids: vec![original],
            to: Target::Chat { chat_id: right.customer.id as i64 },
            reply_to: None,
            album: None,
            report: Some(Report::Relay { chat_id: m.chat_id, message_id: original }),
            text: None,
            media: Vec::new(),
            caption: None,
        };
        self.queue(state, Some(right.id), Lane::Message, to_customer)?;
        let to_topic = Call::Copy {
            from_chat: m.chat_id,
            message_ids: vec![original],
            to: Target::Topic { ticket: right.id },
            reply_to: None,
            album: None,
            report: None,
            text: None,
            media: Vec::new(),
            caption: None,
        };
        self.queue(state, Some(right.id), Lane::Message, to_topic)?;
        let origin = self.agent(m.from);
        let mut moved_out = wrong.clone();
        let out = moved_out
            .apply(Change::System { text: format!("a message was moved to {}", right.id) }, &origin, self.now)
            .expect("always legal");
        self.commit(state, wrong, &moved_out, &out)?;
        let before = right.clone();
        let text = format!("a message was moved here from {}", wrong.id);
        let mut entries = right.apply(Change::System { text }, &origin, self.now).expect("always legal");
        entries.extend(
            right
                .apply(Change::AgentReply { text: "(moved message)".to_owned() }, &origin, self.now)
                .expect("not closed"),
        );
        self.commit(state, &before, &right, &entries)?;
        self.say_in_topic(
            state,
            wrong.id,
            format!("↪ Moved to {}; the copy this customer got is being deleted.", right.id),
        )?;
        self.say_in_topic(state, right.id, format!("↩ The message above was moved here from {}.", wrong.id))
    }

    /// Why `m` (a `/move` replying to a message) may not move that message, if it may not:
    /// it must be the mover's own, or a staff member's when the mover is a supervisor.
    fn move_refusal(&self, m: &StaffMessage) -> Option<String> {
        let team = self.rules.team();
        let by_staff = |author: u64| author == ANONYMOUS_ADMIN || team.is_member(author as i64);
        let is_supervisor = team.agent(m.from as i64).is_some_and(|agent| agent.role == Role::Supervisor);
        match m.reply_author {
            Some(author) if author == m.from => None,
            Some(author) if by_staff(author) && is_supervisor => None,
            Some(author) if by_staff(author) => Some(format!(
                "Only supervisors move another agent's message; this one is {}'s, so nothing was moved.",
                agent_name(self.rules, author)
            )),
            _ => Some(
                "Only a message an agent wrote can be moved; that one is the customer's or the desk's, \
                 so nothing was moved."
                    .to_owned(),
            ),
        }
    }
}

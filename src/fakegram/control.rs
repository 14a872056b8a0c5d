//! Acting in the fake world from a test or the demo: adding people and groups, people starting the
//! bot, writing (text, media, albums, replies), editing, pressing buttons, blocking the bot, deleting
//! a topic by hand, a group migrating, an owner demoting, kicking and re-adding the bot; and
//! scripting faults (server errors, 429 storms, a revoked token, late answers). People's messages take the same path as
//! the bot's (`World::append`), which queues the updates the bot will poll.

use std::time::{Duration, Instant};

use serde_json::json;

use super::FakeHandle;
use super::config::{AdminRights, GroupKind, GroupSpec, MemberRole, RateBudgets, UserSpec};
use super::error::ControlError;
use super::faults::{CallFilter, DeletePolicy};
use super::message::{Content, Draft};
use super::world::{ChatKind, PendingCallback, Post, World};

/// The user id Telegram shows as the sender of what a group's admin posts anonymously
/// (`GroupAnonymousBot`); the message's `sender_chat` is the group.
pub const GROUP_ANONYMOUS_BOT: u64 = 1_087_968_824;

impl FakeHandle {
    /// Adds a person (with their private chat with the bot, not yet started).
    pub fn add_user(&self, user: UserSpec) -> Result<(), ControlError> {
        self.shared.write(|world| world.add_person(user))
    }

    /// Adds a group chat.
    pub fn add_group(&self, group: GroupSpec) -> Result<(), ControlError> {
        self.shared.write(|world| world.add_group(group))
    }

    /// Sets a member's role in a group; the bot's own id sets the bot's role.
    pub fn set_member(&self, chat_id: i64, user_id: u64, role: MemberRole) -> Result<(), ControlError> {
        self.shared.write(|world| {
            if user_id != world.bot.id {
                world.person(user_id)?;
            }
            world.chat_mut(chat_id)?.members.insert(user_id, role);
            Ok(())
        })
    }

    /// The person opens the bot and sends `/start` (this also lifts a block).
    pub fn user_starts_bot(&self, user_id: u64) -> Result<i32, ControlError> {
        self.shared.write(|world| {
            let blocked = world.person(user_id)?.blocked;
            if blocked {
                world.set_blocked(user_id, false)?;
            }
            if let Some(person) = world.people.get_mut(&user_id) {
                person.started = true;
            }
            let mut post = Post::new(user_id as i64, user_id, Content::Text);
            post.text = Some("/start".to_owned());
            post.entities = vec![json!({ "type": "bot_command", "offset": 0, "length": 6 })];
            Ok(world.append(post))
        })
    }

    /// The person writes to the bot in private.
    pub fn user_sends(&self, user_id: u64, draft: Draft) -> Result<i32, ControlError> {
        self.send_as(user_id, user_id as i64, draft)
    }

    /// Several people write to the bot at the same moment, in this order: one change of the
    /// world, so a long poll hands the bot all of it in one page.
    pub fn users_send(&self, messages: Vec<(u64, Draft)>) -> Result<Vec<i32>, ControlError> {
        self.shared.write(|world| {
            messages
                .into_iter()
                .map(|(user_id, draft)| world.person_post(user_id, user_id as i64, draft, None))
                .collect()
        })
    }

    /// The person writes into a chat they are in (a group member into General or, with
    /// [`Draft::in_topic`], a topic).
    pub fn send_as(&self, user_id: u64, chat_id: i64, draft: Draft) -> Result<i32, ControlError> {
        self.shared.write(|world| world.person_post(user_id, chat_id, draft, None))
    }

    /// The person sends several media as one album (one `media_group_id`); captions go on the drafts.
    pub fn send_album_as(
        &self,
        user_id: u64,
        chat_id: i64,
        drafts: Vec<Draft>,
    ) -> Result<Vec<i32>, ControlError> {
        self.shared.write(|world| {
            let album = format!("{}", 14_000_000_000_000_000_u64 + world.serial());
            drafts
                .into_iter()
                .map(|draft| world.person_post(user_id, chat_id, draft, Some(album.clone())))
                .collect()
        })
    }

    /// The person's album gets more parts under its `media_group_id`, as when the bot is
    /// handed an album's parts in two pages of updates.
    pub fn add_to_album_as(
        &self,
        user_id: u64,
        chat_id: i64,
        album: &str,
        drafts: Vec<Draft>,
    ) -> Result<Vec<i32>, ControlError> {
        self.shared.write(|world| {
            drafts
                .into_iter()
                .map(|draft| world.person_post(user_id, chat_id, draft, Some(album.to_owned())))
                .collect()
        })
    }

    /// The person edits the text (or caption) of their own message.
    pub fn edit_as(
        &self,
        user_id: u64,
        chat_id: i64,
        message_id: i32,
        text: &str,
    ) -> Result<(), ControlError> {
        self.shared.write(|world| {
            let message = world.chat(chat_id)?.live_message(message_id);
            let message = message.filter(|message| message.from == user_id);
            let message = message.ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
            let reply_markup = message.reply_markup.clone();
            world.edit(None, chat_id, message_id, Some((text.to_owned(), Vec::new())), reply_markup);
            Ok(())
        })
    }

    /// An administrator of the group writes in it while remaining anonymous: Telegram sends
    /// the message from its stand-in user `GroupAnonymousBot` ([`GROUP_ANONYMOUS_BOT`]) with
    /// the group itself as `sender_chat`, so the bot cannot tell which admin wrote it.
    pub fn send_as_anonymous_admin(
        &self,
        admin_id: u64,
        chat_id: i64,
        draft: Draft,
    ) -> Result<i32, ControlError> {
        self.shared.write(|world| {
            if world.member_role(chat_id, admin_id).rights().is_none() {
                let problem = format!("user {admin_id} is not an administrator of chat {chat_id}");
                return Err(ControlError::Invalid(problem));
            }
            world.person_post_as(admin_id, GROUP_ANONYMOUS_BOT, chat_id, draft, None)
        })
    }

    /// The person presses the inline button with `data` under a message; returns the query id.
    pub fn press_button(
        &self,
        user_id: u64,
        chat_id: i64,
        message_id: i32,
        data: &str,
    ) -> Result<String, ControlError> {
        self.shared.write(|world| {
            let message = world.chat(chat_id)?.live_message(message_id);
            let message = message.ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
            if !message.callback_data().contains(&data) {
                return Err(ControlError::NoSuchButton { message_id, data: data.to_owned() });
            }
            world.callback_query(user_id, chat_id, message_id, data)
        })
    }

    /// A callback query with `data` on a message that does not offer it, as a modified
    /// client can send: the bot must judge a press by the message it came from, not trust
    /// the data. Returns the query id.
    pub fn press_forged_button(
        &self,
        user_id: u64,
        chat_id: i64,
        message_id: i32,
        data: &str,
    ) -> Result<String, ControlError> {
        self.shared.write(|world| world.callback_query(user_id, chat_id, message_id, data))
    }

    /// The person blocks the bot (the bot gets `my_chat_member` with status `kicked`).
    pub fn user_blocks_bot(&self, user_id: u64) -> Result<(), ControlError> {
        self.shared.write(|world| world.set_blocked(user_id, true))
    }

    /// The person unblocks the bot (the bot gets `my_chat_member` with status `member`).
    pub fn user_unblocks_bot(&self, user_id: u64) -> Result<(), ControlError> {
        self.shared.write(|world| world.set_blocked(user_id, false))
    }

    /// Someone deletes a forum topic by hand, with all its messages (no update reaches the bot).
    pub fn delete_topic(&self, chat_id: i64, thread_id: i32) -> Result<(), ControlError> {
        self.shared.write(|world| {
            world
                .chat(chat_id)?
                .live_topic(thread_id)
                .ok_or(ControlError::UnknownTopic { chat_id, thread_id })?;
            world.delete_topic(chat_id, thread_id);
            Ok(())
        })
    }

    /// A basic group becomes the supergroup `new_chat_id`: service messages in both, and sending to
    /// the old id answers 400 with `migrate_to_chat_id`. A forum may move too, to a new forum
    /// without its topics: Telegram never does that, but it is how a test makes Telegram say a
    /// staff forum moved, which a desk must follow.
    pub fn migrate_group(&self, chat_id: i64, new_chat_id: i64) -> Result<(), ControlError> {
        self.shared.write(|world| {
            let old = world.chat(chat_id)?;
            let kind = match old.kind {
                ChatKind::Group(GroupKind::Basic) if old.migrated_to.is_none() => GroupKind::Supergroup,
                ChatKind::Group(GroupKind::Forum) if old.migrated_to.is_none() => GroupKind::Forum,
                _ => return Err(ControlError::Invalid(format!("chat {chat_id} is not a basic group"))),
            };
            let bot_role = world.bot_role(old);
            let members: Vec<(u64, MemberRole)> = old
                .members
                .iter()
                .filter(|(user_id, _)| **user_id != world.bot.id)
                .map(|(id, role)| (*id, *role))
                .collect();
            let upgrader = members
                .iter()
                .find(|(_, role)| *role == MemberRole::Owner)
                .or(members.first())
                .map(|(id, _)| *id);
            let title = old.title.clone();
            let group = GroupSpec { id: new_chat_id, title, kind, username: None, bot_role, members };
            world.add_group(group)?;
            world.chat_mut(chat_id)?.migrated_to = Some(new_chat_id);
            let from = upgrader.unwrap_or(world.bot.id);
            let event = super::message::ServiceEvent::MigrateTo { chat_id: new_chat_id };
            world.append(Post::new(chat_id, from, Content::Service(event)));
            let event = super::message::ServiceEvent::MigrateFrom { chat_id };
            world.append(Post::new(new_chat_id, from, Content::Service(event)));
            Ok(())
        })
    }

    /// The group's owner takes the bot's right to manage topics away; it stays an
    /// administrator otherwise. `createForumTopic` then answers 400 `Bad Request: not enough
    /// rights to create a topic`, as Telegram does. The bot gets `my_chat_member`.
    pub fn demote_bot(&self, chat_id: i64) -> Result<(), ControlError> {
        let rights =
            AdminRights { can_manage_topics: false, can_delete_messages: true, can_pin_messages: true };
        self.set_bot_role(chat_id, MemberRole::Administrator(rights))
    }

    /// The group's owner makes the bot an administrator with every right again.
    pub fn promote_bot(&self, chat_id: i64) -> Result<(), ControlError> {
        self.set_bot_role(chat_id, MemberRole::administrator())
    }

    /// The group's owner bans the bot: everything it sends there answers 403 `Forbidden: bot
    /// was kicked from the supergroup chat`, and it sees nothing of the group.
    pub fn kick_bot(&self, chat_id: i64) -> Result<(), ControlError> {
        self.set_bot_role(chat_id, MemberRole::Kicked)
    }

    /// The group's owner adds the bot back (unbanned, promoted with every right).
    pub fn add_bot_back(&self, chat_id: i64) -> Result<(), ControlError> {
        self.promote_bot(chat_id)
    }

    /// The bot's status in a group changes as its owner sets it; the bot gets `my_chat_member`.
    pub fn set_bot_role(&self, chat_id: i64, role: MemberRole) -> Result<(), ControlError> {
        self.shared.write(|world| {
            let chat = world.chat(chat_id)?;
            if !matches!(chat.kind, ChatKind::Group(_)) {
                return Err(ControlError::Invalid(format!("chat {chat_id} is not a group")));
            }
            let old = world.bot_role(chat);
            // Whoever did it: the owner, else some other member.
            let mut people =
                chat.members.iter().filter(|(id, role)| **id != world.bot.id && role.is_present());
            let owner = chat.members.iter().find(|(_, role)| **role == MemberRole::Owner);
            let by = owner.or_else(|| people.next()).map_or(world.bot.id, |(id, _)| *id);
            let payload = json!({
                "chat": world.chat_json(chat),
                "from": world.user_json(by),
                "date": world.now_unix(),
                "old_chat_member": world.member_json(world.bot.id, old),
                "new_chat_member": world.member_json(world.bot.id, role),
            });
            let bot = world.bot.id;
            world.chat_mut(chat_id)?.members.insert(bot, role);
            if old != role {
                world.updates.push("my_chat_member", payload);
            }
            Ok(())
        })
    }

    /// The token is revoked: every method answers 401 `Unauthorized` until [`Self::restore_token`].
    pub fn revoke_token(&self) {
        let for_good = Instant::now() + Duration::from_hours(24 * 365);
        self.shared.write(|world| world.faults.token_revoked_until = Some(for_good));
    }

    /// The token is revoked for `duration`, then accepted again.
    pub fn revoke_token_for(&self, duration: Duration) {
        self.shared.write(|world| world.faults.token_revoked_until = Some(Instant::now() + duration));
    }

    /// The token is accepted again.
    pub fn restore_token(&self) {
        self.shared.write(|world| world.faults.token_revoked_until = None);
    }

    /// The next `calls` calls matching `filter` are carried out at once but answered only after
    /// `delay`, as Telegram does on a bad day: a client with less patience gives up on a call
    /// that took effect.
    pub fn answer_next_calls_late(&self, calls: usize, delay: Duration, filter: CallFilter) {
        self.shared.write(|world| world.faults.answer_late(calls, delay, filter));
    }

    /// Calls are answered as soon as they are carried out again.
    pub fn answer_on_time(&self) {
        self.shared.write(|world| world.faults.answer_on_time());
    }

    /// The next `calls` calls matching `filter` answer HTTP `status` (500, 502, ...).
    pub fn fail_next_calls(&self, calls: usize, status: u16, filter: CallFilter) {
        self.shared.write(|world| world.faults.script_failures(calls, status, filter));
    }

    /// Every sending call answers 429 with `retry_after` for `duration`.
    pub fn rate_limit_storm(&self, duration: Duration) {
        self.shared.write(|world| world.faults.start_storm(Instant::now() + duration));
    }

    /// Replaces the rate budgets (switch off, scale the windows).
    pub fn set_rate_budgets(&self, budgets: RateBudgets) {
        self.shared.write(|world| world.faults.budgets = budgets);
    }

    /// Makes `deleteMessage` refuse everything, or behave normally again.
    pub fn set_delete_policy(&self, policy: DeletePolicy) {
        self.shared.write(|world| world.faults.delete_policy = policy);
    }

    /// Telegram forgets the updates the bot has not confirmed, as it does after 24 hours.
    pub fn drop_pending_updates(&self) {
        self.shared.write(|world| world.updates.clear());
    }

    /// Moves the fake's clock (message dates, the 48-hour deletion window) forward.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.write(|world| world.advance_clock(by));
    }
}

impl World {
    /// Queues the `callback_query` update of a press on a message; returns the query id.
    fn callback_query(
        &mut self,
        user_id: u64,
        chat_id: i64,
        message_id: i32,
        data: &str,
    ) -> Result<String, ControlError> {
        self.check_can_post(user_id, chat_id)?;
        let message = self.chat(chat_id)?.live_message(message_id);
        let message = message.ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
        let message = self.message_json(message);
        Ok(self.queue_callback(user_id, chat_id, &message, data))
    }

    /// Queues the `callback_query` of `user_id`'s press on `message` (its JSON); returns the query id.
    pub(crate) fn queue_callback(
        &mut self,
        user_id: u64,
        chat_id: i64,
        message: &serde_json::Value,
        data: &str,
    ) -> String {
        let query_id = format!("{}{:06}", user_id % 1_000_000, self.serial());
        let payload = json!({
            "id": query_id,
            "from": self.user_json(user_id),
            "message": message,
            "chat_instance": format!("{}", chat_id.unsigned_abs().wrapping_mul(2_654_435_761)),
            "data": data,
        });
        self.callback_queries.insert(query_id.clone(), PendingCallback { from: user_id });
        self.updates.push("callback_query", payload);
        query_id
    }

    /// Whether the person may write into the chat at all.
    pub(crate) fn check_can_post(&self, user_id: u64, chat_id: i64) -> Result<(), ControlError> {
        let person = self.person(user_id)?;
        let chat = self.chat(chat_id)?;
        match chat.kind {
            ChatKind::Private if chat_id != user_id as i64 => {
                Err(ControlError::NotAMember { chat_id, user_id })
            }
            ChatKind::Private if person.blocked => Err(ControlError::Blocked(user_id)),
            ChatKind::Private if !person.started => Err(ControlError::NotStarted(user_id)),
            ChatKind::Group(_) if chat.migrated_to.is_some() => {
                Err(ControlError::Invalid(format!("chat {chat_id} migrated to a supergroup")))
            }
            ChatKind::Group(_) if !self.member_role(chat_id, user_id).is_present() => {
                Err(ControlError::NotAMember { chat_id, user_id })
            }
            _ => Ok(()),
        }
    }

    fn person_post(
        &mut self,
        user_id: u64,
        chat_id: i64,
        draft: Draft,
        album: Option<String>,
    ) -> Result<i32, ControlError> {
        self.person_post_as(user_id, user_id, chat_id, draft, album)
    }

    /// A post by `user_id` that Telegram shows as from `shown_as` (the person, or the
    /// anonymous admins' stand-in).
    fn person_post_as(
        &mut self,
        user_id: u64,
        shown_as: u64,
        chat_id: i64,
        draft: Draft,
        album: Option<String>,
    ) -> Result<i32, ControlError> {
        self.check_can_post(user_id, chat_id)?;
        let chat = self.chat(chat_id)?;
        if let Some(thread_id) = draft.thread_id {
            let topic = chat.live_topic(thread_id).filter(|topic| !topic.closed);
            topic.ok_or(ControlError::UnknownTopic { chat_id, thread_id })?;
        }
        if let Some(message_id) = draft.reply_to {
            chat.live_message(message_id).ok_or(ControlError::UnknownMessage { chat_id, message_id })?;
        }
        let content = self.minted(draft.content)?;
        let mut post = Post::new(chat_id, shown_as, content);
        (post.text, post.thread_id, post.reply_to, post.media_group_id) =
            (draft.text, draft.thread_id, draft.reply_to, album);
        Ok(self.append(post))
    }

    fn set_blocked(&mut self, user_id: u64, blocked: bool) -> Result<(), ControlError> {
        let person = self.people.get_mut(&user_id).ok_or(ControlError::UnknownUser(user_id))?;
        if person.blocked == blocked {
            return Ok(());
        }
        person.blocked = blocked;
        let (old, new) = if blocked {
            (MemberRole::Member, MemberRole::Kicked)
        } else {
            (MemberRole::Kicked, MemberRole::Member)
        };
        let payload = json!({
            "chat": self.chat_json(&self.chats[&(user_id as i64)]),
            "from": self.user_json(user_id),
            "date": self.now_unix(),
            "old_chat_member": self.member_json(self.bot.id, old),
            "new_chat_member": self.member_json(self.bot.id, new),
        });
        self.updates.push("my_chat_member", payload);
        Ok(())
    }
}

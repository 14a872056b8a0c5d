//! Trouble on demand: scripted server errors, 429 storms, outages (the listener itself goes away, see
//! `server.rs`), refused deletions, a revoked token (every method answers 401 `Unauthorized`),
//! answers held back past a client's patience, and Telegram's rate budgets as sliding windows.
//! Everything here is decided per call before the method runs (a late answer only after it ran);
//! methods never see faults. The bot's rights in a group are the world's, not faults: see
//! `control.rs` (`demote_bot`, `kick_bot`).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::config::RateBudgets;
use super::error::ApiFailure;

/// Which calls a scripted failure hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallFilter {
    /// Every call, `getUpdates` included.
    Any,
    /// Calls that post or edit content or create/edit topics.
    Sending,
    /// One method, named as in the spec (`sendMessage`); compared case-insensitively.
    Method(String),
    /// Sending calls (as [`CallFilter::Sending`]) whose `chat_id` is this chat, given as a number.
    Chat(i64),
}

impl CallFilter {
    fn hits(&self, method: &str, traffic: Traffic, chat_id: Option<i64>) -> bool {
        match self {
            CallFilter::Chat(chat) => traffic != Traffic::Quiet && chat_id == Some(*chat),
            CallFilter::Any => true,
            CallFilter::Sending => traffic != Traffic::Quiet,
            CallFilter::Method(name) => name.eq_ignore_ascii_case(method),
        }
    }
}

/// What a call does to a chat, as far as storms and budgets care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Traffic {
    /// Posts a message or creates a topic: storms and rate budgets apply.
    Post,
    /// Edits a message or a topic: storms apply, budgets do not.
    Edit,
    /// Reads, confirms, deletes, pins, answers callbacks, shows chat actions: neither applies.
    Quiet,
}

/// Whether `deleteMessage` works normally or refuses everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletePolicy {
    /// Refuse only messages older than 48 hours on the fake's clock.
    Normal,
    /// Refuse every deletion with `message can't be deleted for everyone`.
    Refuse,
}

struct ScriptedFailure {
    remaining: usize,
    status: u16,
    filter: CallFilter,
}

/// Calls whose answer is held back after they were carried out.
struct LateAnswers {
    remaining: usize,
    delay: Duration,
    filter: CallFilter,
}

pub(crate) struct Faults {
    scripted: Vec<ScriptedFailure>,
    late: Vec<LateAnswers>,
    storm_until: Option<Instant>,
    /// Until then, the token is refused: 401 to every method.
    pub token_revoked_until: Option<Instant>,
    pub outage_until: Option<Instant>,
    pub delete_policy: DeletePolicy,
    pub budgets: RateBudgets,
    overall: VecDeque<Instant>,
    per_chat: HashMap<i64, VecDeque<Instant>>,
}

impl Faults {
    pub fn new(budgets: RateBudgets) -> Faults {
        Faults {
            scripted: Vec::new(),
            late: Vec::new(),
            storm_until: None,
            token_revoked_until: None,
            outage_until: None,
            delete_policy: DeletePolicy::Normal,
            budgets,
            overall: VecDeque::new(),
            per_chat: HashMap::new(),
        }
    }

    pub fn script_failures(&mut self, calls: usize, status: u16, filter: CallFilter) {
        self.scripted.push(ScriptedFailure { remaining: calls, status, filter });
    }

    pub fn answer_late(&mut self, calls: usize, delay: Duration, filter: CallFilter) {
        self.late.push(LateAnswers { remaining: calls, delay, filter });
    }

    pub fn answer_on_time(&mut self) {
        self.late.clear();
    }

    /// Whether the token is refused at `now`.
    pub fn token_refused(&self, now: Instant) -> bool {
        self.token_revoked_until.is_some_and(|until| until > now)
    }

    /// How long this call's answer is held back after it ran (consumes one from the script).
    pub fn late_answer(&mut self, method: &str, traffic: Traffic, chat_id: Option<i64>) -> Option<Duration> {
        let late = self
            .late
            .iter_mut()
            .find(|late| late.remaining > 0 && late.filter.hits(method, traffic, chat_id))?;
        late.remaining -= 1;
        let delay = late.delay;
        self.late.retain(|late| late.remaining > 0);
        Some(delay)
    }

    pub fn start_storm(&mut self, until: Instant) {
        self.storm_until = Some(until);
    }

    /// Whether the fake is pretending to be unreachable.
    pub fn in_outage(&self, now: Instant) -> bool {
        self.outage_until.is_some_and(|until| until > now)
    }

    /// The scripted server error this call gets, if any (consumes one from the script).
    pub fn scripted_failure(
        &mut self,
        method: &str,
        traffic: Traffic,
        chat_id: Option<i64>,
    ) -> Option<ApiFailure> {
        let script = self
            .scripted
            .iter_mut()
            .find(|script| script.remaining > 0 && script.filter.hits(method, traffic, chat_id))?;
        script.remaining -= 1;
        let status = script.status;
        self.scripted.retain(|script| script.remaining > 0);
        Some(ApiFailure::server_error(status))
    }

    /// Admits a call into `chat_id` or answers 429: sending calls during a storm, posts when a
    /// budget's window is full. Admitted posts are counted; refused ones are not.
    pub fn admit(&mut self, traffic: Traffic, chat_id: Option<i64>, now: Instant) -> Result<(), ApiFailure> {
        if traffic == Traffic::Quiet {
            return Ok(());
        }
        if let Some(until) = self.storm_until.filter(|until| *until > now) {
            return Err(ApiFailure::too_many_requests(whole_seconds(until - now)));
        }
        if traffic == Traffic::Edit || !self.budgets.enabled {
            return Ok(());
        }
        let budgets = self.budgets;
        let chat_window = chat_id.map(|chat_id| {
            let (limit, span) = if chat_id < 0 {
                (budgets.per_group_per_minute, budgets.window(60))
            } else {
                (budgets.per_private_chat_per_second, budgets.window(1))
            };
            (chat_id, limit, span)
        });
        let mut wait = wait_needed(&mut self.overall, budgets.overall_per_second, budgets.window(1), now);
        if let Some((chat_id, limit, span)) = chat_window {
            let hits = self.per_chat.entry(chat_id).or_default();
            wait = wait.max(wait_needed(hits, limit, span, now));
        }
        if let Some(wait) = wait {
            return Err(ApiFailure::too_many_requests(whole_seconds(wait)));
        }
        self.overall.push_back(now);
        if let Some((chat_id, ..)) = chat_window {
            self.per_chat.entry(chat_id).or_default().push_back(now);
        }
        Ok(())
    }
}

/// How long until a window with `limit` calls per `span` has room again; `None` when it has now.
fn wait_needed(hits: &mut VecDeque<Instant>, limit: usize, span: Duration, now: Instant) -> Option<Duration> {
    while hits.front().is_some_and(|hit| now.duration_since(*hit) >= span) {
        hits.pop_front();
    }
    if hits.len() < limit {
        return None;
    }
    let blocking = hits[hits.len() - limit.max(1)];
    Some(span.saturating_sub(now.duration_since(blocking)))
}

/// `retry_after` is whole seconds, at least 1.
fn whole_seconds(wait: Duration) -> u32 {
    (wait.as_secs_f64().ceil() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_window_refuses_the_twenty_first_send_of_a_minute() {
        let mut faults = Faults::new(RateBudgets::default());
        let start = Instant::now();
        for sent in 0..20 {
            let at = start + Duration::from_millis(sent * 100);
            faults.admit(Traffic::Post, Some(-100), at).expect("within the group budget");
        }
        let refused = faults
            .admit(Traffic::Post, Some(-100), start + Duration::from_secs(3))
            .expect_err("21st in a minute");
        assert_eq!((refused.status, refused.retry_after), (429, Some(57)));
        faults.admit(Traffic::Post, Some(-100), start + Duration::from_mins(1)).expect("the window moved on");
    }

    #[test]
    fn private_chats_get_one_message_a_second_each() {
        let mut faults = Faults::new(RateBudgets::default());
        let start = Instant::now();
        faults.admit(Traffic::Post, Some(7), start).expect("first");
        faults.admit(Traffic::Post, Some(8), start).expect("another chat");
        assert_eq!(
            faults.admit(Traffic::Post, Some(7), start).map_err(|failure| failure.retry_after),
            Err(Some(1))
        );
    }
}

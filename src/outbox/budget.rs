//! The send budget: which queued Telegram calls may go now, and when to look again.
//!
//! Pure: the planner passes the pending calls and the time (milliseconds on any
//! monotonic clock) and gets back what to send; the dispatcher reports each call's outcome
//! with [`Budget::record`]. Telegram's published limits are the default: about 30 messages a
//! second overall, 20 a minute per group (every topic of the staff group shares it), one
//! a second per private chat. Windows can be scaled down together, so a test can run a
//! minute's budget in a second.
//!
//! Order: within a chat, messages people read go out in queue order, one in flight at a
//! time. A cosmetic call (card edit, topic rename) never goes before a message of its
//! chat that is still queued, earlier or later: cosmetics use the budget messages leave
//! idle, so a short budget is spent on what people read.

use std::collections::{HashMap, VecDeque};

use crate::outbox::Lane;

/// Limits per window; `window_scale` shrinks every window by the same factor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub overall_per_second: u32,
    pub group_per_minute: u32,
    pub private_per_second: u32,
    /// 1.0 for Telegram; 0.01 makes a minute last 600 ms.
    pub window_scale: f64,
    /// No budget at all: for benchmarks against a local stand-in, never for Telegram.
    pub unlimited: bool,
}

/// A call waiting in the outbox, as far as the budget cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub seq: u64,
    /// The chat whose budget the call spends; 0 for calls that spend none (answering a
    /// button press).
    pub chat_id: i64,
    /// Calls with the same queue go out one at a time, in order: a chat, or one ticket's
    /// topic inside the staff chat.
    pub queue: u64,
    pub lane: Lane,
}

/// What happened to a call the dispatcher sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Telegram accepted it (or it has a final outcome that spent a send).
    Sent,
    /// 429: Telegram asks for a pause of this many milliseconds.
    RetryAfter { millis: u64 },
    /// 5xx or a network error: back off, then try again.
    Transient,
    /// Refused for a reason outside the call that lasts until someone acts: the bot lacks a
    /// right in the chat, or was removed from it. The queue waits on a slower ladder that
    /// other successes in the chat do not cut short (they say nothing about the right), and
    /// a refused cosmetic call never holds the messages of its queue.
    Refused,
    /// 401: the token is not accepted (revoked, or replaced with a new one). Nothing goes out,
    /// on a ladder of its own, until a call is accepted again.
    Unauthorized,
}

/// The calls to send now, in order, and when to plan again if anything is left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub send: Vec<u64>,
    pub wake_at: Option<u64>,
}

/// The budget's memory: recent sends and pauses, per chat and overall.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    overall: Window,
    chats: HashMap<i64, ChatState>,
    /// Backoff after 5xx answers and network errors, per queue: one topic's trouble never
    /// holds another topic or chat.
    queues: HashMap<u64, Backoff>,
    /// A 429 without a chat to blame, or a token refused (401), pauses everything.
    paused_until: u64,
    /// The 401s in a row, and when the last was answered: the global pause's ladder.
    unauthorized: Backoff,
}

/// The sends one window counts: those answered within it, and those still in flight,
/// which count until they are answered however long that takes (Telegram counts them
/// somewhere between the request and its answer).
#[derive(Debug, Default)]
struct Window {
    answered: VecDeque<u64>,
    in_flight: usize,
}

#[derive(Debug, Default)]
struct ChatState {
    sent: Window,
    /// A 429 (`retry_after`) pauses the whole chat: Telegram counts per chat.
    blocked_until: u64,
}

#[derive(Debug, Default)]
struct Backoff {
    chat_id: i64,
    blocked_until: u64,
    failures: u32,
    /// When the last failure was answered.
    failed_at: u64,
    /// Refused for a right ([`Outcome::Refused`]), not a passing failure.
    refused: bool,
    /// Only the queue's cosmetic calls wait: a refused cosmetic call holds no message.
    cosmetic_only: bool,
}

/// Backoff after the n-th consecutive failure: 0.5 s doubling to at most 60 s.
const BACKOFF_BASE_MS: u64 = 500;
const BACKOFF_MAX_MS: u64 = 60_000;
/// A refused right is not given back within a second: its ladder starts at 1 s.
const REFUSED_BASE_MS: u64 = 1_000;

impl Limits {
    /// Telegram's published limits.
    pub const TELEGRAM: Limits = Limits {
        overall_per_second: 30,
        group_per_minute: 20,
        private_per_second: 1,
        window_scale: 1.0,
        unlimited: false,
    };

    fn window(self, millis: u64) -> u64 {
        ((millis as f64) * self.window_scale).ceil().max(1.0) as u64
    }

    /// The window and the number of sends allowed in it for one chat.
    fn chat_window(self, chat_id: i64) -> (u64, u32) {
        if chat_id < 0 {
            (self.window(60_000), self.group_per_minute)
        } else {
            (self.window(1_000), self.private_per_second)
        }
    }
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            overall: Window::default(),
            chats: HashMap::new(),
            queues: HashMap::new(),
            paused_until: 0,
            unauthorized: Backoff::default(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Chooses what may be sent at `now` from `pending` (in outbox order).
    pub fn plan(&mut self, pending: &[Pending], now: u64) -> Plan {
        self.forget_before(now);
        let mut plan = Plan::default();
        let wake = |at: u64, plan: &mut Plan| plan.wake_at = Some(plan.wake_at.map_or(at, |w| w.min(at)));
        if now < self.paused_until {
            if !pending.is_empty() {
                wake(self.paused_until, &mut plan);
            }
            return plan;
        }
        let candidates = heads(pending);
        let overall_window = self.limits.window(1_000);
        for call in candidates {
            if let Some(backoff) = self.queues.get(&call.queue)
                && now < backoff.blocked_until
                && !(backoff.cosmetic_only && call.lane == Lane::Message)
            {
                wake(backoff.blocked_until, &mut plan);
                continue;
            }
            let chat = self.chats.entry(call.chat_id).or_default();
            if now < chat.blocked_until {
                wake(chat.blocked_until, &mut plan);
                continue;
            }
            if !self.limits.unlimited && call.chat_id != 0 {
                if self.overall.len() >= self.limits.overall_per_second as usize {
                    if let Some(&oldest) = self.overall.answered.front() {
                        wake(oldest + overall_window, &mut plan);
                    }
                    break;
                }
                let (window, allowed) = self.limits.chat_window(call.chat_id);
                if chat.sent.len() >= allowed as usize {
                    if let Some(&oldest) = chat.sent.answered.front() {
                        wake(oldest + window, &mut plan);
                    }
                    continue;
                }
            }
            // Count the send now, so the rest of this plan sees it.
            if call.chat_id != 0 {
                chat.sent.in_flight += 1;
                self.overall.in_flight += 1;
            }
            plan.send.push(call.seq);
        }
        // Calls behind a chosen head go in a later plan, as soon as the budget allows. (A
        // window full of sends in flight sets no time: their answers are the next event.)
        if !plan.send.is_empty() && plan.send.len() < pending.len() && plan.wake_at.is_none() {
            plan.wake_at = Some(now);
        }
        plan
    }

    /// How many more sends `chat_id` may make at `now`: none while it (or everything) is
    /// paused, else what its window and the overall window leave.
    pub fn room(&mut self, chat_id: i64, now: u64) -> usize {
        if self.limits.unlimited {
            return usize::MAX;
        }
        self.forget_before(now);
        let blocked = self.chats.get(&chat_id).is_some_and(|chat| now < chat.blocked_until);
        if now < self.paused_until || blocked {
            return 0;
        }
        let (_, allowed) = self.limits.chat_window(chat_id);
        let used = self.chats.get(&chat_id).map_or(0, |chat| chat.sent.len());
        let overall = (self.limits.overall_per_second as usize).saturating_sub(self.overall.len());
        (allowed as usize).saturating_sub(used).min(overall)
    }

    /// Records what happened to `call`, planned at `planned` and answered at `answered`.
    ///
    /// The send counts in its windows from the answer on, not from the plan: Telegram
    /// counted it somewhere between the two, so counting from the later moment keeps the
    /// next send out of Telegram's window however long the round trip took. Until then it
    /// counts as in flight.
    pub fn record(&mut self, call: &Pending, outcome: Outcome, planned: u64, answered: u64, jitter: f64) {
        let chat = self.chats.entry(call.chat_id).or_default();
        if call.chat_id != 0 {
            self.overall.settle(answered);
            chat.sent.settle(answered);
        }
        match outcome {
            Outcome::Sent => {
                self.queues.remove(&call.queue);
                self.unauthorized = Backoff::default();
                // Telegram answers this chat again: its other queues stop waiting out a long
                // backoff (an outage's ladder) and retry within one first step. A queue
                // refused for a right keeps waiting: this success says nothing about it.
                for backoff in self.queues.values_mut().filter(|b| b.chat_id == call.chat_id && !b.refused) {
                    backoff.blocked_until = backoff.blocked_until.min(answered + BACKOFF_BASE_MS);
                }
            }
            Outcome::RetryAfter { millis } => {
                chat.blocked_until = chat.blocked_until.max(answered + millis);
            }
            Outcome::Transient | Outcome::Refused => {
                let refused = outcome == Outcome::Refused;
                let queue = self
                    .queues
                    .entry(call.queue)
                    .or_insert_with(|| Backoff { chat_id: call.chat_id, ..Backoff::default() });
                if queue.refused != refused {
                    // Another kind of trouble starts its own ladder.
                    *queue = Backoff { chat_id: call.chat_id, refused, ..Backoff::default() };
                }
                queue.cosmetic_only = refused && call.lane == Lane::Cosmetic;
                let base = if refused { REFUSED_BASE_MS } else { BACKOFF_BASE_MS };
                queue.climb(base, planned, answered, jitter);
            }
            Outcome::Unauthorized => {
                self.unauthorized.climb(BACKOFF_BASE_MS, planned, answered, jitter);
                self.paused_until = self.paused_until.max(self.unauthorized.blocked_until);
            }
        }
    }

    /// Whether Telegram refused the token at the last answer (and nothing was accepted since).
    pub fn unauthorized(&self) -> bool {
        self.unauthorized.failures > 0
    }

    /// A 429 that names no chat: nothing goes out for `millis`.
    pub fn pause_all(&mut self, millis: u64, now: u64) {
        self.paused_until = self.paused_until.max(now + millis);
    }

    fn forget_before(&mut self, now: u64) {
        let overall_window = self.limits.window(1_000);
        self.overall.forget_before(now, overall_window);
        let limits = self.limits;
        self.chats.retain(|&chat_id, state| {
            let (window, _) = limits.chat_window(chat_id);
            state.sent.forget_before(now, window);
            state.sent.len() > 0 || state.blocked_until > now
        });
    }
}

impl Backoff {
    /// One more failure, answered at `answered` for a call planned at `planned`: the next
    /// try waits `base` doubled per failure in a row, at most a minute, with jitter.
    fn climb(&mut self, base: u64, planned: u64, answered: u64, jitter: f64) {
        // A call sent before the last failure was known failed with it: only a call sent
        // after it climbs the ladder.
        if planned >= self.failed_at {
            self.failures += 1;
        }
        self.failed_at = self.failed_at.max(answered);
        let exponent = self.failures.saturating_sub(1).min(16);
        let backoff = (base << exponent).min(BACKOFF_MAX_MS);
        // Jitter in [0.5, 1.0] of the backoff spreads retries of many queues apart.
        let delay = (backoff as f64 * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u64;
        self.blocked_until = self.blocked_until.max(answered + delay);
    }
}

impl Window {
    fn len(&self) -> usize {
        self.answered.len() + self.in_flight
    }

    /// A send in flight was answered at `answered`; it counts from then on.
    fn settle(&mut self, answered: u64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let index = self.answered.partition_point(|&at| at <= answered);
        self.answered.insert(index, answered);
    }

    fn forget_before(&mut self, now: u64, window: u64) {
        while self.answered.front().is_some_and(|&t| t + window <= now) {
            self.answered.pop_front();
        }
    }
}

/// The calls that may go next: per queue, its first message; a queue with no message
/// pending at all offers its first cosmetic call instead. Cosmetics thus use only the
/// budget that messages leave idle, and never overtake a message.
fn heads(pending: &[Pending]) -> Vec<Pending> {
    let mut first: HashMap<(u64, Lane), Pending> = HashMap::new();
    for call in pending {
        first.entry((call.queue, call.lane)).or_insert(*call);
    }
    let mut heads: Vec<Pending> = first
        .values()
        .filter(|call| call.lane == Lane::Message || !first.contains_key(&(call.queue, Lane::Message)))
        .copied()
        .collect();
    heads.sort_by_key(|call| (call.lane, call.seq));
    heads
}

#[cfg(test)]
mod tests;

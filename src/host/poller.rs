//! The poller: long polling that owns its offset. It asks for updates after the last
//! applied one, hands the page to the desk loop and waits for the commit before asking
//! again, so a crash at any point re-delivers exactly what was not applied.
//!
//! It counts each long poll and each committed page (updates, their lag) and beats busy
//! from a poll to its page's commit, idle while it backs off.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};

use super::desk_loop::PageUpdate;
use super::{DeskInput, StaffChats};
use crate::desk::Event;
use crate::http::{Health, Heartbeat, Metrics};
use crate::store::Store;
use crate::telegram::{Bot, CallAnswer, Seen, answer_of_error, poll, token_refused};

pub struct Poller {
    pub bot: Bot,
    pub store: Arc<Store>,
    pub staff: watch::Receiver<StaffChats>,
    pub timeout: Duration,
    pub desk: mpsc::Sender<DeskInput>,
    pub stop: watch::Receiver<bool>,
}

/// Where the poller counts and beats.
pub struct Counted {
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    pub beat: Arc<Heartbeat>,
}

pub async fn run(poller: Poller, counted: Counted) {
    let Poller { bot, store, staff, timeout, desk, mut stop } = poller;
    let Counted { metrics, health, beat } = counted;
    let mut backoff = Duration::from_millis(500);
    // A refused token is said loudly once per outage, not at every try.
    let mut refused = false;
    let mut read_backoff = Duration::from_millis(500);
    loop {
        beat.busy();
        let offset = match store.read().and_then(|read| read.update_offset()) {
            Ok(offset) => {
                read_backoff = Duration::from_millis(500);
                offset
            }
            Err(error) => {
                // The store is being opened again after a failed write: wait for it.
                tracing::warn!(%error, retry_in = ?read_backoff, "cannot read the update offset; trying again");
                beat.idle();
                tokio::select! {
                    () = tokio::time::sleep(read_backoff) => {}
                    _ = stop.changed() => return,
                }
                read_backoff = (read_backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        let sent = Instant::now();
        let page = tokio::select! {
            page = poll(&bot, offset, timeout) => page,
            _ = stop.changed() => return,
        };
        let answer = page.as_ref().map_or_else(answer_of_error, |_| CallAnswer::Ok);
        metrics.telegram_call(Seen { method: "GetUpdates", answer }, sent.elapsed());
        let updates = match page {
            Ok(updates) => {
                health.telegram_answered();
                backoff = Duration::from_millis(500);
                if refused {
                    tracing::warn!("Telegram accepts the bot's token again; polling goes on");
                    refused = false;
                }
                updates
            }
            Err(error) => {
                if !token_refused(&error) {
                    tracing::warn!(%error, "getUpdates failed; trying again");
                } else if !refused {
                    tracing::error!(
                        "Telegram refuses the bot's token (401 Unauthorized): was it revoked? No \
                         updates can be read; polling tries again with backoff until it is accepted"
                    );
                    refused = true;
                }
                beat.idle();
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        if updates.is_empty() {
            continue;
        }
        let dates: Vec<i64> = updates.iter().filter_map(|(update, _)| update.sent_at()).collect();
        let count = updates.len();
        // Updates after a move of the staff chat in the same page come from its new id.
        let mut groups = staff.borrow().clone();
        let page: Vec<PageUpdate> = updates
            .into_iter()
            .map(|(update, json)| {
                let id = update.id();
                let event = update.into_event(json.get(), &groups);
                if let Some(Event::StaffChatMigrated { from, to }) = &event {
                    groups.moved(*from, *to);
                }
                PageUpdate { id, event, json }
            })
            .collect();
        let (ack, committed) = oneshot::channel();
        if desk.send(DeskInput::Page { updates: page, ack }).await.is_err() {
            return;
        }
        // Finish the page in hand even when asked to stop: the commit is what counts. The
        // desk loop retries the page until it commits; it gives up only when stopping.
        if committed.await.is_err() {
            return;
        }
        let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
        metrics.updates_committed(count, dates.into_iter().map(|date| now - date as f64));
        if *stop.borrow() {
            return;
        }
    }
}

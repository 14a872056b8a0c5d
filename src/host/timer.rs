//! The timer task: sleeps until the earliest deadline in the store's index and then asks
//! the desk loop for a tick. With nothing due it sleeps, so the cost of a million open
//! tickets with running clocks is one index lookup per change, not a scan. Every commit
//! of the desk loop wakes it to look again, since deadlines may have moved. It beats busy
//! from asking for a tick until the tick is done, idle while it sleeps.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::DeskInput;
use crate::http::Heartbeat;
use crate::store::Store;

/// The longest sleep with nothing in the index; a new deadline wakes the task anyway.
const IDLE: Duration = Duration::from_hours(1);
/// At most this often while a deadline stays due after its tick (more than a tick's worth
/// fell due at once; or a bug: this bounds the damage).
const MIN_GAP: Duration = Duration::from_millis(200);
/// After a failed tick or an unreadable index: the deadlines stay, so try again, from this
/// wait on and doubling up to the longest while it keeps failing.
const RETRY: (Duration, Duration) = (Duration::from_secs(1), Duration::from_mins(1));

pub async fn run(
    store: Arc<Store>,
    desk: mpsc::Sender<DeskInput>,
    changed: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    beat: Arc<Heartbeat>,
) {
    let mut retry = RETRY.0;
    loop {
        beat.idle();
        let next = match store.read().and_then(|read| read.next_deadline()) {
            Ok(next) => next,
            Err(error) => {
                tracing::error!(%error, retry_in = ?retry, "cannot read the deadline index; trying again");
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = stop.changed() => return,
                }
                retry = (retry * 2).min(RETRY.1);
                continue;
            }
        };
        let wait = next.map_or(IDLE, |deadline| {
            let left = deadline.due.duration_since(jiff::Timestamp::now());
            Duration::try_from(left).unwrap_or(Duration::ZERO)
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = changed.notified() => continue,
            _ = stop.changed() => return,
        }
        beat.busy();
        let ticked = jiff::Timestamp::now();
        let (ack, done) = oneshot::channel();
        if desk.send(DeskInput::Tick { ack }).await.is_err() {
            return;
        }
        if done.await.is_err() {
            // The desk loop gave the tick up (it logged why) and committed nothing: whatever
            // fell due is still in the index and is tried again, later each time.
            beat.idle();
            tokio::select! {
                () = tokio::time::sleep(retry) => {}
                _ = stop.changed() => return,
            }
            retry = (retry * 2).min(RETRY.1);
            continue;
        }
        retry = RETRY.0;
        // The next deadline in the future is slept until at once: deadlines a few
        // milliseconds apart are each served on time, not in batches a gap apart.
        let stuck = store
            .read()
            .and_then(|read| read.next_deadline())
            .ok()
            .flatten()
            .is_some_and(|d| d.due <= ticked);
        if stuck {
            beat.idle();
            tokio::select! {
                () = tokio::time::sleep(MIN_GAP) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

//! Webhook mode, the poller's stand-in: the receiver (`http::webhook`) hands over each
//! update Telegram posted; this task takes what has arrived (one update, or several sent
//! side by side), in update-id order, to the desk loop as one page, and only after the
//! page's commit lets the receiver answer 200. Updates at or below the stored offset (a
//! redelivery after a crash between the commit and the answer) are skipped by the store and
//! answered 200 all the same.
//!
//! Every `check_every` it asks Telegram `getWebhookInfo`: that Telegram answers is what
//! `/readyz` reads (there is no long poll to tell), and a new delivery error Telegram
//! reports (it cannot reach the URL, the proxy answers 502) is logged once.
//!
//! The secret token is drawn anew at every start from the system's randomness and set with
//! the webhook before the first request is read: updates Telegram still holds are delivered
//! with the new one.

use std::io::Read as _;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};

use super::desk_loop::PageUpdate;
use super::poller::Counted;
use super::{DeskInput, StaffChats};
use crate::desk::Event;
use crate::http::webhook::Received;
use crate::telegram::{Bot, decode_update, webhook_info};

/// The most updates one page takes.
const PAGE: usize = 100;

pub struct Webhook {
    pub bot: Bot,
    pub staff: watch::Receiver<StaffChats>,
    pub desk: mpsc::Sender<DeskInput>,
    pub stop: watch::Receiver<bool>,
    /// How often Telegram is asked how the webhook does.
    pub check_every: Duration,
}

/// A secret token for `setWebhook`: 64 characters of `A-Za-z0-9`, from the system's
/// randomness.
pub fn new_secret() -> std::io::Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = std::fs::File::open("/dev/urandom")?;
    let mut bytes = [0u8; 64];
    random.read_exact(&mut bytes)?;
    // 62 letters: bytes 248 and up would favour the first eight; draw those again.
    let mut secret = String::with_capacity(64);
    let mut more = [0u8; 1];
    for mut byte in bytes {
        while byte >= 248 {
            random.read_exact(&mut more)?;
            byte = more[0];
        }
        secret.push(ALPHABET[usize::from(byte) % ALPHABET.len()] as char);
    }
    Ok(secret)
}

pub async fn run(webhook: Webhook, mut received: mpsc::Receiver<Received>, counted: Counted) {
    let Webhook { bot, staff, desk, mut stop, check_every } = webhook;
    let Counted { metrics, health, beat } = counted;
    let mut check = tokio::time::interval(check_every);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_error: Option<(i64, String)> = None;
    let mut batch = Vec::with_capacity(PAGE);
    loop {
        beat.idle();
        tokio::select! {
            got = received.recv_many(&mut batch, PAGE) => if got == 0 { return },
            _ = check.tick() => {
                beat.busy();
                let sent = Instant::now();
                let (info, seen) = webhook_info(&bot).await;
                metrics.telegram_call(seen, sent.elapsed());
                match info {
                    Ok(info) => {
                        health.telegram_answered();
                        if info.last_error.is_some() && info.last_error != last_error {
                            let (_, error) = info.last_error.clone().unwrap_or_default();
                            tracing::warn!(%error, pending = info.pending, "Telegram reports a failed webhook delivery");
                        }
                        if info.url.is_empty() {
                            tracing::error!("Telegram has no webhook set for the bot: someone deleted it; restart topicdesk to set it again");
                        }
                        last_error = info.last_error;
                    }
                    Err(error) => tracing::warn!(%error, "getWebhookInfo failed"),
                }
                continue;
            }
            _ = stop.changed() => return,
        }
        beat.busy();
        batch.sort_by_key(|received| received.update_id);
        let (page, answers, dates) = page_of(std::mem::take(&mut batch), staff.borrow().clone());
        let count = page.len();
        let (ack, committed) = oneshot::channel();
        if desk.send(DeskInput::Page { updates: page, ack }).await.is_err() {
            return;
        }
        // The requests wait for this: answered 200 only once the page is stored.
        if committed.await.is_err() {
            return;
        }
        for answer in answers {
            let _ = answer.send(());
        }
        let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
        metrics.updates_committed(count, dates.into_iter().map(|date| now - date as f64));
        if *stop.borrow() {
            return;
        }
    }
}

/// The page for the desk loop, the answers waiting for its commit, and when the updates were
/// sent. Updates after a move of the staff chat in the same page come from its new id.
fn page_of(
    batch: Vec<Received>,
    mut groups: StaffChats,
) -> (Vec<PageUpdate>, Vec<oneshot::Sender<()>>, Vec<i64>) {
    let mut page = Vec::with_capacity(batch.len());
    let mut answers = Vec::with_capacity(batch.len());
    let mut dates = Vec::new();
    for Received { update_id, json, done } in batch {
        let event = match decode_update(json.get(), &groups) {
            Ok((_, event, date)) => {
                dates.extend(date);
                event
            }
            Err(error) => {
                // Telegram's own JSON that this build cannot read: nothing for the desk.
                tracing::warn!(update_id, %error, "an update by webhook could not be read; it means nothing to the desk");
                None
            }
        };
        if let Some(Event::StaffChatMigrated { from, to }) = &event {
            groups.moved(*from, *to);
        }
        page.push(PageUpdate { id: update_id, event, json });
        answers.push(done);
    }
    (page, answers, dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_64_characters_telegram_takes_and_new_each_time() {
        let one = new_secret().unwrap();
        let two = new_secret().unwrap();
        assert_eq!(one.len(), 64);
        assert!(one.chars().all(|c| c.is_ascii_alphanumeric()), "{one}");
        assert_ne!(one, two);
    }
}

//! The desk loop: the one owner of state. Every input becomes one store transaction run
//! through the desk on a blocking thread (redb calls block), with the wall clock read here,
//! at the edge, and passed in.
//!
//! Never silently stuck (invariant 10). An input whose transaction fails because the store
//! cannot write (a full disk, an I/O error) is tried again with backoff until it commits;
//! the store opens its file again by itself meanwhile, and nothing else goes ahead, since
//! nothing could commit. An input the desk itself fails on (an error of the desk, a damaged
//! record, a panic) is tried [`TRIES`] times: a page then goes update by update, and the
//! update that keeps failing is set aside as a dead letter with an alert in General while
//! the rest flow on; a tick or a reload is given up, and its sender asks again later; of a
//! batch of verdicts, the calls Telegram accepted still leave the outbox. A damaged data file ends the loop with the error, which ends the
//! process. Asked to stop, the loop tries each input once more and leaves what fails for
//! the next start.
//!
//! The loop beats busy from taking an input until it is done, idle while it waits for one;
//! it times each page to its commit and counts rules reloads.

use std::fmt::Write as _;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::StaffChats;
use crate::desk::{Desk, DeskError, Event, InlineMode, StateError};
use crate::http::{Heartbeat, Metrics};
use crate::outbox::{Call, Lane, Outgoing, Target};
use crate::privacy::{Answer, Request};
use crate::rules::{ReloadEvent, RulesHandle};
use crate::store::{DeadLetter, Store, StoreError, Tx};
use crate::telegram::{Update, Verdict};

/// What the desk loop is asked to do.
#[derive(Debug)]
pub enum DeskInput {
    /// A page of updates from the poller, acknowledged once committed.
    Page { updates: Vec<PageUpdate>, ack: oneshot::Sender<()> },
    /// What came of the calls the dispatcher sent: (outbox sequence, verdict).
    /// What came of sent calls, and the messages the calls done added to each chat.
    Results { results: Vec<(u64, Verdict)>, posted: Vec<(i64, u64)>, ack: oneshot::Sender<()> },
    /// The rules directory changed.
    Reload(ReloadEvent),
    /// A deadline fell due: act on every timer due now.
    Tick { ack: oneshot::Sender<()> },
    /// What the host learnt at start-up rather than from an update (the business connections
    /// as Telegram now has them): applied in one transaction.
    Learnt { events: Vec<Event>, ack: oneshot::Sender<()> },
    /// After a reload: the deadlines of tickets from this id on follow the new rules. The
    /// desk loop makes these itself, a batch at a time while no other input waits.
    Resync { from: u64 },
    /// A request on the control socket (`topicdesk forget`, `compact`, `dead-letters
    /// retry`, views to record), or a retry request left while no desk ran.
    Control { request: Request, reply: oneshot::Sender<Answer> },
}

/// One update of a page.
#[derive(Clone, Debug)]
pub struct PageUpdate {
    pub id: i64,
    /// The desk event, if the update concerns the desk.
    pub event: Option<Event>,
    /// The update as Telegram sent it: what a dead letter keeps, to translate again later.
    pub json: Box<serde_json::value::RawValue>,
}

/// How the desk applies one event; [`Desk::handle`] outside tests, which inject failures.
pub type Handler = Arc<dyn Fn(&Desk<'_>, &mut Tx<'_>, &Event) -> Result<(), DeskError> + Send + Sync>;

/// The handler of `topicdesk run`.
pub fn desk_handler() -> Handler {
    Arc::new(|desk: &Desk<'_>, tx: &mut Tx<'_>, event: &Event| desk.handle(tx, event))
}

/// How often the desk may fail on one input before it is set aside or given up.
pub const TRIES: u32 = 3;
/// Tickets whose deadlines one resync transaction brings in line with new rules.
const RESYNC_BATCH: u64 = 200;
/// Backoff while the store cannot write: from the first to the longest wait.
const STORE_BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(30));
/// Backoff between tries of an input the desk failed on.
const INPUT_BACKOFF: Duration = Duration::from_millis(200);

/// Everything the loop needs besides its inputs.
pub struct DeskLoop {
    pub store: Arc<Store>,
    pub rules: RulesHandle,
    pub staff: watch::Sender<StaffChats>,
    /// Woken after every commit: the dispatcher and the timer look again.
    pub changed: [Arc<Notify>; 2],
    pub handler: Handler,
    pub stop: watch::Receiver<bool>,
    pub metrics: Arc<Metrics>,
    pub beat: Arc<Heartbeat>,
    /// Whether the bot's inline mode is on, as `getMe` said at start-up.
    pub inline: InlineMode,
}

/// How one try of an input went.
enum Attempt<R> {
    Done(R),
    /// The store could not read or write; the same input may work later.
    Unavailable(StoreError),
    /// The desk failed on the input (an error or a panic): the text says how.
    Failed(String),
    /// The data file is damaged: nothing more can be done in this process.
    Damaged(StoreError),
    /// The runtime is going away, or the loop was asked to stop while retrying.
    Stopped,
}

/// One try's work: run on a blocking thread with the store and a desk for this moment.
type Work<R> = Arc<dyn Fn(&Store, &Desk<'_>, &Handler) -> Result<R, DeskError> + Send + Sync>;

/// Runs until every sender is gone; an error means the data file is damaged.
pub async fn run(mut this: DeskLoop, mut inputs: mpsc::Receiver<DeskInput>) -> Result<(), StoreError> {
    // Where the resync after a reload stands: it yields to every other input.
    let mut resync: Option<u64> = None;
    loop {
        this.beat.idle();
        let input = match resync {
            Some(from) => match inputs.try_recv() {
                Ok(input) => input,
                Err(mpsc::error::TryRecvError::Empty) => DeskInput::Resync { from },
                Err(mpsc::error::TryRecvError::Disconnected) => return Ok(()),
            },
            None => match inputs.recv().await {
                Some(input) => input,
                None => return Ok(()),
            },
        };
        this.beat.busy();
        match this.input(input).await? {
            Next::Unchanged => {}
            Next::Resync(from) => resync = from,
        }
    }
}

/// What an input did to the resync after a reload.
enum Next {
    Unchanged,
    Resync(Option<u64>),
}

impl DeskLoop {
    async fn input(&mut self, input: DeskInput) -> Result<Next, StoreError> {
        match input {
            DeskInput::Page { updates, ack } => {
                let arrived = Instant::now();
                if self.page(updates).await? {
                    self.metrics.page_committed(arrived.elapsed());
                    let _ = ack.send(());
                }
            }
            DeskInput::Results { results, posted, ack } => {
                if self.results(results, posted).await? {
                    let _ = ack.send(());
                }
            }
            DeskInput::Reload(event) => {
                match &event {
                    ReloadEvent::Reloaded { version, .. } => {
                        self.metrics.rules_reloaded(Some(&version.to_string()));
                    }
                    ReloadEvent::Rejected { .. } => self.metrics.rules_reloaded(None),
                    ReloadEvent::Unchanged { .. } => {}
                }
                let event = Arc::new(event);
                let reloaded = matches!(*event, ReloadEvent::Reloaded { .. });
                let work: Work<()> = Arc::new(move |store, desk, _| report_reload(store, desk, &event));
                if self.input_with_tries("a rules reload", work).await?.is_some() && reloaded {
                    return Ok(Next::Resync(Some(1)));
                }
            }
            DeskInput::Tick { ack } => {
                let work: Work<()> =
                    Arc::new(|store, desk, handler| store.write(|tx| handler(desk, tx, &Event::Tick)));
                if self.input_with_tries("a tick", work).await?.is_some() {
                    let _ = ack.send(());
                    self.compact_if_asked().await?;
                }
            }
            DeskInput::Learnt { events, ack } => {
                let work: Work<()> = Arc::new(move |store, desk, handler| {
                    store.write(|tx| events.iter().try_for_each(|event| handler(desk, tx, event)))
                });
                if self.input_with_tries("what start-up learnt", work).await?.is_some() {
                    let _ = ack.send(());
                }
            }
            DeskInput::Resync { from } => {
                let work: Work<Option<u64>> = Arc::new(move |store, desk, _| {
                    store.write(|tx| desk.resync_from(tx, from, RESYNC_BATCH))
                });
                return match self.input_with_tries("a resync of deadlines", work).await? {
                    Some(Some(next)) => Ok(Next::Resync(Some(next))),
                    Some(None) => {
                        tracing::info!("every ticket's deadlines follow the reloaded rules");
                        Ok(Next::Resync(None))
                    }
                    // Given up: the tickets keep the deadlines they had.
                    None => Ok(Next::Resync(None)),
                };
            }
            DeskInput::Control { request, reply } => {
                let answer = self.control(request).await?;
                let _ = reply.send(answer);
            }
        }
        Ok(Next::Unchanged)
    }

    /// After a large retention pass the desk asks, at its quiet hour, for the data file to
    /// be compacted (`desk::COMPACT_ASKED`): done here, between two inputs, recorded in the
    /// audit log as the desk's, and the request cleared in that same transaction.
    async fn compact_if_asked(&mut self) -> Result<(), StoreError> {
        let asked = self.store.read().and_then(|read| read.counter(crate::desk::COMPACT_ASKED))?;
        if asked != Some(1) {
            return Ok(());
        }
        let work = compaction(crate::audit::Actor::Desk);
        if let Some((bytes_before, bytes_after, millis)) =
            self.input_with_tries("a compaction after a retention pass", work).await?
        {
            tracing::info!(
                bytes_before,
                bytes_after,
                millis,
                "the data file was compacted after a retention pass"
            );
        } else {
            // Given up (the disk is full, say): not asked again after every tick. The erased
            // bytes stay in free pages until `topicdesk compact` or the next large pass.
            tracing::warn!(
                "the data file could not be compacted after a retention pass; run `topicdesk compact`"
            );
            let clear: Work<()> = Arc::new(|store, _, _| {
                store.write(|tx| tx.set_counter(crate::desk::COMPACT_ASKED, 0).map_err(DeskError::from))
            });
            self.input_with_tries("clearing the compaction request", clear).await?;
        }
        Ok(())
    }

    /// Carries out a request of the control socket in the loop's own transactions.
    async fn control(&mut self, request: Request) -> Result<Answer, StoreError> {
        let failed = |what: &str| Answer::Failed {
            error: format!("the desk could not {what}; see its log (the data file may not be writable now)"),
        };
        match request {
            Request::Forget { customer, actor } => {
                let work: Work<crate::privacy::Erased> = Arc::new(move |store, desk, _| {
                    let by = format!("{actor} (command line)");
                    let who = crate::audit::Actor::Os { user: actor.clone() };
                    store.write(|tx| desk.forget_customer(tx, customer, who, &by))
                });
                Ok(match self.input_with_tries("a forget", work).await? {
                    Some(erased) => {
                        tracing::info!(
                            tickets = erased.tickets.len(),
                            "a customer's data was erased on request"
                        );
                        Answer::Forgotten { erased }
                    }
                    None => failed("erase the customer"),
                })
            }
            Request::RetryDeadLetters { update_ids } => {
                Ok(match self.retry_dead_letters(&update_ids).await? {
                    Some((applied, failed)) => Answer::Retried { applied, failed },
                    None => failed("try the dead letters again"),
                })
            }
            Request::Record { entries } => {
                let entries = Arc::new(entries);
                let work: Work<u64> = Arc::new(move |store, _, _| {
                    store.write(|tx| {
                        for entry in entries.iter() {
                            tx.record_audit(entry)?;
                        }
                        Ok::<_, DeskError>(entries.len() as u64)
                    })
                });
                Ok(match self.input_with_tries("an audit record", work).await? {
                    Some(entries) => Answer::Recorded { entries },
                    None => failed("record the view in the audit log"),
                })
            }
            Request::Compact { actor } => {
                let work = compaction(crate::audit::Actor::Os { user: actor });
                Ok(match self.input_with_tries("a compaction", work).await? {
                    Some((bytes_before, bytes_after, millis)) => {
                        tracing::info!(bytes_before, bytes_after, millis, "the data file was compacted");
                        Answer::Compacted { bytes_before, bytes_after, millis }
                    }
                    None => failed("compact the data file"),
                })
            }
        }
    }

    /// Applies what came of sent calls. Should the desk keep failing on what a delivery
    /// means, the calls Telegram accepted still leave the outbox (sending them again would
    /// post them twice) and what the desk would have made of them is logged as lost.
    async fn results(
        &mut self,
        results: Vec<(u64, Verdict)>,
        posted: Vec<(i64, u64)>,
    ) -> Result<bool, StoreError> {
        let results = Arc::new(results);
        let work: Work<()> = {
            let results = results.clone();
            Arc::new(move |store, desk, handler| apply_results(store, desk, handler, &results, &posted))
        };
        if self.input_with_tries("a batch of send results", work).await?.is_some() {
            return Ok(true);
        }
        if *self.stop.borrow() {
            return Ok(false);
        }
        let accepted: Work<()> = Arc::new(move |store, _, _| {
            store.write(|tx| {
                for (seq, verdict) in results.iter() {
                    if matches!(verdict, Verdict::Done { .. }) {
                        tx.remove_outgoing(*seq)?;
                    }
                }
                Ok::<_, DeskError>(())
            })
        });
        match self.until_stored(accepted).await {
            Attempt::Done(()) => {
                tracing::error!(
                    "what the desk would have done after these deliveries is lost; the calls left the outbox"
                );
                Ok(true)
            }
            Attempt::Damaged(error) => Err(error),
            _ => Ok(false),
        }
    }

    /// Applies a page in one transaction; when the desk fails on it, update by update, and
    /// sets aside the update that keeps failing. False when asked to stop before the commit.
    async fn page(&mut self, updates: Vec<PageUpdate>) -> Result<bool, StoreError> {
        let groups = self.staff.borrow().clone();
        let moves: Vec<(i64, i64)> = updates
            .iter()
            .filter_map(|update| match &update.event {
                Some(Event::StaffChatMigrated { from, to })
                    if groups.all().iter().any(|g| g.chat == *from) =>
                {
                    Some((*from, *to))
                }
                _ => None,
            })
            .collect();
        let page = Arc::new(updates);
        let whole: Work<()> = {
            let page = page.clone();
            Arc::new(move |store, desk, handler| apply_page(store, desk, handler, &page))
        };
        let failed = match self.until_stored(whole).await {
            Attempt::Done(()) => None,
            Attempt::Failed(error) => Some(error),
            Attempt::Damaged(error) => return Err(error),
            Attempt::Unavailable(_) | Attempt::Stopped => return Ok(false),
        };
        if let Some(error) = failed {
            tracing::warn!(%error, updates = page.len(), "the desk failed on a page; applying it update by update");
            for update in page.iter() {
                if !self.one_update(update).await? {
                    return Ok(false);
                }
            }
        }
        for (from, to) in moves {
            tracing::warn!(from, to, "Telegram moved a staff group's chat; the desk follows it");
            self.staff.send_modify(|staff| {
                staff.moved(from, to);
            });
        }
        Ok(true)
    }

    /// Applies one update of a page alone, [`TRIES`] times at most; then sets it aside.
    async fn one_update(&mut self, update: &PageUpdate) -> Result<bool, StoreError> {
        let single = Arc::new(vec![update.clone()]);
        let mut tries = 0;
        loop {
            let work: Work<()> = {
                let single = single.clone();
                Arc::new(move |store, desk, handler| apply_page(store, desk, handler, &single))
            };
            let error = match self.until_stored(work).await {
                Attempt::Done(()) => return Ok(true),
                Attempt::Failed(error) => error,
                Attempt::Damaged(error) => return Err(error),
                Attempt::Unavailable(_) | Attempt::Stopped => return Ok(false),
            };
            tries += 1;
            tracing::error!(update_id = update.id, tries, %error, "the desk failed on an update");
            if tries >= TRIES {
                return self.set_aside(update, error, tries).await;
            }
            if !self.pause(INPUT_BACKOFF * tries).await {
                return Ok(false);
            }
        }
    }

    /// Records `update` as a dead letter, moves the offset past it and alerts General.
    async fn set_aside(
        &mut self,
        update: &PageUpdate,
        error: String,
        tries: u32,
    ) -> Result<bool, StoreError> {
        // Telegram's JSON, checked when it was read: it parses.
        let raw: serde_json::Value = serde_json::from_str(update.json.get()).unwrap_or_default();
        let now = jiff::Timestamp::now();
        let letter = Arc::new(DeadLetter {
            update_id: update.id,
            what: describe(&raw),
            update: raw,
            error,
            tries,
            first_failed: now,
            last_failed: now,
        });
        let work: Work<()> = Arc::new(move |store, desk, _| {
            store.write(|tx| {
                tx.put_dead_letter(&letter)?;
                // It holds a customer's words: retention removes it in time.
                desk.retention_on_loose_content(tx, letter.first_failed)?;
                if tx.update_offset()?.is_none_or(|offset| offset < letter.update_id) {
                    tx.set_update_offset(letter.update_id)?;
                }
                alert(tx, desk.groups.desk_group().chat, &dead_letter_alert(&letter, "was set aside"))?;
                Ok::<_, DeskError>(())
            })
        });
        match self.until_stored(work).await {
            Attempt::Done(()) => {
                tracing::error!(
                    update_id = update.id,
                    "an update the desk keeps failing on was set aside as a dead letter"
                );
                Ok(true)
            }
            Attempt::Damaged(error) => Err(error),
            Attempt::Failed(error) => {
                // Even recording it failed: leave the page unacknowledged; it comes again.
                tracing::error!(update_id = update.id, %error, "the dead letter could not be recorded");
                Ok(false)
            }
            Attempt::Unavailable(_) | Attempt::Stopped => Ok(false),
        }
    }

    /// Applies the dead letters `update_ids` (all when empty) again, each in its own
    /// transaction; one that fails again stays, with its tries counted. How many were
    /// applied and how many failed again; `None` when the store could not be written, or
    /// the desk stops, before every one was tried.
    async fn retry_dead_letters(&mut self, update_ids: &[i64]) -> Result<Option<(u64, u64)>, StoreError> {
        let read: Work<Vec<DeadLetter>> = Arc::new(|store, _, _| Ok(store.read()?.dead_letters()?));
        let letters = match self.until_stored(read).await {
            Attempt::Done(letters) => letters,
            Attempt::Damaged(error) => return Err(error),
            Attempt::Failed(error) => {
                tracing::error!(%error, "the dead letters cannot be read");
                return Ok(None);
            }
            Attempt::Unavailable(_) | Attempt::Stopped => return Ok(None),
        };
        let (mut applied, mut failed) = (0, 0);
        let chosen =
            letters.into_iter().filter(|l| update_ids.is_empty() || update_ids.contains(&l.update_id));
        for letter in chosen {
            let letter = Arc::new(letter);
            let work: Work<()> = {
                let letter = letter.clone();
                Arc::new(move |store, desk, handler| {
                    // From a borrowed value: teloxide reads an owned one as an unknown kind.
                    let update = Update::deserialize(&letter.update)
                        .map_err(|error| StoreError::Corrupt(format!("the dead letter's update: {error}")))?;
                    // Only an update with an event can have failed: one that no longer translates
                    // to any stays, rather than vanish unapplied.
                    let event = crate::telegram::translate(&update, desk.groups).ok_or_else(|| {
                        StoreError::Corrupt(
                            "the dead letter's update no longer means anything to the desk".into(),
                        )
                    })?;
                    store.write(|tx| {
                        handler(desk, tx, &event)?;
                        tx.remove_dead_letter(letter.update_id)?;
                        Ok::<_, DeskError>(())
                    })
                })
            };
            let error = match self.until_stored(work).await {
                Attempt::Done(()) => {
                    tracing::info!(update_id = letter.update_id, "a dead letter was applied");
                    applied += 1;
                    continue;
                }
                Attempt::Failed(error) => error,
                Attempt::Damaged(error) => return Err(error),
                Attempt::Unavailable(_) | Attempt::Stopped => return Ok(None),
            };
            failed += 1;
            tracing::error!(update_id = letter.update_id, %error, "a dead letter failed again");
            let again = Arc::new(DeadLetter {
                error,
                tries: letter.tries + 1,
                last_failed: jiff::Timestamp::now(),
                ..(*letter).clone()
            });
            let work: Work<()> = Arc::new(move |store, desk, _| {
                store.write(|tx| {
                    tx.put_dead_letter(&again)?;
                    alert(
                        tx,
                        desk.groups.desk_group().chat,
                        &dead_letter_alert(&again, "failed again when retried"),
                    )?;
                    Ok::<_, DeskError>(())
                })
            });
            match self.until_stored(work).await {
                Attempt::Done(()) | Attempt::Failed(_) => {}
                Attempt::Damaged(error) => return Err(error),
                Attempt::Unavailable(_) | Attempt::Stopped => return Ok(None),
            }
        }
        Ok(Some((applied, failed)))
    }

    /// Tries `work` up to [`TRIES`] times while the desk fails on it; `None` when given up
    /// (or asked to stop).
    async fn input_with_tries<R: Send + 'static>(
        &mut self,
        what: &str,
        work: Work<R>,
    ) -> Result<Option<R>, StoreError> {
        let mut tries = 0;
        loop {
            match self.until_stored(work.clone()).await {
                Attempt::Done(result) => return Ok(Some(result)),
                Attempt::Damaged(error) => return Err(error),
                Attempt::Unavailable(_) | Attempt::Stopped => return Ok(None),
                Attempt::Failed(error) => {
                    tries += 1;
                    if tries >= TRIES {
                        tracing::error!(%error, tries, "the desk keeps failing on {what}; giving it up for now");
                        return Ok(None);
                    }
                    tracing::error!(%error, tries, "the desk failed on {what}; trying again");
                    if !self.pause(INPUT_BACKOFF * tries).await {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Tries `work` until the store takes it: while the store cannot write, again and again
    /// with backoff (one log line a try). Returns `Unavailable` only when asked to stop.
    async fn until_stored<R: Send + 'static>(&mut self, work: Work<R>) -> Attempt<R> {
        let mut backoff = STORE_BACKOFF.0;
        let mut tries = 0u32;
        loop {
            match self.attempt(work.clone()).await {
                Attempt::Unavailable(error) => {
                    tries += 1;
                    if *self.stop.borrow() {
                        tracing::warn!(%error, "the store cannot write; leaving the input for the next start");
                        return Attempt::Unavailable(error);
                    }
                    tracing::error!(
                        %error,
                        tries,
                        retry_in = ?backoff,
                        "the store cannot write; the input waits and is tried again"
                    );
                    if !self.pause(backoff).await {
                        return Attempt::Unavailable(error);
                    }
                    backoff = (backoff * 2).min(STORE_BACKOFF.1);
                }
                Attempt::Done(result) => {
                    if tries > 0 {
                        tracing::info!(tries, "the store writes again");
                    }
                    for notify in &self.changed {
                        notify.notify_one();
                    }
                    return Attempt::Done(result);
                }
                other => return other,
            }
        }
    }

    /// One try of `work` on a blocking thread, with the rules and the clock of now.
    async fn attempt<R: Send + 'static>(&self, work: Work<R>) -> Attempt<R> {
        let store = self.store.clone();
        let current = self.rules.current();
        let earlier = self.rules.earlier();
        let groups = self.staff.borrow().clone();
        let handler = self.handler.clone();
        let inline = self.inline;
        let outcome = tokio::task::spawn_blocking(move || {
            let now = jiff::Timestamp::now();
            let desk = Desk { rules: &current, earlier: &earlier, groups: &groups, now, inline };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&store, &desk, &handler)))
        })
        .await;
        match outcome {
            Ok(Ok(Ok(result))) => Attempt::Done(result),
            Ok(Ok(Err(DeskError::State(StateError::Store(error))))) => match error {
                StoreError::Damaged { .. } => Attempt::Damaged(error),
                error if error.is_unavailable() => Attempt::Unavailable(error),
                error => Attempt::Failed(error.to_string()),
            },
            Ok(Err(panic)) => match crate::store::take_redb_panic() {
                Some(said) => Attempt::Damaged(crate::store::damaged(self.store.path(), &said)),
                None => Attempt::Failed(format!("the desk panicked: {}", panic_text(&*panic))),
            },
            // The runtime is shutting down: the input was not applied and comes again.
            Err(join) if join.is_cancelled() => Attempt::Stopped,
            Err(join) => Attempt::Failed(format!("the desk's thread failed: {join}")),
        }
    }

    /// Sleeps `wait` unless asked to stop; false when asked.
    async fn pause(&mut self, wait: Duration) -> bool {
        if *self.stop.borrow() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            _ = self.stop.changed() => false,
        }
    }
}

fn apply_page(
    store: &Store,
    desk: &Desk<'_>,
    handler: &Handler,
    page: &[PageUpdate],
) -> Result<(), DeskError> {
    store.apply_updates(
        &page.iter().map(|update| (update.id, update.event.as_ref())).collect::<Vec<_>>(),
        |tx, event| match event {
            Some(event) => handler(desk, tx, event),
            None => Ok(()),
        },
    )?;
    Ok(())
}

fn apply_results(
    store: &Store,
    desk: &Desk<'_>,
    handler: &Handler,
    results: &[(u64, Verdict)],
    posted: &[(i64, u64)],
) -> Result<(), DeskError> {
    store.write(|tx| {
        for (chat_id, messages) in posted {
            handler(desk, tx, &Event::Posted { chat_id: *chat_id, messages: *messages })?;
        }
        for (seq, verdict) in results {
            let delivery = match verdict {
                Verdict::Done { delivery } => {
                    tx.remove_outgoing(*seq)?;
                    delivery
                }
                Verdict::Retry { delivery, .. } => delivery,
            };
            if let Some(delivery) = delivery {
                handler(desk, tx, &Event::Delivered(delivery.clone()))?;
            }
        }
        Ok::<_, DeskError>(())
    })
}

/// A rejected edit is logged and said in the staff chat's General topic; the old rules
/// keep running.
fn report_reload(store: &Store, desk: &Desk<'_>, event: &ReloadEvent) -> Result<(), DeskError> {
    match event {
        ReloadEvent::Reloaded { version, previous, .. } => {
            tracing::info!(%version, %previous, "rules reloaded");
            // A changed retention policy sets its pass at once (a stricter one reaches the
            // tickets closed before it), not at the next tick of another timer.
            store.write(|tx| desk.watch_retention(tx))
        }
        ReloadEvent::Unchanged { .. } => Ok(()),
        ReloadEvent::Rejected { kept, diagnostics } => {
            let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            tracing::warn!(kept = %kept, problems = %lines.join("; "), "rules edit rejected; the running rules stay");
            let text = format!(
                "⚠ The edited rules were not loaded; the desk keeps running rules {kept}.\n{}",
                lines.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
            );
            store.write(|tx| alert(tx, desk.groups.desk_group().chat, &text))?;
            Ok(())
        }
    }
}

/// Queues `text` for General of the desk's own staff group (the first).
fn alert(tx: &mut Tx<'_>, staff_chat: i64, text: &str) -> Result<(), StoreError> {
    let call = Call::SendText {
        to: Target::Chat { chat_id: staff_chat },
        text: text.to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: None,
    };
    tx.enqueue(&Outgoing { chat_id: staff_chat, lane: Lane::Message, ticket: None, call })?;
    Ok(())
}

fn dead_letter_alert(letter: &DeadLetter, happened: &str) -> String {
    format!(
        "⚠ The desk could not apply an update ({}) after {} tries; it {happened}, the rest go on.\n\
         Error: {}\n\
         `topicdesk dead-letters list` shows it; `topicdesk dead-letters retry` applies it again.",
        letter.what,
        letter.tries,
        crate::outbox::clip(&letter.error, 300),
    )
}

/// A short description of an update for people: its kind, who sent it and where. Never
/// the text a customer wrote.
pub fn describe(update: &serde_json::Value) -> String {
    let Some((kind, body)) =
        update.as_object().and_then(|fields| fields.iter().find(|(key, _)| *key != "update_id"))
    else {
        return "an update".to_owned();
    };
    let mut description = kind.replace('_', " ");
    if let Some(from) = body.pointer("/from/id") {
        let _ = write!(description, " from {from}");
    }
    let chat = body.pointer("/chat/id").or_else(|| body.pointer("/message/chat/id"));
    if let Some(chat) = chat {
        let _ = write!(description, " in chat {chat}");
    }
    if let Some(thread) = body.pointer("/message_thread_id") {
        let _ = write!(description, " topic {thread}");
    }
    description
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// Compacts the data file, records it in the audit log as `actor`'s, and clears a request
/// for a compaction (a retention pass's), which this one answers: the sizes before and after
/// and how long it took.
fn compaction(actor: crate::audit::Actor) -> Work<(u64, u64, u64)> {
    Arc::new(move |store, desk, _| {
        let started = Instant::now();
        let (before, after) = store.compact()?;
        let millis = started.elapsed().as_millis() as u64;
        let entry = crate::audit::AuditEntry {
            at: desk.now,
            actor: actor.clone(),
            action: crate::audit::Action::Compacted { bytes_before: before, bytes_after: after },
        };
        store.write(|tx| {
            tx.record_audit(&entry)?;
            tx.set_counter(crate::desk::COMPACT_ASKED, 0).map_err(DeskError::from)
        })?;
        Ok((before, after, millis))
    })
}

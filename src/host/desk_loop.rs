//! The desk loop: the one owner of state. Every input becomes one store transaction run
//! through the desk on a blocking thread (redb calls block), with the wall clock read here,
//! at the edge, and passed in.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::StaffChat;
use crate::desk::{Desk, DeskError, Event};
use crate::outbox::{Call, Target};
use crate::rules::{ReloadEvent, RulesHandle};
use crate::store::{Lane, Outgoing, Store};
use crate::telegram::Verdict;

/// What the desk loop is asked to do.
#[derive(Debug)]
pub enum DeskInput {
    /// A page of updates from the poller: (update id, the desk event if it concerns the desk).
    Page { updates: Vec<(i64, Option<Event>)>, ack: oneshot::Sender<()> },
    /// What came of the calls the dispatcher sent: (outbox sequence, verdict).
    Results { results: Vec<(u64, Verdict)>, ack: oneshot::Sender<()> },
    /// The rules directory changed.
    Reload(ReloadEvent),
    /// A deadline fell due: act on every timer due now.
    Tick { ack: oneshot::Sender<()> },
    /// After a reload: the deadlines of tickets from this id on follow the new rules. The
    /// desk loop makes these itself, a batch at a time while no other input waits.
    Resync { from: u64 },
}

/// Tickets whose deadlines one resync transaction brings in line with new rules.
const RESYNC_BATCH: u64 = 200;

pub async fn run(
    store: Arc<Store>,
    rules: RulesHandle,
    staff: watch::Sender<StaffChat>,
    mut inputs: mpsc::Receiver<DeskInput>,
    changed: [Arc<Notify>; 2],
) {
    // Where the resync after a reload stands: it yields to every other input.
    let mut resync: Option<u64> = None;
    loop {
        let input = match resync {
            Some(from) => match inputs.try_recv() {
                Ok(input) => input,
                Err(mpsc::error::TryRecvError::Empty) => DeskInput::Resync { from },
                Err(mpsc::error::TryRecvError::Disconnected) => return,
            },
            None => match inputs.recv().await {
                Some(input) => input,
                None => return,
            },
        };
        let staff_chat = staff.borrow().id;
        let moved_to = match &input {
            DeskInput::Page { updates, .. } => updates.iter().find_map(|(_, event)| match event {
                Some(Event::StaffChatMigrated { from, to }) if *from == staff_chat => Some(*to),
                _ => None,
            }),
            _ => None,
        };
        let store = store.clone();
        let current = rules.current();
        let earlier = rules.earlier();
        let outcome = tokio::task::spawn_blocking(move || {
            let desk = Desk { rules: &current, earlier: &earlier, staff_chat, now: jiff::Timestamp::now() };
            apply(&store, &desk, input)
        })
        .await;
        match outcome {
            Ok(Ok(next)) => {
                match next {
                    Resync::Unchanged => {}
                    Resync::From(from) => resync = Some(from),
                    Resync::Done => resync = None,
                }
                if let Some(to) = moved_to {
                    tracing::warn!(
                        from = staff_chat,
                        to,
                        "Telegram moved the staff chat; the desk follows it"
                    );
                    staff.send_modify(|staff| staff.moved_to(to));
                }
                for notify in &changed {
                    notify.notify_one();
                }
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "the desk could not apply an input; it will be retried");
            }
            // The runtime is shutting down: the input was not applied and comes again.
            Err(join) if join.is_cancelled() => tracing::debug!("an input was left for the next start"),
            Err(panic) => tracing::error!(%panic, "the desk panicked on an input"),
        }
    }
}

/// What an input did to the resync after a reload.
enum Resync {
    Unchanged,
    From(u64),
    Done,
}

fn apply(store: &Store, desk: &Desk<'_>, input: DeskInput) -> Result<Resync, DeskError> {
    match input {
        DeskInput::Page { updates, ack } => {
            store.apply_updates(&updates, |tx, event| match event {
                Some(event) => desk.handle(tx, event),
                None => Ok(()),
            })?;
            let _ = ack.send(());
        }
        DeskInput::Results { results, ack } => {
            store.write(|tx| {
                for (seq, verdict) in &results {
                    let delivery = match verdict {
                        Verdict::Done { delivery } => {
                            tx.remove_outgoing(*seq)?;
                            delivery
                        }
                        Verdict::Retry { delivery, .. } => delivery,
                    };
                    if let Some(delivery) = delivery {
                        desk.handle(tx, &Event::Delivered(delivery.clone()))?;
                    }
                }
                Ok::<_, DeskError>(())
            })?;
            let _ = ack.send(());
        }
        DeskInput::Reload(event) => {
            report_reload(store, desk, &event)?;
            if matches!(event, ReloadEvent::Reloaded { .. }) {
                return Ok(Resync::From(1));
            }
        }
        DeskInput::Tick { ack } => {
            store.write(|tx| desk.handle(tx, &Event::Tick))?;
            let _ = ack.send(());
        }
        DeskInput::Resync { from } => {
            if let Some(next) = store.write(|tx| desk.resync_from(tx, from, RESYNC_BATCH))? {
                return Ok(Resync::From(next));
            }
            tracing::info!("every ticket's deadlines follow the reloaded rules");
            return Ok(Resync::Done);
        }
    }
    Ok(Resync::Unchanged)
}

/// A rejected edit is logged and said in the staff chat's General topic; the old rules
/// keep running.
fn report_reload(store: &Store, desk: &Desk<'_>, event: &ReloadEvent) -> Result<(), DeskError> {
    match event {
        ReloadEvent::Reloaded { version, previous, .. } => {
            tracing::info!(%version, %previous, "rules reloaded");
            Ok(())
        }
        ReloadEvent::Unchanged { .. } => Ok(()),
        ReloadEvent::Rejected { kept, diagnostics } => {
            let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            tracing::warn!(kept = %kept, problems = %lines.join("; "), "rules edit rejected; the running rules stay");
            let text = format!(
                "⚠ The edited rules were not loaded; the desk keeps running rules {kept}.\n{}",
                lines.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
            );
            let call = Call::SendText {
                to: Target::Chat { chat_id: desk.staff_chat },
                text,
                reply_to: None,
                buttons: Vec::new(),
                report: None,
            };
            store.write(|tx| {
                tx.enqueue(&Outgoing {
                    chat_id: desk.staff_chat,
                    lane: Lane::Message,
                    ticket: None,
                    call: call.into_json(),
                })
            })?;
            Ok(())
        }
    }
}

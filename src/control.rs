//! The command line's side of the control channel (`host::control` serves it): `topicdesk
//! forget`, `compact`, `dead-letters retry` and the views of `tickets show` and `tickets
//! export` ask the running desk over `DIR/topicdesk.sock`; with no desk running they open
//! the data file themselves (a retry leaves a request for the next start). A desk that holds the file but does
//! not answer is reported as such and nothing is done: the file is never opened for
//! writing beside it.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audit::{Action, Actor, AuditEntry};
use crate::privacy::{Answer, Erased, Request, SOCKET_NAME};
use crate::store::{self, Store, StoreError};
use crate::ticket::UserId;

/// What came of asking the running desk.
#[derive(Debug)]
pub enum Reached {
    /// The desk answered.
    Answer(Answer),
    /// No desk listens (no socket, or one a stopped desk left).
    NoDesk,
    /// A desk listens but gave no usable answer.
    NotAnswering(String),
}

/// The control socket of the data directory `data`.
pub fn socket_of(data: &Path) -> PathBuf {
    store::data_file(data).with_file_name(SOCKET_NAME)
}

/// Sends `request` to the desk running on `data` and waits up to `patience` for its answer.
pub fn ask(data: &Path, request: &Request, patience: Duration) -> Reached {
    let socket = socket_of(data);
    let mut stream = match UnixStream::connect(&socket) {
        Ok(stream) => stream,
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Reached::NoDesk;
        }
        Err(error) => {
            return Reached::NotAnswering(format!("cannot connect to {}: {error}", socket.display()));
        }
    };
    let mut line = serde_json::to_string(request).expect("requests are plain data");
    line.push('\n');
    if let Err(error) =
        stream.set_read_timeout(Some(patience)).and_then(|()| stream.write_all(line.as_bytes()))
    {
        return Reached::NotAnswering(format!("cannot send the request to {}: {error}", socket.display()));
    }
    let mut answer = String::new();
    match BufReader::new(&stream).read_line(&mut answer) {
        Ok(0) => Reached::NotAnswering(format!("{} closed without an answer", socket.display())),
        Ok(_) => match serde_json::from_str(answer.trim()) {
            Ok(answer) => Reached::Answer(answer),
            Err(error) => Reached::NotAnswering(format!("an answer topicdesk cannot read: {error}")),
        },
        Err(error)
            if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
        {
            Reached::NotAnswering(format!("no answer within {} s", patience.as_secs()))
        }
        Err(error) => Reached::NotAnswering(format!("reading the answer failed: {error}")),
    }
}

/// Who runs the command: the operating-system account, as the audit log names them.
pub fn os_user() -> String {
    use std::os::unix::fs::MetadataExt;
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| std::fs::metadata("/proc/self").ok().map(|meta| format!("uid {}", meta.uid())))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Why the command did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(
        "a topicdesk process holds {path} but did not answer on {socket} ({why}); nothing was done. \
         Is it still starting (waiting for Telegram)? Try again, or stop it and run the command again"
    )]
    NotAnswering { path: PathBuf, socket: PathBuf, why: String },
    #[error("the running desk could not do it: {0}")]
    Failed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} does not exist; there is nothing to do")]
    NoFile(PathBuf),
    #[error("the running desk answered something else: {0:?}")]
    Unexpected(Answer),
}

/// How a request was carried out.
pub enum Via {
    /// By the running desk, which also deletes the topics now.
    Desk,
    /// On the data file directly (no desk was running); topics go at the next start.
    File,
}

/// `topicdesk forget`: erases the customer through the running desk, or on the file.
pub fn forget(data: &Path, customer: UserId, now: jiff::Timestamp) -> Result<(Erased, Via), ControlError> {
    let actor = os_user();
    let request = Request::Forget { customer, actor: actor.clone() };
    match ask(data, &request, Duration::from_mins(2)) {
        Reached::Answer(Answer::Forgotten { erased }) => Ok((erased, Via::Desk)),
        Reached::Answer(Answer::Failed { error }) => Err(ControlError::Failed(error)),
        Reached::Answer(other) => Err(ControlError::Unexpected(other)),
        Reached::NotAnswering(why) => Err(not_answering(data, why)),
        Reached::NoDesk => {
            let store = open_alone(data)?;
            let erased = store
                .write(|tx| crate::desk::forget(tx, customer, Actor::Os { user: actor }, now))
                .map_err(|error| ControlError::Failed(error.to_string()))?;
            Ok((erased, Via::File))
        }
    }
}

/// `topicdesk compact`: compacts the data file through the running desk, or on the file.
/// Returns the sizes before and after, and how long the desk took (the caller times a
/// compaction on the file itself).
pub fn compact(data: &Path, now: jiff::Timestamp) -> Result<(u64, u64, Option<u64>, Via), ControlError> {
    let actor = os_user();
    let request = Request::Compact { actor: actor.clone() };
    match ask(data, &request, Duration::from_hours(1)) {
        Reached::Answer(Answer::Compacted { bytes_before, bytes_after, millis }) => {
            Ok((bytes_before, bytes_after, Some(millis), Via::Desk))
        }
        Reached::Answer(Answer::Failed { error }) => Err(ControlError::Failed(error)),
        Reached::Answer(other) => Err(ControlError::Unexpected(other)),
        Reached::NotAnswering(why) => Err(not_answering(data, why)),
        Reached::NoDesk => {
            let store = open_alone(data)?;
            let (before, after) = store.compact()?;
            let entry = AuditEntry {
                at: now,
                actor: Actor::Os { user: actor },
                action: Action::Compacted { bytes_before: before, bytes_after: after },
            };
            store.write(|tx| tx.record_audit(&entry))?;
            Ok((before, after, None, Via::File))
        }
    }
}

/// Records views made at the command line in the audit log, through the running desk or
/// on the file. A view that cannot be recorded is not given: callers show nothing then.
pub fn record(data: &Path, entries: &[AuditEntry]) -> Result<Via, ControlError> {
    if entries.is_empty() {
        return Ok(Via::File);
    }
    match ask(data, &Request::Record { entries: entries.to_vec() }, Duration::from_mins(1)) {
        Reached::Answer(Answer::Recorded { .. }) => Ok(Via::Desk),
        Reached::Answer(Answer::Failed { error }) => Err(ControlError::Failed(error)),
        Reached::Answer(other) => Err(ControlError::Unexpected(other)),
        Reached::NotAnswering(why) => Err(not_answering(data, why)),
        Reached::NoDesk => {
            let store = open_alone(data)?;
            store.write(|tx| {
                for entry in entries {
                    tx.record_audit(entry)?;
                }
                Ok::<_, StoreError>(())
            })?;
            Ok(Via::File)
        }
    }
}

/// What came of `topicdesk dead-letters retry`.
pub enum Retry {
    /// The running desk tried them: how many were applied, how many failed again.
    Tried { applied: u64, failed: u64 },
    /// No desk runs: the request waits in this file for the next start.
    Left(PathBuf),
}

/// `topicdesk dead-letters retry`: the running desk applies the letters `update_ids` (all
/// when empty) again and says how it went; with no desk running, a request file waits
/// for the next start (only the desk, with its rules, can apply an update).
pub fn retry(data: &Path, update_ids: &[i64], now: jiff::Timestamp) -> Result<Retry, ControlError> {
    let request = Request::RetryDeadLetters { update_ids: update_ids.to_vec() };
    match ask(data, &request, Duration::from_mins(5)) {
        Reached::Answer(Answer::Retried { applied, failed }) => Ok(Retry::Tried { applied, failed }),
        Reached::Answer(Answer::Failed { error }) => Err(ControlError::Failed(error)),
        Reached::Answer(other) => Err(ControlError::Unexpected(other)),
        Reached::NotAnswering(why) => Err(not_answering(data, why)),
        Reached::NoDesk => {
            // A desk holding the file without its socket would never see the request.
            drop(open_alone(data)?);
            Ok(Retry::Left(store::request_retry(&store::data_file(data), update_ids, now)?))
        }
    }
}

/// One `Viewed` entry per ticket, by the operating-system user.
pub fn views(
    tickets: &[crate::ticket::TicketId],
    surface: crate::audit::Surface,
    now: jiff::Timestamp,
) -> Vec<AuditEntry> {
    let user = os_user();
    tickets
        .iter()
        .map(|&ticket| AuditEntry {
            at: now,
            actor: Actor::Os { user: user.clone() },
            action: Action::Viewed { ticket, surface },
        })
        .collect()
}

fn not_answering(data: &Path, why: String) -> ControlError {
    ControlError::NotAnswering { path: store::data_file(data), socket: socket_of(data), why }
}

/// Opens the data file for writing when no desk answers: refused (`Busy`) while another
/// process holds it, so a desk that does not answer is never written beside.
fn open_alone(data: &Path) -> Result<Store, ControlError> {
    let path = store::data_file(data);
    if !path.exists() {
        return Err(ControlError::NoFile(path));
    }
    match Store::open(&path) {
        Ok(store) => Ok(store),
        Err(StoreError::Busy { .. }) => {
            Err(not_answering(data, "its control socket is missing or refuses connections".to_owned()))
        }
        Err(error) => Err(error.into()),
    }
}

/// The lines `topicdesk forget` prints.
pub fn describe_forget(customer: UserId, erased: &Erased, via: &Via) -> String {
    let tickets: Vec<String> = erased.tickets.iter().map(ToString::to_string).collect();
    let topics = match via {
        Via::Desk => format!("{} topic(s) being deleted in Telegram", erased.topics.len()),
        Via::File => {
            format!("{} topic(s) to delete in Telegram when the desk starts next", erased.topics.len())
        }
    };
    format!(
        "Erased everything held about customer {customer}:\n  tickets: {} {}\n  {topics}\n  intake session: {}\n  \
         relayed message pairs: {}\n  queued calls: {}\n  dead letters: {}\n  kept questions: {}\n  template uses: {}\n\
         Run `topicdesk compact` to overwrite the erased bytes in the data file.",
        tickets.len(),
        if tickets.is_empty() { String::new() } else { format!("({})", tickets.join(", ")) },
        if erased.session { "removed" } else { "none" },
        erased.relayed,
        erased.outbox,
        erased.dead_letters,
        erased.deflections,
        erased.template_uses,
    )
}

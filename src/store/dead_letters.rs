//! Dead letters: inbound updates the desk failed on every time it tried (an error of the
//! desk or a damaged record, never a full disk, which is retried), set aside with what went
//! wrong so the rest of the page flows on. `topicdesk dead-letters list` reads them like
//! `tickets list`, from a read-only handle while the bot runs.
//!
//! A request to apply them again must reach the process that holds the file for writing,
//! so `dead-letters retry` does not write the store: it leaves a small request file next
//! to it (`topicdesk.retry/`, written whole and renamed into place), which the running
//! host picks up within a second, or the next start does. The host removes the request
//! after the letters it names were tried.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::open::DEAD_LETTERS;
use super::records::{decode, encode};
use super::tx::{ReadTx, Tx};

const DEAD_LETTER_RECORD_VERSION: u32 = 1;

/// An update set aside after failing every try.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub update_id: i64,
    /// A short description for people: the kind of update and who sent it where.
    pub what: String,
    /// The update as Telegram sent it, in the Telegram adapter's own vocabulary.
    pub update: serde_json::Value,
    /// The last failure.
    pub error: String,
    pub tries: u32,
    pub first_failed: Timestamp,
    pub last_failed: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct DeadLetterRecord {
    v: u32,
    #[serde(flatten)]
    letter: DeadLetter,
}

/// A pending `dead-letters retry`: which letters (all when `update_ids` is empty), and the
/// request file to remove once they were tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryRequest {
    pub file: PathBuf,
    pub update_ids: Vec<i64>,
}

#[derive(Serialize, Deserialize)]
struct RetryFile {
    v: u32,
    #[serde(default)]
    update_ids: Vec<i64>,
}

impl Tx<'_> {
    /// Sets `letter` aside (replacing an earlier letter of the same update).
    pub fn put_dead_letter(&mut self, letter: &DeadLetter) -> Result<(), StoreError> {
        let record = DeadLetterRecord { v: DEAD_LETTER_RECORD_VERSION, letter: letter.clone() };
        self.open(DEAD_LETTERS)?.insert(letter.update_id, encode(&record).as_slice())?;
        Ok(())
    }

    /// Removes the letter of `update_id`, once it was applied.
    pub fn remove_dead_letter(&mut self, update_id: i64) -> Result<bool, StoreError> {
        Ok(self.open(DEAD_LETTERS)?.remove(update_id)?.is_some())
    }

    /// The letter of `update_id`, if one is set aside.
    pub fn dead_letter(&self, update_id: i64) -> Result<Option<DeadLetter>, StoreError> {
        match self.open(DEAD_LETTERS)?.get(update_id)? {
            Some(bytes) => Ok(Some(letter(bytes.value())?)),
            None => Ok(None),
        }
    }
}

impl ReadTx {
    /// Every dead letter, oldest update first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let table = match self.open(DEAD_LETTERS) {
            Ok(table) => table,
            // A file no build with dead letters has opened for writing yet.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        let mut letters = Vec::new();
        for row in table.iter()? {
            letters.push(letter(row?.1.value())?);
        }
        Ok(letters)
    }
}

fn letter(bytes: &[u8]) -> Result<DeadLetter, StoreError> {
    let record: DeadLetterRecord = decode("dead letter", bytes)?;
    if record.v > DEAD_LETTER_RECORD_VERSION {
        return Err(StoreError::RecordVersion { what: "dead letter", version: record.v });
    }
    Ok(record.letter)
}

/// Where retry requests for the data file `data_file` wait: `topicdesk.retry/` beside it.
fn requests_dir(data_file: &Path) -> PathBuf {
    data_file.with_extension("retry")
}

/// Asks the host to apply the letters `update_ids` (all when empty) again; returns the
/// request file, named after `requested_at` (the caller's clock: the store never reads it).
/// Written whole, then renamed into place, so the host never reads half.
pub fn request_retry(
    data_file: &Path,
    update_ids: &[i64],
    requested_at: Timestamp,
) -> Result<PathBuf, StoreError> {
    let dir = requests_dir(data_file);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let name = format!("{}-{}", requested_at.as_nanosecond(), std::process::id());
    let partial = dir.join(format!(".{name}.partial"));
    let file = dir.join(format!("{name}.json"));
    let body = serde_json::to_vec(&RetryFile { v: 1, update_ids: update_ids.to_vec() })
        .expect("a list of numbers serialises");
    std::fs::write(&partial, body).map_err(io(&partial))?;
    std::fs::rename(&partial, &file).map_err(io(&file))?;
    Ok(file)
}

/// The retry requests waiting for the data file `data_file`, oldest first. A request file
/// that does not decode is reported and left for a person to look at.
pub fn retry_requests(data_file: &Path) -> Result<Vec<RetryRequest>, StoreError> {
    let dir = requests_dir(data_file);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(StoreError::Io { path: dir, source }),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut requests = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else { continue };
        match serde_json::from_slice::<RetryFile>(&bytes) {
            Ok(request) => requests.push(RetryRequest { file, update_ids: request.update_ids }),
            Err(error) => tracing::warn!(file = %file.display(), %error, "a retry request does not decode"),
        }
    }
    Ok(requests)
}

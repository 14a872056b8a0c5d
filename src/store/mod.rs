//! The store: one redb file holding tickets, their history, the indexes the desk queries,
//! the outbox of Telegram calls not yet accepted, the last applied update id, intake
//! sessions, counters, and the response templates saved in topics with their uses.
//!
//! This is the only module that uses redb. Every write goes through [`Store::write`], one
//! redb write transaction: a page of inbound updates, the state changes they cause, the
//! outgoing calls they queue and the new update offset commit together or not at all.
//! Readers ([`Store::read`], or another process through [`Store::open_read_only`]) see
//! committed snapshots and never block the writer.
//!
//! The file carries a schema version in its `meta` table. A file from an older topicdesk
//! is migrated in place; a file from a newer one, a redb file of another program, or
//! anything that is not a redb file is refused with a message and left untouched. What is
//! not a regular file (a FIFO, a directory, a device) is refused before it is opened, and a
//! damaged page that makes redb panic is reported as a damaged file (see [`guard_damage`]).
//!
//! A write that fails on I/O (a full disk) leaves redb's handle unusable until it is
//! dropped and the file opened again; [`Store::write`] does that itself, so the next write
//! after space returns works on a fresh handle. Until then reads and writes fail with
//! [`StoreError::Unavailable`], which callers retry.

mod backup;
mod damage;
mod audit;
mod dead_letters;
mod erase;
mod facts_record;
mod history_log;
mod open;
mod records;
mod retention;
mod tables;
mod templates;
mod tx;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use redb::{ReadableDatabase, ReadableTable};

pub use backup::{Backup, BackupError, Overwrite, backup};
pub use damage::{damaged, guard_damage, install_hook as watch_for_damage, take_redb_panic};
pub use dead_letters::{DeadLetter, RetryRequest, request_retry, retry_requests};
pub use tables::OUTBOX_ERASURES;
pub use tx::{FactsSeen, ReadTx, Tx};

use tables::{META, SCHEMA_VERSION_KEY};

/// The schema this build writes. Bump it together with an entry in [`MIGRATIONS`].
pub const SCHEMA_VERSION: u64 = 2;

/// The file name inside `--data DIR`.
pub const FILE_NAME: &str = "topicdesk.redb";

/// The first bytes of every redb file; anything else is not ours to open.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Migrations from version `n` to `n + 1`, indexed by `n - 1`.
///
/// 1 -> 2: history entries go to the append-only log (`history_log`, `history_head`);
/// those already in `history` stay there and are read from there (no entry moves, so a
/// large file opens at once). The version moves so that an older build, which reads only
/// `history`, refuses the file rather than show histories without their newer entries.
const MIGRATIONS: &[Migration] = &[create_history_log];

/// The page cache of a read-only open (report, export, tickets): those read each page about
/// once, so redb's default 1 GiB cache would only fill fresh memory with pages never read
/// again.
const READ_ONLY_CACHE_BYTES: usize = 64 << 20;

/// Rewrites a file of one schema version into the next, inside the opening transaction.
type Migration = fn(&redb::WriteTransaction) -> Result<(), StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path} is not a topicdesk data file (it is not a redb database); refusing to touch it")]
    NotRedb { path: PathBuf },
    #[error("{path} is a redb database of another program (no topicdesk schema); refusing to touch it")]
    Foreign { path: PathBuf },
    #[error(
        "{path} was written by a newer topicdesk (schema {found}, this build knows {known}); upgrade topicdesk"
    )]
    TooNew { path: PathBuf, found: u64, known: u64 },
    #[error("{path} is in use by another topicdesk process")]
    Busy { path: PathBuf },
    #[error("{path} was not closed cleanly and must be opened by the desk to recover")]
    NeedsRecovery { path: PathBuf },
    #[error("{path} does not exist")]
    Missing { path: PathBuf },
    #[error("{path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("a stored {what} record has version {version}, which this build does not know")]
    RecordVersion { what: &'static str, version: u32 },
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Redb(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is {kind}, not a data file; refusing to open it")]
    NotAFile { path: PathBuf, kind: &'static str },
    /// The file could not be read or written (a full disk, an I/O error), or its handle is
    /// being opened again after one: nothing was written, and trying again later may work.
    #[error("the data file could not be read or written: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether the failure is the store's rather than the data's: the same write may work
    /// once the disk has room again, so it is retried rather than set aside.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Io { .. })
    }
}

impl From<redb::StorageError> for StoreError {
    fn from(error: redb::StorageError) -> StoreError {
        match error {
            redb::StorageError::Io(_)
            | redb::StorageError::PreviousIo
            | redb::StorageError::DatabaseClosed
            | redb::StorageError::LockPoisoned(_) => StoreError::Unavailable(error.to_string()),
            redb::StorageError::Corrupted(detail) => StoreError::Corrupt(detail),
            other => StoreError::Redb(other.to_string()),
        }
    }
}

impl From<redb::TableError> for StoreError {
    fn from(error: redb::TableError) -> StoreError {
        match error {
            redb::TableError::Storage(storage) => storage.into(),
            other => StoreError::Redb(other.to_string()),
        }
    }
}

impl From<redb::TransactionError> for StoreError {
    fn from(error: redb::TransactionError) -> StoreError {
        match error {
            redb::TransactionError::Storage(storage) => storage.into(),
            other => StoreError::Redb(other.to_string()),
        }
    }
}

impl From<redb::CommitError> for StoreError {
    fn from(error: redb::CommitError) -> StoreError {
        match error {
            redb::CommitError::Storage(storage) => storage.into(),
            other => StoreError::Redb(other.to_string()),
        }
    }
}

/// The writable store, held by the one process that runs the desk.
pub struct Store {
    /// `None` after a failed write closed the handle and before it could be opened again.
    db: RwLock<Option<redb::Database>>,
    path: PathBuf,
}

/// A read-only view of a store another process may be writing, for `topicdesk tickets`.
pub struct ReadOnlyStore {
    db: redb::ReadOnlyDatabase,
}

/// Where the data file of `--data` lives: `DIR/topicdesk.redb`, or the path itself when
/// it names an existing file.
pub fn data_file(data: &Path) -> PathBuf {
    // Anything there but a directory is meant as the file itself (and refused if it is a
    // FIFO or a device).
    let is_dir = std::fs::metadata(data).is_ok_and(|meta| meta.is_dir());
    if data.exists() && !is_dir { data.to_path_buf() } else { data.join(FILE_NAME) }
}

impl Store {
    /// Opens the store at `path`, creating it (and its directory) when missing.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let exists = refuse_foreign(path)?;
        if exists {
            // Look before writing: opening for writing marks the file, and a file that is
            // not ours must stay byte-for-byte as it was. A file that needs recovery after
            // a crash cannot be opened read-only; the writable open below repairs it.
            match Store::open_read_only(path) {
                Ok(_) | Err(StoreError::NeedsRecovery { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        if !exists && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| StoreError::Io { path: parent.to_path_buf(), source })?;
        }
        let db = open_writable(path)?;
        let store = Store { db: RwLock::new(Some(db)), path: path.to_path_buf() };
        guard_damage(path, || store.prepare_schema(exists))?.map_err(|error| name_the_file(path, error))?;
        Ok(store)
    }

    /// Opens an existing store for reading while the desk may be writing it.
    pub fn open_read_only(path: &Path) -> Result<ReadOnlyStore, StoreError> {
        if !refuse_foreign(path)? {
            return Err(StoreError::Missing { path: path.to_path_buf() });
        }
        let db = guard_open(path, || {
            redb::Builder::new()
                .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
                .set_cache_size(READ_ONLY_CACHE_BYTES)
                .open_read_only(path)
        })?;
        let store = ReadOnlyStore { db };
        let version = guard_damage(path, || store.read()?.schema_version())?
            .map_err(|error| name_the_file(path, error))?;
        match version {
            None => Err(StoreError::Foreign { path: path.to_path_buf() }),
            Some(found) if found > SCHEMA_VERSION => {
                Err(StoreError::TooNew { path: path.to_path_buf(), found, known: SCHEMA_VERSION })
            }
            Some(_) => Ok(store),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in one write transaction and commits it durably; on error nothing is kept.
    ///
    /// A write that fails on I/O closes redb's handle (it refuses everything after such a
    /// failure) and tries once to open the file again; a later write tries again if that
    /// failed, so the store heals itself once the disk has room. A panic inside redb (a
    /// damaged page) comes back as [`StoreError::Damaged`].
    pub fn write<R, E>(&self, work: impl FnOnce(&mut Tx<'_>) -> Result<R, E>) -> Result<R, E>
    where
        E: From<StoreError>,
    {
        self.reopen_if_closed()?;
        let outcome = {
            let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
            let db = db.as_ref().ok_or_else(closed)?;
            guard_damage(&self.path, || {
                let txn = db.begin_write().map_err(StoreError::from)?;
                let result = work(&mut Tx::new(&txn))?;
                txn.commit().map_err(StoreError::from)?;
                Ok::<R, E>(result)
            })
            .map_err(E::from)?
        };
        if outcome.is_err() && self.handle_failed() {
            tracing::warn!(path = %self.path.display(), "a write failed on I/O; opening the data file again");
            self.close();
            if let Err(error) = self.reopen_if_closed() {
                tracing::warn!(%error, "the data file cannot be opened again yet; the next write tries again");
            }
        }
        outcome
    }

    /// Compacts the file by rewriting it: every live row is copied into a fresh file (as
    /// `backup` copies, verified row by row), which then replaces the data file. Erased
    /// records are thus nowhere in the new file's bytes; redb's own `compact` only moves
    /// pages and leaves freed ones inside the file as they were, erased words included.
    /// Every other read and write of this store waits meanwhile. Returns the file's size
    /// before and after, in bytes.
    pub fn compact(&self) -> Result<(u64, u64), StoreError> {
        let size = |path: &Path| {
            std::fs::metadata(path)
                .map(|meta| meta.len())
                .map_err(|source| StoreError::Io { path: path.to_path_buf(), source })
        };
        let before = size(&self.path)?;
        self.reopen_if_closed()?;
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        let name =
            self.path.file_name().map_or_else(|| FILE_NAME.into(), |n| n.to_string_lossy().into_owned());
        let fresh = self.path.with_file_name(format!(".{name}.compacted"));
        backup(&self.path, &fresh, Overwrite::Replace).map_err(|error| match error {
            BackupError::Source(error) => error,
            other => StoreError::Unavailable(format!("the compacted copy could not be written: {other}")),
        })?;
        // The handle goes (and with it redb's lock) only for the rename; a failed rename
        // leaves the old file in place, opened again below.
        *db = None;
        let renamed = std::fs::rename(&fresh, &self.path);
        let dir = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let synced = File::open(dir).and_then(|dir| dir.sync_all());
        *db = Some(open_writable(&self.path)?);
        renamed.and(synced).map_err(|source| StoreError::Io { path: self.path.clone(), source })?;
        Ok((before, size(&self.path)?))
    }

    /// A consistent snapshot of everything committed so far.
    pub fn read(&self) -> Result<ReadTx, StoreError> {
        let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
        Ok(ReadTx::new(db.as_ref().ok_or_else(closed)?.begin_read()?))
    }

    /// Drops redb's handle: after an I/O failure it refuses everything until dropped.
    fn close(&self) {
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        *db = None;
    }

    /// Whether redb's handle refuses everything after an I/O failure.
    fn handle_failed(&self) -> bool {
        let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
        db.as_ref().is_some_and(|db| {
            matches!(
                db.begin_read().map(drop),
                Err(redb::TransactionError::Storage(
                    redb::StorageError::PreviousIo
                        | redb::StorageError::DatabaseClosed
                        | redb::StorageError::Io(_)
                ))
            )
        })
    }

    /// Opens the file again after [`Store::close`] (redb repairs what the failed write left).
    fn reopen_if_closed(&self) -> Result<(), StoreError> {
        if self.db.read().unwrap_or_else(PoisonError::into_inner).is_some() {
            return Ok(());
        }
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        if db.is_none() {
            *db = Some(open_writable(&self.path)?);
            tracing::info!(path = %self.path.display(), "the data file is open again");
        }
        Ok(())
    }

    /// Applies a page of inbound updates in one transaction. Updates at or below the stored
    /// offset were applied before (Telegram re-delivers after a crash) and are skipped; the
    /// offset moves to the highest id in the page. Returns how many updates were applied.
    pub fn apply_updates<U, E>(
        &self,
        updates: &[(i64, U)],
        mut apply: impl FnMut(&mut Tx<'_>, &U) -> Result<(), E>,
    ) -> Result<usize, E>
    where
        E: From<StoreError>,
    {
        self.write(|tx| {
            let mut offset = tx.update_offset()?;
            let mut applied = 0;
            for (update_id, update) in updates {
                if offset.is_some_and(|done| *update_id <= done) {
                    continue;
                }
                apply(tx, update)?;
                offset = Some(*update_id);
                applied += 1;
            }
            if let Some(offset) = offset {
                tx.set_update_offset(offset)?;
            }
            Ok(applied)
        })
    }

    fn prepare_schema(&self, existed: bool) -> Result<(), StoreError> {
        let db = self.db.read().unwrap_or_else(PoisonError::into_inner);
        let txn = db.as_ref().ok_or_else(closed)?.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let found = meta.get(SCHEMA_VERSION_KEY)?.map(|v| v.value());
            match found {
                None if existed && has_other_tables(&txn)? => {
                    return Err(StoreError::Foreign { path: self.path.clone() });
                }
                None => {
                    meta.insert(SCHEMA_VERSION_KEY, SCHEMA_VERSION)?;
                }
                Some(found) if found > SCHEMA_VERSION => {
                    return Err(StoreError::TooNew { path: self.path.clone(), found, known: SCHEMA_VERSION });
                }
                Some(found) => {
                    for migration in &MIGRATIONS[(found as usize).saturating_sub(1)..] {
                        migration(&txn)?;
                    }
                    meta.insert(SCHEMA_VERSION_KEY, SCHEMA_VERSION)?;
                }
            }
        }
        tables::create_all(&txn)?;
        retention::build_closed_index(&txn)?;
        txn.commit()?;
        Ok(())
    }
}

impl ReadOnlyStore {
    pub fn read(&self) -> Result<ReadTx, StoreError> {
        Ok(ReadTx::new(self.db.begin_read()?))
    }
}

/// The error of a store whose handle is closed after a failed write.
fn closed() -> StoreError {
    StoreError::Unavailable("the data file is closed after a failed write and not open again yet".into())
}

fn open_writable(path: &Path) -> Result<redb::Database, StoreError> {
    guard_open(path, || {
        redb::Builder::new().set_concurrency_mode(redb::ConcurrencyMode::SingleWriter).create(path)
    })
}

/// Refuses what is not a regular file before anything opens it: opening a FIFO for reading
/// blocks until a writer comes, and a directory or a device is no data file either.
fn refuse_other_kinds(path: &Path) -> Result<(), StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let kind = if kind.is_dir() {
        "a directory"
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_socket() {
                "a socket"
            } else if kind.is_block_device() || kind.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            }
        }
        #[cfg(not(unix))]
        {
            "not a regular file"
        }
    };
    Err(StoreError::NotAFile { path: path.to_path_buf(), kind })
}

/// True when the file exists and starts like a redb file; an error when it exists and
/// does not. An empty file counts as missing (a crash before the first write).
fn refuse_foreign(path: &Path) -> Result<bool, StoreError> {
    refuse_other_kinds(path)?;
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
    };
    let mut head = [0u8; REDB_MAGIC.len()];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
        }
    }
    if filled == 0 {
        return Ok(false);
    }
    if head[..filled] != REDB_MAGIC[..filled] || filled < head.len() {
        return Err(StoreError::NotRedb { path: path.to_path_buf() });
    }
    Ok(true)
}

/// Opens through redb, turning its errors (and a panic on a damaged file) into ours.
fn guard_open<D>(
    path: &Path,
    open: impl FnOnce() -> Result<D, redb::DatabaseError>,
) -> Result<D, StoreError> {
    let damaged = |detail: String| StoreError::Damaged { path: path.to_path_buf(), detail };
    match guard_damage(path, open)? {
        Ok(db) => Ok(db),
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => Err(StoreError::Busy { path: path.to_path_buf() }),
        Err(redb::DatabaseError::RepairAborted) => {
            Err(StoreError::NeedsRecovery { path: path.to_path_buf() })
        }
        Err(redb::DatabaseError::Storage(redb::StorageError::Io(source))) => {
            Err(StoreError::Io { path: path.to_path_buf(), source })
        }
        Err(error) => Err(damaged(error.to_string())),
    }
}

/// redb's report of a damaged file at open (release builds return what debug builds panic
/// on), as the error naming the file.
fn name_the_file(path: &Path, error: StoreError) -> StoreError {
    match error {
        StoreError::Redb(detail) | StoreError::Corrupt(detail) => {
            StoreError::Damaged { path: path.to_path_buf(), detail }
        }
        other => other,
    }
}

/// Migration 1 -> 2: the history log's tables, empty.
fn create_history_log(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(tables::HISTORY_LOG)?;
    txn.open_table(tables::HISTORY_HEAD)?;
    Ok(())
}

fn has_other_tables(txn: &redb::WriteTransaction) -> Result<bool, StoreError> {
    Ok(txn.list_tables()?.any(|table| redb::TableHandle::name(&table) != tables::META_NAME)
        || txn.list_multimap_tables()?.next().is_some())
}

#[cfg(test)]
mod tests;

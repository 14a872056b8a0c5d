//! The store: one redb file holding tickets, their history, the indexes the desk queries,
//! the outbox of Telegram calls not yet accepted, the last applied update id, intake
//! sessions and counters.
//!
//! This is the only module that uses redb. Every write goes through [`Store::write`], one
//! redb write transaction: a page of inbound updates, the state changes they cause, the
//! outgoing calls they queue and the new update offset commit together or not at all.
//! Readers ([`Store::read`], or another process through [`Store::open_read_only`]) see
//! committed snapshots and never block the writer.
//!
//! The file carries a schema version in its `meta` table. A file from an older topicdesk
//! is migrated in place; a file from a newer one, a redb file of another program, or
//! anything that is not a redb file is refused with a message and left untouched.

mod records;
mod tables;
mod tx;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, ReadableTable};

pub use tx::{Deadline, Lane, Outgoing, ReadTx, Tx};

use tables::{META, SCHEMA_VERSION_KEY};

/// The schema this build writes. Bump it together with an entry in [`MIGRATIONS`].
pub const SCHEMA_VERSION: u64 = 1;

/// The file name inside `--data DIR`.
pub const FILE_NAME: &str = "topicdesk.redb";

/// The first bytes of every redb file; anything else is not ours to open.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Migrations from version `n` to `n + 1`, indexed by `n - 1`.
const MIGRATIONS: &[Migration] = &[];

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
}

macro_rules! from_redb {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(error: $ty) -> StoreError {
                StoreError::Redb(error.to_string())
            }
        }
    )*};
}
from_redb!(redb::StorageError, redb::TableError, redb::TransactionError, redb::CommitError);

/// The writable store, held by the one process that runs the desk.
pub struct Store {
    db: redb::Database,
    path: PathBuf,
}

/// A read-only view of a store another process may be writing, for `topicdesk tickets`.
pub struct ReadOnlyStore {
    db: redb::ReadOnlyDatabase,
}

/// Where the data file of `--data` lives: `DIR/topicdesk.redb`, or the path itself when
/// it names an existing file.
pub fn data_file(data: &Path) -> PathBuf {
    if data.is_file() { data.to_path_buf() } else { data.join(FILE_NAME) }
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
        let db = guard_open(path, || {
            redb::Builder::new().set_concurrency_mode(redb::ConcurrencyMode::SingleWriter).create(path)
        })?;
        let store = Store { db, path: path.to_path_buf() };
        store.prepare_schema(exists)?;
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
                .open_read_only(path)
        })?;
        let store = ReadOnlyStore { db };
        let version = store.read()?.schema_version()?;
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
    pub fn write<R, E>(&self, work: impl FnOnce(&mut Tx<'_>) -> Result<R, E>) -> Result<R, E>
    where
        E: From<StoreError>,
    {
        let txn = self.db.begin_write().map_err(StoreError::from)?;
        let result = work(&mut Tx::new(&txn))?;
        txn.commit().map_err(StoreError::from)?;
        Ok(result)
    }

    /// A consistent snapshot of everything committed so far.
    pub fn read(&self) -> Result<ReadTx, StoreError> {
        Ok(ReadTx::new(self.db.begin_read()?))
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
        let txn = self.db.begin_write()?;
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
        txn.commit()?;
        Ok(())
    }
}

impl ReadOnlyStore {
    pub fn read(&self) -> Result<ReadTx, StoreError> {
        Ok(ReadTx::new(self.db.begin_read()?))
    }
}

/// True when the file exists and starts like a redb file; an error when it exists and
/// does not. An empty file counts as missing (a crash before the first write).
fn refuse_foreign(path: &Path) -> Result<bool, StoreError> {
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
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open));
    let damaged = |detail: String| StoreError::Damaged { path: path.to_path_buf(), detail };
    match outcome {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) => {
            Err(StoreError::Busy { path: path.to_path_buf() })
        }
        Ok(Err(redb::DatabaseError::RepairAborted)) => {
            Err(StoreError::NeedsRecovery { path: path.to_path_buf() })
        }
        Ok(Err(redb::DatabaseError::Storage(redb::StorageError::Io(source)))) => {
            Err(StoreError::Io { path: path.to_path_buf(), source })
        }
        Ok(Err(error)) => Err(damaged(error.to_string())),
        Err(_) => Err(damaged("the storage engine could not read it".to_owned())),
    }
}

fn has_other_tables(txn: &redb::WriteTransaction) -> Result<bool, StoreError> {
    Ok(txn.list_tables()?.any(|table| redb::TableHandle::name(&table) != tables::META_NAME)
        || txn.list_multimap_tables()?.next().is_some())
}

#[cfg(test)]
mod tests;

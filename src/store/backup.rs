//! `topicdesk backup`: a consistent copy of the data file, taken while the desk may be
//! writing it.
//!
//! The source is opened read-only, as `tickets` and `report` open it beside a running bot,
//! and every table is copied inside ONE read transaction of it: the copy is one committed
//! snapshot, so a page of updates, its state changes, its outbox entries and the update
//! offset are in it together or not at all. The copy is a fresh redb file written to a
//! temporary file in the output's directory (readable by its owner only, like the data
//! file's contents deserve), committed in chunks so that a large store never sits in one
//! transaction's memory, checked by opening it the way `tickets` does and counting every
//! table's rows against the source, synced, and only then renamed to the output and the
//! directory synced. The output path therefore holds nothing or a whole backup, never a
//! part of one; an existing output is replaced only when asked, and never when it is the
//! data file itself.
//!
//! Which tables there are comes from [`super::tables::visit_all`], the list `create_all`
//! uses too; a source holding a table outside that list (a newer topicdesk's) is refused
//! rather than copied without it.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use redb::{Key, MultimapTableDefinition, ReadableDatabase, ReadableTableMetadata, TableDefinition, Value};
use redb::{MultimapTableHandle, ReadableMultimapTable, ReadableTable, TableHandle};

use super::tables::{self, TableVisitor};
use super::{ReadOnlyStore, Store, StoreError, guard_damage, guard_open};

/// Rows written per transaction of the copy: the source's snapshot is one read transaction
/// whatever the size, the copy's memory stays bounded.
const ROWS_PER_COMMIT: u64 = 50_000;

/// Whether an existing output file may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    Refuse,
    Replace,
}

/// What a backup copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    pub output: PathBuf,
    /// Tables present in the source and copied.
    pub tables: usize,
    /// Rows over all tables (a multimap's key and value pairs counted one by one).
    pub rows: u64,
    pub tickets: u64,
    /// The size of the backup file.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Source(#[from] StoreError),
    #[error("{path} already exists; pass --force to replace it")]
    Exists { path: PathBuf },
    #[error("{path} is the data file itself; a backup goes to another file")]
    SameFile { path: PathBuf },
    #[error("{path} is a directory; name the backup file, like {path}/topicdesk-backup.redb")]
    OutputIsDirectory { path: PathBuf },
    #[error("cannot write the backup {path}: the directory {dir} does not exist")]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("cannot write the backup {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} holds a table `{table}` this build does not know (a newer topicdesk wrote it); back it up with that version"
    )]
    UnknownTable { path: PathBuf, table: String },
    #[error("cannot write the backup {path}: {detail}")]
    Target { path: PathBuf, detail: String },
    #[error("the copy of {path} does not match its source: {detail}; nothing was written")]
    Mismatch { path: PathBuf, detail: String },
}

/// Copies the data file at `source` to `output` (see the module's documentation).
pub fn backup(source: &Path, output: &Path, overwrite: Overwrite) -> Result<Backup, BackupError> {
    check_output(source, output, overwrite)?;
    let from = Store::open_read_only(source)?;
    let dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write_error = |source| BackupError::Write { path: output.to_path_buf(), source };
    if !dir.is_dir() {
        return Err(BackupError::NoDirectory { path: output.to_path_buf(), dir });
    }
    let name = output.file_name().map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(write_error)?;
    let copied = {
        // Exclusive: no other process has any business with the file being written, and only
        // an exclusive writer may make the chunks before the last one non-durable. The cache
        // of a read-only open: each page is written once.
        let to = guard_open(temp.path(), || {
            redb::Builder::new().set_cache_size(super::READ_ONLY_CACHE_BYTES).create(temp.path())
        })
        .map_err(|error| BackupError::Target { path: output.to_path_buf(), detail: error.to_string() })?;
        guard_damage(source, || copy_all(source, &from, &to, output))??
    };
    drop(from);
    let tickets = verify(source, temp.path(), &copied)?;
    temp.as_file().sync_all().map_err(write_error)?;
    let bytes = temp.as_file().metadata().map_err(write_error)?.len();
    match overwrite {
        Overwrite::Refuse => temp.persist_noclobber(output).map_err(|error| {
            if error.error.kind() == std::io::ErrorKind::AlreadyExists {
                BackupError::Exists { path: output.to_path_buf() }
            } else {
                write_error(error.error)
            }
        })?,
        Overwrite::Replace => temp.persist(output).map_err(|error| write_error(error.error))?,
    };
    // The rename is durable once the directory is.
    File::open(&dir).and_then(|dir| dir.sync_all()).map_err(write_error)?;
    let rows = copied.values().sum();
    Ok(Backup { output: output.to_path_buf(), tables: copied.len(), rows, tickets, bytes })
}

/// Refuses an output that is the data file, a directory, or (unless replacing) any existing
/// file, before anything is read or written.
fn check_output(source: &Path, output: &Path, overwrite: Overwrite) -> Result<(), BackupError> {
    let Ok(meta) = std::fs::metadata(output) else { return Ok(()) };
    if meta.is_dir() {
        return Err(BackupError::OutputIsDirectory { path: output.to_path_buf() });
    }
    let same = match (std::fs::canonicalize(source), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(BackupError::SameFile { path: output.to_path_buf() });
    }
    if overwrite == Overwrite::Refuse {
        return Err(BackupError::Exists { path: output.to_path_buf() });
    }
    Ok(())
}

/// Rows copied, by table name.
type Counts = std::collections::BTreeMap<String, u64>;

/// Copies every table of one read transaction of `from` into `to`; the row count of each
/// table present in the source.
fn copy_all(
    path: &Path,
    from: &ReadOnlyStore,
    to: &redb::Database,
    output: &Path,
) -> Result<Counts, BackupError> {
    let read = from.db.begin_read().map_err(StoreError::from)?;
    let mut known = KnownNames::default();
    tables::visit_all(&mut known)?;
    let present = table_names(&read)?;
    if let Some(table) = present.difference(&known.0).next() {
        return Err(BackupError::UnknownTable { path: path.to_path_buf(), table: table.clone() });
    }
    let mut copy = CopyTables { read: &read, to, output, counts: Counts::new() };
    tables::visit_all(&mut copy)?;
    Ok(copy.counts)
}

/// Opens the finished copy as the read verbs do and counts its rows against the source's;
/// the number of tickets.
fn verify(source: &Path, copy: &Path, copied: &Counts) -> Result<u64, BackupError> {
    let mismatch = |detail: String| BackupError::Mismatch { path: source.to_path_buf(), detail };
    let store = Store::open_read_only(copy).map_err(|error| mismatch(error.to_string()))?;
    let read = store.db.begin_read().map_err(StoreError::from)?;
    let mut count = CountRows { read: &read, counts: Counts::new() };
    tables::visit_all(&mut count).map_err(|error| mismatch(error.to_string()))?;
    if &count.counts != copied {
        return Err(mismatch(format!("rows by table {:?}, the source had {copied:?}", count.counts)));
    }
    Ok(count.counts.get(tables::TICKETS.name()).copied().unwrap_or(0))
}

fn table_names(read: &redb::ReadTransaction) -> Result<BTreeSet<String>, StoreError> {
    let mut names: BTreeSet<String> = read.list_tables()?.map(|t| t.name().to_owned()).collect();
    names.extend(read.list_multimap_tables()?.map(|t| t.name().to_owned()));
    Ok(names)
}

/// The names of the tables this build knows.
#[derive(Default)]
struct KnownNames(BTreeSet<String>);

impl TableVisitor for KnownNames {
    type Error = StoreError;
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<(), StoreError> {
        self.0.insert(definition.name().to_owned());
        Ok(())
    }
    fn multimap_table<K: Key + 'static, V: Key + 'static>(
        &mut self,
        definition: MultimapTableDefinition<'static, K, V>,
    ) -> Result<(), StoreError> {
        self.0.insert(definition.name().to_owned());
        Ok(())
    }
}

/// Copies each table present in the snapshot `read` into `to`, [`ROWS_PER_COMMIT`] rows per
/// transaction, the last one durable.
struct CopyTables<'a> {
    read: &'a redb::ReadTransaction,
    to: &'a redb::Database,
    /// Where the copy goes, to name it when writing fails (a full disk is the backup's
    /// problem, not the data file's).
    output: &'a Path,
    counts: Counts,
}

/// A failure writing the copy, named as the backup's.
fn on_target<T, E: std::fmt::Display>(output: &Path, result: Result<T, E>) -> Result<T, BackupError> {
    result.map_err(|error| BackupError::Target { path: output.to_path_buf(), detail: error.to_string() })
}

/// A table missing from an older file is left out of the copy too (the desk creates it at
/// its first write, as it would have in the source).
fn missing(error: &redb::TableError) -> bool {
    matches!(error, redb::TableError::TableDoesNotExist(_))
}

impl CopyTables<'_> {
    /// Runs `fill` in write transactions until it reports fewer rows than a chunk; the last
    /// commit is durable and makes the earlier ones so.
    fn chunked(
        &mut self,
        name: &str,
        mut fill: impl FnMut(&redb::WriteTransaction) -> Result<u64, BackupError>,
    ) -> Result<(), BackupError> {
        let mut total = 0;
        loop {
            let mut txn = on_target(self.output, self.to.begin_write())?;
            on_target(self.output, txn.set_durability(redb::Durability::None))?;
            let written = fill(&txn)?;
            let last = written < ROWS_PER_COMMIT;
            if last {
                on_target(self.output, txn.set_durability(redb::Durability::Immediate))?;
            }
            on_target(self.output, txn.commit())?;
            total += written;
            if last {
                self.counts.insert(name.to_owned(), total);
                return Ok(());
            }
        }
    }
}

impl TableVisitor for CopyTables<'_> {
    type Error = BackupError;
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<(), BackupError> {
        let source = match self.read.open_table(definition) {
            Ok(table) => table,
            Err(error) if missing(&error) => return Ok(()),
            Err(error) => return Err(StoreError::from(error).into()),
        };
        let mut rows = source.iter().map_err(StoreError::from)?;
        let output = self.output;
        self.chunked(definition.name(), |txn| {
            let mut target = on_target(output, txn.open_table(definition))?;
            let mut written = 0;
            while written < ROWS_PER_COMMIT {
                let Some(row) = rows.next() else { break };
                let (key, value) = row.map_err(StoreError::from)?;
                on_target(output, target.insert(key.value(), value.value()))?;
                written += 1;
            }
            Ok(written)
        })?;
        Ok(())
    }

    fn multimap_table<K: Key + 'static, V: Key + 'static>(
        &mut self,
        definition: MultimapTableDefinition<'static, K, V>,
    ) -> Result<(), BackupError> {
        let source = match self.read.open_multimap_table(definition) {
            Ok(table) => table,
            Err(error) if missing(&error) => return Ok(()),
            Err(error) => return Err(StoreError::from(error).into()),
        };
        let mut keys = source.iter().map_err(StoreError::from)?;
        let output = self.output;
        self.chunked(definition.name(), |txn| {
            let mut target = on_target(output, txn.open_multimap_table(definition))?;
            let mut written = 0;
            // A key's values go into one chunk whole: they are few (a relayed message has
            // one or two counterparts).
            while written < ROWS_PER_COMMIT {
                let Some(row) = keys.next() else { break };
                let (key, values) = row.map_err(StoreError::from)?;
                for value in values {
                    let value = value.map_err(StoreError::from)?;
                    on_target(output, target.insert(key.value(), value.value()))?;
                    written += 1;
                }
            }
            Ok(written)
        })?;
        Ok(())
    }
}

/// Counts the rows of each table present in a snapshot.
struct CountRows<'a> {
    read: &'a redb::ReadTransaction,
    counts: Counts,
}

impl TableVisitor for CountRows<'_> {
    type Error = StoreError;
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<(), StoreError> {
        match self.read.open_table(definition) {
            Ok(table) => {
                self.counts.insert(definition.name().to_owned(), table.len()?);
                Ok(())
            }
            Err(error) if missing(&error) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
    fn multimap_table<K: Key + 'static, V: Key + 'static>(
        &mut self,
        definition: MultimapTableDefinition<'static, K, V>,
    ) -> Result<(), StoreError> {
        match self.read.open_multimap_table(definition) {
            Ok(table) => {
                self.counts.insert(definition.name().to_owned(), table.len()?);
                Ok(())
            }
            Err(error) if missing(&error) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, ReadableMultimapTable, ReadableTable};

    use super::{BackupError, Overwrite, ROWS_PER_COMMIT, backup};
    use crate::store::tables::{COUNTERS, RELAYED};
    use crate::store::{FILE_NAME, Store};

    /// A fresh store, closed, and the directory holding it.
    fn fresh_store() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        drop(Store::open(&path).expect("open store"));
        (dir, path)
    }

    fn raw(path: &std::path::Path) -> redb::Database {
        redb::Builder::new()
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .open(path)
            .expect("open with redb")
    }

    /// Tables larger than one commit of the copy, one of them ending exactly on a chunk's
    /// boundary, a multimap past one: every row arrives, in the same table, once.
    #[test]
    fn tables_larger_than_one_commit_are_copied_whole() {
        let (dir, path) = fresh_store();
        let counters = 2 * ROWS_PER_COMMIT;
        let pairs = 2 * ROWS_PER_COMMIT + 1;
        {
            let db = raw(&path);
            let txn = db.begin_write().expect("write");
            {
                let mut table = txn.open_table(COUNTERS).expect("counters");
                for n in 0..counters {
                    table.insert(format!("counter-{n:07}").as_str(), n).expect("insert");
                }
                let mut relayed = txn.open_multimap_table(RELAYED).expect("relayed");
                for n in 0..pairs {
                    let message = (n / 2) as i32;
                    relayed.insert((1_i64, message), (2_i64, n as i32)).expect("insert");
                }
            }
            txn.commit().expect("commit");
        }
        let output = dir.path().join("copy.redb");
        let done = backup(&path, &output, Overwrite::Refuse).expect("backup");
        assert_eq!(
            done.rows,
            counters + pairs + 2,
            "the counters, the pairs, the schema version and the closed index's mark"
        );
        let (source, copy) = (raw(&path), raw(&output));
        let (source, copy) = (source.begin_read().expect("read"), copy.begin_read().expect("read"));
        let rows = |txn: &redb::ReadTransaction| -> Vec<(String, u64)> {
            let table = txn.open_table(COUNTERS).expect("counters");
            table
                .iter()
                .expect("iter")
                .map(|row| {
                    let (key, value) = row.expect("row");
                    (key.value().to_owned(), value.value())
                })
                .collect()
        };
        assert_eq!(rows(&copy), rows(&source));
        let pairs_of = |txn: &redb::ReadTransaction| -> Vec<((i64, i32), (i64, i32))> {
            let table = txn.open_multimap_table(RELAYED).expect("relayed");
            let mut all = Vec::new();
            for row in table.iter().expect("iter") {
                let (key, values) = row.expect("row");
                for value in values {
                    all.push((key.value(), value.expect("value").value()));
                }
            }
            all
        };
        let copied = pairs_of(&copy);
        assert_eq!(copied.len() as u64, pairs);
        assert_eq!(copied, pairs_of(&source));
    }

    /// A table a newer topicdesk added is not silently left out of the copy.
    #[test]
    fn a_table_this_build_does_not_know_is_refused() {
        let (dir, path) = fresh_store();
        {
            let db = raw(&path);
            let txn = db.begin_write().expect("write");
            let future: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("from_the_future");
            txn.open_table(future).expect("table").insert(1, 1).expect("insert");
            txn.commit().expect("commit");
        }
        let output = dir.path().join("copy.redb");
        match backup(&path, &output, Overwrite::Refuse) {
            Err(BackupError::UnknownTable { table, .. }) => assert_eq!(table, "from_the_future"),
            other => panic!("expected the unknown table refused, got {other:?}"),
        }
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, [FILE_NAME], "no copy and no partial file");
    }
}

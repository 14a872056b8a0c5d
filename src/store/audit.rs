//! The audit log (`crate::audit`): one row per entry under a sequence number of its own,
//! appended and never rewritten. The table appeared after the first schema; a file no new
//! build opened for writing yet has none, which reads as an empty log.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::open::AUDIT;
use super::records::{decode, encode};
use super::tables::NEXT_AUDIT;
use super::tx::{ReadTx, Tx};
use crate::audit::AuditEntry;

const AUDIT_RECORD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct AuditRecord {
    v: u32,
    #[serde(flatten)]
    entry: AuditEntry,
}

impl Tx<'_> {
    /// Appends `entry` to the audit log; returns its sequence number.
    pub fn record_audit(&mut self, entry: &AuditEntry) -> Result<u64, StoreError> {
        let number = self.bump(NEXT_AUDIT)?;
        let record = AuditRecord { v: AUDIT_RECORD_VERSION, entry: entry.clone() };
        self.open(AUDIT)?.insert(number, encode(&record).as_slice())?;
        Ok(number)
    }

    /// The whole audit log with each entry's sequence number, oldest first.
    pub fn audit_log(&self) -> Result<Vec<(u64, AuditEntry)>, StoreError> {
        entries_from(&*self.open(AUDIT)?)
    }

    /// At most `limit` entries from sequence number `from` on, oldest first.
    pub fn audit_log_from(&self, from: u64, limit: usize) -> Result<Vec<(u64, AuditEntry)>, StoreError> {
        let table = self.open(AUDIT)?;
        let mut all = Vec::new();
        for row in table.range(from..)?.take(limit) {
            let (key, value) = row?;
            all.push((key.value(), entry_of(value.value())?));
        }
        Ok(all)
    }
}

impl ReadTx {
    /// The whole audit log with each entry's sequence number, oldest first.
    pub fn audit_log(&self) -> Result<Vec<(u64, AuditEntry)>, StoreError> {
        match self.open(AUDIT) {
            Ok(table) => entries_from(&table),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(error) => Err(error.into()),
        }
    }
}

fn entries_from(
    table: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<Vec<(u64, AuditEntry)>, StoreError> {
    let mut all = Vec::new();
    for row in table.iter()? {
        let (key, value) = row?;
        all.push((key.value(), entry_of(value.value())?));
    }
    Ok(all)
}

fn entry_of(bytes: &[u8]) -> Result<AuditEntry, StoreError> {
    let record: AuditRecord = decode("audit", bytes)?;
    if record.v != AUDIT_RECORD_VERSION {
        return Err(StoreError::RecordVersion { what: "audit", version: record.v });
    }
    Ok(record.entry)
}

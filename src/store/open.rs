//! The tables a write transaction has open. Opening a redb table looks its name up in the
//! file's table tree and checks its key and value types, which cost more than most of the
//! reads and writes the desk makes in it; a [`super::Tx`] opens each table at its first use
//! and keeps it open until the transaction ends, so a page of a hundred updates opens each
//! table once instead of a dozen times per update.
//!
//! A table is named here by a marker ([`Table`]) rather than by its `TableDefinition`, so
//! one call site reads through a write transaction's open table or a read transaction's
//! fresh one alike. Borrowing a table that is borrowed already (an iteration over it still
//! running) is the error redb gives for a table opened twice: the same rule as before.

use std::cell::{RefCell, RefMut};

use redb::{Key, TableDefinition, TableError, Value};

use super::tables;

/// A table opened in a write transaction, borrowed from the transaction's [`Open`].
pub(super) type Borrowed<'a, 't, T> = RefMut<'a, redb::Table<'t, <T as Table>::K, <T as Table>::V>>;

/// One of the store's (non-multimap) tables.
pub(super) trait Table: Copy {
    type K: Key + 'static;
    type V: Value + 'static;
    const DEFINITION: TableDefinition<'static, Self::K, Self::V>;
    fn slot<'a, 't>(open: &'a Open<'t>) -> &'a RefCell<Option<redb::Table<'t, Self::K, Self::V>>>;
}

macro_rules! tables {
    ($($marker:ident $field:ident: $definition:ident<$k:ty, $v:ty>;)*) => {
        /// The tables a write transaction opened so far.
        #[derive(Default)]
        pub(super) struct Open<'t> {
            $($field: RefCell<Option<redb::Table<'t, $k, $v>>>,)*
        }

        $(
            #[derive(Clone, Copy)]
            pub(super) struct $marker;

            impl Table for $marker {
                type K = $k;
                type V = $v;
                const DEFINITION: TableDefinition<'static, $k, $v> = tables::$definition;
                fn slot<'a, 't>(open: &'a Open<'t>) -> &'a RefCell<Option<redb::Table<'t, $k, $v>>> {
                    &open.$field
                }
            }

            pub(super) const $definition: $marker = $marker;
        )*
    };
}

tables! {
    Meta meta: META<&'static str, u64>;
    Counters counters: COUNTERS<&'static str, u64>;
    Tickets tickets: TICKETS<u64, &'static [u8]>;
    History history: HISTORY<(u64, u32), &'static [u8]>;
    HistoryLog history_log: HISTORY_LOG<u64, tables::LogRecord>;
    HistoryHead history_head: HISTORY_HEAD<u64, u64>;
    Facts facts: FACTS<u64, &'static [u8]>;
    ByStatus by_status: BY_STATUS<(u8, u64), ()>;
    ByAssignee by_assignee: BY_ASSIGNEE<(u64, u64), ()>;
    ByCustomer by_customer: BY_CUSTOMER<(u64, u64), ()>;
    ByTopic by_topic: BY_TOPIC<(i64, i32), u64>;
    Deadlines deadlines: DEADLINES<(i64, u64, u8), ()>;
    DeadlineOf deadline_of: DEADLINE_OF<(u64, u8), i64>;
    Outbox outbox: OUTBOX<u64, &'static [u8]>;
    Sessions sessions: SESSIONS<u64, &'static [u8]>;
    Prompts prompts: PROMPTS<u64, i32>;
    DeadLetters dead_letters: DEAD_LETTERS<i64, &'static [u8]>;
    Templates templates: TEMPLATES<(&'static str, u32), &'static [u8]>;
    TemplateUses template_uses: TEMPLATE_USES<(i64, u64), &'static [u8]>;
    Deflections deflections: DEFLECTIONS<u64, &'static [u8]>;
    Audit audit: AUDIT<u64, &'static [u8]>;
    ByClosed by_closed: BY_CLOSED<(i64, u64), ()>;
    Business business: BUSINESS<&'static str, &'static [u8]>;
    Doors doors: DOORS<u64, &'static [u8]>;
    Held held: HELD<u64, &'static [u8]>;
}

impl<'t> Open<'t> {
    /// The table, opened in `txn` at its first use.
    #[track_caller]
    pub(super) fn get<T: Table>(
        &self,
        txn: &'t redb::WriteTransaction,
    ) -> Result<Borrowed<'_, 't, T>, TableError> {
        let Ok(mut slot) = T::slot(self).try_borrow_mut() else {
            return Err(TableError::TableAlreadyOpen(
                redb::TableHandle::name(&T::DEFINITION).to_owned(),
                std::panic::Location::caller(),
            ));
        };
        if slot.is_none() {
            *slot = Some(txn.open_table(T::DEFINITION)?);
        }
        Ok(RefMut::map(slot, |slot| slot.as_mut().expect("opened above")))
    }
}

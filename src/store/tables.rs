//! The redb tables, as typed constants. Keys are chosen so that the desk's questions are
//! range scans: "tickets in this status", "this agent's tickets", "the customer's newest
//! ticket", "which ticket owns this topic", "what falls due next".

use redb::{Key, MultimapTableDefinition, TableDefinition, Value};

pub const META_NAME: &str = "meta";
/// Schema version, update offset and other single values.
pub const META: TableDefinition<&str, u64> = TableDefinition::new(META_NAME);
pub const SCHEMA_VERSION_KEY: &str = "schema_version";
pub const UPDATE_OFFSET_KEY: &str = "update_offset";
pub const UPDATE_OFFSET_SET_KEY: &str = "update_offset_set";

/// Named counters: the next ticket number, the next outbox sequence, round-robin positions.
pub const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");
pub const NEXT_TICKET: &str = "next_ticket";
pub const NEXT_OUTBOX: &str = "next_outbox";
pub const NEXT_TEMPLATE_USE: &str = "next_template_use";
/// Moves whenever erasure took entries out of the outbox, so the dispatcher, which keeps
/// the outbox's first entries in memory, reads them again.
pub const OUTBOX_ERASURES: &str = "outbox_erasures";

/// Ticket id -> ticket record (JSON).
pub const TICKETS: TableDefinition<u64, &[u8]> = TableDefinition::new("tickets");
/// (ticket id, entry seq) -> history entry record (JSON): the history written before the
/// log, read but no longer written (`history_log`).
pub const HISTORY: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("history");
/// Log position -> (ticket id, entry seq, position of the ticket's previous entry, history
/// entry record JSON): every history entry since schema 2, appended at the next position.
pub const HISTORY_LOG: TableDefinition<u64, LogRecord> = TableDefinition::new("history_log");
/// A `history_log` record: (ticket id, entry seq, position of the ticket's previous record,
/// entry record JSON).
pub type LogRecord = (u64, u32, Option<u64>, &'static [u8]);
/// Ticket id -> log position of the ticket's newest entry, where its chain starts.
pub const HISTORY_HEAD: TableDefinition<u64, u64> = TableDefinition::new("history_head");

/// Ticket id -> the ticket's metric facts record (JSON), folded as its history is appended.
pub const FACTS: TableDefinition<u64, &[u8]> = TableDefinition::new("facts");

/// (status code, ticket id): tickets by status.
pub const BY_STATUS: TableDefinition<(u8, u64), ()> = TableDefinition::new("by_status");
/// (agent id, ticket id): active tickets by assignee, an agent's load.
pub const BY_ASSIGNEE: TableDefinition<(u64, u64), ()> = TableDefinition::new("by_assignee");
/// (customer id, ticket id): tickets by customer, newest last.
pub const BY_CUSTOMER: TableDefinition<(u64, u64), ()> = TableDefinition::new("by_customer");
/// (staff chat id, thread id) -> ticket id.
pub const BY_TOPIC: TableDefinition<(i64, i32), u64> = TableDefinition::new("by_topic");

/// (closing unix milliseconds, ticket id): closed tickets by the time they closed, which
/// retention walks. Files from before retention get it filled at their first writable open
/// ([`CLOSED_INDEX_KEY`] in `meta` says it was).
pub const BY_CLOSED: TableDefinition<(i64, u64), ()> = TableDefinition::new("by_closed");
pub const CLOSED_INDEX_KEY: &str = "closed_index";

/// (due unix milliseconds, ticket id, kind): everything that falls due, in time order.
pub const DEADLINES: TableDefinition<(i64, u64, u8), ()> = TableDefinition::new("deadlines");
/// (ticket id, kind) -> due unix milliseconds, so a deadline can be moved or dropped.
pub const DEADLINE_OF: TableDefinition<(u64, u8), i64> = TableDefinition::new("deadline_of");

/// Outbox sequence -> outgoing call record (JSON). Sequence order is send order per chat.
pub const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");

/// Customer id -> intake session record (JSON).
pub const SESSIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("sessions");

/// Customer id -> message id of the intake prompt whose buttons are live.
pub const PROMPTS: TableDefinition<u64, i32> = TableDefinition::new("prompts");

/// Relayed message pairs: (chat id, message id) -> (chat id, message id) of its counterpart.
pub const RELAYED: MultimapTableDefinition<(i64, i32), (i64, i32)> = MultimapTableDefinition::new("relayed");

/// Update id -> a dead letter record (JSON): an update the desk failed on every time,
/// set aside so the rest flow on.
pub const DEAD_LETTERS: TableDefinition<i64, &[u8]> = TableDefinition::new("dead_letters");

/// (template id, version number) -> a saved template version record (JSON).
pub const TEMPLATES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("templates");
/// (unix milliseconds, use number) -> a template use record (JSON): which template, which
/// version, which agent, on which ticket.
pub const TEMPLATE_USES: TableDefinition<(i64, u64), &[u8]> = TableDefinition::new("template_uses");
/// Sequence -> a question an article answered before a ticket was opened (JSON), kept for
/// the support lead. Files from before the knowledge base get the table at their first write.
pub const DEFLECTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("deflections");
pub const NEXT_DEFLECTION: &str = "next_deflection";
/// Telegram Business connections by id (`BusinessConnectionRecord`).
pub const BUSINESS: TableDefinition<&str, &[u8]> = TableDefinition::new("business_connections");
/// Customer id -> the Telegram Business connection they last wrote through
/// (`DoorRecord`): everything the desk sends them goes through it. A customer who writes to
/// the bot itself has no row. Files from before get the table at their first write.
pub const DOORS: TableDefinition<u64, &[u8]> = TableDefinition::new("business_doors");
/// Customer id -> the calls to them Telegram refused through their business account for a
/// reason that passes (`HeldRecord`: outbox records, in order): kept by the desk until the
/// customer writes again or the account turns the bot back on.
pub const HELD: TableDefinition<u64, &[u8]> = TableDefinition::new("business_held");
/// The audit log (`crate::audit`), append-only, by sequence number (`NEXT_AUDIT`). Files
/// from before the audit log get the table at their first write.
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
pub const NEXT_AUDIT: &str = "next_audit";

/// What [`visit_all`] calls for each table: the one list of the store's tables, so that
/// creating them and copying them (`backup`) can never disagree about what the file holds.
pub trait TableVisitor {
    type Error;
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        definition: TableDefinition<'static, K, V>,
    ) -> Result<(), Self::Error>;
    fn multimap_table<K: Key + 'static, V: Key + 'static>(
        &mut self,
        definition: MultimapTableDefinition<'static, K, V>,
    ) -> Result<(), Self::Error>;
}

/// Calls `visitor` with every table of the store, `meta` first.
pub fn visit_all<T: TableVisitor>(visitor: &mut T) -> Result<(), T::Error> {
    visitor.table(META)?;
    visitor.table(COUNTERS)?;
    visitor.table(TICKETS)?;
    visitor.table(HISTORY)?;
    visitor.table(HISTORY_LOG)?;
    visitor.table(HISTORY_HEAD)?;
    visitor.table(FACTS)?;
    visitor.table(BY_STATUS)?;
    visitor.table(BY_ASSIGNEE)?;
    visitor.table(BY_CUSTOMER)?;
    visitor.table(BY_TOPIC)?;
    visitor.table(DEADLINES)?;
    visitor.table(DEADLINE_OF)?;
    visitor.table(OUTBOX)?;
    visitor.table(SESSIONS)?;
    visitor.table(PROMPTS)?;
    visitor.multimap_table(RELAYED)?;
    visitor.table(DEAD_LETTERS)?;
    visitor.table(TEMPLATES)?;
    visitor.table(TEMPLATE_USES)?;
    visitor.table(DEFLECTIONS)?;
    visitor.table(AUDIT)?;
    visitor.table(BUSINESS)?;
    visitor.table(DOORS)?;
    visitor.table(HELD)?;
    visitor.table(BY_CLOSED)?;
    Ok(())
}

/// Creates every table that is missing.
pub fn create_all(txn: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    struct Create<'t>(&'t redb::WriteTransaction);
    impl TableVisitor for Create<'_> {
        type Error = redb::TableError;
        fn table<K: Key + 'static, V: Value + 'static>(
            &mut self,
            definition: TableDefinition<'static, K, V>,
        ) -> Result<(), redb::TableError> {
            self.0.open_table(definition).map(drop)
        }
        fn multimap_table<K: Key + 'static, V: Key + 'static>(
            &mut self,
            definition: MultimapTableDefinition<'static, K, V>,
        ) -> Result<(), redb::TableError> {
            self.0.open_multimap_table(definition).map(drop)
        }
    }
    visit_all(&mut Create(txn))
}

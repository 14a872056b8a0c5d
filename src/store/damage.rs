//! Damage that makes redb panic. redb trusts a file it shut down cleanly: a page altered
//! outside it (a bad disk, a stray write, a copy cut short) can hit an `unreachable!` or an
//! `unwrap` deep inside it rather than come back as an error, on any read, not only at open.
//! Checking every page at open (redb's integrity check) reads and rewrites the whole file,
//! seconds for a large store at every start, so the store catches the panic instead, at
//! the calls that read: [`guard_damage`] turns a panic raised inside redb into
//! [`StoreError::Damaged`] naming the file, and keeps redb's panic message off stderr.
//! A panic anywhere else (a bug of ours) goes on unwinding as before. A panic inside redb
//! outside a guarded call (a task of the host reading) is printed as usual and remembered,
//! so whoever catches it can still say the file is damaged ([`take_redb_panic`]).

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::path::Path;
use std::sync::{Mutex, Once, PoisonError};

use super::StoreError;

thread_local! {
    /// How many [`guard_damage`] calls this thread is inside.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// What redb said when it panicked inside a guarded call on this thread.
    static REDB_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The last panic raised inside redb on any thread, for [`take_redb_panic`].
static LAST_REDB_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// What redb said when it last panicked, if it did since the last call: the panic that
/// ended a task was then most likely a damaged page.
pub fn take_redb_panic() -> Option<String> {
    LAST_REDB_PANIC.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// The error for a data file whose reading made redb panic with `said`.
pub fn damaged(path: &Path, said: &str) -> StoreError {
    StoreError::Damaged {
        path: path.to_path_buf(),
        detail: format!("the storage engine stopped reading it ({said}); restore it from a backup"),
    }
}

/// Runs `work`, which reads or writes the file at `path` through redb; a panic inside redb
/// comes back as [`StoreError::Damaged`].
pub fn guard_damage<R>(path: &Path, work: impl FnOnce() -> R) -> Result<R, StoreError> {
    install_hook();
    GUARDED.with(|guarded| guarded.set(guarded.get() + 1));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
    GUARDED.with(|guarded| guarded.set(guarded.get() - 1));
    match outcome {
        Ok(result) => Ok(result),
        Err(payload) => match REDB_PANIC.with(|said| said.borrow_mut().take()) {
            Some(said) => {
                take_redb_panic();
                Err(damaged(path, &said))
            }
            None => std::panic::resume_unwind(payload),
        },
    }
}

/// Wraps the panic hook once: a panic inside redb is remembered, and during a guarded call
/// recorded for [`guard_damage`] and not printed; everything else goes to the hook there was.
pub fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) > 0 && raised_in_redb(info) {
                let said = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                let at = info.location().map(|l| format!(" at {}:{}", short(l.file()), l.line()));
                REDB_PANIC
                    .with(|slot| *slot.borrow_mut() = Some(format!("{said}{}", at.unwrap_or_default())));
                return;
            }
            previous(info);
        }));
    });
}

/// Whether the panic's location is a source file of the redb crate.
fn raised_in_redb(info: &PanicHookInfo<'_>) -> bool {
    info.location().is_some_and(|location| {
        let file = location.file().replace('\\', "/");
        file.contains("/redb-") || file.starts_with("redb-")
    })
}

/// `.../redb-4.6.0/src/tree_store/btree.rs` -> `redb-4.6.0/src/tree_store/btree.rs`.
fn short(file: &str) -> &str {
    file.rfind("redb-").map_or(file, |at| &file[at..])
}

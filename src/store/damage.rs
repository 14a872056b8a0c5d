//! Damage that makes redb panic. redb trusts a file it shut down cleanly: a page altered
//! outside it (a bad disk, a stray write, a copy cut short) can hit an `unreachable!` or an
//! `unwrap` deep inside it rather than come back as an error, on any read, not only at open.
//! Checking every page at open (redb's integrity check) reads and rewrites the whole file,
//! seconds for a large store at every start, so the store catches the panic instead, at
//! the calls that read: [`guard_damage`] turns a panic raised inside redb into
//! [`StoreError::Damaged`] naming the file, and keeps redb's panic message off stderr.
//! A panic anywhere else (a bug of ours) goes on unwinding as before.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::path::Path;
use std::sync::Once;

use super::StoreError;

thread_local! {
    /// How many [`guard_damage`] calls this thread is inside.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// What redb said when it panicked inside a guarded call on this thread.
    static REDB_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
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
            Some(said) => Err(StoreError::Damaged {
                path: path.to_path_buf(),
                detail: format!("the storage engine stopped reading it ({said}); restore it from a backup"),
            }),
            None => std::panic::resume_unwind(payload),
        },
    }
}

/// Wraps the panic hook once: a panic inside redb during a guarded call is recorded for
/// [`guard_damage`] and not printed; everything else goes to the hook there was.
fn install_hook() {
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

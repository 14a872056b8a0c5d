//! Hot reload: the only module that uses notify.
//!
//! A debounced watcher on the rules directory (recursive) triggers a full reload through the
//! same [`load`] as start-up and `check`, whatever changed: an edit, an editor's atomic save
//! (write a temporary file, rename it over), a delete followed by a create. With native
//! events the directory's parent is watched too (not recursively), so a rules directory that
//! is replaced whole (deleted and created again, or a symlink swapped, as editors and deploy
//! tools do) gets its recursive watch back when it reappears and keeps reloading; polling
//! sees a replaced directory by itself. A valid new set is swapped in atomically; an
//! invalid one never replaces the running set, and its diagnostics
//! go to the host's callback (which logs them and, once the Telegram host exists, posts them
//! to the staff chat). Readers take a snapshot with [`RulesHandle::current`] and keep it for
//! the whole decision, so one decision never mixes two versions.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer_opt};

use super::loader::load;
use super::ruleset::{RuleSet, RuleSetVersion};
use crate::diagnostic::Diagnostic;

/// How long the watcher waits for a burst of file events to settle before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// The running rule set, shared by everyone who decides; cheap to clone. It also keeps
/// the last few sets it replaced, so an intake dialogue started under one of them can
/// finish with the form it started with.
#[derive(Clone, Debug)]
pub struct RulesHandle {
    current: Arc<ArcSwap<RuleSet>>,
    earlier: Arc<std::sync::Mutex<std::collections::VecDeque<Arc<RuleSet>>>>,
}

/// How many replaced rule sets stay available to dialogues in progress.
const KEEP_EARLIER: usize = 8;

impl RulesHandle {
    pub fn new(rule_set: RuleSet) -> RulesHandle {
        RulesHandle { current: Arc::new(ArcSwap::from_pointee(rule_set)), earlier: Arc::default() }
    }

    /// A snapshot of the running set; hold it for one whole decision.
    pub fn current(&self) -> Arc<RuleSet> {
        self.current.load_full()
    }

    /// The sets replaced since start, newest first.
    pub fn earlier(&self) -> Vec<Arc<RuleSet>> {
        self.earlier.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }

    /// The running set or one it replaced since start, by short version.
    pub fn version(&self, short: &str) -> Option<Arc<RuleSet>> {
        let current = self.current();
        if current.version().short() == short {
            return Some(current);
        }
        let earlier = self.earlier.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        earlier.iter().find(|set| set.version().short() == short).cloned()
    }

    /// Loads `dir` again and swaps the result in when valid and different. The watcher calls
    /// this; hosts may too (for a `/reload` command, say).
    pub fn reload(&self, dir: &Path) -> ReloadEvent {
        let running = self.current().version();
        let (rule_set, diagnostics) = load(dir);
        match rule_set {
            Some(set) if set.version() == running => ReloadEvent::Unchanged { version: running },
            Some(set) => {
                let version = set.version();
                let replaced = self.current.swap(Arc::new(set));
                let mut earlier = self.earlier.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                earlier.push_front(replaced);
                earlier.truncate(KEEP_EARLIER);
                tracing::info!(%version, previous = %running, "rules reloaded");
                ReloadEvent::Reloaded { version, previous: running, warnings: diagnostics }
            }
            None => {
                for diagnostic in &diagnostics {
                    tracing::warn!("{diagnostic}");
                }
                tracing::warn!(kept = %running, "rules not reloaded: the edit has errors");
                ReloadEvent::Rejected { kept: running, diagnostics }
            }
        }
    }
}

/// What a reload did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReloadEvent {
    /// The new set is running.
    Reloaded { version: RuleSetVersion, previous: RuleSetVersion, warnings: Vec<Diagnostic> },
    /// The edit has errors; `kept` is still running.
    Rejected { kept: RuleSetVersion, diagnostics: Vec<Diagnostic> },
    /// Files changed but the content is the same (or only editor temporaries changed).
    Unchanged { version: RuleSetVersion },
}

/// How the directory is watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchMode {
    /// inotify (or the platform's equivalent).
    Native,
    /// Scan the directory every interval: for network and container filesystems where
    /// native events do not arrive.
    Poll(Duration),
}

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("cannot watch {path}: {source}")]
    Watch { path: PathBuf, source: notify::Error },
}

/// Watches a rules directory while alive; dropping it stops watching.
pub struct Reloader {
    /// Shared with the watcher's own thread, which watches a re-created directory again; the
    /// thread holds it weakly, so dropping the reloader still stops everything.
    watcher: Arc<Mutex<Option<WatcherKind>>>,
    mode: WatchMode,
}

impl Reloader {
    /// Stops watching and waits for a reload in progress to finish.
    pub fn stop(self) {
        // Taken out first: the watcher's thread may want the lock while it finishes.
        let watcher = self.watcher.lock().unwrap_or_else(PoisonError::into_inner).take();
        match watcher {
            Some(WatcherKind::Native(debouncer)) => debouncer.stop(),
            Some(WatcherKind::Poll(debouncer)) => debouncer.stop(),
            None => {}
        }
    }
}

enum WatcherKind {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl WatcherKind {
    fn watch(&mut self, path: &Path, recursive: RecursiveMode) -> notify::Result<()> {
        match self {
            WatcherKind::Native(debouncer) => debouncer.watch(path, recursive),
            WatcherKind::Poll(debouncer) => debouncer.watch(path, recursive),
        }
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        match self {
            WatcherKind::Native(debouncer) => debouncer.unwatch(path),
            WatcherKind::Poll(debouncer) => debouncer.unwatch(path),
        }
    }
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// Whether a batch of events is a reason to load `dir` again. Opening a file raises an access
/// event, and every reload opens every file: reacting to those would reload forever, several
/// times a second. Only a change of content, names or metadata (or an error, which may hide
/// one) counts, and only inside `dir` or of `dir` itself: the parent is watched to see the
/// directory replaced, not for its other entries.
pub(super) fn worth_reloading(result: &DebounceEventResult, dir: &Path) -> bool {
    result.as_ref().map_or(true, |events| {
        events
            .iter()
            .any(|event| !event.kind.is_access() && event.paths.iter().any(|path| path.starts_with(dir)))
    })
}

/// Whether the batch names `dir` itself: created, renamed into place or replaced.
fn names_the_directory(result: &DebounceEventResult, dir: &Path) -> bool {
    result.as_ref().is_ok_and(|events| {
        events.iter().any(|event| !event.kind.is_access() && event.paths.iter().any(|path| path == dir))
    })
}

/// Starts watching `dir`; every reload that changes something (or is rejected) is passed to
/// `on_event`, on the watcher's thread.
pub fn watch(
    dir: &Path,
    handle: RulesHandle,
    mode: WatchMode,
    on_event: impl FnMut(ReloadEvent) + Send + 'static,
) -> Result<Reloader, ReloadError> {
    watch_with_progress(dir, handle, mode, on_event, |_| {})
}

/// [`watch`], telling `reloading` `true` as a reload starts and `false` once it is done (a
/// health check judges how long one lasts). `on_event` and `reloading` are dropped when the
/// watcher's thread ends, however it ends.
pub fn watch_with_progress(
    dir: &Path,
    handle: RulesHandle,
    mode: WatchMode,
    mut on_event: impl FnMut(ReloadEvent) + Send + 'static,
    reloading: impl Fn(bool) + Send + 'static,
) -> Result<Reloader, ReloadError> {
    let error = |source| ReloadError::Watch { path: dir.to_owned(), source };
    // Absolute, but with symlinks kept: a swapped `rules -> release-42` link is seen in its
    // parent. Events name paths under the watched ones, so filters compare with this form.
    let watched = std::path::absolute(dir).map_err(|source| error(notify::Error::io(source)))?;
    let parent = watched.parent().filter(|parent| !parent.as_os_str().is_empty()).map(Path::to_owned);
    let shared: Arc<Mutex<Option<WatcherKind>>> = Arc::default();
    let rewatch: Weak<Mutex<Option<WatcherKind>>> = Arc::downgrade(&shared);
    let reload_dir = dir.to_owned();
    let rules_dir = watched.clone();
    let handler = move |result: DebounceEventResult| {
        if let Err(errors) = &result {
            for error in errors {
                tracing::warn!("watching {}: {error}", reload_dir.display());
            }
        }
        if !worth_reloading(&result, &watched) {
            return;
        }
        if names_the_directory(&result, &watched)
            && watched.is_dir()
            && let Some(shared) = rewatch.upgrade()
            && let Some(watcher) = shared.lock().unwrap_or_else(PoisonError::into_inner).as_mut()
        {
            // A replaced directory is a new one: the old recursive watch went with the old.
            // Watched again before loading, so nothing written from now on is missed.
            let _ = watcher.unwatch(&watched);
            if let Err(error) = watcher.watch(&watched, RecursiveMode::Recursive) {
                tracing::warn!("watching {} again: {error}", reload_dir.display());
            }
        }
        // Whatever changed, the whole directory is loaded again: one path, no partial states.
        reloading(true);
        let event = handle.reload(&reload_dir);
        reloading(false);
        match event {
            ReloadEvent::Unchanged { .. } => {}
            event => on_event(event),
        }
    };
    let mut debouncer = match mode {
        WatchMode::Native => {
            let debouncer = new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
                DEBOUNCE,
                None,
                handler,
                RecommendedCache::new(),
                notify::Config::default(),
            )
            .map_err(error)?;
            WatcherKind::Native(debouncer)
        }
        WatchMode::Poll(interval) => {
            let config = notify::Config::default().with_poll_interval(interval).with_compare_contents(true);
            let debouncer =
                new_debouncer_opt::<_, PollWatcher, NoCache>(DEBOUNCE, None, handler, NoCache, config)
                    .map_err(error)?;
            WatcherKind::Poll(debouncer)
        }
    };
    // Polling scans its roots afresh every time, so it sees a re-created directory on its
    // own; and it reads every file it watches, which in the parent could be anything.
    if let (WatchMode::Native, Some(parent)) = (mode, &parent) {
        debouncer.watch(parent, RecursiveMode::NonRecursive).map_err(error)?;
    }
    debouncer.watch(&rules_dir, RecursiveMode::Recursive).map_err(error)?;
    *shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(debouncer);
    Ok(Reloader { watcher: shared, mode })
}

//! Hot reload: the only module that uses notify.
//!
//! A debounced watcher on the rules directory (recursive) triggers a full reload through the
//! same [`load`] as start-up and `check`, whatever changed: an edit, an editor's atomic save
//! (write a temporary file, rename it over), a delete followed by a create. A valid new set is
//! swapped in atomically; an invalid one never replaces the running set, and its diagnostics
//! go to the host's callback (which logs them and, once the Telegram host exists, posts them
//! to the staff chat). Readers take a snapshot with [`RulesHandle::current`] and keep it for
//! the whole decision, so one decision never mixes two versions.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer_opt};

use super::diagnostic::Diagnostic;
use super::loader::load;
use super::ruleset::{RuleSet, RuleSetVersion};

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
    watcher: WatcherKind,
}

impl Reloader {
    /// Stops watching and waits for a reload in progress to finish.
    pub fn stop(self) {
        match self.watcher {
            WatcherKind::Native(debouncer) => debouncer.stop(),
            WatcherKind::Poll(debouncer) => debouncer.stop(),
        }
    }
}

enum WatcherKind {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.watcher {
            WatcherKind::Native(_) => "native",
            WatcherKind::Poll(_) => "poll",
        };
        f.debug_struct("Reloader").field("mode", &mode).finish()
    }
}

/// Starts watching `dir`; every reload that changes something (or is rejected) is passed to
/// `on_event`, on the watcher's thread.
/// Opening a file raises an access event, and every reload opens every file: reacting to
/// those would reload forever, several times a second. Only a change of content, names or
/// metadata (or an error, which may hide one) counts.
pub(super) fn worth_reloading(result: &DebounceEventResult) -> bool {
    result.as_ref().map_or(true, |events| events.iter().any(|event| !event.kind.is_access()))
}

pub fn watch(
    dir: &Path,
    handle: RulesHandle,
    mode: WatchMode,
    mut on_event: impl FnMut(ReloadEvent) + Send + 'static,
) -> Result<Reloader, ReloadError> {
    let reload_dir = dir.to_owned();
    let handler = move |result: DebounceEventResult| {
        if let Err(errors) = &result {
            for error in errors {
                tracing::warn!("watching {}: {error}", reload_dir.display());
            }
        }
        if !worth_reloading(&result) {
            return;
        }
        // Whatever changed, the whole directory is loaded again: one path, no partial states.
        match handle.reload(&reload_dir) {
            ReloadEvent::Unchanged { .. } => {}
            event => on_event(event),
        }
    };
    let error = |source| ReloadError::Watch { path: dir.to_owned(), source };
    let watcher = match mode {
        WatchMode::Native => {
            let mut debouncer = new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
                DEBOUNCE,
                None,
                handler,
                RecommendedCache::new(),
                notify::Config::default(),
            )
            .map_err(error)?;
            debouncer.watch(dir, RecursiveMode::Recursive).map_err(error)?;
            WatcherKind::Native(debouncer)
        }
        WatchMode::Poll(interval) => {
            let config = notify::Config::default().with_poll_interval(interval).with_compare_contents(true);
            let mut debouncer =
                new_debouncer_opt::<_, PollWatcher, NoCache>(DEBOUNCE, None, handler, NoCache, config)
                    .map_err(error)?;
            debouncer.watch(dir, RecursiveMode::Recursive).map_err(error)?;
            WatcherKind::Poll(debouncer)
        }
    };
    Ok(Reloader { watcher })
}

//! `kb_search(text)`: the rule set's knowledge base, searched from a hook.
//!
//! The engine is shared by every rule set, so the function cannot hold one knowledge base:
//! each hook call puts its own rule set's on this thread for the call's length (hook calls
//! are synchronous on the caller's thread), and `kb_search` reads it there. Outside a hook
//! call (a form's `when:` condition) the knowledge base is empty. The search is read only.

use std::cell::RefCell;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FLOAT, INT, Map};

use crate::kb::KnowledgeBase;

/// Results when the script names no number.
const DEFAULT_LIMIT: usize = 3;
/// The most results a script may ask for.
const MAX_LIMIT: usize = 20;

thread_local! {
    static KNOWLEDGE_BASE: RefCell<Option<Arc<KnowledgeBase>>> = const { RefCell::new(None) };
}

/// Runs `call` with `knowledge_base` as the one `kb_search` searches.
pub(crate) fn with_knowledge_base<T>(knowledge_base: &Arc<KnowledgeBase>, call: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<KnowledgeBase>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            KNOWLEDGE_BASE.with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = KNOWLEDGE_BASE.with(|current| current.borrow_mut().replace(Arc::clone(knowledge_base)));
    let _restore = Restore(previous);
    call()
}

/// Registers `kb_search(text)` and `kb_search(text, limit)`: an array of
/// `#{ id, title, score }`, best first.
pub(crate) fn register(engine: &mut Engine) {
    engine
        .register_fn("kb_search", |text: &str| search(text, DEFAULT_LIMIT))
        .register_fn("kb_search", |text: &str, limit: INT| {
            search(text, usize::try_from(limit).unwrap_or(0).min(MAX_LIMIT))
        });
}

fn search(text: &str, limit: usize) -> Array {
    KNOWLEDGE_BASE.with(|current| {
        let current = current.borrow();
        let Some(knowledge_base) = current.as_ref() else { return Array::new() };
        knowledge_base
            .search(text, limit)
            .into_iter()
            .map(|hit| {
                Dynamic::from_map(Map::from_iter([
                    ("id".into(), Dynamic::from(hit.article.id.clone())),
                    ("title".into(), Dynamic::from(hit.article.title.clone())),
                    ("score".into(), Dynamic::from_float(FLOAT::from(hit.score))),
                ]))
            })
            .collect()
    })
}

//! The desk loop's failure handling with an injected handler.

//! Intake tests: transcripts of whole dialogues (`> customer`, `< bot`) compared with
//! expect-test snapshots (`UPDATE_EXPECT=1 cargo test --lib intake` refreshes them), every
//! shipped and example form filled by an automatic customer, and a property test that throws
//! random input at every form.

// expect-test writes every snapshot as r#"..."#, hashes or not, and a transcript test is as
// long as the dialogue it shows.
#![allow(clippy::needless_raw_string_hashes, clippy::too_many_lines)]

mod harness;
mod transcripts;
mod refusals;
mod navigation;
mod summary;
mod conversations;
mod buttons;
mod records;
mod forms;
mod deflection;
mod props;

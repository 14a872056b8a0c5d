//! The `topicdesk` binary: parses arguments, sets up logging, hands over to the library.

use std::io::IsTerminal;

use clap::Parser;
use topicdesk::cli::{Cli, LogFormat};

/// mimalloc rather than the C library's allocator: the desk allocates and frees many small
/// short-lived values per update (decoded records, views, outbox calls), and glibc's free
/// lists cost the ingest about a tenth of its time (BENCHMARKS.md, Findings).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: never escape codes in the journal or a file.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match cli.log_format {
        LogFormat::Text => logs.init(),
        // One object per line: timestamp, level, target, `fields` (the message among them)
        // and the spans the event happened in.
        LogFormat::Json => logs.json().with_current_span(false).init(),
    }
    topicdesk::cli::run(cli)
}

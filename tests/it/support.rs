//! Helpers shared by the integration tests: a store filled with realistic tickets, and
//! running the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jiff::Timestamp;
use topicdesk::history::Actor;
use topicdesk::store::{Store, StoreError};
use topicdesk::ticket::{Answer, Change, Customer, Origin, Ticket};

pub fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + minutes * 60).expect("in range")
}

/// Writes `n` tickets in pages of 1,000: every third one answered and resolved.
pub fn fill_store(store: &Store, n: u64) {
    let mut made = 0;
    while made < n {
        let page = (n - made).min(1_000);
        store
            .write(|tx| {
                for _ in 0..page {
                    let id = tx.next_ticket_id()?;
                    let answers = BTreeMap::from([
                        (
                            "category".to_owned(),
                            Answer::Text(if id.0 % 2 == 0 { "billing" } else { "technical" }.into()),
                        ),
                        ("priority".to_owned(), Answer::Text("normal".into())),
                        (
                            "description".to_owned(),
                            Answer::Text(format!("Problem number {}, with \"quotes\", commas", id.0)),
                        ),
                    ]);
                    let customer = Customer {
                        id: 1_000 + id.0,
                        name: format!("Customer {}", id.0),
                        username: Some(format!("user{}", id.0)),
                        language: Some("en".into()),
                    };
                    let minute = id.0 as i64;
                    let (mut ticket, created) = Ticket::open(id, customer, "support", answers, at(minute));
                    let mut entries = vec![created];
                    if id.0 % 3 == 0 {
                        let agent = Origin { actor: Actor::Agent(7), rules: Some("3f2a9c1d".into()) };
                        for change in [
                            Change::Assign { to: Some(7) },
                            Change::AgentReply { text: "On it".into() },
                            Change::Resolve,
                        ] {
                            entries.extend(ticket.apply(change, &agent, at(minute + 5)).expect("legal"));
                        }
                    }
                    tx.save_ticket(&ticket)?;
                    tx.append_history(id, &entries)?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("fill store");
        made += page;
    }
}

pub fn topicdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run topicdesk")
}

pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every `.rs` file under `dir`, into `found`.
pub fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

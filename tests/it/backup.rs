//! `topicdesk backup`: copies taken from the real `topicdesk run` binary's store while
//! customers' messages flow through it are each one committed snapshot (every ticket's
//! history a prefix of what the desk went on to write), a copy taken once the desk is quiet
//! exports exactly what the live store exports, and that copy restored as the README says
//! runs the desk again. A damaged, missing or foreign source, an existing output and the
//! data file itself as the output are refused, leaving every file as it was.

use std::path::Path;
use std::time::Duration;

use topicdesk::history::Entry;
use topicdesk::store::{FILE_NAME, Store, data_file};
use topicdesk::ticket::TicketId;

use crate::e2e::harness::{Desk, Setup, relayed, topic_of, wait};
use crate::support::{fill_store, path_arg, stderr, stdout, topicdesk};

const CUSTOMERS: usize = 5;
const MESSAGES: usize = 60;

/// Every ticket's history in the store at `path`, and its update offset.
fn histories(path: &Path) -> (Vec<(TicketId, Vec<Entry>)>, Option<i64>) {
    let store = Store::open_read_only(path).expect("the store opens");
    let read = store.read().expect("read");
    let mut ids = Vec::new();
    read.for_each_ticket(|ticket| {
        ids.push(ticket.id);
        Ok::<_, topicdesk::store::StoreError>(())
    })
    .expect("tickets");
    let histories = ids.into_iter().map(|id| (id, read.history(id).expect("history"))).collect();
    (histories, read.update_offset().expect("offset"))
}

async fn backup(data: &Path, output: &Path) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["backup", "--data", path_arg(data), "--output", path_arg(output)])
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run topicdesk backup")
}

fn export(data: &Path) -> String {
    let output = topicdesk(&["tickets", "export", "--data", path_arg(data)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
}

fn copies_in_topics(world: &topicdesk::fakegram::World, desk: &Desk) -> usize {
    desk.customers.iter().map(|c| relayed(world, c).len()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_of_a_running_desk_are_snapshots_and_restore_to_a_working_desk() {
    let desk = Desk::prepare(Setup { customers: CUSTOMERS, budget_scale: None }).await;
    let log = desk.options.data.with_file_name("topicdesk.log");
    let start = |desk: &Desk| {
        let log = std::fs::File::options().create(true).append(true).open(&log).expect("log file");
        desk.run_command(&[]).env("RUST_LOG", "warn").stderr(log).spawn().expect("start topicdesk run")
    };
    let mut host = start(&desk);
    desk.open_all_tickets().await;

    for n in 0..MESSAGES {
        for customer in &desk.customers {
            customer.send_numbered(&desk.fake, n..n + 1);
        }
    }
    let total = CUSTOMERS * MESSAGES;
    wait(&desk.fake, "copies arriving", |world| copies_in_topics(world, &desk) > 0).await;
    // Back up again and again while the copies are on their way.
    let mut during = Vec::new();
    loop {
        let before = desk.fake.inspect(|world| copies_in_topics(world, &desk));
        if before >= total {
            break;
        }
        let file = desk.options.data.with_file_name(format!("during-{}.redb", during.len()));
        let output = backup(&desk.options.data, &file).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stdout(&output).starts_with(&format!("backed up {CUSTOMERS} tickets (")),
            "{}",
            stdout(&output)
        );
        during.push(file);
    }
    assert!(!during.is_empty(), "no backup was taken while the messages flowed");
    desk.wait_counted(MESSAGES, 0).await;
    desk.wait_store("the outbox emptied", |read| read.outbox(1).is_ok_and(|left| left.is_empty())).await;

    // Quiet, still running: the copy exports what the live store exports.
    let quiet = desk.options.data.with_file_name("quiet.redb");
    let output = backup(&desk.options.data, &quiet).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let live_export = export(&desk.options.data);
    assert_eq!(export(&quiet), live_export);
    assert_eq!(live_export.lines().count(), CUSTOMERS);

    // Each copy taken during the flow is a state the desk passed through: every ticket's
    // history a prefix of the final one, the update offset not past the final one.
    let (live, live_offset) = histories(&data_file(&desk.options.data));
    let mut behind = 0;
    for file in &during {
        let (copied, offset) = histories(file);
        assert_eq!(copied.len(), live.len(), "{} holds every ticket", file.display());
        assert!(offset <= live_offset, "{}: offset {offset:?} past {live_offset:?}", file.display());
        for ((id, history), (live_id, live_history)) in copied.iter().zip(&live) {
            assert_eq!(id, live_id);
            assert!(
                live_history.starts_with(history),
                "{}: {id}'s history is not a prefix of the live one",
                file.display()
            );
            behind += live_history.len() - history.len();
        }
    }
    assert!(behind > 0, "every copy taken during the flow equals the end state: nothing flowed");
    println!("backup: {} copies taken while {total} messages flowed", during.len());

    // Restore as the README says: stop the service, put the backup in place, start.
    let pid = host.id().expect("the host runs").to_string();
    let signal = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signal.success(), "kill -TERM {pid}");
    let status =
        tokio::time::timeout(Duration::from_mins(1), host.wait()).await.expect("stops").expect("wait");
    assert_eq!(status.code(), Some(0));
    let live_file = data_file(&desk.options.data);
    std::fs::rename(&live_file, live_file.with_extension("redb.old")).expect("move the live file aside");
    std::fs::copy(&quiet, &live_file).expect("restore the backup");
    assert_eq!(export(&desk.options.data), live_export);
    let mut host = start(&desk);
    let customer = &desk.customers[0];
    customer.send_numbered(&desk.fake, MESSAGES..MESSAGES + 1);
    wait(&desk.fake, "a message relayed by the restored desk", |world| {
        topic_of(world, customer).is_some() && relayed(world, customer).contains(&MESSAGES)
    })
    .await;
    host.kill().await.expect("stop the restored host");
}

/// A store of `n` generated tickets in a fresh directory.
fn store_with(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join(FILE_NAME)).expect("open store");
    fill_store(&store, n);
    dir
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_damaged_source_is_refused_and_left_as_it_was() {
    for damaged_at in [4_096, 16_384] {
        let dir = store_with(300);
        let file = dir.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&file).expect("read");
        bytes[damaged_at..damaged_at + 4_096].fill(0x5A);
        std::fs::write(&file, &bytes).expect("write");
        let out = tempfile::tempdir().expect("temp dir");
        let backup = out.path().join("backup.redb");
        let output = topicdesk(&["backup", "--data", path_arg(dir.path()), "--output", path_arg(&backup)]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "damage at {damaged_at}: {message}");
        assert_eq!(message.lines().count(), 1, "one line: {message}");
        assert!(message.starts_with(&format!("error: {} is damaged", file.display())), "{message}");
        assert_eq!(stdout(&output), "");
        assert!(std::fs::read(&file).expect("kept") == bytes, "the source is left untouched");
        assert_eq!(names_in(out.path()), Vec::<String>::new(), "no backup and no partial file");
    }
}

#[test]
fn a_backup_opens_and_exports_like_its_source() {
    let dir = store_with(2_000);
    let out = tempfile::tempdir().expect("temp dir");
    let backup = out.path().join("backup.redb");
    let output = topicdesk(&["backup", "--data", path_arg(dir.path()), "--output", path_arg(&backup)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("backed up 2000 tickets ("), "{}", stdout(&output));
    assert_eq!(export(&backup), export(dir.path()));
    for (source, copy) in histories(&dir.path().join(FILE_NAME)).0.iter().zip(&histories(&backup).0) {
        assert_eq!(source, copy);
    }
    // The copy is the owner's alone, and the desk opens it for writing.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).expect("backup").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(Store::open(&backup).expect("the desk opens the copy"));
    assert_eq!(names_in(out.path()), ["backup.redb"]);
}

#[test]
fn refusals_name_the_problem_and_change_nothing() {
    let dir = store_with(3);
    let data = path_arg(dir.path());
    let out = tempfile::tempdir().expect("temp dir");
    let existing = out.path().join("existing.redb");
    std::fs::write(&existing, b"an older backup").expect("write");
    let source = dir.path().join(FILE_NAME);
    let source_bytes = std::fs::read(&source).expect("read");
    let run = |args: &[&str]| {
        let output = topicdesk(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", stderr(&output));
        stderr(&output).replace(path_arg(out.path()), "OUT").replace(data, "DATA")
    };
    expect_test::expect![[r#"
        error: OUT/existing.redb already exists; pass --force to replace it
    "#]]
    .assert_eq(&run(&["backup", "--data", data, "--output", path_arg(&existing)]));
    expect_test::expect![[r#"
        error: DATA/topicdesk.redb is the data file itself; a backup goes to another file
    "#]]
    .assert_eq(&run(&["backup", "--data", data, "--output", path_arg(&source), "--force"]));
    expect_test::expect![[r#"
        error: OUT is a directory; name the backup file, like OUT/topicdesk-backup.redb
    "#]]
    .assert_eq(&run(&["backup", "--data", data, "--output", path_arg(out.path())]));
    let nowhere = out.path().join("nowhere").join("b.redb");
    expect_test::expect![[r#"
        error: cannot write the backup OUT/nowhere/b.redb: the directory OUT/nowhere does not exist
    "#]]
    .assert_eq(&run(&["backup", "--data", data, "--output", path_arg(&nowhere)]));
    let missing = out.path().join("missing");
    expect_test::expect![[r#"
        error: OUT/missing/topicdesk.redb does not exist
    "#]]
    .assert_eq(&run(&[
        "backup",
        "--data",
        path_arg(&missing),
        "--output",
        path_arg(&out.path().join("b.redb")),
    ]));
    let foreign = out.path().join("foreign.redb");
    std::fs::write(&foreign, b"PK\x03\x04 a zip file").expect("write");
    expect_test::expect![[r#"
        error: OUT/foreign.redb is not a topicdesk data file (it is not a redb database); refusing to touch it
    "#]]
    .assert_eq(&run(&[
        "backup",
        "--data",
        path_arg(&foreign),
        "--output",
        path_arg(&out.path().join("b.redb")),
    ]));
    assert_eq!(std::fs::read(&existing).expect("kept"), b"an older backup");
    assert!(std::fs::read(&source).expect("kept") == source_bytes);
    assert_eq!(names_in(out.path()), ["existing.redb", "foreign.redb"]);

    // --force replaces an older backup.
    let output = topicdesk(&["backup", "--data", data, "--output", path_arg(&existing), "--force"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(export(&existing), export(dir.path()));
}

/// A disk that fills during the copy (a file-size limit below the copy's size, SIGXFSZ
/// ignored so that the write fails instead of killing the process) is the backup's error,
/// named as such, and leaves no partial file behind.
#[test]
fn a_full_disk_during_the_copy_leaves_no_partial_file() {
    let dir = store_with(2_000);
    let source = dir.path().join(FILE_NAME);
    let source_bytes = std::fs::read(&source).expect("read");
    let out = tempfile::tempdir().expect("temp dir");
    let backup = out.path().join("backup.redb");
    // `ulimit -f` counts 1,024-byte blocks: a quarter of the source's size.
    let blocks = source_bytes.len() / 1_024 / 4;
    let output = std::process::Command::new("sh")
        .args(["-c", &format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\"")])
        .arg(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["backup", "--data", path_arg(dir.path()), "--output", path_arg(&backup)])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run topicdesk backup");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(
        message.starts_with(&format!("error: cannot write the backup {}: ", backup.display())),
        "{message}"
    );
    assert_eq!(names_in(out.path()), Vec::<String>::new(), "no backup and no partial file");
    assert!(std::fs::read(&source).expect("kept") == source_bytes, "the source is left untouched");
}

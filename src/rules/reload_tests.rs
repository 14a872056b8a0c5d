//! Hot reload against a real directory: edits, syntax errors, atomic saves, delete-then-create.

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{ReloadEvent, RulesHandle, WatchMode, load, watch};
use crate::script::{RoundRobin, RouteDecision, TicketView};

const TEAM: &str = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n  - { id: 2, name: Ben }\n  - { id: 3, name: Cy }\n";
const FORM: &str = "id: support\nfields:\n  - { id: details, prompt: Details?, type: text }\n";

fn route_to(id: i64) -> String {
    format!("// routing\nfn route(ticket, team) {{\n    {id}\n}}\n")
}

fn rules_dir(route: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("forms")).expect("forms dir");
    fs::write(dir.path().join("desk.yaml"), "timezone: UTC\n").expect("write");
    fs::write(dir.path().join("team.yaml"), TEAM).expect("write");
    fs::write(dir.path().join("forms/support.yaml"), FORM).expect("write");
    fs::write(dir.path().join("routing.rhai"), route).expect("write");
    dir
}

fn decision(handle: &RulesHandle) -> RouteDecision {
    let set = handle.current();
    let team = set.team().view(|_| crate::rules::AgentState { load: 0, online: true });
    set.scripts().route(&TicketView::default(), &team, RoundRobin::default()).value.decision
}

/// Waits (on reload events, never a bare sleep) until the running set routes to `expected`.
#[track_caller]
fn wait_for(handle: &RulesHandle, events: &mpsc::Receiver<ReloadEvent>, expected: RouteDecision) -> Duration {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(1);
    while decision(handle) != expected {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "still routing to {} after 1 s", decision(handle));
        let _ = events.recv_timeout(left);
    }
    started.elapsed()
}

fn start(mode: WatchMode) -> (tempfile::TempDir, RulesHandle, mpsc::Receiver<ReloadEvent>, super::Reloader) {
    let dir = rules_dir(&route_to(1));
    let (set, diagnostics) = load(dir.path());
    let handle = RulesHandle::new(set.unwrap_or_else(|| panic!("valid: {diagnostics:?}")));
    let (sender, events) = mpsc::channel();
    let reloader = watch(dir.path(), handle.clone(), mode, move |event| {
        let _ = sender.send(event);
    })
    .expect("watching starts");
    assert_eq!(decision(&handle), RouteDecision::Agent(1));
    (dir, handle, events, reloader)
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).expect("write");
}

#[test]
fn edits_errors_and_fixes_are_picked_up() {
    let (dir, handle, events, reloader) = start(WatchMode::Native);
    let first_version = handle.current().version();

    write(dir.path(), "routing.rhai", &route_to(2));
    let took = wait_for(&handle, &events, RouteDecision::Agent(2));
    assert!(took < Duration::from_secs(1), "edit picked up after {took:?}");
    assert_ne!(handle.current().version(), first_version);

    write(dir.path(), "routing.rhai", "fn route(ticket, team) {\n    let = 3;\n}\n");
    let rejected = loop {
        if let ReloadEvent::Rejected { diagnostics, .. } =
            events.recv_timeout(Duration::from_secs(1)).expect("a reload event within 1 s")
        {
            break diagnostics;
        }
    };
    let messages: Vec<String> = rejected.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.ends_with("routing.rhai:2:9: syntax error: expecting name of a variable")),
        "{messages:?}"
    );
    assert_eq!(decision(&handle), RouteDecision::Agent(2), "the old version keeps deciding");

    write(dir.path(), "routing.rhai", &route_to(3));
    wait_for(&handle, &events, RouteDecision::Agent(3));
    reloader.stop();
}

#[test]
fn atomic_save_and_delete_then_create_trigger_reload() {
    let (dir, handle, events, reloader) = start(WatchMode::Native);

    // An editor's atomic save: write a temporary file, rename it over the original.
    write(dir.path(), ".routing.rhai.swp", &route_to(2));
    fs::rename(dir.path().join(".routing.rhai.swp"), dir.path().join("routing.rhai")).expect("rename");
    wait_for(&handle, &events, RouteDecision::Agent(2));

    fs::remove_file(dir.path().join("routing.rhai")).expect("delete");
    write(dir.path(), "routing.rhai", &route_to(3));
    wait_for(&handle, &events, RouteDecision::Agent(3));
    reloader.stop();
}

#[test]
fn poll_watcher_fallback_reloads_too() {
    let (dir, handle, events, reloader) = start(WatchMode::Poll(Duration::from_millis(50)));
    write(dir.path(), "routing.rhai", &route_to(3));
    wait_for(&handle, &events, RouteDecision::Agent(3));
    reloader.stop();
}

/// Regression: deleting the rules directory and creating it again (as some editors and deploy
/// tools do) stopped hot reload for good: the recursive watch went with the old directory.
#[test]
fn replaced_rules_directory_keeps_reloading() {
    for mode in [WatchMode::Native, WatchMode::Poll(Duration::from_millis(50))] {
        let (dir, handle, events, reloader) = start(mode);
        let replacement = rules_dir(&route_to(2));
        fs::remove_dir_all(dir.path()).expect("delete the rules directory");
        copy_dir(replacement.path(), dir.path());
        wait_for(&handle, &events, RouteDecision::Agent(2));
        // The watch on the new directory works for edits inside it too.
        write(dir.path(), "routing.rhai", &route_to(3));
        wait_for(&handle, &events, RouteDecision::Agent(3));
        reloader.stop();
    }
}

/// Deploy tools often switch releases by swapping a symlink: `rules -> release-2` renamed over
/// `rules -> release-1`. The new release is loaded, and edits inside it are picked up.
#[test]
fn swapped_rules_symlink_keeps_reloading() {
    let root = tempfile::tempdir().expect("temp dir");
    let first = rules_dir(&route_to(1));
    let second = rules_dir(&route_to(2));
    let link = root.path().join("rules");
    std::os::unix::fs::symlink(first.path(), &link).expect("symlink");
    let (set, diagnostics) = load(&link);
    let handle = RulesHandle::new(set.unwrap_or_else(|| panic!("valid: {diagnostics:?}")));
    let (sender, events) = mpsc::channel();
    let reloader = watch(&link, handle.clone(), WatchMode::Native, move |event| {
        let _ = sender.send(event);
    })
    .expect("watching starts");
    let next = root.path().join("rules.next");
    std::os::unix::fs::symlink(second.path(), &next).expect("symlink");
    fs::rename(&next, &link).expect("swap the link");
    wait_for(&handle, &events, RouteDecision::Agent(2));
    write(second.path(), "routing.rhai", &route_to(3));
    wait_for(&handle, &events, RouteDecision::Agent(3));
    reloader.stop();
}

/// Regression: a larger alias bomb blocked every later reload, the watcher's thread busy
/// expanding it. It is refused at once, and the next valid edit is picked up.
#[test]
fn larger_alias_bomb_does_not_block_a_later_valid_reload() {
    let (dir, handle, events, reloader) = start(WatchMode::Native);
    write(dir.path(), "forms/bomb.yaml", &super::yaml::tests::alias_bomb(9));
    let rejected = loop {
        if let ReloadEvent::Rejected { diagnostics, .. } =
            events.recv_timeout(Duration::from_secs(2)).expect("a reload event within 2 s")
        {
            break diagnostics;
        }
    };
    let messages: Vec<String> = rejected.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.ends_with(
            "forms/bomb.yaml:7:35: this yaml alias expands the document past 4 MB; write the repeated values out or repeat less"
        )),
        "{messages:?}"
    );
    assert_eq!(messages.len(), 1, "refused before schema and serde see it: {messages:?}");
    fs::remove_file(dir.path().join("forms/bomb.yaml")).expect("delete");
    write(dir.path(), "routing.rhai", &route_to(2));
    wait_for(&handle, &events, RouteDecision::Agent(2));
    reloader.stop();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir(to).expect("create");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn reading_the_rules_is_no_reason_to_reload_them() {
    use notify::event::{AccessKind, AccessMode, DataChange, Event, EventKind, ModifyKind};
    use notify_debouncer_full::DebouncedEvent;
    let dir = Path::new("/srv/desk/rules");
    let event = |kind, path: &str| {
        DebouncedEvent::new(Event::new(kind).add_path(path.into()), std::time::Instant::now())
    };
    let opened = event(EventKind::Access(AccessKind::Open(AccessMode::Any)), "/srv/desk/rules/desk.yaml");
    let closed = event(EventKind::Access(AccessKind::Close(AccessMode::Read)), "/srv/desk/rules/desk.yaml");
    let written =
        event(EventKind::Modify(ModifyKind::Data(DataChange::Content)), "/srv/desk/rules/desk.yaml");
    assert!(
        !super::reload::worth_reloading(&Ok(vec![opened.clone(), closed.clone()]), dir),
        "our own reload reads every file"
    );
    assert!(super::reload::worth_reloading(&Ok(vec![opened, written, closed]), dir));
    assert!(super::reload::worth_reloading(&Err(Vec::new()), dir));
    // The parent is watched to see the directory replaced, not for its other entries.
    let sibling = event(EventKind::Modify(ModifyKind::Data(DataChange::Content)), "/srv/desk/rules.bak");
    assert!(!super::reload::worth_reloading(&Ok(vec![sibling]), dir));
    let created = event(EventKind::Create(notify::event::CreateKind::Folder), "/srv/desk/rules");
    assert!(super::reload::worth_reloading(&Ok(vec![created]), dir));
}

/// The knowledge base reloads with the rules: a new article in a new `kb/` directory is
/// found, a broken one leaves the running articles in place.
#[test]
fn articles_added_and_broken_in_kb_reload_with_the_rules() {
    let (dir, handle, events, reloader) = start(WatchMode::Native);
    let found = |handle: &RulesHandle| {
        let set = handle.current();
        set.knowledge_base().search("refund", 3).iter().map(|hit| hit.article.id.clone()).collect::<Vec<_>>()
    };
    assert!(found(&handle).is_empty());
    fs::create_dir(dir.path().join("kb")).expect("kb dir");
    write(dir.path(), "kb/refunds.md", "---\ntitle: Refunds\n---\nMoney back within 14 days.\n");
    let deadline = Instant::now() + Duration::from_secs(2);
    while found(&handle).is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the new article was not picked up within 2 s");
        let _ = events.recv_timeout(left);
    }
    assert_eq!(found(&handle), ["refunds"]);

    write(dir.path(), "kb/broken.md", "---\ntitle: Refund forms\n");
    let rejected = loop {
        if let ReloadEvent::Rejected { diagnostics, .. } =
            events.recv_timeout(Duration::from_secs(2)).expect("a reload event within 2 s")
        {
            break diagnostics;
        }
    };
    assert!(rejected.iter().any(|d| d.path.ends_with("kb/broken.md")), "{rejected:?}");
    assert_eq!(found(&handle), ["refunds"], "the running articles stay");
    reloader.stop();
}

//! The files in `packaging/`: `systemd-analyze verify` accepts every unit with nothing to
//! say (it exits 0 even on an unknown key, so any word from it fails the test), and
//! `systemd-analyze security` rates the services' exposure low. The units are checked in a
//! throwaway root holding systemd's own units and the programs they run (the built
//! `topicdesk` in /usr/local/bin), so nothing needs installing on the machine itself. The
//! command lines the service and the container recipe start are parsed by the binary, and
//! the system calls `topicdesk demo` and `topicdesk backup` make (traced with strace) are
//! all ones the service's `SystemCallFilter=` allows.
//!
//! Where `systemd-analyze` is missing, the test installs Debian's `systemd` package when it
//! runs as root with apt; otherwise it fails saying so: it never passes without checking.

use std::path::{Path, PathBuf};
use std::process::Command;

const UNITS: [&str; 3] = ["topicdesk.service", "topicdesk-backup.service", "topicdesk-backup.timer"];
/// The highest exposure `systemd-analyze security` may give a service (0 safe, 10 exposed).
const MAX_EXPOSURE: f64 = 2.0;

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging")
}

/// `systemd-analyze`, installed first when missing and possible.
fn systemd_analyze() -> PathBuf {
    let found = |path: &str| Path::new(path).is_file().then(|| PathBuf::from(path));
    if let Some(path) = found("/usr/bin/systemd-analyze").or_else(|| found("/bin/systemd-analyze")) {
        return path;
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    assert!(
        root && Path::new("/usr/bin/apt-get").exists(),
        "systemd-analyze is missing and cannot be installed here (needs root and apt-get): \
         install Debian's `systemd` package to check packaging/*.service"
    );
    let status = Command::new("sh")
        .args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd"])
        .status()
        .expect("run apt-get");
    assert!(status.success(), "installing systemd for systemd-analyze failed: {status}");
    found("/usr/bin/systemd-analyze").expect("the systemd package installs /usr/bin/systemd-analyze")
}

/// A root with systemd's units, the programs `units` start, and `units` in /etc.
fn root_with(units: &[(&str, String)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(root.path().join("usr/lib/systemd")).expect("mkdir");
    let copied = Command::new("cp")
        .args(["-r", "/usr/lib/systemd/system"])
        .arg(root.path().join("usr/lib/systemd/system"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(copied, "copy systemd's units");
    let etc = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&etc).expect("mkdir");
    for (name, text) in units {
        std::fs::write(etc.join(name), text).expect("write unit");
        for program in programs(text) {
            let source = if program == "/usr/local/bin/topicdesk" {
                PathBuf::from(env!("CARGO_BIN_EXE_topicdesk"))
            } else {
                PathBuf::from(&program)
            };
            let target = root.path().join(program.trim_start_matches('/'));
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
            std::fs::copy(&source, &target).unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
        }
    }
    root
}

/// The programs a unit's Exec lines start.
fn programs(unit: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|line| line.strip_prefix("Exec")?.split_once('=').map(|(_, command)| command))
        .filter_map(|command| command.trim_start_matches(['-', '+', '@', '!', ':']).split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn verify(analyze: &Path, root: &Path, units: &[&str]) -> (bool, String) {
    let output = Command::new(analyze)
        .arg("verify")
        .arg(format!("--root={}", root.display()))
        .args(units)
        .output()
        .expect("run systemd-analyze verify");
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn systemd_analyze_verifies_the_units() {
    let analyze = systemd_analyze();
    let units: Vec<(&str, String)> = UNITS
        .iter()
        .map(|name| (*name, std::fs::read_to_string(packaging().join(name)).expect("read the unit")))
        .collect();
    let root = root_with(&units);
    let (ok, said) = verify(&analyze, root.path(), &UNITS);
    assert!(ok && said.is_empty(), "systemd-analyze verify packaging/*: {said}");

    // The check can fail: a mistyped key or value is reported.
    let (_, service) = &units[0];
    let broken = service
        .replace("ProtectHome=yes", "ProtectHome=yes\nProtectHomes=yes\nRestrictAddressFamilies=AF_INETT");
    let root = root_with(&[("topicdesk.service", broken)]);
    let (_, said) = verify(&analyze, root.path(), &["topicdesk.service"]);
    assert!(said.contains("ProtectHomes") && said.contains("AF_INETT"), "{said}");

    let root = root_with(&units);
    for service in UNITS.iter().filter(|name| name.ends_with(".service")) {
        let output = Command::new(&analyze)
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(format!("--root={}", root.path().display()))
            .arg(service)
            .output()
            .expect("run systemd-analyze security");
        let text = String::from_utf8_lossy(&output.stdout);
        let exposure: f64 = text
            .lines()
            .find_map(|line| {
                line.split_once("Overall exposure level for ")?
                    .1
                    .split_once(": ")?
                    .1
                    .split(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no exposure level for {service}: {text}"));
        assert!(exposure <= MAX_EXPOSURE, "{service}: exposure {exposure} > {MAX_EXPOSURE}:\n{text}");
        println!("systemd-analyze security {service}: exposure {exposure}");
    }
}

/// The command lines the recipes start are ones this build accepts: each is parsed by the
/// binary itself (`--help` after them stops it there, exit 0; a mistyped flag exits 2).
#[test]
fn the_recipes_command_lines_parse() {
    let binary = env!("CARGO_BIN_EXE_topicdesk");
    let service = std::fs::read_to_string(packaging().join("topicdesk.service")).expect("read");
    let exec_start = service.lines().find_map(|line| line.strip_prefix("ExecStart=")).expect("ExecStart");
    let service_args: Vec<String> = exec_start.split_whitespace().skip(1).map(str::to_owned).collect();
    assert_eq!(exec_start.split_whitespace().next(), Some("/usr/local/bin/topicdesk"));

    let containerfile = std::fs::read_to_string(packaging().join("Containerfile")).expect("read");
    let json_line = |prefix: &str| -> Vec<String> {
        let line = containerfile.lines().find_map(|line| line.strip_prefix(prefix)).expect(prefix);
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{prefix}{line}: {e}"))
    };
    assert_eq!(json_line("ENTRYPOINT "), ["/usr/local/bin/topicdesk"]);
    let container_args = json_line("CMD ");

    for args in [&service_args, &container_args] {
        let output = Command::new(binary).args(args).arg("--help").output().expect("run topicdesk");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        let mut wrong = args.clone();
        wrong.push("--no-such-flag".into());
        let output = Command::new(binary).args(&wrong).output().expect("run topicdesk");
        assert_eq!(output.status.code(), Some(2), "{wrong:?} is refused");
    }
}

/// Installs Debian's `package` for `program` when it is missing (as root with apt), or
/// fails saying why: a check is never skipped in silence.
fn installed(program: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(format!("/usr/bin/{program}"));
    if path.is_file() {
        return path;
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    assert!(
        root && Path::new("/usr/bin/apt-get").exists(),
        "{program} is missing and cannot be installed here (needs root and apt-get): install Debian's `{package}`"
    );
    let script =
        format!("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package}");
    let status = Command::new("sh").args(["-c", &script]).status().expect("run apt-get");
    assert!(status.success() && path.is_file(), "installing {package} for {program} failed: {status}");
    path
}

/// The system calls of each group `systemd-analyze syscall-filter` knows, groups expanded.
fn syscall_groups(analyze: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let output = Command::new(analyze).args(["syscall-filter", "--no-pager"]).output().expect("run");
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    let mut current = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let item = line.trim();
        if item.is_empty() || item.starts_with('#') {
            continue;
        }
        if line.starts_with('@') {
            current = Some(item.to_owned());
            groups.insert(item.to_owned(), Vec::new());
        } else if let Some(group) = &current {
            groups.get_mut(group).expect("inserted").push(item.to_owned());
        }
    }
    groups
}

fn expand(
    groups: &std::collections::BTreeMap<String, Vec<String>>,
    name: &str,
    into: &mut std::collections::BTreeSet<String>,
) {
    if !name.starts_with('@') {
        into.insert(name.to_owned());
        return;
    }
    for member in groups.get(name).unwrap_or_else(|| panic!("no system call group {name}")) {
        if member != name {
            expand(groups, member, into);
        }
    }
}

/// The desk under the service's system call filter: `topicdesk demo` (the real host and
/// store against the built-in Telegram stand-in) and `topicdesk backup`, traced with strace,
/// call nothing the unit's `SystemCallFilter=` lines leave out, which would fail with EPERM
/// under systemd.
#[test]
fn the_desk_calls_only_what_the_service_allows() {
    let analyze = systemd_analyze();
    let strace = installed("strace", "strace");
    let groups = syscall_groups(&analyze);
    let service = std::fs::read_to_string(packaging().join("topicdesk.service")).expect("read");
    let (mut allowed, mut denied) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
    for filter in service.lines().filter_map(|line| line.strip_prefix("SystemCallFilter=")) {
        match filter.strip_prefix('~') {
            Some(deny) => deny.split_whitespace().for_each(|name| expand(&groups, name, &mut denied)),
            None => filter.split_whitespace().for_each(|name| expand(&groups, name, &mut allowed)),
        }
    }
    assert!(!allowed.is_empty(), "the unit names the system calls it allows");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("demo");
    let backup = dir.path().join("backup.redb");
    let binary = env!("CARGO_BIN_EXE_topicdesk");
    let mut used = std::collections::BTreeSet::new();
    for (n, args) in [
        vec!["demo", "--data", data.to_str().expect("utf-8")],
        vec!["backup", "--data", data.to_str().expect("utf-8"), "--output", backup.to_str().expect("utf-8")],
    ]
    .into_iter()
    .enumerate()
    {
        let trace = dir.path().join(format!("trace-{n}"));
        let status = Command::new(&strace)
            .args(["-f", "-qq", "-o"])
            .arg(&trace)
            .arg(binary)
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run strace");
        assert!(status.success(), "topicdesk {args:?} under strace: {status}");
        for line in std::fs::read_to_string(&trace).expect("the trace").lines() {
            // `1234  openat(AT_FDCWD, ...` or `1234  <... openat resumed>...`
            let call = line.split_once(char::is_whitespace).map_or(line, |(_, rest)| rest.trim_start());
            let call = call.strip_prefix("<... ").unwrap_or(call);
            let name: String = call.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && call[name.len()..].starts_with(['(', ' ']) {
                used.insert(name);
            }
        }
    }
    // The trace was read: the store opens files and makes its commits durable.
    assert!(used.contains("openat") && (used.contains("fsync") || used.contains("fdatasync")), "{used:?}");
    let refused: Vec<&String> =
        used.iter().filter(|call| !allowed.contains(*call) || denied.contains(*call)).collect();
    assert!(refused.is_empty(), "calls the service's filter refuses: {refused:?} (of {used:?})");
    println!("topicdesk demo and backup: {} system calls, all allowed by topicdesk.service", used.len());
}

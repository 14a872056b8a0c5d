//! The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed here
//! with apt-get when missing) against the real `topicdesk run` on the fake Bot API, with
//! four tickets: Dana's (supervisor), Eli's (agent) and two unassigned.
//!
//! Each page is opened the way Telegram opens a Mini App: the address with init data the fake
//! signed with the bot's token in the fragment; the page's script trades it for a session
//! cookie and goes on to the page asked for (`?next=`). Chromium's `--dump-dom` gives the
//! DOM after the scripts ran, `--screenshot` a phone-sized picture
//! (`target/dashboard-screenshots/*.png`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tokio::task::JoinSet;
use topicdesk::audit::{Action, Actor, Surface};
use topicdesk::fakegram::{Draft, FakeHandle, MemberRole, UserSpec};
use topicdesk::store::{Store, data_file};
use topicdesk::ticket::TicketId;

use crate::e2e::harness::{DANA, Desk, PATIENCE, STAFF, Setup};

const ELI: u64 = 222_222_222;
const STRANGER: u64 = 555_555_555;
const CHROMIUM: &str = "/usr/bin/chromium";

const TEAM: &str = "agents:\n  - { id: 111111111, name: Dana, role: supervisor, capacity: 10 }\n  - { id: 222222222, name: Eli, capacity: 8 }\n";

/// Chromium from the distribution, installed when missing (CI runs as root).
fn chromium() -> &'static Path {
    static READY: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    READY.get_or_init(|| {
        if Path::new(CHROMIUM).exists() {
            return;
        }
        let install = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium";
        let status = Command::new("sh").args(["-c", install]).status();
        assert!(
            status.is_ok_and(|status| status.success()) && Path::new(CHROMIUM).exists(),
            "the dashboard test needs Debian's chromium at {CHROMIUM}, and `{install}` did not install it \
             (run it as root, or install chromium by hand)"
        );
    });
    Path::new(CHROMIUM)
}

/// Chromium, headless, with a profile of its own that nothing else uses.
fn browser(profile: &Path) -> Command {
    let mut command = Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// The DOM of `url` once its scripts ran and its redirects were followed.
fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().expect("a browser profile");
    let output = browser(profile.path()).arg("--dump-dom").arg(url).output().expect("run chromium");
    assert!(output.status.success(), "chromium failed on {url}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A phone-sized screenshot of `url` into `target/dashboard-screenshots/<name>.png`.
fn screenshot(url: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    let path = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    let profile = tempfile::tempdir().expect("a browser profile");
    let status = browser(profile.path())
        .arg(format!("--screenshot={}", path.display()))
        .arg("--window-size=390,844")
        .arg("--hide-scrollbars")
        .arg(url)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run chromium");
    assert!(status.success() && path.exists(), "no screenshot of {url}");
    path
}

/// What Telegram opens for `user`: the dashboard with signed init data in the fragment, going
/// on to `page` once signed in.
fn mini_app(addr: SocketAddr, page: &str, init_data: &str) -> String {
    FakeHandle::web_app_url(&format!("http://{addr}/dashboard?next=/dashboard/{page}"), init_data)
}

/// The tickets by whose they are: (Dana's, Eli's, unassigned), from the store.
fn tickets_by_assignee(data: &Path) -> (Vec<TicketId>, Vec<TicketId>, Vec<TicketId>) {
    let store = Store::open_read_only(&data_file(data)).expect("open the store beside the host");
    let read = store.read().expect("read");
    let mut split = (Vec::new(), Vec::new(), Vec::new());
    for id in 1..=4 {
        let ticket = read.ticket(TicketId(id)).expect("read a ticket").expect("four tickets");
        match ticket.assignee {
            Some(DANA) => split.0.push(ticket.id),
            Some(ELI) => split.1.push(ticket.id),
            None => split.2.push(ticket.id),
            Some(other) => panic!("{} went to {other}", ticket.id),
        }
    }
    split
}

/// Loads every url at once (a few browsers side by side), giving each DOM in order.
async fn dump_all(urls: Vec<String>) -> Vec<String> {
    let mut loads = JoinSet::new();
    for (index, url) in urls.into_iter().enumerate() {
        loads.spawn_blocking(move || (index, dump_dom(&url)));
    }
    let mut doms = vec![String::new(); loads.len()];
    while let Some(done) = loads.join_next().await {
        let (index, dom) = done.expect("a browser load panicked");
        doms[index] = dom;
    }
    doms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One desk, every role and refusal against it, read top to bottom.
async fn every_page_loads_in_chromium_for_the_roles_that_may_see_it() {
    chromium();
    let desk = Desk::prepare(Setup { customers: 4, budget_scale: None }).await;
    let rules = &desk.options.rules;
    std::fs::write(rules.join("team.yaml"), TEAM).expect("team.yaml");
    // The shipped scenarios name the shipped team's other agents.
    std::fs::remove_dir_all(rules.join("tests")).expect("no scenarios");
    // Every ticket stays in the queue until someone answers it.
    std::fs::write(rules.join("routing.rhai"), "fn route(ticket, team) { () }\n").expect("routing");
    let mut desk_yaml = std::fs::read_to_string(rules.join("desk.yaml")).expect("desk.yaml");
    desk_yaml.push_str("http:\n  public_url: https://desk.example.test\n");
    std::fs::write(rules.join("desk.yaml"), desk_yaml).expect("desk.yaml");
    for (id, name) in [(ELI, "Eli"), (STRANGER, "Mallory")] {
        desk.fake.add_user(UserSpec::new(id, name).language_code("en")).expect("a person");
    }
    desk.fake.set_member(STAFF, ELI, MemberRole::Member).expect("Eli in the staff group");

    let log = desk.options.data.with_file_name("topicdesk.log");
    let (_host, addr) = desk.run_with_http(&log).await;
    let threads = desk.open_all_tickets().await;
    // Dana answers the first ticket and Eli the second: each becomes theirs.
    desk.fake.send_as(DANA, STAFF, Draft::text("Looking into it").in_topic(threads[0])).expect("Dana writes");
    desk.fake.send_as(ELI, STAFF, Draft::text("On it").in_topic(threads[1])).expect("Eli writes");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let (danas, elis, queued) = loop {
        let split = tickets_by_assignee(&desk.options.data);
        if split.0.len() == 1 && split.1.len() == 1 {
            break split;
        }
        assert!(tokio::time::Instant::now() < deadline, "the replies never assigned the tickets: {split:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (danas, elis) = (danas[0], elis[0]);

    // The menu button of team members' private chats opens the dashboard at the public
    // address; customers and strangers keep Telegram's default.
    for member in [DANA, ELI] {
        let menu = desk.fake.menu_button(Some(member as i64)).expect("the bot set the member's menu button");
        assert_eq!(menu["type"], "web_app", "{menu}");
        assert_eq!(menu["web_app"]["url"], "https://desk.example.test/dashboard", "{menu}");
    }
    assert_eq!(desk.fake.menu_button(Some(STRANGER as i64)), None);
    assert_eq!(desk.fake.menu_button(None), None);

    // `/dashboard` in private: a web_app button for a member, a plain refusal for anyone else.
    for person in [ELI, STRANGER] {
        desk.fake.user_starts_bot(person).expect("opens the bot");
    }
    desk.fake.user_sends(ELI, Draft::text("/dashboard")).expect("Eli asks");
    desk.fake.user_sends(STRANGER, Draft::text("/dashboard")).expect("a stranger asks");
    let answer = |person: u64, start: &'static str| {
        desk.fake.wait_for(PATIENCE, move |world| {
            world
                .last_from_bot(person as i64)
                .filter(|m| m.text.as_deref().is_some_and(|t| t.starts_with(start)))
                .cloned()
        })
    };
    let offered = answer(ELI, "The queue, the agents").await.expect("Eli gets the dashboard button");
    let button = &offered.reply_markup.as_ref().expect("a keyboard")["inline_keyboard"][0][0];
    assert_eq!(button["web_app"]["url"], "https://desk.example.test/dashboard", "{button}");
    let refusal = answer(STRANGER, "The dashboard is for the support team only.").await.expect("a refusal");
    assert!(refusal.reply_markup.is_none(), "a stranger is offered a button: {refusal:?}");

    let dana = desk.fake.web_app_init_data(DANA).expect("init data for Dana");
    let eli = desk.fake.web_app_init_data(ELI).expect("init data for Eli");
    let stranger = desk.fake.web_app_init_data(STRANGER).expect("init data for a stranger");
    let now = jiff::Timestamp::now().as_second();
    let stale = desk.fake.web_app_init_data_at(DANA, now - 25 * 3600).expect("stale init data");
    // Eli's data with Dana's id put in: a forgery the bot's token did not sign.
    let forged = eli.replace(&ELI.to_string(), &DANA.to_string());
    let ticket = |id: TicketId| format!("ticket/{}", id.0);

    let pages = ["queue", "agents", "sla", "figures", &ticket(elis), &ticket(danas)];
    let mut urls: Vec<String> = pages.iter().map(|page| mini_app(addr, page, &dana)).collect();
    let eli_pages = ["queue", &ticket(elis), &ticket(queued[0]), &ticket(danas), "agents", "sla", "figures"];
    urls.extend(eli_pages.iter().map(|page| mini_app(addr, page, &eli)));
    urls.extend([&forged, &stale, &stranger].map(|data| mini_app(addr, "queue", data)));
    urls.push(format!("http://{addr}/dashboard/queue"));
    let doms = dump_all(urls).await;
    let (supervisor, rest) = doms.split_at(pages.len());
    let (agent, refusals) = rest.split_at(eli_pages.len());

    // A supervisor: every page, with what it is about.
    let expected = [
        vec![
            "<h1>Queue</h1>".to_owned(),
            "Unassigned: 2".to_owned(),
            queued[0].to_string(),
            "Yours: 1".to_owned(),
            danas.to_string(),
        ],
        vec![
            "<h1>Agents</h1>".to_owned(),
            "Dana".to_owned(),
            "Eli".to_owned(),
            "1 / 10".to_owned(),
            "1 / 8".to_owned(),
            "<svg".to_owned(),
        ],
        vec![
            "<h1>SLA risk</h1>".to_owned(),
            "Open tickets by time to their next SLA step: 4".to_owned(),
            "<svg".to_owned(),
        ],
        vec![
            "<h1>Figures</h1>".to_owned(),
            "Tickets a day".to_owned(),
            "First response, p50 and p90".to_owned(),
            "Backlog by age".to_owned(),
            "<svg".to_owned(),
        ],
        vec![
            format!("<h1>{elis}</h1>"),
            "Assignee: Eli".to_owned(),
            "History".to_owned(),
            "https://t.me/c/1234567890/".to_owned(),
        ],
        vec![format!("<h1>{danas}</h1>"), "Assignee: Dana".to_owned(), "reply: Looking into it".to_owned()],
    ];
    for ((page, dom), wanted) in pages.iter().zip(supervisor).zip(&expected) {
        for needle in wanted {
            assert!(dom.contains(needle), "Dana's {page} lacks {needle:?}:\n{dom}");
        }
        assert!(dom.contains("Dana · supervisor"), "Dana's {page} is not signed in:\n{dom}");
    }

    // An agent: the queue, their own ticket and an unassigned one; nothing else.
    let agent_sees = [
        vec![
            "<h1>Queue</h1>".to_owned(),
            "Unassigned: 2".to_owned(),
            "Yours: 1".to_owned(),
            elis.to_string(),
        ],
        vec![format!("<h1>{elis}</h1>"), "Assignee: Eli".to_owned()],
        vec![format!("<h1>{}</h1>", queued[0]), "Assignee: nobody yet".to_owned()],
    ];
    for ((page, dom), wanted) in eli_pages.iter().zip(agent).zip(&agent_sees) {
        for needle in wanted {
            assert!(dom.contains(needle), "Eli's {page} lacks {needle:?}:\n{dom}");
        }
        assert!(!dom.contains("href=\"/dashboard/agents\""), "Eli is offered the agents page:\n{dom}");
    }
    for (page, dom) in eli_pages.iter().zip(agent).skip(agent_sees.len()) {
        assert!(
            dom.contains("<h1>Refused</h1>") && dom.contains("for supervisors"),
            "Eli sees {page}:\n{dom}"
        );
        assert!(
            !dom.contains("Assignee: Dana") && !dom.contains("<svg"),
            "Eli's refusal of {page} shows data"
        );
    }

    // Forged, stale and a stranger's init data, and no session at all.
    let refused = [
        "Refused: the init data's signature does not match the bot's token.",
        "Refused: the init data is stale",
        "Refused: the dashboard is for the members of the support team (team.yaml) only.",
        "You are not signed in",
    ];
    for (dom, wanted) in refusals.iter().zip(refused) {
        assert!(dom.contains(wanted), "expected {wanted:?}:\n{dom}");
        assert!(!dom.contains("Unassigned:"), "a refused visitor sees the queue:\n{dom}");
    }

    // Each ticket page shown was recorded as a dashboard view by who saw it; refusals were not.
    let store =
        Store::open_read_only(&data_file(&desk.options.data)).expect("open the store beside the host");
    let mut views: Vec<(u64, TicketId)> = store
        .read()
        .expect("read")
        .audit_log()
        .expect("the audit log")
        .into_iter()
        .filter_map(|(_, entry)| match (entry.actor, entry.action) {
            (Actor::Telegram { user }, Action::Viewed { ticket, surface: Surface::Dashboard }) => {
                Some((user, ticket))
            }
            _ => None,
        })
        .collect();
    views.sort();
    let mut expected_views = vec![(DANA, elis), (DANA, danas), (ELI, elis), (ELI, queued[0])];
    expected_views.sort();
    assert_eq!(views, expected_views);
    drop(store);
    // `topicdesk audit` lists them, while the bot runs.
    let audit = Command::new(env!("CARGO_BIN_EXE_topicdesk"))
        .args(["audit", "--data"])
        .arg(&desk.options.data)
        .args(["--actor", &ELI.to_string()])
        .output()
        .expect("run topicdesk audit");
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));
    let listed = String::from_utf8_lossy(&audit.stdout);
    for ticket in [elis, queued[0]] {
        assert!(listed.contains(&format!("viewed {ticket} (dashboard)")), "{listed}");
    }

    // Outside Telegram: a signed link from the command line, for members only.
    let link = |user: u64| {
        Command::new(env!("CARGO_BIN_EXE_topicdesk"))
            .args(["dashboard-link", "--rules"])
            .arg(rules)
            .args(["--user", &user.to_string(), "--for", "5m", "--base", &format!("http://{addr}")])
            .env("TELOXIDE_TOKEN", desk.fake.token())
            .output()
            .expect("run dashboard-link")
    };
    let printed = link(ELI);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let url = String::from_utf8(printed.stdout).expect("a URL").trim().to_owned();
    let dom = tokio::task::spawn_blocking(move || dump_dom(&url)).await.expect("load the link");
    assert!(
        dom.contains("<h1>Queue</h1>") && dom.contains("Eli · agent"),
        "the link did not sign Eli in:\n{dom}"
    );
    let outsider = link(STRANGER);
    assert_eq!(outsider.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&outsider.stderr).contains("not a member of team.yaml"));

    // Phone-sized pictures to look at.
    let shots =
        [("queue", "queue"), ("figures", "figures"), ("sla", "sla-risk"), (&ticket(elis)[..], "ticket")];
    let mut taken = JoinSet::new();
    for (page, name) in shots {
        let url = mini_app(addr, page, &dana);
        taken.spawn_blocking(move || screenshot(&url, name));
    }
    while let Some(done) = taken.join_next().await {
        let path = done.expect("a screenshot");
        assert!(std::fs::metadata(&path).expect("a picture").len() > 10_000, "{} is empty", path.display());
    }
}

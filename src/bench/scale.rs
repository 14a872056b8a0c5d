//! Figures at scale: the real `topicdesk run` process against the fake Bot API, over a
//! store of 1,000,000 open tickets with running clocks (2,000 with `--quick`), written
//! directly before the clock starts.
//!
//! Two runs of the process on the same store:
//! 1. start to the first `getUpdates` at the fake (`startup_ms_1m`), then the idle
//!    process's CPU share from `/proc/<pid>/stat` (`timer_idle_cpu_pct_1m`) and its peak
//!    resident memory (`rss_mb_1m`, `VmHWM`);
//! 2. with a few hundred more tickets whose first-response targets fall due at known
//!    instants while the process runs: due time to the breach handled, from the `Timer`
//!    mark the desk records (`breach_lag_ms_p99_1m`) and to the breach notice reaching the
//!    fake (`breach_notice_lag_ms_p99_1m`); then a burst of customer messages from those
//!    tickets' customers, in at the fake to copies in their topics, budgets off
//!    (`relay_end_to_end_msgs_per_s`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use super::Figure;
use crate::deadline::DeadlineKind;
use crate::desk::{Desk, Event};
use crate::fakegram::{Draft, FakeConfig, FakeHandle, FakeTelegram, RateBudgets, UserSpec, World};
use crate::history::{Actor, EntryKind};
use crate::rules::RuleSet;
use crate::sla::{Deadline, Timer};
use crate::sla::{Inputs, Level, Policy, Step};
use crate::store::{FILE_NAME, Store, StoreError};
use crate::ticket::{Answer, Change, Customer, Origin, Ticket, TicketId, Topic};

/// The fake's staff forum.
const STAFF: i64 = -1_001_234_567_890;
/// Customers of the tickets that breach during run 2; far from the generated ones.
const FIRST_BREACH_CUSTOMER: u64 = 9_000_000_000;
/// The agents of the shipped team.yaml.
const AGENTS: [u64; 4] = [111_111_111, 222_222_222, 333_333_333, 444_444_444];
/// The shipped `sla` hook's first-response target for critical tickets, in calendar time.
const CRITICAL_FIRST_RESPONSE: SignedDuration = SignedDuration::from_mins(15);
/// How long any one wait may take before the figure is abandoned.
const PATIENCE: Duration = Duration::from_mins(2);

/// How big the run is.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub tickets: u64,
    /// Tickets that breach during run 2 (and whose customers send the relay burst).
    pub breaching: u64,
    /// Between two of their due times.
    pub spacing: Duration,
    /// Messages each of those customers sends in the relay burst.
    pub relay_rounds: u64,
    /// How long the process may settle after start-up before it counts as idle.
    pub settle: Duration,
    /// How long the idle process is watched.
    pub idle: Duration,
}

impl Size {
    pub const FULL: Size = Size {
        tickets: 1_000_000,
        breaching: 200,
        spacing: Duration::from_millis(20),
        relay_rounds: 25,
        settle: Duration::from_secs(1),
        idle: Duration::from_secs(10),
    };
    pub const QUICK: Size = Size {
        tickets: 2_000,
        breaching: 20,
        spacing: Duration::from_millis(20),
        relay_rounds: 5,
        settle: Duration::from_millis(200),
        idle: Duration::from_millis(500),
    };
}

/// Generates the store in `data` and runs both runs; returns the figures.
pub fn run(
    size: Size,
    rules_dir: &Path,
    rules: &RuleSet,
    data: &Path,
    out: &mut dyn std::io::Write,
) -> Result<Vec<Figure>, Box<dyn std::error::Error>> {
    let path = data.join(FILE_NAME);
    let store = Store::open(&path)?;
    let started = Instant::now();
    generate_open(&store, rules, size.tickets, Timestamp::now())?;
    drop(store);
    let size_mb = std::fs::metadata(&path)?.len() as f64 / 1_048_576.0;
    writeln!(
        out,
        "generated {} open tickets in {:.1} s ({size_mb:.0} MB)",
        size.tickets,
        started.elapsed().as_secs_f64()
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(measure(size, rules_dir, rules, data, size_mb, out))
}

async fn measure(
    size: Size,
    rules_dir: &Path,
    rules: &RuleSet,
    data: &Path,
    size_mb: f64,
    out: &mut dyn std::io::Write,
) -> Result<Vec<Figure>, Box<dyn std::error::Error>> {
    let full = size.tickets == Size::FULL.tickets;
    let name = |name: &'static str| if full { name } else { quick_name(name) };
    let mut figures =
        vec![Figure { name: name("store_mb_1m"), value: size_mb.round(), unit: "MB", target: None }];
    let customers: Vec<u64> = (0..size.breaching).map(|n| FIRST_BREACH_CUSTOMER + n).collect();
    let fake = FakeTelegram::start(FakeConfig {
        users: customers
            .iter()
            .map(|&id| UserSpec::new(id, format!("Breach {id}")).language_code("en"))
            .collect(),
        rate_budgets: RateBudgets::off(),
        ..FakeConfig::default()
    })
    .await?;
    // They started the bot long ago: the desk never sees their `/start`.
    for &customer in &customers {
        fake.user_starts_bot(customer)?;
    }
    fake.shared.write(|world| world.updates.clear());

    // Run 1: start-up, idle, memory.
    let host = Host::spawn(&fake, rules_dir, data)?;
    let startup = host.until_polling(&fake).await?;
    tokio::time::sleep(size.settle).await;
    let cpu_before = host.cpu_ticks()?;
    let watched = Instant::now();
    tokio::time::sleep(size.idle).await;
    let cpu_ticks = host.cpu_ticks()? - cpu_before;
    let idle_pct = cpu_ticks as f64 / TICKS_PER_SECOND / watched.elapsed().as_secs_f64() * 100.0;
    let peak_kb = host.memory_kb("VmHWM")?;
    let resident_kb = host.memory_kb("VmRSS")?;
    host.stop().await?;
    writeln!(
        out,
        "run 1: polling after {:.0} ms; idle {cpu_ticks} CPU ticks in {:.1} s; VmRSS {} MB, VmHWM {} MB",
        startup.as_secs_f64() * 1000.0,
        watched.elapsed().as_secs_f64(),
        resident_kb / 1024,
        peak_kb / 1024
    )?;

    // Run 2: breaches at known instants, then a relay burst.
    // Time to open the tickets, start, and create their topics before the first is due.
    // Generous, since a shared machine may be slow: a missed schedule is an error, not a figure.
    let lead = (startup * 4).max(Duration::from_millis(500))
        + Duration::from_millis(25) * size.breaching as u32
        + size.settle;
    // The deadline index keeps milliseconds.
    let first_due = Timestamp::from_millisecond(Timestamp::now().as_millisecond() + lead.as_millis() as i64)?;
    let due = add_breaching(rules, &data.join(FILE_NAME), &customers, first_due, size.spacing)?;
    let ready = Timestamp::now() + SignedDuration::try_from(startup * 2)?;
    if ready >= first_due {
        return Err(format!(
            "opening the breaching tickets took too long: due at {first_due}, ready at {ready}"
        )
        .into());
    }
    let host = Host::spawn(&fake, rules_dir, data)?;
    let startup2 = host.until_polling(&fake).await?;
    let notices = breach_notices(&fake, &due).await?;
    let relayed = relay_burst(&fake, &customers, size.relay_rounds).await?;
    let peak_kb = peak_kb.max(host.memory_kb("VmHWM")?);
    host.stop().await?;
    let handled = handled_lags(&data.join(FILE_NAME), &due)?;
    writeln!(out, "run 2: polling after {:.0} ms", startup2.as_secs_f64() * 1000.0)?;

    let startup_ms = startup.max(startup2).as_secs_f64() * 1000.0;
    figures.push(Figure {
        name: name("startup_ms_1m"),
        value: startup_ms.round(),
        unit: "ms",
        target: Some("< 1000"),
    });
    figures.push(Figure {
        name: name("timer_idle_cpu_pct_1m"),
        value: (idle_pct * 100.0).round() / 100.0,
        unit: "%",
        target: Some("< 1"),
    });
    figures.push(Figure {
        name: name("rss_mb_1m"),
        value: (peak_kb / 1024) as f64,
        unit: "MB",
        target: Some("< 200"),
    });
    figures.push(Figure {
        name: name("breach_lag_ms_p99_1m"),
        value: p99(handled),
        unit: "ms",
        target: Some("< 1000"),
    });
    figures.push(Figure {
        name: name("breach_notice_lag_ms_p99_1m"),
        value: p99(notices),
        unit: "ms",
        target: None,
    });
    figures.push(Figure {
        name: "relay_end_to_end_msgs_per_s",
        value: relayed.round(),
        unit: "msgs/s",
        target: None,
    });
    Ok(figures)
}

/// Writes `n` open tickets with running clocks, their history, topics, assignees and the
/// deadlines the SLA core computes for them with `rules` at `now`, in pages of 1,000.
pub fn generate_open(store: &Store, rules: &RuleSet, n: u64, now: Timestamp) -> Result<(), StoreError> {
    let policy = Policy::from_desk(rules.desk());
    let mut made = 0;
    while made < n {
        let page = (n - made).min(1_000);
        store.write(|tx| {
            for _ in 0..page {
                let id = tx.next_ticket_id()?;
                // Opened over the last hour, low and normal priority: nothing falls due soon.
                // Most wait in the queue: the agents' loads stay within their capacities.
                let created = now - SignedDuration::from_millis(((n - id.0.min(n)) * 3) as i64);
                let priority = if id.0 % 2 == 0 { "low" } else { "normal" };
                let (mut ticket, first) = Ticket::open(
                    id,
                    super::sample_customer(id),
                    "support",
                    super::sample_answers(id, priority),
                    created,
                );
                let mut history = vec![first];
                let system = Origin { actor: Actor::System, rules: Some(rules.version().short()) };
                let topic = Topic { chat_id: STAFF, thread_id: 1_000_000 + id.0 as i32 };
                history
                    .extend(ticket.apply(Change::MoveTopic(topic), &system, created).expect("always legal"));
                ticket.card = Some(1);
                if id.0 <= 24 {
                    let agent = AGENTS[(id.0 % 4) as usize];
                    let assign = Change::Assign { to: Some(agent) };
                    history.extend(ticket.apply(assign, &system, created).expect("always legal"));
                }
                tx.save_ticket(&ticket)?;
                tx.append_history(id, &history)?;
                let targets = rules.scripts().sla(&crate::desk::ticket_view(&ticket, now)).value;
                let inputs = Inputs {
                    ticket: &ticket,
                    history: &history,
                    targets: targets.as_ref(),
                    calendar: rules.calendar(),
                    calendars: &[],
                    policy: &policy,
                };
                for (kind, due) in crate::sla::plan(&inputs, now).deadlines() {
                    if let Some(due) = due {
                        tx.set_deadline(Deadline { due, timer: Timer::Ticket(id, kind) })?;
                    }
                }
            }
            Ok::<_, StoreError>(())
        })?;
        made += page;
    }
    Ok(())
}

/// Opens a critical ticket for each customer through the desk, its first response due at
/// `first_due`, then `spacing` apart; their warnings are acted on already (a tick now), so
/// the breach is each ticket's next step. Returns the due times by ticket.
fn add_breaching(
    rules: &RuleSet,
    path: &Path,
    customers: &[u64],
    first_due: Timestamp,
    spacing: Duration,
) -> Result<BTreeMap<TicketId, Timestamp>, Box<dyn std::error::Error>> {
    let store = Store::open(path)?;
    let mut due = BTreeMap::new();
    for (n, &id) in customers.iter().enumerate() {
        let at = first_due + SignedDuration::try_from(spacing * n as u32)?;
        let desk = Desk { rules, earlier: &[], staff_chat: STAFF, now: at - CRITICAL_FIRST_RESPONSE };
        let customer =
            Customer { id, name: format!("Breach {id}"), username: None, language: Some("en".into()) };
        let answers = BTreeMap::from([
            ("category".to_owned(), Answer::Text("technical".into())),
            ("priority".to_owned(), Answer::Text("critical".into())),
            ("description".to_owned(), Answer::Text("Everything is down for all of our users".into())),
        ]);
        let ticket = store.write(|tx| desk.open_ticket(tx, &customer, "support", answers))?;
        due.insert(ticket.id, at);
    }
    let desk = Desk { rules, earlier: &[], staff_chat: STAFF, now: Timestamp::now() };
    store.write(|tx| desk.handle(tx, &Event::Tick))?;
    let next = store.read()?.next_deadline()?.map(|d| d.due);
    if next != Some(first_due) {
        return Err(format!(
            "the breaching tickets are due at {next:?}, not {first_due}: did the shipped sla hook change?"
        )
        .into());
    }
    Ok(due)
}

/// Waits for a breach notice in each ticket's topic; returns due-to-arrival lags in ms.
async fn breach_notices(
    fake: &FakeHandle,
    due: &BTreeMap<TicketId, Timestamp>,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let mut arrived: HashMap<TicketId, f64> = HashMap::new();
    let mut seen = 0u64;
    let names: Vec<(TicketId, String)> = due.keys().map(|id| (*id, id.to_string())).collect();
    let found = fake
        .wait_for(PATIENCE, |world: &World| {
            let now = Timestamp::now();
            for message in world.messages(STAFF) {
                if message.seq <= seen {
                    continue;
                }
                seen = message.seq;
                let Some(text) = message.text.as_deref().filter(|text| text.contains("missed")) else {
                    continue;
                };
                for (id, name) in &names {
                    if text.contains(name.as_str()) && !arrived.contains_key(id) {
                        arrived.insert(*id, now.duration_since(due[id]).as_secs_f64() * 1000.0);
                    }
                }
            }
            (arrived.len() == due.len()).then(|| arrived.values().copied().collect::<Vec<f64>>())
        })
        .await;
    found.map_err(|_| {
        format!("only {} of {} breach notices reached the fake", arrived.len(), due.len()).into()
    })
}

/// Every customer sends `rounds` messages at once; messages per second until every copy
/// is in its topic.
async fn relay_burst(
    fake: &FakeHandle,
    customers: &[u64],
    rounds: u64,
) -> Result<f64, Box<dyn std::error::Error>> {
    let copies = |world: &World| world.count_calls("copyMessage", 200);
    let before = fake.inspect(copies);
    let total = customers.len() * rounds as usize;
    let started = Instant::now();
    for round in 0..rounds {
        for &customer in customers {
            fake.user_sends(customer, Draft::text(format!("Still broken, try {round}")))?;
        }
    }
    fake.wait_until(PATIENCE, |world| copies(world) >= before + total)
        .await
        .map_err(|_| format!("not every one of {total} relayed messages reached its topic"))?;
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Due time to the breach's `Timer` mark, in ms, per ticket.
fn handled_lags(
    path: &Path,
    due: &BTreeMap<TicketId, Timestamp>,
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let store = Store::open_read_only(path)?;
    let read = store.read()?;
    let breach = Step::Breach(Level(0)).index();
    let mut lags = Vec::new();
    for (id, at) in due {
        let marked = read.history(*id)?.into_iter().find_map(|entry| match entry.kind {
            EntryKind::Timer(mark) if mark.kind == DeadlineKind::FirstResponse && mark.step == breach => {
                Some(entry.at)
            }
            _ => None,
        });
        let marked = marked.ok_or_else(|| format!("{id} has no breach mark"))?;
        lags.push(marked.duration_since(*at).as_secs_f64() * 1000.0);
    }
    Ok(lags)
}

/// The name of a `_1m` figure measured at the quick size.
fn quick_name(name: &'static str) -> &'static str {
    match name {
        "store_mb_1m" => "store_mb_quick",
        "startup_ms_1m" => "startup_ms_quick",
        "timer_idle_cpu_pct_1m" => "timer_idle_cpu_pct_quick",
        "rss_mb_1m" => "rss_mb_quick",
        "breach_lag_ms_p99_1m" => "breach_lag_ms_p99_quick",
        "breach_notice_lag_ms_p99_1m" => "breach_notice_lag_ms_p99_quick",
        other => other,
    }
}

fn p99(values: Vec<f64>) -> f64 {
    super::percentile(values, 99).round()
}

/// Linux reports CPU time in `/proc` in units of 1/100 s (`USER_HZ`) on every architecture
/// this runs on.
const TICKS_PER_SECOND: f64 = 100.0;

/// A `topicdesk run` child process against the fake.
struct Host {
    child: Child,
    started: Instant,
}

impl Host {
    fn spawn(fake: &FakeHandle, rules: &Path, data: &Path) -> std::io::Result<Host> {
        let started = Instant::now();
        let child = Command::new(std::env::current_exe()?)
            .arg("run")
            .arg("--rules")
            .arg(rules)
            .arg("--data")
            .arg(data)
            .args(["--staff-chat", &STAFF.to_string(), "--no-rate-budget"])
            .env("TELOXIDE_TOKEN", fake.token())
            .env("TELOXIDE_API_URL", fake.api_url())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(Host { child, started })
    }

    /// Waits for the process's first `getUpdates`; the time since it was started.
    async fn until_polling(&self, fake: &FakeHandle) -> Result<Duration, Box<dyn std::error::Error>> {
        let polls = |world: &World| world.updates.poll_generation;
        let before = fake.inspect(polls);
        fake.wait_until(PATIENCE, |world| polls(world) > before)
            .await
            .map_err(|_| "topicdesk run never polled the fake")?;
        Ok(self.started.elapsed())
    }

    /// User plus system CPU time of the whole process so far, in ticks.
    fn cpu_ticks(&self) -> Result<u64, Box<dyn std::error::Error>> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the parenthesised command name, which may hold spaces; utime and
        // stime are fields 14 and 15 of the whole line.
        let rest = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or("an unreadable /proc stat line")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
    }

    /// A `kB` line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`).
    fn memory_kb(&self, field: &str) -> Result<u64, Box<dyn std::error::Error>> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line =
            status.lines().find(|line| line.starts_with(field)).ok_or("no such line in /proc status")?;
        let kb = line.split_whitespace().nth(1).ok_or("an unreadable /proc status line")?;
        Ok(kb.parse()?)
    }

    /// SIGTERM, as an operator stops it, and waits for a clean exit.
    async fn stop(mut self) -> Result<(), Box<dyn std::error::Error>> {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status()?;
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("topicdesk run exited with {status}").into())
                };
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                return Err("topicdesk run did not stop on SIGTERM".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // A figure abandoned half-way must not leave the process behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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
//!    (`relay_end_to_end_msgs_per_s`), and the process's CPU over that burst per message
//!    (`relay_cpu_ms_per_msg`); then an agent answers as often in each of their topics,
//!    and the process's CPU per copy to the customer (`reply_cpu_ms_per_msg`). The CPU is
//!    user + system time from `/proc/<pid>/stat`, counted from the process quiet before a
//!    burst to quiet after it, so the deliveries' own transactions count; the fake runs in
//!    the bench's process and is not counted.
//!
//! A stage that fails or comes out unusable (a missed schedule, copies that never arrive)
//! reports its figures as not measured and the run goes on where it can.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use super::Sink;
use crate::deadline::DeadlineKind;
use crate::desk::{Desk, Event};
use crate::fakegram::{
    Draft, FakeConfig, FakeHandle, FakeTelegram, GroupSpec, MemberRole, RateBudgets, UserSpec, World,
};
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
/// The longest the breaching tickets' schedule may lie ahead: their warnings, at 80% of
/// the 15-minute target, must have fallen due before the tick that acts on them.
const MAX_LEAD: Duration = Duration::from_mins(2);
/// Probe tickets opened before the breaching ones to learn how long one takes.
const PROBES: u64 = 3;
/// How long the process must use no CPU to count as quiet before and after a burst.
const QUIET: Duration = Duration::from_millis(300);
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
        relay_rounds: 25,
        settle: Duration::from_millis(200),
        idle: Duration::from_millis(500),
    };
}

/// Every figure of the scale run at `size`, by the name it is reported under.
pub fn names(size: Size) -> Vec<&'static str> {
    super::SCALE_FIGURES.iter().map(|name| size.name(name)).collect()
}

/// Generates the store in `data` and runs both runs, reporting each figure into `sink`
/// as measured, or as not measured with the reason.
pub fn run(size: Size, rules_dir: &Path, rules: &RuleSet, data: &Path, sink: &mut Sink<'_>) {
    let path = data.join(FILE_NAME);
    let generated = (|| -> Result<f64, Box<dyn std::error::Error>> {
        let store = Store::open(&path)?;
        let started = Instant::now();
        generate_open(&store, rules, size.tickets, Timestamp::now())?;
        drop(store);
        let size_mb = std::fs::metadata(&path)?.len() as f64 / 1_048_576.0;
        sink.note(format_args!(
            "generated {} open tickets in {:.1} s ({size_mb:.0} MB)",
            size.tickets,
            started.elapsed().as_secs_f64()
        ));
        Ok(size_mb)
    })();
    let size_mb = match generated {
        Ok(size_mb) => size_mb,
        Err(error) => return sink.not_measured(&names(size), &format!("the store was not written: {error}")),
    };
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(measure(size, rules_dir, rules, data, size_mb, sink)),
        Err(error) => sink.not_measured(&names(size)[1..], &error.to_string()),
    }
}

type Failed = Box<dyn std::error::Error>;

/// What run 1 saw.
struct FirstRun {
    startup: Duration,
    idle_pct: f64,
    peak_kb: u64,
    resident_kb: u64,
    cpu_ticks: u64,
    watched: Duration,
}

async fn measure(
    size: Size,
    rules_dir: &Path,
    rules: &RuleSet,
    data: &Path,
    size_mb: f64,
    sink: &mut Sink<'_>,
) {
    let name = |name: &'static str| size.name(name);
    sink.figure(name("store_mb_1m"), size_mb.round(), "MB", None);
    let customers: Vec<u64> = (0..size.breaching).map(|n| FIRST_BREACH_CUSTOMER + n).collect();
    let probes: Vec<u64> = (0..PROBES).map(|n| FIRST_BREACH_CUSTOMER + size.breaching + n).collect();
    let mut users: Vec<UserSpec> = customers
        .iter()
        .chain(&probes)
        .map(|&id| UserSpec::new(id, format!("Breach {id}")).language_code("en"))
        .collect();
    users.push(UserSpec::new(AGENTS[0], "Dana"));
    let fake = FakeTelegram::start(FakeConfig {
        users,
        groups: vec![GroupSpec::staff_forum(STAFF).member(AGENTS[0], MemberRole::Member)],
        rate_budgets: RateBudgets::off(),
        ..FakeConfig::default()
    })
    .await;
    let fake = match fake {
        Ok(fake) => fake,
        Err(error) => return sink.not_measured(&names(size)[1..], &format!("the fake Bot API: {error}")),
    };
    // They started the bot long ago: the desk never sees their `/start`.
    for &customer in customers.iter().chain(&probes) {
        if let Err(error) = fake.user_starts_bot(customer) {
            return sink.not_measured(&names(size)[1..], &format!("the fake Bot API: {error}"));
        }
    }
    fake.shared.write(|world| world.updates.clear());

    // Run 1: start-up, idle, memory.
    let first = first_run(size, &fake, rules_dir, data).await;
    let (startup, mut peak_kb) = match &first {
        Ok(first) => {
            sink.note(format_args!(
                "run 1: polling after {:.0} ms; idle {} CPU ticks in {:.1} s; VmRSS {} MB, VmHWM {} MB",
                first.startup.as_secs_f64() * 1000.0,
                first.cpu_ticks,
                first.watched.as_secs_f64(),
                first.resident_kb / 1024,
                first.peak_kb / 1024
            ));
            let idle = (first.idle_pct * 100.0).round() / 100.0;
            sink.figure(name("timer_idle_cpu_pct_1m"), idle, "%", Some("< 1"));
            (Some(first.startup), first.peak_kb)
        }
        Err(error) => {
            let run1 = ["startup_ms_1m", "timer_idle_cpu_pct_1m"].map(name);
            sink.not_measured(&run1, &format!("run 1: {error}"));
            (None, 0)
        }
    };

    // Run 2: breaches at known instants, then a relay burst each way.
    let second = second_run(size, &fake, rules_dir, rules, data, &customers, &probes, startup, sink).await;
    if let Some((_, peak)) = second {
        peak_kb = peak_kb.max(peak);
    }
    finish(size, sink, startup, second.map(|(startup, _)| startup), peak_kb);
}

/// Run 2: the breaching tickets opened, the process started again, the breach figures
/// and both bursts; its start-up time and peak memory when it ran.
#[allow(clippy::too_many_arguments)]
async fn second_run(
    size: Size,
    fake: &FakeHandle,
    rules_dir: &Path,
    rules: &RuleSet,
    data: &Path,
    customers: &[u64],
    probes: &[u64],
    startup: Option<Duration>,
    sink: &mut Sink<'_>,
) -> Option<(Duration, u64)> {
    let name = |name: &'static str| size.name(name);
    let breach = ["breach_lag_ms_p99_1m", "breach_notice_lag_ms_p99_1m"].map(name);
    let bursts = ["relay_end_to_end_msgs_per_s", "relay_cpu_ms_per_msg", "reply_cpu_ms_per_msg"];
    let schedule = schedule_breaches(size, rules, data, customers, probes, startup, sink);
    let schedule = match schedule {
        Ok(schedule) => schedule,
        Err(error) => {
            let reason = format!("the breaching tickets could not be opened: {error}");
            sink.not_measured(&breach, &reason);
            sink.not_measured(&bursts, &reason);
            return None;
        }
    };
    let host = match Host::spawn(fake, rules_dir, data) {
        Ok(host) => host,
        Err(error) => {
            let reason = format!("run 2: topicdesk run did not start: {error}");
            sink.not_measured(&breach, &reason);
            sink.not_measured(&bursts, &reason);
            return None;
        }
    };
    let startup2 = match host.until_polling(fake).await {
        Ok(startup2) => startup2,
        Err(error) => {
            let reason = format!("run 2: {error}");
            sink.not_measured(&breach, &reason);
            sink.not_measured(&bursts, &reason);
            return None;
        }
    };
    sink.note(format_args!("run 2: polling after {:.0} ms", startup2.as_secs_f64() * 1000.0));
    // The notices come whether or not the schedule held; the bursts start after them.
    let notices = breach_notices(fake, &schedule.due).await;
    match (&schedule.missed, notices) {
        (Some(missed), _) => sink.not_measured(&breach, missed),
        (None, Err(error)) => sink.not_measured(&breach, &error.to_string()),
        (None, Ok(notices)) => match handled_lags(&data.join(FILE_NAME), &schedule.due) {
            Ok(handled) => {
                sink.figure(breach[0], p99(handled), "ms", Some("< 1000"));
                sink.figure(breach[1], p99(notices), "ms", None);
            }
            Err(error) => sink.not_measured(&breach, &error.to_string()),
        },
    }
    let total = customers.len() * size.relay_rounds as usize;
    match relay_burst(&host, fake, customers, size.relay_rounds).await {
        Ok((rate, cpu)) => {
            sink.figure("relay_end_to_end_msgs_per_s", rate.round(), "msgs/s", None);
            sink.note(format_args!("relay burst: {total} messages, {cpu} CPU ticks of topicdesk run"));
            sink.figure("relay_cpu_ms_per_msg", cpu_ms(cpu, total), "ms", Some("<= 0.2"));
        }
        Err(error) => sink.not_measured(&bursts[..2], &error.to_string()),
    }
    match reply_burst(&host, fake, &data.join(FILE_NAME), &schedule.due, size.relay_rounds).await {
        Ok(cpu) => {
            sink.note(format_args!("reply burst: {total} messages, {cpu} CPU ticks of topicdesk run"));
            sink.figure("reply_cpu_ms_per_msg", cpu_ms(cpu, total), "ms", Some("<= 0.2"));
        }
        Err(error) => sink.not_measured(&bursts[2..], &error.to_string()),
    }
    let peak_kb = host.memory_kb("VmHWM").unwrap_or(0);
    if let Err(error) = host.stop().await {
        sink.note(format_args!("run 2 did not end cleanly: {error}"));
    }
    Some((startup2, peak_kb))
}

/// The figures of both starts: the slower start-up, and the peak memory of either run.
fn finish(size: Size, sink: &mut Sink<'_>, first: Option<Duration>, second: Option<Duration>, peak_kb: u64) {
    if let Some(startup) = first.into_iter().chain(second).max() {
        let startup_ms = (startup.as_secs_f64() * 1000.0).round();
        sink.figure(size.name("startup_ms_1m"), startup_ms, "ms", Some("< 1000"));
    }
    if peak_kb > 0 {
        sink.figure(size.name("rss_mb_1m"), (peak_kb / 1024) as f64, "MB", Some("< 200"));
    } else {
        sink.not_measured(&[size.name("rss_mb_1m")], "topicdesk run was never measured running");
    }
}

/// CPU ticks of `/proc` over `messages`, in ms a message.
fn cpu_ms(ticks: u64, messages: usize) -> f64 {
    ticks as f64 / TICKS_PER_SECOND * 1000.0 / messages.max(1) as f64
}

/// Run 1: start to the first `getUpdates`, then the idle process's CPU share and memory.
async fn first_run(size: Size, fake: &FakeHandle, rules_dir: &Path, data: &Path) -> Result<FirstRun, Failed> {
    let host = Host::spawn(fake, rules_dir, data)?;
    let startup = host.until_polling(fake).await?;
    tokio::time::sleep(size.settle).await;
    let cpu_before = host.cpu_ticks()?;
    let watched = Instant::now();
    tokio::time::sleep(size.idle).await;
    let cpu_ticks = host.cpu_ticks()? - cpu_before;
    let watched = watched.elapsed();
    let idle_pct = cpu_ticks as f64 / TICKS_PER_SECOND / watched.as_secs_f64() * 100.0;
    let peak_kb = host.memory_kb("VmHWM")?;
    let resident_kb = host.memory_kb("VmRSS")?;
    host.stop().await?;
    Ok(FirstRun { startup, idle_pct, peak_kb, resident_kb, cpu_ticks, watched })
}

/// Writes `n` open tickets with running clocks, their history, topics, assignees and the
/// deadlines the SLA core computes for them with `rules` at `now`, in pages of 1,000.
pub fn generate_open(store: &Store, rules: &RuleSet, n: u64, now: Timestamp) -> Result<(), StoreError> {
    let policy = Policy::from_desk(rules.desk());
    super::in_pages(store, n, |tx| {
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
        history.extend(ticket.apply(Change::MoveTopic(topic), &system, created).expect("always legal"));
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
        Ok(())
    })
}

/// The breaching tickets as opened: due times by ticket, and why the breach figures
/// cannot be trusted when the schedule was missed.
struct Schedule {
    due: BTreeMap<TicketId, Timestamp>,
    missed: Option<String>,
}

/// Opens the breaching tickets before run 2, their first responses due a little after the
/// process will be up. How long that takes depends on the store and the machine, so a few
/// probe tickets (due long after the run) are opened first and the schedule leaves room
/// for twice their pace; a schedule missed all the same is reported, not trusted, and the
/// bursts after it still run. An error means the tickets could not be opened at all.
fn schedule_breaches(
    size: Size,
    rules: &RuleSet,
    data: &Path,
    customers: &[u64],
    probes: &[u64],
    startup: Option<Duration>,
    sink: &mut Sink<'_>,
) -> Result<Schedule, Failed> {
    let path = data.join(FILE_NAME);
    let store = Store::open(&path)?;
    // The first thing the desk does on a store posts the queue summary, which reads the
    // whole queue (seconds with 1,000,000 queued tickets): the first probe pays for it,
    // the others show what one more ticket costs.
    let mut paces = Vec::new();
    for &id in probes {
        let started = Instant::now();
        open_critical(&store, rules, id, Timestamp::now())?;
        paces.push(started.elapsed());
    }
    let pace = paces.iter().skip(1).max().copied().unwrap_or_default();
    let startup = startup.unwrap_or(Duration::from_secs(1));
    // Time to open the tickets, start, and create their topics before the first is due;
    // never so long that the warnings (at 80% of the 15 minutes) are still ahead.
    let lead = ((startup * 4).max(Duration::from_millis(500))
        + (pace * 2 + Duration::from_millis(25)) * size.breaching as u32
        + size.settle)
        .min(MAX_LEAD);
    // The deadline index keeps milliseconds.
    let first_due = Timestamp::from_millisecond(Timestamp::now().as_millisecond() + lead.as_millis() as i64)?;
    let opening = Instant::now();
    let mut due = BTreeMap::new();
    for (n, &id) in customers.iter().enumerate() {
        let at = first_due + SignedDuration::try_from(size.spacing * n as u32)?;
        let ticket = open_critical(&store, rules, id, at - CRITICAL_FIRST_RESPONSE)?;
        due.insert(ticket, at);
    }
    let opened = opening.elapsed();
    // Their warnings fell due before the first breach: acted on at the last moment before
    // it, so the breach is each ticket's next step. Never at or after it, even when
    // opening ran late: the breaches are the process's to handle.
    let groups = crate::groups::StaffGroups::single(STAFF);
    let desk = Desk {
        rules,
        earlier: &[],
        groups: &groups,
        now: first_due - SignedDuration::from_millis(1),
        inline: crate::desk::InlineMode::Off,
    };
    store.write(|tx| desk.handle(tx, &Event::Tick))?;
    sink.note(format_args!(
        "opened {} breaching tickets in {:.2} s (probes {:?}; lead {:.2} s)",
        customers.len(),
        opened.as_secs_f64(),
        paces,
        lead.as_secs_f64()
    ));
    let read = store.read()?;
    let mut missed = None;
    for (id, at) in &due {
        let set = read.deadline_of(Timer::Ticket(*id, DeadlineKind::FirstResponse))?;
        if set != Some(*at) {
            missed = Some(format!(
                "{id}'s first response is due at {set:?}, not {at}: did the shipped sla hook change?"
            ));
            break;
        }
    }
    drop(read);
    drop(store);
    let ready = Timestamp::now() + SignedDuration::try_from(startup * 2)?;
    if missed.is_none() && ready >= first_due {
        missed = Some(format!(
            "the schedule was missed: opening {} tickets took {:.2} s, so the process could not be up \
             before the first was due (due at {first_due}, ready at {ready})",
            customers.len(),
            opened.as_secs_f64()
        ));
    }
    Ok(Schedule { due, missed })
}

/// Opens a critical ticket for `customer` through the desk at `now`; its first response
/// falls due 15 minutes later.
fn open_critical(store: &Store, rules: &RuleSet, customer: u64, now: Timestamp) -> Result<TicketId, Failed> {
    let groups = crate::groups::StaffGroups::single(STAFF);
    let desk = Desk { rules, earlier: &[], groups: &groups, now, inline: crate::desk::InlineMode::Off };
    let who = Customer {
        id: customer,
        name: format!("Breach {customer}"),
        username: None,
        language: Some("en".into()),
    };
    let answers = BTreeMap::from([
        ("category".to_owned(), Answer::Text("technical".into())),
        ("priority".to_owned(), Answer::Text("critical".into())),
        ("description".to_owned(), Answer::Text("Everything is down for all of our users".into())),
    ]);
    let ticket = store.write(|tx| desk.open_ticket(tx, &who, "support", answers))?;
    Ok(ticket.id)
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

/// Every customer sends `rounds` messages at once: messages per second until every copy
/// is in its topic, and the CPU ticks of the process over the burst (from quiet before it
/// to quiet after it, so the deliveries' own work counts).
async fn relay_burst(
    host: &Host,
    fake: &FakeHandle,
    customers: &[u64],
    rounds: u64,
) -> Result<(f64, u64), Failed> {
    let copies = |world: &World| world.count_calls("copyMessage", 200);
    let before = fake.inspect(copies);
    let total = customers.len() * rounds as usize;
    let cpu_before = host.quiet().await?;
    let started = Instant::now();
    for round in 0..rounds {
        for &customer in customers {
            fake.user_sends(customer, Draft::text(format!("Still broken, try {round}")))?;
        }
    }
    fake.wait_until(PATIENCE, |world| copies(world) >= before + total).await.map_err(|_| {
        let arrived = fake.inspect(copies) - before;
        format!("only {arrived} of {total} relayed messages reached their topics")
    })?;
    let rate = total as f64 / started.elapsed().as_secs_f64();
    let cpu = host.quiet().await? - cpu_before;
    Ok((rate, cpu))
}

/// An agent answers `rounds` times in each ticket's topic, all at once; the CPU ticks of
/// the process from quiet before to quiet after every copy reached its customer.
async fn reply_burst(
    host: &Host,
    fake: &FakeHandle,
    path: &Path,
    due: &BTreeMap<TicketId, Timestamp>,
    rounds: u64,
) -> Result<u64, Failed> {
    let threads: Vec<i32> = {
        let store = Store::open_read_only(path)?;
        let read = store.read()?;
        let mut threads = Vec::new();
        for id in due.keys() {
            let topic = read.ticket(*id)?.and_then(|ticket| ticket.topic);
            threads.push(topic.ok_or_else(|| format!("{id} has no topic"))?.thread_id);
        }
        threads
    };
    let copies = |world: &World| world.count_calls("copyMessage", 200);
    let before = fake.inspect(copies);
    let total = threads.len() * rounds as usize;
    let cpu_before = host.quiet().await?;
    for round in 0..rounds {
        for &thread in &threads {
            let draft = Draft::text(format!("We are looking into it, step {round}")).in_topic(thread);
            fake.send_as(AGENTS[0], STAFF, draft)?;
        }
    }
    fake.wait_until(PATIENCE, |world| copies(world) >= before + total).await.map_err(|_| {
        let arrived = fake.inspect(copies) - before;
        format!("only {arrived} of {total} agent replies reached their customers")
    })?;
    Ok(host.quiet().await? - cpu_before)
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

impl Size {
    /// The name a `_1m` figure is reported under at this size.
    fn name(self, name: &'static str) -> &'static str {
        if self.tickets == Size::FULL.tickets { name } else { quick_name(name) }
    }
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

/// An environment variable: a command (and its arguments) to run `topicdesk run` under.
const WRAPPER: &str = "TOPICDESK_BENCH_HOST_WRAPPER";

/// A `topicdesk run` child process against the fake.
struct Host {
    child: Child,
    started: Instant,
}

impl Host {
    /// Starts `topicdesk run`; under the command in [`WRAPPER`] when it is set (to profile
    /// the process alone, say `valgrind --tool=callgrind`).
    fn spawn(fake: &FakeHandle, rules: &Path, data: &Path) -> std::io::Result<Host> {
        let started = Instant::now();
        let wrapper = std::env::var(WRAPPER).unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(std::env::current_exe()?);
                command
            }
            None => Command::new(std::env::current_exe()?),
        };
        let child = command
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

    /// Waits until the process has used no CPU for [`QUIET`] (at most [`PATIENCE`]); its
    /// CPU ticks then.
    async fn quiet(&self) -> Result<u64, Failed> {
        let deadline = Instant::now() + PATIENCE;
        let mut ticks = self.cpu_ticks()?;
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = self.cpu_ticks()?;
            if now != ticks {
                ticks = now;
                since = Instant::now();
            } else if since.elapsed() >= QUIET {
                return Ok(ticks);
            }
            if Instant::now() > deadline {
                return Err(
                    format!("topicdesk run never went quiet for {QUIET:?} within {PATIENCE:?}").into()
                );
            }
        }
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

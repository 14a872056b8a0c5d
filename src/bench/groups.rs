//! `groups_tickets_per_min_ratio` and `groups_429s`: how many more new tickets a minute a
//! desk of four staff groups opens than a desk of one, with Telegram's budgets kept on both
//! sides, and how many 429s the stand-in answered meanwhile (target: none).
//!
//! One forum supergroup takes about 20 bot messages a minute, and each new ticket costs its
//! group a topic and a card (and the routing line): the group's budget is what limits new
//! tickets. Each group has its own, so four groups should open nearly four times as many.
//!
//! Both runs are the real host in this process against the fake Bot API, every budget window
//! of both sides shrunk by [`SCALE`] (as the end-to-end budget test does), so a Telegram minute
//! passes in `60 × SCALE` seconds; rates are given per such minute. Customers fill a
//! one-question form chosen by deep link (`/start g2`); each group's filter is its form, so
//! every group gets the same share. Untimed, every customer reaches the form's summary; timed,
//! all press Submit at once, from the first press until every ticket's card is in its topic.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::fakegram::{
    Draft, FakeConfig, FakeHandle, FakeTelegram, GroupSpec, RateBudgets, Thread, UserSpec, World,
};
use crate::host::HostOptions;

/// Every budget window, both sides, is this share of Telegram's.
pub const SCALE: f64 = 0.1;
/// The staff groups' chat ids; the first is the one-group desk's.
const CHATS: [i64; 4] = [-1_003_000_000_001, -1_003_000_000_002, -1_003_000_000_003, -1_003_000_000_004];
/// The first group's agent; the others follow.
const AGENT: u64 = 6_000_000_000;
/// Customers' ids start here.
const FIRST_CUSTOMER: u64 = 7_000_000_000;
/// How long any one wait may take before the figure is abandoned.
const PATIENCE: Duration = Duration::from_mins(3);

/// What both runs measured.
pub struct Throughput {
    /// New tickets per (scaled) minute with one group, and with four.
    pub one: f64,
    pub four: f64,
    /// 429 answers of the stand-in over both runs.
    pub too_many: usize,
}

/// Runs the one-group desk with `per_group` new tickets, then the four-group desk with
/// `per_group` in each group.
pub fn measure(per_group: usize) -> Result<Throughput, Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let (one, one_429) = run(1, per_group).await?;
        let (four, four_429) = run(4, per_group).await?;
        Ok(Throughput { one, four, too_many: one_429 + four_429 })
    })
}

/// One run: a desk of `groups` groups, `per_group` tickets opened in each; returns the new
/// tickets per scaled minute and the 429s the stand-in gave.
async fn run(groups: usize, per_group: usize) -> Result<(f64, usize), Box<dyn Error>> {
    let temp = tempfile::Builder::new().prefix("topicdesk-bench").tempdir()?;
    let rules = temp.path().join("rules");
    write_rules(&rules, groups)?;
    let customers: Vec<u64> = (0..(groups * per_group) as u64).map(|n| FIRST_CUSTOMER + n).collect();
    let config = FakeConfig {
        users: customers.iter().map(|&id| UserSpec::new(id, format!("C{id}")).language_code("en")).collect(),
        groups: CHATS[..groups].iter().map(|&chat| GroupSpec::staff_forum(chat)).collect(),
        rate_budgets: RateBudgets::scaled(SCALE),
        ..FakeConfig::default()
    };
    let fake = FakeTelegram::start(config).await?;
    let data = temp.path().join("data");
    let options = HostOptions::local(fake.api_url(), fake.token().to_owned(), rules, data, SCALE);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let host = tokio::spawn(crate::host::run(options, async move {
        let _ = stopped.await;
    }));
    let measured = open_tickets(&fake, &customers, groups).await;
    let _ = stop.send(());
    host.await?.map_err(|error| format!("the host failed: {error}"))?;
    let elapsed = measured?;
    let minutes = elapsed.as_secs_f64() / (60.0 * SCALE);
    let too_many = fake.inspect(|world| world.calls().iter().filter(|call| call.status == 429).count());
    Ok((customers.len() as f64 / minutes, too_many))
}

/// Brings every customer to their form's summary, then presses Submit for all at once and
/// waits until each ticket's card is in its topic; returns the time from the first press.
async fn open_tickets(
    fake: &FakeHandle,
    customers: &[u64],
    groups: usize,
) -> Result<Duration, Box<dyn Error>> {
    for (n, &customer) in customers.iter().enumerate() {
        fake.user_starts_bot(customer)?;
        fake.user_sends(customer, Draft::text(format!("/start g{}", n % groups)))?;
    }
    let asked = |world: &World, customer: u64| {
        let messages = world.messages(customer as i64);
        let newest = messages.iter().rev().find(|m| m.from == world.bot_id());
        newest.and_then(|m| m.text.as_deref()).is_some_and(|text| text.contains("What happened?"))
    };
    wait(fake, "every form's question", |world| customers.iter().all(|&c| asked(world, c)).then_some(()))
        .await?;
    for (n, &customer) in customers.iter().enumerate() {
        fake.user_sends(customer, Draft::text(format!("Order {n} arrived without its parts")))?;
    }
    let summaries = wait(fake, "every form's summary", |world| {
        customers.iter().map(|&c| submit(world, c)).collect::<Option<Vec<_>>>()
    })
    .await?;
    let started = Instant::now();
    for (&customer, (message_id, data)) in customers.iter().zip(summaries) {
        fake.press_button(customer, customer as i64, message_id, &data)?;
    }
    wait(fake, "every ticket's card in its topic", |world| {
        let carded = CHATS[..groups]
            .iter()
            .flat_map(|&chat| world.topics(chat).into_iter().map(move |topic| (chat, topic.thread_id)))
            .filter(|&(chat, thread)| {
                let posts = world.thread_messages(chat, Thread::Topic(thread));
                posts.iter().any(|m| {
                    m.from == world.bot_id()
                        && m.reply_markup.is_some()
                        && m.text.as_deref().is_some_and(|text| text.contains("Priority:"))
                })
            })
            .count();
        (carded >= customers.len()).then_some(())
    })
    .await?;
    Ok(started.elapsed())
}

/// The Submit button on the customer's form summary, once it is there.
fn submit(world: &World, customer: u64) -> Option<(i32, String)> {
    let messages = world.messages(customer as i64);
    let newest = messages.iter().rev().find(|m| m.from == world.bot_id())?;
    crate::demo::button(newest, "Submit")
}

async fn wait<R>(fake: &FakeHandle, what: &str, holds: impl FnMut(&World) -> Option<R>) -> Result<R, String> {
    fake.wait_for(PATIENCE, holds).await.map_err(|_| format!("waited {PATIENCE:?} for {what}"))
}

/// The shipped rules with one-question forms `g0`..: the desk's groups each take one form.
fn write_rules(to: &Path, groups: usize) -> std::io::Result<()> {
    crate::demo::write_default_rules(to)?;
    // The scenarios and templates name the shipped forms; the bench's forms replace them.
    // Without the knowledge base no ticket's topic gets articles its words happen to match.
    for dir in ["tests", "templates", "forms", "kb"] {
        std::fs::remove_dir_all(to.join(dir))?;
    }
    std::fs::create_dir(to.join("forms"))?;
    let mut forms = Vec::new();
    let mut staff_groups = String::from("staff_groups:\n");
    for (group, chat) in CHATS.iter().enumerate().take(groups) {
        let form = format!(
            "id: g{group}\ntitle: Group {group}\nfields:\n  - id: summary\n    prompt: What happened?\n    type: text\n"
        );
        std::fs::write(to.join(format!("forms/g{group}.yaml")), form)?;
        forms.push(format!("g{group}"));
        let _ = writeln!(staff_groups, "  - {{ name: g{group}, chat: {chat}, forms: [g{group}] }}");
    }
    let desk = format!("timezone: UTC\nintake:\n  forms: [{}]\n{staff_groups}", forms.join(", "));
    std::fs::write(to.join("desk.yaml"), desk)?;
    // An agent a group, with room for every ticket: each ticket costs its group the same
    // messages (topic, card, the routing's line) in both runs.
    let mut team = String::from("agents:\n");
    for group in 0..groups {
        let agent = AGENT + group as u64;
        let _ =
            writeln!(team, "  - {{ id: {agent}, name: Agent{group}, capacity: 1000, groups: [g{group}] }}");
    }
    std::fs::write(to.join("team.yaml"), team)
}

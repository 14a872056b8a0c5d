//! The end-to-end harness: the fake Bot API and the real host in this process, a fresh
//! temporary directory with the shipped rules and a new store per test, customers who fill
//! the shipped support form by pressing its buttons, and waits that re-check the fake's
//! world after every change until a deadline (never a bare sleep).
//!
//! Customer messages that tests count carry a number in their text (`Cust03 #007`), so a
//! topic's copies can be read back in order, checked for gaps and duplicates, and nothing
//! else the desk posts (cards, notes, routing lines) gets in the way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use topicdesk::fakegram::{
    Content, Draft, FakeConfig, FakeHandle, FakeMessage, FakeTelegram, MemberRole, RateBudgets, Thread,
    UserSpec, World,
};
use topicdesk::host::{HealthOptions, HostError, HostOptions};
use topicdesk::store::{ReadTx, Store, data_file};

/// The staff forum of the fake's default world.
pub const STAFF: i64 = -1_001_234_567_890;
/// Dana, a supervisor in the shipped team.yaml, is the agent in every test.
pub const DANA: u64 = 111_111_111;
/// How long any one condition may take before a test fails. Generous, because CI machines
/// are shared; a passing test never waits it out.
pub const PATIENCE: Duration = Duration::from_mins(2);

/// How a test's desk starts.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub customers: usize,
    /// Rate budgets on both sides with every window multiplied by this factor (the fake
    /// enforces Telegram's limits with 429s, the host's dispatcher keeps them); `None`
    /// switches both off (the fake admits everything, the host runs `unlimited`).
    pub budget_scale: Option<f64>,
}

/// A customer of the fake world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub id: u64,
    pub name: String,
}

/// A desk under test: the fake, the host running against it, and their files.
pub struct Desk {
    pub fake: Arc<FakeHandle>,
    pub customers: Vec<Customer>,
    pub options: HostOptions,
    host: Option<Host>,
    _temp: tempfile::TempDir,
}

struct Host {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), HostError>>,
}

impl Customer {
    pub fn nth(n: usize) -> Customer {
        Customer { id: 7_000_000 + n as u64, name: format!("Cust{n:02}") }
    }

    /// The private chat with the bot.
    pub fn chat(&self) -> i64 {
        self.id as i64
    }

    /// The text of this customer's `n`-th counted message.
    pub fn numbered(&self, n: usize) -> String {
        format!("{} #{n:03}", self.name)
    }

    /// The text of Dana's `n`-th counted reply to this customer.
    pub fn reply_numbered(&self, n: usize) -> String {
        format!("To {} #{n:03}", self.name)
    }

    /// Dana writes the counted replies `range` into the customer's live topic, in order.
    pub fn dana_replies(&self, fake: &FakeHandle, range: std::ops::Range<usize>) {
        let thread = fake.inspect(|world| topic_of(world, self)).expect("the customer has a topic");
        for n in range {
            let draft = Draft::text(self.reply_numbered(n)).in_topic(thread);
            fake.send_as(DANA, STAFF, draft).expect("Dana can write in the topic");
        }
    }

    /// Sends the counted messages `range` in order.
    pub fn send_numbered(&self, fake: &FakeHandle, range: std::ops::Range<usize>) {
        for n in range {
            fake.user_sends(self.id, Draft::text(self.numbered(n))).expect("the customer can write");
        }
    }
}

/// The world's configuration for `customers` customers and Dana in the staff forum.
pub fn fake_config(customers: &[Customer], budgets: RateBudgets) -> FakeConfig {
    let mut users: Vec<UserSpec> =
        customers.iter().map(|c| UserSpec::new(c.id, c.name.clone()).language_code("en")).collect();
    users.push(UserSpec::new(DANA, "Dana").username("dana_support").language_code("en"));
    let mut config = FakeConfig { users, rate_budgets: budgets, ..FakeConfig::default() };
    config.groups[0].members.push((DANA, MemberRole::Member));
    config
}

/// A directory with the shipped rules, as `topicdesk run --rules` would read them.
pub fn shipped_rules(root: &Path) -> PathBuf {
    let rules = root.join("rules");
    topicdesk::demo::write_default_rules(&rules).expect("write the shipped rules");
    rules
}

/// Logs from the host and the fake when `RUST_LOG` asks for them.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

impl Desk {
    /// `topicdesk run --http 127.0.0.1:0` with its log in `log`; the address it serves on,
    /// from its log.
    pub async fn run_with_http(&self, log: &Path) -> (tokio::process::Child, std::net::SocketAddr) {
        let file = std::fs::File::create(log).expect("log file");
        let mut host = self
            .run_command(&[])
            .args(["--http", "127.0.0.1:0"])
            .env("RUST_LOG", "warn,topicdesk::http=info")
            .env("NO_COLOR", "1")
            .stderr(file)
            .spawn()
            .expect("start topicdesk run");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut interval = tokio::time::interval(Duration::from_millis(20));
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let served = text.lines().find(|line| line.contains("serving /metrics"));
            if let Some(addr) = served.and_then(|line| line.split("addr=").nth(1)) {
                let addr: String =
                    addr.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
                return (host, addr.parse().unwrap_or_else(|_| panic!("an address in {served:?}")));
            }
            let ended = host.try_wait().expect("the host's state");
            assert!(
                ended.is_none() && tokio::time::Instant::now() < deadline,
                "the host never said where it serves ({ended:?}); log:\n{text}"
            );
            interval.tick().await;
        }
    }

    /// `topicdesk run` on this desk as a child process: its rules, data and staff chat, the
    /// fake's token and address, no rate budget, stdin and stdout closed, killed when
    /// dropped. `launcher` (a program and its arguments) runs the binary when not empty, for
    /// a shell that sets something up first; the binary is its last argument. Logging and
    /// stderr are the test's to set.
    pub fn run_command(&self, launcher: &[&str]) -> tokio::process::Command {
        let binary = env!("CARGO_BIN_EXE_topicdesk");
        let mut command = match launcher {
            [] => tokio::process::Command::new(binary),
            [program, args @ ..] => {
                let mut command = tokio::process::Command::new(program);
                command.args(args).arg(binary);
                command
            }
        };
        command
            .arg("run")
            .arg("--rules")
            .arg(&self.options.rules)
            .arg("--data")
            .arg(&self.options.data)
            .args(["--staff-chat", &STAFF.to_string(), "--no-rate-budget"])
            .env("TELOXIDE_TOKEN", self.fake.token())
            .env("TELOXIDE_API_URL", self.fake.api_url())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Starts the fake and the host.
    pub async fn start(setup: Setup) -> Desk {
        let mut desk = Desk::prepare(setup).await;
        desk.start_host();
        desk
    }

    /// Starts the fake and writes the rules; the host is left to the test (it may run the
    /// real binary with `options`).
    pub async fn prepare(setup: Setup) -> Desk {
        init_logs();
        let temp = tempfile::tempdir().expect("temp dir");
        let customers: Vec<Customer> = (0..setup.customers).map(Customer::nth).collect();
        let budgets = setup.budget_scale.map_or_else(RateBudgets::off, RateBudgets::scaled);
        let fake = FakeTelegram::start(fake_config(&customers, budgets)).await.expect("start the fake");
        let options = HostOptions {
            rules: shipped_rules(temp.path()),
            data: temp.path().join("data"),
            staff_chat: Some(STAFF),
            token: Some(fake.token().to_owned()),
            api_url: Some(fake.api_url()),
            unlimited: setup.budget_scale.is_none(),
            window_scale: setup.budget_scale.unwrap_or(1.0),
            poll_timeout: Duration::from_secs(5),
            drain_for: Duration::from_secs(2),
            watch_rules: None,
            http: None,
            webhook: None,
            health: HealthOptions::default(),
        };
        Desk { fake: Arc::new(fake), customers, options, host: None, _temp: temp }
    }

    /// Starts the host on the desk's data directory.
    pub fn start_host(&mut self) {
        assert!(self.host.is_none(), "the host is already running");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(topicdesk::host::run(self.options.clone(), async move {
            let _ = stopped.await;
        }));
        self.host = Some(Host { stop, task });
    }

    /// Asks the host to shut down as SIGTERM does and waits until it has.
    pub async fn stop_host(&mut self) {
        let host = self.host.take().expect("the host is running");
        let _ = host.stop.send(());
        let outcome = tokio::time::timeout(PATIENCE, host.task).await.expect("the host stops in time");
        outcome.expect("the host task does not panic").expect("the host ran without error");
    }

    /// Stops the host and checks it left nothing unsent: the outbox is empty.
    pub async fn finish(mut self) {
        self.stop_host().await;
        assert_outbox_empty(&self.options.data);
    }

    /// Stops the host and starts a new one on the same store.
    pub async fn restart_host(&mut self) {
        self.stop_host().await;
        self.start_host();
    }

    /// Opens a ticket for every customer at once; returns their topics' thread ids.
    pub async fn open_all_tickets(&self) -> Vec<i32> {
        let mut intakes = JoinSet::new();
        for (index, customer) in self.customers.iter().cloned().enumerate() {
            let fake = Arc::clone(&self.fake);
            intakes.spawn(async move { (index, open_ticket(&fake, &customer).await) });
        }
        let mut threads = vec![0; self.customers.len()];
        while let Some(joined) = intakes.join_next().await {
            let (index, thread) = joined.expect("an intake panicked");
            threads[index] = thread;
        }
        threads
    }

    /// Waits until `holds` is true of the world, or fails the test naming `what`.
    pub async fn wait(&self, what: &str, holds: impl FnMut(&World) -> bool) {
        wait(&self.fake, what, holds).await;
    }

    /// Waits until `holds` is true of the committed store, or fails the test naming `what`.
    /// The store is opened read-only, as `topicdesk tickets` does while the host runs.
    pub async fn wait_store(&self, what: &str, mut holds: impl FnMut(&ReadTx) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut interval = tokio::time::interval(Duration::from_millis(10));
        loop {
            let store = Store::open_read_only(&data_file(&self.options.data)).expect("the store opens");
            if holds(&store.read().expect("read")) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
            interval.tick().await;
        }
    }

    /// Waits until every customer's counted messages `0..relayed` are in their live topic
    /// and Dana's counted replies `0..answered` are in their private chat, each at least once.
    pub async fn wait_counted(&self, relayed: usize, answered: usize) {
        let customers = self.customers.clone();
        let short = |world: &World| {
            customers
                .iter()
                .map(|c| (c.name.clone(), (self::relayed(world, c), self::answered(world, c))))
                .filter(|(_, (r, a))| !covers(r, relayed) || !covers(a, answered))
                .collect::<BTreeMap<_, _>>()
        };
        if self.fake.wait_until(PATIENCE, |world| short(world).is_empty()).await.is_err() {
            let short = self.fake.inspect(|world| short(world));
            panic!(
                "waited {PATIENCE:?} for {relayed} messages of each customer in their topic and \
                 {answered} replies in their chat; short, with (relayed, answered): {short:?}"
            );
        }
    }

    /// Asserts every customer's counted messages `0..relayed` are in their topic, and Dana's
    /// counted replies `0..answered` in their chat, each exactly once and in order.
    pub fn assert_counted_once_in_order(&self, relayed: usize, answered: usize) {
        self.fake.inspect(|world| {
            for customer in &self.customers {
                let got = self::relayed(world, customer);
                assert_eq!(got, (0..relayed).collect::<Vec<_>>(), "{}'s topic", customer.name);
                let got = self::answered(world, customer);
                assert_eq!(got, (0..answered).collect::<Vec<_>>(), "{}'s chat", customer.name);
            }
        });
    }

    /// Asserts the fake never answered 429.
    pub fn assert_no_429(&self) {
        let refused: Vec<String> = self.fake.inspect(|world| {
            world.calls().iter().filter(|c| c.status == 429).map(|c| c.method.clone()).collect()
        });
        assert!(refused.is_empty(), "the fake answered 429 to {} calls: {refused:?}", refused.len());
    }
}

/// Asserts the store in `data` holds no unsent call.
pub fn assert_outbox_empty(data: &Path) {
    let store = Store::open_read_only(&data_file(data)).expect("the store opens");
    let read = store.read().expect("read");
    let left = read.outbox(20).expect("outbox");
    assert!(left.is_empty(), "calls left in the outbox: {left:#?}");
}

/// Waits until `holds` is true of the world, or fails the test naming `what`.
pub async fn wait(fake: &FakeHandle, what: &str, holds: impl FnMut(&World) -> bool) {
    assert!(fake.wait_until(PATIENCE, holds).await.is_ok(), "waited {PATIENCE:?} for {what}");
}

/// Walks a customer through the shipped support form (technical problem, normal priority,
/// no screenshot) and waits for the ticket's topic and card; returns the topic's thread id.
pub async fn open_ticket(fake: &FakeHandle, customer: &Customer) -> i32 {
    fill_support_form(fake, customer).await;
    press(fake, customer, "Submit").await;
    let what = format!("{}'s topic with its card and the confirmation", customer.name);
    let found = fake
        .wait_for(PATIENCE, |world| {
            let thread = topic_of(world, customer)?;
            let card = card_in(world, thread).is_some();
            let confirmed = from_bot(world, customer.chat()).iter().any(|m| has_text(m, "is registered as"));
            (card && confirmed).then_some(thread)
        })
        .await;
    found.unwrap_or_else(|_| panic!("waited {PATIENCE:?} for {what}"))
}

/// Walks a customer through the shipped support form up to its Submit button (the
/// description matches an article of the shipped knowledge base: they still need help).
pub async fn fill_support_form(fake: &FakeHandle, customer: &Customer) {
    describe_problem(fake, customer, &format!("{} cannot export to CSV.", customer.name)).await;
    press(fake, customer, "I still need help").await;
    answer(fake, customer, "A screenshot helps", "/skip").await;
}

/// Starts the shipped support form as a technical problem of normal priority and answers
/// its description with `description`.
pub async fn describe_problem(fake: &FakeHandle, customer: &Customer, description: &str) {
    fake.user_starts_bot(customer.id).expect("the customer starts the bot");
    press(fake, customer, "Contact support").await;
    press(fake, customer, "Technical problem").await;
    press(fake, customer, "Normal").await;
    answer(fake, customer, "Describe the problem", description).await;
}

/// Presses the button labelled `label` on the bot's newest message offering it.
pub async fn press(fake: &FakeHandle, customer: &Customer, label: &str) {
    let what = format!("a button {label:?} for {}", customer.name);
    let found = fake
        .wait_for(PATIENCE, |world| {
            from_bot(world, customer.chat()).into_iter().rev().find_map(|m| button(m, label))
        })
        .await;
    let (message_id, data) = found.unwrap_or_else(|_| panic!("waited {PATIENCE:?} for {what}"));
    fake.press_button(customer.id, customer.chat(), message_id, &data).expect("the button can be pressed");
}

/// Waits for the bot to ask something containing `prompt`, then writes `text`.
pub async fn answer(fake: &FakeHandle, customer: &Customer, prompt: &str, text: &str) {
    let what = format!("the prompt {prompt:?} for {}", customer.name);
    wait(fake, &what, |world| from_bot(world, customer.chat()).iter().any(|m| has_text(m, prompt))).await;
    fake.user_sends(customer.id, Draft::text(text)).expect("the customer can write");
}

/// Every inline button of a message, row by row, as Telegram shows them.
pub fn buttons(message: &FakeMessage) -> Vec<serde_json::Value> {
    let rows = message.reply_markup.as_ref().and_then(|m| m.get("inline_keyboard")?.as_array().cloned());
    rows.unwrap_or_default().iter().flat_map(|row| row.as_array().cloned().unwrap_or_default()).collect()
}

/// Waits for the customer to receive a message starting with `start`; returns it.
pub async fn received(fake: &FakeHandle, customer: &Customer, start: &str) -> FakeMessage {
    let found = fake
        .wait_for(PATIENCE, |world| {
            from_bot(world, customer.chat())
                .into_iter()
                .find(|m| m.text.as_deref().is_some_and(|t| t.starts_with(start)))
                .cloned()
        })
        .await;
    found.unwrap_or_else(|_| panic!("waited for {start:?} in {}'s chat", customer.name))
}

/// The (message id, callback data) of the button labelled `label`, if the message has one.
pub fn button(message: &FakeMessage, label: &str) -> Option<(i32, String)> {
    buttons(message).iter().find_map(|b| {
        let text = b.get("text")?.as_str()?;
        let data = b.get("callback_data")?.as_str()?;
        (text.trim_start_matches(['✓', ' ']) == label).then(|| (message.message_id, data.to_owned()))
    })
}

pub fn has_text(message: &FakeMessage, needle: &str) -> bool {
    message.text.as_deref().is_some_and(|text| text.contains(needle))
}

/// The bot's live messages in a chat, in order.
pub fn from_bot(world: &World, chat_id: i64) -> Vec<&FakeMessage> {
    world.messages(chat_id).into_iter().filter(|m| m.from == world.bot_id()).collect()
}

/// The bot's messages in a topic, service messages left out.
pub fn bot_posts(world: &World, thread: i32) -> Vec<&FakeMessage> {
    world
        .thread_messages(STAFF, Thread::Topic(thread))
        .into_iter()
        .filter(|m| m.from == world.bot_id() && !matches!(m.content, Content::Service(_)))
        .collect()
}

/// The customer's live topic (`T-000007 · Technical problem · Cust03`).
pub fn topic_of(world: &World, customer: &Customer) -> Option<i32> {
    let suffix = format!("· {}", customer.name);
    let live = world.topics(STAFF).into_iter().filter(|t| !t.deleted && t.name.ends_with(&suffix));
    live.map(|t| t.thread_id).max()
}

/// The ticket card in a topic: the bot's message with the card's action buttons.
pub fn card_in(world: &World, thread: i32) -> Option<&FakeMessage> {
    bot_posts(world, thread).into_iter().find(|m| m.reply_markup.is_some() && has_text(m, "Priority:"))
}

/// The numbers of the customer's counted messages copied into their live topic, in the
/// order they appear there.
pub fn relayed(world: &World, customer: &Customer) -> Vec<usize> {
    let Some(thread) = topic_of(world, customer) else { return Vec::new() };
    numbered_in_thread(world, thread, customer)
}

/// Whether `numbers` holds each of `0..n` at least once.
fn covers(numbers: &[usize], n: usize) -> bool {
    (0..n).all(|wanted| numbers.contains(&wanted))
}

/// The numbers of Dana's counted replies in the customer's chat, in order.
pub fn answered(world: &World, customer: &Customer) -> Vec<usize> {
    let prefix = format!("To {} #", customer.name);
    from_bot(world, customer.chat())
        .into_iter()
        .filter_map(|m| m.text.as_deref()?.strip_prefix(&prefix)?.parse().ok())
        .collect()
}

/// The numbers of the customer's counted messages in one topic, in order.
pub fn numbered_in_thread(world: &World, thread: i32, customer: &Customer) -> Vec<usize> {
    let prefix = format!("{} #", customer.name);
    // A message may carry several (the dispatcher may coalesce texts); each line counts.
    bot_posts(world, thread)
        .into_iter()
        .filter_map(|m| m.text.as_deref())
        .flat_map(str::lines)
        .filter_map(|line| line.strip_prefix(&prefix)?.parse().ok())
        .collect()
}

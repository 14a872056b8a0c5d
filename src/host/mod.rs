//! The bot host behind `topicdesk run`: the imperative shell around the desk.
//!
//! Tasks, talking through bounded channels:
//! - the poller fetches a page of updates and hands it to the desk loop, then waits until
//!   the page is committed before asking for the next (the stored offset is the truth);
//! - the desk loop is the one owner of state: each page, each batch of send results and
//!   each rules reload is one store transaction run through the desk;
//! - the dispatcher reads the outbox, lets the budget pick what may go, sends it, and
//!   hands the verdicts back to the desk loop, which drops what Telegram accepted.
//!
//! - the timer asks for a tick when a deadline falls due;
//! - the control socket (`control`) takes the command line's requests (`forget`,
//!   `compact`, `dead-letters retry`, views to record) to the desk loop and answers; retry
//!   requests left while no desk ran are served once at start (`dead_letters`);
//! - with `--http` (or desk.yaml `http.listen`), the web edge (`http`) serves `/metrics`,
//!   `/healthz` and `/readyz`;
//! - with `--webhook URL --listen ADDR`, Telegram pushes updates instead: the webhook is
//!   set at start, `http::webhook` receives each update and `webhook` hands them to the
//!   desk loop as the poller would, answering Telegram after the commit. Started without
//!   it while a webhook is still set, the host deletes the webhook (keeping what Telegram
//!   holds) and polls.
//!
//! The tasks count what they do into the host's `http::Metrics` (updates, commits, Bot
//! API calls, the outbox, reloads) and beat an `http::Heartbeat`: busy while on a piece of
//! work, idle while waiting for one, which is what `/healthz` judges.
//!
//! Shutdown (SIGTERM, SIGINT or the future given to [`run`]): the page in hand is
//! finished, polling stops, the dispatcher drains for a bounded time, and what is not
//! sent stays in the outbox for the next start.
//!
//! A task never ends on its own while the host runs: each retries what fails (invariant
//! 10). Should one end all the same (a bug, a panic, a damaged data file), [`run`] stops
//! the others and returns [`HostError::TaskEnded`] (or the store's error), and the process
//! exits non-zero, so the service manager starts it again.

mod control;
mod dead_letters;
mod desk_loop;
mod dispatcher;
mod poller;
mod timer;
mod webhook;

#[cfg(test)]
mod desk_loop_tests;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use crate::http::{Health, Heartbeat, Metrics, Served};
use crate::outbox::Limits;
use crate::rules::{RulesHandle, WatchMode};
use crate::store::{Store, StoreError};
use crate::telegram::{StaffChatTrouble, StartupError};

pub use desk_loop::{DeskInput, PageUpdate, TRIES};

/// The staff groups as the host knows them now: each group's chat id, and the ids it had
/// before Telegram moved it (calls queued for an old id go to the new one).
pub(crate) use crate::groups::StaffGroups as StaffChats;

/// How to run the host.
#[derive(Clone, Debug)]
pub struct HostOptions {
    pub rules: PathBuf,
    pub data: PathBuf,
    pub staff_chat: Option<i64>,
    pub token: Option<String>,
    pub api_url: Option<String>,
    /// Send as fast as the API answers (benchmarks against a local stand-in only).
    pub unlimited: bool,
    /// Shrinks every budget window (tests against the stand-in); 1.0 for Telegram.
    pub window_scale: f64,
    pub poll_timeout: Duration,
    /// How long the dispatcher may keep sending after shutdown is asked for.
    pub drain_for: Duration,
    pub watch_rules: Option<WatchMode>,
    /// Where to serve `/metrics`, `/healthz` and `/readyz`; desk.yaml `http.listen` when
    /// `None`, and no server when neither says.
    pub http: Option<SocketAddr>,
    /// Webhook mode: Telegram pushes updates to this URL, received on this address.
    pub webhook: Option<WebhookOptions>,
    pub health: HealthOptions,
}

/// `run --webhook URL --listen ADDR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookOptions {
    /// The https URL Telegram POSTs to (the operator's proxy in front of `listen`).
    pub url: String,
    /// Where the receiver listens; the proxy forwards the URL's path here unchanged.
    pub listen: SocketAddr,
}

/// How `/healthz` judges the host's tasks.
#[derive(Clone, Debug)]
pub struct HealthOptions {
    /// The longest one piece of work of a task may last (the poller: its long poll and
    /// this) before `/healthz` reports the task stuck.
    pub stall_after: Duration,
    /// A fault for tests: this task stops making progress as soon as it starts (busy on
    /// nothing, forever), as a task stuck on a lock or a dead connection would.
    pub stalled: Option<Task>,
}

impl Default for HealthOptions {
    fn default() -> HealthOptions {
        HealthOptions { stall_after: Duration::from_mins(2), stalled: None }
    }
}

/// The host's tasks, as `/healthz` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Poller,
    DeskLoop,
    Dispatcher,
    Timer,
    Webhook,
    RulesWatcher,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Poller => "poller",
            Task::DeskLoop => "desk loop",
            Task::Dispatcher => "dispatcher",
            Task::Timer => "timer",
            Task::Webhook => "webhook receiver",
            Task::RulesWatcher => "rules watcher",
        }
    }
}

/// Telegram's last answer may be this much older than a long poll lasts before `/readyz`
/// says Telegram is out of reach.
const TELEGRAM_GRACE: Duration = Duration::from_mins(1);

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("the rules in {dir} are not valid:\n{report}")]
    Rules { dir: PathBuf, report: String },
    #[error("no staff chat: set `staff_chat` or `staff_groups` in desk.yaml, or pass --staff-chat")]
    NoStaffChat,
    #[error(
        "--staff-chat stands for a desk's one staff group, but desk.yaml lists {groups} in `staff_groups`"
    )]
    StaffChatWithGroups { groups: usize },
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("watching the rules directory failed: {0}")]
    Watch(String),
    #[error("{0}; pick another address with --http or desk.yaml `http.listen`")]
    Http(#[from] crate::http::BindError),
    #[error("{0}; pick another address with --listen")]
    WebhookListen(crate::http::BindError),
    #[error("no secret token could be drawn for the webhook: {0}")]
    Secret(std::io::Error),
    #[error(
        "the host's {task} ended unexpectedly{detail}; exiting so that the service manager starts topicdesk again"
    )]
    TaskEnded { task: &'static str, detail: String },
}

impl HostError {
    /// The process exit code: 1 for what the operator must fix (rules, configuration, the
    /// token, a damaged or foreign data file), 3 for a failure of the running host that a
    /// restart may cure.
    pub fn exit_code(&self) -> u8 {
        match self {
            HostError::TaskEnded { .. } => 3,
            _ => 1,
        }
    }
}

impl HostOptions {
    /// Options for a host against a local stand-in of the Bot API (the demo, the bench): the
    /// staff groups from desk.yaml, every budget window scaled by `window_scale` (the stand-in
    /// scales its own the same), a short long poll.
    pub fn local(
        api_url: String,
        token: String,
        rules: PathBuf,
        data: PathBuf,
        window_scale: f64,
    ) -> HostOptions {
        HostOptions {
            rules,
            data,
            staff_chat: None,
            token: Some(token),
            api_url: Some(api_url),
            unlimited: false,
            window_scale,
            poll_timeout: Duration::from_secs(1),
            drain_for: Duration::from_secs(2),
            watch_rules: None,
            http: None,
            webhook: None,
            health: HealthOptions::default(),
        }
    }

    /// Options for `topicdesk run`: token and API root from teloxide's environment names.
    pub fn from_env(rules: PathBuf, data: PathBuf, staff_chat: Option<i64>) -> HostOptions {
        HostOptions {
            rules,
            data,
            staff_chat,
            token: std::env::var("TELOXIDE_TOKEN").ok(),
            api_url: std::env::var("TELOXIDE_API_URL").ok(),
            unlimited: false,
            window_scale: 1.0,
            poll_timeout: Duration::from_secs(25),
            drain_for: Duration::from_secs(5),
            watch_rules: Some(WatchMode::Native),
            http: None,
            webhook: None,
            health: HealthOptions::default(),
        }
    }
}

/// Runs the desk until `shutdown` resolves.
#[allow(clippy::too_many_lines)] // The start in order: each step a few lines, read top to bottom.
pub async fn run(options: HostOptions, shutdown: impl Future<Output = ()>) -> Result<(), HostError> {
    let (rules, diagnostics) = crate::rules::load(&options.rules);
    let Some(rules) = rules else {
        let report: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        return Err(HostError::Rules { dir: options.rules.clone(), report: report.join("\n") });
    };
    let listed = rules.desk().staff_groups.len();
    if options.staff_chat.is_some() && listed > 1 {
        return Err(HostError::StaffChatWithGroups { groups: listed });
    }
    let configured = rules.desk().staff_groups(options.staff_chat).ok_or(HostError::NoStaffChat)?;
    // Bound as soon as the rules say where, before the store opens: a port in use ends the start at once, with its reason.
    let listener = match options.http.or(rules.desk().http_listen) {
        Some(addr) => Some(crate::http::bind(addr).await?),
        None => None,
    };
    // `run --webhook --listen`, else desk.yaml `http.webhook`.
    let webhook = options.webhook.clone().or_else(|| {
        rules
            .desk()
            .webhook
            .as_ref()
            .map(|hook| WebhookOptions { url: hook.url.clone(), listen: hook.listen })
    });
    let webhook_listener = match &webhook {
        Some(webhook) => Some(crate::http::bind(webhook.listen).await.map_err(HostError::WebhookListen)?),
        None => None,
    };
    let limits = limits(&options, &rules);
    let (path, store, groups) = open_store(&options.data, configured).await?;
    let staff_chats: Vec<i64> = groups.all().iter().map(|group| group.chat).collect();
    let bot = crate::telegram::connect(options.token.clone(), options.api_url.clone())?;
    let metrics = Arc::new(Metrics::new());
    metrics.rules_in_force(&rules.version().to_string());
    let health = Arc::new(Health::new(options.poll_timeout + TELEGRAM_GRACE));
    health.rules_loaded();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut names = Vec::new();
    let secure_cookie = rules.desk().public_url.as_ref().is_some_and(|url| url.starts_with("https://"));
    let handle = RulesHandle::new(rules);
    let rules = handle.current();
    // Served from here on, so that a start waiting for Telegram shows as not ready.
    if let Some(listener) = listener {
        let dashboard = options.token.clone().map(|token| crate::http::dashboard::Dashboard {
            token,
            rules: handle.clone(),
            secure_cookie,
        });
        let endpoints =
            Served { metrics: metrics.clone(), health: health.clone(), store: store.clone(), dashboard };
        let http_task = tasks.spawn(crate::http::serve(listener, endpoints, stop_rx.clone()));
        names.push((http_task.id(), "HTTP server"));
    }
    // Shutdown may come while Telegram is still out of reach: then the host ends at once.
    let mut shutdown = std::pin::pin!(shutdown);
    // A desk that has taken updates before is restarting, perhaps on a bad day for the staff
    // chat: then that chat's trouble is waited out instead of ending the start.
    let has_run = crate::store::guard_damage(&path, || store.read()?.update_offset())??.is_some();
    let trouble = if has_run { StaffChatTrouble::IsWaitedOut } else { StaffChatTrouble::EndsTheStart };
    // Start-up requests are counted in the metrics like every other.
    let count = counted_calls(&metrics);
    let counting = |start| crate::telegram::counting(count.clone(), start);
    let waited = counting(crate::telegram::wait_for_telegram(&bot, &staff_chats, trouble, &mut shutdown));
    let Some(account) = waited.await? else {
        tracing::info!("shut down before Telegram could be reached");
        return Ok(());
    };
    if account.inline == crate::desk::InlineMode::Off {
        tracing::info!("inline mode is off in BotFather: cards go without a Templates button; /t works");
    }
    health.telegram_answered();
    let commands =
        crate::telegram::counting(count.clone(), crate::telegram::register_commands(&bot, &staff_chats));
    if let Err(error) = commands.await {
        tracing::warn!(%error, "could not register the command menus");
    }
    let members: Vec<i64> = rules.team().agents.iter().map(|agent| agent.id).collect();
    let own =
        crate::telegram::counting(count.clone(), crate::telegram::register_member_commands(&bot, &members))
            .await;
    tracing::info!(set = own, of = members.len(), "team members' own menus in their private chats");
    // Webhook mode sets the webhook with this start's secret; polling deletes one left set.
    let webhook_secret = if let Some(webhook) = &webhook {
        let secret = webhook::new_secret().map_err(HostError::Secret)?;
        let set = crate::telegram::set_webhook(&bot, &webhook.url, &secret, &mut shutdown);
        if crate::telegram::counting(count.clone(), set).await?.is_none() {
            tracing::info!("shut down before the webhook was set");
            return Ok(());
        }
        tracing::info!(url = %webhook.url, "the webhook is set; Telegram pushes updates");
        Some(secret)
    } else {
        let left =
            crate::telegram::counting(count.clone(), crate::telegram::leave_webhook(&bot, &mut shutdown));
        match left.await? {
            None => {
                tracing::info!("shut down before polling could start");
                return Ok(());
            }
            Some(crate::telegram::Left::Deleted(left)) => tracing::info!(
                url = %left.url,
                pending = left.pending,
                "a webhook was still set: deleted it, keeping the updates Telegram holds; polling takes them"
            ),
            Some(crate::telegram::Left::NoWebhook) => {}
        }
        None
    };
    if let Some(public_url) = &rules.desk().public_url {
        let url = format!("{public_url}/dashboard");
        match crate::telegram::counting(
            count.clone(),
            crate::telegram::set_dashboard_menu(&bot, &url, &members),
        )
        .await
        {
            Ok(set) => tracing::info!(set, %url, "the team's menu button opens the dashboard"),
            Err(error) => tracing::warn!(%error, "could not set the dashboard menu button"),
        }
    }
    let learnt = business_at_start(&bot, &path, &store, &rules, count.clone()).await?;
    // `staff_chat`: the desk's own group (the first), as with one group; then every group's.
    tracing::info!(
        staff_chat = groups.desk_group().chat,
        staff_groups = ?staff_chats,
        rules = %rules.version(),
        "desk is running"
    );

    let (desk_tx, desk_rx) = mpsc::channel::<DeskInput>(16);
    let outbox_changed = Arc::new(Notify::new());
    let (staff_tx, staff_rx) = watch::channel(groups);

    let stall_after = options.health.stall_after;
    let beat =
        |task: Task, limit: Duration| (health.task(task.name(), limit), options.health.stalled == Some(task));
    let watcher = match options.watch_rules {
        Some(mode) => {
            let reload_tx = desk_tx.clone();
            // The watcher runs on the file-watching library's thread: busy while it reloads,
            // ended once that thread let go of the callbacks (it stopped, or panicked).
            let (watcher_beat, stalled) = beat(Task::RulesWatcher, stall_after);
            let alive = watcher_beat.alive();
            if stalled {
                watcher_beat.busy();
            }
            let on_event = move |event| {
                let _alive = &alive;
                let _ = reload_tx.try_send(DeskInput::Reload(event));
            };
            let reloading = move |reloading| match (stalled, reloading) {
                (true, _) => {}
                (false, true) => watcher_beat.busy(),
                (false, false) => watcher_beat.idle(),
            };
            let watcher =
                crate::rules::watch_with_progress(&options.rules, handle.clone(), mode, on_event, reloading)
                    .map_err(|error| HostError::Watch(error.to_string()))?;
            Some(watcher)
        }
        None => None,
    };

    let deadlines_changed = Arc::new(Notify::new());
    let (desk_beat, stalled) = beat(Task::DeskLoop, stall_after);
    let desk_task = tokio::spawn(watched(
        desk_beat.clone(),
        stalled,
        desk_loop::run(
            desk_loop::DeskLoop {
                store: store.clone(),
                rules: handle.clone(),
                staff: staff_tx,
                changed: [outbox_changed.clone(), deadlines_changed.clone()],
                handler: desk_loop::desk_handler(),
                stop: stop_rx.clone(),
                metrics: metrics.clone(),
                beat: desk_beat,
                inline: account.inline,
            },
            desk_rx,
        ),
    ));
    if !learnt.is_empty() {
        let (ack, _) = tokio::sync::oneshot::channel();
        let _ = desk_tx.send(DeskInput::Learnt { events: learnt, ack }).await;
    }
    let (timer_beat, stalled) = beat(Task::Timer, stall_after);
    let timer = tasks.spawn(watched(
        timer_beat.clone(),
        stalled,
        timer::run(store.clone(), desk_tx.clone(), deadlines_changed, stop_rx.clone(), timer_beat),
    ));
    // Updates come from the poller, or by webhook from Telegram's POSTs.
    let intake = if let (Some(listener), Some(secret), Some(settings)) =
        (webhook_listener, webhook_secret, &webhook)
    {
        {
            let (received_tx, received_rx) = mpsc::channel(crate::http::webhook::QUEUE);
            let receiver = crate::http::webhook::Receiver {
                path: crate::http::webhook::path_of(&settings.url),
                secret,
                updates: received_tx,
            };
            let server = tasks.spawn(crate::http::webhook::serve(listener, receiver, stop_rx.clone()));
            names.push((server.id(), "webhook server"));
            let (webhook_beat, stalled) = beat(Task::Webhook, stall_after);
            let task = tasks.spawn(watched(
                webhook_beat.clone(),
                stalled,
                webhook::run(
                    webhook::Webhook {
                        bot: bot.clone(),
                        staff: staff_rx.clone(),
                        desk: desk_tx.clone(),
                        stop: stop_rx.clone(),
                        check_every: options.poll_timeout,
                    },
                    received_rx,
                    poller::Counted { metrics: metrics.clone(), health: health.clone(), beat: webhook_beat },
                ),
            ));
            (task.id(), Task::Webhook.name())
        }
    } else {
        {
            let (poller_beat, stalled) = beat(Task::Poller, options.poll_timeout + stall_after);
            let poller = tasks.spawn(watched(
                poller_beat.clone(),
                stalled,
                poller::run(
                    poller::Poller {
                        bot: bot.clone(),
                        store: store.clone(),
                        staff: staff_rx.clone(),
                        timeout: options.poll_timeout,
                        desk: desk_tx.clone(),
                        stop: stop_rx.clone(),
                    },
                    poller::Counted { metrics: metrics.clone(), health: health.clone(), beat: poller_beat },
                ),
            ));
            (poller.id(), Task::Poller.name())
        }
    };
    // Retries asked for while no desk ran: served once, then this ends (not a task of the
    // host: its end stops nothing).
    tokio::spawn(dead_letters::serve_left(path.clone(), desk_tx.clone()));
    // The control channel of `topicdesk forget`, `compact`, `dead-letters retry` and the
    // command line's views. Without it the desk still runs; those commands then say that
    // the running desk does not answer.
    let socket = path.with_file_name(crate::privacy::SOCKET_NAME);
    match control::bind(&socket) {
        Ok(listener) => {
            let control = tasks.spawn(control::run(listener, socket, desk_tx.clone(), stop_rx.clone()));
            names.push((control.id(), "control socket"));
        }
        Err(error) => {
            tracing::error!(socket = %socket.display(), %error, "the control socket cannot be opened; forget and compact cannot reach this desk");
        }
    }
    let (dispatcher_beat, stalled) = beat(Task::Dispatcher, stall_after);
    let dispatcher = tasks.spawn(watched(
        dispatcher_beat.clone(),
        stalled,
        dispatcher::run(dispatcher::Dispatcher {
            bot,
            store,
            staff: staff_rx,
            limits,
            desk: desk_tx,
            outbox_changed,
            stop: stop_rx,
            drain_for: options.drain_for,
            metrics,
            health,
            beat: dispatcher_beat,
        }),
    ));
    names.extend([(timer.id(), Task::Timer.name()), intake, (dispatcher.id(), Task::Dispatcher.name())]);
    let running = Running {
        desk_task,
        tasks,
        names,
        stop: stop_tx,
        drain_for: options.drain_for,
        watcher,
        data_file: path,
    };
    running.supervise(shutdown).await
}

/// Counts each start-up request into `metrics`, its latency on the host's clock.
fn counted_calls(metrics: &Arc<Metrics>) -> crate::telegram::CountCalls {
    let metrics = metrics.clone();
    Arc::new(move || {
        let metrics = metrics.clone();
        let sent = std::time::Instant::now();
        Box::new(move |seen| metrics.telegram_call(seen, sent.elapsed()))
    })
}

/// Runs a task's future with its heartbeat: ended once the future is gone, however it
/// went. With `stalled` (a fault for tests), the task never starts and stays busy.
async fn watched<T>(beat: Arc<Heartbeat>, stalled: bool, task: impl Future<Output = T>) -> T {
    let _alive = beat.alive();
    if stalled {
        beat.busy();
        return std::future::pending().await;
    }
    task.await
}

/// The host's tasks while they run.
struct Running {
    desk_task: tokio::task::JoinHandle<Result<(), StoreError>>,
    tasks: tokio::task::JoinSet<()>,
    names: Vec<(tokio::task::Id, &'static str)>,
    stop: watch::Sender<bool>,
    drain_for: Duration,
    watcher: Option<crate::rules::Reloader>,
    data_file: PathBuf,
}

impl Running {
    /// Waits for `shutdown` or for a task to end, then stops the rest.
    async fn supervise(self, shutdown: impl Future<Output = ()>) -> Result<(), HostError> {
        let Running { mut desk_task, mut tasks, names, stop, drain_for, watcher, data_file } = self;
        let name = |id: tokio::task::Id| {
            names.iter().find(|(known, _)| *known == id).map_or("task", |(_, name)| name)
        };
        let mut failure: Option<HostError> = None;
        let mut desk_ended = false;
        tokio::select! {
            () = shutdown => {
                tracing::info!("shutting down: finishing the page in hand and draining the outbox");
            }
            ended = &mut desk_task => {
                desk_ended = true;
                failure = Some(match ended {
                    Ok(Err(error)) => HostError::Store(error),
                    Ok(Ok(())) => HostError::TaskEnded { task: "desk loop", detail: String::new() },
                    Err(join) => panicked("desk loop", &join, &data_file),
                });
            }
            Some(ended) = tasks.join_next_with_id() => {
                failure = Some(match ended {
                    Ok((id, ())) => HostError::TaskEnded { task: name(id), detail: String::new() },
                    Err(join) => panicked(name(join.id()), &join, &data_file),
                });
            }
        }
        if let Some(error) = &failure {
            tracing::error!(%error, "stopping the host");
        }
        let _ = stop.send(true);
        // Shutdown (or a failure) is bounded: the dispatcher drains for `drain_for`, the rest
        // stop at once; a task stuck past that is left behind.
        let _ = tokio::time::timeout(drain_for + Duration::from_secs(10), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        // The watcher holds a sender to the desk loop, which runs until every sender is gone.
        drop(watcher);
        if !desk_ended {
            match tokio::time::timeout(Duration::from_secs(10), desk_task).await {
                Ok(Ok(Err(error))) if failure.is_none() => failure = Some(HostError::Store(error)),
                Ok(_) => {}
                Err(_) => tracing::warn!("the desk loop did not stop in time; leaving it"),
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Opens the store and finds each staff group's current chat id (Telegram may have moved it).
async fn open_store(
    data: &std::path::Path,
    mut groups: StaffChats,
) -> Result<(PathBuf, Arc<Store>, StaffChats), HostError> {
    let path = crate::store::data_file(data);
    crate::store::watch_for_damage();
    let store = {
        let path = path.clone();
        Arc::new(
            tokio::task::spawn_blocking(move || Store::open(&path))
                .await
                .expect("store open does not panic")?,
        )
    };
    for group in groups.all_mut() {
        let configured = group.chat;
        let (staff_chat, former) = crate::store::guard_damage(&path, || {
            crate::desk::current_staff_chat(configured, |key| store.read()?.counter(key))
        })??;
        if staff_chat != configured {
            tracing::info!(
                group = group.name,
                configured,
                staff_chat,
                "the staff chat moved to a new id; following it"
            );
        }
        group.chat = staff_chat;
        group.former = former;
    }
    Ok((path, store, groups))
}

/// The dispatcher's budgets: desk.yaml's, or none at all with `--no-rate-budget`.
fn limits(options: &HostOptions, rules: &crate::rules::RuleSet) -> Limits {
    if options.unlimited {
        Limits { unlimited: true, ..Limits::TELEGRAM }
    } else {
        let budgets = &rules.desk().dispatcher;
        Limits {
            // Budgets count whole messages per window.
            overall_per_second: budgets.messages_per_second.round().max(1.0) as u32,
            group_per_minute: budgets.group_messages_per_minute.round().max(1.0) as u32,
            private_per_second: budgets.private_messages_per_second.round().max(1.0) as u32,
            window_scale: options.window_scale,
            unlimited: false,
        }
    }
}

/// The error for a task that panicked (or was cancelled): a damaged data file when the
/// panic came from inside redb.
fn panicked(task: &'static str, join: &tokio::task::JoinError, data_file: &std::path::Path) -> HostError {
    match crate::store::take_redb_panic() {
        Some(said) => HostError::Store(crate::store::damaged(data_file, &said)),
        None => HostError::TaskEnded { task, detail: format!(": {join}") },
    }
}

/// The business connections the store knows, asked of Telegram again: each one desk.yaml
/// lists that cannot reply is logged with the fix, and all go to the desk as events, which
/// tells General of what changed while the desk was down.
async fn business_at_start(
    bot: &crate::telegram::Bot,
    path: &std::path::Path,
    store: &Store,
    rules: &crate::rules::RuleSet,
    count: crate::telegram::CountCalls,
) -> Result<Vec<crate::desk::Event>, HostError> {
    let known = crate::store::guard_damage(path, || store.read()?.business_connections())??;
    if known.is_empty() {
        return Ok(Vec::new());
    }
    let asked = crate::telegram::refresh_business_connections(bot, known);
    let refreshed = crate::telegram::counting(count, asked).await;
    for connection in &refreshed {
        let served = rules.desk().business_account(connection.owner, connection.owner_username.as_deref());
        if served.is_some() && connection.enabled && !connection.can_reply {
            tracing::warn!(
                account = %connection.account(),
                "business account connected without the right to reply: in that account's Telegram, Settings > Telegram Business > Chatbots > this bot, turn on replying to messages"
            );
        }
    }
    Ok(refreshed.into_iter().map(crate::desk::Event::BusinessConnection).collect())
}

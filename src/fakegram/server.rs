//! Starting and running the fake: the shared world behind one lock with a change counter (every
//! write wakes waiters: long polls and `wait_for`), the listener on 127.0.0.1, and outages that
//! really drop the listener and bind the same port again later. Dropping the handle stops the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

use super::config::FakeConfig;
use super::error::ControlError;
use super::faults::Faults;
use super::http;
use super::world::World;

/// How long a rebind after an outage keeps trying while the old socket lingers.
const REBIND_PATIENCE: Duration = Duration::from_secs(5);

/// The fake Telegram Bot API server.
pub struct FakeTelegram;

/// A running fake: its address, its world, and the controls. Dropping it stops the server.
pub struct FakeHandle {
    pub(crate) shared: Arc<Shared>,
    address: SocketAddr,
    commands: mpsc::UnboundedSender<ServerCommand>,
}

/// Why the fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("can't bind the fake Telegram server to {address}: {source}")]
    /// The port is taken or not allowed.
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("the fake world's configuration is inconsistent: {0}")]
    /// The configured users and groups contradict each other.
    World(#[from] ControlError),
}

/// The world and its change counter, shared by the HTTP side and the handle.
pub(crate) struct Shared {
    world: Mutex<World>,
    changes: watch::Sender<u64>,
    pub token: String,
}

enum ServerCommand {
    Outage { until: Instant },
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, World> {
        // A test that panicked while holding the lock must not take every later test down with it.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the world; never wakes anyone.
    pub fn read<R>(&self, look: impl FnOnce(&World) -> R) -> R {
        look(&self.lock())
    }

    /// Changes the world, then wakes every waiter.
    pub fn write<R>(&self, change: impl FnOnce(&mut World) -> R) -> R {
        let result = change(&mut self.lock());
        self.changes.send_modify(|version| *version = version.wrapping_add(1));
        result
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

impl FakeTelegram {
    /// Builds the world from `config` and starts serving on 127.0.0.1 (`config.port`, 0 for any).
    pub async fn start(config: FakeConfig) -> Result<FakeHandle, StartError> {
        let mut world = World::new(config.bot, Faults::new(config.rate_budgets));
        world.inline_mode = config.inline;
        for user in config.users {
            world.add_person(user)?;
        }
        for group in config.groups {
            world.add_group(group)?;
        }
        let requested = SocketAddr::from(([127, 0, 0, 1], config.port));
        let listener = TcpListener::bind(requested)
            .await
            .map_err(|source| StartError::Bind { address: requested, source })?;
        let address =
            listener.local_addr().map_err(|source| StartError::Bind { address: requested, source })?;
        let shared =
            Arc::new(Shared { world: Mutex::new(world), changes: watch::channel(0).0, token: config.token });
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(serve(Arc::clone(&shared), listener, address, receiver));
        tracing::debug!(%address, "fake Telegram listening");
        Ok(FakeHandle { shared, address, commands })
    }
}

impl FakeHandle {
    /// The Bot API root to give teloxide (`set_api_url`) or `TELOXIDE_API_URL`: `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The token the fake accepts.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The port the fake listens on (kept across outages).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Stops accepting connections for `duration`: the listener is dropped, open connections close
    /// after their answer, long polls return at once; then the same port is bound again.
    pub fn refuse_connections(&self, duration: Duration) {
        let until = Instant::now() + duration;
        self.shared.write(|world| world.faults.outage_until = Some(until));
        // The server task lives as long as the handle, so the channel is open.
        let _ = self.commands.send(ServerCommand::Outage { until });
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        // Long polls still waiting answer at once; the closed channel stops the server task.
        let far_future = Instant::now() + Duration::from_hours(24);
        self.shared.write(|world| world.faults.outage_until = Some(far_future));
    }
}

/// Serves until the handle is dropped, going dark for each outage.
async fn serve(
    shared: Arc<Shared>,
    mut listener: TcpListener,
    address: SocketAddr,
    mut commands: mpsc::UnboundedReceiver<ServerCommand>,
) {
    // The webhook's pusher lives as long as the server.
    let _pusher = AbortOnDrop(tokio::spawn(super::webhook::push(Arc::clone(&shared))));
    loop {
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(listener, http::router(Arc::clone(&shared))).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        tokio::spawn(async move {
            if let Err(error) = server.await {
                tracing::error!(%error, "fake Telegram server failed");
            }
        });
        let Some(ServerCommand::Outage { mut until }) = commands.recv().await else {
            let _ = stop.send(());
            return;
        };
        let _ = stop.send(());
        tracing::debug!(%address, "fake Telegram refusing connections");
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until.into()) => break,
                command = commands.recv() => match command {
                    Some(ServerCommand::Outage { until: later }) => until = until.max(later),
                    None => return,
                },
            }
        }
        listener = match rebind(address).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(%address, %error, "fake Telegram could not listen again after an outage");
                return;
            }
        };
        tracing::debug!(%address, "fake Telegram accepting connections again");
    }
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Binds `address` again, retrying while the previous listener is still being torn down.
async fn rebind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let deadline = tokio::time::Instant::now() + REBIND_PATIENCE;
    let mut retry = tokio::time::interval(Duration::from_millis(20));
    loop {
        retry.tick().await;
        match TcpListener::bind(address).await {
            Ok(listener) => return Ok(listener),
            Err(error) if tokio::time::Instant::now() >= deadline => return Err(error),
            Err(_) => {}
        }
    }
}

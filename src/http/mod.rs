//! The web edge: one HTTP server inside `topicdesk run`, off unless `run --http ADDR` or
//! desk.yaml `http.listen` says where to listen. The only module besides the fake Bot API
//! that uses axum, and the only one that uses prometheus-client.
//!
//! - `GET /metrics`: every metric in the Prometheus text format (`metrics`, the desk's state
//!   from `figures`);
//! - `GET /healthz`: 200 `ok` while every task of the host makes progress, else 503 with
//!   one line per reason (`health`);
//! - `GET /readyz`: 200 `ready` once the store answers, the rules are loaded and Telegram
//!   answered recently, else 503 with the reasons;
//! - `/dashboard/...`: the team's dashboard, a Telegram Mini App (`dashboard`), when the
//!   host has a bot token to check sign-ins with.
//!
//! `probe` is the other side, for `topicdesk probe URL`: one GET, success on `200`, for a
//! container's health check.
//!
//! `webhook` is a second listener, for `run --webhook URL --listen ADDR`: Telegram's POSTs
//! of updates, each answered once the host committed it.
//!
//! The address is bound as soon as the rules are read, before the store opens, so a port
//! in use ends the start with a clear error instead of a desk running without the
//! endpoints its operator expects.

pub mod dashboard;
mod figures;
mod health;
mod metrics;
mod probe;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use figures::DeskFigures;
pub use health::{Alive, Beat, Health, Heartbeat, Readiness, judge};
pub use metrics::{FIGURES_FRESH_FOR, Metrics, OutboxDepth};
pub use probe::{ProbeError, probe};

use crate::store::Store;

/// The address could not be listened on.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for HTTP on {addr}: {detail}")]
pub struct BindError {
    pub addr: SocketAddr,
    pub detail: String,
}

/// What the endpoints read.
#[derive(Clone)]
pub struct Served {
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    pub store: Arc<Store>,
    /// The dashboard's token and rules; `None` serves no dashboard.
    pub dashboard: Option<dashboard::Dashboard>,
}

/// Listens on `addr`; port 0 picks a free port ([`TcpListener::local_addr`] says which).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|error| BindError { addr, detail: error.to_string() })
}

/// Serves the endpoints on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, served: Served, mut stop: watch::Receiver<bool>) {
    let addr = listener.local_addr().map_or_else(|_| "?".to_owned(), |addr| addr.to_string());
    tracing::info!(%addr, "serving /metrics, /healthz and /readyz");
    let router = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(dashboard::routes())
        .with_state(served);
    let stopped = async move {
        while !*stop.borrow_and_update() {
            if stop.changed().await.is_err() {
                return;
            }
        }
    };
    if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(stopped).await {
        tracing::error!(%error, "the HTTP server failed");
    }
}

async fn metrics(State(served): State<Served>) -> Response {
    let encoded = tokio::task::spawn_blocking(move || {
        if let Err(error) = served.metrics.refresh_figures(&served.store, Instant::now()) {
            tracing::warn!(%error, "cannot read the desk's state for /metrics; showing the last reading");
        }
        served.metrics.encode()
    })
    .await;
    match encoded {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")).into_response(),
    }
}

async fn healthz(State(served): State<Served>) -> Response {
    answer(judge(&served.health.beats(Instant::now())), "ok")
}

async fn readyz(State(served): State<Served>) -> Response {
    let store = Arc::clone(&served.store);
    let store_open = tokio::task::spawn_blocking(move || store.read().is_ok()).await.unwrap_or(false);
    answer(served.health.readiness(Instant::now(), store_open).judge(), "ready")
}

/// 200 with `fine`, or 503 with a line per reason.
fn answer(verdict: Result<(), Vec<String>>, fine: &str) -> Response {
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    match verdict {
        Ok(()) => (StatusCode::OK, plain, format!("{fine}\n")).into_response(),
        Err(reasons) => (StatusCode::SERVICE_UNAVAILABLE, plain, reasons.join("\n") + "\n").into_response(),
    }
}

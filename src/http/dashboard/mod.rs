//! The dashboard: server-rendered pages for the members of team.yaml, opened as a Telegram
//! Mini App from the bot's private chat or with a link `topicdesk dashboard-link` prints.
//!
//! - `GET /dashboard`: the sign-in page. Telegram hands a Mini App its signed init data in
//!   the URL fragment, which never reaches a server: the page's few lines of script post it
//!   to `POST /dashboard/session`, which checks it (`auth`) and answers with a session
//!   cookie (`HttpOnly`, `SameSite=Lax`, `Secure` behind https, signed with a key derived from
//!   the bot token, ending after [`auth::SESSION_FOR`]).
//! - `GET /dashboard/login?token=...`: a link's token traded for the same cookie.
//! - `GET /dashboard/queue|agents|sla|figures`, `GET /dashboard/ticket/{id}`: the pages
//!   (`view`: what each shows and to whom; `page`: the HTML; `svg`: the charts). Each page is
//!   read in one read transaction on a blocking thread and rendered from that alone.
//!
//! Every ticket page shown is recorded in the audit log first (`Surface::Dashboard`, by the
//! viewer's Telegram id); a view that cannot be recorded is not shown.
//!
//! Membership and role are read from the rule set in force at every request, so someone
//! taken out of team.yaml loses the dashboard at the next reload, cookie or not.

pub mod auth;
mod page;
mod svg;
pub mod view;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;

pub use page::{render, topic_link};
pub use view::{Page, View, Viewer};

use super::Served;
use crate::audit::{self, AuditEntry};
use crate::rules::{RuleSet, RulesHandle};
use crate::ticket::TicketId;
use auth::{AuthError, Purpose};

/// The session cookie's name.
const COOKIE: &str = "topicdesk_session";

/// What the dashboard needs besides the store.
#[derive(Clone)]
pub struct Dashboard {
    /// The bot token: init data is signed with it, and the dashboard's own tokens with a key
    /// derived from it.
    pub token: String,
    pub rules: RulesHandle,
    /// Mark the cookie `Secure`: desk.yaml `http.public_url` is https.
    pub secure_cookie: bool,
}

/// The dashboard's routes, merged into the web edge's router.
pub fn routes() -> Router<Served> {
    Router::new()
        .route("/dashboard", get(start))
        .route("/dashboard/", get(start))
        .route("/dashboard/session", post(session))
        .route("/dashboard/login", get(login))
        .route("/dashboard/queue", get(|state, headers| show(state, headers, Page::Queue)))
        .route("/dashboard/agents", get(|state, headers| show(state, headers, Page::Agents)))
        .route("/dashboard/sla", get(|state, headers| show(state, headers, Page::Sla)))
        .route("/dashboard/figures", get(|state, headers| show(state, headers, Page::Figures)))
        .route("/dashboard/ticket/{id}", get(ticket))
}

/// The team member a request comes from, as the rule set in force knows them.
pub fn viewer(rules: &RuleSet, user: i64) -> Option<Viewer> {
    rules.team().agent(user).map(|agent| Viewer { id: agent.id, name: agent.name.clone(), role: agent.role })
}

/// A link's URL for `user`, good until `expires`: `base` is where the dashboard is reached.
pub fn link(base: &str, user: i64, expires: Timestamp, bot_token: &str) -> String {
    let token = auth::sign_token(Purpose::Link, user, expires, bot_token);
    format!("{}/dashboard/login?token={token}", base.trim_end_matches('/'))
}

#[derive(serde::Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(served): State<Served>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(dashboard) = served.dashboard else {
        return off();
    };
    match signed_in(&dashboard, &headers) {
        Ok(_) => {
            redirect(query.next.as_deref().filter(|next| is_own_page(next)).unwrap_or("/dashboard/queue"))
        }
        Err(_) => html(StatusCode::OK, page::sign_in()),
    }
}

/// Whether `path` is one of the dashboard's own pages (so `?next=` never leads elsewhere);
/// the sign-in page's script checks the same.
fn is_own_page(path: &str) -> bool {
    path.starts_with("/dashboard/") && !path.contains("//") && !path.contains('\\')
}

async fn session(State(served): State<Served>, body: String) -> Response {
    let Some(dashboard) = served.dashboard else {
        return off();
    };
    let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    let user = match auth::check_init_data(&body, &dashboard.token, Timestamp::now()) {
        Ok(user) => user,
        Err(error) => {
            tracing::info!(%error, "dashboard sign-in refused");
            return (StatusCode::FORBIDDEN, plain, format!("Refused: {error}.")).into_response();
        }
    };
    if viewer(&dashboard.rules.current(), user).is_none() {
        tracing::info!(user, "dashboard sign-in refused: not in team.yaml");
        return (StatusCode::FORBIDDEN, plain, NOT_A_MEMBER.to_owned()).into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &dashboard, user);
    response
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    token: String,
}

async fn login(State(served): State<Served>, Query(query): Query<LoginQuery>) -> Response {
    let Some(dashboard) = served.dashboard else {
        return off();
    };
    let user = match auth::check_token(Purpose::Link, &query.token, &dashboard.token, Timestamp::now()) {
        Ok(user) => user,
        Err(AuthError::Expired) => {
            return refused(
                StatusCode::FORBIDDEN,
                "This link expired: ask for a new one (topicdesk dashboard-link).",
            );
        }
        Err(_) => return refused(StatusCode::FORBIDDEN, "This link is not one the desk signed."),
    };
    if viewer(&dashboard.rules.current(), user).is_none() {
        return refused(StatusCode::FORBIDDEN, NOT_A_MEMBER);
    }
    let mut response = redirect("/dashboard/queue");
    set_cookie(&mut response, &dashboard, user);
    response
}

async fn ticket(State(served): State<Served>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    match id.parse::<u64>().ok().filter(|id| *id > 0).map(TicketId).or_else(|| id.parse().ok()) {
        Some(id) => show(State(served), headers, Page::Ticket(id)).await,
        None => refused(StatusCode::NOT_FOUND, "That is not a ticket number."),
    }
}

async fn show(State(served): State<Served>, headers: HeaderMap, page: Page) -> Response {
    let Some(dashboard) = served.dashboard.clone() else {
        return off();
    };
    let Ok(user) = signed_in(&dashboard, &headers) else {
        return refused(
            StatusCode::UNAUTHORIZED,
            "You are not signed in, or your session ended: open the dashboard again from the bot's menu in Telegram.",
        );
    };
    let rules = dashboard.rules.current();
    let Some(viewer) = viewer(&rules, user) else {
        return refused(StatusCode::FORBIDDEN, NOT_A_MEMBER);
    };
    let store = served.store.clone();
    let rendered =
        tokio::task::spawn_blocking(move || -> Result<Option<String>, crate::store::StoreError> {
            let now = Timestamp::now();
            let read = store.read()?;
            let Some(view) = view::read(&read, &rules, viewer, page, now)? else {
                return Ok(None);
            };
            drop(read);
            // A ticket shown is a ticket viewed: recorded before the page goes out, or not shown.
            if let view::Body::Ticket { ticket, .. } = &view.body {
                let entry = AuditEntry {
                    at: now,
                    actor: audit::Actor::Telegram { user: view.viewer.id as u64 },
                    action: audit::Action::Viewed { ticket: ticket.id, surface: audit::Surface::Dashboard },
                };
                store.write(|tx| tx.record_audit(&entry))?;
            }
            Ok(Some(render(&view, &rules)))
        })
        .await;
    match rendered {
        Ok(Ok(Some(html_text))) => html(StatusCode::OK, html_text),
        Ok(Ok(None)) => refused(
            StatusCode::FORBIDDEN,
            "Agents see the queue, their own tickets and unassigned ones; this page is for supervisors.",
        ),
        Ok(Err(error)) => {
            tracing::error!(%error, "cannot read the store for the dashboard");
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The desk's data cannot be read just now; try again shortly.",
            )
        }
        Err(error) => {
            tracing::error!(%error, "a dashboard page failed");
            refused(StatusCode::INTERNAL_SERVER_ERROR, "This page failed; the desk logged why.")
        }
    }
}

const NOT_A_MEMBER: &str = "Refused: the dashboard is for the members of the support team (team.yaml) only.";

/// The user of a valid session cookie.
fn signed_in(dashboard: &Dashboard, headers: &HeaderMap) -> Result<i64, AuthError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .ok_or(AuthError::BadToken)?;
    auth::check_token(Purpose::Session, token, &dashboard.token, Timestamp::now())
}

fn set_cookie(response: &mut Response, dashboard: &Dashboard, user: i64) {
    let expires = Timestamp::now() + auth::SESSION_FOR;
    let token = auth::sign_token(Purpose::Session, user, expires, &dashboard.token);
    let secure = if dashboard.secure_cookie { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={token}; Path=/dashboard; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        auth::SESSION_FOR.as_secs()
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

fn refused(status: StatusCode, text: &str) -> Response {
    let title = match status {
        StatusCode::UNAUTHORIZED => "Sign in",
        StatusCode::FORBIDDEN => "Refused",
        StatusCode::NOT_FOUND => "Not found",
        _ => "Unavailable",
    };
    html(status, page::message(title, text))
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

fn off() -> Response {
    refused(StatusCode::NOT_FOUND, "The dashboard is off: the desk runs without a bot token for it.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_leads_only_to_the_dashboards_own_pages() {
        assert!(is_own_page("/dashboard/ticket/12"));
        for elsewhere in [
            "https://evil.example/",
            "//evil.example/dashboard/",
            "/dashboard//evil",
            "/dashboard/\\evil",
            "/metrics",
        ] {
            assert!(!is_own_page(elsewhere), "{elsewhere}");
        }
    }
}

//! `desk.yaml`: desk-wide settings, raw as written and validated with defaults.
//!
//! The time zone, business hours and holidays stay raw (with positions) in [`DeskConfig`]: the
//! business calendar parses them and reports unknown zones or overlapping hours, and
//! [`DeskConfig::diagnostic_at_hours_key`] places its complaints on the offending line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::yaml::{Node, Segment};
use crate::csat::Scale;
use crate::diagnostic::{Diagnostic, FileSink, Position};
use crate::duration::Span;
use crate::sla::{CsatAsk, CsatTiming, Ladder, Policy};

/// A value and where it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub position: Position,
}

/// One `business_hours` (or agent `working_hours`) entry, like `mon-fri: "09:00-18:00"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoursEntry {
    pub key: String,
    pub value: String,
    /// Where the key is written.
    pub position: Position,
}

/// What happens to an away agent's open tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwayPolicy {
    /// They stay assigned.
    #[default]
    Keep,
    /// They go back to the shared queue.
    Queue,
    /// They are routed again through `route()`.
    Reroute,
}

/// Sending budgets of the outbox dispatcher.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DispatcherBudgets {
    pub messages_per_second: f64,
    pub group_messages_per_minute: f64,
    pub private_messages_per_second: f64,
}

impl Default for DispatcherBudgets {
    /// Telegram's published limits.
    fn default() -> DispatcherBudgets {
        DispatcherBudgets {
            messages_per_second: 30.0,
            group_messages_per_minute: 20.0,
            private_messages_per_second: 1.0,
        }
    }
}

/// desk.yaml, validated, with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct DeskConfig {
    /// The file it came from, for diagnostics about its raw parts.
    pub path: PathBuf,
    /// The shorthand for one staff group (named `staff`), taking every ticket.
    pub staff_chat: Option<i64>,
    /// `staff_groups`: the forum supergroups the desk works in, in order (empty with
    /// `staff_chat`). Read at start, like `http.listen`: a change needs a restart.
    pub staff_groups: Vec<super::groups::StaffGroupConfig>,
    /// IANA name as written (default `UTC`), checked by the business calendar.
    pub timezone: Located<String>,
    /// Entries in file order; empty means open around the clock.
    pub business_hours: Vec<HoursEntry>,
    /// Where the `business_hours` key is written (the file start when absent).
    pub business_hours_position: Position,
    pub holidays: Vec<Located<String>>,
    pub auto_close_after: Span,
    pub away_policy: AwayPolicy,
    pub auto_assign_on_first_reply: bool,
    /// The bot keeps a queue summary pinned in General.
    pub queue_summary: bool,
    /// The pinned summary also shows today's figures (tickets created since local midnight).
    pub queue_summary_figures: bool,
    /// The week's figures sent to each supervisor in their private chat with the bot.
    pub weekly_digest: WeeklyDigest,
    pub intake_session_expiry: Span,
    /// Form ids offered to customers in order; empty means every form, by id.
    pub intake_forms: Vec<Located<String>>,
    /// Warn when this share (percent) of an SLA target has elapsed.
    pub sla_warning_percent: u8,
    /// The time between escalation steps after a breach, as a share (percent) of the target.
    pub sla_escalation_grace_percent: u8,
    /// Remind the customer once when a ticket has awaited their answer this long.
    pub remind_awaiting_after: Option<Span>,
    /// Telegram ids that `escalate("escalation", ...)` notifies; empty means the supervisors.
    pub escalation_team: Vec<Located<i64>>,
    /// Escalate an active ticket this old to the supervisors once, whatever its SLA.
    pub escalate_after_age: Option<Span>,
    pub loop_guard: LoopGuard,
    pub dispatcher: DispatcherBudgets,
    /// The satisfaction survey; `None` (no `csat:`) never asks.
    pub csat: Option<CsatConfig>,
    /// `http.listen`: where `topicdesk run` serves `/metrics`, `/healthz` and `/readyz`
    /// (`run --http` wins); `None` serves nothing. Read at start: a change needs a restart.
    pub http_listen: Option<std::net::SocketAddr>,
    /// `http.webhook`: webhook mode (`run --webhook` and `--listen` win). Read at start.
    pub webhook: Option<WebhookConfig>,
    /// `http.public_url`: the https address Telegram opens the dashboard at (a TLS reverse
    /// proxy in front of `http.listen`), without a trailing `/`; with it the bot sets its
    /// private-chat menu button and answers `/dashboard`. Read at start.
    pub public_url: Option<String>,
    /// `business`: the Telegram Business accounts whose customers the desk serves.
    pub business: Vec<BusinessAccount>,
    /// `retention`: what happens to a ticket some time after it closed, and how long the
    /// audit log is kept. Every part off by default.
    pub retention: RetentionConfig,
}

/// One desk.yaml `business` entry: a company's own Telegram account that connects the bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessAccount {
    /// Where the entry's `account` is written.
    pub position: Position,
    pub account: AccountRef,
    /// `mark_read`: when an agent answers one of the account's customers in the topic, the
    /// customer's messages up to then are marked read in the account's chat.
    pub mark_read: bool,
    /// `forms`: the intake forms the account's customers are offered, in order; empty means
    /// the desk's own (`intake.forms`).
    pub forms: Vec<Located<String>>,
    /// `answered_by`: the team.yaml agent behind the account, by Telegram user id or
    /// @username: the owner's answers from their app are theirs (history, the card, reports)
    /// rather than the account's.
    pub answered_by: Option<Located<AccountRef>>,
}

/// A Telegram account named in desk.yaml: by user id, or by @username.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountRef {
    Id(u64),
    /// Without the `@`, lowercased (Telegram compares usernames without case).
    Username(String),
}

impl AccountRef {
    /// Whether the account with this id and username is the one named.
    pub fn is(&self, id: u64, username: Option<&str>) -> bool {
        match self {
            AccountRef::Id(named) => *named == id,
            AccountRef::Username(named) => username.is_some_and(|name| name.eq_ignore_ascii_case(named)),
        }
    }
}

impl std::fmt::Display for AccountRef {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountRef::Id(id) => write!(out, "{id}"),
            AccountRef::Username(name) => write!(out, "@{name}"),
        }
    }
}

impl DeskConfig {
    /// The desk.yaml `business` entry naming the account with this id and username.
    pub fn business_account(&self, id: u64, username: Option<&str>) -> Option<&BusinessAccount> {
        self.business.iter().find(|entry| entry.account.is(id, username))
    }
}

/// desk.yaml `retention`: each a time after a ticket closed (`audit_after`: after the audit
/// entry was written); `None` never does it. See `crate::retention`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_field_names)] // desk.yaml's own keys.
pub struct RetentionConfig {
    /// Texts, captions, answers, names, usernames and file ids replaced by placeholders.
    pub content_after: Option<Located<Span>>,
    /// The ticket removed entirely.
    pub delete_after: Option<Located<Span>>,
    /// The ticket's topic deleted in Telegram; the store keeps the ticket.
    pub delete_closed_topics_after: Option<Located<Span>>,
    /// Audit entries older than this removed.
    pub audit_after: Option<Located<Span>>,
}

impl RetentionConfig {
    /// The policy the desk applies.
    pub fn policy(&self) -> crate::retention::Policy {
        let span = |located: Option<Located<Span>>| located.map(|located| located.value);
        crate::retention::Policy {
            content_after: span(self.content_after),
            delete_after: span(self.delete_after),
            topics_after: span(self.delete_closed_topics_after),
            audit_after: span(self.audit_after),
        }
    }
}

/// desk.yaml `http.webhook`: the URL Telegram POSTs updates to and where `topicdesk run`
/// receives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    pub listen: std::net::SocketAddr,
}

/// desk.yaml `csat`: when to ask the satisfaction survey, on which scale, in which words,
/// and for how long the answers count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsatConfig {
    pub ask: CsatAsk,
    /// How long after the resolution (or closing) the customer is asked.
    pub delay: Span,
    pub scale: Scale,
    /// The question by language code (`en`, `ru`); the customer's Telegram language picks it.
    pub question: BTreeMap<String, String>,
    /// The language for a customer whose own has no question; it has one.
    pub default_language: String,
    /// On the five scale, a rating at or below this asks for a comment (good/bad: bad does).
    pub comment_below: u8,
    /// The follow-up question after a low rating, by language; empty: no follow-up.
    pub comment_question: BTreeMap<String, String>,
    /// How long after the ask a rating, a change of mind or a comment still counts.
    pub valid_for: Span,
}

impl CsatConfig {
    /// The question in `language` (a Telegram language code, its primary subtag decides),
    /// else in the default language.
    pub fn question_in(&self, language: Option<&str>) -> &str {
        in_language(&self.question, language, &self.default_language)
    }

    /// The follow-up question in `language`, if the desk asks for comments.
    pub fn comment_question_in(&self, language: Option<&str>) -> Option<&str> {
        if self.comment_question.is_empty() {
            return None;
        }
        Some(in_language(&self.comment_question, language, &self.default_language))
    }
}

/// The text for `language`'s primary subtag (`ru-RU` -> `ru`), else the default's, else any.
fn in_language<'t>(texts: &'t BTreeMap<String, String>, language: Option<&str>, default: &str) -> &'t str {
    let primary = language.and_then(|code| code.split(['-', '_']).next()).unwrap_or_default();
    let found = texts.iter().find(|(code, _)| code.eq_ignore_ascii_case(primary)).map(|(_, text)| text);
    found.or_else(|| texts.get(default)).or_else(|| texts.values().next()).map_or("", String::as_str)
}

/// desk.yaml `weekly_digest`: when the supervisors get the last seven days' figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyDigest {
    /// Off: no digest is sent and none is scheduled.
    pub enabled: bool,
    /// The day of the week it goes out, in the desk's time zone.
    pub day: jiff::civil::Weekday,
    /// The local time of day it goes out.
    pub at: jiff::civil::Time,
}

impl Default for WeeklyDigest {
    /// On, Mondays at 09:00.
    fn default() -> WeeklyDigest {
        WeeklyDigest { enabled: true, day: jiff::civil::Weekday::Monday, at: jiff::civil::time(9, 0, 0, 0) }
    }
}

/// Limits on what rules make the desk do, so a rule that fires on its own effects, or a
/// noisy one, cannot flood a topic. desk.yaml `loop_guard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopGuard {
    /// At most this many actions of one hook call are carried out; the rest are dropped.
    pub actions_per_event: u32,
    /// At most this many rule-generated messages (`notify_agent`, `escalate`) per ticket
    /// within `window`; the rest are dropped and noted in history.
    pub messages_per_ticket: u32,
    pub window: Span,
}

impl Default for LoopGuard {
    fn default() -> LoopGuard {
        LoopGuard { actions_per_event: 20, messages_per_ticket: 10, window: Span::from_hours(1) }
    }
}

impl DeskConfig {
    /// Defaults for every setting (used in tests and when building a desk in code).
    pub fn with_defaults(path: &Path) -> DeskConfig {
        DeskConfig {
            path: path.to_owned(),
            staff_chat: None,
            staff_groups: Vec::new(),
            timezone: Located { value: "UTC".to_owned(), position: Position::FILE },
            business_hours: Vec::new(),
            business_hours_position: Position::FILE,
            holidays: Vec::new(),
            auto_close_after: Span::from_hours(72),
            away_policy: AwayPolicy::Keep,
            auto_assign_on_first_reply: true,
            queue_summary: true,
            queue_summary_figures: false,
            weekly_digest: WeeklyDigest::default(),
            intake_session_expiry: Span::from_hours(24),
            intake_forms: Vec::new(),
            sla_warning_percent: 80,
            sla_escalation_grace_percent: 10,
            remind_awaiting_after: None,
            escalation_team: Vec::new(),
            escalate_after_age: None,
            loop_guard: LoopGuard::default(),
            dispatcher: DispatcherBudgets::default(),
            csat: None,
            http_listen: None,
            webhook: None,
            public_url: None,
            business: Vec::new(),
            retention: RetentionConfig::default(),
        }
    }

    /// An error placed on `business_hours` entry `key` (the calendar reports overlaps by key),
    /// or on the `business_hours` line when the key is not found.
    pub fn diagnostic_at_hours_key(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        let position = self
            .business_hours
            .iter()
            .find(|entry| entry.key == key)
            .map_or(self.timezone.position, |entry| entry.position);
        Diagnostic::error(&self.path, position, message)
    }

    /// An error placed on the `timezone` value (for an unknown zone).
    pub fn diagnostic_at_timezone(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.path, self.timezone.position, message)
    }

    /// An error placed on the `business_hours` key (hours that never open, say).
    pub fn diagnostic_at_business_hours(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.path, self.business_hours_position, message)
    }

    /// An error placed on holiday number `index` (0-based) of the list.
    pub fn diagnostic_at_holiday(&self, index: usize, message: impl Into<String>) -> Diagnostic {
        let position = self.holidays.get(index).map_or(Position::FILE, |holiday| holiday.position);
        Diagnostic::error(&self.path, position, message)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDesk {
    staff_chat: Option<i64>,
    #[serde(default)]
    staff_groups: Vec<super::groups::RawStaffGroup>,
    timezone: Option<String>,
    // Typed here so a wrong value is refused; the entries are read from the located tree,
    // which keeps their order and positions.
    #[serde(default, rename = "business_hours")]
    _business_hours: BTreeMap<String, String>,
    #[serde(default)]
    holidays: Vec<String>,
    auto_close_after: Option<Span>,
    remind_awaiting_after: Option<Span>,
    away_policy: Option<AwayPolicy>,
    auto_assign_on_first_reply: Option<bool>,
    queue_summary: Option<bool>,
    queue_summary_figures: Option<bool>,
    weekly_digest: Option<RawWeeklyDigest>,
    intake: Option<RawIntake>,
    sla: Option<RawSla>,
    #[serde(default)]
    escalation_team: Vec<i64>,
    escalate_after_age: Option<Span>,
    loop_guard: Option<RawLoopGuard>,
    dispatcher: Option<RawDispatcher>,
    csat: Option<RawCsat>,
    http: Option<RawHttp>,
    #[serde(default)]
    business: Vec<RawBusinessAccount>,
    retention: Option<RawRetention>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBusinessAccount {
    account: serde_yaml::Value,
    #[serde(default)]
    mark_read: bool,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    answered_by: Option<serde_yaml::Value>,
}

/// An account written in desk.yaml: a positive user id, or a username with or without `@`.
fn account_ref(value: &serde_yaml::Value) -> Option<AccountRef> {
    match value {
        serde_yaml::Value::Number(number) => number.as_u64().filter(|id| *id > 0).map(AccountRef::Id),
        serde_yaml::Value::String(text) => {
            let name = text.trim().strip_prefix('@').unwrap_or(text.trim());
            is_username(name).then(|| AccountRef::Username(name.to_ascii_lowercase()))
        }
        _ => None,
    }
}

/// Telegram's rule for usernames: 5 to 32 letters, digits and underscores.
fn is_username(name: &str) -> bool {
    (5..=32).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The `business` entries, checked: an account named once, by a user id or a username.
fn business_accounts(
    raw: Vec<RawBusinessAccount>,
    at: &dyn Fn(&[Segment]) -> Position,
    sink: &mut FileSink<'_>,
) -> Vec<BusinessAccount> {
    let mut accounts: Vec<BusinessAccount> = Vec::new();
    for (index, entry) in raw.into_iter().enumerate() {
        let position = at(&[
            Segment::Key("business".to_owned()),
            Segment::Index(index),
            Segment::Key("account".to_owned()),
        ]);
        let Some(account) = account_ref(&entry.account) else {
            sink.error(
                position,
                "`account` must be the business account's Telegram user id or its @username, like `@acme_support`",
            );
            continue;
        };
        if accounts.iter().any(|known| known.account == account) {
            sink.error(position, format!("business account {account} is listed twice"));
            continue;
        }
        let forms = entry
            .forms
            .into_iter()
            .enumerate()
            .map(|(form, value)| Located {
                value,
                position: at(&[
                    Segment::Key("business".to_owned()),
                    Segment::Index(index),
                    Segment::Key("forms".to_owned()),
                    Segment::Index(form),
                ]),
            })
            .collect();
        let answered_by = match &entry.answered_by {
            None => None,
            Some(value) => {
                let position = at(&[
                    Segment::Key("business".to_owned()),
                    Segment::Index(index),
                    Segment::Key("answered_by".to_owned()),
                ]);
                let Some(agent) = account_ref(value) else {
                    sink.error(
                        position,
                        "`answered_by` must be a team.yaml agent's Telegram user id or @username, like `@dana`",
                    );
                    continue;
                };
                Some(Located { value: agent, position })
            }
        };
        accounts.push(BusinessAccount { position, account, mark_read: entry.mark_read, forms, answered_by });
    }
    accounts
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_field_names)] // desk.yaml's own keys.
struct RawRetention {
    content_after: Option<Span>,
    delete_after: Option<Span>,
    delete_closed_topics_after: Option<Span>,
    audit_after: Option<Span>,
}

impl RawRetention {
    /// Positions attached; a span of 0, a deletion that would come before the content's
    /// erasure, and settings that leave copies in Telegram are reported where written.
    fn validate(self, at: &dyn Fn(&[Segment]) -> Position, sink: &mut FileSink<'_>) -> RetentionConfig {
        let key = |name: &str| Segment::Key(name.to_owned());
        let mut located = |name: &str, value: Option<Span>| {
            let value = value?;
            let position = at(&[key("retention"), key(name)]);
            if value == Span::ZERO {
                sink.error(
                    position,
                    format!("`{name}` must be longer than 0 (leave it out to keep forever)"),
                );
                return None;
            }
            Some(Located { value, position })
        };
        let config = RetentionConfig {
            content_after: located("content_after", self.content_after),
            delete_after: located("delete_after", self.delete_after),
            delete_closed_topics_after: located(
                "delete_closed_topics_after",
                self.delete_closed_topics_after,
            ),
            audit_after: located("audit_after", self.audit_after),
        };
        if let (Some(content), Some(delete)) = (config.content_after, config.delete_after)
            && delete.value <= content.value
        {
            let message = format!(
                "`delete_after` ({}) is not longer than `content_after` ({}): tickets would be deleted before \
                 their content is erased, so `content_after` would never apply; leave `content_after` out or \
                 make `delete_after` longer",
                delete.value, content.value
            );
            sink.error(delete.position, message);
        }
        if let (Some(topics), Some(delete)) = (config.delete_closed_topics_after, config.delete_after)
            && topics.value >= delete.value
        {
            let message = format!(
                "`delete_closed_topics_after` ({}) is not shorter than `delete_after` ({}): deleting a ticket \
                 deletes its topic too, so this setting never applies",
                topics.value, delete.value
            );
            sink.warning(topics.position, message);
        }
        if let Some(content) = config.content_after
            && config.delete_closed_topics_after.is_none_or(|topics| topics.value > content.value)
        {
            let message = format!(
                "`content_after` ({}) erases the desk's copy only: the messages stay in the ticket's Telegram \
                 topic until it is deleted; set `delete_closed_topics_after` to {} or less to remove them there too",
                content.value, content.value
            );
            sink.warning(content.position, message);
        }
        config
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<String>,
    webhook: Option<RawWebhook>,
    public_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: String,
    listen: String,
}

impl RawHttp {
    /// `listen` and `webhook`; `at` finds where a path of desk.yaml is written.
    fn validate(
        self,
        at: impl Fn(&[Segment]) -> Position,
        sink: &mut FileSink<'_>,
    ) -> (Option<std::net::SocketAddr>, Option<WebhookConfig>) {
        let key = |name: &str| Segment::Key(name.to_owned());
        let listen =
            self.listen.and_then(|listen| listen_address(&listen, at(&[key("http"), key("listen")]), sink));
        let webhook = self
            .webhook
            .and_then(|raw| raw.validate(|field| at(&[key("http"), key("webhook"), key(field)]), sink));
        (listen, webhook)
    }
}

/// An address to listen on, or an error at `position`, where it is written.
fn listen_address(listen: &str, position: Position, sink: &mut FileSink<'_>) -> Option<std::net::SocketAddr> {
    let parsed = listen.parse().ok();
    if parsed.is_none() {
        let message = format!(
            "`listen` must be an IP address and a port, like 127.0.0.1:9464 or [::1]:9464, not `{listen}`"
        );
        sink.error(position, message);
    }
    parsed
}

impl RawWebhook {
    /// The webhook's URL and address; `at` finds where a key of `http.webhook` is written.
    fn validate(self, at: impl Fn(&str) -> Position, sink: &mut FileSink<'_>) -> Option<WebhookConfig> {
        let listen = listen_address(&self.listen, at("listen"), sink);
        let scheme = self.url.split_once("://").map(|(scheme, _)| scheme);
        let url = match scheme {
            Some("https" | "http") if self.url.len() > scheme.map_or(0, str::len) + 3 => Some(self.url),
            _ => {
                let message = format!(
                    "`url` must be the https URL Telegram delivers to, like https://desk.example.com/telegram, not `{}`",
                    self.url
                );
                sink.error(at("url"), message);
                None
            }
        };
        Some(WebhookConfig { url: url?, listen: listen? })
    }
}

/// Why a dashboard address is not one Telegram opens; `None` when it is.
pub fn public_url_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!(
            "`public_url` must start with https:// (Telegram opens Mini Apps over https only), not `{url}`"
        ));
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Some(format!("`public_url` names no host: `{url}`"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains(['#', '?']) {
        return Some(format!("`public_url` must be a plain address without spaces, `?` or `#`, not `{url}`"));
    }
    None
}

impl RawHttp {
    /// The dashboard's public address, checked; `position` is where `public_url` is written.
    fn public_url(&self, position: Position, sink: &mut FileSink<'_>) -> Option<String> {
        let url = self.public_url.as_ref()?;
        if let Some(problem) = public_url_problem(url) {
            sink.error(position, problem);
            return None;
        }
        Some(url.trim_end_matches('/').to_owned())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCsat {
    ask: Option<RawCsatAsk>,
    delay: Option<Span>,
    scale: Option<RawScale>,
    #[serde(default)]
    question: BTreeMap<String, String>,
    default_language: Option<String>,
    comment_below: Option<u8>,
    #[serde(default)]
    comment_question: BTreeMap<String, String>,
    valid_for: Option<Span>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawCsatAsk {
    OnResolve,
    OnClose,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawScale {
    Five,
    GoodBad,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoopGuard {
    actions_per_event: Option<u32>,
    messages_per_ticket: Option<u32>,
    window: Option<Span>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeeklyDigest {
    enabled: Option<bool>,
    day: Option<String>,
    at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntake {
    session_expiry: Option<Span>,
    #[serde(default)]
    forms: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSla {
    warning_at: Option<serde_yaml::Value>,
    escalation_grace: Option<serde_yaml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDispatcher {
    messages_per_second: Option<f64>,
    group_messages_per_minute: Option<f64>,
    private_messages_per_second: Option<f64>,
}

impl RawDesk {
    /// Fills defaults and attaches positions from the located tree.
    pub(crate) fn validate(self, tree: &Node, sink: &mut FileSink<'_>) -> DeskConfig {
        let defaults = DeskConfig::with_defaults(sink.path);
        let at = |path: &[Segment]| tree.locate(path).position;
        let key = |name: &str| Segment::Key(name.to_owned());
        let timezone = match self.timezone {
            Some(value) => Located { value, position: at(&[key("timezone")]) },
            None => defaults.timezone,
        };
        let hours_node = tree.get("business_hours");
        let business_hours = hours_entries(hours_node);
        let holidays = self
            .holidays
            .into_iter()
            .enumerate()
            .map(|(index, value)| Located { value, position: at(&[key("holidays"), Segment::Index(index)]) })
            .collect();
        let intake = self.intake.unwrap_or(RawIntake { session_expiry: None, forms: Vec::new() });
        let intake_forms = intake
            .forms
            .into_iter()
            .enumerate()
            .map(|(index, value)| Located {
                value,
                position: at(&[key("intake"), key("forms"), Segment::Index(index)]),
            })
            .collect();
        let escalation_team = self
            .escalation_team
            .into_iter()
            .enumerate()
            .map(|(index, value)| Located {
                value,
                position: at(&[key("escalation_team"), Segment::Index(index)]),
            })
            .collect();
        let sla = self.sla.unwrap_or(RawSla { warning_at: None, escalation_grace: None });
        let mut sla_percent = |name: &str, value: Option<serde_yaml::Value>, default: u8, example: &str| {
            let Some(value) = value else { return default };
            percent(&value).unwrap_or_else(|| {
                let message = format!("`{name}` must be a percentage from 1% to 99%, like `{example}`");
                sink.error(at(&[key("sla"), key(name)]), message);
                default
            })
        };
        let sla_warning_percent =
            sla_percent("warning_at", sla.warning_at, defaults.sla_warning_percent, "80%");
        let sla_escalation_grace_percent = sla_percent(
            "escalation_grace",
            sla.escalation_grace,
            defaults.sla_escalation_grace_percent,
            "10%",
        );
        let weekly_digest = self.weekly_digest.map_or(defaults.weekly_digest, |raw| raw.validate(&at, sink));
        let dispatcher = self.dispatcher.map_or(defaults.dispatcher, |raw| raw.budgets(defaults.dispatcher));
        let csat = self.csat.map(|raw| raw.validate(tree, sink));
        let business = business_accounts(self.business, &at, sink);
        let public_url =
            self.http.as_ref().and_then(|raw| raw.public_url(at(&[key("http"), key("public_url")]), sink));
        let retention = self.retention.map_or_else(RetentionConfig::default, |raw| raw.validate(&at, sink));
        let (http_listen, webhook) = self.http.map_or((None, None), |raw| raw.validate(at, sink));
        let staff_groups = super::groups::staff_groups(self.staff_groups, self.staff_chat, &at, sink);
        DeskConfig {
            path: sink.path.to_owned(),
            staff_chat: self.staff_chat,
            staff_groups,
            timezone,
            business_hours,
            business_hours_position: tree.key_position(&[], "business_hours"),
            holidays,
            auto_close_after: self.auto_close_after.unwrap_or(defaults.auto_close_after),
            away_policy: self.away_policy.unwrap_or_default(),
            auto_assign_on_first_reply: self.auto_assign_on_first_reply.unwrap_or(true),
            queue_summary: self.queue_summary.unwrap_or(defaults.queue_summary),
            queue_summary_figures: self.queue_summary_figures.unwrap_or(defaults.queue_summary_figures),
            weekly_digest,
            intake_session_expiry: intake.session_expiry.unwrap_or(defaults.intake_session_expiry),
            intake_forms,
            sla_warning_percent,
            sla_escalation_grace_percent,
            remind_awaiting_after: self.remind_awaiting_after,
            escalation_team,
            escalate_after_age: self.escalate_after_age,
            loop_guard: self.loop_guard.map_or(defaults.loop_guard, |raw| LoopGuard {
                actions_per_event: raw.actions_per_event.unwrap_or(defaults.loop_guard.actions_per_event),
                messages_per_ticket: raw
                    .messages_per_ticket
                    .unwrap_or(defaults.loop_guard.messages_per_ticket),
                window: raw.window.unwrap_or(defaults.loop_guard.window),
            }),
            dispatcher,
            csat,
            http_listen,
            webhook,
            public_url,
            business,
            retention,
        }
    }
}

impl RawDispatcher {
    /// The budgets, each left out taken from `defaults`.
    fn budgets(self, defaults: DispatcherBudgets) -> DispatcherBudgets {
        DispatcherBudgets {
            messages_per_second: self.messages_per_second.unwrap_or(defaults.messages_per_second),
            group_messages_per_minute: self
                .group_messages_per_minute
                .unwrap_or(defaults.group_messages_per_minute),
            private_messages_per_second: self
                .private_messages_per_second
                .unwrap_or(defaults.private_messages_per_second),
        }
    }
}

impl RawCsat {
    /// Fills defaults (ask on resolve after 1h, five scale, comments at 3 or below, valid for
    /// 3d) and refuses settings that would do nothing or cannot work.
    fn validate(self, tree: &Node, sink: &mut FileSink<'_>) -> CsatConfig {
        let at = |name: &str| {
            tree.locate(&[Segment::Key("csat".to_owned()), Segment::Key(name.to_owned())]).position
        };
        let scale = match self.scale {
            Some(RawScale::GoodBad) => Scale::GoodBad,
            Some(RawScale::Five) | None => Scale::Five,
        };
        if self.question.is_empty() {
            let position = tree.locate(&[Segment::Key("csat".to_owned())]).position;
            sink.error(position, "`csat` needs a `question`, like `question: { en: \"How did we do?\" }`");
        }
        let default_language = self.default_language.clone().unwrap_or_else(|| "en".to_owned());
        for (name, texts) in [("question", &self.question), ("comment_question", &self.comment_question)] {
            if !texts.is_empty() && !texts.contains_key(&default_language) {
                let message = format!(
                    "`{name}` has no text in the default language `{default_language}`; add it or set `default_language`"
                );
                sink.error(at(name), message);
            }
        }
        let comment_below = match (self.comment_below, scale) {
            (Some(_), Scale::GoodBad) => {
                sink.error(
                    at("comment_below"),
                    "`comment_below` is for the five scale; on good_bad a bad rating asks for a comment",
                );
                3
            }
            (Some(_), Scale::Five) if self.comment_question.is_empty() => {
                sink.error(at("comment_below"), "`comment_below` needs a `comment_question` to ask");
                3
            }
            (Some(below), Scale::Five) if !(1..=4).contains(&below) => {
                sink.error(at("comment_below"), format!("`comment_below` must be 1 to 4, not {below}"));
                3
            }
            (Some(below), Scale::Five) => below,
            (None, _) => 3,
        };
        let valid_for = self.valid_for.unwrap_or(Span::from_hours(72));
        if valid_for == Span::ZERO {
            sink.error(at("valid_for"), "`valid_for` must be longer than 0, or no answer could count");
        }
        CsatConfig {
            ask: match self.ask {
                Some(RawCsatAsk::OnClose) => CsatAsk::OnClose,
                Some(RawCsatAsk::OnResolve) | None => CsatAsk::OnResolve,
            },
            delay: self.delay.unwrap_or(Span::from_hours(1)),
            scale,
            question: self.question,
            default_language,
            comment_below,
            comment_question: self.comment_question,
            valid_for,
        }
    }
}

/// The entries of an hours mapping in file order, with the keys' positions.
pub(crate) fn hours_entries(node: Option<&Node>) -> Vec<HoursEntry> {
    node.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|(key, value)| HoursEntry {
            key: key.as_str().unwrap_or_default().to_owned(),
            value: value.as_str().unwrap_or_default().to_owned(),
            position: key.position,
        })
        .collect()
}

impl RawWeeklyDigest {
    /// Fills defaults; a day or time that does not read is reported where it is written.
    fn validate(self, at: &dyn Fn(&[Segment]) -> Position, sink: &mut FileSink<'_>) -> WeeklyDigest {
        let defaults = WeeklyDigest::default();
        let key = |name: &str| Segment::Key(name.to_owned());
        let day = self.day.map_or(defaults.day, |day| {
            weekday(&day).unwrap_or_else(|| {
                let message = format!("`{day}` is not a day of the week: monday, tuesday ... sunday");
                sink.error(at(&[key("weekly_digest"), key("day")]), message);
                defaults.day
            })
        });
        let time = self.at.map_or(defaults.at, |text| {
            time_of_day(&text).unwrap_or_else(|| {
                let message = format!("`{text}` is not a time of day like \"09:00\"");
                sink.error(at(&[key("weekly_digest"), key("at")]), message);
                defaults.at
            })
        });
        WeeklyDigest { enabled: self.enabled.unwrap_or(defaults.enabled), day, at: time }
    }
}

/// `monday` (or `mon`), as the schema spells them.
fn weekday(text: &str) -> Option<jiff::civil::Weekday> {
    use jiff::civil::Weekday;
    let days = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    let text = text.trim();
    days.into_iter()
        .find(|(name, _)| *name == text || (text.len() == 3 && name.starts_with(text)))
        .map(|(_, day)| day)
}

/// `09:00`: hours and minutes on a 24-hour clock.
fn time_of_day(text: &str) -> Option<jiff::civil::Time> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if minutes.len() != 2 || hours.is_empty() || hours.len() > 2 {
        return None;
    }
    let (hours, minutes): (i8, i8) = (hours.parse().ok()?, minutes.parse().ok()?);
    if !(0..24).contains(&hours) || !(0..60).contains(&minutes) {
        return None;
    }
    jiff::civil::Time::new(hours, minutes, 0, 0).ok()
}

fn percent(value: &serde_yaml::Value) -> Option<u8> {
    let number = match value {
        serde_yaml::Value::Number(number) => number.as_u64()?,
        serde_yaml::Value::String(text) => text.trim().trim_end_matches('%').trim().parse().ok()?,
        _ => return None,
    };
    u8::try_from(number).ok().filter(|percent| (1..=99).contains(percent))
}

// `sla::Policy` is read from desk.yaml here, beside desk.yaml's own type, so that `sla`
// never imports `rules`.
impl Policy {
    /// The settings desk.yaml holds.
    pub fn from_desk(desk: &DeskConfig) -> Policy {
        Policy {
            warning_percent: desk.sla_warning_percent,
            ladder: Ladder { grace_percent: u64::from(desk.sla_escalation_grace_percent) },
            auto_close_after: Some(desk.auto_close_after),
            reminder_after: desk.remind_awaiting_after,
            escalate_after_age: desk.escalate_after_age,
            csat: desk.csat.as_ref().map(|csat| CsatTiming { ask: csat.ask, delay: csat.delay }),
        }
    }
}

//! The command line: argument parsing and the verbs of the contract in DESIGN.md.
//!
//! Each verb returns an exit code: 0 ok, 1 the user's input is wrong (rules, config,
//! arguments' values, a data file that is not ours), 2 usage. Results go to stdout;
//! logs and progress go to stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::export::{self, Format};
use crate::metrics::{GroupBy, ReportFormat};
use crate::store::{self, ReadOnlyStore, Store, StoreError};
use crate::ticket::{Status, Ticket, TicketId};

#[derive(Parser)]
#[command(name = "topicdesk", version, about = "A help desk inside a Telegram forum supergroup")]
pub struct Cli {
    /// How logs are written to stderr: `text` for people, `json` (one object per line:
    /// timestamp, level, target, fields with the message, spans) for log shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// The form of the log lines on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the bot: poll Telegram, run the desk, send the outbox.
    Run {
        /// The rules directory.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// The data directory holding topicdesk.redb.
        #[arg(long)]
        data: PathBuf,
        /// The staff forum supergroup; overrides desk.yaml's `staff_chat` (or the chat of its one
        /// `staff_groups` entry; refused with several).
        #[arg(long, allow_hyphen_values = true)]
        staff_chat: Option<i64>,
        /// Send as fast as the API answers: only for benchmarks against a local stand-in.
        #[arg(long)]
        no_rate_budget: bool,
        /// Serve /metrics, /healthz and /readyz on this address (`127.0.0.1:9464`; port 0
        /// picks a free one, logged); overrides desk.yaml's `http.listen`.
        #[arg(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
        /// Webhook mode: Telegram POSTs updates to this https URL (a TLS proxy in front of
        /// --listen) instead of being polled; needs --listen.
        #[arg(long, value_name = "URL", requires = "listen")]
        webhook: Option<String>,
        /// Where webhook mode receives Telegram's POSTs (`127.0.0.1:8081`); needs --webhook.
        #[arg(long, value_name = "ADDR", requires = "webhook")]
        listen: Option<std::net::SocketAddr>,
    },
    /// GET an http URL and exit 0 on a 200 answer, 1 otherwise: a health check where no curl
    /// is installed (`topicdesk probe http://127.0.0.1:9464/healthz`).
    Probe {
        /// A plain http URL.
        url: String,
        /// Seconds to wait for the connection and for the answer.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
    /// Check a rules directory and print every problem as path:line:col: message.
    Check {
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
    },
    /// Run the rule scenarios in rules/tests/*.yaml.
    Test {
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
    },
    /// Play the whole flow offline against a built-in Telegram stand-in.
    Demo {
        /// Keep the demo's store in this new directory (for `report` and `tickets`);
        /// without it, the store goes with the demo.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Replay recorded or synthetic traffic through the rules on a virtual clock.
    Simulate {
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Replay the tickets recorded in this data directory (people do what they did;
        /// the rules decide anew).
        #[arg(long, conflicts_with = "traffic")]
        from_store: Option<PathBuf>,
        /// A JSON traffic description (see `src/simulate/traffic.rs`); without it, and
        /// without --from-store, four weeks of generated traffic.
        #[arg(long)]
        traffic: Option<PathBuf>,
        /// Also run these rules on the same traffic and show the differences.
        #[arg(long)]
        compare: Option<PathBuf>,
        /// Report the tickets created from this day (YYYY-MM-DD, in the desk's time zone)
        /// or instant (RFC 3339) on, as `report --since` does.
        #[arg(long)]
        since: Option<String>,
        /// Report the tickets created up to and including this day, or before this instant.
        #[arg(long)]
        until: Option<String>,
        /// One row per agent, category, priority, form, tag, day, week or staff group, as `report --by`.
        #[arg(long, value_enum)]
        by: Option<GroupBy>,
        /// `report`'s table (then the simulation's own figures), its JSON object (with the
        /// simulation's under `simulation`), or its CSV (with rows of the group
        /// `simulation`); with --compare, CSV lists the figures that differ.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// The same as --format json.
        #[arg(long)]
        json: bool,
        /// Replay speed; replays always run as fast as they can (`max`).
        #[arg(long, default_value = "max", value_parser = ["max"])]
        speed: String,
    },
    /// Run the benchmark suite.
    Bench {
        /// Print one JSON object of named figures on the last line.
        #[arg(long)]
        json: bool,
        /// The small, fast version of the suite that CI runs.
        #[arg(long)]
        quick: bool,
        /// Keep the generated store in this directory (to try `tickets` on a realistic store).
        #[arg(long)]
        keep_data: Option<PathBuf>,
        /// Run only the figures named here (JSON names, comma-separated), to profile one.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Print a signed link that opens the dashboard for a team member outside Telegram; it
    /// expires (token from `TELOXIDE_TOKEN`, the bot's: the running desk checks the link with it).
    DashboardLink {
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// The team member's Telegram user id (team.yaml).
        #[arg(long)]
        user: i64,
        /// How long the link can be opened: `15m`, `2h`; at most 24h. Opening it starts a
        /// session of its own length.
        #[arg(long = "for", default_value = "15m")]
        valid_for: String,
        /// Where the dashboard is reached; default desk.yaml `http.public_url`, else
        /// `http://` and `http.listen`.
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// Read the ticket store (also while the bot runs).
    Tickets {
        #[command(subcommand)]
        command: TicketsCommand,
    },
    /// The team's figures over a period, from the data file (also while the bot runs).
    Report {
        #[arg(long)]
        data: PathBuf,
        /// Tickets created from this day (YYYY-MM-DD, in the desk's time zone) or instant
        /// (RFC 3339) on.
        #[arg(long)]
        since: Option<String>,
        /// Tickets created up to and including this day, or before this instant.
        #[arg(long)]
        until: Option<String>,
        /// One row per agent, category, priority, form, tag, day, week or staff group.
        #[arg(long, value_enum)]
        by: Option<GroupBy>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// The rules directory: desk.yaml's business hours and time zone, team.yaml's
        /// names. Without it business hours count round the clock and days are UTC.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Response templates the team saved in topics with /template save.
    Templates {
        #[command(subcommand)]
        command: TemplatesCommand,
    },
    /// The knowledge base's work: the questions articles answered before a ticket.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Copy the data file to FILE, consistently, also while the bot runs.
    Backup {
        /// The data directory holding topicdesk.redb (or the file itself).
        #[arg(long)]
        data: PathBuf,
        /// The backup file to write; it must not exist yet (see --force).
        #[arg(long)]
        output: PathBuf,
        /// Replace OUTPUT when it exists (never the data file itself).
        #[arg(long)]
        force: bool,
    },
    /// The audit log: who viewed which ticket where, and the desk's acts on personal
    /// data, oldest first (also while the bot runs).
    Audit {
        #[arg(long)]
        data: PathBuf,
        /// Entries from this day (YYYY-MM-DD, UTC) or instant (RFC 3339) on.
        #[arg(long)]
        since: Option<String>,
        /// Entries up to and including this day, or before this instant.
        #[arg(long)]
        until: Option<String>,
        /// Only this actor: a Telegram user id, `os:NAME` for a command-line user, or `desk`.
        #[arg(long)]
        actor: Option<String>,
        /// Only entries about this ticket (T-000123 or 123).
        #[arg(long)]
        ticket: Option<TicketId>,
        /// `table` for people, `json` for one JSON object per line.
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
    /// Erase everything the desk holds about a customer (a data-protection request): their
    /// tickets, messages, intake dialogue; their topics are deleted in Telegram. Asks the
    /// running bot over DIR/topicdesk.sock, or works on the file when no bot runs.
    Forget {
        #[arg(long)]
        data: PathBuf,
        /// The customer's Telegram user id (as `tickets show` and the card show it).
        #[arg(long)]
        customer: u64,
    },
    /// Compact the data file: erased records' bytes overwritten, free space given back.
    /// Asks the running bot, or works on the file when no bot runs.
    Compact {
        #[arg(long)]
        data: PathBuf,
    },
    /// Updates the desk failed on every time it tried, set aside so the rest flow on.
    DeadLetters {
        #[command(subcommand)]
        command: DeadLettersCommand,
    },
}

#[derive(Subcommand)]
pub enum TemplatesCommand {
    /// Write the newest saved version of each saved template as OUTPUT/<id>.yaml, in the
    /// rules/templates format, to move into the rules directory.
    Export {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum KbCommand {
    /// The questions an article answered before a ticket was opened ("That solved it"):
    /// how many per article, then each question, oldest first.
    Deflections {
        #[arg(long)]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum DeadLettersCommand {
    /// List the dead letters: which update, when it failed, why, how many tries.
    List {
        #[arg(long)]
        data: PathBuf,
    },
    /// Apply dead letters again: the running bot picks the request up within a second,
    /// or the next start does.
    Retry {
        #[arg(long)]
        data: PathBuf,
        /// Only these update ids (as `list` shows them); all when none is given.
        #[arg(value_name = "UPDATE_ID")]
        update_ids: Vec<i64>,
    },
}

#[derive(Subcommand)]
pub enum TicketsCommand {
    /// List tickets, newest first.
    List {
        #[arg(long)]
        data: PathBuf,
        /// Only tickets in this status (new, open, `awaiting_customer`, resolved, closed).
        #[arg(long)]
        status: Option<Status>,
        /// Only tickets assigned to this agent's Telegram id.
        #[arg(long)]
        assignee: Option<u64>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one ticket with its history.
    Show {
        /// The ticket id, like T-000123 or 123.
        id: TicketId,
        #[arg(long)]
        data: PathBuf,
    },
    /// Export every ticket as JSON lines or CSV.
    Export {
        #[arg(long)]
        data: PathBuf,
        /// Only this customer (Telegram user id), everything held about them as one JSON
        /// object: their data-access request. Recorded in the audit log.
        #[arg(long, conflicts_with = "format")]
        customer: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Tickets { command } => tickets(command),
        Command::DashboardLink { rules, user, valid_for, base } => {
            dashboard_link(&rules, user, &valid_for, base.as_deref())
        }
        Command::DeadLetters { command } => dead_letters(command),
        Command::Templates { command: TemplatesCommand::Export { data, output } } => {
            export_templates(&data, &output)
        }
        Command::Kb { command: KbCommand::Deflections { data } } => deflections(&data),
        Command::Audit { data, since, until, actor, ticket, format } => {
            audit(&data, since.as_deref(), until.as_deref(), actor, ticket, format)
        }
        Command::Forget { data, customer } => forget(&data, customer),
        Command::Compact { data } => compact(&data),
        Command::Backup { data, output, force } => {
            backup(&data, &output, if force { store::Overwrite::Replace } else { store::Overwrite::Refuse })
        }
        Command::Report { data, since, until, by, format, rules } => {
            team_report(&data, since.as_deref(), until.as_deref(), by, format, rules.as_deref())
        }
        Command::Run { rules, data, staff_chat, no_rate_budget, http, webhook, listen } => {
            let webhook =
                webhook.zip(listen).map(|(url, listen)| crate::host::WebhookOptions { url, listen });
            run_host(rules, data, staff_chat, no_rate_budget, (http, webhook), cli.log_format)
        }
        Command::Probe { url, timeout } => {
            match crate::http::probe(&url, std::time::Duration::from_secs(timeout.max(1))) {
                Ok(()) => 0,
                Err(error) => report(&error),
            }
        }
        Command::Check { rules } => {
            exit_code(crate::rules::check_command(&rules, &mut std::io::stdout().lock()))
        }
        Command::Test { rules } => {
            exit_code(crate::scenarios::test_command(&rules, &mut std::io::stdout().lock()))
        }
        Command::Demo { data } => demo(data.as_deref()),
        Command::Simulate {
            rules,
            from_store,
            traffic,
            compare,
            since,
            until,
            by,
            format,
            json,
            speed: _,
        } => {
            let format = if json { ReportFormat::Json } else { format };
            let asked = Asked { since: since.as_deref(), until: until.as_deref(), by, format };
            simulate(&rules, from_store.as_deref(), traffic.as_deref(), compare.as_deref(), &asked)
        }
        Command::Bench { json, quick, keep_data, only } => bench(json, quick, keep_data.as_deref(), &only),
    };
    ExitCode::from(code)
}

fn bench(json: bool, quick: bool, keep_data: Option<&Path>, only: &[String]) -> u8 {
    let scale = if quick { crate::bench::Scale::QUICK } else { crate::bench::Scale::FULL };
    let mut stdout = std::io::stdout().lock();
    match crate::bench::run(scale, keep_data, only, &mut stdout) {
        Ok(report) => {
            if json {
                let _ = writeln!(stdout, "{}", report.to_json());
            }
            0
        }
        Err(error) => report(&*error),
    }
}

fn run_host(
    rules: PathBuf,
    data: PathBuf,
    staff_chat: Option<i64>,
    no_rate_budget: bool,
    (http, webhook): (Option<std::net::SocketAddr>, Option<crate::host::WebhookOptions>),
    log_format: LogFormat,
) -> u8 {
    // With JSON logs the error that ends the host is a log event too, so that a log
    // shipper reading stderr line by line never meets a line that is not JSON.
    let report = |error: &dyn std::error::Error| match log_format {
        LogFormat::Text => report(error),
        LogFormat::Json => {
            tracing::error!(error = %error, "topicdesk run failed");
            1
        }
    };
    let mut options = crate::host::HostOptions::from_env(rules, data, staff_chat);
    options.unlimited = no_rate_budget;
    options.http = http;
    options.webhook = webhook;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return report(&error),
    };
    match runtime.block_on(crate::host::run(options, shutdown_signal())) {
        Ok(()) => 0,
        Err(error) => {
            report(&error);
            error.exit_code()
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = interrupt.await;
            return;
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn demo(data: Option<&Path>) -> u8 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return report(&error),
    };
    let mut stdout = std::io::stdout().lock();
    match runtime.block_on(crate::demo::run(&mut stdout, data)) {
        Ok(()) => 0,
        Err(error) => report(&error),
    }
}

/// What `simulate` is asked to report, as the command line gave it.
struct Asked<'a> {
    since: Option<&'a str>,
    until: Option<&'a str>,
    by: Option<GroupBy>,
    format: ReportFormat,
}

fn simulate(
    rules: &Path,
    from_store: Option<&Path>,
    traffic: Option<&Path>,
    other: Option<&Path>,
    asked: &Asked<'_>,
) -> u8 {
    use crate::simulate::{Report, ReportOptions, Traffic, compare, simulate, simulate_recorded};
    let load = |dir: &Path| -> Result<crate::rules::RuleSet, String> {
        let (set, diagnostics) = crate::rules::load(dir);
        set.ok_or_else(|| {
            let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            format!("the rules in {} are not valid:\n{}", dir.display(), lines.join("\n"))
        })
    };
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let sets = match other {
            Some(other) => vec![load(rules)?, load(other)?],
            None => vec![load(rules)?],
        };
        // Days are the desk's, as `report --rules` reads them.
        let time_zone =
            jiff::tz::TimeZone::get(&sets[0].desk().timezone.value).unwrap_or(jiff::tz::TimeZone::UTC);
        let (since, until) = period_bounds(asked.since, asked.until, &time_zone)?;
        let options = ReportOptions { since, until, by: asked.by };
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("replaying {bar:40} {pos}/{len} tickets")
                    .expect("the template is valid"),
            );
            bar
        });
        let mut progress = |done: u32, total: u32| {
            if let Some(bar) = &bar {
                bar.set_length(u64::from(total));
                bar.set_position(u64::from(done));
            }
        };
        let reports: Vec<Report> = if let Some(data) = from_store {
            let store = open_for_reading(data)?;
            let read = store.read()?;
            let mut recorded = Vec::new();
            read.for_each_ticket(|ticket| {
                let history = read.history(ticket.id)?;
                recorded.push((ticket, history));
                Ok::<_, StoreError>(())
            })?;
            // To the instant: a timer due within this second has fallen due.
            let until = jiff::Timestamp::now();
            sets.iter()
                .map(|set| simulate_recorded(set, &recorded, until, &options, &mut progress))
                .collect::<Result<Vec<Report>, _>>()?
        } else {
            let traffic = match traffic {
                Some(path) => Traffic::from_json(
                    &std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                )?,
                // Four weeks of a small desk's traffic with a usual mix of priorities.
                None => Traffic::from_json(
                    &serde_json::json!({
                        "start": jiff::Timestamp::now().to_string(),
                        "days": 28,
                        "tickets": 2_000,
                        "priorities": { "low": 2, "normal": 6, "high": 2 },
                        "categories": { "billing": 3, "technical": 4, "account": 2, "other": 1 },
                    })
                    .to_string(),
                )?,
            };
            sets.iter().map(|set| simulate(set, &traffic, &options, &mut progress)).collect()
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let mut stdout = std::io::stdout().lock();
        let mut reports = reports.into_iter();
        let first = reports.next().expect("at least one rule set");
        match (reports.next(), asked.format) {
            (Some(second), ReportFormat::Json) => {
                writeln!(stdout, "{}", serde_json::to_string(&compare(first, second))?)?;
            }
            (Some(second), ReportFormat::Csv) => write!(stdout, "{}", compare(first, second).csv())?,
            (Some(second), ReportFormat::Table) => write!(stdout, "{}", compare(first, second))?,
            (None, ReportFormat::Json) => writeln!(stdout, "{}", serde_json::to_string(&first)?)?,
            (None, ReportFormat::Csv) => write!(stdout, "{}", first.csv())?,
            (None, ReportFormat::Table) => write!(stdout, "{first}")?,
        }
        Ok(())
    };
    match run() {
        Ok(()) => 0,
        Err(error) => report(&*error),
    }
}

fn team_report(
    data: &Path,
    since: Option<&str>,
    until: Option<&str>,
    by: Option<GroupBy>,
    format: ReportFormat,
    rules: Option<&Path>,
) -> u8 {
    let mut options = crate::metrics::Options {
        since: None,
        until: None,
        now: whole_second_after(jiff::Timestamp::now()),
        by,
        calendar: None,
        time_zone: jiff::tz::TimeZone::UTC,
        agent_names: std::collections::BTreeMap::new(),
        group_names: std::collections::BTreeMap::new(),
    };
    if let Some(dir) = rules {
        let (set, diagnostics) = crate::rules::load(dir);
        let Some(set) = set else {
            eprintln!("error: the rules in {} are not valid:", dir.display());
            for diagnostic in diagnostics {
                eprintln!("{diagnostic}");
            }
            return 1;
        };
        crate::report::with_rules(&mut options, &set);
    }
    match period_bounds(since, until, &options.time_zone) {
        Ok((since, until)) => (options.since, options.until) = (since, until),
        Err(error) => {
            eprintln!("error: {error}");
            return 1;
        }
    }
    let store = match open_for_reading(data) {
        Ok(store) => store,
        Err(error) => return report(&error),
    };
    let outcome = store::guard_damage(&store::data_file(data), || -> Outcome {
        let read = store.read()?;
        let bar = Progress::over(read.ticket_count().unwrap_or(0), "reading");
        let built = crate::report::build(&read, &options, |n| bar.at(n))?;
        bar.done();
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        built.write(format, &mut stdout)?;
        stdout.flush()?;
        Ok(0)
    });
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => report(&*error),
        Err(error) => report(&error),
    }
}

/// `--since` and `--until` as instants. A bound is an instant, or a day in the desk's time
/// zone: `--since` takes its start, `--until` its end (the start of the next day).
fn period_bounds(
    since: Option<&str>,
    until: Option<&str>,
    time_zone: &jiff::tz::TimeZone,
) -> Result<(Option<jiff::Timestamp>, Option<jiff::Timestamp>), String> {
    let instant_or_day = |text: &str| -> Result<Result<jiff::Timestamp, jiff::civil::Date>, String> {
        if let Ok(at) = text.parse::<jiff::Timestamp>() {
            return Ok(Ok(at));
        }
        text.parse::<jiff::civil::Date>()
            .map(Err)
            .map_err(|_| format!("`{text}` is not a day (YYYY-MM-DD) or an instant (RFC 3339)"))
    };
    let start_of = |day: jiff::civil::Date| {
        day.to_zoned_datetime(time_zone.clone()).map(|zoned| zoned.timestamp()).map_err(|e| e.to_string())
    };
    let since = since.map(|text| instant_or_day(text)?.or_else(start_of)).transpose()?;
    let until = until
        .map(|text| instant_or_day(text)?.or_else(|day| start_of(day.tomorrow().map_err(|e| e.to_string())?)))
        .transpose()?;
    Ok((since, until))
}

fn exit_code(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(1)
}

fn tickets(command: TicketsCommand) -> u8 {
    let data = match &command {
        TicketsCommand::List { data, .. }
        | TicketsCommand::Show { data, .. }
        | TicketsCommand::Export { data, .. } => data.clone(),
    };
    let store = match open_for_reading(&data) {
        Ok(store) => store,
        Err(error) => return report(&error),
    };
    // A damaged page can make the storage engine panic on any read: one clear error instead.
    let outcome = store::guard_damage(&store::data_file(&data), || match command {
        TicketsCommand::List { status, assignee, limit, .. } => list(&store, status, assignee, limit),
        TicketsCommand::Show { id, .. } => viewed(store, &data, None, |read| show(read, id)),
        TicketsCommand::Export { customer: Some(customer), output, .. } => {
            viewed(store, &data, output.as_deref(), |read| export_customer(read, customer))
        }
        TicketsCommand::Export { format, output, .. } => export_to(store, &data, format, output.as_deref()),
    });
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => report(&*error),
        Err(error) => report(&error),
    }
}

/// `templates export`: one file per saved id, its newest version; prints each path written.
fn export_templates(data: &Path, output: &Path) -> u8 {
    let store = match open_for_reading(data) {
        Ok(store) => store,
        Err(error) => return report(&error),
    };
    let saved = match store::guard_damage(&store::data_file(data), || store.read()?.saved_templates()) {
        Ok(Ok(saved)) => saved,
        Ok(Err(error)) | Err(error) => return report(&error),
    };
    let mut newest: std::collections::BTreeMap<&str, &crate::template::SavedTemplate> =
        std::collections::BTreeMap::new();
    for version in &saved {
        newest.insert(version.id.as_str(), version);
    }
    if let Err(error) = std::fs::create_dir_all(output) {
        eprintln!("error: cannot create {}: {error}", output.display());
        return 1;
    }
    let mut out = std::io::stdout().lock();
    for (id, version) in newest {
        let path = output.join(format!("{id}.yaml"));
        if let Err(error) = std::fs::write(&path, crate::rules::saved_template_yaml(version)) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return 1;
        }
        let _ = writeln!(out, "{}", path.display());
    }
    0
}

fn dead_letters(command: DeadLettersCommand) -> u8 {
    match command {
        DeadLettersCommand::List { data } => {
            let store = match open_for_reading(&data) {
                Ok(store) => store,
                Err(error) => return report(&error),
            };
            let path = store::data_file(&data);
            match store::guard_damage(&path, || list_dead_letters(&store, &path)) {
                Ok(Ok(code)) => code,
                Ok(Err(error)) => report(&*error),
                Err(error) => report(&error),
            }
        }
        DeadLettersCommand::Retry { data, update_ids } => {
            let path = store::data_file(&data);
            // The store must be there; the running bot (or the next start) does the rest.
            let letters = match open_for_reading(&data)
                .and_then(|store| store::guard_damage(&path, || store.read()?.dead_letters())?)
            {
                Ok(letters) => letters,
                Err(error) => return report(&error),
            };
            let unknown: Vec<String> = update_ids
                .iter()
                .filter(|id| !letters.iter().any(|l| l.update_id == **id))
                .map(ToString::to_string)
                .collect();
            if !unknown.is_empty() {
                eprintln!("error: no dead letter for update {}", unknown.join(", "));
                return 1;
            }
            if letters.is_empty() {
                eprintln!("no dead letters to retry");
                return 0;
            }
            let n = if update_ids.is_empty() { letters.len() } else { update_ids.len() };
            match crate::control::retry(&data, &update_ids, jiff::Timestamp::now()) {
                Ok(crate::control::Retry::Tried { applied, failed }) => {
                    eprintln!(
                        "retried {} dead letter(s) in the running desk: {applied} applied, {failed} failed \
                         again (see `dead-letters list`)",
                        applied + failed
                    );
                    u8::from(failed > 0)
                }
                Ok(crate::control::Retry::Left(file)) => {
                    eprintln!(
                        "asked to retry {n} dead letter(s) ({}); no desk runs: the next start applies them",
                        file.display()
                    );
                    0
                }
                Err(error) => report(&error),
            }
        }
    }
}

/// `backup`: one line on stdout with what was copied.
fn backup(data: &Path, output: &Path, overwrite: store::Overwrite) -> u8 {
    match store::backup(&store::data_file(data), output, overwrite) {
        Ok(done) => {
            let _ = writeln!(
                std::io::stdout().lock(),
                "backed up {} tickets ({} rows in {} tables, {} bytes) to {}",
                done.tickets,
                done.rows,
                done.tables,
                done.bytes,
                done.output.display()
            );
            0
        }
        Err(error) => report(&error),
    }
}

/// How `topicdesk audit` prints.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
}

fn forget(data: &Path, customer: u64) -> u8 {
    match crate::control::forget(data, customer, jiff::Timestamp::now()) {
        Ok((erased, via)) => {
            println!("{}", crate::control::describe_forget(customer, &erased, &via));
            0
        }
        Err(error) => report(&error),
    }
}

fn compact(data: &Path) -> u8 {
    let started = std::time::Instant::now();
    match crate::control::compact(data, jiff::Timestamp::now()) {
        Ok((before, after, millis, via)) => {
            let millis = millis.unwrap_or(started.elapsed().as_millis() as u64);
            let by = match via {
                crate::control::Via::Desk => "by the running desk",
                crate::control::Via::File => "on the file (no desk running)",
            };
            println!(
                "Compacted {} {by}: {before} -> {after} bytes in {millis} ms.",
                store::data_file(data).display()
            );
            0
        }
        Err(error) => report(&error),
    }
}

fn audit(
    data: &Path,
    since: Option<&str>,
    until: Option<&str>,
    actor: Option<String>,
    ticket: Option<TicketId>,
    format: AuditFormat,
) -> u8 {
    let (since, until) = match period_bounds(since, until, &jiff::tz::TimeZone::UTC) {
        Ok(bounds) => bounds,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let filter = crate::audit::Filter { since, until, actor, ticket };
    let store = match open_for_reading(data) {
        Ok(store) => store,
        Err(error) => return report(&error),
    };
    let path = store::data_file(data);
    match store::guard_damage(&path, || list_audit(&store, &filter, format)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => report(&*error),
        Err(error) => report(&error),
    }
}

fn list_audit(store: &ReadOnlyStore, filter: &crate::audit::Filter, format: AuditFormat) -> Outcome {
    let entries = store.read()?.audit_log()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, entry) in entries.iter().filter(|(_, entry)| filter.admits(entry)) {
        match format {
            AuditFormat::Table => writeln!(
                out,
                "{number:>6}  {}  {:<14}  {}",
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor.to_string(),
                entry.action
            )?,
            AuditFormat::Json => {
                let mut line = serde_json::to_value(entry)?;
                line["seq"] = (*number).into();
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

fn deflections(data: &Path) -> u8 {
    let store = match open_for_reading(data) {
        Ok(store) => store,
        Err(error) => return report(&error),
    };
    let path = store::data_file(data);
    match store::guard_damage(&path, || list_deflections(&store)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => report(&*error),
        Err(error) => report(&error),
    }
}

fn list_deflections(store: &ReadOnlyStore) -> Outcome {
    let deflections = store.read()?.deflections()?;
    let mut by_article: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for deflection in &deflections {
        *by_article.entry(deflection.article.as_str()).or_default() += 1;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} questions answered by an article, no ticket opened", deflections.len())?;
    let mut counts: Vec<(&str, usize)> = by_article.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (article, count) in counts {
        writeln!(out, "{count:>6}  {article}")?;
    }
    for deflection in &deflections {
        writeln!(
            out,
            "{} {} ({}): {}",
            deflection.at.strftime("%Y-%m-%d %H:%M"),
            deflection.article,
            deflection.form,
            deflection.question.replace('\n', " "),
        )?;
    }
    Ok(0)
}

fn list_dead_letters(store: &ReadOnlyStore, path: &Path) -> Outcome {
    let letters = store.read()?.dead_letters()?;
    let requested = store::retry_requests(path)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<12} {:>5} {:<17} {:<17} {:<8} {:<40} error",
        "update", "tries", "first failed", "last failed", "retry", "what"
    )?;
    for letter in &letters {
        let retry =
            requested.iter().any(|r| r.update_ids.is_empty() || r.update_ids.contains(&letter.update_id));
        writeln!(
            out,
            "{:<12} {:>5} {:<17} {:<17} {:<8} {:<40} {}",
            letter.update_id,
            letter.tries,
            letter.first_failed.strftime("%Y-%m-%d %H:%M"),
            letter.last_failed.strftime("%Y-%m-%d %H:%M"),
            if retry { "asked" } else { "-" },
            crate::outbox::clip(&letter.what, 40),
            letter.error.replace('\n', " "),
        )?;
    }
    Ok(0)
}

fn open_for_reading(data: &Path) -> Result<ReadOnlyStore, StoreError> {
    let path = store::data_file(data);
    if !path.exists() {
        return Err(StoreError::Missing { path });
    }
    Store::open_read_only(&path)
}

/// `topicdesk dashboard-link`: refuses anyone not in team.yaml.
fn dashboard_link(rules_dir: &Path, user: i64, valid_for: &str, base: Option<&str>) -> u8 {
    const LONGEST: u64 = 24 * 3600;
    let Ok(token) = std::env::var("TELOXIDE_TOKEN") else {
        eprintln!("error: TELOXIDE_TOKEN is not set: the link is signed with the bot's token");
        return 1;
    };
    let span = match valid_for.parse::<crate::duration::Span>() {
        Ok(span) if span.as_secs() > 0 && span.as_secs() <= LONGEST => span,
        Ok(_) => {
            eprintln!("error: --for {valid_for}: a link lasts from a minute to 24h");
            return 1;
        }
        Err(error) => {
            eprintln!("error: --for {valid_for}: {error}");
            return 1;
        }
    };
    let (rules, diagnostics) = crate::rules::load(rules_dir);
    let Some(rules) = rules else {
        for diagnostic in diagnostics {
            eprintln!("{diagnostic}");
        }
        eprintln!("error: the rules in {} are not valid (topicdesk check says why)", rules_dir.display());
        return 1;
    };
    if crate::http::dashboard::viewer(&rules, user).is_none() {
        eprintln!(
            "error: user {user} is not a member of team.yaml in {}: no dashboard link",
            rules_dir.display()
        );
        return 1;
    }
    let base = match (base, &rules.desk().public_url, rules.desk().http_listen) {
        (Some(base), _, _) => base.to_owned(),
        (None, Some(url), _) => url.clone(),
        (None, None, Some(listen)) => format!("http://{listen}"),
        (None, None, None) => {
            eprintln!(
                "error: desk.yaml sets neither `http.public_url` nor `http.listen`: say where the dashboard is with --base URL"
            );
            return 1;
        }
    };
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(span.as_secs() as i64);
    println!("{}", crate::http::dashboard::link(&base, user, expires, &token));
    0
}

fn report(error: &dyn std::error::Error) -> u8 {
    eprintln!("error: {error}");
    1
}

type Outcome = Result<u8, Box<dyn std::error::Error>>;

fn list(store: &ReadOnlyStore, status: Option<Status>, assignee: Option<u64>, limit: usize) -> Outcome {
    let read = store.read()?;
    let ids: Vec<TicketId> = match (status, assignee) {
        (Some(status), _) => read.tickets_in_status(status)?,
        (None, Some(agent)) => read.tickets_of_assignee(agent)?,
        (None, None) => {
            let mut all = Vec::new();
            read.for_each_ticket(|t| {
                all.push(t.id);
                Ok::<_, StoreError>(())
            })?;
            all
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<9} {:<17} {:<8} {:<14} {:<12} {:<20} created",
        "id", "status", "priority", "category", "assignee", "customer"
    )?;
    let mut shown = 0;
    for id in ids.iter().rev() {
        if shown == limit {
            break;
        }
        let Some(ticket) = read.ticket(*id)? else { continue };
        if assignee.is_some_and(|agent| ticket.assignee != Some(agent)) {
            continue;
        }
        shown += 1;
        writeln!(
            out,
            "{:<9} {:<17} {:<8} {:<14} {:<12} {:<20} {}",
            ticket.id.to_string(),
            ticket.status.as_str(),
            ticket.priority.as_str(),
            ticket.category.as_deref().unwrap_or("-"),
            ticket.assignee.map_or_else(|| "-".to_owned(), |a| a.to_string()),
            crate::outbox::clip(&ticket.customer.name, 20),
            ticket.created_at.strftime("%Y-%m-%d %H:%M"),
        )?;
    }
    Ok(0)
}

/// What a view shows, the tickets it shows and where: recorded in the audit log before
/// it is given, and not given when it cannot be recorded.
type View = Option<(Vec<u8>, Vec<TicketId>, crate::audit::Surface)>;

/// Runs a view on `store`, records it (once the read-only handle is closed: with no desk
/// running the record is written to the file directly), then prints it.
fn viewed(
    store: ReadOnlyStore,
    data: &Path,
    output: Option<&Path>,
    view: impl FnOnce(&ReadOnlyStore) -> Result<View, Box<dyn std::error::Error>>,
) -> Outcome {
    let Some((text, tickets, surface)) = view(&store)? else { return Ok(1) };
    drop(store);
    crate::control::record(data, &crate::control::views(&tickets, surface, jiff::Timestamp::now()))?;
    match output {
        Some(path) => std::fs::write(path, text)?,
        None => std::io::stdout().lock().write_all(&text)?,
    }
    Ok(0)
}

/// `tickets export --customer`: everything held about the customer, as one JSON object.
fn export_customer(store: &ReadOnlyStore, customer: u64) -> Result<View, Box<dyn std::error::Error>> {
    let (whole, tickets) = export::customer(&store.read()?, customer)?;
    let mut text = serde_json::to_vec_pretty(&whole)?;
    text.push(b'\n');
    Ok(Some((text, tickets, crate::audit::Surface::CustomerExport)))
}

fn show(store: &ReadOnlyStore, id: TicketId) -> Result<View, Box<dyn std::error::Error>> {
    let read = store.read()?;
    let Some(ticket) = read.ticket(id)? else {
        eprintln!("error: there is no ticket {id}");
        return Ok(None);
    };
    let mut out: Vec<u8> = Vec::new();
    write_card(&mut out, &ticket)?;
    writeln!(out, "\nhistory:")?;
    for entry in read.history(id)? {
        let rules = entry.rules.as_deref().map(|v| format!(" [rules {v}]")).unwrap_or_default();
        writeln!(
            out,
            "  {}  {:<16} {}{rules}",
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor.to_string(),
            entry.kind
        )?;
    }
    Ok(Some((out, vec![id], crate::audit::Surface::TicketsShow)))
}

fn write_card(out: &mut dyn Write, t: &Ticket) -> std::io::Result<()> {
    writeln!(out, "{}  {}  priority {}", t.id, t.status, t.priority)?;
    let username = t.customer.username.as_deref().map(|u| format!(" @{u}")).unwrap_or_default();
    writeln!(out, "customer: {}{username} ({})", t.customer.name, t.customer.id)?;
    writeln!(out, "category: {}", t.category.as_deref().unwrap_or("-"))?;
    writeln!(out, "assignee: {}", t.assignee.map_or_else(|| "-".to_owned(), |a| a.to_string()))?;
    if !t.tags.is_empty() {
        let tags: Vec<&str> = t.tags.iter().map(String::as_str).collect();
        writeln!(out, "tags: {}", tags.join(", "))?;
    }
    writeln!(out, "created: {}  updated: {}", t.created_at, t.updated_at)?;
    if t.reopened > 0 {
        writeln!(out, "reopened: {} times", t.reopened)?;
    }
    for (field, answer) in &t.answers {
        writeln!(out, "  {field}: {answer:?}")?;
    }
    Ok(())
}

/// `tickets export`: every ticket there is now, recorded in the audit log as one export
/// before anything is written (and nothing written when it cannot be recorded).
fn export_to(store: ReadOnlyStore, data: &Path, format: Format, output: Option<&Path>) -> Outcome {
    let (total, through) = {
        let read = store.read()?;
        (read.ticket_count()?, read.last_ticket_id()?)
    };
    // An empty store shows nobody's data: nothing to record.
    let store = match through {
        None => store,
        Some(through) => {
            drop(store);
            let entry = crate::audit::AuditEntry {
                at: jiff::Timestamp::now(),
                actor: crate::audit::Actor::Os { user: crate::control::os_user() },
                action: crate::audit::Action::ExportedAll { tickets: total, through },
            };
            crate::control::record(data, &[entry])?;
            open_for_reading(data)?
        }
    };
    // Tickets made since (by a running desk) are not in the export the entry names.
    let through = through.unwrap_or(TicketId(0));
    let read = store.read()?;
    let mut sink: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let bar = Progress::over(total, "exporting");
    let written = export::export(&read, format, through, &mut *sink, |n| bar.at(n))?;
    bar.done();
    eprintln!("exported {written} tickets");
    Ok(0)
}

/// The report's instant: whole seconds, as its figures are, rounded up so that a ticket
/// opened a moment ago is never later than the report that counts it.
fn whole_second_after(now: jiff::Timestamp) -> jiff::Timestamp {
    let second = now.as_second() + i64::from(now.subsec_nanosecond() > 0);
    jiff::Timestamp::from_second(second).unwrap_or(jiff::Timestamp::MAX)
}

/// A progress bar over a store's tickets on stderr, only when stderr is a terminal:
/// moved every 1,024 tickets, cleared when the work is done.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn over(tickets: u64, doing: &str) -> Progress {
        Progress(std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(tickets);
            let template = format!("{doing} {{bar:40}} {{pos}}/{{len}} tickets ({{eta}} left)");
            bar.set_style(indicatif::ProgressStyle::with_template(&template).expect("the template is valid"));
            bar
        }))
    }

    fn at(&self, n: u64) {
        if let Some(bar) = &self.0
            && n.is_multiple_of(1024)
        {
            bar.set_position(n);
        }
    }

    fn done(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

//! Hot-path figures: updates through the whole inbound path, hook calls, intake answers.
//! Each works on data built before the clock starts and runs the real code: Telegram
//! update JSON decoded and translated by the Telegram adapter, applied by the desk with the shipped rules
//! inside durable store transactions that also queue the outbox.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::desk::{Desk, DeskError, Event};
use crate::rules::RuleSet;
use crate::script::{AgentView, MessageView, RoundRobin, TeamView};
use crate::store::{FILE_NAME, Store};
use crate::ticket::{Answer, Customer};

/// Messages per second through decode, desk and durable commit, `page` updates a commit.
pub fn ingest(
    rules: &RuleSet,
    dir: &Path,
    messages: usize,
    page: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    ingest_counted(rules, dir, messages, page, None)
}

/// What the host's edges count on the inbound path, for [`ingest_counted`].
pub struct Counting {
    pub metrics: crate::http::Metrics,
    pub beat: std::sync::Arc<crate::http::Heartbeat>,
}

impl Counting {
    pub fn new() -> Counting {
        let health = crate::http::Health::new(Duration::from_mins(1));
        Counting {
            metrics: crate::http::Metrics::new(),
            beat: health.task("desk loop", Duration::from_mins(1)),
        }
    }
}

/// [`ingest`], with `counting` doing per page what the host's poller and desk loop do
/// when they count (the heartbeat, the page's commit time, the updates and their lag);
/// hook counting is whatever the script host is set to.
pub fn ingest_counted(
    rules: &RuleSet,
    dir: &Path,
    messages: usize,
    page: usize,
    counting: Option<&Counting>,
) -> Result<f64, Box<dyn std::error::Error>> {
    const CUSTOMERS: u64 = 500;
    const STAFF: i64 = -1_001_234_567_890;
    let store = Store::open(&dir.join(FILE_NAME))?;
    let now = jiff::Timestamp::now();
    let groups = crate::groups::StaffGroups::single(STAFF);
    let desk = Desk { rules, earlier: &[], groups: &groups, now, inline: crate::desk::InlineMode::Off };
    // Every customer has a ticket in progress, so their messages are relayed.
    store.write(|tx| {
        for customer in 1..=CUSTOMERS {
            let who = Customer {
                id: 1_000 + customer,
                name: format!("Customer {customer}"),
                username: None,
                language: None,
            };
            let answers = BTreeMap::from([("category".to_owned(), Answer::Text("technical".into()))]);
            desk.open_ticket(tx, &who, "support", answers)?;
        }
        Ok::<_, DeskError>(())
    })?;
    let updates: Vec<String> = (0..messages)
        .map(|n| {
            let customer = 1_000 + (n as u64 % CUSTOMERS) + 1;
            update_json(n as i64 + 1, customer, &format!("Message number {n} about the export button"))
        })
        .collect();
    let started = Instant::now();
    for chunk in updates.chunks(page) {
        let arrived = counting.map(|counting| {
            counting.beat.busy();
            Instant::now()
        });
        let decoded: Vec<(i64, Option<Event>)> = chunk
            .iter()
            .map(|json| crate::telegram::translate_json(json, &groups).expect("well-formed update"))
            .collect();
        store.apply_updates(&decoded, |tx, event| match event {
            Some(event) => desk.handle(tx, event),
            None => Ok(()),
        })?;
        if let (Some(counting), Some(arrived)) = (counting, arrived) {
            counting.metrics.page_committed(arrived.elapsed());
            let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
            counting.metrics.updates_committed(chunk.len(), chunk.iter().map(|_| now - UPDATE_DATE as f64));
            counting.beat.idle();
        }
    }
    Ok(messages as f64 / started.elapsed().as_secs_f64())
}

/// The p99 of one hook call (`route`, `sla`, `on_message` in turn) with the rules given, in µs.
/// Also returns how the calls spread, hook by hook, to tell the engine from the measurement.
pub fn rule_call_p99_us(rules: &RuleSet, calls: usize) -> (f64, String) {
    let view = sample_view();
    let team = TeamView {
        agents: rules
            .team()
            .agents
            .iter()
            .map(|a| AgentView {
                id: a.id,
                name: a.name.clone(),
                role: "agent".into(),
                load: 3,
                capacity: a.capacity,
                online: true,
                skills: a.skills.clone(),
            })
            .collect(),
    };
    // As the desk passes a customer's message: scored once, when its history entry was made.
    let text = "This is still broken and I am angry";
    let message = MessageView {
        text: text.into(),
        from_customer: true,
        sentiment: Some(crate::sentiment::score(text)),
    };
    let mut times: Vec<Duration> = Vec::with_capacity(calls);
    let mut by_hook: [Vec<Duration>; 3] = Default::default();
    let mut cursor = RoundRobin::default();
    for n in 0..calls {
        let started = Instant::now();
        match n % 3 {
            0 => cursor = rules.scripts().route(&view, &team, cursor).value.cursor,
            1 => drop(rules.scripts().sla(&view)),
            _ => drop(rules.scripts().on_message(&view, &message)),
        }
        let took = started.elapsed();
        times.push(took);
        by_hook[n % 3].push(took);
    }
    let spread: Vec<String> = ["route", "sla", "on_message"]
        .iter()
        .zip(by_hook)
        .map(|(hook, times)| format!("{hook} {}", spread(times)))
        .collect();
    (p99_us(times), spread.join("; "))
}

/// The p99 of one knowledge-base search over `n_articles` articles, in µs, with how the
/// searches spread. The articles are the rule set's own, repeated with generated words of
/// their own (so the vocabulary grows as a real knowledge base's does: about 40 new words an
/// article); the questions are customers' wording, typos and Russian among them.
pub fn kb_search_p99_us(rules: &RuleSet, n_articles: usize, searches: usize) -> (f64, String) {
    const QUESTIONS: [&str; 10] = [
        "I forgot my password and can't get in",
        "how do I reset my pasword?",
        "can I get my money back?",
        "my payment was declined, the card is fine",
        "API returns 429 too many requests",
        "the dashboard is really slow today",
        "webhok deliveries keep failing",
        "забыл пароль, не могу войти",
        "хочу сменить тарив на более дешёвый",
        "how to set up single sign on with Azure AD",
    ];
    let knowledge_base = sample_knowledge_base(rules.knowledge_base().articles(), n_articles);
    let mut times: Vec<Duration> = Vec::with_capacity(searches);
    let mut found = 0;
    for n in 0..searches {
        let started = Instant::now();
        let hits = knowledge_base.search(QUESTIONS[n % QUESTIONS.len()], 3);
        times.push(started.elapsed());
        found += usize::from(!hits.is_empty());
    }
    let shape = format!(
        "{} articles, {found} of {searches} searches found some: {}",
        knowledge_base.len(),
        spread(times.clone())
    );
    (p99_us(times), shape)
}

/// `n` articles: `base` over and over, each copy with words of its own.
fn sample_knowledge_base(base: &[crate::kb::Article], n: usize) -> crate::kb::KnowledgeBase {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ner", "tus", "vel", "qua", "dor", "pim", "sar", "fen", "gru", "hol", "jex", "wim",
        "zor",
    ];
    let mut rng = fastrand::Rng::with_seed(14);
    let mut word =
        || (0..rng.usize(2..5)).map(|_| SYLLABLES[rng.usize(..SYLLABLES.len())]).collect::<String>();
    let articles = (0..n)
        .filter_map(|k| {
            let model = base.get(k % base.len().max(1))?;
            let own: Vec<String> = (0..40).map(|_| word()).collect();
            Some(crate::kb::Article {
                id: format!("{}-{k}", model.id),
                title: format!("{} {}", model.title, own[0]),
                tags: model.tags.clone(),
                url: model.url.clone(),
                language: model.language,
                text: format!("{}\n{}", model.text, own.join(" ")),
            })
        })
        .collect();
    crate::kb::KnowledgeBase::new(articles)
}

/// p50, p99 and the slowest of some call times, and the first, in µs.
fn spread(times: Vec<Duration>) -> String {
    let first = times.first().map_or(0.0, |t| t.as_secs_f64() * 1e6);
    let mut sorted = times;
    sorted.sort();
    let at = |share: usize| {
        let index = (sorted.len() * share / 100).min(sorted.len().saturating_sub(1));
        sorted.get(index).map_or(0.0, |t| t.as_secs_f64() * 1e6)
    };
    let max = sorted.last().map_or(0.0, |t| t.as_secs_f64() * 1e6);
    format!("p50 {:.1} p99 {:.1} max {max:.0} first {first:.0} µs", at(50), at(99))
}

/// Microseconds per durable commit of one small row (a counter) through the store, in a
/// fresh file: what the disk and redb cost any transaction, the baseline of this run.
pub fn bare_commit_us(dir: &Path, commits: u64) -> Result<f64, Box<dyn std::error::Error>> {
    let store = Store::open(&dir.join(FILE_NAME))?;
    // The first commits grow the file; they are not what a running desk pays.
    for n in 0..10 {
        store.write(|tx| tx.set_counter("bench", n))?;
    }
    let started = Instant::now();
    for n in 0..commits {
        store.write(|tx| tx.set_counter("bench", n))?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / commits as f64)
}

/// An empty hook through the script host, timed as [`rule_call_p99_us`] times the shipped
/// ones: the median and the p99 of one call in µs (the median, not the mean: a call the
/// scheduler preempts on a busy machine takes milliseconds, and one in 30,000 doubles a
/// mean). The `sla` hook of a rule set whose script
/// returns nothing: the view is copied in, the budget armed, the function called, the
/// answer read, and no script work.
pub fn empty_call_us(calls: usize) -> Result<(f64, f64, String), Box<dyn std::error::Error>> {
    let file = crate::script::ScriptFile { path: "empty.rhai".into(), text: "fn sla(ticket) { () }".into() };
    let mut diagnostics = Vec::new();
    let scripts = crate::script::Scripts::compile(&[file], "empty", &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(format!("the empty hook does not compile: {diagnostics:?}").into());
    }
    let view = sample_view();
    let mut times: Vec<Duration> = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let outcome = scripts.sla(&view);
        times.push(started.elapsed());
        if outcome.failure.is_some() {
            return Err(format!("the empty hook failed: {:?}", outcome.failure).into());
        }
    }
    let shape = spread(times.clone());
    Ok((percentile_us(&times, 50), p99_us(times), shape))
}

/// The p99 of two clock reads back to back, in µs: what timing one call adds to it.
/// p99 of rendering one of the rule set's templates for a sample ticket, and of ranking
/// them all for it as `/t` does, over `calls` each, in µs.
pub fn template_p99_us(rules: &RuleSet, calls: usize) -> (f64, f64) {
    let templates = rules.templates();
    if templates.is_empty() {
        return (0.0, 0.0);
    }
    let values = crate::template::Values {
        customer_name: Some("Ann Kowalski".to_owned()),
        ticket_id: "T-000042".to_owned(),
        category: Some("Billing".to_owned()),
        priority: "high".to_owned(),
        agent_name: Some("Dana".to_owned()),
        fields: BTreeMap::from([
            ("invoice".to_owned(), "INV-10482".to_owned()),
            ("email".to_owned(), "ann@example.com".to_owned()),
        ]),
    };
    let mut renders = Vec::with_capacity(calls);
    for call in 0..calls {
        let template = &templates[call % templates.len()];
        let language = if call % 2 == 0 { "en" } else { "ru" };
        let started = Instant::now();
        std::hint::black_box(template.render(Some(language), &values));
        renders.push(started.elapsed());
    }
    let conversation = "I was charged twice for my March subscription.\nThe second charge was on March 3rd.";
    let mut offers = Vec::with_capacity(calls / 10);
    for _ in 0..(calls / 10).max(1) {
        let started = Instant::now();
        std::hint::black_box(crate::template::for_ticket(templates, Some("billing"), conversation, 5));
        offers.push(started.elapsed());
    }
    (p99_us(renders), p99_us(offers))
}

pub fn clock_read_p99_us(reads: usize) -> f64 {
    let mut times: Vec<Duration> = Vec::with_capacity(reads);
    for _ in 0..reads {
        let started = Instant::now();
        times.push(started.elapsed());
    }
    p99_us(times)
}

/// The `share`th percentile of some call times, in µs.
fn percentile_us(times: &[Duration], share: usize) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len() * share / 100).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |t| t.as_secs_f64() * 1e6)
}

fn p99_us(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times
        .get((times.len() * 99 / 100).min(times.len().saturating_sub(1)))
        .map_or(0.0, |t| t.as_secs_f64() * 1e6)
}

/// The ticket the hook figures show the rules: billing, high priority, just opened.
fn sample_view() -> crate::script::TicketView {
    let who = Customer { id: 7, name: "Ann".into(), username: None, language: Some("en".into()) };
    let answers = BTreeMap::from([
        ("category".to_owned(), Answer::Text("billing".into())),
        ("priority".to_owned(), Answer::Text("high".into())),
    ]);
    let now = jiff::Timestamp::now();
    let (ticket, _) = crate::ticket::Ticket::open(crate::ticket::TicketId(1), who, "support", answers, now);
    crate::desk::ticket_view(&ticket, now)
}

/// Intake answers per second: every customer steps through the support form by typed
/// answers; each answer is validated and its session persisted, one commit per round.
/// The description `intake_answers` types: no article of the shipped knowledge base matches.
pub(super) const INTAKE_DESCRIPTION: &str = "The graph goes grey at fifty percent.";

pub fn intake_answers(
    rules: &RuleSet,
    dir: &Path,
    customers: u64,
) -> Result<f64, Box<dyn std::error::Error>> {
    let store = Store::open(&dir.join(FILE_NAME))?;
    let groups = crate::groups::StaffGroups::single(-1);
    let desk = Desk {
        rules,
        earlier: &[],
        groups: &groups,
        now: jiff::Timestamp::now(),
        inline: crate::desk::InlineMode::Off,
    };
    // A text-only path through the shipped support form: deep link, then typed answers. The
    // description is searched in the knowledge base (`suggest_kb_after`) and matches no
    // article, so typing goes on to the screenshot question.
    let answers = ["/start support", "Technical problem", "Normal", INTAKE_DESCRIPTION, "/skip"];
    let started = Instant::now();
    let mut count = 0usize;
    for round in answers {
        store.write(|tx| {
            for customer in 1..=customers {
                let message = crate::desk::CustomerMessage {
                    customer: Customer {
                        id: customer,
                        name: format!("C{customer}"),
                        username: None,
                        language: None,
                    },
                    message_id: count as i32,
                    kind: crate::desk::Kind::Text,
                    text: Some(round.to_owned()),
                    file_id: None,
                    single: None,
                    reply_to: None,
                    album: None,
                };
                desk.handle(tx, &Event::Customer(message))?;
            }
            Ok::<_, DeskError>(())
        })?;
        count += customers as usize;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// A private text message from `customer` as Telegram sends it in an update.
/// The `date` of every generated update (unix seconds).
const UPDATE_DATE: i64 = 1_790_000_000;

fn update_json(update_id: i64, customer: u64, text: &str) -> String {
    serde_json::json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": UPDATE_DATE,
            "chat": { "id": customer, "type": "private", "first_name": "Customer" },
            "from": { "id": customer, "is_bot": false, "first_name": "Customer", "language_code": "en" },
            "text": text
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_intake_path_types_a_description_no_article_answers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let (rules, diagnostics) = crate::rules::load(&dir);
        let rules = rules.unwrap_or_else(|| panic!("rules/ loads: {diagnostics:?}"));
        let hits = rules.knowledge_base().search(super::INTAKE_DESCRIPTION, 3);
        let ids: Vec<&str> = hits.iter().map(|hit| hit.article.id.as_str()).collect();
        assert!(ids.is_empty(), "{ids:?}");
        let (p99, shape) = super::kb_search_p99_us(&rules, 100, 50);
        assert!(p99 > 0.0 && shape.starts_with("100 articles, 50 of 50 searches found some"), "{shape}");
    }
}

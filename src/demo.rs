//! `topicdesk demo`: the whole desk offline. It starts the built-in Telegram stand-in,
//! writes the shipped rules to a temporary directory, runs the real host against both,
//! and plays two customers and an agent, in a desk of two staff groups, through intake, relay, answers sent from response
//! templates (with `/t`, and picked inline from the card's Templates button), a customer
//! answered by an article without a ticket, a status change and a reopen, printing the
//! conversation as people would see it.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::fakegram::{
    Draft, FakeConfig, FakeHandle, FakeMessage, FakeTelegram, GroupSpec, InlineMode, MemberRole, RateBudgets,
    Thread, UserSpec, World,
};
use crate::host::HostOptions;

/// The shipped default desk, compiled in so the demo runs from any directory.
pub const DEFAULT_RULES: &[(&str, &str)] = &[
    ("desk.yaml", include_str!("../rules/desk.yaml")),
    ("team.yaml", include_str!("../rules/team.yaml")),
    ("forms/support.yaml", include_str!("../rules/forms/support.yaml")),
    ("forms/bug.yaml", include_str!("../rules/forms/bug.yaml")),
    ("routing.rhai", include_str!("../rules/routing.rhai")),
    ("sla.rhai", include_str!("../rules/sla.rhai")),
    ("escalation.rhai", include_str!("../rules/escalation.rhai")),
    ("automations.rhai", include_str!("../rules/automations.rhai")),
    ("validation.rhai", include_str!("../rules/validation.rhai")),
    ("tests/routing.yaml", include_str!("../rules/tests/routing.yaml")),
    ("tests/sla.yaml", include_str!("../rules/tests/sla.yaml")),
    ("tests/escalation.yaml", include_str!("../rules/tests/escalation.yaml")),
    ("tests/csat.yaml", include_str!("../rules/tests/csat.yaml")),
    ("templates/account-delete.yaml", include_str!("../rules/templates/account-delete.yaml")),
    ("templates/crash-details.yaml", include_str!("../rules/templates/crash-details.yaml")),
    ("templates/double-charge.yaml", include_str!("../rules/templates/double-charge.yaml")),
    ("templates/email-change.yaml", include_str!("../rules/templates/email-change.yaml")),
    ("templates/escalated.yaml", include_str!("../rules/templates/escalated.yaml")),
    ("templates/greeting.yaml", include_str!("../rules/templates/greeting.yaml")),
    ("templates/invoice-copy.yaml", include_str!("../rules/templates/invoice-copy.yaml")),
    ("templates/known-outage.yaml", include_str!("../rules/templates/known-outage.yaml")),
    ("templates/need-more-info.yaml", include_str!("../rules/templates/need-more-info.yaml")),
    ("templates/password-reset.yaml", include_str!("../rules/templates/password-reset.yaml")),
    ("templates/plan-change.yaml", include_str!("../rules/templates/plan-change.yaml")),
    ("templates/refund.yaml", include_str!("../rules/templates/refund.yaml")),
    ("templates/resolved-check.yaml", include_str!("../rules/templates/resolved-check.yaml")),
    ("templates/update-app.yaml", include_str!("../rules/templates/update-app.yaml")),
    ("kb/account-locked.md", include_str!("../rules/kb/account-locked.md")),
    ("kb/api-keys.md", include_str!("../rules/kb/api-keys.md")),
    ("kb/browser-support.md", include_str!("../rules/kb/browser-support.md")),
    ("kb/cancel-subscription.md", include_str!("../rules/kb/cancel-subscription.md")),
    ("kb/change-email.md", include_str!("../rules/kb/change-email.md")),
    ("kb/change-plan.md", include_str!("../rules/kb/change-plan.md")),
    ("kb/delete-account.md", include_str!("../rules/kb/delete-account.md")),
    ("kb/download-invoice.md", include_str!("../rules/kb/download-invoice.md")),
    ("kb/dvuhfaktornaya-autentifikaciya.md", include_str!("../rules/kb/dvuhfaktornaya-autentifikaciya.md")),
    ("kb/email-not-received.md", include_str!("../rules/kb/email-not-received.md")),
    ("kb/export-data.md", include_str!("../rules/kb/export-data.md")),
    ("kb/failed-payment.md", include_str!("../rules/kb/failed-payment.md")),
    ("kb/free-trial.md", include_str!("../rules/kb/free-trial.md")),
    ("kb/import-csv.md", include_str!("../rules/kb/import-csv.md")),
    ("kb/invite-teammates.md", include_str!("../rules/kb/invite-teammates.md")),
    ("kb/lost-2fa-device.md", include_str!("../rules/kb/lost-2fa-device.md")),
    ("kb/mobile-app.md", include_str!("../rules/kb/mobile-app.md")),
    ("kb/notifications.md", include_str!("../rules/kb/notifications.md")),
    ("kb/otmena-podpiski.md", include_str!("../rules/kb/otmena-podpiski.md")),
    ("kb/privacy-gdpr.md", include_str!("../rules/kb/privacy-gdpr.md")),
    ("kb/rate-limits.md", include_str!("../rules/kb/rate-limits.md")),
    ("kb/refund-policy.md", include_str!("../rules/kb/refund-policy.md")),
    ("kb/remove-user.md", include_str!("../rules/kb/remove-user.md")),
    ("kb/reset-password.md", include_str!("../rules/kb/reset-password.md")),
    ("kb/roles-permissions.md", include_str!("../rules/kb/roles-permissions.md")),
    ("kb/sbros-parolya.md", include_str!("../rules/kb/sbros-parolya.md")),
    ("kb/service-status.md", include_str!("../rules/kb/service-status.md")),
    ("kb/skachat-schet.md", include_str!("../rules/kb/skachat-schet.md")),
    ("kb/slack-integration.md", include_str!("../rules/kb/slack-integration.md")),
    ("kb/slow-dashboard.md", include_str!("../rules/kb/slow-dashboard.md")),
    ("kb/smena-tarifa.md", include_str!("../rules/kb/smena-tarifa.md")),
    ("kb/sso-saml.md", include_str!("../rules/kb/sso-saml.md")),
    ("kb/time-zone.md", include_str!("../rules/kb/time-zone.md")),
    ("kb/two-factor-auth.md", include_str!("../rules/kb/two-factor-auth.md")),
    ("kb/update-card.md", include_str!("../rules/kb/update-card.md")),
    ("kb/vat-number.md", include_str!("../rules/kb/vat-number.md")),
    ("kb/vozvrat-sredstv.md", include_str!("../rules/kb/vozvrat-sredstv.md")),
    ("kb/webhooks.md", include_str!("../rules/kb/webhooks.md")),
];

/// The desk's two staff groups: billing questions go to the billing team's forum, the rest
/// to the support team's.
const STAFF: i64 = -1_001_234_567_890;
const BILLING: i64 = -1_001_234_567_891;
const STAFF_GROUPS: &str = "staff_groups:
  - { name: billing, chat: -1001234567891, categories: [billing] }
  - { name: support, chat: -1001234567890 }
";
const ANN: u64 = 5_550_001;
const BORIS: u64 = 5_550_002;
const DANA: u64 = 111_111_111;
const STEP: Duration = Duration::from_secs(10);
const TIME_SCALE: f64 = 0.02;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo could not set up: {0}")]
    Setup(String),
    #[error("the demo stalled: {0}")]
    Stalled(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Writes the default rules into `dir`.
pub fn write_default_rules(dir: &Path) -> std::io::Result<()> {
    for (name, text) in DEFAULT_RULES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Runs the demo, printing the conversation to `out`. The store goes to `data` when given
/// (kept for `topicdesk report` and `tickets`; it must not hold a store yet), else to a
/// temporary directory.
pub async fn run(out: &mut dyn Write, data: Option<&Path>) -> Result<(), DemoError> {
    let setup = |e: &dyn std::fmt::Display| DemoError::Setup(e.to_string());
    if let Some(data) = data
        && crate::store::data_file(data).exists()
    {
        return Err(DemoError::Setup(format!(
            "{} already holds a store: give a new directory",
            data.display()
        )));
    }
    let temp = tempfile::tempdir().map_err(|e| setup(&e))?;
    let rules = temp.path().join("rules");
    write_default_rules(&rules)?;
    // Two staff groups instead of the shipped desk's one.
    let desk = std::fs::read_to_string(rules.join("desk.yaml"))?;
    let desk: String = desk
        .lines()
        .map(|line| if line.starts_with("staff_chat:") { STAFF_GROUPS.trim_end() } else { line })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(rules.join("desk.yaml"), desk + "\n")?;
    let mut config = FakeConfig {
        users: vec![
            UserSpec::new(ANN, "Ann").username("ann_k").language_code("en"),
            UserSpec::new(BORIS, "Boris").language_code("en"),
            UserSpec::new(DANA, "Dana").username("dana_support").language_code("en"),
        ],
        // Telegram's budgets, with every window a fiftieth as long: the desk keeps them,
        // the stand-in enforces them, and the demo does not wait a second per message.
        rate_budgets: RateBudgets::scaled(TIME_SCALE),
        // As after BotFather's /setinline: the cards get a Templates button.
        inline: InlineMode::On,
        ..FakeConfig::default()
    };
    config.groups[0].members.push((DANA, MemberRole::Member));
    config.groups.push(GroupSpec::staff_forum(BILLING).member(DANA, MemberRole::Member));
    let fake = FakeTelegram::start(config).await.map_err(|e| setup(&e))?;
    let data = data.map_or_else(|| temp.path().join("data"), Path::to_path_buf);
    let options = HostOptions::local(fake.api_url(), fake.token().to_owned(), rules, data, TIME_SCALE);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let host = tokio::spawn(crate::host::run(options, async move {
        let _ = stopped.await;
    }));
    let mut play = Play { fake: &fake, out, shown: 0 };
    let outcome = play.script().await;
    let _ = stop.send(());
    match host.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(DemoError::Setup(error.to_string())),
        Err(error) => return Err(DemoError::Setup(error.to_string())),
    }
    // Whatever the host sent while shutting down is part of the conversation too.
    outcome?;
    play.flush()
}

/// A ticket's topic: its staff group's chat and its thread.
#[derive(Clone, Copy)]
struct Topic {
    chat: i64,
    thread: i32,
}

struct Play<'a> {
    fake: &'a FakeHandle,
    out: &'a mut dyn Write,
    /// How many messages of the world have been printed.
    shown: u64,
}

impl Play<'_> {
    async fn script(&mut self) -> Result<(), DemoError> {
        self.say(
            "The desk has two staff groups (desk.yaml staff_groups): billing questions open in the \
             billing team's forum, the rest in the support team's. Ann writes to the bot and fills \
             the support form.",
        )?;
        self.customer_text(ANN, "/start").await?;
        self.press(ANN, "Contact support").await?;
        self.press(ANN, "Billing").await?;
        self.customer_text(ANN, "INV-123").await?;
        self.customer_text(ANN, "INV-10482").await?;
        self.press(ANN, "Yes").await?;
        self.press(ANN, "High").await?;
        self.customer_text(ANN, "I was charged twice for my March subscription.").await?;
        self.press(ANN, "I still need help").await?;
        self.customer_text(ANN, "/skip").await?;
        self.press(ANN, "Submit").await?;
        let ann_topic = self.topic_of("Ann").await?;
        self.say(
            "Ann adds a detail; Dana lists the response templates that fit the ticket, sends one, \
             and leaves a note for the team.",
        )?;
        self.customer_writes_to_topic(ANN, "The second charge was on March 3rd.", ann_topic).await?;
        self.staff_text(ann_topic, "/t")?;
        self.wait_text_in_topic(ann_topic, "Templates for").await?;
        let heard = self.bot_messages_to(ANN);
        self.press_in_topic(ann_topic, "1. Charged twice", "under the list").await?;
        self.wait_bot_message_to(ANN, heard).await?;
        self.staff_text(ann_topic, "/note refund 4821 issued in the billing console")?;
        let heard = self.bot_messages_to(ANN);
        self.press_card(ann_topic, "Resolve").await?;
        self.wait_bot_message_to(ANN, heard).await?;
        self.say("Ann writes again after the ticket was resolved, which reopens it.")?;
        self.customer_writes_to_topic(ANN, "Thanks! But my bank still shows both charges.", ann_topic)
            .await?;
        self.wait_text_in_topic(ann_topic, "open again").await?;

        self.say("Boris forgot his password; an article of the knowledge base answers him, and no ticket is opened.")?;
        self.customer_text(BORIS, "/start").await?;
        self.press(BORIS, "Contact support").await?;
        self.press(BORIS, "My account").await?;
        self.customer_text(BORIS, "boris@example.com").await?;
        self.press(BORIS, "Low").await?;
        self.customer_text(BORIS, "I forgot my password and cannot sign in.").await?;
        self.press(BORIS, "📖 Reset your password").await?;
        self.wait("the question whether the article helped", |w| {
            w.messages(BORIS as i64)
                .iter()
                .any(|m| m.from == w.bot_id() && m.text.as_deref().is_some_and(|t| t.contains("solve it?")))
        })
        .await?;
        self.flush()?;
        self.press(BORIS, "✅ That solved it").await?;

        self.say("Later Boris reports a technical problem; the articles do not cover it.")?;
        self.customer_text(BORIS, "/start").await?;
        self.press(BORIS, "Contact support").await?;
        self.press(BORIS, "Technical problem").await?;
        self.press(BORIS, "Normal").await?;
        self.customer_text(BORIS, "The export to CSV stops at 50%.").await?;
        self.press(BORIS, "I still need help").await?;
        self.customer_text(BORIS, "/skip").await?;
        self.press(BORIS, "Submit").await?;
        let boris_topic = self.topic_of("Boris").await?;
        // Routing gave it to Eli, which opened it; Dana takes it over herself.
        self.say("Routing gives Boris's ticket to Eli; Dana takes it over and asks a question.")?;
        self.staff_text(boris_topic, "/claim")?;
        self.wait_text_in_topic(boris_topic, "took").await?;
        let heard = self.bot_messages_to(BORIS);
        self.staff_text(boris_topic, "Which browser do you use?")?;
        self.wait_bot_message_to(BORIS, heard).await?;
        self.say(
            "Dana answers with a template from the card's Templates button: it puts the ticket's id \
             after the bot's name in her message field, she adds a word and picks one; the desk \
             relays it like anything she writes.",
        )?;
        let heard = self.bot_messages_to(BORIS);
        self.pick_template_inline(boris_topic, "crash", "Asking for crash details").await?;
        self.wait_bot_message_to(BORIS, heard).await?;
        self.say("Dana asks for the team's figures of the last 7 days in General.")?;
        self.general_text("/stats", "📊 Team").await?;
        self.say(
            "The desk keeps every ticket in its store: `topicdesk tickets list --data DIR` shows them.",
        )?;
        Ok(())
    }

    fn say(&mut self, line: &str) -> Result<(), DemoError> {
        self.flush()?;
        writeln!(self.out, "\n== {line}")?;
        Ok(())
    }

    /// Prints every message of the world not printed yet, in the order they were posted.
    fn flush(&mut self) -> Result<(), DemoError> {
        let shown = self.shown;
        let lines: Vec<(u64, String)> = self.fake.inspect(|world| {
            let mut messages: Vec<&FakeMessage> =
                world.all_messages().into_iter().filter(|m| m.seq > shown).collect();
            messages.sort_by_key(|m| m.seq);
            messages.iter().filter_map(|m| render(world, m).map(|line| (m.seq, line))).collect()
        });
        for (seq, line) in lines {
            writeln!(self.out, "{line}")?;
            self.shown = self.shown.max(seq);
        }
        let newest = self.fake.inspect(|world| world.all_messages().iter().map(|m| m.seq).max().unwrap_or(0));
        self.shown = self.shown.max(newest);
        Ok(())
    }

    async fn customer_text(&mut self, user: u64, text: &str) -> Result<(), DemoError> {
        let before = self.bot_messages_to(user);
        let sent = if text == "/start"
            && !self.fake.inspect(|w| w.messages(user as i64).iter().any(|m| m.from == user))
        {
            // The very first /start is what opens the private chat with the bot.
            self.fake.user_starts_bot(user)
        } else {
            self.fake.user_sends(user, Draft::text(text))
        };
        sent.map_err(|e| DemoError::Stalled(e.to_string()))?;
        self.wait(&format!("a reply to {text:?}"), |w| bot_messages(w, user) > before).await?;
        self.flush()
    }

    async fn press(&mut self, user: u64, label: &str) -> Result<(), DemoError> {
        let chat = user as i64;
        let found = self.fake.inspect(|world| {
            world
                .messages(chat)
                .iter()
                .rev()
                .filter(|m| m.from == world.bot_id())
                .find_map(|m| button(m, label))
        });
        let Some((message_id, data)) = found else {
            return Err(DemoError::Stalled(format!("no button {label:?} in the chat with {user}")));
        };
        let before = self.bot_messages_to(user);
        self.fake
            .press_button(user, chat, message_id, &data)
            .map_err(|e| DemoError::Stalled(e.to_string()))?;
        writeln!(self.out, "  [{} taps “{label}”]", name_of(user))?;
        self.wait(&format!("the answer to {label:?}"), |w| bot_messages(w, user) > before).await?;
        self.flush()
    }

    async fn press_card(&mut self, topic: Topic, label: &str) -> Result<(), DemoError> {
        self.press_in_topic(topic, label, "on the ticket card").await
    }

    /// Dana presses `label` on the bot's newest message in the topic offering it.
    async fn press_in_topic(&mut self, topic: Topic, label: &str, place: &str) -> Result<(), DemoError> {
        let found = self.fake.inspect(|world| {
            world
                .thread_messages(topic.chat, Thread::Topic(topic.thread))
                .iter()
                .rev()
                .filter(|m| m.from == world.bot_id())
                .find_map(|m| button(m, label))
        });
        let Some((message_id, data)) = found else {
            return Err(DemoError::Stalled(format!("no card button {label:?} in topic {}", topic.thread)));
        };
        let topic_lines = |w: &World| {
            w.thread_messages(topic.chat, Thread::Topic(topic.thread))
                .iter()
                .filter(|m| m.from == w.bot_id())
                .count()
        };
        let (answers, lines) = self.fake.inspect(|w| (w.callback_answers().len(), topic_lines(w)));
        self.fake
            .press_button(DANA, topic.chat, message_id, &data)
            .map_err(|e| DemoError::Stalled(e.to_string()))?;
        writeln!(self.out, "  [Dana taps “{label}” {place}]")?;
        // The press is answered, and the topic confirms the action in a line of its own.
        self.wait(&format!("the card's {label:?}"), |w| {
            w.callback_answers().len() > answers && topic_lines(w) > lines
        })
        .await?;
        self.flush()
    }

    /// Dana taps the card's Templates button, adds `words` to the query it pre-fills, and
    /// picks the result titled `title`: her client sends it into the topic as her message.
    async fn pick_template_inline(
        &mut self,
        topic: Topic,
        words: &str,
        title: &str,
    ) -> Result<(), DemoError> {
        let prefilled = self.fake.inspect(|world| {
            world
                .thread_messages(topic.chat, Thread::Topic(topic.thread))
                .iter()
                .rev()
                .filter(|m| m.from == world.bot_id())
                .find_map(|m| inline_query_button(m, "Templates"))
        });
        let Some(prefilled) = prefilled else {
            return Err(DemoError::Stalled(format!("no Templates button in topic {}", topic.thread)));
        };
        let query = format!("{prefilled}{words}");
        let bot = self.fake.inspect(World::bot_username);
        writeln!(self.out, "  [Dana taps “Templates” on the ticket card and types “@{bot} {query}”]")?;
        let stalled = |e: &dyn std::fmt::Display| DemoError::Stalled(e.to_string());
        let query_id = self
            .fake
            .type_inline_query(DANA, topic.chat, Some(topic.thread), &query)
            .map_err(|e| stalled(&e))?;
        let answer = self
            .fake
            .wait_for(STEP, |world| world.inline_answers().iter().find(|a| a.query_id == query_id).cloned())
            .await
            .map_err(|e| stalled(&e))?;
        let Some(index) = answer.titles().iter().position(|t| *t == title) else {
            return Err(DemoError::Stalled(format!(
                "no result {title:?} for {query:?}: {:?}",
                answer.titles()
            )));
        };
        writeln!(self.out, "  [Dana picks “{title}” from the list]")?;
        self.fake.pick_inline_result(&query_id, index).map_err(|e| stalled(&e))?;
        self.flush()
    }

    fn staff_text(&mut self, topic: Topic, text: &str) -> Result<(), DemoError> {
        self.fake
            .send_as(DANA, topic.chat, Draft::text(text).in_topic(topic.thread))
            .map_err(|e| DemoError::Stalled(e.to_string()))?;
        self.flush()
    }

    /// Dana writes in General and waits for the bot's answer there, which starts with `answer`.
    async fn general_text(&mut self, text: &str, answer: &str) -> Result<(), DemoError> {
        self.fake.send_as(DANA, STAFF, Draft::text(text)).map_err(|e| DemoError::Stalled(e.to_string()))?;
        self.wait(&format!("the answer to {text:?} in General"), |w| {
            w.thread_messages(STAFF, Thread::General)
                .iter()
                .any(|m| m.from == w.bot_id() && m.text.as_deref().is_some_and(|t| t.starts_with(answer)))
        })
        .await?;
        self.flush()
    }

    /// The customer's topic, in whichever staff group it opened.
    async fn topic_of(&mut self, customer: &str) -> Result<Topic, DemoError> {
        let needle = format!("· {customer}");
        let topic = self
            .fake
            .wait_for(STEP, |world| {
                let (chat, topic) = [BILLING, STAFF].into_iter().find_map(|chat| {
                    let topic = world.topics(chat).into_iter().find(|t| t.name.ends_with(&needle))?;
                    Some((chat, topic))
                })?;
                // Wait for the card too, so it prints with the topic.
                let card = world
                    .thread_messages(chat, Thread::Topic(topic.thread_id))
                    .iter()
                    .any(|m| m.reply_markup.is_some());
                card.then_some(Topic { chat, thread: topic.thread_id })
            })
            .await
            .map_err(|e| DemoError::Stalled(format!("no topic for {customer}: {e}")))?;
        self.flush()?;
        Ok(topic)
    }

    /// A customer's message in a ticket: it is copied into the ticket's topic.
    async fn customer_writes_to_topic(
        &mut self,
        user: u64,
        text: &str,
        topic: Topic,
    ) -> Result<(), DemoError> {
        self.fake.user_sends(user, Draft::text(text)).map_err(|e| DemoError::Stalled(e.to_string()))?;
        self.wait("the copy in the topic", |w| {
            w.thread_messages(topic.chat, Thread::Topic(topic.thread))
                .iter()
                .any(|m| m.text.as_deref() == Some(text))
        })
        .await?;
        self.flush()
    }

    async fn wait_text_in_topic(&mut self, topic: Topic, needle: &str) -> Result<(), DemoError> {
        self.wait(&format!("{needle:?} in the topic"), |w| {
            w.thread_messages(topic.chat, Thread::Topic(topic.thread))
                .iter()
                .any(|m| m.text.as_deref().is_some_and(|t| t.contains(needle)))
        })
        .await?;
        self.flush()
    }

    /// Waits until the bot has sent `user` more than the `heard` messages counted before
    /// the action that should reach them.
    async fn wait_bot_message_to(&mut self, user: u64, heard: usize) -> Result<(), DemoError> {
        self.wait("a message to the customer", |w| bot_messages(w, user) > heard).await?;
        self.flush()
    }

    fn bot_messages_to(&self, user: u64) -> usize {
        self.fake.inspect(|w| bot_messages(w, user))
    }

    async fn wait(&self, what: &str, holds: impl FnMut(&World) -> bool) -> Result<(), DemoError> {
        self.fake
            .wait_until(STEP, holds)
            .await
            .map_err(|_| DemoError::Stalled(format!("waited {STEP:?} for {what}")))
    }
}

fn bot_messages(world: &World, user: u64) -> usize {
    world.messages(user as i64).iter().filter(|m| m.from == world.bot_id()).count()
}

fn name_of(user: u64) -> &'static str {
    match user {
        ANN => "Ann",
        BORIS => "Boris",
        DANA => "Dana",
        _ => "someone",
    }
}

/// The (message id, callback data) of the button labelled `label` on `message`.
pub(crate) fn button(message: &FakeMessage, label: &str) -> Option<(i32, String)> {
    let rows = message.reply_markup.as_ref()?.get("inline_keyboard")?.as_array()?;
    rows.iter().flat_map(|row| row.as_array().into_iter().flatten()).find_map(|b| {
        let text = b.get("text")?.as_str()?;
        let data = b.get("callback_data")?.as_str()?;
        text.trim_start_matches(['✓', '✔', ' '])
            .eq_ignore_ascii_case(label)
            .then(|| (message.message_id, data.to_owned()))
    })
}

/// The query the button labelled `label` on `message` pre-fills, if it is such a button.
fn inline_query_button(message: &FakeMessage, label: &str) -> Option<String> {
    let rows = message.reply_markup.as_ref()?.get("inline_keyboard")?.as_array()?;
    rows.iter().flat_map(|row| row.as_array().into_iter().flatten()).find_map(|b| {
        let query = b.get("switch_inline_query_current_chat")?.as_str()?;
        (b.get("text")?.as_str()? == label).then(|| query.to_owned())
    })
}

/// One printed line per message: where, who, what.
fn render(world: &World, m: &FakeMessage) -> Option<String> {
    let text = m.text.clone().unwrap_or_else(|| format!("[{}]", m.content.kind()));
    if matches!(m.content, crate::fakegram::Content::Service(_)) {
        return None;
    }
    let mut who = if m.from == world.bot_id() { "bot".to_owned() } else { world.display_name(m.from) };
    if m.via_bot.is_some() {
        let _ = write!(who, " via @{}", world.bot_username());
    }
    let group = match m.chat_id {
        STAFF => Some("support"),
        BILLING => Some("billing"),
        _ => None,
    };
    let place = if let Some(group) = group {
        match m.thread_id.and_then(|t| world.topic(m.chat_id, t)) {
            Some(topic) => format!("{group} › {}", topic.name),
            None => format!("{group} › General"),
        }
    } else {
        format!("private › {}", world.display_name(m.chat_id as u64))
    };
    let mut line = format!("[{place}] {who}: {}", text.replace('\n', "\n      "));
    if let Some(buttons) =
        m.reply_markup.as_ref().and_then(|r| r.get("inline_keyboard")).and_then(|k| k.as_array())
    {
        let labels: Vec<&str> = buttons
            .iter()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .filter_map(|b| b.get("text").and_then(|t| t.as_str()))
            .collect();
        if !labels.is_empty() {
            let _ = write!(line, "\n      buttons: {}", labels.join(" | "));
        }
    }
    Some(line)
}

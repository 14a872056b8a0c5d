//! Agents at work over HTTP: every ticket action by its card button (or the card's More
//! menu, or the Assign picker) and by its command in the topic (adding a tag takes a word,
//! so it is a command only), with what Telegram then shows (the confirmation line, the
//! card edited to the next sensible buttons, the topic closed and reopened, what the
//! customer is told), the refusals for someone outside team.yaml and for an agent on a
//! supervisor's action, the pinned queue summary, and `/move` of a message posted in the
//! wrong ticket, with and without Telegram still allowing the wrong copy to be deleted.
//!
//! In those stories routing is switched off (`route` leaves every ticket in the queue) so
//! each ticket starts unassigned and the test decides who takes what; a last, short one
//! runs the shipped routing through a reopen after its agent went away. One host serves
//! each whole story.

use topicdesk::fakegram::{DeletePolicy, Draft, FakeHandle, FakeMessage, MemberRole, UserSpec, World};

use topicdesk::store::{Store, data_file};
use topicdesk::ticket::TicketId;

use crate::support::{path_arg, stderr, stdout, topicdesk};

use super::harness::{
    Customer, DANA, Desk, STAFF, Setup, assert_outbox_empty, bot_posts, button, from_bot, has_text,
    open_ticket, wait,
};

/// Eli, an agent (not a supervisor) in the shipped team.yaml.
const ELI: u64 = 222_222_222;
/// Stan is in the staff group but not in team.yaml.
const STAN: u64 = 555_000_555;

/// Starts a desk whose `route` hook leaves every ticket in the queue, with Eli and Stan in
/// the staff group besides Dana.
pub(super) async fn queue_only_desk(customers: usize) -> Desk {
    let mut desk = Desk::prepare(Setup { customers, budget_scale: None }).await;
    let routing = desk.options.rules.join("routing.rhai");
    std::fs::write(routing, "// Every ticket waits in the queue.\nfn route(ticket, team) { () }\n")
        .expect("write routing.rhai");
    for (id, name) in [(ELI, "Eli"), (STAN, "Stan")] {
        desk.fake.add_user(UserSpec::new(id, name).language_code("en")).expect("add a staff member");
        desk.fake.set_member(STAFF, id, MemberRole::Member).expect("join the staff group");
    }
    desk.start_host();
    desk
}

/// The card that is kept current: the newest of the bot's cards in the topic.
pub(super) fn newest_card(world: &World, thread: i32) -> Option<&FakeMessage> {
    bot_posts(world, thread).into_iter().rev().find(|m| m.reply_markup.is_some() && has_text(m, "Priority:"))
}

/// The labels of the newest card's buttons, row by row.
fn card_labels(world: &World, thread: i32) -> Vec<Vec<String>> {
    let Some(markup) = newest_card(world, thread).and_then(|card| card.reply_markup.as_ref()) else {
        return Vec::new();
    };
    let rows = markup.get("inline_keyboard").and_then(|rows| rows.as_array()).cloned().unwrap_or_default();
    rows.iter()
        .map(|row| {
            let buttons = row.as_array().cloned().unwrap_or_default();
            buttons.iter().filter_map(|b| Some(b.get("text")?.as_str()?.to_owned())).collect()
        })
        .collect()
}

/// A person writes `text` in the ticket's topic.
pub(super) fn says(fake: &FakeHandle, who: u64, thread: i32, text: &str) -> i32 {
    fake.send_as(who, STAFF, Draft::text(text).in_topic(thread)).expect("a staff member writes in the topic")
}

/// Presses the button `label` on the topic's current card; returns the notice the bot
/// answered the press with.
async fn press_on_card(fake: &FakeHandle, who: u64, thread: i32, label: &str) -> String {
    let (message_id, data) = fake
        .inspect(|world| newest_card(world, thread).and_then(|card| button(card, label)))
        .unwrap_or_else(|| panic!("no button {label:?} on the card in topic {thread}"));
    let query = fake.press_button(who, STAFF, message_id, &data).expect("the button can be pressed");
    let what = format!("the answer to pressing {label:?}");
    let answer = fake
        .wait_for(super::harness::PATIENCE, |world| {
            world.callback_answers().iter().find(|a| a.query_id == query).map(|a| a.text.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("waited for {what}"));
    answer.unwrap_or_default()
}

/// Waits for the newest assign picker in the topic; returns its buttons (label, data).
async fn picker_in(fake: &FakeHandle, thread: i32) -> Vec<(String, String)> {
    let found = fake
        .wait_for(super::harness::PATIENCE, |world| {
            let picker = bot_posts(world, thread).into_iter().rev().find(|m| has_text(m, "Assign T-"))?;
            let rows = picker.reply_markup.as_ref()?.get("inline_keyboard")?.as_array()?.clone();
            let buttons = rows.iter().flat_map(|row| row.as_array().cloned().unwrap_or_default());
            let pairs = buttons.filter_map(|b| {
                Some((b.get("text")?.as_str()?.to_owned(), b.get("callback_data")?.as_str()?.to_owned()))
            });
            Some(pairs.collect())
        })
        .await;
    found.unwrap_or_else(|_| panic!("waited for the assign picker in topic {thread}"))
}

/// Presses `label` on the newest assign picker in the topic; returns the bot's notice.
async fn press_in_picker(fake: &FakeHandle, who: u64, thread: i32, label: &str) -> String {
    press_in_message(fake, who, thread, "Assign T-", label).await
}

/// Presses `label` on the bot's newest message in the topic that says `heading`; returns
/// the bot's notice.
async fn press_in_message(fake: &FakeHandle, who: u64, thread: i32, heading: &str, label: &str) -> String {
    let what = format!("a button {label:?} under {heading:?}");
    let (message_id, data) = fake
        .wait_for(super::harness::PATIENCE, |world| {
            let message = bot_posts(world, thread).into_iter().rev().find(|m| has_text(m, heading))?;
            button(message, label)
        })
        .await
        .unwrap_or_else(|_| panic!("waited for {what}"));
    let query = fake.press_button(who, STAFF, message_id, &data).expect("the button can be pressed");
    let answer = fake
        .wait_for(super::harness::PATIENCE, |world| {
            world.callback_answers().iter().find(|a| a.query_id == query).map(|a| a.text.clone())
        })
        .await
        .unwrap_or_else(|_| panic!("waited for the answer to {label:?}"));
    answer.unwrap_or_default()
}

/// Waits for the bot to say exactly `line` in the topic.
pub(super) async fn line_in_topic(fake: &FakeHandle, thread: i32, line: &str) {
    wait(fake, &format!("{line:?} in topic {thread}"), |world| {
        bot_posts(world, thread).iter().any(|m| m.text.as_deref() == Some(line))
    })
    .await;
}

/// Waits until the topic's current card reads `status` and offers exactly `labels`.
pub(super) async fn card_reads(fake: &FakeHandle, thread: i32, status: &str, labels: &[&[&str]]) {
    let what = format!("the card in topic {thread} at {status:?} offering {labels:?}");
    let shows = |world: &World| {
        let card = newest_card(world, thread);
        let text_fits =
            card.is_some_and(|c| c.text.as_deref().is_some_and(|t| t.lines().next() == Some(status)));
        text_fits && card_labels(world, thread) == labels
    };
    if fake.wait_until(super::harness::PATIENCE, shows).await.is_err() {
        let seen = fake.inspect(|world| {
            (newest_card(world, thread).and_then(|c| c.text.clone()), card_labels(world, thread))
        });
        panic!("waited for {what}; the card is {seen:?}");
    }
}

/// Waits for the customer to get a message from the bot containing `needle`.
pub(super) async fn customer_told(fake: &FakeHandle, customer: &Customer, needle: &str) {
    wait(fake, &format!("{needle:?} in {}'s chat", customer.name), |world| {
        from_bot(world, customer.chat()).iter().any(|m| has_text(m, needle))
    })
    .await;
}

/// Waits until the topic is closed (or open again).
async fn topic_closed(fake: &FakeHandle, thread: i32, closed: bool) {
    wait(fake, &format!("topic {thread} closed: {closed}"), |world| {
        world.topic(STAFF, thread).is_some_and(|topic| topic.closed == closed)
    })
    .await;
}

fn card_text(fake: &FakeHandle, thread: i32) -> String {
    fake.inspect(|world| newest_card(world, thread).and_then(|c| c.text.clone())).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One working day of two tickets, told in order.
async fn every_action_works_by_button_and_by_command_and_outsiders_are_refused() {
    let desk = queue_only_desk(2).await;
    let fake = &*desk.fake;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    let first = open_ticket(fake, &ann).await;
    let second = open_ticket(fake, &ben).await;
    card_reads(fake, first, "T-000001 · new", &[&["Claim", "Resolve"], &["Assign", "More"]]).await;

    // Stan is not in team.yaml: his press and his command change nothing.
    let answer = press_on_card(fake, STAN, first, "Claim").await;
    assert_eq!(answer, "Only members of the support team can do this.");
    says(fake, STAN, first, "/resolve");
    line_in_topic(fake, first, "Stan is not in team.yaml, so this message was not sent to the customer.")
        .await;

    // Buttons, in T-000001: claim, unassign, awaiting customer, resolve, close, reopen.
    let answer = press_on_card(fake, DANA, first, "Claim").await;
    assert_eq!(answer, "✓ Dana took T-000001.");
    line_in_topic(fake, first, "✓ Dana took T-000001.").await;
    card_reads(
        fake,
        first,
        "T-000001 · open",
        &[&["Awaiting customer", "Resolve"], &["Assign", "Unassign", "More"]],
    )
    .await;
    assert!(card_text(fake, first).contains("Assignee: Dana"));

    assert_eq!(press_on_card(fake, DANA, first, "Unassign").await, "✓ Dana unassigned T-000001.");
    line_in_topic(fake, first, "✓ Dana unassigned T-000001.").await;
    card_reads(fake, first, "T-000001 · open", &[&["Awaiting customer", "Resolve"], &["Assign", "More"]])
        .await;
    assert!(card_text(fake, first).contains("Assignee: nobody yet"));

    let answer = press_on_card(fake, DANA, first, "Awaiting customer").await;
    assert_eq!(answer, "✓ T-000001 is awaiting the customer.");
    card_reads(fake, first, "T-000001 · awaiting customer", &[&["Resolve", "Close"], &["Assign", "More"]])
        .await;

    assert_eq!(press_on_card(fake, DANA, first, "Resolve").await, "✓ Dana resolved T-000001.");
    customer_told(fake, &ann, "Your ticket T-000001 is resolved.").await;
    card_reads(fake, first, "T-000001 · resolved", &[&["Reopen", "Close"], &["More"]]).await;

    assert_eq!(press_on_card(fake, DANA, first, "Close").await, "✓ Dana closed T-000001.");
    topic_closed(fake, first, true).await;
    customer_told(fake, &ann, "Your ticket T-000001 is closed.").await;
    card_reads(fake, first, "T-000001 · closed", &[&["Reopen"], &["More"]]).await;

    // A closed topic takes no posts from plain members, but its card still takes presses.
    assert_eq!(press_on_card(fake, DANA, first, "Reopen").await, "✓ Dana reopened T-000001.");
    topic_closed(fake, first, false).await;
    customer_told(fake, &ann, "Your ticket T-000001 is open again.").await;
    card_reads(fake, first, "T-000001 · open", &[&["Awaiting customer", "Resolve"], &["Assign", "More"]])
        .await;
    assert!(card_text(fake, first).contains("Reopened: 1×"));

    // The card's Assign button offers who can take the ticket now. Giving it to someone
    // else is a supervisor's action, by button as by command.
    assert_eq!(press_on_card(fake, ELI, first, "Assign").await, "Choose who takes it below.");
    let picker = picker_in(fake, first).await;
    let offered: Vec<String> = picker.iter().map(|(label, _)| label.clone()).collect();
    assert_eq!(offered, ["Dana · 0/10", "Eli · 0/8", "Farah · 0/5", "Gus · 0/5"]);
    let refusal = "Only supervisors give tickets to someone else; use /claim to take it yourself.";
    assert_eq!(press_in_picker(fake, ELI, first, "Dana · 0/10").await, refusal);
    line_in_topic(fake, first, refusal).await;
    assert_eq!(
        press_in_picker(fake, STAN, first, "Eli · 0/8").await,
        "Only members of the support team can do this."
    );
    assert_eq!(press_in_picker(fake, DANA, first, "Eli · 0/8").await, "✓ Dana assigned T-000001 to Eli.");
    wait(fake, "Eli on T-000001's card", |world| {
        newest_card(world, first).is_some_and(|c| has_text(c, "Assignee: Eli"))
    })
    .await;

    // The card's More menu: priority, escalate, the timeline, the card again, a tag off.
    says(fake, ELI, first, "/tag refund");
    line_in_topic(fake, first, "✓ Tagged T-000001 #refund.").await;
    assert_eq!(press_on_card(fake, ELI, first, "More").await, "More actions below.");
    let menu = |label: &'static str| press_in_message(fake, ELI, first, "T-000001: more actions", label);
    assert_eq!(menu("High").await, "✓ Eli set the priority of T-000001 to high.");
    wait(fake, "high priority on the card", |world| {
        newest_card(world, first).is_some_and(|c| has_text(c, "Priority: high"))
    })
    .await;
    assert_eq!(menu("− #refund").await, "✓ Removed #refund from T-000001.");
    assert_eq!(menu("Escalate").await, "Escalated T-000001 to the supervisors.");
    line_in_topic(
        fake,
        first,
        "⇧ Escalated to the supervisors by Eli: no reason given (from the card)\n@dana_support",
    )
    .await;
    assert_eq!(menu("History").await, "The timeline is below.");
    wait(fake, "the timeline by button", |world| {
        bot_posts(world, first)
            .iter()
            .any(|m| has_text(m, "T-000001 history (") && has_text(m, "Eli: priority normal -> high"))
    })
    .await;
    assert_eq!(menu("Card").await, "The card is below.");
    wait(fake, "the card posted again", |world| {
        bot_posts(world, first)
            .last()
            .is_some_and(|m| has_text(m, "Priority: high") && m.reply_markup.is_some())
    })
    .await;

    // Commands, in T-000002, typed by Eli.
    says(fake, ELI, second, "/claim");
    line_in_topic(fake, second, "✓ Eli took T-000002.").await;
    card_reads(
        fake,
        second,
        "T-000002 · open",
        &[&["Awaiting customer", "Resolve"], &["Assign", "Unassign", "More"]],
    )
    .await;
    says(fake, ELI, second, "/unassign");
    line_in_topic(fake, second, "✓ Eli unassigned T-000002.").await;
    card_reads(fake, second, "T-000002 · open", &[&["Awaiting customer", "Resolve"], &["Assign", "More"]])
        .await;
    says(fake, ELI, second, "/await");
    line_in_topic(fake, second, "✓ T-000002 is awaiting the customer.").await;
    card_reads(fake, second, "T-000002 · awaiting customer", &[&["Resolve", "Close"], &["Assign", "More"]])
        .await;
    says(fake, ELI, second, "/resolve");
    line_in_topic(fake, second, "✓ Eli resolved T-000002.").await;
    customer_told(fake, &ben, "Your ticket T-000002 is resolved.").await;
    card_reads(fake, second, "T-000002 · resolved", &[&["Reopen", "Close"], &["More"]]).await;
    says(fake, ELI, second, "/reopen");
    line_in_topic(fake, second, "✓ Eli reopened T-000002.").await;
    customer_told(fake, &ben, "Your ticket T-000002 is open again.").await;

    says(fake, ELI, second, "/priority high");
    line_in_topic(fake, second, "✓ Eli set the priority of T-000002 to high.").await;
    says(fake, ELI, second, "/tag vip");
    line_in_topic(fake, second, "✓ Tagged T-000002 #vip.").await;
    wait(fake, "priority and tag on the card", |world| {
        newest_card(world, second).is_some_and(|c| has_text(c, "Priority: high") && has_text(c, "Tags: vip"))
    })
    .await;
    says(fake, ELI, second, "/untag vip");
    line_in_topic(fake, second, "✓ Removed #vip from T-000002.").await;
    says(fake, ELI, second, "/escalate the customer threatens to cancel");
    line_in_topic(
        fake,
        second,
        "⇧ Escalated to the supervisors by Eli: the customer threatens to cancel\n@dana_support",
    )
    .await;

    // Giving a ticket to someone else is a supervisor's action.
    says(fake, ELI, second, "/assign @dana_support");
    line_in_topic(
        fake,
        second,
        "Only supervisors give tickets to someone else; use /claim to take it yourself.",
    )
    .await;
    says(fake, DANA, second, "/assign Eli");
    line_in_topic(fake, second, "✓ Dana assigned T-000002 to Eli.").await;
    wait(fake, "Eli on the card", |world| {
        newest_card(world, second).is_some_and(|c| has_text(c, "Assignee: Eli"))
    })
    .await;

    // /info posts the card again at the bottom; /history answers with the timeline.
    let cards_before = fake.inspect(|world| {
        bot_posts(world, second)
            .iter()
            .filter(|m| m.reply_markup.is_some() && has_text(m, "Priority:"))
            .count()
    });
    says(fake, ELI, second, "/info");
    wait(fake, "a second card", |world| {
        let cards: Vec<&FakeMessage> = bot_posts(world, second)
            .into_iter()
            .filter(|m| m.reply_markup.is_some() && has_text(m, "Priority:"))
            .collect();
        cards.len() == cards_before + 1 && bot_posts(world, second).last() == cards.last()
    })
    .await;
    says(fake, ELI, second, "/history");
    wait(fake, "the timeline", |world| {
        bot_posts(world, second).iter().any(|m| {
            has_text(m, "T-000002 history (")
                && has_text(m, "Eli: assigned to 222222222")
                && has_text(m, "Eli: escalated to 111111111: the customer threatens to cancel")
        })
    })
    .await;

    // Each look at a ticket is in the audit log, readable while the bot runs: the card's
    // History and Card buttons and /info and /history, by whom and where.
    let data = path_arg(&desk.options.data);
    let listed = topicdesk(&["audit", "--data", data, "--actor", "222222222"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let views: Vec<String> = stdout(&listed)
        .lines()
        .map(|line| line.split("  ").last().unwrap_or_default().trim().to_owned())
        .collect();
    assert_eq!(
        views,
        [
            "viewed T-000001 (history)",
            "viewed T-000001 (info)",
            "viewed T-000002 (info)",
            "viewed T-000002 (history)"
        ],
        "{}",
        stdout(&listed)
    );
    let one = topicdesk(&["audit", "--data", data, "--ticket", "T-000002", "--format", "json"]);
    let lines: Vec<serde_json::Value> =
        stdout(&one).lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&one));
    assert_eq!(lines[0]["actor"], serde_json::json!({"kind": "telegram", "user": ELI}));
    assert_eq!(lines[1]["action"], serde_json::json!({"kind": "viewed", "ticket": 2, "surface": "history"}));

    // From now on the freshly posted card is the one that follows the ticket.
    says(fake, ELI, second, "/close");
    line_in_topic(fake, second, "✓ Eli closed T-000002.").await;
    topic_closed(fake, second, true).await;
    customer_told(fake, &ben, "Your ticket T-000002 is closed.").await;
    card_reads(fake, second, "T-000002 · closed", &[&["Reopen"], &["More"]]).await;

    // The desk pinned a queue summary in General when it first acted, unasked.
    wait(fake, "the queue summary pinned unasked", |world| {
        world.pinned(STAFF).iter().any(|id| {
            world.message(STAFF, *id).is_some_and(|m| m.thread_id.is_none() && has_text(m, "📋 Queue: "))
        })
    })
    .await;
    // /summary in General posts it anew, current at once, and pins it.
    fake.send_as(DANA, STAFF, Draft::text("/summary")).expect("Dana writes in General");
    wait(fake, "the pinned queue summary", |world| {
        world.pinned(STAFF).iter().any(|id| {
            world.message(STAFF, *id).is_some_and(|m| {
                m.thread_id.is_none()
                    && has_text(m, "📋 Queue: 0 unassigned · 1 active · 0 awaiting the customer")
            })
        })
    })
    .await;

    fake.inspect(|world| {
        // Stan's two presses got one refusal each, and nothing he did reached a customer.
        let to_stan: Vec<Option<&str>> = world
            .callback_answers()
            .iter()
            .filter(|a| a.user_id == STAN)
            .map(|a| a.text.as_deref())
            .collect();
        assert_eq!(to_stan, [Some("Only members of the support team can do this."); 2]);
        // The customers saw the outcome lines only, never the staff's confirmations.
        for customer in [&ann, &ben] {
            let leaked: Vec<&str> = from_bot(world, customer.chat())
                .iter()
                .filter_map(|m| m.text.as_deref())
                .filter(|t| t.starts_with('✓') || t.contains("not in team.yaml"))
                .collect();
            assert!(leaked.is_empty(), "{} saw staff lines: {leaked:?}", customer.name);
        }
    });
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_moved_to_the_right_ticket_leaves_the_wrong_chat_while_telegram_allows_it() {
    let mut desk = queue_only_desk(2).await;
    let fake = &*desk.fake;
    let (ann, ben) = (desk.customers[0].clone(), desk.customers[1].clone());
    let wrong = open_ticket(fake, &ann).await;
    let right = open_ticket(fake, &ben).await;

    // Dana answers Ben's question in Ann's topic, then moves it.
    let mistake = says(fake, DANA, wrong, "Ben, your refund is on its way.");
    customer_told(fake, &ann, "Ben, your refund is on its way.").await;
    sync(fake, wrong).await;
    fake.send_as(DANA, STAFF, Draft::text("/move T-000002").in_topic(wrong).replying_to(mistake))
        .expect("Dana replies with /move");
    line_in_topic(fake, wrong, "↪ Moved to T-000002; the copy this customer got is being deleted.").await;
    line_in_topic(fake, right, "↩ The message above was moved here from T-000001.").await;
    customer_told(fake, &ben, "Ben, your refund is on its way.").await;
    wait(fake, "the wrong copy deleted", |world| {
        !from_bot(world, ann.chat()).iter().any(|m| has_text(m, "refund"))
    })
    .await;
    fake.inspect(|world| {
        let copies = bot_posts(world, right).into_iter().filter(|m| has_text(m, "refund")).count();
        assert_eq!(copies, 1, "the message is in the right topic once");
        assert_eq!(world.count_calls("deleteMessage", 200), 1);
    });

    // Later Telegram no longer allows the deletion: the topic says so, the copy stays.
    fake.set_delete_policy(DeletePolicy::Refuse);
    let mistake = says(fake, DANA, wrong, "Ben, the invoice is attached.");
    customer_told(fake, &ann, "Ben, the invoice is attached.").await;
    sync(fake, wrong).await;
    fake.send_as(DANA, STAFF, Draft::text("/move T-000002").in_topic(wrong).replying_to(mistake))
        .expect("Dana replies with /move");
    line_in_topic(
        fake,
        wrong,
        "Telegram no longer lets the bot delete the copy the customer received; it stays in their chat.",
    )
    .await;
    customer_told(fake, &ben, "Ben, the invoice is attached.").await;
    fake.inspect(|world| {
        assert!(from_bot(world, ann.chat()).iter().any(|m| has_text(m, "invoice is attached")));
        assert_eq!(world.count_calls("deleteMessage", 400), 1);
    });

    // /move explains itself when it cannot act.
    says(fake, DANA, wrong, "/move T-000002");
    line_in_topic(
        fake,
        wrong,
        "Reply to your message with /move T-000123 to send it to the right ticket instead.",
    )
    .await;
    desk.stop_host().await;
    assert_outbox_empty(&desk.options.data);

    // Both tickets record the move.
    let store = Store::open_read_only(&data_file(&desk.options.data)).expect("the store opens");
    let read = store.read().expect("read");
    let said = |id: u64| -> Vec<String> {
        let history = read.history(TicketId(id)).expect("history");
        history.iter().map(|e| e.kind.to_string()).collect()
    };
    assert_eq!(
        said(1).iter().filter(|l| *l == "a message was moved to T-000002").count(),
        2,
        "{:?}",
        said(1)
    );
    assert_eq!(said(2).iter().filter(|l| *l == "a message was moved here from T-000001").count(), 2);
}

/// Asks for `/history` in the topic and waits for the answer. The desk loop handles what
/// Telegram answered to earlier calls before the dispatcher sends anything queued later,
/// so once the answer is in, the relay before it is on record.
pub(super) async fn sync(fake: &FakeHandle, thread: i32) {
    let before =
        fake.inspect(|world| bot_posts(world, thread).iter().filter(|m| has_text(m, " history (")).count());
    says(fake, DANA, thread, "/history");
    wait(fake, "the /history answer", |world| {
        bot_posts(world, thread).iter().filter(|m| has_text(m, " history (")).count() > before
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_ticket_whose_agent_went_away_is_routed_again_and_the_new_agent_mentioned() {
    // The shipped routing: technical tickets go round the technical agents, Dana first.
    let mut desk = Desk::prepare(Setup { customers: 1, budget_scale: None }).await;
    desk.fake
        .add_user(UserSpec::new(ELI, "Eli").username("eli_support").language_code("en"))
        .expect("add Eli");
    desk.fake.set_member(STAFF, ELI, MemberRole::Member).expect("Eli joins the staff group");
    desk.start_host();
    let fake = &*desk.fake;
    let ann = desk.customers[0].clone();
    let topic = open_ticket(fake, &ann).await;
    line_in_topic(fake, topic, "Assigned to @dana_support by the routing rules.").await;

    assert_eq!(press_on_card(fake, DANA, topic, "Resolve").await, "✓ Dana resolved T-000001.");
    customer_told(fake, &ann, "Your ticket T-000001 is resolved.").await;
    fake.send_as(DANA, STAFF, Draft::text("/away")).expect("Dana writes in General");
    wait(fake, "Dana away", |world| {
        from_bot(world, STAFF).iter().any(|m| has_text(m, "Dana is away: no new tickets until /back."))
    })
    .await;

    // The customer writes again: the ticket reopens, and route passes Dana by for Eli.
    fake.user_sends(ann.id, Draft::text("Cust00: it stopped working again")).expect("Ann writes");
    line_in_topic(fake, topic, "↺ The customer wrote again, so T-000001 is open again.").await;
    line_in_topic(fake, topic, "Assigned to Eli by the routing rules.").await;
    wait(fake, "Eli on the card", |world| {
        newest_card(world, topic).is_some_and(|c| has_text(c, "Assignee: Eli"))
    })
    .await;
    desk.finish().await;
}

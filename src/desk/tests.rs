//! Desk tests: events go through the real desk, on the in-memory state (or, for what
//! must survive a restart, inside real store transactions), and a stand-in dispatcher
//! "sends" the outbox, feeding back what Telegram would report. The transcript of calls is
//! compared with snapshots.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use expect_test::{Expect, expect};
use jiff::Timestamp;

use super::*;
use crate::history::Entry;
use crate::outbox::{Delivery, Report, Target};
use crate::rules::RuleSet;
use crate::sla::{Deadline, Timer};
use crate::store::{FILE_NAME, Store};
use crate::ticket::{Answer, Customer, Status, TicketId};

mod csat;
mod escalation;
mod forget;
mod groups;
mod guards;
mod inline;
mod kb;
mod notify;
mod staff_trouble;
mod state_contract;

const STAFF: i64 = -100_777;
const DANA: u64 = 111_111_111;
const STRANGER: u64 = 999;

struct World {
    kept: RefCell<Kept>,
    /// The staff groups: desk.yaml's `staff_groups`, else one group, STAFF.
    groups: crate::groups::StaffGroups,
    rules: RuleSet,
    earlier: Vec<std::sync::Arc<RuleSet>>,
    minute: i64,
    next_thread: i32,
    next_message: i32,
    inline: InlineMode,
}

/// Where a test keeps the desk's state.
#[derive(Clone, Copy)]
enum Keep {
    Memory,
    Store,
}

enum Kept {
    Memory(Box<MemoryState>),
    /// A real store file, for what a restart must find.
    Store {
        _dir: tempfile::TempDir,
        store: Store,
    },
}

/// Runs `$work` with `$state` bound to the world's state (the memory state or a store
/// transaction), committing what it did; `$work` gives a `Result<_, DeskError>`.
macro_rules! on_state {
    ($world:expr, |$state:ident| $work:expr) => {
        match &mut *$world.kept.borrow_mut() {
            Kept::Memory(memory) => {
                let $state = &mut **memory;
                $work
            }
            Kept::Store { store, .. } => store.write(|$state| $work),
        }
    };
}

// Declared after `on_state!`, which it uses.
mod business;
mod retention;
mod stats;
mod templates;

impl World {
    fn new() -> World {
        World::with_rules(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"), Keep::Memory)
    }

    /// The shipped rules with some files replaced.
    fn with_changed_rules(files: &[(&str, &str)]) -> (World, tempfile::TempDir) {
        World::with_changed_rules_kept(files, Keep::Memory)
    }

    /// The shipped rules with some files replaced, the state in a real store file.
    fn with_changed_rules_on_store(files: &[(&str, &str)]) -> (World, tempfile::TempDir) {
        World::with_changed_rules_kept(files, Keep::Store)
    }

    fn with_changed_rules_kept(files: &[(&str, &str)], keep: Keep) -> (World, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::demo::write_default_rules(dir.path()).expect("write rules");
        if files.iter().any(|(name, _)| *name == "team.yaml") {
            // The shipped scenarios name the shipped team.
            std::fs::remove_dir_all(dir.path().join("tests")).expect("remove scenarios");
        }
        if files.iter().any(|(name, _)| name.starts_with("forms/")) {
            // The shipped templates name the shipped forms' fields.
            std::fs::remove_dir_all(dir.path().join("templates")).expect("remove templates");
        }
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write rule file");
        }
        (World::with_rules(dir.path(), keep), dir)
    }

    fn with_rules(rules_dir: &std::path::Path, keep: Keep) -> World {
        let kept = match keep {
            Keep::Memory => Kept::Memory(Box::default()),
            Keep::Store => {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open(&dir.path().join(FILE_NAME)).expect("store");
                Kept::Store { _dir: dir, store }
            }
        };
        let (rules, diagnostics) = crate::rules::load(rules_dir);
        let rules = rules.unwrap_or_else(|| panic!("shipped rules load: {diagnostics:?}"));
        // desk.yaml's staff groups when it lists some; else the one group the tests call STAFF.
        let groups = if rules.desk().staff_groups.is_empty() {
            crate::groups::StaffGroups::single(STAFF)
        } else {
            rules.desk().staff_groups(None).expect("listed groups")
        };
        World {
            kept: RefCell::new(kept),
            groups,
            rules,
            earlier: Vec::new(),
            minute: 0,
            next_thread: 10,
            next_message: 1000,
            inline: InlineMode::Off,
        }
    }

    fn desk(&self) -> Desk<'_> {
        let now = Timestamp::from_second(1_790_000_000 + self.minute * 60).expect("valid");
        Desk { rules: &self.rules, earlier: &self.earlier, groups: &self.groups, now, inline: self.inline }
    }

    fn event(&mut self, event: &Event) {
        self.minute += 1;
        let desk = self.desk();
        on_state!(self, |state| desk.handle(state, event)).expect("desk handles the event");
    }

    fn open(&mut self, customer: u64, answers: &[(&str, &str)]) -> TicketId {
        self.minute += 1;
        let answers: BTreeMap<String, Answer> =
            answers.iter().map(|(k, v)| ((*k).to_owned(), Answer::Text((*v).to_owned()))).collect();
        let desk = self.desk();
        let ticket = on_state!(self, |state| desk.open_ticket(
            state,
            &customer_named(customer),
            "support",
            answers.clone()
        ))
        .expect("open ticket");
        ticket.id
    }

    /// Asks the state a question.
    fn read<R>(&self, read: impl Fn(&dyn State) -> Result<R, StateError>) -> R {
        match &*self.kept.borrow() {
            Kept::Memory(state) => read(&**state),
            Kept::Store { store, .. } => store.write(|tx| read(&*tx)),
        }
        .expect("the state answers")
    }

    fn ticket(&self, id: TicketId) -> crate::ticket::Ticket {
        self.read(|state| state.ticket(id)).expect("exists")
    }

    fn history(&self, id: TicketId) -> Vec<Entry> {
        self.read(|state| state.history(id))
    }

    /// Every deadline in the index due before 2033.
    fn deadlines(&self) -> Vec<Deadline> {
        let far = Timestamp::from_second(1_990_000_000).expect("valid");
        self.read(|state| state.due(far, 1_000))
    }

    fn counterparts(&self, message: (i64, i32)) -> Vec<(i64, i32)> {
        self.read(|state| state.counterparts(message))
    }

    fn session(&self, customer: u64) -> Option<serde_json::Value> {
        self.read(|state| state.session_json(customer))
    }

    fn counter(&self, name: &str) -> Option<u64> {
        self.read(|state| state.counter(name))
    }

    /// The oldest queued call, taken out of the outbox.
    fn take_outgoing(&self) -> Option<crate::outbox::Outgoing> {
        match &mut *self.kept.borrow_mut() {
            Kept::Memory(state) => {
                let (seq, outgoing) = state.outbox().first().cloned()?;
                state.remove_outgoing(seq);
                Some(outgoing)
            }
            Kept::Store { store, .. } => {
                let page = store.read().expect("read").outbox(1).expect("outbox");
                let (seq, outgoing) = page.into_iter().next()?;
                store.write(|tx| tx.remove_outgoing(seq)).expect("remove");
                Some(outgoing.expect("calls decode"))
            }
        }
    }

    /// Sends everything queued, as Telegram would accept it, and returns the transcript.
    fn send_all(&mut self) -> String {
        let mut transcript = String::new();
        while let Some(outgoing) = self.take_outgoing() {
            let call = outgoing.call;
            let delivery = self.pretend_telegram(&call, outgoing.chat_id, &mut transcript);
            if let Some(delivery) = delivery {
                self.event(&Event::Delivered(delivery));
            }
        }
        transcript
    }

    /// Telegram's answer to `call`, queued for `chat` (a topic's call: its ticket's group's).
    fn pretend_telegram(&mut self, call: &Call, chat: i64, out: &mut String) -> Option<Delivery> {
        self.next_message += 1;
        let message_id = self.next_message;
        let place = |target: &Target| match target {
            Target::Chat { chat_id } => format!("chat {chat_id}"),
            Target::Topic { ticket } => format!("topic {ticket}"),
            Target::Thread { chat_id, thread_id } => format!("thread {chat_id}/{thread_id}"),
        };
        let buttons = |rows: &Vec<Vec<crate::outbox::Button>>| {
            let labels: Vec<String> = rows
                .iter()
                .flatten()
                .map(|b| match b.kind {
                    crate::outbox::ButtonKind::Callback => format!("{} ({})", b.label, b.data),
                    crate::outbox::ButtonKind::InlineQuery => format!("{} (@bot {:?})", b.label, b.data),
                    crate::outbox::ButtonKind::WebApp => format!("{} (web app {})", b.label, b.data),
                })
                .collect();
            if labels.is_empty() { String::new() } else { format!("\n    buttons: {}", labels.join(", ")) }
        };
        match call {
            Call::SendText { to, text, reply_to, buttons: rows, report } => {
                let reply = reply_to.map(|r| format!(" (reply to {r})")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{} #{message_id}{reply}: {}{}",
                    place(to),
                    text.replace('\n', "\n    | "),
                    buttons(rows)
                );
                match report {
                    Some(Report::Card { ticket, version }) => Some(Delivery::CardPosted {
                        ticket: *ticket,
                        chat_id: chat,
                        message_id,
                        version: *version,
                    }),
                    Some(Report::Summary) => Some(Delivery::SummaryPosted { chat_id: chat, message_id }),
                    _ => None,
                }
            }
            Call::Copy { from_chat, message_ids, to, reply_to, report, .. } => {
                let reply = reply_to.map(|r| format!(" (reply to {r})")).unwrap_or_default();
                let _ =
                    writeln!(out, "{} #{message_id}{reply}: copy of {from_chat}/{message_ids:?}", place(to));
                let target = to.chat(chat);
                match report {
                    Some(Report::Relay { chat_id, message_id: source }) => Some(Delivery::Relayed {
                        source: (*chat_id, *source),
                        copies: vec![(target, message_id)],
                    }),
                    _ => None,
                }
            }
            Call::EditText { chat_id, message_id, text, buttons: rows } => {
                let _ = writeln!(
                    out,
                    "edit {chat_id}/{message_id}: {}{}",
                    text.replace('\n', "\n    | "),
                    buttons(rows)
                );
                None
            }
            Call::CreateTopic { chat_id, ticket, name, icon_color } => {
                self.next_thread += 1;
                let _ = writeln!(
                    out,
                    "create topic {name:?} colour {icon_color:06x} -> thread {}",
                    self.next_thread
                );
                Some(Delivery::TopicCreated {
                    ticket: *ticket,
                    chat_id: *chat_id,
                    thread_id: self.next_thread,
                })
            }
            Call::AnswerInline { query_id, results, cache_seconds } => {
                let _ = writeln!(
                    out,
                    "answer inline {query_id} ({cache_seconds} s): {} result(s)",
                    results.len()
                );
                for result in results {
                    let _ = writeln!(
                        out,
                        "    {} [{}] {}\n      | {}",
                        result.id,
                        result.title,
                        result.description,
                        result.text.replace('\n', "\n      | ")
                    );
                }
                None
            }
            other => {
                let _ = writeln!(out, "{other:?}");
                None
            }
        }
    }
}

fn customer_named(id: u64) -> Customer {
    Customer { id, name: format!("Customer{id}"), username: None, language: Some("en".into()) }
}

fn customer_says(id: u64, message_id: i32, text: &str) -> Event {
    Event::Customer(CustomerMessage {
        customer: customer_named(id),
        message_id,
        kind: Kind::Text,
        text: Some(text.to_owned()),
        file_id: None,
        single: None,
        reply_to: None,
        album: None,
    })
}

fn staff_says(from: u64, thread: i32, message_id: i32, text: &str) -> Event {
    Event::Staff(StaffMessage {
        chat_id: STAFF,
        thread: Some(thread),
        from,
        from_name: format!("user{from}"),
        message_id,
        kind: Kind::Text,
        text: Some(text.to_owned()),
        reply_to: None,
        reply_author: None,
        reply_text: None,
        via_bot: None,
        entities: Vec::new(),
        file_id: None,
        single: None,
        album: None,
    })
}

fn press(from: u64, thread: i32, data: &str) -> Event {
    press_in(from, STAFF, Some(thread), 1, data)
}

/// `from` presses the button with `data` under message `message_id` in `chat_id` (in topic
/// `thread`, if any).
fn press_in(from: u64, chat_id: i64, thread: Option<i32>, message_id: i32, data: &str) -> Event {
    Event::Button(ButtonPress {
        callback_id: "cb1".into(),
        from,
        from_name: format!("user{from}"),
        from_username: None,
        language: None,
        chat_id,
        message_id: Some(message_id),
        thread,
        data: data.to_owned(),
    })
}

#[track_caller]
fn check(actual: &str, expect: &Expect) {
    expect.assert_eq(actual);
}

#[test]
fn a_new_ticket_gets_a_topic_a_card_and_a_confirmation() {
    let mut world = World::new();
    let id =
        world.open(42, &[("category", "billing"), ("priority", "high"), ("description", "Charged twice")]);
    check(
        &world.send_all(),
        &expect![[r#"
            chat -100777 #1001: 📋 Queue: 0 unassigned · 1 active · 0 awaiting the customer
                | Updated Sep 21 16:14
            create topic "T-000001 · Billing · Customer42" colour ffd67e -> thread 11
            topic T-000001 #1003: T-000001 · open
                | Priority: high · Category: Billing
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: billing
                | description: Charged twice
                | priority: high
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
            topic T-000001 #1004: 📖 Articles that may answer this (a button sends it to the customer):
                | 1. Refunds [refund-policy] https://help.example.com/billing/refunds
                | 2. Download your invoices [download-invoice]
                | 3. A payment failed [failed-payment]
                buttons: Send 1. Refunds (kb:1:refund-policy), Send 2. Download your invoices (kb:1:download-invoice), Send 3. A payment failed (kb:1:failed-payment)
            topic T-000001 #1005: Assigned to @dana_support by the routing rules.
            Pin { chat_id: -100777, message_id: 1001 }
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.topic.map(|t| t.thread_id), Some(11));
    assert!(ticket.card.is_some());
}

#[test]
fn messages_flow_both_ways_and_statuses_follow() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical"), ("description", "App crashes")]);
    world.send_all();
    world.event(&customer_says(42, 5, "It crashes when I press save"));
    world.event(&staff_says(DANA, 11, 70, "Which version do you use?"));
    world.event(&staff_says(DANA, 11, 71, "/note probably the 3.2 bug"));
    world.event(&press(DANA, 11, &format!("t:{}:await", id.0)));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: copy of 42/[5]
            chat 42 #1008: copy of -100777/[70]
            edit -100777/1003: T-000001 · awaiting customer
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Resolve (t:1:resolve), Close (t:1:close), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
            topic T-000001 #1010: ✓ T-000001 is awaiting the customer.
            AnswerButton { callback_id: "cb1", text: Some("✓ T-000001 is awaiting the customer.") }
        "#]],
    );
    assert_eq!(world.ticket(id).status, Status::AwaitingCustomer);
    assert_eq!(world.ticket(id).assignee, Some(DANA));
    world.event(&customer_says(42, 6, "3.2.1"));
    world.event(&press(DANA, 11, &format!("t:{}:resolve", id.0)));
    world.event(&customer_says(42, 7, "Still broken after the update"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1012: copy of 42/[6]
            edit -100777/1003: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
            edit -100777/1003: T-000001 · resolved
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Reopen (t:1:reopen), Close (t:1:close), More (t:1:more)
            topic T-000001 #1015: ✓ Dana resolved T-000001.
            chat 42 #1016: Your ticket T-000001 is resolved. If something is still not right, just reply here.
            AnswerButton { callback_id: "cb1", text: Some("✓ Dana resolved T-000001.") }
            topic T-000001 #1018: copy of 42/[7]
            topic T-000001 #1019: ⇧ Escalated to the supervisors: the customer sounds upset
                | @dana_support
                buttons: Undo escalation (x:1:14)
            chat -100777 #1020: ⇧ T-000001 escalated to the supervisors: the customer sounds upset
            topic T-000001 #1021: ↺ The customer wrote again, so T-000001 is open again.
            edit -100777/1003: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | ⇧ Escalated to: Dana
                | Tags: upset
                | Reopened: 1×
                | 
                | category: technical
                | description: App crashes
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.status, Status::Open);
    assert_eq!(ticket.reopened, 1);
}

#[test]
fn strangers_and_wrong_places_are_refused() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(STRANGER, 11, 80, "hi, I am not staff"));
    world.event(&press(STRANGER, 11, &format!("t:{}:resolve", id.0)));
    world.event(&press(DANA, 99, &format!("t:{}:resolve", id.0)));
    world.event(&press(DANA, 11, "t:1:explode"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1006: user999 is not in team.yaml, so this message was not sent to the customer.
            AnswerButton { callback_id: "cb1", text: Some("Only members of the support team can do this.") }
            AnswerButton { callback_id: "cb1", text: Some("This button belongs to another ticket.") }
            AnswerButton { callback_id: "cb1", text: Some("This button is no longer valid.") }
        "#]],
    );
    // Routing gave it to Dana, which opened it; nothing of the above changed it.
    assert_eq!(world.ticket(id).status, Status::Open);
}

#[test]
fn a_deleted_topic_is_recreated_and_a_blocked_customer_is_flagged() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&Event::Delivered(Delivery::TopicMissing { ticket: id }));
    world.event(&Event::Delivered(Delivery::TopicMissing { ticket: id }));
    world.event(&Event::Reachability { customer: 42, blocked: true });
    check(
        &world.send_all(),
        &expect![[r#"
            create topic "T-000001 · Technical problem · Customer42" colour 6fb9f0 -> thread 12
            topic T-000001 #1007: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
            topic T-000001 #1008: ↻ The former topic of T-000001 was deleted in Telegram; this one replaces it.
                | No messages yet beyond the form on the card.
            topic T-000001 #1009: ⚠ The customer blocked the bot: replies cannot reach them until they unblock it.
            edit -100777/1007: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | ⚠ The customer blocked the bot: replies cannot reach them.
                | 
                | category: technical
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.topic.map(|t| t.thread_id), Some(12));
    assert!(ticket.unreachable);
}

#[test]
fn a_failing_route_hook_falls_back_and_alerts_the_supervisors_once() {
    let broken = "fn route(ticket, team) {\n    let agent = team.round_robin(\"billing\");\n    throw \"routing table is being rebuilt\";\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("routing.rhai", broken)]);
    let first = world.open(42, &[("category", "billing")]);
    let second = world.open(43, &[("category", "technical")]);
    let transcript = world.send_all();
    let alerts: Vec<&str> = transcript.lines().filter(|l| l.contains("A rule failed")).collect();
    assert_eq!(alerts.len(), 1, "one alert for the rule set and hook, not one per ticket:\n{transcript}");
    assert!(alerts[0].starts_with("chat -100777 "), "the alert goes to General: {}", alerts[0]);
    assert!(alerts[0].contains("routing.rhai:"), "the alert names the file and line: {}", alerts[0]);
    assert!(transcript.contains("@dana_support"), "supervisors are mentioned:\n{transcript}");
    // The built-in round robin decided: two tickets, two different agents.
    let (a, b) = (world.ticket(first).assignee, world.ticket(second).assignee);
    assert!(a.is_some() && b.is_some() && a != b, "round robin spread them: {a:?} {b:?}");
}

/// Regression: `fn route(t, team) { sleep(8); () }` blocked the whole desk for 8 s a ticket.
/// `check` refuses `sleep` by name; here the call is hidden behind a function pointer, as a
/// script `check` cannot see through would be, and the engine itself has no `sleep` to run.
#[test]
fn sleep_blocked_the_desk() {
    let sleeper = "fn route(ticket, team) {\n    call(Fn(\"sle\" + \"ep\"), 8);\n    ()\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("routing.rhai", sleeper)]);
    let started = std::time::Instant::now();
    let first = world.open(42, &[("category", "billing")]);
    let second = world.open(43, &[("category", "technical")]);
    let took = started.elapsed();
    // Two tickets once took 16 s; now a few milliseconds. The bound only tells the two apart.
    assert!(took < std::time::Duration::from_secs(4), "routing two tickets took {took:?}");
    let transcript = world.send_all();
    let alerts: Vec<&str> = transcript.lines().filter(|l| l.contains("A rule failed")).collect();
    assert_eq!(alerts.len(), 1, "supervisors are alerted once:\n{transcript}");
    assert!(alerts[0].contains("routing.rhai:2:5: route failed: function not found: sleep"), "{}", alerts[0]);
    let (a, b) = (world.ticket(first).assignee, world.ticket(second).assignee);
    assert!(a.is_some() && b.is_some() && a != b, "the built-in round robin routed them: {a:?} {b:?}");
}

#[test]
fn rule_decisions_name_the_rule_set_in_history() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "billing")]);
    let version = world.rules.version().short();
    let history = world.history(id);
    let assigned = history
        .iter()
        .find(|e| matches!(e.kind, crate::history::EntryKind::Assigned { .. }))
        .expect("routing assigned the ticket");
    assert_eq!(assigned.actor, crate::history::Actor::System);
    assert_eq!(assigned.rules.as_deref(), Some(version.as_str()));
}

#[test]
fn an_intake_dialogue_finishes_with_the_form_it_started_with() {
    let form = |mark: &str| {
        format!(
            "id: support\ntitle: Contact support\nfields:\n  - id: description\n    prompt: Describe it ({mark})\n    type: text\n  - id: details\n    prompt: Any details? ({mark})\n    type: text\n"
        )
    };
    let (mut world, rules_dir) = World::with_changed_rules(&[("forms/support.yaml", &form("A"))]);
    world.event(&customer_says(42, 1, "/start support"));
    assert!(world.send_all().contains("Describe it (A)"));
    // The support lead edits the form while the customer is typing.
    std::fs::write(rules_dir.path().join("forms/support.yaml"), form("B")).expect("edit form");
    let (edited, diagnostics) = crate::rules::load(rules_dir.path());
    let edited = edited.unwrap_or_else(|| panic!("edited rules load: {diagnostics:?}"));
    let started_under = std::mem::replace(&mut world.rules, edited);
    world.earlier = vec![std::sync::Arc::new(started_under)];
    world.event(&customer_says(42, 2, "It broke yesterday at noon"));
    let transcript = world.send_all();
    assert!(transcript.contains("Any details? (A)"), "the dialogue keeps its form:\n{transcript}");
    // Someone starting now gets the edited form.
    world.event(&customer_says(43, 1, "/start support"));
    assert!(world.send_all().contains("Describe it (B)"));
}

#[test]
fn field_commands_change_priority_tags_assignee_and_escalate() {
    const ELI: u64 = 222_222_222;
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    for (from, text) in [
        (ELI, "/priority urgent"),
        (ELI, "/priority critical"),
        (ELI, "/tag #VIP"),
        (ELI, "/untag refund"),
        (ELI, "/assign @dana_support"),
        (DANA, "/assign @nobody"),
        (DANA, "/assign Eli"),
        (ELI, "/escalate customer threatens to cancel"),
    ] {
        world.event(&staff_says(from, 11, 90, text));
    }
    check(
        &without_card_edits(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1006: Usage: /priority low|normal|high|critical
            topic T-000001 #1008: ✓ Eli set the priority of T-000001 to critical.
            topic T-000001 #1010: ✓ Tagged T-000001 #vip.
            topic T-000001 #1011: T-000001 has no tag `refund`
            topic T-000001 #1012: Only supervisors give tickets to someone else; use /claim to take it yourself.
            topic T-000001 #1013: Usage: /assign @username. The team: @dana_support, Eli, Farah, Gus.
            topic T-000001 #1015: ✓ Dana assigned T-000001 to Eli.
            topic T-000001 #1016: ⇧ Escalated to the supervisors by Eli: customer threatens to cancel
            chat -100777 #1017: ⇧ T-000001 escalated to the supervisors: customer threatens to cancel
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.priority, crate::ticket::Priority::Critical);
    assert!(ticket.tags.contains("vip"));
    assert_eq!(ticket.assignee, Some(ELI));
}

#[test]
fn the_assign_picker_offers_who_can_take_the_ticket_and_keeps_the_supervisor_rule() {
    const ELI: u64 = 222_222_222;
    const FARAH: u64 = 333_333_333;
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&general_says(FARAH, "/away"));
    world.send_all();
    // The card's Assign button and a bare /assign both show the picker: Dana has the ticket
    // and Farah is away, so Eli and Gus are offered.
    world.event(&press(ELI, 11, &format!("t:{}:assign", id.0)));
    world.event(&staff_says(DANA, 11, 91, "/assign"));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: Assign T-000001 to (active tickets / capacity):
                buttons: Eli · 0/8 (t:1:to:222222222), Gus · 0/5 (t:1:to:444444444)
            AnswerButton { callback_id: "cb1", text: Some("Choose who takes it below.") }
            topic T-000001 #1009: Assign T-000001 to (active tickets / capacity):
                buttons: Eli · 0/8 (t:1:to:222222222), Gus · 0/5 (t:1:to:444444444)
        "#]],
    );
    // An agent may pick themselves, not someone else; a supervisor may pick anyone.
    world.event(&press(ELI, 11, &format!("t:{}:to:{DANA}", id.0)));
    assert_eq!(world.ticket(id).assignee, Some(DANA));
    world.event(&press(ELI, 11, &format!("t:{}:to:{ELI}", id.0)));
    assert_eq!(world.ticket(id).assignee, Some(ELI));
    world.event(&press(DANA, 11, &format!("t:{}:to:444444444", id.0)));
    assert_eq!(world.ticket(id).assignee, Some(444_444_444));
    // A press for someone no longer in team.yaml, or from someone outside it, changes nothing.
    world.event(&press(DANA, 11, &format!("t:{}:to:999", id.0)));
    world.event(&press(STRANGER, 11, &format!("t:{}:to:{STRANGER}", id.0)));
    assert_eq!(world.ticket(id).assignee, Some(444_444_444));
    check(
        &without_card_edits(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1010: Only supervisors give tickets to someone else; use /claim to take it yourself.
            AnswerButton { callback_id: "cb1", text: Some("Only supervisors give tickets to someone else; use /claim to take it yourself.") }
            topic T-000001 #1013: ✓ Eli took T-000001.
            AnswerButton { callback_id: "cb1", text: Some("✓ Eli took T-000001.") }
            topic T-000001 #1016: ✓ Dana assigned T-000001 to Gus.
            AnswerButton { callback_id: "cb1", text: Some("✓ Dana assigned T-000001 to Gus.") }
            AnswerButton { callback_id: "cb1", text: Some("That person is no longer in team.yaml.") }
            AnswerButton { callback_id: "cb1", text: Some("Only members of the support team can do this.") }
        "#]],
    );
}

/// A transcript's first lines only: card edits and continuation lines left out.
fn without_card_edits(transcript: &str) -> String {
    let mut kept = String::new();
    for line in transcript.lines().filter(|l| !l.starts_with("edit ") && !l.starts_with("    ")) {
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

#[test]
fn the_more_menu_sets_the_priority_escalates_shows_history_and_card_and_removes_tags() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 90, "/tag vip"));
    world.send_all();
    world.event(&press(DANA, 11, &format!("t:{}:more", id.0)));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1008: T-000001: more actions
                buttons: Low (t:1:prio:low), ✓ Normal (t:1:prio:normal), High (t:1:prio:high), Critical (t:1:prio:critical), Escalate (t:1:escalate), History (t:1:history), Card (t:1:info), − #vip (t:1:untag:vip)
            AnswerButton { callback_id: "cb1", text: Some("More actions below.") }
        "#]],
    );
    for data in ["prio:critical", "untag:vip", "untag:vip", "escalate", "prio:urgent"] {
        world.event(&press(DANA, 11, &format!("t:{}:{data}", id.0)));
    }
    check(
        &without_card_edits(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1011: ✓ Dana set the priority of T-000001 to critical.
            AnswerButton { callback_id: "cb1", text: Some("✓ Dana set the priority of T-000001 to critical.") }
            topic T-000001 #1014: ✓ Removed #vip from T-000001.
            AnswerButton { callback_id: "cb1", text: Some("✓ Removed #vip from T-000001.") }
            topic T-000001 #1016: T-000001 has no tag `vip`
            AnswerButton { callback_id: "cb1", text: Some("T-000001 has no tag `vip`") }
            topic T-000001 #1018: ⇧ Escalated to the supervisors by Dana: no reason given (from the card)
            chat -100777 #1019: ⇧ T-000001 escalated to the supervisors: no reason given (from the card)
            AnswerButton { callback_id: "cb1", text: Some("Escalated T-000001 to the supervisors.") }
            AnswerButton { callback_id: "cb1", text: Some("This button is no longer valid.") }
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.priority, crate::ticket::Priority::Critical);
    assert!(ticket.tags.is_empty());
    world.event(&press(DANA, 11, &format!("t:{}:history", id.0)));
    world.event(&press(DANA, 11, &format!("t:{}:info", id.0)));
    let transcript = world.send_all();
    assert!(transcript.contains("T-000001 history ("), "{transcript}");
    assert!(transcript.contains("Dana: priority normal -> critical"), "{transcript}");
    assert!(
        transcript.contains("topic T-000001 #1") && transcript.contains("T-000001 · open"),
        "{transcript}"
    );
}

/// Regression: an escalation by button naming many supervisors made a notice longer than
/// Telegram's 200 characters, which it refuses, leaving the press unanswered.
#[test]
fn a_long_notice_is_cut_to_what_telegram_takes() {
    let name = "Maximiliana ".repeat(20);
    let team = format!("agents:\n  - {{ id: 1, name: \"{}\", role: supervisor }}\n", name.trim_end());
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", &team)]);
    let id = world.open(42, &[("category", "other")]);
    world.send_all();
    world.event(&press(1, 11, &format!("t:{}:prio:high", id.0)));
    let transcript = world.send_all();
    let notice = transcript.lines().find(|l| l.starts_with("AnswerButton")).expect("the press is answered");
    let text = notice.split("Some(\"").nth(1).and_then(|t| t.strip_suffix("\") }")).expect("a notice");
    assert_eq!(text.replace("\\n", "\n").chars().count(), 200, "{text}");
    assert!(text.ends_with('…'), "{text}");
}

fn general_says(from: u64, text: &str) -> Event {
    Event::Staff(StaffMessage {
        chat_id: STAFF,
        thread: None,
        from,
        from_name: format!("user{from}"),
        message_id: 500,
        kind: Kind::Text,
        text: Some(text.to_owned()),
        reply_to: None,
        reply_author: None,
        reply_text: None,
        via_bot: None,
        entities: Vec::new(),
        file_id: None,
        single: None,
        album: None,
    })
}

#[test]
fn general_shows_the_queue_my_tickets_and_the_agents() {
    let mut world = World::new();
    let first = world.open(42, &[("category", "billing")]);
    let _second = world.open(43, &[("category", "technical")]);
    world.send_all();
    world.event(&press(DANA, 11, &format!("t:{}:unassign", first.0)));
    world.send_all();
    world.event(&general_says(DANA, "/queue"));
    world.event(&general_says(STRANGER, "/queue"));
    world.event(&general_says(DANA, "hello team, never relayed"));
    check(
        &world.send_all(),
        &expect![[r#"
            chat -100777 #1013: Queue: 1 unassigned, oldest first
                | T-000001 · normal · Customer42 · waiting 8m
                buttons: Claim T-000001 (t:1:claim)
        "#]],
    );
    // Claiming from the queue in General works: the button names its ticket.
    world.event(&Event::Button(ButtonPress {
        thread: None,
        ..button_press(DANA, &format!("t:{}:claim", first.0))
    }));
    world.event(&general_says(DANA, "/mine"));
    world.event(&general_says(DANA, "/agents"));
    check(
        &world.send_all(),
        &expect![[r#"
            edit -100777/1003: T-000001 · open
                | Priority: normal · Category: Billing
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: billing
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)
            topic T-000001 #1015: ✓ Dana took T-000001.
            AnswerButton { callback_id: "cb1", text: Some("✓ Dana took T-000001.") }
            chat -100777 #1017: Your active tickets: 1
                | T-000001 · open · normal · Customer42
            chat -100777 #1018: Agents: active tickets / capacity
                | Dana: 1/10
                | Eli: 1/8
                | Farah: 0/5
                | Gus: 0/5
        "#]],
    );
}

fn button_press(from: u64, data: &str) -> ButtonPress {
    let Event::Button(press) = press(from, 11, data) else { unreachable!("press builds a button event") };
    press
}

const TEAM_OF_FOUR: &str = "agents:\n  - { id: 1, name: Ann, role: supervisor, skills: [billing], capacity: CAP }\n  - { id: 2, name: Ben, skills: [technical], capacity: CAP }\n  - { id: 3, name: Cat, skills: [billing, technical], capacity: CAP }\n  - { id: 4, name: Dov, skills: [], capacity: CAP }\n";

fn team(capacity: u32) -> String {
    TEAM_OF_FOUR.replace("CAP", &capacity.to_string())
}

/// Opens `n` tickets of `category` and returns who each went to.
fn route_many(world: &mut World, n: u64, category: &str) -> Vec<Option<u64>> {
    (0..n)
        .map(|k| {
            let id = world.open(10_000 + k, &[("category", category)]);
            world.ticket(id).assignee
        })
        .collect()
}

#[test]
fn round_robin_is_fair_over_a_thousand_tickets() {
    let route = "fn route(ticket, team) {\n    team.round_robin(\"\")\n}\n";
    let (mut world, _rules) =
        World::with_changed_rules(&[("team.yaml", &team(10_000)), ("routing.rhai", route)]);
    let picks = route_many(&mut world, 1_000, "other");
    let mut counts = BTreeMap::new();
    for pick in &picks {
        *counts.entry(pick.expect("everyone has room")).or_insert(0u32) += 1;
    }
    assert_eq!(counts.len(), 4, "{counts:?}");
    let (max, min) = (counts.values().max().expect("some"), counts.values().min().expect("some"));
    assert!(max - min <= 1, "fair: {counts:?}");
}

#[test]
fn capacity_is_respected_and_the_rest_waits_in_the_queue() {
    let route = "fn route(ticket, team) {\n    team.round_robin(\"\")\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", &team(2)), ("routing.rhai", route)]);
    let picks = route_many(&mut world, 10, "other");
    assert_eq!(picks.iter().filter(|p| p.is_some()).count(), 8, "four agents with room for two: {picks:?}");
    assert!(picks[8..].iter().all(Option::is_none), "the rest waits: {picks:?}");
}

#[test]
fn skills_are_honoured_and_least_loaded_takes_the_emptiest() {
    let route = "fn route(ticket, team) {\n    if ticket.category == \"technical\" { team.least_loaded(\"technical\") } else { team.round_robin(ticket.category) }\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", &team(50)), ("routing.rhai", route)]);
    let billing = route_many(&mut world, 6, "billing");
    assert!(billing.iter().all(|p| matches!(p, Some(1 | 3))), "billing skill: {billing:?}");
    assert_eq!(billing.iter().filter(|p| **p == Some(1)).count(), 3, "and in turns: {billing:?}");
    // Cat already has three billing tickets, so technical ones go to Ben until loads meet.
    let technical = route_many(&mut world, 4, "technical");
    assert!(technical[..3].iter().all(|p| *p == Some(2)), "least loaded first: {technical:?}");
    let nobody = route_many(&mut world, 1, "legal");
    assert_eq!(nobody, [None], "no agent has the skill: the queue");
}

#[test]
fn the_round_robin_position_survives_a_restart() {
    let route = "fn route(ticket, team) {\n    team.round_robin(\"\")\n}\n";
    let (mut world, rules_dir) =
        World::with_changed_rules_on_store(&[("team.yaml", &team(100)), ("routing.rhai", route)]);
    let before = route_many(&mut world, 3, "other");
    assert_eq!(before, [Some(1), Some(2), Some(3)]);
    // A restart: the rules are loaded anew and nothing is kept in memory; only the store.
    let (reloaded, _) = crate::rules::load(rules_dir.path());
    world.rules = reloaded.expect("rules load");
    let after = route_many(&mut world, 2, "other");
    assert_eq!(after, [Some(4), Some(1)], "round robin goes on where it was");
}

#[test]
fn a_message_posted_in_the_wrong_topic_moves_to_the_right_ticket() {
    let mut world = World::new();
    let wrong = world.open(42, &[("category", "technical")]);
    let right = world.open(43, &[("category", "technical")]);
    world.send_all();
    world.event(&staff_says(DANA, 11, 70, "Your refund of 20 EUR is on its way."));
    world.send_all();
    let mut move_it = staff_says(DANA, 11, 71, &format!("/move {right}"));
    if let Event::Staff(m) = &mut move_it {
        m.reply_to = Some(70);
        m.reply_author = Some(DANA);
    }
    world.event(&move_it);
    world.event(&staff_says(DANA, 11, 72, "/move T-000002"));
    check(
        &world.send_all(),
        &expect![[r#"
            DeleteMessage { chat_id: 42, message_id: 1009 }
            chat 43 #1011: copy of -100777/[70]
            topic T-000002 #1012: copy of -100777/[70]
            topic T-000001 #1013: ↪ Moved to T-000002; the copy this customer got is being deleted.
            topic T-000002 #1014: ↩ The message above was moved here from T-000001.
            topic T-000001 #1015: Reply to your message with /move T-000123 to send it to the right ticket instead.
        "#]],
    );
    // Telegram refused the deletion: the topic says so.
    world.event(&Event::Delivered(Delivery::NotDeleted { ticket: wrong }));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1016: Telegram no longer lets the bot delete the copy the customer received; it stays in their chat.
        "#]],
    );
    let history = world.history(right);
    assert!(history.iter().any(|e| e.kind.to_string().contains("moved here from T-000001")));
}

#[test]
fn away_agents_get_no_new_tickets_and_hand_theirs_back() {
    let mut world = World::new();
    let first = world.open(42, &[("category", "billing")]);
    assert_eq!(world.ticket(first).assignee, Some(DANA));
    world.send_all();
    world.event(&general_says(DANA, "/away"));
    check(
        &world.send_all(),
        &expect![[r#"
            edit -100777/1003: T-000001 · open
                | Priority: normal · Category: Billing
                | Customer: Customer42 (en)
                | Assignee: nobody yet
                | 
                | category: billing
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), More (t:1:more)
            topic T-000001 #1008: Dana is away: back in the queue.
            chat -100777 #1009: Dana is away: no new tickets until /back. Tickets handed on: 1.
        "#]],
    );
    // desk.yaml says `away_policy: queue`: her ticket waits for someone else.
    assert_eq!(world.ticket(first).assignee, None);
    let billing: Vec<Option<u64>> = (0..3)
        .map(|k| {
            let id = world.open(50 + k, &[("category", "billing")]);
            world.ticket(id).assignee
        })
        .collect();
    assert!(billing.iter().all(|a| *a != Some(DANA)), "away agents get nothing new: {billing:?}");
    world.send_all();
    // Back, from the private chat with the bot this time.
    world.event(&customer_says(DANA, 1, "/back"));
    world.event(&general_says(DANA, "/agents"));
    check(
        &world.send_all(),
        &expect![[r#"
            chat 111111111 #1022: Welcome back, Dana: new tickets reach you again.
            chat -100777 #1023: Agents: active tickets / capacity
                | Dana: 0/10
                | Eli: 0/8
                | Farah: 3/5
                | Gus: 0/5
        "#]],
    );
    let next = world.open(60, &[("category", "billing")]);
    assert!(world.ticket(next).assignee.is_some());
}

#[test]
fn route_decides_again_on_reopen_and_escalation_and_mentions_only_others() {
    const TEAM: &str = "agents:\n  - { id: 1, name: Ann, username: ann, role: supervisor }\n  - { id: 2, name: Ben, username: ben }\n  - { id: 3, name: Cat, username: cat }\n";
    let desk_yaml =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml")
            .replace("away_policy: queue", "away_policy: keep");
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", TEAM), ("desk.yaml", &desk_yaml)]);
    let id = world.open(42, &[("category", "other")]);
    assert_eq!(world.ticket(id).assignee, Some(1));
    world.send_all();
    // Ann resolves and goes away; the customer writes again: the ticket goes to Ben.
    world.event(&press(1, 11, "t:1:resolve"));
    world.event(&general_says(1, "/away"));
    world.event(&customer_says(42, 5, "it broke again"));
    assert_eq!(world.ticket(id).assignee, Some(2));
    // Ben resolves and reopens it himself: he has room, so the shipped hook keeps him.
    world.event(&press(2, 11, "t:1:resolve"));
    world.event(&press(2, 11, "t:1:reopen"));
    assert_eq!(world.ticket(id).assignee, Some(2));
    // Ben goes away (the desk keeps his tickets) and escalates: route moves it on to Cat.
    world.event(&general_says(2, "/away"));
    world.event(&staff_says(2, 11, 95, "/escalate needs someone who is here"));
    assert_eq!(world.ticket(id).assignee, Some(3));
    // Cat resolves and goes away; Ann, back, reopens it and routing gives it to her: quietly.
    world.event(&press(3, 11, "t:1:resolve"));
    world.event(&general_says(3, "/away"));
    world.event(&general_says(1, "/back"));
    world.event(&press(1, 11, "t:1:reopen"));
    assert_eq!(world.ticket(id).assignee, Some(1));
    let transcript = without_card_edits(&world.send_all());
    let said: String = transcript
        .lines()
        .filter(|l| l.starts_with("topic ") && !l.contains("copy of") && !l.contains(" resolved "))
        .fold(String::new(), |mut all, line| {
            all.push_str(line);
            all.push('\n');
            all
        });
    check(
        &said,
        &expect![[r#"
            topic T-000001 #1012: ↺ The customer wrote again, so T-000001 is open again.
            topic T-000001 #1015: Assigned to @ben by the routing rules.
            topic T-000001 #1021: ✓ Ben reopened T-000001.
            topic T-000001 #1025: ⇧ Escalated to the supervisors by Ben: needs someone who is here
            topic T-000001 #1029: Assigned to @cat by the routing rules.
            topic T-000001 #1037: ✓ Ann reopened T-000001.
            topic T-000001 #1040: Assigned to Ann by the routing rules.
        "#]],
    );
}

#[test]
fn outside_their_working_hours_agents_count_as_away() {
    // The test clock reads Monday 2026-09-21, 16:14 in Berlin (desk.yaml's time zone).
    const TEAM: &str = "agents:\n  - { id: 1, name: Ann, role: supervisor, working_hours: { mon-fri: \"08:00-16:00\" } }\n  - { id: 2, name: Ben, working_hours: { mon-fri: \"12:00-20:00\" } }\n  - { id: 3, name: Cat }\n";
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", TEAM)]);
    let picks = route_many(&mut world, 4, "other");
    assert_eq!(picks, [Some(2), Some(3), Some(2), Some(3)], "Ann's day is over");
    world.send_all();
    world.event(&general_says(1, "/agents"));
    world.event(&press(1, 11, "t:1:assign"));
    check(
        &world.send_all(),
        &expect![[r#"
            chat -100777 #1015: Agents: active tickets / capacity
                | Ann: 0/5 (off hours)
                | Ben: 2/5
                | Cat: 2/5
            topic T-000001 #1016: Assign T-000001 to (active tickets / capacity):
                buttons: Cat · 2/5 (t:1:to:3)
            AnswerButton { callback_id: "cb1", text: Some("Choose who takes it below.") }
        "#]],
    );
}

/// The transcript without edits (of cards and of the queue summary).
fn without_edits(transcript: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut in_edit = false;
    for line in transcript.lines() {
        if !line.starts_with(' ') {
            in_edit = line.starts_with("edit ");
        }
        if !in_edit {
            lines.push(line);
        }
    }
    lines.join("\n")
}

/// The next end of a shift in the deadline index, as Berlin clock time.
fn next_shift_end(world: &World) -> Option<String> {
    let due = world.deadlines();
    let end = due.iter().find(|d| d.timer == Timer::Desk(crate::sla::DeskTimer::ShiftEnd))?;
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    Some(end.due.to_zoned_datetime(zone).strftime("%a %H:%M").to_string())
}

#[test]
fn under_away_policy_reroute_an_ended_shift_sends_the_tickets_through_route() {
    const TEAM: &str = "agents:\n  - { id: 1, name: Ann, working_hours: { mon-fri: \"08:00-17:00\" } }\n  - { id: 3, name: Cat, username: cat }\n";
    let route = "fn route(ticket, team) {\n    if team.agent(1).online { 1 } else { 3 }\n}\n";
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml")
            .replace("away_policy: queue", "away_policy: reroute");
    let (mut world, _rules) =
        World::with_changed_rules(&[("team.yaml", TEAM), ("routing.rhai", route), ("desk.yaml", &desk)]);
    let id = world.open(42, &[("category", "billing")]);
    assert_eq!(world.ticket(id).assignee, Some(1));
    world.send_all();
    world.minute = 46;
    world.event(&Event::Tick);
    check(
        &without_edits(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1009: Assigned to @cat by the routing rules.
            chat -100777 #1010: Ann's shift ended. Tickets handed on: 1."#]],
    );
    assert_eq!(world.ticket(id).assignee, Some(3));
}

#[test]
fn a_changed_rule_set_moves_the_next_end_of_a_shift() {
    let team = |hours: &str| {
        format!("agents:\n  - {{ id: 1, name: Ann, working_hours: {{ mon-fri: \"{hours}\" }} }}\n")
    };
    let (mut world, _rules) = World::with_changed_rules(&[("team.yaml", &team("08:00-17:00"))]);
    assert_eq!(next_shift_end(&world), None, "nothing is set before the desk first acts");
    world.event(&Event::Tick);
    assert_eq!(next_shift_end(&world).as_deref(), Some("Mon 17:00"));
    let (earlier, _earlier_rules) = World::with_changed_rules(&[("team.yaml", &team("08:00-16:30"))]);
    world.rules = earlier.rules;
    world.open(42, &[("category", "billing")]);
    assert_eq!(next_shift_end(&world).as_deref(), Some("Mon 16:30"), "the first change under the new rules");
    let (no_hours, _no_hours_rules) =
        World::with_changed_rules(&[("team.yaml", "agents:\n  - { id: 1, name: Ann }\n")]);
    world.rules = no_hours.rules;
    world.event(&Event::Tick);
    assert_eq!(next_shift_end(&world), None, "nobody's shift ends any more");
}

#[test]
fn when_a_shift_ends_the_agents_tickets_are_handed_on_and_they_return_with_their_hours() {
    // The test clock reads Monday 2026-09-21, 16:14 in Berlin (desk.yaml's time zone), where
    // desk.yaml says `away_policy: queue`. Ann works until 17:00, Ben until 20:00.
    const TEAM: &str = "agents:\n  - { id: 1, name: Ann, role: supervisor, working_hours: { mon-fri: \"08:00-17:00\" } }\n  - { id: 2, name: Ben, working_hours: { mon-fri: \"12:00-20:00\" } }\n  - { id: 3, name: Cat }\n";
    let ann_if_here = "fn route(ticket, team) {\n    if team.agent(1).online { 1 } else { () }\n}\n";
    let (mut world, _rules) =
        World::with_changed_rules(&[("team.yaml", TEAM), ("routing.rhai", ann_if_here)]);
    let tickets = [world.open(42, &[("category", "billing")]), world.open(43, &[("category", "billing")])];
    assert!(tickets.iter().all(|id| world.ticket(*id).assignee == Some(1)));
    world.send_all();
    assert_eq!(next_shift_end(&world).as_deref(), Some("Mon 17:00"), "the first change set the next end");
    // A tick before the end changes nothing of Ann's.
    world.minute = 45;
    world.event(&Event::Tick);
    assert!(tickets.iter().all(|id| world.ticket(*id).assignee == Some(1)));
    world.send_all();
    // 17:00: Ann's shift is over, as if she had said /away.
    world.minute = 46;
    world.event(&Event::Tick);
    check(
        &without_edits(&world.send_all()),
        &expect![[r#"
            topic T-000001 #1013: Ann's shift ended: back in the queue.
            topic T-000002 #1015: Ann's shift ended: back in the queue.
            chat -100777 #1016: Ann's shift ended. Tickets handed on: 2."#]],
    );
    assert!(tickets.iter().all(|id| world.ticket(*id).assignee.is_none()));
    // Ben's end comes next; he holds nothing, so his passes without a word.
    assert_eq!(next_shift_end(&world).as_deref(), Some("Mon 20:00"));
    world.minute = 3 * 60 + 46;
    world.event(&Event::Tick);
    let at_eight = world.send_all();
    assert!(!at_eight.contains("shift") && !at_eight.contains("handed on"), "{at_eight}");
    assert_eq!(next_shift_end(&world).as_deref(), Some("Tue 17:00"));
    // Tuesday 09:00: Ann is on duty again and gets new tickets.
    world.minute = 17 * 60;
    let next = world.open(44, &[("category", "billing")]);
    assert_eq!(world.ticket(next).assignee, Some(1));
}

#[test]
fn the_queue_summary_is_posted_pinned_and_edited_at_most_once_a_minute() {
    let queue_only = "fn route(ticket, team) { () }\n";
    let (mut world, _rules) = World::with_changed_rules(&[("routing.rhai", queue_only)]);
    // Every event moves the test clock a minute on: set it just before each one.
    let at = |world: &mut World, minute: i64, event: &Event| {
        world.minute = minute - 1;
        world.event(event);
        world.send_all()
    };
    let general = |transcript: &str| -> String {
        let mut lines: Vec<&str> = Vec::new();
        let mut keep = false;
        for line in transcript.lines() {
            if !line.starts_with(' ') {
                keep = line.starts_with("chat -100777")
                    || line.starts_with("edit -100777/1001")
                    || line.starts_with("Pin");
            }
            if keep {
                lines.push(line);
            }
        }
        lines.join("\n")
    };
    // The first ticket is the desk's first act: the summary is posted and pinned at once.
    world.minute = 9;
    let first = world.open(42, &[("category", "billing"), ("priority", "high")]);
    check(
        &general(&world.send_all()),
        &expect![[r#"
            chat -100777 #1001: 📋 Queue: 1 unassigned · 1 active · 0 awaiting the customer
                | T-000001 · high · Customer42 · since Sep 21 16:23
                | Updated Sep 21 16:23
            Pin { chat_id: -100777, message_id: 1001 }"#]],
    );
    // A second ticket in the minute of the post: the edit waits for the minute to pass,
    // then goes out once.
    world.minute = 9;
    world.open(43, &[("category", "technical")]);
    assert_eq!(general(&world.send_all()), "", "not within a minute of the last post");
    assert_eq!(general(&at(&mut world, 10, &Event::Tick)), "", "not within a minute of the last post");
    check(
        &general(&at(&mut world, 11, &Event::Tick)),
        &expect![[r#"
            edit -100777/1001: 📋 Queue: 2 unassigned · 2 active · 0 awaiting the customer
                | T-000001 · high · Customer42 · since Sep 21 16:23
                | T-000002 · normal · Customer43 · since Sep 21 16:23
                | Updated Sep 21 16:24"#]],
    );
    // Claiming, in the minute of that edit, changes the queue: edited again a minute later.
    at(&mut world, 11, &press(DANA, 11, &format!("t:{}:claim", first.0)));
    assert_eq!(general(&at(&mut world, 11, &Event::Tick)), "", "not within a minute of the last edit");
    check(
        &general(&at(&mut world, 12, &Event::Tick)),
        &expect![[r#"
            edit -100777/1001: 📋 Queue: 1 unassigned · 2 active · 0 awaiting the customer
                | T-000002 · normal · Customer43 · since Sep 21 16:23
                | Updated Sep 21 16:25"#]],
    );
    // Nothing changed: no edit, however often the timer looks.
    assert_eq!(general(&at(&mut world, 14, &Event::Tick)), "");
    // A note changes nothing the summary shows: no refresh is even asked for.
    at(&mut world, 15, &staff_says(DANA, 11, 96, "/note called the customer"));
    let due = world.deadlines();
    let summary = Timer::Desk(crate::sla::DeskTimer::Summary);
    assert!(due.iter().all(|d| d.timer != summary), "no summary refresh asked for: {due:?}");
    // Someone deleted the summary: its next edit finds it gone, and it is posted anew.
    // Another message gone (a customer's prompt, say) is no concern of the summary's.
    world.event(&Event::Delivered(Delivery::EditGone { chat_id: 42, message_id: 1001 }));
    world.event(&Event::Delivered(Delivery::EditGone { chat_id: STAFF, message_id: 999 }));
    assert_eq!(world.send_all(), "");
    world.event(&Event::Delivered(Delivery::EditGone { chat_id: STAFF, message_id: 1001 }));
    let reposted = world.send_all();
    check(
        &reposted,
        &expect![[r#"
            chat -100777 #1013: 📋 Queue: 1 unassigned · 2 active · 0 awaiting the customer
                | T-000002 · normal · Customer43 · since Sep 21 16:23
                | Updated Sep 21 16:31
            Pin { chat_id: -100777, message_id: 1013 }
        "#]],
    );
    // `/summary` posts it anew at once (say it is lost among other pins).
    check(
        &at(&mut world, 30, &general_says(DANA, "/summary")),
        &expect![[r#"
            chat -100777 #1015: 📋 Queue: 1 unassigned · 2 active · 0 awaiting the customer
                | T-000002 · normal · Customer43 · since Sep 21 16:23
                | Updated Sep 21 16:43
            Pin { chat_id: -100777, message_id: 1015 }
        "#]],
    );
}

#[test]
fn queue_summary_false_in_desk_yaml_keeps_general_free_of_it() {
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml");
    let (mut world, _rules) =
        World::with_changed_rules(&[("desk.yaml", &format!("{desk}queue_summary: false\n"))]);
    world.open(42, &[("category", "billing")]);
    let opened = world.send_all();
    assert!(!opened.contains("Queue:") && !opened.contains("Pin"), "{opened}");
    world.minute += 60;
    world.event(&Event::Tick);
    assert_eq!(world.send_all(), "", "a tick posts no summary either");
    check(
        &{
            world.event(&general_says(DANA, "/summary"));
            world.send_all()
        },
        &expect![[r#"
            chat -100777 #1005: The queue summary is off (desk.yaml `queue_summary: false`); /queue lists the queue.
        "#]],
    );
}

#[test]
fn a_summary_turned_off_says_so_once_and_comes_back_when_turned_on() {
    let desk =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/desk.yaml"))
            .expect("shipped desk.yaml");
    let (mut world, _rules) = World::with_changed_rules(&[("desk.yaml", &desk)]);
    world.open(42, &[("category", "billing")]);
    let opened = world.send_all();
    assert!(opened.contains("Queue:") && opened.contains("Pin"), "{opened}");
    let (off, _off_rules) =
        World::with_changed_rules(&[("desk.yaml", &format!("{desk}queue_summary: false\n"))]);
    let on = std::mem::replace(&mut world.rules, off.rules);
    world.minute += 60;
    world.event(&Event::Tick);
    check(
        &world.send_all(),
        &expect![[r#"
        edit -100777/1001: 📋 The queue summary is off (desk.yaml `queue_summary: false`); /queue lists the queue.
    "#]],
    );
    world.minute += 60;
    world.event(&Event::Tick);
    let later = world.send_all();
    assert!(!later.contains("-100777/1001") && !later.contains("Queue:"), "said once: {later}");
    world.rules = on;
    world.minute += 60;
    world.event(&Event::Tick);
    let back = world.send_all();
    assert!(back.contains("Queue:") && back.contains("Pin"), "posted and pinned anew: {back}");
}

/// Regression: a 403 answered after the customer had unblocked the bot flagged them as
/// unreachable again, with a second note in the topic (seen end to end).
#[test]
fn a_refusal_of_a_call_sent_before_the_customer_unblocked_the_bot_is_old_news() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&Event::Reachability { customer: 42, blocked: true });
    let sent_while_blocked = world.desk().now;
    world.event(&Event::Reachability { customer: 42, blocked: false });
    world.send_all();
    world.event(&Event::Delivered(Delivery::Unreachable { customer: 42, sent_at: sent_while_blocked }));
    assert!(!world.ticket(id).unreachable, "the customer unblocked the bot after that call went out");
    assert_eq!(world.send_all(), "", "and the topic hears nothing more of it");
    let sent_after_unblocking = world.desk().now;
    world.event(&Event::Delivered(Delivery::Unreachable { customer: 42, sent_at: sent_after_unblocking }));
    assert!(world.ticket(id).unreachable, "a refusal of a later call counts");
}

#[test]
fn texts_longer_than_telegram_takes_go_as_several_messages() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    let mut long = String::new();
    for n in 0..300 {
        writeln!(long, "line {n:03} of a long report").expect("string write");
    }
    let desk = world.desk();
    on_state!(world, |state| desk.say_in_topic(state, id, long.clone())).expect("queue");
    let transcript = world.send_all();
    let messages: Vec<&str> = transcript.lines().filter(|l| l.starts_with("topic ")).collect();
    assert_eq!(messages.len(), 2, "{} characters in parts of at most 4096", long.chars().count());
    assert!(transcript.contains("line 000") && transcript.contains("line 299"));
}

#[test]
fn timers_warn_breach_and_climb_the_ladder_once_each() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical"), ("priority", "normal")]);
    world.send_all();
    let tick = |world: &mut World| {
        world.event(&Event::Tick);
        let transcript = world.send_all();
        let lines: Vec<String> = transcript
            .lines()
            .filter(|l| !l.starts_with("edit ") && !l.starts_with("    "))
            .map(str::to_owned)
            .collect();
        lines.join("\n")
    };
    // Nobody answers for two days (business hours in Berlin count; the target is 2h).
    world.minute += 2 * 24 * 60;
    check(
        &tick(&mut world),
        &expect![[r#"
            topic T-000001 #1006: ⚠ @dana_support T-000001: first_response target missed by 16h 4m
            topic T-000001 #1007: ⇧ Escalated to the supervisors: first_response missed twice on T-000001
            chat -100777 #1008: ⇧ T-000001 escalated to the supervisors: first_response missed twice on T-000001
            topic T-000001 #1010: ⇧ Escalated to the escalation team: T-000001 is 16h 4m past its first_response target
            chat -100777 #1011: ⇧ T-000001 escalated to the escalation team: T-000001 is 16h 4m past its first_response target"#]],
    );
    // The third rung raised the priority to critical, whose resolution target (4h of
    // calendar time from the raise on) the 18h of business time spent already exceed:
    // that clock breaches next, by the business time over it, not by two calendar days.
    check(
        &tick(&mut world),
        &expect![[r#"
            topic T-000001 #1013: ⚠ @dana_support T-000001: resolution target missed by 14h 5m
            topic T-000001 #1014: ⇧ Escalated to the supervisors: resolution missed twice on T-000001
            chat -100777 #1015: ⇧ T-000001 escalated to the supervisors: resolution missed twice on T-000001
            topic T-000001 #1016: ⇧ Escalated to the escalation team: T-000001 is 14h 5m past its resolution target
            chat -100777 #1017: ⇧ T-000001 escalated to the escalation team: T-000001 is 14h 5m past its resolution target"#]],
    );
    // A restart or another tick decides nothing again.
    assert_eq!(tick(&mut world), "", "each step fires once");
    let ticket = world.ticket(id);
    assert_eq!(ticket.priority, crate::ticket::Priority::Critical);
    assert!(ticket.tags.contains("sla-breached"), "{:?}", ticket.tags);
}

#[test]
fn escalations_by_rules_and_timers_ask_route_again_like_escalate_does() {
    let route = "fn route(ticket, team) {\n    if ticket.has_tag(\"upset\") || ticket.has_tag(\"sla-breached\") { 111111111 } else { 222222222 }\n}\n";
    let (mut world, _rules) = World::with_changed_rules(&[("routing.rhai", route)]);
    let upset = world.open(42, &[("category", "technical")]);
    let silent = world.open(43, &[("category", "technical")]);
    assert_eq!([world.ticket(upset).assignee, world.ticket(silent).assignee], [Some(222_222_222); 2]);
    world.send_all();
    // `on_message` tags and escalates an upset customer: `route` now gives it to Dana.
    world.event(&customer_says(42, 5, "This is TERRIBLE, still broken after three days!!! I want a refund"));
    let said: Vec<String> = without_edits(&world.send_all()).lines().map(str::to_owned).collect();
    let escalated =
        said.iter().position(|l| l.contains("Escalated to the supervisors: the customer sounds upset"));
    let assigned = said.iter().position(|l| l.ends_with("Assigned to @dana_support by the routing rules."));
    assert!(escalated.is_some() && assigned > escalated, "{said:#?}");
    assert_eq!(world.ticket(upset).assignee, Some(DANA));
    // Nobody answers the other one for two days: the ladder's second rung tags and
    // escalates it, and `route` is asked again, once per escalation; only a change is said.
    world.minute += 2 * 24 * 60;
    world.event(&Event::Tick);
    let said = without_edits(&world.send_all());
    assert_eq!(world.ticket(silent).assignee, Some(DANA), "{said}");
    let announced: Vec<&str> = said.lines().filter(|l| l.contains("by the routing rules")).collect();
    assert_eq!(announced.len(), 1, "{said}");
    assert!(announced[0].starts_with("topic T-000002") && announced[0].contains("@dana_support"), "{said}");
    let history = world.history(silent);
    let escalations =
        history.iter().filter(|e| matches!(e.kind, crate::history::EntryKind::Escalated { .. }));
    assert_eq!(escalations.count(), 2);
}

#[test]
fn an_upset_customer_is_tagged_and_escalated_once_by_on_message() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(42, 5, "This is TERRIBLE, still broken after three days!!! I want a refund"));
    world.event(&customer_says(42, 6, "Still nothing works, this is awful"));
    let transcript = world.send_all();
    let escalations: Vec<&str> =
        transcript.lines().filter(|l| l.starts_with("topic ") && l.contains("Escalated")).collect();
    assert_eq!(escalations.len(), 1, "once, not per message:\n{transcript}");
    assert!(escalations[0].contains("the customer sounds upset"));
    let ticket = world.ticket(id);
    assert!(ticket.tags.contains("upset") && ticket.tags.contains("refund"), "{:?}", ticket.tags);
    let history = world.history(id);
    assert!(history.iter().any(|e| matches!(e.kind, crate::history::EntryKind::Escalated { .. })));
}

#[test]
fn a_copy_telegram_refuses_is_reported_in_the_topic_both_ways() {
    let mut world = World::new();
    let id = world.open(42, &[("category", "billing")]);
    world.send_all();
    let reason = "Bad Request: message caption is too long".to_owned();
    world.event(&Event::Delivered(Delivery::NotRelayed {
        ticket: id,
        source: (42, 77),
        reason: reason.clone(),
    }));
    world.event(&Event::Delivered(Delivery::NotRelayed { ticket: id, source: (STAFF, 88), reason }));
    check(
        &world.send_all(),
        &expect![[r#"
            topic T-000001 #1007: ⚠ Telegram refused to copy a message of the customer here: Bad Request: message caption is too long. Its text is in /history; ask them to send it again if it matters.
            topic T-000001 #1008 (reply to 88): ⚠ Telegram refused to deliver this message to the customer: Bad Request: message caption is too long
        "#]],
    );
}

#[test]
fn after_a_reload_every_ticket_s_deadlines_follow_the_new_targets() {
    let ticket_deadlines = |world: &World, id: TicketId| -> Vec<Timestamp> {
        let due = world.deadlines();
        due.iter().filter(|d| d.timer.ticket() == Some(id)).map(|d| d.due).collect()
    };
    let (mut world, _rules) = World::with_changed_rules(&[(
        "sla.rhai",
        "fn sla(ticket) { #{ first_response: \"8h\", resolution: \"5d\", calendar: \"calendar\" } }\n",
    )]);
    let ids = [world.open(42, &[("category", "billing")]), world.open(43, &[("category", "billing")])];
    world.send_all();
    let before: Vec<Vec<Timestamp>> = ids.iter().map(|id| ticket_deadlines(&world, *id)).collect();
    let (tighter, _tighter_rules) = World::with_changed_rules(&[(
        "sla.rhai",
        "fn sla(ticket) { #{ first_response: \"1h\", resolution: \"5d\", calendar: \"calendar\" } }\n",
    )]);
    world.rules = tighter.rules;
    // Nothing happened to the tickets: without the resync their deadlines stay as they were.
    assert_eq!(ids.iter().map(|id| ticket_deadlines(&world, *id)).collect::<Vec<_>>(), before);
    let desk = world.desk();
    let mut from = Some(1);
    let mut batches = 0;
    while let Some(start) = from {
        from = on_state!(world, |state| desk.resync_from(state, start, 1)).expect("resync");
        batches += 1;
    }
    assert_eq!(batches, 3, "one ticket a batch, and one finding no more");
    for (id, old) in ids.iter().zip(&before) {
        let new = ticket_deadlines(&world, *id);
        assert_eq!(new.len(), old.len(), "{id:?}");
        assert!(
            new.iter().min() < old.iter().min(),
            "{id:?}: the first response falls due sooner: {new:?} vs {old:?}"
        );
    }
}

#[test]
fn an_opening_names_the_rule_set_its_clocks_were_planned_under() {
    let ticket_deadlines = |world: &World, id: TicketId| -> Vec<Timestamp> {
        let due = world.deadlines();
        due.iter().filter(|d| d.timer.ticket() == Some(id)).map(|d| d.due).collect()
    };
    let sla = |target: &str| {
        format!(
            "fn sla(ticket) {{ #{{ first_response: \"{target}\", resolution: \"5d\", calendar: \"calendar\" }} }}\n"
        )
    };
    // Nobody is routed a ticket: the opening alone plans its clocks.
    let queue = "fn route(ticket, team) { () }\n";
    let (mut world, _rules) = World::with_changed_rules(&[("sla.rhai", &sla("8h")), ("routing.rhai", queue)]);
    let id = world.open(42, &[("category", "billing")]);
    let other = world.open(43, &[("category", "billing")]);
    let version = world.rules.version().short();
    let opened = world.history(id);
    assert!(matches!(opened[0].kind, crate::history::EntryKind::Created { .. }), "{opened:?}");
    assert_eq!(opened.len(), 1, "queued, not assigned: {opened:?}");
    assert_eq!(opened[0].rules.as_deref(), Some(version.as_str()), "the opening names its rule set");
    let planned = ticket_deadlines(&world, id);
    let other_planned = ticket_deadlines(&world, other);
    assert!(!planned.is_empty());
    // Under the same rules, the first message finds the plan current.
    world.event(&customer_says(42, 1, "Any news?"));
    assert_eq!(ticket_deadlines(&world, id), planned);
    // Under rules reloaded since the opening, the first message plans with the new targets.
    let (tighter, _tighter_rules) =
        World::with_changed_rules(&[("sla.rhai", &sla("1h")), ("routing.rhai", queue)]);
    world.rules = tighter.rules;
    world.event(&customer_says(43, 1, "Hello?"));
    let replanned = ticket_deadlines(&world, other);
    assert!(
        replanned.iter().min() < other_planned.iter().min(),
        "the first response falls due sooner: {replanned:?} vs {other_planned:?}"
    );
}

#[test]
fn an_idle_intake_ends_with_its_message_when_it_expires_not_when_the_customer_writes() {
    // What the customer's chat receives, whatever else the desk does meanwhile.
    let to_customer = |transcript: &str| -> String {
        let mut kept = String::new();
        let mut keep = false;
        for line in transcript.lines() {
            if !line.starts_with(' ') {
                keep = line.starts_with("chat 42 ");
            }
            if keep {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        kept
    };
    let mut world = World::new();
    world.event(&customer_says(42, 1, "/start"));
    world.send_all();
    // Nothing is due before the session's expiry (desk.yaml: 24h of silence).
    world.minute += 60;
    world.event(&Event::Tick);
    assert_eq!(to_customer(&world.send_all()), "");
    assert!(world.session(42).is_some());
    world.minute += 24 * 60;
    world.event(&Event::Tick);
    check(
        &to_customer(&world.send_all()),
        &expect![[r#"
        chat 42 #1004: Your unfinished request was closed after 24 hours without activity, and nothing was sent. Send /start whenever you want to begin again.
    "#]],
    );
    assert!(world.session(42).is_none(), "the session is gone");
    world.minute += 24 * 60;
    world.event(&Event::Tick);
    assert_eq!(to_customer(&world.send_all()), "", "said once");
}

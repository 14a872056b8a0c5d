//! Desk tests: events go through the real desk inside real store transactions, and a
//! stand-in dispatcher "sends" the outbox, feeding back what Telegram would report. The
//! transcript of calls is compared with snapshots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use expect_test::{Expect, expect};
use jiff::Timestamp;

use super::*;
use crate::outbox::{Delivery, Report, Target};
use crate::rules::RuleSet;
use crate::store::{FILE_NAME, Store};
use crate::ticket::{Answer, Customer, Status, TicketId};

const STAFF: i64 = -100_777;
const DANA: u64 = 111_111_111;
const STRANGER: u64 = 999;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    rules: RuleSet,
    minute: i64,
    next_thread: i32,
    next_message: i32,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join(FILE_NAME)).expect("store");
        let rules_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let (rules, diagnostics) = crate::rules::load(&rules_dir);
        let rules = rules.unwrap_or_else(|| panic!("shipped rules load: {diagnostics:?}"));
        World { _dir: dir, store, rules, minute: 0, next_thread: 10, next_message: 1000 }
    }

    fn desk(&self) -> Desk<'_> {
        let now = Timestamp::from_second(1_790_000_000 + self.minute * 60).expect("valid");
        Desk { rules: &self.rules, staff_chat: STAFF, now }
    }

    fn event(&mut self, event: &Event) {
        self.minute += 1;
        let desk = self.desk();
        self.store.write(|tx| desk.handle(tx, event)).expect("desk handles the event");
    }

    fn open(&mut self, customer: u64, answers: &[(&str, &str)]) -> TicketId {
        self.minute += 1;
        let answers: BTreeMap<String, Answer> =
            answers.iter().map(|(k, v)| ((*k).to_owned(), Answer::Text((*v).to_owned()))).collect();
        let desk = self.desk();
        let ticket = self
            .store
            .write(|tx| desk.open_ticket(tx, &customer_named(customer), "support", answers.clone()))
            .expect("open ticket");
        ticket.id
    }

    fn ticket(&self, id: TicketId) -> crate::ticket::Ticket {
        self.store.read().expect("read").ticket(id).expect("read").expect("exists")
    }

    /// Sends everything queued, as Telegram would accept it, and returns the transcript.
    fn send_all(&mut self) -> String {
        let mut transcript = String::new();
        loop {
            let page = self.store.read().expect("read").outbox(1).expect("outbox");
            let Some((seq, outgoing)) = page.into_iter().next() else { break };
            let call = Call::from_json(&outgoing.call).expect("calls decode");
            let delivery = self.pretend_telegram(&call, &mut transcript);
            self.store.write(|tx| tx.remove_outgoing(seq)).expect("remove");
            if let Some(delivery) = delivery {
                self.event(&Event::Delivered(delivery));
            }
        }
        transcript
    }

    fn pretend_telegram(&mut self, call: &Call, out: &mut String) -> Option<Delivery> {
        self.next_message += 1;
        let message_id = self.next_message;
        let place = |target: &Target| match target {
            Target::Chat { chat_id } => format!("chat {chat_id}"),
            Target::Topic { ticket } => format!("topic {ticket}"),
        };
        let buttons = |rows: &Vec<Vec<crate::outbox::Button>>| {
            let labels: Vec<String> =
                rows.iter().flatten().map(|b| format!("{} ({})", b.label, b.data)).collect();
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
                        chat_id: STAFF,
                        message_id,
                        version: *version,
                    }),
                    _ => None,
                }
            }
            Call::Copy { from_chat, message_ids, to, reply_to, report, .. } => {
                let reply = reply_to.map(|r| format!(" (reply to {r})")).unwrap_or_default();
                let _ =
                    writeln!(out, "{} #{message_id}{reply}: copy of {from_chat}/{message_ids:?}", place(to));
                let target = to.chat(STAFF);
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
            Call::CreateTopic { ticket, name, icon_color, .. } => {
                self.next_thread += 1;
                let _ = writeln!(
                    out,
                    "create topic {name:?} colour {icon_color:06x} -> thread {}",
                    self.next_thread
                );
                Some(Delivery::TopicCreated { ticket: *ticket, chat_id: STAFF, thread_id: self.next_thread })
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
        album: None,
    })
}

fn press(from: u64, thread: i32, data: &str) -> Event {
    Event::Button(ButtonPress {
        callback_id: "cb1".into(),
        from,
        from_name: format!("user{from}"),
        from_username: None,
        language: None,
        chat_id: STAFF,
        message_id: Some(1),
        thread: Some(thread),
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
            create topic "T-000001 · Billing · Customer42" colour ffd67e -> thread 11
            topic T-000001 #1002: T-000001 · new
                | Priority: high · Category: Billing
                | Customer: Customer42 (en)
                | Assignee: nobody yet
                | 
                | category: billing
                | description: Charged twice
                | priority: high
                buttons: Claim (t:1:claim), Resolve (t:1:resolve)
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
            topic T-000001 #1003: copy of 42/[5]
            chat 42 #1004: copy of -100777/[70]
            edit -100777/1002: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Unassign (t:1:unassign)
            edit -100777/1002: T-000001 · awaiting customer
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Resolve (t:1:resolve), Close (t:1:close), Unassign (t:1:unassign)
            topic T-000001 #1007: ✓ T-000001 is awaiting the customer.
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
            topic T-000001 #1009: copy of 42/[6]
            edit -100777/1002: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Unassign (t:1:unassign)
            edit -100777/1002: T-000001 · resolved
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | 
                | category: technical
                | description: App crashes
                buttons: Reopen (t:1:reopen), Close (t:1:close)
            topic T-000001 #1012: ✓ Dana resolved T-000001.
            chat 42 #1013: Your ticket T-000001 is resolved. If something is still not right, just reply here.
            AnswerButton { callback_id: "cb1", text: Some("✓ Dana resolved T-000001.") }
            topic T-000001 #1015: copy of 42/[7]
            topic T-000001 #1016: ↺ The customer wrote again, so T-000001 is open again.
            edit -100777/1002: T-000001 · open
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: Dana
                | Reopened: 1×
                | 
                | category: technical
                | description: App crashes
                buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Unassign (t:1:unassign)
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
            topic T-000001 #1003: user999 is not in team.yaml, so this message was not sent to the customer.
            AnswerButton { callback_id: "cb1", text: Some("Only members of the support team can do this.") }
            AnswerButton { callback_id: "cb1", text: Some("This button belongs to another ticket.") }
            AnswerButton { callback_id: "cb1", text: Some("This button is no longer valid.") }
        "#]],
    );
    assert_eq!(world.ticket(id).status, Status::New);
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
            topic T-000001 #1004: T-000001 · new
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: nobody yet
                | 
                | category: technical
                buttons: Claim (t:1:claim), Resolve (t:1:resolve)
            topic T-000001 #1005: ⚠ The customer blocked the bot: replies cannot reach them until they unblock it.
            edit -100777/1004: T-000001 · new
                | Priority: normal · Category: Technical problem
                | Customer: Customer42 (en)
                | Assignee: nobody yet
                | ⚠ The customer blocked the bot: replies cannot reach them.
                | 
                | category: technical
                buttons: Claim (t:1:claim), Resolve (t:1:resolve)
        "#]],
    );
    let ticket = world.ticket(id);
    assert_eq!(ticket.topic.map(|t| t.thread_id), Some(12));
    assert!(ticket.unreachable);
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

//! The desk loop's failure handling, with a handler that fails on purpose: no natural input
//! makes the desk panic, and none should be added for customers to reach. The handler
//! records each event it applies as a counter in the same transaction, so what it did is
//! what committed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::StaffChats;
use super::desk_loop::{self, DeskInput, DeskLoop, Handler, PageUpdate, TRIES};
use crate::desk::{DeskError, Event};
use crate::rules::RulesHandle;
use crate::store::{Store, StoreError};

const STAFF: i64 = -100_555;

/// A desk loop over a fresh store with `handler`; its input sender, store and stop switch.
fn start(handler: Handler) -> (mpsc::Sender<DeskInput>, Arc<Store>, watch::Sender<bool>, tempfile::TempDir) {
    start_with(handler, "")
}

/// As [`start`], with `desk_yaml` added to the shipped desk.yaml.
fn start_with(
    handler: Handler,
    desk_yaml: &str,
) -> (mpsc::Sender<DeskInput>, Arc<Store>, watch::Sender<bool>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules_dir = dir.path().join("rules");
    crate::demo::write_default_rules(&rules_dir).expect("rules");
    let desk_file = rules_dir.join("desk.yaml");
    let shipped = std::fs::read_to_string(&desk_file).expect("desk.yaml");
    std::fs::write(&desk_file, format!("{shipped}\n{desk_yaml}")).expect("desk.yaml");
    let (rules, diagnostics) = crate::rules::load(&rules_dir);
    let rules = rules.unwrap_or_else(|| panic!("the shipped rules load: {diagnostics:?}"));
    let store = Arc::new(Store::open(&dir.path().join("topicdesk.redb")).expect("store"));
    let (stop_tx, stop) = watch::channel(false);
    let (inputs_tx, inputs) = mpsc::channel(4);
    let this = DeskLoop {
        store: store.clone(),
        rules: RulesHandle::new(rules),
        staff: watch::channel(StaffChats::single(STAFF)).0,
        changed: [Arc::new(Notify::new()), Arc::new(Notify::new())],
        handler,
        stop,
        metrics: Arc::new(crate::http::Metrics::new()),
        beat: crate::http::Health::new(Duration::from_mins(1)).task("desk loop", Duration::from_mins(1)),
        inline: crate::desk::InlineMode::Off,
    };
    tokio::spawn(desk_loop::run(this, inputs));
    (inputs_tx, store, stop_tx, dir)
}

/// Applies `Reachability` events by recording their customer; panics on customer 2 and
/// fails with a damaged record on customer 4, every time; ticks fail every time.
fn failing_handler() -> Handler {
    Arc::new(|_desk, tx, event| match event {
        Event::Reachability { customer: 2, .. } => panic!("the desk trips over customer 2"),
        Event::Reachability { customer: 4, .. } => {
            Err(DeskError::from(StoreError::Corrupt("unreadable ticket record".into())))
        }
        Event::Reachability { customer, .. } => Ok(tx.set_counter(&format!("applied:{customer}"), 1)?),
        Event::Tick => Err(DeskError::from(StoreError::Corrupt("a tick's ticket is unreadable".into()))),
        _ => Ok(()),
    })
}

fn update(id: i64, customer: u64) -> PageUpdate {
    PageUpdate {
        id,
        event: Some(Event::Reachability { customer, blocked: false }),
        json: serde_json::value::to_raw_value(
            &serde_json::json!({ "update_id": id, "my_chat_member": { "from": { "id": customer } } }),
        )
        .expect("JSON"),
    }
}

async fn send_page(
    inputs: &mpsc::Sender<DeskInput>,
    updates: Vec<PageUpdate>,
) -> Result<(), oneshot::error::RecvError> {
    let (ack, done) = oneshot::channel();
    inputs.send(DeskInput::Page { updates, ack }).await.expect("the loop runs");
    tokio::time::timeout(Duration::from_secs(30), done).await.expect("answered in time")
}

/// Regression: a panic in the desk on one update dropped the page's acknowledgement, and
/// the poller, waiting for it, ended for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_keeps_failing_is_set_aside_and_the_rest_of_its_page_flows_on() {
    let (inputs, store, _stop, _dir) = start(failing_handler());
    send_page(&inputs, vec![update(10, 1), update(11, 2), update(12, 3), update(13, 4), update(14, 5)])
        .await
        .expect("the page is acknowledged");
    let read = store.read().expect("read");
    for (customer, applied) in [(1, true), (2, false), (3, true), (4, false), (5, true)] {
        let counter = read.counter(&format!("applied:{customer}")).expect("counter");
        assert_eq!(counter.is_some(), applied, "customer {customer}");
    }
    assert_eq!(read.update_offset().expect("offset"), Some(14));
    let letters = read.dead_letters().expect("letters");
    let summary: Vec<(i64, u32, &str)> =
        letters.iter().map(|l| (l.update_id, l.tries, l.what.as_str())).collect();
    assert_eq!(
        summary,
        [(11, TRIES, "my chat member from 2"), (13, TRIES, "my chat member from 4")],
        "{letters:#?}"
    );
    assert!(letters[0].error.contains("the desk panicked: the desk trips over customer 2"), "{letters:#?}");
    assert!(letters[1].error.contains("unreadable ticket record"), "{letters:#?}");
    let alerts: Vec<String> = read
        .outbox(10)
        .expect("outbox")
        .into_iter()
        .map(|(_, out)| out.expect("calls decode"))
        .filter(|out| out.chat_id == STAFF)
        .map(|out| serde_json::to_string(&out.call).expect("calls are plain data"))
        .collect();
    assert_eq!(alerts.len(), 2, "one alert in General per dead letter: {alerts:#?}");
    assert!(
        alerts[0].contains("could not apply an update (my chat member from 2) after 3 tries"),
        "{alerts:#?}"
    );

    // A page that is applied again (Telegram re-delivers after a crash) changes nothing.
    send_page(&inputs, vec![update(11, 2), update(13, 4)]).await.expect("acknowledged");
    assert_eq!(store.read().expect("read").dead_letters().expect("letters").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_that_keeps_failing_is_given_up_and_the_loop_goes_on() {
    let (inputs, store, _stop, _dir) = start(failing_handler());
    let (ack, done) = oneshot::channel();
    inputs.send(DeskInput::Tick { ack }).await.expect("the loop runs");
    let answer = tokio::time::timeout(Duration::from_secs(30), done).await.expect("answered in time");
    assert!(answer.is_err(), "a tick the desk keeps failing on is given up, not acknowledged");
    send_page(&inputs, vec![update(20, 7)]).await.expect("the next input is applied");
    assert_eq!(store.read().expect("read").counter("applied:7").expect("counter"), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asked_to_stop_while_the_desk_fails_the_loop_leaves_the_input_for_the_next_start() {
    let (inputs, store, stop, _dir) = start(failing_handler());
    stop.send(true).expect("the loop listens");
    let outcome = send_page(&inputs, vec![update(30, 2)]).await;
    assert!(outcome.is_err(), "not acknowledged: it comes again at the next start");
    let read = store.read().expect("read");
    assert!(read.dead_letters().expect("letters").is_empty());
    assert_eq!(read.update_offset().expect("offset"), None);
}

/// A task that ends while the host runs ends the host with an error and exit code 3, so
/// the service manager starts it again; the other tasks are stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_ends_unexpectedly_ends_the_host_non_zero() {
    for panics in [false, true] {
        let (stop, mut stopped) = watch::channel(false);
        let mut stopped_too = stopped.clone();
        let desk_task = tokio::spawn(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
            Ok::<(), StoreError>(())
        });
        let mut tasks = tokio::task::JoinSet::new();
        let quiet = tasks.spawn(async move {
            let _ = stopped_too.wait_for(|stop| *stop).await;
        });
        let ending = tasks.spawn(async move {
            assert!(!panics, "the poller trips");
        });
        let running = super::Running {
            desk_task,
            tasks,
            names: vec![(quiet.id(), "timer"), (ending.id(), "poller"), (quiet.id(), "dispatcher")],
            stop,
            drain_for: Duration::from_millis(10),
            watcher: None,
            data_file: std::path::PathBuf::from("topicdesk.redb"),
        };
        let error = tokio::time::timeout(Duration::from_secs(30), running.supervise(std::future::pending()))
            .await
            .expect("the host ends")
            .expect_err("a task ended");
        assert!(matches!(error, super::HostError::TaskEnded { task: "poller", .. }), "{error}");
        assert_eq!(error.exit_code(), 3);
    }
}

async fn tick(inputs: &mpsc::Sender<DeskInput>) {
    let (ack, done) = oneshot::channel();
    inputs.send(DeskInput::Tick { ack }).await.expect("the loop runs");
    let answer = tokio::time::timeout(Duration::from_mins(1), done).await.expect("answered in time");
    answer.expect("the tick is applied");
}

/// The compaction a large retention pass asks for: the desk's compaction timer falls due,
/// the desk asks (`COMPACT_ASKED`), and the loop compacts the data file between two inputs,
/// so words retention erased leave the file's bytes; the desk's audit entry records it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compaction_a_retention_pass_asks_for_removes_erased_words_from_the_file() {
    use crate::sla::{Deadline, DeskTimer, Timer};
    use crate::ticket::{Answer, Customer, Ticket, TicketId};

    const MARKER: &str = "marker-compaction-7f3a";
    let (inputs, store, _stop, dir) = start(desk_loop::desk_handler());
    let file = dir.path().join("topicdesk.redb");
    let now = jiff::Timestamp::now();
    store
        .write(|tx| {
            for n in 1..=300_u64 {
                let customer =
                    Customer { id: n, name: format!("{MARKER} {n}"), username: None, language: None };
                let answers =
                    [("description".to_owned(), Answer::Text(format!("{MARKER} {n} ").repeat(50)))].into();
                let (ticket, created) = Ticket::open(TicketId(n), customer, "support", answers, now);
                tx.save_ticket(&ticket)?;
                tx.append_history(ticket.id, &[created])?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("tickets");
    // What a content pass does: every ticket's content replaced in place.
    store
        .write(|tx| {
            for n in 1..=300 {
                tx.erase_ticket_content(TicketId(n))?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("erased");
    let holds = |bytes: &[u8]| bytes.windows(MARKER.len()).any(|window| window == MARKER.as_bytes());
    assert!(
        holds(&std::fs::read(&file).expect("the file")),
        "erased rows stay in free pages until compacted"
    );

    // The quiet hour after a large pass has come.
    let compaction = Timer::Desk(DeskTimer::Compaction);
    let due = now - jiff::SignedDuration::from_mins(1);
    store.write(|tx| tx.set_deadline(Deadline { due, timer: compaction })).expect("timer");
    tick(&inputs).await;
    // The loop compacts after acknowledging the tick; the next input waits for it.
    tick(&inputs).await;

    assert!(!holds(&std::fs::read(&file).expect("the file")), "the marker left the file's bytes");
    let read = store.read().expect("read");
    assert_eq!(read.counter(crate::desk::COMPACT_ASKED).expect("counter"), Some(0), "asked once, done");
    assert_eq!(read.deadline_of(compaction).expect("deadline"), None);
    let entries: Vec<crate::audit::AuditEntry> =
        read.audit_log().expect("audit").into_iter().map(|(_, entry)| entry).collect();
    assert!(
        entries.iter().any(|entry| entry.actor == crate::audit::Actor::Desk
            && matches!(entry.action, crate::audit::Action::Compacted { .. })),
        "{entries:?}"
    );
    let ticket = read.ticket(TicketId(1)).expect("read").expect("the ticket stays");
    assert_eq!(ticket.customer.name, crate::privacy::PLACEHOLDER);
}

/// An update set aside holds a customer's words: retention's timer is set for when
/// `content_after` has passed since it failed, so the pass removes it in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_sets_the_retention_pass_that_removes_it() {
    let retention = crate::sla::Timer::Desk(crate::sla::DeskTimer::Retention);
    let shipped = desk_loop::desk_handler();
    let handler: Handler = Arc::new(move |desk, tx, event| match event {
        Event::Reachability { customer: 2, .. } => panic!("the desk trips over customer 2"),
        _ => shipped(desk, tx, event),
    });
    let (inputs, store, _stop, _dir) = start_with(handler, "retention:\n  content_after: 10d\n");
    // The policy is noticed and a pass set at once; it finds nothing, and sets nothing more.
    tick(&inputs).await;
    tick(&inputs).await;
    assert_eq!(store.read().expect("read").deadline_of(retention).expect("deadline"), None);
    send_page(&inputs, vec![update(40, 2)]).await.expect("the page is acknowledged");
    let read = store.read().expect("read");
    let letters = read.dead_letters().expect("letters");
    assert_eq!(letters.len(), 1);
    let due = read.deadline_of(retention).expect("deadline");
    let expected = letters[0].first_failed + jiff::SignedDuration::from_hours(240);
    assert_eq!(due.map(jiff::Timestamp::as_millisecond), Some(expected.as_millisecond()));
}

//! Budget tests on a virtual clock: a simulated dispatcher drains queues and the sends
//! are checked against every window, order and pause.

use super::*;

const GROUP: i64 = -100_123;

fn message(seq: u64, chat_id: i64) -> Pending {
    Pending { seq, chat_id, queue: chat_id as u64, lane: Lane::Message }
}

fn cosmetic(seq: u64, chat_id: i64) -> Pending {
    Pending { seq, chat_id, queue: chat_id as u64, lane: Lane::Cosmetic }
}

/// Plans, "sends" everything planned (all accepted) and sleeps until the wake time.
fn drain(limits: Limits, mut pending: Vec<Pending>) -> Vec<(u64, u64, i64)> {
    let mut budget = Budget::new(limits);
    let mut now = 0;
    let mut sent = Vec::new();
    while !pending.is_empty() {
        let plan = budget.plan(&pending, now);
        for seq in &plan.send {
            let index = pending.iter().position(|p| p.seq == *seq).expect("planned from pending");
            let call = pending.remove(index);
            budget.record(&call, Outcome::Sent, now, now, 0.5);
            sent.push((call.seq, now, call.chat_id));
        }
        if pending.is_empty() {
            break;
        }
        let wake = plan.wake_at.expect("something is left, so a wake time");
        assert!(wake >= now, "never wakes in the past");
        // Each round trip takes a millisecond.
        now = wake.max(now + 1);
        assert!(now < 10_000_000, "drains in bounded time");
    }
    sent
}

/// The most sends in any window of `window` ms that match `chat`.
fn max_in_window(sent: &[(u64, u64, i64)], window: u64, chat: impl Fn(i64) -> bool) -> usize {
    let times: Vec<u64> = sent.iter().filter(|s| chat(s.2)).map(|s| s.1).collect();
    times
        .iter()
        .map(|&start| times.iter().filter(|&&t| t >= start && t < start + window).count())
        .max()
        .unwrap_or(0)
}

#[test]
fn each_chat_keeps_its_order() {
    let pending = vec![message(1, 5), message(2, 6), message(3, 5), message(4, 6), message(5, 5)];
    let sent = drain(Limits::TELEGRAM, pending);
    let order_of = |chat| sent.iter().filter(|s| s.2 == chat).map(|s| s.0).collect::<Vec<_>>();
    assert_eq!(order_of(5), [1, 3, 5]);
    assert_eq!(order_of(6), [2, 4]);
}

#[test]
fn the_group_budget_holds_and_the_minimum_time_is_reached() {
    let pending: Vec<Pending> = (1..=50).map(|seq| message(seq, GROUP)).collect();
    let sent = drain(Limits::TELEGRAM, pending);
    assert_eq!(sent.len(), 50);
    assert!(max_in_window(&sent, 60_000, |c| c == GROUP) <= 20);
    // 50 messages at 20 a minute: the last can go out no earlier than 2 minutes in.
    let last = sent.last().expect("sent").1;
    assert!((120_000..121_000).contains(&last), "last send at {last} ms");
}

#[test]
fn private_chats_get_one_a_second_and_everything_thirty_a_second() {
    let pending: Vec<Pending> = (0..200).map(|n| message(n, 1_000 + (n % 50) as i64)).collect();
    let sent = drain(Limits::TELEGRAM, pending);
    assert_eq!(sent.len(), 200);
    assert!(max_in_window(&sent, 1_000, |_| true) <= 30);
    for chat in 1_000..1_050 {
        assert!(max_in_window(&sent, 1_000, |c| c == chat) <= 1, "chat {chat}");
    }
}

#[test]
fn scaled_windows_keep_the_same_shape() {
    let limits = Limits { window_scale: 0.01, ..Limits::TELEGRAM };
    let pending: Vec<Pending> = (1..=50).map(|seq| message(seq, GROUP)).collect();
    let sent = drain(limits, pending);
    assert!(max_in_window(&sent, 600, |c| c == GROUP) <= 20);
    let last = sent.last().expect("sent").1;
    assert!((1_200..1_300).contains(&last), "last send at {last} ms");
}

#[test]
fn messages_overtake_cosmetic_calls_but_never_the_reverse() {
    // A card edit queued before two customer messages in the same group.
    let pending = vec![message(1, GROUP), cosmetic(2, GROUP), message(3, GROUP), message(4, GROUP)];
    let limits = Limits { group_per_minute: 3, ..Limits::TELEGRAM };
    let sent: Vec<u64> = drain(limits, pending).iter().map(|s| s.0).collect();
    assert_eq!(sent, [1, 3, 4, 2]);
    // A cosmetic call waits for the chat's queued messages, and goes once they are out.
    let mut budget = Budget::new(Limits::TELEGRAM);
    assert_eq!(budget.plan(&[cosmetic(1, GROUP), message(2, GROUP)], 0).send, [2]);
    assert_eq!(budget.plan(&[cosmetic(1, GROUP)], 1).send, [1]);
}

#[test]
fn retry_after_blocks_the_chat_only() {
    let mut budget = Budget::new(Limits::TELEGRAM);
    budget.record(&message(0, 5), Outcome::RetryAfter { millis: 3_000 }, 0, 0, 0.0);
    let plan = budget.plan(&[message(1, 5), message(2, 6)], 10);
    assert_eq!(plan.send, [2]);
    assert_eq!(plan.wake_at, Some(3_000));
    assert_eq!(budget.plan(&[message(1, 5)], 3_000).send, [1]);
}

#[test]
fn transient_failures_back_off_exponentially_with_jitter() {
    let mut budget = Budget::new(Limits::TELEGRAM);
    let mut blocked = Vec::new();
    for _ in 0..9 {
        budget.record(&message(1, 5), Outcome::Transient, 0, 0, 1.0);
        blocked.push(budget.plan(&[message(1, 5)], 0).wake_at.expect("blocked"));
    }
    assert_eq!(blocked, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    let mut low = Budget::new(Limits::TELEGRAM);
    low.record(&message(1, 5), Outcome::Transient, 0, 0, 0.0);
    assert_eq!(low.plan(&[message(1, 5)], 0).wake_at, Some(250));
    // Success resets the ladder.
    budget.record(&message(1, 5), Outcome::Sent, 100_000, 100_000, 0.0);
    budget.record(&message(1, 5), Outcome::Transient, 100_000, 100_000, 1.0);
    assert_eq!(budget.plan(&[message(1, 5)], 100_000).wake_at, Some(100_500));
}

#[test]
fn a_global_pause_stops_everything() {
    let mut budget = Budget::new(Limits::TELEGRAM);
    budget.pause_all(5_000, 0);
    assert_eq!(budget.plan(&[message(1, 5)], 1), Plan { send: vec![], wake_at: Some(5_000) });
    assert_eq!(budget.plan(&[message(1, 5)], 5_000).send, [1]);
}

#[test]
fn unlimited_sends_every_head_at_once() {
    let limits = Limits { unlimited: true, ..Limits::TELEGRAM };
    let mut budget = Budget::new(limits);
    let pending: Vec<Pending> = (0..100).map(|n| message(n, GROUP - n as i64)).collect();
    assert_eq!(budget.plan(&pending, 0).send.len(), 100);
}

#[test]
fn queues_inside_one_chat_go_in_parallel_and_share_its_budget() {
    // Two topics of the staff chat: each keeps its order, both spend the group budget.
    let topic = |seq, queue| Pending { seq, chat_id: GROUP, queue, lane: Lane::Message };
    let mut budget = Budget::new(Limits::TELEGRAM);
    assert_eq!(budget.plan(&[topic(1, 7), topic(2, 7), topic(3, 8)], 0).send, [1, 3]);
    let sent = drain(Limits::TELEGRAM, (1..=30).map(|seq| topic(seq, seq % 3)).collect());
    assert!(max_in_window(&sent, 60_000, |c| c == GROUP) <= 20);
}

#[test]
fn answering_a_press_spends_no_budget() {
    let mut budget = Budget::new(Limits { overall_per_second: 1, ..Limits::TELEGRAM });
    let answers: Vec<Pending> =
        (0..5).map(|seq| Pending { seq, chat_id: 0, queue: 1_000 + seq, lane: Lane::Message }).collect();
    assert_eq!(budget.plan(&answers, 0).send.len(), 5);
    assert_eq!(budget.plan(&[message(9, 5)], 0).send, [9]);
}

/// Regression: a send counted from its plan let the next one reach the fake Bot API inside
/// its window whenever the first round trip was slower than the second (429s in the
/// end-to-end tests with scaled windows).
#[test]
fn a_send_counts_in_its_window_from_its_answer() {
    let mut budget = Budget::new(Limits::TELEGRAM);
    assert_eq!(budget.plan(&[message(1, 5)], 0).send, [1]);
    budget.record(&message(1, 5), Outcome::Sent, 0, 300, 0.5);
    let plan = budget.plan(&[message(2, 5)], 1_000);
    assert_eq!((plan.send.len(), plan.wake_at), (0, Some(1_300)), "one a second from the answer");
    assert_eq!(budget.plan(&[message(2, 5)], 1_300).send, [2]);
}

/// Regression: ten calls that failed side by side in one round climbed ten steps of the
/// backoff ladder and froze the staff chat for a minute after one bad moment.
#[test]
fn calls_that_fail_together_count_as_one_failure() {
    let topic = |seq, queue| Pending { seq, chat_id: GROUP, queue, lane: Lane::Message };
    let mut budget = Budget::new(Limits::TELEGRAM);
    // A retried call answered after a newer one of its queue had already failed.
    budget.record(&topic(1, 7), Outcome::Transient, 0, 10_000, 1.0);
    budget.record(&topic(1, 7), Outcome::Transient, 0, 10_100, 1.0);
    assert_eq!(budget.plan(&[topic(1, 7)], 10_100).wake_at, Some(10_600), "one step of backoff");
    budget.record(&topic(1, 7), Outcome::Transient, 10_600, 10_700, 1.0);
    assert_eq!(budget.plan(&[topic(1, 7)], 10_700).wake_at, Some(11_700), "a retry that fails again climbs");
}

/// Regression: one 5xx on one topic's call held every other queue of the staff chat (and,
/// with the dispatcher waiting on whole rounds, every chat) until the backoff ended.
#[test]
fn a_failing_queue_backs_off_alone() {
    let topic = |seq, queue| Pending { seq, chat_id: GROUP, queue, lane: Lane::Message };
    let mut budget = Budget::new(Limits::TELEGRAM);
    for round in 0..5 {
        let at = round * 10;
        budget.record(&topic(1, 7), Outcome::Transient, at, at + 1, 1.0);
    }
    let plan = budget.plan(&[topic(1, 7), topic(2, 8), message(3, 5)], 50);
    assert_eq!(plan.send, [2, 3], "the other topic and the private chat go at once");
    assert_eq!(plan.wake_at, Some(41 + 8_000), "the failing topic waits out its backoff");
    budget.record(&topic(1, 7), Outcome::Sent, 8_041, 8_042, 1.0);
    assert_eq!(budget.plan(&[topic(4, 7)], 8_042).send, [4], "success resets the queue");
}

/// After an outage each queue has climbed its own ladder; the first call Telegram accepts
/// in a chat lets the chat's other queues retry within one first step.
#[test]
fn a_success_in_a_chat_cuts_its_other_queues_backoff_short() {
    let topic = |seq, queue| Pending { seq, chat_id: GROUP, queue, lane: Lane::Message };
    let mut budget = Budget::new(Limits::TELEGRAM);
    for step in 0..6 {
        budget.record(&topic(1, 7), Outcome::Transient, step * 100, step * 100 + 1, 1.0);
        budget.record(&message(2, 5), Outcome::Transient, step * 100, step * 100 + 1, 1.0);
    }
    budget.record(&topic(3, 8), Outcome::Sent, 1_000, 1_001, 1.0);
    let plan = budget.plan(&[topic(4, 7), message(5, 5)], 1_001);
    assert_eq!(plan.wake_at, Some(1_501), "the group's queue retries soon; the private chat still waits");
    assert_eq!(budget.plan(&[topic(4, 7), message(5, 5)], 1_501).send, [4]);
}

/// Regression: with sends going side by side, a call still in flight when its window ended
/// stopped counting, and the next one reached the fake Bot API inside Telegram's window
/// (429s on topic creation while fifty intakes ran at once).
#[test]
fn a_send_in_flight_counts_until_it_is_answered() {
    let mut budget = Budget::new(Limits { private_per_second: 1, ..Limits::TELEGRAM });
    assert_eq!(budget.plan(&[message(1, 5)], 0).send, [1]);
    let plan = budget.plan(&[message(2, 5)], 5_000);
    assert_eq!(plan, Plan { send: vec![], wake_at: None }, "full while the first is in flight");
    budget.record(&message(1, 5), Outcome::Sent, 0, 5_000, 0.5);
    assert_eq!(budget.plan(&[message(2, 5)], 5_000).wake_at, Some(6_000));
}

#[test]
fn room_is_what_the_windows_leave_now() {
    let mut budget = Budget::new(Limits { group_per_minute: 3, ..Limits::TELEGRAM });
    assert_eq!(budget.room(GROUP, 0), 3);
    assert_eq!(budget.plan(&[message(1, GROUP), message(2, 5)], 0).send, [1, 2]);
    assert_eq!(budget.room(GROUP, 0), 2, "a send in flight takes room");
    budget.record(&message(1, GROUP), Outcome::Sent, 0, 10, 0.5);
    assert_eq!(budget.room(GROUP, 10), 2);
    assert_eq!(budget.room(GROUP, 60_010), 3, "the window moved on");
    budget.record(&message(3, GROUP), Outcome::RetryAfter { millis: 1_000 }, 60_010, 60_010, 0.5);
    assert_eq!(budget.room(GROUP, 60_500), 0, "paused by a 429");
    let mut unlimited = Budget::new(Limits { unlimited: true, ..Limits::TELEGRAM });
    assert_eq!(unlimited.room(GROUP, 0), usize::MAX);
}

/// A queue refused for a right (the bot demoted, or removed from the group) waits on a
/// ladder from 1 s that the chat's other successes do not cut short, and a refused cosmetic
/// call holds no message of its queue.
#[test]
fn a_refused_right_waits_on_its_own_ladder_and_holds_no_message() {
    let topic = |seq, queue, lane| Pending { seq, chat_id: GROUP, queue, lane };
    let mut budget = Budget::new(Limits::TELEGRAM);
    budget.record(&topic(1, 7, Lane::Message), Outcome::Refused, 0, 1, 1.0);
    assert_eq!(budget.plan(&[topic(1, 7, Lane::Message)], 1).wake_at, Some(1_001), "a second first");
    budget.record(&topic(1, 7, Lane::Message), Outcome::Refused, 1_001, 1_002, 1.0);
    assert_eq!(budget.plan(&[topic(1, 7, Lane::Message)], 1_002).wake_at, Some(3_002), "then two");
    budget.record(&topic(2, 8, Lane::Message), Outcome::Sent, 1_100, 1_101, 1.0);
    assert_eq!(budget.plan(&[topic(1, 7, Lane::Message)], 1_200).send, [0_u64; 0], "not cut short");
    assert_eq!(budget.plan(&[topic(1, 7, Lane::Message)], 3_002).send, [1]);

    let mut budget = Budget::new(Limits::TELEGRAM);
    budget.record(&topic(1, 7, Lane::Cosmetic), Outcome::Refused, 0, 1, 1.0);
    let plan = budget.plan(&[topic(1, 7, Lane::Cosmetic), topic(2, 7, Lane::Message)], 2);
    assert_eq!(plan.send, [2], "the message goes past the refused cosmetic call");
}

/// A refused token stops everything, on a ladder, until a call is accepted again.
#[test]
fn a_refused_token_pauses_every_chat_until_one_call_passes() {
    let mut budget = Budget::new(Limits::TELEGRAM);
    budget.record(&message(1, 5), Outcome::Unauthorized, 0, 1, 1.0);
    budget.record(&message(2, 6), Outcome::Unauthorized, 0, 1, 1.0);
    assert!(budget.unauthorized());
    let plan = budget.plan(&[message(1, 5), message(2, 6), message(3, GROUP)], 2);
    assert_eq!((plan.send.len(), plan.wake_at), (0, Some(501)), "one step for calls that failed together");
    budget.record(&message(1, 5), Outcome::Unauthorized, 501, 502, 1.0);
    assert_eq!(budget.plan(&[message(1, 5)], 600).wake_at, Some(1_502), "the ladder climbs");
    budget.record(&message(1, 5), Outcome::Sent, 1_502, 1_503, 1.0);
    assert!(!budget.unauthorized());
    assert_eq!(budget.plan(&[message(2, 6), message(3, GROUP)], 1_503).send, [2, 3]);
}

//! Budgets on: the fake enforces Telegram's limits with 429s, the host's dispatcher keeps
//! them, both with every window shrunk by the same factor. Fifty customers each send ten
//! messages at once; none may be refused with a 429 and every one must reach its topic.
//! While the group's budget is short, consecutive texts of one customer go out as one
//! message, so fewer posts reach the fake than messages were sent. The test prints the
//! time taken against the least time the group budget allows.

use std::time::{Duration, Instant};

use super::harness::{Desk, Setup, bot_posts, topic_of};

/// Every window 1/400 as long: the staff group's "20 a minute" becomes 20 per 150 ms.
const SCALE: f64 = 0.0025;
const CUSTOMERS: usize = 50;
const MESSAGES: usize = 10;
/// Telegram's limit for one group, which every topic of the staff chat shares.
const GROUP_PER_WINDOW: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_customers_sending_ten_messages_at_once_meet_no_429_and_all_arrive() {
    let desk = Desk::start(Setup { customers: CUSTOMERS, budget_scale: Some(SCALE) }).await;
    let intake = Instant::now();
    desk.open_all_tickets().await;
    let intake = intake.elapsed();

    let burst = Instant::now();
    for n in 0..MESSAGES {
        for customer in &desk.customers {
            customer.send_numbered(&desk.fake, n..n + 1);
        }
    }
    desk.wait_counted(MESSAGES, 0).await;
    let took = burst.elapsed();

    desk.assert_no_429();
    desk.assert_counted_once_in_order(MESSAGES, 0);
    let posts_with_texts: usize = desk.fake.inspect(|world| {
        let customers = desk.customers.iter();
        customers
            .filter_map(|c| topic_of(world, c).map(|thread| (c, thread)))
            .map(|(c, thread)| {
                let prefix = format!("{} #", c.name);
                let posts = bot_posts(world, thread).into_iter().filter_map(|m| m.text.as_deref());
                posts.filter(|text| text.lines().any(|line| line.starts_with(&prefix))).count()
            })
            .sum()
    });
    // 500 copies into one group at 20 per window: the first 20 go at once, the last 20 no
    // sooner than 24 windows later.
    let window = Duration::from_mins(1).mul_f64(SCALE);
    let posts = CUSTOMERS * MESSAGES;
    assert!(posts_with_texts < posts, "{posts_with_texts} posts for {posts} messages: nothing was coalesced");
    let minimum = window * (posts.div_ceil(GROUP_PER_WINDOW) - 1) as u32;
    println!(
        "e2e budgets: {CUSTOMERS} intakes in {intake:.2?}; {posts} messages delivered in {took:.2?} as \
         {posts_with_texts} posts; one post each would need at least {minimum:.2?} at the group budget \
         (24 windows of {window:.0?}), {:.2}× that",
        took.as_secs_f64() / minimum.as_secs_f64()
    );
    desk.finish().await;
}

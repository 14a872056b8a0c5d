//! The knowledge base end to end: `/kb` in a ticket's topic sends an article to the
//! customer as plain text, and the support form's articles either solve the question (no
//! ticket; the store keeps it) or the form goes on to a ticket.

use topicdesk::fakegram::Draft;

use super::harness::{
    DANA, Desk, STAFF, Setup, answer, bot_posts, button, describe_problem, from_bot, has_text, open_ticket,
    press, topic_of,
};

const REFUNDS: &str = "Refunds\nhttps://help.example.com/billing/refunds";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_in_a_topic_sends_the_article_to_the_customer_as_plain_text() {
    let desk = Desk::start(Setup { customers: 1, budget_scale: None }).await;
    let ann = desk.customers[0].clone();
    let thread = open_ticket(&desk.fake, &ann).await;
    desk.wait("the articles suggested under the card", |world| {
        bot_posts(world, thread)
            .iter()
            .any(|m| has_text(m, "Articles that may answer this") && has_text(m, "Export your data"))
    })
    .await;

    desk.fake
        .send_as(DANA, STAFF, Draft::text("/kb refund money back").in_topic(thread))
        .expect("Dana can write");
    let what = "the search's results with a button per article";
    let found = desk
        .fake
        .wait_for(super::harness::PATIENCE, |world| {
            bot_posts(world, thread)
                .into_iter()
                .filter(|m| has_text(m, "Articles for"))
                .find_map(|m| button(m, "Send 1. Refunds"))
        })
        .await;
    let (message_id, data) = found.unwrap_or_else(|_| panic!("waited for {what}"));
    desk.fake.press_button(DANA, STAFF, message_id, &data).expect("Dana can press");

    desk.wait("the article in Ann's chat", |world| {
        from_bot(world, ann.chat()).iter().any(|m| m.text.as_deref() == Some(REFUNDS))
    })
    .await;
    desk.wait("the topic saying who sent what", |world| {
        bot_posts(world, thread).iter().any(|m| has_text(m, "✓ Dana sent the article “Refunds”"))
    })
    .await;
    let plain = desk.fake.inspect(|world| {
        from_bot(world, ann.chat())
            .into_iter()
            .filter(|m| m.text.as_deref() == Some(REFUNDS))
            .all(|m| m.entities.is_empty())
    });
    assert!(plain, "the article reaches the customer as plain text");
    desk.wait_store("the article in the ticket's history as Dana's reply", |read| {
        let ticket =
            read.tickets_of_customer(ann.id).expect("tickets").into_iter().next().expect("Ann's ticket");
        read.history(ticket).expect("history").iter().any(|entry| {
            matches!(&entry.kind, topicdesk::history::EntryKind::AgentReply { text } if text == REFUNDS)
        })
    })
    .await;
    desk.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_solves_one_customers_question_and_the_other_still_gets_a_ticket() {
    let desk = Desk::start(Setup { customers: 2, budget_scale: None }).await;
    let (ann, boris) = (desk.customers[0].clone(), desk.customers[1].clone());

    describe_problem(&desk.fake, &ann, "I forgot my password and the reset link expired").await;
    press(&desk.fake, &ann, "📖 Reset your password").await;
    desk.wait("the article in Ann's chat", |world| {
        from_bot(world, ann.chat())
            .iter()
            .any(|m| has_text(m, "press **Forgot password?**") && m.entities.is_empty())
    })
    .await;
    press(&desk.fake, &ann, "✅ That solved it").await;
    desk.wait("the goodbye", |world| {
        from_bot(world, ann.chat()).iter().any(|m| has_text(m, "No request was opened"))
    })
    .await;
    desk.wait_store("the question kept for the support lead", |read| {
        let kept = read.deflections().expect("deflections");
        kept.len() == 1
            && kept[0].article == "reset-password"
            && kept[0].question == "I forgot my password and the reset link expired"
    })
    .await;

    describe_problem(&desk.fake, &boris, "The dashboard is very slow since this morning").await;
    press(&desk.fake, &boris, "📖 The dashboard is slow or does not load").await;
    // The prompt after the article offers the buttons anew; the one before goes stale.
    desk.wait("the question whether it helped", |world| {
        from_bot(world, boris.chat()).iter().any(|m| has_text(m, "solve it?"))
    })
    .await;
    press(&desk.fake, &boris, "I still need help").await;
    answer(&desk.fake, &boris, "A screenshot helps", "/skip").await;
    press(&desk.fake, &boris, "Submit").await;
    desk.wait("Boris's ticket", |world| topic_of(world, &boris).is_some()).await;

    let ann_has_ticket = desk.fake.inspect(|world| topic_of(world, &ann).is_some());
    assert!(!ann_has_ticket, "a solved question opens no ticket");
    desk.wait_store("still one question kept: Boris's went on to a ticket", |read| {
        read.deflections().expect("deflections").len() == 1
    })
    .await;
    desk.finish().await;
}

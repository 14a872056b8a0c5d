//! Inline mode: `getMe` says whether it is on; a person's query reaches the bot, the bot's
//! answer is checked as Telegram checks it, and a picked result lands where the person typed,
//! as their message `via_bot` (with `chosen_inline_result` when feedback is on).

use serde_json::json;
use teloxide::payloads::AnswerInlineQuerySetters;
use teloxide::prelude::*;
use teloxide::types::{
    InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText, UpdateKind,
};

use super::{ELI, STAFF, assert_clean, last_description, poll, raw_json, start, start_with};
use crate::fakegram::{Draft, FakeConfig, InlineMode, RateBudgets};

fn article(id: &str, text: &str) -> InlineQueryResult {
    let content = InputMessageContent::Text(InputMessageContentText::new(text));
    InlineQueryResult::Article(InlineQueryResultArticle::new(id, format!("Title {id}"), content))
}

#[tokio::test]
async fn with_inline_mode_off_no_query_can_be_typed() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    assert!(!bot.get_me().await?.supports_inline_queries);
    assert!(fake.type_inline_query(ELI, STAFF, None, "refund").is_err());
    fake.set_inline_mode(InlineMode::On);
    assert!(bot.get_me().await?.supports_inline_queries);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_query_is_answered_and_a_picked_result_is_posted_via_the_bot() -> anyhow::Result<()> {
    let config = FakeConfig {
        rate_budgets: RateBudgets::off(),
        inline: InlineMode::WithFeedback,
        ..FakeConfig::default()
    };
    let (fake, bot) = start_with(config).await;
    let topic = bot.create_forum_topic(ChatId(STAFF), "T-000001").await?;
    let thread = topic.thread_id.0.0;
    poll(&bot).await;
    let query_id = fake.type_inline_query(ELI, STAFF, Some(thread), "T-000001 refund")?;
    let updates = poll(&bot).await;
    let UpdateKind::InlineQuery(query) = &updates[0].kind else { panic!("an inline query: {updates:?}") };
    assert_eq!(
        (query.id.0.as_str(), query.query.as_str(), query.from.id.0),
        (query_id.as_str(), "T-000001 refund", ELI)
    );

    // What Telegram refuses.
    let refused = bot.answer_inline_query(query.id.clone(), [article("a", "x"), article("a", "y")]).await;
    assert!(refused.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: RESULT_ID_DUPLICATE"));
    let long = "x".repeat(4097);
    assert!(bot.answer_inline_query(query.id.clone(), [article("a", &long)]).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: MESSAGE_TOO_LONG"));
    let photo = json!({ "inline_query_id": query_id, "results": [{
        "type": "photo", "id": "p", "photo_url": "https://example.com/p.jpg", "thumbnail_url": "https://example.com/t.jpg",
    }] });
    assert_eq!(raw_json(&fake, "answerInlineQuery", &photo).await.0, 400);
    let unknown = json!({ "inline_query_id": query_id, "results": [], "switch_pm_text": "old" });
    assert_eq!(raw_json(&fake, "answerInlineQuery", &unknown).await.0, 400, "parameters the spec lacks");

    bot.answer_inline_query(query.id.clone(), [article("1:refund", "Your refund is on its way.")])
        .cache_time(5)
        .is_personal(true)
        .await?;
    let again = bot.answer_inline_query(query.id.clone(), [article("b", "y")]).await;
    assert!(again.is_err(), "a query is answered once");
    let answer = fake.inspect(|world| world.inline_answers()[0].clone());
    assert_eq!(
        (answer.texts(), answer.cache_time, answer.is_personal),
        (vec!["Your refund is on its way."], Some(5), true)
    );

    let message_id = fake.pick_inline_result(&query_id, 0)?;
    assert!(fake.pick_inline_result(&query_id, 1).is_err(), "there is one result");
    let updates = poll(&bot).await;
    let UpdateKind::Message(message) = &updates[0].kind else { panic!("a message: {updates:?}") };
    assert_eq!(message.id.0, message_id);
    assert_eq!(message.via_bot.as_ref().map(|bot| bot.id.0), Some(123_456_789));
    assert_eq!(message.from.as_ref().map(|from| from.id.0), Some(ELI));
    assert_eq!(message.thread_id.map(|t| t.0.0), Some(thread));
    assert_eq!(message.text(), Some("Your refund is on its way."));
    let UpdateKind::ChosenInlineResult(chosen) = &updates[1].kind else { panic!("feedback: {updates:?}") };
    assert_eq!((chosen.result_id.as_str(), chosen.from.id.0), ("1:refund", ELI));
    // An answer's messages are people's: the bot's own copies of them carry no `via_bot`.
    fake.send_as(ELI, STAFF, Draft::text("plain").in_topic(thread))?;
    let updates = poll(&bot).await;
    let UpdateKind::Message(plain) = &updates[0].kind else { panic!("a message") };
    assert!(plain.via_bot.is_none());
    assert_clean(&fake);
    Ok(())
}

//! Strictness: token and path checks, unknown methods and parameters, missing and mistyped ones,
//! nested objects checked field by field, methods known but not simulated, every request encoding,
//! text and caption limits after entity parsing, and markup that does not parse.

use serde_json::{Value, json};
use teloxide::payloads::{SendMessageSetters, SendPhotoSetters};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageEntityKind, ParseMode};
use teloxide::{ApiError, RequestError};

use super::{ANN, assert_clean, bot_for, last_description, raw, raw_json, raw_path, start};
use crate::fakegram::{Draft, methods, spec};

#[track_caller]
fn check_refusal(answer: &(u16, Value), status: u16, description: &str) {
    let expected = json!({ "ok": false, "error_code": status, "description": description });
    assert_eq!((answer.0, &answer.1), (status, &expected));
}

#[test]
fn every_simulated_method_is_in_the_spec() {
    assert_eq!(crate::fakegram::spec_version(), "Bot API 10.1");
    for name in methods::simulated() {
        let method = spec::spec().method(&name.to_uppercase()).expect("in the spec");
        assert_eq!(method.name, name);
    }
    assert_eq!(methods::simulated().count(), 40);
}

#[test]
fn answers_are_checked_against_the_spec_too() {
    let send_message = spec::spec().method("sendMessage").expect("in the spec");
    let mut message = json!({ "message_id": 1, "date": 0, "chat": { "id": 1, "type": "private" } });
    assert_eq!(spec::spec().check_result(send_message, &message), Ok(()));
    message["colour"] = json!("red");
    let problem = spec::spec().check_result(send_message, &message).expect_err("unknown field");
    assert_eq!(
        problem,
        "sendMessage returned a value the spec does not allow: unknown field \"colour\" in Message"
    );
    message = json!({ "message_id": 1, "date": 0, "chat": { "id": 1 } });
    let problem = spec::spec().check_result(send_message, &message).expect_err("missing field");
    assert!(problem.ends_with("Message.chat: field \"type\" of Chat is required"), "{problem}");
}

#[tokio::test]
async fn tokens_paths_and_method_names_are_checked() -> anyhow::Result<()> {
    let (fake, _) = start().await;
    check_refusal(
        &raw_path(&fake, "/botWRONG:token/getMe", "application/json", "").await,
        401,
        "Unauthorized",
    );
    check_refusal(&raw_path(&fake, "/favicon.ico", "application/json", "").await, 404, "Not Found");
    check_refusal(&raw(&fake, "sendMesage", "application/json", "{}").await, 404, "Not Found");
    let wrong_token = Bot::new("1:nope").set_api_url(fake.api_url().parse()?);
    assert!(matches!(wrong_token.get_me().await, Err(RequestError::Api(ApiError::InvalidToken))));
    let (status, body) = raw(&fake, "GETME", "application/json", "").await;
    assert_eq!((status, body["result"]["is_bot"].as_bool()), (200, Some(true)));
    assert_eq!(
        fake.inspect(|world| world.calls().last().map(|call| call.method.clone())).as_deref(),
        Some("getMe")
    );
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn parameters_are_held_to_the_spec() -> anyhow::Result<()> {
    let (fake, _) = start().await;
    let missing = raw_json(&fake, "sendMessage", &json!({ "chat_id": ANN })).await;
    check_refusal(&missing, 400, "Bad Request: parameter \"text\" is required");
    let unknown =
        raw_json(&fake, "sendMessage", &json!({ "chat_id": ANN, "text": "hi", "reply_to_message_id": 1 }))
            .await;
    check_refusal(
        &unknown,
        400,
        "Bad Request: parameter \"reply_to_message_id\" is unknown to sendMessage (the fake is strict)",
    );
    let mistyped = raw_json(&fake, "sendMessage", &json!({ "chat_id": true, "text": "hi" })).await;
    check_refusal(
        &mistyped,
        400,
        "Bad Request: can't parse parameter \"chat_id\": expected Integer or String, found true",
    );
    let button = json!({ "text": "Yes", "callback_dta": "yes" });
    let nested = raw_json(
        &fake,
        "sendMessage",
        &json!({ "chat_id": ANN, "text": "?", "reply_markup": { "inline_keyboard": [[button]] } }),
    )
    .await;
    assert_eq!(nested.0, 400);
    let description = nested.1["description"].as_str().unwrap_or_default();
    assert!(description.contains("unknown field \"callback_dta\" in InlineKeyboardButton"), "{description}");
    let not_simulated = raw_json(&fake, "getMyName", &json!({})).await;
    check_refusal(
        &not_simulated,
        400,
        "Bad Request: method getMyName is in the Bot API but not simulated by the fake",
    );
    let no_action = raw_json(
        &fake,
        "sendMessage",
        &json!({ "chat_id": ANN, "text": "?", "reply_markup": { "inline_keyboard": [[{ "text": "Yes" }]] } }),
    )
    .await;
    check_refusal(
        &no_action,
        400,
        "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used",
    );
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn json_form_query_and_multipart_bodies_are_all_understood() -> anyhow::Result<()> {
    let (fake, _) = start().await;
    let form = raw(
        &fake,
        "sendMessage",
        "application/x-www-form-urlencoded",
        &format!("chat_id={ANN}&text=by+form&disable_notification=true"),
    )
    .await;
    assert_eq!((form.0, form.1["result"]["text"].as_str()), (200, Some("by form")));
    let query = raw(&fake, &format!("sendMessage?chat_id={ANN}&text=by%20query"), "text/plain", "").await;
    assert_eq!((query.0, query.1["result"]["text"].as_str()), (200, Some("by query")));
    let keyboard = r#"{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}"#;
    let body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n{ANN}\r\n--b0undary\r\n\
         Content-Disposition: form-data; name=\"text\"\r\n\r\nby multipart\r\n--b0undary\r\n\
         Content-Disposition: form-data; name=\"reply_markup\"\r\n\r\n{keyboard}\r\n--b0undary--\r\n"
    );
    let multipart = raw(&fake, "sendMessage", "multipart/form-data; boundary=b0undary", &body).await;
    assert_eq!(multipart.0, 200, "{}", multipart.1);
    assert_eq!(multipart.1["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"], "go");
    let broken = raw(&fake, "sendMessage", "application/json", "{not json").await;
    assert_eq!(broken.0, 400);
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn texts_and_captions_are_limited_after_entity_parsing() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let chat = ChatId(ANN as i64);
    bot.send_message(chat, "a".repeat(4096)).await?;
    let long = bot.send_message(chat, "a".repeat(4097)).await;
    assert!(matches!(long, Err(RequestError::Api(ApiError::MessageIsTooLong))), "{long:?}");
    // Markup does not count: 4096 characters inside <b> are fine.
    bot.send_message(chat, format!("<b>{}</b>", "a".repeat(4096))).parse_mode(ParseMode::Html).await?;
    let empty = bot.send_message(chat, "").await;
    assert!(matches!(empty, Err(RequestError::Api(ApiError::MessageTextIsEmpty))), "{empty:?}");
    let photo = fake.user_sends(ANN, Draft::photo())?;
    let file_id = fake.inspect(|world| {
        world.message(ANN as i64, photo).and_then(|m| m.content.file_id().map(str::to_owned))
    });
    let file_id = file_id.expect("a photo has a file id");
    assert!(
        bot.send_photo(chat, InputFile::file_id(file_id.into())).caption("c".repeat(1025)).await.is_err()
    );
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: message caption is too long"));
    let data = "d".repeat(65);
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Too much", data)]]);
    assert!(bot.send_message(chat, "?").reply_markup(keyboard).await.is_err());
    assert_eq!(last_description(&fake).as_deref(), Some("Bad Request: BUTTON_DATA_INVALID"));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn markup_must_parse_and_becomes_entities() -> anyhow::Result<()> {
    let (fake, bot) = start().await;
    let chat = ChatId(ANN as i64);
    let html = bot
        .send_message(chat, "<b>Ticket</b> #12 &amp; <a href=\"https://x.example\">link</a>")
        .parse_mode(ParseMode::Html)
        .await?;
    assert_eq!(html.text(), Some("Ticket #12 & link"));
    let kinds: Vec<_> = html
        .entities()
        .unwrap_or_default()
        .iter()
        .map(|entity| (entity.kind.clone(), entity.offset, entity.length))
        .collect();
    assert_eq!(kinds[0], (MessageEntityKind::Bold, 0, 6));
    assert!(
        matches!(&kinds[1], (MessageEntityKind::TextLink { url }, 13, 4) if url.as_str() == "https://x.example/")
    );
    let markdown =
        bot.send_message(chat, "*Ticket* \\#12 _is_ __open__\\.").parse_mode(ParseMode::MarkdownV2).await?;
    assert_eq!(markdown.text(), Some("Ticket #12 is open."));
    assert_eq!(markdown.entities().map(<[_]>::len), Some(3));
    let emoji = bot.send_message(chat, "😀 *ok*").parse_mode(ParseMode::MarkdownV2).await?;
    assert_eq!(emoji.entities().and_then(|entities| entities.first()).map(|entity| entity.offset), Some(3));
    let refusals = [
        (
            "Thanks. See you!",
            ParseMode::MarkdownV2,
            "Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ("*bold", ParseMode::MarkdownV2, "Can't find end of Bold entity at byte offset 0"),
        ("<b>bold", ParseMode::Html, "Can't find end tag corresponding to start tag \"b\""),
        ("<blink>x</blink>", ParseMode::Html, "Unsupported start tag \"blink\" at byte offset 0"),
        (
            "<b>x</i>",
            ParseMode::Html,
            "Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\"",
        ),
    ];
    for (text, mode, problem) in refusals {
        let refused = bot.send_message(chat, text).parse_mode(mode).await;
        assert!(
            matches!(refused, Err(RequestError::Api(ApiError::CantParseEntities(_)))),
            "{text}: {refused:?}"
        );
        assert_eq!(
            last_description(&fake),
            Some(format!("Bad Request: can't parse entities: {problem}")),
            "{text}"
        );
    }
    #[allow(deprecated)]
    let legacy = bot_for(&fake).send_message(chat, "*bold* and _it_").parse_mode(ParseMode::Markdown).await?;
    assert_eq!(legacy.text(), Some("bold and it"));
    assert_clean(&fake);
    Ok(())
}

#[tokio::test]
async fn a_given_port_is_honoured() -> anyhow::Result<()> {
    let (fake, _) = start().await;
    let taken = crate::fakegram::FakeConfig { port: fake.port(), ..crate::fakegram::FakeConfig::default() };
    let refused = crate::fakegram::FakeTelegram::start(taken).await;
    assert!(
        matches!(refused, Err(crate::fakegram::StartError::Bind { address, .. }) if address.port() == fake.port())
    );
    let inconsistent = crate::fakegram::FakeConfig {
        groups: vec![
            crate::fakegram::GroupSpec::staff_forum(-100_777).member(99, crate::fakegram::MemberRole::Member),
        ],
        ..crate::fakegram::FakeConfig::default()
    };
    let refused = crate::fakegram::FakeTelegram::start(inconsistent).await;
    assert!(matches!(
        refused,
        Err(crate::fakegram::StartError::World(crate::fakegram::ControlError::UnknownUser(99)))
    ));
    Ok(())
}

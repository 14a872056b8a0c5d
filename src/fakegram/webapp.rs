//! Mini Apps in the fake: the bot's menu button (`setChatMenuButton`, `getChatMenuButton`),
//! `web_app` inline buttons allowed in private chats only (as Telegram refuses them
//! elsewhere), and what Telegram hands a Mini App when a person opens it: init data signed
//! with the bot's token exactly as Telegram documents it, in the URL fragment
//! (`#tgWebAppData=...`). Its own HMAC (ring) so that the desk's check is tested against an
//! independent signer.

use std::fmt::Write as _;

use ring::hmac;
use serde_json::{Value, json};

use super::FakeHandle;
use super::error::{ApiFailure, ControlError};
use super::methods::Call;
use super::render::user_spec_json;
use super::world::{ChatKind, World};

/// `setChatMenuButton`: a private chat's button, or the default one without `chat_id`.
pub(crate) fn set_chat_menu_button(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let button = call.value("menu_button").cloned().unwrap_or_else(|| json!({ "type": "default" }));
    match button["type"].as_str() {
        Some("default" | "commands") => {}
        Some("web_app") => {
            let url = button["web_app"]["url"].as_str().unwrap_or_default();
            if !url.starts_with("https://") {
                return Err(ApiFailure::bad_request("BUTTON_URL_INVALID"));
            }
            if button["text"].as_str().is_none_or(str::is_empty) {
                return Err(ApiFailure::bad_request("BUTTON_TEXT_INVALID"));
            }
        }
        _ => return Err(ApiFailure::bad_request("can't parse menu button: unknown type")),
    }
    match call.int("chat_id") {
        Some(chat_id) => {
            let chat = world.chat(chat_id).map_err(|_| ApiFailure::bad_request("chat not found"))?;
            if !matches!(chat.kind, ChatKind::Private) {
                return Err(ApiFailure::bad_request("menu buttons are set in private chats only"));
            }
            world.menu_buttons.insert(chat_id, button);
        }
        None => world.default_menu_button = Some(button),
    }
    Ok(Value::Bool(true))
}

/// `getChatMenuButton`.
#[expect(clippy::unnecessary_wraps, reason = "every simulated method has the method table's signature")]
pub(crate) fn get_chat_menu_button(world: &mut World, call: &Call) -> Result<Value, ApiFailure> {
    let set = match call.int("chat_id") {
        Some(chat_id) => world.menu_buttons.get(&chat_id).or(world.default_menu_button.as_ref()),
        None => world.default_menu_button.as_ref(),
    };
    Ok(set.cloned().unwrap_or_else(|| json!({ "type": "default" })))
}

/// Telegram shows a `web_app` inline button only in a private chat with the bot.
pub(crate) fn check_keyboard(kind: &ChatKind, markup: Option<&Value>) -> Result<(), ApiFailure> {
    let rows = markup.and_then(|markup| markup.get("inline_keyboard")).and_then(Value::as_array);
    for button in rows.into_iter().flatten().filter_map(Value::as_array).flatten() {
        let Some(web_app) = button.get("web_app") else { continue };
        if !matches!(kind, ChatKind::Private) {
            return Err(ApiFailure::bad_request("BUTTON_TYPE_INVALID"));
        }
        if !web_app["url"].as_str().is_some_and(|url| url.starts_with("https://")) {
            return Err(ApiFailure::bad_request("BUTTON_URL_INVALID"));
        }
    }
    Ok(())
}

impl FakeHandle {
    /// The init data Telegram gives a Mini App the person opens now, signed with the bot's token.
    pub fn web_app_init_data(&self, user_id: u64) -> Result<String, ControlError> {
        let now = self.shared.read(World::now_unix);
        self.web_app_init_data_at(user_id, now)
    }

    /// The same, as if signed at `auth_date` (unix seconds): stale data for tests.
    pub fn web_app_init_data_at(&self, user_id: u64, auth_date: i64) -> Result<String, ControlError> {
        let user = self
            .shared
            .read(|world| world.person(user_id).map(|person| user_spec_json(&person.spec, false)))?;
        let mut fields = vec![
            ("auth_date".to_owned(), auth_date.to_string()),
            ("chat_instance".to_owned(), format!("-{}", 7_000_000_000_000_000_000u64 + user_id)),
            ("chat_type".to_owned(), "sender".to_owned()),
            ("query_id".to_owned(), format!("AAF{user_id:x}")),
            // Telegram adds an Ed25519 signature for third parties; the bot's HMAC covers it too.
            ("signature".to_owned(), "c2lnbmVkLWJ5LXRoZS1mYWtl".to_owned()),
            ("user".to_owned(), user.to_string()),
        ];
        fields.sort();
        let check_string =
            fields.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("\n");
        let secret =
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData"), self.shared.token.as_bytes());
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref()), check_string.as_bytes());
        let hash = tag.as_ref().iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &fields {
            query.append_pair(key, value);
        }
        query.append_pair("hash", &hash);
        Ok(query.finish())
    }

    /// The address a Mini App at `url` is opened at for the person: `init_data` in the
    /// fragment, as Telegram's clients pass it.
    pub fn web_app_url(url: &str, init_data: &str) -> String {
        let fragment = form_urlencoded::Serializer::new(String::new())
            .append_pair("tgWebAppData", init_data)
            .append_pair("tgWebAppVersion", "9.1")
            .append_pair("tgWebAppPlatform", "tdesktop")
            .finish();
        format!("{url}#{fragment}")
    }

    /// The menu button the bot set for a private chat (or the default one), if any.
    pub fn menu_button(&self, chat_id: Option<i64>) -> Option<Value> {
        self.shared.read(|world| match chat_id {
            Some(chat_id) => world.menu_buttons.get(&chat_id).cloned(),
            None => world.default_menu_button.clone(),
        })
    }
}

//! Who is looking at the dashboard, pure: Telegram's Mini App init data checked exactly as
//! Telegram documents it, and the dashboard's own signed tokens (the session cookie and the
//! expiring link `topicdesk dashboard-link` prints). Time is a parameter; the only user of
//! ring in the web edge (HMAC-SHA256 and its constant-time comparison).
//!
//! Init data: every received field but `hash`, sorted by key, `key=value` joined by `\n`, is
//! the data-check string; the secret key is `HMAC_SHA256(key = "WebAppData", message =
//! bot_token)`; the data is Telegram's iff `hex(HMAC_SHA256(key = secret_key, message =
//! data_check_string))` equals `hash`. `auth_date` must be no older than [`INIT_DATA_MAX_AGE`]
//! (and not in the future, past a little clock skew). The `user` field is JSON with `id`.
//!
//! A token is `<purpose>.<user>.<expires unix seconds>.<hex HMAC>`, signed with a key derived
//! from the bot token for the dashboard alone (never the init data's key): a session and a
//! link are told apart by their purpose, so neither stands in for the other.

use jiff::{SignedDuration, Timestamp};
use ring::hmac;

use crate::duration::Span;

/// How old init data may be: Telegram signs it when the Mini App opens.
pub const INIT_DATA_MAX_AGE: SignedDuration = SignedDuration::from_hours(24);
/// How far in the future `auth_date` may lie (clocks differ a little).
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);
/// How long a session cookie lasts.
pub const SESSION_FOR: SignedDuration = SignedDuration::from_hours(8);

/// Why someone is not let in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the init data is not a query string: {0}")]
    Malformed(String),
    #[error("the init data has no `hash`")]
    NoHash,
    #[error("the init data's signature does not match the bot's token")]
    BadSignature,
    #[error("the init data has no valid `auth_date`")]
    NoAuthDate,
    #[error("the init data is stale: signed {age} ago, more than {max} allowed")]
    Stale { age: String, max: String },
    #[error("the init data is dated in the future")]
    FromTheFuture,
    #[error("the init data names no user with an `id`")]
    NoUser,
    #[error("the token is not one the dashboard signed")]
    BadToken,
    #[error("the token expired")]
    Expired,
}

/// What a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The session cookie.
    Session,
    /// A link printed by `topicdesk dashboard-link`, traded for a session once opened.
    Link,
}

impl Purpose {
    fn word(self) -> &'static str {
        match self {
            Purpose::Session => "session",
            Purpose::Link => "link",
        }
    }
}

/// Checks Mini App init data (the raw query string Telegram hands the page) against the bot's
/// token at `now`, and gives the Telegram user id it was signed for.
pub fn check_init_data(raw: &str, bot_token: &str, now: Timestamp) -> Result<i64, AuthError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.trim().as_bytes()) {
        if fields.iter().any(|(seen, _)| *seen == key) {
            return Err(AuthError::Malformed(format!("`{key}` appears twice")));
        }
        fields.push((key.into_owned(), value.into_owned()));
    }
    let hash_at = fields.iter().position(|(key, _)| key == "hash").ok_or(AuthError::NoHash)?;
    let (_, hash) = fields.remove(hash_at);
    let claimed = decode_hex(&hash).ok_or(AuthError::BadSignature)?;
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let check_string =
        fields.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("\n");
    let secret = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"WebAppData"), bot_token.as_bytes());
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref());
    // Constant-time: ring compares the tags without an early exit.
    hmac::verify(&key, check_string.as_bytes(), &claimed).map_err(|_| AuthError::BadSignature)?;

    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let auth_date = field("auth_date")
        .and_then(|seconds| seconds.parse::<i64>().ok())
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
        .ok_or(AuthError::NoAuthDate)?;
    let age = now.duration_since(auth_date);
    if age > INIT_DATA_MAX_AGE {
        return Err(AuthError::Stale {
            age: Span::from_secs(age.as_secs().unsigned_abs()).to_string(),
            max: Span::from_secs(INIT_DATA_MAX_AGE.as_secs().unsigned_abs()).to_string(),
        });
    }
    if age < -CLOCK_SKEW {
        return Err(AuthError::FromTheFuture);
    }
    let user: serde_json::Value =
        serde_json::from_str(field("user").ok_or(AuthError::NoUser)?).map_err(|_| AuthError::NoUser)?;
    user.get("id").and_then(serde_json::Value::as_i64).ok_or(AuthError::NoUser)
}

/// A token for `user`, good until `expires`.
pub fn sign_token(purpose: Purpose, user: i64, expires: Timestamp, bot_token: &str) -> String {
    let body = format!("{}.{user}.{}", purpose.word(), expires.as_second());
    let tag = hmac::sign(&token_key(bot_token), body.as_bytes());
    format!("{body}.{}", encode_hex(tag.as_ref()))
}

/// The user a token of `purpose` was signed for, if it is the dashboard's and still good at `now`.
pub fn check_token(purpose: Purpose, token: &str, bot_token: &str, now: Timestamp) -> Result<i64, AuthError> {
    let (body, tag) = token.rsplit_once('.').ok_or(AuthError::BadToken)?;
    let tag = decode_hex(tag).ok_or(AuthError::BadToken)?;
    hmac::verify(&token_key(bot_token), body.as_bytes(), &tag).map_err(|_| AuthError::BadToken)?;
    let mut parts = body.split('.');
    let (Some(word), Some(user), Some(expires), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::BadToken);
    };
    if word != purpose.word() {
        return Err(AuthError::BadToken);
    }
    let user = user.parse::<i64>().map_err(|_| AuthError::BadToken)?;
    let expires = expires.parse::<i64>().map_err(|_| AuthError::BadToken)?;
    if now.as_second() >= expires {
        return Err(AuthError::Expired);
    }
    Ok(user)
}

/// The dashboard's own key: HMAC of the bot token under a label of its own, so that nothing
/// signed here is valid init data and the reverse.
fn token_key(bot_token: &str) -> hmac::Key {
    let derived =
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"topicdesk dashboard"), bot_token.as_bytes());
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456:ABC-fake-token";
    /// Computed independently with python3's `hmac` and `hashlib` (Telegram's recipe:
    /// `secret = hmac.new(b"WebAppData", token, sha256).digest()`, then
    /// `hmac.new(secret, "\n".join(sorted "k=v"), sha256).hexdigest()`), for user 111111111
    /// signed at 1764921600 (2025-12-05 08:00 UTC) with the token above.
    const SIGNED: &str = "auth_date=1764921600&query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A111111111%2C%22first_name%22%3A%22Dana%22%2C%22username%22%3A%22dana%22%7D&hash=34104fdb573b317f82e39155176f822ffd1fc7ed0e71a931f676ceb81baba743";

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn telegram_signed_init_data_is_accepted() {
        assert_eq!(check_init_data(SIGNED, TOKEN, at(1_764_921_600 + 60)), Ok(111_111_111));
        // The order of the fields as received does not matter: the check string sorts them.
        let (rest, hash) = SIGNED.split_once("&hash=").unwrap();
        let reordered = format!("hash={hash}&{}", rest.split('&').rev().collect::<Vec<_>>().join("&"));
        assert_eq!(check_init_data(&reordered, TOKEN, at(1_764_921_600)), Ok(111_111_111));
    }

    #[test]
    fn another_token_or_a_changed_field_is_refused() {
        let now = at(1_764_921_600);
        assert_eq!(check_init_data(SIGNED, "123456:another", now), Err(AuthError::BadSignature));
        let forged = SIGNED.replace("111111111", "222222222");
        assert_eq!(check_init_data(&forged, TOKEN, now), Err(AuthError::BadSignature));
        let added = format!("{SIGNED}&extra=1");
        assert_eq!(check_init_data(&added, TOKEN, now), Err(AuthError::BadSignature));
        let unsigned = SIGNED.split("&hash=").next().unwrap();
        assert_eq!(check_init_data(unsigned, TOKEN, now), Err(AuthError::NoHash));
        let twice = format!("{SIGNED}&user=x");
        assert!(matches!(check_init_data(&twice, TOKEN, now), Err(AuthError::Malformed(_))));
        let bad_hex = SIGNED.replace("hash=34", "hash=zz");
        assert_eq!(check_init_data(&bad_hex, TOKEN, now), Err(AuthError::BadSignature));
    }

    #[test]
    fn stale_or_future_init_data_is_refused() {
        let signed = 1_764_921_600;
        assert!(check_init_data(SIGNED, TOKEN, at(signed + 24 * 3600)).is_ok());
        assert!(matches!(
            check_init_data(SIGNED, TOKEN, at(signed + 24 * 3600 + 1)),
            Err(AuthError::Stale { .. })
        ));
        assert_eq!(check_init_data(SIGNED, TOKEN, at(signed - 3600)), Err(AuthError::FromTheFuture));
    }

    #[test]
    fn tokens_hold_their_purpose_user_and_expiry() {
        let expires = at(2_000);
        let session = sign_token(Purpose::Session, 42, expires, TOKEN);
        assert_eq!(check_token(Purpose::Session, &session, TOKEN, at(1_999)), Ok(42));
        assert_eq!(check_token(Purpose::Session, &session, TOKEN, at(2_000)), Err(AuthError::Expired));
        assert_eq!(check_token(Purpose::Link, &session, TOKEN, at(1_000)), Err(AuthError::BadToken));
        assert_eq!(check_token(Purpose::Session, &session, "other", at(1_000)), Err(AuthError::BadToken));
        let other_user = session.replacen(".42.", ".43.", 1);
        assert_eq!(check_token(Purpose::Session, &other_user, TOKEN, at(1_000)), Err(AuthError::BadToken));
        let later = session.replacen(".2000.", ".9000.", 1);
        assert_eq!(check_token(Purpose::Session, &later, TOKEN, at(1_000)), Err(AuthError::BadToken));
        let link = sign_token(Purpose::Link, 42, expires, TOKEN);
        assert_eq!(check_token(Purpose::Link, &link, TOKEN, at(1_000)), Ok(42));
    }
}

//! Sessions as stored records: their JSON shape, a record from another build, and a session
//! whose form disappeared in a reload.

use expect_test::expect;

use super::harness::Harness;
use super::transcripts::RULES;
use crate::intake::{Input, Outcome, Reply, SESSION_VERSION};

#[test]
fn a_session_record_mid_form() {
    let mut harness = Harness::new(RULES);
    harness.send(Input::from_text("/start support"));
    let billing = harness.button_data("Billing").expect("category buttons");
    harness.send(Input::Button(billing));
    harness.send(Input::from_text("INV-12345"));
    harness.send(Input::from_text("/back"));
    let session = harness.session.as_ref().expect("a session");
    let json = serde_json::to_string_pretty(session).expect("serialises");
    let json = json.replace(session.rules_version(), "<rules version>");
    expect![[r#"
        {
          "version": 1,
          "nonce": 40961,
          "rules_version": "<rules version>",
          "form_id": "support",
          "step": {
            "field": {
              "id": "invoice",
              "mode": "fill",
              "draft": null,
              "previous": {
                "answer": {
                  "text": "INV-12345"
                }
              }
            }
          },
          "answers": {
            "category": {
              "answer": {
                "choice": "billing"
              }
            }
          },
          "notes": {},
          "prompt_seq": 4,
          "language": "en",
          "started_at": "2026-03-02T10:00:00Z",
          "last_activity": "2026-03-02T10:00:00Z",
          "articles_offered": false
        }"#]]
    .assert_eq(&json);
}

#[test]
fn a_record_of_another_version_is_reset_politely() {
    let mut harness = Harness::new(RULES);
    harness.send(Input::from_text("/start support"));
    let mut session = harness.session.take().expect("a session");
    session.version = SESSION_VERSION + 1;
    harness.session = Some(session);
    let transition = harness.send(Input::from_text("hello"));
    assert!(transition.session.is_none());
    let texts: Vec<&str> = transition
        .replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Message { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        ["Our forms changed, so your unfinished request was reset. Send /start to begin again."]
    );
}

#[test]
fn a_session_whose_form_was_removed_ends_and_start_begins_anew() {
    let mut harness = Harness::new(RULES);
    harness.send(Input::from_text("/start support"));
    let mut session = harness.session.take().expect("a session");
    session.form_id = Some("retired".to_owned());
    harness.session = Some(session);
    let transition = harness.send(Input::from_text("/start"));
    assert_eq!(transition.outcome, None);
    let session = transition.session.expect("a fresh session");
    assert_eq!(session.form_id(), None, "the menu, since two forms are offered");
    assert!(harness.out.contains("This form is no longer available"), "{}", harness.out);
}

#[test]
fn an_expiry_is_reported_once_and_the_host_can_schedule_it() {
    let mut harness = Harness::new(RULES);
    harness.send(Input::from_text("/start support"));
    let expires =
        harness.session.as_ref().expect("a session").expires_at(crate::duration::Span::from_hours(24));
    assert_eq!(expires.to_string(), "2026-03-03T10:00:00Z");
    harness.now = expires;
    let transition = harness.send(Input::Tick);
    assert_eq!(transition.outcome, Some(Outcome::Expired));
    assert!(transition.session.is_none());
    let transition = harness.send(Input::Tick);
    assert!(transition.replies.is_empty() && transition.outcome.is_none(), "nothing left to expire");
}

//! Property test: random text, presses (offered, old and forged), commands, files, waits and
//! restarts thrown at every shipped and example form never panic, keep the host's invariants
//! after every step (checked by the harness), and always leave a session that can still be
//! cancelled and, separately, finished and submitted.

use std::sync::Arc;

use proptest::prelude::*;

use super::forms::{every_form, finish, valid_input};
use super::harness::Harness;
use crate::intake::{Attachment, AttachmentKind, Input, Outcome, Session};
use crate::rules::RuleSet;

/// One thing the random customer does.
#[derive(Clone, Debug)]
enum Act {
    /// What a customer filling the form properly would do.
    Answer,
    Text(String),
    /// The button at this index (modulo) of the newest keyboard.
    Press(usize),
    /// The button at this index (modulo) of any keyboard shown so far.
    PressOld(usize),
    /// Raw callback data.
    Forge(String),
    /// A well-formed press of the current prompt with an arbitrary action.
    ForgeAction(String),
    Command(String),
    File(bool),
    WaitMinutes(u32),
    Tick,
    /// Serialise the session and read it back, as a restart does.
    Restart,
}

fn act() -> impl Strategy<Value = Act> {
    let texts = prop_oneof![
        Just("billing".to_owned()),
        Just("INV-12345".to_owned()),
        Just("4.2".to_owned()),
        Just("12".to_owned()),
        Just("yes".to_owned()),
        Just("Web, iOS".to_owned()),
        Just("2026-03-01".to_owned()),
        Just("dana@example.com".to_owned()),
        Just("The app closes when I press pay.".to_owned()),
        ".{0,24}",
    ];
    let commands = prop_oneof![
        Just("/start".to_owned()),
        Just("/start support".to_owned()),
        Just("/start bug".to_owned()),
        Just("/start nosuch".to_owned()),
        Just("/back".to_owned()),
        Just("/skip".to_owned()),
        Just("/cancel".to_owned()),
        Just("/edit".to_owned()),
        Just("/help".to_owned()),
        Just("/whatever".to_owned()),
    ];
    prop_oneof![
        10 => Just(Act::Answer),
        4 => texts.prop_map(Act::Text),
        8 => any::<usize>().prop_map(Act::Press),
        2 => any::<usize>().prop_map(Act::PressOld),
        1 => ".{0,70}".prop_map(Act::Forge),
        1 => "[a-z][0-9]{0,3}".prop_map(Act::ForgeAction),
        3 => commands.prop_map(Act::Command),
        1 => any::<bool>().prop_map(Act::File),
        1 => prop_oneof![0..120u32, 1400..1500u32].prop_map(Act::WaitMinutes),
        1 => Just(Act::Tick),
        1 => Just(Act::Restart),
    ]
}

fn play(harness: &mut Harness, form_id: &str, act: &Act, files: &mut u32) {
    let input = match act {
        Act::Answer => valid_input(harness, form_id, 0),
        Act::Text(text) => Input::Text(text.clone()),
        Act::Press(index) | Act::PressOld(index) => {
            let keyboards: Vec<_> = match act {
                Act::Press(_) => harness.keyboards.last().into_iter().collect(),
                _ => harness.keyboards.iter().collect(),
            };
            let buttons: Vec<String> = keyboards
                .iter()
                .flat_map(|keyboard| keyboard.buttons())
                .map(|b| b.callback_data.clone())
                .collect();
            let Some(data) = buttons.get(index % buttons.len().max(1)) else { return };
            Input::Button(data.clone())
        }
        Act::Forge(data) => Input::Button(data.clone()),
        Act::ForgeAction(action) => {
            let Some(session) = &harness.session else { return };
            Input::Button(format!("i:{:x}:{:x}:{action}", session.nonce, session.prompt_seq))
        }
        Act::Command(command) => Input::from_text(command),
        Act::File(photo) => {
            *files += 1;
            let kind = if *photo { AttachmentKind::Photo } else { AttachmentKind::Document };
            Input::Attachment(Attachment { file_id: format!("file-{files}"), kind })
        }
        Act::WaitMinutes(minutes) => {
            harness.now += jiff::SignedDuration::from_mins(i64::from(*minutes));
            return;
        }
        Act::Tick => Input::Tick,
        Act::Restart => {
            let json = serde_json::to_string(&harness.session).expect("serialises");
            harness.session = serde_json::from_str::<Option<Session>>(&json).expect("deserialises");
            return;
        }
    };
    harness.send(input);
}

fn run(rule_set: &Arc<RuleSet>, form_id: &str, acts: &[Act]) {
    let mut harness = Harness::with_rule_set(Arc::clone(rule_set));
    harness.offer_all_forms = true;
    let mut files = 0;
    for act in acts {
        play(&mut harness, form_id, act, &mut files);
    }
    // It can be cancelled...
    let mut cancelling = Harness::with_rule_set(Arc::clone(rule_set));
    cancelling.offer_all_forms = true;
    cancelling.session.clone_from(&harness.session);
    cancelling.now = harness.now;
    let had_session = harness.session.is_some();
    let transition = cancelling.send(Input::from_text("/cancel"));
    assert!(transition.session.is_none(), "/cancel ends the session");
    if had_session {
        assert!(
            matches!(transition.outcome, Some(Outcome::Cancelled | Outcome::Expired)),
            "{:?}",
            transition.outcome
        );
    }
    // ...and finished.
    finish(&mut harness, form_id);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_customers_never_break_a_form(form_index in any::<usize>(), acts in prop::collection::vec(act(), 0..60)) {
        let forms = forms();
        let (rule_set, form_id) = &forms[form_index % forms.len()];
        run(rule_set, form_id, &acts);
    }
}

/// Every form, loaded once for all cases.
fn forms() -> &'static [(Arc<RuleSet>, String)] {
    static FORMS: std::sync::OnceLock<Vec<(Arc<RuleSet>, String)>> = std::sync::OnceLock::new();
    FORMS.get_or_init(every_form)
}

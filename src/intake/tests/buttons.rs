//! Button presses that must not be applied: on an old prompt, forged, or from another
//! session. Each gets a clear notice and leaves the session exactly as it was.

use expect_test::expect;

use super::harness::{Harness, check};
use super::transcripts::RULES;
use crate::intake::Input;

#[test]
fn a_press_on_an_old_prompt_is_answered_and_changes_nothing() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > [button: Technical problem]
        > INV-12345
        > [button: Billing]
        > [button: Yes]
        ",
        expect![[r#"
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [button: Billing]
            < (buttons removed)
            < Your invoice number (INV-12345)?
            < You find it at the top right of every invoice.
            <   [« Back]
            > [button: Technical problem]
            < (notice) This button belongs to an earlier question.
            < (pressed message's buttons removed)
            > INV-12345
            < (buttons removed)
            < Are you asking for a refund?
            <   [Yes] [No]
            <   [« Back]
            > [button: Billing]
            < (notice) This button belongs to an earlier question.
            < (pressed message's buttons removed)
            > [button: Yes]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
        "#]],
    );
}

#[test]
fn forged_callback_payloads_are_rejected() {
    check(
        RULES,
        r"
        > /start support
        > [callback: i:0:0:o0]
        > [callback: not ours at all]
        > [callback: i:a001:01:o0]
        > [forge: o9]
        > [forge: s]
        > [forge: f0]
        > [button: Billing]
        ",
        expect![[r#"
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [callback: i:0:0:o0]
            < (notice) This button belongs to a form that has ended.
            < (pressed message's buttons removed)
            > [callback: not ours at all]
            < (notice) This button is not valid.
            > [callback: i:a001:01:o0]
            < (notice) This button is not valid.
            > [forge: o9]
            < (notice) This button is not valid.
            > [forge: s]
            < (notice) This button is not valid.
            > [forge: f0]
            < (notice) This button is not valid.
            > [button: Billing]
            < (buttons removed)
            < Your invoice number (INV-12345)?
            < You find it at the top right of every invoice.
            <   [« Back]
        "#]],
    );
}

#[test]
fn refused_presses_leave_the_session_untouched() {
    let mut harness = Harness::new(RULES);
    harness.send(Input::from_text("/start support"));
    let old = harness.button_data("Billing").expect("category buttons");
    harness.send(Input::Button(old.clone()));
    let before = harness.session.clone().expect("a session");
    let session = before.clone();
    let forged = [
        old,
        format!("i:{:x}:{:x}:o7", session.nonce, session.prompt_seq),
        format!("i:{:x}:{:x}:s", session.nonce, session.prompt_seq),
        format!("i:{:x}:{:x}:o0", session.nonce, session.prompt_seq + 1),
        format!("i:{:x}:{:x}:o0", session.nonce ^ 1, session.prompt_seq),
        "i:zz:1:o0".to_owned(),
        "x".repeat(65),
        String::new(),
    ];
    for data in forged {
        harness.now += jiff::SignedDuration::from_mins(1);
        let transition = harness.send(Input::Button(data.clone()));
        assert_eq!(transition.session.as_ref(), Some(&before), "{data:?} changed the session");
        assert!(transition.outcome.is_none());
    }
}

//! Moving through a form: conditional fields, `/back`, `/skip` and `/cancel`.

use expect_test::expect;

use super::harness::{Source, check};
use super::transcripts::{EVERYTHING, RULES};

#[test]
fn a_conditional_field_is_asked_only_when_its_condition_holds() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > INV-12345
        > [button: No]
        > /cancel
        > /start support
        > [button: Technical problem]
        > [button: Normal]
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
            > INV-12345
            < (buttons removed)
            < Are you asking for a refund?
            <   [Yes] [No]
            <   [« Back]
            > [button: No]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > /cancel
            < (buttons removed)
            < Cancelled: nothing was sent. Send /start whenever you want to begin again.
            = cancelled
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [button: Technical problem]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [button: Normal]
            < (buttons removed)
            < Describe the problem
            <   [« Back]
        "#]],
    );
}

#[test]
fn back_skip_and_cancel() {
    check(
        Source::Form(EVERYTHING),
        r"
        > /start
        > /back
        > /skip
        > [button: Account]
        > [button: iOS]
        > [button: Done]
        > [button: « Back]
        > [button: ✓ iOS]
        > [button: Web]
        > [button: Done]
        > ORD-0001
        > /back
        > /back
        > [button: Done]
        > 3
        > dana@example.com
        > [button: Skip »]
        > /back
        > /skip
        > /cancel
        > [button: « Back]
        > /cancel
        ",
        expect![[r#"
            > /start
            < Every field type
            < One question of each kind.
            <
            < What is it about?
            <   [Billing] [Technical]
            <   [Account]
            > /back
            < This is the first question; there is nothing before it.
            > /skip
            < This question needs an answer, so it cannot be skipped.
            > [button: Account]
            < (buttons removed)
            < Where do you use us?
            < Choose one or more, then press Done.
            <   [Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: iOS]
            < (buttons changed)
            <   [Web]
            <   [✓ iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (buttons removed)
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > [button: « Back]
            < (buttons removed)
            < Where do you use us?
            < Choose one or more, then press Done.
            < Current answer: iOS
            <   [Web]
            <   [✓ iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: ✓ iOS]
            < (buttons changed)
            <   [Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: Web]
            < (buttons changed)
            <   [✓ Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (buttons removed)
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > ORD-0001
            < (buttons removed)
            < How many seats?
            <   [« Back]
            > /back
            < (buttons removed)
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            < Current answer: ORD-0001
            <   [« Back]
            > /back
            < (buttons removed)
            < Where do you use us?
            < Choose one or more, then press Done.
            < Current answer: Web
            <   [✓ Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (buttons removed)
            < How many seats?
            <   [« Back]
            > 3
            < (buttons removed)
            < Your email address?
            <   [« Back]
            > dana@example.com
            < (buttons removed)
            < A phone number for call-backs?
            <   [« Back] [Skip »]
            > [button: Skip »]
            < (buttons removed)
            < Since when?
            <   [« Back]
            > /back
            < (buttons removed)
            < A phone number for call-backs?
            < Current answer: (skipped)
            <   [« Back] [Skip »]
            > /skip
            < (buttons removed)
            < Since when?
            <   [« Back]
            > /cancel
            < (buttons removed)
            < Cancelled: nothing was sent. Send /start whenever you want to begin again.
            = cancelled
            > [button: « Back]
            < (notice) This form has ended. Send /start to begin again.
            < (pressed message's buttons removed)
            > /cancel
            < There is nothing to cancel.
        "#]],
    );
}

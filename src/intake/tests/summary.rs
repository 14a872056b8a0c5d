//! The end of a form: editing from the summary and the form-level `validate:` hook.

use expect_test::expect;

use super::harness::{Source, check};
use super::transcripts::RULES;

#[test]
fn editing_from_the_summary_asks_newly_applicable_fields_and_drops_the_others() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > INV-12345
        > [button: Yes]
        > [button: High]
        > The refund for March never arrived.
        > [button: I still need help]
        > [button: Skip »]
        > [button: Edit]
        > [button: What is your question about?]
        > [button: « Back]
        > [button: Edit]
        > [button: What is your question about?]
        > [button: My account]
        > dana@example.com
        > [button: Edit]
        > [button: A screenshot helps. Send up to 3, or sk…]
        > [photo: screen-1]
        > [button: Done]
        > [button: Submit]
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
            > [button: Yes]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [button: High]
            < (buttons removed)
            < Describe the problem
            <   [« Back]
            > The refund for March never arrived.
            < (buttons removed)
            < These articles may answer your question. Open one, or go on with the form:
            < • Refunds
            < • Connect Slack
            <   [📖 Refunds]
            <   [📖 Connect Slack]
            <   [I still need help]
            > [button: I still need help]
            < (buttons removed)
            < Let's go on, then.
            <
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            <   [« Back] [Skip »]
            > [button: Skip »]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Billing
            <
            < Your invoice number (INV-12345)?
            < » INV-12345
            <
            < Are you asking for a refund?
            < » Yes
            <
            < How urgent is it?
            < » High
            <
            < Describe the problem
            < » The refund for March never arrived.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Edit]
            < (buttons removed)
            < Which answer do you want to change?
            <   [What is your question about?]
            <   [Your invoice number (INV-12345)?]
            <   [Are you asking for a refund?]
            <   [How urgent is it?]
            <   [Describe the problem]
            <   [A screenshot helps. Send up to 3, or sk…]
            <   [« Back]
            > [button: What is your question about?]
            < (buttons removed)
            < What is your question about?
            < Current answer: Billing
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            <   [« Back]
            > [button: « Back]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Billing
            <
            < Your invoice number (INV-12345)?
            < » INV-12345
            <
            < Are you asking for a refund?
            < » Yes
            <
            < How urgent is it?
            < » High
            <
            < Describe the problem
            < » The refund for March never arrived.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Edit]
            < (buttons removed)
            < Which answer do you want to change?
            <   [What is your question about?]
            <   [Your invoice number (INV-12345)?]
            <   [Are you asking for a refund?]
            <   [How urgent is it?]
            <   [Describe the problem]
            <   [A screenshot helps. Send up to 3, or sk…]
            <   [« Back]
            > [button: What is your question about?]
            < (buttons removed)
            < What is your question about?
            < Current answer: Billing
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            <   [« Back]
            > [button: My account]
            < (buttons removed)
            < Which email address is the account registered with?
            <   [« Back]
            > dana@example.com
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » My account
            <
            < Which email address is the account registered with?
            < » dana@example.com
            <
            < How urgent is it?
            < » High
            <
            < Describe the problem
            < » The refund for March never arrived.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Edit]
            < (buttons removed)
            < Which answer do you want to change?
            <   [What is your question about?]
            <   [Which email address is the account regi…]
            <   [How urgent is it?]
            <   [Describe the problem]
            <   [A screenshot helps. Send up to 3, or sk…]
            <   [« Back]
            > [button: A screenshot helps. Send up to 3, or sk…]
            < (buttons removed)
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            < Current answer: (skipped)
            <   [« Back] [Skip »]
            > [photo: screen-1]
            < (buttons removed)
            < A screenshot helps. Send up to 3, or skip.
            < Got 1 of 3. Send more, or press Done.
            < Current answer: (skipped)
            <   [Done]
            <   [« Back] [Skip »]
            > [button: Done]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » My account
            <
            < Which email address is the account registered with?
            < » dana@example.com
            <
            < How urgent is it?
            < » High
            <
            < Describe the problem
            < » The refund for March never arrived.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » 1 file
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            = submitted `support`
            =   category: Text("account")
            =   description: Text("The refund for March never arrived.")
            =   email: Text("dana@example.com")
            =   priority: Text("high")
            =   screenshot: Files(["screen-1"])
            =   file screen-1 (Photo)
            < Thank you! Your request is registered as T-000001. We will answer you right here.
        "#]],
    );
}

#[test]
fn the_validate_hook_sends_the_customer_back_with_its_message() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > INV-12345
        > [button: Yes]
        > [button: Low]
        > Please refund the double charge.
        > [button: I still need help]
        > [button: Skip »]
        > [button: Submit]
        > [button: Low]
        > [button: Submit]
        > [button: High]
        > [button: Submit]
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
            > [button: Yes]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [button: Low]
            < (buttons removed)
            < Describe the problem
            <   [« Back]
            > Please refund the double charge.
            < (buttons removed)
            < These articles may answer your question. Open one, or go on with the form:
            < • Refunds
            <   [📖 Refunds]
            <   [I still need help]
            > [button: I still need help]
            < (buttons removed)
            < Let's go on, then.
            <
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            <   [« Back] [Skip »]
            > [button: Skip »]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Billing
            <
            < Your invoice number (INV-12345)?
            < » INV-12345
            <
            < Are you asking for a refund?
            < » Yes
            <
            < How urgent is it?
            < » Low
            <
            < Describe the problem
            < » Please refund the double charge.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            < Refunds are handled within a day; please pick normal or high.
            <
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [button: Low]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Billing
            <
            < Your invoice number (INV-12345)?
            < » INV-12345
            <
            < Are you asking for a refund?
            < » Yes
            <
            < How urgent is it?
            < » Low
            <
            < Describe the problem
            < » Please refund the double charge.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            < Refunds are handled within a day; please pick normal or high.
            <
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [button: High]
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Billing
            <
            < Your invoice number (INV-12345)?
            < » INV-12345
            <
            < Are you asking for a refund?
            < » Yes
            <
            < How urgent is it?
            < » High
            <
            < Describe the problem
            < » Please refund the double charge.
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            = submitted `support`
            =   category: Text("billing")
            =   description: Text("Please refund the double charge.")
            =   invoice: Text("INV-12345")
            =   priority: Text("high")
            =   refund: Bool(true)
            < Thank you! Your request is registered as T-000001. We will answer you right here.
        "#]],
    );
}

#[test]
fn a_validate_hook_naming_unknown_fields_does_not_trap_the_customer() {
    check(
        Source::FormAndScript(
            "id: tiny\nfields:\n  - { id: name, prompt: Your name?, type: text }\nvalidate: check_tiny\n",
            "fn check_tiny(answers) { #{ nickname: \"no such field\" } }\n",
        ),
        r"
        > /start
        > Dana
        > [button: Submit]
        ",
        expect![[r#"
            > /start
            < tiny
            <
            < Your name?
            > Dana
            < Please check your answers:
            <
            < Your name?
            < » Dana
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            = submitted `tiny`
            =   name: Text("Dana")
            < Thank you! Your request is registered as T-000001. We will answer you right here.
        "#]],
    );
}

//! Transcripts of filling one form: every field type, refusals, conditions, back, skip,
//! cancel, edit from the summary, and the form-level `validate:` hook.

use expect_test::expect;

use super::harness::{Source, check};

/// One question of every type.
const EVERYTHING: &str = r#"
id: everything
title: Every field type
description: One question of each kind.
fields:
  - id: category
    prompt: What is it about?
    type: choice
    layout: { columns: 2 }
    choices:
      - { value: billing, label: Billing }
      - { value: technical, label: Technical }
      - { value: account, label: Account }
  - id: platforms
    prompt: Where do you use us?
    type: multi_choice
    choices: [Web, iOS, Android]
  - id: order
    prompt: Your order number?
    help: It starts with ORD- and is printed on your receipt.
    type: text
    pattern: '^ORD-\d{4}$'
    error: Order numbers look like ORD-1234
  - id: seats
    prompt: How many seats?
    type: number
    min: 1
    max: 500
  - id: email
    prompt: Your email address?
    type: email
  - id: phone
    prompt: A phone number for call-backs?
    type: phone
    required: false
  - id: since
    prompt: Since when?
    type: date
  - id: blocking
    prompt: Is it blocking your work?
    type: yes_no
  - id: screenshots
    prompt: Screenshots, please.
    type: attachment
    max_count: 2
  - id: details
    prompt: Anything else?
    type: text
    min_length: 5
    max_length: 40
    required: false
"#;

#[test]
fn happy_path_through_every_field_type() {
    check(
        Source::Form(EVERYTHING),
        r"
        > /start
        > [button: Billing]
        > [button: Web]
        > [button: Android]
        > [button: Done]
        > ORD-1234
        > 12
        > dana@example.com
        > +49 30 1234567
        > 01.03.2026
        > [button: Yes]
        > [photo: photo-1]
        > [document: doc-2]
        > It started after the update.
        > [button: Submit]
        ",
        expect![[r#"
            > /start
            < Every field type
            < One question of each kind.
            <
            < What is it about?
            <   [Billing] [Technical]
            <   [Account]
            > [button: Billing]
            < (buttons removed)
            < Where do you use us?
            < Choose one or more, then press Done.
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
            > [button: Android]
            < (buttons changed)
            <   [✓ Web]
            <   [iOS]
            <   [✓ Android]
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (buttons removed)
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > ORD-1234
            < (buttons removed)
            < How many seats?
            <   [« Back]
            > 12
            < (buttons removed)
            < Your email address?
            <   [« Back]
            > dana@example.com
            < (buttons removed)
            < A phone number for call-backs?
            <   [« Back] [Skip »]
            > +49 30 1234567
            < (buttons removed)
            < Since when?
            <   [« Back]
            > 01.03.2026
            < (buttons removed)
            < Is it blocking your work?
            <   [Yes] [No]
            <   [« Back]
            > [button: Yes]
            < (buttons removed)
            < Screenshots, please.
            < Send up to 2 photos or documents.
            <   [« Back]
            > [photo: photo-1]
            < (buttons removed)
            < Screenshots, please.
            < Got 1 of 2. Send more, or press Done.
            <   [Done]
            <   [« Back]
            > [document: doc-2]
            < (buttons removed)
            < Anything else?
            <   [« Back] [Skip »]
            > It started after the update.
            < (buttons removed)
            < Please check your answers:
            <
            < What is it about?
            < » Billing
            <
            < Where do you use us?
            < » Web, Android
            <
            < Your order number?
            < » ORD-1234
            <
            < How many seats?
            < » 12
            <
            < Your email address?
            < » dana@example.com
            <
            < A phone number for call-backs?
            < » +49 30 1234567
            <
            < Since when?
            < » 2026-03-01
            <
            < Is it blocking your work?
            < » Yes
            <
            < Screenshots, please.
            < » 2 files
            <
            < Anything else?
            < » It started after the update.
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            = submitted `everything`
            =   blocking: Bool(true)
            =   category: Text("billing")
            =   details: Text("It started after the update.")
            =   email: Text("dana@example.com")
            =   order: Text("ORD-1234")
            =   phone: Text("+49 30 1234567")
            =   platforms: Choices(["Web", "Android"])
            =   screenshots: Files(["photo-1", "doc-2"])
            =   seats: Number(12.0)
            =   since: Text("2026-03-01")
            =   file photo-1 (Photo)
            =   file doc-2 (Document)
            < Thank you! Your request is registered as T-000001. We will answer you right here.
        "#]],
    );
}

#[test]
fn wrong_answers_are_asked_again_with_their_error() {
    check(
        Source::Form(EVERYTHING),
        r"
        > hello
        > Something else
        > billing
        > [photo: too-early]
        > [button: Done]
        > web, carrier pigeon
        > web; ANDROID
        > ORD-12
        > ORD-1234 please
        > ORD-1234
        > lots
        > 0
        > 1 000
        > 1,5
        > dana@
        > dana@example.com
        > call me maybe
        > [button: Skip »]
        > 31.02.2026
        > yesterday
        > perhaps
        > да
        > here is my screenshot
        > [photo: photo-1]
        > [button: Done]
        > ok
        > This sentence is far too long for the forty characters allowed.
        > Fine now.
        ",
        expect![[r#"
            > hello
            < Every field type
            < One question of each kind.
            <
            < What is it about?
            <   [Billing] [Technical]
            <   [Account]
            > Something else
            < (buttons removed)
            < Please pick one of the options.
            <
            < What is it about?
            <   [Billing] [Technical]
            <   [Account]
            > billing
            < (buttons removed)
            < Where do you use us?
            < Choose one or more, then press Done.
            <   [Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [photo: too-early]
            < (buttons removed)
            < This question needs a typed answer or a button, not a file.
            <
            < Where do you use us?
            < Choose one or more, then press Done.
            <   [Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (notice) Pick at least one option, then press Done.
            > web, carrier pigeon
            < (buttons removed)
            < Please pick one or more of the options.
            <
            < Where do you use us?
            < Choose one or more, then press Done.
            <   [Web]
            <   [iOS]
            <   [Android]
            <   [Done]
            <   [« Back]
            > web; ANDROID
            < (buttons removed)
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > ORD-12
            < (buttons removed)
            < Order numbers look like ORD-1234
            <
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > ORD-1234 please
            < (buttons removed)
            < Order numbers look like ORD-1234
            <
            < Your order number?
            < It starts with ORD- and is printed on your receipt.
            <   [« Back]
            > ORD-1234
            < (buttons removed)
            < How many seats?
            <   [« Back]
            > lots
            < (buttons removed)
            < Please send a number, like 42.
            <
            < How many seats?
            <   [« Back]
            > 0
            < (buttons removed)
            < Please send a number from 1 to 500.
            <
            < How many seats?
            <   [« Back]
            > 1 000
            < (buttons removed)
            < Please send a number from 1 to 500.
            <
            < How many seats?
            <   [« Back]
            > 1,5
            < (buttons removed)
            < Your email address?
            <   [« Back]
            > dana@
            < (buttons removed)
            < That does not look like an email address (name@example.com).
            <
            < Your email address?
            <   [« Back]
            > dana@example.com
            < (buttons removed)
            < A phone number for call-backs?
            <   [« Back] [Skip »]
            > call me maybe
            < (buttons removed)
            < That does not look like a phone number (+49 30 1234567).
            <
            < A phone number for call-backs?
            <   [« Back] [Skip »]
            > [button: Skip »]
            < (buttons removed)
            < Since when?
            <   [« Back]
            > 31.02.2026
            < (buttons removed)
            < Please send a date like 2026-03-31 or 31.03.2026.
            <
            < Since when?
            <   [« Back]
            > yesterday
            < (buttons removed)
            < Is it blocking your work?
            <   [Yes] [No]
            <   [« Back]
            > perhaps
            < (buttons removed)
            < Please answer Yes or No.
            <
            < Is it blocking your work?
            <   [Yes] [No]
            <   [« Back]
            > да
            < (buttons removed)
            < Screenshots, please.
            < Send up to 2 photos or documents.
            <   [« Back]
            > here is my screenshot
            < (buttons removed)
            < Please send a photo or a document.
            <
            < Screenshots, please.
            < Send up to 2 photos or documents.
            <   [« Back]
            > [photo: photo-1]
            < (buttons removed)
            < Screenshots, please.
            < Got 1 of 2. Send more, or press Done.
            <   [Done]
            <   [« Back]
            > [button: Done]
            < (buttons removed)
            < Anything else?
            <   [« Back] [Skip »]
            > ok
            < (buttons removed)
            < Please write at least 5 characters.
            <
            < Anything else?
            <   [« Back] [Skip »]
            > This sentence is far too long for the forty characters allowed.
            < (buttons removed)
            < Please keep it to 40 characters at most.
            <
            < Anything else?
            <   [« Back] [Skip »]
            > Fine now.
            < (buttons removed)
            < Please check your answers:
            <
            < What is it about?
            < » Billing
            <
            < Where do you use us?
            < » Web, Android
            <
            < Your order number?
            < » ORD-1234
            <
            < How many seats?
            < » 1.5
            <
            < Your email address?
            < » dana@example.com
            <
            < A phone number for call-backs?
            < » (skipped)
            <
            < Since when?
            < » 2026-03-01
            <
            < Is it blocking your work?
            < » Yes
            <
            < Screenshots, please.
            < » 1 file
            <
            < Anything else?
            < » Fine now.
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
        "#]],
    );
}

const SUPPORT: Source<'static> = Source::Dir("rules");

#[test]
fn a_conditional_field_is_asked_only_when_its_condition_holds() {
    check(
        SUPPORT,
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

#[test]
fn editing_from_the_summary_asks_newly_applicable_fields_and_drops_the_others() {
    check(
        SUPPORT,
        r"
        > /start support
        > [button: Billing]
        > INV-12345
        > [button: Yes]
        > [button: High]
        > The refund for March never arrived.
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
        SUPPORT,
        r"
        > /start support
        > [button: Billing]
        > INV-12345
        > [button: Yes]
        > [button: Low]
        > Please refund the double charge.
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

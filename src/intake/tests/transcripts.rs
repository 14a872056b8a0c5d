//! The happy path through one question of every field type, and the form that has them.

use expect_test::expect;

use super::harness::{Source, check};

/// One question of every type.
pub(super) const EVERYTHING: &str = r#"
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

/// The shipped rules: the support and bug forms.
pub(super) const RULES: Source<'static> = Source::Dir("rules");

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

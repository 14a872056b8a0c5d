//! Wrong answers of every type, each asked again with the field's `error:` or the default.

use expect_test::expect;

use super::harness::{Source, check};
use super::transcripts::EVERYTHING;

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

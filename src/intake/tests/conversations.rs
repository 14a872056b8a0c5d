//! Transcripts around the form: the menu and deep links, an open ticket, restarts, expiry,
//! help and languages.

use expect_test::expect;

use super::harness::check;
use super::transcripts::RULES;

#[test]
fn several_forms_offer_a_menu_and_deep_links_open_one() {
    check(
        RULES,
        r"
        > Hi, my app crashes
        > something
        > [button: Report a bug]
        > /start nosuchform
        > /start support
        > [button: Technical problem]
        > /start
        ",
        expect![[r#"
            > Hi, my app crashes
            < Hello! What can we help you with?
            < • Contact support: Questions about your account, invoices or using the product.
            < • Report a bug
            <   [Contact support]
            <   [Report a bug]
            > something
            < Please choose one of the buttons above.
            > [button: Report a bug]
            < (buttons removed)
            < Report a bug
            <
            < Where did it go wrong?
            <   [In the app]
            <   [Payments]
            > /start nosuchform
            < (buttons removed)
            < There is no form called “nosuchform”.
            <
            < Where did it go wrong?
            <   [In the app]
            <   [Payments]
            > /start support
            < (buttons removed)
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
            > /start
            < (buttons removed)
            < Let's continue where you left off.
            <
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
        "#]],
    );
}

#[test]
fn a_customer_with_an_open_ticket_chooses_where_to_write() {
    check(
        RULES,
        r"
        > [open ticket: T-000042]
        > /start
        > more details
        > [button: Add to T-000042]
        > /start bug
        > [button: Open a new request]
        ",
        expect![[r#"
            > [open ticket: T-000042]
            > /start
            < You already have an open request, T-000042. Add your message to it, or open a new request?
            <   [Add to T-000042]
            <   [Open a new request]
            > more details
            < (buttons removed)
            < Good: just write here, and your messages go to T-000042.
            = add to T-000042
            > [button: Add to T-000042]
            < (notice) This form has ended. Send /start to begin again.
            < (pressed message's buttons removed)
            > /start bug
            < You already have an open request, T-000042. Add your message to it, or open a new request?
            <   [Add to T-000042]
            <   [Open a new request]
            > [button: Open a new request]
            < (buttons removed)
            < Report a bug
            <
            < Where did it go wrong?
            <   [In the app]
            <   [Payments]
        "#]],
    );
}

#[test]
fn a_restart_mid_form_resumes_where_the_customer_was() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > [restart]
        > INV-54321
        > [restart]
        > [button: No]
        > [restart]
        > /start
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
            > [restart]
            > INV-54321
            < (buttons removed)
            < Are you asking for a refund?
            <   [Yes] [No]
            <   [« Back]
            > [restart]
            > [button: No]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
            > [restart]
            > /start
            < (buttons removed)
            < Let's continue where you left off.
            <
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Back]
        "#]],
    );
}

#[test]
fn an_idle_session_expires_politely() {
    check(
        RULES,
        r"
        > /start support
        > [button: Billing]
        > [wait: 23h]
        > [tick]
        > INV-11111
        > [wait: 24h]
        > [tick]
        > [button: Yes]
        > /start support
        > [wait: 30h]
        > /start bug
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
            > [wait: 23h]
            > [tick]
            > INV-11111
            < (buttons removed)
            < Are you asking for a refund?
            <   [Yes] [No]
            <   [« Back]
            > [wait: 24h]
            > [tick]
            < (buttons removed)
            < Your unfinished request was closed after 24 hours without activity, and nothing was sent. Send /start whenever you want to begin again.
            = expired
            > [button: Yes]
            < (notice) This form has ended. Send /start to begin again.
            < (pressed message's buttons removed)
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [wait: 30h]
            > /start bug
            < (buttons removed)
            < Your unfinished request was closed after 24 hours without activity, and nothing was sent. Send /start whenever you want to begin again.
            < Report a bug
            <
            < Where did it go wrong?
            <   [In the app]
            <   [Payments]
            = expired
        "#]],
    );
}

#[test]
fn help_shows_the_question_help_and_the_commands() {
    check(
        RULES,
        r"
        > /help
        > /start support
        > [button: Billing]
        > /help
        > /frobnicate
        > /edit
        ",
        expect![[r#"
            > /help
            < Send /start to contact us.
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
            > /help
            < You find it at the top right of every invoice.
            <
            < Commands: /back previous question, /skip skip an optional question, /edit change an answer, /cancel stop without sending.
            > /frobnicate
            < I don't know the command /frobnicate.
            < Commands: /back previous question, /skip skip an optional question, /edit change an answer, /cancel stop without sending.
            > /edit
            < (buttons removed)
            < Which answer do you want to change?
            <   [What is your question about?]
            <   [« Back]
        "#]],
    );
}

#[test]
fn the_customer_language_picks_the_catalogue() {
    check(
        RULES,
        r"
        > [language: ru-RU]
        > /start bug
        > [button: In the app]
        > [button: Готово]
        > [button: iOS]
        > [button: Готово]
        > 4.2
        > позавчера
        > [button: Пропустить »]
        > сто
        > 250
        > [button: Blocks my work]
        > Открываю приложение, нажимаю «Оплатить», и оно закрывается.
        > [button: Отправить]
        ",
        expect![[r#"
            > [language: ru-RU]
            > /start bug
            < Report a bug
            <
            < Where did it go wrong?
            <   [In the app]
            <   [Payments]
            > [button: In the app]
            < (buttons removed)
            < Which platform?
            < Выберите один или несколько вариантов и нажмите «Готово».
            <   [Web] [iOS] [Android]
            <   [Готово]
            <   [« Назад]
            > [button: Готово]
            < (notice) Выберите хотя бы один вариант и нажмите «Готово».
            > [button: iOS]
            < (buttons changed)
            <   [Web] [✓ iOS] [Android]
            <   [Готово]
            <   [« Назад]
            > [button: Готово]
            < (buttons removed)
            < Which app version (Settings > About)?
            <   [« Назад]
            > 4.2
            < (buttons removed)
            < When did it first happen?
            <   [« Назад] [Пропустить »]
            > позавчера
            < (buttons removed)
            < Пожалуйста, пришлите дату вида 31.03.2026 или 2026-03-31.
            <
            < When did it first happen?
            <   [« Назад] [Пропустить »]
            > [button: Пропустить »]
            < (buttons removed)
            < Roughly how many of your users are affected?
            <   [« Назад]
            > сто
            < (buttons removed)
            < Пожалуйста, пришлите число, например 42.
            <
            < Roughly how many of your users are affected?
            <   [« Назад]
            > 250
            < (buttons removed)
            < How bad is it?
            <   [Annoying]
            <   [Blocks my work]
            <   [Everything is down]
            <   [« Назад]
            > [button: Blocks my work]
            < (buttons removed)
            < What did you do, what did you expect, and what happened instead?
            <   [« Назад]
            > Открываю приложение, нажимаю «Оплатить», и оно закрывается.
            < (buttons removed)
            < Проверьте ваши ответы:
            <
            < Where did it go wrong?
            < » In the app
            <
            < Which platform?
            < » iOS
            <
            < Which app version (Settings > About)?
            < » 4.2
            <
            < When did it first happen?
            < » (пропущено)
            <
            < Roughly how many of your users are affected?
            < » 250
            <
            < How bad is it?
            < » Blocks my work
            <
            < What did you do, what did you expect, and what happened instead?
            < » Открываю приложение, нажимаю «Оплатить», и оно закрывается.
            <
            < Нажмите «Отправить», чтобы отправить обращение, или «Изменить», чтобы поправить ответ.
            <   [Отправить] [Изменить]
            > [button: Отправить]
            < (buttons removed)
            = submitted `bug`
            =   affected_users: Number(250.0)
            =   category: Text("technical")
            =   platform: Choices(["iOS"])
            =   priority: Text("high")
            =   steps: Text("Открываю приложение, нажимаю «Оплатить», и оно закрывается.")
            =   version: Text("4.2")
            < Спасибо! Ваше обращение зарегистрировано под номером T-000001. Мы ответим вам здесь.
        "#]],
    );
}

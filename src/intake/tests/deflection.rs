//! Articles before a ticket (`suggest_kb_after`): solved without a ticket, or the form goes
//! on; offered once, only when something matches well enough (`suggest_kb_min_score`); in the
//! customer's language.

use expect_test::expect;

use super::harness::check;
use super::transcripts::RULES;

#[test]
fn an_article_that_solves_it_ends_the_form_without_a_ticket() {
    check(
        RULES,
        r"
        > /start support
        > [button: Technical problem]
        > [button: Normal]
        > I forgot my password and the reset link expired
        > [button: 📖 Reset your password]
        > [button: ✅ That solved it]
        ",
        expect![[r#"
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
            > I forgot my password and the reset link expired
            < (buttons removed)
            < These articles may answer your question. Open one, or go on with the form:
            < • Reset your password
            < • Account locked after too many sign-in attempts
            <   [📖 Reset your password]
            <   [📖 Account locked after too many sign-in a…]
            <   [I still need help]
            > [button: 📖 Reset your password]
            < Reset your password
            <
            < If you forgot your password, open the sign-in page and press **Forgot password?**.
            < Enter the email address of your account; we send a reset link that works for one hour.
            <
            < - The link opens a page where you choose a new password of at least 10 characters.
            < - No email after five minutes? Check the spam folder, then see "Not receiving our emails".
            < - Signed in with Google or SSO? You have no password with us: reset it with your identity provider.
            < (buttons removed)
            < Did “Reset your password” solve it?
            <   [✅ That solved it]
            <   [📖 Account locked after too many sign-in a…]
            <   [I still need help]
            > [button: ✅ That solved it]
            < (buttons removed)
            < Glad it helped! No request was opened. Write /start whenever you need us.
            = deflected by `reset-password` in `support`: "I forgot my password and the reset link expired"
        "#]],
    );
}

#[test]
fn still_needing_help_after_reading_goes_on_with_the_form() {
    check(
        RULES,
        r"
        > /start support
        > [button: Technical problem]
        > [button: Normal]
        > The dashboard is very slow since this morning
        > [button: 📖 The dashboard is slow or does not load]
        > [button: I still need help]
        > [button: Skip »]
        > /back
        > /back
        > The dashboard is very slow, twenty seconds a page
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
            > The dashboard is very slow since this morning
            < (buttons removed)
            < These articles may answer your question. Open one, or go on with the form:
            < • The dashboard is slow or does not load
            <   [📖 The dashboard is slow or does not load]
            <   [I still need help]
            > [button: 📖 The dashboard is slow or does not load]
            < The dashboard is slow or does not load
            <
            < First check the status page for an ongoing incident.
            < Then try a private window: if it is fast there, a browser extension or an old cache is the cause; clear the cache for our site. Dashboards with many widgets over long date ranges load slower: narrow the range or split the dashboard.
            < Still slow? Send us the dashboard's link and the time it happened.
            < (buttons removed)
            < Did “The dashboard is slow or does not load” solve it?
            <   [✅ That solved it]
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
            < » Technical problem
            <
            < How urgent is it?
            < » Normal
            <
            < Describe the problem
            < » The dashboard is very slow since this morning
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > /back
            < (buttons removed)
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            < Current answer: (skipped)
            <   [« Back] [Skip »]
            > /back
            < (buttons removed)
            < Describe the problem
            < Current answer: The dashboard is very slow since this morning
            <   [« Back]
            > The dashboard is very slow, twenty seconds a page
            < (buttons removed)
            < Please check your answers:
            <
            < What is your question about?
            < » Technical problem
            <
            < How urgent is it?
            < » Normal
            <
            < Describe the problem
            < » The dashboard is very slow, twenty seconds a page
            <
            < A screenshot helps. Send up to 3, or skip.
            < » (skipped)
            <
            < Press Submit to send your request, or Edit to change an answer.
            <   [Submit] [Edit]
            > [button: Submit]
            < (buttons removed)
            = submitted `support`
            =   category: Text("technical")
            =   description: Text("The dashboard is very slow, twenty seconds a page")
            =   priority: Text("normal")
            < Thank you! Your request is registered as T-000001. We will answer you right here.
        "#]],
    );
}

#[test]
fn nothing_is_offered_when_no_article_matches_and_russian_customers_read_russian() {
    check(
        RULES,
        r"
        > /start support
        > [button: Something else]
        > [button: Low]
        > Hello? Is anybody there?
        ",
        expect![[r#"
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [button: Something else]
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
            > Hello? Is anybody there?
            < (buttons removed)
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            <   [« Back] [Skip »]
        "#]],
    );
    check(
        RULES,
        r"
        > [language: ru]
        > /start support
        > [button: Something else]
        > [button: Low]
        > Хочу вернуть деньги за подписку
        > [button: 📖 Возврат денег]
        > [button: ✅ Да, вопрос решён]
        ",
        expect![[r#"
            > [language: ru]
            > /start support
            < Contact support
            < Questions about your account, invoices or using the product.
            <
            < What is your question about?
            <   [Billing] [Technical problem]
            <   [My account] [Something else]
            > [button: Something else]
            < (buttons removed)
            < How urgent is it?
            <   [Low]
            <   [Normal]
            <   [High]
            <   [« Назад]
            > [button: Low]
            < (buttons removed)
            < Describe the problem
            <   [« Назад]
            > Хочу вернуть деньги за подписку
            < (buttons removed)
            < Возможно, ответ есть в этих статьях. Откройте одну или продолжите заполнять форму:
            < • Возврат денег
            < • Как отменить подписку
            < • Как сменить тариф
            <   [📖 Возврат денег]
            <   [📖 Как отменить подписку]
            <   [📖 Как сменить тариф]
            <   [Мне всё ещё нужна помощь]
            > [button: 📖 Возврат денег]
            < Возврат денег
            <
            < Годовые тарифы мы возвращаем полностью в течение 30 дней после оплаты, месячные — в течение 14 дней, если тарифом не пользовались.
            < Запросите возврат в разделе **Оплата → Счета → Запросить возврат**. Деньги вернутся на карту за 5–10 рабочих дней.
            < (buttons removed)
            < Статья «Возврат денег» помогла?
            <   [✅ Да, вопрос решён]
            <   [📖 Как отменить подписку]
            <   [📖 Как сменить тариф]
            <   [Мне всё ещё нужна помощь]
            > [button: ✅ Да, вопрос решён]
            < (buttons removed)
            < Рады, что помогло! Обращение не создано. Напишите /start, если понадобится помощь.
            = deflected by `vozvrat-sredstv` in `support`: "Хочу вернуть деньги за подписку"
        "#]],
    );
}

#[test]
fn an_answer_sharing_only_a_chance_word_with_an_article_is_offered_nothing() {
    // The search finds articles for these words, each under the form's minimum score.
    check(
        RULES,
        r"
        > /start support
        > [button: Technical problem]
        > [button: Normal]
        > I love your product
        ",
        expect![[r#"
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
            > I love your product
            < (buttons removed)
            < A screenshot helps. Send up to 3, or skip.
            < Send up to 3 photos or documents.
            <   [« Back] [Skip »]
        "#]],
    );
}

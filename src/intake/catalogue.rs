//! The message catalogue: every sentence the intake dialogue says on its own, per language.
//!
//! Forms supply their questions, help and error texts; everything else (buttons, hints,
//! default errors, system messages) comes from a [`Catalogue`]. A catalogue is a struct of
//! `&'static str`, so a language that misses a message does not compile. The customer's
//! Telegram language code picks the catalogue by its primary subtag (`ru-RU` -> `ru`); an
//! unknown or missing code gets English. To add a language, add a `static` here and list it
//! in [`CATALOGUES`].
//!
//! Placeholders are written `{name}` and filled by [`Catalogue::fill`]; counted nouns use the
//! language's plural rule ([`Catalogue::files`], [`Catalogue::duration`]).

use crate::duration::Span;

/// The sentences of one language. Each field is named after where it is said and its
/// English text is its documentation. Two catalogues are equal when their codes are.
#[derive(Debug)]
pub struct Catalogue {
    /// Primary language subtag, like `en`.
    pub code: &'static str,
    // Buttons.
    pub(super) back: &'static str,
    pub(super) skip: &'static str,
    pub(super) done: &'static str,
    pub(super) yes: &'static str,
    pub(super) no: &'static str,
    pub(super) submit: &'static str,
    pub(super) edit: &'static str,
    pub(super) add_to_ticket: &'static str,
    pub(super) new_ticket: &'static str,
    // The dialogue.
    pub(super) menu: &'static str,
    pub(super) unknown_form: &'static str,
    pub(super) open_ticket: &'static str,
    pub(super) added_to_ticket: &'static str,
    pub(super) articles_offered: &'static str,
    /// `{title}`: the article just read.
    pub(super) article_helped: &'static str,
    pub(super) solved: &'static str,
    pub(super) need_help: &'static str,
    pub(super) deflected: &'static str,
    pub(super) going_on: &'static str,
    pub(super) article_gone: &'static str,
    pub(super) resume: &'static str,
    pub(super) current_answer: &'static str,
    pub(super) multi_hint: &'static str,
    pub(super) attachment_hint_one: &'static str,
    pub(super) attachment_hint_many: &'static str,
    pub(super) attachment_progress: &'static str,
    pub(super) summary: &'static str,
    pub(super) summary_footer: &'static str,
    pub(super) skipped: &'static str,
    pub(super) edit_which: &'static str,
    pub(super) nothing_to_edit: &'static str,
    pub(super) cancelled: &'static str,
    pub(super) nothing_to_cancel: &'static str,
    pub(super) no_form: &'static str,
    pub(super) expired: &'static str,
    pub(super) ended_button: &'static str,
    pub(super) old_form_button: &'static str,
    pub(super) stale_button: &'static str,
    pub(super) invalid_button: &'static str,
    pub(super) first_question: &'static str,
    pub(super) required: &'static str,
    pub(super) nothing_to_skip: &'static str,
    pub(super) use_buttons: &'static str,
    pub(super) pick_field: &'static str,
    pub(super) commands: &'static str,
    pub(super) unknown_command: &'static str,
    pub(super) help_idle: &'static str,
    pub(super) form_gone: &'static str,
    pub(super) session_reset: &'static str,
    pub(super) unavailable: &'static str,
    pub(super) confirmation: &'static str,
    /// Singular, few, many (languages with two forms repeat the last).
    pub(super) files: [&'static str; 3],
    pub(super) hours: [&'static str; 3],
    pub(super) minutes: [&'static str; 3],
    /// Picks the index into counted forms like [`Catalogue::files`].
    pub(super) plural: fn(u64) -> usize,
    // Default errors, per field type.
    pub(super) empty: &'static str,
    pub(super) choice: &'static str,
    pub(super) multi_choice: &'static str,
    pub(super) multi_none: &'static str,
    pub(super) pattern: &'static str,
    pub(super) too_short: &'static str,
    pub(super) too_long: &'static str,
    pub(super) number: &'static str,
    pub(super) number_min: &'static str,
    pub(super) number_max: &'static str,
    pub(super) number_range: &'static str,
    pub(super) email: &'static str,
    pub(super) phone: &'static str,
    pub(super) date: &'static str,
    pub(super) yes_no: &'static str,
    pub(super) attachment: &'static str,
    pub(super) files_none: &'static str,
    pub(super) not_a_file_question: &'static str,
    // Words a customer may type instead of pressing a button (matched case-insensitively).
    pub(super) yes_words: &'static [&'static str],
    pub(super) no_words: &'static [&'static str],
    pub(super) today_words: &'static [&'static str],
    pub(super) yesterday_words: &'static [&'static str],
}

/// Every catalogue; the first is the default.
pub static CATALOGUES: [&Catalogue; 2] = [&ENGLISH, &RUSSIAN];

/// English, the default.
pub static ENGLISH: Catalogue = Catalogue {
    code: "en",
    back: "« Back",
    skip: "Skip »",
    done: "Done",
    yes: "Yes",
    no: "No",
    submit: "Submit",
    edit: "Edit",
    add_to_ticket: "Add to {ticket}",
    new_ticket: "Open a new request",
    menu: "Hello! What can we help you with?",
    unknown_form: "There is no form called “{form}”.",
    open_ticket: "You already have an open request, {ticket}. Add your message to it, or open a new request?",
    added_to_ticket: "Good: just write here, and your messages go to {ticket}.",
    articles_offered: "These articles may answer your question. Open one, or go on with the form:",
    article_helped: "Did \u{201c}{title}\u{201d} solve it?",
    solved: "✅ That solved it",
    need_help: "I still need help",
    deflected: "Glad it helped! No request was opened. Write /start whenever you need us.",
    going_on: "Let's go on, then.",
    article_gone: "That article is no longer available.",
    resume: "Let's continue where you left off.",
    current_answer: "Current answer: {answer}",
    multi_hint: "Choose one or more, then press Done.",
    attachment_hint_one: "Send a photo or a document.",
    attachment_hint_many: "Send up to {max} photos or documents.",
    attachment_progress: "Got {count} of {max}. Send more, or press Done.",
    summary: "Please check your answers:",
    summary_footer: "Press Submit to send your request, or Edit to change an answer.",
    skipped: "(skipped)",
    edit_which: "Which answer do you want to change?",
    nothing_to_edit: "There is no answer to change yet.",
    cancelled: "Cancelled: nothing was sent. Send /start whenever you want to begin again.",
    nothing_to_cancel: "There is nothing to cancel.",
    no_form: "No form is open. Send /start to begin.",
    expired: "Your unfinished request was closed after {span} without activity, and nothing was sent. Send /start whenever you want to begin again.",
    ended_button: "This form has ended. Send /start to begin again.",
    old_form_button: "This button belongs to a form that has ended.",
    stale_button: "This button belongs to an earlier question.",
    invalid_button: "This button is not valid.",
    first_question: "This is the first question; there is nothing before it.",
    required: "This question needs an answer, so it cannot be skipped.",
    nothing_to_skip: "There is nothing to skip here.",
    use_buttons: "Please choose one of the buttons above.",
    pick_field: "Please pick the answer you want to change.",
    commands: "Commands: /back previous question, /skip skip an optional question, /edit change an answer, /cancel stop without sending.",
    unknown_command: "I don't know the command {command}.",
    help_idle: "Send /start to contact us.",
    form_gone: "This form is no longer available, so it was closed. Send /start to begin again.",
    session_reset: "Our forms changed, so your unfinished request was reset. Send /start to begin again.",
    unavailable: "Sorry, no request form is available right now. Please try again later.",
    confirmation: "Thank you! Your request is registered as {ticket}. We will answer you right here.",
    files: ["{n} file", "{n} files", "{n} files"],
    hours: ["{n} hour", "{n} hours", "{n} hours"],
    minutes: ["{n} minute", "{n} minutes", "{n} minutes"],
    plural: english_plural,
    empty: "Please type your answer.",
    choice: "Please pick one of the options.",
    multi_choice: "Please pick one or more of the options.",
    multi_none: "Pick at least one option, then press Done.",
    pattern: "That does not match the expected format.",
    too_short: "Please write at least {n} characters.",
    too_long: "Please keep it to {n} characters at most.",
    number: "Please send a number, like 42.",
    number_min: "Please send a number of at least {min}.",
    number_max: "Please send a number of at most {max}.",
    number_range: "Please send a number from {min} to {max}.",
    email: "That does not look like an email address (name@example.com).",
    phone: "That does not look like a phone number (+49 30 1234567).",
    date: "Please send a date like 2026-03-31 or 31.03.2026.",
    yes_no: "Please answer Yes or No.",
    attachment: "Please send a photo or a document.",
    files_none: "Send at least one file, then press Done.",
    not_a_file_question: "This question needs a typed answer or a button, not a file.",
    yes_words: &["yes", "y", "yeah", "yep", "sure"],
    no_words: &["no", "n", "nope"],
    today_words: &["today"],
    yesterday_words: &["yesterday"],
};

/// Russian.
pub static RUSSIAN: Catalogue = Catalogue {
    code: "ru",
    back: "« Назад",
    skip: "Пропустить »",
    done: "Готово",
    yes: "Да",
    no: "Нет",
    submit: "Отправить",
    edit: "Изменить",
    add_to_ticket: "Дописать в {ticket}",
    new_ticket: "Новое обращение",
    menu: "Здравствуйте! С чем вам помочь?",
    unknown_form: "Формы «{form}» нет.",
    open_ticket: "У вас уже есть открытое обращение {ticket}. Дописать в него или открыть новое?",
    added_to_ticket: "Хорошо: просто пишите сюда, и сообщения попадут в {ticket}.",
    articles_offered: "Возможно, ответ есть в этих статьях. Откройте одну или продолжите заполнять форму:",
    article_helped: "Статья \u{ab}{title}\u{bb} помогла?",
    solved: "✅ Да, вопрос решён",
    need_help: "Мне всё ещё нужна помощь",
    deflected: "Рады, что помогло! Обращение не создано. Напишите /start, если понадобится помощь.",
    going_on: "Тогда продолжим.",
    article_gone: "Этой статьи больше нет.",
    resume: "Продолжим с того места, где вы остановились.",
    current_answer: "Текущий ответ: {answer}",
    multi_hint: "Выберите один или несколько вариантов и нажмите «Готово».",
    attachment_hint_one: "Пришлите фото или документ.",
    attachment_hint_many: "Пришлите до {max} фото или документов.",
    attachment_progress: "Получено {count} из {max}. Пришлите ещё или нажмите «Готово».",
    summary: "Проверьте ваши ответы:",
    summary_footer: "Нажмите «Отправить», чтобы отправить обращение, или «Изменить», чтобы поправить ответ.",
    skipped: "(пропущено)",
    edit_which: "Какой ответ вы хотите изменить?",
    nothing_to_edit: "Пока нечего менять.",
    cancelled: "Отменено: ничего не отправлено. Напишите /start, когда захотите начать заново.",
    nothing_to_cancel: "Отменять нечего.",
    no_form: "Форма не открыта. Напишите /start, чтобы начать.",
    expired: "Незаконченное обращение закрыто после {span} без активности, ничего не отправлено. Напишите /start, когда захотите начать заново.",
    ended_button: "Эта форма уже закрыта. Напишите /start, чтобы начать заново.",
    old_form_button: "Эта кнопка относится к уже закрытой форме.",
    stale_button: "Эта кнопка относится к предыдущему вопросу.",
    invalid_button: "Эта кнопка недействительна.",
    first_question: "Это первый вопрос, до него ничего нет.",
    required: "На этот вопрос нужно ответить, пропустить его нельзя.",
    nothing_to_skip: "Здесь нечего пропускать.",
    use_buttons: "Пожалуйста, выберите одну из кнопок выше.",
    pick_field: "Пожалуйста, выберите ответ, который хотите изменить.",
    commands: "Команды: /back предыдущий вопрос, /skip пропустить необязательный вопрос, /edit изменить ответ, /cancel выйти без отправки.",
    unknown_command: "Я не знаю команду {command}.",
    help_idle: "Напишите /start, чтобы связаться с нами.",
    form_gone: "Эта форма больше недоступна и закрыта. Напишите /start, чтобы начать заново.",
    session_reset: "Наши формы изменились, поэтому незаконченное обращение сброшено. Напишите /start, чтобы начать заново.",
    unavailable: "К сожалению, сейчас форма обращения недоступна. Попробуйте позже.",
    confirmation: "Спасибо! Ваше обращение зарегистрировано под номером {ticket}. Мы ответим вам здесь.",
    files: ["{n} файл", "{n} файла", "{n} файлов"],
    // Genitive: the expiry message says "после {span}".
    hours: ["{n} часа", "{n} часов", "{n} часов"],
    minutes: ["{n} минуты", "{n} минут", "{n} минут"],
    plural: russian_plural,
    empty: "Пожалуйста, напишите ответ.",
    choice: "Пожалуйста, выберите один из вариантов.",
    multi_choice: "Пожалуйста, выберите один или несколько вариантов.",
    multi_none: "Выберите хотя бы один вариант и нажмите «Готово».",
    pattern: "Ответ не соответствует ожидаемому формату.",
    too_short: "Пожалуйста, напишите не меньше {n} символов.",
    too_long: "Пожалуйста, уложитесь в {n} символов.",
    number: "Пожалуйста, пришлите число, например 42.",
    number_min: "Пожалуйста, пришлите число не меньше {min}.",
    number_max: "Пожалуйста, пришлите число не больше {max}.",
    number_range: "Пожалуйста, пришлите число от {min} до {max}.",
    email: "Это не похоже на адрес электронной почты (name@example.com).",
    phone: "Это не похоже на номер телефона (+7 495 1234567).",
    date: "Пожалуйста, пришлите дату вида 31.03.2026 или 2026-03-31.",
    yes_no: "Пожалуйста, ответьте «Да» или «Нет».",
    attachment: "Пожалуйста, пришлите фото или документ.",
    files_none: "Пришлите хотя бы один файл и нажмите «Готово».",
    not_a_file_question: "На этот вопрос нужно ответить текстом или кнопкой, а не файлом.",
    yes_words: &["да", "д", "ага", "конечно"],
    no_words: &["нет", "н", "не"],
    today_words: &["сегодня"],
    yesterday_words: &["вчера"],
};

impl PartialEq for Catalogue {
    fn eq(&self, other: &Catalogue) -> bool {
        self.code == other.code
    }
}

impl Eq for Catalogue {}

impl Catalogue {
    /// The catalogue for a Telegram language code (`ru`, `ru-RU`, `en-GB`); English when none fits.
    pub fn for_language(code: Option<&str>) -> &'static Catalogue {
        let primary = code.and_then(|code| code.split(['-', '_']).next()).unwrap_or_default();
        CATALOGUES
            .into_iter()
            .find(|catalogue| catalogue.code.eq_ignore_ascii_case(primary))
            .unwrap_or(&ENGLISH)
    }

    /// `template` with each `{name}` replaced by its value.
    pub fn fill(&self, template: &str, values: &[(&str, &str)]) -> String {
        let mut text = template.to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// "3 files" in this language.
    pub fn files(&self, count: u64) -> String {
        self.counted(&self.files, count)
    }

    /// A session expiry as people say it: "24 hours", "90 minutes".
    pub fn duration(&self, span: Span) -> String {
        let seconds = span.as_secs();
        if seconds >= 3_600 && seconds.is_multiple_of(3_600) {
            self.counted(&self.hours, seconds / 3_600)
        } else {
            self.counted(&self.minutes, seconds.div_ceil(60))
        }
    }

    fn counted(&self, forms: &[&str; 3], count: u64) -> String {
        self.fill(forms[(self.plural)(count).min(2)], &[("n", &count.to_string())])
    }
}

fn english_plural(count: u64) -> usize {
    usize::from(count != 1)
}

/// One, few (2-4, but not 12-14), many: 1 файл, 2 файла, 5 файлов, 21 файл.
fn russian_plural(count: u64) -> usize {
    match (count % 10, count % 100) {
        (1, hundred) if hundred != 11 => 0,
        (2..=4, hundred) if !(12..=14).contains(&hundred) => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_pick_catalogues() {
        assert_eq!(Catalogue::for_language(Some("ru-RU")).code, "ru");
        assert_eq!(Catalogue::for_language(Some("RU")).code, "ru");
        assert_eq!(Catalogue::for_language(Some("de")).code, "en");
        assert_eq!(Catalogue::for_language(None).code, "en");
    }

    #[test]
    fn counted_nouns_follow_the_plural_rule() {
        let counts = [1, 2, 5, 11, 21, 22, 112];
        let russian: Vec<String> = counts.iter().map(|n| RUSSIAN.files(*n)).collect();
        assert_eq!(
            russian,
            ["1 файл", "2 файла", "5 файлов", "11 файлов", "21 файл", "22 файла", "112 файлов"]
        );
        assert_eq!(ENGLISH.files(1), "1 file");
        assert_eq!(ENGLISH.files(2), "2 files");
        assert_eq!(ENGLISH.duration(Span::from_hours(24)), "24 hours");
        assert_eq!(ENGLISH.duration(Span::from_mins(90)), "90 minutes");
        assert_eq!(RUSSIAN.duration(Span::from_hours(24)), "24 часов");
        assert_eq!(RUSSIAN.duration(Span::from_hours(1)), "1 часа");
    }

    #[test]
    fn every_catalogue_keeps_the_placeholders_of_english() {
        let placeholders = |text: &str| -> Vec<String> {
            let mut found: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}'))
                .map(|(n, _)| n.into())
                .collect();
            found.sort();
            found
        };
        for catalogue in CATALOGUES {
            let pairs = [
                (ENGLISH.add_to_ticket, catalogue.add_to_ticket),
                (ENGLISH.unknown_form, catalogue.unknown_form),
                (ENGLISH.open_ticket, catalogue.open_ticket),
                (ENGLISH.added_to_ticket, catalogue.added_to_ticket),
                (ENGLISH.current_answer, catalogue.current_answer),
                (ENGLISH.attachment_hint_many, catalogue.attachment_hint_many),
                (ENGLISH.attachment_progress, catalogue.attachment_progress),
                (ENGLISH.expired, catalogue.expired),
                (ENGLISH.unknown_command, catalogue.unknown_command),
                (ENGLISH.confirmation, catalogue.confirmation),
                (ENGLISH.too_short, catalogue.too_short),
                (ENGLISH.too_long, catalogue.too_long),
                (ENGLISH.number_min, catalogue.number_min),
                (ENGLISH.number_max, catalogue.number_max),
                (ENGLISH.number_range, catalogue.number_range),
            ];
            for (english, own) in pairs {
                assert_eq!(placeholders(english), placeholders(own), "{}: {own}", catalogue.code);
            }
        }
    }
}

//! Words to index terms: lower case, `ё` as `е`, stop words dropped, each word stemmed by
//! the Snowball stemmer of a language (`rust-stemmers`, the only user of that crate).
//!
//! An article is stemmed in its own language. A question's language is not known, so each
//! of its words is stemmed in every language the knowledge base has articles in whose
//! alphabet the word is written in (a Cyrillic word is never stemmed as English): the
//! variants that are terms of the index are the ones that match.

use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

/// The languages articles may be written in: their code in front matter, and their stemmer.
pub const LANGUAGES: [(&str, Algorithm); 18] = [
    ("ar", Algorithm::Arabic),
    ("da", Algorithm::Danish),
    ("de", Algorithm::German),
    ("el", Algorithm::Greek),
    ("en", Algorithm::English),
    ("es", Algorithm::Spanish),
    ("fi", Algorithm::Finnish),
    ("fr", Algorithm::French),
    ("hu", Algorithm::Hungarian),
    ("it", Algorithm::Italian),
    ("nl", Algorithm::Dutch),
    ("no", Algorithm::Norwegian),
    ("pt", Algorithm::Portuguese),
    ("ro", Algorithm::Romanian),
    ("ru", Algorithm::Russian),
    ("sv", Algorithm::Swedish),
    ("ta", Algorithm::Tamil),
    ("tr", Algorithm::Turkish),
];

/// One of [`LANGUAGES`], by its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Language(u8);

/// The alphabets a language's words are written in, so a question's word is stemmed only by
/// the languages that could have written it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Tamil,
    Other,
}

impl Language {
    /// English, for articles whose front matter names no language.
    pub const ENGLISH: Language = Language(4);

    /// The language of a front-matter code (`en`, `ru`, ...), case-insensitive.
    pub fn from_code(code: &str) -> Option<Language> {
        let code = code.trim().to_ascii_lowercase();
        LANGUAGES.iter().position(|(own, _)| *own == code).map(|index| Language(index as u8))
    }

    pub fn code(self) -> &'static str {
        LANGUAGES[usize::from(self.0)].0
    }

    fn script(self) -> Script {
        match self.code() {
            "ru" => Script::Cyrillic,
            "el" => Script::Greek,
            "ar" => Script::Arabic,
            "ta" => Script::Tamil,
            _ => Script::Latin,
        }
    }

    fn stemmer(self) -> &'static Stemmer {
        static STEMMERS: LazyLock<Vec<Stemmer>> =
            LazyLock::new(|| LANGUAGES.iter().map(|(_, algorithm)| Stemmer::create(*algorithm)).collect());
        &STEMMERS[usize::from(self.0)]
    }

    /// Whether `word` is written in this language's alphabet.
    fn writes(self, word: &str) -> bool {
        let script = script_of(word);
        script == Script::Other || script == self.script()
    }
}

/// The index terms of an article's text in `language`, in order, repeats kept.
pub fn article_terms(text: &str, language: Language) -> Vec<String> {
    words(text).filter(|word| !is_stop_word(word)).map(|word| stem(&word, language)).collect()
}

/// A question's words, each with its stems in `languages` (those written in its alphabet),
/// repeats dropped. A word no given language writes is kept as it is.
pub fn question_terms(text: &str, languages: &[Language]) -> Vec<Vec<String>> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for word in words(text).filter(|word| !is_stop_word(word)) {
        if seen.contains(&word) {
            continue;
        }
        let mut stems: Vec<String> = Vec::new();
        for language in languages.iter().copied().filter(|language| language.writes(&word)) {
            let stemmed = stem(&word, language);
            if !stems.contains(&stemmed) {
                stems.push(stemmed);
            }
        }
        if stems.is_empty() {
            stems.push(word.clone());
        }
        seen.push(word);
        out.push(stems);
    }
    out
}

/// Lower-cased words: runs of letters and digits; `ё` is written `е`, as most people type it.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(|word| {
        word.chars().flat_map(char::to_lowercase).map(|c| if c == 'ё' { 'е' } else { c }).collect()
    })
}

fn stem(word: &str, language: Language) -> String {
    language.stemmer().stem(word).into_owned()
}

fn script_of(word: &str) -> Script {
    let Some(c) = word.chars().find(|c| c.is_alphabetic()) else { return Script::Other };
    match c {
        'a'..='z' | 'à'..='ÿ' | 'ą'..='ž' => Script::Latin,
        'а'..='я' | 'ё' | 'і' | 'ї' | 'є' | 'ґ' => Script::Cyrillic,
        'α'..='ω' | 'ά'..='ώ' => Script::Greek,
        '\u{0600}'..='\u{06FF}' => Script::Arabic,
        '\u{0B80}'..='\u{0BFF}' => Script::Tamil,
        _ => Script::Other,
    }
}

/// Words too common to tell articles apart, in English and Russian: they only add noise
/// to a short question.
fn is_stop_word(word: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
        "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have",
        "hello", "hi", "how", "i", "if", "im", "in", "into", "is", "it", "its", "just", "me", "my", "of",
        "on", "or", "our", "please", "so", "some", "that", "the", "their", "them", "then", "there", "these",
        "they", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which", "who", "why",
        "will", "with", "would", "you", "your",
    ];
    const RUSSIAN: &[&str] = &[
        "а",
        "без",
        "бы",
        "был",
        "была",
        "были",
        "было",
        "быть",
        "в",
        "вам",
        "вас",
        "во",
        "вот",
        "все",
        "вы",
        "где",
        "да",
        "для",
        "до",
        "его",
        "ее",
        "если",
        "есть",
        "еще",
        "же",
        "за",
        "здравствуйте",
        "и",
        "из",
        "или",
        "им",
        "их",
        "к",
        "как",
        "когда",
        "ко",
        "ли",
        "мне",
        "меня",
        "мой",
        "моя",
        "мы",
        "на",
        "над",
        "о",
        "об",
        "он",
        "она",
        "они",
        "от",
        "по",
        "под",
        "пожалуйста",
        "при",
        "с",
        "со",
        "так",
        "там",
        "то",
        "тоже",
        "только",
        "у",
        "уже",
        "что",
        "чтобы",
        "это",
        "этот",
        "я",
    ];
    static STOP_WORDS: LazyLock<HashSet<&'static str>> =
        LazyLock::new(|| ENGLISH.iter().chain(RUSSIAN).copied().collect());
    STOP_WORDS.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_word_lists_are_sorted_for_binary_search() {
        // is_stop_word relies on it; a word added out of order would silently stop matching.
        for word in ["a", "about", "your", "а", "я", "здравствуйте"] {
            assert!(is_stop_word(word), "{word}");
        }
        assert!(!is_stop_word("password"));
        assert!(!is_stop_word("пароль"));
    }

    #[test]
    fn articles_are_stemmed_in_their_language() {
        let russian = Language::from_code("ru").expect("known");
        assert_eq!(article_terms("Как сменить пароли?", russian), ["смен", "парол"]);
        assert_eq!(article_terms("Resetting your passwords", Language::ENGLISH), ["reset", "password"]);
        assert_eq!(article_terms("Ёлка", russian), article_terms("елка", russian));
    }

    #[test]
    fn a_question_word_is_stemmed_only_by_languages_of_its_alphabet() {
        let languages = [Language::ENGLISH, Language::from_code("ru").expect("known")];
        assert_eq!(question_terms("refunds пароли refunds", &languages), [vec!["refund"], vec!["парол"]]);
        assert_eq!(question_terms("日本", &languages), [vec!["日本"]]);
    }

    #[test]
    fn codes_are_known_case_insensitively() {
        assert_eq!(Language::from_code(" RU ").map(Language::code), Some("ru"));
        assert_eq!(Language::from_code("xx"), None);
        assert_eq!(Language::ENGLISH.code(), "en");
    }
}

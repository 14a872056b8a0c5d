//! The knowledge base: the articles support leads write in `rules/kb/*.md`, and the search
//! over them.
//!
//! A [`KnowledgeBase`] is built once per rule set, by the loader (`rules`, which reads the
//! files and their front matter), and never changes: a reload builds a new one with the new
//! rule set. Searching is a pure function of the index and the question: Okapi BM25 over
//! Snowball stems (`text`: each article in its own language, a question in all of the
//! knowledge base's), titles and tags above the text, and typo tolerance (`index`). The
//! desk suggests articles to agents and customers with it, and hooks call it as
//! `kb_search(text)`.

mod index;
mod text;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

pub use text::{LANGUAGES, Language};

/// One article: a file of `rules/kb/`.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    /// The file's name without `.md`: how buttons, hooks and history name it.
    pub id: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Where the article is published; sent to customers instead of its text.
    pub url: Option<String>,
    pub language: Language,
    /// The text after the front matter, trimmed.
    pub text: String,
}

/// An article found by a search, and how well it matched (higher is better; scores compare
/// only within one search).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit<'a> {
    pub article: &'a Article,
    pub score: f32,
}

/// The articles of one rule set and their index.
#[derive(Debug, Default)]
pub struct KnowledgeBase {
    articles: Vec<Article>,
    index: index::Index,
}

/// A question an article answered before a ticket was opened: counted as deflected, and
/// kept for the support lead (the store's `deflections` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deflection {
    pub at: jiff::Timestamp,
    /// The intake form the customer was filling.
    pub form: String,
    /// The id of the article that solved it.
    pub article: String,
    /// The customer's answer to the form's `suggest_kb_after` field.
    pub question: String,
    /// The customer who asked, so that forgetting them takes their question too; the desk
    /// names them when it keeps the question.
    pub customer: Option<crate::ticket::UserId>,
}

/// The longest article id, in bytes: an id travels in a button's callback data, which
/// Telegram caps at 64 bytes, beside a ticket number.
pub const MAX_ID_BYTES: usize = 40;

impl Deflection {
    /// The question, naming the customer who asked it.
    pub fn asked_by(&self, customer: crate::ticket::UserId) -> Deflection {
        Deflection { customer: Some(customer), ..self.clone() }
    }
}

impl KnowledgeBase {
    /// Indexes `articles`; their ids are unique (one file each).
    pub fn new(articles: Vec<Article>) -> KnowledgeBase {
        let documents: Vec<index::Document<'_>> = articles
            .iter()
            .map(|article| index::Document {
                title: &article.title,
                tags: &article.tags,
                text: &article.text,
                language: article.language,
            })
            .collect();
        let index = index::Index::build(&documents);
        KnowledgeBase { articles, index }
    }

    /// The articles that best answer `question`, best first, at most `limit`; none when no
    /// word of the question (or a word a typo away) is in any article.
    pub fn search(&self, question: &str, limit: usize) -> Vec<Hit<'_>> {
        self.index
            .search(question, limit)
            .into_iter()
            .map(|(number, score)| Hit { article: &self.articles[number], score })
            .collect()
    }

    /// The article with `id`.
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|article| article.id == id)
    }

    /// Every article, in file-name order.
    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }
}

impl Article {
    /// What a customer receives: the title and the link, or the title and the whole text
    /// when the article has no link. Plain text, never markup.
    pub fn customer_text(&self) -> String {
        let mut text = self.title.clone();
        match &self.url {
            Some(url) => {
                let _ = write!(text, "\n{url}");
            }
            None => {
                let _ = write!(text, "\n\n{}", self.text);
            }
        }
        text
    }
}

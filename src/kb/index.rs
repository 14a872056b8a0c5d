//! The search index: Okapi BM25 over stemmed terms, title and tags weighted above the text,
//! with typo tolerance for question words the index does not know.
//!
//! A question word whose stems are no term of the index (a typo: "pasword", "пороль") is
//! matched to the terms one deletion away from it or sharing a one-deletion variant with it
//! (the symmetric-delete scheme: insertions, deletions, substitutions and swaps of
//! neighbours), scored at [`TYPO_WEIGHT`]. The variants of every term are computed once,
//! when the index is built, so a search costs a few hash look-ups per word.

use std::collections::HashMap;

use super::text::{Language, article_terms, question_terms};

/// BM25's term-frequency saturation.
const K1: f32 = 1.2;
/// BM25's document-length normalisation.
const B: f32 = 0.75;
/// How much a title word counts against a word of the text.
const TITLE_WEIGHT: f32 = 3.0;
/// How much a tag counts against a word of the text.
const TAG_WEIGHT: f32 = 2.0;
/// The share of a term's score a word close to it by a typo gets.
const TYPO_WEIGHT: f32 = 0.6;
/// Shorter words are not corrected: too many short words are one typo from each other.
const TYPO_MIN_CHARS: usize = 4;

/// One document to index: its fields and the language they are written in.
pub struct Document<'a> {
    pub title: &'a str,
    pub tags: &'a [String],
    pub text: &'a str,
    pub language: Language,
}

/// The inverted index over a fixed set of documents, numbered from 0 in the order given.
#[derive(Debug, Default)]
pub struct Index {
    terms: HashMap<String, usize>,
    /// Per term: (document, weighted frequency).
    postings: Vec<Vec<(u32, f32)>>,
    /// Per term: its inverse document frequency.
    idf: Vec<f32>,
    /// Per document: its weighted length over the average.
    relative_length: Vec<f32>,
    /// One-deletion variants (and the terms themselves) to the terms they come from.
    variants: HashMap<String, Vec<usize>>,
    /// The languages the documents are written in, to stem questions with.
    languages: Vec<Language>,
}

impl Index {
    pub fn build(documents: &[Document<'_>]) -> Index {
        let mut index = Index::default();
        let mut lengths = Vec::with_capacity(documents.len());
        for (number, document) in documents.iter().enumerate() {
            if !index.languages.contains(&document.language) {
                index.languages.push(document.language);
            }
            let mut frequencies: HashMap<String, f32> = HashMap::new();
            let weighted = [
                (article_terms(document.title, document.language), TITLE_WEIGHT),
                (article_terms(&document.tags.join(" "), document.language), TAG_WEIGHT),
                (article_terms(document.text, document.language), 1.0),
            ];
            let mut length = 0.0;
            for (terms, weight) in weighted {
                for term in terms {
                    *frequencies.entry(term).or_default() += weight;
                    length += weight;
                }
            }
            lengths.push(length);
            for (term, frequency) in frequencies {
                let next = index.terms.len();
                let id = *index.terms.entry(term).or_insert(next);
                if id == index.postings.len() {
                    index.postings.push(Vec::new());
                }
                index.postings[id].push((number as u32, frequency));
            }
        }
        let n_documents = documents.len() as f32;
        index.idf = index
            .postings
            .iter()
            .map(|posting| {
                let n = posting.len() as f32;
                (1.0 + (n_documents - n + 0.5) / (n + 0.5)).ln()
            })
            .collect();
        let average = lengths.iter().sum::<f32>() / n_documents.max(1.0);
        index.relative_length = lengths.iter().map(|length| length / average.max(1.0)).collect();
        for (term, &id) in &index.terms {
            if term.chars().count() < TYPO_MIN_CHARS {
                continue;
            }
            for variant in std::iter::once(term.clone()).chain(deletions(term)) {
                let ids = index.variants.entry(variant).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        index.languages.sort();
        index
    }

    /// The documents matching `question`, best first, at most `limit`: (document, score).
    /// Each question word counts once, by its best-matching stem.
    pub fn search(&self, question: &str, limit: usize) -> Vec<(usize, f32)> {
        let mut scores = vec![0.0_f32; self.relative_length.len()];
        let mut best_for_word: HashMap<u32, f32> = HashMap::new();
        for stems in question_terms(question, &self.languages) {
            best_for_word.clear();
            for (term, weight) in self.matches(&stems) {
                let idf = self.idf[term];
                for &(document, frequency) in &self.postings[term] {
                    let norm = K1 * (1.0 - B + B * self.relative_length[document as usize]);
                    let score = weight * idf * frequency * (K1 + 1.0) / (frequency + norm);
                    let best = best_for_word.entry(document).or_default();
                    *best = best.max(score);
                }
            }
            for (&document, &score) in &best_for_word {
                scores[document as usize] += score;
            }
        }
        let mut hits: Vec<(usize, f32)> =
            scores.into_iter().enumerate().filter(|(_, score)| *score > 0.0).collect();
        // Best first; equal scores in document order, so results are stable.
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
        hits
    }

    /// The terms a question word's stems match, with the weight of the match: the stems
    /// that are terms at full weight; else the terms a typo away.
    fn matches(&self, stems: &[String]) -> Vec<(usize, f32)> {
        let exact: Vec<(usize, f32)> =
            stems.iter().filter_map(|stem| self.terms.get(stem)).map(|&term| (term, 1.0)).collect();
        if !exact.is_empty() {
            return exact;
        }
        let mut close: Vec<(usize, f32)> = Vec::new();
        for stem in stems.iter().filter(|stem| stem.chars().count() >= TYPO_MIN_CHARS) {
            for variant in std::iter::once(stem.clone()).chain(deletions(stem)) {
                for &term in self.variants.get(&variant).into_iter().flatten() {
                    if !close.iter().any(|(seen, _)| *seen == term) {
                        close.push((term, TYPO_WEIGHT));
                    }
                }
            }
        }
        close
    }
}

/// The word with one character left out, for each character.
fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(at, c)| {
        let mut variant = String::with_capacity(word.len());
        variant.push_str(&word[..at]);
        variant.push_str(&word[at + c.len_utf8()..]);
        variant
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(documents: &[(&str, &str)]) -> Index {
        let documents: Vec<Document<'_>> = documents
            .iter()
            .map(|(title, text)| Document { title, tags: &[], text, language: Language::ENGLISH })
            .collect();
        Index::build(&documents)
    }

    fn best(index: &Index, question: &str) -> Vec<usize> {
        index.search(question, 3).into_iter().map(|(document, _)| document).collect()
    }

    #[test]
    fn ranks_by_bm25_with_titles_above_text() {
        let index = index(&[
            ("Invoices", "Where to download an invoice; the password is not needed."),
            ("Reset your password", "Open the login page and press Forgot password."),
            ("Two-factor login", "Codes for the login."),
        ]);
        assert_eq!(best(&index, "I forgot my password"), [1, 0]);
        assert_eq!(best(&index, "login code"), [2, 1]);
        assert_eq!(best(&index, "nothing here matches"), Vec::<usize>::new());
    }

    #[test]
    fn a_typo_finds_the_word_at_a_lower_score() {
        let index = index(&[("Reset your password", "Forgot it?"), ("Refunds", "Money back.")]);
        for typo in ["pasword", "passwrod", "passsword", "passwird"] {
            assert_eq!(best(&index, typo), [0], "{typo}");
        }
        assert_eq!(best(&index, "refnud"), [1]);
        let exact = index.search("password", 1)[0].1;
        let typo = index.search("pasword", 1)[0].1;
        assert!(typo < exact, "{typo} < {exact}");
        // Short words are not corrected.
        assert_eq!(best(&index, "mony"), Vec::<usize>::new());
    }

    #[test]
    fn a_question_word_counts_once() {
        let index = index(&[("Password", "password password"), ("Password reset", "reset")]);
        let once = index.search("password", 2);
        let twice = index.search("password password", 2);
        assert_eq!(once, twice);
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        assert!(index(&[]).search("anything", 3).is_empty());
    }
}

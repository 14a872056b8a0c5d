//! Finding templates: the best fits for a ticket (`/t`), and the matches for an agent's
//! words (`/t refund`, found by a few letters).
//!
//! Words are compared by a crude stem, their first five letters, which is enough to match
//! `refund`, `refunds` and `refunded`, or `возврат` and `возврата`, without a dictionary.
//! Both searches are deterministic: equal scores fall back to the template id.

use std::collections::BTreeSet;

use super::Template;

/// A template and how well it fits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked<'a> {
    pub template: &'a Template,
    pub score: u32,
}

/// Letters compared per word.
const STEM: usize = 5;

/// The templates for a ticket, best first: those listing its category, then those for
/// every category, then the rest; within each, the most words shared with the conversation.
pub fn for_ticket<'a>(
    templates: &'a [Template],
    category: Option<&str>,
    conversation: &str,
    limit: usize,
) -> Vec<Ranked<'a>> {
    let said = stems(conversation);
    let mut ranked: Vec<(u8, Ranked<'a>)> = templates
        .iter()
        .map(|template| {
            let fit = match category {
                Some(category) if template.categories.iter().any(|c| c == category) => 2,
                _ if template.categories.is_empty() => 1,
                _ => 0,
            };
            let (own, strong) = template.stems.0.get_or_init(|| {
                (template_stems(template), stems(&format!("{} {}", template.title, template.tags.join(" "))))
            });
            let score = said
                .iter()
                .map(|stem| u32::from(own.contains(stem)) + u32::from(strong.contains(stem)))
                .sum();
            (fit, Ranked { template, score })
        })
        .collect();
    ranked.sort_by(|(fit_a, a), (fit_b, b)| {
        fit_b.cmp(fit_a).then(b.score.cmp(&a.score)).then(a.template.id.cmp(&b.template.id))
    });
    ranked.into_iter().map(|(_, ranked)| ranked).take(limit).collect()
}

/// The templates matching an agent's words, best first; those matching none are left out.
/// A word counts most in the id, then in the title or tags, then in a text; a prefix of a
/// word counts as the word (`ref` finds `refund`).
pub fn matching<'a>(templates: &'a [Template], query: &str, limit: usize) -> Vec<Ranked<'a>> {
    let asked: Vec<String> = words(query).collect();
    if asked.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(usize, Ranked<'a>)> = templates
        .iter()
        .filter_map(|template| {
            let id_words: Vec<String> = words_of_id(&template.id);
            let named: Vec<String> =
                words(&format!("{} {}", template.title, template.tags.join(" "))).collect();
            let texts: Vec<String> = template
                .texts
                .iter()
                .flat_map(|(_, text)| words(text.source()).collect::<Vec<_>>())
                .collect();
            let mut matched = 0;
            let mut score = 0;
            for word in &asked {
                let best = if template.id == *word {
                    8
                } else if id_words.iter().any(|w| matches(w, word)) {
                    6
                } else if named.iter().any(|w| matches(w, word)) {
                    4
                } else {
                    u32::from(texts.iter().any(|w| matches(w, word)))
                };
                matched += usize::from(best > 0);
                score += best;
            }
            (matched > 0).then_some((matched, Ranked { template, score }))
        })
        .collect();
    ranked.sort_by(|(matched_a, a), (matched_b, b)| {
        matched_b.cmp(matched_a).then(b.score.cmp(&a.score)).then(a.template.id.cmp(&b.template.id))
    });
    ranked.into_iter().map(|(_, ranked)| ranked).take(limit).collect()
}

/// Whether the written `word` finds `candidate`: the word itself, a prefix of three letters
/// or more (`it` is in too many texts to find anything), or the same stem.
fn matches(candidate: &str, word: &str) -> bool {
    let letters = word.chars().count();
    candidate == word
        || (letters >= 3 && candidate.starts_with(word))
        || (letters >= STEM && stem(candidate) == stem(word))
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn words_of_id(id: &str) -> Vec<String> {
    let mut all: Vec<String> = words(id).collect();
    all.push(id.to_lowercase());
    all
}

fn stem(word: &str) -> String {
    word.chars().take(STEM).collect()
}

/// The stems of the words worth comparing (four letters or more: not "the", "and").
fn stems(text: &str) -> BTreeSet<String> {
    words(text).filter(|w| w.chars().count() >= 4).map(|w| stem(&w)).collect()
}

fn template_stems(template: &Template) -> BTreeSet<String> {
    let mut all = stems(&format!("{} {} {}", template.id, template.title, template.tags.join(" ")));
    for (_, text) in &template.texts {
        all.extend(stems(text.source()));
    }
    all
}

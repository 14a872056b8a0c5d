//! The scorer as it was before its lookups were made faster (hash maps keyed by `SipHash`, a
//! linear scan of the phrases at every token, a `String` per token), kept verbatim for
//! `tests::the_scorer_gives_the_very_scores_of_the_reference`: the faster one must give the
//! same score, bit for bit, for every text.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::lexicon;

/// The sentiment of `text` in [-1, 1]: negative is angry or unhappy, 0 neutral or unknown.
pub(super) fn score(text: &str) -> f64 {
    let total = raw_total(text);
    (total / (total * total + SQUASH).sqrt()).clamp(-1.0, 1.0)
}

/// The squash constant: a raw total of ±3 (one strong word) scores about ±0.6.
const SQUASH: f64 = 15.0;
/// How many words a negator or booster reaches ahead.
const REACH: u8 = 3;

fn raw_total(text: &str) -> f64 {
    let lexicon = &*LEXICON;
    let tokens = tokenize(text);
    let mut before_contrast: Option<f64> = None;
    let mut sum = 0.0;
    let mut scope = Scope::new(0);
    let mut token_idx = 0;
    while token_idx < tokens.len() {
        let token = &tokens[token_idx];
        if token.clause != scope.clause {
            scope = Scope::new(token.clause);
        }
        if lexicon.contrasts.contains(token.text.as_str()) {
            before_contrast = Some(before_contrast.unwrap_or(0.0) + sum);
            sum = 0.0;
            scope = Scope::new(token.clause);
            token_idx += 1;
            continue;
        }
        if let Some((weight, n_tokens)) = lexicon.phrase_at(&tokens[token_idx..]) {
            let shouted = tokens[token_idx..token_idx + n_tokens].iter().any(|t| t.shouted);
            sum += scope.apply(Meaning::Word(weight), shouted);
            token_idx += n_tokens;
            continue;
        }
        let meaning = lexicon.meaning(&token.text);
        if let Some(meaning) = meaning {
            sum += scope.apply(meaning, token.shouted);
        }
        let is_negator = lexicon.negators.contains(token.text.as_str());
        if is_negator {
            scope.negated = true;
            scope.age = 0;
            scope.shouted |= token.shouted;
        }
        let boost = lexicon.boosters.get(token.text.as_str());
        if let Some(factor) = boost {
            scope.boost *= factor;
            scope.age = 0;
            scope.shouted |= token.shouted;
        }
        if meaning.is_none() && !is_negator && boost.is_none() {
            scope.age_one_word();
        }
        token_idx += 1;
    }
    let words = match before_contrast {
        Some(before) => 0.5 * before + 1.5 * sum,
        None => sum,
    };
    let symbols: f64 = lexicon::SYMBOLS
        .iter()
        .flat_map(|&(weight, symbols)| {
            symbols.split_whitespace().map(move |symbol| weight * text.matches(symbol).count() as f64)
        })
        .sum();
    (words + symbols) * emphasis(text)
}

/// What a lexicon entry means for one token.
#[derive(Clone, Copy, Debug)]
enum Meaning {
    Word(f64),
    Action { plain: f64, negated: f64 },
}

/// Pending negation and boost within one clause.
struct Scope {
    clause: u32,
    negated: bool,
    boost: f64,
    /// A negator or booster was in capitals ("this is NOT ok"): shouting the next word.
    shouted: bool,
    /// Words since the last negator or booster.
    age: u8,
}

impl Scope {
    fn new(clause: u32) -> Scope {
        Scope { clause, negated: false, boost: 1.0, shouted: false, age: 0 }
    }

    /// A sentiment word's weight under the pending negation and boost, which it consumes.
    fn apply(&mut self, meaning: Meaning, shouted: bool) -> f64 {
        let base = match (meaning, self.negated) {
            (Meaning::Word(weight) | Meaning::Action { plain: weight, .. }, false) => weight,
            (Meaning::Word(weight), true) if weight > 0.0 => -0.75 * weight,
            (Meaning::Word(weight), true) => -0.25 * weight,
            (Meaning::Action { negated, .. }, true) => negated,
        };
        let caps = if shouted || self.shouted { 1.5 } else { 1.0 };
        let weight = base * self.boost * caps;
        *self = Scope::new(self.clause);
        weight
    }

    fn age_one_word(&mut self) {
        self.age += 1;
        if self.age > REACH {
            *self = Scope::new(self.clause);
        }
    }
}

/// Each `!` (up to four, counting runs of `??` too) adds 12%.
fn emphasis(text: &str) -> f64 {
    let n_bangs = text.matches('!').count();
    let n_question_runs = text.split(|c| c != '?').filter(|run| run.len() >= 2).count();
    1.0 + 0.12 * (n_bangs + n_question_runs).min(4) as f64
}

struct Token {
    /// Lowercase, `ё` as `е`, typographic apostrophes as `'`.
    text: String,
    /// Written in capitals: at least two letters, none lowercase.
    shouted: bool,
    clause: u32,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut clause = 0;
    let mut current = String::new();
    let (mut n_letters, mut n_upper) = (0usize, 0usize);
    let mut flush = |current: &mut String, n_letters: &mut usize, n_upper: &mut usize, clause: u32| {
        let trimmed = current.trim_end_matches('\'');
        if !trimmed.is_empty() {
            let shouted = *n_letters >= 2 && n_upper == n_letters;
            tokens.push(Token { text: trimmed.to_owned(), shouted, clause });
        }
        current.clear();
        (*n_letters, *n_upper) = (0, 0);
    };
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if ch.is_alphabetic() {
                n_letters += 1;
                n_upper += usize::from(ch.is_uppercase());
            }
            current.extend(ch.to_lowercase().map(|c| if c == 'ё' { 'е' } else { c }));
        } else if matches!(ch, '\'' | '’') && !current.is_empty() {
            current.push('\'');
        } else {
            flush(&mut current, &mut n_letters, &mut n_upper, clause);
            if matches!(ch, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '—' | '–' | '\n') {
                clause += 1;
            }
        }
    }
    flush(&mut current, &mut n_letters, &mut n_upper, clause);
    tokens
}

/// One part of a lexicon entry: an exact word or a stem.
#[derive(Clone, Copy, Debug)]
struct Part {
    text: &'static str,
    is_stem: bool,
}

impl Part {
    fn parse(entry: &'static str) -> Part {
        match entry.strip_suffix('*') {
            Some(stem) => Part { text: stem, is_stem: true },
            None => Part { text: entry, is_stem: false },
        }
    }

    fn matches(self, token: &str) -> bool {
        if self.is_stem { token.starts_with(self.text) } else { token == self.text }
    }
}

struct Lexicon {
    exact: HashMap<&'static str, Meaning>,
    stems: HashMap<&'static str, Meaning>,
    /// Longest first, so `в который раз` wins over `который раз`.
    phrases: Vec<(Vec<Part>, f64)>,
    negators: HashSet<&'static str>,
    boosters: HashMap<&'static str, f64>,
    contrasts: HashSet<&'static str>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

impl Lexicon {
    fn build() -> Lexicon {
        let mut lexicon = Lexicon {
            exact: HashMap::new(),
            stems: HashMap::new(),
            phrases: Vec::new(),
            negators: lexicon::NEGATORS.split_whitespace().collect(),
            boosters: HashMap::new(),
            contrasts: lexicon::CONTRASTS.split_whitespace().collect(),
        };
        let words = lexicon::WORDS.iter().flat_map(|&(weight, entries)| {
            entries.split_whitespace().map(move |e| (e, Meaning::Word(weight)))
        });
        let actions = lexicon::ACTIONS.iter().flat_map(|&(plain, negated, entries)| {
            entries.split_whitespace().map(move |e| (e, Meaning::Action { plain, negated }))
        });
        for (entry, meaning) in words.chain(actions) {
            match meaning {
                Meaning::Word(weight) if entry.contains('_') => {
                    lexicon.phrases.push((entry.split('_').map(Part::parse).collect(), weight));
                }
                _ => {
                    let part = Part::parse(entry);
                    let table = if part.is_stem { &mut lexicon.stems } else { &mut lexicon.exact };
                    table.insert(part.text, meaning);
                }
            }
        }
        lexicon.phrases.sort_by_key(|(parts, _)| std::cmp::Reverse(parts.len()));
        for &(factor, entries) in lexicon::BOOSTERS {
            lexicon.boosters.extend(entries.split_whitespace().map(|entry| (entry, factor)));
        }
        lexicon
    }

    /// A token's meaning: an exact entry, else the longest stem it starts with.
    fn meaning(&self, token: &str) -> Option<Meaning> {
        if let Some(&meaning) = self.exact.get(token) {
            return Some(meaning);
        }
        token
            .char_indices()
            .map(|(idx, ch)| idx + ch.len_utf8())
            .rev()
            .find_map(|end| self.stems.get(&token[..end]).copied())
    }

    /// A phrase starting at the first token, in one clause, with at most one filler word
    /// between parts: its weight and how many tokens it spans.
    fn phrase_at(&self, tokens: &[Token]) -> Option<(f64, usize)> {
        let clause = tokens.first()?.clause;
        self.phrases.iter().find_map(|(parts, weight)| {
            let (first, rest) = parts.split_first()?;
            if !first.matches(&tokens[0].text) {
                return None;
            }
            let mut next_idx = 1;
            for part in rest {
                let found = (next_idx..tokens.len().min(next_idx + 2))
                    .take_while(|&idx| tokens[idx].clause == clause)
                    .find(|&idx| part.matches(&tokens[idx].text))?;
                next_idx = found + 1;
            }
            Some((*weight, next_idx))
        })
    }
}

//! A small lexicon sentiment scorer for customer messages, English and Russian.
//!
//! [`score`] maps a message to [-1, 1], negative meaning angry or unhappy. Leads see it as
//! `sentiment(text)` in hooks, to escalate an upset customer before the SLA does.
//!
//! How a score is computed: the text is split into lowercase word tokens (`ё` read as `е`)
//! and clauses (at `. , ; : ! ? ( )` and dashes). Each token or phrase found in the lexicon
//! (`lexicon.rs`: about 400 words, Russian stems matched by prefix so `ужасно`, `ужасный`
//! and `ужас` all count) adds its weight. In the same clause, within three words:
//! - a negator (`not`, `doesn't`, `не`, `никто`) flips the next sentiment word: a positive
//!   one becomes three quarters as negative ("not good"), a negative one a quarter as
//!   positive ("not bad"); service verbs are neutral alone but clearly negative negated
//!   ("doesn't work", "не работает", "nobody answers", "не могу войти");
//! - a booster (`very`, `still`, `again`, `очень`, `опять`, `вообще`) scales the next one,
//!   a damper (`a bit`, `немного`) shrinks it; a word in ALL CAPS counts half again.
//!
//! Signals of a customer running out of patience weigh heavily: repetition ("third time",
//! "третий раз", "сколько можно"), money back ("refund", "верните деньги"), threats
//! ("chargeback", "в суд"). After `but`/`но` the rest counts 1.5 times, what came before
//! half. Emoji add their own weight; each `!` (up to four) and each `??` run adds 12% to
//! the total. The total `x` is squashed as `x / sqrt(x² + 15)`, so one strong word scores
//! about -0.6 and the score saturates gracefully.
//!
//! What a lead can expect ([`Mood::of`]): below -0.5 the customer is clearly upset (angry,
//! repeating themselves, asking for money back); -0.5 to -0.2 a problem report with some
//! frustration; -0.2 to 0.3 neutral questions and requests; above 0.3 pleased or thankful.
//! It is a heuristic: sarcasm, typos and languages other than English and Russian score
//! near 0, so use it to raise attention, never to close or reject anything.

mod lexicon;

use std::sync::LazyLock;

/// Below this score a customer is clearly upset.
pub const UPSET_BELOW: f64 = -0.5;
/// Below this score (and not upset) a customer is unhappy.
pub const UNHAPPY_BELOW: f64 = -0.2;
/// Above this score a customer is pleased.
pub const PLEASED_ABOVE: f64 = 0.3;

/// A score's reading in words, by the thresholds above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mood {
    Upset,
    Unhappy,
    Neutral,
    Pleased,
}

impl Mood {
    /// The mood a [`score`] reads as.
    pub fn of(score: f64) -> Mood {
        if score < UPSET_BELOW {
            Mood::Upset
        } else if score < UNHAPPY_BELOW {
            Mood::Unhappy
        } else if score > PLEASED_ABOVE {
            Mood::Pleased
        } else {
            Mood::Neutral
        }
    }
}

/// The sentiment of `text` in [-1, 1]: negative is angry or unhappy, 0 neutral or unknown.
pub fn score(text: &str) -> f64 {
    let total = raw_total(text);
    (total / (total * total + SQUASH).sqrt()).clamp(-1.0, 1.0)
}

/// The squash constant: a raw total of ±3 (one strong word) scores about ±0.6.
const SQUASH: f64 = 15.0;
/// How many words a negator or booster reaches ahead.
const REACH: u8 = 3;

fn raw_total(text: &str) -> f64 {
    let lexicon = &*LEXICON;
    let tokens = Tokens::of(text);
    let mut before_contrast: Option<f64> = None;
    let mut sum = 0.0;
    let mut scope = Scope::new(0);
    let mut token_idx = 0;
    while token_idx < tokens.list.len() {
        let token = &tokens.list[token_idx];
        let token_text = tokens.text(token_idx);
        if token.clause != scope.clause {
            scope = Scope::new(token.clause);
        }
        let found = lexicon.look_up(token_text);
        if found.word.contrast {
            before_contrast = Some(before_contrast.unwrap_or(0.0) + sum);
            sum = 0.0;
            scope = Scope::new(token.clause);
            token_idx += 1;
            continue;
        }
        // Only a token some phrase starts with can start one: the rest skip the scan.
        if found.starts_phrase
            && let Some((weight, n_tokens)) = lexicon.phrase_at(&tokens, token_idx)
        {
            let shouted = tokens.list[token_idx..token_idx + n_tokens].iter().any(|t| t.shouted);
            sum += scope.apply(Meaning::Word(weight), shouted);
            token_idx += n_tokens;
            continue;
        }
        let meaning = found.word.meaning.or(found.stem_meaning);
        if let Some(meaning) = meaning {
            sum += scope.apply(meaning, token.shouted);
        }
        let is_negator = found.word.negator;
        if is_negator {
            scope.negated = true;
            scope.age = 0;
            scope.shouted |= token.shouted;
        }
        let boost = found.word.booster;
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
    // Every symbol's term is summed in the lexicon's order (the total is the same to the
    // last bit); a symbol whose first byte the text does not hold cannot be in it, so it is
    // not searched (an emoji in a text of ASCII alone, `:(` in a text without a colon).
    let mut held = [false; 256];
    for &byte in text.as_bytes() {
        held[usize::from(byte)] = true;
    }
    let symbols: f64 = lexicon
        .symbols
        .iter()
        .map(|&(weight, symbol)| {
            let first = symbol.as_bytes()[0];
            let n = if held[usize::from(first)] { text.matches(symbol).count() } else { 0 };
            weight * n as f64
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

/// A text's tokens: their lowercase texts one after the other in `lowered`, each token's
/// bytes named by its range (one allocation for all of them, not one a token).
struct Tokens {
    lowered: String,
    list: Vec<Token>,
}

struct Token {
    /// Its text in `Tokens::lowered`: lowercase, `ё` as `е`, typographic apostrophes as `'`.
    start: u32,
    end: u32,
    /// Written in capitals: at least two letters, none lowercase.
    shouted: bool,
    clause: u32,
}

impl Tokens {
    fn text(&self, token_idx: usize) -> &str {
        let token = &self.list[token_idx];
        &self.lowered[token.start as usize..token.end as usize]
    }

    fn of(text: &str) -> Tokens {
        let mut tokens = Tokens { lowered: String::with_capacity(text.len()), list: Vec::new() };
        let mut clause = 0;
        // The current token is `lowered[start..]`.
        let mut start = 0;
        let (mut n_letters, mut n_upper) = (0usize, 0usize);
        let flush = |tokens: &mut Tokens,
                     start: &mut usize,
                     n_letters: &mut usize,
                     n_upper: &mut usize,
                     clause: u32| {
            while tokens.lowered.len() > *start && tokens.lowered.ends_with('\'') {
                tokens.lowered.pop();
            }
            if tokens.lowered.len() > *start {
                let shouted = *n_letters >= 2 && n_upper == n_letters;
                // A message is far below 4 GiB.
                let (from, to) = (*start as u32, tokens.lowered.len() as u32);
                tokens.list.push(Token { start: from, end: to, shouted, clause });
            }
            *start = tokens.lowered.len();
            (*n_letters, *n_upper) = (0, 0);
        };
        for ch in text.chars() {
            if ch.is_alphanumeric() {
                if ch.is_alphabetic() {
                    n_letters += 1;
                    n_upper += usize::from(ch.is_uppercase());
                }
                tokens.lowered.extend(ch.to_lowercase().map(|c| if c == 'ё' { 'е' } else { c }));
            } else if matches!(ch, '\'' | '’') && tokens.lowered.len() > start {
                tokens.lowered.push('\'');
            } else {
                flush(&mut tokens, &mut start, &mut n_letters, &mut n_upper, clause);
                if matches!(ch, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '—' | '–' | '\n') {
                    clause += 1;
                }
            }
        }
        flush(&mut tokens, &mut start, &mut n_letters, &mut n_upper, clause);
        tokens
    }
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

/// Everything the lexicon says about one whole token.
#[derive(Clone, Copy, Debug, Default)]
struct WordEntry {
    meaning: Option<Meaning>,
    negator: bool,
    booster: Option<f64>,
    contrast: bool,
    /// Some phrase's first part is this exact word.
    starts_phrase: bool,
}

/// Everything the lexicon says about a stem, a token's prefix.
#[derive(Clone, Copy, Debug, Default)]
struct StemEntry {
    meaning: Option<Meaning>,
    /// Some phrase's first part is this stem.
    starts_phrase: bool,
}

/// What [`Lexicon::look_up`] found for a token.
struct Found {
    word: WordEntry,
    /// The meaning of the longest stem the token starts with.
    stem_meaning: Option<Meaning>,
    /// Whether some phrase may start at the token.
    starts_phrase: bool,
}

/// The lexicon's own words are the keys, never a table built from customer text, so a
/// fast non-keyed hash is safe here.
type FastMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

struct Lexicon {
    words: FastMap<&'static str, WordEntry>,
    stems: FastMap<&'static str, StemEntry>,
    /// Longest first, so `в который раз` wins over `который раз`.
    phrases: Vec<(Vec<Part>, f64)>,
    symbols: Vec<(f64, &'static str)>,
    /// The ASCII characters some stem starts with: a token starting with another ASCII
    /// character has no stem (most English words), and is not searched for one.
    ascii_stem_starts: [bool; 128],
    /// The shortest stem's length in bytes: no shorter prefix is searched.
    shortest_stem: usize,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

impl Lexicon {
    fn build() -> Lexicon {
        let mut lexicon = Lexicon {
            words: FastMap::default(),
            stems: FastMap::default(),
            phrases: Vec::new(),
            symbols: lexicon::SYMBOLS
                .iter()
                .flat_map(|&(weight, symbols)| symbols.split_whitespace().map(move |symbol| (weight, symbol)))
                .collect(),
            ascii_stem_starts: [false; 128],
            shortest_stem: usize::MAX,
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
                    // A later entry of the same text replaces an earlier one.
                    let part = Part::parse(entry);
                    if part.is_stem {
                        lexicon.stems.entry(part.text).or_default().meaning = Some(meaning);
                    } else {
                        lexicon.words.entry(part.text).or_default().meaning = Some(meaning);
                    }
                }
            }
        }
        lexicon.phrases.sort_by_key(|(parts, _)| std::cmp::Reverse(parts.len()));
        for (parts, _) in &lexicon.phrases {
            let first = parts[0];
            if first.is_stem {
                lexicon.stems.entry(first.text).or_default().starts_phrase = true;
            } else {
                lexicon.words.entry(first.text).or_default().starts_phrase = true;
            }
        }
        for negator in lexicon::NEGATORS.split_whitespace() {
            lexicon.words.entry(negator).or_default().negator = true;
        }
        for &(factor, entries) in lexicon::BOOSTERS {
            for entry in entries.split_whitespace() {
                lexicon.words.entry(entry).or_default().booster = Some(factor);
            }
        }
        for contrast in lexicon::CONTRASTS.split_whitespace() {
            lexicon.words.entry(contrast).or_default().contrast = true;
        }
        for stem in lexicon.stems.keys() {
            match stem.chars().next() {
                Some(first) if first.is_ascii() => lexicon.ascii_stem_starts[first as usize] = true,
                Some(_) => {}
                // An empty stem would start every token.
                None => lexicon.ascii_stem_starts = [true; 128],
            }
            lexicon.shortest_stem = lexicon.shortest_stem.min(stem.len());
        }
        lexicon
    }

    /// Whether some stem may start `token`: not when it starts with an ASCII character no
    /// stem starts with.
    fn may_have_stem(&self, token: &str) -> bool {
        match token.chars().next() {
            Some(first) if first.is_ascii() => self.ascii_stem_starts[first as usize],
            Some(_) => true,
            None => false,
        }
    }

    /// The token's entry, and its stems': a token's meaning is its exact entry's, else the
    /// longest stem's it starts with.
    fn look_up(&self, token: &str) -> Found {
        let word = self.words.get(token).copied().unwrap_or_default();
        let mut stem_meaning = None;
        let mut starts_phrase = word.starts_phrase;
        if !self.may_have_stem(token) {
            return Found { word, stem_meaning, starts_phrase };
        }
        for (idx, ch) in token.char_indices().rev() {
            let prefix_len = idx + ch.len_utf8();
            // Longest first: every prefix from here on is shorter still.
            if prefix_len < self.shortest_stem {
                break;
            }
            if let Some(stem) = self.stems.get(&token[..prefix_len]) {
                starts_phrase |= stem.starts_phrase;
                if stem_meaning.is_none() {
                    stem_meaning = stem.meaning;
                }
            }
        }
        Found { word, stem_meaning, starts_phrase }
    }

    /// A phrase starting at token `first`, in one clause, with at most one filler word
    /// between parts: its weight and how many tokens it spans.
    fn phrase_at(&self, tokens: &Tokens, first: usize) -> Option<(f64, usize)> {
        let clause = tokens.list[first].clause;
        let rest = &tokens.list[first..];
        let text = |idx: usize| tokens.text(first + idx);
        self.phrases.iter().find_map(|(parts, weight)| {
            let (head, tail) = parts.split_first()?;
            if !head.matches(text(0)) {
                return None;
            }
            let mut next_idx = 1;
            for part in tail {
                let found = (next_idx..rest.len().min(next_idx + 2))
                    .take_while(|&idx| rest[idx].clause == clause)
                    .find(|&idx| part.matches(text(idx)))?;
                next_idx = found + 1;
            }
            Some((*weight, next_idx))
        })
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

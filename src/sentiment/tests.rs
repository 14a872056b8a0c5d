//! Scores of realistic customer messages, English and Russian, read as moods.

use proptest::prelude::*;

use super::*;

#[track_caller]
fn check(text: &str, expect: Mood) {
    let score = score(text);
    assert_eq!(Mood::of(score), expect, "{text:?} scored {score:.2}");
}

#[test]
fn english_messages() {
    check("This is the third time I'm writing and it's STILL broken!!!", Mood::Upset);
    check("Your app is terrible, I want a refund.", Mood::Upset);
    check("I want my money back. This is a scam.", Mood::Upset);
    check("Nobody answers, I've been waiting for days. Unacceptable.", Mood::Upset);
    check("It still doesn't work after your so-called fix. Ridiculous.", Mood::Upset);
    check("WHY IS THIS NOT WORKING", Mood::Upset);
    check("Worst support ever, I'm filing a chargeback", Mood::Upset);
    check("Thanks for the answer, but the problem is still not solved", Mood::Upset);
    check("The export doesn't work, can you check?", Mood::Unhappy);
    check("I didn't receive the confirmation email", Mood::Unhappy);
    check("The page is a bit slow and I can't log in", Mood::Unhappy);
    check("How do I change the email on my account?", Mood::Neutral);
    check("Can you send me the invoice for March?", Mood::Neutral);
    check("What are your opening hours on Saturday?", Mood::Neutral);
    check("I'd like to upgrade to the annual plan, please", Mood::Neutral);
    check("Is the discount still valid?", Mood::Neutral);
    check("There is an error when I export a report", Mood::Neutral);
    check("Thank you so much, that fixed it!", Mood::Pleased);
    check("Great support, really appreciate the quick answer", Mood::Pleased);
    check("It works now, thanks!", Mood::Pleased);
    check("Not bad at all, thanks", Mood::Pleased);
}

#[test]
fn russian_messages() {
    check("Третий раз пишу, до сих пор не работает!!!", Mood::Upset);
    check("Верните деньги, это обман", Mood::Upset);
    check("Верните мне деньги немедленно", Mood::Upset);
    check("Сколько можно ждать? Никто не отвечает уже неделю", Mood::Upset);
    check("Ужасный сервис, вообще ничего не работает", Mood::Upset);
    check("ВЫ ИЗДЕВАЕТЕСЬ?", Mood::Upset);
    check("Опять не могу войти, это уже бесит", Mood::Upset);
    check("Не приходит код подтверждения", Mood::Unhappy);
    check("Приложение тормозит и вылетает", Mood::Unhappy);
    check("Не работает оплата", Mood::Unhappy);
    check("Подскажите, как поменять email в профиле?", Mood::Neutral);
    check("Здравствуйте, где найти счёт за март?", Mood::Neutral);
    check("Можно ли оплатить картой?", Mood::Neutral);
    check("Какие у вас часы работы в субботу?", Mood::Neutral);
    check("Как долго идёт доставка?", Mood::Neutral);
    check("Спасибо большое, всё заработало!", Mood::Pleased);
    check("Отличная поддержка, благодарю", Mood::Pleased);
    check("Супер, теперь работает, спасибо)))", Mood::Pleased);
    check("Неплохо, спасибо", Mood::Pleased);
}

#[test]
fn negation_flips_and_service_verbs_turn_negative() {
    assert!(score("good") > 0.0 && score("not good") < 0.0);
    assert!(score("bad") < 0.0 && score("not bad") > 0.0);
    assert!(score("it works") >= 0.0 && score("it doesn't work") < UNHAPPY_BELOW);
    assert!(score("работает") >= 0.0 && score("не работает") < UNHAPPY_BELOW);
    assert!(score("не очень хорошо") < 0.0);
    // A clause break ends the negation: "no, thanks" stays thankful.
    assert!(score("No, thanks!") > PLEASED_ABOVE);
    // Negation reaches the first sentiment word only: the refund stays negative.
    assert!(score("I have not received my refund") < score("I have not received it"));
}

#[test]
fn capitals_exclamations_and_boosters_amplify() {
    let plain = score("this is bad");
    assert!(score("this is BAD") < plain);
    assert!(score("this is NOT good") < score("this is not good"));
    assert!(score("this is bad!!!") < plain);
    assert!(score("this is very bad") < plain);
    assert!(score("this is a bit bad") > plain);
    assert!(score("опять не работает") < score("не работает"));
    assert!(score("thank you!!") > score("thank you"));
}

#[test]
fn text_without_sentiment_scores_zero() {
    for text in ["", "   ", "INV-12345", "42", "¯\\_(ツ)_/¯", "Guten Tag, ich habe eine Frage"] {
        assert!(score(text).abs() < f64::EPSILON, "{text:?} scored {}", score(text));
    }
}

#[test]
fn lexicon_entries_are_well_formed() {
    let groups = lexicon::WORDS.iter().map(|(_, entries)| *entries);
    let entries = groups
        .chain(lexicon::ACTIONS.iter().map(|(_, _, entries)| *entries))
        .chain(lexicon::BOOSTERS.iter().map(|(_, entries)| *entries))
        .chain([lexicon::NEGATORS, lexicon::CONTRASTS])
        .flat_map(str::split_whitespace);
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        // Tokens are lowercase with `е` for `ё`, so other spellings could never match.
        let tokens = Tokens::of(&entry.replace('_', " "));
        let tokens: Vec<&str> = (0..tokens.list.len()).map(|idx| tokens.text(idx)).collect();
        let parts: Vec<&str> = entry.split('_').map(|part| part.trim_end_matches('*')).collect();
        assert_eq!(tokens, parts, "lexicon entry {entry:?} cannot match any token");
        let is_modifier = lexicon::BOOSTERS.iter().any(|(_, e)| e.split_whitespace().any(|b| b == entry))
            || lexicon::NEGATORS.split_whitespace().any(|n| n == entry);
        assert!(seen.insert(entry) || is_modifier, "lexicon entry {entry:?} appears twice");
    }
    assert!(seen.len() > 300, "the lexicon has {} entries", seen.len());
}

proptest! {
    #[test]
    fn scores_stay_in_range(text in "\\PC{0,200}") {
        let score = score(&text);
        prop_assert!((-1.0..=1.0).contains(&score), "{:?} scored {}", text, score);
    }
}

/// Messages from every corner of the lexicon: each entry alone, negated, boosted, shouted,
/// after a contrast, inside phrases with and without a filler word, with emoji and marks.
fn corpus() -> Vec<String> {
    let mut texts: Vec<String> = [
        "This is the third time I'm writing and it's STILL broken!!!",
        "Thanks for the answer, but the problem is still not solved",
        "Верните мне деньги немедленно",
        "в который раз пишу, который раз уже",
        "what the hell, what is the hell",
        "Сколько можно ждать? Никто не отвечает уже неделю",
        "Супер, теперь работает, спасибо)))",
        "not not good but very very bad :( 😡 🙂 👍👍 ??? !!",
        "I don't like it’s design; it doesn’t WORK''' ' ’ ",
        "",
        "   ",
        "ЁЖИК ёлка Ёлки-палки — ну и ну – так",
    ]
    .iter()
    .map(|text| (*text).to_owned())
    .collect();
    let mut entries: Vec<&str> = Vec::new();
    for (_, words) in lexicon::WORDS {
        entries.extend(words.split_whitespace());
    }
    for (_, _, words) in lexicon::ACTIONS {
        entries.extend(words.split_whitespace());
    }
    entries.extend(lexicon::NEGATORS.split_whitespace());
    entries.extend(lexicon::CONTRASTS.split_whitespace());
    for (_, words) in lexicon::BOOSTERS {
        entries.extend(words.split_whitespace());
    }
    for entry in &entries {
        // A stem with an ending, a phrase with and without a filler word.
        let word = entry.replace('*', "ый").replace('_', " ");
        let filled = entry.replace('*', "").replace('_', " мне ");
        for text in [
            word.clone(),
            format!("not {word}"),
            format!("не очень {word}!"),
            format!("{} now", word.to_uppercase()),
            format!("it was fine, but {word}, really"),
            format!("{filled} {filled} very"),
            format!("so {word} 😡, no {word} :)"),
            format!("{word}. {word}?? {word}!!!!!"),
        ] {
            texts.push(text);
        }
    }
    for pair in entries.windows(3) {
        texts.push(pair.join(" ").replace('*', "").replace('_', " "));
    }
    texts
}

#[test]
fn the_scorer_gives_the_very_scores_of_the_reference() {
    let corpus = corpus();
    assert!(corpus.len() > 3_000, "{} texts", corpus.len());
    let mut n_nonzero = 0;
    for text in &corpus {
        let (fast, reference) = (score(text), super::reference::score(text));
        assert_eq!(fast.to_bits(), reference.to_bits(), "{text:?}: {fast} against {reference}");
        n_nonzero += usize::from(fast != 0.0);
    }
    assert!(n_nonzero * 4 > corpus.len() * 3, "the corpus carries sentiment: {n_nonzero}");
}

proptest! {
    #[test]
    fn any_text_scores_as_the_reference_does(
        words in proptest::collection::vec(
            prop_oneof![
                Just("not"), Just("very"), Just("good"), Just("bad"), Just("work"), Just("но"),
                Just("верните"), Just("мне"), Just("деньги"), Just("третий"), Just("раз"),
                Just("the"), Just("hell"), Just("what"), Just("ОЧЕНЬ"), Just("плохо"),
                Just(","), Just("!"), Just("??"), Just("😡"), Just(":)"), Just("doesn't"),
                Just("ЁЛКИ"), Just("what_the"),
            ],
            0..24,
        )
    ) {
        let text = words.join(" ");
        prop_assert_eq!(score(&text).to_bits(), super::reference::score(&text).to_bits(), "{:?}", text);
    }

    #[test]
    fn any_characters_score_as_the_reference_does(text in "\\PC{0,120}") {
        prop_assert_eq!(score(&text).to_bits(), super::reference::score(&text).to_bits());
    }
}

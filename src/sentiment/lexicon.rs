//! The sentiment lexicon: English and Russian words, stems and phrases with their weights.
//!
//! Data only; `mod.rs` explains how it is applied. Entries are separated by whitespace.
//! `word` matches that token exactly, `stem*` any token starting with the stem (Russian
//! endings, English suffixes), and `a_b*` is a phrase of such parts in order, allowing one
//! filler word between parts (`верн*_деньг*` matches `верните мне деньги`). Tokens are
//! lowercase with `ё` written `е`. Weights run from about -3.5 (furious) to +3 (delighted); 0.5 is a hint, 2 is clear.

/// Words and phrases that carry sentiment on their own, grouped by weight.
/// A negator before one flips it: a positive word turns to -0.75 of itself ("not good"),
/// a negative one to a mild +0.25 of its size ("not bad").
pub(super) const WORDS: &[(f64, &str)] = &[
    // Abuse, fraud, legal threats.
    (
        -3.5,
        "furious outrageous disgusting worst scam* fraud* wtf what_the_hell lawyer* sue chargeback*
            fuck* shit* bullshit мошенн* обман* кидал* суд прокуратур* роспотребнадзор* охренел* задолбал*
            заколебал* дебил* идиот* худш*",
    ),
    // Clearly upset.
    (
        -3.0,
        "terrible awful horrible horrendous pathetic unacceptable rip_off ripoff ridiculous
            incompetent useless hate* never_again fed_up sick_of waste_of_time waste_of_money disgrace*
            money_back how_many_times верн*_деньг* верн*_оплат* сколько_можно бесит бесят бесите достал*
            надоел* позор* безобраз* отврат* ужас* кошмар* издева* хамств* хамят беспредел* неприемлем*
            некомпетент* бля*",
    ),
    (
        -2.5,
        "angry pissed unbelievable third_time fourth_time fifth_time so_many_times still_waiting
            charged_twice double_charged overcharged joke третий_раз четвертый_раз пятый_раз который_раз
            в_который_раз который_день недоволен недовольн* разочаров* бардак* развод* бесполезн* тупые
            тупо тупой злой злюсь списали_дважды",
    ),
    (
        -2.0,
        "bad poor disappoint* frustrat* annoy* broken second_time again_and_again over_and_over upset
            unhappy complain* unusable ignored ignoring for_days for_weeks плох* хуже слома* второй_раз
            сколько_раз жалоб* игнорир* расстро* бред* хрен* уже_неделю уже_месяц",
    ),
    (-1.5, "refund* wrong lost stuck impossible неудобн* невозможн* до_сих_пор возврат*"),
    (
        -1.0,
        "again slow missing crash* fail* глюч* глюк* тормоз* вылета* зависа* завис зависло delay*
            glitch* asap confus* weird медленн* немедленно опять все_еще жаль списал*",
    ),
    // Hints: a problem report, pressure, a sigh.
    (
        -0.7,
        "problem* unable unfortunately urgent* immediately cancel* проблем* снова срочно к_сожалению
            отказ* отмен*",
    ),
    (-0.4, "error* bug* issue* waiting still ошибк* баг* долго"),
    // Politeness and mild approval.
    (0.3, "please pls ok okay пожалуйста ок понятно"),
    (1.0, "fine quick* fast easy cheers smooth* быстр* неплох*"),
    (1.5, "good nice cool friendly thx хорош* удобн* вежлив* здорово круто"),
    (2.0, "thank* ty helpful happy glad pleased спасиб* рад рада рады довольн* класс* лучш*"),
    (2.5, "great appreciat* grateful благодар* супер молодц* выручил*"),
    (
        3.0,
        "excellent amazing awesome perfect fantastic wonderful brilliant outstanding superb delighted
           lifesaver love* best отличн* прекрасн* замечательн* великолепн*",
    ),
];

/// Verbs of a service doing its job, as `(plain, negated, entries)`: nearly neutral alone
/// ("it works"), clearly negative after a negator ("doesn't work", "не работает").
pub(super) const ACTIONS: &[(f64, f64, &str)] = &[
    (0.5, -2.0, "work works working worked работа* функционир*"),
    (1.5, -2.0, "fixed resolved solved заработал* починил* исправил* решен решена решено решили"),
    (0.5, -1.8, "help helps helped helping помог помогает помогло"),
    (2.0, -1.8, "помогли помогла"),
    (
        0.0,
        -1.8,
        "respond* response* reply replied replies answer* care cares update updates отвеча*
                 ответ* реагир*",
    ),
    (0.0, -1.5, "load loads loading arrive* arrived came come грузит* загружа* приход* пришл* пришло"),
    (
        0.0,
        -1.2,
        "open opens receive* get got login log sign мог* получа* получил* открыва* зайти войти
                 вход*",
    ),
    (0.0, -2.0, "like"),
    (1.5, -2.0, "нрав* понрав*"),
    (0.5, -2.0, "устраива*"),
];

/// Words that flip the next sentiment word in the same clause.
pub(super) const NEGATORS: &str = "
    not no never nothing nobody none nowhere neither nor without don't dont doesn't doesnt didn't didnt
    isn't isnt wasn't wasnt aren't arent weren't won't wont can't cant cannot couldn't couldnt wouldn't
    haven't havent hasn't hasnt hadn't shouldn't не ни нет никто ничего никак никогда нигде без";

/// Words that scale the next sentiment word in the same clause, as `(factor, entries)`.
pub(super) const BOOSTERS: &[(f64, &str)] = &[
    (1.8, "extremely utterly крайне"),
    (1.6, "absolutely incredibly совершенно абсолютно"),
    (1.5, "very totally completely still again очень совсем вообще полностью опять"),
    (1.3, "really so too такой такая такое так слишком реально просто снова"),
    (0.7, "slightly somewhat bit little kinda немного слегка чуть"),
];

/// Words that start a contrasting clause: what follows counts more than what came before.
pub(super) const CONTRASTS: &str = "but however но однако";

/// Emoji and emoticons, matched anywhere in the raw text.
pub(super) const SYMBOLS: &[(f64, &str)] = &[
    (-3.0, "🤬 😡"),
    (-2.0, "😠 😤 👎 😞 😢 😭 🙄 😒"),
    (-1.0, ":( :-( ((("),
    (1.0, ":) :-) ))) 🙂"),
    (1.5, "👍 🙏 😊 😀 😃 ❤ 🎉 🥰"),
];

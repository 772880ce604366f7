//! Words to stems: lower-cased word tokens, stop words dropped per language, the rest stemmed
//! with the Snowball stemmer of the comment's language (declared, else guessed).

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use crate::domain::Lang;

const STOP_EN: &[&str] = &[
    "the", "and", "for", "are", "but", "not", "you", "your", "yours", "all", "any", "can", "had",
    "her", "was", "one", "our", "out", "has", "have", "him", "his", "how", "its", "let", "may",
    "she", "too", "use", "that", "this", "with", "from", "they", "them", "then", "than", "there",
    "their", "what", "when", "where", "which", "who", "why", "will", "would", "could", "should",
    "just", "been", "being", "into", "about", "again", "also", "very", "much", "more", "most",
    "some", "such", "only", "own", "same", "so", "now", "did", "does", "doing", "done", "were",
    "here", "over", "under", "after", "before", "because", "while", "still", "yet", "get", "got",
    "im", "ive", "dont", "didnt", "doesnt", "cant", "wont", "isnt", "wasnt", "its", "i'm", "don't",
    "can't", "won't", "me", "my", "mine", "we", "us", "it", "is", "a", "an", "of", "to", "in",
    "on", "at", "by", "or", "if", "be", "do", "no", "yes", "as", "up", "again", "even", "every",
    "ever", "never", "always", "please", "thanks", "thank", "hello", "guys", "really",
];
const STOP_ES: &[&str] = &[
    "de", "la", "que", "el", "en", "y", "a", "los", "del", "se", "las", "por", "un", "para", "con",
    "no", "una", "su", "al", "lo", "como", "más", "mas", "pero", "sus", "le", "ya", "o", "este",
    "sí", "si", "porque", "esta", "entre", "cuando", "muy", "sin", "sobre", "también", "me",
    "hasta", "hay", "donde", "quien", "desde", "todo", "nos", "durante", "todos", "uno", "les",
    "ni", "contra", "otros", "ese", "eso", "ante", "ellos", "e", "esto", "mí", "antes", "algunos",
    "qué", "unos", "yo", "otro", "otras", "otra", "él", "tanto", "esa", "estos", "mucho",
    "quienes", "nada", "muchos", "cual", "poco", "ella", "estar", "estas", "algunas", "algo",
    "nosotros", "mi", "mis", "tú", "te", "ti", "tu", "tus", "es", "son", "fue", "ha", "han", "he",
    "era", "está", "están", "estoy", "hola", "gracias", "favor", "aún", "todavía",
];
const STOP_RU: &[&str] = &[
    "и",
    "в",
    "во",
    "не",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "как",
    "а",
    "то",
    "все",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "только",
    "ее",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "нет",
    "о",
    "из",
    "ему",
    "теперь",
    "когда",
    "даже",
    "ну",
    "вдруг",
    "ли",
    "если",
    "уже",
    "или",
    "ни",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "нибудь",
    "опять",
    "уж",
    "вам",
    "ведь",
    "там",
    "потом",
    "себя",
    "ничего",
    "ей",
    "может",
    "они",
    "тут",
    "где",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "чтоб",
    "без",
    "будто",
    "чего",
    "раз",
    "тоже",
    "себе",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "потому",
    "этого",
    "какой",
    "совсем",
    "ним",
    "здесь",
    "этом",
    "один",
    "почти",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "сейчас",
    "были",
    "куда",
    "зачем",
    "всех",
    "никогда",
    "можно",
    "при",
    "наконец",
    "два",
    "об",
    "другой",
    "хоть",
    "после",
    "над",
    "больше",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "какая",
    "много",
    "разве",
    "три",
    "эту",
    "моя",
    "впрочем",
    "хорошо",
    "свою",
    "этой",
    "перед",
    "иногда",
    "лучше",
    "чуть",
    "том",
    "нельзя",
    "такой",
    "им",
    "более",
    "всегда",
    "конечно",
    "всю",
    "между",
    "это",
    "мой",
    "здравствуйте",
    "спасибо",
    "пожалуйста",
    "уже",
];
const STOP_NL: &[&str] = &[
    "de",
    "en",
    "van",
    "ik",
    "te",
    "dat",
    "die",
    "in",
    "een",
    "hij",
    "het",
    "niet",
    "zijn",
    "is",
    "was",
    "op",
    "aan",
    "met",
    "als",
    "voor",
    "had",
    "er",
    "maar",
    "om",
    "hem",
    "dan",
    "zou",
    "of",
    "wat",
    "mijn",
    "men",
    "dit",
    "zo",
    "door",
    "over",
    "ze",
    "zich",
    "bij",
    "ook",
    "tot",
    "je",
    "mij",
    "uit",
    "der",
    "daar",
    "haar",
    "naar",
    "heb",
    "hoe",
    "heeft",
    "hebben",
    "deze",
    "u",
    "want",
    "nog",
    "zal",
    "me",
    "zij",
    "nu",
    "ge",
    "geen",
    "omdat",
    "iets",
    "worden",
    "toch",
    "al",
    "waren",
    "veel",
    "meer",
    "doen",
    "toen",
    "moet",
    "ben",
    "zonder",
    "kan",
    "hun",
    "dus",
    "alles",
    "onder",
    "ja",
    "eens",
    "hier",
    "wie",
    "werd",
    "altijd",
    "doch",
    "wordt",
    "wezen",
    "kunnen",
    "ons",
    "zelf",
    "tegen",
    "na",
    "reeds",
    "wil",
    "kon",
    "niets",
    "uw",
    "iemand",
    "geweest",
    "andere",
    "jullie",
    "jij",
    "we",
    "wij",
    "weer",
    "bedankt",
    "alsjeblieft",
    "hallo",
    "graag",
];
/// Tokens that mean nothing in any language (web addresses, laughter).
const STOP_ANY: &[&str] = &[
    "http", "https", "www", "com", "org", "net", "html", "lol", "haha", "jaja", "xd", "ok",
];

/// Stems words of texts in calma's languages.
pub struct Analyzer {
    en: Stemmer,
    es: Stemmer,
    ru: Stemmer,
    nl: Stemmer,
    stop: HashMap<Lang, HashSet<&'static str>>,
    any: HashSet<&'static str>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        let set = |l: &[&'static str]| l.iter().copied().collect::<HashSet<_>>();
        Analyzer {
            en: Stemmer::create(Algorithm::English),
            es: Stemmer::create(Algorithm::Spanish),
            ru: Stemmer::create(Algorithm::Russian),
            nl: Stemmer::create(Algorithm::Dutch),
            stop: HashMap::from([
                (Lang::En, set(STOP_EN)),
                (Lang::Es, set(STOP_ES)),
                (Lang::Ru, set(STOP_RU)),
                (Lang::Nl, set(STOP_NL)),
                (Lang::Other, set(STOP_EN)),
            ]),
            any: set(STOP_ANY),
        }
    }

    /// The language of a text: the declared one when calma knows it, else a quick guess (the
    /// analysers run on every new comment, so no statistical detector here): Cyrillic is
    /// Russian; otherwise the language whose stop words the first forty words use most.
    pub fn lang(&self, declared: Option<&str>, text: &str) -> Lang {
        if let Some(l) = declared.map(Lang::from_code).filter(|l| *l != Lang::Other) {
            return l;
        }
        if text
            .chars()
            .any(|c| ('а'..='я').contains(&c) || ('А'..='Я').contains(&c))
        {
            return Lang::Ru;
        }
        let mut votes = [(Lang::En, 0u32), (Lang::Es, 0), (Lang::Nl, 0)];
        let sets = votes.map(|(l, _)| &self.stop[&l]);
        for w in words(text).take(40) {
            for ((_, n), set) in votes.iter_mut().zip(&sets) {
                *n += u32::from(set.contains(w.as_str()));
            }
        }
        votes
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(_, n)| *n)
            .map_or(Lang::Other, |(l, _)| l)
    }

    /// The content words of `text` as (stem, word) pairs, in text order, repeats kept.
    pub fn stems(&self, lang: Lang, text: &str) -> Vec<(String, String)> {
        words(text)
            .filter_map(|w| self.stem_word(lang, &w).map(|s| (s, w)))
            .collect()
    }

    /// The stem of one word as [`words`] gives it; `None` for a word that names no topic (a
    /// stop word, a number, fewer than three letters).
    pub fn stem_word(&self, lang: Lang, w: &str) -> Option<String> {
        if w.chars().nth(2).is_none() || w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if self.is_stop(lang, w) {
            return None;
        }
        Some(match lang {
            Lang::En => self.en.stem(w).into_owned(),
            Lang::Es => self.es.stem(w).into_owned(),
            Lang::Ru => self.ru.stem(w).into_owned(),
            Lang::Nl => self.nl.stem(w).into_owned(),
            Lang::Other => w.to_owned(),
        })
    }

    fn is_stop(&self, lang: Lang, w: &str) -> bool {
        self.stop[&lang].contains(w) || self.any.contains(w)
    }
}

/// Lower-cased word tokens (letters, digits and inner apostrophes), with ё read as е.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.is_ascii() {
                w.to_ascii_lowercase()
            } else {
                w.to_lowercase().replace('ё', "е")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_go_and_inflections_meet() {
        let a = Analyzer::new();
        let s: Vec<String> = a
            .stems(Lang::En, "The battery drains; my batteries are draining!")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(s, ["batteri", "drain", "batteri", "drain"]);
        let ru: Vec<String> = a
            .stems(Lang::Ru, "Заказ не пришёл, где мой заказы")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(ru[0], ru[2], "{ru:?}");
        assert!(!ru.iter().any(|s| s == "где"));
    }

    #[test]
    fn declared_language_wins_and_detection_fills_in() {
        let a = Analyzer::new();
        assert_eq!(a.lang(Some("es-MX"), "hello"), Lang::Es);
        assert_eq!(
            a.lang(
                None,
                "Mijn bestelling is nog steeds niet aangekomen en niemand reageert"
            ),
            Lang::Nl
        );
    }
}

//! Tells a bare "thanks" / "ok 👍" from a real new message, in English, Spanish, Russian and
//! Dutch, so that a customer's politeness does not reopen a resolved case.

/// Words that, on their own or together, only thank or acknowledge.
const THANKS_WORDS: &[&str] = &[
    // en
    "thanks", "thank", "thankyou", "thanx", "thx", "ty", "tysm", "you", "u", "so", "very",
    "much", "a", "lot", "ok", "okay", "okey", "okie", "k", "kk", "cheers", "great", "cool",
    "perfect", "awesome", "nice", "appreciated", "appreciate", "it", "got", "alright", "fine",
    "noted", "understood", "again", "all", "many", "again", "guys", "team",
    // es
    "gracias", "muchas", "muchisimas", "muchísimas", "mil", "vale", "perfecto", "genial",
    "listo", "entendido", "bueno", "muy", "amable", "de", "nuevo", "igualmente", "por", "todo",
    // ru
    "спасибо", "спс", "большое", "огромное", "ок", "окей", "хорошо", "понятно", "отлично",
    "ладно", "благодарю", "понял", "поняла", "ясно", "вам", "еще", "ещё", "раз",
    // nl
    "bedankt", "dank", "je", "jullie", "wel", "dankjewel", "dankjewel", "dankuwel", "oké",
    "oke", "prima", "top", "super", "helemaal", "goed", "duidelijk", "hartelijk", "heel", "erg",
    "fijn", "nogmaals",
];

/// Words whose presence makes the text a thanks (not just "very much" or "a lot").
const CORE_WORDS: &[&str] = &[
    "thanks", "thank", "thankyou", "thanx", "thx", "ty", "tysm", "ok", "okay", "okey", "okie",
    "k", "kk", "cheers", "great", "cool", "perfect", "awesome", "nice", "appreciated", "noted",
    "understood", "alright", "fine", "gracias", "vale", "perfecto", "genial", "listo",
    "entendido", "спасибо", "спс", "ок", "окей", "хорошо", "понятно", "отлично", "ладно",
    "благодарю", "ясно", "bedankt", "dank", "dankjewel", "dankuwel", "oké", "oke", "prima", "top",
    "super", "duidelijk",
];

/// Longest message still counted as a bare thanks.
const MAX_WORDS: usize = 8;

/// True when `text` only thanks or acknowledges ("thanks!", "Gracias 🙏", "спасибо большое",
/// "dank je wel", "ok 👍", or emoji alone): such a comment does not reopen a case. Anything with
/// a word outside the thanks vocabulary ("thanks but it broke again") is a real message.
pub fn is_bare_thanks(text: &str) -> bool {
    let cleaned: String = text
        .chars()
        .map(|ch| if ch.is_alphanumeric() { ch } else { ' ' })
        .flat_map(char::to_lowercase)
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    if words.is_empty() {
        // Only emoji or punctuation ("👍", "🙏🙏", "!!"): a reaction, not a message.
        return !text.trim().is_empty();
    }
    words.len() <= MAX_WORDS
        && words.iter().all(|w| THANKS_WORDS.contains(w))
        && words.iter().any(|w| CORE_WORDS.contains(w))
}

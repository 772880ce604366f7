//! The BIFF lint: checks a reply draft for being Brief (a length budget per platform),
//! Informative (a concrete next step or fact), Friendly (no blame, sarcasm or shouting) and
//! Firm (a clear close, no over-apologising), with word lists for en, es, ru and nl. Each
//! warning names its rule and explains itself in one plain English line.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::{Lang, Platform};

/// The four BIFF qualities; each warning belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Biff {
    Brief,
    Informative,
    Friendly,
    Firm,
}

impl Biff {
    pub fn as_str(self) -> &'static str {
        match self {
            Biff::Brief => "Brief",
            Biff::Informative => "Informative",
            Biff::Friendly => "Friendly",
            Biff::Firm => "Firm",
        }
    }
}

impl fmt::Display for Biff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of the lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintWarning {
    pub rule: Biff,
    /// A stable code for the check (`brief.length`, `friendly.blame`, …).
    pub code: &'static str,
    /// One line a person understands, in English.
    pub message: String,
    /// Byte range of the offending words in the draft, when there are some to highlight.
    pub span: Option<(usize, usize)>,
}

/// The length a public reply on `platform` should stay within, in characters.
pub fn length_budget(platform: Platform) -> usize {
    match platform {
        Platform::X => 280,
        Platform::Tiktok => 150,
        Platform::Instagram => 400,
        Platform::Facebook | Platform::Youtube | Platform::Linkedin => 500,
        Platform::Reddit | Platform::Google | Platform::Web => 600,
        Platform::Email => 1200,
    }
}

/// Checks `text`, written in `lang`, for a reply on `platform`. `Lang::Other` checks the word
/// lists of every language calma knows.
pub fn lint(text: &str, lang: Lang, platform: Platform) -> Vec<LintWarning> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        return out;
    }
    let folded = Folded::new(text);
    let rules: Vec<&Compiled> = match lang {
        Lang::En => vec![&RULES[0]],
        Lang::Es => vec![&RULES[1]],
        Lang::Ru => vec![&RULES[2]],
        Lang::Nl => vec![&RULES[3]],
        Lang::Other => RULES.iter().collect(),
    };
    brief(text, platform, &mut out);
    informative(&folded, &rules, &mut out);
    friendly(text, &folded, &rules, &mut out);
    firm(&folded, &rules, &mut out);
    out
}

fn brief(text: &str, platform: Platform, out: &mut Vec<LintWarning>) {
    let len = text.trim().chars().count();
    let budget = length_budget(platform);
    if len > budget {
        out.push(LintWarning {
            rule: Biff::Brief,
            code: "brief.length",
            message: format!(
                "{len} characters; keep replies on {platform} under {budget} so they are read in full"
            ),
            span: None,
        });
    }
}

/// Placeholders that promise a concrete fact once filled.
static CONCRETE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\{(?:eta|channel|ticket|order|contact)(?:\|[^{}]*)?\}|\d|https?://|www\.|@\w|\S+@\S+\.\w",
    )
    .expect("concrete regex")
});

fn informative(f: &Folded, rules: &[&Compiled], out: &mut Vec<LintWarning>) {
    let concrete =
        CONCRETE.is_match(&f.text) || rules.iter().any(|r| r.next_step.is_match(&f.text));
    if !concrete {
        out.push(LintWarning {
            rule: Biff::Informative,
            code: "informative.next_step",
            message: "no concrete next step or fact: say what happens next, when, or where \
                      (a time, a channel, an action)"
                .into(),
            span: None,
        });
    }
}

/// Abbreviations written in capitals without shouting.
const ACRONYMS: [&str; 32] = [
    "ASAP", "HTTP", "HTTPS", "HTML", "GDPR", "AVG", "IBAN", "SEPA", "UTC", "CEST", "RGPD", "SMS",
    "FAQ", "URL", "API", "PDF", "EUR", "USD", "RUB", "DM", "MD", "ID", "OK", "TV", "EU", "UK",
    "USA", "PS", "PM", "AM", "ЛС", "СМС",
];

fn friendly(text: &str, f: &Folded, rules: &[&Compiled], out: &mut Vec<LintWarning>) {
    for r in rules {
        for m in r.blame.find_iter(&f.text) {
            let span = f.original(m.start(), m.end());
            out.push(LintWarning {
                rule: Biff::Friendly,
                code: "friendly.blame",
                message: format!(
                    "\"{}\" sounds like blame or sarcasm; describe the fix instead",
                    &text[span.0..span.1]
                ),
                span: Some(span),
            });
        }
    }
    if let Some(span) = shouting(text) {
        out.push(LintWarning {
            rule: Biff::Friendly,
            code: "friendly.shouting",
            message: format!(
                "\"{}\" in capitals reads as shouting; write it in lower case",
                &text[span.0..span.1]
            ),
            span: Some(span),
        });
    }
    let bangs = text.matches('!').count();
    if bangs > 1 {
        let second = text.match_indices('!').nth(1).map(|(i, _)| (i, i + 1));
        out.push(LintWarning {
            rule: Biff::Friendly,
            code: "friendly.exclamations",
            message: format!("{bangs} exclamation marks; one is warm, more sounds agitated"),
            span: second,
        });
    }
}

/// Where the text shouts: the first word of four letters or more in capitals, or two
/// capitalised words in a row ("DO NOT"), abbreviations aside.
fn shouting(text: &str) -> Option<(usize, usize)> {
    let caps = |w: &str| {
        w.chars().count() >= 2 && w.chars().all(char::is_uppercase) && !ACRONYMS.contains(&w)
    };
    let mut previous: Option<(usize, usize)> = None;
    for (s, e) in words(text) {
        let word = &text[s..e];
        if !caps(word) {
            previous = None;
            continue;
        }
        if word.chars().count() >= 4 {
            return Some((s, e));
        }
        if let Some((ps, _)) = previous {
            return Some((ps, e));
        }
        previous = Some((s, e));
    }
    None
}

/// Byte ranges of the runs of letters in `text`.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = None;
    text.char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .filter_map(move |(i, c)| match (start, c.is_alphabetic()) {
            (None, true) => {
                start = Some(i);
                None
            }
            (Some(s), false) => {
                start = None;
                Some((s, i))
            }
            _ => None,
        })
}

fn firm(f: &Folded, rules: &[&Compiled], out: &mut Vec<LintWarning>) {
    let apologies: Vec<(usize, usize)> = rules
        .iter()
        .flat_map(|r| r.apology.find_iter(&f.text).map(|m| (m.start(), m.end())))
        .collect();
    if apologies.len() > 1 {
        let (s, e) = apologies[1];
        out.push(LintWarning {
            rule: Biff::Firm,
            code: "firm.apologies",
            message: format!(
                "{} apologies; apologise once, sincerely, then move to the solution",
                apologies.len()
            ),
            span: Some(f.original(s, e)),
        });
    }
    if let Some(m) = rules.iter().find_map(|r| r.grovel.find(&f.text)) {
        out.push(LintWarning {
            rule: Biff::Firm,
            code: "firm.grovelling",
            message: "grovelling undermines the reply; a plain apology and a fix are stronger"
                .into(),
            span: Some(f.original(m.start(), m.end())),
        });
    }
    close(f, rules, out);
}

/// The end of the reply: it should land on a clear statement or next step.
fn close(f: &Folded, rules: &[&Compiled], out: &mut Vec<LintWarning>) {
    let t = f.text.trim_end();
    if t.ends_with("...") || t.ends_with('…') {
        let start = t.rfind("...").or_else(|| t.rfind('…')).unwrap_or(0);
        out.push(LintWarning {
            rule: Biff::Firm,
            code: "firm.close",
            message: "the reply trails off; end on a clear statement or next step".into(),
            span: Some(f.original(start, t.len())),
        });
        return;
    }
    let body = t.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '}');
    let from = body
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '.' | '!' | '?' | '\n' | '¡' | '¿'))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let last = &t[from..];
    for r in rules {
        let hit = r
            .hedge
            .find(last)
            .map(|m| {
                (
                    m,
                    "ends on a hedge; close with a clear statement or next step",
                )
            })
            .or_else(|| {
                // A one-sentence apology-and-fix is fine; a trailing extra sorry is not.
                let trailing = from > 0 && !r.next_step.is_match(last);
                r.apology.find(last).filter(|_| trailing).map(|m| {
                    (
                        m,
                        "ends on an apology; close with the next step, not another sorry",
                    )
                })
            });
        if let Some((m, why)) = hit {
            out.push(LintWarning {
                rule: Biff::Firm,
                code: "firm.close",
                message: why.into(),
                span: Some(f.original(from + m.start(), from + m.end())),
            });
            return;
        }
    }
}

/// Text lower-cased with accents removed (é → e, ё → е) and curly apostrophes made straight,
/// with a map back to byte offsets of the original.
struct Folded {
    text: String,
    /// `map[i]` is the original byte offset of folded byte `i`; one extra entry for the end.
    map: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Folded {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        for (i, c) in original.char_indices() {
            for d in fold_char(c) {
                let before = text.len();
                text.push(d);
                map.extend(std::iter::repeat_n(i, text.len() - before));
            }
        }
        map.push(original.len());
        Folded { text, map }
    }

    /// The original byte range of folded range `start..end`.
    fn original(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.map[start];
        // The end is the start of the next original character (or the text's end).
        let e = self.map[end.min(self.map.len() - 1)];
        (s, e.max(s))
    }
}

fn fold_char(c: char) -> impl Iterator<Item = char> {
    let c = match c {
        '’' | '‘' | '`' | '´' => '\'',
        other => other,
    };
    std::iter::once(c)
        .nfd()
        .filter(|d| !is_combining_mark(*d))
        .flat_map(char::to_lowercase)
}

/// Folds a pattern the way [`Folded`] folds text, so both meet.
fn fold(s: &str) -> String {
    s.chars().flat_map(fold_char).collect()
}

/// One language's word lists, as regex fragments over folded text.
struct Words {
    /// Blame and sarcasm.
    blame: &'static [&'static str],
    apology: &'static [&'static str],
    grovel: &'static [&'static str],
    /// Weak endings.
    hedge: &'static [&'static str],
    /// Action verbs, channels and times that make a reply concrete.
    next_step: &'static [&'static str],
}

struct Compiled {
    blame: Regex,
    apology: Regex,
    grovel: Regex,
    hedge: Regex,
    next_step: Regex,
}

fn alternation(fragments: &[&str]) -> Regex {
    let body = fragments
        .iter()
        .map(|f| fold(f))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!(r"\b(?:{body})\b")).expect("lint word list compiles")
}

impl Compiled {
    fn new(w: &Words) -> Compiled {
        Compiled {
            blame: alternation(w.blame),
            apology: alternation(w.apology),
            grovel: alternation(w.grovel),
            hedge: alternation(w.hedge),
            next_step: alternation(w.next_step),
        }
    }
}

static RULES: LazyLock<[Compiled; 4]> =
    LazyLock::new(|| [EN, ES, RU, NL].map(|w| Compiled::new(&w)));

const EN: Words = Words {
    blame: &[
        r"calm down",
        r"relax",
        r"chill out",
        r"as (?:i|we) (?:have )?already (?:said|told you|explained|mentioned)",
        r"as (?:i|we) (?:said|told you|explained|mentioned) (?:before|earlier|already)",
        r"like (?:i|we) (?:said|told you)",
        r"per (?:my|our) (?:last|previous) (?:message|reply|comment)",
        r"you should(?: have|'ve| had)",
        r"you (?:should|need to) (?:have )?read",
        r"if you had (?:read|bothered|checked|looked)",
        r"obviously",
        r"clearly you",
        r"(?:it'?s|it is) not our (?:fault|problem)",
        r"your own fault",
        r"(?:it'?s|it is|that'?s|that is) your fault",
        r"you people",
        r"with all due respect",
        r"no offen[cs]e",
        r"good luck with that",
        r"(?:ok|okay|fine),? whatever",
    ],
    apology: &[
        r"sorry",
        r"apologi[sz]e\w*",
        r"apolog(?:y|ies)",
        r"forgive us",
        r"we regret",
        r"pardon us",
    ],
    grovel: &[
        r"so+ (?:so+ )+sorry",
        r"(?:very|really|terribly|truly|deeply|so) (?:very|really|terribly|truly|deeply|so) sorry",
        r"sorry,? sorry",
        r"we beg",
        r"please,? please",
        r"please forgive",
        r"we (?:don'?t|do not) deserve",
        r"(?:deeply|so) ashamed",
        r"humbly",
        r"on our knees",
    ],
    hedge: &[
        r"hope (?:this|that|it) (?:helps|is ok(?:ay)?|works)",
        r"if (?:that'?s|that is|it'?s|it is) (?:ok(?:ay)?|alright|all right|fine)",
        r"maybe",
        r"i guess",
        r"sorry again",
        r"again,? sorry",
        r"or something",
        r"no worries if not",
        r"just saying",
    ],
    next_step: &[
        r"(?:we|i)(?:'ll| will| are going to|'re going to)",
        r"(?:we'?re|we are|i'?m|i am) (?:checking|looking|sending|fixing|working|passing|sharing|adding|hiding|posting)",
        r"let'?s",
        r"please (?:send|share|write|dm|message|check|contact|reply|email|call|tell|keep|see|read)",
        r"send\w*",
        r"check\w*",
        r"refund\w*",
        r"replac\w*",
        r"fix\w*",
        r"ship\w*",
        r"call\w*",
        r"writ\w*",
        r"repl\w*",
        r"contact\w*",
        r"updat\w*",
        r"reach (?:out|us)",
        r"pass\w* (?:it|this|your \w+) (?:on|to)",
        r"dm",
        r"direct message",
        r"private message",
        r"e-?mail",
        r"phone",
        r"link",
        r"today|tonight|tomorrow",
        r"this (?:morning|afternoon|evening|week)",
        r"within",
        r"hours?|minutes?|days?",
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day",
        r"polic(?:y|ies)|rules|guidelines|community standards",
        r"facts?|source\w*|official",
        r"hid(?:e|den|ing)|remov\w*|report\w*",
    ],
};

const ES: Words = Words {
    blame: &[
        r"c[aá]lm(?:ate|ese|ense)",
        r"tranquil[oa]s?",
        r"rel[aá]j(?:ate|ese|ense)",
        r"como (?:ya )?(?:te |le |les |os )?(?:dije|dijimos|he dicho|hemos dicho|expliqu[eé]|explicamos|indicamos)",
        r"como ya (?:se )?(?:ha |te |le )?(?:dicho|explicado|indicado)",
        r"(?:deber[ií]as|tendr[ií]as que) haber",
        r"debiste",
        r"obviamente",
        r"evidentemente",
        r"claramente (?:usted|tu|no)",
        r"no es (?:nuestra|nuestro) (?:culpa|problema)",
        r"(?:esto|eso) es (?:tu|su) culpa",
        r"por (?:tu|su) culpa",
        r"(?:tu|su) propia culpa",
        r"si (?:hubieras|hubiera|hubiese) le[ií]do",
        r"con todo (?:el )?respeto",
        r"lee (?:bien|las instrucciones|las condiciones)",
    ],
    apology: &[
        r"perd[oó]n\w*",
        r"disculp\w*",
        r"(?:lo )?sentimos(?: mucho)?",
        r"lo siento",
        r"lamenta\w*",
    ],
    grovel: &[
        r"mil (?:perdones|disculpas)",
        r"(?:te|os|le|les) (?:suplicamos|rogamos)",
        r"suplic\w*",
        r"no (?:nos )?(?:lo )?merecemos",
        r"humildemente",
        r"de rodillas",
        r"(?:muy|profundamente|tan) avergonzad\w*",
        r"perd[oó]n,? perd[oó]n",
        r"lo sentimos (?:much[ií]simo|tant[ií]simo)",
    ],
    hedge: &[
        r"espero que (?:te |le |os )?(?:sirva|ayude|est[eé] bien|valga)",
        r"si (?:te|le|os) parece bien",
        r"si no es molestia",
        r"quiz[aá]s?",
        r"tal vez",
        r"a lo mejor",
        r"(?:perd[oó]n|disculpa\w*) (?:de nuevo|otra vez)",
        r"o algo as[ií]",
        r"supongo",
    ],
    next_step: &[
        r"(?:te|le|os|les) (?:escribimos|escribiremos|enviamos|enviaremos|llamamos|llamaremos|contactamos|contactaremos|respondemos|responderemos|confirmamos|confirmaremos|avisamos|avisaremos|mandamos|mandaremos)",
        r"vamos a",
        r"(?:revis|envi|mand|cambi|reembols|repar|solucion|gestion|confirm|escrib|llam|contact|avis|actualiz|comprob|verific|ocult|retir|denunci|traslad)\w*",
        r"pas(?:amos|aremos|ado) al",
        r"mensaje (?:privado|directo)",
        r"md|dm",
        r"correo",
        r"e-?mail",
        r"tel[eé]fono",
        r"enlace",
        r"hoy|ma[nñ]ana",
        r"esta (?:tarde|semana|noche)",
        r"horas?|minutos?|d[ií]as?",
        r"lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo",
        r"normas?|pol[ií]tica\w*",
        r"datos?|fuentes?|oficial\w*",
        r"cu[eé]ntanos|comp[aá]rte\w*",
    ],
};

const RU: Words = Words {
    blame: &[
        r"успокойтесь|успокойся|успокоитесь",
        r"не (?:нервничайте|кипятитесь)",
        r"как (?:я|мы) уже (?:говорил\w*|писал\w*|сказал\w*|объяснял\w*)",
        r"как (?:я|мы) (?:говорил\w*|писал\w*|сказал\w*|объяснял\w*) (?:ранее|раньше|выше)",
        r"как уже (?:было )?(?:сказано|написано|объяснено)",
        r"(?:вам|тебе) (?:следовало|стоило|надо было|нужно было)",
        r"вы должны были",
        r"очевидно",
        r"не наша (?:вина|проблема)",
        r"сами виноваты",
        r"это (?:ваша|твоя) (?:вина|проблема)",
        r"читайте (?:внимательнее|правила|инструкцию)",
        r"при всем уважении",
    ],
    apology: &[
        r"извин\w*",
        r"прости(?:те)?",
        r"сожале\w*",
        r"жаль",
        r"прошу прощения",
        r"просим прощения",
    ],
    grovel: &[
        r"умоляем|умоляю",
        r"тысяча извинений|тысячу раз (?:извините|простите)",
        r"очень,? очень (?:жаль|стыдно|виноваты)",
        r"нам нет прощения",
        r"(?:мы )?не достойны",
        r"на коленях",
        r"покорнейше",
        r"извините,? извините|простите,? простите",
    ],
    hedge: &[
        r"надеюсь,? (?:это|что) (?:поможет|нормально|устроит|подойдет)",
        r"если (?:вас )?(?:это )?(?:устроит|нормально)",
        r"может быть",
        r"наверное",
        r"еще раз (?:извините|простите|приносим извинения|просим прощения)",
        r"или что-то (?:вроде|такое)",
        r"как-нибудь",
    ],
    next_step: &[
        r"напиш\w*",
        r"отправ\w*",
        r"пришл\w*",
        r"провер\w*",
        r"свяж\w*",
        r"ответ\w*",
        r"позвон\w*",
        r"верн\w*",
        r"замен\w*",
        r"исправ\w*",
        r"сообщ\w*",
        r"уточн\w*",
        r"переда\w*",
        r"разбер\w*",
        r"скр\w*|удал\w*|заблокир\w*",
        r"личн\w*",
        r"почт\w*",
        r"e-?mail",
        r"телефон\w*",
        r"ссылк\w*",
        r"сегодня|завтра",
        r"в течение",
        r"час\w*|минут\w*|дн(?:я|ей)|день",
        r"понедельник\w*|вторник\w*|сред[уаы]|четверг\w*|пятниц\w*|суббот\w*|воскресень\w*",
        r"правил\w*",
        r"данн\w*|факт\w*|источник\w*|официальн\w*",
    ],
};

const NL: Words = Words {
    blame: &[
        r"rustig (?:aan|maar|blijven)",
        r"doe (?:eens )?(?:rustig|normaal)",
        r"kalm(?:eer)? (?:aan|maar|blijven|je)",
        r"zoals (?:ik|we|wij) (?:al|eerder|net) (?:zei|zeiden|zeggen|schreef|schreven|aangaf|aangaven|uitlegden)",
        r"zoals (?:al )?(?:gezegd|eerder gezegd|aangegeven)",
        r"(?:je|u|jij) had (?:maar |beter |eerst )?(?:moeten|kunnen)",
        r"had je maar",
        r"overduidelijk",
        r"niet onze (?:schuld|fout|probleem)",
        r"(?:je|uw|jouw) eigen (?:schuld|fout)",
        r"lees (?:eerst |dan )?(?:de )?(?:faq|voorwaarden|instructies|beschrijving)",
        r"met alle respect",
    ],
    apology: &[
        r"sorry",
        r"excuses",
        r"excuus",
        r"spijt",
        r"verontschuldig\w*",
        r"vergeef (?:ons|het ons)",
    ],
    grovel: &[
        r"sorry,? sorry",
        r"duizendmaal (?:excuses|sorry)",
        r"(?:heel|echt|enorm|vreselijk) (?:heel|echt|enorm|vreselijk) (?:erg )?(?:spijt|sorry)",
        r"smeken|smeek",
        r"we verdienen (?:het|dit) niet",
        r"nederig",
        r"op onze knie[eë]n",
        r"(?:diep|zo) beschaamd",
    ],
    hedge: &[
        r"hopelijk (?:helpt|is) (?:dit|dat|het)",
        r"hoop(?:en)? dat (?:dit|het|dat) (?:helpt|ok[eé]? is)",
        r"als dat (?:ok[eé]?|goed) is",
        r"misschien",
        r"wellicht",
        r"nogmaals (?:sorry|excuses|excuus)",
        r"of zoiets",
        r"denk ik",
    ],
    next_step: &[
        r"(?:we|wij|ik) (?:sturen|stuur|bellen|bel|mailen|mail|checken|check|controleren|controleer|bekijken|bekijk|zoeken|zoek|lossen|los|passen|vervangen|vervang|storten|stort|laten|laat|nemen|neem|geven|geef|zetten|zet|verbergen|verberg|melden|meld)",
        r"stuur\w*",
        r"bellen|belt|bel (?:ons|je|u)",
        r"mail\w*",
        r"controle\w*",
        r"bekijk\w*",
        r"vervang\w*",
        r"terugbetal\w*|terugstort\w*|terug te betalen",
        r"herstel\w*|opgelost|oplossen|oplossing",
        r"laat (?:ons|het|je|u) \w+ weten|laat \w+ weten",
        r"doorgegeven|doorgeven|doorgezet|verborgen|verberg\w*|gemeld|meld(?:en|t)?|verwijder\w*",
        r"dm|priv[eé]bericht|priv[eé] bericht|direct bericht",
        r"e-?mail",
        r"telefo\w*",
        r"link",
        r"vandaag|morgen|vanavond",
        r"deze (?:week|middag|ochtend|avond)",
        r"binnen",
        r"uur|minuten|dagen?",
        r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag",
        r"(?:huis)?regels|beleid|richtlijnen",
        r"feiten|feit|bron\w*|officie\w*|gegevens",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_maps_spans_back_to_the_original() {
        let f = Folded::new("¡CÁLMATE ya!");
        assert_eq!(f.text, "¡calmate ya!");
        let at = f.text.find("calmate").unwrap();
        let (s, e) = f.original(at, at + "calmate".len());
        assert_eq!(&"¡CÁLMATE ya!"[s..e], "CÁLMATE");
    }

    #[test]
    fn acronyms_are_not_shouting() {
        assert_eq!(shouting("We follow the GDPR and reply ASAP"), None);
        assert!(shouting("This is NOT acceptable").is_none());
        assert_eq!(shouting("We DO NOT share it"), Some((3, 9)));
        assert_eq!(shouting("Send a DM or SMS"), None);
        assert_eq!(shouting("We said NEVER"), Some((8, 13)));
    }
}

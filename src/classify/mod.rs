//! Explainable rule-based classification: normalisation, rule packs, the engine, sentiment,
//! evaluation.
//!
//! [`Classifier::builtin`] compiles the default packs shipped in the binary (`packs/*.toml`,
//! one per language plus the language-independent rules); [`Classifier::with_user_pack`] lays a
//! user pack over them. Classification comes in two parts so the ingest pipeline can split it
//! across threads: [`Classifier::analyse`] (the expensive, author-independent part) and
//! [`Classifier::decide`] (author history and the tag).

mod engine;
pub mod eval;
mod needle;
mod normalize;
pub mod pack;
pub mod sentiment;

use std::path::Path;
use std::sync::OnceLock;

pub use engine::Features;
pub use normalize::{Normalized, normalize};
pub use pack::{PackError, PackSummary};

use crate::domain::{AuthorHistory, Classification, Comment, Lang, Scores};
use engine::{Engine, Found};
use pack::Merged;

/// The default packs, in the order they are merged.
/// The language packs find words; `common.toml` comes last because its rules combine what they
/// found (the troll test, the oportunista test).
const BUILTIN: [(&str, &str); 5] = [
    ("builtin/en.toml", include_str!("packs/en.toml")),
    ("builtin/es.toml", include_str!("packs/es.toml")),
    ("builtin/ru.toml", include_str!("packs/ru.toml")),
    ("builtin/nl.toml", include_str!("packs/nl.toml")),
    ("builtin/common.toml", include_str!("packs/common.toml")),
];

/// Bumped whenever the default packs change meaning.
const BUILTIN_VERSION: u32 = 1;

/// Compiled rule packs: one automaton over every term, a few regexes, the lexicons.
#[derive(Debug)]
pub struct Classifier {
    engine: Engine,
}

/// The author-independent result of looking at one text; [`Classifier::decide`] turns it into
/// a verdict once the author's history is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    found: Found,
}

impl Analysis {
    /// A stable 64-bit FNV-1a hash of the normalised text with punctuation and white space
    /// folded away (0 for a text without letters or digits): the same text posted again has
    /// the same fingerprint.
    pub fn fingerprint(&self) -> i64 {
        self.found.fingerprint
    }

    pub fn lang(&self) -> Lang {
        self.found.lang
    }

    pub fn sentiment(&self) -> f32 {
        self.found.sentiment
    }

    pub fn features(&self) -> Features {
        self.found.features
    }
}

fn merged_builtin() -> Result<Merged, Vec<PackError>> {
    let mut m = Merged::default();
    for (name, text) in BUILTIN {
        pack::merge_pack(&mut m, name, text)?;
    }
    Ok(m)
}

fn builtin_version() -> String {
    format!("builtin-{BUILTIN_VERSION}")
}

impl Classifier {
    /// The default packs shipped in the binary, compiled once per call.
    pub fn builtin() -> Classifier {
        let merged = merged_builtin().unwrap_or_else(|e| panic!("built-in packs: {}", join(&e)));
        let engine = Engine::compile(&merged, builtin_version())
            .unwrap_or_else(|e| panic!("built-in packs: {}", join(&e)));
        Classifier { engine }
    }

    /// A shared, lazily compiled instance of the default packs.
    pub fn shared() -> &'static Classifier {
        static SHARED: OnceLock<Classifier> = OnceLock::new();
        SHARED.get_or_init(Classifier::builtin)
    }

    /// The default packs overridden and extended by a user pack: a rule with the same id
    /// replaces the default one, other rules are added after the defaults.
    pub fn with_user_pack(path: &Path) -> Result<Classifier, PackError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackError {
            source: path.display().to_string(),
            line: 0,
            rule: None,
            message: e.to_string(),
        })?;
        Classifier::with_user_pack_text(&path.display().to_string(), &text)
            .map_err(|mut e| e.remove(0))
    }

    /// Like [`Classifier::with_user_pack`] with the pack's text; reports every error.
    pub fn with_user_pack_text(source: &str, text: &str) -> Result<Classifier, Vec<PackError>> {
        let mut merged = merged_builtin()?;
        pack::merge_pack(&mut merged, source, text)?;
        let version = format!(
            "{}+user-{:08x}",
            builtin_version(),
            crate::fnv::hash(crate::fnv::OFFSET, text.as_bytes()) as u32
        );
        Ok(Classifier {
            engine: Engine::compile(&merged, version)?,
        })
    }

    /// The expensive, author-independent part: normalise, detect the language, match, score.
    /// Pure and deterministic. `lang_hint` is the record's own language, if any.
    pub fn analyse(&self, text: &str, lang_hint: Option<&str>) -> Analysis {
        Analysis {
            found: self.engine.analyse(text, lang_hint),
        }
    }

    /// The cheap part: weighs the author's history (asked for compensation before, posted the
    /// same text before, trolled before) and picks the tag.
    pub fn decide(&self, a: &Analysis, history: &AuthorHistory) -> Classification {
        let d = self.engine.decide(&a.found, history);
        self.verdict(a.found.lang, a.found.sentiment, d)
    }

    /// The public verdict from a decision on a text of `lang` and `sentiment`.
    fn verdict(&self, lang: Lang, sentiment: f32, d: engine::Decision) -> Classification {
        Classification {
            tag: d.tag,
            flags: d.tally.flags,
            sentiment: round_milli(sentiment),
            lang,
            scores: Scores::of_all(d.tally.scores.map(round_milli)),
            rules: d.rules,
            pack_version: self.engine.version.clone(),
        }
    }

    /// `decide(&analyse(text, lang_hint), history)`, without keeping the analysis.
    pub fn classify(
        &self,
        text: &str,
        lang_hint: Option<&str>,
        history: &AuthorHistory,
    ) -> Classification {
        let (lang, sentiment, d) = self.engine.classify(text, lang_hint, history);
        self.verdict(lang, sentiment, d)
    }

    /// The version of the packs: `builtin-<n>`, plus a hash of the user pack when there is one.
    pub fn pack_version(&self) -> &str {
        &self.engine.version
    }

    /// Ids of the compiled rules, in evaluation order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.engine.ids.iter().map(|id| &**id)
    }
}

impl crate::ingest::pipeline::Tagger for Classifier {
    type Analysis = Analysis;
    fn analyse(&self, c: &Comment) -> (Analysis, i64) {
        let a = Classifier::analyse(self, &c.text, c.lang.as_deref());
        let fp = a.fingerprint();
        (a, fp)
    }
    fn decide(&self, a: &Analysis, history: &AuthorHistory) -> Classification {
        Classifier::decide(self, a, history)
    }
}

/// `(x * 1000.0).round() / 1000.0`, bit for bit, without a call to `roundf` (the baseline
/// x86-64 target has no rounding instruction): below 2^23 an f32 may have a fraction, and its
/// magnitude plus one half is exact in f64, so truncating that rounds half away from zero;
/// from 2^23 on (and for infinities and NaN) the value is its own rounding.
fn round_milli(x: f32) -> f32 {
    let y = x * 1000.0;
    let a = y.abs();
    let r = if a < 8_388_608.0 {
        (f64::from(a) + 0.5) as u32 as f32
    } else {
        a
    };
    r.copysign(y) / 1000.0
}

fn join(errors: &[PackError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Validates a pack on its own and merged over the defaults: errors name the rule id and line.
pub fn check_pack(text: &str) -> Result<PackSummary, Vec<PackError>> {
    check_pack_named("pack", text)
}

/// [`check_pack`] with the name to use in messages (the file name).
pub fn check_pack_named(source: &str, text: &str) -> Result<PackSummary, Vec<PackError>> {
    let mut own = Merged::default();
    pack::merge_pack(&mut own, source, text)?;
    let mut merged = merged_builtin()?;
    pack::merge_pack(&mut merged, source, text)?;
    Engine::compile(&merged, String::new())?;
    Ok(PackSummary {
        name: if own.name.is_empty() {
            source.to_owned()
        } else {
            own.name
        },
        version: own.version,
        description: own.description,
        rules: own.rules.len(),
        lists: own.lists.len(),
        languages: own.langs.keys().map(|l| l.as_str().to_owned()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Flag;

    fn c() -> &'static Classifier {
        Classifier::shared()
    }

    /// The stretches of `text` the verdict's rules highlight.
    fn shown<'a>(v: &Classification, text: &'a str) -> Vec<&'a str> {
        v.rules
            .iter()
            .flat_map(|h| h.spans.iter().map(|&(s, e)| &text[s..e]))
            .collect()
    }

    #[test]
    fn a_rule_with_many_hits_shows_every_one_and_the_next_text_reads_as_on_a_fresh_thread() {
        let h = AuthorHistory::default();
        let many = format!("I want a refund. {}", "refund ".repeat(300));
        let v = c().classify(&many, None, &h);
        let request = v
            .rules
            .iter()
            .find(|r| &*r.rule == "en.compensation.request")
            .expect("the request rule fires");
        assert_eq!(request.spans.len(), 301);
        assert!(request.spans.iter().all(|&(s, e)| &many[s..e] == "refund"));
        let short = "still waiting for my refund, order 1234";
        let here = c().classify(short, None, &h);
        let fresh = std::thread::spawn(move || c().classify(short, None, &h))
            .join()
            .expect("no panic");
        assert_eq!(here, fresh);
    }

    #[test]
    fn scores_round_to_thousandths_as_f32_round_does() {
        let slow = |x: f32| (x * 1000.0).round() / 1000.0;
        let same = |x: f32| round_milli(x).to_bits() == slow(x).to_bits();
        for x in [
            0.0,
            -0.0,
            0.0005,
            -0.0005,
            0.0004999,
            -0.0004999,
            0.0015,
            2.5e-4,
            1.0,
            -1.0,
            0.1234,
            -0.3335,
            8388.607,
            8388.608,
            -8388.609,
            1e9,
            -1e30,
            1e-40,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            assert!(same(x), "{x}: {} vs {}", round_milli(x), slow(x));
        }
        assert!(round_milli(f32::NAN).is_nan());
        // Every f32 from 2^-20 to 2^24 / 1000, both signs, on a stride that visits
        // every exponent and many halfway products.
        let mut bits = 1e-6f32.to_bits();
        while f32::from_bits(bits) < 17_000.0 {
            let x = f32::from_bits(bits);
            assert!(same(x) && same(-x), "{x}");
            bits += 97;
        }
    }

    #[test]
    fn builtin_packs_compile_and_name_their_version() {
        assert!(c().pack_version().starts_with("builtin-"));
        assert!(c().rule_ids().count() > 20);
    }

    #[test]
    fn fingerprint_ignores_case_punctuation_and_spacing() {
        let a = c().analyse("Check my channel!!", None).fingerprint();
        let b = c().analyse("check   MY channel", None).fingerprint();
        assert_eq!(a, b);
        assert_ne!(a, 0);
        assert_eq!(c().analyse("!!! ...", None).fingerprint(), 0);
        assert_ne!(a, c().analyse("check my channels", None).fingerprint());
    }

    #[test]
    fn a_word_seen_before_is_read_the_same_way() {
        // The first sight of each word walks the automaton; later ones come from the word
        // cache, at other offsets and between other words.
        let first = c().classify(
            "Still waiting for my refund, idiots",
            None,
            &AuthorHistory::default(),
        );
        let text = "OK. Still waiting for my refund, idiots";
        let again = c().classify(text, None, &AuthorHistory::default());
        assert_eq!(first.tag, again.tag);
        assert_eq!(first.flags, again.flags);
        let ids = |v: &Classification| v.rules.iter().map(|r| r.rule.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first), ids(&again));
        let shown = shown(&again, text);
        assert!(shown.contains(&"idiots"), "{shown:?}");
    }

    #[test]
    fn classify_gives_the_verdict_of_analyse_then_decide() {
        let heavy = AuthorHistory {
            comments: 9,
            asked_compensation: 3,
            trolled: 3,
            same_text: 3,
            muted: false,
        };
        for (text, lang) in [
            (
                "Still waiting for my refund, order #123, you idiots!!",
                None,
            ),
            ("I want my money back", Some("en")),
            ("Ты х.. и п***ц, верните деньги", None),
            ("check out my channel www.example.com", None),
            ("", None),
        ] {
            let a = c().analyse(text, lang);
            // `classify` knows the history first and leaves out the history rules it rules
            // out; histories that reach one minimum each and not the others.
            let quiet = AuthorHistory::default();
            let partial = [
                AuthorHistory {
                    same_text: 1,
                    ..quiet
                },
                AuthorHistory {
                    same_text: 2,
                    ..quiet
                },
                AuthorHistory {
                    asked_compensation: 1,
                    ..quiet
                },
                AuthorHistory {
                    trolled: 1,
                    ..quiet
                },
            ];
            for h in [&quiet, &heavy].into_iter().chain(&partial) {
                assert_eq!(
                    c().classify(text, lang, h),
                    c().decide(&a, h),
                    "{text} {h:?}"
                );
            }
        }
    }

    #[test]
    fn regex_rules_fire_when_their_text_is_there() {
        let ids = |text: &str| -> Vec<String> {
            let v = c().classify(text, None, &AuthorHistory::default());
            v.rules.into_iter().map(|r| r.rule.to_string()).collect()
        };
        let masked = ids("ну ты и х.. конечно, п***ц полный");
        assert!(
            masked.iter().any(|r| r == "ru.abuse.masked_mat"),
            "{masked:?}"
        );
        let plain = ids("ну ты и хам конечно, полный провал");
        assert!(
            !plain.iter().any(|r| r == "ru.abuse.masked_mat"),
            "{plain:?}"
        );
        let support = ids("@AcmeSupport why is my order still not here?");
        assert!(
            support.iter().any(|r| r == "en.complaint.to_support"),
            "{support:?}"
        );
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Eres un IDIOOOTA y un imbécil";
        let v = c().classify(text, Some("es"), &AuthorHistory::default());
        assert!(v.flags.contains(Flag::Insult), "{v:?}");
        let shown = shown(&v, text);
        assert!(shown.contains(&"IDIOOOTA"), "{shown:?}");
        assert!(shown.contains(&"imbécil"), "{shown:?}");
    }

    #[test]
    fn user_pack_replaces_and_extends() {
        let pack = r#"
[[rule]]
id = "user.brand.praise"
description = "Praise of our mascot"
lang = "en"
any = ["mascot"]
tag = "other"
weight = 1.0
"#;
        let cl = Classifier::with_user_pack_text("mine.toml", pack).unwrap();
        assert!(cl.pack_version().starts_with("builtin-1+user-"));
        let v = cl.classify("love the mascot", Some("en"), &AuthorHistory::default());
        assert!(v.rules.iter().any(|h| &*h.rule == "user.brand.praise"));
    }

    /// A rule of a language fires on texts of that language, and on texts of no known
    /// language, never on another language's; a rule without a language fires on all.
    #[test]
    fn a_rule_fires_on_texts_of_its_own_language_only() {
        let pack = r#"
[[rule]]
id = "user.mascot.es"
description = "Our mascot, in Spanish texts"
lang = "es"
any = ["mascot"]
tag = "other"
weight = 1.0

[[rule]]
id = "user.mascot.any"
description = "Our mascot, in any text"
any = ["mascot"]
tag = "other"
weight = 1.0
"#;
        let cl = Classifier::with_user_pack_text("mine.toml", pack).unwrap();
        let fired = |text: &str, lang: Option<&str>| {
            let v = cl.classify(text, lang, &AuthorHistory::default());
            let mut ids: Vec<String> = (v.rules.iter())
                .map(|h| h.rule.to_string())
                .filter(|r| r.starts_with("user."))
                .collect();
            ids.sort();
            (v.lang, ids)
        };
        assert_eq!(
            fired("me encanta el mascot de la tienda", Some("es")),
            (
                Lang::Es,
                vec!["user.mascot.any".into(), "user.mascot.es".into()]
            )
        );
        assert_eq!(
            fired("I love the mascot of the store", Some("en")),
            (Lang::En, vec!["user.mascot.any".to_string()])
        );
        assert_eq!(
            fired("mascot", None),
            (
                Lang::Other,
                vec!["user.mascot.any".into(), "user.mascot.es".into()]
            )
        );
    }

    /// A list named by several rules is one channel: its hits are grouped once, and every
    /// rule reads them in its own slot (`any`, `also`, `none`) with its own conditions.
    #[test]
    fn rules_that_name_one_list_read_its_hits_each_in_its_own_slot() {
        let pack = r#"
[lists]
late = ["late", "delayed"]

[[rule]]
id = "user.late"
description = "Late"
lang = "en"
any = ["@late"]
flags = ["urgent"]

[[rule]]
id = "user.late_again"
description = "Late, and again"
lang = "en"
any = ["@late"]
also = ["again"]
within = 1
tag = "complaint"
weight = 0.1

[[rule]]
id = "user.parcel_late"
description = "A parcel, late"
lang = "en"
any = ["parcel"]
also = ["@late"]
tag = "complaint"
weight = 0.1

[[rule]]
id = "user.parcel_on_time"
description = "A parcel, nothing late"
lang = "en"
any = ["parcel"]
none = ["@late"]
tag = "other"
weight = 0.1
"#;
        let cl = Classifier::with_user_pack_text("mine.toml", pack).unwrap();
        let h = AuthorHistory::default();
        // Each user rule that fired, as "id: span, span".
        let fired = |text: &str| -> Vec<String> {
            let v = cl.classify(text, Some("en"), &h);
            v.rules
                .iter()
                .filter(|r| r.rule.starts_with("user."))
                .map(|r| {
                    let spans: Vec<&str> = r.spans.iter().map(|&(s, e)| &text[s..e]).collect();
                    format!("{}: {}", r.rule, spans.join(", "))
                })
                .collect()
        };
        assert_eq!(
            fired("my parcel is late again, delayed"),
            [
                "user.late: late, delayed",
                "user.late_again: late, again, delayed",
                "user.parcel_late: parcel, late, delayed",
            ]
        );
        assert_eq!(fired("my parcel came"), ["user.parcel_on_time: parcel"]);
        // The same hits, fewer rules: `again` is two words from `delayed`.
        assert_eq!(fired("delayed once more, again"), ["user.late: delayed"]);
    }

    #[test]
    fn check_pack_names_rule_and_line() {
        let pack = "[[rule]]\nid = \"ok.one\"\ndescription = \"x\"\nany = [\"a\"]\nflags = [\"spam\"]\n\n[[rule]]\nid = \"bad.flag\"\ndescription = \"y\"\nany = [\"b\"]\nflags = [\"spammy\"]\n";
        let errs = check_pack(pack).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].rule.as_deref(), Some("bad.flag"));
        assert_eq!(errs[0].line, 8);
        assert!(errs[0].to_string().contains("spammy"));
        let errs = check_pack(
            "[[rule]]\nid = \"x\"\ndescription = \"d\"\nany = [\"@nolist\"]\ntag = \"troll\"\n",
        )
        .unwrap_err();
        assert!(errs[0].message.contains("@nolist"));
        let errs = check_pack(
            "[[rule]]\nid = \"x\"\nregex = \"(\"\ndescription = \"d\"\ntag = \"troll\"\n",
        )
        .unwrap_err();
        assert!(errs[0].message.contains("regex"));
        assert!(check_pack("rule = 3").is_err());
    }
}

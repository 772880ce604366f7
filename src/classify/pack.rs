//! Rule packs: the TOML shape a person reads and writes, parsing with line numbers, merging a
//! user pack over the default ones, and the checks behind `calma rules check`.
//!
//! A pack has `[pack]` metadata, named `[lists]` of terms, per-language `[lang.xx]` tables
//! (stop words for language detection, negators, boosters, contrast words and a sentiment
//! lexicon) and `[[rule]]`s. A term is a word (matched with its word forms through the
//! language's stemmer), `word*` (any word starting so), `=word` (exactly that word), a phrase of
//! several words, `~text` (anywhere, no word boundary: emoji, `://`) or `@list`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::domain::{Flag, Lang, Tag};

/// A problem in a rule pack, located by line and, when it belongs to one, by rule id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    /// The pack's name (file name or `builtin/en.toml`).
    pub source: String,
    pub line: usize,
    pub rule: Option<String>,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(r) => write!(
                f,
                "{}:{}: rule {r}: {}",
                self.source, self.line, self.message
            ),
            None => write!(f, "{}:{}: {}", self.source, self.line, self.message),
        }
    }
}

impl std::error::Error for PackError {}

/// What a valid pack holds, for `calma rules check`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackSummary {
    pub name: String,
    pub version: String,
    pub description: String,
    pub rules: usize,
    pub lists: usize,
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Per-language vocabulary that is not a rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LangTable {
    /// Frequent function words: they tell the language of a text without a hint.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Words that flip what follows ("not stupid").
    #[serde(default)]
    pub negators: Vec<String>,
    /// Words that strengthen what follows ("very bad").
    #[serde(default)]
    pub boosters: Vec<String>,
    /// Words after which the clause counts more ("but").
    #[serde(default)]
    pub contrast: Vec<String>,
    /// Sentiment lexicon: term → valence from -4 to 4.
    #[serde(default)]
    pub sentiment: BTreeMap<String, f32>,
}

/// A rule as written in a pack.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// `en`, `es`, `ru`, `nl` or `any` (the default).
    #[serde(default)]
    pub lang: Option<String>,
    /// At least one of these terms must occur.
    #[serde(default)]
    pub any: Vec<String>,
    /// …and one of these too (within `within` words of an `any` hit when set).
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub within: Option<u32>,
    /// At least this many distinct `any` hits (several cues, not one).
    #[serde(default)]
    pub min_hits: Option<u32>,
    /// None of these may occur.
    #[serde(default)]
    pub none: Vec<String>,
    /// A regular expression on the normalised text (lower case, accents folded).
    #[serde(default)]
    pub regex: Option<String>,
    /// Hits right after a negator ("not stupid") do not count.
    #[serde(default)]
    pub negatable: bool,
    /// Hits inside quotation marks (quoting someone else) do not count.
    #[serde(default)]
    pub skip_quoted: bool,
    /// Also match obfuscated spellings with `*` for letters ("f*ck", "f**k").
    #[serde(default)]
    pub masked: bool,
    #[serde(default)]
    pub min_words: Option<u32>,
    #[serde(default)]
    pub max_words: Option<u32>,
    #[serde(default)]
    pub min_links: Option<u32>,
    #[serde(default)]
    pub min_mentions: Option<u32>,
    #[serde(default)]
    pub min_exclaims: Option<u32>,
    /// Mostly capital letters.
    #[serde(default)]
    pub shouting: Option<bool>,
    /// Contains a question mark.
    #[serde(default)]
    pub question: Option<bool>,
    #[serde(default)]
    pub min_sentiment: Option<f32>,
    #[serde(default)]
    pub max_sentiment: Option<f32>,
    #[serde(default)]
    pub if_flags: Vec<String>,
    #[serde(default)]
    pub if_any_flags: Vec<String>,
    #[serde(default)]
    pub unless_flags: Vec<String>,
    #[serde(default)]
    pub if_facts: Vec<String>,
    #[serde(default)]
    pub unless_facts: Vec<String>,
    /// Tags that already have some score from earlier rules.
    #[serde(default)]
    pub if_tags: Vec<String>,
    #[serde(default)]
    pub unless_tags: Vec<String>,
    /// Author history minimums: `asked_compensation`, `same_text`, `trolled`, `comments`.
    #[serde(default)]
    pub history: BTreeMap<String, u32>,
    /// Effects: weight added to a tag, flags and facts set.
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub weight: Option<f32>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub facts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    #[serde(default)]
    pack: Meta,
    #[serde(default)]
    lists: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    lang: BTreeMap<String, LangTable>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

/// A rule with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct SourcedRule {
    pub source: String,
    pub line: usize,
    pub rule: RawRule,
}

/// Packs parsed and merged: what the engine compiles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Merged {
    pub name: String,
    pub version: String,
    pub description: String,
    pub lists: BTreeMap<String, (String, Vec<String>)>,
    pub langs: BTreeMap<Lang, LangTable>,
    pub rules: Vec<SourcedRule>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parses one pack and adds it to `merged`: lists and language vocabularies extend, a rule with
/// an id already present replaces it in place, new rules go last.
pub(crate) fn merge_pack(
    merged: &mut Merged,
    source: &str,
    text: &str,
) -> Result<(), Vec<PackError>> {
    let raw: RawPack = toml::from_str(text).map_err(|e| {
        vec![PackError {
            source: source.to_owned(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            rule: None,
            message: e.message().trim().to_owned(),
        }]
    })?;
    let mut errors = Vec::new();
    if let Some(n) = raw.pack.name {
        merged.name = n;
    }
    if let Some(v) = raw.pack.version {
        merged.version = v;
    }
    if let Some(d) = raw.pack.description {
        merged.description = d;
    }
    for (name, terms) in raw.lists {
        let entry = merged
            .lists
            .entry(name)
            .or_insert_with(|| (source.to_owned(), Vec::new()));
        entry.1.extend(terms);
    }
    for (code, table) in raw.lang {
        let lang = Lang::from_code(&code);
        if lang == Lang::Other {
            errors.push(PackError {
                source: source.to_owned(),
                line: 1,
                rule: None,
                message: format!("[lang.{code}]: unknown language (en, es, ru, nl)"),
            });
            continue;
        }
        let t = merged.langs.entry(lang).or_default();
        t.stopwords.extend(table.stopwords);
        t.negators.extend(table.negators);
        t.boosters.extend(table.boosters);
        t.contrast.extend(table.contrast);
        t.sentiment.extend(table.sentiment);
    }
    for rule in raw.rule {
        let line = line_of(text, rule.id.span().start);
        let sourced = SourcedRule {
            source: source.to_owned(),
            line,
            rule,
        };
        match merged
            .rules
            .iter_mut()
            .find(|r| r.rule.id.get_ref() == sourced.rule.id.get_ref())
        {
            Some(existing) if existing.source == source => errors.push(PackError {
                source: source.to_owned(),
                line,
                rule: Some(sourced.rule.id.get_ref().clone()),
                message: format!("duplicate rule id (first at line {})", existing.line),
            }),
            Some(existing) => *existing = sourced,
            None => merged.rules.push(sourced),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks what can be checked on a rule without compiling terms: names of tags, flags,
/// languages and history fields, and that it has a condition and an effect.
pub(crate) fn check_rule(
    r: &SourcedRule,
    lists: &BTreeMap<String, (String, Vec<String>)>,
) -> Vec<PackError> {
    let rule = &r.rule;
    let mut errs = Vec::new();
    let mut err = |m: String| {
        errs.push(PackError {
            source: r.source.clone(),
            line: r.line,
            rule: Some(rule.id.get_ref().clone()),
            message: m,
        })
    };
    let id = rule.id.get_ref();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        err("id must be non-empty ASCII letters, digits, '.', '_' or '-'".into());
    }
    if rule.description.trim().is_empty() {
        err("missing description: say what the rule catches".into());
    }
    if let Some(l) = &rule.lang
        && l != "any"
        && Lang::from_code(l) == Lang::Other
    {
        err(format!("unknown lang {l:?} (en, es, ru, nl, any)"));
    }
    if let Some(t) = &rule.tag
        && t.parse::<Tag>().is_err()
    {
        err(format!(
            "unknown tag {t:?} (troll, complaint, constructive, oportunista, other)"
        ));
    }
    for t in rule.if_tags.iter().chain(&rule.unless_tags) {
        if t.parse::<Tag>().is_err() {
            err(format!("unknown tag {t:?} in if_tags/unless_tags"));
        }
    }
    for f in rule
        .flags
        .iter()
        .chain(&rule.if_flags)
        .chain(&rule.if_any_flags)
        .chain(&rule.unless_flags)
    {
        if f.parse::<Flag>().is_err() {
            err(format!("unknown flag {f:?}"));
        }
    }
    for k in rule.history.keys() {
        if !matches!(
            k.as_str(),
            "asked_compensation" | "same_text" | "trolled" | "comments"
        ) {
            err(format!(
                "unknown history field {k:?} (asked_compensation, same_text, trolled, comments)"
            ));
        }
    }
    for term in rule.any.iter().chain(&rule.also).chain(&rule.none) {
        if let Some(name) = term.strip_prefix('@')
            && !lists.contains_key(name)
        {
            err(format!("unknown list @{name}"));
        }
        if term.trim().is_empty() || term == "*" || term == "~" || term == "=" {
            err(format!("empty term {term:?}"));
        }
    }
    if !rule.also.is_empty() && rule.any.is_empty() {
        err("`also` needs `any`".into());
    }
    let has_condition = !rule.any.is_empty()
        || rule.regex.is_some()
        || rule.min_links.is_some()
        || rule.min_mentions.is_some()
        || rule.min_exclaims.is_some()
        || rule.shouting.is_some()
        || rule.max_sentiment.is_some()
        || rule.min_sentiment.is_some()
        || !rule.if_flags.is_empty()
        || !rule.if_any_flags.is_empty()
        || !rule.if_facts.is_empty()
        || !rule.if_tags.is_empty()
        || !rule.history.is_empty()
        || rule.min_words.is_some();
    if !has_condition {
        err("no condition: the rule would fire on every comment".into());
    }
    if rule.tag.is_none() && rule.flags.is_empty() && rule.facts.is_empty() {
        err("no effect: set a tag (with weight), flags or facts".into());
    }
    if let Some(w) = rule.weight
        && !w.is_finite()
    {
        err("weight must be a number".into());
    }
    errs
}

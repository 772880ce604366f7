//! The compiled rule engine: the terms of every pack in two Aho-Corasick automata over the
//! normalised text (whole-word patterns answered per distinct word, phrases and raw terms
//! stepped along the text), word boundaries and word forms (stems) checked by hand on each
//! candidate, then the rules evaluated in pack order. Most texts are read token by token from
//! a per-thread cache (`tokens`). Text conditions are evaluated once per comment
//! ([`Engine::analyse`]); rules on author history wait for [`Engine::decide`].

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};
use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

use super::needle;
use super::normalize::{Normalized, TextCounts, char_at, normalize, normalize_into};
use super::pack::{Merged, PackError, SourcedRule, check_rule};
use super::sentiment::{self, Cue};
use crate::domain::{AuthorHistory, Flag, Flags, Lang, RuleHit, Spans, Tag};
use crate::fnv;

mod tokens;

/// How a term matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    /// Whole words, exactly.
    Word,
    /// A word starting with the pattern.
    Prefix,
    /// A word whose stem equals the term's stem (the pattern is their common prefix).
    Stem,
    /// Anywhere, no boundary check.
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Any,
    Also,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Use {
    Rule(u32, Slot),
    Stop(Lang),
    Negator(Lang),
    Booster(Lang),
    Contrast(Lang),
    Sentiment(Lang, f32),
}

#[derive(Debug)]
struct Term {
    mode: Mode,
    /// For [`Mode::Stem`]: the stem, the language whose stemmer made it, and the fewest
    /// bytes a word needs to count as a form of the listed word.
    stem: Option<(Box<str>, Lang, u8)>,
    /// What it is for; once compiled, only the lexicon uses (stop word, negator, sentiment…):
    /// the rules' uses become the [`Channels`] it is in.
    uses: Vec<Use>,
}

/// The term lists of the rules as channels: a channel is one set of terms that one or more
/// rules list in one slot (`any`, `also` or `none`). A hit is grouped once for each channel
/// its term is in, and every rule that lists the same terms reads the same events. Packs
/// name a list such as `@en_breach_weak` in several rules (six in the English pack): its
/// hits are grouped once, however many rules read them.
#[derive(Debug, Default)]
struct Channels {
    /// The channels of each term, term after term (a term's range is in its [`Marks`]).
    of_term: Vec<u32>,
    /// Per rule, its `any`, `also` and `none` channels ([`NO_CHANNEL`] for an empty list).
    of_rule: Vec<[u32; 3]>,
    /// Per channel, the rules that list it as their `any`, one bit each: `words` words a
    /// channel, channel after channel.
    wakes: Vec<u64>,
    /// Words of a rule bit set.
    words: usize,
    len: usize,
}

/// The channel of a rule's empty list.
const NO_CHANNEL: u32 = u32::MAX;

impl Channels {
    /// The channels of `n_rules` rules whose uses are in `terms`, and each term's range of
    /// [`Channels::of_term`].
    fn build(terms: &[Term], n_rules: usize) -> (Channels, Vec<(u32, u32)>) {
        // Each rule's terms per slot, in term order.
        let mut lists = vec![[Vec::new(), Vec::new(), Vec::new()]; n_rules];
        for (t, term) in terms.iter().enumerate() {
            for u in &term.uses {
                if let Use::Rule(r, slot) = *u {
                    lists[r as usize][slot as usize].push(t as u32);
                }
            }
        }
        let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        let of_rule: Vec<[u32; 3]> = lists
            .into_iter()
            .map(|slots| {
                slots.map(|set| {
                    if set.is_empty() {
                        return NO_CHANNEL;
                    }
                    *index.entry(set).or_insert_with_key(|set| {
                        members.push(set.clone());
                        members.len() as u32 - 1
                    })
                })
            })
            .collect();
        let words = n_rules.div_ceil(64);
        let mut wakes = vec![0u64; members.len() * words];
        for (r, chs) in of_rule.iter().enumerate() {
            if chs[Slot::Any as usize] != NO_CHANNEL {
                wakes[chs[Slot::Any as usize] as usize * words + r / 64] |= 1 << (r % 64);
            }
        }
        let mut by_term = vec![Vec::new(); terms.len()];
        for (ch, set) in members.iter().enumerate() {
            for &t in set {
                by_term[t as usize].push(ch as u32);
            }
        }
        let mut term_range = Vec::with_capacity(terms.len());
        let mut of_term = Vec::new();
        for chs in by_term {
            let from = of_term.len() as u32;
            of_term.extend(chs);
            term_range.push((from, of_term.len() as u32));
        }
        let channels = Channels {
            of_term,
            of_rule,
            wakes,
            words,
            len: members.len(),
        };
        (channels, term_range)
    }
}

/// What the passes after the scan read of every hit's term, kept apart from [`Term`] in
/// [`Engine::marks`]: a hit costs a read of twelve bytes, several terms to a cache line,
/// rather than the term's own line.
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    /// The channels it is in, as a range of [`Channels::of_term`].
    channels: (u32, u32),
    /// The kinds of its lexicon uses (`K_*` bits), so a hit skips the passes it plays no
    /// part in.
    kinds: u8,
    /// The languages it is a stop word of ([`lang_bit`]s).
    stop: u8,
    /// The languages it is a negator in ([`lang_bit`]s).
    neg: u8,
}

impl Marks {
    /// The marks of a term with these lexicon `uses`, in the channels at `channels`.
    fn of(uses: &[Use], channels: (u32, u32)) -> Marks {
        let mut m = Marks {
            channels,
            ..Marks::default()
        };
        for u in uses {
            m.kinds |= use_kind(u);
            match *u {
                Use::Stop(l) => m.stop |= lang_bit(l),
                Use::Negator(l) => m.neg |= lang_bit(l),
                _ => {}
            }
        }
        m
    }
}

const K_STOP: u8 = 1;
const K_NEG: u8 = 2;
const K_BOOST: u8 = 4;
const K_CONTRAST: u8 = 8;
const K_SENT: u8 = 16;
/// The uses `sentiment` reads.
const K_LEXICON: u8 = K_BOOST | K_CONTRAST | K_SENT;

fn use_kind(u: &Use) -> u8 {
    match u {
        // Rule uses become channels once compiled.
        Use::Rule(..) => 0,
        Use::Stop(_) => K_STOP,
        Use::Negator(_) => K_NEG,
        Use::Booster(_) => K_BOOST,
        Use::Contrast(_) => K_CONTRAST,
        Use::Sentiment(..) => K_SENT,
    }
}

/// A compiled rule.
///
/// Laid out by hand: what the rule loop reads of every rule it visits (state conditions,
/// which lists and checks it has, what it adds when it fires) comes first and fills one
/// cache line; the rest is read once a rule gets that far.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct Rule {
    /// The texts it applies to: [`lang_bit`] of its language, every bit without one. Read
    /// once, into [`Engine::for_lang`]: the rule loop visits only the text's language's.
    langs: u8,
    /// It has history conditions (`history` is set): it is weighed once the author is known.
    needs_history: bool,
    /// Any of the state conditions (flags, facts, tags) is set.
    checks_state: bool,
    /// Any of the surface conditions (words, links, ..., sentiment) is set.
    checks_features: bool,
    has_any: bool,
    has_also: bool,
    negatable: bool,
    skip_quoted: bool,
    if_tags: u8,
    unless_tags: u8,
    tag: Option<Tag>,
    if_flags: Flags,
    if_any_flags: Flags,
    unless_flags: Flags,
    flags: Flags,
    if_facts: u32,
    unless_facts: u32,
    facts: u32,
    weight: f32,
    within: Option<u32>,
    min_hits: Option<u32>,
    regex: Option<Box<RegexCheck>>,
    // The first cache line ends here.
    min_words: Option<u32>,
    max_words: Option<u32>,
    min_links: Option<u32>,
    min_mentions: Option<u32>,
    min_exclaims: Option<u32>,
    shouting: Option<bool>,
    question: Option<bool>,
    min_sentiment: Option<f32>,
    max_sentiment: Option<f32>,
    /// asked_compensation, same_text, trolled, comments.
    history: Option<[u32; 4]>,
}

// The hot part of a rule is one cache line (see [`Rule`]).
const _: () = assert!(
    std::mem::offset_of!(Rule, regex) + std::mem::size_of::<Option<Box<RegexCheck>>>() <= 64
);

/// A rule's regex, and the characters every match of it holds one of
/// ([`needle::needles`]), when known.
#[derive(Debug)]
struct RegexCheck {
    regex: Regex,
    needles: Option<needle::Needles>,
}

/// Surface features of a text, from one pass over it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Features {
    pub words: u32,
    pub links: u32,
    pub mentions: u32,
    pub exclaims: u32,
    pub questions: u32,
    pub letters: u32,
    pub upper: u32,
}

impl Features {
    pub fn shouting(&self) -> bool {
        self.letters >= 8 && self.upper * 10 >= self.letters * 7
    }
}

/// What the fired rules added up to: the part of the state later rules' conditions read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tally {
    pub scores: [f32; 5],
    pub flags: Flags,
    pub facts: u32,
}

/// A rule whose text conditions held, with its spans (a range of [`State::spans`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fired {
    pub rule: u32,
    /// A history rule, waiting for the author's history: not in the tally yet.
    pub pending: bool,
    pub spans: (u32, u32),
}

/// The state a verdict is built from; shared by analyse and decide.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    /// The fired rules that are not pending, added up.
    pub tally: Tally,
    /// Fired rules and pending history rules, in rule order.
    pub rules: Vec<Fired>,
    /// Their spans in the original text, rule after rule.
    pub spans: Vec<(usize, usize)>,
}

/// A verdict from [`Engine::decide`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub tag: Tag,
    pub tally: Tally,
    /// The rules that fired, in rule order, with their spans in the original text.
    pub rules: Vec<RuleHit>,
}

/// What analysis found in one text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub lang: Lang,
    pub sentiment: f32,
    pub features: Features,
    pub fingerprint: i64,
    pub state: State,
}

/// What [`Engine::analyse_with`] found, apart from the fired rules it leaves in the scratch.
#[derive(Debug)]
struct Summary {
    lang: Lang,
    sentiment: f32,
    features: Features,
    fingerprint: i64,
    tally: Tally,
}

pub(crate) struct Engine {
    /// The patterns that are one whole word or its start (letters and digits only, every
    /// term with a left boundary): what they find in a word depends on the word alone, so
    /// it is worked out once per distinct word ([`WordCache`]) with this anchored automaton.
    in_words: Option<Matcher>,
    /// The rest — phrases, masked forms ("f*ck"), raw terms such as emoji or "t.co/": one
    /// unanchored automaton stepped along the text.
    across: Option<Matcher>,
    /// What a match of each pattern reads of it, by pattern id.
    patterns: Vec<Pattern>,
    /// The terms of every pattern, pattern after pattern (a pattern's range is in its
    /// [`Pattern`]), each with its mode: a candidate reads a term itself only for its stem.
    pat_terms: Vec<(u32, Mode)>,
    terms: Vec<Term>,
    /// Per term, what the passes after the scan read of it.
    marks: Vec<Marks>,
    /// The terms the rules list, grouped in channels (see [`Channels`]).
    channels: Channels,
    pub rules: Vec<Rule>,
    /// The rules' ids, in rule order, shared with every verdict a rule fires in: apart from
    /// the rules, so that a verdict reads no fired rule's second cache line.
    pub ids: Vec<Arc<str>>,
    /// Rules without an `any` list, one bit each (rule `i` is bit `i % 64` of word `i / 64`):
    /// the only ones worth a look without a hit.
    always: Vec<u64>,
    /// Per text language, in the order of their [`lang_bit`]s: the rules that apply to it,
    /// one bit each as in `always`, so the rule loop does not visit another language's.
    for_lang: [Vec<u64>; 5],
    /// The rules with history conditions, and their minimums ([`Rule::history`]), kept
    /// apart so that ruling them out reads no rule's second cache line.
    with_history: Vec<(u32, [u32; 4])>,
    stemmers: [Stemmer; 4],
    /// Shared with every verdict.
    pub version: Arc<str>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .field("terms", &self.terms.len())
            .field("version", &self.version)
            .finish()
    }
}

/// What a candidate match of a pattern reads of it, one small record a pattern: a candidate
/// costs one look-up before its terms.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    /// Byte length.
    len: u32,
    /// Its terms, a range of [`Engine::pat_terms`].
    terms: (u32, u32),
    /// [`PAT_RAW`] when a term matches without boundaries, [`PAT_WORD`] when every term
    /// needs a boundary on both sides. Lets most candidates be dropped before their terms
    /// are looked at.
    info: u8,
    /// Its hits may share a start with the hits of a word and end inside that word (a raw
    /// term starting with a letter), so the hits are put back in order after.
    reorder: bool,
}

/// An automaton over some of the patterns, with the way back to their ids.
struct Matcher {
    dfa: DFA,
    /// Start state for the searches this matcher is built for.
    start: StateID,
    /// The engine's pattern id of each of the automaton's patterns.
    pids: Vec<u32>,
}

impl Matcher {
    /// Whether patterns end in state `sid`.
    #[inline(always)]
    fn is_match(&self, sid: StateID) -> bool {
        self.dfa.is_special(sid) && self.dfa.is_match(sid)
    }

    /// The engine's ids of the patterns that end in match state `sid`.
    #[inline(always)]
    fn patterns(&self, sid: StateID) -> impl Iterator<Item = u32> + '_ {
        (0..self.dfa.match_len(sid))
            .map(move |k| self.pids[self.dfa.match_pattern(sid, k).as_usize()])
    }

    /// An automaton over `patterns[pids]`, stepped by hand. `None` without patterns.
    fn build(
        patterns: &[String],
        pids: Vec<u32>,
        anchored: Anchored,
    ) -> Result<Option<Matcher>, String> {
        if pids.is_empty() {
            return Ok(None);
        }
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(if anchored.is_anchored() {
                StartKind::Anchored
            } else {
                StartKind::Unanchored
            })
            .prefilter(false)
            .build(pids.iter().map(|&p| &patterns[p as usize]))
            .map_err(|e| e.to_string())?;
        let start = dfa.start_state(anchored).map_err(|e| e.to_string())?;
        Ok(Some(Matcher { dfa, start, pids }))
    }
}

const PAT_RAW: u8 = 1;
const PAT_WORD: u8 = 2;

const LANGS: [Lang; 4] = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl];

fn lang_index(l: Lang) -> usize {
    match l {
        Lang::En => 0,
        Lang::Es => 1,
        Lang::Ru => 2,
        Lang::Nl => 3,
        Lang::Other => 0,
    }
}

/// Which of the four pack languages whatlang finds in `t`, when it is sure. Only those four
/// are scored: what the packs need to know is which of them a text is written in, and
/// scoring every Latin-script language cost three quarters of the classifier's time on real
/// comments without a language field.
fn whatlang_guess(t: &str) -> Option<Lang> {
    static DETECTOR: std::sync::OnceLock<whatlang::Detector> = std::sync::OnceLock::new();
    let detector = DETECTOR.get_or_init(|| {
        whatlang::Detector::with_allowlist(vec![
            whatlang::Lang::Eng,
            whatlang::Lang::Spa,
            whatlang::Lang::Rus,
            whatlang::Lang::Nld,
        ])
    });
    let info = detector.detect(t).filter(|i| i.is_reliable())?;
    Some(match info.lang() {
        whatlang::Lang::Eng => Lang::En,
        whatlang::Lang::Spa => Lang::Es,
        whatlang::Lang::Rus => Lang::Ru,
        whatlang::Lang::Nld => Lang::Nl,
        _ => return None,
    })
}

/// One bit per language, [`Lang::Other`] included, for language tests on masks.
fn lang_bit(l: Lang) -> u8 {
    match l {
        Lang::En => 1,
        Lang::Es => 2,
        Lang::Ru => 4,
        Lang::Nl => 8,
        Lang::Other => 16,
    }
}

/// Where [`lang_bit`] puts the bit of `l`: its place in [`Engine::for_lang`].
fn lang_slot(l: Lang) -> usize {
    lang_bit(l).trailing_zeros() as usize
}

/// Every [`lang_bit`].
const ALL_LANGS: u8 = 31;

/// The [`lang_bit`]s a text of language `l` accepts: its own, or every one for a text of no
/// known language.
fn text_langs(l: Lang) -> u8 {
    if l == Lang::Other {
        ALL_LANGS
    } else {
        lang_bit(l)
    }
}

fn tag_index(t: Tag) -> usize {
    Tag::ALL.iter().position(|x| *x == t).unwrap_or(4)
}

fn tag_mask(tags: &[String]) -> u8 {
    tags.iter()
        .filter_map(|t| t.parse::<Tag>().ok())
        .fold(0, |m, t| m | 1 << tag_index(t))
}

fn flags_of(names: &[String]) -> Flags {
    names
        .iter()
        .filter_map(|f| f.parse::<Flag>().ok())
        .collect()
}

/// What makes a term distinct: its pattern, how it matches, and its stem.
type TermKey = (u32, Mode, Option<(Box<str>, Lang, u8)>);

struct Compiler<'a> {
    merged: &'a Merged,
    patterns: Vec<String>,
    pat_index: HashMap<String, u32>,
    pat_terms: Vec<Vec<u32>>,
    terms: Vec<Term>,
    term_index: HashMap<TermKey, u32>,
    stemmers: [Stemmer; 4],
    facts: Vec<String>,
}

impl Compiler<'_> {
    fn add_term(&mut self, raw: &str, lang: Option<Lang>, masked: bool, usage: Use) {
        let raw = raw.trim();
        if let Some(name) = raw.strip_prefix('@') {
            if let Some((_, list)) = self.merged.lists.get(name) {
                for t in list.clone() {
                    // Lists hold terms, not further lists.
                    if !t.starts_with('@') {
                        self.add_term(&t, lang, masked, usage);
                    }
                }
            }
            return;
        }
        let (mode, body) = if let Some(b) = raw.strip_prefix('~') {
            (Mode::Raw, b)
        } else if let Some(b) = raw.strip_prefix('=') {
            (Mode::Word, b)
        } else if let Some(b) = raw.strip_suffix('*') {
            (Mode::Prefix, b)
        } else if raw.contains(' ') || lang.is_none() {
            (Mode::Word, raw)
        } else {
            (Mode::Stem, raw)
        };
        let text = normalize(body).text;
        if text.trim().is_empty() {
            return;
        }
        let text = text.trim().to_owned();
        if mode == Mode::Stem {
            let l = lang.unwrap_or(Lang::En);
            let stem = self.stemmers[lang_index(l)].stem(&text).into_owned();
            let common = common_prefix(&text, &stem);
            // Short stems join unrelated words ("cono" and "con"): match those exactly.
            if stem.chars().count() >= MIN_STEM && common.chars().count() >= MIN_STEM - 1 {
                let min_len = text.len().saturating_sub(2).min(255) as u8;
                self.insert(common, Mode::Stem, Some((stem.into(), l, min_len)), usage);
            } else {
                self.insert(text.clone(), Mode::Word, None, usage);
            }
        } else {
            self.insert(text.clone(), mode, None, usage);
        }
        if masked && mode != Mode::Raw {
            for v in masked_variants(&text) {
                self.insert(v, Mode::Word, None, usage);
            }
        }
    }

    fn insert(
        &mut self,
        pattern: String,
        mode: Mode,
        stem: Option<(Box<str>, Lang, u8)>,
        usage: Use,
    ) {
        let pid = match self.pat_index.get(&pattern) {
            Some(&p) => p,
            None => {
                let p = self.patterns.len() as u32;
                self.pat_index.insert(pattern.clone(), p);
                self.patterns.push(pattern);
                self.pat_terms.push(Vec::new());
                p
            }
        };
        let key = (pid, mode, stem.clone());
        let tid = match self.term_index.get(&key) {
            Some(&t) => t,
            None => {
                let t = self.terms.len() as u32;
                self.terms.push(Term {
                    mode,
                    stem,
                    uses: Vec::new(),
                });
                self.term_index.insert(key, t);
                self.pat_terms[pid as usize].push(t);
                t
            }
        };
        let term = &mut self.terms[tid as usize];
        if !term.uses.contains(&usage) {
            term.uses.push(usage);
        }
    }

    fn fact_mask(&mut self, names: &[String]) -> u32 {
        let mut m = 0;
        for n in names {
            let i = match self.facts.iter().position(|f| f == n) {
                Some(i) => i,
                None => {
                    self.facts.push(n.clone());
                    self.facts.len() - 1
                }
            };
            m |= 1u32 << (i % 32);
        }
        m
    }
}

/// Shortest stem matched by word form; shorter ones match the listed word exactly.
const MIN_STEM: usize = 5;

fn common_prefix(a: &str, b: &str) -> String {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// Obfuscated spellings of a word: each inner vowel starred ("f*ck") and all inner letters
/// starred ("f**k").
fn masked_variants(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || chars.iter().any(|c| !c.is_alphabetic()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for i in 1..chars.len() - 1 {
        if "aeiouyаеиоуыэюя".contains(chars[i]) {
            let mut v = chars.clone();
            v[i] = '*';
            out.push(v.into_iter().collect());
        }
    }
    let n = chars.len();
    out.push(
        std::iter::once(chars[0])
            .chain(std::iter::repeat_n('*', n - 2))
            .chain(std::iter::once(chars[n - 1]))
            .collect(),
    );
    out
}

fn stemmers() -> [Stemmer; 4] {
    [
        Stemmer::create(Algorithm::English),
        Stemmer::create(Algorithm::Spanish),
        Stemmer::create(Algorithm::Russian),
        Stemmer::create(Algorithm::Dutch),
    ]
}

impl Engine {
    /// Compiles merged packs; every problem is reported with its rule and line.
    pub fn compile(merged: &Merged, version: String) -> Result<Engine, Vec<PackError>> {
        let mut errors = Vec::new();
        for r in &merged.rules {
            errors.extend(check_rule(r, &merged.lists));
        }
        let mut c = Compiler {
            merged,
            patterns: Vec::new(),
            pat_index: HashMap::new(),
            pat_terms: Vec::new(),
            terms: Vec::new(),
            term_index: HashMap::new(),
            stemmers: stemmers(),
            facts: Vec::new(),
        };
        for (&lang, t) in &merged.langs {
            let l = Some(lang);
            for w in &t.stopwords {
                c.add_term(&format!("={w}"), l, false, Use::Stop(lang));
            }
            for w in &t.negators {
                c.add_term(&format!("={w}"), l, false, Use::Negator(lang));
            }
            for w in &t.boosters {
                c.add_term(w, l, false, Use::Booster(lang));
            }
            for w in &t.contrast {
                c.add_term(&format!("={w}"), l, false, Use::Contrast(lang));
            }
            for (w, v) in &t.sentiment {
                c.add_term(w, l, false, Use::Sentiment(lang, *v));
            }
        }
        let mut rules = Vec::new();
        for (i, sr) in merged.rules.iter().enumerate() {
            match compile_rule(&mut c, i as u32, sr) {
                Ok(r) => rules.push(r),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ids = (merged.rules.iter())
            .map(|sr| sr.rule.id.get_ref().as_str().into())
            .collect();
        let matcher_error = |message: String| {
            vec![PackError {
                source: "packs".into(),
                line: 1,
                rule: None,
                message: format!("cannot build the matcher: {message}"),
            }]
        };
        // A pattern of word characters whose terms all need a left boundary matches inside
        // one word, starting where it starts.
        let (mut in_words, mut across) = (Vec::new(), Vec::new());
        let mut patterns = Vec::with_capacity(c.patterns.len());
        let mut pat_terms = Vec::new();
        for (pid, pattern) in c.patterns.iter().enumerate() {
            let from = pat_terms.len() as u32;
            pat_terms.extend(
                c.pat_terms[pid]
                    .iter()
                    .map(|&t| (t, c.terms[t as usize].mode)),
            );
            let modes = pat_terms[from as usize..].iter().map(|&(_, m)| m);
            let raw = modes.clone().any(|m| m == Mode::Raw);
            let mut info = 0;
            if raw {
                info |= PAT_RAW;
            }
            if modes.clone().all(|m| m == Mode::Word) {
                info |= PAT_WORD;
            }
            let starts_word = pattern.chars().next().is_some_and(is_word_char);
            if !raw && pattern.chars().all(is_word_char) {
                in_words.push(pid as u32);
            } else {
                across.push(pid as u32);
            }
            patterns.push(Pattern {
                len: pattern.len() as u32,
                terms: (from, pat_terms.len() as u32),
                info,
                // A raw pattern is always in the `across` automaton.
                reorder: raw && starts_word,
            });
        }
        let in_words =
            Matcher::build(&c.patterns, in_words, Anchored::Yes).map_err(matcher_error)?;
        let across = Matcher::build(&c.patterns, across, Anchored::No).map_err(matcher_error)?;
        let mut terms = c.terms;
        let (channels, term_range) = Channels::build(&terms, rules.len());
        let mut marks = Vec::with_capacity(terms.len());
        for (t, term) in terms.iter_mut().enumerate() {
            term.uses.retain(|u| !matches!(u, Use::Rule(..)));
            marks.push(Marks::of(&term.uses, term_range[t]));
        }
        let mut always = vec![0u64; rules.len().div_ceil(64)];
        for (i, r) in rules.iter().enumerate() {
            if !r.has_any {
                always[i / 64] |= 1 << (i % 64);
            }
        }
        let for_lang = [Lang::En, Lang::Es, Lang::Ru, Lang::Nl, Lang::Other].map(|l| {
            debug_assert_eq!(1 << lang_slot(l), lang_bit(l));
            let mut bits = vec![0u64; rules.len().div_ceil(64)];
            for (i, r) in rules.iter().enumerate() {
                if r.langs & text_langs(l) != 0 {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
            bits
        });
        let with_history = (rules.iter().enumerate())
            .filter_map(|(i, r)| Some((i as u32, r.history?)))
            .collect();
        Ok(Engine {
            always,
            for_lang,
            with_history,
            in_words,
            across,
            patterns,
            pat_terms,
            terms,
            marks,
            channels,
            rules,
            ids,
            stemmers: c.stemmers,
            version: version.into(),
        })
    }
}

fn compile_rule(c: &mut Compiler<'_>, idx: u32, sr: &SourcedRule) -> Result<Rule, PackError> {
    let r = &sr.rule;
    let lang = match r.lang.as_deref() {
        None | Some("any") => None,
        Some(l) => Some(Lang::from_code(l)),
    };
    let masked = r.masked;
    for t in &r.any {
        c.add_term(t, lang, masked, Use::Rule(idx, Slot::Any));
    }
    for t in &r.also {
        c.add_term(t, lang, masked, Use::Rule(idx, Slot::Also));
    }
    for t in &r.none {
        c.add_term(t, lang, false, Use::Rule(idx, Slot::None));
    }
    let regex = match &r.regex {
        Some(re) => Some(Regex::new(re).map_err(|e| PackError {
            source: sr.source.clone(),
            line: sr.line,
            rule: Some(r.id.get_ref().clone()),
            message: format!("bad regex: {e}"),
        })?),
        None => None,
    };
    let history = if r.history.is_empty() {
        None
    } else {
        let g = |k: &str| r.history.get(k).copied().unwrap_or(0);
        Some([
            g("asked_compensation"),
            g("same_text"),
            g("trolled"),
            g("comments"),
        ])
    };
    let checks_features = r.min_words.is_some()
        || r.max_words.is_some()
        || r.min_links.is_some()
        || r.min_mentions.is_some()
        || r.min_exclaims.is_some()
        || r.shouting.is_some()
        || r.question.is_some()
        || r.min_sentiment.is_some()
        || r.max_sentiment.is_some();
    let mut rule = Rule {
        checks_features,
        checks_state: true,
        langs: lang.map_or(ALL_LANGS, lang_bit),
        has_any: !r.any.is_empty(),
        has_also: !r.also.is_empty(),
        within: r.within,
        min_hits: r.min_hits,
        regex: regex.map(|regex| {
            Box::new(RegexCheck {
                regex,
                needles: r
                    .regex
                    .as_deref()
                    .and_then(needle::needles)
                    .and_then(|set| needle::Needles::new(&set)),
            })
        }),
        negatable: r.negatable,
        skip_quoted: r.skip_quoted,
        min_words: r.min_words,
        max_words: r.max_words,
        min_links: r.min_links,
        min_mentions: r.min_mentions,
        min_exclaims: r.min_exclaims,
        shouting: r.shouting,
        question: r.question,
        min_sentiment: r.min_sentiment,
        max_sentiment: r.max_sentiment,
        if_flags: flags_of(&r.if_flags),
        if_any_flags: flags_of(&r.if_any_flags),
        unless_flags: flags_of(&r.unless_flags),
        if_facts: c.fact_mask(&r.if_facts),
        unless_facts: c.fact_mask(&r.unless_facts),
        if_tags: tag_mask(&r.if_tags),
        unless_tags: tag_mask(&r.unless_tags),
        needs_history: history.is_some(),
        history,
        tag: r.tag.as_deref().and_then(|t| t.parse().ok()),
        weight: r.weight.unwrap_or(1.0),
        flags: flags_of(&r.flags),
        facts: c.fact_mask(&r.facts),
    };
    rule.checks_state = (rule.if_flags.0
        | rule.if_any_flags.0
        | rule.unless_flags.0
        | rule.if_tags as u16
        | rule.unless_tags as u16)
        != 0
        || rule.if_facts | rule.unless_facts != 0;
    Ok(rule)
}

const CI_WORD: u8 = 1;
const CI_LETTER: u8 = 2;
const CI_UPPER: u8 = 4;
/// Emoji blocks, answered from the table with the two-byte range.
const CI_EMOJI: std::ops::Range<u32> = 0x1F300..0x1FB00;

/// [`is_word_char`], [`is_letter`] and [`is_upper`] of `c` as `CI_*` bits.
fn char_info_slow(c: char) -> u8 {
    (if is_word_char(c) { CI_WORD } else { 0 })
        | (if is_letter(c) { CI_LETTER } else { 0 })
        | (if is_upper(c) { CI_UPPER } else { 0 })
}

/// [`char_info_slow`] of U+0000..U+07FF and of the emoji blocks, computed once.
fn char_info_table() -> &'static [u8] {
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0..0x800)
            .chain(CI_EMOJI)
            .map(|u| char::from_u32(u).map_or(0, char_info_slow))
            .collect()
    })
}

/// The `CI_*` bits of `c`, from `table` (see [`char_info_table`]) when it is there.
#[inline(always)]
fn char_info(table: &[u8], c: char) -> u8 {
    let u = c as u32;
    if u < 0x800 {
        table[u as usize]
    } else if CI_EMOJI.contains(&u) {
        table[(0x800 + u - CI_EMOJI.start) as usize]
    } else {
        char_info_slow(c)
    }
}

/// Whether `word` is written in capitals: it has two letters or more, and none in lower
/// case. An ASCII word (most) is read a byte at a time without a branch per byte; a word
/// with other characters goes by [`is_letter`] and [`is_upper`].
fn in_capitals(word: &str) -> bool {
    let (mut letters, mut lower, mut other) = (0usize, 0usize, 0u8);
    for &x in word.as_bytes() {
        letters += usize::from((x | 0x20).wrapping_sub(b'a') < 26);
        lower += usize::from(x.wrapping_sub(b'a') < 26);
        other |= x;
    }
    if other < 0x80 {
        return letters >= 2 && lower == 0;
    }
    in_capitals_by_chars(word)
}

/// [`in_capitals`] character by character.
fn in_capitals_by_chars(word: &str) -> bool {
    word.chars().filter(|&c| is_letter(c)).count() >= 2
        && word.chars().all(|c| !is_letter(c) || is_upper(c))
}

#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // Cyrillic and Latin-1 letters without the general Unicode table lookup.
    matches!(c, '\u{430}'..='\u{44F}' | '\u{410}'..='\u{42F}' | '\u{450}'..='\u{45F}')
        || matches!(c, '\u{C0}'..='\u{FF}') && c != '\u{D7}' && c != '\u{F7}'
        || c > '\u{FF}' && c.is_alphanumeric()
}

#[inline]
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if c <= '\u{45F}' {
        is_word_char(c)
    } else {
        c.is_alphabetic()
    }
}

#[inline]
fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        matches!(c, '\u{410}'..='\u{42F}' | '\u{400}'..='\u{40F}') || c.is_uppercase()
    }
}

/// Word characters among the ASCII bytes.
const ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    t
};

/// Where the words and quotation marks of a normalised text are: computed once per text (by
/// [`Engine::scan`]) so that distance and quoting checks cost a binary search. The same pass
/// takes the text's fingerprint and counts its Cyrillic letters.
#[derive(Default)]
struct Layout {
    word_starts: Vec<u32>,
    quotes: Vec<u32>,
    fingerprint: i64,
    cyrillic: u32,
    /// A '.' or ':' occurs: without one there is no link.
    dots: bool,
}

impl Layout {
    /// Empties it for the next text.
    fn reset(&mut self) {
        self.word_starts.clear();
        self.quotes.clear();
        self.dots = false;
    }

    /// Sets the fingerprint from `h`, the FNV-1a of the bytes of the text's words: 0 for a
    /// text without words, never 0 for one with words.
    fn set_fingerprint(&mut self, h: u64) {
        self.fingerprint = if self.word_starts.is_empty() {
            0
        } else {
            match h as i64 {
                0 => 1,
                v => v,
            }
        };
    }

    /// Whether at most `most` words start in `[a, b)`: one binary search, for where the
    /// words from `a` on start, and a look at the word `most` places further.
    fn few_words_between(&self, a: usize, b: usize, most: u32) -> bool {
        if a >= b {
            return true;
        }
        let from = self.word_starts.partition_point(|&s| (s as usize) < a);
        self.word_starts
            .get(from + most as usize)
            .is_none_or(|&s| s as usize >= b)
    }

    /// Inside quotation marks: an odd number of them comes before `at`.
    fn quoted(&self, at: usize) -> bool {
        self.quotes.partition_point(|&q| (q as usize) < at) % 2 == 1
    }
}

#[inline]
fn left_boundary(t: &str, s: usize) -> bool {
    match t.as_bytes()[..s].last() {
        None => true,
        Some(&b) if b < 0x80 => !ASCII_WORD[b as usize],
        Some(_) => t[..s].chars().next_back().is_none_or(|c| !is_word_char(c)),
    }
}

#[inline]
fn right_boundary(t: &str, e: usize) -> bool {
    match t.as_bytes().get(e) {
        None => true,
        Some(&b) if b < 0x80 => !ASCII_WORD[b as usize],
        Some(_) => t[e..].chars().next().is_none_or(|c| !is_word_char(c)),
    }
}

/// End of the word that continues at `e`.
fn word_end(t: &str, e: usize) -> usize {
    let b = t.as_bytes();
    let mut i = e;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if !ASCII_WORD[x as usize] {
                return i;
            }
            i += 1;
            continue;
        }
        let (c, len) = char_at(b, i);
        if char_info(char_info_table(), c) & CI_WORD == 0 {
            return i;
        }
        i += len;
    }
    b.len()
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    term: u32,
    start: u32,
    end: u32,
    /// Where the pattern's match ended (`end` is the whole word for word forms): hits are
    /// kept in this order.
    at: u32,
}

/// Counts words, links, mentions, capitals and punctuation; `counts` come from the original
/// text (see [`letter_info`]), words and links from the layout and the normalised text.
fn features(counts: &TextCounts, norm: &str, layout: &Layout) -> Features {
    Features {
        words: layout.word_starts.len() as u32,
        links: if layout.dots { count_links(norm) } else { 0 },
        mentions: counts.mentions,
        exclaims: counts.exclaims,
        questions: counts.questions,
        letters: counts.letters,
        upper: counts.upper,
    }
}

/// For the normaliser's counts: 0 when a non-ASCII `c` is not a letter, 1 for a letter, 3 for
/// a capital letter (`table` from [`char_info_table`]).
#[inline(always)]
fn letter_info(table: &[u8], c: char) -> u32 {
    let info = char_info(table, c);
    if info & CI_LETTER == 0 {
        0
    } else if info & CI_UPPER != 0 {
        3
    } else {
        1
    }
}

/// The counts features take from the normaliser equal a pass of their own over the original.
#[cfg(test)]
mod feature_count_tests {
    use super::*;

    /// Letters, capitals, '!', '?' and '¿', and mentions, counted the way `features` did
    /// before the normaliser took it over.
    fn counted_apart(orig: &str) -> TextCounts {
        let mut c = TextCounts::default();
        let bytes = orig.as_bytes();
        let table = char_info_table();
        let mut i = 0;
        while i < bytes.len() {
            let x = bytes[i];
            if x < 0x80 {
                match x {
                    b'a'..=b'z' => c.letters += 1,
                    b'A'..=b'Z' => {
                        c.letters += 1;
                        c.upper += 1;
                    }
                    b'!' => c.exclaims += 1,
                    b'?' => c.questions += 1,
                    b'@' if bytes
                        .get(i + 1)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                        && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) =>
                    {
                        c.mentions += 1
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            let (ch, len) = char_at(bytes, i);
            let info = char_info(table, ch);
            if ch == '¿' {
                c.questions += 1;
            } else if info & CI_LETTER != 0 {
                c.letters += 1;
                if info & CI_UPPER != 0 {
                    c.upper += 1;
                }
            }
            i += len;
        }
        c
    }

    fn counted_by_normaliser(orig: &str) -> TextCounts {
        let mut n = Normalized::default();
        let mut c = TextCounts::default();
        let table = char_info_table();
        normalize_into(orig, &mut n, &mut c, |ch| letter_info(table, ch));
        c
    }

    #[test]
    fn shouting_and_mentions_are_counted_on_what_the_author_wrote() {
        let orig = "ДЕБИЛ!!! Ñandú @maria, mail@x.es ¿QUÉ?";
        assert_eq!(counted_by_normaliser(orig), counted_apart(orig));
        let c = counted_by_normaliser(orig);
        assert_eq!((c.exclaims, c.questions, c.mentions), (3, 2, 1));
        assert_eq!((c.letters, c.upper), (25, 9));
    }

    proptest::proptest! {
        #[test]
        fn normaliser_counts_equal_a_pass_of_their_own(
            s in "([a-zA-Z0-9 !?@_.¿ЁёЙйЯяДд]|\\PC){0,60}"
        ) {
            proptest::prop_assert_eq!(counted_by_normaliser(&s), counted_apart(&s));
        }
    }
}

/// Links: `scheme://`, `www.`, or a bare domain with a common top-level domain.
fn count_links(norm: &str) -> u32 {
    let b = norm.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x == b':' && b[i..].starts_with(b"://") || x == b'w' && b[i..].starts_with(b"www.") {
            n += 1;
            // Skip the rest of the link.
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            continue;
        }
        if x == b'.' && i > 0 && b[i - 1].is_ascii_alphanumeric() {
            let rest = &b[i + 1..];
            let tld_len = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
            let after = rest.get(tld_len).copied();
            let tld = &rest[..tld_len];
            if matches!(
                tld,
                b"com"
                    | b"net"
                    | b"org"
                    | b"ly"
                    | b"io"
                    | b"ru"
                    | b"es"
                    | b"nl"
                    | b"me"
                    | b"tv"
                    | b"co"
                    | b"info"
                    | b"biz"
                    | b"xyz"
            ) && after.is_none_or(|c| !c.is_ascii_alphanumeric())
            {
                n += 1;
            }
        }
        i += 1;
    }
    n
}

/// Words stemmed before, per language: the same words come back comment after comment, and
/// running the stemmer costs far more than a look-up.
#[derive(Default)]
struct StemCache {
    map: HashMap<Vec<u8>, Box<str>, BuildFnv>,
    key: Vec<u8>,
}

/// Entries kept before the cache starts afresh, bounding its memory.
const STEM_CACHE_MAX: usize = 20_000;

/// What the word patterns find in each word seen before: (term, end, where the match ended),
/// offsets from the word's start. Words repeat far more than they vary, and a look-up costs a
/// fraction of walking the automaton and checking stems. Keyed by the word's FNV-1a, taken
/// while scanning; the word itself is kept to confirm a look-up.
#[derive(Default)]
struct WordCache {
    map: HashMap<u64, WordEntry, std::hash::BuildHasherDefault<Prehashed>>,
    /// The cached words, one after another.
    text: Vec<u8>,
    hits: Vec<(u32, u32, u32)>,
}

#[derive(Clone, Copy)]
struct WordEntry {
    /// The word, in [`WordCache::text`].
    text: (u32, u32),
    /// Its hits, in [`WordCache::hits`].
    hits: (u32, u32),
}

impl WordCache {
    /// Remembers the hits of `word` (found at `ws`), starting afresh when full.
    fn insert(&mut self, key: u64, word: &[u8], found: &[Hit], ws: u32) {
        if self.map.len() >= WORD_CACHE_MAX {
            self.map.clear();
            self.text.clear();
            self.hits.clear();
        }
        let text = (
            self.text.len() as u32,
            (self.text.len() + word.len()) as u32,
        );
        self.text.extend_from_slice(word);
        let from = self.hits.len() as u32;
        self.hits
            .extend(found.iter().map(|h| (h.term, h.end - ws, h.at - ws)));
        let hits = (from, self.hits.len() as u32);
        self.map.insert(key, WordEntry { text, hits });
    }
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv::hash(self.0, bytes);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Distinct words kept before the word cache starts afresh, bounding its memory.
const WORD_CACHE_MAX: usize = 50_000;

/// What each stop-word mark (a term's `stop` bits) adds to the stop words counted for the
/// four pack languages, a count of 32 bits each, English lowest: one for each language it is
/// a stop word of, and a stop word of no pack language counts as English.
const STOP_LANES: [u128; 32] = {
    let mut t = [0u128; 32];
    let mut stop = 0;
    while stop < 32 {
        let mut lanes = (stop >> 4 & 1) as u128;
        let mut l = 0;
        while l < 4 {
            lanes += ((stop >> l & 1) as u128) << (32 * l);
            l += 1;
        }
        t[stop] = lanes;
        stop += 1;
    }
    t
};

/// The negators of a text: their spans, and until the language is known, the languages
/// each is a negator in.
#[derive(Default)]
struct Negators {
    spans: Vec<(u32, u32)>,
    langs: Vec<u8>,
}

impl Negators {
    fn clear(&mut self) {
        self.spans.clear();
        self.langs.clear();
    }

    fn push(&mut self, h: &Hit, langs: u8) {
        self.spans.push((h.start, h.end));
        self.langs.push(langs);
    }

    /// Keeps the negators in one of `langs` (a [`text_langs`] mask), in order.
    fn keep(&mut self, langs: u8) {
        let mut kept = 0;
        for i in 0..self.spans.len() {
            if self.langs[i] & langs != 0 {
                self.spans[kept] = self.spans[i];
                kept += 1;
            }
        }
        self.spans.truncate(kept);
    }
}

/// Buffers reused from one comment to the next on the same thread.
#[derive(Default)]
struct Scratch {
    hits: Vec<Hit>,
    negators: Negators,
    /// The hits `sentiment` reads, by index.
    lexicon: Vec<u32>,
    groups: Groups,
    rule_bufs: RuleBufs,
    cues: Vec<Cue>,
    boosters: Vec<u32>,
    layout: Layout,
    stems: StemCache,
    words: WordCache,
    /// The last word stemmed (span and language index) and its stem: several terms often
    /// check the same word.
    last_word: (usize, usize, usize),
    last_stem: String,
    /// The normalised text's buffers.
    norm: Normalized,
    /// Boxed, so that taking it out while a text is read moves a pointer, not the cache's
    /// few hundred bytes of buffers.
    tokens: Option<Box<tokens::TokenCache>>,
    /// An analysis is under way: one that finds it set was cut short by a panic and may have
    /// left the buffers' invariants broken (such as [`Groups::counts`] at zero), so it starts
    /// from fresh buffers.
    busy: bool,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` with the thread's [`Scratch`], borrowed in place.
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| {
        let mut sc = cell.borrow_mut();
        if sc.busy {
            *sc = Scratch::default();
        }
        sc.busy = true;
        let r = f(&mut sc);
        sc.busy = false;
        r
    })
}

/// FNV-1a for the stem cache's short keys (SipHash costs more than the look-up saves).
#[derive(Default, Clone, Copy)]
struct BuildFnv;

struct Fnv(u64);

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(fnv::OFFSET)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv::hash(self.0, bytes);
    }
}

impl Engine {
    /// Whether the word at `ws..we` of `t` has `stem` under `lang`'s stemmer; the stem comes
    /// from the thread's cache when the word was seen before.
    fn stem_is(
        &self,
        sc: &mut Scratch,
        t: &str,
        ws: usize,
        we: usize,
        lang: Lang,
        stem: &str,
    ) -> bool {
        let word = &t[ws..we];
        if sc.last_word != (ws, we, lang_index(lang)) {
            let StemCache { map, key } = &mut sc.stems;
            key.clear();
            key.push(lang_index(lang) as u8);
            key.extend_from_slice(word.as_bytes());
            sc.last_stem.clear();
            match map.get(key.as_slice()) {
                Some(st) => sc.last_stem.push_str(st),
                None => {
                    let st = self.stemmers[lang_index(lang)].stem(word);
                    sc.last_stem.push_str(&st);
                    if map.len() >= STEM_CACHE_MAX {
                        map.clear();
                    }
                    map.insert(key.clone(), sc.last_stem.as_str().into());
                }
            }
            sc.last_word = (ws, we, lang_index(lang));
        }
        sc.last_stem == stem
    }

    /// One pass over the normalised text: its layout (words, quotation marks, fingerprint,
    /// Cyrillic letters) and every term found in it. Each word is looked up whole
    /// ([`Engine::word_hits`]); the other patterns are found by one automaton stepped along
    /// the text. Hits of one start come in the order their matches end.
    fn scan(&self, t: &str, sc: &mut Scratch) {
        self.scan_with(t, sc, self.across.as_ref());
    }

    /// [`Engine::scan`] with the phrase automaton `across`, or without one (only the words'
    /// hits).
    fn scan_with(&self, t: &str, sc: &mut Scratch, across: Option<&Matcher>) {
        sc.hits.clear();
        sc.last_word = (0, 0, 0);
        let mut layout = std::mem::take(&mut sc.layout);
        layout.reset();
        let b = t.as_bytes();
        // FNV-1a over the bytes of the letters and digits (the fingerprint), and over the
        // bytes of the current word (its key in the word cache).
        let mut h: u64 = fnv::OFFSET;
        let mut wh: u64 = fnv::OFFSET;
        let mut cyrillic = 0;
        let mut word_start = usize::MAX;
        let mut reorder = false;
        let mut sid = across.map_or(StateID::ZERO, |m| m.start);
        let table = char_info_table();
        let mut i = 0;
        while i < b.len() {
            let x = b[i];
            if x < 0x80 {
                // The common case, one byte at a time.
                if ASCII_WORD[x as usize] {
                    if word_start == usize::MAX {
                        word_start = i;
                        wh = fnv::OFFSET;
                        layout.word_starts.push(i as u32);
                    }
                    h = fnv::step(h, x);
                    wh = fnv::step(wh, x);
                } else {
                    if word_start != usize::MAX {
                        self.word_hits(t, word_start, i, wh, sc);
                        word_start = usize::MAX;
                    }
                    if x == b'"' {
                        layout.quotes.push(i as u32);
                    } else if x == b'.' || x == b':' {
                        layout.dots = true;
                    }
                }
                if let Some(m) = across {
                    sid = m.dfa.next_state(Anchored::No, sid, x);
                    if m.is_match(sid) {
                        reorder |= self.across_hits(m, t, sid, i + 1, sc);
                    }
                }
                i += 1;
                continue;
            }
            let (c, len) = char_at(b, i);
            if char_info(table, c) & CI_WORD != 0 {
                if word_start == usize::MAX {
                    word_start = i;
                    wh = fnv::OFFSET;
                    layout.word_starts.push(i as u32);
                }
                for &y in &b[i..i + len] {
                    h = fnv::step(h, y);
                    wh = fnv::step(wh, y);
                }
                cyrillic += (x == 0xD0 || x == 0xD1) as u32;
            } else if word_start != usize::MAX {
                self.word_hits(t, word_start, i, wh, sc);
                word_start = usize::MAX;
            }
            if let Some(m) = across {
                for (k, &y) in b[i..i + len].iter().enumerate() {
                    sid = m.dfa.next_state(Anchored::No, sid, y);
                    if m.is_match(sid) {
                        reorder |= self.across_hits(m, t, sid, i + k + 1, sc);
                    }
                }
            }
            i += len;
        }
        if word_start != usize::MAX {
            self.word_hits(t, word_start, b.len(), wh, sc);
        }
        if reorder {
            sc.hits.sort_by_key(|h| h.at);
        }
        layout.cyrillic = cyrillic;
        layout.set_fingerprint(h);
        sc.layout = layout;
    }

    /// The hits of the word at `ws..we` (`key` is its FNV-1a): from the thread's
    /// [`WordCache`] when the word was seen before, else found by walking the anchored word
    /// automaton along it.
    fn word_hits(&self, t: &str, ws: usize, we: usize, key: u64, sc: &mut Scratch) {
        let Some(m) = &self.in_words else {
            return;
        };
        let word = &t.as_bytes()[ws..we];
        let cached = sc.words.map.get(&key).copied();
        if let Some(e) = cached
            && sc.words.text[e.text.0 as usize..e.text.1 as usize] == *word
        {
            let s = ws as u32;
            sc.hits.extend(
                sc.words.hits[e.hits.0 as usize..e.hits.1 as usize]
                    .iter()
                    .map(|&(term, end, at)| Hit {
                        term,
                        start: s,
                        end: s + end,
                        at: s + at,
                    }),
            );
            return;
        }
        let before = sc.hits.len();
        let dfa = &m.dfa;
        let mut sid = m.start;
        for (j, &x) in word.iter().enumerate() {
            sid = dfa.next_state(Anchored::Yes, sid, x);
            if !dfa.is_special(sid) {
                continue;
            }
            if dfa.is_dead(sid) {
                break;
            }
            if !dfa.is_match(sid) {
                continue;
            }
            let e = ws + j + 1;
            for pid in m.patterns(sid) {
                let pid = pid as usize;
                // A state also reports the shorter patterns that end here but start later.
                if e - self.patterns[pid].len as usize == ws {
                    self.check_pattern(t, ws, e, pid, sc);
                }
            }
        }
        // Another word with the same key keeps its place (a 64-bit collision, in theory).
        if cached.is_none() {
            sc.words.insert(key, word, &sc.hits[before..], ws as u32);
        }
    }

    /// Checks the patterns that end at `e` in match state `sid` of the `across` automaton;
    /// true when a hit may need putting back in order.
    fn across_hits(&self, m: &Matcher, t: &str, sid: StateID, e: usize, sc: &mut Scratch) -> bool {
        let mut reorder = false;
        for pid in m.patterns(sid) {
            reorder |= self.across_candidate(t, pid as usize, e, sc);
        }
        reorder
    }

    /// Checks pattern `pid` of the `across` automaton, whose match ended at `e`; true when a
    /// hit may need putting back in order.
    #[inline(always)]
    fn across_candidate(&self, t: &str, pid: usize, e: usize, sc: &mut Scratch) -> bool {
        let bytes = t.as_bytes();
        let pat = &self.patterns[pid];
        let s = e - pat.len as usize;
        // Most candidates sit inside a word: drop those before looking at their terms.
        if pat.info & PAT_RAW == 0
            && s > 0
            && bytes[s - 1] < 0x80
            && ASCII_WORD[bytes[s - 1] as usize]
        {
            return false;
        }
        let before = sc.hits.len();
        self.check_pattern(t, s, e, pid, sc);
        pat.reorder && sc.hits.len() > before
    }

    /// Checks the terms of pattern `pid`, found at `s..e`, and records the ones that hold.
    fn check_pattern(&self, t: &str, s: usize, e: usize, pid: usize, sc: &mut Scratch) {
        let pat = &self.patterns[pid];
        let info = pat.info;
        let left = left_boundary(t, s);
        if info & PAT_RAW == 0 && (!left || info & PAT_WORD != 0 && !right_boundary(t, e)) {
            return;
        }
        let mut right: Option<bool> = None;
        let mut end_of_word: Option<usize> = None;
        for &(tid, mode) in &self.pat_terms[pat.terms.0 as usize..pat.terms.1 as usize] {
            let ok = match mode {
                Mode::Raw => true,
                Mode::Word => left && *right.get_or_insert_with(|| right_boundary(t, e)),
                Mode::Prefix => left,
                Mode::Stem => {
                    left && match &self.terms[tid as usize].stem {
                        Some((stem, lang, min_len)) => {
                            let we = *end_of_word.get_or_insert_with(|| word_end(t, e));
                            we - s >= *min_len as usize
                                && (t[s..we] == **stem || self.stem_is(sc, t, s, we, *lang, stem))
                        }
                        None => false,
                    }
                }
            };
            if ok {
                // Word forms and prefixes are shown as the whole word they matched.
                let end = if matches!(mode, Mode::Stem | Mode::Prefix) {
                    *end_of_word.get_or_insert_with(|| word_end(t, e))
                } else {
                    e
                };
                sc.hits.push(Hit {
                    term: tid,
                    start: s as u32,
                    end: end as u32,
                    at: e as u32,
                });
            }
        }
    }

    /// The text's language: the `hint` when it names one, else Russian for three Cyrillic
    /// letters or more, else the language of the most stop words (`counts`, from
    /// [`Engine::group_events`]), else whatlang's sure answer.
    fn detect_lang(&self, t: &str, cyrillic: u32, counts: [u32; 4], hint: Option<&str>) -> Lang {
        if let Some(h) = hint {
            let l = Lang::from_code(h);
            if l != Lang::Other {
                return l;
            }
        }
        if cyrillic >= 3 {
            return Lang::Ru;
        }
        let (best, &n) = counts
            .iter()
            .enumerate()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
            .unwrap_or((0, &0));
        let second = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        if n >= 2 && n > second {
            return LANGS[best];
        }
        match whatlang_guess(t) {
            Some(l) => l,
            _ if n > second => LANGS[best],
            _ => Lang::Other,
        }
    }

    /// The author-independent part: normalise, detect the language, match, score.
    pub fn analyse(&self, orig: &str, hint: Option<&str>) -> Found {
        with_scratch(|sc| {
            let s = self.analyse_with(orig, hint, None, sc, true);
            Found {
                lang: s.lang,
                sentiment: s.sentiment,
                features: s.features,
                fingerprint: s.fingerprint,
                state: State {
                    tally: s.tally,
                    rules: sc.rule_bufs.fired.to_vec(),
                    spans: sc.rule_bufs.spans.to_vec(),
                },
            }
        })
    }

    /// `decide(&analyse(orig, hint), history)` without keeping the fired rules apart: the
    /// verdict is built from the thread's buffers. Also gives the language and sentiment.
    pub fn classify(
        &self,
        orig: &str,
        hint: Option<&str>,
        history: &AuthorHistory,
    ) -> (Lang, f32, Decision) {
        with_scratch(|sc| {
            // The verdict has no fingerprint: it is not worked out. The history is known, so
            // the rules it rules out are not looked at.
            let s = self.analyse_with(orig, hint, Some(history), sc, false);
            let b = &sc.rule_bufs;
            let d = self.decide_parts(s.tally, &b.fired, &b.spans, history);
            (s.lang, s.sentiment, d)
        })
    }

    /// Analyses `orig`; the fired rules and their spans are left in `sc.rule_bufs`.
    /// The summary's fingerprint is 0 unless asked for (`fingerprint`). With the author's
    /// `history`, a history rule whose minimums it does not reach is left out of the fired
    /// rules (the decision would drop it); without, every such rule that holds is kept,
    /// pending, for [`Engine::decide`].
    fn analyse_with(
        &self,
        orig: &str,
        hint: Option<&str>,
        history: Option<&AuthorHistory>,
        sc: &mut Scratch,
        fingerprint: bool,
    ) -> Summary {
        let mut norm = std::mem::take(&mut sc.norm);
        let counts = self.read(orig, &mut norm, sc, true, fingerprint);
        self.analyse_read(orig, hint, history, norm, counts, sc)
    }

    /// Normalises and scans `orig` into `norm` and the scratch's layout and hits, returning
    /// the counts of the original: token by token ([`Engine::analyse_tokens`]) when
    /// `by_tokens` and the text allows, else in one go. The token path leaves the layout's
    /// fingerprint at 0 unless asked for it (`fingerprint`).
    fn read(
        &self,
        orig: &str,
        norm: &mut Normalized,
        sc: &mut Scratch,
        by_tokens: bool,
        fingerprint: bool,
    ) -> TextCounts {
        let mut counts = TextCounts::default();
        if by_tokens && self.analyse_tokens(orig, norm, &mut counts, sc, fingerprint) {
            return counts;
        }
        counts = TextCounts::default();
        let table = char_info_table();
        normalize_into(orig, norm, &mut counts, |c| letter_info(table, c));
        self.scan(norm.text.as_str(), sc);
        counts
    }

    /// The rest of [`Engine::analyse_with`], once the text is read.
    fn analyse_read(
        &self,
        orig: &str,
        hint: Option<&str>,
        history: Option<&AuthorHistory>,
        norm: Normalized,
        counts: TextCounts,
        sc: &mut Scratch,
    ) -> Summary {
        let t = norm.text.as_str();
        // Negators, the lexicon's hits, rule hits grouped by channel, and stop words counted
        // by language, in one pass over the hits.
        let stops = self.group_events(&sc.hits, &mut sc.negators, &mut sc.lexicon, &mut sc.groups);
        let lang = self.detect_lang(t, sc.layout.cyrillic, stops, hint);
        sc.negators.keep(text_langs(lang));
        let feats = features(&counts, t, &sc.layout);
        let lang_ok = |l: Lang| lang == Lang::Other || l == lang;

        let layout = &sc.layout;
        let negators = &sc.negators.spans;
        let negated = |s: u32| -> bool {
            negators.iter().any(|&(ns, ne)| {
                ne <= s
                    && ns < s
                    && s - ne <= 48
                    && layout.few_words_between(ne as usize, s as usize, 2)
                    // Bytes, not characters: no byte of a longer UTF-8 sequence is ASCII.
                    && !t.as_bytes()[ne as usize..s as usize]
                        .iter()
                        .any(|b| matches!(b, b'.' | b'!' | b'?' | b';'))
            })
        };
        let sentiment = self.sentiment(
            orig,
            &norm,
            layout,
            &sc.hits,
            &sc.lexicon,
            &feats,
            &lang_ok,
            &negated,
            (&mut sc.cues, &mut sc.boosters),
        );

        let text = Text {
            orig,
            norm: &norm,
            layout,
            feats: &feats,
            sentiment,
            negators: !negators.is_empty(),
        };
        let tally = self.evaluate(
            &text,
            lang,
            history,
            &negated,
            &mut sc.groups,
            &mut sc.rule_bufs,
        );
        let fingerprint = layout.fingerprint;
        sc.norm = norm;
        Summary {
            lang,
            sentiment,
            features: feats,
            fingerprint,
            tally,
        }
    }

    /// Collects the negators among `hits` (of any language: [`Negators::keep`] keeps the
    /// text's) and the hits `sentiment` reads (their indices, in `lexicon`), groups the rules'
    /// hits by channel, each in its channel's row of `g`, in hit order (see [`Groups`]), and
    /// returns the stop words counted by language (for [`Engine::detect_lang`]).
    fn group_events(
        &self,
        hits: &[Hit],
        negators: &mut Negators,
        lexicon: &mut Vec<u32>,
        g: &mut Groups,
    ) -> [u32; 4] {
        let n_channels = self.channels.len;
        g.start(n_channels);
        loop {
            negators.clear();
            lexicon.clear();
            // Four counts of 32 bits in one: an add a hit, without a branch.
            let mut stops = 0u128;
            let width = g.width;
            // Local slices, so their addresses stay in registers while they are written.
            let (rows, counts, touched) = (&mut g.rows[..], &mut g.counts[..], &mut g.touched[..]);
            let mut full = false;
            for (i, h) in hits.iter().enumerate() {
                let m = &self.marks[h.term as usize];
                stops += STOP_LANES[usize::from(m.stop & 31)];
                if m.neg != 0 {
                    negators.push(h, m.neg);
                }
                if m.kinds & K_LEXICON != 0 {
                    lexicon.push(i as u32);
                }
                let (from, to) = m.channels;
                for &ch in &self.channels.of_term[from as usize..to as usize] {
                    let c = ch as usize;
                    let n = counts[c] as usize;
                    touched[c / 64] |= 1 << (c % 64);
                    if n < width {
                        rows[c * width + n] = Event {
                            start: h.start,
                            end: h.end,
                        };
                    } else {
                        full = true;
                    }
                    counts[c] = n as u32 + 1;
                }
            }
            if !full {
                return std::array::from_fn(|l| (stops >> (32 * l)) as u32);
            }
            // A channel has more hits than its row holds: again, with rows twice as wide.
            g.widen(n_channels);
        }
    }

    /// Evaluates the rules in rule order, visiting only those of the text's `lang` with a hit
    /// in their `any` list or without one, and, when the author's `history` is known, not the
    /// history rules it rules out. `g` comes from [`Engine::group_events`]; its counts and
    /// touched bits are left at zero.
    fn evaluate(
        &self,
        x: &Text<'_>,
        lang: Lang,
        history: Option<&AuthorHistory>,
        negated: &impl Fn(u32) -> bool,
        g: &mut Groups,
        bufs: &mut RuleBufs,
    ) -> Tally {
        let RuleBufs {
            rule_spans,
            distinct,
            fired,
            spans,
        } = bufs;
        fired.clear();
        spans.clear();
        let mut tally = Tally::default();
        let width = g.width;
        // The rules to visit: those without an `any` list, and those whose `any` channel has
        // events.
        let ch = &self.channels;
        let visit = &mut g.visit;
        visit.clear();
        visit.extend_from_slice(&self.always);
        for (cw, touched) in g.touched.iter_mut().enumerate() {
            let mut bits = std::mem::take(touched);
            while bits != 0 {
                let c = cw * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let wakes = &ch.wakes[c * ch.words..(c + 1) * ch.words];
                for (v, w) in visit.iter_mut().zip(wakes) {
                    *v |= w;
                }
            }
        }
        // Only the rules of the text's language.
        for (v, l) in visit.iter_mut().zip(&self.for_lang[lang_slot(lang)]) {
            *v &= l;
        }
        if let Some(h) = history {
            for &(ri, min) in &self.with_history {
                if !history_reaches(h, min) {
                    visit[ri as usize / 64] &= !(1 << (ri % 64));
                }
            }
        }
        let (rows, counts) = (&g.rows, &g.counts);
        let row = |c: u32| -> &[Event] {
            if c == NO_CHANNEL {
                &[]
            } else {
                let c = c as usize;
                &rows[c * width..c * width + counts[c] as usize]
            }
        };
        for (wi, &word) in visit.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let ri = wi * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let rule = &self.rules[ri];
                // The state is cheaper to check than the text, and a history rule checks it
                // again once the history is known.
                if !rule.needs_history && !state_conditions(rule, &tally) {
                    continue;
                }
                let [any, also, none] = ch.of_rule[ri];
                let lists = Lists {
                    any: row(any),
                    also: row(also),
                    none: !row(none).is_empty(),
                };
                if !text_conditions(rule, x, &lists, negated, rule_spans, distinct) {
                    continue;
                }
                let first = spans.len();
                merge_spans(rule_spans, spans);
                x.norm.to_orig(x.orig, &mut spans[first..]);
                let first = first as u32;
                let pending = rule.needs_history;
                if !pending {
                    apply(rule, &mut tally);
                }
                fired.push(Fired {
                    rule: ri as u32,
                    pending,
                    spans: (first, spans.len() as u32),
                });
            }
        }
        g.counts.fill(0);
        tally
    }

    #[allow(clippy::too_many_arguments)]
    fn sentiment(
        &self,
        orig: &str,
        norm: &Normalized,
        layout: &Layout,
        hits: &[Hit],
        lexicon: &[u32],
        f: &Features,
        lang_ok: &dyn Fn(Lang) -> bool,
        negated: &dyn Fn(u32) -> bool,
        (cues, boosters): (&mut Vec<Cue>, &mut Vec<u32>),
    ) -> f32 {
        cues.clear();
        boosters.clear();
        let mut contrast: Option<usize> = None;
        let shouting = f.shouting();
        for &i in lexicon {
            let h = &hits[i as usize];
            let term = &self.terms[h.term as usize];
            for u in &term.uses {
                match *u {
                    Use::Booster(l) if lang_ok(l) => boosters.push(h.end),
                    Use::Contrast(l) if lang_ok(l) => {
                        contrast =
                            Some(contrast.map_or(h.start as usize, |c| c.min(h.start as usize)))
                    }
                    Use::Sentiment(l, v) if lang_ok(l) => {
                        if cues.iter().any(|c| c.at == h.start as usize) {
                            continue;
                        }
                        let shouted = !shouting && f.upper > 0 && {
                            let (os, oe) = norm.orig_span(orig, h.start as usize, h.end as usize);
                            in_capitals(&orig[os..oe])
                        };
                        cues.push(Cue {
                            at: h.start as usize,
                            valence: v,
                            negated: negated(h.start),
                            boosted: false,
                            shouted,
                        });
                    }
                    _ => {}
                }
            }
        }
        for c in cues.iter_mut() {
            c.boosted = boosters
                .iter()
                .any(|&b| (b as usize) <= c.at && layout.few_words_between(b as usize, c.at, 1));
        }
        // No two cues start at the same place, so an unstable sort gives the same order.
        cues.sort_unstable_by_key(|c| c.at);
        sentiment::compound(cues, contrast, f.exclaims)
    }

    /// The author-dependent part: history rules, then the tag.
    pub fn decide(&self, found: &Found, history: &AuthorHistory) -> Decision {
        let state = &found.state;
        self.decide_parts(state.tally, &state.rules, &state.spans, history)
    }

    /// [`Engine::decide`] on the parts of a [`State`].
    fn decide_parts(
        &self,
        tally: Tally,
        fired: &[Fired],
        spans: &[(usize, usize)],
        history: &AuthorHistory,
    ) -> Decision {
        let mut tally = tally;
        let mut rules = Vec::with_capacity(fired.len());
        // One buffer for the spans of every rule with more than fit in place, if any has.
        let all: Option<Arc<[(usize, usize)]>> = fired
            .iter()
            .any(|f| (f.spans.1 - f.spans.0) as usize > Spans::INLINE)
            .then(|| spans.into());
        // Pending rules are weighed in rule order, each against the tally so far, as if they
        // came after every rule that fired without the history.
        for f in fired {
            let rule = &self.rules[f.rule as usize];
            if f.pending {
                let Some(min) = rule.history else { continue };
                if !(history_reaches(history, min) && state_conditions(rule, &tally)) {
                    continue;
                }
                apply(rule, &mut tally);
            }
            let (start, end) = (f.spans.0 as usize, f.spans.1 as usize);
            rules.push(RuleHit {
                rule: self.ids[f.rule as usize].clone(),
                spans: match &all {
                    Some(all) => Spans::shared(all, start..end),
                    None => Spans::new(&spans[start..end]),
                },
            });
        }
        Decision {
            tag: pick_tag(&tally.scores),
            tally,
            rules,
        }
    }
}

/// Whether the author's history reaches a rule's minimums (see [`Rule::history`]).
#[inline(always)]
fn history_reaches(h: &AuthorHistory, min: [u32; 4]) -> bool {
    let have = [h.asked_compensation, h.same_text, h.trolled, h.comments];
    have.iter().zip(min).all(|(h, m)| *h >= m)
}

/// The text a rule is checked against, and what is known about it.
struct Text<'a> {
    orig: &'a str,
    norm: &'a Normalized,
    layout: &'a Layout,
    feats: &'a Features,
    sentiment: f32,
    /// The text has a negator (else nothing is negated).
    negators: bool,
}

/// One hit of a term in a channel's list, in the channel's row of [`Groups`].
#[derive(Debug, Clone, Copy)]
struct Event {
    start: u32,
    end: u32,
}

/// The events of one rule's lists in a text, each in hit order.
struct Lists<'a> {
    any: &'a [Event],
    also: &'a [Event],
    /// A term of its `none` list is in the text.
    none: bool,
}

/// Buffers of the rule evaluation.
#[derive(Default)]
struct RuleBufs {
    /// One rule's spans in the normalised text, before they are merged.
    rule_spans: Vec<(usize, usize)>,
    /// The texts of a rule's hits, for `min_hits`.
    distinct: Vec<(usize, usize)>,
    /// [`State::rules`] and [`State::spans`] while they are built.
    fired: Vec<Fired>,
    spans: Vec<(usize, usize)>,
}

/// Rule hits grouped by rule in one pass: each rule has a row of `width` events, filled in
/// hit order. A text with more hits of a rule than that is grouped again with rows twice as
/// wide. Rows keep their width from one text to the next up to [`Groups::WIDEST`]; wider
/// ones go back to [`Groups::WIDTH`], so one long text does not keep its rows.
#[derive(Default)]
struct Groups {
    /// `width` events per channel, channel after channel.
    rows: Vec<Event>,
    width: usize,
    /// Per channel: 0 between texts; after grouping, its events (more than `width` when its
    /// row is full: the text is then grouped again).
    counts: Vec<u32>,
    /// Channels with at least one event, one bit each; all clear between texts.
    touched: Vec<u64>,
    /// The rules the rule loop visits, one bit each.
    visit: Vec<u64>,
}

impl Groups {
    /// Events a channel's row holds to begin with: the synthetic set's channels have about
    /// five a text.
    const WIDTH: usize = 16;
    /// The widest rows kept from one text to the next.
    const WIDEST: usize = 256;

    /// Readies the rows for a text and `n` channels; the counts and touched bits are clear.
    fn start(&mut self, n: usize) {
        if self.width == 0 || self.width > Groups::WIDEST {
            self.width = Groups::WIDTH;
            self.rows = Vec::new();
        }
        self.size(n);
    }

    /// Clears the counts and touched bits, and doubles the rows' width.
    #[cold]
    fn widen(&mut self, n: usize) {
        self.counts.fill(0);
        self.touched.fill(0);
        self.width *= 2;
        self.rows = Vec::new();
        self.size(n);
    }

    fn size(&mut self, n: usize) {
        let empty = Event { start: 0, end: 0 };
        if self.rows.len() < n * self.width {
            self.rows.resize(n * self.width, empty);
        }
        if self.counts.len() < n {
            self.counts.resize(n, 0);
        }
        if self.touched.len() < n.div_ceil(64) {
            self.touched.resize(n.div_ceil(64), 0);
        }
    }
}

/// Whether the surface conditions of `rule` (words, links, ..., sentiment) hold.
fn features_hold(rule: &Rule, f: &Features, sentiment: f32) -> bool {
    let w = f.words;
    !(rule.min_words.is_some_and(|m| w < m)
        || rule.max_words.is_some_and(|m| w > m)
        || rule.min_links.is_some_and(|m| f.links < m)
        || rule.min_mentions.is_some_and(|m| f.mentions < m)
        || rule.min_exclaims.is_some_and(|m| f.exclaims < m)
        || rule.shouting.is_some_and(|s| s != f.shouting())
        || rule.question.is_some_and(|q| q != (f.questions > 0))
        || rule.min_sentiment.is_some_and(|m| sentiment < m)
        || rule.max_sentiment.is_some_and(|m| sentiment > m))
}

/// Checks a rule's conditions on the text, `lists` being the events of its lists. When they
/// hold, `out` has the spans to show (normalised offsets, in no order, overlapping: see
/// [`merge_spans`]).
fn text_conditions(
    rule: &Rule,
    x: &Text<'_>,
    lists: &Lists<'_>,
    negated: &impl Fn(u32) -> bool,
    out: &mut Vec<(usize, usize)>,
    distinct: &mut Vec<(usize, usize)>,
) -> bool {
    out.clear();
    if rule.checks_features && !features_hold(rule, x.feats, x.sentiment) {
        return false;
    }
    if lists.none {
        return false;
    }
    let layout = x.layout;
    let negatable = rule.negatable && x.negators;
    let skip_quoted = rule.skip_quoted && !layout.quotes.is_empty();
    let keep = |e: &Event| {
        !(negatable && negated(e.start) || skip_quoted && layout.quoted(e.start as usize))
    };
    // The `any` hits that count, then the `also` hits near one of them.
    out.reserve(lists.any.len() + lists.also.len() + 1);
    let span = |e: &Event| (e.start as usize, e.end as usize);
    if negatable || skip_quoted {
        out.extend(lists.any.iter().filter(|e| keep(e)).map(span));
    } else {
        // Most rules on most texts: every hit counts, copied in one go.
        out.extend(lists.any.iter().map(span));
    }
    let n_any = out.len();
    if rule.has_any && n_any == 0 {
        return false;
    }
    if let Some(min) = rule.min_hits
        && !enough_distinct(x.norm.text.as_str(), &out[..n_any], min, distinct)
    {
        return false;
    }
    if rule.has_also {
        for e in lists.also {
            if keep(e)
                && out[..n_any]
                    .iter()
                    .any(|&a| near(rule.within, layout, a, (e.start as usize, e.end as usize)))
            {
                out.push((e.start as usize, e.end as usize));
            }
        }
        if out.len() == n_any {
            return false;
        }
    }
    if let Some(rc) = &rule.regex {
        let t = x.norm.text.as_str();
        // A text without the characters every match holds cannot match.
        if rc.needles.as_ref().is_some_and(|n| !n.any_in(t)) {
            return false;
        }
        let Some(m) = rc.regex.find(t) else {
            return false;
        };
        out.push((m.start(), m.end()));
    }
    true
}

/// Whether the spans `any` of `t` hold at least `min` different texts. `distinct` keeps one
/// span of each text seen, and the count stops as soon as there are enough.
fn enough_distinct(
    t: &str,
    any: &[(usize, usize)],
    min: u32,
    distinct: &mut Vec<(usize, usize)>,
) -> bool {
    let min = min as usize;
    if min == 0 {
        return true;
    }
    if any.len() < min {
        return false;
    }
    distinct.clear();
    for &(s, e) in any {
        let text = &t.as_bytes()[s..e];
        if !distinct
            .iter()
            .any(|&(ds, de)| &t.as_bytes()[ds..de] == text)
        {
            distinct.push((s, e));
            if distinct.len() >= min {
                return true;
            }
        }
    }
    false
}

/// Whether hits `a` and `b` stand at most `within` words apart (they overlap, or fewer
/// words start between them).
fn near(within: Option<u32>, layout: &Layout, a: (usize, usize), b: (usize, usize)) -> bool {
    match within {
        None => true,
        Some(w) => {
            let (x, y) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            x.1 > y.0 || layout.few_words_between(x.1, y.0, w)
        }
    }
}

/// Sorts spans and merges the ones that overlap, so each stretch of text is shown once.
///
/// A fired rule has a handful of spans, in the order its hits ended: mostly in order already
/// (its `any` hits, then the `also` hits near them; counted on the synthetic set, 94 % of
/// rules with two to four spans, 75 % with five to eight, 37 % with more), else out of order
/// or overlapping (an `also` hit before its `any` hit, two of its terms on one word). So they
/// are checked for order first, and sorted only when out of it: up to eight by a sorting
/// network, more the general way. The spans compare as one `u64` each, start then end
/// (offsets fit in 32 bits, as a hit's do). The merge takes no branch a span: in which
/// pattern spans overlap, no branch predicts.
///
/// `spans` (put in order if they were not) are merged into `out`, after what it holds: the
/// verdict's buffer, so a rule's spans are written once, where they stay.
fn merge_spans(spans: &mut [(usize, usize)], out: &mut Vec<(usize, usize)>) {
    let n = spans.len();
    if n == 0 {
        return;
    }
    if spans.windows(2).any(|w| pack_span(w[0]) > pack_span(w[1])) {
        sort_spans(spans);
    }
    let first = out.len();
    out.resize(first + n, (0, 0));
    let merged = &mut out[first..];
    let (mut cs, mut ce) = spans[0];
    let mut kept = 0;
    for &(s, e) in &spans[1..] {
        // Written every time, kept only when the next span starts past it.
        merged[kept] = (cs, ce);
        let apart = s >= ce;
        kept += usize::from(apart);
        cs = if apart { s } else { cs };
        ce = if apart { e } else { ce.max(e) };
    }
    merged[kept] = (cs, ce);
    out.truncate(first + kept + 1);
}

/// A span as one `u64`, start then end, that compares as the pair does.
#[inline(always)]
fn pack_span((s, e): (usize, usize)) -> u64 {
    (s as u64) << 32 | e as u64
}

/// Sorts spans that are out of order: up to eight by a sorting network (compare-exchanges
/// with constant places, so the values stay in registers: a min and a max each, not a
/// branch), more by the standard library's sort. Out of the merge's way: about one merge in
/// six comes here.
#[cold]
fn sort_spans(spans: &mut [(usize, usize)]) {
    let n = spans.len();
    if n > 8 {
        spans.sort_unstable();
        return;
    }
    let mut x = [u64::MAX; 8];
    for (v, &span) in x.iter_mut().zip(spans.iter()) {
        *v = pack_span(span);
    }
    macro_rules! network {
        ($(($i:literal, $j:literal)),* $(,)?) => {
            $(
                let (a, b) = (x[$i], x[$j]);
                x[$i] = a.min(b);
                x[$j] = a.max(b);
            )*
        };
    }
    if n <= 4 {
        network!((0, 1), (2, 3), (0, 2), (1, 3), (1, 2));
    } else {
        network!(
            (0, 2),
            (1, 3),
            (4, 6),
            (5, 7),
            (0, 4),
            (1, 5),
            (2, 6),
            (3, 7),
            (0, 1),
            (2, 3),
            (4, 5),
            (6, 7),
            (2, 4),
            (3, 5),
            (1, 4),
            (3, 6),
            (1, 2),
            (3, 4),
            (5, 6),
        );
    }
    for (span, &v) in spans.iter_mut().zip(x.iter()) {
        *span = ((v >> 32) as usize, (v & 0xFFFF_FFFF) as usize);
    }
}

/// `in_capitals` answers as reading the word character by character does.
#[cfg(test)]
mod in_capitals_tests {
    use super::{in_capitals, in_capitals_by_chars as reference};

    #[test]
    fn words_in_capitals_are_told_from_the_rest() {
        for (word, capitals) in [
            ("STUPID", true),
            ("OK!", true),
            ("4EVER", true),
            ("ÉTÉ", true),
            ("ТУПОЙ", true),
            ("Stupid", false),
            ("stupiD", false),
            ("A", false),
            ("A1", false),
            ("été", false),
            ("ТУПОй", false),
            ("", false),
        ] {
            assert_eq!(in_capitals(word), capitals, "{word:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn in_capitals_reads_as_char_by_char(word in "\\PC{0,12}", ascii in "[ -~]{0,12}") {
            proptest::prop_assert_eq!(in_capitals(&word), reference(&word));
            proptest::prop_assert_eq!(in_capitals(&ascii), reference(&ascii));
        }
    }
}

/// `Layout::few_words_between` answers as counting the word starts in the range would.
#[cfg(test)]
mod few_words_tests {
    use super::Layout;

    proptest::proptest! {
        #[test]
        fn few_words_between_counts_word_starts(
            starts in proptest::collection::btree_set(0u32..120, 0..30),
            a in 0usize..130,
            len in 0usize..60,
            most in 0u32..5,
        ) {
            let layout = Layout {
                word_starts: starts.iter().copied().collect(),
                ..Layout::default()
            };
            let b = a + len;
            let counted = starts.iter().filter(|&&s| a <= s as usize && (s as usize) < b).count();
            proptest::prop_assert_eq!(
                layout.few_words_between(a, b, most),
                counted <= most as usize
            );
        }
    }
}

/// `merge_spans` gives what sorting and then merging overlaps one by one gives.
#[cfg(test)]
mod merge_spans_tests {
    use super::merge_spans;

    fn reference(spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut sorted = spans.to_vec();
        sorted.sort();
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (s, e) in sorted {
            match out.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn merged_spans_are_sorted_and_overlaps_joined(
            raw in proptest::collection::vec((0usize..200, 1usize..20), 0..80)
        ) {
            let spans: Vec<_> = raw.iter().map(|&(s, l)| (s, s + l)).collect();
            // After what the buffer holds already.
            let mut merged = vec![(7, 9)];
            merge_spans(&mut spans.clone(), &mut merged);
            proptest::prop_assert_eq!(merged[0], (7, 9));
            proptest::prop_assert_eq!(&merged[1..], reference(&spans));
        }

        /// A fired rule's few spans (the sorting networks' sizes), bunched so they tie and
        /// overlap often.
        #[test]
        fn a_few_spans_merge_as_many_do(
            raw in proptest::collection::vec((0usize..12, 0usize..6), 0..=8)
        ) {
            let spans: Vec<_> = raw.iter().map(|&(s, l)| (s, s + l)).collect();
            let mut merged = Vec::new();
            merge_spans(&mut spans.clone(), &mut merged);
            proptest::prop_assert_eq!(merged, reference(&spans));
        }
    }
}

fn state_conditions(rule: &Rule, s: &Tally) -> bool {
    if !rule.checks_state {
        return true;
    }
    let tags_hold = || {
        let tags_scored: u8 = s
            .scores
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .fold(0, |m, (i, _)| m | 1 << i);
        (tags_scored & rule.if_tags) == rule.if_tags && tags_scored & rule.unless_tags == 0
    };
    (s.flags.0 & rule.if_flags.0) == rule.if_flags.0
        && (rule.if_any_flags.is_empty() || s.flags.0 & rule.if_any_flags.0 != 0)
        && s.flags.0 & rule.unless_flags.0 == 0
        && (s.facts & rule.if_facts) == rule.if_facts
        && s.facts & rule.unless_facts == 0
        && (rule.if_tags | rule.unless_tags == 0 || tags_hold())
}

fn apply(rule: &Rule, s: &mut Tally) {
    if let Some(t) = rule.tag {
        s.scores[tag_index(t)] += rule.weight;
    }
    s.flags.0 |= rule.flags.0;
    s.facts |= rule.facts;
}

/// The tag with the highest score of at least 1 (ties go to the earlier tag), else `other`.
fn pick_tag(scores: &[f32; 5]) -> Tag {
    let mut best = Tag::Other;
    let mut best_score = scores[4].max(0.999);
    for (i, t) in Tag::ALL[..4].iter().enumerate() {
        if scores[i] > best_score {
            best = *t;
            best_score = scores[i];
        }
    }
    best
}

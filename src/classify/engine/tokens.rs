//! The per-token path of [`Engine::analyse`]: a text is split at ASCII white space into
//! tokens, and everything the normaliser and the scan work out inside one token is worked out
//! once per distinct token and kept in a per-thread [`TokenCache`]: its normalised bytes and
//! map, the counts features read, its words and their hits, its quotation marks, and how the
//! phrase automaton crosses it from the states it was entered in. Comments repeat their tokens
//! far more than they vary, so most of a text costs a look-up per token.
//!
//! Exact by construction: the normaliser's passes are local to a word (folding, elongation,
//! leetspeak, Cyrillic look-alikes), a word never crosses white space, and the one pass that
//! does cross it (letters spelled out one by one, "s t u p i d") can only start where two
//! one-character tokens stand a space apart; such texts, and tokens that normalise to white
//! space, take the whole-text path ([`normalize_into`] and [`Engine::scan`]). Both paths give
//! the same normalised text, layout and hits in the same order (a property test holds them to
//! it).

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};

use super::{
    ASCII_WORD, Engine, Hit, Layout, Matcher, PAT_RAW, Scratch, char_info_table, letter_info,
    word_end,
};
use crate::classify::normalize::{Normalized, TextCounts, normalize_into};
use crate::fnv;

/// Tokens, and bytes of them, kept before the cache starts afresh, bounding its memory.
const TOKEN_CACHE_MAX: usize = 50_000;
const TOKEN_BYTES_MAX: usize = 4 << 20;

/// Slots of the cache's index: a power of two, well above [`TOKEN_CACHE_MAX`].
const INDEX_BITS: u32 = 17;

/// Automaton states a token remembers having been entered in.
const CROSSINGS: usize = 4;

/// The separators between tokens, ASCII white space.
const SEP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// What is known of one distinct token; ranges index the cache's arenas.
#[derive(Clone, Copy)]
struct Token {
    /// The token as written, in [`TokenCache::raw`].
    raw: (u32, u32),
    /// Its normalised form, in [`TokenCache::text`].
    norm: (u32, u32),
    /// Its map to the original, in [`TokenCache::maps`], when its layout differs.
    map: Option<(u32, u32)>,
    counts: TextCounts,
    elongated: bool,
    /// Normalises to something with white space in it: the whole-text path must take the text.
    spaces: bool,
    /// Normalises to one letter or digit: two of them a space apart may start a spelled-out
    /// word.
    single: bool,
    /// A '.' or ':' is in it.
    dots: bool,
    /// Cyrillic letters (lead bytes of the word characters U+0400..U+047F).
    cyrillic: u32,
    /// Its words, in [`TokenCache::words`].
    words: (u32, u32),
    /// Its quotation marks, in [`TokenCache::quotes`].
    quotes: (u32, u32),
    /// Its words' hits, in [`TokenCache::hits`].
    hits: (u32, u32),
}

/// One word of a token: where it starts and ends, and where its hits end in
/// [`TokenCache::hits`] (they start where the previous word's end).
#[derive(Clone, Copy)]
struct Word {
    start: u32,
    end: u32,
    hits_end: u32,
}

/// How the phrase automaton crossed a token: entered in, left in, and the candidate matches
/// on the way (a range of [`TokenCache::cands`]).
type Crossing = (StateID, StateID, u32, u32);

/// The per-thread cache of tokens (see the module's doc).
#[derive(Default)]
pub(super) struct TokenCache {
    index: Index,
    tokens: Vec<Token>,
    /// Per token, the crossings seen (at most [`CROSSINGS`]).
    crossings: Vec<([Crossing; CROSSINGS], u8)>,
    /// The tokens as written.
    raw: Vec<u8>,
    /// Their normalised forms.
    text: String,
    maps: Vec<u32>,
    words: Vec<Word>,
    quotes: Vec<u32>,
    /// Hits of the tokens' words: term, start, end and match end, from the token's start.
    hits: Vec<(u32, u32, u32, u32)>,
    /// Candidate matches of the phrase automaton: pattern, and where it ended in the token.
    cands: Vec<(u32, u32)>,
    /// The current text's candidates of the phrase automaton, to check once the whole text
    /// is there: pattern, where its match ended, and how many of the words' hits come before.
    deferred: Vec<(u32, u32, u32)>,
    /// A spare hits buffer, for putting the deferred hits in place.
    spare: Vec<Hit>,
    /// A token being learnt, normalised and laid out on its own.
    one: Normalized,
    one_layout: Layout,
}

/// Open addressing from a token's FNV-1a to its index in [`TokenCache::tokens`]: one probe
/// and one compare in the common case, where the standard `HashMap` (with the same
/// pre-hashed keys) measured 0.65k–0.8k instructions per comment more.
#[derive(Default)]
struct Index {
    /// (key, token); [`Index::EMPTY`] marks a free slot.
    slots: Vec<(u64, u32)>,
}

impl Index {
    const EMPTY: u32 = u32::MAX;

    #[inline(always)]
    fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - INDEX_BITS)) as usize
    }

    /// The token kept under `key`, if any.
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = Self::slot(key);
        loop {
            let (k, v) = self.slots[s];
            if v == Self::EMPTY {
                return None;
            }
            if k == key {
                return Some(v);
            }
            s = (s + 1) & mask;
        }
    }

    /// Keeps `token` under `key` unless another token has it.
    fn insert(&mut self, key: u64, token: u32) {
        if self.slots.is_empty() {
            self.slots = vec![(0, Self::EMPTY); 1 << INDEX_BITS];
        }
        let mask = self.slots.len() - 1;
        let mut s = Self::slot(key);
        loop {
            let (k, v) = self.slots[s];
            if v == Self::EMPTY {
                self.slots[s] = (key, token);
                return;
            }
            if k == key {
                return;
            }
            s = (s + 1) & mask;
        }
    }

    fn clear(&mut self) {
        self.slots.fill((0, Self::EMPTY));
    }
}

impl TokenCache {
    /// Token `k` as written.
    #[inline(always)]
    fn raw_of(&self, k: u32) -> &[u8] {
        let r = self.tokens[k as usize].raw;
        &self.raw[r.0 as usize..r.1 as usize]
    }

    fn clear(&mut self) {
        self.index.clear();
        self.tokens.clear();
        self.crossings.clear();
        self.raw.clear();
        self.text.clear();
        self.maps.clear();
        self.words.clear();
        self.quotes.clear();
        self.hits.clear();
        self.cands.clear();
    }
}

impl Engine {
    /// Normalises and scans `orig` token by token: `norm`, `counts` of the original, and the
    /// scratch's layout and hits come out as [`normalize_into`] and [`Engine::scan`] give
    /// them. False when the text must take that whole-text path instead (what was written is
    /// then to be thrown away).
    pub(super) fn analyse_tokens(
        &self,
        orig: &str,
        norm: &mut Normalized,
        counts: &mut TextCounts,
        sc: &mut Scratch,
    ) -> bool {
        let mut tc = std::mem::take(&mut sc.tokens);
        if tc.tokens.len() >= TOKEN_CACHE_MAX || tc.raw.len() >= TOKEN_BYTES_MAX {
            tc.clear();
        }
        let ok = self.read_tokens(orig, norm, counts, &mut tc, sc);
        if ok {
            self.check_deferred(norm.text.as_str(), &mut tc, sc);
        }
        sc.tokens = tc;
        ok
    }

    /// The one pass over the tokens of `orig`: the normalised text, the counts, the layout,
    /// the words' hits, and the phrase automaton's candidates, deferred (in
    /// [`TokenCache::deferred`]) until the whole text is there to check them on.
    #[inline(always)]
    fn read_tokens(
        &self,
        orig: &str,
        norm: &mut Normalized,
        counts: &mut TextCounts,
        tc: &mut TokenCache,
        sc: &mut Scratch,
    ) -> bool {
        let b = orig.as_bytes();
        let n = b.len();
        let mut out = norm.pieces(n);
        sc.layout.reset();
        sc.hits.clear();
        tc.deferred.clear();
        let mut elongated = false;
        // The fingerprint: FNV-1a over the bytes of the normalised words.
        let mut h = fnv::OFFSET;
        let mut cyrillic = 0;
        let across = self.across.as_ref();
        let mut sid = across.map_or(StateID::ZERO, |m| m.start);
        // The token before was one character, and one space follows it.
        let mut single_before = false;
        let mut i = 0;
        while i < n {
            let sep = i;
            while i < n && SEP[b[i] as usize] {
                i += 1;
            }
            if i > sep {
                if let Some(m) = across {
                    self.step_between(m, &b[sep..i], out.len(), &mut sid, tc, sc.hits.len());
                }
                out.push(&orig[sep..i], sep, None);
                single_before &= i - sep == 1 && b[sep] == b' ';
                if i == n {
                    break;
                }
            }
            let start = i;
            let mut key = fnv::OFFSET;
            while i < n {
                let x = b[i];
                if SEP[x as usize] {
                    break;
                }
                key = fnv::step(key, x);
                i += 1;
            }
            let raw = &b[start..i];
            let k = match tc.index.get(key) {
                Some(k) if tc.raw_of(k) == raw => k,
                _ => self.learn(&orig[start..i], key, tc, sc),
            };
            let tok = &tc.tokens[k as usize];
            if tok.spaces || tok.single && single_before {
                return false;
            }
            single_before = tok.single;
            let ns = out.len();
            let base = ns as u32;
            let text = &tc.text[tok.norm.0 as usize..tok.norm.1 as usize];
            let map = tok.map.map(|(s, e)| &tc.maps[s as usize..e as usize]);
            out.push(text, start, map);
            *counts += tok.counts;
            elongated |= tok.elongated;
            let layout = &mut sc.layout;
            let words = &tc.words[tok.words.0 as usize..tok.words.1 as usize];
            for w in words {
                layout.word_starts.push(base + w.start);
                h = fnv::hash(h, &text.as_bytes()[w.start as usize..w.end as usize]);
            }
            if tok.quotes.0 != tok.quotes.1 {
                layout.quotes.extend(
                    tc.quotes[tok.quotes.0 as usize..tok.quotes.1 as usize]
                        .iter()
                        .map(|&x| base + x),
                );
            }
            layout.dots |= tok.dots;
            cyrillic += tok.cyrillic;
            // The automaton's candidates inside the token, and the words' hits where the
            // scan finds them: a word's hits come once the byte after it is read.
            let (mut c, to, kept) = match across {
                Some(m) => {
                    let (exit, from, to, kept) = self.cross(m, k, tc, sid);
                    sid = exit;
                    (from as usize, to as usize, kept)
                }
                None => (0, 0, true),
            };
            let from = c;
            let tok = &tc.tokens[k as usize];
            if c == to {
                if tok.hits.0 != tok.hits.1 {
                    push_hits(
                        &mut sc.hits,
                        &tc.hits[tok.hits.0 as usize..tok.hits.1 as usize],
                        base,
                    );
                }
                continue;
            }
            let mut hit = tok.hits.0 as usize;
            for w in &tc.words[tok.words.0 as usize..tok.words.1 as usize] {
                while c < to && tc.cands[c].1 <= w.end {
                    let (pid, e) = tc.cands[c];
                    tc.deferred.push((pid, ns as u32 + e, sc.hits.len() as u32));
                    c += 1;
                }
                push_hits(&mut sc.hits, &tc.hits[hit..w.hits_end as usize], base);
                hit = w.hits_end as usize;
            }
            while c < to {
                let (pid, e) = tc.cands[c];
                tc.deferred.push((pid, ns as u32 + e, sc.hits.len() as u32));
                c += 1;
            }
            if !kept {
                tc.cands.truncate(from);
            }
        }
        out.finish(elongated);
        sc.layout.finish(h, cyrillic);
        true
    }

    /// Normalises and scans the token `tok` on its own and keeps what it found; returns its
    /// index. A token whose key is taken by another (a 64-bit collision) is kept but not
    /// found again.
    #[cold]
    #[inline(never)]
    fn learn(&self, tok: &str, key: u64, tc: &mut TokenCache, sc: &mut Scratch) -> u32 {
        let mut counts = TextCounts::default();
        let table = char_info_table();
        normalize_into(tok, &mut tc.one, &mut counts, |c| letter_info(table, c));
        let n = tc.one.text.as_str();
        let raw = push_range(&mut tc.raw, tok.as_bytes());
        let norm = (tc.text.len() as u32, (tc.text.len() + n.len()) as u32);
        tc.text.push_str(n);
        let map = tc.one.byte_map().map(|m| push_range(&mut tc.maps, m));
        let mut chars = n.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) => !c.is_ascii() || c.is_ascii_alphanumeric(),
            _ => false,
        };
        // Words, quotation marks and hits: the token scanned alone, without the phrase
        // automaton (its crossings are worked out apart), the text's own layout and hits put
        // aside meanwhile.
        let text_hits = std::mem::replace(&mut sc.hits, std::mem::take(&mut tc.spare));
        let text_layout = std::mem::replace(&mut sc.layout, std::mem::take(&mut tc.one_layout));
        self.scan_with(n, sc, None);
        let words_from = tc.words.len() as u32;
        let hits_from = tc.hits.len() as u32;
        let quotes = push_range(&mut tc.quotes, &sc.layout.quotes);
        // A word's hits all start where it starts, and come in word order.
        let mut hits = sc.hits.iter().peekable();
        for &start in &sc.layout.word_starts {
            while let Some(h) = hits.next_if(|h| h.start == start) {
                tc.hits.push((h.term, h.start, h.end, h.at));
            }
            tc.words.push(Word {
                start,
                end: word_end(n, start as usize) as u32,
                hits_end: tc.hits.len() as u32,
            });
        }
        debug_assert!(hits.next().is_none());
        let (dots, cyrillic) = (sc.layout.dots, sc.layout.cyrillic);
        tc.spare = std::mem::replace(&mut sc.hits, text_hits);
        tc.one_layout = std::mem::replace(&mut sc.layout, text_layout);
        let token = Token {
            raw,
            norm,
            map,
            counts,
            elongated: tc.one.elongated,
            spaces: n.bytes().any(|x| SEP[x as usize]),
            single,
            dots,
            cyrillic,
            words: (words_from, tc.words.len() as u32),
            quotes,
            hits: (hits_from, tc.hits.len() as u32),
        };
        let k = tc.tokens.len() as u32;
        tc.tokens.push(token);
        tc.crossings
            .push(([(StateID::ZERO, StateID::ZERO, 0, 0); CROSSINGS], 0));
        tc.index.insert(key, k);
        k
    }

    /// Checks the deferred candidates of the phrase automaton on the whole text `t`, putting
    /// their hits among the words' hits where the scan would have found them.
    fn check_deferred(&self, t: &str, tc: &mut TokenCache, sc: &mut Scratch) {
        sc.last_word = (0, 0, 0);
        if tc.deferred.is_empty() {
            return;
        }
        let words = std::mem::replace(&mut sc.hits, std::mem::take(&mut tc.spare));
        sc.hits.clear();
        let mut reorder = false;
        let mut done = 0;
        for &(pid, e, at) in &tc.deferred {
            sc.hits.extend_from_slice(&words[done..at as usize]);
            done = at as usize;
            reorder |= self.across_candidate(t, pid as usize, e as usize, sc);
        }
        sc.hits.extend_from_slice(&words[done..]);
        tc.spare = words;
        if reorder {
            sc.hits.sort_by_key(|h| h.at);
        }
    }

    /// Steps the phrase automaton over `bytes`, white space between tokens that starts at
    /// `at` in the normalised text, deferring what it finds (the words' hits so far: `hits`).
    #[inline(always)]
    fn step_between(
        &self,
        m: &Matcher,
        bytes: &[u8],
        at: usize,
        sid: &mut StateID,
        tc: &mut TokenCache,
        hits: usize,
    ) {
        for (k, &y) in bytes.iter().enumerate() {
            *sid = m.dfa.next_state(Anchored::No, *sid, y);
            if m.dfa.is_special(*sid) && m.dfa.is_match(*sid) {
                for x in 0..m.dfa.match_len(*sid) {
                    let pid = m.pids[m.dfa.match_pattern(*sid, x).as_usize()];
                    tc.deferred.push((pid, (at + k + 1) as u32, hits as u32));
                }
            }
        }
    }

    /// How the phrase automaton crosses token `k` entered in state `sid`: the state it leaves
    /// in, and its candidates (a range of [`TokenCache::cands`]). Worked out on the token's
    /// bytes the first time, and kept for up to [`CROSSINGS`] states; false when not kept
    /// (the candidates are then to be dropped once used).
    #[inline(always)]
    fn cross(
        &self,
        m: &Matcher,
        k: u32,
        tc: &mut TokenCache,
        sid: StateID,
    ) -> (StateID, u32, u32, bool) {
        let seen = &tc.crossings[k as usize];
        for &(enter, exit, from, to) in &seen.0[..seen.1 as usize] {
            if enter == sid {
                return (exit, from, to, true);
            }
        }
        let tok = &tc.tokens[k as usize];
        let bytes = &tc.text.as_bytes()[tok.norm.0 as usize..tok.norm.1 as usize];
        let (exit, from, to) = self.cross_first(m, bytes, &mut tc.cands, sid);
        let seen = &mut tc.crossings[k as usize];
        let kept = (seen.1 as usize) < CROSSINGS;
        if kept {
            seen.0[seen.1 as usize] = (sid, exit, from, to);
            seen.1 += 1;
        }
        (exit, from, to, kept)
    }

    /// Steps the phrase automaton over a token's `bytes` from state `enter`, keeping its
    /// candidates in `cands`.
    #[cold]
    #[inline(never)]
    fn cross_first(
        &self,
        m: &Matcher,
        bytes: &[u8],
        cands: &mut Vec<(u32, u32)>,
        enter: StateID,
    ) -> (StateID, u32, u32) {
        let from = cands.len() as u32;
        let mut sid = enter;
        for (j, &y) in bytes.iter().enumerate() {
            sid = m.dfa.next_state(Anchored::No, sid, y);
            if !(m.dfa.is_special(sid) && m.dfa.is_match(sid)) {
                continue;
            }
            let e = j + 1;
            for x in 0..m.dfa.match_len(sid) {
                let pid = m.pids[m.dfa.match_pattern(sid, x).as_usize()];
                // Candidates inside a word are dropped here once, as `across_hits` would.
                let plen = self.pat_len[pid as usize] as usize;
                if self.pat_info[pid as usize] & PAT_RAW == 0
                    && e > plen
                    && bytes[e - plen - 1] < 0x80
                    && ASCII_WORD[bytes[e - plen - 1] as usize]
                {
                    continue;
                }
                cands.push((pid, e as u32));
            }
        }
        (sid, from, cands.len() as u32)
    }
}

/// Appends a token's cached word hits to `hits`, moved to the token's place `base`.
#[inline(always)]
fn push_hits(hits: &mut Vec<Hit>, cached: &[(u32, u32, u32, u32)], base: u32) {
    hits.extend(cached.iter().map(|&(term, s, e, a)| Hit {
        term,
        start: base + s,
        end: base + e,
        at: base + a,
    }));
}

/// Appends `xs` to `arena` and returns their range.
fn push_range<T: Copy>(arena: &mut Vec<T>, xs: &[T]) -> (u32, u32) {
    let from = arena.len() as u32;
    arena.extend_from_slice(xs);
    (from, arena.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::super::Engine;
    use super::*;
    use crate::classify::Classifier;

    fn engine() -> &'static Engine {
        &Classifier::shared().engine
    }

    /// Everything both paths produce for `text`: the normalised text, counts, layout, hits,
    /// and the analysis built on them.
    fn read(text: &str, by_tokens: bool) -> String {
        let e = engine();
        let mut sc = Scratch::default();
        // Twice on the same cache: the first reading learns the tokens, the second looks
        // them up.
        let mut out = String::new();
        for _ in 0..2 {
            let mut norm = Normalized::default();
            let counts = e.read(text, &mut norm, &mut sc, by_tokens);
            let spans: Vec<_> = (0..=norm.text.len())
                .filter(|&i| norm.text.is_char_boundary(i))
                .map(|i| norm.orig_span(text, 0, i))
                .collect();
            let l = &sc.layout;
            out += &format!(
                "{:?}\n{:?} {}\n{:?}\n{:?} {:?} {} {} {}\n{:?}\n",
                norm.text,
                counts,
                norm.elongated,
                spans,
                l.word_starts,
                l.quotes,
                l.fingerprint,
                l.cyrillic,
                l.dots,
                sc.hits
                    .iter()
                    .map(|h| (h.term, h.start, h.end, h.at))
                    .collect::<Vec<_>>()
            );
            let found = e.analyse_read(text, None, norm, counts, &mut sc);
            out += &format!(
                "{found:?}\n{:?}\n{:?}\n",
                sc.rule_bufs.fired, sc.rule_bufs.spans
            );
        }
        out
    }

    /// Pieces of comments that stress what the normaliser and the scan do across tokens.
    const PIECES: &[&str] = &[
        "still",
        "waiting",
        "for",
        "my",
        "refund",
        "STILL",
        "Waiting",
        "idiot",
        "id10t",
        "sh!t",
        "f*ck",
        "sooooo",
        "!!!!",
        "???",
        "cyкa",
        "сука",
        "e6лан",
        "дебил",
        "тупой",
        "верните",
        "деньги",
        "imbécil",
        "canción",
        "está",
        "IDIOOOTA",
        "kapot",
        "geld",
        "terug",
        "a",
        "b",
        "c",
        "d",
        "I",
        "y",
        "и",
        "в",
        "x",
        "5",
        "😂",
        "👍",
        "\"",
        "\"quoted\"",
        "http://t.co/x",
        "check",
        "channel",
        "buy",
        "followers",
        "@brand",
        "#tag",
        "don't",
        "l'app",
        "\u{00A0}",
        "\u{200B}",
        "\u{FE0F}",
        "ﬁne",
        "Ａ",
        "cafe\u{301}",
        "u.s.a.",
        "1.5",
        "€10",
        "ß",
        "İ",
        "ﷺ",
        "\u{0}",
        "-",
        ",",
        ".",
        ":",
    ];
    const SEPS: &[&str] = &[" ", " ", " ", "  ", "\n", "\t", "\r\n", ""];

    fn text_of(parts: &[(usize, usize)]) -> String {
        let mut t = String::new();
        for &(p, s) in parts {
            t.push_str(PIECES[p % PIECES.len()]);
            t.push_str(SEPS[s % SEPS.len()]);
        }
        t
    }

    #[test]
    fn tokens_read_as_the_whole_text_does() {
        for t in [
            "Still waiting for my refund, idiots!!!",
            "u i t s c h o t",
            "you are a b c d",
            "eres un IDIOOOTA y un imbécil",
            "ты cyкa тупой",
            "  leading and trailing  ",
            "",
            " ",
            "a\u{00A0}b c d",
            "check out my channel http://t.co/x 😂😂",
        ] {
            assert_eq!(read(t, true), read(t, false), "{t:?}");
        }
    }

    #[test]
    fn a_cache_started_afresh_reads_as_before() {
        let e = engine();
        let mut sc = Scratch::default();
        let text = "Still waiting for my refund, idiots!!! 😂 \"quoted\" cyкa";
        let mut whole = Normalized::default();
        e.read(text, &mut whole, &mut sc, false);
        let hits = |sc: &Scratch| {
            sc.hits
                .iter()
                .map(|h| (h.term, h.start, h.end, h.at))
                .collect::<Vec<_>>()
        };
        let expected = hits(&sc);
        let mut norm = Normalized::default();
        e.read(text, &mut norm, &mut sc, true);
        assert!(!sc.tokens.tokens.is_empty());
        sc.tokens.clear();
        assert!(
            sc.tokens
                .index
                .get(fnv::hash(fnv::OFFSET, b"waiting"))
                .is_none()
        );
        e.read("waiting idiots", &mut norm, &mut sc, true);
        e.read(text, &mut norm, &mut sc, true);
        assert_eq!(norm.text, whole.text);
        assert_eq!(hits(&sc), expected);
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_the_same_by_tokens(
            parts in proptest::collection::vec((0usize..200, 0usize..16), 0..40)
        ) {
            let t = text_of(&parts);
            proptest::prop_assert_eq!(read(&t, true), read(&t, false), "{:?}", t);
        }

        /// Runs of one-character tokens, where a spelled-out word may start.
        #[test]
        fn single_letters_read_the_same_by_tokens(
            parts in proptest::collection::vec((0usize..12, 0usize..4), 0..24)
        ) {
            const LETTERS: &[&str] = &["a", "b", "I", "и", "в", "5", "(s", "t.", "😂", "ab", "é", "x"];
            let mut t = String::new();
            for &(p, s) in &parts {
                t.push_str(LETTERS[p]);
                t.push_str([" ", " ", " ", "  "][s]);
            }
            proptest::prop_assert_eq!(read(&t, true), read(&t, false), "{:?}", t);
        }

        #[test]
        fn any_string_reads_the_same_by_tokens(t in "\\PC{0,80}") {
            proptest::prop_assert_eq!(read(&t, true), read(&t, false), "{:?}", t);
        }
    }
}

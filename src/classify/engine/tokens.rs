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
//!
//! The loop over a text's tokens is the classifier's hottest: it reads the text eight bytes at
//! a time from a zero-padded copy, keys a token of up to 16 bytes by its bytes themselves (no
//! hash chain over the bytes, no compare call), and appends a short normalised token as one
//! 16-byte copy.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};

use super::{
    ASCII_WORD, Engine, Hit, Layout, Matcher, PAT_RAW, Prehashed, Scratch, char_info_table,
    letter_info, word_end,
};
use crate::classify::normalize::{Normalized, Short, TextCounts, normalize_into};
use crate::fnv;

/// Tokens, and bytes kept for them (every arena, [`TokenCache::bytes`]), before the cache
/// starts afresh, bounding its memory: about 30,000 tokens of real comments (278 bytes each
/// on the labelled sets), as many as the bound held when it counted less.
const TOKEN_CACHE_MAX: usize = 50_000;
const TOKEN_BYTES_MAX: usize = 8 << 20;

/// Slots of the token table to begin with (a power of two): 256 KB, room for 2,048 tokens.
/// The table doubles whenever it is half full, so a look-up nearly always finds its token
/// in the first slot it reads.
const TABLE_BITS: u32 = 12;

/// Automaton states a token remembers having been entered in besides its own
/// ([`Token::enter`]), in its [`Seen`].
const CROSSINGS: usize = 3;

/// Zero bytes after a text's copy, so that eight bytes can be read from anywhere in it, and
/// a run of it copied in blocks of a [`Short`] (`Pieces::push_padded`).
const PAD: usize = 16;
const _: () = assert!(PAD >= Short::MAX);

/// The separators between tokens, ASCII white space.
const SEP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// What a token is known by: its bytes themselves when it has at most 16 (`lo` the first
/// eight, little-endian, `hi` the next), else a hash of them (`hi` zero), and its length.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Key {
    lo: u64,
    hi: u64,
    len: u32,
}

/// Bytes of a token that its [`Key`] holds in full.
const KEY_BYTES: usize = 16;

impl Key {
    /// The key of the token of `len` bytes at `at` in `p`, a text followed by [`PAD`] zeros.
    #[inline(always)]
    fn of(p: &[u8], at: usize, len: usize) -> Key {
        if len > KEY_BYTES {
            return Key::long(&p[at..at + len]);
        }
        let lo = first(load8(p, at), len);
        let hi = if len > 8 {
            first(load8(p, at + 8), len - 8)
        } else {
            0
        };
        Key {
            lo,
            hi,
            len: len as u32,
        }
    }

    #[cold]
    fn long(raw: &[u8]) -> Key {
        let lo = raw.chunks(8).fold(0u64, |h, c| {
            let mut w = [0; 8];
            w[..c.len()].copy_from_slice(c);
            (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95)
        });
        Key {
            lo,
            hi: 0,
            len: raw.len() as u32,
        }
    }

    /// The key's slot in a table of `1 << bits` slots (`bits` at least 1).
    #[inline(always)]
    fn slot(&self, bits: u32) -> usize {
        let h = self.lo ^ self.hi.rotate_left(29) ^ u64::from(self.len) << 56;
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }
}

/// Eight bytes of `p` from `at`, the first in the lowest byte.
#[inline(always)]
fn load8(p: &[u8], at: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&p[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The first `len` (at most eight) bytes of `w`, the others zero.
#[inline(always)]
fn first(w: u64, len: usize) -> u64 {
    if len >= 8 {
        w
    } else {
        w & ((1 << (8 * len)) - 1)
    }
}

/// The high bit of each byte of `w` below 0x21 (white space and control characters), exact up
/// to the first such byte, which is all it is read for.
#[inline(always)]
fn low_bytes(w: u64) -> u64 {
    w.wrapping_sub(0x2121_2121_2121_2121) & !w & 0x8080_8080_8080_8080
}

/// End of the token that starts at `at` in `p`: the text's `n` bytes and [`PAD`] zeros.
#[inline(always)]
fn token_end(p: &[u8], n: usize, at: usize) -> usize {
    let mut j = at;
    loop {
        let m = low_bytes(load8(p, j));
        if m == 0 {
            j += 8;
            continue;
        }
        j += (m.trailing_zeros() / 8) as usize;
        // A control character that is not white space belongs to the token.
        if j >= n || SEP[p[j] as usize] {
            return j;
        }
        j += 1;
    }
}

/// Flags of a [`Token`].
const ELONGATED: u16 = 1;
/// Normalises to something with white space in it: the whole-text path must take the text.
const SPACES: u16 = 2;
/// Normalises to one letter or digit: two of them a space apart may start a spelled-out word.
const SINGLE: u16 = 4;
/// A '.' or ':' is in it.
const DOTS: u16 = 8;
/// Normalises to itself, byte for byte: the text is copied as written across it.
const SAME: u16 = 16;
/// It has Cyrillic letters ([`Token::cyrillic`]).
const CYRILLIC: u16 = 32;
/// It has quotation marks ([`Rest::quotes`]).
const QUOTED: u16 = 64;
/// It is one word, starting where the token starts: its word start needs no look at
/// [`TokenCache::words`] (most tokens).
const ONE_WORD: u16 = 128;
/// Its counts do not fit 16 bits ([`ShortCounts`]): they, and its Cyrillic letters, are in
/// its [`Rest`].
const LONG: u16 = 256;
/// It has one word hit, starting where it starts (most tokens with a hit): the hit is in its
/// own line ([`Token::hits`]), not read from [`TokenCache::hits`].
const ONE_HIT: u16 = 512;
/// Its word hits are read from [`TokenCache::hits`]: more than one, or one that its own line
/// cannot hold. A token with neither this nor [`ONE_HIT`] has none.
const HITS_APART: u16 = 1024;

/// What every pass reads of one distinct token, a slot of [`TokenCache::table`], one cache
/// line: its key (`lo`, `hi`, `len`, as in [`Key`]), hits, first crossing, counts and flags.
/// What is read for the few tokens whose flags say so (see [`SAME`], [`CYRILLIC`],
/// [`QUOTED`], [`ONE_WORD`], [`LONG`]), or for tokens with phrase candidates, or once a token
/// is learnt, is in its [`Rest`], at `id`. Ranges index the cache's arenas.
#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct Token {
    lo: u64,
    hi: u64,
    /// Its length in bytes; 0 marks a free slot (a token has at least one byte).
    len: u32,
    /// Its place in [`TokenCache::rest`] and [`TokenCache::crossings`], in the order the
    /// tokens were learnt: it stays when the table grows, where its slot moves.
    id: u32,
    /// Its words' hits, in [`TokenCache::hits`], for a [`HITS_APART`] token; for a
    /// [`ONE_HIT`] token, that hit itself: its term, and its end and match end (16 bits each,
    /// the match end high) from the token's start; zeros for a token without hits.
    hits: (u32, u32),
    /// The first crossing of the phrase automaton kept for it, entered in state `enter`
    /// ([`UNSEEN`] before there is one): most tokens of a text are entered in the state
    /// their first crossing was, and this one is read without another cache line (the
    /// others are in [`TokenCache::crossings`]). Its candidates are the `cands_n` from
    /// `cands_from`; `then_space` as in [`Crossing`].
    enter: StateID,
    exit: StateID,
    cands_from: u32,
    then_space: StateID,
    /// The counts of the original, when not [`LONG`] (else in its [`Rest`]).
    counts: ShortCounts,
    /// Its Cyrillic letters, when not [`LONG`] (else in its [`Rest`]).
    cyrillic: u16,
    cands_n: u16,
    flags: u16,
}

// A token is one cache line.
const _: () = assert!(std::mem::size_of::<Token>() == 64);

impl Token {
    /// The token has `key`, as far as keys tell (a hashed key's raw bytes are compared
    /// apart).
    #[inline(always)]
    fn has(&self, key: &Key) -> bool {
        self.lo == key.lo && self.hi == key.hi && self.len == key.len
    }

    fn key(&self) -> Key {
        Key {
            lo: self.lo,
            hi: self.hi,
            len: self.len,
        }
    }

    /// Its Cyrillic letters (lead bytes of the word characters U+0400..U+047F).
    #[inline(always)]
    fn cyrillic(&self, rest: &[Rest]) -> u32 {
        if self.flags & LONG != 0 {
            rest[self.id as usize].cyrillic
        } else {
            u32::from(self.cyrillic)
        }
    }

    /// Adds the counts of the original in it to `counts`.
    #[inline(always)]
    fn add_counts(&self, rest: &[Rest], counts: &mut TextCounts) {
        if self.flags & LONG != 0 {
            *counts += rest[self.id as usize].counts;
        } else {
            let c = &self.counts;
            counts.letters += u32::from(c.letters);
            counts.upper += u32::from(c.upper);
            counts.exclaims += u32::from(c.exclaims);
            counts.questions += u32::from(c.questions);
            counts.mentions += u32::from(c.mentions);
        }
    }

    /// Appends its words' hits (`arena` being [`TokenCache::hits`]) to `out`, moved to its
    /// place `base`.
    #[inline(always)]
    fn push_hits(&self, arena: &[(u32, u32, u32, u32)], out: &mut Vec<Hit>, base: u32) {
        let (a, b) = self.hits;
        if self.flags & HITS_APART != 0 {
            push_hits(out, &arena[a as usize..b as usize], base);
            return;
        }
        // One hit or none, told apart without a branch (which of the two a token is varies
        // from token to token): the hit is written either way, and kept for a ONE_HIT token.
        out.push(Hit {
            term: a,
            start: base,
            end: base + (b & 0xFFFF),
            at: base + (b >> 16),
        });
        let n = out.len() - usize::from(self.flags & ONE_HIT == 0);
        out.truncate(n);
    }

    /// Its first crossing, when it was entered in `sid`.
    #[inline(always)]
    fn crossing(&self, sid: StateID) -> Option<Crossing> {
        (self.enter == sid).then_some(Crossing {
            exit: self.exit,
            cands: (self.cands_from, self.cands_from + u32::from(self.cands_n)),
            then_space: self.then_space,
        })
    }
}

/// [`TextCounts`] of a token that is not [`LONG`]: none is more than its bytes.
#[derive(Clone, Copy, Default)]
struct ShortCounts {
    letters: u16,
    upper: u16,
    exclaims: u16,
    questions: u16,
    mentions: u16,
}

impl ShortCounts {
    /// `c` in 16 bits each, if they fit.
    fn of(c: &TextCounts) -> Option<ShortCounts> {
        Some(ShortCounts {
            letters: c.letters.try_into().ok()?,
            upper: c.upper.try_into().ok()?,
            exclaims: c.exclaims.try_into().ok()?,
            questions: c.questions.try_into().ok()?,
            mentions: c.mentions.try_into().ok()?,
        })
    }
}

/// What is known of a token besides its [`Token`].
#[derive(Clone, Copy)]
struct Rest {
    /// Its Cyrillic letters and the counts of the original, read for a [`LONG`] token.
    cyrillic: u32,
    counts: TextCounts,
    /// Its words, in [`TokenCache::words`]: read for a token of more than one word, or
    /// with candidates of the phrase automaton.
    words: (u32, u32),
    /// Its words' hits, in [`TokenCache::hits`], whatever its [`Token::hits`] holds: read
    /// with its words for a token with candidates, whose hits go between theirs.
    hits: (u32, u32),
    /// Its normalised form, when it is short; else in [`TokenCache::text`] at `norm`.
    short: Option<Short>,
    norm: (u32, u32),
    /// Its map to the original, in [`TokenCache::maps`], when its layout differs.
    map: Option<(u32, u32)>,
    /// Its quotation marks, in [`TokenCache::quotes`].
    quotes: (u32, u32),
    /// The token as written, in [`TokenCache::raw`], when its key is a hash.
    raw: (u32, u32),
}

/// One word of a token: where it starts and ends, and where its hits end in
/// [`TokenCache::hits`] (they start where the previous word's end).
#[derive(Clone, Copy)]
struct Word {
    start: u32,
    end: u32,
    hits_end: u32,
}

/// The crossings of a token seen after its own ([`Token::enter`]): the first `n` of `seen`,
/// entered in the states `enter` (the others [`UNSEEN`]). One cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Seen {
    n: u8,
    enter: [StateID; CROSSINGS],
    seen: [Crossing; CROSSINGS],
}

/// The state of a crossing not seen yet: no automaton has this many states.
const UNSEEN: StateID = StateID::MAX;

impl Seen {
    const NONE: Seen = Seen {
        n: 0,
        enter: [UNSEEN; CROSSINGS],
        seen: [Crossing::NONE; CROSSINGS],
    };

    /// The crossing entered in `sid`, if seen. Compares every state entered in, without a
    /// branch per crossing: which one it is varies from token to token, and a mispredicted
    /// branch costs more than the compares.
    #[inline(always)]
    fn find(&self, sid: StateID) -> Option<&Crossing> {
        let same = (self.enter.iter().enumerate())
            .fold(0u32, |same, (i, &e)| same | u32::from(e == sid) << i);
        self.seen.get(same.trailing_zeros() as usize)
    }
}

const _: () = assert!(std::mem::size_of::<Seen>() == 64);

/// How the phrase automaton crossed a token from one state (its [`Seen::enter`]).
#[derive(Clone, Copy)]
struct Crossing {
    /// The state it left in.
    exit: StateID,
    /// The candidate matches on the way, a range of [`TokenCache::cands`].
    cands: (u32, u32),
    /// The state after one more space, the usual way to the next token, when that space
    /// ends no match; else [`UNSEEN`] (an `Option` would take twice the room).
    then_space: StateID,
}

impl Crossing {
    const NONE: Crossing = Crossing {
        exit: StateID::ZERO,
        cands: (0, 0),
        then_space: UNSEEN,
    };
}

/// One token of the current text: the cached token in slot `k` of the table, where it starts
/// and ends in the original, and where its normalised form starts (`at`).
#[derive(Clone, Copy)]
struct Placed {
    k: u32,
    start: u32,
    end: u32,
    at: u32,
}

/// The per-thread cache of tokens (see the module's doc).
#[derive(Default)]
pub(super) struct TokenCache {
    /// The tokens, each in the slot its [`Key::slot`] gives or the first free one after
    /// (open addressing): a look-up reads one cache line, where a separate index read two
    /// in a row. A power of two of slots, at most half of them taken; empty until the first
    /// text.
    table: Vec<Token>,
    /// Per token, by its id: the rest of what is known of it, and the crossings seen.
    rest: Vec<Rest>,
    crossings: Vec<Seen>,
    /// The crossings of tokens entered in more states than their [`Seen`] keeps, by token
    /// id and state ([`more_key`]): a look-up costs less than stepping the automaton again.
    more: HashMap<u64, Crossing, BuildHasherDefault<Prehashed>>,
    /// The tokens longer than [`KEY_BYTES`], as written.
    raw: Vec<u8>,
    /// The normalised forms too long for a [`Short`].
    text: String,
    maps: Vec<u32>,
    words: Vec<Word>,
    quotes: Vec<u32>,
    /// Hits of the tokens' words: term, start, end and match end, from the token's start.
    hits: Vec<(u32, u32, u32, u32)>,
    /// Candidate matches of the phrase automaton: pattern, and where it ended in the token.
    cands: Vec<(u32, u32)>,
    /// The current text and [`PAD`] zeros.
    padded: Vec<u8>,
    /// The current text's tokens.
    seq: Vec<Placed>,
    /// A spare hits buffer: the text's hits wait in it while a token is learnt.
    spare: Vec<Hit>,
    /// A token being learnt, normalised and laid out on its own.
    one: Normalized,
    one_layout: Layout,
}

impl TokenCache {
    /// Looks the tokens of `p` (a text of `n` bytes and [`PAD`] zeros) up from `*i` on,
    /// into `seq`, until one is not in the cache: that one's span and key are returned,
    /// `*i` left past it. The table must be allocated.
    ///
    /// One read of a slot and one compare of a key in the common case, where the standard
    /// `HashMap` measured 0.65k–0.8k instructions per comment more; the table and `seq`
    /// stay in registers because nothing else happens in the loop.
    #[inline(always)]
    fn look_up(
        &self,
        p: &[u8],
        n: usize,
        i: &mut usize,
        seq: &mut Vec<Placed>,
    ) -> Option<(usize, usize, Key)> {
        let (table, bits) = (&self.table[..], self.bits());
        let mut j = *i;
        while j < n {
            if SEP[p[j] as usize] {
                j += 1;
                // The padding stops this: zero is no separator.
                while SEP[p[j] as usize] {
                    j += 1;
                }
                if j >= n {
                    break;
                }
            }
            let start = j;
            j = token_end(p, n, start);
            let key = Key::of(p, start, j - start);
            let slot = key.slot(bits);
            let k = if table[slot].has(&key) && key.len as usize <= KEY_BYTES {
                slot
            } else if let Some(k) = self.probe(key, p, start, slot) {
                k
            } else {
                *i = j;
                return Some((start, j, key));
            };
            seq.push(Placed {
                k: k as u32,
                start: start as u32,
                end: j as u32,
                at: 0,
            });
        }
        *i = j;
        None
    }

    /// The slot of the token with `key`, at `at` in `p`, looked for from `slot` on.
    #[inline(never)]
    fn probe(&self, key: Key, p: &[u8], at: usize, mut slot: usize) -> Option<usize> {
        let mask = self.table.len() - 1;
        loop {
            let t = &self.table[slot];
            if t.len == 0 {
                return None;
            }
            if t.has(&key)
                && (key.len as usize <= KEY_BYTES || {
                    let (from, to) = self.rest[t.id as usize].raw;
                    self.raw[from as usize..to as usize] == p[at..at + key.len as usize]
                })
            {
                return Some(slot);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The slot of the token with `key`, at `at` in `p`.
    #[cfg(test)]
    fn find(&self, key: &Key, p: &[u8], at: usize) -> Option<usize> {
        if self.table.is_empty() {
            return None;
        }
        self.probe(*key, p, at, key.slot(self.bits()))
    }

    /// The table's slots are `1 << bits`.
    fn bits(&self) -> u32 {
        self.table.len().trailing_zeros()
    }

    /// Puts `t` in the first free slot from its key's and returns that slot. There must be
    /// one (see [`TokenCache::make_room`]).
    fn insert(&mut self, t: Token) -> usize {
        let mask = self.table.len() - 1;
        let mut s = t.key().slot(self.bits());
        while self.table[s].len != 0 {
            s = (s + 1) & mask;
        }
        self.table[s] = t;
        s
    }

    /// Makes room for one more token: allocates the table the first time, and doubles it
    /// when it is half full, moving the tokens of `seq`, the current text's so far, to
    /// their new slots.
    fn make_room(&mut self, seq: &mut [Placed]) {
        if self.table.is_empty() {
            self.table = vec![Token::default(); 1 << TABLE_BITS];
        }
        if 2 * (self.rest.len() + 1) <= self.table.len() {
            return;
        }
        let doubled = vec![Token::default(); 2 * self.table.len()];
        let old = std::mem::replace(&mut self.table, doubled);
        // Where each token went, by id.
        let mut moved = vec![0; self.rest.len()];
        for t in old.iter().filter(|t| t.len != 0) {
            moved[t.id as usize] = self.insert(*t) as u32;
        }
        for pl in seq {
            pl.k = moved[old[pl.k as usize].id as usize];
        }
    }

    /// Forgets every token; the table goes back to its first size.
    fn clear(&mut self) {
        self.table = Vec::new();
        self.rest.clear();
        self.crossings.clear();
        self.more.clear();
        self.raw.clear();
        self.text.clear();
        self.maps.clear();
        self.words.clear();
        self.quotes.clear();
        self.hits.clear();
        self.cands.clear();
    }

    /// Bytes kept for the tokens in every arena, for the cache's bound: a [`Token`] for
    /// each, not the table's free slots (nor the current text's buffers).
    fn bytes(&self) -> usize {
        fn size<T>(v: &[T]) -> usize {
            std::mem::size_of_val(v)
        }
        self.rest.len() * std::mem::size_of::<Token>()
            + size(&self.rest)
            + size(&self.crossings)
            + self.more.len() * std::mem::size_of::<(u64, Crossing)>()
            + size(&self.raw)
            + self.text.len()
            + size(&self.maps)
            + size(&self.words)
            + size(&self.quotes)
            + size(&self.hits)
            + size(&self.cands)
    }
}

impl Engine {
    /// Normalises and scans `orig` token by token: `norm`, `counts` of the original, and the
    /// scratch's layout and hits come out as [`normalize_into`] and [`Engine::scan`] give
    /// them, the layout's fingerprint only when `fingerprint` (else 0). False when the text
    /// must take that whole-text path instead (what was written is then to be thrown away).
    ///
    /// Three short passes rather than one long one, each with few enough values live to keep
    /// them in registers: the tokens are found, then the normalised text is put together
    /// with the counts and layout (both read the token's line and where it lands; apart,
    /// they measured 2-3 % slower by the clock for 0.05k fewer instructions), then the hits.
    pub(super) fn analyse_tokens(
        &self,
        orig: &str,
        norm: &mut Normalized,
        counts: &mut TextCounts,
        sc: &mut Scratch,
        fingerprint: bool,
    ) -> bool {
        let mut tc = sc.tokens.take().unwrap_or_default();
        if tc.rest.len() >= TOKEN_CACHE_MAX || tc.bytes() >= TOKEN_BYTES_MAX {
            tc.clear();
        }
        let mut padded = std::mem::take(&mut tc.padded);
        padded.clear();
        padded.extend_from_slice(orig.as_bytes());
        padded.extend_from_slice(&[0; PAD]);
        let mut seq = std::mem::take(&mut tc.seq);
        self.find_tokens(orig, &padded, &mut seq, &mut tc, sc);
        let ok = join_text(&tc, &mut seq, &padded, orig, norm, counts, &mut sc.layout);
        if ok {
            tc.finish_layout(&seq, norm, &mut sc.layout, fingerprint);
            self.find_hits(&mut tc, &seq, &padded, orig.len(), norm.text.as_str(), sc);
        }
        tc.padded = padded;
        tc.seq = seq;
        sc.tokens = Some(tc);
        ok
    }

    /// The tokens of `orig` (`p`, its padded copy), into `seq`, each found in the cache or
    /// learnt.
    #[inline(never)]
    fn find_tokens(
        &self,
        orig: &str,
        p: &[u8],
        seq: &mut Vec<Placed>,
        tc: &mut TokenCache,
        sc: &mut Scratch,
    ) {
        seq.clear();
        if tc.table.is_empty() {
            tc.make_room(seq);
        }
        let mut i = 0;
        while let Some((start, end, key)) = tc.look_up(p, orig.len(), &mut i, seq) {
            tc.make_room(seq);
            let k = self.learn(&orig[start..end], key, tc, sc);
            seq.push(Placed {
                k: k as u32,
                start: start as u32,
                end: end as u32,
                at: 0,
            });
        }
    }
}

/// Puts the normalised text together from the tokens in `seq` and the white space between
/// them (copied as written), setting where each token's normalised form starts, and adds up
/// the `counts` of the original and the `layout` (but its fingerprint, see
/// [`TokenCache::finish_layout`]). False when the text must take the whole-text path (a
/// token normalises to white space, or two one-character tokens stand a space apart).
///
/// Most tokens normalise to themselves ([`SAME`]): a run of them and the white space between
/// is copied in one piece, from the original, when a token that changes (or the end) comes.
#[inline(never)]
fn join_text(
    tc: &TokenCache,
    seq: &mut [Placed],
    p: &[u8],
    orig: &str,
    norm: &mut Normalized,
    counts: &mut TextCounts,
    layout: &mut Layout,
) -> bool {
    let mut out = norm.pieces(orig.len());
    layout.reset();
    let mut cyrillic = 0;
    let mut dots = false;
    // The token before was one character, and one space follows it.
    let mut single_before = false;
    let mut elongated = false;
    let mut prev = 0;
    // The original from `run` on is still to be copied; it goes where `out` ends.
    let mut run = 0;
    let mut run_at = 0;
    for pl in seq.iter_mut() {
        let (start, end) = (pl.start as usize, pl.end as usize);
        // White space is copied as written; one space after a one-character token may
        // start a spelled-out word.
        single_before &= start == prev + 1 && p[prev] == b' ';
        prev = end;
        let tok = &tc.table[pl.k as usize];
        let flags = tok.flags;
        if flags & SPACES != 0 || flags & SINGLE != 0 && single_before {
            return false;
        }
        single_before = flags & SINGLE != 0;
        elongated |= flags & ELONGATED != 0;
        let at = if flags & SAME != 0 {
            (run_at + (start - run)) as u32
        } else {
            if start > run {
                out.push_padded(p, run, start);
            }
            let at = out.len() as u32;
            let rest = &tc.rest[tok.id as usize];
            let map = rest.map.map(|(s, e)| &tc.maps[s as usize..e as usize]);
            match &rest.short {
                Some(s) => out.push_short(s, start, map),
                None => out.push(
                    &tc.text[rest.norm.0 as usize..rest.norm.1 as usize],
                    start,
                    map,
                ),
            }
            run = end;
            run_at = out.len();
            at
        };
        pl.at = at;
        // The counts and layout, while the token's line is at hand.
        tok.add_counts(&tc.rest, counts);
        if flags & CYRILLIC != 0 {
            cyrillic += tok.cyrillic(&tc.rest);
        }
        dots |= flags & DOTS != 0;
        // Most tokens are one word from their start: a push, without a look at the words
        // (another cache line) or `extend`'s set-up (0.3k a comment).
        if flags & ONE_WORD != 0 {
            layout.word_starts.push(at);
        } else {
            let (from, to) = tc.rest[tok.id as usize].words;
            let words = &tc.words[from as usize..to as usize];
            layout
                .word_starts
                .extend(words.iter().map(|w| at + w.start));
        }
        if flags & QUOTED != 0 {
            let (from, to) = tc.rest[tok.id as usize].quotes;
            layout.quotes.extend(
                tc.quotes[from as usize..to as usize]
                    .iter()
                    .map(|&x| at + x),
            );
        }
    }
    if run < orig.len() {
        out.push_padded(p, run, orig.len());
    }
    out.finish(elongated);
    layout.dots = dots;
    layout.cyrillic = cyrillic;
    true
}

impl TokenCache {
    /// Ends the layout [`join_text`] put together for the normalised text `norm` of the
    /// tokens in `seq`: the fingerprint only when `fingerprint` (else 0).
    #[inline(never)]
    fn finish_layout(
        &self,
        seq: &[Placed],
        norm: &Normalized,
        layout: &mut Layout,
        fingerprint: bool,
    ) {
        // The fingerprint: FNV-1a over the bytes of the normalised words.
        let mut h = 0;
        if fingerprint {
            h = fnv::OFFSET;
            let text = norm.text.as_bytes();
            for pl in seq {
                let (from, to) = self.rest[self.table[pl.k as usize].id as usize].words;
                for w in &self.words[from as usize..to as usize] {
                    h = fnv::hash(
                        h,
                        &text[(pl.at + w.start) as usize..(pl.at + w.end) as usize],
                    );
                }
            }
        }
        layout.set_fingerprint(h);
    }
}

impl Engine {
    /// The hits of the tokens in `seq`, into the scratch's hits, in the order the whole-text
    /// scan finds them: the words' hits, and the phrase automaton's candidates checked on the
    /// normalised `text` where they end. `p` is the padded text of `n` bytes.
    #[inline(never)]
    fn find_hits(
        &self,
        tc: &mut TokenCache,
        seq: &[Placed],
        p: &[u8],
        n: usize,
        text: &str,
        sc: &mut Scratch,
    ) {
        sc.hits.clear();
        sc.last_word = (0, 0, 0);
        let Some(m) = self.across.as_ref() else {
            for pl in seq {
                tc.table[pl.k as usize].push_hits(&tc.hits, &mut sc.hits, pl.at);
            }
            return;
        };
        let mut sid = m.start;
        let mut prev = 0;
        // The state after one space past the token before, when known ([`UNSEEN`] if not).
        let mut then_space = UNSEEN;
        // A phrase's hit may need putting back in order.
        let mut reorder = false;
        for pl in seq {
            let (start, base) = (pl.start as usize, pl.at);
            if start > prev {
                if then_space != UNSEEN && start == prev + 1 && p[prev] == b' ' {
                    sid = then_space;
                } else {
                    // White space is copied as written: it ends where the token starts.
                    let at = base as usize - (start - prev);
                    reorder |= self.step_between(m, &p[prev..start], at, &mut sid, text, sc);
                }
            }
            prev = pl.end as usize;
            // The automaton's candidates inside the token, and the words' hits where the
            // scan finds them: a word's hits come once the byte after it is read.
            let Crossing {
                exit,
                cands: (from, to),
                then_space: next,
            } = self.cross(m, pl.k as usize, tc, sid);
            sid = exit;
            then_space = next;
            let tok = &tc.table[pl.k as usize];
            if from == to {
                tok.push_hits(&tc.hits, &mut sc.hits, base);
                continue;
            }
            let (from, to) = (from as usize, to as usize);
            let mut c = from;
            let Rest { words, hits, .. } = tc.rest[tok.id as usize];
            let mut hit = hits.0 as usize;
            for w in &tc.words[words.0 as usize..words.1 as usize] {
                while c < to && tc.cands[c].1 <= w.end {
                    let (pid, e) = tc.cands[c];
                    reorder |= self.across_candidate(text, pid as usize, (base + e) as usize, sc);
                    c += 1;
                }
                push_hits(&mut sc.hits, &tc.hits[hit..w.hits_end as usize], base);
                hit = w.hits_end as usize;
            }
            while c < to {
                let (pid, e) = tc.cands[c];
                reorder |= self.across_candidate(text, pid as usize, (base + e) as usize, sc);
                c += 1;
            }
        }
        if prev < n {
            // The white space at the end is copied as written: it ends the text.
            let at = text.len() - (n - prev);
            reorder |= self.step_between(m, &p[prev..n], at, &mut sid, text, sc);
        }
        if reorder {
            sc.hits.sort_by_key(|h| h.at);
        }
    }

    /// Normalises and scans the token `tok` on its own and keeps what it found under `key`;
    /// returns its slot. The table must have room for it ([`TokenCache::make_room`]).
    #[cold]
    #[inline(never)]
    fn learn(&self, tok: &str, key: Key, tc: &mut TokenCache, sc: &mut Scratch) -> usize {
        let mut counts = TextCounts::default();
        let table = char_info_table();
        normalize_into(tok, &mut tc.one, &mut counts, |c| letter_info(table, c));
        let n = tc.one.text.as_str();
        let raw = if tok.len() > KEY_BYTES {
            push_range(&mut tc.raw, tok.as_bytes())
        } else {
            (0, 0)
        };
        let short = Short::new(n);
        let norm = if short.is_some() {
            (0, 0)
        } else {
            let from = tc.text.len() as u32;
            tc.text.push_str(n);
            (from, tc.text.len() as u32)
        };
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
        let mut flags = 0;
        for (on, bit) in [
            (tc.one.elongated, ELONGATED),
            (n.bytes().any(|x| SEP[x as usize]), SPACES),
            (single, SINGLE),
            (sc.layout.dots, DOTS),
            (tc.one.byte_map().is_none() && n == tok, SAME),
            (sc.layout.cyrillic > 0, CYRILLIC),
            (quotes.0 != quotes.1, QUOTED),
            (sc.layout.word_starts == [0], ONE_WORD),
        ] {
            if on {
                flags |= bit;
            }
        }
        let hits = (hits_from, tc.hits.len() as u32);
        let one_hit = match tc.hits[hits.0 as usize..hits.1 as usize] {
            [(term, 0, end, at)] => u16::try_from(end)
                .and(u16::try_from(at))
                .is_ok()
                .then_some((term, end | at << 16)),
            _ => None,
        };
        if one_hit.is_some() {
            flags |= ONE_HIT;
        } else if hits.0 != hits.1 {
            flags |= HITS_APART;
        }
        let cyrillic = sc.layout.cyrillic;
        let short_counts = ShortCounts::of(&counts);
        let short_cyrillic = u16::try_from(cyrillic).ok();
        if short_counts.is_none() || short_cyrillic.is_none() {
            flags |= LONG;
        }
        tc.spare = std::mem::replace(&mut sc.hits, text_hits);
        tc.one_layout = std::mem::replace(&mut sc.layout, text_layout);
        let id = tc.rest.len() as u32;
        tc.rest.push(Rest {
            cyrillic,
            counts,
            words: (words_from, tc.words.len() as u32),
            hits,
            short,
            norm,
            map,
            quotes,
            raw,
        });
        tc.crossings.push(Seen::NONE);
        tc.insert(Token {
            lo: key.lo,
            hi: key.hi,
            len: key.len,
            id,
            hits: match one_hit {
                Some(hit) => hit,
                None if hits.0 == hits.1 => (0, 0),
                None => hits,
            },
            enter: UNSEEN,
            exit: StateID::ZERO,
            cands_from: 0,
            then_space: UNSEEN,
            counts: short_counts.unwrap_or_default(),
            cyrillic: short_cyrillic.unwrap_or(0),
            cands_n: 0,
            flags,
        })
    }

    /// Steps the phrase automaton over `bytes`, white space between tokens that starts at
    /// `at` in the normalised `text`, checking what it finds; true when a hit may need
    /// putting back in order.
    #[inline(always)]
    fn step_between(
        &self,
        m: &Matcher,
        bytes: &[u8],
        at: usize,
        sid: &mut StateID,
        text: &str,
        sc: &mut Scratch,
    ) -> bool {
        let mut reorder = false;
        for (k, &y) in bytes.iter().enumerate() {
            *sid = m.dfa.next_state(Anchored::No, *sid, y);
            if m.is_match(*sid) {
                reorder |= self.across_hits(m, text, *sid, at + k + 1, sc);
            }
        }
        reorder
    }

    /// How the phrase automaton crosses the token in slot `k` entered in state `sid`. Worked
    /// out on the token's bytes the first time, and kept: in the token itself for the first
    /// state, in its [`Seen`] for the next [`CROSSINGS`], in [`TokenCache::more`] for the
    /// others.
    #[inline(always)]
    fn cross(&self, m: &Matcher, k: usize, tc: &mut TokenCache, sid: StateID) -> Crossing {
        match tc.table[k].crossing(sid) {
            Some(c) => c,
            None => self.cross_other(m, k, tc, sid),
        }
    }

    /// [`Engine::cross`] past the token's own crossing.
    #[inline(never)]
    fn cross_other(&self, m: &Matcher, k: usize, tc: &mut TokenCache, sid: StateID) -> Crossing {
        let id = tc.table[k].id;
        let seen = &tc.crossings[id as usize];
        if let Some(c) = seen.find(sid) {
            return *c;
        }
        let full = usize::from(seen.n) == CROSSINGS;
        if full && let Some(c) = tc.more.get(&more_key(id, sid)) {
            return *c;
        }
        self.cross_new(m, k, tc, sid, full)
    }

    /// [`Engine::cross`] the first time the token in slot `k` is entered in state `sid`;
    /// `full` when its [`Seen`] keeps no more.
    #[cold]
    #[inline(never)]
    fn cross_new(
        &self,
        m: &Matcher,
        k: usize,
        tc: &mut TokenCache,
        sid: StateID,
        full: bool,
    ) -> Crossing {
        let id = tc.table[k].id;
        let rest = &tc.rest[id as usize];
        let bytes = match &rest.short {
            Some(s) => s.as_bytes(),
            None => &tc.text.as_bytes()[rest.norm.0 as usize..rest.norm.1 as usize],
        };
        let c = self.cross_first(m, bytes, &mut tc.cands, sid);
        let tok = &mut tc.table[k];
        if tok.enter == UNSEEN
            && let Ok(cands_n) = u16::try_from(c.cands.1 - c.cands.0)
        {
            tok.enter = sid;
            tok.exit = c.exit;
            tok.cands_from = c.cands.0;
            tok.cands_n = cands_n;
            tok.then_space = c.then_space;
        } else if full {
            tc.more.insert(more_key(id, sid), c);
        } else {
            let seen = &mut tc.crossings[id as usize];
            seen.enter[usize::from(seen.n)] = sid;
            seen.seen[usize::from(seen.n)] = c;
            seen.n += 1;
        }
        c
    }

    /// Steps the phrase automaton over a token's `bytes` from state `enter`, keeping its
    /// candidates in `cands`, and on over one space.
    #[inline(always)]
    fn cross_first(
        &self,
        m: &Matcher,
        bytes: &[u8],
        cands: &mut Vec<(u32, u32)>,
        enter: StateID,
    ) -> Crossing {
        let from = cands.len() as u32;
        let mut sid = enter;
        for (j, &y) in bytes.iter().enumerate() {
            sid = m.dfa.next_state(Anchored::No, sid, y);
            if !m.is_match(sid) {
                continue;
            }
            let e = j + 1;
            for pid in m.patterns(sid) {
                // Candidates inside a word are dropped here once, as `across_hits` would.
                let pat = &self.patterns[pid as usize];
                let plen = pat.len as usize;
                if pat.info & PAT_RAW == 0
                    && e > plen
                    && bytes[e - plen - 1] < 0x80
                    && ASCII_WORD[bytes[e - plen - 1] as usize]
                {
                    continue;
                }
                cands.push((pid, e as u32));
            }
        }
        let space = m.dfa.next_state(Anchored::No, sid, b' ');
        Crossing {
            exit: sid,
            cands: (from, cands.len() as u32),
            then_space: if m.is_match(space) { UNSEEN } else { space },
        }
    }
}

/// The key of the token of id `k` entered in state `sid` in [`TokenCache::more`], mixed for a
/// [`Prehashed`] map.
#[inline(always)]
fn more_key(k: u32, sid: StateID) -> u64 {
    // The map takes its buckets from the low bits: the high ones are folded in.
    let h = (u64::from(k) << 32 | sid.as_u64()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ h >> 32
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
            let counts = e.read(text, &mut norm, &mut sc, by_tokens, true);
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
            let found = e.analyse_read(text, None, None, norm, counts, &mut sc);
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
        // Around the lengths a key holds in full (8 and 16 bytes), and control characters
        // inside a token.
        "abcdefgh",
        "abcdefghi",
        "стоп!!!!",
        "abcdefghijklmnop",
        "abcdefghijklmnopq",
        "отвратительно",
        "a\u{1}b",
        "\u{7f}x",
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
    fn a_token_entered_in_many_states_reads_as_the_whole_text_does() {
        // Each word before "refund" starts a phrase of its own, so the phrase automaton enters
        // "refund" in a different state each time: more than a token's `Seen` keeps.
        let t = "my refund, the refund, still refund, you refund, check refund, not refund, \
                 customer refund, what refund, love refund, please refund";
        assert_eq!(read(t, true), read(t, false));
        let e = engine();
        let mut sc = Scratch::default();
        e.read(t, &mut Normalized::default(), &mut sc, true, true);
        let tc = sc.tokens.as_ref().expect("the token path read it");
        assert!(
            !tc.more.is_empty(),
            "some crossings are kept beyond the token's own"
        );
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
    fn tokens_end_at_white_space_only_and_keys_tell_them_apart() {
        let text = "ab\u{1}c  abcdefgh\tabcdefghi\nabcdefghijklmnopq x";
        let mut p = text.as_bytes().to_vec();
        p.extend_from_slice(&[0; PAD]);
        let n = text.len();
        let mut keys = Vec::new();
        let mut i = 0;
        while i < n {
            if SEP[p[i] as usize] {
                i += 1;
                continue;
            }
            let e = token_end(&p, n, i);
            keys.push((&text[i..e], Key::of(&p, i, e - i)));
            i = e;
        }
        let words: Vec<_> = keys.iter().map(|(w, _)| *w).collect();
        assert_eq!(
            words,
            [
                "ab\u{1}c",
                "abcdefgh",
                "abcdefghi",
                "abcdefghijklmnopq",
                "x"
            ]
        );
        for (a, (_, ka)) in keys.iter().enumerate() {
            for (_, kb) in &keys[a + 1..] {
                assert_ne!(ka, kb);
            }
        }
        // The same bytes elsewhere give the same key.
        let again = format!("zz {text}");
        let mut q = again.as_bytes().to_vec();
        q.extend_from_slice(&[0; PAD]);
        assert_eq!(Key::of(&q, 3, 4), keys[0].1);
    }

    #[test]
    fn a_text_of_more_tokens_than_the_table_holds_grows_it_and_reads_the_same() {
        // More distinct tokens than half the table's first size: it grows while the text is
        // read, and the tokens placed before move with it. (A table that could not grow once
        // hung on a comment of 140,000 distinct words.)
        let t: String = (0..3 << (TABLE_BITS - 2))
            .map(|i| format!("w{i} refund "))
            .collect();
        assert_eq!(read(&t, true), read(&t, false));
        let mut sc = Scratch::default();
        engine().read(&t, &mut Normalized::default(), &mut sc, true, true);
        let tc = sc.tokens.as_ref().expect("the token path read it");
        assert!(tc.table.len() > 1 << TABLE_BITS);
        assert_eq!(
            tc.table.iter().filter(|t| t.len != 0).count(),
            tc.rest.len()
        );
    }

    #[test]
    fn a_token_of_more_letters_than_its_own_counts_hold_counts_them_all() {
        // 66,000 letters, no run of one letter (which would be an elongation), and as many
        // capitals and '!'.
        let long = "привет".repeat(11_000);
        let shout = "ПРИВЕТ!".repeat(11_000);
        let t = format!("{long} да {long} {shout}");
        let mut sc = Scratch::default();
        let counts = engine().read(&t, &mut Normalized::default(), &mut sc, false, true);
        let whole = sc.layout.cyrillic;
        assert!(whole > 3 * u32::from(u16::MAX));
        assert!(counts.upper > u32::from(u16::MAX));
        assert!(counts.exclaims == 11_000);
        // Learnt, then looked up.
        for _ in 0..2 {
            let by_tokens = engine().read(&t, &mut Normalized::default(), &mut sc, true, true);
            assert_eq!(sc.layout.cyrillic, whole);
            assert_eq!(by_tokens, counts);
        }
    }

    #[test]
    fn a_token_whose_one_hit_ends_past_16_bits_reads_the_same() {
        // A prefix term's hit is the whole word it starts: here one of 66,008 bytes, more
        // than a hit kept in the token's own line ([`ONE_HIT`]) can say.
        let t = format!("so frustrat{} today", "ion".repeat(22_000));
        let mut sc = Scratch::default();
        engine().read(&t, &mut Normalized::default(), &mut sc, false, true);
        assert!(
            sc.hits
                .iter()
                .any(|h| h.end - h.start > u32::from(u16::MAX))
        );
        assert_eq!(read(&t, true), read(&t, false));
    }

    #[test]
    fn a_token_of_more_phrase_candidates_than_its_own_crossing_holds_reads_the_same() {
        // Each emoji is a candidate of the phrase automaton: 66,000 of them in one token are
        // more than the token's own crossing counts, so the crossing is kept in its `Seen`.
        let t = format!("{} refund", "😂👍".repeat(33_000));
        let hits = |by_tokens: bool, sc: &mut Scratch| {
            engine().read(&t, &mut Normalized::default(), sc, by_tokens, true);
            (sc.hits.iter())
                .map(|h| (h.term, h.start, h.end, h.at))
                .collect::<Vec<_>>()
        };
        let whole = hits(false, &mut Scratch::default());
        assert!(whole.len() > usize::from(u16::MAX));
        let mut sc = Scratch::default();
        // Learnt, then looked up.
        assert_eq!(hits(true, &mut sc), whole);
        assert_eq!(hits(true, &mut sc), whole);
        let tc = sc.tokens.as_ref().expect("the token path read it");
        let long = tc.table.iter().find(|t| t.len == 8 * 33_000).unwrap();
        assert_eq!(long.enter, UNSEEN);
        assert_eq!(tc.crossings[long.id as usize].n, 1);
    }

    #[test]
    fn a_cache_started_afresh_reads_as_before() {
        let e = engine();
        let mut sc = Scratch::default();
        let text = "Still waiting for my refund, idiots!!! 😂 \"quoted\" cyкa";
        let mut whole = Normalized::default();
        e.read(text, &mut whole, &mut sc, false, true);
        let hits = |sc: &Scratch| {
            sc.hits
                .iter()
                .map(|h| (h.term, h.start, h.end, h.at))
                .collect::<Vec<_>>()
        };
        let expected = hits(&sc);
        let mut norm = Normalized::default();
        e.read(text, &mut norm, &mut sc, true, true);
        let tc = sc.tokens.as_mut().unwrap();
        assert!(!tc.rest.is_empty());
        tc.clear();
        let waiting = b"waiting\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
        let key = Key::of(waiting, 0, 7);
        assert!(sc.tokens.as_ref().unwrap().find(&key, waiting, 0).is_none());
        e.read("waiting idiots", &mut norm, &mut sc, true, true);
        e.read(text, &mut norm, &mut sc, true, true);
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

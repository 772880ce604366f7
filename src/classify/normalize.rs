//! Text normalisation for matching: compatibility decomposition (NFKC's folding), case folding,
//! accent folding, elongation collapse ("sooooo" → "so") and leetspeak ("id10t" → "idiot"),
//! while keeping a map from every normalised byte back to the original text, so that matched
//! spans can be highlighted where the author wrote them. One pass over the original does the
//! folding, notes exactly whether the later passes (Cyrillic look-alikes, spelled-out words,
//! leetspeak) can change anything, and counts what the classifier's features read from the
//! original (letters, capitals, '!', '?', mentions); runs of ASCII or Cyrillic letters take a
//! tight loop.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Text folded for matching, with the way back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// Lower-case, accent-free, compatibility-folded text.
    pub text: String,
    /// Original byte offset of the character that produced each normalised byte; empty while
    /// the normalised text has the same byte layout as the original.
    map: Vec<u32>,
    orig_len: usize,
    /// Letters drawn out ("sooooo") or punctuation repeated ("!!!!") were collapsed.
    pub elongated: bool,
}

impl Normalized {
    /// Maps a span of the normalised text back to a byte span of the original `orig`.
    pub fn orig_span(&self, orig: &str, start: usize, end: usize) -> (usize, usize) {
        if self.map.is_empty() {
            return (start.min(orig.len()), end.min(orig.len()));
        }
        let s = self.map.get(start).map_or(self.orig_len, |&o| o as usize);
        let e = if end == 0 {
            s
        } else if end >= self.map.len() {
            self.orig_len
        } else {
            let prev = self.map[end - 1] as usize;
            let next = self.map[end] as usize;
            if next > prev {
                next
            } else {
                // The match ends inside one original character's expansion ("ﬁ" → "fi").
                prev + orig[prev..].chars().next().map_or(0, char::len_utf8)
            }
        };
        (s, e.max(s))
    }

    /// Makes each of `spans` its [`Normalized::orig_span`], in place: they stay as they are
    /// when the text has its original's byte layout.
    #[inline(always)]
    pub(crate) fn to_orig(&self, orig: &str, spans: &mut [(usize, usize)]) {
        if self.byte_map().is_some() {
            for span in spans {
                *span = self.orig_span(orig, span.0, span.1);
            }
        }
    }

    /// The map from this text's bytes back to its original, or `None` when the two have the
    /// same byte layout (every character folded to one of the same length).
    pub(crate) fn byte_map(&self) -> Option<&[u32]> {
        if self.map.is_empty() && self.text.len() == self.orig_len {
            None
        } else {
            Some(&self.map)
        }
    }

    /// Starts the normalised form of an original of `orig_len` bytes, to be put together from
    /// pieces normalised apart (see [`Pieces`]).
    pub(crate) fn pieces(&mut self, orig_len: usize) -> Pieces<'_> {
        self.text.clear();
        self.map.clear();
        self.orig_len = orig_len;
        self.elongated = false;
        Pieces {
            n: self,
            mapped: false,
        }
    }
}

/// A [`Normalized`] put together piece by piece: the normalised forms of stretches of the
/// original that normalise apart exactly as they do in place (the classifier's per-token
/// path). The map is started the way [`normalize_into`] starts it, at the first piece whose
/// layout differs from its original's.
pub(crate) struct Pieces<'a> {
    n: &'a mut Normalized,
    mapped: bool,
}

impl Pieces<'_> {
    /// The normalised text so far.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.n.text.len()
    }

    /// Appends `piece`, normalised from the original at byte `orig`; `map` is the piece's own
    /// [`Normalized::byte_map`] (`None`: the same layout as its original).
    #[inline]
    pub(crate) fn push(&mut self, piece: &str, orig: usize, map: Option<&[u32]>) {
        self.map_piece(piece.len(), orig, map);
        self.n.text.push_str(piece);
    }

    /// The map's part of [`Pieces::push`], for a piece of `len` bytes.
    #[inline(always)]
    fn map_piece(&mut self, len: usize, orig: usize, map: Option<&[u32]>) {
        if map.is_some() && !self.mapped {
            self.mapped = true;
            let so_far = self.n.text.len();
            start_map(&mut self.n.map, so_far, self.n.text.capacity());
        }
        if self.mapped {
            let o = orig as u32;
            match map {
                Some(m) => self.n.map.extend(m.iter().map(|&k| o + k)),
                None => self.n.map.extend(o..o + len as u32),
            }
        }
    }

    /// [`Pieces::push`] of `padded[from..to]`, a stretch of the original that normalises to
    /// itself, copied in 16-byte blocks: `padded` must hold [`Short::MAX`] bytes past `to`,
    /// and `from..to` must be a whole `str`. Cheaper than a `memcpy` call for the short runs
    /// between the tokens that change.
    #[inline(always)]
    pub(crate) fn push_padded(&mut self, padded: &[u8], from: usize, to: usize) {
        let len = to - from;
        self.map_piece(len, from, None);
        assert!(to + Short::MAX <= padded.len());
        // SAFETY: the text gets exactly `padded[from..to]`, a whole `str` (the caller's
        // promise); the last block's other bytes land in spare capacity, past the length.
        let v = unsafe { self.n.text.as_mut_vec() };
        v.reserve(len + Short::MAX);
        let at = v.len();
        let mut k = 0;
        while k < len {
            // SAFETY: `k < len`, so the block read ends before `to + Short::MAX`, within
            // `padded` (asserted); the block written ends before `at + len + Short::MAX`,
            // within the capacity `reserve` made.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    padded.as_ptr().add(from + k),
                    v.as_mut_ptr().add(at + k),
                    Short::MAX,
                );
            }
            k += Short::MAX;
        }
        // SAFETY: the `len` bytes from `at` were written above.
        unsafe { v.set_len(at + len) };
    }

    /// [`Pieces::push`] of a [`Short`] piece, copied as one 16-byte block.
    #[inline(always)]
    pub(crate) fn push_short(&mut self, piece: &Short, orig: usize, map: Option<&[u32]>) {
        self.map_piece(usize::from(piece.len), orig, map);
        // SAFETY: the text gets exactly the piece's bytes, a whole `str` (the invariant of
        // `Short`); the block's other bytes land in spare capacity, past the length.
        let v = unsafe { self.n.text.as_mut_vec() };
        v.reserve(Short::MAX);
        let len = v.len();
        // SAFETY: `reserve` made room for `Short::MAX` bytes from `len`, and `piece.len`
        // is at most that.
        unsafe {
            std::ptr::copy_nonoverlapping(
                piece.bytes.as_ptr(),
                v.as_mut_ptr().add(len),
                Short::MAX,
            );
            v.set_len(len + piece.len as usize);
        }
    }

    /// Ends the text; `elongated` when a piece was.
    pub(crate) fn finish(self, elongated: bool) {
        self.n.elongated = elongated;
    }
}

/// A string of at most [`Short::MAX`] bytes kept in a block of that size, so that it is
/// appended to a text as one copy (see [`Pieces::push_short`]).
#[derive(Clone, Copy)]
pub(crate) struct Short {
    /// The string's bytes, then zeros: `bytes[..len]` is always a whole `str`.
    bytes: [u8; Short::MAX],
    len: u8,
}

impl Short {
    pub(crate) const MAX: usize = 16;

    /// `s` as a `Short`, if it is short enough.
    pub(crate) fn new(s: &str) -> Option<Short> {
        let mut bytes = [0; Short::MAX];
        bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(Short {
            bytes,
            len: s.len() as u8,
        })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

impl std::ops::AddAssign for TextCounts {
    fn add_assign(&mut self, o: TextCounts) {
        self.letters += o.letters;
        self.upper += o.upper;
        self.exclaims += o.exclaims;
        self.questions += o.questions;
        self.mentions += o.mentions;
    }
}

/// Normalises `text` for matching. Deterministic and total: any string is accepted.
///
/// The normalised text keeps the original's byte layout (and needs no map) as long as every
/// character folds to one character of the same length: ASCII, Cyrillic, most emoji.
pub fn normalize(text: &str) -> Normalized {
    let mut n = Normalized::default();
    normalize_into(text, &mut n, &mut TextCounts::default(), |_| 0);
    n
}

/// What the classifier's features read from the original text, counted while normalising.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextCounts {
    /// Letters, and the capitals among them.
    pub letters: u32,
    pub upper: u32,
    /// '!'; '?' and '¿'.
    pub exclaims: u32,
    pub questions: u32,
    /// '@' starting a name (a letter, digit or '_' follows, no letter or digit precedes).
    pub mentions: u32,
}

/// [`normalize`] into `n`, reusing its buffers, and counts of the original text into `counts`.
/// `letter_info` answers for each non-ASCII character of the original: 0 not a letter, 1 a
/// letter, 3 a capital letter (ASCII is answered here).
#[inline(never)]
pub fn normalize_into(
    text: &str,
    n: &mut Normalized,
    counts: &mut TextCounts,
    letter_info: impl Fn(char) -> u32,
) {
    let mut out = std::mem::take(&mut n.text);
    let mut map = std::mem::take(&mut n.map);
    out.clear();
    map.clear();
    out.reserve(text.len() + 8);
    let mut st = Fast {
        out,
        map,
        identity: true,
        run_char: 0,
        run_len: 0,
        run_start_len: 0,
        snap_h: 0,
        snap_ls: LS_NONE,
        h: 0,
        ls: LS_NONE,
        elongated: false,
        cyrillic: false,
        spaced: false,
        one_byte_word: false,
        leet: false,
        leet_at: 0,
        word_cyrillic: false,
        word_ascii: false,
        mixed: false,
    };
    let (mut letters, mut upper) = (0u32, 0u32);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            let e = ASCII[b as usize];
            letters += (e >> A_LETTER_SHIFT) & 1;
            upper += (e >> A_UPPER_SHIFT) & 1;
            if e & A_PUNCT != 0 {
                count_punct(bytes, i, counts);
            }
            st.put_ascii(e, i);
            i += 1;
            if e & A_ALPHA != 0 {
                let (n, up) = st.letters_after(bytes, i);
                letters += n as u32;
                upper += up;
                i += n;
            }
            continue;
        }
        let (c, len) = char_at(bytes, i);
        if c == '¿' {
            counts.questions += 1;
        } else {
            let li = letter_info(c);
            letters += li & 1;
            upper += li >> 1;
        }
        let q = quick_entry(c);
        if q & Q_SLOW == 0 {
            if q & Q_RESIZE != 0 {
                st.switch_to_map();
            }
            if q & Q_ASCII != 0 {
                st.put_ascii(ASCII[(q & 0x7F) as usize], i);
            } else {
                st.put(q, i);
                if (0x430..=0x44F).contains(&(q & Q_CHAR)) {
                    let (n, l, up) = st.cyrillic_after(bytes, i + len, &letter_info);
                    letters += l;
                    upper += up;
                    i += n;
                }
            }
        } else {
            st.switch_to_map();
            fold_char(c, |f| st.put_char(f, i));
        }
        i += len;
    }
    counts.letters += letters;
    counts.upper += upper;
    // The end of the text ends a spelled-out word like any other non-letter.
    st.h <<= 2;
    st.spaced |= st.h & SPACED_MASK == SPACED_PATTERN;
    let Fast {
        mut out,
        mut map,
        elongated,
        cyrillic,
        spaced,
        one_byte_word,
        leet,
        leet_at,
        mixed,
        ..
    } = st;
    // Where the first leetspeak to replace sits, while nothing has moved the text.
    let mut leet_from = leet_at;
    // Only texts with a one-byte word between two spaces are tested for spelled-out words
    // (`has_spaced_letters`).
    let mut spaced = spaced && one_byte_word;
    if cyrillic && mixed && has_mixed_word(&out) {
        if map.is_empty() {
            map.extend(0..out.len() as u32);
        }
        fold_homoglyphs(&mut out, &mut map);
        leet_from = 0;
        // Look-alike digits become letters: test the folded text again.
        spaced = has_spaced_letters(&out);
    }
    if spaced {
        if map.is_empty() {
            map.extend(0..out.len() as u32);
        }
        join_spaced_letters(&mut out, &mut map);
        leet_from = 0;
    }
    // Folding homoglyphs and joining spelled-out letters never put a leet character between
    // two letters, so `leet` (seen while building) covers every place `unleet` would change.
    if leet {
        unleet(&mut out, leet_from);
    }
    n.text = out;
    n.map = map;
    n.orig_len = text.len();
    n.elongated = elongated;
}

/// Counts the '!', '?' or mention '@' at byte `i` of the original.
#[inline(always)]
fn count_punct(bytes: &[u8], i: usize, counts: &mut TextCounts) {
    match bytes[i] {
        b'!' => counts.exclaims += 1,
        b'?' => counts.questions += 1,
        _ => {
            if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            {
                counts.mentions += 1;
            }
        }
    }
}

/// Classes of a written character for the spelled-out test (two bits each, newest lowest):
/// not alphanumeric, the space ' ', a letter, another letter-or-digit.
const SC_OTHER: u32 = 0;
const SC_SPACE: u32 = 1;
const SC_ALPHA: u32 = 2;
const SC_ALNUM: u32 = 3;
/// Nine characters: a non-alphanumeric (or the start), four single letters with a space
/// between each, a non-alphanumeric (or the end). Exactly what [`spaced_runs`] looks for.
const SPACED_MASK: u32 = 0b10_11_11_11_11_11_11_11_10;
const SPACED_PATTERN: u32 = 0b00_10_01_10_01_10_01_10_00;
const _: () = assert!(SPACED_MIN == 4);

/// Leetspeak state: the number of leet characters since the last ASCII letter, or this when
/// something else came between.
const LS_NONE: u32 = 1 << 20;

/// The ASCII table: the folded byte in the low bits, then the classes of the folded byte
/// (spelled-out class, leet character, letter, keeps its repeats) and of the original byte
/// (letter, capital, '!' '?' '@').
const A_SC_SHIFT: u32 = 8;
const A_LEET: u32 = 1 << 10;
const A_ALPHA: u32 = 1 << 11;
const A_KEEP: u32 = 1 << 12;
const A_LETTER_SHIFT: u32 = 13;
const A_UPPER_SHIFT: u32 = 14;
const A_PUNCT: u32 = 1 << 15;
const A_WORD: u32 = 1 << 16;

const ASCII: [u32; 128] = {
    let mut t = [0u32; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let f = b.to_ascii_lowercase();
        let sc = if f == b' ' {
            SC_SPACE
        } else if f.is_ascii_alphabetic() {
            SC_ALPHA
        } else if f.is_ascii_alphanumeric() {
            SC_ALNUM
        } else {
            SC_OTHER
        };
        let mut e = f as u32 | sc << A_SC_SHIFT;
        if LEET[f as usize] != 0 {
            e |= A_LEET;
        }
        if f.is_ascii_alphabetic() {
            e |= A_ALPHA | 1 << A_LETTER_SHIFT;
        }
        // `keeps_repeats`: ASCII digits and char::is_whitespace.
        if f.is_ascii_digit() || matches!(f, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') {
            e |= A_KEEP;
        }
        if b.is_ascii_uppercase() {
            e |= 1 << A_UPPER_SHIFT;
        }
        if matches!(b, b'!' | b'?' | b'@') {
            e |= A_PUNCT;
        }
        if f.is_ascii_alphanumeric() {
            e |= A_WORD;
        }
        t[i] = e;
        i += 1;
    }
    t
};

/// The quick table's entries: the folded character in the low 21 bits, then its spelled-out
/// class, whether it keeps repeats, whether it is Cyrillic (U+0400..U+047F), ASCII, or of
/// another length than the original; [`Q_SLOW`] when [`fold_char`] must answer.
const Q_CHAR: u32 = 0x1F_FFFF;
const Q_SC_SHIFT: u32 = 21;
const Q_KEEP: u32 = 1 << 23;
const Q_CYR: u32 = 1 << 24;
const Q_ASCII: u32 = 1 << 25;
const Q_RESIZE: u32 = 1 << 26;
const Q_CYR_WIDE: u32 = 1 << 27;
const Q_SLOW: u32 = 1 << 31;

/// The spelled-out class of a written character (see [`spaced_runs`]).
fn spaced_class(c: char) -> u32 {
    let alpha = ('\u{410}'..='\u{44F}').contains(&c) || c.is_alphabetic();
    let alnum = ('\u{410}'..='\u{44F}').contains(&c) || c.is_alphanumeric();
    if c == ' ' {
        SC_SPACE
    } else if alpha {
        SC_ALPHA
    } else if alnum {
        SC_ALNUM
    } else {
        SC_OTHER
    }
}

/// The classes of a non-ASCII written character, as in the quick table.
fn char_classes(c: char) -> u32 {
    let u = c as u32;
    let mut e = u | spaced_class(c) << Q_SC_SHIFT;
    if keeps_repeats(c) {
        e |= Q_KEEP;
    }
    if (0x400..0x480).contains(&u) {
        e |= Q_CYR;
    }
    if (0x400..0x500).contains(&u) {
        e |= Q_CYR_WIDE;
    }
    e
}

/// The Cyrillic letter (U+0410..U+044F) encoded by `b0 b1`, and what it folds to (lower case,
/// "й" read as "и", as [`fold_char`] does).
#[inline(always)]
fn cyrillic_letter(b0: u8, b1: u8) -> Option<(char, char)> {
    let u = match (b0, b1) {
        (0xD0, 0x90..=0xBF) => 0x400 + (b1 as u32 - 0x80),
        (0xD1, 0x80..=0x8F) => 0x440 + (b1 as u32 - 0x80),
        _ => return None,
    };
    let f = if u < 0x430 { u + 0x20 } else { u };
    let f = if f == 0x439 { 0x438 } else { f };
    Some((char::from_u32(u)?, char::from_u32(f)?))
}

/// The quick-table entry of a non-ASCII character.
#[inline(always)]
fn quick_entry(c: char) -> u32 {
    let u = c as u32;
    let idx = if u < QUICK_END {
        u - 0x80
    } else if EMOJI.contains(&u) {
        QUICK_END - 0x80 + (u - EMOJI.start)
    } else {
        return Q_SLOW;
    };
    quick_table()[idx as usize]
}

/// The normalised text as it is built, with elongations collapsed and the tests for the
/// later passes taken on the way, exactly.
struct Fast {
    out: String,
    map: Vec<u32>,
    identity: bool,
    /// The current run of equal characters: its character, length and start in `out`, and
    /// the spelled-out and leetspeak states right after its first character.
    run_char: u32,
    run_len: u32,
    run_start_len: usize,
    snap_h: u32,
    snap_ls: u32,
    /// The spelled-out classes of the last written characters (two bits each).
    h: u32,
    /// Leetspeak state, see [`LS_NONE`].
    ls: u32,
    elongated: bool,
    /// A Cyrillic letter was written (U+0400..U+047F).
    cyrillic: bool,
    /// Single letters are spelled out somewhere (`spaced_runs` is not empty).
    spaced: bool,
    /// A space was written two bytes after another that is not at the start (" x ", "   "):
    /// the cheap test of [`has_spaced_letters`].
    one_byte_word: bool,
    /// One to three leet characters stand between two ASCII letters; the first at `leet_at`.
    leet: bool,
    leet_at: usize,
    /// The current word (ended by ASCII other than letters and digits) has a character of
    /// U+0400..U+04FF, has an ASCII letter or digit; some word had both (the cheap test of
    /// [`has_mixed_word`]).
    word_cyrillic: bool,
    word_ascii: bool,
    mixed: bool,
}

impl Fast {
    /// Pushes the folded ASCII byte of table entry `e`, from original offset `orig`.
    #[inline(always)]
    fn put_ascii(&mut self, e: u32, orig: usize) {
        let c = e & 0x7F;
        if c == self.run_char && e & A_KEEP == 0 {
            self.run_len += 1;
            if self.run_len >= 3 {
                self.elongation(1);
            } else {
                self.write_ascii(e, orig);
            }
            return;
        }
        self.start_run(c);
        self.write_ascii(e, orig);
        self.snap();
    }

    /// Writes the ASCII letters from `bytes[from..]` that follow the letter just written, up to
    /// the first that is not a letter or repeats the one before it (the caller takes those).
    /// Returns how many, and how many were capitals.
    #[inline(always)]
    fn letters_after(&mut self, bytes: &[u8], from: usize) -> (usize, u32) {
        let mut prev = self.run_char as u8;
        let mut upper = 0;
        let mut j = from;
        while let Some(&b) = bytes.get(j) {
            let f = b | 0x20;
            if f.wrapping_sub(b'a') >= 26 || f == prev {
                break;
            }
            upper += (b < 0x60) as u32;
            self.out.push(f as char);
            if !self.identity {
                self.map.push(j as u32);
            }
            prev = f;
            j += 1;
        }
        if j > from {
            // Two letters in a row: no spelled-out word ends here, and no leetspeak starts.
            self.h = (self.h << 2) | SC_ALPHA;
            self.ls = 0;
            self.start_run(prev as u32);
            self.run_start_len -= 1;
            self.snap();
        }
        (j - from, upper)
    }

    /// Writes the Cyrillic letters (U+0410..U+044F) from `bytes[from..]` that follow the
    /// Cyrillic letter just written, up to the first that is not one or folds to the same
    /// letter as the one before it (the caller takes those). Returns the bytes taken, and the
    /// letters and capitals among them as `letter_info` counts them.
    #[inline(always)]
    fn cyrillic_after(
        &mut self,
        bytes: &[u8],
        from: usize,
        letter_info: &impl Fn(char) -> u32,
    ) -> (usize, u32, u32) {
        let mut prev = self.run_char;
        let (mut letters, mut upper) = (0, 0);
        let mut j = from;
        while j + 1 < bytes.len() {
            let Some((c, f)) = cyrillic_letter(bytes[j], bytes[j + 1]) else {
                break;
            };
            if f as u32 == prev {
                break;
            }
            let li = letter_info(c);
            letters += li & 1;
            upper += li >> 1;
            self.out.push(f);
            if !self.identity {
                self.map.push(j as u32);
                self.map.push(j as u32);
            }
            prev = f as u32;
            j += 2;
        }
        if j > from {
            // Two letters in a row: no spelled-out word ends here.
            self.h = (self.h << 2) | SC_ALPHA;
            self.start_run(prev);
            self.run_start_len -= 2;
            self.snap();
        }
        (j - from, letters, upper)
    }

    /// Pushes the non-ASCII character of quick-table entry `q`, from original offset `orig`.
    #[inline(always)]
    fn put(&mut self, q: u32, orig: usize) {
        let u = q & Q_CHAR;
        let c = char::from_u32(u).unwrap_or('\u{FFFD}');
        if u == self.run_char && q & Q_KEEP == 0 {
            self.run_len += 1;
            if self.run_len >= 3 {
                self.elongation(c.len_utf8());
            } else {
                self.write(c, q, orig);
            }
            return;
        }
        self.start_run(u);
        self.write(c, q, orig);
        self.snap();
    }

    /// Pushes any folded character.
    #[inline(always)]
    fn put_char(&mut self, c: char, orig: usize) {
        if c.is_ascii() {
            self.put_ascii(ASCII[c as usize], orig);
        } else {
            self.put(char_classes(c), orig);
        }
    }

    /// Writes the folded ASCII byte of table entry `e` and notes it.
    #[inline(always)]
    fn write_ascii(&mut self, e: u32, orig: usize) {
        self.push_class((e >> A_SC_SHIFT) & 3);
        let p = self.out.len();
        if e & 0x7F == b' ' as u32 {
            self.one_byte_word |= p >= 3 && self.out.as_bytes()[p - 2] == b' ';
        }
        if e & A_ALPHA != 0 {
            if self.ls.wrapping_sub(1) < 3 && !self.leet {
                self.leet = true;
                self.leet_at = p - self.ls as usize;
            }
            self.ls = 0;
        } else if e & A_LEET != 0 {
            self.ls += 1;
        } else {
            self.ls = LS_NONE;
        }
        if e & A_WORD != 0 {
            self.word_ascii = true;
            self.mixed |= self.word_cyrillic;
        } else {
            self.word_ascii = false;
            self.word_cyrillic = false;
        }
        self.out.push((e & 0x7F) as u8 as char);
        if !self.identity {
            self.map.push(orig as u32);
        }
    }

    /// Writes the non-ASCII `c` (quick-table entry `q`) and notes it.
    #[inline(always)]
    fn write(&mut self, c: char, q: u32, orig: usize) {
        self.push_class((q >> Q_SC_SHIFT) & 3);
        self.ls = LS_NONE;
        self.cyrillic |= q & Q_CYR != 0;
        if q & Q_CYR_WIDE != 0 {
            self.word_cyrillic = true;
            self.mixed |= self.word_ascii;
        }
        self.out.push(c);
        if !self.identity {
            for _ in 0..c.len_utf8() {
                self.map.push(orig as u32);
            }
        }
    }

    /// The third in a row of a character that does not keep repeats: only the run's first
    /// (of `len` bytes) stays ("cooool" → "col", "!!!" → "!").
    #[inline(always)]
    fn elongation(&mut self, len: usize) {
        self.switch_to_map();
        if self.run_len == 3 {
            let keep = self.run_start_len + len;
            self.out.truncate(keep);
            self.map.truncate(keep);
            self.elongated = true;
            self.h = self.snap_h;
            self.ls = self.snap_ls;
        }
    }

    /// `c` starts a new run of equal characters at the current end of the output.
    #[inline(always)]
    fn start_run(&mut self, c: u32) {
        self.run_char = c;
        self.run_len = 1;
        self.run_start_len = self.out.len();
    }

    /// Keeps the tests' state after a run's first character, for when the run is collapsed.
    #[inline(always)]
    fn snap(&mut self) {
        self.snap_h = self.h;
        self.snap_ls = self.ls;
    }

    /// Notes a written character's spelled-out class.
    #[inline(always)]
    fn push_class(&mut self, sc: u32) {
        self.h = (self.h << 2) | sc;
        self.spaced |= self.h & SPACED_MASK == SPACED_PATTERN;
    }

    /// Switches from the identity layout to an explicit map.
    #[inline(always)]
    fn switch_to_map(&mut self) {
        if self.identity {
            self.identity = false;
            start_map(&mut self.map, self.out.len(), self.out.capacity());
        }
    }
}

/// The character that starts at byte `i` of `b` (valid UTF-8, `b[i]` a lead byte), with its
/// length.
#[inline(always)]
pub(super) fn char_at(b: &[u8], i: usize) -> (char, usize) {
    let b0 = b[i] as u32;
    let (u, len) = if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (
            ((b0 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F),
            4,
        )
    };
    (char::from_u32(u).unwrap_or('\u{FFFD}'), len)
}

/// First code point after the two-byte UTF-8 range: [`QUICK`] covers U+0080..U+07FF.
const QUICK_END: u32 = 0x800;
/// Emoji blocks whose characters fold to themselves (checked when the table is built).
const EMOJI: std::ops::Range<u32> = 0x1F300..0x1FB00;
/// [`fold_char`] of U+0080..U+07FF and of the emoji blocks, computed once: the character a
/// code point folds to, with its classes, when that is exactly one character, else [`Q_SLOW`].
fn quick_table() -> &'static [u32] {
    static TABLE: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let one = |u: u32| {
            let Some(c) = char::from_u32(u) else {
                return Q_SLOW;
            };
            let mut out = ['\0'; 2];
            let mut n = 0;
            fold_char(c, |f| {
                if n < 2 {
                    out[n] = f;
                }
                n += 1;
            });
            if n != 1 {
                return Q_SLOW;
            }
            let f = out[0];
            let mut e = if f.is_ascii() {
                f as u32 | Q_ASCII
            } else {
                char_classes(f)
            };
            if f.len_utf8() != c.len_utf8() {
                e |= Q_RESIZE;
            }
            e
        };
        (0x80..QUICK_END).chain(EMOJI).map(one).collect()
    })
}

/// Case- and accent-folds one character, handing the result (zero or more chars) to `emit`.
#[inline]
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    let u = c as u32;
    match u {
        0..=0x7F => emit((c as u8).to_ascii_lowercase() as char),
        // Cyrillic а..я (except й) are already folded; А..Я lower-case by an offset.
        0x430..=0x438 | 0x43A..=0x44F => emit(c),
        0x410..=0x418 | 0x41A..=0x42F => emit(char::from_u32(u + 0x20).unwrap_or(c)),
        0x2018 | 0x2019 | 0x201B | 0x2032 | 0x02BC | 0x00B4 => emit('\''),
        0x201C | 0x201D | 0x201E | 0x201F | 0x00AB | 0x00BB | 0x2033 => emit('"'),
        0xFE0F | 0x200D | 0x200B | 0x00AD | 0xFEFF => {}
        _ => decompose_compatible(c, |d| {
            if !is_combining_mark(d) {
                if d.is_ascii() {
                    emit((d as u8).to_ascii_lowercase() as char);
                } else {
                    d.to_lowercase().for_each(&mut emit);
                }
            }
        }),
    }
}

/// Repeats of these never count as an elongation.
#[inline]
fn keeps_repeats(c: char) -> bool {
    c.is_ascii_digit() || c.is_whitespace()
}

/// The map of the bytes written so far, which were identical to the original.
#[cold]
#[inline(never)]
fn start_map(map: &mut Vec<u32>, len: usize, capacity: usize) {
    map.reserve(capacity);
    map.extend(0..len as u32);
}

/// The Cyrillic letter a Latin letter or digit stands for inside a Cyrillic word
/// ("cyкa", "e6лан"): a common way to slip past word filters.
fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'b' | '6' => 'б',
        'c' => 'с',
        'e' => 'е',
        'o' | '0' => 'о',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        'k' => 'к',
        'm' => 'м',
        't' => 'т',
        'h' => 'н',
        'u' => 'и',
        'n' => 'п',
        '3' => 'з',
        '4' => 'ч',
        _ => return None,
    })
}

/// Letters and digits, with Cyrillic and ASCII answered without the Unicode tables.
#[inline]
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_cyrillic(c) || c.is_alphanumeric()
    }
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

/// Rewrites words that mix Cyrillic letters with Latin look-alikes into plain Cyrillic.
/// Callers check [`has_mixed_word`] first.
fn fold_homoglyphs(out: &mut String, map: &mut Vec<u32>) {
    let s = out.as_str();
    let mut new = String::with_capacity(s.len() + 16);
    let mut new_map = Vec::with_capacity(map.len() + 16);
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if !is_word(c) {
            new.push(c);
            new_map.extend_from_slice(&map[i..i + c.len_utf8()]);
            i += c.len_utf8();
            continue;
        }
        let mut j = i;
        let (mut cyr, mut lat) = (false, false);
        for ch in s[i..].chars().take_while(|ch| is_word(*ch)) {
            if is_cyrillic(ch) {
                cyr = true;
            } else if cyrillic_lookalike(ch).is_some() {
                lat = true;
            }
            j += ch.len_utf8();
        }
        if cyr && lat {
            changed = true;
            for (k, ch) in s[i..j].char_indices() {
                let o = cyrillic_lookalike(ch).unwrap_or(ch);
                new.push(o);
                for _ in 0..o.len_utf8() {
                    new_map.push(map[i + k]);
                }
            }
        } else {
            new.push_str(&s[i..j]);
            new_map.extend_from_slice(&map[i..j]);
        }
        i = j;
    }
    if changed {
        *out = new;
        *map = new_map;
    }
}

/// True when some word mixes Cyrillic letters with Latin look-alikes.
fn has_mixed_word(s: &str) -> bool {
    let b = s.as_bytes();
    let (mut cyr, mut lat) = (false, false);
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if !x.is_ascii_alphanumeric() {
                cyr = false;
                lat = false;
            } else if cyrillic_lookalike(x as char).is_some() {
                lat = true;
            }
            i += 1;
        } else {
            let (ch, len) = char_at(b, i);
            // The look-alikes are all ASCII.
            if is_cyrillic(ch) {
                cyr = true;
            } else if !ch.is_alphanumeric() {
                cyr = false;
                lat = false;
            }
            i += len;
        }
        if cyr && lat {
            return true;
        }
    }
    false
}

/// Minimum number of single letters separated by single spaces that count as one spelled-out
/// word ("u i t s c h o t").
const SPACED_MIN: usize = 4;

/// True when the text spells a word out letter by letter somewhere.
fn has_spaced_letters(s: &str) -> bool {
    let b = s.as_bytes();
    // Cheap test first: "x y " patterns are rare in ordinary text.
    (1..b.len().saturating_sub(2)).any(|j| b[j] == b' ' && b[j + 2] == b' ')
        && !spaced_runs(s).is_empty()
}

/// Runs of spaced-out single letters: (start, end) byte ranges.
fn spaced_runs(s: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    // Cyrillic а..я and А..Я answered without the Unicode tables.
    let alpha = |c: char| ('\u{410}'..='\u{44F}').contains(&c) || c.is_alphabetic();
    let alnum = |c: char| ('\u{410}'..='\u{44F}').contains(&c) || c.is_alphanumeric();
    let is_single = |k: usize| {
        alpha(chars[k].1)
            && (k == 0 || !alnum(chars[k - 1].1))
            && chars.get(k + 1).is_none_or(|c| !alnum(c.1))
    };
    let mut runs = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if is_single(k) {
            let start = k;
            let mut n = 1;
            let mut j = k;
            while j + 2 < chars.len() && chars[j + 1].1 == ' ' && is_single(j + 2) {
                j += 2;
                n += 1;
            }
            if n >= SPACED_MIN {
                let end = chars[j].0 + chars[j].1.len_utf8();
                runs.push((chars[start].0, end));
            }
            k = j + 1;
        } else {
            k += 1;
        }
    }
    runs
}

/// Removes the spaces inside spelled-out words ("u i t s c h o t" → "uitschot").
fn join_spaced_letters(out: &mut String, map: &mut Vec<u32>) {
    let runs = spaced_runs(out);
    let mut new = String::with_capacity(out.len());
    let mut new_map = Vec::with_capacity(map.len());
    let mut r = runs.iter().peekable();
    for (i, c) in out.char_indices() {
        while r.peek().is_some_and(|&&(_, e)| e <= i) {
            r.next();
        }
        let inside = r.peek().is_some_and(|&&(s, e)| s <= i && i < e);
        if inside && c == ' ' {
            continue;
        }
        new.push(c);
        new_map.extend_from_slice(&map[i..i + c.len_utf8()]);
    }
    *out = new;
    *map = new_map;
}

/// Replaces leetspeak runs (digits and `@ $ !` between letters: "id10t", "sh!t", "b1tch") by the
/// letters they stand for. Byte-for-byte, so the map stays valid. Bytes before `from` hold no
/// leetspeak character that follows a letter.
fn unleet(s: &mut String, from: usize) {
    let n = s.len();
    let mut i = from;
    while i < n {
        let v = s.as_bytes();
        if LEET[v[i] as usize] != 0 && i > 0 && v[i - 1].is_ascii_alphabetic() {
            let mut j = i;
            while j < n && leet(v[j]).is_some() {
                j += 1;
            }
            if j < n && v[j].is_ascii_alphabetic() && j - i <= 3 {
                // ASCII for ASCII: the length and every offset stay the same.
                let letters: String = v[i..j]
                    .iter()
                    .map(|&b| leet(b).unwrap_or(b) as char)
                    .collect();
                s.replace_range(i..j, &letters);
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

/// [`leet`] as a table: the letter, or 0.
const LEET: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match leet(i as u8) {
            Some(l) => l,
            None => 0,
        };
        i += 1;
    }
    t
};

#[inline]
const fn leet(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' | b'!' => b'i',
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' => b't',
        _ => return None,
    })
}

#[cfg(test)]
mod exact;

#[cfg(test)]
mod tests {
    use super::exact::{normalize_exact, quick_fold};
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).text
    }

    #[test]
    fn folds_case_accents_and_compatibility_forms() {
        assert_eq!(norm("Canción ÉXITO"), "cancion exito");
        assert_eq!(norm("Ｆｕｌｌ ﬁne"), "full fine");
        assert_eq!(norm("ЁЛКА Йога"), "елка иога");
        // Decomposed input folds the same as composed input.
        assert_eq!(norm("cafe\u{301}"), norm("café"));
    }

    #[test]
    fn collapses_elongations_and_reads_leetspeak() {
        let n = normalize("sooooo stupiiid!!!!");
        assert_eq!(n.text, "so stupid!");
        assert!(n.elongated);
        assert_eq!(norm("you id10t, sh!t"), "you idiot, shit");
        // Numbers stay numbers: order numbers must survive.
        assert_eq!(norm("order 100234 on 12/03"), "order 100234 on 12/03");
        // Latin look-alikes and digits inside Cyrillic words are read as Cyrillic.
        assert_eq!(norm("Вот cyки, е6лан"), "вот суки, еблан");
        assert_eq!(norm("Шaлaвa"), "шалава");
        // Spelled-out words are joined; ordinary one-letter words are not.
        assert_eq!(norm("Ze zijn u i t s c h o t."), "ze zijn uitschot.");
        assert_eq!(norm("a b c and I am"), "a b c and i am");
        // Words without Cyrillic stay as they are.
        assert_eq!(norm("привет, hello"), "привет, hello");
    }

    #[test]
    fn spans_map_back_to_the_original_text() {
        let orig = "Eres un IDIOOOOTA, ¿sabes?";
        let n = normalize(orig);
        let at = n.text.find("idiota").unwrap();
        let (s, e) = n.orig_span(orig, at, at + "idiota".len());
        assert_eq!(&orig[s..e], "IDIOOOOTA");
        let orig = "Ｆｕｌｌ stop";
        let n = normalize(orig);
        let (s, e) = n.orig_span(orig, 0, 4);
        assert_eq!(&orig[s..e], "Ｆｕｌｌ");
    }

    #[test]
    fn cyrillic_and_emoji_keep_their_layout_until_a_fold_changes_it() {
        // Upper-case Cyrillic and emoji fold byte for byte: spans need no map.
        let orig = "Ты ТУПОЙ 😂 ДЕБИЛ";
        let n = normalize(orig);
        assert_eq!(n.text, "ты тупои 😂 дебил");
        let at = n.text.find("дебил").unwrap();
        let (s, e) = n.orig_span(orig, at, at + "дебил".len());
        assert_eq!(&orig[s..e], "ДЕБИЛ");
        // An accent folded away mid-text shifts what follows; spans still land on the original.
        let orig = "Ты ТУПОЙ, café 😂 ДЕБИИИЛ";
        let n = normalize(orig);
        assert_eq!(n.text, "ты тупои, cafe 😂 дебил");
        let at = n.text.find("дебил").unwrap();
        let (s, e) = n.orig_span(orig, at, at + "дебил".len());
        assert_eq!(&orig[s..e], "ДЕБИИИЛ");
    }

    /// Single letters (one and two bytes), look-alikes, leet, repeats and rare folds, to put
    /// between separators.
    const PIECES: [&str; 24] = [
        "а", "б", "a", "b", "Y", "6", "0", "1", "@", "!", "!!!", ".", "aa", "ааа", "ё", "é",
        "\u{2019}", "ﬁ", "Я", "\u{482}", "😂", "\u{FE0F}", "ab", "я",
    ];
    /// Mostly single spaces.
    const SEPARATORS: [&str; 10] = [" ", " ", " ", " ", "  ", "   ", "\u{A0}", "\t", "", ","];

    fn assert_same(s: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let fast = normalize(s);
        for slow in [normalize_exact(s, false), normalize_exact(s, true)] {
            proptest::prop_assert_eq!(&fast.text, &slow.text);
            proptest::prop_assert_eq!(&fast.map, &slow.map);
            proptest::prop_assert_eq!(fast.elongated, slow.elongated);
            proptest::prop_assert_eq!(fast.orig_len, slow.orig_len);
        }
        Ok(())
    }

    proptest::proptest! {
        /// The fast path (flags for the later passes taken exactly while building) gives the
        /// same text, map and elongation as the exact builder, whether that gates the passes
        /// on its cheap flags or on the whole-text tests.
        #[test]
        fn fast_path_equals_the_exact_builder(
            s in "[a-zA-Z0-9 !@$.,яИкаЕёé\u{301}😂xXoO]{0,40}"
        ) {
            assert_same(&s)?;
        }

    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(3000))]
        /// The same on spelled-out letters, look-alikes, repeats and rarer characters.
        #[test]
        fn fast_path_equals_the_exact_builder_on_tricky_text(
            s in "([a-dA-D] |[оaсcpе60бя] |[оaсcpе60бя]|[ауеАУ]|[!!!...]|[1-4@$]|\u{2019}|ﬁ|\u{FE0F}|é|ё|ñ|¿|\u{85}|\u{A0}|\u{482}|ґ|\u{1F600}|\u{2764}|  |\t|\u{0}|[xyzXYZ]{1,3}){0,30}"
        ) {
            assert_same(&s)?;
        }

        /// The same on texts built from pieces that make the later passes fire.
        #[test]
        fn fast_path_equals_the_exact_builder_on_pieces(
            pieces in proptest::collection::vec(
                (proptest::sample::select(&PIECES[..]), proptest::sample::select(&SEPARATORS[..])),
                0..16,
            )
        ) {
            let s: String = pieces.iter().flat_map(|(p, sep)| [*p, *sep]).collect();
            assert_same(&s)?;
        }

        /// The same on any string.
        #[test]
        fn fast_path_equals_the_exact_builder_on_any_string(s in "\\PC{0,60}") {
            assert_same(&s)?;
        }
    }

    #[test]
    fn cyrillic_letters_fold_as_the_quick_table_says() {
        for u in 0x410..=0x44F {
            let c = char::from_u32(u).unwrap();
            let mut b = [0u8; 4];
            let e = c.encode_utf8(&mut b).as_bytes();
            let (orig, f) = cyrillic_letter(e[0], e[1]).unwrap();
            assert_eq!(orig, c);
            assert_eq!(quick_entry(c), char_classes(f), "{c}");
            assert_eq!(quick_fold(c), Some(f));
        }
        assert_eq!(cyrillic_letter(0xD1, 0x91), None, "ё takes the table");
        assert_eq!(cyrillic_letter(0xD0, 0x80), None, "Ѐ takes the table");
    }

    #[test]
    fn fast_path_equals_the_exact_builder_on_known_cases() {
        for s in [
            "\0\0\0a b c d",
            "a b c dddd!",
            "x aaa b c d",
            "(a b c d)",
            "а б в г",
            "в 6\u{482} и к",
            "a!!!b, sh!t id10t, a1111b",
            "cooool!!! ...",
            "Ｆｕｌｌ ﬁne ü ß",
            "ЁЛКА Йога е6лан cyкa",
            "ґaґ",
            "а м а з о н с к а я   т о р г",
            "ДДДДАААА ЙЙЙ йй МОЛОКО cyкaaa ПРИВЕТ!!! Ёлка ааа",
            "\u{4D9}x \u{4D9}a, ґ-a, яé6",
        ] {
            assert_same(s).unwrap();
        }
    }

    /// Counts of the original text: ASCII and non-ASCII letters (as the caller classifies
    /// them), capitals, '!', '?' and '¿', and '@' only where it starts a name.
    #[test]
    fn counts_what_features_read() {
        let mut n = Normalized::default();
        let mut c = TextCounts::default();
        let info = |ch: char| match ch {
            'Я' => 3,
            'я' | 'é' => 1,
            _ => 0,
        };
        normalize_into("Hi @bob, a@b ¿Я é? @ @_x!!", &mut n, &mut c, info);
        assert_eq!(
            c,
            TextCounts {
                letters: 10,
                upper: 2,
                exclaims: 2,
                questions: 2,
                mentions: 2,
            }
        );
        assert_eq!(n.text, "hi @bob, aab ¿я e? @ @_x!!");
    }

    #[test]
    fn buffers_are_reused_without_leftovers() {
        let mut n = Normalized::default();
        let mut c = TextCounts::default();
        normalize_into("Canción ÉXITOOOO", &mut n, &mut c, |_| 0);
        normalize_into("ok", &mut n, &mut c, |_| 0);
        let fresh = normalize("ok");
        assert_eq!(n.text, fresh.text);
        assert_eq!(n.map, fresh.map);
        assert!(!n.elongated);
    }

    #[test]
    fn ascii_text_keeps_its_layout() {
        let orig = "Not Working since Monday";
        let n = normalize(orig);
        assert_eq!(n.orig_span(orig, 4, 11), (4, 11));
    }
}

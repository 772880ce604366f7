//! The exact builder the normaliser's single pass replaced, kept as the reference the tests
//! check the fast path against: [`normalize_exact`] folds character by character and runs
//! the later passes (look-alikes, spelled-out words, leetspeak) on their whole-text tests or
//! on the cheap flags noted while building.

use super::*;

/// The one character `c` folds to, from the precomputed table; `None` when `c` is not in it
/// or folds to zero or several characters.
pub(super) fn quick_fold(c: char) -> Option<char> {
    let q = quick_entry(c);
    if q & Q_SLOW != 0 {
        None
    } else if q & Q_ASCII != 0 {
        Some((q & 0x7F) as u8 as char)
    } else {
        char::from_u32(q & Q_CHAR)
    }
}

/// The exact builder the fast path replaced, kept to check it: [`normalize`] character by
/// character, with the later passes gated by their whole-text tests (`whole_text_checks`) or
/// by the cheap flags noted while building.
pub(super) fn normalize_exact(text: &str, whole_text_checks: bool) -> Normalized {
    let mut n = Builder {
        out: String::with_capacity(text.len() + 8),
        map: Vec::new(),
        identity: true,
        run_char: '\0',
        run_len: 0,
        run_start_len: 0,
        elongated: false,
        cyrillic: false,
        spaced: false,
        leet: false,
        leet_at: 0,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            n.push_ascii(b.to_ascii_lowercase(), i);
            i += 1;
            continue;
        }
        let (c, len) = char_at(bytes, i);
        match quick_fold(c) {
            Some(f) => {
                if f.len_utf8() != len {
                    n.switch_to_map();
                }
                n.push(f, i);
            }
            None => {
                n.switch_to_map();
                fold_char(c, |f| n.push(f, i));
            }
        }
        i += len;
    }
    let Builder {
        mut out,
        mut map,
        elongated,
        cyrillic,
        spaced,
        leet,
        leet_at,
        ..
    } = n;
    let mut leet_from = leet_at;
    if cyrillic && has_mixed_word(&out) {
        if map.is_empty() {
            map.extend(0..out.len() as u32);
        }
        fold_homoglyphs(&mut out, &mut map);
        leet_from = 0;
    }
    let spaced = if whole_text_checks {
        has_spaced_letters(&out)
    } else {
        spaced && !spaced_runs(&out).is_empty()
    };
    if spaced {
        if map.is_empty() {
            map.extend(0..out.len() as u32);
        }
        join_spaced_letters(&mut out, &mut map);
        leet_from = 0;
    }
    if whole_text_checks {
        unleet(&mut out, 0);
    } else if leet {
        unleet(&mut out, leet_from);
    }
    Normalized {
        text: out,
        map,
        orig_len: text.len(),
        elongated,
    }
}

/// The normalised text as it is built, with elongations collapsed on the way.
struct Builder {
    out: String,
    map: Vec<u32>,
    identity: bool,
    run_char: char,
    run_len: u32,
    run_start_len: usize,
    elongated: bool,
    /// A Cyrillic letter was written (U+0400..U+047F: lead byte 0xD0 or 0xD1).
    cyrillic: bool,
    /// A space was written two bytes after a space not at the start (" x "): the cheap test
    /// for spelled-out words.
    spaced: bool,
    /// A leetspeak character was written right after an ASCII letter; the first at `leet_at`.
    leet: bool,
    leet_at: usize,
}

impl Builder {
    /// Appends one ASCII byte (and its map entry), noting the cheap tests for spelled-out
    /// words and leetspeak on the way.
    #[inline(always)]
    fn write_ascii(&mut self, c: u8, orig: usize) {
        let p = self.out.len();
        let o = self.out.as_bytes();
        if c == b' ' {
            self.spaced |= p >= 3 && o[p - 2] == b' ';
        } else if LEET[c as usize] != 0 && !self.leet && p > 0 && o[p - 1].is_ascii_alphabetic() {
            self.leet = true;
            self.leet_at = p;
        }
        self.out.push(c as char);
        if !self.identity {
            self.map.push(orig as u32);
        }
    }

    /// Pushes one (already folded) ASCII byte that came from original offset `orig`.
    #[inline(always)]
    fn push_ascii(&mut self, b: u8, orig: usize) {
        let c = b as char;
        if c == self.run_char {
            self.push_repeat(c, orig);
            return;
        }
        self.start_run(c);
        self.write_ascii(b, orig);
    }

    /// `c` starts a new run of equal characters at the current end of the output.
    #[inline(always)]
    fn start_run(&mut self, c: char) {
        self.run_char = c;
        self.run_len = 1;
        self.run_start_len = self.out.len();
    }

    /// Pushes a folded character that came from original offset `orig`.
    #[inline(always)]
    fn push(&mut self, c: char, orig: usize) {
        if c.is_ascii() {
            self.push_ascii(c as u8, orig);
            return;
        }
        if c == self.run_char {
            self.push_repeat(c, orig);
            return;
        }
        self.start_run(c);
        self.write(c, orig);
    }

    /// Writes `c` and its map entries.
    #[inline(always)]
    fn write(&mut self, c: char, orig: usize) {
        if c.is_ascii() {
            self.write_ascii(c as u8, orig);
            return;
        }
        self.out.push(c);
        let u = c as u32;
        self.cyrillic |= (0x400..0x480).contains(&u);
        let len = c.len_utf8();
        if !self.identity {
            for _ in 0..len {
                self.map.push(orig as u32);
            }
        }
    }

    /// `c` repeats the previous character: from the third in a row it is dropped
    /// ("cooool" → "col", "!!!" → "!"), except for digits and white space.
    #[inline(always)]
    fn push_repeat(&mut self, c: char, orig: usize) {
        if keeps_repeats(c) {
            self.start_run(c);
            self.write(c, orig);
            return;
        }
        self.run_len += 1;
        if self.run_len >= 3 {
            self.switch_to_map();
            if self.run_len == 3 {
                let keep = self.run_start_len + c.len_utf8();
                self.out.truncate(keep);
                self.map.truncate(keep);
                self.elongated = true;
            }
            return;
        }
        self.write(c, orig);
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

//! Text normalisation for matching: compatibility decomposition (NFKC's folding), case folding,
//! accent folding, elongation collapse ("sooooo" → "so") and leetspeak ("id10t" → "idiot"),
//! while keeping a map from every normalised byte back to the original text, so that matched
//! spans can be highlighted where the author wrote them. ASCII text takes a fast path.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Text folded for matching, with the way back to the original.
#[derive(Debug, Clone)]
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
}

/// Normalises `text` for matching. Deterministic and total: any string is accepted.
pub fn normalize(text: &str) -> Normalized {
    let mut n = Builder {
        out: Vec::with_capacity(text.len() + 8),
        map: Vec::new(),
        identity: true,
        run_char: '\0',
        run_len: 0,
        run_start_len: 0,
        elongated: false,
    };
    if text.is_ascii() {
        // Byte for byte the same layout until an elongation is collapsed.
        for (i, &b) in text.as_bytes().iter().enumerate() {
            n.push_ascii(b.to_ascii_lowercase(), i);
        }
    } else {
        n.identity = false;
        n.map.reserve(text.len() + 8);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                n.push_ascii(b.to_ascii_lowercase(), i);
                i += 1;
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            fold_char(c, |f| n.push(f, i));
            i += c.len_utf8();
        }
    }
    let Builder {
        out,
        mut map,
        elongated,
        ..
    } = n;
    // Only whole characters were pushed: the bytes are valid UTF-8.
    let mut out = String::from_utf8(out).unwrap_or_default();
    if !map.is_empty() && out.bytes().any(|b| b == 0xD0 || b == 0xD1) {
        fold_homoglyphs(&mut out, &mut map);
    }
    if has_spaced_letters(&out) {
        if map.is_empty() {
            map.extend(0..out.len() as u32);
        }
        join_spaced_letters(&mut out, &mut map);
    }
    unleet(&mut out);
    Normalized {
        text: out,
        map,
        orig_len: text.len(),
        elongated,
    }
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

/// The normalised text as it is built, with elongations collapsed on the way.
struct Builder {
    out: Vec<u8>,
    map: Vec<u32>,
    identity: bool,
    run_char: char,
    run_len: u32,
    run_start_len: usize,
    elongated: bool,
}

/// Repeats of these never count as an elongation.
#[inline]
fn keeps_repeats(c: char) -> bool {
    c.is_ascii_digit() || c.is_whitespace()
}

impl Builder {
    /// True when `c` is to be dropped as a repeat; updates the run either way.
    #[inline]
    fn collapse(&mut self, c: char) -> bool {
        if c == self.run_char && !keeps_repeats(c) {
            self.run_len += 1;
            if self.run_len == 3 {
                // A third repeat: keep a single one ("cooool" → "col", "!!!" → "!").
                self.switch_to_map();
                let keep = self.run_start_len + c.len_utf8();
                self.out.truncate(keep);
                self.map.truncate(keep);
                self.elongated = true;
            }
            if self.run_len >= 3 {
                self.switch_to_map();
                return true;
            }
        } else {
            self.run_char = c;
            self.run_len = 1;
            self.run_start_len = self.out.len();
        }
        false
    }

    /// Pushes one (already folded) ASCII byte that came from original offset `orig`.
    #[inline]
    fn push_ascii(&mut self, b: u8, orig: usize) {
        if self.collapse(b as char) {
            return;
        }
        self.out.push(b);
        if !self.identity {
            self.map.push(orig as u32);
        }
    }

    #[inline]
    fn push(&mut self, c: char, orig: usize) {
        if c.is_ascii() {
            self.push_ascii(c as u8, orig);
            return;
        }
        if self.collapse(c) {
            return;
        }
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        self.out.extend_from_slice(bytes);
        if !self.identity {
            for _ in 0..bytes.len() {
                self.map.push(orig as u32);
            }
        }
    }

    /// Switches from the identity layout to an explicit map.
    fn switch_to_map(&mut self) {
        if self.identity {
            self.identity = false;
            let last = self.out.len();
            // Bytes written so far were identical to the original.
            self.map.extend(0..last as u32);
        }
    }
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
fn fold_homoglyphs(out: &mut String, map: &mut Vec<u32>) {
    if !has_mixed_word(out) {
        return;
    }
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
    let (mut cyr, mut lat) = (false, false);
    for ch in s.chars() {
        if !is_word(ch) {
            cyr = false;
            lat = false;
        } else if is_cyrillic(ch) {
            cyr = true;
        } else if cyrillic_lookalike(ch).is_some() {
            lat = true;
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
    b.windows(4).any(|w| w[1] == b' ' && w[3] == b' ') && !spaced_runs(s).is_empty()
}

/// Runs of spaced-out single letters: (start, end) byte ranges.
fn spaced_runs(s: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let is_single = |k: usize| {
        chars[k].1.is_alphabetic()
            && (k == 0 || !chars[k - 1].1.is_alphanumeric())
            && chars.get(k + 1).is_none_or(|c| !c.1.is_alphanumeric())
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
/// letters they stand for. Byte-for-byte, so the map stays valid.
fn unleet(s: &mut String) {
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| leet(b).is_some()) {
        return;
    }
    let mut v = std::mem::take(s).into_bytes();
    let n = v.len();
    let mut i = 0;
    while i < n {
        if leet(v[i]).is_some() && i > 0 && v[i - 1].is_ascii_alphabetic() {
            let mut j = i;
            while j < n && leet(v[j]).is_some() {
                j += 1;
            }
            if j < n && v[j].is_ascii_alphabetic() && j - i <= 3 {
                for b in &mut v[i..j] {
                    *b = leet(*b).unwrap_or(*b);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes: still valid UTF-8.
    *s = String::from_utf8(v).unwrap_or_default();
}

#[inline]
fn leet(b: u8) -> Option<u8> {
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
mod tests {
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
    fn ascii_text_keeps_its_layout() {
        let orig = "Not Working since Monday";
        let n = normalize(orig);
        assert_eq!(n.orig_span(orig, 4, 11), (4, 11));
    }
}

//! What every match of a rule's regex must contain, read from the pattern as `regex-syntax`
//! parses it (the parser the `regex` crate itself uses, so flags, escapes and classes mean
//! what they mean to the regex): a text with none of those characters cannot match, so the
//! regex is not run on it. Where nothing small is required, the regex always runs.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The most characters a needle set may hold before looking for them costs more than it saves.
const MAX_NEEDLES: usize = 4;

/// Characters of which every match of `pattern` contains at least one, when the pattern says
/// so plainly; `None` when it does not (or the set would be large).
pub(crate) fn needles(pattern: &str) -> Option<Vec<char>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    match required(&hir) {
        Req::Set(set) if set.len() <= MAX_NEEDLES => Some(set),
        _ => None,
    }
}

/// What every match of `hir` contains.
fn required(hir: &Hir) -> Req {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) | HirKind::Class(Class::Bytes(_)) => Req::Unknown,
        // Every character of a literal is needed: the best one will do.
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).map_or(Req::Unknown, |s| {
            s.chars()
                .map(|c| Req::Set(vec![c]))
                .fold(Req::Unknown, Req::best)
        }),
        HirKind::Class(Class::Unicode(class)) => {
            let mut set = Vec::new();
            for r in class.ranges() {
                if set.len() + (r.end() as usize - r.start() as usize) >= MAX_NEEDLES {
                    return Req::Unknown;
                }
                set.extend(r.start()..=r.end());
            }
            Req::Set(set)
        }
        HirKind::Repetition(rep) if rep.min == 0 => Req::Unknown,
        HirKind::Repetition(rep) => required(&rep.sub),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Concat(parts) => parts.iter().map(required).fold(Req::Unknown, Req::best),
        HirKind::Alternation(branches) => branches
            .iter()
            .map(required)
            .reduce(Req::either)
            .unwrap_or(Req::Unknown),
    }
}

/// Needles ready to look for.
#[derive(Debug)]
pub(crate) struct Needles {
    /// Up to [`MAX_NEEDLES`] ASCII needles, the first repeated to fill the array.
    bytes: Option<[u8; MAX_NEEDLES]>,
    /// The needles, when one is not ASCII.
    chars: Box<[char]>,
}

impl Needles {
    pub(crate) fn new(set: &[char]) -> Option<Needles> {
        let first = *set.first()?;
        if set.len() > MAX_NEEDLES {
            return None;
        }
        let bytes = set.iter().all(char::is_ascii).then(|| {
            let mut b = [first as u8; MAX_NEEDLES];
            for (slot, &c) in b.iter_mut().zip(set) {
                *slot = c as u8;
            }
            b
        });
        Some(Needles {
            bytes,
            chars: set.into(),
        })
    }

    /// Whether `text` holds one of the needles.
    pub(crate) fn any_in(&self, text: &str) -> bool {
        let Some(n) = self.bytes else {
            return self.chars.iter().any(|&c| text.contains(c));
        };
        // One to three needles: memchr's vector search.
        let t = text.as_bytes();
        match self.chars.len() {
            1 => return memchr::memchr(n[0], t).is_some(),
            2 => return memchr::memchr2(n[0], n[1], t).is_some(),
            3 => return memchr::memchr3(n[0], n[1], n[2], t).is_some(),
            _ => {}
        }
        let has = |b: u8| (b == n[0]) | (b == n[1]) | (b == n[2]) | (b == n[3]);
        // Whole blocks without an early exit, so the compiler compares many bytes at once.
        let mut blocks = t.chunks_exact(32);
        for block in blocks.by_ref() {
            if block.iter().fold(false, |acc, &b| acc | has(b)) {
                return true;
            }
        }
        blocks.remainder().iter().any(|&b| has(b))
    }
}

/// What a piece of a pattern guarantees about its matches.
#[derive(Debug, Clone, PartialEq)]
enum Req {
    /// Nothing known (it may match the empty string).
    Unknown,
    /// Every match contains one of these characters (sorted, distinct).
    Set(Vec<char>),
}

impl Req {
    /// A set of ASCII punctuation and symbols: rare in text, so the better test.
    fn rare(&self) -> bool {
        match self {
            Req::Set(s) => s.iter().all(|c| c.is_ascii_punctuation()),
            Req::Unknown => false,
        }
    }

    /// The better of two guarantees that both hold (a sequence needs only one).
    fn best(self, other: Req) -> Req {
        match (&self, &other) {
            (Req::Unknown, _) => other,
            (_, Req::Unknown) => self,
            (Req::Set(a), Req::Set(b)) => {
                if (other.rare(), std::cmp::Reverse(b.len()))
                    > (self.rare(), std::cmp::Reverse(a.len()))
                {
                    other
                } else {
                    self
                }
            }
        }
    }

    /// What holds when either of two pieces matched (an alternation needs both).
    fn either(self, other: Req) -> Req {
        match (self, other) {
            (Req::Set(mut a), Req::Set(b)) => {
                a.extend(b);
                a.sort_unstable();
                a.dedup();
                Req::Set(a)
            }
            _ => Req::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn the_packs_regexes_need_their_punctuation() {
        assert_eq!(
            needles(r"@(?:ask\w+|\w*(?:support|help|care|cares|service|team)\w*)"),
            Some(vec!['@'])
        );
        let masked = r"(?:^|[^\p{L}])(?:х[.*]{2,4}|х\*[иеяю]\p{L}*|п[.*]{1,4}ц|п[.*]{1,3}зд\p{L}*|б[.*]{2,4}(?:ть|дь)?|е[.*]{1,3}(?:ть|ан\p{L}*))(?:[^\p{L}]|$)";
        assert_eq!(needles(masked), Some(vec!['*', '.']));
    }

    #[test]
    fn needles_are_found_anywhere_in_a_long_text() {
        let n = Needles::new(&['.', '*']).unwrap();
        let long = "ничего такого здесь нет ".repeat(5);
        assert!(!n.any_in(&long));
        assert!(n.any_in(&format!("{long}х..")));
        assert!(n.any_in(&format!("*{long}")));
        let cyr = Needles::new(&['х']).unwrap();
        assert!(cyr.any_in(&long[..long.len() - 1].replace("такого", "х")));
        assert!(!cyr.any_in("abc"));
    }

    #[test]
    fn patterns_without_a_small_required_set_give_no_answer() {
        for p in [
            "a|.",
            "x*",
            "a{0,3}",
            "[a-z]+",
            "[^@]",
            "[[:alpha:]]",
            r"\bfoo|.?",
            r"\<\w+",
            "(",
        ] {
            assert_eq!(needles(p), None, "{p}");
        }
        assert_eq!(needles("ab|cd"), Some(vec!['a', 'c']));
        // `\<` is a word boundary, not a '<'.
        assert_eq!(needles(r"\<ab"), Some(vec!['a']));
    }

    #[test]
    fn flags_escapes_and_groups_read_as_the_regex_reads_them() {
        // Case folding makes a class of each letter.
        assert_eq!(needles("(?i)abc"), Some(vec!['A', 'a']));
        assert_eq!(needles(r"\x41"), Some(vec!['A']));
        assert_eq!(needles("(?P<n>a)"), Some(vec!['a']));
        // Punctuation is rarer in text than letters, so it is the better needle.
        assert_eq!(needles("ab@"), Some(vec!['@']));
    }

    proptest::proptest! {
        /// One to four needles (memchr's searches and the block fold) are found exactly when
        /// the text holds one, wherever it is in a text of any length.
        #[test]
        fn any_in_finds_a_needle_where_the_text_has_one(
            set in proptest::collection::btree_set(proptest::char::range('!', '~'), 1..=4),
            text in "[ -~é]{0,80}",
        ) {
            let set: Vec<char> = set.into_iter().collect();
            let n = Needles::new(&set).unwrap();
            proptest::prop_assert_eq!(n.any_in(&text), text.chars().any(|c| set.contains(&c)));
        }

        /// Whenever a pattern the reading answers for matches, the match holds a needle.
        #[test]
        fn a_match_always_holds_a_needle(
            pattern in r"(\(\?i\))?(\(\?:)?[ab@.*|]{0,3}(\[[ab.*\\^-]{1,3}\])?[+*?]?[ab.*]?(\{[0-2](,[0-3])?\})?\)?[|ab]{0,2}",
            text in "[abAB@.*xyz ]{0,12}",
        ) {
            let (Ok(re), Some(set)) = (Regex::new(&pattern), needles(&pattern)) else {
                return Ok(());
            };
            for m in re.find_iter(&text) {
                proptest::prop_assert!(
                    m.as_str().chars().any(|c| set.contains(&c)),
                    "{pattern:?} matched {:?} without {set:?}", m.as_str()
                );
            }
            if !Needles::new(&set).is_some_and(|n| n.any_in(&text)) {
                proptest::prop_assert!(!re.is_match(&text));
            }
        }
    }
}

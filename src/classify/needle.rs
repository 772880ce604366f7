//! What every match of a rule's regex must contain, read from the pattern's source: a text
//! with none of those characters cannot match, so the regex is not run on it. The reading is
//! conservative — any syntax it does not follow closely (flags, nested classes, most escapes)
//! gives no answer, and the regex then always runs.

/// The most characters a needle set may hold before looking for them costs more than it saves.
const MAX_NEEDLES: usize = 4;

/// Characters of which every match of `pattern` contains at least one, when the pattern says
/// so plainly; `None` when it does not (or the set would be large).
pub(crate) fn needles(pattern: &str) -> Option<Vec<char>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Parser { s: &chars, i: 0 };
    let req = p.alternation()?;
    if p.i != chars.len() {
        return None;
    }
    match req {
        Req::Set(set) if set.len() <= MAX_NEEDLES => Some(set),
        _ => None,
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
        let has = |b: u8| (b == n[0]) | (b == n[1]) | (b == n[2]) | (b == n[3]);
        // Whole blocks without an early exit, so the compiler compares many bytes at once.
        let mut blocks = text.as_bytes().chunks_exact(32);
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

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// Branches separated by `|`, up to the end or a `)` (not consumed).
    fn alternation(&mut self) -> Option<Req> {
        let mut req = self.sequence()?;
        while self.peek() == Some('|') {
            self.i += 1;
            req = req.either(self.sequence()?);
        }
        Some(req)
    }

    /// Quantified atoms one after another, up to `|`, `)` or the end.
    fn sequence(&mut self) -> Option<Req> {
        let mut req = Req::Unknown;
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            req = req.best(atom);
        }
        Some(req)
    }

    fn atom(&mut self) -> Option<Req> {
        match self.next()? {
            '(' => {
                if self.peek() == Some('?') {
                    // Only the plain non-capturing group: flags may fold case.
                    if self.s.get(self.i + 1) != Some(&':') {
                        return None;
                    }
                    self.i += 2;
                }
                let req = self.alternation()?;
                (self.next()? == ')').then_some(req)
            }
            '[' => self.class(),
            '\\' => self.escape(),
            '.' | '^' | '$' => Some(Req::Unknown),
            '*' | '+' | '?' | '{' | ')' | '|' => None,
            c => Some(Req::Set(vec![c])),
        }
    }

    /// After a backslash outside a class.
    fn escape(&mut self) -> Option<Req> {
        let c = self.next()?;
        // `\<` and `\>` are word boundaries.
        if c == '<' || c == '>' {
            return Some(Req::Unknown);
        }
        if c.is_ascii_punctuation() {
            return Some(Req::Set(vec![c]));
        }
        match c {
            'p' | 'P' => {
                self.skip_braced_or_one()?;
                Some(Req::Unknown)
            }
            'w' | 'W' | 'd' | 'D' | 's' | 'S' | 'b' | 'B' | 'A' | 'z' => Some(Req::Unknown),
            _ => None,
        }
    }

    /// `{...}` or one character, after `\p`.
    fn skip_braced_or_one(&mut self) -> Option<()> {
        if self.next()? == '{' {
            while self.next()? != '}' {}
        }
        Some(())
    }

    /// A bracketed class, after its `[`: a set when it lists plain characters only.
    fn class(&mut self) -> Option<Req> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.i += 1;
        }
        let mut set = Vec::new();
        let mut plain = !negated;
        let mut first = true;
        loop {
            let c = self.next()?;
            match c {
                ']' if !first => break,
                '[' => return None,
                '\\' => {
                    let e = self.next()?;
                    if e.is_ascii_punctuation() && e != '<' && e != '>' {
                        set.push(e);
                    } else {
                        plain = false;
                        match e {
                            'p' | 'P' => self.skip_braced_or_one()?,
                            'w' | 'W' | 'd' | 'D' | 's' | 'S' => {}
                            _ => return None,
                        }
                    }
                }
                // Ranges and set operations.
                '-' | '&' | '~' => plain = false,
                c => set.push(c),
            }
            first = false;
        }
        if !plain || set.is_empty() {
            return Some(Req::Unknown);
        }
        set.sort_unstable();
        set.dedup();
        Some(Req::Set(set))
    }

    /// A quantifier after an atom, if any: one that allows zero repetitions drops what the
    /// atom guaranteed.
    fn quantified(&mut self, atom: Req) -> Option<Req> {
        let req = match self.peek() {
            Some('*') | Some('?') => {
                self.i += 1;
                Req::Unknown
            }
            Some('+') => {
                self.i += 1;
                atom
            }
            Some('{') => {
                self.i += 1;
                let mut min = String::new();
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    min.push(d);
                    self.i += 1;
                }
                let min: u32 = min.parse().ok()?;
                while self.next()? != '}' {}
                if min == 0 { Req::Unknown } else { atom }
            }
            _ => return Some(atom),
        };
        // A lazy quantifier matches the same texts.
        if self.peek() == Some('?') {
            self.i += 1;
        }
        Some(req)
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
    fn what_it_cannot_follow_gives_no_answer() {
        for p in [
            "(?i)abc",
            "a|.",
            "x*",
            "a{0,3}",
            "[a-z]+",
            "[^@]",
            r"\x41",
            "[[:alpha:]]",
            "(?P<n>a)",
            r"\bfoo|.?",
            r"\<\w+",
        ] {
            assert_eq!(needles(p), None, "{p}");
        }
        assert_eq!(needles("ab|cd"), Some(vec!['a', 'c']));
        // `\<` is a word boundary, not a '<'.
        assert_eq!(needles(r"\<ab"), Some(vec!['a']));
    }

    proptest::proptest! {
        /// Whenever a pattern the reading answers for matches, the match holds a needle.
        #[test]
        fn a_match_always_holds_a_needle(
            pattern in r"(\(\?:)?[ab@.*|]{0,3}(\[[ab.*\\^-]{1,3}\])?[+*?]?[ab.*]?(\{[0-2](,[0-3])?\})?\)?[|ab]{0,2}",
            text in "[ab@.*xyz ]{0,12}",
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

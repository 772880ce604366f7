//! Property tests: every reader (the three canonical ones and the nine platform ones) and format
//! detection survive hostile input. Arbitrary bytes and strings, and the project's own fixtures
//! mutated (cut off anywhere, a byte flipped, a value of the wrong type, a number as a huge
//! string, deep nesting, empty lists and objects, duplicate keys, a 1 MB string) never panic,
//! read the same twice, and keep every record that is still intact: it is read with its id, or
//! kept as a bad record with its raw bytes.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use calma::domain::Comment;
use calma::ingest::{
    BadRecord, FileError, Item, ReadOptions, Reader, detect, read_file, read_from, reader_by_name,
    readers,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Running readers

/// What one reader made of one input.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    items: Vec<Item>,
    /// The whole input was refused (the reader's message).
    refused: Option<String>,
}

impl Outcome {
    fn good(&self) -> impl Iterator<Item = &Comment> {
        self.items.iter().filter_map(|i| match i {
            Item::Comment(c) => Some(&**c),
            Item::Bad(_) => None,
        })
    }
    fn bad(&self) -> impl Iterator<Item = &BadRecord> {
        self.items.iter().filter_map(|i| match i {
            Item::Bad(b) => Some(b),
            Item::Comment(_) => None,
        })
    }
    fn has_good(&self, id: &str) -> bool {
        self.good().any(|c| c.external_id == id)
    }
    /// True when some bad record kept `needle` in its raw bytes.
    fn kept_raw(&self, needle: &str) -> bool {
        self.bad()
            .any(|b| contains(&b.raw, needle.as_bytes()) || contains(&b.raw, &json_str(needle)))
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// `s` as it is written inside a JSON string (without the quotes).
fn json_str(s: &str) -> Vec<u8> {
    let q = serde_json::to_string(s).expect("a string serializes");
    q.as_bytes()[1..q.len() - 1].to_vec()
}

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic".into())
}

/// Runs one reader over `input`, a panic turned into a test failure naming the reader.
fn run(r: &dyn Reader, input: &[u8]) -> Result<Outcome, TestCaseError> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut items = Vec::new();
        let mut cur = input;
        let res = r.read(&mut cur, &opts(), &mut |i| {
            items.push(i);
            Ok(())
        });
        Outcome {
            items,
            refused: res.err().map(|e| e.to_string()),
        }
    }))
    .map_err(|p| TestCaseError::fail(format!("{} reader panicked: {}", r.name(), panic_text(p))))
}

/// Runs one reader twice and checks it said the same both times.
fn run_twice(r: &dyn Reader, input: &[u8]) -> Result<Outcome, TestCaseError> {
    let a = run(r, input)?;
    let b = run(r, input)?;
    prop_assert_eq!(&a, &b, "{} reader is not deterministic", r.name());
    Ok(a)
}

/// The same inputs on every run, so CI stays repeatable (failures found before are replayed from
/// the regressions file anyway); `CALMA_FUZZ_RANDOM=1 cargo test --test readers_fuzz` explores
/// new ones.
fn config(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::with_cases(cases);
    if std::env::var_os("CALMA_FUZZ_RANDOM").is_none() {
        c.rng_seed = proptest::test_runner::RngSeed::Fixed(0xca1a_f022);
    }
    c
}

/// Detection under several names, and a read with the detected reader, as `calma ingest`
/// does it: no panic, the same answer twice.
fn detect_and_read(input: &[u8]) -> Result<(), TestCaseError> {
    for name in ["in.json", "in.ndjson", "in.csv", "tweets.js", "in"] {
        let path = Path::new(name);
        let attempt = || {
            catch_unwind(AssertUnwindSafe(|| {
                let picked = detect(path, &input[..input.len().min(64 * 1024)]).map(|r| r.name());
                let mut items = Vec::new();
                let read = read_from(path, input, None, &opts(), &mut |i| {
                    items.push(i);
                    Ok(())
                })
                .map_err(|e| e.to_string());
                (picked, read, items)
            }))
            .map_err(|p| {
                TestCaseError::fail(format!("detection of {name} panicked: {}", panic_text(p)))
            })
        };
        let once = attempt()?;
        let twice = attempt()?;
        prop_assert_eq!(once, twice, "detection of {} is not deterministic", name);
    }
    Ok(())
}

/// Every reader forced on `input`, then detection: nothing panics, everything is deterministic.
fn survive_all(input: &[u8]) -> Result<(), TestCaseError> {
    for r in readers() {
        run_twice(&*r, input)?;
    }
    detect_and_read(input)
}

// ---------------------------------------------------------------------------------------------
// Hostile strings

/// Pieces that make input nasty for a text or JSON reader.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "{", "}", "[", "]", "\"", ":", ",", "\\", "\n", "\r", "\r\n", "\0", " ", "\t",
            "\u{feff}", "\u{200f}", "\u{202e}", "\u{200b}", "é", "я", "😀", "👩‍👩‍👧", "\u{10ffff}",
            "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0000", "\\u00e9", "&amp;", "&#x1F600;",
            "&#", "&#99999999;", "&lt;", "<br>", "<", ">", ";", "\"id\"", "\"data\"", "\"items\"",
            "\"kind\"", "\"Listing\"", "\"t1\"", "\"children\"", "\"message\"", "\"text\"",
            "\"full_text\"", "\"tweet\"", "\"snippet\"", "\"replies\"", "\"reviews\"",
            "\"comment\"", "\"includes\"", "\"users\"", "\"created_time\"", "\"timestamp\"",
            "window.YTD.tweets.part0 = ", "tweet_id,author_id,inbound,created_at,text\n",
            "Comment ID,Comment text\n", "id,text,created_at\n", "True", "False", "null", "true",
            "1e400", "-0", "99999999999999999999999", "2024-03-01T10:00:00Z",
            "Mon Mar 04 10:20:00 +0000 2024", "1709201000.5", "\"\"", "{}", "[]",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,4}",
        1 => "[a-z0-9_]{1,6}",
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 0..48).prop_map(|v| v.concat())
}

/// Hostile strings inside the envelopes each reader looks for, so that they get past detection
/// and the first parse.
fn enveloped() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "{\"data\": [{\"id\": \"1\", \"message\": \"@\"}, @]}",
            "{\"data\": [{\"id\": \"1\", \"text\": \"@\", \"author_id\": \"@\"}], \"includes\": {\"users\": [@]}}",
            "{\"items\": [{\"kind\": \"youtube#commentThread\", \"id\": \"T\", \"snippet\": {\"topLevelComment\": {\"id\": \"@\", \"snippet\": {\"textOriginal\": \"@\", \"publishedAt\": \"@\"}}}}, @]}",
            "{\"reviews\": [{\"reviewId\": \"@\", \"comment\": \"@\", \"starRating\": \"@\", \"createTime\": \"@\"}, @]}",
            "[{\"kind\": \"Listing\", \"data\": {\"children\": [{\"kind\": \"t1\", \"data\": {\"id\": \"@\", \"body\": \"@\", \"created_utc\": @}}, @]}}]",
            "window.YTD.tweets.part0 = [{\"tweet\": {\"id_str\": \"@\", \"full_text\": \"@\", \"created_at\": \"@\"}}, @]",
            "{\"data\": [{\"id\": \"@\", \"text\": \"@\", \"username\": \"@\", \"timestamp\": \"@\", \"replies\": {\"data\": [@]}}]}",
            "[{\"id\": \"@\", \"text\": \"@\", \"platform\": \"@\", \"created_at\": \"@\"}, @]",
            "{\"id\": \"@\", \"text\": \"@\", \"platform\": \"x\"}\n@\n{\"id\": \"2\", \"text\": \"@\"}",
            "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n1,@,True,@,@,,\n@",
            "Comment ID,Channel ID,Comment create timestamp,Video ID,Comment text\n@,@,@,@,\"{\"\"text\"\": \"\"@\"\"}\"\n@",
            "id,text,created_at,platform\n@,@,@,@\n2,@,@\n",
        ]),
        prop::collection::vec(hostile_string(), 8),
    )
        .prop_map(|(shape, fills)| {
            let mut out = String::new();
            let mut fills = fills.into_iter().cycle();
            for (i, part) in shape.split('@').enumerate() {
                if i > 0 {
                    out.push_str(&fills.next().unwrap_or_default());
                }
                out.push_str(part);
            }
            out
        })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        survive_all(&bytes)?;
    }

    #[test]
    fn arbitrary_strings_never_panic(s in hostile_string()) {
        survive_all(s.as_bytes())?;
    }

    #[test]
    fn hostile_values_inside_every_envelope_never_panic(s in enveloped()) {
        survive_all(s.as_bytes())?;
    }
}

// ---------------------------------------------------------------------------------------------
// The project's fixtures

/// One fixture file, the reader detection picks for it, and what that reader reads of it.
struct Fixture {
    rel: String,
    bytes: Vec<u8>,
    reader: &'static str,
    base: Outcome,
    /// Each comment's id, what stands for it in the file ([`id_key`]) and where that occurs.
    ids: Vec<(String, String, Vec<usize>)>,
}

impl Fixture {
    fn reader(&self) -> Box<dyn Reader> {
        reader_by_name(self.reader).expect("a known reader")
    }
    fn is_csv(&self) -> bool {
        self.rel.ends_with(".csv")
    }
    fn is_ndjson(&self) -> bool {
        self.rel.ends_with(".ndjson")
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every fixture under `fixtures/<platform>/`, read once.
fn fixtures() -> &'static [Fixture] {
    static ALL: std::sync::OnceLock<Vec<Fixture>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
            .expect("fixtures/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .flat_map(|d| std::fs::read_dir(d).expect("a fixture folder"))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e != "md"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(fixture_dir())
                    .expect("under fixtures/")
                    .to_string_lossy()
                    .into_owned();
                let reader = read_file(&p, None, &opts(), &mut |_| Ok(()))
                    .unwrap_or_else(|e: FileError| panic!("{rel}: {e}"));
                let bytes = std::fs::read(&p).expect("readable fixture");
                let base = run(&*reader_by_name(reader).expect("known"), &bytes)
                    .unwrap_or_else(|e| panic!("{rel}: {e}"));
                assert!(
                    base.refused.is_none() && base.bad().count() == 0,
                    "{rel} reads cleanly"
                );
                let mut ids: Vec<(String, String, Vec<usize>)> = base
                    .good()
                    .map(|c| {
                        let key = id_key(&bytes, &c.external_id).to_owned();
                        let at = occurrences(&bytes, &key);
                        (c.external_id.clone(), key, at)
                    })
                    .collect();
                ids.dedup_by(|a, b| a.0 == b.0);
                Fixture {
                    rel,
                    bytes,
                    reader,
                    base,
                    ids,
                }
            })
            .collect()
    })
}

/// The byte ranges of the records of a fixture: rows of a CSV file, lines of NDJSON, the
/// elements of the record list of a JSON document (`data`, `items`, `reviews`, the top-level
/// array, Reddit listings' `children`), or the whole document when it is a single record.
fn record_spans(f: &Fixture) -> Vec<Range<usize>> {
    if f.is_csv() {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(f.bytes.as_slice());
        let mut rec = csv::ByteRecord::new();
        let _ = rdr.byte_headers();
        let mut start = rdr.position().byte() as usize;
        let mut spans = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap_or(false) {
            let end = rdr.position().byte() as usize;
            spans.push(start..end);
            start = end;
        }
        return spans;
    }
    if f.is_ndjson() {
        let mut spans = Vec::new();
        let mut start = 0;
        for (i, &b) in f.bytes.iter().enumerate() {
            if b == b'\n' {
                spans.push(start..i + 1);
                start = i + 1;
            }
        }
        return spans;
    }
    let text = std::str::from_utf8(&f.bytes).expect("UTF-8 fixture");
    let Some((_, root)) = parse_json(text) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    record_list(&root, &mut spans);
    spans
}

fn record_list(node: &Node, spans: &mut Vec<Range<usize>>) {
    match &node.j {
        J::Arr(items) => {
            for el in items {
                match el.get("kind").map(|k| k.raw()) {
                    Some("\"Listing\"") => {
                        if let Some(children) = el.get("data").and_then(|d| d.get("children")) {
                            record_list(children, spans);
                        }
                    }
                    _ => spans.push(el.span.clone()),
                }
            }
        }
        J::Obj(entries) => match ["data", "items", "reviews"]
            .iter()
            .find_map(|k| node.get(k))
        {
            Some(list @ Node { j: J::Arr(_), .. }) => record_list(list, spans),
            // An ids lookup: an object keyed by comment id.
            _ if entries.iter().all(|(k, v)| {
                k.trim_matches('"')
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'_')
                    && matches!(v.j, J::Obj(_))
            }) =>
            {
                spans.extend(entries.iter().map(|(_, v)| v.span.clone()))
            }
            _ => spans.push(node.span.clone()),
        },
        J::Atom(_) => {}
    }
}

/// Where `id` occurs in `text` as a whole word (not inside a longer id).
fn occurrences(text: &[u8], id: &str) -> Vec<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let n = id.len();
    if n == 0 || n > text.len() {
        return Vec::new();
    }
    let first = id.as_bytes()[0];
    (0..=text.len() - n)
        .filter(|&i| text[i] == first && &text[i..i + n] == id.as_bytes())
        .filter(|&i| i == 0 || !word(text[i - 1]))
        .filter(|&i| i + n == text.len() || !word(text[i + n]))
        .collect()
}

/// What stands for a comment id in its file: the id itself, or, for ids a reader builds from
/// parts (`{post}_{comment}`, `{review}/reply`), the rarest part that the file mentions.
fn id_key<'a>(text: &[u8], id: &'a str) -> &'a str {
    if !occurrences(text, id).is_empty() {
        return id;
    }
    id.split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.len() >= 3)
        .map(|p| (occurrences(text, p).len(), p))
        .filter(|(n, _)| *n > 0)
        .min()
        .map_or(id, |(_, p)| p)
}

/// The ids of the fixture's comments whose every mention lies in records that end at or before
/// `cut`: the records a file cut there still holds whole.
fn intact_ids(f: &Fixture, spans: &[Range<usize>], cut: usize) -> Vec<String> {
    // Spans are in file order: the whole ones are a prefix ending where the last one ends.
    let whole_end = spans
        .iter()
        .take_while(|s| s.end <= cut)
        .last()
        .map_or(0, |s| s.end);
    let first = spans.first().map_or(0, |s| s.start);
    f.ids
        .iter()
        .filter(|(_, _, at)| !at.is_empty() && at.iter().all(|&i| i >= first && i < whole_end))
        .map(|(id, _, _)| id.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A small JSON parser that keeps every value's raw text and position, so that a fixture can be
// written back with one value changed and nothing else moved.

#[derive(Debug, Clone)]
enum J {
    /// A string (with its quotes), a number or a literal, as written.
    Atom(String),
    Arr(Vec<Node>),
    /// Keys as written, with their quotes.
    Obj(Vec<(String, Node)>),
}

#[derive(Debug, Clone)]
struct Node {
    j: J,
    span: Range<usize>,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.j {
            J::Obj(entries) => entries
                .iter()
                .find(|(k, _)| k.trim_matches('"') == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }
    fn raw(&self) -> &str {
        match &self.j {
            J::Atom(s) => s,
            _ => "",
        }
    }
    /// Number of nodes in this tree, itself included.
    fn count(&self) -> usize {
        1 + match &self.j {
            J::Atom(_) => 0,
            J::Arr(v) => v.iter().map(Node::count).sum(),
            J::Obj(e) => e.iter().map(|(_, v)| v.count()).sum(),
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(self.s[start..self.i].to_owned());
                }
                _ => self.i += 1,
            }
        }
        None
    }
    fn value(&mut self) -> Option<Node> {
        self.ws();
        let start = self.i;
        let j = match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            break;
                        }
                        b',' => self.i += 1,
                        b'"' => {
                            let k = self.string()?;
                            self.ws();
                            (*self.b.get(self.i)? == b':').then_some(())?;
                            self.i += 1;
                            entries.push((k, self.value()?));
                        }
                        _ => return None,
                    }
                }
                J::Obj(entries)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        b',' => self.i += 1,
                        _ => items.push(self.value()?),
                    }
                }
                J::Arr(items)
            }
            b'"' => J::Atom(self.string()?),
            _ => {
                while self.i < self.b.len() && !b",]} \n\r\t".contains(&self.b[self.i]) {
                    self.i += 1;
                }
                J::Atom(self.s[start..self.i].to_owned())
            }
        };
        Some(Node {
            j,
            span: start..self.i,
        })
    }
}

/// Parses a JSON document, allowing a prefix before it (`window.YTD.tweets.part0 = `).
fn parse_json(text: &str) -> Option<(String, Node)> {
    let start = text.find(['{', '['])?;
    let mut p = Parser {
        b: text.as_bytes(),
        s: text,
        i: start,
    };
    let root = p.value()?;
    Some((text[..start].to_owned(), root))
}

/// A change to one value of a JSON document.
#[derive(Debug, Clone)]
enum Mutation {
    /// The value is replaced by this raw JSON.
    Replace(String),
    /// An object gets its first key again, with this raw value.
    DuplicateKey(String),
    /// An object loses its first key.
    DropKey,
}

/// Writes `node` back as compact JSON with `mutation` applied to the node numbered `target`
/// (pre-order). Returns the raw text the mutation took away or overrode.
fn write_json(
    node: &Node,
    target: usize,
    mutation: &Mutation,
    next: &mut usize,
    out: &mut String,
) -> Option<String> {
    let me = *next;
    *next += 1;
    let mut removed = None;
    let write_entries = |entries: &[(String, Node)],
                         next: &mut usize,
                         out: &mut String,
                         removed: &mut Option<String>| {
        let mut first = true;
        for (k, v) in entries {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(k);
            out.push(':');
            if let Some(r) = write_json(v, target, mutation, next, out) {
                *removed = Some(r);
            }
        }
    };
    match (&node.j, me == target, mutation) {
        (_, true, Mutation::Replace(raw)) => {
            out.push_str(raw);
            *next += node.count() - 1;
            let mut text = String::new();
            write_json(node, usize::MAX, mutation, &mut 0, &mut text);
            return Some(text);
        }
        (J::Obj(entries), true, Mutation::DuplicateKey(raw)) if !entries.is_empty() => {
            out.push('{');
            write_entries(entries, next, out, &mut removed);
            out.push_str(&format!(",{}:{raw}}}", entries[0].0));
            let mut text = String::new();
            write_json(&entries[0].1, usize::MAX, mutation, &mut 0, &mut text);
            return Some(text);
        }
        (J::Obj(entries), true, Mutation::DropKey) if !entries.is_empty() => {
            out.push('{');
            *next += entries[0].1.count();
            write_entries(&entries[1..], next, out, &mut removed);
            out.push('}');
            let mut text = String::new();
            write_json(&entries[0].1, usize::MAX, mutation, &mut 0, &mut text);
            return Some(text);
        }
        (J::Atom(s), _, _) => out.push_str(s),
        (J::Arr(items), _, _) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(r) = write_json(v, target, mutation, next, out) {
                    removed = Some(r);
                }
            }
            out.push(']');
        }
        (J::Obj(entries), _, _) => {
            out.push('{');
            write_entries(entries, next, out, &mut removed);
            out.push('}');
        }
    }
    removed
}

/// Values of the wrong type, or of the right type but hostile.
fn hostile_value() -> impl Strategy<Value = String> {
    let nest =
        |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
    prop_oneof![
        prop::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1.5",
            "-1.5e300",
            "1e400",
            "\"\"",
            "\"x\"",
            "[]",
            "{}",
            "[1,\"a\",null]",
            "{\"x\":1}",
            "\"\\ud800\"",
            "\"\\udc00\\ud800\"",
            "\"\\u0000\"",
            "\"\u{feff}\u{200f}\u{202e}abc\"",
            "\"2024-02-30T25:61:00Z\"",
            "\"Mon Mar 04 10:20:00 +0000\"",
            "\"&#xD800;&#1114112;&amp\"",
            "\"t1_\"",
            "\"<br\"",
            "\"@\"",
            "\"FIVE\"",
            "\"STAR_RATING_UNSPECIFIED\"",
            "\"True\"",
        ])
        .prop_map(str::to_owned),
        Just(format!("\"{}\"", "9".repeat(400))),
        Just(format!("1{}", "0".repeat(400))),
        Just(format!("-{}", "9".repeat(30))),
        Just(nest(100, "[", "]")),
        Just(nest(127, "[", "]")),
        Just(nest(300, "[", "]")),
        Just(format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100))),
        Just(format!(
            "{}1{}",
            "{\"replies\":{\"data\":[".repeat(40),
            "]}}".repeat(40)
        )),
        Just(format!("\"{}\"", "é😀a ".repeat(1 << 17))),
        "\\PC{0,20}".prop_map(|s| serde_json::to_string(&s).expect("a string serializes")),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => hostile_value().prop_map(Mutation::Replace),
        1 => hostile_value().prop_map(Mutation::DuplicateKey),
        1 => Just(Mutation::DropKey),
    ]
}

/// A JSON document of a fixture: the fixture's index, the text before the JSON, the parsed
/// document, and where it is in the file.
type JsonDoc = (usize, String, Node, Range<usize>);

/// The JSON documents among the fixtures, and each line of the NDJSON ones, parsed.
fn json_docs() -> &'static [JsonDoc] {
    static ALL: std::sync::OnceLock<Vec<JsonDoc>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut docs = Vec::new();
        for (i, f) in fixtures().iter().enumerate() {
            if f.is_csv() {
                continue;
            }
            let text = std::str::from_utf8(&f.bytes).expect("UTF-8 fixture");
            if f.is_ndjson() {
                let mut at = 0;
                for line in text.split_inclusive('\n') {
                    if let Some((prefix, node)) = parse_json(line) {
                        docs.push((i, prefix, node, at..at + line.len()));
                    }
                    at += line.len();
                }
            } else if let Some((prefix, node)) = parse_json(text) {
                docs.push((i, prefix, node, 0..text.len()));
            }
        }
        docs
    })
}

/// Checks that a mutated fixture lost nothing but what the mutation took away: every comment of
/// the original is still read with its id, or its text is in a bad record's raw bytes, or it was
/// inside the value the mutation removed.
fn nothing_else_lost(
    f: &Fixture,
    after: &Outcome,
    removed: &str,
    what: &str,
) -> Result<(), TestCaseError> {
    let read: std::collections::HashSet<&str> =
        after.good().map(|c| c.external_id.as_str()).collect();
    for (id, key, _) in &f.ids {
        if read.contains(id.as_str()) || after.kept_raw(key) {
            continue;
        }
        let in_removed = !occurrences(removed.as_bytes(), key).is_empty()
            || contains(removed.as_bytes(), &json_str(key));
        prop_assert!(
            in_removed,
            "{} ({}): comment {} lost after {}; refused: {:?}; bad: {:?}",
            f.rel,
            f.reader,
            id,
            what,
            after.refused,
            after.bad().map(|b| &b.reason).collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// Detection on a mutated file: no panic, the same answer twice.
fn detection_survives(f: &Fixture, input: &[u8]) -> Result<(), TestCaseError> {
    let path = Path::new(&f.rel);
    let head = &input[..input.len().min(64 * 1024)];
    let a = catch_unwind(AssertUnwindSafe(|| detect(path, head).map(|r| r.name())));
    let b = catch_unwind(AssertUnwindSafe(|| detect(path, head).map(|r| r.name())));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            prop_assert_eq!(a, b, "detection of {} is not deterministic", f.rel);
            Ok(())
        }
        (Err(p), _) | (_, Err(p)) => Err(TestCaseError::fail(format!(
            "detection of mutated {} panicked: {}",
            f.rel,
            panic_text(p)
        ))),
    }
}

/// The offsets a cut is tried at: after and before every structural byte, inside multi-byte
/// characters, and evenly spread, at most `max` of them.
fn cut_points(bytes: &[u8], max: usize) -> Vec<usize> {
    let mut at: Vec<usize> = (0..=bytes.len())
        .filter(|&i| {
            i == bytes.len()
                || b",{}[]\":\n\r\\".contains(&bytes[i])
                || (bytes[i] & 0xC0) == 0x80
                || i % 97 == 0
        })
        .flat_map(|i| [i, (i + 1).min(bytes.len())])
        .collect();
    at.dedup();
    let step = at.len().div_ceil(max).max(1);
    at.into_iter().step_by(step).collect()
}

#[test]
fn fixtures_cut_anywhere_keep_every_record_before_the_cut() {
    for f in fixtures() {
        let r = f.reader();
        let spans = record_spans(f);
        let max = if f.bytes.len() > 20_000 { 20 } else { 150 };
        for cut in cut_points(&f.bytes, max) {
            let input = &f.bytes[..cut];
            let out =
                run_twice(&*r, input).unwrap_or_else(|e| panic!("{} cut at {cut}: {e}", f.rel));
            for id in intact_ids(f, &spans, cut) {
                assert!(
                    out.has_good(&id),
                    "{} ({}) cut at byte {cut}: comment {id} was whole before the cut but is not read; refused: {:?}; bad: {:?}",
                    f.rel,
                    f.reader,
                    out.refused,
                    out.bad().map(|b| &b.reason).collect::<Vec<_>>()
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn fixtures_with_one_hostile_value_lose_only_that_value(
        doc in prop::sample::select((0..json_docs().len()).collect::<Vec<_>>()),
        target in any::<prop::sample::Index>(),
        m in mutation(),
    ) {
        let (fi, prefix, root, range) = &json_docs()[doc];
        let f = &fixtures()[*fi];
        let target = target.index(root.count());
        let mut text = prefix.clone();
        let removed = write_json(root, target, &m, &mut 0, &mut text).unwrap_or_default();
        let mut input = f.bytes[..range.start].to_vec();
        input.extend_from_slice(text.as_bytes());
        if f.is_ndjson() && !text.ends_with('\n') {
            input.push(b'\n');
        }
        input.extend_from_slice(&f.bytes[range.end..]);
        let out = run_twice(&*f.reader(), &input)?;
        detection_survives(f, &input)?;
        let what = format!("{m:.60?} at value {target}");
        nothing_else_lost(f, &out, &removed, &what)?;
    }

    #[test]
    fn fixtures_with_a_flipped_byte_never_panic(
        fi in prop::sample::select((0..fixtures().len()).collect::<Vec<_>>()),
        at in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let f = &fixtures()[fi];
        let mut input = f.bytes.clone();
        let i = at.index(input.len());
        input[i] ^= mask;
        run_twice(&*f.reader(), &input)?;
        detection_survives(f, &input)?;
    }

    #[test]
    fn an_invalid_utf8_byte_inside_a_text_costs_one_record_or_refuses_the_file_saying_where(
        fi in prop::sample::select((0..fixtures().len()).collect::<Vec<_>>()),
        pick in any::<prop::sample::Index>(),
    ) {
        // A byte of a comment's text replaced by 0xFF. Readers that stream records (CSV, NDJSON,
        // a JSON array) reject that record and read the rest; the platform JSON readers, which
        // parse one document, refuse the whole file with the offset of the bad byte.
        let f = &fixtures()[fi];
        let texts: Vec<&str> = f.base.good().map(|c| c.text.as_str()).filter(|t| t.len() > 8).collect();
        prop_assume!(!texts.is_empty());
        let text = texts[pick.index(texts.len())];
        let word = text.split_whitespace().find(|w| w.len() > 3 && w.is_ascii() && w.chars().all(char::is_alphanumeric));
        prop_assume!(word.is_some());
        let word = word.unwrap_or_default();
        let at = occurrences(&f.bytes, word);
        prop_assume!(!at.is_empty());
        let mut input = f.bytes.clone();
        input[at[0] + 1] = 0xFF;
        let out = run_twice(&*f.reader(), &input)?;
        if let Some(why) = &out.refused {
            let streams = f.is_csv() || f.is_ndjson() || f.reader == "json";
            prop_assert!(!streams, "{}: {} refused the file: {}", f.rel, f.reader, why);
            let offset = format!("offset {}", at[0] + 1);
            prop_assert!(why.contains(&offset), "{}: {}", f.rel, why);
            return Ok(());
        }
        let spans = record_spans(f);
        let hit = spans.iter().find(|s| s.contains(&at[0])).cloned().unwrap_or(0..f.bytes.len());
        let removed = String::from_utf8_lossy(&f.bytes[hit]).into_owned();
        nothing_else_lost(f, &out, &removed, &format!("0xFF at byte {}", at[0] + 1))?;
    }
}

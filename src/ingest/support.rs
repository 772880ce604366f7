//! What the platform readers share: reading a whole response into memory, lenient ids that are
//! strings or numbers, HTML entity decoding, recovering the records of a cut-off JSON file,
//! content detection by keys, and the small steps every reader ends with (brand marking, bad
//! records with their position in the file).

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::Deserializer;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::time::{from_epoch, parse_timestamp};
use super::{BadRecord, Detection, Item, ReadError, ReadOptions, Sink, Stop, looks_like_text};
use crate::domain::Comment;

/// Reads the whole input as UTF-8 text (a byte-order mark is dropped). Platform responses are
/// single JSON documents, read at once. A file cut off inside a multi-byte character loses
/// that partial character only (the record it is in is cut anyway), so that the whole records
/// before the cut are still read.
pub fn read_text(input: &mut dyn BufRead) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if let Err(e) = std::str::from_utf8(&bytes)
        && e.error_len().is_none()
    {
        bytes.truncate(e.valid_up_to());
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Format(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Decodes the HTML entities platforms leave in text (`&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&#39;`, `&apos;`, `&nbsp;` and numeric `&#NNN;` / `&#xHH;`). Anything else is left as is.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // `;` is ASCII: a byte search never cuts a character in two.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Turns the HTML of a rendered comment (YouTube's `textDisplay`) into plain text: `<br>`
/// becomes a line break, other tags are dropped, entities decoded.
pub fn html_to_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let tag = rest[i + 1..i + j].trim().to_ascii_lowercase();
        if tag.starts_with("br") {
            out.push('\n');
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    decode_entities(&out).into_owned()
}

/// Deserializes a value that platforms send as a string or a number (ids, counts) into text;
/// `null`, booleans, objects and arrays become `None` (the record then lacks the field).
pub fn lenient_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    d.deserialize_any(LenientStr)
}

struct LenientStr;

impl<'de> Visitor<'de> for LenientStr {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            v.to_string()
        })))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LenientStr)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A timestamp field as platforms send it: a string in any shape, an epoch number, or `false`
/// (Reddit's "not edited"). Unreadable values are kept as their text for the error message.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum TimeField<'a> {
    #[default]
    Absent,
    Text(Cow<'a, str>),
    Epoch(f64),
}

impl TimeField<'_> {
    /// The time, `None` when absent, an error naming the value when unreadable.
    pub fn parse(&self, opts: &ReadOptions) -> Result<Option<DateTime<Utc>>, String> {
        match self {
            TimeField::Absent => Ok(None),
            TimeField::Text(s) if s.trim().is_empty() => Ok(None),
            TimeField::Text(s) => timestamp(s, opts).map(Some),
            TimeField::Epoch(v) => from_epoch(*v)
                .map(Some)
                .ok_or_else(|| format!("epoch value out of range: {v}")),
        }
    }
}

/// Parses a timestamp: the shapes platforms send most (`2024-03-01T10:00:00.000Z`,
/// `…+0000`, `…+00:00`, `Mon Mar 04 10:20:00 +0000 2024`) on a fast path, everything else
/// through [`parse_timestamp`].
pub fn timestamp(s: &str, opts: &ReadOptions) -> Result<DateTime<Utc>, String> {
    match fast_timestamp(s.trim()) {
        Some(t) => Ok(t),
        None => parse_timestamp(s, opts.tz),
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// `+0000`, `+00:00`, `-05:30` or `Z` as seconds east of UTC.
fn offset_secs(b: &[u8]) -> Option<i64> {
    match b {
        b"Z" | b"z" => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, rest @ ..] => {
            let m = match rest {
                [b':', m1, m2] | [m1, m2] => digits(&[*m1, *m2])?,
                _ => return None,
            };
            let v = i64::from(digits(&[*h1, *h2])? * 3600 + m * 60);
            Some(if *sign == b'-' { -v } else { v })
        }
        _ => None,
    }
}

fn utc_from(
    y: u32,
    mo: u32,
    d: u32,
    (h, mi, s): (u32, u32, u32),
    nanos: u32,
    off: i64,
) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?;
    let naive = date.and_hms_nano_opt(h, mi, s, nanos)?;
    let t = chrono::TimeZone::from_utc_datetime(&Utc, &naive);
    t.checked_sub_signed(chrono::TimeDelta::seconds(off))
}

/// The fast path of [`timestamp`]; `None` for any other shape (including times without an
/// offset, which depend on the configured zone).
pub fn fast_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && matches!(b[10], b'T' | b' ') {
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let hms = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            for _ in (i - start).min(9)..9 {
                nanos *= 10;
            }
        }
        let off = offset_secs(&b[i..])?;
        return utc_from(
            digits(&b[0..4])?,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
            hms,
            nanos,
            off,
        );
    }
    // Twitter v1.1: `Mon Mar 04 10:20:00 +0000 2024`.
    if b.len() == 30 && b[3] == b' ' && b[7] == b' ' && b[10] == b' ' && b[19] == b' ' {
        const MONTHS: [&[u8]; 12] = [
            b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
            b"Dec",
        ];
        let mo = MONTHS.iter().position(|m| *m == &b[4..7])? as u32 + 1;
        if b[13] != b':' || b[16] != b':' || b[25] != b' ' {
            return None;
        }
        let hms = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        let off = offset_secs(&b[20..25])?;
        return utc_from(digits(&b[26..30])?, mo, digits(&b[8..10])?, hms, 0, off);
    }
    None
}

/// Deserializes a [`TimeField`].
pub fn time_field<'de, D: Deserializer<'de>>(d: D) -> Result<TimeField<'de>, D::Error> {
    d.deserialize_any(TimeVisitor)
}

struct TimeVisitor;

impl<'de> Visitor<'de> for TimeVisitor {
    type Value = TimeField<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a timestamp")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(TimeField::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(TimeField::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(TimeField::Epoch(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(TimeField::Epoch(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(TimeField::Epoch(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if v {
            Err(E::custom("timestamp is `true`, not a time"))
        } else {
            Ok(TimeField::Absent)
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(TimeField::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(TimeField::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(TimeVisitor)
    }
}

/// A non-empty, trimmed string, or `None`.
pub fn non_empty(s: Option<&str>) -> Option<String> {
    let t = s?.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The declared language when it is an ISO 639-1 code (`und`, `zxx`, `qme`… are not).
pub fn iso_lang(s: Option<&str>) -> Option<String> {
    let t = s?.trim();
    let base = t
        .bytes()
        .position(|b| b == b'-' || b == b'_')
        .map_or(t, |i| &t[..i]);
    (base.len() == 2 && base.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| base.to_ascii_lowercase())
}

/// Marks the comment as the brand's when its author is one of the configured identities, and
/// wraps it as an item.
pub fn finish(mut c: Comment, opts: &ReadOptions) -> Item {
    if !c.is_brand && !c.author.is_empty() {
        c.is_brand = opts.brand.is_brand(c.platform, &c.author);
    }
    Item::Comment(Box::new(c))
}

/// The 1-based line of `part` (a slice of `doc`) in `doc`.
pub fn line_of(doc: &str, part: &str) -> Option<u64> {
    let off = (part.as_ptr() as usize).checked_sub(doc.as_ptr() as usize)?;
    let before = doc.as_bytes().get(..off)?;
    Some(1 + before.iter().filter(|&&b| b == b'\n').count() as u64)
}

/// A record the reader could not use, with its raw JSON text.
pub fn bad_json(doc: &str, record: u64, raw: &str, reason: impl Into<String>) -> Item {
    Item::Bad(BadRecord {
        record,
        line: line_of(doc, raw),
        reason: reason.into(),
        raw: raw.as_bytes().to_vec(),
    })
}

/// Counts the records of one file and hands items on.
pub struct Out<'s, 'o> {
    pub sink: &'s mut Sink<'o>,
    pub record: u64,
}

impl<'s, 'o> Out<'s, 'o> {
    pub fn new(sink: &'s mut Sink<'o>) -> Self {
        Out { sink, record: 0 }
    }

    /// Starts the next record and returns its number.
    pub fn next_record(&mut self) -> u64 {
        self.record += 1;
        self.record
    }

    pub fn send(&mut self, item: Item) -> Result<(), Stop> {
        (self.sink)(item)
    }
}

/// A JSON document's records: a list of raw elements in file order, each either complete or
/// cut off by the end of the file.
pub struct Recovered<'a> {
    pub complete: Vec<&'a str>,
    /// The element the file ends in, if any.
    pub cut: Option<&'a str>,
}

/// Finds the array under `"key"` in a JSON document that did not parse as a whole (cut off,
/// or broken after its first records) and splits it into its elements, so that the complete
/// ones can still be read. `None` when the key is not followed by an array.
pub fn recover_array<'a>(doc: &'a str, key: &str) -> Option<Recovered<'a>> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = doc[from..].find(&needle) {
        let after = &doc[from + i + needle.len()..];
        let t = after.trim_start();
        if let Some(t) = t.strip_prefix(':') {
            let t = t.trim_start();
            if t.starts_with('[') {
                let start = doc.len() - t.len();
                return Some(split_array(doc, start));
            }
        }
        from += i + needle.len();
    }
    None
}

/// Splits the array starting at byte `start` (an opening bracket) into its elements.
pub fn split_array(doc: &str, start: usize) -> Recovered<'_> {
    let b = doc.as_bytes();
    let mut complete = Vec::new();
    let mut i = start + 1;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() || b[i] == b']' {
            return Recovered {
                complete,
                cut: None,
            };
        }
        let begin = i;
        match value_end(b, i) {
            Some(e) => {
                complete.push(doc[begin..e].trim_end());
                i = e;
            }
            None => {
                return Recovered {
                    complete,
                    cut: Some(doc[begin..].trim_end()),
                };
            }
        }
    }
}

/// Where the JSON value starting at `i` ends: after its closing bracket, or at the `,` or `]`
/// that follows a scalar. `None` when the text ends first. Tracks strings and nesting only.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            // A stray `}` at depth 0 is part of the (malformed) element; stopping in front of
            // it would make an empty element and never move on.
            b',' | b']' if depth == 0 => return Some(i - 1),
            _ => {}
        }
    }
    None
}

/// Splits an object keyed by record id (`{"123_456": {...}, "123_789": {...}}`, what Graph API
/// `?ids=` lookups return) that did not parse into its values, so that the whole ones can
/// still be read. `None` when the document is not such an object.
pub fn recover_keyed(doc: &str) -> Option<Recovered<'_>> {
    let b = doc.as_bytes();
    let mut i = doc.len() - doc.trim_start().len();
    (b.get(i) == Some(&b'{')).then_some(())?;
    i += 1;
    let mut complete = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'}' {
            break;
        }
        let entry = i;
        // The key: an id, digits and underscores.
        (b[i] == b'"').then_some(())?;
        let key_len = b[i + 1..].iter().position(|&c| c == b'"');
        let Some(key_len) = key_len else {
            return Some(Recovered {
                complete,
                cut: Some(doc[entry..].trim_end()),
            });
        };
        let key = &b[i + 1..i + 1 + key_len];
        if key.is_empty() || !key.iter().all(|c| c.is_ascii_digit() || *c == b'_') {
            return None;
        }
        i += key_len + 2;
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b':') {
            i += 1;
        }
        if i >= b.len() {
            return Some(Recovered {
                complete,
                cut: Some(doc[entry..].trim_end()),
            });
        }
        (b[i] == b'{').then_some(())?;
        let begin = i;
        match value_end(b, i) {
            Some(e) => {
                complete.push(doc[begin..e].trim_end());
                i = e;
            }
            None => {
                return Some(Recovered {
                    complete,
                    cut: Some(doc[begin..].trim_end()),
                });
            }
        }
    }
    Some(Recovered {
        complete,
        cut: None,
    })
}

/// Parses a raw JSON element into `T`, the error as a reason for a bad record.
pub fn parse_raw<'a, T: serde::Deserialize<'a>>(raw: &'a str) -> Result<T, String> {
    serde_json::from_str(raw).map_err(|e| format!("unreadable record: {e}"))
}

/// Borrowed raw JSON values of a list.
pub type RawList<'a> = Vec<&'a RawValue>;

/// Content detection for JSON platform files: the head must be text starting with `{` or `[`,
/// must not carry canonical-only keys, must hold every key of `all` and one of `any` (each
/// written as it appears in the file, with quotes). Says what it looked for when it refuses.
pub fn detect_json(
    head: &[u8],
    all: &[&str],
    any: &[&str],
    none: &[&str],
    confidence: u8,
    what: &str,
) -> Detection {
    if !looks_like_text(head) {
        return Detection::No("not text".into());
    }
    match super::first_significant_byte(head) {
        Some(b'{' | b'[') => {}
        _ => return Detection::No(format!("not JSON; looked for {what}")),
    }
    let has = |k: &&str| contains(head, k.as_bytes());
    let ok = all.iter().all(has)
        && (any.is_empty() || any.iter().any(has))
        && !none.iter().any(has)
        && !contains(head, b"\"platform\"");
    if ok {
        Detection::Yes(confidence)
    } else {
        Detection::No(format!("no {what} in the first 64 KiB"))
    }
}

/// True when `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A JSON document split one level deep: an object's entries in file order, or an array's
/// elements, each as raw JSON.
pub enum Doc<'a> {
    Object(Vec<(String, &'a RawValue)>),
    Array(Vec<&'a RawValue>),
}

impl<'a> Doc<'a> {
    /// The raw value under `key` of an object document.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        match self {
            Doc::Object(e) => e.iter().find(|(k, _)| k == key).map(|(_, v)| *v),
            Doc::Array(_) => None,
        }
    }
}

/// The usual envelope of a page of an API response: the list (`data`, `items` or `reviews`)
/// and what platforms send next to it. Read in one pass; [`parse_doc`] handles every other
/// shape.
#[derive(serde::Deserialize)]
pub struct Envelope<'a> {
    #[serde(borrow, alias = "items", alias = "reviews")]
    pub data: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    pub paging: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub includes: Option<&'a RawValue>,
}

/// The envelope of a page, when the document is one with a list.
pub fn envelope(doc: &str) -> Option<Envelope<'_>> {
    if !doc.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Envelope>(doc)
        .ok()
        .filter(|e| e.data.is_some())
}

/// Refuses an API error response (`{"error": {...}}`) with the platform's own message.
pub fn refuse_error(doc: &Doc<'_>) -> Result<(), ReadError> {
    match doc.get("error") {
        Some(e) if doc.get("data").is_none() && doc.get("items").is_none() => {
            let msg: String = e.get().chars().take(200).collect();
            Err(ReadError::Format(format!(
                "the file is an API error response: {msg}"
            )))
        }
        _ => Ok(()),
    }
}

/// Parses a document one level deep.
pub fn parse_doc(doc: &str) -> Result<Doc<'_>, serde_json::Error> {
    let t = doc.trim_start();
    if t.starts_with('[') {
        Ok(Doc::Array(serde_json::from_str(doc)?))
    } else {
        let entries: Entries = serde_json::from_str(doc)?;
        Ok(Doc::Object(entries.0))
    }
}

/// An object's entries in file order.
pub struct Entries<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some((k, raw)) = m.next_entry::<String, &'de RawValue>()? {
                    v.push((k, raw));
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The elements of a raw JSON array (an empty list for `null`).
pub fn raw_elements(raw: &RawValue) -> Result<Vec<&RawValue>, String> {
    if raw.get().trim() == "null" {
        return Ok(Vec::new());
    }
    serde_json::from_str(raw.get()).map_err(|e| format!("not a list: {e}"))
}

/// When a document does not parse, the values of an object keyed by record id
/// ([`recover_keyed`]), or else the elements of the first of `keys` that holds an array;
/// the cut-off element, if any, becomes a bad record after them. Without any, the file is
/// refused with the parser's message.
pub fn recover<'a>(
    doc: &'a str,
    keys: &[&str],
    err: &serde_json::Error,
) -> Result<Recovered<'a>, ReadError> {
    recover_keyed(doc)
        .or_else(|| keys.iter().find_map(|k| recover_array(doc, k)))
        .filter(|r| !r.complete.is_empty() || r.cut.is_some())
        .ok_or_else(|| ReadError::Format(format!("malformed JSON: {err}")))
}

/// Reply chains (child → parent) and the roots found so far: the thread of a post when the
/// platform does not say it. Each root is found once per chain, so long self-threads stay
/// linear.
#[derive(Default)]
pub struct Threads {
    parents: std::collections::HashMap<String, String>,
    roots: std::collections::HashMap<String, String>,
}

impl Threads {
    /// Records that `child` answers `parent` (the first link known for a child wins).
    pub fn link(&mut self, child: &str, parent: &str) {
        if child != parent && !self.parents.contains_key(child) {
            self.parents.insert(child.to_owned(), parent.to_owned());
        }
    }

    /// The root of the reply chain of `id` as far as the links tell it.
    pub fn root(&mut self, id: &str) -> String {
        let mut path: Vec<&str> = Vec::new();
        let mut cur = id;
        let root = loop {
            if let Some(r) = self.roots.get(cur) {
                break r.clone();
            }
            match self.parents.get(cur) {
                Some(p) if path.len() < 100_000 => {
                    path.push(cur);
                    cur = p;
                }
                _ => break cur.to_owned(),
            }
        };
        let path: Vec<String> = path.into_iter().map(str::to_owned).collect();
        for p in path {
            self.roots.insert(p, root.clone());
        }
        root
    }
}

/// A record waiting for the rest of the file: several versions of one edited post may be
/// anywhere in it, and are emitted together, oldest first.
pub enum Pending {
    Item(Item),
    Version(Box<Version>),
}

/// One version of a post that may have been edited.
pub struct Version {
    /// The id of the first version: the external id of every version.
    pub group: String,
    /// This version's own id.
    pub own_id: String,
    /// Position in the platform's edit history, when it gives one.
    pub rank: Option<usize>,
    /// The comment, with `created_at` set to this version's own time.
    pub comment: Comment,
}

/// Emits pending records in file order; the versions of one post go out together at the
/// place of the first one seen, oldest first, all under the first version's id. Later versions
/// get `edited_at` (their own time) and the first version's `created_at` when it is known.
pub fn emit_versions(
    pending: Vec<Pending>,
    opts: &ReadOptions,
    out: &mut Out<'_, '_>,
) -> Result<(), Stop> {
    use std::collections::HashMap;
    let edited = |p: &Pending| match p {
        Pending::Version(v) => v.group != v.own_id || v.rank.is_some_and(|r| r > 0),
        Pending::Item(_) => false,
    };
    if !pending.iter().any(edited) {
        // No post was edited: every record goes out as it is, in file order.
        for p in pending {
            match p {
                Pending::Item(i) => out.send(i)?,
                Pending::Version(v) => out.send(finish(v.comment, opts))?,
            }
        }
        return Ok(());
    }
    let mut groups: HashMap<String, Vec<Box<Version>>> = HashMap::new();
    let mut order: Vec<Result<String, Item>> = Vec::with_capacity(pending.len());
    for p in pending {
        match p {
            Pending::Item(i) => order.push(Err(i)),
            Pending::Version(v) => {
                let g = groups.entry(v.group.clone()).or_default();
                if g.is_empty() {
                    order.push(Ok(v.group.clone()));
                }
                g.push(v);
            }
        }
    }
    for o in order {
        let key = match o {
            Err(item) => {
                out.send(item)?;
                continue;
            }
            Ok(k) => k,
        };
        let Some(mut versions) = groups.remove(&key) else {
            continue;
        };
        if versions.len() == 1 && versions[0].group == versions[0].own_id {
            let v = versions.pop().expect("one version");
            out.send(finish(v.comment, opts))?;
            continue;
        }
        versions.sort_by_key(|v| (v.rank.unwrap_or(usize::MAX), v.comment.created_at));
        let first_created = versions
            .first()
            .filter(|v| v.own_id == v.group)
            .and_then(|v| v.comment.created_at);
        let thread = versions.first().and_then(|v| v.comment.thread_id.clone());
        for v in versions {
            let mut c = v.comment;
            c.external_id = v.group.clone();
            c.thread_id = thread.clone().or(c.thread_id);
            if v.own_id != v.group {
                c.edited_at = c.created_at;
                c.created_at = first_created.or(c.created_at);
            }
            out.send(finish(c, opts))?;
        }
    }
    Ok(())
}

/// Reads CSV with a header row: `header` turns the column names into the reader's state (or
/// refuses the file), `row` turns each record's fields into a comment; its errors become bad
/// records carrying the row as CSV.
pub fn read_csv<H>(
    input: &mut dyn BufRead,
    out: &mut Out<'_, '_>,
    header: impl FnOnce(&[String]) -> Result<H, ReadError>,
    mut row: impl FnMut(&mut H, &[&str]) -> Result<Comment, String>,
    opts: &ReadOptions,
) -> Result<(), ReadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let names: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| ReadError::Format(format!("header row: {e}")))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_owned()
        })
        .collect();
    let mut state = header(&names)?;
    let mut rec = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        let res = rdr.read_byte_record(&mut rec);
        let n = out.next_record();
        let parsed = match res {
            Ok(false) => break,
            Ok(true) => match rec
                .iter()
                .map(std::str::from_utf8)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(fields) if fields.len() == names.len() => row(&mut state, &fields),
                Ok(fields) => Err(format!(
                    "row has {} fields, the header has {}",
                    fields.len(),
                    names.len()
                )),
                Err(e) => Err(format!("not valid UTF-8: {e}")),
            },
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(ReadError::Format(format!("read error: {e}")));
            }
            Err(e) => Err(format!("malformed CSV row: {e}")),
        };
        let item = match parsed {
            Ok(c) => finish(c, opts),
            Err(reason) => Item::Bad(BadRecord {
                record: n,
                line: Some(line),
                reason,
                raw: csv_row(&rec),
            }),
        };
        out.send(item)?;
    }
    Ok(())
}

/// A record written back as one CSV row.
fn csv_row(rec: &csv::ByteRecord) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_byte_record(rec);
    let mut v = w.into_inner().unwrap_or_default();
    if v.last() == Some(&b'\n') {
        v.pop();
    }
    v
}

/// Normalises a column name for matching: lower case, letters and digits only.
pub fn column_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The first non-whitespace line of `head`, for CSV header detection.
pub fn first_line(head: &[u8]) -> String {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    String::from_utf8_lossy(&head[..end]).into_owned()
}

/// Runs a reader over bytes and splits what it found into comments and bad records.
#[cfg(test)]
pub fn collect(
    r: &dyn super::Reader,
    input: &[u8],
    opts: &ReadOptions,
) -> (Vec<Comment>, Vec<BadRecord>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut cur = input;
    r.read(&mut cur, opts, &mut |it| {
        match it {
            Item::Comment(c) => good.push(*c),
            Item::Bad(b) => bad.push(b),
        }
        Ok(())
    })
    .expect("the reader reads the input");
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            decode_entities("Tom &amp; Jerry &lt;3 &quot;hi&quot; it&#39;s &#x1F600; &amp;amp;"),
            "Tom & Jerry <3 \"hi\" it's 😀 &amp;"
        );
        assert_eq!(decode_entities("AT&T & co; &bogus;"), "AT&T & co; &bogus;");
        assert!(matches!(decode_entities("plain"), Cow::Borrowed(_)));
        // A multi-byte character within reach of the `;` search is not cut in two.
        assert_eq!(decode_entities("&lt;3 &lt;3\u{feff}"), "<3 <3\u{feff}");
        assert_eq!(
            decode_entities("&ab\u{feff}\u{feff}\u{feff}cd;"),
            "&ab\u{feff}\u{feff}\u{feff}cd;"
        );
        assert_eq!(decode_entities("x &привет; y"), "x &привет; y");
    }

    proptest::proptest! {
        #[test]
        fn decoding_entities_never_panics(s in "(&|;|#|x|[a-z0-9]|\\PC){0,40}") {
            let _ = decode_entities(&s);
        }
    }

    #[test]
    fn a_file_cut_inside_a_character_keeps_the_records_before_the_cut() {
        // Found by tests/readers_fuzz.rs: the cut left half a character at the end, and the
        // whole file was refused as "not UTF-8 text", losing every record.
        let doc = "{\"data\": [{\"id\": \"1\", \"message\": \"hola\"}, {\"id\": \"2\", \"message\": \"¿qué";
        let cut = &doc.as_bytes()[..doc.len() - 1];
        let (good, bad) = collect(
            &super::super::facebook::FacebookReader,
            cut,
            &ReadOptions::default(),
        );
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].external_id, "1");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("ends inside"), "{}", bad[0].reason);
        // Invalid UTF-8 before the end is still refused, naming where.
        let mut broken = doc.as_bytes().to_vec();
        broken[12] = 0xFF;
        let mut cur = broken.as_slice();
        let err = read_text(&mut cur).unwrap_err();
        assert!(err.to_string().contains("offset 12"), "{err}");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("Hi<br />there <a href=\"x\">#tag</a> it&#39;s"),
            "Hi\nthere #tag it's"
        );
    }

    #[test]
    fn the_fast_timestamp_path_agrees_with_the_general_parser() {
        for t in [
            "2024-03-01T10:00:00Z",
            "2024-03-01T10:00:00.123Z",
            "2024-08-17T20:04:52.096899+00:00",
            "2021-08-10T18:45:03+0000",
            "2021-08-10T18:45:03-0530",
            "2024-02-29 23:59:59+01:00",
            "Mon Mar 04 10:20:00 +0000 2024",
            "Sat May 13 17:20:09 +0200 2023",
        ] {
            assert_eq!(
                fast_timestamp(t),
                Some(parse_timestamp(t, None).unwrap()),
                "{t}"
            );
        }
        for t in [
            "2024-03-01T10:00:00",
            "2024-02-30T10:00:00Z",
            "yesterday",
            "1709201000",
        ] {
            assert_eq!(fast_timestamp(t), None, "{t}");
        }
    }

    #[test]
    fn long_reply_chains_find_their_root_in_linear_time() {
        let mut t = Threads::default();
        let n = 50_000;
        for i in 1..n {
            t.link(&i.to_string(), &(i - 1).to_string());
        }
        for i in (0..n).rev() {
            assert_eq!(t.root(&i.to_string()), "0");
        }
        t.link("x", "y");
        t.link("y", "x");
        assert!(["x", "y"].contains(&t.root("x").as_str()), "a cycle ends");
    }

    #[test]
    fn recovery_splits_a_cut_array() {
        let doc = r#"{"data": [{"id": "1", "t": "a]b"}, {"id": "2"}, {"id": "3", "t": "cu"#;
        let r = recover_array(doc, "data").unwrap();
        assert_eq!(r.complete, [r#"{"id": "1", "t": "a]b"}"#, r#"{"id": "2"}"#]);
        assert_eq!(r.cut, Some(r#"{"id": "3", "t": "cu"#));
        assert!(recover_array(doc, "items").is_none());
    }

    #[test]
    fn a_cut_ids_lookup_keeps_its_whole_comments() {
        // Found by tests/readers_fuzz.rs: a Graph API `?ids=` response (an object keyed by
        // comment id) cut off was refused whole, losing the comments before the cut.
        let doc = r#"{"100_1": {"id": "100_1", "message": "a]b}", "created_time": "2024-03-07T07:07:07+0000"}, "100_2": {"id": "100_2", "from": {"name": "Nu"#;
        let r = recover_keyed(doc).unwrap();
        assert_eq!(r.complete.len(), 1);
        assert!(r.complete[0].starts_with(r#"{"id": "100_1""#) && r.complete[0].ends_with('}'));
        assert!(r.cut.unwrap().starts_with(r#"{"id": "100_2""#));
        let (good, bad) = collect(
            &super::super::facebook::FacebookReader,
            doc.as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].external_id, "100_1");
        assert_eq!(bad.len(), 1);
        // Not an ids lookup: a single comment object, or an envelope.
        assert!(recover_keyed(r#"{"id": "1", "message": "cu"#).is_none());
        assert!(recover_keyed(r#"{"data": [{"id": "1"}"#).is_none());
    }

    #[test]
    fn lenient_ids_and_times() {
        #[derive(serde::Deserialize)]
        struct T<'a> {
            #[serde(default, borrow, deserialize_with = "lenient_str")]
            id: Option<Cow<'a, str>>,
            #[serde(default, borrow, deserialize_with = "time_field")]
            at: TimeField<'a>,
        }
        let t: T = serde_json::from_str(r#"{"id": 12, "at": 1587831084.0}"#).unwrap();
        assert_eq!(t.id.as_deref(), Some("12"));
        assert!(t.at.parse(&ReadOptions::default()).unwrap().is_some());
        let t: T = serde_json::from_str(r#"{"id": {"x": 1}, "at": false}"#).unwrap();
        assert_eq!(t.id, None);
        assert_eq!(t.at.parse(&ReadOptions::default()).unwrap(), None);
        assert_eq!(iso_lang(Some("und")), None);
        assert_eq!(iso_lang(Some("pt-BR")).as_deref(), Some("pt"));
    }
}

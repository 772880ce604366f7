//! The canonical format (DESIGN §6) in its three shapes: a JSON array, NDJSON (one object per
//! line; pretty-printed objects one after another work too), and CSV with a header row.
//!
//! Fields are `id`, `text` and optionally `platform`, `author`, `author_id`, `created_at`,
//! `parent_id`, `thread_id`, `url`, `edited_at`, `lang`, `rating`, `is_brand`, under the common
//! aliases of [`field_for`]. Unknown columns (a `label`, a `source`) are ignored. Every reader
//! streams: memory stays flat whatever the file size, and a bad record becomes a [`BadRecord`]
//! while the rest of the file is still read.

use std::cell::RefCell;
use std::io::{BufRead, Read};
use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use super::time::{parse_json_timestamp, parse_timestamp};
use super::{
    BadRecord, Detection, Item, ReadError, ReadOptions, Reader, Sink, first_significant_byte,
    looks_like_text,
};
use crate::domain::{Comment, Platform};

/// Records larger than this are rejected (their bytes are still kept in `rejects`).
pub const MAX_RECORD_BYTES: usize = 4 << 20;
/// Of a record larger than this, only this much is kept as raw bytes.
pub const MAX_RAW_KEPT: usize = 64 << 20;

/// A canonical field, whatever name the file gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Text,
    Platform,
    Author,
    AuthorId,
    AuthorHandle,
    CreatedAt,
    EditedAt,
    ParentId,
    ThreadId,
    Url,
    Lang,
    Rating,
    IsBrand,
}

/// Maps a column or key name to its canonical field: case, spaces, `_` and `-` are ignored.
pub fn field_for(name: &str) -> Option<Field> {
    let mut k = String::with_capacity(name.len());
    for c in name.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            k.extend(c.to_lowercase());
        }
    }
    Some(match k.as_str() {
        "id" | "commentid" | "externalid" | "messageid" | "tweetid" | "idstr" | "reviewid"
        | "postcommentid" => Field::Id,
        "text" | "message" | "body" | "content" | "comment" | "commenttext" | "fulltext"
        | "review" | "reviewtext" | "textoriginal" | "msg" => Field::Text,
        "platform" | "network" | "site" | "socialnetwork" => Field::Platform,
        "author" | "authorname" | "user" | "username" | "from" | "name" | "displayname"
        | "authordisplayname" | "reviewer" | "userdisplayname" => Field::Author,
        "authorid" | "userid" | "fromid" | "authorchannelid" => Field::AuthorId,
        "handle" | "screenname" | "authorhandle" | "userhandle" | "login" => Field::AuthorHandle,
        "createdat" | "created" | "createdtime" | "timestamp" | "date" | "datetime" | "time"
        | "publishedat" | "postedat" | "createtime" | "createdutc" => Field::CreatedAt,
        "editedat" | "updatedat" | "updatetime" | "edited" | "modifiedat" => Field::EditedAt,
        "parentid" | "parent" | "inreplyto" | "inreplytoid" | "replyto" | "inreplytostatusid" => {
            Field::ParentId
        }
        "threadid" | "postid" | "conversationid" | "videoid" | "thread" | "mediaid" => {
            Field::ThreadId
        }
        "url" | "permalink" | "permalinkurl" | "link" => Field::Url,
        "lang" | "language" => Field::Lang,
        "rating" | "stars" | "starrating" | "score" => Field::Rating,
        "isbrand" | "brand" | "fromus" | "ours" => Field::IsBrand,
        _ => return None,
    })
}

/// Collects the fields of one record and turns them into a [`Comment`].
#[derive(Default)]
struct Record {
    id: Option<String>,
    text: Option<String>,
    platform: Option<String>,
    author: Option<String>,
    author_id: Option<String>,
    handle: Option<String>,
    created_at: Option<Result<Option<chrono::DateTime<chrono::Utc>>, String>>,
    edited_at: Option<Result<Option<chrono::DateTime<chrono::Utc>>, String>>,
    parent_id: Option<String>,
    thread_id: Option<String>,
    url: Option<String>,
    lang: Option<String>,
    rating: Option<u8>,
    is_brand: bool,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A JSON scalar as text: strings as they are, numbers written out, anything else `None`.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => non_empty(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn truthy(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "y" | "t"
    )
}

fn rating_from(s: &str) -> Option<u8> {
    let t = s.trim();
    let n = match t.to_ascii_uppercase().as_str() {
        "ONE" => 1,
        "TWO" => 2,
        "THREE" => 3,
        "FOUR" => 4,
        "FIVE" => 5,
        _ => t.parse::<f64>().ok()?.round() as i64,
    };
    (1..=5).contains(&n).then_some(n as u8)
}

impl Record {
    fn set_str(&mut self, f: Field, v: &str, opts: &ReadOptions) {
        match f {
            Field::Id => self.id = self.id.take().or_else(|| non_empty(v)),
            Field::Text => {
                if self.text.is_none() && !v.trim().is_empty() {
                    self.text = Some(v.to_owned());
                }
            }
            Field::Platform => self.platform = non_empty(v),
            Field::Author => self.author = self.author.take().or_else(|| non_empty(v)),
            Field::AuthorId => self.author_id = non_empty(v),
            Field::AuthorHandle => self.handle = non_empty(v),
            Field::CreatedAt => {
                if !v.trim().is_empty() {
                    self.created_at = Some(parse_timestamp(v, opts.tz).map(Some));
                }
            }
            Field::EditedAt => {
                // Reddit writes `edited: false`; only a time counts as an edit.
                let t = v.trim();
                if !t.is_empty() && !t.eq_ignore_ascii_case("false") && t != "0" {
                    self.edited_at = Some(parse_timestamp(t, opts.tz).map(Some));
                }
            }
            Field::ParentId => self.parent_id = non_empty(v),
            Field::ThreadId => self.thread_id = non_empty(v),
            Field::Url => self.url = non_empty(v),
            Field::Lang => self.lang = non_empty(v),
            Field::Rating => self.rating = rating_from(v),
            Field::IsBrand => self.is_brand = truthy(v),
        }
    }

    fn set_json(&mut self, f: Field, v: &Value, opts: &ReadOptions) {
        match (f, v) {
            (_, Value::Null) => {}
            (Field::CreatedAt, _) => self.created_at = Some(parse_json_timestamp(v, opts.tz)),
            (Field::EditedAt, Value::Bool(_)) => {}
            (Field::EditedAt, _) => self.edited_at = Some(parse_json_timestamp(v, opts.tz)),
            (Field::IsBrand, Value::Bool(b)) => self.is_brand = *b,
            (Field::Author, Value::Object(o)) => {
                // `{"name": …, "id": …, "username": …}` as Facebook and Instagram write it.
                for (k, v) in o {
                    let Some(s) = json_text(v) else { continue };
                    match field_for(k) {
                        Some(Field::Id | Field::AuthorId) => self.author_id = Some(s),
                        Some(Field::AuthorHandle) => self.handle = Some(s),
                        Some(Field::Author) if k.eq_ignore_ascii_case("username") => {
                            self.handle = Some(s)
                        }
                        Some(Field::Author) => self.author = Some(s),
                        _ => {}
                    }
                }
            }
            (Field::Text, Value::String(s)) => self.set_str(f, s, opts),
            (_, v) => {
                if let Some(s) = json_text(v) {
                    self.set_str(f, &s, opts)
                }
            }
        }
    }

    fn finish(self, opts: &ReadOptions) -> Result<Comment, String> {
        let id = self.id.ok_or("missing id")?;
        let text = self.text.ok_or("missing text")?;
        // Exports escape HTML (`&amp;`): people read the text unescaped.
        let text = match super::support::decode_entities(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(decoded) => decoded,
        };
        let created_at = self
            .created_at
            .transpose()
            .map_err(|e| format!("created_at: {e}"))?
            .flatten();
        let edited_at = self
            .edited_at
            .transpose()
            .map_err(|e| format!("edited_at: {e}"))?
            .flatten();
        let platform = match self.platform.as_deref() {
            Some(p) => Platform::from_loose(p),
            None => opts.default_platform.unwrap_or(Platform::Web),
        };
        let mut c = Comment::new(platform, id, text);
        // A lone author column that looks like a handle is one.
        let (name, handle) = match (self.author, self.handle) {
            (Some(a), None) if a.starts_with('@') => (None, Some(a)),
            other => other,
        };
        c.author.name = name;
        c.author.handle = handle.map(|h| h.trim_start_matches('@').to_owned());
        c.author.id = self.author_id;
        c.created_at = created_at;
        c.edited_at = edited_at;
        c.parent_id = self.parent_id;
        c.thread_id = self.thread_id;
        c.url = self.url;
        c.lang = self.lang;
        c.rating = self.rating;
        c.is_brand = self.is_brand || opts.brand.is_brand(platform, &c.author);
        Ok(c)
    }
}

/// Turns one JSON object into a comment, or says why not.
pub fn comment_from_json(v: &Value, opts: &ReadOptions) -> Result<Comment, String> {
    let Value::Object(map) = v else {
        return Err(format!("expected an object, found {}", json_kind(v)));
    };
    let mut r = Record::default();
    for (k, v) in map {
        if let Some(f) = field_for(k) {
            r.set_json(f, v, opts);
        }
    }
    r.finish(opts)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn parse_object(bytes: &[u8], opts: &ReadOptions) -> Result<Comment, String> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "record of {} bytes is over the {} MiB limit",
            bytes.len(),
            MAX_RECORD_BYTES >> 20
        ));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    comment_from_json(&v, opts)
}

fn bad(record: u64, line: u64, reason: String, raw: Vec<u8>) -> Item {
    Item::Bad(BadRecord {
        record,
        line: Some(line),
        reason,
        raw,
    })
}

fn emit(
    sink: &mut Sink<'_>,
    record: u64,
    line: u64,
    raw: Vec<u8>,
    res: Result<Comment, String>,
) -> Result<(), ReadError> {
    match res {
        Ok(c) => sink(Item::Comment(Box::new(c)))?,
        Err(e) => sink(bad(record, line, e, raw))?,
    }
    Ok(())
}

fn has_ext(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// A JSON array of comment objects, read element by element.
pub struct JsonReader;

impl Reader for JsonReader {
    fn name(&self) -> &'static str {
        "json"
    }

    fn detect(&self, path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        match first_significant_byte(head) {
            Some(b'[') => Detection::Yes(if has_ext(path, &["json"]) { 12 } else { 10 }),
            Some(b) => Detection::No(format!("starts with {:?}, not a JSON array", b as char)),
            None => Detection::No("empty".into()),
        }
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let mut scan = ArrayScanner::new(input);
        scan.open()?;
        let mut record = 0u64;
        while let Some(el) = scan.next_element()? {
            record += 1;
            let res = match el.problem {
                Some(p) => Err(p),
                None => parse_object(&el.bytes, opts),
            };
            emit(sink, record, el.line, el.bytes, res)?;
        }
        Ok(())
    }
}

/// One element of a JSON array, as raw bytes.
struct Element {
    bytes: Vec<u8>,
    line: u64,
    /// Set when the element could not be delimited (cut off, too large).
    problem: Option<String>,
}

/// Splits a JSON array into its elements without parsing them, so that one malformed element
/// costs one record, and memory holds one element at a time. Tracks strings, escapes and
/// nesting; everything else is left to serde_json.
struct ArrayScanner<'a> {
    input: &'a mut dyn BufRead,
    line: u64,
    done: bool,
}

impl<'a> ArrayScanner<'a> {
    fn new(input: &'a mut dyn BufRead) -> Self {
        ArrayScanner {
            input,
            line: 1,
            done: false,
        }
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.input.consume(1);
    }

    fn skip_ws(&mut self) -> std::io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let mut n = 0;
            for &b in buf {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    0xEF | 0xBB | 0xBF => {} // a byte-order mark
                    _ => break,
                }
                n += 1;
            }
            let all = n == buf.len();
            self.input.consume(n);
            if !all {
                return Ok(());
            }
        }
    }

    /// Consumes the opening bracket.
    fn open(&mut self) -> Result<(), ReadError> {
        self.skip_ws()?;
        match self.peek()? {
            Some(b'[') => {
                self.bump();
                Ok(())
            }
            Some(b) => Err(ReadError::Format(format!(
                "line {}: expected a JSON array, found {:?}",
                self.line, b as char
            ))),
            None => Err(ReadError::Format("empty file".into())),
        }
    }

    fn next_element(&mut self) -> Result<Option<Element>, ReadError> {
        if self.done {
            return Ok(None);
        }
        loop {
            self.skip_ws()?;
            match self.peek()? {
                None => {
                    self.done = true;
                    return Ok(None);
                }
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    self.done = true;
                    return Ok(None);
                }
                Some(_) => break,
            }
        }
        let line = self.line;
        let mut bytes = Vec::new();
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        let mut kept_all = true;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                let problem = if depth > 0 || in_str {
                    Some("file ends inside this record".to_owned())
                } else {
                    None
                };
                return Ok(Some(Element {
                    bytes,
                    line,
                    problem,
                }));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    } else if b == b'\n' {
                        self.line += 1;
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' if depth == 0 => {
                        // A stray closing brace: it belongs to this (malformed) element, so
                        // the scan moves past it instead of stopping in front of it forever.
                        end = Some(i + 1);
                        break;
                    }
                    b'}' | b']' => {
                        if depth == 0 {
                            // The array's own closing bracket after a scalar element.
                            end = Some(i);
                            break;
                        }
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' if depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    b'\n' => self.line += 1,
                    _ => {}
                }
            }
            let take = end.unwrap_or(buf.len());
            if bytes.len() < MAX_RAW_KEPT {
                let room = MAX_RAW_KEPT - bytes.len();
                bytes.extend_from_slice(&buf[..take.min(room)]);
                kept_all &= take <= room;
            } else {
                kept_all = false;
            }
            self.input.consume(take);
            if end.is_some() {
                let problem = (!kept_all).then(|| {
                    format!(
                        "record is over the {} MiB limit; its first {} MiB are kept",
                        MAX_RECORD_BYTES >> 20,
                        MAX_RAW_KEPT >> 20
                    )
                });
                return Ok(Some(Element {
                    bytes,
                    line,
                    problem,
                }));
            }
        }
    }
}

/// One JSON object per line. An object spread over several lines (pretty-printed) is read too:
/// while a line ends in the middle of a value, the next lines are added to it.
pub struct NdjsonReader;

/// How many lines one pretty-printed object may span.
const MAX_LINES_PER_OBJECT: usize = 10_000;

impl Reader for NdjsonReader {
    fn name(&self) -> &'static str {
        "ndjson"
    }

    fn detect(&self, path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        match first_significant_byte(head) {
            Some(b'{') => Detection::Yes(if has_ext(path, &["ndjson", "jsonl"]) {
                12
            } else {
                9
            }),
            Some(b) => Detection::No(format!(
                "starts with {:?}, not a JSON object per line",
                b as char
            )),
            None => Detection::No("empty".into()),
        }
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let mut line_no = 0u64;
        let mut record = 0u64;
        let mut line = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut pending_line = 0u64;
        let mut pending_lines = 0usize;
        loop {
            line.clear();
            let (n, cut) = read_line_capped(input, &mut line, MAX_RAW_KEPT)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let trimmed = trim_ascii(&line);
            if pending.is_empty() {
                if trimmed.is_empty() {
                    continue;
                }
                record += 1;
                if cut || trimmed.len() > MAX_RECORD_BYTES {
                    let reason = format!(
                        "line of {n} bytes is over the {} MiB record limit",
                        MAX_RECORD_BYTES >> 20
                    );
                    sink(bad(record, line_no, reason, trimmed.to_vec()))?;
                    continue;
                }
                match serde_json::from_slice::<Value>(trimmed) {
                    Ok(v) => emit(
                        sink,
                        record,
                        line_no,
                        trimmed.to_vec(),
                        comment_from_json(&v, opts),
                    )?,
                    Err(e) if e.is_eof() && trimmed.starts_with(b"{") => {
                        pending.extend_from_slice(&line);
                        pending_line = line_no;
                        pending_lines = 1;
                    }
                    Err(e) => sink(bad(
                        record,
                        line_no,
                        format!("malformed JSON: {e}"),
                        trimmed.to_vec(),
                    ))?,
                }
            } else {
                pending.extend_from_slice(&line);
                pending_lines += 1;
                match serde_json::from_slice::<Value>(&pending) {
                    Ok(v) => {
                        let raw = std::mem::take(&mut pending);
                        let res = comment_from_json(&v, opts);
                        emit(sink, record, pending_line, trim_ascii(&raw).to_vec(), res)?;
                    }
                    Err(e)
                        if e.is_eof()
                            && pending_lines < MAX_LINES_PER_OBJECT
                            && pending.len() <= MAX_RECORD_BYTES => {}
                    Err(e) => {
                        let raw = std::mem::take(&mut pending);
                        sink(bad(
                            record,
                            pending_line,
                            format!("malformed JSON: {e}"),
                            trim_ascii(&raw).to_vec(),
                        ))?;
                    }
                }
            }
        }
        if !pending.is_empty() {
            sink(bad(
                record,
                pending_line,
                "file ends inside this record".into(),
                trim_ascii(&pending).to_vec(),
            ))?;
        }
        Ok(())
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    b.trim_ascii()
}

/// Reads one line into `buf`, keeping at most `cap` bytes of it; the rest of a longer line is
/// read and dropped. Returns the line's full length and whether it was cut.
fn read_line_capped(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    loop {
        let avail = input.fill_buf()?;
        if avail.is_empty() {
            return Ok((total, total > buf.len()));
        }
        let (chunk, found) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        let n = chunk.len();
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..n.min(room)]);
        total += n;
        input.consume(n);
        if found {
            return Ok((total, total > buf.len()));
        }
    }
}

/// CSV (or semicolon- or tab-separated values) with a header row naming the fields.
pub struct CsvReader;

/// Picks the delimiter of a header line: the most frequent of `,`, `;` and tab.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

fn header_line(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    &head[..end]
}

impl Reader for CsvReader {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn detect(&self, path: &Path, head: &[u8]) -> Detection {
        if !looks_like_text(head) {
            return Detection::No("not text".into());
        }
        if head.iter().all(u8::is_ascii_whitespace) {
            return Detection::No("empty".into());
        }
        let line = header_line(head);
        let delim = sniff_delimiter(line);
        let names: Vec<String> = line
            .split(|&b| b == delim)
            .map(|c| {
                String::from_utf8_lossy(c)
                    .trim()
                    .trim_matches('"')
                    .to_owned()
            })
            .collect();
        let fields: Vec<Field> = names.iter().filter_map(|n| field_for(n)).collect();
        if fields.contains(&Field::Id) && fields.contains(&Field::Text) {
            Detection::Yes(if has_ext(path, &["csv", "tsv"]) {
                12
            } else {
                10
            })
        } else {
            let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
            Detection::No(format!(
                "the first line has no id and text columns (found {})",
                shown.join(", ")
            ))
        }
    }

    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError> {
        let delim = sniff_delimiter(header_line(input.fill_buf()?));
        let tee = Tee::new(input);
        let raw = tee.captured.clone();
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(true)
            .buffer_capacity(1 << 20)
            .from_reader(tee);
        let headers = rdr
            .byte_headers()
            .map_err(|e| ReadError::Format(format!("header row: {e}")))?
            .clone();
        let columns: Vec<Option<Field>> = headers
            .iter()
            .map(|h| field_for(&String::from_utf8_lossy(h)))
            .collect();
        if !columns.contains(&Some(Field::Text)) || !columns.contains(&Some(Field::Id)) {
            return Err(ReadError::Format(
                "the header row has no id and text columns".into(),
            ));
        }
        let mut rec = csv::ByteRecord::new();
        let mut record = 0u64;
        let mut start = rdr.position().byte();
        let mut start_line = rdr.position().line();
        loop {
            let res = rdr.read_byte_record(&mut rec);
            let end = rdr.position().byte();
            match res {
                Ok(false) => break,
                Ok(true) => {
                    record += 1;
                    let parsed = comment_from_csv(&rec, &columns, headers.len(), opts);
                    let raw_bytes = match &parsed {
                        Ok(_) => Vec::new(),
                        Err(_) => raw.borrow().slice(start, end),
                    };
                    emit(sink, record, start_line, trim_record(raw_bytes), parsed)?;
                }
                Err(e) => {
                    record += 1;
                    let bytes = raw.borrow().slice(start, end);
                    sink(bad(
                        record,
                        start_line,
                        format!("malformed CSV row: {e}"),
                        trim_record(bytes),
                    ))?;
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(ReadError::Format(format!("read error: {e}")));
                    }
                }
            }
            raw.borrow_mut().forget_before(end);
            start = end;
            start_line = rdr.position().line();
        }
        Ok(())
    }
}

fn trim_record(mut b: Vec<u8>) -> Vec<u8> {
    while b.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
        b.pop();
    }
    b
}

fn comment_from_csv(
    rec: &csv::ByteRecord,
    columns: &[Option<Field>],
    width: usize,
    opts: &ReadOptions,
) -> Result<Comment, String> {
    if rec.len() != width {
        return Err(format!(
            "row has {} fields, the header has {width}",
            rec.len()
        ));
    }
    let mut r = Record::default();
    for (i, field) in rec.iter().enumerate() {
        let Some(f) = columns[i] else { continue };
        let s = std::str::from_utf8(field)
            .map_err(|e| format!("column {} is not valid UTF-8: {e}", i + 1))?;
        r.set_str(f, s, opts);
    }
    r.finish(opts)
}

/// Bytes read through a [`Tee`], kept from the start of the current record on, so that a bad
/// record's raw bytes can be stored as they were in the file.
struct Captured {
    /// File offset of `buf[0]`.
    base: u64,
    buf: Vec<u8>,
}

impl Captured {
    fn slice(&self, from: u64, to: u64) -> Vec<u8> {
        let a = from.saturating_sub(self.base) as usize;
        let b = (to.saturating_sub(self.base) as usize).min(self.buf.len());
        self.buf.get(a..b).unwrap_or_default().to_vec()
    }

    fn forget_before(&mut self, offset: u64) {
        let n = (offset.saturating_sub(self.base) as usize).min(self.buf.len());
        // Drain in large steps so that keeping the tail costs little.
        if n >= 1 << 20 || n == self.buf.len() {
            self.buf.drain(..n);
            self.base += n as u64;
        }
    }
}

/// A reader that remembers what passes through it.
struct Tee<'a> {
    inner: &'a mut dyn BufRead,
    captured: Rc<RefCell<Captured>>,
}

impl<'a> Tee<'a> {
    fn new(inner: &'a mut dyn BufRead) -> Self {
        Tee {
            inner,
            captured: Rc::new(RefCell::new(Captured {
                base: 0,
                buf: Vec::new(),
            })),
        }
    }
}

impl Read for Tee<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        let mut c = self.captured.borrow_mut();
        // A single record larger than the raw cap keeps only its head.
        if c.buf.len() < MAX_RAW_KEPT {
            c.buf.extend_from_slice(&out[..n]);
        } else {
            c.base += n as u64;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(r: &dyn Reader, input: &[u8]) -> (Vec<Comment>, Vec<BadRecord>) {
        let mut good = Vec::new();
        let mut badr = Vec::new();
        let mut cur = input;
        r.read(&mut cur, &ReadOptions::default(), &mut |it| {
            match it {
                Item::Comment(c) => good.push(*c),
                Item::Bad(b) => badr.push(b),
            }
            Ok(())
        })
        .unwrap();
        (good, badr)
    }

    #[test]
    fn aliases_map_to_fields() {
        assert_eq!(field_for("Comment Text"), Some(Field::Text));
        assert_eq!(field_for("created_time"), Some(Field::CreatedAt));
        assert_eq!(field_for("\u{feff}id"), Some(Field::Id));
        assert_eq!(field_for("label"), None);
    }

    #[test]
    fn json_array_keeps_good_records_around_a_bad_one() {
        let input = br#"[
  {"id": "1", "text": "hola", "author": "Ana", "created_at": "2024-01-02T03:04:05Z"},
  {"id": "2", "text": "broken", "created_at": },
  {"id": 3, "message": "number id", "platform": "Twitter"},
  {"text": "no id"},
  "a string",
  {"id": "6", "text": "last"}
]"#;
        let (good, bad) = read_all(&JsonReader, input);
        let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["1", "3", "6"]);
        assert_eq!(good[1].platform, Platform::X);
        assert_eq!(good[0].author.name.as_deref(), Some("Ana"));
        let recs: Vec<(u64, Option<u64>)> = bad.iter().map(|b| (b.record, b.line)).collect();
        assert_eq!(recs, [(2, Some(3)), (4, Some(5)), (5, Some(6))]);
        assert!(
            bad[0].reason.contains("malformed JSON"),
            "{}",
            bad[0].reason
        );
        assert_eq!(
            bad[0].raw,
            br#"{"id": "2", "text": "broken", "created_at": }"#
        );
        assert_eq!(bad[1].reason, "missing id");
    }

    #[test]
    fn html_entities_are_decoded() {
        let (good, _) = read_all(
            &JsonReader,
            br#"[{"id":"1","text":"Not bad &amp; not great &lt;3"}]"#,
        );
        assert_eq!(good[0].text, "Not bad & not great <3");
    }

    #[test]
    fn stray_closing_brace_in_a_json_array_is_one_bad_record_not_an_endless_loop() {
        // Found by tests/readers_fuzz.rs: a `}` where an element should start made the scanner
        // return empty elements forever, filling memory.
        let (good, bad) = read_all(
            &JsonReader,
            br#"[{"id":"1","text":"a"}}, {"id":"2","text":"b"}, }]"#,
        );
        let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        let raws: Vec<&[u8]> = bad.iter().map(|b| b.raw.as_slice()).collect();
        assert_eq!(raws, [b"}".as_slice(), b"}".as_slice()]);
        assert_eq!((bad[0].record, bad[1].record), (2, 4));
    }

    #[test]
    fn json_array_cut_off_keeps_what_came_before() {
        let (good, bad) = read_all(&JsonReader, br#"[{"id":"1","text":"a"},{"id":"2","te"#);
        assert_eq!(good.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("ends inside"));
    }

    #[test]
    fn ndjson_reads_compact_and_pretty_objects() {
        let input = "{\"id\":\"a\",\"text\":\"uno\"}\n\n{\"id\":\"b\",\n \"text\":\"dos\"\n}\n{bad json}\n{\"id\":\"c\",\"body\":\"tres\",\"edited\":false}\n";
        let (good, bad) = read_all(&NdjsonReader, input.as_bytes());
        let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(good[2].edited_at, None);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, Some(6));
        assert_eq!(bad[0].record, 3);
    }

    #[test]
    fn ndjson_invalid_utf8_is_one_bad_record() {
        let mut input = b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"".to_vec();
        input.extend_from_slice(b"\xff\xfe\"}\n{\"id\":\"c\",\"text\":\"ok\"}\n");
        let (good, bad) = read_all(&NdjsonReader, &input);
        assert_eq!(good.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, Some(2));
    }

    #[test]
    fn csv_with_aliases_quotes_and_bad_rows() {
        let input = "comment_id,Message,Author,created_time,label\n\
                     1,\"hello, world\",@ana,2024-01-02T03:04:05+0000,x\n\
                     2,\"multi\nline\",bob,1704164645,y\n\
                     3,short\n\
                     4,\"bad date\",eve,not-a-date,z\n\
                     5,fine,joe,,w\n";
        let (good, bad) = read_all(&CsvReader, input.as_bytes());
        let ids: Vec<&str> = good.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "5"]);
        assert_eq!(good[0].text, "hello, world");
        assert_eq!(good[0].author.handle.as_deref(), Some("ana"));
        assert_eq!(good[1].text, "multi\nline");
        assert_eq!(good[1].created_at, good[0].created_at);
        assert_eq!(bad.len(), 2);
        assert_eq!((bad[0].record, bad[0].line), (3, Some(5)));
        assert_eq!(bad[0].raw, b"3,short");
        assert!(bad[1].reason.starts_with("created_at"), "{}", bad[1].reason);
        assert_eq!(bad[1].raw, b"4,\"bad date\",eve,not-a-date,z");
    }

    #[test]
    fn csv_semicolons_and_invalid_utf8() {
        let mut input = b"id;text\n1;uno\n2;".to_vec();
        input.extend_from_slice(b"\xffdos\n3;tres\n");
        let (good, bad) = read_all(&CsvReader, &input);
        assert_eq!(good.len(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].reason.contains("UTF-8"));
        assert_eq!(bad[0].raw, b"2;\xffdos");
    }

    #[test]
    fn detection_by_content() {
        let p = Path::new("x.txt");
        assert!(matches!(JsonReader.detect(p, b" [{}]"), Detection::Yes(_)));
        assert!(matches!(
            NdjsonReader.detect(p, b"{\"a\":1}"),
            Detection::Yes(_)
        ));
        assert!(matches!(
            CsvReader.detect(p, b"id,text\n1,a"),
            Detection::Yes(_)
        ));
        assert!(matches!(
            CsvReader.detect(p, b"foo,bar\n1,a"),
            Detection::No(_)
        ));
        assert!(matches!(
            JsonReader.detect(p, b"\0\x01\x02"),
            Detection::No(_)
        ));
    }
}

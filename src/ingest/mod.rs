//! Readers that turn export files into domain values, format detection, and the ingest pipeline.
//!
//! Each format has one module implementing [`Reader`]: it says from the first bytes of a file
//! whether it reads it ([`Reader::detect`]) and streams what it reads as [`Item`]s, a
//! [`Comment`] per good record and a [`BadRecord`] per record it could not read. Nothing
//! platform-shaped leaves a reader. [`pipeline`] drives the readers, the classifier and the store.

pub mod canonical;
pub mod facebook;
pub mod google_reviews;
pub mod instagram;
pub mod pipeline;
pub mod reddit;
pub mod support;
pub mod takeout_youtube;
pub mod time;
pub mod twcs;
pub mod x_api;
pub mod x_archive;
pub mod youtube;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use crate::domain::{AuthorRef, Comment, Platform};

/// How many bytes of a file detection looks at.
pub const HEAD_LEN: usize = 64 * 1024;

/// One thing a reader found in its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Comment(Box<Comment>),
    Bad(BadRecord),
}

/// A record a reader could not turn into a comment. Its raw bytes are kept so it can be fixed
/// and ingested again; nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// 1-based number of the record in the file (row, array element, JSON object…).
    pub record: u64,
    /// 1-based line where the record starts, when the format has lines.
    pub line: Option<u64>,
    pub reason: String,
    pub raw: Vec<u8>,
}

/// The consumer of a reader's items has gone away (the pipeline was cancelled): stop reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Where a reader's items go. Returns `Err(Stop)` when the reader should stop.
pub type Sink<'a> = dyn FnMut(Item) -> Result<(), Stop> + 'a;

/// A whole file could not be read (as opposed to one bad record in it).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is not in this reader's format at all, or broken beyond its first record.
    #[error("{0}")]
    Format(String),
    #[error("stopped")]
    Stopped,
}

impl From<Stop> for ReadError {
    fn from(_: Stop) -> Self {
        ReadError::Stopped
    }
}

/// What a reader says of a file from its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// It reads this file; higher confidence wins when several accept (canonical readers
    /// answer low, platform readers that recognised their own keys answer high).
    Yes(u8),
    /// It does not, and why (shown to the user when no reader accepts a file).
    No(String),
}

/// Who "we" are on each platform, so that the brand's own replies are stored as answers and
/// never open cases. Matched against an author's id, handle or name, case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct BrandIds {
    /// Identities that count on every platform.
    pub any: Vec<String>,
    pub per_platform: HashMap<Platform, Vec<String>>,
}

impl BrandIds {
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.per_platform.values().all(Vec::is_empty)
    }

    /// True when the author is one of the brand's identities on that platform.
    pub fn is_brand(&self, platform: Platform, author: &AuthorRef) -> bool {
        let names = [&author.id, &author.handle, &author.name];
        let hit = |ids: &[String]| {
            ids.iter().any(|b| {
                let b = b.trim_start_matches('@');
                names
                    .iter()
                    .filter_map(|n| n.as_deref())
                    .any(|n| n.trim_start_matches('@').eq_ignore_ascii_case(b))
            })
        };
        hit(&self.any) || self.per_platform.get(&platform).is_some_and(|v| hit(v))
    }
}

/// Settings every reader gets.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Time zone for timestamps written without one; UTC when unset.
    pub tz: Option<chrono_tz::Tz>,
    pub brand: BrandIds,
    /// Platform to assume when a canonical record names none.
    pub default_platform: Option<Platform>,
}

/// A format calma reads.
pub trait Reader: Send + Sync {
    /// The name used by `--format` and in messages (`facebook`, `csv`, …).
    fn name(&self) -> &'static str;

    /// Says whether this reader reads the file, judged from its path and first bytes (at most
    /// [`HEAD_LEN`]; the whole file when shorter). Must be cheap and never panic.
    fn detect(&self, path: &Path, head: &[u8]) -> Detection;

    /// Reads the whole input, handing every good record and every bad one to `sink` in file
    /// order. Returns an error only when the file as a whole cannot be read.
    fn read(
        &self,
        input: &mut dyn BufRead,
        opts: &ReadOptions,
        sink: &mut Sink<'_>,
    ) -> Result<(), ReadError>;
}

/// Every reader calma has, platform readers first.
pub fn readers() -> Vec<Box<dyn Reader>> {
    vec![
        Box::new(facebook::FacebookReader),
        Box::new(instagram::InstagramReader),
        Box::new(youtube::YoutubeReader),
        Box::new(x_archive::XArchiveReader),
        Box::new(x_api::XApiReader),
        Box::new(reddit::RedditReader),
        Box::new(google_reviews::GoogleReviewsReader),
        Box::new(takeout_youtube::TakeoutYoutubeReader),
        Box::new(twcs::TwcsReader),
        Box::new(canonical::JsonReader),
        Box::new(canonical::NdjsonReader),
        Box::new(canonical::CsvReader),
    ]
}

/// Finds a reader by its `--format` name.
pub fn reader_by_name(name: &str) -> Option<Box<dyn Reader>> {
    readers().into_iter().find(|r| r.name() == name)
}

/// The names `--format` accepts.
pub fn reader_names() -> Vec<&'static str> {
    readers().iter().map(|r| r.name()).collect()
}

/// Picks the reader for a file from its first bytes: the most confident one that accepts it.
/// When none does, the error names every reader tried and why it said no.
pub fn detect(path: &Path, head: &[u8]) -> Result<Box<dyn Reader>, String> {
    let mut best: Option<(u8, Box<dyn Reader>)> = None;
    let mut refusals = Vec::new();
    for r in readers() {
        match r.detect(path, head) {
            Detection::Yes(c) => {
                if best.as_ref().is_none_or(|(b, _)| c > *b) {
                    best = Some((c, r));
                }
            }
            Detection::No(why) => refusals.push(format!("{}: {why}", r.name())),
        }
    }
    best.map(|(_, r)| r)
        .ok_or_else(|| format!("no reader accepts this file; tried {}", refusals.join("; ")))
}

/// Why a whole file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Nothing but white space: nothing to read, which is not an error of the input.
    #[error("{path}: empty file, nothing to read")]
    Empty { path: std::path::PathBuf },
    #[error("{path}: {source}")]
    Open {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Undetected {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Unreadable {
        path: std::path::PathBuf,
        reason: String,
    },
}

/// Opens one file, picks its reader (`format` forces one by name) and streams its items to
/// `sink`. Returns the name of the reader that read it.
pub fn read_file(
    path: &Path,
    format: Option<&str>,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> Result<&'static str, FileError> {
    let file = std::fs::File::open(path).map_err(|e| FileError::Open {
        path: path.to_owned(),
        source: e,
    })?;
    read_from(path, file, format, opts, sink)
}

/// Like [`read_file`] for any byte source (standard input, a buffer); `path` names it in
/// messages and helps detection by its extension.
pub fn read_from(
    path: &Path,
    input: impl std::io::Read,
    format: Option<&str>,
    opts: &ReadOptions,
    sink: &mut Sink<'_>,
) -> Result<&'static str, FileError> {
    use std::io::Read;
    let mut input = std::io::BufReader::with_capacity(1 << 20, input);
    let mut head = Vec::with_capacity(HEAD_LEN);
    (&mut input)
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| FileError::Open {
            path: path.to_owned(),
            source: e,
        })?;
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty {
            path: path.to_owned(),
        });
    }
    let reader = match format {
        Some(name) if name != "auto" => {
            reader_by_name(name).ok_or_else(|| FileError::Undetected {
                path: path.to_owned(),
                reason: format!(
                    "unknown format {name:?}; known: {}",
                    reader_names().join(", ")
                ),
            })?
        }
        _ => detect(path, &head).map_err(|reason| FileError::Undetected {
            path: path.to_owned(),
            reason,
        })?,
    };
    let mut all = std::io::Cursor::new(head).chain(input);
    let mut buffered = std::io::BufReader::with_capacity(1 << 20, &mut all);
    match reader.read(&mut buffered, opts, sink) {
        Ok(()) | Err(ReadError::Stopped) => Ok(reader.name()),
        Err(e) => Err(FileError::Unreadable {
            path: path.to_owned(),
            reason: format!("{} reader: {e}", reader.name()),
        }),
    }
}

/// Expands files and folders (recursively, in name order, hidden files skipped) into the list of
/// files to read.
pub fn expand_paths(paths: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, FileError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| FileError::Open {
            path: p.clone(),
            source: e,
        })?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), FileError> {
    let err = |e| FileError::Open {
        path: dir.to_owned(),
        source: e,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_data_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Inside folders, documentation and notes are not input.
fn is_data_file(p: &Path) -> bool {
    !matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("md" | "toml" | "yml" | "yaml" | "db" | "db-wal" | "db-shm" | "sqlite")
    )
}

/// The first non-whitespace byte of `head`, after a UTF-8 byte-order mark.
pub fn first_significant_byte(head: &[u8]) -> Option<u8> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// True when `head` looks like text rather than a binary file: no NUL bytes, and at most a few
/// bytes that are not UTF-8, 2 % at most (a stray Latin-1 character makes a bad record, not a binary file).
pub fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    // The head may end inside a multi-byte character: leave the last three bytes out.
    let body = &head[..head.len().saturating_sub(3)];
    let invalid: usize = body.utf8_chunks().map(|c| c.invalid().len()).sum();
    invalid * 50 <= body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_identities_match_loosely_per_platform() {
        let mut brand = BrandIds {
            any: vec!["@AcmeHelp".into()],
            ..Default::default()
        };
        brand
            .per_platform
            .insert(Platform::Facebook, vec!["1234567890".into()]);
        let a = |id: &str| AuthorRef {
            id: Some(id.into()),
            ..Default::default()
        };
        let h = |h: &str| AuthorRef {
            handle: Some(h.into()),
            ..Default::default()
        };
        assert!(brand.is_brand(Platform::X, &h("acmehelp")));
        assert!(brand.is_brand(Platform::Facebook, &a("1234567890")));
        assert!(!brand.is_brand(Platform::Youtube, &a("1234567890")));
        assert!(!brand.is_brand(Platform::X, &h("someone")));
    }

    #[test]
    fn binary_is_not_text() {
        assert!(looks_like_text("hola ¿qué tal?".as_bytes()));
        assert!(!looks_like_text(b"\x89PNG\r\n\x1a\n\0\0\0"));
        assert!(!looks_like_text(b"\xff\xfe\xfd garbage \xc3\x28 more"));
        let mut latin1 = b"id,text\n1,a caf\xe9 in Latin-1\n".to_vec();
        latin1.extend(b"2,plenty of ordinary UTF-8 text around it\n".repeat(4));
        assert!(looks_like_text(&latin1));
        // A multi-byte character cut by the end of the head is still text.
        let s = "привет".as_bytes();
        assert!(looks_like_text(&s[..s.len() - 1]));
    }
}

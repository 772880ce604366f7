//! The ingest pipeline: a reader task parses files (and does the expensive, author-independent
//! part of classification) and streams batches through a bounded channel to one writer task
//! that owns the database connection and commits in large transactions.
//!
//! Parsing runs on one core and writing on the other; the channel bounds memory whatever the
//! file size. A crash loses at most the open transaction, and running the same ingest again
//! completes it: records are keyed on (platform, external id).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::{BadRecord, FileError, Item, ReadOptions, Stop};
use crate::domain::{AuthorHistory, Classification, Comment, Lang};
use crate::store::{IngestWriter, Outcome, Store, StoreError};
use crate::workflow::SlaConfig;

/// Records per message on the channel: small enough that the records in flight (a few
/// batches, each record with its text analysis) stay a few MB.
const BATCH: usize = 256;
/// Messages the channel holds before the reader waits for the writer.
const CHANNEL: usize = 4;
/// Records per transaction unless told otherwise.
pub const COMMIT_EVERY: u64 = 250_000;
/// Reject messages kept for the summary (all of them are in the `rejects` table).
const MESSAGES_KEPT: usize = 50;

/// The classifier as the pipeline sees it: an expensive part on the reader thread, and a cheap
/// part on the writer thread that weighs what the store knows of the author.
pub trait Tagger: Send + Sync + 'static {
    type Analysis: Send + 'static;
    /// Analyses the text and returns the analysis with the fingerprint of the normalised text
    /// (0 when there is none), used to find the same text posted again.
    fn analyse(&self, c: &Comment) -> (Self::Analysis, i64);
    fn decide(&self, a: &Self::Analysis, history: &AuthorHistory) -> Classification;
}

/// No classification: every comment is `other`. For tests and tools that only move data.
pub struct Untagged;

impl Tagger for Untagged {
    type Analysis = ();
    fn analyse(&self, _: &Comment) -> ((), i64) {
        ((), 0)
    }
    fn decide(&self, _: &(), _: &AuthorHistory) -> Classification {
        Classification::unclassified(Lang::Other)
    }
}

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub paths: Vec<PathBuf>,
    /// A reader name to force, or `None` to detect each file.
    pub format: Option<String>,
    pub opts: ReadOptions,
    pub commit_every: u64,
    /// The time stored as each comment's received time.
    pub now: DateTime<Utc>,
    /// The clocks new cases start with.
    pub sla: SlaConfig,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: u64,
    pub read: u64,
    pub new: u64,
    pub updated: u64,
    pub duplicate: u64,
    pub rejected: u64,
    /// Files that could not be read at all, with the reason.
    pub unreadable: Vec<String>,
    /// Empty files that were skipped.
    pub empty: Vec<String>,
    /// The first rejected records, each as `file: record N (line L): reason`.
    pub reject_messages: Vec<String>,
}

impl Summary {
    /// The one-line summary: `read N, new N, updated N, duplicate N, rejected N`.
    pub fn line(&self) -> String {
        format!(
            "read {}, new {}, updated {}, duplicate {}, rejected {}",
            self.read, self.new, self.updated, self.duplicate, self.rejected
        )
    }
}

/// Progress reported while the pipeline runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A file is being read.
    File { path: PathBuf, reader: String },
    /// Records written so far.
    Written(u64),
    /// A transaction was committed with this many records written in all.
    Committed(u64),
}

enum Msg<A> {
    Items {
        file: Arc<str>,
        items: Vec<Staged<A>>,
    },
    FileDone {
        path: PathBuf,
        reader: &'static str,
    },
    FileFailed(FileError),
}

enum Staged<A> {
    Comment {
        comment: Box<Comment>,
        analysis: A,
        fingerprint: i64,
    },
    Bad(BadRecord),
}

/// Errors that stop an ingest as a whole.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("ingest task failed: {0}")]
    Task(String),
}

/// Runs an ingest into the store at `db`. `progress` hears about files and commits.
pub async fn run<T: Tagger>(
    db: &Path,
    req: Request,
    tagger: Arc<T>,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Summary, PipelineError> {
    let (tx, rx) = mpsc::channel::<Msg<T::Analysis>>(CHANNEL);
    let paths = req.paths.clone();
    let format = req.format.clone();
    let opts = req.opts.clone();
    let reader_tagger = tagger.clone();
    let reader_progress = progress.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read_all(
            &paths,
            format.as_deref(),
            &opts,
            &*reader_tagger,
            &tx,
            &*reader_progress,
        )
    });
    let db = db.to_owned();
    let writer =
        tokio::task::spawn_blocking(move || write_all(&db, rx, &*tagger, &req, &*progress));
    let (r, w) = tokio::join!(reader, writer);
    r.map_err(|e| PipelineError::Task(e.to_string()))?;
    w.map_err(|e| PipelineError::Task(e.to_string()))?
}

/// The reader side: every file in turn, batches onto the channel.
fn read_all<T: Tagger>(
    paths: &[PathBuf],
    format: Option<&str>,
    opts: &ReadOptions,
    tagger: &T,
    tx: &mpsc::Sender<Msg<T::Analysis>>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) {
    for path in paths {
        let file: Arc<str> = path.display().to_string().into();
        let mut batch: Vec<Staged<T::Analysis>> = Vec::with_capacity(BATCH);
        let mut sink = |item: Item| -> Result<(), Stop> {
            batch.push(match item {
                Item::Comment(c) => {
                    let (analysis, fingerprint) = tagger.analyse(&c);
                    Staged::Comment {
                        comment: c,
                        analysis,
                        fingerprint,
                    }
                }
                Item::Bad(b) => Staged::Bad(b),
            });
            if batch.len() >= BATCH {
                let items = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                tx.blocking_send(Msg::Items {
                    file: file.clone(),
                    items,
                })
                .map_err(|_| Stop)?;
            }
            Ok(())
        };
        let res = super::read_file(path, format, opts, &mut sink);
        if !batch.is_empty()
            && tx
                .blocking_send(Msg::Items {
                    file: file.clone(),
                    items: batch,
                })
                .is_err()
        {
            return;
        }
        let msg = match res {
            Ok(reader) => {
                progress(Progress::File {
                    path: path.clone(),
                    reader: reader.to_owned(),
                });
                Msg::FileDone {
                    path: path.clone(),
                    reader,
                }
            }
            Err(e) => Msg::FileFailed(e),
        };
        if tx.blocking_send(msg).is_err() {
            return;
        }
    }
}

/// The writer side: owns the connection, commits every `commit_every` records and at the end.
fn write_all<T: Tagger>(
    db: &Path,
    mut rx: mpsc::Receiver<Msg<T::Analysis>>,
    tagger: &T,
    req: &Request,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Summary, PipelineError> {
    let (commit_every, now) = (req.commit_every, req.now);
    let store = Store::open(db)?;
    store.set_bulk_cache()?;
    let mut w = IngestWriter::new(&store, req.sla.clone())?;
    let mut s = Summary::default();
    let mut since_commit = 0u64;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Items { file, items } => {
                for it in items {
                    s.read += 1;
                    match it {
                        Staged::Comment {
                            comment,
                            analysis,
                            fingerprint,
                        } => {
                            let mut decide = |h: &AuthorHistory| tagger.decide(&analysis, h);
                            match w.write(&comment, fingerprint, &mut decide, &file, now)? {
                                Outcome::New(_) => s.new += 1,
                                Outcome::Updated(_) => s.updated += 1,
                                Outcome::Duplicate(_) => s.duplicate += 1,
                            }
                        }
                        Staged::Bad(b) => {
                            s.rejected += 1;
                            if s.reject_messages.len() < MESSAGES_KEPT {
                                s.reject_messages.push(reject_message(&file, &b));
                            }
                            tracing::warn!("{}", reject_message(&file, &b));
                            w.reject(&file, &b, now)?;
                        }
                    }
                    since_commit += 1;
                    if since_commit >= commit_every {
                        w.commit()?;
                        since_commit = 0;
                        progress(Progress::Committed(s.read));
                    }
                }
                progress(Progress::Written(s.read));
            }
            Msg::FileDone { path, reader } => {
                s.files += 1;
                tracing::info!(file = %path.display(), reader, "read");
            }
            Msg::FileFailed(FileError::Empty { path }) => {
                s.files += 1;
                s.empty.push(path.display().to_string());
            }
            Msg::FileFailed(e) => {
                tracing::warn!("{e}");
                s.unreadable.push(e.to_string());
            }
        }
    }
    w.finish()?;
    progress(Progress::Committed(s.read));
    Ok(s)
}

/// `file: record N (line L): reason`.
pub fn reject_message(file: &str, b: &BadRecord) -> String {
    match b.line {
        Some(l) => format!("{file}: record {} (line {l}): {}", b.record, b.reason),
        None => format!("{file}: record {}: {}", b.record, b.reason),
    }
}

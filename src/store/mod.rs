//! The SQLite store: the only place with SQL. Migrations, queries and transactions.
//!
//! One [`Store`] owns one connection (WAL, foreign keys on, a busy timeout), so several
//! processes can share a database file: an ingest running while the inbox is open shows up in
//! it. Every statement binds its parameters. Nothing is ever hard-deleted.

mod cases;
mod classify;
mod comments;
mod drafts;
mod ingest;
mod insights;
pub mod migrations;
mod seen;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

pub use cases::{AuthorSummary, CaseView, NewReply, Queue, QueueRow, StoredEvent, StoredReply};
pub use comments::{CommentFilter, StoredComment, Version};
pub use drafts::StoredDraft;
pub use ingest::{IngestWriter, Outcome};
pub use insights::{
    CaseRecord, CrisisRow, DayTagCount, HourCount, OpenCount, StoredAlert, TextRow,
};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    NotFound(String),
    /// The workflow refused the action; its message says what is allowed instead.
    #[error("{0}")]
    Workflow(crate::workflow::WorkflowError),
    /// Writing what a query streamed out failed (a closed pipe, a full disk).
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The page cache of a bulk load, in KiB (`PRAGMA cache_size` of the ingest writer).
pub const BULK_CACHE_KIB: i64 = 32768;

/// A connection to a calma database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating when needed, readable by its owner only) and migrates the database.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                path: path.to_owned(),
                source: e,
            })?;
        }
        create_private(path).map_err(|e| StoreError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        let open_err = |e| StoreError::Open {
            path: path.to_owned(),
            source: e,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        migrations::migrations().to_latest(&mut conn)?;
        // Ingest and the case layer use a few dozen statements; re-preparing evicted ones
        // costs more than the statements themselves.
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version applied to this file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Changes whenever another connection commits to the file (`PRAGMA data_version`): how the
    /// inbox notices another process's writes without re-counting its queues.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// Gives the page cache more room for a bulk load ([`BULK_CACHE_KIB`] instead of 2 MiB; sized so that an ingest stays under 100 MB of memory).
    pub fn set_bulk_cache(&self) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        Ok(())
    }

    /// The raw connection, for the store's own modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Creates the file with mode 0600 if it does not exist yet (it holds personal data).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, so that text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads a stored timestamp.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

/// `due_at` of a case on which no clock runs: sorts after every time.
pub(crate) const NO_DUE: i64 = i64::MAX;

/// A due time as stored: milliseconds since the epoch (integers keep the queue indexes small
/// and fast), [`NO_DUE`] when no clock runs.
pub(crate) fn due_ms(t: Option<DateTime<Utc>>) -> i64 {
    t.map_or(NO_DUE, |t| t.timestamp_millis())
}

/// Reads a stored due time back.
pub(crate) fn due_time(ms: i64) -> Option<DateTime<Utc>> {
    if ms == NO_DUE {
        None
    } else {
        DateTime::from_timestamp_millis(ms)
    }
}

/// A 64-bit FNV-1a hash, stable across versions and platforms (stored in the database).
pub fn stable_hash(bytes: &[u8]) -> i64 {
    crate::fnv::hash(crate::fnv::OFFSET, bytes) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text() {
        let a = ts("2024-01-02T03:04:05Z".parse().unwrap());
        let b = ts("2024-01-02T03:04:05.5Z".parse().unwrap());
        assert_eq!(a, "2024-01-02T03:04:05.000Z");
        assert!(a < b);
        assert_eq!(parse_ts(&b).unwrap().timestamp_subsec_millis(), 500);
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }
}

//! Reading comments back: one by id, filtered lists in received order, every version of a text.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Result, Store, StoreError, parse_ts};
use crate::domain::{AuthorRef, Flags, Platform, Tag};

/// A comment as stored, with its author and current classification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredComment {
    pub id: i64,
    pub platform: Platform,
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<i64>,
    #[serde(skip_serializing_if = "AuthorRef::is_empty")]
    pub author: AuthorRef,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    pub is_brand: bool,
    pub hidden: bool,
    pub tag: Tag,
    pub flags: Flags,
    pub sentiment: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The case state, when the comment is a case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When the case's current step is due, when a clock runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

/// One text a comment has carried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    pub seen_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Which comments a listing shows.
#[derive(Debug, Clone, Default)]
pub struct CommentFilter {
    pub tag: Option<Tag>,
    pub platform: Option<Platform>,
    /// Leave out the brand's own replies.
    pub exclude_brand: bool,
    /// Only cases in this state (a workflow state name).
    pub state: Option<String>,
    /// Only open cases whose current step was due before this time.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only comments that are cases (not our replies, not attached follow-ups).
    pub cases_only: bool,
}

const SELECT: &str = "SELECT c.id, c.platform, c.external_id, c.thread_id, c.parent_id, \
     c.author_id, a.key, a.handle, a.name, c.text, c.created_at, c.edited_at, c.received_at, \
     c.url, c.lang, c.rating, c.is_brand, c.hidden, c.tag, c.flags, c.sentiment, c.source, c.state, c.due_at \
     FROM comments c LEFT JOIN authors a ON a.id = c.author_id";

fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// The raw columns of a row; turned into a [`StoredComment`] outside rusqlite's closure so that
/// damaged values become [`StoreError::Corrupt`].
struct RawRow {
    id: i64,
    platform: String,
    external_id: String,
    thread_id: Option<String>,
    parent_id: Option<String>,
    author_id: Option<i64>,
    author_key: Option<String>,
    handle: Option<String>,
    name: Option<String>,
    text: String,
    created_at: Option<String>,
    edited_at: Option<String>,
    received_at: String,
    url: Option<String>,
    lang: Option<String>,
    rating: Option<i64>,
    is_brand: bool,
    hidden: bool,
    tag: String,
    flags: i64,
    sentiment: f64,
    source: Option<String>,
    state: Option<String>,
    due_at: i64,
}

impl RawRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<RawRow> {
        Ok(RawRow {
            id: r.get(0)?,
            platform: r.get(1)?,
            external_id: r.get(2)?,
            thread_id: r.get(3)?,
            parent_id: r.get(4)?,
            author_id: r.get(5)?,
            author_key: r.get(6)?,
            handle: r.get(7)?,
            name: r.get(8)?,
            text: r.get(9)?,
            created_at: r.get(10)?,
            edited_at: r.get(11)?,
            received_at: r.get(12)?,
            url: r.get(13)?,
            lang: r.get(14)?,
            rating: r.get(15)?,
            is_brand: r.get(16)?,
            hidden: r.get(17)?,
            tag: r.get(18)?,
            flags: r.get(19)?,
            sentiment: r.get(20)?,
            source: r.get(21)?,
            state: r.get(22)?,
            due_at: r.get(23)?,
        })
    }

    fn into_comment(self) -> Result<StoredComment> {
        let platform = self
            .platform
            .parse()
            .map_err(|e: String| StoreError::Corrupt(e))?;
        let tag = self
            .tag
            .parse()
            .map_err(|e: String| StoreError::Corrupt(e))?;
        // The key is the id when the platform gave one; otherwise it repeats handle or name.
        let id = self
            .author_key
            .filter(|k| Some(k) != self.handle.as_ref() && Some(k) != self.name.as_ref());
        Ok(StoredComment {
            id: self.id,
            platform,
            external_id: self.external_id,
            thread_id: self.thread_id,
            parent_id: self.parent_id,
            author_id: self.author_id,
            author: AuthorRef {
                id,
                handle: self.handle,
                name: self.name,
            },
            text: self.text,
            created_at: opt_ts(self.created_at)?,
            edited_at: opt_ts(self.edited_at)?,
            received_at: parse_ts(&self.received_at)?,
            url: self.url,
            lang: self.lang,
            rating: self.rating.and_then(|r| u8::try_from(r).ok()),
            is_brand: self.is_brand,
            hidden: self.hidden,
            tag,
            flags: Flags(self.flags as u16),
            sentiment: self.sentiment as f32,
            source: self.source,
            state: self.state,
            due_at: super::due_time(self.due_at),
        })
    }
}

impl Store {
    /// One comment by its database id.
    pub fn comment(&self, id: i64) -> Result<StoredComment> {
        let sql = format!("{SELECT} WHERE c.id = ?1");
        self.conn()
            .prepare_cached(&sql)?
            .query_row([id], RawRow::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no comment with id {id}")))?
            .into_comment()
    }

    /// One comment by platform and external id.
    pub fn comment_by_external(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> Result<Option<StoredComment>> {
        let sql = format!("{SELECT} WHERE c.platform = ?1 AND c.external_id = ?2");
        self.conn()
            .prepare_cached(&sql)?
            .query_row(params![platform.as_str(), external_id], RawRow::from_row)
            .optional()?
            .map(RawRow::into_comment)
            .transpose()
    }

    /// Every text the comment has carried, in the order calma saw them; a comment never edited
    /// has one.
    pub fn versions(&self, id: i64) -> Result<Vec<Version>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT text, edited_at, seen_at, source FROM comment_versions \
             WHERE comment_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.is_empty() {
            let c = self.comment(id)?;
            return Ok(vec![Version {
                text: c.text,
                edited_at: c.edited_at,
                seen_at: c.received_at,
                source: c.source,
            }]);
        }
        rows.into_iter()
            .map(|(text, edited, seen, source)| {
                Ok(Version {
                    text,
                    edited_at: opt_ts(edited)?,
                    seen_at: parse_ts(&seen)?,
                    source,
                })
            })
            .collect()
    }

    /// Calls `f` on every comment that passes the filter, in the order they were stored.
    /// Streams: memory does not grow with the number of comments.
    pub fn for_each_comment(
        &self,
        filter: &CommentFilter,
        f: &mut dyn FnMut(StoredComment) -> Result<()>,
    ) -> Result<()> {
        let sql = format!(
            "{SELECT} WHERE (?1 IS NULL OR c.tag = ?1) AND (?2 IS NULL OR c.platform = ?2) \
             AND (?3 = 0 OR c.is_brand = 0) AND (?4 IS NULL OR c.state = ?4) \
             AND (?5 IS NULL OR (c.due_at < ?5 AND c.state NOT IN ('closed', 'deleted'))) \
             AND (?6 = 0 OR c.state IS NOT NULL) \
             ORDER BY c.id"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params![
            filter.tag.map(Tag::as_str),
            filter.platform.map(Platform::as_str),
            filter.exclude_brand,
            filter.state,
            filter.overdue_at.map(|t| t.timestamp_millis()),
            filter.cases_only,
        ])?;
        while let Some(r) = rows.next()? {
            f(RawRow::from_row(r)?.into_comment()?)?;
        }
        Ok(())
    }

    /// How many comments are stored.
    pub fn comment_count(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM comments", [], |r| r.get(0))?)
    }

    /// How many rejected records are kept.
    pub fn reject_count(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM rejects", [], |r| r.get(0))?)
    }
}

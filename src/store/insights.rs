//! The SQL behind insights: backlog counts from one covering-index scan, case records for
//! response times, the hourly arrival table and the stem table the crisis radar keeps up to date
//! incrementally past a watermark, complaints and crisis candidates of recent hours (found as a
//! rowid range), and the alerts raised.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::{Flags, Platform, Tag};
use crate::workflow::{Case, State};

/// Comments that are cases, counted per state, tag and platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCount {
    pub state: State,
    pub tag: Tag,
    pub platform: Platform,
    pub n: u64,
    /// Of those, the ones whose current step is due by now (`due_at <= now`).
    pub due: u64,
}

/// A case someone acted on, with who gave its first public answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub platform: Platform,
    pub case: Case,
    /// The operator of the event that gave the first public answer.
    pub responder: Option<String>,
}

/// Customers' comments that arrived in one UTC hour (hours since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HourCount {
    pub hour: i64,
    pub n: u64,
    /// Sentiment below -0.3, or tagged complaint or troll.
    pub negative: u64,
}

/// Comments per UTC day (days since the epoch) and tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTagCount {
    pub day: i64,
    pub tag: Tag,
    pub n: u64,
}

/// A comment's text with what the analysers need.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRow {
    pub id: i64,
    pub platform: Platform,
    /// The declared language, if any.
    pub lang: Option<String>,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// An open case posted in a crisis window, with what its reach and severity are judged on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrisisRow {
    pub comment_id: i64,
    pub platform: Platform,
    pub tag: Tag,
    pub flags: Flags,
    pub sentiment: f32,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// Comments in its thread (itself included).
    pub thread_size: u64,
    /// Comments its author has written (this one included).
    pub author_comments: u64,
}

/// An alert as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub kind: String,
    pub keyword: Option<String>,
    pub raised_at: DateTime<Utc>,
    /// The alert as JSON.
    pub detail: String,
}

/// The mark holding the stem floor: the first hour whose comments the stem table counts.
const TERM_FLOOR: &str = "terms_from";

fn hour_start(hour: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(hour.saturating_mul(3600), 0).unwrap_or_default()
}

const HOUR_OF: &str = "CAST(unixepoch(COALESCE(created_at, received_at)) / 3600 AS INTEGER)";

fn corrupt(e: String) -> StoreError {
    StoreError::Corrupt(e)
}

impl Store {
    /// Cases per state, tag and platform, with how many are due by `now`: one scan of the
    /// `comments_open` index.
    pub fn open_counts(&self, now: DateTime<Utc>) -> Result<Vec<OpenCount>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT state, tag, platform, COUNT(*), SUM(due_at <= ?1) FROM comments \
             WHERE state IS NOT NULL GROUP BY state, tag, platform",
        )?;
        let rows = stmt
            .query_map([now.timestamp_millis()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(s, t, p, n, due)| {
                Ok(OpenCount {
                    state: s.parse().map_err(corrupt)?,
                    tag: t.parse().map_err(corrupt)?,
                    platform: p.parse().map_err(corrupt)?,
                    n: n as u64,
                    due: due as u64,
                })
            })
            .collect()
    }

    /// Every case someone acted on, with its platform and first responder. The platforms
    /// come from the `comments_open` index (cases acted on are rarely still `new`), so the
    /// comments table itself is not read.
    pub fn case_records(&self) -> Result<Vec<CaseRecord>> {
        let mut platforms: HashMap<i64, String> = self
            .conn()
            .prepare_cached(
                "SELECT id, platform FROM comments INDEXED BY comments_open \
                 WHERE state < 'new' OR state > 'new'",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT k.comment_id, k.current, (SELECT e.operator FROM events e \
               WHERE e.comment_id = k.comment_id AND e.undoes IS NULL \
               AND unixepoch(e.at, 'subsec') = \
                   unixepoch(json_extract(k.current, '$.at.first_response'), 'subsec') \
               ORDER BY e.id LIMIT 1) \
             FROM cases k",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, json, responder)| {
                let platform = match platforms.remove(&id) {
                    Some(p) => p.parse().map_err(corrupt)?,
                    None => self.comment_platform_of(id)?,
                };
                Ok(CaseRecord {
                    platform,
                    case: serde_json::from_str(&json)
                        .map_err(|e| corrupt(format!("case {id}: {e}")))?,
                    responder,
                })
            })
            .collect()
    }

    fn comment_platform_of(&self, id: i64) -> Result<Platform> {
        let p: String = self
            .conn()
            .prepare_cached("SELECT platform FROM comments WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        p.parse().map_err(corrupt)
    }

    fn mark(&self, name: &str) -> Result<i64> {
        Ok(self.mark_opt(name)?.unwrap_or(0))
    }

    fn set_mark(&self, name: &str, value: i64) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO insight_marks (name, value) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![name, value])?;
        Ok(())
    }

    /// Counts the comments stored since the last call into the hourly table (one aggregate
    /// over the new rowids). Returns how many comments it counted.
    pub fn refresh_hours(&self) -> Result<u64> {
        let tx = self.conn().unchecked_transaction()?;
        let mark = self.mark("hours")?;
        let top: i64 = self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM comments")?
            .query_row([], |r| r.get(0))?;
        if top <= mark {
            return Ok(0);
        }
        let sql = format!(
            "INSERT INTO insight_hours (hour, tag, platform, n, negative, min_id) \
             SELECT {HOUR_OF} AS h, tag, platform, COUNT(*), \
                    SUM(sentiment < -0.3 OR tag IN ('complaint', 'troll')), MIN(id) \
             FROM comments WHERE id > ?1 AND id <= ?2 AND is_brand = 0 AND h IS NOT NULL \
             GROUP BY h, tag, platform \
             ON CONFLICT (hour, tag, platform) DO UPDATE SET n = n + excluded.n, \
             negative = negative + excluded.negative, min_id = MIN(min_id, excluded.min_id)"
        );
        self.conn().prepare_cached(&sql)?.execute([mark, top])?;
        self.set_mark("hours", top)?;
        tx.commit()?;
        Ok((top - mark) as u64)
    }

    /// Customers' comments stored after the stem watermark, oldest first, at most `limit`;
    /// those posted before the stem floor ([`Store::bound_term_backlog`]) are left out.
    pub fn texts_after_term_mark(&self, limit: usize) -> Result<Vec<TextRow>> {
        let mark = self.mark("terms")?;
        match self.mark_opt(TERM_FLOOR)? {
            None => self.text_rows(
                "id > ?1 AND is_brand = 0 ORDER BY id LIMIT ?2",
                params![mark, limit as i64],
            ),
            Some(floor) => self.text_rows(
                "id > ?1 AND is_brand = 0 AND COALESCE(created_at, received_at) >= ?3 \
                 ORDER BY id LIMIT ?2",
                params![mark, limit as i64, ts(hour_start(floor))],
            ),
        }
    }

    /// Keeps the stem table's catch-up bounded: when more than `most` comments wait to be
    /// stemmed, only the newest hours holding about `most` customers' comments will be (the
    /// stem floor moves up to them, the watermark skips the older rows, and stems counted
    /// below the floor are dropped, so that the keyword baseline stays one consistent span).
    /// Returns the new floor hour, `None` when the backlog was small enough.
    pub fn bound_term_backlog(&self, most: u64) -> Result<Option<i64>> {
        let mark = self.mark("terms")?;
        let top: i64 = self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM comments")?
            .query_row([], |r| r.get(0))?;
        if top.saturating_sub(mark) <= most as i64 {
            return Ok(None);
        }
        let Some(floor) = self.hour_holding_last(most)? else {
            return Ok(None);
        };
        let floor = floor.max(self.mark_opt(TERM_FLOOR)?.unwrap_or(i64::MIN));
        let first = self.first_id_since(floor)?.unwrap_or(top + 1);
        let tx = self.conn().unchecked_transaction()?;
        self.set_mark("terms", mark.max(first - 1))?;
        self.set_mark(TERM_FLOOR, floor)?;
        let dropped = self
            .conn()
            .prepare_cached("DELETE FROM insight_terms WHERE hour < ?1")?
            .execute([floor])?;
        if dropped > 0 {
            self.conn().execute_batch(
                "DELETE FROM insight_stems; \
                 INSERT INTO insight_stems (stem, n) \
                 SELECT stem, SUM(n) FROM insight_terms GROUP BY stem;",
            )?;
        }
        tx.commit()?;
        Ok(Some(floor))
    }

    /// The latest hour from which on the hourly table holds at least `most` comments; `None`
    /// when it holds fewer altogether.
    fn hour_holding_last(&self, most: u64) -> Result<Option<i64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT hour, SUM(n) FROM insight_hours GROUP BY hour ORDER BY hour DESC",
        )?;
        let mut rows = stmt.query([])?;
        let mut seen = 0u64;
        while let Some(r) = rows.next()? {
            seen += r.get::<_, i64>(1)? as u64;
            if seen >= most {
                return Ok(Some(r.get(0)?));
            }
        }
        Ok(None)
    }

    fn mark_opt(&self, name: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM insight_marks WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    fn text_rows(&self, cond: &str, p: impl rusqlite::Params) -> Result<Vec<TextRow>> {
        let sql = format!(
            "SELECT id, platform, lang, text, COALESCE(created_at, received_at) \
             FROM comments WHERE {cond}"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, p, lang, text, at)| {
                Ok(TextRow {
                    id,
                    platform: p.parse().map_err(corrupt)?,
                    lang,
                    text,
                    at: parse_ts(&at)?,
                })
            })
            .collect()
    }

    /// Adds stem counts per hour (and to the totals since the stem floor) and moves the stem watermark to
    /// `mark`, in one transaction.
    pub fn add_term_counts(&self, counts: &HashMap<(i64, String), u64>, mark: i64) -> Result<()> {
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut per_hour = self.conn().prepare_cached(
                "INSERT INTO insight_terms (hour, stem, n) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (hour, stem) DO UPDATE SET n = n + excluded.n",
            )?;
            let mut total = self.conn().prepare_cached(
                "INSERT INTO insight_stems (stem, n) VALUES (?1, ?2) \
                 ON CONFLICT (stem) DO UPDATE SET n = n + excluded.n",
            )?;
            let mut totals: HashMap<&str, u64> = HashMap::new();
            for ((hour, stem), n) in counts {
                per_hour.execute(params![hour, stem, *n as i64])?;
                *totals.entry(stem.as_str()).or_default() += n;
            }
            for (stem, n) in totals {
                total.execute(params![stem, n as i64])?;
            }
        }
        self.set_mark("terms", mark)?;
        tx.commit()?;
        Ok(())
    }

    /// Arrivals per hour in `[from, to)`, summed over tags and platforms, oldest first.
    pub fn hour_counts(&self, from: i64, to: i64) -> Result<Vec<HourCount>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT hour, SUM(n), SUM(negative) FROM insight_hours \
             WHERE hour >= ?1 AND hour < ?2 GROUP BY hour ORDER BY hour",
        )?;
        let rows = stmt
            .query_map([from, to], |r| {
                Ok(HourCount {
                    hour: r.get(0)?,
                    n: r.get::<_, i64>(1)? as u64,
                    negative: r.get::<_, i64>(2)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The first hour the hourly table knows of.
    pub fn first_hour(&self) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT MIN(hour) FROM insight_hours")?
            .query_row([], |r| r.get(0))?)
    }

    /// The first hour the stem table knows of.
    pub fn first_term_hour(&self) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT MIN(hour) FROM insight_terms")?
            .query_row([], |r| r.get(0))?)
    }

    /// Arrivals per UTC day and tag from hour `from` on.
    pub fn day_tag_counts(&self, from_hour: i64) -> Result<Vec<DayTagCount>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT hour / 24 AS d, tag, SUM(n) FROM insight_hours WHERE hour >= ?1 \
             GROUP BY d, tag ORDER BY d, tag",
        )?;
        let rows = stmt
            .query_map([from_hour], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(day, t, n)| {
                Ok(DayTagCount {
                    day,
                    tag: t.parse().map_err(corrupt)?,
                    n: n as u64,
                })
            })
            .collect()
    }

    /// Stem counts in hours `[from, to)`.
    pub fn term_counts(&self, from: i64, to: i64) -> Result<HashMap<String, u64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT stem, SUM(n) FROM insight_terms WHERE hour >= ?1 AND hour < ?2 GROUP BY stem",
        )?;
        let rows = stmt
            .query_map([from, to], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(rows)
    }

    /// Counts of the given stems since the stem floor (`insight_stems`: its V3 comment says all-time, which held until the floor bounded the first catch-up).
    pub fn stem_totals<'a>(
        &self,
        stems: impl IntoIterator<Item = &'a String>,
    ) -> Result<HashMap<String, u64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT n FROM insight_stems WHERE stem = ?1")?;
        let mut out = HashMap::new();
        for s in stems {
            let n: Option<i64> = stmt.query_row([s], |r| r.get(0)).optional()?;
            out.insert(s.clone(), n.unwrap_or(0) as u64);
        }
        Ok(out)
    }

    /// The lowest comment id counted in hours from `from_hour` on: every comment of those
    /// hours has an id at least this.
    fn first_id_since(&self, from_hour: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT MIN(min_id) FROM insight_hours WHERE hour >= ?1")?
            .query_row([from_hour], |r| r.get(0))?)
    }

    /// Customers' comments tagged `tag` posted in `[from, to)`, oldest first. Comments not yet
    /// counted by [`Store::refresh_hours`] are left out.
    pub fn tagged_texts(
        &self,
        tag: Tag,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TextRow>> {
        let Some(first) = self.first_id_since(from.timestamp().div_euclid(3600))? else {
            return Ok(Vec::new());
        };
        self.text_rows(
            "id >= ?1 AND tag = ?2 AND is_brand = 0 \
             AND COALESCE(created_at, received_at) >= ?3 \
             AND COALESCE(created_at, received_at) < ?4 ORDER BY id",
            params![first, tag.as_str(), ts(from), ts(to)],
        )
    }

    /// Open cases posted in `[from, to)`, with thread size and author history, at most `limit`.
    pub fn crisis_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<CrisisRow>> {
        let Some(first) = self.first_id_since(from.timestamp().div_euclid(3600))? else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn().prepare_cached(
            "SELECT c.id, c.platform, c.tag, c.flags, c.sentiment, \
             COALESCE(a.name, a.handle, a.key, ''), substr(c.text, 1, 200), \
             COALESCE(c.created_at, c.received_at), \
             CASE WHEN c.thread_id IS NULL THEN 1 ELSE (SELECT COUNT(*) FROM comments t \
               WHERE t.platform = c.platform AND t.thread_id = c.thread_id) END, \
             CASE WHEN c.author_id IS NULL THEN 1 ELSE (SELECT COUNT(*) FROM comments o \
               WHERE o.author_id = c.author_id) END \
             FROM comments c LEFT JOIN authors a ON a.id = c.author_id \
             WHERE c.id >= ?1 AND c.state IS NOT NULL AND c.state NOT IN ('closed', 'deleted') \
             AND COALESCE(c.created_at, c.received_at) >= ?2 \
             AND COALESCE(c.created_at, c.received_at) < ?3 ORDER BY c.id LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![first, ts(from), ts(to), limit as i64], |r| {
                Ok((
                    (
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, f64>(4)?,
                    ),
                    (
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, i64>(8)?,
                        r.get::<_, i64>(9)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(a, b)| {
                Ok(CrisisRow {
                    comment_id: a.0,
                    platform: a.1.parse().map_err(corrupt)?,
                    tag: a.2.parse().map_err(corrupt)?,
                    flags: Flags(a.3 as u16),
                    sentiment: a.4 as f32,
                    author: b.0,
                    text: b.1,
                    created_at: parse_ts(&b.2)?,
                    thread_size: b.3.max(1) as u64,
                    author_comments: b.4.max(1) as u64,
                })
            })
            .collect()
    }

    /// Records an alert the radar raised.
    pub fn record_alert(
        &self,
        kind: &str,
        keyword: Option<&str>,
        started_at: DateTime<Utc>,
        raised_at: DateTime<Utc>,
        detail: &str,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO radar_alerts (kind, keyword, started_at, raised_at, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                kind,
                keyword,
                ts(started_at),
                ts(raised_at),
                detail
            ])?;
        Ok(())
    }

    /// Alerts raised at or after `since`, oldest first.
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<StoredAlert>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT kind, keyword, raised_at, detail FROM radar_alerts \
             WHERE raised_at >= ?1 ORDER BY raised_at, id",
        )?;
        let rows = stmt
            .query_map([ts(since)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(kind, keyword, at, detail)| {
                Ok(StoredAlert {
                    kind,
                    keyword,
                    raised_at: parse_ts(&at)?,
                    detail,
                })
            })
            .collect()
    }
}

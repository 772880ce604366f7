//! The bulk writer behind `calma ingest`: exactly-once inserts keyed on (platform, external id),
//! new versions for edited texts, rejected records kept byte for byte, all inside large
//! transactions that a crash leaves either whole or absent.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::cases::initial_due;
use super::seen::{Seen, thread_key};
use super::{Result, Store, stable_hash, ts};
use crate::domain::{AuthorHistory, Classification, Comment, Flag, Platform, Tag};
use crate::ingest::BadRecord;
use crate::workflow::{Action, SlaConfig, State};

/// Stores holding more comments than this skip the writer's filters: filling them would cost a
/// small ingest more than they save (they pay off in bulk loads into new or small stores).
const FILTER_FILL_MAX: i64 = 100_000;

/// The operator named in the audit log for what ingest does by itself.
pub const INGEST_OPERATOR: &str = "calma-ingest";

/// What storing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A comment seen for the first time.
    New(i64),
    /// A known comment with a text not seen before: a new version.
    Updated(i64),
    /// Nothing new: same id and a text already stored.
    Duplicate(i64),
}

/// Authors whose id and history the writer keeps in memory; past this the caches start over
/// (the store answers again), so memory stays flat whatever the number of authors.
const AUTHOR_CACHE: usize = 100_000;

/// Writes a stream of records into one store, committing every [`IngestWriter::commit`].
///
/// Keeps small caches (author ids, author histories) and two fixed-size filters of what the
/// store may hold (text fingerprints, thread/author pairs), so that a million records cost a
/// million inserts and little else. Dropping it without committing rolls the open transaction
/// back.
pub struct IngestWriter<'s> {
    store: &'s Store,
    sla: SlaConfig,
    /// `platform \x1f key` → author id.
    authors: HashMap<String, i64>,
    author_key: String,
    history: HashMap<i64, AuthorHistory>,
    /// Fingerprints the store may hold: a text never seen skips the same-text count.
    fingerprints: Seen,
    /// (platform, thread, author) triples the store may hold: a first comment of an author in a
    /// thread skips the search for their case there.
    threads: Seen,
    /// The highest comment id the filters have taken in; rows above it (another process's)
    /// are read in when a transaction begins.
    watermark: i64,
    explain: Vec<u8>,
    /// The insert every record runs, prepared once.
    insert: rusqlite::Statement<'s>,
    /// The brand's replies stored in this run: (platform, parent external id, when), so the
    /// cases they answer can be marked answered once every record is in.
    brand_replies: Vec<(Platform, String, DateTime<Utc>)>,
    /// The received time of the records being written, formatted once.
    received: (DateTime<Utc>, String),
    in_tx: bool,
}

const INSERT_COMMENT: &str = "INSERT INTO comments (platform, external_id, thread_id, parent_id, \
     author_id, text, created_at, edited_at, received_at, url, lang, rating, is_brand, hidden, \
     fingerprint, tag, flags, sentiment, explain, source, state, due_at, case_of) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22, ?23) \
     ON CONFLICT (platform, external_id) DO NOTHING";

impl<'s> IngestWriter<'s> {
    /// A writer into `store`; `sla` sets the first-response clock of each new case.
    pub fn new(store: &'s Store, sla: SlaConfig) -> Result<Self> {
        Ok(IngestWriter {
            store,
            sla,
            authors: HashMap::new(),
            author_key: String::new(),
            history: HashMap::new(),
            fingerprints: Seen::new(),
            threads: Seen::new(),
            watermark: 0,
            explain: Vec::new(),
            insert: store.conn().prepare(INSERT_COMMENT)?,
            brand_replies: Vec::new(),
            received: (DateTime::UNIX_EPOCH, ts(DateTime::UNIX_EPOCH)),
            in_tx: false,
        })
    }

    fn begin(&mut self) -> Result<()> {
        if !self.in_tx {
            self.store.conn().execute_batch("BEGIN IMMEDIATE")?;
            self.in_tx = true;
            self.catch_up()?;
        }
        Ok(())
    }

    /// Takes the comments stored since the watermark (all of them the first time; later, what
    /// other processes wrote between our transactions) into the filters.
    fn catch_up(&mut self) -> Result<()> {
        let conn = self.store.conn();
        // Inside the writer's transaction: nobody adds rows while the filters catch up.
        let max: i64 = conn
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM comments")?
            .query_row([], |r| r.get(0))?;
        let first = self.watermark == 0;
        if first && max > FILTER_FILL_MAX {
            // Reading a big store's keys (about a second per million) would cost a small
            // ingest far more than the lookups the filters save: ask the indexes instead.
            self.fingerprints.give_up();
            self.threads.give_up();
        }
        let useless = self.fingerprints.saturated() && self.threads.saturated();
        if max <= self.watermark || useless {
            self.watermark = max;
            return Ok(());
        }
        // A first pass walks the two small indexes; a catch-up walks the new rowids.
        let (fp_sql, thread_sql) = if first {
            (
                "SELECT fingerprint FROM comments INDEXED BY comments_fingerprint \
                 WHERE id > ?1 AND fingerprint <> 0",
                "SELECT platform, thread_id, author_id FROM comments \
                 INDEXED BY comments_thread WHERE id > ?1 \
                 AND thread_id IS NOT NULL AND author_id IS NOT NULL",
            )
        } else {
            (
                "SELECT fingerprint FROM comments NOT INDEXED \
                 WHERE id > ?1 AND fingerprint <> 0",
                "SELECT platform, thread_id, author_id FROM comments NOT INDEXED \
                 WHERE id > ?1 AND thread_id IS NOT NULL AND author_id IS NOT NULL",
            )
        };
        let mut stmt = conn.prepare_cached(fp_sql)?;
        let mut rows = stmt.query([self.watermark])?;
        while let Some(r) = rows.next()? {
            if self.fingerprints.saturated() {
                break;
            }
            self.fingerprints.insert(r.get::<_, i64>(0)? as u64);
        }
        let mut stmt = conn.prepare_cached(thread_sql)?;
        let mut rows = stmt.query([self.watermark])?;
        while let Some(r) = rows.next()? {
            if self.threads.saturated() {
                break;
            }
            let platform = r.get_ref(0)?.as_str().unwrap_or_default();
            let thread = r.get_ref(1)?.as_str().unwrap_or_default();
            self.threads.insert(thread_key(platform, thread, r.get(2)?));
        }
        self.watermark = max;
        Ok(())
    }

    /// Marks the cases the brand's replies of this run answered (a reply may come before the
    /// comment it answers in a file, so this waits until everything is in), then commits.
    pub fn finish(&mut self) -> Result<()> {
        self.begin()?;
        for (platform, parent, at) in std::mem::take(&mut self.brand_replies) {
            let Some(p) = self.store.comment_by_external(platform, &parent)? else {
                continue;
            };
            let owner = self.store.case_owner(&p)?;
            let case = self.store.case(owner)?;
            if matches!(case.state, State::New | State::Reopened)
                || case.at.awaiting_reply_since.is_some()
            {
                // A reply the workflow would not take (to a troll, say) stays thread context.
                match self.store.act_in_tx(
                    owner,
                    &Action::Acknowledge,
                    INGEST_OPERATOR,
                    at,
                    &self.sla,
                    None,
                ) {
                    Ok(_) | Err(super::StoreError::Workflow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        self.commit()
    }

    /// Commits what was written so far. Safe to call with nothing written.
    pub fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.store.conn().execute_batch("COMMIT")?;
            self.in_tx = false;
        }
        Ok(())
    }

    /// The history of an author before the record being written, from the cache or the store.
    fn author_history(&mut self, author_id: i64) -> Result<AuthorHistory> {
        if let Some(h) = self.history.get(&author_id) {
            return Ok(*h);
        }
        let ask = i64::from(Flag::AsksCompensation.bit());
        let mut stmt = self.store.conn().prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM((flags & ?2) != 0), 0), \
                    COALESCE(SUM(tag = 'troll'), 0) \
             FROM comments WHERE author_id = ?1",
        )?;
        let h = stmt.query_row(params![author_id, ask], |r| {
            Ok(AuthorHistory {
                comments: r.get::<_, i64>(0)? as u32,
                asked_compensation: r.get::<_, i64>(1)? as u32,
                trolled: r.get::<_, i64>(2)? as u32,
                same_text: 0,
                muted: false,
            })
        })?;
        self.history.insert(author_id, h);
        Ok(h)
    }

    /// Finds or creates the author row.
    fn author_id(&mut self, c: &Comment) -> Result<Option<i64>> {
        let Some(key) = c.author.key() else {
            return Ok(None);
        };
        self.author_key.clear();
        let _ = write!(self.author_key, "{}\x1f{key}", c.platform.as_str());
        if let Some(id) = self.authors.get(self.author_key.as_str()) {
            return Ok(Some(*id));
        }
        let conn = self.store.conn();
        let known: Option<i64> = conn
            .prepare_cached("SELECT id FROM authors WHERE platform = ?1 AND key = ?2")?
            .query_row(params![c.platform.as_str(), key], |r| r.get(0))
            .optional()?;
        let id =
            match known {
                Some(id) => {
                    conn.prepare_cached(
                    "UPDATE authors SET handle = COALESCE(?2, handle), name = COALESCE(?3, name), \
                     is_brand = MAX(is_brand, ?4) WHERE id = ?1",
                )?
                .execute(params![id, c.author.handle, c.author.name, c.is_brand])?;
                    id
                }
                None => {
                    conn.prepare_cached(
                        "INSERT INTO authors (platform, key, handle, name, is_brand, first_seen) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        c.platform.as_str(),
                        key,
                        c.author.handle,
                        c.author.name,
                        c.is_brand,
                        self.received.1
                    ])?;
                    // Nobody knew this author: no history to look up.
                    let id = conn.last_insert_rowid();
                    self.history.insert(id, AuthorHistory::default());
                    id
                }
            };
        if self.authors.len() >= AUTHOR_CACHE {
            // Start over rather than grow: the store still knows every author and history.
            self.authors.clear();
            self.history.clear();
        }
        self.authors.insert(self.author_key.clone(), id);
        Ok(Some(id))
    }

    /// Stores one comment. `fingerprint` identifies its normalised text; `decide` classifies it
    /// given what the store knows of the author (called only when the text is new).
    pub fn write(
        &mut self,
        c: &Comment,
        fingerprint: i64,
        decide: &mut dyn FnMut(&AuthorHistory) -> Classification,
        source: &str,
        received: DateTime<Utc>,
    ) -> Result<Outcome> {
        self.begin()?;
        if self.received.0 != received {
            self.received = (received, ts(received));
        }
        let author_id = self.author_id(c)?;
        let mut history = match author_id {
            Some(a) => self.author_history(a)?,
            None => AuthorHistory::default(),
        };
        history.same_text = self.same_text_count(fingerprint)?;
        let verdict = decide(&history);
        let case_of = match author_id {
            Some(a) if !c.is_brand && history.comments > 0 => self.open_case_in_thread(c, a)?,
            _ => None,
        };
        let mut buf = std::mem::take(&mut self.explain);
        let explain = write_explain(&verdict, &mut buf)
            .then(|| std::str::from_utf8(&buf).ok())
            .flatten();
        // Insert first: a new record (the common case) costs one index search, not two.
        let inserted = self.insert_new(
            c,
            author_id,
            fingerprint,
            &verdict,
            explain,
            source,
            received,
            case_of,
        );
        self.explain = buf;
        if let Some(id) = inserted? {
            self.remember(c, author_id, fingerprint, id);
            self.after_insert(c, author_id, &verdict, case_of, received)?;
            return Ok(Outcome::New(id));
        }
        let (id, old_text, old_edited, old_created): (i64, String, Option<String>, Option<String>) =
            self.store
                .conn()
                .prepare_cached(
                    "SELECT id, text, edited_at, created_at FROM comments \
                     WHERE platform = ?1 AND external_id = ?2",
                )?
                .query_row(params![c.platform.as_str(), c.external_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
        if old_text == c.text {
            return Ok(Outcome::Duplicate(id));
        }
        let conn = self.store.conn();
        let versions: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM comment_versions WHERE comment_id = ?1")?
            .query_row([id], |r| r.get(0))?;
        if versions == 0 {
            // First edit: the original text becomes version 1.
            conn.prepare_cached(
                "INSERT INTO comment_versions (comment_id, text, edited_at, seen_at, source) \
                 SELECT id, text, COALESCE(edited_at, created_at), received_at, source \
                 FROM comments WHERE id = ?1",
            )?
            .execute([id])?;
        } else {
            let seen: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM comment_versions \
                     WHERE comment_id = ?1 AND text = ?2)",
                )?
                .query_row(params![id, c.text], |r| r.get(0))?;
            if seen {
                return Ok(Outcome::Duplicate(id));
            }
        }
        let edited = c.edited_at.map(ts);
        conn.prepare_cached(
            "INSERT INTO comment_versions (comment_id, text, edited_at, seen_at, source) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, c.text, edited, self.received.1, source])?;
        // The comment shows the latest text: the incoming one unless it is dated before the
        // one stored (an old export read after a newer one).
        let incoming = edited.clone().or_else(|| c.created_at.map(ts));
        let current = old_edited.or(old_created);
        let is_latest = match (&incoming, &current) {
            (Some(i), Some(cur)) => i >= cur,
            _ => true,
        };
        if is_latest {
            if fingerprint != 0 {
                self.fingerprints.insert(fingerprint as u64);
            }
            conn.prepare_cached(
                "UPDATE comments SET text = ?2, edited_at = COALESCE(?3, edited_at), \
                 fingerprint = ?4, tag = ?5, flags = ?6, sentiment = ?7, explain = ?8 \
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                c.text,
                edited,
                fingerprint,
                verdict.tag.as_str(),
                verdict.flags.0,
                verdict.sentiment,
                explain_json(&verdict)
            ])?;
        }
        Ok(Outcome::Updated(id))
    }

    /// Takes a new comment into the filters.
    fn remember(&mut self, c: &Comment, author_id: Option<i64>, fingerprint: i64, id: i64) {
        if fingerprint != 0 {
            self.fingerprints.insert(fingerprint as u64);
        }
        if let (Some(thread), Some(a)) = (&c.thread_id, author_id) {
            self.threads
                .insert(thread_key(c.platform.as_str(), thread, a));
        }
        self.watermark = self.watermark.max(id);
    }

    /// What a new comment sets off: a customer's follow-up tells its case, a brand reply is
    /// remembered for [`IngestWriter::finish`], the author's history grows.
    fn after_insert(
        &mut self,
        c: &Comment,
        author_id: Option<i64>,
        verdict: &Classification,
        case_of: Option<i64>,
        received: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(owner) = case_of {
            // The customer came back in the thread: a real new comment reopens a resolved
            // case; a bare "thanks" does not (the workflow decides).
            let at = c.created_at.unwrap_or(received);
            let reply = Action::CustomerReplied {
                text: c.text.clone(),
                at,
            };
            match self
                .store
                .act_in_tx(owner, &reply, INGEST_OPERATOR, at, &self.sla, None)
            {
                Ok(_) | Err(super::StoreError::Workflow(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if c.is_brand
            && let Some(parent) = &c.parent_id
        {
            self.brand_replies
                .push((c.platform, parent.clone(), c.created_at.unwrap_or(received)));
        }
        if let Some(a) = author_id {
            let h = self.history.entry(a).or_default();
            h.comments += 1;
            h.asked_compensation += u32::from(verdict.flags.contains(Flag::AsksCompensation));
            h.trolled += u32::from(verdict.tag == Tag::Troll);
        }
        Ok(())
    }

    /// The case this author already has in the comment's thread, if any.
    fn open_case_in_thread(&self, c: &Comment, author_id: i64) -> Result<Option<i64>> {
        let Some(thread) = c.thread_id.as_deref().or(c.parent_id.as_deref()) else {
            return Ok(None);
        };
        if !self
            .threads
            .may_contain(thread_key(c.platform.as_str(), thread, author_id))
        {
            return Ok(None);
        }
        Ok(self
            .store
            .conn()
            .prepare_cached(
                "SELECT COALESCE(case_of, id) FROM comments \
                 WHERE platform = ?1 AND thread_id = ?2 AND author_id = ?3 \
                 AND (state IS NOT NULL OR case_of IS NOT NULL) ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![c.platform.as_str(), thread, author_id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn same_text_count(&self, fingerprint: i64) -> Result<u32> {
        if fingerprint == 0 || !self.fingerprints.may_contain(fingerprint as u64) {
            return Ok(0);
        }
        let n: i64 = self
            .store
            .conn()
            .prepare_cached("SELECT COUNT(*) FROM comments WHERE fingerprint = ?1")?
            .query_row([fingerprint], |r| r.get(0))?;
        Ok(n as u32)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_new(
        &mut self,
        c: &Comment,
        author_id: Option<i64>,
        fingerprint: i64,
        v: &Classification,
        explain: Option<&str>,
        source: &str,
        received: DateTime<Utc>,
        case_of: Option<i64>,
    ) -> Result<Option<i64>> {
        // Our own replies and a customer's follow-ups are not cases of their own.
        let is_case = !c.is_brand && case_of.is_none();
        let (state, due) = if is_case {
            let opened = c.created_at.unwrap_or(received);
            // The id is not known yet and the clock does not depend on it.
            let due = initial_due(0, v.tag, c.platform, opened, &self.sla);
            (Some(State::New.as_str()), due)
        } else {
            (None, super::NO_DUE)
        };
        let n = self.insert.execute(params![
            c.platform.as_str(),
            c.external_id,
            c.thread_id,
            c.parent_id,
            author_id,
            c.text,
            c.created_at.map(ts),
            c.edited_at.map(ts),
            self.received.1,
            c.url,
            c.lang,
            c.rating,
            c.is_brand,
            c.hidden,
            fingerprint,
            v.tag.as_str(),
            v.flags.0,
            v.sentiment,
            explain,
            source,
            state,
            due,
            case_of,
        ])?;
        Ok((n == 1).then(|| self.store.conn().last_insert_rowid()))
    }

    /// Keeps a record that could not be read. The same bad record read again is kept once.
    pub fn reject(&mut self, file: &str, bad: &BadRecord, at: DateTime<Utc>) -> Result<bool> {
        self.begin()?;
        let n = self
            .store
            .conn()
            .prepare_cached(
                "INSERT INTO rejects (file, record, line, reason, raw, raw_hash, seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (file, record, raw_hash) DO NOTHING",
            )?
            .execute(params![
                file,
                bad.record as i64,
                bad.line.map(|l| l as i64),
                bad.reason,
                bad.raw,
                stable_hash(&bad.raw),
                ts(at)
            ])?;
        Ok(n == 1)
    }
}

impl Drop for IngestWriter<'_> {
    fn drop(&mut self) {
        if self.in_tx {
            let _ = self.store.conn().execute_batch("ROLLBACK");
        }
    }
}

/// The explanation column: scores, rules and pack version; nothing for an unclassified comment.
pub(crate) fn explain_json(v: &Classification) -> Option<String> {
    let mut buf = Vec::new();
    write_explain(v, &mut buf)
        .then(|| String::from_utf8(buf).ok())
        .flatten()
}

/// Writes the explanation column into `buf` (cleared first, reused from record to record);
/// false when there is nothing to explain. The same JSON serde would write for
/// `{"pack", "rules", "scores"}`, written by hand: it runs once per record on the writer thread.
fn write_explain(v: &Classification, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    if v.rules.is_empty() && v.scores.is_empty() && v.pack_version.is_empty() {
        return false;
    }
    buf.extend_from_slice(b"{\"pack\":");
    push_json_str(buf, &v.pack_version);
    buf.extend_from_slice(b",\"rules\":[");
    for (i, r) in v.rules.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"rule\":");
        push_json_str(buf, &r.rule);
        if !r.spans.is_empty() {
            buf.extend_from_slice(b",\"spans\":[");
            for (j, (a, b)) in r.spans.iter().enumerate() {
                if j > 0 {
                    buf.push(b',');
                }
                buf.push(b'[');
                push_uint(buf, *a);
                buf.push(b',');
                push_uint(buf, *b);
                buf.push(b']');
            }
            buf.push(b']');
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b"],\"scores\":[");
    for (i, (tag, score)) in v.scores.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'[');
        push_json_str(buf, tag.as_str());
        buf.push(b',');
        if serde_json::to_writer(&mut *buf, score).is_err() {
            return false;
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b"]}");
    true
}

/// A number in decimal, without the formatting machinery.
fn push_uint(buf: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// A JSON string: copied as it is when nothing in it needs escaping (rule ids, tags, pack
/// versions), else escaped by serde_json.
fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *buf, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Flags, Lang, RuleHit, Scores};

    fn verdict(rules: Vec<RuleHit>, pack: &str) -> Classification {
        Classification {
            tag: Tag::Complaint,
            flags: Flags::default(),
            sentiment: -0.5,
            lang: Lang::Es,
            scores: Scores::of_all([0.25; Tag::ALL.len()]),
            rules,
            pack_version: pack.into(),
        }
    }

    #[test]
    fn explanation_is_the_json_serde_writes_and_reads_back() {
        let v = verdict(
            vec![
                RuleHit {
                    rule: "es.complaint.\"odd\"\\id\u{1}".into(),
                    spans: vec![(0, 4), (10, 250), (usize::MAX - 1, usize::MAX)].into(),
                },
                RuleHit {
                    rule: "complaint.combo".into(),
                    spans: Default::default(),
                },
            ],
            "builtin-1+user-ab12",
        );
        let mut buf = Vec::new();
        assert!(write_explain(&v, &mut buf));
        #[derive(serde::Serialize)]
        struct Explain<'a> {
            pack: &'a str,
            rules: &'a [RuleHit],
            scores: &'a [(Tag, f32)],
        }
        let serde = serde_json::to_string(&Explain {
            pack: &v.pack_version,
            rules: &v.rules,
            scores: &v.scores,
        })
        .unwrap();
        assert_eq!(std::str::from_utf8(&buf).unwrap(), serde);
        let ours: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(ours["pack"], "builtin-1+user-ab12");
        let scores: Vec<(Tag, f32)> = serde_json::from_value(ours["scores"].clone()).unwrap();
        assert_eq!(scores, *v.scores);
        let rules: Vec<RuleHit> = serde_json::from_value(ours["rules"].clone()).unwrap();
        assert_eq!(rules, v.rules);
    }

    #[test]
    fn nothing_to_explain_for_an_unclassified_comment() {
        let mut buf = b"left over".to_vec();
        assert!(!write_explain(
            &Classification::unclassified(Lang::En),
            &mut buf
        ));
        assert!(buf.is_empty());
        assert_eq!(
            explain_json(&verdict(vec![], "p")).unwrap(),
            r#"{"pack":"p","rules":[],"scores":[["troll",0.25],["complaint",0.25],["constructive",0.25],["oportunista",0.25],["other",0.25]]}"#
        );
    }
}

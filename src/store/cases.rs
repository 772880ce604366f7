//! Cases in the store: the queues the inbox pages through, the case view, and workflow actions
//! written as one transaction each (new state, audit event, reply, retag — all or nothing).
//!
//! Every comment that is a case carries its `state` and the time its current step is due
//! (`due_at`) in the `comments` row, so the queues are index scans; the full [`Case`] record
//! lives in `cases` from the first action on. A comment nobody has acted on is a `New` case
//! opened at the time it was posted.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::comments::StoredComment;
use super::{Result, Store, StoreError, Version, due_ms, due_time, parse_ts, ts};
use crate::domain::{Flag, Flags, Lang, Platform, RuleHit, Tag};
use crate::replies::{Part, UsageLog, UsageRecord};
use crate::workflow::{
    self, Action, ActionKind, Case, Clock, Event, SlaConfig, State, Transition, WorkflowError,
};

/// The inbox's queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// New and reopened cases waiting for a public answer (trolls are not answered).
    FirstResponse,
    Complaints,
    Oportunistas,
    Constructive,
    Trolls,
    /// Resolved complaints whose follow-up date has come.
    FollowUps,
    All,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::FirstResponse,
        Queue::Complaints,
        Queue::Oportunistas,
        Queue::Constructive,
        Queue::Trolls,
        Queue::FollowUps,
        Queue::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::FirstResponse => "first-response",
            Queue::Complaints => "complaints",
            Queue::Oportunistas => "oportunistas",
            Queue::Constructive => "constructive",
            Queue::Trolls => "trolls",
            Queue::FollowUps => "follow-ups",
            Queue::All => "all",
        }
    }

    /// The name in the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            Queue::FirstResponse => "Needs reply",
            Queue::Complaints => "Complaints",
            Queue::Oportunistas => "Oportunistas",
            Queue::Constructive => "Constructive",
            Queue::Trolls => "Trolls",
            Queue::FollowUps => "Follow-ups",
            Queue::All => "All",
        }
    }

    /// The SQL condition on `comments c`. `?1` is the current time; queues that do not need it
    /// still mention it, since every queue query binds it.
    fn condition(self) -> &'static str {
        match self {
            Queue::FirstResponse => {
                "c.state IN ('new', 'reopened') AND c.tag <> 'troll' AND ?1 IS NOT NULL"
            }
            Queue::Complaints => {
                "c.tag = 'complaint' AND c.state NOT IN ('closed', 'deleted') AND ?1 IS NOT NULL"
            }
            Queue::Oportunistas => {
                "c.tag = 'oportunista' AND c.state NOT IN ('closed', 'deleted') AND ?1 IS NOT NULL"
            }
            Queue::Constructive => {
                "c.tag = 'constructive' AND c.state NOT IN ('closed', 'deleted') AND ?1 IS NOT NULL"
            }
            Queue::Trolls => {
                "c.tag = 'troll' AND c.state NOT IN ('closed', 'deleted') AND ?1 IS NOT NULL"
            }
            Queue::FollowUps => "c.state = 'resolved' AND c.due_at <= ?1",
            Queue::All => "c.state IS NOT NULL AND ?1 IS NOT NULL",
        }
    }
}

impl Queue {
    /// The index a page of this queue walks, in queue order. Named, so that the planner never
    /// trades it for a filter index plus a sort of every matching row (seconds on a million).
    fn index(self) -> &'static str {
        match self {
            Queue::FirstResponse | Queue::All => "comments_due",
            Queue::Complaints | Queue::Oportunistas | Queue::Constructive | Queue::Trolls => {
                "comments_tag_due"
            }
            // Few cases are resolved: find them by state, then sort them.
            Queue::FollowUps => "comments_open",
        }
    }
}

impl std::str::FromStr for Queue {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace('_', "-");
        Queue::ALL
            .into_iter()
            .find(|q| q.as_str() == k || q.title().eq_ignore_ascii_case(&k))
            .ok_or_else(|| {
                let names: Vec<&str> = Queue::ALL.iter().map(|q| q.as_str()).collect();
                format!("unknown queue {s:?} ({})", names.join(", "))
            })
    }
}

/// One row of a queue: what the inbox lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueRow {
    pub comment_id: i64,
    pub platform: Platform,
    pub tag: Tag,
    pub flags: Flags,
    pub state: State,
    pub author: String,
    /// The first 200 characters of the text.
    pub text: String,
    pub created_at: Option<DateTime<Utc>>,
    /// When the current step is due; `None` when no clock runs.
    pub due_at: Option<DateTime<Utc>>,
}

/// A line of a case's audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator: String,
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    /// Set on an undo: the event it took back.
    pub undoes: Option<i64>,
}

/// What the store knows of a comment's author.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorSummary {
    pub comments: u32,
    pub by_tag: Vec<(Tag, u32)>,
    pub asked_compensation: u32,
    /// Their latest other comments, newest first.
    pub recent: Vec<StoredComment>,
}

/// Everything the case pane (and `calma show`) shows about one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub comment: StoredComment,
    pub versions: Vec<Version>,
    /// The thread around it, in time order, including the brand's replies.
    pub thread: Vec<StoredComment>,
    /// The rules that fired, with byte spans into `comment.text`.
    pub rules: Vec<RuleHit>,
    pub scores: Vec<(Tag, f32)>,
    pub pack_version: Option<String>,
    pub author: Option<AuthorSummary>,
    pub case: Case,
    pub events: Vec<StoredEvent>,
    #[serde(skip)]
    pub clock: Option<Clock>,
    pub allowed: Vec<ActionKind>,
    /// Replies recorded on this case, oldest first.
    pub replies: Vec<StoredReply>,
}

/// A reply to record with an action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewReply {
    pub text: String,
    pub template: Option<String>,
    /// `public` or `private`.
    pub part: Option<String>,
    pub variant: Option<u32>,
    pub lang: Option<String>,
    pub channel: Option<String>,
}

impl NewReply {
    /// A free-text reply.
    pub fn text(text: impl Into<String>) -> NewReply {
        NewReply {
            text: text.into(),
            ..Default::default()
        }
    }
}

/// A reply as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReply {
    pub id: i64,
    pub comment_id: i64,
    pub action: String,
    pub text: String,
    pub template: Option<String>,
    pub part: Option<String>,
    pub variant: Option<u32>,
    pub lang: Option<String>,
    pub author_key: Option<String>,
    pub thread_key: Option<String>,
    pub channel: Option<String>,
    pub operator: String,
    pub at: DateTime<Utc>,
    pub status: String,
}

fn due_of(case: &Case, platform: Platform, sla: &SlaConfig, now: DateTime<Utc>) -> i64 {
    due_ms(workflow::clock(case, platform, sla, now).map(|c| c.due_at))
}

/// The `due_at` a brand-new case gets when it is stored.
pub(crate) fn initial_due(
    comment_id: i64,
    tag: Tag,
    platform: Platform,
    opened: DateTime<Utc>,
    sla: &SlaConfig,
) -> i64 {
    due_of(&Case::open(comment_id, tag, opened), platform, sla, opened)
}

const ROW_COLUMNS: &str = "SELECT c.id, c.platform, c.tag, c.flags, c.state, \
     COALESCE(a.name, a.handle, a.key, ''), substr(c.text, 1, 200), c.created_at, c.due_at";

const ROW_SELECT: &str = "SELECT c.id, c.platform, c.tag, c.flags, c.state, \
     COALESCE(a.name, a.handle, a.key, ''), substr(c.text, 1, 200), c.created_at, c.due_at \
     FROM comments c LEFT JOIN authors a ON a.id = c.author_id";

/// The rows of a queue page, walking the queue's own index.
fn page_from(q: Queue) -> String {
    format!(
        "{ROW_COLUMNS} FROM comments c INDEXED BY {} LEFT JOIN authors a ON a.id = c.author_id",
        q.index()
    )
}

type RawQueueRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    i64,
);

fn raw_queue_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawQueueRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn queue_row(raw: RawQueueRow) -> Result<QueueRow> {
    let (id, platform, tag, flags, state, author, text, created, due) = raw;
    let corrupt = |e: String| StoreError::Corrupt(e);
    Ok(QueueRow {
        comment_id: id,
        platform: platform.parse().map_err(corrupt)?,
        tag: tag.parse().map_err(corrupt)?,
        flags: Flags(flags as u16),
        state: state.parse().map_err(corrupt)?,
        author,
        text,
        created_at: created.as_deref().map(parse_ts).transpose()?,
        due_at: due_time(due),
    })
}

fn due_key(row: &QueueRow) -> i64 {
    due_ms(row.due_at)
}

impl Store {
    fn rows(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<QueueRow>> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let raws = stmt
            .query_map(params, raw_queue_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raws.into_iter().map(queue_row).collect()
    }

    /// A page of a queue, most urgent first, strictly after `after` (keyset paging: as fast on
    /// the last page of a million rows as on the first).
    pub fn queue_page(
        &self,
        q: Queue,
        after: Option<&QueueRow>,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueRow>> {
        let (key, id) = match after {
            Some(r) => (Some(due_key(r)), r.comment_id),
            None => (None, 0),
        };
        let sql = format!(
            "{} WHERE {} AND (?2 IS NULL OR (c.due_at, c.id) > (?2, ?3)) \
             ORDER BY c.due_at, c.id LIMIT ?4",
            page_from(q),
            q.condition()
        );
        self.rows(&sql, params![now.timestamp_millis(), key, id, limit as i64])
    }

    /// The `limit` rows just before `before`, in queue order (for scrolling up).
    pub fn queue_page_before(
        &self,
        q: Queue,
        before: &QueueRow,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueRow>> {
        let sql = format!(
            "{} WHERE {} AND (c.due_at, c.id) < (?2, ?3) \
             ORDER BY c.due_at DESC, c.id DESC LIMIT ?4",
            page_from(q),
            q.condition()
        );
        let mut rows = self.rows(
            &sql,
            params![
                now.timestamp_millis(),
                due_key(before),
                before.comment_id,
                limit as i64
            ],
        )?;
        rows.reverse();
        Ok(rows)
    }

    /// How many cases each queue holds, in one pass over the cases.
    pub fn queue_counts(&self, now: DateTime<Utc>) -> Result<Vec<(Queue, u64)>> {
        let sums: Vec<String> = Queue::ALL
            .iter()
            .map(|q| format!("COALESCE(SUM({}), 0)", q.condition()))
            .collect();
        let sql = format!(
            "SELECT {} FROM comments c WHERE c.state IS NOT NULL",
            sums.join(", ")
        );
        let counts: Vec<i64> = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([now.timestamp_millis()], |r| {
                (0..Queue::ALL.len()).map(|i| r.get(i)).collect()
            })?;
        Ok(Queue::ALL
            .into_iter()
            .zip(counts)
            .map(|(q, n)| (q, n as u64))
            .collect())
    }

    /// Cases whose current step is overdue, most overdue first.
    pub fn overdue(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<QueueRow>> {
        let sql = format!(
            "{ROW_SELECT} WHERE c.state IS NOT NULL AND c.due_at < ?1 \
             AND c.state NOT IN ('closed', 'deleted') ORDER BY c.due_at, c.id LIMIT ?2"
        );
        self.rows(&sql, params![now.timestamp_millis(), limit as i64])
    }

    /// Cases whose text or author contains `text` (case-insensitive for ASCII), most urgent
    /// first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<QueueRow>> {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "{ROW_SELECT} WHERE c.state IS NOT NULL AND (c.text LIKE ?1 ESCAPE '\\' \
             OR a.name LIKE ?1 ESCAPE '\\' OR a.handle LIKE ?1 ESCAPE '\\') \
             ORDER BY c.due_at, c.id LIMIT ?2"
        );
        self.rows(&sql, params![pattern, limit as i64])
    }

    /// The queue rows of `ids`, in that order; ids that are not cases are left out.
    pub fn queue_rows_by_id(&self, ids: &[i64]) -> Result<Vec<QueueRow>> {
        let sql = format!(
            "{ROW_SELECT} WHERE c.id IN (SELECT value FROM json_each(?1)) AND c.state IS NOT NULL"
        );
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let mut rows = self.rows(&sql, [format!("[{}]", list.join(","))])?;
        let place: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| place.get(&r.comment_id).copied());
        Ok(rows)
    }

    /// The case a comment is: its stored record, or a `New` case opened when it was posted.
    pub fn case(&self, comment_id: i64) -> Result<Case> {
        Ok(self.case_and_opened(comment_id)?.0)
    }

    /// The case now and as it was opened (where replay starts).
    fn case_and_opened(&self, comment_id: i64) -> Result<(Case, Case)> {
        let stored: Option<(String, String)> = self
            .conn()
            .prepare_cached("SELECT current, opened FROM cases WHERE comment_id = ?1")?
            .query_row([comment_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((current, opened)) = stored {
            let parse = |s: &str| {
                serde_json::from_str::<Case>(s)
                    .map_err(|e| StoreError::Corrupt(format!("case {comment_id}: {e}")))
            };
            return Ok((parse(&current)?, parse(&opened)?));
        }
        let c = self.comment(comment_id)?;
        if c.is_brand {
            return Err(StoreError::NotFound(format!(
                "comment {comment_id} is our own reply, not a case"
            )));
        }
        let case = Case::open(comment_id, c.tag, c.created_at.unwrap_or(c.received_at));
        Ok((case.clone(), case))
    }

    /// Applies one workflow action as one transaction: the new state, the audit event, a retag
    /// record and the reply, together or not at all. A refused action changes nothing and
    /// comes back as [`StoreError::Workflow`].
    pub fn act(
        &self,
        comment_id: i64,
        action: &Action,
        operator: &str,
        now: DateTime<Utc>,
        sla: &SlaConfig,
        reply: Option<&NewReply>,
    ) -> Result<Transition> {
        let tx = self.conn().unchecked_transaction()?;
        let t = self.act_in_tx(comment_id, action, operator, now, sla, reply)?;
        tx.commit()?;
        Ok(t)
    }

    /// [`Store::act`] inside a transaction the caller holds.
    pub(crate) fn act_in_tx(
        &self,
        comment_id: i64,
        action: &Action,
        operator: &str,
        now: DateTime<Utc>,
        sla: &SlaConfig,
        reply: Option<&NewReply>,
    ) -> Result<Transition> {
        let (case, opened) = self.case_and_opened(comment_id)?;
        let t = workflow::apply(&case, action, now)?;
        let platform = self.comment_platform(comment_id)?;
        self.save_case(&opened, &t.case, platform, sla, now)?;
        if t.case.kind != case.kind {
            self.conn()
                .prepare_cached(
                    "INSERT INTO classification_overrides \
                     (comment_id, at, operator, from_tag, to_tag) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    comment_id,
                    ts(now),
                    operator,
                    case.kind.as_str(),
                    t.case.kind.as_str()
                ])?;
        }
        let event_id = self.append_event(comment_id, &t.event, operator, None)?;
        if let Some(r) = reply {
            self.insert_reply(
                comment_id,
                event_id,
                t.event.name.as_str(),
                r,
                operator,
                now,
            )?;
        }
        Ok(t)
    }

    /// Takes back the last action on a case (replaying its log without it) and records the
    /// undo in the audit log, which itself is never rewritten.
    pub fn undo(
        &self,
        comment_id: i64,
        operator: &str,
        now: DateTime<Utc>,
        sla: &SlaConfig,
    ) -> Result<Case> {
        let tx = self.conn().unchecked_transaction()?;
        let (_, opened) = self.case_and_opened(comment_id)?;
        let log = self.live_events(comment_id)?;
        let events: Vec<Event> = log.iter().map(|(_, e)| e.clone()).collect();
        let case = workflow::undo(&opened, &events)?;
        let platform = self.comment_platform(comment_id)?;
        self.save_case(&opened, &case, platform, sla, now)?;
        let (last_id, last) = log.last().expect("undo succeeded, so there was an event");
        let undo_event = Event {
            name: last.name,
            action: last.action.clone(),
            from: last.to,
            to: case.state,
            at: now,
            reason: Some(format!("undo {}", last.name.as_str())),
            details: String::new(),
        };
        self.append_event(comment_id, &undo_event, operator, Some(*last_id))?;
        tx.commit()?;
        Ok(case)
    }

    /// The workflow events of a case that still count (not undone), oldest first.
    fn live_events(&self, comment_id: i64) -> Result<Vec<(i64, Event)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, detail FROM events e WHERE comment_id = ?1 AND undoes IS NULL \
             AND detail IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.id) ORDER BY id",
        )?;
        let rows = stmt
            .query_map([comment_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, json)| {
                serde_json::from_str::<Event>(&json)
                    .map(|e| (id, e))
                    .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))
            })
            .collect()
    }

    fn comment_platform(&self, comment_id: i64) -> Result<Platform> {
        let p: String = self
            .conn()
            .prepare_cached("SELECT platform FROM comments WHERE id = ?1")?
            .query_row([comment_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no comment with id {comment_id}")))?;
        p.parse().map_err(StoreError::Corrupt)
    }

    fn save_case(
        &self,
        opened: &Case,
        case: &Case,
        platform: Platform,
        sla: &SlaConfig,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let json = |c: &Case| serde_json::to_string(c).expect("a case always serialises");
        self.conn()
            .prepare_cached(
                "INSERT INTO cases (comment_id, kind, state, opened, current, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (comment_id) DO UPDATE SET kind = excluded.kind, \
                 state = excluded.state, current = excluded.current, \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![
                case.comment_id,
                case.kind.as_str(),
                case.state.as_str(),
                json(opened),
                json(case),
                ts(now)
            ])?;
        self.conn()
            .prepare_cached("UPDATE comments SET state = ?2, due_at = ?3, tag = ?4 WHERE id = ?1")?
            .execute(params![
                case.comment_id,
                case.state.as_str(),
                due_of(case, platform, sla, now),
                case.kind.as_str()
            ])?;
        Ok(())
    }

    fn append_event(
        &self,
        comment_id: i64,
        e: &Event,
        operator: &str,
        undoes: Option<i64>,
    ) -> Result<i64> {
        let detail = match undoes {
            None => Some(serde_json::to_string(e).expect("an event always serialises")),
            Some(_) => None,
        };
        let action = match undoes {
            None => e.name.as_str().to_owned(),
            Some(_) => "undo".to_owned(),
        };
        self.conn()
            .prepare_cached(
                "INSERT INTO events (at, operator, comment_id, action, reason, detail, \
                 from_state, to_state, undoes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                ts(e.at),
                operator,
                comment_id,
                action,
                e.reason,
                detail,
                e.from.as_str(),
                e.to.as_str(),
                undoes
            ])?;
        Ok(self.conn().last_insert_rowid())
    }

    fn insert_reply(
        &self,
        comment_id: i64,
        event_id: i64,
        action: &str,
        r: &NewReply,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (author_key, thread_key): (Option<String>, Option<String>) = self
            .conn()
            .prepare_cached(
                "SELECT a.platform || ':' || a.key, c.platform || ':' || c.thread_id \
                 FROM comments c LEFT JOIN authors a ON a.id = c.author_id WHERE c.id = ?1",
            )?
            .query_row([comment_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        self.conn()
            .prepare_cached(
                "INSERT INTO replies (comment_id, event_id, action, text, template, part, \
                 variant, lang, author_key, thread_key, channel, operator, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                comment_id,
                event_id,
                action,
                r.text,
                r.template,
                r.part,
                r.variant,
                r.lang,
                author_key,
                thread_key,
                r.channel,
                operator,
                ts(now)
            ])?;
        Ok(())
    }

    /// The audit log of a case, oldest first, undos included.
    pub fn events(&self, comment_id: i64) -> Result<Vec<StoredEvent>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, at, operator, action, from_state, to_state, reason, undoes \
             FROM events WHERE comment_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([comment_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, at, operator, action, from, to, reason, undoes)| {
                Ok(StoredEvent {
                    id,
                    at: parse_ts(&at)?,
                    operator,
                    action,
                    from,
                    to,
                    reason,
                    undoes,
                })
            })
            .collect()
    }

    /// Calls `f` on every audit event with the comment it concerns, oldest first.
    pub fn for_each_event(
        &self,
        f: &mut dyn FnMut(Option<i64>, StoredEvent) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare(
            "SELECT id, at, operator, action, from_state, to_state, reason, undoes, comment_id \
             FROM events ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let at: String = r.get(1)?;
            let e = StoredEvent {
                id: r.get(0)?,
                at: parse_ts(&at)?,
                operator: r.get(2)?,
                action: r.get(3)?,
                from: r.get(4)?,
                to: r.get(5)?,
                reason: r.get(6)?,
                undoes: r.get(7)?,
            };
            f(r.get(8)?, e)?;
        }
        Ok(())
    }

    /// Replies recorded on a case, oldest first.
    pub fn replies(&self, comment_id: i64) -> Result<Vec<StoredReply>> {
        self.replies_where("comment_id = ?1", [comment_id])
    }

    /// Every reply in the outbox (recorded, not yet marked posted), oldest first.
    pub fn outbox(&self) -> Result<Vec<StoredReply>> {
        self.replies_where("status = 'outbox' AND ?1 = ?1", [0])
    }

    /// Every reply drafted from a template.
    pub fn template_replies(&self) -> Result<Vec<StoredReply>> {
        self.replies_where("template IS NOT NULL AND ?1 = ?1", [0])
    }

    /// The usage log the guide's rotation reads: every variant sent, to whom, where and when.
    pub fn usage_log(&self) -> Result<UsageLog> {
        let mut log = UsageLog::new();
        for r in self.template_replies()? {
            let (Some(template), Some(variant)) = (r.template, r.variant) else {
                continue;
            };
            log.push(UsageRecord {
                template,
                part: if r.part.as_deref() == Some("private") {
                    Part::Private
                } else {
                    Part::Public
                },
                variant: variant as usize,
                lang: Lang::from_code(r.lang.as_deref().unwrap_or("en")),
                author_key: r.author_key,
                thread_key: r.thread_key,
                at: r.at,
            });
        }
        Ok(log)
    }

    /// Open cases whose current step is due by `now`, with their platform: what `remind` and
    /// the overdue filter look at.
    pub fn due_cases(&self, now: DateTime<Utc>) -> Result<Vec<(Case, Platform)>> {
        let ids: Vec<(i64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT id, platform FROM comments WHERE state IS NOT NULL \
                 AND state NOT IN ('closed', 'deleted') AND due_at <= ?1 ORDER BY due_at, id",
            )?
            .query_map([now.timestamp_millis()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .map(|(id, p)| Ok((self.case(id)?, p.parse().map_err(StoreError::Corrupt)?)))
            .collect()
    }

    fn replies_where(&self, cond: &str, p: [i64; 1]) -> Result<Vec<StoredReply>> {
        let sql = format!(
            "SELECT id, comment_id, action, text, template, part, variant, lang, author_key, \
             thread_key, channel, operator, at, status FROM replies WHERE {cond} ORDER BY id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((
                    (
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<u32>>(6)?,
                    ),
                    (
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<String>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, String>(11)?,
                        r.get::<_, String>(12)?,
                        r.get::<_, String>(13)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(a, b)| {
                Ok(StoredReply {
                    id: a.0,
                    comment_id: a.1,
                    action: a.2,
                    text: a.3,
                    template: a.4,
                    part: a.5,
                    variant: a.6,
                    lang: b.0,
                    author_key: b.1,
                    thread_key: b.2,
                    channel: b.3,
                    operator: b.4,
                    at: parse_ts(&b.5)?,
                    status: b.6,
                })
            })
            .collect()
    }

    /// The comments of the thread a comment belongs to, in time order. Without a thread id,
    /// the comment with its parent and its direct replies.
    pub fn thread(&self, c: &StoredComment) -> Result<Vec<StoredComment>> {
        let mut out = Vec::new();
        match &c.thread_id {
            Some(t) => {
                let ids: Vec<i64> = self
                    .conn()
                    .prepare_cached(
                        "SELECT id FROM comments WHERE platform = ?1 AND thread_id = ?2 \
                         ORDER BY COALESCE(created_at, received_at), id LIMIT 200",
                    )?
                    .query_map(params![c.platform.as_str(), t], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for id in ids {
                    out.push(self.comment(id)?);
                }
            }
            None => {
                if let Some(p) = &c.parent_id
                    && let Some(parent) = self.comment_by_external(c.platform, p)?
                {
                    out.push(parent);
                }
                out.push(c.clone());
                let ids: Vec<i64> = self
                    .conn()
                    .prepare_cached(
                        "SELECT id FROM comments WHERE platform = ?1 AND parent_id = ?2 \
                         ORDER BY COALESCE(created_at, received_at), id LIMIT 200",
                    )?
                    .query_map(params![c.platform.as_str(), c.external_id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for id in ids {
                    out.push(self.comment(id)?);
                }
            }
        }
        Ok(out)
    }

    /// What the store knows of an author: comments per tag, compensation asks, latest others.
    pub fn author_summary(&self, author_id: i64, except: Option<i64>) -> Result<AuthorSummary> {
        let mut by_tag = Vec::new();
        let mut total = 0u32;
        {
            let mut stmt = self.conn().prepare_cached(
                "SELECT tag, COUNT(*) FROM comments WHERE author_id = ?1 GROUP BY tag ORDER BY tag",
            )?;
            let rows = stmt
                .query_map([author_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (tag, n) in rows {
                let tag: Tag = tag.parse().map_err(StoreError::Corrupt)?;
                total += n as u32;
                by_tag.push((tag, n as u32));
            }
        }
        let asked: i64 = self
            .conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM comments WHERE author_id = ?1 AND (flags & ?2) != 0",
            )?
            .query_row(
                params![author_id, i64::from(Flag::AsksCompensation.bit())],
                |r| r.get(0),
            )?;
        let ids: Vec<i64> = self
            .conn()
            .prepare_cached(
                "SELECT id FROM comments WHERE author_id = ?1 AND id <> ?2 \
                 ORDER BY COALESCE(created_at, received_at) DESC, id DESC LIMIT 5",
            )?
            .query_map(params![author_id, except.unwrap_or(0)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let recent = ids
            .into_iter()
            .map(|id| self.comment(id))
            .collect::<Result<Vec<_>>>()?;
        Ok(AuthorSummary {
            comments: total,
            by_tag,
            asked_compensation: asked as u32,
            recent,
        })
    }

    /// Everything about one case, for the case pane and `calma show`.
    pub fn case_view(
        &self,
        comment_id: i64,
        now: DateTime<Utc>,
        sla: &SlaConfig,
    ) -> Result<CaseView> {
        let comment = self.comment(comment_id)?;
        let case_id = self.case_owner(&comment)?;
        let case = self.case(case_id)?;
        let explain: Option<String> = self
            .conn()
            .prepare_cached("SELECT explain FROM comments WHERE id = ?1")?
            .query_row([comment_id], |r| r.get(0))?;
        let (rules, scores, pack_version) = match explain {
            Some(j) => {
                let v: serde_json::Value = serde_json::from_str(&j)
                    .map_err(|e| StoreError::Corrupt(format!("explanation: {e}")))?;
                (
                    serde_json::from_value(v["rules"].clone()).unwrap_or_default(),
                    serde_json::from_value(v["scores"].clone()).unwrap_or_default(),
                    v["pack"].as_str().map(str::to_owned),
                )
            }
            None => (Vec::new(), Vec::new(), None),
        };
        let author = comment
            .author_id
            .map(|a| self.author_summary(a, Some(comment_id)))
            .transpose()?;
        Ok(CaseView {
            versions: self.versions(comment_id)?,
            thread: self.thread(&comment)?,
            rules,
            scores,
            pack_version,
            author,
            events: self.events(case_id)?,
            clock: workflow::clock(&case, comment.platform, sla, now),
            allowed: workflow::allowed_actions(&case, now),
            replies: self.replies(case_id)?,
            case,
            comment,
        })
    }

    /// The comment whose case this comment belongs to: itself, or the case a follow-up was
    /// attached to.
    pub fn case_owner(&self, c: &StoredComment) -> Result<i64> {
        let owner: Option<i64> = self
            .conn()
            .prepare_cached("SELECT case_of FROM comments WHERE id = ?1")?
            .query_row([c.id], |r| r.get(0))?;
        Ok(owner.unwrap_or(c.id))
    }
}

impl From<WorkflowError> for StoreError {
    fn from(e: WorkflowError) -> Self {
        StoreError::Workflow(e)
    }
}

//! The schema, as numbered migrations. A migration once released is never edited: changes come
//! as a new one at the end. `PRAGMA user_version` holds the number applied.

use rusqlite_migration::{M, Migrations};

/// Version 1: comments with their versions, authors, rejected input, the audit log.
const V1: &str = r#"
CREATE TABLE authors (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    -- the platform's account id, else the handle, else the display name
    key         TEXT NOT NULL,
    handle      TEXT,
    name        TEXT,
    is_brand    INTEGER NOT NULL DEFAULT 0,
    first_seen  TEXT NOT NULL,
    UNIQUE (platform, key)
) STRICT;

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    thread_id   TEXT,
    parent_id   TEXT,
    author_id   INTEGER REFERENCES authors (id),
    -- the latest text; every earlier one is in comment_versions
    text        TEXT NOT NULL,
    created_at  TEXT,
    edited_at   TEXT,
    received_at TEXT NOT NULL,
    url         TEXT,
    lang        TEXT,
    rating      INTEGER,
    is_brand    INTEGER NOT NULL DEFAULT 0,
    hidden      INTEGER NOT NULL DEFAULT 0,
    -- hash of the normalised text, to find the same text posted again
    fingerprint INTEGER NOT NULL DEFAULT 0,
    tag         TEXT NOT NULL DEFAULT 'other',
    flags       INTEGER NOT NULL DEFAULT 0,
    sentiment   REAL NOT NULL DEFAULT 0,
    -- JSON: scores per tag, rules with spans, rule-pack version
    explain     TEXT,
    source      TEXT,
    UNIQUE (platform, external_id)
) STRICT;
CREATE INDEX comments_author ON comments (author_id);
CREATE INDEX comments_thread ON comments (platform, thread_id);
CREATE INDEX comments_tag ON comments (tag, received_at);
CREATE INDEX comments_fingerprint ON comments (fingerprint);

-- Every text a comment has carried, once it has carried more than one: the first edit copies
-- the original here too, so an unedited comment costs no extra row.
CREATE TABLE comment_versions (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    text        TEXT NOT NULL,
    edited_at   TEXT,
    seen_at     TEXT NOT NULL,
    source      TEXT
) STRICT;
CREATE INDEX comment_versions_comment ON comment_versions (comment_id, id);

-- Input records that could not be read, kept byte for byte so they can be fixed and re-ingested.
CREATE TABLE rejects (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    record      INTEGER NOT NULL,
    line        INTEGER,
    reason      TEXT NOT NULL,
    raw         BLOB NOT NULL,
    raw_hash    INTEGER NOT NULL,
    seen_at     TEXT NOT NULL,
    UNIQUE (file, record, raw_hash)
) STRICT;

-- The append-only audit log: who did what, when, and why.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    operator    TEXT NOT NULL,
    comment_id  INTEGER REFERENCES comments (id),
    action      TEXT NOT NULL,
    reason      TEXT,
    detail      TEXT
) STRICT;
CREATE INDEX events_comment ON events (comment_id, id);

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    operator    TEXT NOT NULL,
    files       INTEGER NOT NULL DEFAULT 0,
    read        INTEGER NOT NULL DEFAULT 0,
    new         INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    duplicate   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0
) STRICT;
"#;

/// Version 2: the workflow. Each comment that is a case carries its state and the time its
/// clock runs out (denormalised from `cases` for the queues); `cases` holds the full record;
/// operator retags, replies and drafts get their tables.
const V2: &str = r#"
-- NULL: not a case (the brand's own replies, a customer's follow-up attached to a case).
ALTER TABLE comments ADD COLUMN state TEXT DEFAULT 'new';
-- When the case's current step is due, in milliseconds since the epoch; the largest integer
-- when no clock runs, so it sorts last.
ALTER TABLE comments ADD COLUMN due_at INTEGER NOT NULL DEFAULT 9223372036854775807;
-- For an attached follow-up: the comment whose case it belongs to.
ALTER TABLE comments ADD COLUMN case_of INTEGER REFERENCES comments (id);
UPDATE comments SET state = NULL WHERE is_brand = 1;
UPDATE comments SET due_at = CAST(unixepoch(COALESCE(created_at, received_at), 'subsec') * 1000 AS INTEGER)
  WHERE state IS NOT NULL;
DROP INDEX comments_tag;
CREATE INDEX comments_due ON comments (due_at, id);
CREATE INDEX comments_tag_due ON comments (tag, due_at, id);

CREATE TABLE cases (
    comment_id  INTEGER PRIMARY KEY REFERENCES comments (id),
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,
    -- the case as it was opened (replay starts here) and as it is now, as JSON
    opened      TEXT NOT NULL,
    current     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

ALTER TABLE events ADD COLUMN from_state TEXT;
ALTER TABLE events ADD COLUMN to_state TEXT;
-- An undo is an event of its own that names the event it takes back.
ALTER TABLE events ADD COLUMN undoes INTEGER REFERENCES events (id);

CREATE TABLE classification_overrides (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    at          TEXT NOT NULL,
    operator    TEXT NOT NULL,
    from_tag    TEXT NOT NULL,
    to_tag      TEXT NOT NULL
) STRICT;
CREATE INDEX classification_overrides_comment ON classification_overrides (comment_id);

CREATE TABLE replies (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    event_id    INTEGER REFERENCES events (id),
    action      TEXT NOT NULL,
    text        TEXT NOT NULL,
    template    TEXT,
    part        TEXT,
    variant     INTEGER,
    lang        TEXT,
    author_key  TEXT,
    thread_key  TEXT,
    channel     TEXT,
    operator    TEXT NOT NULL,
    at          TEXT NOT NULL,
    -- 'outbox' until a tool or the operator posts it, then 'posted'
    status      TEXT NOT NULL DEFAULT 'outbox'
) STRICT;
CREATE INDEX replies_comment ON replies (comment_id);

CREATE TABLE drafts (
    comment_id  INTEGER PRIMARY KEY REFERENCES comments (id),
    text        TEXT NOT NULL,
    template    TEXT,
    updated_at  TEXT NOT NULL
) STRICT;
"#;

/// Version 3: insights. Hourly arrival counts per tag and platform (the crisis radar's
/// baseline and the tag mix, updated incrementally past a watermark), word stems per hour (keyword
/// bursts), the alerts raised (cooldown, banner), and an index that answers every backlog count
/// of `calma stats` from one covering scan.
const V3: &str = r#"
-- hour: hours since the epoch (UTC) of created_at, else received_at; customers' comments only.
-- negative: sentiment < -0.3 or tagged complaint/troll. min_id: the lowest comment id counted,
-- so that "the comments of these hours" is a rowid range.
CREATE TABLE insight_hours (
    hour        INTEGER NOT NULL,
    tag         TEXT NOT NULL,
    platform    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    negative    INTEGER NOT NULL,
    min_id      INTEGER NOT NULL,
    PRIMARY KEY (hour, tag, platform)
) WITHOUT ROWID, STRICT;
CREATE TABLE insight_terms (
    hour        INTEGER NOT NULL,
    stem        TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (hour, stem)
) WITHOUT ROWID, STRICT;
-- All-time count per stem: the keyword baseline.
CREATE TABLE insight_stems (
    stem        TEXT PRIMARY KEY,
    n           INTEGER NOT NULL
) WITHOUT ROWID, STRICT;
-- Watermarks: the highest comment id each incremental table has counted.
CREATE TABLE insight_marks (
    name        TEXT PRIMARY KEY,
    value       INTEGER NOT NULL
) STRICT;
CREATE TABLE radar_alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    keyword     TEXT,
    started_at  TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    -- the alert as JSON
    detail      TEXT NOT NULL
) STRICT;
CREATE INDEX radar_alerts_raised ON radar_alerts (raised_at);
CREATE INDEX comments_open ON comments (state, tag, platform, due_at);
INSERT INTO insight_hours (hour, tag, platform, n, negative, min_id)
SELECT CAST(unixepoch(COALESCE(created_at, received_at)) / 3600 AS INTEGER) AS h, tag, platform,
       COUNT(*), SUM(sentiment < -0.3 OR tag IN ('complaint', 'troll')), MIN(id)
  FROM comments WHERE is_brand = 0 AND unixepoch(COALESCE(created_at, received_at)) IS NOT NULL
 GROUP BY h, tag, platform;
INSERT INTO insight_marks (name, value) VALUES ('hours', (SELECT COALESCE(MAX(id), 0) FROM comments));
INSERT INTO insight_marks (name, value) VALUES ('terms', 0);
"#;

/// Version 4: the thread index carries the author, so that "does this author already have a
/// case in this thread" (asked by ingest for every returning author) is answered by the index
/// alone, and ingest can read every (platform, thread, author) it needs from the index.
const V4: &str = r#"
DROP INDEX comments_thread;
CREATE INDEX comments_thread ON comments (platform, thread_id, author_id);
"#;

/// Every migration, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2), M::up(V3), M::up(V4)])
}

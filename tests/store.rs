//! The store against real SQLite files: migrations, permissions, exactly-once writes, versions.

use calma::domain::{AuthorHistory, AuthorRef, Classification, Comment, Lang, Platform};
use calma::ingest::BadRecord;
use calma::store::{IngestWriter, Outcome, Store, migrations::migrations};
use calma::workflow::SlaConfig;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn comment(id: &str, text: &str) -> Comment {
    let mut c = Comment::new(Platform::Facebook, id, text);
    c.author = AuthorRef {
        id: Some("u1".into()),
        handle: None,
        name: Some("Ana".into()),
    };
    c.created_at = Some(t("2026-11-19T10:00:00Z"));
    c
}

fn untagged(_: &AuthorHistory) -> Classification {
    Classification::unclassified(Lang::Other)
}

#[test]
fn migrations_are_valid() {
    migrations().validate().unwrap();
}

#[test]
fn every_migration_runs_on_an_empty_file_and_on_each_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let latest = {
        let s = Store::open(&dir.path().join("fresh.db")).unwrap();
        s.schema_version().unwrap()
    };
    assert!(latest >= 1);
    for from in 0..latest {
        let path = dir.path().join(format!("v{from}.db"));
        {
            let mut conn = Connection::open(&path).unwrap();
            migrations().to_version(&mut conn, from as usize).unwrap();
            if from >= 1 {
                // Data written under the old schema must survive the upgrade.
                conn.execute(
                    "INSERT INTO comments (platform, external_id, text, received_at) \
                     VALUES ('x', 'old-1', 'written before the upgrade', '2026-01-01T00:00:00.000Z')",
                    [],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest, "from v{from}");
        if from >= 1 {
            let c = store
                .comment_by_external(Platform::X, "old-1")
                .unwrap()
                .unwrap();
            assert_eq!(c.text, "written before the upgrade");
        }
    }
}

/// The columns of an index, in order.
fn index_columns(conn: &Connection, index: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
        .unwrap();
    stmt.query_map([index], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn version_4_indexes_threads_by_author_and_keeps_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 3).unwrap();
        assert_eq!(
            index_columns(&conn, "comments_thread"),
            ["platform", "thread_id"]
        );
        conn.execute(
            "INSERT INTO comments (platform, external_id, thread_id, text, received_at) \
             VALUES ('x', 'old-1', 't1', 'in a thread', '2026-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    drop(store);
    let conn = Connection::open(&path).unwrap();
    assert_eq!(
        index_columns(&conn, "comments_thread"),
        ["platform", "thread_id", "author_id"]
    );
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM comments \
             WHERE platform = 'x' AND thread_id = 't1' AND author_id = 1",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("comments_thread"), "{plan}");
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM comments WHERE platform = 'x' AND thread_id = 't1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[cfg(unix)]
#[test]
fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/calma.db");
    Store::open(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

#[test]
fn pragmas_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calma.db");
    Store::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn same_record_twice_is_stored_once_and_edits_become_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("calma.db")).unwrap();
    let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
    let now = t("2026-11-20T12:00:00Z");
    let a = comment("c1", "The parcel is late");
    let id = match w.write(&a, 0, &mut untagged, "a.json", now).unwrap() {
        Outcome::New(id) => id,
        o => panic!("{o:?}"),
    };
    assert_eq!(
        w.write(&a, 0, &mut untagged, "a.json", now).unwrap(),
        Outcome::Duplicate(id)
    );
    let mut edited = comment("c1", "The parcel is late, and nobody answers!");
    edited.edited_at = Some(t("2026-11-19T11:00:00Z"));
    assert_eq!(
        w.write(&edited, 0, &mut untagged, "b.json", now).unwrap(),
        Outcome::Updated(id)
    );
    // The old text seen again (an older export) is neither new nor the current text.
    assert_eq!(
        w.write(&a, 0, &mut untagged, "a.json", now).unwrap(),
        Outcome::Duplicate(id)
    );
    w.commit().unwrap();
    drop(w);
    let c = store.comment(id).unwrap();
    assert_eq!(c.text, "The parcel is late, and nobody answers!");
    assert_eq!(c.author.name.as_deref(), Some("Ana"));
    let versions = store.versions(id).unwrap();
    let texts: Vec<&str> = versions.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "The parcel is late",
            "The parcel is late, and nobody answers!"
        ]
    );
    assert_eq!(store.comment_count().unwrap(), 1);
}

#[test]
fn an_older_version_read_late_does_not_replace_the_newer_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("calma.db")).unwrap();
    let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
    let now = t("2026-11-20T12:00:00Z");
    let mut newer = comment("c2", "edited text");
    newer.edited_at = Some(t("2026-11-19T12:00:00Z"));
    let Outcome::New(id) = w.write(&newer, 0, &mut untagged, "new.json", now).unwrap() else {
        panic!()
    };
    let older = comment("c2", "original text");
    assert_eq!(
        w.write(&older, 0, &mut untagged, "old.json", now).unwrap(),
        Outcome::Updated(id)
    );
    w.commit().unwrap();
    drop(w);
    assert_eq!(store.comment(id).unwrap().text, "edited text");
    assert_eq!(store.versions(id).unwrap().len(), 2);
}

#[test]
fn uncommitted_writes_vanish_and_rejects_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("calma.db")).unwrap();
    let now = t("2026-11-20T12:00:00Z");
    {
        let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
        w.write(&comment("gone", "x"), 0, &mut untagged, "a", now)
            .unwrap();
        // dropped without commit
    }
    assert_eq!(store.comment_count().unwrap(), 0);
    let bad = BadRecord {
        record: 3,
        line: Some(4),
        reason: "missing id".into(),
        raw: b"{\"text\":\"x\"}".to_vec(),
    };
    let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
    assert!(w.reject("in.json", &bad, now).unwrap());
    assert!(!w.reject("in.json", &bad, now).unwrap());
    w.commit().unwrap();
    drop(w);
    assert_eq!(store.reject_count().unwrap(), 1);
}

#[test]
fn the_same_text_is_counted_across_transactions_and_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calma.db");
    let store = Store::open(&path).unwrap();
    let other = Store::open(&path).unwrap();
    let now = t("2026-11-20T12:00:00Z");
    let seen_before = std::cell::RefCell::new(Vec::new());
    let mut record = |h: &AuthorHistory| {
        seen_before.borrow_mut().push(h.same_text);
        untagged(h)
    };
    let mut w = IngestWriter::new(&store, SlaConfig::default()).unwrap();
    w.write(&comment("a1", "buy my course"), 7, &mut record, "a", now)
        .unwrap();
    w.write(&comment("a2", "buy my course"), 7, &mut record, "a", now)
        .unwrap();
    w.commit().unwrap();
    // Another process stores a text this writer has never seen, between its transactions.
    let mut o = IngestWriter::new(&other, SlaConfig::default()).unwrap();
    o.write(&comment("b1", "free followers"), 9, &mut untagged, "b", now)
        .unwrap();
    o.commit().unwrap();
    drop(o);
    w.write(&comment("a3", "free followers"), 9, &mut record, "a", now)
        .unwrap();
    w.write(&comment("a4", "buy my course"), 7, &mut record, "a", now)
        .unwrap();
    w.write(&comment("a5", "something else"), 11, &mut record, "a", now)
        .unwrap();
    w.commit().unwrap();
    assert_eq!(*seen_before.borrow(), [0, 1, 1, 2, 0]);
}

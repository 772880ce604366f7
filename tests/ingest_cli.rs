//! `calma ingest` as a user runs it: exit codes, summaries, and what lands in the database,
//! for good files and for every kind of bad input.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// A row of the `rejects` table: file, record, line, reason, raw bytes.
type RejectRow = (String, i64, Option<i64>, String, Vec<u8>);

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("calma.db")
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn calma(&self) -> Command {
        common::calma_in(self.dir.path())
    }

    fn list(&self) -> Vec<Value> {
        let out = self.calma().args(["list", "--json"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }

    fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .list()
            .iter()
            .map(|c| c["external_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }

    fn rejects(&self) -> Vec<RejectRow> {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        let mut stmt = conn
            .prepare("SELECT file, record, line, reason, raw FROM rejects ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

fn file_name(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn good_files_exit_0_and_a_second_run_adds_nothing() {
    let env = Env::new();
    let f = env.file(
        "a.json",
        br#"[{"id":"1","text":"uno","platform":"facebook","author":"Ana"},
            {"id":"2","text":"dos","platform":"facebook","author":"Ana"}]"#,
    );
    env.calma()
        .arg("ingest")
        .arg(&f)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "read 2, new 2, updated 0, duplicate 0, rejected 0",
        ));
    env.calma()
        .arg("ingest")
        .arg(&f)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "read 2, new 0, updated 0, duplicate 2, rejected 0",
        ));
    assert_eq!(env.ids(), ["1", "2"]);
}

#[test]
fn an_edited_comment_keeps_every_version() {
    let env = Env::new();
    let a = env.file(
        "a.ndjson",
        b"{\"id\":\"7\",\"text\":\"first words\",\"platform\":\"x\"}\n",
    );
    let b = env.file(
        "b.ndjson",
        b"{\"id\":\"7\",\"text\":\"second words\",\"platform\":\"x\",\"edited_at\":\"2026-11-20T10:00:00Z\"}\n",
    );
    env.calma().arg("ingest").arg(&a).assert().code(0);
    env.calma()
        .arg("ingest")
        .arg(&b)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("updated 1"));
    let list = env.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["text"], "second words");
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let out = env.calma().args(["show", &id, "--json"]).output().unwrap();
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    let texts: Vec<&str> = shown["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first words", "second words"]);
}

#[test]
fn malformed_json_value_is_rejected_and_the_rest_stored() {
    let env = Env::new();
    let f = env.file(
        "mixed.json",
        b"[\n{\"id\":\"1\",\"text\":\"ok\"},\n{\"id\":\"2\",\"text\": tru},\n{\"id\":\"3\",\"text\":\"ok too\"}\n]",
    );
    env.calma()
        .arg("ingest")
        .arg(&f)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "{}: record 2 (line 3): malformed JSON",
            file_name(&f)
        )))
        .stderr(predicate::str::contains(
            "read 3, new 2, updated 0, duplicate 0, rejected 1",
        ));
    assert_eq!(env.ids(), ["1", "3"]);
    let rejects = env.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!((rejects[0].1, rejects[0].2), (2, Some(3)));
    assert_eq!(rejects[0].4, b"{\"id\":\"2\",\"text\": tru}");
}

#[test]
fn malformed_csv_row_and_invalid_utf8_are_rejected() {
    let env = Env::new();
    let mut bytes = b"id,text,author\n1,fine,ana\n2,\"too\",many,fields\n3,".to_vec();
    bytes.extend_from_slice(b"caf\xe9 latin-1,bob\n4,also fine,eve\n");
    let f = env.file("rows.csv", &bytes);
    let out = env.calma().arg("ingest").arg(&f).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("record 2 (line 3): row has 4 fields"), "{err}");
    assert!(
        err.contains("record 3 (line 4): column 2 is not valid UTF-8"),
        "{err}"
    );
    assert_eq!(env.ids(), ["1", "4"]);
    let rejects = env.rejects();
    assert_eq!(rejects[1].4, b"3,caf\xe9 latin-1,bob");
}

#[test]
fn missing_id_missing_text_and_bad_dates_are_rejected() {
    let env = Env::new();
    let f = env.file(
        "gaps.ndjson",
        b"{\"id\":\"1\",\"text\":\"ok\"}\n{\"text\":\"no id\"}\n{\"id\":\"3\"}\n{\"id\":\"4\",\"text\":\"x\",\"created_at\":\"last tuesday\"}\n{\"id\":\"5\",\"text\":\"ok\"}\n",
    );
    let out = env.calma().arg("ingest").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("record 2 (line 2): missing id"), "{err}");
    assert!(err.contains("record 3 (line 3): missing text"), "{err}");
    assert!(
        err.contains("record 4 (line 4): created_at: unreadable timestamp"),
        "{err}"
    );
    assert_eq!(env.ids(), ["1", "5"]);
    assert_eq!(env.rejects().len(), 3);
}

#[test]
fn a_50_mb_single_line_is_rejected_without_losing_its_neighbours() {
    let env = Env::new();
    let mut bytes = b"{\"id\":\"1\",\"text\":\"before\"}\n{\"id\":\"2\",\"text\":\"".to_vec();
    bytes.resize(bytes.len() + 50 * 1024 * 1024, b'a');
    bytes.extend_from_slice(b"\"}\n{\"id\":\"3\",\"text\":\"after\"}\n");
    let f = env.file("huge.ndjson", &bytes);
    env.calma()
        .arg("ingest")
        .arg(&f)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "record 2 (line 2): line of 52428821 bytes is over the 4 MiB record limit",
        ));
    assert_eq!(env.ids(), ["1", "3"]);
    let rejects = env.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].4.len(), 52428820, "the whole record is kept");
}

#[test]
fn an_empty_file_is_not_an_error() {
    let env = Env::new();
    let f = env.file("empty.json", b"");
    env.calma()
        .arg("ingest")
        .arg(&f)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("empty file, nothing to read"))
        .stderr(predicate::str::contains("read 0, new 0"));
}

#[test]
fn a_binary_file_is_refused_naming_the_readers_tried() {
    let env = Env::new();
    let good = env.file("good.json", br#"[{"id":"1","text":"ok"}]"#);
    let bin = env.file("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    let out = env
        .calma()
        .arg("ingest")
        .arg(&bin)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("photo.png: no reader accepts this file"),
        "{err}"
    );
    assert!(err.contains("json: not text"), "{err}");
    assert!(err.contains("csv: not text"), "{err}");
    // The readable file next to it is still stored.
    assert_eq!(env.ids(), ["1"]);
}

#[test]
fn unreadable_paths_and_bad_flags_exit_2() {
    let env = Env::new();
    env.calma()
        .args(["ingest", "/nonexistent/comments.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/comments.json"));
    env.calma()
        .args(["ingest", "--frobnicate", "x"])
        .assert()
        .code(2);
    let f = env.file("a.json", b"[]");
    env.calma()
        .args(["ingest", "--format", "nope"])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format"));
}

#[test]
fn folders_are_read_recursively_and_detected_by_content() {
    let env = Env::new();
    let dir = env.dir.path().join("in/nested");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("comments.data"), "id;text\n1;semicolons\n").unwrap();
    std::fs::write(
        env.dir.path().join("in/stream.log"),
        "{\"id\":\"2\",\"text\":\"ndjson without its extension\"}\n",
    )
    .unwrap();
    std::fs::write(env.dir.path().join("in/README.md"), "# notes, not data\n").unwrap();
    env.calma()
        .arg("ingest")
        .arg(env.dir.path().join("in"))
        .assert()
        .code(0);
    assert_eq!(env.ids(), ["1", "2"]);
}

#[test]
fn export_comments_as_csv_reads_back_in() {
    let env = Env::new();
    let f = env.file(
        "a.json",
        "[{\"id\":\"1\",\"text\":\"línea, con \\\"comillas\\\"\\ny salto\",\"platform\":\"reddit\",\"author\":\"Ana\"}]"
            .as_bytes(),
    );
    env.calma().arg("ingest").arg(&f).assert().code(0);
    let out = env.dir.path().join("export.csv");
    env.calma()
        .args(["export", "comments", "--format", "csv", "-o"])
        .arg(&out)
        .assert()
        .code(0);
    let other = Env::new();
    other.calma().arg("ingest").arg(&out).assert().code(0);
    let list = other.list();
    assert_eq!(list[0]["text"], "línea, con \"comillas\"\ny salto");
    assert_eq!(list[0]["platform"], "reddit");
}

/// Kills an ingest with SIGKILL after its first commit, then checks that the database is
/// consistent and that running the same ingest again completes it exactly.
#[test]
fn an_ingest_killed_midway_is_completed_by_running_it_again() {
    let env = Env::new();
    let n = 60_000;
    let mut f = std::fs::File::create(env.dir.path().join("big.csv")).unwrap();
    writeln!(f, "id,platform,author,text").unwrap();
    for i in 0..n {
        writeln!(
            f,
            "c{i},x,user{},comment number {i} about the late parcel",
            i % 97
        )
        .unwrap();
    }
    drop(f);
    let big = env.dir.path().join("big.csv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("calma"))
        .env("CALMA_DB", env.db())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .args(["ingest", "--verbose", "--commit-every", "1000"])
        .arg(&big)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Wait for the first commit to be reported, then kill without warning.
    loop {
        let line = lines
            .next()
            .expect("ingest ended before its first commit")
            .unwrap();
        if line.starts_with("committed") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let partial: i64 = conn
        .query_row("SELECT COUNT(*) FROM comments", [], |r| r.get(0))
        .unwrap();
    assert!(
        partial >= 1000 && partial % 1000 == 0,
        "{partial} rows after the kill"
    );
    drop(conn);

    env.calma().arg("ingest").arg(&big).assert().code(0);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let (total, distinct): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM comments",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((total, distinct), (n, n));
}

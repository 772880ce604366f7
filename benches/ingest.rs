//! Ingest throughput, side by side with the sqlite3 command line's `.import` of the same CSV.
//!
//! Generates 1,000,000 synthetic comments (`CALMA_BENCH_N` to change) as CSV and NDJSON under
//! `target/bench-data/`, then times, each in a fresh database:
//! - `calma ingest` of the CSV and of the NDJSON (release build, classification included);
//! - the same pipeline on the CSV with the classifier replaced by a stand-in that costs next to
//!   nothing but hands the writer verdicts of the same shape: the writer side on its own
//!   (this bench binary runs itself as a child process for it);
//! - `sqlite3` `.import --csv` of the same CSV into a table with the columns of calma's
//!   `comments` and the same indexes, with the same pragmas (WAL, `synchronous=NORMAL`, the
//!   bulk page cache). The CSV has 7 of the 23 columns, so it goes in through a view whose
//!   trigger fills the others as calma would (received time, source, state, a due time from
//!   the creation time, a tag, a random 64-bit fingerprint); the author's name stands in for
//!   calma's author id. The one thing the baseline does not write is the classifier's
//!   explanation JSON.
//!
//! Peak RSS comes from `/usr/bin/time`; rows whose tool is missing are skipped with a note.
//! Run with `cargo bench --bench ingest`. Figures go to BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use calma::domain::{AuthorHistory, Classification, Comment, Flags, Lang, RuleHit, Scores, Tag};
use calma::ingest::pipeline::{self, Tagger};

const BASELINE_SCHEMA: &str = "PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE comments (id INTEGER PRIMARY KEY, platform TEXT NOT NULL, external_id TEXT NOT NULL,
  thread_id TEXT, parent_id TEXT, author TEXT, text TEXT NOT NULL, created_at TEXT,
  edited_at TEXT, received_at TEXT NOT NULL, url TEXT, lang TEXT, rating INTEGER,
  is_brand INTEGER NOT NULL DEFAULT 0, hidden INTEGER NOT NULL DEFAULT 0,
  fingerprint INTEGER NOT NULL DEFAULT 0, tag TEXT NOT NULL DEFAULT 'other',
  flags INTEGER NOT NULL DEFAULT 0, sentiment REAL NOT NULL DEFAULT 0, explain TEXT,
  source TEXT, state TEXT DEFAULT 'new', due_at INTEGER NOT NULL DEFAULT 9223372036854775807,
  case_of INTEGER, UNIQUE (platform, external_id));
CREATE INDEX comments_author ON comments (author);
CREATE INDEX comments_thread ON comments (platform, thread_id, author);
CREATE INDEX comments_fingerprint ON comments (fingerprint);
CREATE INDEX comments_due ON comments (due_at, id);
CREATE INDEX comments_tag_due ON comments (tag, due_at, id);
CREATE INDEX comments_open ON comments (state, tag, platform, due_at);
CREATE VIEW csv_in (id, platform, author, text, created_at, parent_id, thread_id) AS
  SELECT external_id, platform, author, text, created_at, parent_id, thread_id FROM comments;
CREATE TRIGGER csv_in_insert INSTEAD OF INSERT ON csv_in BEGIN
  INSERT INTO comments (platform, external_id, thread_id, parent_id, author, text, created_at,
    received_at, fingerprint, tag, state, due_at, source)
  VALUES (NEW.platform, NEW.id, NEW.thread_id, NULLIF(NEW.parent_id, ''), NEW.author, NEW.text,
    NEW.created_at, '2026-11-20T12:00:00.000Z', random(),
    CASE WHEN instr(NEW.text, '!') THEN 'complaint' ELSE 'other' END, 'new',
    CAST(unixepoch(NEW.created_at) AS INTEGER) * 1000 + 3600000, 'comments.csv')
  ON CONFLICT (platform, external_id) DO NOTHING;
END;
";

/// Stands in for the classifier when the writer is measured on its own: a fingerprint of the
/// raw text, and a verdict of the real one's shape (a tag, a score per tag, three rules with
/// spans, a pack version) at next to no cost.
struct StandIn;

impl Tagger for StandIn {
    type Analysis = u64;
    fn analyse(&self, c: &Comment) -> (u64, i64) {
        let h = calma::store::stable_hash(c.text.as_bytes());
        (h as u64, h)
    }
    fn decide(&self, h: &u64, _: &AuthorHistory) -> Classification {
        let tag = Tag::ALL[(*h % Tag::ALL.len() as u64) as usize];
        let spans: Vec<(usize, usize)> = (0..6).map(|i| (i * 20, i * 20 + 7)).collect();
        Classification {
            tag,
            flags: Flags::default(),
            sentiment: -0.25,
            lang: Lang::Other,
            scores: Scores::of_all(Tag::ALL.map(|t| if t == tag { 1.1 } else { 0.0 })),
            rules: [
                "en.complaint.breach",
                "en.complaint.several_cues",
                "en.spam.promo",
            ]
            .iter()
            .map(|r| RuleHit {
                rule: (*r).into(),
                spans: spans.clone().into(),
            })
            .collect(),
            pack_version: "builtin-1".into(),
        }
    }
}

/// The child process of the writer-only row: `<db> <input>`, the pipeline with [`StandIn`].
fn writer_only(db: &Path, input: &Path) {
    let req = pipeline::Request {
        paths: vec![input.to_owned()],
        format: None,
        opts: Default::default(),
        commit_every: pipeline::COMMIT_EVERY,
        now: "2026-11-20T12:00:00Z".parse().unwrap(),
        sla: Default::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let summary = rt
        .block_on(pipeline::run(db, req, Arc::new(StandIn), Arc::new(|_| {})))
        .unwrap();
    assert_eq!(summary.rejected, 0, "{:?}", summary.reject_messages);
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

fn ensure(path: &Path, n: u64, write: fn(std::fs::File, u64, u64) -> std::io::Result<()>) {
    if path.exists() {
        return;
    }
    let t = Instant::now();
    let tmp = path.with_extension("partial");
    write(std::fs::File::create(&tmp).unwrap(), n, 42).unwrap();
    std::fs::rename(&tmp, path).unwrap();
    eprintln!(
        "generated {} in {:.1}s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
}

/// What one run cost: wall seconds, and from `/usr/bin/time` when it exists, CPU seconds
/// (user + system: steadier than wall time on a shared, loaded machine) and peak RSS in MB.
struct Run {
    secs: f64,
    cpu: Option<f64>,
    rss: Option<f64>,
}

/// Runs a command under `/usr/bin/time` when it exists.
fn timed(mut cmd: Command, stdin: Option<&str>) -> Run {
    let rss_file = data_dir().join("rss.txt");
    let has_time = Path::new("/usr/bin/time").exists();
    let mut run = if has_time {
        let mut t = Command::new("/usr/bin/time");
        t.arg("-f").arg("%U %S %M").arg("-o").arg(&rss_file);
        t.arg(cmd.get_program());
        t.args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            if let Some(v) = v {
                t.env(k, v);
            }
        }
        t
    } else {
        std::mem::replace(&mut cmd, Command::new("true"))
    };
    run.stdout(std::process::Stdio::null());
    run.stderr(std::process::Stdio::null());
    let start = Instant::now();
    let status = match stdin {
        Some(input) => {
            use std::io::Write;
            let mut child = run.stdin(std::process::Stdio::piped()).spawn().unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
            child.wait().unwrap()
        }
        None => run.status().unwrap(),
    };
    let secs = start.elapsed().as_secs_f64();
    assert!(status.success() || status.code() == Some(3), "{status}");
    let fields: Vec<f64> = has_time
        .then(|| std::fs::read_to_string(&rss_file).ok())
        .flatten()
        .and_then(|s| {
            let line = s.trim().lines().last()?.to_owned();
            line.split_whitespace()
                .map(|f| f.parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .filter(|f| f.len() == 3)
        .unwrap_or_default();
    Run {
        secs,
        cpu: fields.first().map(|u| u + fields[1]),
        rss: fields.get(2).map(|kb| kb / 1024.0),
    }
}

fn fresh(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

fn main() {
    if std::env::var_os("CALMA_BENCH_CHILD").is_some() {
        let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
        writer_only(&args[0], &args[1]);
        return;
    }
    let n: u64 = std::env::var("CALMA_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join(format!("synthetic-{n}.csv"));
    let ndjson = dir.join(format!("synthetic-{n}.ndjson"));
    ensure(&csv, n, |f, n, s| {
        calma::synthetic::write_csv(std::io::BufWriter::new(f), n, s)
    });
    ensure(&ndjson, n, |f, n, s| {
        calma::synthetic::write_ndjson(std::io::BufWriter::new(f), n, s)
    });
    let calma = env!("CARGO_BIN_EXE_calma");
    let mut rows = Vec::new();
    for (name, input) in [
        ("calma ingest (CSV)", &csv),
        ("calma ingest (NDJSON)", &ndjson),
    ] {
        let db = dir.join("calma.db");
        fresh(&db);
        let mut cmd = Command::new(calma);
        cmd.arg("--db").arg(&db).arg("ingest").arg(input);
        cmd.env("CALMA_NOW", "2026-11-20T12:00:00Z");
        cmd.env("XDG_DATA_HOME", dir.join("xdg"));
        rows.push((name, timed(cmd, None)));
    }
    {
        let db = dir.join("writer.db");
        fresh(&db);
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.arg(&db).arg(&csv).env("CALMA_BENCH_CHILD", "writer");
        rows.push(("calma, classifier excl.", timed(cmd, None)));
    }
    let sqlite_ok = Command::new("sqlite3").arg("-version").output().is_ok();
    if sqlite_ok {
        let db = dir.join("baseline.db");
        fresh(&db);
        let script = format!(
            "{BASELINE_SCHEMA}PRAGMA cache_size = -{};\n.import --csv --skip 1 {} csv_in\n",
            calma::store::BULK_CACHE_KIB,
            csv.display()
        );
        let mut cmd = Command::new("sqlite3");
        cmd.arg(&db);
        rows.push(("sqlite3 .import (CSV)", timed(cmd, Some(&script))));
    } else {
        eprintln!("sqlite3 not found: the baseline row is skipped");
    }
    println!(
        "{:<24} {:>9} {:>12} {:>9} {:>12} {:>9}",
        "run", "seconds", "rows/s", "CPU s", "rows/CPU s", "peak RSS"
    );
    let opt = |v: Option<f64>, unit: &str, digits: usize| {
        v.map(|v| format!("{v:.digits$}{unit}"))
            .unwrap_or_else(|| "-".into())
    };
    for (name, r) in &rows {
        println!(
            "{name:<24} {:>9.2} {:>12.0} {:>9} {:>12} {:>9}",
            r.secs,
            n as f64 / r.secs,
            opt(r.cpu, "", 2),
            opt(r.cpu.map(|c| n as f64 / c), "", 0),
            opt(r.rss, " MB", 0),
        );
    }
    let find = |name: &str| rows.iter().find(|r| r.0 == name).map(|r| &r.1);
    let base = find("sqlite3 .import (CSV)");
    for (name, label) in [
        ("calma ingest (CSV)", "calma CSV"),
        ("calma ingest (NDJSON)", "calma NDJSON"),
        ("calma, classifier excl.", "calma without the classifier"),
    ] {
        if let (Some(c), Some(b)) = (find(name), base) {
            let cpu = match (c.cpu, b.cpu) {
                (Some(c), Some(b)) => format!(", by CPU time {:.2}x", b / c),
                _ => String::new(),
            };
            println!("{label} / sqlite3 .import = {:.2}x{cpu}", b.secs / c.secs);
        }
    }
}

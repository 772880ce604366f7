//! Ingest throughput, side by side with the sqlite3 command line's `.import` of the same CSV.
//!
//! Generates 1,000,000 synthetic comments (`CALMA_BENCH_N` to change) as CSV and NDJSON under
//! `target/bench-data/`, then times, each in a fresh database:
//! - `calma ingest` of the CSV and of the NDJSON (release build, classification included);
//! - `sqlite3` `.import --csv` of the same CSV into a table with the same columns and the
//!   indexes that correspond to calma's (unique platform + id, time, author, thread).
//!
//! Peak RSS comes from `/usr/bin/time`; rows whose tool is missing are skipped with a note.
//! Run with `cargo bench --bench ingest`. Figures go to BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const BASELINE_SCHEMA: &str = "PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE comments(external_id TEXT NOT NULL, platform TEXT NOT NULL, author TEXT,
  text TEXT NOT NULL, created_at TEXT, parent_id TEXT, thread_id TEXT);
CREATE UNIQUE INDEX ux_platform_id ON comments(platform, external_id);
CREATE INDEX ix_created ON comments(created_at);
CREATE INDEX ix_author ON comments(author);
CREATE INDEX ix_thread ON comments(platform, thread_id);
";

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

/// Runs a command under `/usr/bin/time` when it exists; returns (seconds, peak RSS in MB).
fn timed(mut cmd: Command, stdin: Option<&str>) -> (f64, Option<f64>) {
    let rss_file = data_dir().join("rss.txt");
    let has_time = Path::new("/usr/bin/time").exists();
    let mut run = if has_time {
        let mut t = Command::new("/usr/bin/time");
        t.arg("-f").arg("%M").arg("-o").arg(&rss_file);
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
    let rss = has_time
        .then(|| std::fs::read_to_string(&rss_file).ok())
        .flatten()
        .and_then(|s| s.trim().lines().last()?.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (secs, rss)
}

fn fresh(path: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

fn main() {
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
        let (secs, rss) = timed(cmd, None);
        rows.push((name, secs, rss));
    }
    let sqlite_ok = Command::new("sqlite3").arg("-version").output().is_ok();
    if sqlite_ok {
        let db = dir.join("baseline.db");
        fresh(&db);
        let script = format!(
            "{BASELINE_SCHEMA}.import --csv --skip 1 {} comments\n",
            csv.display()
        );
        let mut cmd = Command::new("sqlite3");
        cmd.arg(&db);
        let (secs, rss) = timed(cmd, Some(&script));
        rows.push(("sqlite3 .import (CSV)", secs, rss));
    } else {
        eprintln!("sqlite3 not found: the baseline row is skipped");
    }
    println!(
        "{:<24} {:>9} {:>12} {:>11}",
        "run", "seconds", "rows/s", "peak RSS"
    );
    for (name, secs, rss) in &rows {
        println!(
            "{name:<24} {secs:>9.2} {:>12.0} {:>11}",
            n as f64 / secs,
            rss.map(|r| format!("{r:.0} MB"))
                .unwrap_or_else(|| "-".into())
        );
    }
    if let (Some(c), Some(b)) = (
        rows.iter().find(|r| r.0 == "calma ingest (CSV)"),
        rows.iter().find(|r| r.0 == "sqlite3 .import (CSV)"),
    ) {
        println!("calma CSV / sqlite3 .import = {:.2}x", b.1 / c.1);
    }
}

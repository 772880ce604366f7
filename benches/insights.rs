//! Insights on a 1,000,000-comment database: `calma stats` and the crisis radar's update after
//! an ingest batch of 1,000 comments.
//!
//! Builds the database once under `target/bench-data/insights-<N>.db` (`CALMA_BENCH_N` to
//! change N) from `calma::synthetic` through `IngestWriter`, with tags set by a hash of the id,
//! workflow actions on one case in fifty (acknowledged by four operators; one in two hundred
//! taken to private, resolved and verified), and the insight tables filled; reuses it when
//! present. Each run appends its batches to a copy, so the stored database stays as built.
//! Last, the first radar update on a database filled without it (stem table emptied).
//! Run with `cargo bench --bench insights`. Figures go to BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use calma::domain::{AuthorHistory, AuthorRef, Classification, Comment, Lang, Platform, Tag};
use calma::insights::{self, RadarConfig};
use calma::store::{IngestWriter, Store, stable_hash};
use calma::synthetic::{self, Rng, SynthComment};
use calma::workflow::{Action, Channel, SlaConfig};
use chrono::{DateTime, Duration, Utc};

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

fn to_comment(s: &SynthComment) -> Comment {
    let mut c = Comment::new(
        Platform::from_loose(s.platform),
        s.id.clone(),
        s.text.clone(),
    );
    c.author = AuthorRef {
        id: Some(s.author.clone()),
        handle: None,
        name: None,
    };
    c.thread_id = Some(s.thread_id.clone());
    c.parent_id = s.parent_id.clone();
    c.created_at = s.created_at.parse().ok();
    c
}

/// The verdict a classifier might give, from a hash of the id (the classifier is not what is
/// measured here).
fn verdict(id: &str) -> Classification {
    let mut v = Classification::unclassified(Lang::Other);
    let (tag, sentiment) = match stable_hash(id.as_bytes()).rem_euclid(20) {
        0..=3 => (Tag::Complaint, -0.6),
        4 => (Tag::Troll, -0.8),
        5 => (Tag::Oportunista, -0.2),
        6 | 7 => (Tag::Constructive, 0.1),
        _ => (Tag::Other, 0.3),
    };
    v.tag = tag;
    v.sentiment = sentiment;
    v
}

/// Ingests comments `from..to` of the stream; returns the time of the last one.
fn ingest(store: &Store, rng: &mut Rng, from: u64, to: u64) -> DateTime<Utc> {
    let mut w = IngestWriter::new(store, SlaConfig::default()).unwrap();
    let received = Utc::now();
    let mut last = DateTime::UNIX_EPOCH;
    for i in from..to {
        let s = synthetic::comment(rng, i);
        let c = to_comment(&s);
        last = last.max(c.created_at.unwrap_or(last));
        let v = verdict(&s.id);
        w.write(&c, 0, &mut |_: &AuthorHistory| v.clone(), "bench", received)
            .unwrap();
        if i % 50_000 == 49_999 {
            w.commit().unwrap();
        }
    }
    w.finish().unwrap();
    last
}

/// Workflow actions on one case in fifty.
fn act(store: &Store, n: u64) {
    let sla = SlaConfig::default();
    let mut rng = Rng::new(5);
    for id in (1..=n as i64).step_by(50) {
        // Comments attached to another case (a customer writing again) are not cases.
        if store.comment(id).map_or(true, |c| c.state.is_none()) {
            continue;
        }
        let Ok(case) = store.case(id) else { continue };
        let op = format!("op{}", id % 4);
        let t0 = case.opened_at + Duration::minutes(5 + rng.below(180) as i64);
        if store
            .act(id, &Action::Acknowledge, &op, t0, &sla, None)
            .is_err()
        {
            continue;
        }
        if id % 200 != 1 {
            continue;
        }
        let t1 = t0 + Duration::hours(1);
        let private = Action::MoveToPrivate {
            channel: Channel::Dm,
            contact: "dm".into(),
        };
        let t2 = t1 + Duration::hours(6);
        let resolve = Action::Resolve {
            note: "fixed".into(),
            follow_up_at: Some(t2 + Duration::days(3)),
        };
        let steps = [
            (private, t1),
            (resolve, t2),
            (Action::Verify, t2 + Duration::days(3)),
        ];
        for (a, t) in steps {
            if store.act(id, &a, &op, t, &sla, None).is_err() {
                break;
            }
        }
    }
}

fn build(path: &Path, n: u64) {
    let t = Instant::now();
    let tmp = path.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    {
        let store = Store::open(&tmp).unwrap();
        store.set_bulk_cache().unwrap();
        ingest(&store, &mut Rng::new(42), 0, n);
        eprintln!("ingested {n} in {:.1}s", t.elapsed().as_secs_f64());
        act(&store, n);
        eprintln!("acted by {:.1}s", t.elapsed().as_secs_f64());
        insights::refresh(&store).unwrap();
        eprintln!("insight tables by {:.1}s", t.elapsed().as_secs_f64());
    }
    for ext in ["partial-wal", "partial-shm"] {
        let _ = std::fs::remove_file(path.with_extension(ext));
    }
    std::fs::rename(&tmp, path).unwrap();
}

/// The first radar update on a database filled without it (as after the migration that
/// added the insight tables): the stem table empty, its watermark at zero.
fn first_update_without_stems(work: &Path, cfg: &RadarConfig, now: DateTime<Utc>) -> f64 {
    let conn = rusqlite::Connection::open(work).unwrap();
    conn.execute_batch(
        "DELETE FROM insight_terms; DELETE FROM insight_stems; \
         DELETE FROM insight_marks WHERE name LIKE 'terms%'; \
         INSERT INTO insight_marks (name, value) VALUES ('terms', 0);",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(work).unwrap();
    secs(|| {
        insights::radar_update(&store, cfg, now).unwrap();
    })
}

fn secs(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn main() {
    let n: u64 = std::env::var("CALMA_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let built = dir.join(format!("insights-{n}.db"));
    if !built.exists() {
        build(&built, n);
    }
    let work = dir.join(format!("insights-{n}-run.db"));
    for ext in ["db", "db-wal", "db-shm"] {
        let _ = std::fs::remove_file(work.with_extension(ext));
    }
    std::fs::copy(&built, &work).unwrap();
    let store = Store::open(&work).unwrap();
    let sla = SlaConfig::default();
    // The stream's last comment was posted about 3n seconds after its start.
    let mut now = DateTime::from_timestamp(1_763_000_000 + 3 * n as i64 + 120, 0).unwrap();
    let since = now - Duration::days(30);

    let mut stats_times = Vec::new();
    for _ in 0..5 {
        stats_times.push(secs(|| {
            let s = insights::stats(&store, &sla, since, now).unwrap();
            assert!(s.first_response.answered > 0);
        }));
    }
    let cfg = RadarConfig::default();
    let first = secs(|| {
        insights::radar_update(&store, &cfg, now).unwrap();
    });
    let mut rng = Rng::new(4242);
    let checkpoint = rusqlite::Connection::open(&work).unwrap();
    let (mut ingest_times, mut wal_times, mut radar_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut refresh_times, mut detect_times) = (Vec::new(), Vec::new());
    for b in 0..7u64 {
        let from = n + b * 1000;
        let mut last = now;
        ingest_times.push(secs(|| last = ingest(&store, &mut rng, from, from + 1000)));
        // The batch's pages go from the WAL into the database file: the ingest's cost, paid by
        // whichever commit comes next when left to SQLite's auto-checkpoint.
        wal_times.push(secs(|| {
            checkpoint
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .unwrap();
        }));
        now = last + Duration::seconds(30);
        let t = Instant::now();
        insights::refresh(&store).unwrap();
        refresh_times.push(t.elapsed().as_secs_f64());
        let t2 = Instant::now();
        insights::radar_update(&store, &cfg, now).unwrap();
        detect_times.push(t2.elapsed().as_secs_f64());
        radar_times.push(t.elapsed().as_secs_f64());
    }
    drop(checkpoint);
    drop(store);
    let cold = first_update_without_stems(&work, &cfg, now);
    let ms = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        format!(
            "median {:.1} ms (min {:.1}, max {:.1})",
            v[v.len() / 2] * 1e3,
            v[0] * 1e3,
            v[v.len() - 1] * 1e3
        )
    };
    println!("insights on {n} comments ({})", built.display());
    println!(
        "  stats (since 30d), 5 runs:              {}",
        ms(&stats_times)
    );
    println!(
        "  radar update, nothing new:              {:.1} ms",
        first * 1e3
    );
    println!(
        "  ingest of a 1,000-comment batch:        {}",
        ms(&ingest_times)
    );
    println!(
        "  WAL checkpoint after the batch:         {}",
        ms(&wal_times)
    );
    println!(
        "  first radar update, stem table empty:   {:.1} ms",
        cold * 1e3
    );
    println!(
        "  radar update after the batch, 7 runs:   {}",
        ms(&radar_times)
    );
    println!(
        "    of which the tables' refresh:         {}",
        ms(&refresh_times)
    );
    println!(
        "    of which baseline, window, alerts:    {}",
        ms(&detect_times)
    );
}

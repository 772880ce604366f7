//! The inbox on a database of a million comments: time to the first frame with rows, key press
//! to redrawn frame (scrolling, paging, jumping to the ends, switching queues, opening cases)
//! and peak RSS. Store requests are answered synchronously inside the timed span, so the
//! figures include the SQL, not only the drawing.
//!
//! `cargo bench --bench tui` (CALMA_BENCH_COMMENTS sets the size; the database is generated
//! once into target/bench-data and reused).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use calma::domain::{AuthorRef, Classification, Comment, Flag, Flags, Lang, Platform, Tag};
use calma::store::{IngestWriter, Store};
use calma::tui::app::{Action, App, Effect, Request, update};
use calma::tui::keymap::Keymap;
use calma::tui::view;
use calma::tui::worker::Worker;
use calma::workflow::SlaConfig;
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: &str = "2026-11-20T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().expect("NOW")
}

const WORDS: [&str; 24] = [
    "order", "delivery", "refund", "late", "broken", "thanks", "great", "price", "discount",
    "support", "never", "arrived", "charger", "screen", "battery", "store", "staff", "app",
    "update", "tracking", "NB-48213", "please", "again", "week",
];

fn generate(db: &Path, n: u64) {
    let store = Store::open(db).expect("open");
    store.set_bulk_cache().expect("cache");
    let mut w = IngestWriter::new(&store, SlaConfig::default()).expect("writer");
    let start = Instant::now();
    for i in 0..n {
        let platform = Platform::ALL[(i % 6) as usize];
        let mut c = Comment::new(platform, format!("c{i}"), text(i));
        c.author = AuthorRef {
            id: Some(format!("a{}", i % 50_000)),
            handle: None,
            name: Some(format!("Author {}", i % 50_000)),
        };
        c.thread_id = Some(format!("t{}", i % 20_000));
        c.created_at = Some(now() - Duration::seconds((n - i) as i64 * 2));
        let tag = match i % 10 {
            0..=2 => Tag::Complaint,
            3 => Tag::Troll,
            4 => Tag::Oportunista,
            5 => Tag::Constructive,
            _ => Tag::Other,
        };
        let mut decide = |_: &_| {
            let mut v = Classification::unclassified(Lang::En);
            v.tag = tag;
            if tag == Tag::Oportunista {
                v.flags = Flags::from_iter([Flag::AsksCompensation]);
            }
            v
        };
        w.write(&c, 0, &mut decide, "bench", now()).expect("write");
        if i % 200_000 == 199_999 {
            w.commit().expect("commit");
            eprintln!("  generated {} comments in {:?}", i + 1, start.elapsed());
        }
    }
    w.finish().expect("finish");
}

fn text(i: u64) -> String {
    let mut s = String::new();
    let mut x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    for _ in 0..(8 + i % 20) {
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        s.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
        s.push(' ');
    }
    s
}

fn key(c: KeyCode) -> KeyEvent {
    let m = match c {
        KeyCode::Char(ch) if ch.is_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(c, m)
}

/// Runs effects as the loop would, with the worker answering at once; counts, figures and the
/// radar are left to the caller (the real loop gets them from the second connection's thread,
/// off the UI path).
fn run(app: &mut App, worker: &Worker, mut fx: Vec<Effect>, counts: &mut u32) {
    while !fx.is_empty() {
        let mut next = vec![];
        for e in fx {
            match e {
                Effect::Store(Request::Counts | Request::Radar | Request::Stats) => *counts += 1,
                Effect::Store(r) => next.extend(update(app, Action::Loaded(worker.handle(r)))),
                _ => {}
            }
        }
        fx = next;
    }
}

fn peak_rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn pct(sorted: &[StdDuration], p: f64) -> StdDuration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = std::env::var("CALMA_BENCH_COMMENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let db = dir.join(format!("tui-{n}.db"));
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        generate(Path::new(&args[i + 1]), n);
        return;
    }
    if !db.exists() {
        // A child process generates it, so the peak RSS measured here is the inbox's own.
        let tmp = dir.join(format!("tui-{n}.db.part"));
        let _ = std::fs::remove_file(&tmp);
        eprintln!("generating {n} comments into {} (once)", db.display());
        let t = Instant::now();
        let st = std::process::Command::new(std::env::current_exe().expect("exe"))
            .arg("--generate")
            .arg(&tmp)
            .status()
            .expect("generator");
        assert!(st.success(), "generation failed");
        std::fs::rename(&tmp, &db).expect("rename");
        for ext in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
        }
        eprintln!("generated in {:?}", t.elapsed());
    }

    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let mut counts = 0;
        let t0 = Instant::now();
        let worker = Worker::new(
            Store::open(&db).expect("open"),
            "bench",
            SlaConfig::default(),
            Arc::new(now),
        );
        let mut app = App::new(Keymap::default(), SlaConfig::default(), now(), (w, h));
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let fx = app.start();
        run(&mut app, &worker, fx, &mut counts);
        term.draw(|f| view::draw(f, &app)).expect("draw");
        let first = t0.elapsed();
        assert!(!app.list.rows.is_empty(), "no rows on the first frame");
        let tc = Instant::now();
        let resp = worker.handle(Request::Counts);
        let count_time = tc.elapsed();
        let fx = update(&mut app, Action::Loaded(resp));
        run(&mut app, &worker, fx, &mut counts);
        let tr = Instant::now();
        let resp = worker.handle(Request::Radar);
        let radar_time = tr.elapsed();
        let fx = update(&mut app, Action::Loaded(resp));
        run(&mut app, &worker, fx, &mut counts);

        // (what the key does, the key)
        let mut script: Vec<(&str, KeyCode)> = vec![];
        let mut add = |what: &'static str, k: KeyCode, n: usize| {
            script.extend(std::iter::repeat_n((what, k), n));
        };
        add("scroll", KeyCode::Char('j'), 400);
        add("page", KeyCode::PageDown, 40);
        add("scroll", KeyCode::Char('k'), 200);
        add("page", KeyCode::PageUp, 40);
        add("ends", KeyCode::Char('G'), 1);
        add("scroll", KeyCode::Char('k'), 50);
        add("ends", KeyCode::Char('g'), 1);
        for _ in 0..14 {
            add("switch queue", KeyCode::Tab, 1);
            add("scroll", KeyCode::Char('j'), 10);
        }
        for _ in 0..30 {
            add("scroll", KeyCode::Char('j'), 1);
            add("open case", KeyCode::Enter, 1);
            add("close case", KeyCode::Esc, 1);
        }
        let mut times: Vec<StdDuration> = Vec::with_capacity(script.len());
        let mut by_kind: std::collections::BTreeMap<&str, Vec<StdDuration>> = Default::default();
        for (what, code) in script {
            let t = Instant::now();
            if let Some(a) = app.action_for_key(key(code)) {
                let fx = update(&mut app, a);
                run(&mut app, &worker, fx, &mut counts);
            }
            term.draw(|f| view::draw(f, &app)).expect("draw");
            let d = t.elapsed();
            times.push(d);
            by_kind.entry(what).or_default().push(d);
        }
        times.sort();
        println!(
            "tui {w}x{h} on {n} comments: first frame {:.1} ms; key→frame p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} keys; queue counts {:.1} ms, radar {:.1} ms (both off the UI path)",
            first.as_secs_f64() * 1e3,
            pct(&times, 0.5).as_secs_f64() * 1e3,
            pct(&times, 0.99).as_secs_f64() * 1e3,
            times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            times.len(),
            count_time.as_secs_f64() * 1e3,
            radar_time.as_secs_f64() * 1e3,
        );
        for (what, mut t) in by_kind {
            t.sort();
            println!(
                "  {what:>12}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} keys)",
                pct(&t, 0.5).as_secs_f64() * 1e3,
                pct(&t, 0.99).as_secs_f64() * 1e3,
                t.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
                t.len()
            );
        }
        for q in calma::store::Queue::ALL {
            let t = Instant::now();
            let rows = worker.store.queue_page(q, None, 88, now()).expect("page");
            println!(
                "  first page of {:>14}: {:.1} ms ({} rows)",
                q.as_str(),
                t.elapsed().as_secs_f64() * 1e3,
                rows.len()
            );
        }
    }
    if let Some(kb) = peak_rss_kb() {
        println!("peak RSS {:.1} MB", kb as f64 / 1024.0);
    }
}

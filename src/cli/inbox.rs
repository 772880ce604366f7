//! `calma inbox [--watch DIR]`: the TUI over the database, with the keymap from `keys.toml`
//! and, with `--watch`, an ingest task that reads every file dropped into DIR.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context;
use clap::Args;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::{Ctx, EXIT_OK};
use crate::ingest::pipeline::{self, Request as IngestRequest};
use crate::store::Store;
use crate::tui::app::App;
use crate::tui::keymap::Keymap;
use crate::tui::run::{Wiring, run};
use crate::tui::worker::{ClockFn, Worker};
use crate::workflow::SlaConfig;

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Ingest every file dropped into DIR while the inbox is open
    #[arg(long, value_name = "DIR")]
    pub watch: Option<PathBuf>,
}

/// The keymap: defaults, overridden per key by `keys.toml` when it exists.
pub fn load_keymap(path: Option<&Path>) -> anyhow::Result<Keymap> {
    let Some(path) = path else {
        return Ok(Keymap::default());
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Keymap::from_toml(&text).with_context(|| path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}

/// `CALMA_NOW` when set (a frozen clock for demos and tests), else the system time.
pub fn clock(ctx: &Ctx) -> ClockFn {
    let fixed = std::env::var("CALMA_NOW")
        .is_ok_and(|s| !s.trim().is_empty())
        .then_some(ctx.now);
    Arc::new(move || fixed.unwrap_or_else(chrono::Utc::now))
}

pub fn run_cmd(ctx: &Ctx, args: InboxArgs) -> anyhow::Result<u8> {
    let keymap = load_keymap(ctx.beside_config("keys.toml").as_deref())?;
    open_inbox(ctx, keymap, args.watch)
}

/// Opens the inbox on `ctx.db` (used by `calma demo` too).
pub fn open_inbox(ctx: &Ctx, keymap: Keymap, watch: Option<PathBuf>) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let sla = ctx.config.sla.clone();
    let clock = clock(ctx);
    let guide = super::act::load_guide(ctx)?;
    let mut app = App::new(keymap, sla.clone(), clock(), (80, 24));
    app.guide = guide.clone();
    let mut worker = Worker::new(store, ctx.operator.clone(), sla, clock.clone());
    worker.radar = ctx.config.radar.clone();
    worker.guide = guide;
    let opts = super::ingest::read_options(ctx, None, &[])?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let db = ctx.db.clone();
    let sla_watch = ctx.config.sla.clone();
    rt.block_on(async move {
        let (notices, _watcher) = match watch {
            Some(dir) => {
                let (tx, rx) = mpsc::unbounded_channel();
                let w = watch_dir(&dir, db, opts, sla_watch, clock.clone(), tx)?;
                (Some(rx), Some(w))
            }
            None => (None, None),
        };
        run(
            app,
            Wiring {
                worker,
                clock,
                notices,
            },
        )
        .await
    })?;
    Ok(EXIT_OK)
}

/// Watches `dir`; each file created, moved in or finished writing there is ingested into `db`
/// by a tokio task, and a one-line notice goes to the inbox.
fn watch_dir(
    dir: &Path,
    db: PathBuf,
    opts: crate::ingest::ReadOptions,
    sla: SlaConfig,
    clock: ClockFn,
    notices: mpsc::UnboundedSender<String>,
) -> anyhow::Result<notify::RecommendedWatcher> {
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev
            && matches!(
                ev.kind,
                EventKind::Create(_)
                    | EventKind::Modify(notify::event::ModifyKind::Name(_))
                    | EventKind::Access(notify::event::AccessKind::Close(
                        notify::event::AccessMode::Write
                    ))
            )
        {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            // Gather what arrives together (a copy fires several events per file).
            let mut paths = BTreeSet::from([first]);
            while let Ok(Some(p)) =
                tokio::time::timeout(StdDuration::from_millis(200), rx.recv()).await
            {
                paths.insert(p);
            }
            let paths: Vec<PathBuf> = paths
                .into_iter()
                .filter(|p| {
                    p.is_file()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            if paths.is_empty() {
                continue;
            }
            let names: Vec<String> = paths
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let req = IngestRequest {
                paths,
                format: None,
                opts: opts.clone(),
                commit_every: pipeline::COMMIT_EVERY,
                now: clock(),
                sla: sla.clone(),
            };
            let note = match pipeline::run(
                &db,
                req,
                Arc::new(crate::classify::Classifier::builtin()),
                Arc::new(|_| {}),
            )
            .await
            {
                Ok(s) => format!("ingested {}: {}", names.join(", "), s.line()),
                Err(e) => format!("ingest of {} failed: {e}", names.join(", ")),
            };
            tracing::info!("{note}");
            if notices.send(note).is_err() {
                return;
            }
        }
    });
    Ok(watcher)
}

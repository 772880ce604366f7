//! `calma ingest`: read files and folders into the database, with a progress bar on a terminal
//! and a one-line summary at the end.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Ctx, EXIT_OK, EXIT_REJECTS, EXIT_USAGE};
use crate::ingest::pipeline::{self, Progress, Request, Summary};
use crate::ingest::{self, ReadOptions};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or folders (read recursively, in name order)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The reader to use: auto (detect each file by its content) or a reader's name
    #[arg(long, short, default_value = "auto", value_name = "F")]
    pub format: String,

    /// Time zone for timestamps written without one (IANA name, e.g. Europe/Madrid)
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Our own identities (handles, page ids), comma-separated, added to the config's [brand]
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub brand: Vec<String>,

    /// A rule pack that extends or overrides the built-in ones
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Records per transaction
    #[arg(long, default_value_t = pipeline::COMMIT_EVERY, hide = true)]
    pub commit_every: u64,

    /// Print a line per file and per commit on stderr
    #[arg(long, short)]
    pub verbose: bool,

    /// Print the summary as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// Builds the reader options from the flags and the configuration.
pub fn read_options(ctx: &Ctx, tz: Option<&str>, brand: &[String]) -> anyhow::Result<ReadOptions> {
    let tz = match tz {
        Some(t) => Some(
            t.parse()
                .map_err(|_| anyhow::anyhow!("--tz: unknown time zone {t:?}"))?,
        ),
        None => ctx.config.tz()?,
    };
    let mut brand_ids = ctx.config.brand_ids()?;
    brand_ids.any.extend(brand.iter().cloned());
    Ok(ReadOptions {
        tz,
        brand: brand_ids,
        default_platform: None,
    })
}

pub fn run(ctx: &Ctx, args: IngestArgs) -> anyhow::Result<u8> {
    if args.format != "auto" && ingest::reader_by_name(&args.format).is_none() {
        eprintln!(
            "calma: unknown format {:?}; use auto or one of: {}",
            args.format,
            ingest::reader_names().join(", ")
        );
        return Ok(EXIT_USAGE);
    }
    let opts = read_options(ctx, args.tz.as_deref(), &args.brand)?;
    let paths = match ingest::expand_paths(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("calma: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    let req = Request {
        paths,
        format: (args.format != "auto").then(|| args.format.clone()),
        opts,
        commit_every: args.commit_every.max(1),
        now: ctx.now,
        sla: ctx.config.sla.clone(),
    };
    let bar = (std::io::stderr().is_terminal() && !args.verbose).then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {pos} records  {per_sec}  {wide_msg}")
                .expect("static template"),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let verbose = args.verbose;
    let bar2 = bar.clone();
    let progress = Arc::new(move |p: Progress| match p {
        Progress::File { path, reader } => {
            if verbose {
                eprintln!("read {} ({reader})", path.display());
            }
            if let Some(b) = &bar2 {
                b.set_message(path.display().to_string());
            }
        }
        Progress::Written(n) => {
            if let Some(b) = &bar2 {
                b.set_position(n);
            }
        }
        Progress::Committed(n) => {
            if verbose {
                eprintln!("committed {n}");
            }
        }
    });
    let tagger = Arc::new(match &args.rules {
        Some(p) => crate::classify::Classifier::with_user_pack(p)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => crate::classify::Classifier::builtin(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let summary = rt.block_on(pipeline::run(&ctx.db, req, tagger, progress))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report(&summary, args.json)
}

/// Prints the summary and picks the exit code: 2 when a file could not be read at all, 3 when
/// records were rejected, else 0.
fn report(s: &Summary, json: bool) -> anyhow::Result<u8> {
    for m in &s.reject_messages {
        eprintln!("rejected: {m}");
    }
    if s.rejected > s.reject_messages.len() as u64 {
        eprintln!(
            "… and {} more rejected records (all kept in the rejects table)",
            s.rejected - s.reject_messages.len() as u64
        );
    }
    for e in &s.empty {
        eprintln!("{e}: empty file, nothing to read");
    }
    for e in &s.unreadable {
        eprintln!("calma: {e}");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
    }
    eprintln!("{}", s.line());
    Ok(if !s.unreadable.is_empty() {
        EXIT_USAGE
    } else if s.rejected > 0 {
        EXIT_REJECTS
    } else {
        EXIT_OK
    })
}

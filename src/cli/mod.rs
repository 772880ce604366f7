//! Command-line interface: clap commands, configuration, tracing set-up and wiring.
//!
//! Each command lives in its own module and returns the process exit code: 0 success, 2 usage
//! or unreadable input, 3 finished but some records were rejected.

mod act;
mod classify;
pub mod config;
mod demo;
mod export;
mod inbox;
mod ingest;
mod query;
mod stats;
mod templates;
mod topics;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use config::Config;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: bad usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: finished, but some records were rejected.
pub const EXIT_REJECTS: u8 = 3;

/// calma: a terminal moderation inbox for community managers.
///
/// Reads comments from platform exports and JSON/CSV files into a local SQLite database, tags
/// each one with explainable rules, and steps you through acknowledge → private → resolve →
/// follow up. CALMA_NOW (RFC 3339) fixes the clock for tests and demos.
#[derive(Debug, Parser)]
#[command(name = "calma", version, about, long_about = None)]
pub struct Cli {
    /// The database file [default: $CALMA_DB, else calma.db in the platform data directory]
    #[arg(long, global = true, env = "CALMA_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The configuration file [default: config.toml in the platform config directory]
    #[arg(long, global = true, env = "CALMA_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Who is at the keyboard, for the audit log [default: from the config, else $USER]
    #[arg(long, global = true, value_name = "NAME")]
    pub operator: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read files or folders of comments into the database (formats detected by content)
    Ingest(ingest::IngestArgs),
    /// List stored comments
    List(query::ListArgs),
    /// Show one comment: its text, every version, its classification
    Show(query::ShowArgs),
    /// Write stored data out as JSON or CSV
    Export(export::ExportArgs),
    /// Classify comments from a file (or - for stdin) without touching the database
    Classify(classify::ClassifyArgs),
    /// Work with rule packs
    Rules(classify::RulesArgs),
    /// Precision, recall and F1 per tag against a CSV labelled with calma's tags
    Eval(classify::EvalArgs),
    /// Run the rules again over the stored comments; print and write the verdicts that change
    Reclassify(classify::ReclassifyArgs),
    /// Take one workflow step on a case, with the same rules as the inbox
    Act(act::ActArgs),
    /// Follow-ups due and response-time breaches, for cron
    Remind(act::RemindArgs),
    /// The communication guide: `templates check FILE` validates one
    Templates(templates::TemplatesArgs),
    /// Response times, backlog, time per workflow step, follow-ups and the tag mix
    Stats(stats::StatsArgs),
    /// The content backlog: recurring complaint topics with counts, trend and examples
    Topics(topics::TopicsArgs),
    /// The inbox: queues, cases and the workflow in the terminal (`?` lists the keys)
    Inbox(inbox::InboxArgs),
    /// A fresh demo database from the bundled fixtures (a temporary file unless --db), then the inbox
    Demo(demo::DemoArgs),
}

/// What every command gets: the parsed global options and the loaded configuration.
pub struct Ctx {
    pub db: PathBuf,
    pub config: Config,
    pub operator: String,
    /// The clock: `CALMA_NOW` when set, else the system time.
    pub now: chrono::DateTime<chrono::Utc>,
    /// `--config` when given: the guide and the keymap live beside it.
    pub config_path: Option<PathBuf>,
}

impl Ctx {
    /// A file that lives beside the configuration (`guide.toml`, `keys.toml`).
    pub fn beside_config(&self, name: &str) -> Option<PathBuf> {
        match &self.config_path {
            Some(c) => Some(c.with_file_name(name)),
            None => config::default_config_path().map(|p| p.with_file_name(name)),
        }
    }
}

impl Ctx {
    fn new(cli: &Cli) -> anyhow::Result<Ctx> {
        let config = Config::load(cli.config.as_deref())?;
        let db = cli
            .db
            .clone()
            .unwrap_or_else(|| config::data_dir().join("calma.db"));
        let operator = cli
            .operator
            .clone()
            .or_else(|| config.operator.clone())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "operator".into());
        Ok(Ctx {
            db,
            config,
            operator,
            now: now()?,
            config_path: cli.config.clone(),
        })
    }
}

/// The current time, or `CALMA_NOW` when it is set.
pub fn now() -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    match std::env::var("CALMA_NOW") {
        Ok(s) if !s.trim().is_empty() => chrono::DateTime::parse_from_rfc3339(s.trim())
            .map(|d| d.with_timezone(&chrono::Utc))
            .map_err(|e| anyhow::anyhow!("CALMA_NOW={s:?} is not an RFC 3339 time: {e}")),
        _ => Ok(chrono::Utc::now()),
    }
}

/// Sends tracing output to `calma.log` in the data directory (never to the terminal, which
/// the inbox owns). `CALMA_LOG` or `RUST_LOG` set the filter; the default is `info`.
fn init_tracing() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = config::data_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "calma.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALMA_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let _guard = init_tracing();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("calma: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Output piped into `head` and closed early is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().or_else(|| {
            match c.downcast_ref::<crate::store::StoreError>() {
                Some(crate::store::StoreError::Output(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    // Needs neither the database nor the configuration.
    if let Command::Templates(a) = &cli.command
        && let Some(file) = templates::check_only(a)
    {
        return templates::check(file);
    }
    let ctx = Ctx::new(&cli)?;
    match cli.command {
        Command::Ingest(a) => ingest::run(&ctx, a),
        Command::List(a) => query::list(&ctx, a),
        Command::Show(a) => query::show(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Classify(a) => classify::run(a),
        Command::Rules(a) => classify::rules(a),
        Command::Eval(a) => classify::eval(a),
        Command::Reclassify(a) => classify::reclassify(&ctx, a),
        Command::Act(a) => act::act(&ctx, a),
        Command::Remind(a) => act::remind(&ctx, a),
        Command::Templates(a) => templates::run(&ctx, &a),
        Command::Stats(a) => stats::run(&ctx, a),
        Command::Topics(a) => topics::run(&ctx, a),
        Command::Inbox(a) => inbox::run_cmd(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a, cli.db.is_some()),
    }
}

//! `calma templates check FILE`: validates a communication guide as a user file layered on the
//! built-in guide. Errors (and warnings) go to stderr naming template and line; a summary of a
//! valid guide goes to stdout. `calma templates list`: the guide in use, with how often each
//! template was sent and when a person last reviewed it (stale after 90 days).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Ctx, EXIT_OK, EXIT_USAGE};
use crate::replies::{GuideSummary, STALE_AFTER_DAYS, Severity, check_guide};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub command: TemplatesCommand,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Validate a communication guide (TOML): placeholders, languages, ids, BIFF lint
    Check {
        /// The guide file
        file: PathBuf,
    },
    /// The guide in use (built-in plus guide.toml): usage counts, last review, stale ones
    List {
        /// One JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
}

/// `templates check` needs neither the database nor the configuration.
pub fn check_only(args: &TemplatesArgs) -> Option<&std::path::Path> {
    match &args.command {
        TemplatesCommand::Check { file } => Some(file),
        TemplatesCommand::List { .. } => None,
    }
}

pub fn run(ctx: &Ctx, args: &TemplatesArgs) -> anyhow::Result<u8> {
    match &args.command {
        TemplatesCommand::Check { file } => check(file),
        TemplatesCommand::List { json } => list(ctx, *json),
    }
}

/// One template of the guide in use, as `templates list` shows it.
#[derive(Debug, serde::Serialize)]
struct Listed {
    id: String,
    title: String,
    action: String,
    tone: String,
    languages: Vec<&'static str>,
    variants: usize,
    sent: usize,
    last_reviewed: Option<chrono::NaiveDate>,
    stale: bool,
}

fn list(ctx: &Ctx, json: bool) -> anyhow::Result<u8> {
    let guide = super::act::load_guide(ctx)?;
    let sent = Store::open(&ctx.db)?.usage_log()?.counts();
    let max_age = chrono::Duration::days(STALE_AFTER_DAYS);
    let stale: Vec<String> = crate::replies::stale(&guide, ctx.now, max_age)
        .into_iter()
        .map(|s| s.template)
        .collect();
    let rows: Vec<Listed> = guide
        .templates()
        .iter()
        .map(|t| Listed {
            id: t.id.clone(),
            title: t.title.clone(),
            action: t.action.clone(),
            tone: t.tone.as_str().to_string(),
            languages: t.variants.keys().map(|l| l.as_str()).collect(),
            variants: t.variants.values().map(Vec::len).sum(),
            sent: sent.get(&t.id).copied().unwrap_or(0),
            last_reviewed: t.last_reviewed,
            stale: stale.contains(&t.id),
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(EXIT_OK);
    }
    println!(
        "{:<26} {:<16} {:<12} {:<12} {:>8} {:>5}  reviewed",
        "template", "action", "tone", "languages", "variants", "sent"
    );
    for r in &rows {
        println!(
            "{:<26} {:<16} {:<12} {:<12} {:>8} {:>5}  {}{}",
            r.id,
            r.action,
            r.tone,
            r.languages.join(","),
            r.variants,
            r.sent,
            r.last_reviewed
                .map(|d| d.to_string())
                .unwrap_or_else(|| "never".into()),
            if r.stale { "  STALE: review it" } else { "" }
        );
    }
    let n = rows.iter().filter(|r| r.stale).count();
    if n > 0 {
        println!("{n} template(s) not reviewed for {STALE_AFTER_DAYS} days or more");
    }
    Ok(EXIT_OK)
}

pub fn check(file: &std::path::Path) -> anyhow::Result<u8> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return Ok(EXIT_USAGE);
        }
    };
    match check_guide(&text) {
        Ok(summary) => {
            for w in &summary.warnings {
                eprintln!("{}: {w}", file.display());
            }
            println!("{}: {}", file.display(), describe(&summary));
            Ok(EXIT_OK)
        }
        Err(findings) => {
            for f in &findings {
                eprintln!("{}: {f}", file.display());
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            eprintln!(
                "{}: invalid guide ({errors} error{})",
                file.display(),
                if errors == 1 { "" } else { "s" }
            );
            Ok(EXIT_USAGE)
        }
    }
}

fn describe(s: &GuideSummary) -> String {
    let langs: Vec<&str> = s.languages.iter().map(|l| l.as_str()).collect();
    let mut out = format!(
        "valid: {} template{} ({} new, {} overriding built-ins), {} variant{}",
        s.templates.len(),
        if s.templates.len() == 1 { "" } else { "s" },
        s.added.len(),
        s.overridden.len(),
        s.variants,
        if s.variants == 1 { "" } else { "s" },
    );
    if !langs.is_empty() {
        out.push_str(&format!(" in {}", langs.join(", ")));
    }
    if !s.warnings.is_empty() {
        out.push_str(&format!(", {} warning(s)", s.warnings.len()));
    }
    out
}

//! `calma templates check FILE`: validates a communication guide as a user file layered on the
//! built-in guide. Errors (and warnings) go to stderr naming template and line; a summary of a
//! valid guide goes to stdout.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{EXIT_OK, EXIT_USAGE};
use crate::replies::{GuideSummary, Severity, check_guide};

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
}

pub fn run(args: &TemplatesArgs) -> anyhow::Result<u8> {
    match &args.command {
        TemplatesCommand::Check { file } => check(file),
    }
}

fn check(file: &std::path::Path) -> anyhow::Result<u8> {
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

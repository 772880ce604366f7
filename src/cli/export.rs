//! `calma export`: stored data out as JSON or CSV, to stdout or a file.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Ctx, EXIT_OK};
use crate::store::{CommentFilter, Store, StoreError, StoredComment};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportWhat {
    /// Every comment with its author and classification
    Comments,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ExportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub what: ExportWhat,

    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,

    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ExportArgs) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(out);
    match args.what {
        ExportWhat::Comments => export_comments(&store, args.format, &mut out)?,
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn io_err(e: impl Into<std::io::Error>) -> StoreError {
    StoreError::Output(e.into())
}

/// The CSV columns of an exported comment: the canonical format, so an export reads back in.
const COMMENT_COLUMNS: [&str; 16] = [
    "id",
    "platform",
    "calma_id",
    "thread_id",
    "parent_id",
    "author",
    "handle",
    "author_id",
    "text",
    "created_at",
    "edited_at",
    "url",
    "lang",
    "is_brand",
    "tag",
    "flags",
];

fn export_comments(store: &Store, format: ExportFormat, out: &mut dyn Write) -> anyhow::Result<()> {
    let filter = CommentFilter::default();
    match format {
        ExportFormat::Json => {
            let mut first = true;
            write!(out, "[")?;
            store.for_each_comment(&filter, &mut |c| {
                write!(out, "{}", if first { "\n" } else { ",\n" }).map_err(io_err)?;
                first = false;
                serde_json::to_writer(&mut *out, &c).map_err(io_err)
            })?;
            writeln!(out, "{}]", if first { "" } else { "\n" })?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(COMMENT_COLUMNS)?;
            store.for_each_comment(&filter, &mut |c| {
                w.write_record(csv_row(&c)).map_err(io_err)
            })?;
            w.flush()?;
        }
    }
    Ok(())
}

fn csv_row(c: &StoredComment) -> [String; 16] {
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(crate::store::ts).unwrap_or_default();
    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
    [
        c.external_id.clone(),
        c.platform.to_string(),
        c.id.to_string(),
        c.thread_id.clone().unwrap_or_default(),
        c.parent_id.clone().unwrap_or_default(),
        c.author.name.clone().unwrap_or_default(),
        c.author.handle.clone().unwrap_or_default(),
        c.author.id.clone().unwrap_or_default(),
        c.text.clone(),
        t(c.created_at),
        t(c.edited_at),
        c.url.clone().unwrap_or_default(),
        c.lang.clone().unwrap_or_default(),
        c.is_brand.to_string(),
        c.tag.to_string(),
        flags.join(";"),
    ]
}

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
    /// Every case: its kind, state, clock and what was recorded on the way
    Cases,
    /// Replies recorded and not yet posted, for tools that post them
    Outbox,
    /// The audit log: every action, who took it, when and why
    Audit,
    /// Recurring complaint topics as content briefs (title, count, trend, quotes, platforms)
    Topics,
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
        ExportWhat::Cases => export_cases(ctx, &store, args.format, &mut out)?,
        ExportWhat::Outbox => {
            let rows: Vec<serde_json::Value> = store
                .outbox()?
                .into_iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?;
            write_rows(&rows, args.format, &mut out)?;
        }
        ExportWhat::Audit => {
            let mut rows = Vec::new();
            store.for_each_event(&mut |comment_id, e| {
                let mut v = serde_json::to_value(&e).map_err(io_err)?;
                v["comment_id"] = serde_json::json!(comment_id);
                rows.push(v);
                Ok(())
            })?;
            write_rows(&rows, args.format, &mut out)?;
        }
        ExportWhat::Topics => {
            let topics = super::topics::backlog(ctx, 8, 3)?;
            let rows: Vec<serde_json::Value> = topics.iter().map(super::topics::brief).collect();
            match args.format {
                ExportFormat::Json => write_rows(&rows, args.format, &mut out)?,
                ExportFormat::Csv => write_rows(&flat(rows), args.format, &mut out)?,
            }
        }
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

fn export_cases(
    ctx: &Ctx,
    store: &Store,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let filter = CommentFilter {
        cases_only: true,
        ..Default::default()
    };
    let mut rows = Vec::new();
    store.for_each_comment(&filter, &mut |c| {
        let case = store.case(c.id)?;
        let clock = crate::workflow::clock(&case, c.platform, &ctx.config.sla, ctx.now);
        rows.push(serde_json::json!({
            "comment_id": c.id,
            "platform": c.platform,
            "external_id": c.external_id,
            "author": c.author.label(),
            "kind": case.kind,
            "state": case.state,
            "opened_at": case.opened_at,
            "first_response_minutes": case.first_response_time().map(|d| d.num_minutes()),
            "due_at": clock.as_ref().map(|k| k.due_at),
            "overdue": clock.as_ref().map(|k| k.remaining < chrono::Duration::zero()),
            "private_channel": case.private.as_ref().map(|p| p.channel.as_str()),
            "resolution": case.resolution,
            "reopen_count": case.reopen_count,
        }));
        Ok(())
    })?;
    write_rows(&rows, format, out)
}

/// Writes flat JSON objects as a JSON array or as CSV with the first row's keys as header.
fn write_rows(
    rows: &[serde_json::Value],
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let Some(first) = rows.first().and_then(|r| r.as_object()) else {
                return Ok(());
            };
            let keys: Vec<&String> = first.keys().collect();
            w.write_record(&keys)?;
            for r in rows {
                w.write_record(keys.iter().map(|k| match &r[k.as_str()] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                }))?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// Lists inside rows joined for a CSV cell: quotes with " | ", the rest with ";".
fn flat(rows: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    rows.into_iter()
        .map(|mut r| {
            if let Some(o) = r.as_object_mut() {
                for (k, v) in o.iter_mut() {
                    if let Some(items) = v.as_array() {
                        let sep = if k == "examples" { " | " } else { ";" };
                        let parts: Vec<String> = items
                            .iter()
                            .map(|i| match i {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect();
                        *v = serde_json::Value::String(parts.join(sep));
                    }
                }
            }
            r
        })
        .collect()
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

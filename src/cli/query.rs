//! `calma list` and `calma show`: what is in the database, as a table for people or JSON for
//! scripts.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::{Ctx, EXIT_OK, EXIT_USAGE};
use crate::domain::{Platform, Tag};
use crate::store::{CommentFilter, Store, StoreError, StoredComment, Version};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only comments with this tag (troll, complaint, constructive, oportunista, other)
    #[arg(long, value_name = "T")]
    pub tag: Option<Tag>,

    /// Only comments from this platform
    #[arg(long, value_name = "P")]
    pub platform: Option<Platform>,

    /// Leave out the brand's own replies
    #[arg(long)]
    pub no_brand: bool,

    /// Print a JSON array instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The comment's id (as `calma list` prints it)
    pub id: i64,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

pub fn list(ctx: &Ctx, args: ListArgs) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let filter = CommentFilter {
        tag: args.tag,
        platform: args.platform,
        exclude_brand: args.no_brand,
    };
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    if args.json {
        // Streamed by hand so that a million comments never sit in memory at once.
        let mut first = true;
        write!(out, "[")?;
        store.for_each_comment(&filter, &mut |c| {
            let sep = if first { "\n" } else { ",\n" };
            first = false;
            write_or_store_err(write!(out, "{sep}"))?;
            serde_json::to_writer(&mut out, &c).map_err(|e| StoreError::Output(e.into()))
        })?;
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    } else {
        writeln!(
            out,
            "{:>6}  {:<9}  {:<12}  {:<16}  {:<18}  text",
            "id", "platform", "tag", "created", "author"
        )?;
        store.for_each_comment(&filter, &mut |c| {
            write_or_store_err(writeln!(out, "{}", table_row(&c)))
        })?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn write_or_store_err(r: std::io::Result<()>) -> Result<(), StoreError> {
    Ok(r?)
}

fn table_row(c: &StoredComment) -> String {
    let created = c
        .created_at
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let mut author: String = c.author.label().chars().take(18).collect();
    if c.is_brand {
        author = format!("{author} (us)");
    }
    let text: String = c
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(60)
        .collect();
    format!(
        "{:>6}  {:<9}  {:<12}  {:<16}  {:<18}  {}",
        c.id,
        c.platform.as_str(),
        c.tag.as_str(),
        created,
        author,
        text
    )
}

/// Everything `show` tells about a comment.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub comment: StoredComment,
    pub versions: Vec<Version>,
}

pub fn show(ctx: &Ctx, args: ShowArgs) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let comment = match store.comment(args.id) {
        Ok(c) => c,
        Err(StoreError::NotFound(m)) => {
            eprintln!("calma: {m}");
            return Ok(EXIT_USAGE);
        }
        Err(e) => return Err(e.into()),
    };
    let versions = store.versions(comment.id)?;
    let shown = Shown { comment, versions };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(EXIT_OK);
    }
    let c = &shown.comment;
    println!(
        "#{} {} {} by {}{}",
        c.id,
        c.platform,
        c.external_id,
        c.author.label(),
        if c.is_brand { " (us)" } else { "" }
    );
    if let Some(t) = c.created_at {
        println!("created  {}", t.format("%Y-%m-%d %H:%M UTC"));
    }
    println!("received {}", c.received_at.format("%Y-%m-%d %H:%M UTC"));
    if let Some(u) = &c.url {
        println!("url      {u}");
    }
    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
    println!(
        "tag      {}{}  sentiment {:+.2}",
        c.tag,
        if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        },
        c.sentiment
    );
    println!();
    println!("{}", c.text);
    if shown.versions.len() > 1 {
        println!();
        println!("{} versions:", shown.versions.len());
        for (i, v) in shown.versions.iter().enumerate() {
            let when = v.edited_at.unwrap_or(v.seen_at);
            println!("  {}. {}  {}", i + 1, when.format("%Y-%m-%d %H:%M"), v.text);
        }
    }
    Ok(EXIT_OK)
}

//! `calma list` and `calma show`: what is in the database, as a table for people or JSON for
//! scripts.

use std::io::Write;

use super::{Ctx, EXIT_OK, EXIT_USAGE};
use crate::domain::{Platform, Tag};
use crate::store::{CaseView, CommentFilter, Store, StoreError, StoredComment, Version};
use crate::workflow::State;
use clap::Args;

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

    /// Only cases in this workflow state (new, acknowledged, private, resolved, …)
    #[arg(long, value_name = "S")]
    pub state: Option<State>,

    /// Only open cases whose current step is overdue
    #[arg(long)]
    pub overdue: bool,

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
        state: args.state.map(|s| s.as_str().to_owned()),
        overdue_at: args.overdue.then_some(ctx.now),
        cases_only: args.state.is_some() || args.overdue,
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
            "{:>6}  {:<9}  {:<12}  {:<14}  {:<16}  {:<18}  text",
            "id", "platform", "tag", "state", "created", "author"
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
        "{:>6}  {:<9}  {:<12}  {:<14}  {:<16}  {:<18}  {}",
        c.id,
        c.platform.as_str(),
        c.tag.as_str(),
        c.state.as_deref().unwrap_or("-"),
        created,
        author,
        text
    )
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
    // Our own replies are thread context, not cases: they show text and versions only.
    let view = if comment.is_brand {
        None
    } else {
        Some(store.case_view(comment.id, ctx.now, &ctx.config.sla)?)
    };
    let versions = match &view {
        Some(v) => v.versions.clone(),
        None => store.versions(comment.id)?,
    };
    if args.json {
        let mut out = match &view {
            Some(v) => serde_json::to_value(v)?,
            None => serde_json::json!({ "comment": comment, "versions": versions }),
        };
        if let Some(v) = &view {
            out["answered_by_community"] = serde_json::json!(
                crate::insights::community_answer(&v.comment, &v.thread)
                    .map(|(author, id)| serde_json::json!({ "author": author, "comment_id": id }))
            );
            out["clock"] = serde_json::json!(v.clock.as_ref().map(|c| serde_json::json!({
                "step": c.step,
                "due_at": c.due_at,
                "remaining_minutes": c.remaining.num_minutes(),
                "urgency": c.urgency,
            })));
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(EXIT_OK);
    }
    print_comment(&comment, &versions);
    if let Some(v) = &view {
        print_case(v);
    }
    Ok(EXIT_OK)
}

fn print_comment(c: &StoredComment, versions: &[Version]) {
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
    if versions.len() > 1 {
        println!();
        println!("{} versions:", versions.len());
        for (i, v) in versions.iter().enumerate() {
            let when = v.edited_at.unwrap_or(v.seen_at);
            println!("  {}. {}  {}", i + 1, when.format("%Y-%m-%d %H:%M"), v.text);
        }
    }
}

fn print_case(v: &CaseView) {
    println!();
    if !v.rules.is_empty() {
        let ids: Vec<&str> = v.rules.iter().map(|r| &*r.rule).collect();
        println!("why      {}", ids.join(", "));
    }
    print!("case     {} {}", v.case.kind, v.case.state);
    if let Some(c) = &v.clock {
        let mins = c.remaining.num_minutes();
        if mins < 0 {
            print!(
                "  ({:?} overdue by {})",
                c.step,
                crate::workflow::human(-c.remaining)
            );
        } else {
            print!(
                "  ({:?} due in {})",
                c.step,
                crate::workflow::human(c.remaining)
            );
        }
    }
    println!();
    if let Some((who, id)) = crate::insights::community_answer(&v.comment, &v.thread) {
        println!("answered by the community: {who} (#{id}) helped already; thank them");
    }
    if let Some(a) = &v.author {
        let tags: Vec<String> = a.by_tag.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!(
            "author   {} comments ({}), asked for compensation {}",
            a.comments,
            tags.join(", "),
            a.asked_compensation
        );
    }
    if v.thread.len() > 1 {
        println!();
        println!("thread:");
        for c in &v.thread {
            let mark = if c.id == v.comment.id { ">" } else { " " };
            let who = if c.is_brand { "us" } else { c.author.label() };
            let text: String = c.text.chars().take(70).collect();
            println!(
                "{mark} {:<16} {}",
                who.chars().take(16).collect::<String>(),
                text
            );
        }
    }
    if !v.events.is_empty() {
        println!();
        println!("history:");
        for e in &v.events {
            println!(
                "  {}  {:<14} {} → {}  by {}{}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.action,
                e.from.as_deref().unwrap_or("?"),
                e.to.as_deref().unwrap_or("?"),
                e.operator,
                e.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
        }
    }
    let allowed: Vec<&str> = v.allowed.iter().map(|a| a.as_str()).collect();
    println!();
    println!("next     {}", allowed.join(", "));
}

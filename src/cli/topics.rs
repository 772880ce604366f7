//! `calma topics` (the content backlog: recurring complaint topics with counts, trend and
//! examples) and the briefs `calma export topics` writes from it.

use clap::Args;

use super::{Ctx, EXIT_OK};
use crate::insights::{self, Topic, TopicConfig};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// Weeks of complaints to read, this one included
    #[arg(long, default_value_t = 8)]
    pub weeks: u32,

    /// Complaints a topic needs to count as recurring
    #[arg(long, default_value_t = 3)]
    pub min: u64,

    /// Print the backlog as JSON
    #[arg(long)]
    pub json: bool,
}

/// The content backlog from the store.
pub fn backlog(ctx: &Ctx, weeks: u32, min: u64) -> anyhow::Result<Vec<Topic>> {
    let store = Store::open(&ctx.db)?;
    let cfg = TopicConfig {
        weeks,
        min_count: min,
        ..Default::default()
    };
    Ok(insights::content_backlog(&store, &cfg, ctx.now)?)
}

/// A topic as a content brief: what a post, an FAQ entry or a video needs.
pub fn brief(t: &Topic) -> serde_json::Value {
    serde_json::json!({
        "title": format!("Recurring complaint: {}", t.title),
        "format": t.format,
        "count": t.count,
        "this_week": t.this_week,
        "last_week": t.last_week,
        "trend": t.trend,
        "examples": t.examples.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
        "example_ids": t.examples.iter().map(|e| e.comment_id).collect::<Vec<_>>(),
        "platforms": t.platforms.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        "lang": t.lang,
        "signature": t.signature,
    })
}

pub fn run(ctx: &Ctx, a: TopicsArgs) -> anyhow::Result<u8> {
    let topics = backlog(ctx, a.weeks, a.min)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&topics)?);
        return Ok(EXIT_OK);
    }
    if topics.is_empty() {
        println!("no recurring complaints in the last {} weeks", a.weeks);
    }
    for t in &topics {
        let platforms: Vec<&str> = t.platforms.iter().map(|(p, _)| p.as_str()).collect();
        println!(
            "{:>5}  {}  [{}] this week {}, last week {} ({:?}) — {}",
            t.count,
            t.title,
            t.lang,
            t.this_week,
            t.last_week,
            t.trend,
            platforms.join(", ")
        );
        for e in &t.examples {
            println!("         #{} “{}”", e.comment_id, e.text.replace('\n', " "));
        }
    }
    Ok(EXIT_OK)
}

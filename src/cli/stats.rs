//! `calma stats`: response times, backlog, workflow steps, follow-ups and the tag mix, as a
//! table or JSON.

use clap::Args;

use super::{Ctx, EXIT_OK};
use crate::insights;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Count cases opened in this last stretch of time: 7d, 24h, 30m [default: 30d]
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub since: Option<chrono::Duration>,

    /// Print the figures as JSON
    #[arg(long)]
    pub json: bool,
}

/// Reads `7d`, `24h`, `30m` or `2w`.
pub fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{s:?} needs a unit: m, h, d or w (as in 7d)"))?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 7d, 24h or 30m"))?;
    match unit {
        "m" | "min" => Ok(chrono::Duration::minutes(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        "w" => Ok(chrono::Duration::weeks(n)),
        _ => Err(format!("unknown unit {unit:?} in {s:?} (m, h, d or w)")),
    }
}

pub fn run(ctx: &Ctx, a: StatsArgs) -> anyhow::Result<u8> {
    let store = Store::open(&ctx.db)?;
    let since = ctx.now
        - a.since
            .unwrap_or_else(|| chrono::Duration::days(insights::DEFAULT_STATS_DAYS));
    let stats = insights::stats(&store, &ctx.config.sla, since, ctx.now)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print!("{}", stats.to_text());
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_their_unit() {
        assert_eq!(parse_duration("7d"), Ok(chrono::Duration::days(7)));
        assert_eq!(parse_duration("24h"), Ok(chrono::Duration::hours(24)));
        assert_eq!(parse_duration("30m"), Ok(chrono::Duration::minutes(30)));
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("7y").is_err());
    }
}

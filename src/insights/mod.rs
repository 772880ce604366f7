//! Figures from the store: response times and backlog ([`stats`]), the crisis radar
//! ([`radar`]), recurring complaint topics ([`topics`]), and whether the community already
//! answered a customer. The analysis is pure; the functions here fetch what it needs from the
//! store (aggregate queries and small incremental tables, never a loop over every comment).

pub mod radar;
pub mod stats;
pub mod text;
pub mod topics;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Flag, Tag};
use crate::store::{self, CrisisRow, Store, StoredComment};
use crate::workflow::SlaConfig;

pub use radar::{
    Alert, AlertKind, Baseline, History, RadarConfig, Raised, Span, Window, crisis_banner,
    crisis_order, radar,
};
pub use stats::{Stats, StatsInput};
pub use topics::{Topic, TopicConfig, Trend, recurring_topics};

/// Comments stemmed per store round trip when the stem table catches up.
const TERM_CHUNK: usize = 5_000;

/// Brings the incremental tables (hourly counts, stems per hour) up to the latest comment.
/// Cheap after an ingest batch (it reads only the new rows); the first run on an old
/// database reads everything once.
pub fn refresh(store: &Store) -> store::Result<()> {
    store.refresh_hours()?;
    let a = text::Analyzer::new();
    loop {
        let rows = store.texts_after_term_mark(TERM_CHUNK)?;
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(());
        };
        let mut counts: HashMap<(i64, String), u64> = HashMap::new();
        for r in &rows {
            let hour = r.at.timestamp().div_euclid(3600);
            let lang = a.lang(r.lang.as_deref(), &r.text);
            let mut seen = std::collections::HashSet::new();
            for (stem, _) in a.stems(lang, &r.text) {
                if seen.insert(stem.clone()) {
                    *counts.entry((hour, stem)).or_default() += 1;
                }
            }
        }
        store.add_term_counts(&counts, last)?;
        if rows.len() < TERM_CHUNK {
            return Ok(());
        }
    }
}

/// Every figure of the stats screen, for cases opened since `since`.
pub fn stats(
    store: &Store,
    sla: &SlaConfig,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> store::Result<Stats> {
    store.refresh_hours()?;
    let input = StatsInput {
        open: store.open_counts(now)?,
        cases: store.case_records()?,
        days: store.day_tag_counts(since.timestamp().div_euclid(3600))?,
    };
    Ok(Stats::compute(&input, sla, since, now))
}

fn hour_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(3600)
}

/// The radar's inputs as the store holds them at `now`.
pub fn radar_inputs(
    store: &Store,
    cfg: &RadarConfig,
    now: DateTime<Utc>,
) -> store::Result<(History, Window)> {
    let to_hour = hour_of(now) + 1;
    let from_hour = to_hour - i64::from(cfg.window_hours.max(1));
    let earliest = from_hour - 168 * i64::from(cfg.baseline_weeks.max(1));
    let start = store
        .first_hour()?
        .unwrap_or(from_hour)
        .max(earliest)
        .min(from_hour);
    let window_terms = store.term_counts(from_hour, to_hour)?;
    let candidates: Vec<&String> = window_terms
        .iter()
        .filter(|(_, n)| **n >= cfg.keyword_min)
        .map(|(s, _)| s)
        .collect();
    // All-time totals minus the window (and anything after it) leave the history's count.
    let totals = store.stem_totals(candidates.iter().copied())?;
    let after = store.term_counts(from_hour, i64::MAX)?;
    let terms = totals
        .into_iter()
        .map(|(s, n)| {
            let later = after.get(&s).copied().unwrap_or(0);
            (s, n.saturating_sub(later))
        })
        .collect();
    let raised = store
        .alerts_since(now - Duration::minutes(i64::from(cfg.cooldown_minutes)))?
        .into_iter()
        .filter_map(|a| {
            let kind = match a.kind.as_str() {
                "volume" => AlertKind::Volume,
                "negative_share" => AlertKind::NegativeShare,
                "keyword" => AlertKind::Keyword,
                _ => return None,
            };
            Some(Raised {
                kind,
                keyword: a.keyword,
                at: a.raised_at,
            })
        })
        .collect();
    let terms_from_hour = store.first_term_hour()?.unwrap_or(start).min(from_hour);
    let comments = store
        .hour_counts(terms_from_hour, from_hour)?
        .iter()
        .map(|h| h.n)
        .sum();
    let history = History {
        hours: store.hour_counts(start, from_hour)?,
        from_hour: start,
        to_hour: from_hour,
        terms,
        terms_from_hour,
        comments,
        raised,
    };
    let window = Window {
        hours: store.hour_counts(from_hour, to_hour)?,
        from_hour,
        to_hour,
        words: HashMap::new(),
        terms: window_terms,
    };
    Ok((history, window))
}

/// Brings the tables up to date, runs the radar and records the alerts it raised (so that
/// they cool down). What an ingest batch, the inbox tick and `calma remind` call.
pub fn radar_update(
    store: &Store,
    cfg: &RadarConfig,
    now: DateTime<Utc>,
) -> store::Result<Vec<Alert>> {
    refresh(store)?;
    let (history, window) = radar_inputs(store, cfg, now)?;
    let alerts = radar(&history, &window, cfg, now);
    for a in &alerts {
        let json = serde_json::to_string(a).expect("an alert always serialises");
        store.record_alert(
            a.kind.as_str(),
            a.keyword.as_deref(),
            a.started_at,
            now,
            &json,
        )?;
    }
    Ok(alerts)
}

/// Alerts raised in the last `hours`, for the banner (cooling-down alerts still stand).
pub fn standing_alerts(store: &Store, hours: u32, now: DateTime<Utc>) -> store::Result<Vec<Alert>> {
    Ok(store
        .alerts_since(now - Duration::hours(i64::from(hours)))?
        .into_iter()
        .filter_map(|a| serde_json::from_str(&a.detail).ok())
        .collect())
}

/// The open cases posted since the alert started, most severe and far-reaching first.
pub fn crisis_queue(
    store: &Store,
    alert: &Alert,
    now: DateTime<Utc>,
    limit: usize,
) -> store::Result<Vec<CrisisRow>> {
    let mut rows = store.crisis_rows(alert.started_at, now + Duration::seconds(1), limit)?;
    radar::crisis_order(&mut rows);
    Ok(rows)
}

/// Recurring complaint topics of the last `cfg.weeks` weeks: the content backlog.
pub fn content_backlog(
    store: &Store,
    cfg: &TopicConfig,
    now: DateTime<Utc>,
) -> store::Result<Vec<Topic>> {
    store.refresh_hours()?;
    let from = now - Duration::weeks(i64::from(cfg.weeks.max(1)));
    let rows = store.tagged_texts(Tag::Complaint, from, now + Duration::seconds(1))?;
    Ok(recurring_topics(&rows, cfg, now))
}

/// Words and signs of a reply that helps: a link, an instruction, a shared experience.
const HELPFUL: &[&str] = &[
    "http://",
    "https://",
    "www.",
    "try ",
    "you can",
    "you could",
    "i had the same",
    "same here, ",
    "what worked for me",
    "prueba",
    "puedes",
    "a mí me pasó",
    "me pasó lo mismo",
    "попробуйте",
    "попробуй",
    "можно ",
    "у меня было так же",
    "probeer",
    "je kunt",
    "u kunt",
    "had hetzelfde",
];

/// Whether a comment reads as a helpful answer: not a troll, no insult or hate, and a helpful
/// marker or a clearly positive tone.
pub fn is_helpful(c: &StoredComment) -> bool {
    if c.tag == Tag::Troll
        || c.flags.contains(Flag::Insult)
        || c.flags.contains(Flag::Hate)
        || c.flags.contains(Flag::Threat)
    {
        return false;
    }
    let text = format!("{} ", c.text.to_lowercase());
    HELPFUL.iter().any(|m| text.contains(m)) || c.sentiment > 0.3
}

/// Who from the community (not the brand, not the customer) answered a customer helpfully,
/// after them, in a reply to their comment or naming them in the thread: `(author, comment id)`.
pub fn answered_by_community(
    store: &Store,
    comment_id: i64,
) -> store::Result<Option<(String, i64)>> {
    let c = store.comment(comment_id)?;
    let at = c.created_at.unwrap_or(c.received_at);
    let names: Vec<String> = [c.author.handle.as_deref(), c.author.name.as_deref()]
        .into_iter()
        .flatten()
        .map(|n| n.trim_start_matches('@').to_lowercase())
        .filter(|n| n.len() >= 3)
        .collect();
    let found = store.thread(&c)?.into_iter().find(|o| {
        let after = o.created_at.unwrap_or(o.received_at) >= at && o.id != c.id;
        let other = !o.is_brand && o.author_id.is_some() && o.author_id != c.author_id;
        let to_them = o.parent_id.as_deref() == Some(c.external_id.as_str()) || {
            let t = o.text.to_lowercase();
            names.iter().any(|n| t.contains(n.as_str()))
        };
        after && other && to_them && is_helpful(o)
    });
    Ok(found.map(|o| (o.author.label().to_owned(), o.id)))
}

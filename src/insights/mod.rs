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

use crate::domain::{Flag, Lang, Tag};
use crate::store::{self, CrisisRow, Store, StoredComment};
use crate::workflow::SlaConfig;

pub use radar::{
    Alert, AlertKind, Baseline, History, RadarConfig, Raised, Span, Window, crisis_alert,
    crisis_banner, crisis_order, radar,
};
pub use stats::{Stats, StatsInput};
pub use topics::{Topic, TopicConfig, Trend, recurring_topics};

/// Comments stemmed per store round trip when the stem table catches up.
const TERM_CHUNK: usize = 5_000;

/// Brings the incremental tables (hourly counts, stems per hour) up to the latest comment.
/// Cheap after an ingest batch (it reads only the new rows); the first run on an old
/// database counts every hour but stems only the newest comments (see
/// [`RadarConfig::stem_backlog`]).
pub fn refresh(store: &Store) -> store::Result<()> {
    refresh_bounded(store, RadarConfig::default().stem_backlog)
}

/// [`refresh`], stemming at most about `stem_backlog` comments when far behind.
pub fn refresh_bounded(store: &Store, stem_backlog: u64) -> store::Result<()> {
    store.refresh_hours()?;
    store.bound_term_backlog(stem_backlog)?;
    let a = text::Analyzer::new();
    loop {
        let rows = store.texts_after_term_mark(TERM_CHUNK)?;
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(());
        };
        store.add_term_counts(&stem_counts(&a, &rows), last)?;
        if rows.len() < TERM_CHUNK {
            return Ok(());
        }
    }
}

/// How many comments of each hour use each stem (a comment counts once per stem). Each
/// distinct word is stemmed once per call: comments repeat their vocabulary, and the Snowball
/// stemmer is the costly part.
fn stem_counts(a: &text::Analyzer, rows: &[store::TextRow]) -> HashMap<(i64, String), u64> {
    // Per language: word → the index of its stem in `stems`, `None` for no stem.
    let mut known: HashMap<Lang, HashMap<String, Option<usize>>> = HashMap::new();
    // Stems, each once: different words share a stem.
    let mut stems: Vec<String> = Vec::new();
    let mut stem_ids: HashMap<String, usize> = HashMap::new();
    let mut counts: HashMap<(i64, usize), u64> = HashMap::new();
    let mut seen: Vec<usize> = Vec::new();
    for r in rows {
        let hour = r.at.timestamp().div_euclid(3600);
        let lang = a.lang(r.lang.as_deref(), &r.text);
        let known = known.entry(lang).or_default();
        seen.clear();
        for w in text::words(&r.text) {
            let stem = match known.get(w.as_str()) {
                Some(s) => *s,
                None => {
                    let s = a.stem_word(lang, &w).map(|s| {
                        *stem_ids.entry(s).or_insert_with_key(|s| {
                            stems.push(s.clone());
                            stems.len() - 1
                        })
                    });
                    known.insert(w, s);
                    s
                }
            };
            seen.extend(stem);
        }
        seen.sort_unstable();
        seen.dedup();
        for &s in &seen {
            *counts.entry((hour, s)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((hour, s), n)| ((hour, stems[s].clone()), n))
        .collect()
}

/// How far back the figures look unless told otherwise (`calma stats`, the stats screen).
pub const DEFAULT_STATS_DAYS: i64 = 30;

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
    // One read of the hours before the window serves the baseline and the stems' base count.
    let mut hours = store.hour_counts(start.min(terms_from_hour), from_hour)?;
    let comments = hours
        .iter()
        .filter(|h| h.hour >= terms_from_hour)
        .map(|h| h.n)
        .sum();
    hours.retain(|h| h.hour >= start);
    let history = History {
        hours,
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
    refresh_bounded(store, cfg.stem_backlog)?;
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
    let thread = store.thread(&c)?;
    Ok(community_answer(&c, &thread))
}

/// [`answered_by_community`] over a thread already at hand (the case pane has it).
pub fn community_answer(c: &StoredComment, thread: &[StoredComment]) -> Option<(String, i64)> {
    let at = c.created_at.unwrap_or(c.received_at);
    let names: Vec<String> = [c.author.handle.as_deref(), c.author.name.as_deref()]
        .into_iter()
        .flatten()
        .map(|n| n.trim_start_matches('@').to_lowercase())
        .filter(|n| n.len() >= 3)
        .collect();
    let found = thread.iter().find(|o| {
        let after = o.created_at.unwrap_or(o.received_at) >= at && o.id != c.id;
        let other = !o.is_brand && o.author_id.is_some() && o.author_id != c.author_id;
        let to_them = o.parent_id.as_deref() == Some(c.external_id.as_str()) || {
            let t = o.text.to_lowercase();
            names.iter().any(|n| t.contains(n.as_str()))
        };
        after && other && to_them && is_helpful(o)
    });
    found.map(|o| (o.author.label().to_owned(), o.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Platform;

    #[test]
    fn a_comment_counts_once_per_stem_in_its_own_hour() {
        let a = text::Analyzer::new();
        let row = |id, text: &str, hour: i64| store::TextRow {
            id,
            platform: Platform::Facebook,
            lang: Some("en".into()),
            text: text.into(),
            at: DateTime::from_timestamp(hour * 3600 + 60, 0).unwrap(),
        };
        let rows = [
            row(1, "The battery drains; my batteries are draining!", 10),
            row(2, "battery dead", 10),
            row(3, "Battery again", 11),
        ];
        let c = stem_counts(&a, &rows);
        let n = |hour, stem: &str| c.get(&(hour, stem.to_owned())).copied();
        assert_eq!(n(10, "batteri"), Some(2));
        assert_eq!(n(10, "drain"), Some(1));
        assert_eq!(n(10, "dead"), Some(1));
        assert_eq!(n(11, "batteri"), Some(1));
        assert_eq!(n(10, "the"), None);
        assert_eq!(c.len(), 4);
    }
}

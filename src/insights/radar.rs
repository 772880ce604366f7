//! The crisis radar: a per-hour-of-week baseline of arrivals and negative comments, averaged
//! over the weeks seen, and alerts when the volume, the negative share or a keyword in the
//! current window rises well beyond it. Also the crisis banner and the crisis queue order.
//!
//! [`radar`] is pure; the store keeps the hourly counts it reads up to date incrementally.
//! Hours are UTC hours; the window is whole hours, the current one counted pro rata.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Flag;
use crate::store::{CrisisRow, HourCount};

/// How the radar listens. TOML-friendly: every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RadarConfig {
    /// The window compared with the baseline, in whole hours (the current hour included).
    pub window_hours: u32,
    /// How many standard deviations above the baseline count as a crisis (lower: more alerts).
    pub sensitivity: f64,
    /// After an alert, the same alert (same kind and keyword) stays quiet this long.
    pub cooldown_minutes: u32,
    /// Fewer comments than this in the window never raise a volume or negative-share alert.
    pub min_count: u64,
    /// The volume must also reach this multiple of the baseline.
    pub volume_ratio: f64,
    /// The negative share must also rise this much (0.2 = twenty points) above the baseline.
    pub negative_rise: f64,
    /// A keyword needs at least this many mentions in the window…
    pub keyword_min: u64,
    /// …and this multiple of its usual rate.
    pub keyword_ratio: f64,
    /// How many weeks of history the baseline averages.
    pub baseline_weeks: u32,
    /// When the keyword table catches up (a first update on an old database, a huge import),
    /// only about this many of the newest comments are stemmed: the keyword baseline needs a
    /// sample, not all history, and the catch-up stays a few seconds.
    pub stem_backlog: u64,
}

impl Default for RadarConfig {
    fn default() -> Self {
        RadarConfig {
            window_hours: 2,
            sensitivity: 4.0,
            cooldown_minutes: 240,
            min_count: 20,
            volume_ratio: 2.0,
            negative_rise: 0.2,
            keyword_min: 10,
            keyword_ratio: 5.0,
            baseline_weeks: 8,
            stem_backlog: 50_000,
        }
    }
}

/// What rose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Volume,
    NegativeShare,
    Keyword,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Volume => "volume",
            AlertKind::NegativeShare => "negative_share",
            AlertKind::Keyword => "keyword",
        }
    }
}

/// The window an alert looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A crisis signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// The start of the first hour of the window that rose beyond the baseline.
    pub started_at: DateTime<Utc>,
    pub window: Span,
    /// Comments (volume, keyword) or the negative share (0–1) seen in the window.
    pub observed: f64,
    /// What the baseline expected for the same hours.
    pub expected: f64,
    /// The stem that burst, for keyword alerts.
    pub keyword: Option<String>,
    pub message: String,
}

/// An alert raised earlier, for the cooldown.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub kind: AlertKind,
    pub keyword: Option<String>,
    pub at: DateTime<Utc>,
}

/// What the radar compares against: the hours before the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Hourly counts in `[from_hour, to_hour)`; hours without comments may be missing.
    pub hours: Vec<HourCount>,
    pub from_hour: i64,
    pub to_hour: i64,
    /// How often each stem was seen in `[terms_from_hour, to_hour)`.
    pub terms: HashMap<String, u64>,
    pub terms_from_hour: i64,
    /// Comments in `[terms_from_hour, to_hour)`: what `terms` are relative to.
    pub comments: u64,
    pub raised: Vec<Raised>,
}

/// What the radar looks at: the window's hours and stems.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Window {
    /// Hourly counts in `[from_hour, to_hour)`; the last hour may be the current one.
    pub hours: Vec<HourCount>,
    pub from_hour: i64,
    pub to_hour: i64,
    pub terms: HashMap<String, u64>,
    /// The word people wrote for each stem (for messages).
    pub words: HashMap<String, String>,
}

/// The slot of an hour in the week: 0 is Monday 00:00–01:00 UTC.
pub fn hour_of_week(hour: i64) -> usize {
    // The epoch fell on a Thursday: 3 days after a Monday.
    (hour + 72).rem_euclid(168) as usize
}

/// Mean comments and negative comments per hour-of-week slot over the weeks seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub n: Vec<f64>,
    pub negative: Vec<f64>,
}

impl Baseline {
    /// Averages every slot over the times it occurred in the history, empty hours included;
    /// a slot the history never covered gets the overall hourly mean.
    pub fn from_history(h: &History) -> Baseline {
        let mut occ = [0u64; 168];
        for hour in h.from_hour..h.to_hour {
            occ[hour_of_week(hour)] += 1;
        }
        let (mut n, mut neg) = (vec![0.0; 168], vec![0.0; 168]);
        for c in h
            .hours
            .iter()
            .filter(|c| (h.from_hour..h.to_hour).contains(&c.hour))
        {
            n[hour_of_week(c.hour)] += c.n as f64;
            neg[hour_of_week(c.hour)] += c.negative as f64;
        }
        let span = (h.to_hour - h.from_hour).max(1) as f64;
        let (mean_n, mean_neg) = (n.iter().sum::<f64>() / span, neg.iter().sum::<f64>() / span);
        for s in 0..168 {
            if occ[s] == 0 {
                n[s] = mean_n;
                neg[s] = mean_neg;
            } else {
                n[s] /= occ[s] as f64;
                neg[s] /= occ[s] as f64;
            }
        }
        Baseline { n, negative: neg }
    }
}

fn at_hour(hour: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(hour * 3600, 0).unwrap_or_default()
}

/// How much of an hour counts by `now`: 1 for past hours, the elapsed part for the current one.
fn elapsed(hour: i64, now: DateTime<Utc>) -> f64 {
    let secs = (now.timestamp() - hour * 3600).clamp(0, 3600);
    (secs as f64 / 3600.0).max(1.0 / 60.0)
}

fn z(observed: f64, expected: f64) -> f64 {
    (observed - expected) / expected.max(1.0).sqrt()
}

/// Alerts for the window against the history's baseline, minus those still cooling down.
pub fn radar(
    history: &History,
    window: &Window,
    cfg: &RadarConfig,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let base = Baseline::from_history(history);
    let span = Span {
        from: at_hour(window.from_hour),
        to: now.min(at_hour(window.to_hour)),
    };
    let counts: HashMap<i64, &HourCount> = window.hours.iter().map(|c| (c.hour, c)).collect();
    let (mut n, mut neg, mut e_n, mut e_neg) = (0.0, 0.0, 0.0, 0.0);
    let mut rise_start = None;
    for hour in window.from_hour..window.to_hour {
        let share = elapsed(hour, now);
        let slot = hour_of_week(hour);
        let (hn, hneg) = counts
            .get(&hour)
            .map_or((0.0, 0.0), |c| (c.n as f64, c.negative as f64));
        let (en, eneg) = (base.n[slot] * share, base.negative[slot] * share);
        if rise_start.is_none() && hn >= en * cfg.volume_ratio && z(hn, en) >= cfg.sensitivity / 2.0
        {
            rise_start = Some(at_hour(hour));
        }
        n += hn;
        neg += hneg;
        e_n += en;
        e_neg += eneg;
    }
    let started_at = rise_start.unwrap_or(span.from);
    let mut out = Vec::new();
    let hours = format!("{}h", cfg.window_hours);
    if n >= cfg.min_count as f64 && n >= e_n * cfg.volume_ratio && z(n, e_n) >= cfg.sensitivity {
        out.push(Alert {
            kind: AlertKind::Volume,
            started_at,
            window: span,
            observed: n,
            expected: e_n,
            keyword: None,
            message: format!(
                "{n:.0} comments in the last {hours}, about {e_n:.0} expected at this time of week"
            ),
        });
    }
    if n >= cfg.min_count as f64 {
        let p0 = if e_n > 0.0 {
            (e_neg / e_n).clamp(0.01, 0.99)
        } else {
            0.3
        };
        let p = neg / n;
        let zp = (p - p0) / (p0 * (1.0 - p0) / n).sqrt();
        if p - p0 >= cfg.negative_rise && zp >= cfg.sensitivity {
            out.push(Alert {
                kind: AlertKind::NegativeShare,
                started_at,
                window: span,
                observed: p,
                expected: p0,
                keyword: None,
                message: format!(
                    "{:.0}% of the last {hours}'s comments are negative, usually {:.0}%",
                    p * 100.0,
                    p0 * 100.0
                ),
            });
        }
    }
    // A keyword bursts when its share of the window's comments far exceeds its share of the
    // history's: a busy hour full of ordinary words raises nothing.
    let enough_history = history.comments >= 10 * cfg.keyword_min.max(1);
    let mut bursts: Vec<(f64, Alert)> = window
        .terms
        .iter()
        .filter(|(_, c)| enough_history && **c >= cfg.keyword_min)
        .filter_map(|(stem, c)| {
            let c = *c as f64;
            let seen = history.terms.get(stem).copied().unwrap_or(0) as f64;
            let expected = seen / history.comments as f64 * n;
            let zk = z(c, expected);
            (c >= cfg.keyword_ratio * expected.max(1.0) && zk >= cfg.sensitivity).then(|| {
                let word = window.words.get(stem).unwrap_or(stem);
                let alert = Alert {
                    kind: AlertKind::Keyword,
                    started_at: span.from,
                    window: span,
                    observed: c,
                    expected,
                    keyword: Some(stem.clone()),
                    message: format!(
                        "\"{word}\" in {c:.0} comments in the last {hours}, usually {expected:.1}"
                    ),
                };
                (zk, alert)
            })
        })
        .collect();
    bursts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.keyword.cmp(&b.1.keyword)));
    out.extend(bursts.into_iter().take(3).map(|(_, a)| a));
    let cooldown = Duration::minutes(i64::from(cfg.cooldown_minutes));
    out.retain(|a| {
        !history.raised.iter().any(|r| {
            r.kind == a.kind && r.keyword == a.keyword && r.at > now - cooldown && r.at <= now
        })
    });
    out
}

/// The alert a crisis is dated from among those that stand: the first raised (the radar raises
/// volume before negative share before keywords, whose window start is a coarser date). The
/// banner names it and the crisis queue lists the cases since it.
pub fn crisis_alert(alerts: &[Alert]) -> Option<&Alert> {
    alerts.first()
}

/// The one-line banner the inbox shows while alerts stand (the screen adds its warning sign);
/// `None` when all is calm.
pub fn crisis_banner(alerts: &[Alert]) -> Option<String> {
    let first = crisis_alert(alerts)?;
    let more = match alerts.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    Some(format!(
        "possible crisis since {}: {}{more} — open the crisis queue, keep the holding statement at hand",
        first.started_at.format("%a %H:%M UTC"),
        first.message
    ))
}

/// How heavy a case is: threats and hate 3, urgent 2, then how negative it is (0–1).
pub fn severity(c: &CrisisRow) -> f64 {
    let mut s = 0.0;
    if c.flags.contains(Flag::Threat) || c.flags.contains(Flag::Hate) {
        s += 3.0;
    }
    if c.flags.contains(Flag::Urgent) {
        s += 2.0;
    }
    s + f64::from((-c.sentiment).clamp(0.0, 1.0))
}

/// How far a case carries: a bigger thread and a more active author are seen by more people.
pub fn reach(c: &CrisisRow) -> f64 {
    (c.thread_size as f64).ln_1p() + 0.5 * (c.author_comments as f64).ln_1p()
}

/// Orders the crisis queue: severity first, then reach, then the oldest first.
pub fn crisis_order(rows: &mut [CrisisRow]) {
    rows.sort_by(|a, b| {
        severity(b)
            .total_cmp(&severity(a))
            .then(reach(b).total_cmp(&reach(a)))
            .then(a.created_at.cmp(&b.created_at))
            .then(a.comment_id.cmp(&b.comment_id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monday_midnight_is_slot_zero() {
        let monday: DateTime<Utc> = "2026-11-16T00:30:00Z".parse().unwrap();
        assert_eq!(hour_of_week(monday.timestamp() / 3600), 0);
        let sunday: DateTime<Utc> = "2026-11-22T23:10:00Z".parse().unwrap();
        assert_eq!(hour_of_week(sunday.timestamp() / 3600), 167);
    }

    #[test]
    fn the_config_reads_from_partial_toml() {
        let c: RadarConfig = toml::from_str("window_hours = 3\nsensitivity = 3.5").unwrap();
        assert_eq!(c.window_hours, 3);
        assert_eq!(c.sensitivity, 3.5);
        assert_eq!(c.cooldown_minutes, RadarConfig::default().cooldown_minutes);
    }
}

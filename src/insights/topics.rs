//! Recurring complaints: complaints grouped by a topic signature (the two or three content
//! stems of each complaint that recur most across complaints in its language), counted per ISO
//! week with the trend, and written up as content briefs (a title, the count, the trend, example
//! quotes, the platforms) for a post, an FAQ entry or a video.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::text::Analyzer;
use crate::domain::{Lang, Platform};
use crate::store::TextRow;

/// How topics are found. TOML-friendly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicConfig {
    /// Weeks of complaints to read, the current one included.
    pub weeks: u32,
    /// A topic recurs when at least this many complaints share its signature.
    pub min_count: u64,
    /// Content stems per signature (2 or 3).
    pub stems: usize,
    /// Stems found in more than this share of a language's complaints are too generic to name
    /// a topic ("order", "problem").
    pub max_share: f64,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            weeks: 8,
            min_count: 3,
            stems: 2,
            max_share: 0.5,
        }
    }
}

/// Whether a topic grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Seen this week and not the week before.
    New,
    Rising,
    Steady,
    Falling,
}

/// What kind of content a topic asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BriefFormat {
    /// People ask questions: answer them once, in the FAQ.
    Faq,
    /// People ask how to do something: show it.
    Video,
    /// People report a problem: tell them what is being done.
    Post,
}

/// A quote for the brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub comment_id: i64,
    pub platform: Platform,
    pub text: String,
}

/// A recurring complaint topic: a line of the content backlog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// `lang:stem+stem`, stable from run to run.
    pub signature: String,
    /// The words people use for it.
    pub title: String,
    pub lang: Lang,
    pub count: u64,
    pub this_week: u64,
    pub last_week: u64,
    pub trend: Trend,
    /// Complaints per ISO week (`2026-W47`), oldest first.
    pub weeks: Vec<(String, u64)>,
    /// Complaints per platform, most first.
    pub platforms: Vec<(Platform, u64)>,
    /// Up to three quotes, most recent first.
    pub examples: Vec<Example>,
    pub format: BriefFormat,
}

fn iso_week(t: DateTime<Utc>) -> String {
    let w = t.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn trend(this: u64, last: u64) -> Trend {
    match (this, last) {
        (t, 0) if t > 0 => Trend::New,
        (t, l) if t > l => Trend::Rising,
        (t, l) if t < l => Trend::Falling,
        _ => Trend::Steady,
    }
}

const HOW: &[&str] = &["how", "cómo", "como", "как", "hoe"];

fn format_for(examples: &[&TextRow]) -> BriefFormat {
    let asks = examples.iter().filter(|r| r.text.contains('?')).count();
    let how = examples
        .iter()
        .any(|r| super::text::words(&r.text).any(|w| HOW.contains(&w.as_str())));
    if how {
        BriefFormat::Video
    } else if asks * 2 >= examples.len() && asks > 0 {
        BriefFormat::Faq
    } else {
        BriefFormat::Post
    }
}

/// Groups complaints into recurring topics, biggest first.
pub fn recurring_topics(rows: &[TextRow], cfg: &TopicConfig, now: DateTime<Utc>) -> Vec<Topic> {
    let a = Analyzer::new();
    // Per complaint: its language and distinct stems; per language: document frequencies and
    // the word most often written for each stem.
    let docs: Vec<(Lang, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let lang = a.lang(r.lang.as_deref(), &r.text);
            let mut seen = HashSet::new();
            let stems = a
                .stems(lang, &r.text)
                .into_iter()
                .map(|(s, _)| s)
                .filter(|s| seen.insert(s.clone()))
                .collect();
            (lang, stems)
        })
        .collect();
    let mut df: HashMap<(Lang, &str), u64> = HashMap::new();
    let mut per_lang: HashMap<Lang, u64> = HashMap::new();
    for (lang, stems) in &docs {
        *per_lang.entry(*lang).or_default() += 1;
        for s in stems {
            *df.entry((*lang, s.as_str())).or_default() += 1;
        }
    }
    let mut words: HashMap<(Lang, String), HashMap<String, u64>> = HashMap::new();
    for (r, (lang, _)) in rows.iter().zip(&docs) {
        for (s, w) in a.stems(*lang, &r.text) {
            *words.entry((*lang, s)).or_default().entry(w).or_default() += 1;
        }
    }
    let mut groups: BTreeMap<String, (Lang, Vec<String>, Vec<&TextRow>)> = BTreeMap::new();
    for (r, (lang, stems)) in rows.iter().zip(&docs) {
        let total = per_lang[lang] as f64;
        let mut cands: Vec<(&String, u64)> = stems
            .iter()
            .map(|s| (s, df[&(*lang, s.as_str())]))
            .filter(|(_, d)| *d >= cfg.min_count)
            .filter(|(_, d)| total < 10.0 || (*d as f64) <= cfg.max_share * total)
            .collect();
        cands.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let mut sig: Vec<String> = cands
            .iter()
            .take(cfg.stems.max(1))
            .map(|c| c.0.clone())
            .collect();
        if sig.is_empty() {
            continue;
        }
        sig.sort();
        let key = format!("{}:{}", lang.as_str(), sig.join("+"));
        groups
            .entry(key)
            .or_insert_with(|| (*lang, sig, Vec::new()))
            .2
            .push(r);
    }
    let this_week = iso_week(now);
    let last_week = iso_week(now - Duration::weeks(1));
    let mut topics: Vec<Topic> = groups
        .into_iter()
        .filter(|(_, g)| g.2.len() as u64 >= cfg.min_count)
        .map(|(signature, (lang, sig, mut members))| {
            members.sort_by(|x, y| y.at.cmp(&x.at).then(y.id.cmp(&x.id)));
            let mut weeks: BTreeMap<String, u64> = BTreeMap::new();
            let mut platforms: BTreeMap<Platform, u64> = BTreeMap::new();
            for m in &members {
                *weeks.entry(iso_week(m.at)).or_default() += 1;
                *platforms.entry(m.platform).or_default() += 1;
            }
            let mut platforms: Vec<(Platform, u64)> = platforms.into_iter().collect();
            platforms.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            let title = sig
                .iter()
                .map(|s| {
                    words
                        .get(&(lang, s.clone()))
                        .and_then(|w| {
                            w.iter()
                                .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                                .map(|(w, _)| w.clone())
                        })
                        .unwrap_or_else(|| s.clone())
                })
                .collect::<Vec<_>>()
                .join(" · ");
            let tw = weeks.get(&this_week).copied().unwrap_or(0);
            let lw = weeks.get(&last_week).copied().unwrap_or(0);
            Topic {
                signature,
                title,
                lang,
                count: members.len() as u64,
                this_week: tw,
                last_week: lw,
                trend: trend(tw, lw),
                weeks: weeks.into_iter().collect(),
                platforms,
                format: format_for(&members),
                examples: members
                    .iter()
                    .take(3)
                    .map(|m| Example {
                        comment_id: m.id,
                        platform: m.platform,
                        text: m.text.chars().take(280).collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    topics.sort_by(|x, y| y.count.cmp(&x.count).then(x.signature.cmp(&y.signature)));
    topics
}

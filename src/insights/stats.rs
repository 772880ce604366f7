//! The figures of `calma stats` and the stats screen: backlog by queue, tag and platform;
//! first-response time (median, p90, share within target) overall, per platform and per
//! operator; time spent in each workflow step; follow-ups done against due; the tag mix per day.
//!
//! [`Stats::compute`] is pure: it takes what the store's aggregate queries returned.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::{Platform, Tag};
use crate::store::{CaseRecord, DayTagCount, OpenCount, Queue};
use crate::workflow::{SlaConfig, State};

/// What the store gives [`Stats::compute`].
#[derive(Debug, Clone, Default)]
pub struct StatsInput {
    pub open: Vec<OpenCount>,
    pub cases: Vec<CaseRecord>,
    pub days: Vec<DayTagCount>,
}

/// First-response figures for one group of cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseFigures {
    /// Cases answered in public.
    pub answered: u64,
    /// Median minutes to the first public answer (clock minutes: business minutes when
    /// business hours are set). The mean of the two middle values for an even count.
    pub median_minutes: Option<f64>,
    /// 90th percentile, nearest rank.
    pub p90_minutes: Option<f64>,
    /// Answered within the first-response target of their platform and tag.
    pub within_target: u64,
    /// `within_target / answered`.
    pub share_within_target: Option<f64>,
}

/// Time spent in one workflow step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFigures {
    pub step: &'static str,
    /// Cases that went through the step.
    pub cases: u64,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
}

/// Follow-ups whose date has come, and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowUps {
    /// Resolved cases whose follow-up date has come.
    pub due: u64,
    /// Of those, verified.
    pub done: u64,
    /// Verified by the end of the follow-up day.
    pub on_time: u64,
    /// Still resolved and not verified.
    pub pending: u64,
}

/// Comments per day for each tag: one sparkline per tag.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TagMix {
    /// The UTC days, oldest first.
    pub days: Vec<NaiveDate>,
    /// One value per day, for every tag.
    pub series: Vec<(Tag, Vec<u64>)>,
}

/// Every figure of the stats screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub now: DateTime<Utc>,
    /// Cases opened from here on count in the response figures.
    pub since: DateTime<Utc>,
    /// Cases in each inbox queue, as the tabs count them.
    pub queues: Vec<(Queue, u64)>,
    /// Open cases (not closed, not deleted) per tag and per platform.
    pub backlog_by_tag: Vec<(Tag, u64)>,
    pub backlog_by_platform: Vec<(Platform, u64)>,
    /// New or reopened cases still waiting for an answer past their target.
    pub waiting_past_target: u64,
    pub first_response: ResponseFigures,
    pub by_platform: Vec<(Platform, ResponseFigures)>,
    pub by_operator: Vec<(String, ResponseFigures)>,
    pub steps: Vec<StepFigures>,
    pub follow_ups: FollowUps,
    pub tag_mix: TagMix,
}

/// Median (mean of the middle two for an even count) of sorted values.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn minutes(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 60_000.0
}

/// Response times of a group as (minutes, within target).
fn figures(mut samples: Vec<(f64, bool)>) -> ResponseFigures {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mins: Vec<f64> = samples.iter().map(|s| s.0).collect();
    let within = samples.iter().filter(|s| s.1).count() as u64;
    let answered = samples.len() as u64;
    ResponseFigures {
        answered,
        median_minutes: median(&mins),
        p90_minutes: percentile(&mins, 90.0),
        within_target: within,
        share_within_target: (answered > 0).then(|| within as f64 / answered as f64),
    }
}

fn step(name: &'static str, mut mins: Vec<f64>) -> StepFigures {
    mins.sort_by(f64::total_cmp);
    StepFigures {
        step: name,
        cases: mins.len() as u64,
        median_minutes: median(&mins),
        p90_minutes: percentile(&mins, 90.0),
    }
}

/// Whether a case in `state` tagged `tag`, due at `due`, sits in queue `q` (the store's queue
/// conditions, applied to the counts).
fn in_queue(q: Queue, state: State, tag: Tag, due_by_now: bool) -> bool {
    let live = state.is_open();
    match q {
        Queue::FirstResponse => matches!(state, State::New | State::Reopened) && tag != Tag::Troll,
        Queue::Complaints => tag == Tag::Complaint && live,
        Queue::Oportunistas => tag == Tag::Oportunista && live,
        Queue::Constructive => tag == Tag::Constructive && live,
        Queue::Trolls => tag == Tag::Troll && live,
        Queue::FollowUps => state == State::Resolved && due_by_now,
        Queue::All => true,
    }
}

fn sum_by<K: Ord + Copy>(open: &[OpenCount], key: impl Fn(&OpenCount) -> K) -> Vec<(K, u64)> {
    let mut m: BTreeMap<K, u64> = BTreeMap::new();
    for o in open.iter().filter(|o| o.state.is_open()) {
        *m.entry(key(o)).or_default() += o.n;
    }
    m.into_iter().collect()
}

impl Stats {
    /// Computes every figure. Cases opened before `since` stay out of the response, step and
    /// follow-up figures; the backlog is always the current one; the tag mix covers the days
    /// in `input.days`.
    pub fn compute(
        input: &StatsInput,
        sla: &SlaConfig,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Stats {
        let queues = Queue::ALL
            .into_iter()
            .map(|q| {
                let n = input
                    .open
                    .iter()
                    .map(|o| {
                        let due = if in_queue(q, o.state, o.tag, true) {
                            o.due
                        } else {
                            0
                        };
                        let all = if in_queue(q, o.state, o.tag, false) {
                            o.n
                        } else {
                            0
                        };
                        if q == Queue::FollowUps { due } else { all }
                    })
                    .sum();
                (q, n)
            })
            .collect();
        let waiting_past_target = input
            .open
            .iter()
            .filter(|o| matches!(o.state, State::New | State::Reopened) && o.tag != Tag::Troll)
            .map(|o| o.due)
            .sum();

        let cases: Vec<&CaseRecord> = input
            .cases
            .iter()
            .filter(|r| r.case.opened_at >= since)
            .collect();
        let mut all = Vec::new();
        let mut per_platform: BTreeMap<Platform, Vec<(f64, bool)>> = BTreeMap::new();
        let mut per_operator: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
        let (mut to_private, mut to_resolve, mut to_verify) = (Vec::new(), Vec::new(), Vec::new());
        let mut follow_ups = FollowUps::default();
        for r in &cases {
            let c = &r.case;
            if let Some(first) = c.at.first_response {
                let took = sla.between(c.opened_at, first);
                let ok = took <= sla.first_response(r.platform, c.kind);
                let s = (minutes(took), ok);
                all.push(s);
                per_platform.entry(r.platform).or_default().push(s);
                let op = r.responder.clone().unwrap_or_else(|| "(unknown)".into());
                per_operator.entry(op).or_default().push(s);
            }
            if let (Some(a), Some(p)) = (c.at.acknowledged.or(c.at.first_response), c.at.private) {
                to_private.push(minutes(p - a));
            }
            if let (Some(p), Some(res)) = (c.at.private, c.at.resolved) {
                to_resolve.push(minutes(res - p));
            }
            if let (Some(res), Some(v)) = (c.at.resolved, c.at.verified) {
                to_verify.push(minutes(v - res));
            }
            if let Some(due) = c.at.follow_up_due.filter(|d| *d <= now) {
                follow_ups.due += 1;
                match c.at.verified {
                    Some(v) => {
                        follow_ups.done += 1;
                        let day_end = due + Duration::minutes(i64::from(sla.verify_minutes));
                        follow_ups.on_time += u64::from(v <= day_end);
                    }
                    None => follow_ups.pending += u64::from(c.state == State::Resolved),
                }
            }
        }
        let first_times: Vec<f64> = all.iter().map(|s| s.0).collect();
        Stats {
            now,
            since,
            queues,
            backlog_by_tag: sum_by(&input.open, |o| o.tag),
            backlog_by_platform: sum_by(&input.open, |o| o.platform),
            waiting_past_target,
            first_response: figures(all),
            by_platform: per_platform
                .into_iter()
                .map(|(k, v)| (k, figures(v)))
                .collect(),
            by_operator: per_operator
                .into_iter()
                .map(|(k, v)| (k, figures(v)))
                .collect(),
            steps: vec![
                step("first response", first_times),
                step("to private", to_private),
                step("to resolve", to_resolve),
                step("to verify", to_verify),
            ],
            follow_ups,
            tag_mix: tag_mix(&input.days),
        }
    }

    /// The readable table `calma stats` prints.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!(
            "calma stats — cases opened since {} (now {})",
            self.since.format("%Y-%m-%d %H:%M UTC"),
            self.now.format("%Y-%m-%d %H:%M UTC")
        ));
        line(String::new());
        line("Backlog by queue".into());
        for (q, n) in &self.queues {
            line(format!("  {:<16} {n:>8}", q.title()));
        }
        line(format!(
            "  {:<16} {:>8}",
            "waiting past target", self.waiting_past_target
        ));
        line("Open cases by tag".into());
        for (t, n) in &self.backlog_by_tag {
            line(format!("  {:<16} {n:>8}", t.as_str()));
        }
        line("Open cases by platform".into());
        for (p, n) in &self.backlog_by_platform {
            line(format!("  {:<16} {n:>8}", p.as_str()));
        }
        line(String::new());
        line(format!(
            "First response   {:>8} {:>10} {:>10} {:>8}",
            "answered", "median", "p90", "in time"
        ));
        line(response_row("all", &self.first_response));
        for (p, f) in &self.by_platform {
            line(response_row(p.as_str(), f));
        }
        for (o, f) in &self.by_operator {
            line(response_row(&format!("@{o}"), f));
        }
        line(String::new());
        line(format!(
            "Workflow step    {:>8} {:>10} {:>10}",
            "cases", "median", "p90"
        ));
        for s in &self.steps {
            line(format!(
                "  {:<14} {:>8} {:>10} {:>10}",
                s.step,
                s.cases,
                dur(s.median_minutes),
                dur(s.p90_minutes)
            ));
        }
        line(String::new());
        let f = &self.follow_ups;
        line(format!(
            "Follow-ups       {} due, {} done ({} on time), {} pending",
            f.due, f.done, f.on_time, f.pending
        ));
        if !self.tag_mix.days.is_empty() {
            line(String::new());
            line(format!(
                "Tag mix per day  {} … {}",
                self.tag_mix.days[0],
                self.tag_mix.days[self.tag_mix.days.len() - 1]
            ));
            for (t, series) in &self.tag_mix.series {
                let total: u64 = series.iter().sum();
                line(format!(
                    "  {:<14} {:>8}  {}",
                    t.as_str(),
                    total,
                    sparkline(series)
                ));
            }
        }
        out
    }
}

fn response_row(name: &str, f: &ResponseFigures) -> String {
    format!(
        "  {:<14} {:>8} {:>10} {:>10} {:>8}",
        name,
        f.answered,
        dur(f.median_minutes),
        dur(f.p90_minutes),
        f.share_within_target
            .map(|s| format!("{:.0}%", s * 100.0))
            .unwrap_or_else(|| "-".into())
    )
}

/// Minutes as people read them: `45m`, `3h05m`, `2d04h`.
pub fn dur(m: Option<f64>) -> String {
    let Some(m) = m else { return "-".into() };
    let m = m.round() as i64;
    if m < 60 {
        format!("{m}m")
    } else if m < 24 * 60 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        format!("{}d{:02}h", m / (24 * 60), (m / 60) % 24)
    }
}

/// A text sparkline of a series (eight levels).
pub fn sparkline(series: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = series.iter().copied().max().unwrap_or(0).max(1);
    series
        .iter()
        .map(|&v| {
            if v == 0 {
                ' '
            } else {
                BARS[((v * 7) / max) as usize]
            }
        })
        .collect()
}

/// One series per tag over every day from the first to the last counted (gaps are zeros).
fn tag_mix(days: &[DayTagCount]) -> TagMix {
    let (Some(first), Some(last)) = (
        days.iter().map(|d| d.day).min(),
        days.iter().map(|d| d.day).max(),
    ) else {
        return TagMix::default();
    };
    let len = (last - first + 1) as usize;
    let mut series: Vec<(Tag, Vec<u64>)> = Tag::ALL.iter().map(|t| (*t, vec![0; len])).collect();
    for d in days {
        if let Some((_, s)) = series.iter_mut().find(|(t, _)| *t == d.tag) {
            s[(d.day - first) as usize] += d.n;
        }
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    TagMix {
        days: (first..=last)
            .map(|d| epoch + chrono::Days::new(d as u64))
            .collect(),
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p90() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(percentile(&[], 90.0), None);
    }

    #[test]
    fn durations_read_like_clocks() {
        assert_eq!(dur(Some(45.0)), "45m");
        assert_eq!(dur(Some(185.0)), "3h05m");
        assert_eq!(dur(Some(3000.0)), "2d02h");
        assert_eq!(sparkline(&[0, 1, 7]), " ▂█");
    }
}

//! SLA clocks: which step of a case is on the clock, when it is due (optionally counting only
//! business hours), how much time is left and how urgent that is.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::case::{Case, State};
use crate::domain::{Platform, Tag};

/// Response targets, TOML-friendly (every field optional, minutes unless named otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaConfig {
    /// First public response to a new comment (and to a customer who wrote again).
    pub first_response_minutes: u32,
    /// First-response overrides by platform name (`facebook = 30`).
    pub per_platform: BTreeMap<String, u32>,
    /// First-response overrides by tag (`troll = 240`). When both a platform and a tag override
    /// apply, the shorter wins.
    pub per_tag: BTreeMap<String, u32>,
    /// From the public acknowledgement to the move to private.
    pub private_minutes: u32,
    /// From the move to private to the resolution.
    pub resolve_minutes: u32,
    /// From the start of an oportunista investigation to the firm reply.
    pub firm_reply_minutes: u32,
    /// Days from resolution to the follow-up.
    pub follow_up_days: u32,
    /// From the follow-up date to the verification (or a reopen): the follow-up day itself.
    pub verify_minutes: u32,
    /// When set, clocks run only during these hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response_minutes: 60,
            per_platform: BTreeMap::new(),
            per_tag: BTreeMap::new(),
            private_minutes: 4 * 60,
            resolve_minutes: 48 * 60,
            firm_reply_minutes: 4 * 60,
            follow_up_days: 3,
            verify_minutes: 24 * 60,
            business_hours: None,
        }
    }
}

impl SlaConfig {
    /// The first-response target for a comment on `platform` tagged `tag`.
    pub fn first_response(&self, platform: Platform, tag: Tag) -> Duration {
        let p = self.per_platform.get(platform.as_str());
        let t = self.per_tag.get(tag.as_str());
        let minutes = match (p, t) {
            (Some(p), Some(t)) => *p.min(t),
            (Some(m), None) | (None, Some(m)) => *m,
            (None, None) => self.first_response_minutes,
        };
        Duration::minutes(i64::from(minutes))
    }

    /// The follow-up date for a case resolved at `resolved`.
    pub fn follow_up_after(&self, resolved: DateTime<Utc>) -> DateTime<Utc> {
        resolved + Duration::days(i64::from(self.follow_up_days))
    }

    /// Checks names a user can get wrong in a TOML file.
    pub fn validate(&self) -> Result<(), String> {
        for name in self.per_platform.keys() {
            name.parse::<Platform>()?;
        }
        for name in self.per_tag.keys() {
            name.parse::<Tag>()?;
        }
        if let Some(bh) = &self.business_hours {
            bh.validate()?;
        }
        Ok(())
    }

    /// Adds `d` of clock time to `start`: business time when business hours are set.
    pub fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        match &self.business_hours {
            Some(bh) => bh.add(start, d),
            None => start + d,
        }
    }

    /// Clock time from `a` to `b` (negative when `b` is earlier).
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        match &self.business_hours {
            Some(bh) => bh.between(a, b),
            None => b - a,
        }
    }
}

/// The hours during which clocks run: working days, from `from_hour` to `to_hour` (0–24) in
/// `time_zone` (an IANA name such as `Europe/Madrid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    pub time_zone: String,
    #[serde(default = "weekdays")]
    pub days: Vec<Weekday>,
    pub from_hour: u32,
    pub to_hour: u32,
}

fn weekdays() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}

/// Days searched for an open window before giving up on business hours.
const MAX_DAYS: usize = 400;

impl BusinessHours {
    /// Monday to Friday, `from_hour`–`to_hour` in `time_zone`.
    pub fn weekdays(time_zone: &str, from_hour: u32, to_hour: u32) -> Self {
        BusinessHours {
            time_zone: time_zone.into(),
            days: weekdays(),
            from_hour,
            to_hour,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.time_zone
            .parse::<Tz>()
            .map_err(|_| format!("unknown time zone {:?}", self.time_zone))?;
        if self.from_hour >= self.to_hour || self.to_hour > 24 {
            return Err(format!(
                "business hours {}–{} are not a range within a day",
                self.from_hour, self.to_hour
            ));
        }
        if self.days.is_empty() {
            return Err("business hours name no working day".into());
        }
        Ok(())
    }

    fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The open window of a local date, in UTC, if it is a working day.
    fn window(&self, tz: Tz, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.days.contains(&d.weekday()) || self.from_hour >= self.to_hour.min(24) {
            return None;
        }
        let open = local(tz, d, self.from_hour)?;
        let close = if self.to_hour >= 24 {
            local(tz, d.succ_opt()?, 0)?
        } else {
            local(tz, d, self.to_hour)?
        };
        Some((open, close))
    }

    /// `start` plus `d` of open time.
    pub fn add(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        let tz = self.tz();
        let mut date = start.with_timezone(&tz).date_naive();
        let mut left = d.max(Duration::zero());
        for _ in 0..MAX_DAYS {
            if let Some((open, close)) = self.window(tz, date) {
                let from = open.max(start);
                if from < close {
                    let avail = close - from;
                    if left <= avail {
                        return from + left;
                    }
                    left -= avail;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        start + d
    }

    /// Open time between `a` and `b`, negative when `b` is before `a`.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b < a {
            return -self.between(b, a);
        }
        let tz = self.tz();
        let mut date = a.with_timezone(&tz).date_naive();
        let last = b.with_timezone(&tz).date_naive();
        let mut total = Duration::zero();
        while date <= last {
            if let Some((open, close)) = self.window(tz, date) {
                let from = open.max(a);
                let to = close.min(b);
                if from < to {
                    total += to - from;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }
}

/// A local wall-clock hour as UTC (the earlier instant when the hour is ambiguous, the next
/// hour when a DST jump skips it).
fn local(tz: Tz, d: NaiveDate, hour: u32) -> Option<DateTime<Utc>> {
    let naive = d.and_hms_opt(hour, 0, 0)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The step a clock is running for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A new comment waiting for its first response.
    FirstResponse,
    /// The customer wrote again (or the case reopened) and waits for an answer.
    Reply,
    /// An acknowledged complaint waiting to move to private.
    MoveToPrivate,
    /// A complaint in private waiting for its resolution.
    Resolve,
    /// A resolved complaint waiting for its follow-up date, then for the verification.
    FollowUp,
    /// An oportunista under investigation waiting for the firm reply.
    FirmReply,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::FirstResponse => "first response",
            Step::Reply => "reply",
            Step::MoveToPrivate => "move to private",
            Step::Resolve => "resolve",
            Step::FollowUp => "follow-up",
            Step::FirmReply => "firm reply",
        }
    }
}

/// How urgent a clock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Green,
    /// Less than a quarter of the target, or less than 15 minutes, left.
    Amber,
    /// Overdue.
    Red,
}

/// A running clock on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub step: Step,
    pub started_at: DateTime<Utc>,
    /// When the step is due: the queue sorts by it.
    pub due_at: DateTime<Utc>,
    /// The target for the step (clock time).
    pub target: Duration,
    /// Clock time left; negative when overdue.
    pub remaining: Duration,
    pub urgency: Urgency,
}

/// The clock of the step a case is waiting for, or `None` when nothing is on the clock (closed,
/// deleted, on the troll ladder, or waiting on something without a target).
pub fn clock(
    case: &Case,
    platform: Platform,
    cfg: &SlaConfig,
    now: DateTime<Utc>,
) -> Option<Clock> {
    let first = cfg.first_response(platform, case.kind);
    let mins = |m: u32| Duration::minutes(i64::from(m));
    let (step, start, target) = match (case.kind, case.state) {
        (_, State::New) => (Step::FirstResponse, case.opened_at, first),
        (Tag::Complaint, State::Acknowledged | State::Private)
            if case.at.awaiting_reply_since.is_some() =>
        {
            (Step::Reply, case.at.awaiting_reply_since?, first)
        }
        (Tag::Complaint, State::Reopened) => (
            Step::Reply,
            case.at.reopened.unwrap_or(case.opened_at),
            first,
        ),
        (Tag::Complaint, State::Acknowledged) => (
            Step::MoveToPrivate,
            case.at.acknowledged?,
            mins(cfg.private_minutes),
        ),
        (Tag::Complaint, State::Private) => {
            (Step::Resolve, case.at.private?, mins(cfg.resolve_minutes))
        }
        (Tag::Complaint, State::Resolved) => {
            let due = case.at.follow_up_due?;
            return Some(follow_up_clock(due, mins(cfg.verify_minutes), now));
        }
        (Tag::Oportunista, State::Investigating) => (
            Step::FirmReply,
            case.at.investigating?,
            mins(cfg.firm_reply_minutes),
        ),
        _ => return None,
    };
    let due_at = cfg.add(start, target);
    let remaining = if now <= due_at {
        cfg.between(now, due_at)
    } else {
        -cfg.between(due_at, now)
    };
    Some(Clock {
        step,
        started_at: start,
        due_at,
        target,
        remaining,
        urgency: urgency(target, remaining),
    })
}

/// The follow-up runs on its calendar date, not on business hours: it starts on the follow-up
/// date and is overdue when the verify window after it has passed.
fn follow_up_clock(follow_up: DateTime<Utc>, window: Duration, now: DateTime<Utc>) -> Clock {
    let target = window;
    let due_at = follow_up + window;
    let remaining = due_at - now;
    Clock {
        step: Step::FollowUp,
        started_at: follow_up,
        due_at,
        target,
        remaining,
        urgency: urgency(target, remaining),
    }
}

/// Red when overdue; amber when less than a quarter of the target or 15 minutes remain.
pub fn urgency(target: Duration, remaining: Duration) -> Urgency {
    if remaining < Duration::zero() {
        Urgency::Red
    } else if remaining * 4 < target || remaining < Duration::minutes(15) {
        Urgency::Amber
    } else {
        Urgency::Green
    }
}

//! Reminders for `calma remind` and the inbox banner: follow-ups that are due and clocks that
//! are overdue, each with a sentence an operator can act on.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::case::Case;
use super::clock::{SlaConfig, Step, Urgency, clock};
use crate::domain::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A resolved complaint whose follow-up date has come: ask whether the fix held. Listed from
    /// the follow-up date on (`due_at` is the end of the verify window).
    FollowUpDue,
    /// A step past its target.
    Breach,
}

/// One thing to do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub comment_id: i64,
    pub kind: ReminderKind,
    pub step: Step,
    pub platform: Platform,
    pub due_at: DateTime<Utc>,
    /// Clock minutes past due (business minutes when business hours are set); negative while a
    /// due follow-up is still within its verify window.
    pub overdue_minutes: i64,
    pub message: String,
}

/// Follow-ups due and clock breaches among `cases`, oldest due first.
pub fn reminders<'a, I>(cases: I, cfg: &SlaConfig, now: DateTime<Utc>) -> Vec<Reminder>
where
    I: IntoIterator<Item = (&'a Case, Platform)>,
{
    let mut out: Vec<Reminder> = cases
        .into_iter()
        .filter_map(|(case, platform)| {
            let c = clock(case, platform, cfg, now)?;
            let kind = if c.step == Step::FollowUp {
                // Due from the follow-up date on, not only once the verify window is over.
                if now < c.started_at {
                    return None;
                }
                ReminderKind::FollowUpDue
            } else if c.urgency == Urgency::Red {
                ReminderKind::Breach
            } else {
                return None;
            };
            let head = format!("#{} ({} on {})", case.comment_id, case.kind, platform);
            let when = c.due_at.format("%Y-%m-%d %H:%M UTC");
            let late = -c.remaining;
            let message = match kind {
                ReminderKind::FollowUpDue => format!(
                    "{head}: follow-up due since {} ({} ago); ask the customer whether it is solved, then verify or reopen{}",
                    c.started_at.format("%Y-%m-%d %H:%M UTC"),
                    human(now - c.started_at),
                    if c.urgency == Urgency::Red {
                        format!(" (overdue since {when})")
                    } else {
                        String::new()
                    }
                ),
                ReminderKind::Breach => format!(
                    "{head}: {} overdue by {} (due {when})",
                    c.step.as_str(),
                    human(late)
                ),
            };
            Some(Reminder {
                comment_id: case.comment_id,
                kind,
                step: c.step,
                platform,
                due_at: c.due_at,
                overdue_minutes: late.num_minutes(),
                message,
            })
        })
        .collect();
    out.sort_by_key(|r| (r.due_at, r.comment_id));
    out
}

/// "3d 2h", "1h 5m", "12m", "0m".
pub fn human(d: Duration) -> String {
    let m = d.num_minutes().abs();
    let (days, hours, mins) = (m / 1440, (m % 1440) / 60, m % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, h) => format!("{h}h {mins}m"),
        (d, h) => format!("{d}d {h}h"),
    }
}

//! The case record: which comment it is about, what kind it is, where it stands on its path, when
//! each step happened and what the operator recorded on the way.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Tag;

/// Where a case stands. Each kind of case walks its own path; `New`, `Closed` and `Deleted` are
/// shared by all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    New,
    /// Answered or apologised to in public.
    Acknowledged,
    /// The conversation moved to a DM, e-mail or phone.
    Private,
    Resolved,
    /// The customer confirmed the fix.
    Verified,
    /// Resolved once, then not: the clock runs again.
    Reopened,
    /// An oportunista's history and order details are being checked.
    Investigating,
    FirmReplied,
    Thanked,
    /// A constructive comment logged as an improvement.
    Logged,
    ToldWhenDone,
    Ignored,
    Hidden,
    Muted,
    Blocked,
    Reported,
    /// Deleted on the platform with a reason code; the comment itself stays stored.
    Deleted,
    Closed,
}

impl State {
    pub const ALL: [State; 18] = [
        State::New,
        State::Acknowledged,
        State::Private,
        State::Resolved,
        State::Verified,
        State::Reopened,
        State::Investigating,
        State::FirmReplied,
        State::Thanked,
        State::Logged,
        State::ToldWhenDone,
        State::Ignored,
        State::Hidden,
        State::Muted,
        State::Blocked,
        State::Reported,
        State::Deleted,
        State::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Acknowledged => "acknowledged",
            State::Private => "private",
            State::Resolved => "resolved",
            State::Verified => "verified",
            State::Reopened => "reopened",
            State::Investigating => "investigating",
            State::FirmReplied => "firm_replied",
            State::Thanked => "thanked",
            State::Logged => "logged",
            State::ToldWhenDone => "told_when_done",
            State::Ignored => "ignored",
            State::Hidden => "hidden",
            State::Muted => "muted",
            State::Blocked => "blocked",
            State::Reported => "reported",
            State::Deleted => "deleted",
            State::Closed => "closed",
        }
    }

    /// Still needs the operator (not closed, not deleted).
    pub fn is_open(self) -> bool {
        !matches!(self, State::Closed | State::Deleted)
    }

    /// The troll-ladder rung this state stands for, if any.
    pub fn rung(self) -> Option<Rung> {
        Rung::ALL.into_iter().find(|r| r.state() == self)
    }

    /// Whether this state lies on the path of a case of `kind` (a retag keeps the state when it
    /// does, and starts the new path from `New` when it does not).
    pub fn fits(self, kind: Tag) -> bool {
        use Tag::*;
        match self {
            State::New | State::Closed | State::Deleted => true,
            State::Acknowledged => matches!(kind, Complaint | Other),
            State::Private => matches!(kind, Complaint | Oportunista),
            State::Resolved | State::Verified | State::Reopened => kind == Complaint,
            State::Investigating | State::FirmReplied => kind == Oportunista,
            State::Thanked | State::Logged | State::ToldWhenDone => kind == Constructive,
            State::Ignored | State::Hidden | State::Muted | State::Blocked | State::Reported => {
                matches!(kind, Troll | Other | Oportunista)
            }
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace('-', "_");
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == k)
            .ok_or_else(|| format!("unknown case state {s:?}"))
    }
}

/// A rung of the troll ladder, lowest first: each is a heavier response than the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rung {
    Ignore,
    Hide,
    Mute,
    Block,
    Report,
}

impl Rung {
    pub const ALL: [Rung; 5] = [
        Rung::Ignore,
        Rung::Hide,
        Rung::Mute,
        Rung::Block,
        Rung::Report,
    ];

    pub fn state(self) -> State {
        match self {
            Rung::Ignore => State::Ignored,
            Rung::Hide => State::Hidden,
            Rung::Mute => State::Muted,
            Rung::Block => State::Blocked,
            Rung::Report => State::Reported,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rung::Ignore => "ignore",
            Rung::Hide => "hide",
            Rung::Mute => "mute",
            Rung::Block => "block",
            Rung::Report => "report",
        }
    }
}

/// Where a conversation went private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Dm,
    Email,
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Dm => "dm",
            Channel::Email => "email",
            Channel::Phone => "phone",
        }
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dm" | "pm" | "message" => Ok(Channel::Dm),
            "email" | "e-mail" | "mail" => Ok(Channel::Email),
            "phone" | "call" | "tel" => Ok(Channel::Phone),
            _ => Err(format!("unknown channel {s:?} (dm, email, phone)")),
        }
    }
}

/// The only reasons a comment may be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteCode {
    Illegal,
    Hate,
    Doxxing,
}

impl DeleteCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeleteCode::Illegal => "illegal",
            DeleteCode::Hate => "hate",
            DeleteCode::Doxxing => "doxxing",
        }
    }
}

impl FromStr for DeleteCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "illegal" => Ok(DeleteCode::Illegal),
            "hate" => Ok(DeleteCode::Hate),
            "doxxing" | "doxing" => Ok(DeleteCode::Doxxing),
            _ => Err(format!(
                "{s:?} is not a reason to delete (illegal, hate, doxxing)"
            )),
        }
    }
}

/// The private channel a conversation moved to, and the contact used there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivateContact {
    pub channel: Channel,
    pub contact: String,
}

/// One climb of the troll ladder, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderStep {
    pub rung: Rung,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// When each step happened (the latest time for steps that can repeat).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    /// The first public answer of any kind; never overwritten (first-response time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<DateTime<Utc>>,
    /// When to come back and ask whether the fix held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_due: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigating: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_reply: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thanked: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_when_done: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime<Utc>>,
    /// The customer's latest comment in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_customer_reply: Option<DateTime<Utc>>,
    /// The oldest customer comment still unanswered while the case is open; cleared by our next
    /// answer. The clock counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_reply_since: Option<DateTime<Utc>>,
}

/// A case: one comment worked through the practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The stored comment the case opened on.
    pub comment_id: i64,
    /// The comment's tag when the case opened, or the operator's correction since.
    pub kind: Tag,
    pub state: State,
    pub opened_at: DateTime<Utc>,
    #[serde(default)]
    pub at: Timestamps,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<PrivateContact>,
    /// What was done to resolve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The highest troll-ladder rung reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub troll_level: Option<Rung>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ladder: Vec<LadderStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DeleteCode>,
    #[serde(default)]
    pub reopen_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
}

impl Case {
    /// A new case on a stored comment, of the kind its tag says.
    pub fn open(comment_id: i64, tag: Tag, now: DateTime<Utc>) -> Case {
        Case {
            comment_id,
            kind: tag,
            state: State::New,
            opened_at: now,
            at: Timestamps::default(),
            private: None,
            resolution: None,
            troll_level: None,
            ladder: Vec::new(),
            deleted: None,
            reopen_count: 0,
            reopen_reason: None,
        }
    }

    /// How long the first public response took (for published response times and stats).
    pub fn first_response_time(&self) -> Option<chrono::Duration> {
        self.at.first_response.map(|t| t - self.opened_at)
    }
}

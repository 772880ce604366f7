//! Stand-in for the store's case layer until it lands on main (same shapes as the brief).
#![allow(dead_code)]

use chrono::{DateTime, Utc};

use crate::domain::{Flags, Platform, RuleHit, Tag};
use crate::store::{StoredComment, Version};
use crate::workflow::{ActionKind, Case, Clock, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    FirstResponse,
    Complaints,
    Oportunistas,
    Constructive,
    Trolls,
    FollowUps,
    All,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::FirstResponse,
        Queue::Complaints,
        Queue::Oportunistas,
        Queue::Constructive,
        Queue::Trolls,
        Queue::FollowUps,
        Queue::All,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::FirstResponse => "first_response",
            Queue::Complaints => "complaints",
            Queue::Oportunistas => "oportunistas",
            Queue::Constructive => "constructive",
            Queue::Trolls => "trolls",
            Queue::FollowUps => "follow_ups",
            Queue::All => "all",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Queue::FirstResponse => "Needs reply",
            Queue::Complaints => "Complaints",
            Queue::Oportunistas => "Oportunistas",
            Queue::Constructive => "Constructive",
            Queue::Trolls => "Trolls",
            Queue::FollowUps => "Follow-ups",
            Queue::All => "All",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub comment_id: i64,
    pub platform: Platform,
    pub tag: Tag,
    pub flags: Flags,
    pub state: State,
    pub author: String,
    pub text: String,
    pub created_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthorSummary {
    pub comments: u32,
    pub by_tag: Vec<(Tag, u32)>,
    pub asked_compensation: u32,
    pub recent: Vec<StoredComment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub at: DateTime<Utc>,
    pub operator: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CaseView {
    pub comment: StoredComment,
    pub versions: Vec<Version>,
    pub thread: Vec<StoredComment>,
    pub rules: Vec<RuleHit>,
    pub scores: Vec<(Tag, f32)>,
    pub author: Option<AuthorSummary>,
    pub case: Case,
    pub events: Vec<StoredEvent>,
    pub clock: Option<Clock>,
    pub allowed: Vec<ActionKind>,
}

//! What an operator (or a new comment in the thread) can do to a case, and the audit event each
//! applied action leaves behind.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::case::{Case, Channel, DeleteCode, Rung, State};
use crate::domain::Tag;

/// One step on a case. Everything needed to re-apply it is inside, so the audit log replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A public answer that takes the complaint seriously.
    Acknowledge,
    /// A public apology (the brand was at fault).
    Apologise,
    MoveToPrivate {
        channel: Channel,
        contact: String,
    },
    /// What was done. The follow-up date defaults to three days later; the UI passes
    /// [`crate::workflow::SlaConfig::follow_up_after`] to honour the configured delay.
    Resolve {
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up_at: Option<DateTime<Utc>>,
    },
    SetFollowUp {
        at: DateTime<Utc>,
    },
    /// The customer confirmed the fix.
    Verify,
    Reopen {
        reason: String,
    },
    Close,
    /// A new comment from the customer in the thread (not an operator action).
    CustomerReplied {
        text: String,
        at: DateTime<Utc>,
    },
    Investigate,
    FirmReply,
    Thank,
    LogImprovement,
    ToldWhenDone,
    Ignore {
        reason: String,
    },
    Hide {
        reason: String,
    },
    Mute {
        reason: String,
    },
    Block {
        reason: String,
    },
    Report {
        reason: String,
    },
    Delete {
        code: DeleteCode,
    },
    Retag {
        to: Tag,
    },
}

/// The name of an action, without its details: what a key or a `calma act` verb stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Acknowledge,
    Apologise,
    MoveToPrivate,
    Resolve,
    SetFollowUp,
    Verify,
    Reopen,
    Close,
    CustomerReplied,
    Investigate,
    FirmReply,
    Thank,
    LogImprovement,
    ToldWhenDone,
    Ignore,
    Hide,
    Mute,
    Block,
    Report,
    Delete,
    Retag,
}

impl ActionKind {
    pub const ALL: [ActionKind; 21] = [
        ActionKind::Acknowledge,
        ActionKind::Apologise,
        ActionKind::MoveToPrivate,
        ActionKind::Resolve,
        ActionKind::SetFollowUp,
        ActionKind::Verify,
        ActionKind::Reopen,
        ActionKind::Close,
        ActionKind::CustomerReplied,
        ActionKind::Investigate,
        ActionKind::FirmReply,
        ActionKind::Thank,
        ActionKind::LogImprovement,
        ActionKind::ToldWhenDone,
        ActionKind::Ignore,
        ActionKind::Hide,
        ActionKind::Mute,
        ActionKind::Block,
        ActionKind::Report,
        ActionKind::Delete,
        ActionKind::Retag,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Acknowledge => "acknowledge",
            ActionKind::Apologise => "apologise",
            ActionKind::MoveToPrivate => "move_to_private",
            ActionKind::Resolve => "resolve",
            ActionKind::SetFollowUp => "set_follow_up",
            ActionKind::Verify => "verify",
            ActionKind::Reopen => "reopen",
            ActionKind::Close => "close",
            ActionKind::CustomerReplied => "customer_replied",
            ActionKind::Investigate => "investigate",
            ActionKind::FirmReply => "firm_reply",
            ActionKind::Thank => "thank",
            ActionKind::LogImprovement => "log_improvement",
            ActionKind::ToldWhenDone => "told_when_done",
            ActionKind::Ignore => "ignore",
            ActionKind::Hide => "hide",
            ActionKind::Mute => "mute",
            ActionKind::Block => "block",
            ActionKind::Report => "report",
            ActionKind::Delete => "delete",
            ActionKind::Retag => "retag",
        }
    }

    /// Heavy, hard-to-take-back moves: the UI asks before it sends them.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            ActionKind::Block | ActionKind::Report | ActionKind::Delete
        )
    }

    /// Done by the operator (everything but a customer's new comment).
    pub fn is_operator_action(self) -> bool {
        self != ActionKind::CustomerReplied
    }

    /// The troll-ladder rung this action climbs to, if it is one.
    pub fn rung(self) -> Option<Rung> {
        match self {
            ActionKind::Ignore => Some(Rung::Ignore),
            ActionKind::Hide => Some(Rung::Hide),
            ActionKind::Mute => Some(Rung::Mute),
            ActionKind::Block => Some(Rung::Block),
            ActionKind::Report => Some(Rung::Report),
            _ => None,
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = String;
    /// Reads `move-to-private`, `move_to_private`, `private`, `apologize`… as `calma act` takes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match k.as_str() {
            "ack" => Some(ActionKind::Acknowledge),
            "apologize" => Some(ActionKind::Apologise),
            "private" => Some(ActionKind::MoveToPrivate),
            "follow_up" | "followup" => Some(ActionKind::SetFollowUp),
            "log" => Some(ActionKind::LogImprovement),
            _ => None,
        };
        alias
            .or_else(|| ActionKind::ALL.into_iter().find(|a| a.as_str() == k))
            .ok_or_else(|| format!("unknown action {s:?}"))
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Acknowledge => ActionKind::Acknowledge,
            Action::Apologise => ActionKind::Apologise,
            Action::MoveToPrivate { .. } => ActionKind::MoveToPrivate,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::SetFollowUp { .. } => ActionKind::SetFollowUp,
            Action::Verify => ActionKind::Verify,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::Close => ActionKind::Close,
            Action::CustomerReplied { .. } => ActionKind::CustomerReplied,
            Action::Investigate => ActionKind::Investigate,
            Action::FirmReply => ActionKind::FirmReply,
            Action::Thank => ActionKind::Thank,
            Action::LogImprovement => ActionKind::LogImprovement,
            Action::ToldWhenDone => ActionKind::ToldWhenDone,
            Action::Ignore { .. } => ActionKind::Ignore,
            Action::Hide { .. } => ActionKind::Hide,
            Action::Mute { .. } => ActionKind::Mute,
            Action::Block { .. } => ActionKind::Block,
            Action::Report { .. } => ActionKind::Report,
            Action::Delete { .. } => ActionKind::Delete,
            Action::Retag { .. } => ActionKind::Retag,
        }
    }

    pub fn needs_confirmation(&self) -> bool {
        self.kind().needs_confirmation()
    }

    /// A troll-ladder action built from its rung.
    pub fn ladder(rung: Rung, reason: impl Into<String>) -> Action {
        let reason = reason.into();
        match rung {
            Rung::Ignore => Action::Ignore { reason },
            Rung::Hide => Action::Hide { reason },
            Rung::Mute => Action::Mute { reason },
            Rung::Block => Action::Block { reason },
            Rung::Report => Action::Report { reason },
        }
    }

    /// The operator's stated reason, for the actions that carry one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Action::Reopen { reason }
            | Action::Ignore { reason }
            | Action::Hide { reason }
            | Action::Mute { reason }
            | Action::Block { reason }
            | Action::Report { reason } => Some(reason),
            Action::Delete { code } => Some(code.as_str()),
            _ => None,
        }
    }
}

/// The audit record of one applied action: the store saves it next to the new case state, in
/// the same transaction. The operator's name is the store's to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The action's name (also inside `action`; kept apart for queries and exports).
    pub name: ActionKind,
    /// The action as applied, so that [`crate::workflow::replay`] can apply it again.
    pub action: Action,
    pub from: State,
    pub to: State,
    pub at: DateTime<Utc>,
    /// The reason given, if the action carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A one-line human summary ("moved to email: ana@example.com").
    pub details: String,
}

/// The result of applying an action: the new case and the event to store with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub case: Case,
    pub event: Event,
}

//! The transition function: which action is allowed from which state for which kind of case,
//! what it records, and the replay of an audit log.

use chrono::{DateTime, Duration, Utc};

use super::action::{Action, ActionKind, Event, Transition};
use super::case::{Case, LadderStep, PrivateContact, Rung, State};
use super::thanks::is_bare_thanks;
use crate::domain::Tag;

/// Days from resolution to follow-up when the operator does not say otherwise.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 3;

/// Why an action was refused. The message says what to do instead; `allowed` lists what the
/// operator can do from here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("{message}. From here: {}", list(allowed))]
    NotAllowed {
        action: ActionKind,
        state: State,
        kind: Tag,
        message: String,
        allowed: Vec<ActionKind>,
    },
    #[error("{message}")]
    Invalid { action: ActionKind, message: String },
    #[error("{message}")]
    Undo { message: String },
    #[error("the audit log does not replay at event {index} ({name}): {message}")]
    Replay {
        index: usize,
        name: ActionKind,
        message: String,
    },
}

fn list(allowed: &[ActionKind]) -> String {
    if allowed.is_empty() {
        return "nothing (the case is finished)".into();
    }
    let names: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
    names.join(", ")
}

/// A refusal before it is dressed with the list of allowed actions.
enum Refusal {
    NotAllowed(String),
    Invalid(String),
}

type Step = Result<(State, String), Refusal>;

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::NotAllowed(msg.into()))
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::Invalid(msg.into()))
}

fn nonempty(s: &str, what: &str) -> Result<String, Refusal> {
    let t = s.trim();
    if t.is_empty() {
        invalid(what)
    } else {
        Ok(t.to_string())
    }
}

/// Applies one action to a case at time `now`. Pure: same input, same output.
pub fn apply(
    case: &Case,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Transition, WorkflowError> {
    let mut next = case.clone();
    match step(&mut next, action, now) {
        Ok((to, details)) => {
            next.state = to;
            let event = Event {
                name: action.kind(),
                action: action.clone(),
                from: case.state,
                to,
                at: now,
                reason: action.reason().map(str::to_string),
                details,
            };
            Ok(Transition { case: next, event })
        }
        Err(Refusal::NotAllowed(message)) => Err(WorkflowError::NotAllowed {
            action: action.kind(),
            state: case.state,
            kind: case.kind,
            message,
            allowed: allowed_actions(case, now),
        }),
        Err(Refusal::Invalid(message)) => Err(WorkflowError::Invalid {
            action: action.kind(),
            message,
        }),
    }
}

/// Rebuilds a case from the case as it opened and its audit log, re-applying every event's
/// action at the event's time. Undo of the last action is `replay(opened, &events[..n - 1])`.
pub fn replay(opened: &Case, events: &[Event]) -> Result<Case, WorkflowError> {
    let mut case = opened.clone();
    for (index, ev) in events.iter().enumerate() {
        let replay_err = |message: String| WorkflowError::Replay {
            index,
            name: ev.name,
            message,
        };
        if case.state != ev.from {
            return Err(replay_err(format!(
                "the event starts from {} but the case is {}",
                ev.from, case.state
            )));
        }
        let t = apply(&case, &ev.action, ev.at).map_err(|e| replay_err(e.to_string()))?;
        if t.case.state != ev.to {
            return Err(replay_err(format!(
                "the event ends in {} but replaying it gives {}",
                ev.to, t.case.state
            )));
        }
        case = t.case;
    }
    Ok(case)
}

/// Undoes the operator's last action: the case rebuilt from every event but the last. Refused
/// when there is nothing to undo or when the last event is a customer's comment (which is a fact,
/// not an operator's choice).
pub fn undo(opened: &Case, events: &[Event]) -> Result<Case, WorkflowError> {
    let Some((last, earlier)) = events.split_last() else {
        return Err(WorkflowError::Undo {
            message: "nothing to undo: no action has been taken on this case".into(),
        });
    };
    if !last.name.is_operator_action() {
        return Err(WorkflowError::Undo {
            message: "the last event is the customer's new comment, not an action to undo".into(),
        });
    }
    replay(opened, earlier)
}

/// The operator actions that would be accepted now, in [`ActionKind::ALL`] order: what keys make
/// sense for this case. `now` matters: a resolved complaint may be closed once its follow-up is due.
pub fn allowed_actions(case: &Case, now: DateTime<Utc>) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| k.is_operator_action())
        .filter(|k| {
            let sample = sample_action(*k, case, now);
            step(&mut case.clone(), &sample, now).is_ok()
        })
        .collect()
}

/// A well-formed action of kind `k`, to probe whether the kind is allowed at all.
fn sample_action(k: ActionKind, case: &Case, now: DateTime<Utc>) -> Action {
    let reason = || "probe".to_string();
    let later = now.max(case.at.resolved.unwrap_or(now)) + Duration::days(1);
    match k {
        ActionKind::Acknowledge => Action::Acknowledge,
        ActionKind::Apologise => Action::Apologise,
        ActionKind::MoveToPrivate => Action::MoveToPrivate {
            channel: super::case::Channel::Dm,
            contact: "probe".into(),
        },
        ActionKind::Resolve => Action::Resolve {
            note: reason(),
            follow_up_at: None,
        },
        ActionKind::SetFollowUp => Action::SetFollowUp { at: later },
        ActionKind::Verify => Action::Verify,
        ActionKind::Reopen => Action::Reopen { reason: reason() },
        ActionKind::Close => Action::Close,
        ActionKind::CustomerReplied => Action::CustomerReplied {
            text: reason(),
            at: now,
        },
        ActionKind::Investigate => Action::Investigate,
        ActionKind::FirmReply => Action::FirmReply,
        ActionKind::Thank => Action::Thank,
        ActionKind::LogImprovement => Action::LogImprovement,
        ActionKind::ToldWhenDone => Action::ToldWhenDone,
        ActionKind::Ignore => Action::ladder(Rung::Ignore, reason()),
        ActionKind::Hide => Action::ladder(Rung::Hide, reason()),
        ActionKind::Mute => Action::ladder(Rung::Mute, reason()),
        ActionKind::Block => Action::ladder(Rung::Block, reason()),
        ActionKind::Report => Action::ladder(Rung::Report, reason()),
        ActionKind::Delete => Action::Delete {
            code: super::case::DeleteCode::Illegal,
        },
        ActionKind::Retag => Action::Retag {
            to: if case.kind == Tag::Other {
                Tag::Complaint
            } else {
                Tag::Other
            },
        },
    }
}

/// Checks the action against the case and records its details in `c` (all but the new state,
/// which is returned).
fn step(c: &mut Case, action: &Action, now: DateTime<Utc>) -> Step {
    match action {
        Action::Acknowledge | Action::Apologise => answer(c, action.kind(), now),
        Action::MoveToPrivate { channel, contact } => {
            let contact = nonempty(
                contact,
                "say where the conversation went: a DM handle, e-mail address or phone number",
            )?;
            move_to_private(c, now)?;
            let details = format!("moved to {}: {contact}", channel.as_str());
            c.private = Some(PrivateContact {
                channel: *channel,
                contact,
            });
            Ok((State::Private, details))
        }
        Action::Resolve { note, follow_up_at } => resolve(c, note, *follow_up_at, now),
        Action::SetFollowUp { at } => set_follow_up(c, *at),
        Action::Verify => verify(c, now),
        Action::Reopen { reason } => reopen(c, reason, now),
        Action::Close => close(c, now),
        Action::CustomerReplied { text, at } => customer_replied(c, text, *at),
        Action::Investigate => investigate(c, now),
        Action::FirmReply => firm_reply(c, now),
        Action::Thank | Action::LogImprovement | Action::ToldWhenDone => {
            constructive(c, action.kind(), now)
        }
        Action::Ignore { reason }
        | Action::Hide { reason }
        | Action::Mute { reason }
        | Action::Block { reason }
        | Action::Report { reason } => {
            let rung = action.kind().rung().expect("ladder actions have a rung");
            climb(c, rung, reason, now)
        }
        Action::Delete { code } => {
            if c.state == State::Deleted {
                return refuse("this comment is already deleted");
            }
            c.deleted = Some(*code);
            c.at.deleted = Some(now);
            c.at.awaiting_reply_since = None;
            Ok((
                State::Deleted,
                format!(
                    "deleted on the platform ({}); the comment stays stored",
                    code.as_str()
                ),
            ))
        }
        Action::Retag { to } => retag(c, *to),
    }
}

/// "the complaint is acknowledged": where the case stands, for refusals.
fn here(c: &Case) -> String {
    format!("the {} is {}", c.kind, c.state.as_str().replace('_', " "))
}

fn record_answer(c: &mut Case, now: DateTime<Utc>) {
    c.at.first_response.get_or_insert(now);
    c.at.awaiting_reply_since = None;
}

fn answer(c: &mut Case, kind: ActionKind, now: DateTime<Utc>) -> Step {
    let verb = if kind == ActionKind::Apologise {
        "apologised in public"
    } else {
        "answered in public"
    };
    let awaiting = c.at.awaiting_reply_since.is_some();
    let ok = match (c.kind, c.state) {
        (Tag::Complaint, State::New | State::Reopened) | (Tag::Other, State::New) => true,
        (Tag::Complaint, State::Acknowledged | State::Private) => awaiting,
        _ => false,
    };
    if !ok {
        return refuse(match (c.kind, c.state) {
            (Tag::Complaint, State::Acknowledged) => {
                "this complaint is already acknowledged: move it to private or resolve it".into()
            }
            (Tag::Complaint, State::Private) => {
                "this complaint is in private now: resolve it there".into()
            }
            (Tag::Troll, _) => "don't feed the troll: a troll gets the ladder, not an answer; retag it if it is a real complaint".into(),
            (Tag::Oportunista, State::New) => {
                "investigate an oportunista before answering: check the author's history and order details".into()
            }
            (Tag::Constructive, State::New) => "thank a constructive comment".into(),
            _ => format!("{kind} does not apply here: {}", here(c)),
        });
    }
    let to = if c.state == State::Private {
        State::Private
    } else {
        State::Acknowledged
    };
    record_answer(c, now);
    c.at.acknowledged = Some(now);
    Ok((to, verb.into()))
}

fn move_to_private(c: &mut Case, now: DateTime<Utc>) -> Result<(), Refusal> {
    match (c.kind, c.state) {
        (Tag::Complaint, State::Acknowledged | State::Reopened)
        | (Tag::Oportunista, State::FirmReplied) => {
            record_answer(c, now);
            c.at.private = Some(now);
            Ok(())
        }
        (Tag::Complaint, State::New) => refuse(
            "answer in public first: a new complaint must be acknowledged before it moves to private",
        ),
        (Tag::Oportunista, State::New | State::Investigating) => {
            refuse("an oportunista moves to private after the firm public reply")
        }
        _ => refuse(format!("this case does not move to private: {}", here(c))),
    }
}

fn resolve(
    c: &mut Case,
    note: &str,
    follow_up_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Step {
    let note = nonempty(note, "say what was done to resolve it")?;
    match (c.kind, c.state) {
        (Tag::Complaint, State::Acknowledged | State::Private | State::Reopened) => {}
        (Tag::Complaint, State::New) => {
            return refuse("a new complaint must be acknowledged before it is resolved");
        }
        (Tag::Complaint, State::Resolved) => {
            return refuse(
                "this complaint is already resolved: verify it, reopen it or change its follow-up date",
            );
        }
        _ => {
            return refuse(format!(
                "only an answered complaint is resolved: {}",
                here(c)
            ));
        }
    }
    let due = follow_up_at.unwrap_or(now + Duration::days(DEFAULT_FOLLOW_UP_DAYS));
    if due <= now {
        return invalid("the follow-up date must be after the resolution");
    }
    record_answer(c, now);
    c.resolution = Some(note.clone());
    c.at.resolved = Some(now);
    c.at.follow_up_due = Some(due);
    Ok((
        State::Resolved,
        format!(
            "resolved: {note}; follow up on {}",
            due.format("%Y-%m-%d %H:%M UTC")
        ),
    ))
}

fn set_follow_up(c: &mut Case, at: DateTime<Utc>) -> Step {
    if (c.kind, c.state) != (Tag::Complaint, State::Resolved) {
        return refuse("a follow-up date belongs to a resolved complaint");
    }
    let resolved = c.at.resolved.unwrap_or(c.opened_at);
    if at <= resolved {
        return invalid(format!(
            "the follow-up must come after the resolution ({})",
            resolved.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    c.at.follow_up_due = Some(at);
    Ok((
        State::Resolved,
        format!("follow up on {}", at.format("%Y-%m-%d %H:%M UTC")),
    ))
}

fn verify(c: &mut Case, now: DateTime<Utc>) -> Step {
    if (c.kind, c.state) != (Tag::Complaint, State::Resolved) {
        return refuse("only a resolved complaint can be verified");
    }
    c.at.verified = Some(now);
    Ok((
        State::Verified,
        "the customer confirmed it is solved".into(),
    ))
}

fn reopen(c: &mut Case, reason: &str, now: DateTime<Utc>) -> Step {
    let reason = nonempty(reason, "say why the case reopens")?;
    let to = match (c.kind, c.state) {
        (Tag::Complaint, State::Resolved | State::Verified | State::Closed) => State::Reopened,
        (_, State::Closed) => State::New,
        (_, s) => {
            return refuse(format!(
                "only a resolved, verified or closed case reopens; this one is {s}"
            ));
        }
    };
    mark_reopened(c, reason, now);
    Ok((to, "reopened".into()))
}

fn mark_reopened(c: &mut Case, reason: String, at: DateTime<Utc>) {
    c.reopen_count += 1;
    c.reopen_reason = Some(reason);
    c.at.reopened = Some(at);
    c.at.follow_up_due = None;
}

fn close(c: &mut Case, now: DateTime<Utc>) -> Step {
    let ok = match (c.kind, c.state) {
        (Tag::Complaint, State::Verified) => true,
        (Tag::Complaint, State::Resolved) => c.at.follow_up_due.is_some_and(|d| now >= d),
        (Tag::Oportunista, State::FirmReplied | State::Private) => true,
        (Tag::Constructive, State::Thanked | State::ToldWhenDone) => true,
        (Tag::Other, State::New | State::Acknowledged) => true,
        (_, s) => s.rung().is_some(),
    };
    if !ok {
        return refuse(match (c.kind, c.state) {
            (Tag::Complaint, State::Resolved) => format!(
                "a resolved complaint closes once the customer confirms (verify) or after its follow-up on {}",
                c.at.follow_up_due
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
            (Tag::Complaint, _) => {
                "a complaint closes only after it is resolved and verified".into()
            }
            (Tag::Constructive, State::Logged) => {
                "tell the author when the improvement is done before closing".into()
            }
            (Tag::Oportunista, _) => {
                "an oportunista gets a firm public reply before the case closes".into()
            }
            (_, State::Closed | State::Deleted) => format!("this case is already {}", c.state),
            _ => format!("this case cannot be closed yet: {}", here(c)),
        });
    }
    c.at.closed = Some(now);
    c.at.awaiting_reply_since = None;
    Ok((State::Closed, "closed".into()))
}

fn customer_replied(c: &mut Case, text: &str, at: DateTime<Utc>) -> Step {
    c.at.last_customer_reply = Some(at);
    let bare = is_bare_thanks(text);
    if bare {
        return Ok((c.state, "the customer said thanks".into()));
    }
    if c.kind != Tag::Complaint {
        return Ok((c.state, "the author wrote again".into()));
    }
    match c.state {
        State::Resolved | State::Verified | State::Closed => {
            mark_reopened(c, "the customer wrote again".into(), at);
            c.at.awaiting_reply_since = Some(at);
            Ok((State::Reopened, "the customer wrote again: reopened".into()))
        }
        State::Acknowledged | State::Private => {
            c.at.awaiting_reply_since.get_or_insert(at);
            Ok((
                c.state,
                "the customer wrote again: the clock restarts".into(),
            ))
        }
        s => Ok((s, "the customer wrote again".into())),
    }
}

fn investigate(c: &mut Case, now: DateTime<Utc>) -> Step {
    match (c.kind, c.state) {
        (Tag::Oportunista, State::New) => {
            c.at.investigating = Some(now);
            Ok((
                State::Investigating,
                "investigating history and order details".into(),
            ))
        }
        (Tag::Oportunista, _) => refuse("this oportunista is past investigation"),
        (k, _) => refuse(format!(
            "investigation is the oportunista path; this is a {k} (retag it if it is fishing for a discount)"
        )),
    }
}

fn firm_reply(c: &mut Case, now: DateTime<Utc>) -> Step {
    match (c.kind, c.state) {
        (Tag::Oportunista, State::Investigating) => {
            record_answer(c, now);
            c.at.firm_reply = Some(now);
            Ok((State::FirmReplied, "firm public reply".into()))
        }
        (Tag::Oportunista, State::New) => refuse(
            "investigate first: check the author's history and order details before a firm reply",
        ),
        _ => refuse(format!(
            "a firm reply is for an investigated oportunista: {}",
            here(c)
        )),
    }
}

fn constructive(c: &mut Case, kind: ActionKind, now: DateTime<Utc>) -> Step {
    let (need, to, details) = match kind {
        ActionKind::Thank => (State::New, State::Thanked, "thanked the author"),
        ActionKind::LogImprovement => (State::Thanked, State::Logged, "logged as an improvement"),
        _ => (
            State::Logged,
            State::ToldWhenDone,
            "told the author it is done",
        ),
    };
    if c.kind != Tag::Constructive {
        return refuse(format!(
            "{kind} is the constructive path; this is a {} (retag it if it is a suggestion)",
            c.kind
        ));
    }
    if c.state != need {
        return refuse(format!(
            "{kind} comes after {need}; this constructive case is {}",
            c.state
        ));
    }
    match kind {
        ActionKind::Thank => {
            record_answer(c, now);
            c.at.thanked = Some(now);
        }
        ActionKind::LogImprovement => c.at.logged = Some(now),
        _ => c.at.told_when_done = Some(now),
    }
    Ok((to, details.into()))
}

fn climb(c: &mut Case, rung: Rung, reason: &str, now: DateTime<Utc>) -> Step {
    let reason = nonempty(
        reason,
        &format!("say why: {} needs a reason", rung.as_str()),
    )?;
    if matches!(c.kind, Tag::Complaint | Tag::Constructive) {
        return refuse(format!(
            "a {} comment cannot be {}: criticism is answered, not buried; retag it first if it really is a troll",
            c.kind,
            rung.state()
        ));
    }
    let from_ok = match c.state {
        State::New | State::Investigating => true,
        s => s.rung().is_some_and(|r| r < rung),
    };
    if !from_ok {
        return refuse(match c.state.rung() {
            Some(r) => format!("already {}: the troll ladder only goes up", r.state()),
            None => format!("this case is not on the troll ladder: {}", here(c)),
        });
    }
    c.troll_level = Some(rung);
    c.ladder.push(LadderStep {
        rung,
        reason: reason.clone(),
        at: now,
    });
    c.at.awaiting_reply_since = None;
    Ok((rung.state(), format!("{}: {reason}", rung.as_str())))
}

fn retag(c: &mut Case, to: Tag) -> Step {
    if c.kind == to {
        return invalid(format!("this case is already tagged {to}"));
    }
    let from = c.kind;
    c.kind = to;
    let state = if c.state.fits(to) {
        c.state
    } else {
        State::New
    };
    Ok((state, format!("retagged {from} → {to}")))
}

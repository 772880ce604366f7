//! The case workflow as a pure state machine: `apply(case, action, now)`, the replay of an audit
//! log, SLA clocks and reminders. No I/O and no clock reads: time is always a parameter.

mod action;
mod case;
mod clock;
mod machine;
mod remind;
mod thanks;

pub use action::{Action, ActionKind, Event, Transition};
pub use case::{Case, Channel, DeleteCode, LadderStep, PrivateContact, Rung, State, Timestamps};
pub use clock::{BusinessHours, Clock, SlaConfig, Step, Urgency, clock, urgency};
pub use machine::{DEFAULT_FOLLOW_UP_DAYS, WorkflowError, allowed_actions, apply, replay, undo};
pub use remind::{Reminder, ReminderKind, human, reminders};
pub use thanks::is_bare_thanks;

#[cfg(test)]
mod tests;

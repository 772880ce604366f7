//! The case workflow as a pure state machine: `apply(case, action, now)`, SLA clocks, reminders.

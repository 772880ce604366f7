//! The communication guide: reply templates with variants, placeholders, rotation and the BIFF lint.
//!
//! - [`guide`]: situations with variants per language, from TOML (built-in + the user's file),
//!   and `check_guide` for `calma templates check`.
//! - [`placeholder`]: `{name|there}` rendering and the send guard.
//! - [`rotation`]: which variant to offer, usage counts, stale templates.
//! - [`lint`]: Brief / Informative / Friendly / Firm warnings in en, es, ru, nl.
//! - [`osc52`]: copying the reply to the clipboard through the terminal.
//!
//! Everything here is pure: time is a parameter, and the only I/O is reading a guide file.

pub mod compose;
pub mod guide;
pub mod lint;
pub mod osc52;
pub mod placeholder;
pub mod rotation;

pub use compose::{Draft, Recipient, draft};
pub use guide::{
    BUILTIN_GUIDE, Guide, GuideError, GuideLoadError, GuideSummary, Part, Severity, Template, Tone,
    check_guide,
};
pub use lint::{Biff, LintWarning, length_budget, lint};
pub use osc52::osc52;
pub use placeholder::{Placeholder, Problem, Rendered, Values, placeholders, render, send_guard};
pub use rotation::{
    NoVariant, STALE_AFTER_DAYS, Stale, UsageLog, UsageRecord, VariantRef, pick, pick_variant,
    stale,
};

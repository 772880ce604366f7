//! The ratatui inbox: app state, update, view, keymap and theme.
//!
//! One loop owns the [`App`]: it `select!`s over terminal events, a tick and the answers of a
//! store worker thread that owns the database connection. Keys become [`Action`]s,
//! [`update`] changes the state and returns [`Effect`]s, and [`view::draw`] only reads.

pub mod app;
pub mod composer;
pub mod diff;
pub mod keymap;
pub mod layout;
pub mod run;
pub mod stats;
pub mod view;
pub mod worker;

/// The store's case layer as the inbox sees it.
pub mod api {
    pub use crate::store::{CaseView, Queue, QueueRow};
}

pub use app::{Action, App, Effect, Request, Response, update};
pub use keymap::{Command, Keymap, KeymapError};

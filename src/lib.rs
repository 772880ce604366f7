//! calma: a terminal moderation inbox for community managers.
//!
//! Comments come in through [`ingest`] (one reader per export format), are tagged by the
//! explainable rules of [`classify`], stored by [`store`] (the only module that speaks SQL), and
//! worked through the practice encoded in [`workflow`] and [`replies`] from the [`tui`] inbox or
//! the [`cli`]. [`insights`] reads the store for figures, spikes and recurring topics.

pub mod classify;
pub mod cli;
pub mod domain;
mod fnv;
pub mod ingest;
pub mod insights;
pub mod replies;
pub mod store;
pub mod synthetic;
pub mod tui;
pub mod workflow;

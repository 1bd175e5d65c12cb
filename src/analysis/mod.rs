//! What a command computes from one or many runs: one file per analysis, each
//! returning finished results (no formatting, no files).
//!
//! `run` is the single simulation every other analysis builds on; `sweep` holds one
//! param at a grid of values; `compare` runs several models on common random
//! numbers; `sobol` estimates variance-based sensitivity indices.

pub mod anatomy;
pub mod compare;
pub mod condition;
pub mod merge;
pub mod run;
pub mod sobol;
pub mod state;
pub mod sweep;

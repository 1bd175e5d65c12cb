//! costsim: Monte Carlo uncertainty for cost models.
//!
//! The data flow, one module per stage: `model` (the file as written, validated) →
//! `plan` (a tape of block operations) → `engine` (the parallel kernel) → `stats`
//! (mergeable aggregates) → `report` (the summary, its writers and the chart data) →
//! `plot` (PNG charts drawn from that data). `analysis` holds what a command computes
//! beyond one run (sweeps, comparisons, Sobol indices); `app` turns arguments into an
//! analysis and its writers.

// Parameter checks are written `!(x > 0.0)` on purpose: unlike `x <= 0.0`, they
// reject NaN (rand_distr's convention).
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// A Diagnostic carries its resolved location; errors are the cold path.
#![allow(clippy::result_large_err)]

pub mod analysis;
pub mod app;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod math;
pub mod model;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod report;
pub mod simd;
pub mod stats;

//! Distributions: the catalogue of names, parameter checks, sampling and quantiles.
//!
//! Samplers fill blocks from eight-lane xoshiro256++ streams (`lanes`, `block`,
//! `ziggurat`, `beta_table`, `fastmath`); rand_distr's serve the rarer shapes (beta
//! with a shape below 1, gamma below 1, Poisson). CDFs and quantile functions come
//! from statrs.
//! Parameter checks are NaN-safe (`!(sd >= 0.0)` rejects NaN) and their messages name
//! the distribution, the argument and the value, so the model layer only adds the param.

pub mod beta_table;
pub mod block;
pub mod copula;
pub mod fastmath;
pub mod inverse;
mod kind;
pub mod lanes;
mod quantile;
mod scalar;
pub mod ziggurat;

pub use kind::{DistKind, Shape};
pub use quantile::{Quantile, Window};
pub use scalar::{GammaLarge, Scalar, Z95};

use std::fmt;

/// Invalid distribution arguments, e.g. "normal(mean, sd): sd must be >= 0, got -1".
#[derive(Clone, Debug, PartialEq)]
pub struct DistError {
    pub dist: &'static str,
    pub message: String,
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.dist, self.message)
    }
}

impl std::error::Error for DistError {}

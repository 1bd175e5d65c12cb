//! The model as the user wrote it: read the TOML, parse expressions, validate.
//!
//! `load` turns a file (plus optional overrides) into a [`Model`] whose names all
//! resolve, whose params form a DAG and whose calls have the right arguments. It
//! keeps every span so later stages can point at the text behind an error.

pub mod ast;
pub mod builtins;
pub mod condition;
pub mod lexer;
mod load;
pub mod parser;
mod schema;
mod validate;

pub use load::{MAX_PARAMS, Override, load, read_source};
pub use validate::constant_value;

use crate::error::{Source, Span};
use ast::Expr;

/// Defaults when the file's `[model]` table does not set them.
pub const DEFAULT_SAMPLES: u64 = 1_000_000;
pub const DEFAULT_SEED: u64 = 20250127;

#[derive(Clone, Debug)]
pub struct Model {
    pub title: String,
    pub description: Option<String>,
    /// Where the model came from, as shown in messages.
    pub file: String,
    pub samples: u64,
    pub seed: u64,
    /// Params in file order.
    pub params: Vec<Param>,
    /// Indices into `params`, each after every param it uses.
    pub order: Vec<usize>,
    /// Indices into `params` of the reported outputs, in report order.
    pub outputs: Vec<usize>,
    pub claims: Vec<Claim>,
    /// Spearman rank correlations between pairs of inputs.
    pub correlations: Vec<Correlation>,
    /// `sources[0]` is the model file; overrides add their own.
    pub sources: Vec<Source>,
    /// Overrides applied, as `name = value` lines, for the summary.
    pub overrides: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub label: Option<String>,
    pub unit: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub expr: Expr,
    /// Index into `Model::sources` of the text `expr`'s spans point into.
    pub origin: usize,
    pub name_span: Span,
    /// Params this one uses, by index.
    pub deps: Vec<usize>,
}

/// A `[[correlations]]` entry: the target Spearman rank correlation of two params.
#[derive(Clone, Debug)]
pub struct Correlation {
    pub a: usize,
    pub b: usize,
    pub rank: f64,
    /// The entry's `params` list in the model file, for messages.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Claim {
    pub label: String,
    pub param: usize,
    pub value: f64,
    pub source: Option<String>,
    pub description: Option<String>,
}

impl Model {
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    /// The source text behind a param's expression.
    pub fn source_of(&self, param: usize) -> &Source {
        &self.sources[self.params[param].origin]
    }

    /// Whether any expression of the model contains a distribution call.
    pub fn param_has_distribution(&self, param: usize) -> bool {
        let mut found = false;
        self.params[param].expr.walk(&mut |e| {
            found |= match &e.kind {
                ast::ExprKind::To(..) => true,
                ast::ExprKind::Call { name, .. } => {
                    matches!(builtins::lookup(name), Some(builtins::Builtin::Dist(_)))
                }
                _ => false,
            }
        });
        found
    }
}

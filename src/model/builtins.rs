//! The names an expression can call or mention besides params.

use crate::dist::DistKind;

/// Deterministic math functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathFn {
    Min,
    Max,
    Abs,
    Sqrt,
    Exp,
    Ln,
    Log10,
    Log2,
    Pow,
    Floor,
    Ceil,
    Round,
    Clamp,
    Sin,
    Cos,
    Tan,
    If,
}

const MATH: [(&str, MathFn, usize); 17] = [
    ("min", MathFn::Min, 2),
    ("max", MathFn::Max, 2),
    ("abs", MathFn::Abs, 1),
    ("sqrt", MathFn::Sqrt, 1),
    ("exp", MathFn::Exp, 1),
    ("ln", MathFn::Ln, 1),
    ("log10", MathFn::Log10, 1),
    ("log2", MathFn::Log2, 1),
    ("pow", MathFn::Pow, 2),
    ("floor", MathFn::Floor, 1),
    ("ceil", MathFn::Ceil, 1),
    ("round", MathFn::Round, 1),
    ("clamp", MathFn::Clamp, 3),
    ("sin", MathFn::Sin, 1),
    ("cos", MathFn::Cos, 1),
    ("tan", MathFn::Tan, 1),
    ("if", MathFn::If, 3),
];

/// What a called name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// A math function and its number of arguments (`min` and `max` take two or more).
    Math(MathFn, usize),
    Dist(DistKind),
}

impl MathFn {
    pub fn signature(self) -> &'static str {
        match self {
            MathFn::Min => "min(a, b, ...)",
            MathFn::Max => "max(a, b, ...)",
            MathFn::Pow => "pow(base, exponent)",
            MathFn::Clamp => "clamp(x, lo, hi)",
            MathFn::If => "if(condition, then, else)",
            _ => "f(x)",
        }
    }
}

pub fn lookup(name: &str) -> Option<Builtin> {
    if let Some((_, f, n)) = MATH.iter().find(|(s, _, _)| *s == name) {
        return Some(Builtin::Math(*f, *n));
    }
    DistKind::from_name(name).map(Builtin::Dist)
}

/// Every callable name, for "did you mean".
pub fn callable_names() -> impl Iterator<Item = &'static str> {
    MATH.iter()
        .map(|(s, _, _)| *s)
        .chain(DistKind::all().map(|k| k.name()))
}

/// Names other tools use for our distributions, for "did you mean".
pub fn alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "gauss" | "gaussian" | "norm" => "normal",
        "lognorm" | "log_normal" => "lognormal",
        "unif" => "uniform",
        "tri" | "triangle" => "triangular",
        "betapert" | "beta_pert" => "pert",
        "expon" => "exponential",
        "categorical" | "choice" => "discrete",
        _ => return None,
    })
}

/// Named constants.
pub fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// Names a param may not take.
pub fn is_reserved(name: &str) -> bool {
    name == "to" || constant(name).is_some() || lookup(name).is_some()
}

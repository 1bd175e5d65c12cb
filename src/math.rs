//! Scalar semantics of operators and math functions, shared by constant folding and
//! the kernel so that a folded constant equals what the kernel would compute.

use crate::model::ast::BinOp;
use crate::model::builtins::MathFn;

#[inline(always)]
pub fn binary(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => a.powf(b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
    }
}

#[inline(always)]
fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// One-argument math functions.
#[inline(always)]
pub fn unary(f: MathFn, x: f64) -> f64 {
    match f {
        MathFn::Abs => x.abs(),
        MathFn::Sqrt => x.sqrt(),
        MathFn::Exp => x.exp(),
        MathFn::Ln => x.ln(),
        MathFn::Log10 => x.log10(),
        MathFn::Log2 => x.log2(),
        MathFn::Floor => x.floor(),
        MathFn::Ceil => x.ceil(),
        MathFn::Round => x.round(),
        MathFn::Sin => x.sin(),
        MathFn::Cos => x.cos(),
        MathFn::Tan => x.tan(),
        MathFn::Min | MathFn::Max | MathFn::Pow | MathFn::Clamp | MathFn::If => f64::NAN,
    }
}

/// `min` and `max` as the model language defines them: NaN in, NaN out (f64::min
/// would silently drop a NaN and hide a broken input).
#[inline(always)]
pub fn min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[inline(always)]
pub fn max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `if(c, a, b)`: any non-zero condition is true; a NaN condition gives NaN.
#[inline(always)]
pub fn select(c: f64, a: f64, b: f64) -> f64 {
    if c.is_nan() {
        f64::NAN
    } else if c != 0.0 {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_give_one_or_zero() {
        assert_eq!(binary(BinOp::Lt, 1.0, 2.0), 1.0);
        assert_eq!(binary(BinOp::Ge, 1.0, 2.0), 0.0);
        assert_eq!(binary(BinOp::Ne, 1.0, 1.0), 0.0);
    }

    #[test]
    fn nan_propagates_through_min_max_and_if() {
        assert!(min(f64::NAN, 1.0).is_nan());
        assert!(max(1.0, f64::NAN).is_nan());
        assert!(select(f64::NAN, 1.0, 2.0).is_nan());
        assert_eq!(select(0.5, 1.0, 2.0), 1.0);
    }
}

//! A `--where` condition: an expression of the model language over its params,
//! added to the model as one more (unreported) param, so the plan computes it like
//! any other and a world meets the condition where its value is nonzero.
//!
//! "Boolean" means, at the top of the expression: a comparison (`< <= > >= == !=`);
//! or boolean parts combined with `*` or `min(...)` (and), `max(...)` (or), or
//! `if(c, a, b)` with boolean branches. `fleet_capex + 1` is refused: it is
//! nonzero almost everywhere, and almost surely not what was meant. A condition
//! draws nothing: distribution calls are refused.

use super::ast::{BinOp, Expr, ExprKind};
use super::builtins::{self, Builtin, MathFn};
use super::{Model, Param, parser, validate};
use crate::error::{Diagnostic, Source, Span};

/// The source name messages about a condition point at.
pub const SOURCE_NAME: &str = "--where";

/// The model with the condition as its last param, and that param's index.
pub fn with_condition(model: &Model, text: &str) -> Result<(Model, usize), Diagnostic> {
    let source = Source {
        name: SOURCE_NAME.into(),
        text: text.to_string(),
    };
    let expr = parser::parse(text, 0).map_err(|e| {
        let d = Diagnostic::at(&source, e.span, e.message);
        match e.help {
            Some(h) => d.help(h),
            None => d,
        }
    })?;
    let mut unknown = None;
    let mut draws = None;
    expr.walk(&mut |e| match &e.kind {
        ExprKind::Ref(name)
            if unknown.is_none()
                && model.index_of(name).is_none()
                && builtins::constant(name).is_none() =>
        {
            unknown = Some((name.clone(), e.span));
        }
        ExprKind::To(..) if draws.is_none() => draws = Some(e.span),
        ExprKind::Call { name, .. }
            if draws.is_none() && matches!(builtins::lookup(name), Some(Builtin::Dist(_))) =>
        {
            draws = Some(e.span)
        }
        _ => {}
    });
    if let Some((name, at)) = unknown {
        return Err(validate::unknown_name(model, &source, at, &name, "param"));
    }
    if let Some(at) = draws {
        return Err(
            Diagnostic::at(&source, at, "a condition cannot draw from a distribution")
                .help("compare params of the model, e.g. --where \"fleet_capex >= 1.6B\""),
        );
    }
    if let Some(inner) = comparison_inside_a_comparison(&expr) {
        return Err(Diagnostic::at(
            &source,
            inner,
            "this comparison's 0 or 1 is compared again: `*` and `+` bind tighter than comparisons",
        )
        .help(
            "put each comparison in parentheses: --where \"(x >= 1.2B) * (x <= 1.4B)\" keeps \
             the worlds where both hold",
        ));
    }
    if !is_boolean(&expr) {
        return Err(
            Diagnostic::at(&source, expr.span, "the condition is not a comparison").help(
                "write a comparison such as \"fleet_capex >= 1.6B\"; combine comparisons with `*` \
             or min(...) for and, max(...) for or",
            ),
        );
    }
    let mut name = "__where".to_string();
    while model.index_of(&name).is_some() {
        name.push('_');
    }
    let mut out = model.clone();
    out.sources.push(source);
    out.params.push(Param {
        name: name.clone(),
        label: Some(format!("given {}", text.trim())),
        unit: None,
        source: None,
        description: None,
        expr,
        origin: out.sources.len() - 1,
        name_span: Span::new(0, text.len()),
        deps: Vec::new(),
    });
    validate::resolve(&mut out).map_err(|mut d| {
        if d.param.as_deref() == Some(name.as_str()) {
            d.param = None;
        }
        d
    })?;
    let index = out.params.len() - 1;
    Ok((out, index))
}

/// Whether an expression is a condition (see the module's doc).
fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
    )
}

/// Where a comparison's operand holds another comparison outside any function call:
/// `x >= 1.2B * (x <= 1.4B)` compares x with 1.2B times a 0/1, which no one means
/// (the "and" was meant). Function calls (`if`, `min`, `max`) are their own scope.
fn comparison_inside_a_comparison(e: &Expr) -> Option<crate::error::Span> {
    fn find(e: &Expr) -> Option<crate::error::Span> {
        match &e.kind {
            ExprKind::Binary(op, a, b) if is_comparison(*op) => {
                Some(e.span).or(find(a)).or(find(b))
            }
            ExprKind::Binary(_, a, b) => find(a).or(find(b)),
            ExprKind::Chain(first, rest) => rest
                .iter()
                .find_map(|(op, x)| {
                    if is_comparison(*op) {
                        Some(x.span)
                    } else {
                        find(x)
                    }
                })
                .or_else(|| find(first)),
            ExprKind::Neg(a) => find(a),
            _ => None,
        }
    }
    let mut found = None;
    let mut visit = |e: &Expr| {
        let operands: Vec<&Expr> = match &e.kind {
            ExprKind::Binary(op, a, b) if is_comparison(*op) => vec![a, b],
            ExprKind::Chain(first, rest) if rest.iter().any(|(op, _)| is_comparison(*op)) => {
                std::iter::once(&**first)
                    .chain(rest.iter().map(|(_, x)| x))
                    .collect()
            }
            _ => vec![],
        };
        if found.is_none() {
            found = operands.into_iter().find_map(find);
        }
    };
    walk_outside_calls(e, &mut visit);
    found
}

/// Calls `f` on `e` and every node below it that is not inside a function call.
fn walk_outside_calls<'a>(e: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Binary(_, a, b) => {
            walk_outside_calls(a, f);
            walk_outside_calls(b, f);
        }
        ExprKind::Chain(first, rest) => {
            walk_outside_calls(first, f);
            rest.iter().for_each(|(_, x)| walk_outside_calls(x, f));
        }
        ExprKind::Neg(a) => walk_outside_calls(a, f),
        _ => {}
    }
}

fn is_boolean(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary(op, a, b) => match op {
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => true,
            BinOp::Mul => is_boolean(a) && is_boolean(b),
            _ => false,
        },
        // `a * b * c`: a run of `*` over comparisons is an "and" of all of them. (A run
        // of comparisons, `a < b < c`, is not: it compares a 0/1 with c.)
        ExprKind::Chain(first, rest) => {
            rest.iter().all(|(op, _)| *op == BinOp::Mul)
                && is_boolean(first)
                && rest.iter().all(|(_, e)| is_boolean(e))
        }
        ExprKind::Call { name, args, .. } => match builtins::lookup(name) {
            Some(Builtin::Math(MathFn::Min | MathFn::Max, _)) => {
                !args.is_empty() && args.iter().all(is_boolean)
            }
            Some(Builtin::Math(MathFn::If, _)) => {
                args.len() == 3 && is_boolean(&args[1]) && is_boolean(&args[2])
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        let source = Source {
            name: "m.toml".into(),
            text: "[params]\nx = \"normal(0, 1)\"\ny = \"x * 2\"\n".into(),
        };
        crate::model::load(source, &[]).unwrap()
    }

    #[test]
    fn conditions_are_comparisons_and_their_combinations() {
        let m = model();
        for ok in [
            "y >= 1",
            "(x > 0) * (y < 3)",
            "min(x > 0, y < 3)",
            "max(x > 1, x < -1)",
            "if(x > 0, y > 1, y < -1)",
            "(x > 0) * (y < 3) * (x < 5)",
        ] {
            let (with, k) = with_condition(&m, ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(k, 2);
            assert_eq!(
                with.params[k].deps.len(),
                if ok.contains('x') && ok.contains('y') {
                    2
                } else {
                    1
                }
            );
        }
        for trap in ["y >= 1 * (x < 3)", "x > 0 + (y < 1)", "-(x > 1) < y"] {
            let e = with_condition(&m, trap).unwrap_err();
            assert!(e.message.contains("compared again"), "{trap}: {e}");
        }
        // Inside a call a comparison's 0/1 is an argument, not a trap.
        assert!(with_condition(&m, "if(x > 0, y > 1, y < -1)").is_ok());
        for bad in [
            "y + 1",
            "x",
            "if(x > 0, 1, 0)",
            "2 * (x > 0)",
            "(x > 0) * (y < 3) * 2",
            "(x > 0) + (y < 3) + (x < 5)",
        ] {
            let e = with_condition(&m, bad).unwrap_err();
            assert!(e.message.contains("not a comparison"), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_names_are_located_with_a_suggestion() {
        let e = with_condition(&model(), "yy > 1").unwrap_err();
        assert_eq!(e.message, "unknown param `yy`");
        assert_eq!(e.file, "--where");
        assert_eq!(e.location.as_ref().unwrap().column, 1);
        assert!(e.help.unwrap().contains("did you mean `y`?"));
        let e = with_condition(&model(), "normal(0, 1) > x").unwrap_err();
        assert!(e.message.contains("cannot draw"), "{e}");
    }
}

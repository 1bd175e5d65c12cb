//! Semantic checks: names resolve, calls have the right arguments, no cycles.

use super::ast::{Expr, ExprKind};
use super::builtins::{self, Builtin, MathFn};
use super::{Model, Param};
use crate::dist::{DistKind, Shape};
use crate::error::{Diagnostic, Source, Span, did_you_mean};
use std::collections::HashMap;
use toml::Spanned;

/// Checks every param and fills in `deps` and the dependency `order`.
pub fn resolve(model: &mut Model) -> Result<(), Diagnostic> {
    let index: HashMap<String, usize> = model
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect();
    for i in 0..model.params.len() {
        check_name(model, i)?;
        let p = &model.params[i];
        let src = &model.sources[p.origin];
        check_calls(&p.expr, src, &p.name, false)?;
        let mut deps = Vec::new();
        let mut bad = None;
        p.expr.walk(&mut |e| {
            if let ExprKind::Ref(name) = &e.kind {
                match index.get(name) {
                    Some(&j) => deps.push(j),
                    None if builtins::constant(name).is_some() => {}
                    None if bad.is_none() => bad = Some((name.clone(), e.span)),
                    None => {}
                }
            }
        });
        if let Some((name, at)) = bad {
            return Err(unknown_name(model, src, at, &name, "param").param(&p.name));
        }
        deps.sort_unstable();
        deps.dedup();
        model.params[i].deps = deps;
    }
    model.order = topological_order(model)?;
    Ok(())
}

fn check_name(model: &Model, i: usize) -> Result<(), Diagnostic> {
    let p = &model.params[i];
    let src = &model.sources[p.origin];
    let valid = p
        .name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && p.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Diagnostic::at(
            src,
            p.name_span,
            format!("`{}` is not a valid param name", p.name),
        )
        .help("names start with a letter or `_` and hold only letters, digits and `_`"));
    }
    if builtins::is_reserved(&p.name) {
        return Err(Diagnostic::at(
            src,
            p.name_span,
            format!("`{}` is a built-in name and cannot name a param", p.name),
        )
        .help(format!("rename it, e.g. `{}_value`", p.name)));
    }
    Ok(())
}

/// "unknown param `x`", with a did-you-mean over the params' names.
pub fn unknown_name(model: &Model, src: &Source, at: Span, name: &str, what: &str) -> Diagnostic {
    let d = Diagnostic::at(src, at, format!("unknown {what} `{name}`"));
    let names = model.params.iter().map(|p| p.name.as_str());
    match did_you_mean(name, names) {
        Some(h) => d.help(h),
        // A name in `--where` or a `--set` value: what there is to choose from.
        None if src.name.starts_with("--") => {
            let names = model.params.iter().map(|p| p.name.as_str());
            d.help(crate::error::did_you_mean_or_list(name, "params", names))
        }
        None => d.help("define it in [params]"),
    }
}

/// Checks that every call names a known function with the right arguments, and that
/// lists appear only where a distribution takes them.
fn check_calls(e: &Expr, src: &Source, param: &str, list_ok: bool) -> Result<(), Diagnostic> {
    let here = |span: Span, msg: String| Diagnostic::at(src, span, msg).param(param);
    match &e.kind {
        ExprKind::Num(_) | ExprKind::Ref(_) => Ok(()),
        ExprKind::Neg(a) => check_calls(a, src, param, false),
        ExprKind::Binary(_, a, b) | ExprKind::To(a, b) => {
            check_calls(a, src, param, false)?;
            check_calls(b, src, param, false)
        }
        ExprKind::Chain(first, rest) => {
            check_calls(first, src, param, false)?;
            rest.iter()
                .try_for_each(|(_, e)| check_calls(e, src, param, false))
        }
        ExprKind::List(items) if list_ok => items
            .iter()
            .try_for_each(|i| check_calls(i, src, param, false)),
        ExprKind::List(_) => Err(here(
            e.span,
            "a list `[...]` is only allowed as an argument of discrete() or mixture()".into(),
        )),
        ExprKind::Call {
            name,
            name_span,
            args,
        } => {
            let Some(builtin) = builtins::lookup(name) else {
                let d = here(
                    *name_span,
                    format!("unknown function or distribution `{name}`"),
                );
                let hint = builtins::alias(name)
                    .map(|a| format!("did you mean `{a}`?"))
                    .or_else(|| did_you_mean(name, builtins::callable_names()));
                return Err(match hint {
                    Some(h) => d.help(h),
                    None => d.help("see the list of distributions and functions in the README"),
                });
            };
            check_arity(builtin, e.span, args, &here)?;
            let takes_lists = matches!(builtin, Builtin::Dist(k) if k.shape() == Shape::Weighted);
            args.iter()
                .try_for_each(|a| check_calls(a, src, param, takes_lists))
        }
    }
}

fn check_arity(
    builtin: Builtin,
    at: Span,
    args: &[Expr],
    here: &impl Fn(Span, String) -> Diagnostic,
) -> Result<(), Diagnostic> {
    let n = args.len();
    let wrong = |sig: String, want: String| {
        here(at, format!("{sig} takes {want}, got {n}")).help(format!("call it as {sig}"))
    };
    match builtin {
        Builtin::Math(f @ (MathFn::Min | MathFn::Max), _) if n < 2 => {
            Err(wrong(f.signature().into(), "at least 2 arguments".into()))
        }
        Builtin::Math(MathFn::Min | MathFn::Max, _) => Ok(()),
        Builtin::Math(f, want) if n != want => {
            let sig = match f.signature() {
                "f(x)" => format!("{}(x)", name_of(f)),
                s => s.to_string(),
            };
            Err(wrong(sig, plural(want)))
        }
        Builtin::Math(..) => Ok(()),
        Builtin::Dist(k) => check_dist_args(k, at, args, here),
    }
}

fn name_of(f: MathFn) -> String {
    format!("{f:?}").to_lowercase()
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 argument".into()
    } else {
        format!("{n} arguments")
    }
}

/// "1 item", "3 items".
fn plural_of(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        _ => format!("{n} {what}s"),
    }
}

fn check_dist_args(
    k: DistKind,
    at: Span,
    args: &[Expr],
    here: &impl Fn(Span, String) -> Diagnostic,
) -> Result<(), Diagnostic> {
    let n = args.len();
    let sig = k.signature();
    let wrong = |want: &str| here(at, format!("{sig} takes {want}, got {n}")).help(k.usage());
    match k.shape() {
        Shape::Numbers(names) if n != names.len() => Err(wrong(&plural(names.len()))),
        Shape::Numbers(_) => Ok(()),
        Shape::Weighted => {
            if !(1..=2).contains(&n) {
                return Err(wrong("1 or 2 lists"));
            }
            let lens: Vec<usize> = args
                .iter()
                .map(|a| match &a.kind {
                    ExprKind::List(items) if !items.is_empty() => Ok(items.len()),
                    ExprKind::List(_) => {
                        Err(here(a.span, format!("{} needs a non-empty list", k.name())))
                    }
                    _ => Err(here(a.span, format!("expected a list `[...]` in {sig}"))),
                })
                .collect::<Result<_, _>>()?;
            if n == 2 && lens[0] != lens[1] {
                return Err(here(
                    at,
                    format!(
                        "{} has {} but {}",
                        k.name(),
                        plural_of(lens[0], "item"),
                        plural_of(lens[1], "weight")
                    ),
                )
                .help("give one weight per item"));
            }
            Ok(())
        }
        Shape::Truncate => {
            if n != 3 {
                return Err(wrong("3 arguments"));
            }
            let inner_ok = match &args[0].kind {
                ExprKind::To(..) => true,
                ExprKind::Call { name, .. } => matches!(
                    builtins::lookup(name),
                    Some(Builtin::Dist(d)) if matches!(d.shape(), Shape::Numbers(_))
                ),
                _ => false,
            };
            if !inner_ok {
                return Err(here(
                    args[0].span,
                    "truncate's first argument must be a distribution call such as normal(0, 1)"
                        .into(),
                ));
            }
            Ok(())
        }
    }
}

/// Params ordered so that each comes after the params it uses; a cycle is an error
/// naming the whole cycle.
fn topological_order(model: &Model) -> Result<Vec<usize>, Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let n = model.params.len();
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next dep to visit); the stack is the current path.
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let deps = &model.params[node].deps;
            if *next < deps.len() {
                let d = deps[*next];
                *next += 1;
                match mark[d] {
                    Mark::New => {
                        mark[d] = Mark::Open;
                        stack.push((d, 0));
                    }
                    Mark::Open => return Err(cycle_error(model, &stack, d)),
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

fn cycle_error(model: &Model, path: &[(usize, usize)], back_to: usize) -> Diagnostic {
    let start = path.iter().position(|(n, _)| *n == back_to).unwrap_or(0);
    let names: Vec<&str> = path[start..]
        .iter()
        .map(|(n, _)| model.params[*n].name.as_str())
        .chain(std::iter::once(model.params[back_to].name.as_str()))
        .collect();
    let (last, _) = path[path.len() - 1];
    let p: &Param = &model.params[last];
    let target = &model.params[back_to].name;
    let mut at = p.expr.span;
    p.expr.walk(&mut |e| {
        if matches!(&e.kind, ExprKind::Ref(n) if n == target) {
            at = e.span;
        }
    });
    Diagnostic::at(
        &model.sources[p.origin],
        at,
        format!("params form a cycle: {}", names.join(" -> ")),
    )
    .param(&p.name)
    .help("a param cannot depend on itself, directly or through others")
}

/// The reported outputs: as listed in `[model] outputs`, or else every param that
/// no other param uses, in file order (the loader then adds the params of claims).
pub fn outputs(
    model: &Model,
    listed: Option<Vec<Spanned<String>>>,
) -> Result<Vec<usize>, Diagnostic> {
    let src = &model.sources[0];
    match listed {
        Some(names) => {
            let mut out: Vec<usize> = Vec::new();
            for n in &names {
                let r = n.span();
                let at = Span::new(r.start, r.end);
                let i = model
                    .index_of(n.get_ref())
                    .ok_or_else(|| unknown_name(model, src, at, n.get_ref(), "output"))?;
                if out.contains(&i) {
                    return Err(Diagnostic::at(
                        src,
                        at,
                        format!("output `{}` is listed twice", n.get_ref()),
                    ));
                }
                out.push(i);
            }
            if out.is_empty() {
                return Err(Diagnostic::new(&src.name, "`outputs` is empty").help(
                    "list the params to report, or remove `outputs` to report every param no other uses",
                ));
            }
            Ok(out)
        }
        None => {
            let mut used = vec![false; model.params.len()];
            for p in &model.params {
                p.deps.iter().for_each(|&d| used[d] = true);
            }
            Ok((0..model.params.len()).filter(|&i| !used[i]).collect())
        }
    }
}

/// The value of an expression made only of numbers, operators and math functions.
pub fn constant_value(e: &Expr) -> Option<f64> {
    use crate::math;
    Some(match &e.kind {
        ExprKind::Num(v) => *v,
        ExprKind::Ref(n) => builtins::constant(n)?,
        ExprKind::Neg(a) => -constant_value(a)?,
        ExprKind::Binary(op, a, b) => math::binary(*op, constant_value(a)?, constant_value(b)?),
        ExprKind::Chain(first, rest) => {
            let mut acc = constant_value(first)?;
            for (op, e) in rest {
                acc = math::binary(*op, acc, constant_value(e)?);
            }
            acc
        }
        ExprKind::Call { name, args, .. } => {
            let Some(Builtin::Math(f, _)) = builtins::lookup(name) else {
                return None;
            };
            let v: Vec<f64> = args.iter().map(constant_value).collect::<Option<_>>()?;
            match f {
                MathFn::Min => v.into_iter().reduce(math::min)?,
                MathFn::Max => v.into_iter().reduce(math::max)?,
                MathFn::Pow => v.first()?.powf(*v.get(1)?),
                MathFn::Clamp => math::min(math::max(*v.first()?, *v.get(1)?), *v.get(2)?),
                MathFn::If => math::select(*v.first()?, *v.get(1)?, *v.get(2)?),
                f => math::unary(f, *v.first()?),
            }
        }
        ExprKind::To(..) | ExprKind::List(_) => return None,
    })
}

//! Correlated inputs: the sampling ops of the params named in `[[correlations]]` are
//! replaced by one copula op that draws them together, so each keeps exactly the
//! marginal the file gives it (see `dist::copula`).

use super::{Op, Reg, Site, Src};
use crate::dist::copula::{Matrix, pearson_of_spearman, spearman_of_pearson};
use crate::dist::{Quantile, Window};
use crate::error::{Diagnostic, Span};
use crate::model::{Correlation, Model};

pub(super) fn correlate(
    model: &Model,
    // Sorted.
    filled: &[usize],
    ops: &mut Vec<Op>,
    sites: &[Site],
    params: &[Src],
) -> Result<(), Diagnostic> {
    let entries: Vec<&Correlation> = model
        .correlations
        .iter()
        .filter(|c| filled.binary_search(&c.a).is_err() && filled.binary_search(&c.b).is_err())
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    let mut members: Vec<usize> = entries.iter().flat_map(|c| [c.a, c.b]).collect();
    members.sort_unstable();
    members.dedup();
    let mut found = Vec::with_capacity(members.len());
    for &p in &members {
        found.push(member(model, ops, sites, params, p)?);
    }
    let chol = cholesky(model, &entries, &members)?;
    let site = found
        .iter()
        .map(|f| f.4)
        .min()
        .expect("at least two members");
    let mut remove: Vec<usize> = found.iter().map(|f| f.0).collect();
    remove.sort_unstable();
    for k in remove.into_iter().rev() {
        ops.remove(k);
    }
    ops.insert(
        0,
        Op::Copula {
            site,
            dsts: found.iter().map(|f| f.1).collect(),
            members: found.into_iter().map(|f| (f.2, f.3)).collect(),
            chol,
        },
    );
    Ok(())
}

/// The span of the first correlation entry naming `p`.
fn entry_span(model: &Model, p: usize) -> Span {
    model
        .correlations
        .iter()
        .find(|c| c.a == p || c.b == p)
        .map_or(Span::default(), |c| c.span)
}

/// The op drawing param `p` (its index and register) and its marginal.
fn member(
    model: &Model,
    ops: &[Op],
    sites: &[Site],
    params: &[Src],
    p: usize,
) -> Result<(usize, Reg, Quantile, Window, usize), Diagnostic> {
    let name = &model.params[p].name;
    let why = |msg: &str| {
        Diagnostic::at(
            &model.sources[0],
            entry_span(model, p),
            format!("cannot correlate `{name}`: {msg}"),
        )
        .help(
            "a correlated param must be a single continuous distribution with constant \
             arguments, e.g. price = \"pert(30k, 40k, 55k)\"",
        )
    };
    let Src::Reg(r) = params[p] else {
        return Err(why("it is a constant"));
    };
    let Some((k, op)) = ops.iter().enumerate().find(|(_, op)| op.writes(r)) else {
        return Err(why("it is not drawn from a distribution"));
    };
    let site = match op {
        Op::Sample { site, .. } | Op::Truncated { site, .. } => *site,
        Op::SampleArgs { .. } | Op::TruncatedArgs { .. } => {
            return Err(why("its distribution's arguments are not constants"));
        }
        _ => {
            return Err(why(
                "it is a formula of other values, not a single distribution call",
            ));
        }
    };
    let s = &sites[site];
    if s.param != p {
        return Err(why(&format!(
            "it is the value of `{}`; correlate that param instead",
            model.params[s.param].name
        )));
    }
    let args = s.args.as_deref().unwrap_or_default();
    let quantile = Quantile::new(s.kind, args)
        .ok()
        .flatten()
        .ok_or_else(|| why(&format!("{} is discrete", s.kind.name())))?;
    let (lo, hi) = s.window.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let window = quantile
        .window(lo, hi)
        .ok_or_else(|| why("its window holds no probability"))?;
    Ok((k, r, quantile, window, site))
}

/// The Cholesky factor of the normals' Pearson matrix, or an error naming the
/// entries, the negative eigenvalue and the nearest valid rank correlations.
fn cholesky(
    model: &Model,
    entries: &[&Correlation],
    members: &[usize],
) -> Result<Vec<f64>, Diagnostic> {
    let at = |p: usize| members.iter().position(|&m| m == p).expect("member");
    let mut m = Matrix::identity(members.len());
    for c in entries {
        m.set_sym(at(c.a), at(c.b), pearson_of_spearman(c.rank));
    }
    if let Some(l) = m.cholesky() {
        return Ok(l);
    }
    let (values, _) = m.eigen();
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    let fixed = m.nearest_correlation(1e-3);
    let suggestions: Vec<String> = entries
        .iter()
        .map(|c| {
            let (a, b) = (&model.params[c.a].name, &model.params[c.b].name);
            let s = spearman_of_pearson(fixed.get(at(c.a), at(c.b)));
            format!("[{a}, {b}] rank = {s:.2} (was {})", c.rank)
        })
        .collect();
    let first = entries[0];
    Err(Diagnostic::at(
        &model.sources[0],
        first.span,
        format!(
            "the {} rank correlations cannot hold together: their matrix is not positive \
             definite (its smallest eigenvalue is {smallest:.3}, below 0)",
            entries.len()
        ),
    )
    .help(format!(
        "the nearest valid values are:\n      {}",
        suggestions.join("\n      ")
    )))
}

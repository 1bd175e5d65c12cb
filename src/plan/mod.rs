//! Model → Plan: the params compiled, in dependency order, to a tape of operations
//! over blocks of samples. Constant subexpressions are folded; distributions with
//! constant arguments are checked and built once, here, not per sample.

use crate::dist::{DistKind, Quantile, Scalar, Shape, Window};
use crate::error::{Diagnostic, Source, Span};
use crate::math;
use crate::model::Model;
use crate::model::ast::{BinOp, Expr, ExprKind};
use crate::model::builtins::{self, Builtin, MathFn};

mod copula;
mod graph;

pub use graph::{ancestry, depends_on};

/// The first distribution of each of the model's first this many params, when its
/// arguments are constants, is drawn from a tabulated inverse CDF (dist::inverse,
/// ~108 KB each, shared by equal distributions, ~0.3 ms to build for a beta or
/// gamma); later params, and a param's further distributions (a mixture's other
/// components), keep their exact samplers. That bounds the tables' memory (~55 MB)
/// and build time (~0.2 s of CPU) on models of thousands of inputs. A site's param
/// index and ordinal are its place in the file, so the choice never depends on what
/// else is compiled.
pub const MAX_INVERSE_TABLE_PARAMS: usize = 512;

pub type Reg = u32;

/// Where an operand's values are: a register of the block, or a constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    Reg(Reg),
    Const(f64),
}

/// Two-operand functions of the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fn2 {
    Op(BinOp),
    Min,
    Max,
}

/// One-operand functions of the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fn1 {
    Neg,
    Math(MathFn),
}

impl Fn2 {
    #[inline(always)]
    pub fn eval(self, a: f64, b: f64) -> f64 {
        match self {
            Fn2::Op(op) => math::binary(op, a, b),
            Fn2::Min => math::min(a, b),
            Fn2::Max => math::max(a, b),
        }
    }
}

impl Fn1 {
    #[inline(always)]
    pub fn eval(self, a: f64) -> f64 {
        match self {
            Fn1::Neg => -a,
            Fn1::Math(f) => math::unary(f, a),
        }
    }
}

/// One operation of the tape; every op writes a fresh register (`dst`).
#[derive(Clone, Debug)]
pub enum Op {
    /// Draws from a distribution whose arguments are constant.
    Sample {
        dst: Reg,
        site: usize,
        dist: Scalar,
    },
    /// Draws from a distribution whose arguments vary by sample; checked per sample.
    SampleArgs {
        dst: Reg,
        site: usize,
        kind: DistKind,
        args: Vec<Src>,
    },
    /// Draws from a continuous distribution truncated to a window, by inversion.
    Truncated {
        dst: Reg,
        site: usize,
        dist: Quantile,
        window: Window,
    },
    /// A truncation whose arguments vary by sample, or of a discrete distribution.
    TruncatedArgs {
        dst: Reg,
        site: usize,
        kind: DistKind,
        args: Vec<Src>,
        lo: Src,
        hi: Src,
    },
    /// Picks one of `items` per sample with the given cumulative probabilities.
    Choose {
        dst: Reg,
        site: usize,
        items: Vec<Src>,
        cumulative: Vec<f64>,
    },
    /// Draws correlated inputs through a Gaussian copula (see `dist::copula`):
    /// `members[j]` fills `dsts[j]`; `chol` is the k×k lower Cholesky factor. It draws
    /// from the stream of `site`, its first member's.
    Copula {
        site: usize,
        dsts: Vec<Reg>,
        members: Vec<(Quantile, Window)>,
        chol: Vec<f64>,
    },
    /// Copies the block's lanes of an input column provided by the caller (Sobol
    /// designs fill inputs this way): `dst[i] = columns[column][first + i]`.
    Column {
        dst: Reg,
        column: usize,
    },
    Unary {
        dst: Reg,
        f: Fn1,
        a: Reg,
    },
    Binary {
        dst: Reg,
        f: Fn2,
        a: Src,
        b: Src,
    },
    Select {
        dst: Reg,
        c: Src,
        a: Src,
        b: Src,
    },
}

/// A distribution call in the model: an input of the simulation.
#[derive(Clone, Debug)]
pub struct Site {
    pub param: usize,
    pub kind: DistKind,
    pub span: Span,
    /// The arguments, when they are constants.
    pub args: Option<Vec<f64>>,
    /// The truncation window, for `truncate(...)` with constant bounds.
    pub window: Option<(f64, f64)>,
    /// Names the site's random stream: its param and its place among the param's
    /// sites. It does not depend on what else is compiled, so holding another param
    /// fixed leaves this site's draws unchanged.
    pub stream: u64,
}

impl Site {
    /// The site's place among its param's sites (the low bits of its stream).
    pub fn ordinal(&self) -> u64 {
        self.stream & ((1 << 20) - 1)
    }
}

/// A param whose distribution is aggregated: an output or a claim's param.
#[derive(Clone, Debug)]
pub struct TrackedParam {
    pub param: usize,
    pub src: Src,
    /// Values of the claims on this param, in claim order.
    pub claim_values: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub ops: Vec<Op>,
    pub n_regs: usize,
    pub sites: Vec<Site>,
    /// Where each model param's value is, by param index.
    pub params: Vec<Src>,
    pub tracked: Vec<TrackedParam>,
    /// Params holding a distribution call (the model's inputs), in file order.
    pub inputs: Vec<usize>,
    /// The params kept in rows for sensitivity and `--save-rows`: the inputs, then
    /// the reported outputs that are not inputs.
    pub row_params: Vec<usize>,
}

impl Op {
    /// The distribution site whose random stream this op draws from.
    pub fn site(&self) -> Option<usize> {
        match self {
            Op::Sample { site, .. }
            | Op::SampleArgs { site, .. }
            | Op::Truncated { site, .. }
            | Op::TruncatedArgs { site, .. }
            | Op::Choose { site, .. }
            | Op::Copula { site, .. } => Some(*site),
            Op::Column { .. } | Op::Unary { .. } | Op::Binary { .. } | Op::Select { .. } => None,
        }
    }

    /// The one register this op writes (None for a copula, which writes several).
    pub fn dst(&self) -> Option<Reg> {
        match self {
            Op::Sample { dst, .. }
            | Op::SampleArgs { dst, .. }
            | Op::Truncated { dst, .. }
            | Op::TruncatedArgs { dst, .. }
            | Op::Choose { dst, .. }
            | Op::Column { dst, .. }
            | Op::Unary { dst, .. }
            | Op::Binary { dst, .. }
            | Op::Select { dst, .. } => Some(*dst),
            Op::Copula { .. } => None,
        }
    }

    /// Every register this op reads, mutably (a register read twice comes twice).
    fn reads_mut(&mut self) -> Vec<&mut Reg> {
        fn regs<'a>(srcs: impl Iterator<Item = &'a mut Src>) -> Vec<&'a mut Reg> {
            srcs.filter_map(|s| match s {
                Src::Reg(r) => Some(r),
                Src::Const(_) => None,
            })
            .collect()
        }
        match self {
            Op::Sample { .. } | Op::Truncated { .. } | Op::Copula { .. } | Op::Column { .. } => {
                Vec::new()
            }
            Op::SampleArgs { args, .. } => regs(args.iter_mut()),
            Op::TruncatedArgs { args, lo, hi, .. } => regs(args.iter_mut().chain([lo, hi])),
            Op::Choose { items, .. } => regs(items.iter_mut()),
            Op::Unary { a, .. } => vec![a],
            Op::Binary { a, b, .. } => regs([a, b].into_iter()),
            Op::Select { c, a, b, .. } => regs([c, a, b].into_iter()),
        }
    }

    /// Every register this op writes, mutably.
    fn writes_mut(&mut self) -> Vec<&mut Reg> {
        match self {
            Op::Copula { dsts, .. } => dsts.iter_mut().collect(),
            Op::Sample { dst, .. }
            | Op::SampleArgs { dst, .. }
            | Op::Truncated { dst, .. }
            | Op::TruncatedArgs { dst, .. }
            | Op::Choose { dst, .. }
            | Op::Column { dst, .. }
            | Op::Unary { dst, .. }
            | Op::Binary { dst, .. }
            | Op::Select { dst, .. } => vec![dst],
        }
    }

    /// Whether this op writes register `r`.
    pub fn writes(&self, r: Reg) -> bool {
        match self {
            Op::Copula { dsts, .. } => dsts.contains(&r),
            _ => self.dst() == Some(r),
        }
    }
}

impl Plan {
    /// The tracked entry of a param.
    pub fn tracked_index(&self, param: usize) -> Option<usize> {
        self.tracked.iter().position(|t| t.param == param)
    }
}

/// How to fill a param instead of compiling its expression: the engine's one
/// mechanism for holding an input fixed (sweeps, swing tornados) or feeding it from
/// a provided column (Sobol designs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fill {
    Constant(f64),
    Column(usize),
}

/// Compiles a validated model.
pub fn compile(model: &Model) -> Result<Plan, Diagnostic> {
    compile_with(model, &[])
}

/// Compiles a validated model with some params filled from outside.
pub fn compile_with(model: &Model, fills: &[(usize, Fill)]) -> Result<Plan, Diagnostic> {
    let index = NameIndex::new(model);
    let mut by_param = vec![None; model.params.len()];
    // The first fill given for a param is the one that holds.
    for &(p, fill) in fills.iter().rev() {
        by_param[p] = Some(fill);
    }
    compile_part(model, &index, &by_param, None)
}

/// Each param's index by name, for resolving the names in formulas: built once per
/// model (a model of 40,000 params that each name the one before took 17 s to
/// compile by searching the list per name), shared by the compiles of its cones.
pub struct NameIndex<'m>(std::collections::HashMap<&'m str, usize>);

impl<'m> NameIndex<'m> {
    pub fn new(model: &'m Model) -> NameIndex<'m> {
        NameIndex(
            model
                .params
                .iter()
                .enumerate()
                .map(|(k, p)| (p.name.as_str(), k))
                .collect(),
        )
    }
}

/// Compiles only what `targets` need — the params they depend on, in the model's
/// order — and tracks `targets` alone (no claims). `fills[p]` says how param p is
/// filled, if it is. For a Sobol design's AB_i evaluations, where only the outputs
/// below input i change: each costs its cone, not the whole model.
///
/// The ops are the ones [`compile_with`] emits for those params, so every tracked
/// value has the same bits. The plan keeps no per-param table (`params`, `inputs` and
/// `row_params` are empty: a design of 10,000 inputs compiles a cone per input), so
/// read its values through `tracked` only.
pub fn compile_cone(
    model: &Model,
    index: &NameIndex,
    fills: &[Option<Fill>],
    targets: &[usize],
) -> Result<Plan, Diagnostic> {
    let mut plan = compile_part(model, index, fills, Some(targets))?;
    plan.params = Vec::new();
    plan.inputs = Vec::new();
    plan.row_params = Vec::new();
    Ok(plan)
}

/// Param `p` tracked from where the tape leaves it, with no claims yet.
fn tracked(params: &[Src], p: usize) -> TrackedParam {
    TrackedParam {
        param: p,
        src: params[p],
        claim_values: Vec::new(),
    }
}

/// [`compile_with`], or [`compile_cone`] when `targets` are given.
fn compile_part(
    model: &Model,
    index: &NameIndex,
    fills: &[Option<Fill>],
    targets: Option<&[usize]>,
) -> Result<Plan, Diagnostic> {
    let mut c = Compiler {
        model,
        ops: Vec::new(),
        n_regs: 0,
        sites: Vec::new(),
        params: vec![Src::Const(f64::NAN); model.params.len()],
        param: 0,
        index: &index.0,
    };
    let wanted = targets.map(|t| graph::ancestry(model, t));
    for &i in &model.order {
        if wanted.as_ref().is_some_and(|w| !w[i]) {
            continue;
        }
        c.param = i;
        let src = match fills[i] {
            Some(Fill::Constant(v)) => Src::Const(v),
            Some(Fill::Column(column)) => {
                let dst = c.reg();
                c.ops.push(Op::Column { dst, column });
                Src::Reg(dst)
            }
            None => c.expr(&model.params[i].expr)?,
        };
        c.params[i] = src;
    }
    // A cone tracks its targets alone; a whole plan its outputs and claims, with its
    // inputs, rows and correlations.
    let (tracked, inputs, row_params) = match targets {
        Some(targets) => {
            let tracked = targets.iter().map(|&p| tracked(&c.params, p)).collect();
            (tracked, Vec::new(), Vec::new())
        }
        None => {
            // A param held fixed or fed from a column is no longer drawn, so no longer
            // correlated. Ascending, as copula::correlate's binary search needs.
            let filled: Vec<usize> = (0..fills.len()).filter(|&p| fills[p].is_some()).collect();
            copula::correlate(model, &filled, &mut c.ops, &c.sites, &c.params)?;
            let mut tracked: Vec<TrackedParam> = model
                .outputs
                .iter()
                .map(|&p| tracked(&c.params, p))
                .collect();
            for claim in &model.claims {
                let k = match tracked.iter().position(|t| t.param == claim.param) {
                    Some(k) => k,
                    None => {
                        tracked.push(self::tracked(&c.params, claim.param));
                        tracked.len() - 1
                    }
                };
                tracked[k].claim_values.push(claim.value);
            }
            let mut inputs: Vec<usize> = c.sites.iter().map(|s| s.param).collect();
            inputs.sort_unstable();
            inputs.dedup();
            let mut row_params = inputs.clone();
            row_params.extend(model.outputs.iter().filter(|p| !inputs.contains(p)));
            (tracked, inputs, row_params)
        }
    };
    let mut plan = Plan {
        ops: c.ops,
        n_regs: c.n_regs,
        sites: c.sites,
        params: c.params,
        tracked,
        inputs,
        row_params,
    };
    reuse_registers(&mut plan);
    Ok(plan)
}

/// Gives a temporary's register to a later temporary once its last reader has run.
/// Each register is a block of 256 doubles per thread: a formula of 100,000 terms
/// held one per term (4 KB per term at 2 threads: 446 MB), where its temporaries
/// need two. A param's register (which the engine reads after the tape: rows,
/// aggregates, conditions) is never reused, so every param keeps its own.
/// The values computed are the same, op for op: only where they are kept changes.
fn reuse_registers(plan: &mut Plan) {
    let n = plan.n_regs;
    let mut pinned = vec![false; n];
    let tracked = plan.tracked.iter().map(|t| &t.src);
    for src in plan.params.iter().chain(tracked) {
        if let Src::Reg(r) = *src {
            pinned[r as usize] = true;
        }
    }
    // The op that reads each register last (None: never read).
    let mut last_read: Vec<Option<usize>> = vec![None; n];
    for (k, op) in plan.ops.iter_mut().enumerate() {
        for r in op.reads_mut() {
            last_read[*r as usize] = Some(k);
        }
    }
    let mut renamed: Vec<Reg> = vec![Reg::MAX; n];
    let mut free: Vec<Reg> = Vec::new();
    let mut used: Reg = 0;
    for (k, op) in plan.ops.iter_mut().enumerate() {
        let mut dying = Vec::new();
        for r in op.reads_mut() {
            let old = *r as usize;
            *r = renamed[old];
            if last_read[old] == Some(k) && !pinned[old] {
                dying.push(*r);
            }
        }
        // The op's own inputs are freed after its outputs are placed: no op writes a
        // register it reads.
        for r in op.writes_mut() {
            let old = *r as usize;
            let new = free.pop().unwrap_or_else(|| {
                used += 1;
                used - 1
            });
            renamed[old] = new;
            *r = new;
            if last_read[old].is_none() && !pinned[old] {
                dying.push(new);
            }
        }
        dying.sort_unstable();
        dying.dedup();
        // Reversed, so the lowest register is reused first (any fixed order would do).
        free.extend(dying.into_iter().rev());
    }
    let rename = |src: &mut Src| {
        if let Src::Reg(r) = src {
            *r = renamed[*r as usize];
        }
    };
    plan.params.iter_mut().for_each(rename);
    plan.tracked.iter_mut().for_each(|t| rename(&mut t.src));
    plan.n_regs = used as usize;
}

struct Compiler<'m> {
    model: &'m Model,
    ops: Vec<Op>,
    n_regs: usize,
    sites: Vec<Site>,
    params: Vec<Src>,
    /// The param being compiled, for messages and sites.
    param: usize,
    /// Each param's index by name ([`NameIndex`]).
    index: &'m std::collections::HashMap<&'m str, usize>,
}

impl Compiler<'_> {
    fn source(&self) -> &Source {
        self.model.source_of(self.param)
    }

    fn error(&self, at: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.source(), at, message).param(&self.model.params[self.param].name)
    }

    fn reg(&mut self) -> Reg {
        self.n_regs += 1;
        (self.n_regs - 1) as Reg
    }

    fn site(&mut self, kind: DistKind, span: Span) -> usize {
        // A param's sites are compiled together, so they are the last ones pushed
        // (counting them over every site was quadratic in the model's inputs).
        let ordinal = self
            .sites
            .iter()
            .rev()
            .take_while(|s| s.param == self.param)
            .count();
        self.sites.push(Site {
            param: self.param,
            kind,
            span,
            args: None,
            window: None,
            stream: ((self.param as u64) << 20) | ordinal as u64,
        });
        self.sites.len() - 1
    }

    fn expr(&mut self, e: &Expr) -> Result<Src, Diagnostic> {
        match &e.kind {
            ExprKind::Num(v) => Ok(Src::Const(*v)),
            ExprKind::Ref(name) => Ok(match builtins::constant(name) {
                Some(v) => Src::Const(v),
                None => self.params[self.index[name.as_str()]],
            }),
            ExprKind::Neg(a) => {
                let a = self.expr(a)?;
                Ok(self.unary(Fn1::Neg, a))
            }
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                Ok(self.binary(Fn2::Op(*op), a, b))
            }
            // Left to right, emitting the same ops in the same order as nested
            // binary nodes would: the tape, and so every result, is unchanged.
            ExprKind::Chain(first, rest) => {
                let mut acc = self.expr(first)?;
                for (op, e) in rest {
                    let b = self.expr(e)?;
                    acc = self.binary(Fn2::Op(*op), acc, b);
                }
                Ok(acc)
            }
            ExprKind::To(a, b) => self.numbers_dist(DistKind::LogNormalCi, e.span, &[a, b]),
            ExprKind::Call { name, args, .. } => match builtins::lookup(name) {
                Some(Builtin::Math(f, _)) => self.math(f, args),
                Some(Builtin::Dist(k)) => self.dist(k, e.span, args),
                None => unreachable!("validated"),
            },
            ExprKind::List(_) => unreachable!("validated: lists only in discrete/mixture"),
        }
    }

    fn unary(&mut self, f: Fn1, a: Src) -> Src {
        match a {
            Src::Const(v) => Src::Const(f.eval(v)),
            Src::Reg(a) => {
                let dst = self.reg();
                self.ops.push(Op::Unary { dst, f, a });
                Src::Reg(dst)
            }
        }
    }

    fn binary(&mut self, f: Fn2, a: Src, b: Src) -> Src {
        if let (Src::Const(x), Src::Const(y)) = (a, b) {
            return Src::Const(f.eval(x, y));
        }
        let dst = self.reg();
        self.ops.push(Op::Binary { dst, f, a, b });
        Src::Reg(dst)
    }

    fn math(&mut self, f: MathFn, args: &[Expr]) -> Result<Src, Diagnostic> {
        let v: Vec<Src> = args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        Ok(match f {
            MathFn::Min => v[1..]
                .iter()
                .fold(v[0], |acc, &x| self.binary(Fn2::Min, acc, x)),
            MathFn::Max => v[1..]
                .iter()
                .fold(v[0], |acc, &x| self.binary(Fn2::Max, acc, x)),
            MathFn::Pow => self.binary(Fn2::Op(BinOp::Pow), v[0], v[1]),
            MathFn::Clamp => {
                if let (Src::Const(lo), Src::Const(hi)) = (v[1], v[2])
                    && lo > hi
                {
                    // max(x, lo) then min(…, hi) would give hi for every x, silently.
                    let at = Span::new(args[1].span.start, args[2].span.end);
                    return Err(self
                        .error(
                            at,
                            format!("clamp's low bound {lo} is above its high bound {hi}"),
                        )
                        .help("write clamp(x, low, high) with low <= high"));
                }
                let lower = self.binary(Fn2::Max, v[0], v[1]);
                self.binary(Fn2::Min, lower, v[2])
            }
            MathFn::If => match v[0] {
                Src::Const(c) => {
                    if c.is_nan() {
                        Src::Const(f64::NAN)
                    } else if c != 0.0 {
                        v[1]
                    } else {
                        v[2]
                    }
                }
                c => {
                    let dst = self.reg();
                    self.ops.push(Op::Select {
                        dst,
                        c,
                        a: v[1],
                        b: v[2],
                    });
                    Src::Reg(dst)
                }
            },
            f => self.unary(Fn1::Math(f), v[0]),
        })
    }

    fn dist(&mut self, k: DistKind, at: Span, args: &[Expr]) -> Result<Src, Diagnostic> {
        match k.shape() {
            Shape::Numbers(_) => {
                let refs: Vec<&Expr> = args.iter().collect();
                self.numbers_dist(k, at, &refs)
            }
            Shape::Weighted => self.weighted(k, at, args),
            Shape::Truncate => self.truncate(at, args),
        }
    }

    /// A distribution with numeric arguments, e.g. normal(mean, sd) or `A to B`.
    fn numbers_dist(&mut self, k: DistKind, at: Span, args: &[&Expr]) -> Result<Src, Diagnostic> {
        let v: Vec<Src> = args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        let site = self.site(k, at);
        let dst = self.reg();
        match constants(&v) {
            Some(c) => {
                let dist = Scalar::new(k, &c)
                    .map_err(|e| self.dist_error(k, at, e))?
                    .tabulated(
                        self.param < MAX_INVERSE_TABLE_PARAMS && self.sites[site].ordinal() == 0,
                    );
                self.sites[site].args = Some(c);
                self.ops.push(Op::Sample { dst, site, dist });
            }
            None => self.ops.push(Op::SampleArgs {
                dst,
                site,
                kind: k,
                args: v,
            }),
        }
        Ok(Src::Reg(dst))
    }

    fn dist_error(&self, k: DistKind, at: Span, e: crate::dist::DistError) -> Diagnostic {
        let d = self.error(at, e.to_string());
        let text = self.source().text.get(at.start..at.end).unwrap_or("");
        match k {
            DistKind::LogNormalCi if e.message.contains("must be > 0") => d.help(format!(
                "`A to B` and lognormal_ci are lognormal and need 0 < A < B; for a range that \
                 reaches zero or below, write normal_ci(A, B) instead of `{text}`"
            )),
            DistKind::LogNormalCi | DistKind::NormalCi if e.message.contains("below") => {
                d.help(match swapped(text) {
                    Some(fixed) => format!("write the 5th percentile first: {fixed}"),
                    None => format!("write the 5th percentile first: {}", k.signature()),
                })
            }
            _ => d.help(k.usage()),
        }
    }

    /// discrete([values], [weights]) and mixture([dists], [weights]).
    fn weighted(&mut self, k: DistKind, at: Span, args: &[Expr]) -> Result<Src, Diagnostic> {
        let ExprKind::List(items) = &args[0].kind else {
            unreachable!("validated")
        };
        let items: Vec<Src> = items
            .iter()
            .map(|i| self.expr(i))
            .collect::<Result<_, _>>()?;
        let weights = match args.get(1) {
            None => vec![1.0; items.len()],
            Some(w) => self.constant_weights(k, w)?,
        };
        // Weights near the largest double would sum to ∞ (and every w / ∞ to 0, so
        // the last item always drawn): scaled by the largest first, then summed.
        let largest = weights.iter().copied().fold(0.0, f64::max);
        let weights: Vec<f64> = if weights.iter().sum::<f64>().is_finite() {
            weights
        } else {
            weights.iter().map(|w| w / largest).collect()
        };
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        // Rounding may leave the sum just below 1: end it exactly at the last item
        // with weight, so a zero-weight tail item can never be drawn.
        if let Some(last) = weights.iter().rposition(|&w| w > 0.0) {
            cumulative[last..].iter_mut().for_each(|c| *c = 1.0);
        }
        let site = self.site(k, at);
        let dst = self.reg();
        self.ops.push(Op::Choose {
            dst,
            site,
            items,
            cumulative,
        });
        Ok(Src::Reg(dst))
    }

    fn constant_weights(&mut self, k: DistKind, list: &Expr) -> Result<Vec<f64>, Diagnostic> {
        let ExprKind::List(ws) = &list.kind else {
            unreachable!("validated")
        };
        let mut out = Vec::with_capacity(ws.len());
        for w in ws {
            let v = match self.expr(w)? {
                Src::Const(v) => v,
                Src::Reg(_) => {
                    return Err(
                        self.error(w.span, format!("{}'s weights must be constants", k.name()))
                    );
                }
            };
            if !(v >= 0.0 && v.is_finite()) {
                return Err(self.error(
                    w.span,
                    format!("a weight must be a finite number >= 0, got {v}"),
                ));
            }
            out.push(v);
        }
        if !(out.iter().sum::<f64>() > 0.0) {
            return Err(self
                .error(list.span, "the weights sum to 0")
                .help("give at least one item a positive weight"));
        }
        Ok(out)
    }

    /// truncate(dist(args...), lo, hi).
    fn truncate(&mut self, at: Span, args: &[Expr]) -> Result<Src, Diagnostic> {
        let (kind, inner): (DistKind, Vec<&Expr>) = match &args[0].kind {
            ExprKind::To(a, b) => (DistKind::LogNormalCi, vec![&**a, &**b]),
            ExprKind::Call { name, args, .. } => match builtins::lookup(name) {
                Some(Builtin::Dist(k)) => (k, args.iter().collect()),
                _ => unreachable!("validated"),
            },
            _ => unreachable!("validated"),
        };
        let inner_span = args[0].span;
        let v: Vec<Src> = inner
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        let (lo, hi) = (self.expr(&args[1])?, self.expr(&args[2])?);
        let site = self.site(kind, at);
        let dst = self.reg();
        // The window is judged per sample, by rejection, unless everything is constant
        // and the law has a quantile function.
        let per_sample = Op::TruncatedArgs {
            dst,
            site,
            kind,
            args: v.clone(),
            lo,
            hi,
        };
        let (Some(c), Src::Const(lo_v), Src::Const(hi_v)) = (constants(&v), lo, hi) else {
            self.ops.push(per_sample);
            return Ok(Src::Reg(dst));
        };
        if !(lo_v < hi_v) {
            return Err(self.error(
                at,
                format!("truncate needs lo < hi, got lo = {lo_v} and hi = {hi_v}"),
            ));
        }
        let quantile = Quantile::new(kind, &c).map_err(|e| self.dist_error(kind, inner_span, e))?;
        match quantile {
            Some(dist) => {
                let Some(window) = dist.window(lo_v, hi_v) else {
                    return Err(self
                        .error(at, format!("the window [{lo_v}, {hi_v}] holds no probability of this distribution"))
                        .help("widen the window or move it over the distribution's bulk"));
                };
                self.sites[site].args = Some(c);
                self.sites[site].window = Some((lo_v, hi_v));
                self.ops.push(Op::Truncated {
                    dst,
                    site,
                    dist,
                    window,
                });
            }
            None => {
                // A discrete law with constant arguments: whether the window holds any
                // of its values is decided here, not by a run that gives up sampling.
                if !discrete_window_holds_mass(kind, &c, lo_v, hi_v) {
                    return Err(self
                        .error(at, format!("the window [{lo_v}, {hi_v}] holds no value {} can take", kind.name()))
                        .help("a discrete distribution takes whole values; widen the window to include one"));
                }
                self.ops.push(per_sample);
            }
        }
        Ok(Src::Reg(dst))
    }
}

/// Whether [lo, hi] holds a value of positive probability of a discrete law with
/// constant arguments (true for laws this cannot judge, which are left to the run).
fn discrete_window_holds_mass(kind: DistKind, args: &[f64], lo: f64, hi: f64) -> bool {
    let holds = |v: f64| lo <= v && v <= hi;
    match kind {
        // Every whole number k >= 0 has positive probability.
        DistKind::Poisson => {
            let first = lo.max(0.0).ceil();
            first <= hi
        }
        DistKind::Bernoulli => {
            let p = args.first().copied().unwrap_or(0.5);
            (p > 0.0 && holds(1.0)) || (p < 1.0 && holds(0.0))
        }
        _ => true,
    }
}

/// The values if every operand is a constant.
fn constants(v: &[Src]) -> Option<Vec<f64>> {
    v.iter()
        .map(|s| match s {
            Src::Const(c) => Some(*c),
            Src::Reg(_) => None,
        })
        .collect()
}

/// The call `text` (of a 90% range written high first) with its two ends swapped:
/// `normal_ci(5, 1)` → `normal_ci(1, 5)`, `9 to 2` → `2 to 9`; None when it is not
/// two plain ends.
fn swapped(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some((a, b)) = text.split_once(" to ") {
        return Some(format!("{} to {}", b.trim(), a.trim()));
    }
    let open = text.find('(')?;
    let inner = text[open + 1..].strip_suffix(')')?;
    // Two arguments only, neither with a call or a list of its own.
    let (a, b) = inner.split_once(',')?;
    let plain = |x: &str| !x.contains(['(', ')', '[', ']', ',']);
    (plain(a) && plain(b)).then(|| format!("{}({}, {})", &text[..open], b.trim(), a.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load;

    #[test]
    fn a_range_written_high_first_is_offered_swapped() {
        for (text, help) in [
            (
                "normal_ci(5, 1)",
                "write the 5th percentile first: normal_ci(1, 5)",
            ),
            (
                "normal_ci(-5, -10)",
                "write the 5th percentile first: normal_ci(-10, -5)",
            ),
            ("9 to 2", "write the 5th percentile first: 2 to 9"),
            (
                "lognormal_ci(8e6, 2e6)",
                "write the 5th percentile first: lognormal_ci(2e6, 8e6)",
            ),
        ] {
            let e = plan(&format!("[params]\nx = \"{text}\"\n")).unwrap_err();
            assert_eq!(e.help.as_deref(), Some(help), "{text}: {e}");
        }
        assert_eq!(swapped("normal_ci(max(1, 2), 0)"), None);
    }

    fn plan(text: &str) -> Result<Plan, Diagnostic> {
        let src = Source {
            name: "t.toml".into(),
            text: text.into(),
        };
        compile(&load(src, &[]).unwrap())
    }

    #[test]
    fn constants_fold_to_no_ops() {
        let p = plan("[params]\na = 2\nb = \"a * 3 + max(1, 4) + if(a > 1, 10, 20)\"\n").unwrap();
        assert!(p.ops.is_empty());
        assert_eq!(p.params[1], Src::Const(20.0));
    }

    #[test]
    fn each_distribution_call_is_a_site() {
        let p =
            plan("[params]\na = \"normal(0, 1)\"\nb = \"a + 1 to 2 + uniform(0, a^2)\"\n").unwrap();
        assert_eq!(p.sites.len(), 3);
        // `to` binds loosest: (a + 1) to (2 + uniform(0, a^2)).
        assert!(matches!(p.ops.last(), Some(Op::SampleArgs { .. })));
        assert!(p.ops.iter().any(|o| matches!(o, Op::SampleArgs { .. })));
    }

    #[test]
    fn constant_arguments_are_checked_at_compile_time() {
        let e = plan("[params]\nx = \"normal(0, -1)\"\n").unwrap_err();
        assert!(e.message.contains("sd must be >= 0, got -1"), "{e}");
        assert_eq!(e.param.as_deref(), Some("x"));
        let e = plan("[params]\nx = \"-1 to 5\"\n").unwrap_err();
        assert!(e.help.unwrap().contains("normal_ci(A, B)"));
    }
}

//! Evaluation of the tape over one block of samples.
//!
//! Each op is a tight loop over the block; which loop runs is decided once per op
//! per block (register or constant operands, which function), never per sample.

use crate::dist::lanes::LaneRng;
use crate::dist::{Quantile, Scalar, Window};
use crate::plan::{Fn1, Fn2, Op, Plan, Reg, Src};
use rand::Rng;
use rand::distr::{Distribution, Uniform};

/// Samples per block: 256 lanes keeps a model's registers within L2.
pub const BLOCK: usize = 256;

/// Draws allowed when truncating a discrete distribution by rejection.
const MAX_REJECTIONS: usize = 10_000;

/// A distribution whose per-sample arguments were invalid.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleError {
    pub site: usize,
    /// Global index of the sample.
    pub sample: u64,
    pub message: String,
}

/// Registers of one block: `n_regs` vectors of BLOCK lanes each.
pub struct Registers {
    regs: Vec<Vec<f64>>,
}

/// An operand as seen by a loop.
#[derive(Clone, Copy)]
enum Val<'a> {
    Lanes(&'a [f64]),
    Scalar(f64),
}

impl Val<'_> {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        match self {
            Val::Lanes(x) => x[i],
            Val::Scalar(v) => v,
        }
    }
}

impl Registers {
    pub fn new(plan: &Plan) -> Registers {
        Registers {
            regs: vec![vec![0.0; BLOCK]; plan.n_regs],
        }
    }

    #[inline(always)]
    pub fn get(&self, r: Reg) -> &[f64] {
        &self.regs[r as usize]
    }

    #[inline(always)]
    fn val(&self, s: Src, n: usize) -> Val<'_> {
        match s {
            Src::Reg(r) => Val::Lanes(&self.regs[r as usize][..n]),
            Src::Const(c) => Val::Scalar(c),
        }
    }
}

/// Evaluates every op of the plan over the `n` lanes of a block whose first sample
/// has global index `first`, with the code compiled for the CPU's best instruction
/// set (crate::simd): the same function body twice, baseline and AVX2, which give
/// the same bits.
pub fn eval_block(
    plan: &Plan,
    regs: &mut Registers,
    rngs: &mut [LaneRng],
    columns: &[&[f64]],
    n: usize,
    first: u64,
) -> Result<(), SampleError> {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::level().has_avx2() {
        // SAFETY: the level includes AVX2 only when the CPU has it.
        return unsafe { eval_block_avx2(plan, regs, rngs, columns, n, first) };
    }
    eval_block_any(plan, regs, rngs, columns, n, first)
}

/// A copy of the block loop built for AVX2. (A closure passed to a generic
/// AVX2 trampoline is not reliably inlined into it, so each entry point is
/// written out.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn eval_block_avx2(
    plan: &Plan,
    regs: &mut Registers,
    rngs: &mut [LaneRng],
    columns: &[&[f64]],
    n: usize,
    first: u64,
) -> Result<(), SampleError> {
    eval_block_any(plan, regs, rngs, columns, n, first)
}

/// `dist.fill(rng, out)` as the engine runs it, compiled for the best instruction
/// set (for benches and tests of the samplers on their own).
pub fn fill(dist: &Scalar, rng: &mut LaneRng, out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::level().has_avx2() {
        // SAFETY: the level includes AVX2 only when the CPU has it.
        return unsafe { fill_avx2(dist, rng, out) };
    }
    dist.fill(rng, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_avx2(dist: &Scalar, rng: &mut LaneRng, out: &mut [f64]) {
    dist.fill(rng, out)
}

/// The block loop itself; everything hot below it is `#[inline(always)]` and free
/// of closures (LLVM leaves a closure that holds a whole op out of line, and an
/// out-of-line function is compiled once, for baseline), so each caller above
/// compiles its own copy for its instruction set.
#[inline(always)]
fn eval_block_any(
    plan: &Plan,
    regs: &mut Registers,
    rngs: &mut [LaneRng],
    columns: &[&[f64]],
    n: usize,
    first: u64,
) -> Result<(), SampleError> {
    for op in &plan.ops {
        let rng = match op.site() {
            Some(site) => &mut rngs[site],
            None => &mut rngs[0],
        };
        match op {
            Op::Copula {
                dsts,
                members,
                chol,
                ..
            } => copula(regs, rng, n, dsts, members, chol),
            Op::Column { dst, column } => {
                let from = &columns[*column][first as usize..first as usize + n];
                regs.regs[*dst as usize][..n].copy_from_slice(from);
            }
            _ => {
                // Take the destination out so the sources can be borrowed beside it
                // (the tape never reads the register it writes).
                let dst = op.dst().expect("every other op writes one register") as usize;
                let mut d = std::mem::take(&mut regs.regs[dst]);
                let result = eval_op(op, regs, rng, &mut d[..n], first);
                regs.regs[dst] = d;
                result?;
            }
        }
    }
    Ok(())
}

/// Evaluates one op into `d` (its destination's first n lanes).
#[inline(always)]
fn eval_op(
    op: &Op,
    r: &Registers,
    rng: &mut LaneRng,
    d: &mut [f64],
    first: u64,
) -> Result<(), SampleError> {
    let n = d.len();
    match op {
        // Each sampler in a function of its own (one call per block): inlined into
        // the block loop, the loops of eighteen samplers shared one giant function,
        // and a small change to one moved another's speed by 20%.
        Op::Sample { dist, .. } => fill(dist, rng, d),
        Op::Unary { f, a, .. } => unary(*f, r.get(*a), d),
        Op::Binary { f, a, b, .. } => binary(*f, r.val(*a, n), r.val(*b, n), d),
        Op::Select { c, a, b, .. } => {
            let (c, a, b) = (r.val(*c, n), r.val(*a, n), r.val(*b, n));
            for (i, o) in d.iter_mut().enumerate() {
                *o = crate::math::select(c.at(i), a.at(i), b.at(i));
            }
        }
        Op::Choose {
            items, cumulative, ..
        } => {
            let unit = Uniform::new(0.0, 1.0).expect("valid range");
            for (i, o) in d.iter_mut().enumerate() {
                let u: f64 = unit.sample(rng);
                // Few items: a linear scan beats a binary search.
                let k = cumulative
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(items.len() - 1);
                *o = r.val(items[k], n).at(i);
            }
        }
        Op::Truncated { dist, window, .. } => {
            let unit = Uniform::new(0.0, 1.0).expect("valid range");
            for o in d.iter_mut() {
                *o = dist.draw(window, unit.sample(rng));
            }
        }
        Op::SampleArgs {
            site, kind, args, ..
        } => {
            let vals: Vec<Val> = args.iter().map(|a| r.val(*a, n)).collect();
            let mut buf = [0.0; 3];
            for (i, o) in d.iter_mut().enumerate() {
                let a = lane_args(&vals, i, &mut buf);
                let dist = Scalar::new(*kind, a).map_err(|e| SampleError {
                    site: *site,
                    sample: first + i as u64,
                    message: e.to_string(),
                })?;
                *o = dist.sample(rng);
            }
        }
        Op::TruncatedArgs {
            site,
            kind,
            args,
            lo,
            hi,
            ..
        } => {
            let vals: Vec<Val> = args.iter().map(|a| r.val(*a, n)).collect();
            let (lo, hi) = (r.val(*lo, n), r.val(*hi, n));
            let mut buf = [0.0; 3];
            for (i, o) in d.iter_mut().enumerate() {
                let a = lane_args(&vals, i, &mut buf);
                let fail = |message: String| SampleError {
                    site: *site,
                    sample: first + i as u64,
                    message,
                };
                *o = truncated_draw(*kind, a, lo.at(i), hi.at(i), rng).map_err(fail)?;
            }
        }
        Op::Copula { .. } | Op::Column { .. } => unreachable!("handled by eval_block_any"),
    }
    Ok(())
}

/// Fills the correlated inputs' registers: z ~ N(0, I), y = L·z, x_j = F_j⁻¹(Φ(y_j)).
fn copula(
    regs: &mut Registers,
    rng: &mut LaneRng,
    n: usize,
    dsts: &[Reg],
    members: &[(Quantile, Window)],
    chol: &[f64],
) {
    use crate::dist::copula::{lower_times, std_normal_cdf};
    let k = dsts.len();
    let (mut z, mut y) = (vec![0.0; k], vec![0.0; k]);
    for i in 0..n {
        for zj in z.iter_mut() {
            *zj = rand_distr::StandardNormal.sample(rng);
        }
        lower_times(chol, &z, &mut y);
        for ((dst, (q, w)), &yj) in dsts.iter().zip(members).zip(&y) {
            regs.regs[*dst as usize][i] = q.draw(w, std_normal_cdf(yj));
        }
    }
}

fn lane_args<'b>(vals: &[Val], i: usize, buf: &'b mut [f64; 3]) -> &'b [f64] {
    for (k, v) in vals.iter().enumerate() {
        buf[k] = v.at(i);
    }
    &buf[..vals.len()]
}

/// One draw of `kind(args)` truncated to [lo, hi]: by inversion where a quantile
/// function exists, else by rejection.
fn truncated_draw<R: Rng + ?Sized>(
    kind: crate::dist::DistKind,
    args: &[f64],
    lo: f64,
    hi: f64,
    rng: &mut R,
) -> Result<f64, String> {
    if !(lo < hi) {
        return Err(format!(
            "truncate needs lo < hi, got lo = {lo} and hi = {hi}"
        ));
    }
    if let Some(q) = Quantile::new(kind, args).map_err(|e| e.to_string())? {
        let window = q
            .window(lo, hi)
            .ok_or_else(|| format!("the window [{lo}, {hi}] holds no probability"))?;
        let u: f64 = Uniform::new(0.0, 1.0)
            .map_err(|e| e.to_string())?
            .sample(rng);
        return Ok(q.draw(&window, u));
    }
    let dist = Scalar::new(kind, args).map_err(|e| e.to_string())?;
    for _ in 0..MAX_REJECTIONS {
        let x = dist.sample(rng);
        if (lo..=hi).contains(&x) {
            return Ok(x);
        }
    }
    Err(format!(
        "no draw fell in [{lo}, {hi}] in {MAX_REJECTIONS} tries"
    ))
}

#[inline(always)]
fn unary(f: Fn1, a: &[f64], d: &mut [f64]) {
    #[inline(always)]
    fn each(a: &[f64], d: &mut [f64], g: impl Fn(f64) -> f64) {
        for (o, &x) in d.iter_mut().zip(a) {
            *o = g(x);
        }
    }
    match f {
        Fn1::Neg => each(a, d, |x| -x),
        Fn1::Math(m) => each(a, d, |x| crate::math::unary(m, x)),
    }
}

/// `d[i] = f(a[i], b[i])`, one monomorphised loop per function and operand shape.
#[inline(always)]
fn binary(f: Fn2, a: Val, b: Val, d: &mut [f64]) {
    use crate::model::ast::BinOp as B;
    #[inline(always)]
    fn zip(a: Val, b: Val, d: &mut [f64], g: impl Fn(f64, f64) -> f64) {
        match (a, b) {
            (Val::Lanes(x), Val::Lanes(y)) => {
                for ((o, &p), &q) in d.iter_mut().zip(x).zip(y) {
                    *o = g(p, q);
                }
            }
            (Val::Lanes(x), Val::Scalar(q)) => {
                for (o, &p) in d.iter_mut().zip(x) {
                    *o = g(p, q);
                }
            }
            (Val::Scalar(p), Val::Lanes(y)) => {
                for (o, &q) in d.iter_mut().zip(y) {
                    *o = g(p, q);
                }
            }
            (Val::Scalar(p), Val::Scalar(q)) => d.fill(g(p, q)),
        }
    }
    match f {
        Fn2::Op(B::Add) => zip(a, b, d, |x, y| x + y),
        Fn2::Op(B::Sub) => zip(a, b, d, |x, y| x - y),
        Fn2::Op(B::Mul) => zip(a, b, d, |x, y| x * y),
        Fn2::Op(B::Div) => zip(a, b, d, |x, y| x / y),
        other => zip(a, b, d, |x, y| other.eval(x, y)),
    }
}

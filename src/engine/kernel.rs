//! Evaluation of the tape over one block of samples.
//!
//! Each op is a tight loop over the block; which loop runs is decided once per op
//! per block (register or constant operands, which function), never per sample.

use crate::dist::{Quantile, Scalar, Window};
use crate::plan::{Fn1, Fn2, Op, Plan, Reg, Src};
use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;

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

    pub fn get(&self, r: Reg) -> &[f64] {
        &self.regs[r as usize]
    }

    fn val(&self, s: Src, n: usize) -> Val<'_> {
        match s {
            Src::Reg(r) => Val::Lanes(&self.regs[r as usize][..n]),
            Src::Const(c) => Val::Scalar(c),
        }
    }

    /// Runs `f` with the destination register taken out, so the sources can be
    /// borrowed alongside it (the tape never reads the register it writes).
    fn with_dst<T>(&mut self, dst: Reg, f: impl FnOnce(&Registers, &mut [f64]) -> T) -> T {
        let mut d = std::mem::take(&mut self.regs[dst as usize]);
        let out = f(self, &mut d);
        self.regs[dst as usize] = d;
        out
    }
}

/// Evaluates every op of the plan over the `n` lanes of a block whose first sample
/// has global index `first`.
pub fn eval_block(
    plan: &Plan,
    regs: &mut Registers,
    rngs: &mut [Xoshiro256PlusPlus],
    columns: &[&[f64]],
    n: usize,
    first: u64,
) -> Result<(), SampleError> {
    for op in &plan.ops {
        if let Op::Column { dst, column } = op {
            let from = &columns[*column][first as usize..first as usize + n];
            regs.with_dst(*dst, |_, d| d[..n].copy_from_slice(from));
            continue;
        }
        let rng = match op.site() {
            Some(site) => &mut rngs[site],
            None => &mut rngs[0],
        };
        eval_op(op, regs, rng, n, first)?;
    }
    Ok(())
}

fn eval_op(
    op: &Op,
    regs: &mut Registers,
    rng: &mut Xoshiro256PlusPlus,
    n: usize,
    first: u64,
) -> Result<(), SampleError> {
    match op {
        Op::Sample { dst, dist, .. } => regs.with_dst(*dst, |_, d| dist.fill(rng, &mut d[..n])),
        Op::Copula {
            dsts,
            members,
            chol,
            ..
        } => copula(regs, rng, n, dsts, members, chol),
        Op::Column { .. } => unreachable!("filled by eval_block"),
        Op::Unary { dst, f, a } => regs.with_dst(*dst, |r, d| unary(*f, r.get(*a), &mut d[..n])),
        Op::Binary { dst, f, a, b } => regs.with_dst(*dst, |r, d| {
            binary(*f, r.val(*a, n), r.val(*b, n), &mut d[..n])
        }),
        Op::Select { dst, c, a, b } => regs.with_dst(*dst, |r, d| {
            let (c, a, b) = (r.val(*c, n), r.val(*a, n), r.val(*b, n));
            for (i, o) in d[..n].iter_mut().enumerate() {
                *o = crate::math::select(c.at(i), a.at(i), b.at(i));
            }
        }),
        Op::Choose {
            dst,
            items,
            cumulative,
            ..
        } => regs.with_dst(*dst, |r, d| {
            let unit = Uniform::new(0.0, 1.0).expect("valid range");
            for (i, o) in d[..n].iter_mut().enumerate() {
                let u: f64 = unit.sample(rng);
                // Few items: a linear scan beats a binary search.
                let k = cumulative
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(items.len() - 1);
                *o = r.val(items[k], n).at(i);
            }
        }),
        Op::Truncated {
            dst, dist, window, ..
        } => regs.with_dst(*dst, |_, d| {
            let unit = Uniform::new(0.0, 1.0).expect("valid range");
            for o in &mut d[..n] {
                *o = dist.draw(window, unit.sample(rng));
            }
        }),
        Op::SampleArgs {
            dst,
            site,
            kind,
            args,
        } => regs.with_dst(*dst, |r, d| {
            let vals: Vec<Val> = args.iter().map(|a| r.val(*a, n)).collect();
            let mut buf = [0.0; 3];
            for (i, o) in d[..n].iter_mut().enumerate() {
                let a = lane_args(&vals, i, &mut buf);
                let dist = Scalar::new(*kind, a).map_err(|e| SampleError {
                    site: *site,
                    sample: first + i as u64,
                    message: e.to_string(),
                })?;
                *o = dist.sample(rng);
            }
            Ok(())
        })?,
        Op::TruncatedArgs {
            dst,
            site,
            kind,
            args,
            lo,
            hi,
        } => regs.with_dst(*dst, |r, d| {
            let vals: Vec<Val> = args.iter().map(|a| r.val(*a, n)).collect();
            let (lo, hi) = (r.val(*lo, n), r.val(*hi, n));
            let mut buf = [0.0; 3];
            for (i, o) in d[..n].iter_mut().enumerate() {
                let a = lane_args(&vals, i, &mut buf);
                let fail = |message: String| SampleError {
                    site: *site,
                    sample: first + i as u64,
                    message,
                };
                *o = truncated_draw(*kind, a, lo.at(i), hi.at(i), rng).map_err(fail)?;
            }
            Ok(())
        })?,
    }
    Ok(())
}

/// Fills the correlated inputs' registers: z ~ N(0, I), y = L·z, x_j = F_j⁻¹(Φ(y_j)).
fn copula(
    regs: &mut Registers,
    rng: &mut Xoshiro256PlusPlus,
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

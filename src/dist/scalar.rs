//! Distributions with numeric arguments: checked construction and sampling.

use super::beta_table::BetaTable;
use super::block;
use super::fastmath::exp_affine_in_place;
use super::inverse::{InverseTable, Key, cached};
use super::lanes::{LaneRng, open01};
use super::{DistError, DistKind};
use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, Poisson};
use std::sync::Arc;

/// The standard normal's 95th percentile: a 90% interval is mean ± Z95 sd.
pub const Z95: f64 = 1.6448536269514722;

/// A distribution with its arguments checked, ready to sample.
#[derive(Clone, Debug)]
pub enum Scalar {
    Normal {
        mean: f64,
        sd: f64,
    },
    /// exp(mu + sigma·z), z standard normal.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// low + width·u, u uniform on (0, 1).
    Uniform {
        low: f64,
        width: f64,
    },
    /// Uniform on the log scale (low = ln a, width = ln b − ln a), exponentiated.
    LogUniform {
        low: f64,
        width: f64,
    },
    /// By its inverse CDF.
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// A triangle wider than [`WIDE_TRIANGLE`]: its inverse CDF on the unit interval,
    /// scaled (the direct form's range·(mode − min) would overflow).
    WideTriangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// min + range · X/(X+Y), X ~ Gamma(α), Y ~ Gamma(β): a beta by the gamma ratio.
    /// With α, β ≥ 1 (always so for PERT, and chosen so for beta) Marsaglia–Tsang's
    /// squeeze accepts without a logarithm ~90% of the time, several times faster
    /// than Cheng's algorithm in rand_distr's Beta, and exactly the same law.
    BetaRatio {
        x: GammaLarge,
        y: GammaLarge,
        min: f64,
        range: f64,
    },
    /// The same law (α, β ≥ 1) by table rejection (dist::beta_table), for
    /// distributions with constant arguments: see `tabulated`.
    BetaTable {
        table: Arc<BetaTable>,
        min: f64,
        range: f64,
    },
    /// A tabulated inverse CDF (dist::inverse), for distributions with constant
    /// arguments: see `tabulated`.
    Inverse(Arc<InverseTable>),
    Beta(Beta<f64>),
    /// Shape ≥ 1: Marsaglia–Tsang, inlined, times the scale.
    GammaLarge(GammaLarge, f64),
    Gamma(Gamma<f64>),
    /// By its inverse survival function, −ln(u)/rate.
    Exp {
        rate: f64,
    },
    Poisson(Poisson<f64>),
    /// 1 if u < p, else 0.
    Bernoulli {
        p: f64,
    },
}

fn err(kind: DistKind, message: String) -> DistError {
    DistError {
        dist: kind.name(),
        message,
    }
}

/// Fails unless every argument is a finite number.
fn finite(kind: DistKind, args: &[f64]) -> Result<(), DistError> {
    let names = match kind.shape() {
        super::Shape::Numbers(names) => names,
        _ => &[][..],
    };
    for (i, a) in args.iter().enumerate() {
        if !a.is_finite() {
            let name = names.get(i).copied().unwrap_or("argument");
            return Err(err(
                kind,
                format!("{name} must be a finite number, got {a}"),
            ));
        }
    }
    Ok(())
}

/// Triangles wider than this are drawn as [`Scalar::WideTriangular`].
pub const WIDE_TRIANGLE: f64 = 1e150;

/// PERT(min, mode, max) as a beta over [min, max]: its shapes α, β and the range.
pub fn pert_shapes(min: f64, mode: f64, max: f64) -> (f64, f64, f64) {
    let range = max - min;
    // 4·(mode − min) overflows for a range near the largest double: then divided by
    // the range first (second otherwise, which keeps every other PERT's bits).
    let shape = |d: f64| {
        let s = 4.0 * d / range;
        1.0 + if s.is_finite() { s } else { 4.0 * (d / range) }
    };
    (shape(mode - min), shape(max - mode), range)
}

/// `lo < hi`, worded for the distribution.
fn ordered(kind: DistKind, (ln, lo): (&str, f64), (hn, hi): (&str, f64)) -> Result<(), DistError> {
    if lo < hi {
        Ok(())
    } else {
        Err(err(
            kind,
            format!("{ln} must be below {hn}, got {ln} = {lo} and {hn} = {hi}"),
        ))
    }
}

/// `hi − lo` is a finite number: the samplers scale by it (and PERT's shape
/// parameters divide by it), so an overflowing width would give ∞ or NaN draws.
fn finite_width(
    kind: DistKind,
    (ln, lo): (&str, f64),
    (hn, hi): (&str, f64),
) -> Result<(), DistError> {
    if (hi - lo).is_finite() {
        Ok(())
    } else {
        Err(err(
            kind,
            format!(
                "{hn} − {ln} overflows a double ({ln} = {lo:e}, {hn} = {hi:e}): rescale the units"
            ),
        ))
    }
}

fn positive(kind: DistKind, name: &str, v: f64) -> Result<(), DistError> {
    if v > 0.0 {
        Ok(())
    } else {
        Err(err(kind, format!("{name} must be > 0, got {v}")))
    }
}

fn non_negative(kind: DistKind, name: &str, v: f64) -> Result<(), DistError> {
    if v >= 0.0 {
        Ok(())
    } else {
        Err(err(kind, format!("{name} must be >= 0, got {v}")))
    }
}

/// The lognormal's (mu, sigma) from its 5th and 95th percentiles.
pub fn lognormal_from_ci(p5: f64, p95: f64) -> (f64, f64) {
    let (a, b) = (p5.ln(), p95.ln());
    ((a + b) / 2.0, (b - a) / (2.0 * Z95))
}

/// The normal's (mean, sd) from its 5th and 95th percentiles.
pub fn normal_from_ci(p5: f64, p95: f64) -> (f64, f64) {
    ((p5 + p95) / 2.0, (p95 - p5) / (2.0 * Z95))
}

/// Checks the arguments of `kind` and returns its (possibly re-parameterised) form:
/// `normal_ci` becomes `normal`, `lognormal_ci` becomes `lognormal`.
pub fn checked(kind: DistKind, args: &[f64]) -> Result<(DistKind, Vec<f64>), DistError> {
    use DistKind as K;
    if let super::Shape::Numbers(names) = kind.shape()
        && args.len() != names.len()
    {
        return Err(err(
            kind,
            format!(
                "takes {} arguments ({}), got {}",
                names.len(),
                names.join(", "),
                args.len()
            ),
        ));
    }
    finite(kind, args)?;
    match kind {
        K::Normal => non_negative(kind, "sd", args[1])?,
        K::LogNormal => non_negative(kind, "sigma", args[1])?,
        K::NormalCi => {
            ordered(kind, ("p5", args[0]), ("p95", args[1]))?;
            finite_width(kind, ("p5", args[0]), ("p95", args[1]))?;
            let (m, s) = normal_from_ci(args[0], args[1]);
            return Ok((K::Normal, vec![m, s]));
        }
        K::LogNormalCi => {
            if !(args[0] > 0.0) {
                return Err(err(
                    kind,
                    format!("p5 must be > 0 for a lognormal, got {}", args[0]),
                ));
            }
            ordered(kind, ("p5", args[0]), ("p95", args[1]))?;
            let (mu, sigma) = lognormal_from_ci(args[0], args[1]);
            return Ok((K::LogNormal, vec![mu, sigma]));
        }
        K::Uniform => {
            ordered(kind, ("a", args[0]), ("b", args[1]))?;
            finite_width(kind, ("a", args[0]), ("b", args[1]))?;
        }
        K::LogUniform => {
            positive(kind, "a", args[0])?;
            ordered(kind, ("a", args[0]), ("b", args[1]))?;
        }
        K::Triangular | K::Pert => {
            ordered(kind, ("min", args[0]), ("max", args[2]))?;
            finite_width(kind, ("min", args[0]), ("max", args[2]))?;
            if !(args[0] <= args[1] && args[1] <= args[2]) {
                return Err(err(
                    kind,
                    format!(
                        "mode must lie between min and max, got min = {}, mode = {}, max = {}",
                        args[0], args[1], args[2]
                    ),
                ));
            }
        }
        K::Beta => {
            positive(kind, "a", args[0])?;
            positive(kind, "b", args[1])?;
        }
        K::Gamma => {
            positive(kind, "shape", args[0])?;
            positive(kind, "scale", args[1])?;
        }
        K::Exponential => positive(kind, "rate", args[0])?,
        K::Poisson => {
            positive(kind, "mean", args[0])?;
            if args[0] > Poisson::<f64>::MAX_LAMBDA {
                return Err(err(
                    kind,
                    format!("mean must be at most {:e}", Poisson::<f64>::MAX_LAMBDA),
                ));
            }
        }
        K::Bernoulli => {
            if !(0.0..=1.0).contains(&args[0]) {
                return Err(err(kind, format!("p must be in [0, 1], got {}", args[0])));
            }
        }
        K::Discrete | K::Mixture | K::Truncate => {
            return Err(err(
                kind,
                "is not a distribution with numeric arguments".into(),
            ));
        }
    }
    Ok((kind, args.to_vec()))
}

fn beta_ratio(alpha: f64, beta: f64, min: f64, range: f64) -> Result<Scalar, DistError> {
    Ok(Scalar::BetaRatio {
        x: GammaLarge::new(alpha),
        y: GammaLarge::new(beta),
        min,
        range,
    })
}

/// Gamma(shape, 1) for shape ≥ 1 by Marsaglia & Tsang (2000) — the algorithm of
/// rand_distr's GammaLargeShape, kept inlinable here because PERT and beta draw two
/// per sample and the call overhead dominated the profile.
#[derive(Clone, Copy, Debug)]
pub struct GammaLarge {
    shape: f64,
    d: f64,
    c: f64,
}

impl GammaLarge {
    /// `shape` must be at least 1 (callers check).
    pub fn new(shape: f64) -> GammaLarge {
        let d = shape - 1.0 / 3.0;
        GammaLarge {
            shape,
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        }
    }

    /// The shape it was built for.
    pub fn shape(self) -> f64 {
        self.shape
    }

    /// (d, c) of Marsaglia–Tsang: d = shape − 1/3, c = 1/√(9d).
    pub fn params(self) -> (f64, f64) {
        (self.d, self.c)
    }

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x = super::ziggurat::sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = open01(rng.next_u64());
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}

impl Scalar {
    /// Checks the arguments and builds the sampler.
    pub fn new(kind: DistKind, args: &[f64]) -> Result<Scalar, DistError> {
        let (kind, a) = checked(kind, args)?;
        let internal = |e: &dyn std::fmt::Display| err(kind, e.to_string());
        use DistKind as K;
        Ok(match kind {
            K::Normal => Scalar::Normal {
                mean: a[0],
                sd: a[1],
            },
            K::LogNormal => Scalar::LogNormal {
                mu: a[0],
                sigma: a[1],
            },
            K::Uniform => Scalar::Uniform {
                low: a[0],
                width: a[1] - a[0],
            },
            K::LogUniform => Scalar::LogUniform {
                low: a[0].ln(),
                width: a[1].ln() - a[0].ln(),
            },
            // Past ~1e154 the product range·(mode − min) overflows: such a range is
            // drawn on the unit interval and scaled (other ranges keep their bits).
            K::Triangular if a[2] - a[0] > WIDE_TRIANGLE => Scalar::WideTriangular {
                min: a[0],
                mode: a[1],
                max: a[2],
            },
            K::Triangular => Scalar::Triangular {
                min: a[0],
                mode: a[1],
                max: a[2],
            },
            K::Pert => {
                let (alpha, beta, range) = pert_shapes(a[0], a[1], a[2]);
                beta_ratio(alpha, beta, a[0], range)?
            }
            K::Beta if a[0] >= 1.0 && a[1] >= 1.0 => beta_ratio(a[0], a[1], 0.0, 1.0)?,
            K::Beta => Scalar::Beta(Beta::new(a[0], a[1]).map_err(|e| internal(&e))?),
            K::Gamma if a[0] >= 1.0 => Scalar::GammaLarge(GammaLarge::new(a[0]), a[1]),
            K::Gamma => Scalar::Gamma(Gamma::new(a[0], a[1]).map_err(|e| internal(&e))?),
            K::Exponential => Scalar::Exp { rate: a[0] },
            K::Poisson => Scalar::Poisson(Poisson::new(a[0]).map_err(|e| internal(&e))?),
            K::Bernoulli => Scalar::Bernoulli { p: a[0] },
            K::NormalCi | K::LogNormalCi | K::Discrete | K::Mixture | K::Truncate => {
                unreachable!("checked() re-parameterises or rejects {kind:?}")
            }
        })
    }

    /// The form for a distribution whose arguments are constants, drawn many times.
    /// With `inverse`, every smooth law gets a tabulated inverse CDF (dist::inverse:
    /// one random word and a table lookup per draw, built once per process, ~0.1 ms
    /// for the normal family and ~0.4 ms for a beta or gamma); otherwise, and for
    /// a law whose table would not be finite, a beta or PERT gets its alias table for
    /// exact table rejection (~10 µs), several times cheaper than the gamma ratio.
    pub fn tabulated(self, inverse: bool) -> Scalar {
        let b = f64::to_bits;
        let key = match self {
            Scalar::Normal { mean, sd } => Some(Key::Normal(b(mean), b(sd))),
            Scalar::LogNormal { mu, sigma } => Some(Key::LogNormal(b(mu), b(sigma))),
            Scalar::LogUniform { low, width } => Some(Key::LogUniform(b(low), b(width))),
            Scalar::Exp { rate } => Some(Key::Exponential(b(rate))),
            Scalar::BetaRatio { x, y, min, range } => {
                Some(Key::Beta(b(x.shape()), b(y.shape()), b(min), b(range)))
            }
            Scalar::GammaLarge(g, scale) => Some(Key::Gamma(b(g.shape()), b(scale))),
            _ => None,
        };
        if let Some(table) = key.filter(|_| inverse).and_then(cached) {
            return Scalar::Inverse(table);
        }
        match self {
            Scalar::BetaRatio { x, y, min, range } => match BetaTable::new(x.shape(), y.shape()) {
                Some(table) => Scalar::BetaTable {
                    table: Arc::new(table),
                    min,
                    range,
                },
                None => self,
            },
            other => other,
        }
    }

    /// Builds a tabulated inverse CDF's points now (they are otherwise built on the
    /// first draw).
    pub fn prepare(&self) {
        if let Scalar::Inverse(table) = self {
            table.prepare();
        }
    }

    /// One draw, for per-sample arguments and rejection loops. The same laws as
    /// `fill`, drawn one at a time (so not the same numbers as a block fill).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
            open01(rng.next_u64())
        }
        let z = |rng: &mut R| super::ziggurat::sample(rng);
        match *self {
            Scalar::Normal { mean, sd } => mean + sd * z(rng),
            Scalar::LogNormal { mu, sigma } => (mu + sigma * z(rng)).exp(),
            Scalar::Uniform { low, width } => low + width * unit(rng),
            Scalar::LogUniform { low, width } => (low + width * unit(rng)).exp(),
            Scalar::Triangular { min, mode, max } => {
                block::triangular_at(unit(rng), (min, mode, max))
            }
            Scalar::WideTriangular { min, mode, max } => {
                block::wide_triangular_at(unit(rng), (min, mode, max))
            }
            Scalar::BetaRatio { x, y, min, range } => {
                let (gx, gy) = (x.sample(rng), y.sample(rng));
                min + range * (gx / (gx + gy))
            }
            Scalar::BetaTable {
                ref table,
                min,
                range,
            } => table.sample(rng, (min, range)),
            Scalar::Inverse(ref table) => table.at(rng.next_u64()),
            Scalar::Beta(d) => d.sample(rng),
            Scalar::GammaLarge(g, scale) => g.sample(rng) * scale,
            Scalar::Gamma(d) => d.sample(rng),
            Scalar::Exp { rate } => block::exponential_at(unit(rng), rate),
            Scalar::Poisson(d) => d.sample(rng),
            Scalar::Bernoulli { p } => bernoulli_at(unit(rng), p),
        }
    }

    /// Fills `out` with draws by the block samplers (dist::block); the match is
    /// outside the loops, so each arm is a tight, vectorisable loop.
    #[inline(always)]
    pub fn fill(&self, rng: &mut LaneRng, out: &mut [f64]) {
        match *self {
            Scalar::Normal { mean, sd } => {
                block::std_normals(rng, out);
                out.iter_mut().for_each(|o| *o = mean + sd * *o);
            }
            Scalar::LogNormal { mu, sigma } => {
                block::std_normals(rng, out);
                exp_affine_in_place(out, mu, sigma);
            }
            Scalar::Uniform { low, width } => block::map_uniforms(rng, out, |u| low + width * u),
            Scalar::LogUniform { low, width } => {
                rng.fill_open01(out);
                exp_affine_in_place(out, low, width);
            }
            Scalar::Triangular { min, mode, max } => {
                block::map_uniforms(rng, out, |u| block::triangular_at(u, (min, mode, max)))
            }
            Scalar::WideTriangular { min, mode, max } => {
                block::map_uniforms(rng, out, |u| block::wide_triangular_at(u, (min, mode, max)))
            }
            Scalar::BetaRatio { x, y, min, range } => {
                block::beta_ratio(rng, (x, y), (min, range), out)
            }
            Scalar::BetaTable {
                ref table,
                min,
                range,
            } => table.fill(rng, (min, range), out),
            Scalar::Inverse(ref table) => table.fill(rng, out),
            Scalar::GammaLarge(g, scale) => {
                block::gamma_large(rng, g, out);
                out.iter_mut().for_each(|o| *o *= scale);
            }
            Scalar::Exp { rate } => {
                block::map_uniforms(rng, out, |u| block::exponential_at(u, rate))
            }
            Scalar::Bernoulli { p } => block::map_uniforms(rng, out, |u| bernoulli_at(u, p)),
            Scalar::Beta(_) | Scalar::Gamma(_) | Scalar::Poisson(_) => {
                out.iter_mut().for_each(|o| *o = self.sample(rng))
            }
        }
    }
}

/// 1 with probability p (u uniform on (0, 1)).
#[inline(always)]
fn bernoulli_at(u: f64, p: f64) -> f64 {
    if u < p { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: DistKind, args: &[f64]) -> String {
        Scalar::new(kind, args).unwrap_err().to_string()
    }

    #[test]
    fn parameter_checks_name_the_argument_and_value() {
        assert_eq!(
            msg(DistKind::Normal, &[0.0, -1.0]),
            "normal: sd must be >= 0, got -1"
        );
        assert!(msg(DistKind::Normal, &[0.0, f64::NAN]).contains("sd must be a finite number"));
        assert!(msg(DistKind::LogNormalCi, &[0.0, 1.0]).contains("p5 must be > 0"));
        assert!(msg(DistKind::LogNormalCi, &[3.0, 2.0]).contains("p5 must be below p95"));
        assert!(msg(DistKind::Uniform, &[1.0, 1.0]).contains("a must be below b"));
        assert!(msg(DistKind::LogUniform, &[-1.0, 1.0]).contains("a must be > 0"));
        assert!(msg(DistKind::Pert, &[0.0, 5.0, 4.0]).contains("mode must lie between"));
        assert!(msg(DistKind::Triangular, &[0.0, f64::NAN, 4.0]).contains("finite"));
        assert!(msg(DistKind::Beta, &[0.0, 1.0]).contains("a must be > 0"));
        assert!(msg(DistKind::Gamma, &[1.0, -2.0]).contains("scale must be > 0"));
        assert!(msg(DistKind::Exponential, &[0.0]).contains("rate must be > 0"));
        assert!(msg(DistKind::Poisson, &[-3.0]).contains("mean must be > 0"));
        assert!(msg(DistKind::Bernoulli, &[1.5]).contains("p must be in [0, 1]"));
        assert!(msg(DistKind::Bernoulli, &[f64::NAN]).contains("finite"));
        for kind in [DistKind::Uniform, DistKind::Triangular, DistKind::Pert] {
            let args: &[f64] = if kind == DistKind::Uniform {
                &[-1e308, 1e308]
            } else {
                &[-1e308, 0.0, 1e308]
            };
            assert!(msg(kind, args).contains("overflows a double"), "{kind:?}");
        }
    }

    #[test]
    fn ci_forms_hit_their_percentiles() {
        let (mu, sigma) = lognormal_from_ci(2.0, 8.0);
        assert!(((mu - Z95 * sigma).exp() - 2.0).abs() < 1e-12);
        assert!(((mu + Z95 * sigma).exp() - 8.0).abs() < 1e-12);
        let (m, s) = normal_from_ci(-1.0, 3.0);
        assert!((m - Z95 * s + 1.0).abs() < 1e-12);
    }
}

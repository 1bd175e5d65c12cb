//! CDFs and quantile functions of the continuous distributions, from statrs.
//!
//! Truncation samples by inversion: u ~ U(F(lo), F(hi)), x = F⁻¹(u), which is exact
//! and costs one draw however narrow the window (rejection would not be). A window in
//! the upper half inverts the survival function S = 1 − F instead, because F rounds
//! to 1 in the far upper tail while S keeps its precision.

use super::scalar::checked;
use super::{DistError, DistKind};
use statrs::distribution::{self as sd, ContinuousCDF};
use statrs::statistics::Distribution as _;

/// A continuous distribution whose CDF and quantile function are known.
#[derive(Clone, Debug)]
pub enum Quantile {
    Normal(sd::Normal),
    LogNormal(sd::LogNormal),
    Uniform(sd::Uniform),
    /// A uniform over ln(x).
    LogUniform(sd::Uniform),
    Triangular(sd::Triangular),
    /// A beta scaled onto [min, min + range].
    Pert {
        beta: sd::Beta,
        min: f64,
        range: f64,
    },
    Beta(sd::Beta),
    Gamma(sd::Gamma),
    Exp(sd::Exp),
}

impl Quantile {
    /// Builds the quantile form of `kind`; `Ok(None)` for discrete distributions.
    pub fn new(kind: DistKind, args: &[f64]) -> Result<Option<Quantile>, DistError> {
        use DistKind as K;
        let (kind, a) = checked(kind, args)?;
        let fail = |e: &dyn std::fmt::Display| DistError {
            dist: kind.name(),
            message: format!("cannot be truncated with these arguments ({e})"),
        };
        let q = match kind {
            K::Normal => Quantile::Normal(sd::Normal::new(a[0], a[1]).map_err(|e| fail(&e))?),
            K::LogNormal => {
                Quantile::LogNormal(sd::LogNormal::new(a[0], a[1]).map_err(|e| fail(&e))?)
            }
            K::Uniform => Quantile::Uniform(sd::Uniform::new(a[0], a[1]).map_err(|e| fail(&e))?),
            K::LogUniform => {
                Quantile::LogUniform(sd::Uniform::new(a[0].ln(), a[1].ln()).map_err(|e| fail(&e))?)
            }
            K::Triangular => {
                Quantile::Triangular(sd::Triangular::new(a[0], a[2], a[1]).map_err(|e| fail(&e))?)
            }
            K::Pert => {
                let (alpha, beta, range) = super::scalar::pert_shapes(a[0], a[1], a[2]);
                Quantile::Pert {
                    beta: sd::Beta::new(alpha, beta).map_err(|e| fail(&e))?,
                    min: a[0],
                    range,
                }
            }
            K::Beta => Quantile::Beta(sd::Beta::new(a[0], a[1]).map_err(|e| fail(&e))?),
            // statrs takes the rate; the model language takes the scale.
            K::Gamma => Quantile::Gamma(sd::Gamma::new(a[0], 1.0 / a[1]).map_err(|e| fail(&e))?),
            K::Exponential => Quantile::Exp(sd::Exp::new(a[0]).map_err(|e| fail(&e))?),
            K::Poisson | K::Bernoulli => return Ok(None),
            K::NormalCi | K::LogNormalCi | K::Discrete | K::Mixture | K::Truncate => {
                unreachable!("checked() re-parameterises or rejects {kind:?}")
            }
        };
        Ok(Some(q))
    }

    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Quantile::Normal(d) => d.cdf(x),
            Quantile::LogNormal(d) => d.cdf(x),
            Quantile::Uniform(d) => d.cdf(x),
            Quantile::LogUniform(d) => {
                if x <= 0.0 {
                    0.0
                } else {
                    d.cdf(x.ln())
                }
            }
            Quantile::Triangular(d) => d.cdf(x),
            Quantile::Pert { beta, min, range } => beta.cdf(((x - min) / range).clamp(0.0, 1.0)),
            Quantile::Beta(d) => d.cdf(x),
            Quantile::Gamma(d) => d.cdf(x),
            Quantile::Exp(d) => d.cdf(x),
        }
    }

    pub fn inverse_cdf(&self, p: f64) -> f64 {
        match self {
            Quantile::Normal(d) => d.inverse_cdf(p),
            Quantile::LogNormal(d) => d.inverse_cdf(p),
            Quantile::Uniform(d) => d.inverse_cdf(p),
            Quantile::LogUniform(d) => d.inverse_cdf(p).exp(),
            Quantile::Triangular(d) => d.inverse_cdf(p),
            Quantile::Pert { beta, min, range } => min + range * beta.inverse_cdf(p),
            Quantile::Beta(d) => d.inverse_cdf(p),
            Quantile::Gamma(d) => d.inverse_cdf(p),
            Quantile::Exp(d) => d.inverse_cdf(p),
        }
    }
}

/// A truncation window [lo, hi] of a distribution, in the probability scale that
/// keeps precision there: F for windows in the lower half, S = 1 − F above.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub lo: f64,
    pub hi: f64,
    /// Whether `a` and `b` are survival probabilities S(hi) < S(lo).
    upper: bool,
    a: f64,
    b: f64,
}

impl Quantile {
    /// The survival function 1 − F(x), computed without cancellation.
    pub fn sf(&self, x: f64) -> f64 {
        match self {
            Quantile::Normal(d) => d.sf(x),
            Quantile::LogNormal(d) => d.sf(x),
            Quantile::Uniform(d) => d.sf(x),
            Quantile::LogUniform(d) => {
                if x <= 0.0 {
                    1.0
                } else {
                    d.sf(x.ln())
                }
            }
            Quantile::Triangular(d) => d.sf(x),
            Quantile::Pert { beta, min, range } => beta.sf(((x - min) / range).clamp(0.0, 1.0)),
            Quantile::Beta(d) => d.sf(x),
            Quantile::Gamma(d) => d.sf(x),
            Quantile::Exp(d) => d.sf(x),
        }
    }

    /// x with S(x) = p, precise for small p; `lo..=hi` brackets the answer (used by
    /// the distributions without a closed form).
    fn inverse_sf(&self, p: f64, lo: f64, hi: f64) -> f64 {
        let std_normal = || sd::Normal::new(0.0, 1.0).map(|n| n.inverse_cdf(p));
        match self {
            Quantile::Normal(d) => {
                d.mean().unwrap_or(0.0)
                    - d.std_dev().unwrap_or(1.0) * std_normal().unwrap_or(f64::NAN)
            }
            Quantile::LogNormal(d) => {
                (d.location() - d.scale() * std_normal().unwrap_or(f64::NAN)).exp()
            }
            Quantile::Uniform(d) => d.max() - p * (d.max() - d.min()),
            Quantile::LogUniform(d) => (d.max() - p * (d.max() - d.min())).exp(),
            Quantile::Exp(d) => -p.ln() / d.rate(),
            Quantile::Beta(d) => mirrored_beta(d.shape_a(), d.shape_b(), p),
            Quantile::Pert { beta, min, range } => {
                min + range * mirrored_beta(beta.shape_a(), beta.shape_b(), p)
            }
            Quantile::Triangular(_) | Quantile::Gamma(_) => self.bisect_sf(p, lo, hi),
        }
    }

    /// Solves S(x) = p on [lo, hi] by bisection (S decreases).
    fn bisect_sf(&self, p: f64, mut lo: f64, mut hi: f64) -> f64 {
        for _ in 0..200 {
            let mid = lo + (hi - lo) / 2.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if self.sf(mid) > p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo + (hi - lo) / 2.0
    }

    /// The window [lo, hi], or None if it holds no probability.
    pub fn window(&self, lo: f64, hi: f64) -> Option<Window> {
        let (f_lo, f_hi) = (self.cdf(lo), self.cdf(hi));
        let w = if f_lo > 0.5 {
            Window {
                lo,
                hi,
                upper: true,
                a: self.sf(hi),
                b: self.sf(lo),
            }
        } else {
            Window {
                lo,
                hi,
                upper: false,
                a: f_lo,
                b: f_hi,
            }
        };
        (w.b > w.a).then_some(w)
    }

    /// The draw for a uniform `u` in [0, 1) within the window.
    #[inline]
    pub fn draw(&self, w: &Window, u: f64) -> f64 {
        let p = w.a + u * (w.b - w.a);
        let x = if w.upper {
            let finite_hi = if w.hi.is_finite() { w.hi } else { f64::MAX };
            self.inverse_sf(p, w.lo, finite_hi)
        } else {
            self.inverse_cdf(p)
        };
        x.clamp(w.lo, w.hi)
    }
}

/// x with S(x) = p for Beta(a, b): 1 − y where y ~ Beta(b, a) has F(y) = p.
fn mirrored_beta(a: f64, b: f64, p: f64) -> f64 {
    sd::Beta::new(b, a).map_or(f64::NAN, |m| 1.0 - m.inverse_cdf(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_the_cdf() {
        let cases: [(DistKind, &[f64]); 9] = [
            (DistKind::Normal, &[1.0, 2.0]),
            (DistKind::LogNormal, &[0.5, 0.3]),
            (DistKind::Uniform, &[-1.0, 3.0]),
            (DistKind::LogUniform, &[1.0, 1000.0]),
            (DistKind::Triangular, &[0.0, 1.0, 4.0]),
            (DistKind::Pert, &[2.0, 3.0, 9.0]),
            (DistKind::Beta, &[2.0, 5.0]),
            (DistKind::Gamma, &[3.0, 2.0]),
            (DistKind::Exponential, &[0.5]),
        ];
        for (kind, args) in cases {
            let q = Quantile::new(kind, args).unwrap().unwrap();
            for p in [0.01, 0.3, 0.5, 0.9, 0.99] {
                let x = q.inverse_cdf(p);
                assert!((q.cdf(x) - p).abs() < 1e-6, "{kind:?} p={p} x={x}");
            }
        }
    }

    #[test]
    fn discrete_kinds_have_no_quantile_form() {
        assert!(Quantile::new(DistKind::Poisson, &[3.0]).unwrap().is_none());
    }
}

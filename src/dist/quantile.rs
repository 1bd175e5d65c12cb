//! CDFs and quantile functions of the continuous distributions, from statrs.
//!
//! Truncation samples by inversion: u ~ U(F(lo), F(hi)), x = F⁻¹(u), which is exact
//! and costs one draw however narrow the window (rejection would not be).

use super::scalar::checked;
use super::{DistError, DistKind};
use statrs::distribution::{self as sd, ContinuousCDF};

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
                let range = a[2] - a[0];
                let alpha = 1.0 + 4.0 * (a[1] - a[0]) / range;
                let beta = 1.0 + 4.0 * (a[2] - a[1]) / range;
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

//! The distribution names of the model language and their signatures.

/// Every distribution the model language knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DistKind {
    Normal,
    LogNormal,
    NormalCi,
    LogNormalCi,
    Uniform,
    LogUniform,
    Triangular,
    Pert,
    Beta,
    Gamma,
    Exponential,
    Poisson,
    Bernoulli,
    Discrete,
    Mixture,
    Truncate,
}

/// How a distribution's arguments are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Fixed number of numeric arguments.
    Numbers(&'static [&'static str]),
    /// `([items...])` or `([items...], [weights...])`.
    Weighted,
    /// `(distribution, lo, hi)`.
    Truncate,
}

const ALL: [DistKind; 16] = [
    DistKind::Normal,
    DistKind::LogNormal,
    DistKind::NormalCi,
    DistKind::LogNormalCi,
    DistKind::Uniform,
    DistKind::LogUniform,
    DistKind::Triangular,
    DistKind::Pert,
    DistKind::Beta,
    DistKind::Gamma,
    DistKind::Exponential,
    DistKind::Poisson,
    DistKind::Bernoulli,
    DistKind::Discrete,
    DistKind::Mixture,
    DistKind::Truncate,
];

impl DistKind {
    pub fn all() -> impl Iterator<Item = DistKind> {
        ALL.into_iter()
    }

    pub fn from_name(name: &str) -> Option<DistKind> {
        ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            DistKind::Normal => "normal",
            DistKind::LogNormal => "lognormal",
            DistKind::NormalCi => "normal_ci",
            DistKind::LogNormalCi => "lognormal_ci",
            DistKind::Uniform => "uniform",
            DistKind::LogUniform => "loguniform",
            DistKind::Triangular => "triangular",
            DistKind::Pert => "pert",
            DistKind::Beta => "beta",
            DistKind::Gamma => "gamma",
            DistKind::Exponential => "exponential",
            DistKind::Poisson => "poisson",
            DistKind::Bernoulli => "bernoulli",
            DistKind::Discrete => "discrete",
            DistKind::Mixture => "mixture",
            DistKind::Truncate => "truncate",
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            DistKind::Normal => Shape::Numbers(&["mean", "sd"]),
            DistKind::LogNormal => Shape::Numbers(&["mu", "sigma"]),
            DistKind::NormalCi | DistKind::LogNormalCi => Shape::Numbers(&["p5", "p95"]),
            DistKind::Uniform | DistKind::LogUniform => Shape::Numbers(&["a", "b"]),
            DistKind::Triangular | DistKind::Pert => Shape::Numbers(&["min", "mode", "max"]),
            DistKind::Beta => Shape::Numbers(&["a", "b"]),
            DistKind::Gamma => Shape::Numbers(&["shape", "scale"]),
            DistKind::Exponential => Shape::Numbers(&["rate"]),
            DistKind::Poisson => Shape::Numbers(&["mean"]),
            DistKind::Bernoulli => Shape::Numbers(&["p"]),
            DistKind::Discrete | DistKind::Mixture => Shape::Weighted,
            DistKind::Truncate => Shape::Truncate,
        }
    }

    /// The call as a user writes it, for messages: `normal(mean, sd)`.
    pub fn signature(self) -> String {
        match self.shape() {
            Shape::Numbers(args) => format!("{}({})", self.name(), args.join(", ")),
            Shape::Weighted if self == DistKind::Discrete => {
                "discrete([v1, v2, ...], [w1, w2, ...])".into()
            }
            Shape::Weighted => "mixture([d1, d2, ...], [w1, w2, ...])".into(),
            Shape::Truncate => "truncate(distribution, lo, hi)".into(),
        }
    }

    /// Whether the values are integers (truncation then uses rejection, not quantiles).
    pub fn is_discrete(self) -> bool {
        matches!(self, DistKind::Poisson | DistKind::Bernoulli)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in DistKind::all() {
            assert_eq!(DistKind::from_name(k.name()), Some(k));
        }
        assert_eq!(DistKind::from_name("gauss"), None);
    }

    #[test]
    fn signatures_read_like_calls() {
        assert_eq!(DistKind::Normal.signature(), "normal(mean, sd)");
        assert_eq!(DistKind::Pert.signature(), "pert(min, mode, max)");
    }
}

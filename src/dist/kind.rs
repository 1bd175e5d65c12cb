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

    /// A call with its meaning, for help lines: `normal(100, 15): mean 100, sd 15`.
    pub fn example(self) -> &'static str {
        match self {
            DistKind::Normal => "normal(100, 15): mean 100, standard deviation 15",
            DistKind::LogNormal => {
                "lognormal(0, 0.5): its log has mean 0 and sd 0.5 (for a 90% range, write `A to B`)"
            }
            DistKind::NormalCi => "normal_ci(80, 120): 90% of draws between 80 and 120",
            DistKind::LogNormalCi => "lognormal_ci(1e6, 5e6): 90% of draws between 1M and 5M",
            DistKind::Uniform => "uniform(2, 5): any value from 2 to 5, equally likely",
            DistKind::LogUniform => {
                "loguniform(1e3, 1e6): each decade from 1k to 1M equally likely"
            }
            DistKind::Triangular => "triangular(1, 3, 5): lowest 1, most likely 3, highest 5",
            DistKind::Pert => "pert(1, 3, 5): lowest 1, most likely 3, highest 5",
            DistKind::Beta => "beta(2, 8): a share from 0 to 1 with mean 2/(2+8) = 0.2",
            DistKind::Gamma => "gamma(2, 10): shape 2, scale 10 (mean 20)",
            DistKind::Exponential => "exponential(0.1): rate 0.1 (mean 10)",
            DistKind::Poisson => "poisson(4): a count with mean 4",
            DistKind::Bernoulli => "bernoulli(0.3): 1 with probability 0.3, else 0",
            DistKind::Discrete => "discrete([1, 2, 3], [0.2, 0.5, 0.3]): 2 half the time",
            DistKind::Mixture => {
                "mixture([normal(10, 1), normal(20, 2)], [0.7, 0.3]): the first 70% of the time"
            }
            DistKind::Truncate => {
                "truncate(normal(10, 5), 0, 30): normal(10, 5) kept within 0 to 30"
            }
        }
    }

    /// The help line of a call that went wrong: its signature and an example.
    pub fn usage(self) -> String {
        format!("call it as {}, e.g. {}", self.signature(), self.example())
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
    fn every_example_calls_its_own_distribution_with_its_arity() {
        for k in DistKind::all() {
            let e = k.example();
            assert!(e.starts_with(&format!("{}(", k.name())), "{e}");
            if let Shape::Numbers(args) = k.shape() {
                let call = &e[..e.find("):").expect("a call, then its meaning") + 1];
                assert_eq!(call.matches(',').count() + 1, args.len(), "{e}");
            }
            assert!(
                k.usage()
                    .starts_with(&format!("call it as {}, e.g. ", k.signature()))
            );
        }
    }

    #[test]
    fn signatures_read_like_calls() {
        assert_eq!(DistKind::Normal.signature(), "normal(mean, sd)");
        assert_eq!(DistKind::Pert.signature(), "pert(min, mode, max)");
    }
}

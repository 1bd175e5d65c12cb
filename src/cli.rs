//! Command-line definitions (clap derive). `costsim` alone means `costsim run`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "costsim",
    version,
    about = "Monte Carlo uncertainty for cost models: percentile bands, claims and where they fall",
    long_about = "Monte Carlo uncertainty for cost models.\n\nA model file (TOML) puts a distribution on every uncertain input and a formula on \
every derived quantity; costsim samples millions of possible worlds, reports every output's percentiles, \
and says where each public claim falls. With no command it runs the default DeepSeek-V3 model.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a model and write its results (the default command)
    Run(RunArgs),
    /// Validate a model without sampling and list its params in dependency order
    Check(CheckArgs),
    /// Sobol first-order and total-effect indices of every output to every input
    ///
    /// --samples N is the base sample count (16,384 by default); the model is evaluated
    /// N·(k + 2) times for the k inputs that can affect some output asked for (an input
    /// that cannot affect an output gets indices of exactly 0 for it). Inputs must be
    /// independent: models with [[correlations]] or hierarchical inputs are refused.
    Sobol(SobolArgs),
    /// Run the model once per value of one param (common random numbers)
    Sweep(SweepArgs),
    /// Run several models with the same seed and overlay their outputs
    Compare(CompareArgs),
    /// Write the built-in model, its sources and the other views into a folder to edit
    Init(InitArgs),
    /// Merge the state files of a sharded run (`run --shard K/N --state FILE`) into the
    /// whole run's result files, byte-identical to one `costsim run`; or, with --state,
    /// into one state file (merges can form a tree)
    Merge(MergeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// State files, in any order (e.g. shard-*.cstate)
    #[arg(required = true, value_name = "STATE")]
    pub states: Vec<PathBuf>,
    /// Folder for the result files [default: output/<model-file-stem>, or
    /// output/<stem>-sweep, -sobol for a sweep's or a Sobol analysis's states]
    #[arg(long, short = 'o', conflicts_with = "state")]
    pub out: Option<PathBuf>,
    /// Write the merged state to FILE instead (the shards need not be complete)
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    pub state: Option<PathBuf>,
    /// What to print on stdout, as the sharded command would: `table`, `csv` (summary.csv,
    /// sweep.csv or sobol.csv) or `json` (summary.json, or sweep.csv's or sobol.csv's rows
    /// as a JSON array)
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table, hide_possible_values = true)]
    pub format: Format,
    /// Worker threads for what the merge draws again (rows, swing, anatomy) [default: all cores]
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u64).range(1..1025))]
    pub threads: Option<u64>,
    /// Print no warnings or progress on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Options of every command that simulates a model.
#[derive(Args, Debug, Clone, Default, Serialize, Deserialize)]
pub struct SimArgs {
    // `sobol`, `sweep` and `compare` replace this help with their own (`mut_arg`).
    /// Number of samples (overrides the file's [model] samples): 1000000, 1_000_000, 1e6
    /// or 1M
    #[arg(long, short = 'n', value_parser = parse_count)]
    pub samples: Option<u64>,
    /// RNG seed (overrides the file's [model] seed)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]; results do not depend on it
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u64).range(1..1025))]
    pub threads: Option<u64>,
    /// Folder for the result files [default: output/<model-file-stem>, or
    /// output/<stem>-sobol, -sweep, output/compare for those commands]
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Replace a param's value for this run: NAME=EXPR (repeatable)
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub set: Vec<String>,
    /// A TOML file whose [params] table replaces params of the model (repeatable)
    #[arg(long = "set-file", value_name = "FILE")]
    pub set_file: Vec<PathBuf>,
    /// Print no warnings or progress bar on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write no PNG charts (the other result files are still written)
    #[arg(long)]
    pub no_charts: bool,
    /// Per-output charts for at most N outputs, those with claims first [default: 40];
    /// a run's bands chart shows up to max(N, 100) outputs
    #[arg(long, value_name = "N")]
    pub max_charts: Option<usize>,
    /// Chart width in pixels, 400 to 8000 [default: 1600]
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(400..=8000))]
    pub width: Option<u32>,
    /// Chart height in pixels, 300 to 8000 [default: 1000]; a bands chart sizes its own height from its rows
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(300..=8000))]
    pub height: Option<u32>,
}

#[derive(Args, Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunArgs {
    /// The model file [default: priors/deepseek_v3.toml, built into the binary]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// What to print on stdout
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows (the first samples) kept for the Spearman sensitivity analysis
    #[arg(long, value_name = "K", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub sensitivity_rows: u64,
    /// Write samples.csv: the first K rows of every input and output
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub save_rows: Option<u64>,
    /// Skip the swing tornado (the reruns with each input at its P5 and P95)
    #[arg(long)]
    pub no_swing: bool,
    /// Draw exceedance curves, P(value > x), instead of CDFs
    #[arg(long)]
    pub exceedance: bool,
    /// Skip the claims' anatomy (anatomy.csv, anatomy_<claim>.png, "What each claim would take"; with --where, the condition's)
    #[arg(long)]
    pub no_anatomy: bool,
    /// Half-width of the window of worlds around each claim, relative to its value: 5% or 0.05
    #[arg(long, value_name = "W", default_value = "2%", value_parser = parse_window)]
    pub anatomy_window: f64,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Run only shard K of N (0 ≤ K < N), a slice of the run's chunks, and write its
    /// aggregates to --state FILE; `costsim merge` makes the whole run's files from
    /// the N states (docs/scale-out.md)
    #[arg(long, value_name = "K/N", value_parser = parse_shard, requires = "state", conflicts_with_all = ["out", "format"])]
    pub shard: Option<Shard>,
    /// With --shard: the state file to write (nothing else is written)
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub state: Option<PathBuf>,
}

/// `--shard K/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// The most shards a run may be cut into.
pub const MAX_SHARDS: u64 = 1_000_000;

fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = || format!("`{text}` is not a shard: write K/N with 0 ≤ K < N, e.g. 3/16");
    let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(format!(
            "`{text}`: N, the number of shards, must be at least 1"
        ));
    }
    if k >= n {
        return Err(format!(
            "`{text}`: shards are numbered 0 to N-1 (like $SLURM_ARRAY_TASK_ID of --array=0-(N-1))"
        ));
    }
    if n > MAX_SHARDS {
        return Err(format!("`{text}`: at most {MAX_SHARDS} shards"));
    }
    Ok(Shard { k, n })
}

/// How selective passes (a claim's anatomy, a `--where` condition) sample.
#[derive(Args, Debug, Clone, Serialize, Deserialize)]
pub struct SamplingArgs {
    /// Keep only the worlds where a condition holds, e.g. "fleet_capex >= 1.6B": every
    /// output, claim and input is reported over those worlds, with P(condition)
    #[arg(long = "where", value_name = "EXPR")]
    pub condition: Option<String>,
    /// Worlds to accept per claim (and for --where): drawing goes on past the run's
    /// samples, on the same streams, until K are found or the budget is drawn
    #[arg(long, value_name = "K", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub anatomy_rows: u64,
    /// The most to draw looking for K worlds: a count (2e8, 500M) [default: 1,000 × the
    /// run's samples], or a time limit (30s) on top of that count
    #[arg(long, value_name = "BUDGET", value_parser = parse_budget)]
    pub anatomy_budget: Option<BudgetArg>,
}

impl Default for SamplingArgs {
    fn default() -> Self {
        SamplingArgs {
            condition: None,
            anatomy_rows: 10_000,
            anatomy_budget: None,
        }
    }
}

/// `--anatomy-budget`: draws, or a wall-clock limit in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum BudgetArg {
    Draws(u64),
    Seconds(f64),
}

/// "5%" or "0.05": a share in (0, 1].
fn parse_window(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a share: write 5% or 0.05"))?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(format!(
            "the window must be above 0 and at most 100%, got `{text}`"
        ))
    }
}

/// A whole count of at least 1: `1000000`, `1_000_000`, `1e6`, `2.5M`, `10k`, `1B`.
fn parse_count(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let (digits, scale) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('B') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t.as_str(), 1.0),
    };
    if let Ok(n) = digits.parse::<u64>()
        && scale == 1.0
    {
        return if n >= 1 {
            Ok(n)
        } else {
            Err("must be at least 1".into())
        };
    }
    let bad = || format!("`{text}` is not a count: write e.g. 1000000, 1_000_000, 1e6 or 1M");
    let v = digits.parse::<f64>().map_err(|_| bad())? * scale;
    if !(1.0..1.8e19).contains(&v) {
        return Err(format!(
            "`{text}`: the count must be at least 1 and below 1.8e19"
        ));
    }
    if v.fract() != 0.0 {
        return Err(format!("`{text}` is not a whole number of samples"));
    }
    Ok(v as u64)
}

/// "2e8", "500M", "1B" draws, or "30s".
fn parse_budget(text: &str) -> Result<BudgetArg, String> {
    let t = text.trim();
    if let Some(s) = t.strip_suffix('s') {
        return match s.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(BudgetArg::Seconds(v)),
            _ => Err(format!("`{text}` is not a time: write e.g. 30s")),
        };
    }
    let (digits, scale) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('B') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    match digits.replace('_', "").parse::<f64>() {
        Ok(v) if v * scale >= 1.0 && (v * scale) < 1.8e19 => {
            Ok(BudgetArg::Draws((v * scale).round() as u64))
        }
        _ => Err(format!(
            "`{text}` is not a draw count or a time: write e.g. 2e8, 500M or 30s"
        )),
    }
}

/// `sobol -n`: the file's [model] samples play no part in a Sobol design.
const SOBOL_SAMPLES_HELP: &str = "Base samples N [default: 16,384; the file's [model] samples \
are not used]: the model is evaluated N·(k + 2) times for its k inputs; 16384, 16k or 1e5";
/// `sweep -n`: every step runs this many.
const SWEEP_SAMPLES_HELP: &str = "Samples per step (overrides the file's [model] samples): \
1000000, 1_000_000, 1e6 or 1M";
/// `compare -n`: every model runs the first file's samples unless this is given.
const COMPARE_SAMPLES_HELP: &str = "Samples for every model [default: the first file's \
[model] samples]: 1000000, 1_000_000, 1e6 or 1M";

#[derive(Args, Debug, Clone, Serialize, Deserialize)]
#[command(mut_arg("samples", |a| a.help(SOBOL_SAMPLES_HELP)))]
pub struct SobolArgs {
    /// The model file [default: priors/deepseek_v3.toml, built into the binary]
    pub file: Option<PathBuf>,
    /// What to print on stdout: `table` (an aligned table with human numbers), `csv`
    /// (sobol.csv, as written) or `json` (sobol.csv's rows as a JSON array)
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table, hide_possible_values = true)]
    pub format: Format,

    /// Only these outputs (comma-separated) [default: all]
    #[arg(long, value_delimiter = ',')]
    pub outputs: Option<Vec<String>>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Run only shard K of N of the design's units (chunks of rows × inputs) and write
    /// its sums to --state FILE, for `costsim merge` (docs/scale-out.md)
    #[arg(long, value_name = "K/N", value_parser = parse_shard, requires = "state", conflicts_with_all = ["out", "format"])]
    pub shard: Option<Shard>,
    /// With --shard: the state file to write (nothing else is written)
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub state: Option<PathBuf>,
}

#[derive(Args, Debug, Clone, Serialize, Deserialize)]
#[command(group(clap::ArgGroup::new("steps").required(true).args(["values", "range"])))]
#[command(mut_arg("samples", |a| a.help(SWEEP_SAMPLES_HELP)))]
pub struct SweepArgs {
    /// The model file [default: priors/deepseek_v3.toml, built into the binary]
    pub file: Option<PathBuf>,
    /// The param to sweep
    #[arg(long)]
    pub param: String,
    /// The values to hold it at, comma-separated (suffixes allowed: 2048,8k,50k;
    /// negative values too: -5,0,5)
    #[arg(long, allow_hyphen_values = true)]
    pub values: Option<String>,
    /// START:END:STEPS, evenly spaced (or evenly in log space with --log)
    #[arg(long, value_name = "START:END:STEPS", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Space the --range steps evenly in log space
    #[arg(long, requires = "range")]
    pub log: bool,
    /// What to print on stdout: `table` (an aligned table with human numbers), `csv`
    /// (sweep.csv, as written) or `json` (sweep.csv's rows as a JSON array)
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table, hide_possible_values = true)]
    pub format: Format,

    /// Only these outputs (comma-separated) [default: the outputs the swept param can move]
    #[arg(long, value_delimiter = ',')]
    pub outputs: Option<Vec<String>>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Run only shard K of N of the sweep's steps × chunks and write its aggregates to
    /// --state FILE, for `costsim merge` (docs/scale-out.md)
    #[arg(long, value_name = "K/N", value_parser = parse_shard, requires = "state", conflicts_with_all = ["out", "format"])]
    pub shard: Option<Shard>,
    /// With --shard: the state file to write (nothing else is written)
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub state: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
#[command(mut_arg("samples", |a| a.help(COMPARE_SAMPLES_HELP)))]
pub struct CompareArgs {
    /// Two or more model files, run with the same seed and samples
    #[arg(required = true, num_args = 2.., value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What to print on stdout: `table` (an aligned table with human numbers), `csv`
    /// (compare.csv, as written) or `json` (`outputs`: compare.csv's rows and `claims`: compare_claims.csv's, as JSON)
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table, hide_possible_values = true)]
    pub format: Format,

    /// Only these outputs (comma-separated) [default: all]
    #[arg(long, value_delimiter = ',')]
    pub outputs: Option<Vec<String>>,
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub sampling: SamplingArgs,
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Where to write them [default: priors]; existing files are never overwritten
    pub dir: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// The model file [default: priors/deepseek_v3.toml, built into the binary]
    pub file: Option<PathBuf>,
    /// Replace a param's value: NAME=EXPR (repeatable)
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub set: Vec<String>,
    /// A TOML file whose [params] table replaces params of the model (repeatable)
    #[arg(long = "set-file", value_name = "FILE")]
    pub set_file: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// An aligned table with human numbers
    #[default]
    Table,
    /// summary.csv
    Csv,
    /// summary.json
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_invocation_and_file_without_subcommand_mean_run() {
        let c = Cli::try_parse_from(["costsim"]).unwrap();
        assert!(c.command.is_none());
        let c = Cli::try_parse_from(["costsim", "m.toml", "-n", "10"]).unwrap();
        assert_eq!(c.run.file.as_deref(), Some(std::path::Path::new("m.toml")));
        assert_eq!(c.run.sim.samples, Some(10));
        let c = Cli::try_parse_from(["costsim", "check", "m.toml"]).unwrap();
        assert!(matches!(c.command, Some(Command::Check(_))));
        assert!(Cli::try_parse_from(["costsim", "run", "--samples", "0"]).is_err());
        for (text, n) in [
            ("1e6", 1_000_000),
            ("1_000_000", 1_000_000),
            ("2.5M", 2_500_000),
            ("10k", 10_000),
            ("7", 7),
        ] {
            let c = Cli::try_parse_from(["costsim", "-n", text]).unwrap();
            assert_eq!(c.run.sim.samples, Some(n), "{text}");
        }
        for bad in ["1.5", "0", "-3", "1e20", "abc"] {
            assert!(
                Cli::try_parse_from(["costsim", "run", "-n", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn windows_and_budgets_parse() {
        assert_eq!(parse_window("5%"), Ok(0.05));
        assert_eq!(parse_window("0.05"), Ok(0.05));
        assert!(parse_window("0").is_err());
        assert!(parse_window("150%").is_err());
        assert!(parse_window("x").is_err());
        assert_eq!(parse_budget("2e8"), Ok(BudgetArg::Draws(200_000_000)));
        assert_eq!(parse_budget("500M"), Ok(BudgetArg::Draws(500_000_000)));
        assert_eq!(parse_budget("30s"), Ok(BudgetArg::Seconds(30.0)));
        assert!(parse_budget("0").is_err());
        assert!(parse_budget("-1s").is_err());
        let c =
            Cli::try_parse_from(["costsim", "--where", "x > 1", "--anatomy-window", "5%"]).unwrap();
        assert_eq!(c.run.sampling.condition.as_deref(), Some("x > 1"));
        assert_eq!(c.run.anatomy_window, 0.05);
        assert_eq!(c.run.sampling.anatomy_rows, 10_000);
    }

    #[test]
    fn chart_sizes_are_bounded() {
        let c = Cli::try_parse_from(["costsim", "--width", "800", "--height", "600"]).unwrap();
        assert_eq!((c.run.sim.width, c.run.sim.height), (Some(800), Some(600)));
        for bad in [
            ["--width", "399"],
            ["--width", "8001"],
            ["--height", "299"],
            ["--height", "x"],
        ] {
            let e = Cli::try_parse_from(["costsim", bad[0], bad[1]]).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }
}

//! State files: the aggregates of some shards of a run, with everything needed to
//! check that states belong together and to finish the run from them. The layout is
//! documented in docs/state-format.md:
//!
//! ```text
//! magic "CSTATE\r\n" · format version (u32 LE) · body length (u64 LE) ·
//! CRC-32 of the body (u32 LE) · body (postcard encoding of `State`)
//! ```
//!
//! The CRC finds a truncated or corrupted file before anything is decoded; the
//! format version, a file written by an older or newer costsim.

use crate::analysis::sobol::SobolPartial;
use crate::cli::{RunArgs, Shard, SobolArgs, SweepArgs};
use crate::error::{Diagnostic, Error, Source};
use crate::model::Override;
use crate::report::format::count;
use crate::stats::Partial;
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"CSTATE\r\n";
/// Bumped whenever the body's layout changes.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes before the body.
pub const HEADER: usize = 8 + 4 + 8 + 4;

/// The most a state's body may be: far above any real state (the default model's
/// whole run is 154 KB), far below what would exhaust memory.
const MAX_BODY: u64 = 1 << 34;

/// The model a run was made from, exactly as it was read: merging rebuilds it from
/// here, so states can be merged where the model file is not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelText {
    /// The model file's stem: the default output folder, output/<stem>.
    pub stem: String,
    pub source: Source,
    /// `--set-file` and `--set`, in the order they were applied.
    pub overrides: Vec<Override>,
}

impl ModelText {
    /// A hash of the resolved model — its text and every override's, in order, but not
    /// the names they were read from (`model.toml`, `./model.toml` and a copy
    /// elsewhere are the same model): two states come from the same model exactly
    /// when these agree.
    pub fn hash(&self) -> u64 {
        let mut texts: Vec<&str> = vec![&self.source.text];
        for o in &self.overrides {
            texts.push(match o {
                Override::Set(s) => s,
                Override::File(f) => &f.text,
            });
        }
        let bytes = postcard::to_allocvec(&texts).expect("texts encode");
        crate::report::charts::fnv1a(&bytes)
    }
}

/// One state file's contents.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub costsim_version: String,
    pub model: ModelText,
    pub seed: u64,
    pub samples: u64,
    /// N of `--shard K/N`.
    pub shards: u64,
    /// The shards this state holds, as sorted disjoint ranges K..K'.
    pub held: Vec<(u64, u64)>,
    /// Nanoseconds spent simulating, summed over the shards (an integer, so that the
    /// sum does not depend on the order of merging).
    pub elapsed_nanos: u64,
    pub job: Job,
}

/// What was sharded, with its options (those that shape its results: --shard,
/// --state, --out, --threads, --quiet and --format cleared; `merge` finishes the job
/// with them) and the aggregates of the chunks this state holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// `costsim run`: chunks of one run.
    Run { args: RunArgs, partial: Partial },
    /// `costsim sweep`: chunks of its steps' runs (step × chunk is the unit of work).
    Sweep {
        args: SweepArgs,
        steps: Vec<StepPartial>,
    },
    /// `costsim sobol`: units of its design (a chunk of the N rows × a needed input).
    Sobol {
        args: SobolArgs,
        partial: SobolPartial,
    },
}

/// Some chunks of one sweep step's run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepPartial {
    pub step: u64,
    pub partial: Partial,
}

impl Job {
    pub fn command(&self) -> &'static str {
        match self {
            Job::Run { .. } => "run",
            Job::Sweep { .. } => "sweep",
            Job::Sobol { .. } => "sobol",
        }
    }

    /// The options, for comparing two states' (JSON, so the comparison ignores how
    /// the binary encodes them).
    pub fn options(&self) -> String {
        match self {
            Job::Run { args, .. } => serde_json::to_string(args),
            Job::Sweep { args, .. } => serde_json::to_string(args),
            Job::Sobol { args, .. } => serde_json::to_string(args),
        }
        .unwrap_or_default()
    }
}

/// The units of work of shard K of a sweep of `steps` steps of `chunks` chunks each:
/// units `k·U/N .. (k+1)·U/N` of the U = steps × chunks, in step-major order, as
/// (step, chunk range) pairs.
pub fn sweep_units(shard: Shard, steps: u64, chunks: u64) -> Vec<(u64, std::ops::Range<u64>)> {
    let total = u128::from(steps) * u128::from(chunks);
    let at = |k: u64| (u128::from(k) * total / u128::from(shard.n)) as u64;
    let (start, end) = (at(shard.k), at(shard.k + 1));
    let mut out = Vec::new();
    let mut u = start;
    while u < end {
        let step = u / chunks;
        let first = u % chunks;
        let last = (end - step * chunks).min(chunks);
        out.push((step, first..last));
        u = step * chunks + last;
    }
    out
}

impl State {
    /// "shard 3/8", "shards 0-3/8" or "shards 0-1, 4/8".
    pub fn describe(&self) -> String {
        let ranges: Vec<String> = self
            .held
            .iter()
            .map(|&(a, b)| match b - a {
                1 => count(a),
                _ => format!("{} to {}", count(a), count(b - 1)),
            })
            .collect();
        let one = self.held.len() == 1 && self.held[0].1 == self.held[0].0 + 1;
        let word = if one { "shard" } else { "shards" };
        // Shards count from 0: "shard 1 of 2" read as the first of two.
        format!(
            "{word} {} (of {})",
            ranges.join(", "),
            numbered(self.shards)
        )
    }
}

/// The numbers of `n` things counted from 0: "0 to 6" ("0 to 0" for one).
pub fn numbered(n: u64) -> String {
    format!("0 to {}", count(n.saturating_sub(1)))
}

/// `start..end` (end excluded) in words: "chunk 3", "chunks 3 to 5", "no chunks".
pub fn span(start: u64, end: u64, noun: &str) -> String {
    match end.saturating_sub(start) {
        0 => format!("no {noun}s"),
        1 => format!("{noun} {}", count(start)),
        _ => format!("{noun}s {} to {}", count(start), count(end - 1)),
    }
}

/// The run's options as a state records them: what shapes the results, with the
/// defaults filled in (`--width 1600` and no `--width` are the same run), and not how
/// or where this process ran, nor the model's path (its text is in `ModelText`) or
/// the seed and samples (the state holds the values resolved).
pub fn recorded_args(args: &RunArgs, samples: u64) -> RunArgs {
    let mut a = args.clone();
    (a.shard, a.state, a.format, a.file) = (None, None, Default::default(), None);
    a.sim = recorded_sim(&a.sim);
    if a.sampling.anatomy_budget.is_none() {
        let draws = samples.saturating_mul(crate::analysis::anatomy::DEFAULT_BUDGET_FACTOR);
        a.sampling.anatomy_budget = Some(crate::cli::BudgetArg::Draws(draws));
    }
    a
}

/// A sweep's options as a state records them (as [`recorded_args`]).
pub fn recorded_sweep_args(args: &SweepArgs) -> SweepArgs {
    let mut a = args.clone();
    (a.shard, a.state, a.format, a.file) = (None, None, Default::default(), None);
    a.sim = recorded_sim(&a.sim);
    a
}

/// A Sobol analysis's options as a state records them (as [`recorded_args`]).
pub fn recorded_sobol_args(args: &SobolArgs) -> SobolArgs {
    let mut a = args.clone();
    (a.shard, a.state, a.format, a.file) = (None, None, Default::default(), None);
    a.sim = recorded_sim(&a.sim);
    a
}

/// The shared options without where and how this process ran, with the chart
/// defaults filled in.
fn recorded_sim(sim: &crate::cli::SimArgs) -> crate::cli::SimArgs {
    let d = crate::report::charts::ChartOptions::default();
    let mut s = sim.clone();
    (s.out, s.threads, s.quiet, s.samples, s.seed) = (None, None, false, None, None);
    s.width = Some(s.width.unwrap_or(d.width));
    s.height = Some(s.height.unwrap_or(d.height));
    s.max_charts = Some(s.max_charts.unwrap_or(d.max_outputs));
    s
}

/// The first option two states' records differ in, as "--name A against B".
pub fn option_difference(a: &Job, b: &Job) -> Option<String> {
    let value = |j: &Job| serde_json::from_str::<serde_json::Value>(&j.options()).ok();
    first_difference(&value(a)?, &value(b)?, "")
}

fn first_difference(a: &serde_json::Value, b: &serde_json::Value, key: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.iter().find_map(|(k, v)| {
            let w = y.get(k).unwrap_or(&Value::Null);
            first_difference(v, w, k)
        }),
        _ if a == b => None,
        _ => {
            let show = |v: &Value| match v {
                Value::Null => "not given".to_string(),
                Value::Bool(true) => "given".to_string(),
                Value::Bool(false) => "not given".to_string(),
                other => other.to_string(),
            };
            Some(format!(
                "--{} {} against {}",
                key.replace('_', "-"),
                show(a),
                show(b)
            ))
        }
    }
}

/// Chunks `k·C/N .. (k+1)·C/N` of a run of `chunks` chunks: contiguous, in order,
/// and every chunk in exactly one shard. (Also any other units of work: a Sobol
/// design's.)
pub fn shard_chunks(shard: Shard, chunks: u64) -> std::ops::Range<u64> {
    let at = |k: u64| (u128::from(k) * u128::from(chunks) / u128::from(shard.n)) as u64;
    at(shard.k)..at(shard.k + 1)
}

pub fn encode(state: &State) -> Vec<u8> {
    let body = postcard::to_allocvec(state).expect("a state encodes");
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

fn rerun() -> &'static str {
    "run that shard again (same --shard K/N) to write it anew"
}

fn bad(name: &str, msg: String, help: &str) -> Error {
    Diagnostic::new(name, msg).help(help).into()
}

/// Checks a state's header (the first [`HEADER`] bytes of `bytes`, or fewer if the
/// file is shorter) and returns the body's length.
pub fn check_header(bytes: &[u8], name: &str) -> Result<u64, Error> {
    if bytes.is_empty() {
        return Err(bad(
            name,
            "the file is empty: not a costsim state".into(),
            "pass the files written by `costsim run --shard K/N --state FILE`",
        ));
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad(
            name,
            "not a costsim state file (it does not start with CSTATE)".into(),
            "pass the files written by `costsim run --shard K/N --state FILE`",
        ));
    }
    if bytes.len() < HEADER {
        return Err(bad(
            name,
            format!("truncated: {} bytes, shorter than the header", bytes.len()),
            rerun(),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(bad(
            name,
            format!(
                "state format version {version}; this costsim ({}) reads version {FORMAT_VERSION}",
                env!("CARGO_PKG_VERSION")
            ),
            "write every state with the same costsim version, then merge with that version",
        ));
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    if length > MAX_BODY {
        return Err(bad(
            name,
            format!(
                "its header gives a body of {} bytes: the file is damaged",
                count(length)
            ),
            rerun(),
        ));
    }
    Ok(length)
}

/// Decodes a state file's bytes; `name` is the file, for the messages.
pub fn decode(bytes: &[u8], name: &str) -> Result<State, Error> {
    let length = check_header(bytes, name)?;
    let body = &bytes[HEADER..];
    if (body.len() as u64) < length {
        return Err(bad(
            name,
            format!(
                "truncated: the body has {} of its {} bytes",
                count(body.len() as u64),
                count(length)
            ),
            rerun(),
        ));
    }
    if body.len() as u64 > length {
        return Err(bad(
            name,
            "the file runs on past the end of its state: it is damaged".into(),
            rerun(),
        ));
    }
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    if crc32fast::hash(body) != crc {
        return Err(bad(
            name,
            "corrupted: its checksum (CRC-32) does not match its contents".into(),
            rerun(),
        ));
    }
    let state: State = postcard::from_bytes(body).map_err(|e| {
        bad(
            name,
            format!("corrupted: cannot decode the state ({e})"),
            rerun(),
        )
    })?;
    if state.costsim_version != env!("CARGO_PKG_VERSION") {
        return Err(bad(
            name,
            format!(
                "written by costsim {}; this is costsim {}",
                state.costsim_version,
                env!("CARGO_PKG_VERSION")
            ),
            "write every state and merge them with the same costsim version",
        ));
    }
    state.check().map_err(|what| inconsistent(name, &what))?;
    Ok(state)
}

/// The error for a state whose contents do not hold together (or do not fit the
/// model it carries): a valid checksum only says the file is as it was written, and a
/// damaged or hand-made one could make a merge index out of bounds or report one
/// param's aggregates as another's.
pub fn inconsistent(name: &str, what: &str) -> Error {
    Error::Usage(format!(
        "damaged or inconsistent state file: {name}: {what}\n  help: {}",
        rerun()
    ))
}

impl State {
    /// The checks that need no model (run when a state is decoded): the shard count
    /// and the shards held are possible, and the aggregates' own structure holds
    /// together (sketch buckets, chunk tree nodes, counts). `app::merge` then checks
    /// the aggregates against the model the state carries.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=crate::cli::MAX_SHARDS).contains(&self.shards) {
            return Err(format!(
                "it is cut into {} shards (1 to {} can be)",
                self.shards,
                crate::cli::MAX_SHARDS
            ));
        }
        if self.held.is_empty() {
            return Err("it holds no shards".into());
        }
        let mut at = 0;
        for &(a, b) in &self.held {
            if a < at || a >= b || b > self.shards {
                return Err(format!(
                    "it holds shards {a}..{b} of {}: not sorted, disjoint ranges within 0..{}",
                    self.shards, self.shards
                ));
            }
            at = b;
        }
        match &self.job {
            Job::Run { partial, .. } => partial.check_structure(self.samples),
            Job::Sweep { steps, .. } => {
                for pair in steps.windows(2) {
                    if pair[0].step >= pair[1].step {
                        return Err("its sweep steps are out of order or repeated".into());
                    }
                }
                steps.iter().try_for_each(|s| {
                    s.partial
                        .check_structure(self.samples)
                        .map_err(|e| format!("sweep step {}: {e}", s.step))
                })
            }
            Job::Sobol { partial, .. } => {
                for pair in partial.units.windows(2) {
                    if (pair[0].chunk, pair[0].column) >= (pair[1].chunk, pair[1].column) {
                        return Err("its Sobol design units are out of order or repeated".into());
                    }
                }
                Ok(())
            }
        }
    }

    /// The units of work of a job of `total` units that the shards held cover
    /// (shard k's are `k·total/N .. (k+1)·total/N`, so a range of shards covers one
    /// range of units), empty ones left out.
    pub fn held_units(&self, total: u64) -> Vec<std::ops::Range<u64>> {
        let at = |k: u64| (u128::from(k) * u128::from(total) / u128::from(self.shards)) as u64;
        self.held
            .iter()
            .map(|&(a, b)| at(a)..at(b))
            .filter(|r| !r.is_empty())
            .collect()
    }
}

/// A sweep's unit ranges (step-major, `chunks` per step) as each step's chunk ranges:
/// (step, chunks), in step order.
pub fn step_chunks(
    units: &[std::ops::Range<u64>],
    chunks: u64,
) -> Vec<(u64, std::ops::Range<u64>)> {
    let mut out: Vec<(u64, std::ops::Range<u64>)> = Vec::new();
    for r in units {
        let mut u = r.start;
        while u < r.end {
            let step = u / chunks;
            let last = (r.end - step * chunks).min(chunks);
            out.push((step, u % chunks..last));
            u = step * chunks + last;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_shards_cover_every_step_and_chunk_once() {
        for (steps, chunks) in [(1u64, 1u64), (3, 5), (10, 1), (2, 16)] {
            for n in [1u64, 2, 3, 7, 40] {
                let mut seen = Vec::new();
                for k in 0..n {
                    for (s, r) in sweep_units(Shard { k, n }, steps, chunks) {
                        assert!(!r.is_empty());
                        seen.extend(r.map(|c| s * chunks + c));
                    }
                }
                assert_eq!(seen, (0..steps * chunks).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn shards_cover_every_chunk_once_in_order() {
        for chunks in [0u64, 1, 5, 16, 1000] {
            for n in [1u64, 2, 3, 7, 16, 2000] {
                let mut at = 0;
                for k in 0..n {
                    let r = shard_chunks(Shard { k, n }, chunks);
                    assert_eq!(r.start, at);
                    at = r.end;
                }
                assert_eq!(at, chunks);
            }
        }
    }
}

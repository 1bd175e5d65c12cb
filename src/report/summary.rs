//! Aggregates → Summary: percentiles per output, ranks and verdicts per claim.
//!
//! Percentile definition: the p-th percentile is the order statistic of 0-based
//! rank ⌊p/100 · (n−1)⌋ of the n finite samples, as returned by the quantile sketch
//! (within its relative accuracy) and clamped to the exact [min, max]. A claim's
//! percentile rank is 100 · (below + equal/2) / n, counted exactly during the run.
//!
//! The Summary is the JSON schema: every field is documented where it is declared.

use crate::model::Model;
use crate::plan::Plan;
use crate::stats::{Aggregates, Tracked, sketch};
use serde::Serialize;

pub use super::drivers::{SensitivityRow, SwingRow};

/// The percentiles reported for every output, in column order.
pub const PERCENTILES: [(&str, f64); 9] = [
    ("p1", 0.01),
    ("p5", 0.05),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
    ("p99", 0.99),
];

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub model: ModelInfo,
    pub run: RunInfo,
    /// One entry per reported output, in the model's order.
    pub outputs: Vec<OutputSummary>,
    /// One entry per claim, in the model's order.
    pub claims: Vec<ClaimSummary>,
    /// Every output's rank correlation with each of its ancestor inputs, largest |ρ|
    /// first per output (empty when no sensitivity rows were kept).
    pub sensitivity: Vec<SensitivityRow>,
    /// Outputs that are inputs with no other input upstream: no sensitivity rows, as
    /// their spread is their own draw (empty when no sensitivity rows were kept).
    pub self_driven: Vec<String>,
    /// Swing effects of each input on each output (empty unless computed).
    pub swing: Vec<SwingRow>,
    /// Things the reader should know: non-finite samples, thin tails.
    pub warnings: Vec<String>,
    /// With `--where`: the condition, and how many worlds met it. The outputs and
    /// claims above then describe those worlds only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionInfo>,
    /// What each claim would take (or, with `--where`, what the condition takes):
    /// absent with `--no-anatomy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anatomy: Option<crate::analysis::anatomy::AnatomyRun>,
}

/// A conditional run's condition and its probability.
#[derive(Clone, Debug, Serialize)]
pub struct ConditionInfo {
    /// The `--where` expression as given.
    pub expression: String,
    /// accepted / drawn.
    pub probability: f64,
    /// Worlds that met the condition.
    pub accepted: u64,
    /// Worlds drawn: the run's samples, more when fewer than K met the condition.
    pub drawn: u64,
    /// K worlds met it before the draw budget ran out.
    pub complete: bool,
    /// A wall-clock limit stopped the drawing.
    pub timed_out: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelInfo {
    pub title: String,
    pub description: Option<String>,
    /// The model file as named on the command line.
    pub file: String,
    /// `--set` and `--set-file` overrides, as `name = value`.
    pub overrides: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    pub samples: u64,
    pub seed: u64,
    pub threads: usize,
    /// Wall-clock seconds of the simulation (not of parsing or writing).
    pub elapsed_seconds: f64,
    /// Every percentile is within this relative error of the exact sample percentile.
    pub sketch_relative_accuracy: f64,
    pub percentile_definition: &'static str,
    /// The first rows kept for the sensitivity analysis.
    pub sensitivity_rows: u64,
    pub costsim_version: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutputSummary {
    /// The param's name.
    pub output: String,
    pub label: String,
    pub unit: String,
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    pub sd: f64,
    pub min: f64,
    /// p1, p5, p10, p25, p50, p75, p90, p95, p99 in that order.
    pub percentiles: Vec<f64>,
    pub max: f64,
    /// Samples that were NaN or infinite; the statistics are over the others.
    pub nonfinite: u64,
    /// Finite samples.
    pub count: u64,
    /// The percentiles (p1 … p99) that lost the sketch's relative bound: they fell
    /// among its smallest magnitudes, which share one bucket (the warnings say so).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost_bound: Vec<&'static str>,
}

impl OutputSummary {
    pub fn percentile(&self, name: &str) -> Option<f64> {
        let k = PERCENTILES.iter().position(|(n, _)| *n == name)?;
        self.percentiles.get(k).copied()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClaimSummary {
    pub claim: String,
    pub param: String,
    pub unit: String,
    pub value: f64,
    /// 0–100: where the claimed value sits in the param's distribution.
    pub percentile_rank: f64,
    /// Share of samples strictly below the claimed value.
    pub p_below: f64,
    /// Share of samples strictly above it.
    pub p_above: f64,
    pub verdict: String,
    pub source: Option<String>,
}

/// Everything `summarise` needs to know about the run itself.
pub struct RunFacts {
    pub samples: u64,
    pub seed: u64,
    pub threads: usize,
    pub elapsed_seconds: f64,
    /// Per tracked param with non-finite samples: the param where they first arose.
    pub nonfinite_origins: Vec<(usize, Option<usize>)>,
}

pub fn summarise(model: &Model, plan: &Plan, aggs: &Aggregates, facts: RunFacts) -> Summary {
    let mut summary = summarise_unranked(model, plan, aggs, facts);
    add_sensitivity(&mut summary, model, plan, aggs);
    summary
}

/// The Spearman sensitivity of the outputs to their inputs, from `aggs.rows`, into a
/// summary made by [`summarise_unranked`] (ranking the rows is most of a summary's
/// cost; the table's head does not wait for it).
pub fn add_sensitivity(summary: &mut Summary, model: &Model, plan: &Plan, aggs: &Aggregates) {
    let (sensitivity, self_driven) = super::drivers::sensitivity(model, plan, aggs);
    summary.sensitivity = sensitivity;
    summary.self_driven = self_driven;
}

/// [`summarise`] without the sensitivity analysis (left empty).
pub fn summarise_unranked(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    facts: RunFacts,
) -> Summary {
    let outputs: Vec<OutputSummary> = model
        .outputs
        .iter()
        .map(|&p| {
            output(
                model,
                p,
                &aggs.tracked[plan.tracked_index(p).expect("tracked")],
            )
        })
        .collect();
    let claims = model
        .claims
        .iter()
        .map(|c| {
            let k = plan.tracked_index(c.param).expect("tracked");
            let t = &aggs.tracked[k];
            let j = model.claims[..]
                .iter()
                .filter(|o| o.param == c.param)
                .position(|o| o.label == c.label)
                .expect("claim");
            let (_, below, equal) = t.claims[j];
            let param = &model.params[c.param];
            claim(
                c.label.clone(),
                param,
                c.value,
                c.source.clone(),
                t.count(),
                below,
                equal,
            )
        })
        .collect();
    let warnings = warnings(model, plan, aggs, &facts);
    Summary {
        model: ModelInfo {
            title: model.title.clone(),
            description: model.description.clone(),
            file: model.file.clone(),
            overrides: model.overrides.clone(),
        },
        run: RunInfo {
            samples: facts.samples,
            seed: facts.seed,
            threads: facts.threads,
            elapsed_seconds: facts.elapsed_seconds,
            sketch_relative_accuracy: sketch::RELATIVE_ACCURACY,
            percentile_definition: "order statistic of 0-based rank floor(q*(n-1)) over finite samples, within the sketch's relative accuracy",
            sensitivity_rows: aggs.rows.first().map_or(0, |c| c.len() as u64),
            costsim_version: env!("CARGO_PKG_VERSION"),
        },
        outputs,
        claims,
        sensitivity: Vec::new(),
        self_driven: Vec::new(),
        swing: Vec::new(),
        warnings,
        condition: None,
        anatomy: None,
    }
}

fn output(model: &Model, p: usize, t: &Tracked) -> OutputSummary {
    let param = &model.params[p];
    let empty = t.count() == 0;
    // `+ 0.0` makes a −0 (an output like `0 * x`) the 0 every file prints.
    let or_nan = |v: f64| if empty { f64::NAN } else { v + 0.0 };
    OutputSummary {
        output: param.name.clone(),
        label: param.label.clone().unwrap_or_default(),
        unit: param.unit.clone().unwrap_or_default(),
        mean: or_nan(t.moments.mean),
        sd: or_nan(t.moments.sd()),
        min: or_nan(t.min),
        percentiles: PERCENTILES
            .iter()
            .map(|(_, q)| t.quantile(*q).map_or(f64::NAN, |v| v + 0.0))
            .collect(),
        max: or_nan(t.max),
        nonfinite: t.nonfinite,
        count: t.count(),
        lost_bound: lost_bound(t),
    }
}

/// See [`OutputSummary::lost_bound`].
fn lost_bound(t: &Tracked) -> Vec<&'static str> {
    if !t.sketch.collapsed() {
        return Vec::new();
    }
    PERCENTILES
        .iter()
        .filter(|(_, q)| !t.sketch.within_bound(*q))
        .map(|(name, _)| *name)
        .collect()
}

impl Summary {
    /// "percentiles within ±0.05%", and the exception when some lost that bound.
    pub fn accuracy_note(&self) -> String {
        let bound = self.run.sketch_relative_accuracy * 100.0;
        if self.outputs.iter().any(|o| !o.lost_bound.is_empty()) {
            format!("percentiles within ±{bound}% except those the warnings name")
        } else {
            format!("percentiles within ±{bound}%")
        }
    }
}

fn claim(
    label: String,
    param: &crate::model::Param,
    value: f64,
    source: Option<String>,
    n: u64,
    below: u64,
    equal: u64,
) -> ClaimSummary {
    let n_f = n.max(1) as f64;
    let above = n - below - equal;
    let rank = 100.0 * (below as f64 + equal as f64 / 2.0) / n_f;
    ClaimSummary {
        claim: label,
        param: param.name.clone(),
        unit: param.unit.clone().unwrap_or_default(),
        value,
        // With no world (none finite, or none met a condition) there are no shares
        // to give, as there is no rank: NaN ("?" in tables, null in JSON), not 0%.
        percentile_rank: if n == 0 { f64::NAN } else { rank },
        p_below: if n == 0 { f64::NAN } else { below as f64 / n_f },
        p_above: if n == 0 { f64::NAN } else { above as f64 / n_f },
        verdict: verdict(n, below, above),
        source,
    }
}

/// Where a claim falls, in words that name the side and the share of worlds beyond
/// it: "in the upper tail: 0.5% of worlds are higher". A tail rare enough that its
/// percentage hides the evidence also gives the count ("(51 of 1,000,000)").
pub fn verdict(n: u64, below: u64, above: u64) -> String {
    use super::format::{count, probability};
    if n == 0 {
        // No finite value, or (in a conditional run) no world met the condition.
        return "no world to rank it among".into();
    }
    // "0.5%", or "0.0051% ... (51 of 1,000,000)" when the count is the clearer evidence.
    let share = |k: u64| probability(k as f64 / n as f64);
    let counted = |k: u64| {
        if k < 1000 {
            format!(" ({} of {})", count(k), count(n))
        } else {
            String::new()
        }
    };
    let (p_below, p_above) = (below as f64 / n as f64, above as f64 / n as f64);
    // Worlds equal to the claim: a point mass (a constant, a switch, a floor) at it.
    let equal = n.saturating_sub(below + above);
    let none_of = |side: &str| match n {
        1 => format!("the 1 world is not {side}"),
        _ => format!("none of {} worlds is {side}", count(n)),
    };
    if below == 0 && above == 0 {
        "equal to every world's value (the output is constant)".into()
    } else if above == 0 && equal > 0 {
        format!(
            "at the upper end: {}, {} equal it",
            none_of("higher"),
            share(equal)
        )
    } else if below == 0 && equal > 0 {
        format!(
            "at the lower end: {}, {} equal it",
            none_of("lower"),
            share(equal)
        )
    } else if above == 0 {
        format!("beyond the upper end: {}", none_of("higher"))
    } else if below == 0 {
        format!("beyond the lower end: {}", none_of("lower"))
    } else if p_above < 0.05 {
        format!(
            "in the upper tail: {} of worlds are higher{}",
            share(above),
            counted(above)
        )
    } else if p_below < 0.05 {
        format!(
            "in the lower tail: {} of worlds are lower{}",
            share(below),
            counted(below)
        )
    } else if p_above < 0.25 {
        format!(
            "above the middle half: {} of worlds are higher",
            share(above)
        )
    } else if p_below < 0.25 {
        format!(
            "below the middle half: {} of worlds are lower",
            share(below)
        )
    } else {
        format!(
            "in the middle half: {} of worlds are lower, {} higher",
            share(below),
            share(above)
        )
    }
}

/// Rows the sensitivity analysis (Spearman ρ, its tornado charts and "What drives
/// the spread") needs: `report::drivers` ranks nothing below it.
pub const SENSITIVITY_MIN_ROWS: u64 = 3;
/// Rows the swing tornado needs (`analysis::run::swing` reruns nothing below it).
pub const SWING_MIN_ROWS: u64 = 20;

/// The one warning for analyses skipped for want of samples: which are skipped, and
/// what each needs. `rows` are the sensitivity rows the run kept (its first samples).
fn too_few_rows(samples: u64, rows: u64) -> Option<String> {
    // Rows are fewer than samples when --sensitivity-rows says so; none at all (0, or
    // a sweep's and compare's runs, which keep none) were left out on purpose.
    let by_samples = rows == samples || samples < SENSITIVITY_MIN_ROWS;
    if samples == 0 || (rows == 0 && !by_samples) {
        return None;
    }
    let skipped = if rows < SENSITIVITY_MIN_ROWS {
        "no sensitivity analysis, tornado or swing chart"
    } else if rows < SWING_MIN_ROWS {
        "no swing tornado"
    } else {
        return None;
    };
    let (what, raise) = if by_samples {
        (super::format::samples(samples), "raise -n")
    } else {
        (
            format!("--sensitivity-rows {rows}"),
            "raise --sensitivity-rows",
        )
    };
    Some(format!(
        "with {what} there is {skipped}: the sensitivity analysis and its tornado charts need \
         at least {SENSITIVITY_MIN_ROWS} samples, the swing tornado at least {SWING_MIN_ROWS} ({raise})"
    ))
}

fn warnings(model: &Model, plan: &Plan, aggs: &Aggregates, facts: &RunFacts) -> Vec<String> {
    let mut out = Vec::new();
    for (k, origin) in &facts.nonfinite_origins {
        let t = &aggs.tracked[*k];
        let name = &model.params[plan.tracked[*k].param].name;
        let from = match origin {
            Some(o) if model.params[*o].name != *name => {
                format!(", first arising in param `{}`", model.params[*o].name)
            }
            _ => String::new(),
        };
        out.push(format!(
            "`{name}`: {} of {} samples are not finite (NaN or infinite){from}; its statistics are over the finite ones",
            super::format::count(t.nonfinite),
            super::format::count(facts.samples)
        ));
    }
    // No samples at all (a condition no world met) has its own warning; rows left out
    // on purpose (--sensitivity-rows 0, or a sweep's or compare's runs) need none.
    if let Some(w) = too_few_rows(facts.samples, aggs.rows.first().map_or(0, Vec::len) as u64)
        && !plan.inputs.is_empty()
        && !model.outputs.is_empty()
    {
        out.push(w);
    }
    let tail = facts.samples / 100;
    if tail < 100 && facts.samples > 0 && !model.outputs.is_empty() {
        let rest = match tail {
            // Under 100 samples p1 and p99 are the smallest and largest values.
            0 => "are about the smallest and largest values".to_string(),
            1 => "rest on 1 sample each".to_string(),
            n => format!("rest on {n} samples each"),
        };
        out.push(format!(
            "p1 and p99 {rest}: use --samples 100000 or more for stable tails"
        ));
    }
    for (k, t) in aggs.tracked.iter().enumerate() {
        if !t.sketch.collapsed() {
            continue;
        }
        let lost = lost_bound(t);
        if lost.is_empty() {
            continue;
        }
        let name = &model.params[plan.tracked[k].param].name;
        out.push(format!(
            "`{name}`: {} lost the ±{}% bound: they fall among its smallest magnitudes (below 1e-300, or too many decades under its largest for the sketch's 262,144 buckets), which share one bucket; read them as bounds on magnitude, not values: a folded value is at most the one shown, a magnitude below 1e-300 shows as 0",
            lost.join(", "),
            sketch::RELATIVE_ACCURACY * 100.0
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_with_no_world_has_no_rank_and_no_shares() {
        let src = crate::error::Source {
            name: "t.toml".into(),
            text: "[params]\ncost = 1\n".into(),
        };
        let model = crate::model::load(src, &[]).unwrap();
        let param = &model.params[0];
        let c = claim("Report".into(), param, 5.0, None, 0, 0, 0);
        assert!(c.percentile_rank.is_nan() && c.p_below.is_nan() && c.p_above.is_nan());
        assert_eq!(c.verdict, "no world to rank it among");
        let c = claim("Report".into(), param, 5.0, None, 4, 1, 0);
        assert_eq!((c.p_below, c.p_above), (0.25, 0.75));
    }

    #[test]
    fn verdicts_name_the_side_and_the_tail() {
        assert_eq!(
            verdict(1000, 450, 550),
            "in the middle half: 45.0% of worlds are lower, 55.0% higher"
        );
        assert_eq!(
            verdict(10_000, 8000, 2000),
            "above the middle half: 20.0% of worlds are higher"
        );
        assert_eq!(
            verdict(10_000, 1000, 9000),
            "below the middle half: 10.0% of worlds are lower"
        );
        // P99.5 is a tail, never "inside the central 99%".
        assert_eq!(
            verdict(1_000_000, 995_000, 5000),
            "in the upper tail: 0.5% of worlds are higher"
        );
        assert_eq!(
            verdict(1_000_000, 999_949, 51),
            "in the upper tail: 0.0051% of worlds are higher (51 of 1,000,000)"
        );
        assert_eq!(
            verdict(1_000_000, 300, 999_700),
            "in the lower tail: 0.03% of worlds are lower (300 of 1,000,000)"
        );
        assert_eq!(
            verdict(1_000_000, 1_000_000, 0),
            "beyond the upper end: none of 1,000,000 worlds is higher"
        );
        assert_eq!(
            verdict(1, 1, 0),
            "beyond the upper end: the 1 world is not higher"
        );
        assert_eq!(verdict(0, 0, 0), "no world to rank it among");
    }

    #[test]
    fn a_claim_on_a_point_mass_says_it_equals_those_worlds() {
        // Every world equal: a constant output, not "beyond the upper end".
        assert_eq!(
            verdict(1_000_000, 0, 0),
            "equal to every world's value (the output is constant)"
        );
        // An atom at the top (a cap) or the bottom (a floor) holding some worlds.
        assert_eq!(
            verdict(1000, 600, 0),
            "at the upper end: none of 1,000 worlds is higher, 40.0% equal it"
        );
        assert_eq!(
            verdict(1000, 0, 750),
            "at the lower end: none of 1,000 worlds is lower, 25.0% equal it"
        );
    }
}

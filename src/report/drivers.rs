//! "What drives the spread": Spearman sensitivities and swing (low/high) effects of
//! the inputs on each output, as the Summary carries them.

use crate::model::Model;
use crate::plan::Plan;
use crate::stats::Aggregates;
use crate::stats::sensitivity::sensitivities;
use serde::Serialize;

/// An input's rank correlation with an output, from the run's first rows.
#[derive(Clone, Debug, Serialize)]
pub struct SensitivityRow {
    pub output: String,
    /// The input param's name.
    pub input: String,
    /// Its label, or its name when it has none.
    pub input_label: String,
    /// Spearman's rank correlation, −1 to 1.
    pub spearman: f64,
    /// ρ² as a percent of the output's summed ρ² (@RISK's "contribution to variance").
    pub contribution: f64,
}

/// The output's median with one input held at its own P5, then at its P95, while
/// the others vary (the classic cost-estimating tornado).
#[derive(Clone, Debug, Serialize)]
pub struct SwingRow {
    pub output: String,
    pub input: String,
    pub input_label: String,
    pub input_p5: f64,
    pub input_p95: f64,
    /// The output's P50 with the input at its P5 / its P95.
    pub output_at_p5: f64,
    pub output_at_p95: f64,
    /// The output's P50 with every input varying, on the same samples.
    pub base_p50: f64,
}

pub fn label_of(model: &Model, p: usize) -> String {
    let param = &model.params[p];
    param.label.clone().unwrap_or_else(|| param.name.clone())
}

/// Spearman sensitivity of every output to each of its ancestor inputs (the inputs
/// the model's graph lets reach it, itself excepted), from `aggs.rows`; an input that
/// cannot affect an output is never paired with it. Rows within an output are sorted
/// by |ρ|, largest first. Also returns the outputs that are inputs with no other
/// input upstream: their spread is their own draw, so nothing else drives it. Both
/// are empty when no rows were kept.
pub fn sensitivity(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
) -> (Vec<SensitivityRow>, Vec<String>) {
    if aggs.rows.is_empty() || (aggs.rows[0].len() as u64) < super::summary::SENSITIVITY_MIN_ROWS {
        return (Vec::new(), Vec::new());
    }
    let mut column = vec![None; model.params.len()];
    for (c, &p) in plan.row_params.iter().enumerate() {
        column[p] = Some(c);
    }
    let ancestors = plan.ancestor_inputs_of(model, &model.outputs);
    let mut self_driven = Vec::new();
    let mut pairs: Vec<(usize, Vec<usize>)> = Vec::new();
    for (&o, ancestry) in model.outputs.iter().zip(&ancestors) {
        let inputs: Vec<usize> = ancestry
            .iter()
            .filter(|&&i| i != o)
            .filter_map(|&i| column[i])
            .collect();
        if inputs.is_empty() {
            // An output is among its own ancestor inputs exactly when it is an input.
            if ancestry.contains(&o) {
                self_driven.push(model.params[o].name.clone());
            }
            continue;
        }
        if let Some(c) = column[o] {
            pairs.push((c, inputs));
        }
    }
    // Output columns in the model's output order, for the sort below.
    let mut order = vec![usize::MAX; plan.row_params.len()];
    for (k, (c, _)) in pairs.iter().enumerate() {
        order[*c] = k;
    }
    let mut found = sensitivities(&aggs.rows, &pairs);
    // Stable: within an output (kept in model order), by |ρ| descending.
    found.sort_by(|a, b| {
        order[a.output]
            .cmp(&order[b.output])
            .then(b.spearman.abs().total_cmp(&a.spearman.abs()))
    });
    let rows = found
        .into_iter()
        .map(|s| {
            let (o, i) = (plan.row_params[s.output], plan.row_params[s.input]);
            SensitivityRow {
                output: model.params[o].name.clone(),
                input: model.params[i].name.clone(),
                input_label: label_of(model, i),
                spearman: s.spearman,
                contribution: s.contribution,
            }
        })
        .collect();
    (rows, self_driven)
}

/// What the drivers tables say of an output that is itself an input (one of
/// [`Summary::self_driven`](super::Summary::self_driven)).
pub const SELF_DRIVEN: &str = "itself (an input: its spread is its own draw)";

/// The rows the sensitivity analysis used: "first 100,000 samples", or in a run
/// under `--where` "first 36,320 worlds that meet the condition".
pub fn rows_used(s: &super::Summary) -> String {
    let n = super::format::count(s.run.sensitivity_rows);
    match s.condition {
        Some(_) => format!("first {n} worlds that meet the condition"),
        None => format!("first {n} samples"),
    }
}

/// What drives an output that no input reaches (a constant, or a formula of constants).
pub const NO_INPUT: &str = "nothing: it depends on no uncertain input";

/// The top `n` drivers of an output.
pub fn top<'a>(rows: &'a [SensitivityRow], output: &str, n: usize) -> Vec<&'a SensitivityRow> {
    rows.iter().filter(|r| r.output == output).take(n).collect()
}

/// Inputs below this share of an output's variance are noise at the usual row counts
/// (|ρ| ≈ 0.01 arises by chance in 100,000 rows), not drivers worth naming.
pub const MIN_CONTRIBUTION: f64 = 0.5;

/// What drives an output, for the reports: its top three inputs that explain at least
/// [`MIN_CONTRIBUTION`] percent of its (rank) variance.
pub fn drivers<'a>(rows: &'a [SensitivityRow], output: &str) -> Vec<&'a SensitivityRow> {
    top(rows, output, 3)
        .into_iter()
        .filter(|r| r.contribution >= MIN_CONTRIBUTION)
        .collect()
}

/// Outputs whose drivers the reports explain when the model makes no claim.
pub const EXPLAINED_OUTPUTS: usize = 8;

/// The params whose drivers the reports explain: every claim's param (in claim
/// order, once each), or else the first [`EXPLAINED_OUTPUTS`] outputs.
pub fn explained(s: &super::Summary) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in &s.claims {
        if !names.contains(&c.param) {
            names.push(c.param.clone());
        }
    }
    if names.is_empty() {
        // Outputs that are inputs drive themselves: they would fill the slots.
        names.extend(
            s.outputs
                .iter()
                .filter(|o| !s.self_driven.contains(&o.output))
                .take(EXPLAINED_OUTPUTS)
                .map(|o| o.output.clone()),
        );
    }
    if names.is_empty() {
        names.extend(s.outputs.first().map(|o| o.output.clone()));
    }
    names
}

/// Which params [`explained`] picked, for the report's prose.
pub fn explained_note(s: &super::Summary) -> String {
    let shown = explained(s).len();
    if !s.claims.is_empty() {
        "Shown for the params of the claims".into()
    } else if shown == s.outputs.len() {
        "Shown for every output".into()
    } else {
        format!(
            "Shown for {shown} of the {} outputs (the first that other inputs drive)",
            s.outputs.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(input: &str, spearman: f64, contribution: f64) -> SensitivityRow {
        SensitivityRow {
            output: "cost".into(),
            input: input.into(),
            input_label: input.into(),
            spearman,
            contribution,
        }
    }

    #[test]
    fn drivers_are_the_top_three_that_matter() {
        let rows = [
            row("price", 0.99, 98.6),
            row("hours", 0.11, 1.3),
            row("noise", 0.01, 0.01),
            row("more", 0.009, 0.0),
        ];
        let names: Vec<&str> = drivers(&rows, "cost")
            .iter()
            .map(|r| r.input.as_str())
            .collect();
        assert_eq!(names, ["price", "hours"]);
        assert_eq!(top(&rows, "cost", 3).len(), 3);
        assert!(drivers(&rows, "other").is_empty());
    }
}

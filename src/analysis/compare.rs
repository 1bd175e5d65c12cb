//! `costsim compare`: several models run with the same seed and samples, their
//! outputs side by side.

use crate::analysis::run::Simulated;
use crate::report::summary::{ClaimSummary, OutputSummary, PERCENTILES};

/// One model's run in a comparison.
pub struct Compared {
    pub file: String,
    pub title: String,
    pub simulated: Simulated,
}

impl Compared {
    pub fn output(&self, name: &str) -> Option<&OutputSummary> {
        self.simulated
            .summary
            .outputs
            .iter()
            .find(|o| o.output == name)
    }
}

/// The outputs to compare, in the first model's order: those asked for (or all the
/// first model's), kept where any model reports them. Returns them and a
/// note for every output some model lacks.
pub fn shared_outputs(models: &[Compared], asked: Option<&[String]>) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = models
        .iter()
        .flat_map(|m| m.simulated.summary.outputs.iter().map(|o| o.output.clone()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if let Some(asked) = asked {
        names.retain(|n| asked.contains(n));
    }
    let mut notes = Vec::new();
    let mut shared = Vec::new();
    for n in names {
        let missing: Vec<&str> = models
            .iter()
            .filter(|m| m.output(&n).is_none())
            .map(|m| m.file.as_str())
            .collect();
        if !missing.is_empty() {
            notes.push(format!(
                "`{n}` is not an output of {}: skipped there",
                missing.join(", ")
            ));
        }
        if models.len() - missing.len() >= 1 {
            shared.push(n);
        }
    }
    (shared, notes)
}

/// compare.csv: one row per (model, output): `model,file,output,label,unit,mean,sd,min,p1..p99,max`.
pub fn compare_csv(models: &[Compared], outputs: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "model", "file", "output", "label", "unit", "mean", "sd", "min",
    ];
    header.extend(PERCENTILES.iter().map(|(n, _)| *n));
    header.push("max");
    w.write_record(&header).expect("writing to memory");
    for name in outputs {
        for m in models {
            let Some(o) = m.output(name) else { continue };
            let mut row = vec![
                m.title.clone(),
                m.file.clone(),
                o.output.clone(),
                o.label.clone(),
                o.unit.clone(),
            ];
            let numbers = [o.mean, o.sd, o.min]
                .into_iter()
                .chain(o.percentiles.iter().copied());
            row.extend(numbers.chain([o.max]).map(|v| v.to_string()));
            w.write_record(&row).expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

/// The claims of the models grouped by claim: each group holds, for every model that
/// tests that claim, the model's title and file and its verdict, in model order. Groups come in
/// the order claims first appear across the models. A claim is the same claim in two
/// models when its label, param and value agree.
pub fn claims_by_claim(models: &[Compared]) -> Vec<Vec<((&str, &str), &ClaimSummary)>> {
    let names: Vec<(&str, &str)> = models
        .iter()
        .map(|m| (m.title.as_str(), m.file.as_str()))
        .collect();
    claims_named(models, &names)
}

/// [`claims_by_claim`] with each model named by `names` (one per model) instead of
/// its title and file: the terminal's table tells two models of one title apart.
pub fn claims_named<'a, N: Copy>(
    models: &'a [Compared],
    names: &[N],
) -> Vec<Vec<(N, &'a ClaimSummary)>> {
    let same = |a: &ClaimSummary, b: &ClaimSummary| {
        a.claim == b.claim && a.param == b.param && a.value.to_bits() == b.value.to_bits()
    };
    let mut groups: Vec<Vec<(N, &ClaimSummary)>> = Vec::new();
    for m in models {
        for c in &m.simulated.summary.claims {
            if groups.iter().any(|g| same(g[0].1, c)) {
                continue;
            }
            groups.push(
                models
                    .iter()
                    .zip(names)
                    .filter_map(|(o, &name)| {
                        let d = o.simulated.summary.claims.iter().find(|d| same(c, d))?;
                        Some((name, d))
                    })
                    .collect(),
            );
        }
    }
    groups
}

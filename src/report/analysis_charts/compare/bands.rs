//! compare_bands.png: the percentile bands of every output in the largest unit
//! group, one row per model reporting it, grouped by output.

use super::{Member, compare_footer, members};
use crate::analysis::compare::Compared;
use crate::report::axis::{Axis, axis_over};
use crate::report::charts::{
    ChartOptions, ClaimMark, Percentiles, axis_label, band_points, claims_on, max_ticks,
    percentiles, some_unit, title_of, unit_name, unit_of,
};
use crate::report::format::{chart_human, rank};

/// One model's percentiles of one output.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareBandRow {
    pub series: usize,
    /// The model's name.
    pub model: String,
    pub pct: Percentiles,
    pub median_label: String,
    /// The model's claims on the output, each labelled with its rank only ("P45"):
    /// the group names them.
    pub claims: Vec<ClaimMark>,
}

/// An output's rows, one per model reporting it.
#[derive(Clone, Debug, PartialEq)]
pub struct BandGroup {
    pub output: String,
    pub label: String,
    /// The claims on the output, once each: "DeepSeek-V3 report $5.58M".
    pub claims: Vec<String>,
    pub rows: Vec<CompareBandRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompareBandsChart {
    /// compare_bands.png
    pub file: String,
    pub unit: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub x: Axis,
    pub groups: Vec<BandGroup>,
    /// The legend: (series, model name) for every model.
    pub models: Vec<(usize, String)>,
    pub footer: String,
}

/// The outputs of the largest unit group (the first among equals), each with a row
/// per model reporting it.
pub(super) fn bands_chart(
    models: &[Compared],
    outputs: &[String],
    names: &[String],
    opts: &ChartOptions,
) -> Option<CompareBandsChart> {
    let mut groups: Vec<(String, Vec<BandGroup>)> = Vec::new();
    for name in outputs {
        let ms = members(models, name);
        let Some(first) = ms.first() else { continue };
        let unit = first.o.unit.clone();
        let rows: Vec<CompareBandRow> = ms.iter().map(|m| band_row(m, &names[m.series])).collect();
        let mut claims: Vec<String> = Vec::new();
        for c in ms
            .iter()
            .flat_map(|m| claims_on(&m.model.simulated.summary, m.o))
        {
            let text = format!("{} {}", c.claim, chart_human(c.value, unit_of(first.o)));
            if !claims.contains(&text) {
                claims.push(text);
            }
        }
        let group = BandGroup {
            output: name.clone(),
            label: title_of(first.o),
            claims,
            rows,
        };
        match groups.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, g)) => g.push(group),
            None => groups.push((unit, vec![group])),
        }
    }
    let most = groups.iter().map(|(_, g)| g.len()).max()?;
    let (unit, groups) = groups.into_iter().find(|(_, g)| g.len() == most)?;
    let points: Vec<f64> = groups
        .iter()
        .flat_map(|g| &g.rows)
        .flat_map(|r| band_points(r.pct, &r.claims))
        .collect();
    let x = axis_over(&points, some_unit(&unit), max_ticks(opts.width));
    Some(CompareBandsChart {
        file: "compare_bands.png".into(),
        title: format!(
            "Percentile bands: every {} output, model by model",
            unit_name(&unit)
        ),
        // The legend names the models by colour: the subtitle repeated their titles
        // and was cut ("… a…") when they were long.
        subtitle: "Per model, in its colour: a line from P1 to P99, a light bar P5–P95, a box \
                   P25–P75 and a tick at P50"
            .into(),
        x_label: axis_label("value", &unit, x.scale),
        x,
        groups,
        models: names.iter().cloned().enumerate().collect(),
        footer: compare_footer(models),
        unit,
    })
}

fn band_row(m: &Member, name: &str) -> CompareBandRow {
    let pct = percentiles(m.o);
    let claims = claims_on(&m.model.simulated.summary, m.o)
        .into_iter()
        .map(|c| ClaimMark {
            label: rank(c.rank),
            ..c
        })
        .collect();
    CompareBandRow {
        series: m.series,
        model: name.to_string(),
        median_label: crate::report::charts::median_label(m.o, pct.p50, unit_of(m.o)),
        pct,
        claims,
    }
}

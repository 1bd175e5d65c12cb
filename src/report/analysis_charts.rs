//! Chart data for the analysis results: the tornado of Spearman sensitivities, the
//! swing tornado, Sobol indices, sweep fan charts and model comparisons.
//!
//! As in [`super::charts`], every number comes finished from its source — the
//! [`Summary`](super::Summary)'s `sensitivity` and `swing` rows, the
//! [`SobolRow`](crate::analysis::sobol::SobolRow)s, each sweep step's Summary, each compared
//! model's Summary and sketch — and the `plot` module draws these structs without
//! computing anything (STYLE.md, lesson 9). What is decided here: which inputs make
//! the cut (the [`TOP_INPUTS`] largest), their order, the texts, and the axes (by the
//! rule of [`super::axis`], spanning every bar, interval and claim they carry).

mod anatomy;
mod compare;
mod drivers;
mod sobol;
mod sweep;

pub use anatomy::{AnatomyBar, AnatomyChart, anatomy_charts};
pub use compare::{
    BandGroup, CdfSeries, CompareBandRow, CompareBandsChart, CompareCdfChart, CompareCharts,
    CompareClaim, CompareHistChart, HistSeries, ModelPoint, compare_charts, series_names,
};
pub use drivers::{SwingBar, SwingChart, TornadoBar, TornadoChart, swing_charts, tornado_charts};
pub use sobol::{Interval, SobolBar, SobolChart, sobol_charts};
pub use sweep::{Level, SweepChart, SweepPoint, sweep_charts};

/// Inputs shown per chart: the most influential ones; a subtitle says how many more
/// there are.
pub const TOP_INPUTS: usize = 15;

/// "; top 15 of 22 inputs", or nothing when every input is shown.
fn cut_note(shown: usize, all: usize) -> String {
    if shown < all {
        format!("; top {shown} of {all} inputs")
    } else {
        String::new()
    }
}

/// A signed number with a true minus sign and `decimals` decimals: "+0.62", "−0.08".
fn signed(v: f64, decimals: usize) -> String {
    // "0.00", never "−0.00", for a value that rounds to zero.
    super::format::decimals(v, decimals, true).replacen('-', "−", 1)
}

/// A percent share (0–100) with sensible precision: "38%", "2.5%", "<0.1%".
fn share(pct: f64) -> String {
    if !pct.is_finite() {
        "?".into()
    } else if pct == 0.0 {
        "0%".into()
    } else if pct < 0.05 {
        "<0.1%".into()
    } else if pct < 9.95 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// A Summary with these (output, unit) pairs, each with made-up percentiles, for tests.
#[cfg(test)]
pub(crate) fn summary_with(outputs: &[(&str, &str)]) -> super::Summary {
    use super::summary::{ModelInfo, OutputSummary, RunInfo, Summary};
    let output = |(name, unit): &(&str, &str)| OutputSummary {
        output: name.to_string(),
        label: String::new(),
        unit: unit.to_string(),
        mean: 5.0,
        sd: 1.0,
        min: 0.5,
        percentiles: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        max: 10.0,
        nonfinite: 0,
        count: 1000,
        lost_bound: Vec::new(),
    };
    Summary {
        model: ModelInfo {
            title: "Test".into(),
            description: None,
            file: "test.toml".into(),
            overrides: vec![],
        },
        run: RunInfo {
            samples: 1000,
            seed: 1,
            threads: 1,
            elapsed_seconds: 0.0,
            sketch_relative_accuracy: 0.0,
            percentile_definition: "",
            sensitivity_rows: 1000,
            costsim_version: "test",
        },
        outputs: outputs.iter().map(output).collect(),
        claims: vec![],
        sensitivity: vec![],
        self_driven: vec![],
        swing: vec![],
        warnings: vec![],
        condition: None,
        anatomy: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_numbers_and_shares() {
        assert_eq!(signed(0.6234, 2), "+0.62");
        assert_eq!(signed(-0.081, 2), "−0.08");
        assert_eq!(signed(-0.001, 2), "0.00");
        assert_eq!(share(38.2), "38%");
        assert_eq!(share(2.54), "2.5%");
        assert_eq!(share(0.01), "<0.1%");
        assert_eq!(share(0.0), "0%");
        assert_eq!(cut_note(15, 22), "; top 15 of 22 inputs");
        assert_eq!(cut_note(4, 4), "");
    }
}

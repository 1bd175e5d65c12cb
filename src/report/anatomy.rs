//! "What each claim would take": anatomy.csv, and the section of the terminal table
//! and of report.md. Text and bytes only.

use super::format::{count, human, rank};
use super::table::aligned;
use crate::analysis::anatomy::{Anatomy, AnatomyRun};
use std::fmt::Write;

/// anatomy.csv's columns (a contract: new columns are only ever appended).
pub const HEADER: [&str; 15] = [
    "claim",
    "param",
    "value",
    "input",
    "label",
    "unit",
    "prior_p5",
    "prior_p50",
    "prior_p95",
    "given_p5",
    "given_p50",
    "given_p95",
    "given_p50_rank",
    "accepted",
    "drawn",
];

/// Inputs shown per claim in the terminal and report.md.
pub const SHOWN: usize = 3;

/// A number, or empty for NaN (a condition's value, a thin anatomy's columns).
fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// One row per (claim, input), claims in order, inputs by how far their median moved.
pub fn csv(run: &AnatomyRun) -> Vec<u8> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("writing to memory");
    for a in &run.claims {
        for i in &a.inputs {
            let mut row = vec![
                a.claim.clone(),
                a.param.clone(),
                num(a.value),
                i.input.clone(),
                i.label.clone(),
                i.unit.clone(),
            ];
            row.extend(i.prior.iter().chain(&i.given).map(|&v| num(v)));
            row.extend([
                num(i.given_p50_rank),
                a.accepted.to_string(),
                a.drawn.to_string(),
            ]);
            w.write_record(row).expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

fn unit(u: &str) -> Option<&str> {
    (!u.is_empty()).then_some(u)
}

/// The section's title line.
fn title(run: &AnatomyRun, conditional: bool) -> String {
    if conditional {
        "What the condition takes (each input's median given it, and its rank in the prior)".into()
    } else {
        format!(
            "What each claim would take (worlds within ±{}% of the claim; the inputs' medians \
             there, and their ranks in the prior)",
            human(run.window * 100.0, None)
        )
    }
}

/// "10,000 of 24,117,248 worlds", or why there is nothing to read.
pub fn worlds(a: &Anatomy) -> String {
    let base = format!("{} of {} worlds", count(a.accepted), count(a.drawn));
    if a.inputs.is_empty() {
        "depends on no input".into()
    } else if a.out_of_reach && a.thin {
        format!("out of reach, too thin to read: {base}")
    } else if a.out_of_reach {
        format!("{base} (K out of reach: stopped early)")
    } else if a.thin {
        format!("too thin to read: {base}")
    } else {
        base
    }
}

/// The terminal section: per claim, the inputs that move most.
pub fn table_section(out: &mut String, run: &AnatomyRun, conditional: bool) {
    if run.claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", title(run, conditional));
    let mut rows = Vec::new();
    for a in &run.claims {
        let head = a.claim.clone();
        if a.thin || a.inputs.is_empty() {
            rows.push(vec![head, worlds(a)]);
            continue;
        }
        let shown = if conditional { a.inputs.len() } else { SHOWN };
        for (k, i) in a.inputs.iter().take(shown).enumerate() {
            rows.push(vec![
                if k == 0 { head.clone() } else { String::new() },
                i.label.clone(),
                given_value(i),
                rank(i.given_p50_rank),
                if k == 0 { worlds(a) } else { String::new() },
            ]);
        }
    }
    out.push_str(&aligned(&rows, 2, true));
}

/// "given x >= 1: P = 0.04% (412 of 1,000,000 worlds)".
pub fn condition_line(c: &super::summary::ConditionInfo) -> String {
    format!(
        "given {}: P = {} ({} of {} worlds)",
        c.expression,
        share(c.probability),
        count(c.accepted),
        count(c.drawn)
    )
}

/// A probability as a percentage with two significant digits below 0.1%: "7.9%",
/// "0.019%", "0%".
fn share(p: f64) -> String {
    let pct = p * 100.0;
    if p > 0.0 && pct < 0.1 {
        let decimals = (1.0 - pct.log10().floor()).clamp(1.0, 12.0) as usize;
        format!("{pct:.decimals$}%")
    } else {
        super::format::probability(p)
    }
}

/// The report.md section, linking each anatomy's chart when it was written (`files`).
pub fn markdown_section(out: &mut String, run: &AnatomyRun, conditional: bool, files: &[String]) {
    if run.claims.is_empty() {
        return;
    }
    let esc = |s: &str| super::markdown::text(s).replace('|', "\\|");
    // Values as code spans: "`$5.58M`" reads the same raw and rendered.
    let code = |s: &str| format!("`{}`", s.replace('`', "'"));
    let heading = if conditional {
        "What the condition takes"
    } else {
        "What each claim would take"
    };
    let _ = writeln!(out, "## {heading}\n");
    if !conditional && run.claims.iter().all(|a| a.inputs.is_empty()) {
        let _ = writeln!(
            out,
            "No claim's param depends on an uncertain input: no input has to move for \
             any of them.\n"
        );
        return;
    }
    if conditional {
        let _ = writeln!(
            out,
            "Among the worlds that meet the condition, each input's P5–P95 and median, and \
             where that median falls in the input's prior (P50 = unmoved).\n"
        );
    } else {
        // No prior is drawn when no claim's param depends on an input.
        let prior = match run.claims.first().map_or(0, |a| a.prior_rows) {
            0 => " All of it is in anatomy.csv.".to_string(),
            rows => format!(
                " Priors are the first {} samples; all of it in anatomy.csv.",
                count(rows)
            ),
        };
        let _ = writeln!(
            out,
            "Among the worlds where the claim's param lands within ±{}% of the claimed value, \
             the inputs it depends on that move most: their P5–P95 and median there, and where \
             that median falls in the input's prior (P50 = unmoved).{prior}\n",
            human(run.window * 100.0, None),
        );
    }
    let _ = writeln!(
        out,
        "| claim | input | prior P5–P95 | given P5–P95 | given median | prior rank | worlds |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
    for a in &run.claims {
        if a.thin || a.inputs.is_empty() {
            let _ = writeln!(out, "| {} | | | | | | {} |", esc(&a.claim), worlds(a));
            continue;
        }
        let shown = if conditional { a.inputs.len() } else { SHOWN };
        for (k, i) in a.inputs.iter().take(shown).enumerate() {
            let u = unit(&i.unit);
            let _ = writeln!(
                out,
                "| {} | {} | {} – {} | {} – {} | {} | {} | {} |",
                if k == 0 { esc(&a.claim) } else { String::new() },
                esc(&i.label),
                code(&human(i.prior[0], u)),
                code(&human(i.prior[2], u)),
                code(&human(i.given[0], u)),
                code(&human(i.given[2], u)),
                code(&given_value(i)),
                rank(i.given_p50_rank),
                if k == 0 { worlds(a) } else { String::new() },
            );
        }
    }
    out.push('\n');
    for (a, name) in run.claims.iter().zip(chart_names(run)) {
        if let Some(name) = name.filter(|n| files.contains(n)) {
            let _ = writeln!(out, "![What {} would take]({name})\n", esc(&a.claim));
        }
    }
}

/// Each anatomy's chart file, None when it has nothing to draw (thin, or no
/// inputs); a slug already taken gets `-2`, `-3`, ….
pub fn chart_names(run: &AnatomyRun) -> Vec<Option<String>> {
    let mut taken: Vec<String> = Vec::new();
    run.claims
        .iter()
        .map(|a| {
            if a.thin || a.inputs.is_empty() {
                return None;
            }
            let base = chart_name(&a.claim);
            let mut name = base.clone();
            let mut k = 1;
            while taken.contains(&name) {
                k += 1;
                name = base.replace(".png", &format!("-{k}.png"));
            }
            taken.push(name.clone());
            Some(name)
        })
        .collect()
}

/// What the accepted worlds hold of an input: its conditional median in its unit, or
/// for a two-valued input its share: "1 in 96% of worlds (prior 50%)".
pub fn given_value(i: &crate::analysis::anatomy::InputAnatomy) -> String {
    match i.two_valued {
        Some(t) => format!(
            "{} in {} of worlds (prior {})",
            human(t.high, unit(&i.unit)),
            crate::report::format::probability(t.given_share),
            crate::report::format::probability(t.prior_share)
        ),
        None => human(i.given[1], unit(&i.unit)),
    }
}

/// A claim's chart file: `anatomy_<slug>.png`, the slug its label lower-cased with
/// runs of other characters as `-`.
pub fn chart_name(claim: &str) -> String {
    let mut slug = String::new();
    for c in claim.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    // A long label is cut, with a hash of the whole, like every chart name.
    crate::report::charts::chart_file("anatomy", if slug.is_empty() { "claim" } else { slug })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_names_are_slugs_of_the_label() {
        assert_eq!(
            chart_name("SemiAnalysis 4-year TCO"),
            "anatomy_semianalysis-4-year-tco.png"
        );
        assert_eq!(
            chart_name("DeepSeek's assumed rental rate"),
            "anatomy_deepseek-s-assumed-rental-rate.png"
        );
        assert_eq!(chart_name("given x >= 1"), "anatomy_given-x-1.png");
        assert!(chart_name(&"C".repeat(40_000)).len() < 130);
    }

    #[test]
    fn small_probabilities_keep_two_significant_digits() {
        assert_eq!(share(0.079), "7.9%");
        assert_eq!(share(1.88e-4), "0.019%");
        assert_eq!(share(4.12e-4), "0.041%");
        assert_eq!(share(3e-9), "0.00000030%");
        assert_eq!(share(0.0), "0%");
    }
}

//! report.md: a Markdown report to paste into a document — the model's title and
//! description, the run, the results and claims tables with verdicts in words, and
//! the charts by relative path. Returns text; does no I/O.

use super::charts::Charts;
use super::format::{human, probability, rank};
use super::summary::Summary;
use std::fmt::Write;

const SHOWN: [(&str, &str); 5] = [
    ("P5", "p5"),
    ("P25", "p25"),
    ("P50", "p50"),
    ("P75", "p75"),
    ("P95", "p95"),
];

/// `extra` names further chart files (tornados, swings) to link under each output.
pub fn markdown(s: &Summary, charts: &Charts, extra: &[String]) -> String {
    let mut out = String::new();
    header(&mut out, s);
    results(&mut out, s);
    claims(&mut out, s);
    drivers(&mut out, s);
    if let Some(a) = &s.anatomy {
        super::anatomy::markdown_section(&mut out, a, s.condition.is_some(), extra);
    }
    chart_links(&mut out, s, charts, extra);
    // Titles, labels, units and sources come from the model file: no control or
    // invisible formatting character of theirs reaches the document (a viewer that
    // cats the file would run an ESC sequence; a bidi override reorders a verdict).
    crate::error::printable(&out).replace('\t', " ")
}

/// Model text (titles, descriptions, sources, warnings) for the report, with a `$`
/// escaped only where it could end an inline math span, so that money reads as
/// written raw ("priced at $2", not "priced at \$2") and no `$…$` becomes maths.
///
/// The target is GitHub, whose math follows the flanking rules pandoc documents for
/// `tex_math_dollars` (GitHub is stricter still): a span closes only at a `$` with a
/// non-space before it and no digit after it. A money `$` has a space or punctuation
/// around it and a digit after it ("$5M to $9M", "('$944M"), so it never closes a
/// span and stays bare. Escaped: a `$` after a non-space and not before a digit
/// ("x$ ", "5$."), and any `$` touching another (`$$` opens display maths). Within
/// code spans nothing is escaped (a backslash there is literal); an escape already
/// written (`\$`) is kept. Renderers that pair any two `$` (remark-math's default)
/// are not the target: escaping every `$` for them filled the raw text with
/// backslashes.
pub(super) fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c == '`' {
            // A code span: a run of n backticks up to the next run of exactly n.
            let n = chars[k..].iter().take_while(|&&b| b == '`').count();
            let close = (k + n..chars.len()).find(|&j| {
                chars[j..].iter().take_while(|&&b| b == '`').count() == n
                    && (j == 0 || chars[j - 1] != '`')
            });
            let end = close.map_or(k + n, |j| j + n);
            out.extend(&chars[k..end]);
            k = end;
            continue;
        }
        if c == '$' {
            let before = k.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(k + 1).copied();
            let escaped = before == Some('\\');
            let doubled = before == Some('$') || after == Some('$');
            let may_close = before.is_some_and(|b| !b.is_whitespace())
                && !after.is_some_and(|a| a.is_ascii_digit());
            if !escaped && (doubled || may_close) {
                out.push('\\');
            }
        }
        out.push(c);
        k += 1;
    }
    out
}

/// A table cell: [`text`] without pipes or line breaks.
fn cell(s: &str) -> String {
    text(s).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A value in its unit as a code span, "`$5.58M`": it reads the same raw and rendered,
/// where an escaped "\\$5.58M" (needed outside code, or renderers read "$5M … $9M"
/// as maths) filled the raw text with backslashes.
fn value(v: f64, u: &str) -> String {
    format!("`{}`", human(v, unit(u)))
}

fn unit(u: &str) -> Option<&str> {
    (!u.is_empty()).then_some(u)
}

/// "What drives the spread": each claim's param's top three inputs (or, with no
/// claim, the first outputs').
fn drivers(out: &mut String, s: &Summary) {
    use super::drivers::{drivers, explained, explained_note};
    if s.sensitivity.is_empty() && s.self_driven.is_empty() {
        return;
    }
    let _ = writeln!(out, "## What drives the spread\n");
    let _ = writeln!(
        out,
        "Spearman rank correlation of the output with each input it depends on (through the \
         model's graph) over the {}, and its share of the summed squared \
         correlations (@RISK's \"contribution to variance\"): a ranking of the inputs, not \
         a split of the variance (`costsim sobol` gives that). {}; sensitivity.csv has \
         every output.\n",
        super::drivers::rows_used(s),
        explained_note(s)
    );
    let _ = writeln!(out, "| output | input | Spearman ρ | contribution |");
    let _ = writeln!(out, "|---|---|---:|---:|");
    for name in explained(s) {
        if s.self_driven.contains(&name) {
            let _ = writeln!(
                out,
                "| {} | {} | — | — |",
                cell(&name),
                super::drivers::SELF_DRIVEN
            );
            continue;
        }
        let found = drivers(&s.sensitivity, &name);
        if found.is_empty() {
            let _ = writeln!(
                out,
                "| {} | {} | — | — |",
                cell(&name),
                super::drivers::NO_INPUT
            );
        }
        for r in found {
            let _ = writeln!(
                out,
                "| {} | {} | {:+.2} | {:.1}% |",
                cell(&name),
                cell(&r.input_label),
                r.spearman,
                r.contribution
            );
        }
    }
    out.push('\n');
}

fn header(out: &mut String, s: &Summary) {
    let _ = writeln!(out, "# {}\n", text(s.model.title.trim()));
    if let Some(d) = s
        .model
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        let _ = writeln!(out, "{}\n", text(d.trim()));
    }
    let r = &s.run;
    let _ = writeln!(
        out,
        // No thread count or timing: the report is a function of the model, seed and
        // samples alone, the same from one run or from merged shards.
        "*Model `{}` · {} · seed {} · {} · costsim {}*\n",
        s.model.file,
        super::format::samples(r.samples),
        r.seed,
        s.accuracy_note(),
        r.costsim_version
    );
    if let Some(c) = &s.condition {
        let _ = writeln!(
            out,
            "**Conditional run: {}.** Every result below describes these worlds only.\n",
            text(&super::anatomy::condition_line(c))
        );
    }
    if !s.model.overrides.is_empty() {
        let _ = writeln!(out, "**Overrides for this run:**\n");
        for o in &s.model.overrides {
            let _ = writeln!(out, "- `{}`", o.replace('`', "'"));
        }
        out.push('\n');
    }
    for w in &s.warnings {
        let _ = writeln!(out, "> **Warning:** {}\n", text(w));
    }
}

fn results(out: &mut String, s: &Summary) {
    let _ = writeln!(out, "## Results\n");
    let heads: Vec<&str> = SHOWN.iter().map(|(h, _)| *h).collect();
    let _ = writeln!(
        out,
        "| Output | Quantity | Mean | {} | Unit |",
        heads.join(" | ")
    );
    let _ = writeln!(
        out,
        "|---|---|---:|{}|---|",
        "---:|".repeat(SHOWN.len() - 1) + "---:"
    );
    for o in &s.outputs {
        let values: Vec<String> = SHOWN
            .iter()
            .map(|(_, p)| value(o.percentile(p).unwrap_or(f64::NAN), &o.unit))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            o.output,
            cell(&o.label),
            value(o.mean, &o.unit),
            values.join(" | "),
            cell(&o.unit)
        );
    }
    let _ = writeln!(
        out,
        "\nEvery percentile from P1 to P99, the standard deviation, min and max are in `summary.csv`.\n"
    );
}

/// One paragraph a reader can quote: how many claims fall where, and by name those
/// outside the middle half with the share of worlds beyond them.
fn in_brief(s: &Summary) -> String {
    use super::summary::ClaimSummary;
    /// A group's words, who belongs to it, and whether its side is the upper one.
    type Group = (&'static str, fn(&ClaimSummary) -> bool, bool);
    let groups: [Group; 6] = [
        // A claim on a constant output that every world equals: neither side.
        (EQUAL, |c| c.p_above == 0.0 && c.p_below == 0.0, true),
        ("in the upper tail or beyond", |c| c.p_above < 0.05, true),
        ("in the lower tail or beyond", |c| c.p_below < 0.05, false),
        ("above the middle half", |c| c.p_above < 0.25, true),
        ("below the middle half", |c| c.p_below < 0.25, false),
        ("in the middle half", |_| true, true),
    ];
    let mut placed = vec![false; s.claims.len()];
    let mut parts = Vec::new();
    for (words, test, upper) in groups {
        let members: Vec<&ClaimSummary> = s
            .claims
            .iter()
            .zip(placed.iter_mut())
            .filter(|(c, p)| !**p && c.percentile_rank.is_finite() && test(c))
            .map(|(c, p)| {
                *p = true;
                c
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        if words == "in the middle half" {
            parts.push(format!("{} {words}", members.len()));
            continue;
        }
        if words == EQUAL {
            let named: Vec<String> = members.iter().map(|c| text(c.claim.trim())).collect();
            let words = match members.len() {
                1 => "equals its output, which is constant",
                _ => "equal their outputs, which are constant",
            };
            parts.push(format!("{} {words}: {}", members.len(), named.join(", ")));
            continue;
        }
        let named: Vec<String> = members
            .iter()
            .map(|c| {
                let (p, side) = if upper {
                    (c.p_above, "higher")
                } else {
                    (c.p_below, "lower")
                };
                format!(
                    "{} ({} of worlds {side})",
                    text(c.claim.trim()),
                    probability(p)
                )
            })
            .collect();
        parts.push(format!("{} {words}: {}", members.len(), named.join(", ")));
    }
    let unranked = placed.iter().filter(|p| !**p).count();
    if unranked > 0 {
        parts.push(format!("{unranked} with no world to rank it among"));
    }
    let of = match s.claims.len() {
        1 => "the one claim".to_string(),
        n => format!("the {n} claims"),
    };
    format!("In brief: of {of}, {}.", parts.join("; "))
}

/// The brief's group of claims that every world's (constant) value equals.
const EQUAL: &str = "equal";

fn claims(out: &mut String, s: &Summary) {
    if s.claims.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Claims\n");
    let _ = writeln!(out, "{}\n", in_brief(s));
    let _ = writeln!(
        out,
        "| Claim | Tested against | Value | Rank | P(below) | P(above) | Verdict |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
    for c in &s.claims {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} |",
            cell(&c.claim),
            c.param,
            value(c.value, &c.unit),
            rank(c.percentile_rank),
            probability(c.p_below),
            probability(c.p_above),
            cell(&c.verdict)
        );
    }
    out.push('\n');
    for c in &s.claims {
        let what = s
            .outputs
            .iter()
            .find(|o| o.output == c.param && !o.label.is_empty())
            .map_or_else(
                || format!("`{}`", c.param),
                |o| format!("{} (`{}`)", text(&o.label), c.param),
            );
        if !c.percentile_rank.is_finite() {
            // No world to rank it among (none met a condition, or none is finite).
            let _ = write!(
                out,
                "- **{}** ({}), of {what}: {}.",
                text(c.claim.trim()),
                value(c.value, &c.unit),
                c.verdict
            );
        } else if c.p_below == 0.0 && c.p_above == 0.0 {
            // Every world equals it: there is no rank to read.
            let _ = write!(
                out,
                "- **{}** ({}) is the value of {what} in every world: the output is constant.",
                text(c.claim.trim()),
                value(c.value, &c.unit),
            );
        } else {
            let _ = write!(
                out,
                "- **{}** ({}) sits at {} of {what}, {}.",
                text(c.claim.trim()),
                value(c.value, &c.unit),
                rank(c.percentile_rank),
                c.verdict
            );
        }
        if let Some(src) = c.source.as_deref().filter(|s| !s.is_empty()) {
            let _ = write!(out, " Source: {}.", text(src.trim().trim_end_matches('.')));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn chart_links(out: &mut String, s: &Summary, charts: &Charts, extra: &[String]) {
    if charts.bands.is_empty() && charts.histograms.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Charts\n");
    for b in &charts.bands {
        let _ = writeln!(out, "### {}\n", text(&b.title));
        let _ = writeln!(out, "![{}]({})\n", cell(&b.title), b.file);
    }
    for o in &s.outputs {
        let hist = charts.histograms.iter().find(|h| h.output == o.output);
        let cdf = charts.cdfs.iter().find(|c| c.output == o.output);
        if hist.is_none() && cdf.is_none() {
            continue;
        }
        let title = hist.map_or(o.output.as_str(), |h| h.title.as_str());
        let _ = writeln!(out, "### {} (`{}`)\n", text(title), o.output);
        if let Some(h) = hist {
            let _ = writeln!(out, "![Histogram of {}]({})\n", cell(&h.title), h.file);
        }
        if let Some(c) = cdf {
            let kind = if c.exceedance {
                "Exceedance curve"
            } else {
                "Cumulative distribution"
            };
            let _ = writeln!(out, "![{kind} of {}]({})\n", cell(&c.title), c.file);
        }
        for (prefix, what) in [("tornado", "What drives"), ("swing", "Swing tornado of")] {
            let file = super::charts::chart_file(prefix, &o.output);
            if extra.contains(&file) {
                let _ = writeln!(out, "![{what} {}]({file})\n", cell(title));
            }
        }
        let swing = super::charts::chart_file("swing", &o.output);
        if !extra.contains(&swing) {
            let _ = writeln!(out, "*No swing tornado: {}.*\n", no_swing(s, &o.output));
        }
    }
}

/// Why an output has no swing tornado (charts of tornados and swings are drawn when
/// the data has them: this names what kept them out).
fn no_swing(s: &Summary, output: &str) -> &'static str {
    if s.self_driven.iter().any(|o| o == output) {
        "this output is itself an input, so the only input that moves it is itself"
    } else if s.run.sensitivity_rows < super::summary::SWING_MIN_ROWS {
        "too few samples: the swing tornado needs at least 20 (raise -n, or \
         --sensitivity-rows if set lower)"
    } else if !s.sensitivity.iter().any(|r| r.output == output) {
        "it depends on no uncertain input"
    } else if s.swing.is_empty() {
        "the swing reruns were skipped (--no-swing)"
    } else if !s.swing.iter().any(|r| r.output == output) {
        "no input of it was swung (the swing's limit on reruns went to inputs of other \
         outputs)"
    } else {
        "no input moves its P50 when held at its own P5 or at its P95"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{ClaimSummary, ModelInfo, OutputSummary, RunInfo};

    fn summary() -> Summary {
        Summary {
            model: ModelInfo {
                title: "Costs | $ test".into(),
                description: Some("Spans $5M to $9M.".into()),
                file: "m.toml".into(),
                overrides: vec!["price = 2".into()],
            },
            run: RunInfo {
                samples: 1_000_000,
                seed: 7,
                threads: 2,
                elapsed_seconds: 0.5,
                sketch_relative_accuracy: 0.0005,
                percentile_definition: "",
                sensitivity_rows: 0,
                costsim_version: "0.1.0",
            },
            outputs: vec![OutputSummary {
                output: "cost".into(),
                label: "Run cost".into(),
                unit: "USD".into(),
                mean: 6e6,
                sd: 1e6,
                min: 4e6,
                percentiles: vec![4.1e6, 4.5e6, 4.8e6, 5.2e6, 5.9e6, 6.5e6, 7e6, 7.8e6, 8.8e6],
                max: 1e7,
                nonfinite: 0,
                count: 1_000_000,
                lost_bound: Vec::new(),
            }],
            claims: vec![ClaimSummary {
                claim: "Report".into(),
                param: "cost".into(),
                unit: "USD".into(),
                value: 5.576e6,
                percentile_rank: 45.2,
                p_below: 0.452,
                p_above: 0.548,
                verdict: "in the middle half: 45.2% of worlds are lower, 54.8% higher".into(),
                source: Some("Table 1.".into()),
            }],
            sensitivity: Vec::new(),
            self_driven: Vec::new(),
            swing: Vec::new(),
            warnings: vec!["p99 is thin".into()],
            condition: None,
            anatomy: None,
        }
    }

    #[test]
    fn a_dollar_is_escaped_only_where_it_could_close_inline_maths() {
        for (raw, md) in [
            // Money: never a closing `$` (a space or punctuation before, a digit after).
            ("priced at $2 per hour", "priced at $2 per hour"),
            ("$5.576M and $294K", "$5.576M and $294K"),
            (
                "S6 ('$944M associated'); $1.6B + $944M",
                "S6 ('$944M associated'); $1.6B + $944M",
            ),
            ("US$5 or A$7", "US$5 or A$7"),
            ("a lone $ sign", "a lone $ sign"),
            // Could close a span: a non-space before, no digit after.
            ("$x$ and 5$.", "$x\\$ and 5\\$."),
            ("cost in $/hour", "cost in $/hour"),
            ("per hour$ here", "per hour\\$ here"),
            // `$$` opens display maths.
            ("$$5", "\\$\\$5"),
            // Code spans are left alone; an escape already written stays one.
            ("`a$ b$` and \\$x\\$", "`a$ b$` and \\$x\\$"),
            ("``a`$ b$`` x$", "``a`$ b$`` x\\$"),
            ("`open $x$", "`open $x\\$"),
        ] {
            assert_eq!(text(raw), md, "{raw}");
        }
    }

    #[test]
    fn the_report_has_the_run_the_tables_and_the_verdicts_in_words() {
        let md = markdown(&summary(), &Charts::default(), &[]);
        assert!(
            md.starts_with("# Costs | $ test\n\nSpans $5M to $9M.\n"),
            "{md}"
        );
        assert!(md.contains("1,000,000 samples · seed 7"), "{md}");
        assert!(md.contains("- `price = 2`"), "{md}");
        assert!(md.contains("> **Warning:** p99 is thin"), "{md}");
        assert!(
            md.contains("| `cost` | Run cost | `$6M` | `$4.5M` | `$5.2M` | `$5.9M` | `$6.5M` | `$7.8M` | USD |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| Report | `cost` | `$5.58M` | P45 | 45.2% | 54.8% | in the middle half: 45.2% of worlds are lower, 54.8% higher |"
            ),
            "{md}"
        );
        assert!(
            md.contains("- **Report** (`$5.58M`) sits at P45 of Run cost (`cost`), in the middle half: 45.2% of worlds are lower, 54.8% higher. Source: Table 1.\n"),
            "{md}"
        );
        assert!(!md.contains("## Charts"));
        assert!(
            md.contains("In brief: of the one claim, 1 in the middle half."),
            "{md}"
        );
    }

    #[test]
    fn a_claim_every_world_equals_is_not_in_a_tail_in_brief() {
        let mut s = summary();
        s.claims[0].p_below = 0.0;
        s.claims[0].p_above = 0.0;
        s.claims[0].percentile_rank = 50.0;
        let brief = in_brief(&s);
        assert_eq!(
            brief,
            "In brief: of the one claim, 1 equals its output, which is constant: Report."
        );
        // No rank to read, and nothing drives a constant: said, not an empty table.
        s.self_driven = vec!["other".into()];
        let md = markdown(&s, &Charts::default(), &[]);
        assert!(
            md.contains("- **Report** (`$5.58M`) is the value of Run cost (`cost`) in every world: the output is constant."),
            "{md}"
        );
        assert!(
            md.contains("| cost | nothing: it depends on no uncertain input | — | — |"),
            "{md}"
        );
    }

    #[test]
    fn a_claim_with_no_world_to_rank_it_among_says_so() {
        let mut s = summary();
        s.claims[0].p_below = 0.0;
        s.claims[0].p_above = 0.0;
        s.claims[0].percentile_rank = f64::NAN;
        s.claims[0].verdict = crate::report::summary::verdict(0, 0, 0);
        assert_eq!(
            in_brief(&s),
            "In brief: of the one claim, 1 with no world to rank it among."
        );
        let md = markdown(&s, &Charts::default(), &[]);
        assert!(
            md.contains(
                "- **Report** (`$5.58M`), of Run cost (`cost`): no world to rank it among."
            ),
            "{md}"
        );
        assert!(!md.contains("constant"), "{md}");
    }

    #[test]
    fn a_missing_swing_tornado_is_explained() {
        let mut s = summary();
        s.run.sensitivity_rows = 5;
        assert!(no_swing(&s, "cost").starts_with("too few samples"));
        s.run.sensitivity_rows = 10_000;
        // An output no input reaches has no swing whether or not the swing ran.
        assert_eq!(no_swing(&s, "cost"), "it depends on no uncertain input");
        s.sensitivity = vec![crate::report::SensitivityRow {
            output: "cost".into(),
            input: "price".into(),
            input_label: "Price".into(),
            spearman: 0.9,
            contribution: 100.0,
        }];
        assert!(no_swing(&s, "cost").contains("--no-swing"));
        s.self_driven = vec!["cost".into()];
        assert!(no_swing(&s, "cost").contains("itself an input"));
    }

    #[test]
    fn every_table_row_has_as_many_cells_as_its_header() {
        let md = markdown(&summary(), &Charts::default(), &[]);
        let mut lines = md.lines().peekable();
        while let Some(line) = lines.next() {
            if !line.starts_with('|') {
                continue;
            }
            let cells = |l: &str| l.replace("\\|", "").matches('|').count();
            let n = cells(line);
            while let Some(next) = lines.peek().filter(|l| l.starts_with('|')) {
                assert_eq!(cells(next), n, "{next}");
                lines.next();
            }
        }
    }
}

//! The terminal table: human numbers, aligned columns, verdicts in words.

use super::format::{human, probability, rank};
use super::summary::Summary;
use std::fmt::Write;

/// The percentile columns shown in the terminal (the CSV has them all).
const SHOWN: [&str; 5] = ["p5", "p25", "p50", "p75", "p95"];

pub fn table(s: &Summary) -> String {
    head(s) + &tail(s)
}

/// The table's head: the run, its outputs' percentiles and the claims' verdicts,
/// which a plain run prints as soon as its simulation ends.
pub fn head(s: &Summary) -> String {
    let mut out = String::new();
    let r = &s.run;
    let _ = writeln!(out, "{}", terminal_safe(&s.model.title));
    let _ = writeln!(
        out,
        "{} · seed {} · {} threads · {:.2} s simulating · {}",
        super::format::samples(r.samples),
        r.seed,
        r.threads,
        r.elapsed_seconds,
        s.accuracy_note()
    );
    for o in &s.model.overrides {
        let _ = writeln!(out, "override: {}", terminal_safe(o));
    }
    if let Some(c) = &s.condition {
        let _ = writeln!(out, "{}", super::anatomy::condition_line(c));
    }
    out.push('\n');
    let mut rows = vec![header(&["output", "mean"], &SHOWN)];
    for o in &s.outputs {
        let unit = (!o.unit.is_empty()).then_some(o.unit.as_str());
        let mut row = vec![o.output.clone(), human(o.mean, unit)];
        row.extend(
            SHOWN
                .iter()
                .map(|p| human(o.percentile(p).unwrap_or(f64::NAN), unit)),
        );
        row.push(o.unit.clone());
        rows.push(row);
    }
    rows[0].push("unit".into());
    out.push_str(&aligned(&rows, 1, true));
    if !s.claims.is_empty() {
        out.push('\n');
        let mut rows = vec![header(
            &[
                "claim", "param", "value", "rank", "P(below)", "P(above)", "verdict",
            ],
            &[],
        )];
        for c in &s.claims {
            let unit = (!c.unit.is_empty()).then_some(c.unit.as_str());
            rows.push(vec![
                c.claim.clone(),
                c.param.clone(),
                human(c.value, unit),
                rank(c.percentile_rank),
                probability(c.p_below),
                probability(c.p_above),
                c.verdict.clone(),
            ]);
        }
        out.push_str(&aligned(&rows, 2, true));
    }
    out
}

/// The rest, printed when the analyses that follow the simulation are done: what
/// drives the spread, and what each claim would take.
pub fn tail(s: &Summary) -> String {
    let mut out = String::new();
    drivers(&mut out, s);
    if let Some(a) = &s.anatomy {
        super::anatomy::table_section(&mut out, a, s.condition.is_some());
    }
    out
}

/// "What drives the spread": the top three inputs of each claim's param.
fn drivers(out: &mut String, s: &Summary) {
    use super::drivers::{drivers, explained, explained_note};
    if s.sensitivity.is_empty() && s.self_driven.is_empty() {
        return;
    }
    let note = explained_note(s);
    let _ = writeln!(
        out,
        "\nWhat drives the spread (Spearman ρ, and ρ² as a share of their sum: a ranking, not a variance split; {}){}",
        super::drivers::rows_used(s),
        // Which outputs, when not the claims' params or every output.
        if note.starts_with("Shown for every") || !s.claims.is_empty() {
            String::new()
        } else {
            format!("; {}", note.to_lowercase())
        }
    );
    let mut rows = Vec::new();
    for name in explained(s) {
        if s.self_driven.contains(&name) {
            let what = super::drivers::SELF_DRIVEN.to_string();
            rows.push(vec![name.clone(), what, String::new(), String::new()]);
            continue;
        }
        let found = drivers(&s.sensitivity, &name);
        if found.is_empty() {
            let what = super::drivers::NO_INPUT.to_string();
            rows.push(vec![name.clone(), what, String::new(), String::new()]);
        }
        for (k, r) in found.into_iter().enumerate() {
            let first = if k == 0 { name.clone() } else { String::new() };
            rows.push(vec![
                first,
                r.input_label.clone(),
                super::format::decimals(r.spearman, 2, true),
                format!("{:.1}%", r.contribution),
            ]);
        }
    }
    out.push_str(&aligned(&rows, 2, false));
}

/// Text from a model file made safe to print: control characters (an ESC that would
/// start a terminal escape sequence, BEL, CR, LF inside a label) and invisible
/// formatting characters (bidi overrides, zero-width spaces) become U+FFFD, as in
/// error messages, so a title cannot rewrite, reorder or garble the terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if crate::error::is_unsafe_char(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// The most characters a table cell shows: a longer name, unit or label (a model
/// file may hold one of any length) is cut with an ellipsis, so one cell cannot push
/// every row of the table off the screen. The files keep the whole text.
pub const MAX_CELL_CHARS: usize = 160;

/// A cell as printed: terminal-safe, and cut past [`MAX_CELL_CHARS`].
fn cell_text(text: &str) -> String {
    let safe = terminal_safe(text);
    if safe.chars().count() <= MAX_CELL_CHARS {
        return safe;
    }
    let mut cut: String = safe.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn header(first: &[&str], rest: &[&str]) -> Vec<String> {
    first.iter().chain(rest).map(|s| s.to_string()).collect()
}

/// Left-aligns the first `text_cols` columns (and the last one when `last_is_text`),
/// right-aligns the numbers.
pub fn aligned(rows: &[Vec<String>], text_cols: usize, last_is_text: bool) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell_text(c)).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let w = width[c];
            if c > 0 {
                line.push_str("  ");
            }
            // Padded by hand: `{:<w$}` panics for widths past u16::MAX.
            let pad = " ".repeat(w - cell.chars().count());
            if c < text_cols || (last_is_text && c == cols - 1) {
                line.push_str(cell);
                line.push_str(&pad);
            } else {
                line.push_str(&pad);
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

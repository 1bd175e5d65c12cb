//! summary.csv and claims.csv: the files scripts read, so their columns are a contract
//! (see the README). Numbers are written in Rust's shortest round-trip form; nothing
//! in them depends on the thread count or the clock.

use super::summary::{ClaimSummary, PERCENTILES, Summary};

/// The leading columns of summary.csv; more may be appended, never reordered.
pub fn summary_header() -> Vec<&'static str> {
    let mut h = vec!["output", "label", "unit", "mean", "sd", "min"];
    h.extend(PERCENTILES.iter().map(|(n, _)| *n));
    h.extend(["max", "nonfinite", "count"]);
    h
}

pub const CLAIMS_HEADER: [&str; 8] = [
    "claim",
    "param",
    "value",
    "percentile_rank",
    "p_below",
    "p_above",
    "verdict",
    "source",
];

fn num(v: f64) -> String {
    // 0, never "-0".
    if v == 0.0 { "0".into() } else { format!("{v}") }
}

pub fn summary_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_rows(
        &mut w,
        summary_header(),
        s.outputs.iter().map(|o| {
            let mut row = vec![o.output.clone(), o.label.clone(), o.unit.clone()];
            row.extend([o.mean, o.sd, o.min].map(num));
            row.extend(o.percentiles.iter().copied().map(num));
            row.extend([num(o.max), o.nonfinite.to_string(), o.count.to_string()]);
            row
        }),
    );
    w.into_inner().expect("writing to memory")
}

pub fn claims_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_rows(
        &mut w,
        CLAIMS_HEADER.to_vec(),
        s.claims.iter().map(|c| {
            vec![
                c.claim.clone(),
                c.param.clone(),
                num(c.value),
                num(c.percentile_rank),
                num(c.p_below),
                num(c.p_above),
                c.verdict.clone(),
                c.source.clone().unwrap_or_default(),
            ]
        }),
    );
    w.into_inner().expect("writing to memory")
}

pub const COMPARE_CLAIMS_HEADER: [&str; 9] = [
    "claim",
    "param",
    "value",
    "model",
    "file",
    "percentile_rank",
    "p_below",
    "p_above",
    "verdict",
];

/// compare_claims.csv: one row per (claim, model), from claims grouped by claim (each
/// group: every model's title and its own claims.csv numbers for that claim), so a
/// reader sees how each verdict moves between views.
pub fn compare_claims_csv(groups: &[Vec<((&str, &str), &ClaimSummary)>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let rows = groups.iter().flatten().map(|((title, file), c)| {
        vec![
            c.claim.clone(),
            c.param.clone(),
            num(c.value),
            title.to_string(),
            file.to_string(),
            num(c.percentile_rank),
            num(c.p_below),
            num(c.p_above),
            c.verdict.clone(),
        ]
    });
    write_rows(&mut w, COMPARE_CLAIMS_HEADER.to_vec(), rows);
    w.into_inner().expect("writing to memory")
}

/// A CSV of ours as JSON: an array with one object per row, keyed by the header, numbers
/// as numbers. What `-f json` prints for commands whose result is one table.
pub fn rows_as_json(csv_bytes: &[u8]) -> Vec<u8> {
    let mut r = csv::Reader::from_reader(csv_bytes);
    let header: Vec<String> = r
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    let records: Vec<csv::StringRecord> = r.records().filter_map(Result::ok).collect();
    // A column every cell of which reads as a number is a numeric one: its NaN and
    // infinities are null, as summary.json writes them (JSON has no such numbers); a
    // text column keeps a cell that happens to read "NaN" as text.
    let numeric: Vec<bool> = (0..header.len())
        .map(|k| {
            records
                .iter()
                .all(|rec| rec.get(k).is_some_and(|v| v.parse::<f64>().is_ok()))
        })
        .collect();
    let rows: Vec<serde_json::Value> = records
        .iter()
        .map(|rec| {
            let object = header
                .iter()
                .zip(rec.iter())
                .zip(&numeric)
                .map(|((k, v), &numeric)| {
                    let value = match v.parse::<f64>() {
                        Ok(x) if x.is_finite() => serde_json::json!(x),
                        Ok(_) if numeric => serde_json::Value::Null,
                        _ => serde_json::Value::String(v.to_string()),
                    };
                    (k.clone(), value)
                })
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&rows).expect("JSON values always serialise");
    out.push(b'\n');
    out
}

fn write_rows(
    w: &mut csv::Writer<Vec<u8>>,
    header: Vec<&str>,
    rows: impl Iterator<Item = Vec<String>>,
) {
    // Writing to a Vec cannot fail.
    w.write_record(header).expect("writing to memory");
    for row in rows {
        w.write_record(row).expect("writing to memory");
    }
}

pub const SENSITIVITY_HEADER: [&str; 4] = ["output", "input", "spearman", "contribution"];

/// sensitivity.csv: `output,input,spearman,contribution` (+ `swing_low,swing_high`
/// when the swing tornado ran), largest |ρ| first within each output.
pub fn sensitivity_csv(s: &Summary) -> Vec<u8> {
    let mut header = SENSITIVITY_HEADER.to_vec();
    if !s.swing.is_empty() {
        header.extend(["output_p50_at_input_p5", "output_p50_at_input_p95"]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    write_rows(
        &mut w,
        header,
        s.sensitivity.iter().map(|r| {
            let mut row = vec![
                r.output.clone(),
                r.input.clone(),
                num(r.spearman),
                num(r.contribution),
            ];
            if let Some(sw) = s
                .swing
                .iter()
                .find(|sw| sw.output == r.output && sw.input == r.input)
            {
                row.extend([num(sw.output_at_p5), num(sw.output_at_p95)]);
            } else if !s.swing.is_empty() {
                row.extend([String::new(), String::new()]);
            }
            row
        }),
    );
    w.into_inner().expect("writing to memory")
}

/// samples.csv: the first `k` rows of `chunks` (each a set of columns, one per kept
/// param, named as in the model file), written row by row into `out` (a file) as the
/// chunks come: neither the rows nor their text sit in memory whole (2M rows of the
/// default model were 2.15 GB of text, then 1.46 GB of kept rows).
pub fn write_samples_csv(
    out: &mut dyn std::io::Write,
    model: &crate::model::Model,
    params: &[usize],
    chunks: impl IntoIterator<Item = std::io::Result<Vec<Vec<f64>>>>,
    k: u64,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(params.iter().map(|&p| model.params[p].name.as_str()))?;
    let mut row: Vec<String> = Vec::with_capacity(params.len());
    let mut left = k as usize;
    for columns in chunks {
        let columns = columns?;
        let n = columns.first().map_or(0, Vec::len).min(left);
        for i in 0..n {
            row.clear();
            row.extend(columns.iter().map(|c| num(c[i])));
            w.write_record(&row)?;
        }
        left -= n;
        if left == 0 {
            break;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_write_a_numeric_columns_nan_as_null_and_keep_text_as_text() {
        let csv = b"output,label,first\ncost,NaN,0.5\nhours,Hours,NaN\n";
        let json: serde_json::Value = serde_json::from_slice(&rows_as_json(csv)).unwrap();
        assert_eq!(json[0]["first"], 0.5);
        assert!(json[1]["first"].is_null(), "{json}");
        // "label" is a text column: a label that reads "NaN" stays a string.
        assert_eq!(json[0]["label"], "NaN");
        assert_eq!(json[1]["label"], "Hours");
    }
}

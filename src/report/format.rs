//! Human number formatting from a param's unit: $5.58M, 35%, 2.79M GPU-hours.

/// How a unit shows its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A dollar sign in front: "USD", "USD/GPU-hour".
    Dollars,
    /// Times 100 with a % sign: "%", "percent", "share", "fraction".
    Percent,
    Plain,
}

pub fn style_of(unit: Option<&str>) -> Style {
    let u = unit.unwrap_or("").trim().to_ascii_lowercase();
    if u == "usd" || u.starts_with("usd/") || u == "$" || u.starts_with("$/") {
        Style::Dollars
    } else if matches!(u.as_str(), "%" | "percent" | "share" | "fraction") {
        Style::Percent
    } else {
        Style::Plain
    }
}

/// Three significant digits with an SI-style suffix (k, M, B, T), or scientific
/// notation outside 1e-3 ..= 1e15.
pub fn si(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let m = v.abs();
    const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    if !(1e-3..1e15).contains(&m) {
        return format!("{sign}{m:.2e}");
    }
    for (scale, suffix) in SUFFIXES {
        // Round first so 999,999 shows as 1.00M, not 1000k.
        if sig3(m / scale) >= 1.0 {
            return format!("{sign}{}{suffix}", digits3(m / scale));
        }
    }
    format!("{sign}{}", digits3(m))
}

/// Rounds to three significant digits.
fn sig3(x: f64) -> f64 {
    let e = x.log10().floor() as i32;
    let scale = 10f64.powi(2 - e);
    (x * scale).round() / scale
}

/// `x` (≥ 1e-3) with three significant digits, trailing zeros trimmed past the point.
fn digits3(x: f64) -> String {
    let x = sig3(x);
    let decimals = (2 - x.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A value in its unit's style: "$5.58M", "35%", "2.79M".
pub fn human(v: f64, unit: Option<&str>) -> String {
    match style_of(unit) {
        Style::Dollars if v.is_finite() && v < 0.0 => format!("-${}", si(-v)),
        Style::Dollars if v.is_finite() => format!("${}", si(v)),
        Style::Percent if v.is_finite() => format!("{}%", si(v * 100.0)),
        _ => si(v),
    }
}

/// A probability as a percentage with sensible precision: "45.1%", "<0.1%", ">99.9%".
pub fn probability(p: f64) -> String {
    if p == 0.0 {
        "0%".into()
    } else if p < 0.001 {
        "<0.1%".into()
    } else if p == 1.0 {
        "100%".into()
    } else if p > 0.999 {
        ">99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// A sample count with thousands separators: 1,000,000.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_with_suffixes() {
        assert_eq!(human(5.576e6, Some("USD")), "$5.58M");
        assert_eq!(human(1.6e9, Some("USD")), "$1.6B");
        assert_eq!(human(2.544e9, Some("USD")), "$2.54B");
        assert_eq!(human(294e3, Some("USD")), "$294k");
        assert_eq!(human(1.42, Some("USD/GPU-hour")), "$1.42");
        assert_eq!(human(-5.6e6, Some("USD")), "-$5.6M");
    }

    #[test]
    fn percent_zero_tiny_huge_and_rounding() {
        assert_eq!(human(0.35, Some("share")), "35%");
        assert_eq!(si(0.0), "0");
        assert_eq!(si(1e-9), "1.00e-9");
        assert_eq!(si(1e15), "1.00e15");
        assert_eq!(si(999_999.0), "1M");
        assert_eq!(si(999.4), "999");
        assert_eq!(si(0.0123456), "0.0123");
        assert_eq!(si(-2788000.0), "-2.79M");
        assert_eq!(si(f64::NAN), "NaN");
    }

    #[test]
    fn probabilities_and_counts() {
        assert_eq!(probability(0.4512), "45.1%");
        assert_eq!(probability(0.00001), "<0.1%");
        assert_eq!(probability(0.99999), ">99.9%");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(12), "12");
    }
}

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
    si_digits(v, 3)
}

/// [`si`] with `digits` significant digits (1 to 15).
pub fn si_digits(v: f64, digits: usize) -> String {
    let digits = digits.clamp(1, 15);
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
        let d = digits - 1;
        return format!("{sign}{m:.d$e}");
    }
    for (scale, suffix) in SUFFIXES {
        // Round first so 999,999 shows as 1.00M, not 1000k.
        if round_sig(m / scale, digits) >= 1.0 {
            return format!("{sign}{}{suffix}", sig_digits(m / scale, digits));
        }
    }
    format!("{sign}{}", sig_digits(m, digits))
}

/// Rounds a positive `x` to `digits` significant digits.
fn round_sig(x: f64, digits: usize) -> f64 {
    let e = x.log10().floor() as i32;
    let scale = 10f64.powi(digits as i32 - 1 - e);
    (x * scale).round() / scale
}

/// `x` (≥ 1e-3) with `digits` significant digits, trailing zeros trimmed past the point.
fn sig_digits(x: f64, digits: usize) -> String {
    let x = round_sig(x, digits);
    let decimals = (digits as i32 - 1 - x.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `v` with `decimals` decimals, never "-0.000": an estimate a hair below zero (noise
/// around 0) prints as 0. `signed` adds "+" to positive values ("+0.62", but "0.00").
pub fn decimals(v: f64, decimals: usize, signed: bool) -> String {
    let s = format!("{v:.decimals$}");
    let zero = s
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.');
    match (zero, signed) {
        (true, _) => s.trim_start_matches('-').to_string(),
        (false, true) if v > 0.0 => format!("+{s}"),
        (false, _) => s,
    }
}

/// [`human`] for chart text: a negative value with a true minus sign ("−$2M"), as
/// the axes and legends print it (a hyphen is shorter and sits lower).
pub fn chart_human(v: f64, unit: Option<&str>) -> String {
    let s = human(v, unit);
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// A value in its unit's style: "$5.58M", "35%", "2.79M".
pub fn human(v: f64, unit: Option<&str>) -> String {
    human_digits(v, unit, 3)
}

/// [`human`] with `digits` significant digits.
pub fn human_digits(v: f64, unit: Option<&str>, digits: usize) -> String {
    match style_of(unit) {
        Style::Dollars if v.is_finite() && v < 0.0 => format!("-${}", si_digits(-v, digits)),
        Style::Dollars if v.is_finite() => format!("${}", si_digits(v, digits)),
        Style::Percent if v.is_finite() => format!("{}%", si_digits(v * 100.0, digits)),
        _ => si_digits(v, digits),
    }
}

/// Labels for increasing axis ticks: [`human`] with the fewest significant digits
/// that show every tick within 1% of the gap to its nearest neighbour, so "2.8M,
/// 2.805M, 2.81M" rather than three "2.81M" (and never 105 shown as 110).
pub fn tick_labels(ticks: &[f64], unit: Option<&str>) -> Vec<String> {
    let gap = |k: usize| {
        let left = k.checked_sub(1).map(|j| ticks[k] - ticks[j]);
        let right = ticks.get(k + 1).map(|t| t - ticks[k]);
        match (left, right) {
            (Some(l), Some(r)) => l.min(r),
            (Some(g), None) | (None, Some(g)) => g,
            (None, None) => ticks[k].abs(),
        }
    };
    let shown = |v: f64, d: usize| {
        if v == 0.0 || !v.is_finite() {
            v
        } else {
            v.signum() * round_sig(v.abs(), d)
        }
    };
    let digits = (1..=15)
        .find(|&d| (0..ticks.len()).all(|k| (shown(ticks[k], d) - ticks[k]).abs() <= 0.01 * gap(k)))
        .unwrap_or(15);
    ticks
        .iter()
        .map(|&t| human_digits(t, unit, digits))
        .collect()
}

/// Decimals that give the smaller tail (`tail`, in percent, 0 < tail < 1) two
/// significant digits: 0.5 -> 2 ("0.50"), 0.07 -> 3, 0.0003 -> 5.
fn tail_decimals(tail: f64) -> usize {
    ((-tail.log10()).ceil() as usize + 1).clamp(2, 12)
}

/// A number of percent with the precision its smaller tail needs: one decimal in
/// the middle (45.1), two significant digits of the tail near either end (0.050,
/// 99.950), trailing zeros dropped. "0" and "100" only when exact.
fn percent(x: f64) -> String {
    let tail = x.min(100.0 - x);
    if x <= 0.0 {
        return "0".into();
    } else if x >= 100.0 {
        return "100".into();
    } else if tail >= 1.0 {
        return fixed(x, 1);
    }
    let s = fixed(x, tail_decimals(tail));
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `x` with `decimals` decimals, a half rounded to the even digit — a half within
/// float noise too (0.5175 × 100 is 51.74999…): so a claim's P(below) and P(above)
/// always add up to 100% ("51.8%" and "48.2%", where both rounded down before), and
/// ranks of .5 go one up, one down.
fn fixed(x: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let y = x * scale;
    let floor = y.floor();
    let tie = y.abs() < 1e12 && (y - floor - 0.5).abs() < 1e-9 * y.abs().max(1.0);
    let n = if !tie {
        y.round()
    } else if floor % 2.0 == 0.0 {
        floor
    } else {
        floor + 1.0
    };
    format!("{:.*}", decimals, n / scale)
}

/// A probability as a percentage: "45.1%", "0.05%", "99.95%"; "0%" and "100%" only
/// when exact. Beyond P1 and P99 the same digits as [`rank`], so in the tails a rank
/// and its P(below) read alike.
pub fn probability(p: f64) -> String {
    if !p.is_finite() {
        return "?".into();
    }
    format!("{}%", percent(p * 100.0))
}

/// A percentile rank (0–100) as "P47", with the tail's two significant digits near
/// the ends: "P0.3", "P99.95", "P99.9993"; "P0" and "P100" only when exact.
pub fn rank(r: f64) -> String {
    if !r.is_finite() {
        "P?".into()
    } else if (1.0..=99.0).contains(&r) {
        format!("P{}", fixed(r, 0))
    } else {
        format!("P{}", percent(r))
    }
}

/// "1 sample", "20,000 samples".
pub fn samples(n: u64) -> String {
    if n == 1 {
        "1 sample".into()
    } else {
        format!("{} samples", count(n))
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
        // Charts print a true minus sign, and only for a negative value.
        assert_eq!(chart_human(-5.6e6, Some("USD")), "−$5.6M");
        assert_eq!(chart_human(2e-7, None), human(2e-7, None));
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
    fn more_digits_on_request() {
        assert_eq!(si_digits(2_805_000.0, 4), "2.805M");
        assert_eq!(si_digits(1e-9, 2), "1.0e-9");
        assert_eq!(human_digits(0.3512, Some("%"), 2), "35%");
        assert_eq!(human_digits(-1234.0, Some("USD"), 2), "-$1.2k");
    }

    #[test]
    fn tick_labels_have_just_enough_digits() {
        let usd = Some("USD");
        assert_eq!(
            tick_labels(&[1e6, 2e6, 5e6, 1e7], usd),
            ["$1M", "$2M", "$5M", "$10M"]
        );
        assert_eq!(
            tick_labels(&[2.8e6, 2.805e6, 2.81e6], Some("GPU-hours")),
            ["2.8M", "2.805M", "2.81M"]
        );
        assert_eq!(
            tick_labels(&[95.0, 100.0, 105.0], None),
            ["95", "100", "105"]
        );
        assert_eq!(tick_labels(&[-0.5, 0.0, 0.5], usd), ["-$0.5", "$0", "$0.5"]);
        assert_eq!(
            tick_labels(&[0.25, 0.5, 0.75], Some("share")),
            ["25%", "50%", "75%"]
        );
        assert_eq!(tick_labels(&[1e-9, 2e-9], None), ["1e-9", "2e-9"]);
        assert_eq!(tick_labels(&[1e15, 2e15], usd), ["$1e15", "$2e15"]);
        assert_eq!(
            tick_labels(&[1e9, 1e10, 1e11, 1e12], usd),
            ["$1B", "$10B", "$100B", "$1T"]
        );
        assert!(tick_labels(&[], None).is_empty());
    }

    #[test]
    fn probabilities_and_counts() {
        assert_eq!(probability(0.4512), "45.1%");
        assert_eq!(probability(0.00001), "0.001%");
        assert_eq!(probability(0.99999), "99.999%");
        assert_eq!(probability(0.995), "99.5%");
        assert_eq!(probability(0.9993), "99.93%");
        assert_eq!(probability(0.0), "0%");
        assert_eq!(probability(1.0), "100%");
        assert_eq!(probability(1.0 - 1e-12), "99.9999999999%");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(12), "12");
        assert_eq!(rank(47.4), "P47");
        assert_eq!(rank(0.3), "P0.3");
        assert_eq!(rank(0.01), "P0.01");
        assert_eq!(rank(0.0), "P0");
        assert_eq!(rank(99.7), "P99.7");
        assert_eq!(rank(99.99), "P99.99");
        assert_eq!(rank(99.93), "P99.93");
        // A rank and the P(below) of the same claim read alike.
        assert_eq!(
            rank(99.93)[1..],
            probability(0.9993)[..probability(0.9993).len() - 1]
        );
        assert_eq!(rank(100.0), "P100");
    }

    #[test]
    fn a_claims_two_sides_add_up_to_100_percent() {
        // 0.5175 × 100 is 51.74999…: both sides rounded down ("51.7%", "48.2%").
        assert_eq!(probability(0.5175), "51.8%");
        assert_eq!(probability(0.4825), "48.2%");
        assert_eq!((rank(52.5), rank(47.5)), ("P52".into(), "P48".into()));
        assert_eq!((rank(51.5), rank(48.5)), ("P52".into(), "P48".into()));
        for k in 1..20_000 {
            let p = f64::from(k) / 20_000.0;
            let read = |q: f64| probability(q).trim_end_matches('%').parse::<f64>().unwrap();
            let sum = read(p) + read(1.0 - p);
            assert!(
                (sum - 100.0).abs() < 1e-9,
                "{p}: {} + {}",
                probability(p),
                probability(1.0 - p)
            );
        }
    }

    #[test]
    fn decimals_never_print_a_negative_zero() {
        assert_eq!(decimals(-0.0004, 3, false), "0.000");
        assert_eq!(decimals(-0.0, 3, false), "0.000");
        assert_eq!(decimals(-0.012, 3, false), "-0.012");
        assert_eq!(decimals(0.4567, 2, false), "0.46");
        assert_eq!(decimals(-0.001, 2, true), "0.00");
        assert_eq!(decimals(0.001, 2, true), "0.00");
        assert_eq!(decimals(0.62, 2, true), "+0.62");
        assert_eq!(decimals(-0.62, 2, true), "-0.62");
        assert_eq!(decimals(f64::NAN, 3, false), "NaN");
    }
}

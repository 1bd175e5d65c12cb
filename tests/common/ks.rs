//! Kolmogorov–Smirnov one-sample tests, shared by the statistical test files.

/// The Kolmogorov distribution's 0.999 quantile: the KS critical value is this / √n.
pub const KS_ALPHA_001: f64 = 1.949;

pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

// ---------------------------------------------------------------------------------
// Kolmogorov–Smirnov
// ---------------------------------------------------------------------------------

/// D = sup |F_n(x) - F(x)|, checking both sides of each step of F_n: at a draw x,
/// F_n(x) against F(x) and F_n(x⁻) against F(x⁻) (`cdf_below`, the left limit; the
/// same function for a continuous distribution). Runs of equal draws are one step.
pub fn ks_statistic(xs: &[f64], cdf: impl Fn(f64) -> f64, cdf_below: impl Fn(f64) -> f64) -> f64 {
    let s = sorted(xs);
    let n = s.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < s.len() {
        let x = s[i];
        let mut j = i + 1;
        while j < s.len() && s[j] == x {
            j += 1;
        }
        let below = i as f64 / n;
        let above = j as f64 / n;
        d = d
            .max((above - cdf(x)).abs())
            .max((cdf_below(x) - below).abs());
        i = j;
    }
    d
}

pub fn ks_critical(n: usize) -> f64 {
    KS_ALPHA_001 / (n as f64).sqrt()
}

/// Asserts the draws pass the KS test against the continuous `cdf` at alpha = 0.001.
pub fn assert_ks(name: &str, xs: &[f64], cdf: impl Fn(f64) -> f64) {
    assert_ks_with_atoms(name, xs, &cdf, &cdf);
}

/// Asserts the draws pass the KS test against a CDF with jumps, given with its left
/// limits. (With atoms the test is conservative: the critical value still holds.)
pub fn assert_ks_with_atoms(
    name: &str,
    xs: &[f64],
    cdf: impl Fn(f64) -> f64,
    cdf_below: impl Fn(f64) -> f64,
) {
    // f64::max ignores NaN, so a NaN draw would otherwise slip through.
    if let Some(bad) = xs.iter().find(|x| !x.is_finite()) {
        panic!("{name}: a draw is not finite: {bad}");
    }
    let d = ks_statistic(xs, cdf, cdf_below);
    let c = ks_critical(xs.len());
    println!("KS  {name:<45} D = {d:.5}  (critical {c:.5})");
    assert!(
        d < c,
        "{name}: KS statistic D = {d:.6} exceeds the critical value {c:.6} (alpha = 0.001, n = {})",
        xs.len()
    );
}

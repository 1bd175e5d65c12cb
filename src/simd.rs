//! Which vector instruction set the hot loops use.
//!
//! The release binary targets baseline x86-64 (SSE2), so it runs anywhere. On a CPU
//! with AVX2 the engine runs a second copy of its block loop compiled for AVX2
//! (`engine::kernel`), and the lane RNG steps four lanes per instruction instead of
//! two. Both levels give bit-identical results: they run the same IEEE operations in
//! the same order (no fused multiply-add is ever emitted: Rust does not contract
//! `a * b + c`), and tests/simd.rs runs a model at each level and compares the bits.
//!
//! `COSTSIM_SIMD=baseline` or `COSTSIM_SIMD=avx2` forces a level (for those tests,
//! and to measure the difference); unset, or `auto`, picks the best the CPU has.

use std::sync::OnceLock;

/// An instruction-set level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// SSE2, which every x86-64 CPU has (or plain scalar code on other targets).
    Baseline,
    /// AVX2 (x86-64 only).
    Avx2,
}

/// The environment variable that forces a level.
pub const ENV: &str = "COSTSIM_SIMD";

/// The level in use: `COSTSIM_SIMD` if it names one the CPU supports, else the best.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| match requested() {
        Ok(Some(level)) => level,
        _ => best(),
    })
}

/// The level `COSTSIM_SIMD` asks for (None: unset or `auto`), or what is wrong with it.
pub fn requested() -> Result<Option<Level>, String> {
    let Ok(value) = std::env::var(ENV) else {
        return Ok(None);
    };
    match value.trim() {
        "" | "auto" => Ok(None),
        "baseline" => Ok(Some(Level::Baseline)),
        "avx2" if best() == Level::Avx2 => Ok(Some(Level::Avx2)),
        "avx2" => Err(format!(
            "{ENV}=avx2, but this CPU has no AVX2: unset {ENV}, or set it to baseline"
        )),
        other => Err(format!(
            "{ENV}={other:?} is not a level: use auto, baseline or avx2"
        )),
    }
}

/// The best level this CPU supports.
pub fn best() -> Level {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return Level::Avx2;
    }
    Level::Baseline
}

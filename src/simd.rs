//! Which vector instruction set the hot loops use.
//!
//! The release binary targets baseline x86-64 (SSE2), so it runs anywhere. On a CPU
//! with AVX2 the engine runs a second copy of its block loop and of its aggregation
//! compiled for AVX2 (`engine`), and the lane RNG steps four lanes per instruction
//! instead of two; with AVX-512 (F and VL) the RNG also uses its 64-bit rotate. All
//! levels give bit-identical results: they run the same IEEE operations in the same
//! order (no fused multiply-add is ever emitted: Rust does not contract `a * b + c`),
//! and tests/simd.rs runs models at each level and compares the bits.
//!
//! `COSTSIM_SIMD=baseline`, `avx2` or `avx512` forces a level (for those tests, and
//! to measure the difference); unset, or `auto`, picks the best the CPU has.

use std::sync::OnceLock;

/// An instruction-set level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// SSE2, which every x86-64 CPU has (or plain scalar code on other targets).
    Baseline,
    /// AVX2 (x86-64 only).
    Avx2,
    /// AVX2 plus AVX-512 F and VL (x86-64 only).
    Avx512,
}

impl Level {
    /// Whether the level includes AVX2 (the engine's vector copies run).
    pub fn has_avx2(self) -> bool {
        self != Level::Baseline
    }

    fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }
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
    let level = match value.trim() {
        "" | "auto" => return Ok(None),
        "baseline" => Level::Baseline,
        "avx2" => Level::Avx2,
        "avx512" => Level::Avx512,
        other => {
            return Err(format!(
                "{ENV}={other:?} is not a level: use auto, baseline, avx2 or avx512"
            ));
        }
    };
    if level > best() {
        return Err(format!(
            "{ENV}={}, but this CPU has only {}: unset {ENV}, or set it to a lower level",
            level.name(),
            best().name()
        ));
    }
    Ok(Some(level))
}

/// The best level this CPU supports.
pub fn best() -> Level {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl");
        return if avx512 { Level::Avx512 } else { Level::Avx2 };
    }
    Level::Baseline
}

//! Eight xoshiro256++ generators stepped together: the random source of the block
//! samplers.
//!
//! One xoshiro256++ step is a chain of dependent adds, shifts and xors, so a single
//! generator yields one word every few cycles however wide the machine is. Eight
//! independent generators kept as struct-of-arrays step in one loop the compiler
//! turns into vector instructions (two AVX2 registers per state word), giving eight
//! words for about the price of one. Each lane is an ordinary xoshiro256++ (tested
//! against rand_xoshiro's), seeded with its own 256 bits from SplitMix64, so the
//! lanes are statistically independent streams.
//!
//! Block fills (`fill_u64`, `fill_open01`) take whole steps from the state. Scalar
//! samplers (Poisson, rand_distr's small-shape gamma, rejection loops) use the `Rng`
//! trait, served word by word from a buffered step. Both are pure functions of the
//! seed and of the sequence of calls, which is what determinism needs.

use rand::TryRng;
use std::convert::Infallible;
use std::mem::MaybeUninit;

/// Generators per `LaneRng`.
pub const LANES: usize = 8;

/// 2^-52: the spacing of doubles in [1, 2).
const STEP: f64 = 1.0 / (1u64 << 52) as f64;
/// The bits of 1.0: OR-ing 52 random mantissa bits into them gives [1, 2).
const ONE: u64 = 0x3FF0_0000_0000_0000;

#[derive(Clone, Debug)]
pub struct LaneRng {
    /// State word k of lane l is `s[k][l]`.
    s: [[u64; LANES]; 4],
    /// One step's words for the `Rng` interface; `used` of them are spent.
    buf: [u64; LANES],
    used: usize,
}

/// SplitMix64, the seeding generator xoshiro's authors recommend.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl LaneRng {
    /// Seeds lane by lane from SplitMix64 started at `seed`: lane l's state is
    /// outputs 4l .. 4l+3 (an all-zero state, which SplitMix64 cannot produce in four
    /// consecutive outputs, would be xoshiro's one fixed point).
    pub fn from_u64(seed: u64) -> LaneRng {
        let mut state = seed;
        let mut s = [[0; LANES]; 4];
        for l in 0..LANES {
            for word in s.iter_mut() {
                word[l] = splitmix64(&mut state);
            }
        }
        LaneRng {
            s,
            buf: [0; LANES],
            used: LANES,
        }
    }

    /// The lanes' states as four words each (for tests against rand_xoshiro).
    pub fn lane_state(&self, l: usize) -> [u64; 4] {
        [self.s[0][l], self.s[1][l], self.s[2][l], self.s[3][l]]
    }

    /// One step of every lane: out[l] is lane l's next output.
    #[inline(always)]
    fn step(&mut self, out: &mut [u64; LANES]) {
        let [s0, s1, s2, s3] = &mut self.s;
        for l in 0..LANES {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
    }

    /// Fills `out` with random words, LANES per step (lane l's outputs at positions
    /// l, l + LANES, …); a partial last step is drawn whole and its tail discarded.
    #[inline]
    pub fn fill_u64(&mut self, out: &mut [u64]) {
        self.fill_with::<u64>(out);
    }

    /// Fills `out` with uniforms on the open interval (0, 1): (2k + 1)·2^-53 for a
    /// random 52-bit k, so never 0 (safe under `ln`) and never 1. The words are those
    /// `fill_u64` would give, each turned into a double by `open01`.
    #[inline]
    pub fn fill_open01(&mut self, out: &mut [f64]) {
        self.fill_with::<f64>(out);
    }

    /// `fill_u64` into uninitialised memory, returning the words: block samplers
    /// draw their words into stack scratch, and zeroing it first cost ~3% of a run.
    #[inline]
    pub fn fill_u64_uninit<'a>(&mut self, out: &'a mut [MaybeUninit<u64>]) -> &'a mut [u64] {
        let whole = out.len() / LANES * LANES;
        // SAFETY: `steps` writes exactly `whole` words from the pointer on.
        unsafe { self.steps::<u64>(out.as_mut_ptr().cast(), whole) };
        if whole < out.len() {
            let mut last = [0u64; LANES];
            // SAFETY: one step's LANES words into an array of LANES.
            unsafe { self.steps(last.as_mut_ptr(), LANES) };
            for (o, w) in out[whole..].iter_mut().zip(last) {
                o.write(w);
            }
        }
        // SAFETY: every element was written above, and MaybeUninit<u64> has the
        // layout of u64.
        unsafe { &mut *(out as *mut [MaybeUninit<u64>] as *mut [u64]) }
    }

    fn fill_with<T: Emit>(&mut self, out: &mut [T]) {
        let whole = out.len() / LANES * LANES;
        let (body, tail) = out.split_at_mut(whole);
        // SAFETY: `body` holds `whole` elements.
        unsafe { self.steps(body.as_mut_ptr(), whole) };
        if !tail.is_empty() {
            let mut last = [T::default(); LANES];
            // SAFETY: one step's LANES values into an array of LANES.
            unsafe { self.steps(last.as_mut_ptr(), LANES) };
            tail.copy_from_slice(&last[..tail.len()]);
        }
    }

    /// `len / LANES` steps written from `out` on, by the fastest code the CPU runs.
    ///
    /// # Safety
    /// `out` must be valid for writes of `len` values; `len` a multiple of LANES.
    unsafe fn steps<T: Emit>(&mut self, out: *mut T, len: usize) {
        debug_assert_eq!(len % LANES, 0);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller's promise on `out`; and each level is in use only if
        // the CPU has its instructions (SSE2 is part of x86-64).
        unsafe {
            match crate::simd::level() {
                crate::simd::Level::Avx512 => T::avx512(&mut self.s, out, len),
                crate::simd::Level::Avx2 => T::avx2(&mut self.s, out, len),
                crate::simd::Level::Baseline => T::sse2(&mut self.s, out, len),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        for step in 0..len / LANES {
            let mut words = [0; LANES];
            self.step(&mut words);
            for (l, w) in words.into_iter().enumerate() {
                // SAFETY: the caller's promise on `out`.
                unsafe { out.add(step * LANES + l).write(T::from_word(w)) };
            }
        }
    }
}

/// What a fill writes: the raw words, or uniforms on (0, 1).
trait Emit: Copy + Default {
    #[cfg(not(target_arch = "x86_64"))]
    fn from_word(w: u64) -> Self;
    /// # Safety (all three)
    /// The CPU must have the instructions; `out` must be valid for writes of `len`
    /// values, `len` a multiple of LANES.
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx2(s: &mut [[u64; LANES]; 4], out: *mut Self, len: usize);
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx512(s: &mut [[u64; LANES]; 4], out: *mut Self, len: usize);
    #[cfg(target_arch = "x86_64")]
    unsafe fn sse2(s: &mut [[u64; LANES]; 4], out: *mut Self, len: usize);
}

impl Emit for u64 {
    #[cfg(not(target_arch = "x86_64"))]
    fn from_word(w: u64) -> u64 {
        w
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx2(s: &mut [[u64; LANES]; 4], out: *mut u64, len: usize) {
        unsafe { x86::avx2::words(s, out, len) }
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx512(s: &mut [[u64; LANES]; 4], out: *mut u64, len: usize) {
        unsafe { x86::avx512::words(s, out, len) }
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn sse2(s: &mut [[u64; LANES]; 4], out: *mut u64, len: usize) {
        unsafe { x86::sse2::words(s, out, len) }
    }
}

impl Emit for f64 {
    #[cfg(not(target_arch = "x86_64"))]
    fn from_word(w: u64) -> f64 {
        open01(w)
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx2(s: &mut [[u64; LANES]; 4], out: *mut f64, len: usize) {
        unsafe { x86::avx2::open01(s, out, len) }
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx512(s: &mut [[u64; LANES]; 4], out: *mut f64, len: usize) {
        unsafe { x86::avx512::open01(s, out, len) }
    }
    #[cfg(target_arch = "x86_64")]
    unsafe fn sse2(s: &mut [[u64; LANES]; 4], out: *mut f64, len: usize) {
        unsafe { x86::sse2::open01(s, out, len) }
    }
}

/// The lane steps in SSE2 and AVX2 intrinsics. LLVM does not vectorise the
/// eight-lane loop of `LaneRng::step` by itself (it keeps 32 state words in
/// general registers and spills), so the vector form is written out: each state
/// word is LANES/W vectors of W lanes, held in registers for the whole fill.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{LANES, ONE, STEP};
    use std::arch::x86_64::*;

    macro_rules! kernels {
        (
            $m:ident, $feature:literal, $v:ty, $w:literal, $rot:ident,
            $load:ident, $store:ident, $add:ident, $xor:ident, $or:ident, $sll:ident,
            $srl:ident, $set1:ident, $cast:ident, $sub:ident, $set1pd:ident, $storepd:ident
        ) => {
            pub mod $m {
                use super::{LANES, ONE, STEP};
                use std::arch::x86_64::*;

                /// One step of all lanes: the outputs, and the state moved on.
                #[inline(always)]
                unsafe fn step(s: &mut [[$v; LANES / $w]; 4]) -> [$v; LANES / $w] {
                    unsafe {
                        let mut out = s[0];
                        for k in 0..LANES / $w {
                            let sum = $add(s[0][k], s[3][k]);
                            let rot = super::$rot::<23, 41>(sum);
                            out[k] = $add(rot, s[0][k]);
                            let t = $sll::<17>(s[1][k]);
                            s[2][k] = $xor(s[2][k], s[0][k]);
                            s[3][k] = $xor(s[3][k], s[1][k]);
                            s[1][k] = $xor(s[1][k], s[2][k]);
                            s[0][k] = $xor(s[0][k], s[3][k]);
                            s[2][k] = $xor(s[2][k], t);
                            s[3][k] = super::$rot::<45, 19>(s[3][k]);
                        }
                        out
                    }
                }

                /// Runs `steps` steps with the state in registers, handing each step's
                /// outputs and its index to `emit`.
                #[inline(always)]
                unsafe fn run(
                    state: &mut [[u64; LANES]; 4],
                    steps: usize,
                    mut emit: impl FnMut(usize, [$v; LANES / $w]),
                ) {
                    unsafe {
                        let mut s: [[$v; LANES / $w]; 4] = [[$set1(0); LANES / $w]; 4];
                        for (word, lanes) in s.iter_mut().zip(state.iter()) {
                            for (k, v) in word.iter_mut().enumerate() {
                                *v = $load(lanes.as_ptr().add(k * $w).cast());
                            }
                        }
                        for i in 0..steps {
                            emit(i, step(&mut s));
                        }
                        for (word, lanes) in s.iter().zip(state.iter_mut()) {
                            for (k, v) in word.iter().enumerate() {
                                $store(lanes.as_mut_ptr().add(k * $w).cast(), *v);
                            }
                        }
                    }
                }

                #[target_feature(enable = $feature)]
                pub unsafe fn words(state: &mut [[u64; LANES]; 4], ptr: *mut u64, len: usize) {
                    unsafe {
                        run(state, len / LANES, |i, o| {
                            for (k, v) in o.iter().enumerate() {
                                $store(ptr.add(i * LANES + k * $w).cast(), *v);
                            }
                        })
                    }
                }

                #[target_feature(enable = $feature)]
                pub unsafe fn open01(state: &mut [[u64; LANES]; 4], ptr: *mut f64, len: usize) {
                    let one = $set1(ONE as i64);
                    let offset = $set1pd(1.0 - STEP / 2.0);
                    unsafe {
                        run(state, len / LANES, |i, o| {
                            for (k, v) in o.iter().enumerate() {
                                let x = $sub($cast($or($srl::<12>(*v), one)), offset);
                                $storepd(ptr.add(i * LANES + k * $w), x);
                            }
                        })
                    }
                }
            }
        };
    }

    /// Rotations left by L (R = 64 − L): two shifts and an or, unless AVX-512 has
    /// the instruction.
    #[inline(always)]
    unsafe fn rot_sse2<const L: i32, const R: i32>(x: __m128i) -> __m128i {
        unsafe { _mm_or_si128(_mm_slli_epi64::<L>(x), _mm_srli_epi64::<R>(x)) }
    }

    #[inline(always)]
    unsafe fn rot_avx2<const L: i32, const R: i32>(x: __m256i) -> __m256i {
        unsafe { _mm256_or_si256(_mm256_slli_epi64::<L>(x), _mm256_srli_epi64::<R>(x)) }
    }

    #[inline(always)]
    unsafe fn rot_avx512<const L: i32, const R: i32>(x: __m256i) -> __m256i {
        unsafe { _mm256_rol_epi64::<L>(x) }
    }

    /// The 256-bit kernels, which differ only in how they rotate.
    macro_rules! kernels_256 {
        ($m:ident, $feature:literal, $rot:ident) => {
            kernels!(
                $m,
                $feature,
                __m256i,
                4,
                $rot,
                _mm256_loadu_si256,
                _mm256_storeu_si256,
                _mm256_add_epi64,
                _mm256_xor_si256,
                _mm256_or_si256,
                _mm256_slli_epi64,
                _mm256_srli_epi64,
                _mm256_set1_epi64x,
                _mm256_castsi256_pd,
                _mm256_sub_pd,
                _mm256_set1_pd,
                _mm256_storeu_pd
            );
        };
    }

    kernels_256!(avx512, "avx2,avx512f,avx512vl", rot_avx512);
    kernels_256!(avx2, "avx2", rot_avx2);
    kernels!(
        sse2,
        "sse2",
        __m128i,
        2,
        rot_sse2,
        _mm_loadu_si128,
        _mm_storeu_si128,
        _mm_add_epi64,
        _mm_xor_si128,
        _mm_or_si128,
        _mm_slli_epi64,
        _mm_srli_epi64,
        _mm_set1_epi64x,
        _mm_castsi128_pd,
        _mm_sub_pd,
        _mm_set1_pd,
        _mm_storeu_pd
    );
}

/// A word's top 52 bits as a uniform on (0, 1), as in `fill_open01`.
#[inline(always)]
pub fn open01(w: u64) -> f64 {
    // [1, 2) minus (1 - 2^-53): exact, since the result has at most 53 significant bits.
    f64::from_bits((w >> 12) | ONE) - (1.0 - STEP / 2.0)
}

impl TryRng for LaneRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if self.used == LANES {
            let mut buf = [0; LANES];
            self.step(&mut buf);
            self.buf = buf;
            self.used = 0;
        }
        self.used += 1;
        Ok(self.buf[self.used - 1])
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn reference(rng: &LaneRng, l: usize) -> Xoshiro256PlusPlus {
        let mut key = [0u8; 32];
        for (k, w) in rng.lane_state(l).iter().enumerate() {
            key[8 * k..8 * k + 8].copy_from_slice(&w.to_le_bytes());
        }
        rand::SeedableRng::from_seed(key)
    }

    #[test]
    fn every_lane_is_rand_xoshiros_xoshiro256plusplus() {
        let mut rng = LaneRng::from_u64(7);
        let mut refs: Vec<Xoshiro256PlusPlus> = (0..LANES).map(|l| reference(&rng, l)).collect();
        let mut out = vec![0; 1000];
        rng.fill_u64(&mut out);
        for (i, w) in out.iter().enumerate() {
            assert_eq!(*w, refs[i % LANES].next_u64(), "word {i}");
        }
        // The partial step of 1000 = 125·8 words is none; draw one of 5 words now.
        let mut tail = [0; 5];
        rng.fill_u64(&mut tail);
        for (l, w) in tail.iter().enumerate() {
            assert_eq!(*w, refs[l].next_u64());
        }
        // …and the 3 discarded words moved lanes 5..8 on.
        for r in &mut refs[5..] {
            r.next_u64();
        }
        for (l, r) in refs.iter_mut().enumerate() {
            assert_eq!(rng.next_u64(), r.next_u64(), "Rng word of lane {l}");
        }
    }

    #[test]
    fn uninitialised_fills_give_the_same_words() {
        let (mut a, mut b) = (LaneRng::from_u64(9), LaneRng::from_u64(9));
        for len in [0, 5, 8, 256, 13] {
            let mut words = vec![0; len];
            a.fill_u64(&mut words);
            let mut scratch = vec![MaybeUninit::uninit(); len];
            assert_eq!(b.fill_u64_uninit(&mut scratch), &words[..], "{len} words");
        }
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn lanes_are_seeded_differently() {
        let rng = LaneRng::from_u64(0);
        for a in 0..LANES {
            for b in 0..a {
                assert_ne!(rng.lane_state(a), rng.lane_state(b));
            }
        }
    }

    #[test]
    fn open_uniforms_avoid_both_ends_and_are_exact() {
        assert_eq!(open01(0), STEP / 2.0);
        assert_eq!(open01(u64::MAX), 1.0 - STEP / 2.0);
        assert_eq!(open01(1 << 12), 1.5 * STEP);
        let mut rng = LaneRng::from_u64(1);
        let mut u = vec![0.0; 100_000];
        rng.fill_open01(&mut u);
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!((mean - 0.5).abs() < 0.003, "mean {mean}");
        assert!(u.iter().all(|&x| x > 0.0 && x < 1.0));
    }
}

//! Polyphase half-band FIR oversampler (2×, 4× and 8×) with an exact integer latency.
//!
//! Each 2× stage is a linear-phase half-band FIR: a Kaiser-windowed ideal half-band
//! (`h[n] = sin(πn/2)/(πn)·w[n]`, `h[0] = 1/2`; J. F. Kaiser, "Nonrecursive digital filter
//! design using the I0-sinh window function", 1974; half-band polyphase structure as in
//! P. P. Vaidyanathan, "Multirate Systems and Filter Banks", §4.6 and F. J. Harris,
//! "Multirate Signal Processing for Communication Systems", ch. 8). Every second tap of a
//! half-band filter is zero, so each polyphase branch is either a pure delay (the centre tap)
//! or a symmetric FIR with only the non-zero taps, evaluated as `c·(x[a] + x[b])` pairs:
//! a quarter of the multiplies of the direct form.
//!
//! Stages (taps designed in `f64` at construction, stored as `f32`):
//!
//! | stage | rate | taps (non-zero) | Kaiser β | passband | stopband |
//! |---|---|---|---|---|---|
//! | A (2×, always) | 2·fs | 159 (81) | 11.5 | 0–0.4535·fs (20 kHz at 44.1 kHz) | ≥ 0.5465·fs, −113 dB |
//! | B (4×, 8×) | 4·fs | 35 (19) | 12.0 | 0–0.5465·fs | ≥ 1.4535·fs, −116 dB |
//! | C (8× only) | 8·fs | 23 (13) | 11.0 | 0–0.5465·fs | ≥ 3.4535·fs, ≤ −110 dB |
//!
//! Stages B and C only have to protect what stage A passes (up to the end of A's transition
//! band), so they are short. Passband ripple is below 0.0001 dB, so the oversampler is transparent
//! (the identity null test is below −100 dB); the stopbands keep images and aliases of the
//! decimators below −110 dB, so they never limit a nonlinearity's alias performance.
//!
//! Latency: stage A up + down delays by `K_A = 79` base-rate samples, stage B by `K_B = 17`
//! samples at 2·fs; an extra one-sample delay at 2·fs makes stage B's share an integer
//! `(K_B + 1)/2 = 9`; likewise stage C delays by `K_C = 11` samples at 4·fs, padded by one to
//! `(K_C + 1)/4 = 3` base samples. So [`Oversampler::latency_samples`] is 79 (2×), 88 (4×) or
//! 91 (8×) exactly, and an impulse comes out at exactly that delay.

use crate::simd::{avx2_fma_available, madd};
/// Oversampling ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OversamplingFactor {
    /// 2× (one half-band stage).
    X2,
    /// 4× (two cascaded half-band stages).
    X4,
    /// 8× (three cascaded half-band stages).
    X8,
}

impl OversamplingFactor {
    /// The ratio as a number: 2, 4 or 8.
    pub fn ratio(self) -> usize {
        match self {
            OversamplingFactor::X2 => 2,
            OversamplingFactor::X4 => 4,
            OversamplingFactor::X8 => 8,
        }
    }
}

/// An oversampling choice, none included: what a plugin's oversampling control sets (the
/// bus compressor offers 1×–4×, the limiter 1×–8×). [`OversamplingFactor`] is the
/// [`Oversampler`]'s own configuration, which always has at least one stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Oversampling {
    /// None (no latency).
    X1,
    /// 2×.
    X2,
    /// 4×.
    X4,
    /// 8×.
    X8,
}

impl Oversampling {
    /// Every factor, lowest first.
    pub const ALL: [Self; 4] = [Self::X1, Self::X2, Self::X4, Self::X8];

    /// The ratio (1, 2, 4 or 8).
    pub fn ratio(self) -> usize {
        match self {
            Self::X1 => 1,
            Self::X2 => 2,
            Self::X4 => 4,
            Self::X8 => 8,
        }
    }

    /// The oversampler's configuration, `None` at 1×.
    pub fn factor(self) -> Option<OversamplingFactor> {
        match self {
            Self::X1 => None,
            Self::X2 => Some(OversamplingFactor::X2),
            Self::X4 => Some(OversamplingFactor::X4),
            Self::X8 => Some(OversamplingFactor::X8),
        }
    }

    /// Latency of the oversampling filters, samples at the base rate (0 at 1×).
    pub fn latency_samples(self) -> u32 {
        self.factor().map_or(0, Oversampler::latency_samples_for)
    }
}

/// Half-length of stage A (centre tap index, odd).
const K_A: usize = 79;
/// Kaiser β of stage A.
const BETA_A: f64 = 11.5;
/// Half-length of stage B (centre tap index, odd).
const K_B: usize = 17;
/// Kaiser β of stage B.
const BETA_B: f64 = 12.0;
/// Half-length of stage C (centre tap index, odd).
const K_C: usize = 11;
/// Kaiser β of stage C.
const BETA_C: f64 = 11.0;

/// Zeroth-order modified Bessel function of the first kind, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let q = x * x / 4.0;
    for k in 1..200 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Kaiser-windowed half-band taps `h[n]`, `n = −k..=k` (length `2k + 1`), `h[0] = 1/2`,
/// DC gain 1.
pub(crate) fn half_band_taps(k: usize, beta: f64) -> Vec<f64> {
    let i0_beta = bessel_i0(beta);
    (0..=2 * k)
        .map(|i| {
            let n = i as f64 - k as f64;
            let w = bessel_i0(beta * (1.0 - (n / k as f64).powi(2)).max(0.0).sqrt()) / i0_beta;
            let ideal = if i == k {
                0.5
            } else {
                (std::f64::consts::FRAC_PI_2 * n).sin() / (std::f64::consts::PI * n)
            };
            ideal * w
        })
        .collect()
}

/// Non-zero pair coefficients of a half-band filter: `c[p] = h_c[2p]` for `p = 0..(k+1)/2`,
/// where `h_c[i] = h[i − k]` is the causal filter (`h_c[2p] = h_c[2k − 2p]`).
fn pair_coeffs(k: usize, beta: f64, scale: f64) -> Vec<f32> {
    let h = half_band_taps(k, beta);
    (0..k.div_ceil(2))
        .map(|p| (h[2 * p] * scale) as f32)
        .collect()
}

/// `acc[m] += Σ_p c[p]·(hist[k − p + m] + hist[p + m])` for `m < acc.len()`: the symmetric
/// half-band branch (one multiply per pair of taps). Outer loop over taps, inner loop over
/// the block, so the inner loop vectorises over `m`; taps are applied four at a time so that
/// each pass over `acc` does eight loads per load/store of the accumulator. `FMA` selects
/// fused multiply-add (only where the CPU has it: elsewhere `mul_add` is a library call).
#[inline(always)]
fn fir_pairs_body<const FMA: bool>(acc: &mut [f32], hist: &[f32], k: usize, coeffs: &[f32]) {
    let n = acc.len();
    let mut p = 0;
    for c in coeffs.chunks_exact(4) {
        // Equal-length slices (the slicing panics up front if `hist` is too short), so the
        // zipped inner loop has no bounds checks.
        let a = [
            &hist[k - p..k - p + n],
            &hist[k - p - 1..k - p - 1 + n],
            &hist[k - p - 2..k - p - 2 + n],
            &hist[k - p - 3..k - p - 3 + n],
        ];
        let b = [
            &hist[p..p + n],
            &hist[p + 1..p + 1 + n],
            &hist[p + 2..p + 2 + n],
            &hist[p + 3..p + 3 + n],
        ];
        let (c0, c1, c2, c3) = (c[0], c[1], c[2], c[3]);
        let lanes = acc
            .iter_mut()
            .zip(a[0].iter().zip(b[0]))
            .zip(a[1].iter().zip(b[1]))
            .zip(a[2].iter().zip(b[2]))
            .zip(a[3].iter().zip(b[3]));
        for ((((y, (a0, b0)), (a1, b1)), (a2, b2)), (a3, b3)) in lanes {
            let mut v = madd::<FMA>(c0, a0 + b0, *y);
            v = madd::<FMA>(c1, a1 + b1, v);
            v = madd::<FMA>(c2, a2 + b2, v);
            *y = madd::<FMA>(c3, a3 + b3, v);
        }
        p += 4;
    }
    for &c in coeffs.chunks_exact(4).remainder() {
        let (a, b) = (&hist[k - p..k - p + n], &hist[p..p + n]);
        for (y, (a, b)) in acc.iter_mut().zip(a.iter().zip(b)) {
            *y = madd::<FMA>(c, a + b, *y);
        }
        p += 1;
    }
}

/// [`fir_pairs_body`], portable (no FMA; whatever SIMD the build target has).
fn fir_pairs_portable(acc: &mut [f32], hist: &[f32], k: usize, coeffs: &[f32]) {
    fir_pairs_body::<false>(acc, hist, k, coeffs);
}

/// [`fir_pairs_body`] compiled for AVX2 + FMA (8 lanes, fused multiply-add).
///
/// # Safety
/// The CPU must support AVX2 and FMA ([`avx2_fma_available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fir_pairs_avx2_fma(acc: &mut [f32], hist: &[f32], k: usize, coeffs: &[f32]) {
    fir_pairs_body::<true>(acc, hist, k, coeffs);
}

/// The symmetric half-band branch (see [`fir_pairs_body`]), AVX2 + FMA when `fast` (which
/// must come from [`avx2_fma_available`]), portable otherwise.
#[inline]
fn fir_pairs(fast: bool, acc: &mut [f32], hist: &[f32], k: usize, coeffs: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if fast {
        // SAFETY: `fast` is only true when `avx2_fma_available()` said the CPU has AVX2 and FMA.
        unsafe { fir_pairs_avx2_fma(acc, hist, k, coeffs) };
        return;
    }
    let _ = fast;
    fir_pairs_portable(acc, hist, k, coeffs);
}

/// 2× interpolator (zero-stuff + half-band, gain 2), polyphase.
struct Upsampler {
    k: usize,
    /// Use the AVX2 + FMA kernel (set from [`avx2_fma_available`]).
    fast: bool,
    /// `2·h_c[2p]`.
    coeffs: Vec<f32>,
    /// Input history: `k` past samples followed by the current block.
    hist: Vec<f32>,
    /// Output of the FIR branch (even output samples).
    even: Vec<f32>,
}

impl Upsampler {
    fn new(k: usize, beta: f64, max_in: usize) -> Self {
        Self {
            k,
            fast: avx2_fma_available(),
            coeffs: pair_coeffs(k, beta, 2.0),
            hist: vec![0.0; k + max_in],
            even: vec![0.0; max_in],
        }
    }

    fn reset(&mut self) {
        self.hist.fill(0.0);
    }

    /// `out.len() == 2·input.len()`, `input.len() <= max_in`.
    fn process(&mut self, input: &[f32], out: &mut [f32]) {
        let n = input.len();
        let k = self.k;
        self.hist[k..k + n].copy_from_slice(input);
        let even = &mut self.even[..n];
        even.fill(0.0);
        // y[2m] = Σ_j 2h_c[2j]·x[m − j], x[m − j] = hist[k + m − j]; pair j with k − j.
        fir_pairs(self.fast, even, &self.hist, k, &self.coeffs);
        // y[2m + 1] = x[m − (k − 1)/2] = hist[m + (k + 1)/2] (centre tap 2·½).
        let odd = &self.hist[k.div_ceil(2)..k.div_ceil(2) + n];
        for ((pair, &e), &o) in out.chunks_exact_mut(2).zip(even.iter()).zip(odd) {
            pair[0] = e;
            pair[1] = o;
        }
        self.hist.copy_within(n..n + k, 0);
    }
}

/// 2× decimator (half-band, gain 1, keep every second sample), polyphase.
struct Downsampler {
    k: usize,
    /// Use the AVX2 + FMA kernel (set from [`avx2_fma_available`]).
    fast: bool,
    /// `h_c[2p]`.
    coeffs: Vec<f32>,
    /// Even-phase input history: `k` past samples then the block's even samples.
    even: Vec<f32>,
    /// Odd-phase input history: `(k + 1)/2` past samples then the block's odd samples.
    odd: Vec<f32>,
}

impl Downsampler {
    fn new(k: usize, beta: f64, max_out: usize) -> Self {
        Self {
            k,
            fast: avx2_fma_available(),
            coeffs: pair_coeffs(k, beta, 1.0),
            even: vec![0.0; k + max_out],
            odd: vec![0.0; k.div_ceil(2) + max_out],
        }
    }

    fn reset(&mut self) {
        self.even.fill(0.0);
        self.odd.fill(0.0);
    }

    /// `input.len() == 2·out.len()`, `out.len() <= max_out`.
    fn process(&mut self, input: &[f32], out: &mut [f32]) {
        let n = out.len();
        let k = self.k;
        let ko = k.div_ceil(2);
        for ((pair, e), o) in input
            .chunks_exact(2)
            .zip(self.even[k..k + n].iter_mut())
            .zip(self.odd[ko..ko + n].iter_mut())
        {
            *e = pair[0];
            *o = pair[1];
        }
        // z[m] = ½·u_odd[m − (k+1)/2] + Σ_j h_c[2j]·u_even[m − j].
        for (y, &o) in out.iter_mut().zip(&self.odd[..n]) {
            *y = 0.5 * o;
        }
        fir_pairs(self.fast, out, &self.even, k, &self.coeffs);
        self.even.copy_within(n..n + k, 0);
        self.odd.copy_within(n..n + ko, 0);
    }
}

/// Polyphase half-band oversampler, 2× or 4×, for one channel.
///
/// [`Self::process_block`] upsamples a block into internal scratch, calls a closure once on the
/// oversampled block, and decimates the result back in place. Linear phase, latency
/// [`Self::latency_samples`] (an exact integer at the base rate). See the module docs for the
/// filter design and measured figures. No allocation after [`Self::new`].
pub struct Oversampler {
    factor: OversamplingFactor,
    max_block: usize,
    up_a: Upsampler,
    up_b: Upsampler,
    up_c: Upsampler,
    down_c: Downsampler,
    down_b: Downsampler,
    down_a: Downsampler,
    /// Signal at 2× the base rate (`2·max_block`).
    buf2: Vec<f32>,
    /// Signal at 4× the base rate (`4·max_block`, used at 8×).
    buf4: Vec<f32>,
    /// The oversampled block handed to `process_block`'s closure (`8·max_block`).
    buf_os: Vec<f32>,
    /// One-sample delay at 2× the base rate that makes the 4× latency an integer.
    pad: f32,
    /// One-sample delay at 4× the base rate that makes stage C's latency an integer.
    pad4: f32,
}

impl Oversampler {
    /// Creates an oversampler for blocks of up to `max_block` base-rate samples (≥ 1),
    /// allocating scratch for 8×. Starts at [`OversamplingFactor::X4`].
    pub fn new(max_block: usize) -> Self {
        let max_block = max_block.max(1);
        Self {
            factor: OversamplingFactor::X4,
            max_block,
            up_a: Upsampler::new(K_A, BETA_A, max_block),
            up_b: Upsampler::new(K_B, BETA_B, 2 * max_block),
            up_c: Upsampler::new(K_C, BETA_C, 4 * max_block),
            down_c: Downsampler::new(K_C, BETA_C, 4 * max_block),
            down_b: Downsampler::new(K_B, BETA_B, 2 * max_block),
            down_a: Downsampler::new(K_A, BETA_A, max_block),
            buf2: vec![0.0; 2 * max_block],
            buf4: vec![0.0; 4 * max_block],
            buf_os: vec![0.0; 8 * max_block],
            pad: 0.0,
            pad4: 0.0,
        }
    }

    /// Selects 2×, 4× or 8× (realtime-safe, no allocation). Changing the factor clears the filter
    /// memory and changes [`Self::latency_samples`].
    pub fn set_factor(&mut self, factor: OversamplingFactor) {
        if factor != self.factor {
            self.factor = factor;
            self.reset();
        }
    }

    /// The current factor.
    pub fn factor(&self) -> OversamplingFactor {
        self.factor
    }

    /// Largest block (base-rate samples) processed with a single call of the closure.
    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// Clears all filter memory (realtime-safe).
    pub fn reset(&mut self) {
        self.up_a.reset();
        self.up_b.reset();
        self.up_c.reset();
        self.down_c.reset();
        self.down_b.reset();
        self.down_a.reset();
        self.pad = 0.0;
        self.pad4 = 0.0;
    }

    /// Latency of the upsampling plus downsampling filters at the base rate for `factor`:
    /// 79 samples (2×), 88 samples (4×) or 91 samples (8×).
    pub fn latency_samples_for(factor: OversamplingFactor) -> u32 {
        match factor {
            OversamplingFactor::X2 => K_A as u32,
            OversamplingFactor::X4 => (K_A + K_B.div_ceil(2)) as u32,
            OversamplingFactor::X8 => (K_A + K_B.div_ceil(2) + (K_C + 1) / 4) as u32,
        }
    }

    /// Total up + down latency at the base rate, an exact integer (79 at 2×, 88 at 4×, 91 at
    /// 8×).
    pub fn latency_samples(&self) -> u32 {
        Self::latency_samples_for(self.factor)
    }

    /// Upsamples `buf`, calls `f` once on the oversampled block (length
    /// `buf.len() · factor`), and decimates the result back into `buf` in place.
    ///
    /// `buf.len()` should be at most `max_block`; longer buffers are processed in chunks of
    /// `max_block` (one call of `f` per chunk). Realtime-safe: no allocation.
    pub fn process_block(&mut self, buf: &mut [f32], mut f: impl FnMut(&mut [f32])) {
        for chunk in buf.chunks_mut(self.max_block) {
            self.process_chunk(chunk, &mut f);
        }
    }

    /// Forces the portable kernels (`fast = false`) or, where the CPU has them, the AVX2 + FMA
    /// kernels (tests compare the two).
    #[cfg(test)]
    fn set_fast_kernels(&mut self, fast: bool) {
        let fast = fast && avx2_fma_available();
        self.up_a.fast = fast;
        self.up_b.fast = fast;
        self.up_c.fast = fast;
        self.down_c.fast = fast;
        self.down_b.fast = fast;
        self.down_a.fast = fast;
    }

    fn process_chunk(&mut self, buf: &mut [f32], f: &mut impl FnMut(&mut [f32])) {
        let n = buf.len();
        if n == 0 {
            return;
        }
        let ratio = self.factor.ratio();
        let mut os = std::mem::take(&mut self.buf_os);
        self.upsample(buf, &mut os[..ratio * n]);
        f(&mut os[..ratio * n]);
        self.downsample(&os[..ratio * n], buf);
        self.buf_os = os;
    }

    /// Upsamples `input` (at most [`Self::max_block`] samples) into `out`
    /// (`out.len() == input.len() · factor`). With [`Self::downsample`], for engines that must
    /// see several channels at the oversampled rate at once; `process_block` is the two in a
    /// row.
    pub fn upsample(&mut self, input: &[f32], out: &mut [f32]) {
        let n = input.len();
        match self.factor {
            OversamplingFactor::X2 => self.up_a.process(input, &mut out[..2 * n]),
            OversamplingFactor::X4 => {
                let buf2 = &mut self.buf2[..2 * n];
                self.up_a.process(input, buf2);
                self.up_b.process(buf2, &mut out[..4 * n]);
            }
            OversamplingFactor::X8 => {
                let buf2 = &mut self.buf2[..2 * n];
                self.up_a.process(input, buf2);
                let buf4 = &mut self.buf4[..4 * n];
                self.up_b.process(buf2, buf4);
                self.up_c.process(buf4, &mut out[..8 * n]);
            }
        }
    }

    /// Decimates `input` (`out.len() · factor` samples at the oversampled rate) into `out`.
    pub fn downsample(&mut self, input: &[f32], out: &mut [f32]) {
        let n = out.len();
        if n == 0 {
            return;
        }
        match self.factor {
            OversamplingFactor::X2 => self.down_a.process(&input[..2 * n], out),
            OversamplingFactor::X4 => {
                let buf2 = &mut self.buf2[..2 * n];
                self.down_b.process(&input[..4 * n], buf2);
                // One-sample delay at 2× (K_B is odd).
                let last = buf2[2 * n - 1];
                buf2.copy_within(0..2 * n - 1, 1);
                buf2[0] = self.pad;
                self.pad = last;
                self.down_a.process(buf2, out);
            }
            OversamplingFactor::X8 => {
                let buf4 = &mut self.buf4[..4 * n];
                self.down_c.process(&input[..8 * n], buf4);
                // One-sample delay at 4× (K_C + 1 is a multiple of 4).
                let last = buf4[4 * n - 1];
                buf4.copy_within(0..4 * n - 1, 1);
                buf4[0] = self.pad4;
                self.pad4 = last;
                let buf2 = &mut self.buf2[..2 * n];
                self.down_b.process(buf4, buf2);
                let last = buf2[2 * n - 1];
                buf2.copy_within(0..2 * n - 1, 1);
                buf2[0] = self.pad;
                self.pad = last;
                self.down_a.process(buf2, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnitude (linear) of the zero-phase response of the taps at normalised frequency `f`
    /// (cycles per sample at the stage's rate).
    fn amp(h: &[f64], f: f64) -> f64 {
        let k = (h.len() - 1) / 2;
        h.iter()
            .enumerate()
            .map(|(i, &c)| c * (2.0 * std::f64::consts::PI * f * (i as f64 - k as f64)).cos())
            .sum()
    }

    /// (max passband deviation dB up to `pass`, max stopband level dB from `stop`), using the
    /// f32-rounded taps.
    fn measure(k: usize, beta: f64, pass: f64, stop: f64) -> (f64, f64) {
        let h: Vec<f64> = half_band_taps(k, beta)
            .iter()
            .map(|&v| v as f32 as f64)
            .collect();
        let n = 4000;
        let mut ripple: f64 = 0.0;
        let mut stop_db = f64::NEG_INFINITY;
        for i in 0..=n {
            let fp = pass * i as f64 / n as f64;
            ripple = ripple.max((20.0 * amp(&h, fp).abs().log10()).abs());
            let fsb = stop + (0.5 - stop) * i as f64 / n as f64;
            stop_db = stop_db.max(20.0 * amp(&h, fsb).abs().max(1e-30).log10());
        }
        (ripple, stop_db)
    }

    #[test]
    fn stage_designs_meet_spec() {
        for base in [44100.0f64, 48000.0] {
            // Stage A at 2·fs: passband to 20 kHz, stopband from fs − 20 kHz (images of the
            // passband land there).
            let (ra, sa) = measure(
                K_A,
                BETA_A,
                20000.0 / (2.0 * base),
                (base - 20000.0) / (2.0 * base),
            );
            // Stage B at 4·fs: passband up to stage A's stopband edge (0.5465·fs, where A's
            // design puts it at 44.1 kHz), stopband from 2·fs minus that.
            let a_stop = 0.5465;
            let (rb, sb) = measure(K_B, BETA_B, a_stop / 4.0, (2.0 - a_stop) / 4.0);
            println!(
                "base {base} Hz: stage A ripple {ra:.2e} dB, stopband {sa:.1} dB; stage B ripple {rb:.2e} dB, stopband {sb:.1} dB"
            );
            // Stage C at 8·fs: passband up to 0.5465·fs, stopband from 4·fs minus that.
            let (rc, sc) = measure(K_C, BETA_C, a_stop / 8.0, (4.0 - a_stop) / 8.0);
            println!("stage C ripple {rc:.2e} dB, stopband {sc:.1} dB");
            assert!(ra + rb + rc <= 0.01, "passband ripple");
            assert!(sa <= -100.0 && sb <= -100.0 && sc <= -100.0, "stopband");
        }
    }

    fn run(os: &mut Oversampler, input: &[f32], block: usize) -> Vec<f32> {
        let mut out = input.to_vec();
        for chunk in out.chunks_mut(block) {
            os.process_block(chunk, |_| {});
        }
        out
    }

    #[test]
    fn impulse_comes_out_at_latency() {
        for factor in [
            OversamplingFactor::X2,
            OversamplingFactor::X4,
            OversamplingFactor::X8,
        ] {
            for block in [1usize, 7, 64, 512] {
                let mut os = Oversampler::new(512);
                os.set_factor(factor);
                let lat = os.latency_samples() as usize;
                let mut x = vec![0.0f32; 2048];
                let t0 = 300;
                x[t0] = 1.0;
                let y = run(&mut os, &x, block);
                let peak = y
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                    .unwrap()
                    .0;
                assert_eq!(peak, t0 + lat, "{factor:?} block {block}");
                // Linear phase: symmetric around the peak.
                for d in 1..250 {
                    let (a, b) = (y[peak + d], y[peak - d]);
                    assert!((a - b).abs() < 1e-6, "{factor:?} asym at {d}: {a} {b}");
                }
                assert!((y[peak] - 1.0).abs() < 0.1);
            }
        }
        assert_eq!(Oversampler::latency_samples_for(OversamplingFactor::X2), 79);
        assert_eq!(Oversampler::latency_samples_for(OversamplingFactor::X4), 88);
        assert_eq!(Oversampler::latency_samples_for(OversamplingFactor::X8), 91);
    }

    #[test]
    fn identity_null_test() {
        let fs = 48000.0f64;
        let freqs = [97.0, 1000.0, 4567.0, 9000.0, 13000.0, 17900.0];
        let n = 48000;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f64 / fs;
                freqs
                    .iter()
                    .map(|f| (2.0 * std::f64::consts::PI * f * t).sin())
                    .sum::<f64>() as f32
                    / 6.0
            })
            .collect();
        for factor in [
            OversamplingFactor::X2,
            OversamplingFactor::X4,
            OversamplingFactor::X8,
        ] {
            let mut os = Oversampler::new(64);
            os.set_factor(factor);
            let lat = os.latency_samples() as usize;
            let y = run(&mut os, &x, 64);
            let (mut err, mut sig) = (0.0f64, 0.0f64);
            // Skip the start-up transient (the filters' full length).
            for i in 1000..n {
                let d = y[i] as f64 - x[i - lat] as f64;
                err += d * d;
                sig += (x[i - lat] as f64).powi(2);
            }
            let db = 10.0 * (err / sig).log10();
            println!("{factor:?}: identity null {db:.1} dB (latency {lat})");
            assert!(db < -100.0, "{factor:?}: {db} dB");
        }
    }

    #[test]
    fn block_size_independent() {
        let x: Vec<f32> = (0..5000)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
            .collect();
        for factor in [
            OversamplingFactor::X2,
            OversamplingFactor::X4,
            OversamplingFactor::X8,
        ] {
            let mut reference = None;
            for block in [1usize, 7, 64, 333, 4096] {
                let mut os = Oversampler::new(4096);
                os.set_factor(factor);
                let y = run(&mut os, &x, block);
                match &reference {
                    None => reference = Some(y),
                    Some(r) => assert_eq!(r, &y, "{factor:?} block {block}"),
                }
            }
            // A block longer than max_block is processed in chunks, same result.
            let mut os = Oversampler::new(64);
            os.set_factor(factor);
            let mut y = x.clone();
            os.process_block(&mut y, |_| {});
            assert_eq!(reference.as_ref().unwrap(), &y);
        }
    }

    #[test]
    fn closure_sees_oversampled_block() {
        let mut os = Oversampler::new(64);
        let mut buf = [0.0f32; 48];
        let mut seen = 0;
        os.process_block(&mut buf, |b| seen = b.len());
        assert_eq!(seen, 192);
        os.set_factor(OversamplingFactor::X2);
        os.process_block(&mut buf, |b| seen = b.len());
        assert_eq!(seen, 96);
        os.process_block(&mut [], |b| seen = b.len());
    }

    /// Deterministic full-scale test signal.
    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// `|got − want| ≤ 1e-6 · max(|want|, 1)`: relative for full-scale values, absolute near
    /// zero (where FMA's single rounding makes a relative bound meaningless). Returns the
    /// worst error in that measure.
    fn worst_rel_err(got: &[f32], want: &[f32]) -> f64 {
        assert_eq!(got.len(), want.len());
        got.iter()
            .zip(want)
            .map(|(&g, &w)| (g as f64 - w as f64).abs() / (w.abs() as f64).max(1.0))
            .fold(0.0, f64::max)
    }

    #[test]
    fn fir_pairs_avx2_matches_portable() {
        if !crate::simd::fast_path_testable("oversampler AVX2 kernel") {
            return;
        }
        for (k, beta) in [(K_A, BETA_A), (K_B, BETA_B), (K_C, BETA_C)] {
            let coeffs = pair_coeffs(k, beta, 2.0);
            for n in [1usize, 3, 7, 63, 65, 257] {
                let hist = noise(k + n, n as u32 + 7);
                let init = noise(n, 99);
                let mut want = init.clone();
                fir_pairs(false, &mut want, &hist, k, &coeffs);
                let mut got = init.clone();
                fir_pairs(true, &mut got, &hist, k, &coeffs);
                let err = worst_rel_err(&got, &want);
                assert!(err <= 1e-6, "k {k} n {n}: error {err:e}");
            }
        }
    }

    #[test]
    fn oversampler_avx2_matches_portable() {
        if !crate::simd::fast_path_testable("oversampler AVX2 kernel") {
            return;
        }
        let x = noise(3000, 12345);
        for factor in [
            OversamplingFactor::X2,
            OversamplingFactor::X4,
            OversamplingFactor::X8,
        ] {
            for block in [1usize, 3, 7, 63, 65, 257] {
                let mut fast = Oversampler::new(257);
                let mut portable = Oversampler::new(257);
                fast.set_factor(factor);
                portable.set_factor(factor);
                fast.set_fast_kernels(true);
                portable.set_fast_kernels(false);
                // A nonlinear closure so the decimators see broadband content.
                let shape = |b: &mut [f32]| b.iter_mut().for_each(|v| *v = v.clamp(-0.7, 0.7));
                let (mut got, mut want) = (x.clone(), x.clone());
                for (g, w) in got.chunks_mut(block).zip(want.chunks_mut(block)) {
                    fast.process_block(g, shape);
                    portable.process_block(w, shape);
                }
                let err = worst_rel_err(&got, &want);
                assert!(err <= 1e-6, "{factor:?} block {block}: error {err:e}");
            }
        }
    }
}

//! Output dither: requantisation of the final mix to 16 or 24 bit, with TPDF dither and
//! optional psychoacoustic noise shaping. The last stage of the mastering limiter.
//!
//! # Modes
//! * [`DitherMode::Off`]: the buffer is not touched at all (bit-exact, no quantisation).
//! * [`DitherMode::Tpdf`]: non-subtractive triangular-PDF dither of ±1 LSB peak (the sum of
//!   two independent uniform ±½ LSB values) added before rounding to the grid `k·LSB`,
//!   `LSB = 2^−(bits−1)` for full scale ±1.0. TPDF is the lowest-power dither that makes the
//!   first and second moments of the total error `e = y − x` independent of the signal: the
//!   error has mean 0 and power `LSB²/12 + LSB²/6 = LSB²/4` whatever the input, with no
//!   distortion and no noise modulation (J. Vanderkooy, S. P. Lipshitz, "Dither in digital
//!   audio", JAES 35(12), 1987; R. A. Wannamaker, S. P. Lipshitz, J. Vanderkooy,
//!   J. N. Wright, "A theory of nonsubtractive dither", IEEE Trans. Signal Processing 48(2),
//!   2000). Successive errors are uncorrelated, so the error is white: RMS `LSB/2`, i.e.
//!   −96.33 dBFS at 16 bit and −144.49 dBFS at 24 bit (re a ±1.0 peak; −93.32 dB and
//!   −141.48 dB re a full-scale sine).
//! * [`DitherMode::NoiseShaped`]: the same TPDF quantiser inside an error-feedback loop
//!   (S. P. Lipshitz, J. Vanderkooy, R. A. Wannamaker, "Minimally audible noise shaping",
//!   JAES 39(11), 1991). With `e[n] = q[n] − v[n]` the total error of the dithered
//!   quantiser `q` at its input `v[n] = x[n] − Σₖ hₖ·e[n−k]`, the output is
//!   `y = x + (1 − H(z))·e`: the white TPDF error shaped by the noise transfer function
//!   `NTF(z) = 1 − Σₖ hₖ z^−k`. The error at the quantiser keeps its TPDF properties because
//!   the dither is independent of `v`, so (as long as the output does not clip) the expected
//!   output error spectrum is `(LSB²/4)·|NTF(e^jω)|²`
//!   ([`DitherCoeffs::noise_transfer_power_gain`]), total power `(LSB²/4)·(1 + Σhₖ²)`.
//!
//! # Shaping filter
//! `H(z)` is the 9-coefficient F-weighted design of R. A. Wannamaker, "Psychoacoustically
//! optimal noise shaping", JAES 40(7/8), 1992 ([`F_WEIGHTED_9_TAPS`]), with the values (three
//! to four significant digits) in which it is widely reproduced, e.g. as the `f-weighted`
//! filter of the SoX `dither` effect, which files it under a 46 kHz design rate with ±5 %
//! leeway, i.e. for 44.1 and 48 kHz. Its NTF (44.1 kHz / 48 kHz): −12.0 dB at DC, −25.0 / −23.8 dB at
//! 3 kHz (where hearing is most sensitive), −1.4 / −0.9 dB at 10 kHz, +12.1 / +2.6 dB at
//! 16 kHz, +27.0 / +25.9 dB at Nyquist. The total error power rises by
//! `10·log10(1 + Σhₖ²) = 18.40 dB` (RMS −77.93 dBFS at 16 bit), nearly all of it above
//! 15 kHz, in exchange for a much lower noise floor where the ear is sensitive.
//!
//! Shaping runs only at 41 895–50 400 Hz (44.1 kHz − 5 % to 48 kHz + 5 %); elsewhere
//! [`DitherMode::NoiseShaped`] falls back to plain TPDF ([`DitherCoeffs::effective_mode`]):
//! * at 88.2 kHz and above, the filter's frequency axis would scale with the rate (its dip
//!   moving from 3–4 kHz to 7–9 kHz: no longer where hearing is most sensitive), and there is
//!   nothing to gain: flat TPDF noise is already spread over 0–44 kHz or more, so only
//!   ≤ 45 % of it lies below 20 kHz, and high-rate masters are 24-bit, whose −144 dBFS floor
//!   lies far below any converter's analogue noise. Shaping would only add +18 dB of
//!   ultrasonic noise, which costs headroom (see the bound below) and can provoke
//!   intermodulation in downstream equipment;
//! * below 41.9 kHz (32, 22.05 kHz) the filter's +12…+27 dB hump would land in the clearly
//!   audible 11–16 kHz band.
//!
//! # Hard bound on the change
//! For every finite input `x ∈ [−1, 1]`, `|y − x| ≤` [`DitherCoeffs::max_abs_error`]:
//! * the quantiser error is bounded: `|e| = |round(v + d) − v| ≤ ½ + |d| < 1.5 LSB` since the
//!   dither `|d| < 1 LSB`. The value fed back is this error of the quantiser before the
//!   output range clamp, and it is also clamped to ±1.5 LSB, so the loop stays bounded
//!   whatever the arithmetic does;
//! * `y − x = e[n] − Σₖ hₖ·e[n−k]`, so `|y − x| ≤ 1.5·(1 + Σ|hₖ|) LSB`
//!   (1.5 LSB for TPDF, 33.58 LSB for the 9-tap filter, `Σ|hₖ| = 21.3857`);
//! * clamping the output to the representable range `[−1, 1 − LSB]` never takes it further
//!   from `x` than the unclamped value (when `x > 1 − LSB`, the clamped value `1 − LSB` is
//!   within one LSB of `x`), so it never increases the change.
//!
//! | mode | 16 bit | 24 bit |
//! |---|---|---|
//! | Off | 0 | 0 |
//! | TPDF | 4.578e-5 (−86.8 dBFS) | 1.788e-7 (−134.9 dBFS) |
//! | NoiseShaped | 1.0247e-3 (−59.79 dBFS) | 4.003e-6 (−107.95 dBFS) |
//!
//! Non-finite input is treated as silence and input beyond ±1 as ±1, so for any input
//! `|y − x_sanitised| ≤` the bound, the output is always finite and the feedback state can
//! never be poisoned. The true peak of the output rises above that of the input by at most
//! the bound times the largest per-phase sum of absolute taps of the true-peak interpolator
//! ([`DitherCoeffs::max_true_peak_increase`]); for this crate's 4×
//! [`Oversampler`](crate::oversampling::Oversampler) that sum is 2.85, so a 16-bit
//! noise-shaped output needs a ceiling margin of 95.7 LSB = 2.92e-3 (0.025 dB), plain TPDF
//! 4.3 LSB (0.0011 dB). Measured over 1 M full-scale samples, the interpolated noise-shaped
//! error peaked at about 20 LSB: the bound is a worst case over all error sequences.
//!
//! # Dither generator
//! SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014; the output mix is D. Stafford's "Mix13" variant of the MurmurHash3
//! finaliser): one 64-bit draw gives the two independent 32-bit uniforms of one TPDF value,
//! each mapped to `(i + ½)·2^−32 ∈ (−½, ½)`, symmetric about 0. Each [`DitherState`] takes a
//! seed; give every channel a different one so that the channels' dither is uncorrelated
//! (a left/right-identical dither would add a correlated, centre-panned noise).
//!
//! Arithmetic is in `f64` in LSB units: at 24 bit an LSB is 2^−23 while an `f32` near full
//! scale only resolves 2^−24, so adding the dither in `f32` would round away most of it. The
//! outputs `k·LSB` are exact in `f32` for both word lengths.

/// The F-weighted 9-tap noise-shaping filter `h₁…h₉` of R. A. Wannamaker, "Psychoacoustically
/// optimal noise shaping", JAES 40(7/8), 1992, for 44.1–48 kHz. Noise transfer function
/// `1 − Σₖ hₖ z^−k`.
pub const F_WEIGHTED_9_TAPS: [f64; 9] = [
    2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847,
];

/// Lowest sample rate at which [`DitherMode::NoiseShaped`] shapes, in Hz (44.1 kHz − 5 %).
pub const SHAPING_MIN_SAMPLE_RATE_HZ: f32 = 41_895.0;

/// Highest sample rate at which [`DitherMode::NoiseShaped`] shapes, in Hz (48 kHz + 5 %).
pub const SHAPING_MAX_SAMPLE_RATE_HZ: f32 = 50_400.0;

/// Bound on the magnitude of the total quantiser error, in LSB: rounding (½) plus TPDF
/// dither (< 1).
const MAX_QUANTISER_ERROR_LSB: f64 = 1.5;

/// Number of taps of the error-feedback filter.
const NUM_TAPS: usize = F_WEIGHTED_9_TAPS.len();

/// `1.5·2^52`: adding and subtracting it rounds an `f64` of magnitude below 2^51 to the
/// nearest integer, ties to even (IEEE 754 default rounding). Branch-free and inline, unlike
/// `round()`, which is a libm call without SSE4.1.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// SplitMix64 increment: the odd integer closest to `2^64/φ`.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// `2^−32`: scales a signed 32-bit integer to a uniform value in LSB.
const TWO_POW_MINUS_32: f64 = 1.0 / 4_294_967_296.0;

/// What the dither stage does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DitherMode {
    /// Bit-exact passthrough: no quantisation, no dither.
    Off,
    /// TPDF dither (±1 LSB peak) and rounding, flat white error of power `LSB²/4`.
    Tpdf,
    /// TPDF dither inside an error-feedback quantiser with Wannamaker's F-weighted 9-tap
    /// filter at 44.1/48 kHz; plain TPDF at other sample rates.
    NoiseShaped,
}

/// Output word length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DitherBits {
    /// 16 bit: LSB = 2^−15 of full scale.
    Bits16,
    /// 24 bit: LSB = 2^−23 of full scale.
    Bits24,
}

impl DitherBits {
    /// The word length in bits: 16 or 24.
    pub fn bits(self) -> u32 {
        match self {
            DitherBits::Bits16 => 16,
            DitherBits::Bits24 => 24,
        }
    }

    /// Quantisation step for full scale ±1.0: `2^−(bits−1)`.
    pub fn lsb(self) -> f32 {
        1.0 / self.steps_per_unit() as f32
    }

    /// `2^(bits−1)`: grid steps per unit of full scale.
    fn steps_per_unit(self) -> f64 {
        (1u32 << (self.bits() - 1)) as f64
    }
}

/// Design of a dither stage: mode, word length and shaping filter for one sample rate.
/// `Copy`, built off the audio thread (cheap, no allocation), shared by all channels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DitherCoeffs {
    /// The mode that was asked for.
    mode: DitherMode,
    /// The mode that runs: `mode`, except `NoiseShaped` outside the shaping rates runs `Tpdf`.
    effective_mode: DitherMode,
    /// Output word length.
    bits: DitherBits,
    /// Sample rate the coefficients were made for, in Hz.
    sample_rate_hz: f32,
    /// `2^(bits−1)`: input scale to LSB units.
    steps_per_unit: f64,
    /// Error-feedback taps `h₁…h₉`; all zero unless shaping.
    taps: [f64; NUM_TAPS],
    /// Hard bound on `|y − x|` (full-scale units), rounded up to `f32`.
    max_abs_error: f32,
}

impl DitherCoeffs {
    /// Coefficients for `mode` at word length `bits` and `sample_rate_hz` (which only matters
    /// for [`DitherMode::NoiseShaped`]: shaping runs between [`SHAPING_MIN_SAMPLE_RATE_HZ`]
    /// and [`SHAPING_MAX_SAMPLE_RATE_HZ`], plain TPDF elsewhere; see the module docs).
    pub fn new(mode: DitherMode, bits: DitherBits, sample_rate_hz: f32) -> Self {
        let shapes =
            (SHAPING_MIN_SAMPLE_RATE_HZ..=SHAPING_MAX_SAMPLE_RATE_HZ).contains(&sample_rate_hz);
        let effective_mode = match mode {
            DitherMode::NoiseShaped if !shapes => DitherMode::Tpdf,
            m => m,
        };
        let taps = if effective_mode == DitherMode::NoiseShaped {
            F_WEIGHTED_9_TAPS
        } else {
            [0.0; NUM_TAPS]
        };
        let steps_per_unit = bits.steps_per_unit();
        let max_abs_error = match effective_mode {
            DitherMode::Off => 0.0,
            _ => {
                let taps_l1: f64 = taps.iter().map(|h| h.abs()).sum();
                let bound = MAX_QUANTISER_ERROR_LSB * (1.0 + taps_l1) / steps_per_unit;
                // Round up, and leave room for the f64 rounding of the feedback sum (~1e-15).
                ((bound * (1.0 + 1e-9)) as f32).next_up()
            }
        };
        Self {
            mode,
            effective_mode,
            bits,
            sample_rate_hz,
            steps_per_unit,
            taps,
            max_abs_error,
        }
    }

    /// The mode that was asked for.
    pub fn mode(&self) -> DitherMode {
        self.mode
    }

    /// The mode that runs: [`DitherMode::NoiseShaped`] becomes [`DitherMode::Tpdf`] outside
    /// the shaping sample rates.
    pub fn effective_mode(&self) -> DitherMode {
        self.effective_mode
    }

    /// Output word length.
    pub fn bits(&self) -> DitherBits {
        self.bits
    }

    /// Sample rate these coefficients were made for, in Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }

    /// Quantisation step, full-scale units: `2^−(bits−1)`.
    pub fn lsb(&self) -> f32 {
        self.bits.lsb()
    }

    /// The error-feedback taps `h₁…h₉` in use (all zero unless shaping).
    pub fn taps(&self) -> &[f64; NUM_TAPS] {
        &self.taps
    }

    /// Hard bound on the change a sample can undergo, full-scale units: `|y − x|` never
    /// exceeds it for `x ∈ [−1, 1]` (for any `x`, `|y − x_sanitised|` never does; see the
    /// module docs). 0 for [`DitherMode::Off`], `1.5 LSB` for TPDF, `1.5·(1 + Σ|hₖ|) LSB`
    /// noise-shaped.
    pub fn max_abs_error(&self) -> f32 {
        self.max_abs_error
    }

    /// Bound on how far dithering can raise the true peak, full-scale units, for a true-peak
    /// interpolator whose largest per-phase sum of absolute taps is `interpolator_l1_gain`:
    /// the interpolated error sequence is bounded by [`Self::max_abs_error`] times that sum.
    pub fn max_true_peak_increase(&self, interpolator_l1_gain: f32) -> f32 {
        (self.max_abs_error * interpolator_l1_gain).next_up()
    }

    /// Power gain `|1 − H(e^jω)|²` from the white TPDF quantiser error to the output error at
    /// `freq_hz` (linear; 1 for TPDF, 0 for Off, which adds no error).
    pub fn noise_transfer_power_gain(&self, freq_hz: f32) -> f64 {
        if self.effective_mode == DitherMode::Off {
            return 0.0;
        }
        let w = std::f64::consts::TAU * freq_hz as f64 / self.sample_rate_hz as f64;
        let (mut re, mut im) = (1.0, 0.0);
        for (k, h) in self.taps.iter().enumerate() {
            let phase = w * (k + 1) as f64;
            re -= h * phase.cos();
            im += h * phase.sin();
        }
        re * re + im * im
    }

    /// Expected mean-square output error `E[(y − x)²]`, full-scale units squared (input in
    /// range, so no clipping): `(LSB²/4)·(1 + Σhₖ²)`, 0 for Off.
    pub fn error_power(&self) -> f64 {
        if self.effective_mode == DitherMode::Off {
            return 0.0;
        }
        let lsb = 1.0 / self.steps_per_unit;
        let ntf_energy = 1.0 + self.taps.iter().map(|h| h * h).sum::<f64>();
        0.25 * lsb * lsb * ntf_energy
    }
}

/// Per-channel memory of a dither stage: the dither generator and the past quantiser errors.
/// `Copy`; realtime-safe; never allocates.
#[derive(Clone, Copy, Debug)]
pub struct DitherState {
    /// SplitMix64 state right after construction or [`Self::reset`].
    start: u64,
    /// SplitMix64 state.
    rng: u64,
    /// Past quantiser errors `e[n−1] … e[n−9]`, in LSB, each within ±1.5.
    errors_lsb: [f64; NUM_TAPS],
}

impl DitherState {
    /// A state whose dither sequence is determined by `seed`. Give each channel a different
    /// seed (e.g. its index): equal seeds give identical, fully correlated dither.
    pub fn new(seed: u64) -> Self {
        // Scatter nearby seeds across the generator's period (the mix is a bijection).
        let start = mix64(seed);
        Self {
            start,
            rng: start,
            errors_lsb: [0.0; NUM_TAPS],
        }
    }

    /// Clears the error history and restarts the dither sequence from the seed, so the
    /// output after a reset is the output of a new state. Realtime-safe.
    pub fn reset(&mut self) {
        self.rng = self.start;
        self.errors_lsb = [0.0; NUM_TAPS];
    }

    /// Dithers and quantises one sample.
    #[inline]
    pub fn process(&mut self, c: &DitherCoeffs, x: f32) -> f32 {
        match c.effective_mode {
            DitherMode::Off => x,
            DitherMode::Tpdf => self.tpdf_sample(c, x),
            DitherMode::NoiseShaped => self.shaped_sample(c, x),
        }
    }

    /// Dithers and quantises `buf` in place. Realtime-safe; the output does not depend on how
    /// a signal is split into blocks.
    pub fn process_block(&mut self, c: &DitherCoeffs, buf: &mut [f32]) {
        let mut st = *self;
        match c.effective_mode {
            DitherMode::Off => return,
            DitherMode::Tpdf => buf.iter_mut().for_each(|x| *x = st.tpdf_sample(c, *x)),
            DitherMode::NoiseShaped => buf.iter_mut().for_each(|x| *x = st.shaped_sample(c, *x)),
        }
        *self = st;
    }

    /// One TPDF-dithered, rounded sample.
    #[inline(always)]
    fn tpdf_sample(&mut self, c: &DitherCoeffs, x: f32) -> f32 {
        let v = sanitise(x) as f64 * c.steps_per_unit;
        let q = round_ties_even(v + next_tpdf_lsb(&mut self.rng));
        to_grid(c, q)
    }

    /// One sample through the error-feedback quantiser.
    #[inline(always)]
    fn shaped_sample(&mut self, c: &DitherCoeffs, x: f32) -> f32 {
        let feedback: f64 = c
            .taps
            .iter()
            .zip(&self.errors_lsb)
            .map(|(h, e)| h * e)
            .sum();
        let v = sanitise(x) as f64 * c.steps_per_unit - feedback;
        let q = round_ties_even(v + next_tpdf_lsb(&mut self.rng));
        // The error of the unclipped quantiser: always within ±1.5 LSB, which keeps the loop
        // bounded. Output clipping (only possible within a few LSB of full scale) is not
        // shaped; the clamp only makes the invariant independent of rounding details.
        let e = (q - v).clamp(-MAX_QUANTISER_ERROR_LSB, MAX_QUANTISER_ERROR_LSB);
        self.errors_lsb.copy_within(0..NUM_TAPS - 1, 1);
        self.errors_lsb[0] = e;
        to_grid(c, q)
    }
}

/// Non-finite input becomes silence, input beyond full scale is clamped to ±1.
#[inline(always)]
fn sanitise(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// Clamps an integer number of LSB to the representable range `[−2^(bits−1), 2^(bits−1) − 1]`
/// and scales it to full-scale units (exact in `f32`).
#[inline(always)]
fn to_grid(c: &DitherCoeffs, q_lsb: f64) -> f32 {
    let top = c.steps_per_unit;
    (q_lsb.clamp(-top, top - 1.0) / top) as f32
}

/// Round to nearest, ties to even, for `|v| < 2^51`.
#[inline(always)]
fn round_ties_even(v: f64) -> f64 {
    (v + ROUND_MAGIC) - ROUND_MAGIC
}

/// SplitMix64 output function (Stafford's Mix13 finaliser): a bijection on `u64`.
#[inline(always)]
fn mix64(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One TPDF dither value in LSB, in `(−1, 1)`: the sum of two independent uniforms on
/// `(−½, ½)` taken from the two halves of one SplitMix64 draw.
#[inline(always)]
fn next_tpdf_lsb(rng: &mut u64) -> f64 {
    *rng = rng.wrapping_add(GOLDEN_GAMMA);
    let r = mix64(*rng);
    let lo = r as u32 as i32 as f64;
    let hi = (r >> 32) as u32 as i32 as f64;
    // (lo + ½)·2^−32 + (hi + ½)·2^−32
    (lo + hi + 1.0) * TWO_POW_MINUS_32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oversampling::Oversampler;
    use realfft::RealFftPlanner;

    const ALL_BITS: [DitherBits; 2] = [DitherBits::Bits16, DitherBits::Bits24];

    /// Test-signal generator (xorshift64; independent of the dither's SplitMix64).
    struct TestRng(u64);

    impl TestRng {
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// Uniform in [−1, 1).
        fn bipolar(&mut self) -> f32 {
            ((self.next_u64() >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        }
    }

    fn sine(num_samples: usize, amplitude: f64, freq_hz: f64, sample_rate_hz: f64) -> Vec<f32> {
        (0..num_samples)
            .map(|n| {
                let phase = std::f64::consts::TAU * freq_hz * n as f64 / sample_rate_hz;
                (amplitude * phase.sin()) as f32
            })
            .collect()
    }

    fn dither(c: &DitherCoeffs, seed: u64, x: &[f32]) -> Vec<f32> {
        let mut y = x.to_vec();
        DitherState::new(seed).process_block(c, &mut y);
        y
    }

    /// `y − x` (exact in f64).
    fn error(x: &[f32], y: &[f32]) -> Vec<f64> {
        x.iter()
            .zip(y)
            .map(|(&a, &b)| b as f64 - a as f64)
            .collect()
    }

    fn mean_square(e: &[f64]) -> f64 {
        e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64
    }

    fn power_db(p: f64) -> f64 {
        10.0 * p.log10()
    }

    /// |FFT|² of `x` (rectangular window), bins 0..=N/2.
    fn power_spectrum(x: &[f64]) -> Vec<f64> {
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(x.len());
        let mut input = x.to_vec();
        let mut out = fft.make_output_vec();
        fft.process(&mut input, &mut out).unwrap();
        out.iter().map(|z| z.norm_sqr()).collect()
    }

    /// Welch estimate of the two-sided PSD (per sample: white noise of power σ² gives σ²),
    /// Hann window, non-overlapping frames of `frame_len`.
    fn welch_psd(x: &[f64], frame_len: usize) -> Vec<f64> {
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(frame_len);
        let window: Vec<f64> = (0..frame_len)
            .map(|n| {
                let t = std::f64::consts::TAU * n as f64 / frame_len as f64;
                0.5 - 0.5 * t.cos()
            })
            .collect();
        let window_energy: f64 = window.iter().map(|w| w * w).sum();
        let mut input = vec![0.0; frame_len];
        let mut out = fft.make_output_vec();
        let mut psd = vec![0.0; frame_len / 2 + 1];
        let frames = x.len() / frame_len;
        for frame in x.chunks_exact(frame_len) {
            for ((i, &v), &w) in input.iter_mut().zip(frame).zip(&window) {
                *i = v * w;
            }
            fft.process(&mut input, &mut out).unwrap();
            for (p, z) in psd.iter_mut().zip(&out) {
                *p += z.norm_sqr();
            }
        }
        psd.iter_mut()
            .for_each(|p| *p /= frames as f64 * window_energy);
        psd
    }

    #[test]
    fn off_is_bit_exact() {
        let mut rng = TestRng(7);
        let mut x: Vec<f32> = (0..10_000).map(|_| rng.bipolar() * 3.0).collect();
        x.extend([
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-40,
            -0.0,
            f32::MAX,
            1.0,
        ]);
        for bits in ALL_BITS {
            for rate in [44_100.0, 96_000.0] {
                let c = DitherCoeffs::new(DitherMode::Off, bits, rate);
                assert_eq!(c.max_abs_error(), 0.0);
                assert_eq!(c.error_power(), 0.0);
                let y = dither(&c, 1, &x);
                let mut st = DitherState::new(1);
                let y1: Vec<f32> = x.iter().map(|&v| st.process(&c, v)).collect();
                for (a, (b, b1)) in x.iter().zip(y.iter().zip(&y1)) {
                    assert_eq!(a.to_bits(), b.to_bits());
                    assert_eq!(a.to_bits(), b1.to_bits());
                }
            }
        }
    }

    /// The documented figures, from the formulas rather than from the code under test.
    #[test]
    fn analytic_figures() {
        let c = DitherCoeffs::new(DitherMode::Tpdf, DitherBits::Bits16, 48_000.0);
        assert_eq!(c.lsb(), 1.0 / 32_768.0);
        assert!((power_db(c.error_power()) - -96.330).abs() < 1e-3);
        let c24 = DitherCoeffs::new(DitherMode::Tpdf, DitherBits::Bits24, 48_000.0);
        assert_eq!(c24.lsb(), 1.0 / 8_388_608.0);
        assert!((power_db(c24.error_power()) - -144.494).abs() < 1e-3);
        assert!((c.max_abs_error() as f64 / (1.5 / 32_768.0) - 1.0).abs() < 1e-6);
        assert!((c24.max_abs_error() as f64 / (1.5 / 8_388_608.0) - 1.0).abs() < 1e-6);

        let l1: f64 = F_WEIGHTED_9_TAPS.iter().map(|h| h.abs()).sum();
        assert!((l1 - 21.3857).abs() < 1e-9);
        for (bits, bound_dbfs) in [
            (DitherBits::Bits16, -59.787),
            (DitherBits::Bits24, -107.952),
        ] {
            let ns = DitherCoeffs::new(DitherMode::NoiseShaped, bits, 44_100.0);
            assert_eq!(ns.effective_mode(), DitherMode::NoiseShaped);
            let bound_lsb = (ns.max_abs_error() / ns.lsb()) as f64;
            assert!(bound_lsb >= 1.5 * (1.0 + l1) && bound_lsb < 1.5 * (1.0 + l1) + 1e-4);
            let db = 20.0 * (ns.max_abs_error() as f64).log10();
            assert!((db - bound_dbfs).abs() < 1e-3, "{db}");
        }
        let ns = DitherCoeffs::new(DitherMode::NoiseShaped, DitherBits::Bits16, 44_100.0);
        // NTF at DC is 1 − Σh; at Nyquist 1 + Σ|h| (the taps alternate in sign).
        let sum: f64 = F_WEIGHTED_9_TAPS.iter().sum();
        assert!((ns.noise_transfer_power_gain(0.0) - (1.0 - sum).powi(2)).abs() < 1e-9);
        let nyquist = ns.noise_transfer_power_gain(22_050.0);
        assert!((nyquist - (1.0 + l1).powi(2)).abs() < 1e-6);
        // Documented NTF points.
        for (f, db) in [(3_000.0, -25.0), (10_000.0, -1.4), (16_000.0, 12.1)] {
            assert!(
                (power_db(ns.noise_transfer_power_gain(f)) - db).abs() < 0.05,
                "{f}"
            );
        }
        // +18.40 dB total shaped power: RMS −77.93 dBFS at 16 bit.
        assert!((power_db(ns.error_power() / c.error_power()) - 18.399).abs() < 1e-3);
        assert!((power_db(ns.error_power()) - -77.930).abs() < 1e-3);

        // Outside 44.1 kHz − 5 % … 48 kHz + 5 %, NoiseShaped falls back to TPDF.
        for rate in [
            22_050.0, 32_000.0, 41_000.0, 52_000.0, 88_200.0, 96_000.0, 192_000.0,
        ] {
            let c = DitherCoeffs::new(DitherMode::NoiseShaped, DitherBits::Bits16, rate);
            assert_eq!(c.effective_mode(), DitherMode::Tpdf, "{rate}");
            assert_eq!(c.mode(), DitherMode::NoiseShaped);
            assert!((c.max_abs_error() * 32_768.0 / 1.5 - 1.0).abs() < 1e-6);
            assert_eq!(c.noise_transfer_power_gain(1000.0), 1.0);
            assert!(c.taps().iter().all(|&h| h == 0.0));
        }
        for rate in [44_100.0, 48_000.0] {
            let c = DitherCoeffs::new(DitherMode::NoiseShaped, DitherBits::Bits24, rate);
            assert_eq!(c.effective_mode(), DitherMode::NoiseShaped, "{rate}");
        }
    }

    /// TPDF: total error power `LSB²/4` on silence and on a −60 dBFS sine, mean 0.
    #[test]
    fn tpdf_error_power_is_lsb_squared_over_4() {
        let n = 1 << 20;
        for bits in ALL_BITS {
            let c = DitherCoeffs::new(DitherMode::Tpdf, bits, 48_000.0);
            let lsb = c.lsb() as f64;
            let expected_db = power_db(lsb * lsb / 4.0);
            for (name, x) in [
                ("silence", vec![0.0f32; n]),
                ("-60 dBFS sine", sine(n, 1e-3, 997.0, 48_000.0)),
            ] {
                let e = error(&x, &dither(&c, 3, &x));
                let p_db = power_db(mean_square(&e));
                let mean = e.iter().sum::<f64>() / n as f64;
                println!(
                    "TPDF {} bit, {name}: error RMS {p_db:.3} dBFS (expected {expected_db:.3}), \
                     mean {:.2e} LSB",
                    bits.bits(),
                    mean / lsb
                );
                assert!(
                    (p_db - expected_db).abs() < 0.3,
                    "{name}: {p_db} vs {expected_db}"
                );
                // The standard error of the mean is (LSB/2)/√n.
                assert!(
                    mean.abs() < 5.0 * 0.5 * lsb / (n as f64).sqrt(),
                    "{name}: {mean}"
                );
            }
        }
    }

    /// A −100 dBFS sine (a third of an LSB at 16 bit) comes through at its level with no
    /// harmonics above the noise floor; plain rounding (the control) erases it, and a −90 dBFS
    /// sine rounded without dither has strong harmonics, so the check can fail.
    #[test]
    fn dither_makes_quantisation_linear() {
        let fs = 48_000.0;
        let n = 1 << 18;
        let k0 = 5461; // 999.9 Hz, centred on a bin: no leakage with a rectangular window
        let f0 = k0 as f64 * fs / n as f64;
        let amplitude = 1e-5; // −100 dBFS
        let x = sine(n, amplitude, f0, fs);
        let harmonics = 2..=10;
        for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
            let c = DitherCoeffs::new(mode, DitherBits::Bits16, fs as f32);
            let y: Vec<f64> = dither(&c, 11, &x).iter().map(|&v| v as f64).collect();
            let spec = power_spectrum(&y);
            let level_db = 20.0 * (2.0 * spec[k0].sqrt() / n as f64 / amplitude).log10();
            // Expected noise per bin: n·(LSB²/4)·|NTF(f)|².
            let floor = |k: usize| {
                n as f64 * (c.lsb() as f64).powi(2) / 4.0
                    * c.noise_transfer_power_gain((k as f64 * fs / n as f64) as f32)
            };
            let worst_db = harmonics
                .clone()
                .map(|m| power_db(spec[m * k0] / floor(m * k0)))
                .fold(f64::MIN, f64::max);
            println!("{mode:?}: fundamental {level_db:+.3} dB, worst harmonic {worst_db:+.1} dB re floor");
            assert!(level_db.abs() < 0.3, "{mode:?}: {level_db}");
            assert!(worst_db < 10.0, "{mode:?}: {worst_db}");
        }

        // Controls: plain rounding.
        let round = |x: &[f32]| -> Vec<f64> {
            x.iter()
                .map(|&v| (v as f64 * 32_768.0).round() / 32_768.0)
                .collect()
        };
        assert!(round(&x).iter().all(|&v| v == 0.0));
        let loud = sine(n, 10f64.powf(-90.0 / 20.0), f0, fs);
        let spec = power_spectrum(&round(&loud));
        let tpdf_floor = n as f64 / (4.0 * 32_768.0 * 32_768.0);
        let undithered_db = harmonics
            .map(|m| power_db(spec[m * k0] / tpdf_floor))
            .fold(f64::MIN, f64::max);
        println!("undithered -90 dBFS sine: worst harmonic {undithered_db:+.1} dB re TPDF floor");
        assert!(
            undithered_db > 15.0,
            "undithered: {undithered_db} dB re floor"
        );
    }

    /// The error power does not depend on the signal (no noise modulation), and is
    /// `error_power()`, for TPDF and noise-shaped dither, silence to −6 dBFS.
    #[test]
    fn no_noise_modulation() {
        let fs = 44_100.0;
        let seg = 1 << 18;
        let mut rng = TestRng(99);
        let segments: [(&str, Vec<f32>); 4] = [
            ("silence", vec![0.0; seg]),
            ("-6 dBFS sine", sine(seg, 0.5, 997.0, fs)),
            (
                "-90 dBFS sine",
                sine(seg, 10f64.powf(-90.0 / 20.0), 441.0, fs),
            ),
            (
                "-20 dBFS noise",
                (0..seg).map(|_| 0.1 * rng.bipolar()).collect(),
            ),
        ];
        let x: Vec<f32> = segments
            .iter()
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
            for bits in ALL_BITS {
                let c = DitherCoeffs::new(mode, bits, fs as f32);
                let e = error(&x, &dither(&c, 5, &x));
                let expected_db = power_db(c.error_power());
                let powers: Vec<f64> = e.chunks(seg).map(|s| power_db(mean_square(s))).collect();
                let (lo, hi) = powers
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(a, b), &p| (a.min(p), b.max(p)));
                println!(
                    "{mode:?} {} bit: error power per segment {:?} dBFS (expected {expected_db:.3}), \
                     spread {:.3} dB",
                    bits.bits(),
                    powers.iter().map(|p| (p * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
                    hi - lo
                );
                assert!(hi - lo < 0.5, "{mode:?} {bits:?}");
                for (p, (name, _)) in powers.iter().zip(&segments) {
                    assert!(
                        (p - expected_db).abs() < 0.3,
                        "{mode:?} {bits:?} {name}: {p}"
                    );
                }
            }
        }
    }

    /// The noise-shaped error spectrum is `(LSB²/4)·|NTF|²`: band powers within 0.5 dB of the
    /// formula, total within 0.3 dB, and far below TPDF where hearing is most sensitive.
    #[test]
    fn noise_shaped_spectrum_follows_ntf() {
        let n = 1 << 22;
        let frame = 4096;
        let bands_hz = [
            (100.0, 1_000.0),
            (2_000.0, 5_000.0),
            (5_000.0, 8_000.0),
            (10_000.0, 14_000.0),
            (16_000.0, 18_000.0),
            (19_000.0, 21_000.0),
        ];
        for fs in [44_100.0f32, 48_000.0] {
            for bits in ALL_BITS {
                let c = DitherCoeffs::new(DitherMode::NoiseShaped, bits, fs);
                let x = sine(n, 0.01, 1_234.5, fs as f64);
                let e = error(&x, &dither(&c, 21, &x));
                let total_db = power_db(mean_square(&e));
                let expected_total_db = power_db(c.error_power());
                assert!(
                    (total_db - expected_total_db).abs() < 0.3,
                    "{fs} {bits:?}: {total_db}"
                );
                let psd = welch_psd(&e, frame);
                let white = (c.lsb() as f64).powi(2) / 4.0; // unshaped TPDF error power
                let bin_hz = fs as f64 / frame as f64;
                let mut report = String::new();
                for &(lo, hi) in &bands_hz {
                    let bins = (lo / bin_hz).ceil() as usize..=(hi / bin_hz).floor() as usize;
                    let num_bins = bins.clone().count() as f64;
                    let measured: f64 = psd[bins.clone()].iter().sum();
                    let expected: f64 = bins
                        .map(|k| white * c.noise_transfer_power_gain((k as f64 * bin_hz) as f32))
                        .sum();
                    let diff = power_db(measured / expected);
                    let re_tpdf = power_db(expected / (white * num_bins));
                    report += &format!(" {lo}-{hi} Hz {re_tpdf:+.1} dB re TPDF (err {diff:+.2});");
                    assert!(diff.abs() < 0.5, "{fs} Hz {bits:?} {lo}-{hi} Hz: {diff} dB");
                }
                println!(
                    "shaped {fs} Hz {} bit: total {total_db:.2} dBFS (expected {expected_total_db:.2});{report}",
                    bits.bits()
                );
                // Where hearing is most sensitive the shaped floor is > 15 dB below TPDF's.
                let k = (3_500.0 / bin_hz) as usize;
                assert!(
                    power_db(psd[k - 50..k + 50].iter().sum::<f64>() / (100.0 * white)) < -15.0
                );
            }
        }
    }

    /// Outputs lie on the grid `k·LSB` within `[−1, 1 − LSB]`, are finite, and
    /// `|y − x_sanitised| ≤ max_abs_error()`, over millions of samples of full-scale and
    /// hostile input; non-finite input does not poison the feedback.
    #[test]
    fn hard_bound_grid_and_hostile_input() {
        let mut rng = TestRng(0x1234_5678);
        let mut x: Vec<f32> = Vec::new();
        for f in [997.0, 11_025.0, 20_000.0] {
            x.extend(sine(200_000, 1.0, f, 44_100.0));
        }
        x.extend((0..100_000).map(|n| if (n / 220) % 2 == 0 { 1.0 } else { -1.0 }));
        x.extend((0..100_000).map(|n| if n % 2 == 0 { 1.0 } else { -1.0 }));
        x.extend((0..400_000).map(|_| rng.bipolar()));
        for dc in [
            1.0,
            1.0 - 2f32.powi(-16),
            1.0 - 3.0 * 2f32.powi(-15),
            -1.0,
            0.99999,
        ] {
            x.extend(std::iter::repeat_n(dc, 50_000));
        }
        let hostile = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            -1e30,
            1e-42,
            1.5,
            -7.0,
        ];
        x.extend((0..200_000).map(|_| {
            let r = rng.next_u64();
            if r.is_multiple_of(4) {
                hostile[(r >> 8) as usize % hostile.len()]
            } else {
                rng.bipolar()
            }
        }));
        let silence_start = x.len();
        x.extend(std::iter::repeat_n(0.0, 200_000));

        for fs in [44_100.0, 48_000.0] {
            for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
                for bits in ALL_BITS {
                    let c = DitherCoeffs::new(mode, bits, fs);
                    let bound = c.max_abs_error() as f64;
                    let steps = (1u64 << (bits.bits() - 1)) as f64;
                    let mut st = DitherState::new(77);
                    let mut y = x.clone();
                    for block in y.chunks_mut(64) {
                        st.process_block(&c, block);
                    }
                    assert!(st
                        .errors_lsb
                        .iter()
                        .all(|e| e.is_finite() && e.abs() <= 1.5));
                    let mut worst = 0.0f64;
                    for (&xi, &yi) in x.iter().zip(&y) {
                        assert!(yi.is_finite());
                        let k = yi as f64 * steps;
                        assert!(k == k.round() && k >= -steps && k < steps, "{yi} off grid");
                        let xs = if xi.is_finite() {
                            xi.clamp(-1.0, 1.0)
                        } else {
                            0.0
                        };
                        let d = (yi as f64 - xs as f64).abs();
                        worst = worst.max(d);
                        assert!(
                            d <= bound,
                            "{mode:?} {bits:?}: |{yi} − {xi}| = {d} > {bound}"
                        );
                    }
                    println!(
                        "{mode:?} {} bit {fs} Hz: max |y − x| {:.2} LSB, bound {:.2} LSB",
                        bits.bits(),
                        worst * steps,
                        bound * steps
                    );
                    // After the hostile section, silence gets the normal error power.
                    let e = error(&x[silence_start..], &y[silence_start..]);
                    let p = power_db(mean_square(&e));
                    assert!(
                        (p - power_db(c.error_power())).abs() < 0.3,
                        "{mode:?} {bits:?}: {p}"
                    );
                }
            }
        }
    }

    /// Channels seeded differently get uncorrelated dither; equal seeds are identical.
    #[test]
    fn channels_are_uncorrelated() {
        let n = 1 << 20;
        let x = vec![0.0f32; n];
        for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
            let c = DitherCoeffs::new(mode, DitherBits::Bits16, 48_000.0);
            let l = error(&x, &dither(&c, 0, &x));
            let r = error(&x, &dither(&c, 1, &x));
            let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
            let rho = dot(&l, &r) / (dot(&l, &l) * dot(&r, &r)).sqrt();
            println!("{mode:?}: L/R error correlation {rho:.2e}");
            assert!(rho.abs() < 5.0 / (n as f64).sqrt(), "{mode:?}: {rho}");
            assert_eq!(l, error(&x, &dither(&c, 0, &x)));
        }
    }

    /// Block size does not change the output; `reset` restores a fresh state.
    #[test]
    fn block_size_independence_and_reset() {
        let mut rng = TestRng(5);
        let x: Vec<f32> = (0..20_000).map(|_| 0.3 * rng.bipolar()).collect();
        for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
            let c = DitherCoeffs::new(mode, DitherBits::Bits16, 44_100.0);
            let reference = dither(&c, 9, &x);
            for block in [1, 7, 64, 512, 4096] {
                let mut st = DitherState::new(9);
                let mut y = x.clone();
                y.chunks_mut(block).for_each(|b| st.process_block(&c, b));
                assert_eq!(y, reference, "{mode:?} block {block}");
            }
            let mut st = DitherState::new(9);
            let per_sample: Vec<f32> = x.iter().map(|&v| st.process(&c, v)).collect();
            assert_eq!(per_sample, reference);
            st.reset();
            let mut y = x.clone();
            st.process_block(&c, &mut y);
            assert_eq!(y, reference, "{mode:?} after reset");
        }
    }

    /// The true peak of the dithered output exceeds the input's by at most
    /// `max_true_peak_increase(l1)`, with `l1` the per-phase absolute tap sum of the 4×
    /// interpolator (here the crate's `Oversampler`), on full-scale input.
    #[test]
    fn true_peak_increase_bound() {
        let block = 4096;
        let mut os = Oversampler::new(block);
        let mut impulse = vec![0.0f32; block];
        impulse[0] = 1.0;
        let mut up = vec![0.0f32; 4 * block];
        os.upsample(&impulse, &mut up);
        let l1 = (0..4)
            .map(|p| up.iter().skip(p).step_by(4).map(|v| v.abs()).sum::<f32>())
            .fold(0.0f32, f32::max);
        let mut rng = TestRng(3);
        let x: Vec<f32> = (0..1 << 20)
            .map(|n| {
                if n % 3 == 0 {
                    rng.bipolar()
                } else {
                    (n as f32 * 0.7).sin()
                }
            })
            .collect();
        for bits in ALL_BITS {
            let c = DitherCoeffs::new(DitherMode::NoiseShaped, bits, 48_000.0);
            let e: Vec<f32> = error(&x, &dither(&c, 4, &x))
                .iter()
                .map(|&v| v as f32)
                .collect();
            os.reset();
            let mut worst = 0.0f32;
            for chunk in e.chunks(block) {
                os.upsample(chunk, &mut up[..4 * chunk.len()]);
                worst = up[..4 * chunk.len()]
                    .iter()
                    .fold(worst, |w, v| w.max(v.abs()));
            }
            let bound = c.max_true_peak_increase(l1);
            println!(
                "{} bit: 4× l1 gain {l1:.4}, max interpolated error {:.2} LSB, bound {:.2} LSB",
                bits.bits(),
                worst / c.lsb(),
                bound / c.lsb()
            );
            assert!(worst <= bound * (1.0 + 1e-5), "{bits:?}: {worst} > {bound}");
        }
    }
}

//! True-peak scanning after ITU-R BS.1770-4 Annex 2: oversample with a polyphase FIR and take
//! the largest magnitude.
//!
//! The interpolator is a Hann-windowed sinc with 32 taps per phase (128-tap prototype), 4× at
//! every sample rate (BS.1770-4 Annex 2 asks for at least 4× at 48 kHz). It is the
//! design of libebur128 and the `ebur128` crate with longer phases: their 12 taps per phase
//! read sines between 15 and 20 kHz +0.11 to −0.28 dB off, ours within +0.02/−0.04 dB (test
//! `accurate_across_the_audio_band`), and on a 10-minute noise programme their reading was
//! 0.14 dB under an 8× soxr reference where ours is close to it (see `cli/README.md`).
//!
//! Speed: phase 0 of this filter is the input sample itself (the sinc is zero at every other
//! tap), so only the other phases are computed. And a chunk whose largest input magnitude,
//! times the filter's worst-case gain (Σ|h| of a phase), cannot beat the true peak found so far
//! is skipped (checked per 32-frame segment): it cannot change the result, and on real
//! programme most segments are skipped.

use crate::simd::avx2_fma_available;
use std::f64::consts::PI;

/// Frames processed per call at most (callers split longer input).
pub(crate) const CHUNK_FRAMES: usize = 1024;
/// Frames per pruning segment.
const SEGMENT_FRAMES: usize = 32;
/// Taps per phase of the interpolator (the prototype low-pass has `PHASE_TAPS × factor`).
const PHASE_TAPS: usize = 32;
/// Storage per phase.
const MAX_PHASE_TAPS: usize = PHASE_TAPS;
/// Most channels.
const MAX_CHANNELS: usize = super::MAX_CHANNELS;

/// Per-channel sample and true peak scanner (linear magnitudes, 1.0 = full scale).
pub(crate) struct TruePeakScanner {
    /// Oversampling factor (4; the code also serves 2 and 1).
    factor: usize,
    /// Taps per phase.
    phase_taps: usize,
    /// `coeffs[p][k]`: tap `k` of phase `p`; output `y_p[n] = Σ_k coeffs[p][k] · x[n - k]`.
    coeffs: [[f32; MAX_PHASE_TAPS]; 4],
    /// Upper bound of |y_p| / max|x| over the phases computed, with a margin for rounding.
    bound_gain: f32,
    /// The last `phase_taps - 1` input samples of each channel, oldest first.
    history: [[f32; MAX_PHASE_TAPS]; MAX_CHANNELS],
    /// Scratch: history followed by the current chunk.
    extended: Box<[f32]>,
    /// Whether the CPU has AVX2 and FMA (checked once; selects the 8-lane kernel).
    use_avx2_fma: bool,
    /// Largest |x| per channel.
    sample_peaks: [f32; MAX_CHANNELS],
    /// Largest interpolated |y| per channel (≥ the sample peak).
    true_peaks: [f32; MAX_CHANNELS],
}

/// Largest absolute value, written so that the compiler vectorises it.
#[inline]
fn max_abs(x: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for chunk in &mut chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            let a = v.abs();
            *m = if a > *m { a } else { *m };
        }
    }
    let mut m = chunks
        .remainder()
        .iter()
        .fold(0f32, |m, &v| if v.abs() > m { v.abs() } else { m });
    for l in lanes {
        m = if l > m { l } else { m };
    }
    m
}

/// The interpolation work of one chunk of one channel.
struct Scan<'a> {
    /// Phases 1.. of the interpolator (phase 0 is the input itself).
    phases: &'a [[f32; MAX_PHASE_TAPS]],
    /// History (`hist_len` samples) followed by the chunk (`len` samples) and slack.
    ext: &'a [f32],
    /// Samples of history in front of the chunk (`PHASE_TAPS - 1`).
    hist_len: usize,
    /// Samples in the chunk.
    len: usize,
    /// Worst-case gain of a phase (pruning bound).
    bound_gain: f32,
}

impl Scan<'_> {
    /// Largest |output| over the chunk, or `known_peak` if larger. Segments whose input (and
    /// the filter's reach into the past) cannot produce an output above the known peak are
    /// skipped. `FMA` selects fused multiply-add (only where the CPU has it: elsewhere
    /// `mul_add` would be a slow library call).
    #[inline(always)]
    fn run<const FMA: bool>(&self, mut known_peak: f32) -> f32 {
        let hist_len = self.hist_len;
        for seg_start in (0..self.len).step_by(SEGMENT_FRAMES) {
            let seg_len = SEGMENT_FRAMES.min(self.len - seg_start);
            let reach = &self.ext[seg_start..hist_len + seg_start + seg_len];
            if max_abs(reach) * self.bound_gain <= known_peak {
                continue;
            }
            for phase in self.phases {
                // y[n] = Σ_k h[k] · x[n - k], with x[n] = ext[hist_len + n]: 32 outputs at
                // once in fixed-size arrays, which the compiler keeps in vector registers.
                let mut acc = [0f32; SEGMENT_FRAMES];
                for (k, &h) in phase.iter().enumerate() {
                    let from = hist_len + seg_start - k;
                    let Some(src) = self.ext.get(from..from + SEGMENT_FRAMES) else {
                        continue;
                    };
                    for (a, &v) in acc.iter_mut().zip(src) {
                        *a = if FMA { h.mul_add(v, *a) } else { *a + h * v };
                    }
                }
                // Outputs past the chunk's end read stale samples: ignore them.
                known_peak = known_peak.max(max_abs(&acc[..seg_len]));
            }
        }
        known_peak
    }

    /// [`Scan::run`] compiled for AVX2 + FMA (8 lanes, fused multiply-add).
    #[cfg(target_arch = "x86_64")]
    fn run_fast(&self, known_peak: f32) -> f32 {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn run_avx2_fma(scan: &Scan<'_>, known_peak: f32) -> f32 {
            scan.run::<true>(known_peak)
        }
        // SAFETY: only called when `avx2_fma_available()` said the CPU has both features.
        unsafe { run_avx2_fma(self, known_peak) }
    }

    /// No fast kernel on this architecture.
    #[cfg(not(target_arch = "x86_64"))]
    fn run_fast(&self, known_peak: f32) -> f32 {
        self.run::<false>(known_peak)
    }
}

/// Taps per phase of the true-peak interpolator (public to the crate: the limiter detects with
/// exactly the filter the meter reads with).
pub(crate) const INTERPOLATOR_PHASE_TAPS: usize = PHASE_TAPS;

/// The 4× interpolator's polyphase taps: `phases[p][k]`, output
/// `y_p[n] = Σ_k phases[p][k] · x[n − k]` is the signal at time `n − 16 + p/4` (phase 0 is the
/// input delayed by 16 samples). A Hann-windowed sinc, the design of libebur128 / `ebur128`
/// (BS.1770-4 Annex 2) with 32 instead of 12 taps per phase.
pub(crate) fn interpolator_phases() -> [[f32; MAX_PHASE_TAPS]; 4] {
    let factor = 4;
    let taps = PHASE_TAPS * factor;
    let mut coeffs = [[0f32; MAX_PHASE_TAPS]; 4];
    // Coefficient j = k·factor + p of the prototype.
    for j in 0..taps {
        let (k, p) = (j / factor, j % factor);
        let jf = j as f64;
        let window = taps as f64;
        let w = 0.5 * (1.0 - (2.0 * PI * jf / window).cos());
        let m = jf - window / 2.0;
        let c = if m.abs() > 1e-6 {
            w * (m * PI / factor as f64).sin() / (m * PI / factor as f64)
        } else {
            w
        };
        coeffs[p][k] = c as f32;
    }
    coeffs
}

impl TruePeakScanner {
    /// A scanner for `sample_rate_hz` (allocates two chunk-sized scratch buffers).
    pub fn new(sample_rate_hz: u32) -> Self {
        // BS.1770-4 Annex 2 asks for 4× at 48 kHz; we oversample 4× at every rate (the cost
        // only falls on the few segments that are not skipped).
        let _ = sample_rate_hz;
        let factor = 4;
        let phase_taps = PHASE_TAPS;
        let coeffs = interpolator_phases();
        let bound_gain = (1..factor)
            .map(|p| coeffs[p][..phase_taps].iter().map(|c| c.abs()).sum::<f32>())
            .fold(1.0f32, f32::max)
            * 1.001;
        Self {
            factor,
            phase_taps,
            coeffs,
            bound_gain,
            history: [[0.0; MAX_PHASE_TAPS]; MAX_CHANNELS],
            // Room for a whole last segment past the chunk (its extra outputs are ignored).
            extended: vec![0.0; CHUNK_FRAMES + MAX_PHASE_TAPS + SEGMENT_FRAMES].into_boxed_slice(),
            use_avx2_fma: avx2_fma_available(),
            sample_peaks: [0.0; MAX_CHANNELS],
            true_peaks: [0.0; MAX_CHANNELS],
        }
    }

    /// Forgets peaks and history.
    pub fn reset(&mut self) {
        self.history = [[0.0; MAX_PHASE_TAPS]; MAX_CHANNELS];
        self.sample_peaks = [0.0; MAX_CHANNELS];
        self.true_peaks = [0.0; MAX_CHANNELS];
    }

    /// Largest |sample| of `channel` so far.
    pub fn sample_peak(&self, channel: usize) -> f32 {
        self.sample_peaks[channel]
    }

    /// Largest interpolated |sample| of `channel` so far (never below the sample peak).
    pub fn true_peak(&self, channel: usize) -> f32 {
        self.true_peaks[channel].max(self.sample_peaks[channel])
    }

    /// Scans the next `x.len() <= CHUNK_FRAMES` samples of `channel`.
    pub fn process(&mut self, channel: usize, x: &[f32]) {
        debug_assert!(x.len() <= CHUNK_FRAMES);
        let len = x.len();
        let chunk_max = max_abs(x);
        if chunk_max > self.sample_peaks[channel] {
            self.sample_peaks[channel] = chunk_max;
        }
        if self.factor == 1 {
            return;
        }
        let hist_len = self.phase_taps - 1;
        self.extended[..hist_len].copy_from_slice(&self.history[channel][..hist_len]);
        self.extended[hist_len..hist_len + len].copy_from_slice(x);
        let known_peak = self.true_peaks[channel].max(self.sample_peaks[channel]);
        let scan = Scan {
            phases: &self.coeffs[1..self.factor],
            ext: &self.extended,
            hist_len,
            len,
            bound_gain: self.bound_gain,
        };
        let known_peak = if self.use_avx2_fma {
            scan.run_fast(known_peak)
        } else {
            scan.run::<false>(known_peak)
        };
        self.true_peaks[channel] = known_peak;
        // Keep the last `hist_len` samples for the next chunk.
        self.history[channel][..hist_len].copy_from_slice(&self.extended[len..len + hist_len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Phase 0 is the (delayed) input itself, which is why it is skipped.
    #[test]
    fn phase_zero_is_identity() {
        for rate in [48_000, 96_000] {
            let s = TruePeakScanner::new(rate);
            let p0 = &s.coeffs[0][..s.phase_taps];
            let centre = s.phase_taps / 2;
            for (k, &c) in p0.iter().enumerate() {
                let want = if k == centre { 1.0 } else { 0.0 };
                assert!((c - want).abs() < 1e-6, "{rate}: tap {k} = {c}");
            }
        }
    }

    /// Skipping segments never changes the result: compare with a scanner that never skips.
    #[test]
    fn pruning_is_exact() {
        let rate = 44_100;
        let x: Vec<f32> = (0..20_000)
            .map(|n| {
                let t = n as f32 / rate as f32;
                // fs/4 at 45°: every sample misses the crest by 3 dB.
                let freq = rate as f32 / 4.0;
                (0.3 + 0.6 * (t * 3.0).sin().abs())
                    * (2.0 * std::f32::consts::PI * freq * t + std::f32::consts::FRAC_PI_4).sin()
            })
            .collect();
        let mut pruned = TruePeakScanner::new(rate);
        let mut full = TruePeakScanner::new(rate);
        full.bound_gain = f32::MAX;
        for block in x.chunks(333) {
            pruned.process(0, block);
            full.process(0, block);
        }
        assert_eq!(pruned.true_peak(0), full.true_peak(0));
        assert!(full.true_peak(0) > full.sample_peak(0));
    }

    /// Sines up to 20 kHz (their true peak is their amplitude) at phases that miss the crest:
    /// the reading stays within +0.05/-0.1 dB of the amplitude across the audio band. (The
    /// 48-tap design of libebur128 / `ebur128` reads +0.11 to -0.28 dB here.)
    #[test]
    fn accurate_across_the_audio_band() {
        let mut failures = 0;
        for rate in [44_100u32, 48_000, 96_000, 384_000] {
            let mut worst = 0.0f64;
            for freq in [997.0, 5_000.0, 10_000.0, 15_000.0, 18_000.0, 20_000.0] {
                for phase in [0.1f64, 0.37, 0.77, 1.3] {
                    let x: Vec<f32> = (0..rate as usize / 2)
                        .map(|n| {
                            let t = n as f64 / rate as f64;
                            // 10 ms fade-in: an abrupt start would overshoot (Gibbs), truly.
                            let fade = (t / 0.01).min(1.0);
                            (fade * 0.5 * (2.0 * std::f64::consts::PI * freq * t + phase).sin())
                                as f32
                        })
                        .collect();
                    let mut s = TruePeakScanner::new(rate);
                    for block in x.chunks(CHUNK_FRAMES) {
                        s.process(0, block);
                    }
                    let err = 20.0 * (s.true_peak(0) as f64 / 0.5).log10();
                    if err.abs() > worst.abs() {
                        worst = err;
                    }
                    eprintln!("{rate} Hz, {freq} Hz sine, phase {phase}: error {err:+.3} dB");
                    failures += usize::from(!(-0.1..=0.05).contains(&err));
                }
            }
            eprintln!("true peak, sines to 20 kHz @ {rate} Hz: worst error {worst:+.3} dB");
        }
        assert_eq!(failures, 0, "readings outside +0.05/-0.1 dB");
    }

    /// The AVX2/FMA kernel (when the CPU has it) equals the portable one over odd lengths.
    #[test]
    fn fast_kernel_matches_portable() {
        crate::simd::fast_path_testable("true-peak AVX2 kernel");
        let mut state = 0x1234_5678_9abc_def1u64;
        let x: Vec<f32> = (0..50_000)
            .map(|n| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let white = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                // Louder and louder, so the pruning keeps letting segments through.
                white * (1.0 + n as f32 / 10_000.0)
            })
            .collect();
        for block_len in [1, 7, 31, 33, 333, CHUNK_FRAMES] {
            let mut portable = TruePeakScanner::new(48_000);
            portable.use_avx2_fma = false;
            let mut fast = TruePeakScanner::new(48_000);
            for block in x.chunks(block_len) {
                portable.process(0, block);
                fast.process(0, block);
            }
            let (a, b) = (portable.true_peak(0), fast.true_peak(0));
            assert!((a - b).abs() <= 1e-6 * a, "block {block_len}: {a} vs {b}");
            assert!(a > portable.sample_peak(0));
        }
    }
}

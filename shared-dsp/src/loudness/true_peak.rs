//! True-peak scanning after ITU-R BS.1770-4 Annex 2: oversample with a polyphase FIR and take
//! the largest magnitude.
//!
//! The interpolator is libebur128's (and the `ebur128` crate's): a 48-tap Hann-windowed sinc,
//! 4× below 96 kHz (12 taps per phase), 2× below 192 kHz (24 taps per phase), none from
//! 192 kHz on, so the signal is always examined at 176.4 kHz or more, which is what Annex 2's
//! "4× at 48 kHz" aims at. Readings therefore agree with `ebur128` to f32 rounding.
//!
//! Speed: phase 0 of this filter is the input sample itself (the sinc is zero at every other
//! tap), so only the other phases are computed. And a chunk whose largest input magnitude,
//! times the filter's worst-case gain (Σ|h| of a phase), cannot beat the true peak found so far
//! is skipped (checked per 32-frame segment): it cannot change the result, and on real
//! programme most segments are skipped.

use std::f64::consts::PI;

/// Frames processed per call at most (callers split longer input).
pub(crate) const CHUNK_FRAMES: usize = 1024;
/// Frames per pruning segment.
const SEGMENT_FRAMES: usize = 32;
/// Taps of the prototype low-pass.
const TAPS: usize = 48;
/// Largest taps-per-phase (2×).
const MAX_PHASE_TAPS: usize = 24;
/// Most channels.
const MAX_CHANNELS: usize = super::MAX_CHANNELS;

/// Per-channel sample and true peak scanner (linear magnitudes, 1.0 = full scale).
pub(crate) struct TruePeakScanner {
    /// Oversampling factor: 4, 2 or 1.
    factor: usize,
    /// Taps per phase: `TAPS / factor` (unused when `factor == 1`).
    phase_taps: usize,
    /// `coeffs[p][k]`: tap `k` of phase `p`; output `y_p[n] = Σ_k coeffs[p][k] · x[n - k]`.
    coeffs: [[f32; MAX_PHASE_TAPS]; 4],
    /// Upper bound of |y_p| / max|x| over the phases computed, with a margin for rounding.
    bound_gain: f32,
    /// The last `phase_taps - 1` input samples of each channel, oldest first.
    history: [[f32; MAX_PHASE_TAPS]; MAX_CHANNELS],
    /// Scratch: history followed by the current chunk.
    extended: Box<[f32]>,
    /// Scratch: one phase's output for a segment.
    phase_out: Box<[f32]>,
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

impl TruePeakScanner {
    /// A scanner for `sample_rate_hz` (allocates two chunk-sized scratch buffers).
    pub fn new(sample_rate_hz: u32) -> Self {
        let factor = if sample_rate_hz < 96_000 {
            4
        } else if sample_rate_hz < 192_000 {
            2
        } else {
            1
        };
        let phase_taps = TAPS / factor;
        let mut coeffs = [[0f32; MAX_PHASE_TAPS]; 4];
        if factor > 1 {
            // Same design and layout as ebur128's `InterpF`: coefficient j = k·factor + p.
            for j in 0..TAPS {
                let (k, p) = (j / factor, j % factor);
                let jf = j as f64;
                let window = TAPS as f64;
                let w = 0.5 * (1.0 - (2.0 * PI * jf / window).cos());
                let m = jf - window / 2.0;
                let c = if m.abs() > 1e-6 {
                    w * (m * PI / factor as f64).sin() / (m * PI / factor as f64)
                } else {
                    w
                };
                coeffs[p][k] = c as f32;
            }
        }
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
            extended: vec![0.0; CHUNK_FRAMES + MAX_PHASE_TAPS].into_boxed_slice(),
            phase_out: vec![0.0; SEGMENT_FRAMES].into_boxed_slice(),
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
        let ext = &mut self.extended[..hist_len + len];
        ext[..hist_len].copy_from_slice(&self.history[channel][..hist_len]);
        ext[hist_len..].copy_from_slice(x);
        let mut known_peak = self.true_peaks[channel].max(self.sample_peaks[channel]);
        // Short segments: a segment is interpolated only if its input (plus the filter's
        // reach into the past) is loud enough that an output could beat the known peak.
        for seg_start in (0..len).step_by(SEGMENT_FRAMES) {
            let seg_len = SEGMENT_FRAMES.min(len - seg_start);
            let reach = &ext[seg_start..hist_len + seg_start + seg_len];
            if max_abs(reach) * self.bound_gain <= known_peak {
                continue;
            }
            let out = &mut self.phase_out[..seg_len];
            // Phase 0 is the input itself (already in the sample peak).
            for phase in &self.coeffs[1..self.factor] {
                out.fill(0.0);
                for (k, &h) in phase[..self.phase_taps].iter().enumerate() {
                    // y[n] += h · x[n - k], with x[n] = ext[hist_len + n].
                    let from = hist_len + seg_start - k;
                    for (o, &v) in out.iter_mut().zip(&ext[from..from + seg_len]) {
                        *o += h * v;
                    }
                }
                known_peak = known_peak.max(max_abs(out));
            }
        }
        self.true_peaks[channel] = known_peak;
        // Keep the last `hist_len` samples for the next chunk.
        self.history[channel][..hist_len].copy_from_slice(&ext[len..len + hist_len]);
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
}

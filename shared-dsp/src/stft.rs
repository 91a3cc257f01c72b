//! A streaming short-time Fourier transform with perfect-reconstruction overlap-add.
//!
//! Weighted overlap-add (WOLA) analysis/synthesis after J. B. Allen & L. R. Rabiner, "A unified
//! approach to short-time Fourier analysis and synthesis", Proc. IEEE 65(11), 1977, and
//! D. W. Griffin & J. S. Lim, "Signal estimation from modified short-time Fourier transform",
//! IEEE Trans. ASSP 32(2), 1984: every hop the newest `N` input samples are multiplied by the
//! analysis window, transformed, handed to a [`SpectralFrame`] that may modify the `N/2 + 1`
//! bins in place, transformed back, multiplied by the synthesis window and added into an
//! output accumulator. Both windows are the square root of the periodic Hann window; their
//! product (a periodic Hann) overlap-adds to a constant at hops of `N/4` and `N/8`, and the
//! synthesis window is divided by that constant (and by `N`, the gain of the unnormalised
//! inverse FFT), so an unmodified spectrum reconstructs the input exactly, delayed by
//! [`StftProcessor::latency_samples`] = `N − 1`.
//!
//! ```text
//! x → [last N samples] × w_a → FFT → frame(bins) → IFFT × w_s → overlap-add → y(t) = x(t − N + 1)
//! ```
//!
//! [`StftProcessor::new`] plans the FFTs (`realfft`) and sizes the buffers for every size in
//! [`FFT_SIZES`], so [`StftProcessor::set_size`] and [`StftProcessor::process`] never allocate.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// The periodic Hann window's value at `i` of `n` (Harris, "On the use of windows for harmonic
/// analysis with the discrete Fourier transform", Proc. IEEE 66(1), 1978): `0.5 − 0.5·cos(2πi/n)`,
/// which overlap-adds to a constant at hops of `n/2`, `n/4`, ….
pub fn periodic_hann(i: usize, n: usize) -> f64 {
    0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()
}

/// Smallest FFT size, samples.
pub const MIN_FFT_SIZE: usize = 256;
/// Largest FFT size, samples.
pub const MAX_FFT_SIZE: usize = 8192;
/// Every supported FFT size (powers of two), smallest first.
pub const FFT_SIZES: [usize; 6] = [256, 512, 1024, 2048, 4096, 8192];
/// Supported overlaps (frames per FFT length): hop = FFT size / overlap.
pub const OVERLAPS: [usize; 2] = [4, 8];
/// Default overlap.
pub const DEFAULT_OVERLAP: usize = 4;

/// Receives each analysis frame: the `N/2 + 1` bins (DC to Nyquist) of the windowed frame,
/// to modify in place. The imaginary parts of the DC and Nyquist bins are ignored on
/// resynthesis. Called once per hop, on the audio thread: must not allocate.
pub trait SpectralFrame {
    /// Processes one frame of `N/2 + 1` bins in place.
    fn process_frame(&mut self, bins: &mut [Complex32]);
}

impl<F: FnMut(&mut [Complex32])> SpectralFrame for F {
    fn process_frame(&mut self, bins: &mut [Complex32]) {
        self(bins)
    }
}

/// The plans and window of one FFT size.
struct SizePlan {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    /// Square root of the periodic Hann window, length N (analysis and, scaled, synthesis).
    window: Vec<f32>,
    /// Σ window², the analysis window's energy.
    window_energy: f32,
    /// Synthesis scale per entry of [`OVERLAPS`]: 1 / (N · overlap-add sum of w_a·w_s).
    synthesis_scale: [f32; 2],
}

/// Streaming mono STFT analysis → frame callback → WOLA resynthesis. See the module docs.
pub struct StftProcessor {
    plans: Vec<SizePlan>,
    size_index: usize,
    overlap_index: usize,
    fft_size: usize,
    hop: usize,
    /// The newest `N − hop` samples at `[0, N − hop)`, the current hop filling `[N − hop, N)`.
    input: Vec<f32>,
    /// Overlap-add accumulator; `output[0]` is the next completed sample after a frame.
    output: Vec<f32>,
    time: Vec<f32>,
    bins: Vec<Complex32>,
    scratch: Vec<Complex32>,
    /// Samples already written into the current hop, `0..hop`.
    hop_pos: usize,
}

impl Default for StftProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl StftProcessor {
    /// Plans every FFT size and allocates every buffer; starts at 2048 / overlap 4.
    pub fn new() -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let mut scratch_len = 0;
        let plans: Vec<SizePlan> = FFT_SIZES
            .iter()
            .map(|&n| {
                let forward = planner.plan_fft_forward(n);
                let inverse = planner.plan_fft_inverse(n);
                scratch_len = scratch_len
                    .max(forward.get_scratch_len())
                    .max(inverse.get_scratch_len());
                let window: Vec<f32> = (0..n).map(|i| periodic_hann(i, n).sqrt() as f32).collect();
                let window_energy = window.iter().map(|&w| (w as f64).powi(2)).sum::<f64>() as f32;
                let mut synthesis_scale = [0.0; 2];
                for (scale, &overlap) in synthesis_scale.iter_mut().zip(OVERLAPS.iter()) {
                    // The overlap-add sum of w_a·w_s (constant for a periodic Hann; averaged
                    // over one hop in f64 so rounding does not favour one phase).
                    let hop = n / overlap;
                    let mut sum = 0.0f64;
                    for j in 0..hop {
                        let mut s = 0.0f64;
                        let mut i = j;
                        while i < n {
                            s += (window[i] as f64).powi(2);
                            i += hop;
                        }
                        sum += s;
                    }
                    let ola = sum / hop as f64;
                    *scale = (1.0 / (n as f64 * ola)) as f32;
                }
                SizePlan {
                    forward,
                    inverse,
                    window,
                    window_energy,
                    synthesis_scale,
                }
            })
            .collect();
        let mut s = Self {
            plans,
            size_index: 0,
            overlap_index: 0,
            fft_size: MIN_FFT_SIZE,
            hop: MIN_FFT_SIZE / DEFAULT_OVERLAP,
            input: vec![0.0; MAX_FFT_SIZE],
            output: vec![0.0; MAX_FFT_SIZE],
            time: vec![0.0; MAX_FFT_SIZE],
            bins: vec![Complex32::new(0.0, 0.0); MAX_FFT_SIZE / 2 + 1],
            scratch: vec![Complex32::new(0.0, 0.0); scratch_len],
            hop_pos: 0,
        };
        s.set_size(2048, DEFAULT_OVERLAP);
        s
    }

    /// Selects the FFT size (rounded to the nearest supported power of two in
    /// [`MIN_FFT_SIZE`, `MAX_FFT_SIZE`]) and the overlap (8 if `overlap >= 8`, else 4).
    /// Realtime-safe; clears the audio memory when either changes, does nothing otherwise.
    pub fn set_size(&mut self, fft_size: usize, overlap: usize) {
        let size_index = FFT_SIZES
            .iter()
            .enumerate()
            .min_by_key(|(_, &n)| n.abs_diff(fft_size))
            .map_or(0, |(i, _)| i);
        let overlap_index = usize::from(overlap >= 8);
        if size_index == self.size_index
            && overlap_index == self.overlap_index
            && self.fft_size == FFT_SIZES[size_index]
        {
            return;
        }
        self.size_index = size_index;
        self.overlap_index = overlap_index;
        self.fft_size = FFT_SIZES[size_index];
        self.hop = self.fft_size / OVERLAPS[overlap_index];
        self.reset();
    }

    /// Clears the audio memory (the output restarts as the delayed input of what follows).
    /// Realtime-safe.
    pub fn reset(&mut self) {
        self.input.fill(0.0);
        self.output.fill(0.0);
        self.hop_pos = 0;
    }

    /// The current FFT size `N`, samples.
    pub fn fft_size(&self) -> usize {
        self.fft_size
    }

    /// The current overlap (4 or 8).
    pub fn overlap(&self) -> usize {
        OVERLAPS[self.overlap_index]
    }

    /// The hop between frames, samples (`N / overlap`).
    pub fn hop_samples(&self) -> usize {
        self.hop
    }

    /// Bins per frame, `N/2 + 1`.
    pub fn num_bins(&self) -> usize {
        self.fft_size / 2 + 1
    }

    /// Σ w_a² of the current analysis window: the expected `|X_k|²` of unit-variance white
    /// noise, to normalise power spectra to a per-sample density independent of `N`.
    pub fn window_energy(&self) -> f32 {
        self.plans[self.size_index].window_energy
    }

    /// Latency of the current size, samples: `N − 1`.
    pub fn latency_samples(&self) -> usize {
        Self::latency_samples_for(self.fft_size)
    }

    /// Latency at FFT size `fft_size` (any overlap), samples: `fft_size − 1`.
    pub fn latency_samples_for(fft_size: usize) -> usize {
        fft_size - 1
    }

    /// Processes any number of samples in place, calling `frame` once per completed hop.
    /// The output does not depend on how the signal is split into calls.
    pub fn process<F: SpectralFrame + ?Sized>(&mut self, buf: &mut [f32], frame: &mut F) {
        let n = self.fft_size;
        let hop = self.hop;
        let mut i = 0;
        while i < buf.len() {
            let k = self.hop_pos;
            let take = (hop - k).min(buf.len() - i);
            let chunk = &mut buf[i..i + take];
            self.input[n - hop + k..n - hop + k + take].copy_from_slice(chunk);
            // Hop position p < hop − 1 emits output[p + 1] (left by the previous frame); the
            // last position runs the frame first and emits the new output[0].
            let direct = take.min(hop - 1 - k);
            chunk[..direct].copy_from_slice(&self.output[k + 1..k + 1 + direct]);
            if k + take == hop {
                self.run_frame(frame);
                chunk[take - 1] = self.output[0];
                self.hop_pos = 0;
            } else {
                self.hop_pos = k + take;
            }
            i += take;
        }
    }

    fn run_frame<F: SpectralFrame + ?Sized>(&mut self, frame: &mut F) {
        let n = self.fft_size;
        let hop = self.hop;
        let plan = &self.plans[self.size_index];
        let nb = n / 2 + 1;

        for ((t, &x), &w) in self.time[..n]
            .iter_mut()
            .zip(&self.input[..n])
            .zip(&plan.window)
        {
            *t = x * w;
        }
        // Lengths are right by construction, so neither transform can fail.
        let _ = plan.forward.process_with_scratch(
            &mut self.time[..n],
            &mut self.bins[..nb],
            &mut self.scratch,
        );
        frame.process_frame(&mut self.bins[..nb]);
        self.bins[0].im = 0.0;
        self.bins[nb - 1].im = 0.0;
        let _ = plan.inverse.process_with_scratch(
            &mut self.bins[..nb],
            &mut self.time[..n],
            &mut self.scratch,
        );

        self.output.copy_within(hop..n, 0);
        self.output[n - hop..n].fill(0.0);
        let scale = plan.synthesis_scale[self.overlap_index];
        for ((o, &t), &w) in self.output[..n]
            .iter_mut()
            .zip(&self.time[..n])
            .zip(&plan.window)
        {
            *o += t * w * scale;
        }
        self.input.copy_within(hop..n, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_signal(len: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let noise = (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
                0.3 * noise + 0.4 * (i as f32 * 0.0123).sin() + 0.2 * (i as f32 * 0.61).sin()
            })
            .collect()
    }

    /// (error energy / signal energy in dB, max |error| / max |x| in dB) of `y` against `x`
    /// delayed by `latency`.
    fn null_db(x: &[f32], y: &[f32], latency: usize) -> (f64, f64) {
        let mut e2 = 0.0f64;
        let mut x2 = 0.0f64;
        let mut emax = 0.0f64;
        let mut xmax = 0.0f64;
        for i in latency..y.len() {
            let xi = x[i - latency] as f64;
            let e = y[i] as f64 - xi;
            e2 += e * e;
            x2 += xi * xi;
            emax = emax.max(e.abs());
            xmax = xmax.max(xi.abs());
        }
        (
            10.0 * (e2 / x2).log10(),
            20.0 * (emax.max(1e-30) / xmax).log10(),
        )
    }

    #[test]
    fn resynthesis_nulls_at_every_size_and_overlap() {
        let mut stft = StftProcessor::new();
        for &n in &FFT_SIZES {
            for &ov in &OVERLAPS {
                stft.set_size(n, ov);
                stft.reset();
                assert_eq!(stft.fft_size(), n);
                assert_eq!(stft.overlap(), ov);
                let x = test_signal(4 * n + 1234, n as u64);
                let mut y = x.clone();
                stft.process(&mut y, &mut |_: &mut [Complex32]| {});
                let (rel, peak) = null_db(&x, &y, stft.latency_samples());
                println!("N {n} ov {ov}: null {rel:.1} dB, peak {peak:.1} dB");
                assert!(
                    rel < -120.0 && peak < -120.0,
                    "N {n} ov {ov}: {rel:.1} dB, peak {peak:.1} dB"
                );
            }
        }
    }

    #[test]
    fn impulse_latency_matches_report() {
        let mut stft = StftProcessor::new();
        for &n in &FFT_SIZES {
            for &ov in &OVERLAPS {
                stft.set_size(n, ov);
                stft.reset();
                let mut y = vec![0.0; 3 * n];
                y[0] = 1.0;
                stft.process(&mut y, &mut |_: &mut [Complex32]| {});
                let peak = y
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                    .map(|(i, _)| i)
                    .unwrap();
                assert_eq!(peak, stft.latency_samples(), "N {n} ov {ov}");
                assert_eq!(peak, n - 1);
                assert!((y[peak] - 1.0).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn output_does_not_depend_on_block_size() {
        let x = test_signal(20_000, 7);
        let mut reference: Option<Vec<f32>> = None;
        for block in [1usize, 7, 64, 512, 4096, 20_000] {
            let mut stft = StftProcessor::new();
            stft.set_size(1024, 8);
            let mut y = x.clone();
            // A modifying frame, so the comparison covers more than the identity.
            let mut frame = |bins: &mut [Complex32]| {
                for (k, b) in bins.iter_mut().enumerate() {
                    *b *= 1.0 / (1.0 + k as f32 * 0.01);
                }
            };
            for c in y.chunks_mut(block) {
                stft.process(c, &mut frame);
            }
            match &reference {
                None => reference = Some(y),
                Some(r) => assert!(r == &y, "block {block}"),
            }
        }
    }

    #[test]
    fn switching_size_restarts_as_delayed_input() {
        let mut stft = StftProcessor::new();
        let a = test_signal(10_000, 1);
        let b = test_signal(30_000, 2);
        for (n, ov) in [(8192, 8), (256, 4), (4096, 4), (512, 8)] {
            let mut y = a.clone();
            stft.process(&mut y, &mut |_: &mut [Complex32]| {});
            stft.set_size(n, ov);
            let mut y = b.clone();
            stft.process(&mut y, &mut |_: &mut [Complex32]| {});
            let lat = stft.latency_samples();
            assert!(y[..lat].iter().all(|v| v.abs() < 1e-6));
            let (rel, _) = null_db(&b, &y, lat);
            assert!(rel < -120.0, "to {n}/{ov}: {rel:.1} dB");
        }
    }

    #[test]
    fn frame_sees_windowed_spectrum() {
        // A bin-centred sine shows up at its bin with amplitude A·Σw/2.
        let mut stft = StftProcessor::new();
        stft.set_size(1024, 4);
        let k0 = 64;
        let x: Vec<f32> = (0..4096)
            .map(|i| (std::f32::consts::TAU * k0 as f32 * i as f32 / 1024.0).cos())
            .collect();
        let sum_w: f32 = stft.plans[stft.size_index].window.iter().sum();
        let mut peak_bin = 0;
        let mut peak_mag = 0.0;
        let mut y = x.clone();
        stft.process(&mut y, &mut |bins: &mut [Complex32]| {
            let (i, m) = bins
                .iter()
                .map(|b| b.norm())
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            peak_bin = i;
            peak_mag = m;
        });
        assert_eq!(peak_bin, k0);
        assert!((peak_mag / (sum_w / 2.0) - 1.0).abs() < 1e-3);
    }
}

//! De-clip: finds runs of samples held at the clipping level and rebuilds them by constrained
//! least-squares AR interpolation (S. J. Godsill and P. J. W. Rayner, *Digital Audio
//! Restoration*, Springer 1998, ch. 5: LSAR interpolation §5.2.2; clipped samples as
//! constrained unknowns, cf. §5.5 and W. Etter, "Restoration of a discrete-time signal segment
//! by interpolation based on the left-sided and right-sided autoregressive parameters", IEEE
//! Trans. Signal Processing 44(5), 1996).
//!
//! **Clip level.** In auto mode the unit tracks the largest positive and the largest negative
//! sample since the reset, separately (clipping is often asymmetric), and counts *flat runs*:
//! two or more consecutive samples within 10⁻⁴ (relative) of that extreme. A clean recording's
//! extreme is a single sample, so its histogram has no spike at the top; a clipped one sits at
//! the same value over and over. After four flat runs at the same level that level counts as
//! the clip level (a new, larger extreme starts the count again). In manual mode the level is
//! `clip_level_db` for both polarities.
//!
//! **Rebuild.** Per hop (≈ 21 ms) runs of samples at (or beyond) the level that start in the
//! hop are collected (runs longer than 3 ms are left alone, at most half a hop of samples per
//! hop). An AR model (order 32, autocorrelation method with a −40 dB white floor, see
//! [`super::ar`]) is fitted to the frame around the hop, and the run samples are solved for by
//! LSAR, cluster by cluster (runs closer than the model order share residual rows and are
//! solved jointly). The constraint — a rebuilt sample keeps its sign and is at least as large
//! as its clipped value — is enforced by *solve, then project*: samples that come out below
//! are pinned to it and the rest are solved again (at most four passes), the last pass is
//! clamped. Then the model is re-fitted by Burg's method on the rebuilt frame (which no longer
//! has flat tops) and the solve repeated once. Rebuilt peaks are capped at +12 dB over the
//! clipped value. Every other sample passes unchanged (delayed by the fixed latency); peaks
//! above 0 dBFS are expected (the engine applies an output gain after).
//!
//! Clean material (no flat runs) costs two comparisons per sample and passes bit-exact.

use super::ar::{ArCoeffs, ArFitter, HopFramer, LsarInterpolator};
use crate::range::Range;

/// Highest supported sample rate (sizes the buffers).
const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Sample rate assumed for non-finite or non-positive input, Hz.
const FALLBACK_SAMPLE_RATE_HZ: f32 = 48_000.0;
/// AR model order.
const AR_ORDER: usize = 32;
/// Hop length, ms (1024 samples at 48 kHz).
const HOP_MS: f32 = 1024.0 / 48.0;
/// Context before the hop, ms (256 samples at 48 kHz).
const LEFT_MS: f32 = 256.0 / 48.0;
/// Longest run rebuilt, ms.
const MAX_RUN_MS: f32 = 3.0;
/// Relative tolerance of "at the clip level".
const LEVEL_TOL: f32 = 1e-4;
/// Flat runs at the same extreme that make it the clip level (auto mode).
const MIN_FLAT_RUNS: u32 = 4;
/// Model fits (each followed by a constrained solve).
const NUM_FITS: usize = 2;
/// Lowest level auto mode accepts as a clip level (−40 dBFS): flat runs below it are
/// digital silence, DC or test tones, not clipping.
const MIN_AUTO_LEVEL: f32 = 0.01;
/// Solve-and-project passes.
const MAX_PASSES: usize = 4;
/// Largest rebuilt magnitude, relative to the clip level (+12 dB).
const MAX_OVERSHOOT: f32 = 4.0;
/// Manual clip level range, dBFS.
/// Range of the manual `clip_level_db` setting, dBFS (a parameter offers this one).
pub const CLIP_LEVEL_DB: Range = Range::new(-30.0, 0.0, -0.1);

/// De-clip settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeclipSettings {
    /// Detect the clip level from the signal (default true); otherwise use `clip_level_db`.
    pub auto_level: bool,
    /// Manual clip level, −30…0 dBFS (default −0.1 dBFS); used when `auto_level` is off.
    pub clip_level_db: f32,
}

impl Default for DeclipSettings {
    fn default() -> Self {
        Self {
            auto_level: true,
            clip_level_db: CLIP_LEVEL_DB.default,
        }
    }
}

/// Auto detection of one polarity's clip level from flat runs at the running extreme.
#[derive(Clone, Copy, Debug, Default)]
struct LevelTracker {
    /// Largest magnitude seen on this polarity since the reset.
    extreme: f32,
    /// Flat runs counted at `extreme`.
    flat_runs: u32,
    /// Length of the current run at the extreme.
    run: u32,
}

impl LevelTracker {
    /// Feeds one magnitude of this polarity (0 when the sample has the other sign).
    #[inline]
    fn push(&mut self, m: f32) {
        if m > self.extreme * (1.0 + LEVEL_TOL) {
            self.extreme = m;
            self.flat_runs = 0;
            self.run = 1;
        } else if m >= self.extreme * (1.0 - LEVEL_TOL) && m > 0.0 {
            self.run += 1;
            if self.run == 2 {
                self.flat_runs = self.flat_runs.saturating_add(1);
            }
        } else {
            self.run = 0;
        }
    }

    /// The detected level, if any.
    fn level(&self) -> Option<f32> {
        (self.flat_runs >= MIN_FLAT_RUNS && self.extreme >= MIN_AUTO_LEVEL).then_some(self.extreme)
    }
}

/// The de-clip unit (mono). See the module docs.
pub struct Declip {
    sample_rate_hz: f32,
    settings: DeclipSettings,
    framer: HopFramer,
    pos: LevelTracker,
    neg: LevelTracker,
    rebuild: Rebuilder,
}

/// Analysis state (everything but the framing and the level tracking).
struct Rebuilder {
    fitter: ArFitter,
    lsar: LsarInterpolator,
    coeffs: ArCoeffs,
    /// Unknowns of the current pass (frame indices) and all run samples of the frame.
    unknowns: Vec<usize>,
    runs: Vec<usize>,
    /// Frame as it came in (the runs' clipped values and signs).
    original: Vec<f32>,
    max_run: usize,
    /// Clip levels for this hop (positive magnitudes); infinite when none.
    level_pos: f32,
    level_neg: f32,
    samples_rebuilt: u64,
}

impl Default for Declip {
    fn default() -> Self {
        Self::new()
    }
}

impl Declip {
    /// Allocates for the worst case (384 kHz, every setting); prepared for 48 kHz.
    pub fn new() -> Self {
        let fs = MAX_SAMPLE_RATE_HZ;
        let (left, hop, right) = geometry(fs);
        let frame = left + hop + right;
        let max_unknowns = hop / 2 + ms_to_samples(MAX_RUN_MS, fs) + 1;
        let mut d = Self {
            sample_rate_hz: FALLBACK_SAMPLE_RATE_HZ,
            settings: DeclipSettings::default(),
            framer: HopFramer::new(hop, frame),
            pos: LevelTracker::default(),
            neg: LevelTracker::default(),
            rebuild: Rebuilder {
                fitter: ArFitter::new(frame),
                lsar: LsarInterpolator::new(max_unknowns, frame),
                coeffs: ArCoeffs::default(),
                unknowns: vec![0; max_unknowns],
                runs: vec![0; max_unknowns],
                original: vec![0.0; frame],
                max_run: 1,
                level_pos: f32::INFINITY,
                level_neg: f32::INFINITY,
                samples_rebuilt: 0,
            },
        };
        d.prepare(FALLBACK_SAMPLE_RATE_HZ);
        d
    }

    /// Sets the rate (allocation-free) and resets.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let fs = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ)
        } else {
            FALLBACK_SAMPLE_RATE_HZ
        };
        self.sample_rate_hz = fs;
        let (left, hop, right) = geometry(fs);
        self.framer.configure(left, hop, right);
        self.rebuild.fitter.set_block_len(self.framer.frame_len());
        self.rebuild.max_run = ms_to_samples(MAX_RUN_MS, fs);
        self.reset();
    }

    /// Applies settings (realtime-safe, cheap when unchanged); they act from the next hop.
    pub fn set_settings(&mut self, s: &DeclipSettings) {
        self.settings = *s;
    }

    /// Clears the audio memory, the detected level and the counter. Realtime-safe.
    pub fn reset(&mut self) {
        self.framer.reset();
        self.pos = LevelTracker::default();
        self.neg = LevelTracker::default();
        self.rebuild.samples_rebuilt = 0;
    }

    /// Latency in samples; depends on the sample rate only (1248 at 48 kHz: one hop plus the
    /// lookahead for a 3 ms run and the model's reach).
    pub fn latency_samples(&self) -> usize {
        self.framer.latency_samples()
    }

    /// Samples rebuilt since the last reset.
    pub fn samples_rebuilt(&self) -> u64 {
        self.rebuild.samples_rebuilt
    }

    /// The clip level in use, dBFS: in auto mode the detected one (the larger of the two
    /// polarities' levels; −∞ while none is detected), in manual mode the setting.
    pub fn clip_level_found_db(&self) -> f32 {
        if self.settings.auto_level {
            let l = match (self.pos.level(), self.neg.level()) {
                (Some(a), Some(b)) => a.max(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return f32::NEG_INFINITY,
            };
            20.0 * l.log10()
        } else {
            manual_level_db(&self.settings)
        }
    }

    /// Processes `buf` in place (any length); the output is the input delayed by
    /// [`Self::latency_samples`] with the clipped runs rebuilt. Realtime-safe.
    pub fn process(&mut self, buf: &mut [f32]) {
        let (hop, left) = (self.framer.hop(), self.framer.left());
        let (pos, neg) = (&mut self.pos, &mut self.neg);
        let auto = self.settings.auto_level;
        let manual = 10f32.powf(manual_level_db(&self.settings) / 20.0);
        let rebuild = &mut self.rebuild;
        // Level tracking runs sample by sample in input order, ahead of the frame analysis
        // by the lookahead; the framer calls `analyse` at hop boundaries only, so the levels
        // are read at the same input position whatever the block size.
        let mut start = 0;
        while start < buf.len() {
            let n = (hop - self.framer.fill()).min(buf.len() - start);
            for &x in &buf[start..start + n] {
                pos.push(x.max(0.0));
                neg.push((-x).max(0.0));
            }
            let (lp, ln) = if auto {
                (
                    pos.level().unwrap_or(f32::INFINITY),
                    neg.level().unwrap_or(f32::INFINITY),
                )
            } else {
                (manual, manual)
            };
            self.framer.process(&mut buf[start..start + n], |frame| {
                rebuild.level_pos = lp;
                rebuild.level_neg = ln;
                rebuild.analyse(frame, hop, left);
            });
            start += n;
        }
    }
}

impl Rebuilder {
    /// Constrained LSAR of the run samples `runs[i0..i1]` (in `frame`, whose clipped values
    /// are in `original`). Returns false when the solver refused (nothing changed then).
    fn solve(&mut self, frame: &mut [f32], i0: usize, i1: usize) -> bool {
        let m = i1 - i0;
        // Start from the clipped values: every run sample is unknown.
        for &u in &self.runs[i0..i1] {
            frame[u] = self.original[u];
        }
        let mut k = m;
        self.unknowns[..m].copy_from_slice(&self.runs[i0..i1]);
        for pass in 0..MAX_PASSES {
            if !self
                .lsar
                .interpolate(frame, &self.unknowns[..k], &self.coeffs)
            {
                for &u in &self.runs[i0..i1] {
                    frame[u] = self.original[u];
                }
                return false;
            }
            // Pin the samples that fell below the level (or changed sign) to the level.
            let mut kept = 0;
            for i in 0..k {
                let u = self.unknowns[i];
                let c = self.original[u];
                if frame[u] * c.signum() < c.abs() {
                    frame[u] = c;
                } else {
                    self.unknowns[kept] = u;
                    kept += 1;
                }
            }
            if kept == k || kept == 0 || pass + 1 == MAX_PASSES {
                break;
            }
            // Re-solve the rest with the pinned samples known.
            for &u in &self.unknowns[..kept] {
                frame[u] = self.original[u];
            }
            k = kept;
        }
        // Projection and overshoot cap.
        for &u in &self.runs[i0..i1] {
            let c = self.original[u];
            let mag = (frame[u] * c.signum()).clamp(c.abs(), MAX_OVERSHOOT * c.abs());
            frame[u] = c.signum() * mag;
        }
        true
    }

    /// One frame: collect the runs starting in the hop, fit, solve, re-fit, solve.
    fn analyse(&mut self, frame: &mut [f32], hop: usize, left: usize) {
        let n = frame.len();
        if !self.level_pos.is_finite() && !self.level_neg.is_finite() {
            return;
        }
        let thr_pos = self.level_pos * (1.0 - LEVEL_TOL);
        let thr_neg = self.level_neg * (1.0 - LEVEL_TOL);
        let clipped = |x: f32| x >= thr_pos || -x >= thr_neg;
        let p = AR_ORDER;
        let end = n - p - 1;
        let mut m = 0;
        let mut t = left;
        // A run that started before the hop was handled with the previous frame.
        while t < left + hop && t < end {
            if !clipped(frame[t]) || clipped(frame[t - 1]) {
                t += 1;
                continue;
            }
            let sign = frame[t] > 0.0;
            let mut e = t;
            while e + 1 < end && clipped(frame[e + 1]) && (frame[e + 1] > 0.0) == sign {
                e += 1;
            }
            let len = e + 1 - t;
            if len <= self.max_run && m + len <= self.runs.len() && m + len <= hop / 2 {
                for (i, r) in self.runs[m..m + len].iter_mut().enumerate() {
                    *r = t + i;
                }
                m += len;
            }
            t = e + 1;
        }
        if m == 0 {
            return;
        }
        self.original[..n].copy_from_slice(frame);
        for pass in 0..NUM_FITS {
            // Pass 0 fits the clipped frame; later passes re-fit the rebuilt one, which no
            // longer has flat tops, and solve again.
            if pass > 0 {
                self.fitter.fit_burg(frame, p, &mut self.coeffs);
            } else {
                self.fitter.fit(frame, p, &mut self.coeffs);
            }
            if self.coeffs.order < p {
                return;
            }
            // Clusters of runs closer than p share residual rows; apart, they are independent
            // problems (the LSAR matrix decouples), solved one by one to keep each span short.
            let mut i = 0;
            while i < m {
                let mut j = i + 1;
                while j < m && self.runs[j] <= self.runs[j - 1] + p {
                    j += 1;
                }
                self.solve(frame, i, j);
                i = j;
            }
        }
        self.samples_rebuilt += m as u64;
    }
}

fn ms_to_samples(ms: f32, fs: f32) -> usize {
    (ms * 1e-3 * fs).round().max(1.0) as usize
}

fn manual_level_db(s: &DeclipSettings) -> f32 {
    CLIP_LEVEL_DB.clamp(s.clip_level_db)
}

/// `(left, hop, right)` frame geometry at `fs`: the lookahead covers a maximal run and the
/// model's reach, so the latency depends on the rate only.
fn geometry(fs: f32) -> (usize, usize, usize) {
    let hop = ms_to_samples(HOP_MS, fs);
    let left = ms_to_samples(LEFT_MS, fs).max(4 * AR_ORDER);
    let right = ms_to_samples(MAX_RUN_MS, fs) + 2 * AR_ORDER + 16;
    (left, hop, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tonal material at 48 kHz with 10 ms fades.
    fn tones(len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| {
                let t = n as f32 / 48_000.0;
                let fade = (n.min(len - 1 - n) as f32 / 480.0).min(1.0);
                fade * (0.5 * (std::f32::consts::TAU * 187.0 * t).sin()
                    + 0.25 * (std::f32::consts::TAU * 1231.0 * t + 0.7).sin()
                    + 0.1 * (std::f32::consts::TAU * 3203.0 * t + 2.0).sin())
            })
            .collect()
    }

    fn run(d: &mut Declip, x: &[f32], block: usize) -> Vec<f32> {
        d.reset();
        let lat = d.latency_samples();
        let mut y = x.to_vec();
        y.extend(std::iter::repeat_n(0.0, lat));
        for c in y.chunks_mut(block) {
            d.process(c);
        }
        y[lat..].to_vec()
    }

    use super::super::test_signals::err_db;

    #[test]
    fn detects_the_level_and_rebuilds_clipped_peaks() {
        let clean = tones(48_000);
        // Asymmetric clipping: +0.6 and −0.7.
        let damaged: Vec<f32> = clean.iter().map(|&v| v.clamp(-0.7, 0.6)).collect();
        let mut d = Declip::new();
        d.prepare(48_000.0);
        let y = run(&mut d, &damaged, 512);
        assert!((d.clip_level_found_db() - 20.0 * 0.7f32.log10()).abs() < 0.01);
        assert!(d.samples_rebuilt() > 1000, "{}", d.samples_rebuilt());
        let before = err_db(&clean, &damaged);
        let after = err_db(&clean, &y);
        assert!(after < before - 10.0, "error {before:.1} → {after:.1} dB");
        // Manual level: the same repair from the setting.
        d.set_settings(&DeclipSettings {
            auto_level: false,
            clip_level_db: 20.0 * 0.6f32.log10(),
        });
        let y = run(&mut d, &damaged, 512);
        assert!(err_db(&clean, &y) < before - 6.0);
    }

    #[test]
    fn leaves_unclipped_material_bit_exact() {
        let mut d = Declip::new();
        d.prepare(48_000.0);
        let x = tones(30_000);
        // Loud but unclipped, and digital silence with a DC step.
        let mut quiet_dc = vec![0.0f32; 20_000];
        quiet_dc[10_000..].fill(0.001);
        for input in [x, quiet_dc] {
            let y = run(&mut d, &input, 333);
            assert_eq!(y, input);
            assert_eq!(d.samples_rebuilt(), 0);
            assert_eq!(d.clip_level_found_db(), f32::NEG_INFINITY);
        }
    }

    #[test]
    fn output_does_not_depend_on_block_size() {
        let x: Vec<f32> = tones(30_000).iter().map(|v| v.clamp(-0.5, 0.5)).collect();
        let mut d = Declip::new();
        d.prepare(44_100.0);
        let reference = run(&mut d, &x, 4096);
        assert!(d.samples_rebuilt() > 0);
        for block in [1, 7, 64, 512] {
            assert_eq!(run(&mut d, &x, block), reference, "block {block}");
        }
    }

    #[test]
    fn latency_depends_on_the_rate_only_and_extremes_stay_finite() {
        let mut d = Declip::new();
        for fs in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0] {
            d.prepare(fs);
            let lat = d.latency_samples();
            for auto_level in [true, false] {
                for clip_level_db in [-30.0, -0.1, 0.0] {
                    d.set_settings(&DeclipSettings {
                        auto_level,
                        clip_level_db,
                    });
                    assert_eq!(d.latency_samples(), lat);
                }
            }
            // Manual −30 dBFS on full-scale square, noise-like and silent stretches.
            let mut seed = 9u64;
            let mut x: Vec<f32> = (0..(fs as usize / 4))
                .map(|i| match (i / 4_000) % 3 {
                    0 => {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        ((seed >> 40) as f32 / (1u64 << 23) as f32) - 1.0
                    }
                    1 => {
                        if (i / 23) % 2 == 0 {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    _ => 0.0,
                })
                .collect();
            d.process(&mut x);
            assert!(x.iter().all(|v| v.is_finite() && v.abs() <= 4.0), "{fs}");
        }
        // 48 kHz: one 1024-sample hop plus a 224-sample lookahead.
        d.prepare(48_000.0);
        assert_eq!(d.latency_samples(), 1248);
    }
}

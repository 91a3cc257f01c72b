//! "Learn": over one playback pass, find the input gain that brings a limited master to a
//! loudness target.
//!
//! Limiting is not linear: +6 dB in gives less than +6 LU out once the limiter works, so the
//! input's loudness alone cannot say which gain reaches the target. [`GainLearner`] therefore
//! runs, beside the real limiter, a bank of shadow limiters with the same settings (at 1×; the
//! oversampling factor changes loudness by hundredths of a LU) at input gains 0, 2, …, 24 dB,
//! each followed by a BS.1770 meter, and interpolates the measured output loudness between the
//! two gains that bracket the target. It costs about 13 limiters of CPU while learning and
//! nothing otherwise. The answer is set once; nothing rides the gain afterwards.

use super::{LimiterSettings, LookaheadLimiter, Oversampling};
use crate::loudness::LoudnessMeter;
use crate::runner::MAX_CHUNK;

/// Spacing of the shadow gains, dB.
pub const LEARN_STEP_DB: f32 = 2.0;
/// Largest input gain the learner considers, dB: the input gain's whole range.
pub const LEARN_MAX_GAIN_DB: f32 = super::MAX_INPUT_GAIN_DB;
/// Number of shadow limiters (0, 2, …, 24 dB).
pub const NUM_SHADOWS: usize = 13;
const _: () = assert!(NUM_SHADOWS as f32 == LEARN_MAX_GAIN_DB / LEARN_STEP_DB + 1.0);

/// Why no gain could be learnt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LearnError {
    /// Nothing above the absolute gate (−70 LUFS) was heard yet.
    NoSignal,
    /// Even +24 dB only reaches this loudness (LUFS): the target needs more gain than the
    /// input gain has.
    TargetOutOfReach(f64),
    /// At 0 dB of input gain the limited output is already this loud (LUFS), louder than the
    /// target: turn the mix down before the limiter.
    AlreadyLouder(f64),
}

impl std::fmt::Display for LearnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSignal => write!(f, "nothing heard yet: play the song through"),
            Self::TargetOutOfReach(l) => {
                write!(f, "+24 dB of input gain only reaches {l:.1} LUFS")
            }
            Self::AlreadyLouder(l) => write!(
                f,
                "already {l:.1} LUFS at 0 dB of input gain: turn the mix down before the limiter"
            ),
        }
    }
}

struct Shadow {
    gain: f32,
    limiter: LookaheadLimiter,
    meter: LoudnessMeter,
}

/// The shadow-limiter bank (see the module docs). Allocates in [`GainLearner::new`] and
/// [`GainLearner::prepare`] only.
pub struct GainLearner {
    shadows: Vec<Shadow>,
    num_channels: usize,
}

impl GainLearner {
    /// A learner for `num_channels` (1 or 2) at `sample_rate_hz`.
    pub fn new(sample_rate_hz: f32, num_channels: usize) -> Self {
        let mut l = Self {
            shadows: Vec::new(),
            num_channels: 0,
        };
        l.prepare(sample_rate_hz, num_channels);
        l
    }

    /// Rebuilds for a sample rate and channel count (allocates: call from `activate`).
    pub fn prepare(&mut self, sample_rate_hz: f32, num_channels: usize) {
        let nc = num_channels.clamp(1, 2);
        self.num_channels = nc;
        let rate = (sample_rate_hz.round() as u32).clamp(
            crate::loudness::MIN_SAMPLE_RATE_HZ,
            crate::loudness::MAX_SAMPLE_RATE_HZ,
        );
        self.shadows = (0..NUM_SHADOWS)
            .map(|i| Shadow {
                gain: 10f32.powf(i as f32 * LEARN_STEP_DB / 20.0),
                limiter: LookaheadLimiter::new(sample_rate_hz),
                meter: LoudnessMeter::new(rate, nc).expect("1-2 channels, 8-384 kHz"),
            })
            .collect();
    }

    /// Uses the real limiter's settings (at 1×). Realtime-safe.
    pub fn set_settings(&mut self, s: &LimiterSettings) {
        let s = LimiterSettings {
            oversampling: Oversampling::X1,
            ..*s
        };
        for sh in &mut self.shadows {
            if *sh.limiter.settings() != s {
                sh.limiter.set_settings(&s);
            }
        }
    }

    /// Forgets everything measured (start of a pass). Realtime-safe.
    pub fn reset(&mut self) {
        for sh in &mut self.shadows {
            sh.limiter.reset();
            sh.meter.reset();
        }
    }

    /// Feeds one chunk of the limiter's input *before* the input gain (`≤ MAX_CHUNK` frames,
    /// the learner's channel count). Realtime-safe.
    pub fn process(&mut self, audio: &[&[f32]]) {
        let nc = audio.len().min(self.num_channels);
        if nc == 0 {
            return;
        }
        let n = audio[0].len().min(MAX_CHUNK);
        for sh in &mut self.shadows {
            let mut buf = [[0.0f32; MAX_CHUNK]; 2];
            for c in 0..nc {
                for (y, &x) in buf[c][..n].iter_mut().zip(&audio[c][..n]) {
                    *y = x * sh.gain;
                }
            }
            let [a, b] = &mut buf;
            if nc == 2 {
                sh.limiter.process_chunk(&mut [&mut a[..n], &mut b[..n]]);
                let _ = sh.meter.process_planar(&[&a[..n], &b[..n]]);
            } else {
                sh.limiter.process_chunk(&mut [&mut a[..n]]);
                let _ = sh.meter.process_planar(&[&a[..n]]);
            }
        }
    }

    /// Output loudness (LUFS) measured at each shadow gain so far, with the gains in dB.
    pub fn curve(&self) -> [(f32, f64); NUM_SHADOWS] {
        let mut out = [(0.0, f64::NEG_INFINITY); NUM_SHADOWS];
        for (i, (o, sh)) in out.iter_mut().zip(&self.shadows).enumerate() {
            *o = (i as f32 * LEARN_STEP_DB, sh.meter.integrated_lufs());
        }
        out
    }

    /// The input gain (dB, 0–24) that brings the limited output to `target_lufs`.
    pub fn suggest(&self, target_lufs: f64) -> Result<f32, LearnError> {
        let curve = self.curve();
        if !curve.iter().any(|(_, l)| l.is_finite()) {
            return Err(LearnError::NoSignal);
        }
        let (first, last) = (curve[0].1, curve[NUM_SHADOWS - 1].1);
        if first.is_finite() && first > target_lufs + 0.05 {
            return Err(LearnError::AlreadyLouder(first));
        }
        if last < target_lufs - 0.05 {
            return Err(LearnError::TargetOutOfReach(last));
        }
        // The loudness-vs-gain curve bends (each dB in gives less out as the limiter works
        // harder), so interpolate with the parabola through three neighbouring points, solved
        // by bisection on the bracketing interval.
        for i in 0..NUM_SHADOWS - 1 {
            let ((g0, l0), (g1, l1)) = (curve[i], curve[i + 1]);
            if !(l1 >= target_lufs && l1.is_finite()) {
                continue;
            }
            if !l0.is_finite() || l1 <= l0 {
                return Ok(g1);
            }
            let j = if i + 2 < NUM_SHADOWS && curve[i + 2].1.is_finite() {
                i + 2
            } else if i > 0 && curve[i - 1].1.is_finite() {
                i - 1
            } else {
                i + 1
            };
            let (g2, l2) = curve[j];
            let (x0, x1, x2) = (g0 as f64, g1 as f64, g2 as f64);
            let quad = |x: f64| {
                if j == i + 1 {
                    return l0 + (l1 - l0) * (x - x0) / (x1 - x0);
                }
                l0 * (x - x1) * (x - x2) / ((x0 - x1) * (x0 - x2))
                    + l1 * (x - x0) * (x - x2) / ((x1 - x0) * (x1 - x2))
                    + l2 * (x - x0) * (x - x1) / ((x2 - x0) * (x2 - x1))
            };
            let (mut lo, mut hi) = (x0, x1);
            for _ in 0..40 {
                let mid = 0.5 * (lo + hi);
                if quad(mid) < target_lufs {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return Ok((0.5 * (lo + hi)) as f32);
        }
        Ok(if first >= target_lufs {
            0.0
        } else {
            LEARN_MAX_GAIN_DB
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a steady signal (pink-ish noise) the suggested gain reaches the target within
    /// 0.2 LU when applied to the real limiter.
    #[test]
    fn learnt_gain_reaches_the_target() {
        let rate = 48_000.0;
        let n = 48_000 * 8;
        let mut seed = 5u64;
        let mut lp = 0.0f32;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let w = ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0;
                lp += 0.2 * (w - lp);
                // Bursts, so the limiter has peaks to work on.
                let env = if (i / 4800) % 3 == 0 { 0.5 } else { 0.12 };
                env * lp
            })
            .collect();
        for target in [-9.0, -14.0] {
            let mut learner = GainLearner::new(rate, 2);
            let settings = LimiterSettings::default();
            learner.set_settings(&settings);
            for c in x.chunks(MAX_CHUNK) {
                learner.process(&[c, c]);
            }
            let gain_db = learner.suggest(target).unwrap();
            let g = 10f32.powf(gain_db / 20.0);
            let mut lim = LookaheadLimiter::new(rate);
            lim.set_settings(&LimiterSettings {
                oversampling: Oversampling::X4,
                ..settings
            });
            let mut meter = LoudnessMeter::new(48_000, 2).unwrap();
            for c in x.chunks(MAX_CHUNK) {
                let mut a: Vec<f32> = c.iter().map(|v| v * g).collect();
                let mut b = a.clone();
                lim.process_chunk(&mut [&mut a, &mut b]);
                meter.process_planar(&[&a, &b]).unwrap();
            }
            let got = meter.integrated_lufs();
            println!("target {target}: learnt {gain_db:.2} dB, output {got:.2} LUFS");
            assert!((got - target).abs() <= 0.2, "{target}: {got}");
        }
    }
}

//! Level-meter ballistics for editors: peak with a fixed fall-back rate, RMS with an
//! integration time.
//!
//! Peak fall-back follows the IEC 60268-18 practice of a linear fall in dB (here 20 dB/s, a
//! common DAW default); RMS uses a one-pole mean-square integrator with a 300 ms time constant
//! (the "VU-like" integration of IEC 60268-17). Both are fed one audio block at a time, so
//! the audio thread only accumulates `max |x|` and `Σx²` per block.

use crate::db::{gain_to_db, power_to_db, MINUS_INFINITY_DB};

/// Peak meter fall-back rate in dB per second.
pub const PEAK_FALL_DB_PER_S: f32 = 20.0;
/// RMS meter integration time constant in milliseconds.
pub const RMS_TIME_MS: f32 = 300.0;

/// Per-block accumulation of a signal's peak and energy (cheap, audio thread).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockLevel {
    /// Largest absolute sample value seen.
    pub peak: f32,
    /// Sum of squared samples (all channels).
    pub sum_sq: f32,
    /// Number of samples summed (all channels).
    pub num_samples: u32,
}

impl BlockLevel {
    /// Adds a slice of samples.
    #[inline]
    pub fn add(&mut self, buf: &[f32]) {
        // Eight independent lanes so the loop vectorises (a single running sum or max is a
        // serial dependency chain).
        let mut peak = [0.0f32; 8];
        let mut sum = [0.0f32; 8];
        let chunks = buf.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for k in 0..8 {
                peak[k] = peak[k].max(c[k].abs());
                sum[k] += c[k] * c[k];
            }
        }
        for (k, &x) in rest.iter().enumerate() {
            peak[k] = peak[k].max(x.abs());
            sum[k] += x * x;
        }
        self.peak = peak.iter().fold(self.peak, |a, &b| a.max(b));
        self.sum_sq += sum.iter().sum::<f32>();
        self.num_samples += buf.len() as u32;
    }
}

/// Meter state with ballistics, in dB.
#[derive(Clone, Copy, Debug)]
pub struct LevelMeter {
    /// Displayed peak level in dBFS.
    pub peak_db: f32,
    /// Integrated mean square (linear power).
    mean_sq: f32,
}

impl Default for LevelMeter {
    fn default() -> Self {
        Self {
            peak_db: MINUS_INFINITY_DB,
            mean_sq: 0.0,
        }
    }
}

impl LevelMeter {
    /// Feeds one block's accumulation covering `block_seconds` of audio.
    pub fn update(&mut self, level: &BlockLevel, block_seconds: f32) {
        // A meter must never stick: forget non-finite history (e.g. after garbage input).
        if !self.peak_db.is_finite() || !self.mean_sq.is_finite() {
            *self = Self::default();
        }
        if !level.peak.is_finite() || !level.sum_sq.is_finite() {
            return;
        }
        let fallen = self.peak_db - PEAK_FALL_DB_PER_S * block_seconds;
        self.peak_db = gain_to_db(level.peak).max(fallen).max(MINUS_INFINITY_DB);
        if level.num_samples > 0 {
            // Mean over all channels' samples: a stereo sine at −3 dB RMS per channel reads
            // −3 dB, like a mono one.
            let block_ms = level.sum_sq / level.num_samples as f32;
            let a = (-block_seconds / (RMS_TIME_MS * 0.001)).exp();
            self.mean_sq = a * self.mean_sq + (1.0 - a) * block_ms;
            if self.mean_sq < 1.0e-30 {
                self.mean_sq = 0.0;
            }
        }
    }

    /// The RMS level in dBFS (a full-scale sine reads −3.01 dBFS).
    pub fn rms_db(&self) -> f32 {
        power_to_db(self.mean_sq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assert_approx_eq::assert_approx_eq;

    #[test]
    fn sine_reads_peak_and_rms() {
        let sr = 48000.0;
        let mut m = LevelMeter::default();
        let block = 512;
        let mut n = 0usize;
        for _ in 0..(3 * 48000 / block) {
            let buf: Vec<f32> = (0..block)
                .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 997.0 * (n + i) as f32 / sr).sin())
                .collect();
            n += block;
            let mut l = BlockLevel::default();
            l.add(&buf);
            m.update(&l, block as f32 / sr);
        }
        assert_approx_eq!(m.peak_db, -6.02, 0.02);
        assert_approx_eq!(m.rms_db(), -9.03, 0.05);
    }

    #[test]
    fn garbage_blocks_do_not_stick() {
        let mut m = LevelMeter::default();
        let bad = BlockLevel {
            peak: f32::INFINITY,
            sum_sq: f32::NAN,
            num_samples: 4,
        };
        m.update(&bad, 0.01);
        let mut l = BlockLevel::default();
        l.add(&[0.5; 480]);
        for _ in 0..300 {
            m.update(&l, 0.01);
        }
        assert!((m.peak_db + 6.02).abs() < 0.01 && (m.rms_db() + 6.02).abs() < 0.05);
    }

    #[test]
    fn peak_falls_at_the_documented_rate() {
        let mut m = LevelMeter::default();
        let mut l = BlockLevel::default();
        l.add(&[1.0]);
        m.update(&l, 0.01);
        assert_approx_eq!(m.peak_db, 0.0, 1e-6);
        for _ in 0..100 {
            m.update(&BlockLevel::default(), 0.01);
        }
        assert_approx_eq!(m.peak_db, -PEAK_FALL_DB_PER_S, 1e-3);
    }
}

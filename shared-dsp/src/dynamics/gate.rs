//! Noise gate / downward expander with hysteresis and hold.
//!
//! Structure after Zölzer, "DAFX: Digital Audio Effects", 2nd ed., §4.2.3 (noise gate): a fast
//! peak detector on the key signal, a two-threshold (hysteresis) open/close decision with a hold
//! time, and attack/release ballistics on the gain in dB (Giannoulis et al. 2012 branching
//! one-pole, see [`crate::dynamics::envelope`]).
//!
//! - The gate **opens** when the key level reaches `threshold_db`.
//! - It **closes** only once the level has stayed below `threshold_db − hysteresis_db` for
//!   `hold_ms`. Hysteresis stops chatter on signals hovering at the threshold.
//! - Closed, a gate attenuates by `range_db`; an expander applies the downward-expansion curve
//!   [`ExpanderCurve`] (ratio below the threshold), never more than `range_db`.
//! - `attack_ms` is the time constant of the gain rising (opening), `release_ms` of it falling.

use crate::db::{db_to_gain, db_to_gain_fast, gain_to_db_fast};
use crate::dynamics::envelope::{one_pole_coeff, DetectorMode, EnvelopeCoeffs, EnvelopeFollower};
use crate::dynamics::gain_computer::ExpanderCurve;

/// Release time constant of the key peak detector in ms. Short enough to follow a decaying
/// note, long enough that a 20 Hz waveform's zero crossings do not read as silence (hold and
/// hysteresis do the rest).
pub const GATE_DETECTOR_RELEASE_MS: f32 = 10.0;

/// Whether the unit gates (fixed attenuation when closed) or expands (ratio below threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateMode {
    /// Closed means `−range_db`.
    Gate,
    /// Closed means the downward-expansion curve, limited to `−range_db`.
    Expander,
}

/// Settings of a [`Gate`], converted to per-sample coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateCoeffs {
    /// Opening threshold in dBFS.
    pub threshold_db: f32,
    /// Closing threshold in dBFS (`threshold_db − hysteresis`).
    pub close_threshold_db: f32,
    /// `threshold_db` as a linear level (the open/close decisions compare linear levels,
    /// saving a logarithm per sample).
    pub threshold_gain: f32,
    /// `close_threshold_db` as a linear level.
    pub close_threshold_gain: f32,
    /// Maximum attenuation in dB (≥ 0).
    pub range_db: f32,
    /// Expansion ratio (expander mode), ≥ 1.
    pub ratio: f32,
    /// Gate or expander.
    pub mode: GateMode,
    /// Hold time in samples.
    pub hold_samples: u32,
    /// Gain ballistics: attack = opening, release = closing.
    pub ballistics: EnvelopeCoeffs,
    /// Key detector (instant attack, [`GATE_DETECTOR_RELEASE_MS`] release).
    pub detector: EnvelopeCoeffs,
}

impl GateCoeffs {
    /// Coefficients from user settings. Times in ms, levels in dB.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sample_rate_hz: f32,
        mode: GateMode,
        threshold_db: f32,
        hysteresis_db: f32,
        range_db: f32,
        ratio: f32,
        attack_ms: f32,
        hold_ms: f32,
        release_ms: f32,
    ) -> Self {
        let close_threshold_db = threshold_db - hysteresis_db.max(0.0);
        Self {
            threshold_db,
            close_threshold_db,
            threshold_gain: db_to_gain(threshold_db),
            close_threshold_gain: db_to_gain(close_threshold_db),
            range_db: range_db.max(0.0),
            ratio: ratio.max(1.0),
            mode,
            hold_samples: (hold_ms.max(0.0) * 0.001 * sample_rate_hz).round() as u32,
            ballistics: EnvelopeCoeffs::new(
                sample_rate_hz,
                attack_ms,
                release_ms,
                DetectorMode::Peak,
            ),
            detector: EnvelopeCoeffs {
                attack: 1.0,
                release: one_pole_coeff(GATE_DETECTOR_RELEASE_MS, sample_rate_hz),
                mode: DetectorMode::Peak,
            },
        }
    }
}

/// Gate state for one linked detector (use one per stereo pair with a summed/max key).
#[derive(Clone, Copy, Debug, Default)]
pub struct Gate {
    /// Key level detector.
    detector: EnvelopeFollower,
    /// Smoothed gain in dB (≤ 0).
    gain_db: EnvelopeFollower,
    /// Whether the gate is currently open.
    open: bool,
    /// Samples of hold left before the gate may close.
    hold_left: u32,
}

impl Gate {
    /// A gate at rest: closed, but with its gain at 0 dB, so the first sound after a reset
    /// is never muted (the gain falls to the closed value with the release time).
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears all memory: closed, hold expired. The gain starts at 0 dB (open) so that a reset
    /// never mutes the start of a sound; it falls to the closed gain with the release time.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// `true` while the gate is open (or holding).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Feeds one key sample and returns the linear gain to apply to the audio.
    #[inline]
    pub fn process(&mut self, c: &GateCoeffs, key: f32) -> f32 {
        db_to_gain_fast(self.process_gain_db(c, key))
    }

    /// Feeds one key sample and returns the smoothed gain in dB (≤ 0). Lets a caller convert a
    /// whole block of gains to linear at once (vectorised), see [`Gate::process`].
    #[inline]
    pub fn process_gain_db(&mut self, c: &GateCoeffs, key: f32) -> f32 {
        let level = self.detector.process(&c.detector, key);
        if level >= c.threshold_gain {
            self.open = true;
            self.hold_left = c.hold_samples;
        } else if level < c.close_threshold_gain {
            if self.hold_left > 0 {
                self.hold_left -= 1;
            } else {
                self.open = false;
            }
        } else if self.open {
            // Inside the hysteresis band an open gate stays open and keeps its full hold.
            self.hold_left = c.hold_samples;
        }
        let target_db = if self.open {
            0.0
        } else {
            match c.mode {
                GateMode::Gate => -c.range_db,
                GateMode::Expander => ExpanderCurve {
                    threshold_db: c.threshold_db,
                    ratio: c.ratio,
                    knee_db: 0.0,
                    range_db: c.range_db,
                }
                .gain_db(gain_to_db_fast(level)),
            }
        };
        self.gain_db.smooth(&c.ballistics, target_db, true)
    }

    /// The current smoothed gain in dB (≤ 0), for gain-reduction meters.
    pub fn gain_db(&self) -> f32 {
        self.gain_db.state()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::gain_to_db;
    use assert_approx_eq::assert_approx_eq;

    fn coeffs(sr: f32, mode: GateMode, hold_ms: f32) -> GateCoeffs {
        GateCoeffs::new(sr, mode, -40.0, 6.0, 60.0, 2.0, 0.0, hold_ms, 0.0)
    }

    #[test]
    fn gate_opens_at_threshold_and_attenuates_by_range_when_closed() {
        let c = coeffs(48000.0, GateMode::Gate, 0.0);
        let mut g = Gate::new();
        // Loud (−20 dBFS) DC key: open, unity.
        assert_approx_eq!(g.process(&c, 0.1), 1.0, 1e-6);
        // Silence: after the detector decays below −46 dBFS the gate closes to −60 dB.
        let mut gain = 1.0;
        for _ in 0..48000 {
            gain = g.process(&c, 0.0);
        }
        assert!(!g.is_open());
        assert_approx_eq!(gain_to_db(gain), -60.0, 1e-3);
    }

    #[test]
    fn hysteresis_keeps_gate_open_between_thresholds() {
        let c = coeffs(48000.0, GateMode::Gate, 0.0);
        let mut g = Gate::new();
        g.process(&c, 0.1); // open
        let key = db_to_gain(-43.0); // below open threshold, above close threshold
        for _ in 0..48000 {
            assert_approx_eq!(g.process(&c, key), 1.0, 1e-6);
        }
        // A closed gate does not open at the same level.
        let mut h = Gate::new();
        for _ in 0..48000 {
            h.process(&c, key);
        }
        assert!(!h.is_open());
    }

    #[test]
    fn hold_delays_closing_by_hold_time() {
        let sr = 48000.0;
        let c = coeffs(sr, GateMode::Gate, 50.0);
        let c0 = coeffs(sr, GateMode::Gate, 0.0);
        let close_at = |c: &GateCoeffs| {
            let mut g = Gate::new();
            g.process(c, 0.5);
            (0..96000).position(|_| g.process(c, 0.0) < 0.5).unwrap()
        };
        let diff = close_at(&c) as f32 - close_at(&c0) as f32;
        assert_approx_eq!(diff, 0.050 * sr, 1.0);
    }

    #[test]
    fn expander_follows_ratio_below_threshold() {
        let c = coeffs(48000.0, GateMode::Expander, 0.0);
        let mut g = Gate::new();
        let key = db_to_gain(-55.0); // 15 dB under threshold at ratio 2 → −15 dB gain
        let mut gain = 1.0;
        for _ in 0..48000 {
            gain = g.process(&c, key);
        }
        // Detector ripple on DC is zero, so the curve is exact.
        assert_approx_eq!(gain_to_db(gain), -15.0, 1e-2);
    }

    #[test]
    fn attack_and_release_time_constants() {
        let sr = 96000.0;
        let c = GateCoeffs::new(sr, GateMode::Gate, -40.0, 0.0, 60.0, 1.0, 5.0, 0.0, 100.0);
        let mut g = Gate::new();
        for _ in 0..(sr as usize) {
            g.process(&c, 0.0);
        }
        assert_approx_eq!(g.gain_db(), -60.0, 1e-2);
        // Opening: gain in dB covers 63.2 % of the way (−60 → −22.07 dB) in 5 ms.
        let n = (0..(sr as usize)).position(|_| {
            g.process(&c, 0.5);
            g.gain_db() >= -60.0 * (-1.0f32).exp()
        });
        assert_approx_eq!(n.unwrap() as f32 + 1.0, 0.005 * sr, 1.5);
    }
}

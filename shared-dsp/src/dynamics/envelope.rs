//! Level detection and ballistics for dynamics processors.
//!
//! The smoothing filter is the "smooth branching" one-pole detector of Giannoulis, Massberg &
//! Reiss, "Digital Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012,
//! §3.1 (eq. 17): `y[n] = α·y[n−1] + (1−α)·x[n]`, with `α = α_A` while the input is above the
//! state (attack) and `α = α_R` otherwise (release), and `α = exp(−1 / (τ·fs))`.
//!
//! **Time constants.** `attack_ms` and `release_ms` are the time constants τ of that one-pole:
//! after a step the output covers `1 − 1/e ≈ 63.2 %` of the distance in exactly τ, at every
//! sample rate. (Some analogue consoles quote 10–90 % rise times instead: that is `τ·ln 9 ≈
//! 2.2·τ`.)

/// The one-pole step `1 − α = 1 − exp(−1/(τ·fs))` for a time constant in milliseconds.
///
/// The filter is written `y += (1 − α)·(x − y)`, and `1 − α` is computed in f64 and stored
/// directly: storing `α` itself in f32 would quantise `1 − α` by up to 1 % for 3 s time
/// constants at 44.1 kHz. A time of zero (or less) gives a step of 1: instant tracking.
#[inline]
pub fn one_pole_coeff(time_ms: f32, sample_rate_hz: f32) -> f32 {
    if time_ms <= 0.0 || sample_rate_hz <= 0.0 {
        1.0
    } else {
        -(-1.0 / (time_ms as f64 * 0.001 * sample_rate_hz as f64)).exp_m1() as f32
    }
}

/// What an [`EnvelopeFollower`] measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetectorMode {
    /// Peak: smooths `|x|` with attack and release. Reacts to every transient.
    Peak,
    /// RMS: smooths `x²` with attack and release and returns the square root, so a steady sine
    /// reads its RMS value (−3.01 dB below its peak). Reacts to average level, like the ear.
    Rms,
}

/// Attack/release coefficients of an [`EnvelopeFollower`] (separate from its state so a stereo
/// pair shares one set).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnvelopeCoeffs {
    /// One-pole step `1 − α` used while the input rises above the state (see [`one_pole_coeff`]).
    pub attack: f32,
    /// One-pole step `1 − α` used while the input falls below the state.
    pub release: f32,
    /// What is measured.
    pub mode: DetectorMode,
}

impl EnvelopeCoeffs {
    /// Coefficients for the given time constants (τ, ms; see the module docs) and sample rate.
    pub fn new(sample_rate_hz: f32, attack_ms: f32, release_ms: f32, mode: DetectorMode) -> Self {
        Self {
            attack: one_pole_coeff(attack_ms, sample_rate_hz),
            release: one_pole_coeff(release_ms, sample_rate_hz),
            mode,
        }
    }
}

/// A branching one-pole level detector (Giannoulis et al. 2012), peak or RMS.
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvelopeFollower {
    /// Smoothed `|x|` (peak) or `x²` (RMS). Kept in f64: in f32 a slow release towards a
    /// large value (e.g. −60 dB of gain) stalls a few hundredths of a dB short of its target.
    state: f64,
}

impl EnvelopeFollower {
    /// A follower at rest (level zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears the memory (level zero).
    pub fn reset(&mut self) {
        self.state = 0.0;
    }

    /// Feeds one sample and returns the detected level (linear amplitude).
    #[inline]
    pub fn process(&mut self, c: &EnvelopeCoeffs, x: f32) -> f32 {
        let v = match c.mode {
            DetectorMode::Peak => x.abs(),
            DetectorMode::Rms => x * x,
        };
        let v = v as f64;
        let b = if v > self.state { c.attack } else { c.release } as f64;
        self.state += b * (v - self.state);
        if self.state < 1.0e-30 {
            self.state = 0.0;
        }
        match c.mode {
            DetectorMode::Peak => self.state as f32,
            DetectorMode::Rms => self.state.sqrt() as f32,
        }
    }

    /// Smooths a control signal that is already a level (e.g. a gain in dB), branching on
    /// direction like [`EnvelopeFollower::process`] but without rectifying. `rising_is_attack`
    /// picks which direction uses the attack coefficient.
    #[inline]
    pub fn smooth(&mut self, c: &EnvelopeCoeffs, x: f32, rising_is_attack: bool) -> f32 {
        let x = x as f64;
        let rising = x > self.state;
        let b = if rising == rising_is_attack {
            c.attack
        } else {
            c.release
        } as f64;
        self.state += b * (x - self.state);
        if self.state.abs() < 1.0e-30 {
            self.state = 0.0;
        }
        self.state as f32
    }

    /// Sets the state directly (for a smooth start at a known level).
    pub fn set_state(&mut self, value: f32) {
        self.state = value as f64;
    }

    /// The current state (the last returned level, squared in RMS mode).
    pub fn state(&self) -> f32 {
        self.state as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assert_approx_eq::assert_approx_eq;

    /// Time for the step response to cover 1 − 1/e of the way, in ms.
    fn step_time_ms(sr: f32, c: &EnvelopeCoeffs, from: f32, to: f32) -> f32 {
        let mut e = EnvelopeFollower::new();
        e.set_state(from);
        let goal = from + (to - from) * (1.0 - (-1.0f32).exp());
        for n in 0..(sr as usize * 10) {
            let y = e.process(c, to);
            let crossed = if to > from { y >= goal } else { y <= goal };
            if crossed {
                return (n + 1) as f32 / sr * 1000.0;
            }
        }
        panic!("never settled");
    }

    #[test]
    fn attack_and_release_are_documented_time_constants_at_all_rates() {
        for sr in [44100.0f32, 48000.0, 96000.0, 192000.0] {
            for (att, rel) in [
                (0.1f32, 5.0f32),
                (1.0, 50.0),
                (10.0, 300.0),
                (100.0, 3000.0),
            ] {
                let c = EnvelopeCoeffs::new(sr, att, rel, DetectorMode::Peak);
                let t_a = step_time_ms(sr, &c, 0.0, 1.0);
                let t_r = step_time_ms(sr, &c, 1.0, 0.0);
                // One sample of quantisation is the only allowed error.
                // One sample of quantisation (plus rounding at the crossing) is the only error.
                let one_sample_ms = 1.5 * 1000.0 / sr;
                assert!(
                    (t_a - att).abs() <= one_sample_ms,
                    "attack {t_a} vs {att} at {sr}"
                );
                assert!(
                    (t_r - rel).abs() <= one_sample_ms,
                    "release {t_r} vs {rel} at {sr}"
                );
            }
        }
    }

    #[test]
    fn rms_mode_reads_sine_rms_and_peak_mode_reads_peak() {
        let sr = 48000.0;
        let c_rms = EnvelopeCoeffs::new(sr, 50.0, 50.0, DetectorMode::Rms);
        let c_pk = EnvelopeCoeffs::new(sr, 0.0, 500.0, DetectorMode::Peak);
        let (mut rms, mut pk) = (EnvelopeFollower::new(), EnvelopeFollower::new());
        let (mut r, mut p) = (0.0, 0.0);
        for n in 0..(sr as usize * 2) {
            let x = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / sr).sin();
            r = rms.process(&c_rms, x);
            p = pk.process(&c_pk, x);
        }
        assert_approx_eq!(r, 0.5 / 2f32.sqrt(), 0.01);
        assert_approx_eq!(p, 0.5, 0.005);
    }

    #[test]
    fn zero_time_tracks_instantly() {
        let c = EnvelopeCoeffs::new(48000.0, 0.0, 0.0, DetectorMode::Peak);
        let mut e = EnvelopeFollower::new();
        assert_approx_eq!(e.process(&c, -0.7), 0.7, 1e-7);
        assert_approx_eq!(e.process(&c, 0.1), 0.1, 1e-7);
    }

    #[test]
    fn smooth_branches_on_direction() {
        let c = EnvelopeCoeffs::new(48000.0, 0.0, 1000.0, DetectorMode::Peak);
        let mut e = EnvelopeFollower::new();
        // Falling (e.g. more gain reduction) uses attack when rising_is_attack = false.
        assert_approx_eq!(e.smooth(&c, -6.0, false), -6.0, 1e-6);
        let y = e.smooth(&c, 0.0, false);
        assert!(y < -5.9, "release is slow: {y}");
    }
}

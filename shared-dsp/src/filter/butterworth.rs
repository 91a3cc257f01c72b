//! Butterworth high-pass and low-pass filters of order 1–8 (6–48 dB/octave) as cascades of
//! biquad sections.
//!
//! The analog Butterworth prototype of order `n` has its poles evenly spaced on the unit
//! circle; conjugate pole pair `k` (k = 1..⌊n/2⌋) forms a second-order section of quality
//! `Q_k = 1 / (2·sin((2k − 1)·π / (2n)))`, and odd orders add one first-order section
//! (S. Butterworth, "On the Theory of Filter Amplifiers", 1930; e.g. U. Zölzer, "Digital Audio
//! Signal Processing", ch. 5, or the RBJ Audio EQ Cookbook notes on cascading). Each section is
//! the bilinear transform prewarped at the cutoff ([`BiquadCoeffs::lowpass`] etc.), so the
//! cascade is exactly the bilinear transform of the analog filter: −3.01 dB at the cutoff for
//! every order, maximally flat passband.
//!
//! Like [`BiquadCoeffs`](crate::filter::biquad::BiquadCoeffs) the section coefficients are kept in
//! `f64`: rounded to `f32`, an 8th-order 10 Hz high-pass at 384 kHz would be −37 dB at its
//! cutoff instead of −3 dB (the direct-form poles of low corners at high rates need more than
//! 24 bits).

use crate::filter::biquad::{eval_z, pass_f64, BiquadState};

/// Roll-off of a Butterworth filter in dB per octave (order × 6.02 dB/oct).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilterSlope {
    /// 6 dB/oct, order 1 (one first-order section).
    Db6,
    /// 12 dB/oct, order 2 (one biquad, Q = 0.7071).
    Db12,
    /// 18 dB/oct, order 3 (first-order section + one biquad).
    Db18,
    /// 24 dB/oct, order 4 (two biquads).
    Db24,
    /// 36 dB/oct, order 6 (three biquads).
    Db36,
    /// 48 dB/oct, order 8 (four biquads).
    Db48,
}

impl FilterSlope {
    /// Filter order (number of poles): 1, 2, 3, 4, 6 or 8.
    pub fn order(self) -> usize {
        match self {
            FilterSlope::Db6 => 1,
            FilterSlope::Db12 => 2,
            FilterSlope::Db18 => 3,
            FilterSlope::Db24 => 4,
            FilterSlope::Db36 => 6,
            FilterSlope::Db48 => 8,
        }
    }

    /// Every slope, from gentlest to steepest.
    pub fn all() -> [FilterSlope; 6] {
        [
            FilterSlope::Db6,
            FilterSlope::Db12,
            FilterSlope::Db18,
            FilterSlope::Db24,
            FilterSlope::Db36,
            FilterSlope::Db48,
        ]
    }

    /// Nominal roll-off in dB per octave (6, 12, 18, 24, 36, 48).
    pub fn db_per_octave(self) -> f32 {
        6.0 * self.order() as f32
    }
}

/// Maximum number of sections (order 8 = four biquads).
const MAX_SECTIONS: usize = 4;

/// Coefficients of a Butterworth cascade: up to four biquad sections (the first one
/// first-order for odd orders), each `[b0, b1, b2, a1, a2]` in `f64`. `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ButterworthCoeffs {
    sections: [[f64; 5]; MAX_SECTIONS],
    num_sections: usize,
    sample_rate_hz: f64,
}

/// Pass-through section.
const IDENTITY: [f64; 5] = [1.0, 0.0, 0.0, 0.0, 0.0];

/// Quality factor of second-order section `k` (0-based) of an order-`n` Butterworth filter:
/// `1 / (2·sin((2k + 1)·π / (2n)))`.
fn section_q(n: usize, k: usize) -> f64 {
    let theta = (2 * k + 1) as f64 * std::f64::consts::PI / (2 * n) as f64;
    1.0 / (2.0 * theta.sin())
}

impl ButterworthCoeffs {
    fn design(sample_rate_hz: f32, freq_hz: f32, slope: FilterSlope, high: bool) -> Self {
        let n = slope.order();
        let mut sections = [IDENTITY; MAX_SECTIONS];
        let mut num_sections = 0;
        let mut fs = 0.0;
        if n % 2 == 1 {
            (sections[0], fs) = pass_f64(sample_rate_hz, freq_hz, 1.0, high, true);
            num_sections = 1;
        }
        for k in 0..n / 2 {
            (sections[num_sections], fs) =
                pass_f64(sample_rate_hz, freq_hz, section_q(n, k), high, false);
            num_sections += 1;
        }
        Self {
            sections,
            num_sections,
            sample_rate_hz: fs,
        }
    }

    /// Butterworth low-pass with −3.01 dB cutoff `freq_hz` (clamped to [1 Hz, 0.499·fs]) and
    /// roll-off `slope`.
    pub fn lowpass(sample_rate_hz: f32, freq_hz: f32, slope: FilterSlope) -> Self {
        Self::design(sample_rate_hz, freq_hz, slope, false)
    }

    /// Butterworth high-pass with −3.01 dB cutoff `freq_hz` (clamped to [1 Hz, 0.499·fs]) and
    /// roll-off `slope`.
    pub fn highpass(sample_rate_hz: f32, freq_hz: f32, slope: FilterSlope) -> Self {
        Self::design(sample_rate_hz, freq_hz, slope, true)
    }

    /// Pass-through (no sections): `process` returns its input unchanged.
    pub fn bypass(sample_rate_hz: f32) -> Self {
        Self {
            sections: [IDENTITY; MAX_SECTIONS],
            num_sections: 0,
            sample_rate_hz: sample_rate_hz as f64,
        }
    }

    /// Number of active sections (0 for bypass, 1–4).
    pub fn num_sections(&self) -> usize {
        self.num_sections
    }

    /// Complex frequency response at `freq_hz` as `(re, im)`: the product of the sections'
    /// responses, in `f64`.
    pub fn response(&self, freq_hz: f32) -> (f64, f64) {
        let w = 2.0 * std::f64::consts::PI * freq_hz as f64 / self.sample_rate_hz;
        self.sections[..self.num_sections]
            .iter()
            .fold((1.0, 0.0), |(re, im), c| {
                let (r, i) = eval_z([c[0], c[1], c[2]], [1.0, c[3], c[4]], w);
                (re * r - im * i, re * i + im * r)
            })
    }

    /// Magnitude of [`Self::response`] in dB (floored at −400 dB).
    pub fn magnitude_db(&self, freq_hz: f32) -> f32 {
        let (re, im) = self.response(freq_hz);
        (10.0 * (re * re + im * im).max(1e-40).log10()) as f32
    }
}

/// Memory of a Butterworth cascade (one [`BiquadState`] per section).
#[derive(Clone, Copy, Debug, Default)]
pub struct ButterworthState {
    states: [BiquadState; MAX_SECTIONS],
}

impl ButterworthState {
    /// Clears the memory (realtime-safe).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Flushes tiny state values to zero (see [`BiquadState::flush_denormals`]); call once
    /// per block when using [`Self::process`].
    #[inline]
    pub fn flush_denormals(&mut self) {
        for st in self.states.iter_mut() {
            st.flush_denormals();
        }
    }

    /// Filters one sample through the cascade `c` (computed in `f64`). Does not flush
    /// denormals: call [`Self::flush_denormals`] once per block.
    #[inline]
    pub fn process(&mut self, c: &ButterworthCoeffs, x: f32) -> f32 {
        let mut y = x as f64;
        for (st, sec) in self.states.iter_mut().zip(&c.sections[..c.num_sections]) {
            y = st.process_f64(sec, y);
        }
        y as f32
    }

    /// Filters `buf` in place through the cascade `c`.
    pub fn process_block(&mut self, c: &ButterworthCoeffs, buf: &mut [f32]) {
        let mut states = self.states;
        let n = c.num_sections;
        for x in buf.iter_mut() {
            let mut y = *x as f64;
            for (st, sec) in states.iter_mut().zip(&c.sections[..n]) {
                y = st.process_f64(sec, y);
            }
            *x = y as f32;
        }
        self.states = states;
        self.flush_denormals();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    #[test]
    fn minus_3db_at_cutoff_every_order() {
        for fs in [44100.0f32, 48000.0, 96000.0] {
            for slope in FilterSlope::all() {
                for (fc_lp, fc_hp) in [(30.0f32, 10.0f32), (1000.0, 1000.0), (15000.0, 15000.0)] {
                    let lp = ButterworthCoeffs::lowpass(fs, fc_lp, slope).magnitude_db(fc_lp);
                    let hp = ButterworthCoeffs::highpass(fs, fc_hp, slope).magnitude_db(fc_hp);
                    assert!(
                        (lp + 3.0103).abs() < 0.01,
                        "lp {slope:?} {fc_lp} {fs}: {lp}"
                    );
                    assert!(
                        (hp + 3.0103).abs() < 0.01,
                        "hp {slope:?} {fc_hp} {fs}: {hp}"
                    );
                }
            }
        }
    }

    #[test]
    fn asymptotic_slope() {
        for slope in FilterSlope::all() {
            let want = slope.order() as f32 * 6.0206;
            // High-pass: between fc/16 and fc/8 (bilinear warping negligible there).
            let hp = ButterworthCoeffs::highpass(48000.0, 1000.0, slope);
            let d = hp.magnitude_db(125.0) - hp.magnitude_db(62.5);
            assert!((d - want).abs() < 0.3, "hp {slope:?}: {d} dB/oct");
            // Low-pass: between 8·fc and 16·fc at a high rate (far from Nyquist).
            let lp = ButterworthCoeffs::lowpass(384000.0, 500.0, slope);
            let d = lp.magnitude_db(4000.0) - lp.magnitude_db(8000.0);
            assert!((d - want).abs() < 0.3, "lp {slope:?}: {d} dB/oct");
        }
    }

    /// The cascade equals the bilinear transform of the analog Butterworth filter:
    /// `|H|² = 1 / (1 + Ω^(2n))` with `Ω = tan(π·f/fs) / tan(π·fc/fs)` (LP; `1/Ω` for HP).
    #[test]
    fn matches_warped_analog_butterworth() {
        let fs = 48000.0f64;
        for slope in FilterSlope::all() {
            let n = slope.order() as i32;
            for fc in [100.0f64, 1000.0, 10000.0] {
                let lp = ButterworthCoeffs::lowpass(fs as f32, fc as f32, slope);
                let hp = ButterworthCoeffs::highpass(fs as f32, fc as f32, slope);
                for f in [20.0f64, 50.0, 300.0, 1000.0, 3000.0, 12000.0, 20000.0] {
                    let om = (std::f64::consts::PI * f / fs).tan()
                        / (std::f64::consts::PI * fc / fs).tan();
                    let want_lp = -10.0 * (1.0 + om.powi(2 * n)).log10();
                    let want_hp = -10.0 * (1.0 + om.powi(-2 * n)).log10();
                    for (got, want) in [
                        (lp.magnitude_db(f as f32), want_lp),
                        (hp.magnitude_db(f as f32), want_hp),
                    ] {
                        if want > -80.0 {
                            assert!(
                                (got as f64 - want).abs() < 0.02,
                                "{slope:?} fc {fc} f {f}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn impulse_fft_matches_response() {
        const N: usize = 65536;
        let fs = 48000.0f32;
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(N);
        for slope in FilterSlope::all() {
            for c in [
                ButterworthCoeffs::lowpass(fs, 2000.0, slope),
                ButterworthCoeffs::highpass(fs, 300.0, slope),
                ButterworthCoeffs::bypass(fs),
            ] {
                let mut st = ButterworthState::default();
                let mut x = vec![0.0f32; N];
                x[0] = 1.0;
                st.process_block(&c, &mut x);
                let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
                let mut out = fft.make_output_vec();
                fft.process(&mut input, &mut out).unwrap();
                for (k, z) in out.iter().enumerate().skip(1).take(N / 2 - 200) {
                    let f = k as f64 * fs as f64 / N as f64;
                    let r = c.magnitude_db(f as f32) as f64;
                    if r < -60.0 {
                        continue;
                    }
                    let m = 10.0 * z.norm_sqr().log10();
                    assert!((m - r).abs() < 0.01, "{slope:?} at {f} Hz: fft {m} vs {r}");
                }
            }
        }
    }

    #[test]
    fn per_sample_equals_block() {
        let c = ButterworthCoeffs::highpass(44100.0, 80.0, FilterSlope::Db36);
        let input: Vec<f32> = (0..1001)
            .map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0)
            .collect();
        let mut a = ButterworthState::default();
        let mut b = ButterworthState::default();
        let mut blk = input.clone();
        b.process_block(&c, &mut blk);
        for (x, y) in input.iter().zip(&blk) {
            assert_eq!(a.process(&c, *x), *y);
        }
    }

    #[test]
    fn stable_at_extreme_rates() {
        for fs in [22050.0f32, 384000.0] {
            for slope in FilterSlope::all() {
                for f in [10.0f32, 100.0, 1000.0, 10000.0, 22000.0] {
                    let hp = ButterworthCoeffs::highpass(fs, f, slope);
                    let lp = ButterworthCoeffs::lowpass(fs, f, slope);
                    let fc = f.min(0.499 * fs);
                    assert!(
                        (hp.magnitude_db(fc) + 3.0103).abs() < 0.01,
                        "{fs} {f} {slope:?}"
                    );
                    assert!(
                        (lp.magnitude_db(fc) + 3.0103).abs() < 0.01,
                        "{fs} {f} {slope:?}"
                    );
                    for c in [
                        ButterworthCoeffs::lowpass(fs, f, slope),
                        ButterworthCoeffs::highpass(fs, f, slope),
                    ] {
                        let mut st = ButterworthState::default();
                        let mut buf = vec![0.0f32; 1 << 16];
                        buf[0] = 1.0;
                        st.process_block(&c, &mut buf);
                        assert!(buf.iter().all(|v| v.is_finite()));
                        let tail = buf[buf.len() - 100..]
                            .iter()
                            .fold(0.0f32, |a, v| a.max(v.abs()));
                        assert!(tail < 1e-3, "{slope:?} {f} {fs}: tail {tail}");
                    }
                }
            }
        }
    }
}

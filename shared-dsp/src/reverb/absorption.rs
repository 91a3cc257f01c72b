//! The absorption filter of a reverberator's delay line: an octave graphic equaliser whose
//! command gains make the line lose, at every octave-band centre, exactly the level the set
//! decay time asks for.
//!
//! V. Välimäki and J. Liski, "Accurate cascade graphic equalizer", IEEE Signal Processing
//! Letters 24(2), 2017: ten second-order peak/notch sections at the octave centres
//! 31.25 Hz–16 kHz, bandwidth 1.5·ω_c, gain at the band edges `c = 0.3` of the peak gain in
//! dB; the command gains solve the interaction matrix (each section's dB response, at a
//! prototype gain, sampled at the centres). Where Välimäki and Liski fit the centres and
//! midpoints by least squares, this fits the centres exactly (a square system) and repeats
//! with the matrix taken at the previous solution's own gains until the sections' nonlinearity
//! is absorbed: the loss at every centre is then the asked one, to 10⁻³ dB. K. Prawda, V. Välimäki and S. J. Schlecht, "Improved reverberation time
//! control for feedback delay networks", DAFx 2019, put this equaliser in every line of a
//! feedback delay network for an accurate decay per band.
//!
//! In a delay network the loss each line needs is its length times the loss per second, so
//! the command gains of every line are one shape scaled by the line's length:
//! [`AbsorptionDesign::new`] solves once for the shape, [`AbsorptionDesign::line`] scales it.
//! The broadband part (the loss at mid frequencies) is left to a plain gain, so with equal
//! decay at every frequency the equaliser is the identity.

/// Octave-band centres, Hz.
pub const BANDS_HZ: [f64; NUM_BANDS] = [
    31.25, 62.5, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0,
];
/// Number of bands.
pub const NUM_BANDS: usize = 10;
/// Gain at the band edges over the peak gain, in dB (Välimäki and Liski's `c`).
const EDGE_GAIN_RATIO: f64 = 0.3;
/// Sections whose gain is below this, dB, are left out (the identity).
const IDENTITY_DB: f64 = 1e-4;

/// One peak/notch section, `b0 + b1·z⁻¹ + b2·z⁻²` over `1 + a1·z⁻¹ + a2·z⁻²`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Section {
    /// Feed-forward coefficients.
    pub b: [f64; 3],
    /// Feedback coefficients (a0 = 1).
    pub a: [f64; 2],
}

impl Section {
    /// The identity.
    pub const IDENTITY: Self = Self {
        b: [1.0, 0.0, 0.0],
        a: [0.0, 0.0],
    };

    /// The section for band `band` with `gain_db` at `fs` (the identity for a zero gain or
    /// a band at or above 0.45·fs).
    pub fn design(band: usize, gain_db: f64, fs: f64) -> Self {
        let wc = 2.0 * std::f64::consts::PI * BANDS_HZ[band] / fs;
        if gain_db.abs() < IDENTITY_DB || BANDS_HZ[band] >= 0.45 * fs {
            return Self::IDENTITY;
        }
        // The bandwidth shrinks near Nyquist so its upper edge stays below it.
        let bw = (1.5 * wc).min(1.6 * (std::f64::consts::PI - wc));
        let g = 10f64.powf(gain_db / 20.0);
        let gb = 10f64.powf(EDGE_GAIN_RATIO * gain_db / 20.0);
        let beta = (bw / 2.0).tan() * ((gb * gb - 1.0).abs() / (g * g - gb * gb).abs()).sqrt();
        let cw = -2.0 * wc.cos();
        let a0 = 1.0 + beta;
        Self {
            b: [(1.0 + g * beta) / a0, cw / a0, (1.0 - g * beta) / a0],
            a: [cw / a0, (1.0 - beta) / a0],
        }
    }

    /// The section's gain (dB) and phase delay (samples) at a frequency given by its
    /// [`Trig`] (the cheap form the fit evaluates thousands of times).
    #[inline]
    pub fn response_at(&self, t: &Trig) -> (f64, f64) {
        let nr = self.b[0] + self.b[1] * t.c1 + self.b[2] * t.c2;
        let ni = -(self.b[1] * t.s1 + self.b[2] * t.s2);
        let dr = 1.0 + self.a[0] * t.c1 + self.a[1] * t.c2;
        let di = -(self.a[0] * t.s1 + self.a[1] * t.s2);
        let db = 10.0 * ((nr * nr + ni * ni) / (dr * dr + di * di)).log10();
        (db, -(ni.atan2(nr) - di.atan2(dr)) / t.w)
    }

    /// The section's phase delay at `freq_hz`, samples (`−arg H / ω`).
    pub fn phase_delay_at(&self, freq_hz: f64, fs: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq_hz / fs;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = -(self.b[1] * s1 + self.b[2] * s2);
        let dr = 1.0 + self.a[0] * c1 + self.a[1] * c2;
        let di = -(self.a[0] * s1 + self.a[1] * s2);
        -(ni.atan2(nr) - di.atan2(dr)) / w
    }

    /// The section's gain at `freq_hz`, dB.
    pub fn db_at(&self, freq_hz: f64, fs: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq_hz / fs;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = -(self.b[1] * s1 + self.b[2] * s2);
        let dr = 1.0 + self.a[0] * c1 + self.a[1] * c2;
        let di = -(self.a[0] * s1 + self.a[1] * s2);
        10.0 * ((nr * nr + ni * ni) / (dr * dr + di * di)).log10()
    }
}

/// `cos`/`sin` of `ω` and `2ω` at one frequency, for [`Section::response_at`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Trig {
    /// ω, radians per sample.
    pub w: f64,
    c1: f64,
    s1: f64,
    c2: f64,
    s2: f64,
}

impl Trig {
    /// The terms at `freq_hz` and `fs`.
    pub fn new(freq_hz: f64, fs: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * freq_hz / fs;
        Self {
            w,
            c1: w.cos(),
            s1: w.sin(),
            c2: (2.0 * w).cos(),
            s2: (2.0 * w).sin(),
        }
    }
}

/// Passes of the fit (the first at a prototype gain).
const PASSES: usize = 4;

/// Solves the `n × n` system `m·x = y` in place by Gaussian elimination with partial
/// pivoting (`n ≤ NUM_BANDS`).
fn solve(m: &mut [[f64; NUM_BANDS]; NUM_BANDS], y: &mut [f64; NUM_BANDS], n: usize) {
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        m.swap(col, pivot);
        y.swap(col, pivot);
        let d = m[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        let pivot_row = m[col];
        for row in col + 1..n {
            let f = m[row][col] / d;
            for (a, b) in m[row][col..n].iter_mut().zip(&pivot_row[col..n]) {
                *a -= f * b;
            }
            y[row] -= f * y[col];
        }
    }
    for col in (0..n).rev() {
        let mut acc = y[col];
        for k in col + 1..n {
            acc -= m[col][k] * y[k];
        }
        y[col] = if m[col][col].abs() < 1e-300 {
            0.0
        } else {
            acc / m[col][col]
        };
    }
}

/// The command gains of one design.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbsorptionDesign {
    /// The loss asked at each centre for a line one sample long, dB.
    target_per_sample_db: [f64; NUM_BANDS],
    /// The command gains for a line one sample long, from the fit at the typical length, dB.
    per_sample_db: [f64; NUM_BANDS],
    /// The broadband loss per sample (left to the line's gain), dB.
    broadband_per_sample_db: f64,
    /// Bands in use at this sample rate.
    bands: usize,
    fs: f64,
    /// The centres' trigonometric terms.
    trig: [Trig; NUM_BANDS],
}

impl AbsorptionDesign {
    /// Fits the equaliser to `excess_db_per_s(freq_hz)`, the loss per second beyond the
    /// broadband one (negative: more loss), for a line `typical_length` samples long; other
    /// lengths start from this fit ([`AbsorptionDesign::line`]). `broadband_db_per_s` is the
    /// loss the line's gain takes (negative). Allocation-free.
    pub fn new(
        excess_db_per_s: impl Fn(f64) -> f64,
        broadband_db_per_s: f64,
        typical_length: f64,
        fs: f64,
    ) -> Self {
        let bands = BANDS_HZ.iter().filter(|&&f| f < 0.45 * fs).count();
        let mut target = [0.0; NUM_BANDS];
        for (t, &f) in target.iter_mut().zip(BANDS_HZ.iter()).take(bands) {
            *t = excess_db_per_s(f) / fs;
        }
        let mut trig = [Trig::default(); NUM_BANDS];
        for (t, &f) in trig.iter_mut().zip(BANDS_HZ.iter()) {
            *t = Trig::new(f, fs);
        }
        let mut d = Self {
            target_per_sample_db: target,
            per_sample_db: [0.0; NUM_BANDS],
            broadband_per_sample_db: broadband_db_per_s / fs,
            bands,
            fs,
            trig,
        };
        let peak = target[..bands].iter().fold(0.0f64, |m, t| m.max(t.abs())) * typical_length;
        if peak < IDENTITY_DB {
            return d;
        }
        let mut want = target;
        for w in want.iter_mut() {
            *w *= typical_length;
        }
        let gains = d.fit([-(peak.clamp(0.01, 40.0)); NUM_BANDS], &want, PASSES);
        for (p, g) in d.per_sample_db.iter_mut().zip(gains) {
            *p = g / typical_length;
        }
        d
    }

    /// `passes` of the fit of the gains `want` (dB at each centre), starting from the gains
    /// `proto`: each pass takes the interaction matrix at the previous gains.
    fn fit(
        &self,
        mut proto: [f64; NUM_BANDS],
        want: &[f64; NUM_BANDS],
        passes: usize,
    ) -> [f64; NUM_BANDS] {
        let bands = self.bands;
        for _pass in 0..passes {
            // basis[j][k]: section k's response at centre j per dB of its gain.
            let mut basis = [[0.0; NUM_BANDS]; NUM_BANDS];
            for (k, &g) in proto.iter().enumerate().take(bands) {
                let g = if g.abs() < 0.01 { -0.01 } else { g };
                let s = Section::design(k, g, self.fs);
                for (j, t) in self.trig.iter().enumerate().take(bands) {
                    basis[j][k] = s.response_at(t).0 / g;
                }
            }
            let mut y = *want;
            solve(&mut basis, &mut y, bands);
            proto = y;
        }
        proto
    }

    /// The sections of a line whose loop is `length` samples long at mid frequencies and
    /// `length + dispersion[k]` at centre `k` (a dispersive delay in the loop, such as the
    /// network's modulation allpass): the typical fit scaled to the length and refined at
    /// it, so the loss at every centre is the asked one for this line too. The sections' own
    /// phase delay also lengthens (or shortens) the loop at each centre, and the loss per
    /// pass must be the one for the loop's real length: the fit is repeated once with each
    /// centre's length plus the phase delay the first fit has there. The broadband loss is
    /// the line gain's, over `length`.
    pub fn line(&self, length: f64, dispersion: &[f64; NUM_BANDS]) -> [Section; NUM_BANDS] {
        let mut s = [Section::IDENTITY; NUM_BANDS];
        let b = self.broadband_per_sample_db;
        let want_for = |k: usize, tau: f64| {
            let t = self.target_per_sample_db[k];
            t * length + (t + b) * tau.max(1.0 - length)
        };
        let mut want = [0.0; NUM_BANDS];
        for (k, w) in want.iter_mut().enumerate().take(self.bands) {
            *w = want_for(k, dispersion[k]);
        }
        if want.iter().all(|w| w.abs() < IDENTITY_DB) {
            return s;
        }
        let mut gains = [0.0; NUM_BANDS];
        for (v, g) in gains.iter_mut().zip(self.per_sample_db) {
            *v = if g == 0.0 { -0.01 } else { g * length };
        }
        for pass in 0..2 {
            gains = self.fit(gains, &want, 1 + pass);
            for (k, v) in s.iter_mut().enumerate().take(self.bands) {
                *v = Section::design(k, gains[k], self.fs);
            }
            if pass == 0 {
                for (k, w) in want.iter_mut().enumerate().take(self.bands) {
                    let tau: f64 = s.iter().map(|x| x.response_at(&self.trig[k]).1).sum();
                    *w = want_for(k, dispersion[k] + tau);
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_has_its_gain_at_its_centre_and_the_edge_ratio_an_edge_away() {
        let fs = 48_000.0;
        for (band, g) in [(2, -6.0), (5, 3.0), (8, -12.0)] {
            let s = Section::design(band, g, fs);
            assert!((s.db_at(BANDS_HZ[band], fs) - g).abs() < 1e-9);
            assert!(s.db_at(BANDS_HZ[band] / 16.0, fs).abs() < 0.1 * g.abs());
        }
        assert_eq!(Section::design(3, 0.0, fs), Section::IDENTITY);
    }

    #[test]
    fn the_fit_follows_a_smooth_loss_curve_at_every_centre() {
        // A loss of 20 dB/s below 200 Hz and 40 dB/s above 4 kHz, with soft steps between.
        let fs = 48_000.0;
        let curve = |f: f64| {
            let lo = 1.0 / (1.0 + (4.4 * (f / 200.0).log2()).exp());
            let hi = 1.0 / (1.0 + (-4.4 * (f / 4000.0).log2()).exp());
            -20.0 * lo - 40.0 * hi
        };
        let d = AbsorptionDesign::new(curve, 0.0, 2400.0, fs);
        for length in [240.0, 2400.0, 4800.0] {
            let s = d.line(length, &[0.0; NUM_BANDS]);
            for &f in &BANDS_HZ[..10] {
                let got: f64 = s.iter().map(|x| x.db_at(f, fs)).sum();
                let tau: f64 = s.iter().map(|x| x.phase_delay_at(f, fs)).sum();
                let want = curve(f) * (length + tau) / fs;
                assert!(
                    (got - want).abs() <= 1e-3,
                    "{length} samples, {f} Hz: {got:.4} dB, wanted {want:.4}"
                );
            }
        }
    }
}

//! Feedback delay network: the late reverberation of the Lathe Reverb.
//!
//! ```text
//! in L, R → b (input gains, ±1/4) ─┐
//!                                  ▼
//!   ┌────── z^−m_i (16 lines) → absorption A_i(z) ──┬──→ c (output taps) → out L, R
//!   └── H (16×16 Hadamard / 4, orthogonal) ←────────┘
//! ```
//!
//! J.-M. Jot and A. Chaigne, "Digital delay networks for designing artificial
//! reverberators", AES 90th Convention, 1991: with an orthogonal feedback matrix the network
//! is lossless, and a gain per line of `10^(−3·m_i / (fs·T60))` (the line's length `m_i` in
//! samples) makes every mode decay at the same rate, 60 dB in `T60` seconds, whatever the
//! line lengths. The absorption of each line is that gain at mid frequencies times a
//! first-order low shelf and a first-order high shelf whose gains are the ratios of the same
//! expression at the low and high decay times (Jot, "An analysis/synthesis approach to
//! real-time artificial reverberation", ICASSP 1992), so the decay time follows the set RT60
//! per band. The Hadamard matrix (Sylvester's construction, scaled by 1/√16) is applied as a
//! fast Walsh–Hadamard transform: 64 additions per sample. Line lengths are primes spread
//! geometrically, so no two lines share a common period (the echo density grows fastest).
//!
//! Coefficients ([`FdnCoeffs`]) are separate from the state ([`Fdn`]); nothing allocates
//! after [`Fdn::new`].

use crate::range::Range;

/// Number of delay lines.
pub const NUM_LINES: usize = 16;
/// Highest sample rate the lines are sized for, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Shortest line at the smallest and at the largest size, ms.
const SHORTEST_MS: (f32, f32) = (7.0, 23.0);
/// Longest line at the smallest and at the largest size, ms.
const LONGEST_MS: (f32, f32) = (29.0, 97.0);
/// Room for the longest line, ms.
const MAX_LINE_MS: f32 = 100.0;

/// Mid-frequency decay time, s.
pub const RT60_S: Range = Range::new(0.1, 20.0, 2.0);
/// Decay multiplier below the low crossover and above the high crossover.
pub const DECAY_MULT: Range = Range::new(0.25, 4.0, 1.0);
/// Low crossover, Hz.
pub const LOW_XOVER_HZ: Range = Range::new(50.0, 1000.0, 250.0);
/// High crossover, Hz.
pub const HIGH_XOVER_HZ: Range = Range::new(1000.0, 16000.0, 4000.0);
/// Size, 0 (small room) – 1 (large hall).
pub const SIZE: Range = Range::new(0.0, 1.0, 0.5);

/// The settings of the network in plain units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdnSettings {
    /// Decay time at mid frequencies (RT60), s.
    pub rt60_s: f32,
    /// Low-frequency decay time over the mid one.
    pub low_mult: f32,
    /// High-frequency decay time over the mid one.
    pub high_mult: f32,
    /// Crossover between low and mid decay, Hz.
    pub low_xover_hz: f32,
    /// Crossover between mid and high decay, Hz.
    pub high_xover_hz: f32,
    /// Size, 0–1: scales the line lengths.
    pub size: f32,
}

impl Default for FdnSettings {
    fn default() -> Self {
        Self {
            rt60_s: RT60_S.default,
            low_mult: DECAY_MULT.default,
            high_mult: DECAY_MULT.default,
            low_xover_hz: LOW_XOVER_HZ.default,
            high_xover_hz: HIGH_XOVER_HZ.default,
            size: SIZE.default,
        }
    }
}

/// A first-order section `y = b0·x + b1·x₋₁ − a1·y₋₁`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct FirstOrder {
    b0: f32,
    b1: f32,
    a1: f32,
}

impl FirstOrder {
    /// Bilinear transform of `(n1·s + n0)/(d1·s + d0)`, with `s` prewarped at `fc_hz`.
    fn bilinear(n1: f64, n0: f64, d1: f64, d0: f64, fc_hz: f64, fs: f64) -> Self {
        // s = c·(1 − z⁻¹)/(1 + z⁻¹), c = ω_c / tan(ω_c / 2fs) so the crossover is exact.
        let wc = 2.0 * std::f64::consts::PI * fc_hz;
        let c = wc / (wc / (2.0 * fs)).tan();
        let a0 = d1 * c + d0;
        Self {
            b0: ((n1 * c + n0) / a0) as f32,
            b1: ((n0 - n1 * c) / a0) as f32,
            a1: ((d0 - d1 * c) / a0) as f32,
        }
    }

    /// A shelf with gain `k_low` at DC and 1 at Nyquist (`k_low < 1`: the lows decay
    /// faster), half way in dB at `fc_hz`: `(s + ω√k)/(s + ω/√k)`.
    fn low_shelf(k_low: f64, fc_hz: f64, fs: f64) -> Self {
        let wc = 2.0 * std::f64::consts::PI * fc_hz;
        let r = k_low.sqrt();
        Self::bilinear(1.0, wc * r, 1.0, wc / r, fc_hz, fs)
    }

    /// A shelf with gain 1 at DC and `k_high` at Nyquist, half way in dB at `fc_hz`:
    /// `k·(s + ω/√k)/(s + ω√k)`.
    fn high_shelf(k_high: f64, fc_hz: f64, fs: f64) -> Self {
        let wc = 2.0 * std::f64::consts::PI * fc_hz;
        let r = k_high.sqrt();
        Self::bilinear(k_high, k_high * wc / r, 1.0, wc * r, fc_hz, fs)
    }
}

/// The network's coefficients for one set of settings at one sample rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdnCoeffs {
    /// Line lengths, samples.
    pub lengths: [usize; NUM_LINES],
    /// Mid-frequency gain of each line.
    gain: [f32; NUM_LINES],
    low: [FirstOrder; NUM_LINES],
    high: [FirstOrder; NUM_LINES],
}

/// The smallest prime ≥ `n` (trial division: lengths are below 40 000).
fn next_prime(mut n: usize) -> usize {
    n = n.max(2);
    loop {
        if (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
        {
            return n;
        }
        n += 1;
    }
}

impl FdnCoeffs {
    /// Designs the network for `settings` (clamped to their ranges) at `sample_rate_hz`.
    /// Allocation-free.
    pub fn design(settings: &FdnSettings, sample_rate_hz: f32) -> Self {
        let fs = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ) as f64;
        let size = SIZE.clamp(settings.size) as f64;
        let rt60 = RT60_S.clamp(settings.rt60_s) as f64;
        let low_mult = DECAY_MULT.clamp(settings.low_mult) as f64;
        let high_mult = DECAY_MULT.clamp(settings.high_mult) as f64;
        let nyquist_room = 0.45 * fs;
        let low_fc = (LOW_XOVER_HZ.clamp(settings.low_xover_hz) as f64).min(nyquist_room);
        let high_fc = (HIGH_XOVER_HZ.clamp(settings.high_xover_hz) as f64).min(nyquist_room);
        let lerp = |(a, b): (f32, f32)| a as f64 + (b - a) as f64 * size;
        let (shortest, longest) = (lerp(SHORTEST_MS) * 1e-3 * fs, lerp(LONGEST_MS) * 1e-3 * fs);
        let mut lengths = [0usize; NUM_LINES];
        let mut last = 0;
        for (i, m) in lengths.iter_mut().enumerate() {
            let t = i as f64 / (NUM_LINES - 1) as f64;
            let target = (shortest * (longest / shortest).powf(t)).round() as usize;
            *m = next_prime(target.max(last + 1));
            last = *m;
        }
        // Gain for one pass through a line of m samples at decay time T: 10^(−3m/(fs·T)).
        let pass_db = |m: usize, t: f64| -60.0 * m as f64 / (fs * t);
        let mut c = Self {
            lengths,
            gain: [0.0; NUM_LINES],
            low: [FirstOrder::default(); NUM_LINES],
            high: [FirstOrder::default(); NUM_LINES],
        };
        for (i, &m) in lengths.iter().enumerate() {
            let mid_db = pass_db(m, rt60);
            let low_db = pass_db(m, rt60 * low_mult) - mid_db;
            let high_db = pass_db(m, rt60 * high_mult) - mid_db;
            let g = |db: f64| 10f64.powf(db / 20.0);
            c.gain[i] = g(mid_db) as f32;
            c.low[i] = FirstOrder::low_shelf(g(low_db), low_fc, fs);
            c.high[i] = FirstOrder::high_shelf(g(high_db), high_fc, fs);
        }
        c
    }
}

/// In-place fast Walsh–Hadamard transform of 16 values, scaled by 1/4 (orthogonal).
#[inline]
fn hadamard16(v: &mut [f32; NUM_LINES]) {
    let mut h = 1;
    while h < NUM_LINES {
        for i in (0..NUM_LINES).step_by(2 * h) {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
    for x in v.iter_mut() {
        *x *= 0.25;
    }
}

/// The network's state: 16 delay lines and their absorption filters.
pub struct Fdn {
    coeffs: FdnCoeffs,
    /// One ring buffer per line, each a power of two long.
    lines: Vec<Vec<f32>>,
    mask: usize,
    write: usize,
    low_state: [[f32; 2]; NUM_LINES],
    high_state: [[f32; 2]; NUM_LINES],
}

impl Default for Fdn {
    fn default() -> Self {
        Self::new()
    }
}

impl Fdn {
    /// Allocates the lines for the largest size at [`MAX_SAMPLE_RATE_HZ`] and designs the
    /// defaults at 48 kHz. Not realtime.
    pub fn new() -> Self {
        let capacity = ((MAX_LINE_MS * 1e-3 * MAX_SAMPLE_RATE_HZ) as usize + 1).next_power_of_two();
        Self {
            coeffs: FdnCoeffs::design(&FdnSettings::default(), 48_000.0),
            lines: (0..NUM_LINES).map(|_| vec![0.0; capacity]).collect(),
            mask: capacity - 1,
            write: 0,
            low_state: [[0.0; 2]; NUM_LINES],
            high_state: [[0.0; 2]; NUM_LINES],
        }
    }

    /// Takes new coefficients (realtime-safe; the lines keep their contents).
    pub fn set_coeffs(&mut self, coeffs: &FdnCoeffs) {
        self.coeffs = *coeffs;
    }

    /// Clears every line and filter. Realtime-safe.
    pub fn reset(&mut self) {
        for l in self.lines.iter_mut() {
            l.fill(0.0);
        }
        self.low_state = [[0.0; 2]; NUM_LINES];
        self.high_state = [[0.0; 2]; NUM_LINES];
        self.write = 0;
    }

    /// One sample: the stereo input in, the stereo late reverberation out.
    #[inline]
    pub fn process(&mut self, in_l: f32, in_r: f32) -> (f32, f32) {
        let c = &self.coeffs;
        let mut v = [0.0f32; NUM_LINES];
        for (i, o) in v.iter_mut().enumerate() {
            let x = self.lines[i][(self.write + self.mask + 1 - c.lengths[i]) & self.mask];
            // Absorption: gain, low shelf, high shelf (first-order sections).
            let x = x * c.gain[i];
            let (lo, ls) = (&c.low[i], &mut self.low_state[i]);
            let y = lo.b0 * x + lo.b1 * ls[0] - lo.a1 * ls[1];
            *ls = [x, y];
            let (hi, hs) = (&c.high[i], &mut self.high_state[i]);
            let z = hi.b0 * y + hi.b1 * hs[0] - hi.a1 * hs[1];
            *hs = [y, z];
            *o = z;
        }
        // Output taps: alternating signs per channel, orthogonal between the channels.
        let (mut out_l, mut out_r) = (0.0, 0.0);
        for (i, x) in v.iter().enumerate() {
            out_l += if i % 2 == 0 { *x } else { -*x };
            out_r += if i % 4 < 2 { *x } else { -*x };
        }
        hadamard16(&mut v);
        for (i, x) in v.iter_mut().enumerate() {
            let input = if i % 2 == 0 { in_l } else { in_r };
            let sign = if i % 4 < 2 { 0.25 } else { -0.25 };
            self.lines[i][self.write] = *x + sign * input;
        }
        self.write = (self.write + 1) & self.mask;
        (0.25 * out_l, 0.25 * out_r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The impulse response (left channel, impulse into both) of `seconds`.
    fn impulse_response(s: &FdnSettings, fs: f32, seconds: f32) -> Vec<f32> {
        let mut f = Fdn::new();
        f.set_coeffs(&FdnCoeffs::design(s, fs));
        let n = (seconds * fs) as usize;
        (0..n)
            .map(|i| {
                let x = if i == 0 { 1.0 } else { 0.0 };
                f.process(x, x).0
            })
            .collect()
    }

    /// The octave band around `fc_hz` of `x`: 4th-order Butterworth high- and low-pass at the
    /// band edges (24 dB/oct each side, tighter than IEC 61260's class 1 skirts), run over
    /// the time-reversed signal so the filters' own ringing falls before the onset and not
    /// into the decay being measured (the practice of ISO 3382 for short decays).
    fn octave_band(x: &[f32], fs: f32, fc_hz: f32) -> Vec<f32> {
        use crate::filter::butterworth::{ButterworthCoeffs, ButterworthState, FilterSlope};
        let hp = ButterworthCoeffs::highpass(fs, fc_hz / 2f32.sqrt(), FilterSlope::Db24);
        let lp = ButterworthCoeffs::lowpass(fs, fc_hz * 2f32.sqrt(), FilterSlope::Db24);
        let mut y: Vec<f32> = x.iter().rev().copied().collect();
        ButterworthState::default().process_block(&hp, &mut y);
        ButterworthState::default().process_block(&lp, &mut y);
        y.reverse();
        y
    }

    /// T30 from Schroeder's backward integral: the −5 to −35 dB span fitted by least
    /// squares, extrapolated to 60 dB (ISO 3382-1).
    fn t30_s(ir: &[f32], fs: f32) -> f32 {
        let mut edc = vec![0.0f64; ir.len()];
        let mut acc = 0.0f64;
        for i in (0..ir.len()).rev() {
            acc += (ir[i] as f64).powi(2);
            edc[i] = acc;
        }
        let total = edc[0];
        let db: Vec<f64> = edc.iter().map(|e| 10.0 * (e / total).log10()).collect();
        let start = db.iter().position(|d| *d <= -5.0).unwrap();
        let end = db.iter().position(|d| *d <= -35.0).unwrap();
        let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
        let k = (end - start) as f64;
        for (i, d) in db.iter().enumerate().take(end).skip(start) {
            let t = i as f64 / fs as f64;
            sx += t;
            sy += d;
            sxx += t * t;
            sxy += t * d;
        }
        let slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
        (-60.0 / slope) as f32
    }

    #[test]
    fn the_line_lengths_are_distinct_primes_and_fit_the_lines() {
        for fs in [22_050.0, 48_000.0, 384_000.0] {
            for size in [0.0, 0.5, 1.0] {
                let c = FdnCoeffs::design(
                    &FdnSettings {
                        size,
                        ..FdnSettings::default()
                    },
                    fs,
                );
                for w in c.lengths.windows(2) {
                    assert!(w[0] < w[1]);
                }
                assert!(c.lengths.iter().all(|&m| next_prime(m) == m));
                assert!(
                    *c.lengths.last().unwrap() < (MAX_LINE_MS * 1e-3 * MAX_SAMPLE_RATE_HZ) as usize
                );
            }
        }
    }

    #[test]
    fn the_broadband_decay_is_the_set_rt60_at_44_48_and_96_khz() {
        for fs in [44_100.0f32, 48_000.0, 96_000.0] {
            for rt60 in [0.3f32, 1.0, 2.0, 5.0, 10.0] {
                let s = FdnSettings {
                    rt60_s: rt60,
                    ..FdnSettings::default()
                };
                let ir = impulse_response(&s, fs, 0.9 * rt60 + 0.2);
                let t30 = t30_s(&ir, fs);
                assert!(
                    (t30 / rt60 - 1.0).abs() <= 0.05,
                    "{fs} Hz, RT60 {rt60} s: T30 {t30:.3} s"
                );
            }
        }
    }

    #[test]
    fn a_flat_decay_is_the_set_rt60_in_every_octave_band_at_every_size() {
        let fs = 48_000.0;
        for size in [0.0f32, 0.5, 1.0] {
            let flat = FdnSettings {
                rt60_s: 2.0,
                size,
                ..FdnSettings::default()
            };
            let ir = impulse_response(&flat, fs, 2.0);
            for fc in [125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0] {
                let t30 = t30_s(&octave_band(&ir, fs, fc), fs);
                assert!(
                    (t30 / 2.0 - 1.0).abs() <= 0.05,
                    "size {size}, {fc} Hz: T30 {t30:.3} s"
                );
            }
        }
    }

    #[test]
    fn the_decay_in_each_octave_band_follows_the_multipliers() {
        let fs = 48_000.0;
        // Flat: every band at the set RT60.
        let flat = FdnSettings {
            rt60_s: 2.0,
            ..FdnSettings::default()
        };
        let ir = impulse_response(&flat, fs, 2.0);
        let flat_t30: Vec<f32> = [125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0]
            .iter()
            .map(|&fc| t30_s(&octave_band(&ir, fs, fc), fs))
            .collect();
        println!("flat T30 by band: {flat_t30:?}");
        for t30 in flat_t30 {
            assert!((t30 / 2.0 - 1.0).abs() <= 0.05, "flat: T30 {t30:.3} s");
        }
        // Lows twice as long below 100 Hz, highs half as long above 8 kHz: measured an
        // octave and more past the crossovers, within 10 % of the multiplied RT60 (a
        // first-order shelf is still moving there).
        let shaped = FdnSettings {
            rt60_s: 2.0,
            low_mult: 2.0,
            high_mult: 0.5,
            low_xover_hz: 100.0,
            high_xover_hz: 8000.0,
            size: 0.5,
        };
        let ir = impulse_response(&shaped, fs, 3.6);
        let lo = t30_s(&octave_band(&ir, fs, 31.5), fs);
        let mid = t30_s(&octave_band(&ir, fs, 1000.0), fs);
        let hi = t30_s(&octave_band(&ir, fs, 16000.0), fs);
        println!("shaped: 31.5 Hz {lo:.2} s, 1 kHz {mid:.2} s, 16 kHz {hi:.2} s");
        assert!((mid / 2.0 - 1.0).abs() <= 0.05, "1 kHz: {mid}");
        assert!((lo / 4.0 - 1.0).abs() <= 0.10, "31.5 Hz: {lo}");
        assert!((hi / 1.0 - 1.0).abs() <= 0.10, "16 kHz: {hi}");
    }
}

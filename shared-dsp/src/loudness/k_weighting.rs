//! The K-weighting filter of ITU-R BS.1770-4 Annex 1: a high-shelf "pre-filter" (+4 dB above
//! ~1.7 kHz, modelling the head) followed by the "RLB" high-pass (~38 Hz), run in f64.
//!
//! BS.1770-4 tabulates the coefficients for 48 kHz only. For any rate we redesign both
//! biquads from the analogue parameters that reproduce those tables, as libebur128 does
//! (f0 = 1681.97 Hz, G = 4.00 dB, Q = 0.7072 for the shelf; f0 = 38.135 Hz, Q = 0.5003 for the
//! high-pass), with the bilinear transform.

use crate::simd::{fma_available, madd_f64};
use std::f64::consts::PI;

/// One normalised biquad (a0 = 1): `y = b0 x + b1 x[-1] + b2 x[-2] - a1 y[-1] - a2 y[-2]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BiquadCoeffs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoeffs {
    /// Magnitude response at `freq_hz` for sample rate `sample_rate_hz`, in dB (also used by
    /// the monitor section's level matching).
    pub fn response_db(&self, sample_rate_hz: f64, freq_hz: f64) -> f64 {
        let w = 2.0 * PI * freq_hz / sample_rate_hz;
        let (c1, s1, c2, s2) = (w.cos(), -w.sin(), (2.0 * w).cos(), -(2.0 * w).sin());
        let num = (
            self.b0 + self.b1 * c1 + self.b2 * c2,
            self.b1 * s1 + self.b2 * s2,
        );
        let den = (
            1.0 + self.a1 * c1 + self.a2 * c2,
            self.a1 * s1 + self.a2 * s2,
        );
        10.0 * ((num.0 * num.0 + num.1 * num.1) / (den.0 * den.0 + den.1 * den.1)).log10()
    }
}

/// Both K-weighting stages for one sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KWeightingCoeffs {
    /// Stage 1: high shelf.
    pub shelf: BiquadCoeffs,
    /// Stage 2: RLB high-pass.
    pub high_pass: BiquadCoeffs,
}

impl KWeightingCoeffs {
    /// Designs the K-weighting for `sample_rate_hz`.
    #[allow(non_snake_case)]
    pub fn new(sample_rate_hz: f64) -> Self {
        let f0 = 1681.974450955533;
        let G = 3.999843853973347;
        let Q = 0.7071752369554196;
        let K = (PI * f0 / sample_rate_hz).tan();
        let Vh = 10f64.powf(G / 20.0);
        let Vb = Vh.powf(0.4996667741545416);
        let a0 = 1.0 + K / Q + K * K;
        let shelf = BiquadCoeffs {
            b0: (Vh + Vb * K / Q + K * K) / a0,
            b1: 2.0 * (K * K - Vh) / a0,
            b2: (Vh - Vb * K / Q + K * K) / a0,
            a1: 2.0 * (K * K - 1.0) / a0,
            a2: (1.0 - K / Q + K * K) / a0,
        };
        let f0 = 38.13547087602444;
        let Q = 0.5003270373238773;
        let K = (PI * f0 / sample_rate_hz).tan();
        let a0 = 1.0 + K / Q + K * K;
        let high_pass = BiquadCoeffs {
            b0: 1.0,
            b1: -2.0,
            b2: 1.0,
            a1: 2.0 * (K * K - 1.0) / a0,
            a2: (1.0 - K / Q + K * K) / a0,
        };
        Self { shelf, high_pass }
    }
}

/// Filter memory of one channel (transposed direct form II, two states per biquad).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct KWeightingState {
    shelf: [f64; 2],
    high_pass: [f64; 2],
}

impl KWeightingState {
    /// Flushes states that decayed to (near) denormals, so long silences stay fast.
    #[inline]
    fn flush_tiny(&mut self) {
        for s in self.shelf.iter_mut().chain(self.high_pass.iter_mut()) {
            if s.abs() < 1e-30 {
                *s = 0.0;
            }
        }
    }
}

/// One sample through both stages. The recursion (state → y → state) is the critical path, so
/// the input terms are added first and the feedback term last.
#[inline(always)]
fn step<const FMA: bool>(c: &KWeightingCoeffs, s: &mut KWeightingState, x: f64) -> f64 {
    let sh = &c.shelf;
    let y1 = madd_f64::<FMA>(sh.b0, x, s.shelf[0]);
    s.shelf[0] = madd_f64::<FMA>(-sh.a1, y1, madd_f64::<FMA>(sh.b1, x, s.shelf[1]));
    s.shelf[1] = madd_f64::<FMA>(-sh.a2, y1, sh.b2 * x);
    let hp = &c.high_pass;
    let y2 = madd_f64::<FMA>(hp.b0, y1, s.high_pass[0]);
    s.high_pass[0] = madd_f64::<FMA>(-hp.a1, y2, madd_f64::<FMA>(hp.b1, y1, s.high_pass[1]));
    s.high_pass[1] = madd_f64::<FMA>(-hp.a2, y2, hp.b2 * y1);
    y2
}

/// Body of [`sum_of_squares`].
#[inline(always)]
fn single_impl<const FMA: bool>(c: &KWeightingCoeffs, s: &mut KWeightingState, x: &[f32]) -> f64 {
    // Work on a local copy so the filter memory lives in registers, not behind the reference.
    let mut local = *s;
    let mut sum = 0.0;
    for &v in x {
        let y = step::<FMA>(c, &mut local, v as f64);
        sum = madd_f64::<FMA>(y, y, sum);
    }
    local.flush_tiny();
    *s = local;
    sum
}

/// Body of [`sum_of_squares_pair`].
#[inline(always)]
fn pair_impl<const FMA: bool>(
    c: &KWeightingCoeffs,
    sa: &mut KWeightingState,
    sb: &mut KWeightingState,
    xa: &[f32],
    xb: &[f32],
) -> [f64; 2] {
    // Local copies: the recursions stay in registers (no store-to-load forwarding per sample).
    let (mut la, mut lb) = (*sa, *sb);
    let c = *c;
    let (mut sum_a, mut sum_b) = (0.0, 0.0);
    for (&va, &vb) in xa.iter().zip(xb) {
        let ya = step::<FMA>(&c, &mut la, va as f64);
        let yb = step::<FMA>(&c, &mut lb, vb as f64);
        sum_a = madd_f64::<FMA>(ya, ya, sum_a);
        sum_b = madd_f64::<FMA>(yb, yb, sum_b);
    }
    la.flush_tiny();
    lb.flush_tiny();
    *sa = la;
    *sb = lb;
    [sum_a, sum_b]
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn single_fma(c: &KWeightingCoeffs, s: &mut KWeightingState, x: &[f32]) -> f64 {
    single_impl::<true>(c, s, x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn pair_fma(
    c: &KWeightingCoeffs,
    sa: &mut KWeightingState,
    sb: &mut KWeightingState,
    xa: &[f32],
    xb: &[f32],
) -> [f64; 2] {
    pair_impl::<true>(c, sa, sb, xa, xb)
}

/// K-weights `x` and returns the sum of squares of the output (the filtered samples are not
/// kept: only their energy is needed).
pub(crate) fn sum_of_squares(c: &KWeightingCoeffs, s: &mut KWeightingState, x: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if fma_available() {
        // SAFETY: the CPU has FMA (checked just above).
        return unsafe { single_fma(c, s, x) };
    }
    single_impl::<false>(c, s, x)
}

/// Two channels at once: their recursions are independent, so the CPU overlaps them.
pub(crate) fn sum_of_squares_pair(
    c: &KWeightingCoeffs,
    s: [&mut KWeightingState; 2],
    x: [&[f32]; 2],
) -> [f64; 2] {
    let [sa, sb] = s;
    let [xa, xb] = x;
    #[cfg(target_arch = "x86_64")]
    if fma_available() {
        // SAFETY: the CPU has FMA (checked just above).
        return unsafe { pair_fma(c, sa, sb, xa, xb) };
    }
    pair_impl::<false>(c, sa, sb, xa, xb)
}

/// The portable kernel, for tests comparing it with the fused one.
#[cfg(test)]
fn sum_of_squares_portable(c: &KWeightingCoeffs, s: &mut KWeightingState, x: &[f32]) -> f64 {
    single_impl::<false>(c, s, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 48 kHz coefficients tabulated in ITU-R BS.1770-4 Annex 1 (Tables 1 and 2).
    #[test]
    fn matches_bs1770_tables_at_48k() {
        let k = KWeightingCoeffs::new(48_000.0);
        let s = k.shelf;
        let table1 = [
            1.53512485958697,
            -2.69169618940638,
            1.19839281085285,
            -1.69065929318241,
            0.73248077421585,
        ];
        for (got, want) in [s.b0, s.b1, s.b2, s.a1, s.a2].iter().zip(table1) {
            assert!((got - want).abs() < 1e-7, "shelf {got} vs {want}");
        }
        let h = k.high_pass;
        let table2 = [1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621];
        for (got, want) in [h.b0, h.b1, h.b2, h.a1, h.a2].iter().zip(table2) {
            assert!((got - want).abs() < 1e-7, "high-pass {got} vs {want}");
        }
    }

    /// Shape at every rate: ~+0.69 dB at 1 kHz (why a 1 kHz sine at -23 dBFS on two channels
    /// reads -23 LUFS with the -0.691 offset), ~+4 dB at 10 kHz, strongly cut at 10 Hz.
    #[test]
    fn response_shape_at_all_rates() {
        for rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0] {
            let k = KWeightingCoeffs::new(rate);
            let at = |f: f64| k.shelf.response_db(rate, f) + k.high_pass.response_db(rate, f);
            assert!((at(1000.0) - 0.691).abs() < 0.05, "{rate}: {}", at(1000.0));
            if rate >= 44_100.0 {
                assert!((at(10_000.0) - 4.0).abs() < 0.3, "{rate}: {}", at(10_000.0));
            }
            assert!(at(10.0) < -10.0, "{rate}: {}", at(10.0));
        }
    }

    /// Filtering in pairs equals filtering one channel at a time.
    #[test]
    fn pair_equals_single() {
        let k = KWeightingCoeffs::new(44_100.0);
        let a: Vec<f32> = (0..1000)
            .map(|n| ((n * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let b: Vec<f32> = a.iter().rev().copied().collect();
        let (mut s1, mut s2) = (KWeightingState::default(), KWeightingState::default());
        let single = [
            sum_of_squares(&k, &mut s1, &a),
            sum_of_squares(&k, &mut s2, &b),
        ];
        let (mut p1, mut p2) = (KWeightingState::default(), KWeightingState::default());
        let pair = sum_of_squares_pair(&k, [&mut p1, &mut p2], [&a, &b]);
        assert_eq!(single, pair);
    }

    /// The fused (FMA) kernel, where the CPU has it, matches the portable one over odd lengths.
    #[test]
    fn fused_matches_portable() {
        crate::simd::fast_path_testable("K-weighting FMA kernel");
        let k = KWeightingCoeffs::new(48_000.0);
        let x: Vec<f32> = (0..10_007)
            .map(|n| ((n * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        for len in [1, 7, 63, 1000, 10_007] {
            let (mut a, mut b) = (KWeightingState::default(), KWeightingState::default());
            let fast = sum_of_squares(&k, &mut a, &x[..len]);
            let portable = sum_of_squares_portable(&k, &mut b, &x[..len]);
            assert!(
                (fast - portable).abs() <= 1e-12 * portable.abs(),
                "{len}: {fast} vs {portable}"
            );
        }
    }
}

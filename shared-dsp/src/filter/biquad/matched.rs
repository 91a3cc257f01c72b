//! The analog-matched designs' mathematics (M. Vicanek, "Matched Second Order Digital
//! Filters", 2016): response evaluation on the unit circle, matched-z poles and the
//! numerator fits.

use super::*;

/// Normalised `f64` coefficients `[b0, b1, b2, a1, a2]` and the sanitised sample rate of the
/// RBJ second-order low/high-pass (`first_order == false`, quality `q`) or of the bilinear
/// first-order low/high-pass (`first_order == true`). Crate-internal: used by cascades that
/// keep `f64` coefficients (Butterworth), where `f32` rounding of `a1`, `a2` would move the
/// poles of low corners at high sample rates.
pub(crate) fn pass_f64(
    sample_rate_hz: f32,
    freq_hz: f32,
    q: f64,
    high: bool,
    first_order: bool,
) -> ([f64; 5], f64) {
    let p = params(sample_rate_hz, freq_hz, 1.0, 0.0);
    let (b, a) = if first_order {
        let k = (p.w0 / 2.0).tan();
        if high {
            ([1.0, -1.0, 0.0], [1.0 + k, k - 1.0, 0.0])
        } else {
            ([k, k, 0.0], [1.0 + k, k - 1.0, 0.0])
        }
    } else {
        let q = if q.is_nan() {
            MIN_Q
        } else {
            q.clamp(MIN_Q, 1e6)
        };
        let (sn, cs) = p.w0.sin_cos();
        let alpha = sn / (2.0 * q);
        let den = [1.0 + alpha, -2.0 * cs, 1.0 - alpha];
        if high {
            ([(1.0 + cs) / 2.0, -(1.0 + cs), (1.0 + cs) / 2.0], den)
        } else {
            ([(1.0 - cs) / 2.0, 1.0 - cs, (1.0 - cs) / 2.0], den)
        }
    };
    let inv = 1.0 / a[0];
    (
        [b[0] * inv, b[1] * inv, b[2] * inv, a[1] * inv, a[2] * inv],
        p.fs,
    )
}

/// Evaluates `B(z)/A(z)` at `z = e^{jw}`, returns `(re, im)`.
pub(crate) fn eval_z(b: [f64; 3], a: [f64; 3], w: f64) -> (f64, f64) {
    let (s1, c1) = w.sin_cos();
    let (s2, c2) = (2.0 * w).sin_cos();
    // z⁻¹ = cos w − j sin w
    let nr = b[0] + b[1] * c1 + b[2] * c2;
    let ni = -b[1] * s1 - b[2] * s2;
    let dr = a[0] + a[1] * c1 + a[2] * c2;
    let di = -a[1] * s1 - a[2] * s2;
    let d = dr * dr + di * di;
    ((nr * dr + ni * di) / d, (ni * dr - nr * di) / d)
}

pub(super) fn mag_sq_z(b: [f64; 3], a: [f64; 3], w: f64) -> f64 {
    let (re, im) = eval_z(b, a, w);
    re * re + im * im
}

/// Impulse-invariant (matched-z) mapping of the analog pole pair `s² + 2ζω·s + ω²`, `ω` in
/// rad/sample (Vicanek 2016, eq. for `a1`, `a2`). Always stable for ζ > 0.
pub(super) fn matched_z_poles(w: f64, zeta: f64) -> (f64, f64) {
    let a2 = (-2.0 * zeta * w).exp();
    let a1 = if zeta <= 1.0 {
        -2.0 * (-zeta * w).exp() * ((1.0 - zeta * zeta).sqrt() * w).cos()
    } else {
        // Two real poles e^{−(ζ∓√(ζ²−1))ω}; written as a sum for precision.
        let r = (zeta * zeta - 1.0).sqrt();
        -((-(zeta - r) * w).exp() + (-(zeta + r) * w).exp())
    };
    (a1, a2)
}

/// Basis functions of Vicanek's magnitude-squared parametrisation at `w` rad/sample.
pub(super) fn phis(w: f64) -> (f64, f64, f64) {
    let s = (w / 2.0).sin();
    let p1 = s * s;
    let p0 = 1.0 - p1;
    (p0, p1, 4.0 * p0 * p1)
}

/// `(A0, A1, A2)` with `|A(e^{jω})|² = A0·φ0 + A1·φ1 + A2·φ2` for `A(z) = 1 + a1 z⁻¹ + a2 z⁻²`.
pub(super) fn poly_sq(a1: f64, a2: f64) -> (f64, f64, f64) {
    ((1.0 + a1 + a2).powi(2), (1.0 - a1 + a2).powi(2), -4.0 * a2)
}

/// Minimum-phase factorisation of `B0·φ0 + B1·φ1 + B2·φ2` into `b0 + b1 z⁻¹ + b2 z⁻²`
/// (Vicanek 2016).
pub(super) fn factor(big_b0: f64, big_b1: f64, big_b2: f64) -> [f64; 3] {
    let sb0 = big_b0.max(0.0).sqrt();
    let sb1 = big_b1.max(0.0).sqrt();
    let w = 0.5 * (sb0 + sb1);
    let b0 = 0.5 * (w + (w * w + big_b2).max(0.0).sqrt());
    let b1 = 0.5 * (sb0 - sb1);
    let b2 = if b0 != 0.0 { -big_b2 / (4.0 * b0) } else { 0.0 };
    [b0, b1, b2]
}

/// Vicanek's matched peaking EQ numerator for given poles and linear peak gain `g`.
pub(super) fn vicanek_peak(w0: f64, (a1, a2): (f64, f64), g: f64) -> ([f64; 3], [f64; 3]) {
    let (big_a0, big_a1, big_a2) = poly_sq(a1, a2);
    let (p0, p1, p2) = phis(w0);
    let g2 = g * g;
    let r1 = (big_a0 * p0 + big_a1 * p1 + big_a2 * p2) * g2;
    let r2 = (-big_a0 + big_a1 + 4.0 * (p0 - p1) * big_a2) * g2;
    let big_b0 = big_a0;
    let big_b2 = (r1 - r2 * p1 - big_b0) / (4.0 * p1 * p1);
    let big_b1 = r2 + big_b0 + 4.0 * (p1 - p0) * big_b2;
    (factor(big_b0, big_b1, big_b2), [1.0, a1, a2])
}

/// Vicanek-style numerator matched in magnitude to `target` (|H|² at ω rad/sample) at DC,
/// Nyquist and `wc`, for the given poles.
pub(super) fn three_point(
    (a1, a2): (f64, f64),
    wc: f64,
    target: &dyn Fn(f64) -> f64,
) -> ([f64; 3], [f64; 3]) {
    let (big_a0, big_a1, big_a2) = poly_sq(a1, a2);
    let (p0, p1, p2) = phis(wc);
    let big_b0 = target(0.0) * big_a0;
    let big_b1 = target(PI) * big_a1;
    let am = big_a0 * p0 + big_a1 * p1 + big_a2 * p2;
    let big_b2 = (target(wc) * am - big_b0 * p0 - big_b1 * p1) / p2;
    (factor(big_b0, big_b1, big_b2), [1.0, a1, a2])
}

/// Minimum over φ1 ∈ [0, 1] of `c0·φ0 + c1·φ1 + c2·φ2` (a quadratic in φ1).
pub(super) fn min_on_unit(c0: f64, c1: f64, c2: f64) -> f64 {
    let mut m = c0.min(c1);
    if c2 != 0.0 {
        let p = 0.5 * ((c1 - c0) / (4.0 * c2) + 1.0);
        if p > 0.0 && p < 1.0 {
            m = m.min(c0 * (1.0 - p) + c1 * p + 4.0 * c2 * p * (1.0 - p));
        }
    }
    m
}

/// Solves the 5×5 system `m·x = r` by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)]
pub(super) fn solve5(mut m: [[f64; 5]; 5], mut r: [f64; 5]) -> Option<[f64; 5]> {
    let scale = m
        .iter()
        .flat_map(|row| row.iter())
        .fold(0.0f64, |acc, v| acc.max(v.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    for col in 0..5 {
        let piv = (col..5).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[piv][col].abs() < 1e-14 * scale {
            return None;
        }
        m.swap(col, piv);
        r.swap(col, piv);
        for row in col + 1..5 {
            let f = m[row][col] / m[col][col];
            for k in col..5 {
                m[row][k] -= f * m[col][k];
            }
            r[row] -= f * r[col];
        }
    }
    let mut x = [0.0; 5];
    for col in (0..5).rev() {
        let mut s = r[col];
        for k in col + 1..5 {
            s -= m[col][k] * x[k];
        }
        x[col] = s / m[col][col];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

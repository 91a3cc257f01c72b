//! Decibel ↔ linear gain conversion and denormal handling.
//!
//! Amplitude decibels: `dB = 20·log10(gain)` (IEC 60027-3 field quantity level).

/// The level reported for silence, in dB. Anything quieter is clamped to this so that meters
/// and gain computers never see `-inf` or NaN.
pub const MINUS_INFINITY_DB: f32 = -200.0;

/// The linear gain that corresponds to [`MINUS_INFINITY_DB`].
pub const MINUS_INFINITY_GAIN: f32 = 1.0e-10;

/// Converts a level in dB to a linear amplitude gain. Values at or below
/// [`MINUS_INFINITY_DB`] give exactly `0.0`.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    if db > MINUS_INFINITY_DB {
        // 10^(dB/20) = e^(dB·ln10/20)
        (db * (std::f32::consts::LN_10 / 20.0)).exp()
    } else {
        0.0
    }
}

/// Converts a linear amplitude gain (sign ignored) to dB, clamped below at
/// [`MINUS_INFINITY_DB`]. NaN gives [`MINUS_INFINITY_DB`].
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    let g = gain.abs();
    if g > MINUS_INFINITY_GAIN {
        g.log10() * 20.0
    } else {
        MINUS_INFINITY_DB
    }
}

/// Converts a mean-square power (linear) to dB: `10·log10(power)`, clamped like [`gain_to_db`].
#[inline]
pub fn power_to_db(power: f32) -> f32 {
    if power > MINUS_INFINITY_GAIN * MINUS_INFINITY_GAIN {
        power.log10() * 10.0
    } else {
        MINUS_INFINITY_DB
    }
}

/// Fast `2^x` (relative error < 1e-7 for |x| ≤ 126), for per-sample gain conversion in
/// dynamics processors where libm's `exp` dominates the cost.
///
/// Splits `x` into an integer part, placed directly in the float's exponent bits, and a
/// fraction in [0, 1) evaluated with a degree-5 least-squares polynomial (weighted for
/// relative error; the method of e.g. Schraudolph 1999 refined by a polynomial, as in
/// Cephes `exp2f`). Inputs are clamped to ±126, so the result is always a normal float.
#[inline]
pub fn fast_exp2(x: f32) -> f32 {
    let x = x.clamp(-126.0, 126.0);
    // floor() without SSE4.1 is a libm call: truncate and step down for negative fractions.
    let t = x as i32;
    let xi = t - (x < t as f32) as i32;
    let f = x - xi as f32;
    let p = 0.999_999_93
        + f * (0.693_152_96
            + f * (0.240_154_54 + f * (0.055_823_58 + f * (0.008_992_594 + f * 0.001_876_234))));
    f32::from_bits(((xi + 127) as u32) << 23) * p
}

/// Fast `log2(x)` for `x > 0` (absolute error < 1e-6); returns −126 for zero, negative or
/// subnormal input and NaN → −126.
///
/// The exponent comes from the float's bits; the mantissa `m`, folded into [√½, √2), gives
/// `log2 m = (2/ln 2)·atanh(t)` with `t = (m−1)/(m+1)`, |t| ≤ 0.172, summed to `t⁹/9`
/// (Abramowitz & Stegun 4.1.27).
#[inline]
pub fn fast_log2(x: f32) -> f32 {
    // Branch-free (selects only) so that loops over blocks vectorise. `max` maps NaN, zero,
    // negatives and subnormals to the smallest normal float, whose log2 is exactly −126.
    let x = x.max(f32::MIN_POSITIVE);
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = e + big as i32;
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 / 9.0))));
    e as f32 + series * (2.0 / std::f32::consts::LN_2)
}

/// [`db_to_gain`] via [`fast_exp2`]: relative error < 3e-6 (≈ 3e-5 dB, from rounding the
/// scaled argument); −200 dB and below
/// give 0 like [`db_to_gain`].
#[inline]
pub fn db_to_gain_fast(db: f32) -> f32 {
    // 10^(dB/20) = 2^(dB · log2(10)/20); a select rather than a branch, to vectorise.
    let g = fast_exp2(db * (std::f32::consts::LOG2_10 / 20.0));
    if db > MINUS_INFINITY_DB {
        g
    } else {
        0.0
    }
}

/// [`gain_to_db`] via [`fast_log2`]: absolute error < 5e-5 dB, same clamping.
#[inline]
pub fn gain_to_db_fast(gain: f32) -> f32 {
    let g = gain.abs();
    if g > MINUS_INFINITY_GAIN {
        // 20·log10(g) = 20·log10(2)·log2(g)
        fast_log2(g) * (20.0 * std::f32::consts::LOG10_2)
    } else {
        MINUS_INFINITY_DB
    }
}

/// The smallest magnitude treated as a normal signal value. Everything smaller (including
/// subnormals, whose arithmetic can be 100× slower on x86) is flushed to zero.
pub const DENORMAL_THRESHOLD: f32 = 1.0e-30;

/// Returns `x`, or `0.0` when `|x|` is below [`DENORMAL_THRESHOLD`] (this catches every
/// subnormal `f32`, which are all below 1.2e-38).
#[inline]
pub fn flush_denormal(x: f32) -> f32 {
    if x.abs() < DENORMAL_THRESHOLD {
        0.0
    } else {
        x
    }
}

/// Returns `true` when every sample is finite (no NaN or ±Inf).
#[inline]
pub fn all_finite(buf: &[f32]) -> bool {
    // Summing `x * 0` is NaN exactly when some `x` is NaN or infinite, and vectorises well.
    buf.iter().fold(0.0f32, |acc, &x| acc + x * 0.0) == 0.0
}

/// The largest sample magnitude [`sanitize`] lets through (+120 dBFS): beyond it a chain of
/// gains and filters could overflow to infinity.
pub const MAX_SAMPLE: f32 = 1.0e6;

/// Replaces every non-finite sample (NaN, ±Inf) by zero, flushes subnormals to zero and clamps
/// magnitudes to [`MAX_SAMPLE`]. Returns `true` when at least one sample was non-finite.
pub fn sanitize(buf: &mut [f32]) -> bool {
    // Selects only, so the loop vectorises.
    let mut bad = false;
    for x in buf.iter_mut() {
        let v = *x;
        let non_finite = !v.is_finite();
        bad |= non_finite;
        *x = if !non_finite && v.abs() >= DENORMAL_THRESHOLD {
            v.clamp(-MAX_SAMPLE, MAX_SAMPLE)
        } else {
            0.0
        };
    }
    bad
}

/// `v` clamped to `lo..=hi`, or `default` when `v` is NaN or infinite: how a unit or engine
/// takes a setting from a corrupt preset or a misbehaving host.
#[inline]
pub fn finite_clamp(v: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assert_approx_eq::assert_approx_eq;

    #[test]
    fn db_round_trip_matches_definition() {
        for db in [-120.0f32, -60.0, -6.0206, 0.0, 6.0206, 12.0, 24.0] {
            let g = db_to_gain(db);
            assert_approx_eq!(
                g as f64,
                10f64.powf(db as f64 / 20.0),
                1e-6 * g as f64 + 1e-12
            );
            assert_approx_eq!(gain_to_db(g), db, 1e-4);
        }
        assert_approx_eq!(db_to_gain(-6.0206), 0.5, 1e-5);
        assert_approx_eq!(power_to_db(0.5), -3.0103, 1e-4);
    }

    #[test]
    fn fast_conversions_match_libm() {
        let mut worst_exp = 0.0f64;
        let mut worst_db = 0.0f64;
        let mut db = -199.0f32;
        while db < 60.0 {
            let exact = 10f64.powf(db as f64 / 20.0);
            worst_exp = worst_exp.max((db_to_gain_fast(db) as f64 / exact - 1.0).abs());
            worst_db = worst_db.max((gain_to_db_fast(exact as f32) - db).abs() as f64);
            db += 0.0173;
        }
        assert!(
            worst_exp < 3e-6,
            "db_to_gain_fast relative error {worst_exp}"
        );
        assert!(worst_db < 5e-5, "gain_to_db_fast error {worst_db} dB");
        assert_eq!(fast_exp2(3.0), 8.0 * 0.999_999_93);
        assert_eq!(gain_to_db_fast(0.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db_fast(f32::NAN), MINUS_INFINITY_DB);
        assert_eq!(db_to_gain_fast(-500.0), 0.0);
        assert!(db_to_gain_fast(1e9).is_finite());
        assert_eq!(fast_log2(-1.0), -126.0);
    }

    #[test]
    fn silence_and_garbage_clamp() {
        assert_eq!(db_to_gain(-1000.0), 0.0);
        assert_eq!(db_to_gain(f32::NEG_INFINITY), 0.0);
        assert_eq!(gain_to_db(0.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db(f32::NAN), MINUS_INFINITY_DB);
        assert_eq!(power_to_db(0.0), MINUS_INFINITY_DB);
    }

    #[test]
    fn sanitize_removes_non_finite_and_subnormal() {
        let mut buf = [
            1.0,
            f32::NAN,
            f32::INFINITY,
            -f32::INFINITY,
            1.0e-40,
            -0.5,
            3e38,
            -1e7,
        ];
        assert!(!all_finite(&buf));
        assert!(sanitize(&mut buf));
        assert_eq!(
            buf,
            [1.0, 0.0, 0.0, 0.0, 0.0, -0.5, MAX_SAMPLE, -MAX_SAMPLE]
        );
        assert!(all_finite(&buf));
        assert_eq!(flush_denormal(f32::MIN_POSITIVE / 2.0), 0.0);
        assert_eq!(flush_denormal(0.25), 0.25);
    }
}

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

/// Replaces every non-finite sample (NaN, ±Inf) by zero and flushes subnormals to zero.
/// Returns `true` when at least one sample was non-finite.
pub fn sanitize(buf: &mut [f32]) -> bool {
    let mut bad = false;
    for x in buf.iter_mut() {
        if !x.is_finite() {
            *x = 0.0;
            bad = true;
        } else if x.abs() < DENORMAL_THRESHOLD {
            *x = 0.0;
        }
    }
    bad
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
    fn silence_and_garbage_clamp() {
        assert_eq!(db_to_gain(-1000.0), 0.0);
        assert_eq!(db_to_gain(f32::NEG_INFINITY), 0.0);
        assert_eq!(gain_to_db(0.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db(f32::NAN), MINUS_INFINITY_DB);
        assert_eq!(power_to_db(0.0), MINUS_INFINITY_DB);
    }

    #[test]
    fn sanitize_removes_non_finite_and_subnormal() {
        let mut buf = [1.0, f32::NAN, f32::INFINITY, -f32::INFINITY, 1.0e-40, -0.5];
        assert!(!all_finite(&buf));
        assert!(sanitize(&mut buf));
        assert_eq!(buf, [1.0, 0.0, 0.0, 0.0, 0.0, -0.5]);
        assert!(all_finite(&buf));
        assert_eq!(flush_denormal(f32::MIN_POSITIVE / 2.0), 0.0);
        assert_eq!(flush_denormal(0.25), 0.25);
    }
}

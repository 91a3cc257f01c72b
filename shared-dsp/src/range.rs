//! A setting's range and default, written once: the parameter that offers it
//! (`shared_plugin::params`' `*_in` constructors) and the engine's sanitiser that clamps a
//! setting from a corrupt preset or a misbehaving host read the same constant, so the two can
//! never disagree.

use crate::db::{db_to_gain, finite_clamp};

/// A plain-unit range `min..=max` with its default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest value.
    pub min: f32,
    /// Largest value.
    pub max: f32,
    /// Default value (inside the range).
    pub default: f32,
}

impl Range {
    /// The range `min..=max` with `default`; a default outside the range does not compile
    /// when the range is a constant.
    pub const fn new(min: f32, max: f32, default: f32) -> Self {
        assert!(
            min <= default && default <= max,
            "default outside the range"
        );
        Self { min, max, default }
    }

    /// `v` clamped to the range, or the default when `v` is NaN or infinite.
    #[inline]
    pub fn clamp(self, v: f32) -> f32 {
        finite_clamp(v, self.min, self.max, self.default)
    }

    /// `v` clamped to the range, or the default when `v` is NaN; unlike [`Range::clamp`] an
    /// infinite value is clamped too, so a range whose bound is infinite (a compression
    /// ratio up to ∞:1) keeps it.
    #[inline]
    pub fn clamp_keeping_infinity(self, v: f32) -> f32 {
        if v.is_nan() {
            self.default
        } else {
            v.clamp(self.min, self.max)
        }
    }

    /// For a range in dB whose setting is carried as a linear gain: `gain` clamped to the
    /// range's linear bounds, or the default's gain when `gain` is NaN or infinite.
    #[inline]
    pub fn clamp_gain(self, gain: f32) -> f32 {
        finite_clamp(
            gain,
            db_to_gain(self.min),
            db_to_gain(self.max),
            db_to_gain(self.default),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_into_the_range_and_takes_the_default_for_non_finite_values() {
        let r = Range::new(-24.0, 12.0, 0.0);
        assert_eq!(r.clamp(-30.0), -24.0);
        assert_eq!(r.clamp(30.0), 12.0);
        assert_eq!(r.clamp(3.5), 3.5);
        assert_eq!(r.clamp(f32::NAN), 0.0);
        assert_eq!(r.clamp(f32::NEG_INFINITY), 0.0);
        assert_eq!(r.clamp_gain(100.0), db_to_gain(12.0));
        assert_eq!(r.clamp_gain(0.0), db_to_gain(-24.0));
        assert_eq!(r.clamp_gain(f32::NAN), 1.0);
        assert_eq!(r.clamp_gain(2.0), 2.0);
        let ratio = Range::new(1.0, f32::INFINITY, 4.0);
        assert_eq!(ratio.clamp_keeping_infinity(f32::INFINITY), f32::INFINITY);
        assert_eq!(ratio.clamp_keeping_infinity(0.5), 1.0);
        assert_eq!(ratio.clamp_keeping_infinity(f32::NAN), 4.0);
    }
}

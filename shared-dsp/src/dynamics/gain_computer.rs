//! Static gain curves for compressors and expanders.
//!
//! Compressor: the soft-knee curve of Giannoulis, Massberg & Reiss, "Digital Dynamic Range
//! Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012, eq. (4): with input level
//! `x` (dB), threshold `T`, ratio `R` and knee width `W`,
//! ```text
//! y = x                                   for 2(x−T) < −W
//! y = x + (1/R − 1)(x − T + W/2)² / (2W)  for 2|x−T| ≤ W
//! y = T + (x − T)/R                       for 2(x−T) > W
//! ```
//! Downward expander: the mirror image below the threshold (same paper's framework; Zölzer,
//! "DAFX", 2nd ed., §4.2.2): `y = T + (x − T)·R` below `T`, with the same quadratic knee.

/// Upper limit of [`CompressorCurve::auto_makeup_db`], dB.
pub const MAX_AUTO_MAKEUP_DB: f32 = 24.0;

/// Compressor static curve parameters (all in dB except the ratio).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompressorCurve {
    /// Threshold T in dBFS, where compression starts (centre of the knee).
    pub threshold_db: f32,
    /// Ratio R ≥ 1 (`f32::INFINITY` for a limiter).
    pub ratio: f32,
    /// Knee width W in dB (0 = hard knee).
    pub knee_db: f32,
}

impl CompressorCurve {
    /// Output level in dB for an input level `x_db` (eq. 4 of Giannoulis et al.).
    #[inline]
    pub fn output_db(&self, x_db: f32) -> f32 {
        let slope = 1.0 / self.ratio.max(1.0) - 1.0; // 1/R − 1, in (−1, 0]
        let over = x_db - self.threshold_db;
        let w = self.knee_db.max(0.0);
        if 2.0 * over < -w {
            x_db
        } else if 2.0 * over.abs() <= w && w > 0.0 {
            let t = over + 0.5 * w;
            x_db + slope * t * t / (2.0 * w)
        } else {
            x_db + slope * over
        }
    }

    /// Gain in dB (≤ 0) to apply for an input level `x_db`.
    #[inline]
    pub fn gain_db(&self, x_db: f32) -> f32 {
        self.output_db(x_db) - x_db
    }

    /// [`CompressorCurve::gain_db`] for a whole block, in place (`levels_db` in, gains out),
    /// written branch-free so that it vectorises: all three segments are computed and the
    /// right one selected.
    pub fn gain_db_block(&self, levels_db: &mut [f32]) {
        let slope = 1.0 / self.ratio.max(1.0) - 1.0;
        let w = self.knee_db.max(0.0);
        let half_w = 0.5 * w;
        // With no knee the quadratic segment is only reached at exactly the threshold, where
        // its value must be 0.
        let inv_2w = if w > 0.0 { 1.0 / (2.0 * w) } else { 0.0 };
        let t_db = self.threshold_db;
        for x in levels_db.iter_mut() {
            let over = *x - t_db;
            let lin = slope * over;
            let t = over + half_w;
            let quad = slope * t * t * inv_2w;
            let y = if over > half_w { lin } else { quad };
            *x = if over < -half_w { 0.0 } else { y };
        }
    }

    /// Make-up gain in dB that restores the level of a full-scale (0 dBFS) input: the classic
    /// "auto make-up" of Giannoulis et al. §2.5, `−gain_db(0)`, capped at
    /// [`MAX_AUTO_MAKEUP_DB`] so that extreme settings (−60 dB at ∞:1 would ask for +60 dB)
    /// cannot blast the noise floor.
    pub fn auto_makeup_db(&self) -> f32 {
        (-self.gain_db(0.0)).min(MAX_AUTO_MAKEUP_DB)
    }
}

/// Downward expander static curve (all in dB except the ratio).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpanderCurve {
    /// Threshold T in dBFS: below it the level is pushed down.
    pub threshold_db: f32,
    /// Expansion ratio R ≥ 1: 1 dB below T becomes R dB below T.
    pub ratio: f32,
    /// Knee width W in dB (0 = hard knee).
    pub knee_db: f32,
    /// Maximum attenuation in dB (≥ 0): the gain never goes below −range.
    pub range_db: f32,
}

impl ExpanderCurve {
    /// Gain in dB (between −range and 0) for an input level `x_db`.
    #[inline]
    pub fn gain_db(&self, x_db: f32) -> f32 {
        let slope = self.ratio.max(1.0) - 1.0; // R − 1 ≥ 0
        let under = x_db - self.threshold_db; // negative below threshold
        let w = self.knee_db.max(0.0);
        let g = if 2.0 * under > w {
            0.0
        } else if 2.0 * under.abs() <= w && w > 0.0 {
            let t = under - 0.5 * w;
            -slope * t * t / (2.0 * w)
        } else {
            slope * under
        };
        g.max(-self.range_db.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assert_approx_eq::assert_approx_eq;

    #[test]
    fn hard_knee_matches_design_equation() {
        let c = CompressorCurve {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 0.0,
        };
        for x in [-60.0f32, -30.0, -20.0, -10.0, 0.0, 10.0] {
            let expect = if x <= -20.0 {
                x
            } else {
                -20.0 + (x + 20.0) / 4.0
            };
            assert_approx_eq!(c.output_db(x), expect, 1e-5);
        }
        assert_approx_eq!(c.auto_makeup_db(), 15.0, 1e-5);
        let extreme = CompressorCurve {
            threshold_db: -60.0,
            ratio: f32::INFINITY,
            knee_db: 0.0,
        };
        assert_eq!(extreme.auto_makeup_db(), MAX_AUTO_MAKEUP_DB);
    }

    #[test]
    fn soft_knee_is_quadratic_and_continuous() {
        let c = CompressorCurve {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 10.0,
        };
        // Knee edges join the straight segments.
        assert_approx_eq!(c.output_db(-25.0), -25.0, 1e-5);
        assert_approx_eq!(c.output_db(-15.0), -20.0 + 5.0 / 4.0, 1e-5);
        // At the threshold the curve sits W/8·(1−1/R) below the input: eq. 4 with x = T.
        assert_approx_eq!(c.output_db(-20.0), -20.0 - (10.0 / 8.0) * 0.75, 1e-5);
        // Slope is continuous: compare numerical derivatives either side of each knee edge.
        for edge in [-25.0f32, -15.0] {
            let d = 1e-2;
            let left = (c.output_db(edge) - c.output_db(edge - d)) / d;
            let right = (c.output_db(edge + d) - c.output_db(edge)) / d;
            assert_approx_eq!(left, right, 2e-3);
        }
    }

    #[test]
    fn block_version_equals_scalar_curve() {
        for (t, r, w) in [
            (-20.0f32, 4.0f32, 0.0f32),
            (-20.0, 4.0, 10.0),
            (-40.0, f32::INFINITY, 6.0),
            (0.0, 1.0, 24.0),
        ] {
            let c = CompressorCurve {
                threshold_db: t,
                ratio: r,
                knee_db: w,
            };
            let mut xs: Vec<f32> = (0..2001).map(|i| -100.0 + i as f32 * 0.06).collect();
            xs.push(t); // exactly at the threshold
            let expect: Vec<f32> = xs.iter().map(|&x| c.gain_db(x)).collect();
            c.gain_db_block(&mut xs);
            for (a, b) in xs.iter().zip(&expect) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b} ({t}, {r}, {w})");
            }
        }
    }

    #[test]
    fn infinite_ratio_limits_at_threshold() {
        let c = CompressorCurve {
            threshold_db: -10.0,
            ratio: f32::INFINITY,
            knee_db: 0.0,
        };
        assert_approx_eq!(c.output_db(0.0), -10.0, 1e-5);
        assert_approx_eq!(c.output_db(20.0), -10.0, 1e-5);
        assert_approx_eq!(c.output_db(-30.0), -30.0, 1e-5);
    }

    #[test]
    fn expander_curve_and_range() {
        let e = ExpanderCurve {
            threshold_db: -40.0,
            ratio: 2.0,
            knee_db: 0.0,
            range_db: 30.0,
        };
        assert_eq!(e.gain_db(-30.0), 0.0);
        assert_approx_eq!(e.gain_db(-50.0), -10.0, 1e-5);
        assert_approx_eq!(e.gain_db(-60.0), -20.0, 1e-5);
        assert_approx_eq!(e.gain_db(-100.0), -30.0, 1e-5); // clamped at the range
        let soft = ExpanderCurve { knee_db: 6.0, ..e };
        assert_eq!(soft.gain_db(-36.9), 0.0);
        assert_approx_eq!(soft.gain_db(-40.0), -(3.0 * 3.0) / 12.0, 1e-5);
        assert_approx_eq!(soft.gain_db(-43.0), -3.0, 1e-5);
    }
}

//! Pre-delay and early reflections: one stereo delay line read at the pre-delay (the input
//! of the late reverberation) and at a pattern of taps after it (the early reflections).
//!
//! A tapped delay line is the early-reflection model of J. A. Moorer, "About this
//! reverberation business", Computer Music Journal 3(2), 1979: each tap one reflection, at its
//! time and level. The pattern here is a deterministic set of [`NUM_TAPS`] taps per channel
//! spread over a span that grows with the room's size: sparse first and denser later when
//! the pattern's exponent is below 1 (the reflections of a large hall arrive one by one, then
//! crowd), levels falling by a set number of dB over the span, signs and times different in
//! each channel so the early sound is already wide. The taps' energy sums to one per
//! channel. Pre-delay and span glide over [`GLIDE_MS`] with the taps read by linear
//! interpolation, so moving either cannot click; standing still, the taps sit on whole
//! samples.

use crate::smoothing::{Smoother, SmoothingStyle};

/// Taps per channel.
pub const NUM_TAPS: usize = 32;
/// Longest pre-delay, ms.
pub const MAX_PREDELAY_MS: f32 = 500.0;
/// Longest span of the reflections, ms.
pub const MAX_SPAN_MS: f32 = 150.0;
/// Highest sample rate the line is sized for, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;
/// Glide time of pre-delay and span changes, ms.
pub const GLIDE_MS: f32 = 100.0;

/// The reflection pattern: per channel, each tap's time as a share of the span and its gain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyPattern {
    /// Tap times over the span (0–1), left and right.
    pub times: [[f32; NUM_TAPS]; 2],
    /// Tap gains (signed), left and right.
    pub gains: [[f32; NUM_TAPS]; 2],
}

impl EarlyPattern {
    /// A pattern whose tap `k` falls at `((k + ½ + jitter)/N)^exponent` of the span, its level
    /// `decay_db · time` down, signs and jitter from a fixed pseudo-random sequence per
    /// channel; gains normalised to unit energy per channel.
    pub fn new(exponent: f32, decay_db: f32) -> Self {
        let mut p = Self {
            times: [[0.0; NUM_TAPS]; 2],
            gains: [[0.0; NUM_TAPS]; 2],
        };
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 8) as f32 / (1u32 << 24) as f32
        };
        for ch in 0..2 {
            let mut energy = 0.0;
            for k in 0..NUM_TAPS {
                let jitter = 0.8 * (next() - 0.5);
                let t = ((k as f32 + 0.5 + jitter) / NUM_TAPS as f32).powf(exponent);
                let sign = if next() < 0.5 { -1.0 } else { 1.0 };
                let g = sign * 10f32.powf(-decay_db * t / 20.0);
                p.times[ch][k] = t;
                p.gains[ch][k] = g;
                energy += g * g;
            }
            let norm = 1.0 / energy.sqrt();
            for g in p.gains[ch].iter_mut() {
                *g *= norm;
            }
        }
        p
    }
}

/// The stereo line with its pre-delay and reflection taps.
pub struct EarlyReflections {
    buf: [Vec<f32>; 2],
    mask: usize,
    write: usize,
    predelay: Smoother,
    span: Smoother,
    pattern: EarlyPattern,
    sample_rate_hz: f32,
    /// The (pre-delay, span) the standing taps' delays below were computed for.
    taps_at: (f32, f32),
    tap_int: [[usize; NUM_TAPS]; 2],
}

impl Default for EarlyReflections {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyReflections {
    /// Allocates the line for the longest pre-delay and span at 48 kHz ([`EarlyReflections::prepare`]
    /// sizes it for another rate). Not realtime.
    pub fn new() -> Self {
        let cap = Self::capacity(48_000.0);
        let glide = |v| Smoother::new(SmoothingStyle::Linear(GLIDE_MS), v);
        Self {
            buf: [vec![0.0; cap], vec![0.0; cap]],
            mask: cap - 1,
            write: 0,
            predelay: glide(0.0),
            span: glide(0.0),
            pattern: EarlyPattern::new(1.0, 12.0),
            sample_rate_hz: 48_000.0,
            taps_at: (f32::NAN, f32::NAN),
            tap_int: [[0; NUM_TAPS]; 2],
        }
    }

    /// Ring length for `sample_rate_hz`: a power of two holding the longest pre-delay and
    /// span, and the linear interpolator's extra sample.
    fn capacity(sample_rate_hz: f32) -> usize {
        let fs = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ);
        (((MAX_PREDELAY_MS + MAX_SPAN_MS) * 1e-3 * fs) as usize + 4).next_power_of_two()
    }

    /// Sets the sample rate the times refer to and sizes the line for it (cleared). Not
    /// realtime.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let cap = Self::capacity(sample_rate_hz);
        if cap != self.mask + 1 {
            self.buf = [vec![0.0; cap], vec![0.0; cap]];
            self.mask = cap - 1;
        }
        self.sample_rate_hz = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ);
        self.predelay.prepare(sample_rate_hz);
        self.span.prepare(sample_rate_hz);
    }

    /// Sets the pre-delay and span (ms, clamped) to glide to, and the pattern. Realtime-safe.
    pub fn set(&mut self, predelay_ms: f32, span_ms: f32, pattern: &EarlyPattern) {
        let samples = |ms: f32, max: f32| ms.clamp(0.0, max) * 1e-3 * self.sample_rate_hz;
        self.predelay
            .set_target(samples(predelay_ms, MAX_PREDELAY_MS).round());
        self.span.set_target(samples(span_ms, MAX_SPAN_MS));
        if *pattern != self.pattern {
            self.pattern = *pattern;
            self.taps_at = (f32::NAN, f32::NAN);
        }
    }

    /// Ends any glide at its target (at the first sound, after a reset).
    pub fn settle(&mut self) {
        self.predelay.reset(self.predelay.target());
        self.span.reset(self.span.target());
    }

    /// The current pre-delay, samples.
    pub fn predelay_samples(&self) -> f32 {
        self.predelay.current()
    }

    /// Clears the line. Realtime-safe.
    pub fn reset(&mut self) {
        for b in self.buf.iter_mut() {
            b.fill(0.0);
        }
        self.write = 0;
        self.settle();
    }

    #[inline]
    fn read(&self, ch: usize, delay: f32) -> f32 {
        let i = delay as usize;
        let f = delay - i as f32;
        let b = &self.buf[ch];
        let a = b[self.write.wrapping_sub(i) & self.mask];
        let c = b[self.write.wrapping_sub(i + 1) & self.mask];
        a + f * (c - a)
    }

    /// One sample in; returns the pre-delayed input and the early reflections, each stereo:
    /// `([pre_l, pre_r], [early_l, early_r])`. With `early` false the taps are not read.
    #[inline]
    pub fn process(&mut self, l: f32, r: f32, early: bool) -> ([f32; 2], [f32; 2]) {
        self.buf[0][self.write] = l;
        self.buf[1][self.write] = r;
        let pre = self.predelay.next();
        let span = self.span.next();
        let pre_out = [self.read(0, pre), self.read(1, pre)];
        let mut er = [0.0; 2];
        if early {
            let gliding = self.predelay.is_smoothing() || self.span.is_smoothing();
            if gliding {
                // Moving taps, read between samples.
                for (ch, e) in er.iter_mut().enumerate() {
                    let mut acc = 0.0;
                    for k in 0..NUM_TAPS {
                        let t = pre + span * self.pattern.times[ch][k];
                        acc += self.pattern.gains[ch][k] * self.read(ch, t);
                    }
                    *e = acc;
                }
                self.taps_at = (f32::NAN, f32::NAN);
            } else {
                // Standing taps at whole samples (a tap moves by under half a sample when a
                // glide ends), their delays computed once.
                if (pre, span) != self.taps_at {
                    self.taps_at = (pre, span);
                    for ch in 0..2 {
                        for k in 0..NUM_TAPS {
                            let t = pre + span * self.pattern.times[ch][k];
                            self.tap_int[ch][k] = t.round() as usize;
                        }
                    }
                }
                for (ch, e) in er.iter_mut().enumerate() {
                    let b = &self.buf[ch];
                    let mut acc = 0.0;
                    for k in 0..NUM_TAPS {
                        let i = self.write.wrapping_sub(self.tap_int[ch][k]) & self.mask;
                        acc += self.pattern.gains[ch][k] * b[i];
                    }
                    *e = acc;
                }
            }
        }
        self.write = (self.write + 1) & self.mask;
        (pre_out, er)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impulse_comes_out_at_the_predelay_and_the_taps_with_unit_energy() {
        let fs = 48_000.0;
        let mut e = EarlyReflections::new();
        e.prepare(fs);
        let pattern = EarlyPattern::new(1.5, 12.0);
        e.set(20.0, 80.0, &pattern);
        e.settle();
        let n = (0.2 * fs) as usize;
        let out: Vec<([f32; 2], [f32; 2])> = (0..n)
            .map(|i| {
                let x = if i == 0 { 1.0 } else { 0.0 };
                e.process(x, x, true)
            })
            .collect();
        // The pre-delayed impulse, exactly at 20 ms.
        let at = out.iter().position(|o| o.0[0] != 0.0).unwrap();
        assert_eq!(at, 960);
        assert_eq!(out[960].0, [1.0, 1.0]);
        for ch in 0..2 {
            let er: Vec<f32> = out.iter().map(|o| o.1[ch]).collect();
            let first = er.iter().position(|v| *v != 0.0).unwrap();
            let last = er.iter().rposition(|v| *v != 0.0).unwrap();
            assert!(first >= 960 && last <= 960 + (0.08 * fs) as usize + 1);
            // Linear interpolation splits a tap between two samples: the energy is between
            // half and all of the unit.
            let energy: f32 = er.iter().map(|v| v * v).sum();
            assert!((0.5..=1.0001).contains(&energy), "{energy}");
        }
        // Left and right differ.
        assert!(out.iter().any(|o| (o.1[0] - o.1[1]).abs() > 1e-3));
    }
}

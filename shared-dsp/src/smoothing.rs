//! Parameter smoothing: removes zipper noise when a parameter jumps (automation, knob moves).
//!
//! Two ramp shapes, both reaching the target in exactly the configured time so that the result
//! does not depend on how the host splits its blocks:
//! - [`SmoothingStyle::Linear`]: a straight line, for gains already in linear units and mixes;
//! - [`SmoothingStyle::Logarithmic`]: a straight line in the log domain (constant ratio per
//!   sample), for frequencies and Q, so that a sweep from 20 Hz to 20 kHz moves evenly in
//!   octaves. Values must stay strictly positive.

/// The shape of a parameter ramp and its duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SmoothingStyle {
    /// Jump immediately.
    None,
    /// Linear ramp over the given time in milliseconds.
    Linear(f32),
    /// Exponential (linear in the log domain) ramp over the given time in milliseconds.
    Logarithmic(f32),
}

/// A ramp from the current value to a target value, advanced one sample at a time.
#[derive(Clone, Copy, Debug)]
pub struct Smoother {
    /// Ramp shape and duration.
    style: SmoothingStyle,
    /// Ramp duration in samples at the prepared sample rate (at least 1).
    ramp_samples: u32,
    /// Current value.
    current: f32,
    /// Value the ramp ends at.
    target: f32,
    /// Per-sample increment (linear) or multiplier (logarithmic).
    step: f32,
    /// Samples left in the current ramp.
    remaining: u32,
}

impl Smoother {
    /// A smoother sitting at `value`, with the given style. Call [`Smoother::prepare`] before use.
    pub fn new(style: SmoothingStyle, value: f32) -> Self {
        Self {
            style,
            ramp_samples: 1,
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Sets the sample rate the ramp duration refers to. Not realtime-critical but allocation-free.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let ms = match self.style {
            SmoothingStyle::None => 0.0,
            SmoothingStyle::Linear(ms) | SmoothingStyle::Logarithmic(ms) => ms,
        };
        self.ramp_samples = ((ms * 0.001 * sample_rate_hz).round() as u32).max(1);
        self.reset(self.target);
    }

    /// Jumps to `value` with no ramp.
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
    }

    /// Starts a ramp towards `target` from the current value. Does nothing when `target` is
    /// already the target, so calling it every block with an unchanged value is cheap and keeps
    /// the ramp going.
    #[inline]
    pub fn set_target(&mut self, target: f32) {
        if target == self.target {
            return;
        }
        self.target = target;
        match self.style {
            SmoothingStyle::None => self.reset(target),
            SmoothingStyle::Linear(_) => {
                self.remaining = self.ramp_samples;
                self.step = (target - self.current) / self.ramp_samples as f32;
            }
            SmoothingStyle::Logarithmic(_) => {
                if self.current > 0.0 && target > 0.0 {
                    self.remaining = self.ramp_samples;
                    self.step = (target / self.current).powf(1.0 / self.ramp_samples as f32);
                } else {
                    // The log domain has no path through zero: jump.
                    self.reset(target);
                }
            }
        }
    }

    /// The value the ramp is heading to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// The current value (the value the last [`Smoother::next`] returned).
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// `true` while a ramp is in progress.
    #[inline]
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }

    /// Advances one sample and returns the new value.
    #[inline]
    #[allow(clippy::should_implement_trait)] // an endless ramp, not an iterator
    pub fn next(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            if self.remaining == 0 {
                self.current = self.target;
            } else {
                match self.style {
                    SmoothingStyle::Logarithmic(_) => self.current *= self.step,
                    _ => self.current += self.step,
                }
            }
        }
        self.current
    }

    /// Advances `num_samples` samples at once and returns the value reached (the same value
    /// `num_samples` calls to [`Smoother::next`] would end on, up to rounding).
    #[inline]
    pub fn skip(&mut self, num_samples: u32) -> f32 {
        if num_samples == 0 || self.remaining == 0 {
            return self.current;
        }
        if num_samples >= self.remaining {
            self.remaining = 0;
            self.current = self.target;
        } else {
            self.remaining -= num_samples;
            match self.style {
                SmoothingStyle::Logarithmic(_) => {
                    self.current *= self.step.powi(num_samples as i32)
                }
                _ => self.current += self.step * num_samples as f32,
            }
        }
        self.current
    }

    /// Fills `out` with the next `out.len()` values.
    #[inline]
    pub fn next_block(&mut self, out: &mut [f32]) {
        if self.remaining == 0 {
            out.fill(self.current);
        } else {
            for o in out.iter_mut() {
                *o = self.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assert_approx_eq::assert_approx_eq;

    #[test]
    fn linear_ramp_reaches_target_in_exactly_the_ramp_time() {
        for sr in [44100.0f32, 48000.0, 96000.0] {
            let mut s = Smoother::new(SmoothingStyle::Linear(10.0), 0.0);
            s.prepare(sr);
            s.set_target(1.0);
            let n = (0.010 * sr).round() as usize;
            let mut last = 0.0;
            for i in 0..n {
                let v = s.next();
                assert!(v > last || i == 0, "monotonic");
                assert_approx_eq!(v, (i + 1) as f32 / n as f32, 1e-4);
                last = v;
            }
            assert_eq!(s.current(), 1.0);
            assert!(!s.is_smoothing());
        }
    }

    #[test]
    fn logarithmic_ramp_is_geometric() {
        let mut s = Smoother::new(SmoothingStyle::Logarithmic(100.0), 20.0);
        s.prepare(48000.0);
        s.set_target(20000.0);
        // Half way through the ramp the value is the geometric mean, 632.46 Hz.
        for _ in 0..2399 {
            s.next();
        }
        assert_approx_eq!(s.next(), (20.0f32 * 20000.0).sqrt(), 1.0);
        for _ in 0..2400 {
            s.next();
        }
        assert_eq!(s.current(), 20000.0);
    }

    #[test]
    fn skip_equals_repeated_next() {
        let mut a = Smoother::new(SmoothingStyle::Logarithmic(50.0), 100.0);
        let mut b = a;
        a.prepare(48000.0);
        b.prepare(48000.0);
        a.set_target(5000.0);
        b.set_target(5000.0);
        for _ in 0..100 {
            a.next();
        }
        assert_approx_eq!(b.skip(100), a.current(), a.current() * 1e-4);
        let mut buf = [0.0; 64];
        a.next_block(&mut buf);
        assert_approx_eq!(b.skip(64), buf[63], buf[63] * 1e-4);
    }

    #[test]
    fn none_style_jumps() {
        let mut s = Smoother::new(SmoothingStyle::None, 1.0);
        s.prepare(48000.0);
        s.set_target(3.0);
        assert_eq!(s.next(), 3.0);
    }
}

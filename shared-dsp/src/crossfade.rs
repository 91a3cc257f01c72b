//! One crossfade for every on/off switch of the suite: the runner's bypass (the engine's
//! output against the latency-matched dry path), a channel-strip module switched on or off
//! (its input against its output) and a repair module joining once its latency is filled.
//!
//! A linear ramp over a fixed time between two signals, A at position 0 and B at 1. While it
//! moves, each sample is `A + f·(B − A)`, the constant-gain crossfade of two correlated
//! signals (a processed path and its own dry signal); at rest the output *is* A or B, bit
//! for bit, so a path switched off is exactly its dry signal.

use crate::smoothing::{Smoother, SmoothingStyle};

/// A crossfade between signal A (position 0) and signal B (position 1).
#[derive(Clone, Copy, Debug)]
pub struct Crossfade {
    ramp: Smoother,
}

impl Crossfade {
    /// A crossfade over `fade_ms`, resting at A. Call [`Crossfade::prepare`] before use.
    pub fn new(fade_ms: f32) -> Self {
        Self {
            ramp: Smoother::new(SmoothingStyle::Linear(fade_ms), 0.0),
        }
    }

    /// Sets the sample rate the fade time refers to and jumps to the target. Not realtime.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        self.ramp.prepare(sample_rate_hz);
    }

    /// Starts moving towards B (`true`) or A (`false`); does nothing when already heading
    /// there.
    #[inline]
    pub fn set_target(&mut self, to_b: bool) {
        self.ramp.set_target(if to_b { 1.0 } else { 0.0 });
    }

    /// Jumps to B (`true`) or A (`false`), ending any fade.
    #[inline]
    pub fn jump(&mut self, to_b: bool) {
        self.ramp.reset(if to_b { 1.0 } else { 0.0 });
    }

    /// Ends any fade at its target.
    #[inline]
    pub fn settle(&mut self) {
        self.ramp.reset(self.ramp.target());
    }

    /// Whether the crossfade is heading to (or resting at) B.
    #[inline]
    pub fn targets_b(&self) -> bool {
        self.ramp.target() > 0.0
    }

    /// The current position, 0 (A) – 1 (B).
    #[inline]
    pub fn position(&self) -> f32 {
        self.ramp.current()
    }

    /// Whether a fade is in progress.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.ramp.is_smoothing()
    }

    /// Whether any of B is heard now or is about to be (B's producer must run).
    #[inline]
    pub fn b_audible(&self) -> bool {
        self.ramp.current() > 0.0 || self.ramp.target() > 0.0
    }

    /// Whether the crossfade rests at B.
    #[inline]
    pub fn at_b(&self) -> bool {
        !self.is_fading() && self.ramp.current() >= 1.0
    }

    /// Advances one sample and returns the position.
    #[inline]
    #[allow(clippy::should_implement_trait)] // an endless ramp, not an iterator
    pub fn next(&mut self) -> f32 {
        self.ramp.next()
    }

    /// Fills `out` with the next positions.
    #[inline]
    pub fn next_block(&mut self, out: &mut [f32]) {
        self.ramp.next_block(out);
    }

    /// One chunk, the result in A's buffers: `a ← a + f·(b − a)`; at rest at A `a` is left as
    /// it is, at rest at B it becomes `b`. Channels and lengths follow `a`.
    pub fn mix_into_a(&mut self, a: &mut [&mut [f32]], b: &[impl AsRef<[f32]>]) {
        if !self.is_fading() {
            if self.ramp.current() >= 1.0 {
                for (x, y) in a.iter_mut().zip(b) {
                    let n = x.len();
                    x.copy_from_slice(&y.as_ref()[..n]);
                }
            }
            return;
        }
        let n = a.first().map_or(0, |x| x.len());
        for i in 0..n {
            let f = self.ramp.next();
            for (x, y) in a.iter_mut().zip(b) {
                x[i] += f * (y.as_ref()[i] - x[i]);
            }
        }
    }

    /// One chunk, the result in B's buffers: `b ← a + f·(b − a)`; at rest at B `b` is left as
    /// it is, at rest at A it becomes `a`. Channels and lengths follow `b`.
    pub fn mix_into_b(&mut self, a: &[impl AsRef<[f32]>], b: &mut [&mut [f32]]) {
        if !self.is_fading() {
            if self.ramp.current() <= 0.0 {
                for (y, x) in b.iter_mut().zip(a) {
                    let n = y.len();
                    y.copy_from_slice(&x.as_ref()[..n]);
                }
            }
            return;
        }
        let n = b.first().map_or(0, |y| y.len());
        for i in 0..n {
            let f = self.ramp.next();
            for (y, x) in b.iter_mut().zip(a) {
                let x = x.as_ref()[i];
                y[i] = x + f * (y[i] - x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_linearly_and_rests_exactly_on_either_signal() {
        let mut x = Crossfade::new(1.0); // 48 samples at 48 kHz
        x.prepare(48_000.0);
        let a = [[0.25f32; 64]; 2];
        let b = [[-0.5f32; 64]; 2];
        // At rest at A: mixing into A leaves A, mixing into B gives A.
        let (mut a1, mut a2) = (a[0], a[1]);
        x.mix_into_a(&mut [&mut a1[..], &mut a2[..]], &b);
        assert_eq!((a1, a2), (a[0], a[1]));
        let (mut b1, mut b2) = (b[0], b[1]);
        x.mix_into_b(&a, &mut [&mut b1[..], &mut b2[..]]);
        assert_eq!((b1, b2), (a[0], a[1]));
        // Towards B: a straight line from A to B over 48 samples, then B exactly.
        x.set_target(true);
        assert!(x.b_audible() && x.is_fading() && !x.at_b());
        let (mut o1, mut o2) = (a[0], a[1]);
        x.mix_into_a(&mut [&mut o1[..], &mut o2[..]], &b);
        for (i, v) in o1.iter().enumerate() {
            let f = ((i + 1) as f32 / 48.0).min(1.0);
            assert!((v - (0.25 - 0.75 * f)).abs() < 1e-6, "sample {i}: {v}");
        }
        assert_eq!(o1[47..], [-0.5; 17]);
        assert_eq!(o1, o2);
        assert!(x.at_b() && x.targets_b());
        let (mut b1, mut b2) = (b[0], b[1]);
        x.mix_into_b(&a, &mut [&mut b1[..], &mut b2[..]]);
        assert_eq!((b1, b2), (b[0], b[1]));
        // Back, then a jump.
        x.set_target(false);
        assert!(x.is_fading());
        x.jump(false);
        assert!(!x.b_audible() && x.position() == 0.0);
    }
}

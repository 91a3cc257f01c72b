//! Input diffusion: Schroeder allpass sections in series, which turn each input transient
//! into a dense, flat-spectrum burst before it enters the network, so the echo density of
//! the tail is high from its first milliseconds.
//!
//! M. R. Schroeder, "Natural sounding artificial reverberation", JAES 10(3), 1962: the section
//! `w[n] = x[n] + g·w[n−D]`, `y[n] = −g·w[n] + w[n−D]` has a flat magnitude response (it
//! colours nothing in the steady state) and spreads an impulse into echoes `D` apart decaying
//! by `g` per echo; four in series with lengths in no simple ratio are the input diffuser of
//! J. Dattorro, "Effect Design, Part 1", JAES 45(9), 1997.

/// Sections per channel.
pub const NUM_STAGES: usize = 4;
/// Longest section, ms (room at the highest sample rate).
pub const MAX_STAGE_MS: f32 = 10.0;
/// Highest sample rate the sections are sized for, Hz.
pub const MAX_SAMPLE_RATE_HZ: f32 = 384_000.0;

/// One channel's allpass sections.
pub struct Diffuser {
    buf: Vec<f32>,
    /// Ring length of each section (power of two, one after the other in `buf`).
    cap: usize,
    write: usize,
    lengths: [usize; NUM_STAGES],
}

impl Default for Diffuser {
    fn default() -> Self {
        Self::new()
    }
}

impl Diffuser {
    /// Allocates the sections for [`MAX_STAGE_MS`] at 48 kHz ([`Diffuser::prepare`] sizes
    /// them for another rate). Not realtime.
    pub fn new() -> Self {
        let cap = Self::capacity(48_000.0);
        Self {
            buf: vec![0.0; cap * NUM_STAGES],
            cap,
            write: 0,
            lengths: [1; NUM_STAGES],
        }
    }

    fn capacity(sample_rate_hz: f32) -> usize {
        let fs = sample_rate_hz.clamp(8_000.0, MAX_SAMPLE_RATE_HZ);
        ((MAX_STAGE_MS * 1e-3 * fs) as usize + 1).next_power_of_two()
    }

    /// Sizes the sections for `sample_rate_hz` and clears them. Not realtime.
    pub fn prepare(&mut self, sample_rate_hz: f32) {
        let cap = Self::capacity(sample_rate_hz);
        if cap != self.cap {
            self.buf = vec![0.0; cap * NUM_STAGES];
            self.cap = cap;
        }
        self.reset();
    }

    /// Sets the section lengths from milliseconds at `sample_rate_hz` (clamped to the
    /// capacity). Realtime-safe; a change of length is a jump in the read position, so call
    /// it when the material is silent or the change is a discrete choice.
    pub fn set_lengths_ms(&mut self, lengths_ms: &[f32; NUM_STAGES], sample_rate_hz: f32) {
        for (l, ms) in self.lengths.iter_mut().zip(lengths_ms) {
            *l = ((ms * 1e-3 * sample_rate_hz).round() as usize).clamp(1, self.cap - 1);
        }
    }

    /// The section lengths, samples.
    pub fn lengths(&self) -> &[usize; NUM_STAGES] {
        &self.lengths
    }

    /// Clears the sections. Realtime-safe.
    pub fn reset(&mut self) {
        self.buf.fill(0.0);
        self.write = 0;
    }

    /// One sample through the sections with the allpass gain `g` (|g| < 1).
    #[inline]
    pub fn process(&mut self, x: f32, g: f32) -> f32 {
        let mask = self.cap - 1;
        let mut y = x;
        for (k, &d) in self.lengths.iter().enumerate() {
            let base = k * self.cap;
            let delayed = self.buf[base + ((self.write.wrapping_sub(d)) & mask)];
            let w = y + g * delayed;
            self.buf[base + self.write] = w;
            y = delayed - g * w;
        }
        self.write = (self.write + 1) & mask;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sections_keep_the_energy_and_spread_an_impulse() {
        let fs = 48_000.0;
        let mut d = Diffuser::new();
        d.set_lengths_ms(&[1.1, 1.7, 2.6, 3.9], fs);
        let ir: Vec<f32> = (0..48_000)
            .map(|i| d.process(if i == 0 { 1.0 } else { 0.0 }, 0.7))
            .collect();
        // An allpass keeps the energy of an impulse.
        let energy: f64 = ir.iter().map(|x| (*x as f64).powi(2)).sum();
        assert!((energy - 1.0).abs() < 1e-4, "{energy}");
        // …and spreads it: no sample holds more than a quarter of it, and more than 100
        // samples hold 0.01 % or more.
        assert!(ir.iter().all(|x| x * x < 0.25));
        assert!(ir.iter().filter(|x| (**x as f64).powi(2) > 1e-4).count() > 100);
    }
}

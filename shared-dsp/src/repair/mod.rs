//! Audio restoration units behind Lathe Spectral Repair, in the order the engine runs them:
//! de-clip → de-click → de-plosive → de-hum → de-noise. Each is a mono unit (the engine runs
//! one per channel) with the same shape: `new` allocates for the worst case, `prepare` sets the
//! rate, `set_settings`/`reset`/`process` are realtime-safe, `latency_samples` depends on the
//! sample rate (and, for the de-noise, its FFT size) only, and wherever a unit finds nothing to
//! repair its output is its input delayed by that latency.

/// What the engine needs from every restoration unit (each also has its own settings type and
/// activity read-outs).
pub trait RepairUnit {
    /// Sets the sample rate (not realtime, allocation-free) and clears the memory.
    fn prepare(&mut self, sample_rate_hz: f32);
    /// Clears all audio memory. Realtime-safe.
    fn reset(&mut self);
    /// Latency in samples at the current rate (and FFT size), independent of other settings.
    fn latency_samples(&self) -> usize;
    /// Processes any number of samples in place. Realtime-safe.
    fn process(&mut self, buf: &mut [f32]);
}

/// Implements [`RepairUnit`] by forwarding to a unit's inherent methods of the same names.
macro_rules! forward_repair_unit {
    ($($t:ty),*) => {$(
        impl RepairUnit for $t {
            fn prepare(&mut self, sample_rate_hz: f32) {
                <$t>::prepare(self, sample_rate_hz)
            }
            fn reset(&mut self) {
                <$t>::reset(self)
            }
            fn latency_samples(&self) -> usize {
                <$t>::latency_samples(self)
            }
            fn process(&mut self, buf: &mut [f32]) {
                <$t>::process(self, buf)
            }
        }
    )*};
}

pub mod ar;
pub mod assist;
pub mod declick;
pub mod declip;
pub mod dehum;
pub mod denoise;
pub mod deplosive;

forward_repair_unit!(
    declip::Declip,
    declick::Declick,
    deplosive::Deplosive,
    dehum::Dehum,
    denoise::Denoise
);

/// Measures shared by the units' tests.
#[cfg(test)]
mod test_signals {
    /// Error energy of `x` against `reference`, relative to the reference's energy, dB.
    pub fn err_db(reference: &[f32], x: &[f32]) -> f64 {
        let s: f64 = reference.iter().map(|&v| (v as f64).powi(2)).sum();
        let e: f64 = reference
            .iter()
            .zip(x)
            .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
            .sum();
        10.0 * (e.max(1e-30) / s).log10()
    }
}

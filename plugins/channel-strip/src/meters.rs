//! Meter values shared lock-free between the audio thread and the editor.

use atomic_float::AtomicF32;
use shared_dsp::db::MINUS_INFINITY_DB;
use shared_dsp::meter::LevelMeter;
use std::sync::atomic::Ordering;

use crate::dsp::BlockMeters;

/// Gain-reduction meters return towards 0 dB at this rate (dB/s) after the deepest reading.
pub const GR_RETURN_DB_PER_S: f32 = 30.0;

/// Meter readings published by the audio thread (relaxed atomics, no locks).
pub struct SharedMeters {
    /// Input peak, dBFS.
    pub input_peak_db: AtomicF32,
    /// Input RMS, dBFS.
    pub input_rms_db: AtomicF32,
    /// Output peak, dBFS.
    pub output_peak_db: AtomicF32,
    /// Output RMS, dBFS.
    pub output_rms_db: AtomicF32,
    /// Gate attenuation, dB (≤ 0).
    pub gate_gain_db: AtomicF32,
    /// Compressor gain reduction, dB (≤ 0).
    pub comp_gain_db: AtomicF32,
    /// The sample rate the plugin runs at (0 before activation), for the editor's curve.
    pub sample_rate_hz: AtomicF32,
}

impl Default for SharedMeters {
    fn default() -> Self {
        Self {
            input_peak_db: AtomicF32::new(MINUS_INFINITY_DB),
            input_rms_db: AtomicF32::new(MINUS_INFINITY_DB),
            output_peak_db: AtomicF32::new(MINUS_INFINITY_DB),
            output_rms_db: AtomicF32::new(MINUS_INFINITY_DB),
            gate_gain_db: AtomicF32::new(0.0),
            comp_gain_db: AtomicF32::new(0.0),
            sample_rate_hz: AtomicF32::new(0.0),
        }
    }
}

/// Ballistics state owned by the audio thread.
#[derive(Default)]
pub struct MeterBallistics {
    input: LevelMeter,
    output: LevelMeter,
    gate_db: f32,
    comp_db: f32,
}

impl MeterBallistics {
    /// Folds one block's levels into the ballistics and publishes them.
    pub fn publish(&mut self, block: &BlockMeters, block_seconds: f32, out: &SharedMeters) {
        self.input.update(&block.input, block_seconds);
        self.output.update(&block.output, block_seconds);
        let ret = GR_RETURN_DB_PER_S * block_seconds;
        self.gate_db = block.gate_gain_db.min((self.gate_db + ret).min(0.0));
        self.comp_db = block.comp_gain_db.min((self.comp_db + ret).min(0.0));
        out.input_peak_db
            .store(self.input.peak_db, Ordering::Relaxed);
        out.input_rms_db
            .store(self.input.rms_db(), Ordering::Relaxed);
        out.output_peak_db
            .store(self.output.peak_db, Ordering::Relaxed);
        out.output_rms_db
            .store(self.output.rms_db(), Ordering::Relaxed);
        out.gate_gain_db.store(self.gate_db, Ordering::Relaxed);
        out.comp_gain_db.store(self.comp_db, Ordering::Relaxed);
    }
}

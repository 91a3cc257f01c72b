//! Meter readings shared lock-free between the audio thread and the editor (relaxed atomics,
//! no locks, no allocation), with the ballistics applied on the audio thread.

use atomic_float::AtomicF32;
use shared_dsp::db::MINUS_INFINITY_DB;
use shared_dsp::meter::{BlockLevel, LevelMeter};
use std::sync::atomic::Ordering;

/// Gain-reduction meters return towards 0 dB at this rate (dB/s) after the deepest reading.
pub const GR_RETURN_DB_PER_S: f32 = 30.0;
/// Number of gain-reduction meters a plugin can publish.
pub const NUM_GR_METERS: usize = 2;

/// Meter readings published by the audio thread.
pub struct SharedMeters {
    /// Input peak, dBFS.
    pub input_peak_db: AtomicF32,
    /// Input RMS, dBFS.
    pub input_rms_db: AtomicF32,
    /// Output peak, dBFS.
    pub output_peak_db: AtomicF32,
    /// Output RMS, dBFS.
    pub output_rms_db: AtomicF32,
    /// Gain reductions, dB (≤ 0): e.g. gate and compressor.
    pub gain_db: [AtomicF32; NUM_GR_METERS],
    /// The compressor detector's level, dBFS, for the live dot on a transfer curve.
    pub detector_db: AtomicF32,
    /// The sample rate the plugin runs at (0 before activation), for response curves.
    pub sample_rate_hz: AtomicF32,
}

impl Default for SharedMeters {
    fn default() -> Self {
        Self {
            input_peak_db: AtomicF32::new(MINUS_INFINITY_DB),
            input_rms_db: AtomicF32::new(MINUS_INFINITY_DB),
            output_peak_db: AtomicF32::new(MINUS_INFINITY_DB),
            output_rms_db: AtomicF32::new(MINUS_INFINITY_DB),
            gain_db: [AtomicF32::new(0.0), AtomicF32::new(0.0)],
            detector_db: AtomicF32::new(MINUS_INFINITY_DB),
            sample_rate_hz: AtomicF32::new(0.0),
        }
    }
}

impl SharedMeters {
    /// Records the sample rate the plugin was activated at (for the editor's curves).
    pub fn set_sample_rate(&self, sample_rate_hz: f32) {
        self.sample_rate_hz
            .store(sample_rate_hz, std::sync::atomic::Ordering::Relaxed);
    }

    /// Reads a value (for the editor).
    pub fn get(v: &AtomicF32) -> f32 {
        v.load(Ordering::Relaxed)
    }
}

/// One block's readings, gathered by the audio thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockReadings {
    /// Input level.
    pub input: BlockLevel,
    /// Output level.
    pub output: BlockLevel,
    /// Deepest gain of each gain-reduction meter in the block, dB (≤ 0).
    pub gain_db: [f32; NUM_GR_METERS],
    /// Highest detector level in the block, dBFS.
    pub detector_db: f32,
}

/// Ballistics state owned by the audio thread.
#[derive(Default)]
pub struct MeterBallistics {
    input: LevelMeter,
    output: LevelMeter,
    gain_db: [f32; NUM_GR_METERS],
}

impl MeterBallistics {
    /// Folds one host block of `num_samples` at `sample_rate_hz` into the ballistics and
    /// publishes the results; returns the block's duration, s.
    pub fn publish_block(
        &mut self,
        block: &BlockReadings,
        num_samples: usize,
        sample_rate_hz: f32,
        out: &SharedMeters,
    ) -> f32 {
        let seconds = num_samples as f32 / sample_rate_hz;
        self.publish(block, seconds, out);
        seconds
    }

    /// Folds one block into the ballistics and publishes the results.
    pub fn publish(&mut self, block: &BlockReadings, block_seconds: f32, out: &SharedMeters) {
        self.input.update(&block.input, block_seconds);
        self.output.update(&block.output, block_seconds);
        let ret = GR_RETURN_DB_PER_S * block_seconds;
        for (i, g) in self.gain_db.iter_mut().enumerate() {
            let reading = if block.gain_db[i].is_finite() {
                block.gain_db[i]
            } else {
                0.0
            };
            *g = reading.min((*g + ret).min(0.0));
            out.gain_db[i].store(*g, Ordering::Relaxed);
        }
        out.input_peak_db
            .store(self.input.peak_db, Ordering::Relaxed);
        out.input_rms_db
            .store(self.input.rms_db(), Ordering::Relaxed);
        out.output_peak_db
            .store(self.output.peak_db, Ordering::Relaxed);
        out.output_rms_db
            .store(self.output.rms_db(), Ordering::Relaxed);
        out.detector_db.store(block.detector_db, Ordering::Relaxed);
    }
}

/// Length of a [`SampleTap`], samples (a power of two; the editor's analyser reads up to this
/// many of the latest samples).
pub const TAP_LEN: usize = 8192;

/// The latest samples of a signal, written by the audio thread and read by the editor for a
/// spectrum analyser, lock-free (relaxed atomics; a torn read only mixes two neighbouring
/// blocks, harmless for a display). The audio thread only copies: the FFT runs on the editor
/// thread.
pub struct SampleTap {
    samples: Box<[std::sync::atomic::AtomicU32]>,
    write: std::sync::atomic::AtomicUsize,
}

impl Default for SampleTap {
    fn default() -> Self {
        Self {
            samples: (0..TAP_LEN)
                .map(|_| std::sync::atomic::AtomicU32::new(0))
                .collect(),
            write: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl SampleTap {
    /// Appends samples (audio thread; no allocation).
    pub fn push(&self, block: &[f32]) {
        let mut w = self.write.load(Ordering::Relaxed);
        for &x in block {
            self.samples[w & (TAP_LEN - 1)].store(x.to_bits(), Ordering::Relaxed);
            w = w.wrapping_add(1);
        }
        self.write.store(w, Ordering::Release);
    }

    /// Copies the latest `out.len()` (≤ [`TAP_LEN`]) samples, oldest first (editor thread).
    pub fn read_latest(&self, out: &mut [f32]) {
        let n = out.len().min(TAP_LEN);
        let w = self.write.load(Ordering::Acquire);
        let start = w.wrapping_sub(n);
        for (i, y) in out[..n].iter_mut().enumerate() {
            *y = f32::from_bits(
                self.samples[start.wrapping_add(i) & (TAP_LEN - 1)].load(Ordering::Relaxed),
            );
        }
    }

    /// Total samples written so far (to tell whether anything new arrived).
    pub fn written(&self) -> usize {
        self.write.load(Ordering::Acquire)
    }
}

/// The input and output of an engine for the editor's spectrum analyser: mono sums, written by
/// the audio thread only while an editor is open to read them.
#[derive(Default)]
pub struct SpectrumTaps {
    /// The input.
    pub input: SampleTap,
    /// The output (as heard).
    pub output: SampleTap,
    /// Set by the editor while it shows a spectrum; the audio thread skips the copies otherwise.
    pub wanted: std::sync::atomic::AtomicBool,
}

impl SpectrumTaps {
    /// Whether an editor reads the taps.
    pub fn is_wanted(&self) -> bool {
        self.wanted.load(Ordering::Relaxed)
    }
}

impl SampleTap {
    /// Appends the mono sum (mean) of `channels` (audio thread; no allocation). Only the first
    /// `len` samples of each channel are read.
    pub fn push_mean(&self, channels: &[&mut [f32]], len: usize) {
        let nc = channels.len();
        if nc == 0 {
            return;
        }
        let k = 1.0 / nc as f32;
        let mut w = self.write.load(Ordering::Relaxed);
        for i in 0..len {
            let x = k * channels
                .iter()
                .map(|ch| ch.get(i).copied().unwrap_or(0.0))
                .sum::<f32>();
            self.samples[w & (TAP_LEN - 1)].store(x.to_bits(), Ordering::Relaxed);
            w = w.wrapping_add(1);
        }
        self.write.store(w, Ordering::Release);
    }
}

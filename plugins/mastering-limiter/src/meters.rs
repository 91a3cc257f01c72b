//! What the audio thread tells the editor beyond the suite's level meters: loudness readings
//! and the state of a "Learn" pass, through relaxed atomics (no locks, no allocation).

use atomic_float::{AtomicF32, AtomicF64};
use shared_plugin::meters::SharedMeters;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Learn status codes in [`LimiterMeters::learn_status`].
pub mod learn_status {
    /// Nothing learnt yet.
    pub const IDLE: u32 = 0;
    /// A pass is running.
    pub const LEARNING: u32 = 1;
    /// A gain was learnt (in `learned_gain_db`).
    pub const DONE: u32 = 2;
    /// Nothing was heard.
    pub const NO_SIGNAL: u32 = 3;
    /// The target needs more than +24 dB (`learn_detail` holds the loudness reached).
    pub const OUT_OF_REACH: u32 = 4;
    /// Already louder than the target at 0 dB (`learn_detail` holds that loudness).
    pub const ALREADY_LOUDER: u32 = 5;
}

/// Readings and requests shared by the plugin and its editor.
pub struct LimiterMeters {
    /// Level and gain-reduction meters (the suite's).
    pub levels: SharedMeters,
    /// Momentary loudness of the master, LUFS (−∞ as a large negative number).
    pub momentary_lufs: AtomicF64,
    /// Short-term loudness of the master, LUFS.
    pub short_term_lufs: AtomicF64,
    /// Integrated loudness of the master since the last reset, LUFS.
    pub integrated_lufs: AtomicF64,
    /// Loudness range of the master, LU.
    pub lra_lu: AtomicF64,
    /// Highest true peak of the master since the last reset, dBTP.
    pub output_true_peak_dbtp: AtomicF64,
    /// Highest true peak of the input since the last reset, dBTP.
    pub input_true_peak_dbtp: AtomicF64,
    /// Integrated loudness of the input since the last reset, LUFS.
    pub input_integrated_lufs: AtomicF64,
    /// Editor → audio thread: restart the loudness meters.
    pub reset_requested: AtomicBool,
    /// Editor → audio thread: a Learn pass should be running.
    pub learn_requested: AtomicBool,
    /// The target the Learn pass aims at, LUFS (set by the editor with the request).
    pub learn_target_lufs: AtomicF64,
    /// Audio thread → editor: see [`learn_status`].
    pub learn_status: AtomicU32,
    /// The learnt input gain, dB.
    pub learned_gain_db: AtomicF32,
    /// Detail of an unsuccessful pass (LUFS).
    pub learn_detail: AtomicF64,
}

impl Default for LimiterMeters {
    fn default() -> Self {
        let ninf = || AtomicF64::new(f64::NEG_INFINITY);
        Self {
            levels: SharedMeters::default(),
            momentary_lufs: ninf(),
            short_term_lufs: ninf(),
            integrated_lufs: ninf(),
            lra_lu: AtomicF64::new(0.0),
            output_true_peak_dbtp: ninf(),
            input_true_peak_dbtp: ninf(),
            input_integrated_lufs: ninf(),
            reset_requested: AtomicBool::new(false),
            learn_requested: AtomicBool::new(false),
            learn_target_lufs: AtomicF64::new(-14.0),
            learn_status: AtomicU32::new(learn_status::IDLE),
            learned_gain_db: AtomicF32::new(0.0),
            learn_detail: AtomicF64::new(0.0),
        }
    }
}

impl LimiterMeters {
    /// Reads an f64 reading.
    pub fn get(v: &AtomicF64) -> f64 {
        v.load(Ordering::Relaxed)
    }
}

//! What the audio thread tells the editor beyond the suite's level meters: per-module activity
//! and the spectrum taps, through relaxed atomics (no locks, no allocation).

use atomic_float::AtomicF32;
use shared_dsp::db::MINUS_INFINITY_DB;
use shared_plugin::meters::SharedMeters;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::dsp::RepairActivity;
use shared_plugin::meters::SpectrumTaps;

/// Readings shared by the plugin and its editor.
pub struct RepairMeters {
    /// Level meters (the suite's); `gain_db[0]` is the plosive band's attenuation and
    /// `gain_db[1]` the noise reduction.
    pub levels: SharedMeters,
    /// Input and output samples for the spectrum.
    pub taps: Arc<SpectrumTaps>,
    /// Clicks repaired per second (over the last publishing interval).
    pub clicks_per_s: AtomicF32,
    /// Clicks repaired since the plugin was activated.
    pub clicks_total: AtomicU64,
    /// Samples rebuilt by the de-clip per second.
    pub declipped_per_s: AtomicF32,
    /// Clipping level the de-clip found, dBFS.
    pub clip_level_db: AtomicF32,
    /// Plosives found since activation.
    pub plosives_total: AtomicU64,
    /// Current attenuation of the plosive band, dB (≥ 0).
    pub plosive_reduction_db: AtomicF32,
    /// Hum found and removed, dBFS RMS.
    pub hum_level_db: AtomicF32,
    /// The mains frequency followed, Hz.
    pub hum_base_hz: AtomicF32,
    /// Estimated noise floor, dBFS.
    pub noise_floor_db: AtomicF32,
    /// Current noise reduction, dB (≥ 0).
    pub noise_reduction_db: AtomicF32,
    /// A learned noise profile is loaded.
    pub has_noise_profile: AtomicBool,
}

impl Default for RepairMeters {
    fn default() -> Self {
        let ninf = || AtomicF32::new(MINUS_INFINITY_DB);
        Self {
            levels: SharedMeters::default(),
            taps: Arc::new(SpectrumTaps::default()),
            clicks_per_s: AtomicF32::new(0.0),
            clicks_total: AtomicU64::new(0),
            declipped_per_s: AtomicF32::new(0.0),
            clip_level_db: ninf(),
            plosives_total: AtomicU64::new(0),
            plosive_reduction_db: AtomicF32::new(0.0),
            hum_level_db: ninf(),
            hum_base_hz: AtomicF32::new(0.0),
            noise_floor_db: ninf(),
            noise_reduction_db: AtomicF32::new(0.0),
            has_noise_profile: AtomicBool::new(false),
        }
    }
}

/// Turns the engine's running totals into rates for [`RepairMeters`] (audio thread).
#[derive(Default)]
pub struct ActivityPublisher {
    last_clicks: u64,
    last_declipped: u64,
    seconds: f32,
}

/// How often the rates are published, seconds.
pub const PUBLISH_INTERVAL_S: f32 = 0.25;

impl ActivityPublisher {
    /// Folds one block in and publishes when the interval has passed.
    pub fn publish(&mut self, a: &RepairActivity, block_seconds: f32, out: &RepairMeters) {
        let st = |v: &AtomicF32, x: f32| v.store(x, Ordering::Relaxed);
        st(&out.plosive_reduction_db, a.plosive_reduction_db);
        st(&out.hum_level_db, a.hum_level_db);
        st(&out.hum_base_hz, a.hum_base_hz);
        st(&out.noise_floor_db, a.noise_floor_db);
        st(&out.noise_reduction_db, a.noise_reduction_db);
        st(&out.clip_level_db, a.clip_level_db);
        out.clicks_total.store(a.clicks_total, Ordering::Relaxed);
        out.plosives_total
            .store(a.plosives_total, Ordering::Relaxed);
        out.has_noise_profile
            .store(a.has_noise_profile, Ordering::Relaxed);
        self.seconds += block_seconds;
        if self.seconds >= PUBLISH_INTERVAL_S {
            let k = 1.0 / self.seconds;
            // Totals restart from 0 when the engine resets.
            let since = |now: u64, last: u64| if now >= last { now - last } else { now };
            let dc = since(a.clicks_total, self.last_clicks);
            let dd = since(a.declipped_total, self.last_declipped);
            st(&out.clicks_per_s, dc as f32 * k);
            st(&out.declipped_per_s, dd as f32 * k);
            self.last_clicks = a.clicks_total;
            self.last_declipped = a.declipped_total;
            self.seconds = 0.0;
        }
    }
}

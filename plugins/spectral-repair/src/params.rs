//! Spectral repair parameters. IDs are stable and never renamed (hosts store sessions and
//! automation by ID). Ranges, defaults and units are written here once, through
//! `shared_plugin::params`. Module IDs start with the module's short name: `dcl_` de-clip,
//! `dck_` de-click, `dpl_` de-plosive, `dhm_` de-hum, `dns_` de-noise.

use nice_plug::prelude::*;
use serde::{Deserialize, Serialize};
use shared_dsp::db::db_to_gain;
use shared_dsp::repair::declick::DeclickSettings;
use shared_dsp::repair::declip::DeclipSettings;
use shared_dsp::repair::dehum::{DehumSettings, HumBase};
use shared_dsp::repair::denoise::{DenoiseSettings, NoiseMode};
use shared_dsp::repair::deplosive::DeplosiveSettings;
use shared_dsp::repair::{declick, declip, denoise, deplosive};
use shared_plugin::params as p;
use shared_plugin::params::EngineValue;
use std::sync::Mutex;

use crate::dsp::{OutputMode, RepairSettings, DECLIP_GAIN_DB, MIX, OUTPUT_GAIN_DB};

/// Layout version of the saved state (see `shared_plugin::state`).
///
/// 1: the first release. 2: adds the `session` field (preset name, A/B, lock); a version-1
/// state has none and loads with a fresh session, so no migration step is needed.
pub const STATE_VERSION: u32 = 2;

/// What the output carries.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputParam {
    /// The repaired signal.
    #[id = "processed"]
    #[name = "Processed"]
    Processed,
    /// Only what the modules removed, to audition it.
    #[id = "residual"]
    #[name = "Residual"]
    Residual,
}

/// Mains frequency of the hum.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumBaseParam {
    /// Detected (50 or 60 Hz).
    #[id = "auto"]
    #[name = "Auto"]
    Auto,
    /// 50 Hz (Europe, Asia, Africa, Australia).
    #[id = "50"]
    #[name = "50 Hz"]
    Hz50,
    /// 60 Hz (the Americas, parts of Asia).
    #[id = "60"]
    #[name = "60 Hz"]
    Hz60,
}

/// How the de-noise knows the noise.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseModeParam {
    /// Tracked continuously (minimum statistics).
    #[id = "adaptive"]
    #[name = "Adaptive"]
    Adaptive,
    /// The profile learned with "Learn".
    #[id = "profile"]
    #[name = "Learned"]
    Profile,
}

/// FFT size of the de-noise.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FftSizeParam {
    /// 256 samples.
    #[id = "256"]
    #[name = "256"]
    N256,
    /// 512 samples.
    #[id = "512"]
    #[name = "512"]
    N512,
    /// 1024 samples.
    #[id = "1024"]
    #[name = "1024"]
    N1024,
    /// 2048 samples.
    #[id = "2048"]
    #[name = "2048"]
    N2048,
    /// 4096 samples.
    #[id = "4096"]
    #[name = "4096"]
    N4096,
    /// 8192 samples.
    #[id = "8192"]
    #[name = "8192"]
    N8192,
}

impl FftSizeParam {
    /// The size in samples.
    pub fn size(self) -> usize {
        256 << (self as usize)
    }
}

/// Overlap of the de-noise frames.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlapParam {
    /// Hop of a quarter frame.
    #[id = "4"]
    #[name = "4x"]
    X4,
    /// Hop of an eighth of a frame (smoother, twice the work).
    #[id = "8"]
    #[name = "8x"]
    X8,
}

/// A learned noise profile as saved in the host session.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StoredNoiseProfile {
    /// Sample rate the profile was learned at, Hz.
    pub sample_rate_hz: f32,
    /// Noise power density at equally spaced frequencies from 0 to Nyquist
    /// (`shared_dsp::repair::denoise::PROFILE_POINTS` of them; empty when none was learned).
    pub points: Vec<f32>,
}

impl StoredNoiseProfile {
    /// Whether this holds a usable profile (right length, finite, non-negative, plausible rate).
    pub fn is_valid(&self) -> bool {
        self.points.len() == shared_dsp::repair::denoise::PROFILE_POINTS
            && self.points.iter().all(|v| v.is_finite() && *v >= 0.0)
            && (8_000.0..=768_000.0).contains(&self.sample_rate_hz)
    }
}

/// Every parameter of spectral repair.
#[derive(Params)]
pub struct RepairParams {
    /// State version, session, editor geometry and the host bypass (kept first).
    #[nested]
    pub common: shared_plugin::params::CommonParams,
    /// The learned noise profile (saved with the session).
    #[persist = "noise_profile"]
    pub noise_profile: Mutex<StoredNoiseProfile>,

    /// Processed signal or residual.
    #[id = "output"]
    pub output: EnumParam<OutputParam>,
    /// Wet/dry mix, 0–100 %.
    #[id = "mix"]
    pub mix: FloatParam,
    /// Output gain, ±24 dB.
    #[id = "out_gain"]
    pub output_gain: FloatParam,

    /// De-clip on.
    #[id = "dcl_on"]
    pub declip_on: BoolParam,
    /// Detect the clipping level from the signal.
    #[id = "dcl_auto"]
    pub declip_auto: BoolParam,
    /// Manual clipping level, −30 – 0 dBFS.
    #[id = "dcl_level"]
    pub declip_level_db: FloatParam,
    /// Gain after the de-clip (rebuilt peaks rise above the clip level), −12 – 0 dB.
    #[id = "dcl_gain"]
    pub declip_gain_db: FloatParam,

    /// De-click on.
    #[id = "dck_on"]
    pub declick_on: BoolParam,
    /// De-click sensitivity, 0–100 %.
    #[id = "dck_sens"]
    pub declick_sensitivity: FloatParam,
    /// Longest click repaired, 0.1–10 ms.
    #[id = "dck_len"]
    pub declick_max_ms: FloatParam,

    /// De-plosive on.
    #[id = "dpl_on"]
    pub deplosive_on: BoolParam,
    /// De-plosive sensitivity, 0–100 %.
    #[id = "dpl_sens"]
    pub deplosive_sensitivity: FloatParam,
    /// Upper edge of the band a plosive is removed from, 50–400 Hz.
    #[id = "dpl_freq"]
    pub deplosive_freq_hz: FloatParam,
    /// Largest attenuation of that band, 0–30 dB.
    #[id = "dpl_str"]
    pub deplosive_strength_db: FloatParam,

    /// De-hum on.
    #[id = "dhm_on"]
    pub dehum_on: BoolParam,
    /// Mains frequency.
    #[id = "dhm_base"]
    pub dehum_base: EnumParam<HumBaseParam>,
    /// Harmonics removed (the fundamental counts as the first), 1–20.
    #[id = "dhm_harm"]
    pub dehum_harmonics: IntParam,
    /// Follow slow drift of the mains frequency.
    #[id = "dhm_drift"]
    pub dehum_track_drift: BoolParam,

    /// De-noise on.
    #[id = "dns_on"]
    pub denoise_on: BoolParam,
    /// Largest noise reduction, 0–40 dB.
    #[id = "dns_red"]
    pub denoise_reduction_db: FloatParam,
    /// Adaptive or learned noise profile.
    #[id = "dns_mode"]
    pub denoise_mode: EnumParam<NoiseModeParam>,
    /// Learn the noise profile while on (play a passage of noise alone).
    #[id = "dns_learn"]
    pub denoise_learn: BoolParam,
    /// Musical-noise control (smoothing of the suppression over time and frequency), 0–100 %.
    #[id = "dns_smooth"]
    pub denoise_smoothing: FloatParam,
    /// Keep transients (less suppression on attacks).
    #[id = "dns_trans"]
    pub denoise_keep_transients: BoolParam,
    /// FFT size (changes the latency).
    #[id = "dns_fft"]
    pub denoise_fft: EnumParam<FftSizeParam>,
    /// Overlap (changes the latency).
    #[id = "dns_ovl"]
    pub denoise_overlap: EnumParam<OverlapParam>,
}

impl Default for RepairParams {
    fn default() -> Self {
        let declip = DeclipSettings::default();
        let dehum = DehumSettings::default();
        let denoise = DenoiseSettings::default();
        Self {
            common: shared_plugin::params::CommonParams::new(STATE_VERSION),
            noise_profile: Mutex::new(StoredNoiseProfile::default()),
            output: EnumParam::new("Output", OutputParam::Processed),
            mix: p::percent_in("Mix", MIX),
            output_gain: p::gain_in("Output Gain", OUTPUT_GAIN_DB),
            declip_on: BoolParam::new("De-clip", false),
            declip_auto: BoolParam::new("De-clip Auto Level", declip.auto_level),
            declip_level_db: p::level(
                "De-clip Level",
                declip::CLIP_LEVEL_DB.default,
                declip::CLIP_LEVEL_DB.min,
                declip::CLIP_LEVEL_DB.max,
                "dBFS",
            ),
            declip_gain_db: p::db_in("De-clip Output", DECLIP_GAIN_DB),
            declick_on: BoolParam::new("De-click", false),
            declick_sensitivity: p::percent(
                "De-click Sensitivity",
                declick::SENSITIVITY.default / 100.0,
                declick::SENSITIVITY.max / 100.0,
            ),
            declick_max_ms: p::ms_in("De-click Length", declick::MAX_EVENT_MS_RANGE),
            deplosive_on: BoolParam::new("De-plosive", false),
            deplosive_sensitivity: p::percent(
                "De-plosive Sensitivity",
                deplosive::SENSITIVITY.default / 100.0,
                deplosive::SENSITIVITY.max / 100.0,
            ),
            deplosive_freq_hz: p::hz_in("De-plosive Frequency", deplosive::FREQ_LIMIT_HZ),
            deplosive_strength_db: p::db_in("De-plosive Strength", deplosive::STRENGTH_DB),
            dehum_on: BoolParam::new("De-hum", false),
            dehum_base: EnumParam::new(
                "De-hum Base",
                match dehum.base {
                    HumBase::Auto => HumBaseParam::Auto,
                    HumBase::Hz50 => HumBaseParam::Hz50,
                    HumBase::Hz60 => HumBaseParam::Hz60,
                },
            ),
            dehum_harmonics: IntParam::new(
                "De-hum Harmonics",
                dehum.num_harmonics as i32,
                IntRange::Linear { min: 1, max: 20 },
            ),
            dehum_track_drift: BoolParam::new("De-hum Drift", dehum.track_drift),
            denoise_on: BoolParam::new("De-noise", false),
            denoise_reduction_db: p::db_in("De-noise Reduction", denoise::REDUCTION_DB),
            denoise_mode: EnumParam::new(
                "De-noise Mode",
                match denoise.mode {
                    NoiseMode::Adaptive => NoiseModeParam::Adaptive,
                    NoiseMode::Profile => NoiseModeParam::Profile,
                },
            ),
            denoise_learn: BoolParam::new("De-noise Learn", false),
            denoise_smoothing: p::percent_in("De-noise Smoothing", denoise::SMOOTHING),
            denoise_keep_transients: BoolParam::new(
                "De-noise Keep Transients",
                denoise.keep_transients,
            ),
            denoise_fft: EnumParam::new("De-noise FFT Size", FftSizeParam::N2048),
            denoise_overlap: EnumParam::new("De-noise Overlap", OverlapParam::X4),
        }
    }
}

impl RepairParams {
    /// Snapshot of the current (unsmoothed) values for the engine, which smooths what needs it.
    pub fn settings(&self) -> RepairSettings {
        RepairSettings {
            declip_on: self.declip_on.value(),
            declip: DeclipSettings {
                auto_level: self.declip_auto.value(),
                clip_level_db: self.declip_level_db.engine_value(),
            },
            declip_gain: db_to_gain(self.declip_gain_db.engine_value()),
            declick_on: self.declick_on.value(),
            declick: DeclickSettings {
                sensitivity: 100.0 * self.declick_sensitivity.engine_value(),
                max_event_ms: self.declick_max_ms.engine_value(),
            },
            deplosive_on: self.deplosive_on.value(),
            deplosive: DeplosiveSettings {
                sensitivity: 100.0 * self.deplosive_sensitivity.engine_value(),
                freq_limit_hz: self.deplosive_freq_hz.engine_value(),
                strength_db: self.deplosive_strength_db.engine_value(),
            },
            dehum_on: self.dehum_on.value(),
            dehum: DehumSettings {
                base: match self.dehum_base.value() {
                    HumBaseParam::Auto => HumBase::Auto,
                    HumBaseParam::Hz50 => HumBase::Hz50,
                    HumBaseParam::Hz60 => HumBase::Hz60,
                },
                num_harmonics: self.dehum_harmonics.value().clamp(1, 20) as usize,
                track_drift: self.dehum_track_drift.value(),
            },
            denoise_on: self.denoise_on.value(),
            denoise: DenoiseSettings {
                reduction_db: self.denoise_reduction_db.engine_value(),
                mode: match self.denoise_mode.value() {
                    NoiseModeParam::Adaptive => NoiseMode::Adaptive,
                    NoiseModeParam::Profile => NoiseMode::Profile,
                },
                learn: self.denoise_learn.value(),
                smoothing: self.denoise_smoothing.engine_value(),
                fft_size: self.denoise_fft.value().size(),
                overlap: match self.denoise_overlap.value() {
                    OverlapParam::X4 => 4,
                    OverlapParam::X8 => 8,
                },
                keep_transients: self.denoise_keep_transients.value(),
            },
            output: match self.output.value() {
                OutputParam::Processed => OutputMode::Processed,
                OutputParam::Residual => OutputMode::Residual,
            },
            mix: self.mix.engine_value(),
            output_gain: self.output_gain.engine_value(),
            bypass: self.common.bypass.value(),
        }
    }
}

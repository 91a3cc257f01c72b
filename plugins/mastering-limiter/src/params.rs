//! Mastering limiter parameters. IDs are stable and never renamed (hosts store sessions and
//! automation by ID). Ranges, defaults and units are written here once, through
//! `shared_plugin::params`.

use nice_plug::prelude::*;
use shared_dsp::db::db_to_gain;
use shared_dsp::dither::{DitherBits, DitherMode};
use shared_dsp::dynamics::limiter::{LimiterSettings, Oversampling};
use shared_dsp::loudness::targets::PLATFORMS;
use shared_dsp::monitor::MonitorSystem;
use shared_plugin::params as p;
use shared_plugin::params::EngineValue;

use crate::dsp::ranges::*;
use crate::dsp::{Listen, MasteringSettings};

/// Layout version of the saved state (see `shared_plugin::state`).
///
/// 1: the first release. 2: adds the `session` field (preset name, A/B, lock); a version-1
/// state has none and loads with a fresh session, so no migration step is needed.
pub const STATE_VERSION: u32 = 2;

/// Oversampling of the gain stage.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversamplingParam {
    /// None: 4× true-peak detection, gain at the base rate.
    #[id = "1x"]
    #[name = "1x"]
    X1,
    /// 2×.
    #[id = "2x"]
    #[name = "2x"]
    X2,
    /// 4×.
    #[id = "4x"]
    #[name = "4x"]
    X4,
    /// 8×.
    #[id = "8x"]
    #[name = "8x"]
    X8,
}

/// Output dither.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DitherParam {
    /// No dither, no quantisation (32-bit float out).
    #[id = "off"]
    #[name = "Off"]
    Off,
    /// Flat TPDF dither.
    #[id = "tpdf"]
    #[name = "TPDF"]
    Tpdf,
    /// Noise-shaped (psychoacoustically weighted) dither.
    #[id = "shaped"]
    #[name = "Noise shaped"]
    NoiseShaped,
}

/// Output word length for the dither.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitsParam {
    /// 16 bit (CD).
    #[id = "16"]
    #[name = "16 bit"]
    B16,
    /// 24 bit.
    #[id = "24"]
    #[name = "24 bit"]
    B24,
}

/// What the output carries.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenParam {
    /// The master.
    #[id = "normal"]
    #[name = "Normal"]
    Normal,
    /// The master level-matched to the input (short-term loudness): louder cannot fool.
    #[id = "unity"]
    #[name = "Unity gain"]
    UnityGain,
    /// What the limiter removes.
    #[id = "delta"]
    #[name = "Delta"]
    Delta,
}

/// Translation-check simulation of a playback system (a monitor, not part of the master).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorParam {
    /// No simulation.
    #[id = "off"]
    #[name = "Off"]
    Off,
    /// Phone speaker.
    #[id = "phone"]
    #[name = "Phone"]
    Phone,
    /// Earbuds.
    #[id = "earbuds"]
    #[name = "Earbuds"]
    Earbuds,
    /// Laptop speakers.
    #[id = "laptop"]
    #[name = "Laptop"]
    Laptop,
    /// Car cabin.
    #[id = "car"]
    #[name = "Car"]
    Car,
    /// Club PA (sub-heavy).
    #[id = "club"]
    #[name = "Club"]
    Club,
    /// Mono.
    #[id = "mono"]
    #[name = "Mono"]
    Mono,
}

/// Loudness target.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetParam {
    /// Spotify, −14 LUFS.
    #[id = "spotify"]
    #[name = "Spotify"]
    Spotify,
    /// Apple Music, −16 LUFS.
    #[id = "apple"]
    #[name = "Apple Music"]
    Apple,
    /// YouTube, −14 LUFS.
    #[id = "youtube"]
    #[name = "YouTube"]
    YouTube,
    /// Tidal, −14 LUFS.
    #[id = "tidal"]
    #[name = "Tidal"]
    Tidal,
    /// Amazon Music, −14 LUFS.
    #[id = "amazon"]
    #[name = "Amazon Music"]
    Amazon,
    /// Club / CD, −9 LUFS.
    #[id = "club"]
    #[name = "Club / CD"]
    Club,
    /// EBU R128 broadcast, −23 LUFS.
    #[id = "ebu"]
    #[name = "EBU R128"]
    Ebu,
    /// The custom target below.
    #[id = "custom"]
    #[name = "Custom"]
    Custom,
}

/// Every parameter of the mastering limiter.
#[derive(Params)]
pub struct LimiterParams {
    /// State version, session, editor geometry and the host bypass (kept first).
    #[nested]
    pub common: shared_plugin::params::CommonParams,

    /// Input gain, 0 – 24 dB (how hard the limiter is driven).
    #[id = "input"]
    pub input_db: FloatParam,
    /// Ceiling, −12 – 0 dBTP.
    #[id = "ceiling"]
    pub ceiling_db: FloatParam,
    /// Lookahead (attack ramp), 0.5 – 10 ms.
    #[id = "lookahead"]
    pub lookahead_ms: FloatParam,
    /// Release time constant, 1 – 1000 ms.
    #[id = "release"]
    pub release_ms: FloatParam,
    /// Program-dependent release instead of the fixed one.
    #[id = "auto_rel"]
    pub auto_release: BoolParam,
    /// Stereo link, 0 – 100 %.
    #[id = "link"]
    pub link: FloatParam,
    /// Oversampling of the gain stage.
    #[id = "os"]
    pub oversampling: EnumParam<OversamplingParam>,
    /// Output dither.
    #[id = "dither"]
    pub dither: EnumParam<DitherParam>,
    /// Dither word length.
    #[id = "bits"]
    pub bits: EnumParam<BitsParam>,
    /// DC filter (5 Hz high-pass) before the limiter.
    #[id = "dc"]
    pub dc_filter: BoolParam,
    /// Normal, unity-gain or delta listen.
    #[id = "listen"]
    pub listen: EnumParam<ListenParam>,
    /// Translation-check monitor.
    #[id = "monitor"]
    pub monitor: EnumParam<MonitorParam>,
    /// Loudness target.
    #[id = "target"]
    pub target: EnumParam<TargetParam>,
    /// Custom loudness target, −30 – −5 LUFS.
    #[id = "custom"]
    pub custom_target_lufs: FloatParam,
}

impl Default for LimiterParams {
    fn default() -> Self {
        Self {
            common: shared_plugin::params::CommonParams::new(STATE_VERSION),
            input_db: p::db_in("Input Gain", INPUT_GAIN_DB),
            ceiling_db: p::level(
                "Ceiling",
                CEILING_DB.default,
                CEILING_DB.min,
                CEILING_DB.max,
                "dBTP",
            ),
            lookahead_ms: p::ms_in("Lookahead", LOOKAHEAD_MS),
            release_ms: p::ms_in("Release", RELEASE_MS),
            auto_release: BoolParam::new("Auto Release", false),
            link: p::percent_in("Stereo Link", LINK),
            oversampling: EnumParam::new("Oversampling", OversamplingParam::X4),
            dither: EnumParam::new("Dither", DitherParam::Off),
            bits: EnumParam::new("Dither Bits", BitsParam::B24),
            dc_filter: BoolParam::new("DC Filter", false),
            listen: EnumParam::new("Listen", ListenParam::Normal),
            monitor: EnumParam::new("Monitor", MonitorParam::Off),
            target: EnumParam::new("Target", TargetParam::Spotify),
            custom_target_lufs: p::level(
                "Custom Target",
                CUSTOM_TARGET_LUFS.default,
                CUSTOM_TARGET_LUFS.min,
                CUSTOM_TARGET_LUFS.max,
                "LUFS",
            ),
        }
    }
}

impl LimiterParams {
    /// Snapshot of the current (unsmoothed) values for the engine, which smooths them itself.
    pub fn settings(&self) -> MasteringSettings {
        MasteringSettings {
            input_gain: db_to_gain(self.input_db.engine_value()),
            limiter: LimiterSettings {
                ceiling_gain: db_to_gain(self.ceiling_db.engine_value()),
                lookahead_ms: self.lookahead_ms.engine_value(),
                release_ms: self.release_ms.engine_value(),
                auto_release: self.auto_release.value(),
                link: self.link.engine_value(),
                oversampling: match self.oversampling.value() {
                    OversamplingParam::X1 => Oversampling::X1,
                    OversamplingParam::X2 => Oversampling::X2,
                    OversamplingParam::X4 => Oversampling::X4,
                    OversamplingParam::X8 => Oversampling::X8,
                },
            },
            dither: match self.dither.value() {
                DitherParam::Off => DitherMode::Off,
                DitherParam::Tpdf => DitherMode::Tpdf,
                DitherParam::NoiseShaped => DitherMode::NoiseShaped,
            },
            bits: match self.bits.value() {
                BitsParam::B16 => DitherBits::Bits16,
                BitsParam::B24 => DitherBits::Bits24,
            },
            dc_filter: self.dc_filter.value(),
            listen: match self.listen.value() {
                ListenParam::Normal => Listen::Normal,
                ListenParam::UnityGain => Listen::UnityGain,
                ListenParam::Delta => Listen::Delta,
            },
            monitor: match self.monitor.value() {
                MonitorParam::Off => MonitorSystem::Off,
                MonitorParam::Phone => MonitorSystem::PhoneSpeaker,
                MonitorParam::Earbuds => MonitorSystem::Earbuds,
                MonitorParam::Laptop => MonitorSystem::Laptop,
                MonitorParam::Car => MonitorSystem::CarCabin,
                MonitorParam::Club => MonitorSystem::Club,
                MonitorParam::Mono => MonitorSystem::Mono,
            },
            bypass: self.common.bypass.value(),
        }
    }

    /// The selected loudness target, LUFS.
    pub fn target_lufs(&self) -> f64 {
        match self.target.value() {
            TargetParam::Custom => self.custom_target_lufs.engine_value() as f64,
            t => PLATFORMS[t as usize].target_lufs,
        }
    }
}

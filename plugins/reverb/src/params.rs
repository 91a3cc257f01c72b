//! Reverb parameters. IDs are stable and never renamed (hosts store sessions and automation by
//! ID). Each range is written once, in [`crate::dsp`], and read both here and by the engine's
//! sanitiser.

use nice_plug::prelude::*;
use shared_dsp::reverb::Algorithm;
use shared_plugin::params as p;
use shared_plugin::params::EngineValue;

use crate::dsp::{
    PredelaySync, ReverbSettings, DECAY_S, DIFFUSION, DUCK_DB, DUCK_RELEASE_MS, DUCK_THRESHOLD_DB,
    EARLY_LATE, HIGH_CUT_HZ, HIGH_MULT, HIGH_XOVER_HZ, LOW_CUT_HZ, LOW_MULT, LOW_XOVER_HZ, MIX,
    MOD_DEPTH_MS, MOD_RATE_HZ, OUTPUT_GAIN_DB, PREDELAY_MS, SIZE, WIDTH,
};

/// Layout version of the saved state (see `shared_plugin::state`). It starts at the suite's
/// current layout, 2 (the common header with the session, as every Lathe plugin saves it);
/// raise it, with a migration, when a saved state of an older version must be read
/// differently.
pub const STATE_VERSION: u32 = 2;

/// The algorithm menu.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmParam {
    /// A small-to-medium room.
    #[id = "room"]
    #[name = "Room"]
    Room,
    /// A concert hall.
    #[id = "hall"]
    #[name = "Hall"]
    Hall,
    /// A plate.
    #[id = "plate"]
    #[name = "Plate"]
    Plate,
    /// An echo chamber.
    #[id = "chamber"]
    #[name = "Chamber"]
    Chamber,
}

impl AlgorithmParam {
    /// The DSP's algorithm.
    pub fn to_dsp(self) -> Algorithm {
        match self {
            Self::Room => Algorithm::Room,
            Self::Hall => Algorithm::Hall,
            Self::Plate => Algorithm::Plate,
            Self::Chamber => Algorithm::Chamber,
        }
    }
}

/// The pre-delay's note values.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredelaySyncParam {
    /// Free, in ms.
    #[id = "off"]
    #[name = "Off"]
    Off,
    /// 1/64.
    #[id = "1/64"]
    #[name = "1/64"]
    N64,
    /// 1/32.
    #[id = "1/32"]
    #[name = "1/32"]
    N32,
    /// 1/16.
    #[id = "1/16"]
    #[name = "1/16"]
    N16,
    /// Dotted 1/16.
    #[id = "1/16d"]
    #[name = "1/16 dotted"]
    N16Dotted,
    /// 1/8.
    #[id = "1/8"]
    #[name = "1/8"]
    N8,
    /// Dotted 1/8.
    #[id = "1/8d"]
    #[name = "1/8 dotted"]
    N8Dotted,
    /// 1/4.
    #[id = "1/4"]
    #[name = "1/4"]
    N4,
}

impl PredelaySyncParam {
    /// The DSP's note value.
    pub fn to_dsp(self) -> PredelaySync {
        match self {
            Self::Off => PredelaySync::Off,
            Self::N64 => PredelaySync::N64,
            Self::N32 => PredelaySync::N32,
            Self::N16 => PredelaySync::N16,
            Self::N16Dotted => PredelaySync::N16Dotted,
            Self::N8 => PredelaySync::N8,
            Self::N8Dotted => PredelaySync::N8Dotted,
            Self::N4 => PredelaySync::N4,
        }
    }
}

/// Every parameter of Lathe Reverb.
#[derive(Params)]
pub struct ReverbParams {
    /// State version, session, editor geometry and the host bypass (kept first).
    #[nested]
    pub common: shared_plugin::params::CommonParams,

    /// Room, Hall, Plate or Chamber.
    #[id = "algo"]
    pub algorithm: EnumParam<AlgorithmParam>,
    /// Pre-delay, 0–500 ms.
    #[id = "pre"]
    pub predelay_ms: FloatParam,
    /// Pre-delay as a note value at the host's tempo (Off: the ms control).
    #[id = "presync"]
    pub predelay_sync: EnumParam<PredelaySyncParam>,
    /// Decay (RT60 at mid frequencies), 0.1–20 s.
    #[id = "decay"]
    pub decay_s: FloatParam,
    /// Low decay multiplier, ×0.25–×4.
    #[id = "lomul"]
    pub low_mult: FloatParam,
    /// Low crossover, 50–2000 Hz.
    #[id = "loxo"]
    pub low_xover_hz: FloatParam,
    /// High decay multiplier, ×0.25–×4.
    #[id = "himul"]
    pub high_mult: FloatParam,
    /// High crossover, 500 Hz–16 kHz.
    #[id = "hixo"]
    pub high_xover_hz: FloatParam,
    /// Size, 0–100 %.
    #[id = "size"]
    pub size: FloatParam,
    /// Diffusion, 0–100 %.
    #[id = "diff"]
    pub diffusion: FloatParam,
    /// Modulation depth, 0–2 ms.
    #[id = "mdep"]
    pub mod_depth_ms: FloatParam,
    /// Modulation rate, 0.05–5 Hz.
    #[id = "mrate"]
    pub mod_rate_hz: FloatParam,
    /// Early/late balance, 0 % (early only) – 100 % (late only).
    #[id = "erl"]
    pub early_late: FloatParam,
    /// Wet stereo width, 0–100 %.
    #[id = "width"]
    pub width: FloatParam,
    /// Wet low cut, 20–1000 Hz.
    #[id = "locut"]
    pub low_cut_hz: FloatParam,
    /// Wet high cut, 1–20 kHz.
    #[id = "hicut"]
    pub high_cut_hz: FloatParam,
    /// Ducking depth, 0 (off) – 24 dB.
    #[id = "duck"]
    pub duck_db: FloatParam,
    /// Ducking threshold, −60–0 dBFS.
    #[id = "dthr"]
    pub duck_threshold_db: FloatParam,
    /// Ducking release, 20–2000 ms.
    #[id = "drel"]
    pub duck_release_ms: FloatParam,
    /// Freeze: infinite sustain.
    #[id = "freeze"]
    pub freeze: BoolParam,
    /// Dry/wet mix, 0–100 %.
    #[id = "mix"]
    pub mix: FloatParam,
    /// Wet only (aux send): the mix locked at 100 %.
    #[id = "wet"]
    pub wet_only: BoolParam,
    /// Output gain, ±24 dB.
    #[id = "out"]
    pub output_gain: FloatParam,
}

impl Default for ReverbParams {
    fn default() -> Self {
        Self {
            common: shared_plugin::params::CommonParams::new(STATE_VERSION),
            algorithm: EnumParam::new("Algorithm", AlgorithmParam::Hall),
            predelay_ms: p::ms_in("Pre-delay", PREDELAY_MS),
            predelay_sync: EnumParam::new("Pre-delay Sync", PredelaySyncParam::Off),
            decay_s: p::seconds_in("Decay", DECAY_S),
            low_mult: p::factor_in("Low Decay", LOW_MULT),
            low_xover_hz: p::hz_in("Low Crossover", LOW_XOVER_HZ),
            high_mult: p::factor_in("High Decay", HIGH_MULT),
            high_xover_hz: p::hz_in("High Crossover", HIGH_XOVER_HZ),
            size: p::percent_in("Size", SIZE),
            diffusion: p::percent_in("Diffusion", DIFFUSION),
            mod_depth_ms: p::ms_in("Mod Depth", MOD_DEPTH_MS),
            mod_rate_hz: p::hz_in("Mod Rate", MOD_RATE_HZ),
            early_late: p::percent_in("Early/Late", EARLY_LATE),
            width: p::percent_in("Width", WIDTH),
            low_cut_hz: p::hz_in("Low Cut", LOW_CUT_HZ),
            high_cut_hz: p::hz_in("High Cut", HIGH_CUT_HZ),
            duck_db: p::db_in("Duck", DUCK_DB),
            duck_threshold_db: p::db_in("Duck Threshold", DUCK_THRESHOLD_DB),
            duck_release_ms: p::ms_in("Duck Release", DUCK_RELEASE_MS),
            freeze: BoolParam::new("Freeze", false),
            mix: p::percent_in("Mix", MIX),
            wet_only: BoolParam::new("Wet Only", false),
            output_gain: p::gain_in("Output Gain", OUTPUT_GAIN_DB),
        }
    }
}

impl ReverbParams {
    /// Snapshot of the current (unsmoothed) values for the engine, which smooths them itself
    /// (the tempo is the wrapper's to fill in).
    pub fn settings(&self) -> ReverbSettings {
        ReverbSettings {
            algorithm: self.algorithm.value().to_dsp(),
            predelay_ms: self.predelay_ms.engine_value(),
            predelay_sync: self.predelay_sync.value().to_dsp(),
            tempo_bpm: 0.0,
            decay_s: self.decay_s.engine_value(),
            low_mult: self.low_mult.engine_value(),
            low_xover_hz: self.low_xover_hz.engine_value(),
            high_mult: self.high_mult.engine_value(),
            high_xover_hz: self.high_xover_hz.engine_value(),
            size: self.size.engine_value(),
            diffusion: self.diffusion.engine_value(),
            mod_depth_ms: self.mod_depth_ms.engine_value(),
            mod_rate_hz: self.mod_rate_hz.engine_value(),
            early_late: self.early_late.engine_value(),
            width: self.width.engine_value(),
            low_cut_hz: self.low_cut_hz.engine_value(),
            high_cut_hz: self.high_cut_hz.engine_value(),
            duck_db: self.duck_db.engine_value(),
            duck_threshold_db: self.duck_threshold_db.engine_value(),
            duck_release_ms: self.duck_release_ms.engine_value(),
            freeze: self.freeze.value(),
            mix: self.mix.engine_value(),
            wet_only: self.wet_only.value(),
            output_gain: self.output_gain.engine_value(),
            bypass: self.common.bypass.value(),
        }
    }
}

//! Bus compressor parameters. IDs are stable and never renamed (hosts store sessions and
//! automation by ID). Ranges, defaults and units are written here once, through
//! `shared_plugin::params`.

use nice_plug::prelude::*;
use shared_dsp::dynamics::compressor::{CompressorSettings, StereoMode};
use shared_plugin::params as p;
use shared_plugin::params::DetectorParam;
use shared_plugin::params::EngineValue;

use crate::dsp::ranges::*;
use crate::dsp::{BusCompSettings, Oversampling};

/// Layout version of the saved state (see `shared_plugin::state`).
///
/// 1: the first release. 2: adds the `session` field (preset name, A/B, lock); a version-1
/// state has none and loads with a fresh session, so no migration step is needed.
pub const STATE_VERSION: u32 = 2;

/// Classic mode's fast release used by Auto, ms.
pub const AUTO_FAST_RELEASE_MS: f32 = 100.0;
/// Classic mode's slow release used by Auto after sustained compression, ms.
pub const AUTO_SLOW_RELEASE_MS: f32 = 1200.0;

/// Classic (stepped, console bus compressor) or Modern (continuous) controls.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    /// The VCA bus grid: stepped ratio, attack and release with Auto.
    #[id = "classic"]
    #[name = "Classic"]
    Classic,
    /// Continuous ratio, attack, peak and RMS release, knee.
    #[id = "modern"]
    #[name = "Modern"]
    Modern,
}

/// Classic ratios.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicRatio {
    /// 2:1.
    #[id = "2"]
    #[name = "2:1"]
    R2,
    /// 4:1.
    #[id = "4"]
    #[name = "4:1"]
    R4,
    /// 10:1.
    #[id = "10"]
    #[name = "10:1"]
    R10,
}

/// Classic attack times (time constants).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicAttack {
    /// 0.1 ms.
    #[id = "0.1"]
    #[name = "0.1 ms"]
    A01,
    /// 0.3 ms.
    #[id = "0.3"]
    #[name = "0.3 ms"]
    A03,
    /// 1 ms.
    #[id = "1"]
    #[name = "1 ms"]
    A1,
    /// 3 ms.
    #[id = "3"]
    #[name = "3 ms"]
    A3,
    /// 10 ms.
    #[id = "10"]
    #[name = "10 ms"]
    A10,
    /// 30 ms.
    #[id = "30"]
    #[name = "30 ms"]
    A30,
}

/// Classic release times (time constants) and Auto.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicRelease {
    /// 0.1 s.
    #[id = "0.1"]
    #[name = "0.1 s"]
    R01,
    /// 0.3 s.
    #[id = "0.3"]
    #[name = "0.3 s"]
    R03,
    /// 0.6 s.
    #[id = "0.6"]
    #[name = "0.6 s"]
    R06,
    /// 1.2 s.
    #[id = "1.2"]
    #[name = "1.2 s"]
    R12,
    /// Program dependent: fast after transients, slow after sustained compression.
    #[id = "auto"]
    #[name = "Auto"]
    Auto,
}

/// Stereo processing.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StereoParam {
    /// Left and right.
    #[id = "lr"]
    #[name = "L/R"]
    LeftRight,
    /// Mid and side.
    #[id = "ms"]
    #[name = "M/S"]
    MidSide,
}

/// Oversampling of the gain stage and soft clip.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversamplingParam {
    /// None (no latency).
    #[id = "off"]
    #[name = "Off"]
    Off,
    /// 2× (79 samples of latency).
    #[id = "2x"]
    #[name = "2x"]
    X2,
    /// 4× (88 samples of latency).
    #[id = "4x"]
    #[name = "4x"]
    X4,
}

/// Every parameter of the bus compressor.
#[derive(Params)]
pub struct BusCompParams {
    /// State version, session, editor geometry and the host bypass (kept first).
    #[nested]
    pub common: shared_plugin::params::CommonParams,

    /// Bypass level-matched to the compressed output (so louder never fools the ears).
    #[id = "match"]
    pub match_bypass: BoolParam,
    /// Classic or Modern.
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
    /// Threshold, −40 – +10 dBFS.
    #[id = "thr"]
    pub threshold_db: FloatParam,
    /// Classic ratio.
    #[id = "c_ratio"]
    pub classic_ratio: EnumParam<ClassicRatio>,
    /// Classic attack.
    #[id = "c_att"]
    pub classic_attack: EnumParam<ClassicAttack>,
    /// Classic release.
    #[id = "c_rel"]
    pub classic_release: EnumParam<ClassicRelease>,
    /// Modern ratio, 1 – 20.
    #[id = "ratio"]
    pub ratio: FloatParam,
    /// Modern attack time constant, 0.05 – 100 ms.
    #[id = "att"]
    pub attack_ms: FloatParam,
    /// Modern release after transients (peak release), 10 – 3000 ms.
    #[id = "rel"]
    pub release_ms: FloatParam,
    /// Modern release after sustained compression (RMS release), 10 – 3000 ms; at or below
    /// the peak release the release is single-stage.
    #[id = "rms_rel"]
    pub rms_release_ms: FloatParam,
    /// Modern knee, 0 – 18 dB.
    #[id = "knee"]
    pub knee_db: FloatParam,
    /// Level detector.
    #[id = "det"]
    pub detector: EnumParam<DetectorParam>,
    /// Largest gain reduction, 0 – 40 dB.
    #[id = "range"]
    pub range_db: FloatParam,
    /// Make-up gain, 0 – 24 dB.
    #[id = "makeup"]
    pub makeup_db: FloatParam,
    /// Automatic make-up.
    #[id = "auto_mu"]
    pub auto_makeup: BoolParam,
    /// Wet/dry mix (parallel compression), 0 – 100 %.
    #[id = "mix"]
    pub mix: FloatParam,
    /// Listen to the external sidechain input instead of the main input.
    #[id = "sc_ext"]
    pub external_key: BoolParam,
    /// Sidechain high-pass, 20 – 500 Hz.
    #[id = "sc_hpf"]
    pub sidechain_hpf_hz: FloatParam,
    /// Stereo link, 0 – 100 %.
    #[id = "link"]
    pub link: FloatParam,
    /// L/R or M/S.
    #[id = "stereo"]
    pub stereo: EnumParam<StereoParam>,
    /// Output the (filtered) sidechain signal.
    #[id = "sc_listen"]
    pub sidechain_listen: BoolParam,
    /// Soft clip at 0 dBFS on the output.
    #[id = "clip"]
    pub soft_clip: BoolParam,
    /// Oversampling of the gain stage and soft clip.
    #[id = "os"]
    pub oversampling: EnumParam<OversamplingParam>,
    /// Output what the compressor removes.
    #[id = "delta"]
    pub delta: BoolParam,
    /// Output gain, ±24 dB.
    #[id = "out"]
    pub output_gain: FloatParam,
}

impl Default for BusCompParams {
    fn default() -> Self {
        Self {
            common: shared_plugin::params::CommonParams::new(STATE_VERSION),
            match_bypass: BoolParam::new("Level-Matched Bypass", false),
            mode: EnumParam::new("Mode", ModeParam::Classic),
            threshold_db: p::db_in("Threshold", THRESHOLD_DB),
            classic_ratio: EnumParam::new("Classic Ratio", ClassicRatio::R4),
            classic_attack: EnumParam::new("Classic Attack", ClassicAttack::A10),
            classic_release: EnumParam::new("Classic Release", ClassicRelease::Auto),
            ratio: p::ratio("Ratio", RATIO.default, RATIO.min, RATIO.max, false),
            attack_ms: p::ms_in("Attack", ATTACK_MS),
            release_ms: p::ms_in("Peak Release", RELEASE_MS),
            rms_release_ms: p::ms_in("RMS Release", RMS_RELEASE_MS),
            knee_db: p::db_in("Knee", KNEE_DB),
            detector: EnumParam::new("Detector", DetectorParam::Peak),
            range_db: p::db_in("Range", RANGE_DB),
            makeup_db: p::db_in("Makeup", MAKEUP_DB),
            auto_makeup: BoolParam::new("Auto Makeup", false),
            mix: p::percent_in("Mix", MIX),
            external_key: BoolParam::new("External Sidechain", false),
            sidechain_hpf_hz: p::hz_in("Sidechain HPF", SIDECHAIN_HPF_HZ),
            link: p::percent_in("Stereo Link", LINK),
            stereo: EnumParam::new("Stereo Mode", StereoParam::LeftRight),
            sidechain_listen: BoolParam::new("Sidechain Listen", false),
            soft_clip: BoolParam::new("Soft Clip", false),
            oversampling: EnumParam::new("Oversampling", OversamplingParam::Off),
            delta: BoolParam::new("Delta Listen", false),
            output_gain: p::gain_in("Output Gain", OUTPUT_GAIN_DB),
        }
    }
}

impl BusCompParams {
    /// Snapshot of the current (unsmoothed) values for the engine, which smooths them itself.
    pub fn settings(&self) -> BusCompSettings {
        let classic = self.mode.value() == ModeParam::Classic;
        let (ratio, attack_ms, release_ms, slow_release_ms, knee_db) = if classic {
            let ratio = match self.classic_ratio.value() {
                ClassicRatio::R2 => 2.0,
                ClassicRatio::R4 => 4.0,
                ClassicRatio::R10 => 10.0,
            };
            let attack = match self.classic_attack.value() {
                ClassicAttack::A01 => 0.1,
                ClassicAttack::A03 => 0.3,
                ClassicAttack::A1 => 1.0,
                ClassicAttack::A3 => 3.0,
                ClassicAttack::A10 => 10.0,
                ClassicAttack::A30 => 30.0,
            };
            let (release, slow) = match self.classic_release.value() {
                ClassicRelease::R01 => (100.0, 0.0),
                ClassicRelease::R03 => (300.0, 0.0),
                ClassicRelease::R06 => (600.0, 0.0),
                ClassicRelease::R12 => (1200.0, 0.0),
                ClassicRelease::Auto => (AUTO_FAST_RELEASE_MS, AUTO_SLOW_RELEASE_MS),
            };
            // The classic VCA bus compressor has a hard knee.
            (ratio, attack, release, slow, 0.0)
        } else {
            (
                self.ratio.engine_value(),
                self.attack_ms.engine_value(),
                self.release_ms.engine_value(),
                self.rms_release_ms.engine_value(),
                self.knee_db.engine_value(),
            )
        };
        BusCompSettings {
            comp: CompressorSettings {
                threshold_db: self.threshold_db.engine_value(),
                ratio,
                knee_db,
                attack_ms,
                release_ms,
                slow_release_ms,
                detector: self.detector.value().to_dsp(),
                stereo_link: self.link.engine_value(),
                stereo_mode: match self.stereo.value() {
                    StereoParam::LeftRight => StereoMode::LeftRight,
                    StereoParam::MidSide => StereoMode::MidSide,
                },
                sidechain_hpf_hz: self.sidechain_hpf_hz.engine_value(),
                range_db: self.range_db.engine_value(),
                makeup_db: self.makeup_db.engine_value(),
                auto_makeup: self.auto_makeup.value(),
            },
            mix: self.mix.engine_value(),
            external_key: self.external_key.value(),
            sidechain_listen: self.sidechain_listen.value(),
            soft_clip: self.soft_clip.value(),
            oversampling: match self.oversampling.value() {
                OversamplingParam::Off => Oversampling::X1,
                OversamplingParam::X2 => Oversampling::X2,
                OversamplingParam::X4 => Oversampling::X4,
            },
            delta: self.delta.value(),
            output_gain: self.output_gain.engine_value(),
            bypass: self.common.bypass.value(),
            match_bypass: self.match_bypass.value(),
        }
    }
}

//! Channel strip parameters: ranges, units, formatters, defaults.
//!
//! Parameter IDs are stable and must never be renamed: hosts store automation and sessions by
//! ID. Gains are stored linear and shown in dB; frequencies use skewed (logarithmic-feeling)
//! ranges; times are in milliseconds.

use nice_plug::prelude::*;
use shared_plugin::params as p;
use shared_plugin::params::DetectorParam;
use shared_plugin::params::EngineValue;

use crate::dsp::ranges::*;
use crate::dsp::{DynamicsOrder, EqShape, OutputMode, SatCurve, Settings};
use shared_dsp::dynamics::gate::GateMode;
use shared_dsp::filter::butterworth::FilterSlope;

/// Version of the saved state layout; bumped whenever a migration becomes necessary.
///
/// 1: the first release. 2: adds the `session` field (preset name, A/B, lock); a version-1
/// state has none and loads with a fresh session, so no migration step is needed.
pub const STATE_VERSION: u32 = 2;

/// Migration steps of the saved state (see `shared_plugin::state`). None yet: version 1
/// states (the first release) load unchanged, which the committed fixture
/// `tests/clap-host/fixtures/channel_strip_v1.state` checks in the CLAP host tests.
pub const MIGRATIONS: &[shared_plugin::state::Migration] = &[];

/// The compressor ratio parameter's maximum; this value means ∞:1 (limiting).
pub const RATIO_INFINITY: f32 = 50.0;

/// Filter slope choices shown to the user.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    /// 6 dB/oct (1st order).
    #[id = "6"]
    #[name = "6 dB/oct"]
    Db6,
    /// 12 dB/oct.
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    /// 18 dB/oct.
    #[id = "18"]
    #[name = "18 dB/oct"]
    Db18,
    /// 24 dB/oct.
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
    /// 36 dB/oct.
    #[id = "36"]
    #[name = "36 dB/oct"]
    Db36,
    /// 48 dB/oct.
    #[id = "48"]
    #[name = "48 dB/oct"]
    Db48,
}

impl SlopeParam {
    fn to_dsp(self) -> FilterSlope {
        match self {
            Self::Db6 => FilterSlope::Db6,
            Self::Db12 => FilterSlope::Db12,
            Self::Db18 => FilterSlope::Db18,
            Self::Db24 => FilterSlope::Db24,
            Self::Db36 => FilterSlope::Db36,
            Self::Db48 => FilterSlope::Db48,
        }
    }
}

/// Shape of the outer EQ bands (band 1: low shelf or bell; band 4: high shelf or bell).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeParam {
    /// Shelving filter.
    #[id = "shelf"]
    #[name = "Shelf"]
    Shelf,
    /// Peaking (bell) filter.
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
}

/// Gate behaviour when closed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateModeParam {
    /// Fixed attenuation by the range.
    #[id = "gate"]
    #[name = "Gate"]
    Gate,
    /// Downward expansion by the ratio, limited by the range.
    #[id = "exp"]
    #[name = "Expander"]
    Expander,
}

/// Where the dynamics sit relative to the EQ.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderParam {
    /// Filters → EQ → gate → compressor.
    #[id = "eq_dyn"]
    #[name = "EQ > Dyn"]
    EqThenDynamics,
    /// Filters → gate → compressor → EQ.
    #[id = "dyn_eq"]
    #[name = "Dyn > EQ"]
    DynamicsThenEq,
}

/// Saturation transfer curve.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveParam {
    /// Symmetric soft clip: odd harmonics.
    #[id = "soft"]
    #[name = "Soft"]
    Soft,
    /// Asymmetric: adds even harmonics.
    #[id = "warm"]
    #[name = "Warm"]
    Warm,
}

/// Output monitoring mode.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputModeParam {
    /// Normal stereo.
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    /// Mono fold-down with the −3 dB law: (L+R)/√2 on both sides.
    #[id = "mono"]
    #[name = "Mono"]
    Mono,
    /// Mid only, (L+R)/2 on both sides.
    #[id = "mid"]
    #[name = "Mid"]
    Mid,
    /// Side only, (L−R)/2 on both sides.
    #[id = "side"]
    #[name = "Side"]
    Side,
}

/// One EQ band's parameters.
#[derive(Params)]
pub struct EqBandParams {
    /// Band enabled.
    #[id = "on"]
    pub on: BoolParam,
    /// Centre / corner frequency in Hz, 20 Hz – 20 kHz.
    #[id = "freq"]
    pub freq_hz: FloatParam,
    /// Gain in dB, ±18.
    #[id = "gain"]
    pub gain_db: FloatParam,
    /// Q (bandwidth for bells, resonance for shelves), 0.1 – 10.
    #[id = "q"]
    pub q: FloatParam,
}

impl EqBandParams {
    fn new(index: usize) -> Self {
        Self {
            on: BoolParam::new(format!("EQ {index} On"), true),
            freq_hz: p::hz_in(format!("EQ {index} Freq"), EQ_FREQ_HZ[index - 1]),
            gain_db: p::db_in(format!("EQ {index} Gain"), EQ_GAIN_DB),
            q: p::number(format!("EQ {index} Q"), EQ_Q.default, EQ_Q.min, EQ_Q.max),
        }
    }
}

/// Every parameter of the channel strip.
#[derive(Params)]
pub struct ChannelStripParams {
    /// State version, session, editor geometry and the host bypass (kept first).
    #[nested]
    pub common: shared_plugin::params::CommonParams,

    /// Input trim, linear gain shown in dB, ±24 dB.
    #[id = "trim"]
    pub trim: FloatParam,
    /// Polarity (phase) invert of every channel.
    #[id = "polarity"]
    pub polarity: BoolParam,

    /// High-pass filter enabled.
    #[id = "hpf_on"]
    pub hpf_on: BoolParam,
    /// High-pass cutoff (−3 dB), 10 Hz – 1 kHz.
    #[id = "hpf_freq"]
    pub hpf_freq_hz: FloatParam,
    /// High-pass slope.
    #[id = "hpf_slope"]
    pub hpf_slope: EnumParam<SlopeParam>,
    /// Low-pass filter enabled.
    #[id = "lpf_on"]
    pub lpf_on: BoolParam,
    /// Low-pass cutoff (−3 dB), 1 – 22 kHz.
    #[id = "lpf_freq"]
    pub lpf_freq_hz: FloatParam,
    /// Low-pass slope.
    #[id = "lpf_slope"]
    pub lpf_slope: EnumParam<SlopeParam>,

    /// Band 1 shape (low shelf or bell).
    #[id = "eq1_shape"]
    pub eq1_shape: EnumParam<ShapeParam>,
    /// Band 4 shape (high shelf or bell).
    #[id = "eq4_shape"]
    pub eq4_shape: EnumParam<ShapeParam>,
    /// The four EQ bands (IDs `eq1_on`, `eq1_freq`, … `eq4_q`).
    #[nested(id_prefix = "eq1", group = "EQ Band 1")]
    pub eq1: EqBandParams,
    /// Band 2.
    #[nested(id_prefix = "eq2", group = "EQ Band 2")]
    pub eq2: EqBandParams,
    /// Band 3.
    #[nested(id_prefix = "eq3", group = "EQ Band 3")]
    pub eq3: EqBandParams,
    /// Band 4.
    #[nested(id_prefix = "eq4", group = "EQ Band 4")]
    pub eq4: EqBandParams,

    /// Gate enabled.
    #[id = "gate_on"]
    pub gate_on: BoolParam,
    /// Gate or expander.
    #[id = "gate_mode"]
    pub gate_mode: EnumParam<GateModeParam>,
    /// Opening threshold, −80 – 0 dBFS.
    #[id = "gate_thr"]
    pub gate_threshold_db: FloatParam,
    /// Attenuation when closed, 0 – 80 dB.
    #[id = "gate_range"]
    pub gate_range_db: FloatParam,
    /// Expansion ratio (expander mode), 1 – 10.
    #[id = "gate_ratio"]
    pub gate_ratio: FloatParam,
    /// Opening time constant, 0.01 – 50 ms.
    #[id = "gate_att"]
    pub gate_attack_ms: FloatParam,
    /// Hold time before closing, 0 – 500 ms.
    #[id = "gate_hold"]
    pub gate_hold_ms: FloatParam,
    /// Closing time constant, 5 – 3000 ms.
    #[id = "gate_rel"]
    pub gate_release_ms: FloatParam,
    /// Hysteresis (close threshold below open threshold), 0 – 12 dB.
    #[id = "gate_hyst"]
    pub gate_hysteresis_db: FloatParam,
    /// Key (detector) filter enabled.
    #[id = "gate_key"]
    pub gate_key_on: BoolParam,
    /// Key high-pass cutoff, 20 Hz – 4 kHz.
    #[id = "gate_key_hp"]
    pub gate_key_hpf_hz: FloatParam,
    /// Key low-pass cutoff, 200 Hz – 20 kHz.
    #[id = "gate_key_lp"]
    pub gate_key_lpf_hz: FloatParam,

    /// Compressor enabled.
    #[id = "comp_on"]
    pub comp_on: BoolParam,
    /// Threshold, −60 – 0 dBFS.
    #[id = "comp_thr"]
    pub comp_threshold_db: FloatParam,
    /// Ratio 1:1 – 50:1; the maximum means ∞:1.
    #[id = "comp_ratio"]
    pub comp_ratio: FloatParam,
    /// Knee width, 0 – 24 dB.
    #[id = "comp_knee"]
    pub comp_knee_db: FloatParam,
    /// Attack time constant, 0.1 – 100 ms.
    #[id = "comp_att"]
    pub comp_attack_ms: FloatParam,
    /// Release time constant, 5 – 3000 ms.
    #[id = "comp_rel"]
    pub comp_release_ms: FloatParam,
    /// Peak or RMS detection.
    #[id = "comp_det"]
    pub comp_detector: EnumParam<DetectorParam>,
    /// Automatic make-up gain (restores the level of a 0 dBFS input).
    #[id = "comp_auto"]
    pub comp_auto_makeup: BoolParam,
    /// Manual make-up gain, 0 – 24 dB.
    #[id = "comp_makeup"]
    pub comp_makeup: FloatParam,
    /// Sidechain (detector) high-pass cutoff, 20 – 500 Hz; 20 Hz is effectively off.
    #[id = "comp_sc_hp"]
    pub comp_sc_hpf_hz: FloatParam,

    /// Dynamics before or after the EQ.
    #[id = "order"]
    pub order: EnumParam<OrderParam>,

    /// Saturation enabled.
    #[id = "sat_on"]
    pub sat_on: BoolParam,
    /// Saturation curve.
    #[id = "sat_curve"]
    pub sat_curve: EnumParam<CurveParam>,
    /// Drive into the curve, 0 – 24 dB (output compensated so small signals keep their level;
    /// the anti-aliasing average rolls the saturated path off by 0.47 dB at 20 kHz).
    #[id = "sat_drive"]
    pub sat_drive_db: FloatParam,
    /// Wet/dry mix, 0 – 100 %.
    #[id = "sat_mix"]
    pub sat_mix: FloatParam,

    /// Pan / balance, −100 % (left) – +100 % (right), constant power, −3 dB centre law (a
    /// centred mono source is at unity on both sides, hard-panned it is +3 dB on one side).
    /// Acts on stereo outputs (stereo or mono-in/stereo-out layouts).
    #[id = "pan"]
    pub pan: FloatParam,
    /// Stereo width, 0 % (mono) – 200 % (doubled side).
    #[id = "width"]
    pub width: FloatParam,
    /// Output monitoring mode.
    #[id = "out_mode"]
    pub output_mode: EnumParam<OutputModeParam>,
    /// Output gain, linear shown in dB, ±24 dB.
    #[id = "out_gain"]
    pub output_gain: FloatParam,
}

impl Default for ChannelStripParams {
    fn default() -> Self {
        Self {
            common: shared_plugin::params::CommonParams::new(STATE_VERSION),
            trim: p::gain_in("Input Trim", TRIM_DB),
            polarity: BoolParam::new("Polarity Invert", false),

            hpf_on: BoolParam::new("HPF On", false),
            hpf_freq_hz: p::hz_in("HPF Freq", HPF_FREQ_HZ),
            hpf_slope: EnumParam::new("HPF Slope", SlopeParam::Db12),
            lpf_on: BoolParam::new("LPF On", false),
            lpf_freq_hz: p::hz_in("LPF Freq", LPF_FREQ_HZ),
            lpf_slope: EnumParam::new("LPF Slope", SlopeParam::Db12),

            eq1_shape: EnumParam::new("EQ 1 Shape", ShapeParam::Shelf),
            eq4_shape: EnumParam::new("EQ 4 Shape", ShapeParam::Shelf),
            eq1: EqBandParams::new(1),
            eq2: EqBandParams::new(2),
            eq3: EqBandParams::new(3),
            eq4: EqBandParams::new(4),

            gate_on: BoolParam::new("Gate On", false),
            gate_mode: EnumParam::new("Gate Mode", GateModeParam::Gate),
            gate_threshold_db: p::db_in("Gate Threshold", GATE_THRESHOLD_DB),
            gate_range_db: p::db_in("Gate Range", GATE_RANGE_DB),
            gate_ratio: p::ratio_skewed(
                "Gate Ratio",
                GATE_RATIO.default,
                GATE_RATIO.min,
                GATE_RATIO.max,
                -1.0,
                false,
            ),
            gate_attack_ms: p::ms_in("Gate Attack", GATE_ATTACK_MS),
            gate_hold_ms: p::ms_in("Gate Hold", GATE_HOLD_MS),
            gate_release_ms: p::ms_in("Gate Release", GATE_RELEASE_MS),
            gate_hysteresis_db: p::db_in("Gate Hysteresis", GATE_HYSTERESIS_DB),
            gate_key_on: BoolParam::new("Gate Key Filter", false),
            gate_key_hpf_hz: p::hz_in("Gate Key HPF", GATE_KEY_HPF_HZ),
            gate_key_lpf_hz: p::hz_in("Gate Key LPF", GATE_KEY_LPF_HZ),

            comp_on: BoolParam::new("Comp On", false),
            comp_threshold_db: p::db_in("Comp Threshold", COMP_THRESHOLD_DB),
            comp_ratio: p::ratio(
                "Comp Ratio",
                COMP_RATIO.default,
                COMP_RATIO.min,
                RATIO_INFINITY,
                true,
            ),
            comp_knee_db: p::db_in("Comp Knee", COMP_KNEE_DB),
            comp_attack_ms: p::ms_in("Comp Attack", COMP_ATTACK_MS),
            comp_release_ms: p::ms_in("Comp Release", COMP_RELEASE_MS),
            comp_detector: EnumParam::new("Comp Detector", DetectorParam::Peak),
            comp_auto_makeup: BoolParam::new("Comp Auto Makeup", false),
            comp_makeup: p::db_in("Comp Makeup", COMP_MAKEUP_DB),
            comp_sc_hpf_hz: p::hz_in("Comp SC HPF", COMP_SC_HPF_HZ),

            order: EnumParam::new("Dynamics Order", OrderParam::EqThenDynamics),

            sat_on: BoolParam::new("Sat On", false),
            sat_curve: EnumParam::new("Sat Curve", CurveParam::Soft),
            sat_drive_db: p::db_in("Sat Drive", SAT_DRIVE_DB),
            sat_mix: p::percent_in("Sat Mix", SAT_MIX),

            pan: p::pan("Pan"),
            width: p::percent_in("Width", WIDTH),
            output_mode: EnumParam::new("Output Mode", OutputModeParam::Stereo),
            output_gain: p::gain_in("Output Gain", OUTPUT_GAIN_DB),
        }
    }
}

impl ChannelStripParams {
    /// The four EQ bands in order.
    pub fn bands(&self) -> [&EqBandParams; 4] {
        [&self.eq1, &self.eq2, &self.eq3, &self.eq4]
    }

    /// Snapshot of the current (unsmoothed) values for the engine, which smooths them itself.
    pub fn settings(&self) -> Settings {
        let shape = |p: &EnumParam<ShapeParam>, shelf: EqShape| match p.value() {
            ShapeParam::Shelf => shelf,
            ShapeParam::Bell => EqShape::Bell,
        };
        let bands = self.bands();
        let mut s = Settings {
            bypass: self.common.bypass.value(),
            trim_gain: self.trim.engine_value(),
            polarity_invert: self.polarity.value(),
            hpf_on: self.hpf_on.value(),
            hpf_freq_hz: self.hpf_freq_hz.engine_value(),
            hpf_slope: self.hpf_slope.value().to_dsp(),
            lpf_on: self.lpf_on.value(),
            lpf_freq_hz: self.lpf_freq_hz.engine_value(),
            lpf_slope: self.lpf_slope.value().to_dsp(),
            ..Settings::default()
        };
        for (i, b) in bands.iter().enumerate() {
            s.eq[i].on = b.on.value();
            s.eq[i].freq_hz = b.freq_hz.engine_value();
            s.eq[i].gain_db = b.gain_db.engine_value();
            s.eq[i].q = b.q.engine_value();
        }
        s.eq[0].shape = shape(&self.eq1_shape, EqShape::LowShelf);
        s.eq[1].shape = EqShape::Bell;
        s.eq[2].shape = EqShape::Bell;
        s.eq[3].shape = shape(&self.eq4_shape, EqShape::HighShelf);

        s.gate_on = self.gate_on.value();
        s.gate_mode = match self.gate_mode.value() {
            GateModeParam::Gate => GateMode::Gate,
            GateModeParam::Expander => GateMode::Expander,
        };
        s.gate_threshold_db = self.gate_threshold_db.engine_value();
        s.gate_range_db = self.gate_range_db.engine_value();
        s.gate_ratio = self.gate_ratio.engine_value();
        s.gate_attack_ms = self.gate_attack_ms.engine_value();
        s.gate_hold_ms = self.gate_hold_ms.engine_value();
        s.gate_release_ms = self.gate_release_ms.engine_value();
        s.gate_hysteresis_db = self.gate_hysteresis_db.engine_value();
        s.gate_key_filter_on = self.gate_key_on.value();
        s.gate_key_hpf_hz = self.gate_key_hpf_hz.engine_value();
        s.gate_key_lpf_hz = self.gate_key_lpf_hz.engine_value();

        s.comp_on = self.comp_on.value();
        s.comp_threshold_db = self.comp_threshold_db.engine_value();
        s.comp_ratio = p::ratio_value(self.comp_ratio.engine_value(), RATIO_INFINITY);
        s.comp_knee_db = self.comp_knee_db.engine_value();
        s.comp_attack_ms = self.comp_attack_ms.engine_value();
        s.comp_release_ms = self.comp_release_ms.engine_value();
        s.comp_detector = self.comp_detector.value().to_dsp();
        s.comp_auto_makeup = self.comp_auto_makeup.value();
        s.comp_makeup_db = self.comp_makeup.engine_value();
        s.comp_sc_hpf_hz = self.comp_sc_hpf_hz.engine_value();
        s.order = match self.order.value() {
            OrderParam::EqThenDynamics => DynamicsOrder::EqThenDynamics,
            OrderParam::DynamicsThenEq => DynamicsOrder::DynamicsThenEq,
        };

        s.sat_on = self.sat_on.value();
        s.sat_curve = match self.sat_curve.value() {
            CurveParam::Soft => SatCurve::Soft,
            CurveParam::Warm => SatCurve::Warm,
        };
        s.sat_drive_db = self.sat_drive_db.engine_value();
        s.sat_mix = self.sat_mix.engine_value();
        s.pan = self.pan.engine_value();
        s.width = self.width.engine_value();
        s.output_mode = match self.output_mode.value() {
            OutputModeParam::Stereo => OutputMode::Stereo,
            OutputModeParam::Mono => OutputMode::Mono,
            OutputModeParam::Mid => OutputMode::Mid,
            OutputModeParam::Side => OutputMode::Side,
        };
        s.output_gain = self.output_gain.engine_value();
        s
    }
}

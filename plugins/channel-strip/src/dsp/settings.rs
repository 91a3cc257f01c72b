//! Every setting of the channel strip in plain units, its defaults, and the clamp that
//! keeps a corrupt preset or a hostile host from destabilising the engine.

use super::*;

/// Shape of one EQ band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EqShape {
    /// Peaking (bell).
    Bell,
    /// Low shelf.
    LowShelf,
    /// High shelf.
    HighShelf,
}

/// Compressor level detector (the shared compressor's).
pub use shared_dsp::dynamics::compressor::Detector as CompDetector;

/// Position of the dynamics relative to the EQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamicsOrder {
    /// EQ first, then gate and compressor.
    EqThenDynamics,
    /// Gate and compressor first, then EQ.
    DynamicsThenEq,
}

/// Saturation curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SatCurve {
    /// Symmetric: odd harmonics.
    Soft,
    /// Asymmetric: even and odd harmonics.
    Warm,
}

/// Output monitoring mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// L and R unchanged.
    Stereo,
    /// (L+R)/√2 on both outputs (−3 dB fold-down law).
    Mono,
    /// Mid (L+R)/2 on both outputs.
    Mid,
    /// Side (L−R)/2 on both outputs.
    Side,
}

/// One EQ band's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqBandSettings {
    /// Band enabled (off ramps the band's gain to 0 dB).
    pub on: bool,
    /// Filter shape.
    pub shape: EqShape,
    /// Centre/corner frequency in Hz.
    pub freq_hz: f32,
    /// Gain in dB.
    pub gain_db: f32,
    /// Q.
    pub q: f32,
}

/// Each float setting's range and default, written once: the parameters (`crate::params`)
/// offer exactly these and [`sanitize_settings`] clamps to them.
pub mod ranges {
    use shared_dsp::range::Range;

    /// Input trim, dB (carried as a linear gain).
    pub const TRIM_DB: Range = Range::new(-24.0, 24.0, 0.0);
    /// High-pass cutoff, Hz.
    pub const HPF_FREQ_HZ: Range = Range::new(10.0, 1000.0, 80.0);
    /// Low-pass cutoff, Hz.
    pub const LPF_FREQ_HZ: Range = Range::new(1000.0, 22000.0, 18000.0);
    /// EQ band frequencies (bands 1–4), Hz.
    pub const EQ_FREQ_HZ: [Range; 4] = [
        Range::new(20.0, 20000.0, 100.0),
        Range::new(20.0, 20000.0, 400.0),
        Range::new(20.0, 20000.0, 2500.0),
        Range::new(20.0, 20000.0, 8000.0),
    ];
    /// EQ band gain, dB.
    pub const EQ_GAIN_DB: Range = Range::new(-18.0, 18.0, 0.0);
    /// EQ band Q.
    pub const EQ_Q: Range = Range::new(0.1, 10.0, std::f32::consts::FRAC_1_SQRT_2);
    /// Gate threshold, dBFS.
    pub const GATE_THRESHOLD_DB: Range = Range::new(-80.0, 0.0, -50.0);
    /// Gate range, dB.
    pub const GATE_RANGE_DB: Range = Range::new(0.0, 80.0, 40.0);
    /// Expander ratio.
    pub const GATE_RATIO: Range = Range::new(1.0, 10.0, 2.0);
    /// Gate attack, ms.
    pub const GATE_ATTACK_MS: Range = Range::new(0.01, 50.0, 0.5);
    /// Gate hold, ms.
    pub const GATE_HOLD_MS: Range = Range::new(0.0, 500.0, 20.0);
    /// Gate release, ms.
    pub const GATE_RELEASE_MS: Range = Range::new(5.0, 3000.0, 100.0);
    /// Gate hysteresis, dB.
    pub const GATE_HYSTERESIS_DB: Range = Range::new(0.0, 12.0, 3.0);
    /// Gate key high-pass, Hz.
    pub const GATE_KEY_HPF_HZ: Range = Range::new(20.0, 4000.0, 100.0);
    /// Gate key low-pass, Hz.
    pub const GATE_KEY_LPF_HZ: Range = Range::new(200.0, 20000.0, 10000.0);
    /// Compressor threshold, dBFS.
    pub const COMP_THRESHOLD_DB: Range = Range::new(-60.0, 0.0, -18.0);
    /// Compressor ratio as the engine takes it: the parameter's top
    /// (`crate::params::RATIO_INFINITY`) means ∞:1.
    pub const COMP_RATIO: Range = Range::new(1.0, f32::INFINITY, 4.0);
    /// Compressor knee, dB.
    pub const COMP_KNEE_DB: Range = Range::new(0.0, 24.0, 6.0);
    /// Compressor attack, ms.
    pub const COMP_ATTACK_MS: Range = Range::new(0.1, 100.0, 10.0);
    /// Compressor release, ms.
    pub const COMP_RELEASE_MS: Range = Range::new(5.0, 3000.0, 150.0);
    /// Compressor make-up, dB.
    pub const COMP_MAKEUP_DB: Range = Range::new(0.0, 24.0, 0.0);
    /// Compressor sidechain high-pass, Hz.
    pub const COMP_SC_HPF_HZ: Range = Range::new(20.0, 500.0, 20.0);
    /// Saturation drive, dB.
    pub const SAT_DRIVE_DB: Range = Range::new(0.0, 24.0, 6.0);
    /// Saturation wet/dry mix, 0–1.
    pub const SAT_MIX: Range = Range::new(0.0, 1.0, 1.0);
    /// Pan, −1 (left) – +1 (right) (the parameter is `shared_plugin::params::pan`'s).
    pub const PAN: Range = Range::new(-1.0, 1.0, 0.0);
    /// Width, 0–2 (1 = unchanged).
    pub const WIDTH: Range = Range::new(0.0, 2.0, 1.0);
    /// Output gain, dB (carried as a linear gain).
    pub const OUTPUT_GAIN_DB: Range = Range::new(-24.0, 24.0, 0.0);
}

/// Every setting of the strip, in plain units (the host wrapper copies its parameters here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Bypass: output is the input delayed by the latency.
    pub bypass: bool,
    /// Input trim, linear gain.
    pub trim_gain: f32,
    /// Invert polarity.
    pub polarity_invert: bool,
    /// High-pass on.
    pub hpf_on: bool,
    /// High-pass cutoff, Hz.
    pub hpf_freq_hz: f32,
    /// High-pass slope.
    pub hpf_slope: FilterSlope,
    /// Low-pass on.
    pub lpf_on: bool,
    /// Low-pass cutoff, Hz.
    pub lpf_freq_hz: f32,
    /// Low-pass slope.
    pub lpf_slope: FilterSlope,
    /// EQ bands 1–4.
    pub eq: [EqBandSettings; 4],
    /// Gate on.
    pub gate_on: bool,
    /// Gate or expander.
    pub gate_mode: GateMode,
    /// Gate open threshold, dBFS.
    pub gate_threshold_db: f32,
    /// Gate range, dB.
    pub gate_range_db: f32,
    /// Expander ratio.
    pub gate_ratio: f32,
    /// Gate attack, ms.
    pub gate_attack_ms: f32,
    /// Gate hold, ms.
    pub gate_hold_ms: f32,
    /// Gate release, ms.
    pub gate_release_ms: f32,
    /// Gate hysteresis, dB.
    pub gate_hysteresis_db: f32,
    /// Gate key filter on.
    pub gate_key_filter_on: bool,
    /// Gate key high-pass, Hz.
    pub gate_key_hpf_hz: f32,
    /// Gate key low-pass, Hz.
    pub gate_key_lpf_hz: f32,
    /// Compressor on.
    pub comp_on: bool,
    /// Compressor threshold, dBFS.
    pub comp_threshold_db: f32,
    /// Compressor ratio (≥ 1, may be infinite).
    pub comp_ratio: f32,
    /// Knee width, dB.
    pub comp_knee_db: f32,
    /// Attack time constant, ms.
    pub comp_attack_ms: f32,
    /// Release time constant, ms.
    pub comp_release_ms: f32,
    /// Detector.
    pub comp_detector: CompDetector,
    /// Automatic make-up (restores a 0 dBFS input's level).
    pub comp_auto_makeup: bool,
    /// Manual make-up, dB.
    pub comp_makeup_db: f32,
    /// Sidechain high-pass, Hz.
    pub comp_sc_hpf_hz: f32,
    /// Dynamics position.
    pub order: DynamicsOrder,
    /// Saturation on.
    pub sat_on: bool,
    /// Saturation curve.
    pub sat_curve: SatCurve,
    /// Drive, dB.
    pub sat_drive_db: f32,
    /// Saturation wet/dry mix, 0–1.
    pub sat_mix: f32,
    /// Pan, −1 (left) – +1 (right).
    pub pan: f32,
    /// Width, 0–2 (1 = unchanged).
    pub width: f32,
    /// Output mode.
    pub output_mode: OutputMode,
    /// Output gain, linear.
    pub output_gain: f32,
}

impl Default for Settings {
    fn default() -> Self {
        let band = |shape, i: usize| EqBandSettings {
            on: true,
            shape,
            freq_hz: ranges::EQ_FREQ_HZ[i].default,
            gain_db: ranges::EQ_GAIN_DB.default,
            q: ranges::EQ_Q.default,
        };
        Self {
            bypass: false,
            trim_gain: 1.0,
            polarity_invert: false,
            hpf_on: false,
            hpf_freq_hz: ranges::HPF_FREQ_HZ.default,
            hpf_slope: FilterSlope::Db12,
            lpf_on: false,
            lpf_freq_hz: ranges::LPF_FREQ_HZ.default,
            lpf_slope: FilterSlope::Db12,
            eq: [
                band(EqShape::LowShelf, 0),
                band(EqShape::Bell, 1),
                band(EqShape::Bell, 2),
                band(EqShape::HighShelf, 3),
            ],
            gate_on: false,
            gate_mode: GateMode::Gate,
            gate_threshold_db: ranges::GATE_THRESHOLD_DB.default,
            gate_range_db: ranges::GATE_RANGE_DB.default,
            gate_ratio: ranges::GATE_RATIO.default,
            gate_attack_ms: ranges::GATE_ATTACK_MS.default,
            gate_hold_ms: ranges::GATE_HOLD_MS.default,
            gate_release_ms: ranges::GATE_RELEASE_MS.default,
            gate_hysteresis_db: ranges::GATE_HYSTERESIS_DB.default,
            gate_key_filter_on: false,
            gate_key_hpf_hz: ranges::GATE_KEY_HPF_HZ.default,
            gate_key_lpf_hz: ranges::GATE_KEY_LPF_HZ.default,
            comp_on: false,
            comp_threshold_db: ranges::COMP_THRESHOLD_DB.default,
            comp_ratio: ranges::COMP_RATIO.default,
            comp_knee_db: ranges::COMP_KNEE_DB.default,
            comp_attack_ms: ranges::COMP_ATTACK_MS.default,
            comp_release_ms: ranges::COMP_RELEASE_MS.default,
            comp_detector: CompDetector::Peak,
            comp_auto_makeup: false,
            comp_makeup_db: ranges::COMP_MAKEUP_DB.default,
            comp_sc_hpf_hz: ranges::COMP_SC_HPF_HZ.default,
            order: DynamicsOrder::EqThenDynamics,
            sat_on: false,
            sat_curve: SatCurve::Soft,
            sat_drive_db: ranges::SAT_DRIVE_DB.default,
            sat_mix: ranges::SAT_MIX.default,
            pan: ranges::PAN.default,
            width: ranges::WIDTH.default,
            output_mode: OutputMode::Stereo,
            output_gain: 1.0,
        }
    }
}

/// Clamps settings to safe ranges and replaces non-finite values by defaults, so a corrupt
/// preset or a host sending garbage can never destabilise the engine.
pub fn sanitize_settings(s: &Settings) -> Settings {
    use ranges::*;
    let mut o = *s;
    o.trim_gain = TRIM_DB.clamp_gain(s.trim_gain);
    o.hpf_freq_hz = HPF_FREQ_HZ.clamp(s.hpf_freq_hz);
    o.lpf_freq_hz = LPF_FREQ_HZ.clamp(s.lpf_freq_hz);
    for (b, freq) in o.eq.iter_mut().zip(EQ_FREQ_HZ) {
        b.freq_hz = freq.clamp(b.freq_hz);
        b.gain_db = EQ_GAIN_DB.clamp(b.gain_db);
        b.q = EQ_Q.clamp(b.q);
    }
    o.gate_threshold_db = GATE_THRESHOLD_DB.clamp(s.gate_threshold_db);
    o.gate_range_db = GATE_RANGE_DB.clamp(s.gate_range_db);
    o.gate_ratio = GATE_RATIO.clamp(s.gate_ratio);
    o.gate_attack_ms = GATE_ATTACK_MS.clamp(s.gate_attack_ms);
    o.gate_hold_ms = GATE_HOLD_MS.clamp(s.gate_hold_ms);
    o.gate_release_ms = GATE_RELEASE_MS.clamp(s.gate_release_ms);
    o.gate_hysteresis_db = GATE_HYSTERESIS_DB.clamp(s.gate_hysteresis_db);
    o.gate_key_hpf_hz = GATE_KEY_HPF_HZ.clamp(s.gate_key_hpf_hz);
    o.gate_key_lpf_hz = GATE_KEY_LPF_HZ.clamp(s.gate_key_lpf_hz);
    o.comp_threshold_db = COMP_THRESHOLD_DB.clamp(s.comp_threshold_db);
    o.comp_ratio = COMP_RATIO.clamp_keeping_infinity(s.comp_ratio);
    o.comp_knee_db = COMP_KNEE_DB.clamp(s.comp_knee_db);
    o.comp_attack_ms = COMP_ATTACK_MS.clamp(s.comp_attack_ms);
    o.comp_release_ms = COMP_RELEASE_MS.clamp(s.comp_release_ms);
    o.comp_makeup_db = COMP_MAKEUP_DB.clamp(s.comp_makeup_db);
    o.comp_sc_hpf_hz = COMP_SC_HPF_HZ.clamp(s.comp_sc_hpf_hz);
    o.sat_drive_db = SAT_DRIVE_DB.clamp(s.sat_drive_db);
    o.sat_mix = SAT_MIX.clamp(s.sat_mix);
    o.pan = PAN.clamp(s.pan);
    o.width = WIDTH.clamp(s.width);
    o.output_gain = OUTPUT_GAIN_DB.clamp_gain(s.output_gain);
    o
}

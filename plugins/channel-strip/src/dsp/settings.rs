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
        let band = |shape, freq_hz| EqBandSettings {
            on: true,
            shape,
            freq_hz,
            gain_db: 0.0,
            q: std::f32::consts::FRAC_1_SQRT_2,
        };
        Self {
            bypass: false,
            trim_gain: 1.0,
            polarity_invert: false,
            hpf_on: false,
            hpf_freq_hz: 80.0,
            hpf_slope: FilterSlope::Db12,
            lpf_on: false,
            lpf_freq_hz: 18000.0,
            lpf_slope: FilterSlope::Db12,
            eq: [
                band(EqShape::LowShelf, 100.0),
                band(EqShape::Bell, 400.0),
                band(EqShape::Bell, 2500.0),
                band(EqShape::HighShelf, 8000.0),
            ],
            gate_on: false,
            gate_mode: GateMode::Gate,
            gate_threshold_db: -50.0,
            gate_range_db: 40.0,
            gate_ratio: 2.0,
            gate_attack_ms: 0.5,
            gate_hold_ms: 20.0,
            gate_release_ms: 100.0,
            gate_hysteresis_db: 3.0,
            gate_key_filter_on: false,
            gate_key_hpf_hz: 100.0,
            gate_key_lpf_hz: 10000.0,
            comp_on: false,
            comp_threshold_db: -18.0,
            comp_ratio: 4.0,
            comp_knee_db: 6.0,
            comp_attack_ms: 10.0,
            comp_release_ms: 150.0,
            comp_detector: CompDetector::Peak,
            comp_auto_makeup: false,
            comp_makeup_db: 0.0,
            comp_sc_hpf_hz: 20.0,
            order: DynamicsOrder::EqThenDynamics,
            sat_on: false,
            sat_curve: SatCurve::Soft,
            sat_drive_db: 6.0,
            sat_mix: 1.0,
            pan: 0.0,
            width: 1.0,
            output_mode: OutputMode::Stereo,
            output_gain: 1.0,
        }
    }
}

/// Clamps settings to safe ranges and replaces non-finite values by defaults, so a corrupt
/// preset or a host sending garbage can never destabilise the engine.
pub fn sanitize_settings(s: &Settings) -> Settings {
    let d = Settings::default();
    let mut o = *s;
    o.trim_gain = finite_clamp(s.trim_gain, 0.0, 16.0, d.trim_gain);
    o.hpf_freq_hz = finite_clamp(s.hpf_freq_hz, 10.0, 1000.0, d.hpf_freq_hz);
    o.lpf_freq_hz = finite_clamp(s.lpf_freq_hz, 1000.0, 22000.0, d.lpf_freq_hz);
    for (b, db) in o.eq.iter_mut().zip(d.eq.iter()) {
        b.freq_hz = finite_clamp(b.freq_hz, 20.0, 20000.0, db.freq_hz);
        b.gain_db = finite_clamp(b.gain_db, -18.0, 18.0, 0.0);
        b.q = finite_clamp(b.q, 0.1, 10.0, db.q);
    }
    o.gate_threshold_db = finite_clamp(s.gate_threshold_db, -80.0, 0.0, d.gate_threshold_db);
    o.gate_range_db = finite_clamp(s.gate_range_db, 0.0, 80.0, d.gate_range_db);
    o.gate_ratio = finite_clamp(s.gate_ratio, 1.0, 10.0, d.gate_ratio);
    o.gate_attack_ms = finite_clamp(s.gate_attack_ms, 0.01, 50.0, d.gate_attack_ms);
    o.gate_hold_ms = finite_clamp(s.gate_hold_ms, 0.0, 500.0, d.gate_hold_ms);
    o.gate_release_ms = finite_clamp(s.gate_release_ms, 5.0, 3000.0, d.gate_release_ms);
    o.gate_hysteresis_db = finite_clamp(s.gate_hysteresis_db, 0.0, 12.0, d.gate_hysteresis_db);
    o.gate_key_hpf_hz = finite_clamp(s.gate_key_hpf_hz, 20.0, 4000.0, d.gate_key_hpf_hz);
    o.gate_key_lpf_hz = finite_clamp(s.gate_key_lpf_hz, 200.0, 20000.0, d.gate_key_lpf_hz);
    o.comp_threshold_db = finite_clamp(s.comp_threshold_db, -60.0, 0.0, d.comp_threshold_db);
    o.comp_ratio = if s.comp_ratio.is_nan() {
        d.comp_ratio
    } else {
        s.comp_ratio.max(1.0)
    };
    o.comp_knee_db = finite_clamp(s.comp_knee_db, 0.0, 24.0, d.comp_knee_db);
    o.comp_attack_ms = finite_clamp(s.comp_attack_ms, 0.1, 100.0, d.comp_attack_ms);
    o.comp_release_ms = finite_clamp(s.comp_release_ms, 5.0, 3000.0, d.comp_release_ms);
    o.comp_makeup_db = finite_clamp(s.comp_makeup_db, 0.0, 24.0, 0.0);
    o.comp_sc_hpf_hz = finite_clamp(s.comp_sc_hpf_hz, 20.0, 500.0, d.comp_sc_hpf_hz);
    o.sat_drive_db = finite_clamp(s.sat_drive_db, 0.0, 24.0, d.sat_drive_db);
    o.sat_mix = finite_clamp(s.sat_mix, 0.0, 1.0, d.sat_mix);
    o.pan = finite_clamp(s.pan, -1.0, 1.0, 0.0);
    o.width = finite_clamp(s.width, 0.0, 2.0, 1.0);
    o.output_gain = finite_clamp(s.output_gain, 0.0, 16.0, d.output_gain);
    o
}

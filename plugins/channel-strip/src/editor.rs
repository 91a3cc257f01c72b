//! The channel strip editor layout (shared-gui): every parameter, the EQ/filter curve drawn
//! from the designs' analytic response, live level and gain-reduction meters.

use egui::{Ui, Vec2};
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use shared_gui::controls::{row, slider, toggle};
use shared_gui::meters::{gr_meter, level_meter};
use shared_gui::theme::section;
use shared_gui::views::ResponseView;
use shared_gui::{EditorLayout, Shell};
use shared_plugin::meters::SharedMeters;
use std::sync::Arc;

use crate::dsp::{eq_band_coeffs, EqShape};
use crate::params::{ChannelStripParams, EqBandParams};
use shared_dsp::filter::butterworth::ButterworthCoeffs;

/// Default editor width in logical pixels (fits a 1366×768 screen with room for the host).
pub const EDITOR_WIDTH: u32 = 1180;
/// Default editor height in logical pixels.
pub const EDITOR_HEIGHT: u32 = 660;
/// Height of the curve display and meters.
const CURVE_HEIGHT: f32 = 150.0;
/// Sample rate the curve is drawn for when the plugin has not been activated yet.
const DEFAULT_CURVE_SAMPLE_RATE: f32 = 48000.0;

/// The channel strip's layout.
pub struct StripLayout {
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
}

/// The editor's initial size and scale.
pub fn default_state() -> Arc<EguiEditorState> {
    shared_gui::default_state(EDITOR_WIDTH, EDITOR_HEIGHT)
}

/// Creates the editor.
pub fn create(
    editor_state: Arc<EguiEditorState>,
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
) -> Option<EguiEditor<Shell<StripLayout>>> {
    let suite = shared_gui::Suite {
        params: params.clone(),
        session: params.session.clone(),
        kit: crate::preset_kit(),
    };
    shared_gui::create(editor_state, StripLayout { params, meters }, suite)
}

impl EditorLayout for StripLayout {
    fn title(&self) -> &'static str {
        "Lathe Channel Strip"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        draw(ui, setter, &self.params, &self.meters);
    }
}

/// Draws the whole layout.
pub fn draw(ui: &mut Ui, setter: &ParamSetter, p: &ChannelStripParams, meters: &SharedMeters) {
    let get = SharedMeters::get;
    ui.horizontal(|ui| {
        toggle(ui, setter, &p.bypass, "Bypass");
        ui.separator();
        ui.label("Order");
        slider(ui, &p.order, setter);
    });
    let sample_rate = match get(&meters.sample_rate_hz) {
        sr if sr > 0.0 => sr,
        _ => DEFAULT_CURVE_SAMPLE_RATE,
    };
    ui.horizontal(|ui| {
        let curve_width = ui.available_width() - 180.0;
        // Design once per frame, evaluate at every point.
        let filters = CurveFilters::new(p, sample_rate);
        ResponseView::default().draw(
            ui,
            Vec2::new(curve_width.max(300.0), CURVE_HEIGHT),
            sample_rate,
            |f| filters.response_db(f),
        );
        level_meter(
            ui,
            "IN",
            get(&meters.input_peak_db),
            get(&meters.input_rms_db),
            CURVE_HEIGHT,
        );
        level_meter(
            ui,
            "OUT",
            get(&meters.output_peak_db),
            get(&meters.output_rms_db),
            CURVE_HEIGHT,
        );
        gr_meter(ui, "GATE", get(&meters.gain_db[0]), CURVE_HEIGHT);
        gr_meter(ui, "COMP", get(&meters.gain_db[1]), CURVE_HEIGHT);
    });

    ui.horizontal_top(|ui| {
        section(ui, "INPUT & FILTERS", |ui| {
            egui::Grid::new("filters")
                .spacing([6.0, 3.0])
                .show(ui, |ui| {
                    ui.label("Trim");
                    slider(ui, &p.trim, setter);
                    toggle(ui, setter, &p.polarity, "Ø Polarity");
                    ui.end_row();
                    toggle(ui, setter, &p.hpf_on, "HPF");
                    slider(ui, &p.hpf_freq_hz, setter);
                    slider(ui, &p.hpf_slope, setter);
                    ui.end_row();
                    toggle(ui, setter, &p.lpf_on, "LPF");
                    slider(ui, &p.lpf_freq_hz, setter);
                    slider(ui, &p.lpf_slope, setter);
                    ui.end_row();
                });
        });
        section(ui, "EQ", |ui| {
            egui::Grid::new("eq").spacing([6.0, 3.0]).show(ui, |ui| {
                ui.label("");
                ui.label("");
                ui.label("Freq");
                ui.label("Gain");
                ui.label("Q");
                ui.end_row();
                for (i, band) in p.bands().into_iter().enumerate() {
                    eq_band(ui, setter, p, i, band);
                    ui.end_row();
                }
            });
        });
    });

    ui.horizontal_top(|ui| {
        section(ui, "GATE / EXPANDER", |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    toggle(ui, setter, &p.gate_on, "Gate");
                    row(ui, "Mode", &p.gate_mode, setter);
                    row(ui, "Threshold", &p.gate_threshold_db, setter);
                    row(ui, "Range", &p.gate_range_db, setter);
                    row(ui, "Ratio", &p.gate_ratio, setter);
                    row(ui, "Hysteresis", &p.gate_hysteresis_db, setter);
                });
                ui.vertical(|ui| {
                    row(ui, "Attack", &p.gate_attack_ms, setter);
                    row(ui, "Hold", &p.gate_hold_ms, setter);
                    row(ui, "Release", &p.gate_release_ms, setter);
                    toggle(ui, setter, &p.gate_key_on, "Key filter");
                    row(ui, "Key HPF", &p.gate_key_hpf_hz, setter);
                    row(ui, "Key LPF", &p.gate_key_lpf_hz, setter);
                });
            });
        });
        section(ui, "COMPRESSOR", |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    toggle(ui, setter, &p.comp_on, "Compressor");
                    row(ui, "Threshold", &p.comp_threshold_db, setter);
                    row(ui, "Ratio", &p.comp_ratio, setter);
                    row(ui, "Knee", &p.comp_knee_db, setter);
                    row(ui, "Detector", &p.comp_detector, setter);
                });
                ui.vertical(|ui| {
                    row(ui, "Attack", &p.comp_attack_ms, setter);
                    row(ui, "Release", &p.comp_release_ms, setter);
                    toggle(ui, setter, &p.comp_auto_makeup, "Auto make-up");
                    row(ui, "Make-up", &p.comp_makeup, setter);
                    row(ui, "SC HPF", &p.comp_sc_hpf_hz, setter);
                });
            });
        });
        ui.vertical(|ui| {
            section(ui, "SATURATION (4× OS)", |ui| {
                toggle(ui, setter, &p.sat_on, "Saturation");
                row(ui, "Curve", &p.sat_curve, setter);
                row(ui, "Drive", &p.sat_drive_db, setter);
                row(ui, "Mix", &p.sat_mix, setter);
            });
            section(ui, "OUTPUT", |ui| {
                row(ui, "Pan", &p.pan, setter);
                row(ui, "Width", &p.width, setter);
                row(ui, "Monitor", &p.output_mode, setter);
                row(ui, "Output", &p.output_gain, setter);
            });
        });
    });
}

fn eq_band(ui: &mut Ui, setter: &ParamSetter, p: &ChannelStripParams, i: usize, b: &EqBandParams) {
    toggle(ui, setter, &b.on, &format!("Band {}", i + 1));
    match i {
        0 => slider(ui, &p.eq1_shape, setter),
        3 => slider(ui, &p.eq4_shape, setter),
        _ => {
            ui.label("Bell");
        }
    }
    slider(ui, &b.freq_hz, setter);
    slider(ui, &b.gain_db, setter);
    slider(ui, &b.q, setter);
}

/// The filters and EQ bands as currently set (not smoothed), designed once per frame for the
/// curve display.
pub struct CurveFilters {
    hpf: Option<ButterworthCoeffs>,
    lpf: Option<ButterworthCoeffs>,
    bands: [Option<shared_dsp::filter::biquad::BiquadCoeffs>; 4],
}

impl CurveFilters {
    /// Designs the active filters from the parameters.
    pub fn new(p: &ChannelStripParams, sample_rate_hz: f32) -> Self {
        let s = p.settings();
        let band = |b: &crate::dsp::EqBandSettings| {
            let shape: EqShape = b.shape;
            (b.on && b.gain_db != 0.0)
                .then(|| eq_band_coeffs(sample_rate_hz, shape, b.freq_hz, b.q, b.gain_db))
        };
        Self {
            hpf: s
                .hpf_on
                .then(|| ButterworthCoeffs::highpass(sample_rate_hz, s.hpf_freq_hz, s.hpf_slope)),
            lpf: s
                .lpf_on
                .then(|| ButterworthCoeffs::lowpass(sample_rate_hz, s.lpf_freq_hz, s.lpf_slope)),
            bands: [
                band(&s.eq[0]),
                band(&s.eq[1]),
                band(&s.eq[2]),
                band(&s.eq[3]),
            ],
        }
    }

    /// The combined magnitude response in dB at `freq_hz` (the analytic response of each
    /// design, summed).
    pub fn response_db(&self, freq_hz: f32) -> f32 {
        let filters = self
            .hpf
            .iter()
            .chain(self.lpf.iter())
            .map(|c| c.magnitude_db(freq_hz));
        let bands = self.bands.iter().flatten().map(|c| c.magnitude_db(freq_hz));
        filters.chain(bands).sum()
    }
}

/// The combined magnitude response of the filters and EQ (as set, not smoothed), in dB.
pub fn total_response_db(p: &ChannelStripParams, sample_rate_hz: f32, freq_hz: f32) -> f32 {
    CurveFilters::new(p, sample_rate_hz).response_db(freq_hz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_follows_the_designs() {
        let p = ChannelStripParams::default();
        // Defaults are flat (tested below); with nothing designed the sum is exactly 0.
        let f = CurveFilters::new(&p, 48000.0);
        assert_eq!(f.response_db(1000.0), 0.0);
        let band = eq_band_coeffs(48000.0, EqShape::Bell, 1000.0, 1.0, 6.0);
        let with_band = CurveFilters {
            bands: [None, Some(band), None, None],
            ..f
        };
        assert!((with_band.response_db(1000.0) - 6.0).abs() < 0.01);
    }

    /// Sets a parameter by ID to a plain value, as a host would.
    fn set(p: &ChannelStripParams, id: &str, plain: f32) {
        let map = p.param_map();
        let (_, ptr, _) = map.iter().find(|(i, _, _)| i == id).expect(id);
        // SAFETY: the pointer comes from `p`, which outlives this call.
        unsafe {
            let n = ptr.preview_normalized(plain);
            ptr._internal_set_normalized_value(n);
        }
    }

    #[test]
    fn curve_is_flat_at_defaults() {
        let p = ChannelStripParams::default();
        for sr in [44100.0f32, 48000.0, 96000.0] {
            for f in [20.0f32, 1000.0, 0.49 * sr, 0.499 * sr] {
                let db = total_response_db(&p, sr, f);
                assert!(db.abs() < 1e-3, "{sr} Hz, {f} Hz: {db} dB");
            }
        }
    }

    #[test]
    fn curve_follows_the_parameters() {
        let p = ChannelStripParams::default();
        // Band 2: +6 dB bell at 1 kHz; HPF on at 100 Hz (default 12 dB/oct); band 4 off.
        set(&p, "eq2_gain", 6.0);
        set(&p, "eq2_freq", 1000.0);
        set(&p, "eq2_q", 1.0);
        set(&p, "hpf_on", 1.0);
        set(&p, "hpf_freq", 100.0);
        set(&p, "eq4_gain", 9.0);
        set(&p, "eq4_on", 0.0);
        let sr = 48_000.0;
        let at = |f| total_response_db(&p, sr, f);
        // The bell's centre: +6 dB (the HPF is 40 dB down… at 1 kHz it adds nothing).
        assert!((at(1000.0) - 6.0).abs() < 0.05, "1 kHz: {}", at(1000.0));
        // Bell half-gain points of an analog peak with Q 1 (RBJ bandwidth definition):
        // at f0·2^(±1/2·BW) with BW = 2·asinh(1/(2Q))/ln 2 octaves, the bell gives +3 dB.
        let bw = 2.0 * (0.5f32).asinh() / std::f32::consts::LN_2;
        let edge = 1000.0 * 2f32.powf(bw / 2.0);
        assert!(
            (at(edge) - 3.0).abs() < 0.2,
            "bell edge {edge} Hz: {}",
            at(edge)
        );
        // HPF corner: −3.01 dB of the Butterworth, plus the bell's small lift there.
        let bell_at_100 = eq_band_coeffs(sr, EqShape::Bell, 1000.0, 1.0, 6.0).magnitude_db(100.0);
        assert!(
            (at(100.0) - bell_at_100 + 3.01).abs() < 0.05,
            "100 Hz: {}",
            at(100.0)
        );
        // 12 dB/oct Butterworth an octave below the corner: 10·log10(r⁴/(1+r⁴)), r = 1/2.
        let r4 = 0.5f32.powi(4);
        let hpf_50 = 10.0 * (r4 / (1.0 + r4)).log10();
        let bell_at_50 = eq_band_coeffs(sr, EqShape::Bell, 1000.0, 1.0, 6.0).magnitude_db(50.0);
        assert!(
            (at(50.0) - hpf_50 - bell_at_50).abs() < 0.05,
            "50 Hz: {}",
            at(50.0)
        );
        // Band 4's gain does not count while it is off.
        assert!(at(12_000.0).abs() < 0.1, "12 kHz: {}", at(12_000.0));
        set(&p, "eq4_on", 1.0);
        assert!(at(16_000.0) > 6.0, "band 4 on: {}", at(16_000.0));
    }
}

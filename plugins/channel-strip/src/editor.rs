//! The channel strip editor (egui): every parameter, the EQ/filter curve drawn from the
//! coefficients' analytic response, live level and gain-reduction meters, and a scale control.

use egui::{Color32, Pos2, Rect, Stroke, Ui, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::dsp::{eq_band_coeffs, EqShape};
use crate::meters::SharedMeters;
use crate::params::{ChannelStripParams, EqBandParams};
use shared_dsp::filter::butterworth::ButterworthCoeffs;

/// Default editor width in logical pixels (fits a 1366×768 screen with room for the host).
pub const EDITOR_WIDTH: u32 = 1180;
/// Default editor height in logical pixels.
pub const EDITOR_HEIGHT: u32 = 660;
/// Width of every parameter slider (the value box comes beside it).
const SLIDER_WIDTH: f32 = 64.0;
/// Height of the curve display and meters.
const CURVE_HEIGHT: f32 = 150.0;

/// Lowest frequency of the curve display.
const CURVE_MIN_HZ: f32 = 10.0;
/// Highest frequency of the curve display.
const CURVE_MAX_HZ: f32 = 30000.0;
/// The curve display spans ± this many dB.
const CURVE_RANGE_DB: f32 = 24.0;
/// Meter scale floor.
const METER_FLOOR_DB: f32 = -60.0;
/// Sample rate the curve is drawn for when the plugin has not been activated yet.
const DEFAULT_CURVE_SAMPLE_RATE: f32 = 48000.0;

const ACCENT: Color32 = Color32::from_rgb(232, 160, 64);
const CURVE_COLOUR: Color32 = Color32::from_rgb(110, 200, 255);

/// The egui application behind the editor window.
pub struct StripEditor {
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
    gui: Option<GuiContext>,
}

/// The editor's initial size and scale.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(EDITOR_WIDTH as f64, EDITOR_HEIGHT as f64),
        1.0,
    )
}

/// Creates the editor.
pub fn create(
    editor_state: Arc<EguiEditorState>,
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
) -> Option<EguiEditor<StripEditor>> {
    let settings = EguiNiceSettings::new()
        .with_tile("Lathe Channel Strip")
        .with_resize_hint(ResizeHint::RESIZABLE);
    create_egui_editor(
        editor_state,
        RepaintNotifier::new(),
        settings,
        StripEditor {
            params,
            meters,
            gui: None,
        },
    )
}

impl NiceEguiApp for StripEditor {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        draw(ui, &setter, &self.params, &self.meters);
        // Meters move continuously.
        ui.ctx().request_repaint();
    }

    fn editor_closed(&mut self) {
        self.gui = None;
    }
}

/// Draws the whole editor. Public so the headless screenshot binary can reuse it.
pub fn draw(ui: &mut Ui, setter: &ParamSetter, p: &ChannelStripParams, meters: &SharedMeters) {
    ui.horizontal(|ui| {
        ui.heading(
            egui::RichText::new("LATHE  CHANNEL STRIP")
                .color(ACCENT)
                .strong(),
        );
        ui.separator();
        toggle(ui, setter, &p.bypass, "Bypass");
        ui.separator();
        ui.label("Order");
        ui.add(ParamSlider::for_param(&p.order, setter).with_width(90.0));
        ui.separator();
        ui.label("Scale");
        for z in [0.75f32, 1.0, 1.25, 1.5] {
            let current = (ui.ctx().zoom_factor() - z).abs() < 0.01;
            if ui
                .selectable_label(current, format!("{:.0} %", z * 100.0))
                .clicked()
            {
                ui.ctx().set_zoom_factor(z);
            }
        }
    });
    ui.separator();

    let sample_rate = match meters.sample_rate_hz.load(Ordering::Relaxed) {
        sr if sr > 0.0 => sr,
        _ => DEFAULT_CURVE_SAMPLE_RATE,
    };
    ui.horizontal(|ui| {
        let curve_width = ui.available_width() - 180.0;
        curve(
            ui,
            p,
            sample_rate,
            Vec2::new(curve_width.max(300.0), CURVE_HEIGHT),
        );
        meter_panel(ui, meters);
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
                    toggle(ui, setter, &p.gate_on, "Gate on");
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
                    toggle(ui, setter, &p.comp_on, "Compressor on");
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
                toggle(ui, setter, &p.sat_on, "Saturation on");
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

fn section(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.vertical(|ui| {
            ui.label(egui::RichText::new(title).color(ACCENT).strong());
            add(ui);
        });
    });
}

fn row<P: Param>(ui: &mut Ui, label: &str, param: &P, setter: &ParamSetter) {
    ui.horizontal(|ui| {
        ui.add_sized([62.0, 18.0], egui::Label::new(label));
        slider(ui, param, setter);
    });
}

fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter) {
    ui.add(ParamSlider::for_param(param, setter).with_width(SLIDER_WIDTH));
}

/// An on/off button for a boolean parameter, with proper begin/end gestures for automation.
fn toggle(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, label: &str) {
    let on = param.value();
    if ui.selectable_label(on, label).clicked() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, !on);
        setter.end_set_parameter(param);
    }
}

fn eq_band(ui: &mut Ui, setter: &ParamSetter, p: &ChannelStripParams, i: usize, b: &EqBandParams) {
    toggle(ui, setter, &b.on, &format!("Band {}", i + 1));
    match i {
        0 => {
            slider(ui, &p.eq1_shape, setter);
        }
        3 => {
            slider(ui, &p.eq4_shape, setter);
        }
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

fn curve(ui: &mut Ui, p: &ChannelStripParams, sample_rate: f32, size: Vec2) {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, Color32::from_gray(18));
    let x_of = |f: f32| {
        rect.left() + rect.width() * (f / CURVE_MIN_HZ).ln() / (CURVE_MAX_HZ / CURVE_MIN_HZ).ln()
    };
    let y_of =
        |db: f32| rect.center().y - rect.height() * 0.5 * (db / CURVE_RANGE_DB).clamp(-1.05, 1.05);
    let grid = Stroke::new(1.0, Color32::from_gray(45));
    let text = Color32::from_gray(120);
    for f in [
        20.0f32, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0,
    ] {
        let x = x_of(f);
        painter.line_segment(
            [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
            grid,
        );
        let label = if f >= 1000.0 {
            format!("{}k", f / 1000.0)
        } else {
            format!("{f}")
        };
        painter.text(
            Pos2::new(x + 2.0, rect.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            label,
            egui::FontId::proportional(10.0),
            text,
        );
    }
    for db in [-18.0f32, -12.0, -6.0, 0.0, 6.0, 12.0, 18.0] {
        let y = y_of(db);
        let stroke = if db == 0.0 {
            Stroke::new(1.0, Color32::from_gray(80))
        } else {
            grid
        };
        painter.line_segment(
            [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
            stroke,
        );
        painter.text(
            Pos2::new(rect.left() + 2.0, y - 1.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{db:+.0}"),
            egui::FontId::proportional(10.0),
            text,
        );
    }
    // Design once per frame, evaluate at every point.
    let filters = CurveFilters::new(p, sample_rate);
    // Draw up to just below Nyquist, where the digital response ends.
    let top_hz = CURVE_MAX_HZ.min(0.499 * sample_rate);
    let points: Vec<Pos2> = (0..=400)
        .map(|i| {
            let f = CURVE_MIN_HZ * (top_hz / CURVE_MIN_HZ).powf(i as f32 / 400.0);
            Pos2::new(x_of(f), y_of(filters.response_db(f)))
        })
        .collect();
    painter.add(egui::Shape::line(points, Stroke::new(2.0, CURVE_COLOUR)));
}

fn meter_panel(ui: &mut Ui, m: &SharedMeters) {
    let load = |a: &atomic_float::AtomicF32| a.load(Ordering::Relaxed);
    ui.horizontal(|ui| {
        level_meter(ui, "IN", load(&m.input_peak_db), load(&m.input_rms_db));
        level_meter(ui, "OUT", load(&m.output_peak_db), load(&m.output_rms_db));
        gr_meter(ui, "GATE", load(&m.gate_gain_db));
        gr_meter(ui, "COMP", load(&m.comp_gain_db));
    });
}

fn meter_rect(ui: &mut Ui, label: &str) -> Rect {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(38.0, CURVE_HEIGHT), egui::Sense::hover());
    let painter = ui.painter();
    painter.text(
        Pos2::new(rect.center().x, rect.bottom()),
        egui::Align2::CENTER_BOTTOM,
        label,
        egui::FontId::proportional(10.0),
        Color32::from_gray(170),
    );
    let bar = Rect::from_min_max(
        Pos2::new(rect.left() + 8.0, rect.top() + 14.0),
        Pos2::new(rect.right() - 8.0, rect.bottom() - 14.0),
    );
    painter.rect_filled(bar, 2.0, Color32::from_gray(18));
    bar
}

fn frac(db: f32) -> f32 {
    ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0)
}

fn level_meter(ui: &mut Ui, label: &str, peak_db: f32, rms_db: f32) {
    let bar = meter_rect(ui, label);
    let painter = ui.painter();
    let top = |f: f32| bar.bottom() - bar.height() * f;
    let rms = Rect::from_min_max(Pos2::new(bar.left(), top(frac(rms_db))), bar.max);
    painter.rect_filled(rms, 0.0, Color32::from_rgb(70, 170, 90));
    let colour = if peak_db > -0.1 {
        Color32::RED
    } else {
        Color32::from_rgb(220, 220, 120)
    };
    let y = top(frac(peak_db));
    painter.line_segment(
        [Pos2::new(bar.left(), y), Pos2::new(bar.right(), y)],
        Stroke::new(2.0, colour),
    );
    painter.text(
        Pos2::new(bar.center().x, bar.top() - 2.0),
        egui::Align2::CENTER_BOTTOM,
        if peak_db <= -100.0 {
            "-∞".to_string()
        } else {
            format!("{peak_db:.1}")
        },
        egui::FontId::proportional(10.0),
        Color32::from_gray(200),
    );
}

fn gr_meter(ui: &mut Ui, label: &str, gain_db: f32) {
    let bar = meter_rect(ui, label);
    let painter = ui.painter();
    // Gain reduction grows downwards from the top, 0 to 30 dB.
    let f = (-gain_db / 30.0).clamp(0.0, 1.0);
    let r = Rect::from_min_max(
        bar.min,
        Pos2::new(bar.right(), bar.top() + bar.height() * f),
    );
    painter.rect_filled(r, 0.0, ACCENT);
    painter.text(
        Pos2::new(bar.center().x, bar.top() - 2.0),
        egui::Align2::CENTER_BOTTOM,
        format!("{gain_db:.1}"),
        egui::FontId::proportional(10.0),
        Color32::from_gray(200),
    );
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

    #[test]
    fn curve_is_flat_at_defaults_and_follows_the_eq() {
        let p = ChannelStripParams::default();
        for sr in [44100.0f32, 48000.0, 96000.0] {
            for f in [20.0f32, 1000.0, 0.49 * sr, 0.499 * sr] {
                let db = total_response_db(&p, sr, f);
                println!("{sr} {f} {db}");
                assert!(db.abs() < 1e-3, "{sr} Hz, {f} Hz: {db} dB");
            }
        }
    }
}

//! The spectral repair editor layout (shared-gui): the spectrum of input and output (or
//! residual), output mode and mix, then one column per module in signal
//! order, each with its switch, its controls and what it is doing (clicks repaired per second,
//! plosive gain reduction, hum found, noise floor and reduction).

use egui::{Color32, RichText, Ui, Vec2};
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use shared_gui::controls::{choice, row, toggle};
use shared_gui::meters::{gr_meter, level_meter};
use shared_gui::spectrum::{draw_spectra, SpectrumAnalyser};
use shared_gui::theme::section;
use shared_gui::{EditorLayout, Shell};
use shared_plugin::meters::SharedMeters;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::meters::RepairMeters;
use crate::params::{OutputParam, RepairParams};

/// Default editor width, logical pixels.
pub const EDITOR_WIDTH: u32 = 1250;
/// Default editor height, logical pixels.
pub const EDITOR_HEIGHT: u32 = 600;
/// Width of a module column.
const COLUMN_WIDTH: f32 = 200.0;

/// The spectral repair layout.
pub struct RepairLayout {
    params: Arc<RepairParams>,
    meters: Arc<RepairMeters>,
    input_spectrum: SpectrumAnalyser,
    output_spectrum: SpectrumAnalyser,
}

/// The editor's initial size.
pub fn default_state() -> Arc<EguiEditorState> {
    shared_gui::default_state(EDITOR_WIDTH, EDITOR_HEIGHT)
}

/// Creates the editor.
pub fn create(
    state: Arc<EguiEditorState>,
    params: Arc<RepairParams>,
    meters: Arc<RepairMeters>,
) -> Option<EguiEditor<Shell<RepairLayout>>> {
    let suite = shared_gui::Suite {
        params: params.clone(),
        session: params.session.clone(),
        kit: crate::preset_kit(),
    };
    shared_gui::create(
        state,
        RepairLayout {
            params,
            meters,
            input_spectrum: SpectrumAnalyser::default(),
            output_spectrum: SpectrumAnalyser::default(),
        },
        suite,
    )
}

/// A dB reading as text ("–" below −150).
fn db_text(v: f32, unit: &str) -> String {
    if v.is_finite() && v > -150.0 {
        format!("{v:.1} {unit}")
    } else {
        "–".into()
    }
}

/// A module's activity line.
fn activity(ui: &mut Ui, on: bool, text: String) {
    let colour = if on {
        shared_gui::theme::ACCENT
    } else {
        Color32::GRAY
    };
    ui.label(RichText::new(text).color(colour).small());
}

impl RepairLayout {
    fn modules(&self, ui: &mut Ui, setter: &ParamSetter) {
        let p = &self.params;
        let m = &self.meters;
        let load = |v: &atomic_float::AtomicF32| v.load(Ordering::Relaxed);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(COLUMN_WIDTH);
                section(ui, "1  DE-CLIP", |ui| {
                    toggle(ui, setter, &p.declip_on, "De-clip on");
                    toggle(ui, setter, &p.declip_auto, "Auto level");
                    row(ui, "Level", &p.declip_level_db, setter);
                    row(ui, "Output", &p.declip_gain_db, setter);
                    activity(
                        ui,
                        p.declip_on.value(),
                        format!(
                            "clip level {}, {:.0} samples/s rebuilt",
                            db_text(load(&m.clip_level_db), "dBFS"),
                            load(&m.declipped_per_s)
                        ),
                    );
                });
            });
            ui.vertical(|ui| {
                ui.set_width(COLUMN_WIDTH);
                section(ui, "2  DE-CLICK", |ui| {
                    toggle(ui, setter, &p.declick_on, "De-click on");
                    row(ui, "Sensitivity", &p.declick_sensitivity, setter);
                    row(ui, "Max length", &p.declick_max_ms, setter);
                    activity(
                        ui,
                        p.declick_on.value(),
                        format!(
                            "{:.1} clicks/s, {} in all",
                            load(&m.clicks_per_s),
                            m.clicks_total.load(Ordering::Relaxed)
                        ),
                    );
                });
            });
            ui.vertical(|ui| {
                ui.set_width(COLUMN_WIDTH);
                section(ui, "3  DE-PLOSIVE", |ui| {
                    toggle(ui, setter, &p.deplosive_on, "De-plosive on");
                    row(ui, "Sensitivity", &p.deplosive_sensitivity, setter);
                    row(ui, "Below", &p.deplosive_freq_hz, setter);
                    row(ui, "Strength", &p.deplosive_strength_db, setter);
                    ui.horizontal(|ui| {
                        gr_meter(ui, "GR", SharedMeters::get(&m.levels.gain_db[0]), 60.0);
                        activity(
                            ui,
                            p.deplosive_on.value(),
                            format!("{} plosives", m.plosives_total.load(Ordering::Relaxed)),
                        );
                    });
                });
            });
            ui.vertical(|ui| {
                ui.set_width(COLUMN_WIDTH);
                section(ui, "4  DE-HUM", |ui| {
                    toggle(ui, setter, &p.dehum_on, "De-hum on");
                    choice(ui, setter, &p.dehum_base);
                    row(ui, "Harmonics", &p.dehum_harmonics, setter);
                    toggle(ui, setter, &p.dehum_track_drift, "Follow drift");
                    activity(
                        ui,
                        p.dehum_on.value(),
                        format!(
                            "hum {} at {:.2} Hz",
                            db_text(load(&m.hum_level_db), "dBFS"),
                            load(&m.hum_base_hz)
                        ),
                    );
                });
            });
            ui.vertical(|ui| {
                ui.set_width(COLUMN_WIDTH + 40.0);
                section(ui, "5  DE-NOISE", |ui| {
                    ui.horizontal(|ui| {
                        toggle(ui, setter, &p.denoise_on, "De-noise on");
                        toggle(ui, setter, &p.denoise_learn, "Learn");
                    });
                    choice(ui, setter, &p.denoise_mode);
                    row(ui, "Reduction", &p.denoise_reduction_db, setter);
                    row(ui, "Smoothing", &p.denoise_smoothing, setter);
                    toggle(ui, setter, &p.denoise_keep_transients, "Keep transients");
                    row(ui, "FFT size", &p.denoise_fft, setter);
                    row(ui, "Overlap", &p.denoise_overlap, setter);
                    let profile = if m.has_noise_profile.load(Ordering::Relaxed) {
                        "profile learned"
                    } else {
                        "no profile yet"
                    };
                    activity(
                        ui,
                        p.denoise_on.value(),
                        format!(
                            "floor {}, −{:.1} dB, {profile}",
                            db_text(load(&m.noise_floor_db), "dBFS"),
                            load(&m.noise_reduction_db)
                        ),
                    );
                });
            });
        });
    }
}

impl EditorLayout for RepairLayout {
    fn title(&self) -> &'static str {
        "Lathe Spectral Repair"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters.levels
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let m = self.meters.clone();
        let p = self.params.clone();
        self.input_spectrum.update(&m.taps.input);
        self.output_spectrum.update(&m.taps.output);
        let residual = p.output.value() == OutputParam::Residual;
        let sr = SharedMeters::get(&m.levels.sample_rate_hz);
        ui.horizontal_top(|ui| {
            draw_spectra(
                ui,
                Vec2::new(760.0, 230.0),
                sr,
                &[
                    (&self.input_spectrum, Color32::from_gray(140), "input"),
                    (
                        &self.output_spectrum,
                        shared_gui::theme::CURVE,
                        if residual { "residual" } else { "output" },
                    ),
                ],
            );
            ui.vertical(|ui| {
                section(ui, "OUTPUT", |ui| {
                    choice(ui, setter, &p.output);
                    row(ui, "Mix", &p.mix, setter);
                    row(ui, "Output", &p.output_gain, setter);
                    toggle(ui, setter, &p.bypass, "Bypass");
                });
                ui.horizontal(|ui| {
                    let g = SharedMeters::get;
                    level_meter(
                        ui,
                        "IN",
                        g(&m.levels.input_peak_db),
                        g(&m.levels.input_rms_db),
                        120.0,
                    );
                    level_meter(
                        ui,
                        "OUT",
                        g(&m.levels.output_peak_db),
                        g(&m.levels.output_rms_db),
                        120.0,
                    );
                });
            });
        });
        ui.add_space(6.0);
        self.modules(ui, setter);
    }
}

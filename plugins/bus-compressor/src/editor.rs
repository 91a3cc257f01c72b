//! The bus compressor editor layout (shared-gui): transfer curve with the live level dot,
//! gain-reduction meter and history, input and output meters, every control.

use egui::{Ui, Vec2};
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use shared_gui::controls::{choice, row, toggle};
use shared_gui::meters::{gr_meter, level_meter, GrHistory};
use shared_gui::theme::section;
use shared_gui::views::transfer_view;
use shared_gui::{EditorLayout, Shell};
use shared_plugin::meters::SharedMeters;
use std::sync::Arc;

use crate::params::{BusCompParams, ModeParam};

/// Default editor width, logical pixels.
pub const EDITOR_WIDTH: u32 = 1000;
/// Default editor height, logical pixels.
pub const EDITOR_HEIGHT: u32 = 560;
/// Height of the displays.
const DISPLAY_HEIGHT: f32 = 200.0;
/// Lowest level on the transfer curve's axes, dBFS.
const TRANSFER_MIN_DB: f32 = -60.0;
/// Highest level on the transfer curve's axes, dBFS.
const TRANSFER_MAX_DB: f32 = 12.0;

/// The bus compressor's layout.
pub struct BusCompLayout {
    params: Arc<BusCompParams>,
    meters: Arc<SharedMeters>,
    history: GrHistory,
}

/// The editor's initial size.
pub fn default_state() -> Arc<EguiEditorState> {
    shared_gui::default_state(EDITOR_WIDTH, EDITOR_HEIGHT)
}

/// Creates the editor.
pub fn create(
    state: Arc<EguiEditorState>,
    params: Arc<BusCompParams>,
    meters: Arc<SharedMeters>,
) -> Option<EguiEditor<Shell<BusCompLayout>>> {
    let suite = shared_gui::Suite {
        params: params.clone(),
        session: params.session.clone(),
        kit: crate::preset_kit(),
    };
    shared_gui::create(
        state,
        BusCompLayout {
            params,
            meters,
            history: GrHistory::new(300),
        },
        suite,
    )
}

impl EditorLayout for BusCompLayout {
    fn title(&self) -> &'static str {
        "Lathe Bus Compressor"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let p = &*self.params;
        let m = &*self.meters;
        let get = SharedMeters::get;
        let gr = get(&m.gain_db[0]);
        self.history.push(gr);

        ui.horizontal(|ui| {
            toggle(ui, setter, &p.bypass, "Bypass");
            toggle(ui, setter, &p.match_bypass, "Level-matched bypass");
            ui.separator();
            choice(ui, setter, &p.mode);
        });
        ui.horizontal_top(|ui| {
            let settings = p.settings().comp;
            transfer_view(
                ui,
                DISPLAY_HEIGHT,
                TRANSFER_MIN_DB,
                TRANSFER_MAX_DB,
                |x| x + settings.static_gain_db(x),
                Some(get(&m.detector_db)),
            );
            level_meter(
                ui,
                "IN",
                get(&m.input_peak_db),
                get(&m.input_rms_db),
                DISPLAY_HEIGHT,
            );
            gr_meter(ui, "GR", gr, DISPLAY_HEIGHT);
            level_meter(
                ui,
                "OUT",
                get(&m.output_peak_db),
                get(&m.output_rms_db),
                DISPLAY_HEIGHT,
            );
            let w = (ui.available_width() - 8.0).max(120.0);
            self.history.draw(ui, Vec2::new(w, DISPLAY_HEIGHT));
        });
        ui.horizontal_top(|ui| {
            section(ui, "COMPRESSOR", |ui| {
                row(ui, "Threshold", &p.threshold_db, setter);
                if p.mode.value() == ModeParam::Classic {
                    row(ui, "Ratio", &p.classic_ratio, setter);
                    row(ui, "Attack", &p.classic_attack, setter);
                    row(ui, "Release", &p.classic_release, setter);
                } else {
                    row(ui, "Ratio", &p.ratio, setter);
                    row(ui, "Attack", &p.attack_ms, setter);
                    row(ui, "Peak release", &p.release_ms, setter);
                    row(ui, "RMS release", &p.rms_release_ms, setter);
                    row(ui, "Knee", &p.knee_db, setter);
                }
                row(ui, "Detector", &p.detector, setter);
            });
            section(ui, "GAIN", |ui| {
                row(ui, "Range", &p.range_db, setter);
                row(ui, "Make-up", &p.makeup_db, setter);
                toggle(ui, setter, &p.auto_makeup, "Auto make-up");
                row(ui, "Mix", &p.mix, setter);
                row(ui, "Output", &p.output_gain, setter);
            });
            section(ui, "SIDECHAIN", |ui| {
                toggle(ui, setter, &p.external_key, "External key");
                row(ui, "HPF", &p.sidechain_hpf_hz, setter);
                row(ui, "Link", &p.link, setter);
                row(ui, "Stereo", &p.stereo, setter);
                toggle(ui, setter, &p.sidechain_listen, "Listen");
            });
            section(ui, "OUTPUT", |ui| {
                toggle(ui, setter, &p.soft_clip, "Soft clip");
                row(ui, "Oversampling", &p.oversampling, setter);
                toggle(ui, setter, &p.delta, "Delta");
            });
        });
    }
}

//! The bus compressor editor layout (shared-gui): transfer curve with the live level dot,
//! gain-reduction needle and history, input and output meters, then the compressor, gain,
//! sidechain and output panels.

use egui::{Ui, Vec2};
use nice_plug::prelude::*;
use shared_gui::controls::{knob, menu, segmented, switch};
use shared_gui::meters::{gr_meter, gr_needle, level_meter, GrHistory, METER_WIDTH};
use shared_gui::theme::module;
use shared_gui::views::transfer_view;
use shared_gui::{EditorLayout, LatheEditor};
use shared_plugin::meters::SharedMeters;
use std::sync::Arc;

use crate::params::{BusCompParams, ModeParam};

/// Height the panels below the displays take, points.
const PANELS_HEIGHT: f32 = 160.0;
/// Smallest height of the displays, points.
const MIN_DISPLAY_HEIGHT: f32 = 200.0;
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

impl BusCompLayout {
    /// The layout for these parameters and meters.
    pub fn new(params: Arc<BusCompParams>, meters: Arc<SharedMeters>) -> Self {
        Self {
            params,
            meters,
            history: GrHistory::new(300),
        }
    }
}

/// The suite kit for the bus compressor's editor.
pub fn suite(params: &Arc<BusCompParams>) -> shared_gui::Suite {
    shared_gui::Suite::new(params.clone(), &params.common, crate::preset_kit())
}

/// Creates the editor.
pub fn create(
    params: Arc<BusCompParams>,
    meters: Arc<SharedMeters>,
) -> Option<LatheEditor<BusCompLayout>> {
    let suite = suite(&params);
    shared_gui::create(BusCompLayout::new(params, meters), suite)
}

impl EditorLayout for BusCompLayout {
    const DEFAULT_SIZE: Vec2 = Vec2::new(1040.0, 580.0);
    const MIN_SIZE: Vec2 = Vec2::new(1000.0, 540.0);

    fn title(&self) -> &'static str {
        "Lathe Bus Compressor"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters
    }

    fn bypass(&self) -> &BoolParam {
        &self.params.common.bypass
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let p = self.params.clone();
        let m = self.meters.clone();
        let get = SharedMeters::get;
        let gr = get(&m.gain_db[0]);
        self.history.push(gr);
        let h = (ui.available_height() - PANELS_HEIGHT).max(MIN_DISPLAY_HEIGHT);

        ui.horizontal_top(|ui| {
            let settings = p.settings().comp;
            transfer_view(
                ui,
                h,
                TRANSFER_MIN_DB,
                TRANSFER_MAX_DB,
                |x| x + settings.static_gain_db(x),
                Some(get(&m.detector_db)),
            );
            ui.vertical(|ui| {
                let w = (ui.available_width() - 3.0 * (METER_WIDTH + 6.0)).max(200.0);
                let needle_h = (h * 0.45).clamp(90.0, 140.0);
                gr_needle(ui, gr, Vec2::new(w.min(260.0), needle_h));
                self.history
                    .draw(ui, Vec2::new(w, h - needle_h - ui.spacing().item_spacing.y));
            });
            level_meter(ui, "IN", get(&m.input_peak_db), get(&m.input_rms_db), h);
            gr_meter(ui, "GR", gr, h);
            level_meter(ui, "OUT", get(&m.output_peak_db), get(&m.output_rms_db), h);
        });
        ui.horizontal_top(|ui| {
            module(
                ui,
                "COMPRESSOR",
                |ui| {
                    segmented(ui, setter, &p.mode);
                },
                |ui| {
                    segmented(ui, setter, &p.detector);
                    ui.horizontal(|ui| {
                        knob(ui, &p.threshold_db, setter, "Threshold");
                        if p.mode.value() == ModeParam::Classic {
                            knob(ui, &p.classic_ratio, setter, "Ratio");
                            knob(ui, &p.classic_attack, setter, "Attack");
                            knob(ui, &p.classic_release, setter, "Release");
                        } else {
                            knob(ui, &p.ratio, setter, "Ratio");
                            knob(ui, &p.attack_ms, setter, "Attack");
                            knob(ui, &p.release_ms, setter, "Release");
                            knob(ui, &p.rms_release_ms, setter, "RMS rel.");
                            knob(ui, &p.knee_db, setter, "Knee");
                        }
                    });
                },
            );
            module(
                ui,
                "GAIN",
                |ui| {
                    switch(ui, setter, &p.auto_makeup, "Auto make-up");
                },
                |ui| {
                    ui.add_space(shared_gui::controls::ROW_HEIGHT + 4.0);
                    ui.horizontal(|ui| {
                        knob(ui, &p.range_db, setter, "Range");
                        knob(ui, &p.makeup_db, setter, "Make-up");
                        knob(ui, &p.mix, setter, "Mix");
                        knob(ui, &p.output_gain, setter, "Output");
                    });
                },
            );
            module(
                ui,
                "SIDECHAIN",
                |ui| {
                    switch(ui, setter, &p.external_key, "External key");
                },
                |ui| {
                    ui.horizontal(|ui| {
                        segmented(ui, setter, &p.stereo);
                        switch(ui, setter, &p.sidechain_listen, "Listen");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.sidechain_hpf_hz, setter, "HPF");
                        knob(ui, &p.link, setter, "Link");
                    });
                },
            );
            module(
                ui,
                "OUTPUT",
                |_| {},
                |ui| {
                    switch(ui, setter, &p.soft_clip, "Soft clip");
                    switch(ui, setter, &p.delta, "Delta");
                    switch(ui, setter, &p.match_bypass, "Matched bypass");
                    menu(ui, setter, &p.oversampling, "Oversampling", 110.0);
                },
            );
        });
    }
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    fn make() -> (BusCompLayout, shared_gui::Suite) {
        let params = Arc::new(BusCompParams::default());
        let suite = suite(&params);
        (
            BusCompLayout::new(params, Arc::new(SharedMeters::default())),
            suite,
        )
    }

    #[test]
    fn every_parameter_has_a_control_and_nothing_overlaps_at_any_scale() {
        // Both modes: each shows its own ratio, attack and release.
        shared_gui::testing::check_editor(make, &[&[("mode", 0.0)], &[("mode", 1.0)]]);
    }
}

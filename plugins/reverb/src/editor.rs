//! The Reverb editor layout (shared-gui): the decay display (RT60 against frequency, drawn from
//! the same design the network runs) and the wet tail's envelope over the last seconds, above
//! the modules in signal order, between the input and output meters.

use egui::{Pos2, Stroke, Ui, Vec2};
use nice_plug::prelude::*;
use shared_dsp::reverb::fdn::FdnCoeffs;
use shared_gui::controls::{knob, menu, switch};
use shared_gui::meters::level_meter;
use shared_gui::theme::{self, module};
use shared_gui::views::ResponseView;
use shared_gui::{EditorLayout, LatheEditor};
use shared_plugin::meters::SharedMeters;
use std::sync::Arc;

use crate::dsp::{fdn_settings, ReverbSettings};
use crate::params::ReverbParams;

/// Points of the tail envelope (one per editor frame).
const ENVELOPE_POINTS: usize = 240;
/// The envelope's floor, dBFS.
const ENVELOPE_FLOOR_DB: f32 = -90.0;

/// What a drawn decay curve was drawn for: the settings and the sample rate.
type DrawnKey = (ReverbSettings, f32);

/// The layout.
pub struct ReverbLayout {
    params: Arc<ReverbParams>,
    meters: Arc<SharedMeters>,
    /// The design drawn last, at its sample rate, and its curve (redrawn only when either
    /// changes).
    drawn: Option<(DrawnKey, Vec<(f32, f32)>)>,
    envelope: Vec<f32>,
    envelope_at: usize,
}

impl ReverbLayout {
    /// The layout for these parameters and meters.
    pub fn new(params: Arc<ReverbParams>, meters: Arc<SharedMeters>) -> Self {
        Self {
            params,
            meters,
            drawn: None,
            envelope: vec![ENVELOPE_FLOOR_DB; ENVELOPE_POINTS],
            envelope_at: 0,
        }
    }

    /// The decay curve for the current settings: (frequency, RT60 s) pairs.
    fn decay_curve(&mut self, view: &ResponseView, sample_rate_hz: f32) -> &[(f32, f32)] {
        let s = self.params.settings();
        let key = (s, sample_rate_hz);
        if self.drawn.as_ref().map(|d| d.0) != Some(key) {
            let c = FdnCoeffs::design(&fdn_settings(&s), sample_rate_hz);
            let curve = view
                .frequencies(sample_rate_hz)
                .map(|f| (f, c.rt60_s_at(f)))
                .collect();
            self.drawn = Some((key, curve));
        }
        self.drawn.as_ref().map(|d| d.1.as_slice()).unwrap_or(&[])
    }

    /// RT60 against frequency on log–log axes, 0.1–40 s.
    fn decay_display(&mut self, ui: &mut Ui, size: Vec2) {
        let view = ResponseView {
            min_hz: 20.0,
            max_hz: 20_000.0,
            range_db: 1.0,
            num_points: 120,
        };
        let fs = SharedMeters::get(&self.meters.sample_rate_hz);
        let fs = if fs > 0.0 { fs } else { 48_000.0 };
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        shared_gui::probe::record(ui, "display", "decay", rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
        let (lo, hi) = (0.1f32.ln(), 40f32.ln());
        let y_of =
            |t: f32| rect.bottom() - rect.height() * (t.clamp(0.1, 40.0).ln() - lo) / (hi - lo);
        let grid = Stroke::new(1.0, theme::GRID);
        let label = |p: Pos2, text: String| {
            painter.text(
                p,
                egui::Align2::LEFT_BOTTOM,
                text,
                egui::FontId::proportional(10.0),
                theme::GRID_TEXT,
            )
        };
        for t in [0.2f32, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0] {
            let y = y_of(t);
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                grid,
            );
            label(Pos2::new(rect.left() + 2.0, y - 1.0), format!("{t} s"));
        }
        for f in [100.0f32, 1e3, 1e4] {
            let x = view.x_of(rect, f);
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                grid,
            );
            let text = if f >= 1e3 {
                format!("{}k", f / 1e3)
            } else {
                format!("{f}")
            };
            label(Pos2::new(x + 2.0, rect.bottom() - 2.0), text);
        }
        let frozen = self.params.freeze.value();
        let points: Vec<Pos2> = self
            .decay_curve(&view, fs)
            .iter()
            .map(|&(f, t)| Pos2::new(view.x_of(rect, f), y_of(if frozen { 40.0 } else { t })))
            .collect();
        ui.painter_at(rect)
            .add(egui::Shape::line(points, Stroke::new(2.0, theme::ACCENT)));
        if frozen {
            ui.painter_at(rect).text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "FROZEN",
                egui::FontId::proportional(14.0),
                theme::ACCENT,
            );
        }
    }

    /// The wet signal's peak level over the last frames, −90 to 0 dBFS.
    fn envelope_display(&mut self, ui: &mut Ui, size: Vec2) {
        let db = SharedMeters::get(&self.meters.detector_db).max(ENVELOPE_FLOOR_DB);
        self.envelope[self.envelope_at] = db;
        self.envelope_at = (self.envelope_at + 1) % ENVELOPE_POINTS;
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        shared_gui::probe::record(ui, "display", "tail", rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::DISPLAY_BG);
        let y_of = |db: f32| rect.top() + rect.height() * (db / ENVELOPE_FLOOR_DB).clamp(0.0, 1.0);
        for db in [-20.0f32, -40.0, -60.0, -80.0] {
            let y = y_of(db);
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                Pos2::new(rect.left() + 2.0, y - 1.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{db}"),
                egui::FontId::proportional(10.0),
                theme::GRID_TEXT,
            );
        }
        let points: Vec<Pos2> = (0..ENVELOPE_POINTS)
            .map(|i| {
                let v = self.envelope[(self.envelope_at + i) % ENVELOPE_POINTS];
                let x = rect.left() + rect.width() * i as f32 / (ENVELOPE_POINTS - 1) as f32;
                Pos2::new(x, y_of(v))
            })
            .collect();
        painter.add(egui::Shape::line(points, Stroke::new(1.5, theme::ACCENT)));
        painter.text(
            Pos2::new(rect.right() - 4.0, rect.top() + 2.0),
            egui::Align2::RIGHT_TOP,
            "tail",
            egui::FontId::proportional(10.0),
            theme::GRID_TEXT,
        );
    }
}

/// The suite kit (presets, A/B, session) for the editor.
pub fn suite(params: &Arc<ReverbParams>) -> shared_gui::Suite {
    shared_gui::Suite::new(params.clone(), &params.common, crate::preset_kit())
}

/// Creates the editor.
pub fn create(
    params: Arc<ReverbParams>,
    meters: Arc<SharedMeters>,
) -> Option<LatheEditor<ReverbLayout>> {
    let suite = suite(&params);
    shared_gui::create(ReverbLayout::new(params, meters), suite)
}

impl EditorLayout for ReverbLayout {
    const DEFAULT_SIZE: Vec2 = Vec2::new(1040.0, 560.0);
    const MIN_SIZE: Vec2 = Vec2::new(1040.0, 520.0);

    fn title(&self) -> &'static str {
        "Lathe Reverb"
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
        let h = ui.available_height().max(300.0);
        ui.horizontal_top(|ui| {
            level_meter(ui, "IN", get(&m.input_peak_db), get(&m.input_rms_db), h);
            ui.vertical(|ui| {
                let w = ui.available_width() - 60.0;
                ui.horizontal(|ui| {
                    self.decay_display(ui, Vec2::new(0.62 * w, 150.0));
                    self.envelope_display(ui, Vec2::new(0.38 * w - 8.0, 150.0));
                });
                ui.horizontal_top(|ui| {
                    module(
                        ui,
                        "SPACE",
                        |_| {},
                        |ui| {
                            ui.horizontal(|ui| {
                                menu(ui, setter, &p.algorithm, "Algorithm", 84.0);
                                knob(ui, &p.size, setter, "Size");
                                knob(ui, &p.diffusion, setter, "Diffusion");
                                knob(ui, &p.predelay_ms, setter, "Pre-delay");
                                menu(ui, setter, &p.predelay_sync, "Sync", 84.0);
                            });
                            ui.horizontal(|ui| {
                                knob(ui, &p.early_late, setter, "Early/Late");
                                knob(ui, &p.mod_depth_ms, setter, "Mod Depth");
                                knob(ui, &p.mod_rate_hz, setter, "Mod Rate");
                            });
                        },
                    );
                    module(
                        ui,
                        "DECAY",
                        |_| {},
                        |ui| {
                            ui.horizontal(|ui| {
                                knob(ui, &p.decay_s, setter, "Decay");
                                knob(ui, &p.low_mult, setter, "Low ×");
                                knob(ui, &p.low_xover_hz, setter, "Low Xover");
                            });
                            ui.horizontal(|ui| {
                                switch(ui, setter, &p.freeze, "Freeze");
                                knob(ui, &p.high_mult, setter, "High ×");
                                knob(ui, &p.high_xover_hz, setter, "High Xover");
                            });
                        },
                    );
                    module(
                        ui,
                        "WET",
                        |_| {},
                        |ui| {
                            ui.horizontal(|ui| {
                                knob(ui, &p.low_cut_hz, setter, "Low Cut");
                                knob(ui, &p.high_cut_hz, setter, "High Cut");
                                knob(ui, &p.width, setter, "Width");
                            });
                            ui.horizontal(|ui| {
                                knob(ui, &p.duck_db, setter, "Duck");
                                knob(ui, &p.duck_threshold_db, setter, "Threshold");
                                knob(ui, &p.duck_release_ms, setter, "Release");
                            });
                        },
                    );
                    module(
                        ui,
                        "OUTPUT",
                        |_| {},
                        |ui| {
                            ui.horizontal(|ui| {
                                knob(ui, &p.mix, setter, "Mix");
                                knob(ui, &p.output_gain, setter, "Output");
                            });
                            switch(ui, setter, &p.wet_only, "Wet only");
                        },
                    );
                });
            });
            level_meter(ui, "OUT", get(&m.output_peak_db), get(&m.output_rms_db), h);
        });
    }
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    fn make() -> (ReverbLayout, shared_gui::Suite) {
        let params = Arc::new(ReverbParams::default());
        let suite = suite(&params);
        (
            ReverbLayout::new(params, Arc::new(SharedMeters::default())),
            suite,
        )
    }

    #[test]
    fn every_parameter_has_a_control_and_nothing_overlaps_at_any_scale() {
        shared_gui::testing::check_editor(make, &[]);
    }
}

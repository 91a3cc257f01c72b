//! The mastering limiter editor layout (shared-gui): big loudness numbers and the target, the
//! platform table, Learn, gain-reduction history with the ceiling, input/output meters, the
//! monitor selector (with a banner while a simulation is on), and the limiter, output, target
//! and monitor panels.

use egui::{Color32, RichText, Ui, Vec2};
use nice_plug::prelude::*;
use shared_dsp::loudness::targets::PLATFORMS;
use shared_gui::controls::{button, knob, menu, segmented, switch};
use shared_gui::meters::{gr_meter, level_meter, reading_text, GrHistory, METER_WIDTH};
use shared_gui::theme::{self, module};
use shared_gui::{probe, EditorLayout, LatheEditor};
use shared_plugin::meters::SharedMeters;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::meters::{learn_status, LimiterMeters};
use crate::params::{LimiterParams, MonitorParam};

/// Height the panels below the displays take, points.
const PANELS_HEIGHT: f32 = 166.0;
/// Smallest height of the displays, points.
const MIN_DISPLAY_HEIGHT: f32 = 170.0;
/// Width of each big loudness reading, points.
const BIG_NUMBER_WIDTH: f32 = 100.0;
/// Width of the platform table, points.
const PLATFORM_TABLE_WIDTH: f32 = 330.0;

/// The mastering limiter's layout.
pub struct LimiterLayout {
    params: Arc<LimiterParams>,
    meters: Arc<LimiterMeters>,
    history: GrHistory,
    /// The last Learn outcome, in words.
    learn_message: String,
}

impl LimiterLayout {
    /// The layout for these parameters and meters.
    pub fn new(params: Arc<LimiterParams>, meters: Arc<LimiterMeters>) -> Self {
        Self {
            params,
            meters,
            history: GrHistory::new(300),
            learn_message: String::new(),
        }
    }
}

/// The suite kit for the limiter's editor.
pub fn suite(params: &Arc<LimiterParams>) -> shared_gui::Suite {
    shared_gui::Suite::new(params.clone(), &params.common, crate::preset_kit())
}

/// Creates the editor.
pub fn create(
    params: Arc<LimiterParams>,
    meters: Arc<LimiterMeters>,
) -> Option<LatheEditor<LimiterLayout>> {
    let suite = suite(&params);
    shared_gui::create(LimiterLayout::new(params, meters), suite)
}

/// A big number with its caption.
fn big_number(ui: &mut Ui, caption: &str, value: &str, unit: &str) {
    let r = ui.allocate_ui_with_layout(
        Vec2::new(BIG_NUMBER_WIDTH, 60.0),
        egui::Layout::top_down(egui::Align::Center),
        |ui| {
            ui.set_width(BIG_NUMBER_WIDTH);
            ui.label(RichText::new(caption).size(10.0).color(theme::LABEL));
            ui.label(RichText::new(value).size(26.0).strong().color(theme::TEXT));
            ui.label(RichText::new(unit).size(10.0).color(theme::DIM));
        },
    );
    probe::record(ui, "reading", caption, r.response.rect);
}

impl LimiterLayout {
    /// Applies a finished Learn pass to the input gain (through the host) and words it.
    fn follow_learn(&mut self, setter: &ParamSetter) {
        let m = &self.meters;
        let status = m.learn_status.load(Ordering::Acquire);
        let detail = LimiterMeters::get(&m.learn_detail);
        let message = match status {
            learn_status::DONE => {
                let gain = m.learned_gain_db.load(Ordering::Relaxed);
                setter.begin_set_parameter(&self.params.input_db);
                setter.set_parameter(&self.params.input_db, gain);
                setter.end_set_parameter(&self.params.input_db);
                Some(format!("Learnt: input gain {gain:+.1} dB"))
            }
            learn_status::NO_SIGNAL => Some("Learn: nothing heard; play the song through".into()),
            learn_status::OUT_OF_REACH => Some(format!(
                "Learn: +24 dB only reaches {detail:.1} LUFS; raise the mix level"
            )),
            learn_status::ALREADY_LOUDER => Some(format!(
                "Learn: already {detail:.1} LUFS at 0 dB; turn the mix down before the limiter"
            )),
            _ => None,
        };
        if let Some(msg) = message {
            self.learn_message = msg;
            m.learn_status.store(learn_status::IDLE, Ordering::Relaxed);
        }
    }
}

impl EditorLayout for LimiterLayout {
    const DEFAULT_SIZE: Vec2 = Vec2::new(1100.0, 640.0);
    const MIN_SIZE: Vec2 = Vec2::new(1060.0, 600.0);

    fn title(&self) -> &'static str {
        "Lathe Mastering Limiter"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters.levels
    }

    fn bypass(&self) -> &BoolParam {
        &self.params.common.bypass
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        self.follow_learn(setter);
        let p = self.params.clone();
        let m = self.meters.clone();
        let get = SharedMeters::get;
        let lv = &m.levels;
        let gr = get(&lv.gain_db[0]);
        self.history.push(gr);
        let integrated = LimiterMeters::get(&m.integrated_lufs);
        let out_tp = LimiterMeters::get(&m.output_true_peak_dbtp);
        let target = p.target_lufs();

        ui.horizontal_top(|ui| {
            big_number(
                ui,
                "MOMENTARY",
                &reading_text(LimiterMeters::get(&m.momentary_lufs), ""),
                "LUFS",
            );
            big_number(
                ui,
                "SHORT-TERM",
                &reading_text(LimiterMeters::get(&m.short_term_lufs), ""),
                "LUFS",
            );
            big_number(ui, "INTEGRATED", &reading_text(integrated, ""), "LUFS");
            big_number(ui, "TARGET", &format!("{target:.1}"), "LUFS");
            let distance = if integrated.is_finite() {
                format!("{:+.1}", integrated - target)
            } else {
                "–".into()
            };
            big_number(ui, "TO TARGET", &distance, "LU");
            big_number(
                ui,
                "LRA",
                &format!("{:.1}", LimiterMeters::get(&m.lra_lu)),
                "LU",
            );
            let plr = if integrated.is_finite() && out_tp.is_finite() {
                format!("{:.1}", out_tp - integrated)
            } else {
                "–".into()
            };
            big_number(ui, "PLR", &plr, "dB");
            big_number(
                ui,
                "TRUE PEAK IN",
                &reading_text(LimiterMeters::get(&m.input_true_peak_dbtp), ""),
                "dBTP",
            );
            big_number(ui, "TRUE PEAK OUT", &reading_text(out_tp, ""), "dBTP");
        });
        if p.monitor.value() != MonitorParam::Off {
            ui.label(
                RichText::new(format!(
                    "  MONITOR SIMULATION ON: {}  (a monitor only: switch it off before bouncing)  ",
                    p.monitor
                ))
                .color(Color32::BLACK)
                .background_color(Color32::from_rgb(255, 190, 60))
                .strong(),
            );
        }

        let h = (ui.available_height() - PANELS_HEIGHT).max(MIN_DISPLAY_HEIGHT);
        ui.horizontal_top(|ui| {
            level_meter(ui, "IN", get(&lv.input_peak_db), get(&lv.input_rms_db), h);
            gr_meter(ui, "GR", gr, h);
            level_meter(
                ui,
                "OUT",
                get(&lv.output_peak_db),
                get(&lv.output_rms_db),
                h,
            );
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(format!(
                        "Gain reduction · ceiling {:.1} dBTP",
                        p.ceiling_db.value()
                    ))
                    .size(11.0)
                    .color(theme::LABEL),
                );
                let w = ui.available_width() - PLATFORM_TABLE_WIDTH - 12.0 - 3.0 * METER_WIDTH;
                self.history.draw(ui, Vec2::new(w.max(200.0), h - 20.0));
            });
            platforms(ui, integrated, out_tp);
        });

        ui.horizontal_top(|ui| {
            module(
                ui,
                "LIMITER",
                |ui| {
                    switch(ui, setter, &p.auto_release, "Auto release");
                },
                |ui| {
                    ui.horizontal(|ui| {
                        knob(ui, &p.input_db, setter, "Input gain");
                        knob(ui, &p.ceiling_db, setter, "Ceiling");
                        knob(ui, &p.lookahead_ms, setter, "Lookahead");
                        knob(ui, &p.release_ms, setter, "Release");
                        knob(ui, &p.link, setter, "Stereo link");
                    });
                    menu(ui, setter, &p.oversampling, "True-peak oversampling", 150.0);
                },
            );
            module(
                ui,
                "OUTPUT",
                |ui| {
                    switch(ui, setter, &p.dc_filter, "DC filter");
                },
                |ui| {
                    menu(ui, setter, &p.dither, "Dither", 130.0);
                    segmented(ui, setter, &p.bits);
                },
            );
            module(
                ui,
                "TARGET",
                |_| {},
                |ui| {
                    ui.horizontal_top(|ui| {
                        menu(ui, setter, &p.target, "Platform", 120.0);
                        knob(ui, &p.custom_target_lufs, setter, "Custom");
                    });
                    ui.horizontal(|ui| {
                        let learning = m.learn_requested.load(Ordering::Relaxed);
                        let label = if learning {
                            "Stop and set gain"
                        } else {
                            "Learn"
                        };
                        if button(ui, label).clicked() {
                            if learning {
                                m.learn_requested.store(false, Ordering::Relaxed);
                            } else {
                                m.learn_target_lufs.store(target, Ordering::Relaxed);
                                m.learn_requested.store(true, Ordering::Relaxed);
                                self.learn_message =
                                    "Learning: play the song through, then stop".into();
                            }
                        }
                        if button(ui, "Reset meters").clicked() {
                            m.reset_requested.store(true, Ordering::Relaxed);
                        }
                    });
                    ui.set_max_width(230.0);
                    ui.label(
                        RichText::new(&self.learn_message)
                            .size(10.5)
                            .color(theme::DIM),
                    );
                },
            );
            module(
                ui,
                "MONITOR",
                |_| {},
                |ui| {
                    segmented(ui, setter, &p.listen);
                    menu(ui, setter, &p.monitor, "Playback simulation", 150.0);
                },
            );
        });
    }
}

/// The platform table: what each streaming platform would do to this master.
fn platforms(ui: &mut Ui, integrated: f64, out_tp: f64) {
    module(
        ui,
        "PLATFORMS",
        |_| {},
        |ui| {
            ui.set_width(PLATFORM_TABLE_WIDTH - 16.0);
            egui::Grid::new("platforms")
                .striped(true)
                .spacing([8.0, 2.0])
                .show(ui, |ui| {
                    for h in ["platform", "target", "playback", "ceiling"] {
                        ui.label(RichText::new(h).size(10.0).color(theme::DIM));
                    }
                    ui.end_row();
                    for pl in PLATFORMS {
                        let small = |t: String| RichText::new(t).size(11.0);
                        ui.label(small(pl.name.to_string()));
                        ui.label(small(format!("{:.0} LUFS", pl.target_lufs)));
                        match pl.verdict(integrated, out_tp) {
                            Some(v) => {
                                let text = if v.playback_gain_db < -0.05 {
                                    format!("down {:.1} dB", -v.playback_gain_db)
                                } else if v.playback_gain_db > 0.05 {
                                    format!("up {:.1} dB", v.playback_gain_db)
                                } else if v.distance_db > 0.05 {
                                    format!("stays ({:.1} dB quiet)", v.distance_db)
                                } else {
                                    "unchanged".into()
                                };
                                ui.label(small(text));
                                ui.label(small(format!("{:.1} dBTP", v.suggested_ceiling_dbtp)));
                            }
                            None => {
                                ui.label(small("–".into()));
                                ui.label(small(format!("{:.1} dBTP", pl.ceiling_dbtp)));
                            }
                        }
                        ui.end_row();
                    }
                });
        },
    );
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    fn make() -> (LimiterLayout, shared_gui::Suite) {
        let params = Arc::new(LimiterParams::default());
        let suite = suite(&params);
        (
            LimiterLayout::new(params, Arc::new(LimiterMeters::default())),
            suite,
        )
    }

    #[test]
    fn every_parameter_has_a_control_and_nothing_overlaps_at_any_scale() {
        // With and without the monitor banner.
        shared_gui::testing::check_editor(make, &[&[("monitor", 0.0)], &[("monitor", 3.0)]]);
    }
}

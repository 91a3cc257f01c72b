//! The mastering limiter editor layout (shared-gui): big loudness numbers and the target, the
//! platform table, Learn, gain-reduction history with the ceiling, input/output true peak, the
//! monitor selector (with a banner while a simulation is on), every control.

use egui::{Color32, RichText, Ui, Vec2};
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use shared_dsp::loudness::targets::PLATFORMS;
use shared_gui::controls::{choice, row, toggle};
use shared_gui::meters::{gr_meter, level_meter, GrHistory};
use shared_gui::theme::section;
use shared_gui::{EditorLayout, Shell};
use shared_plugin::meters::SharedMeters;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::meters::{learn_status, LimiterMeters};
use crate::params::{LimiterParams, MonitorParam};

/// Default editor width, logical pixels.
pub const EDITOR_WIDTH: u32 = 1080;
/// Default editor height, logical pixels.
pub const EDITOR_HEIGHT: u32 = 620;
/// Height of the displays.
const DISPLAY_HEIGHT: f32 = 180.0;

/// The mastering limiter's layout.
pub struct LimiterLayout {
    params: Arc<LimiterParams>,
    meters: Arc<LimiterMeters>,
    history: GrHistory,
    /// The last Learn outcome, in words.
    learn_message: String,
}

/// The editor's initial size.
pub fn default_state() -> Arc<EguiEditorState> {
    shared_gui::default_state(EDITOR_WIDTH, EDITOR_HEIGHT)
}

/// Creates the editor.
pub fn create(
    state: Arc<EguiEditorState>,
    params: Arc<LimiterParams>,
    meters: Arc<LimiterMeters>,
) -> Option<EguiEditor<Shell<LimiterLayout>>> {
    let suite = shared_gui::Suite {
        params: params.clone(),
        session: params.session.clone(),
        kit: crate::preset_kit(),
    };
    shared_gui::create(
        state,
        LimiterLayout {
            params,
            meters,
            history: GrHistory::new(300),
            learn_message: String::new(),
        },
        suite,
    )
}

/// A loudness value as text ("–" for silence).
fn lufs_text(v: f64) -> String {
    if v.is_finite() && v > -200.0 {
        format!("{v:.1}")
    } else {
        "–".into()
    }
}

/// A big number with its caption.
fn big_number(ui: &mut Ui, caption: &str, value: &str, unit: &str) {
    ui.vertical(|ui| {
        ui.label(RichText::new(caption).small());
        ui.label(RichText::new(value).size(30.0).strong());
        ui.label(RichText::new(unit).small());
    });
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
    fn title(&self) -> &'static str {
        "Lathe Mastering Limiter"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters.levels
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

        ui.horizontal(|ui| {
            toggle(ui, setter, &p.bypass, "Bypass");
            ui.separator();
            ui.label("Listen");
            choice(ui, setter, &p.listen);
            ui.separator();
            ui.label("Monitor");
            choice(ui, setter, &p.monitor);
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

        ui.horizontal_top(|ui| {
            big_number(
                ui,
                "MOMENTARY",
                &lufs_text(LimiterMeters::get(&m.momentary_lufs)),
                "LUFS",
            );
            ui.add_space(12.0);
            big_number(
                ui,
                "SHORT-TERM",
                &lufs_text(LimiterMeters::get(&m.short_term_lufs)),
                "LUFS",
            );
            ui.add_space(12.0);
            big_number(ui, "INTEGRATED", &lufs_text(integrated), "LUFS");
            ui.add_space(12.0);
            big_number(ui, "TARGET", &format!("{target:.1}"), "LUFS");
            ui.add_space(12.0);
            let distance = if integrated.is_finite() {
                format!("{:+.1}", integrated - target)
            } else {
                "–".into()
            };
            big_number(ui, "TO TARGET", &distance, "LU");
            ui.add_space(12.0);
            big_number(
                ui,
                "LRA",
                &format!("{:.1}", LimiterMeters::get(&m.lra_lu)),
                "LU",
            );
            ui.add_space(12.0);
            let plr = if integrated.is_finite() && out_tp.is_finite() {
                format!("{:.1}", out_tp - integrated)
            } else {
                "–".into()
            };
            big_number(ui, "PLR", &plr, "dB");
            ui.add_space(12.0);
            big_number(
                ui,
                "TRUE PEAK IN",
                &lufs_text(LimiterMeters::get(&m.input_true_peak_dbtp)),
                "dBTP",
            );
            ui.add_space(12.0);
            big_number(ui, "TRUE PEAK OUT", &lufs_text(out_tp), "dBTP");
        });

        ui.horizontal_top(|ui| {
            level_meter(
                ui,
                "IN",
                get(&lv.input_peak_db),
                get(&lv.input_rms_db),
                DISPLAY_HEIGHT,
            );
            gr_meter(ui, "GR", gr, DISPLAY_HEIGHT);
            level_meter(
                ui,
                "OUT",
                get(&lv.output_peak_db),
                get(&lv.output_rms_db),
                DISPLAY_HEIGHT,
            );
            ui.vertical(|ui| {
                ui.label(format!(
                    "Gain reduction history · ceiling {:.1} dBTP",
                    p.ceiling_db.value()
                ));
                let w = (ui.available_width() * 0.45).max(200.0);
                self.history.draw(ui, Vec2::new(w, DISPLAY_HEIGHT - 20.0));
            });
            section(ui, "PLATFORMS", |ui| {
                egui::Grid::new("platforms").striped(true).show(ui, |ui| {
                    ui.label("platform");
                    ui.label("target");
                    ui.label("playback");
                    ui.label("ceiling");
                    ui.end_row();
                    for pl in PLATFORMS {
                        ui.label(pl.name);
                        ui.label(format!("{:.0} LUFS", pl.target_lufs));
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
                                ui.label(text);
                                ui.label(format!("{:.1} dBTP", v.suggested_ceiling_dbtp));
                            }
                            None => {
                                ui.label("–");
                                ui.label(format!("{:.1} dBTP", pl.ceiling_dbtp));
                            }
                        }
                        ui.end_row();
                    }
                });
            });
        });

        ui.horizontal_top(|ui| {
            section(ui, "LIMITER", |ui| {
                row(ui, "Input gain", &p.input_db, setter);
                row(ui, "Ceiling", &p.ceiling_db, setter);
                row(ui, "Lookahead", &p.lookahead_ms, setter);
                row(ui, "Release", &p.release_ms, setter);
                toggle(ui, setter, &p.auto_release, "Auto release");
                row(ui, "Stereo link", &p.link, setter);
                row(ui, "Oversampling", &p.oversampling, setter);
            });
            section(ui, "OUTPUT", |ui| {
                row(ui, "Dither", &p.dither, setter);
                row(ui, "Bits", &p.bits, setter);
                toggle(ui, setter, &p.dc_filter, "DC filter");
            });
            section(ui, "TARGET", |ui| {
                row(ui, "Target", &p.target, setter);
                row(ui, "Custom", &p.custom_target_lufs, setter);
                let learning = m.learn_requested.load(Ordering::Relaxed);
                let label = if learning {
                    "Stop and set gain"
                } else {
                    "Learn"
                };
                if ui.button(label).clicked() {
                    if learning {
                        m.learn_requested.store(false, Ordering::Relaxed);
                    } else {
                        m.learn_target_lufs.store(target, Ordering::Relaxed);
                        m.learn_requested.store(true, Ordering::Relaxed);
                        self.learn_message = "Learning: play the song through, then stop".into();
                    }
                }
                if ui.button("Reset meters").clicked() {
                    m.reset_requested.store(true, Ordering::Relaxed);
                }
                ui.label(&self.learn_message);
            });
        });
    }
}

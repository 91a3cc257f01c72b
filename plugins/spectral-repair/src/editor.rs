//! The spectral repair editor layout (shared-gui): the spectrum of input and output (or
//! residual) with the output controls and meters beside it, then one panel per module in
//! signal order, each with its switch, its controls and what it is doing (clip level and
//! samples rebuilt, clicks repaired, plosive gain reduction, hum found, noise floor and
//! reduction). Beside the spectrum, the assistant: **Analyse** listens to what plays (10–30 s),
//! shows what it found and which modules it proposes; **Apply** sets them as one undoable
//! gesture.

use egui::{Color32, RichText, Ui, Vec2};
use nice_plug::prelude::*;
use shared_dsp::repair::assist::{propose, Findings, Proposal, MAX_ANALYSIS_S, MIN_ANALYSIS_S};
use shared_gui::controls::{knob, menu, segmented, switch};
use shared_gui::meters::{level_meter, reading_text, METER_WIDTH};
use shared_gui::spectrum::{draw_spectra, SpectrumAnalyser};
use shared_gui::theme::{self, gr_bar, module};
use shared_gui::{EditorLayout, LatheEditor};
use shared_plugin::meters::SharedMeters;
use shared_plugin::session::GroupedChange;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::assist::{proposal_values, AssistCommand, AssistShared, AssistState};
use crate::meters::RepairMeters;
use crate::params::{OutputParam, RepairParams};

/// Height the module panels below the spectrum take, points.
const PANELS_HEIGHT: f32 = 180.0;
/// Smallest height of the spectrum, points.
const MIN_DISPLAY_HEIGHT: f32 = 200.0;
/// Width of the output panel beside the spectrum, points.
const OUTPUT_PANEL_WIDTH: f32 = 150.0;
/// Width of a module's activity text, points.
const ACTIVITY_WIDTH: f32 = 130.0;
/// Width of the assistant's panel beside the spectrum, points.
const ASSIST_PANEL_WIDTH: f32 = 200.0;

/// The spectral repair layout.
pub struct RepairLayout {
    params: Arc<RepairParams>,
    meters: Arc<RepairMeters>,
    assist: Arc<AssistShared>,
    input_spectrum: SpectrumAnalyser,
    output_spectrum: SpectrumAnalyser,
    /// The assistant's proposal, once Apply was pressed, for the shell to set.
    apply: Option<GroupedChange>,
}

impl RepairLayout {
    /// The layout for these parameters, meters and assistant exchange.
    pub fn new(
        params: Arc<RepairParams>,
        meters: Arc<RepairMeters>,
        assist: Arc<AssistShared>,
    ) -> Self {
        Self {
            params,
            meters,
            assist,
            input_spectrum: SpectrumAnalyser::default(),
            output_spectrum: SpectrumAnalyser::default(),
            apply: None,
        }
    }
}

/// The suite kit for the spectral repair editor.
pub fn suite(params: &Arc<RepairParams>) -> shared_gui::Suite {
    shared_gui::Suite::new(params.clone(), &params.common, crate::preset_kit())
}

/// Creates the editor.
pub fn create(
    params: Arc<RepairParams>,
    meters: Arc<RepairMeters>,
    assist: Arc<AssistShared>,
) -> Option<LatheEditor<RepairLayout>> {
    let suite = suite(&params);
    shared_gui::create(RepairLayout::new(params, meters, assist), suite)
}

/// The modules a proposal switches on, in words ("De-click, De-hum 50 Hz").
fn proposal_text(p: &Proposal) -> String {
    let mut names = Vec::new();
    if p.declip.is_some() {
        names.push("De-clip".to_string());
    }
    if p.declick.is_some() {
        names.push("De-click".to_string());
    }
    if p.deplosive.is_some() {
        names.push("De-plosive".to_string());
    }
    if let Some(d) = p.dehum {
        names.push(match d.base {
            shared_dsp::repair::dehum::HumBase::Hz50 => "De-hum 50 Hz".to_string(),
            shared_dsp::repair::dehum::HumBase::Hz60 => "De-hum 60 Hz".to_string(),
            shared_dsp::repair::dehum::HumBase::Auto => "De-hum".to_string(),
        });
    }
    if p.denoise.is_some() {
        names.push("De-noise".to_string());
    }
    if names.is_empty() {
        "nothing to repair".to_string()
    } else {
        names.join(", ")
    }
}

/// The findings in a few short lines.
fn findings_text(f: &Findings) -> String {
    let hum = if f.hum_present_share > 0.0 && f.hum_base_hz > 0.0 {
        format!(
            "hum {:.2} Hz, {}",
            f.hum_base_hz,
            reading_text(f64::from(f.hum_level_db), "dBFS")
        )
    } else {
        "no hum".to_string()
    };
    format!(
        "{:.2} clicks/s · {:.1} plosives/min\nclipped {:.3} % at {}\n{hum}\nnoise {} ({} re programme)",
        f.clicks_per_s,
        f.plosives_per_min,
        100.0 * f.clipped_share,
        reading_text(f64::from(f.clip_level_db), "dBFS"),
        reading_text(f64::from(f.noise_floor_db), "dBFS"),
        reading_text(f64::from(f.noise_below_programme_db()), "dB"),
    )
}

/// A module's activity line (lit while the module is on).
fn activity(ui: &mut Ui, on: bool, text: String) {
    let colour = if on { theme::ACCENT } else { Color32::GRAY };
    ui.allocate_ui(Vec2::new(ACTIVITY_WIDTH, 28.0), |ui| {
        ui.set_max_width(ACTIVITY_WIDTH);
        ui.label(RichText::new(text).color(colour).size(10.0));
    });
}

/// The assistant's panel; Apply leaves the proposal in `apply` for the shell.
fn assistant(
    ui: &mut Ui,
    assist: &AssistShared,
    params: &RepairParams,
    apply_to: &mut Option<GroupedChange>,
) {
    let state = assist.state();
    let f = assist.findings();
    let running = state == AssistState::Running;
    let ready = state != AssistState::Idle && f.seconds >= MIN_ANALYSIS_S;
    let mut apply = false;
    module(
        ui,
        "ASSISTANT",
        |_| {},
        |ui| {
            ui.set_width(ASSIST_PANEL_WIDTH);
            ui.horizontal(|ui| {
                let label = if running { "Stop" } else { "Analyse" };
                let analyse = ui.button(label);
                shared_gui::probe::record(ui, "button", "analyse", analyse.rect);
                if analyse.clicked() {
                    assist.request(if running {
                        AssistCommand::Stop
                    } else {
                        AssistCommand::Start
                    });
                }
                let apply_button = ui
                    .add_enabled(ready, egui::Button::new("Apply"))
                    .on_hover_text("Switch on what is proposed (one undo step)");
                shared_gui::probe::record(ui, "button", "apply", apply_button.rect);
                apply = apply_button.clicked();
            });
            let status = match state {
                AssistState::Idle => format!(
                    "Play {MIN_ANALYSIS_S:.0}–{MAX_ANALYSIS_S:.0} s of the material, then Analyse"
                ),
                AssistState::Running if !ready => {
                    format!("listening… {:.1} s (needs {MIN_ANALYSIS_S:.0})", f.seconds)
                }
                AssistState::Running => format!("listening… {:.1} s", f.seconds),
                AssistState::Done if !ready => format!(
                    "only {:.1} s heard: analyse at least {MIN_ANALYSIS_S:.0} s",
                    f.seconds
                ),
                AssistState::Done => format!("{:.1} s analysed", f.seconds),
            };
            ui.label(RichText::new(status).size(10.0));
            if state != AssistState::Idle {
                ui.label(RichText::new(findings_text(&f)).size(10.0));
                let proposal = if ready {
                    proposal_text(&propose(&f))
                } else {
                    "…".to_string()
                };
                ui.label(
                    RichText::new(format!("proposes: {proposal}"))
                        .color(theme::ACCENT)
                        .size(10.0),
                );
            }
        },
    );
    if apply {
        *apply_to = Some(GroupedChange {
            label: "assistant".to_string(),
            values: proposal_values(params, &propose(&f)),
        });
    }
    if running {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}

impl RepairLayout {
    fn modules(&self, ui: &mut Ui, setter: &ParamSetter) {
        let p = &self.params;
        let m = &self.meters;
        let load = |v: &atomic_float::AtomicF32| v.load(Ordering::Relaxed);
        ui.horizontal_top(|ui| {
            module(
                ui,
                "1 DE-CLIP",
                |ui| {
                    switch(ui, setter, &p.declip_on, "");
                },
                |ui| {
                    switch(ui, setter, &p.declip_auto, "Auto level");
                    ui.horizontal(|ui| {
                        knob(ui, &p.declip_level_db, setter, "Level");
                        knob(ui, &p.declip_gain_db, setter, "Output");
                    });
                    activity(
                        ui,
                        p.declip_on.value(),
                        format!(
                            "clip level {}\n{:.0} samples/s rebuilt",
                            reading_text(f64::from(load(&m.clip_level_db)), "dBFS"),
                            load(&m.declipped_per_s)
                        ),
                    );
                },
            );
            module(
                ui,
                "2 DE-CLICK",
                |ui| {
                    switch(ui, setter, &p.declick_on, "");
                },
                |ui| {
                    ui.add_space(shared_gui::controls::ROW_HEIGHT + 4.0);
                    ui.horizontal(|ui| {
                        knob(ui, &p.declick_sensitivity, setter, "Sensitivity");
                        knob(ui, &p.declick_max_ms, setter, "Max length");
                    });
                    activity(
                        ui,
                        p.declick_on.value(),
                        format!(
                            "{:.1} clicks/s\n{} in all",
                            load(&m.clicks_per_s),
                            m.clicks_total.load(Ordering::Relaxed)
                        ),
                    );
                },
            );
            module(
                ui,
                "3 DE-PLOSIVE",
                |ui| {
                    switch(ui, setter, &p.deplosive_on, "");
                    gr_bar(ui, SharedMeters::get(&m.levels.gain_db[0]), 24.0);
                },
                |ui| {
                    ui.add_space(shared_gui::controls::ROW_HEIGHT + 4.0);
                    ui.horizontal(|ui| {
                        knob(ui, &p.deplosive_sensitivity, setter, "Sensitivity");
                        knob(ui, &p.deplosive_freq_hz, setter, "Below");
                        knob(ui, &p.deplosive_strength_db, setter, "Strength");
                    });
                    activity(
                        ui,
                        p.deplosive_on.value(),
                        format!("{} plosives", m.plosives_total.load(Ordering::Relaxed)),
                    );
                },
            );
            module(
                ui,
                "4 DE-HUM",
                |ui| {
                    switch(ui, setter, &p.dehum_on, "");
                },
                |ui| {
                    segmented(ui, setter, &p.dehum_base);
                    ui.horizontal(|ui| {
                        knob(ui, &p.dehum_harmonics, setter, "Harmonics");
                        switch(ui, setter, &p.dehum_track_drift, "Follow drift");
                    });
                    activity(
                        ui,
                        p.dehum_on.value(),
                        format!(
                            "hum {}\nat {:.2} Hz",
                            reading_text(f64::from(load(&m.hum_level_db)), "dBFS"),
                            load(&m.hum_base_hz)
                        ),
                    );
                },
            );
            module(
                ui,
                "5 DE-NOISE",
                |ui| {
                    switch(ui, setter, &p.denoise_on, "");
                    switch(ui, setter, &p.denoise_learn, "Learn");
                },
                |ui| {
                    ui.horizontal(|ui| {
                        segmented(ui, setter, &p.denoise_mode);
                        switch(ui, setter, &p.denoise_keep_transients, "Keep transients");
                    });
                    ui.horizontal_top(|ui| {
                        knob(ui, &p.denoise_reduction_db, setter, "Reduction");
                        knob(ui, &p.denoise_smoothing, setter, "Smoothing");
                        ui.vertical(|ui| {
                            menu(ui, setter, &p.denoise_fft, "FFT size", 80.0);
                            menu(ui, setter, &p.denoise_overlap, "Overlap", 80.0);
                        });
                    });
                    let profile = if m.has_noise_profile.load(Ordering::Relaxed) {
                        "profile learned"
                    } else {
                        "no profile yet"
                    };
                    activity(
                        ui,
                        p.denoise_on.value(),
                        format!(
                            "floor {}, −{:.1} dB\n{profile}",
                            reading_text(f64::from(load(&m.noise_floor_db)), "dBFS"),
                            load(&m.noise_reduction_db)
                        ),
                    );
                },
            );
        });
    }
}

impl EditorLayout for RepairLayout {
    const DEFAULT_SIZE: Vec2 = Vec2::new(1120.0, 600.0);
    const MIN_SIZE: Vec2 = Vec2::new(1060.0, 560.0);

    fn title(&self) -> &'static str {
        "Lathe Spectral Repair"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters.levels
    }

    fn bypass(&self) -> &BoolParam {
        &self.params.common.bypass
    }

    fn opened(&mut self) {
        self.meters.taps.wanted.store(true, Ordering::Relaxed);
    }

    fn closed(&mut self) {
        self.meters.taps.wanted.store(false, Ordering::Relaxed);
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let m = self.meters.clone();
        let p = self.params.clone();
        self.input_spectrum.update(&m.taps.input);
        self.output_spectrum.update(&m.taps.output);
        let residual = p.output.value() == OutputParam::Residual;
        let sr = SharedMeters::get(&m.levels.sample_rate_hz);
        let h = (ui.available_height() - PANELS_HEIGHT).max(MIN_DISPLAY_HEIGHT);
        ui.horizontal_top(|ui| {
            let w = ui.available_width()
                - ASSIST_PANEL_WIDTH
                - OUTPUT_PANEL_WIDTH
                - 2.0 * (METER_WIDTH + 6.0)
                - 40.0;
            draw_spectra(
                ui,
                Vec2::new(w.max(300.0), h),
                sr,
                &[
                    (&self.input_spectrum, Color32::from_gray(140), "input"),
                    (
                        &self.output_spectrum,
                        theme::CURVE,
                        if residual { "residual" } else { "output" },
                    ),
                ],
            );
            assistant(ui, &self.assist, &p, &mut self.apply);
            module(
                ui,
                "OUTPUT",
                |_| {},
                |ui| {
                    segmented(ui, setter, &p.output);
                    ui.horizontal(|ui| {
                        knob(ui, &p.mix, setter, "Mix");
                        knob(ui, &p.output_gain, setter, "Output");
                    });
                },
            );
            let g = SharedMeters::get;
            level_meter(
                ui,
                "IN",
                g(&m.levels.input_peak_db),
                g(&m.levels.input_rms_db),
                h,
            );
            level_meter(
                ui,
                "OUT",
                g(&m.levels.output_peak_db),
                g(&m.levels.output_rms_db),
                h,
            );
        });
        self.modules(ui, setter);
    }

    fn take_grouped_change(&mut self) -> Option<GroupedChange> {
        self.apply.take()
    }
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    fn make() -> (RepairLayout, shared_gui::Suite) {
        let params = Arc::new(RepairParams::default());
        let suite = suite(&params);
        (
            RepairLayout::new(
                params,
                Arc::new(RepairMeters::default()),
                Arc::new(AssistShared::default()),
            ),
            suite,
        )
    }

    #[test]
    fn every_parameter_has_a_control_and_nothing_overlaps_at_any_scale() {
        shared_gui::testing::check_editor(make, &[]);
    }

    #[test]
    fn analyse_asks_the_audio_thread_and_apply_sets_the_proposal_through_the_host() {
        use shared_dsp::repair::assist::Findings;
        use shared_plugin::testing::{FakeHost, HostEvent};
        let (layout, suite) = make();
        let (p, assist) = (layout.params.clone(), layout.assist.clone());
        let mut rig =
            shared_gui::testing::EditorRig::new(layout, suite, RepairLayout::DEFAULT_SIZE, 1.0);
        let centre = |placed: &[shared_gui::probe::Placed], name: &str| {
            placed
                .iter()
                .find(|q| q.kind == "button" && q.name == name)
                .unwrap_or_else(|| panic!("no {name} button"))
                .rect
                .center()
        };
        let placed = rig.frame();
        rig.click(centre(&placed, "analyse"));
        assert_eq!(assist.take_request(), AssistCommand::Start);
        // Apply does nothing before 10 s were heard.
        let short = Findings {
            seconds: 4.0,
            clicks_per_s: 3.0,
            gentle_clicks_per_s: 3.0,
            ..Findings::default()
        };
        assist.publish(AssistState::Running, &short);
        let placed = rig.frame();
        rig.take_events();
        rig.click(centre(&placed, "apply"));
        assert!(rig.take_events().is_empty());
        // The analysis ends with clicks found: Apply switches the de-click on (at the gentler
        // sensitivity the findings call for) and nothing else, as host gestures.
        assist.publish(
            AssistState::Done,
            &Findings {
                seconds: 20.0,
                programme_rms_db: -20.0,
                noise_floor_db: -90.0,
                ..short
            },
        );
        let placed = rig.frame();
        rig.click(centre(&placed, "apply"));
        let events = rig.take_events();
        let touched = FakeHost::touched(&events);
        assert!(touched.contains(&"dck_on".to_string()), "{events:?}");
        assert!(events.contains(&HostEvent::End("dck_on".into())));
        let s = p.settings();
        assert!(s.declick_on && !s.denoise_on && !s.dehum_on && !s.declip_on);
        assert!((s.declick.sensitivity - 30.0).abs() < 1e-3);
    }
}

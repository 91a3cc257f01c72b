//! The channel strip editor layout (shared-gui): an EQ display with a node per band and
//! filter (drag for frequency and gain, wheel for Q, click for on/off) over the live spectrum,
//! then the modules in signal order, each with its switch, its knobs and its gain-reduction
//! meter.

use egui::{Stroke, Ui, Vec2};
use nice_plug::prelude::*;
use shared_gui::controls::{knob, menu, segmented, switch};
use shared_gui::meters::{level_meter, METER_WIDTH};
use shared_gui::spectrum::{paint_behind, SpectrumAnalyser};
use shared_gui::theme::{self, gr_bar, module};
use shared_gui::views::{EqNode, ResponseView};
use shared_gui::{EditorLayout, LatheEditor};
use shared_plugin::meters::{SharedMeters, SpectrumTaps};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::dsp::{eq_band_coeffs, EqShape};
use crate::params::{ChannelStripParams, EqBandParams, OrderParam};
use shared_dsp::filter::butterworth::ButterworthCoeffs;

/// Sample rate the curve is drawn for when the plugin has not been activated yet.
const DEFAULT_CURVE_SAMPLE_RATE: f32 = 48000.0;
/// Height the module rows below the EQ display take, points.
const MODULE_ROWS_HEIGHT: f32 = 372.0;
/// Smallest height of the EQ display, points.
const MIN_DISPLAY_HEIGHT: f32 = 150.0;
/// Full scale of the gate and compressor gain-reduction bars, dB.
const GR_FULL_SCALE_DB: f32 = 24.0;

/// The channel strip's layout.
pub struct StripLayout {
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
    taps: Arc<SpectrumTaps>,
    input_spectrum: SpectrumAnalyser,
    output_spectrum: SpectrumAnalyser,
}

impl StripLayout {
    /// The layout for these parameters, meters and spectrum taps.
    pub fn new(
        params: Arc<ChannelStripParams>,
        meters: Arc<SharedMeters>,
        taps: Arc<SpectrumTaps>,
    ) -> Self {
        Self {
            params,
            meters,
            taps,
            input_spectrum: SpectrumAnalyser::default(),
            output_spectrum: SpectrumAnalyser::default(),
        }
    }
}

/// The suite kit for the channel strip's editor.
pub fn suite(params: &Arc<ChannelStripParams>) -> shared_gui::Suite {
    shared_gui::Suite::new(params.clone(), &params.common, crate::preset_kit())
}

/// The layout and suite for a fresh set of parameters, with meters and taps nothing writes:
/// an editor to draw headless (tests, the frame benchmark).
pub fn headless() -> (StripLayout, shared_gui::Suite) {
    let params = Arc::new(ChannelStripParams::default());
    let suite = suite(&params);
    let layout = StripLayout::new(
        params,
        Arc::new(SharedMeters::default()),
        Arc::new(SpectrumTaps::default()),
    );
    (layout, suite)
}

/// Creates the editor.
pub fn create(
    params: Arc<ChannelStripParams>,
    meters: Arc<SharedMeters>,
    taps: Arc<SpectrumTaps>,
) -> Option<LatheEditor<StripLayout>> {
    let suite = suite(&params);
    shared_gui::create(StripLayout::new(params, meters, taps), suite)
}

impl EditorLayout for StripLayout {
    const DEFAULT_SIZE: Vec2 = Vec2::new(1180.0, 680.0);
    const MIN_SIZE: Vec2 = Vec2::new(1100.0, 640.0);

    fn title(&self) -> &'static str {
        "Lathe Channel Strip"
    }

    fn meters(&self) -> &SharedMeters {
        &self.meters
    }

    fn bypass(&self) -> &BoolParam {
        &self.params.common.bypass
    }

    fn opened(&mut self) {
        self.taps.wanted.store(true, Ordering::Relaxed);
    }

    fn closed(&mut self) {
        self.taps.wanted.store(false, Ordering::Relaxed);
    }

    fn draw(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        self.input_spectrum.update(&self.taps.input);
        self.output_spectrum.update(&self.taps.output);
        let p = self.params.clone();
        let get = SharedMeters::get;
        let meters = self.meters.clone();
        let m = &*meters;
        let sample_rate = match get(&m.sample_rate_hz) {
            sr if sr > 0.0 => sr,
            _ => DEFAULT_CURVE_SAMPLE_RATE,
        };
        let display_h = (ui.available_height() - MODULE_ROWS_HEIGHT).max(MIN_DISPLAY_HEIGHT);
        ui.horizontal(|ui| {
            let w = ui.available_width() - 2.0 * (METER_WIDTH + 6.0);
            self.eq_display(ui, setter, Vec2::new(w, display_h), sample_rate);
            level_meter(
                ui,
                "IN",
                get(&m.input_peak_db),
                get(&m.input_rms_db),
                display_h,
            );
            level_meter(
                ui,
                "OUT",
                get(&m.output_peak_db),
                get(&m.output_rms_db),
                display_h,
            );
        });
        flow(ui, &p);
        ui.horizontal_top(|ui| {
            module(
                ui,
                "FILTERS",
                |ui| {
                    switch(ui, setter, &p.hpf_on, "HPF");
                    switch(ui, setter, &p.lpf_on, "LPF");
                },
                |ui| {
                    ui.horizontal(|ui| {
                        knob(ui, &p.hpf_freq_hz, setter, "HPF");
                        knob(ui, &p.hpf_slope, setter, "HPF slope");
                        knob(ui, &p.lpf_freq_hz, setter, "LPF");
                        knob(ui, &p.lpf_slope, setter, "LPF slope");
                    });
                },
            );
            for (i, band) in p.bands().into_iter().enumerate() {
                eq_band(ui, setter, &p, i, band);
            }
        });
        ui.horizontal_top(|ui| {
            module(
                ui,
                "INPUT",
                |_| {},
                |ui| {
                    switch(ui, setter, &p.polarity, "Ø Polarity");
                    knob(ui, &p.trim, setter, "Trim");
                    menu(ui, setter, &p.order, "Order", 100.0);
                },
            );
            module(
                ui,
                "GATE",
                |ui| {
                    switch(ui, setter, &p.gate_on, "On");
                    gr_bar(ui, get(&m.gain_db[0]), GR_FULL_SCALE_DB);
                },
                |ui| {
                    ui.horizontal(|ui| {
                        segmented(ui, setter, &p.gate_mode);
                        switch(ui, setter, &p.gate_key_on, "Key filter");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.gate_threshold_db, setter, "Threshold");
                        knob(ui, &p.gate_range_db, setter, "Range");
                        knob(ui, &p.gate_ratio, setter, "Ratio");
                        knob(ui, &p.gate_hysteresis_db, setter, "Hysteresis");
                        knob(ui, &p.gate_key_hpf_hz, setter, "Key HPF");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.gate_attack_ms, setter, "Attack");
                        knob(ui, &p.gate_hold_ms, setter, "Hold");
                        knob(ui, &p.gate_release_ms, setter, "Release");
                        ui.add_space(shared_gui::controls::KNOB_SIZE.x + 6.0);
                        knob(ui, &p.gate_key_lpf_hz, setter, "Key LPF");
                    });
                },
            );
            module(
                ui,
                "COMPRESSOR",
                |ui| {
                    switch(ui, setter, &p.comp_on, "On");
                    gr_bar(ui, get(&m.gain_db[1]), GR_FULL_SCALE_DB);
                },
                |ui| {
                    ui.horizontal(|ui| {
                        segmented(ui, setter, &p.comp_detector);
                        switch(ui, setter, &p.comp_auto_makeup, "Auto gain");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.comp_threshold_db, setter, "Threshold");
                        knob(ui, &p.comp_ratio, setter, "Ratio");
                        knob(ui, &p.comp_knee_db, setter, "Knee");
                        knob(ui, &p.comp_sc_hpf_hz, setter, "SC HPF");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.comp_attack_ms, setter, "Attack");
                        knob(ui, &p.comp_release_ms, setter, "Release");
                        knob(ui, &p.comp_makeup, setter, "Make-up");
                    });
                },
            );
            module(
                ui,
                "SATURATION",
                |ui| {
                    switch(ui, setter, &p.sat_on, "On");
                },
                |ui| {
                    segmented(ui, setter, &p.sat_curve);
                    ui.horizontal(|ui| {
                        knob(ui, &p.sat_drive_db, setter, "Drive");
                        knob(ui, &p.sat_mix, setter, "Mix");
                    });
                    ui.label(
                        egui::RichText::new("4× oversampled")
                            .size(10.0)
                            .color(theme::DIM),
                    );
                },
            );
            module(
                ui,
                "OUTPUT",
                |_| {},
                |ui| {
                    segmented(ui, setter, &p.output_mode);
                    ui.horizontal(|ui| {
                        knob(ui, &p.pan, setter, "Pan");
                        knob(ui, &p.width, setter, "Width");
                    });
                    ui.horizontal(|ui| {
                        knob(ui, &p.output_gain, setter, "Output");
                    });
                },
            );
        });
    }
}

impl StripLayout {
    /// The EQ display: spectrum (input grey, output blue) behind the filter and band curves,
    /// a node per band and filter.
    fn eq_display(&mut self, ui: &mut Ui, setter: &ParamSetter, size: Vec2, sample_rate: f32) {
        let p = self.params.clone();
        let view = ResponseView::default();
        let (input, output) = (&self.input_spectrum, &self.output_spectrum);
        let rect = view.frame(ui, size, |painter, rect| {
            let x_of = |f: f32| view.x_of(rect, f);
            paint_behind(painter, rect, input, sample_rate, x_of, theme::GRID_TEXT);
            paint_behind(painter, rect, output, sample_rate, x_of, theme::CURVE);
        });
        let s = p.settings();
        // Each band's own curve, thin, in its colour; the sum thick on top.
        for (i, b) in s.eq.iter().enumerate() {
            if b.on && b.gain_db != 0.0 {
                let c = eq_band_coeffs(sample_rate, b.shape, b.freq_hz, b.q, b.gain_db);
                view.curve(
                    ui,
                    rect,
                    sample_rate,
                    Stroke::new(1.0, theme::BANDS[i].gamma_multiply(0.7)),
                    |f| c.magnitude_db(f),
                );
            }
        }
        let filters = CurveFilters::new(&p, sample_rate);
        view.curve(ui, rect, sample_rate, Stroke::new(2.0, theme::TEXT), |f| {
            filters.response_db(f)
        });
        let nodes = eq_nodes(&p);
        view.nodes(ui, rect, &nodes, setter);
    }
}

/// The EQ display's nodes: HPF, bands 1–4, LPF.
pub fn eq_nodes(p: &ChannelStripParams) -> Vec<EqNode<'_>> {
    let mut nodes = vec![EqNode {
        label: "HP",
        name: "High-pass",
        freq: &p.hpf_freq_hz,
        gain: None,
        q: Some(&p.hpf_slope),
        on: &p.hpf_on,
        colour: theme::BANDS[5],
    }];
    const LABELS: [&str; 4] = ["1", "2", "3", "4"];
    const NAMES: [&str; 4] = ["Band 1", "Band 2", "Band 3", "Band 4"];
    for (i, b) in p.bands().into_iter().enumerate() {
        nodes.push(EqNode {
            label: LABELS[i],
            name: NAMES[i],
            freq: &b.freq_hz,
            gain: Some(&b.gain_db),
            q: Some(&b.q),
            on: &b.on,
            colour: theme::BANDS[i],
        });
    }
    nodes.push(EqNode {
        label: "LP",
        name: "Low-pass",
        freq: &p.lpf_freq_hz,
        gain: None,
        q: Some(&p.lpf_slope),
        on: &p.lpf_on,
        colour: theme::BANDS[5],
    });
    nodes
}

/// The signal flow in words, following the order parameter.
fn flow(ui: &mut Ui, p: &ChannelStripParams) {
    let chain = match p.order.value() {
        OrderParam::EqThenDynamics => "IN › TRIM › FILTERS › EQ › GATE › COMP › SAT › OUT",
        OrderParam::DynamicsThenEq => "IN › TRIM › FILTERS › GATE › COMP › EQ › SAT › OUT",
    };
    ui.label(
        egui::RichText::new(format!("Signal flow: {chain}"))
            .size(10.5)
            .color(theme::DIM),
    );
}

/// One EQ band's panel: its switch, shape (bands 1 and 4) and knobs.
fn eq_band(ui: &mut Ui, setter: &ParamSetter, p: &ChannelStripParams, i: usize, b: &EqBandParams) {
    const TITLES: [&str; 4] = ["BAND 1", "BAND 2", "BAND 3", "BAND 4"];
    module(
        ui,
        TITLES[i],
        |ui| {
            switch(ui, setter, &b.on, "");
            match i {
                0 => {
                    segmented(ui, setter, &p.eq1_shape);
                }
                3 => {
                    segmented(ui, setter, &p.eq4_shape);
                }
                _ => {}
            }
        },
        |ui| {
            ui.horizontal(|ui| {
                knob(ui, &b.freq_hz, setter, "Freq");
                knob(ui, &b.gain_db, setter, "Gain");
                knob(ui, &b.q, setter, "Q");
            });
        },
    );
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

#[cfg(test)]
mod editor_tests {
    use super::*;
    use shared_gui::testing::{check_editor, EditorRig};
    use shared_plugin::testing::{FakeHost, HostEvent};

    fn make() -> (StripLayout, shared_gui::Suite) {
        headless()
    }

    #[test]
    fn every_parameter_has_a_control_and_nothing_overlaps_at_any_scale() {
        check_editor(make, &[]);
    }

    /// The EQ display's rectangle in a frame.
    fn display_rect(placed: &[shared_gui::probe::Placed]) -> egui::Rect {
        placed
            .iter()
            .find(|p| p.kind == "display" && p.name == "response")
            .expect("the EQ display")
            .rect
    }

    #[test]
    fn dragging_a_node_moves_exactly_its_bands_frequency_and_gain() {
        let (layout, suite) = make();
        let p = layout.params.clone();
        let mut rig = EditorRig::new(layout, suite, StripLayout::DEFAULT_SIZE, 1.0);
        rig.frame();
        let rect = display_rect(&rig.frame());
        let view = ResponseView::default();
        let nodes = eq_nodes(&p);
        let from = view.node_pos(rect, &nodes[2]); // band 2
        let (f0, g0) = (p.eq2.freq_hz.value(), p.eq2.gain_db.value());
        rig.take_events();
        // Right by 100 pt and up by 40 pt.
        let to = from + Vec2::new(100.0, -40.0);
        rig.drag(from, to, 10, egui::Modifiers::NONE);
        let events = rig.take_events();
        assert_eq!(
            FakeHost::touched(&events),
            vec!["eq2_freq".to_string(), "eq2_gain".to_string()],
            "{events:?}"
        );
        for id in ["eq2_freq", "eq2_gain"] {
            let begins = events
                .iter()
                .filter(|e| **e == HostEvent::Begin(id.into()))
                .count();
            let ends = events
                .iter()
                .filter(|e| **e == HostEvent::End(id.into()))
                .count();
            assert_eq!((begins, ends), (1, 1), "{id}: one gesture");
        }
        // The values the inverse maps give for the node's new position.
        let want_f = view.freq_at(rect, view.x_of(rect, f0) + 100.0);
        let want_g = view.db_at(rect, view.y_of(rect, g0) - 40.0);
        let (f1, g1) = (p.eq2.freq_hz.value(), p.eq2.gain_db.value());
        assert!((f1 / want_f - 1.0).abs() < 0.01, "{f1} Hz, want {want_f}");
        assert!((g1 - want_g).abs() < 0.01 * 48.0, "{g1} dB, want {want_g}");
        assert!(g1 > 5.0, "40 pt up is several dB: {g1}");

        // The wheel over the node changes its Q only; a click switches it, only it.
        let at = view.node_pos(rect, &eq_nodes(&p)[2]);
        rig.rig.move_to(at);
        rig.frame();
        rig.rig.wheel(1.0, egui::Modifiers::NONE);
        rig.frame();
        let events = rig.take_events();
        assert_eq!(FakeHost::touched(&events), vec!["eq2_q".to_string()]);
        let on = p.eq2.on.value();
        rig.click(at);
        assert_eq!(
            FakeHost::touched(&rig.take_events()),
            vec!["eq2_on".to_string()]
        );
        assert_eq!(p.eq2.on.value(), !on);
    }

    #[test]
    fn the_filter_nodes_move_sideways_only() {
        let (layout, suite) = make();
        let p = layout.params.clone();
        let mut rig = EditorRig::new(layout, suite, StripLayout::DEFAULT_SIZE, 1.0);
        rig.frame();
        let rect = display_rect(&rig.frame());
        let view = ResponseView::default();
        let from = view.node_pos(rect, &eq_nodes(&p)[0]);
        rig.take_events();
        rig.drag(
            from,
            from + Vec2::new(60.0, -50.0),
            6,
            egui::Modifiers::NONE,
        );
        let events = rig.take_events();
        assert_eq!(FakeHost::touched(&events), vec!["hpf_freq".to_string()]);
    }
}

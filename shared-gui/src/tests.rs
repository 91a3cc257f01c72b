//! The kit's controls driven headless through a stand-in host: what the host receives for a
//! drag, the wheel, a double-click, a typed value, a switch and a segment.

use crate::controls::{knob, segmented, switch, KNOB_DRAG_PT};
use crate::probe::{self, Placed};
use crate::testing::Rig;
use egui::{Modifiers, Pos2, Rect, Vec2};
use nice_plug::prelude::*;
use shared_plugin::testing::{FakeHost, HostEvent};
use std::sync::Arc;

#[derive(Params)]
struct P {
    #[id = "thr"]
    thr: FloatParam,
    #[id = "freq"]
    freq: FloatParam,
    #[id = "ratio"]
    ratio: IntParam,
    #[id = "on"]
    on: BoolParam,
    #[id = "mode"]
    mode: IntParam,
}

impl Default for P {
    fn default() -> Self {
        Self {
            thr: FloatParam::new(
                "Threshold",
                -10.0,
                FloatRange::Linear {
                    min: -40.0,
                    max: 0.0,
                },
            )
            .with_unit(" dB"),
            freq: FloatParam::new(
                "Frequency",
                1000.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 20000.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_unit(" Hz")
            .with_string_to_value(formatters::s2v_f32_hz_then_khz()),
            ratio: IntParam::new("Ratio", 4, IntRange::Linear { min: 1, max: 20 }),
            on: BoolParam::new("On", false),
            mode: IntParam::new("Mode", 0, IntRange::Linear { min: 0, max: 2 }),
        }
    }
}

/// A small layout of every kind of control, driven headless.
struct Kit {
    rig: Rig,
    params: Arc<P>,
    host: Arc<FakeHost>,
}

impl Kit {
    fn new(size: Vec2, zoom: f32) -> Self {
        let params = Arc::new(P::default());
        let host = FakeHost::new(params.clone(), false);
        Self {
            rig: Rig::new(size, zoom),
            params,
            host,
        }
    }

    fn frame(&mut self) -> Vec<Placed> {
        let (params, host) = (self.params.clone(), self.host.clone());
        self.rig.frame(|ui| {
            let setter = ParamSetter::new(&*host);
            ui.horizontal(|ui| {
                knob(ui, &params.thr, &setter, "Threshold");
                knob(ui, &params.freq, &setter, "Freq");
                knob(ui, &params.ratio, &setter, "Ratio");
            });
            switch(ui, &setter, &params.on, "On");
            segmented(ui, &setter, &params.mode);
        })
    }

    fn rect(&mut self, name: &str) -> Rect {
        self.frame()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no control '{name}'"))
            .rect
    }

    fn drag(&mut self, from: Pos2, to: Pos2, modifiers: Modifiers) {
        self.rig.push(egui::Event::ModifiersChanged(modifiers));
        self.rig.move_to(from);
        self.frame();
        self.rig.button(from, true, modifiers);
        self.frame();
        for i in 1..=10 {
            self.rig.move_to(from + (to - from) * (i as f32 / 10.0));
            self.frame();
        }
        self.rig.button(to, false, modifiers);
        self.frame();
        self.rig
            .push(egui::Event::ModifiersChanged(Modifiers::NONE));
        self.frame();
    }

    fn click(&mut self, at: Pos2) {
        self.rig.move_to(at);
        self.rig.button(at, true, Modifiers::NONE);
        self.frame();
        self.rig.button(at, false, Modifiers::NONE);
        self.frame();
    }
}

/// Whether the events are exactly one gesture on `id`: begin, at least one set, end.
fn one_gesture(events: &[HostEvent], id: &str) -> bool {
    events.len() >= 3
        && events[0] == HostEvent::Begin(id.into())
        && events[events.len() - 1] == HostEvent::End(id.into())
        && events[1..events.len() - 1]
            .iter()
            .all(|e| matches!(e, HostEvent::Set(i, _) if i == id))
}

#[test]
fn dragging_a_knob_is_one_gesture_on_its_parameter_and_shift_is_ten_times_finer() {
    let mut kit = Kit::new(Vec2::new(400.0, 200.0), 1.0);
    let r = kit.rect("Threshold");
    kit.host.take_events();
    // Up by a quarter of the drag span = a quarter of the 40 dB range = +10 dB.
    kit.drag(
        r.center(),
        r.center() - Vec2::new(0.0, KNOB_DRAG_PT / 4.0),
        Modifiers::NONE,
    );
    let events = kit.host.take_events();
    assert!(one_gesture(&events, "thr"), "{events:?}");
    let v = kit.params.thr.value();
    assert!(v.abs() < 0.01, "after a coarse drag: {v}");
    kit.drag(
        r.center(),
        r.center() + Vec2::new(0.0, KNOB_DRAG_PT / 4.0),
        Modifiers::SHIFT,
    );
    let v2 = kit.params.thr.value();
    assert!((v - v2 - 1.0).abs() < 0.01, "a fine drag: {v} -> {v2}");
}

#[test]
fn double_click_resets_and_each_wheel_notch_is_one_step() {
    let mut kit = Kit::new(Vec2::new(400.0, 200.0), 1.0);
    let r = kit.rect("Ratio");
    kit.drag(
        r.center(),
        r.center() - Vec2::new(0.0, 80.0),
        Modifiers::NONE,
    );
    assert_ne!(kit.params.ratio.value(), 4);
    kit.click(r.center());
    kit.click(r.center());
    assert_eq!(kit.params.ratio.value(), 4, "double-click resets");
    kit.host.take_events();
    kit.rig.move_to(r.center());
    kit.rig.wheel(1.0, Modifiers::NONE);
    kit.frame();
    assert_eq!(kit.params.ratio.value(), 5, "one notch = one step");
    let n = kit.params.ratio.unmodulated_normalized_value();
    assert_eq!(
        kit.host.take_events(),
        vec![
            HostEvent::Begin("ratio".into()),
            HostEvent::Set("ratio".into(), n),
            HostEvent::End("ratio".into())
        ]
    );
}

#[test]
fn clicking_the_value_lets_you_type_one_with_units() {
    let mut kit = Kit::new(Vec2::new(400.0, 200.0), 1.0);
    let r = kit.rect("Frequency");
    let at = Pos2::new(r.center().x, r.bottom() - 6.0);
    kit.rig.time_skip();
    kit.click(at);
    kit.frame(); // the field appears and takes the keyboard
    kit.rig.key(egui::Key::A, Modifiers::COMMAND);
    kit.frame();
    kit.rig.push(egui::Event::Text("2.5 kHz".into()));
    kit.frame();
    kit.rig.key(egui::Key::Enter, Modifiers::NONE);
    kit.frame();
    assert!(
        (kit.params.freq.value() - 2500.0).abs() < 1.0,
        "{}",
        kit.params.freq.value()
    );
    assert!(one_gesture(&kit.host.take_events(), "freq"));
}

#[test]
fn a_switch_and_a_segment_each_send_one_gesture() {
    let mut kit = Kit::new(Vec2::new(400.0, 200.0), 1.0);
    let r = kit.rect("On");
    kit.host.take_events();
    kit.click(r.left_center() + Vec2::new(8.0, 0.0));
    assert!(kit.params.on.value());
    assert!(one_gesture(&kit.host.take_events(), "on"));
    // The third segment of three.
    let r = kit.rect("Mode");
    kit.rig.time_skip();
    kit.click(Pos2::new(r.right() - 4.0, r.center().y));
    assert_eq!(kit.params.mode.value(), 2);
    assert!(one_gesture(&kit.host.take_events(), "mode"));
}

#[test]
fn the_probe_sees_controls_cut_off_by_a_small_window() {
    for zoom in [0.75f32, 1.0, 2.0] {
        let mut kit = Kit::new(Vec2::new(400.0, 200.0), zoom);
        let placed = kit.frame();
        assert_eq!(placed.len(), 5, "every control recorded");
        assert!(probe::problems(&placed, kit.rig.screen(), 0.5).is_empty());
    }
    let mut kit = Kit::new(Vec2::new(120.0, 200.0), 1.0);
    let placed = kit.frame();
    assert!(!probe::problems(&placed, kit.rig.screen(), 0.5).is_empty());
}

/// A one-knob layout for the shell's own tests.
struct OneKnob {
    params: Arc<ShellParams>,
    meters: shared_plugin::meters::SharedMeters,
}

#[derive(Params)]
struct ShellParams {
    #[id = "bypass"]
    bypass: BoolParam,
    #[id = "gain"]
    gain: FloatParam,
}

impl crate::EditorLayout for OneKnob {
    const DEFAULT_SIZE: Vec2 = Vec2::new(600.0, 300.0);
    const MIN_SIZE: Vec2 = Vec2::new(500.0, 250.0);
    fn title(&self) -> &'static str {
        "Test"
    }
    fn meters(&self) -> &shared_plugin::meters::SharedMeters {
        &self.meters
    }
    fn bypass(&self) -> &BoolParam {
        &self.params.bypass
    }
    fn draw(&mut self, ui: &mut egui::Ui, setter: &ParamSetter) {
        knob(ui, &self.params.gain, setter, "Gain");
    }
}

fn one_knob() -> (OneKnob, crate::Suite) {
    let params = Arc::new(ShellParams {
        bypass: BoolParam::new("Bypass", false).make_bypass(),
        gain: FloatParam::new(
            "Gain",
            0.0,
            FloatRange::Linear {
                min: -12.0,
                max: 12.0,
            },
        ),
    });
    let suite = crate::Suite {
        params: params.clone(),
        session: shared_plugin::session::new_session_field(),
        kit: shared_plugin::session::PresetKit {
            plugin_id: "com.lathe-audio.test",
            folder: "test",
            factory: Vec::new(),
            locked_ids: &[],
            lock_label: "Lock",
        },
        geometry: shared_plugin::session::new_editor_field(),
    };
    (
        OneKnob {
            params,
            meters: Default::default(),
        },
        suite,
    )
}

#[test]
fn the_window_size_and_scale_are_kept_in_the_geometry_field() {
    let (layout, suite) = one_knob();
    let field = suite.geometry.clone();
    let editor = crate::create(layout, suite).unwrap();
    // Nothing saved: the layout's default size at 100 %.
    assert_eq!(editor.logical_size(), Vec2::new(600.0, 300.0));
    let (layout, suite) = one_knob();
    let suite = crate::Suite {
        geometry: field.clone(),
        ..suite
    };
    let mut shell = crate::Shell::new(layout, suite);
    // The user picks 150 %: the window grows, the content keeps its size in points.
    shell.zoom_changed(1.5);
    shell.window_resized(Vec2::new(900.0, 450.0));
    let g = shared_plugin::session::geometry(&field);
    assert_eq!((g.width_pt, g.height_pt, g.zoom), (600.0, 300.0, 1.5));
    // Then drags the corner to 1200 × 600 pixels = 800 × 400 points; a pixel of rounding
    // later does not move the saved size.
    shell.window_resized(Vec2::new(1200.0, 600.0));
    shell.window_resized(Vec2::new(1201.0, 600.0));
    let g = shared_plugin::session::geometry(&field);
    assert_eq!((g.width_pt, g.height_pt, g.zoom), (800.0, 400.0, 1.5));
    // Never below the smallest size.
    shell.window_resized(Vec2::new(30.0, 30.0));
    let g = shared_plugin::session::geometry(&field);
    assert_eq!((g.width_pt, g.height_pt), (500.0, 250.0));
    // The editor reports the saved size times the zoom.
    assert_eq!(editor.logical_size(), Vec2::new(750.0, 375.0));
}

#[test]
fn the_editor_follows_host_automation() {
    // A value set by the host (not through the editor) is what the knob shows next frame.
    let (layout, suite) = one_knob();
    let params = layout.params.clone();
    let mut rig = crate::testing::EditorRig::new(layout, suite, Vec2::new(600.0, 300.0), 1.0);
    let shell = &mut rig.shell;
    let before = rig.rig.painted_texts(|ui| shell.draw(ui));
    assert!(before.iter().any(|t| t == "0"), "{before:?}");
    crate::testing::set_plain(&*params, "gain", 6.0);
    let after = rig.rig.painted_texts(|ui| shell.draw(ui));
    assert!(after.iter().any(|t| t == "6"), "{after:?}");
    assert!(!after.iter().any(|t| t == "0"), "{after:?}");
}

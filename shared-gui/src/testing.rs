//! A headless editor rig for tests: one egui context run frame by frame without a window, at
//! any size and scale, with pointer, wheel and keyboard input, the layout probe on, and a
//! stand-in host ([`shared_plugin::testing::FakeHost`]) behind the parameter setter.

use egui::{Event, Modifiers, PointerButton, Pos2, Rect, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use shared_plugin::testing::{FakeHost, HostEvent};
use std::sync::Arc;

use crate::probe::{self, Placed};
use crate::shell::{EditorLayout, Shell, Suite};

/// A headless egui context with a screen size and a zoom.
pub struct Rig {
    /// The context.
    pub ctx: egui::Context,
    /// The screen (window content) size, points.
    pub size: Vec2,
    time: f64,
    events: Vec<Event>,
}

impl Rig {
    /// A rig with a `size` (points) screen at `zoom` (pixels per point = zoom).
    pub fn new(size: Vec2, zoom: f32) -> Self {
        let ctx = egui::Context::default();
        ctx.set_zoom_factor(zoom);
        Self {
            ctx,
            size,
            time: 0.0,
            events: Vec::new(),
        }
    }

    /// The next frame's input: one sixtieth of a second later, the queued events, the screen
    /// at one physical pixel per point before the zoom.
    fn next_input(&mut self) -> egui::RawInput {
        self.time += 1.0 / 60.0;
        let mut input = egui::RawInput {
            screen_rect: Some(self.screen()),
            time: Some(self.time),
            events: std::mem::take(&mut self.events),
            ..Default::default()
        };
        input
            .viewports
            .entry(egui::ViewportId::ROOT)
            .or_default()
            .native_pixels_per_point = Some(1.0);
        input
    }

    /// The screen rectangle, points.
    pub fn screen(&self) -> Rect {
        Rect::from_min_size(Pos2::ZERO, self.size)
    }

    /// Runs one frame of `draw` as a window would, including egui's tessellation into
    /// triangles (what a frame costs on the editor thread before the GPU draws it); returns
    /// the number of triangles.
    pub fn render_frame(&mut self, draw: impl FnMut(&mut egui::Ui)) -> usize {
        let input = self.next_input();
        let mut draw = draw;
        let mut out = self.ctx.run_ui(input, |ui| draw(ui));
        let shapes = std::mem::take(&mut out.shapes);
        let meshes = self.ctx.tessellate(shapes, out.pixels_per_point);
        out.drop_without_applying_deltas();
        meshes
            .iter()
            .map(|m| match &m.primitive {
                egui::epaint::Primitive::Mesh(mesh) => mesh.indices.len() / 3,
                _ => 0,
            })
            .sum()
    }

    /// Runs one frame of `draw`; returns every text it painted.
    pub fn painted_texts(&mut self, draw: impl FnMut(&mut egui::Ui)) -> Vec<String> {
        fn collect(shape: &egui::Shape, out: &mut Vec<String>) {
            match shape {
                egui::Shape::Text(t) => out.push(t.galley.text().to_string()),
                egui::Shape::Vec(v) => v.iter().for_each(|s| collect(s, out)),
                _ => {}
            }
        }
        let input = self.next_input();
        let mut draw = draw;
        let out = self.ctx.run_ui(input, |ui| draw(ui));
        let mut texts = Vec::new();
        for clipped in &out.shapes {
            collect(&clipped.shape, &mut texts);
        }
        out.drop_without_applying_deltas();
        texts
    }

    /// Runs one frame of `draw`; returns what the layout probe recorded.
    pub fn frame(&mut self, draw: impl FnMut(&mut egui::Ui)) -> Vec<Placed> {
        let input = self.next_input();
        probe::enable(&self.ctx);
        let mut draw = draw;
        let out = self.ctx.run_ui(input, |ui| draw(ui));
        out.drop_without_applying_deltas();
        probe::take(&self.ctx)
    }

    /// Lets a second pass (so the next click is not taken for a double-click).
    pub fn time_skip(&mut self) {
        self.time += 1.0;
    }

    /// Queues an input event for the next frame.
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Queues a pointer move.
    pub fn move_to(&mut self, p: Pos2) {
        self.push(Event::PointerMoved(p));
    }

    /// Queues a primary button press or release.
    pub fn button(&mut self, p: Pos2, pressed: bool, modifiers: Modifiers) {
        self.push(Event::PointerButton {
            pos: p,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        });
    }

    /// Queues wheel notches (positive: up).
    pub fn wheel(&mut self, notches: f32, modifiers: Modifiers) {
        self.push(Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: Vec2::new(0.0, notches),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers,
        });
    }

    /// Queues a key press.
    pub fn key(&mut self, key: egui::Key, modifiers: Modifiers) {
        self.push(Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers,
        });
    }
}

/// A whole editor (header and layout) drawn headless, with a stand-in host.
pub struct EditorRig<L: EditorLayout> {
    /// The egui side.
    pub rig: Rig,
    /// The editor.
    pub shell: Shell<L>,
    /// The host: what it received, and the parameters it applied them to.
    pub host: Arc<FakeHost>,
}

impl<L: EditorLayout> EditorRig<L> {
    /// Opens `layout` headless in a `size` (points) window at `zoom`.
    pub fn new(layout: L, suite: Suite, size: Vec2, zoom: f32) -> Self {
        let host = FakeHost::new(suite.params.clone(), false);
        let mut shell = Shell::new(layout, suite);
        shell.attach(GuiContext::new(host.clone()));
        Self {
            rig: Rig::new(size, zoom),
            shell,
            host,
        }
    }

    /// Runs one frame; returns what the probe recorded.
    pub fn frame(&mut self) -> Vec<Placed> {
        let shell = &mut self.shell;
        self.rig.frame(|ui| shell.draw(ui))
    }

    /// Presses at `from`, moves to `to` in `steps` frames, releases.
    pub fn drag(&mut self, from: Pos2, to: Pos2, steps: usize, modifiers: Modifiers) {
        self.rig.push(Event::ModifiersChanged(modifiers));
        self.rig.move_to(from);
        self.frame();
        self.rig.button(from, true, modifiers);
        self.frame();
        for i in 1..=steps {
            self.rig
                .move_to(from + (to - from) * (i as f32 / steps as f32));
            self.frame();
        }
        self.rig.button(to, false, modifiers);
        self.frame();
        self.rig.push(Event::ModifiersChanged(Modifiers::NONE));
        self.frame();
    }

    /// Clicks at `at` (press and release in two frames, then one more frame).
    pub fn click(&mut self, at: Pos2) {
        self.rig.move_to(at);
        self.frame();
        self.rig.button(at, true, Modifiers::NONE);
        self.frame();
        self.rig.button(at, false, Modifiers::NONE);
        self.frame();
        // Far from the last click, so a later click is not a double-click.
        self.rig.time_skip();
        self.frame();
    }

    /// Takes what the host received so far.
    pub fn take_events(&self) -> Vec<HostEvent> {
        self.host.take_events()
    }
}

/// The parameter IDs of `params` by display name (the probe records names). Panics if two
/// parameters share a name: the host shows names, so they must be unique anyway.
pub fn ids_by_name(params: &dyn Params) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    for (id, ptr, _) in params.param_map() {
        // SAFETY: the pointer comes from `params`, which outlives this call.
        let name = unsafe { ptr.name() }.to_string();
        if let Some(other) = map.insert(name.clone(), id.clone()) {
            panic!("parameters '{other}' and '{id}' share the name '{name}'");
        }
    }
    map
}

/// Times an editor's frames headless (layout and tessellation, no GPU) at 100 % and 200 % and
/// prints the mean frame time and triangle count: the editor thread's share of a frame.
pub fn bench_editor<L: EditorLayout>(name: &str, make: impl Fn() -> (L, Suite), frames: usize) {
    for zoom in [1.0f32, 2.0] {
        let (layout, suite) = make();
        let mut rig = EditorRig::new(layout, suite, L::DEFAULT_SIZE, zoom);
        let shell = &mut rig.shell;
        let mut triangles = 0;
        for _ in 0..10 {
            triangles = rig.rig.render_frame(|ui| shell.draw(ui));
        }
        let start = std::time::Instant::now();
        for _ in 0..frames {
            rig.rig.render_frame(|ui| shell.draw(ui));
        }
        let per_frame = start.elapsed().as_secs_f64() / frames as f64;
        println!(
            "{name} editor at {:.0} %: {:.2} ms per frame (layout + tessellation, {triangles} triangles), {:.1} % of one core at 30 frames/s",
            zoom * 100.0,
            per_frame * 1e3,
            per_frame * 30.0 * 100.0
        );
    }
}

/// Sets a parameter to a plain value directly, as a host's automation would.
pub fn set_plain(params: &dyn Params, id: &str, plain: f32) {
    let map = params.param_map();
    let (_, ptr, _) = map
        .iter()
        .find(|(i, _, _)| i == id)
        .unwrap_or_else(|| panic!("no parameter '{id}'"));
    // SAFETY: the pointer comes from `params`, which outlives this call.
    unsafe {
        let n = ptr.preview_normalized(plain);
        ptr._internal_set_normalized_value(n);
    }
}

/// Editor scales every layout is checked at.
pub const CHECKED_ZOOMS: [f32; 3] = [0.75, 1.0, 2.0];

/// Checks a plugin's editor headless: at 75 %, 100 % and 200 %, at its default and its
/// smallest size, and for each `variant` (parameter settings that change what the layout
/// shows, e.g. a mode), nothing is cut off or overlaps; and across them every parameter has
/// a control. `make` builds a fresh layout and suite each time.
pub fn check_editor<L: EditorLayout>(make: impl Fn() -> (L, Suite), variants: &[&[(&str, f32)]]) {
    let none: [&[(&str, f32)]; 1] = [&[]];
    let variants = if variants.is_empty() {
        &none[..]
    } else {
        variants
    };
    let (_, suite) = make();
    let names = ids_by_name(&*suite.params);
    let mut seen = std::collections::BTreeSet::new();
    for variant in variants {
        for zoom in CHECKED_ZOOMS {
            for size in [L::DEFAULT_SIZE, L::MIN_SIZE] {
                let (layout, suite) = make();
                for (id, v) in variant.iter() {
                    set_plain(&*suite.params, id, *v);
                }
                let mut rig = EditorRig::new(layout, suite, size, zoom);
                // The first frame sizes things egui measures; the second is what users see.
                rig.frame();
                let placed = rig.frame();
                assert!(
                    placed.iter().any(|p| p.kind == "header"),
                    "the header was not drawn"
                );
                let problems = probe::problems(&placed, rig.rig.screen(), 0.5);
                assert!(
                    problems.is_empty(),
                    "{size:?} pt at {:.0} %, {variant:?}:\n{}",
                    zoom * 100.0,
                    problems.join("\n")
                );
                for p in &placed {
                    if let Some(id) = names.get(&p.name) {
                        if matches!(p.kind, "knob" | "switch" | "choice") {
                            seen.insert(id.clone());
                        }
                    }
                }
            }
        }
    }
    let missing: Vec<&String> = names.values().filter(|id| !seen.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "parameters without a control: {missing:?}"
    );
    // The check has teeth: well below the smallest size, it sees the layout cut off.
    let (layout, suite) = make();
    let mut rig = EditorRig::new(layout, suite, L::MIN_SIZE * 0.8, 1.0);
    rig.frame();
    let placed = rig.frame();
    assert!(
        !probe::problems(&placed, rig.rig.screen(), 0.5).is_empty(),
        "at 80 % of the smallest size something must be cut off; is MIN_SIZE too large?"
    );
}

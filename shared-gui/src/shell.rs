//! The editor around a plugin's layout: the header (plugin name, bypass, presets, A/B,
//! undo, scale), the layout, a resize corner, and a repaint policy that redraws only when
//! something moves. [`LatheEditor`] is the nice-plug `Editor` every plugin uses: a freely
//! resizable window whose size and scale are saved in the plugin state.

use egui::Vec2;
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{HostMethods, SpawnedEditor};
use nice_plug::prelude::*;
use nice_plug_egui::{
    create_egui_editor, EguiEditorHandle, EguiEditorState, EguiNiceSettings, NiceEguiApp,
    RepaintNotifier,
};
use shared_plugin::meters::SharedMeters;
use shared_plugin::session::{self, EditorField, HistoriesField, PresetKit};
use shared_plugin::session::{GroupedChange, Recorder, SessionField};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::presets::PresetBar;
use crate::{controls, probe, theme};

/// What every plugin's editor shares beside its layout: its parameters, its session (preset
/// name, A/B, lock), its presets and its saved window geometry.
pub struct Suite {
    /// The plugin's parameters.
    pub params: Arc<dyn Params>,
    /// Its persisted session field.
    pub session: SessionField,
    /// Its presets and lock.
    pub kit: PresetKit,
    /// Its persisted editor size and scale.
    pub geometry: EditorField,
}

impl Suite {
    /// The suite of a plugin whose parameters begin with the kit's
    /// [`CommonParams`](shared_plugin::params::CommonParams) (session and editor geometry).
    pub fn new(
        params: Arc<dyn Params>,
        common: &shared_plugin::params::CommonParams,
        kit: PresetKit,
    ) -> Self {
        Self {
            params,
            session: common.session.clone(),
            kit,
            geometry: common.editor.clone(),
        }
    }
}

/// Repaint interval while the meters move (30 frames per second, under the 60 Hz meter rate).
pub const ACTIVE_REPAINT: Duration = Duration::from_millis(33);
/// Repaint interval for a while after the meters stop (the peak holds fall back).
pub const SETTLE_REPAINT: Duration = Duration::from_millis(250);
/// How long after the meters stop the editor still repaints at [`SETTLE_REPAINT`].
pub const SETTLE_TIME: Duration = Duration::from_secs(4);
/// How often the meter watcher checks whether the meters moved while the editor is idle.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(33);
/// Environment variable: when set, the editor prints a line to stderr for every frame it
/// draws (`scripts/idle-cpu.sh` counts them to measure the idle repaint rate).
pub const FRAME_STATS_ENV: &str = "LATHE_FRAME_STATS";

/// What a plugin's editor supplies: its title, sizes, meters, bypass and layout.
pub trait EditorLayout: Send + 'static {
    /// The editor's default content size, points (its window at 100 %).
    const DEFAULT_SIZE: Vec2;
    /// The smallest content size at which nothing is cut off, points.
    const MIN_SIZE: Vec2;
    /// The title shown in the header.
    fn title(&self) -> &'static str;
    /// The meters the audio thread publishes.
    fn meters(&self) -> &SharedMeters;
    /// The plugin's bypass (shown in the header).
    fn bypass(&self) -> &BoolParam;
    /// Draws the controls and displays below the header.
    fn draw(&mut self, ui: &mut egui::Ui, setter: &ParamSetter);
    /// The window opened (e.g. ask the audio thread for spectrum samples).
    fn opened(&mut self) {}
    /// The window closed.
    fn closed(&mut self) {}
    /// Several parameter changes the layout wants made as one undoable gesture (an "apply"
    /// button), taken by the shell after each [`EditorLayout::draw`].
    fn take_grouped_change(&mut self) -> Option<GroupedChange> {
        None
    }
}

/// A snapshot of the meters, to tell whether anything moved since the last frame.
fn meter_snapshot(m: &SharedMeters) -> [f32; 7] {
    let g = SharedMeters::get;
    [
        g(&m.input_peak_db),
        g(&m.input_rms_db),
        g(&m.output_peak_db),
        g(&m.output_rms_db),
        g(&m.gain_db[0]),
        g(&m.gain_db[1]),
        g(&m.detector_db),
    ]
}

/// The editor: header plus layout, independent of the window that shows it (the tests draw
/// it headless).
pub struct Shell<L: EditorLayout> {
    layout: L,
    suite: Suite,
    /// The host context wrapped for undo (exists while the window is open).
    recorder: Option<Recorder>,
    /// The undo histories, kept while the instance lives (across closing the window).
    histories: HistoriesField,
    presets: PresetBar,
    /// Commands from [`crate::presets::SCRIPT_ENV`] still to run, and when the next one runs.
    script: std::collections::VecDeque<String>,
    next_command_at: Option<Instant>,
    last_meters: [f32; 7],
    /// When the meters last moved.
    last_moved: Instant,
    /// The zoom the window is at (to turn window sizes into content sizes).
    zoom: f32,
    styled: bool,
    frames: AtomicU64,
}

/// Space around the editor's content, points.
pub const MARGIN: i8 = 8;

/// Least time between scripted commands (each also waits until the host has taken the
/// previous one's parameter changes).
const SCRIPT_STEP: Duration = Duration::from_millis(300);

impl<L: EditorLayout> Shell<L> {
    /// An editor for `layout` (no window yet).
    pub fn new(layout: L, suite: Suite) -> Self {
        let zoom = session::geometry(&suite.geometry)
            .resolve(size_tuple(L::DEFAULT_SIZE), size_tuple(L::MIN_SIZE))
            .1;
        Self {
            layout,
            presets: PresetBar::new(&suite.kit),
            suite,
            recorder: None,
            histories: HistoriesField::default(),
            script: std::env::var(crate::presets::SCRIPT_ENV)
                .unwrap_or_default()
                .split(';')
                .filter(|c| !c.trim().is_empty())
                .map(str::to_string)
                .collect(),
            next_command_at: None,
            last_meters: [f32::NAN; 7],
            last_moved: Instant::now(),
            zoom,
            styled: false,
            frames: AtomicU64::new(0),
        }
    }

    /// Connects the editor to the host's context (when its window opens).
    pub fn attach(&mut self, host: GuiContext) {
        self.recorder = Some(Recorder::new(
            host,
            self.suite.params.clone(),
            self.suite.session.clone(),
            self.histories.clone(),
        ));
        self.presets.refresh();
        self.styled = false;
        self.layout.opened();
    }

    /// Disconnects it (the window closed).
    pub fn detach(&mut self) {
        self.recorder = None;
        self.layout.closed();
    }

    /// The layout (for tests).
    pub fn layout_mut(&mut self) -> &mut L {
        &mut self.layout
    }

    /// The window now has this size (logical pixels: points times the zoom).
    pub fn window_resized(&mut self, logical: Vec2) {
        let mut g = session::geometry(&self.suite.geometry);
        // Windows are whole pixels: a size within a pixel of the saved one is the saved one
        // (so reopening never drifts).
        let zoom = self.zoom.max(0.1);
        let keep = |saved_pt: f32, now_px: f32| {
            if (saved_pt * zoom - now_px).abs() <= 1.0 {
                saved_pt
            } else {
                now_px / zoom
            }
        };
        g.width_pt = keep(g.width_pt, logical.x).max(L::MIN_SIZE.x);
        g.height_pt = keep(g.height_pt, logical.y).max(L::MIN_SIZE.y);
        g.zoom = self.zoom;
        session::set_geometry(&self.suite.geometry, g);
    }

    /// The editor scale changed.
    pub fn zoom_changed(&mut self, zoom: f32) {
        self.zoom = zoom;
        let mut g = session::geometry(&self.suite.geometry);
        g.zoom = zoom;
        session::set_geometry(&self.suite.geometry, g);
    }

    /// Draws one frame: header, layout, resize corner.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        if !self.styled {
            theme::apply_style(ui.ctx());
            self.styled = true;
        }
        self.count_frame();
        let Some(rec) = self.recorder.as_ref() else {
            return;
        };
        rec.settle();
        let setter = rec.setter();
        nice_plug_egui::resizable_window::ResizableWindow::new("lathe_editor")
            .min_size(L::MIN_SIZE)
            .show(ui, |ui| {
                egui::Frame::new()
                    .inner_margin(egui::Margin::same(MARGIN))
                    .show(ui, |ui| {
                        body(
                            ui,
                            &mut self.layout,
                            &mut self.presets,
                            &self.suite,
                            rec,
                            &setter,
                        )
                    });
            });
        self.run_script();
        // Redraw at 30 fps while the meters move and for a few seconds after (the peak holds
        // fall back), then not at all: input, parameter changes (host automation) and the
        // meter watcher (see `LatheEditor`) wake the editor when something changes.
        let now = meter_snapshot(self.layout.meters());
        let moving = now
            .iter()
            .zip(self.last_meters.iter())
            .any(|(a, b)| a.to_bits() != b.to_bits());
        self.last_meters = now;
        if moving {
            self.last_moved = Instant::now();
            ui.ctx().request_repaint_after(ACTIVE_REPAINT);
        } else if self.last_moved.elapsed() < SETTLE_TIME {
            ui.ctx().request_repaint_after(SETTLE_REPAINT);
        }
        if !self.script.is_empty() {
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
    }

    /// The meters as they are now (for the meter watcher).
    pub fn meter_snapshot(&self) -> [f32; 7] {
        meter_snapshot(self.layout.meters())
    }

    fn run_script(&mut self) {
        let Some(rec) = self.recorder.as_ref() else {
            return;
        };
        if self.script.is_empty() {
            return;
        }
        let now = Instant::now();
        let due = *self.next_command_at.get_or_insert(now + SCRIPT_STEP);
        // Each command once the host has taken the previous one's changes.
        if now >= due && rec.is_settled() {
            if let Some(command) = self.script.pop_front() {
                self.presets.run_command(rec, &self.suite.kit, &command);
            }
            self.next_command_at = Some(now + SCRIPT_STEP);
        }
    }

    fn count_frame(&mut self) {
        let frames = self.frames.fetch_add(1, Ordering::Relaxed) + 1;
        if std::env::var_os(FRAME_STATS_ENV).is_some() {
            eprintln!("lathe editor frame {frames}");
        }
    }
}

/// The header and the layout.
fn body<L: EditorLayout>(
    ui: &mut egui::Ui,
    layout: &mut L,
    presets: &mut PresetBar,
    suite: &Suite,
    rec: &Recorder,
    setter: &ParamSetter,
) {
    let header = ui.horizontal(|ui| {
        ui.label(
            egui::RichText::new(layout.title().to_uppercase())
                .color(theme::ACCENT)
                .strong()
                .size(15.0),
        );
        controls::switch(ui, setter, layout.bypass(), "Bypass");
        ui.separator();
        presets.draw(ui, rec, &suite.kit);
        ui.separator();
        controls::scale_selector(ui);
    });
    probe::record(ui, "header", "header", header.response.rect);
    presets.draw_status(ui, rec, &suite.kit);
    ui.add_space(2.0);
    // The layout's controls set parameters through the recorder, so undo sees them.
    layout.draw(ui, setter);
    if let Some(change) = layout.take_grouped_change() {
        if let Err(e) = rec.apply_group(&change) {
            presets.say_error(e);
        }
    }
}

fn size_tuple(v: Vec2) -> (f32, f32) {
    (v.x, v.y)
}

/// The egui application the window runs: the shared editor, and the flag that keeps its
/// meter watcher running.
struct ShellApp<L: EditorLayout> {
    shell: Arc<Mutex<Shell<L>>>,
    open: Arc<AtomicBool>,
}

impl<L: EditorLayout> ShellApp<L> {
    fn shell(&self) -> std::sync::MutexGuard<'_, Shell<L>> {
        lock(&self.shell)
    }
}

impl<L: EditorLayout> Drop for ShellApp<L> {
    fn drop(&mut self) {
        self.open.store(false, Ordering::Relaxed);
    }
}

fn lock<L: EditorLayout>(shell: &Mutex<Shell<L>>) -> std::sync::MutexGuard<'_, Shell<L>> {
    shell.lock().unwrap_or_else(|e| e.into_inner())
}

/// Watches the meters while the window is open and wakes the window when they move: the editor
/// itself draws nothing while nothing changes. Runs on its own thread (never the audio
/// thread); it reads a few atomics every [`WATCH_INTERVAL`].
fn watch_meters<L: EditorLayout>(
    shell: Arc<Mutex<Shell<L>>>,
    open: Arc<AtomicBool>,
    notifier: RepaintNotifier,
) {
    let mut last = [f32::NAN; 7];
    while open.load(Ordering::Relaxed) {
        std::thread::sleep(WATCH_INTERVAL);
        let now = lock(&shell).meter_snapshot();
        if now
            .iter()
            .zip(&last)
            .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            notifier.request_repaint();
            last = now;
        }
    }
}

impl<L: EditorLayout> NiceEguiApp for ShellApp<L> {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.shell().attach(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        self.shell().draw(ui);
    }

    fn resized(&mut self, size: nice_plug_egui::baseview::WindowSize) {
        self.shell().window_resized(Vec2::new(
            size.logical.width as f32,
            size.logical.height as f32,
        ));
    }

    fn zoom_factor_changed(&mut self, zoom_factor: f32) {
        self.shell().zoom_changed(zoom_factor);
    }

    fn editor_closed(&mut self) {
        self.open.store(false, Ordering::Relaxed);
        self.shell().detach();
    }
}

/// The editor every Lathe plugin returns from `Plugin::editor`: a freely resizable window
/// (the corner, or the host) that opens at the size and scale saved in the plugin state.
pub struct LatheEditor<L: EditorLayout> {
    shell: Arc<Mutex<Shell<L>>>,
    geometry: EditorField,
    title: &'static str,
    /// The host's scale factor at the last spawn.
    scale: Mutex<f64>,
}

/// Creates the editor for a layout.
pub fn create<L: EditorLayout>(layout: L, suite: Suite) -> Option<LatheEditor<L>> {
    Some(LatheEditor {
        title: layout.title(),
        geometry: suite.geometry.clone(),
        shell: Arc::new(Mutex::new(Shell::new(layout, suite))),
        scale: Mutex::new(1.0),
    })
}

impl<L: EditorLayout> LatheEditor<L> {
    /// The content size (points) and zoom to open with.
    fn resolved(&self) -> ((f32, f32), f32) {
        session::geometry(&self.geometry)
            .resolve(size_tuple(L::DEFAULT_SIZE), size_tuple(L::MIN_SIZE))
    }

    /// The window size in logical pixels (content size times the zoom).
    pub fn logical_size(&self) -> Vec2 {
        let ((w, h), zoom) = self.resolved();
        Vec2::new(w * zoom, h * zoom)
    }
}

impl<L: EditorLayout> Editor for LatheEditor<L> {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn std::error::Error>> {
        let ((w, h), zoom) = self.resolved();
        *self.scale.lock().unwrap_or_else(|e| e.into_inner()) =
            fallback_scale_factor.unwrap_or(1.0);
        {
            let mut shell = self.shell.lock().unwrap_or_else(|e| e.into_inner());
            shell.zoom = zoom;
        }
        let state = EguiEditorState::from_size(LogicalSize::new(w as f64, h as f64), zoom);
        let settings = EguiNiceSettings::new()
            .with_tile(self.title)
            .with_resize_hint(self.resize_hint());
        let notifier = RepaintNotifier::new();
        let open = Arc::new(AtomicBool::new(true));
        let editor = create_egui_editor(
            state,
            notifier.clone(),
            settings,
            ShellApp {
                shell: self.shell.clone(),
                open: open.clone(),
            },
        )
        .ok_or("the editor could not be created")?;
        let shell = self.shell.clone();
        std::thread::Builder::new()
            .name("lathe-meter-watch".into())
            .spawn(move || watch_meters(shell, open, notifier))?;
        editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )
    }

    fn size(&self) -> NativeSize<u32> {
        let s = self.logical_size();
        let scale = *self.scale.lock().unwrap_or_else(|e| e.into_inner());
        NativeSize::from_size(
            Size::Logical(LogicalSize::new(s.x as f64, s.y as f64)),
            scale,
        )
    }

    fn resize_hint(&self) -> ResizeHint {
        let zoom = self.resolved().1;
        ResizeHint::resizable()
            .with_min_logical_size(LogicalSize::new(L::MIN_SIZE.x * zoom, L::MIN_SIZE.y * zoom))
    }
}

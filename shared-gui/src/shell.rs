//! The editor window around a plugin's layout: title bar with the scale selector, the
//! layout, and a repaint policy that redraws only when something moves.

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use shared_plugin::meters::SharedMeters;
use shared_plugin::session::{HistoriesField, PresetKit, Recorder, SessionField};
use std::sync::Arc;
use std::time::Duration;

use crate::presets::PresetBar;
use crate::{controls, theme};

/// What every plugin's editor shares beside its layout: its parameters, its session (preset
/// name, A/B, lock) and its presets.
pub struct Suite {
    /// The plugin's parameters.
    pub params: Arc<dyn Params>,
    /// Its persisted session field.
    pub session: SessionField,
    /// Its presets and lock.
    pub kit: PresetKit,
}

/// Repaint interval while the meters move (30 frames per second).
pub const ACTIVE_REPAINT: Duration = Duration::from_millis(33);
/// Poll interval while nothing moves (the meters are re-read this often).
pub const IDLE_REPAINT: Duration = Duration::from_millis(250);

/// What a plugin's editor supplies: its title, its meters and its layout.
pub trait EditorLayout: Send + 'static {
    /// The title shown in the title bar.
    fn title(&self) -> &'static str;
    /// The meters the audio thread publishes.
    fn meters(&self) -> &SharedMeters;
    /// Draws the controls and displays below the title bar.
    fn draw(&mut self, ui: &mut egui::Ui, setter: &ParamSetter);
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

/// The egui application: shell plus layout.
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
    next_command_at: Option<std::time::Instant>,
    last_meters: [f32; 7],
}

/// Least time between scripted commands (each also waits until the host has taken the
/// previous one's parameter changes).
const SCRIPT_STEP: Duration = Duration::from_millis(300);

/// The editor's initial size and scale.
pub fn default_state(width: u32, height: u32) -> Arc<EguiEditorState> {
    EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(width as f64, height as f64),
        1.0,
    )
}

/// Creates the editor for a layout.
pub fn create<L: EditorLayout>(
    editor_state: Arc<EguiEditorState>,
    layout: L,
    suite: Suite,
) -> Option<EguiEditor<Shell<L>>> {
    let settings = EguiNiceSettings::new()
        .with_tile(layout.title())
        .with_resize_hint(ResizeHint::RESIZABLE);
    create_egui_editor(
        editor_state,
        RepaintNotifier::new(),
        settings,
        Shell {
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
        },
    )
}

impl<L: EditorLayout> NiceEguiApp for Shell<L> {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.recorder = Some(Recorder::new(
            nice_gui_ctx,
            self.suite.params.clone(),
            self.suite.session.clone(),
            self.histories.clone(),
        ));
        self.presets.refresh();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(rec) = self.recorder.as_ref() else {
            return;
        };
        rec.settle();
        ui.horizontal(|ui| {
            ui.heading(
                egui::RichText::new(self.layout.title().to_uppercase())
                    .color(theme::ACCENT)
                    .strong(),
            );
            ui.separator();
            self.presets.draw(ui, rec, &self.suite.kit);
            ui.separator();
            controls::scale_selector(ui);
        });
        self.presets.draw_status(ui, rec, &self.suite.kit);
        if !self.script.is_empty() {
            let now = std::time::Instant::now();
            let due = *self.next_command_at.get_or_insert(now + SCRIPT_STEP);
            // Each command once the host has taken the previous one's changes.
            if now >= due && rec.is_settled() {
                if let Some(command) = self.script.pop_front() {
                    self.presets.run_command(rec, &self.suite.kit, &command);
                }
                self.next_command_at = Some(now + SCRIPT_STEP);
            }
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
        ui.separator();
        // The layout's controls set parameters through the recorder, so undo sees them.
        self.layout.draw(ui, &rec.setter());
        // Redraw at 30 fps while the meters move, poll slowly while they rest; input events
        // and parameter changes repaint by themselves.
        let now = meter_snapshot(self.layout.meters());
        let moving = now
            .iter()
            .zip(self.last_meters.iter())
            .any(|(a, b)| a.to_bits() != b.to_bits());
        self.last_meters = now;
        ui.ctx()
            .request_repaint_after(if moving { ACTIVE_REPAINT } else { IDLE_REPAINT });
    }

    fn editor_closed(&mut self) {
        self.recorder = None;
    }
}

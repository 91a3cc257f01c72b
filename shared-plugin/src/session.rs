//! What an instance remembers beside its parameters, and the editor's preset, A/B and undo
//! actions, written once for every plugin.
//!
//! - [`Session`], saved in the host's state as the persisted field `session`: the name of the
//!   loaded preset, the A/B compare (which slot is live and the other slot's full parameter set),
//!   the lock, and a note about the last state load for the editor to show.
//! - [`Recorder`]: the editor's host context. Every parameter change made in the editor goes
//!   through it to the host (begin/set/end, so automation lanes and the host's display follow)
//!   and into the undo [`History`]; presets, A/B and undo set parameters the same way.
//! - [`PresetKit`]: a plugin's factory presets, its user preset folder and the parameters its
//!   lock protects (FabFilter's "Lock output": a preset never moves the output gain, and in the
//!   limiter never the ceiling or the dither).
//!
//! A/B compare follows the usual plugin convention: two complete parameter sets, one live; swap
//! exchanges them, copy puts the live set into the other slot. The lock applies to presets, not
//! to A/B (comparing two output levels is the point of A/B), and A/B is not an undoable edit.

use crate::presets::{capture, resolve, resolve_plain, FactoryPreset, PresetValue};
use crate::user_presets::{PresetStore, UserPreset};
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The persisted field that holds the [`Session`].
pub const SESSION_FIELD: &str = "session";
/// The most edits undo remembers.
pub const MAX_UNDO: usize = 200;

/// One of the two A/B slots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    /// Slot A (a new instance's live slot).
    #[default]
    A,
    /// Slot B.
    B,
}

impl Slot {
    /// The other slot.
    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }

    /// "A" or "B".
    pub fn label(self) -> &'static str {
        match self {
            Slot::A => "A",
            Slot::B => "B",
        }
    }
}

/// A full parameter set held by the inactive A/B slot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The preset that slot was on ("" when none).
    pub preset: String,
    /// Parameter ID → plain value.
    pub values: BTreeMap<String, f32>,
}

/// What an instance saves beside its parameters (missing fields take their defaults, so a
/// state saved before a field existed still loads).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// The preset last loaded into the live slot ("" when none).
    pub preset: String,
    /// The live A/B slot.
    pub slot: Slot,
    /// The inactive slot's parameters (`None` until the first copy or swap: then it starts as
    /// a copy of the live slot).
    pub other: Option<Snapshot>,
    /// Presets leave the kit's locked parameters alone.
    pub lock: bool,
    /// A note about how the last state load went, for the editor ("" when nothing to say).
    pub note: String,
    /// Set by the editor's [`Recorder`]; a state load replaces the session with one where it
    /// is 0, which tells the editor to start fresh undo histories. Not saved.
    #[serde(skip)]
    pub editor_mark: u64,
}

/// The persisted field type every plugin's parameters carry as `#[persist = "session"]`.
pub type SessionField = Arc<Mutex<Session>>;

/// A new session field.
pub fn new_session_field() -> SessionField {
    Arc::new(Mutex::new(Session::default()))
}

/// The editor window's size and scale, saved in the plugin state (`#[persist = "editor"]`) so
/// a session reopens the editor as it was left. A state without it (saved before it existed)
/// loads the default: the layout's own size at 100 %.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EditorGeometry {
    /// Width of the editor's content in points (logical pixels at 100 %); 0 = the layout's
    /// default.
    pub width_pt: f32,
    /// Height of the content in points; 0 = the layout's default.
    pub height_pt: f32,
    /// The editor scale (1.0 = 100 %); the window is the content size times this.
    pub zoom: f32,
}

impl Default for EditorGeometry {
    fn default() -> Self {
        Self {
            width_pt: 0.0,
            height_pt: 0.0,
            zoom: 1.0,
        }
    }
}

/// Smallest editor scale offered.
pub const MIN_ZOOM: f32 = 0.75;
/// Largest editor scale offered.
pub const MAX_ZOOM: f32 = 2.0;

impl EditorGeometry {
    /// The content size in points and the scale to open with: the saved ones, or the layout's
    /// `default` size where nothing (or nothing usable: non-finite, below `min`) was saved;
    /// sizes at least `min`, scale within [`MIN_ZOOM`]–[`MAX_ZOOM`].
    pub fn resolve(&self, default: (f32, f32), min: (f32, f32)) -> ((f32, f32), f32) {
        let pick = |v: f32, d: f32, m: f32| {
            if v.is_finite() && v > 0.0 {
                v.max(m)
            } else {
                d.max(m)
            }
        };
        let zoom = if self.zoom.is_finite() {
            self.zoom.clamp(MIN_ZOOM, MAX_ZOOM)
        } else {
            1.0
        };
        (
            (
                pick(self.width_pt, default.0, min.0),
                pick(self.height_pt, default.1, min.1),
            ),
            zoom,
        )
    }
}

/// The persisted editor-geometry field of every plugin's parameters.
pub type EditorField = Arc<Mutex<EditorGeometry>>;

/// A new editor geometry field (the layout's default size at 100 %).
pub fn new_editor_field() -> EditorField {
    Arc::new(Mutex::new(EditorGeometry::default()))
}

/// Reads an editor geometry field (a poisoned lock still holds a valid geometry).
pub fn geometry(field: &Mutex<EditorGeometry>) -> EditorGeometry {
    *field.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stores an editor geometry.
pub fn set_geometry(field: &Mutex<EditorGeometry>, g: EditorGeometry) {
    *field.lock().unwrap_or_else(|e| e.into_inner()) = g;
}

/// Locks a session (a poisoned lock still holds a valid session).
pub fn lock_session(field: &Mutex<Session>) -> MutexGuard<'_, Session> {
    field.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks the session in a state about to be loaded (from `Plugin::filter_state`, through
/// `state::migrate`): an unreadable session is replaced by a fresh one, and `note` (or, for an
/// unreadable session, a sentence saying so) is left for the editor.
pub fn filter_session(state: &mut PluginState, note: &str) {
    let mut note = note.to_string();
    let mut session = match state.fields.get(SESSION_FIELD) {
        None => Session::default(),
        Some(text) => serde_json::from_str::<Session>(text).unwrap_or_else(|_| {
            if !note.is_empty() {
                note.push(' ');
            }
            note.push_str(
                "The A/B slots and preset name saved in this session could not be read and \
                 start fresh; the parameters loaded.",
            );
            Session::default()
        }),
    };
    if let Some(other) = &mut session.other {
        other.values.retain(|_, v| v.is_finite());
    }
    session.note = note;
    if let Ok(text) = serde_json::to_string(&session) {
        state.fields.insert(SESSION_FIELD.to_string(), text);
    }
}

/// A plugin's preset configuration.
pub struct PresetKit {
    /// The plugin's CLAP ID (user preset files carry it).
    pub plugin_id: &'static str,
    /// The user preset folder's name under `lathe/presets/`.
    pub folder: &'static str,
    /// The embedded factory presets.
    pub factory: Vec<FactoryPreset>,
    /// Parameter IDs the lock keeps when a preset loads.
    pub locked_ids: &'static [&'static str],
    /// What the lock is called in the editor ("Lock output").
    pub lock_label: &'static str,
}

impl PresetKit {
    /// The user preset store in the platform's configuration directory.
    pub fn store(&self) -> Result<PresetStore, String> {
        PresetStore::for_plugin(self.folder, self.plugin_id)
    }

    /// Checks the kit against the plugin's parameters: the lock names parameters the plugin
    /// has, and every factory preset resolves. Errors in words.
    pub fn check(&self, params: &dyn Params) -> Result<(), String> {
        let ids: Vec<String> = params
            .param_map()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        if self.locked_ids.is_empty() {
            return Err("the lock protects no parameter".to_string());
        }
        if let Some(id) = self
            .locked_ids
            .iter()
            .find(|id| !ids.iter().any(|p| p == *id))
        {
            return Err(format!("the lock names \"{id}\", which is no parameter"));
        }
        for preset in &self.factory {
            resolve(params, preset)?;
        }
        Ok(())
    }

    /// Sets the parameters of a new instance to the user's saved default preset, directly (no
    /// host is involved yet), and names the session after it. Without a default, or when it
    /// cannot be read, the factory defaults stay (and the session's note says why).
    pub fn apply_startup_default(&self, params: &dyn Params, session: &Mutex<Session>) {
        let Ok(store) = self.store() else { return };
        match store.load_default() {
            Ok(Some(preset)) => match resolve_plain(params, &preset.name, &preset.values) {
                Ok(values) => {
                    for v in values {
                        // SAFETY: the pointers come from `params`, which the new instance
                        // owns; nothing else reads them before the host gets the instance.
                        unsafe {
                            v.param._internal_set_normalized_value(v.normalized);
                        }
                    }
                    lock_session(session).preset = preset.name;
                }
                Err(e) => lock_session(session).note = format!("Default preset not used: {e}"),
            },
            Ok(None) => {}
            Err(e) => lock_session(session).note = format!("Default preset not used: {e}"),
        }
    }
}

/// One parameter's change in an edit, as normalised values.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The parameter's ID.
    pub id: String,
    /// Its value before.
    pub before: f32,
    /// Its value after.
    pub after: f32,
}

/// One undoable edit: a drag, a typed value, a preset load.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// What it was ("Threshold", "preset Drum bus glue").
    pub label: String,
    /// The parameters it changed.
    pub changes: Vec<Change>,
    /// The preset name before and after, when the edit loaded a preset.
    pub preset: Option<(String, String)>,
}

/// Undo and redo stacks, fed by gestures.
#[derive(Debug, Default)]
pub struct History {
    undo: Vec<Edit>,
    redo: Vec<Edit>,
    /// Gestures in progress: ID → (label, value before, latest value).
    open: BTreeMap<String, (String, f32, f32)>,
}

impl History {
    /// A gesture starts on a parameter now at `current`.
    pub fn begin(&mut self, id: &str, label: &str, current: f32) {
        self.open
            .entry(id.to_string())
            .or_insert_with(|| (label.to_string(), current, current));
    }

    /// A parameter now at `current` is set to `value` (inside a gesture or on its own).
    pub fn set(&mut self, id: &str, label: &str, current: f32, value: f32) {
        match self.open.get_mut(id) {
            Some(open) => open.2 = value,
            None => self.push(Edit {
                label: label.to_string(),
                changes: vec![Change {
                    id: id.to_string(),
                    before: current,
                    after: value,
                }],
                preset: None,
            }),
        }
    }

    /// A gesture ends; it becomes an edit if it changed the value.
    pub fn end(&mut self, id: &str) {
        if let Some((label, before, after)) = self.open.remove(id) {
            self.push(Edit {
                label,
                changes: vec![Change {
                    id: id.to_string(),
                    before,
                    after,
                }],
                preset: None,
            });
        }
    }

    /// Records an edit (dropping changes that change nothing); a new edit clears redo.
    pub fn push(&mut self, mut edit: Edit) {
        edit.changes.retain(|c| c.before != c.after);
        if edit.changes.is_empty() && edit.preset.is_none() {
            return;
        }
        self.undo.push(edit);
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Takes the edit to undo (it moves to redo).
    pub fn undo(&mut self) -> Option<Edit> {
        let edit = self.undo.pop()?;
        self.redo.push(edit.clone());
        Some(edit)
    }

    /// Takes the edit to redo (it moves back to undo).
    pub fn redo(&mut self) -> Option<Edit> {
        let edit = self.redo.pop()?;
        self.undo.push(edit.clone());
        Some(edit)
    }

    /// What undo would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|e| e.label.as_str())
    }

    /// What redo would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|e| e.label.as_str())
    }
}

/// The undo histories of an instance: one per A/B slot (undo in B never touches what was done
/// in A). The editor keeps them while the instance lives, across closing and reopening.
#[derive(Debug, Default)]
pub struct Histories {
    /// The live slot's history.
    pub live: History,
    /// The other slot's history.
    pub other: History,
}

/// Shared handle to an instance's [`Histories`].
pub type HistoriesField = Arc<Mutex<Histories>>;

/// Several parameter changes an editor wants made as one undoable gesture (see
/// [`Recorder::apply_group`] and `shared_gui::EditorLayout::take_grouped_change`).
pub struct GroupedChange {
    /// The edit's name in the undo history ("assistant").
    pub label: String,
    /// The new values.
    pub values: Vec<PresetValue>,
}

/// The editor's host context: passes every parameter change to the host and records the
/// editor's own changes for undo. Presets, A/B and undo go through it too, so everything the
/// editor changes reaches the host as begin/set/end gestures.
///
/// nice-plug changes a parameter's value only when the host has taken the queued change (at
/// its next flush or process call), so the recorder remembers the values it has sent and not
/// yet seen arrive (`pending`) and treats them as the current values: two actions in a row see
/// each other's result, whenever the host gets to them.
pub struct Recorder {
    host: GuiContext,
    params: Arc<dyn Params>,
    session: SessionField,
    histories: HistoriesField,
    /// Normalised values sent to the host that the parameters do not show yet, by ID.
    pending: Mutex<BTreeMap<String, f32>>,
    /// Set while the recorder applies a grouped change itself (not recorded per parameter).
    applying: AtomicBool,
}

/// The ID and name of `param` among `params` (GUI thread; a few dozen parameters).
fn lookup(params: &dyn Params, param: ParamPtr) -> Option<(String, String)> {
    params
        .param_map()
        .into_iter()
        .find(|(_, p, _)| *p == param)
        // SAFETY: the pointer comes from `params`, which outlives this call.
        .map(|(id, p, _)| (id, unsafe { p.name() }.to_string()))
}

/// Marks a session as seen by this editor (a state load replaces it with an unmarked one).
const EDITOR_MARK: u64 = 0x4c41_5448_4531;

impl Recorder {
    /// A recorder passing changes on to `host`, with the instance's undo histories.
    pub fn new(
        host: GuiContext,
        params: Arc<dyn Params>,
        session: SessionField,
        histories: HistoriesField,
    ) -> Self {
        lock_session(&session).editor_mark = EDITOR_MARK;
        Self {
            host,
            params,
            session,
            histories,
            pending: Mutex::new(BTreeMap::new()),
            applying: AtomicBool::new(false),
        }
    }

    /// The live slot's undo history.
    pub fn history(&self) -> MappedHistory<'_> {
        MappedHistory(self.histories.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The instance's session.
    pub fn session(&self) -> MutexGuard<'_, Session> {
        lock_session(&self.session)
    }

    /// A parameter setter for the editor's controls (through the recorder).
    pub fn setter(&self) -> ParamSetter<'_> {
        ParamSetter { raw_context: self }
    }

    fn pending(&self) -> MutexGuard<'_, BTreeMap<String, f32>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Once per editor frame: forgets sent values the parameters now show, and starts fresh
    /// undo histories when the host has loaded a state since the last frame.
    pub fn settle(&self) {
        let map = self.params.param_map();
        self.pending().retain(|id, value| {
            map.iter()
                .find(|(pid, _, _)| pid == id)
                // SAFETY: the pointers come from the plugin's parameters.
                .is_some_and(|(_, p, _)| unsafe { p.unmodulated_normalized_value() } != *value)
        });
        let mut s = self.session();
        if s.editor_mark != EDITOR_MARK {
            s.editor_mark = EDITOR_MARK;
            drop(s);
            *self.histories.lock().unwrap_or_else(|e| e.into_inner()) = Histories::default();
        }
    }

    /// Whether every value sent to the host has arrived.
    pub fn is_settled(&self) -> bool {
        self.pending().is_empty()
    }

    /// Whether a control is being dragged (presets, A/B and undo wait until it is let go).
    pub fn is_busy(&self) -> bool {
        !self.history().0.live.open.is_empty()
    }

    /// A parameter's value as the editor last set it (the host may not have applied it yet).
    fn current(&self, id: &str, param: ParamPtr) -> f32 {
        match self.pending().get(id) {
            Some(v) => *v,
            // SAFETY: the pointer comes from the plugin's parameters.
            None => unsafe { param.unmodulated_normalized_value() },
        }
    }

    /// Every parameter's plain value as the editor last set it (the bypass left out).
    pub fn capture(&self) -> BTreeMap<String, f32> {
        let mut values = capture(&*self.params);
        let pending = self.pending().clone();
        for (id, ptr, _) in self.params.param_map() {
            if let (Some(v), Some(n)) = (values.get_mut(&id), pending.get(&id)) {
                // SAFETY: the pointer comes from the plugin's parameters.
                *v = unsafe { ptr.preview_plain(*n) };
            }
        }
        values
    }

    /// Sets `values` through the host as one gesture per parameter, skipping the ones already
    /// there; records them as one edit when `label` is given.
    fn apply(
        &self,
        label: Option<String>,
        values: &[PresetValue],
        preset: Option<(String, String)>,
    ) {
        let mut changes = Vec::with_capacity(values.len());
        for v in values {
            let current = self.current(&v.id, v.param);
            if current != v.normalized {
                changes.push((
                    v.param,
                    Change {
                        id: v.id.clone(),
                        before: current,
                        after: v.normalized,
                    },
                ));
            }
        }
        self.applying.store(true, Ordering::Relaxed);
        for (param, change) in &changes {
            self.pending().insert(change.id.clone(), change.after);
            // SAFETY: as above; the GUI thread calls this.
            unsafe {
                self.host.raw_begin_set_parameter(*param);
                self.host.raw_set_parameter_normalized(*param, change.after);
                self.host.raw_end_set_parameter(*param);
            }
        }
        self.applying.store(false, Ordering::Relaxed);
        if let Some(label) = label {
            self.history().0.live.push(Edit {
                label,
                changes: changes.into_iter().map(|(_, c)| c).collect(),
                preset,
            });
        }
    }

    /// Sets several parameters through the host as one undoable edit named `label` (an
    /// editor's "apply what was proposed" button); refused while a control is being dragged.
    pub fn apply_group(&self, change: &GroupedChange) -> Result<(), String> {
        self.refuse_while_busy()?;
        self.apply(Some(change.label.clone()), &change.values, None);
        Ok(())
    }

    /// Loads resolved preset values (the lock's parameters kept when the lock is on) and names
    /// the live slot after the preset.
    fn load_values(&self, kit: &PresetKit, name: &str, mut values: Vec<PresetValue>) {
        let (lock, before) = {
            let s = self.session();
            (s.lock, s.preset.clone())
        };
        if lock {
            values.retain(|v| !kit.locked_ids.contains(&v.id.as_str()));
        }
        self.apply(
            Some(format!("preset {name}")),
            &values,
            Some((before, name.to_string())),
        );
        let mut s = self.session();
        s.preset = name.to_string();
        s.note.clear();
    }

    fn refuse_while_busy(&self) -> Result<(), String> {
        if self.is_busy() {
            Err("let go of the control first".to_string())
        } else {
            Ok(())
        }
    }

    /// Loads a factory preset through the host.
    pub fn load_factory(&self, kit: &PresetKit, preset: &FactoryPreset) -> Result<(), String> {
        self.refuse_while_busy()?;
        let values = resolve(&*self.params, preset)?;
        self.load_values(kit, &preset.name, values);
        Ok(())
    }

    /// Loads a user preset through the host; the live slot is named `name` (the preset's file
    /// name, which is what the menu shows).
    pub fn load_user(
        &self,
        kit: &PresetKit,
        name: &str,
        preset: &UserPreset,
    ) -> Result<(), String> {
        self.refuse_while_busy()?;
        let values = resolve_plain(&*self.params, name, &preset.values)?;
        self.load_values(kit, name, values);
        Ok(())
    }

    /// The live parameters as a user preset called `name`.
    pub fn snapshot_as(&self, kit: &PresetKit, name: &str) -> UserPreset {
        UserPreset::new(kit.plugin_id, name, self.capture())
    }

    /// Names the live slot (after saving it as a preset).
    pub fn set_preset_name(&self, name: &str) {
        self.session().preset = name.to_string();
    }

    /// Swaps A and B: the other slot's parameters go live through the host, the live ones are
    /// kept in the other slot, and so are the two undo histories. Parameters a slot does not
    /// know (saved by a newer version) or holds no valid value for are skipped; ones it lacks
    /// take their defaults.
    pub fn ab_swap(&self) -> Result<(), String> {
        self.refuse_while_busy()?;
        let live = self.capture();
        let mut other = {
            let mut s = self.session();
            s.other.take().unwrap_or_else(|| Snapshot {
                preset: s.preset.clone(),
                values: live.clone(),
            })
        };
        let known: Vec<String> = self
            .params
            .param_map()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        other
            .values
            .retain(|id, v| known.contains(id) && v.is_finite());
        let values = match resolve_plain(&*self.params, "", &other.values) {
            Ok(values) => values,
            Err(e) => {
                self.session().other = Some(other);
                return Err(e);
            }
        };
        self.apply(None, &values, None);
        {
            let mut h = self.history();
            let h = &mut *h.0;
            std::mem::swap(&mut h.live, &mut h.other);
        }
        let mut s = self.session();
        let live_preset = std::mem::replace(&mut s.preset, other.preset);
        s.other = Some(Snapshot {
            preset: live_preset,
            values: live,
        });
        s.slot = s.slot.other();
        Ok(())
    }

    /// Copies the live slot into the other one (A→B when A is live); the other slot's undo
    /// history no longer applies and is cleared.
    pub fn ab_copy(&self) -> Result<(), String> {
        self.refuse_while_busy()?;
        let live = self.capture();
        self.history().0.other = History::default();
        let mut s = self.session();
        s.other = Some(Snapshot {
            preset: s.preset.clone(),
            values: live,
        });
        Ok(())
    }

    fn step_history(&self, forward: bool) -> Option<String> {
        if self.is_busy() {
            return None;
        }
        let edit = {
            let mut h = self.history();
            if forward {
                h.0.live.redo()
            } else {
                h.0.live.undo()
            }
        }?;
        let map = self.params.param_map();
        let values: Vec<PresetValue> = edit
            .changes
            .iter()
            .filter_map(|c| {
                let (id, ptr, _) = map.iter().find(|(id, _, _)| *id == c.id)?;
                Some(PresetValue {
                    id: id.clone(),
                    param: *ptr,
                    normalized: if forward { c.after } else { c.before },
                })
            })
            .collect();
        self.apply(None, &values, None);
        if let Some((before, after)) = &edit.preset {
            self.session().preset = if forward { after } else { before }.clone();
        }
        Some(edit.label)
    }

    /// Undoes the live slot's last edit made in the editor; returns what it was.
    pub fn undo(&self) -> Option<String> {
        self.step_history(false)
    }

    /// Redoes the live slot's last undone edit; returns what it was.
    pub fn redo(&self) -> Option<String> {
        self.step_history(true)
    }
}

/// The locked [`Histories`], read as the live slot's [`History`].
pub struct MappedHistory<'a>(MutexGuard<'a, Histories>);

impl std::ops::Deref for MappedHistory<'_> {
    type Target = History;
    fn deref(&self) -> &History {
        &self.0.live
    }
}

impl GuiContextInner for Recorder {
    fn plugin_api(&self) -> PluginApi {
        self.host.plugin_api()
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        if !self.applying.load(Ordering::Relaxed) {
            if let Some((id, name)) = lookup(&*self.params, param) {
                let current = self.current(&id, param);
                self.history().0.live.begin(&id, &name, current);
            }
        }
        unsafe { self.host.raw_begin_set_parameter(param) }
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        if !self.applying.load(Ordering::Relaxed) {
            if let Some((id, name)) = lookup(&*self.params, param) {
                let current = self.current(&id, param);
                self.history().0.live.set(&id, &name, current, normalized);
                self.pending().insert(id, normalized);
            }
        }
        unsafe { self.host.raw_set_parameter_normalized(param, normalized) }
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        if !self.applying.load(Ordering::Relaxed) {
            if let Some((id, _)) = lookup(&*self.params, param) {
                self.history().0.live.end(&id);
            }
        }
        unsafe { self.host.raw_end_set_parameter(param) }
    }

    fn get_state(&self) -> PluginState {
        self.host.get_state()
    }

    fn set_state(&self, state: PluginState) {
        self.host.set_state(state)
    }

    fn request_restart(&self) {
        self.host.request_restart()
    }
}

#[cfg(test)]
mod tests;

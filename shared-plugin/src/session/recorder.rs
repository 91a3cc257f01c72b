//! The editor's host context: every change to the host as a gesture and into the undo
//! history; presets, A/B and undo applied the same way.

use crate::presets::{capture, resolve, resolve_plain, FactoryPreset, PresetValue};
use crate::user_presets::UserPreset;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::*;

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
        self.history().0.live.in_gesture()
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

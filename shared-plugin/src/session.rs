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

use crate::presets::{resolve, resolve_plain, FactoryPreset};
use crate::user_presets::PresetStore;
use nice_plug::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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

mod geometry;
mod recorder;
mod undo;

pub use geometry::*;
pub use recorder::*;
pub use undo::*;

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

#[cfg(test)]
mod tests;

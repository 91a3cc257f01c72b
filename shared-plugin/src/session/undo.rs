//! Undo and redo: the edits the editor made, as parameter changes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::*;

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
    /// Whether a gesture is in progress (begun and not yet ended).
    pub fn in_gesture(&self) -> bool {
        !self.open.is_empty()
    }

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

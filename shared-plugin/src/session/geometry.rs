//! The editor window's size and scale, saved with the session.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

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

//! The Lathe editor kit (egui through nice-plug-egui), written once for every plugin:
//!
//! - [`theme`]: colours and the section frame;
//! - [`controls`]: knobs, switches, segmented buttons and menus that send begin/set/end
//!   gestures;
//! - [`meters`]: level and gain-reduction meters, gain-reduction history;
//! - [`views`]: a frequency-response view of any `Fn(freq_hz) -> dB` and a transfer-curve view
//!   of any `Fn(in_db) -> out_db` with a live level dot;
//! - [`spectrum`]: a real-time spectrum analyser (FFT on the editor thread) and its view;
//! - [`presets`]: the header's preset bar (factory and user presets, lock, A/B, undo/redo);
//! - [`probe`]: a layout probe that lets headless tests see where every control went;
//! - `testing`: a headless editor rig (egui without a window, a stand-in host);
//! - [`shell`]: the editor window (title bar, scale selector, repaint policy) around a plugin's
//!   [`shell::EditorLayout`].
//!
//! Nothing here knows a plugin: layouts pass parameters, closures and meters in.

#![warn(missing_docs)]

pub mod controls;
pub mod meters;
pub mod presets;
pub mod probe;
pub mod shell;
pub mod spectrum;
pub mod theme;
pub mod views;

#[doc(hidden)]
pub mod testing;

#[cfg(test)]
mod tests;

pub use shell::{create, EditorLayout, LatheEditor, Shell, Suite};

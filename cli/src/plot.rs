//! Pictures for `--plot FILE.png`: loudness over time (`lathe loudness`) and the tonal balance
//! of a mix against a reference (`lathe compare`), 1200×700 pixels in the suite's dark look.
//!
//! Drawn with `vello_cpu` (anti-aliased paths and strokes on the CPU); text is the Ubuntu
//! typeface bundled with egui (`epaint_default_fonts`), its glyph outlines read with `skrifa`
//! and filled as paths; the PNG is written by [`crate::png`].

/// Width of every plot, in pixels.
pub const WIDTH_PX: u16 = 1200;
/// Height of every plot, in pixels.
pub const HEIGHT_PX: u16 = 700;

mod canvas;
mod compare;
mod loudness;

pub use compare::{compare_png, BandSpectra};
pub use loudness::loudness_png;

//! The suite's colours as plain sRGB, written once for every place that draws: the editors
//! (`shared_gui::theme` turns them into egui colours) and the command line's plots, which
//! need no GUI stack.

/// An opaque sRGB colour, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// Accent colour (value arcs, titles, gain reduction).
pub const ACCENT: Rgb = Rgb(232, 160, 64);
/// Accent while hovered or dragged, and lit switches.
pub const ACCENT_HI: Rgb = Rgb(255, 196, 110);
/// Accent background of a selected segment or a switch that is on.
pub const ACCENT_DIM: Rgb = Rgb(112, 74, 30);
/// Curve colour.
pub const CURVE: Rgb = Rgb(110, 200, 255);
/// Window background.
pub const WINDOW_BG: Rgb = Rgb(30, 30, 30);
/// Module panel background.
pub const PANEL_BG: Rgb = Rgb(38, 38, 38);
/// Background of displays and meters.
pub const DISPLAY_BG: Rgb = Rgb(18, 18, 18);
/// Knob track, switch and segment background.
pub const TRACK: Rgb = Rgb(62, 62, 62);
/// Knob face.
pub const KNOB_FACE: Rgb = Rgb(52, 52, 52);
/// Hovered segment.
pub const HOVER: Rgb = Rgb(80, 80, 80);
/// Values and primary text.
pub const TEXT: Rgb = Rgb(225, 225, 225);
/// Control labels.
pub const LABEL: Rgb = Rgb(160, 160, 160);
/// Grid lines.
pub const GRID: Rgb = Rgb(45, 45, 45);
/// Grid labels.
pub const GRID_TEXT: Rgb = Rgb(120, 120, 120);
/// Meter level fill.
pub const LEVEL: Rgb = Rgb(70, 170, 90);
/// Peak marker.
pub const PEAK: Rgb = Rgb(220, 220, 120);
/// Overload marker.
pub const CLIP: Rgb = Rgb(255, 0, 0);
/// Secondary text: captions, status messages.
pub const DIM: Rgb = Rgb(140, 140, 140);
/// Errors and warnings the user should read.
pub const WARN: Rgb = Rgb(240, 110, 90);

//! Colours and frames shared by every editor.

use egui::{Color32, Ui};

/// Accent colour (titles, gain reduction).
pub const ACCENT: Color32 = Color32::from_rgb(232, 160, 64);
/// Curve colour.
pub const CURVE: Color32 = Color32::from_rgb(110, 200, 255);
/// Background of displays and meters.
pub const DISPLAY_BG: Color32 = Color32::from_gray(18);
/// Grid lines.
pub const GRID: Color32 = Color32::from_gray(45);
/// Grid labels.
pub const GRID_TEXT: Color32 = Color32::from_gray(120);
/// Meter level fill.
pub const LEVEL: Color32 = Color32::from_rgb(70, 170, 90);
/// Peak marker.
pub const PEAK: Color32 = Color32::from_rgb(220, 220, 120);
/// Overload marker.
pub const CLIP: Color32 = Color32::RED;

/// A titled group frame.
pub fn section(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.vertical(|ui| {
            ui.label(egui::RichText::new(title).color(ACCENT).strong());
            add(ui);
        });
    });
}

/// Secondary text: captions, status messages.
pub const DIM: Color32 = Color32::from_gray(140);
/// Errors and warnings the user should read.
pub const WARN: Color32 = Color32::from_rgb(240, 110, 90);

//! Colours, the suite's egui style and the module panel every editor is built from.

use egui::{Color32, Rect, Stroke, Ui, Vec2};

use crate::probe;
use shared_plugin::palette;

/// A palette colour for egui.
const fn c(p: palette::Rgb) -> Color32 {
    Color32::from_rgb(p.0, p.1, p.2)
}

/// Accent colour (value arcs, titles, gain reduction).
pub const ACCENT: Color32 = c(palette::ACCENT);
/// Accent while hovered or dragged, and lit switches.
pub const ACCENT_HI: Color32 = c(palette::ACCENT_HI);
/// Accent background of a selected segment or a switch that is on.
pub const ACCENT_DIM: Color32 = c(palette::ACCENT_DIM);
/// Curve colour.
pub const CURVE: Color32 = c(palette::CURVE);
/// Window background.
pub const WINDOW_BG: Color32 = c(palette::WINDOW_BG);
/// Module panel background.
pub const PANEL_BG: Color32 = c(palette::PANEL_BG);
/// Background of displays and meters.
pub const DISPLAY_BG: Color32 = c(palette::DISPLAY_BG);
/// Knob track, switch and segment background.
pub const TRACK: Color32 = c(palette::TRACK);
/// Knob face.
pub const KNOB_FACE: Color32 = c(palette::KNOB_FACE);
/// Hovered segment.
pub const HOVER: Color32 = c(palette::HOVER);
/// Values and primary text.
pub const TEXT: Color32 = c(palette::TEXT);
/// Control labels.
pub const LABEL: Color32 = c(palette::LABEL);
/// Grid lines.
pub const GRID: Color32 = c(palette::GRID);
/// Grid labels.
pub const GRID_TEXT: Color32 = c(palette::GRID_TEXT);
/// Meter level fill.
pub const LEVEL: Color32 = c(palette::LEVEL);
/// Peak marker.
pub const PEAK: Color32 = c(palette::PEAK);
/// Overload marker.
pub const CLIP: Color32 = c(palette::CLIP);
/// Secondary text: captions, status messages.
pub const DIM: Color32 = c(palette::DIM);
/// Errors and warnings the user should read.
pub const WARN: Color32 = c(palette::WARN);
/// One colour per EQ band or node.
pub const BANDS: [Color32; 6] = [
    Color32::from_rgb(240, 110, 90),
    Color32::from_rgb(240, 190, 80),
    Color32::from_rgb(120, 210, 120),
    Color32::from_rgb(110, 170, 255),
    Color32::from_rgb(200, 130, 240),
    Color32::from_rgb(150, 150, 150),
];

/// Applies the suite's look to a context (dark, flat, compact).
pub fn apply_style(ctx: &egui::Context) {
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = WINDOW_BG;
    visuals.window_fill = PANEL_BG;
    visuals.extreme_bg_color = DISPLAY_BG;
    visuals.selection.bg_fill = ACCENT_DIM;
    visuals.selection.stroke = Stroke::new(1.0, ACCENT_HI);
    visuals.widgets.inactive.weak_bg_fill = TRACK;
    visuals.widgets.hovered.weak_bg_fill = HOVER;
    ctx.set_visuals(visuals);
    ctx.all_styles_mut(|s| {
        s.spacing.item_spacing = Vec2::new(6.0, 4.0);
        s.spacing.button_padding = Vec2::new(6.0, 2.0);
    });
}

/// Height of a module panel's title row, points.
pub const TITLE_HEIGHT: f32 = 22.0;

/// A module panel: a title row (title, then what `header` adds: its on/off switch, its
/// gain-reduction meter) over the module's controls. Panels stand side by side in signal
/// order.
pub fn module(ui: &mut Ui, title: &str, header: impl FnOnce(&mut Ui), add: impl FnOnce(&mut Ui)) {
    let frame = egui::Frame::new()
        .fill(PANEL_BG)
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(8, 6));
    let resp = frame.show(ui, |ui| {
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.set_min_height(TITLE_HEIGHT);
                ui.label(egui::RichText::new(title).color(ACCENT).strong().size(12.0));
                ui.add_space(4.0);
                header(ui);
            });
            add(ui);
        });
    });
    probe::record(ui, "panel", title, resp.response.rect);
}

/// Draws a thin horizontal gain-reduction bar (0 to `full_scale_db` of reduction) with its
/// reading, for a module panel's title row.
pub fn gr_bar(ui: &mut Ui, gain_db: f32, full_scale_db: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(86.0, 14.0), egui::Sense::hover());
    probe::record(ui, "meter", "gr", rect);
    let painter = ui.painter();
    let bar = Rect::from_min_size(rect.min, Vec2::new(46.0, rect.height()));
    painter.rect_filled(bar, 2.0, DISPLAY_BG);
    let f = (-gain_db / full_scale_db).clamp(0.0, 1.0);
    painter.rect_filled(
        Rect::from_min_size(
            egui::pos2(bar.right() - bar.width() * f, bar.top()),
            Vec2::new(bar.width() * f, bar.height()),
        ),
        2.0,
        ACCENT,
    );
    let reading = if gain_db > -0.05 {
        "0.0".to_string()
    } else {
        format!("{gain_db:.1}")
    };
    crate::controls::fit_text(
        ui,
        Rect::from_min_max(egui::pos2(bar.right() + 2.0, rect.top()), rect.max),
        &format!("{reading} dB"),
        10.0,
        LABEL,
    );
}

//! Parameter controls: rotary knobs, switches, segmented buttons and menus. Every edit reaches
//! the host as a begin/set/end gesture (a whole drag is one gesture), so hosts record automation
//! and undo correctly; every control draws the parameter's current (modulated) value, so the
//! editor follows host automation live.

use egui::{Align2, Color32, FontId, Pos2, Rect, Response, Sense, Stroke, Ui, Vec2};
use nice_plug::prelude::*;

use crate::{probe, theme};

/// Size of a knob with its label and value, points.
pub const KNOB_SIZE: Vec2 = Vec2::new(56.0, 74.0);
/// Diameter of a knob's dial, points.
const DIAL_PT: f32 = 38.0;
/// Segments of a knob's arc.
const ARC_SEGMENTS: usize = 24;
/// Drag distance for a parameter's full range, points (Shift: ten times this).
pub const KNOB_DRAG_PT: f32 = 200.0;
/// Normalized change per wheel notch of a continuous parameter (Shift: a tenth).
pub const WHEEL_STEP: f32 = 0.02;
/// Height of a switch, segmented control or menu row, points.
pub const ROW_HEIGHT: f32 = 20.0;
/// Font size of control labels and values.
pub const LABEL_SIZE: f32 = 11.0;

/// One gesture that sets a parameter to a normalized value.
pub fn set_normalized<P: Param>(setter: &ParamSetter, param: &P, normalized: f32) {
    setter.begin_set_parameter(param);
    setter.set_parameter_normalized(param, normalized);
    setter.end_set_parameter(param);
}

/// The parameter's value nearest to `normalized` (snapped to its steps).
fn snap<P: Param>(param: &P, normalized: f32) -> f32 {
    param.preview_normalized(param.preview_plain(normalized.clamp(0.0, 1.0)))
}

/// The hover text of a control: its full name, range, default and how to use it.
fn hover_text<P: Param>(param: &P, how: &str) -> String {
    format!(
        "{}\n{} … {}   (default {})\n{how}",
        param.name(),
        param.normalized_value_to_string(0.0, true),
        param.normalized_value_to_string(1.0, true),
        param.normalized_value_to_string(param.default_normalized_value(), true),
    )
}

/// Paints `text` centred in `rect`, shrinking the font until it fits the width.
pub fn fit_text(ui: &Ui, rect: Rect, text: &str, size: f32, colour: Color32) {
    let mut size = size;
    let galley = loop {
        let g = ui
            .painter()
            .layout_no_wrap(text.to_string(), FontId::proportional(size), colour);
        if g.size().x <= rect.width() || size <= 7.0 {
            break g;
        }
        size -= 0.5;
    };
    let pos = rect.center() - galley.size() * 0.5;
    ui.painter().galley(pos, galley, colour);
}

/// Notches of mouse wheel this frame (trackpads: 50 points count as a notch).
fn wheel_notches(ui: &Ui) -> f32 {
    ui.input(|i| {
        i.raw
            .events
            .iter()
            .map(|e| match e {
                egui::Event::MouseWheel {
                    unit: egui::MouseWheelUnit::Point,
                    delta,
                    ..
                } => delta.y / 50.0,
                egui::Event::MouseWheel { delta, .. } => delta.y,
                _ => 0.0,
            })
            .sum()
    })
}

/// The normalized step of one wheel notch: one step of a stepped parameter, else
/// [`WHEEL_STEP`] (a tenth with Shift).
pub fn wheel_step<P: Param>(param: &P, fine: bool) -> f32 {
    match param.step_count() {
        Some(n) if n > 0 => 1.0 / n as f32,
        _ if fine => WHEEL_STEP / 10.0,
        _ => WHEEL_STEP,
    }
}

/// Applies the mouse wheel over a hovered control: one gesture per frame with wheel movement.
/// Returns whether the value changed.
pub fn apply_wheel<P: Param>(ui: &Ui, param: &P, setter: &ParamSetter) -> bool {
    let notches = wheel_notches(ui);
    if notches == 0.0 {
        return false;
    }
    let fine = ui.input(|i| i.modifiers.shift);
    let n = snap(
        param,
        param.unmodulated_normalized_value() + wheel_step(param, fine) * notches.signum(),
    );
    if n == param.unmodulated_normalized_value() {
        return false;
    }
    set_normalized(setter, param, n);
    true
}

/// Drag law shared by knobs and display nodes: the value follows the pointer's travel since the
/// drag began (`KNOB_DRAG_PT` for the whole range, ten times finer with Shift), re-anchored when
/// Shift changes so switching to fine mode never jumps. `travel` is the signed travel along the
/// control's axis, points, from egui's total drag delta (which includes the first points
/// before egui recognised the drag). Returns the normalized value to set.
pub fn drag_value<P: Param>(ui: &Ui, id: egui::Id, param: &P, travel: f32, span_pt: f32) -> f32 {
    let fine = ui.input(|i| i.modifiers.shift);
    let key = id.with("drag_anchor");
    let (mut n0, mut t0, was_fine): (f32, f32, bool) =
        ui.data(|m| m.get_temp(key))
            .unwrap_or((param.unmodulated_normalized_value(), 0.0, fine));
    if was_fine != fine {
        (n0, t0) = (param.unmodulated_normalized_value(), travel);
    }
    ui.data_mut(|m| m.insert_temp(key, (n0, t0, fine)));
    let per_pt = if fine { 0.1 } else { 1.0 } / span_pt;
    snap(param, n0 + (travel - t0) * per_pt)
}

/// Forgets a drag's anchor (at the end of the drag).
pub fn end_drag(ui: &Ui, id: egui::Id) {
    ui.data_mut(|m| m.remove::<(f32, f32, bool)>(id.with("drag_anchor")));
}

/// A rotary knob: label above, dial with a value arc (from the centre for parameters whose
/// default sits mid-range, such as gains and pan), value below. Drag up or right to raise
/// (Shift: fine), wheel to step, double-click to reset to the default, click the value to type
/// one ("-3", "1k", "2.5 kHz", "300 ms"); hovering shows the full name and range.
pub fn knob<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, label: &str) -> Response {
    let (rect, mut resp) = ui.allocate_exact_size(KNOB_SIZE, Sense::click_and_drag());
    let id = resp.id;
    probe::record(ui, "knob", param.name(), rect);
    let label_rect = Rect::from_min_size(rect.min, Vec2::new(rect.width(), 14.0));
    let value_rect = Rect::from_min_max(Pos2::new(rect.left(), rect.bottom() - 16.0), rect.max);
    let dial = Rect::from_center_size(
        Pos2::new(
            rect.center().x,
            (label_rect.bottom() + value_rect.top()) * 0.5,
        ),
        Vec2::splat(DIAL_PT),
    );
    let editing_id = id.with("typing");
    let mut editing: Option<String> = ui.data(|d| d.get_temp(editing_id));

    if resp.double_clicked() {
        set_normalized(setter, param, param.default_normalized_value());
        ui.data_mut(|d| d.remove::<String>(editing_id));
        editing = None;
        resp.mark_changed();
    } else if resp.clicked()
        && ui
            .input(|i| i.pointer.interact_pos())
            .is_some_and(|p| value_rect.contains(p))
    {
        editing = Some(param.to_string());
    }
    if resp.drag_started() {
        setter.begin_set_parameter(param);
    }
    if resp.dragged() {
        let total = resp.total_drag_delta().unwrap_or_default();
        let n = drag_value(ui, id, param, total.x - total.y, KNOB_DRAG_PT);
        if n != param.unmodulated_normalized_value() {
            setter.set_parameter_normalized(param, n);
            resp.mark_changed();
        }
    }
    if resp.drag_stopped() {
        end_drag(ui, id);
        setter.end_set_parameter(param);
    }
    if resp.hovered() && !resp.dragged() && apply_wheel(ui, param, setter) {
        resp.mark_changed();
    }

    // The dial.
    let painter = ui.painter();
    let norm = param.modulated_normalized_value();
    let (a0, a1) = (0.75 * std::f32::consts::PI, 2.25 * std::f32::consts::PI);
    let angle = |n: f32| a0 + (a1 - a0) * n;
    let r = dial.width() * 0.5;
    let arc = |from: f32, to: f32, radius: f32| -> Vec<Pos2> {
        // About one segment per 11° of arc: smooth at 200 %, few triangles.
        let n = ((to - from).abs() * ARC_SEGMENTS as f32).ceil().max(1.0) as usize;
        (0..=n)
            .map(|i| {
                let t = i as f32 / n as f32;
                dial.center() + radius * Vec2::angled(angle(from + (to - from) * t))
            })
            .collect()
    };
    painter.add(egui::Shape::line(
        arc(0.0, 1.0, r),
        Stroke::new(3.0, theme::TRACK),
    ));
    let origin = if (param.default_normalized_value() - 0.5).abs() < 1e-3 {
        0.5
    } else {
        0.0
    };
    let active = resp.hovered() || resp.dragged();
    painter.add(egui::Shape::line(
        arc(origin, norm, r),
        Stroke::new(
            3.0,
            if active {
                theme::ACCENT_HI
            } else {
                theme::ACCENT
            },
        ),
    ));
    painter.circle_filled(dial.center(), r - 5.0, theme::KNOB_FACE);
    painter.line_segment(
        [
            dial.center() + (r - 14.0) * Vec2::angled(angle(norm)),
            dial.center() + (r - 6.0) * Vec2::angled(angle(norm)),
        ],
        Stroke::new(2.0, theme::TEXT),
    );
    fit_text(ui, label_rect, label, LABEL_SIZE, theme::LABEL);

    if let Some(mut text) = editing {
        let edit = ui.put(
            value_rect.shrink2(Vec2::new(1.0, 0.0)),
            egui::TextEdit::singleline(&mut text)
                .id(editing_id.with("field"))
                .font(FontId::proportional(LABEL_SIZE))
                .align(Align2::CENTER_CENTER),
        );
        edit.request_focus();
        let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
        let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
        if enter || escape || edit.lost_focus() {
            let parsed = param.string_to_normalized_value(&text);
            if enter && parsed.is_none() {
                // Not a value: the field stays open (red) for a correction; Esc leaves it.
                ui.data_mut(|d| d.insert_temp(editing_id, text));
                ui.painter().rect_stroke(
                    value_rect,
                    2.0,
                    Stroke::new(1.0, theme::WARN),
                    egui::StrokeKind::Inside,
                );
            } else {
                if let (true, Some(n)) = (enter, parsed) {
                    set_normalized(setter, param, n);
                    resp.mark_changed();
                }
                ui.data_mut(|d| d.remove::<String>(editing_id));
            }
        } else {
            ui.data_mut(|d| d.insert_temp(editing_id, text));
        }
    } else {
        fit_text(
            ui,
            value_rect,
            &param.to_string(),
            LABEL_SIZE + 0.5,
            theme::TEXT,
        );
    }
    resp.widget_info(|| egui::WidgetInfo::slider(true, norm as f64, param.name()));
    resp.on_hover_text(hover_text(
        param,
        "Drag (Shift: fine), wheel, double-click resets, click the value to type one",
    ))
}

/// A switch for a boolean parameter: a pill whose knob slides right and lights when on, with
/// its label beside it. Click to toggle (one gesture).
pub fn switch(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, label: &str) -> Response {
    let galley = ui.painter().layout_no_wrap(
        label.to_string(),
        FontId::proportional(LABEL_SIZE + 1.0),
        theme::TEXT,
    );
    let pill = Vec2::new(26.0, 14.0);
    let size = Vec2::new(pill.x + 6.0 + galley.size().x, ROW_HEIGHT);
    let (rect, resp) = ui.allocate_exact_size(size, Sense::click());
    probe::record(ui, "switch", param.name(), rect);
    if resp.clicked() {
        set_normalized(setter, param, if param.value() { 0.0 } else { 1.0 });
    }
    let on = param.modulated_normalized_value() >= 0.5;
    let pill_rect =
        Rect::from_min_size(Pos2::new(rect.left(), rect.center().y - pill.y * 0.5), pill);
    let painter = ui.painter();
    let how = ui.ctx().animate_bool(resp.id, on);
    painter.rect_filled(
        pill_rect,
        pill.y * 0.5,
        if on { theme::ACCENT_DIM } else { theme::TRACK },
    );
    let x = egui::lerp(pill_rect.left() + 7.0..=pill_rect.right() - 7.0, how);
    painter.circle_filled(
        Pos2::new(x, pill_rect.center().y),
        5.0,
        if on { theme::ACCENT_HI } else { theme::LABEL },
    );
    if resp.hovered() {
        painter.rect_stroke(
            pill_rect,
            pill.y * 0.5,
            Stroke::new(1.0, theme::LABEL),
            egui::StrokeKind::Outside,
        );
    }
    let text_pos = Pos2::new(
        pill_rect.right() + 6.0,
        rect.center().y - galley.size().y * 0.5,
    );
    painter.galley(
        text_pos,
        galley,
        if on { theme::TEXT } else { theme::LABEL },
    );
    resp.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, on, label));
    resp.on_hover_text(format!(
        "{}: click to switch {}",
        param.name(),
        if on { "off" } else { "on" }
    ))
}

/// The values of a stepped parameter (enum, integer, boolean): normalized value and text.
pub fn steps<P: Param>(param: &P) -> Vec<(f32, String)> {
    let n = param.step_count().unwrap_or(1).max(1);
    (0..=n)
        .map(|i| {
            let v = i as f32 / n as f32;
            (v, param.normalized_value_to_string(v, true))
        })
        .collect()
}

/// Segmented buttons for a stepped parameter with a few short values (click one: one gesture).
pub fn segmented<P: Param>(ui: &mut Ui, setter: &ParamSetter, param: &P) -> Response {
    let choices = steps(param);
    let font = FontId::proportional(LABEL_SIZE);
    let widths: Vec<f32> = choices
        .iter()
        .map(|(_, t)| {
            ui.painter()
                .layout_no_wrap(t.clone(), font.clone(), theme::TEXT)
                .size()
                .x
                + 12.0
        })
        .collect();
    let size = Vec2::new(widths.iter().sum::<f32>(), ROW_HEIGHT);
    let (rect, resp) = ui.allocate_exact_size(size, Sense::hover());
    probe::record(ui, "choice", param.name(), rect);
    let current = param.modulated_normalized_value();
    let painter = ui.painter();
    painter.rect_filled(rect, 4.0, theme::TRACK);
    let mut x = rect.left();
    for (k, ((v, text), w)) in choices.iter().zip(&widths).enumerate() {
        let r = Rect::from_min_size(Pos2::new(x, rect.top()), Vec2::new(*w, rect.height()));
        x += w;
        let b = ui.interact(r, resp.id.with(k), Sense::click());
        let selected = (current - v).abs() < 0.5 / choices.len() as f32;
        if b.clicked() && !selected {
            set_normalized(setter, param, *v);
        }
        if selected {
            ui.painter()
                .rect_filled(r.shrink(1.0), 3.0, theme::ACCENT_DIM);
        } else if b.hovered() {
            ui.painter().rect_filled(r.shrink(1.0), 3.0, theme::HOVER);
        }
        ui.painter().text(
            r.center(),
            Align2::CENTER_CENTER,
            text,
            font.clone(),
            if selected { theme::TEXT } else { theme::LABEL },
        );
    }
    resp.on_hover_text(format!("{}: click a value", param.name()))
}

/// A drop-down menu for a stepped parameter with many or long values, with a label above it so
/// it stands in a row of knobs (`width` points wide). Wheel over it steps the value.
pub fn menu<P: Param>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &P,
    label: &str,
    width: f32,
) -> Response {
    let inner = ui.allocate_ui_with_layout(
        Vec2::new(width, 40.0),
        egui::Layout::top_down(egui::Align::Center),
        |ui| {
            ui.set_width(width);
            let (label_rect, _) = ui.allocate_exact_size(Vec2::new(width, 14.0), Sense::hover());
            fit_text(ui, label_rect, label, LABEL_SIZE, theme::LABEL);
            let current = param.modulated_normalized_value();
            let resp = egui::ComboBox::from_id_salt(("lathe_menu", param.name()))
                .selected_text(egui::RichText::new(param.to_string()).size(LABEL_SIZE + 0.5))
                .width(width - 4.0)
                .show_ui(ui, |ui| {
                    for (v, text) in steps(param) {
                        let selected = (current - v).abs() < 1e-4;
                        if ui.selectable_label(selected, text).clicked() && !selected {
                            set_normalized(setter, param, v);
                        }
                    }
                })
                .response;
            if resp.hovered() {
                apply_wheel(ui, param, setter);
            }
            resp
        },
    );
    probe::record(ui, "choice", param.name(), inner.response.rect);
    inner
        .inner
        .on_hover_text(hover_text(param, "Click to choose, or wheel"))
}

/// A plain action button (not a parameter), recorded by the layout probe.
pub fn button(ui: &mut Ui, text: &str) -> Response {
    let resp = ui.button(egui::RichText::new(text).size(LABEL_SIZE + 1.0));
    probe::record(ui, "button", text, resp.rect);
    resp
}

/// Editor scales offered, from 75 % to 200 %.
pub const ZOOMS: [f32; 6] = [0.75, 1.0, 1.25, 1.5, 1.75, 2.0];

/// The editor scale selector (75–200 %).
pub fn scale_selector(ui: &mut Ui) {
    let zoom = ui.ctx().zoom_factor();
    egui::ComboBox::from_id_salt("lathe_scale")
        .selected_text(format!("{:.0} %", zoom * 100.0))
        .width(64.0)
        .show_ui(ui, |ui| {
            for z in ZOOMS {
                let current = (zoom - z).abs() < 0.01;
                if ui
                    .selectable_label(current, format!("{:.0} %", z * 100.0))
                    .clicked()
                {
                    ui.ctx().set_zoom_factor(z);
                }
            }
        })
        .response
        .on_hover_text("Editor scale");
}

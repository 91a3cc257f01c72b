//! Parameter controls. Every edit is wrapped in begin/set/end gestures so hosts record
//! automation and undo correctly.

use egui::Ui;
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;

/// Width of a parameter slider (the value box comes beside it).
pub const SLIDER_WIDTH: f32 = 64.0;
/// Width of a row's label.
pub const LABEL_WIDTH: f32 = 74.0;

/// A slider for any parameter (drag, Shift for fine, double-click resets, click the value to
/// type it).
pub fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter) {
    ui.add(ParamSlider::for_param(param, setter).with_width(SLIDER_WIDTH))
        .on_hover_text(param.name());
}

/// A labelled slider row.
pub fn row<P: Param>(ui: &mut Ui, label: &str, param: &P, setter: &ParamSetter) {
    ui.horizontal(|ui| {
        ui.add_sized([LABEL_WIDTH, 18.0], egui::Label::new(label));
        slider(ui, param, setter);
    });
}

/// An on/off switch for a boolean parameter.
pub fn toggle(ui: &mut Ui, setter: &ParamSetter, param: &BoolParam, label: &str) {
    let on = param.value();
    // The highlight shows the state (the default fonts have no reliable switch glyphs).
    let text = if on {
        egui::RichText::new(label).strong()
    } else {
        egui::RichText::new(label)
    };
    if ui
        .selectable_label(on, text)
        .on_hover_text(param.name())
        .clicked()
    {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, !on);
        setter.end_set_parameter(param);
    }
}

/// Segmented buttons for a choice parameter.
pub fn choice<T: Enum + PartialEq + Copy + 'static>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<T>,
) {
    let current = param.value();
    ui.horizontal(|ui| {
        for (i, name) in T::variants().iter().enumerate() {
            let v = T::from_index(i);
            if ui.selectable_label(v == current, *name).clicked() && v != current {
                setter.begin_set_parameter(param);
                setter.set_parameter(param, v);
                setter.end_set_parameter(param);
            }
        }
    });
}

/// The editor scale selector (75–150 %).
pub fn scale_selector(ui: &mut Ui) {
    let zoom = ui.ctx().zoom_factor();
    egui::ComboBox::from_id_salt("lathe_scale")
        .selected_text(format!("{:.0} %", zoom * 100.0))
        .width(64.0)
        .show_ui(ui, |ui| {
            for z in [0.75f32, 1.0, 1.25, 1.5] {
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

//! The factory preset menu: choosing a preset sets every parameter through the host
//! (begin/set/end per parameter), so automation lanes and the host's display follow.

use egui::Ui;
use nice_plug::prelude::*;
use shared_plugin::presets::{resolve, FactoryPreset};

/// A menu of factory presets; the chosen one's name (or an error in words) goes to `status`.
pub fn preset_menu(
    ui: &mut Ui,
    presets: &[FactoryPreset],
    params: &dyn Params,
    setter: &ParamSetter,
    status: &mut String,
) {
    egui::ComboBox::from_id_salt("factory_presets")
        .selected_text(if status.is_empty() {
            "Presets"
        } else {
            status.as_str()
        })
        .width(180.0)
        .show_ui(ui, |ui| {
            for preset in presets {
                let chosen = ui
                    .selectable_label(false, &preset.name)
                    .on_hover_text(&preset.description)
                    .clicked();
                if chosen {
                    *status = match apply_through_host(params, preset, setter) {
                        Ok(()) => preset.name.clone(),
                        Err(e) => e,
                    };
                }
            }
        });
}

/// Sets every parameter to the preset's value through the host.
pub fn apply_through_host(
    params: &dyn Params,
    preset: &FactoryPreset,
    setter: &ParamSetter,
) -> Result<(), String> {
    let values = resolve(params, preset)?;
    let ctx = setter.raw_context;
    for v in values {
        // SAFETY: the pointers come from the plugin's parameters, which outlive the editor.
        unsafe {
            ctx.raw_begin_set_parameter(v.param);
            ctx.raw_set_parameter_normalized(v.param, v.normalized);
            ctx.raw_end_set_parameter(v.param);
        }
    }
    Ok(())
}

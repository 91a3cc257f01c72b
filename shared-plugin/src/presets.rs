//! Factory presets: data files embedded in a plugin (`presets/factory.json`), not code.
//!
//! A factory preset names its use, says in one line what it does and why, and lists parameter
//! values **as the text the plugin itself shows and accepts** ("60 %", "2 ms", "50 Hz",
//! "On"), keyed by the stable parameter ID. Text keeps the files readable and independent of
//! how a range maps to the normalised value. Every parameter a preset does not list goes to
//! its default, so a preset always gives the same sound whatever was set before; the host
//! bypass is never touched.
//!
//! ```json
//! [ { "name": "Hum 50 Hz", "description": "Removes 50 Hz mains hum ...",
//!     "values": { "dhm_on": "On", "dhm_base": "50 Hz" } } ]
//! ```
//!
//! [`resolve`] turns a preset into normalised values for every parameter and says in words
//! what is wrong (unknown ID, unparsable value). The editor applies them through the host's
//! setters so automation lanes and the host's display follow.

use nice_plug::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One factory preset.
#[derive(Clone, Debug, Deserialize)]
pub struct FactoryPreset {
    /// Name, named for its use ("Vinyl declick").
    pub name: String,
    /// One line: what it does and why.
    pub description: String,
    /// Parameter ID → value text in the plugin's own units.
    pub values: BTreeMap<String, String>,
}

/// Parses a plugin's embedded factory preset file.
pub fn parse_factory(json: &str) -> Result<Vec<FactoryPreset>, String> {
    serde_json::from_str(json).map_err(|e| format!("factory presets do not parse: {e}"))
}

/// A parameter and the normalised value a preset gives it.
pub struct PresetValue {
    /// The parameter's stable ID.
    pub id: String,
    /// The parameter.
    pub param: ParamPtr,
    /// Its new normalised value.
    pub normalized: f32,
}

/// Every parameter's normalised value under `preset` (listed ones parsed from their text,
/// the others at their defaults; the bypass is left out). Errors name the preset, the
/// parameter and the value.
pub fn resolve(params: &dyn Params, preset: &FactoryPreset) -> Result<Vec<PresetValue>, String> {
    let map = params.param_map();
    for id in preset.values.keys() {
        if !map.iter().any(|(pid, _, _)| pid == id) {
            return Err(format!(
                "preset \"{}\": unknown parameter ID \"{id}\"",
                preset.name
            ));
        }
    }
    let mut out = Vec::with_capacity(map.len());
    for (id, ptr, _) in map {
        // SAFETY: the pointers come from `params`, which outlives this call.
        let (is_bypass, default) = unsafe {
            (
                ptr.flags().contains(ParamFlags::BYPASS),
                ptr.default_normalized_value(),
            )
        };
        if is_bypass {
            continue;
        }
        let normalized = match preset.values.get(&id) {
            Some(text) => unsafe { ptr.string_to_normalized_value(text) }.ok_or_else(|| {
                format!(
                    "preset \"{}\": \"{text}\" is not a valid value for \"{id}\"",
                    preset.name
                )
            })?,
            None => default,
        };
        out.push(PresetValue {
            id,
            param: ptr,
            normalized,
        });
    }
    Ok(out)
}

/// Sets the values directly on the parameter objects, with no host involved: for tests and the
/// command line, which own their parameters. A plugin's editor goes through the host instead
/// (see `shared_gui::presets`).
pub fn apply_without_host(params: &dyn Params, preset: &FactoryPreset) -> Result<(), String> {
    for v in resolve(params, preset)? {
        // SAFETY: the pointer comes from `params`, which outlives this call; nothing else
        // reads the parameters concurrently in the tests and the command line.
        unsafe {
            v.param._internal_set_normalized_value(v.normalized);
        }
    }
    Ok(())
}

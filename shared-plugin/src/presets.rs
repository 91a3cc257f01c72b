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
    /// What the description promises, checked by the plugin's preset test.
    pub expect: Expectation,
}

/// What a factory preset promises, in numbers its test checks: run on a real recording from
/// `tests/data`, the output level (RMS over the whole file, latency removed) moves by an amount
/// within `level_change_db` relative to the input, and, where that range allows no change at
/// all, the change itself (output − input, latency removed) lies within `change_db` of the
/// input: a preset that promises to compress or equalise cannot pass by doing nothing.
#[derive(Clone, Debug, Deserialize)]
pub struct Expectation {
    /// The recording's file name in `tests/data` without extension ("04_drums_groove").
    pub recording: String,
    /// Lowest and highest output-minus-input RMS level change, dB.
    pub level_change_db: [f64; 2],
    /// Lowest and highest energy of output − input relative to the input, dB (required when
    /// `level_change_db` includes 0 dB).
    #[serde(default)]
    pub change_db: Option<[f64; 2]>,
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

/// Every parameter's normalised value under a user preset's plain values (listed ones
/// converted from their unit, the others at their defaults; the bypass is left out). A
/// parameter this plugin does not have is an error: the preset came from a newer version.
pub fn resolve_plain(
    params: &dyn Params,
    name: &str,
    values: &BTreeMap<String, f32>,
) -> Result<Vec<PresetValue>, String> {
    let map = params.param_map();
    if let Some(id) = values
        .keys()
        .find(|id| !map.iter().any(|(pid, _, _)| pid == *id))
    {
        return Err(format!(
            "preset \"{name}\" sets \"{id}\", which this version does not have: it was \
             saved by a newer version of Lathe"
        ));
    }
    let mut out = Vec::with_capacity(map.len());
    for (id, ptr, _) in map {
        // SAFETY: the pointers come from `params`, which outlives this call.
        unsafe {
            if ptr.flags().contains(ParamFlags::BYPASS) {
                continue;
            }
            let normalized = match values.get(&id) {
                Some(&plain) if plain.is_finite() => {
                    let plain = if ptr.step_count().is_some() {
                        plain.round()
                    } else {
                        plain
                    };
                    ptr.preview_normalized(plain).clamp(0.0, 1.0)
                }
                Some(plain) => {
                    return Err(format!(
                        "preset \"{name}\": \"{id}\" has no valid value ({plain})"
                    ))
                }
                None => ptr.default_normalized_value(),
            };
            out.push(PresetValue {
                id,
                param: ptr,
                normalized,
            });
        }
    }
    Ok(out)
}

/// Every parameter's current plain value (the bypass left out), keyed by ID: what a user preset
/// and an A/B slot store.
pub fn capture(params: &dyn Params) -> BTreeMap<String, f32> {
    params
        .param_map()
        .into_iter()
        .filter_map(|(id, ptr, _)| {
            // SAFETY: the pointers come from `params`, which outlives this call.
            unsafe {
                (!ptr.flags().contains(ParamFlags::BYPASS))
                    .then(|| (id, ptr.preview_plain(ptr.unmodulated_normalized_value())))
            }
        })
        .collect()
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

/// Sets one parameter from text in the plugin's own units and forms ("2.5 kHz", "-3 dB",
/// "On", "4:1"), with no host involved (the command line's `--set ID=VALUE`). Unlike a host's
/// text entry, which clamps, a number outside the parameter's range is an error. Every error
/// says what is valid: the IDs, the range with its unit, or the choices.
pub fn set_from_text(params: &dyn Params, id: &str, text: &str) -> Result<(), String> {
    let table = crate::table::param_table(params);
    let map = params.param_map();
    let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
        let ids: Vec<&str> = table
            .iter()
            .filter(|r| !r.bypass)
            .map(|r| r.id.as_str())
            .collect();
        return Err(format!(
            "unknown parameter ID \"{id}\"; valid IDs: {}",
            ids.join(", ")
        ));
    };
    let Some(row) = table.iter().find(|r| r.id == id) else {
        return Err(format!("unknown parameter ID \"{id}\""));
    };
    if row.bypass {
        return Err(format!(
            "\"{id}\" is the host bypass; leave it out to process, or skip the plugin"
        ));
    }
    let valid = describe_valid(row);
    // SAFETY: the pointer comes from `params`, which outlives this call; the caller owns the
    // parameters (no host or audio thread reads them concurrently).
    unsafe {
        // A choice is found by its name in any case ("off", "OFF" for "Off").
        let text = row
            .choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(text.trim()))
            .map_or(text, |c| c.as_str());
        let normalized = ptr
            .string_to_normalized_value(text)
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("\"{text}\" is not a valid value for \"{id}\"; {valid}"))?;
        if row.kind == "float" && (normalized <= 0.0 || normalized >= 1.0) {
            // The parser clamps: compare the number typed with the edge it was clamped to.
            let base = row.unit.replace(' ', "").to_lowercase();
            let edge = ptr.normalized_value_to_string(normalized, false);
            if let (Some(typed), Some(shown)) = (
                crate::params::parse_number(text, &base),
                crate::params::parse_number(&edge, &base),
            ) {
                let tolerance = 0.01 * shown.abs().max(1.0);
                if shown.is_finite() && (typed - shown).abs() > tolerance {
                    return Err(format!("\"{text}\" is out of range for \"{id}\"; {valid}"));
                }
            }
        }
        ptr._internal_set_normalized_value(normalized);
    }
    Ok(())
}

/// What a parameter accepts, in words: "range -24.0 to 24.0 dB" or "choices: Off, On".
fn describe_valid(row: &crate::table::ParamRow) -> String {
    if row.choices.is_empty() {
        format!(
            "valid: {} to {}{} (default {})",
            row.min_text, row.max_text, row.unit, row.default_text
        )
    } else {
        format!("valid: {}", row.choices.join(", "))
    }
}

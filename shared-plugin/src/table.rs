//! A plugin's parameter table, generated from its `Params` (so ranges, defaults and units are
//! written once, in the parameter constructors) and committed as `params.json` beside the
//! plugin's `Cargo.toml`. The host tests (pedalboard and the CLAP host) read that file and
//! check that each host shows exactly this; a test in each plugin checks that the committed
//! file is current (`LATHE_UPDATE_PARAM_TABLES=1 cargo test` rewrites it).

use nice_plug::prelude::*;
use serde::Serialize;

/// One parameter as a host sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamRow {
    /// Stable ID (never renamed).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unit label (may be empty).
    pub unit: String,
    /// `"float"`, `"bool"` or `"choice"`.
    pub kind: String,
    /// Text at the minimum (normalised 0), without unit.
    pub min_text: String,
    /// Text at the maximum (normalised 1), without unit.
    pub max_text: String,
    /// Text of the default, without unit.
    pub default_text: String,
    /// Default, normalised 0–1.
    pub default_normalized: f32,
    /// For choices: the texts of every step; for bools: `["Off", "On"]`.
    pub choices: Vec<String>,
    /// `true` for the host bypass parameter.
    pub bypass: bool,
}

/// The table for a set of parameters, in the order the host sees them.
pub fn param_table(params: &dyn Params) -> Vec<ParamRow> {
    params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _group)| {
            // SAFETY: the pointers come from `params`, which outlives this call.
            unsafe {
                let steps = ptr.step_count();
                let text = |n: f32| ptr.normalized_value_to_string(n, false);
                let is_bool = matches!(ptr, ParamPtr::BoolParam(_));
                let kind = if is_bool {
                    "bool"
                } else if steps.is_some() && !matches!(ptr, ParamPtr::FloatParam(_)) {
                    "choice"
                } else {
                    "float"
                };
                let choices = match steps {
                    Some(n) if kind != "float" => {
                        (0..=n).map(|i| text(i as f32 / n as f32)).collect()
                    }
                    _ => Vec::new(),
                };
                let default = ptr.default_normalized_value();
                ParamRow {
                    id,
                    name: ptr.name().to_string(),
                    unit: ptr.unit().to_string(),
                    kind: kind.to_string(),
                    min_text: text(0.0),
                    max_text: text(1.0),
                    default_text: text(default),
                    default_normalized: default,
                    choices,
                    bypass: ptr.flags().contains(ParamFlags::BYPASS),
                }
            }
        })
        .collect()
}

/// The table as pretty JSON (what `params.json` holds).
pub fn param_table_json(params: &dyn Params) -> String {
    serde_json::to_string_pretty(&param_table(params)).expect("a table serialises") + "\n"
}

/// Checks that the committed `params.json` at `path` equals the table of `params`; with
/// `LATHE_UPDATE_PARAM_TABLES` set, rewrites it instead. Returns an error in words.
pub fn check_committed_table(params: &dyn Params, path: &std::path::Path) -> Result<(), String> {
    let json = param_table_json(params);
    if std::env::var_os("LATHE_UPDATE_PARAM_TABLES").is_some() {
        std::fs::write(path, &json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if committed != json {
        return Err(format!(
            "{} is out of date: run `LATHE_UPDATE_PARAM_TABLES=1 cargo test --release` and commit it",
            path.display()
        ));
    }
    Ok(())
}

/// For every parameter and 1001 points of its range: the text parses back to a value that
/// shows the same text (with and without the unit, as VST3 and CLAP hosts send it). Returns
/// every failure in words.
pub fn check_text_round_trip(params: &dyn Params) -> Vec<String> {
    let mut failures = Vec::new();
    for (id, ptr, _) in params.param_map() {
        // SAFETY: as in `param_table`.
        unsafe {
            for i in 0..=1000 {
                let n = i as f32 / 1000.0;
                for with_unit in [false, true] {
                    let text = ptr.normalized_value_to_string(n, with_unit);
                    match ptr.string_to_normalized_value(&text) {
                        None => failures.push(format!("{id}: {text:?} does not parse")),
                        Some(back) => {
                            let again = ptr.normalized_value_to_string(back, with_unit);
                            if again != text {
                                failures.push(format!("{id}: {text:?} → {again:?}"));
                            }
                        }
                    }
                }
            }
        }
    }
    failures.dedup();
    failures
}

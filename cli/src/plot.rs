//! Pictures: `--plot FILE.png` (being written).

use crate::measure::Measurement;
use std::path::Path;

/// Draws momentary and short-term loudness over time (the `series` of `m`), the integrated
/// loudness, the target and ceiling lines and the true-peak marker, as a PNG at `path`.
pub fn loudness_png(
    _path: &Path,
    _file_name: &str,
    _m: &Measurement,
    _target_lufs: Option<f64>,
    _ceiling_dbtp: Option<f64>,
) -> Result<(), String> {
    Err("not yet".to_string())
}

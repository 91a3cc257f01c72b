//! Parameter constructors: each parameter's range, default, unit and text form are written once,
//! here or in the one call that creates it.
//!
//! Text rules (checked for every parameter of every plugin by [`crate::table::check_text_round_trip`]):
//! - the text a host shows parses back to a value that shows the same text;
//! - text entry takes plain numbers and the usual units and prefixes: `4`, `-3 dB`, `1k`,
//!   `2.5 kHz`, `300 ms`, `1.2 s`, `50 %`, `4:1`, `inf`/`∞`, `50L`/`C`/`30R`;
//! - the text without its unit is a plain number wherever that is possible (ratio `4.0` with the
//!   unit `:1`, pan `-50` with the unit ` %`), so that scripting hosts such as pedalboard treat
//!   the parameter as a number and accept `plugin.ratio = 4`.

use nice_plug::prelude::*;
use shared_dsp::db::{db_to_gain, gain_to_db};
use shared_dsp::dynamics::compressor::Detector;
pub use shared_dsp::range::Range;
use std::sync::Arc;

/// A compressor's level detector as a choice parameter (ids `peak`, `rms`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectorParam {
    /// Peak (held 5 ms): catches transients; a sine reads its peak.
    #[id = "peak"]
    #[name = "Peak"]
    Peak,
    /// RMS: follows average level; a sine reads its RMS.
    #[id = "rms"]
    #[name = "RMS"]
    Rms,
}

impl DetectorParam {
    /// The DSP detector.
    pub fn to_dsp(self) -> Detector {
        match self {
            Self::Peak => Detector::Peak,
            Self::Rms => Detector::Rms,
        }
    }
}

/// Parses a number with an optional unit and SI prefix: returns the number in the base unit
/// (`"2.5 kHz"` → 2500, `"300 ms"` → 300 with base `ms`, `"1.2 s"` → 1200 with base `ms`,
/// `"-3 dB"` → -3, `"4:1"` → 4, `"inf"`/`"∞"` → +∞). `base` is the parameter's unit without
/// spaces, lower case (`"hz"`, `"ms"`, `"db"`, `"%"`, `""`).
pub fn parse_number(text: &str, base: &str) -> Option<f32> {
    let t = text.trim().replace('−', "-").replace(',', ".");
    let lower = t.to_ascii_lowercase();
    let mut s = lower.trim();
    if let Some(stripped) = s.strip_suffix(":1") {
        s = stripped.trim();
    }
    if matches!(s, "inf" | "∞" | "+inf" | "+∞") {
        return Some(f32::INFINITY);
    }
    // Split number and suffix: the number is the longest prefix that parses.
    let split = (1..=s.len())
        .rev()
        .filter(|&i| s.is_char_boundary(i))
        .find(|&i| s[..i].trim().parse::<f64>().is_ok())?;
    let (num, suffix) = s.split_at(split);
    let value: f64 = num.trim().parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let suffix = suffix.trim();
    let scale = match (suffix, base) {
        ("", _) => 1.0,
        (u, b) if u == b => 1.0,
        ("k", "hz") | ("khz", "hz") => 1000.0,
        ("s", "ms") | ("sec", "ms") => 1000.0,
        ("ms", "s") => 0.001,
        ("sec", "s") => 1.0,
        ("x", "×") => 1.0,
        ("us", "ms") | ("µs", "ms") => 0.001,
        ("hz", "hz") | ("ms", "ms") | ("db", "db") | ("%", "%") => 1.0,
        // A true-peak or loudness level also takes plain dB ("-1 dB" for a ceiling).
        ("db", "dbtp") | ("db", "lufs") | ("lu", "lufs") | ("db", "dbfs") => 1.0,
        _ => return None,
    };
    let v = (value * scale) as f32;
    v.is_finite().then_some(v)
}

/// Decimals for a value shown with about three significant digits.
fn adaptive_decimals(v: f32) -> usize {
    // Decided on the rounded value, so 9.9999 (shown "10.0") and 10.0 show alike.
    let a = v.abs();
    if (a * 100.0).round() < 1000.0 {
        2
    } else if (a * 10.0).round() < 1000.0 {
        1
    } else {
        0
    }
}

fn format_adaptive(v: f32) -> String {
    let d = adaptive_decimals(v);
    let s = format!("{v:.d$}");
    // "-0.00" would parse back to 0 but is shown differently from "0.00".
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A logarithmic-feeling range (skew −2: the centre of travel is near the geometric mean).
fn skewed(min: f32, max: f32) -> FloatRange {
    FloatRange::Skewed {
        min,
        max,
        factor: FloatRange::skew_factor(-2.0),
    }
}

/// A frequency in Hz on a logarithmic-feeling range, shown with about three digits.
pub fn hz(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, skewed(min, max))
        .with_unit(" Hz")
        .with_value_to_string(Arc::new(format_adaptive))
        .with_string_to_value(Arc::new(|s| parse_number(s, "hz")))
}

/// A time in ms on a logarithmic-feeling range (`0 ms` allowed when `min` is 0), shown with
/// about three digits; text entry takes `ms` and `s`.
pub fn ms(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, skewed(min, max))
        .with_unit(" ms")
        .with_value_to_string(Arc::new(format_adaptive))
        .with_string_to_value(Arc::new(|s| parse_number(s, "ms")))
}

/// A level or gain in dB on a linear range, shown with one decimal.
pub fn db(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_unit(" dB")
        .with_value_to_string(Arc::new(|v| format_fixed(v, 1)))
        .with_string_to_value(Arc::new(|s| parse_number(s, "db")))
}

/// A level on a linear range with its own dB-like unit (`"dBTP"`, `"LUFS"`, `"dBFS"`), shown with one
/// decimal; text entry takes the unit, plain `dB` or no unit.
pub fn level(
    name: impl Into<String>,
    default: f32,
    min: f32,
    max: f32,
    unit: &'static str,
) -> FloatParam {
    let base = unit.to_ascii_lowercase();
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_unit(match unit {
            "dBTP" => " dBTP",
            "LUFS" => " LUFS",
            "dBFS" => " dBFS",
            _ => " dB",
        })
        .with_value_to_string(Arc::new(|v| format_fixed(v, 1)))
        .with_string_to_value(Arc::new(move |s| parse_number(s, &base)))
}

/// A gain stored linear and shown in dB, ±`range_db`, default 0 dB.
pub fn gain(name: impl Into<String>, range_db: f32) -> FloatParam {
    gain_in(name, Range::new(-range_db, range_db, 0.0))
}

/// A fraction `0..=max` shown as a percentage with no decimals (1.0 shows `100`).
pub fn percent(name: impl Into<String>, default: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max })
        .with_unit(" %")
        .with_value_to_string(Arc::new(|v| format_fixed(100.0 * v, 0)))
        .with_string_to_value(Arc::new(|s| parse_number(s, "%").map(|v| v / 100.0)))
}

/// A compression ratio `min..=max` on a skew −2 range, shown `4.0` with the unit `:1`; when
/// `infinity` is set, the maximum means ∞:1 and shows `inf`.
pub fn ratio(
    name: impl Into<String>,
    default: f32,
    min: f32,
    max: f32,
    infinity: bool,
) -> FloatParam {
    ratio_skewed(name, default, min, max, -2.0, infinity)
}

/// [`hz`] over a range written once (`shared_dsp::range::Range`, which the engine's
/// sanitiser clamps to).
pub fn hz_in(name: impl Into<String>, r: Range) -> FloatParam {
    hz(name, r.default, r.min, r.max)
}

/// A time in seconds on a logarithmic-feeling range, shown with about three digits; text
/// entry takes `s` and `ms`.
pub fn seconds_in(name: impl Into<String>, r: Range) -> FloatParam {
    FloatParam::new(name, r.default, skewed(r.min, r.max))
        .with_unit(" s")
        .with_value_to_string(Arc::new(format_adaptive))
        .with_string_to_value(Arc::new(|s| parse_number(s, "s")))
}

/// A multiplier (of a time, a level) on a logarithmic-feeling range, shown `1.50` with the
/// unit `×`; text entry takes `×`, `x` or no unit.
pub fn factor_in(name: impl Into<String>, r: Range) -> FloatParam {
    FloatParam::new(name, r.default, skewed(r.min, r.max))
        .with_unit(" ×")
        .with_value_to_string(Arc::new(|v| format_fixed(v, 2)))
        .with_string_to_value(Arc::new(|s| parse_number(s, "×")))
}

/// [`ms`] over a range written once.
pub fn ms_in(name: impl Into<String>, r: Range) -> FloatParam {
    ms(name, r.default, r.min, r.max)
}

/// [`db`] over a range written once.
pub fn db_in(name: impl Into<String>, r: Range) -> FloatParam {
    db(name, r.default, r.min, r.max)
}

/// [`percent`] over a range written once (a fraction from 0: `r.min` must be 0).
pub fn percent_in(name: impl Into<String>, r: Range) -> FloatParam {
    assert!(r.min == 0.0, "a percentage starts at 0 %");
    percent(name, r.default, r.max)
}

/// A gain stored linear and shown in dB over a range in dB written once (the engine clamps
/// the linear gain with `Range::clamp_gain`); for a symmetric range with a 0 dB default it is
/// [`gain`].
pub fn gain_in(name: impl Into<String>, r: Range) -> FloatParam {
    FloatParam::new(
        name,
        db_to_gain(r.default),
        FloatRange::Skewed {
            min: db_to_gain(r.min),
            max: db_to_gain(r.max),
            factor: FloatRange::gain_skew_factor(r.min, r.max),
        },
    )
    .with_unit(" dB")
    .with_value_to_string(Arc::new(|g| format_fixed(gain_to_db(g), 2)))
    .with_string_to_value(Arc::new(|s| parse_number(s, "db").map(db_to_gain)))
}

/// A plain number (no unit, e.g. a Q) on a logarithmic-feeling range, about three digits.
pub fn number(name: impl Into<String>, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, skewed(min, max))
        .with_value_to_string(Arc::new(format_adaptive))
        .with_string_to_value(Arc::new(|s| parse_number(s, "")))
}

/// [`ratio`] with a given skew (`FloatRange::skew_factor(skew)`), for ranges that shipped with
/// another skew (a range's mapping must not change once automation exists).
pub fn ratio_skewed(
    name: impl Into<String>,
    default: f32,
    min: f32,
    max: f32,
    skew: f32,
    infinity: bool,
) -> FloatParam {
    let range = FloatRange::Skewed {
        min,
        max,
        factor: FloatRange::skew_factor(skew),
    };
    FloatParam::new(name, default, range)
        .with_unit(":1")
        .with_value_to_string(Arc::new(move |r| {
            if infinity && r >= max {
                "inf".to_string()
            } else {
                let text = format_fixed(r, 1);
                if infinity && text == format_fixed(max, 1) {
                    // Just under ∞ would round to the maximum's number, which reads back as
                    // ∞: show it rounded down (49.96 → "49.9", not "50.0" → "inf").
                    format_fixed((r * 10.0).floor() / 10.0, 1)
                } else {
                    text
                }
            }
        }))
        .with_string_to_value(Arc::new(move |s| {
            parse_number(s, "").map(|r| if r.is_infinite() { max } else { r })
        }))
}

/// The plain ratio for a value of a [`ratio`] parameter whose maximum means ∞:1.
pub fn ratio_value(value: f32, max: f32) -> f32 {
    if value >= max {
        f32::INFINITY
    } else {
        value
    }
}

/// Pan −1 (left) … +1 (right), shown as a signed percentage (`-50` is half left) so scripting
/// hosts see a number; text entry also takes `50L`, `C`, `30R`.
pub fn pan(name: impl Into<String>) -> FloatParam {
    FloatParam::new(
        name,
        0.0,
        FloatRange::Linear {
            min: -1.0,
            max: 1.0,
        },
    )
    .with_unit(" %")
    .with_value_to_string(Arc::new(|v| format_fixed(100.0 * v, 0)))
    .with_string_to_value(Arc::new(|s| {
        let t = s.trim().to_ascii_lowercase();
        let t = t.trim_end_matches('%').trim();
        if t == "c" || t == "center" || t == "centre" {
            return Some(0.0);
        }
        if let Some(l) = t.strip_suffix('l') {
            return parse_number(l, "").map(|v| -v / 100.0);
        }
        if let Some(r) = t.strip_suffix('r') {
            return parse_number(r, "").map(|v| v / 100.0);
        }
        parse_number(t, "").map(|v| v / 100.0)
    }))
}

/// `v` with a fixed number of decimals, never `-0`.
pub fn format_fixed(v: f32, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// How far (normalised) a host may move a float parameter's default and still have it read as
/// the default: a few float steps at 0.5 (Ardour stores the normalised default and gives back
/// 0.50000006 for 0.5, which is +2·10⁻⁶ dB on a ±24 dB gain: the channel strip at defaults was
/// then 2.4·10⁻⁷ off its input instead of bit-exact). 10⁻⁶ of the range is 5·10⁻⁵ dB on
/// ±24 dB, 10⁻⁴ % on 0–100 %: no control can be set that close to its default on purpose.
pub const DEFAULT_SNAP_NORMALIZED: f32 = 1e-6;

/// The value the engine is given for a parameter (see [`DEFAULT_SNAP_NORMALIZED`]).
pub trait EngineValue {
    /// The plain value type.
    type Plain;
    /// The current value, exactly the default when it is within
    /// [`DEFAULT_SNAP_NORMALIZED`] of it in normalised terms.
    fn engine_value(&self) -> Self::Plain;
}

impl EngineValue for FloatParam {
    type Plain = f32;

    fn engine_value(&self) -> f32 {
        let v = self.value();
        let d = self.default_plain_value();
        if v == d {
            return v;
        }
        let off = (self.modulated_normalized_value() - self.preview_normalized(d)).abs();
        if off <= DEFAULT_SNAP_NORMALIZED {
            d
        } else {
            v
        }
    }
}

/// What every Lathe plugin's parameters hold first: the saved state's layout version, the
/// session (preset name, A/B, lock) and the editor's geometry, saved beside the parameters,
/// and the host bypass. A plugin's `Params` struct takes it as its first field,
/// `#[nested] pub common: CommonParams`: nested without a prefix, its keys and the bypass ID
/// are the plugin's own, so states saved before it existed load unchanged.
#[derive(Params)]
pub struct CommonParams {
    /// Layout version of the saved state (`shared_plugin::state`).
    #[persist = "version"]
    pub state_version: std::sync::atomic::AtomicU32,
    /// Preset name, A/B compare and lock (see `shared_plugin::session`).
    #[persist = "session"]
    pub session: crate::session::SessionField,
    /// The editor window's size and scale (see `shared_plugin::session::EditorGeometry`).
    #[persist = "editor"]
    pub editor: crate::session::EditorField,
    /// Host bypass (keeps the latency).
    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl CommonParams {
    /// The common fields of a plugin whose state layout is `state_version`.
    pub fn new(state_version: u32) -> Self {
        Self {
            state_version: std::sync::atomic::AtomicU32::new(state_version),
            session: crate::session::new_session_field(),
            editor: crate::session::new_editor_field(),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ratio just under its ∞ maximum shows a number that reads back as a number (found by
    /// clap-validator's fuzzer: 0.99985 showed "50.0:1", which read back as ∞).
    #[test]
    fn a_ratio_just_under_infinity_reads_back_as_itself() {
        let p = ratio("Ratio", 4.0, 1.0, 50.0, true);
        for n in [0.9990f32, 0.99985, 0.99999] {
            let text = p.normalized_value_to_string(n, false);
            let back = p.string_to_normalized_value(&text).unwrap();
            let again = p.normalized_value_to_string(back, false);
            assert_eq!(text, again, "{n}: {text} → {back} → {again}");
            assert_ne!(text, "inf", "{n}");
        }
        assert_eq!(p.normalized_value_to_string(1.0, false), "inf");
    }

    #[test]
    fn numbers_units_and_prefixes_parse() {
        assert_eq!(parse_number("4", ""), Some(4.0));
        assert_eq!(parse_number("4:1", ""), Some(4.0));
        assert_eq!(parse_number("4.0:1", ""), Some(4.0));
        assert_eq!(parse_number("∞:1", ""), Some(f32::INFINITY));
        assert_eq!(parse_number("-3 dB", "db"), Some(-3.0));
        assert_eq!(parse_number("−3dB", "db"), Some(-3.0));
        assert_eq!(parse_number("1k", "hz"), Some(1000.0));
        assert_eq!(parse_number("2.5 kHz", "hz"), Some(2500.0));
        assert_eq!(parse_number("80 Hz", "hz"), Some(80.0));
        assert_eq!(parse_number("1.2 s", "ms"), Some(1200.0));
        assert_eq!(parse_number("300 ms", "ms"), Some(300.0));
        assert_eq!(parse_number("50 %", "%"), Some(50.0));
        assert_eq!(parse_number("1e3", "hz"), Some(1000.0));
        assert_eq!(parse_number("abc", "hz"), None);
        assert_eq!(parse_number("3 ms", "hz"), None);
    }

    fn round_trip(p: &FloatParam, v: f32) {
        let norm = p.preview_normalized(v);
        let text = p.normalized_value_to_string(norm, false);
        let back = p.string_to_normalized_value(&text).expect(&text);
        let text2 = p.normalized_value_to_string(back, false);
        assert_eq!(text, text2, "{} at {v}", p.name());
    }

    #[test]
    fn every_constructor_round_trips_its_text() {
        let params = [
            hz("f", 1000.0, 20.0, 20000.0),
            ms("t", 10.0, 0.05, 3000.0),
            db("d", 0.0, -40.0, 10.0),
            gain("g", 24.0),
            percent("p", 1.0, 2.0),
            ratio("r", 4.0, 1.0, 50.0, true),
            pan("pan"),
        ];
        for p in params.iter() {
            for i in 0..=1000 {
                round_trip(p, p.preview_plain(i as f32 / 1000.0));
            }
        }
    }

    #[test]
    fn ratio_and_pan_show_plain_numbers() {
        let r = ratio("r", 4.0, 1.0, 50.0, true);
        assert_eq!(
            r.normalized_value_to_string(r.preview_normalized(4.0), false),
            "4.0"
        );
        assert_eq!(r.normalized_value_to_string(1.0, true), "inf:1");
        assert_eq!(
            r.preview_plain(r.string_to_normalized_value("4").unwrap()),
            4.0
        );
        let p = pan("pan");
        assert_eq!(
            p.normalized_value_to_string(p.preview_normalized(0.5017), false),
            "50"
        );
        assert!((p.preview_plain(p.string_to_normalized_value("30L").unwrap()) + 0.3).abs() < 1e-6);
        assert_eq!(
            p.preview_plain(p.string_to_normalized_value("C").unwrap()),
            0.0
        );
        let f = hz("f", 1000.0, 20.0, 20000.0);
        let khz = |t: &str| f.preview_plain(f.string_to_normalized_value(t).unwrap());
        assert!((khz("1k") - 1000.0).abs() < 0.01);
        assert!((khz("2.5 kHz") - 2500.0).abs() < 0.01);
    }
}

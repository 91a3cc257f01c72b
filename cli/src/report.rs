//! Streaming-platform normalisation model and the table / JSON output.

use crate::measure::Measurement;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The true-peak level, in dBTP, that a file should stay under after normalisation.
pub const TRUE_PEAK_LIMIT_DBTP: f64 = -1.0;

/// How a platform changes a file's level to reach its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Gain = target − I, up or down (broadcast normalisation, EBU R 128).
    UpAndDown,
    /// Turns loud files down to the target; turns quiet files up only as far as their true
    /// peak stays at or below −1 dBTP (Spotify "normal", Apple Music Sound Check). Never
    /// turns a quiet file down.
    UpToPeakLimit,
    /// Only turns loud files down; quiet files are left alone (YouTube, Tidal, Amazon).
    DownOnly,
}

impl Policy {
    /// Short name used in the JSON output.
    fn name(self) -> &'static str {
        match self {
            Policy::UpAndDown => "up-and-down",
            Policy::UpToPeakLimit => "up-to-peak-limit",
            Policy::DownOnly => "down-only",
        }
    }
}

/// A streaming platform's (or broadcaster's) loudness normalisation.
#[derive(Debug, Clone, Copy)]
pub struct Platform {
    /// Display name.
    pub name: &'static str,
    /// Normalisation target, in LUFS (integrated).
    pub target_lufs: f64,
    /// How the gain is chosen.
    pub policy: Policy,
}

/// The platforms reported for every file.
pub const PLATFORMS: [Platform; 6] = [
    Platform {
        name: "Spotify",
        target_lufs: -14.0,
        policy: Policy::UpToPeakLimit,
    },
    Platform {
        name: "Apple Music",
        target_lufs: -16.0,
        policy: Policy::UpToPeakLimit,
    },
    Platform {
        name: "YouTube",
        target_lufs: -14.0,
        policy: Policy::DownOnly,
    },
    Platform {
        name: "Tidal",
        target_lufs: -14.0,
        policy: Policy::DownOnly,
    },
    Platform {
        name: "Amazon Music",
        target_lufs: -14.0,
        policy: Policy::DownOnly,
    },
    Platform {
        name: "EBU R128",
        target_lufs: -23.0,
        policy: Policy::UpAndDown,
    },
];

/// What one platform does to one file.
#[derive(Debug, Clone, Copy)]
pub struct PlatformResult {
    /// The platform.
    pub platform: Platform,
    /// Gain the platform applies, in dB (negative = turned down); `None` for silence.
    pub gain_db: Option<f64>,
    /// True peak after that gain, in dBTP.
    pub true_peak_after_dbtp: Option<f64>,
    /// Whether the true peak after normalisation exceeds −1 dBTP.
    pub exceeds_limit: bool,
}

/// Applies `platform`'s policy to a file with integrated loudness `integrated_lufs` and true
/// peak `true_peak_dbtp`.
pub fn normalise(platform: Platform, integrated_lufs: f64, true_peak_dbtp: f64) -> PlatformResult {
    if !integrated_lufs.is_finite() {
        return PlatformResult {
            platform,
            gain_db: None,
            true_peak_after_dbtp: None,
            exceeds_limit: false,
        };
    }
    let full_gain_db = platform.target_lufs - integrated_lufs;
    let gain_db = match platform.policy {
        Policy::UpAndDown => full_gain_db,
        Policy::DownOnly => full_gain_db.min(0.0),
        Policy::UpToPeakLimit => {
            if full_gain_db <= 0.0 {
                full_gain_db
            } else if true_peak_dbtp.is_finite() {
                full_gain_db
                    .min(TRUE_PEAK_LIMIT_DBTP - true_peak_dbtp)
                    .max(0.0)
            } else {
                full_gain_db
            }
        }
    };
    let after = true_peak_dbtp + gain_db;
    PlatformResult {
        platform,
        gain_db: Some(gain_db),
        true_peak_after_dbtp: after.is_finite().then_some(after),
        exceeds_limit: after > TRUE_PEAK_LIMIT_DBTP,
    }
}

/// All platforms for one measurement.
pub fn platforms(m: &Measurement) -> Vec<PlatformResult> {
    PLATFORMS
        .iter()
        .map(|&p| normalise(p, m.readings.integrated_lufs, m.readings.true_peak_dbtp))
        .collect()
}

/// A finite number rounded to 3 decimals, or JSON `null` (silence gives −∞ loudness).
pub fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// The JSON object for one file (keys `I`, `LRA`, `M_max`, `S_max`, `sample_peak`, `TP`, `PLR`,
/// `platforms`, and `series` when asked for).
pub fn to_json(file: &str, m: &Measurement, with_series: bool) -> Value {
    let r = &m.readings;
    let mut obj = Map::new();
    obj.insert("file".into(), json!(file));
    obj.insert("sample_rate_hz".into(), json!(m.sample_rate_hz));
    obj.insert("channels".into(), json!(m.num_channels));
    obj.insert(
        "duration_s".into(),
        num(m.num_frames as f64 / m.sample_rate_hz as f64),
    );
    obj.insert("I".into(), num(r.integrated_lufs));
    obj.insert("LRA".into(), num(r.lra_lu));
    obj.insert("M_max".into(), num(r.momentary_max_lufs));
    obj.insert("S_max".into(), num(r.short_term_max_lufs));
    obj.insert("sample_peak".into(), num(r.sample_peak_dbfs));
    obj.insert("TP".into(), num(r.true_peak_dbtp));
    obj.insert("PLR".into(), num(r.plr_db));
    let platforms: Vec<Value> = platforms(m)
        .iter()
        .map(|p| {
            json!({
                "name": p.platform.name,
                "target_lufs": p.platform.target_lufs,
                "policy": p.platform.policy.name(),
                "gain_db": p.gain_db.map_or(Value::Null, num),
                "TP_after": p.true_peak_after_dbtp.map_or(Value::Null, num),
                "exceeds_minus_1_dbtp": p.exceeds_limit,
            })
        })
        .collect();
    obj.insert("platforms".into(), Value::Array(platforms));
    if with_series {
        let series: Vec<Value> = m
            .series
            .iter()
            .map(|t| json!({"t": num(t.time_s), "M": num(t.momentary_lufs), "S": num(t.short_term_lufs)}))
            .collect();
        obj.insert("series".into(), Value::Array(series));
    }
    Value::Object(obj)
}

/// `x` with one decimal, or "-inf" for silence.
fn fmt_db(x: f64, signed: bool) -> String {
    fmt_num(x, 1, signed)
}

/// `x` with `decimals` decimals (signed if asked), "-inf"/"+inf", or "n/a" for NaN.
pub fn fmt_num(x: f64, decimals: usize, signed: bool) -> String {
    if x.is_nan() {
        "n/a".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.to_string()
    } else {
        // Round first and add 0 so that -0.04 prints as 0.0, not -0.0.
        let scale = 10f64.powi(decimals as i32);
        let x = (x * scale).round() / scale + 0.0;
        if signed {
            format!("{x:+.decimals$}")
        } else {
            format!("{x:.decimals$}")
        }
    }
}

/// `seconds` as h:mm:ss.s or m:ss.s.
pub fn fmt_duration(seconds: f64) -> String {
    let tenths = (seconds * 10.0).round() as u64;
    let (h, rest) = (tenths / 36_000, tenths % 36_000);
    let (min, rest) = (rest / 600, rest % 600);
    let (s, t) = (rest / 10, rest % 10);
    if h > 0 {
        format!("{h}:{min:02}:{s:02}.{t}")
    } else {
        format!("{min}:{s:02}.{t}")
    }
}

/// The readable report for one file.
pub fn to_table(file: &str, m: &Measurement, with_series: bool) -> String {
    let r = &m.readings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}  ({} Hz, {} ch, {})",
        m.sample_rate_hz,
        m.num_channels,
        fmt_duration(m.num_frames as f64 / m.sample_rate_hz as f64)
    );
    let rows = [
        (
            "Integrated loudness",
            fmt_db(r.integrated_lufs, false),
            "LUFS",
        ),
        ("Loudness range", fmt_db(r.lra_lu, false), "LU"),
        ("Max momentary", fmt_db(r.momentary_max_lufs, false), "LUFS"),
        (
            "Max short-term",
            fmt_db(r.short_term_max_lufs, false),
            "LUFS",
        ),
        ("Sample peak", fmt_db(r.sample_peak_dbfs, true), "dBFS"),
        ("True peak", fmt_db(r.true_peak_dbtp, true), "dBTP"),
        ("PLR", fmt_db(r.plr_db, false), "dB"),
    ];
    for (label, value, unit) in rows {
        let _ = writeln!(out, "  {label:<20}{value:>7} {unit}");
    }
    let _ = writeln!(
        out,
        "  {:<14}{:>7}  {:>9}  {:>10}",
        "Platform", "Target", "Gain", "TP after"
    );
    for p in platforms(m) {
        let gain = p
            .gain_db
            .map_or("n/a".to_string(), |g| format!("{} dB", fmt_db(g, true)));
        let after = p
            .true_peak_after_dbtp
            .map_or("n/a".to_string(), |t| format!("{} dBTP", fmt_db(t, true)));
        let flag = if p.exceeds_limit {
            "  over -1 dBTP"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:<14}{:>7}  {:>9}  {:>10}{flag}",
            p.platform.name,
            format!("{:.0}", p.platform.target_lufs),
            gain,
            after
        );
    }
    if with_series {
        let _ = writeln!(out, "  {:>8}  {:>7}  {:>7}", "time s", "M LUFS", "S LUFS");
        for t in &m.series {
            let _ = writeln!(
                out,
                "  {:>8.1}  {:>7}  {:>7}",
                t.time_s,
                fmt_db(t.momentary_lufs, false),
                fmt_db(t.short_term_lufs, false)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(name: &str) -> Platform {
        *PLATFORMS.iter().find(|p| p.name == name).unwrap()
    }

    #[test]
    fn loud_master_is_turned_down_everywhere() {
        // −8 LUFS, +0.5 dBTP.
        for p in PLATFORMS {
            let r = normalise(p, -8.0, 0.5);
            assert_eq!(r.gain_db, Some(p.target_lufs + 8.0));
            assert!(!r.exceeds_limit, "{}", p.name);
        }
    }

    #[test]
    fn quiet_master_policies() {
        // −20 LUFS, −3 dBTP: Spotify raises by 2 dB only (peak limit), YouTube leaves it,
        // EBU turns it down by 3 dB.
        let s = normalise(platform("Spotify"), -20.0, -3.0);
        assert_eq!(s.gain_db, Some(2.0));
        assert!(!s.exceeds_limit);
        let y = normalise(platform("YouTube"), -20.0, -3.0);
        assert_eq!(y.gain_db, Some(0.0));
        let e = normalise(platform("EBU R128"), -20.0, -3.0);
        assert_eq!(e.gain_db, Some(-3.0));
        // At −14 LUFS and +0.3 dBTP, nobody turns it down and the peak stays over −1 dBTP.
        let t = normalise(platform("Tidal"), -14.0, 0.3);
        assert_eq!(t.gain_db, Some(0.0));
        assert!(t.exceeds_limit);
        // Silence: no gain.
        assert_eq!(
            normalise(platform("Spotify"), f64::NEG_INFINITY, f64::NEG_INFINITY).gain_db,
            None
        );
    }

    #[test]
    fn durations() {
        assert_eq!(fmt_duration(65.25), "1:05.3");
        assert_eq!(fmt_duration(3600.0), "1:00:00.0");
    }
}

//! `lathe master INPUT... --target T -o DIR`: brings each file to a loudness target through the
//! Mastering Limiter's engine, then re-measures the written file and says PASS or FAIL.
//!
//! Per file:
//! 1. Decode and measure (BS.1770-4). Silence fails.
//! 2. A file louder than the target is first turned down to it (a plain gain: a limiter only
//!    adds gain).
//! 3. Find the limiter's input gain by rendering (the output loudness is a rising, concave
//!    function of the gain: limiting only takes loudness away): two renders at once on two
//!    cores, at the plain difference (target minus loudness, a guess from below) and a little
//!    above it; then the secant method (interpolating between a pair that brackets the target
//!    when there is one) until a render is within 0.05 LU, at most six renders, 0–24 dB. The
//!    closest render is kept. If +24 dB still falls short, the file fails and is not written.
//!    (The plugin's "Learn" bank answers the same question during playback, but 13 shadow
//!    limiters cost more than two or three real renders when the whole file is at hand.)
//! 4. Write it (temporary file, rename), decode the written file and measure it again:
//!    PASS when its integrated loudness is within ±0.2 LU of the target and its true peak
//!    (4× oversampled, BS.1770-4 Annex 2) at or below the ceiling.

use crate::decode::{decode_all, Audio};
use crate::outputs::{self, OutputArgs};
use crate::plugins::{PluginKind, SettingsArgs};
use crate::progress::{self, FileShare, Progress, RunArgs};
use crate::render;
use crate::report::num;
use crate::write::{self, Depth};
use mastering_limiter::dsp::{LimiterEngine, Listen, MasteringSettings};
use serde_json::json;
use shared_dsp::db::db_to_gain;
use shared_dsp::dither::{DitherBits, DitherMode};
use shared_dsp::dynamics::limiter::learn::LEARN_MAX_GAIN_DB;
use shared_dsp::loudness::targets::PLATFORMS;
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::monitor::MonitorSystem;
use shared_dsp::runner::Fixed;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// The most input gain the limiter takes, dB (its parameter's range).
const MAX_GAIN_DB: f32 = LEARN_MAX_GAIN_DB;

/// The most renders per file.
const MAX_RENDERS: usize = 6;

/// How close to the target the verified file must be, LU.
pub const TOLERANCE_LU: f64 = 0.2;

/// A loudness target and the ceiling that goes with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// What was asked for ("Spotify", "-12 LUFS").
    pub name: String,
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// Default true-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
}

/// The names `--target` takes, with the platform each stands for.
const TARGET_NAMES: [(&str, &str); 7] = [
    ("spotify", "Spotify"),
    ("apple", "Apple Music"),
    ("youtube", "YouTube"),
    ("tidal", "Tidal"),
    ("amazon", "Amazon Music"),
    ("club", "Club / CD"),
    ("ebu", "EBU R128"),
];

impl Target {
    /// Parses a platform name or a loudness ("-14", "-14 LUFS").
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_lowercase().replace('−', "-");
        if let Some((_, platform)) = TARGET_NAMES.iter().find(|(n, _)| *n == t) {
            if let Some(p) = PLATFORMS.iter().find(|p| p.name == *platform) {
                return Ok(Self {
                    name: p.name.to_string(),
                    lufs: p.target_lufs,
                    ceiling_dbtp: p.ceiling_dbtp,
                });
            }
        }
        let number = t.strip_suffix("lufs").unwrap_or(&t).trim();
        match number.parse::<f64>() {
            Ok(lufs) if (-60.0..=-3.0).contains(&lufs) => Ok(Self {
                name: format!("{lufs} LUFS"),
                lufs,
                ceiling_dbtp: -1.0,
            }),
            Ok(lufs) => Err(format!("target {lufs} LUFS is outside -60 to -3 LUFS")),
            Err(_) => {
                let names: Vec<&str> = TARGET_NAMES.iter().map(|(n, _)| *n).collect();
                Err(format!(
                    "unknown target \"{text}\"; valid: {}, or a loudness such as -12",
                    names.join(", ")
                ))
            }
        }
    }
}

/// Parses `--ceiling` (dBTP, the limiter's range −12 to 0).
fn parse_ceiling(text: &str) -> Result<f64, String> {
    let t = text.trim().to_lowercase().replace('−', "-");
    let t = t.strip_suffix("dbtp").unwrap_or(&t).trim();
    match t.parse::<f64>() {
        Ok(c) if (-12.0..=0.0).contains(&c) => Ok(c),
        _ => Err(format!("ceiling \"{text}\"; valid: -12 to 0 dBTP")),
    }
}

/// Arguments of `lathe master`.
#[derive(Debug, clap::Args)]
pub struct MasterArgs {
    /// Audio files to master (mono or stereo, 22.05-384 kHz).
    #[arg(value_name = "INPUT", required = true)]
    pub files: Vec<PathBuf>,

    /// Loudness target: spotify, apple, youtube, tidal, amazon, club, ebu, or a loudness in
    /// LUFS such as -12.
    #[arg(long, value_name = "TARGET", allow_hyphen_values = true, value_parser = Target::parse)]
    pub target: Target,

    /// True-peak ceiling, dBTP [default: the platform's, -1 for a number].
    #[arg(long, value_name = "dBTP", allow_hyphen_values = true, value_parser = parse_ceiling)]
    pub ceiling: Option<f64>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// The limiter's settings to start from (release, lookahead, oversampling...); the input
    /// gain, ceiling and dither are set by `master` itself.
    #[command(flatten)]
    pub settings: SettingsArgs,

    /// Print one JSON object per file (JSON Lines) instead of the table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

/// What happened to one file.
#[derive(Clone, Debug)]
pub struct Mastered {
    /// Input loudness, LUFS, and true peak, dBTP.
    pub input_lufs: f64,
    /// Input true peak, dBTP.
    pub input_tp_dbtp: f64,
    /// Plain gain before the limiter (≤ 0), dB.
    pub trim_db: f64,
    /// The limiter's input gain of the kept render, dB.
    pub gain_db: f64,
    /// Renders made.
    pub passes: u32,
    /// The output as written and measured again (None when nothing was written).
    pub output: Option<Verified>,
    /// PASS or FAIL.
    pub pass: bool,
    /// Why not, in words (empty on PASS).
    pub reason: String,
}

/// The written file, measured again.
#[derive(Clone, Debug)]
pub struct Verified {
    /// Where it was written.
    pub path: PathBuf,
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// True peak, dBTP.
    pub tp_dbtp: f64,
    /// Loudness range, LU.
    pub lra_lu: f64,
}

/// One render: the aligned output and its loudness (the engine's own output meter).
struct Render {
    gain_db: f64,
    planes: Vec<Vec<f32>>,
    lufs: f64,
}

/// Renders `audio` through the limiter at `gain_db` of input gain.
fn render_at(audio: &Audio, settings: &MasteringSettings, gain_db: f64) -> Result<Render, String> {
    let mut limiter = Fixed(
        LimiterEngine::new(),
        MasteringSettings {
            input_gain: db_to_gain(gain_db as f32),
            ..*settings
        },
    );
    let planes = render::render(&mut limiter, audio, 8192, |_| {})?;
    Ok(Render {
        gain_db,
        planes,
        lufs: limiter.0.loudness().output.integrated_lufs,
    })
}

/// The next gain to try: the secant through the two renders closest to the target (a bracketing
/// pair when there is one), or, with one render, the miss added to its gain.
fn next_gain(points: &[(f64, f64)], target_lufs: f64) -> f64 {
    let mut by_miss: Vec<(f64, f64)> = points.to_vec();
    by_miss.sort_by(|a, b| {
        (a.1 - target_lufs)
            .abs()
            .total_cmp(&(b.1 - target_lufs).abs())
    });
    let (g1, l1) = by_miss[0];
    // Prefer a partner on the other side of the target (interpolation), else the next closest.
    let partner = by_miss[1..]
        .iter()
        .find(|(_, l)| (l - target_lufs) * (l1 - target_lufs) < 0.0)
        .or(by_miss.get(1))
        .copied();
    match partner {
        Some((g0, l0)) if (l1 - l0).abs() > 1e-6 && (g1 - g0) * (l1 - l0) > 0.0 => {
            g1 + (target_lufs - l1) * (g1 - g0) / (l1 - l0)
        }
        _ => g1 + (target_lufs - l1),
    }
}

/// Masters one file (see the module docs).
fn master_file(
    path: &Path,
    out: &Path,
    target: &Target,
    ceiling_dbtp: f64,
    settings: &MasteringSettings,
    format: write::OutFormat,
    mut share: FileShare,
) -> Result<Mastered, String> {
    let mut audio = decode_all(path, Arc::new(AtomicU64::new(0)))?;
    render::check_supported(&audio)?;
    let rate = audio.spec.sample_rate_hz;
    let mut meter =
        LoudnessMeter::with_layout(rate, &audio.spec.layout).map_err(|e| e.to_string())?;
    let refs: Vec<&[f32]> = audio.planes.iter().map(Vec::as_slice).collect();
    meter.process_planar(&refs).map_err(|e| e.to_string())?;
    let input = meter.readings();
    let mut report = Mastered {
        input_lufs: input.integrated_lufs,
        input_tp_dbtp: input.true_peak_dbtp,
        trim_db: 0.0,
        gain_db: 0.0,
        passes: 0,
        output: None,
        pass: false,
        reason: String::new(),
    };
    if !input.integrated_lufs.is_finite() {
        report.reason = "silent (nothing above the -70 LUFS gate); not written".into();
        return Ok(report);
    }
    // The limiter only adds gain: turn a louder file down to the target first.
    let trim_db = (target.lufs - input.integrated_lufs).min(0.0);
    if trim_db < 0.0 {
        let g = db_to_gain(trim_db as f32);
        audio
            .planes
            .iter_mut()
            .for_each(|p| p.iter_mut().for_each(|x| *x *= g));
    }
    report.trim_db = trim_db;
    let max_gain = f64::from(MAX_GAIN_DB);
    let off = |r: &Render| (r.lufs - target.lufs).abs();
    // Limiting only loses loudness (L(g) <= level + g), so the plain difference is a first
    // guess from below; a second, higher guess renders at the same time on another core.
    let g0 = (target.lufs - input.integrated_lufs - trim_db).clamp(0.0, max_gain);
    let g1 = (g0 + 1.0 + g0 / 3.0).min(max_gain);
    let (first, second) = if g1 > g0 {
        let (a, b) = rayon::join(
            || render_at(&audio, settings, g0),
            || render_at(&audio, settings, g1),
        );
        (a?, Some(b?))
    } else {
        (render_at(&audio, settings, g0)?, None)
    };
    let mut points = vec![(first.gain_db, first.lufs)];
    let mut best = first;
    if let Some(r) = second {
        points.push((r.gain_db, r.lufs));
        if off(&r) < off(&best) {
            best = r;
        }
    }
    share.set(0.5);
    // Then the secant (from the closest pair) until within 0.05 LU, at most MAX_RENDERS.
    while off(&best) > 0.05 && points.len() < MAX_RENDERS {
        let g = next_gain(&points, target.lufs).clamp(0.0, max_gain);
        if points.iter().any(|(p, _)| (p - g).abs() < 0.005) {
            break;
        }
        let r = render_at(&audio, settings, g)?;
        points.push((r.gain_db, r.lufs));
        if off(&r) < off(&best) {
            best = r;
        }
        share.set(0.5 + 0.1 * points.len() as f64);
    }
    report.passes = points.len() as u32;
    if !best.lufs.is_finite() {
        report.reason = "silent after limiting; not written".into();
        return Ok(report);
    }
    if best.lufs < target.lufs - TOLERANCE_LU && best.gain_db >= max_gain - 1e-9 {
        report.gain_db = max_gain;
        report.reason = format!(
            "needs more than +{max_gain:.0} dB of limiter gain: +{max_gain:.0} dB only reaches \
             {:.1} LUFS; not written",
            best.lufs
        );
        return Ok(report);
    }
    report.gain_db = best.gain_db;
    let mut planes = best.planes;
    if let Some(bits) = format.depth.int_bits() {
        // The limiter already dithered to these bits (or dither is off): only store.
        write::quantise(&mut planes, rate, bits, false);
    }
    write::write_atomic(out, &planes, rate, format)?;
    share.set(1.0);
    let m = crate::measure::measure_file(out, false, Arc::new(AtomicU64::new(0)))
        .map_err(|e| format!("the written file {} does not read back: {e}", out.display()))?;
    let v = Verified {
        path: out.to_path_buf(),
        lufs: m.readings.integrated_lufs,
        tp_dbtp: m.readings.true_peak_dbtp,
        lra_lu: m.readings.lra_lu,
    };
    let miss = v.lufs - target.lufs;
    let mut reasons = Vec::new();
    if miss.abs() > TOLERANCE_LU || !miss.is_finite() {
        reasons.push(format!(
            "integrated {:.2} LUFS is {miss:+.2} LU from the target (allowed ±{TOLERANCE_LU})",
            v.lufs
        ));
    }
    if v.tp_dbtp > ceiling_dbtp {
        reasons.push(format!(
            "true peak {:.2} dBTP is above the {ceiling_dbtp:.1} dBTP ceiling",
            v.tp_dbtp
        ));
    }
    report.pass = reasons.is_empty();
    report.reason = reasons.join("; ");
    report.output = Some(v);
    Ok(report)
}

/// Runs `lathe master`.
pub fn run(args: MasterArgs) -> ExitCode {
    let usage = |e: String| {
        eprintln!("lathe master: {e}");
        ExitCode::from(2)
    };
    let ceiling = args.ceiling.unwrap_or(args.target.ceiling_dbtp);
    let base =
        match PluginKind::limiter_settings(args.settings.preset.as_deref(), &args.settings.sets) {
            Ok(s) => s,
            Err(e) => return usage(e),
        };
    let plan = match outputs::plan(&args.files, &args.output, Depth::I24) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let mut settings = MasteringSettings {
        listen: Listen::Normal,
        monitor: MonitorSystem::Off,
        bypass: false,
        ..base
    };
    settings.limiter.ceiling_gain = db_to_gain(ceiling as f32);
    (settings.dither, settings.bits) = match plan.format.depth {
        Depth::F32 => (DitherMode::Off, settings.bits),
        Depth::I16 | Depth::I24 if !plan.format.dither => (DitherMode::Off, settings.bits),
        d => (
            if settings.dither == DitherMode::Off {
                DitherMode::Tpdf
            } else {
                settings.dither
            },
            if d == Depth::I16 {
                DitherBits::Bits16
            } else {
                DitherBits::Bits24
            },
        ),
    };
    let progress = Progress::start(&args.files, !args.json && !args.run.no_progress);
    let counter = progress.counter();
    let files = args.files.clone();
    let results = progress::run_files(&args.files, args.run.jobs, "failed", |path| {
        let index = files.iter().position(|p| p == path).unwrap_or(0);
        master_file(
            path,
            &plan.outputs[index],
            &args.target,
            ceiling,
            &settings,
            plan.format,
            FileShare::new(Arc::clone(&counter), path),
        )
    });
    progress.finish();
    print_report(&args, ceiling, results)
}

/// Prints the table or JSON lines and returns the exit status: 1 if any file failed or did
/// not pass.
fn print_report(
    args: &MasterArgs,
    ceiling: f64,
    results: Vec<Result<Mastered, String>>,
) -> ExitCode {
    let mut bad = false;
    let mut rows = Vec::new();
    for (path, result) in args.files.iter().zip(results) {
        let name = path.display().to_string();
        match result {
            Err(reason) => {
                bad = true;
                eprintln!("lathe: {name}: {reason}");
            }
            Ok(m) => {
                bad |= !m.pass;
                if args.json {
                    let out = m.output.as_ref();
                    println!(
                        "{}",
                        json!({
                            "file": name,
                            "target_lufs": args.target.lufs,
                            "ceiling_dbtp": ceiling,
                            "input_I": num(m.input_lufs),
                            "input_TP": num(m.input_tp_dbtp),
                            "trim_db": num(m.trim_db),
                            "gain_db": num(m.gain_db),
                            "passes": m.passes,
                            "output": out.map(|o| o.path.display().to_string()),
                            "I": num(out.map_or(f64::NAN, |o| o.lufs)),
                            "TP": num(out.map_or(f64::NAN, |o| o.tp_dbtp)),
                            "LRA": num(out.map_or(f64::NAN, |o| o.lra_lu)),
                            "result": if m.pass { "PASS" } else { "FAIL" },
                            "reason": m.reason,
                        })
                    );
                } else {
                    rows.push((name, m));
                }
            }
        }
    }
    if !args.json && !rows.is_empty() {
        println!(
            "Target {} ({:.1} LUFS ±{TOLERANCE_LU} LU), ceiling {ceiling:.1} dBTP",
            args.target.name, args.target.lufs
        );
        let width = rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "{:<width$}  {:>7} {:>6}  {:>6} {:>6} {:>2}  {:>7} {:>6} {:>5}  result",
            "file", "in I", "in TP", "trim", "gain", "n", "out I", "out TP", "LRA"
        );
        let f = |x: f64, signed: bool| {
            if !x.is_finite() {
                "-".to_string()
            } else if signed {
                format!("{x:+.1}")
            } else {
                format!("{x:.1}")
            }
        };
        for (name, m) in &rows {
            let o = m.output.as_ref();
            let out = |g: fn(&Verified) -> f64| o.map_or(f64::NAN, g);
            println!(
                "{name:<width$}  {:>7} {:>6}  {:>6} {:>6} {:>2}  {:>7} {:>6} {:>5}  {}{}",
                f(m.input_lufs, false),
                f(m.input_tp_dbtp, false),
                f(m.trim_db, true),
                f(m.gain_db, true),
                m.passes,
                o.map_or("-".into(), |v| format!("{:.2}", v.lufs)),
                f(out(|v| v.tp_dbtp), false),
                f(out(|v| v.lra_lu), false),
                if m.pass { "PASS" } else { "FAIL" },
                if m.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.reason)
                }
            );
        }
    }
    if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

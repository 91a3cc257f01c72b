//! `lathe compare MIX REFERENCE`: loudness, dynamics, stereo image and tonal balance of a mix
//! next to a reference, as a table, JSON or a PNG. The maths is in [`crate::analysis`]; this
//! module decodes, measures and reports.

use crate::analysis::{self, Band, BandSpacing, StereoImage};
use crate::decode::Audio;
use crate::progress::{self, Progress};
use crate::report::{fmt_duration, fmt_num, num};
use serde_json::{json, Map, Value};
use shared_dsp::loudness::{ChannelRole, LoudnessMeter, LoudnessReadings};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Everything `lathe compare --help` prints after the options: what each number means, the
/// JSON keys, the exit status and examples.
const AFTER_LONG_HELP: &str = "\
Decodes both files (WAV, AIFF, FLAC, MP3, Ogg Vorbis; mono to 7.1; the two may have different \
sample rates) and prints, for each, and the difference MIX - REF:
  Integrated loudness  LUFS, gated (ITU-R BS.1770-4)
  Loudness range       LRA, LU (EBU Tech 3342)
  True peak            dBTP, 4x oversampled (BS.1770-4 Annex 2); sample peak in dBFS
  PLR                  peak-to-loudness ratio, true peak - integrated loudness, dB
  Crest factor         sample peak - RMS level over the whole file and all channels, dB
                       (a sine: 3.0 dB; dense, limited masters: low; open dynamics: high)
  Stereo correlation   Pearson correlation of left and right over the whole file, -1..+1
                       (+1 mono, 0 unrelated channels, below 0 out of phase; mono file: 1)
  Side/mid             10*log10(E_side/E_mid), side = (L-R)/2, mid = (L+R)/2, dB
  Stereo width         100*sqrt(E_side/E_mid), percent (0 % mono, 100 % two unrelated
                       channels of equal level, above 100 % partly out of phase)
Surround files: correlation and width use the front left and right channels.

Tonal balance: the power in each 1/3-octave band (IEC 61260-1 base-10 bands, named by their \
ISO 266 centres 25 Hz ... 20 kHz; --bands octave: 31.5 Hz ... 16 kHz) from a Welch power \
spectrum (Hann frames of about 1.4 s, 65536 samples at 44.1/48 kHz, 50 % overlap), summed over \
channels, in dB, minus the file's integrated loudness: the curves are loudness-matched, so two \
files that differ only in gain have identical curves and the difference column shows only \
tonal differences (positive: the mix has more of that band than the reference at equal \
loudness). Bands whose centre is above a file's Nyquist frequency are left out.

--plot FILE.png draws the two loudness-matched spectra (upper panel) and the difference \
per band (lower panel), 1200x700 pixels.

JSON (--json): one object with keys mix and reference {file, sample_rate_hz, channels, \
duration_s, I, LRA, TP, sample_peak, PLR, crest_db, correlation, side_mid_db, \
width_percent}, difference {I, LRA, TP, sample_peak, PLR, crest_db, correlation, \
side_mid_db, width_percent} (MIX - REF), band_spacing, and bands[{centre_hz, mix_db, \
reference_db, delta_db}] (loudness-matched levels, delta = mix - reference). A value that \
does not exist (silence, a band above Nyquist, -inf width of a mono file) is null.

Exit status: 0 on success, 1 if a file cannot be decoded (one line 'lathe: FILE: reason' on \
stderr) or the plot cannot be written, 2 for usage errors.

Examples:
  lathe compare my-master.wav reference.flac
  lathe compare mix.wav ref.mp3 --plot tonal-balance.png
  lathe compare mix.wav ref.wav --json --bands octave";

/// Which bands the tonal balance uses (`--bands`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BandsArg {
    /// One-third-octave bands, 25 Hz to 20 kHz (30 bands).
    ThirdOctave,
    /// Octave bands, 31.5 Hz to 16 kHz (10 bands).
    Octave,
}

impl BandsArg {
    /// The analysis's spacing.
    fn spacing(self) -> BandSpacing {
        match self {
            Self::ThirdOctave => BandSpacing::ThirdOctave,
            Self::Octave => BandSpacing::Octave,
        }
    }

    /// The name used in the JSON output and the table.
    fn name(self) -> &'static str {
        match self {
            Self::ThirdOctave => "third-octave",
            Self::Octave => "octave",
        }
    }
}

/// Arguments of `lathe compare`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_LONG_HELP)]
pub struct CompareArgs {
    /// The mix or master under test.
    #[arg(value_name = "MIX")]
    pub mix: PathBuf,
    /// The reference track.
    #[arg(value_name = "REFERENCE")]
    pub reference: PathBuf,

    /// Print one JSON object instead of the tables (keys: see --help).
    #[arg(long)]
    pub json: bool,

    /// Also draw the loudness-matched band spectra and their difference as a PNG.
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,

    /// Band resolution of the tonal balance.
    #[arg(long, value_enum, value_name = "BANDS", default_value_t = BandsArg::ThirdOctave)]
    pub bands: BandsArg,

    /// Never show the progress bar (it shows only when stderr is a terminal and not with --json).
    #[arg(long)]
    pub no_progress: bool,
}

/// What `lathe compare` measures in one file.
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    /// Sample rate, in Hz.
    pub sample_rate_hz: u32,
    /// Number of channels.
    pub num_channels: usize,
    /// Length, in frames.
    pub num_frames: usize,
    /// Loudness, loudness range, peaks and PLR (BS.1770-4, EBU Tech 3342).
    pub readings: LoudnessReadings,
    /// Sample peak minus RMS level over all channels, in dB.
    pub crest_factor_db: f64,
    /// Correlation and width of the (front) left/right pair; [`StereoImage::MONO`] for mono.
    pub image: StereoImage,
    /// Power in each band of the chosen spacing, in dB (full-scale mean square = 0 dB, summed
    /// over channels); `None` for a band whose centre is above Nyquist.
    pub band_power_db: Vec<Option<f64>>,
}

impl FileAnalysis {
    /// Length, in seconds.
    pub fn duration_s(&self) -> f64 {
        self.num_frames as f64 / f64::from(self.sample_rate_hz)
    }

    /// The band levels minus the integrated loudness, in dB: the loudness-matched tonal
    /// balance. `None` for bands above Nyquist and for every band when the loudness is not
    /// finite (silence).
    pub fn matched_db(&self) -> Vec<Option<f64>> {
        let i = self.readings.integrated_lufs;
        self.band_power_db
            .iter()
            .map(|b| b.map(|db| db - i).filter(|v| v.is_finite()))
            .collect()
    }
}

/// The channels whose correlation and width are measured: the front left and right by their
/// declared roles, else the first two; `None` for a mono file.
fn stereo_pair(layout: &[ChannelRole]) -> Option<(usize, usize)> {
    let find = |role| layout.iter().position(|&r| r == role);
    match (find(ChannelRole::Left), find(ChannelRole::Right)) {
        (Some(l), Some(r)) => Some((l, r)),
        _ if layout.len() >= 2 => Some((0, 1)),
        _ => None,
    }
}

/// Measures decoded audio: loudness with `shared_dsp::loudness`, the rest with
/// [`crate::analysis`].
pub fn analyse_audio(audio: &Audio, spacing: BandSpacing) -> Result<FileAnalysis, String> {
    let rate = audio.spec.sample_rate_hz;
    let planes: Vec<&[f32]> = audio.planes.iter().map(Vec::as_slice).collect();
    let mut meter =
        LoudnessMeter::with_layout(rate, &audio.spec.layout).map_err(|e| e.to_string())?;
    meter.process_planar(&planes).map_err(|e| e.to_string())?;
    let image = match stereo_pair(&audio.spec.layout) {
        Some((l, r)) => analysis::stereo_image(planes[l], planes[r]),
        None => StereoImage::MONO,
    };
    let spectrum = analysis::welch_power_spectrum(&planes, f64::from(rate));
    let band_power_db = analysis::bands(spacing)
        .iter()
        .map(|b| spectrum.band_power(b).map(analysis::power_db))
        .collect();
    Ok(FileAnalysis {
        sample_rate_hz: rate,
        num_channels: planes.len(),
        num_frames: audio.num_frames(),
        readings: meter.readings(),
        crest_factor_db: analysis::crest_factor_db(&planes),
        image,
        band_power_db,
    })
}

/// Decodes and measures one file.
fn analyse_file(
    path: &Path,
    spacing: BandSpacing,
    bytes_read: Arc<AtomicU64>,
) -> Result<FileAnalysis, String> {
    let audio = crate::decode::decode_all(path, bytes_read)?;
    analyse_audio(&audio, spacing)
}

/// The scalar metrics, in table and JSON order: (table label, JSON key, unit, decimals,
/// value).
fn metrics(a: &FileAnalysis) -> [(&'static str, &'static str, &'static str, usize, f64); 9] {
    let r = &a.readings;
    [
        ("Integrated loudness", "I", "LUFS", 1, r.integrated_lufs),
        ("Loudness range", "LRA", "LU", 1, r.lra_lu),
        ("True peak", "TP", "dBTP", 1, r.true_peak_dbtp),
        ("Sample peak", "sample_peak", "dBFS", 1, r.sample_peak_dbfs),
        ("PLR", "PLR", "dB", 1, r.plr_db),
        ("Crest factor", "crest_db", "dB", 1, a.crest_factor_db),
        (
            "Stereo correlation",
            "correlation",
            "",
            2,
            a.image.correlation,
        ),
        ("Side/mid", "side_mid_db", "dB", 1, a.image.side_to_mid_db),
        (
            "Stereo width",
            "width_percent",
            "%",
            0,
            a.image.width_percent,
        ),
    ]
}

/// `mix − reference`, NaN unless both are finite (no difference with silence's −∞).
fn difference(mix: Option<f64>, reference: Option<f64>) -> f64 {
    match (mix, reference) {
        (Some(m), Some(r)) if m.is_finite() && r.is_finite() => m - r,
        _ => f64::NAN,
    }
}

/// The bands below Nyquist in at least one file, with both files' loudness-matched levels.
fn band_rows(
    spacing: BandSpacing,
    mix: &FileAnalysis,
    reference: &FileAnalysis,
) -> Vec<(Band, Option<f64>, Option<f64>)> {
    let (m, r) = (mix.matched_db(), reference.matched_db());
    analysis::bands(spacing)
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| mix.band_power_db[i].is_some() || reference.band_power_db[i].is_some())
        .map(|(i, band)| (band, m[i], r[i]))
        .collect()
}

/// The JSON object for one file.
fn file_json(file: &str, a: &FileAnalysis) -> Value {
    let mut obj = Map::new();
    obj.insert("file".into(), json!(file));
    obj.insert("sample_rate_hz".into(), json!(a.sample_rate_hz));
    obj.insert("channels".into(), json!(a.num_channels));
    obj.insert("duration_s".into(), num(a.duration_s()));
    for (_, key, _, _, value) in metrics(a) {
        obj.insert(key.into(), num(value));
    }
    Value::Object(obj)
}

/// The whole comparison as one JSON object (keys in `AFTER_LONG_HELP`).
fn to_json(
    names: [&str; 2],
    mix: &FileAnalysis,
    reference: &FileAnalysis,
    bands: BandsArg,
) -> Value {
    let mut diff = Map::new();
    for ((_, key, _, _, m), (_, _, _, _, r)) in metrics(mix).into_iter().zip(metrics(reference)) {
        diff.insert(key.into(), num(difference(Some(m), Some(r))));
    }
    let rows: Vec<Value> = band_rows(bands.spacing(), mix, reference)
        .into_iter()
        .map(|(band, m, r)| {
            json!({
                "centre_hz": band.nominal_hz,
                "mix_db": m.map_or(Value::Null, num),
                "reference_db": r.map_or(Value::Null, num),
                "delta_db": num(difference(m, r)),
            })
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("mix".into(), file_json(names[0], mix));
    obj.insert("reference".into(), file_json(names[1], reference));
    obj.insert("difference".into(), Value::Object(diff));
    obj.insert("band_spacing".into(), json!(bands.name()));
    obj.insert("bands".into(), Value::Array(rows));
    Value::Object(obj)
}

/// A band's nominal centre as printed: "31.5", "1000", "12500".
pub fn fmt_hz(hz: f64) -> String {
    if hz.fract() == 0.0 {
        format!("{hz:.0}")
    } else {
        format!("{hz:.1}")
    }
}

/// Characters each side of the band table's bar column (one per dB).
const BAR_HALF: usize = 12;

/// A difference as a bar around a centre line, one character per dB, up to `half` each side:
/// `"     ---|"` or `"        |++"`.
fn delta_bar(delta_db: f64, half: usize) -> String {
    let mut left = " ".repeat(half);
    let mut right = String::new();
    if delta_db.is_finite() {
        let n = (delta_db.abs().round() as usize).min(half);
        if delta_db < 0.0 {
            left = format!("{}{}", " ".repeat(half - n), "-".repeat(n));
        } else {
            right = "+".repeat(n);
        }
    }
    format!("{left}|{right}")
}

/// The readable report: both files' metrics side by side, then the band table.
fn to_table(
    names: [&str; 2],
    mix: &FileAnalysis,
    reference: &FileAnalysis,
    bands: BandsArg,
) -> String {
    let mut out = String::new();
    for (tag, name, a) in [("MIX", names[0], mix), ("REF", names[1], reference)] {
        let _ = writeln!(
            out,
            "{tag}  {name}  ({} Hz, {} ch, {})",
            a.sample_rate_hz,
            a.num_channels,
            fmt_duration(a.duration_s())
        );
    }
    let _ = writeln!(
        out,
        "\n  {:<20}{:>8}  {:>8}  {:>8}",
        "", "MIX", "REF", "MIX-REF"
    );
    for ((label, _, unit, decimals, m), (_, _, _, _, r)) in
        metrics(mix).into_iter().zip(metrics(reference))
    {
        let signed = matches!(unit, "dBTP" | "dBFS");
        let _ = writeln!(
            out,
            "  {label:<20}{:>8}  {:>8}  {:>8}  {unit}",
            fmt_num(m, decimals, signed),
            fmt_num(r, decimals, signed),
            fmt_num(difference(Some(m), Some(r)), decimals, true),
        );
    }
    let title = match bands {
        BandsArg::ThirdOctave => "1/3-octave",
        BandsArg::Octave => "Octave",
    };
    let _ = writeln!(
        out,
        "\nTonal balance, {title} bands, loudness-matched (band level - integrated loudness, dB)"
    );
    let _ = writeln!(
        out,
        "  {:>8}  {:>8}  {:>8}  {:>8}  {:>BAR_HALF$}| more (1 dB/char)",
        "Hz", "MIX", "REF", "MIX-REF", "mix less "
    );
    for (band, m, r) in band_rows(bands.spacing(), mix, reference) {
        let delta = difference(m, r);
        let _ = writeln!(
            out,
            "  {:>8}  {:>8}  {:>8}  {:>8}  {}",
            fmt_hz(band.nominal_hz),
            m.map_or("n/a".to_string(), |v| fmt_num(v, 1, false)),
            r.map_or("n/a".to_string(), |v| fmt_num(v, 1, false)),
            fmt_num(delta, 1, true),
            delta_bar(delta, BAR_HALF)
        );
    }
    out.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

/// The file name of `path` (its last component), for titles.
fn short_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Runs `lathe compare`.
pub fn run(args: CompareArgs) -> ExitCode {
    let files = [args.mix.clone(), args.reference.clone()];
    let spacing = args.bands.spacing();
    let progress = Progress::start(&files, !args.json && !args.no_progress);
    let counter = progress.counter();
    let results = progress::run_files(&files, None, "undecodable: decoder failed", |path| {
        analyse_file(path, spacing, Arc::clone(&counter))
    });
    progress.finish();

    let mut analyses = Vec::with_capacity(2);
    let mut failed = false;
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(a) => analyses.push(a),
            Err(reason) => {
                failed = true;
                eprintln!("lathe: {}: {reason}", path.display());
            }
        }
    }
    let [mix, reference] = match <[FileAnalysis; 2]>::try_from(analyses) {
        Ok(both) if !failed => both,
        _ => return ExitCode::from(1),
    };
    let names = [
        args.mix.display().to_string(),
        args.reference.display().to_string(),
    ];
    let names = [names[0].as_str(), names[1].as_str()];

    let mut status = ExitCode::SUCCESS;
    if let Some(png) = &args.plot {
        let rows = band_rows(spacing, &mix, &reference);
        let centres: Vec<f64> = rows.iter().map(|(b, _, _)| b.nominal_hz).collect();
        let m: Vec<Option<f64>> = rows.iter().map(|&(_, m, _)| m).collect();
        let r: Vec<Option<f64>> = rows.iter().map(|&(_, _, r)| r).collect();
        let spectra = crate::plot::BandSpectra {
            bands_per_octave: spacing.bands_per_octave(),
            centres_hz: &centres,
            mix_name: &short_name(&args.mix),
            mix_db: &m,
            mix_lufs: mix.readings.integrated_lufs,
            reference_name: &short_name(&args.reference),
            reference_db: &r,
            reference_lufs: reference.readings.integrated_lufs,
        };
        if let Err(e) = crate::plot::compare_png(png, &spectra) {
            eprintln!("lathe: {}: {e}", png.display());
            status = ExitCode::from(1);
        }
    }

    let text = if args.json {
        format!("{}\n", to_json(names, &mix, &reference, args.bands))
    } else {
        to_table(names, &mix, &reference, args.bands)
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_follows_roles() {
        use ChannelRole::*;
        assert_eq!(stereo_pair(&[Center]), None);
        assert_eq!(stereo_pair(&[Left, Right]), Some((0, 1)));
        assert_eq!(
            stereo_pair(&[Left, Right, Center, Lfe, LeftSurround, RightSurround]),
            Some((0, 1))
        );
        assert_eq!(stereo_pair(&[Center, Left, Right]), Some((1, 2)));
        assert_eq!(stereo_pair(&[Other, Other]), Some((0, 1)));
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_num(-0.04, 1, true), "+0.0");
        assert_eq!(fmt_num(f64::NEG_INFINITY, 1, false), "-inf");
        assert_eq!(fmt_num(f64::NAN, 1, false), "n/a");
        assert_eq!(fmt_hz(31.5), "31.5");
        assert_eq!(fmt_hz(12_500.0), "12500");
        assert_eq!(delta_bar(-2.6, 4), " ---|");
        assert_eq!(delta_bar(1.2, 4), "    |+");
        assert_eq!(delta_bar(40.0, 4), "    |++++");
    }
}

//! `lathe`: the Lathe command line. `lathe loudness FILE...` measures loudness and true peak
//! (ITU-R BS.1770-4, EBU R 128 / Tech 3341 / Tech 3342) with `shared_dsp::loudness`;
//! `lathe process` runs a plugin's engine over files.

mod analysis;
mod compare;
mod decode;
mod master;
mod measure;
mod outputs;
mod panics;
mod plot;
mod plugins;
mod png;
mod process;
mod progress;
mod render;
mod report;
mod write;

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Lathe audio tools: measure files without opening a DAW.
#[derive(Debug, Parser)]
#[command(name = "lathe", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure loudness and true peak of audio files (EBU R 128 / ITU-R BS.1770-4).
    #[command(long_about = LOUDNESS_LONG_ABOUT, after_long_help = LOUDNESS_AFTER_HELP)]
    Loudness(LoudnessArgs),
    /// Run a plugin over audio files: the same engine as in a DAW, latency removed, tail flushed.
    #[command(long_about = PROCESS_LONG_ABOUT, after_long_help = PROCESS_AFTER_HELP)]
    Process(process::ProcessArgs),
    /// Master files to a loudness target through the Mastering Limiter, then verify them.
    #[command(long_about = MASTER_LONG_ABOUT, after_long_help = MASTER_AFTER_HELP)]
    Master(master::MasterArgs),
    /// Compare a mix with a reference: loudness, dynamics, stereo image and tonal balance.
    Compare(compare::CompareArgs),
}

const MASTER_LONG_ABOUT: &str = "\
Master files to a loudness target through the Mastering Limiter's engine, then verify them.

For each file: measure it (BS.1770-4); turn a file louder than the target down to it (a \
plain gain); render it through the limiter (4x oversampled, true-peak ceiling) at a first \
guess of input gain while the limiter's Learn bank measures the output loudness at 0-24 dB \
of gain, then at the learnt gain, and if still more than 0.1 LU off once more at the secant \
estimate (at most three renders, the closest kept); write it (24-bit WAV with TPDF dither by \
default, through a temporary file); decode the written file and measure it again. PASS when \
its integrated loudness is within +-0.2 LU of the target and its true peak (4x oversampled) at \
or below the ceiling; otherwise FAIL with the reason in words (e.g. a quiet, very dynamic \
file that would need more than +24 dB of limiter gain).";

const MASTER_AFTER_HELP: &str = "\
Targets (LUFS / default ceiling dBTP): spotify -14/-1, apple -16/-1, youtube -14/-1, \
tidal -14/-1, amazon -14/-2, club -9/-0.3, ebu -23/-1, or a number (-60 to -3) with -1.

Table: file, input I and TP, trim (dB before the limiter), gain (limiter input gain, dB), n \
(renders), output I, TP and LRA as re-measured from the written file, PASS/FAIL and why.
JSON (--json): one object per line: file, target_lufs, ceiling_dbtp, input_I, input_TP, \
trim_db, gain_db, passes, output, I, TP, LRA, result, reason.

Exit status: 0 if every file passed, 1 if any failed or could not be read, 2 for usage errors.

Examples:
  lathe master song.wav --target spotify -o masters/
  lathe master album/*.flac --target -9 --ceiling -0.5 -o loud/ --bits 16
  lathe master mix.wav --target apple --preset \"Acoustic & classical (slow release)\" -o m.wav";

const PROCESS_LONG_ABOUT: &str = "\
Run a Lathe plugin over audio files: the engine the plugin runs in a DAW, with the plugin's \
defaults, then --preset, then each --set in order. The output is aligned with the input (the \
plugin's latency removed) and as long as it, the engine's last samples flushed out. Mono or \
stereo, 22.05-384 kHz. Output: WAV (16, 24 or 32-bit float; default 32f) or FLAC (16 or 24; \
default 24), TPDF dither when reducing to 16 or 24 bits (not twice: when the limiter already \
dithers to that word length, the writer only stores it). Files are processed in parallel; \
each output is written to a temporary file and renamed, so an interrupted run leaves no half \
file, and an output that would replace an input is refused.";

const PROCESS_AFTER_HELP: &str = "\
Exit status: 0 if every file was processed, 1 if any failed (one line each on stderr; the \
others are still written), 2 for usage errors (unknown plugin, preset or parameter, a value \
out of range, an output that is an input) - then nothing is written.

Parameter IDs, ranges and choices: each plugin's params.json, or the message an unknown ID \
gives.

Examples:
  lathe process strip vocal.wav --preset \"Vocal presence\" -o vocal-strip.wav
  lathe process bus drums.wav --set thr=-20 --set c_ratio=4:1 -o drums-glue.flac --bits 24
  lathe process repair takes/*.wav --preset \"Dialogue plosives\" -o cleaned/";

const LOUDNESS_LONG_ABOUT: &str = "\
Measure loudness and true peak of audio files (EBU R 128 / ITU-R BS.1770-4).

For each file prints: integrated loudness (I, LUFS, gated per BS.1770-4), loudness range \
(LRA, LU, EBU Tech 3342), maximum momentary (400 ms) and short-term (3 s) loudness (LUFS), \
sample peak (dBFS), true peak (dBTP, 4x oversampled, ITU-R BS.1770-4 Annex 2), \
peak-to-loudness ratio (PLR = TP - I, dB), and for each streaming platform the gain it \
would apply and whether the true peak would then exceed -1 dBTP.

Reads WAV, AIFF, FLAC, MP3 and Ogg Vorbis, mono to 7.1, 8-384 kHz. Files are measured in \
parallel. A file that cannot be measured gives one line 'lathe: FILE: reason' on stderr; \
the other files are still reported and the exit status is 1.";

const LOUDNESS_AFTER_HELP: &str = "\
Platform model (gain = target - I, then):
  Spotify      -14 LUFS  turns loud files down; turns quiet files up only until the true
                         peak reaches -1 dBTP (Spotify's 'normal' mode, no limiter)
  Apple Music  -16 LUFS  as Spotify (Sound Check)
  YouTube      -14 LUFS  turns loud files down only
  Tidal        -14 LUFS  turns loud files down only
  Amazon Music -14 LUFS  turns loud files down only
  EBU R128     -23 LUFS  broadcast normalisation, up or down
'TP after' = TP + gain; 'over -1 dBTP' flags files whose true peak would exceed -1 dBTP
after normalisation (a loud master that is only turned down can still be flagged). The
platforms' published targets change from time to time; this is a model, not their code.

JSON (--json): one object per line per file, keys: file, sample_rate_hz, channels,
duration_s, I, LRA, M_max, S_max, sample_peak, TP, PLR, platforms[{name, target_lufs,
policy, gain_db, TP_after, exceeds_minus_1_dbtp}], and with --series:
series[{t, M, S}] (t = end of the window in seconds). Silence gives null.

Exit status: 0 if every file was measured, 1 if any failed, 2 for usage errors.

Examples:
  lathe loudness master.wav
  lathe loudness --json *.flac > loudness.jsonl
  lathe loudness --series --json mix.wav";

#[derive(Debug, Args)]
struct LoudnessArgs {
    /// Audio files to measure (WAV, AIFF, FLAC, MP3, Ogg Vorbis).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,

    /// Print one JSON object per file (JSON Lines) instead of a table.
    #[arg(long)]
    json: bool,

    /// Also print momentary and short-term loudness every 100 ms.
    #[arg(long)]
    series: bool,

    #[command(flatten)]
    run: progress::RunArgs,

    /// Also draw momentary and short-term loudness over time as a PNG (one input file only),
    /// with the integrated loudness, the -14 LUFS streaming target, the -1 dBTP ceiling and
    /// the true peak marked.
    #[arg(long, value_name = "FILE.png")]
    plot: Option<PathBuf>,
}

fn main() -> ExitCode {
    // A decoder panic on one corrupt file must not print a panic message and backtrace in the
    // middle of the report: each file's work runs under `panics::catch` and becomes a one-line
    // error (with the panic's message and location). Any other panic still reaches the default
    // hook, so real bugs are not hidden.
    panics::install();
    let cli = Cli::parse();
    match cli.command {
        Command::Loudness(args) => loudness(args),
        Command::Process(args) => process::run(args),
        Command::Master(args) => master::run(args),
        Command::Compare(args) => compare::run(args),
    }
}

/// Runs `lathe loudness`.
fn loudness(args: LoudnessArgs) -> ExitCode {
    if args.plot.is_some() && args.files.len() != 1 {
        eprintln!("lathe loudness: --plot draws one file; give exactly one input");
        return ExitCode::from(2);
    }
    let want_series = args.series || args.plot.is_some();
    let progress = progress::Progress::start(&args.files, !args.json && !args.run.no_progress);
    let counter = progress.counter();
    let results = progress::run_files(
        &args.files,
        args.run.jobs,
        "undecodable: decoder failed",
        |path| measure::measure_file(path, want_series, std::sync::Arc::clone(&counter)),
    );
    progress.finish();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    let mut first_table = true;
    for (path, result) in args.files.iter().zip(results) {
        let name = path.display().to_string();
        match result {
            Ok(m) => {
                if let Some(png) = &args.plot {
                    let name = path
                        .file_name()
                        .map_or(name.clone(), |n| n.to_string_lossy().into());
                    if let Err(e) = plot::loudness_png(png, &name, &m, Some(-14.0), Some(-1.0)) {
                        failed = true;
                        eprintln!("lathe: {}: {e}", png.display());
                    }
                }
                let text = if args.json {
                    format!("{}\n", report::to_json(&name, &m, args.series))
                } else {
                    let sep = if first_table { "" } else { "\n" };
                    first_table = false;
                    format!("{sep}{}", report::to_table(&name, &m, args.series))
                };
                if out.write_all(text.as_bytes()).is_err() {
                    // stdout closed (e.g. `| head`): stop quietly.
                    return ExitCode::from(1);
                }
            }
            Err(reason) => {
                failed = true;
                let _ = out.flush();
                eprintln!("lathe: {name}: {reason}");
            }
        }
    }
    let _ = out.flush();
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

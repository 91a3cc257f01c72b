//! `lathe process PLUGIN INPUT... -o OUT`: runs a plugin's engine over files.

use crate::outputs::{self, OutputArgs};
use crate::plugins::PluginKind;
use crate::progress::{self, FileShare, Progress};
use crate::write::{self, Depth};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Arguments of `lathe process`.
#[derive(Debug, clap::Args)]
pub struct ProcessArgs {
    /// The plugin: channel-strip (strip), bus-compressor (bus), mastering-limiter (limiter) or
    /// spectral-repair (repair).
    #[arg(value_name = "PLUGIN")]
    pub plugin: String,

    /// Audio files to process (WAV, AIFF, FLAC, MP3, Ogg Vorbis; mono or stereo).
    #[arg(value_name = "INPUT", required = true)]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// A factory preset, by name (case-insensitive), applied before any --set.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,

    /// Sets a parameter: ID=VALUE with the plugin's parameter ID and a value as the plugin
    /// shows it ("eq2_freq=2.5 kHz", "ratio=4", "hpf_on=On"). Repeatable; applied in order.
    #[arg(long = "set", value_name = "ID=VALUE")]
    pub sets: Vec<String>,

    /// How many files to process at once [default: number of CPU cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Never show the progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Frames per engine call (the output does not depend on it; for tests).
    #[arg(long, default_value_t = 4096, hide = true)]
    pub block: usize,
}

/// Runs `lathe process`.
pub fn run(args: ProcessArgs) -> ExitCode {
    let usage = |e: String| {
        eprintln!("lathe process: {e}");
        ExitCode::from(2)
    };
    let kind = match PluginKind::parse(&args.plugin) {
        Ok(k) => k,
        Err(e) => return usage(e),
    };
    // Check the preset and every --set once, before any file is touched.
    if let Err(e) = kind.build(args.preset.as_deref(), &args.sets) {
        return usage(e);
    }
    let plan = match outputs::plan(&args.files, &args.output, Depth::F32) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let progress = Progress::start(&args.files, !args.no_progress);
    let jobs: Vec<PathBuf> = args.files.clone();
    let counter = progress.counter();
    let work = |path: &PathBuf| -> Result<String, String> {
        let index = jobs.iter().position(|p| p == path).unwrap_or(0);
        let out = &plan.outputs[index];
        let audio = crate::decode::decode_all(path, Arc::new(AtomicU64::new(0)))?;
        let mut engine = kind.build(args.preset.as_deref(), &args.sets)?;
        let mut share = FileShare::new(Arc::clone(&counter), path);
        let mut planes =
            crate::render::render(engine.as_mut(), &audio, args.block, |f| share.set(f))?;
        if let Some(bits) = plan.format.depth.int_bits() {
            let dither = plan.format.dither && engine.dithered_bits() != Some(bits);
            write::quantise(&mut planes, audio.spec.sample_rate_hz, bits, dither);
        }
        write::write_atomic(out, &planes, audio.spec.sample_rate_hz, plan.format)?;
        Ok(format!(
            "{} -> {} ({} Hz, {} ch, latency {} samples removed)",
            path.display(),
            out.display(),
            audio.spec.sample_rate_hz,
            audio.planes.len(),
            engine.latency_samples()
        ))
    };
    let results = progress::run_files(&args.files, args.jobs, "failed", work);
    progress.finish();
    report(&args.files, results)
}

/// Prints one line per file (stdout for done, stderr for failed) and the exit status.
pub fn report(files: &[PathBuf], results: Vec<Result<String, String>>) -> ExitCode {
    let mut failed = false;
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(line) => println!("{line}"),
            Err(reason) => {
                failed = true;
                eprintln!("lathe: {}: {reason}", path.display());
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

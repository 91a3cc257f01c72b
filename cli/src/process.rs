//! `lathe process PLUGIN INPUT... -o OUT`: runs a plugin's engine over files.

use crate::outputs::{self, OutputArgs};
use crate::plugins::{PluginKind, SettingsArgs};
use crate::progress::{self, FileShare, Progress, RunArgs};
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

    #[command(flatten)]
    pub settings: SettingsArgs,

    #[command(flatten)]
    pub run: RunArgs,

    /// Spectral repair only: first analyse each file as the plugin's Analyse does (its first
    /// 30 s), switch on the modules the assistant proposes and no other, print what it found
    /// and switched on, then process. A --preset applies before the proposal, --set after it.
    #[arg(long)]
    pub assist: bool,

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
    if args.assist && kind != PluginKind::of::<spectral_repair::Offline>() {
        return usage(format!(
            "--assist is for spectral-repair; {} has no assistant",
            kind.name()
        ));
    }
    // Check the preset and every --set once, before any file is touched.
    if let Err(e) = kind.build(args.settings.preset.as_deref(), &args.settings.sets) {
        return usage(e);
    }
    let plan = match outputs::plan(&args.files, &args.output, Depth::F32) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let progress = Progress::start(&args.files, !args.run.no_progress);
    let jobs: Vec<PathBuf> = args.files.clone();
    let counter = progress.counter();
    let work = |path: &PathBuf| -> Result<String, String> {
        let index = jobs.iter().position(|p| p == path).unwrap_or(0);
        let out = &plan.outputs[index];
        let audio = crate::decode::decode_all(path, Arc::new(AtomicU64::new(0)))?;
        let (mut engine, found) = if args.assist {
            crate::plugins::assisted_repair(
                &audio.planes,
                audio.spec.sample_rate_hz as f32,
                args.settings.preset.as_deref(),
                &args.settings.sets,
            )?
        } else {
            let engine = kind.build(args.settings.preset.as_deref(), &args.settings.sets)?;
            (engine, String::new())
        };
        let mut share = FileShare::new(Arc::clone(&counter), path);
        let mut planes =
            crate::render::render(engine.as_mut(), &audio, args.block, |f| share.set(f))?;
        if let Some(bits) = plan.format.depth.int_bits() {
            let dither = plan.format.dither && engine.dithered_bits() != Some(bits);
            write::quantise(&mut planes, audio.spec.sample_rate_hz, bits, dither);
        }
        write::write_atomic(out, &planes, audio.spec.sample_rate_hz, plan.format)?;
        Ok(format!(
            "{found}{} -> {} ({} Hz, {} ch, latency {} samples removed)",
            path.display(),
            out.display(),
            audio.spec.sample_rate_hz,
            audio.planes.len(),
            engine.latency_samples()
        ))
    };
    let results = progress::run_files(&args.files, args.run.jobs, "failed", work);
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

//! What every command shares when it works through many files: the progress bar (by bytes,
//! sampled by a small thread), the parallel pool (`-j`), a panic in one file's work turned into
//! that file's one-line error, and the report loop that prints `lathe: FILE: reason` on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How a command works through its files.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// How many files to work on at once [default: number of CPU cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Never show the progress bar (it shows only when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// A progress bar over a known amount of work, in bytes of input.
pub struct Progress {
    bar: Option<ProgressBar>,
    counter: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts a bar for `files` (their total size is the work) when `show` and stderr is a
    /// terminal; otherwise nothing is drawn but the counter still exists.
    pub fn start(files: &[PathBuf], show: bool) -> Self {
        let total: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let counter = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_message(format!("{} file(s)", files.len()));
            bar
        });
        // Progress is sampled from the shared counter by a small thread.
        let ticker = bar.clone().map(|bar| {
            let counter = Arc::clone(&counter);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(counter.load(Ordering::Relaxed).min(total));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        });
        Self {
            bar,
            counter,
            done,
            ticker,
        }
    }

    /// The shared counter of work done (bytes).
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.counter)
    }

    /// Stops the ticker and clears the bar.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Advances a progress counter by the share of one file's bytes that a stage has done, so a
/// file whose decoding is quick and processing slow still moves the bar evenly.
pub struct FileShare {
    counter: Arc<AtomicU64>,
    file_bytes: u64,
    reported: u64,
}

impl FileShare {
    /// `file_bytes` of the bar belong to this file's stage.
    pub fn new(counter: Arc<AtomicU64>, path: &Path) -> Self {
        let file_bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        Self {
            counter,
            file_bytes,
            reported: 0,
        }
    }

    /// The stage is `fraction` (0–1) done.
    pub fn set(&mut self, fraction: f64) {
        let now = (self.file_bytes as f64 * fraction.clamp(0.0, 1.0)) as u64;
        if now > self.reported {
            self.counter
                .fetch_add(now - self.reported, Ordering::Relaxed);
            self.reported = now;
        }
    }
}

/// Runs `work` on every file, `jobs` at once (default: one per core), each under
/// `panics::catch` so a panic in one file becomes that file's error
/// (`"{panic_reason} (internal error: ...)"`).
pub fn run_files<T: Send>(
    files: &[PathBuf],
    jobs: Option<u16>,
    panic_reason: &str,
    work: impl Fn(&PathBuf) -> Result<T, String> + Sync,
) -> Vec<Result<T, String>> {
    let guarded = |path: &PathBuf| match crate::panics::catch(|| work(path)) {
        Ok(result) => result,
        Err(panic) => Err(format!("{panic_reason} (internal error: {panic})")),
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.map_or(0, usize::from))
        .build()
    {
        Ok(pool) => pool.install(|| files.par_iter().map(guarded).collect()),
        Err(_) => files.iter().map(guarded).collect(),
    }
}

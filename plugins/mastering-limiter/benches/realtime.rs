//! Realtime-factor benchmark of the mastering limiter engine on 48 kHz stereo (seconds of audio
//! per second of CPU, one core) at every oversampling factor, with a programme-like signal
//! driven into 6–10 dB of limiting. The peers (pedalboard's Limiter, the ZaMaximX2 VST3 of
//! Debian's zam-plugins, ffmpeg's alimiter) are measured by `tests/bench/limiter_peers.py`,
//! which this benchmark runs afterwards when the venv and the bundle exist.
//!
//! Run: `cargo bench -p mastering_limiter --bench realtime`. CI only compiles it.

use mastering_limiter::dsp::{LimiterEngine, MasteringSettings};
use shared_dsp::db::db_to_gain;
use shared_dsp::dynamics::limiter::Oversampling;
use std::path::Path;
use std::process::Command;

const SR: f32 = 48000.0;
const SECONDS: usize = 10;

fn signal(n: usize, seed: u64) -> Vec<f32> {
    engine_checks::bench_signal(n, seed, SR, 55.0, [0.6, 0.1, 0.1])
}

/// Best-of-5 wall time to process `l`/`r` in 512-sample blocks with `settings`.
fn time_engine(settings: &MasteringSettings, l: &[f32], r: &[f32]) -> f64 {
    engine_checks::best_time(LimiterEngine::new(), settings, SR, l, r, 5)
}

fn main() {
    let n = SECONDS * SR as usize;
    let l = signal(n, 1);
    let r = signal(n, 2);
    let mut base = MasteringSettings {
        input_gain: db_to_gain(8.0),
        ..MasteringSettings::default()
    };
    for os in Oversampling::ALL {
        base.limiter.oversampling = os;
        let t = time_engine(&base, &l, &r);
        println!(
            "Lathe Mastering Limiter, true peak, {}x: {:.0}x realtime",
            os.ratio(),
            SECONDS as f64 / t
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let script = root.join("tests/bench/limiter_peers.py");
    if python.exists() && script.exists() {
        println!("peers (tests/bench/limiter_peers.py):");
        let _ = Command::new(python).arg(script).current_dir(&root).status();
    } else {
        println!("peers skipped: run scripts/setup.sh test first (needs .venv)");
    }
}

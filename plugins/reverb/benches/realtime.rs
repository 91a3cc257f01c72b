//! Realtime-factor benchmark of the Reverb engine on 48 kHz stereo (seconds of audio per
//! second of CPU, one core): the default Hall, each algorithm, and the largest room with the
//! deepest modulation. The peer (pedalboard's `Reverb`) runs in `tests/bench/`.
//!
//! Run: `cargo bench -p reverb --bench realtime`. CI only compiles it.

use reverb::dsp::{ReverbEngine, ReverbSettings};

const SR: f32 = 48000.0;
const SECONDS: usize = 10;

/// Best-of-5 wall time to process `l`/`r` in 512-sample blocks with `settings`.
fn time_engine(settings: &ReverbSettings, l: &[f32], r: &[f32]) -> f64 {
    engine_checks::best_time(ReverbEngine::new(), settings, SR, l, r, 5)
}

fn main() {
    let n = SECONDS * SR as usize;
    let l = engine_checks::bench_signal(n, 1, SR, 55.0, [0.6, 0.1, 0.1]);
    let r = engine_checks::bench_signal(n, 2, SR, 55.0, [0.6, 0.1, 0.1]);
    use shared_dsp::reverb::Algorithm;
    let with = |algorithm| ReverbSettings {
        algorithm,
        ..Default::default()
    };
    let busy = ReverbSettings {
        size: 1.0,
        decay_s: 8.0,
        low_mult: 1.5,
        high_mult: 0.4,
        mod_depth_ms: 2.0,
        duck_db: 6.0,
        ..Default::default()
    };
    for (name, s) in [
        ("defaults (Hall)", ReverbSettings::default()),
        ("Room", with(Algorithm::Room)),
        ("Plate", with(Algorithm::Plate)),
        ("Chamber", with(Algorithm::Chamber)),
        ("large, shaped, ducking", busy),
    ] {
        let t = time_engine(&s, &l, &r);
        println!("{name:<24} {:>8.0}x realtime", SECONDS as f64 / t);
    }
    // The decay design the engine redoes (at most every 512 samples) while a decay control
    // moves: its cost against the 512 samples' worth of audio time.
    let fdn = reverb::dsp::fdn_settings(&ReverbSettings::default());
    let runs = 50;
    let t0 = std::time::Instant::now();
    for k in 0..runs {
        let s = shared_dsp::reverb::fdn::FdnSettings {
            rt60_s: 1.0 + 0.01 * k as f32,
            ..fdn
        };
        std::hint::black_box(shared_dsp::reverb::fdn::FdnCoeffs::design(&s, SR));
    }
    let per = t0.elapsed().as_secs_f64() / runs as f64;
    println!(
        "network redesign         {:>8.0} us ({:.1} % of the 512 samples it serves)",
        per * 1e6,
        100.0 * per / (512.0 / SR as f64)
    );
}

//! Realtime-factor benchmark of the whole channel strip (every module on, 4× saturation) on
//! 48 kHz stereo, and in the same run the nearest chain of pedalboard built-ins on the same
//! signal (if `.venv/bin/python` with pedalboard exists), with the ratio.
//!
//! Run: `cargo bench -p channel_strip --bench realtime`. CI only compiles it.

// Settings are built by changing a few fields of the defaults, which reads best here.
#![allow(clippy::field_reassign_with_default)]

use channel_strip::dsp::{ChannelStripEngine, Settings};
use shared_dsp::db::db_to_gain;
use shared_dsp::filter::butterworth::FilterSlope;
use std::path::Path;
use std::process::Command;

const SR: f32 = 48000.0;
const SECONDS: usize = 10;

/// Programme-like test signal: decaying 110 Hz tones, a steady tone and noise, −12 dBFS-ish.
fn signal(n: usize, seed: u64) -> Vec<f32> {
    engine_checks::bench_signal(n, seed, SR, 110.0, [0.3, 0.1, 0.05])
}

fn everything_on() -> Settings {
    let mut s = Settings::default();
    s.hpf_on = true;
    s.hpf_slope = FilterSlope::Db24;
    s.lpf_on = true;
    for (b, g) in s.eq.iter_mut().zip([3.0, -2.0, 4.0, -3.0]) {
        b.gain_db = g;
    }
    s.gate_on = true;
    s.gate_threshold_db = -60.0;
    s.gate_key_filter_on = true;
    s.comp_on = true;
    s.comp_threshold_db = -24.0;
    s.sat_on = true;
    s.sat_drive_db = 9.0;
    s.sat_mix = 0.8;
    s.pan = 0.1;
    s.width = 1.2;
    s.output_gain = db_to_gain(-2.0);
    s
}

/// Best-of-4 wall time to process `l`/`r` in 512-sample blocks with `settings`.
fn time_engine(settings: &Settings, l: &[f32], r: &[f32]) -> f64 {
    engine_checks::best_time(ChannelStripEngine::new(), settings, SR, l, r, 4)
}

fn main() {
    let n = SECONDS * SR as usize;
    let l = signal(n, 1);
    let r = signal(n, 2);
    let all = everything_on();
    let mut parts: Vec<(&str, Settings)> = vec![("defaults (EQ flat)", Settings::default())];
    let mut s = Settings::default();
    s.hpf_on = true;
    s.hpf_slope = all.hpf_slope;
    s.lpf_on = true;
    s.eq = all.eq;
    parts.push(("filters + EQ", s));
    let mut s = Settings::default();
    s.gate_on = true;
    s.gate_key_filter_on = true;
    s.gate_threshold_db = -60.0;
    parts.push(("gate", s));
    let mut s = Settings::default();
    s.comp_on = true;
    s.comp_threshold_db = -24.0;
    parts.push(("compressor", s));
    let mut s = Settings::default();
    s.sat_on = true;
    s.sat_drive_db = 9.0;
    s.sat_mix = 0.8;
    parts.push(("saturation 4x", s));
    let mut s = Settings::default();
    s.pan = 0.1;
    s.width = 1.2;
    parts.push(("pan/width", s));
    for (name, s) in &parts {
        let t = time_engine(s, &l, &r);
        println!(
            "  {name:<20} {:>6.2} ms/s  {:>6.0}x",
            t * 1000.0 / SECONDS as f64,
            SECONDS as f64 / t
        );
    }
    let best = time_engine(&all, &l, &r);
    let rtf = SECONDS as f64 / best;
    println!("Lathe Channel Strip, every module on, 4x saturation, 48 kHz stereo:");
    println!(
        "  {:.1} ms per second of audio, realtime factor {:.0}x",
        best * 1000.0 / SECONDS as f64,
        rtf
    );

    // The same signal for the pedalboard chain.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let script = root.join("tests/bench/pedalboard_chain.py");
    if !python.exists() {
        println!("(pedalboard comparison skipped: no .venv; run tests/run-host-tests.sh once)");
        return;
    }
    let raw = std::env::temp_dir().join("lathe-bench-signal.f32");
    let bytes: Vec<u8> = l
        .iter()
        .zip(&r)
        .flat_map(|(x, y)| [x.to_le_bytes(), y.to_le_bytes()])
        .flatten()
        .collect();
    std::fs::write(&raw, bytes).expect("write bench signal");
    let out = Command::new(python)
        .arg(script)
        .arg(&raw)
        .arg(SR.to_string())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            print!("{text}");
            if let Some(pb) = text.lines().find_map(|l| l.strip_prefix("pedalboard_rtf=")) {
                if let Ok(pb) = pb.trim().parse::<f64>() {
                    println!("  ratio Lathe / pedalboard chain: {:.2}x", rtf / pb);
                }
            }
        }
        Ok(o) => println!(
            "pedalboard comparison failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("pedalboard comparison failed: {e}"),
    }
}

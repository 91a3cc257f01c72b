//! Realtime-factor benchmark of the bus compressor engine on 48 kHz stereo (seconds of audio
//! per second of CPU, one core), without oversampling and at 4×, and in the same run the peers
//! from `tests/bench/bus_compressor_peers.py` (pedalboard's Compressor and the ZamCompX2 VST3
//! of Debian's zam-plugins, through pedalboard), with the ratios.
//!
//! Run: `cargo bench -p bus_compressor --bench realtime`. CI only compiles it.

use bus_compressor::dsp::{BusCompEngine, BusCompSettings, Oversampling};
use shared_dsp::dynamics::compressor::Detector;
use std::path::Path;
use std::process::Command;

const SR: f32 = 48000.0;
const SECONDS: usize = 10;

/// Programme-like test signal: decaying 55 Hz tones (loud enough to compress), a steady tone
/// and noise.
fn signal(n: usize, seed: u64) -> Vec<f32> {
    engine_checks::bench_signal(n, seed, SR, 55.0, [0.6, 0.1, 0.1])
}

/// Best-of-5 wall time to process `l`/`r` in 512-sample blocks with `settings`.
fn time_engine(settings: &BusCompSettings, l: &[f32], r: &[f32]) -> f64 {
    engine_checks::best_time(BusCompEngine::new(), settings, SR, l, r, 5)
}

fn main() {
    let n = SECONDS * SR as usize;
    let l = signal(n, 1);
    let r = signal(n, 2);
    let classic = bus_compressor::params::BusCompParams::default().settings();
    let mut modern = classic;
    modern.comp.detector = Detector::Rms;
    modern.comp.knee_db = 6.0;
    modern.mix = 0.7;
    let mut cases = Vec::new();
    for (name, base) in [
        ("Classic (Auto release)", classic),
        ("Modern RMS, mix 70 %", modern),
    ] {
        for os in [Oversampling::X1, Oversampling::X4] {
            let mut s = base;
            s.oversampling = os;
            cases.push((format!("{name}, oversampling {os:?}"), s));
            if os == Oversampling::X4 {
                let mut c = s;
                c.soft_clip = true;
                cases.push((format!("{name}, oversampling {os:?} + soft clip"), c));
            }
        }
    }
    println!("Lathe Bus Compressor engine, 48 kHz stereo, one core:");
    let mut ours = Vec::new();
    for (name, s) in &cases {
        let t = time_engine(s, &l, &r);
        let rtf = SECONDS as f64 / t;
        println!(
            "  {name:<50} {:>6.3} ms/s  {rtf:>7.0}x realtime",
            t * 1000.0 / SECONDS as f64
        );
        ours.push(rtf);
    }
    let (ours_1x, ours_4x) = (ours[0], ours[1]);

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let script = root.join("tests/bench/bus_compressor_peers.py");
    if !python.exists() || !script.exists() {
        println!(
            "(peer comparison skipped: no .venv or no {})",
            script.display()
        );
        return;
    }
    let raw = std::env::temp_dir().join("lathe-bus-bench-signal.f32");
    let bytes: Vec<u8> = l
        .iter()
        .zip(&r)
        .flat_map(|(x, y)| [x.to_le_bytes(), y.to_le_bytes()])
        .flatten()
        .collect();
    std::fs::write(&raw, bytes).expect("write bench signal");
    match Command::new(python)
        .arg(script)
        .arg(&raw)
        .arg(SR.to_string())
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            print!("{text}");
            // Peer lines read `NAME: N x realtime`.
            for line in text.lines().filter(|l| !l.starts_with("Lathe")) {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let Some(number) = value.trim().strip_suffix("x realtime") else {
                    continue;
                };
                if let Ok(peer) = number.trim().parse::<f64>() {
                    println!(
                        "  ratio Lathe engine / {key}: {:.2}x (no oversampling), {:.2}x (4x)",
                        ours_1x / peer,
                        ours_4x / peer
                    );
                }
            }
        }
        Ok(o) => println!(
            "peer comparison failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("peer comparison failed: {e}"),
    }
}

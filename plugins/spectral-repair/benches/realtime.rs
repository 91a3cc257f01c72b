//! Realtime-factor benchmark of spectral repair on 48 kHz stereo (seconds of audio per second of
//! CPU, one core): every module on at FFT 2048 (the target: ≥ 50×), and each module
//! alone, and the assistant's analysis; then, in the same run, ffmpeg's `adeclick`, `adeclip` and `afftdn` on the same
//! damaged real recordings (fixed seeds), with the SNR gains side by side.
//!
//! Run: `cargo bench -p spectral_repair --bench realtime`. CI only compiles it. The ffmpeg
//! peers need Debian's `ffmpeg` (skipped with a message when it is missing).

use engine_checks::damage::{self, snr_db};
use engine_checks::recordings::{load, RECORDINGS};
use shared_dsp::repair::assist::Analyser;
use spectral_repair::dsp::{RepairEngine, RepairSettings};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SR: f32 = 48_000.0;

/// Processes the channels in 512-sample blocks; returns the output aligned with the input
/// and the best-of-`runs` processing time, seconds.
fn process(s: &RepairSettings, input: &[Vec<f32>], runs: usize) -> (Vec<Vec<f32>>, f64) {
    let mut best = f64::MAX;
    let mut out = Vec::new();
    for _ in 0..runs {
        let mut e = RepairEngine::new();
        e.set_settings(s);
        e.prepare(SR);
        let lat = e.latency_samples() as usize;
        let mut bufs: Vec<Vec<f32>> = input
            .iter()
            .map(|c| {
                c.iter()
                    .copied()
                    .chain(std::iter::repeat_n(0.0, lat))
                    .collect()
            })
            .collect();
        let (a, b) = bufs.split_at_mut(1);
        let t0 = Instant::now();
        for (p, q) in a[0].chunks_mut(512).zip(b[0].chunks_mut(512)) {
            let mut chans: [&mut [f32]; 2] = [p, q];
            e.process_block(&mut chans);
        }
        best = best.min(t0.elapsed().as_secs_f64());
        out = bufs.into_iter().map(|c| c[lat..].to_vec()).collect();
    }
    (out, best)
}

fn write_wav(path: &Path, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: SR as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("write wav");
    for (l, r) in channels[0].iter().zip(&channels[1]) {
        w.write_sample(*l).unwrap();
        w.write_sample(*r).unwrap();
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).expect("read wav");
    let s: Vec<f32> = r.samples::<f32>().map(|v| v.unwrap()).collect();
    vec![
        s.iter().step_by(2).copied().collect(),
        s.iter().skip(1).step_by(2).copied().collect(),
    ]
}

/// Runs ffmpeg with one filter on `input` (single-threaded, `-benchmark`); returns the output
/// and the wall time ffmpeg reports for the transcode (`rtime`), seconds.
fn ffmpeg(filter: &str, input: &Path, output: &Path) -> Option<(Vec<Vec<f32>>, f64)> {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-y",
            "-threads",
            "1",
            "-filter_threads",
            "1",
            "-benchmark",
            "-i",
        ])
        .arg(input)
        .args(["-af", filter, "-c:a", "pcm_f32le"])
        .arg(output)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("ffmpeg {filter}: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let rtime = text
        .split("rtime=")
        .nth(1)
        .and_then(|t| t.trim_start().split('s').next())
        .and_then(|t| t.trim().parse::<f64>().ok())?;
    Some((read_wav(output), rtime))
}

/// SNR of a peer's output at its best alignment (some filters delay their output), dB: the
/// lag (0–8192 samples) that best correlates the output with the clean signal over one second.
fn best_snr(clean: &[Vec<f32>], out: &[Vec<f32>]) -> f64 {
    let (start, len) = (48_000usize, 48_000usize);
    let c = &clean[0];
    let o = &out[0];
    let lag = (0..8192usize)
        .filter(|lag| start + lag + len <= o.len())
        .max_by(|&a, &b| {
            let corr = |lag: usize| -> f64 {
                (0..len)
                    .map(|i| c[start + i] as f64 * o[start + i + lag] as f64)
                    .sum()
            };
            corr(a).total_cmp(&corr(b))
        })
        .unwrap_or(0);
    snr_db(clean, out, lag, 24_000)
}

/// Switches a module on.
type Switch = fn(&mut RepairSettings);
/// Damages a clean recording (with a seed).
type Damage = fn(&[Vec<f32>], u64) -> Vec<Vec<f32>>;
/// A damage, the module that repairs it and the ffmpeg filter that does the same job.
type Case = (&'static str, Damage, Switch, &'static str);

fn add(x: &[Vec<f32>], d: &[Vec<f32>]) -> Vec<Vec<f32>> {
    x.iter()
        .zip(d)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
        .collect()
}

fn main() {
    let files: Vec<Vec<Vec<f32>>> = RECORDINGS.iter().map(|n| load(n).channels).collect();
    let seconds: f64 = files.iter().map(|f| f[0].len() as f64 / SR as f64).sum();

    // Speed on all six recordings with clicks, hum and noise added.
    let damaged_all: Vec<Vec<Vec<f32>>> = files
        .iter()
        .enumerate()
        .map(|(k, x)| {
            let mut d = x.clone();
            damage::add_clicks(&mut d, SR, 4.0, 500 + k as u64);
            let h = damage::hum(d[0].len(), SR, 50.0, 0.0, 10, 0.05 * damage::rms(x), 7);
            let d = add(&d, &[h.clone(), h]);
            add(&d, &damage::white_noise_like(x, -30.0, 600 + k as u64))
        })
        .collect();
    let modules: [(&str, Switch); 6] = [
        ("every module", |s| {
            s.declip_on = true;
            s.declick_on = true;
            s.deplosive_on = true;
            s.dehum_on = true;
            s.denoise_on = true;
        }),
        ("de-clip", |s| s.declip_on = true),
        ("de-click", |s| s.declick_on = true),
        ("de-plosive", |s| s.deplosive_on = true),
        ("de-hum", |s| s.dehum_on = true),
        ("de-noise", |s| s.denoise_on = true),
    ];
    println!("Lathe Spectral Repair, 48 kHz stereo, FFT 2048, one core ({seconds:.0} s of audio):");
    for (name, set) in modules {
        let mut s = RepairSettings::default();
        set(&mut s);
        let t: f64 = damaged_all.iter().map(|x| process(&s, x, 3).1).sum();
        println!("  {name:14} {:6.0}x realtime", seconds / t);
    }
    // The assistant's analysis alone (it runs beside the processing while Analyse listens):
    // each recording (all under its 30 s limit) from its start.
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut t = 0.0;
        for x in &damaged_all {
            let mut a = Analyser::new();
            a.prepare(SR);
            a.start();
            let t0 = Instant::now();
            for (p, q) in x[0].chunks(512).zip(x[1].chunks(512)) {
                a.feed(&[p, q]);
            }
            t += t0.elapsed().as_secs_f64();
        }
        best = best.min(t);
    }
    println!("  {:14} {:6.0}x realtime", "analysis", seconds / best);

    // Repairs side by side with ffmpeg.
    let have_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok();
    if !have_ffmpeg {
        println!("ffmpeg peers skipped: ffmpeg is not installed (apt-get install ffmpeg)");
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("lathe-repair-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inp = dir.join("in.wav");
    let outp = dir.join("out.wav");
    let cases: [Case; 3] = [
        (
            "clicks",
            |x, seed| {
                let mut d = x.to_vec();
                damage::add_clicks(&mut d, SR, 4.0, seed);
                d
            },
            |s| s.declick_on = true,
            "adeclick",
        ),
        (
            "clipping (99th percentile)",
            |x, _| {
                let mut d = x.to_vec();
                damage::clip_at_percentile(&mut d, 99.0);
                d
            },
            |s| s.declip_on = true,
            "adeclip",
        ),
        (
            "white noise −20 dB",
            |x, seed| add(x, &damage::white_noise_like(x, -20.0, seed)),
            |s| s.denoise_on = true,
            "afftdn",
        ),
    ];
    for (what, make, set, filter) in cases {
        println!("{what}: SNR gain (dB) and speed (x realtime), Lathe vs ffmpeg {filter}");
        let (mut ours_t, mut peer_t, mut copy_t) = (0.0, 0.0, 0.0);
        let (mut ours_sum, mut peer_sum) = (0.0, 0.0);
        for (k, (name, x)) in RECORDINGS.iter().zip(&files).enumerate() {
            let d = make(x, 700 + k as u64);
            let before = snr_db(x, &d, 0, 24_000);
            let mut s = RepairSettings::default();
            set(&mut s);
            let (y, t) = process(&s, &d, 1);
            ours_t += t;
            let ours = snr_db(x, &y, 0, 24_000) - before;
            write_wav(&inp, &d);
            let Some((py, pt)) = ffmpeg(filter, &inp, &outp) else {
                continue;
            };
            let copy = ffmpeg("anull", &inp, &outp).map_or(0.0, |c| c.1);
            peer_t += pt;
            copy_t += copy;
            let peer = best_snr(x, &py) - before;
            ours_sum += ours;
            peer_sum += peer;
            println!("  {name:34} Lathe {ours:+6.1}   ffmpeg {peer:+6.1}");
        }
        let n = RECORDINGS.len() as f64;
        println!(
            "  mean                               Lathe {:+6.1}   ffmpeg {:+6.1}",
            ours_sum / n,
            peer_sum / n
        );
        println!(
            "  speed                              Lathe {:6.0}x  ffmpeg {:6.0}x (its transcode time minus a plain copy's)",
            seconds / ours_t,
            seconds / (peer_t - copy_t).max(1e-3)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

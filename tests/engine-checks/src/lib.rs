//! Engine checks written once for any engine (the engine layer of the tests,
//! `docs/ARCHITECTURE.md`). Each plugin's engine test holds its engine at fixed settings
//! (`shared_dsp::runner::Fixed`, a [`FixedEngine`]) and calls these with its own settings.
//!
//! The allocation check needs the test binary to install the counting allocator:
//! `#[global_allocator] static A: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;`

#![warn(missing_docs)]

/// Sample rates every engine must run at.
pub const SAMPLE_RATES: [f32; 6] = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0];
/// Host block sizes whose outputs must agree.
pub const BLOCK_SIZES: [usize; 5] = [1, 7, 64, 512, 4096];

pub mod damage;
pub mod presets;
pub mod recordings;

pub use shared_dsp::runner::FixedEngine;

/// Deterministic white noise in ±`amp` (xorshift), for reproducible tests.
pub fn noise(num_samples: usize, seed: u64, amp: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..num_samples)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            amp * ((s >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
        })
        .collect()
}

/// A sine.
pub fn sine(num_samples: usize, freq_hz: f32, amp: f32, sample_rate_hz: f32) -> Vec<f32> {
    (0..num_samples)
        .map(|i| {
            amp * (2.0 * std::f64::consts::PI * freq_hz as f64 * i as f64 / sample_rate_hz as f64)
                .sin() as f32
        })
        .collect()
}

/// A stereo programme-like test signal: noise bursts over sines with a level step, so
/// dynamics move.
pub fn programme(num_samples: usize, sample_rate_hz: f32) -> [Vec<f32>; 2] {
    let a = sine(num_samples, 110.0, 0.3, sample_rate_hz);
    let b = sine(num_samples, 1_700.0, 0.2, sample_rate_hz);
    let n1 = noise(num_samples, 1, 0.4);
    let n2 = noise(num_samples, 2, 0.4);
    let mut l = vec![0.0; num_samples];
    let mut r = vec![0.0; num_samples];
    for i in 0..num_samples {
        let burst = if (i / 2400) % 3 == 0 { 1.0 } else { 0.1 };
        l[i] = a[i] + burst * n1[i];
        r[i] = b[i] + burst * n2[i] * 0.8;
    }
    [l, r]
}

/// A stereo test signal with no content above 18 kHz (sines from 40 Hz to 17 kHz under a slow
/// 2 Hz level swing, no steps), for null tests through oversamplers, whose filters pass up to
/// 20 kHz.
pub fn band_limited_programme(num_samples: usize, sample_rate_hz: f32) -> [Vec<f32>; 2] {
    let freqs = [40.0f32, 220.0, 1_330.0, 5_100.0, 11_000.0, 17_000.0];
    let mut out = [vec![0.0f32; num_samples], vec![0.0f32; num_samples]];
    for (k, &f) in freqs.iter().enumerate() {
        let s = sine(num_samples, f, 0.1, sample_rate_hz);
        for i in 0..num_samples {
            let t = i as f32 / sample_rate_hz;
            let step = 0.65 + 0.35 * (2.0 * std::f32::consts::PI * 2.0 * t).sin();
            out[k % 2][i] += step * s[i];
            out[(k + 1) % 2][i] += 0.5 * step * s[i];
        }
    }
    out
}

/// Best-of-`runs` wall time, seconds, for `engine` at `settings` (prepared for stereo at
/// `sample_rate_hz`) to process `l`/`r` in 512-sample host blocks: what the benchmarks divide
/// the audio's length by for a realtime factor.
pub fn best_time<E: shared_dsp::runner::PluginEngine>(
    mut engine: E,
    settings: &E::Settings,
    sample_rate_hz: f32,
    l: &[f32],
    r: &[f32],
    runs: usize,
) -> f64 {
    engine.set_settings(settings);
    engine.prepare_channels(sample_rate_hz, 2);
    let (mut a, mut b) = (l.to_vec(), r.to_vec());
    let mut best = f64::MAX;
    for _ in 0..runs.max(1) {
        a.copy_from_slice(l);
        b.copy_from_slice(r);
        let t0 = std::time::Instant::now();
        for (p, q) in a.chunks_mut(512).zip(b.chunks_mut(512)) {
            let mut chans: [&mut [f32]; 2] = [p, q];
            engine.process(&mut chans);
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    std::hint::black_box(&a);
    best
}

/// The benchmarks' programme-like signal: a decaying `tone_hz` tone every 0.5 s over a steady
/// 1234 Hz tone and white noise (deterministic for a seed), at `sample_rate_hz`.
pub fn bench_signal(
    num_samples: usize,
    seed: u64,
    sample_rate_hz: f32,
    tone_hz: f32,
    levels: [f32; 3],
) -> Vec<f32> {
    let mut s = seed | 1;
    (0..num_samples)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32;
            let t = i as f32 / sample_rate_hz;
            let env = (-(t % 0.5) * 6.0).exp();
            levels[0] * env * (2.0 * std::f32::consts::PI * tone_hz * t).sin()
                + levels[1] * (2.0 * std::f32::consts::PI * 1234.0 * t).sin()
                + levels[2] * noise
        })
        .collect()
}

/// Runs a stereo signal through `engine`, as it is (not reset), in blocks of `block`.
pub fn run<E: FixedEngine>(engine: &mut E, input: &[Vec<f32>; 2], block: usize) -> [Vec<f32>; 2] {
    let [mut l, mut r] = input.clone();
    let n = l.len();
    let mut start = 0;
    while start < n {
        let end = (start + block.max(1)).min(n);
        let mut chans: [&mut [f32]; 2] = [&mut l[start..end], &mut r[start..end]];
        engine.process(&mut chans);
        start = end;
    }
    [l, r]
}

/// Runs planar channels (1 or 2) through `process` in blocks of `block` samples, with
/// `latency` samples of silence after the end, and returns the output aligned with the input
/// (the first `latency` samples dropped): what a host's latency compensation does.
pub fn run_aligned(
    latency: usize,
    input: &[Vec<f32>],
    block: usize,
    mut process: impl FnMut(&mut [&mut [f32]]),
) -> Vec<Vec<f32>> {
    let mut bufs: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            c.iter()
                .copied()
                .chain(std::iter::repeat_n(0.0, latency))
                .collect()
        })
        .collect();
    let n = bufs.iter().map(|c| c.len()).min().unwrap_or(0);
    let mut start = 0;
    while start < n {
        let end = (start + block.max(1)).min(n);
        let mut chans: Vec<&mut [f32]> = bufs.iter_mut().map(|c| &mut c[start..end]).collect();
        process(&mut chans);
        start = end;
    }
    bufs.into_iter().map(|c| c[latency..].to_vec()).collect()
}

/// Largest `|output[i] − input[i − latency]|` over both channels after the first 100 ms (the
/// settling of filters after the signal's onset), in dB relative to full scale (−∞ as −400
/// when bit-exact). A null test: the engine at neutral settings must pass
/// its input through, delayed by its reported latency.
pub fn null_db<E: FixedEngine>(engine: &mut E, sample_rate_hz: f32, input: &[Vec<f32>; 2]) -> f32 {
    engine.prepare(sample_rate_hz, 2);
    let out = run(engine, input, 512);
    let lat = engine.latency_samples() as usize;
    let mut worst = 0.0f32;
    let settle = lat.max((0.1 * sample_rate_hz) as usize);
    for c in 0..2 {
        for i in settle..input[c].len() {
            worst = worst.max((out[c][i] - input[c][i - lat]).abs());
        }
    }
    if worst == 0.0 {
        -400.0
    } else {
        20.0 * worst.log10()
    }
}

/// Processes the same signal at every block size in [`BLOCK_SIZES`] with engines from
/// `make` and returns the largest difference from the 64-sample run (linear).
pub fn block_size_difference<E: FixedEngine>(
    make: impl Fn() -> E,
    sample_rate_hz: f32,
    input: &[Vec<f32>; 2],
) -> f32 {
    let reference = {
        let mut e = make();
        e.prepare(sample_rate_hz, 2);
        run(&mut e, input, 64)
    };
    let mut worst = 0.0f32;
    for &b in BLOCK_SIZES.iter() {
        let mut e = make();
        e.prepare(sample_rate_hz, 2);
        let out = run(&mut e, input, b);
        for c in 0..2 {
            for (a, r) in out[c].iter().zip(reference[c].iter()) {
                worst = worst.max((a - r).abs());
            }
        }
    }
    worst
}

/// Feeds hostile input (NaN, ±Inf, subnormals, ±1e6, 3e38, empty and 8192-sample blocks) at
/// every rate in [`SAMPLE_RATES`], then a clean sine. Returns failures in words: any
/// non-finite or subnormal output, or no recovery (the clean sine must come out finite and
/// non-silent after the latency).
pub fn hostile_input_failures<E: FixedEngine>(make: impl Fn() -> E) -> Vec<String> {
    let mut failures = Vec::new();
    for &sr in SAMPLE_RATES.iter() {
        let mut e = make();
        e.prepare(sr, 2);
        let patterns: [f32; 8] = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0e-40,
            -1.0e-39,
            1.0e6,
            -3.0e38,
            0.0,
        ];
        for block in [0usize, 1, 3, 64, 333, 8192] {
            for (k, &v) in patterns.iter().enumerate() {
                let mut l: Vec<f32> = (0..block)
                    .map(|i| if i % 3 == k % 3 { v } else { 0.5 })
                    .collect();
                let mut r = vec![v; block];
                {
                    let mut chans: [&mut [f32]; 2] = [&mut l, &mut r];
                    e.process(&mut chans);
                }
                if let Some(bad) = l
                    .iter()
                    .chain(&r)
                    .find(|x| !x.is_finite() || x.is_subnormal())
                {
                    failures.push(format!("{sr} Hz, block {block}, input {v}: output {bad}"));
                }
            }
        }
        // Recovery: a clean tone afterwards comes out finite and not silent.
        let n = 16_384;
        let tone = sine(n, 1000.0, 0.25, sr);
        let out = run(&mut e, &[tone.clone(), tone], 256);
        let tail = &out[0][n / 2..];
        if tail.iter().any(|x| !x.is_finite()) || tail.iter().all(|x| *x == 0.0) {
            failures.push(format!("{sr} Hz: no recovery after hostile input"));
        }
    }
    failures
}

/// Allocations made while processing blocks of 1–8192 samples (must be 0). `between` runs
/// before each pass (e.g. to change settings), inside the counted region.
pub fn allocations<E: FixedEngine>(
    engine: &mut E,
    mut between: impl FnMut(&mut E, usize),
) -> usize {
    let input = programme(8192, 48_000.0);
    let [mut l, mut r] = input;
    alloc_guard::count_allocs(|| {
        for pass in 0..3 {
            between(engine, pass);
            for block in [1usize, 7, 64, 512, 8192] {
                let mut chans: [&mut [f32]; 2] = [&mut l[..block], &mut r[..block]];
                engine.process(&mut chans);
            }
        }
    })
}

//! Tests of the lookahead limiter against analytic expectations: the true-peak ceiling on
//! worst-case signals (read by the 4× BS.1770 meter and by an independent 16× reference),
//! exact latency, the release time constant, the null below threshold, link, and the bass
//! distortion of the attack shape against a hard clip.

use super::*;
use crate::loudness::reference::true_peak_16x as reference_true_peak_16x;
use crate::loudness::LoudnessMeter;
use std::f64::consts::PI;

/// Runs a stereo signal through a limiter in chunks of `MAX_CHUNK` (plus a tail of silence
/// as long as the latency) and returns the output with the latency removed.
fn run(lim: &mut LookaheadLimiter, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let lat = lim.latency_samples() as usize;
    let n = l.len();
    let mut a: Vec<f32> = l
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, lat))
        .collect();
    let mut b: Vec<f32> = r
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, lat))
        .collect();
    for (ca, cb) in a.chunks_mut(MAX_CHUNK).zip(b.chunks_mut(MAX_CHUNK)) {
        lim.process_chunk(&mut [ca, cb]);
    }
    (a[lat..lat + n].to_vec(), b[lat..lat + n].to_vec())
}

/// True peak (linear) of the 4× BS.1770 meter (the crate's loudness meter).
fn meter_true_peak(rate: u32, l: &[f32], r: &[f32]) -> f64 {
    let mut m = LoudnessMeter::new(rate, 2).unwrap();
    m.process_planar(&[l, r]).unwrap();
    10f64.powf(m.true_peak_dbtp() / 20.0)
}

fn lcg(seed: &mut u64) -> f32 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
}

/// `x` with every component above `top_hz` removed (FFT brick wall).
fn band_limit(x: Vec<f32>, rate: f64, top_hz: f64) -> Vec<f32> {
    let n = x.len();
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let mut buf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut spec = fwd.make_output_vec();
    fwd.process(&mut buf, &mut spec).unwrap();
    for (k, c) in spec.iter_mut().enumerate() {
        if k as f64 * rate / n as f64 > top_hz {
            *c = realfft::num_complex::Complex::new(0.0, 0.0);
        }
    }
    inv.process(&mut spec, &mut buf).unwrap();
    buf.iter().map(|&v| (v / n as f64) as f32).collect()
}

/// True peak (linear) read with the filter published in BS.1770-4 Annex 2 (12 taps per phase).
fn annex2_true_peak(l: &[f32], r: &[f32]) -> f64 {
    let phases = annex2_phases();
    let mut peak = 0.0f64;
    for x in [l, r] {
        for p in &phases {
            for n in 0..x.len() + ANNEX_TAPS {
                let mut acc = 0.0f64;
                for (k, &h) in p.iter().enumerate() {
                    if n >= k && n - k < x.len() {
                        acc += h as f64 * x[n - k] as f64;
                    }
                }
                peak = peak.max(acc.abs());
            }
        }
    }
    peak
}

/// The worst-case signals of the issue, `secs` long at `rate`: (name, left, right).
fn worst_cases(rate: f64, secs: f64) -> Vec<(String, Vec<f32>, Vec<f32>)> {
    let n = (rate * secs) as usize;
    let mut out = Vec::new();
    // Band-limited to 20 kHz (and 0.45·fs): the top 5 % below Nyquist has no well-defined
    // true peak (every interpolator, BS.1770's included, has its transition band there), and
    // real audio has nothing there either. A square wave by its odd harmonics (Fourier series,
    // full scale, so its Gibbs ringing puts its true peak near +0.8 dB).
    let top = 20_000.0f64.min(0.45 * rate);
    let sq = |f: f64| -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let mut v = 0.0;
                let mut h = 1.0;
                while h * f < top {
                    v += (2.0 * PI * h * f * t).sin() / h;
                    h += 2.0;
                }
                (v * 4.0 / PI) as f32
            })
            .collect()
    };
    for f in [100.0, 1000.0, 5000.0, 11025.0] {
        let s = sq(f);
        out.push((format!("full-scale square {f} Hz"), s.clone(), s));
    }
    // Impulses and doublets at full scale, alone in silence.
    let mut imp = vec![0.0f32; n];
    let mut k = 100;
    while k + 4 < n {
        imp[k] = 1.0;
        imp[k + 2] = -1.0;
        imp[k + 3] = 1.0;
        k += (rate / 37.0) as usize;
    }
    out.push(("impulses and doublets".into(), imp.clone(), imp));
    // Logarithmic sweep 20 Hz → 20 kHz at full scale.
    let (f0, f1) = (20.0f64, 20_000.0f64.min(rate * 0.45));
    let kk = (f1 / f0).ln() / secs;
    let sweep: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            (2.0 * PI * f0 * ((kk * t).exp() - 1.0) / kk).sin() as f32
        })
        .collect();
    out.push(("sweep 20 Hz-20 kHz 0 dBFS".into(), sweep.clone(), sweep));
    // White noise driven +20 dB over full scale (band-limited like the squares).
    let mut seed = 7u64;
    let l = band_limit((0..n).map(|_| 10.0 * lcg(&mut seed)).collect(), rate, top);
    let r = band_limit((0..n).map(|_| 10.0 * lcg(&mut seed)).collect(), rate, top);
    out.push(("white noise +20 dB".into(), l, r));
    // EBU Tech 3341 style inter-sample-peak stimuli: sines at fs/4, fs/6 and fs/8 whose
    // samples miss the crest (45°, 60°, 22.5° off), samples at 0 dBFS, so the true peak is
    // +3.0, +1.25 and +0.69 dBTP; one burst each.
    for (div, phase) in [(4.0, 45.0f64), (6.0, 30.0), (8.0, 22.5)] {
        let amp = 1.0 / phase.to_radians().cos();
        let s: Vec<f32> = (0..n)
            .map(|i| {
                let on = (i as f64 / rate * 4.0).fract() < 0.5;
                if on {
                    (amp * (2.0 * PI * i as f64 / div + phase.to_radians()).cos()) as f32
                } else {
                    0.0
                }
            })
            .collect();
        out.push((
            format!("ISP stimulus fs/{div} at {phase} deg"),
            s.clone(),
            s,
        ));
    }
    out
}

/// The ceiling holds on every worst case, at 44.1, 48 and 96 kHz and every oversampling
/// factor: 4× meter ≤ ceiling; 16× reference ≤ ceiling + 0.1 dB at 2×–8× (and + 0.25 dB at 1×,
/// where a full-scale 20 kHz tone at 44.1 kHz reads +0.19 dB).
#[test]
fn true_peak_ceiling_holds_on_worst_cases() {
    let mut worst_4x = f64::NEG_INFINITY;
    let mut worst_16x = f64::NEG_INFINITY;
    let mut worst_16x_at_1x = f64::NEG_INFINITY;
    let mut failures = Vec::new();
    for rate in [44_100u32, 48_000, 96_000] {
        let signals = worst_cases(rate as f64, 0.25);
        for os in Oversampling::ALL {
            for ceiling_db in [-1.0f32, -0.1] {
                let ceiling = 10f32.powf(ceiling_db / 20.0);
                for (name, l, r) in &signals {
                    let mut lim = LookaheadLimiter::new(rate as f32);
                    lim.set_settings(&LimiterSettings {
                        ceiling_gain: ceiling,
                        oversampling: os,
                        ..LimiterSettings::default()
                    });
                    let (yl, yr) = run(&mut lim, l, r);
                    let tp4 = meter_true_peak(rate, &yl, &yr).max(annex2_true_peak(&yl, &yr));
                    let tp16 = reference_true_peak_16x(&yl, ceiling as f64)
                        .max(reference_true_peak_16x(&yr, ceiling as f64));
                    let over4 = 20.0 * (tp4 / ceiling as f64).log10();
                    let over16 = 20.0 * (tp16 / ceiling as f64).log10();
                    worst_4x = worst_4x.max(over4);
                    // At 1× the 16× bound is looser (see `worst_16x_at_1x`): the detector is the
                    // meter's 4× interpolator, whose passband ends just below 20 kHz at 44.1 kHz.
                    let bound16 = if os == Oversampling::X1 { 0.25 } else { 0.1 };
                    if os == Oversampling::X1 {
                        worst_16x_at_1x = worst_16x_at_1x.max(over16);
                    } else {
                        worst_16x = worst_16x.max(over16);
                    }
                    if over4 > 0.0 || over16 > bound16 {
                        failures.push(format!(
                            "{rate} Hz {os:?} ceiling {ceiling_db} dB, {name}: 4x {over4:+.4} dB, 16x {over16:+.4} dB"
                        ));
                    }
                }
            }
        }
    }
    println!(
        "worst true-peak overshoot: 4x meter {worst_4x:+.4} dB, 16x reference {worst_16x:+.4} dB"
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A loud impulse train's output peaks land exactly `latency_samples` late (a small impulse
/// passes unchanged), at every factor and rate.
#[test]
fn latency_is_exact() {
    for rate in [44_100.0f32, 48_000.0, 96_000.0, 384_000.0] {
        for os in Oversampling::ALL {
            for la_ms in [0.5f32, 1.5, 10.0] {
                let mut lim = LookaheadLimiter::new(rate);
                lim.set_settings(&LimiterSettings {
                    oversampling: os,
                    lookahead_ms: la_ms,
                    ..LimiterSettings::default()
                });
                let lat = lim.latency_samples() as usize;
                let mut x = vec![0.0f32; lat + 4096];
                x[1000] = 0.5;
                let mut y = x.clone();
                for c in y.chunks_mut(MAX_CHUNK) {
                    let mut c2 = c.to_vec();
                    lim.process_chunk(&mut [c, &mut c2]);
                }
                let peak = y
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                    .unwrap();
                assert_eq!(peak.0, 1000 + lat, "{rate} {os:?} {la_ms} ms");
                assert!((peak.1 - 0.5).abs() < 1e-6, "{rate} {os:?}: {}", peak.1);
                let want = (la_ms * 1e-3 * rate).round() as usize
                    + match os {
                        Oversampling::X1 => 16,
                        _ => 1 + os.latency_samples() as usize,
                    }
                    + 45;
                assert_eq!(lat, want, "{rate} {os:?} {la_ms}");
            }
        }
    }
}

/// Below the ceiling the output is the delayed input: null below −120 dB (exact, in fact) at
/// every factor.
#[test]
fn nulls_below_threshold() {
    let rate = 48_000.0;
    let n = 48_000;
    let mut seed = 3u64;
    let l: Vec<f32> = (0..n).map(|_| 0.3 * lcg(&mut seed)).collect();
    let r: Vec<f32> = (0..n)
        .map(|i| 0.5 * (2.0 * PI * 997.0 * i as f64 / 48_000.0).sin() as f32)
        .collect();
    for os in Oversampling::ALL {
        let mut lim = LookaheadLimiter::new(rate);
        lim.set_settings(&LimiterSettings {
            oversampling: os,
            ..LimiterSettings::default()
        });
        let (yl, yr) = run(&mut lim, &l, &r);
        let err: f64 = yl
            .iter()
            .zip(&l)
            .chain(yr.iter().zip(&r))
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum();
        let sig: f64 = l.iter().chain(&r).map(|v| (*v as f64).powi(2)).sum();
        let db = 10.0 * (err / sig).max(1e-30).log10();
        println!("{os:?}: null {db:.1} dB");
        assert!(db < -120.0, "{os:?}: {db} dB");
    }
}

/// Gain of a loud burst's tail: after a 0 dBFS → −∞ step the gain recovers as
/// `1 − (1 − g0)·e^(−t/τ)` with τ the release setting.
#[test]
fn release_time_constant_as_set() {
    for rate in [44_100.0f32, 48_000.0, 96_000.0] {
        for release_ms in [10.0f32, 100.0, 500.0] {
            let mut lim = LookaheadLimiter::new(rate);
            lim.set_settings(&LimiterSettings {
                ceiling_gain: 0.5,
                release_ms,
                ..LimiterSettings::default()
            });
            // 0.3 s of a 1.0 DC level (6 dB of reduction), then a small −40 dBFS DC probe
            // (far below the ceiling) that shows the gain.
            let on = (0.3 * rate) as usize;
            let total = on + (8.0 * release_ms * 1e-3 * rate) as usize;
            let x: Vec<f32> = (0..total)
                .map(|i| if i < on { 1.0 } else { 0.01 })
                .collect();
            let (y, _) = run(&mut lim, &x, &x);
            let g = |i: usize| y[i] / 0.01;
            // Measure τ from the gain after the ramp: 1 − g(t) = (1 − g(t0)) e^(−(t − t0)/τ).
            let t0 = on + (0.5 * release_ms * 1e-3 * rate) as usize + 300;
            let t1 = t0 + (release_ms * 1e-3 * rate) as usize;
            let tau = (t1 - t0) as f64 / ((1.0 - g(t0)) as f64 / (1.0 - g(t1)) as f64).ln();
            let tau_ms = tau / rate as f64 * 1e3;
            println!("{rate} Hz: release {release_ms} ms measured {tau_ms:.2} ms");
            assert!(
                (tau_ms / release_ms as f64 - 1.0).abs() < 0.03,
                "{rate} {release_ms}: {tau_ms}"
            );
        }
    }
}

/// Total harmonic distortion (dB) of a steady sine of `freq` through `f`: harmonic power 2–10
/// over the fundamental's, by projection on whole periods.
fn thd_db(y: &[f32], rate: f64, freq: f64) -> f64 {
    let period = rate / freq;
    let periods = (y.len() as f64 / period).floor() as usize;
    let len = (periods as f64 * period).round() as usize;
    let start = y.len() - len;
    let mut powers = [0.0f64; 11];
    for (h, pw) in powers.iter_mut().enumerate().skip(1) {
        let (mut c, mut s) = (0.0, 0.0);
        for (i, &v) in y[start..].iter().enumerate() {
            let ph = 2.0 * PI * freq * h as f64 * i as f64 / rate;
            c += v as f64 * ph.cos();
            s += v as f64 * ph.sin();
        }
        *pw = c * c + s * s;
    }
    let harm: f64 = powers[2..].iter().sum();
    10.0 * (harm / powers[1]).log10()
}

/// A limited sine and its THD at a given gain reduction (ceiling fixed at −1 dBTP).
fn limited_thd(rate: f64, freq: f64, gr_db: f64, os: Oversampling) -> f64 {
    let ceiling = 10f32.powf(-1.0 / 20.0);
    let amp = ceiling as f64 * 10f64.powf(gr_db / 20.0);
    let n = (rate * 2.0) as usize;
    let x: Vec<f32> = (0..n)
        .map(|i| (amp * (2.0 * PI * freq * i as f64 / rate).sin()) as f32)
        .collect();
    let mut lim = LookaheadLimiter::new(rate as f32);
    lim.set_settings(&LimiterSettings {
        ceiling_gain: ceiling,
        oversampling: os,
        ..LimiterSettings::default()
    });
    let (y, _) = run(&mut lim, &x, &x);
    thd_db(&y[n / 2..], rate, freq)
}

/// The attack shape keeps bass clean: a 40 Hz sine limited by 6 dB has at least 20 dB less
/// THD than a hard clip of the same depth.
#[test]
fn bass_is_cleaner_than_a_hard_clip() {
    let rate = 48_000.0;
    let amp = 1.0;
    let clip = 0.5f32; // 6 dB
    let n = 96_000;
    let clipped: Vec<f32> = (0..n)
        .map(|i| ((amp * (2.0 * PI * 40.0 * i as f64 / rate).sin()) as f32).clamp(-clip, clip))
        .collect();
    let thd_clip = thd_db(&clipped[n / 2..], rate, 40.0);
    let thd_lim = limited_thd(rate, 40.0, 6.0 + 1.0, Oversampling::X1);
    println!("40 Hz, 6 dB: hard clip THD {thd_clip:.1} dB, limiter {thd_lim:.1} dB");
    assert!(thd_lim <= thd_clip - 20.0, "{thd_lim} vs {thd_clip}");
}

/// The THD table of the issue (50 Hz and 1 kHz at 3, 6 and 12 dB of gain reduction), printed,
/// with loose bounds that catch a broken attack or release.
#[test]
fn thd_table() {
    for freq in [50.0, 1000.0] {
        for gr in [3.0, 6.0, 12.0] {
            let thd = limited_thd(48_000.0, freq, gr, Oversampling::X4);
            println!("THD {freq} Hz at {gr} dB GR: {thd:.1} dB");
            assert!(thd < -20.0, "{freq} Hz {gr} dB: {thd}");
        }
    }
}

/// Link 0: a loud left channel does not turn the right one down; link 1: both get the same
/// gain.
#[test]
fn link_couples_channels() {
    let rate = 48_000.0f64;
    let n = 24_000;
    let l: Vec<f32> = (0..n)
        .map(|i| (2.0 * (2.0 * PI * 200.0 * i as f64 / rate).sin()) as f32)
        .collect();
    let r: Vec<f32> = (0..n)
        .map(|i| (0.1 * (2.0 * PI * 300.0 * i as f64 / rate).sin()) as f32)
        .collect();
    for (link, want_right_gain) in [(0.0f32, 1.0f32), (1.0, 0.0)] {
        let mut lim = LookaheadLimiter::new(rate as f32);
        lim.set_settings(&LimiterSettings {
            link,
            ..LimiterSettings::default()
        });
        let (_, yr) = run(&mut lim, &l, &r);
        let pr = yr[n / 2..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let gain = pr / 0.1;
        println!("link {link}: right channel gain {gain:.3}");
        if want_right_gain == 1.0 {
            assert!((gain - 1.0).abs() < 1e-4, "{gain}");
        } else {
            // Linked: the left needs ~ −7.0 dB (0.89/2.0); the right gets about the same.
            assert!(gain < 0.5, "{gain}");
        }
    }
}

/// Automatic release: quick recovery after a single short peak, slow recovery after long
/// sustained limiting (less pumping), compared at the same point after each.
#[test]
fn auto_release_is_program_dependent() {
    let rate = 48_000.0f32;
    let probe = 0.01f32;
    let recovery_after = |burst_s: f32| -> f32 {
        let mut lim = LookaheadLimiter::new(rate);
        lim.set_settings(&LimiterSettings {
            ceiling_gain: 0.5,
            auto_release: true,
            ..LimiterSettings::default()
        });
        let on = (burst_s * rate) as usize;
        let off = (0.1 * rate) as usize;
        let x: Vec<f32> = (0..on + off)
            .map(|i| if i < on { 1.0 } else { probe })
            .collect();
        let (y, _) = run(&mut lim, &x, &x);
        // Gain recovered 50 ms after the end, in dB of the 6 dB reduction.
        let g = y[on + (0.05 * rate) as usize] / probe;
        1.0 - (1.0 - g) / 0.5
    };
    let short = recovery_after(0.005);
    let long = recovery_after(3.0);
    println!("auto release: recovered {short:.2} after a 5 ms peak, {long:.2} after 3 s");
    assert!(short > 0.8, "{short}");
    assert!(long < 0.3, "{long}");
}

/// Hostile input never produces non-finite output or output above the ceiling's sample peak.
#[test]
fn hostile_input_stays_finite() {
    let mut lim = LookaheadLimiter::new(44_100.0);
    let mut seed = 11u64;
    for k in 0..2000 {
        let mut a: Vec<f32> = (0..MAX_CHUNK)
            .map(|i| match (k + i) % 7 {
                0 => 1e6,
                1 => -1e6,
                2 => 1e-38,
                _ => 100.0 * lcg(&mut seed),
            })
            .collect();
        let mut b = a.clone();
        lim.process_chunk(&mut [&mut a, &mut b]);
        assert!(a
            .iter()
            .chain(&b)
            .all(|v| v.is_finite() && v.abs() <= 0.8913));
    }
}

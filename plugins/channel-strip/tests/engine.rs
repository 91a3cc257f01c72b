//! Engine-level tests of the channel strip (no host): transparency, latency, block-size
//! independence, every parameter's direction against an analytic expectation, hostile input,
//! denormals and realtime safety (no allocation while processing).

// Settings are built by changing a few fields of the defaults, which reads best here.
#![allow(clippy::field_reassign_with_default)]

use channel_strip::dsp::{
    eq_band_coeffs, ChannelStripEngine, CompDetector, EqShape, OutputMode, SatCurve, Settings,
};
use realfft::RealFftPlanner;
use shared_dsp::db::{db_to_gain, gain_to_db};
use shared_dsp::dynamics::gate::GateMode;
use shared_dsp::filter::butterworth::{ButterworthCoeffs, FilterSlope};

// Allocation guard: counts allocations made by this thread inside `count_allocs`.

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
use alloc_guard::count_allocs;

// ---------------------------------------------------------------------------------------------
// Helpers

const SR: f32 = 48000.0;

/// Deterministic white noise in [−amp, amp].
fn noise(n: usize, seed: u64, amp: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            amp * ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

fn sine(n: usize, freq_hz: f32, amp: f32, sr: f32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            amp * (2.0 * std::f64::consts::PI * freq_hz as f64 * i as f64 / sr as f64).sin() as f32
        })
        .collect()
}

/// Processes stereo signals through a fresh engine with the given settings, in host blocks of
/// `block` samples.
fn run(settings: &Settings, sr: f32, l: &[f32], r: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let mut e = ChannelStripEngine::new();
    e.set_settings(settings);
    e.prepare(sr);
    let (mut ol, mut or) = (l.to_vec(), r.to_vec());
    let block = block.max(1);
    for start in (0..l.len()).step_by(block) {
        let end = (start + block).min(l.len());
        let (a, b) = (&mut ol[start..end], &mut or[start..end]);
        let mut chans: [&mut [f32]; 2] = [a, b];
        e.process_block(&mut chans);
    }
    (ol, or)
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt() as f32
}

fn rms_db(x: &[f32]) -> f32 {
    gain_to_db(rms(x))
}

/// Level in dB of the difference between `out` (after dropping `latency` samples) and `input`.
fn null_db(input: &[f32], out: &[f32], latency: usize) -> f32 {
    let n = input.len() - latency;
    let diff: Vec<f32> = (0..n).map(|i| out[i + latency] - input[i]).collect();
    rms_db(&diff) - rms_db(&input[..n])
}

fn latency() -> usize {
    ChannelStripEngine::new().latency_samples() as usize
}

/// Everything switched on with audible settings.
fn everything_on() -> Settings {
    let mut s = Settings::default();
    s.trim_gain = db_to_gain(3.0);
    s.hpf_on = true;
    s.hpf_freq_hz = 60.0;
    s.hpf_slope = FilterSlope::Db24;
    s.lpf_on = true;
    s.lpf_freq_hz = 16000.0;
    s.lpf_slope = FilterSlope::Db12;
    s.eq[0].gain_db = 3.0;
    s.eq[1].gain_db = -4.0;
    s.eq[2].gain_db = 5.0;
    s.eq[2].q = 2.0;
    s.eq[3].gain_db = -2.0;
    s.gate_on = true;
    s.gate_threshold_db = -60.0;
    s.gate_key_filter_on = true;
    s.comp_on = true;
    s.comp_threshold_db = -24.0;
    s.comp_ratio = 4.0;
    s.comp_auto_makeup = true;
    s.sat_on = true;
    s.sat_drive_db = 12.0;
    s.sat_mix = 0.7;
    s.pan = 0.2;
    s.width = 1.3;
    s.output_gain = db_to_gain(-3.0);
    s
}

/// Magnitude (linear) of a sine of `freq_hz` in `x` by correlation (x should hold whole cycles
/// or many of them).
fn tone_gain(x: &[f32], freq_hz: f32, sr: f32) -> f32 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, v) in x.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq_hz as f64 * i as f64 / sr as f64;
        re += *v as f64 * ph.cos();
        im += *v as f64 * ph.sin();
    }
    (2.0 * (re * re + im * im).sqrt() / x.len() as f64) as f32
}

// ---------------------------------------------------------------------------------------------
// Transparency and latency

#[test]
fn defaults_are_transparent_after_latency() {
    let l = noise(96000, 1, 0.5);
    let r = noise(96000, 2, 0.5);
    let (ol, or) = run(&Settings::default(), SR, &l, &r, 512);
    let lat = latency();
    let (nl, nr) = (null_db(&l, &ol, lat), null_db(&r, &or, lat));
    println!("default null: L {nl:.1} dB, R {nr:.1} dB, latency {lat} samples");
    assert!(nl < -120.0 && nr < -120.0, "null {nl} / {nr} dB");
}

#[test]
fn impulse_comes_out_at_the_reported_latency_whatever_is_switched_on() {
    let lat = latency();
    assert!(lat > 0, "4× oversampling has latency");
    let mut configs = vec![("default", Settings::default())];
    let mut sat = Settings::default();
    sat.sat_on = true;
    sat.sat_drive_db = 0.0;
    configs.push(("saturation on", sat));
    let mut byp = everything_on();
    byp.bypass = true;
    configs.push(("bypass", byp));
    let mut eq = Settings::default();
    eq.eq[2].gain_db = 0.5;
    configs.push(("eq", eq));
    for (name, s) in configs {
        let mut x = vec![0.0f32; 8192];
        x[4096] = 0.01; // small: the saturator is linear at this level
        let (o, _) = run(&s, SR, &x, &x, 256);
        let peak = o
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(
            peak,
            4096 + lat,
            "{name}: impulse peak at {peak}, latency {lat}"
        );
        assert!(o[4096 + lat] > 0.0, "{name}: polarity kept");
    }
}

#[test]
fn latency_is_the_same_at_every_sample_rate() {
    let mut e = ChannelStripEngine::new();
    let lat = e.latency_samples();
    for sr in [22050.0, 44100.0, 96000.0, 384000.0] {
        e.prepare(sr);
        assert_eq!(e.latency_samples(), lat);
    }
}

#[test]
fn output_does_not_depend_on_block_size() {
    // Everything on, and at sample 28672 (a block boundary for every size tested) several
    // settings jump, so ramps, the coefficient grid and crossfades are exercised too.
    let l = noise(48000, 3, 0.8);
    let r = noise(48000, 4, 0.3);
    let s = everything_on();
    let mut s2 = s;
    s2.eq[2].gain_db = -6.0;
    s2.eq[2].freq_hz = 5000.0;
    s2.hpf_freq_hz = 200.0;
    s2.sat_drive_db = 3.0;
    s2.sat_mix = 0.4;
    s2.pan = -0.5;
    s2.output_mode = OutputMode::Mid;
    s2.comp_on = false;
    let run_switching = |block: usize| {
        let mut e = ChannelStripEngine::new();
        e.set_settings(&s);
        e.prepare(SR);
        let (mut ol, mut or) = (l.clone(), r.clone());
        for start in (0..l.len()).step_by(block) {
            if start == 28672 {
                e.set_settings(&s2);
            }
            let end = (start + block).min(l.len());
            let mut chans: [&mut [f32]; 2] = [&mut ol[start..end], &mut or[start..end]];
            e.process_block(&mut chans);
        }
        (ol, or)
    };
    let (rl, rr) = run_switching(64);
    for block in [1usize, 7, 512, 4096] {
        let (ol, or) = run_switching(block);
        let worst = ol
            .iter()
            .zip(&rl)
            .chain(or.iter().zip(&rr))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "block {block}: max difference {worst}");
    }
}

// ---------------------------------------------------------------------------------------------
// Every control moves the output the documented way

/// Steady-state gain in dB at `freq_hz` of a stereo sine through the strip.
fn sine_gain_db(s: &Settings, freq_hz: f32, amp: f32) -> (f32, f32) {
    let n = 48000;
    let x = sine(n, freq_hz, amp, SR);
    let (ol, or) = run(s, SR, &x, &x, 512);
    let lat = latency();
    let tail = 24000;
    let g = |o: &[f32]| {
        gain_to_db(
            tone_gain(&o[n - tail..], freq_hz, SR)
                / tone_gain(&x[n - tail - lat..n - lat], freq_hz, SR),
        )
    };
    (g(&ol), g(&or))
}

#[test]
fn trim_and_output_gain_are_exact_in_db() {
    let mut s = Settings::default();
    s.trim_gain = db_to_gain(6.0);
    let (l, r) = sine_gain_db(&s, 1000.0, 0.1);
    assert!((l - 6.0).abs() < 0.01 && (r - 6.0).abs() < 0.01, "{l} {r}");
    let mut s = Settings::default();
    s.output_gain = db_to_gain(-12.0);
    let (l, _) = sine_gain_db(&s, 1000.0, 0.1);
    assert!((l + 12.0).abs() < 0.01, "{l}");
}

#[test]
fn polarity_inverts() {
    let x = noise(4800, 5, 0.5);
    let mut s = Settings::default();
    s.polarity_invert = true;
    let (o, _) = run(&s, SR, &x, &x, 128);
    let lat = latency();
    for i in 0..x.len() - lat {
        assert_eq!(o[i + lat], -x[i]);
    }
}

#[test]
fn filters_follow_the_butterworth_response() {
    for (slope, order) in [
        (FilterSlope::Db12, 2.0f32),
        (FilterSlope::Db24, 4.0),
        (FilterSlope::Db48, 8.0),
    ] {
        let mut s = Settings::default();
        s.hpf_on = true;
        s.hpf_freq_hz = 200.0;
        s.hpf_slope = slope;
        let (at_fc, _) = sine_gain_db(&s, 200.0, 0.25);
        assert!((at_fc + 3.01).abs() < 0.05, "HPF at fc: {at_fc}");
        let (octave_below, _) = sine_gain_db(&s, 100.0, 0.25);
        // Butterworth: |H|² = 1 / (1 + (fc/f)^(2n)).
        let expect = -10.0 * (1.0 + 2f32.powf(2.0 * order)).log10();
        assert!(
            (octave_below - expect).abs() < 0.1,
            "HPF {order}: {octave_below} vs {expect}"
        );
        let mut s = Settings::default();
        s.lpf_on = true;
        s.lpf_freq_hz = 5000.0;
        s.lpf_slope = slope;
        let (at_fc, _) = sine_gain_db(&s, 5000.0, 0.25);
        assert!((at_fc + 3.01).abs() < 0.05, "LPF at fc: {at_fc}");
        // Above fc the bilinear transform's zero at Nyquist adds attenuation to the analog
        // Butterworth value: compare with the digital design's analytic response.
        let digital = ButterworthCoeffs::lowpass(SR, 5000.0, slope).magnitude_db(10000.0);
        let (octave_above, _) = sine_gain_db(&s, 10000.0, 0.25);
        assert!(
            octave_above <= expect,
            "LPF {order} at least as steep as analog"
        );
        assert!(
            (octave_above - digital).abs() < 0.05,
            "LPF {order}: {octave_above} vs {digital}"
        );
    }
}

#[test]
fn eq_bands_match_their_analytic_response() {
    for (band, shape, f0) in [
        (0usize, EqShape::LowShelf, 120.0f32),
        (1, EqShape::Bell, 500.0),
        (2, EqShape::Bell, 3000.0),
        (3, EqShape::HighShelf, 9000.0),
    ] {
        let mut s = Settings::default();
        s.eq[band].gain_db = 9.0;
        s.eq[band].freq_hz = f0;
        s.eq[band].q = 1.0;
        let c = eq_band_coeffs(SR, shape, f0, 1.0, 9.0);
        for f in [f0 / 4.0, f0, (f0 * 2.0).min(20000.0)] {
            let (got, _) = sine_gain_db(&s, f, 0.05);
            let expect = c.magnitude_db(f);
            assert!(
                (got - expect).abs() < 0.02,
                "band {band} at {f}: {got} vs {expect}"
            );
        }
        // Switching the band off returns to flat.
        s.eq[band].on = false;
        let (got, _) = sine_gain_db(&s, f0, 0.05);
        assert!(got.abs() < 0.001, "band {band} off: {got}");
    }
}

#[test]
fn compressor_follows_its_static_curve() {
    let mut s = Settings::default();
    s.comp_on = true;
    s.comp_threshold_db = -30.0;
    s.comp_ratio = 4.0;
    s.comp_knee_db = 0.0;
    s.comp_attack_ms = 1.0;
    s.comp_release_ms = 1000.0; // long release: little ripple on a steady sine
    s.comp_detector = CompDetector::Rms;
    // A −10 dBFS-RMS sine (peak −6.99 dBFS): RMS detector reads −10 dB, curve gives
    // −30 + 20/4 = −25 dB out, i.e. −15 dB of gain.
    let amp = db_to_gain(-10.0) * std::f32::consts::SQRT_2;
    let (g, _) = sine_gain_db(&s, 1000.0, amp);
    assert!(
        (g + 15.0).abs() < 0.3,
        "RMS compression gain {g} dB, expected −15"
    );
    // Ratio ∞ holds the output at the threshold.
    s.comp_ratio = f32::INFINITY;
    let (g, _) = sine_gain_db(&s, 1000.0, amp);
    assert!((g + 20.0).abs() < 0.3, "limiting gain {g}, expected −20");
    // Auto make-up adds −gain(0 dBFS) = 30·(1 − 1/4) = 22.5 dB at ratio 4.
    s.comp_ratio = 4.0;
    s.comp_auto_makeup = true;
    let (g, _) = sine_gain_db(&s, 1000.0, amp);
    assert!(
        (g - 7.5).abs() < 0.3,
        "with auto make-up {g}, expected +7.5"
    );
    // Below threshold nothing happens (manual make-up only).
    s.comp_auto_makeup = false;
    s.comp_makeup_db = 4.0;
    let (g, _) = sine_gain_db(&s, 1000.0, db_to_gain(-50.0));
    assert!((g - 4.0).abs() < 0.05, "below threshold {g}");
}

#[test]
fn compressor_static_curve_is_within_a_tenth_of_a_db_for_both_detectors() {
    let mut worst = [0.0f32; 2];
    for (d, detector) in [CompDetector::Peak, CompDetector::Rms]
        .into_iter()
        .enumerate()
    {
        for knee in [0.0, 6.0] {
            let mut s = Settings::default();
            s.comp_on = true;
            s.comp_threshold_db = -20.0;
            s.comp_ratio = 4.0;
            s.comp_knee_db = knee;
            s.comp_attack_ms = 10.0;
            s.comp_release_ms = 100.0;
            s.comp_detector = detector;
            for freq in [100.0, 1000.0, 5000.0] {
                for peak_db in [-30.0, -23.0, -20.0, -17.0, -10.0, 0.0] {
                    let (g, _) = sine_gain_db(&s, freq, db_to_gain(peak_db));
                    let level = match detector {
                        CompDetector::Peak => peak_db,
                        CompDetector::Rms => peak_db - 3.0103,
                    };
                    let expected = channel_strip::dsp::comp_settings(&s).static_gain_db(level);
                    worst[d] = worst[d].max((g - expected).abs());
                    assert!(
                        (g - expected).abs() <= 0.1,
                        "{detector:?} knee {knee} {freq} Hz {peak_db} dB: {g:.3} vs {expected:.3}"
                    );
                }
            }
        }
    }
    println!(
        "strip static curve, worst error: peak {:.3} dB, RMS {:.3} dB",
        worst[0], worst[1]
    );
}

#[test]
fn compressor_attack_and_release_are_time_constants() {
    let mut s = Settings::default();
    s.comp_on = true;
    s.comp_threshold_db = -40.0;
    s.comp_ratio = f32::INFINITY;
    s.comp_knee_db = 0.0;
    s.comp_attack_ms = 5.0;
    s.comp_release_ms = 200.0;
    // Steps of a Nyquist-rate square wave (±a) pass the sidechain high-pass untouched and
    // make the peak detector exact: level −20 dBFS → target gain −20 dB.
    let n = 48000;
    let x: Vec<f32> = (0..n)
        .map(|i| {
            let a = if (4800..24000).contains(&i) {
                0.1
            } else {
                0.001
            };
            if i % 2 == 0 {
                a
            } else {
                -a
            }
        })
        .collect();
    let (o, _) = run(&s, SR, &x, &x, 64);
    let lat = latency();
    let gain_db = |i: usize| gain_to_db(o[i + lat] / x[i]);
    // Attack: 63.2 % of the −20 dB move after 5 ms.
    let t = (4800..24000)
        .find(|&i| gain_db(i) <= -20.0 * 0.632)
        .unwrap()
        - 4800;
    assert!(
        (t as f32 - 0.005 * SR).abs() <= 5.0,
        "attack took {t} samples"
    );
    // Release from −20 dB towards the −0 dB target (level −60 dBFS is below threshold).
    let t = (24000..n - lat)
        .find(|&i| gain_db(i) >= -20.0 * 0.368)
        .unwrap()
        - 24000;
    // The release starts when the detector's peak hold ends (PEAK_HOLD_MS after the drop).
    // (The sidechain high-pass rings briefly at the step: allow 0.1 ms.)
    let hold = (shared_dsp::dynamics::compressor::PEAK_HOLD_MS * 0.001 * SR).ceil();
    assert!(
        (t as f32 - (0.2 * SR + hold)).abs() <= 5.0,
        "release took {t} samples"
    );
}

#[test]
fn gate_attenuates_quiet_passages_by_the_range() {
    let mut s = Settings::default();
    s.gate_on = true;
    s.gate_threshold_db = -40.0;
    s.gate_range_db = 30.0;
    s.gate_release_ms = 10.0;
    s.gate_hold_ms = 0.0;
    let (g, _) = sine_gain_db(&s, 1000.0, db_to_gain(-60.0));
    assert!((g + 30.0).abs() < 0.05, "gate closed: {g}");
    let (g, _) = sine_gain_db(&s, 1000.0, db_to_gain(-20.0));
    assert!(g.abs() < 0.01, "gate open: {g}");
    s.gate_mode = GateMode::Expander;
    s.gate_ratio = 2.0;
    // 10 dB under the threshold at 1:2 → −10 dB (the peak detector reads the sine's peak).
    let (g, _) = sine_gain_db(&s, 1000.0, db_to_gain(-50.0));
    assert!((g + 10.0).abs() < 0.5, "expander: {g}");
}

/// Harmonic and non-harmonic content of a saturated 10 kHz tone, by FFT.
fn spectrum_db(x: &[f32]) -> Vec<f32> {
    let n = x.len();
    // Blackman-Harris window.
    let w: Vec<f32> = (0..n)
        .map(|i| {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos())
                as f32
        })
        .collect();
    let mut buf: Vec<f32> = x.iter().zip(&w).map(|(a, b)| a * b).collect();
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    spec.iter().map(|c| gain_to_db(c.norm())).collect()
}

#[test]
fn saturation_at_12_db_drive_keeps_aliases_80_db_down() {
    for (curve, sr) in [
        (SatCurve::Soft, 44_100.0f32),
        (SatCurve::Warm, 44_100.0),
        (SatCurve::Soft, 48_000.0),
        (SatCurve::Warm, 48_000.0),
    ] {
        let mut s = Settings::default();
        s.sat_on = true;
        s.sat_curve = curve;
        s.sat_drive_db = 12.0;
        let n = 32768;
        let skip = 4096;
        let x = sine(n + skip, 10000.0, 1.0, sr);
        let (o, _) = run(&s, sr, &x, &x, 512);
        let spec = spectrum_db(&o[skip..]);
        let bin_hz = sr / n as f32;
        let fund = spec[(10000.0 / bin_hz).round() as usize];
        let mut worst = (-400.0f32, 0.0f32);
        for (k, db) in spec.iter().enumerate() {
            let f = k as f32 * bin_hz;
            let near = |h: f32| (f - h).abs() < 12.0 * bin_hz;
            if near(0.0) || near(10000.0) || near(20000.0) {
                continue; // the fundamental, its true 2nd harmonic and DC
            }
            if db - fund > worst.0 {
                worst = (db - fund, f);
            }
        }
        println!(
            "{curve:?} at {sr} Hz: worst alias {:.1} dB at {:.0} Hz",
            worst.0, worst.1
        );
        assert!(
            worst.0 <= -80.0,
            "{curve:?} at {sr} Hz: alias {:.1} dB at {:.0} Hz",
            worst.0,
            worst.1
        );
    }
}

#[test]
fn saturation_drive_adds_harmonics_and_mix_zero_removes_them() {
    let thd = |s: &Settings| {
        let x = sine(48000, 1000.0, 0.5, SR);
        let (o, _) = run(s, SR, &x, &x, 512);
        let tail = &o[24000..];
        let fund = tone_gain(tail, 1000.0, SR);
        let h: f32 = (2..8)
            .map(|k| tone_gain(tail, 1000.0 * k as f32, SR).powi(2))
            .sum();
        gain_to_db(h.sqrt() / fund)
    };
    let mut s = Settings::default();
    s.sat_on = true;
    s.sat_drive_db = 3.0;
    let low = thd(&s);
    s.sat_drive_db = 18.0;
    let high = thd(&s);
    assert!(high > low + 10.0, "THD {low} → {high}");
    s.sat_curve = SatCurve::Warm;
    let x = sine(48000, 1000.0, 0.5, SR);
    let (o, _) = run(&s, SR, &x, &x, 512);
    let h2 = gain_to_db(tone_gain(&o[24000..], 2000.0, SR) / tone_gain(&o[24000..], 1000.0, SR));
    assert!(h2 > -40.0, "Warm adds a 2nd harmonic: {h2} dB");
    s.sat_mix = 0.0;
    assert!(thd(&s) < -100.0, "mix 0 is clean");
}

#[test]
fn pan_width_and_output_modes() {
    let l = noise(48000, 7, 0.4);
    let r = noise(48000, 8, 0.4);
    let lat = latency();
    let mut s = Settings::default();
    s.pan = 1.0;
    let (ol, or) = run(&s, SR, &l, &r, 512);
    assert!(rms(&ol[lat..]) < 1e-6, "hard right silences left");
    let gain = rms_db(&or[lat..]) - rms_db(&r[..r.len() - lat]);
    // Constant power law: hard pan is +3.01 dB on the remaining side... of the mid/side
    // recombined right channel, which equals R itself at width 100 %.
    assert!((gain - 3.01).abs() < 0.05, "hard pan gain {gain}");
    s.pan = 0.0;
    s.width = 0.0;
    let (ol, or) = run(&s, SR, &l, &r, 512);
    assert!(
        ol.iter().zip(&or).all(|(a, b)| (a - b).abs() < 1e-6),
        "width 0 is mono"
    );
    s.width = 1.0;
    s.output_mode = OutputMode::Side;
    let (ol, or) = run(&s, SR, &l, &r, 512);
    for i in 0..l.len() - lat {
        let side = 0.5 * (l[i] - r[i]);
        assert!((ol[i + lat] - side).abs() < 1e-6 && (or[i + lat] - side).abs() < 1e-6);
    }
    s.output_mode = OutputMode::Mono;
    let (ol, _) = run(&s, SR, &l, &r, 512);
    for i in 0..l.len() - lat {
        let mono = (l[i] + r[i]) * std::f32::consts::FRAC_1_SQRT_2;
        assert!((ol[i + lat] - mono).abs() < 1e-6);
    }
}

#[test]
fn bypass_passes_input_delayed_even_with_everything_on() {
    let l = noise(48000, 9, 0.5);
    let mut s = everything_on();
    s.bypass = true;
    let (o, _) = run(&s, SR, &l, &l, 333);
    assert!(null_db(&l, &o, latency()) < -120.0);
}

#[test]
fn switching_modules_does_not_click() {
    // A 100 Hz sine at −6 dBFS; every 0.25 s a group of switches flips. The output's largest
    // sample-to-sample step must stay close to the steepest step of the sine itself.
    let x = sine(96000, 100.0, 0.5, SR);
    let sine_step = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    let mut e = ChannelStripEngine::new();
    e.prepare(SR);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut s = Settings::default();
    for (i, (a, b)) in l.chunks_mut(480).zip(r.chunks_mut(480)).enumerate() {
        match i {
            25 => {
                s.hpf_on = true;
                s.hpf_freq_hz = 20.0;
                s.sat_on = true;
                s.sat_drive_db = 0.0;
                s.comp_on = true;
                s.comp_threshold_db = -60.0;
                s.comp_ratio = 1.2;
            }
            50 => s.output_mode = OutputMode::Mono,
            75 => s.bypass = true,
            100 => s.bypass = false,
            125 => {
                s.output_mode = OutputMode::Stereo;
                s.polarity_invert = true;
            }
            150 => {
                s.gate_on = true;
                s.gate_threshold_db = -80.0;
            }
            175 => s.sat_on = false,
            _ => {}
        }
        e.set_settings(&s);
        let mut chans: [&mut [f32]; 2] = [a, b];
        e.process_block(&mut chans);
    }
    // Gains involved: mono fold-down +3 dB on a centred source; the comp's 1.2:1 at −60 dB
    // changes level by a few dB at most.
    let limit = 1.6 * sine_step;
    for (name, out) in [("L", &l), ("R", &r)] {
        let max_step = out
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(
            max_step < limit,
            "{name}: largest step {max_step} vs sine {sine_step}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness and realtime safety

#[test]
fn hostile_input_gives_finite_output_and_recovers() {
    let hostile: [(&str, f32); 7] = [
        ("nan", f32::NAN),
        ("inf", f32::INFINITY),
        ("-inf", f32::NEG_INFINITY),
        ("subnormal", 1.0e-41),
        ("+1e6", 1.0e6),
        ("-1e6", -1.0e6),
        ("3e38", 3.0e38),
    ];
    for sr in [22050.0f32, 44100.0, 48000.0, 96000.0, 192000.0, 384000.0] {
        for block in [0usize, 1, 7, 64, 512, 4096, 8192] {
            for (name, v) in hostile {
                let mut e = ChannelStripEngine::new();
                e.set_settings(&everything_on());
                e.prepare(sr);
                let mut a = vec![v; block];
                let mut b: Vec<f32> = (0..block)
                    .map(|i| if i % 2 == 0 { v } else { 0.1 })
                    .collect();
                let mut chans: [&mut [f32]; 2] = [&mut a, &mut b];
                e.process_block(&mut chans);
                assert!(
                    a.iter()
                        .chain(&b)
                        .all(|x| x.is_finite() && (*x == 0.0 || x.is_normal())),
                    "{name} at {sr} Hz, block {block}: non-finite or subnormal output"
                );
                // Then clean audio: output must be finite and come back to normal levels.
                let clean = sine(sr as usize, 1000.0, 0.25, sr);
                let (mut c1, mut c2) = (clean.clone(), clean.clone());
                for (p, q) in c1.chunks_mut(512).zip(c2.chunks_mut(512)) {
                    let mut chans: [&mut [f32]; 2] = [p, q];
                    e.process_block(&mut chans);
                }
                assert!(
                    c1.iter().chain(&c2).all(|x| x.is_finite()),
                    "{name}: no recovery at {sr}"
                );
                let tail = &c1[c1.len() / 2..];
                let level = rms_db(tail);
                assert!(
                    level > -40.0 && level < 20.0,
                    "{name} at {sr}: level after {level} dB"
                );
            }
        }
    }
}

#[test]
fn subnormal_input_gives_no_subnormal_output() {
    let mut e = ChannelStripEngine::new();
    let mut s = everything_on();
    s.gate_on = false;
    e.set_settings(&s);
    e.prepare(SR);
    // A signal, then a decaying tail into the subnormal range, then pure subnormals.
    let mut x = sine(9600, 440.0, 0.5, SR);
    x.extend((0..48000).map(|i| 1.0e-30 * (-(i as f32) / 100.0).exp()));
    x.extend(std::iter::repeat_n(f32::MIN_POSITIVE / 3.0, 48000));
    let mut y = x.clone();
    for (p, q) in x.chunks_mut(256).zip(y.chunks_mut(256)) {
        let mut chans: [&mut [f32]; 2] = [p, q];
        e.process_block(&mut chans);
    }
    let bad = x.iter().chain(&y).filter(|v| v.is_subnormal()).count();
    assert_eq!(bad, 0, "{bad} subnormal output samples");
}

#[test]
fn processing_never_allocates() {
    let mut e = ChannelStripEngine::new();
    e.prepare(SR);
    let mut l = noise(8192, 11, 0.5);
    let mut r = noise(8192, 12, 0.5);
    let mut settings = [everything_on(), Settings::default(), everything_on()];
    settings[2].bypass = true;
    settings[2].comp_detector = CompDetector::Rms;
    let allocs = count_allocs(|| {
        for s in &settings {
            e.set_settings(s);
            for block in [1usize, 7, 64, 512, 8192] {
                let mut chans: [&mut [f32]; 2] = [&mut l[..block], &mut r[..block]];
                e.process_block(&mut chans);
            }
            e.reset();
        }
    });
    assert_eq!(
        allocs, 0,
        "process_block/set_settings/reset allocated {allocs} times"
    );
    // The rest of the plugin's process(): reading every parameter and publishing meters.
    let params = channel_strip::params::ChannelStripParams::default();
    let shared = shared_plugin::meters::SharedMeters::default();
    let mut ballistics = shared_plugin::meters::MeterBallistics::default();
    let allocs = count_allocs(|| {
        for _ in 0..100 {
            let s = params.settings();
            e.set_settings(&s);
            let mut chans: [&mut [f32]; 2] = [&mut l[..64], &mut r[..64]];
            e.process_block(&mut chans);
            ballistics.publish(&e.readings(), 64.0 / SR, &shared);
        }
    });
    assert_eq!(
        allocs, 0,
        "params.settings()/meter publishing allocated {allocs} times"
    );
    // The guard itself works.
    assert!(count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);
}

#[test]
fn mono_layout_matches_the_left_channel_of_a_centred_stereo_run() {
    let x = noise(9600, 13, 0.5);
    let mut s = everything_on();
    s.pan = 0.0;
    s.width = 1.0;
    let (stereo_l, _) = run(&s, SR, &x, &x, 512);
    let mut e = ChannelStripEngine::new();
    e.set_settings(&s);
    e.prepare(SR);
    let mut y = x.clone();
    for c in y.chunks_mut(512) {
        let mut chans: [&mut [f32]; 1] = [c];
        e.process_block(&mut chans);
    }
    let worst = y
        .iter()
        .zip(&stereo_l)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "mono vs stereo L: {worst}");
}
#[test]
fn remaining_controls_move_the_output_the_documented_way() {
    // EQ Q: a narrow bell (Q 4) leaves a note half an octave away almost untouched, a wide
    // one (Q 0.5) lifts it; both match the analytic response.
    for q in [0.5f32, 4.0] {
        let mut s = Settings::default();
        s.eq[1].freq_hz = 1000.0;
        s.eq[1].gain_db = 12.0;
        s.eq[1].q = q;
        let (g, _) = sine_gain_db(&s, 1414.0, 0.05);
        let expect = eq_band_coeffs(SR, EqShape::Bell, 1000.0, q, 12.0).magnitude_db(1414.0);
        assert!((g - expect).abs() < 0.02, "Q {q}: {g} vs {expect}");
    }

    // Compressor knee: at the threshold a hard knee does nothing, a 12 dB knee already
    // compresses by W/8·(1 − 1/R) = 12/8·0.75 = 1.125 dB (RMS detector on a steady sine).
    let amp = db_to_gain(-20.0) * std::f32::consts::SQRT_2; // −20 dB RMS
    let mut s = Settings::default();
    s.comp_on = true;
    s.comp_threshold_db = -20.0;
    s.comp_ratio = 4.0;
    s.comp_detector = CompDetector::Rms;
    s.comp_release_ms = 1000.0;
    s.comp_knee_db = 0.0;
    let (hard, _) = sine_gain_db(&s, 1000.0, amp);
    s.comp_knee_db = 12.0;
    let (soft, _) = sine_gain_db(&s, 1000.0, amp);
    assert!(hard.abs() < 0.1, "hard knee at threshold: {hard}");
    assert!((soft + 1.125).abs() < 0.2, "soft knee at threshold: {soft}");

    // Peak detection reads a sine 3 dB hotter than RMS: more gain reduction.
    s.comp_knee_db = 0.0;
    s.comp_threshold_db = -30.0;
    let (rms, _) = sine_gain_db(&s, 1000.0, amp);
    s.comp_detector = CompDetector::Peak;
    let (peak, _) = sine_gain_db(&s, 1000.0, amp);
    assert!(peak < rms - 1.5, "peak {peak} dB vs RMS {rms} dB");

    // Sidechain high-pass: a loud 40 Hz tone triggers less compression with the SC HPF at
    // 500 Hz (second order: −44 dB at 40 Hz) than at 20 Hz.
    let mut s = Settings::default();
    s.comp_on = true;
    s.comp_threshold_db = -30.0;
    s.comp_ratio = 4.0;
    s.comp_sc_hpf_hz = 20.0;
    let (open_sc, _) = sine_gain_db(&s, 40.0, 0.5);
    s.comp_sc_hpf_hz = 500.0;
    let (filtered_sc, _) = sine_gain_db(&s, 40.0, 0.5);
    assert!(
        open_sc < -10.0 && filtered_sc > -1.0,
        "SC HPF: {open_sc} → {filtered_sc}"
    );

    // Gate key filter: a 50 Hz tone at −30 dBFS opens a −40 dB gate, but not once the key
    // high-pass at 2 kHz removes it from the detector.
    let mut s = Settings::default();
    s.gate_on = true;
    s.gate_threshold_db = -40.0;
    s.gate_range_db = 40.0;
    let (open, _) = sine_gain_db(&s, 50.0, db_to_gain(-30.0));
    s.gate_key_filter_on = true;
    s.gate_key_hpf_hz = 2000.0;
    let (keyed, _) = sine_gain_db(&s, 50.0, db_to_gain(-30.0));
    assert!(
        open.abs() < 0.05 && (keyed + 40.0).abs() < 0.5,
        "key filter: {open} → {keyed}"
    );

    // Dynamics order: +12 dB of EQ before a limiter (∞:1 at −30 dB) is caught; after it, it
    // is not.
    let mut s = Settings::default();
    s.eq[2].freq_hz = 1000.0;
    s.eq[2].gain_db = 12.0;
    s.comp_on = true;
    s.comp_threshold_db = -30.0;
    s.comp_ratio = f32::INFINITY;
    s.comp_detector = CompDetector::Rms;
    s.order = channel_strip::dsp::DynamicsOrder::EqThenDynamics;
    let (eq_first, _) = sine_gain_db(&s, 1000.0, amp);
    s.order = channel_strip::dsp::DynamicsOrder::DynamicsThenEq;
    let (dyn_first, _) = sine_gain_db(&s, 1000.0, amp);
    // EQ first: −20 dB RMS + 12 dB → limited to −30 → −10 dB gain. Dyn first: −10 + 12.
    assert!((eq_first + 10.0).abs() < 0.3, "EQ → Dyn: {eq_first}");
    assert!((dyn_first - 2.0).abs() < 0.3, "Dyn → EQ: {dyn_first}");
}

#[test]
fn a_slope_change_clears_that_filters_memory() {
    let mut s = Settings::default();
    s.hpf_on = true;
    s.hpf_freq_hz = 200.0;
    let mut e = ChannelStripEngine::new();
    e.set_settings(&s);
    e.prepare(SR);
    // A loud low tone fills the high-pass's memory; it ends abruptly.
    let mut l = sine(4800, 60.0, 0.9, SR);
    let mut r = l.clone();
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    // Switch the slope and feed silence: once the tone has left the latency delay, the output
    // must be exactly zero (memory cleared), not the old cascade's ringing.
    s.hpf_slope = FilterSlope::Db48;
    e.set_settings(&s);
    let mut l = vec![0.0f32; 4800];
    let mut r = l.clone();
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    let lat = latency();
    let ringing = l[lat..]
        .iter()
        .chain(&r[lat..])
        .fold(0.0f32, |a, v| a.max(v.abs()));
    assert_eq!(ringing, 0.0, "old filter memory rang through: {ringing}");
    // Without a slope change the same filter does ring (the test can fail).
    let mut e = ChannelStripEngine::new();
    s.hpf_slope = FilterSlope::Db12;
    e.set_settings(&s);
    e.prepare(SR);
    let mut l = sine(4800, 60.0, 0.9, SR);
    let mut r = l.clone();
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    let mut l = vec![0.0f32; 4800];
    let mut r = l.clone();
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    assert!(l[lat..].iter().any(|v| v.abs() > 1e-6));
}

use shared_dsp::runner::Fixed;

#[test]
fn shared_engine_checks() {
    // Null at defaults: bit-exact, delayed by the latency.
    let input = engine_checks::programme(48_000, SR);
    let db = engine_checks::null_db(
        &mut Fixed(ChannelStripEngine::new(), Settings::default()),
        SR,
        &input,
    );
    assert_eq!(db, -400.0, "defaults null: {db} dB");
    let busy = everything_on();
    let failures = engine_checks::hostile_input_failures(|| Fixed(ChannelStripEngine::new(), busy));
    assert!(failures.is_empty(), "{failures:#?}");
    let mut f = Fixed(ChannelStripEngine::new(), busy);
    f.prepare(SR, 2);
    let allocs = engine_checks::allocations(&mut f, |e, pass| {
        e.1.bypass = pass == 1;
    });
    assert_eq!(allocs, 0);
}

#[test]
fn parameter_text_round_trips_and_the_committed_table_is_current() {
    let params = channel_strip::params::ChannelStripParams::default();
    let failures = shared_plugin::table::check_text_round_trip(&params);
    assert!(failures.is_empty(), "{failures:#?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("params.json");
    shared_plugin::table::check_committed_table(&params, &path).unwrap();
}

#[test]
fn eq_ramps_use_the_closed_form_and_settle_on_the_refined_design_without_a_jump() {
    use shared_dsp::filter::biquad::num_ls_fits;
    // Band 4 as a +12 dB bell near Nyquist at 44.1 kHz, where the refined design differs
    // from the closed form (0.6 dB at Nyquist): a 15 kHz tone through it while the gain ramps.
    let sr = 44_100.0f32;
    let mut s = Settings::default();
    s.eq[3].shape = EqShape::Bell;
    s.eq[3].freq_hz = 16_000.0;
    s.eq[3].q = 1.0;
    s.eq[3].gain_db = 6.0;
    let mut e = ChannelStripEngine::new();
    e.set_settings(&s);
    e.prepare(sr);
    let n = 8192;
    let x = sine(4 * n, 15_000.0, 0.25, sr);
    let mut out = Vec::new();
    let run_block = |e: &mut ChannelStripEngine, out: &mut Vec<f32>, i: usize| {
        let (mut l, mut r) = (
            x[i * n..(i + 1) * n].to_vec(),
            x[i * n..(i + 1) * n].to_vec(),
        );
        e.process_block(&mut [&mut l[..], &mut r[..]]);
        out.extend(l);
    };
    run_block(&mut e, &mut out, 0);
    // The gain ramps 6 → 12 dB (20 ms): no least-squares fit while it moves.
    s.eq[3].gain_db = 12.0;
    e.set_settings(&s);
    let before = num_ls_fits();
    let (mut l, mut r) = (x[n..n + 882].to_vec(), x[n..n + 882].to_vec()); // 20 ms
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    out.extend(l);
    assert_eq!(
        num_ls_fits(),
        before,
        "the audio thread ran the fit while ramping"
    );
    // The rest: the ramp ends, the refined design is computed once and faded in.
    let (mut l, mut r) = (x[n + 882..2 * n].to_vec(), x[n + 882..2 * n].to_vec());
    e.process_block(&mut [&mut l[..], &mut r[..]]);
    out.extend(l);
    assert!(num_ls_fits() - before <= 1, "one fit when the ramp ends");
    run_block(&mut e, &mut out, 2);
    // No jump: the tone's envelope (peak per 64 samples) never steps by more than 0.1 dB
    // between neighbouring windows after the ramp.
    let env: Vec<f32> = out[n + 1024..3 * n]
        .chunks(64)
        .map(|c| c.iter().fold(0.0f32, |a, v| a.max(v.abs())))
        .collect();
    let worst = env
        .windows(2)
        .map(|w| gain_to_db(w[1] / w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 0.1, "envelope step {worst} dB after the ramp");
    // And it ends on the refined design: the gain at 15 kHz matches its response.
    let refined = eq_band_coeffs(sr, EqShape::Bell, 16_000.0, 1.0, 12.0).magnitude_db(15_000.0);
    let tail = &out[3 * n - 4096..3 * n];
    let got = gain_to_db(tone_gain(tail, 15_000.0, sr) / tone_gain(&x[..4096], 15_000.0, sr));
    assert!((got - refined).abs() < 0.05, "{got} vs refined {refined}");
}

engine_checks::factory_preset_tests!(
    channel_strip,
    channel_strip::params::ChannelStripParams,
    |params| Fixed(ChannelStripEngine::new(), params.settings())
);

/// A host that gives the normalised defaults back a few float steps off (Ardour: 0.50000006
/// for 0.5) leaves the engine at exactly its default settings (bit-exact where the defaults
/// are).
#[test]
fn defaults_survive_a_hosts_normalised_round_trip() {
    shared_plugin::testing::check_defaults_survive_normalised_round_trip(
        |p: &channel_strip::params::ChannelStripParams| p.settings(),
    );
}

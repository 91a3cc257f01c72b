//! Engine tests of the bus compressor (no host): the static curve against the design equation,
//! time constants from tone bursts, program-dependent release, sidechain filter and key, mix,
//! M/S, latency at every oversampling factor, and the shared engine checks.

#[global_allocator]
static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;

use bus_compressor::dsp::{BusCompEngine, BusCompSettings, Oversampling};
use bus_compressor::params::BusCompParams;
use engine_checks::sine;
use shared_dsp::db::{db_to_gain, gain_to_db};
use shared_dsp::dynamics::compressor::{CompressorSettings, Detector, StereoMode};

const SR: f32 = 48_000.0;

use shared_dsp::runner::Fixed;

fn engine(s: &BusCompSettings, sr: f32) -> BusCompEngine {
    let mut e = BusCompEngine::new();
    e.set_settings(s);
    e.prepare(sr);
    e
}

fn modern(threshold_db: f32, ratio: f32, knee_db: f32, detector: Detector) -> BusCompSettings {
    BusCompSettings {
        comp: CompressorSettings {
            threshold_db,
            ratio,
            knee_db,
            attack_ms: 10.0,
            release_ms: 100.0,
            slow_release_ms: 0.0,
            detector,
            range_db: 40.0,
            ..CompressorSettings::default()
        },
        ..BusCompSettings::default()
    }
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt() as f32
}

/// Processes mono `x` (as both channels of a stereo pair) and returns the left output.
fn process(e: &mut BusCompEngine, x: &[f32], key: Option<&[f32]>) -> Vec<f32> {
    let (mut l, mut r) = (x.to_vec(), x.to_vec());
    for start in (0..x.len()).step_by(512) {
        let end = (start + 512).min(x.len());
        let mut chans: [&mut [f32]; 2] = [&mut l[start..end], &mut r[start..end]];
        match key {
            Some(k) => {
                let kk: [&[f32]; 1] = [&k[start..end]];
                e.process_block_keyed(&mut chans, Some(&kk));
            }
            None => e.process_block_keyed(&mut chans, None),
        }
    }
    l
}

#[test]
fn static_curve_is_within_a_tenth_of_a_db_of_the_design_equation() {
    let mut worst: [f32; 2] = [0.0; 2];
    for (d, detector) in [Detector::Peak, Detector::Rms].into_iter().enumerate() {
        for knee in [0.0, 6.0] {
            let s = modern(-20.0, 4.0, knee, detector);
            for freq in [100.0, 1000.0, 5000.0] {
                for peak_db in [-30.0, -23.0, -20.0, -17.0, -10.0, 0.0] {
                    let mut e = engine(&s, SR);
                    let x = sine(96_000, freq, db_to_gain(peak_db), SR);
                    let y = process(&mut e, &x, None);
                    let got = gain_to_db(rms(&y[72_000..]) / rms(&x[72_000..]));
                    let level = if detector == Detector::Peak {
                        peak_db
                    } else {
                        peak_db - 3.0103
                    };
                    let expected = s.comp.static_gain_db(level);
                    worst[d] = worst[d].max((got - expected).abs());
                    assert!(
                        (got - expected).abs() <= 0.1,
                        "{detector:?} knee {knee} {freq} Hz {peak_db} dB: {got:.3} vs {expected:.3}"
                    );
                }
            }
        }
    }
    println!(
        "static curve, worst error: peak {:.3} dB, RMS {:.3} dB",
        worst[0], worst[1]
    );
}

/// The gain in dB at each sample where the input is not near a zero crossing:
/// `(time in s, gain dB)`.
fn gain_track(x: &[f32], y: &[f32], sr: f32, amp: f32) -> Vec<(f32, f32)> {
    x.iter()
        .zip(y)
        .enumerate()
        .filter(|(_, (a, _))| a.abs() > 0.3 * amp)
        .map(|(i, (a, b))| (i as f32 / sr, gain_to_db(b / a)))
        .collect()
}

/// Time constant of an exponential approach in a gain track: from the 20 % and 80 % points.
fn fitted_tau_ms(track: &[(f32, f32)]) -> f32 {
    let start = track[0].1;
    let end = track[track.len() - 1].1;
    let frac = |g: f32| (g - start) / (end - start);
    let p20 = track.iter().find(|(_, g)| frac(*g) >= 0.2).unwrap();
    let p80 = track.iter().find(|(_, g)| frac(*g) >= 0.8).unwrap();
    let (r20, r80) = (1.0 - frac(p20.1) as f64, 1.0 - frac(p80.1) as f64);
    ((p80.0 - p20.0) as f64 / (r20 / r80).ln() * 1000.0) as f32
}

#[test]
fn attack_and_release_are_time_constants_at_44_48_and_96_khz() {
    let mut report = Vec::new();
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        for (attack_ms, release_ms) in [
            (1.0f32, 100.0f32),
            (10.0, 300.0),
            (30.0, 600.0),
            (3.0, 1200.0),
        ] {
            let mut s = modern(-30.0, 4.0, 0.0, Detector::Peak);
            s.comp.attack_ms = attack_ms;
            s.comp.release_ms = release_ms;
            let mut e = engine(&s, sr);
            // Tone bursts −20 → 0 → −20 dB at 1 kHz.
            let seg = |db: f32, secs: f32| sine((secs * sr) as usize, 1000.0, db_to_gain(db), sr);
            let mut x = seg(-20.0, 1.0);
            let a0 = x.len();
            x.extend(seg(0.0, (8.0 * attack_ms / 1000.0).max(0.5)));
            let r0 = x.len();
            x.extend(seg(-20.0, 8.0 * release_ms / 1000.0));
            let y = process(&mut e, &x, None);
            let att = fitted_tau_ms(&gain_track(&x[a0..r0], &y[a0..r0], sr, 1.0));
            let rel = fitted_tau_ms(&gain_track(&x[r0..], &y[r0..], sr, 0.1));
            report.push(format!(
                "{sr}: {attack_ms}→{att:.2} ms, {release_ms}→{rel:.1} ms"
            ));
            assert!(
                (att / attack_ms - 1.0).abs() < 0.1,
                "{sr} Hz attack {att} vs {attack_ms}"
            );
            assert!(
                (rel / release_ms - 1.0).abs() < 0.1,
                "{sr} Hz release {rel} vs {release_ms}"
            );
        }
    }
    println!(
        "time constants (set → measured):\n  {}",
        report.join("\n  ")
    );
}

#[test]
fn auto_release_recovers_faster_after_a_short_burst_than_after_a_long_passage() {
    let p = BusCompParams::default(); // Classic, release Auto
    let s = p.settings();
    assert!(
        s.comp.slow_release_ms > s.comp.release_ms,
        "Auto is the default"
    );
    let recovery_ms = |burst_s: f32| {
        let mut e = engine(&s, SR);
        let mut x = sine((burst_s * SR) as usize, 1000.0, 1.0, SR);
        let end = x.len();
        x.extend(sine((4.0 * SR) as usize, 1000.0, 0.01, SR));
        let y = process(&mut e, &x, None);
        let track = gain_track(&x[end..], &y[end..], SR, 0.01);
        let back = track.iter().find(|(_, g)| *g > -1.0).expect("recovers");
        back.0 * 1000.0
    };
    let short = recovery_ms(0.05);
    let long = recovery_ms(3.0);
    println!(
        "Auto release: back within 1 dB {short:.0} ms after a 50 ms burst, {long:.0} ms after 3 s"
    );
    assert!(long > 2.0 * short, "short {short} ms, long {long} ms");
}

#[test]
fn sidechain_hpf_at_100_hz_reduces_gain_reduction_on_40_hz_as_designed() {
    let gr = |hpf_hz: f32| {
        let mut s = modern(-30.0, 4.0, 0.0, Detector::Rms);
        s.comp.sidechain_hpf_hz = hpf_hz;
        let mut e = engine(&s, SR);
        let x = sine(96_000, 40.0, db_to_gain(-6.0), SR);
        let y = process(&mut e, &x, None);
        (gain_to_db(rms(&y[72_000..]) / rms(&x[72_000..])), s)
    };
    let (filtered, s) = gr(100.0);
    let (unfiltered, _) = gr(20.0);
    // 12 dB/oct Butterworth at 100 Hz attenuates 40 Hz by 10·log10(r⁴/(1+r⁴)), r = 0.4.
    let r4 = 0.4f32.powi(4);
    let atten_db = 10.0 * (r4 / (1.0 + r4)).log10();
    let expected = s.comp.static_gain_db(-6.0 - 3.0103 + atten_db);
    println!("SC HPF 100 Hz on 40 Hz: gain {filtered:.2} dB (expected {expected:.2}), without {unfiltered:.2} dB");
    assert!(
        (filtered - expected).abs() < 0.2,
        "{filtered} vs {expected}"
    );
    assert!(unfiltered < filtered - 10.0);
}

#[test]
fn external_key_drives_the_gain_and_only_the_key() {
    let mut s = modern(-20.0, 4.0, 0.0, Detector::Peak);
    s.external_key = true;
    let loud = sine(48_000, 1000.0, 1.0, SR);
    let quiet = sine(48_000, 1000.0, 0.01, SR);
    let silent = vec![0.0f32; 48_000];
    // Quiet main + loud key → gain reduction (the output is the main, turned down).
    let mut e = engine(&s, SR);
    let y = process(&mut e, &quiet, Some(&loud));
    let g = gain_to_db(rms(&y[24_000..]) / rms(&quiet[24_000..]));
    assert!(
        (g - s.comp.static_gain_db(0.0)).abs() < 0.1,
        "keyed gain {g}"
    );
    // Loud main + silent key → none.
    let mut e = engine(&s, SR);
    let y = process(&mut e, &loud, Some(&silent));
    assert_eq!(y, loud);
    // Key off: the loud main compresses itself although a silent key is connected.
    s.external_key = false;
    let mut e = engine(&s, SR);
    let y = process(&mut e, &loud, Some(&silent));
    assert!(rms(&y[24_000..]) < 0.5 * rms(&loud[24_000..]));
}

#[test]
fn mix_zero_and_neutral_settings_null_below_minus_120_db() {
    for os in [Oversampling::X1, Oversampling::X2, Oversampling::X4] {
        let mut mix0 = modern(-40.0, 10.0, 0.0, Detector::Peak);
        mix0.mix = 0.0;
        mix0.oversampling = os;
        let mut neutral = modern(10.0, 1.0, 0.0, Detector::Peak);
        neutral.oversampling = os;
        for (what, s) in [("mix 0 %", mix0), ("neutral", neutral)] {
            // Band-limited programme: the oversampler's half-band filters pass up to 20 kHz.
            let input = engine_checks::band_limited_programme(48_000, SR);
            let db = engine_checks::null_db(&mut Fixed(BusCompEngine::new(), s), SR, &input);
            println!("{what}, {os:?}: null {db:.1} dB");
            assert!(db < -120.0, "{what} {os:?}: {db} dB");
            if os == Oversampling::X1 {
                assert_eq!(db, -400.0, "{what}: bit-exact without oversampling");
            }
        }
    }
}

#[test]
fn mid_only_input_in_mid_side_mode_leaves_the_side_silent() {
    let mut s = modern(-30.0, 4.0, 0.0, Detector::Peak);
    s.comp.stereo_mode = StereoMode::MidSide;
    s.comp.stereo_link = 0.0;
    let mut e = engine(&s, SR);
    let x = sine(48_000, 300.0, 0.5, SR);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut chans: [&mut [f32]; 2] = [&mut l, &mut r];
    e.process_block_keyed(&mut chans, None);
    let side = l
        .iter()
        .zip(&r)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert_eq!(side, 0.0);
    assert!(
        rms(&l[24_000..]) < 0.5 * rms(&x[24_000..]),
        "the mid is compressed"
    );
}

#[test]
fn reported_latency_is_measured_at_every_factor_also_while_bypassed() {
    for os in [Oversampling::X1, Oversampling::X2, Oversampling::X4] {
        for bypass in [false, true] {
            let mut s = modern(10.0, 1.0, 0.0, Detector::Peak);
            s.oversampling = os;
            s.bypass = bypass;
            let mut e = engine(&s, SR);
            let mut x = vec![0.0f32; 4096];
            x[1000] = 1.0;
            let y = process(&mut e, &x, None);
            let peak = y
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .unwrap()
                .0;
            assert_eq!(
                peak - 1000,
                e.latency_samples() as usize,
                "{os:?} bypass {bypass}"
            );
            assert_eq!(e.latency_samples(), os.latency_samples());
        }
    }
}

#[test]
fn delta_is_what_the_compressor_removes() {
    let mut s = modern(-30.0, 4.0, 0.0, Detector::Peak);
    s.comp.makeup_db = 6.0;
    let x = engine_checks::programme(48_000, SR)[0].clone();
    let wet = process(&mut engine(&s, SR), &x, None);
    s.delta = true;
    let delta = process(&mut engine(&s, SR), &x, None);
    let makeup = db_to_gain(6.0);
    let worst = x
        .iter()
        .zip(&wet)
        .zip(&delta)
        .map(|((x, w), d)| (x - w / makeup - d).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "dry − wet/make-up − delta = {worst}");
    assert!(rms(&delta) > 0.01, "something is removed");
}

#[test]
fn soft_clip_holds_the_output_near_full_scale() {
    for os in [Oversampling::X1, Oversampling::X4] {
        let mut s = modern(10.0, 1.0, 0.0, Detector::Peak);
        s.soft_clip = true;
        s.oversampling = os;
        s.output_gain = 1.0;
        let x = sine(48_000, 997.0, db_to_gain(12.0), SR);
        let y = process(&mut engine(&s, SR), &x, None);
        let peak = y.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        assert!(peak < 1.05 && peak > 0.9, "{os:?}: peak {peak}");
        // A quiet signal passes the clip unchanged (below 0.1 % error).
        let q = sine(48_000, 997.0, 0.01, SR);
        let y = process(&mut engine(&s, SR), &q, None);
        let lat = os.latency_samples() as usize;
        let err = q[..q.len() - lat]
            .iter()
            .zip(&y[lat..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-4, "{os:?}: quiet error {err}");
    }
}

#[test]
fn shared_engine_checks() {
    let mut busy = modern(-30.0, 4.0, 6.0, Detector::Rms);
    busy.comp.slow_release_ms = 1200.0;
    busy.mix = 0.7;
    busy.soft_clip = true;
    busy.comp.stereo_mode = StereoMode::MidSide;
    busy.comp.stereo_link = 0.5;
    busy.comp.sidechain_hpf_hz = 80.0;
    for os in [Oversampling::X1, Oversampling::X4] {
        busy.oversampling = os;
        let input = engine_checks::programme(48_000, SR);
        let diff =
            engine_checks::block_size_difference(|| Fixed(BusCompEngine::new(), busy), SR, &input);
        assert!(diff < 1e-5, "{os:?}: block sizes differ by {diff}");
        let failures = engine_checks::hostile_input_failures(|| Fixed(BusCompEngine::new(), busy));
        assert!(failures.is_empty(), "{os:?}: {failures:#?}");
    }
    // No allocation: processing, settings changes (every factor), reading parameters and
    // publishing meters.
    let params = BusCompParams::default();
    let shared = shared_plugin::meters::SharedMeters::default();
    let mut ballistics = shared_plugin::meters::MeterBallistics::default();
    let mut f = Fixed(BusCompEngine::new(), busy);
    f.prepare(SR, 2);
    let allocs = engine_checks::allocations(&mut f, |e, pass| {
        let mut s = params.settings();
        s.oversampling = [Oversampling::X1, Oversampling::X2, Oversampling::X4][pass];
        s.bypass = pass == 1;
        e.1 = s;
        ballistics.publish(e.0.readings(), 0.01, &shared);
    });
    assert_eq!(allocs, 0, "{allocs} allocations");
    assert!(alloc_guard::count_allocs(|| drop(std::hint::black_box(vec![0u8; 16]))) > 0);
}

#[test]
fn parameter_text_round_trips_and_the_committed_table_is_current() {
    let params = BusCompParams::default();
    let failures = shared_plugin::table::check_text_round_trip(&params);
    assert!(failures.is_empty(), "{failures:#?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("params.json");
    shared_plugin::table::check_committed_table(&params, &path).unwrap();
}

engine_checks::factory_preset_tests!(
    bus_compressor,
    bus_compressor::params::BusCompParams,
    |params| Fixed(BusCompEngine::new(), params.settings())
);

/// A host that gives the normalised defaults back a few float steps off (Ardour: 0.50000006
/// for 0.5) leaves the engine at exactly its default settings (bit-exact where the defaults
/// are).
#[test]
fn defaults_survive_a_hosts_normalised_round_trip() {
    shared_plugin::testing::check_defaults_survive_normalised_round_trip(
        |p: &bus_compressor::params::BusCompParams| p.settings(),
    );
}
